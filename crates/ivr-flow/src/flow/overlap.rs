//! `ivr check` warnings for intents whose examples overlap: an example that reads as well (or
//! better) as another intent's example is a caller sent the wrong way, or a near tie that
//! ends in "sorry, I didn't understand".

use crate::diagnostic::Diagnostics;
use crate::schema::FlowSpec;
use crate::text::IntentMatcher;

/// An example scoring at least this against another intent's example overlaps it.
const OVERLAP: f32 = 0.9;

pub(crate) fn warn_of_overlapping_examples(
    spec: &FlowSpec,
    matcher: &IntentMatcher,
    diags: &mut Diagnostics,
) {
    for (id, intent) in spec.intents.iter() {
        for (lang, examples) in intent.examples.iter() {
            for example in examples {
                let ranked = matcher.rank(&example.value, &[]);
                let Some(other) = ranked.iter().find(|s| {
                    s.intent != id.value
                        && s.example_score >= OVERLAP
                        && matcher
                            .score_in_language(&example.value, &id.value, &lang.value)
                            .is_some_and(|own| s.example_score >= own - 0.05)
                }) else {
                    continue;
                };
                diags.warning(
                    example.pos,
                    format!(
                        "example {:?} of intent `{}` reads as intent `{}` as much as its own \
                         ({:.2}); callers saying it may be sent either way: reword one of the \
                         two intents' examples",
                        example.value, id.value, other.intent, other.example_score
                    ),
                );
            }
        }
    }
}
