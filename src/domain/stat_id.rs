//! The register's own unit identifier: nine digits, the last a Damm check digit.
//!
//! A `stat_id` is read aloud on the phone and typed from paper forms, so it is
//! digits only and carries a check digit that catches every single-digit typo
//! and every swap of two adjacent digits (the Damm algorithm guarantees both).
//! It is derived from the unit's internal number, which is handed out once and
//! never reused, so a `stat_id` is stable forever.

use std::fmt;

/// Internal numbers start at 1; adding this keeps every `stat_id` at 8 digits
/// before the check digit, so none starts with a zero that a spreadsheet eats.
const OFFSET: i64 = 10_000_000;
/// The largest internal number that still fits in eight digits.
pub const MAX_UNIT_NUMBER: i64 = 99_999_999 - OFFSET;

/// The Damm quasigroup of order 10 (weakly totally anti-symmetric).
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// A unit's register identifier; wraps the internal unit number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatId(i64);

/// Why a text is not a valid `stat_id`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatIdError {
    /// Nothing was given.
    #[error("stat_id is empty")]
    Empty,
    /// Something other than digits (and ignorable spaces or hyphens).
    #[error("stat_id must contain only digits")]
    NotDigits,
    /// Not nine digits long.
    #[error("stat_id must have 9 digits, got {0}")]
    WrongLength(usize),
    /// The check digit does not match: a typo or a swap of two digits.
    #[error("stat_id check digit does not match (mistyped?)")]
    CheckDigit,
}

impl StatId {
    /// The `stat_id` of the unit with this internal number.
    pub fn from_unit_number(number: i64) -> Self {
        debug_assert!((1..=MAX_UNIT_NUMBER).contains(&number));
        StatId(number)
    }

    /// The internal unit number (the database key).
    pub fn unit_number(self) -> i64 {
        self.0
    }

    /// Parses a `stat_id` as a person typed it: spaces and hyphens are ignored.
    pub fn parse(text: &str) -> Result<Self, StatIdError> {
        let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b' ' | b'-')).collect();
        if digits.is_empty() {
            return Err(StatIdError::Empty);
        }
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(StatIdError::NotDigits);
        }
        if digits.len() != 9 {
            return Err(StatIdError::WrongLength(digits.len()));
        }
        if damm_interim(&digits) != 0 {
            return Err(StatIdError::CheckDigit);
        }
        let body = digits[..8]
            .iter()
            .fold(0_i64, |acc, d| acc * 10 + i64::from(d - b'0'));
        let number = body - OFFSET;
        if number < 1 {
            // A valid check digit on a number below the offset was never issued.
            return Err(StatIdError::CheckDigit);
        }
        Ok(StatId(number))
    }
}

/// Runs the Damm table over ASCII digits; 0 means a valid check digit.
fn damm_interim(digits: &[u8]) -> u8 {
    digits.iter().fold(0, |interim, d| {
        DAMM[usize::from(interim)][usize::from(d - b'0')]
    })
}

impl fmt::Display for StatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = format!("{:08}", self.0 + OFFSET);
        let check = damm_interim(body.as_bytes());
        write!(f, "{body}{check}")
    }
}

impl std::str::FromStr for StatId {
    type Err = StatIdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        StatId::parse(text)
    }
}

impl serde::Serialize for StatId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for StatId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        StatId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_nine_digits_and_parses_back() {
        for number in [1, 2, 42, 123_456, MAX_UNIT_NUMBER] {
            let text = StatId::from_unit_number(number).to_string();
            assert_eq!(text.len(), 9, "{text}");
            assert_eq!(StatId::parse(&text), Ok(StatId(number)));
        }
    }

    #[test]
    fn known_damm_value() {
        // The textbook example: 572 has check digit 4.
        assert_eq!(damm_interim(b"5724"), 0);
        assert_eq!(damm_interim(b"572"), 4);
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        let good = StatId::from_unit_number(4711).to_string().into_bytes();
        for position in 0..good.len() {
            for digit in b'0'..=b'9' {
                if digit == good[position] {
                    continue;
                }
                let mut typo = good.clone();
                typo[position] = digit;
                let text = String::from_utf8(typo).unwrap();
                assert!(StatId::parse(&text).is_err(), "{text} was accepted");
            }
        }
    }

    #[test]
    fn every_adjacent_swap_is_caught() {
        let good = StatId::from_unit_number(98_765).to_string().into_bytes();
        for position in 0..good.len() - 1 {
            if good[position] == good[position + 1] {
                continue;
            }
            let mut swapped = good.clone();
            swapped.swap(position, position + 1);
            let text = String::from_utf8(swapped).unwrap();
            assert!(StatId::parse(&text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn spaces_and_hyphens_are_ignored() {
        let text = StatId::from_unit_number(77).to_string();
        let spaced = format!("{} {}-{}", &text[..3], &text[3..6], &text[6..]);
        assert_eq!(StatId::parse(&spaced), Ok(StatId(77)));
    }

    #[test]
    fn malformed_texts_say_why() {
        assert_eq!(StatId::parse(""), Err(StatIdError::Empty));
        assert_eq!(StatId::parse("12345678X"), Err(StatIdError::NotDigits));
        assert_eq!(StatId::parse("1234"), Err(StatIdError::WrongLength(4)));
    }
}
