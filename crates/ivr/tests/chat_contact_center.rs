#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Scripted calls to the shipped contact-center flow through `ivr chat --json`, asserting on
//! the events a call record would hold: every intent in both languages, in and out of
//! business hours, with speech, keypad and silence.

mod support;

use serde_json::json;
use support::*;

#[test]
fn a_representative_in_business_hours_is_transferred_to_english_agents() {
    let events = chat(OPEN, &["I need to talk to a representative"], &[]);
    assert_eq!(intents(&events), ["agent"]);
    assert_eq!(
        last(&events, "transfer"),
        json!({"type": "transfer", "t_ms": last(&events, "transfer")["t_ms"], "queue": "agents-en"})
    );
    assert_eq!(
        events.last().unwrap()["type"],
        "transfer",
        "the transfer ends the flow"
    );
}

#[test]
fn a_representative_after_hours_gets_hours_and_a_callback_offer() {
    let events = chat(CLOSED, &["I need to talk to a representative", "yes"], &[]);
    assert!(of_type(&events, "transfer").is_empty());
    let prompts = prompt_ids(&events);
    assert!(prompts.contains(&"agents_closed".to_string()));
    assert!(prompts.contains(&"offer_callback".to_string()));
    let hours = prompt(&events, "agents_closed");
    assert!(text(hours).contains("Monday to Friday, 8 a.m. to 8 p.m. Eastern"));
    assert!(text(hours).contains("tools"));
    assert_eq!(last(&events, "callback")["queue"], "agents-en");
    assert!(prompts.contains(&"callback_recorded".to_string()));
}

#[test]
fn spanish_agent_request_reaches_spanish_agents() {
    let events = chat(OPEN, &["quiero hablar con un agente"], &[]);
    assert_eq!(intents(&events), ["agent"]);
    assert_eq!(last(&events, "language")["lang"], "es-US");
    assert_eq!(last(&events, "transfer")["queue"], "agents-es");
    let connecting = prompt(&events, "connecting");
    assert_eq!(connecting["lang"], "es-US");
}

#[test]
fn spanish_agent_request_after_hours_leaves_a_spanish_callback() {
    let events = chat(CLOSED, &["quiero hablar con un agente", "sí"], &[]);
    assert!(of_type(&events, "transfer").is_empty());
    assert_eq!(last(&events, "callback")["queue"], "agents-es");
}

#[test]
fn keypad_2_switches_to_spanish() {
    let events = chat(OPEN, &["#2"], &[]);
    assert_eq!(last(&events, "dtmf")["digits"], "2");
    assert_eq!(last(&events, "language")["lang"], "es-US");
    let replayed = of_type(&events, "prompt");
    let last_prompt = replayed.last().unwrap();
    assert_eq!(last_prompt["lang"], "es-US");
    assert_eq!(last_prompt["id"], "how_can_i_help");
}

#[test]
fn case_status_by_voice_reads_the_service_answer() {
    let service = CaseStatusService::start();
    let events = chat(
        OPEN,
        &[
            "what's the status of my case",
            "I O E zero one two three four five six seven eight nine",
            "no",
            "no",
            "no",
        ],
        &["--var", &service.var()],
    );
    assert_eq!(intents(&events)[0], "case_status");
    assert_eq!(
        last(&events, "slot"),
        json!({"type": "slot", "t_ms": last(&events, "slot")["t_ms"], "name": "confirm", "value": "no"})
    );
    let receipt = slot(&events, "receipt_number");
    assert_eq!(receipt["value"], "IOE0123456789");
    assert_eq!(last(&events, "lookup")["ok"], true);
    let result = prompt(&events, "case_status_result");
    assert!(text(result).contains("Case Was Approved"));
    let checking = prompt(&events, "checking_case");
    assert!(text(checking).contains("I O E 0 1 2 3 4 5 6 7 8 9"));
    assert_eq!(last(&events, "hangup")["reason"], "completed");
}

#[test]
fn case_status_in_spanish_with_a_spoken_receipt() {
    let service = CaseStatusService::start();
    let events = chat(
        OPEN,
        &[
            "quisiera saber el estado de mi caso",
            "i o e cero uno dos tres cuatro cinco seis siete ocho nueve",
        ],
        &["--var", &service.var()],
    );
    assert_eq!(intents(&events)[0], "case_status");
    assert_eq!(last(&events, "language")["lang"], "es-US");
    let receipt = slot(&events, "receipt_number");
    assert_eq!(receipt["value"], "IOE0123456789");
    let result = prompt(&events, "case_status_result");
    assert_eq!(result["lang"], "es-US");
    assert!(text(result).contains("Caso aprobado"));
}

