//! Deciding which unit a source row speaks about: keys first, then evidence.
//!
//! The matcher holds what the register knew before a load (each legal unit's
//! records as profiles, its identifiers) and proposes, for one row, a link,
//! a new unit, or a review. It has no I/O and never changes while a load
//! runs, so rows can be matched on another thread than the one writing.

use rustc_hash::FxHashMap;

use serde::Serialize;

use super::block::Blocker;
use super::score::{compare, name_weight_for_frequency, Comparison, Level, Profile};
use crate::domain::source::Source;

/// How a row was linked to its unit (the `method` of the links export).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The register's own id.
    StatId,
    /// The taxpayer number.
    Tin,
    /// The justice registration number.
    RegNumber,
    /// Names, addresses and the rest, above the link threshold.
    Fuzzy,
    /// No unit matched: a new one was created.
    New,
    /// Waiting for a statistician.
    Review,
    /// Decided by a statistician.
    Manual,
}

impl Method {
    /// The word used in exports and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::StatId => "stat_id",
            Method::Tin => "tin",
            Method::RegNumber => "reg_number",
            Method::Fuzzy => "fuzzy",
            Method::New => "new",
            Method::Review => "review",
            Method::Manual => "manual",
        }
    }
}

/// Where the evidence draws its lines; see docs/ARCHITECTURE.md, "Keys first, but not blindly".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: link.
    pub link: f64,
    /// At or above (and below `link`): review. Below: a new unit.
    pub review: f64,
    /// The best candidate must lead the runner-up by this much to be linked.
    pub margin: f64,
    /// An identifier whose unit scores below this, with a disagreeing name,
    /// is distrusted: the name and address overrule it.
    pub veto: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            // Measured on the generator's truth at 1M entities: 12 instead
            // gains 0.2 points of recall for 0.2 of precision; a false merge
            // costs a register more than a review does.
            link: 14.0,
            review: 8.0,
            margin: 4.0,
            veto: -4.0,
        }
    }
}

/// A row's identifiers, as the matcher sees them.
#[derive(Debug, Clone, Default)]
pub struct RowKeys {
    /// The register id the row quotes, as a unit number.
    pub unit: Option<i64>,
    /// Taxpayer number.
    pub tin: Option<String>,
    /// Registration number.
    pub reg_number: Option<String>,
}

/// One candidate unit and how it compares.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    /// The unit number.
    pub unit: i64,
    /// The record of the unit that compared best.
    #[serde(flatten)]
    pub comparison: Comparison,
}

/// What the matcher proposes for a row.
#[derive(Debug, Clone)]
pub enum Proposal {
    /// The row is about this unit.
    Link {
        /// The unit number.
        unit: i64,
        /// By which means.
        method: Method,
        /// The evidence score (for key links: how well the rest agrees).
        score: f64,
    },
    /// No unit matches: the row describes a new one.
    New {
        /// The best score seen, if any candidate was scored.
        score: Option<f64>,
    },
    /// A statistician must decide.
    Review {
        /// Why the matcher would not decide.
        reason: String,
    },
}

/// A proposal with what backs it up.
#[derive(Debug, Clone)]
pub struct Matched {
    /// The proposal.
    pub proposal: Proposal,
    /// The candidates scored, best first (at most a handful).
    pub candidates: Vec<Scored>,
    /// An identifier that contradicts the rest of the row, explained.
    pub conflict: Option<String>,
}

/// What the register knew before the load, for matching.
#[derive(Default)]
pub struct Known {
    profiles: Vec<(i64, Profile)>,
    blocker: Blocker,
    /// Slots of each unit's profiles.
    by_unit: FxHashMap<i64, Vec<u32>>,
    by_tin: FxHashMap<String, i64>,
    by_reg_number: FxHashMap<String, i64>,
    /// The key each unit is known under in each source (tax: tin, justice: reg_number).
    source_keys: FxHashMap<(i64, Source), String>,
    units: FxHashMap<i64, bool>,
}

/// How many candidates blocking hands to scoring.
const CANDIDATES: usize = 24;
/// How often two bearers of one surname agree on given names or initials by chance.
const PERSON_GIVEN_AGREE: f64 = 0.15;
/// How many candidates a proposal keeps for the review screen.
const SHOWN: usize = 5;

