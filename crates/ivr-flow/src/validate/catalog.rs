//! Checks of the declarations: languages, prompts, intents, slots, templates, queues and
//! global intents.

use super::Context;
use super::variables::{ESCALATION_VARIABLES, check_template_against};
use crate::diagnostic::{Diagnostics, Pos};
use crate::schema::{PerLanguage, RetryPolicy, SlotKind};

pub(super) fn check_languages(ctx: &Context, diags: &mut Diagnostics) {
    let spec = ctx.spec;
    if spec.languages.is_empty() {
        diags.error(
            spec.default_language.pos,
            "`languages` is empty; list at least one, e.g. [en-US]",
        );
    }
    for (i, lang) in spec.languages.iter().enumerate() {
        if !is_language_tag(&lang.value) {
            diags.error(
                lang.pos,
                format!("`{}` is not a language tag like en-US or es-US", lang.value),
            );
        }
        if spec.languages[..i].iter().any(|l| l.value == lang.value) {
            diags.error(
                lang.pos,
                format!("language `{}` is listed twice", lang.value),
            );
        }
    }
    ctx.require_language(diags, &spec.default_language);
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()));
    let region_ok =
        parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    lang_ok && region_ok
}

pub(super) fn check_prompts(ctx: &Context, diags: &mut Diagnostics) {
    for (id, prompt) in ctx.spec.prompts.iter() {
        let owner = format!("prompt `{}`", id.value);
        check_texts(
            ctx,
            &ctx.known_variables,
            diags,
            &owner,
            id.pos,
            &prompt.text,
        );
        for (lang, text) in prompt.text.iter() {
            if text.value.trim().is_empty() {
                diags.error(text.pos, format!("{owner} has empty {} text", lang.value));
            }
        }
        for (lang, path) in prompt.audio.iter() {
            ctx.require_language(diags, lang);
            if path.value.trim().is_empty() {
                diags.error(path.pos, format!("{owner} has an empty audio path"));
            }
        }
    }
}

pub(super) fn check_intents(ctx: &Context, diags: &mut Diagnostics) {
    for (id, intent) in ctx.spec.intents.iter() {
        let owner = format!("intent `{}`", id.value);
        ctx.require_all_languages(diags, &owner, id.pos, &intent.examples);
        for (lang, examples) in intent.examples.iter() {
            if examples.is_empty() {
                diags.error(lang.pos, format!("{owner} has no {} examples", lang.value));
            }
            for example in examples {
                if crate::text::normalize(&example.value).is_empty() {
                    diags.error(example.pos, format!("{owner}: example has no words"));
                }
            }
        }
        if let Some(key) = &intent.dtmf {
            check_dtmf_key(diags, key);
        }
    }
}

pub(crate) fn check_dtmf_key(diags: &mut Diagnostics, key: &crate::schema::At<String>) -> bool {
    let ok = key.value.len() == 1
        && key
            .value
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
    if !ok {
        diags.error(
            key.pos,
            format!(
                "`{}` is not a keypad key; use one of 0-9, * or #",
                key.value
            ),
        );
    }
    ok
}

