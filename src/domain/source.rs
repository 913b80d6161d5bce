//! Where a value came from: the three agencies and the register itself.

use super::text_enum;

text_enum! {
    /// A provider of unit data.
    Source {
        /// Ministry of Justice, state register of legal entities.
        Justice => "justice",
        /// State Tax Service.
        Tax => "tax",
        /// The statistical survey frame.
        Statistics => "statistics",
        /// The register's own staff: a statistician's decision or correction.
        Register => "register",
    }
}

text_enum! {
    /// What kind of act recorded a value.
    OriginKind {
        /// A bulk load of an agency extract.
        Load => "load",
        /// One submission through the API.
        Submission => "submission",
        /// A statistician's review decision.
        Review => "review",
        /// A person working on the register directly.
        Person => "person",
        /// The register itself (migrations, derived units).
        System => "system",
    }
}

/// The act that recorded a value: its kind and its id (load id, submission id, token).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Origin {
    /// What kind of act.
    pub kind: OriginKind,
    /// Which one: a load id, a submission id or the token label of a person.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    #[schema(rename = "ref")]
    pub reference: Option<String>,
}

impl Origin {
    /// An origin with a reference.
    pub fn new(kind: OriginKind, reference: impl Into<String>) -> Self {
        Origin {
            kind,
            reference: Some(reference.into()),
        }
    }
}
