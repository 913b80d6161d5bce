//! Searching: a query box that takes names in any spelling and identifiers,
//! plus filters. Query words are folded by `reconcile::normalise`, like the
//! indexed names, so `Ак йол` meets `Ak ýol` and `Ak yol`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::{AggregationResult, AggregationResults, BucketResult};
use tantivy::aggregation::{AggregationCollector, Key};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{DocId, Score, SegmentReader, Term};

use super::{Fields, SearchError, SearchIndex};
use crate::domain::stat_id::StatId;
use crate::reconcile::normalise;

/// The most results one answer holds.
pub const MAX_LIMIT: usize = 100;

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// The query box: name words in any script, or an identifier.
    pub text: String,
    /// Exact-value filters, all of which must hold.
    pub filters: Filters,
    /// How many results, at most [`MAX_LIMIT`].
    pub limit: usize,
}

/// Filters on public attributes; each is one exact value.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Unit kind (`legal_unit`, `local_unit`…).
    pub kind: Option<String>,
    /// Legal status (`active`…).
    pub status: Option<String>,
    /// Region code (`TM-S`…).
    pub region: Option<String>,
    /// A NACE code at any level: `62` takes `62.10` and `62.20`.
    pub activity: Option<String>,
    /// Legal form code.
    pub legal_form: Option<String>,
    /// Institutional sector code.
    pub sector: Option<String>,
}

/// One unit found.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// The unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// The name shown.
    pub name: Option<String>,
    /// Unit kind.
    pub kind: Option<String>,
    /// Legal status.
    pub status: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// NACE code.
    pub activity: Option<String>,
    /// Legal form code.
    pub legal_form: Option<String>,
    /// Relevance: higher is better; only the order means anything.
    pub score: f32,
}

/// How many units of the answer have each value of a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    /// The value, as a filter takes it.
    pub value: String,
    /// How many units found have it.
    pub count: u64,
}

/// A search's answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Found {
    /// How many units match in all.
    pub total: u64,
    /// The best of them, best first.
    pub hits: Vec<Hit>,
    /// Per filter (`kind`, `status`, `region`, `legal_form`, `sector`, and
    /// `activity` by NACE section), how many matching units have each value.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

/// The filters with facet counts, and how many values each may list.
const FACETS: [(&str, u32); 6] = [
    ("kind", 10),
    ("status", 10),
    ("region", 20),
    ("legal_form", 100),
    ("sector", 50),
    // Every level of every code is indexed; the sections are picked out below.
    ("activity", 5_000),
];

/// Runs a search, with facet counts over everything that matches.
pub fn search_with_facets(
    index: &SearchIndex,
    request: &SearchRequest,
) -> Result<Found, SearchError> {
    let searcher = index.reader().searcher();
    let collectors = (
        top_collector(request.limit),
        Count,
        AggregationCollector::from_aggs(facet_request()?.clone(), Default::default()),
    );
    let (top, total, aggregated) = searcher.search(&request_query(index, request), &collectors)?;
    Ok(Found {
        total: total as u64,
        hits: load_hits(index, &searcher, top)?,
        facets: facet_counts(aggregated),
    })
}

/// The facet aggregations, built once: the same for every search.
fn facet_request() -> Result<&'static Aggregations, SearchError> {
    static REQUEST: OnceLock<Result<Aggregations, String>> = OnceLock::new();
    let built = REQUEST.get_or_init(|| {
        let request: serde_json::Map<String, serde_json::Value> = FACETS
            .iter()
            .map(|(field, size)| {
                let terms = serde_json::json!({"terms": {"field": field, "size": size}});
                ((*field).to_owned(), terms)
            })
            .collect();
        serde_json::from_value(serde_json::Value::Object(request)).map_err(|e| e.to_string())
    });
    built
        .as_ref()
        .map_err(|error| SearchError::Facets(error.clone()))
}

fn facet_counts(results: AggregationResults) -> BTreeMap<String, Vec<FacetCount>> {
    let mut facets = BTreeMap::new();
    for (name, result) in results.0 {
        let AggregationResult::BucketResult(BucketResult::Terms { buckets, .. }) = result else {
            continue;
        };
        let counts = buckets
            .into_iter()
            .filter_map(|bucket| match bucket.key {
                Key::Str(value) => Some(FacetCount {
                    value,
                    count: bucket.doc_count,
                }),
                _ => None,
            })
            // Activity: the sections (one letter), not every level of every code.
            .filter(|facet| name != "activity" || facet.value.len() == 1)
            .collect();
        facets.insert(name, counts);
    }
    facets
}

