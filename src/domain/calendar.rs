//! The dates the register accepts: 1800-01-01 to 2100-12-31.
//!
//! No enterprise was registered before 1800 or will be after 2100, and
//! dates far outside that span break arithmetic elsewhere: the history
//! subtracts a day from a version's start, and the search index keeps
//! dates as timestamps that overflow near year ±262,000. So every date
//! from outside (a CSV field, a query parameter, a JSON body) is checked
//! here, once, at the edge.

use chrono::NaiveDate;

/// The first day the register accepts.
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1800, 1, 1) {
    Some(day) => day,
    None => panic!("a valid date"),
};

/// The last day the register accepts.
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(day) => day,
    None => panic!("a valid date"),
};

/// Why a text is not a date the register accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadDay {
    /// Not written YYYY-MM-DD.
    Form(String),
    /// A date outside 1800-01-01 to 2100-12-31.
    Range(String),
}

/// Reads a date written exactly YYYY-MM-DD within the register's span: the
/// one rule for query parameters, JSON bodies and flags.
pub fn parse(text: &str) -> Result<NaiveDate, BadDay> {
    let form = || {
        let shown: String = text.chars().take(32).collect();
        BadDay::Form(format!("{shown:?} is not a date in the form YYYY-MM-DD"))
    };
    // chrono would also take `2024-1-1` or `+2024-01-01`: the form is exact.
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(at, byte)| match at {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        return Err(form());
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| form())?;
    within_range(day).map_err(BadDay::Range)
}

/// The date itself when the register accepts it, else why not.
pub fn within_range(date: NaiveDate) -> Result<NaiveDate, String> {
    if (FIRST_DAY..=LAST_DAY).contains(&date) {
        return Ok(date);
    }
    Err(format!(
        "{date} is outside the dates the register accepts ({FIRST_DAY} to {LAST_DAY})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_is_inclusive_at_both_ends() {
        assert_eq!(within_range(FIRST_DAY), Ok(FIRST_DAY));
        assert_eq!(within_range(LAST_DAY), Ok(LAST_DAY));
        let before = FIRST_DAY.pred_opt().unwrap();
        let after = LAST_DAY.succ_opt().unwrap();
        assert!(within_range(before).unwrap_err().contains("1799-12-31"));
        assert!(within_range(after)
            .unwrap_err()
            .contains("1800-01-01 to 2100-12-31"));
        assert!(within_range(NaiveDate::MIN).is_err());
    }
}
