//! The statistics of a drift check: the population stability index over
//! bins or categories, the two-sample Kolmogorov–Smirnov test for numbers
//! and Pearson's chi-squared test for categories.

use std::collections::BTreeMap;

/// Share given to an empty bin in the PSI, so that a bin one side never
/// uses counts as a large (not infinite) difference.
const EMPTY_SHARE: f64 = 1e-4;

/// Population stability index of `actual` against `expected`, two lists of
/// shares over the same bins: `Σ (a − e) · ln(a / e)`.
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let (e, a) = (e.max(EMPTY_SHARE), a.max(EMPTY_SHARE));
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// Counts as shares of their total.
pub fn shares(counts: &[usize]) -> Vec<f64> {
    let total = counts.iter().sum::<usize>().max(1) as f64;
    counts.iter().map(|&c| c as f64 / total).collect()
}

/// The bin edges of a numeric feature: the reference's deciles, without
/// repeats (a feature with few distinct values gets fewer bins). Bin `i`
/// holds values in `[edges[i-1], edges[i])`; the first and last are open.
pub fn decile_edges(reference: &[f64]) -> Vec<f64> {
    let mut sorted = reference.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..10)
        .map(|decile| sorted[(decile * sorted.len() / 10).min(sorted.len() - 1)])
        .collect();
    edges.dedup();
    // An edge equal to the smallest value would leave the first bin empty.
    edges.retain(|&edge| edge > sorted[0]);
    edges
}

/// How many of `values` fall in each bin of `edges`.
pub fn bin_counts(values: &[f64], edges: &[f64]) -> Vec<usize> {
    let mut counts = vec![0; edges.len() + 1];
    for &value in values {
        counts[edges.partition_point(|&edge| edge <= value)] += 1;
    }
    counts
}

/// The two-sample Kolmogorov–Smirnov statistic (the largest distance between
/// the two empirical distribution functions) and its asymptotic p-value.
pub fn ks_test(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    let effective = (n * m / (n + m)).sqrt();
    (d, kolmogorov_q((effective + 0.12 + 0.11 / effective) * d))
}

/// `P(K > λ)` for the Kolmogorov distribution (Numerical Recipes, §14.3).
fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 1e-3 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let term = sign * 2.0 * (-2.0 * (k as f64 * lambda).powi(2)).exp();
        sum += term;
        if term.abs() < 1e-12 {
            return sum.clamp(0.0, 1.0);
        }
        sign = -sign;
    }
    sum.clamp(0.0, 1.0)
}

/// Pearson's chi-squared goodness-of-fit test of `observed` counts against
/// the `expected` shares: the statistic and its p-value, with one degree of
/// freedom fewer than the categories either side uses.
pub fn chi_squared_test(expected: &[f64], observed: &[usize]) -> (f64, f64) {
    let total: usize = observed.iter().sum();
    let used = expected
        .iter()
        .zip(observed)
        .filter(|&(&e, &o)| e > 0.0 || o > 0)
        .count();
    let statistic: f64 = expected
        .iter()
        .zip(observed)
        .filter(|&(&e, &o)| e > 0.0 || o > 0)
        .map(|(&e, &o)| {
            let want = e.max(EMPTY_SHARE) * total as f64;
            (o as f64 - want).powi(2) / want
        })
        .sum();
    let freedom = used.saturating_sub(1).max(1) as f64;
    (
        statistic,
        upper_regularized_gamma(freedom / 2.0, statistic / 2.0),
    )
}

