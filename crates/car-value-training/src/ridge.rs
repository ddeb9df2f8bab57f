//! Ridge regression on standardised columns, solved from accumulated
//! moments so that the 64 models of the family (one per set of optional
//! fields) and their cross-validation folds cost one pass over the rows.
//!
//! The estimator is exactly smartcore's
//! [`RidgeRegression`](smartcore::linear::ridge_regression::RidgeRegression)
//! with `normalize = true` (the default): every column is centred and divided
//! by its (population) standard deviation, `alpha` is added to the diagonal
//! of `XᵀX`, the system is solved with smartcore's Cholesky decomposition,
//! and the coefficients are scaled back, the intercept being
//! `mean(y) − w·mean(x)`. Where smartcore forms `XᵀX` from the whole matrix
//! for each fit, this module forms it once from running sums and takes the
//! sub-block of the columns a model uses. A test checks that both give the
//! same coefficients to 1e-9. Columns that are constant in the rows fitted
//! (a rare level absent from one fold) get a zero coefficient, where
//! smartcore would refuse the whole fit.

use anyhow::{anyhow, ensure};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::cholesky::CholeskyDecomposable;

/// Running sums over rows: enough to fit a ridge regression on any subset of
/// the columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Number of columns.
    pub width: usize,
    pub rows: usize,
    /// Sum of the rows' weights (`rows` when every weight is 1).
    pub weight: f64,
    pub sum_x: Vec<f64>,
    /// Row-major `width × width`, upper triangle filled (`i <= j`).
    pub sum_xx: Vec<f64>,
    pub sum_xy: Vec<f64>,
    pub sum_y: f64,
}

impl Moments {
    pub fn new(width: usize) -> Moments {
        Moments {
            width,
            rows: 0,
            weight: 0.0,
            sum_x: vec![0.0; width],
            sum_xx: vec![0.0; width * width],
            sum_xy: vec![0.0; width],
            sum_y: 0.0,
        }
    }

    /// Adds one row.
    pub fn add(&mut self, x: &[f64], y: f64) {
        self.add_weighted(x, y, 1.0);
    }

    /// Adds one row that counts `w` times in the least-squares sums.
    pub fn add_weighted(&mut self, x: &[f64], y: f64, w: f64) {
        debug_assert_eq!(x.len(), self.width);
        self.rows += 1;
        self.weight += w;
        self.sum_y += w * y;
        // One-hot rows are mostly zeros: skip them in the outer loop.
        for (i, &xi) in x.iter().enumerate() {
            if xi == 0.0 {
                continue;
            }
            let wxi = w * xi;
            self.sum_x[i] += wxi;
            self.sum_xy[i] += wxi * y;
            let row = &mut self.sum_xx[i * self.width..(i + 1) * self.width];
            for (j, &xj) in x.iter().enumerate().skip(i) {
                row[j] += wxi * xj;
            }
        }
    }

    /// `self + other` (rows of both).
    pub fn plus(&self, other: &Moments) -> Moments {
        self.combine(other, 1.0)
    }

    /// `self − other`: the rows of `self` that are not in `other` (which
    /// must be a subset of them).
    pub fn minus(&self, other: &Moments) -> Moments {
        self.combine(other, -1.0)
    }

    fn combine(&self, other: &Moments, sign: f64) -> Moments {
        assert_eq!(self.width, other.width, "moments of different layouts");
        let zip = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter().zip(b).map(|(x, y)| x + sign * y).collect()
        };
        let rows = if sign > 0.0 {
            self.rows + other.rows
        } else {
            self.rows - other.rows
        };
        Moments {
            width: self.width,
            rows,
            weight: self.weight + sign * other.weight,
            sum_x: zip(&self.sum_x, &other.sum_x),
            sum_xx: zip(&self.sum_xx, &other.sum_xx),
            sum_xy: zip(&self.sum_xy, &other.sum_xy),
            sum_y: self.sum_y + sign * other.sum_y,
        }
    }
}

/// A fitted linear function of some columns of the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    pub intercept: f64,
    /// `(column, coefficient)` for each column used, ascending.
    pub coef: Vec<(usize, f64)>,
}

impl Linear {
    /// The prediction for a full design row.
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.intercept + self.coef.iter().map(|&(c, w)| w * x[c]).sum::<f64>()
    }
}

/// Variance below this (relative to 1) counts as a constant column.
const CONSTANT_VARIANCE: f64 = 1e-12;

