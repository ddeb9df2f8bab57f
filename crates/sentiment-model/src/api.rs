//! The models in the API's terms (feature `api`): what the sentiment
//! components export through `ml:sentiment/analyzer`, and what the native
//! benchmark server answers. The API's types are the interface's WIT records
//! (see the `api` crate), so these are the only conversions between the
//! models and the outside.
//!
//! Two models implement the interface: the trained classifier
//! ([`analyze`], [`model`]) and the VADER baseline ([`vader`]), each served by
//! its own component, so a deployment picks one by composition alone.

use crate::{Label, SentimentError};
use api::sentiment as wit;

/// Validates `review` and analyses it with the trained classifier: the
/// interface's `analyze`.
pub fn analyze(review: &str) -> Result<wit::Analysis, wit::Error> {
    let analysis = crate::analyze(review)?;
    Ok(wit::Analysis {
        label: analysis.label.into(),
        score: analysis.score,
        confidence: analysis.confidence,
        explanation: analysis
            .explanation
            .into_iter()
            .map(|term| wit::Term {
                term: term.term,
                weight: term.weight,
            })
            .collect(),
        model_version: crate::MODEL_VERSION.to_owned(),
    })
}

/// The trained classifier's name, version and held-out metrics: the
/// interface's `model`.
pub fn model() -> api::ModelInfo {
    model_info(crate::MODEL_VERSION, crate::METRICS.iter().copied())
}

/// The VADER baseline behind the same interface.
pub mod vader {
    use super::*;
    use crate::vader as model;

    /// The version the VADER component reports: the vaderSentiment release
    /// it ports.
    pub const MODEL_VERSION: &str = "vader-3.3.2";

    /// Validates `review` (same errors as the classifier) and scores it with
    /// VADER: the label and score are VADER's compound score and its label;
    /// the confidence is `(1 + |score|) / 2`, the classifier's formula for a
    /// score `2p - 1`, so both models' confidences lie in [0.5, 1]; the
    /// explanation gives the words (and `!`/`?`) with the largest shares of
    /// the compound score, which add up to it.
    pub fn analyze(review: &str) -> Result<wit::Analysis, wit::Error> {
        let scores = model::analyze(review)?;
        let trace = model::trace(review);
        let mut shares: Vec<(String, f64)> = Vec::new();
        let mut add = |term: &str, share: f64| match shares.iter_mut().find(|(t, _)| t == term) {
            Some(entry) => entry.1 += share,
            None => shares.push((term.to_owned(), share)),
        };
        for (word, valence) in &trace.words {
            add(word, valence * trace.scale());
        }
        if trace.emphasis != 0.0 {
            let mark = if review.contains('!') { "!" } else { "?" };
            add(mark, trace.emphasis * trace.scale());
        }
        shares.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        shares.truncate(crate::MAX_EXPLANATION_TERMS);
        Ok(wit::Analysis {
            label: scores.label.into(),
            score: scores.score,
            confidence: round4((1.0 + scores.score.abs()) / 2.0),
            explanation: shares
                .into_iter()
                .map(|(term, share)| wit::Term {
                    term,
                    weight: round4(share),
                })
                .collect(),
            model_version: MODEL_VERSION.to_owned(),
        })
    }

    /// VADER's name, version and held-out metrics (measured on the same
    /// held-out sentences as the classifier's; the `vader_` figures of
    /// [`crate::METRICS`], without the prefix).
    pub fn model() -> api::ModelInfo {
        model_info(
            MODEL_VERSION,
            crate::METRICS
                .iter()
                .filter_map(|&(name, value)| Some((name.strip_prefix("vader_")?, value))),
        )
    }
}

fn model_info<'a>(version: &str, metrics: impl Iterator<Item = (&'a str, f64)>) -> api::ModelInfo {
    api::ModelInfo {
        name: "sentiment".into(),
        version: version.into(),
        metrics: metrics
            .map(|(name, value)| api::Metric {
                name: name.into(),
                value,
            })
            .collect(),
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

impl From<Label> for wit::Label {
    fn from(label: Label) -> Self {
        match label {
            Label::Positive => wit::Label::Positive,
            Label::Negative => wit::Label::Negative,
            Label::Neutral => wit::Label::Neutral,
        }
    }
}

impl From<SentimentError> for wit::Error {
    fn from(error: SentimentError) -> Self {
        match error {
            SentimentError::EmptyReview => wit::Error::EmptyReview,
            // MAX_REVIEW_CHARS fits a u32.
            SentimentError::ReviewTooLong { max_chars } => {
                wit::Error::ReviewTooLong(max_chars as u32)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API words the model's errors as the model does.
    #[test]
    fn every_error_reads_the_same_in_the_api() {
        for error in [
            SentimentError::EmptyReview,
            SentimentError::ReviewTooLong {
                max_chars: crate::MAX_REVIEW_CHARS,
            },
        ] {
            let api_error = wit::Error::from(error.clone());
            assert_eq!(api_error.code(), error.code());
            assert_eq!(api_error.to_string(), error.to_string());
        }
    }

    #[test]
    fn the_classifier_answers_with_its_version() {
        let analysis = analyze("Great car!").unwrap();
        assert_eq!(analysis.label, wit::Label::Positive);
        assert_eq!(analysis.model_version, crate::MODEL_VERSION);
        assert_eq!(analysis.explanation[0].term, "great");
    }

    #[test]
    fn vader_answers_its_compound_score_and_label() {
        for review in [
            "Great car!",
            "The engine died after a week.",
            "It is a car.",
        ] {
            let scores = crate::polarity_scores(review);
            let analysis = vader::analyze(review).unwrap();
            assert_eq!(analysis.score, scores.compound, "{review}");
            assert_eq!(
                analysis.label,
                Label::from_compound(scores.compound).into(),
                "{review}"
            );
            assert_eq!(analysis.model_version, vader::MODEL_VERSION);
        }
    }

    #[test]
    fn vaders_explanation_shares_add_up_to_its_score() {
        let analysis = vader::analyze("Great car, but the seats are awful!!").unwrap();
        let total: f64 = analysis.explanation.iter().map(|term| term.weight).sum();
        assert!((total - analysis.score).abs() < 1e-3, "{analysis:?}");
        assert_eq!(
            analysis.confidence,
            round4((1.0 + analysis.score.abs()) / 2.0)
        );
    }

    #[test]
    fn vader_refuses_what_the_classifier_refuses() {
        assert_eq!(vader::analyze("  "), Err(wit::Error::EmptyReview));
    }

    #[test]
    fn vaders_metrics_are_its_held_out_figures() {
        let info = vader::model();
        let accuracy = info.metrics.iter().find(|m| m.name == "accuracy").unwrap();
        let expected = crate::METRICS
            .iter()
            .find(|m| m.0 == "vader_accuracy")
            .unwrap();
        assert_eq!(accuracy.value, expected.1);
        assert_eq!(info.version, vader::MODEL_VERSION);
    }
}
