//! Weighted, L2-regularised logistic regression over sparse binary features
//! plus one dense feature (VADER's compound score), fitted by L-BFGS.
//!
//! Minimises `Σ_i s_i · log(1 + exp(-y_i z_i)) + λ/2 · (Σ_j m_j w_j² + v²)` where
//! `z_i = b + Σ_{j ∈ x_i} w_j + v · c_i`, `y_i = ±1`, `s_i` the row's weight,
//! `m_j` a per-feature penalty multiplier; the bias `b` is not penalised.
//! (With every `s_i = 1` and `m_j = 1` this is scikit-learn's
//! `LogisticRegression(C = 1/λ)`.)
//!
//! Deterministic: every sum is taken in a fixed order, there is no
//! randomness and no threading, so the same data gives the same weights to
//! the last bit (on the same platform's `exp`/`ln`).

/// The training rows, in the form the optimiser wants.
pub struct Problem<'a> {
    /// Feature ids of each row, ascending, each below `n_features`.
    pub rows: &'a [Vec<u32>],
    /// VADER compound score of each row.
    pub dense: &'a [f64],
    /// Label of each row.
    pub positive: &'a [bool],
    /// Weight of each row in the loss.
    pub weight: &'a [f64],
    pub n_features: usize,
    /// Per-feature multiplier of the L2 penalty (empty: all 1).
    pub penalty: &'a [f64],
}

/// Optimiser settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// `λ`, the L2 penalty.
    pub l2: f64,
    /// Largest number of L-BFGS iterations.
    pub max_iterations: usize,
    /// Stop when the largest gradient component is below this.
    pub gradient_tolerance: f64,
    /// L-BFGS memory.
    pub memory: usize,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub weights: Vec<f64>,
    pub dense: f64,
    pub bias: f64,
    /// Final objective value.
    pub loss: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Largest gradient component at the end.
    pub gradient_max: f64,
}

/// `log(1 + exp(x))` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

fn sigmoid(z: f64) -> f64 {
    sentiment_model::features::sigmoid(z)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |acc, (x, y)| acc + x * y)
}

/// Parameter vector layout: `[w_0 … w_{n-1}, v, b]`.
struct Objective<'a> {
    p: &'a Problem<'a>,
    l2: f64,
}

