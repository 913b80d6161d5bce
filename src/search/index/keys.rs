//! How a unit's values are encoded in the fields that order and rank it:
//! the relevance tie-break, the name order and the date order.

use chrono::NaiveDate;

/// The `sort_name` of a unit: its folded name, then its number, so that
/// namesakes have an order too. Units without a name come last.
pub fn name_key(folded_name: Option<&str>, unit: u64) -> String {
    // \u{1} sorts before every letter and the space, so "ak" < "ak yol";
    // \u{7f} sorts after every folded letter.
    let name = folded_name
        .filter(|name| !name.is_empty())
        .unwrap_or("\u{7f}");
    format!("{name}\u{1}{unit:010}")
}

/// The `sort_registered` of a unit: the registration day in the high bits,
/// the unit number in the low 32. No date counts as the earliest.
pub fn registered_key(registered: Option<NaiveDate>, unit: u64) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or_default();
    let day = registered.map_or(0, |date| (date - epoch).num_days().max(0) as u64 + 1);
    (day << 32) | (unit & 0xffff_ffff)
}

/// Packs what breaks ties of relevance into one fast field, so that ranking
/// reads one column per matching unit, not four: 1 bit alive, 4 bits of
/// how complete the record is, 8 bits of name length, 40 bits of unit
/// number, from the highest.
pub fn tiebreak(alive: bool, complete: u8, words: usize, unit: u64) -> u64 {
    let standing = (u64::from(alive) << 4) | u64::from(complete.min(15));
    (standing << 48) | ((words.min(255) as u64) << 40) | (unit & UNIT_BITS)
}

/// The bits of `tiebreak` holding the unit number.
pub const UNIT_BITS: u64 = (1 << 40) - 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_sort_by_name_then_number_and_nameless_last() {
        let mut keys = [
            name_key(Some("ak yol"), 12),
            name_key(None, 1),
            name_key(Some("ak"), 99),
            name_key(Some("ak yol"), 3),
            name_key(Some("zer"), 2),
        ];
        keys.sort();
        let expected = [
            name_key(Some("ak"), 99),
            name_key(Some("ak yol"), 3),
            name_key(Some("ak yol"), 12),
            name_key(Some("zer"), 2),
            name_key(None, 1),
        ];
        assert_eq!(keys, expected);
    }

    #[test]
    fn registered_keys_sort_by_day_then_number_and_undated_first() {
        let day = |text: &str| text.parse::<NaiveDate>().ok();
        let keys = [
            registered_key(None, 9),
            registered_key(day("1800-01-01"), 5),
            registered_key(day("2001-03-04"), 2),
            registered_key(day("2001-03-04"), 7),
            registered_key(day("2001-03-05"), 1),
        ];
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "{keys:?}");
    }
}
