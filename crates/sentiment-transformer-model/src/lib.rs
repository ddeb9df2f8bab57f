//! Sentiment of a short English text by a fine-tuned transformer:
//! all-MiniLM-L6-v2 (6 layers, 384 wide) with a linear head on its
//! mean-pooled states, fine-tuned by `make train-transformer`
//! (`training/transformer/`) on the training side of the sentiment split,
//! int8 per output channel.
//!
//! The weights, the vocabulary, the version and the held-out figures are one
//! blob, `model/sentiment-minilm.bin` (written by the trainer, committed;
//! its provenance is `model/sentiment-minilm.json`), included in the binary
//! and read in place: in a Wasm component it stays where the data segment
//! puts it, so a fresh instance per request copies, decodes and allocates
//! none of it.
//!
//! [`analyze`] answers as the other analyzers do: a label (neutral when
//! `|score| <` [`NEUTRAL_BAND`]), `score = 2p − 1`, `confidence = max(p, 1 −
//! p)` and the words that weighed most. The explanation is each word's
//! gradient × input ([`minilm::Model::attribute`]): how much the logit
//! moves, to first order, with the word's input to the first layer. It is
//! a local, linear reading of a non-linear model (the values need not add
//! up to the logit), and costs one backward pass, about as much as the
//! analysis. (Each token's share of the logit through its last hidden state
//! is exact and free, but after fine-tuning every state carries the whole
//! verdict: "the" led as often as "awful".)

#[cfg(feature = "api")]
pub mod api;

use std::sync::OnceLock;

use minilm::Model;
use minilm::blob::Aligned;
pub use sentiment_model::{
    Analysis, Label, MAX_EXPLANATION_TERMS, MIN_EXPLAINED_WEIGHT, SentimentError, Term, validate,
};

static BLOB: &Aligned<[u8]> = &Aligned(*include_bytes!("../model/sentiment-minilm.bin"));

/// A review is neutral when `|score|` is below this (as for the word model).
pub const NEUTRAL_BAND: f64 = 0.2;

/// The served model, read from the blob once per instance (a table of
/// slices; nothing is copied).
pub fn model() -> &'static Model<'static> {
    static MODEL: OnceLock<Model<'static>> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_blob(&BLOB.0).expect("the committed blob is a model"))
}

/// The model's version, e.g. `sentiment-minilm-0123456789ab`.
pub fn version() -> &'static str {
    model().version
}

/// The held-out figures the trainer measured on the served int8 model, as
/// `(name, value)` pairs, most important first.
pub fn metrics() -> impl Iterator<Item = (&'static str, f64)> {
    model().metrics.lines().filter_map(|line| {
        let (name, value) = line.split_once('\t')?;
        Some((name, value.parse().ok()?))
    })
}

/// The label of a score, with [`NEUTRAL_BAND`].
pub fn label(score: f64) -> Label {
    if score.abs() < NEUTRAL_BAND {
        Label::Neutral
    } else if score > 0.0 {
        Label::Positive
    } else {
        Label::Negative
    }
}

/// Validates `review` (the word model's rules: not empty, at most 5,000
/// characters) and analyses it. The model reads the first 126 word pieces.
pub fn analyze(review: &str) -> Result<Analysis, SentimentError> {
    validate(review)?;
    let model = model();
    let ids = model.encode(review);
    let (logit, attributions) = model.attribute(&ids);
    let p = 1.0 / (1.0 + (-f64::from(logit)).exp());
    let score = round4((2.0 * p - 1.0).clamp(-1.0, 1.0));
    Ok(Analysis {
        label: label(score),
        score,
        confidence: round4(p.max(1.0 - p)),
        explanation: explain(model, &ids, &attributions),
    })
}

