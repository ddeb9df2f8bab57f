//! Trains and evaluates the sentiment model of `sentiment-model` (host only).
//!
//! - [`data`] loads `data/sentiment/*.tsv` and cleans it (white space folded,
//!   repeated sentences dropped);
//! - every sentence is turned into the features the served model sees
//!   ([`sentiment_model::features::terms`], VADER's compound score);
//! - [`logreg`] fits an L2-regularised logistic regression with L-BFGS;
//! - [`eval`] measures it on held-out text: a fixed, seeded split over all
//!   sources (in-domain) and whole sources it never saw (cross-domain), with
//!   VADER on the same rows;
//! - [`train_served`] builds the served model (trained on the training side
//!   of the in-domain split, so its held-out figures are its own) and writes
//!   it as the weights file that `sentiment-model`'s build script compiles
//!   into static tables;
//! - [`cascade`] chooses, by cross-validation, the confidence above which
//!   the cascade keeps this model's answer rather than ask the transformer;
//! - [`export`] writes every sentence with its side of the split, for the
//!   transformer's trainer (`training/transformer/`).
//!
//! Everything is deterministic: no randomness, no threads, sums in a fixed
//! order, and the split is a hash of each sentence's text.

pub mod cascade;
pub mod data;
pub mod eval;
pub mod export;
pub mod logreg;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use sentiment_model::features;

pub use data::{Dataset, Row, Source};
pub use eval::{Experiment, Metrics, Report, Split};

/// Names the trainer (optimiser and quantisation); part of the version.
pub const TRAINER_ID: &str = "logreg-l2-lbfgs/f32/v1";

/// The weights file, relative to this crate.
pub const WEIGHTS_FILE: &str = "../sentiment-model/model/sentiment.weights.tsv";

/// The VADER lexicons (part of the version: the VADER feature uses them).
pub const LEXICON_FILES: [&str; 2] = [
    "lexicons/vader_lexicon.txt",
    "lexicons/emoji_utf8_lexicon.txt",
];

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The committed weights file.
pub fn weights_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(WEIGHTS_FILE)
}

/// Everything that decides the model, besides the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// `λ`, the L2 penalty on the weights (sum of losses, not mean), before
    /// its per-feature scaling (see `nb_penalty`).
    pub l2: f64,
    /// A feature is kept when at least this many training sentences have it.
    pub min_count: u32,
    /// Weight of each UCI (Amazon, IMDb) sentence in the loss; Rotten
    /// Tomatoes sentences weigh 1. The UCI reviews are closer to car reviews
    /// and six times fewer.
    pub uci_weight: f64,
    /// Weight of each car-review training sentence
    /// ([`data::CAR_TRAIN_FILE`]): a few hundred short sentences that teach
    /// what the thousands of film and phone sentences do not.
    pub car_weight: f64,
    /// Smoothing of the naive-Bayes ratios that scale the penalty.
    pub nb_alpha: f64,
    /// Smallest |ratio| used in the penalty (so no feature's penalty exceeds
    /// `l2 / nb_floor`).
    pub nb_floor: f64,
    /// A review is neutral when `|2p - 1|` is below this.
    pub neutral_band: f64,
    /// Seed of the held-out split.
    pub split_seed: u64,
    /// One sentence in this many is held out (by hash of its text).
    pub test_one_in: u64,
    /// L-BFGS: at most this many iterations…
    pub max_iterations: usize,
    /// … or until no gradient component exceeds this.
    pub gradient_tolerance: f64,
}

impl Params {
    /// The parameters of the served model.
    pub const SERVED: Params = Params {
        l2: 2.0,
        min_count: 2,
        uci_weight: 1.0,
        car_weight: 5.0,
        nb_alpha: 0.5,
        nb_floor: 0.25,
        neutral_band: 0.2,
        split_seed: 20_240_611,
        test_one_in: 5,
        max_iterations: 500,
        gradient_tolerance: 1e-4,
    };

