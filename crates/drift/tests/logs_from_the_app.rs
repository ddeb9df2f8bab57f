//! The drift report on payload logs the built components wrote (`make
//! build`) while the harness served them: traffic from the held-out side of
//! both models' splits has not drifted, nor has it when callers leave a
//! listing detail out; the same traffic with mileage doubled and every car in
//! `fair` condition drifts on those two inputs only.

use car_value_training::eval::{SPLIT_SEED, split};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wasm_harness::{App, Follow, Settings};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The held-out listings as `/api/car-value` bodies, with the details they
/// give.
fn held_out_cars() -> Vec<Value> {
    let listings = car_value_training::load_listings(data_dir().join("cars/listings.csv")).unwrap();
    let (_, held_out) = split(&car_value_training::clean::clean(listings).rows, SPLIT_SEED);
    held_out
        .iter()
        .map(|row| {
            let mut body = json!({"year": row.year, "mileage": row.mileage});
            for (field, value) in [
                ("model", &row.model),
                ("condition", &row.condition),
                ("title_status", &row.title_status),
                ("fuel", &row.fuel),
                ("transmission", &row.transmission),
                ("type", &row.body_type),
            ] {
                if !value.is_empty() {
                    body[field] = json!(value);
                }
            }
            body
        })
        .collect()
}

/// The held-out sentences as `/api/review-sentiment` bodies.
fn held_out_reviews() -> Vec<Value> {
    use sentiment_training::{Params, data, is_held_out};
    let (dataset, _) = data::load(&data_dir()).unwrap();
    dataset
        .rows
        .iter()
        .filter(|row| is_held_out(&row.text, &Params::SERVED))
        .map(|row| json!({"review": row.text}))
        .collect()
}

/// The log files of one run of the app: held-out traffic, the same cars
/// without their title status (which most callers do not send), then the
/// held-out traffic shifted.
struct Logs {
    held_out: PathBuf,
    without_title_status: PathBuf,
    shifted: PathBuf,
}

/// Serves the app with the default payload level (no `SPIN_VARIABLE_…`),
/// its logs in a fresh directory; sends the held-out traffic, then the
/// shifted traffic, keeping the gateway's log of each.
fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("car-ml-drift-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let settings = Settings {
            log_dir: Some(dir.join("logs")),
            follow: Follow::None,
            environment: Vec::new(),
            ..Settings::default()
        };
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spin.toml");
        let app = App::load_with_settings(&manifest, &settings).expect("the built app loads");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime
            .block_on(app.serve(([127, 0, 0, 1], 0).into()))
            .unwrap();
        let gateway_log = wasm_harness::stdio::log_file(&dir.join("logs"), "gateway", "stdout");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let send = |path: &str, bodies: &[Value]| {
            for body in bodies {
                agent
                    .post(format!("{}{path}", server.url()))
                    .send(body.to_string())
                    .expect("the app answers");
            }
        };
        let keep = |name: &str| {
            let kept = dir.join(name);
            std::fs::copy(&gateway_log, &kept).unwrap();
            std::fs::File::create(&gateway_log).unwrap(); // empties it
            kept
        };
        let cars = held_out_cars();
        let reviews = held_out_reviews();
        send("/api/car-value", &cars);
        send("/api/review-sentiment", &reviews);
        let held_out = keep("held-out.txt");
        let cars_without_title_status: Vec<Value> = cars
            .iter()
            .map(|car| {
                let mut car = car.clone();
                car.as_object_mut().unwrap().remove("title_status");
                car
            })
            .collect();
        send("/api/car-value", &cars_without_title_status);
        let without_title_status = keep("without-title-status.txt");
        let shifted_cars: Vec<Value> = cars
            .iter()
            .map(|car| {
                let mut car = car.clone();
                let mileage = car["mileage"].as_f64().unwrap();
                car["mileage"] = json!((2.0 * mileage).min(car_value_model::MAX_MILEAGE));
                car["condition"] = json!("fair");
                car
            })
            .collect();
        send("/api/car-value", &shifted_cars);
        send("/api/review-sentiment", &reviews);
        let shifted = keep("shifted.txt");
        Logs {
            held_out,
            without_title_status,
            shifted,
        }
    })
}

/// Runs `drift` on `log`: its exit status and stdout.
fn drift(log: &Path) -> (i32, String) {
    run(Command::new(env!("CARGO_BIN_EXE_drift")).arg(log))
}

/// Runs the documented command, `scripts/drift LOG`, as a cron job or a CI
/// step would: its exit status and stdout.
fn scripts_drift(log: &Path) -> (i32, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    run(Command::new(root.join("scripts/drift")).arg(log))
}

fn run(command: &mut Command) -> (i32, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn drifted_features(log: &Path) -> Vec<&'static str> {
    let reference = drift::reference(&data_dir()).unwrap();
    let log = drift::Log::read(log).unwrap();
    drift::compare(&reference, &log)
        .into_iter()
        .filter(|c| c.drifted())
        .map(|c| c.feature)
        .collect()
}

#[test]
fn every_line_the_gateway_printed_is_a_payload_line_of_an_answered_request() {
    let log = drift::Log::read(&logs().held_out).unwrap();
    assert_eq!(log.other_lines, 0);
    let cars = log.lines.iter().filter(|l| l.car.is_some()).count();
    let reviews = log.lines.iter().filter(|l| l.review.is_some()).count();
    assert!(cars > 500 && cars <= held_out_cars().len(), "{cars}");
    assert_eq!(reviews, held_out_reviews().len());
    assert!(
        log.lines
            .iter()
            .all(|l| l.review.as_ref().is_none_or(|r| r.text.is_none()))
    );
}

