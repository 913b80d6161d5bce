//! Activity classification codes: NACE Rev. 2.1 and ISIC Rev. 4.

use super::text_enum;

text_enum! {
    /// A classification the register ships.
    Scheme {
        /// NACE Rev. 2.1, the EU classification in force from 2025.
        Nace => "nace",
        /// ISIC Rev. 4, the UN classification.
        Isic => "isic",
    }
}

/// Why a text is not a code of the scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an activity code: expected a section letter or 2 to 4 digits, e.g. 62, 62.1, 62.10 or 6210")]
pub struct BadCode(pub String);

/// Brings a code to the scheme's canonical spelling.
///
/// NACE writes groups and classes with a dot after the division (`62.1`,
/// `62.10`); agencies often drop it (`6210`). ISIC writes digits only. Section
/// letters are accepted in either case.
pub fn canonical_code(scheme: Scheme, text: &str) -> Result<String, BadCode> {
    let trimmed = text.trim();
    let bad = || BadCode(trimmed.chars().take(32).collect());
    if trimmed.len() == 1 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(trimmed.to_ascii_uppercase());
    }
    let digits: String = trimmed.chars().filter(|c| *c != '.').collect();
    let dots = trimmed.len() - digits.len();
    let dot_in_place = dots == 0 || (dots == 1 && trimmed.find('.') == Some(2));
    if !(2..=4).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !dot_in_place
    {
        return Err(bad());
    }
    match scheme {
        Scheme::Isic => Ok(digits),
        Scheme::Nace if digits.len() == 2 => Ok(digits),
        Scheme::Nace => Ok(format!("{}.{}", &digits[..2], &digits[2..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nace_codes_get_their_dot() {
        assert_eq!(canonical_code(Scheme::Nace, "6210").unwrap(), "62.10");
        assert_eq!(canonical_code(Scheme::Nace, "62.1").unwrap(), "62.1");
        assert_eq!(canonical_code(Scheme::Nace, " 62 ").unwrap(), "62");
        assert_eq!(canonical_code(Scheme::Nace, "j").unwrap(), "J");
    }

    #[test]
    fn isic_codes_are_digits_only() {
        assert_eq!(canonical_code(Scheme::Isic, "01.11").unwrap(), "0111");
        assert_eq!(canonical_code(Scheme::Isic, "011").unwrap(), "011");
    }

    #[test]
    fn garbage_is_refused() {
        for text in ["", "6", "62100", "6.210", "AB", "6a", "62..1"] {
            assert!(canonical_code(Scheme::Nace, text).is_err(), "{text}");
        }
    }
}
