//! Fellegi–Sunter scoring: how strongly the evidence says two records are
//! the same enterprise, field by field, with each field's contribution shown.
//!
//! For each field, the agreement level seen between two records adds
//! log2(m/u) to the score: m is how often that level is seen when the two are
//! the same enterprise, u how often when they are not. A missing value adds
//! nothing. The weights below are starting values; the data generator's ground
//! truth is what they are tuned against.

use chrono::NaiveDate;
use serde::Serialize;

use super::normalise::{self, NormalName};
use super::similarity::{jaro_winkler, token_set};

/// What the matcher knows of one record, prepared once.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The normalised name.
    pub name: NormalName,
    /// Folded address words that tell addresses apart (street and house number).
    pub address: Vec<String>,
    /// Where in `address` the house number is (the last number), and its
    /// value; found once, not for every candidate.
    pub house: Option<(usize, u32)>,
    /// Region code.
    pub region: Option<String>,
    /// NACE code at any level.
    pub activity: Option<String>,
    /// Legal form code (given, or read from the name).
    pub legal_form: Option<String>,
    /// Registration date.
    pub birth_date: Option<NaiveDate>,
    /// Named after a person: an individual entrepreneur, by legal form or by the name's shape.
    pub person: bool,
    /// The name's words run together, computed once: compared with every candidate.
    pub compact: String,
    /// Taxpayer number, if the record has one.
    pub tin: Option<String>,
    /// Justice registration number, if the record has one.
    pub reg_number: Option<String>,
}

impl Profile {
    /// Prepares a profile from raw values.
    pub fn new(
        name: &str,
        address: Option<&str>,
        region: Option<&str>,
        activity: Option<&str>,
        legal_form: Option<&str>,
        birth_date: Option<NaiveDate>,
    ) -> Self {
        let name = normalise::name(name);
        let legal_form = legal_form
            .map(str::to_owned)
            .or(name.legal_form.map(str::to_owned));
        let person =
            legal_form.as_deref() == Some("IE") || normalise::looks_like_person(&name.tokens);
        let place = address.map(normalise::place).unwrap_or_default();
        // A source that leaves the region empty often still names the town.
        let region = region.or(place.region);
        let house = place
            .words
            .iter()
            .enumerate()
            .rev()
            .find_map(|(at, word)| Some((at, word.parse::<u32>().ok()?)));
        Profile {
            house,
            compact: name.compact(),
            name,
            person,
            address: place.words,
            region: region.map(str::to_owned),
            activity: activity.map(str::to_owned),
            legal_form,
            birth_date,
            tin: None,
            reg_number: None,
        }
    }

    /// The same profile with the record's identifiers, compared as evidence.
    pub fn with_identifiers(mut self, tin: Option<&str>, reg_number: Option<&str>) -> Self {
        self.tin = tin.map(str::to_owned);
        self.reg_number = reg_number.map(str::to_owned);
        self
    }

    /// Whether this is an individual entrepreneur, named after a person.
    pub fn is_person(&self) -> bool {
        self.person
    }

    /// An entrepreneur's surname and the first letter of the given name,
    /// however the name is written: `A.B. Orazow`, `Orazow Aman Berdiýewiç`
    /// and `Aman Orazow` all give (`orazow`, `a`).
    pub fn surname_and_initial(&self) -> Option<(&str, char)> {
        if !self.person {
            return None;
        }
        normalise::surname_and_initial(&self.name.tokens)
    }
}

/// How well one field agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The same.
    Exact,
    /// Nearly the same (a typo, a neighbouring house, the same group of activities).
    Close,
    /// Somewhat alike.
    Partial,
    /// Different.
    Disagree,
    /// One side does not say.
    Missing,
}

/// One field's evidence and its contribution to the score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// `name`, `address`, `region`, `activity`, `legal_form`, `birth_date`, `tin` or `reg_number`.
    pub field: &'static str,
    /// How well it agrees.
    pub level: Level,
    /// The similarity measured, in [0, 1].
    pub similarity: f64,
    /// log2(m/u): what this adds to the score.
    pub weight: f64,
}

/// The comparison of two records.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The sum of the weights.
    pub score: f64,
    /// Field by field.
    pub evidence: Vec<Evidence>,
}

/// (m, u) for the levels exact, close, partial, disagree.
type Probabilities = [(f64, f64); 4];

