//! Dates and timestamps as bulk inserts bind them.
//!
//! diesel's SQLite binding formats each date through `chrono::format`, which
//! parses its format string again for every value: about a tenth of a
//! justice load's time. These wrappers write the same text (`%F` and
//! `%F %T%.f`, what diesel reads back) by hand. PostgreSQL gets chrono's
//! binary encoding, as before.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::AsExpression;

/// A calendar date bound as a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Date)]
pub struct Day(pub NaiveDate);

/// A moment (UTC, no zone) bound as a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Timestamp)]
pub struct Stamp(pub NaiveDateTime);

impl ToSql<Date, Sqlite> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let mut text = String::with_capacity(10);
        push_date(&mut text, self.0);
        out.set_value(text);
        Ok(IsNull::No)
    }
}

impl ToSql<Date, Pg> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Date, Pg>::to_sql(&self.0, out)
    }
}

impl ToSql<Timestamp, Sqlite> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(timestamp_text(self.0));
        Ok(IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Timestamp, Pg>::to_sql(&self.0, out)
    }
}

/// `YYYY-MM-DD`, as chrono's `%F` writes it.
fn push_date(text: &mut String, date: NaiveDate) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        // Years a register never holds; chrono knows how to write them.
        text.push_str(&date.format("%F").to_string());
        return;
    }
    push_digits(text, year as u32, 4);
    text.push('-');
    push_digits(text, date.month(), 2);
    text.push('-');
    push_digits(text, date.day(), 2);
}

/// `YYYY-MM-DD HH:MM:SS[.fff|.ffffff|.fffffffff]`, as chrono's `%F %T%.f` writes it.
fn timestamp_text(moment: NaiveDateTime) -> String {
    let mut text = String::with_capacity(26);
    push_date(&mut text, moment.date());
    text.push(' ');
    push_digits(&mut text, moment.hour(), 2);
    text.push(':');
    push_digits(&mut text, moment.minute(), 2);
    text.push(':');
    // A leap second is stored as second 59 plus more than a second of nanos.
    push_digits(&mut text, moment.second(), 2);
    let nanos = moment.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        return text;
    }
    text.push('.');
    if nanos % 1_000_000 == 0 {
        push_digits(&mut text, nanos / 1_000_000, 3);
    } else if nanos % 1_000 == 0 {
        push_digits(&mut text, nanos / 1_000, 6);
    } else {
        push_digits(&mut text, nanos, 9);
    }
    text
}

/// `value` in decimal, zero-padded to `width` digits (it has at most that many).
fn push_digits(text: &mut String, value: u32, width: u32) {
    let mut divisor = 10_u32.pow(width - 1);
    while divisor > 0 {
        text.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_timestamp(moment: NaiveDateTime) -> String {
        moment.format("%F %T%.f").to_string()
    }

    #[test]
    fn dates_and_timestamps_read_as_chrono_writes_them() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 7).unwrap();
        let mut text = String::new();
        push_date(&mut text, day);
        assert_eq!(text, day.format("%F").to_string());
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 5] {
            let moment = day.and_hms_nano_opt(9, 5, 3, nanos).unwrap();
            assert_eq!(timestamp_text(moment), chrono_timestamp(moment), "{nanos}");
        }
        let far = NaiveDate::from_ymd_opt(12345, 1, 2).unwrap();
        let mut far_text = String::new();
        push_date(&mut far_text, far);
        assert_eq!(far_text, far.format("%F").to_string());
    }
}
