//! Matching real caller phrasings against the shipped contact-center intents.
//!
//! The utterances here are deliberately not copies of the examples in the intents file:
//! they are paraphrases, other languages, recognizer slips and off-topic speech.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use indexmap::IndexMap;
use proptest::prelude::*;
use serde::Deserialize;

use super::{IntentMatcher, MatchDecision, MatchPolicy, detect_language};

#[derive(Deserialize)]
struct IntentsFile {
    intents: IndexMap<String, IntentDefinition>,
}

#[derive(Deserialize)]
struct IntentDefinition {
    #[serde(default)]
    dtmf: Option<String>,
    examples: IndexMap<String, Vec<String>>,
}

fn intents_file() -> &'static IntentsFile {
    static FILE: OnceLock<IntentsFile> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../call-flows/contact-center.yaml"
        );
        let text = std::fs::read_to_string(path).expect("intents file is readable");
        serde_saphyr::from_str(&text).expect("intents file parses")
    })
}

fn matcher() -> &'static IntentMatcher {
    static MATCHER: OnceLock<IntentMatcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut matcher = IntentMatcher::new();
        for (intent, definition) in &intents_file().intents {
            for (lang, examples) in &definition.examples {
                for example in examples {
                    matcher.add_example(intent, lang, example);
                }
            }
        }
        matcher
    })
}

fn all_intents() -> Vec<&'static str> {
    intents_file().intents.keys().map(String::as_str).collect()
}

/// The intent `utterance` confidently matches among all intents, or a description of why not.
fn matched(utterance: &str) -> Result<String, String> {
    match matcher().decide(utterance, &all_intents(), MatchPolicy::default()) {
        MatchDecision::Match(score) => Ok(score.intent),
        other => Err(format!(
            "{other:?}; ranking {:?}",
            &matcher().rank(utterance, &all_intents())[..3]
        )),
    }
}

fn assert_matches(expected: &str, utterances: &[&str]) {
    for utterance in utterances {
        assert_eq!(matched(utterance).as_deref(), Ok(expected), "{utterance:?}");
    }
}

/// Not a confident match for any intent.
fn assert_rejected(utterances: &[&str]) {
    for utterance in utterances {
        let decision = matcher().decide(utterance, &all_intents(), MatchPolicy::default());
        assert!(
            !matches!(decision, MatchDecision::Match(_)),
            "{utterance:?} -> {decision:?}"
        );
    }
}

#[test]
fn intents_file_has_the_expected_shape() {
    let file = intents_file();
    let expected = [
        ("case_status", Some("1")),
        ("processing_times", Some("2")),
        ("online_account", Some("3")),
        ("change_address", Some("4")),
        ("case_problem", Some("5")),
        ("online_filing", Some("6")),
        ("forms", Some("7")),
        ("appointment", Some("8")),
        ("agent", Some("0")),
        ("tty", None),
        ("outside_us", None),
        ("virtual_assistant", None),
        ("repeat", None),
        ("main_menu", None),
        ("goodbye", None),
        ("english", None),
        ("spanish", None),
    ];
    assert_eq!(file.intents.len(), expected.len());
    for (intent, dtmf) in expected {
        let definition = &file.intents[intent];
        assert_eq!(definition.dtmf.as_deref(), dtmf, "{intent}");
        let langs: Vec<&str> = definition.examples.keys().map(String::as_str).collect();
        assert_eq!(langs, ["en-US", "es-US"], "{intent}");
        for (lang, examples) in &definition.examples {
            assert!(
                (12..=25).contains(&examples.len()),
                "{intent} {lang}: {}",
                examples.len()
            );
        }
    }
}

#[test]
fn case_status() {
    assert_matches(
        "case_status",
        &[
            "I'd like to know where my case is at",
            "quisiera saber el estado de mi caso",
            "what's the status of my case",
            "WHAT'S THE STATUS OF MY CASE?!",
            "um, yeah, I wanted to check on the status of my case please",
            "Quisiera saber el estado de mi caso, por favor.",
            "quiero saber como va mi caso",
        ],
    );
}

#[test]
fn agent_including_recognizer_slips() {
    assert_matches(
        "agent",
        &[
            "I need to talk to a representative",
            "quiero hablar con un agente",
            "quiero hablar con una gente",
            "quiero hablar con a gente",
            "Can I please talk to a real person?",
            "este, pues, quiero hablar con una persona",
            "operator",
        ],
    );
}

#[test]
fn processing_times() {
    assert_matches(
        "processing_times",
        &[
            "how long does it take to process my application",
            "cuánto tarda mi solicitud",
            "cuanto tarda mi solicitud",
            "¿Cuánto tiempo tarda mi solicitud?",
        ],
    );
}

#[test]
fn change_address() {
    assert_matches(
        "change_address",
        &[
            "I moved and need to update my address",
            "me mudé, quiero cambiar mi dirección",
            "me mude quiero cambiar mi direccion",
            "I just changed my address",
        ],
    );
}

