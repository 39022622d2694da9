//! Words that say nothing about what a caller wants.
//!
//! One list covers both languages: callers mix them and the matcher does not know the
//! utterance language up front. Light verbs of wanting ("need", "quiero") are here too, since
//! nearly every request starts with them, and so is politeness ("please", "thanks"), which
//! callers add to any request. Words that do separate intents ("no", "again", "over", "all")
//! are deliberately absent.

/// Two-word fillers whose words alone do mean something: "never mind" is not "never".
const FILLER_PAIRS: [(&str, &str); 4] = [
    ("never", "mind"),
    ("you", "know"),
    ("i", "mean"),
    ("o", "sea"),
];

/// `words` without the two-word fillers.
pub(crate) fn without_filler_pairs(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut index = 0;
    while index < words.len() {
        let pair = words
            .get(index + 1)
            .map(|next| (words[index].as_str(), next.as_str()));
        if pair.is_some_and(|pair| FILLER_PAIRS.contains(&pair)) {
            index += 2;
            continue;
        }
        out.push(words[index].clone());
        index += 1;
    }
    out
}

/// True for function words, fillers and politeness that should not count toward a match.
pub(crate) fn is_stopword(word: &str) -> bool {
    is_english_stopword(word) || is_spanish_stopword(word) || is_filler(word)
}

fn is_english_stopword(word: &str) -> bool {
    matches!(
        word,
        "a" | "an"
            | "the"
            | "i"
            | "im"
            | "id"
            | "ive"
            | "ill"
            | "me"
            | "my"
            | "mine"
            | "myself"
            | "you"
            | "your"
            | "we"
            | "us"
            | "our"
            | "it"
            | "its"
            | "is"
            | "am"
            | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "being"
            | "to"
            | "of"
            | "in"
            | "on"
            | "at"
            | "for"
            | "with"
            | "from"
            | "by"
            | "about"
            | "into"
            | "and"
            | "or"
            | "but"
            | "so"
            | "do"
            | "does"
            | "did"
            | "can"
            | "could"
            | "would"
            | "will"
            | "should"
            | "shall"
            | "may"
            | "might"
            | "have"
            | "has"
            | "had"
            | "that"
            | "thats"
            | "this"
            | "these"
            | "those"
            | "there"
            | "theres"
            | "what"
            | "whats"
            | "how"
            | "which"
            | "who"
            | "some"
            | "any"
            | "please"
            | "just"
            | "want"
            | "wanna"
            | "need"
            | "needs"
            | "gonna"
            | "get"
            | "got"
            | "youre"
            | "okay"
            | "hi"
            | "hello"
            | "hey"
            | "also"
            | "if"
            | "then"
    )
}

fn is_spanish_stopword(word: &str) -> bool {
    matches!(
        word,
        "el" | "la"
            | "los"
            | "las"
            | "lo"
            | "le"
            | "les"
            | "un"
            | "una"
            | "unos"
            | "unas"
            | "de"
            | "del"
            | "al"
            | "a"
            | "en"
            | "con"
            | "por"
            | "para"
            | "y"
            | "e"
            | "o"
            | "que"
            | "mi"
            | "mis"
            | "me"
            | "se"
            | "su"
            | "sus"
            | "tu"
            | "yo"
            | "nos"
            | "es"
            | "son"
            | "esta"
            | "estoy"
            | "eso"
            | "esto"
            | "era"
            | "ser"
            | "hay"
            | "ya"
            | "si"
            | "favor"
            | "quiero"
            | "quisiera"
            | "queria"
            | "necesito"
            | "necesitaria"
            | "puedo"
            | "puede"
            | "pueden"
            | "podria"
            | "tengo"
            | "tiene"
            | "como"
            | "cual"
            | "cuales"
            | "donde"
            | "hola"
            | "usted"
            | "ustedes"
    )
}

/// Hesitations, discourse markers and politeness recognizers transcribe verbatim.
fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "um" | "umm"
            | "uh"
            | "uhm"
            | "uhh"
            | "eh"
            | "ehh"
            | "ah"
            | "ahh"
            | "hmm"
            | "mm"
            | "mmm"
            | "er"
            | "erm"
            | "like"
            | "well"
            | "oh"
            | "este"
            | "pues"
            | "bueno"
            | "mira"
            | "mire"
            | "oiga"
            | "oye"
            | "yes"
            | "yeah"
            | "yep"
            | "yup"
            | "sure"
            | "ok"
            | "sorry"
            | "because"
            | "cause"
            | "actually"
            | "really"
            | "porque"
            | "thank"
            | "thanks"
            | "gracias"
            | "perdon"
            | "now"
            | "mind"
            | "muy"
            | "amable"
            | "alright"
            | "anyway"
            | "ahora"
            | "ahorita"
            | "entonces"
            | "disculpe"
    )
}

#[cfg(test)]
mod tests {
    use super::is_stopword;

    #[test]
    fn function_words_and_fillers_are_stopwords() {
        for word in [
            "the", "um", "este", "pues", "quiero", "like", "whats", "de", "yeah", "gracias",
        ] {
            assert!(is_stopword(word), "{word}");
        }
    }

    #[test]
    fn words_that_separate_intents_are_kept() {
        for word in [
            "no", "again", "over", "all", "agente", "english", "espanol", "bye", "adios",
        ] {
            assert!(!is_stopword(word), "{word}");
        }
    }
}
