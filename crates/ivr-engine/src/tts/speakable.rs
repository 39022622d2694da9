//! Prompt text as a person says it on the phone, before a synthesizer reads it.
//!
//! Operators write prompts the way they write a web page: `800-375-5283`, `USCIS.gov/tools`,
//! `IOE0123456789`, `I-485`, `8 p.m.`. Read literally, a synthesizer says "eight hundred
//! million...", "uscis-gov", or swallows the punctuation. This pass rewrites those forms in
//! words and spaced characters the caller can follow and write down:
//! - phone numbers: digit by digit in groups (`8 0 0, 3 7 5, 5 2 8 3`);
//! - receipt numbers: the letters, then the digits in groups of 3, 3 and 4;
//! - web and email addresses: `dot`/`punto`, `slash`/`barra`, `at`/`arroba`; a label
//!   written in capitals (`USCIS`) is spelled, one in small letters (`tools`) said as a word;
//! - form names (`I-485`): the letter, then the number as people say it ("4 85");
//! - in Spanish, clock times with a.m./p.m. as "de la mañana/tarde/noche".

/// `text` rewritten for speaking in `lang` (`en-*` or `es-*`; others are left as they are).
pub fn speakable(lang: &str, text: &str) -> String {
    let spanish = lang.to_ascii_lowercase().starts_with("es");
    let words = Words::new(spanish);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut index = 0;
    while index < tokens.len() {
        // "(800) 375-5283": the area code in parentheses is its own token.
        if let Some(next) = tokens.get(index + 1)
            && is_area_code(tokens[index])
        {
            let joined = format!("{}{}", tokens[index], next);
            if let Some(spoken) = rewrite_token(&joined, &words) {
                out.push(spoken);
                index += 2;
                continue;
            }
        }
        if spanish
            && let Some(next) = tokens.get(index + 1)
            && let Some(spoken) = spanish_clock_time(tokens[index], next)
        {
            out.push(spoken);
            index += 2;
            continue;
        }
        out.push(rewrite_token(tokens[index], &words).unwrap_or_else(|| tokens[index].to_owned()));
        index += 1;
    }
    out.join(" ")
}

/// The connecting words of addresses in the prompt's language.
struct Words {
    dot: &'static str,
    slash: &'static str,
    at: &'static str,
    dash: &'static str,
    underscore: &'static str,
}

impl Words {
    fn new(spanish: bool) -> Words {
        if spanish {
            Words {
                dot: "punto",
                slash: "barra",
                at: "arroba",
                dash: "guion",
                underscore: "guion bajo",
            }
        } else {
            Words {
                dot: "dot",
                slash: "slash",
                at: "at",
                dash: "dash",
                underscore: "underscore",
            }
        }
    }
}

/// Top-level domains that make a dotted word an address rather than an abbreviation
/// ("U.S.", "a.m.").
const DOMAINS: [&str; 12] = [
    "gov", "com", "org", "net", "edu", "mil", "us", "io", "info", "mx", "es", "int",
];

fn is_area_code(token: &str) -> bool {
    let inner = token.strip_prefix('(').and_then(|t| t.strip_suffix(')'));
    inner.is_some_and(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The token's spoken form when it is a number or address to rewrite; punctuation around
/// it stays where it was.
fn rewrite_token(token: &str, words: &Words) -> Option<String> {
    let start = token
        .find(|c: char| c.is_ascii_alphanumeric() || c == '(' || c == '+')
        .unwrap_or(token.len());
    let end = token
        .rfind(|c: char| c.is_ascii_alphanumeric() || c == '/')
        .map_or(start, |i| i + 1)
        .max(start);
    let (lead, core, trail) = (&token[..start], &token[start..end], &token[end..]);
    let spoken = receipt_number(core)
        .or_else(|| phone_number(core))
        .or_else(|| address(core, words))
        .or_else(|| form_name(core))?;
    // A comma after a group is a pause; keep the sentence's own punctuation after it.
    Some(format!("{lead}{spoken}{trail}"))
}

/// `IOE0123456789` -> `I O E, 0 1 2, 3 4 5, 6 7 8 9`.
fn receipt_number(core: &str) -> Option<String> {
    let bytes = core.as_bytes();
    let is_receipt = bytes.len() == 13
        && bytes[..3].iter().all(u8::is_ascii_alphabetic)
        && bytes[3..].iter().all(u8::is_ascii_digit);
    if !is_receipt {
        return None;
    }
    let letters = spaced(&core[..3].to_ascii_uppercase());
    Some(format!(
        "{letters}, {}",
        digit_groups(&core[3..], &[3, 3, 4])
    ))
}

/// A North American number written with separators (`800-375-5283`, `(800)375-5283`,
/// `+1 ...`) or as 10-11 bare digits: said digit by digit in its groups.
fn phone_number(core: &str) -> Option<String> {
    if !core
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | '(' | ')' | '+'))
    {
        return None;
    }
    let digits: String = core.chars().filter(char::is_ascii_digit).collect();
    let has_separator = core.len() > digits.len();
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('1') => &digits[1..],
        _ => return None,
    };
    if !has_separator && !core.starts_with('+') && digits.len() != 10 {
        return None;
    }
    let groups = digit_groups(national, &[3, 3, 4]);
    Some(if digits.len() == 11 {
        format!("1, {groups}")
    } else {
        groups
    })
}

