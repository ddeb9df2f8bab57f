//! The served model: a family of ridge regressions on log-price, one for
//! each set of optional fields a caller may give, each with a prediction
//! interval from cross-validated residuals.
//!
//! For a set of fields `S` (a subset of [`Field::MODELLED`]), the model is
//!
//! ```text
//! ln(price) ≈ b + effect of the model year + mileage terms
//!               + Σ_{f ∈ S} level effect of f
//!               + the line's own age and mileage terms     when model ∈ S
//!               + the model × fuel effect                   when both ∈ S
//! ```
//!
//! **Never worth more with age.** The fitted function is turned into a
//! table per line and model year ([`Curves`]), made non-increasing with age
//! at every mileage and never increasing with mileage, at build time; the
//! service reads the table.
//!
//! fitted by ridge regression ([`crate::ridge`], `alpha` = [`ALPHA`]),
//! reweighted towards least absolute deviations ([`IRLS_ROUNDS`]). A
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

use crate::clean::{CleanRow, ODOMETER_CEILING_MI};
use crate::eval::splitmix64;
use crate::features::{
    AGE_BASE_YEAR, AGE_CENTER, Field, FieldSet, FieldValues, Layout, MILEAGE_BENDS,
    MILEAGE_CENTER_10K, MILEAGE_KNOTS_10K, MODEL_TERMS, model_age_terms, values_of,
};
use crate::ridge::{Linear, Moments, solve};
use anyhow::Context;

/// Ridge penalty on standardised columns. Chosen by 5-fold cross-validation
/// on the training side of the split (the `eval` binary prints the table):
/// the all-fields MAE is lowest at 1 and within $25 of it from 0.1 to 30.
/// Some penalty is needed because
/// each field's one-hot columns add up to the intercept column, and the
/// many line × age and line × fuel columns are thin.
pub const ALPHA: f64 = 1.0;

/// Rounds of iteratively reweighted least squares after the first fit: each
/// row is weighted by 1 / max(|residual|, [`IRLS_MIN_RESIDUAL`]) of the
/// previous round, which moves the fit from least squares towards least
/// absolute deviations, the median of log-price: the right target for the
/// absolute error the service is judged on, and less pulled by the
/// placeholder-like prices left in the data. With 3 rounds the 5-fold
/// cross-validated MAE of the all-fields model on the training side falls
/// from about $4,140 to $3,900; 8 rounds take the served estimate's
/// cross-validated MAE (`eval::cross_validate`) $10 lower again than 3
/// rounds ($4,043 against $4,053; year and mileage only $5,990 against
/// $5,986).
pub const IRLS_ROUNDS: usize = 8;

/// The smallest residual (log-price) a row's weight is computed from, so
/// that rows fitted exactly do not take over.
pub const IRLS_MIN_RESIDUAL: f64 = 0.05;

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

/// Rows ready to fit: design rows, targets, age bands and folds.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub layout: Layout,
    pub target: Target,
    pub x: Vec<Vec<f64>>,
    pub y: Vec<f64>,
    /// [`age_band`] of each row.
    pub band: Vec<usize>,
    pub fold: Vec<usize>,
}

impl Prepared {
    /// Builds the design rows of `rows` on `layout`.
    pub fn new(layout: Layout, rows: &[CleanRow], target: Target) -> Prepared {
        Prepared {
            x: rows.iter().map(|r| layout.row(r)).collect(),
            y: rows.iter().map(|r| target.of(r.price_usd)).collect(),
            band: rows.iter().map(|r| age_band(r.year)).collect(),
            fold: rows.iter().map(|r| fold_of(r.index)).collect(),
            layout,
            target,
        }
    }

