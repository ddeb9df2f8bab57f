//! Training on the real data of `data/sentiment/`: the committed weights are
//! what training gives, the served model's held-out quality (the CI guard),
//! determinism, and the version.
//!
//! The full training (two fits, about 15 s in a debug build) runs once and is
//! shared by the tests of this file.

use std::sync::OnceLock;

use sentiment_training::{
    Example, Params, Source, Trained, data, data_dir, is_held_out, prepare, train, train_served,
    version, weights_path,
};

/// QUALITY GUARD. Floors set from the figures of the served model
/// (in-domain held-out accuracy 80.2%, F1 83.2%, Amazon held-out 86.3%;
/// movies → products 84.4%; VADER 66.1% and 76.7% on the same rows) minus
/// about 1 to 2 points, so that a regression fails CI but noise from a
/// retuned model does not. See docs/MODELS.md.
const MIN_ACCURACY: f64 = 0.79;
const MIN_F1: f64 = 0.82;
const MIN_AMAZON_ACCURACY: f64 = 0.84;
const MIN_CROSS_DOMAIN_ACCURACY: f64 = 0.82;
/// The trained model must beat VADER on the same rows by this much.
const MIN_GAIN_OVER_VADER: f64 = 0.10;
const MIN_CROSS_DOMAIN_GAIN_OVER_VADER: f64 = 0.05;

fn trained() -> &'static Trained {
    static TRAINED: OnceLock<Trained> = OnceLock::new();
    TRAINED.get_or_init(|| train_served(&data_dir(), &Params::SERVED).expect("training succeeds"))
}

fn dataset() -> &'static data::Dataset {
    static DATASET: OnceLock<data::Dataset> = OnceLock::new();
    DATASET.get_or_init(|| data::load(&data_dir()).expect("data loads").0)
}

#[test]
fn committed_weights_are_what_training_produces() {
    let trained = trained();
    let committed = std::fs::read_to_string(weights_path()).expect("the weights file is committed");
    assert!(
        committed == trained.weights_file(),
        "{} is stale: run `cargo run -p sentiment-training --release --bin train`",
        weights_path().display()
    );
    // and the served crate was built from it
    assert_eq!(sentiment_model::MODEL_VERSION, trained.version);
    let metrics: Vec<(&str, f64)> = trained.metrics.clone();
    assert_eq!(sentiment_model::METRICS, metrics.as_slice());
}

#[test]
fn quality_guard_in_domain_held_out() {
    let e = &trained().in_domain;
    let (accuracy, vader) = (e.model.accuracy(), e.vader.accuracy());
    assert!(
        accuracy >= MIN_ACCURACY,
        "held-out accuracy {accuracy:.4} < {MIN_ACCURACY}"
    );
    assert!(
        e.model.f1() >= MIN_F1,
        "held-out F1 {:.4} < {MIN_F1}",
        e.model.f1()
    );
    assert!(
        accuracy - vader >= MIN_GAIN_OVER_VADER,
        "accuracy {accuracy:.4} does not beat VADER's {vader:.4} by {MIN_GAIN_OVER_VADER}"
    );
    let amazon = e
        .by_source
        .iter()
        .find(|(s, _)| *s == Source::Amazon)
        .expect("amazon rows held out")
        .1;
    assert!(
        amazon.model.accuracy() >= MIN_AMAZON_ACCURACY,
        "Amazon held-out accuracy {:.4}",
        amazon.model.accuracy()
    );
    assert!(
        e.test_rows >= 2500 && e.train_rows >= 11000,
        "{} / {}",
        e.train_rows,
        e.test_rows
    );
}

#[test]
fn quality_guard_cross_domain() {
    let e = &trained().cross_domain;
    assert_eq!(e.split.test.sources, [Source::Amazon]);
    let (accuracy, vader) = (e.model.accuracy(), e.vader.accuracy());
    assert!(
        accuracy >= MIN_CROSS_DOMAIN_ACCURACY,
        "movies -> products accuracy {accuracy:.4} < {MIN_CROSS_DOMAIN_ACCURACY}"
    );
    assert!(
        accuracy - vader >= MIN_CROSS_DOMAIN_GAIN_OVER_VADER,
        "movies -> products: {accuracy:.4} vs VADER {vader:.4}"
    );
}

/// The static tables of `sentiment-model` (f32 weights, hash look-up)
/// reproduce the held-out accuracy training measured, sentence by sentence.
#[test]
fn served_model_scores_the_held_out_rows_as_training_measured() {
    let trained = trained();
    let params = Params::SERVED;
    let (mut correct, mut total) = (0usize, 0usize);
    for row in dataset()
        .rows
        .iter()
        .filter(|r| r.source.is_split() && is_held_out(&r.text, &params))
    {
        let p = sentiment_model::probability(&row.text);
        let analysis = sentiment_model::analyze(&row.text).expect("a valid review");
        assert!(
            (analysis.score - (2.0 * p - 1.0)).abs() <= 5e-5,
            "{}",
            row.text
        );
        correct += usize::from((p >= 0.5) == row.positive);
        total += 1;
    }
    assert_eq!(total, trained.in_domain.test_rows);
    assert_eq!(
        correct,
        trained.in_domain.model.tp + trained.in_domain.model.tn,
        "served accuracy {:.4}",
        correct as f64 / total as f64
    );
}

