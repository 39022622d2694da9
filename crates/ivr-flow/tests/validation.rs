#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every check of `ivr check`, each asserting the exact line and column it reports.

mod common;

use common::{VALID, diagnose, pos_of, with};
use ivr_flow::Severity;

/// Asserts exactly one error, at the position where `at` starts, whose message has `fragment`.
fn assert_error(source: &str, at: &str, fragment: &str) {
    let (line, col) = pos_of(source, at);
    assert_error_at(source, line, col, fragment);
}

fn assert_error_at(source: &str, line: u32, col: u32, fragment: &str) {
    let errors: Vec<_> = diagnose(source)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(
        errors
            .iter()
            .any(|d| d.line == line && d.col == col && d.message.contains(fragment)),
        "expected an error at {line}:{col} containing {fragment:?}, got {errors:#?}"
    );
}

#[test]
fn the_base_flow_is_valid() {
    let diags = diagnose(VALID);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn yaml_syntax_error() {
    let src = with(
        VALID,
        "  bye: { text: { en-US: \"Bye\"",
        "  bye: { text: { en-US: \"Bye",
    );
    let diags = diagnose(&src);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    // The string runs on to the next quote mark; what follows it on the line is the error.
    assert_eq!(
        (diags[0].line, diags[0].col),
        pos_of(&src, "Adiós\""),
        "{diags:#?}"
    );
    assert!(diags[0].message.contains("double-quoted"), "{diags:#?}");
    // A doubled colon in a flow mapping.
    let src = with(VALID, "hello: { text:", "hello: { text:: ");
    let diags = diagnose(&src);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let (line, _) = pos_of(&src, "hello: { text::");
    assert_eq!(diags[0].line, line, "{diags:#?}");
}

#[test]
fn unknown_field() {
    let src = with(
        VALID,
        "say: { prompts: bye, next: end }",
        "say: { prompts: bye, nxt: end }",
    );
    assert_error(&src, "nxt", "unknown field `nxt`");
}

#[test]
fn unknown_top_level_field() {
    let src = with(VALID, "start: menu\n", "start: menu\nstrat: menu\n");
    assert_error(&src, "strat", "unknown field `strat`");
}

#[test]
fn dangling_next() {
    let src = with(VALID, "next: end }", "next: endd }");
    assert_error(&src, "endd", "undefined state `endd`; did you mean `end`?");
    // The missing state is the one problem reported, not "no way out" everywhere before it.
    assert_eq!(diagnose(&src).iter().filter(|d| d.is_error()).count(), 1);
}

#[test]
fn undefined_start_state() {
    let src = with(VALID, "start: menu", "start: menuu");
    assert_error(&src, "menuu", "undefined state `menuu`");
}

#[test]
fn undefined_prompt() {
    let src = with(VALID, "prompts: [hello]", "prompts: [helo]");
    assert_error(
        &src,
        "helo",
        "undefined prompt `helo`; did you mean `hello`?",
    );
}

#[test]
fn undefined_prompt_written_as_one_id() {
    let src = with(VALID, "say: { prompts: bye,", "say: { prompts: byebye,");
    assert_error(&src, "byebye", "undefined prompt `byebye`");
}

#[test]
fn undefined_intent() {
    let src = with(
        VALID,
        "intents: { help: route }",
        "intents: { hepl: route }",
    );
    assert_error(&src, "hepl", "undefined intent `hepl`");
}

#[test]
fn undefined_slot() {
    let src = with(
        VALID,
        "intents: { help: route }",
        "slot: pinn\n      next: route",
    );
    assert_error(&src, "pinn", "undefined slot `pinn`");
}

#[test]
fn undefined_schedule() {
    let src = with(VALID, "when: { open: office }", "when: { open: offce }");
    assert_error(&src, "offce", "undefined schedule `offce`");
}

#[test]
fn undefined_queue() {
    let src = with(
        VALID,
        "transfer: { queue: q-en,",
        "transfer: { queue: q-fr,",
    );
    assert_error(&src, "q-fr", "undefined queue `q-fr`");
}

#[test]
fn undefined_template() {
    let src = with(VALID, "template: link,", "template: lnk,");
    assert_error(&src, "lnk", "undefined template `lnk`");
}

#[test]
fn unreachable_state_is_a_warning() {
    let src = with(VALID, "  end:\n", "  orphan:\n    hangup: {}\n  end:\n");
    let (line, col) = pos_of(&src, "orphan");
    let diags = diagnose(&src);
    assert!(diags.iter().any(|d| d.severity == Severity::Warning
        && (d.line, d.col) == (line, col)
        && d.message.contains("unreachable")));
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
}

#[test]
fn state_with_no_way_out() {
    let src = with(
        VALID,
        "  end:\n",
        "  loop_a:\n    say: { prompts: bye, next: loop_b }\n  loop_b:\n    say: { prompts: bye, next: loop_a }\n  end:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: loop_a");
    assert_error(&src, "loop_a:", "no way out");
    assert_error(&src, "loop_b:", "no way out");
}

#[test]
fn ask_listening_for_nothing() {
    let src = with(VALID, "      intents: { help: route }\n", "");
    assert_error(&src, "menu:", "listens for nothing");
}

#[test]
fn ask_without_retry_target() {
    let src = with(VALID, "  no_match: { then: bye }\n", "");
    assert_error(&src, "menu:", "no way out after repeated no_match");
}

#[test]
fn missing_spanish_prompt() {
    let src = with(VALID, ", es-US: \"Adiós\" } }", " } }");
    assert_error(&src, "bye: { text", "prompt `bye` has no es-US version");
}

#[test]
fn missing_spanish_intent_examples() {
    let src = with(VALID, ", es-US: [necesito ayuda] } }", " } }");
    assert_error(&src, "help: { dtmf", "intent `help` has no es-US version");
}

#[test]
fn missing_spanish_template() {
    let src = with(VALID, ", es-US: \"Vea {service_url}\" } }", " } }");
    assert_error(
        &src,
        "{ en-US: \"See",
        "template `link` sms has no es-US version",
    );
}

#[test]
fn undeclared_language_in_prompt() {
    let src = with(
        VALID,
        "es-US: \"Adiós\"",
        "es-US: \"Adiós\", fr-FR: \"Au revoir\"",
    );
    assert_error(&src, "fr-FR", "language `fr-FR` is not declared");
}

#[test]
fn default_language_not_declared() {
    let src = with(VALID, "default_language: en-US", "default_language: en-GB");
    assert_error(&src, "en-GB", "not declared in `languages`");
}

#[test]
fn invalid_time_zone() {
    let src = with(VALID, "America/New_York", "America/New_Yrok");
    assert_error(&src, "America/New_Yrok", "America/New_Yrok");
}

#[test]
fn invalid_hours() {
    let src = with(VALID, "\"08:00-20:00\"", "\"8:00-20:00\"");
    assert_error(&src, "\"8:00-20:00\"", "8:00-20:00");
    let src = with(VALID, "\"08:00-20:00\"", "\"20:00-08:00\"");
    assert_error(&src, "\"20:00-08:00\"", "20:00-08:00");
}

#[test]
fn duplicate_ids() {
    let src = with(
        VALID,
        "  end:\n    hangup: {}\n",
        "  end:\n    hangup: {}\n  bye:\n    hangup: {}\n",
    );
    let (line, col) = pos_of(&src, "  bye:\n    hangup");
    assert_error_at(&src, line, col + 2, "duplicate id: bye");
    let src = with(VALID, "  bye: { text:", "  hello: { text:");
    let (line, col) = pos_of(&src, "  hello: { text: { en-US: \"Bye");
    assert_error_at(&src, line, col + 2, "duplicate id: hello");
}

#[test]
fn two_intents_of_a_state_share_a_key() {
    let src = with(VALID, "help: { dtmf: \"1\"", "help: { dtmf: \"0\"");
    assert_error(
        &src,
        "help: route",
        "key 0 would select both `agent` and `help`",
    );
}

#[test]
fn a_state_key_map_overrides_intent_keys() {
    let src = with(
        VALID,
        "      intents: { help: route }\n",
        "      intents: { help: route }\n      dtmf: { \"1\": spanish }\n",
    );
    let diags = diagnose(&src);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:#?}");
}

#[test]
fn invalid_dtmf_key() {
    let src = with(VALID, "dtmf: \"1\"", "dtmf: \"12\"");
    assert_error(&src, "\"12\"", "not a keypad key");
}

#[test]
fn unknown_variable_in_prompt() {
    let src = with(VALID, "Hello {caller}", "Hello {calller}");
    assert_error(
        &src,
        "\"Hello {calller}\"",
        "unknown variable `{calller}`; did you mean `caller`?",
    );
}

#[test]
fn malformed_template() {
    let src = with(VALID, "Hello {caller}", "Hello {caller");
    assert_error(&src, "\"Hello {caller\"", "unclosed `{`");
}

#[test]
fn digits_slot_without_length() {
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: digits }",
    );
    assert_error(&src, "pin:", "needs `length`");
}

