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
    Ok(answer(crate::analyze(review)?, crate::MODEL_VERSION))
}

/// An analysis in the API's terms, made by the model `version`: also the
/// transformer's, which answers with this crate's [`crate::Analysis`].
pub fn answer(analysis: crate::Analysis, version: &str) -> wit::Analysis {
    wit::Analysis {
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
        model_version: version.to_owned(),
    }
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

/// The cascade: the trained classifier first, a slower model (the
/// transformer) for the reviews it is not confident enough about. The
/// `sentiment-cascade` component calls these with the two analyzers it
/// imports; the threshold, [`crate::CASCADE_CONFIDENCE`], was chosen by
/// cross-validation when the classifier was trained (sentiment-training's
/// `cascade`).
pub mod cascade {
    use super::*;
    use crate::{CASCADE, CASCADE_CONFIDENCE};

    /// Whether the first model's answer stands: confident enough, or an
    /// error (both models check a review by the same rules).
    pub fn keeps(answer: &Result<wit::Analysis, wit::Error>) -> bool {
        answer
            .as_ref()
            .map_or(true, |analysis| analysis.confidence >= CASCADE_CONFIDENCE)
    }

    /// Analyses `review` with `first`, and with `fallback` when the first
    /// answer does not stand. Each answer names the model that made it.
    pub fn analyze(
        review: &str,
        first: impl FnOnce(&str) -> Result<wit::Analysis, wit::Error>,
        fallback: impl FnOnce(&str) -> Result<wit::Analysis, wit::Error>,
    ) -> Result<wit::Analysis, wit::Error> {
        let answer = first(review);
        if keeps(&answer) {
            answer
        } else {
            fallback(review)
        }
    }

    /// Analyses a batch with `first`, then the reviews whose answers do not
    /// stand with `fallback`, in one call; the answers in `reviews`' order.
    pub fn analyze_batch(
        reviews: &[String],
        first: impl FnOnce(&[String]) -> Vec<Result<wit::Analysis, wit::Error>>,
        fallback: impl FnOnce(&[String]) -> Vec<Result<wit::Analysis, wit::Error>>,
    ) -> Vec<Result<wit::Analysis, wit::Error>> {
        let mut answers = first(reviews);
        let unsure: Vec<usize> = (0..answers.len())
            .filter(|&i| !keeps(&answers[i]))
            .collect();
        if unsure.is_empty() {
            return answers;
        }
        let asked: Vec<String> = unsure.iter().map(|&i| reviews[i].clone()).collect();
        for (i, answer) in unsure.into_iter().zip(fallback(&asked)) {
            answers[i] = answer;
        }
        answers
    }

    /// The cascade's name and version (the two models' versions joined by
    /// `+`), and as metrics the threshold and what it kept out of fold on
    /// the training side (each model's held-out figures are its own).
    pub fn model(first: &api::ModelInfo, fallback: &api::ModelInfo) -> api::ModelInfo {
        api::ModelInfo {
            name: "sentiment-cascade".into(),
            version: format!("{}+{}", first.version, fallback.version),
            metrics: CASCADE
                .iter()
                .map(|&(name, value)| api::Metric {
                    name: format!("cascade_{name}"),
                    value,
                })
                .collect(),
        }
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

    mod cascade {
        use super::super::cascade;
        use super::*;

        const SURE: &str = "A wonderful, reliable car: I love it and it is great fun to drive.";
        const UNSURE: &str = "The car is blue.";

        fn fallback(review: &str) -> Result<wit::Analysis, wit::Error> {
            Ok(wit::Analysis {
                model_version: format!("fallback: {review}"),
                ..analyze(review)?
            })
        }

        fn never(_: &str) -> Result<wit::Analysis, wit::Error> {
            panic!("the fallback was asked")
        }

        #[test]
        fn a_confident_answer_stands() {
            assert!(analyze(SURE).unwrap().confidence >= crate::CASCADE_CONFIDENCE);
            assert_eq!(cascade::analyze(SURE, analyze, never), analyze(SURE));
        }

        #[test]
        fn an_unsure_answer_goes_to_the_fallback() {
            assert!(analyze(UNSURE).unwrap().confidence < crate::CASCADE_CONFIDENCE);
            let answer = cascade::analyze(UNSURE, analyze, fallback).unwrap();
            assert_eq!(answer.model_version, format!("fallback: {UNSURE}"));
        }

        #[test]
        fn a_review_the_first_model_refuses_is_not_passed_on() {
            assert_eq!(
                cascade::analyze(" ", analyze, never),
                Err(wit::Error::EmptyReview)
            );
        }

        #[test]
        fn a_batch_asks_the_fallback_once_for_the_unsure_reviews_in_order() {
            let reviews: Vec<String> = [UNSURE, SURE, "", "It is a car."]
                .map(String::from)
                .to_vec();
            let all = |batch: &[String]| batch.iter().map(|r| analyze(r)).collect();
            let mut asked = Vec::new();
            let answers = cascade::analyze_batch(&reviews, all, |batch: &[String]| {
                asked.push(batch.to_vec());
                batch.iter().map(|r| fallback(r)).collect()
            });
            assert_eq!(asked, [vec![UNSURE.to_owned(), "It is a car.".to_owned()]]);
            let versions: Vec<Option<String>> = answers
                .into_iter()
                .map(|a| a.ok().map(|a| a.model_version))
                .collect();
            assert_eq!(
                versions,
                [
                    Some(format!("fallback: {UNSURE}")),
                    Some(crate::MODEL_VERSION.to_owned()),
                    None,
                    Some("fallback: It is a car.".to_owned()),
                ]
            );
        }

        #[test]
        fn a_batch_of_sure_answers_never_asks_the_fallback() {
            let reviews = vec![SURE.to_owned(); 3];
            let all = |batch: &[String]| batch.iter().map(|r| analyze(r)).collect();
            let answers = cascade::analyze_batch(&reviews, all, |_: &[String]| panic!("asked"));
            assert_eq!(answers, vec![analyze(SURE); 3]);
        }

        #[test]
        fn the_cascade_is_named_for_both_models_and_gives_its_threshold() {
            let info = cascade::model(&model(), &vader::model());
            assert_eq!(info.name, "sentiment-cascade");
            assert_eq!(
                info.version,
                format!("{}+{}", crate::MODEL_VERSION, vader::MODEL_VERSION)
            );
            assert_eq!(info.metrics[0].name, "cascade_confidence");
            assert_eq!(info.metrics[0].value, crate::CASCADE_CONFIDENCE);
        }
    }
}