impl Objective<'_> {
    fn dim(&self) -> usize {
        self.p.n_features + 2
    }

    /// Objective value, and its gradient written into `grad`.
    fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let n = self.p.n_features;
        let (w, rest) = theta.split_at(n);
        let (v, b) = (rest[0], rest[1]);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        let (mut gv, mut gb) = (0.0, 0.0);
        for i in 0..self.p.rows.len() {
            let ids = &self.p.rows[i];
            let c = self.p.dense[i];
            let mut z = b;
            for &j in ids {
                z += w[j as usize];
            }
            z += v * c;
            let s = self.p.weight[i];
            let (y, t) = if self.p.positive[i] {
                (1.0, 1.0)
            } else {
                (-1.0, 0.0)
            };
            loss += s * softplus(-y * z);
            let g = s * (sigmoid(z) - t);
            for &j in ids {
                grad[j as usize] += g;
            }
            gv += g * c;
            gb += g;
        }
        let mut penalty = 0.0;
        for j in 0..n {
            let m = if self.p.penalty.is_empty() {
                1.0
            } else {
                self.p.penalty[j]
            };
            penalty += m * w[j] * w[j];
            grad[j] += self.l2 * m * w[j];
        }
        penalty += v * v;
        grad[n] = gv + self.l2 * v;
        grad[n + 1] = gb;
        loss + 0.5 * self.l2 * penalty
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Fits the model from all-zero weights.
pub fn fit(problem: &Problem, settings: Settings) -> Fit {
    assert_eq!(problem.rows.len(), problem.dense.len());
    assert_eq!(problem.rows.len(), problem.positive.len());
    assert_eq!(problem.rows.len(), problem.weight.len());
    let obj = Objective {
        p: problem,
        l2: settings.l2,
    };
    let dim = obj.dim();
    let mut x = vec![0.0; dim];
    let mut g = vec![0.0; dim];
    let mut f = obj.eval(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut d = vec![0.0; dim];
    let mut x_new = vec![0.0; dim];
    let mut g_new = vec![0.0; dim];
    let mut iterations = 0;
    while iterations < settings.max_iterations && max_abs(&g) > settings.gradient_tolerance {
        iterations += 1;
        // two-loop recursion: d = -H g
        d.copy_from_slice(&g);
        let k = s_hist.len();
        let mut alpha = vec![0.0; k];
        for i in (0..k).rev() {
            let rho = 1.0 / dot(&y_hist[i], &s_hist[i]);
            alpha[i] = rho * dot(&s_hist[i], &d);
            for (dj, yj) in d.iter_mut().zip(&y_hist[i]) {
                *dj -= alpha[i] * yj;
            }
        }
        let gamma = if k > 0 {
            dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1])
        } else {
            1.0 / max_abs(&g).max(1.0)
        };
        d.iter_mut().for_each(|dj| *dj *= gamma);
        for i in 0..k {
            let rho = 1.0 / dot(&y_hist[i], &s_hist[i]);
            let beta = rho * dot(&y_hist[i], &d);
            for (dj, sj) in d.iter_mut().zip(&s_hist[i]) {
                *dj += (alpha[i] - beta) * sj;
            }
        }
        d.iter_mut().for_each(|dj| *dj = -*dj);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // not a descent direction: forget the history, go downhill
            s_hist.clear();
            y_hist.clear();
            for (dj, gj) in d.iter_mut().zip(&g) {
                *dj = -gj / max_abs(&g).max(1.0);
            }
            slope = dot(&g, &d);
        }
        // backtracking line search (Armijo)
        let mut step = 1.0;
        let mut f_new;
        loop {
            for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&d) {
                *xn = xi + step * di;
            }
            f_new = obj.eval(&x_new, &mut g_new);
            if f_new <= f + 1e-4 * step * slope || step < 1e-12 {
                break;
            }
            step *= 0.5;
        }
        if f_new > f {
            break; // no progress possible
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        if dot(&s, &y) > 1e-10 {
            if s_hist.len() == settings.memory {
                s_hist.remove(0);
                y_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let improvement = f - f_new;
        f = f_new;
        if improvement <= 1e-12 * f.abs().max(1.0) {
            break;
        }
    }
    let n = problem.n_features;
    Fit {
        dense: x[n],
        bias: x[n + 1],
        weights: x[..n].to_vec(),
        loss: f,
        iterations,
        gradient_max: max_abs(&g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            l2: 1.0,
            max_iterations: 200,
            gradient_tolerance: 1e-8,
            memory: 10,
        }
    }

    #[test]
    fn softplus_matches_the_formula_and_does_not_overflow() {
        assert!((softplus(0.3) - (1.0 + 0.3f64.exp()).ln()).abs() < 1e-15);
        assert!((softplus(-2.0) - (1.0 + (-2.0f64).exp()).ln()).abs() < 1e-15);
        assert_eq!(softplus(1000.0), 1000.0);
        assert_eq!(softplus(-1000.0), 0.0);
    }

    #[test]
    fn fit_reaches_a_stationary_point_and_separates_the_signal() {
        // feature 0 marks positives, feature 1 negatives, feature 2 is noise
        let rows = vec![
            vec![0, 2],
            vec![0],
            vec![1, 2],
            vec![1],
            vec![2],
            vec![0, 1],
        ];
        let positive = [true, true, false, false, true, false];
        let dense = [0.5, 0.1, -0.4, 0.0, 0.2, -0.1];
        let weight = [1.0; 6];
        let p = Problem {
            rows: &rows,
            dense: &dense,
            positive: &positive,
            weight: &weight,
            n_features: 3,
            penalty: &[],
        };
        let fit = fit(&p, settings());
        assert!(fit.gradient_max < 1e-6, "{fit:?}");
        assert!(fit.weights[0] > 0.2 && fit.weights[1] < -0.5, "{fit:?}");
        assert!(fit.dense > 0.0);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let rows = vec![vec![0, 1], vec![1], vec![0]];
        let p = Problem {
            rows: &rows,
            dense: &[0.3, -0.2, 0.9],
            positive: &[true, false, true],
            weight: &[1.0, 3.0, 0.5],
            n_features: 2,
            penalty: &[],
        };
        let obj = Objective { p: &p, l2: 0.7 };
        let theta = [0.2, -0.4, 0.8, 0.1];
        let mut g = [0.0; 4];
        obj.eval(&theta, &mut g);
        for k in 0..4 {
            let h = 1e-6;
            let (mut a, mut b) = (theta, theta);
            a[k] += h;
            b[k] -= h;
            let mut scratch = [0.0; 4];
            let numeric = (obj.eval(&a, &mut scratch) - obj.eval(&b, &mut scratch)) / (2.0 * h);
            assert!((numeric - g[k]).abs() < 1e-6, "{k}: {numeric} vs {}", g[k]);
        }
    }
}