#[test]
fn case_status_by_keypad() {
    let service = CaseStatusService::start();
    // After silence at the greeting the topic keys work; 1 is case status.
    let events = chat(
        OPEN,
        &["", "#1", "#4630123456789"],
        &["--var", &service.var()],
    );
    assert_eq!(
        states(&events)[..3],
        ["greeting", "greeting_no_input", "case_status"]
    );
    let receipt = slot(&events, "receipt_number");
    assert_eq!(receipt["value"], "IOE0123456789");
    assert_eq!(last(&events, "lookup")["ok"], true);
}

#[test]
fn an_unknown_case_gives_the_web_address_and_offers_the_link() {
    let service = CaseStatusService::start();
    let events = chat(
        OPEN,
        &["case status", "E A C 1 2 3 4 5 6 7 8 9 0", "yes"],
        &["--var", &service.var()],
    );
    assert_eq!(last(&events, "lookup")["ok"], false);
    let prompts = prompt_ids(&events);
    assert!(prompts.contains(&"case_status_unavailable".to_string()));
    let notify = last(&events, "notify");
    assert_eq!(notify["channel"], "sms");
    assert_eq!(notify["template"], "link");
    assert_eq!(notify["to"], "+12025550143");
}

#[test]
fn a_case_status_service_that_is_down_is_a_failed_lookup() {
    let events = chat(
        OPEN,
        &["check my case status", "IOE0123456789"],
        &["--var", "case_status_url=http://127.0.0.1:9/case-status"],
    );
    assert_eq!(
        last(&events, "lookup"),
        json!({"type": "lookup", "t_ms": last(&events, "lookup")["t_ms"], "name": "case_status", "ok": false})
    );
    assert!(prompt_ids(&events).contains(&"case_status_unavailable".to_string()));
}

#[test]
fn a_link_goes_by_email_when_the_caller_prefers() {
    let events = chat(
        OPEN,
        &[
            "how do I change my address",
            "no",
            "yes",
            "maria dot lopez at gmail dot com",
            "yes",
            "no",
        ],
        &[],
    );
    assert_eq!(intents(&events)[0], "change_address");
    let notify = last(&events, "notify");
    assert_eq!(notify["channel"], "email");
    assert_eq!(notify["to"], "maria.lopez@gmail.com");
    assert!(prompt_ids(&events).contains(&"email_sent".to_string()));
    assert_eq!(last(&events, "hangup")["reason"], "completed");
}

#[test]
fn without_a_caller_number_the_link_is_offered_by_email() {
    let events = chat(OPEN, &["processing times"], &["--caller", ""]);
    let prompts = prompt_ids(&events);
    assert!(prompts.contains(&"offer_email".to_string()));
    assert!(!prompts.contains(&"offer_text".to_string()));
}

#[test]
fn a_failed_text_offers_email_instead() {
    let events = chat(OPEN, &["processing times", "yes"], &["--fail", "notify"]);
    let prompts = prompt_ids(&events);
    assert!(prompts.contains(&"text_failed".to_string()));
    assert_eq!(prompts.last().unwrap(), "offer_email");
}

