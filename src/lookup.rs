//! Looking a spreadsheet's rows up in the register (what the Reconciliation
//! API answers): each row's candidates come from the search index, by
//! identifier and by name, and are scored by the loaders' matcher, so a
//! row is called a match exactly where a load would have linked it.
//!
//! Two steps, for two kinds of thread: [`candidates`] reads the index (a
//! search thread), [`rank`] reads the candidates' records and runs the
//! matcher (a database thread). Neither knows HTTP.

use rustc_hash::FxHashMap;

use crate::domain::source::Source;
use crate::domain::stat_id::StatId;
use crate::domain::unit::UnitKind;
use crate::reconcile::matcher::{Method, Proposal, RowKeys, Thresholds};
use crate::reconcile::score::Profile;
use crate::search::query::{self, Filters, Hit, SearchRequest};
use crate::search::{SearchError, SearchIndex};
use crate::store::{loads, AnyConnection, StoreResult};

/// How many units the index proposes for a row's name, whatever its limit:
/// the matcher, not the index's order, decides which comes first.
const BY_NAME: usize = 16;

/// One spreadsheet row: a name and what else the row says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lookup {
    /// The name as the spreadsheet writes it (or an identifier).
    pub name: String,
    /// The kind of unit looked for.
    pub kind: Option<UnitKind>,
    /// How many candidates to answer.
    pub limit: usize,
    /// Taxpayer number.
    pub tin: Option<String>,
    /// Justice registration number.
    pub reg_number: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// NACE code at any level.
    pub activity: Option<String>,
    /// Address as free text.
    pub address: Option<String>,
    /// Legal form code.
    pub legal_form: Option<String>,
}

impl Lookup {
    /// The kind looked for: legal units unless another was asked for.
    pub fn kind(&self) -> UnitKind {
        self.kind.unwrap_or(UnitKind::LegalUnit)
    }

    /// Whether the row's "name" is a number (a stat_id, tin or
    /// reg_number pasted into the name column): it is looked up as one.
    fn name_is_identifier(&self) -> bool {
        let name = self.name.trim();
        !name.is_empty() && name.chars().all(|c| c.is_ascii_digit())
    }

    /// The row's name read as a stat_id, when it is one.
    fn stat_id(&self) -> Option<StatId> {
        StatId::parse(self.name.trim()).ok()
    }

    /// The row as the matcher's profile, as a load's row would be.
    fn profile(&self) -> Profile {
        // An identifier in the name column says nothing about the name.
        let name = if self.name_is_identifier() {
            ""
        } else {
            &self.name
        };
        Profile::new(
            name,
            self.address.as_deref(),
            self.region.as_deref(),
            self.activity.as_deref(),
            self.legal_form.as_deref(),
            None,
        )
        .with_identifiers(self.tin.as_deref(), self.reg_number.as_deref())
    }

    /// The row's identifiers, as the matcher's keys.
    fn keys(&self) -> RowKeys {
        // A number in the name column may be any of the three identifiers.
        let number = self
            .name_is_identifier()
            .then(|| self.name.trim().to_owned());
        RowKeys {
            unit: self.stat_id().map(StatId::unit_number),
            tin: self.tin.clone().or_else(|| number.clone()),
            reg_number: self.reg_number.clone().or(number),
        }
    }

    /// The identifiers to look up exactly in the index.
    fn identifiers(&self) -> impl Iterator<Item = &str> {
        [self.tin.as_deref(), self.reg_number.as_deref()]
            .into_iter()
            .flatten()
            .filter(|identifier| !identifier.trim().is_empty())
    }
}

/// One candidate unit for a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The unit as the index shows it.
    pub hit: Hit,
    /// How well it matches, 0 to 100.
    pub score: f64,
    /// Whether the loaders' matcher would link the row to it.
    pub matched: bool,
}

/// Each row's candidate units from the index: those holding its
/// identifiers first, then those whose names resemble its name.
pub fn candidates(index: &SearchIndex, lookups: &[Lookup]) -> Result<Vec<Vec<Hit>>, SearchError> {
    lookups
        .iter()
        .map(|lookup| candidates_of(index, lookup))
        .collect()
}

