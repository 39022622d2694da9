//! English and Spanish number words to digits.
//!
//! Recognizers write "twenty one", "21" or "veintiuno" for the same speech; turning words into
//! digits makes them compare equal. Digit-by-digit speech ("one two three") stays separate
//! numbers because a unit never combines with a following unit.

/// What a single (already folded) word contributes to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberWord {
    /// "zero"/"cero": only ever a number on its own.
    Zero,
    /// 1..=9; can be a multiplier of "hundred" or finish a tens word.
    Unit(u64),
    /// A finished value below 100 that takes nothing after it (10..=19, Spanish 21..=29).
    Closed(u64),
    /// 20, 30, ... 90: may be followed by a unit ("twenty one", "treinta y uno").
    Tens(u64),
    /// Spanish 100..=900 words ("ciento", "quinientos").
    Hundreds(u64),
    /// English "hundred": multiplies the unit before it.
    HundredMultiplier,
    /// thousand/mil, million/millon.
    Scale(u64),
    /// Spanish "un"/"una": 1 only inside a number, otherwise an article.
    Article,
}

fn classify(word: &str) -> Option<NumberWord> {
    use NumberWord::*;
    let class = match word {
        "zero" | "cero" => Zero,
        "one" | "uno" => Unit(1),
        "two" | "dos" => Unit(2),
        "three" | "tres" => Unit(3),
        "four" | "cuatro" => Unit(4),
        "five" | "cinco" => Unit(5),
        "six" | "seis" => Unit(6),
        "seven" | "siete" => Unit(7),
        "eight" | "ocho" => Unit(8),
        "nine" | "nueve" => Unit(9),
        "ten" | "diez" => Closed(10),
        "eleven" | "once" => Closed(11),
        "twelve" | "doce" => Closed(12),
        "thirteen" | "trece" => Closed(13),
        "fourteen" | "catorce" => Closed(14),
        "fifteen" | "quince" => Closed(15),
        "sixteen" | "dieciseis" => Closed(16),
        "seventeen" | "diecisiete" => Closed(17),
        "eighteen" | "dieciocho" => Closed(18),
        "nineteen" | "diecinueve" => Closed(19),
        "twenty" | "veinte" => Tens(20),
        "veintiuno" | "veintiun" | "veintiuna" => Closed(21),
        "veintidos" => Closed(22),
        "veintitres" => Closed(23),
        "veinticuatro" => Closed(24),
        "veinticinco" => Closed(25),
        "veintiseis" => Closed(26),
        "veintisiete" => Closed(27),
        "veintiocho" => Closed(28),
        "veintinueve" => Closed(29),
        "thirty" | "treinta" => Tens(30),
        "forty" | "fourty" | "cuarenta" => Tens(40),
        "fifty" | "cincuenta" => Tens(50),
        "sixty" | "sesenta" => Tens(60),
        "seventy" | "setenta" => Tens(70),
        "eighty" | "ochenta" => Tens(80),
        "ninety" | "noventa" => Tens(90),
        "cien" | "ciento" => Hundreds(100),
        "doscientos" | "doscientas" => Hundreds(200),
        "trescientos" | "trescientas" => Hundreds(300),
        "cuatrocientos" | "cuatrocientas" => Hundreds(400),
        "quinientos" | "quinientas" => Hundreds(500),
        "seiscientos" | "seiscientas" => Hundreds(600),
        "setecientos" | "setecientas" => Hundreds(700),
        "ochocientos" | "ochocientas" => Hundreds(800),
        "novecientos" | "novecientas" => Hundreds(900),
        "hundred" => HundredMultiplier,
        "thousand" | "mil" => Scale(1_000),
        "million" | "millon" | "millones" => Scale(1_000_000),
        "un" | "una" => Article,
        _ => return None,
    };
    Some(class)
}

/// The single digit a word names, for parsers that read digit strings ("one" -> 1, "cero" -> 0).
pub(crate) fn digit_word(word: &str) -> Option<u8> {
    match classify(word)? {
        NumberWord::Zero => Some(0),
        NumberWord::Unit(n) => u8::try_from(n).ok(),
        _ => None,
    }
}

/// Replaces every run of number words with its value; other words pass through unchanged.
pub(crate) fn number_words_to_digits(words: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut index = 0;
    while index < words.len() {
        match parse_number(words, index) {
            Some((value, next)) => {
                out.push(value.to_string());
                index = next;
            }
            None => {
                out.push(words[index].to_owned());
                index += 1;
            }
        }
    }
    out
}

fn class_at(words: &[&str], index: usize) -> Option<NumberWord> {
    words.get(index).and_then(|word| classify(word))
}

fn word_at<'a>(words: &[&'a str], index: usize) -> Option<&'a str> {
    words.get(index).copied()
}

/// A full number starting at `start`: groups below 1000 joined by decreasing scales.
fn parse_number(words: &[&str], start: usize) -> Option<(u64, usize)> {
    if class_at(words, start) == Some(NumberWord::Zero) {
        return Some((0, start + 1));
    }
    let mut total = 0u64;
    let mut index = start;
    let mut last_scale = u64::MAX;
    let mut parsed_any = false;
    loop {
        // English allows "one thousand and five".
        let group_start = if parsed_any
            && word_at(words, index) == Some("and")
            && parse_group(words, index + 1, false).is_some()
        {
            index + 1
        } else {
            index
        };
        let group = parse_group(words, group_start, parsed_any)
            .or_else(|| implied_one(words, group_start, last_scale));
        let Some((value, after_group)) = group else {
            break;
        };
        match class_at(words, after_group) {
            Some(NumberWord::Scale(scale)) if scale < last_scale => {
                total += value * scale;
                last_scale = scale;
                index = after_group + 1;
                parsed_any = true;
            }
            _ => {
                total += value;
                index = after_group;
                parsed_any = true;
                break;
            }
        }
    }
    parsed_any.then_some((total, index))
}

