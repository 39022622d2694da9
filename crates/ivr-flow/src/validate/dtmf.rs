//! Keypad keys must be unambiguous in every listening state.

use super::Context;
use crate::diagnostic::{Diagnostics, Pos};
use crate::schema::StateSpec;

pub(super) fn check_dtmf(ctx: &Context, diags: &mut Diagnostics) {
    let spec = ctx.spec;
    for (name, state) in spec.states.iter() {
        let StateSpec::Ask(ask) = &state.value else {
            continue;
        };
        // (key, intent, where it was assigned).
        let mut keys: Vec<(String, String, Pos)> = Vec::new();
        if ask.global.unwrap_or(true) {
            for (intent, _) in spec.global.iter() {
                if ask.intents.contains(&intent.value) {
                    continue;
                }
                if let Some(key) = spec
                    .intents
                    .get(&intent.value)
                    .and_then(|i| i.dtmf.as_ref())
                {
                    keys.push((key.value.clone(), intent.value.clone(), name.pos));
                }
            }
        }
        // The state's own intents come last, so a clash is reported where the state lists them.
        for (intent, _) in ask.intents.iter() {
            if let Some(key) = spec
                .intents
                .get(&intent.value)
                .and_then(|i| i.dtmf.as_ref())
            {
                keys.push((key.value.clone(), intent.value.clone(), intent.pos));
            }
        }
        // The state's own `dtmf` map overrides intents' keys on purpose (e.g. 1 and 2 choose
        // the language in a greeting), so only intents' own keys can clash.
        keys.retain(|(key, _, _)| !ask.dtmf.contains(key));
        for (i, (key, intent, pos)) in keys.iter().enumerate() {
            if let Some((_, other, _)) = keys[..i]
                .iter()
                .find(|(k, other, _)| k == key && other != intent)
            {
                diags.error(
                    *pos,
                    format!(
                        "in state `{}`, key {key} would select both `{other}` and `{intent}`; give one of them another key",
                        name.value
                    ),
                );
            }
        }
    }
}