const NAME: Probabilities = [(0.88, 0.0005), (0.08, 0.003), (0.03, 0.03), (0.01, 0.9665)];
const ADDRESS: Probabilities = [(0.55, 0.0005), (0.25, 0.005), (0.05, 0.05), (0.15, 0.9445)];
const REGION: Probabilities = [(0.95, 0.2), (0.0, 0.0), (0.0, 0.0), (0.05, 0.8)];
const ACTIVITY: Probabilities = [(0.6, 0.02), (0.15, 0.03), (0.15, 0.08), (0.1, 0.87)];
const LEGAL_FORM: Probabilities = [(0.9, 0.3), (0.0, 0.0), (0.0, 0.0), (0.1, 0.7)];
/// An equal identifier is the key lookup's business and weighs nothing here
/// (so it cannot shield a unit whose name and address contradict it); one
/// digit off or two swapped is a likely typo; a different one is a different
/// taxpayer or entity, unless mistyped.
const IDENTIFIER: Probabilities = [(1.0, 1.0), (0.04, 0.0005), (0.0, 0.0), (0.01, 0.99)];
const BIRTH_DATE: Probabilities = [(0.7, 0.0005), (0.2, 0.02), (0.0, 0.0), (0.1, 0.9795)];

/// The name weight of an agreement whose chance agreement is `u`, from how
/// common the name is: `Bereket` agreeing says less than `Parfiýa 39`.
/// Kept within a band around the fixed weight, so a count skewed by a
/// small register cannot decide alone.
pub fn name_weight_for_frequency(level: Level, u: f64) -> Option<f64> {
    let (m, fixed_u) = match level {
        Level::Exact => NAME[0],
        Level::Close => NAME[1],
        _ => return None,
    };
    let fixed = (m / fixed_u).log2();
    Some((m / u.max(1e-9)).log2().clamp(fixed - 4.0, fixed + 3.0))
}

fn weight(table: &Probabilities, level: Level) -> f64 {
    let (m, u) = match level {
        Level::Exact => table[0],
        Level::Close => table[1],
        Level::Partial => table[2],
        Level::Disagree => table[3],
        Level::Missing => return 0.0,
    };
    (m / u).log2()
}

/// Compares two profiles field by field.
pub fn compare(a: &Profile, b: &Profile) -> Comparison {
    let evidence = vec![
        evidence("name", &NAME, compare_names(a, b)),
        evidence("address", &ADDRESS, compare_addresses(a, b)),
        evidence(
            "region",
            &REGION,
            equal(a.region.as_deref(), b.region.as_deref()),
        ),
        evidence(
            "activity",
            &ACTIVITY,
            compare_activities(a.activity.as_deref(), b.activity.as_deref()),
        ),
        evidence(
            "legal_form",
            &LEGAL_FORM,
            equal(a.legal_form.as_deref(), b.legal_form.as_deref()),
        ),
        evidence(
            "birth_date",
            &BIRTH_DATE,
            compare_dates(a.birth_date, b.birth_date),
        ),
        evidence(
            "tin",
            &IDENTIFIER,
            compare_identifiers(a.tin.as_deref(), b.tin.as_deref()),
        ),
        evidence(
            "reg_number",
            &IDENTIFIER,
            compare_identifiers(a.reg_number.as_deref(), b.reg_number.as_deref()),
        ),
    ];
    Comparison {
        score: evidence.iter().map(|e| e.weight).sum(),
        evidence,
    }
}

fn evidence(
    field: &'static str,
    table: &Probabilities,
    (level, similarity): (Level, f64),
) -> Evidence {
    Evidence {
        field,
        level,
        similarity,
        weight: weight(table, level),
    }
}

fn compare_names(a: &Profile, b: &Profile) -> (Level, f64) {
    if a.name.tokens.is_empty() || b.name.tokens.is_empty() {
        return (Level::Missing, 0.0);
    }
    // A branch carries its parent's name, but it is not its parent.
    if a.name.branch != b.name.branch {
        return (Level::Disagree, 0.0);
    }
    if a.compact == b.compact {
        return (Level::Exact, 1.0);
    }
    if a.is_person() || b.is_person() {
        return compare_people(&a.name.tokens, &b.name.tokens);
    }
    let similarity =
        jaro_winkler(&a.compact, &b.compact).max(token_set(&a.name.tokens, &b.name.tokens));
    let level = match similarity {
        s if s >= 0.93 => Level::Close,
        s if s >= 0.85 => Level::Partial,
        _ => Level::Disagree,
    };
    (level, similarity)
}

