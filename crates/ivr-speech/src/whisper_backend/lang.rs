//! Between the engine's language tags ("en-US", "es-US") and Whisper's language tokens
//! ("<|en|>", "<|es|>").

/// The primary subtag, lowercased: "es-US" -> "es". An empty tag means English, the language
/// every Whisper model knows.
pub(crate) fn primary(tag: &str) -> String {
    let p = tag
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if p.is_empty() { "en".to_string() } else { p }
}

/// Whisper's token for a primary subtag.
pub(crate) fn token(code: &str) -> String {
    format!("<|{code}|>")
}

/// The primary subtag inside a language token, if it is one: "<|es|>" -> "es".
pub(crate) fn code_of(token: &str) -> Option<&str> {
    token.strip_prefix("<|")?.strip_suffix("|>")
}

/// The tag to report for a language Whisper heard: the first of the call's tags (its own,
/// then the flow's others) that is that language, keeping its region; else the US variant the
/// shipped flows use for English and Spanish.
pub(crate) fn report_tag<'a>(code: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    if let Some(tag) = known
        .into_iter()
        .find(|t| !t.trim().is_empty() && primary(t) == code)
    {
        return tag.to_string();
    }
    match code {
        "en" => "en-US".to_string(),
        "es" => "es-US".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_tags() {
        assert_eq!(primary("es-US"), "es");
        assert_eq!(primary("EN_gb"), "en");
        assert_eq!(primary(""), "en");
        assert_eq!(token("es"), "<|es|>");
        assert_eq!(code_of("<|es|>"), Some("es"));
        assert_eq!(code_of("es"), None);
        assert_eq!(report_tag("es", ["en-US"]), "es-US");
        assert_eq!(report_tag("es", ["en-US", "es-MX"]), "es-MX");
        assert_eq!(report_tag("en", ["en-GB"]), "en-GB");
        assert_eq!(report_tag("en", [""]), "en-US");
        assert_eq!(report_tag("fr", ["en-US"]), "fr");
    }
}
