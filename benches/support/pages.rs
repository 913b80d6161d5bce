//! The pages `GET /api/v1/units` answers, read as a statistician reads them:
//! where the unit sought came, whether the page was empty, whether it lists
//! a legal unit beside its own enterprise, and how the first hit matched.
//!
//! It reads a hit's `enterprise` (the one-to-one enterprise folded into a
//! legal unit's hit) and `matched` (how the hit matched) when the answer has
//! them and does without them when it has not, so that the same measure
//! holds before and after search folds enterprises into their legal units.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::collections::HashMap;

use diesel::prelude::*;
use sanaw::domain::link::LinkKind;
use sanaw::domain::stat_id::StatId;
use sanaw::store::schema::unit_links;
use sanaw::store::AnyConnection;

/// The register's current enterprise links, read once.
pub struct Links {
    /// Each enterprise's legal units.
    legal_units: HashMap<i64, Vec<i64>>,
    /// The enterprise of each legal unit that is its enterprise's only one.
    one_to_one: HashMap<i64, i64>,
}

impl Links {
    /// Reads the links that hold today: not superseded, with no end.
    pub fn read(conn: &mut AnyConnection) -> Links {
        let links: Vec<(i64, i64)> = unit_links::table
            .filter(unit_links::kind.eq(LinkKind::EnterpriseOf.as_str()))
            .filter(unit_links::superseded_at.is_null())
            .filter(unit_links::valid_to.is_null())
            .select((unit_links::from_unit, unit_links::to_unit))
            .load(conn)
            .expect("enterprise links read");
        let mut legal_units: HashMap<i64, Vec<i64>> = HashMap::new();
        for (legal, enterprise) in links {
            legal_units.entry(enterprise).or_default().push(legal);
        }
        let one_to_one = legal_units
            .iter()
            .filter(|(_, legal)| legal.len() == 1)
            .map(|(&enterprise, legal)| (legal[0], enterprise))
            .collect();
        Links {
            legal_units,
            one_to_one,
        }
    }

    /// How many enterprises there are, and how many have one legal unit.
    pub fn counts(&self) -> (usize, usize) {
        (self.legal_units.len(), self.one_to_one.len())
    }

    /// The legal unit of an enterprise that has one and only one.
    fn only_legal_unit(&self, enterprise: i64) -> Option<i64> {
        match self.legal_units.get(&enterprise)?.as_slice() {
            [legal] => Some(*legal),
            _ => None,
        }
    }
}

/// One result of a page, as far as the measures need it.
pub struct Hit {
    /// The unit's number.
    pub unit: i64,
    /// The name shown.
    pub name: String,
    /// `legal_unit`, `enterprise`, `local_unit`.
    pub kind: String,
    /// The enterprise folded into this hit, when the answer says.
    pub enterprise: Option<i64>,
    /// How the hit matched, when the answer says.
    pub matched: Option<String>,
}

/// A page of results, best first.
pub struct Page {
    /// The hits, in the order given.
    pub hits: Vec<Hit>,
}

/// A unit number from a stat_id in an answer.
fn unit_of(value: &serde_json::Value) -> Option<i64> {
    StatId::parse(value.as_str()?).ok().map(StatId::unit_number)
}

impl Page {
    /// The page of a search's JSON answer (its `results`, or `hits`).
    pub fn from_json(found: &serde_json::Value) -> Page {
        let list = found["results"]
            .as_array()
            .or_else(|| found["hits"].as_array());
        let text = |hit: &serde_json::Value, field: &str| hit[field].as_str().map(str::to_owned);
        let hits = list
            .into_iter()
            .flatten()
            .filter_map(|hit| {
                Some(Hit {
                    unit: unit_of(&hit["stat_id"])?,
                    name: text(hit, "name").unwrap_or_default(),
                    kind: text(hit, "kind").unwrap_or_default(),
                    enterprise: unit_of(&hit["enterprise"]),
                    matched: text(hit, "matched"),
                })
            })
            .collect();
        Page { hits }
    }

    /// Where the legal unit `target` came (1 = first): as itself, as the
    /// enterprise folded into a hit, or as its own one-to-one enterprise.
    pub fn rank_of(&self, target: i64, links: &Links) -> Option<usize> {
        let own_enterprise = links.one_to_one.get(&target).copied();
        self.hits
            .iter()
            .position(|hit| {
                hit.unit == target
                    || hit.enterprise == Some(target)
                    || Some(hit.unit) == own_enterprise
            })
            .map(|at| at + 1)
    }

