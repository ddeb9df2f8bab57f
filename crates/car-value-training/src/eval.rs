//! Evaluation on a fixed, seeded held-out split.
//!
//! A row goes to the held-out set when a hash of its position in the file
//! ([`CleanRow::index`](crate::CleanRow::index)) and a seed falls in the
//! lowest [`HELD_OUT_PERCENT`] percent. The split depends on neither the
//! order of the other rows nor the cleaning rules, so changing a rule does
//! not reshuffle it. Exact duplicates are removed before the split, so no
//! row sits on both sides (an ad re-posted in another state differs in its
//! `state` column and can).
//!
//! Every figure here is in dollars, also for the log-price models: their
//! estimate is `exp(ŷ + q50)`, the median price (see [`crate::model`]), and
//! the errors are taken on that. Every estimate is floored at the cheapest
//! clean price and rounded to whole dollars, as the service does.

use crate::clean::{CleanRow, Cleaned, PRICE_FLOOR_USD};
use crate::features::{Field, FieldSet, Layout};
use crate::fit::{SeedLine, fit_seed_line};
use crate::model::{ALPHA, Family, Prediction, Prepared, Target, fit_with_intervals, train_family};
use crate::sanity::SanityCar;

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

/// Splits rows (keeping their order) into the training and held-out sides
/// of the `seed` split.
pub fn split(rows: &[CleanRow], seed: u64) -> (Vec<CleanRow>, Vec<CleanRow>) {
    rows.iter()
        .cloned()
        .partition(|r| Split::of(r.index, seed) == Split::Train)
}

/// SplitMix64 (Steele, Lea & Flood 2014): a fixed, well-mixing hash.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Held-out figures of the seed-compatible line fitted on the training side
/// only.
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
    /// The line fitted on the training side.
    pub model: SeedLine,
}

/// Fits the seed-compatible line on the training side of the
/// [`SPLIT_SEED`] split and scores it (floored, as the classic service
/// served it) on the held-out side.
pub fn evaluate_seed_line(rows: &[CleanRow]) -> anyhow::Result<Evaluation> {
    evaluate_seed_line_with_seed(rows, SPLIT_SEED)
}

/// [`evaluate_seed_line`] with another seed.
pub fn evaluate_seed_line_with_seed(rows: &[CleanRow], seed: u64) -> anyhow::Result<Evaluation> {
    let (train, held_out) = split(rows, seed);
    anyhow::ensure!(!held_out.is_empty(), "empty held-out split");
    let model = fit_seed_line(&train)?;
    let actual: Vec<f64> = held_out.iter().map(|r| r.price_usd).collect();
    let predicted: Vec<f64> = held_out
        .iter()
        .map(|r| model.predict(r.year, r.mileage).round())
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

/// Held-out figures of one way of estimating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub metrics: Metrics,
    /// Share of held-out prices inside the estimate's interval, when it
    /// has one.
    pub coverage: Option<f64>,
    /// Median of high / low over the held-out rows: how wide the interval
    /// is, as a ratio.
    pub width_ratio: Option<f64>,
}

/// Estimates for held-out prices → [`Score`].
pub fn score(actual: &[f64], estimates: &[Prediction]) -> Score {
    let rounded: Vec<(f64, f64, f64)> = estimates
        .iter()
        .map(|p| (p.value.round(), p.low.round(), p.high.round()))
        .collect();
    let values: Vec<f64> = rounded.iter().map(|e| e.0).collect();
    let inside = actual
        .iter()
        .zip(&rounded)
        .filter(|(a, (_, l, h))| (*l..=*h).contains(*a))
        .count();
    let mut ratios: Vec<f64> = rounded.iter().map(|(_, l, h)| h / l).collect();
    ratios.sort_by(f64::total_cmp);
    Score {
        metrics: metrics(actual, &values),
        coverage: Some(inside as f64 / actual.len() as f64),
        width_ratio: Some(crate::model::percentile(&ratios, 50.0)),
    }
}

/// Point estimates only → [`Score`] without interval figures.
pub fn score_points(actual: &[f64], predicted: &[f64]) -> Score {
    let rounded: Vec<f64> = predicted.iter().map(|p| p.round()).collect();
    Score {
        metrics: metrics(actual, &rounded),
        coverage: None,
        width_ratio: None,
    }
}

