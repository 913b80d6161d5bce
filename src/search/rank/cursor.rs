//! Page cursors: where the next page of one query starts.
//!
//! A cursor holds the sort key of the last unit served and a fingerprint of
//! the query it belongs to, hex-encoded so it is opaque and URL-safe. Given
//! with a different query, it is refused rather than silently applied to
//! results it does not describe.

use super::order::{Position, Relevance};

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The fingerprint of the query that made it.
    pub query: u64,
    /// The last unit served, as a sort key.
    pub position: Position,
}

/// Why a cursor cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not something this service handed out.
    #[error("is not a cursor this service gave")]
    Malformed,
    /// Made by another query (other words, filters or order).
    #[error(
        "belongs to another query: give the same q, filters and sort, or start without a cursor"
    )]
    OtherQuery,
}

impl Cursor {
    /// The cursor as it travels: hex of `query|kind|key`.
    pub fn encode(&self) -> String {
        let key = match &self.position {
            Position::Relevance(r) => format!(
                "r|{:08x}.{}.{}.{}",
                r.score.to_bits(),
                r.standing,
                r.length_gap,
                r.unit
            ),
            Position::Name(key) => format!("n|{key}"),
            Position::Registered(key) => format!("d|{key}"),
        };
        let text = format!("{:016x}|{key}", self.query);
        text.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Reads a cursor, checking it belongs to the query with this fingerprint.
    pub fn decode(text: &str, query: u64) -> Result<Cursor, CursorError> {
        let cursor = Self::parse(text).ok_or(CursorError::Malformed)?;
        if cursor.query != query {
            return Err(CursorError::OtherQuery);
        }
        Ok(cursor)
    }

    fn parse(text: &str) -> Option<Cursor> {
        if text.len() % 2 != 0 || text.len() > 1_000 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
            .collect();
        let decoded = String::from_utf8(bytes?).ok()?;
        let mut parts = decoded.splitn(3, '|');
        let query = u64::from_str_radix(parts.next()?, 16).ok()?;
        let position = match (parts.next()?, parts.next()?) {
            ("r", key) => Position::Relevance(parse_relevance(key)?),
            ("n", key) => Position::Name(key.to_owned()),
            ("d", key) => Position::Registered(key.parse().ok()?),
            _ => return None,
        };
        Some(Cursor { query, position })
    }
}

fn parse_relevance(key: &str) -> Option<Relevance> {
    let mut parts = key.split('.');
    let score = f32::from_bits(u32::from_str_radix(parts.next()?, 16).ok()?);
    let mut number = || parts.next()?.parse::<u64>().ok();
    let relevance = Relevance {
        score,
        standing: number()?,
        length_gap: number()?,
        unit: number()?,
    };
    score.is_finite().then_some(relevance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_cursor_reads_back_as_written() {
        let positions = [
            Position::Relevance(Relevance {
                score: 12.5,
                standing: 17,
                length_gap: 3,
                unit: 100_000_011,
            }),
            Position::Name("ak yol\u{1}0000000042".into()),
            Position::Registered(0x1234_5678_9abc),
        ];
        for position in positions {
            let cursor = Cursor {
                query: 0xfeed_beef,
                position,
            };
            let text = cursor.encode();
            assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
            assert_eq!(Cursor::decode(&text, 0xfeed_beef), Ok(cursor));
        }
    }

    #[test]
    fn a_cursor_of_another_query_or_no_cursor_at_all_is_refused() {
        let cursor = Cursor {
            query: 1,
            position: Position::Registered(5),
        };
        assert_eq!(
            Cursor::decode(&cursor.encode(), 2),
            Err(CursorError::OtherQuery)
        );
        for bad in ["", "xyz", "abc", "7c7c", &"00".repeat(600)] {
            assert_eq!(Cursor::decode(bad, 1), Err(CursorError::Malformed), "{bad}");
        }
    }
}
