//! Search at scale (issues 4 and 20): how well and how fast
//! `GET /api/v1/units?q=` finds a unit from a name typed wrong, and the
//! same next to PostgreSQL's `pg_trgm`, the search most registers would use.
//!
//! What it does, in order:
//! 1. Generates extracts with `support/generator.rs` and loads justice, tax
//!    and statistics through the real `sanaw load`. Firm names repeat as in
//!    a register: a few very common (`Bereket`), a long tail of names of
//!    their own; short words and numbers (`Azyk 57`), two-word names, Latin
//!    loan words (`Altyn Engineering`).
//! 2. Times `sanaw reindex` (a full rebuild of the index from the database)
//!    as its own process: wall time, units/s, peak RSS.
//! 3. Prints how names repeat, among the entities and among the names the
//!    register shows for its legal units (normalised as the index does):
//!    distinct names, the share of units with a name of their own and with
//!    one more than ten units share. Builds the queries. Each generator
//!    entity is mapped to the unit most of its rows were linked to
//!    (`sanaw export links` joined with `truth.csv`). A deterministic
//!    sample of entities (`BENCH_SEED`), namesakes included, gets an equal
//!    share of four labelled kinds of query (`support/queries.rs`):
//!    - `other-script typo`: the clean name in the other script than the
//!      register shows (Latin Turkmen ↔ Russian-style Cyrillic) with one
//!      typo in a word of five letters or more, half with the legal form's
//!      abbreviation;
//!    - `short-word drop`: a letter dropped from a word of 3 to 5 letters
//!      (`Biim 76` for `Bilim 76`);
//!    - `one word of two misspelt`: two typos in one word of six letters or
//!      more of a two-word name, the other right (`Nusaý beekt`);
//!    - `letter-by-letter cyrillic`: loan words typed in Cyrillic letter
//!      by letter (`Енгинееринг`, `Цонсултинг`).
//!
//!    The last three are asked for firms only; the middle two are written
//!    in the script the register shows the name in.
//! 4. Starts `sanaw serve`, asks every query once as the statisticians'
//!    default view does (`limit=10`, no `kind`) and reports, overall and per
//!    label: recall@10 and MRR (a hit counts as the unit sought when it is
//!    the legal unit, when its `enterprise` is, or when it is the legal
//!    unit's one-to-one enterprise), the share of empty pages, the share of
//!    pages listing a legal unit beside its own enterprise (the register's
//!    current `enterprise_of` links), and the name-only ceiling: the share
//!    of queries whose unit at most ten legal units share the normalised
//!    shown name with, so that a perfect search by name alone could put it
//!    on the page, with recall as a share of it. Then how the first hits
//!    matched (`matched`, where the answer says), and each label's misses
//!    with what came first. The answers' `enterprise` and `matched` fields
//!    are read when present. Then drives the server with concurrent
//!    keep-alive clients for a fixed time with typical queries (those
//!    queries, the plain names, and their first one or two words),
//!    round-robin; then with typical queries of other entities, each sent
//!    once, so that no answer comes from lists cached for the same query
//!    earlier (as with real users, whose typos are their own); then with
//!    `/units/suggest` keystrokes (prefixes of 3 to 8 characters), and
//!    reports throughput, latency percentiles, errors and the server's peak
//!    RSS. The engine alone, in process, with and without facet counts,
//!    shows what the facets cost.
//! 5. With `BENCH_PG_URL`, fills a fresh `bench_names` table with every
//!    legal unit's current names, normalised as the index normalises them,
//!    builds a trigram GIN index, and runs the same queries the same ways;
//!    then prints the ratios sanaw / pg_trgm.
//!
//! Environment: `BENCH_ENTITIES` (default 100,000; the figure is
//! 1,000,000), `BENCH_SEED` (7), `BENCH_QUERIES` (2,000, shared equally by
//! the four labels), `BENCH_CLIENTS` (16), `BENCH_SECONDS` (10 per timed
//! run, after 2 s of warm-up; 2 makes a short run), `BENCH_FRESH` (entities
//! whose typical queries are each sent once, 8,000), `BENCH_MISSES` (misses
//! printed per label, 10), `BENCH_PG_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`; unset skips the
//! comparison), `BENCH_KEEP=1` keeps the folder,
//! `BENCH_REUSE=<folder>` starts from a folder an earlier run kept (its
//! extracts and loaded register: steps 1's generation and loads are skipped,
//! the rest runs), so a change to the index is measured at 1,000,000 units
//! without ten minutes of loading each time; with it, `BENCH_REINDEX=0`
//! keeps the folder's index as it is, for a change to queries alone.
//! `BENCH_TARGETS_OUT=<file>` writes the typical search targets, one per
//! line, so that another load tool (Debian's `wrk` with a round-robin
//! script) can drive a `sanaw serve` with the same mix.
//!
//! `cargo bench --bench search`

#[path = "support/drive.rs"]
mod drive;
#[path = "support/generator.rs"]
mod generator;
#[path = "support/http.rs"]
mod http;
#[path = "support/namesakes.rs"]
mod namesakes;
#[path = "support/pages.rs"]
mod pages;
#[path = "support/pg_trgm.rs"]
mod pg_trgm;
#[path = "support/process.rs"]
mod process;
#[path = "support/queries.rs"]
mod queries;
#[path = "support/server.rs"]
mod server;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::SqliteConnection;
use sanaw::domain::stat_id::StatId;
use sanaw::domain::unit::UnitKind;
use sanaw::reconcile::normalise;
use sanaw::search::index::document::UnitDocument;
use sanaw::search::query::{self as engine, Filters, SearchRequest};
use sanaw::search::SearchIndex;
use sanaw::store::schema::{source_records, units};
use sanaw::store::AnyConnection;
use server::{json, Server};

use drive::{ms, Summary};
use namesakes::Frequencies;
use pages::{Links, Outcome, Page, Tally};
use queries::{Label, Rng, Script, Typo};

/// The targets, printed beside the figures they apply to.
const TARGET_RECALL: f64 = 0.98;
/// Recall as a share of the name-only ceiling, at 1,000,000 entities.
const TARGET_OF_CEILING: f64 = 0.95;
const TARGET_REINDEX_1M: &str = "issue: ≤ 60 s at 1,000,000 units";
const TARGET_SPEED: &str =
    "issue at 1,000,000 units: p50 ≤ 2 ms, p99 ≤ 20 ms (10 ms suggested), ≥ 3,000 searches/s";