#[test]
fn held_out_traffic_has_not_drifted() {
    let (status, table) = drift(&logs().held_out);
    assert_eq!(status, 0, "{table}");
    assert!(table.contains("no drift"), "{table}");
    assert_eq!(drifted_features(&logs().held_out), Vec::<&str>::new());
}

#[test]
fn a_detail_callers_leave_out_is_reported_as_missing_not_as_drift() {
    let (status, table) = drift(&logs().without_title_status);
    assert_eq!(status, 0, "{table}");
    let row = table
        .lines()
        .find(|line| line.starts_with("car.title_status"))
        .expect("a row for the title status");
    assert!(
        row.contains("% / 100%") && row.ends_with("none given"),
        "{row}"
    );
    let condition = table
        .lines()
        .find(|line| line.starts_with("car.condition"))
        .unwrap();
    assert!(condition.ends_with(" no"), "{condition}");
}

#[test]
fn shifted_traffic_drifts_on_the_shifted_inputs_only() {
    let (status, table) = drift(&logs().shifted);
    assert_eq!(status, 1, "{table}");
    let drifted = drifted_features(&logs().shifted);
    let inputs: Vec<&str> = drifted
        .iter()
        .copied()
        .filter(|name| {
            drift::FEATURES
                .iter()
                .any(|f| f.name == *name && f.role == drift::Role::Input)
        })
        .collect();
    assert_eq!(inputs, ["car.mileage", "car.condition"], "{table}");
    assert!(
        drifted.iter().all(|name| name.starts_with("car.")),
        "{table}"
    );
}

#[test]
fn the_report_is_a_self_contained_html_page_next_to_the_log() {
    drift(&logs().shifted);
    let page = std::fs::read_to_string(logs().shifted.with_file_name("shifted.drift.html"))
        .expect("the report is written next to the log");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        page.matches("<svg").count(),
        page.matches("class=\"feature\"").count()
    );
    assert!(
        page.contains("Drift in car.mileage, car.condition"),
        "{page}"
    );
    for outside in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(!page.contains(outside), "the page loads {outside}");
    }
}

#[test]
fn the_documented_command_exits_0_without_drift_1_with_it_and_2_without_a_report() {
    assert_eq!(scripts_drift(&logs().held_out).0, 0);
    assert_eq!(scripts_drift(&logs().shifted).0, 1);
    let missing = logs().held_out.with_file_name("no-such-log.txt");
    assert_eq!(scripts_drift(&missing).0, 2);
}

#[test]
fn a_log_without_payload_lines_is_unreadable() {
    let path = logs().held_out.with_file_name("other-output.txt");
    std::fs::write(&path, "Serving http://127.0.0.1:3000\n").unwrap();
    assert_eq!(drift(&path).0, 2);
    assert_eq!(drift(&path.with_file_name("missing.txt")).0, 2);
}

/// An export of the prediction history (`scripts/history-export`) whose
/// records have feedback: the report's figures from it are the live figures
/// `GET /api/models` gives.
#[test]
fn an_export_of_the_history_reports_the_figures_from_its_feedback() {
    let dir = std::env::temp_dir().join(format!("car-ml-drift-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let settings = Settings {
        follow: Follow::None,
        environment: Vec::new(),
        ..Settings::default()
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spin.toml");
    let url = App::spawn(manifest, settings).expect("the built app starts");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |path: &str, body: Value| -> Value {
        let mut answer = agent
            .post(format!("{url}{path}"))
            .send(body.to_string())
            .expect("the app answers");
        serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap()
    };
    for (car, sold, review, label) in [
        (
            held_out_cars()[0].clone(),
            18_000,
            "Smooth and quiet.",
            "positive",
        ),
        (
            held_out_cars()[1].clone(),
            9_000,
            "The transmission failed.",
            "positive",
        ),
        (
            held_out_cars()[2].clone(),
            31_000,
            "It is a car.",
            "neutral",
        ),
    ] {
        let mut body = car;
        body["review"] = json!(review);
        let id = post("/api/car-analysis", body)["prediction_id"]
            .as_str()
            .unwrap()
            .to_owned();
        post(
            &format!("/api/predictions/{id}/feedback"),
            json!({"sold_price_usd": sold, "label": label}),
        );
    }
    let export = dir.join("history.jsonl");
    let exported =
        Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/history-export"))
            .arg(&url)
            .output()
            .expect("scripts/history-export runs");
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    std::fs::write(&export, &exported.stdout).unwrap();

    let log = drift::Log::read(&export).unwrap();
    assert_eq!(
        (log.lines.len(), log.feedback.len(), log.other_lines),
        (3, 3, 0)
    );
    let mut models: Value = serde_json::from_str(
        &agent
            .get(format!("{url}/api/models"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    for (model, version, figures) in log.feedback_figures() {
        let served = models["models"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|served| served["name"] == model.name() && served["version"] == version)
            .expect("a served model version");
        let mut live = serde_json::to_value(&figures).unwrap();
        live["window_days"] = served["live"]["window_days"].clone();
        assert_eq!(live, served["live"], "{}", model.name());
    }
    let (status, report) = drift(&export);
    assert!(status == 0 || status == 1, "{report}");
    assert!(report.contains("from feedback"), "{report}");
    assert!(report.contains("3 with feedback"), "{report}");
}