#[test]
fn case_problem() {
    assert_matches(
        "case_problem",
        &[
            "my notice has a mistake",
            "I never got my card in the mail",
            "I need an accommodation for my appointment",
            "mi aviso tiene un error",
            "nunca recibí mi tarjeta por correo",
            "necesito una adaptación para mi cita",
            "there is an error on my green card",
        ],
    );
}

#[test]
fn online_filing_and_forms() {
    assert_matches(
        "online_filing",
        &[
            "I want to file my form online",
            "quiero presentar mi formulario por internet",
        ],
    );
    assert_matches(
        "forms",
        &[
            "where can I download a form",
            "¿Dónde descargo un formulario?",
        ],
    );
}

#[test]
fn appointment() {
    assert_matches(
        "appointment",
        &[
            "I need an appointment at a field office",
            "I need proof of my status to travel",
            "emergency travel document",
            "necesito una cita en la oficina",
            "necesito prueba de mi estatus para viajar",
            "documento de viaje de emergencia",
            "my visitor visa is about to expire",
        ],
    );
}

#[test]
fn online_account() {
    assert_matches(
        "online_account",
        &[
            "I can't log into my online account",
            "my user code expired",
            "I can't log in",
            "no puedo entrar a mi cuenta",
            "mi código de usuario ya expiró",
            "my code from the letter is older than 90 days",
        ],
    );
}

#[test]
fn outside_us_and_tty() {
    assert_matches(
        "outside_us",
        &[
            "I'm calling from outside the United States",
            "llamo desde otro país",
        ],
    );
    assert_matches(
        "tty",
        &["I'm deaf, I use a TTY", "soy sordo", "I'm hard of hearing"],
    );
}

#[test]
fn menu_navigation() {
    assert_matches(
        "virtual_assistant",
        &["can I chat with Emma", "quiero chatear con Emma"],
    );
    assert_matches(
        "repeat",
        &[
            "say that again",
            "¿Me lo puede repetir?",
            "could you repeat that please",
        ],
    );
    assert_matches(
        "main_menu",
        &["start over", "main menu", "volver al menú principal"],
    );
    assert_matches(
        "goodbye",
        &["that's all, goodbye", "eso es todo, gracias", "bye"],
    );
}

#[test]
fn language_choice() {
    assert_matches(
        "spanish",
        &[
            "español",
            "Spanish please",
            "espanol",
            "en español por favor",
        ],
    );
    assert_matches(
        "english",
        &["English", "inglés", "ingles", "English, please"],
    );
}

#[test]
fn surface_variants_rank_identically() {
    for (plain, variant) in [
        ("cuanto tarda mi solicitud", "¿Cuánto tarda mi solicitud?"),
        (
            "me mude quiero cambiar mi direccion",
            "ME MUDÉ, ¡QUIERO CAMBIAR MI DIRECCIÓN!",
        ),
        (
            "whats the status of my case",
            "What's the status of my case?",
        ),
        (
            "necesito una cita en la oficina",
            "Necesito una cita... en la oficina.",
        ),
        ("ingles", "Inglés"),
    ] {
        assert_eq!(
            matcher().rank(plain, &[]),
            matcher().rank(variant, &[]),
            "{variant:?}"
        );
    }
}

#[test]
fn number_words_and_digits_match_alike() {
    let words = matcher().rank("the code is only good for ninety days", &["online_account"]);
    let digits = matcher().rank("the code is only good for 90 days", &["online_account"]);
    assert_eq!(words, digits);
    assert!(words[0].score > 0.5);
}

#[test]
fn off_topic_speech_is_rejected() {
    assert_rejected(&[
        "the weather is nice today",
        "banana",
        "",
        "   ",
        "um uh",
        "hello",
        "okay",
        "no",
        "asdf qwerty zxcv",
        "what's your favorite color",
        "my dog likes to play fetch",
        "I want to order a pizza",
        "el partido de fútbol fue ayer",
    ]);
}

#[test]
fn utterances_about_two_intents_are_not_confident() {
    assert_rejected(&[
        "I want to check my case status and change my address",
        "representative or main menu",
        "english or spanish",
    ]);
}

#[test]
fn candidates_limit_the_choice() {
    let decision = matcher().decide(
        "quiero hablar con un agente",
        &["repeat", "main_menu"],
        MatchPolicy::default(),
    );
    assert!(
        matches!(decision, MatchDecision::NoMatch { .. }),
        "{decision:?}"
    );
}

#[test]
fn best_language_is_reported() {
    let ranked = matcher().rank("quisiera saber el estado de mi caso", &all_intents());
    assert_eq!(ranked[0].lang, "es-US");
    let ranked = matcher().rank("what's the status of my case", &all_intents());
    assert_eq!(ranked[0].lang, "en-US");
}

#[test]
fn detected_language_agrees_with_typical_requests() {
    assert_eq!(
        detect_language("quiero hablar con una gente"),
        Some("es-US")
    );
    assert_eq!(
        detect_language("I need to talk to a representative"),
        Some("en-US")
    );
}

