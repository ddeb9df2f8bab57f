//! Payload logs as the built components (`make build`) print them, read from
//! the log files the harness writes as `spin up` does
//! (`<log dir>/<component>_stdout.txt`), at the level the Spin variable
//! `payload_log` sets through `SPIN_VARIABLE_PAYLOAD_LOG`.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wasm_harness::{Follow, Settings};

mod common;

/// A running app and its log directory.
struct Served {
    url: String,
    log_dir: PathBuf,
}

/// Serves the built app with `SPIN_VARIABLE_PAYLOAD_LOG=<level>`, logging to
/// a fresh directory named for `name`.
fn serve(name: &str, level: &str) -> Served {
    let log_dir =
        std::env::temp_dir().join(format!("car-ml-payload-logs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&log_dir);
    let settings = Settings {
        log_dir: Some(log_dir.clone()),
        follow: Follow::None,
        environment: vec![("SPIN_VARIABLE_PAYLOAD_LOG".into(), level.into())],
        ..Settings::default()
    };
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
    Served {
        url: common::serve(manifest.into(), settings),
        log_dir,
    }
}

fn full() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| serve("full", "full"))
}

/// An app of its own for the test that moves its log files.
fn rotated() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| serve("rotated", "full"))
}

fn off() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| serve("off", "off"))
}

impl Served {
    /// Sends a request; its status.
    fn send(&self, method: &str, path: &str, body: Value) -> u16 {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url))
            .body(if body.is_null() {
                String::new()
            } else {
                body.to_string()
            })
            .unwrap();
        agent
            .run(request)
            .expect("the app answers")
            .status()
            .as_u16()
    }

    /// The lines of `component`'s stdout log that mention `marker`.
    fn lines(&self, component: &str, marker: &str) -> Vec<Value> {
        let path = wasm_harness::stdio::log_file(&self.log_dir, component, "stdout");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        text.lines()
            .filter(|line| line.contains(marker))
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect()
    }
}

/// A review no other test sends, to find its line.
fn unique_review(tag: &str) -> String {
    format!("A smooth and quiet car, test {tag} {}.", std::process::id())
}

#[test]
fn a_gateway_prediction_is_one_line_in_the_gateways_log_with_both_models() {
    let review = unique_review("analysis");
    let body = json!({"year": 2018, "mileage": 45000, "fuel": "Gas", "review": review});
    assert_eq!(full().send("POST", "/api/car-analysis", body), 200);
    let lines = full().lines("gateway", &review);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["schema"], "car-ml.prediction.v1");
    assert_eq!(line["route"], "/api/car-analysis");
    assert!(line["duration_us"].as_u64().unwrap() > 0);
    assert_eq!(line["car"]["year"], 2018);
    assert_eq!(line["car"]["fuel"], "gas");
    assert_eq!(line["car"]["model_version"], car_value_model::MODEL_VERSION);
    assert_eq!(line["review"]["text"], review.as_str());
    assert_eq!(line["review"]["chars"], review.chars().count());
    assert_eq!(
        line["review"]["model_version"],
        sentiment_model::MODEL_VERSION
    );
}

#[test]
fn a_line_longer_than_one_stdout_write_arrives_whole() {
    // At level full with a review of the longest length: a line of about
    // 20 KB, over the 4,096 bytes one `blocking-write-and-flush` takes.
    let review = format!("{} {}", unique_review("long"), "é".repeat(4_900));
    let body = json!({"year": 2018, "mileage": 45000, "review": review});
    assert_eq!(full().send("POST", "/api/car-analysis", body), 200);
    let lines = full().lines("gateway", &unique_review("long"));
    assert_eq!(lines.len(), 1, "{} lines", lines.len());
    assert_eq!(lines[0]["review"]["text"], review.as_str());
    assert_eq!(lines[0]["review"]["chars"], review.chars().count());
}

/// Each model service's own route is served by its HTTP component (the
/// model composed in), which reads `payload_log` as the gateway does and logs
/// to its own log file.
#[test]
fn each_model_services_route_logs_to_its_own_components_log_at_the_level_set() {
    // A review of a length no other test sends, to find its line.
    let review = format!(
        "Quiet. {}",
        "a".repeat(3000 + (std::process::id() % 1000) as usize)
    );
    let chars = review.chars().count();
    let marker = format!("\"chars\":{chars}");
    assert_eq!(
        full().send("POST", "/api/review", json!({"review": review})),
        200
    );
    let lines = full().lines("sentiment-api", &marker);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["route"], "/api/review");
    assert_eq!(lines[0]["review"]["text"], review.as_str());
    assert_eq!(full().lines("gateway", &marker).len(), 0);

    let mileage = 12_345.5 + f64::from(std::process::id() % 1000);
    let body = json!({"year": 2015, "mileage": mileage});
    assert_eq!(full().send("POST", "/api/trade", body.clone()), 200);
    let marker = format!("\"mileage\":{mileage}");
    let lines = full().lines("car-value-api", &marker);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["route"], "/api/trade");
    assert_eq!(off().send("POST", "/api/trade", body), 200);
    assert_eq!(off().lines("car-value-api", &marker).len(), 0);
}

#[test]
fn a_refused_request_is_not_logged() {
    let review = unique_review("refused");
    let body = json!({"year": 1900, "mileage": 1, "review": review});
    assert_eq!(full().send("POST", "/api/car-analysis", body), 422);
    assert_eq!(full().lines("gateway", &review).len(), 0);
}

#[test]
fn at_level_off_the_gateway_logs_nothing() {
    let review = unique_review("off");
    assert_eq!(
        off().send("POST", "/api/review-sentiment", json!({"review": review})),
        200
    );
    assert_eq!(off().lines("gateway", "").len(), 0);
}

#[test]
fn a_log_file_moved_away_is_started_anew_by_the_next_request() {
    // As on Spin, each request opens the log files: rotating a log by
    // moving it needs no restart and loses no line.
    let served = rotated();
    let (before, after) = (
        unique_review("before rotation"),
        unique_review("after rotation"),
    );
    let body = |review: &str| json!({"review": review});
    assert_eq!(
        served.send("POST", "/api/review-sentiment", body(&before)),
        200
    );
    let log = wasm_harness::stdio::log_file(&served.log_dir, "gateway", "stdout");
    let rotated = log.with_extension("txt.1");
    std::fs::rename(&log, &rotated).unwrap();
    assert_eq!(
        served.send("POST", "/api/review-sentiment", body(&after)),
        200
    );
    assert_eq!(served.lines("gateway", &before).len(), 0);
    assert_eq!(served.lines("gateway", &after).len(), 1);
    let old = std::fs::read_to_string(&rotated).unwrap();
    assert!(old.contains(&before) && !old.contains(&after), "{old}");
}

#[test]
fn the_log_files_are_named_as_spin_names_them() {
    assert_eq!(
        wasm_harness::stdio::log_file(Path::new(".spin/logs"), "car-value", "stdout"),
        Path::new(".spin/logs/car-value_stdout.txt")
    );
}
