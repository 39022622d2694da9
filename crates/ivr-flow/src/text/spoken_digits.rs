//! Digit strings from speech: "one two three", "uno dos tres", "12 34", "oh five", "double seven".

use super::normalize::tokens;

/// All digits spoken in `text`, in order; None if there are none.
///
/// Words that are not digits ("my number is", fillers) are skipped, so a caller may wrap the
/// digits in a sentence. English "oh" counts as zero only next to other digits, where it
/// cannot be an interjection.
pub(crate) fn spoken_digits(text: &str) -> Option<String> {
    let words = tokens(text);
    let is_digits = |index: usize| {
        words
            .get(index)
            .is_some_and(|word| word.bytes().all(|b| b.is_ascii_digit()))
    };
    let is_digit_like =
        |index: usize| is_digits(index) || words.get(index).is_some_and(|word| word == "oh");
    let mut digits = String::new();
    let mut index = 0;
    while index < words.len() {
        let word = words[index].as_str();
        let times = match word {
            "double" => 2,
            "triple" => 3,
            _ => 1,
        };
        if times > 1 && is_digit_like(index + 1) {
            let repeated = single_digit(&words[index + 1]);
            if let Some(digit) = repeated {
                digits.extend(std::iter::repeat_n(digit, times));
                index += 2;
                continue;
            }
        }
        if is_digits(index) {
            digits.push_str(word);
        } else if word == "oh"
            && (is_digit_like(index + 1) || (index > 0 && is_digit_like(index - 1)))
        {
            digits.push('0');
        }
        index += 1;
    }
    (!digits.is_empty()).then_some(digits)
}

fn single_digit(word: &str) -> Option<char> {
    match word {
        "oh" => Some('0'),
        _ if word.len() == 1 => word.chars().next().filter(char::is_ascii_digit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::spoken_digits;

    #[test]
    fn digit_forms() {
        assert_eq!(spoken_digits("one two three").as_deref(), Some("123"));
        assert_eq!(spoken_digits("uno dos tres").as_deref(), Some("123"));
        assert_eq!(spoken_digits("12 34").as_deref(), Some("1234"));
        assert_eq!(
            spoken_digits("my PIN is four oh five").as_deref(),
            Some("405")
        );
        assert_eq!(
            spoken_digits("double seven triple oh one").as_deref(),
            Some("770001")
        );
        assert_eq!(spoken_digits("cero cero siete").as_deref(), Some("007"));
    }

    #[test]
    fn no_digits() {
        assert_eq!(spoken_digits("oh I don't know"), None);
        assert_eq!(spoken_digits("double trouble"), None);
        assert_eq!(spoken_digits(""), None);
    }
}
