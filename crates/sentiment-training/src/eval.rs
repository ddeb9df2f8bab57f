//! Held-out evaluation: the in-domain split and the cross-domain splits, the
//! trained model and VADER on the same rows.

use std::fmt::Write as _;

use crate::data::{ChallengeRow, Source};
use crate::{Example, Model, Params, train};

/// Which rows of the dataset: some sources, one side of the split or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub sources: Vec<Source>,
    pub side: Side,
}

/// A side of the in-domain split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Rows not held out.
    Train,
    /// Rows held out.
    HeldOut,
    /// Every row.
    All,
}

impl Selection {
    fn contains(&self, ex: &Example) -> bool {
        self.sources.contains(&ex.row.source)
            && match self.side {
                Side::Train => !ex.held_out,
                Side::HeldOut => ex.held_out,
                Side::All => true,
            }
    }

    fn describe(&self) -> String {
        let names: Vec<&str> = self.sources.iter().map(|s| s.name()).collect();
        let side = match self.side {
            Side::Train => " (train side)",
            Side::HeldOut => " (held out)",
            Side::All => "",
        };
        format!("{}{side}", names.join("+"))
    }
}

/// What to train on and what to test on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub name: &'static str,
    pub train: Selection,
    pub test: Selection,
}

impl Split {
    fn cross(name: &'static str, train: &[Source], test: &[Source]) -> Split {
        Split {
            name,
            train: Selection {
                sources: train.to_vec(),
                side: Side::All,
            },
            test: Selection {
                sources: test.to_vec(),
                side: Side::All,
            },
        }
    }

    /// Train on the training side of all sources (and the emoji rows and
    /// car-review training sentences), test on the held-out side. The
    /// served model is this split's model.
    pub fn in_domain() -> Split {
        let mut trained = Source::ALL.to_vec();
        trained.extend([Source::EmojiRanking, Source::CarReviews]);
        Split {
            name: "in-domain",
            train: Selection {
                sources: trained,
                side: Side::Train,
            },
            test: Selection {
                sources: Source::ALL.to_vec(),
                side: Side::HeldOut,
            },
        }
    }

    /// Movie reviews → product reviews: the closest pair to car reviews, and
    /// the cross-domain figure in the served model's metrics.
    pub fn served_cross_domain() -> Split {
        Split::cross(
            "movies -> products",
            &[Source::RottenTomatoes, Source::Imdb],
            &[Source::Amazon],
        )
    }

    /// Every split `eval` reports.
    pub fn all() -> Vec<Split> {
        use Source::*;
        vec![
            Split::in_domain(),
            Split::served_cross_domain(),
            Split::cross(
                "critics+products -> imdb",
                &[RottenTomatoes, Amazon],
                &[Imdb],
            ),
            Split::cross("critics -> uci", &[RottenTomatoes], &[Amazon, Imdb]),
            Split::cross("uci -> critics", &[Amazon, Imdb], &[RottenTomatoes]),
            Split::cross("imdb -> amazon", &[Imdb], &[Amazon]),
            Split::cross("amazon -> imdb", &[Amazon], &[Imdb]),
        ]
    }
}

/// A confusion matrix for "positive".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    pub tp: usize,
    pub tn: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Metrics {
    pub fn add(&mut self, predicted_positive: bool, positive: bool) {
        match (predicted_positive, positive) {
            (true, true) => self.tp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    pub fn rows(&self) -> usize {
        self.tp + self.tn + self.fp + self.fn_
    }

    pub fn accuracy(&self) -> f64 {
        (self.tp + self.tn) as f64 / self.rows() as f64
    }

    /// F1 of the positive class.
    pub fn f1(&self) -> f64 {
        2.0 * self.tp as f64 / (2 * self.tp + self.fp + self.fn_) as f64
    }
}

/// The model's and VADER's confusion matrices on the same rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    pub model: Metrics,
    pub vader: Metrics,
}

/// The figures of one split.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub split: Split,
    pub train_rows: usize,
    pub test_rows: usize,
    pub vocabulary: usize,
    /// Positive when `p >= 0.5`.
    pub model: Metrics,
    /// VADER's baseline: positive when its (rounded) compound score is >= 0.
    pub vader: Metrics,
    /// The same, per source of the test rows.
    pub by_source: Vec<(Source, Pair)>,
    /// Share of test rows the served label calls neutral (`|2p-1| <` band).
    pub neutral_share: f64,
    /// Accuracy on the test rows not called neutral.
    pub decided_accuracy: f64,
    /// Expected calibration error of the confidence `max(p, 1-p)`: the mean
    /// gap between confidence and accuracy over 5 bins of width 0.1,
    /// weighted by the rows in each bin.
    pub calibration_error: f64,
}

