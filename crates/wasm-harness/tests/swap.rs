//! A model is swapped by composition alone: the same built gateway and
//! sentiment service, composed with the VADER component instead of the
//! trained sentiment model by changing only the dependencies that name it in
//! spin.toml, answer VADER's analyses and version on every sentiment route,
//! while car-value is unchanged.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use wasm_harness::Settings;

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const TRAINED: &str = r#""ml:sentiment/analyzer@0.3.0" = { component = "sentiment" }"#;
const VADER: &str = r#""ml:sentiment/analyzer@0.3.0" = { component = "sentiment-vader" }"#;

/// spin.toml with every sentiment dependency (the gateway's and
/// sentiment-api's) changed to `sentiment-vader`, written elsewhere.
fn vader_manifest() -> PathBuf {
    common::manifest_with(TRAINED, VADER, "vader")
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

    let answers = serve(&vader_manifest(), &requests());
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
