//! Sentiment of a short English text (a product review), by VADER.
//!
//! This is a faithful port of vaderSentiment 3.3.2 (C.J. Hutto, MIT licence;
//! Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment
//! Analysis of Social Media Text", ICWSM-14): the VADER lexicon and emoji
//! lexicon (from `data/lexicons/`) with all of its rules — negation
//! (including "never so/this", "without doubt" and words with "n't"),
//! booster and dampener words with the capitalisation differential, ALL-CAPS
//! emphasis, "but", "least", "kind of", the special-case idioms, "no",
//! exclamation and question marks, and emoji, which are replaced by their
//! description before scoring. For the same text, [`polarity_scores`] returns
//! the same four numbers as Python's
//! `SentimentIntensityAnalyzer().polarity_scores(text)`.
//!
//! Both lexicons are turned into sorted static tables by the build script, so
//! a call parses and builds nothing: it costs a few microseconds for a
//! typical review.
//!
//! ```
//! use sentiment_model::{analyze, Label};
//!
//! let analysis = analyze("Great car!").unwrap();
//! assert_eq!(analysis.label, Label::Positive);
//! assert_eq!(analysis.score, 0.6588);
//! ```

mod vader;

pub use vader::{PolarityScores, polarity_scores};

/// Longest review accepted, in characters (Unicode scalar values).
pub const MAX_REVIEW_CHARS: usize = 5000;

/// Compound score at or above which a text is positive (VADER convention).
pub const POSITIVE_THRESHOLD: f64 = 0.05;

/// Compound score at or below which a text is negative (VADER convention).
pub const NEGATIVE_THRESHOLD: f64 = -0.05;

/// The overall sentiment of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The label of a compound score: positive at or above
    /// [`POSITIVE_THRESHOLD`], negative at or below [`NEGATIVE_THRESHOLD`],
    /// neutral in between.
    pub fn from_compound(compound: f64) -> Label {
        if compound >= POSITIVE_THRESHOLD {
            Label::Positive
        } else if compound <= NEGATIVE_THRESHOLD {
            Label::Negative
        } else {
            Label::Neutral
        }
    }
}

/// The sentiment of one review.
///
/// All numbers are VADER's, rounded as vaderSentiment rounds them: `score`
/// to 4 decimals, the three shares to 3 (so they add up to 1 only to within
/// rounding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    /// From `score`: >= 0.05 positive, <= -0.05 negative, else neutral.
    pub label: Label,
    /// VADER compound score, in [-1, 1].
    pub score: f64,
    /// Share of the text that is positive, in [0, 1].
    pub positive: f64,
    /// Share of the text that is negative, in [0, 1].
    pub negative: f64,
    /// Share of the text that is neutral, in [0, 1].
    pub neutral: f64,
}

impl From<PolarityScores> for Analysis {
    fn from(scores: PolarityScores) -> Self {
        Analysis {
            label: Label::from_compound(scores.compound),
            score: scores.compound,
            positive: scores.pos,
            negative: scores.neg,
            neutral: scores.neu,
        }
    }
}

/// Why a review was not scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentimentError {
    /// empty or only white space
    EmptyReview,
    /// longer than MAX_REVIEW_CHARS; carries the limit
    ReviewTooLong { max_chars: usize },
}

impl SentimentError {
    /// A stable, machine-readable code: `"empty_review"` or
    /// `"review_too_long"`.
    pub fn code(&self) -> &'static str {
        match self {
            SentimentError::EmptyReview => "empty_review",
            SentimentError::ReviewTooLong { .. } => "review_too_long",
        }
    }
}

impl std::fmt::Display for SentimentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SentimentError::EmptyReview => f.write_str("review must not be empty"),
            SentimentError::ReviewTooLong { max_chars } => {
                write!(f, "review must be at most {max_chars} characters")
            }
        }
    }
}

impl std::error::Error for SentimentError {}

/// Validates `review` and scores it.
///
/// The length is checked first (so a review of 6000 spaces is too long, not
/// empty), and costs at most [`MAX_REVIEW_CHARS`] + 1 characters of scanning
/// whatever the input size. "White space" is what VADER's tokeniser (Python's
/// `str.split()`) splits on: Unicode White_Space plus U+001C..U+001F; so an
/// accepted review always has at least one token.
pub fn analyze(review: &str) -> Result<Analysis, SentimentError> {
    if review.chars().nth(MAX_REVIEW_CHARS).is_some() {
        return Err(SentimentError::ReviewTooLong {
            max_chars: MAX_REVIEW_CHARS,
        });
    }
    if review.chars().all(vader::py_isspace) {
        return Err(SentimentError::EmptyReview);
    }
    Ok(polarity_scores(review).into())
}
