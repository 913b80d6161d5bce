//! The regions of Turkmenistan (ISO 3166-2:TM).

/// A region: its ISO code and its names in Turkmen and Russian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// ISO 3166-2:TM code.
    pub code: &'static str,
    /// Name in Turkmen.
    pub name_tk: &'static str,
    /// Name in Russian.
    pub name_ru: &'static str,
}

/// Every region, as the sources name them.
pub const REGIONS: [Region; 6] = [
    Region {
        code: "TM-A",
        name_tk: "Ahal",
        name_ru: "Ахал",
    },
    Region {
        code: "TM-B",
        name_tk: "Balkan",
        name_ru: "Балкан",
    },
    Region {
        code: "TM-D",
        name_tk: "Daşoguz",
        name_ru: "Дашогуз",
    },
    Region {
        code: "TM-L",
        name_tk: "Lebap",
        name_ru: "Лебап",
    },
    Region {
        code: "TM-M",
        name_tk: "Mary",
        name_ru: "Мары",
    },
    Region {
        code: "TM-S",
        name_tk: "Aşgabat",
        name_ru: "Ашхабад",
    },
];

/// The region with this ISO code.
pub fn by_code(code: &str) -> Option<&'static Region> {
    REGIONS
        .iter()
        .find(|region| region.code.eq_ignore_ascii_case(code.trim()))
}