#[test]
fn cleaning_drops_the_repeated_sentences_data_readme_states() {
    let c = &dataset().cleaning;
    assert_eq!(c.raw, 14_808);
    assert_eq!(c.empty, 0);
    assert_eq!(c.duplicate, 75);
    assert_eq!(c.duplicate_conflicting, 0);
    // 14,733 clean sentences, then 379 emoji rows of the ranking and the
    // 367 car-review training sentences
    assert_eq!(dataset().rows.len(), 14_733 + 379 + 367);
    assert_eq!(
        dataset()
            .rows
            .iter()
            .filter(|r| r.source == Source::EmojiRanking)
            .count(),
        379
    );
    let count = |s: Source| dataset().rows.iter().filter(|r| r.source == s).count();
    assert_eq!(
        (
            count(Source::Amazon),
            count(Source::Imdb),
            count(Source::RottenTomatoes),
            count(Source::CarReviews)
        ),
        (987, 996, 12_750, 367)
    );
}

#[test]
fn two_trainings_give_identical_weights() {
    let params = Params::SERVED;
    let uci: Vec<data::Row> = dataset()
        .rows
        .iter()
        .filter(|r| r.source != Source::RottenTomatoes)
        .cloned()
        .collect();
    let examples = prepare(&uci, &params);
    let refs: Vec<&Example> = examples.iter().collect();
    let a = train(&refs, &params);
    let b = train(&refs, &params);
    assert_eq!(a, b);
    // bit for bit, not merely ==
    assert!(
        a.terms
            .iter()
            .zip(&b.terms)
            .all(|(x, y)| x.0 == y.0 && x.1.to_bits() == y.1.to_bits())
    );
    assert!(a.terms.len() > 1000);
}

#[test]
fn version_changes_with_the_data_the_parameters_and_the_weights() {
    let params = Params::SERVED;
    let model = &trained().model;
    let data = b"label\ttext\n1\tGreat.\n".to_vec();
    let base = version(&[&data], &params, model);
    assert!(base.starts_with("sentiment-") && base.len() == "sentiment-".len() + 12);
    assert_eq!(base, version(&[&data], &params, model), "deterministic");
    let mut changed = data.clone();
    changed[12] = b'0';
    assert_ne!(base, version(&[&changed], &params, model));
    let other = Params { l2: 3.0, ..params };
    assert_ne!(base, version(&[&data], &other, model));
    let mut tweaked = model.clone();
    tweaked.bias += 0.001;
    assert_ne!(base, version(&[&data], &params, &tweaked));
}

#[test]
fn the_split_depends_only_on_the_text() {
    let params = Params::SERVED;
    let a = is_held_out("A fine film.", &params);
    assert_eq!(a, is_held_out("  a FINE   film. ", &params));
    let held_out = dataset()
        .rows
        .iter()
        .filter(|r| is_held_out(&r.text, &params))
        .count();
    // about one in five
    let share = held_out as f64 / dataset().rows.len() as f64;
    assert!((0.18..0.22).contains(&share), "{share}");
}

#[test]
fn the_challenge_set_has_200_car_sentences_none_of_them_trained_on() {
    let challenge = data::load_challenge(&data_dir()).unwrap();
    assert!(challenge.len() >= 200, "{}", challenge.len());
    let mut categories: Vec<&str> = challenge.iter().map(|r| r.category.as_str()).collect();
    categories.dedup();
    assert_eq!(
        categories,
        [
            "negation", "contrast", "absence", "faults", "plain", "service", "emoji"
        ]
    );
    let trained: std::collections::HashSet<String> = dataset()
        .rows
        .iter()
        .map(|r| data::dedup_key(&r.text))
        .collect();
    for row in &challenge {
        assert!(
            !trained.contains(&data::dedup_key(&row.text)),
            "{}",
            row.text
        );
    }
}

/// The lower-cased words of a sentence (letters and apostrophes), as a set.
fn word_set(text: &str) -> std::collections::HashSet<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphabetic() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The car-review training sentences were written apart from the challenge
/// set, and kept apart: none shares 40% or more of its words (Jaccard
/// index of the two word sets) with any challenge sentence, so none is a
/// copy or a close paraphrase of one (data/README.md).
#[test]
fn the_car_training_sentences_are_no_paraphrases_of_the_challenge_set() {
    let challenge: Vec<_> = data::load_challenge(&data_dir())
        .unwrap()
        .iter()
        .map(|r| (r.text.clone(), word_set(&r.text)))
        .collect();
    let cars: Vec<_> = dataset()
        .rows
        .iter()
        .filter(|r| r.source == Source::CarReviews)
        .collect();
    assert!(cars.len() >= 300, "{}", cars.len());
    for car in cars {
        let words = word_set(&car.text);
        for (text, other) in &challenge {
            let shared = words.intersection(other).count();
            let jaccard = shared as f64 / words.union(other).count() as f64;
            assert!(jaccard < 0.4, "{:?} is close to {text:?}", car.text);
        }
    }
}

/// Published: 92.9% on the challenge set, VADER 65.9% (the target is 90%).
/// The floor leaves about 3 points.
#[test]
fn quality_guard_challenge_set() {
    let trained = trained();
    let total = trained.challenge.total;
    println!("{}", trained.challenge.table());
    assert!(total.model.accuracy() >= 0.90, "{total:?}");
    assert!(
        total.model.accuracy() >= total.vader.accuracy() + 0.20,
        "{total:?}"
    );
}
