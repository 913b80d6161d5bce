//! Size classes by persons employed, the bands Eurostat's business
//! statistics use. A size class narrows a unit's employees to a band, so it
//! is confidential like the figure it comes from.

use super::text_enum;

text_enum! {
    /// A band of persons employed.
    SizeClass {
        /// 0 to 9.
        Micro => "micro",
        /// 10 to 49.
        Small => "small",
        /// 50 to 249.
        Medium => "medium",
        /// 250 or more.
        Large => "large",
    }
}

impl SizeClass {
    /// The band a head count falls in; none for a negative count.
    pub fn of_employees(employees: i64) -> Option<SizeClass> {
        match employees {
            ..0 => None,
            0..=9 => Some(SizeClass::Micro),
            10..=49 => Some(SizeClass::Small),
            50..=249 => Some(SizeClass::Medium),
            _ => Some(SizeClass::Large),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_change_at_ten_fifty_and_two_hundred_fifty() {
        let bands: Vec<_> = [-1, 0, 9, 10, 49, 50, 249, 250, 10_000]
            .into_iter()
            .map(SizeClass::of_employees)
            .collect();
        use SizeClass::*;
        assert_eq!(
            bands,
            [
                None,
                Some(Micro),
                Some(Micro),
                Some(Small),
                Some(Small),
                Some(Medium),
                Some(Medium),
                Some(Large),
                Some(Large)
            ]
        );
    }
}
