//! The served model (`analyze`) as a specification: labels of clear car
//! reviews, the neutral rule, explanations, ranges, errors, version and
//! metrics. Its held-out accuracy is re-measured from the data by the tests
//! of `sentiment-training` (`tests/real_data.rs`).

use sentiment_model::{
    Label, MAX_EXPLANATION_TERMS, MAX_REVIEW_CHARS, METRICS, MIN_EXPLAINED_WEIGHT, MODEL_VERSION,
    NEUTRAL_BAND, SentimentError, analyze, probability, vader,
};

fn metric(name: &str) -> f64 {
    METRICS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("metric {name} missing from {METRICS:?}"))
        .1
}

fn terms(review: &str) -> Vec<String> {
    analyze(review)
        .unwrap()
        .explanation
        .into_iter()
        .map(|t| t.term)
        .collect()
}

#[test]
fn clear_positive_car_reviews_are_positive() {
    for review in [
        "Great car!",
        "I love this car, it drives beautifully.",
        "Smooth ride, quiet cabin and excellent fuel economy.",
        "Reliable, comfortable and cheap to run.",
        "Highly recommended!",
        "Best car I have ever owned.",
    ] {
        let a = analyze(review).unwrap();
        assert_eq!(a.label, Label::Positive, "{review}: {a:?}");
    }
}

#[test]
fn clear_negative_car_reviews_are_negative() {
    for review in [
        "The engine died after a week.",
        "Terrible mileage and the seats are uncomfortable.",
        "The transmission is not good.",
        "The dealer was rude and the car broke down twice.",
        "Worst purchase I have ever made.",
        "Not worth the money.",
    ] {
        let a = analyze(review).unwrap();
        assert_eq!(a.label, Label::Negative, "{review}: {a:?}");
    }
}

#[test]
fn plain_facts_are_neutral() {
    for review in ["The car is blue.", "The car is red.", "It's a car."] {
        let a = analyze(review).unwrap();
        assert_eq!(a.label, Label::Neutral, "{review}: {a:?}");
        assert!(a.score.abs() < NEUTRAL_BAND);
    }
}

/// A known miss, kept visible (docs/MODELS.md, "The answer"): critics'
/// lists of qualities taught the model that "and" leans positive, so a list
/// of features reads as mild praise.
#[test]
fn a_list_of_features_leans_positive() {
    let a = analyze("It has four doors and a sunroof.").unwrap();
    assert!(a.score > 0.0 && a.score < 0.3, "{a:?}");
    assert!(
        a.explanation
            .iter()
            .any(|t| t.term == "and" && t.weight > 0.0),
        "{a:?}"
    );
}

/// A known miss, kept visible (docs/MODELS.md, "The answer"): owners who
/// say when they bought a car mostly go on to praise it, so the bare fact
/// reads as mild praise, just outside the neutral band.
#[test]
fn a_purchase_date_leans_positive() {
    let a = analyze("I bought it in 2019.").unwrap();
    assert!(a.score > 0.0 && a.score < 0.4, "{a:?}");
    assert!(
        a.explanation
            .iter()
            .any(|t| t.term == "i bought" && t.weight > 0.0),
        "{a:?}"
    );
}

#[test]
fn neutral_rule_is_the_band_around_one_half() {
    // The label is a function of the score only: neutral inside the band.
    for review in [
        "The car is blue.",
        "Great car!",
        "Handles well but the engine is noisy.",
        "Meh.",
    ] {
        let a = analyze(review).unwrap();
        assert_eq!(a.label, Label::from_score(a.score), "{review}");
        assert_eq!(a.label == Label::Neutral, a.score.abs() < NEUTRAL_BAND);
    }
    const { assert!(NEUTRAL_BAND > 0.0 && NEUTRAL_BAND < 0.5) };
}

#[test]
fn great_drives_great_car() {
    let a = analyze("Great car!").unwrap();
    assert_eq!(a.explanation[0].term, "great");
    assert!(a.explanation[0].weight > 1.0, "{a:?}");
    // the word names the thing reviewed: it is no evidence either way
    assert!(!terms("Great car!").iter().any(|t| t.contains("car")));
}

#[test]
fn negative_words_drive_negative_reviews() {
    // "died" is a fault word: the word and its class drive the answer
    let a = analyze("The engine died after a week.").unwrap();
    let mut top: Vec<&str> = a.explanation[..2].iter().map(|t| t.term.as_str()).collect();
    top.sort_unstable();
    assert_eq!(top, ["(fault word)", "died"], "{a:?}");
    assert!(a.explanation[..2].iter().all(|t| t.weight < 0.0));
    let a = analyze("The transmission is not good.").unwrap();
    assert_eq!(a.explanation[0].term, "not_good", "{a:?}");
    assert!(a.explanation[0].weight < 0.0);
}