#[test]
fn transfer_needs_one_target() {
    let src = with(
        VALID,
        "transfer: { queue: q-en,",
        "transfer: { queue: q-en, uri: \"sip:a@b\",",
    );
    assert_error(
        &src,
        "transfer:\n    transfer",
        "exactly one of `queue`, `queue_by_language` or `uri`",
    );
}

#[test]
fn transfer_uri_must_be_sip() {
    let src = with(
        VALID,
        "transfer: { queue: q-en,",
        "transfer: { uri: \"http://x\",",
    );
    assert_error(&src, "\"http://x\"", "not a SIP URI");
}

#[test]
fn notify_template_lacks_channel() {
    let src = with(VALID, "channel: sms, template", "channel: email, template");
    assert_error(&src, "link, to:", "has no email text");
}

#[test]
fn global_handler_needs_one_action() {
    let src = with(
        VALID,
        "agent: { goto: transfer }",
        "agent: { goto: transfer, repeat: true }",
    );
    assert_error(&src, "agent: { goto", "exactly one of");
}

#[test]
fn lookup_checks() {
    let src = with(
        VALID,
        "  text:\n",
        "  look:\n    lookup: { name: x, url: \"ftp://x\", timeout_ms: 0, result: { v: status }, next: bye, on_failure: bye }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: look");
    assert_error(&src, "\"ftp://x\"", "must start with http://");
    assert_error(&src, "0, result", "between 1 and 30000");
    assert_error(&src, "status }", "not a JSON pointer");
}