/// Folds of [`cross_validate`].
pub const CV_FOLDS: u64 = 5;

/// Seed of the fold hash of [`cross_validate`] (independent of the split's).
pub const CV_SEED: u64 = 7;

/// The fold of [`cross_validate`] a training-side sentence is in: a hash of
/// its (folded, lower-cased) text, in `0..CV_FOLDS`.
pub fn cv_fold(text: &str) -> u64 {
    let key = crate::data::dedup_key(text);
    crate::hash64(&[key.as_bytes()], CV_SEED) % CV_FOLDS
}

/// The model cross-validated on the training side of the in-domain split:
/// how its settings were chosen without the held-out rows or the challenge
/// set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrossValidated {
    /// The training-side sentences of the three sources, each predicted
    /// by the model trained without its fold.
    pub sources: Metrics,
    /// The car-review training sentences, likewise.
    pub cars: Metrics,
}

/// Cuts the training side of the in-domain split into [`CV_FOLDS`] folds
/// by a hash of each sentence's text (the emoji rows are always trained
/// on), trains on all folds but one and predicts that one, for each fold.
pub fn cross_validate(examples: &[Example], params: &Params) -> CrossValidated {
    let mut cv = CrossValidated::default();
    for (e, p) in out_of_fold(examples, params) {
        let metrics = if e.row.source == Source::CarReviews {
            &mut cv.cars
        } else {
            &mut cv.sources
        };
        metrics.add(p >= 0.5, e.row.positive);
    }
    cv
}

/// Each training-side sentence (the emoji rows aside) with the probability
/// that the model trained on the other folds gives it, fold by fold.
pub fn out_of_fold<'e, 'r>(
    examples: &'e [Example<'r>],
    params: &Params,
) -> Vec<(&'e Example<'r>, f64)> {
    let fold_of = |e: &Example| cv_fold(&e.row.text);
    let training_side: Vec<&Example> = examples.iter().filter(|e| !e.held_out).collect();
    let mut predicted = Vec::with_capacity(training_side.len());
    for fold in 0..CV_FOLDS {
        let tested = |e: &Example| e.row.source != Source::EmojiRanking && fold_of(e) == fold;
        let train_set: Vec<&Example> = training_side
            .iter()
            .copied()
            .filter(|e| !tested(e))
            .collect();
        let model = train(&train_set, params);
        predicted.extend(
            training_side
                .iter()
                .filter(|e| tested(e))
                .map(|e| (*e, model.probability(e))),
        );
    }
    predicted
}

/// Trains on `split.train`, tests on `split.test`.
pub fn run(examples: &[Example], split: &Split, params: &Params) -> (Model, Experiment) {
    let train_set: Vec<&Example> = examples
        .iter()
        .filter(|e| split.train.contains(e))
        .collect();
    let test_set: Vec<&Example> = examples.iter().filter(|e| split.test.contains(e)).collect();
    let model = train(&train_set, params);
    let mut pair = Pair::default();
    let mut by_source: Vec<(Source, Pair)> = split
        .test
        .sources
        .iter()
        .map(|s| (*s, Pair::default()))
        .collect();
    let (mut neutral, mut decided) = (0usize, Metrics::default());
    let mut bins = [(0usize, 0.0f64, 0usize); 5]; // rows, sum of confidence, correct
    for ex in &test_set {
        let p = model.probability(ex);
        let predicted = p >= 0.5;
        let vader = ex.vader >= 0.0;
        pair.model.add(predicted, ex.row.positive);
        pair.vader.add(vader, ex.row.positive);
        let entry = &mut by_source
            .iter_mut()
            .find(|(s, _)| *s == ex.row.source)
            .expect("a tested source")
            .1;
        entry.model.add(predicted, ex.row.positive);
        entry.vader.add(vader, ex.row.positive);
        if (2.0 * p - 1.0).abs() < params.neutral_band {
            neutral += 1;
        } else {
            decided.add(predicted, ex.row.positive);
        }
        let confidence = p.max(1.0 - p);
        let bin = (((confidence - 0.5) * 10.0) as usize).min(4);
        bins[bin].0 += 1;
        bins[bin].1 += confidence;
        bins[bin].2 += usize::from(predicted == ex.row.positive);
    }
    let n = test_set.len() as f64;
    let calibration_error = bins
        .iter()
        .filter(|b| b.0 > 0)
        .map(|&(_, conf, correct)| (conf - correct as f64).abs() / n)
        .sum();
    let experiment = Experiment {
        split: split.clone(),
        train_rows: train_set.len(),
        test_rows: test_set.len(),
        vocabulary: model.terms.len(),
        model: pair.model,
        vader: pair.vader,
        by_source,
        neutral_share: neutral as f64 / n,
        decided_accuracy: decided.accuracy(),
        calibration_error,
    };
    (model, experiment)
}