    /// `(name, value)` pairs, as written in the weights file.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("features", features::FEATURES_ID.to_owned()),
            ("trainer", TRAINER_ID.to_owned()),
            ("l2", self.l2.to_string()),
            ("min_count", self.min_count.to_string()),
            ("uci_weight", self.uci_weight.to_string()),
            ("car_weight", self.car_weight.to_string()),
            ("nb_alpha", self.nb_alpha.to_string()),
            ("nb_floor", self.nb_floor.to_string()),
            ("neutral_band", self.neutral_band.to_string()),
            ("split_seed", self.split_seed.to_string()),
            ("test_one_in", self.test_one_in.to_string()),
            ("max_iterations", self.max_iterations.to_string()),
            ("gradient_tolerance", self.gradient_tolerance.to_string()),
        ]
    }

    fn settings(&self) -> logreg::Settings {
        logreg::Settings {
            l2: self.l2,
            max_iterations: self.max_iterations,
            gradient_tolerance: self.gradient_tolerance,
            memory: 10,
        }
    }
}

/// 64-bit FNV-1a, then SplitMix64's finaliser.
pub(crate) fn hash64(parts: &[&[u8]], seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for part in parts {
        for &b in part.iter() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // separate the parts, so ("ab", "c") and ("a", "bc") differ
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether a sentence is on the held-out side of the in-domain split: a hash
/// of its (folded, lower-cased) text, so the split of a sentence does not
/// depend on the other rows or their order.
pub fn is_held_out(text: &str, params: &Params) -> bool {
    let key = data::dedup_key(text);
    hash64(&[key.as_bytes()], params.split_seed).is_multiple_of(params.test_one_in)
}

/// The model version: `sentiment-` and 12 hex digits of a hash of the
/// training inputs (the bytes of the data files and lexicons), of every
/// parameter (including the feature and trainer ids), and of the trained
/// weights themselves, so that different data, parameters or code that
/// changes the weights all give a different version.
pub fn version(inputs: &[&[u8]], params: &Params, model: &Model) -> String {
    let mut parts: Vec<Vec<u8>> = inputs.iter().map(|i| i.to_vec()).collect();
    for (k, v) in params.entries() {
        parts.push(format!("{k}={v}").into_bytes());
    }
    let mut weights = Vec::with_capacity(16 * model.terms.len());
    for (term, w) in &model.terms {
        weights.extend_from_slice(term.as_bytes());
        weights.extend_from_slice(&w.to_bits().to_le_bytes());
    }
    weights.extend_from_slice(&model.bias.to_bits().to_le_bytes());
    weights.extend_from_slice(&model.vader.to_bits().to_le_bytes());
    parts.push(weights);
    let parts: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    let a = hash64(&parts, 1);
    let b = hash64(&parts, 2);
    format!("sentiment-{:08x}{:04x}", a >> 32, b >> 48)
}

/// A sentence with the features the model sees.
#[derive(Debug, Clone)]
pub struct Example<'a> {
    pub row: &'a Row,
    /// [`features::terms`] of the text.
    pub terms: Vec<String>,
    /// VADER's unrounded compound score ([`sentiment_model::vader::trace`]).
    pub compound: f64,
    /// VADER's rounded compound score ([`sentiment_model::polarity_scores`]).
    pub vader: f64,
    /// On the held-out side of the in-domain split.
    pub held_out: bool,
}

/// Computes the features of every row.
pub fn prepare<'a>(rows: &'a [Row], params: &Params) -> Vec<Example<'a>> {
    rows.iter()
        .map(|row| Example {
            row,
            terms: features::terms(&row.text),
            compound: sentiment_model::vader::trace(&row.text).compound,
            vader: sentiment_model::polarity_scores(&row.text).compound,
            held_out: row.source.is_split() && is_held_out(&row.text, params),
        })
        .collect()
}

/// A term of the vocabulary and its weight.
pub type TermWeight<'a> = (&'a str, f32);

/// A trained model, as it is served: `f32` weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Vocabulary and weights, sorted by term.
    pub terms: Vec<(String, f32)>,
    pub bias: f32,
    pub vader: f32,
    /// Training rows.
    pub rows: usize,
    /// The optimiser's end state.
    pub iterations: usize,
    pub loss: f64,
    pub gradient_max: f64,
}

impl Model {
    /// The weight of a term, if known.
    pub fn weight(&self, term: &str) -> Option<f64> {
        self.terms
            .binary_search_by(|(t, _)| t.as_str().cmp(term))
            .ok()
            .map(|i| f64::from(self.terms[i].1))
    }

    /// The probability that an example is positive, computed exactly as
    /// [`sentiment_model::probability`] computes it for the served model.
    pub fn probability(&self, example: &Example) -> f64 {
        self.probability_of(&example.terms, example.compound)
    }

