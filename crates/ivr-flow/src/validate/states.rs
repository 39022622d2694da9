//! Checks of each state: its references exist and its fields make sense together.

use super::Context;
use super::catalog::{check_dtmf_key, check_listen_numbers, check_retry};
use super::variables::check_template;
use crate::diagnostic::Diagnostics;
use crate::schema::{
    AskSpec, At, BranchSpec, CallbackSpec, Channel, Condition, EscalateSpec, HttpMethod, IdMap,
    LookupSpec, NotifySpec, PromptList, SlotKind, StateSpec, TransferSpec,
};

pub(super) fn check_states(ctx: &Context, diags: &mut Diagnostics) {
    let spec = ctx.spec;
    ctx.require_state(diags, &spec.start);
    if spec.states.is_empty() {
        diags.error(spec.start.pos, "the flow has no states");
    }
    for (name, state) in spec.states.iter() {
        if !crate::template::is_variable_name(&name.value) {
            diags.error(
                name.pos,
                format!(
                    "state name `{}` must use only letters, digits and `_`",
                    name.value
                ),
            );
        }
        match &state.value {
            StateSpec::Say(say) => {
                check_prompts(ctx, diags, &say.prompts, name);
                ctx.require_state(diags, &say.next);
            }
            StateSpec::Ask(ask) => check_ask(ctx, diags, name, ask),
            StateSpec::Branch(branch) => check_branch(ctx, diags, name, branch),
            StateSpec::Set(set) => {
                for (var, value) in set.vars.iter() {
                    if !crate::template::is_variable_name(&var.value) {
                        diags.error(var.pos, format!("`{}` is not a variable name", var.value));
                    }
                    check_template(
                        ctx,
                        diags,
                        &format!("set `{}`", var.value),
                        value.pos,
                        &value.value,
                    );
                }
                ctx.require_state(diags, &set.next);
            }
            StateSpec::Lookup(lookup) => check_lookup(ctx, diags, lookup),
            StateSpec::Notify(notify) => check_notify(ctx, diags, notify),
            StateSpec::Callback(callback) => check_callback(ctx, diags, name, callback),
            StateSpec::Escalate(escalate) => check_escalate(ctx, diags, escalate),
            StateSpec::Transfer(transfer) => check_transfer(ctx, diags, name, transfer),
            StateSpec::Hangup(_) => {}
        }
        for next in state.value.successors() {
            if next.value == name.value && !matches!(state.value, StateSpec::Ask(_)) {
                diags.error(
                    next.pos,
                    format!(
                        "state `{}` leads to itself without waiting for the caller",
                        name.value
                    ),
                );
            }
        }
    }
}

fn check_prompts(ctx: &Context, diags: &mut Diagnostics, prompts: &PromptList, state: &At<String>) {
    if prompts.is_empty() {
        diags.error(
            state.pos,
            format!("state `{}` has an empty prompt list", state.value),
        );
    }
    for prompt in prompts.iter() {
        ctx.require(diags, "prompt", prompt, ctx.spec.prompts.keys());
    }
}

fn check_ask(ctx: &Context, diags: &mut Diagnostics, name: &At<String>, ask: &AskSpec) {
    let spec = ctx.spec;
    check_prompts(ctx, diags, &ask.prompts, name);
    for (intent, target) in ask.intents.iter() {
        ctx.require(diags, "intent", intent, spec.intents.keys());
        ctx.require_state(diags, target);
    }
    let slot_kind = ask.slot.as_ref().and_then(|slot| {
        ctx.require(diags, "slot", slot, spec.slots.keys())
            .then(|| spec.slots.get(&slot.value).map(|s| s.kind.value))
            .flatten()
    });
    if ask.intents.is_empty() && ask.slot.is_none() {
        diags.error(
            name.pos,
            format!(
                "ask `{}` listens for nothing: give it `intents` or a `slot`",
                name.value
            ),
        );
    }
    if let Some(next) = &ask.next {
        ctx.require_state(diags, next);
        if ask.slot.is_none() {
            diags.error(
                next.pos,
                "`next` applies only to an ask with a `slot`; intents say where they go",
            );
        }
    }
    for (value, target) in ask.on_value.iter() {
        ctx.require_state(diags, target);
        if ask.slot.is_none() {
            diags.error(value.pos, "`on_value` applies only to an ask with a `slot`");
        } else if slot_kind == Some(SlotKind::YesNo)
            && !matches!(value.value.as_str(), "yes" | "no")
        {
            diags.error(
                value.pos,
                format!(
                    "a yes_no slot has the values `yes` and `no`, not `{}`",
                    value.value
                ),
            );
        }
    }
    let covered = slot_kind == Some(SlotKind::YesNo)
        && ask.on_value.contains("yes")
        && ask.on_value.contains("no");
    if ask.slot.is_some() && ask.next.is_none() && !covered {
        diags.error(
            ask.slot.as_ref().map_or(name.pos, |s| s.pos),
            format!(
                "ask `{}` captures a slot but has no `next` for its value",
                name.value
            ),
        );
    }
    for (key, intent) in ask.dtmf.iter() {
        check_dtmf_key(diags, key);
        let global = ask.global.unwrap_or(true) && spec.global.contains(&intent.value);
        if ctx.require(diags, "intent", intent, spec.intents.keys())
            && !ask.intents.contains(&intent.value)
            && !global
        {
            diags.error(
                intent.pos,
                format!("key {} selects intent `{}`, which this state does not route; add it under `intents`", key.value, intent.value),
            );
        }
    }
    check_listen_numbers(diags, &ask.no_input_timeout_ms, &ask.min_confidence);
    let defaults = &spec.ask_defaults;
    for (what, own, default) in [
        ("no_input", &ask.no_input, &defaults.no_input),
        ("no_match", &ask.no_match, &defaults.no_match),
    ] {
        if let Some(retry) = own {
            check_retry(ctx, diags, retry);
        }
        let then = own
            .as_ref()
            .and_then(|r| r.then.as_ref())
            .or(default.as_ref().and_then(|r| r.then.as_ref()));
        if then.is_none() {
            diags.error(
                name.pos,
                format!("ask `{}` has no way out after repeated {what}: set `{what}: {{then: STATE}}` here or in `ask_defaults`", name.value),
            );
        }
    }
}