/// `Q(s, x) = Γ(s, x) / Γ(s)`, the chi-squared survival function's core
/// (series below `s + 1`, continued fraction above; Numerical Recipes §6.2).
fn upper_regularized_gamma(s: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = s * x.ln() - x - ln_gamma(s);
    if x < s + 1.0 {
        let (mut term, mut sum, mut a) = (1.0 / s, 1.0 / s, s);
        for _ in 0..500 {
            a += 1.0;
            term *= x / a;
            sum += term;
            if term.abs() < sum.abs() * 1e-14 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - s;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - s);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < 1e-14 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Counts per category, over the union of both sides' categories (sorted).
pub fn category_counts<'a>(
    reference: impl IntoIterator<Item = &'a str>,
    observed: impl IntoIterator<Item = &'a str>,
) -> (Vec<String>, Vec<usize>, Vec<usize>) {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for category in reference {
        counts.entry(category).or_default().0 += 1;
    }
    for category in observed {
        counts.entry(category).or_default().1 += 1;
    }
    let names = counts.keys().map(|name| name.to_string()).collect();
    let reference = counts.values().map(|c| c.0).collect();
    let observed = counts.values().map(|c| c.1).collect();
    (names, reference, observed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_shares_have_a_psi_of_zero() {
        assert_eq!(psi(&[0.2, 0.3, 0.5], &[0.2, 0.3, 0.5]), 0.0);
    }

    #[test]
    fn psi_matches_a_hand_computed_value() {
        // (0.5-0.25)ln2 + (0.5-0.75)ln(2/3)
        let want = 0.25 * 2f64.ln() - 0.25 * (2.0f64 / 3.0).ln();
        assert!((psi(&[0.25, 0.75], &[0.5, 0.5]) - want).abs() < 1e-12);
    }

    #[test]
    fn an_empty_bin_counts_as_a_large_finite_difference() {
        let value = psi(&[0.5, 0.5], &[1.0, 0.0]);
        assert!(value.is_finite() && value > 1.0, "{value}");
    }

    #[test]
    fn deciles_of_few_distinct_values_give_fewer_bins() {
        let reference: Vec<f64> = (0..100).map(|i| (i % 3) as f64).collect();
        assert_eq!(decile_edges(&reference), vec![1.0, 2.0]);
        assert_eq!(
            bin_counts(&[0.0, 0.5, 1.0, 2.0, 9.0], &[1.0, 2.0]),
            vec![2, 1, 2]
        );
    }

    #[test]
    fn ks_of_a_sample_against_itself_is_zero_with_p_one() {
        let a: Vec<f64> = (0..200).map(f64::from).collect();
        let (d, p) = ks_test(&a, &a);
        assert_eq!(d, 0.0);
        assert!(p > 0.99);
    }

    #[test]
    fn ks_finds_a_shifted_sample() {
        let a: Vec<f64> = (0..500).map(f64::from).collect();
        let b: Vec<f64> = (0..500).map(|i| f64::from(i) + 100.0).collect();
        let (d, p) = ks_test(&a, &b);
        assert!((d - 0.2).abs() < 1e-9, "{d}");
        assert!(p < 1e-6, "{p}");
    }

    #[test]
    fn kolmogorov_q_matches_its_table() {
        // P(K > 1.36) ≈ 0.05, P(K > 1.63) ≈ 0.01
        assert!((kolmogorov_q(1.358) - 0.05).abs() < 1e-3);
        assert!((kolmogorov_q(1.628) - 0.01).abs() < 1e-3);
    }

    #[test]
    fn chi_squared_p_values_match_the_table() {
        // 3.841 is the 5% critical value with 1 degree of freedom; 11.07 with 5.
        assert!((upper_regularized_gamma(0.5, 3.841 / 2.0) - 0.05).abs() < 1e-3);
        assert!((upper_regularized_gamma(2.5, 11.07 / 2.0) - 0.05).abs() < 1e-3);
    }

    #[test]
    fn chi_squared_of_counts_in_the_expected_shares_is_zero() {
        let (statistic, p) = chi_squared_test(&[0.25, 0.75], &[25, 75]);
        assert!(statistic.abs() < 1e-12);
        assert!(p > 0.99);
    }

    #[test]
    fn categories_are_the_union_of_both_sides() {
        let (names, reference, observed) = category_counts(["a", "b", "a"], ["b", "c"]);
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(reference, [2, 1, 0]);
        assert_eq!(observed, [0, 1, 1]);
    }
}
