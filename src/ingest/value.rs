//! Parsing the fields of an extract: dates, amounts, counts, flags.
//! Each parser names what it expected, for the row's rejection reason.

use chrono::NaiveDate;

use crate::domain::calendar;

/// `YYYY-MM-DD` or `DD.MM.YYYY`, within the span of dates the register accepts.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    let trimmed = text.trim();
    let parsed = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(trimmed, "%d.%m.%Y"))
        .map_err(|_| {
            format!(
                "{:?} is not a date (expected YYYY-MM-DD or DD.MM.YYYY)",
                cut(trimmed)
            )
        })?;
    calendar::within_range(parsed)
}

/// An amount in manats as minor units (1/100): `1234.5`, `1 234,50`, `-3`.
///
/// Integer arithmetic only: a register's totals must add up exactly.
pub fn money(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "{:?} is not an amount (expected e.g. 1234.50 or 1 234,50)",
            cut(text.trim())
        )
    };
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    let (negative, digits) = match compact.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    let (whole, fraction) = match digits.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(if negative { -minor } else { minor })
}

/// A count such as employees: a whole number, spaces as thousands separators allowed.
pub fn count(text: &str) -> Result<i64, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            format!(
                "{:?} is not a whole number of zero or more",
                cut(text.trim())
            )
        })
}

/// A year between 1900 and 2100.
pub fn year(text: &str) -> Result<i32, String> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2100).contains(y))
        .ok_or_else(|| format!("{:?} is not a year", cut(text.trim())))
}

/// `Y`/`N` (also yes/no, true/false, 1/0, any case).
pub fn flag(text: &str) -> Result<bool, String> {
    match text.trim().to_lowercase().as_str() {
        "y" | "yes" | "true" | "1" => Ok(true),
        "n" | "no" | "false" | "0" => Ok(false),
        _ => Err(format!("{:?} is not Y or N", cut(text.trim()))),
    }
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_date_forms() {
        let expected = NaiveDate::from_ymd_opt(2008, 9, 26).unwrap();
        assert_eq!(date("2008-09-26"), Ok(expected));
        assert_eq!(date("26.09.2008"), Ok(expected));
        assert!(date("2008-02-30").is_err());
        assert!(date("09/26/2008").unwrap_err().contains("YYYY-MM-DD"));
    }

    #[test]
    fn dates_outside_the_register_span_are_refused() {
        for outside in ["0001-01-01", "2101-01-01", "31.12.1799", "1799-12-31"] {
            let reason = date(outside).unwrap_err();
            assert!(
                reason.ends_with(
                    "is outside the dates the register accepts (1800-01-01 to 2100-12-31)"
                ),
                "{outside}: {reason}"
            );
        }
        assert!(date("31.12.1799").unwrap_err().starts_with("1799-12-31 "));
        let first = NaiveDate::from_ymd_opt(1800, 1, 1);
        let last = NaiveDate::from_ymd_opt(2100, 12, 31);
        assert_eq!(date("1800-01-01").ok(), first);
        assert_eq!(date("01.01.1800").ok(), first);
        assert_eq!(date("2100-12-31").ok(), last);
        assert_eq!(date("31.12.2100").ok(), last);
    }

    #[test]
    fn amounts_in_both_notations() {
        assert_eq!(money("53794.94"), Ok(5_379_494));
        assert_eq!(money("1 234,5"), Ok(123_450));
        assert_eq!(money("117061"), Ok(11_706_100));
        assert_eq!(money("-3,05"), Ok(-305));
        for bad in ["", "1.2.3", "12,345", "abc", "1e5", "99999999999999999999"] {
            assert!(money(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_years_and_flags() {
        assert_eq!(count("1 250"), Ok(1250));
        assert!(count("-1").is_err());
        assert!(count("2.5").is_err());
        assert_eq!(year("2024"), Ok(2024));
        assert!(year("24").is_err());
        assert_eq!(flag("y"), Ok(true));
        assert_eq!(flag("N"), Ok(false));
        assert!(flag("maybe").is_err());
    }
}