/// Seconds of unmeasured load before each timed run.
const WARM_UP: Duration = Duration::from_secs(2);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bench's knobs, from the environment.
struct Settings {
    entities: usize,
    seed: u64,
    queries: usize,
    /// Entities whose typical queries are sent once each.
    fresh: usize,
    clients: usize,
    duration: Duration,
    misses: usize,
    pg_url: Option<String>,
    keep: bool,
    reuse: Option<std::path::PathBuf>,
    /// Whether to rebuild the index (always, unless reusing a folder).
    reindex: bool,
}

impl Settings {
    fn from_env() -> Settings {
        Settings {
            entities: env_or("BENCH_ENTITIES", 100_000),
            seed: env_or("BENCH_SEED", 7),
            queries: env_or("BENCH_QUERIES", 2_000),
            fresh: env_or("BENCH_FRESH", 8_000),
            clients: env_or("BENCH_CLIENTS", 16).max(1),
            duration: Duration::from_secs(env_or("BENCH_SECONDS", 10)),
            misses: env_or("BENCH_MISSES", 10),
            pg_url: std::env::var("BENCH_PG_URL")
                .ok()
                .filter(|url| !url.is_empty()),
            keep: std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1"),
            reuse: std::env::var_os("BENCH_REUSE").map(std::path::PathBuf::from),
            reindex: std::env::var_os("BENCH_REUSE").is_none() || env_or("BENCH_REINDEX", 1) != 0,
        }
    }
}

fn main() {
    let settings = Settings::from_env();
    let (_folder, root) = workspace(&settings);
    let root = root.as_path();
    let data = root.join("data");

    match &settings.reuse {
        Some(kept) => println!("reusing the extracts and register in {}", kept.display()),
        None => server::generate_and_load(root, &data, settings.entities, settings.seed),
    }
    if settings.reindex {
        reindex(&data);
    }
    let assigned = entity_units(root, &data);
    let entities = read_entities(root);
    let mut conn = open_register(&data);
    let legal = legal_units(&mut conn);
    let register = Register {
        names: name_frequencies(&entities, &mut conn, &legal),
        links: Links::read(&mut conn),
    };
    let (enterprises, one_to_one) = register.links.counts();
    println!(
        "enterprise links: {enterprises} enterprises, {one_to_one} of them with one legal unit \
         (a page listing both lists one firm twice)"
    );
    let set = QuerySet::build(&entities, &assigned, &legal, &mut conn, &settings);
    drop(conn);

    let server = Server::start(&data);
    let outcomes = sanaw_quality(&server, &set, &register, &settings);
    let sanaw_ranks: Vec<Rank> = outcomes.iter().map(|o| o.rank).collect();
    sanaw_ceiling(&server, &set, &register.links, &sanaw_ranks);
    let typical = typical_mix(&set.queries);
    let fresh = typical_mix(&set.fresh);
    let sanaw_speed = sanaw_search_speed(&server, &typical, &settings);
    sanaw_fresh_search_speed(&server, &fresh, &settings);
    sanaw_suggest_speed(&server, &set, &settings);
    println!(
        "server peak RSS: {:.0} MiB",
        process::mib(server.stop().unwrap_or(0))
    );
    engine_with_and_without_facets(&data, &typical, &fresh);

    match &settings.pg_url {
        Some(url) => {
            let sanaw = Measured {
                quality: Quality::of(&sanaw_ranks),
                speed: sanaw_speed,
            };
            compare_with_pg_trgm(url, &data, &set, &typical, &sanaw, &settings);
        }
        None => println!("pg_trgm: skipped (set BENCH_PG_URL to compare)"),
    }
    if settings.keep && settings.reuse.is_none() {
        println!("kept {} (give it as BENCH_REUSE)", root.display());
    }
}

/// The folder the run works in: the one `BENCH_REUSE` names, else a new
/// temporary one (deleted when the first value drops), which `BENCH_KEEP=1`
/// keeps from the start, so that a run that fails after the loads still
/// leaves them to reuse.
fn workspace(settings: &Settings) -> (Option<tempfile::TempDir>, std::path::PathBuf) {
    if let Some(kept) = &settings.reuse {
        return (None, kept.clone());
    }
    let folder = tempfile::tempdir().expect("a temporary folder");
    if settings.keep {
        let path = folder.keep();
        println!("keeping {}", path.display());
        return (None, path);
    }
    let path = folder.path().to_owned();
    (Some(folder), path)
}

// ---------------------------------------------------------------------------
// 1–2. Data, loads and the index

/// A full rebuild of the index from the database, as its own process.
fn reindex(data: &Path) {
    let run = process::run(data, &["reindex"]);
    // "indexed N units in …"
    let units: u64 = run
        .stdout
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("sanaw reindex says how many units it indexed");
    println!(
        "reindex: {units} units (legal units, their enterprises, local units) in {:.1} s = {:.0} units/s, \
         peak RSS {:.0} MiB ({TARGET_REINDEX_1M})",
        run.elapsed.as_secs_f64(),
        units as f64 / run.elapsed.as_secs_f64(),
        process::mib(run.peak_kib)
    );
}

// ---------------------------------------------------------------------------
// 3. Which unit each entity became

/// Where an entity's rows went.
enum Assigned {
    /// Most of its linked rows are in this unit (its number).
    Unit(i64),
    /// None of its rows is linked (in review, rejected).
    Nowhere,
    /// Linked to several units with no majority.
    Split,
}

