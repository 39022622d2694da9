//! Text with `{variable}` holes, used by prompts, message templates, URLs and `set` values.
//! `{name|spell}` reads a value character by character (receipt and phone numbers).
//! `{{` and `}}` write literal braces.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Var { name: &'a str, filter: Filter },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    None,
    /// "IOE0123456789" -> "I O E 0 1 2 3 4 5 6 7 8 9", so text-to-speech says each character.
    Spell,
}

/// Splits a template into text and variables; the error says what is wrong and where.
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while !rest.is_empty() {
        let Some(idx) = rest.find(['{', '}']) else {
            pieces.push(Piece::Text(rest));
            break;
        };
        if idx > 0 {
            pieces.push(Piece::Text(&rest[..idx]));
        }
        let brace = &rest[idx..];
        if brace.starts_with("{{") || brace.starts_with("}}") {
            pieces.push(Piece::Text(&brace[..1]));
            offset += idx + 2;
            rest = &brace[2..];
            continue;
        }
        if brace.starts_with('}') {
            return Err(format!(
                "unmatched `}}` at character {}; write `}}}}` for a literal brace",
                offset + idx + 1
            ));
        }
        let Some(end) = brace.find('}') else {
            return Err(format!(
                "unclosed `{{` at character {}; variables are written {{name}}",
                offset + idx + 1
            ));
        };
        let inner = brace[1..end].trim();
        let (name, filter) = match inner.split_once('|') {
            Some((name, "spell")) => (name.trim(), Filter::Spell),
            Some((_, other)) => {
                return Err(format!(
                    "unknown filter `{}` in {{{inner}}}; the only filter is `spell`",
                    other.trim()
                ));
            }
            None => (inner, Filter::None),
        };
        if !is_variable_name(name) {
            return Err(format!(
                "`{{{inner}}}` is not a variable; names use letters, digits and `_`"
            ));
        }
        pieces.push(Piece::Var { name, filter });
        offset += idx + end + 1;
        rest = &brace[end + 1..];
    }
    Ok(pieces)
}

pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The variables a template uses, in order.
pub fn variables(template: &str) -> Result<Vec<&str>, String> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Fills a template. Unknown variables become empty text (the checker rejects them up front);
/// `encode` transforms each inserted value, e.g. percent-encoding for URLs.
pub fn render(
    template: &str,
    vars: &HashMap<String, String>,
    encode: fn(&str) -> String,
) -> String {
    let Ok(pieces) = parse(template) else {
        return template.to_string();
    };
    let mut out = String::with_capacity(template.len() + 16);
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var { name, filter } => {
                let value = vars.get(name).map(String::as_str).unwrap_or("");
                let value = match filter {
                    Filter::None => value.to_string(),
                    Filter::Spell => spell(value),
                };
                out.push_str(&encode(&value));
            }
        }
    }
    out
}

/// Fills a URL template: values are percent-encoded, except a variable that starts the URL,
/// which holds the service's base address (`{case_status_url}?receipt={receipt}`).
pub fn render_url(template: &str, vars: &HashMap<String, String>) -> String {
    match parse(template).ok().and_then(|p| p.first().cloned()) {
        Some(Piece::Var { name, .. }) => {
            let base = vars.get(name).map(String::as_str).unwrap_or("");
            let rest_at = template.find('}').map_or(template.len(), |i| i + 1);
            format!(
                "{base}{}",
                render(&template[rest_at..], vars, percent_encode)
            )
        }
        _ => render(template, vars, percent_encode),
    }
}

pub fn plain(value: &str) -> String {
    value.to_string()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn spell(value: &str) -> String {
    let chars: Vec<String> = value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .collect();
    chars.join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn renders_variables_and_filters() {
        let v = vars(&[("receipt", "IOE0123456789"), ("name", "Ana")]);
        assert_eq!(
            render("Hi {name}, case {receipt|spell}.", &v, plain),
            "Hi Ana, case I O E 0 1 2 3 4 5 6 7 8 9."
        );
        assert_eq!(render("{{literal}} {missing}", &v, plain), "{literal} ");
    }

    #[test]
    fn encodes_url_values() {
        let v = vars(&[("q", "a b&c")]);
        assert_eq!(
            render("http://x/?q={q}", &v, percent_encode),
            "http://x/?q=a%20b%26c"
        );
    }

    #[test]
    fn a_leading_base_url_is_not_encoded() {
        let v = vars(&[("base", "http://h:1/s"), ("r", "IOE 1")]);
        assert_eq!(render_url("{base}?r={r}", &v,), "http://h:1/s?r=IOE%201");
        assert_eq!(render_url("http://x/{r}", &v), "http://x/IOE%201");
    }

    #[test]
    fn reports_malformed_templates() {
        assert!(parse("hello {name").unwrap_err().contains("unclosed"));
        assert!(parse("hello }").unwrap_err().contains("unmatched"));
        assert!(parse("{two words}").unwrap_err().contains("not a variable"));
        assert!(parse("{x|upper}").unwrap_err().contains("unknown filter"));
        assert_eq!(variables("{a} and {b|spell}").unwrap(), vec!["a", "b"]);
    }
}
