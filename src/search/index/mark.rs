//! Which register state the index holds: the last change-log entry in its
//! last commit, written as the commit's payload.
//!
//! The entry's unit and recording time, beside its seq, tell one database's
//! change 42 from another's. An index that names a change its database does
//! not have is ahead of it (a restored backup) or another register's (the
//! data folder pointed at another `DATABASE_URL`), and is rebuilt: it could
//! otherwise show units the database does not have.

use crate::store::units::ChangeEntry;

/// The last change a commit holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Its change-log seq (0: none yet).
    pub seq: i64,
    /// Its unit and recording time (microseconds since 1970), when recorded:
    /// older commits kept the seq alone.
    pub entry: Option<(i64, i64)>,
}

impl Mark {
    /// The mark of an index holding nothing yet.
    pub const EMPTY: Mark = Mark {
        seq: 0,
        entry: None,
    };

    /// The mark of a change-log entry.
    pub fn of(entry: &ChangeEntry) -> Mark {
        Mark {
            seq: entry.seq,
            entry: Some((entry.unit, entry.recorded_at.and_utc().timestamp_micros())),
        }
    }

    /// As a commit payload: `seq unit micros`, or `seq`.
    pub fn payload(&self) -> String {
        match self.entry {
            Some((unit, micros)) => format!("{} {unit} {micros}", self.seq),
            None => self.seq.to_string(),
        }
    }

    /// From a commit payload; anything unreadable is an index holding nothing.
    pub fn parse(payload: Option<&str>) -> Mark {
        let mut parts = payload.unwrap_or_default().split_whitespace();
        let Some(seq) = parts.next().and_then(|s| s.parse().ok()) else {
            return Mark::EMPTY;
        };
        let unit = parts.next().and_then(|s| s.parse().ok());
        let micros = parts.next().and_then(|s| s.parse().ok());
        Mark {
            seq,
            entry: unit.zip(micros),
        }
    }

    /// Whether a database whose change at this seq is `found` (and whose
    /// last seq is `version`) is the one this index was built from.
    pub fn matches(&self, found: Option<&ChangeEntry>, version: i64) -> bool {
        if self.seq == 0 {
            return true;
        }
        if self.seq > version {
            return false;
        }
        match (found, self.entry) {
            (None, _) => false,
            (Some(entry), Some(_)) => Mark::of(entry) == *self,
            // An older commit kept the seq only: nothing more to compare.
            (Some(_), None) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn entry(seq: i64, unit: i64, second: u32) -> ChangeEntry {
        ChangeEntry {
            seq,
            unit,
            recorded_at: NaiveDate::from_ymd_opt(2026, 12, 6)
                .unwrap()
                .and_hms_opt(3, 0, second)
                .unwrap(),
        }
    }

    #[test]
    fn a_payload_reads_back_as_written() {
        let mark = Mark::of(&entry(42, 7, 1));
        assert_eq!(Mark::parse(Some(&mark.payload())), mark);
        assert_eq!(
            Mark::parse(Some("42")),
            Mark {
                seq: 42,
                entry: None
            }
        );
        assert_eq!(Mark::parse(None), Mark::EMPTY);
        assert_eq!(Mark::parse(Some("garbage")), Mark::EMPTY);
    }

    #[test]
    fn the_database_it_was_built_from_matches() {
        let mark = Mark::of(&entry(42, 7, 1));
        assert!(mark.matches(Some(&entry(42, 7, 1)), 50));
        assert!(Mark::EMPTY.matches(None, 0));
    }

    #[test]
    fn a_restored_backup_or_another_register_does_not() {
        let mark = Mark::of(&entry(42, 7, 1));
        // Restored from before change 42: the database is behind the index.
        assert!(!mark.matches(None, 30));
        // Another register, which happens to have a change 42 too.
        assert!(!mark.matches(Some(&entry(42, 9, 1)), 60));
        assert!(!mark.matches(Some(&entry(42, 7, 2)), 60));
        // An old seq-only payload still catches a database that is behind.
        let old = Mark::parse(Some("42"));
        assert!(!old.matches(Some(&entry(42, 7, 1)), 41));
        assert!(old.matches(Some(&entry(42, 7, 1)), 42));
    }
}