impl Known {
    /// Notes that a unit exists; `candidate` units (legal and local units)
    /// are candidates for fuzzy matching.
    pub fn add_unit(&mut self, unit: i64, candidate: bool) {
        self.units.insert(unit, candidate);
    }

    /// Adds what one source record says about a unit.
    pub fn add_record(
        &mut self,
        unit: i64,
        source: Source,
        source_key: Option<&str>,
        keys: &RowKeys,
        profile: Option<Profile>,
    ) {
        // Each identifier's owner source wins; another source's copy may be mistyped.
        if let Some(tin) = &keys.tin {
            if source == Source::Tax {
                self.by_tin.insert(tin.clone(), unit);
            } else {
                self.by_tin.entry(tin.clone()).or_insert(unit);
            }
        }
        if let Some(reg_number) = &keys.reg_number {
            if source == Source::Justice {
                self.by_reg_number.insert(reg_number.clone(), unit);
            } else {
                self.by_reg_number.entry(reg_number.clone()).or_insert(unit);
            }
        }
        if let Some(key) = source_key {
            self.source_keys.insert((unit, source), key.to_owned());
        }
        let Some(profile) = profile else {
            return;
        };
        if !self.units.get(&unit).copied().unwrap_or(false) {
            return;
        }
        let slot = self.profiles.len() as u32;
        self.blocker.insert(slot, &profile);
        self.profiles.push((unit, profile));
        self.by_unit.entry(unit).or_default().push(slot);
    }

    /// How many units the matcher knows.
    pub fn units(&self) -> usize {
        self.units.len()
    }

    /// Whether a unit exists.
    pub fn has_unit(&self, unit: i64) -> bool {
        self.units.contains_key(&unit)
    }

    /// The unit holding a registration number (for branches and successors).
    pub fn unit_by_reg_number(&self, reg_number: &str) -> Option<i64> {
        self.by_reg_number.get(reg_number).copied()
    }

    /// Proposes the unit a row is about.
    ///
    /// `source_key` is the row's key in its own source (tax: tin, justice:
    /// reg_number); a unit known under another key of the same source is a
    /// different taxpayer or entity, so it is never a fuzzy candidate.
    /// `fuzzy` is false for rows that may only match by key (branches).
    pub fn propose(
        &self,
        source: Source,
        source_key: Option<&str>,
        keys: &RowKeys,
        profile: &Profile,
        thresholds: &Thresholds,
        fuzzy: bool,
    ) -> Matched {
        let mut conflicts = Vec::new();
        let quoted = [
            (Method::StatId, keys.unit.filter(|u| self.has_unit(*u))),
            (
                Method::Tin,
                keys.tin.as_ref().and_then(|t| self.by_tin.get(t).copied()),
            ),
            (
                Method::RegNumber,
                keys.reg_number
                    .as_ref()
                    .and_then(|r| self.by_reg_number.get(r).copied()),
            ),
        ];
        if let Some(unit) = keys.unit.filter(|u| !self.has_unit(*u)) {
            conflicts.push(format!(
                "stat_id {} is not in the register",
                unit + 10_000_000
            ));
        }
        for (method, unit) in quoted {
            let Some(unit) = unit else {
                continue;
            };
            let scored = self.score_unit(unit, profile);
            if let Some(scored) = scored.as_ref().filter(|s| contradicts(s, thresholds)) {
                conflicts.push(format!(
                    "{} points to unit {} whose name and address disagree (score {:.1})",
                    method.as_str(),
                    unit + 10_000_000,
                    scored.comparison.score
                ));
                continue;
            }
            let score = scored.as_ref().map_or(0.0, |s| s.comparison.score);
            return Matched {
                proposal: Proposal::Link {
                    unit,
                    method,
                    score,
                },
                candidates: scored.into_iter().collect(),
                conflict: (!conflicts.is_empty()).then(|| conflicts.join("; ")),
            };
        }
        let candidates = if fuzzy {
            self.candidates(source, source_key, profile)
        } else {
            Vec::new()
        };
        let proposal = decide(&candidates, source_key.is_some(), thresholds);
        Matched {
            proposal,
            candidates: candidates.into_iter().take(SHOWN).collect(),
            conflict: (!conflicts.is_empty()).then(|| conflicts.join("; ")),
        }
    }