/// The figures the service publishes (`METRICS` in `car-value-model`):
/// the procedure that builds the served family, run on the training side of
/// the split and scored on the held-out side.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    pub train_rows: usize,
    pub held_out_rows: usize,
    /// Each held-out row with the fields its listing states (what a caller
    /// copying the listing sends).
    pub served: Score,
    /// Each held-out row with year and mileage only.
    pub year_mileage: Score,
    /// The seed-compatible straight line in dollars.
    pub seed_line: Score,
    /// Held-out branded-title listings, valued with the fields and title
    /// each states, the discounts learned from the training side's.
    pub branded: Score,
    pub branded_held_out_rows: usize,
    /// The 1985–1994 listings the cleaning drops (never fitted on), valued
    /// with the fields each states: how the estimates before the data fare.
    pub older: Score,
    pub older_rows: usize,
}

/// Runs the served procedure on the [`SPLIT_SEED`] split.
pub fn held_out(cleaned: &Cleaned) -> anyhow::Result<HeldOut> {
    let (train, test) = split(&cleaned.rows, SPLIT_SEED);
    let (branded_train, branded_test) = split(&cleaned.branded, SPLIT_SEED);
    let family = train_family(&train, &branded_train)?;
    let seed = fit_seed_line(&train)?;
    let actual: Vec<f64> = test.iter().map(|r| r.price_usd).collect();
    let served: Vec<Prediction> = test.iter().map(|r| family.predict_row(r)).collect();
    let year_mileage: Vec<Prediction> = test
        .iter()
        .map(|r| family.predict(r.year, r.mileage, &[None; 6]))
        .collect();
    let seed_line: Vec<f64> = test
        .iter()
        .map(|r| seed.predict(r.year, r.mileage))
        .collect();
    Ok(HeldOut {
        train_rows: train.len(),
        held_out_rows: test.len(),
        served: score(&actual, &served),
        year_mileage: score(&actual, &year_mileage),
        seed_line: score_points(&actual, &seed_line),
        branded: score(
            &prices_of(&branded_test),
            &branded_test
                .iter()
                .map(|r| family.predict_row(r))
                .collect::<Vec<_>>(),
        ),
        branded_held_out_rows: branded_test.len(),
        older: score(
            &prices_of(&cleaned.older),
            &cleaned
                .older
                .iter()
                .map(|r| family.predict_row(r))
                .collect::<Vec<_>>(),
        ),
        older_rows: cleaned.older.len(),
    })
}

/// Seeds of the fold assignments of [`cross_validate`]: each seed cuts
/// the training side into [`CV_FOLDS`] folds by a hash of each row's
/// position in the file.
pub const CV_SEEDS: [u64; 2] = [7, 8];

/// Folds per seed in [`cross_validate`].
pub const CV_FOLDS: u64 = 5;

/// The served procedure cross-validated on the training side of the
/// [`SPLIT_SEED`] split only: how its settings (bends, IRLS rounds, ridge
/// penalty) were chosen without looking at the held-out rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossValidated {
    /// Folds fitted ([`CV_SEEDS`] × [`CV_FOLDS`]).
    pub fits: usize,
    /// Mean over the folds of the MAE with the fields each listing states.
    pub served_mae: f64,
    /// Mean over the folds of the MAE with year and mileage only.
    pub year_mileage_mae: f64,
    /// Mean over the folds of the served interval's coverage.
    pub coverage: f64,
}

/// For each of [`CV_SEEDS`] and each of its [`CV_FOLDS`] folds of the
/// training side, fits the whole served family (and the branded-title
/// discounts) on the other folds and scores it on the fold, as
/// [`held_out`] scores it on the held-out side.
pub fn cross_validate(cleaned: &Cleaned) -> anyhow::Result<CrossValidated> {
    let (train, _) = split(&cleaned.rows, SPLIT_SEED);
    let (branded, _) = split(&cleaned.branded, SPLIT_SEED);
    let mut scores = Vec::new();
    for seed in CV_SEEDS {
        for fold in 0..CV_FOLDS {
            let in_fold = |r: &CleanRow| splitmix64(seed ^ r.index as u64) % CV_FOLDS == fold;
            let (test, fit_rows): (Vec<CleanRow>, Vec<CleanRow>) =
                train.iter().cloned().partition(|r| in_fold(r));
            let fit_branded: Vec<CleanRow> =
                branded.iter().filter(|r| !in_fold(r)).cloned().collect();
            let family = train_family(&fit_rows, &fit_branded)?;
            let actual = prices_of(&test);
            let served: Vec<Prediction> = test.iter().map(|r| family.predict_row(r)).collect();
            let year_mileage: Vec<Prediction> = test
                .iter()
                .map(|r| family.predict(r.year, r.mileage, &[None; 6]))
                .collect();
            scores.push((score(&actual, &served), score(&actual, &year_mileage)));
        }
    }
    let mean = |f: &dyn Fn(&(Score, Score)) -> f64| {
        scores.iter().map(f).sum::<f64>() / scores.len() as f64
    };
    Ok(CrossValidated {
        fits: scores.len(),
        served_mae: mean(&|s| s.0.metrics.mae),
        year_mileage_mae: mean(&|s| s.1.metrics.mae),
        coverage: mean(&|s| s.0.coverage.unwrap_or(f64::NAN)),
    })
}