fn check_branch(ctx: &Context, diags: &mut Diagnostics, name: &At<String>, branch: &BranchSpec) {
    if branch.cases.is_empty() {
        diags.warning(
            name.pos,
            format!(
                "branch `{}` has no cases; it always goes to `otherwise`",
                name.value
            ),
        );
    }
    for case in &branch.cases {
        check_condition(ctx, diags, &case.when);
        ctx.require_state(diags, &case.goto);
    }
    ctx.require_state(diags, &branch.otherwise);
}

fn check_condition(ctx: &Context, diags: &mut Diagnostics, when: &At<Condition>) {
    let c = &when.value;
    let schedules = || ctx.spec.schedules.keys();
    if let Some(s) = &c.open {
        ctx.require(diags, "schedule", s, schedules());
    }
    if let Some(s) = &c.closed {
        ctx.require(diags, "schedule", s, schedules());
    }
    if let Some(lang) = &c.language {
        ctx.require_language(diags, lang);
    }
    let var_tests = usize::from(c.equals.is_some())
        + usize::from(c.not_equals.is_some())
        + usize::from(c.is_set.is_some());
    match &c.var {
        Some(var) => {
            if !ctx.known_variables.contains(&var.value) {
                diags.error(var.pos, format!("unknown variable `{}`", var.value));
            }
            if var_tests != 1 {
                diags.error(
                    var.pos,
                    "`var` needs exactly one of `equals`, `not_equals` or `is_set`",
                );
            }
        }
        None if var_tests > 0 => {
            diags.error(when.pos, "`equals`, `not_equals` and `is_set` need a `var`")
        }
        None => {}
    }
    let any = c.open.is_some()
        || c.closed.is_some()
        || c.language.is_some()
        || c.var.is_some()
        || c.caller_known.is_some()
        || c.caller_verified.is_some()
        || c.caller_prefix.is_some();
    if !any {
        diags.error(when.pos, "empty condition; test `open`, `closed`, `language`, `var`, `caller_known`, `caller_verified` or `caller_prefix`");
    }
}

fn check_lookup(ctx: &Context, diags: &mut Diagnostics, lookup: &LookupSpec) {
    check_template(ctx, diags, "lookup url", lookup.url.pos, &lookup.url.value);
    let url = lookup.url.value.trim_start();
    if !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with('{')) {
        diags.error(
            lookup.url.pos,
            "lookup `url` must start with http:// or https:// (or be a variable holding one)",
        );
    }
    if !(1..=30_000).contains(&lookup.timeout_ms.value) {
        diags.error(
            lookup.timeout_ms.pos,
            "`timeout_ms` must be between 1 and 30000",
        );
    }
    for (var, pointer) in lookup.result.iter() {
        if !crate::template::is_variable_name(&var.value) {
            diags.error(var.pos, format!("`{}` is not a variable name", var.value));
        }
        if !pointer.value.is_empty() && !pointer.value.starts_with('/') {
            diags.error(
                pointer.pos,
                format!(
                    "`{}` is not a JSON pointer; write it like /status/text",
                    pointer.value
                ),
            );
        }
    }
    if lookup.method == HttpMethod::Get && !lookup.body.is_empty() {
        diags.error(
            lookup.name.pos,
            "a GET lookup cannot have a `body`; use `method: POST`",
        );
    }
    for (field, value) in lookup.body.iter() {
        check_template(
            ctx,
            diags,
            &format!("lookup body `{}`", field.value),
            value.pos,
            &value.value,
        );
    }
    ctx.require_state(diags, &lookup.next);
    ctx.require_state(diags, &lookup.on_failure);
}

