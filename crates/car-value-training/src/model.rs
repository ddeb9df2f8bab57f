//! The served model: a family of ridge regressions on log-price, one for
//! each set of optional fields a caller may give, each with a prediction
//! interval from cross-validated residuals.
//!
//! For a set of fields `S` (a subset of [`Field::MODELLED`]), the model is
//!
//! ```text
//! ln(price) ≈ b + Σ numeric terms of age and mileage
//!               + Σ_{f ∈ S} level effect of f
//!               + (model's own age slope) · (age − 7)     when model ∈ S
//! ```
//!
//! fitted by ridge regression ([`crate::ridge`], `alpha` = [`ALPHA`]). A
//! caller who gives only year and mileage gets the model fitted on year and
//! mileage alone, not the all-fields model with guessed fields: each of the
//! 32 models is fitted on its own columns, so it is the best linear answer
//! for what the caller knows.
//!
//! **Interval.** Every row of the fitting data is predicted by a model
//! fitted without it ([`FOLDS`]-fold cross-validation, folds by a hash of
//! the row's position). The 10th, 50th and 90th percentiles of those
//! out-of-fold log residuals give the estimate `exp(ŷ + q50)` (the median
//! price, the best answer for absolute error) and the interval
//! `[exp(ŷ + q10), exp(ŷ + q90)]`.

use crate::clean::CleanRow;
use crate::eval::splitmix64;
use crate::features::{Field, FieldSet, FieldValues, Layout, values_of};
use crate::ridge::{Linear, Moments, solve};
use anyhow::Context;

/// Ridge penalty on standardised columns. Chosen by 5-fold cross-validation
/// on the training side of the split (the `eval` binary prints the table):
/// the all-fields MAE is flat, within $2, from 0.1 to 30, and worse at 100.
/// Some penalty is needed because each field's one-hot columns add up to the
/// intercept column; 1 is the smallest round value in the flat region.
pub const ALPHA: f64 = 1.0;

/// Folds of the cross-validation that gives the interval.
pub const FOLDS: usize = 5;

/// Seed of the fold assignment (independent of the held-out split's).
pub const FOLD_SEED: u64 = 0x00F0_1D5E_ED00;

/// The percentiles of the out-of-fold log residuals that bound the
/// interval, and the one that centres the estimate.
pub const INTERVAL_PERCENTILES: [f64; 3] = [10.0, 50.0, 90.0];

/// The interval is taken per age band, because the spread of prices around
/// the model grows with age: a car younger than 5 years is in band 0, 5–9
/// in band 1, 10–16 in band 2, 17 and older (model years 1995–2004) in band
/// 3. With one interval for all ages, the held-out coverage of the oldest
/// band was 62% and of the middle ones 80–84%.
pub const AGE_BAND_STARTS: [i32; 3] = [5, 10, 17];

/// Number of age bands.
pub const AGE_BANDS: usize = AGE_BAND_STARTS.len() + 1;

/// The age band of a model year (ages counted from
/// [`AGE_BASE_YEAR`](crate::features::AGE_BASE_YEAR)).
pub fn age_band(year: i32) -> usize {
    let age = crate::features::AGE_BASE_YEAR - year;
    AGE_BAND_STARTS
        .iter()
        .filter(|&&start| age >= start)
        .count()
}

/// The fold (0..FOLDS) of the row at `index` of the file.
pub fn fold_of(index: usize) -> usize {
    (splitmix64(FOLD_SEED ^ index as u64) % FOLDS as u64) as usize
}

/// What is regressed: log-price (served) or price (for comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    LogPrice,
    Price,
}

impl Target {
    pub fn of(self, price: f64) -> f64 {
        match self {
            Target::LogPrice => price.ln(),
            Target::Price => price,
        }
    }
}

/// Rows ready to fit: design rows, targets, and the moments of each fold.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub layout: Layout,
    pub target: Target,
    pub x: Vec<Vec<f64>>,
    pub y: Vec<f64>,
    /// [`age_band`] of each row.
    pub band: Vec<usize>,
    pub fold: Vec<usize>,
    pub fold_moments: Vec<Moments>,
    pub total: Moments,
}

impl Prepared {
    /// Builds the design rows of `rows` on `layout`.
    pub fn new(layout: Layout, rows: &[CleanRow], target: Target) -> Prepared {
        let width = layout.width();
        let mut fold_moments = vec![Moments::new(width); FOLDS];
        let mut x = Vec::with_capacity(rows.len());
        let mut y = Vec::with_capacity(rows.len());
        let mut fold = Vec::with_capacity(rows.len());
        let mut band = Vec::with_capacity(rows.len());
        for row in rows {
            let xi = layout.row(row);
            let yi = target.of(row.price_usd);
            let k = fold_of(row.index);
            fold_moments[k].add(&xi, yi);
            x.push(xi);
            y.push(yi);
            fold.push(k);
            band.push(age_band(row.year));
        }
        let total = fold_moments
            .iter()
            .fold(Moments::new(width), |acc, m| acc.plus(m));
        Prepared {
            layout,
            target,
            x,
            y,
            band,
            fold,
            fold_moments,
            total,
        }
    }
}

/// A model fitted on every prepared row, with its out-of-fold residuals'
/// percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub linear: Linear,
    /// Per age band ([`age_band`]): the [`INTERVAL_PERCENTILES`] of the
    /// out-of-fold residuals of the rows in that band (in the target's
    /// units: log-price or dollars).
    pub quantiles: [[f64; 3]; AGE_BANDS],
    /// Out-of-fold predictions (target units), one per prepared row.
    pub out_of_fold: Vec<f64>,
}

