//! How alike two single words are, in 0.0..=1.0.
//!
//! Paraphrases inflect words ("change"/"changed", "cita"/"citas") and recognizers misspell or
//! clip them ("gente" for "agente"), so exact equality would miss most real matches.

/// Below this a word pair counts as unrelated.
pub(crate) const MIN_SIMILARITY: f32 = 0.7;

const SAME_STEM: f32 = 0.9;
/// Two words of one synonym group: as close as an inflection, short of the same word.
pub(crate) const SYNONYM: f32 = 0.8;
const PREFIX: f32 = 0.85;
/// Endings that inflect a word in English or Spanish: "mail"/"mailing", "cita"/"citas",
/// "llam"/"llamar". Any other ending makes another word: "good"/"goodbye", "over"/"overseas".
const INFLECTION_TAILS: [&str; 16] = [
    "s", "es", "d", "ed", "ing", "er", "ers", "ly", "a", "as", "o", "os", "r", "ar", "ir", "n",
];
/// Edit-distance matches are scaled down so a true inflection beats a lookalike.
const EDIT_SCALE: f32 = 0.95;
/// Share of a word's letters that may be wrong for it to still count as the same word.
const MAX_EDIT_RATIO: f32 = 0.2;

/// A word with what comparisons need precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub(crate) text: String,
    stem: String,
    /// Letters present, for rejecting most pairs before the edit-distance table.
    letters: u32,
    numeric: bool,
}

impl Term {
    pub(crate) fn new(text: &str) -> Self {
        Term {
            text: text.to_owned(),
            stem: stem(text),
            letters: letter_mask(text),
            numeric: text.bytes().any(|b| b.is_ascii_digit()),
        }
    }
}

/// Similarity of two words; 0.0 when below [`MIN_SIMILARITY`].
pub(crate) fn similarity(a: &Term, b: &Term) -> f32 {
    if a.text == b.text {
        return 1.0;
    }
    // Numbers are identifiers (form names, days): "90" is not almost "9".
    if a.numeric || b.numeric {
        return 0.0;
    }
    if a.stem == b.stem && a.stem.len() >= 3 {
        return SAME_STEM;
    }
    let (short, long) = if a.text.len() <= b.text.len() {
        (a, b)
    } else {
        (b, a)
    };
    if short.text.len() >= 4
        && long
            .text
            .strip_prefix(&short.text)
            .is_some_and(|tail| INFLECTION_TAILS.contains(&tail))
    {
        return PREFIX;
    }
    let score = edit_similarity(short, long) * EDIT_SCALE;
    if score >= MIN_SIMILARITY { score } else { 0.0 }
}

fn edit_similarity(short: &Term, long: &Term) -> f32 {
    let (short_len, long_len) = (short.text.len(), long.text.len());
    if short_len < 4 {
        return 0.0;
    }
    let max_edits = (long_len as f32 * MAX_EDIT_RATIO).floor() as usize;
    if max_edits == 0 || long_len - short_len > max_edits {
        return 0.0;
    }
    // Each edit changes at most two letters of the presence mask.
    if ((short.letters ^ long.letters).count_ones() as usize) > 2 * max_edits {
        return 0.0;
    }
    match bounded_edit_distance(short.text.as_bytes(), long.text.as_bytes(), max_edits) {
        Some(edits) => 1.0 - edits as f32 / long_len as f32,
        None => 0.0,
    }
}

/// Optimal-string-alignment distance (adjacent swaps cost 1), or None when above `limit`.
fn bounded_edit_distance(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    let width = b.len() + 1;
    let mut before_previous = vec![0usize; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current = vec![0usize; width];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before_previous[j - 2] + 1);
            }
            current[j] = best;
            row_min = row_min.min(best);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

fn letter_mask(text: &str) -> u32 {
    text.bytes().fold(0, |mask, b| match b {
        b'a'..=b'z' => mask | 1 << (b - b'a'),
        _ => mask | 1 << 26,
    })
}

