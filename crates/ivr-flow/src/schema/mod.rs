//! The YAML shape of a call flow, as written by operators. Parsing keeps the position of every
//! reference so that checks can point at the exact line and column.

pub mod catalog;
pub mod json_schema;
pub mod prompt_list;
pub mod spanned;
pub mod states;

pub use catalog::{
    AskDefaults, EmailTemplate, GlobalHandler, IntentSpec, PerLanguage, PromptSpec, QueueSpec,
    SlotKind, SlotSpec, TemplateSpec,
};
pub use prompt_list::PromptList;
pub use spanned::{At, IdMap};
pub use states::{
    AskSpec, BranchCase, BranchSpec, CallbackSpec, Channel, Condition, EscalateSpec, HangupSpec,
    HttpMethod, LookupSpec, NotifySpec, RetryPolicy, SaySpec, SetSpec, StateSpec, TransferSpec,
};

use crate::schedule::ScheduleSpec;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// A short name for logs and call records.
    #[serde(default)]
    pub name: Option<String>,
    pub languages: Vec<At<String>>,
    pub default_language: At<String>,
    /// IANA time zone for schedules, e.g. America/New_York.
    pub timezone: At<String>,
    /// The first state of every call.
    pub start: At<String>,
    /// Initial values of variables; operators change settings such as service URLs here.
    #[serde(default)]
    pub variables: IdMap<At<String>>,
    #[serde(default)]
    pub schedules: IdMap<ScheduleSpec>,
    #[serde(default)]
    pub queues: IdMap<QueueSpec>,
    #[serde(default)]
    pub prompts: IdMap<PromptSpec>,
    #[serde(default)]
    pub intents: IdMap<IntentSpec>,
    /// Groups of words that mean the same to this flow's callers (`[[tty, teletipo], ...]`),
    /// beside the built-in English and Spanish groups: intent matching counts a word of a
    /// group as nearly the word an example uses.
    #[serde(default)]
    pub synonyms: Vec<Vec<At<String>>>,
    #[serde(default)]
    pub slots: IdMap<SlotSpec>,
    #[serde(default)]
    pub templates: IdMap<TemplateSpec>,
    /// Intents active in every listening state, and what each does.
    #[serde(default)]
    pub global: IdMap<GlobalHandler>,
    #[serde(default)]
    pub ask_defaults: AskDefaults,
    pub states: IdMap<At<StateSpec>>,
}