/// Fits `columns` on every row and cross-validates them.
pub fn fit_with_intervals(p: &Prepared, columns: &[usize], alpha: f64) -> anyhow::Result<Fitted> {
    let linear = solve(&p.total, columns, alpha).context("fit on every row")?;
    let mut out_of_fold = vec![0.0; p.x.len()];
    for k in 0..FOLDS {
        let fit = solve(&p.total.minus(&p.fold_moments[k]), columns, alpha)
            .with_context(|| format!("fit without fold {k}"))?;
        for (i, xi) in p.x.iter().enumerate() {
            if p.fold[i] == k {
                out_of_fold[i] = fit.predict(xi);
            }
        }
    }
    let mut quantiles = [[0.0; 3]; AGE_BANDS];
    for (b, q) in quantiles.iter_mut().enumerate() {
        let mut residuals: Vec<f64> = (0..p.y.len())
            .filter(|&i| p.band[i] == b)
            .map(|i| p.y[i] - out_of_fold[i])
            .collect();
        anyhow::ensure!(!residuals.is_empty(), "no rows in age band {b}");
        residuals.sort_by(f64::total_cmp);
        *q = INTERVAL_PERCENTILES.map(|pct| percentile(&residuals, pct));
    }
    Ok(Fitted {
        linear,
        quantiles,
        out_of_fold,
    })
}

impl Fitted {
    /// The residual percentiles for a car of model year `year`.
    pub fn quantiles_for(&self, year: i32) -> [f64; 3] {
        self.quantiles[age_band(year)]
    }
}

/// The `q`-th percentile of sorted values, interpolating linearly between
/// ranks (the usual "type 7" definition).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "percentile of nothing");
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// One model of the family.
#[derive(Debug, Clone, PartialEq)]
pub struct SubModel {
    pub set: FieldSet,
    pub fitted: Fitted,
}

/// An estimate before the service's rounding: the median price and the
/// interval, in USD, never below the cheapest clean price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The served family: one log-price model per set of modelled fields.
#[derive(Debug, Clone)]
pub struct Family {
    pub layout: Layout,
    /// One per [`FieldSet::every`], in that order.
    pub models: Vec<SubModel>,
    /// Rows fitted.
    pub rows: usize,
    /// The floor of every estimate: the cheapest price among the rows
    /// fitted (no clean listing asks less).
    pub floor_usd: f64,
}

/// Fits the family on `rows` (levels learned from the same rows).
pub fn train_family(rows: &[CleanRow]) -> anyhow::Result<Family> {
    train_family_with(rows, ALPHA)
}

/// [`train_family`] with another ridge penalty.
pub fn train_family_with(rows: &[CleanRow], alpha: f64) -> anyhow::Result<Family> {
    let prepared = Prepared::new(Layout::learn(rows), rows, Target::LogPrice);
    let models = FieldSet::every()
        .map(|set| {
            let fitted = fit_with_intervals(&prepared, &prepared.layout.columns(set), alpha)
                .with_context(|| format!("model on {}", set.label()))?;
            Ok(SubModel { set, fitted })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Family {
        layout: prepared.layout,
        models,
        rows: rows.len(),
        floor_usd: rows
            .iter()
            .map(|r| r.price_usd)
            .fold(f64::INFINITY, f64::min),
    })
}

impl Family {
    /// The model for `set` (which must hold modelled fields only).
    pub fn model(&self, set: FieldSet) -> &SubModel {
        self.models
            .iter()
            .find(|m| m.set == set)
            .unwrap_or_else(|| panic!("no model for {}", set.label()))
    }

    /// Estimates a car from the fields given (`None` = not given; values
    /// normalised). Unmodelled fields (title status) are ignored; a value
    /// the levels do not know goes to the field's rare bucket.
    pub fn predict(&self, year: i32, mileage: f64, values: &FieldValues) -> Prediction {
        let set = Field::MODELLED
            .into_iter()
            .filter(|f| values[f.position()].is_some())
            .fold(FieldSet::NONE, FieldSet::with);
        let model = &self.model(set).fitted;
        let x = self.layout.row_of(year, mileage, values);
        let fit = model.linear.predict(&x);
        let [q_low, q_mid, q_high] = model.quantiles_for(year);
        Prediction {
            value: (fit + q_mid).exp().max(self.floor_usd),
            low: (fit + q_low).exp().max(self.floor_usd),
            high: (fit + q_high).exp().max(self.floor_usd),
        }
    }

    /// [`Family::predict`] with the modelled fields a clean row states.
    pub fn predict_row(&self, row: &CleanRow) -> Prediction {
        let stated = FieldSet::stated_by(row);
        let mut values = values_of(row);
        for f in Field::ALL {
            if !stated.contains(f) {
                values[f.position()] = None;
            }
        }
        self.predict(row.year, row.mileage, &values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 50.0), 3.0);
        assert_eq!(percentile(&v, 100.0), 5.0);
        assert_eq!(percentile(&v, 10.0), 1.4);
    }

    #[test]
    fn age_bands_start_at_5_10_and_17_years() {
        let bands: Vec<usize> = [2022, 2021, 2017, 2016, 2012, 2011, 2005, 2004, 1995]
            .map(age_band)
            .to_vec();
        assert_eq!(bands, vec![0, 0, 0, 1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn folds_are_balanced_and_fixed() {
        let mut counts = [0usize; FOLDS];
        for i in 0..10_000 {
            counts[fold_of(i)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (1_800..=2_200).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(fold_of(1234), fold_of(1234));
    }
}
