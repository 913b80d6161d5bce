//! The pages' three languages and their catalogues of texts.
//!
//! Every text a page shows lives in one catalogue per language
//! (`src/pages/locales/{tk,ru,en}.ftl`), in Fluent's simplest form:
//! `key = text`, with `{ $name }` for a value filled in. Templates ask for
//! texts by key; a test checks that every key used exists in all three.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Turkmen, the default.
    Tk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub const ALL: [Lang; 3] = [Lang::Tk, Lang::Ru, Lang::En];

    /// The BCP 47 code, as `<html lang>` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Tk => "tk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Tk => "Türkmençe",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

    /// A language from a tag such as `ru` or `ru-RU`, if it is one of ours.
    pub fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// The best of ours for an `Accept-Language` header (RFC 9110 §12.5.4):
    /// the highest weight wins, the earlier on a tie; Turkmen if none fits.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for range in accept_language.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|part| part.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let Some(lang) = Lang::of_tag(tag) else {
                continue;
            };
            if weight > 0.0 && best.is_none_or(|(_, kept)| weight > kept) {
                best = Some((lang, weight));
            }
        }
        best.map_or(Lang::Tk, |(lang, _)| lang)
    }

    /// The catalogue of this language.
    pub fn texts(self) -> &'static Texts {
        static CATALOGUES: OnceLock<[Texts; 3]> = OnceLock::new();
        let [tk, ru, en] = CATALOGUES.get_or_init(|| {
            [
                Texts::parse(include_str!("locales/tk.ftl")),
                Texts::parse(include_str!("locales/ru.ftl")),
                Texts::parse(include_str!("locales/en.ftl")),
            ]
        });
        match self {
            Lang::Tk => tk,
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

/// One language's texts by key.
#[derive(Debug)]
pub struct Texts {
    texts: HashMap<&'static str, &'static str>,
}

impl Texts {
    /// Reads `key = text` lines; `#` starts a comment line.
    pub fn parse(source: &'static str) -> Texts {
        let texts = source
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .map(|(key, text)| (key.trim(), text.trim()))
            .collect();
        Texts { texts }
    }

    /// The text of a key; the key itself if the catalogue lacks it (a test forbids that).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        self.texts.get(key).copied().unwrap_or(key)
    }

    /// The text of a key, if the catalogue has it.
    pub fn find(&self, key: &str) -> Option<&'static str> {
        self.texts.get(key).copied()
    }

    /// The text of `prefix-value` (e.g. `status-active`), or the value itself
    /// for a value the catalogue does not name.
    pub fn of<'a>(&self, prefix: &str, value: &'a str) -> &'a str {
        self.texts
            .get(format!("{prefix}-{value}").as_str())
            .copied()
            .unwrap_or(value)
    }

    /// The text of a key with its `{ $name }` placeables filled in.
    pub fn with(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{ ${name} }}"), value);
        }
        text
    }

    /// Every key, for the completeness test.
    pub fn keys(&self) -> impl Iterator<Item = &&'static str> {
        self.texts.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_weight_wins_and_turkmen_is_the_default() {
        assert_eq!(Lang::negotiate("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru);
        assert_eq!(Lang::negotiate("de, en;q=0.5, ru;q=0.7"), Lang::Ru);
        assert_eq!(Lang::negotiate("en-GB"), Lang::En);
        assert_eq!(Lang::negotiate("tk"), Lang::Tk);
        assert_eq!(Lang::negotiate("de, fr"), Lang::Tk);
        assert_eq!(Lang::negotiate("ru;q=0, en;q=0.1"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::Tk);
    }

    #[test]
    fn placeables_are_filled_in() {
        let texts = Texts::parse("found = { $count } units found\n# a comment\n");
        assert_eq!(texts.with("found", &[("count", "12")]), "12 units found");
        assert_eq!(texts.get("missing"), "missing");
    }

    #[test]
    fn every_catalogue_has_the_same_keys() {
        let english: std::collections::BTreeSet<_> = Lang::En.texts().keys().collect();
        for lang in [Lang::Tk, Lang::Ru] {
            let other: std::collections::BTreeSet<_> = lang.texts().keys().collect();
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(
                extra.is_empty(),
                "{} has keys English lacks: {extra:?}",
                lang.code()
            );
        }
    }
}
