//! What a caller waiting for an agent hears, in their language: their place in line and the
//! estimated wait, with numbers said the way each language says them ("one minute", "un
//! minuto", "dos minutos"), and how to ask for a callback instead.

/// Small numbers as words, so a voice reads them as a person would; larger ones as digits.
fn number(n: u64, spanish: bool, feminine: bool) -> String {
    const EN: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    const ES: [&str; 11] = [
        "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
    ];
    match (spanish, n) {
        (true, 1) if feminine => "una".to_string(),
        (true, n) if n <= 10 => ES[n as usize].to_string(),
        (false, n) if n <= 10 => EN[n as usize].to_string(),
        (_, n) => n.to_string(),
    }
}

/// The announcement for a caller at `position` (1 = next) with `wait_s` estimated.
pub fn queue_position(lang: &str, position: usize, wait_s: u64) -> String {
    let spanish = lang.to_ascii_lowercase().starts_with("es");
    let minutes = wait_s.div_ceil(60);
    let position = position as u64;
    if spanish {
        let wait = match minutes {
            0 | 1 => "menos de un minuto".to_string(),
            m => format!("unos {} minutos", number(m, true, false)),
        };
        let place = match position {
            1 => "Usted es la próxima persona en la fila.".to_string(),
            2 => "Hay una persona antes que usted.".to_string(),
            p => format!(
                "Hay {} personas antes que usted.",
                number(p - 1, true, true)
            ),
        };
        format!(
            "{place} El tiempo de espera estimado es de {wait}. Para que un agente le devuelva \
             la llamada, oprima asterisco."
        )
    } else {
        let wait = match minutes {
            0 | 1 => "less than a minute".to_string(),
            m => format!("about {} minutes", number(m, false, false)),
        };
        let place = match position {
            1 => "You are next in line.".to_string(),
            2 => "There is one caller ahead of you.".to_string(),
            p => format!(
                "There are {} callers ahead of you.",
                number(p - 1, false, false)
            ),
        };
        format!(
            "{place} The estimated wait is {wait}. To have an agent call you back instead, \
             press star."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english() {
        assert_eq!(
            queue_position("en-US", 1, 45),
            "You are next in line. The estimated wait is less than a minute. To have an agent \
             call you back instead, press star."
        );
        assert!(queue_position("en-US", 2, 180).starts_with(
            "There is one caller ahead of you. The estimated wait is about three minutes."
        ));
        assert!(queue_position("en-US", 13, 1500).contains("12 callers ahead"));
        assert!(queue_position("en-US", 13, 1500).contains("about 25 minutes"));
    }

    #[test]
    fn spanish() {
        assert!(queue_position("es-US", 1, 30).starts_with(
            "Usted es la próxima persona en la fila. El tiempo de espera estimado es de menos \
             de un minuto."
        ));
        assert!(queue_position("es-US", 2, 121).starts_with("Hay una persona antes que usted."));
        assert!(queue_position("es-US", 3, 121).contains("Hay dos personas antes que usted."));
        assert!(queue_position("es-US", 3, 121).contains("unos tres minutos"));
        assert!(queue_position("es-US", 3, 121).ends_with("oprima asterisco."));
    }
}