/// "mil" and "un millón" carry an implied 1; bare "hundred" means 100.
///
/// The scale must still be below `last_scale`, otherwise "mil mil" would count the second
/// "mil" as an extra 1.
fn implied_one(words: &[&str], index: usize, last_scale: u64) -> Option<(u64, usize)> {
    let smaller_scale =
        |at: usize| matches!(class_at(words, at), Some(NumberWord::Scale(s)) if s < last_scale);
    match class_at(words, index)? {
        NumberWord::Scale(_) if smaller_scale(index) => Some((1, index)),
        NumberWord::HundredMultiplier => Some((100, index + 1)),
        NumberWord::Article if smaller_scale(index + 1) => Some((1, index + 1)),
        _ => None,
    }
}

/// A value below 1000 starting at `start`.
///
/// `after_scale` allows an article as the whole group ("mil un"), which otherwise reads as
/// the Spanish article rather than a number.
fn parse_group(words: &[&str], start: usize, after_scale: bool) -> Option<(u64, usize)> {
    let (hundreds, index) = match (class_at(words, start), class_at(words, start + 1)) {
        (Some(NumberWord::Unit(n)), Some(NumberWord::HundredMultiplier)) => {
            (Some(n * 100), start + 2)
        }
        (Some(NumberWord::Hundreds(n)), _) => (Some(n), start + 1),
        _ => (None, start),
    };
    match hundreds {
        Some(hundreds) => {
            let tail_start = if word_at(words, index) == Some("and")
                && parse_below_hundred(words, index + 1, true).is_some()
            {
                index + 1
            } else {
                index
            };
            match parse_below_hundred(words, tail_start, true) {
                Some((rest, next)) => Some((hundreds + rest, next)),
                None => Some((hundreds, index)),
            }
        }
        None => parse_below_hundred(words, start, after_scale),
    }
}

/// A value in 1..=99 starting at `start`; `article_ok` lets "un"/"una" stand for 1.
fn parse_below_hundred(words: &[&str], start: usize, article_ok: bool) -> Option<(u64, usize)> {
    match class_at(words, start)? {
        NumberWord::Unit(n) | NumberWord::Closed(n) => Some((n, start + 1)),
        NumberWord::Article if article_ok => Some((1, start + 1)),
        NumberWord::Tens(tens) => {
            let unit_after = |index: usize| match class_at(words, index) {
                Some(NumberWord::Unit(n)) => Some(n),
                Some(NumberWord::Article) => Some(1),
                _ => None,
            };
            if let Some(Some(n)) =
                (word_at(words, start + 1) == Some("y")).then(|| unit_after(start + 2))
            {
                Some((tens + n, start + 3))
            } else if let Some(NumberWord::Unit(n)) = class_at(words, start + 1) {
                Some((tens + n, start + 2))
            } else {
                Some((tens, start + 1))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(text: &str) -> String {
        let words: Vec<&str> = text.split(' ').collect();
        number_words_to_digits(&words).join(" ")
    }

    #[test]
    fn english_numbers() {
        assert_eq!(convert("twenty one"), "21");
        assert_eq!(convert("one hundred and five"), "105");
        assert_eq!(convert("three hundred twenty"), "320");
        assert_eq!(convert("two thousand five"), "2005");
        assert_eq!(convert("one million two hundred thousand"), "1200000");
        assert_eq!(convert("a hundred days"), "a 100 days");
    }

    #[test]
    fn spanish_numbers() {
        assert_eq!(convert("treinta y uno"), "31");
        assert_eq!(convert("treinta y un dias"), "31 dias");
        assert_eq!(convert("ciento un"), "101");
        assert_eq!(convert("mil novecientos noventa"), "1990");
        assert_eq!(convert("dos mil"), "2000");
        assert_eq!(convert("un millon"), "1000000");
        assert_eq!(convert("dieciseis"), "16");
    }

    #[test]
    fn digit_sequences_stay_separate() {
        assert_eq!(convert("one two three"), "1 2 3");
        assert_eq!(convert("cero uno dos"), "0 1 2");
        assert_eq!(convert("zero zero"), "0 0");
        assert_eq!(convert("twenty twenty"), "20 20");
    }

    #[test]
    fn articles_and_connectors_stay_words() {
        assert_eq!(convert("quiero una cita"), "quiero una cita");
        assert_eq!(convert("con un agente"), "con un agente");
        assert_eq!(convert("you and me"), "you and me");
        assert_eq!(convert("treinta y"), "30 y");
        assert_eq!(convert("cats and dogs y gatos"), "cats and dogs y gatos");
    }

    #[test]
    fn digit_words() {
        assert_eq!(digit_word("oh"), None);
        assert_eq!(digit_word("cero"), Some(0));
        assert_eq!(digit_word("nine"), Some(9));
        assert_eq!(digit_word("ten"), None);
    }
}