    /// The probability of a text with these terms and VADER compound score.
    pub fn probability_of(&self, terms: &[String], compound: f64) -> f64 {
        let weights = terms.iter().filter_map(|t| self.weight(t));
        features::sigmoid(features::logit(
            f64::from(self.bias),
            weights,
            f64::from(self.vader),
            compound,
        ))
    }

    /// The probability for a text.
    pub fn probability_of_text(&self, text: &str) -> f64 {
        self.probability_of(
            &features::terms(text),
            sentiment_model::vader::trace(text).compound,
        )
    }

    /// The `n` most positive and most negative unigram and bigram weights.
    pub fn top_terms(&self, n: usize) -> (Vec<TermWeight<'_>>, Vec<TermWeight<'_>>) {
        let mut sorted: Vec<TermWeight> =
            self.terms.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let positive = sorted.iter().take(n).copied().collect();
        let negative = sorted.iter().rev().take(n).copied().collect();
        (positive, negative)
    }
}

/// The per-feature multiplier of the L2 penalty: `1 / max(|r_j|, nb_floor)`,
/// where `r_j = ln((a_j / |a|) / (b_j / |b|))` is the naive-Bayes log-count
/// ratio of feature `j`, `a_j` (`b_j`) being `nb_alpha` plus the number of
/// positive (negative) training sentences that have it, and `|a|`, `|b|` their
/// sums over the vocabulary. Words that naive Bayes finds uninformative
/// ("the", "car") are shrunk harder than words it finds polar ("great"): the
/// prior of NBSVM (Wang & Manning, ACL 2012), in penalty form.
fn nb_penalty(rows: &[Vec<u32>], positive: &[bool], n: usize, params: &Params) -> Vec<f64> {
    let mut a = vec![params.nb_alpha; n];
    let mut b = vec![params.nb_alpha; n];
    for (ids, &pos) in rows.iter().zip(positive) {
        let counts = if pos { &mut a } else { &mut b };
        for &j in ids {
            counts[j as usize] += 1.0;
        }
    }
    let sum_a = a.iter().fold(0.0, |s, x| s + x);
    let sum_b = b.iter().fold(0.0, |s, x| s + x);
    a.iter()
        .zip(&b)
        .map(|(a, b)| 1.0 / ((a / sum_a) / (b / sum_b)).ln().abs().max(params.nb_floor))
        .collect()
}

/// Trains a model on `examples`.
pub fn train(examples: &[&Example], params: &Params) -> Model {
    // vocabulary: terms in at least min_count training sentences
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for ex in examples {
        for t in &ex.terms {
            *counts.entry(t.as_str()).or_insert(0) += 1;
        }
    }
    // Each emoji has one row of its own in the ranking: its token is kept
    // whatever `min_count` says.
    let emoji: std::collections::HashSet<&str> = examples
        .iter()
        .filter(|ex| ex.row.source == Source::EmojiRanking)
        .flat_map(|ex| ex.terms.iter().map(String::as_str))
        .collect();
    let mut vocabulary: Vec<&str> = counts
        .into_iter()
        .filter(|&(t, c)| c >= params.min_count || emoji.contains(t))
        .map(|(t, _)| t)
        .collect();
    vocabulary.sort_unstable();
    let index: HashMap<&str, u32> = vocabulary
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i as u32))
        .collect();

    let rows: Vec<Vec<u32>> = examples
        .iter()
        .map(|ex| {
            ex.terms
                .iter()
                .filter_map(|t| index.get(t.as_str()).copied())
                .collect()
        })
        .collect();
    let dense: Vec<f64> = examples.iter().map(|ex| ex.compound).collect();
    let positive: Vec<bool> = examples.iter().map(|ex| ex.row.positive).collect();
    // The emoji rows lean positive (most emoji do); weighted so that their
    // positive and negative rows weigh the same in all, they teach the
    // emoji's weights without moving the bias every review gets.
    let emoji = |positive: bool| {
        examples
            .iter()
            .filter(|ex| ex.row.source == Source::EmojiRanking && ex.row.positive == positive)
            .count() as f64
    };
    let (emoji_positive, emoji_negative) = (emoji(true), emoji(false));
    let weight: Vec<f64> = examples
        .iter()
        .map(|ex| match ex.row.source {
            Source::RottenTomatoes => 1.0,
            Source::Amazon | Source::Imdb => params.uci_weight,
            Source::EmojiRanking if ex.row.positive => {
                0.5 * (emoji_positive + emoji_negative) / emoji_positive
            }
            Source::EmojiRanking => 0.5 * (emoji_positive + emoji_negative) / emoji_negative,
            Source::CarReviews => params.car_weight,
        })
        .collect();
    let penalty = nb_penalty(&rows, &positive, vocabulary.len(), params);
    let fit = logreg::fit(
        &logreg::Problem {
            rows: &rows,
            dense: &dense,
            positive: &positive,
            weight: &weight,
            n_features: vocabulary.len(),
            penalty: &penalty,
        },
        params.settings(),
    );
    Model {
        terms: vocabulary
            .iter()
            .zip(&fit.weights)
            .map(|(t, w)| ((*t).to_owned(), *w as f32))
            .collect(),
        bias: fit.bias as f32,
        vader: fit.dense as f32,
        rows: examples.len(),
        iterations: fit.iterations,
        loss: fit.loss,
        gradient_max: fit.gradient_max,
    }
}