/// One line of the comparison table.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub score: Score,
}

/// Everything the `eval` binary prints about the held-out split.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub train_rows: usize,
    pub held_out_rows: usize,
    /// The model comparison, each line fitted on the training side.
    pub lines: Vec<Line>,
    /// The all-fields log model without one field at a time, then without
    /// the model × age columns.
    pub drop_one: Vec<Line>,
    /// The all-fields log model under three ways back to dollars.
    pub back_transforms: Vec<Line>,
    /// `(alpha, cross-validated MAE of the all-fields model)` on the
    /// training side.
    pub alphas: Vec<(f64, f64)>,
    /// Coverage of the served interval by age band: `(label, rows,
    /// coverage)`.
    pub coverage_by_age: Vec<(String, usize, f64)>,
    /// Coverage of the served interval by asking-price band.
    pub coverage_by_price: Vec<(String, usize, f64)>,
}

/// The ridge penalties compared by cross-validation.
pub const ALPHA_GRID: [f64; 6] = [0.1, 1.0, 3.0, 10.0, 30.0, 100.0];

/// Builds the comparison on the [`SPLIT_SEED`] split.
pub fn compare(rows: &[CleanRow]) -> anyhow::Result<Comparison> {
    let (train, test) = split(rows, SPLIT_SEED);
    let actual: Vec<f64> = test.iter().map(|r| r.price_usd).collect();
    let layout = Layout::learn(&train);
    let log = Prepared::new(layout.clone(), &train, Target::LogPrice);
    let dollars = Prepared::new(layout.clone(), &train, Target::Price);
    let test_x: Vec<Vec<f64>> = test.iter().map(|r| layout.row(r)).collect();
    let mut lines = Vec::new();

    let mut prices: Vec<f64> = train.iter().map(|r| r.price_usd).collect();
    prices.sort_by(f64::total_cmp);
    let median_price = crate::model::percentile(&prices, 50.0);
    lines.push(Line {
        label: "median training price, no model".into(),
        score: score_points(&actual, &vec![median_price; test.len()]),
    });

    let seed = fit_seed_line(&train)?;
    lines.push(Line {
        label: "(a) seed line: price ~ year + mileage, dollars".into(),
        score: score_points(
            &actual,
            &test
                .iter()
                .map(|r| seed.predict(r.year, r.mileage))
                .collect::<Vec<_>>(),
        ),
    });

    let log_line = |columns: &[usize]| -> anyhow::Result<Score> {
        let fit = fit_with_intervals(&log, columns, ALPHA)?;
        let est: Vec<Prediction> = test_x
            .iter()
            .zip(&test)
            .map(|(x, r)| {
                let [ql, qm, qh] = fit.quantiles_for(r.year);
                let f = fit.linear.predict(x);
                Prediction {
                    value: floor((f + qm).exp()),
                    low: floor((f + ql).exp()),
                    high: floor((f + qh).exp()),
                }
            })
            .collect();
        Ok(score(&actual, &est))
    };
    lines.push(Line {
        label: "(b) log curve: ln price ~ model year + mileage terms".into(),
        score: log_line(&layout.columns(FieldSet::NONE))?,
    });
    for field in Field::ALL {
        let set = FieldSet(1 << field.position());
        let note = if Field::MODELLED.contains(&field) {
            ""
        } else {
            " (not used)"
        };
        lines.push(Line {
            label: format!("(c) log curve + {}{note}", field.name()),
            score: log_line(&layout.columns(set))?,
        });
    }
    lines.push(Line {
        label: "(d) log curve + all five fields".into(),
        score: log_line(&layout.columns(FieldSet::ALL))?,
    });
    let mut drop_one = Vec::new();
    for field in Field::MODELLED {
        drop_one.push(Line {
            label: format!("all five fields except {}", field.name()),
            score: log_line(&layout.columns(FieldSet::ALL.without(field)))?,
        });
    }
    let slopes = layout.interaction_offset();
    let no_slopes: Vec<usize> = layout
        .columns(FieldSet::ALL)
        .into_iter()
        .filter(|&c| c < slopes || c >= layout.pair_offset())
        .collect();
    drop_one.push(Line {
        label: "all five fields without the lines' own age and mileage terms".into(),
        score: log_line(&no_slopes)?,
    });
    let no_pairs: Vec<usize> = layout
        .columns(FieldSet::ALL)
        .into_iter()
        .filter(|&c| c < layout.pair_offset())
        .collect();
    drop_one.push(Line {
        label: "all five fields without the model × fuel pairs".into(),
        score: log_line(&no_pairs)?,
    });
    let family = train_family(&train, &[])?;
    let served: Vec<Prediction> = test.iter().map(|r| family.predict_row(r)).collect();
    let served_score = score(&actual, &served);
    lines.push(Line {
        label: "(d) served: the fields each listing states".into(),
        score: served_score,
    });
    {
        let fit = fit_with_intervals(&dollars, &layout.columns(FieldSet::ALL), ALPHA)?;
        let est: Vec<Prediction> = test_x
            .iter()
            .zip(&test)
            .map(|(x, r)| {
                let [ql, qm, qh] = fit.quantiles_for(r.year);
                let f = fit.linear.predict(x);
                Prediction {
                    value: floor(f + qm),
                    low: floor(f + ql),
                    high: floor(f + qh),
                }
            })
            .collect();
        lines.push(Line {
            label: "dollar scale: price ~ same columns as (d)".into(),
            score: score(&actual, &est),
        });
    }

    let all = fit_with_intervals(&log, &layout.columns(FieldSet::ALL), ALPHA)?;
    let mut residuals: Vec<f64> = log
        .y
        .iter()
        .zip(&all.out_of_fold)
        .map(|(y, f)| y - f)
        .collect();
    let smear = residuals.iter().map(|r| r.exp()).sum::<f64>() / residuals.len() as f64;
    residuals.sort_by(f64::total_cmp);
    let global_median = crate::model::percentile(&residuals, 50.0);
    let back = |label: &str, shift: &dyn Fn(&CleanRow) -> f64| Line {
        label: label.into(),
        score: score_points(
            &actual,
            &test_x
                .iter()
                .zip(&test)
                .map(|(x, r)| floor((all.linear.predict(x) + shift(r)).exp()))
                .collect::<Vec<_>>(),
        ),
    };
    let back_transforms = vec![
        back("exp(ŷ): no correction", &|_| 0.0),
        back(
            "exp(ŷ + median residual), one median for all ages",
            &|_| global_median,
        ),
        back(
            "exp(ŷ + median residual of the car's age band) (served)",
            &|r| all.quantiles_for(r.year)[1],
        ),
        back("exp(ŷ) · mean(exp(residual)): smearing mean", &|_| {
            smear.ln()
        }),
    ];

    let mut alphas = Vec::new();
    for alpha in ALPHA_GRID {
        let fit = fit_with_intervals(&log, &layout.columns(FieldSet::ALL), alpha)?;
        let predicted: Vec<f64> = fit
            .out_of_fold
            .iter()
            .zip(&train)
            .map(|(f, r)| floor((f + fit.quantiles_for(r.year)[1]).exp()).round())
            .collect();
        alphas.push((alpha, metrics(&prices_of(&train), &predicted).mae));
    }

    let band = |pick: &dyn Fn(&CleanRow) -> usize, labels: &[&str]| {
        let mut out = Vec::new();
        for (b, label) in labels.iter().enumerate() {
            let idx: Vec<usize> = (0..test.len()).filter(|&i| pick(&test[i]) == b).collect();
            let inside = idx
                .iter()
                .filter(|&&i| {
                    let p = served[i];
                    (p.low.round()..=p.high.round()).contains(&actual[i])
                })
                .count();
            out.push((
                (*label).to_string(),
                idx.len(),
                inside as f64 / idx.len().max(1) as f64,
            ));
        }
        out
    };
    let coverage_by_age = band(
        &|r| match r.year {
            ..=2004 => 0,
            2005..=2011 => 1,
            2012..=2016 => 2,
            _ => 3,
        },
        &["1995-2004", "2005-2011", "2012-2016", "2017-2021"],
    );
    let coverage_by_price = band(
        &|r| match r.price_usd {
            p if p < 10_000.0 => 0,
            p if p < 25_000.0 => 1,
            p if p < 50_000.0 => 2,
            _ => 3,
        },
        &["under $10k", "$10k-25k", "$25k-50k", "$50k and up"],
    );

    Ok(Comparison {
        train_rows: train.len(),
        held_out_rows: test.len(),
        lines,
        drop_one,
        back_transforms,
        alphas,
        coverage_by_age,
        coverage_by_price,
    })
}