/// One row's candidates, each unit once.
fn candidates_of(index: &SearchIndex, lookup: &Lookup) -> Result<Vec<Hit>, SearchError> {
    let filters = Filters {
        kind: Some(lookup.kind().as_str().to_owned()),
        ..Filters::default()
    };
    let mut found: Vec<Hit> = Vec::new();
    for identifier in lookup.identifiers() {
        found.extend(query::by_identifier(index, identifier, &filters, 4)?);
    }
    if lookup.name_is_identifier() {
        found.extend(query::by_identifier(index, &lookup.name, &filters, 4)?);
    } else if !lookup.name.trim().is_empty() {
        let request = SearchRequest {
            text: lookup.name.clone(),
            filters,
            limit: BY_NAME.max(lookup.limit),
            complete: true,
            ..SearchRequest::default()
        };
        found.extend(query::search(index, &request)?);
    }
    let mut seen = Vec::with_capacity(found.len());
    found.retain(|hit| {
        let new = !seen.contains(&hit.stat_id);
        seen.push(hit.stat_id);
        new
    });
    Ok(found)
}

/// Scores each row's candidates with the loaders' matcher, best first: the
/// unit a load would link the row to leads and is the one `matched`.
///
/// The matcher knows the records of every row's candidates together, as a
/// load's snapshot knows the register: a name's rarity and the runner-up
/// that keeps a close call from linking are judged among all of them.
pub fn rank(
    conn: &mut AnyConnection,
    lookups: &[Lookup],
    found: Vec<Vec<Hit>>,
    thresholds: &Thresholds,
) -> StoreResult<Vec<Vec<Candidate>>> {
    let mut hits: FxHashMap<i64, Hit> = FxHashMap::default();
    for hit in found.iter().flatten() {
        hits.entry(hit.stat_id.unit_number())
            .or_insert_with(|| hit.clone());
    }
    let mut ids: Vec<i64> = hits.keys().copied().collect();
    ids.sort_unstable();
    let known = loads::known_of(conn, &ids)?;
    let ranked = lookups
        .iter()
        .zip(found)
        .map(|(lookup, own)| {
            let profile = lookup.profile();
            let matched = known.propose(
                Source::Register,
                None,
                &lookup.keys(),
                &profile,
                thresholds,
                !lookup.name.trim().is_empty() && !lookup.name_is_identifier(),
            );
            let linked = match matched.proposal {
                Proposal::Link { unit, method, .. } => Some((unit, method)),
                _ => None,
            };
            // The units the matcher's own blocking found count too: the
            // index may have ranked them below its cut.
            let mut units: Vec<i64> = own.iter().map(|hit| hit.stat_id.unit_number()).collect();
            units.extend(matched.candidates.iter().map(|scored| scored.unit));
            let scored = units.into_iter().enumerate().filter_map(|(order, unit)| {
                let hit = hits.get(&unit).filter(|hit| same_kind(hit, lookup))?;
                let raw = known
                    .score_unit(unit, &profile)
                    .map(|scored| scored.comparison.score);
                Some(Ranked {
                    unit,
                    order,
                    raw,
                    hit,
                })
            });
            order(scored, linked, lookup.limit)
        })
        .collect();
    Ok(ranked)
}

/// A candidate on its way to the answer.
struct Ranked<'a> {
    unit: i64,
    order: usize,
    raw: Option<f64>,
    hit: &'a Hit,
}

/// Whether a unit found for another row is of the kind this row asks for.
fn same_kind(hit: &Hit, lookup: &Lookup) -> bool {
    hit.kind.as_deref() == Some(lookup.kind().as_str())
}

/// The linked unit first, then by the matcher's score, then in the order
/// found; each unit once, at most `limit`.
fn order<'a>(
    scored: impl Iterator<Item = Ranked<'a>>,
    linked: Option<(i64, Method)>,
    limit: usize,
) -> Vec<Candidate> {
    let mut all: Vec<Ranked<'a>> = Vec::new();
    for candidate in scored {
        if !all.iter().any(|seen| seen.unit == candidate.unit) {
            all.push(candidate);
        }
    }
    let is_linked = |unit: i64| linked.is_some_and(|(linked, _)| linked == unit);
    all.sort_by(|a, b| {
        is_linked(b.unit)
            .cmp(&is_linked(a.unit))
            .then(
                b.raw
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.raw.unwrap_or(f64::NEG_INFINITY)),
            )
            .then(a.order.cmp(&b.order))
    });
    all.into_iter()
        .take(limit)
        .map(|candidate| {
            let by_key = linked
                .is_some_and(|(unit, method)| unit == candidate.unit && method != Method::Fuzzy);
            Candidate {
                hit: candidate.hit.clone(),
                score: if by_key {
                    100.0
                } else {
                    percent(candidate.raw)
                },
                matched: is_linked(candidate.unit),
            }
        })
        .collect()
}