/// (what the caller says, the intent, a prompt that must follow) in each language.
const TOPICS: &[(&str, &str, &str, &str)] = &[
    (
        "en-US",
        "I'd like to know where my case is at",
        "case_status",
        "ask_receipt",
    ),
    (
        "es-US",
        "quisiera saber el estado de mi caso",
        "case_status",
        "ask_receipt",
    ),
    (
        "en-US",
        "how long does it take to process my application",
        "processing_times",
        "processing_times_info",
    ),
    (
        "es-US",
        "cuánto tarda en procesarse mi solicitud",
        "processing_times",
        "processing_times_info",
    ),
    (
        "en-US",
        "I can't log into my online account",
        "online_account",
        "online_account_info",
    ),
    (
        "es-US",
        "no puedo entrar a mi cuenta en línea",
        "online_account",
        "online_account_info",
    ),
    (
        "en-US",
        "I moved and need to update my address",
        "change_address",
        "change_address_info",
    ),
    (
        "es-US",
        "me mudé y quiero cambiar mi dirección",
        "change_address",
        "change_address_info",
    ),
    (
        "en-US",
        "my notice has a mistake",
        "case_problem",
        "case_problem_info",
    ),
    (
        "es-US",
        "mi aviso tiene un error",
        "case_problem",
        "case_problem_info",
    ),
    (
        "en-US",
        "I want to file my form online",
        "online_filing",
        "online_filing_info",
    ),
    (
        "es-US",
        "quiero presentar mi formulario en línea",
        "online_filing",
        "online_filing_info",
    ),
    (
        "en-US",
        "where can I download a form",
        "forms",
        "forms_info",
    ),
    (
        "es-US",
        "dónde puedo descargar un formulario",
        "forms",
        "forms_info",
    ),
    (
        "en-US",
        "I need proof of my status to travel",
        "appointment",
        "appointment_info",
    ),
    (
        "es-US",
        "necesito una cita en persona",
        "appointment",
        "appointment_info",
    ),
    ("en-US", "I'm deaf and use a TTY", "tty", "tty_info"),
    ("es-US", "soy sordo y uso TTY", "tty", "tty_info"),
    (
        "en-US",
        "I'm calling from outside the United States",
        "outside_us",
        "outside_us_info",
    ),
    (
        "es-US",
        "llamo desde fuera de los Estados Unidos",
        "outside_us",
        "outside_us_info",
    ),
    (
        "en-US",
        "can I chat with Emma",
        "virtual_assistant",
        "virtual_assistant_info",
    ),
    (
        "es-US",
        "quiero hablar con Emma la asistente virtual",
        "virtual_assistant",
        "virtual_assistant_info",
    ),
    ("en-US", "main menu", "main_menu", "main_menu"),
    ("es-US", "menú principal", "main_menu", "main_menu"),
    ("en-US", "that's all, goodbye", "goodbye", "goodbye"),
    ("es-US", "eso es todo, adiós", "goodbye", "goodbye"),
    ("en-US", "say that again", "repeat", "how_can_i_help"),
    ("es-US", "repita por favor", "repeat", "how_can_i_help"),
    ("en-US", "Spanish please", "spanish", "how_can_i_help"),
    ("es-US", "en inglés por favor", "english", "how_can_i_help"),
    (
        "en-US",
        "I want to speak with an officer",
        "agent",
        "connecting",
    ),
    (
        "es-US",
        "quiero hablar con una persona",
        "agent",
        "connecting",
    ),
];

/// When agents are closed, an agent or appointment request gets the hours instead of
/// "connecting"; every other answer is the same at any hour.
fn expected_prompt<'a>(at: &str, intent: &str, prompt: &'a str) -> &'a str {
    match (at, intent) {
        (CLOSED, "agent" | "appointment") => "agents_closed",
        _ => prompt,
    }
}

#[test]
fn every_intent_is_reached_in_both_languages_in_and_out_of_hours() {
    for at in [OPEN, CLOSED] {
        for (lang, said, intent, prompt) in TOPICS {
            let events = chat(at, &[said], &["--lang", lang]);
            assert_eq!(
                intents(&events).first().map(String::as_str),
                Some(*intent),
                "{said:?} at {at}"
            );
            let prompt = expected_prompt(at, intent, prompt);
            let after: Vec<String> = prompt_ids(&events).into_iter().skip(2).collect();
            assert!(
                after.iter().any(|p| p == prompt),
                "{said:?} at {at}: prompts after the greeting were {after:?}, expected {prompt}"
            );
            let langs: Vec<&str> = of_type(&events, "prompt")
                .iter()
                .skip(2)
                .map(|p| p["lang"].as_str().unwrap())
                .collect();
            let expected = match *intent {
                "spanish" => "es-US",
                "english" => "en-US",
                _ => lang,
            };
            assert!(
                langs.iter().all(|l| *l == expected),
                "{said:?} at {at}: answered in {langs:?}"
            );
            let transferred = !of_type(&events, "transfer").is_empty();
            assert_eq!(
                transferred,
                at == OPEN && matches!(*intent, "agent" | "appointment"),
                "{said:?} at {at}"
            );
        }
    }
}

#[test]
fn every_topic_key_works_after_the_greeting_in_both_languages() {
    let keys = [
        ("1", "ask_receipt"),
        ("2", "processing_times_info"),
        ("3", "online_account_info"),
        ("4", "change_address_info"),
        ("5", "case_problem_info"),
        ("6", "online_filing_info"),
        ("7", "forms_info"),
        ("8", "appointment_info"),
        ("0", "connecting"),
    ];
    for lang in ["en-US", "es-US"] {
        for (key, prompt) in keys {
            let events = chat(OPEN, &["", &format!("#{key}")], &["--lang", lang]);
            let answer = of_type(&events, "prompt")
                .into_iter()
                .find(|p| p["id"] == prompt)
                .unwrap_or_else(|| panic!("{lang} key {key}: {:?}", prompt_ids(&events)));
            assert_eq!(answer["lang"], lang, "key {key}");
        }
    }
}