/// `Orazow Aman Berdiýewiç`, `Orazow A.B.`, `A. Orazow` and `Aman Orazow`:
/// the surname must agree, and the rest (given name, then patronymic, in
/// full or as initials) must agree as far as both sides write it.
fn compare_people(a: &[String], b: &[String]) -> (Level, f64) {
    let similarity = token_set(a, b);
    let Some((a_rest, b_rest)) = split_surname(a, b) else {
        return (Level::Disagree, similarity);
    };
    if a_rest.is_empty() || b_rest.is_empty() {
        return (Level::Partial, similarity);
    }
    let agree = a_rest.iter().zip(&b_rest).all(|(x, y)| {
        if x.len() > 1 && y.len() > 1 {
            jaro_winkler(x, y) >= 0.9
        } else {
            x.chars().next() == y.chars().next()
        }
    });
    if agree {
        (Level::Close, similarity)
    } else {
        (Level::Disagree, similarity)
    }
}

/// The two names without their shared surname (the first written-out word
/// of one that matches one of the other), each rest in written order. A
/// surname run together with the given name (`Orazowaman`) leaves the given
/// name as the first word of its rest.
fn split_surname<'n>(a: &'n [String], b: &'n [String]) -> Option<(Vec<&'n str>, Vec<&'n str>)> {
    let (i, j, a_tail, b_tail) =
        a.iter()
            .enumerate()
            .filter(|(_, x)| x.len() > 1)
            .find_map(|(i, x)| {
                b.iter().enumerate().find_map(|(j, y)| {
                    if y.len() <= 1 {
                        return None;
                    }
                    // Before the fuzzy test, which a shared long prefix passes too.
                    let run_together = |long: &'n str, short: &str| {
                        (short.len() >= 5
                            && long.len() > short.len() + 1
                            && long.starts_with(short))
                        .then(|| &long[short.len()..])
                    };
                    run_together(x, y)
                        .map(|tail| (i, j, tail, ""))
                        .or_else(|| run_together(y, x).map(|tail| (i, j, "", tail)))
                        .or_else(|| (jaro_winkler(x, y) >= 0.92).then_some((i, j, "", "")))
                })
            })?;
    let rest = |tokens: &'n [String], skip: usize, tail: &'n str| {
        let others = tokens
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != skip)
            .map(|(_, t)| t.as_str());
        (!tail.is_empty())
            .then_some(tail)
            .into_iter()
            .chain(others)
            .collect::<Vec<_>>()
    };
    Some((rest(a, i, a_tail), rest(b, j, b_tail)))
}

/// Same street words and house number: exact; same street and a house number
/// off by one or missing: close; some words shared: partial. The house is the
/// last number; a street may be a number too (`1972 köçesi, 154`).
fn compare_addresses(a: &Profile, b: &Profile) -> (Level, f64) {
    if a.address.is_empty() || b.address.is_empty() {
        return (Level::Missing, 0.0);
    }
    let similarity = token_set(&street(a), &street(b));
    let (same_house, near_house) = match (a.house, b.house) {
        (Some((_, x)), Some((_, y))) => (x == y, x.abs_diff(y) == 1),
        _ => (false, true),
    };
    let level = match similarity {
        s if s >= 0.9 && same_house => Level::Exact,
        s if s >= 0.9 && near_house => Level::Close,
        s if s >= 0.75 => Level::Partial,
        _ => Level::Disagree,
    };
    (level, similarity)
}

/// The street's words: the address without its house number and short words.
fn street(profile: &Profile) -> Vec<&str> {
    let house_at = profile.house.map(|(at, _)| at);
    profile
        .address
        .iter()
        .enumerate()
        .filter(|(at, word)| Some(*at) != house_at && word.len() > 2)
        .map(|(_, word)| word.as_str())
        .collect()
}

/// Class, group, division: agreement at the finest level both sides know.
fn compare_activities(a: Option<&str>, b: Option<&str>) -> (Level, f64) {
    let (Some(a), Some(b)) = (a, b) else {
        return (Level::Missing, 0.0);
    };
    let digits = |code: &str| {
        code.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    };
    let (a, b) = (digits(a), digits(b));
    let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let finest = a.len().min(b.len());
    let level = match shared {
        s if s >= 4 || (s == finest && s >= 2) => Level::Exact,
        3 => Level::Close,
        2 => Level::Partial,
        _ => Level::Disagree,
    };
    (level, shared as f64 / 4.0)
}

