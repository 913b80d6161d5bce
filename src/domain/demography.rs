//! Business demography: from one unit's demographic events, the periods it
//! was active, which starts were births and which ends were deaths, and the
//! counts per year.
//!
//! The rules follow the Eurostat–OECD Manual on Business Demography
//! Statistics (2007) and Regulation (EU) 2019/2152:
//!
//! - a birth is the first registration of a unit; a unit created by a
//!   split-off, a break-up or a merger is a restructuring, not a birth;
//! - a death is a closure (liquidation, deregistration); a closure by
//!   merger, take-over or break-up (the unit is `reorganised`) is not;
//! - a unit reactivated within two years of its closure neither died nor
//!   was born again: the closure and the reactivation both vanish;
//! - a unit reactivated after more than two years was born again;
//! - the active population of year t is every unit active at any time
//!   during t (registered and not closed: the register has no turnover or
//!   employment for every unit, which the Manual's "active" asks for);
//! - the deaths of a year are final only once two more years have passed
//!   without a reactivation that would undo them.

use chrono::{Datelike, Months, NaiveDate};

use super::event::{EventKind, EventRole};
use super::text_enum;
use super::unit::UnitStatus;

/// The first year counted: the register holds no date before it.
pub const FIRST_YEAR: i32 = 1800;
/// The last year counted: the register holds no date after it.
pub const LAST_YEAR: i32 = 2100;
/// How many years are counted.
const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;
/// How long a closed unit may stay closed and come back as itself.
pub const REACTIVATION_WINDOW: Months = Months::new(24);

text_enum! {
    /// The attribute demography counts are broken down by.
    Breakdown {
        /// The NACE section (letter) of the unit's principal activity.
        ActivitySection => "activity_section",
        /// The unit's region (ISO 3166-2:TM).
        Region => "region",
        /// The unit's legal form code.
        LegalForm => "legal_form",
    }
}

/// What an event means for the life of one unit taking part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// Its first registration.
    Birth,
    /// It came out of a split-off, a break-up or a merger (a restructuring),
    /// or, when it lived already, it lives on after one.
    Restructured,
    /// It closed: liquidated or deregistered.
    Death,
    /// It closed by merging into, or being taken over by, another unit, or
    /// by breaking up.
    Absorbed,
    /// It came back after a closure.
    Reactivation,
}

impl Fact {
    /// The fact an event is for a unit playing `role` in it; none for
    /// events that start or end nothing (a split-off's parent lives on).
    pub fn of(kind: EventKind, role: EventRole) -> Option<Fact> {
        use EventKind as K;
        use EventRole as R;
        match (kind, role) {
            (K::Birth, R::Subject) => Some(Fact::Birth),
            (K::Death, R::Subject) => Some(Fact::Death),
            (K::Reactivation, R::Subject) => Some(Fact::Reactivation),
            (K::Merger | K::TakeOver | K::BreakUp, R::Predecessor) => Some(Fact::Absorbed),
            (K::Merger | K::TakeOver | K::SplitOff | K::BreakUp, R::Successor) => {
                Some(Fact::Restructured)
            }
            _ => None,
        }
    }
}

/// One dated fact of a unit's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifeEvent {
    /// When it took effect.
    pub date: NaiveDate,
    /// What it was.
    pub fact: Fact,
}

/// How an active period ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    /// The first day the unit was no longer active.
    pub date: NaiveDate,
    /// Whether the closure counts as a death (not one by restructuring).
    pub death: bool,
}

/// A span of time a unit was active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Its first day.
    pub start: NaiveDate,
    /// Whether its start counts as a birth.
    pub born: bool,
    /// How it ended; none while the unit is active.
    pub end: Option<End>,
}

