//! Sentiment of a short English text (a review): a trained classifier, with
//! VADER as its baseline and as one of its features.
//!
//! [`analyze`] is the served model: L2-regularised logistic regression over
//! the presence of words and adjacent-word pairs (with negation marking, see
//! [`features`]) plus VADER's compound score, trained by
//! `crates/sentiment-training` on the UCI Amazon/IMDb sentences, the
//! Rotten Tomatoes snippets, the emoji ranking and the car-review training
//! sentences of `data/sentiment/`. It answers a label, a score
//! in [-1, 1], a confidence and the (at most five) terms that moved the
//! decision most. [`MODEL_VERSION`] names the model and [`METRICS`] gives its
//! held-out figures; the model card is `docs/MODELS.md`.
//!
//! [`vader`] is a faithful port of vaderSentiment 3.3.2 (C.J. Hutto, MIT
//! licence; Hutto & Gilbert, ICWSM-14): [`vader::analyze`] and
//! [`polarity_scores`] give, for the same text, the same numbers as Python's
//! `SentimentIntensityAnalyzer().polarity_scores(text)`.
//!
//! Nothing is parsed, trained or built at run time: the weights (from the
//! committed file `model/sentiment.weights.tsv`, written by the `train`
//! command of `sentiment-training`) and the VADER lexicons are turned into
//! static hash tables by the build script. A call costs microseconds.
//!
//! ```
//! use sentiment_model::{analyze, Label};
//!
//! let analysis = analyze("Great car!").unwrap();
//! assert_eq!(analysis.label, Label::Positive);
//! assert!(analysis.score > 0.5);
//! assert_eq!(analysis.explanation[0].term, "great");
//! ```

#[cfg(feature = "api")]
pub mod api;
pub mod features;
pub mod table;
pub mod vader;

pub use vader::{PolarityScores, polarity_scores};

mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

pub use model::{CASCADE, CASCADE_CONFIDENCE, METRICS, MODEL_VERSION, NEUTRAL_BAND};

/// Longest review accepted, in characters (Unicode scalar values).
pub const MAX_REVIEW_CHARS: usize = 5000;

/// Compound score at or above which VADER calls a text positive.
pub const POSITIVE_THRESHOLD: f64 = 0.05;

/// Compound score at or below which VADER calls a text negative.
pub const NEGATIVE_THRESHOLD: f64 = -0.05;

/// Most terms in an [`Analysis::explanation`].
pub const MAX_EXPLANATION_TERMS: usize = 5;

/// Terms whose contribution to the log-odds is smaller than this (in absolute
/// value) are left out of an explanation: they did not drive anything.
pub const MIN_EXPLAINED_WEIGHT: f64 = 0.05;

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

    /// VADER's label of a compound score: positive at or above
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

    /// The trained model's label of a score (`2p - 1`): neutral when
    /// `|score| <` [`NEUTRAL_BAND`], else positive or negative by its sign.
    pub fn from_score(score: f64) -> Label {
        if score.abs() < NEUTRAL_BAND {
            Label::Neutral
        } else if score > 0.0 {
            Label::Positive
        } else {
            Label::Negative
        }
    }
}

/// The trained model's answer for one review.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// [`Label::from_score`] of `score`.
    pub label: Label,
    /// `2p - 1`, where `p` is the model's probability that the review is
    /// positive: in [-1, 1], 0 for "no idea". Rounded to 4 decimals, like
    /// the other numbers of an analysis.
    pub score: f64,
    /// `max(p, 1 - p)`: the model's probability for the polarity it leans
    /// to, in [0.5, 1]. Below `(1 + NEUTRAL_BAND) / 2` the label is neutral.
    pub confidence: f64,
    /// The terms that moved the decision most, strongest first: at most
    /// [`MAX_EXPLANATION_TERMS`], none weaker than [`MIN_EXPLAINED_WEIGHT`].
    pub explanation: Vec<Term>,
}

/// A term of a review and how much it moved the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// A word (`great`), a word in the scope of a negation (`not_good`), a
    /// pair of adjacent words (`great car`, `not not_good`), or `!` / `?`.
    pub term: String,
    /// Its signed contribution to the log-odds of "positive": above 0 it
    /// pushed towards positive. For a word VADER knows, this includes its
    /// share of the VADER feature (see [`vader::Trace`]).
    pub weight: f64,
}

/// Why a review was not scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentimentError {
    /// empty, or only white space and characters that show nothing
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

/// Checks a review before any model sees it.
///
/// The length is checked first (so a review of 6000 spaces is too long, not
/// empty), and costs at most [`MAX_REVIEW_CHARS`] + 1 characters of scanning
/// whatever the input size. A review is empty when it shows nothing: every
/// character is white space as VADER's tokeniser (Python's `str.split()`)
/// sees it (Unicode White_Space plus U+001C..U+001F), a control character,
/// or one Unicode marks default-ignorable (zero-width spaces and joiners,
/// direction marks, variation selectors, a byte-order mark). So an accepted
/// review always has at least one visible character.
pub fn validate(review: &str) -> Result<(), SentimentError> {
    if review.chars().nth(MAX_REVIEW_CHARS).is_some() {
        return Err(SentimentError::ReviewTooLong {
            max_chars: MAX_REVIEW_CHARS,
        });
    }
    if review.chars().all(shows_nothing) {
        return Err(SentimentError::EmptyReview);
    }
    Ok(())
}