/// The figures of every split.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub experiments: Vec<Experiment>,
}

/// Runs every split of [`Split::all`].
pub fn evaluate(examples: &[Example], params: &Params) -> Report {
    Report {
        experiments: Split::all()
            .iter()
            .map(|s| run(examples, s, params).1)
            .collect(),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

impl Report {
    /// The metrics tables, as Markdown (deterministic).
    pub fn tables(&self) -> String {
        let mut out = String::new();
        let header = "| split | trained on | tested on | train rows | test rows | model accuracy | model F1 | VADER accuracy | VADER F1 |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n";
        let row = |out: &mut String,
                   name: &str,
                   train: &str,
                   test: &str,
                   tr: String,
                   rows: usize,
                   p: &Pair| {
            writeln!(
                out,
                "| {name} | {train} | {test} | {tr} | {rows} | {} | {} | {} | {} |",
                pct(p.model.accuracy()),
                pct(p.model.f1()),
                pct(p.vader.accuracy()),
                pct(p.vader.f1()),
            )
            .unwrap();
        };
        out.push_str("In-domain: seeded split over all sources (1 sentence in 5 held out, by hash of its text)\n\n");
        out.push_str(header);
        for e in self
            .experiments
            .iter()
            .filter(|e| e.split.test.side == Side::HeldOut)
        {
            let total = Pair {
                model: e.model,
                vader: e.vader,
            };
            row(
                &mut out,
                e.split.name,
                &e.split.train.describe(),
                "all held out",
                e.train_rows.to_string(),
                e.test_rows,
                &total,
            );
            for (source, p) in &e.by_source {
                row(
                    &mut out,
                    "",
                    "",
                    &format!("{} held out", source.name()),
                    String::new(),
                    p.model.rows(),
                    p,
                );
            }
        }
        out.push_str(
            "\nCross-domain: trained on some sources, tested on every sentence of another\n\n",
        );
        out.push_str(header);
        for e in self
            .experiments
            .iter()
            .filter(|e| e.split.test.side != Side::HeldOut)
        {
            let total = Pair {
                model: e.model,
                vader: e.vader,
            };
            row(
                &mut out,
                e.split.name,
                &e.split.train.describe(),
                &e.split.test.describe(),
                e.train_rows.to_string(),
                e.test_rows,
                &total,
            );
        }
        out.push_str("\nThe neutral band and the confidence, on the same test rows\n\n");
        out.push_str("| split | vocabulary | called neutral | accuracy when not neutral | calibration error |\n|---|---:|---:|---:|---:|\n");
        for e in &self.experiments {
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.3} |",
                e.split.name,
                e.vocabulary,
                pct(e.neutral_share),
                pct(e.decided_accuracy),
                e.calibration_error
            )
            .unwrap();
        }
        out
    }
}

/// The model and VADER on the car-review challenge set, per category.
#[derive(Debug, Clone, PartialEq)]
pub struct ChallengeReport {
    /// Per category, in the order the file first has them.
    pub categories: Vec<(String, Pair)>,
    pub total: Pair,
}

/// Scores `model` and VADER (positive when its compound score is >= 0, as
/// everywhere here) on the challenge set.
pub fn challenge(model: &Model, rows: &[ChallengeRow]) -> ChallengeReport {
    let mut categories: Vec<(String, Pair)> = Vec::new();
    let mut total = Pair::default();
    for row in rows {
        let predicted = model.probability_of_text(&row.text) >= 0.5;
        let vader = sentiment_model::polarity_scores(&row.text).compound >= 0.0;
        total.model.add(predicted, row.positive);
        total.vader.add(vader, row.positive);
        let i = match categories.iter().position(|(c, _)| *c == row.category) {
            Some(i) => i,
            None => {
                categories.push((row.category.clone(), Pair::default()));
                categories.len() - 1
            }
        };
        categories[i].1.model.add(predicted, row.positive);
        categories[i].1.vader.add(vader, row.positive);
    }
    ChallengeReport { categories, total }
}

impl ChallengeReport {
    /// The table, as Markdown.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| category | sentences | positive | model accuracy | VADER accuracy |\n|---|---:|---:|---:|---:|\n",
        );
        let line = |out: &mut String, name: &str, p: &Pair| {
            writeln!(
                out,
                "| {name} | {} | {} | {} | {} |",
                p.model.rows(),
                p.model.tp + p.model.fn_,
                pct(p.model.accuracy()),
                pct(p.vader.accuracy()),
            )
            .unwrap();
        };
        for (name, p) in &self.categories {
            line(&mut out, name, p);
        }
        line(&mut out, "**all**", &self.total);
        out
    }
}
