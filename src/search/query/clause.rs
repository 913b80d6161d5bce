//! The building blocks of a query: terms as they are, constant scores, the
//! better of two ways of matching.

use tantivy::query::{ConstScoreQuery, DisjunctionMaxQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Score, Term};

use super::spellings::Spellings;
use crate::search::Fields;

/// A key of `name_keys` as it is (`score`), or else one of its `near`
/// spellings (`near_score`): the better of the two.
pub fn key_or_near(
    fields: &Fields,
    key: &str,
    score: Score,
    near: Spellings,
    near_score: Score,
) -> Box<dyn Query> {
    let term = Term::from_field_text(fields.name_keys, key);
    better_of(vec![
        scored(exact(term), score),
        scored(Box::new(near), near_score),
    ])
}

/// A term as it is.
pub fn exact(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// A query whose every match scores `score`.
pub fn scored(query: Box<dyn Query>, score: Score) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, score))
}

/// A filter: it adds nothing to the score. A term query would add its BM25,
/// which moves with the register's word counts and would shift every
/// score between two pages, so that a cursor skipped or repeated units.
pub fn unscored(query: Box<dyn Query>) -> Box<dyn Query> {
    scored(query, 0.0)
}

/// Matches any; scores the best of those that match.
pub fn better_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(DisjunctionMaxQuery::new(queries))
}