/// The served model, its figures and its weights file.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: Model,
    pub version: String,
    pub params: Params,
    pub cleaning: data::Cleaning,
    /// The served model on the held-out side of the in-domain split.
    pub in_domain: Experiment,
    /// The same procedure trained on Rotten Tomatoes + IMDb, tested on Amazon.
    pub cross_domain: Experiment,
    /// The served model and VADER on the car-review challenge set.
    pub challenge: eval::ChallengeReport,
    /// `(name, value)`: what `sentiment_model::METRICS` will hold.
    pub metrics: Vec<(&'static str, f64)>,
    /// The cascade's threshold on this model's confidence.
    pub cascade: cascade::Threshold,
}

fn round4(x: f64) -> f64 {
    format!("{x:.4}").parse().expect("a number")
}

impl Trained {
    /// The weights file's text.
    pub fn weights_file(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(32 * self.model.terms.len());
        out.push_str(
            "# The sentiment model of crates/sentiment-model: @generated by\n\
             # `cargo run -p sentiment-training --release --bin train`. Do not edit.\n\
             # The test `committed_weights_are_what_training_produces` (sentiment-training)\n\
             # fails when this file is not what training produces from data/ today.\n",
        );
        writeln!(out, "version\t{}", self.version).unwrap();
        for (name, value) in self.params.entries() {
            writeln!(out, "param\t{name}\t{value}").unwrap();
        }
        for (name, value) in &self.metrics {
            writeln!(out, "metric\t{name}\t{value}").unwrap();
        }
        let c = &self.cascade;
        writeln!(out, "cascade\tconfidence\t{}", c.confidence).unwrap();
        writeln!(out, "cascade\tkept_share_cv\t{}", round4(c.kept_share)).unwrap();
        writeln!(
            out,
            "cascade\tkept_accuracy_cv\t{}",
            round4(c.kept_accuracy)
        )
        .unwrap();
        writeln!(out, "bias\t{:?}", self.model.bias).unwrap();
        writeln!(out, "vader\t{:?}", self.model.vader).unwrap();
        writeln!(out, "terms\t{}", self.model.terms.len()).unwrap();
        for (term, weight) in &self.model.terms {
            writeln!(out, "{term}\t{weight:?}").unwrap();
        }
        out
    }

