//! Permanent random numbers: each unit's own uniform number in [0, 1),
//! drawn once when the unit is born and never changed.
//!
//! Survey samples are coordinated with them (the ONS and Statistics Sweden
//! practice): a sample takes the units whose number falls in a window, so
//! next year's sample of the same population overlaps this year's as much
//! as wanted (the same window) or as little (a shifted one), and a firm's
//! response burden can be spread. Only what the register stores counts:
//! the number is written with the unit's row (`units.prn`), no code path
//! updates it, and every export and frame reads it from there, so it is
//! reproducible from the database alone.

/// The number 53 random bits give: an f64 mantissa filled exactly, so every
/// value is a multiple of 2⁻⁵³ in [0, 1), each equally likely.
pub fn from_bits(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

/// The Kolmogorov–Smirnov distance between the numbers' empirical
/// distribution and the uniform one on [0, 1): the largest gap between the
/// share of numbers at or below x and x itself. Sorts `numbers`.
pub fn uniformity_gap(numbers: &mut [f64]) -> f64 {
    numbers.sort_by(f64::total_cmp);
    let n = numbers.len() as f64;
    numbers
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let below = i as f64 / n;
            let at_or_below = (i + 1) as f64 / n;
            (at_or_below - x).max(x - below)
        })
        .fold(0.0, f64::max)
}

/// The gap above which `n` uniform numbers are rejected at a one-in-a-million
/// chance of wrongly rejecting: `sqrt(-ln(α/2) / 2) / sqrt(n)` with α = 10⁻⁶.
pub fn uniformity_limit(n: usize) -> f64 {
    let alpha: f64 = 1e-6;
    ((-(alpha / 2.0).ln()) / 2.0).sqrt() / (n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_map_onto_zero_to_one_excluding_one() {
        assert_eq!(from_bits(0), 0.0);
        assert!(from_bits(u64::MAX) < 1.0);
        assert_eq!(from_bits(1 << 63), 0.5);
    }

    #[test]
    fn the_gap_finds_numbers_that_are_not_uniform() {
        let mut even: Vec<f64> = (0..10_000).map(|i| (i as f64 + 0.5) / 10_000.0).collect();
        assert!(uniformity_gap(&mut even) < uniformity_limit(10_000));
        let mut low: Vec<f64> = (0..10_000).map(|i| i as f64 / 20_000.0).collect();
        assert!(uniformity_gap(&mut low) > uniformity_limit(10_000));
    }

    #[test]
    fn numbers_drawn_from_the_os_source_are_uniform() {
        let mut numbers: Vec<f64> = (0..200_000)
            .map(|_| {
                let mut bytes = [0_u8; 8];
                getrandom::fill(&mut bytes).unwrap();
                from_bits(u64::from_le_bytes(bytes))
            })
            .collect();
        let gap = uniformity_gap(&mut numbers);
        assert!(gap < uniformity_limit(numbers.len()), "{gap}");
        // And in each tenth, a tenth of them (a coarse look a sampler would take).
        for tenth in 0..10 {
            let low = tenth as f64 / 10.0;
            let share = numbers
                .iter()
                .filter(|x| (low..low + 0.1).contains(*x))
                .count() as f64
                / numbers.len() as f64;
            assert!((share - 0.1).abs() < 0.005, "tenth {tenth}: {share}");
        }
    }
}