#[test]
fn state_leading_to_itself() {
    let src = with(
        VALID,
        "say: { prompts: bye, next: end }",
        "say: { prompts: bye, next: bye }",
    );
    assert_error(&src, "bye }\n  end", "leads to itself");
}

#[test]
fn oversized_flow_is_refused() {
    let mut big = String::from(VALID);
    big.push_str(&format!("# {}\n", "x".repeat(1024 * 1024)));
    let diags = diagnose(&big);
    assert_eq!(diags.len(), 1);
    assert!(diags[0].message.contains("over the 1048576-byte limit"));
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!("b{i}: &b{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    let diags = diagnose(&bomb);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0]
            .message
            .contains("too many values (aliases repeated inside aliases?)"),
        "{}",
        diags[0].message
    );
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("languages: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    let diags = diagnose(&deep);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0].message.contains("nested too deeply"),
        "{}",
        diags[0].message
    );
}

#[test]
fn wrong_types_and_garbage_never_panic() {
    for src in [
        "",
        "---",
        "[]",
        "42",
        "languages: 5",
        "states: [1, 2]",
        "\u{0}\u{1}",
        "a: *unknown",
    ] {
        let diags = diagnose(src);
        assert!(!diags.is_empty(), "{src:?} should not pass");
    }
}

#[test]
fn language_list_problems() {
    let src = with(
        VALID,
        "languages: [en-US, es-US]",
        "languages: [en-US, es-US, en-US, english]",
    );
    let (line, _) = pos_of(&src, "languages:");
    assert_error_at(&src, line, 27, "listed twice");
    assert_error_at(&src, line, 34, "not a language tag");
}

#[test]
fn lengths_only_for_digit_slots() {
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: yes_no, length: 4 }",
    );
    assert_error(&src, "4 }", "lengths apply only to `type: digits`");
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: digits, min_length: 6, max_length: 4 }",
    );
    assert_error(&src, "6, max", "min_length <= max_length");
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: digits, length: 4, max_length: 4 }",
    );
    assert_error(&src, "4, max", "either `length` or");
}

#[test]
fn slot_routing_fields() {
    let src = with(
        VALID,
        "intents: { help: route }",
        "intents: { help: route }\n      next: bye",
    );
    assert_error(
        &src,
        "bye\n  route",
        "`next` applies only to an ask with a `slot`",
    );
    let src = with(
        VALID,
        "intents: { help: route }",
        "intents: { help: route }\n      on_value: { x: bye }",
    );
    assert_error(&src, "x: bye", "`on_value` applies only");
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: digits, length: 4 }\n  ok: { type: yes_no }",
    );
    let src = with(
        &src,
        "intents: { help: route }",
        "slot: ok\n      on_value: { \"yes\": route, maybe: bye }",
    );
    assert_error(&src, "maybe", "values `yes` and `no`, not `maybe`");
    assert_error(&src, "ok\n", "has no `next` for its value");
}