/// Maps every entity to its unit: the links export joined with the truth on
/// (source, line). Prints how many entities have no clear unit.
fn entity_units(root: &Path, data: &Path) -> HashMap<String, Assigned> {
    let links = root.join("links.csv");
    let started = Instant::now();
    process::run(
        data,
        &[
            "export",
            "links",
            "--output",
            links.to_str().expect("a UTF-8 path"),
        ],
    );
    println!("links exported in {:.1} s", started.elapsed().as_secs_f64());

    // (source, line) → entity, from truth.csv: source,source_key,entity,line
    let mut entity_of: HashMap<(String, String), String> = HashMap::new();
    for fields in csv_rows(&root.join("truth.csv")) {
        let [source, _, entity, line] = take::<4>(fields);
        entity_of.insert((source, line), entity);
    }
    // entity → rows linked per unit; links.csv: source,source_key,line,load_id,unit_id,method,score
    let mut linked: HashMap<String, HashMap<i64, usize>> = HashMap::new();
    for fields in csv_rows(&links) {
        let [source, _, line, _, unit] = take::<5>(fields);
        let Some(entity) = entity_of.get(&(source, line)) else {
            continue;
        };
        let per_unit = linked.entry(entity.clone()).or_default();
        if let Ok(stat_id) = StatId::parse(&unit) {
            *per_unit.entry(stat_id.unit_number()).or_default() += 1;
        }
    }
    let mut assigned = HashMap::new();
    let (mut split_kept, mut split, mut nowhere) = (0, 0, 0);
    let entities: HashSet<&String> = entity_of.values().collect();
    for entity in entities {
        let per_unit = linked.get(entity);
        let total: usize = per_unit.map_or(0, |p| p.values().sum());
        let best = per_unit.and_then(|p| p.iter().max_by_key(|(unit, rows)| (**rows, -**unit)));
        let assignment = match best {
            None => {
                nowhere += 1;
                Assigned::Nowhere
            }
            // No unit holds more than half of the entity's linked rows.
            Some((_, &rows)) if 2 * rows <= total => {
                split += 1;
                Assigned::Split
            }
            Some((&unit, _)) => {
                if per_unit.is_some_and(|p| p.len() > 1) {
                    split_kept += 1;
                }
                Assigned::Unit(unit)
            }
        };
        assigned.insert(entity.clone(), assignment);
    }
    println!(
        "entities → units: {} entities with rows; {nowhere} with no linked row (review, rejected), \
         {split} split over units with no majority (these two left out), {split_kept} split but with a majority unit (kept)",
        assigned.len()
    );
    assigned
}

/// The register's SQLite file, opened in process for reads.
fn open_register(data: &Path) -> AnyConnection {
    let path = data.join("sanaw.db");
    let conn = SqliteConnection::establish(path.to_str().expect("a UTF-8 path"))
        .expect("the register's SQLite file opens");
    AnyConnection::Sqlite(conn)
}

/// The numbers of every legal unit.
fn legal_units(conn: &mut AnyConnection) -> HashSet<i64> {
    units::table
        .filter(units::kind.eq(UnitKind::LegalUnit.as_str()))
        .select(units::id)
        .load::<i64>(conn)
        .expect("legal units read")
        .into_iter()
        .collect()
}

