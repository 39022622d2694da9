//! Dates as a person writes them in a caller's language: in a confirmation email, or read out
//! by a prompt ("December 12, 2026", "12 de diciembre de 2026").

use jiff::civil::Date;

pub(crate) const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// `date` in `lang` (a BCP 47 tag: its first part decides); ISO 8601 for languages without a
/// form here.
pub fn written_date(date: Date, lang: &str) -> String {
    let month = usize::try_from(date.month() - 1).unwrap_or(0);
    match lang.split('-').next().unwrap_or_default() {
        "en" => format!("{} {}, {}", MONTHS_EN[month], date.day(), date.year()),
        "es" => format!("{} de {} de {}", date.day(), MONTHS_ES[month], date.year()),
        _ => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_writes_its_own_way() {
        let date = jiff::civil::date(2027, 1, 5);
        assert_eq!(written_date(date, "en-US"), "January 5, 2027");
        assert_eq!(written_date(date, "es-US"), "5 de enero de 2027");
        assert_eq!(written_date(date, "es"), "5 de enero de 2027");
        assert_eq!(written_date(date, "fr-CA"), "2027-01-05");
    }
}