/// The periods a unit was active, from its events in the order they took
/// effect (same-day events in the order they were recorded).
///
/// `registered` is the unit's registration date as its records show it,
/// used as a birth when no event starts the unit.
pub fn periods(events: &[LifeEvent], registered: Option<NaiveDate>) -> Vec<Period> {
    let mut periods: Vec<Period> = Vec::new();
    let started = events
        .iter()
        .any(|event| matches!(event.fact, Fact::Birth | Fact::Restructured));
    if let Some(date) = registered.filter(|_| !started) {
        periods.push(Period {
            start: date,
            born: true,
            end: None,
        });
    }
    for event in events {
        step(&mut periods, event);
    }
    periods
}

/// How a unit's records show its end today: the status shown, the day that
/// status took effect, and the death date shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShownEnd {
    /// The legal status shown.
    pub status: Option<UnitStatus>,
    /// The first day of the statement the status comes from.
    pub since: Option<NaiveDate>,
    /// The death date shown.
    pub death_date: Option<NaiveDate>,
}

/// Reconciles the periods with the status the unit shows. A unit shown
/// `reorganised` closed by restructuring, not by death, even when a source
/// recorded the closure without naming the successor (no merger event says
/// it). A unit shown closed whose events never closed it (a source gave the
/// status without a liquidation date) closed on its death date, else when
/// that status took effect. A unit shown alive again, without a death date,
/// whose events leave it closed (a source took the liquidation back with no
/// reactivation event) returned when that status took effect.
pub fn settle(periods: &mut Vec<Period>, shown: ShownEnd) {
    let death = match shown.status {
        Some(UnitStatus::Reorganised) => false,
        Some(UnitStatus::Liquidated) => true,
        Some(_) if shown.death_date.is_none() => return came_back(periods, shown.since),
        _ => return,
    };
    let Some(last) = periods.last_mut() else {
        return;
    };
    match last.end.as_mut() {
        Some(end) => end.death &= death,
        None => {
            let Some(date) = shown.death_date.or(shown.since) else {
                return;
            };
            last.end = Some(End {
                date: date.max(last.start),
                death,
            });
        }
    }
}

/// A return on `since` of a unit whose last period closed by then.
fn came_back(periods: &mut Vec<Period>, since: Option<NaiveDate>) {
    let (Some(since), Some(last)) = (since, periods.last()) else {
        return;
    };
    if last.end.is_some_and(|end| end.date <= since) {
        let back = LifeEvent {
            date: since,
            fact: Fact::Reactivation,
        };
        step(periods, &back);
    }
}

/// Applies one event to the periods so far.
fn step(periods: &mut Vec<Period>, event: &LifeEvent) {
    let date = event.date;
    let Some(last) = periods.last_mut() else {
        // The first event starts the unit, whatever it is; a closure of a
        // unit never started closes nothing.
        if matches!(event.fact, Fact::Death | Fact::Absorbed) {
            return;
        }
        periods.push(Period {
            start: date,
            born: event.fact != Fact::Restructured,
            end: None,
        });
        return;
    };
    match (event.fact, last.end) {
        // A living unit is born once; a survivor of a merger lives on.
        (Fact::Birth | Fact::Restructured | Fact::Reactivation, None) => {}
        (Fact::Death, None) => last.end = Some(End { date, death: true }),
        (Fact::Absorbed, None) => last.end = Some(End { date, death: false }),
        // A liquidation recorded with its merger (a load writes both, the
        // same day): the closure was by merger.
        (Fact::Absorbed, Some(end)) if end.date == date => {
            last.end = Some(End { date, death: false });
        }
        // A closed unit closing again: the first closure stands.
        (Fact::Death | Fact::Absorbed, Some(_)) => {}
        (Fact::Birth | Fact::Restructured | Fact::Reactivation, Some(end)) => {
            if comes_back_in_time(end.date, date) {
                last.end = None;
                return;
            }
            periods.push(Period {
                start: date,
                born: true,
                end: None,
            });
        }
    }
}

/// Whether a unit closed on `closed` and active again on `back` returned
/// within the two years that make it the same life.
fn comes_back_in_time(closed: NaiveDate, back: NaiveDate) -> bool {
    closed
        .checked_add_months(REACTIVATION_WINDOW)
        .is_none_or(|limit| back <= limit)
}