#[test]
fn explanations_are_short_sorted_and_signed() {
    for review in [
        "Great car!",
        "Smooth ride, quiet cabin and excellent fuel economy, but the dealer was rude and slow.",
        "The car is blue.",
        "😁😁 lovely",
    ] {
        let a = analyze(review).unwrap();
        assert!(a.explanation.len() <= MAX_EXPLANATION_TERMS);
        for pair in a.explanation.windows(2) {
            assert!(pair[0].weight.abs() >= pair[1].weight.abs(), "{a:?}");
        }
        for term in &a.explanation {
            assert!(term.weight.abs() >= MIN_EXPLAINED_WEIGHT);
            assert!(term.weight.is_finite());
            assert!(!term.term.is_empty());
        }
    }
}

#[test]
fn vader_words_outside_the_vocabulary_are_explained_too() {
    // emoji are no word features, but VADER scores their descriptions
    let a = analyze("😁").unwrap();
    assert!(a.explanation.iter().any(|t| t.weight > 0.0), "{a:?}");
}

#[test]
fn score_and_confidence_stay_in_range_on_odd_input() {
    let mut inputs: Vec<String> = [
        "!",
        "?",
        "😁",
        "🇫🇷👍🏽",
        "not",
        "no no no",
        "but",
        "İSTANBUL ΣΟΦΟΣ",
        "日本語のレビュー",
        "a\u{0}\u{7f}",
        "a\u{1c}b",
        "don't't",
        "n't",
        "'''",
        "car car car",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push("great ".repeat(MAX_REVIEW_CHARS / 6));
    inputs.push("awful! ".repeat(MAX_REVIEW_CHARS / 7));
    inputs.push("x".repeat(MAX_REVIEW_CHARS));
    for input in inputs {
        let a = analyze(&input).unwrap();
        assert!((-1.0..=1.0).contains(&a.score), "{input:?}: {a:?}");
        assert!((0.5..=1.0).contains(&a.confidence), "{input:?}: {a:?}");
        let p = probability(&input);
        assert!((a.score - (2.0 * p - 1.0)).abs() <= 5e-5);
        assert!((a.confidence - p.max(1.0 - p)).abs() <= 5e-5);
    }
    assert_eq!(
        analyze(&"great ".repeat(800)).unwrap().label,
        Label::Positive
    );
    assert_eq!(
        analyze(&"awful! ".repeat(700)).unwrap().label,
        Label::Negative
    );
}

#[test]
fn confidence_grows_with_the_evidence() {
    let mild = analyze("Good car.").unwrap();
    let strong = analyze("Excellent, wonderful, superb car. I love it!").unwrap();
    assert!(strong.confidence > mild.confidence, "{mild:?} {strong:?}");
}

#[test]
fn errors_are_those_of_the_vader_baseline() {
    assert_eq!(analyze(""), Err(SentimentError::EmptyReview));
    assert_eq!(analyze(" \t\u{a0}\u{1f}"), Err(SentimentError::EmptyReview));
    let too_long = "a".repeat(MAX_REVIEW_CHARS + 1);
    assert_eq!(
        analyze(&too_long),
        Err(SentimentError::ReviewTooLong {
            max_chars: MAX_REVIEW_CHARS
        })
    );
    assert_eq!(
        analyze(&" ".repeat(MAX_REVIEW_CHARS + 1))
            .unwrap_err()
            .code(),
        "review_too_long"
    );
    assert!(analyze(&"é".repeat(MAX_REVIEW_CHARS)).is_ok());
    for input in ["", " ", "ok", &too_long] {
        assert_eq!(
            analyze(input).err(),
            vader::analyze(input).err(),
            "{input:?}"
        );
    }
}

#[test]
fn version_names_a_trained_model() {
    let hex = MODEL_VERSION
        .strip_prefix("sentiment-")
        .expect("sentiment- prefix");
    assert_eq!(hex.len(), 12, "{MODEL_VERSION}");
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
}

/// Floors on the figures the model was built with; the same floors guard
/// figures recomputed from the data in `sentiment-training/tests`.
#[test]
fn metrics_of_the_served_model_clear_the_quality_floors() {
    assert!(metric("accuracy") >= 0.79);
    assert!(metric("accuracy") - metric("vader_accuracy") >= 0.10);
    assert!(metric("accuracy_amazon") >= 0.83);
    assert!(metric("cross_domain_accuracy") >= 0.82);
    assert!(metric("cross_domain_accuracy") - metric("vader_cross_domain_accuracy") >= 0.05);
    assert!(metric("f1") >= 0.81);
    assert!(metric("test_rows") >= 2500.0);
    for (name, value) in METRICS {
        assert!(value.is_finite() && *value >= 0.0, "{name}");
    }
}
