//! Which parts of a shown name the query matched, for highlighting.
//!
//! The name is shown as a source wrote it (`ХО «Ак йол»`) while the query
//! may be in the other script, so each word of the name is folded on its own
//! and compared with the folded query words under the same rules the search
//! used: equal, within the word's typo allowance, or, for the last query
//! word, as its start.

use serde::Serialize;

use crate::reconcile::normalise;
use crate::search::rank::score::typo_allowance;

/// A matched stretch of the name, in characters (not bytes) from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Span {
    /// The first character matched.
    pub start: usize,
    /// One past the last character matched.
    pub end: usize,
}

/// The words of `name` that the folded query `words` match, in order.
pub fn spans(name: &str, words: &[String]) -> Vec<Span> {
    let Some((last, _)) = words.split_last() else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    for (start, end, word) in name_words(name) {
        let folded = normalise::tokens(word);
        let hit = folded.iter().any(|token| {
            words.iter().any(|query| matches(query, token)) || token.starts_with(last.as_str())
        });
        if hit {
            spans.push(Span { start, end });
        }
    }
    spans
}

/// The runs of letters and digits of a name, with their character offsets.
fn name_words(name: &str) -> Vec<(usize, usize, &str)> {
    let mut words = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    let mut chars = 0;
    for (byte, c) in name.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some((chars, byte)),
            (false, Some((first, from))) => {
                words.push((first, chars, &name[from..byte]));
                start = None;
            }
            _ => {}
        }
        chars += 1;
    }
    if let Some((first, from)) = start {
        words.push((first, chars, &name[from..]));
    }
    words
}

/// A query word matches a name word when equal or within its typo allowance.
fn matches(query: &str, token: &str) -> bool {
    query == token || edits(query, token) <= usize::from(typo_allowance(query))
}

/// Edits (insert, delete, substitute, swap two neighbours) between two words.
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the optimal-string-alignment table are enough.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (previous[j] + 1)
                .min(row[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, row);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Vec<String> {
        normalise::name(text).tokens
    }

    fn marked(name: &str, text: &str) -> Vec<String> {
        let chars: Vec<char> = name.chars().collect();
        spans(name, &query(text))
            .into_iter()
            .map(|span| chars[span.start..span.end].iter().collect())
            .collect()
    }

    #[test]
    fn a_latin_query_marks_the_cyrillic_words_it_matched() {
        assert_eq!(marked("ХО «Ак йол гурлушык»", "ak yol"), ["Ак", "йол"]);
    }

    #[test]
    fn typos_and_an_unfinished_last_word_still_mark_the_word() {
        assert_eq!(
            marked("«Gülzemin Bereket» HJ", "Gulzemim ber"),
            ["Gülzemin", "Bereket"]
        );
        assert!(marked("«Ak ýol» HJ", "zer").is_empty());
    }

    #[test]
    fn a_swap_of_two_letters_is_one_edit() {
        assert_eq!(edits("bereket", "berekte"), 1);
        assert_eq!(edits("ak", "ka"), 1);
        assert_eq!(edits("bereket", "bereket"), 0);
        assert_eq!(edits("", "abc"), 3);
    }
}
