//! The parameters many operations share (stat_id, dates, ids), parsed
//! once, each error naming its field and carrying its problem code.

use chrono::{NaiveDate, Utc};

use super::error::{ApiError, Code, FieldError};
use crate::domain::calendar::{self, BadDay};
use crate::domain::stat_id::{StatId, StatIdError};

/// Parses a `stat_id` path segment; a bad check digit is a 400, not a 404.
pub fn parse_stat_id(text: &str) -> Result<StatId, ApiError> {
    parse_stat_id_in("stat_id", text)
}

/// Parses a stat_id given in `field`; the error names that field.
pub fn parse_stat_id_in(field: &str, text: &str) -> Result<StatId, ApiError> {
    StatId::parse(text).map_err(|error| {
        let code = match error {
            StatIdError::CheckDigit => Code::StatIdCheckDigit,
            _ => Code::StatIdMalformed,
        };
        ApiError::field(code, field, error.to_string())
    })
}

/// Parses `as_of`; absent means today (UTC).
pub fn parse_as_of(text: Option<&str>) -> Result<NaiveDate, ApiError> {
    let Some(text) = text else {
        return Ok(Utc::now().date_naive());
    };
    parse_day("as_of", text).map_err(|error| ApiError::fields(vec![error]))
}

/// Parses a date parameter given as YYYY-MM-DD, within the dates the
/// register accepts; the error names the field.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    calendar::parse(text).map_err(|bad| match bad {
        BadDay::Form(reason) => FieldError::coded(Code::InvalidDate, field, reason),
        BadDay::Range(reason) => FieldError::coded(Code::DateOutOfRange, field, reason),
    })
}

/// Parses a numeric id from the path (a load, a review item, a token):
/// a whole number from 1 up.
pub fn parse_id(field: &str, text: &str) -> Result<i64, ApiError> {
    match text.parse::<i64>() {
        Ok(id) if id >= 1 => Ok(id),
        _ => Err(ApiError::invalid(
            field,
            format!("expected a whole number from 1 to {}", i64::MAX),
        )),
    }
}

/// Whether the request asks for CSV by `Accept: text/csv`.
pub fn accepts_csv(request: &actix_web::HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_exactly_yyyy_mm_dd_within_the_register_dates() {
        assert_eq!(
            parse_day("as_of", "2024-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        for text in [
            "2024-1-1",
            "+2024-01-01",
            "2024-02-30",
            "31.12.2024",
            " 2024-01-01",
        ] {
            let error = parse_day("as_of", text).unwrap_err();
            assert_eq!(error.code, Code::InvalidDate, "{text}");
        }
        let error = parse_day("as_of", "0001-01-01").unwrap_err();
        assert_eq!(error.code, Code::DateOutOfRange);
    }
}