    /// Scored candidates from blocking, best first, one entry per unit.
    fn candidates(
        &self,
        source: Source,
        source_key: Option<&str>,
        profile: &Profile,
    ) -> Vec<Scored> {
        let mut best: FxHashMap<i64, Comparison> = FxHashMap::default();
        for slot in self.blocker.candidates(profile, CANDIDATES) {
            let (unit, other) = &self.profiles[slot as usize];
            let held = self.source_keys.get(&(*unit, source));
            if matches!((held, source_key), (Some(held), Some(key)) if held != key) {
                continue;
            }
            let comparison = self.compare(profile, other);
            match best.get(unit) {
                Some(seen) if seen.score >= comparison.score => {}
                _ => {
                    best.insert(*unit, comparison);
                }
            }
        }
        let mut scored: Vec<Scored> = best
            .into_iter()
            .map(|(unit, comparison)| Scored { unit, comparison })
            .collect();
        scored.sort_by(|a, b| {
            b.comparison
                .score
                .total_cmp(&a.comparison.score)
                .then(a.unit.cmp(&b.unit))
        });
        scored
    }

    /// Compares two profiles, weighing an agreeing name by how common it is
    /// among the known records (Winkler's frequency-based adjustment).
    fn compare(&self, row: &Profile, known: &Profile) -> Comparison {
        let mut comparison = compare(row, known);
        let Some(name) = comparison.evidence.iter_mut().find(|e| e.field == "name") else {
            return comparison;
        };
        let records = self.profiles.len().max(1) as f64;
        let share = |count: usize| count.max(1) as f64 / records;
        let u = if row.is_person() || known.is_person() {
            // The shared surname by chance, then the given names or initials
            // agreeing by chance among its bearers.
            let surname = known
                .name
                .tokens
                .iter()
                .filter(|t| t.len() > 1 && row.name.tokens.contains(t))
                .map(|t| self.blocker.count("t", t))
                .min();
            surname.map(|count| share(count) * PERSON_GIVEN_AGREE)
        } else {
            Some(share(self.blocker.count("n", &known.compact)))
        };
        if let Some(weight) = u.and_then(|u| name_weight_for_frequency(name.level, u)) {
            comparison.score += weight - name.weight;
            name.weight = weight;
        }
        comparison
    }

    /// How a unit compares with a profile: its best-comparing record, the
    /// score every candidate of a proposal carries (none for a unit without
    /// a profiled record).
    pub fn score_unit(&self, unit: i64, profile: &Profile) -> Option<Scored> {
        self.by_unit
            .get(&unit)?
            .iter()
            .map(|slot| self.compare(profile, &self.profiles[*slot as usize].1))
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .map(|comparison| Scored { unit, comparison })
    }
}

/// An identifier is overruled only when the name disagrees and the whole
/// evidence is clearly against it: a renamed or a moved enterprise keeps its id.
fn contradicts(scored: &Scored, thresholds: &Thresholds) -> bool {
    let name_disagrees = scored
        .comparison
        .evidence
        .iter()
        .any(|e| e.field == "name" && e.level == Level::Disagree);
    name_disagrees && scored.comparison.score < thresholds.veto
}

