//! A model is swapped by composition alone: the same built gateway and
//! sentiment service, composed with the VADER component, the transformer or
//! the cascade instead of the trained sentiment model by changing only the
//! dependencies that name it in spin.toml, answer that model's analyses and
//! version on every sentiment route, while car-value is unchanged.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use wasm_harness::Settings;

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const TRAINED: &str = r#""ml:sentiment/analyzer@0.3.0" = { component = "sentiment" }"#;

/// spin.toml with every sentiment dependency (the gateway's and
/// sentiment-api's) changed to `component`, written elsewhere.
fn manifest_with_analyzer(component: &str) -> PathBuf {
    let line = format!(r#""ml:sentiment/analyzer@0.3.0" = {{ component = "{component}" }}"#);
    common::manifest_with(TRAINED, &line, component)
}

/// Serves the app of `manifest` and answers `requests` (method, path, body)
/// with their statuses and JSON bodies.
/// The answers of the app of `manifest` to `requests`, with the prediction
/// history off: what is compared is the models' answers, not their ids.
fn serve(manifest: &Path, requests: &[(&str, &str, Value)]) -> Vec<(u16, Value)> {
    let settings = Settings {
        environment: vec![("SPIN_VARIABLE_PREDICTION_HISTORY".into(), "off".into())],
        ..Settings::default()
    };
    let url = common::serve(manifest.to_owned(), settings);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    requests
        .iter()
        .map(|(method, path, body)| {
            let request = ureq::http::Request::builder()
                .method(*method)
                .uri(format!("{url}{path}"))
                .body(if body.is_null() {
                    String::new()
                } else {
                    body.to_string()
                })
                .unwrap();
            let mut response = agent.run(request).unwrap();
            let text = response.body_mut().read_to_string().unwrap();
            (
                response.status().as_u16(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

// VADER reads it as positive, the trained model as neutral.
const REVIEW: &str = "Not the worst car I have owned.";

fn requests() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("POST", "/api/review-sentiment", json!({"review": REVIEW})),
        ("GET", "/api/models", Value::Null),
        ("GET", "/v2/models/sentiment", Value::Null),
        (
            "POST",
            "/v2/models/sentiment/infer",
            json!({"inputs": [{"name": "review", "shape": [1], "datatype": "BYTES", "data": [REVIEW]}]}),
        ),
        (
            "POST",
            "/api/car-value",
            json!({"year": 2018, "mileage": 45000}),
        ),
        ("POST", "/api/review-sentiment", json!({"review": " "})),
        ("POST", "/api/review", json!({"review": REVIEW})),
    ]
}

#[test]
fn the_gateway_composed_with_vader_answers_vaders_analyses_and_version() {
    let vader = sentiment_model::api::vader::analyze(REVIEW).unwrap();
    let trained = sentiment_model::api::analyze(REVIEW).unwrap();
    assert_ne!(
        vader.label, trained.label,
        "pick a review the two models disagree on"
    );

    let answers = serve(&manifest_with_analyzer("sentiment-vader"), &requests());
    let [analysis, models, metadata, infer, car_value, empty, service] = &answers[..] else {
        unreachable!()
    };
    assert_eq!(analysis, &(200, serde_json::to_value(&vader).unwrap()));
    assert_eq!(service, analysis, "the sentiment service's own route");
    assert_eq!(models.1["models"][1]["version"], "vader-3.3.2");
    assert_eq!(
        models.1["models"][1]["metrics"]["accuracy"],
        json!(
            sentiment_model::METRICS
                .iter()
                .find(|m| m.0 == "vader_accuracy")
                .unwrap()
                .1
        )
    );
    assert_eq!(metadata.1["versions"], json!(["vader-3.3.2"]));
    assert_eq!(infer.1["model_version"], "vader-3.3.2");
    assert_eq!(infer.1["outputs"][0]["data"], json!([vader.label]));
    // The other model and the API's errors do not change.
    assert_eq!(car_value.1["model_version"], car_value_model::MODEL_VERSION);
    assert_eq!(empty.0, 422);
    assert_eq!(empty.1["error"]["code"], "empty_review");
}

#[test]
fn the_same_gateway_composed_with_the_trained_model_answers_the_trained_models() {
    let answers = serve(&repo().join("spin.toml"), &requests());
    let trained = sentiment_model::api::analyze(REVIEW).unwrap();
    assert_eq!(answers[0], (200, serde_json::to_value(&trained).unwrap()));
    assert_eq!(answers[6], answers[0]);
    assert_eq!(
        answers[1].1["models"][1]["version"],
        sentiment_model::MODEL_VERSION
    );
    assert_eq!(
        answers[3].1["model_version"],
        sentiment_model::MODEL_VERSION
    );
}

/// The transformer's answer as the test expects it from the component: its
/// label and version exactly, its score and confidence to 1e-3 (Wasm's SIMD
/// and the native build round differently in the last bits).
fn assert_transformer_answer(answer: &Value, review: &str) {
    let native = sentiment_transformer_model::api::analyze(review).unwrap();
    assert_eq!(answer["label"], serde_json::to_value(native.label).unwrap());
    assert_eq!(answer["model_version"], native.model_version);
    for field in ["score", "confidence"] {
        let expected = serde_json::to_value(&native).unwrap()[field]
            .as_f64()
            .unwrap();
        let served = answer[field].as_f64().unwrap();
        assert!(
            (served - expected).abs() < 1e-3,
            "{field}: {served} vs {expected}"
        );
    }
}

#[test]
fn the_gateway_composed_with_the_transformer_answers_the_transformers_analyses() {
    let answers = serve(
        &manifest_with_analyzer("sentiment-transformer"),
        &requests(),
    );
    let [analysis, models, _, infer, car_value, empty, service] = &answers[..] else {
        unreachable!()
    };
    assert_eq!(analysis.0, 200);
    assert_transformer_answer(&analysis.1, REVIEW);
    assert_eq!(service, analysis, "the sentiment service's own route");
    let version = sentiment_transformer_model::version();
    assert_eq!(models.1["models"][1]["version"], version);
    assert_eq!(infer.1["model_version"], version);
    assert_eq!(car_value.1["model_version"], car_value_model::MODEL_VERSION);
    assert_eq!(empty.1["error"]["code"], "empty_review");
}

/// The trained model is sure of it (above the cascade's threshold).
const CLEAR_REVIEW: &str = "A wonderful, reliable car: I love it and it is great fun to drive.";

#[test]
fn the_cascade_answers_from_the_trained_model_when_it_is_sure_and_from_the_transformer_otherwise() {
    let sure = sentiment_model::api::analyze(CLEAR_REVIEW).unwrap();
    assert!(sure.confidence >= sentiment_model::CASCADE_CONFIDENCE);
    let unsure = sentiment_model::api::analyze(REVIEW).unwrap();
    assert!(unsure.confidence < sentiment_model::CASCADE_CONFIDENCE);

    let mut requests = requests();
    requests.push((
        "POST",
        "/api/review-sentiment",
        json!({"review": CLEAR_REVIEW}),
    ));
    requests.push((
        "POST",
        "/v2/models/sentiment/infer",
        json!({"inputs": [{"name": "review", "shape": [3], "datatype": "BYTES", "data": [REVIEW, CLEAR_REVIEW, REVIEW]}]}),
    ));
    let answers = serve(&manifest_with_analyzer("sentiment-cascade"), &requests);
    let [
        unsure_answer,
        models,
        _,
        _,
        car_value,
        empty,
        service,
        sure_answer,
        batch,
    ] = &answers[..]
    else {
        unreachable!()
    };
    assert_transformer_answer(&unsure_answer.1, REVIEW);
    assert_eq!(service, unsure_answer, "the sentiment service's own route");
    assert_eq!(sure_answer, &(200, serde_json::to_value(&sure).unwrap()));

    let transformer = sentiment_transformer_model::api::analyze(REVIEW).unwrap();
    let labels = json!([transformer.label, sure.label, transformer.label]);
    assert_eq!(batch.1["outputs"][0]["data"], labels);
    let card = &models.1["models"][1];
    assert_eq!(card["name"], "sentiment-cascade");
    assert_eq!(
        card["version"],
        format!(
            "{}+{}",
            sentiment_model::MODEL_VERSION,
            sentiment_transformer_model::version()
        )
    );
    assert_eq!(
        card["metrics"]["cascade_confidence"],
        sentiment_model::CASCADE_CONFIDENCE
    );
    assert_eq!(car_value.1["model_version"], car_value_model::MODEL_VERSION);
    assert_eq!(empty.1["error"]["code"], "empty_review");
}
