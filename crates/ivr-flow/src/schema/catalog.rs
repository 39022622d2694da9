//! The named things a flow declares once and its states refer to: prompts, intents, slots,
//! message templates, queues and global intent handlers.

use super::spanned::{At, IdMap};
use serde::Deserialize;

/// Text keyed by language tag (`en-US: "..."`).
pub type PerLanguage = IdMap<At<String>>;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptSpec {
    /// What the caller hears, per language; `{name}` inserts a variable.
    pub text: PerLanguage,
    /// Recorded audio per language; without it the engine plays `prompts/<lang>/<id>.wav` or
    /// synthesizes the text.
    #[serde(default)]
    pub audio: PerLanguage,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntentSpec {
    /// Keypad key that selects this intent wherever it is offered.
    #[serde(default)]
    pub dtmf: Option<At<String>>,
    /// Example phrases per language; the matcher scores callers' words against them.
    pub examples: IdMap<Vec<At<String>>>,
    /// What the intent is called when a caller is asked which of two they meant, per
    /// language ("the status of your case").
    #[serde(default)]
    pub label: IdMap<At<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    Digits,
    YesNo,
    Receipt,
    Phone,
    Email,
    FreeText,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    #[serde(rename = "type")]
    pub kind: At<SlotKind>,
    /// For `digits`: an exact length, or `min_length`/`max_length`.
    #[serde(default)]
    pub length: Option<At<usize>>,
    #[serde(default)]
    pub min_length: Option<At<usize>>,
    #[serde(default)]
    pub max_length: Option<At<usize>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    #[serde(default)]
    pub sms: Option<At<PerLanguage>>,
    #[serde(default)]
    pub email: Option<At<EmailTemplate>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplate {
    pub subject: PerLanguage,
    pub body: PerLanguage,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// The language its agents speak with callers.
    pub language: At<String>,
    /// Agents are offered calls only while this schedule is open.
    #[serde(default)]
    pub schedule: Option<At<String>>,
}

/// What a global intent does when a caller says it in any listening state.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlobalHandler {
    /// Go to this state.
    #[serde(default)]
    pub goto: Option<At<String>>,
    /// Play again what the caller heard since they last answered, then listen again.
    #[serde(default)]
    pub repeat: Option<At<bool>>,
    /// Switch the call to this language and ask the current question again.
    #[serde(default)]
    pub language: Option<At<String>>,
}

/// Listening parameters shared by every `ask` unless it sets its own.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskDefaults {
    /// The prompt that asks which of two close intents the caller meant, with `{choice_1}`
    /// and `{choice_2}` (the intents' labels). Without it (or without labels) a close call
    /// is a no-match.
    #[serde(default)]
    pub clarify: Option<At<String>>,
    #[serde(default)]
    pub no_input_timeout_ms: Option<At<u64>>,
    #[serde(default)]
    pub min_confidence: Option<At<f32>>,
    #[serde(default)]
    pub barge_in: Option<bool>,
    #[serde(default)]
    pub no_input: Option<super::states::RetryPolicy>,
    #[serde(default)]
    pub no_match: Option<super::states::RetryPolicy>,
}
