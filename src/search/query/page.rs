//! A page in a key order (name, registration date), after a cursor's key.

use std::ops::Bound;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery};
use tantivy::{DocAddress, Order, Searcher, Term};

use crate::search::rank::order::{self, Position, Sort};
use crate::search::rank::top;
use crate::search::{SearchError, SearchIndex};

/// The first `limit` units of a key order (name or registration) after `after`.
pub fn by_key(
    searcher: &Searcher,
    index: &SearchIndex,
    query: Box<dyn Query>,
    sort: Sort,
    after: Option<&Position>,
    limit: usize,
    words: &[String],
) -> Result<Vec<(Position, DocAddress)>, SearchError> {
    let top = TopDocs::with_limit(limit);
    match sort {
        Sort::Name => {
            let after = match after {
                Some(Position::Name(key)) => {
                    Some(Term::from_field_text(index.fields().sort_name, key))
                }
                _ => None,
            };
            let query = past(query, after, Order::Asc);
            let found = searcher.search(
                &query,
                &top.order_by_string_fast_field("sort_name", Order::Asc),
            )?;
            Ok(found
                .into_iter()
                .map(|(key, at)| (Position::Name(key), at))
                .collect())
        }
        Sort::Registered | Sort::RegisteredNewest => {
            let order = if sort == Sort::Registered {
                Order::Asc
            } else {
                Order::Desc
            };
            let after = match after {
                Some(Position::Registered(key)) => {
                    Some(Term::from_field_u64(index.fields().sort_registered, *key))
                }
                _ => None,
            };
            let query = past(query, after, order.clone());
            let found = searcher.search(
                &query,
                &top.order_by_fast_field::<u64>("sort_registered", order),
            )?;
            Ok(found
                .into_iter()
                .map(|(key, at)| (Position::Registered(key), at))
                .collect())
        }
        Sort::Relevance => {
            let after = order::relevance_after(after);
            let collector = top::by_relevance(limit, words, after, index.tables());
            Ok(order::relevance_page(searcher.search(&query, &collector)?))
        }
    }
}

/// The query restricted to the units past a key in the given direction.
fn past(query: Box<dyn Query>, after: Option<Term>, order: Order) -> Box<dyn Query> {
    let Some(term) = after else {
        return query;
    };
    let range = match order {
        Order::Asc => RangeQuery::new(Bound::Excluded(term), Bound::Unbounded),
        Order::Desc => RangeQuery::new(Bound::Unbounded, Bound::Excluded(term)),
    };
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, query),
        (Occur::Must, Box::new(range)),
    ]))
}
