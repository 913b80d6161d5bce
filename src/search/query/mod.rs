//! Searching: a query box that takes names in any spelling and identifiers,
//! plus filters. Query words are folded by `reconcile::normalise`, like the
//! indexed names, so `Ак йол` meets `Ak ýol` and `Ak yol`.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use tantivy::collector::Count;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery};
use tantivy::{DocAddress, Term};

use crate::reconcile::normalise;
use crate::search::index::indexer;
use crate::search::index::lists::ListCache;
use crate::search::rank::cursor::Cursor;
use crate::search::rank::facets::{FacetCount, FacetCounter};
use crate::search::rank::order::{self, Position, Sort};
use crate::search::rank::score::{self, Reach};
use crate::search::rank::top;
use crate::search::{Fields, SearchError, SearchIndex};
use clause::{exact, key_or_near, scored, unscored};
use filter::Filter;
pub use hits::Hit;
use letters::Letters;
use most_words::MostWords;
use spellings::Spellings;
use word::Word;

pub mod clause;
pub mod filter;
pub mod highlight;
pub mod hits;
pub mod letters;
pub mod most_words;
pub mod page;
pub mod person;
pub mod spellings;
pub mod word;

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
    /// The order of the results.
    pub sort: Sort,
    /// Where the page starts: after this unit (a cursor's position).
    pub after: Option<Position>,
    /// Whether the caller may see confidential data: adds the size-class facet.
    pub confidential: bool,
    /// The text is a whole name, not one being typed: its last word is not
    /// also read as the start of a longer one (reconciliation's names).
    pub complete: bool,
    /// Every unit is its own hit, even a legal unit and its one-to-one
    /// enterprise (exports); otherwise they are one hit unless `kind` is given.
    pub every_unit: bool,
    /// How far the search goes (a cursor's page continues its first page's
    /// reach); from the first step on when none.
    pub reach: Option<Reach>,
}

impl SearchRequest {
    /// What identifies the query across pages at each reach: a cursor
    /// carries the one its first page was answered at.
    pub fn fingerprints(&self) -> [(Reach, u64); 4] {
        let first = self.fingerprint();
        Reach::ALL.map(|reach| (reach, at_reach(first, reach)))
    }

    /// The fingerprint at the reach the search was answered at.
    fn fingerprint_at(&self, reach: Reach) -> u64 {
        at_reach(self.fingerprint(), reach)
    }

    /// The reach its hits say they were found at: none without query text.
    fn reach_shown(&self, reach: Reach) -> Option<Reach> {
        (!self.text.trim().is_empty()).then_some(reach)
    }

    /// Whether a legal unit and its one-to-one enterprise are one hit.
    fn one_hit_per_firm(&self) -> bool {
        !self.every_unit && self.filters.kind.is_none()
    }

    /// The reaches to try, in order.
    fn reaches(&self) -> &'static [Reach] {
        let reach = self.reach.unwrap_or(Reach::Words);
        if reach == Reach::Words && self.after.is_none() {
            return &Reach::ALL;
        }
        let at = usize::from(reach.number());
        &Reach::ALL[at..=at]
    }

    /// What identifies the query across pages: its words, filters and order.
    /// The limit may change from page to page.
    pub fn fingerprint(&self) -> u64 {
        let f = &self.filters;
        let date = |day: Option<NaiveDate>| day.map(|d| d.to_string()).unwrap_or_default();
        let parts = [
            self.text.trim(),
            f.kind.as_deref().unwrap_or_default(),
            f.status.as_deref().unwrap_or_default(),
            f.region.as_deref().unwrap_or_default(),
            f.activity.as_deref().unwrap_or_default(),
            f.legal_form.as_deref().unwrap_or_default(),
            f.sector.as_deref().unwrap_or_default(),
            f.size_class.as_deref().unwrap_or_default(),
            &date(f.registered_from),
            &date(f.registered_to),
            self.sort.as_str(),
        ];
        let mut hash = Sha256::new();
        for part in parts {
            // The length first, so that ("ab", "c") and ("a", "bc") differ.
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}

/// A query's fingerprint at a reach: the first reach's is the query's own,
/// so cursors of the usual answers read as they always did.
fn at_reach(fingerprint: u64, reach: Reach) -> u64 {
    match reach {
        Reach::Words => fingerprint,
        _ => fingerprint.rotate_left(8) ^ u64::from(reach.number()),
    }
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
    /// Size class (confidential: only for callers who may see it).
    pub size_class: Option<String>,
    /// Registered on or after this day.
    pub registered_from: Option<NaiveDate>,
    /// Registered on or before this day.
    pub registered_to: Option<NaiveDate>,
}

/// A search's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// How many units match in all.
    pub total: u64,
    /// The best of them, best first.
    pub hits: Vec<Hit>,
    /// Per filter (`kind`, `status`, `region`, `legal_form`, `sector`, and
    /// `activity` by NACE section), how many matching units have each value.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// Where the next page starts; none when this page is the last.
    pub next: Option<Cursor>,
}