    /// Whether the page lists a legal unit and, as another hit, the
    /// enterprise whose only legal unit it is: the same firm twice.
    pub fn has_pair(&self, links: &Links) -> bool {
        self.hits.iter().any(|hit| {
            links
                .only_legal_unit(hit.unit)
                .is_some_and(|legal| self.hits.iter().any(|other| other.unit == legal))
        })
    }

    /// How the first hit matched: its `matched`, `absent` when the answer
    /// does not say, `no hit` on an empty page.
    pub fn matched_first(&self) -> &str {
        match self.hits.first() {
            None => "no hit",
            Some(hit) => hit.matched.as_deref().unwrap_or("absent"),
        }
    }
}

/// What one query's page came to.
#[derive(Clone)]
pub struct Outcome {
    /// Where the unit sought came, or `None` outside the page.
    pub rank: Option<usize>,
    /// The page had no hit.
    pub empty: bool,
    /// The page held a legal unit beside its own enterprise.
    pub pair: bool,
    /// How the first hit matched (see [`Page::matched_first`]).
    pub matched: String,
    /// A search by name alone could put the unit on the page: at most ten
    /// legal units share its normalised name.
    pub ceiling: bool,
}

/// The measures over a set of outcomes.
pub struct Tally {
    /// How many queries.
    pub queries: usize,
    /// Share with the unit on the page (of ten).
    pub recall: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
    /// Share of empty pages.
    pub empty: f64,
    /// Share of pages with a legal unit beside its own enterprise.
    pub pairs: f64,
    /// Share of queries within the name-only ceiling.
    pub ceiling: f64,
    /// Recall among the queries within the ceiling.
    pub recall_in_ceiling: f64,
}

impl Tally {
    /// The measures of these outcomes.
    pub fn of(outcomes: &[&Outcome]) -> Tally {
        let n = outcomes.len().max(1) as f64;
        let share = |keep: &dyn Fn(&Outcome) -> bool| {
            outcomes.iter().filter(|o| keep(o)).count() as f64 / n
        };
        let within: Vec<&&Outcome> = outcomes.iter().filter(|o| o.ceiling).collect();
        let found_within = within.iter().filter(|o| o.rank.is_some()).count();
        Tally {
            queries: outcomes.len(),
            recall: share(&|o| o.rank.is_some()),
            // A fold from +0, not sum(): an empty f64 sum is -0.
            mrr: outcomes
                .iter()
                .filter_map(|o| o.rank)
                .fold(0.0, |sum, r| sum + 1.0 / r as f64)
                / n,
            empty: share(&|o| o.empty),
            pairs: share(&|o| o.pair),
            ceiling: share(&|o| o.ceiling),
            recall_in_ceiling: found_within as f64 / within.len().max(1) as f64,
        }
    }

    /// Recall as a share of the name-only ceiling.
    pub fn of_ceiling(&self) -> f64 {
        if self.ceiling > 0.0 {
            self.recall / self.ceiling
        } else {
            f64::NAN
        }
    }
}

/// The table header of [`row`].
pub fn header() -> String {
    format!(
        "  {:<26} {:>7} {:>9} {:>6} {:>6} {:>6} {:>8} {:>9} {:>10}",
        "label", "queries", "recall@10", "MRR", "empty", "pairs", "ceiling", "of ceil.", "in ceil."
    )
}

/// One line of the quality table.
pub fn row(label: &str, tally: &Tally) -> String {
    format!(
        "  {label:<26} {:>7} {:>9.4} {:>6.4} {:>6.4} {:>6.4} {:>8.4} {:>9.4} {:>10.4}",
        tally.queries,
        tally.recall,
        tally.mrr,
        tally.empty,
        tally.pairs,
        tally.ceiling,
        tally.of_ceiling(),
        tally.recall_in_ceiling
    )
}

/// How the first hits matched: each `matched` value with its share.
pub fn matched_shares(outcomes: &[&Outcome]) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.matched.as_str()).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let n = outcomes.len().max(1) as f64;
    counts
        .iter()
        .map(|(value, count)| format!("{value} {:.3}", *count as f64 / n))
        .collect::<Vec<_>>()
        .join(", ")
}
