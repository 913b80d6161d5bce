//! A Latin word as someone types it in Cyrillic letter by letter
//! (`Engineering` → `Енгинееринг`, `Consulting` → `Цонсултинг`), rather than
//! as Russian spells it (`Инжиниринг`, which `normalise` already reads).
//! Folded back, such a spelling can be several letters from the word (`ц`
//! folds to `ts`, a Russian `е` after a vowel to `ye`), so the index files
//! the word under that folded spelling too.

use crate::reconcile::normalise;

/// The folded words a name's Latin words become when typed in Cyrillic
/// letter by letter, where they differ from the name's own folded words.
pub fn spellings(name: &str, folded: &[String]) -> Vec<String> {
    if !name.bytes().any(|byte| byte.is_ascii_alphabetic()) {
        return Vec::new();
    }
    let typed: String = name.chars().map(cyrillic).collect();
    normalise::name(&typed)
        .tokens
        .into_iter()
        .filter(|token| !folded.contains(token))
        .collect()
}

/// The Cyrillic letter typed for a Latin one; other characters as they are.
fn cyrillic(c: char) -> char {
    let lower = c.to_ascii_lowercase();
    let typed = match lower {
        'a' => 'а',
        'b' => 'б',
        'c' => 'ц',
        'd' => 'д',
        'e' => 'е',
        'f' => 'ф',
        'g' => 'г',
        'h' => 'х',
        'i' => 'и',
        'j' => 'ж',
        'k' | 'q' => 'к',
        'l' => 'л',
        'm' => 'м',
        'n' => 'н',
        'o' => 'о',
        'p' => 'п',
        'r' => 'р',
        's' => 'с',
        't' => 'т',
        'u' => 'у',
        'v' | 'w' => 'в',
        'x' => 'х',
        'y' => 'ы',
        'z' => 'з',
        _ => return c,
    };
    if c.is_ascii_uppercase() {
        typed.to_uppercase().next().unwrap_or(typed)
    } else {
        typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        normalise::name(text).tokens
    }

    #[test]
    fn a_latin_word_typed_in_cyrillic_is_filed_as_its_query_folds() {
        for (latin, typed) in [
            ("Altyn Engineering", "Енгинееринг"),
            ("Consulting Merkezi", "Цонсултинг"),
        ] {
            let filed = spellings(latin, &folded(latin));
            let asked = folded(typed);
            assert!(
                asked
                    .iter()
                    .all(|word| filed.contains(word) || folded(latin).contains(word)),
                "{latin}: {filed:?} vs {asked:?}"
            );
        }
        // Turkmen words fold the same either way: nothing more is filed.
        assert!(spellings("Bereket Awaza", &folded("Bereket Awaza")).is_empty());
        assert!(spellings("Берекет", &folded("Берекет")).is_empty());
    }
}