/// Runs a search: one page of results, the total, and facet counts over
/// everything that matches. When nothing matches every word, it reaches
/// further step by step (`score::Reach`) rather than answer an empty page.
pub fn search_with_facets(
    index: &SearchIndex,
    request: &SearchRequest,
) -> Result<Found, SearchError> {
    let searcher = index.reader().searcher();
    let words = query_words(&request.text);
    let reaches = request.reaches();
    let mut found = Found::default();
    for (at, &reach) in reaches.iter().enumerate() {
        let Some(query) = request_query(index, request, &words, reach) else {
            continue;
        };
        found = search_at(index, &searcher, request, &words, query, reach)?;
        let last = at + 1 == reaches.len();
        if found.total > 0 || last || request.text.trim().is_empty() {
            return Ok(found);
        }
    }
    Ok(found)
}

/// One search at one reach.
fn search_at(
    index: &SearchIndex,
    searcher: &tantivy::Searcher,
    request: &SearchRequest,
    words: &[String],
    query: Box<dyn Query>,
    reach: Reach,
) -> Result<Found, SearchError> {
    let facets = FacetCounter::new(request.confidential, index.tables());
    // One more than asked, to know whether another page follows.
    let wanted = request.limit.clamp(1, MAX_LIMIT) + 1;
    let (page, total, facets) = match (request.sort, &request.after) {
        // The usual case in one pass: the relevance cursor filters inside the collector.
        (Sort::Relevance, after) => {
            let after = order::relevance_after(after.as_ref());
            let top = top::by_relevance(wanted, words, after, index.tables());
            let (top, total, counted) = searcher.search(&query, &(top, Count, facets))?;
            (order::relevance_page(top), total, counted)
        }
        (sort, after) => {
            let (total, counted) = searcher.search(&query, &(Count, facets))?;
            let page = page::by_key(searcher, index, query, sort, after.as_ref(), wanted, words)?;
            (page, total, counted)
        }
    };
    let (hits, next) = into_page(index, searcher, request, words, page, reach)?;
    Ok(Found {
        total: total as u64,
        hits,
        facets,
        next,
    })
}

/// Every unit the query box finds, with no filters and in no order, when
/// they are at most `cap`; `None` when there are more.
pub fn matching_units(
    index: &SearchIndex,
    text: &str,
    cap: usize,
) -> Result<Option<Vec<i64>>, SearchError> {
    let searcher = index.reader().searcher();
    let words = query_words(text);
    let request = SearchRequest {
        text: text.to_owned(),
        every_unit: true,
        ..SearchRequest::default()
    };
    let Some(query) = request_query(index, &request, &words, Reach::Words) else {
        return Ok(Some(Vec::new()));
    };
    if searcher.search(&query, &Count)? > cap {
        return Ok(None);
    }
    let columns = searcher
        .segment_readers()
        .iter()
        .map(|segment| segment.fast_fields().u64("unit"))
        .collect::<Result<Vec<_>, _>>()?;
    let found = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
    let units = found
        .into_iter()
        .filter_map(|address| columns[address.segment_ord as usize].first(address.doc_id))
        .map(|unit| unit as i64)
        .collect();
    Ok(Some(units))
}

/// Runs a search for suggestions: the best few by relevance, no counts,
/// reaching further like [`search_with_facets`] when nothing matches.
pub fn search(index: &SearchIndex, request: &SearchRequest) -> Result<Vec<Hit>, SearchError> {
    let searcher = index.reader().searcher();
    let words = query_words(&request.text);
    let limit = request.limit.clamp(1, MAX_LIMIT);
    for &reach in &Reach::ALL {
        let Some(query) = request_query(index, request, &words, reach) else {
            continue;
        };
        let collector = top::by_relevance(limit, &words, None, index.tables());
        let top = searcher.search(&query, &collector)?;
        if !top.is_empty() {
            let page = order::relevance_page(top);
            return hits::load(index, &searcher, &words, page, request.reach_shown(reach));
        }
    }
    Ok(Vec::new())
}