proptest! {
    #[test]
    fn any_text_gets_a_sorted_bounded_ranking(utterance in any::<String>()) {
        let ranked = matcher().rank(&utterance, &[]);
        prop_assert_eq!(ranked.len(), all_intents().len());
        prop_assert!(ranked.windows(2).all(|pair| pair[0].score >= pair[1].score));
        prop_assert!(ranked.iter().all(|score| (0.0..=1.0).contains(&score.score)));
    }
}

/// A wider set of phrasings, including hard ones. A hard one may be rejected (the caller is
/// asked again) but must never be taken for another intent; most must match.
#[test]
fn paraphrases_are_never_confidently_wrong() {
    let positives: &[(&str, &str)] = &[
        ("case_status", "I'd like to know where my case is at"),
        ("case_status", "quisiera saber el estado de mi caso"),
        ("case_status", "can you tell me if my case was approved"),
        ("case_status", "I'm checking on my petition"),
        ("case_status", "hola, quiero saber que pasó con mi caso"),
        ("case_status", "any news on my application"),
        (
            "processing_times",
            "how long does it take to process my application",
        ),
        ("processing_times", "cuánto tarda mi solicitud"),
        ("processing_times", "how long until I get my work permit"),
        ("processing_times", "cuanto tiempo tardan"),
        ("change_address", "I moved and need to update my address"),
        ("change_address", "me mudé, quiero cambiar mi dirección"),
        ("change_address", "I have a new mailing address"),
        ("change_address", "necesito cambiar mi domicilio"),
        ("case_problem", "my notice has a mistake"),
        ("case_problem", "I never got my card in the mail"),
        ("case_problem", "I need an accommodation for my appointment"),
        ("case_problem", "mi tarjeta tiene un error"),
        ("case_problem", "nunca me llegó el aviso"),
        ("case_problem", "my name is spelled wrong on my card"),
        ("online_filing", "I want to file my form online"),
        ("online_filing", "can I submit my petition electronically"),
        ("forms", "where can I download a form"),
        ("forms", "I need to get an application form"),
        ("appointment", "I need an appointment at a field office"),
        ("appointment", "I need proof of my status to travel"),
        ("appointment", "emergency travel document"),
        ("appointment", "my visitor visa is about to expire"),
        ("appointment", "necesito una cita"),
        ("appointment", "necesito un documento de viaje urgente"),
        ("online_account", "I can't log into my online account"),
        ("online_account", "my user code expired"),
        ("online_account", "I forgot my password for the website"),
        ("online_account", "no puedo entrar a mi cuenta"),
        ("agent", "I need to talk to a representative"),
        ("agent", "quiero hablar con un agente"),
        ("agent", "quiero hablar con una gente"),
        ("agent", "can I talk to someone"),
        ("agent", "real person please"),
        ("agent", "hablar con una persona"),
        ("outside_us", "I'm calling from outside the United States"),
        ("outside_us", "I'm calling from Canada"),
        ("tty", "I'm deaf, I use a TTY"),
        ("tty", "I have trouble hearing"),
        ("virtual_assistant", "can I chat with Emma"),
        ("virtual_assistant", "I'd like to chat online"),
        ("repeat", "say that again"),
        ("repeat", "sorry, what were the options"),
        ("repeat", "repita"),
        ("main_menu", "start over"),
        ("main_menu", "main menu"),
        ("main_menu", "go back to the start"),
        ("goodbye", "that's all, goodbye"),
        ("goodbye", "thank you, bye"),
        ("goodbye", "no gracias, eso es todo"),
        ("spanish", "español"),
        ("spanish", "Spanish please"),
        ("english", "English"),
        ("english", "inglés"),
        (
            "change_address",
            "Uh, yes, hi, I'm calling because, um, I moved.",
        ),
        ("agent", "Yeah, can I speak to somebody, please?"),
        (
            "case_status",
            "Sí, mire, yo quería saber el estatus de mi caso.",
        ),
        ("agent", "Este... pues quiero hablar con alguien."),
        ("case_status", "I'm calling to check the status of my I-130"),
        (
            "processing_times",
            "It's been eight months, how long does it take?",
        ),
        (
            "online_account",
            "I can't get into my account on the website",
        ),
        ("forms", "Necesito bajar el formulario I-765"),
        (
            "appointment",
            "Necesito una cita para un sello en mi pasaporte",
        ),
        ("case_problem", "I never received my green card"),
        ("goodbye", "Okay, thank you so much, bye-bye."),
        ("repeat", "Sorry, can you repeat that?"),
        ("spanish", "¿Habla español?"),
        ("agent", "quiero hablar con un agente, gracias"),
        ("agent", "I need to talk to a representative, thank you"),
        ("goodbye", "no thank you, that's it"),
    ];

    let intents = all_intents();
    let mut matched = 0;
    for (expected, utterance) in positives {
        match matcher().decide(utterance, &intents, MatchPolicy::default()) {
            MatchDecision::Match(score) => {
                assert_eq!(score.intent, *expected, "{utterance:?}");
                matched += 1;
            }
            MatchDecision::NoMatch { .. } | MatchDecision::Ambiguous { .. } => {}
        }
    }
    assert!(
        matched * 10 >= positives.len() * 9,
        "only {matched} of {} matched",
        positives.len()
    );
}