pub(super) fn check_slots(ctx: &Context, diags: &mut Diagnostics) {
    for (id, slot) in ctx.spec.slots.iter() {
        let lengths = [&slot.length, &slot.min_length, &slot.max_length];
        if slot.kind.value != SlotKind::Digits {
            for given in lengths.into_iter().flatten() {
                diags.error(
                    given.pos,
                    format!("slot `{}`: lengths apply only to `type: digits`", id.value),
                );
            }
            continue;
        }
        match (&slot.length, &slot.min_length, &slot.max_length) {
            (Some(len), None, None) if len.value == 0 || len.value > 32 => {
                diags.error(len.pos, "`length` must be between 1 and 32");
            }
            (Some(len), _, _) if slot.min_length.is_some() || slot.max_length.is_some() => {
                diags.error(
                    len.pos,
                    "give either `length` or `min_length`/`max_length`, not both",
                );
            }
            (None, None, None) => diags.error(
                id.pos,
                format!(
                    "slot `{}` of type digits needs `length` or `min_length`/`max_length`",
                    id.value
                ),
            ),
            (None, min, max) => {
                let lo = min.as_ref().map_or(1, |m| m.value);
                let hi = max.as_ref().map_or(32, |m| m.value);
                let pos = min.as_ref().or(max.as_ref()).map_or(id.pos, |m| m.pos);
                if lo == 0 || hi > 32 || lo > hi {
                    diags.error(
                        pos,
                        format!(
                            "slot `{}`: need 1 <= min_length <= max_length <= 32",
                            id.value
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

pub(super) fn check_templates(ctx: &Context, diags: &mut Diagnostics) {
    for (id, template) in ctx.spec.templates.iter() {
        let owner = format!("template `{}`", id.value);
        if template.sms.is_none() && template.email.is_none() {
            diags.error(id.pos, format!("{owner} needs `sms` or `email` text"));
        }
        if let Some(sms) = &template.sms {
            check_texts(
                ctx,
                &ctx.known_variables,
                diags,
                &format!("{owner} sms"),
                sms.pos,
                &sms.value,
            );
        }
        if let Some(email) = &template.email {
            // An agent may escalate with any email template, flow `escalate` state or not:
            // the request's own variables exist in every email.
            let mut known = ctx.known_variables.clone();
            known.extend(ESCALATION_VARIABLES.iter().map(|v| v.to_string()));
            let email_pos = email.pos;
            let email = &email.value;
            check_texts(
                ctx,
                &known,
                diags,
                &format!("{owner} email subject"),
                email_pos,
                &email.subject,
            );
            check_texts(
                ctx,
                &known,
                diags,
                &format!("{owner} email body"),
                email_pos,
                &email.body,
            );
        }
    }
}

/// A text in every declared language, each a well-formed template.
fn check_texts(
    ctx: &Context,
    known: &[String],
    diags: &mut Diagnostics,
    what: &str,
    owner_pos: Pos,
    texts: &PerLanguage,
) {
    ctx.require_all_languages(diags, what, owner_pos, texts);
    for (lang, text) in texts.iter() {
        check_template_against(
            known,
            diags,
            &format!("{what} ({})", lang.value),
            text.pos,
            &text.value,
        );
    }
}

pub(super) fn check_queues(ctx: &Context, diags: &mut Diagnostics) {
    for (_, queue) in ctx.spec.queues.iter() {
        ctx.require_language(diags, &queue.language);
        if let Some(schedule) = &queue.schedule {
            ctx.require(diags, "schedule", schedule, ctx.spec.schedules.keys());
        }
    }
}

pub(super) fn check_globals(ctx: &Context, diags: &mut Diagnostics) {
    for (intent, handler) in ctx.spec.global.iter() {
        ctx.require(diags, "intent", intent, ctx.spec.intents.keys());
        let actions = usize::from(handler.goto.is_some())
            + usize::from(handler.repeat.as_ref().is_some_and(|r| r.value))
            + usize::from(handler.language.is_some());
        if actions != 1 {
            diags.error(
                intent.pos,
                format!(
                    "global intent `{}` needs exactly one of `goto: STATE`, `repeat: true` or `language: LANG`",
                    intent.value
                ),
            );
        }
        if let Some(goto) = &handler.goto {
            ctx.require_state(diags, goto);
        }
        if let Some(lang) = &handler.language {
            ctx.require_language(diags, lang);
        }
    }
}

pub(super) fn check_ask_defaults(ctx: &Context, diags: &mut Diagnostics) {
    let defaults = &ctx.spec.ask_defaults;
    check_listen_numbers(
        diags,
        &defaults.no_input_timeout_ms,
        &defaults.min_confidence,
    );
    for retry in [&defaults.no_input, &defaults.no_match]
        .into_iter()
        .flatten()
    {
        check_retry(ctx, diags, retry);
    }
    if let Some(clarify) = &defaults.clarify {
        ctx.require(diags, "prompt", clarify, ctx.spec.prompts.keys());
    }
}

pub(crate) fn check_listen_numbers(
    diags: &mut Diagnostics,
    timeout: &Option<crate::schema::At<u64>>,
    confidence: &Option<crate::schema::At<f32>>,
) {
    if let Some(t) = timeout
        && !(500..=60_000).contains(&t.value)
    {
        diags.error(t.pos, "`no_input_timeout_ms` must be between 500 and 60000");
    }
    if let Some(c) = confidence
        && !(0.0..=1.0).contains(&c.value)
    {
        diags.error(c.pos, "`min_confidence` must be between 0.0 and 1.0");
    }
}

pub(crate) fn check_retry(ctx: &Context, diags: &mut Diagnostics, retry: &RetryPolicy) {
    for list in &retry.reprompts {
        for prompt in list.iter() {
            ctx.require(diags, "prompt", prompt, ctx.spec.prompts.keys());
        }
    }
    if let Some(max) = &retry.max
        && !(1..=10).contains(&max.value)
    {
        diags.error(max.pos, "`max` must be between 1 and 10");
    }
    if let Some(then) = &retry.then {
        ctx.require_state(diags, then);
    }
}