/// The matcher's score (a sum of log-likelihood ratios) as 0 to 100: 50 at
/// the review threshold's default, 88 at the link threshold's, rising
/// steeply between them, where the matcher's decisions change. A unit
/// without a profiled record scores 0.
pub fn percent(raw: Option<f64>) -> f64 {
    let Some(raw) = raw else {
        return 0.0;
    };
    let defaults = Thresholds::default();
    let logistic = 1.0 / (1.0 + (-(raw - defaults.review) / 3.0).exp());
    (logistic * 1000.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_rise_with_the_evidence_and_stay_within_0_and_100() {
        assert_eq!(percent(None), 0.0);
        assert_eq!(percent(Some(8.0)), 50.0);
        assert!(percent(Some(14.0)) > 85.0);
        assert!(percent(Some(-40.0)) >= 0.0);
        assert!(percent(Some(400.0)) <= 100.0);
        let mut last = -1.0;
        for raw in -20..40 {
            let score = percent(Some(f64::from(raw)));
            assert!(score >= last, "{raw}");
            last = score;
        }
    }

    #[test]
    fn a_row_reads_its_name_as_a_stat_id_and_keeps_its_identifiers() {
        let lookup = Lookup {
            name: format!(" {} ", StatId::from_unit_number(8)),
            tin: Some("123456789012".to_owned()),
            reg_number: Some("  ".to_owned()),
            ..Lookup::default()
        };
        assert_eq!(lookup.keys().unit, Some(8));
        assert!(lookup.name_is_identifier());
        assert_eq!(lookup.profile().name.tokens.len(), 0);
        assert_eq!(lookup.identifiers().collect::<Vec<_>>(), ["123456789012"]);
        assert_eq!(lookup.kind(), UnitKind::LegalUnit);
    }

    fn hit(unit: i64) -> Hit {
        Hit {
            stat_id: StatId::from_unit_number(unit),
            name: Some(format!("unit {unit}")),
            kind: Some("legal_unit".to_owned()),
            enterprise: None,
            legal_unit: None,
            status: None,
            region: None,
            activity: None,
            legal_form: None,
            registered: None,
            highlights: Vec::new(),
            matched: None,
            score: None,
        }
    }

    #[test]
    fn the_linked_unit_leads_then_the_score_then_the_index_order() {
        let hits: Vec<Hit> = (1..=4).map(hit).collect();
        let ranked = |unit: i64, order: usize, raw: Option<f64>| Ranked {
            unit,
            order,
            raw,
            hit: &hits[unit as usize - 1],
        };
        let found = vec![
            ranked(1, 0, Some(20.0)),
            ranked(2, 1, Some(3.0)),
            ranked(3, 2, Some(20.0)),
            ranked(4, 3, None),
            ranked(1, 4, Some(20.0)),
        ];
        let answer = order(found.into_iter(), Some((2, Method::Tin)), 10);
        let units: Vec<i64> = answer.iter().map(|c| c.hit.stat_id.unit_number()).collect();
        assert_eq!(units, [2, 1, 3, 4]);
        assert_eq!(answer[0].score, 100.0, "a key link is certain");
        assert!(answer[0].matched);
        assert!(answer[1..].iter().all(|c| !c.matched));
        assert_eq!(answer[3].score, 0.0);
    }

    #[test]
    fn a_fuzzy_link_keeps_its_score_and_the_limit_cuts() {
        let hits: Vec<Hit> = (1..=3).map(hit).collect();
        let found = (0..3).map(|at| Ranked {
            unit: at as i64 + 1,
            order: at,
            raw: Some(16.0 - at as f64 * 5.0),
            hit: &hits[at],
        });
        let answer = order(found, Some((1, Method::Fuzzy)), 2);
        assert_eq!(answer.len(), 2);
        assert_eq!(answer[0].score, percent(Some(16.0)));
        assert!(answer[0].matched);
    }
}