    /// Per fold, the weighted moments of `columns` (in that order).
    fn fold_moments(&self, columns: &[usize], weights: &[f64]) -> Vec<Moments> {
        let mut folds = vec![Moments::new(columns.len()); FOLDS];
        let mut xc = vec![0.0; columns.len()];
        for (i, x) in self.x.iter().enumerate() {
            for (slot, &c) in xc.iter_mut().zip(columns) {
                *slot = x[c];
            }
            folds[self.fold[i]].add_weighted(&xc, self.y[i], weights[i]);
        }
        folds
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

/// Fits `columns` on every row, reweighted towards least absolute
/// deviations ([`IRLS_ROUNDS`]), and cross-validates the fit with the final
/// weights.
pub fn fit_with_intervals(p: &Prepared, columns: &[usize], alpha: f64) -> anyhow::Result<Fitted> {
    let compact: Vec<usize> = (0..columns.len()).collect();
    let expand = |fit: Linear| Linear {
        intercept: fit.intercept,
        coef: fit.coef.into_iter().map(|(k, w)| (columns[k], w)).collect(),
    };
    let mut weights = vec![1.0; p.y.len()];
    let mut folds = p.fold_moments(columns, &weights);
    let mut total = folds
        .iter()
        .fold(Moments::new(columns.len()), |a, m| a.plus(m));
    let mut linear = expand(solve(&total, &compact, alpha).context("fit on every row")?);
    for _ in 0..IRLS_ROUNDS {
        for (i, w) in weights.iter_mut().enumerate() {
            *w = 1.0
                / (p.y[i] - linear.predict(&p.x[i]))
                    .abs()
                    .max(IRLS_MIN_RESIDUAL);
        }
        folds = p.fold_moments(columns, &weights);
        total = folds
            .iter()
            .fold(Moments::new(columns.len()), |a, m| a.plus(m));
        linear = expand(solve(&total, &compact, alpha).context("reweighted fit")?);
    }
    let mut out_of_fold = vec![0.0; p.x.len()];
    for (k, fold) in folds.iter().enumerate() {
        let fit = expand(
            solve(&total.minus(fold), &compact, alpha)
                .with_context(|| format!("fit without fold {k}"))?,
        );
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

/// Mileage (in units of 10,000 miles) at which [`Curves`] pin each year's
/// second point: the odometer ceiling, the highest mileage accepted.
pub const CURVE_MILEAGE_10K: f64 = ODOMETER_CEILING_MI / 10_000.0;

/// One model of the family as the service evaluates it: per line and model
/// year, the log-value at 0 miles (`a`) and at [`CURVE_MILEAGE_10K`] (`e`),
/// joined by a straight line in mileage, `a · (1 − t) + e · t` with
/// `t = mileage_10k / CURVE_MILEAGE_10K`; plus the mileage bend, the other
/// fields' effects and the model × fuel effect.
///
/// `a` and `e` hold the year effect, the line's own terms (taken at the
/// nearest year of the line's span outside it), its level, the median
/// residual of the age band, and the year-dependent mileage slope. They are
/// made **non-increasing with age** (weighted isotonic regression of each,
/// [`non_decreasing`] in year, weighted by the line's listings per year):
/// then the value is non-increasing with age at every mileage, also in
/// floating point (a sum of products with fixed non-negative weights is
/// monotone in each term). The slope `(e − a) / CURVE_MILEAGE_10K` is
/// capped so that the value **never rises with mileage** on either side
/// of the bend.
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    /// Per column of `model` (one entry when the set has no `model`): per
    /// year of the layout, oldest first, `(a, e)`.
    pub points: Vec<Vec<(f64, f64)>>,
    /// Coefficients of the mileage bends (the last columns of
    /// [`MILEAGE_COLUMNS`]).
    pub bends: [f64; 1],
    /// Per modelled field ([`Field::MODELLED`]) but `model` (folded into
    /// `points`): one coefficient per level; empty when not in the set.
    pub fields: [Vec<f64>; 5],
    /// Per `model` column × `fuel` column (row-major); empty unless the set
    /// has both.
    pub pairs: Vec<f64>,
    /// Per age band: the interval around the estimate, as log offsets
    /// (the [`INTERVAL_PERCENTILES`] of out-of-fold residuals of the
    /// served estimate, see `calibrate`).
    pub offsets: [[f64; 2]; AGE_BANDS],
}

impl Curves {
    /// `rows_per_year[line][year − first year]`: training rows of each
    /// line (all rows when the set has no `model`) and year.
    fn build(
        layout: &Layout,
        set: FieldSet,
        fitted: &Fitted,
        rows_per_year: &[Vec<f64>],
    ) -> Curves {
        let coef = |col: usize| -> f64 {
            fitted
                .linear
                .coef
                .iter()
                .find(|(c, _)| *c == col)
                .map_or(0.0, |(_, w)| *w)
        };
        let m0 = layout.mileage_offset();
        let bends = [coef(m0 + MILEAGE_BENDS)];
        // The steepest rise the bend adds on any stretch of mileage (none
        // below the knot).
        let bend_slopes = [0.0, bends[0]];
        let max_bend_slope = bend_slopes.into_iter().fold(f64::NEG_INFINITY, f64::max);
        let lines = if set.contains(Field::Model) {
            layout.levels(Field::Model).width()
        } else {
            1
        };
        let points = (0..lines)
            .map(|line| {
                let raw: Vec<(f64, f64)> = (layout.years.0..=layout.years.1)
                    .map(|year| {
                        let age = f64::from(AGE_BASE_YEAR - year);
                        let band = age_band(year);
                        let mut a = fitted.linear.intercept
                            + coef((year - layout.years.0) as usize)
                            + fitted.quantiles[band][1];
                        let mut s = coef(m0 + band) + coef(m0 + 4) * (age - AGE_CENTER);
                        if set.contains(Field::Model) {
                            let start = layout.interaction_offset() + line * MODEL_TERMS;
                            let line_age = f64::from(AGE_BASE_YEAR - layout.line_year(line, year));
                            a += coef(layout.offset(Field::Model) + line);
                            for (k, t) in model_age_terms(line_age).into_iter().enumerate() {
                                a += coef(start + k) * t;
                            }
                            let own_mileage = coef(start + MODEL_TERMS - 1);
                            a -= own_mileage * MILEAGE_CENTER_10K;
                            s += own_mileage;
                        }
                        (a, s)
                    })
                    .collect();
                let weights: Vec<f64> = rows_per_year[line]
                    .iter()
                    .map(|n| n + YEAR_WEIGHT_FLOOR)
                    .collect();
                monotone(&raw, &weights, max_bend_slope)
            })
            .collect();
        let fields = [1, 2, 3, 4].map(|k| {
            let field = Field::MODELLED[k];
            if set.contains(field) {
                let start = layout.offset(field);
                (start..start + layout.levels(field).width())
                    .map(coef)
                    .collect()
            } else {
                Vec::new()
            }
        });
        let fields = [
            Vec::new(),
            fields[0].clone(),
            fields[1].clone(),
            fields[2].clone(),
            fields[3].clone(),
        ];
        let pairs = if set.contains(Field::Model) && set.contains(Field::Fuel) {
            (layout.pair_offset()..layout.width()).map(coef).collect()
        } else {
            Vec::new()
        };
        // Replaced by `calibrate`; the raw fit's out-of-fold spread until then.
        let offsets = fitted.quantiles.map(|[lo, mid, hi]| [lo - mid, hi - mid]);
        Curves {
            points,
            bends,
            fields,
            pairs,
            offsets,
        }
    }
}

impl Curves {
    /// The log-value of a car of a training `year` with the `columns` of
    /// the modelled fields given (in [`Field::MODELLED`] order), summed in
    /// the order `car-value-model` sums.
    pub fn log_value(
        &self,
        layout: &Layout,
        year: i32,
        mileage: f64,
        columns: &[Option<usize>],
    ) -> f64 {
        let line = columns[0].unwrap_or(0);
        let (a, e) = self.points[line][(year - layout.years.0) as usize];
        let m = mileage / 10_000.0;
        let t = m / CURVE_MILEAGE_10K;
        let mut fit = a * (1.0 - t) + e * t;
        fit += self.bends[0] * (m - MILEAGE_KNOTS_10K[0]).max(0.0);
        for (k, column) in columns.iter().enumerate().skip(1) {
            if let Some(c) = column {
                fit += self.fields[k][*c];
            }
        }
        if let (Some(line), Some(fuel)) = (columns[0], columns[2]) {
            fit += self.pairs[line * layout.levels(Field::Fuel).width() + fuel];
        }
        fit
    }

    /// Sets the interval's offsets from the out-of-fold residuals of what
    /// is served: each row's out-of-fold linear prediction, moved as the
    /// fitted curves move the full fit's (the median residual and the
    /// monotone adjustment), so that the interval is calibrated on the
    /// estimate the service gives rather than on the raw linear fit.
    fn calibrate(&mut self, p: &Prepared, rows: &[CleanRow], set: FieldSet, fitted: &Fitted) {
        let mut residuals: Vec<Vec<f64>> = vec![Vec::new(); AGE_BANDS];
        for (i, row) in rows.iter().enumerate() {
            let columns: Vec<Option<usize>> = Field::MODELLED
                .into_iter()
                .map(|f| {
                    set.contains(f)
                        .then(|| p.layout.levels(f).column_of(f.of(row)))
                        .flatten()
                })
                .collect();
            let served = self.log_value(&p.layout, row.year, row.mileage, &columns);
            let shift = served - fitted.linear.predict(&p.x[i]);
            residuals[p.band[i]].push(p.y[i] - (fitted.out_of_fold[i] + shift));
        }
        for (offsets, mut r) in self.offsets.iter_mut().zip(residuals) {
            r.sort_by(f64::total_cmp);
            *offsets = [
                percentile(&r, INTERVAL_PERCENTILES[0]),
                percentile(&r, INTERVAL_PERCENTILES[2]),
            ];
        }
    }
}

/// `(a, s)` (log-value at 0 miles, slope per 10,000 miles) per year,
/// oldest first → `(a, e)`, the closest values (least squares weighted by
/// `weights`, by pool-adjacent-violators) that are non-increasing with age
/// at 0 and at [`CURVE_MILEAGE_10K`], with a slope `≤ −max_bend_slope`.
fn monotone(raw: &[(f64, f64)], weights: &[f64], max_bend_slope: f64) -> Vec<(f64, f64)> {
    let a = non_decreasing(&raw.iter().map(|p| p.0).collect::<Vec<_>>(), weights);
    let e = non_decreasing(
        &raw.iter()
            .map(|(a, s)| a + s * CURVE_MILEAGE_10K)
            .collect::<Vec<_>>(),
        weights,
    );
    a.iter()
        .zip(e)
        .map(|(&a, e)| (a, e.min(a - max_bend_slope * CURVE_MILEAGE_10K)))
        .collect()
}

/// The non-decreasing sequence closest to `values` in least squares
/// weighted by `weights` (positive): isotonic regression by
/// pool-adjacent-violators.
pub fn non_decreasing(values: &[f64], weights: &[f64]) -> Vec<f64> {
    // Blocks of (weighted sum, weight, length), each mean above the
    // previous one's.
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(values.len());
    for (&v, &w) in values.iter().zip(weights) {
        blocks.push((v * w, w, 1));
        while blocks.len() > 1 {
            let (s1, w1, n1) = blocks[blocks.len() - 1];
            let (s0, w0, n0) = blocks[blocks.len() - 2];
            if s0 / w0 <= s1 / w1 {
                break;
            }
            blocks.pop();
            *blocks.last_mut().expect("two blocks") = (s0 + s1, w0 + w1, n0 + n1);
        }
    }
    blocks
        .into_iter()
        .flat_map(|(sum, w, n)| std::iter::repeat_n(sum / w, n))
        .collect()
}

/// The weight of a line's model year in [`non_decreasing`]: its training
/// rows, plus this for every year, so that years without listings (outside
/// a line's span) follow their neighbours instead of moving them.
pub const YEAR_WEIGHT_FLOOR: f64 = 0.01;

/// One model of the family.
#[derive(Debug, Clone, PartialEq)]
pub struct SubModel {
    pub set: FieldSet,
    pub fitted: Fitted,
    /// What the service evaluates.
    pub curves: Curves,
}

/// An estimate before the service's rounding: the median price and the
/// interval, in USD, never below the cheapest clean price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Branded titles with at least this many listings get a discount of their
/// own; rarer ones get the discount of all branded-title listings pooled,
/// and the estimate says so.
pub const MIN_BRANDED_ROWS: usize = 20;

/// What a branded title does to an estimate: percentiles of
/// `ln(price) − ln(clean estimate)` over the listings with that title,
/// valued by the clean model with the fields each states.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandedTitle {
    /// The title status, e.g. `salvage`.
    pub title: String,
    /// Listings with this title.
    pub rows: usize,
    /// Listings the percentiles come from: `rows`, or every branded
    /// listing when `rows` < [`MIN_BRANDED_ROWS`].
    pub evidence_rows: usize,
    /// [`INTERVAL_PERCENTILES`] of the log-ratio: low, discount, high.
    pub log_ratio: [f64; 3],
}

impl BrandedTitle {
    /// Whether the title's own listings were too few and the pooled
    /// discount is used.
    pub fn pooled(&self) -> bool {
        self.rows < MIN_BRANDED_ROWS
    }
}

/// The served family: one log-price model per set of modelled fields, and
/// the branded-title discounts.
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
    /// One per branded title status seen, sorted by title.
    pub branded: Vec<BrandedTitle>,
}

/// Fits the family on `rows` (levels learned from the same rows), and the
/// branded-title discounts on `branded` (rows cleaned like `rows` but for
/// their title).
pub fn train_family(rows: &[CleanRow], branded: &[CleanRow]) -> anyhow::Result<Family> {
    train_family_with(rows, branded, ALPHA)
}

/// [`train_family`] with another ridge penalty.
pub fn train_family_with(
    rows: &[CleanRow],
    branded: &[CleanRow],
    alpha: f64,
) -> anyhow::Result<Family> {
    let prepared = Prepared::new(Layout::learn(rows), rows, Target::LogPrice);
    let layout = &prepared.layout;
    let model_levels = layout.levels(Field::Model);
    let mut per_line = vec![vec![0.0; layout.year_count()]; model_levels.width()];
    let mut all_lines = vec![0.0; layout.year_count()];
    for row in rows {
        let y = (row.year - layout.years.0) as usize;
        all_lines[y] += 1.0;
        if let Some(c) = model_levels.column_of(&row.model) {
            per_line[c][y] += 1.0;
        }
    }
    let models = FieldSet::every()
        .map(|set| {
            let fitted = fit_with_intervals(&prepared, &prepared.layout.columns(set), alpha)
                .with_context(|| format!("model on {}", set.label()))?;
            let counts = if set.contains(Field::Model) {
                &per_line
            } else {
                std::slice::from_ref(&all_lines)
            };
            let mut curves = Curves::build(&prepared.layout, set, &fitted, counts);
            curves.calibrate(&prepared, rows, set, &fitted);
            Ok(SubModel {
                set,
                fitted,
                curves,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut family = Family {
        layout: prepared.layout,
        models,
        rows: rows.len(),
        floor_usd: rows
            .iter()
            .map(|r| r.price_usd)
            .fold(f64::INFINITY, f64::min),
        branded: Vec::new(),
    };
    family.branded = family.fit_branded(branded);
    Ok(family)
}

impl Family {
    /// The model for `set` (which must hold modelled fields only).
    pub fn model(&self, set: FieldSet) -> &SubModel {
        self.models
            .iter()
            .find(|m| m.set == set)
            .unwrap_or_else(|| panic!("no model for {}", set.label()))
    }

    /// The clean log-value (the estimate's logarithm before the floor) and
    /// the interval offsets, from the fields given (`None` = not given;
    /// values normalised; a value the levels do not know goes to the
    /// field's rare bucket). Summed in the order `car-value-model` sums.
    pub fn log_value(&self, year: i32, mileage: f64, values: &FieldValues) -> (f64, [f64; 2]) {
        let columns: Vec<Option<usize>> = Field::MODELLED
            .into_iter()
            .map(|f| values[f.position()].and_then(|v| self.layout.levels(f).column_of(v)))
            .collect();
        let set = Field::MODELLED
            .into_iter()
            .zip(&columns)
            .filter(|(_, c)| c.is_some())
            .fold(FieldSet::NONE, |s, (f, _)| s.with(f));
        let curves = &self.model(set).curves;
        let year = self.layout.clamp_year(year);
        let fit = curves.log_value(&self.layout, year, mileage, &columns);
        (fit, curves.offsets[age_band(year)])
    }

    /// Estimates a car from the fields given (see [`Family::log_value`]).
    /// A branded `title_status` scales the clean estimate by its discount
    /// and takes its interval; other title statuses are ignored.
    pub fn predict(&self, year: i32, mileage: f64, values: &FieldValues) -> Prediction {
        let (fit, [low, high]) = self.log_value(year, mileage, values);
        let [low, mid, high] = match values[Field::TitleStatus.position()]
            .and_then(|t| self.branded.iter().find(|b| b.title == t))
        {
            Some(b) => b.log_ratio,
            None => [low, 0.0, high],
        };
        let dollars = |q: f64| (fit + q).exp().max(self.floor_usd);
        Prediction {
            value: dollars(mid),
            low: dollars(low),
            high: dollars(high),
        }
    }

    /// [`Family::predict`] with the modelled fields and title a row
    /// states.
    pub fn predict_row(&self, row: &CleanRow) -> Prediction {
        let stated = FieldSet::stated_by(row);
        let mut values = values_of(row);
        for f in Field::MODELLED {
            if !stated.contains(f) {
                values[f.position()] = None;
            }
        }
        self.predict(row.year, row.mileage, &values)
    }

    /// The branded-title discounts, from listings with those titles.
    /// Fields a branded listing states that the clean data lacks (condition
    /// `salvage`) count as not given.
    pub fn fit_branded(&self, branded: &[CleanRow]) -> Vec<BrandedTitle> {
        let mut by_title: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
        for row in branded {
            let stated = FieldSet::stated_by(row);
            let mut values = values_of(row);
            for f in Field::MODELLED {
                let known = self
                    .layout
                    .levels(f)
                    .common
                    .iter()
                    .chain(&self.layout.levels(f).rare)
                    .any(|(v, _)| v == f.of(row));
                if !stated.contains(f) || !known {
                    values[f.position()] = None;
                }
            }
            let (fit, _) = self.log_value(row.year, row.mileage, &values);
            by_title
                .entry(row.title_status.clone())
                .or_default()
                .push(row.price_usd.ln() - fit);
        }
        let percentiles = |ratios: &[f64]| {
            let mut sorted = ratios.to_vec();
            sorted.sort_by(f64::total_cmp);
            INTERVAL_PERCENTILES.map(|p| percentile(&sorted, p))
        };
        let all: Vec<f64> = by_title.values().flatten().copied().collect();
        by_title
            .iter()
            .map(|(title, ratios)| {
                let own = ratios.len() >= MIN_BRANDED_ROWS;
                BrandedTitle {
                    title: title.clone(),
                    rows: ratios.len(),
                    evidence_rows: if own { ratios.len() } else { all.len() },
                    log_ratio: percentiles(if own { ratios } else { &all }),
                }
            })
            .collect()
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
