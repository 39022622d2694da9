//! Removing what Whisper writes that the caller did not say.
//!
//! Whisper was trained on captions, so it annotates sounds ("[BLANK_AUDIO]", "(music)",
//! "♪") and, on unclear audio, can loop on one phrase until its length limit. Intent matching
//! downstream would take those for words, so they go before the text leaves the backend.

/// A phrase repeated this many times in a row is a decoding loop, not speech.
const LOOP_REPEATS: usize = 3;

/// The cleaned transcript: annotations removed, loops cut to one copy, spaces normalized.
/// Returns an empty string when nothing that looks like words is left.
pub(crate) fn clean_transcript(raw: &str) -> String {
    let text = strip_annotations(raw);
    let words: Vec<&str> = text.split_whitespace().map(cut_joined_loop).collect();
    let words = cut_loops(&words);
    let text = words.join(" ");
    if text.chars().any(char::is_alphanumeric) {
        text
    } else {
        String::new()
    }
}

/// Drops `[...]`, `(...)` and `*...*` spans and music notes. An unclosed bracket drops the rest:
/// that is a loop cut off by the length limit, never speech.
fn strip_annotations(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut closer: Option<char> = None;
    for c in raw.chars() {
        match closer {
            Some(end) if c == end => closer = None,
            Some(_) => {}
            None => match c {
                '[' => closer = Some(']'),
                '(' => closer = Some(')'),
                '*' => closer = Some('*'),
                '♪' | '♫' => out.push(' '),
                _ => out.push(c),
            },
        }
    }
    out
}

/// Lowercase letters and digits only, so "Hello," and "hello" count as the same word.
fn norm(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A loop written as one hyphen-joined word ("W-w-w-w-w", seen with beam search on a spelled
/// receipt number) becomes its first part; a spelled code ("I-O-E-0") is left alone.
fn cut_joined_loop(word: &str) -> &str {
    let mut parts = word.split('-');
    let Some(first) = parts.next() else {
        return word;
    };
    let rest: Vec<&str> = parts.collect();
    let looped = rest.len() + 1 >= LOOP_REPEATS
        && !norm(first).is_empty()
        && rest.iter().all(|p| norm(p) == norm(first));
    if looped { first } else { word }
}

/// Keeps one copy of any run of `LOOP_REPEATS`+ identical consecutive phrases, and drops a
/// trailing partial copy after such a run (the loop was cut mid-phrase).
fn cut_loops<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let normed: Vec<String> = words.iter().map(|w| norm(w)).collect();
    let same = |a: usize, b: usize, len: usize| normed[a..a + len] == normed[b..b + len];
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let mut skipped = false;
        for len in 1..=(words.len() - i) / LOOP_REPEATS {
            let mut reps = 1;
            while i + (reps + 1) * len <= words.len() && same(i, i + reps * len, len) {
                reps += 1;
            }
            if reps >= LOOP_REPEATS {
                out.extend_from_slice(&words[i..i + len]);
                let mut next = i + reps * len;
                let tail = (words.len() - next).min(len - 1);
                if tail > 0 && next + tail == words.len() && same(i, next, tail) {
                    next = words.len();
                }
                i = next;
                skipped = true;
                break;
            }
        }
        if !skipped {
            out.push(words[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean_transcript as clean;

    #[test]
    fn strips_annotations_and_spaces() {
        assert_eq!(clean(" [BLANK_AUDIO]"), "");
        assert_eq!(clean("(music) I need help. ♪"), "I need help.");
        assert_eq!(clean("  Billing  please "), "Billing please");
        assert_eq!(clean(" ..."), "");
        assert_eq!(clean("*coughs* yes"), "yes");
    }

    #[test]
    fn cuts_loops() {
        assert_eq!(
            clean("thank you thank you thank you thank you"),
            "thank you"
        );
        assert_eq!(
            clean("I want to pay. I want to pay. I want to pay. I want"),
            "I want to pay."
        );
        assert_eq!(clean("my case my case status"), "my case my case status");
        assert_eq!(clean("no, no, no"), "no,");
        assert_eq!(clean("agent agent agent please"), "agent please");
        assert_eq!(clean("W-w-w-w-w-w-w-w"), "W");
        assert_eq!(clean("I-O-E-0, 1, 2"), "I-O-E-0, 1, 2");
        assert_eq!(clean("well-known x-x"), "well-known x-x");
    }
}