/// Whether the deaths counted for `year` are final on `today`: a death on
/// 31 December of year t can be undone by a reactivation until 31 December
/// of t + 2.
pub fn deaths_final(year: i32, today: NaiveDate) -> bool {
    year + 2 < today.year()
}

/// Births, deaths and the active population of one year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearCount {
    /// Units born in the year.
    pub births: u64,
    /// Units that died in the year.
    pub deaths: u64,
    /// Units active at any time during the year.
    pub active: u64,
}

/// Counts per year for one group of units, from 1800 to 2100: a few
/// kilobytes whatever the number of units.
#[derive(Debug, Clone)]
pub struct Tally {
    births: Vec<u64>,
    deaths: Vec<u64>,
    /// Units whose activity starts in a year, less those whose activity
    /// ended the year before: the active population is its running sum,
    /// so a unit active for decades costs two additions, not one per year.
    active_changes: Vec<i64>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            births: vec![0; YEARS],
            deaths: vec![0; YEARS],
            active_changes: vec![0; YEARS + 1],
        }
    }
}

/// The index of a date's year, the register's span clamped.
fn slot(date: NaiveDate) -> usize {
    (date.year().clamp(FIRST_YEAR, LAST_YEAR) - FIRST_YEAR) as usize
}

impl Tally {
    /// Counts one active period of a unit.
    pub fn add(&mut self, period: &Period) {
        let first = slot(period.start);
        if period.born {
            self.births[first] += 1;
        }
        // Active through the year of its last active day (a unit closed on
        // 1 January was not active in that year); a unit closed the day it
        // started is counted active in that year, as its birth is.
        let last = match period.end {
            None => YEARS - 1,
            Some(end) => {
                if end.death {
                    self.deaths[slot(end.date)] += 1;
                }
                end.date.pred_opt().map_or(first, slot).max(first)
            }
        };
        self.active_changes[first] += 1;
        self.active_changes[last + 1] -= 1;
    }

    /// The counts of every year from `from` to `to` (within 1800 to 2100).
    pub fn years(&self, from: i32, to: i32) -> Vec<(i32, YearCount)> {
        let mut active: i64 = 0;
        let mut out = Vec::new();
        for (index, change) in self.active_changes[..YEARS].iter().enumerate() {
            active += change;
            let year = FIRST_YEAR + index as i32;
            if year < from || year > to {
                continue;
            }
            out.push((
                year,
                YearCount {
                    births: self.births[index],
                    deaths: self.deaths[index],
                    active: active.max(0) as u64,
                },
            ));
        }
        out
    }

    /// Whether nothing at all was counted from `from` to `to`.
    pub fn is_empty_between(&self, from: i32, to: i32) -> bool {
        self.years(from, to)
            .iter()
            .all(|(_, count)| *count == YearCount::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn at(date: &str, fact: Fact) -> LifeEvent {
        LifeEvent {
            date: day(date),
            fact,
        }
    }

    /// Births, deaths and active of each year from `from` to `to`, for one unit.
    fn counted(events: &[LifeEvent], from: i32, to: i32) -> Vec<(i32, u64, u64, u64)> {
        let mut tally = Tally::default();
        for period in periods(events, None) {
            tally.add(&period);
        }
        tally
            .years(from, to)
            .into_iter()
            .map(|(year, c)| (year, c.births, c.deaths, c.active))
            .collect()
    }

    #[test]
    fn a_first_registration_is_a_birth_and_the_unit_is_active_from_then_on() {
        let events = [at("2020-05-01", Fact::Birth)];
        assert_eq!(
            counted(&events, 2019, 2021),
            [(2019, 0, 0, 0), (2020, 1, 0, 1), (2021, 0, 0, 1)]
        );
    }

    #[test]
    fn a_liquidation_is_a_death_and_the_unit_is_active_in_its_last_year() {
        let events = [at("2018-03-01", Fact::Birth), at("2021-06-30", Fact::Death)];
        assert_eq!(
            counted(&events, 2020, 2022),
            [(2020, 0, 0, 1), (2021, 0, 1, 1), (2022, 0, 0, 0)]
        );
    }

    #[test]
    fn a_closure_on_new_year_s_day_leaves_the_unit_inactive_that_year() {
        let events = [at("2018-03-01", Fact::Birth), at("2021-01-01", Fact::Death)];
        assert_eq!(
            counted(&events, 2020, 2021),
            [(2020, 0, 0, 1), (2021, 0, 1, 0)]
        );
    }

    #[test]
    fn units_created_by_restructuring_are_not_births() {
        // A split-off's or break-up's new unit: its first event is its part as successor.
        let events = [at("2022-02-01", Fact::Restructured)];
        assert_eq!(counted(&events, 2022, 2022), [(2022, 0, 0, 1)]);
    }

    #[test]
    fn a_merger_survivor_lives_on_without_a_second_birth() {
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2022-07-01", Fact::Restructured),
        ];
        assert_eq!(counted(&events, 2022, 2022), [(2022, 0, 0, 1)]);
    }

    #[test]
    fn a_closure_by_merger_or_take_over_is_not_a_death() {
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2022-07-01", Fact::Absorbed),
        ];
        assert_eq!(
            counted(&events, 2022, 2023),
            [(2022, 0, 0, 1), (2023, 0, 0, 0)]
        );
    }

