//! Agreement with the reference VADER on real labelled review sentences:
//! `data/sentiment/uci_amazon_imdb.tsv` (columns source, label, text; label 1
//! positive, 0 negative; 1000 Amazon and 1000 IMDb sentences).
//!
//! The expected figures were computed once with vaderSentiment 3.3.2
//! (CPython 3.11) over the same file. During development every one of the
//! 2000 compound scores was also compared with Python's, and all were equal.

use sentiment_model::Label;
use sentiment_model::vader::analyze;

const DATASET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/sentiment/uci_amazon_imdb.tsv"
);

/// Sentences of the file for which "positive when compound >= 0" matches the
/// human label, according to vaderSentiment 3.3.2.
const PYTHON_CORRECT: usize = 1539;
/// ... out of this many (so 76.95 %).
const PYTHON_TOTAL: usize = 2000;
/// vaderSentiment's labels (compound >= 0.05 / <= -0.05 / else) over the file.
const PYTHON_POSITIVE: usize = 975;
const PYTHON_NEGATIVE: usize = 622;
const PYTHON_NEUTRAL: usize = 403;
/// The sum of vaderSentiment's (rounded) compound scores over the file.
const PYTHON_COMPOUND_SUM: f64 = 244.7644;

struct Row {
    positive: bool,
    text: String,
}

fn rows() -> Vec<Row> {
    let data = std::fs::read_to_string(DATASET).expect("dataset readable");
    let mut lines = data.lines();
    assert_eq!(lines.next(), Some("source\tlabel\ttext"));
    lines
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let (_source, label, text) = (fields.next(), fields.next(), fields.next());
            Row {
                positive: match label {
                    Some("1") => true,
                    Some("0") => false,
                    other => panic!("bad label {other:?} in {line:?}"),
                },
                text: text.expect("a text column").to_owned(),
            }
        })
        .collect()
}

#[test]
fn accuracy_on_uci_sentences_matches_python_vader() {
    let rows = rows();
    assert_eq!(rows.len(), PYTHON_TOTAL);
    let correct = rows
        .iter()
        .filter(|row| {
            let analysis = analyze(&row.text).expect("valid review");
            (analysis.score >= 0.0) == row.positive
        })
        .count();
    let accuracy = correct as f64 / rows.len() as f64;
    let python_accuracy = PYTHON_CORRECT as f64 / PYTHON_TOTAL as f64;
    assert!(
        (accuracy - python_accuracy).abs() <= 0.005,
        "accuracy {accuracy:.4}, vaderSentiment 3.3.2 gives {python_accuracy:.4}"
    );
    assert_eq!(correct, PYTHON_CORRECT, "same sentences right as Python");
}

#[test]
fn labels_on_uci_sentences_match_python_vader() {
    let (mut positive, mut negative, mut neutral) = (0, 0, 0);
    for row in rows() {
        match analyze(&row.text).expect("valid review").label {
            Label::Positive => positive += 1,
            Label::Negative => negative += 1,
            Label::Neutral => neutral += 1,
        }
    }
    assert_eq!(
        (positive, negative, neutral),
        (PYTHON_POSITIVE, PYTHON_NEGATIVE, PYTHON_NEUTRAL)
    );
}

#[test]
fn compound_scores_on_uci_sentences_sum_to_python_vaders_total() {
    let sum: f64 = rows()
        .iter()
        .map(|row| analyze(&row.text).expect("valid review").score)
        .sum();
    assert!(
        (sum - PYTHON_COMPOUND_SUM).abs() < 1e-6,
        "sum {sum}, vaderSentiment 3.3.2 gives {PYTHON_COMPOUND_SUM}"
    );
}

#[test]
fn trace_shares_add_up_to_the_compound_score_on_uci_sentences() {
    for row in rows() {
        let trace = sentiment_model::vader::trace(&row.text);
        let scores = sentiment_model::polarity_scores(&row.text);
        let rounded = (trace.compound * 1e4).round() / 1e4;
        assert!(
            (rounded - scores.compound).abs() < 1e-9,
            "{:?}: trace {} vs {}",
            row.text,
            trace.compound,
            scores.compound
        );
        let shares: f64 = trace
            .words
            .iter()
            .map(|(_, v)| v * trace.scale())
            .sum::<f64>()
            + trace.emphasis * trace.scale();
        assert!((shares - trace.compound).abs() < 1e-12, "{:?}", row.text);
    }
}
