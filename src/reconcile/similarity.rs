//! String similarity for matching: Jaro–Winkler on folded keys, and token overlap.

/// Jaro–Winkler similarity in [0, 1]: 1 for equal strings; forgiving of
/// typos and transpositions, and rewarding a shared beginning.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    // Most compared words agree exactly; that needs no alignment.
    if a == b {
        return 1.0;
    }
    // Folded keys are nearly always ASCII: compare bytes, without collecting chars.
    let jaro = if a.is_ascii() && b.is_ascii() {
        jaro(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro(&a, &b)
    };
    let prefix = a
        .chars()
        .zip(b.chars())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// Words longer than this take the slower path with heap-allocated flags.
const SHORT: usize = 64;

fn jaro<T: Copy + PartialEq>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    // Which positions matched, on the stack for the words matching sees.
    let (mut a_short, mut b_short) = ([false; SHORT], [false; SHORT]);
    let (mut a_long, mut b_long) = (Vec::new(), Vec::new());
    let a_taken = flags(&mut a_short, &mut a_long, a.len());
    let b_taken = flags(&mut b_short, &mut b_long, b.len());
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut matches = 0_usize;
    for (i, ca) in a.iter().enumerate() {
        let start = i.saturating_sub(window);
        let end = (i + window + 1).min(b.len());
        if let Some(j) = (start..end).find(|&j| !b_taken[j] && b[j] == *ca) {
            b_taken[j] = true;
            a_taken[i] = true;
            matches += 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_matched = a.iter().zip(a_taken.iter()).filter(|(_, t)| **t);
    let b_matched = b.iter().zip(b_taken.iter()).filter(|(_, t)| **t);
    let transpositions = a_matched
        .zip(b_matched)
        .filter(|((x, _), (y, _))| *x != *y)
        .count()
        / 2;
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0
}

/// `len` cleared flags: from the stack array when they fit, else from the vector.
fn flags<'f>(short: &'f mut [bool; SHORT], long: &'f mut Vec<bool>, len: usize) -> &'f mut [bool] {
    if len <= SHORT {
        return &mut short[..len];
    }
    long.resize(len, false);
    long
}

/// How well two token lists match as sets: each token of the shorter list
/// takes its best Jaro–Winkler partner in the other; the mean, scaled by
/// how much of the longer list is covered.
pub fn token_set<T: AsRef<str>>(a: &[T], b: &[T]) -> f64 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0.0;
    }
    let total: f64 = short
        .iter()
        .map(|token| {
            let mut closest = 0.0_f64;
            for other in long {
                closest = closest.max(jaro_winkler(token.as_ref(), other.as_ref()));
                if closest == 1.0 {
                    break;
                }
            }
            closest
        })
        .sum();
    total / short.len() as f64 * (short.len() as f64 / long.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.813).abs() < 0.001);
        assert_eq!(jaro_winkler("same", "same"), 1.0);
        assert_eq!(jaro_winkler("", "abc"), 0.0);
    }

    #[test]
    fn long_and_non_ascii_words_score_as_short_ascii_ones() {
        let long_a = "a".repeat(70) + "martha";
        let long_b = "a".repeat(70) + "marhta";
        let long = jaro_winkler(&long_a, &long_b);
        assert!(long > 0.99 && long < 1.0, "{long}");
        // One Cyrillic letter takes the char path; the score is the byte path's.
        assert_eq!(
            jaro_winkler("martha", "marhta"),
            jaro_winkler("marthа", "marhtа")
        );
    }

    #[test]
    fn token_sets_ignore_order_and_punish_missing_words() {
        let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            token_set(&words("altyn yyldyz"), &words("yyldyz altyn")),
            1.0
        );
        assert!(token_set(&words("altyn"), &words("altyn yyldyz")) < 0.75);
    }
}