    #[test]
    fn a_liquidation_recorded_with_its_merger_is_not_a_death() {
        // A justice load writes the liquidation date, then the merger, the same day.
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2022-07-01", Fact::Death),
            at("2022-07-01", Fact::Absorbed),
        ];
        assert_eq!(counted(&events, 2022, 2022), [(2022, 0, 0, 1)]);
    }

    #[test]
    fn a_closure_of_a_unit_shown_reorganised_is_not_a_death() {
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2020-03-31", Fact::Death),
            at("2024-03-31", Fact::Reactivation),
            at("2025-05-01", Fact::Death),
        ];
        let mut periods = periods(&events, None);
        let shown = ShownEnd {
            status: Some(UnitStatus::Reorganised),
            since: Some(day("2025-05-01")),
            death_date: Some(day("2025-05-01")),
        };
        settle(&mut periods, shown);
        // Only the last closure is the reorganisation the status tells of.
        assert_eq!(periods[0].end.map(|end| end.death), Some(true));
        assert_eq!(periods[1].end.map(|end| end.death), Some(false));
    }

    #[test]
    fn a_unit_shown_closed_without_a_closing_event_closes_on_its_dates() {
        let born = [at("2015-01-10", Fact::Birth)];
        let mut liquidated = periods(&born, None);
        settle(
            &mut liquidated,
            ShownEnd {
                status: Some(UnitStatus::Liquidated),
                since: Some(day("2022-01-01")),
                death_date: None,
            },
        );
        let end = End {
            date: day("2022-01-01"),
            death: true,
        };
        assert_eq!(liquidated[0].end, Some(end));
        let mut active = periods(&born, None);
        settle(
            &mut active,
            ShownEnd {
                status: Some(UnitStatus::Active),
                ..ShownEnd::default()
            },
        );
        assert_eq!(active[0].end, None);
    }

    #[test]
    fn a_unit_shown_alive_again_without_a_reactivation_event_came_back() {
        let events = [at("2015-01-10", Fact::Birth), at("2020-03-31", Fact::Death)];
        let alive = |since| ShownEnd {
            status: Some(UnitStatus::Active),
            since: Some(day(since)),
            death_date: None,
        };
        // Within two years: the closure is undone.
        let mut soon = periods(&events, None);
        settle(&mut soon, alive("2021-01-01"));
        assert_eq!(soon.len(), 1);
        assert_eq!(soon[0].end, None);
        // Later: the death stands and the return is a birth.
        let mut late = periods(&events, None);
        settle(&mut late, alive("2023-01-01"));
        assert_eq!(late.len(), 2);
        assert!(late[1].born);
        // A closure still ahead (a future date) is not taken back.
        let mut ahead = periods(&events, None);
        settle(&mut ahead, alive("2019-01-01"));
        assert_eq!(ahead[0].end.map(|end| end.death), Some(true));
    }

    #[test]
    fn a_reactivation_within_two_years_is_neither_a_death_nor_a_birth() {
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2021-03-31", Fact::Death),
            at("2023-03-31", Fact::Reactivation),
        ];
        assert_eq!(
            counted(&events, 2021, 2023),
            [(2021, 0, 0, 1), (2022, 0, 0, 1), (2023, 0, 0, 1)]
        );
        let periods = periods(&events, None);
        assert_eq!(periods.len(), 1);
        assert_eq!(periods[0].end, None);
    }

    #[test]
    fn a_reactivation_after_more_than_two_years_is_a_birth_and_the_death_stands() {
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2020-03-31", Fact::Death),
            at("2023-04-01", Fact::Reactivation),
        ];
        assert_eq!(
            counted(&events, 2020, 2023),
            [
                (2020, 0, 1, 1),
                (2021, 0, 0, 0),
                (2022, 0, 0, 0),
                (2023, 1, 0, 1)
            ]
        );
    }

    #[test]
    fn two_years_to_the_day_is_still_within_the_window() {
        assert!(comes_back_in_time(day("2020-03-31"), day("2022-03-31")));
        assert!(!comes_back_in_time(day("2020-03-31"), day("2022-04-01")));
        // 29 February plus two years is 28 February.
        assert!(comes_back_in_time(day("2020-02-29"), day("2022-02-28")));
        assert!(!comes_back_in_time(day("2020-02-29"), day("2022-03-01")));
    }

    #[test]
    fn a_second_closure_of_a_closed_unit_changes_nothing() {
        let events = [
            at("2015-01-10", Fact::Birth),
            at("2020-03-31", Fact::Death),
            at("2020-05-31", Fact::Death),
        ];
        assert_eq!(counted(&events, 2020, 2020), [(2020, 0, 1, 1)]);
    }

    #[test]
    fn a_unit_without_a_starting_event_is_born_on_its_registration_date() {
        let events = [at("2021-06-30", Fact::Death)];
        let periods = periods(&events, Some(day("2019-01-01")));
        assert_eq!(
            periods,
            [Period {
                start: day("2019-01-01"),
                born: true,
                end: Some(End {
                    date: day("2021-06-30"),
                    death: true
                })
            }]
        );
    }

    #[test]
    fn restructuring_events_map_to_facts_by_role() {
        use EventKind as K;
        use EventRole as R;
        assert_eq!(Fact::of(K::Birth, R::Subject), Some(Fact::Birth));
        assert_eq!(Fact::of(K::TakeOver, R::Predecessor), Some(Fact::Absorbed));
        assert_eq!(Fact::of(K::BreakUp, R::Predecessor), Some(Fact::Absorbed));
        assert_eq!(Fact::of(K::SplitOff, R::Predecessor), None);
        assert_eq!(
            Fact::of(K::SplitOff, R::Successor),
            Some(Fact::Restructured)
        );
        assert_eq!(Fact::of(K::Other, R::Subject), None);
    }

    #[test]
    fn deaths_are_provisional_for_two_years() {
        let today = day("2026-12-07");
        assert!(deaths_final(2023, today));
        assert!(!deaths_final(2024, today));
        assert!(!deaths_final(2026, today));
    }

    #[test]
    fn tallies_add_up() {
        let mut one = Tally::default();
        one.add(&periods(&[at("2020-01-01", Fact::Birth)], None)[0]);
        one.add(&periods(&[at("2021-01-01", Fact::Birth)], None)[0]);
        let years = one.years(2020, 2021);
        assert_eq!(years[0].1.active, 1);
        assert_eq!(years[1].1.active, 2);
        assert_eq!(years[1].1.births, 1);
        assert!(one.is_empty_between(1900, 1910));
    }
}
