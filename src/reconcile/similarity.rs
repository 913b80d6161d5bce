//! String similarity for matching: Jaro–Winkler on folded keys, and token overlap.

/// Jaro–Winkler similarity in [0, 1]: 1 for equal strings; forgiving of
/// typos and transpositions, and rewarding a shared beginning.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let jaro = jaro(&a, &b);
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

fn jaro(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_taken = vec![false; b.len()];
    let mut a_matched = Vec::with_capacity(a.len());
    for (i, ca) in a.iter().enumerate() {
        let start = i.saturating_sub(window);
        let end = (i + window + 1).min(b.len());
        if let Some(j) = (start..end).find(|&j| !b_taken[j] && b[j] == *ca) {
            b_taken[j] = true;
            a_matched.push(*ca);
        }
    }
    if a_matched.is_empty() {
        return 0.0;
    }
    let b_matched = b
        .iter()
        .zip(&b_taken)
        .filter(|(_, taken)| **taken)
        .map(|(c, _)| *c);
    let transpositions = a_matched
        .iter()
        .zip(b_matched)
        .filter(|(x, y)| **x != *y)
        .count()
        / 2;
    let m = a_matched.len() as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0
}

/// How well two token lists match as sets: each token of the shorter list
/// takes its best Jaro–Winkler partner in the other; the mean, scaled by
/// how much of the longer list is covered.
pub fn token_set(a: &[String], b: &[String]) -> f64 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0.0;
    }
    let best: f64 = short
        .iter()
        .map(|token| {
            long.iter()
                .map(|other| jaro_winkler(token, other))
                .fold(0.0, f64::max)
        })
        .sum();
    best / short.len() as f64 * (short.len() as f64 / long.len() as f64).sqrt()
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
    fn token_sets_ignore_order_and_punish_missing_words() {
        let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            token_set(&words("altyn yyldyz"), &words("yyldyz altyn")),
            1.0
        );
        assert!(token_set(&words("altyn"), &words("altyn yyldyz")) < 0.75);
    }
}