/// White space, a control character (Unicode category Cc) or a
/// Default_Ignorable_Code_Point (Unicode 15.1, DerivedCoreProperties.txt).
fn shows_nothing(c: char) -> bool {
    vader::py_isspace(c)
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// The served model's weight of a feature (see [`features::terms`]), if the
/// feature is in its vocabulary.
pub fn term_weight(term: &str) -> Option<f64> {
    model::TERMS.get(term).map(f64::from)
}

/// The served model's probability that `review` is positive, without
/// validation or explanation (what the held-out figures measure: positive
/// when it is at least 0.5).
pub fn probability(review: &str) -> f64 {
    let mut buf = String::new();
    let known = known_terms(review, &mut buf);
    let compound = vader::trace(review).compound;
    features::sigmoid(features::logit(
        model::BIAS,
        known.iter().map(|(_, w)| *w),
        model::VADER_WEIGHT,
        compound,
    ))
}

/// The features of `review` the model knows, with their weights, sorted by
/// feature and without repeats: the order [`features::logit`] adds them in.
fn known_terms<'b>(review: &str, buf: &'b mut String) -> Vec<(&'b str, f64)> {
    let spans = features::term_spans(review, buf);
    let buf: &'b str = buf;
    let mut known: Vec<(&str, f64)> = spans
        .into_iter()
        .filter_map(|span| {
            let term = &buf[span];
            term_weight(term).map(|w| (term, w))
        })
        .collect();
    known.sort_unstable_by(|a, b| a.0.cmp(b.0));
    known.dedup_by(|a, b| a.0 == b.0);
    known
}

/// Validates `review` and analyses it with the trained model.
///
/// The log-odds of "positive" are the model's bias, plus the weight of each
/// feature of the text it knows, plus its VADER weight times VADER's compound
/// score. The explanation gives the features with the largest
/// contributions; VADER's part is shared out among the words it scored (each
/// gets `VADER weight × its valence × Trace::scale()`), and added to the
/// feature of the same word (`good`, or `not_good` when VADER negated it) or
/// listed under the word itself. The punctuation emphasis goes to `!`.
pub fn analyze(review: &str) -> Result<Analysis, SentimentError> {
    validate(review)?;
    let mut buf = String::new();
    // contributions of the known features, sorted by term
    let mut known = known_terms(review, &mut buf);
    let trace = vader::trace(review);
    let z = features::logit(
        model::BIAS,
        known.iter().map(|(_, w)| *w),
        model::VADER_WEIGHT,
        trace.compound,
    );
    let p = features::sigmoid(z);

    // share VADER's contribution out among its words
    let scale = model::VADER_WEIGHT * trace.scale();
    let mut extra: Vec<(&str, f64)> = Vec::new();
    for (word, valence) in &trace.words {
        credit(&mut known, &mut extra, word, valence * scale);
    }
    if trace.emphasis != 0.0 {
        let mark = if review.contains('!') { "!" } else { "?" };
        credit(&mut known, &mut extra, mark, trace.emphasis * scale);
    }
    known.extend(extra);
    known.retain(|(_, w)| w.abs() >= MIN_EXPLAINED_WEIGHT);
    known.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    known.truncate(MAX_EXPLANATION_TERMS);

    let score = round4((2.0 * p - 1.0).clamp(-1.0, 1.0));
    Ok(Analysis {
        label: Label::from_score(score),
        score,
        confidence: round4(p.max(1.0 - p)),
        explanation: known
            .into_iter()
            .map(|(term, weight)| Term {
                term: term.to_owned(),
                weight: round4(weight),
            })
            .collect(),
    })
}

/// Adds `contribution` to `word`'s feature in `known` (sorted by term), or
/// else to its negated feature (`not_good`), or else to `word` in `extra`.
fn credit<'t>(
    known: &mut [(&'t str, f64)],
    extra: &mut Vec<(&'t str, f64)>,
    word: &'t str,
    contribution: f64,
) {
    // `term` against `NEGATED` + `word`, without building that string
    let negated = |term: &str| {
        term.bytes()
            .cmp(features::NEGATED.bytes().chain(word.bytes()))
    };
    let found = known
        .binary_search_by(|(term, _)| (*term).cmp(word))
        .or_else(|_| known.binary_search_by(|(term, _)| negated(term)));
    if let Ok(i) = found {
        known[i].1 += contribution;
    } else if let Some(entry) = extra.iter_mut().find(|(term, _)| *term == word) {
        entry.1 += contribution;
    } else {
        extra.push((word, contribution));
    }
}

/// Rounds to 4 decimals, as VADER does: more digits carry no information,
/// and the last bits of `exp` differ between platforms (native and Wasm).
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trained_term_is_found_with_its_weight() {
        assert!(model::TERMS.len() > 1000);
        for (term, weight) in model::TERMS.iter() {
            assert_eq!(term_weight(term), Some(f64::from(weight)), "{term}");
        }
        assert_eq!(term_weight("zzzz-not-a-term"), None);
    }

    #[test]
    fn score_labels_follow_the_neutral_band() {
        assert_eq!(Label::from_score(NEUTRAL_BAND), Label::Positive);
        assert_eq!(Label::from_score(-NEUTRAL_BAND), Label::Negative);
        assert_eq!(Label::from_score(NEUTRAL_BAND * 0.99), Label::Neutral);
        assert_eq!(Label::from_score(0.0), Label::Neutral);
    }
}