#[test]
fn a_state_key_for_an_intent_it_does_not_route() {
    let src = with(
        VALID,
        "      intents: { help: route }\n",
        "      intents: { help: route }\n      dtmf: { \"5\": spanish, \"6\": help, \"7\": nothing }\n",
    );
    let diags = diagnose(&src);
    assert!(
        !diags
            .iter()
            .any(|d| d.message.contains("spanish") || d.message.contains("`help`")),
        "{diags:#?}"
    );
    assert_error(&src, "nothing }", "undefined intent `nothing`");
    let src = with(
        VALID,
        "intents: { help: route }",
        "intents: { help: route }\n      global: false\n      dtmf: { \"5\": spanish }",
    );
    assert_error(&src, "spanish }", "does not route");
}

#[test]
fn listening_numbers_out_of_range() {
    let src = with(
        VALID,
        "  no_input: { then: bye }",
        "  no_input_timeout_ms: 100\n  min_confidence: 1.5\n  no_input: { then: bye, max: 0 }",
    );
    assert_error(&src, "100", "between 500 and 60000");
    assert_error(&src, "1.5", "between 0.0 and 1.0");
    assert_error(&src, "0 }", "`max` must be between 1 and 10");
}

#[test]
fn empty_prompt_list() {
    let src = with(VALID, "say: { prompts: bye,", "say: { prompts: [],");
    assert_error(&src, "bye:\n    say", "empty prompt list");
}

#[test]
fn conditions_need_something_to_test() {
    let src = with(VALID, "when: { open: office }", "when: {}");
    assert_error(&src, "{}", "empty condition");
    let src = with(VALID, "when: { open: office }", "when: { equals: x }");
    assert_error(&src, "{ equals", "need a `var`");
    let src = with(
        VALID,
        "when: { open: office }",
        "when: { var: service_url, equals: x, is_set: true }",
    );
    assert_error(&src, "service_url, equals", "exactly one of");
    let src = with(
        VALID,
        "when: { open: office }",
        "when: { var: nope, is_set: true }",
    );
    assert_error(&src, "nope", "unknown variable `nope`");
    let src = with(VALID, "when: { open: office }", "when: { language: fr-FR }");
    assert_error(&src, "fr-FR", "not declared");
}

#[test]
fn a_branch_without_cases_is_a_warning() {
    let src = with(
        VALID,
        "      cases:\n        - when: { open: office }\n          goto: transfer\n",
        "      cases: []\n",
    );
    let (line, col) = pos_of(&src, "route:\n    branch");
    let diags = diagnose(&src);
    assert!(
        diags.iter().any(|d| !d.is_error()
            && (d.line, d.col) == (line, col)
            && d.message.contains("no cases")),
        "{diags:#?}"
    );
}

#[test]
fn a_get_lookup_with_a_body() {
    let src = with(
        VALID,
        "  text:\n",
        "  look:\n    lookup: { name: x, url: \"{service_url}\", body: { a: b }, timeout_ms: 100, next: bye, on_failure: bye }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: look");
    assert_error(&src, "x, url", "cannot have a `body`");
}

#[test]
fn queue_by_language_must_cover_every_language() {
    let src = with(
        VALID,
        "transfer: { queue: q-en,",
        "transfer: { queue_by_language: { en-US: q-en },",
    );
    assert_error(
        &src,
        "transfer:\n    transfer",
        "`queue_by_language` of `transfer` has no es-US version",
    );
}

#[test]
fn callback_number_and_queue() {
    let src = with(
        VALID,
        "  text:\n",
        "  cb:\n    callback: { queue: q-xx, number: \"{phone}\", next: bye, on_failure: bye }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: cb");
    assert_error(&src, "q-xx", "undefined queue `q-xx`");
    assert_error(&src, "\"{phone}\"", "unknown variable `{phone}`");
}

#[test]
fn an_empty_email_template_part() {
    let src = with(
        VALID,
        "link: { sms:",
        "link: { email: { subject: { en-US: s, es-US: s }, body: { en-US: b } }, sms:",
    );
    assert_error(
        &src,
        "{ subject",
        "template `link` email body has no es-US version",
    );
}

#[test]
fn state_names_are_identifiers() {
    let src = with(
        VALID,
        "  end:\n    hangup: {}\n",
        "  the-end:\n    hangup: {}\n",
    );
    let src = with(&src, "next: end }", "next: the-end }");
    assert_error(&src, "the-end:", "only letters, digits and `_`");
}