/// The words with the largest gradient × input: word pieces joined (`##`
/// pieces to the word before, their values added), equal words added up,
/// `[CLS]` and `[SEP]` left out.
fn explain(model: &Model, ids: &[u32], attributions: &[f32]) -> Vec<Term> {
    let n = ids.len();
    let mut words: Vec<(String, f64)> = Vec::new();
    let mut current: Option<(String, f64)> = None;
    for (&id, &share) in ids[1..n - 1].iter().zip(&attributions[1..n - 1]) {
        let token = model.vocab.token(id);
        match (token.strip_prefix("##"), current.as_mut()) {
            (Some(piece), Some((word, weight))) => {
                word.push_str(piece);
                *weight += f64::from(share);
            }
            _ => {
                words.extend(current.take());
                current = Some((token.to_owned(), f64::from(share)));
            }
        }
    }
    words.extend(current);
    let mut terms: Vec<(String, f64)> = Vec::with_capacity(words.len());
    for (word, weight) in words {
        match terms.iter_mut().find(|(t, _)| *t == word) {
            Some(entry) => entry.1 += weight,
            None => terms.push((word, weight)),
        }
    }
    terms.retain(|(_, w)| w.abs() >= MIN_EXPLAINED_WEIGHT);
    terms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(MAX_EXPLANATION_TERMS);
    terms
        .into_iter()
        .map(|(term, weight)| Term {
            term,
            weight: round4(weight),
        })
        .collect()
}

/// Rounds to 4 decimals, as the other analyzers do.
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_reviews_get_their_label_with_score_and_confidence_as_the_word_model_gives_them() {
        for (review, expected) in [
            ("Great car, I love it!", Label::Positive),
            ("The transmission failed twice in a month.", Label::Negative),
        ] {
            let analysis = analyze(review).unwrap();
            assert_eq!(analysis.label, expected, "{review}: {analysis:?}");
            let logit = f64::from(model().classify(review).logit);
            let p = 1.0 / (1.0 + (-logit).exp());
            assert_eq!(analysis.score, round4(2.0 * p - 1.0));
            assert_eq!(analysis.confidence, round4(p.max(1.0 - p)));
        }
    }

    #[test]
    fn the_shares_and_the_bias_add_up_to_the_logit() {
        let classified =
            model().classify("Beautiful paint, but rust is coming through underneath.");
        let bias = classified.logit - classified.shares.iter().sum::<f32>();
        let again = model().classify("Terrible seats.");
        assert!((again.logit - again.shares.iter().sum::<f32>() - bias).abs() < 1e-4);
    }

    #[test]
    fn the_explanation_names_whole_words_strongest_first() {
        let analysis = analyze("The upholstery is wonderful.").unwrap();
        assert!(!analysis.explanation.is_empty());
        assert!(
            analysis
                .explanation
                .iter()
                .all(|t| !t.term.starts_with("##"))
        );
        assert!(
            analysis.explanation.iter().any(|t| t.term == "wonderful"),
            "{analysis:?}"
        );
        assert!(analysis.explanation.len() <= MAX_EXPLANATION_TERMS);
        let weights: Vec<f64> = analysis
            .explanation
            .iter()
            .map(|t| t.weight.abs())
            .collect();
        assert!(weights.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn the_explanation_is_each_words_gradient_times_input() {
        let review = "I have had no issues.";
        let ids = model().encode(review);
        let (_, attributions) = model().attribute(&ids);
        let analysis = analyze(review).unwrap();
        // [CLS] i have had no issues . [SEP]
        let no = ids
            .iter()
            .position(|&id| model().vocab.token(id) == "no")
            .unwrap();
        let term = analysis
            .explanation
            .iter()
            .find(|t| t.term == "no")
            .unwrap();
        assert_eq!(term.weight, round4(f64::from(attributions[no])));
        assert!(term.weight > 0.0, "\"no issues\" is praise: {analysis:?}");
    }

    #[test]
    fn predictions_are_identical_run_to_run() {
        let review = "Not the worst car I have owned, but the dealer was rude.";
        let first = model().classify(review);
        for _ in 0..3 {
            assert_eq!(model().classify(review), first);
        }
    }

    #[test]
    fn reviews_are_refused_as_the_word_model_refuses_them() {
        assert_eq!(analyze(" \t"), Err(SentimentError::EmptyReview));
        assert!(matches!(
            analyze(&"a".repeat(5001)),
            Err(SentimentError::ReviewTooLong { .. })
        ));
    }

    #[test]
    fn a_long_review_is_read_up_to_the_models_positions() {
        let review = "The car is good. ".repeat(200);
        let ids = model().encode(&review);
        assert_eq!(ids.len(), model().max_tokens);
        assert!(analyze(&review).is_ok());
    }

    #[test]
    fn the_model_reports_its_version_and_held_out_accuracy() {
        assert!(version().starts_with("sentiment-minilm-"));
        let accuracy = metrics().find(|(name, _)| *name == "accuracy").unwrap().1;
        assert!((0.5..=1.0).contains(&accuracy));
    }
}
