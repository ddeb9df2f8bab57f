//! Evaluation on a fixed, seeded held-out split.
//!
//! A row goes to the held-out set when a hash of its position in the file
//! ([`CleanRow::index`](crate::CleanRow::index)) and a seed falls in the
//! lowest [`HELD_OUT_PERCENT`] percent. The split depends on neither the
//! order of the other rows nor the cleaning rules, so changing a rule does
//! not reshuffle it. Exact duplicates are removed before the split, so no
//! row sits on both sides (an ad re-posted in another state differs in its
//! `state` column and can).

use crate::clean::CleanRow;
use crate::fit::{TrainedModel, fit};

/// The seed of the published figures.
pub const SPLIT_SEED: u64 = 20_211_995;

/// Share of rows held out, in percent.
pub const HELD_OUT_PERCENT: u64 = 20;

/// Which side of the split a row is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    HeldOut,
}

impl Split {
    /// The side of row `index` for `seed`.
    pub fn of(index: usize, seed: u64) -> Split {
        if splitmix64(seed ^ index as u64) % 100 < HELD_OUT_PERCENT {
            Split::HeldOut
        } else {
            Split::Train
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a fixed, well-mixing hash.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Held-out figures of a model fitted on the training side only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub train_rows: usize,
    pub held_out_rows: usize,
    /// Mean absolute error, USD.
    pub mae: f64,
    /// Median absolute error, USD.
    pub median_ae: f64,
    /// Coefficient of determination on the held-out rows.
    pub r2: f64,
    /// The model fitted on the training side.
    pub model: TrainedModel,
}

/// Fits on the training side of the [`SPLIT_SEED`] split and scores
/// [`TrainedModel::predict`] (the floored line, as served) on the held-out
/// side.
pub fn evaluate(rows: &[CleanRow]) -> anyhow::Result<Evaluation> {
    evaluate_with_seed(rows, SPLIT_SEED)
}

/// [`evaluate`] with another seed.
pub fn evaluate_with_seed(rows: &[CleanRow], seed: u64) -> anyhow::Result<Evaluation> {
    let (train, held_out): (Vec<CleanRow>, Vec<CleanRow>) = rows
        .iter()
        .partition(|r| Split::of(r.index, seed) == Split::Train);
    anyhow::ensure!(!held_out.is_empty(), "empty held-out split");
    let model = fit(&train)?;
    let actual: Vec<f64> = held_out.iter().map(|r| r.price_usd).collect();
    let predicted: Vec<f64> = held_out
        .iter()
        .map(|r| model.predict(r.year, r.mileage))
        .collect();
    let Metrics { mae, median_ae, r2 } = metrics(&actual, &predicted);
    Ok(Evaluation {
        train_rows: train.len(),
        held_out_rows: held_out.len(),
        mae,
        median_ae,
        r2,
        model,
    })
}

/// Error figures of `predicted` against `actual`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    pub mae: f64,
    pub median_ae: f64,
    pub r2: f64,
}

/// MAE, median absolute error and R² (1 − SS_res / SS_tot). Panics on empty
/// or unequal inputs.
pub fn metrics(actual: &[f64], predicted: &[f64]) -> Metrics {
    assert!(
        !actual.is_empty() && actual.len() == predicted.len(),
        "need equal, non-empty inputs"
    );
    let n = actual.len() as f64;
    let mut errors: Vec<f64> = actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).abs())
        .collect();
    let mae = errors.iter().sum::<f64>() / n;
    errors.sort_by(f64::total_cmp);
    let mid = errors.len() / 2;
    let median_ae = if errors.len() % 2 == 1 {
        errors[mid]
    } else {
        (errors[mid - 1] + errors[mid]) / 2.0
    };
    let mean = actual.iter().sum::<f64>() / n;
    let ss_tot: f64 = actual.iter().map(|a| (a - mean).powi(2)).sum();
    let ss_res: f64 = actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).powi(2))
        .sum();
    Metrics {
        mae,
        median_ae,
        r2: 1.0 - ss_res / ss_tot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_known_errors() {
        let m = metrics(&[1.0, 2.0, 3.0, 4.0], &[2.0, 2.0, 3.0, 0.0]);
        assert_eq!(m.mae, 5.0 / 4.0);
        assert_eq!(m.median_ae, 0.5);
        assert_eq!(m.r2, 1.0 - 17.0 / 5.0);
    }

    #[test]
    fn split_is_fixed_and_holds_out_about_a_fifth() {
        let held_out = (0..10_000)
            .filter(|&i| Split::of(i, SPLIT_SEED) == Split::HeldOut)
            .count();
        assert!((1_800..=2_200).contains(&held_out), "{held_out}");
        let again = (0..10_000)
            .filter(|&i| Split::of(i, SPLIT_SEED) == Split::HeldOut)
            .count();
        assert_eq!(held_out, again);
        let other_seed: Vec<Split> = (0..100).map(|i| Split::of(i, SPLIT_SEED + 1)).collect();
        let this_seed: Vec<Split> = (0..100).map(|i| Split::of(i, SPLIT_SEED)).collect();
        assert_ne!(other_seed, this_seed);
    }
}