/// Light English/Spanish suffix stripping: enough to join plurals, tenses and gender.
pub(crate) fn stem(word: &str) -> String {
    if word.len() < 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_owned();
    }
    if let Some(base) = word.strip_suffix("ies")
        && base.len() >= 3
    {
        return format!("{base}y");
    }
    // Longest first. Spanish verb endings (preterite, first person plural, imperfect) join
    // "mudamos", "mudaron" and "mudar"; English ones "moving", "moved", "moves".
    const SUFFIXES: [&str; 24] = [
        "ieron", "iendo", "aron", "amos", "emos", "imos", "aban", "aste", "iste", "ando", "ados",
        "adas", "idos", "idas", "aba", "ado", "ada", "ido", "ida", "ing", "ed", "es", "ar", "ir",
    ];
    let word = without_clitic(word);
    let mut base = word;
    if let Some(stripped) = SUFFIXES
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix).filter(|rest| rest.len() >= 3))
    {
        base = stripped;
    } else if let Some(stripped) = word.strip_suffix('s')
        && !stripped.ends_with('s')
        && stripped.len() >= 3
    {
        base = stripped;
    }
    if base.len() > 3
        && let Some(stripped) = base.strip_suffix(['a', 'e', 'o'])
    {
        base = stripped;
    }
    base.to_owned()
}

/// A Spanish command or infinitive with its pronouns attached ("repítalo", "dígamelo",
/// "cambiarla") -> the verb ("repita", "cambiar"). Only after a vowel or an r, and leaving at
/// least five letters, so English words keep their endings ("people", "name") and short
/// commands stay apart ("páseme" is not "pasa"; "dígalo" is joined to "diga" as a synonym).
fn without_clitic(word: &str) -> &str {
    const CLITICS: [&str; 11] = [
        "melo", "mela", "selo", "sela", "nos", "les", "los", "las", "lo", "la", "me",
    ];
    for clitic in CLITICS {
        if let Some(verb) = word.strip_suffix(clitic)
            && verb.len() >= 5
            && verb.ends_with(['a', 'e', 'i', 'r'])
        {
            return verb;
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(a: &str, b: &str) -> f32 {
        similarity(&Term::new(a), &Term::new(b))
    }

    #[test]
    fn inflections_share_a_stem() {
        for group in [
            &["change", "changes", "changed", "changing"][..],
            &["cita", "citas"],
            &["move", "moved", "moving"],
            &["agent", "agente", "agents"],
            &["address", "addresses"],
            &["cambiar", "cambio", "cambie"],
            &["mudar", "mudamos", "mudaron", "mude", "mudo"],
            &["repita", "repitalo", "repitamelo"],
        ] {
            let stems: Vec<String> = group.iter().map(|word| stem(word)).collect();
            assert!(
                stems.windows(2).all(|pair| pair[0] == pair[1]),
                "{group:?} -> {stems:?}"
            );
        }
    }

    #[test]
    fn similar_words_score_high() {
        assert_eq!(sim("case", "case"), 1.0);
        assert!(sim("changed", "change") >= 0.85);
        assert!(sim("mail", "mailing") >= 0.85);
        assert!(sim("gente", "agente") >= 0.75);
        assert!(sim("representive", "representative") >= 0.75);
        assert!(sim("adress", "address") >= 0.75);
    }

    #[test]
    fn unrelated_words_score_zero() {
        assert_eq!(sim("case", "card"), 0.0);
        assert_eq!(sim("form", "farm"), 0.0);
        assert_eq!(sim("90", "9"), 0.0);
        assert_eq!(sim("english", "spanish"), 0.0);
        assert_eq!(sim("tty", "tdd"), 0.0);
        assert_eq!(sim("over", "overseas"), 0.0);
        // A caller's "good" (or a misheard "yes") is not "goodbye".
        assert_eq!(sim("good", "goodbye"), 0.0);
    }

    #[test]
    fn edit_distance_counts_swaps_once() {
        assert_eq!(bounded_edit_distance(b"adress", b"address", 3), Some(1));
        assert_eq!(bounded_edit_distance(b"form", b"from", 3), Some(1));
        assert_eq!(bounded_edit_distance(b"abcdef", b"zyxwvu", 2), None);
    }
}
