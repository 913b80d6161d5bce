//! A page's hits as the answer shows them: each unit's stored attributes,
//! the parts of its name the query matched, and how it matched.

use chrono::NaiveDate;
use serde::Serialize;
use tantivy::schema::{TantivyDocument, Value};
use tantivy::DocAddress;

use super::highlight::{self, Span};
use crate::domain::stat_id::StatId;
use crate::search::rank::order::Position;
use crate::search::rank::score::{Matched, Reach};
use crate::search::{Fields, SearchError, SearchIndex};

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
    /// On a legal unit's hit, the enterprise that is this legal unit alone:
    /// one firm, one hit, unless the search asks for a `kind`.
    #[schema(value_type = Option<String>)]
    pub enterprise: Option<StatId>,
    /// On an enterprise's hit, its one legal unit, when it has only one.
    #[schema(value_type = Option<String>)]
    pub legal_unit: Option<StatId>,
    /// Legal status.
    pub status: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// NACE code.
    pub activity: Option<String>,
    /// Legal form code.
    pub legal_form: Option<String>,
    /// Registration date.
    pub registered: Option<NaiveDate>,
    /// The parts of `name` the query matched, in characters from its start.
    pub highlights: Vec<Span>,
    /// How the unit matched the query: `identifier`, `name`, `words` and
    /// `spelling` are matches; `some_words` and `letters` are approximate.
    /// Null without query text, and for matches sorted by name or date.
    pub matched: Option<Matched>,
    /// Relevance: higher is better; only the order means anything. Absent
    /// when sorting by name or date.
    pub score: Option<f32>,
}

/// The stored attributes of the documents found, in their order; `reach`
/// is how far the search went to find them, none without query text.
pub fn load(
    index: &SearchIndex,
    searcher: &tantivy::Searcher,
    words: &[String],
    page: Vec<(Position, DocAddress)>,
    reach: Option<Reach>,
) -> Result<Vec<Hit>, SearchError> {
    page.into_iter()
        .map(|(position, address)| {
            let document: TantivyDocument = searcher.doc(address)?;
            let score = match position {
                Position::Relevance(relevance) => Some(relevance.score),
                _ => None,
            };
            let matched = match (reach, score) {
                (None, _) | (Some(Reach::Words), None) => None,
                // Sorted by name or date: an approximate page still says so.
                (Some(reach), None) => Some(Matched::of(0.0, reach)),
                (Some(reach), Some(score)) => Some(Matched::of(score, reach)),
            };
            Ok(hit(index.fields(), &document, words, score, matched))
        })
        .collect()
}

fn hit(
    fields: &Fields,
    document: &TantivyDocument,
    words: &[String],
    score: Option<f32>,
    matched: Option<Matched>,
) -> Hit {
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
    let registered = document
        .get_first(fields.registered)
        .and_then(|value| value.as_datetime())
        .and_then(|date| chrono::DateTime::from_timestamp(date.into_timestamp_secs(), 0))
        .map(|date| date.date_naive());
    let name = text(fields.shown_name);
    let highlights = name
        .as_deref()
        .map(|name| highlight::spans(name, words))
        .unwrap_or_default();
    let kind = text(fields.kind);
    let pair = document
        .get_first(fields.pair)
        .and_then(|value| value.as_u64())
        .map(|unit| StatId::from_unit_number(unit as i64));
    let (enterprise, legal_unit) = match kind.as_deref() {
        Some("legal_unit") => (pair, None),
        Some("enterprise") => (None, pair),
        _ => (None, None),
    };
    Hit {
        stat_id: StatId::from_unit_number(unit as i64),
        name,
        kind,
        enterprise,
        legal_unit,
        status: text(fields.status),
        region: text(fields.region),
        activity: text(fields.shown_activity),
        legal_form: text(fields.legal_form),
        registered,
        highlights,
        matched,
        score,
    }
}