/// Link, review or new, from the scored candidates.
fn decide(candidates: &[Scored], keyed: bool, thresholds: &Thresholds) -> Proposal {
    let best = candidates.first();
    let best_score = best.map(|b| b.comparison.score);
    let runner_up = candidates
        .get(1)
        .map_or(f64::NEG_INFINITY, |c| c.comparison.score);
    match best {
        Some(best) if best.comparison.score >= thresholds.link => {
            if best.comparison.score - runner_up >= thresholds.margin {
                Proposal::Link {
                    unit: best.unit,
                    method: Method::Fuzzy,
                    score: best.comparison.score,
                }
            } else {
                Proposal::Review {
                    reason: format!(
                        "two candidates score alike ({:.1} and {:.1})",
                        best.comparison.score, runner_up
                    ),
                }
            }
        }
        Some(best) if best.comparison.score >= thresholds.review => Proposal::Review {
            reason: format!(
                "the best candidate scores {:.1}, between the review ({:.1}) and link ({:.1}) thresholds",
                best.comparison.score, thresholds.review, thresholds.link
            ),
        },
        _ if keyed => Proposal::New { score: best_score },
        _ => Proposal::Review {
            reason: "no identifier and no unit matches well enough: a new unit needs a person's decision"
                .to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, address: &str, region: &str) -> Profile {
        Profile::new(name, Some(address), Some(region), None, None, None)
    }

    fn known() -> Known {
        let mut known = Known::default();
        let units = [
            (
                1,
                "«Ak ýol» HJ",
                "Aşgabat, Magtymguly köçesi, jaý 45",
                "TM-S",
                "111111111111",
            ),
            (
                2,
                "Bereket",
                "Mary, Azady köçesi, jaý 12",
                "TM-M",
                "222222222222",
            ),
            (
                3,
                "Bereket",
                "Mary, Puşkin köçesi, jaý 3",
                "TM-M",
                "333333333333",
            ),
        ];
        for (unit, name, address, region, tin) in units {
            known.add_unit(unit, true);
            let keys = RowKeys {
                tin: Some(tin.into()),
                ..RowKeys::default()
            };
            known.add_record(
                unit,
                Source::Tax,
                Some(tin),
                &keys,
                Some(profile(name, address, region)),
            );
        }
        known
    }

    fn propose(known: &Known, keys: RowKeys, key: Option<&str>, row: &Profile) -> Matched {
        known.propose(
            Source::Statistics,
            key,
            &keys,
            row,
            &Thresholds::default(),
            true,
        )
    }

    #[test]
    fn a_known_key_links_directly() {
        let row = profile("Ак йол", "Ашхабад, Магтымгулы кучеси, д.45", "TM-S");
        let keys = RowKeys {
            tin: Some("111111111111".into()),
            ..RowKeys::default()
        };
        let matched = propose(&known(), keys, None, &row);
        assert!(matches!(
            matched.proposal,
            Proposal::Link {
                unit: 1,
                method: Method::Tin,
                ..
            }
        ));
        assert!(matched.conflict.is_none());
    }

    #[test]
    fn a_keyless_row_in_another_script_links_by_evidence() {
        let row = profile("ХО «Ак йол»", "Ашхабад, Магтымгулы кучеси, д.45", "TM-S");
        let matched = propose(&known(), RowKeys::default(), None, &row);
        assert!(
            matches!(
                matched.proposal,
                Proposal::Link {
                    unit: 1,
                    method: Method::Fuzzy,
                    ..
                }
            ),
            "{matched:#?}"
        );
    }

    #[test]
    fn an_id_pointing_at_another_enterprise_is_overruled_and_reported() {
        let row = profile("Ак йол", "Ашхабад, Магтымгулы кучеси, д.45", "TM-S");
        let keys = RowKeys {
            tin: Some("222222222222".into()),
            ..RowKeys::default()
        };
        let matched = propose(&known(), keys, None, &row);
        assert!(
            matches!(
                matched.proposal,
                Proposal::Link {
                    unit: 1,
                    method: Method::Fuzzy,
                    ..
                }
            ),
            "{matched:#?}"
        );
        let conflict = matched.conflict.expect("the conflict is reported");
        assert!(
            conflict.contains("tin points to unit 10000002"),
            "{conflict}"
        );
    }

    #[test]
    fn a_popular_name_is_told_apart_by_its_address() {
        let row = profile("Bereket HJ", "Mary, Puşkin köçesi, jaý 3", "TM-M");
        let matched = propose(&known(), RowKeys::default(), None, &row);
        assert!(
            matches!(matched.proposal, Proposal::Link { unit: 3, .. }),
            "{matched:#?}"
        );
    }

    #[test]
    fn a_keyless_row_matching_nothing_goes_to_review_a_keyed_one_is_new() {
        let row = profile("Täze Zaman", "Lebap, Garaşsyzlyk köçesi, jaý 9", "TM-L");
        let keyless = propose(&known(), RowKeys::default(), None, &row);
        assert!(matches!(keyless.proposal, Proposal::Review { .. }));
        let keyed = propose(&known(), RowKeys::default(), Some("999999999999"), &row);
        assert!(matches!(keyed.proposal, Proposal::New { .. }));
    }

    #[test]
    fn a_unit_known_under_another_key_of_the_source_is_no_candidate() {
        let row = profile("Ak ýol", "Aşgabat, Magtymguly köçesi, jaý 45", "TM-S");
        let matched = known().propose(
            Source::Tax,
            Some("444444444444"),
            &RowKeys::default(),
            &row,
            &Thresholds::default(),
            true,
        );
        assert!(
            matches!(matched.proposal, Proposal::New { .. }),
            "{matched:#?}"
        );
    }
}