#[test]
fn unknown_field_inside_a_state_kind() {
    let src = with(
        VALID,
        "transfer: { queue: q-en,",
        "transfer: { queue: q-en, timeout: 5,",
    );
    assert_error(&src, "timeout", "unknown field `timeout`");
    let src = with(
        VALID,
        "    say: { prompts: bye",
        "    speak: { prompts: bye",
    );
    assert_error(&src, "speak", "unknown variant `speak`");
}

#[test]
fn an_empty_language_list() {
    // An empty list carries no position of its own: the error sits on the default language,
    // which the empty list cannot hold.
    let src = with(VALID, "languages: [en-US, es-US]", "languages: []");
    assert_error(&src, "en-US\ntimezone", "`languages` is empty");
    let errors = diagnose(&src);
    assert_eq!(errors.len(), 1, "one error, not one per text: {errors:#?}");
}

#[test]
fn a_digit_length_out_of_range() {
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: digits, length: 40 }",
    );
    assert_error(&src, "40", "`length` must be between 1 and 32");
    let src = with(
        VALID,
        "pin: { type: digits, length: 4 }",
        "pin: { type: digits, min_length: 0, max_length: 4 }",
    );
    assert_error(&src, "0, max", "need 1 <= min_length <= max_length <= 32");
}

#[test]
fn names_that_are_not_variable_names() {
    let src = with(
        VALID,
        "  text:\n",
        "  mark:\n    set: { vars: { \"two words\": x }, next: text }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: mark");
    assert_error(&src, "\"two words\"", "`two words` is not a variable name");
    let src = with(
        VALID,
        "  text:\n",
        "  look:\n    lookup: { name: x, url: \"{service_url}\", timeout_ms: 100, result: { case-status: /s }, next: text, on_failure: text }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: look");
    assert_error(&src, "case-status", "`case-status` is not a variable name");
}

#[test]
fn an_empty_prompt_text() {
    let src = with(VALID, "es-US: \"Adiós\"", "es-US: \"  \"");
    assert_error(&src, "\"  \"", "prompt `bye` has empty es-US text");
}

#[test]
fn an_empty_audio_path() {
    let src = with(
        VALID,
        "bye: { text: { en-US: \"Bye\", es-US: \"Adiós\" } }",
        "bye: { text: { en-US: \"Bye\", es-US: \"Adiós\" }, audio: { en-US: \"\" } }",
    );
    assert_error(&src, "\"\" }", "prompt `bye` has an empty audio path");
}

#[test]
fn intents_without_examples_or_words() {
    let src = with(
        VALID,
        "examples: { en-US: [I need help], es-US: [necesito ayuda] }",
        "examples: { en-US: [], es-US: [necesito ayuda] }",
    );
    assert_error(&src, "en-US: []", "intent `help` has no en-US examples");
    let src = with(
        VALID,
        "examples: { en-US: [I need help], es-US: [necesito ayuda] }",
        "examples: { en-US: [I need help, \"?!\"], es-US: [necesito ayuda] }",
    );
    assert_error(&src, "\"?!\"", "intent `help`: example has no words");
}

#[test]
fn templates_without_a_channel_or_a_language() {
    let src = with(
        VALID,
        "link: { sms: { en-US: \"See {service_url}\", es-US: \"Vea {service_url}\" } }",
        "link: {}",
    );
    assert_error(
        &src,
        "link: {}",
        "template `link` needs `sms` or `email` text",
    );
    let src = with(VALID, ", es-US: \"Vea {service_url}\" }", " }");
    assert_error(
        &src,
        "{ en-US: \"See",
        "template `link` sms has no es-US version",
    );
}

#[test]
fn a_flow_without_states() {
    let start = VALID.find("states:\n").unwrap();
    let src = format!("{}states: {{}}\n", &VALID[..start]);
    // An empty map carries no position of its own: the error sits on `start`, which names a
    // state that cannot exist.
    assert_error(&src, "menu\nvariables", "the flow has no states");
}

#[test]
fn a_callback_needs_exactly_one_queue_choice() {
    let src = with(
        VALID,
        "  text:\n",
        "  cb:\n    callback: { next: bye, on_failure: bye }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: cb");
    assert_error(&src, "cb:\n", "needs exactly one of");
    let src = with(
        VALID,
        "  text:\n",
        "  cb:\n    callback: { queue: q-en, queue_by_language: { en-US: q-en, es-US: q-es }, next: bye, on_failure: bye }\n  text:\n",
    );
    let src = with(&src, "otherwise: text", "otherwise: cb");
    assert_error(&src, "cb:\n", "needs exactly one of");
}