/// The best `limit` documents; active units before dead ones at equal relevance.
fn top_collector(
    limit: usize,
) -> impl tantivy::collector::Collector<Fruit = Vec<(Score, tantivy::DocAddress)>> {
    TopDocs::with_limit(limit.clamp(1, MAX_LIMIT)).tweak_score(move |segment: &SegmentReader| {
        let alive = segment.fast_fields().u64("alive").ok();
        move |doc: DocId, score: Score| {
            let living = alive.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
            score * (1.0 + 0.001 * living as f32)
        }
    })
}

/// Runs a search.
pub fn search(index: &SearchIndex, request: &SearchRequest) -> Result<Vec<Hit>, SearchError> {
    let searcher = index.reader().searcher();
    let top = searcher.search(
        &request_query(index, request),
        &top_collector(request.limit),
    )?;
    load_hits(index, &searcher, top)
}

/// The query box restricted by the filters.
fn request_query(index: &SearchIndex, request: &SearchRequest) -> Box<dyn Query> {
    let fields = index.fields();
    with_filters(fields, text_query(fields, &request.text), &request.filters)
}

/// The stored attributes of the documents found, in their order.
fn load_hits(
    index: &SearchIndex,
    searcher: &tantivy::Searcher,
    top: Vec<(Score, tantivy::DocAddress)>,
) -> Result<Vec<Hit>, SearchError> {
    top.into_iter()
        .map(|(score, address)| {
            let document: TantivyDocument = searcher.doc(address)?;
            Ok(hit(index.fields(), &document, score))
        })
        .collect()
}

/// The query box: name words (each may carry a typo; the last may be
/// unfinished), the whole name exactly, or an identifier.
fn text_query(fields: &Fields, text: &str) -> Box<dyn Query> {
    let words = normalise::name(text).tokens;
    if words.is_empty() && text.trim().is_empty() {
        return Box::new(AllQuery);
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let identifier = Term::from_field_text(fields.identifiers, text.trim());
    clauses.push((Occur::Should, boosted(exact(identifier), 100.0)));
    if !words.is_empty() {
        let groups: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .enumerate()
            .map(|(at, word)| {
                (
                    Occur::Should,
                    word_query(fields, word, at + 1 == words.len()),
                )
            })
            .collect();
        // Every word must be found, but in a long query one may be missing.
        let required = if groups.len() > 2 {
            groups.len() - 1
        } else {
            groups.len()
        };
        let all_words = BooleanQuery::with_minimum_required_clauses(groups, required);
        clauses.push((Occur::Should, Box::new(all_words)));
        let whole = Term::from_field_text(fields.name_keys, &words.concat());
        clauses.push((Occur::Should, boosted(exact(whole), 10.0)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// One query word: in a name exactly, or within its typo allowance, or as
/// the start of a name word when it is the last (still being typed); or in
/// the address, which counts for less.
fn word_query(fields: &Fields, word: &str, last: bool) -> Box<dyn Query> {
    let in_names = Term::from_field_text(fields.names, word);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Should, boosted(exact(in_names.clone()), 2.0))];
    let typos = typo_allowance(word);
    if typos > 0 {
        clauses.push((
            Occur::Should,
            Box::new(FuzzyTermQuery::new(in_names.clone(), typos, true)),
        ));
    }
    if last {
        clauses.push((
            Occur::Should,
            Box::new(FuzzyTermQuery::new_prefix(in_names, 0, true)),
        ));
    }
    let in_address = Term::from_field_text(fields.address, word);
    clauses.push((Occur::Should, boosted(exact(in_address), 0.5)));
    Box::new(BooleanQuery::new(clauses))
}

/// Short words must be right; longer ones may have one typo, long ones two.
fn typo_allowance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn exact(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// The text query restricted by every filter given.
fn with_filters(fields: &Fields, text: Box<dyn Query>, filters: &Filters) -> Box<dyn Query> {
    let given = [
        (fields.kind, &filters.kind),
        (fields.status, &filters.status),
        (fields.region, &filters.region),
        (fields.activity, &filters.activity),
        (fields.legal_form, &filters.legal_form),
        (fields.sector, &filters.sector),
    ];
    let mut clauses = vec![(Occur::Must, text)];
    for (field, value) in given {
        if let Some(value) = value {
            let term = Term::from_field_text(field, value);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
    }
    if clauses.len() == 1 {
        return clauses.remove(0).1;
    }
    Box::new(BooleanQuery::new(clauses))
}

fn hit(fields: &Fields, document: &TantivyDocument, score: Score) -> Hit {
    let text = |field| {
        document
            .get_first(field)
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    };
    let unit = document
        .get_first(fields.unit)
        .and_then(|value| value.as_u64())
        .unwrap_or_default();
    Hit {
        stat_id: StatId::from_unit_number(unit as i64),
        name: text(fields.shown_name),
        kind: text(fields.kind),
        status: text(fields.status),
        region: text(fields.region),
        activity: text(fields.shown_activity),
        legal_form: text(fields.legal_form),
        score,
    }
}
