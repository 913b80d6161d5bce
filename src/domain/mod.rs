//! The register's domain: units, identifiers, sources, attribute values, who may
//! see what, and how one value is chosen among the sources. No I/O lives here.

pub mod access;
pub mod activity;
pub mod attribute;
pub mod audit;
pub mod calendar;
pub mod demography;
pub mod event;
pub mod history;
pub mod link;
pub mod prn;
pub mod region;
pub mod size_class;
pub mod source;
pub mod stat_id;
pub mod survivorship;
pub mod unit;

/// Declares an enum that is stored and served as a fixed lowercase word.
///
/// Every such enum gets `as_str`, `ALL`, `Display`, `FromStr` (the error names
/// the accepted words) and serde in its text form, so the database, the JSON
/// and the OpenAPI document spell each value the same way.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[schema(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and served spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownWord;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::UnknownWord {
                        given: text.chars().take(64).collect(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use text_enum;

/// A word that is not one of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {given:?}, expected one of: {}", expected.join(", "))]
pub struct UnknownWord {
    /// What was given (cut to 64 characters).
    pub given: String,
    /// The accepted spellings.
    pub expected: &'static [&'static str],
}
