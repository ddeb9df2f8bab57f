//! The types of `ml:sentiment/analyzer`, as the API writes them.

use crate::ApiError;
use serde::Serialize;

/// The WIT enum `label`: a review's overall polarity, answered in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Label {
    Positive,
    Negative,
    Neutral,
}

impl Label {
    /// `"positive"`, `"negative"` or `"neutral"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Negative => "negative",
            Label::Neutral => "neutral",
        }
    }

    /// The label with the WIT case number `case`: what wit-bindgen's
    /// generated code calls to lift a `label` from a component.
    ///
    /// # Safety
    ///
    /// None needed; `unsafe` because the generated code calls it so. An
    /// unknown case (which the canonical ABI never passes) panics.
    #[doc(hidden)]
    pub unsafe fn _lift(case: u8) -> Label {
        match case {
            0 => Label::Positive,
            1 => Label::Negative,
            2 => Label::Neutral,
            _ => panic!("no label case {case}"),
        }
    }
}

/// The WIT record `term`: a word or word pair and how far it pushed the
/// decision (above zero towards positive).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    pub term: String,
    pub weight: f64,
}

/// The WIT record `analysis`, and the answer of `POST /api/review-sentiment`
/// and `POST /api/review`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub label: Label,
    /// Sentiment score in [-1, 1].
    pub score: f64,
    /// How sure the model is of the label, in [0.5, 1].
    pub confidence: f64,
    /// The terms that drove the decision most, strongest first.
    pub explanation: Vec<Term>,
    /// The model version that made the analysis.
    pub model_version: String,
}

/// The WIT variant `error`: why a review could not be analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    EmptyReview,
    /// Longer than the limit it carries, in characters.
    ReviewTooLong(u32),
}

impl Error {
    /// The API's code: `empty_review` or `review_too_long`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyReview => "empty_review",
            Error::ReviewTooLong(_) => "review_too_long",
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::EmptyReview => f.write_str("review must not be empty"),
            Error::ReviewTooLong(max_chars) => {
                write!(f, "review must be at most {max_chars} characters")
            }
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError::unprocessable(error.code(), error.to_string())
    }
}