#[test]
fn keypad_1_switches_a_spanish_call_to_english() {
    let events = chat(OPEN, &["#1"], &["--lang", "es-US"]);
    assert_eq!(intents(&events), ["english"]);
    assert_eq!(last(&events, "language")["lang"], "en-US");
    let replayed = of_type(&events, "prompt");
    assert_eq!(replayed.last().unwrap()["lang"], "en-US");
}

#[test]
fn a_receipt_keyed_with_a_closing_pound_sign() {
    let service = CaseStatusService::start();
    let events = chat(
        OPEN,
        &["case status", "#4630123456789#"],
        &["--var", &service.var()],
    );
    assert_eq!(last(&events, "dtmf")["digits"], "4630123456789#");
    assert_eq!(slot(&events, "receipt_number")["value"], "IOE0123456789");
    assert_eq!(last(&events, "lookup")["ok"], true);
}

#[test]
fn appointments_go_to_an_agent_when_open_and_a_callback_offer_when_closed() {
    let open = chat(OPEN, &["I need an appointment at a field office"], &[]);
    assert_eq!(intents(&open), ["appointment"]);
    assert_eq!(last(&open, "transfer")["queue"], "agents-en");
    let closed = chat(CLOSED, &["necesito una cita en persona"], &[]);
    assert!(of_type(&closed, "transfer").is_empty());
    let prompts = prompt_ids(&closed);
    assert!(
        prompts.contains(&"agents_closed".to_string())
            && prompts.contains(&"offer_callback".to_string())
    );
}

#[test]
fn tty_and_outside_us_give_their_numbers() {
    let tty = chat(OPEN, &["I use a TTY"], &[]);
    assert!(text(prompt(&tty, "tty_info")).contains("800-767-1833"));
    let abroad = chat(OPEN, &["I'm calling from Mexico, outside the US"], &[]);
    assert!(text(prompt(&abroad, "outside_us_info")).contains("212-620-3418"));
}

fn counts(events: &[serde_json::Value], kind: &str) -> Vec<u64> {
    of_type(events, kind)
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .collect()
}

/// The prompts heard after the greeting, in order.
fn heard_after_greeting(events: &[serde_json::Value]) -> Vec<String> {
    prompt_ids(events).into_iter().skip(2).collect()
}

#[test]
fn silence_reprompts_twice_with_more_help_then_offers_an_agent_when_open() {
    for lang in ["en-US", "es-US"] {
        let events = chat(OPEN, &["", "", "", "#1"], &["--lang", lang]);
        // The greeting's silence is its one try; the next question counts two more.
        assert_eq!(counts(&events, "noinput"), [1, 1, 2], "{lang}");
        assert_eq!(
            heard_after_greeting(&events)[..5],
            [
                "sorry_no_input",
                "main_menu",
                "sorry_no_input",
                "menu_keys",
                "offer_agent"
            ],
            "{lang}"
        );
        assert_eq!(
            last(&events, "transfer")["queue"],
            if lang == "en-US" {
                "agents-en"
            } else {
                "agents-es"
            }
        );
        assert!(
            of_type(&events, "prompt").iter().all(|p| p["lang"] == lang),
            "{lang}"
        );
    }
}

#[test]
fn silence_when_closed_says_goodbye_on_the_third_try() {
    for lang in ["en-US", "es-US"] {
        let events = chat(CLOSED, &["", "", ""], &["--lang", lang]);
        assert_eq!(counts(&events, "noinput"), [1, 1, 2], "{lang}");
        assert_eq!(
            heard_after_greeting(&events),
            [
                "sorry_no_input",
                "main_menu",
                "sorry_no_input",
                "menu_keys",
                "closed_goodbye"
            ],
            "{lang}"
        );
        assert_eq!(last(&events, "hangup")["reason"], "completed");
        assert!(of_type(&events, "transfer").is_empty());
    }
}

