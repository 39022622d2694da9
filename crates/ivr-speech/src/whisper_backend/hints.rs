//! The hint prompt: expected phrases given to Whisper as "previous text".
//!
//! Whisper conditions on text placed before `<|startoftranscript|>`, which nudges spelling and
//! vocabulary toward it ("representative", "FOIA", "I-485"). Long prompts hurt: the model starts
//! copying them, and on unclear audio it may output the prompt itself. So the prompt is a short
//! comma-separated list of the most distinctive phrases, within a token budget.

use std::collections::HashMap;

/// Lowercase words of a phrase, punctuation dropped.
pub(crate) fn words(phrase: &str) -> Vec<String> {
    phrase
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        })
        .filter(|w: &String| !w.is_empty())
        .collect()
}

/// Picks phrases for the prompt: those whose words occur in the fewest other phrases first
/// (a phrase made of words shared by many examples, like "I need to", says little), while
/// `count_tokens` of the result stays within `budget`. Returns them in their original order,
/// so the same phrase list always gives the same prompt.
pub(crate) fn select_phrases(
    phrases: &[String],
    budget: usize,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Vec<String> {
    let mut unique: Vec<(usize, &str, Vec<String>)> = Vec::new();
    for (i, p) in phrases.iter().enumerate() {
        let p = p.trim();
        let w = words(p);
        if !w.is_empty() && !unique.iter().any(|(_, _, seen)| *seen == w) {
            unique.push((i, p, w));
        }
    }
    let mut doc_freq: HashMap<&str, usize> = HashMap::new();
    for (_, _, ws) in &unique {
        let mut distinct: Vec<&str> = ws.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for w in distinct {
            *doc_freq.entry(w).or_default() += 1;
        }
    }
    let rarity = |ws: &[String]| -> f64 {
        let sum: f64 = ws
            .iter()
            .map(|w| 1.0 / doc_freq.get(w.as_str()).copied().unwrap_or(1) as f64)
            .sum();
        sum / ws.len() as f64
    };
    let mut ranked: Vec<(f64, usize, usize, &str)> = unique
        .iter()
        .map(|(i, p, ws)| (rarity(ws), ws.len(), *i, *p))
        .collect();
    // Rarest first; among equals the shorter phrase, then the earlier one.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut chosen: Vec<(usize, &str)> = Vec::new();
    let mut used: usize = 0;
    for (_, _, i, p) in ranked {
        // Each phrase enters the prompt as " phrase," so count it that way.
        let cost = count_tokens(&format!(" {p},"));
        if used.saturating_add(cost) <= budget {
            used += cost;
            chosen.push((i, p));
        }
    }
    chosen.sort_unstable_by_key(|(i, _)| *i);
    chosen.into_iter().map(|(_, p)| p.to_string()).collect()
}

/// The prompt text for the chosen phrases, with the leading space Whisper's previous-text
/// convention expects.
pub(crate) fn prompt_text(chosen: &[String]) -> String {
    if chosen.is_empty() {
        String::new()
    } else {
        format!(" {}.", chosen.join(", "))
    }
}

/// Whether `text` reproduces the prompt: two phrases that sit next to each other in the prompt
/// appear back to back in the transcript. Whisper does that when it cannot make out the audio
/// ("I want to speak to someone, FOIA request."); a caller saying two hint phrases in exactly
/// the prompt's order is far less likely.
pub(crate) fn copies_prompt(text: &str, chosen: &[String]) -> bool {
    let heard = words(text);
    chosen.windows(2).any(|pair| {
        let run: Vec<String> = words(&pair[0]).into_iter().chain(words(&pair[1])).collect();
        !run.is_empty() && heard.windows(run.len()).any(|w| w == run.as_slice())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_words(s: &str) -> usize {
        s.split_whitespace().count()
    }

    #[test]
    fn prefers_distinctive_phrases_within_budget() {
        let phrases: Vec<String> = [
            "I need to talk to someone",
            "I need to check my case",
            "representative",
            "Representative",
            "",
            "change of address",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let chosen = select_phrases(&phrases, 4, &by_words);
        assert_eq!(chosen, ["representative", "change of address"]);
        assert_eq!(prompt_text(&chosen), " representative, change of address.");
        assert!(select_phrases(&[], 40, &by_words).is_empty());
        assert_eq!(prompt_text(&[]), "");
    }

    #[test]
    fn notices_a_copied_prompt() {
        let chosen: Vec<String> = ["agent", "check my case status", "FOIA request"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(copies_prompt(
            "I want to be an agent, check my case status,",
            &chosen
        ));
        assert!(copies_prompt(
            "Check my case status. FOIA request.",
            &chosen
        ));
        assert!(!copies_prompt("I want to check my case status", &chosen));
        assert!(!copies_prompt("FOIA request, agent", &chosen));
        assert!(!copies_prompt("agent", &[]));
    }
}