/// The units holding an identifier (stat_id, tin or reg_number) exactly,
/// restricted by the filters: no name words, so no typo automata, which a
/// run of digits read as a name would build for nothing.
pub fn by_identifier(
    index: &SearchIndex,
    identifier: &str,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Hit>, SearchError> {
    let searcher = index.reader().searcher();
    let fields = index.fields();
    let term = Term::from_field_text(fields.identifiers, identifier.trim());
    let query = with_filters(
        fields,
        index.lists(),
        scored(exact(term), score::IDENTIFIER),
        filters,
        false,
    );
    let collector = top::by_relevance(limit.clamp(1, MAX_LIMIT), &[], None, index.tables());
    let top = searcher.search(&query, &collector)?;
    let page = order::relevance_page(top);
    hits::load(index, &searcher, &[], page, Some(Reach::Words))
}

/// The page's hits, and a cursor after its last one when more follow.
fn into_page(
    index: &SearchIndex,
    searcher: &tantivy::Searcher,
    request: &SearchRequest,
    words: &[String],
    mut page: Vec<(Position, DocAddress)>,
    reach: Reach,
) -> Result<(Vec<Hit>, Option<Cursor>), SearchError> {
    let limit = request.limit.clamp(1, MAX_LIMIT);
    let more = page.len() > limit;
    page.truncate(limit);
    let next = match page.last() {
        Some((position, _)) if more => Some(Cursor {
            query: request.fingerprint_at(reach),
            position: position.clone(),
        }),
        _ => None,
    };
    let hits = hits::load(index, searcher, words, page, request.reach_shown(reach))?;
    Ok((hits, next))
}

/// The query box (its text and its folded `words`) at a reach, restricted
/// by the filters; none when the reach has nothing to try.
fn request_query(
    index: &SearchIndex,
    request: &SearchRequest,
    words: &[String],
    reach: Reach,
) -> Option<Box<dyn Query>> {
    let fields = index.fields();
    let text = text_query(fields, index.lists(), request, words, reach)?;
    let fold = request.one_hit_per_firm();
    Some(with_filters(
        fields,
        index.lists(),
        text,
        &request.filters,
        fold,
    ))
}

/// The query box at a reach (`score::Reach`):
/// - every word (from three, all but one), each within its typo allowance
///   and the last perhaps unfinished; or the whole name, exactly or within
///   one typo; or a person's keys; or an identifier;
/// - then every word again, short ones within a wider allowance (the
///   units walked are still few);
/// - then at least one word, within its allowance;
/// - then whole names alike letter by letter.
///
/// What each clause scores is `rank::score`'s.
fn text_query(
    fields: &Fields,
    lists: &Arc<ListCache>,
    request: &SearchRequest,
    words: &[String],
    reach: Reach,
) -> Option<Box<dyn Query>> {
    let text = request.text.as_str();
    if words.is_empty() && text.trim().is_empty() {
        return (reach == Reach::Words).then(|| Box::new(AllQuery) as Box<dyn Query>);
    }
    if reach == Reach::Letters {
        let letters = Letters::new(fields, &words.concat(), lists);
        return (!words.is_empty()).then(|| Box::new(letters) as Box<dyn Query>);
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let identifier = Term::from_field_text(fields.identifiers, text.trim());
    clauses.push((Occur::Should, scored(exact(identifier), score::IDENTIFIER)));
    if !words.is_empty() {
        let each_word: Vec<Word> = words
            .iter()
            .enumerate()
            .map(|(at, word)| {
                let typing = at + 1 == words.len() && !request.complete;
                let word = Word::new(fields, word, typing, lists);
                match reach {
                    Reach::WiderWords => word.wider(),
                    _ => word,
                }
            })
            .collect();
        let every_word = matches!(reach, Reach::Words | Reach::WiderWords);
        let found_words: Box<dyn Query> = match (every_word, each_word.len()) {
            // One word: its own list, walked as it is.
            (_, 1) => Box::new(each_word[0].clone().alone()),
            (true, 2) => Box::new(MostWords::all(each_word)),
            (true, _) => Box::new(MostWords::all_but_one(each_word)),
            (false, _) => Box::new(MostWords::any(each_word)),
        };
        clauses.push((Occur::Should, found_words));
        clauses.push((Occur::Should, whole_name(fields, lists, &words.concat())));
        // A person is often registered by surname and initials only: the
        // full name typed must still find them, typo included.
        for as_person in person::clauses(fields, lists, words) {
            clauses.push((Occur::Should, as_person));
        }
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The query as a whole name, its words run together: exactly, or
/// within one typo. Among units that match the same words, one whose
/// name is the query and nothing more, in the query's order, ranks first:
/// `Gorkut ýyldyz` before `Ýyldyz Gorkut Paýhas`.
fn whole_name(fields: &Fields, lists: &Arc<ListCache>, compact: &str) -> Box<dyn Query> {
    let length = compact.chars().count();
    if length <= 3 || length > MAX_TYPO_NAME {
        return scored(
            exact(Term::from_field_text(fields.name_keys, compact)),
            score::NAME,
        );
    }
    let near = Spellings::new(fields.name_keys, compact, 1, false, lists);
    key_or_near(fields, compact, score::NAME, near, score::NAME_NEAR)
}

/// The most words of a query that are matched: no name comes near it,
/// and each word is a walk of the index, so a query box of a hundred
/// one-letter words must not cost a hundred.
pub const MAX_QUERY_WORDS: usize = 12;
/// Whole names (their words run together) longer than this are matched
/// exactly, for the same reason.
const MAX_TYPO_NAME: usize = 64;

/// The query's words as the index folds them, at most [`MAX_QUERY_WORDS`].
pub fn query_words(text: &str) -> Vec<String> {
    let mut words = normalise::name(text).tokens;
    words.truncate(MAX_QUERY_WORDS);
    words
}

/// The text query restricted by every filter given and, when `fold`,
/// without the enterprises that are one with their legal unit (its hit
/// names them).
fn with_filters(
    fields: &Fields,
    lists: &Arc<ListCache>,
    text: Box<dyn Query>,
    filters: &Filters,
    fold: bool,
) -> Box<dyn Query> {
    let given = [
        (fields.kind, &filters.kind),
        (fields.status, &filters.status),
        (fields.region, &filters.region),
        (fields.activity, &filters.activity),
        (fields.legal_form, &filters.legal_form),
        (fields.sector, &filters.sector),
        (fields.size_class, &filters.size_class),
    ];
    let mut clauses = vec![(Occur::Must, text)];
    for (field, value) in given {
        if let Some(value) = value {
            let term = Term::from_field_text(field, value);
            clauses.push((Occur::Must, Box::new(Filter::new(term, lists))));
        }
    }
    if filters.registered_from.is_some() || filters.registered_to.is_some() {
        let bound = |day: Option<NaiveDate>| match day {
            Some(day) => {
                Bound::Included(Term::from_field_date(fields.registered, indexer::day(day)))
            }
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(filters.registered_from), bound(filters.registered_to));
        clauses.push((Occur::Must, unscored(Box::new(range))));
    }
    if fold {
        let folded = Term::from_field_text(fields.folded, indexer::FOLDED);
        clauses.push((Occur::MustNot, Box::new(Filter::new(folded, lists))));
    }
    if clauses.len() == 1 {
        return clauses.remove(0).1;
    }
    Box::new(BooleanQuery::new(clauses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_page_continues_at_the_reach_its_first_page_was_answered_at() {
        let first = SearchRequest {
            text: "ak yol".to_owned(),
            ..SearchRequest::default()
        };
        let prints = first.fingerprints();
        assert_eq!(prints[0], (Reach::Words, first.fingerprint()));
        assert_ne!(prints[0].1, prints[1].1);
        assert_ne!(prints[1].1, prints[2].1);
        assert_eq!(first.reaches(), Reach::ALL);
        let after = Some(Position::Name("ak yol".to_owned()));
        for reach in Reach::ALL {
            let next = SearchRequest {
                after: after.clone(),
                reach: Some(reach),
                ..first.clone()
            };
            assert_eq!(next.reaches(), [reach]);
            assert_eq!(
                next.fingerprint_at(reach),
                prints[usize::from(reach.number())].1
            );
        }
    }

    #[test]
    fn one_firm_is_one_hit_unless_a_kind_or_every_unit_is_asked_for() {
        let mut request = SearchRequest::default();
        assert!(request.one_hit_per_firm());
        request.filters.kind = Some("enterprise".to_owned());
        assert!(!request.one_hit_per_firm());
        request.filters.kind = None;
        request.every_unit = true;
        assert!(!request.one_hit_per_firm());
    }

    #[test]
    fn a_query_of_many_words_is_cut_to_the_first_ones() {
        let text = (0..100)
            .map(|n| format!("w{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let words = query_words(&text);
        assert_eq!(words.len(), MAX_QUERY_WORDS);
        assert_eq!(words[0], "w0");
    }
}
