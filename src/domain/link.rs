//! Links between units.

use super::text_enum;
use super::unit::UnitKind;

text_enum! {
    /// How one unit belongs to another. A link points from the part to the whole.
    LinkKind {
        /// A legal unit belongs to its enterprise.
        EnterpriseOf => "enterprise_of",
        /// A local unit belongs to its legal unit.
        LocalUnitOf => "local_unit_of",
        /// A legal unit belongs to an enterprise group.
        GroupMember => "group_member",
    }
}

impl LinkKind {
    /// The kinds of unit at the two ends: (part, whole).
    pub fn ends(self) -> (UnitKind, UnitKind) {
        match self {
            LinkKind::EnterpriseOf => (UnitKind::LegalUnit, UnitKind::Enterprise),
            LinkKind::LocalUnitOf => (UnitKind::LocalUnit, UnitKind::LegalUnit),
            LinkKind::GroupMember => (UnitKind::LegalUnit, UnitKind::EnterpriseGroup),
        }
    }
}
