//! Statistical units and their states.

use super::text_enum;

text_enum! {
    /// The kinds of statistical unit (UNECE SBR guidelines).
    UnitKind {
        /// A legal person or individual entrepreneur, as the sources register it.
        LegalUnit => "legal_unit",
        /// The statistical unit: one or more legal units producing with autonomy.
        Enterprise => "enterprise",
        /// An enterprise or part of one at one address (branch, shop, plant).
        LocalUnit => "local_unit",
        /// Legal units linked by control.
        EnterpriseGroup => "enterprise_group",
    }
}

text_enum! {
    /// A unit's legal status.
    UnitStatus {
        /// Registered and operating.
        Active => "active",
        /// Registered but not operating (e.g. suspended with the tax service).
        Inactive => "inactive",
        /// Liquidation under way.
        InLiquidation => "in_liquidation",
        /// Gone: liquidated or deregistered.
        Liquidated => "liquidated",
        /// Merged into or taken over by another unit.
        Reorganised => "reorganised",
    }
}

text_enum! {
    /// A unit's status with the tax service.
    TaxStatus {
        /// Paying taxes.
        Active => "active",
        /// Temporarily not.
        Suspended => "suspended",
        /// No longer a taxpayer.
        Deregistered => "deregistered",
    }
}

/// Whether `text` is an SNA/ESA institutional sector code (`S11` to `S15`,
/// optionally refined by subsector digits such as `S1311`).
pub fn is_institutional_sector(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('S') else {
        return false;
    };
    digits.len() >= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(&digits[..2], "11" | "12" | "13" | "14" | "15")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_are_checked() {
        assert!(is_institutional_sector("S11"));
        assert!(is_institutional_sector("S1311"));
        assert!(!is_institutional_sector("S16"));
        assert!(!is_institutional_sector("11"));
        assert!(!is_institutional_sector("S1"));
    }
}