fn floor(value: f64) -> f64 {
    value.max(PRICE_FLOOR_USD)
}

fn prices_of(rows: &[CleanRow]) -> Vec<f64> {
    rows.iter().map(|r| r.price_usd).collect()
}

/// Formats a [`Score`] table in Markdown.
pub fn score_table(lines: &[Line]) -> String {
    let mut out = String::from(
        "| model | MAE | median AE | R² | 10–90 coverage | interval high/low |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for line in lines {
        let m = line.score.metrics;
        out.push_str(&format!(
            "| {} | ${} | ${} | {:.3} | {} | {} |\n",
            line.label,
            thousands(m.mae),
            thousands(m.median_ae),
            m.r2,
            line.score
                .coverage
                .map_or("–".into(), |c| format!("{:.1}%", 100.0 * c)),
            line.score
                .width_ratio
                .map_or("–".into(), |w| format!("×{w:.2}")),
        ));
    }
    out
}

/// `12345.6` → `12,346`.
pub fn thousands(value: f64) -> String {
    let v = value.round() as i64;
    let digits = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// The sanity set scored by the served family's year-and-mileage model.
#[derive(Debug, Clone, PartialEq)]
pub struct SanityReport {
    /// `(label, rows, score, median of estimate / price, flagged)`: all
    /// cars, then each make.
    pub groups: Vec<SanityGroup>,
}

/// One group of [`SanityReport`].
#[derive(Debug, Clone, PartialEq)]
pub struct SanityGroup {
    pub label: String,
    pub rows: usize,
    pub score: Score,
    /// Median of estimate / asking price.
    pub median_ratio: f64,
    /// Correlation of ln estimate with ln price: does the model at least
    /// order these cars right?
    pub log_correlation: f64,
}

/// Scores the sanity cars with `family` (year and mileage only: no
/// Mercedes-Benz model matches a Mazda6, Accord or Maxima), the model year
/// computed as `base_year − age`.
pub fn sanity(family: &Family, cars: &[SanityCar], base_year: i32) -> SanityReport {
    let mut makes: Vec<&str> = cars.iter().map(|c| c.car_type.as_str()).collect();
    makes.sort();
    makes.dedup();
    let mut groups = Vec::new();
    let mut group = |label: String, members: Vec<&SanityCar>| {
        let actual: Vec<f64> = members.iter().map(|c| c.price_usd).collect();
        let est: Vec<Prediction> = members
            .iter()
            .map(|c| family.predict(base_year - c.age_years, c.mileage, &[None; 6]))
            .collect();
        let mut ratios: Vec<f64> = est
            .iter()
            .zip(&actual)
            .map(|(p, a)| p.value.round() / a)
            .collect();
        ratios.sort_by(f64::total_cmp);
        let la: Vec<f64> = actual.iter().map(|a| a.ln()).collect();
        let lp: Vec<f64> = est.iter().map(|p| p.value.ln()).collect();
        groups.push(SanityGroup {
            label,
            rows: members.len(),
            score: score(&actual, &est),
            median_ratio: crate::model::percentile(&ratios, 50.0),
            log_correlation: correlation(&la, &lp),
        });
    };
    group("all 90 cars".into(), cars.iter().collect());
    for make in makes {
        group(
            make.to_string(),
            cars.iter().filter(|c| c.car_type == make).collect(),
        );
    }
    SanityReport { groups }
}

/// Pearson correlation.
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

impl SanityReport {
    /// Markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| cars | rows | MAE | median AE | R² | 10–90 coverage | median estimate/price | corr(ln est, ln price) |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for g in &self.groups {
            let m = g.score.metrics;
            out.push_str(&format!(
                "| {} | {} | ${} | ${} | {:.3} | {:.1}% | {:.2} | {:.3} |\n",
                g.label,
                g.rows,
                thousands(m.mae),
                thousands(m.median_ae),
                m.r2,
                100.0 * g.score.coverage.unwrap_or(f64::NAN),
                g.median_ratio,
                g.log_correlation,
            ));
        }
        out
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

    #[test]
    fn score_counts_prices_inside_the_interval() {
        let s = score(
            &[100.0, 200.0, 300.0, 400.0],
            &[
                (100.0, 90.0, 110.0),
                (150.0, 100.0, 199.0),
                (300.0, 300.0, 300.0),
                (380.0, 350.0, 420.0),
            ]
            .map(|(value, low, high)| Prediction { value, low, high }),
        );
        assert_eq!(s.coverage, Some(0.75));
        assert_eq!(s.metrics.mae, (50.0 + 20.0) / 4.0);
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(6_917.4), "6,917");
        assert_eq!(thousands(999.5), "1,000");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(thousands(-4_500.0), "-4,500");
    }

    #[test]
    fn correlation_of_a_line_is_one() {
        assert!((correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
    }
}
