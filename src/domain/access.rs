//! Who is calling and what they may see.

use super::attribute::Disclosure;
use super::source::Source;
use super::text_enum;

text_enum! {
    /// What a token allows.
    Role {
        /// Manages tokens and everything else.
        Admin => "admin",
        /// Works the register: reads everything, decides reviews.
        Statistician => "statistician",
        /// Reads and exports, including confidential figures.
        Analyst => "analyst",
        /// An agency's system: submits its own source's data.
        Agency => "agency",
    }
}

text_enum! {
    /// One of the agencies that send the register their data: the source of
    /// its extracts, and the one an `agency` token speaks for.
    Agency {
        /// State Tax Service.
        Tax => "tax",
        /// Ministry of Justice.
        Justice => "justice",
        /// The statistics office's survey department.
        Statistics => "statistics",
    }
}

impl Agency {
    /// The source this agency's data is recorded under.
    pub fn source(self) -> Source {
        match self {
            Agency::Tax => Source::Tax,
            Agency::Justice => Source::Justice,
            Agency::Statistics => Source::Statistics,
        }
    }
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No token: public data only.
    Public,
    /// A valid token.
    Token {
        /// The token's row id, recorded as the origin of what it changes.
        id: i64,
        /// What it allows.
        role: Role,
        /// Set for agency tokens.
        agency: Option<Agency>,
        /// A human label, e.g. the person or system it was issued to.
        label: Option<String>,
        /// Whether an analyst's token was granted exact confidential figures.
        exact_figures: bool,
    },
}

/// How a caller sees confidential figures (employees, turnover).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figures {
    /// As recorded.
    Exact,
    /// As EU size classes: enough for analysis, not enough to single a firm out.
    Banded,
    /// Not at all.
    Withheld,
}

impl Caller {
    /// The role, if the caller has a token.
    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::Public => None,
            Caller::Token { role, .. } => Some(*role),
        }
    }

    /// Whether values of this disclosure class may be served to the caller.
    ///
    /// Agencies see public data only: a tax inspector has no business reading
    /// the statistics office's survey figures through the register.
    pub fn may_see(&self, disclosure: Disclosure) -> bool {
        match disclosure {
            Disclosure::Public => true,
            Disclosure::Confidential => matches!(
                self.role(),
                Some(Role::Admin | Role::Statistician | Role::Analyst)
            ),
        }
    }

    /// How confidential figures are shown to the caller: exact to staff and
    /// to analysts granted them, banded to other analysts, withheld from the
    /// public and agencies.
    pub fn figures(&self) -> Figures {
        match self {
            Caller::Token {
                role: Role::Admin | Role::Statistician,
                ..
            } => Figures::Exact,
            Caller::Token {
                role: Role::Analyst,
                exact_figures,
                ..
            } => {
                if *exact_figures {
                    Figures::Exact
                } else {
                    Figures::Banded
                }
            }
            Caller::Token {
                role: Role::Agency, ..
            }
            | Caller::Public => Figures::Withheld,
        }
    }

    /// Whether the caller holds one of these roles.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.role().is_some_and(|role| roles.contains(&role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(role: Role) -> Caller {
        Caller::Token {
            id: 1,
            role,
            agency: None,
            label: None,
            exact_figures: false,
        }
    }

    #[test]
    fn analysts_see_bands_unless_granted_exact_figures() {
        assert_eq!(token(Role::Analyst).figures(), Figures::Banded);
        let granted = Caller::Token {
            id: 2,
            role: Role::Analyst,
            agency: None,
            label: None,
            exact_figures: true,
        };
        assert_eq!(granted.figures(), Figures::Exact);
        assert_eq!(token(Role::Statistician).figures(), Figures::Exact);
        assert_eq!(token(Role::Agency).figures(), Figures::Withheld);
        assert_eq!(Caller::Public.figures(), Figures::Withheld);
    }

    #[test]
    fn public_callers_never_see_confidential_values() {
        assert!(Caller::Public.may_see(Disclosure::Public));
        assert!(!Caller::Public.may_see(Disclosure::Confidential));
        assert!(!token(Role::Agency).may_see(Disclosure::Confidential));
    }

    #[test]
    fn register_staff_see_confidential_values() {
        for role in [Role::Admin, Role::Statistician, Role::Analyst] {
            assert!(token(role).may_see(Disclosure::Confidential), "{role}");
        }
    }

    #[test]
    fn roles_parse_from_their_words_only() {
        assert_eq!("analyst".parse::<Role>(), Ok(Role::Analyst));
        let error = "root".parse::<Role>().unwrap_err();
        assert!(error
            .to_string()
            .contains("admin, statistician, analyst, agency"));
    }
}