#[test]
fn words_that_mean_nothing_here_are_no_matches() {
    let cases = [
        (
            "en-US",
            ["the weather is nice today", "banana", "purple elephant"],
        ),
        (
            "es-US",
            ["hace buen tiempo hoy", "plátano", "elefante morado"],
        ),
    ];
    for (lang, said) in cases {
        let events = chat(OPEN, &said, &["--lang", lang]);
        assert_eq!(counts(&events, "nomatch"), [1, 1, 2], "{lang}");
        assert!(intents(&events).is_empty(), "{lang}");
        assert_eq!(
            heard_after_greeting(&events),
            [
                "sorry_no_match",
                "main_menu",
                "sorry_no_match",
                "menu_keys",
                "offer_agent"
            ],
            "{lang}"
        );
        assert_eq!(prompt(&events, "offer_agent")["lang"], lang);
    }
}

#[test]
fn unclear_then_silent_still_gets_three_tries() {
    let events = chat(CLOSED, &["banana", "", ""], &[]);
    assert_eq!(counts(&events, "nomatch"), [1]);
    assert_eq!(counts(&events, "noinput"), [1, 2]);
    assert_eq!(
        heard_after_greeting(&events),
        [
            "sorry_no_match",
            "main_menu",
            "sorry_no_input",
            "menu_keys",
            "closed_goodbye"
        ]
    );
}

#[test]
fn holidays_and_dst_follow_eastern_time() {
    let christmas = chat("2026-12-25T10:00:00-05:00", &["agent"], &[]);
    assert!(of_type(&christmas, "transfer").is_empty());
    // The Monday after DST ends: 07:59 EST is closed, 08:00 EST (13:00Z) is open.
    let early = chat("2026-11-02T12:59:00Z", &["agent"], &[]);
    assert!(of_type(&early, "transfer").is_empty());
    let opening = chat("2026-11-02T13:00:00Z", &["agent"], &[]);
    assert_eq!(last(&opening, "transfer")["queue"], "agents-en");
}

#[test]
fn the_clock_can_be_moved_during_a_call() {
    let events = chat(CLOSED, &["/time 2026-12-02T10:00:00-05:00", "agent"], &[]);
    assert_eq!(last(&events, "transfer")["queue"], "agents-en");
}

#[test]
fn a_failed_transfer_offers_a_callback() {
    let events = chat(OPEN, &["agent", "yes"], &["--fail", "transfer"]);
    let prompts = prompt_ids(&events);
    assert!(prompts.contains(&"agent_unavailable".to_string()));
    assert_eq!(last(&events, "callback")["queue"], "agents-en");
}

#[test]
fn every_event_has_a_type_and_a_time() {
    let events = chat(OPEN, &["case status", "", "/hangup"], &[]);
    let mut last_t = 0;
    for e in &events {
        assert!(e["type"].is_string(), "{e}");
        let t = e["t_ms"].as_i64().unwrap();
        assert!(t >= last_t, "time goes forward: {e}");
        last_t = t;
    }
    assert_eq!(last(&events, "hangup")["reason"], "caller");
}

/// After hours: an agent, no callback, yes to an officer, an email address, yes, the request.
const OFFICER_REQUEST_EN: [&str; 6] = [
    "I need to talk to a representative",
    "no",
    "yes",
    "maria dot lopez at gmail dot com",
    "yes",
    "my work permit renewal is stuck and I need to speak to someone",
];

#[test]
fn a_caller_who_wants_no_callback_can_send_the_request_to_an_officer_in_either_language() {
    let english = chat(CLOSED, &OFFICER_REQUEST_EN, &[]);
    assert_eq!(slot(&english, "email")["value"], "maria.lopez@gmail.com");
    // The caller's own words go to the officer, "speak to someone" in them or not.
    assert_eq!(
        slot(&english, "officer_request")["value"],
        "my work permit renewal is stuck and I need to speak to someone"
    );
    assert_eq!(
        last(&english, "escalate")["template"],
        "escalation_confirmation"
    );
    assert!(
        text(prompt(&english, "officer_request_recorded")).contains("Your request number is 1."),
        "{english:?}"
    );

    let spanish = chat(
        CLOSED,
        &[
            "quiero hablar con un agente",
            "no",
            "sí",
            "jose punto perez arroba yahoo punto com",
            "sí",
            "mi tarjeta verde nunca llegó",
        ],
        &[],
    );
    assert!(
        text(prompt(&spanish, "officer_request_recorded"))
            .starts_with("Su solicitud fue enviada a un Oficial de Servicios de Inmigración."),
        "{spanish:?}"
    );

    // Not recorded (the engine could not): the caller is told, and given the number to call.
    let failed = chat(CLOSED, &OFFICER_REQUEST_EN, &["--fail", "escalate"]);
    assert!(prompt_ids(&failed).contains(&"officer_request_failed".to_string()));
}
