#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of the engine configuration loader (what the `engine_config` fuzz target in
//! crates/ivr-fuzz drives): any text is a configuration or refused, never a panic, and a
//! configuration that passes its checks names only usable SIP URIs.

use ivr_engine::config::EngineConfig;
use ivr_engine::config::serving::check_sip_uri;
use proptest::prelude::*;

fn load(text: &str) -> Result<EngineConfig, String> {
    let config: EngineConfig = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    config.check()?;
    Ok(config)
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("~".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("127.0.0.1:5060".to_string()),
        Just("\"[::1]:0\"".to_string()),
        Just("20000-20001".to_string()),
        Just("29999-20000".to_string()),
        Just("sip:a@b".to_string()),
        Just("true".to_string()),
        "[ -~]{0,16}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_text_is_a_configuration_or_refused(text in "\\PC{0,300}") {
        let _ = load(&text);
    }

    #[test]
    fn any_configuration_shaped_yaml_is_loaded_or_refused(
        lines in proptest::collection::vec(
            (
                prop_oneof![
                    Just("sip:"), Just("  listen:"), Just("  media_ip:"), Just("  max_calls:"),
                    Just("  trunks:"), Just("  per_source:"), Just("    burst:"),
                    Just("rtp:"), Just("  ports:"), Just("  timeout_s:"),
                    Just("admin:"), Just("  token:"), Just("  max_connections:"),
                    Just("flow:"), Just("numbers:"), Just("  \"800\":"),
                    Just("agents:"), Just("  maria:"), Just("    ha1:"), Just("    uri:"),
                    Just("    languages:"), Just("queues:"), Just("  q:"), Just("    refer_to:"),
                    Just("realm:"), Just("ring_timeout_s:"), Just("sms:"), Just("  url:"),
                    Just("  from:"), Just("email:"), Just("  host:"), Just("  port:"),
                    Just("  security:"), Just("message_limits:"), Just("  per_minute:"),
                    Just("  sms_country_codes:"), Just("tts:"), Just("  en-US:"),
                    Just("speech:"), Just("  languages:"), Just("  workers:"),
                ],
                proptest::option::of(value()),
            ),
            0..20,
        )
    ) {
        let text: Vec<String> = lines
            .into_iter()
            .map(|(key, value)| match value {
                Some(value) => format!("{key} {value}"),
                None => key.to_string(),
            })
            .collect();
        let _ = load(&text.join("\n"));
    }

    #[test]
    fn sip_uris_of_any_text(uri in prop_oneof!["\\PC{0,40}", "sips?:[ -~]{0,30}"]) {
        if check_sip_uri(&uri).is_ok() {
            prop_assert!(uri.starts_with("sip:") || uri.starts_with("sips:"));
            prop_assert!(!uri.contains(char::is_whitespace) && !uri.contains(['<', '>']));
        }
    }

    /// An agent or an outside queue named by any URI: accepted exactly when the URI is one.
    #[test]
    fn agents_and_queues_with_any_uri(uri in "[ -~]{0,30}", as_queue in any::<bool>()) {
        let quoted = serde_json::to_string(&uri).unwrap();
        let text = if as_queue {
            format!("queues:\n  q: {{ refer_to: {quoted} }}\n")
        } else {
            format!("agents:\n  desk: {{ uri: {quoted}, languages: [en] }}\n")
        };
        prop_assert_eq!(load(&text).is_ok(), check_sip_uri(&uri).is_ok(), "{}", text);
    }

    #[test]
    fn an_agent_with_any_ha1(ha1 in prop_oneof!["[0-9a-fA-F]{30,34}", "[ -~]{0,40}"]) {
        let quoted = serde_json::to_string(&ha1).unwrap();
        let text = format!("agents:\n  maria: {{ ha1: {quoted}, languages: [es-US] }}\n");
        let hex = ha1.len() == 32 && ha1.chars().all(|c| c.is_ascii_hexdigit());
        prop_assert_eq!(load(&text).is_ok(), hex, "{}", text);
    }
}
