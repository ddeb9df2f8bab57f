//! Input validation and the small types of the public API, through the VADER
//! baseline (`vader::analyze`); `trained_model.rs` checks that the trained
//! model validates the same way.

use sentiment_model::vader::analyze;
use sentiment_model::{Label, MAX_REVIEW_CHARS, SentimentError};

#[test]
fn empty_review_is_rejected() {
    assert_eq!(analyze(""), Err(SentimentError::EmptyReview));
}

#[test]
fn whitespace_only_review_is_rejected() {
    for review in [" ", "\t\n  \r\n", "\u{a0}\u{3000}\u{2003}", "\u{1c}\u{1f}"] {
        assert_eq!(
            analyze(review),
            Err(SentimentError::EmptyReview),
            "{review:?}"
        );
    }
}

#[test]
fn a_review_of_only_invisible_or_control_characters_is_empty() {
    for review in [
        "\u{200b}\u{200b}\u{200b}",
        "\u{feff}",
        "\u{200d} \u{2060}\u{fe0f}",
        "\u{0}\u{1}\u{7f}",
        "\u{9f}\u{ad}\u{e0041}",
    ] {
        assert_eq!(
            analyze(review),
            Err(SentimentError::EmptyReview),
            "{review:?}"
        );
    }
}

#[test]
fn a_visible_character_among_invisible_ones_is_a_review() {
    assert!(analyze("\u{200b}bad\u{200b}").is_ok());
    assert!(analyze("\u{200b}\u{1f44e}\u{fe0f}").is_ok());
}

#[test]
fn review_of_exactly_max_chars_is_accepted() {
    let review = "good ".repeat(MAX_REVIEW_CHARS / 5);
    assert_eq!(review.chars().count(), MAX_REVIEW_CHARS);
    assert_eq!(analyze(&review).unwrap().label, Label::Positive);
}

#[test]
fn review_one_char_over_max_is_rejected_with_the_limit() {
    let review = "a".repeat(MAX_REVIEW_CHARS + 1);
    assert_eq!(
        analyze(&review),
        Err(SentimentError::ReviewTooLong {
            max_chars: MAX_REVIEW_CHARS
        })
    );
}

#[test]
fn length_is_counted_in_characters_not_bytes() {
    // 'é' is 2 bytes, '😁' is 4: MAX_REVIEW_CHARS of them is accepted…
    for c in ['é', '😁'] {
        let review: String = std::iter::repeat_n(c, MAX_REVIEW_CHARS).collect();
        assert!(review.len() > MAX_REVIEW_CHARS);
        assert!(analyze(&review).is_ok(), "{c}");
        // … and one more is not.
        let review: String = std::iter::repeat_n(c, MAX_REVIEW_CHARS + 1).collect();
        assert_eq!(
            analyze(&review).unwrap_err().code(),
            "review_too_long",
            "{c}"
        );
    }
}

#[test]
fn overlong_whitespace_is_reported_as_too_long() {
    let review = " ".repeat(MAX_REVIEW_CHARS + 1);
    assert_eq!(analyze(&review).unwrap_err().code(), "review_too_long");
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(SentimentError::EmptyReview.code(), "empty_review");
    let too_long = SentimentError::ReviewTooLong { max_chars: 5000 };
    assert_eq!(too_long.code(), "review_too_long");
}

#[test]
fn error_messages_are_readable() {
    assert_eq!(
        SentimentError::EmptyReview.to_string(),
        "review must not be empty"
    );
    assert_eq!(
        SentimentError::ReviewTooLong { max_chars: 5000 }.to_string(),
        "review must be at most 5000 characters"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(SentimentError::EmptyReview);
    assert_eq!(boxed.to_string(), "review must not be empty");
}

#[test]
fn labels_have_lower_case_names() {
    assert_eq!(Label::Positive.as_str(), "positive");
    assert_eq!(Label::Negative.as_str(), "negative");
    assert_eq!(Label::Neutral.as_str(), "neutral");
}

#[test]
fn label_thresholds_follow_the_vader_convention() {
    assert_eq!(Label::from_compound(0.05), Label::Positive);
    assert_eq!(Label::from_compound(0.0499), Label::Neutral);
    assert_eq!(Label::from_compound(0.0), Label::Neutral);
    assert_eq!(Label::from_compound(-0.0499), Label::Neutral);
    assert_eq!(Label::from_compound(-0.05), Label::Negative);
}

#[test]
fn text_without_sentiment_words_is_neutral() {
    let analysis = analyze("The car is blue.").unwrap();
    assert_eq!(analysis.label, Label::Neutral);
    assert_eq!(analysis.score, 0.0);
    assert_eq!(analysis.neutral, 1.0);
}
