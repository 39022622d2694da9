//! The state kinds of a call flow. Each state is written as `name: { kind: { ...fields } }`.

use super::prompt_list::PromptList;
use super::spanned::{At, IdMap};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateSpec {
    Say(SaySpec),
    Ask(Box<AskSpec>),
    Branch(BranchSpec),
    Set(SetSpec),
    Lookup(LookupSpec),
    Notify(NotifySpec),
    Callback(CallbackSpec),
    Escalate(EscalateSpec),
    Transfer(TransferSpec),
    Hangup(HangupSpec),
}

impl StateSpec {
    pub fn kind_name(&self) -> &'static str {
        match self {
            StateSpec::Say(_) => "say",
            StateSpec::Ask(_) => "ask",
            StateSpec::Branch(_) => "branch",
            StateSpec::Set(_) => "set",
            StateSpec::Lookup(_) => "lookup",
            StateSpec::Notify(_) => "notify",
            StateSpec::Callback(_) => "callback",
            StateSpec::Escalate(_) => "escalate",
            StateSpec::Transfer(_) => "transfer",
            StateSpec::Hangup(_) => "hangup",
        }
    }

    /// Every state this one can lead to, with the position of the reference.
    pub fn successors(&self) -> Vec<&At<String>> {
        let mut out: Vec<&At<String>> = Vec::new();
        match self {
            StateSpec::Say(s) => out.push(&s.next),
            StateSpec::Ask(a) => {
                out.extend(a.intents.values());
                out.extend(a.next.iter());
                out.extend(a.on_value.values());
                for retry in [&a.no_input, &a.no_match].into_iter().flatten() {
                    out.extend(retry.then.iter());
                }
            }
            StateSpec::Branch(b) => {
                out.extend(b.cases.iter().map(|c| &c.goto));
                out.push(&b.otherwise);
            }
            StateSpec::Set(s) => out.push(&s.next),
            StateSpec::Lookup(l) => {
                out.push(&l.next);
                out.push(&l.on_failure);
            }
            StateSpec::Notify(n) => {
                out.push(&n.next);
                out.push(&n.on_failure);
            }
            StateSpec::Callback(c) => {
                out.push(&c.next);
                out.push(&c.on_failure);
            }
            StateSpec::Escalate(e) => {
                out.push(&e.next);
                out.push(&e.on_failure);
            }
            StateSpec::Transfer(t) => out.push(&t.on_failure),
            StateSpec::Hangup(_) => {}
        }
        out
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaySpec {
    pub prompts: PromptList,
    pub next: At<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskSpec {
    pub prompts: PromptList,
    /// Intent id -> the state to go to when the caller says (or keys) it.
    #[serde(default)]
    pub intents: IdMap<At<String>>,
    /// A value to capture instead of, or besides, an intent.
    #[serde(default)]
    pub slot: Option<At<String>>,
    /// Where to go once the slot is filled (unless `on_value` names the value).
    #[serde(default)]
    pub next: Option<At<String>>,
    /// Slot value -> state, e.g. `yes: send_link`, `no: anything_else`.
    #[serde(default)]
    pub on_value: IdMap<At<String>>,
    /// Extra keypad keys for this state: key -> intent id.
    #[serde(default)]
    pub dtmf: IdMap<At<String>>,
    #[serde(default)]
    pub no_input_timeout_ms: Option<At<u64>>,
    #[serde(default)]
    pub min_confidence: Option<At<f32>>,
    #[serde(default)]
    pub barge_in: Option<bool>,
    /// Whether the flow's global intents are active here (default true).
    #[serde(default)]
    pub global: Option<bool>,
    #[serde(default)]
    pub no_input: Option<RetryPolicy>,
    #[serde(default)]
    pub no_match: Option<RetryPolicy>,
}

/// What to do after silence or an answer that was not understood.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Prompts for attempt 1, 2, ...; the last one repeats. Empty: the question again.
    #[serde(default)]
    pub reprompts: Vec<PromptList>,
    /// The attempt that gives up (default 3): the caller gets max - 1 reprompts.
    #[serde(default)]
    pub max: Option<At<u32>>,
    /// Where to go on giving up.
    #[serde(default)]
    pub then: Option<At<String>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchSpec {
    pub cases: Vec<BranchCase>,
    pub otherwise: At<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchCase {
    pub when: At<Condition>,
    pub goto: At<String>,
}

/// All the tests written in one `when` must hold.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The named schedule is open now.
    #[serde(default)]
    pub open: Option<At<String>>,
    /// The named schedule is closed now.
    #[serde(default)]
    pub closed: Option<At<String>>,
    /// The call's current language.
    #[serde(default)]
    pub language: Option<At<String>>,
    /// A variable to test with `equals`, `not_equals` or `is_set`.
    #[serde(default)]
    pub var: Option<At<String>>,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub not_equals: Option<String>,
    #[serde(default)]
    pub is_set: Option<bool>,
    /// The caller's number is known (not withheld).
    #[serde(default)]
    pub caller_known: Option<bool>,
    /// The caller's number is vouched for by a trusted carrier (see the engine's trunks).
    #[serde(default)]
    pub caller_verified: Option<bool>,
    /// The caller's number starts with this (e.g. "+1" for North America).
    #[serde(default)]
    pub caller_prefix: Option<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSpec {
    pub vars: IdMap<At<String>>,
    pub next: At<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupSpec {
    /// Names this lookup in logs and call records.
    pub name: At<String>,
    #[serde(default)]
    pub method: HttpMethod,
    /// `{name}` inserts a variable, percent-encoded.
    pub url: At<String>,
    /// For POST: a JSON object of strings, `{name}` inserts a variable.
    #[serde(default)]
    pub body: IdMap<At<String>>,
    pub timeout_ms: At<u64>,
    /// Variable -> JSON pointer into the response (`/status/text`).
    #[serde(default)]
    pub result: IdMap<At<String>>,
    pub next: At<String>,
    pub on_failure: At<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifySpec {
    pub channel: At<Channel>,
    pub template: At<String>,
    /// Phone number or address; `{caller}` is the calling number.
    pub to: At<String>,
    pub next: At<String>,
    pub on_failure: At<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackSpec {
    #[serde(default)]
    pub queue: Option<At<String>>,
    #[serde(default)]
    pub queue_by_language: IdMap<At<String>>,
    /// The number to call back; default the calling number.
    #[serde(default)]
    pub number: Option<At<String>>,
    pub next: At<String>,
    pub on_failure: At<String>,
}

/// Sends the caller's request to an officer: a request record that survives a restart, and
/// an email confirming it with an estimate of when the caller will be contacted, in the
/// caller's language. The states after it can say `{escalation_id}`,
/// `{escalation_estimate_days}` and `{escalation_estimate_date}`, which the email can use too.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateSpec {
    /// What the caller needs, for the officer who takes it, e.g. `"{request}"`.
    pub topic: At<String>,
    /// The caller's email address, e.g. `"{email}"`.
    pub email: At<String>,
    /// The template whose `email` text confirms the request.
    pub template: At<String>,
    pub next: At<String>,
    pub on_failure: At<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferSpec {
    #[serde(default)]
    pub queue: Option<At<String>>,
    #[serde(default)]
    pub queue_by_language: IdMap<At<String>>,
    /// A SIP URI to hand the call to instead of a queue.
    #[serde(default)]
    pub uri: Option<At<String>>,
    pub on_failure: At<String>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HangupSpec {
    #[serde(default)]
    pub reason: Option<String>,
}
