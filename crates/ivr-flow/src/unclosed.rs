//! Where a YAML syntax error really started: a `[`, `{` or quote left open makes the parser
//! fail somewhere later (often lines later, with a message about a `:`), so the author is told
//! where the bracket or quote was opened. A small scan of the text up to the error, aware of
//! quoted scalars and comments; it only explains, it never decides what is valid.

use crate::diagnostic::Pos;

/// What was still open at `error`: its position and a sentence about it.
pub fn opened_before(source: &str, error: Pos) -> Option<(Pos, String)> {
    let mut open: Vec<(char, Pos)> = Vec::new();
    let mut quote: Option<(char, Pos)> = None;
    for (index, text) in source.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if line > error.line {
            break;
        }
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let col = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if line == error.line && col >= error.col {
                break;
            }
            let pos = Pos::new(line, col);
            if let Some((q, _)) = quote {
                match (q, c) {
                    ('"', '\\') => i += 1,
                    ('"', '"') => quote = None,
                    ('\'', '\'') if chars.get(i + 1) == Some(&'\'') => i += 1,
                    ('\'', '\'') => quote = None,
                    _ => {}
                }
                i += 1;
                continue;
            }
            let token_start = at_token_start(&chars[..i]);
            match c {
                '#' if i == 0 || chars[i - 1].is_whitespace() => break,
                '"' | '\'' if token_start => quote = Some((c, pos)),
                '[' | '{' if token_start || !open.is_empty() => open.push((c, pos)),
                ']' | '}' => {
                    let opener = if c == ']' { '[' } else { '{' };
                    if open.last().is_some_and(|(o, _)| *o == opener) {
                        open.pop();
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    if let Some((q, pos)) = quote {
        let name = if q == '"' { "double" } else { "single" };
        return Some((pos, format!("the {name} quote opened here is not closed")));
    }
    let (opener, pos) = open.pop()?;
    let closer = if opener == '[' { ']' } else { '}' };
    // An opener on the error's own line is what the parser's message is already about.
    (pos.line < error.line).then(|| {
        (
            pos,
            format!("the `{opener}` opened here is not closed (a `{closer}` is missing)"),
        )
    })
}

/// Whether a scalar or collection may start here: at the line's start (after indentation), or
/// after `- `, `: `, `? `, `[`, `{` or `,`.
fn at_token_start(before: &[char]) -> bool {
    let mut rest = before.iter().rev().skip_while(|c| c.is_whitespace());
    match rest.next() {
        None => true,
        Some('[' | '{' | ',') => true,
        Some(':' | '-' | '?') => before.last().is_some_and(|c| c.is_whitespace()),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_bracket_is_named_where_it_opened() {
        let source = "states:\n  menu:\n    ask: { prompts: [greeting, intents: { a: b } }\n  \
                      other:\n    say: { prompts: [x], next: menu }\n";
        let found = opened_before(source, Pos::new(4, 8));
        assert_eq!(
            found,
            Some((
                Pos::new(3, 21),
                "the `[` opened here is not closed (a `]` is missing)".to_string()
            ))
        );
    }

    #[test]
    fn an_unclosed_quote_is_named_where_it_opened() {
        let source = "prompts:\n  hi: { text: { en-US: \"Hello there } }\n  bye: x\n";
        let found = opened_before(source, Pos::new(3, 6));
        assert_eq!(
            found,
            Some((
                Pos::new(2, 24),
                "the double quote opened here is not closed".to_string()
            ))
        );
    }

    #[test]
    fn closed_brackets_quotes_comments_and_plain_text_are_not_reported() {
        let source =
            "a: [1, 2]  # a [ in a comment\nb: \"x [ y\"\nc: it's {fine}\nd: 'it''s'\ne: [\n";
        assert_eq!(opened_before(source, Pos::new(5, 4)), None);
        // A bracket still open on the error's own line is the parser's own subject.
        assert_eq!(opened_before(source, Pos::new(5, 5)), None);
    }
}