fn check_notify(ctx: &Context, diags: &mut Diagnostics, notify: &NotifySpec) {
    if ctx.require(
        diags,
        "template",
        &notify.template,
        ctx.spec.templates.keys(),
    ) && let Some(template) = ctx.spec.templates.get(&notify.template.value)
    {
        let has = match notify.channel.value {
            Channel::Sms => template.sms.is_some(),
            Channel::Email => template.email.is_some(),
        };
        if !has {
            diags.error(
                notify.template.pos,
                format!(
                    "template `{}` has no {} text",
                    notify.template.value,
                    notify.channel.value.name()
                ),
            );
        }
    }
    check_template(ctx, diags, "notify `to`", notify.to.pos, &notify.to.value);
    ctx.require_state(diags, &notify.next);
    ctx.require_state(diags, &notify.on_failure);
}

fn check_escalate(ctx: &Context, diags: &mut Diagnostics, escalate: &EscalateSpec) {
    if ctx.require(
        diags,
        "template",
        &escalate.template,
        ctx.spec.templates.keys(),
    ) && let Some(template) = ctx.spec.templates.get(&escalate.template.value)
        && template.email.is_none()
    {
        diags.error(
            escalate.template.pos,
            format!(
                "template `{}` has no email text: the escalation confirms the request by email",
                escalate.template.value
            ),
        );
    }
    check_template(
        ctx,
        diags,
        "escalate `topic`",
        escalate.topic.pos,
        &escalate.topic.value,
    );
    check_template(
        ctx,
        diags,
        "escalate `email`",
        escalate.email.pos,
        &escalate.email.value,
    );
    ctx.require_state(diags, &escalate.next);
    ctx.require_state(diags, &escalate.on_failure);
}

fn check_queue_choice(
    ctx: &Context,
    diags: &mut Diagnostics,
    name: &At<String>,
    queue: &Option<At<String>>,
    by_language: &IdMap<At<String>>,
    uri: Option<&Option<At<String>>>,
) {
    let has_uri = uri.is_some_and(Option::is_some);
    let given =
        usize::from(queue.is_some()) + usize::from(!by_language.is_empty()) + usize::from(has_uri);
    if given != 1 {
        let choices = if uri.is_some() {
            "`queue`, `queue_by_language` or `uri`"
        } else {
            "`queue` or `queue_by_language`"
        };
        diags.error(
            name.pos,
            format!("state `{}` needs exactly one of {choices}", name.value),
        );
    }
    if let Some(q) = queue {
        ctx.require(diags, "queue", q, ctx.spec.queues.keys());
    }
    if !by_language.is_empty() {
        ctx.require_all_languages(
            diags,
            &format!("`queue_by_language` of `{}`", name.value),
            name.pos,
            by_language,
        );
        for (_, q) in by_language.iter() {
            ctx.require(diags, "queue", q, ctx.spec.queues.keys());
        }
    }
}

fn check_callback(
    ctx: &Context,
    diags: &mut Diagnostics,
    name: &At<String>,
    callback: &CallbackSpec,
) {
    check_queue_choice(
        ctx,
        diags,
        name,
        &callback.queue,
        &callback.queue_by_language,
        None,
    );
    if let Some(number) = &callback.number {
        check_template(ctx, diags, "callback `number`", number.pos, &number.value);
    }
    ctx.require_state(diags, &callback.next);
    ctx.require_state(diags, &callback.on_failure);
}

fn check_transfer(
    ctx: &Context,
    diags: &mut Diagnostics,
    name: &At<String>,
    transfer: &TransferSpec,
) {
    check_queue_choice(
        ctx,
        diags,
        name,
        &transfer.queue,
        &transfer.queue_by_language,
        Some(&transfer.uri),
    );
    if let Some(uri) = &transfer.uri {
        let ok = ["sip:", "sips:", "tel:"]
            .iter()
            .any(|s| uri.value.starts_with(s));
        if !ok {
            diags.error(
                uri.pos,
                format!(
                    "`{}` is not a SIP URI; write it like sip:agent@pbx.example.com",
                    uri.value
                ),
            );
        }
    }
    ctx.require_state(diags, &transfer.on_failure);
}