    /// A short, deterministic summary for people.
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let c = &self.cleaning;
        writeln!(out, "model {}", self.version).unwrap();
        writeln!(
            out,
            "data: {} raw rows, {} empty and {} repeated texts dropped ({} with a conflicting label): {} clean rows",
            c.raw,
            c.empty,
            c.duplicate,
            c.duplicate_conflicting,
            c.raw - c.empty - c.duplicate
        )
        .unwrap();
        writeln!(
            out,
            "trained on {} rows (held out: {}); vocabulary {} terms; bias {:.4}; VADER weight {:.4}",
            self.model.rows,
            self.in_domain.test_rows,
            self.model.terms.len(),
            self.model.bias,
            self.model.vader
        )
        .unwrap();
        writeln!(
            out,
            "L-BFGS: {} iterations, objective {:.4}, largest gradient component {:.2e}",
            self.model.iterations, self.model.loss, self.model.gradient_max
        )
        .unwrap();
        writeln!(out).unwrap();
        writeln!(out, "metrics (the served model's METRICS):").unwrap();
        for (name, value) in &self.metrics {
            writeln!(out, "  {name:<32} {value}").unwrap();
        }
        writeln!(
            out,
            "\ncascade: keeps this model's answer at confidence {} or more; out of fold that was {:.1}% of the training side's reviews, {:.1}% of them right",
            self.cascade.confidence,
            100.0 * self.cascade.kept_share,
            100.0 * self.cascade.kept_accuracy
        )
        .unwrap();
        let (pos, neg) = self.model.top_terms(15);
        writeln!(out).unwrap();
        writeln!(
            out,
            "{:<28} {:>8}   {:<28} {:>8}",
            "most positive", "weight", "most negative", "weight"
        )
        .unwrap();
        for ((pt, pw), (nt, nw)) in pos.iter().zip(&neg) {
            writeln!(out, "{pt:<28} {pw:>8.4}   {nt:<28} {nw:>8.4}").unwrap();
        }
        out
    }
}

/// The inputs the version is derived from: the data files and the two
/// lexicons, as bytes.
pub fn version_inputs(data_dir: &Path, data_files: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
    let mut inputs = data_files;
    for rel in LEXICON_FILES {
        let path = data_dir.join(rel);
        inputs.push(
            std::fs::read(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
        );
    }
    Ok(inputs)
}

/// Trains the served model from `data_dir` and measures it.
pub fn train_served(data_dir: &Path, params: &Params) -> Result<Trained> {
    let (dataset, files) = data::load(data_dir)?;
    let inputs = version_inputs(data_dir, files)?;
    let inputs: Vec<&[u8]> = inputs.iter().map(|v| v.as_slice()).collect();
    let examples = prepare(&dataset.rows, params);

    let (model, in_domain) = eval::run(&examples, &Split::in_domain(), params);
    let version = version(&inputs, params, &model);
    let (_, cross_domain) = eval::run(&examples, &Split::served_cross_domain(), params);
    let challenge = eval::challenge(&model, &data::load_challenge(data_dir)?);
    let out_of_fold: Vec<(f64, bool)> = eval::out_of_fold(&examples, params)
        .into_iter()
        .map(|(e, p)| (p.max(1.0 - p), (p >= 0.5) == e.row.positive))
        .collect();
    let cascade = cascade::choose(
        &out_of_fold,
        cascade::ACCURACY_BUDGET,
        0.5 + params.neutral_band / 2.0,
    );

    let i = &in_domain;
    let x = &cross_domain;
    let by = |s: Source| {
        i.by_source
            .iter()
            .find(|(src, _)| *src == s)
            .map(|(_, m)| m.model.accuracy())
            .unwrap_or(f64::NAN)
    };
    let metrics = vec![
        ("accuracy", round4(i.model.accuracy())),
        ("f1", round4(i.model.f1())),
        ("vader_accuracy", round4(i.vader.accuracy())),
        ("vader_f1", round4(i.vader.f1())),
        ("accuracy_amazon", round4(by(Source::Amazon))),
        ("accuracy_imdb", round4(by(Source::Imdb))),
        (
            "accuracy_rotten_tomatoes",
            round4(by(Source::RottenTomatoes)),
        ),
        ("cross_domain_accuracy", round4(x.model.accuracy())),
        ("cross_domain_f1", round4(x.model.f1())),
        ("vader_cross_domain_accuracy", round4(x.vader.accuracy())),
        (
            "challenge_accuracy",
            round4(challenge.total.model.accuracy()),
        ),
        (
            "vader_challenge_accuracy",
            round4(challenge.total.vader.accuracy()),
        ),
        ("neutral_share", round4(i.neutral_share)),
        ("decided_accuracy", round4(i.decided_accuracy)),
        ("calibration_error", round4(i.calibration_error)),
        ("train_rows", i.train_rows as f64),
        ("test_rows", i.test_rows as f64),
        ("vocabulary", model.terms.len() as f64),
    ];
    Ok(Trained {
        model,
        version,
        params: *params,
        cleaning: dataset.cleaning,
        in_domain,
        cross_domain,
        challenge,
        metrics,
        cascade,
    })
}