fn compare_dates(a: Option<NaiveDate>, b: Option<NaiveDate>) -> (Level, f64) {
    let (Some(a), Some(b)) = (a, b) else {
        return (Level::Missing, 0.0);
    };
    let days = (a - b).num_days().abs();
    match days {
        0 => (Level::Exact, 1.0),
        d if d <= 366 => (Level::Close, 1.0 - d as f64 / 366.0),
        _ => (Level::Disagree, 0.0),
    }
}

/// Equal, a likely typo (one character off, or two neighbours swapped), or different.
fn compare_identifiers(a: Option<&str>, b: Option<&str>) -> (Level, f64) {
    let (Some(a), Some(b)) = (a, b) else {
        return (Level::Missing, 0.0);
    };
    if a == b {
        return (Level::Exact, 1.0);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let differ: Vec<usize> = (0..a.len().min(b.len()))
        .filter(|&i| a[i] != b[i])
        .collect();
    let typo = a.len() == b.len()
        && match differ[..] {
            [_] => true,
            [i, j] => j == i + 1 && a[i] == b[j] && a[j] == b[i],
            _ => false,
        };
    if typo {
        (Level::Close, 0.9)
    } else {
        (Level::Disagree, 0.0)
    }
}

fn equal(a: Option<&str>, b: Option<&str>) -> (Level, f64) {
    match (a, b) {
        (Some(a), Some(b)) if a == b => (Level::Exact, 1.0),
        (Some(_), Some(_)) => (Level::Disagree, 0.0),
        _ => (Level::Missing, 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entrepreneur_has_one_surname_and_initial_however_written() {
        let initial = |name: &str| {
            let profile = Profile::new(name, None, None, None, Some("IE"), None);
            profile
                .surname_and_initial()
                .map(|(surname, initial)| format!("{surname} {initial}"))
        };
        for name in [
            "A.B. Orazow",
            "Orazow Aman Berdiýewiç",
            "Aman Orazow",
            "Оразов А.",
        ] {
            assert_eq!(initial(name).as_deref(), Some("orazow a"), "{name}");
        }
        let firm = Profile::new("«Ak ýol» HJ", None, None, None, None, None);
        assert_eq!(firm.surname_and_initial(), None);
    }

    fn company(name: &str, address: &str, region: &str, activity: &str) -> Profile {
        Profile::new(
            name,
            Some(address),
            Some(region),
            Some(activity),
            None,
            None,
        )
    }

    #[test]
    fn the_same_enterprise_in_two_scripts_scores_high() {
        let latin = company(
            "«Ak ýol» HJ",
            "Aşgabat ş., Magtymguly şaýoly 45",
            "TM-S",
            "62.10",
        );
        let cyrillic = company("ХО «Ак йол»", "Ашхабад, Магтымгулы шаёлы 45", "TM-S", "62");
        let comparison = compare(&latin, &cyrillic);
        assert!(comparison.score > 15.0, "{comparison:#?}");
        assert_eq!(comparison.evidence[0].level, Level::Exact);
    }

    #[test]
    fn a_popular_name_in_another_region_scores_low() {
        let mary = company("Bereket HJ", "Mary, Azady köçesi 12", "TM-M", "47.11");
        let lebap = company("Bereket", "Türkmenabat, Puşkin köçesi 3", "TM-L", "01.11");
        let comparison = compare(&mary, &lebap);
        assert!(comparison.score < 5.0, "{comparison:#?}");
    }

    #[test]
    fn a_typo_in_the_name_is_close_not_exact() {
        let a = company("Gülzemin", "Mary, Azady 5", "TM-M", "13.20");
        let b = company("Güizemin", "Mary, Azady 5", "TM-M", "13.20");
        let comparison = compare(&a, &b);
        assert_eq!(comparison.evidence[0].level, Level::Close);
        assert!(comparison.score > 15.0, "{comparison:#?}");
    }

    #[test]
    fn a_branch_named_after_its_parent_is_not_its_parent() {
        let parent = company("Ak ýol HJ", "Aşgabat, Magtymguly 45", "TM-S", "62.10");
        let branch = company("Ak ýol HJ Mary şahamçasy", "Mary, Azady 7", "TM-M", "62.10");
        let comparison = compare(&parent, &branch);
        assert!(comparison.score < 5.0, "{comparison:#?}");
    }

    #[test]
    fn a_street_named_by_a_number_is_a_street() {
        let a = company("Ak ýol", "Aşgabat ş., 1972 köç., 154", "TM-S", "47");
        let b = company("Ак йол", "Ашхабад, ул. 1972, д. 154", "TM-S", "47");
        let c = company("Ак йол", "Ашхабад, ул. 1995, д. 154", "TM-S", "47");
        assert_eq!(compare(&a, &b).evidence[1].level, Level::Exact);
        assert_eq!(compare(&a, &c).evidence[1].level, Level::Disagree);
    }

    #[test]
    fn a_surname_run_together_with_the_given_name_still_matches_initials() {
        let person = |name: &str| Profile::new(name, None, Some("TM-L"), None, Some("IE"), None);
        let run_together = person("Бердигелдиеваннагелди Какаджанович");
        let initials = person("A.K. Berdigeldiyew");
        assert_eq!(
            compare(&run_together, &initials).evidence[0].level,
            Level::Close
        );
        let other = person("G.K. Berdigeldiyew");
        assert_eq!(
            compare(&run_together, &other).evidence[0].level,
            Level::Disagree
        );
    }

    #[test]
    fn a_different_identifier_counts_against_a_swapped_one_does_not() {
        let record = company("Ak ýol", "Mary, Azady 5", "TM-M", "13.20");
        let with = |tin: &str| record.clone().with_identifiers(Some(tin), None);
        let base = compare(&with("123456789012"), &record).score;
        let other = compare(&with("123456789012"), &with("999999999999"));
        let swapped = compare(&with("123456789012"), &with("123456789021"));
        let same = compare(&with("123456789012"), &with("123456789012"));
        assert!(other.score < base - 5.0, "{other:#?}");
        assert!(swapped.score > base, "{swapped:#?}");
        assert_eq!(same.score, base, "an equal id is the key lookup's business");
    }

    #[test]
    fn entrepreneurs_with_initials_match_their_full_names() {
        let person = |name: &str| Profile::new(name, None, Some("TM-S"), None, Some("IE"), None);
        let full = person("Orazow Aman Berdiýewiç");
        for short in [
            "Orazow A.B.",
            "ИП Оразов А.Б.",
            "A. Orazow",
            "Aman Orazow",
            "A.B. Orazow",
        ] {
            let level = compare(&full, &person(short)).evidence[0].level;
            assert!(
                matches!(level, Level::Close | Level::Partial),
                "{short}: {level:?}"
            );
        }
        let other = compare(&full, &person("Orazow M.B.")).evidence[0].level;
        assert_eq!(other, Level::Disagree);
        // No legal form on one side: the name's shape says it is a person.
        let bare = Profile::new("Öwezow Myrat", None, None, None, None, None);
        let entrepreneur =
            Profile::new("Ý.T. Öwezow Myrat Döwletowiç", None, None, None, None, None);
        assert_eq!(
            compare(&bare, &entrepreneur).evidence[0].level,
            Level::Close
        );
        let brother = Profile::new("Öwezow Merdan", None, None, None, None, None);
        assert_eq!(
            compare(&brother, &entrepreneur).evidence[0].level,
            Level::Disagree
        );
        let initials = |a: &str, b: &str| compare(&person(a), &person(b)).evidence[0].level;
        assert_eq!(initials("A.Ş. Täçgeldiýew", "A. Tacgeldiyew"), Level::Close);
        assert_eq!(
            initials("A.Ş. Täçgeldiýew", "B. Täçgeldiýew"),
            Level::Disagree
        );
    }

    #[test]
    fn missing_fields_count_for_nothing() {
        let a = Profile::new("Nusaý", None, None, None, None, None);
        let b = Profile::new(
            "Nusaý",
            Some("Aşgabat 1"),
            Some("TM-S"),
            Some("62"),
            None,
            None,
        );
        let comparison = compare(&a, &b);
        let others: f64 = comparison.evidence[1..].iter().map(|e| e.weight).sum();
        assert_eq!(others, 0.0);
    }
}
