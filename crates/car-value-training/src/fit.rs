//! The seed-compatible model: ordinary least squares on `[year, mileage]` →
//! price in dollars, as the classic service served it. It is no longer
//! served; `eval` keeps it as the baseline the served model must beat.

use crate::clean::CleanRow;
use anyhow::{Context, anyhow, ensure};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::linear_regression::{
    LinearRegression, LinearRegressionParameters, LinearRegressionSolverName,
};

/// The line's inputs, in the column order of its design matrix.
pub const FEATURES: [&str; 2] = ["year", "mileage"];

/// One row of the design matrix.
pub(crate) fn features(row: &CleanRow) -> [f64; FEATURES.len()] {
    [f64::from(row.year), row.mileage]
}

/// The fitted line and the bounds of the data it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedLine {
    /// Price in USD at year 0 and 0 miles (meaningless alone: the year
    /// enters as a calendar year, e.g. 2014).
    pub intercept: f64,
    /// USD per model year (newer → positive).
    pub year_coef: f64,
    /// USD per mile (more miles → negative).
    pub mileage_coef: f64,
    /// Oldest model year in the rows fitted.
    pub min_year: i32,
    /// Newest model year in the rows fitted.
    pub max_year: i32,
    /// Largest mileage in the rows fitted.
    pub max_mileage: f64,
    /// The floor of every estimate: the cheapest price in the rows fitted.
    /// A straight line goes below it (and below zero) for old, high-mileage
    /// cars; no clean listing asked less.
    pub min_value: f64,
    /// Number of rows fitted.
    pub rows: usize,
}

/// Fits the model on `rows` (in their order; the SVD solver has no random
/// state, so the same rows give bit-identical coefficients).
pub fn fit_seed_line(rows: &[CleanRow]) -> anyhow::Result<SeedLine> {
    ensure!(
        rows.len() > FEATURES.len(),
        "cannot fit {} features on {} rows",
        FEATURES.len(),
        rows.len()
    );
    let x: Vec<Vec<f64>> = rows.iter().map(|r| features(r).to_vec()).collect();
    let y: Vec<f64> = rows.iter().map(|r| r.price_usd).collect();
    let x = DenseMatrix::from_2d_vec(&x).map_err(|e| anyhow!("design matrix: {e}"))?;
    let params = LinearRegressionParameters::default().with_solver(LinearRegressionSolverName::SVD);
    let lr: LinearRegression<f64, f64, DenseMatrix<f64>, Vec<f64>> =
        LinearRegression::fit(&x, &y, params).map_err(|e| anyhow!("least squares: {e}"))?;
    let coef = lr.coefficients();
    let model = SeedLine {
        intercept: *lr.intercept(),
        year_coef: *coef.get((0, 0)),
        mileage_coef: *coef.get((1, 0)),
        min_year: rows.iter().map(|r| r.year).min().context("no rows")?,
        max_year: rows.iter().map(|r| r.year).max().context("no rows")?,
        max_mileage: rows
            .iter()
            .map(|r| r.mileage)
            .fold(f64::NEG_INFINITY, f64::max),
        min_value: rows
            .iter()
            .map(|r| r.price_usd)
            .fold(f64::INFINITY, f64::min),
        rows: rows.len(),
    };
    ensure!(
        [model.intercept, model.year_coef, model.mileage_coef]
            .iter()
            .all(|v| v.is_finite()),
        "non-finite coefficients: {model:?}"
    );
    Ok(model)
}

impl SeedLine {
    /// The straight line, without the floor.
    pub fn linear(&self, year: i32, mileage: f64) -> f64 {
        self.intercept + self.year_coef * f64::from(year) + self.mileage_coef * mileage
    }

    /// The estimate in USD: the line, never below [`SeedLine::min_value`].
    /// (Not rounded; `car-value-model` rounds to whole dollars.) No bounds
    /// check: that is the runtime crate's job.
    pub fn predict(&self, year: i32, mileage: f64) -> f64 {
        self.linear(year, mileage).max(self.min_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(index: usize, year: i32, mileage: f64, price_usd: f64) -> CleanRow {
        CleanRow {
            index,
            price_usd,
            year,
            mileage,
            ..CleanRow::default()
        }
    }

    #[test]
    fn fit_recovers_an_exact_plane() {
        // price = -2,000,000 + 1,000·year − 0.1·mileage
        let rows: Vec<CleanRow> = [
            (2000, 10_000.0),
            (2005, 80_000.0),
            (2010, 20_000.0),
            (2015, 150_000.0),
            (2020, 5_000.0),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(y, m))| row(i, y, m, -2_000_000.0 + 1_000.0 * f64::from(y) - 0.1 * m))
        .collect();
        let model = fit_seed_line(&rows).unwrap();
        assert!((model.year_coef - 1_000.0).abs() < 1e-6, "{model:?}");
        assert!((model.mileage_coef + 0.1).abs() < 1e-9, "{model:?}");
        assert!((model.intercept + 2_000_000.0).abs() < 1e-3, "{model:?}");
        assert_eq!(
            (
                model.min_year,
                model.max_year,
                model.max_mileage,
                model.rows
            ),
            (2000, 2020, 150_000.0, 5)
        );
    }

    #[test]
    fn predict_never_goes_below_the_cheapest_row() {
        let model = SeedLine {
            intercept: -2_000_000.0,
            year_coef: 1_000.0,
            mileage_coef: -0.1,
            min_year: 1995,
            max_year: 2021,
            max_mileage: 400_000.0,
            min_value: 1_000.0,
            rows: 3,
        };
        assert_eq!(model.predict(1995, 400_000.0), 1_000.0);
        assert_eq!(model.predict(2020, 0.0), 20_000.0);
    }

    #[test]
    fn fit_refuses_too_few_rows() {
        assert!(fit_seed_line(&[row(0, 2000, 1.0, 1.0), row(1, 2001, 2.0, 2.0)]).is_err());
    }
}