/// Fits a ridge regression of `y` on `columns` from the moments, as
/// smartcore's `RidgeRegression` with `normalize = true` and `alpha` would.
pub fn solve(m: &Moments, columns: &[usize], alpha: f64) -> anyhow::Result<Linear> {
    ensure!(
        m.rows > columns.len(),
        "cannot fit {} columns on {} rows",
        columns.len(),
        m.rows
    );
    let n = m.weight;
    let mean = |i: usize| m.sum_x[i] / n;
    let cov = |i: usize, j: usize| {
        let (a, b) = if i <= j { (i, j) } else { (j, i) };
        m.sum_xx[a * m.width + b] / n - mean(a) * mean(b)
    };
    // Columns that vary in these rows; the others get a zero coefficient.
    let used: Vec<usize> = columns
        .iter()
        .copied()
        .filter(|&c| cov(c, c) > CONSTANT_VARIANCE)
        .collect();
    let std: Vec<f64> = used.iter().map(|&c| cov(c, c).sqrt()).collect();
    let p = used.len();
    let y_mean = m.sum_y / n;
    let mut gram = vec![0.0; p * p];
    let mut rhs = vec![0.0; p];
    for (a, &i) in used.iter().enumerate() {
        for (b, &j) in used.iter().enumerate() {
            // Σ zᵢzⱼ over rows, z = standardised column.
            gram[a * p + b] = n * cov(i, j) / (std[a] * std[b]);
        }
        gram[a * p + a] += alpha;
        rhs[a] = (m.sum_xy[i] - n * mean(i) * y_mean) / std[a];
    }
    let gram = DenseMatrix::new(p, p, gram, false).map_err(|e| anyhow!("gram matrix: {e}"))?;
    let rhs = DenseMatrix::new(p, 1, rhs, true).map_err(|e| anyhow!("right-hand side: {e}"))?;
    let w = gram
        .cholesky_solve_mut(rhs)
        .map_err(|e| anyhow!("Cholesky solve: {e}"))?;
    let mut coef = Vec::with_capacity(columns.len());
    let mut intercept = y_mean;
    let mut k = 0;
    for &c in columns {
        let value = if k < used.len() && used[k] == c {
            let v = *w.get((k, 0)) / std[k];
            k += 1;
            v
        } else {
            0.0
        };
        intercept -= value * mean(c);
        coef.push((c, value));
    }
    ensure!(
        intercept.is_finite() && coef.iter().all(|(_, w)| w.is_finite()),
        "non-finite coefficients"
    );
    Ok(Linear { intercept, coef })
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};

    /// A small deterministic design: two numeric columns and a 3-level
    /// one-hot field, y a noisy linear function of them.
    fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..200 {
            let a = 10.0 * next();
            let b = next() * next();
            let level = i % 3;
            let mut row = vec![a, b, 0.0, 0.0, 0.0];
            row[2 + level] = 1.0;
            y.push(1.0 + 0.5 * a - 2.0 * b + [0.0, 0.3, -0.4][level] + 0.1 * next());
            x.push(row);
        }
        (x, y)
    }

    #[test]
    fn solve_matches_smartcore_ridge_regression() {
        let (x, y) = data();
        let mut m = Moments::new(5);
        for (row, &t) in x.iter().zip(&y) {
            m.add(row, t);
        }
        for alpha in [0.1, 1.0, 10.0] {
            let ours = solve(&m, &[0, 1, 2, 3, 4], alpha).unwrap();
            let xm = DenseMatrix::from_2d_vec(&x).unwrap();
            let theirs: RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>> =
                RidgeRegression::fit(
                    &xm,
                    &y,
                    RidgeRegressionParameters::default().with_alpha(alpha),
                )
                .unwrap();
            assert!(
                (ours.intercept - theirs.intercept()).abs() < 1e-9,
                "{alpha}"
            );
            for (k, (_, w)) in ours.coef.iter().enumerate() {
                assert!(
                    (w - theirs.coefficients().get((k, 0))).abs() < 1e-9,
                    "{alpha}"
                );
            }
        }
    }

    #[test]
    fn a_subset_of_columns_matches_fitting_that_subset_alone() {
        let (x, y) = data();
        let mut full = Moments::new(5);
        let mut sub = Moments::new(2);
        for (row, &t) in x.iter().zip(&y) {
            full.add(row, t);
            sub.add(&row[..2], t);
        }
        let a = solve(&full, &[0, 1], 1.0).unwrap();
        let b = solve(&sub, &[0, 1], 1.0).unwrap();
        assert!((a.intercept - b.intercept).abs() < 1e-12);
        assert!((a.coef[1].1 - b.coef[1].1).abs() < 1e-12);
    }

    #[test]
    fn minus_removes_rows_and_constant_columns_get_zero() {
        let (x, y) = data();
        let mut all = Moments::new(5);
        let mut first = Moments::new(5);
        let mut rest = Moments::new(5);
        for (i, (row, &t)) in x.iter().zip(&y).enumerate() {
            all.add(row, t);
            if i < 50 {
                first.add(row, t);
            } else {
                rest.add(row, t);
            }
        }
        let a = solve(&all.minus(&first), &[0, 1, 2], 1.0).unwrap();
        let b = solve(&rest, &[0, 1, 2], 1.0).unwrap();
        assert!((a.intercept - b.intercept).abs() < 1e-9);
        // A column of zeros: no error, coefficient 0.
        let mut zeros = Moments::new(3);
        for (row, &t) in x.iter().zip(&y) {
            zeros.add(&[row[0], row[1], 0.0], t);
        }
        let fit = solve(&zeros, &[0, 1, 2], 1.0).unwrap();
        assert_eq!(fit.coef[2], (2, 0.0));
    }
}