/// What the register shows for each of these units, and every name it
/// indexes for it (the search index's own view, `UnitDocument`).
fn documents(conn: &mut AnyConnection, ids: &[i64]) -> HashMap<i64, UnitDocument> {
    let mut records: HashMap<i64, Vec<_>> = HashMap::new();
    for (unit, record) in sanaw::store::units::records_by_unit(conn, ids).expect("records read") {
        records.entry(unit).or_default().push(record);
    }
    let today = chrono::Utc::now().date_naive();
    records
        .into_iter()
        .map(|(unit, records)| {
            let stat_id = StatId::from_unit_number(unit);
            let document = UnitDocument::new(stat_id, UnitKind::LegalUnit, &records, today);
            (unit, document)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// 3. The queries

/// One quality query and what is known about it.
struct Query {
    /// What the query does to the name.
    label: Label,
    /// The query box's text.
    text: String,
    /// The unit it should find (its number).
    unit: i64,
    /// The unit it should find (its stat_id).
    expected: String,
    /// The entity's clean name (Turkmen Latin, no legal form).
    clean: String,
    /// The clean name written in the query's script, without the error.
    written: String,
    /// The name the register shows for the expected unit.
    shown: String,
    /// The query's script.
    script: Script,
    /// An individual entrepreneur (the rest are firms).
    person: bool,
    /// The query carries the legal form's abbreviation.
    with_form: bool,
    /// The typo of an other-script query.
    typo: Option<Typo>,
    /// The clean name in the query's script already normalises to another
    /// key than the clean name itself: the script costs an edit before the
    /// error does.
    folds_apart: bool,
    /// No name the register holds for the unit normalises to the clean
    /// name's key (the sources only ever wrote it otherwise).
    name_unknown: bool,
    /// The engine's word rule can match the query to the unit's names at
    /// all (see [`within_typo_budget`]); when it cannot, no ranking helps.
    reachable: bool,
}

/// The sample of queries, and the names they came from.
struct QuerySet {
    queries: Vec<Query>,
    /// Queries of other entities, for the run that asks each query once.
    fresh: Vec<Query>,
}

/// An entity of entities.csv (entity,name,legal_form,region,tin,reg_number,activity,dead,parent).
struct Entity {
    id: String,
    name: String,
    legal_form: String,
    branch: bool,
}

/// Every entity of entities.csv.
fn read_entities(root: &Path) -> Vec<Entity> {
    csv_rows(&root.join("entities.csv"))
        .map(|fields| {
            let [id, name, legal_form, _, _, _, _, _, parent] = take::<9>(fields);
            Entity {
                id,
                name,
                legal_form,
                branch: !parent.is_empty(),
            }
        })
        .collect()
}

/// How names repeat among the entities and among the names the register
/// shows; the register's counts give each query its name-only ceiling.
fn name_frequencies(
    entities: &[Entity],
    register: &mut AnyConnection,
    legal: &HashSet<i64>,
) -> Frequencies {
    let mut clean = Frequencies::default();
    for entity in entities.iter().filter(|e| !e.branch) {
        clean.add(None, key(&entity.name));
    }
    println!(
        "names of the entities (no branches), normalised: {}",
        clean.summary()
    );
    let started = Instant::now();
    let shown = namesakes::shown_names(register, legal);
    println!(
        "names the register shows for its legal units, normalised (read in {:.1} s): {}",
        started.elapsed().as_secs_f64(),
        shown.summary()
    );
    shown
}

impl QuerySet {
    /// Draws the sample and writes its queries; prints what was left out and why.
    fn build(
        entities: &[Entity],
        assigned: &HashMap<String, Assigned>,
        legal: &HashSet<i64>,
        register: &mut AnyConnection,
        settings: &Settings,
    ) -> QuerySet {
        let mut skipped = Skipped::default();
        let candidates = candidates(entities, assigned, legal, settings.seed, &mut skipped);
        let mut draw = Draw::new(settings);
        for chunk in candidates.chunks(500) {
            if draw.done() {
                break;
            }
            let ids: Vec<i64> = chunk.iter().map(|(_, _, unit)| *unit).collect();
            let documents = documents(register, &ids);
            for (order, entity, unit) in chunk {
                if draw.done() {
                    break;
                }
                let Some(document) = documents.get(unit) else {
                    continue;
                };
                if !draw.offer(entity, document, *order, settings.seed) {
                    skipped.unfit += 1;
                }
            }
        }
        let set = QuerySet {
            queries: draw.labelled,
            fresh: draw.fresh,
        };
        set.describe(candidates.len(), &skipped);
        set
    }

    /// What was drawn, what was left out, and a few examples of each label.
    fn describe(&self, eligible: usize, skipped: &Skipped) {
        let per_label: Vec<String> = Label::ALL
            .iter()
            .map(|&label| {
                let n = self.queries.iter().filter(|q| q.label == label).count();
                format!("{n} {}", label.name())
            })
            .collect();
        println!(
            "queries: {} drawn ({}) and {} fresh from {eligible} eligible entities, namesakes included; \
             left out: {} branches (local units), {} without a clear unit, {} whose unit is not a legal unit, \
             {} drawn but fit for no label still open",
            self.queries.len(),
            per_label.join(", "),
            self.fresh.len(),
            skipped.branch,
            skipped.no_unit,
            skipped.not_legal,
            skipped.unfit,
        );
        for label in Label::ALL {
            for query in self.queries.iter().filter(|q| q.label == label).take(3) {
                println!(
                    "  e.g. {}: {:?} for {:?} (shown {:?})",
                    label.name(),
                    query.text,
                    query.clean,
                    query.shown
                );
            }
        }
    }
}

/// Every entity that became a legal unit, namesakes included, in the
/// seed's order: (order, entity, unit).
fn candidates<'a>(
    entities: &'a [Entity],
    assigned: &HashMap<String, Assigned>,
    legal: &HashSet<i64>,
    seed: u64,
    skipped: &mut Skipped,
) -> Vec<(u64, &'a Entity, i64)> {
    let mut candidates = Vec::new();
    for (index, entity) in entities.iter().enumerate() {
        let unit = match assigned.get(&entity.id) {
            _ if entity.branch => {
                skipped.branch += 1;
                continue;
            }
            Some(Assigned::Unit(unit)) if legal.contains(unit) => *unit,
            Some(Assigned::Unit(_)) => {
                skipped.not_legal += 1;
                continue;
            }
            Some(Assigned::Split | Assigned::Nowhere) | None => {
                skipped.no_unit += 1;
                continue;
            }
        };
        let order = queries::mix(seed ^ queries::mix(index as u64));
        candidates.push((order, entity, unit));
    }
    candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    candidates
}

/// The queries drawn so far: an equal share of `BENCH_QUERIES` per label,
/// then the fresh ones.
struct Draw {
    quota: [usize; 4],
    filled: [usize; 4],
    labelled: Vec<Query>,
    fresh: Vec<Query>,
    fresh_wanted: usize,
}

impl Draw {
    fn new(settings: &Settings) -> Draw {
        let share = settings.queries / Label::ALL.len();
        let mut quota = [share; 4];
        quota[0] += settings.queries - share * Label::ALL.len();
        Draw {
            quota,
            filled: [0; 4],
            labelled: Vec::with_capacity(settings.queries),
            fresh: Vec::new(),
            fresh_wanted: settings.fresh,
        }
    }

    fn done(&self) -> bool {
        self.filled == self.quota && self.fresh.len() >= self.fresh_wanted
    }

    /// Makes the entity's query for the open label least filled that its
    /// name fits, else a fresh one; whether it made one. Each label draws
    /// from its own stream, so a query does not depend on the labels tried.
    fn offer(&mut self, entity: &Entity, document: &UnitDocument, order: u64, seed: u64) -> bool {
        let mut open: Vec<usize> = (0..Label::ALL.len())
            .filter(|&l| self.filled[l] < self.quota[l])
            .collect();
        // filled / quota ascending, compared without division.
        open.sort_by_key(|&l| (self.filled[l] * 1_000_000 / self.quota[l].max(1), l));
        for l in open {
            let mut rng = Rng::new(seed, order.wrapping_add(l as u64));
            if let Some(query) = Query::new(Label::ALL[l], entity, document, &mut rng) {
                self.labelled.push(query);
                self.filled[l] += 1;
                return true;
            }
        }
        if self.fresh.len() >= self.fresh_wanted {
            return false;
        }
        let mut rng = Rng::new(seed, order);
        let fresh = Query::new(Label::OtherScriptTypo, entity, document, &mut rng);
        fresh.map(|query| self.fresh.push(query)).is_some()
    }
}

/// The typical query mix of the timed runs, as URL targets: each quality
/// query, the plain name, and its first one or two words.
fn typical_mix(queries: &[Query]) -> Vec<Typical> {
    let mut typical = Vec::with_capacity(queries.len() * 3);
    for (i, query) in queries.iter().enumerate() {
        let words: Vec<&str> = query.clean.split(' ').collect();
        let partial = words[..words.len().min(1 + i % 2)].join(" ");
        for text in [&query.text, &query.clean, &partial] {
            typical.push(Typical::new(text));
        }
    }
    typical
}

/// Why entities were left out of the sample.
#[derive(Default)]
struct Skipped {
    branch: usize,
    no_unit: usize,
    not_legal: usize,
    unfit: usize,
}

/// A name as written in a query's script and as typed wrong.
struct Misspelt {
    script: Script,
    /// Written right.
    written: String,
    /// Typed.
    typed: String,
    typo: Option<Typo>,
}

impl Misspelt {
    /// The clean Latin name typed the label's way; `None` when the name has
    /// nothing the label needs. Other-script typos are in the other script
    /// than the register shows (`shown`), letter-by-letter loans in
    /// Cyrillic, and the rest in the shown script, so that each label
    /// measures its own error alone.
    fn new(label: Label, clean: &str, shown: Script, rng: &mut Rng) -> Option<Misspelt> {
        let script = match label {
            Label::OtherScriptTypo => shown.other(),
            Label::LetterByLetter => Script::Cyrillic,
            Label::ShortWordDrop | Label::OneWordOfTwo => shown,
        };
        let written = script.render(clean);
        let written_key = key(&written);
        let (typed, typo) = match label {
            Label::OtherScriptTypo => {
                let (typed, typo) = queries::with_typo(rng, &written, |c| key(c) != written_key)?;
                (typed, Some(typo))
            }
            Label::ShortWordDrop => (queries::short_word_drop(rng, &written)?, None),
            Label::OneWordOfTwo => {
                let two_off = |c: &str| edit_distance(&key(c), &written_key) >= 2;
                (queries::one_word_of_two(rng, &written, two_off)?, None)
            }
            Label::LetterByLetter => (queries::letter_by_letter(clean)?, None),
        };
        // A loan word typed letter by letter that folds like Russian's
        // spelling of it (`Медиа`), or like the Latin one, which the index
        // maps Russian's to (`Гроуп`, `Групп` and `Group`), is no error at all.
        (key(&typed) != written_key).then_some(Misspelt {
            script,
            written,
            typed,
            typo,
        })
    }
}

impl Query {
    /// The query of one label for one entity; `None` when its name has
    /// nothing the label needs. Entrepreneurs get other-script typos only:
    /// the other labels are about firms' names.
    fn new(label: Label, entity: &Entity, document: &UnitDocument, rng: &mut Rng) -> Option<Query> {
        let person = entity.legal_form == "IE";
        if person && label != Label::OtherScriptTypo {
            return None;
        }
        let shown = document.name.clone().unwrap_or_default();
        let misspelt = Misspelt::new(label, &entity.name, Script::of(&shown), rng)?;
        let form = queries::form_abbreviation(&entity.legal_form, misspelt.script)
            .filter(|_| label == Label::OtherScriptTypo);
        let (text, with_form) = match form {
            Some(form) if rng.below(2) == 0 => {
                let text = if rng.below(2) == 0 {
                    format!("{form} {}", misspelt.typed)
                } else {
                    format!("{} {form}", misspelt.typed)
                };
                (text, true)
            }
            _ => (misspelt.typed.clone(), false),
        };
        let clean_key = key(&entity.name);
        let unit_keys: Vec<String> = document.names.iter().map(|name| key(name)).collect();
        Some(Query {
            label,
            reachable: within_typo_budget(&normalise::name(&text).tokens, &unit_keys),
            text,
            unit: document.stat_id.unit_number(),
            expected: document.stat_id.to_string(),
            clean: entity.name.clone(),
            folds_apart: key(&misspelt.written) != clean_key,
            name_unknown: !document.names.iter().any(|name| key(name) == clean_key),
            written: misspelt.written,
            shown,
            script: misspelt.script,
            person,
            with_form,
            typo: misspelt.typo,
        })
    }
}

/// A name as the index compares it.
fn key(text: &str) -> String {
    normalise::name(text).key()
}

/// Whether the engine's rule for name words (`src/search/query.rs`) can
/// match these query words to a unit whose indexed names are `names`: each
/// word equal to a word of any of the names, within its typo allowance of
/// one, or (the last word) the start of one; all words must match, but one
/// may be missing from a query of three or more. Address words, which also
/// count, are left out: this asks whether the name alone can be found.
fn within_typo_budget(words: &[String], names: &[String]) -> bool {
    let name_words: Vec<&str> = names.iter().flat_map(|n| n.split(' ')).collect();
    let missing = words
        .iter()
        .enumerate()
        .filter(|(at, word)| {
            let last = at + 1 == words.len();
            !name_words.iter().any(|name| {
                edit_distance(word, name) <= typo_allowance(word)
                    || (last && name.starts_with(word.as_str()))
            })
        })
        .count();
    let may_miss = usize::from(words.len() > 2);
    // The whole name run together also matches exactly (`name_keys`).
    missing <= may_miss || names.iter().any(|n| n.replace(' ', "") == words.concat())
}

/// The typo allowance of a query word, as `src/search/query.rs` gives it:
/// none up to 3 letters, one up to 7, two beyond.
fn typo_allowance(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Edits (substitution, insertion, deletion, swap of neighbours) between
/// two words: the distance tantivy's fuzzy terms use, with a swap costing one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// One query of the timed mix, in both forms the two searches take.
struct Typical {
    /// `/api/v1/units?q=…&limit=10`.
    target: String,
    /// The text itself.
    text: String,
    /// The text normalised, as `bench_names` holds names.
    normalised: String,
}

impl Typical {
    fn new(text: &str) -> Typical {
        Typical {
            target: search_target(text),
            text: text.to_owned(),
            normalised: key(text),
        }
    }
}

/// A search as the statisticians' default view asks it: no kind.
fn search_target(text: &str) -> String {
    format!("/api/v1/units?q={}&limit=10", queries::percent(text))
}

// ---------------------------------------------------------------------------
// 4. sanaw over HTTP

/// Where the expected unit came (1 = first), or `None` outside the ten.
type Rank = Option<usize>;

/// What the register knows that the measures need besides the answers.
struct Register {
    /// How many legal units share each one's shown name.
    names: Frequencies,
    /// Enterprises and their legal units.
    links: Links,
}

/// Asks every query once, one at a time; reports recall@10, MRR, empty
/// pages, pages with a legal unit beside its own enterprise and the
/// name-only ceiling, overall and per label, then the misses.
fn sanaw_quality(
    server: &Server,
    set: &QuerySet,
    register: &Register,
    settings: &Settings,
) -> Vec<Outcome> {
    let mut client = http::Client::new(&server.address);
    let started = Instant::now();
    let mut outcomes = Vec::with_capacity(set.queries.len());
    let mut firsts = Vec::with_capacity(set.queries.len());
    for query in &set.queries {
        let page = page_of(&mut client, &query.text);
        outcomes.push(Outcome {
            rank: page.rank_of(query.unit, &register.links),
            empty: page.hits.is_empty(),
            pair: page.has_pair(&register.links),
            matched: page.matched_first().to_owned(),
            ceiling: register.names.within_ceiling(query.unit),
        });
        firsts.push(page.hits.first().map(describe_hit));
    }
    let ranks: Vec<Rank> = outcomes.iter().map(|o| o.rank).collect();
    println!(
        "sanaw quality: {} over {} queries, one at a time in {:.1} s (issue: recall@10 ≥ {TARGET_RECALL})",
        Quality::of(&ranks),
        ranks.len(),
        started.elapsed().as_secs_f64()
    );
    quality_table(&set.queries, &outcomes);
    breakdown(&set.queries, &ranks, false);
    misses(set, &outcomes, &firsts, register, settings);
    outcomes
}

/// The quality table, overall and per label, with the targets, and
/// how the first hits matched.
fn quality_table(queries: &[Query], outcomes: &[Outcome]) {
    let of_label = |label: Option<Label>| -> Vec<&Outcome> {
        queries
            .iter()
            .zip(outcomes)
            .filter(|(q, _)| label.is_none_or(|label| q.label == label))
            .map(|(_, o)| o)
            .collect()
    };
    println!("  GET /api/v1/units?q=…&limit=10 (no kind), per label and overall:");
    println!("{}", pages::header());
    for label in Label::ALL {
        println!(
            "{}",
            pages::row(label.name(), &Tally::of(&of_label(Some(label))))
        );
    }
    println!("{}", pages::row("overall", &Tally::of(&of_label(None))));
    println!(
        "  targets (issue 20): recall@10 ≥ {TARGET_RECALL} at 4,000 entities; recall ≥ {TARGET_OF_CEILING} \
         of the ceiling at 1,000,000; empty 0; pairs 0"
    );
    println!(
        "  (ceiling: share of queries whose unit at most {} legal units share the shown name with, \
         normalised; of ceil.: recall / ceiling; in ceil.: recall among those queries)",
        namesakes::PAGE
    );
    println!("  first hit matched, share of queries:");
    for label in Label::ALL {
        let part = of_label(Some(label));
        println!("    {}: {}", label.name(), pages::matched_shares(&part));
    }
    println!("    overall: {}", pages::matched_shares(&of_label(None)));
}

/// The first hit of a page, for a miss's line.
fn describe_hit(hit: &pages::Hit) -> String {
    let matched = hit.matched.as_deref().unwrap_or("-");
    format!(
        "{:?} {} ({}, matched {matched})",
        hit.name,
        StatId::from_unit_number(hit.unit),
        hit.kind
    )
}

/// The misses of each label, up to `BENCH_MISSES` each, and why the
/// other-script typos' misses are missed.
fn misses(
    set: &QuerySet,
    outcomes: &[Outcome],
    firsts: &[Option<String>],
    register: &Register,
    settings: &Settings,
) {
    for label in Label::ALL {
        let missed: Vec<usize> = (0..set.queries.len())
            .filter(|&i| set.queries[i].label == label && outcomes[i].rank.is_none())
            .collect();
        let asked = set.queries.iter().filter(|q| q.label == label).count();
        println!("  misses, {}: {} of {asked}", label.name(), missed.len());
        for &i in missed.iter().take(settings.misses) {
            let query = &set.queries[i];
            let sharing = register.names.sharing(query.unit).unwrap_or(0);
            println!(
                "    {:?} for {} {:?} (clean {:?}; legal units showing this name: {sharing}); first: {}",
                query.text,
                query.expected,
                query.shown,
                query.clean,
                firsts[i].as_deref().unwrap_or("empty page"),
            );
        }
    }
    let typos: Vec<&Query> = set
        .queries
        .iter()
        .zip(outcomes)
        .filter(|(q, o)| q.label == Label::OtherScriptTypo && o.rank.is_none())
        .map(|(q, _)| q)
        .collect();
    let count = |keep: fn(&Query) -> bool| typos.iter().filter(|q| keep(q)).count();
    println!(
        "  other-script typo misses: {}; {} within the typo budget of the unit's names (ranking); {} out of it \
         (matching): {} entrepreneurs, {} firms ({} of these firms' queries fold apart from the name before the typo); \
         {} misses for a unit that has no name folding to the clean name",
        typos.len(),
        count(|q| q.reachable),
        count(|q| !q.reachable),
        count(|q| !q.reachable && q.person),
        count(|q| !q.reachable && !q.person),
        count(|q| !q.reachable && !q.person && q.folds_apart),
        count(|q| q.name_unknown),
    );
}

/// The page a search for `text` answers.
fn page_of(client: &mut http::Client, text: &str) -> Page {
    let found = json(client, &search_target(text))
        .unwrap_or_else(|| panic!("the search for {text:?} failed"));
    Page::from_json(&found)
}

/// The same queries without their error (and legal form): what a search
/// that forgave every error would reach on this register. A unit missed
/// even so is one whose names tell it apart from namesakes no better than
/// ten other units' do (`N. Orazow` among many `Orazow Nurberdi`).
fn sanaw_ceiling(server: &Server, set: &QuerySet, links: &Links, typed: &[Rank]) {
    let mut client = http::Client::new(&server.address);
    let ranks: Vec<Rank> = set
        .queries
        .iter()
        .map(|query| page_of(&mut client, &query.written).rank_of(query.unit, links))
        .collect();
    let missed_anyway = typed
        .iter()
        .zip(&ranks)
        .filter(|(typed, clean)| typed.is_none() && clean.is_none())
        .count();
    println!(
        "  the same queries without their error: {}; {missed_anyway} of the {} misses are missed without the error too",
        Quality::of(&ranks),
        typed.iter().filter(|rank| rank.is_none()).count(),
    );
}

/// recall@10 and MRR of a set of ranks.
#[derive(Clone, Copy)]
struct Quality {
    recall: f64,
    mrr: f64,
}

impl Quality {
    fn of(ranks: &[Rank]) -> Quality {
        let n = ranks.len().max(1) as f64;
        Quality {
            recall: ranks.iter().filter(|r| r.is_some_and(|r| r <= 10)).count() as f64 / n,
            // A fold from +0, not sum(): an empty f64 sum is -0.
            mrr: ranks
                .iter()
                .flatten()
                .fold(0.0, |sum, &r| sum + 1.0 / r as f64)
                / n,
        }
    }
}

impl std::fmt::Display for Quality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "recall@10 {:.4}, MRR {:.4}", self.recall, self.mrr)
    }
}