/// `uscis.gov/tools`, `https://www.USCIS.gov`, `help@uscis.gov`.
fn address(core: &str, words: &Words) -> Option<String> {
    let bare = core
        .strip_prefix("https://")
        .or_else(|| core.strip_prefix("http://"))
        .unwrap_or(core);
    let (host, path) = match bare.find('/') {
        Some(at) => (&bare[..at], &bare[at..]),
        None => (bare, ""),
    };
    let (user, domain) = match host.split_once('@') {
        Some((user, domain)) => (Some(user), domain),
        None => (None, host),
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let top = labels.last()?.to_ascii_lowercase();
    let well_formed = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !well_formed || !DOMAINS.contains(&top.as_str()) {
        return None;
    }
    let mut spoken: Vec<String> = Vec::new();
    if let Some(user) = user {
        spoken.push(address_part(user, words));
        spoken.push(words.at.to_owned());
    }
    let domain_words: Vec<String> = labels.iter().map(|l| address_part(l, words)).collect();
    spoken.push(domain_words.join(&format!(" {} ", words.dot)));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        spoken.push(words.slash.to_owned());
        spoken.push(address_part(segment, words));
    }
    Some(spoken.join(" "))
}

/// One part of an address: capitals spelled, small letters said, digits one by one, and the
/// punctuation inside it named.
fn address_part(part: &str, words: &Words) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        if word.chars().all(|c| c.is_ascii_uppercase()) && word.len() > 1 {
            out.push(spaced(word));
        } else {
            out.push(word.to_ascii_lowercase());
        }
        word.clear();
    };
    for c in part.chars() {
        match c {
            '.' | '-' | '_' => {
                flush(&mut word, &mut out);
                out.push(
                    match c {
                        '.' => words.dot,
                        '-' => words.dash,
                        _ => words.underscore,
                    }
                    .to_owned(),
                );
            }
            '0'..='9' => {
                flush(&mut word, &mut out);
                out.push(c.to_string());
            }
            _ => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out.join(" ")
}

/// `I-485` -> `I 4 85`, `N-400` -> `N 400`, `I-90` -> `I 90`: how form names are said.
fn form_name(core: &str) -> Option<String> {
    let (letter, rest) = core.split_once('-')?;
    let number_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let valid = letter.len() == 1
        && letter.chars().all(|c| c.is_ascii_uppercase())
        && (1..=4).contains(&number.len())
        && suffix.len() <= 1
        && suffix.chars().all(|c| c.is_ascii_uppercase());
    if !valid {
        return None;
    }
    let said = match number.len() {
        3 if !number.ends_with("00") && !number[1..].starts_with('0') => {
            format!("{} {}", &number[..1], &number[1..])
        }
        3 if !number.ends_with("00") => {
            format!("{} {} {}", &number[..1], &number[1..2], &number[2..])
        }
        _ => number.to_owned(),
    };
    Some(if suffix.is_empty() {
        format!("{letter} {said}")
    } else {
        format!("{letter} {said} {suffix}")
    })
}

/// `8 p.m.` -> `8 de la noche`, `12 p.m.` -> `12 del mediodía`, `8:30 a.m.` ->
/// `8 y 30 de la mañana`: Spanish speakers do not say a.m. and p.m.
fn spanish_clock_time(time: &str, marker: &str) -> Option<String> {
    let marker_core: String = marker
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    let trail_start = marker
        .rfind(|c: char| c.is_ascii_alphabetic())
        .map_or(marker.len(), |i| i + 1);
    let mut trail = &marker[trail_start..];
    // "p.m." ends in its own dot; only what follows that belongs to the sentence.
    if marker[..trail_start].contains('.') {
        trail = trail.strip_prefix('.').unwrap_or(trail);
    }
    let afternoon = match marker_core.as_str() {
        "am" => false,
        "pm" => true,
        _ => return None,
    };
    let (hour, minute) = match time.split_once(':') {
        Some((h, m)) => (h, Some(m)),
        None => (time, None),
    };
    let hour: u32 = hour.parse().ok().filter(|h| (1..=12).contains(h))?;
    let minute = match minute {
        Some(m) if m.len() == 2 => Some(m.parse::<u32>().ok().filter(|m| *m < 60)?),
        Some(_) => return None,
        None => None,
    };
    let part = match (afternoon, hour) {
        (false, _) => "de la mañana",
        (true, 12) => "del mediodía",
        (true, 1..=7) => "de la tarde",
        (true, _) => "de la noche",
    };
    let clock = match minute {
        Some(0) | None => hour.to_string(),
        Some(m) => format!("{hour} y {m}"),
    };
    Some(format!("{clock} {part}{trail}"))
}

fn spaced(text: &str) -> String {
    let chars: Vec<String> = text.chars().map(String::from).collect();
    chars.join(" ")
}

/// `digits` cut into groups of the given sizes (the last takes the rest), each spaced.
fn digit_groups(digits: &str, sizes: &[usize]) -> String {
    let mut groups = Vec::new();
    let mut rest = digits;
    for (i, &size) in sizes.iter().enumerate() {
        if rest.is_empty() {
            break;
        }
        let take = if i + 1 == sizes.len() {
            rest.len()
        } else {
            size.min(rest.len())
        };
        groups.push(spaced(&rest[..take]));
        rest = &rest[take..];
    }
    groups.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_said_digit_by_digit_in_groups() {
        assert_eq!(
            speakable("en-US", "call 800-375-5283."),
            "call 8 0 0, 3 7 5, 5 2 8 3."
        );
        assert_eq!(
            speakable("en-US", "call (212) 620-3418 now"),
            "call 2 1 2, 6 2 0, 3 4 1 8 now"
        );
        assert_eq!(
            speakable("es-US", "al +1-800-767-1833,"),
            "al 1, 8 0 0, 7 6 7, 1 8 3 3,"
        );
        // Other numbers are numbers.
        assert_eq!(speakable("en-US", "valid for 90 days"), "valid for 90 days");
        assert_eq!(speakable("en-US", "press 4 6 3"), "press 4 6 3");
        assert_eq!(speakable("en-US", "in 2026-12"), "in 2026-12");
    }

    #[test]
    fn receipt_numbers_are_spelled_in_groups() {
        assert_eq!(
            speakable("en-US", "case IOE0123456789?"),
            "case I O E, 0 1 2, 3 4 5, 6 7 8 9?"
        );
    }

    #[test]
    fn web_and_email_addresses_are_read_out() {
        assert_eq!(
            speakable("en-US", "at USCIS.gov/tools."),
            "at U S C I S dot gov slash tools."
        );
        assert_eq!(
            speakable("es-US", "en USCIS.gov/tools y"),
            "en U S C I S punto gov barra tools y"
        );
        assert_eq!(
            speakable("en-US", "https://my.USCIS.gov"),
            "my dot U S C I S dot gov"
        );
        assert_eq!(
            speakable("es-US", "escriba a ayuda@uscis.gov"),
            "escriba a ayuda arroba uscis punto gov"
        );
        assert_eq!(
            speakable("en-US", "maria.lopez@gmail.com"),
            "maria dot lopez at gmail dot com"
        );
        // Abbreviations are not addresses.
        assert_eq!(
            speakable("en-US", "the U.S. at 8 a.m."),
            "the U.S. at 8 a.m."
        );
    }

    #[test]
    fn form_names_are_said_as_people_say_them() {
        assert_eq!(speakable("en-US", "Form I-485,"), "Form I 4 85,");
        assert_eq!(speakable("en-US", "N-400 and I-90"), "N 400 and I 90");
        assert_eq!(speakable("en-US", "I-601A"), "I 6 0 1 A");
        assert_eq!(speakable("en-US", "e-mail"), "e-mail");
    }

    #[test]
    fn spanish_clock_times_name_the_part_of_day() {
        assert_eq!(
            speakable("es-US", "de 8 a.m. a 8 p.m., hora del Este"),
            "de 8 de la mañana a 8 de la noche, hora del Este"
        );
        assert_eq!(speakable("es-US", "a las 12 p.m."), "a las 12 del mediodía");
        assert_eq!(
            speakable("es-US", "a las 3:30 pm."),
            "a las 3 y 30 de la tarde."
        );
        assert_eq!(speakable("es-US", "8 am"), "8 de la mañana");
        // English keeps a.m. and p.m.; Spanish without a marker is left alone.
        assert_eq!(speakable("en-US", "8 a.m. to 8 p.m."), "8 a.m. to 8 p.m.");
        assert_eq!(speakable("es-US", "las 24 horas"), "las 24 horas");
    }

    #[test]
    fn other_text_is_unchanged() {
        let text = "Thank you for calling. For English, press 1.";
        assert_eq!(speakable("en-US", text), text);
        assert_eq!(speakable("ko-KR", "800-375-5283"), "8 0 0, 3 7 5, 5 2 8 3");
    }
}
