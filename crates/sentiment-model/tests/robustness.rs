//! Arbitrary input never panics and always yields scores in range.

use sentiment_model::vader::analyze;
use sentiment_model::{MAX_REVIEW_CHARS, polarity_scores};

fn odd_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = [
        "!",
        "?",
        "!!!!!!!!!!!!!!!!!!",
        "????????",
        "...,,,;;;:::",
        "'\"`~@#$%^&*()_+-=[]{}|\\/<>",
        ":) :( :D :-P",
        "😁",
        "😁😁😁😁😁😁",
        "🇫🇷👍🏽👨‍👩‍👧☺️",
        "but",
        "BUT BUT but",
        "no",
        "no no no no",
        "not",
        "least",
        "kind of",
        "kind",
        "very",
        "VERY",
        "the shit",
        "never so",
        "without doubt",
        "a b c but",
        "İSTANBUL ΣΟΦΟΣ ǅemal ß ẞ",
        "日本語のレビュー",
        "مراجعة ممتازة",
        "Отличная машина!",
        "mixed العربية and English 日本 good",
        "\u{0}\u{1}\u{7}\u{1b}[31m\u{7f}",
        "\u{200b}\u{200d}\u{feff}\u{fffd}",
        "\u{301}\u{301}\u{301}",
        "good\u{0}bad",
        "\u{10ffff}",
        "a\u{1c}b\u{1d}c\u{1e}d\u{1f}e",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push("a".repeat(MAX_REVIEW_CHARS));
    inputs.push("GOOD".repeat(MAX_REVIEW_CHARS / 4));
    inputs.push("!".repeat(MAX_REVIEW_CHARS));
    inputs.push("😁 ".repeat(MAX_REVIEW_CHARS / 2));
    inputs.push("not good but bad ".repeat(MAX_REVIEW_CHARS / 17));
    inputs.push("no ".repeat(MAX_REVIEW_CHARS / 3));
    // every lexicon-ish neighbour of every rule, in many orders
    let words = [
        "no", "or", "nor", "but", "least", "at", "very", "kind", "of", "sort", "never", "so",
        "this", "without", "doubt", "the", "shit", "good", "BAD", "isn't", "!", "?", "😁",
    ];
    for i in 0..words.len() {
        for j in 0..words.len() {
            for k in 0..words.len() {
                inputs.push(format!("{} {} {} good", words[i], words[j], words[k]));
            }
        }
    }
    inputs
}

#[test]
fn odd_inputs_never_panic_and_stay_in_range() {
    for input in odd_inputs() {
        let scores = polarity_scores(&input);
        for (what, value) in [
            ("compound", scores.compound),
            ("pos", scores.pos),
            ("neg", scores.neg),
            ("neu", scores.neu),
        ] {
            assert!(value.is_finite(), "{what} of {input:?} is {value}");
        }
        assert!((-1.0..=1.0).contains(&scores.compound), "{input:?}");
        for share in [scores.pos, scores.neg, scores.neu] {
            assert!((0.0..=1.0).contains(&share), "{input:?}");
        }
        if let Ok(analysis) = analyze(&input) {
            assert_eq!(analysis.score, scores.compound);
        }
    }
}

#[test]
fn shares_add_up_to_one_within_rounding() {
    for input in odd_inputs() {
        let scores = polarity_scores(&input);
        let total = scores.pos + scores.neg + scores.neu;
        assert!((total - 1.0).abs() <= 0.002, "{input:?}: {total}");
    }
}

#[test]
fn text_without_tokens_scores_all_zeros_like_vader() {
    let scores = polarity_scores(" \t\n");
    assert_eq!(
        (scores.compound, scores.pos, scores.neg, scores.neu),
        (0.0, 0.0, 0.0, 0.0)
    );
}

#[test]
fn very_long_words_are_scored() {
    let word = "x".repeat(MAX_REVIEW_CHARS - 10);
    let analysis = analyze(&format!("{word} great")).unwrap();
    assert!(analysis.score > 0.0);
}