/// Recall by kind of query: where the misses are; per label too unless a
/// table showed that already.
fn breakdown(queries: &[Query], ranks: &[Rank], labels: bool) {
    type Part = (&'static str, fn(&Query) -> bool);
    let parts: [Part; 14] = [
        ("from a name the register holds for the unit", |q| {
            !q.name_unknown
        }),
        ("within the typo budget of the unit's names", |q| {
            q.reachable
        }),
        ("out of the typo budget of the unit's names", |q| {
            !q.reachable
        }),
        ("firms", |q| !q.person),
        ("entrepreneurs", |q| q.person),
        ("query in Cyrillic", |q| q.script == Script::Cyrillic),
        ("query in Latin", |q| q.script == Script::Latin),
        ("query in the other script than the shown name", |q| {
            q.script != Script::of(&q.shown)
        }),
        ("with the legal form", |q| q.with_form),
        ("typo: letter substituted", |q| {
            q.typo == Some(Typo::Substituted)
        }),
        ("typo: letter deleted", |q| q.typo == Some(Typo::Deleted)),
        ("typo: letters transposed", |q| {
            q.typo == Some(Typo::Transposed)
        }),
        ("the query's script already folds apart", |q| q.folds_apart),
        ("unit has no name folding to the clean name", |q| {
            q.name_unknown
        }),
    ];
    let print = |name: &str, keep: &dyn Fn(&Query) -> bool| {
        let part: Vec<Rank> = queries
            .iter()
            .zip(ranks)
            .filter(|(q, _)| keep(q))
            .map(|(_, r)| *r)
            .collect();
        if !part.is_empty() {
            println!("  {name}: {} ({} queries)", Quality::of(&part), part.len());
        }
    };
    for label in Label::ALL.into_iter().filter(|_| labels) {
        print(label.name(), &|q| q.label == label);
    }
    for (name, keep) in parts {
        print(name, &keep);
    }
}

/// The first failure of a timed run, to show what went wrong.
static FIRST_ERROR: OnceLock<String> = OnceLock::new();

/// Sends `targets` round-robin from every client (each starting at its own
/// offset) for the configured time, after a warm-up.
fn drive_http(server: &Server, targets: &[&str], settings: &Settings) -> Summary {
    let clients = settings.clients;
    let run = |duration| {
        drive::concurrently(
            clients,
            duration,
            |_| http::Client::new(&server.address),
            |client, c, n| {
                let target = targets[(c * targets.len() / clients + n) % targets.len()];
                Some(answered(client, target))
            },
        )
    };
    run(WARM_UP);
    let summary = run(settings.duration);
    if let Some(error) = FIRST_ERROR.get() {
        println!("  first error: {error}");
    }
    summary
}

/// Sends `targets` from every client for the configured time, each target
/// at most once (client c sends targets c, c + clients, …): no warm-up,
/// and a client stops when its share is spent.
fn drive_http_once(server: &Server, targets: &[&str], settings: &Settings) -> Summary {
    let clients = settings.clients;
    drive::concurrently(
        clients,
        settings.duration,
        |_| http::Client::new(&server.address),
        |client, c, n| {
            let target = targets.get(c + n * clients)?;
            Some(answered(client, target))
        },
    )
}

/// Whether `target` answers 200; the first failure is kept to be shown.
fn answered(client: &mut http::Client, target: &str) -> bool {
    match client.get(target) {
        Ok(response) if response.status == 200 => true,
        Ok(response) => {
            let body = String::from_utf8_lossy(&response.body);
            FIRST_ERROR.get_or_init(|| format!("{} {target}: {body}", response.status));
            false
        }
        Err(error) => {
            FIRST_ERROR.get_or_init(|| format!("{target}: {error}"));
            false
        }
    }
}

fn sanaw_search_speed(server: &Server, typical: &[Typical], settings: &Settings) -> Summary {
    let targets: Vec<&str> = typical.iter().map(|t| t.target.as_str()).collect();
    if let Some(path) = std::env::var_os("BENCH_TARGETS_OUT") {
        std::fs::write(&path, targets.join("\n")).expect("the targets file is written");
    }
    let summary = drive_http(server, &targets, settings);
    println!(
        "sanaw search, {} clients for {} s, {} typical queries round-robin: {summary} ({TARGET_SPEED})",
        settings.clients,
        settings.duration.as_secs(),
        targets.len()
    );
    summary
}

/// Typical queries no one asked before, each once: what a user with their
/// own typo meets, on a server that has answered others for a while.
fn sanaw_fresh_search_speed(server: &Server, typical: &[Typical], settings: &Settings) {
    let targets: Vec<&str> = typical.iter().map(|t| t.target.as_str()).collect();
    let summary = drive_http_once(server, &targets, settings);
    let spent = if summary.ok + summary.errors >= targets.len() {
        " (all sent before the time was up)"
    } else {
        ""
    };
    println!(
        "sanaw search, {} clients for {} s, typical queries never asked before, each once, of {}{spent}: {summary}",
        settings.clients,
        settings.duration.as_secs(),
        targets.len()
    );
}

/// Keystrokes: every prefix of 3 to 8 characters of each name, as written
/// in the query's script.
fn sanaw_suggest_speed(server: &Server, set: &QuerySet, settings: &Settings) {
    let mut targets = Vec::new();
    for query in &set.queries {
        let chars: Vec<char> = query.written.chars().collect();
        for length in 3..=chars.len().min(8) {
            let prefix: String = chars[..length].iter().collect();
            targets.push(format!(
                "/api/v1/units/suggest?q={}",
                queries::percent(&prefix)
            ));
        }
    }
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let summary = drive_http(server, &targets, settings);
    println!(
        "sanaw suggest, {} clients for {} s, {} prefixes of 3–8 characters: {summary}",
        settings.clients,
        settings.duration.as_secs(),
        targets.len()
    );
}

/// The engine alone, in process and on one thread: the typical queries with
/// facet counts (what `/units` does) and without (what `/units/suggest`
/// does), to tell the facets' cost from the rest; then, per kind, the
/// `fresh` ones (other entities'), asked for the first time.
fn engine_with_and_without_facets(data: &Path, typical: &[Typical], fresh: &[Typical]) {
    let index = SearchIndex::open(&data.join("index")).expect("the search index opens");
    // No kind, as the API's default view asks.
    let request = |text: &str| SearchRequest {
        text: text.to_owned(),
        filters: Filters::default(),
        limit: 10,
        ..SearchRequest::default()
    };
    let time = |facets: bool| {
        let started = Instant::now();
        let mut latencies: Vec<Duration> = typical
            .iter()
            .map(|t| {
                let sent = Instant::now();
                if facets {
                    engine::search_with_facets(&index, &request(&t.text)).expect("a search");
                } else {
                    engine::search(&index, &request(&t.text)).expect("a search");
                }
                sent.elapsed()
            })
            .collect();
        drive::summarise(&mut latencies, 0, started.elapsed())
    };
    // One pass to warm the page cache and the facet request.
    time(true);
    by_kind_of_query(&index, typical, &request, "");
    let (with, without) = (time(true), time(false));
    // The other entities' queries were asked over HTTP, in another process:
    // here they are asked for the first time. Last, as they push the
    // typical queries' lists out of the cache.
    by_kind_of_query(&index, fresh, &request, ", never asked before");
    println!(
        "engine in process, one thread: with facets p50 {:.2} ms p99 {:.2} ms ({:.0}/s); \
         without facets p50 {:.2} ms p99 {:.2} ms ({:.0}/s)",
        ms(with.p50),
        ms(with.p99),
        with.per_second,
        ms(without.p50),
        ms(without.p99),
        without.per_second
    );
}

/// The engine with facets, per kind of typical query (they come in threes:
/// the quality query, the clean name, its first words), with the slowest
/// query of each and how many units it matched: where the time goes.
fn by_kind_of_query(
    index: &SearchIndex,
    typical: &[Typical],
    request: &dyn Fn(&str) -> SearchRequest,
    asked: &str,
) {
    let kinds = ["typed with a typo", "clean name", "first words"];
    for (kind, label) in kinds.iter().enumerate() {
        let mut timed: Vec<(Duration, &str, u64)> = typical
            .iter()
            .skip(kind)
            .step_by(kinds.len())
            .map(|t| {
                let sent = Instant::now();
                let found = engine::search_with_facets(index, &request(&t.text)).expect("a search");
                (sent.elapsed(), t.text.as_str(), found.total)
            })
            .collect();
        timed.sort_unstable_by_key(|(elapsed, _, _)| *elapsed);
        let at = |share: f64| timed[((timed.len() - 1) as f64 * share) as usize].0;
        let (slowest, text, total) = timed[timed.len() - 1];
        let mean = timed
            .iter()
            .map(|(elapsed, _, _)| *elapsed)
            .sum::<Duration>()
            / timed.len() as u32;
        println!(
            "  engine, {label}{asked}: mean {:.2} ms, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms; slowest {:.2} ms ({text:?}, {total} units)",
            ms(mean),
            ms(at(0.5)),
            ms(at(0.9)),
            ms(at(0.99)),
            ms(slowest)
        );
    }
}

// ---------------------------------------------------------------------------
// 5. pg_trgm on the same names and queries

/// Quality and speed of one search, for the ratios.
struct Measured {
    quality: Quality,
    speed: Summary,
}

fn compare_with_pg_trgm(
    url: &str,
    data: &Path,
    set: &QuerySet,
    typical: &[Typical],
    sanaw: &Measured,
    settings: &Settings,
) {
    let rows = legal_unit_names(&mut open_register(data));
    let mut conn = pg_trgm::connect(url).expect("BENCH_PG_URL connects");
    let built = pg_trgm::build(&mut conn, &rows).expect("bench_names built");
    println!(
        "pg_trgm: {} (unit, normalised name) rows copied in {:.1} s; GIN trigram index built in {:.1} s \
         ({:.0} MiB), ANALYZE {:.1} s; similarity_threshold {}",
        built.rows,
        built.load.as_secs_f64(),
        built.index.as_secs_f64(),
        built.index_bytes as f64 / (1024.0 * 1024.0),
        built.analyze.as_secs_f64(),
        pg_trgm::SIMILARITY_THRESHOLD
    );

    let started = Instant::now();
    let ranks: Vec<Rank> = set
        .queries
        .iter()
        .map(|query| {
            let found = pg_trgm::top10(&mut conn, &key(&query.text)).expect("a pg_trgm search");
            found
                .iter()
                .position(|id| *id == query.expected)
                .map(|at| at + 1)
        })
        .collect();
    let quality = Quality::of(&ranks);
    println!(
        "pg_trgm quality: {quality} over {} queries, one at a time in {:.1} s",
        ranks.len(),
        started.elapsed().as_secs_f64()
    );
    breakdown(&set.queries, &ranks, true);

    let clients = settings.clients;
    let run = |duration| {
        drive::concurrently(
            clients,
            duration,
            |_| pg_trgm::connect(url).expect("BENCH_PG_URL connects"),
            |conn, c, n| {
                let query = &typical[(c * typical.len() / clients + n) % typical.len()];
                Some(pg_trgm::top10(conn, &query.normalised).is_ok())
            },
        )
    };
    run(WARM_UP);
    let speed = run(settings.duration);
    println!(
        "pg_trgm search, {clients} connections for {} s, the same {} typical queries: {speed}",
        settings.duration.as_secs(),
        typical.len()
    );
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    println!(
        "sanaw / pg_trgm (latency below 1: sanaw faster; throughput, recall, MRR above 1: sanaw better): \
         latency p50 {:.3}, p99 {:.3}, throughput {:.2}, recall@10 {:.3}, MRR {:.3}",
        ratio(ms(sanaw.speed.p50), ms(speed.p50)),
        ratio(ms(sanaw.speed.p99), ms(speed.p99)),
        ratio(sanaw.speed.per_second, speed.per_second),
        ratio(sanaw.quality.recall, quality.recall),
        ratio(sanaw.quality.mrr, quality.mrr),
    );
}

/// Every current name of every legal unit, normalised as the index does,
/// each spelling once per unit: (stat_id, normalised name).
fn legal_unit_names(conn: &mut AnyConnection) -> Vec<(String, String)> {
    let names: Vec<(i64, Option<String>)> = source_records::table
        .inner_join(units::table)
        .filter(units::kind.eq(UnitKind::LegalUnit.as_str()))
        .filter(source_records::superseded_at.is_null())
        .select((source_records::unit_id, source_records::name))
        .load(conn)
        .expect("legal unit names read");
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    let mut rows = Vec::new();
    for (unit, name) in names {
        let normalised = key(name.as_deref().unwrap_or(""));
        if !normalised.is_empty() && seen.insert((unit, normalised.clone())) {
            rows.push((StatId::from_unit_number(unit).to_string(), normalised));
        }
    }
    rows
}

// ---------------------------------------------------------------------------
// CSV reading (the generator's files and the links export)

/// The rows of a CSV file after its header, each as its fields. Fields are
/// quoted only where RFC 4180 needs it, and none holds a line break.
fn csv_rows(path: &Path) -> impl Iterator<Item = Vec<String>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path)
        .unwrap_or_else(|error| panic!("{} cannot be read: {error}", path.display()));
    std::io::BufReader::new(file)
        .lines()
        .skip(1)
        .map(|line| split_csv(&line.expect("a CSV line")))
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The first N fields of a row (missing ones empty).
fn take<const N: usize>(fields: Vec<String>) -> [String; N] {
    let mut fields = fields.into_iter();
    std::array::from_fn(|_| fields.next().unwrap_or_default())
}
