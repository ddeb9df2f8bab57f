//! The app's HTTP API, served from the real built components (`make build`)
//! on wasmtime, routed by spin.toml, with the gateway composed with both
//! models: every route with good input, and bad input on every route.

use api::MAX_BODY_BYTES;
use car_value_model::{Car, MAX_MILEAGE, MAX_YEAR, MIN_YEAR};
use common::Runtime;
use sentiment_model::MAX_REVIEW_CHARS;
use serde_json::{Value, json};
use std::sync::OnceLock;
use wasm_harness::{App, MemoryReset, Settings};

mod common;

/// The URL of the app, started once for all tests.
fn app_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
        common::serve(manifest.into(), Settings::default())
    })
}

/// An answer: its status, `Allow` header and JSON body, without the ids its
/// predictions are kept under (`send` checks them against the header; the
/// prediction history's own tests are `tests/history.rs`).
#[derive(Debug)]
struct Reply {
    status: u16,
    allow: Option<String>,
    body: Value,
}

/// What an exchange records for a prediction id, which a random nonce and the
/// order the tests run in set: an id of the documented form.
const RECORDED_ID: &str = "1-0000000000000000";

/// Where every exchange of these tests is written, one JSON object a line:
/// `api-exchanges.jsonl` on the harness, for `tests/api` to check against
/// the OpenAPI document, and `api-exchanges.<runtime>.jsonl` on Spin, which
/// tests/spin/run compares with the harness's, answer by answer.
fn exchanges_path() -> String {
    let tmp = env!("CARGO_TARGET_TMPDIR");
    match Runtime::current() {
        Runtime::Harness => format!("{tmp}/api-exchanges.jsonl"),
        spin => format!("{tmp}/api-exchanges.{}.jsonl", spin.label()),
    }
}

/// Appends an exchange to the [`exchanges_path`] file (emptied when the
/// tests start), with the answer's headers but `date`, which the clock sets,
/// and `connection`: the HTTP server closes a connection whose request body
/// the component left unread unless all of it had arrived already, which
/// timing decides.
fn record(
    method: &str,
    path: &str,
    request: Option<Value>,
    status: u16,
    headers: &ureq::http::HeaderMap,
    answer: &Value,
) {
    use std::io::Write;
    static FILE: OnceLock<std::sync::Mutex<std::fs::File>> = OnceLock::new();
    let file = FILE
        .get_or_init(|| std::sync::Mutex::new(std::fs::File::create(exchanges_path()).unwrap()));
    let headers: std::collections::BTreeMap<&str, &str> = headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "connection"))
        .map(|(name, value)| match name.as_str() {
            "prediction-id" => (name.as_str(), RECORDED_ID),
            _ => (name.as_str(), value.to_str().unwrap_or("(not text)")),
        })
        .collect();
    let exchange = json!({
        "method": method, "path": path, "request": request, "status": status,
        "headers": headers, "answer": answer,
    });
    writeln!(file.lock().unwrap(), "{exchange}").unwrap();
}

fn send(method: &str, path: &str, body: impl Into<Vec<u8>>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let body = body.into();
    // The body as JSON, when it is JSON (bad input often is not).
    let request_body = serde_json::from_slice::<Value>(&body).ok();
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", app_url()))
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let mut response = agent.run(request).expect("the app answers");
    let status = response.status().as_u16();
    let allow = response
        .headers()
        .get("allow")
        .map(|value| value.to_str().unwrap().to_owned());
    let text = response.body_mut().read_to_string().unwrap();
    let mut body: Value = serde_json::from_str(&text).unwrap_or_else(|error| {
        panic!("{method} {path}: {status} answered non-JSON {text:?}: {error}")
    });
    // A JSON route's id, or a protocol batch's ids (the header gives the first).
    let (id, parameters) = match body.as_object_mut() {
        Some(fields) => (fields.remove("prediction_id"), fields.remove("parameters")),
        None => (None, None),
    };
    let batch_ids: Option<Vec<Value>> =
        parameters.map(|parameters| parameters["prediction_ids"].as_array().unwrap().clone());
    let first = id.clone().or_else(|| batch_ids.as_ref()?.first().cloned());
    let header_id = response
        .headers()
        .get("prediction-id")
        .map(|value| json!(value.to_str().unwrap()));
    assert_eq!(
        first, header_id,
        "{method} {path}: the body's id is the header's"
    );
    let mut recorded = body.clone();
    if id.is_some() {
        recorded["prediction_id"] = json!(RECORDED_ID);
    }
    if let Some(ids) = batch_ids {
        recorded["parameters"] = json!({"prediction_ids": vec![RECORDED_ID; ids.len()]});
    }
    record(
        method,
        path,
        request_body,
        status,
        response.headers(),
        &recorded,
    );
    Reply {
        status,
        allow,
        body,
    }
}

fn post(path: &str, body: Value) -> Reply {
    send("POST", path, body.to_string())
}

fn get(path: &str) -> Reply {
    send("GET", path, Vec::new())
}

/// Asserts `reply` is the error `{"error": {"code": code, "message": ...}}`
/// with `status`, and returns its message.
#[track_caller]
fn assert_error(reply: &Reply, status: u16, code: &str) -> String {
    assert_eq!(reply.status, status, "{reply:?}");
    let error = reply.body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no error object: {reply:?}"));
    assert_eq!(reply.body.as_object().unwrap().len(), 1, "{reply:?}");
    assert_eq!(error["code"], code, "{reply:?}");
    let message = error["message"].as_str().expect("a message");
    assert!(!message.is_empty());
    message.to_owned()
}

const CAR_ROUTES: [&str; 3] = ["/api/car-value", "/api/trade", "/api/car-analysis"];
const REVIEW_ROUTES: [&str; 3] = ["/api/review-sentiment", "/api/review", "/api/car-analysis"];
const POST_ROUTES: [&str; 5] = [
    "/api/car-analysis",
    "/api/car-value",
    "/api/review-sentiment",
    "/api/trade",
    "/api/review",
];

/// A good body for `route`, with `changes` applied.
fn body_for(route: &str, changes: Value) -> Value {
    let mut body = match route {
        "/api/car-value" | "/api/trade" => json!({"year": 2018, "mileage": 45000}),
        "/api/review-sentiment" | "/api/review" => json!({"review": "Great car!"}),
        _ => json!({"year": 2018, "mileage": 45000, "review": "Great car!"}),
    };
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn car(year: i32, mileage: f64) -> Car {
    Car {
        year,
        mileage,
        ..Car::default()
    }
}

fn expected_value(car: &Car) -> Value {
    let estimate = car_value_model::estimate(car).unwrap();
    json!({
        "value_usd": estimate.value_usd as u32,
        "low_usd": estimate.low_usd as u32,
        "high_usd": estimate.high_usd as u32,
        "extrapolation": estimate.extrapolation,
        "model_version": car_value_model::MODEL_VERSION,
    })
}

fn expected_sentiment(review: &str) -> Value {
    let analysis = sentiment_model::analyze(review).unwrap();
    let explanation: Vec<Value> = analysis
        .explanation
        .iter()
        .map(|term| json!({"term": term.term, "weight": term.weight}))
        .collect();
    json!({
        "label": analysis.label.as_str(),
        "score": analysis.score,
        "confidence": analysis.confidence,
        "explanation": explanation,
        "model_version": sentiment_model::MODEL_VERSION,
    })
}

// Good input.

#[test]
fn health_answers_ok() {
    let reply = get("/health");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"status": "ok", "service": "gateway"}));
}

#[test]
fn each_model_answers_its_own_health_route() {
    for service in ["car-value", "sentiment"] {
        let reply = get(&format!("/health/{service}"));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, json!({"status": "ok", "service": service}));
    }
}

#[test]
fn car_value_answers_the_models_estimate() {
    let reply = post("/api/car-value", json!({"year": 2018, "mileage": 45000}));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, expected_value(&car(2018, 45000.0)));
}

#[test]
fn listing_details_reach_the_model() {
    let body = json!({
        "year": 2016, "mileage": 60000, "model": "C-Class", "condition": "excellent",
        "title_status": "clean", "fuel": "gas", "transmission": "automatic", "type": "sedan",
    });
    let details = Car {
        model: Some("C-Class".into()),
        condition: Some("excellent".into()),
        title_status: Some("clean".into()),
        fuel: Some("gas".into()),
        transmission: Some("automatic".into()),
        body_type: Some("sedan".into()),
        ..car(2016, 60000.0)
    };
    for route in ["/api/car-value", "/api/trade"] {
        let reply = post(route, body.clone());
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body, expected_value(&details));
        assert_ne!(
            reply.body,
            expected_value(&car(2016, 60000.0)),
            "the details changed nothing"
        );
    }
}

#[test]
fn every_estimate_carries_an_interval_around_it_and_the_model_version() {
    let reply = post("/api/car-value", json!({"year": 2018, "mileage": 45000}));
    let [low, value, high] =
        ["low_usd", "value_usd", "high_usd"].map(|field| reply.body[field].as_u64().unwrap());
    assert!(low < value && value < high, "{reply:?}");
    assert_eq!(reply.body["model_version"], car_value_model::MODEL_VERSION);
    assert_eq!(reply.body["extrapolation"], json!([]));
}

#[test]
fn an_estimate_outside_the_training_data_says_so() {
    let reply = post(
        "/api/car-value",
        json!({"year": MAX_YEAR, "mileage": MAX_MILEAGE}),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(
        !reply.body["extrapolation"].as_array().unwrap().is_empty(),
        "{reply:?}"
    );
}

#[test]
fn models_lists_each_model_with_its_version_and_held_out_metrics() {
    let reply = get("/api/models");
    assert_eq!(reply.status, 200, "{reply:?}");
    let models = reply.body["models"].as_array().unwrap();
    let expected = [
        (
            "car-value",
            car_value_model::MODEL_VERSION,
            car_value_model::METRICS,
        ),
        (
            "sentiment",
            sentiment_model::MODEL_VERSION,
            sentiment_model::METRICS,
        ),
    ];
    assert_eq!(models.len(), expected.len());
    for (model, (name, version, metrics)) in models.iter().zip(expected) {
        assert_eq!(model["name"], name);
        assert_eq!(model["version"], version);
        // (serde_json's map sorts its keys.)
        let served: Vec<(&str, f64)> = model["metrics"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(metric, value)| (metric.as_str(), value.as_f64().unwrap()))
            .collect();
        let mut metrics = metrics.to_vec();
        metrics.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(served, metrics, "{name}");
    }
}

#[test]
fn trade_answers_the_same_as_car_value() {
    for (year, mileage) in [
        (2018, 45000.0),
        (MIN_YEAR, MAX_MILEAGE),
        (MAX_YEAR, 0.0),
        (2010, 123456.7),
    ] {
        let body = json!({"year": year, "mileage": mileage});
        let trade = post("/api/trade", body.clone());
        assert_eq!(trade.status, 200, "{trade:?}");
        assert_eq!(trade.body, expected_value(&car(year, mileage)));
        assert_eq!(post("/api/car-value", body).body, trade.body);
    }
}

#[test]
fn review_sentiment_answers_the_models_analysis() {
    for review in [
        "Great car!",
        "The engine died after a week.",
        "It is a car.",
        "NOT bad at all 😁",
    ] {
        let reply = post("/api/review-sentiment", json!({"review": review}));
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body, expected_sentiment(review), "{review}");
    }
}

#[test]
fn review_sentiment_labels_positive_negative_and_neutral() {
    for (review, label) in [
        ("Great car, I love it!", "positive"),
        ("Terrible car, it broke down twice.", "negative"),
        ("The car is blue.", "neutral"),
    ] {
        let reply = post("/api/review-sentiment", json!({"review": review}));
        assert_eq!(reply.body["label"], label, "{review}: {reply:?}");
    }
}

#[test]
fn review_answers_the_same_as_review_sentiment() {
    let body = json!({"review": "Comfortable, but the brakes squeal."});
    let review = post("/api/review", body.clone());
    assert_eq!(review.status, 200, "{review:?}");
    assert_eq!(review.body, post("/api/review-sentiment", body).body);
}

#[test]
fn car_analysis_answers_both_models_in_one_object() {
    let reply = post(
        "/api/car-analysis",
        json!({"year": 2015, "mileage": 80000, "review": "Smooth ride, but thirsty."}),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({
            "car_value": expected_value(&car(2015, 80000.0)),
            "sentiment": expected_sentiment("Smooth ride, but thirsty."),
        })
    );
}

#[test]
fn resetting_only_written_pages_between_requests_answers_the_same() {
    let body = json!({"year": 2015, "mileage": 80000, "review": "Smooth ride, but thirsty."});
    let expected = post("/api/car-analysis", body.clone()).body;
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
    let app = App::load_with(manifest.as_ref(), MemoryReset::DirtyPages).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for _ in 0..3 {
        let request = hyper::Request::post("http://localhost/api/car-analysis")
            .header("content-type", "application/json")
            .body(http_body_util::Full::from(body.to_string()))
            .unwrap();
        let answer = runtime.block_on(async {
            let response = app.handle_in_process(request).await.unwrap();
            http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes()
        });
        let mut answer = serde_json::from_slice::<Value>(&answer).unwrap();
        answer.as_object_mut().unwrap().remove("prediction_id");
        assert_eq!(answer, expected);
    }
}

#[test]
fn a_query_string_does_not_change_the_route() {
    assert_eq!(get("/health?verbose=1").status, 200);
    assert_eq!(
        post("/api/trade?x=1", body_for("/api/trade", json!({}))).status,
        200
    );
}

#[test]
fn a_review_of_exactly_the_limit_is_accepted() {
    let review = "é".repeat(MAX_REVIEW_CHARS);
    for route in REVIEW_ROUTES {
        let reply = post(route, body_for(route, json!({"review": review})));
        assert_eq!(reply.status, 200, "{route}");
    }
}

// Bad input: every answer is a 4xx with a JSON error body.

#[test]
fn malformed_json_is_a_400() {
    for route in POST_ROUTES {
        for body in ["{\"year\": 2018,", "not json", "", "{\"review\": NaN}"] {
            assert_error(&send("POST", route, body), 400, "invalid_json");
        }
    }
}

/// A good body for `route` with `field` set to arrays nested `depth` deep.
fn nested_body(route: &str, field: &str, depth: usize) -> String {
    let mut body = body_for(route, json!({}));
    body.as_object_mut().unwrap().remove(field);
    let body = body.to_string();
    let others = &body[1..body.len() - 1];
    let separator = if others.is_empty() { "" } else { "," };
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    format!("{{{others}{separator}\"{field}\":{nested}}}")
}

/// A field of `route`'s body that is not a number.
fn text_field(route: &str) -> &'static str {
    if REVIEW_ROUTES.contains(&route) {
        "review"
    } else {
        "model"
    }
}

/// serde_json refuses JSON nested deeper than this.
const JSON_RECURSION_LIMIT: usize = 128;

#[test]
fn json_nested_just_within_the_recursion_limit_fits_the_components_stack() {
    // car-analysis reads each field's value whole before it splits the body
    // between the two models: the deepest JSON accepted, on its stack.
    for route in POST_ROUTES {
        let body = nested_body(route, text_field(route), JSON_RECURSION_LIMIT - 2);
        let message = assert_error(&send("POST", route, body), 422, "invalid_request");
        assert!(
            message.starts_with("invalid type: sequence"),
            "{route}: {message}"
        );
    }
}

#[test]
fn json_nested_past_the_recursion_limit_is_a_400_where_it_is_read() {
    let depth = 4 * JSON_RECURSION_LIMIT;
    let body = nested_body("/api/car-analysis", "model", depth);
    assert_error(
        &send("POST", "/api/car-analysis", body),
        400,
        "invalid_json",
    );
    // The other routes refuse the value's type at its first bracket.
    for route in &POST_ROUTES[1..] {
        let body = nested_body(route, text_field(route), depth);
        assert_error(&send("POST", route, body), 422, "invalid_request");
    }
}

#[test]
fn an_unknown_field_is_a_422_naming_it_and_the_accepted_fields() {
    for route in POST_ROUTES {
        let body = body_for(route, json!({"modle": "sprinter"}));
        let message = assert_error(&post(route, body), 422, "unknown_field");
        assert!(
            message.starts_with("unknown field `modle`; accepted fields: "),
            "{message}"
        );
        let accepted = if CAR_ROUTES.contains(&route) {
            "year, mileage, model"
        } else {
            "review"
        };
        assert!(message.contains(accepted), "{route}: {message}");
    }
}

#[test]
fn an_unknown_field_is_refused_however_deep_its_value() {
    for route in POST_ROUTES {
        let body = nested_body(route, "notes", 4 * JSON_RECURSION_LIMIT);
        assert_error(&send("POST", route, body), 422, "unknown_field");
    }
}

#[test]
fn non_utf8_bytes_are_a_400() {
    for route in POST_ROUTES {
        let body = b"{\"review\": \"\xff\xfe\xfd\", \"year\": 2018, \"mileage\": 1}".to_vec();
        assert_error(&send("POST", route, body), 400, "invalid_json");
    }
}

#[test]
fn wrong_types_are_a_422_naming_the_problem() {
    for route in CAR_ROUTES {
        for changes in [
            json!({"year": "2018"}),
            json!({"year": 2018.5}),
            json!({"year": [2018]}),
            json!({"mileage": "45000"}),
            json!({"mileage": null}),
            json!({"mileage": [1]}),
            json!({"model": 5}),
            json!({"type": ["sedan"]}),
        ] {
            let message = assert_error(
                &post(route, body_for(route, changes.clone())),
                422,
                "invalid_request",
            );
            assert!(message.contains("invalid"), "{route} {changes}: {message}");
        }
    }
    for route in REVIEW_ROUTES {
        assert_error(
            &post(route, body_for(route, json!({"review": 5}))),
            422,
            "invalid_request",
        );
    }
    for route in POST_ROUTES {
        assert_error(&post(route, json!([1, 2])), 422, "invalid_request");
    }
}

#[test]
fn missing_fields_are_a_422_naming_the_field() {
    for route in POST_ROUTES {
        let message = assert_error(&post(route, json!({})), 422, "invalid_request");
        assert!(message.contains("missing field"), "{route}: {message}");
    }
    for route in CAR_ROUTES {
        let mut body = body_for(route, json!({}));
        body.as_object_mut().unwrap().remove("mileage");
        let message = assert_error(&post(route, body), 422, "invalid_request");
        assert!(message.contains("`mileage`"), "{route}: {message}");
    }
}

#[test]
fn a_year_out_of_range_is_a_422_stating_the_range() {
    for route in CAR_ROUTES {
        for year in [
            json!(MIN_YEAR - 1),
            json!(MAX_YEAR + 1),
            json!(0),
            json!(-2018),
            json!(99_999_999_999_u64),
            json!(-99_999_999_999_i64),
            json!(1e10),
        ] {
            let message = assert_error(
                &post(route, body_for(route, json!({"year": year}))),
                422,
                "year_out_of_range",
            );
            assert_eq!(
                message,
                format!("year must be between {MIN_YEAR} and {MAX_YEAR}")
            );
        }
    }
}

#[test]
fn an_unknown_listing_detail_is_a_422_listing_the_known_values() {
    for route in CAR_ROUTES {
        let reply = post(route, body_for(route, json!({"model": "model-t"})));
        let message = assert_error(&reply, 422, "unknown_value");
        assert!(
            message.starts_with("model `model-t` is not known; known models: "),
            "{message}"
        );
        assert!(message.contains("c-class"), "{message}");
    }
}

#[test]
fn a_negative_or_absurd_mileage_is_a_422_stating_the_range() {
    for route in CAR_ROUTES {
        for mileage in [
            json!(-1),
            json!(-0.5),
            json!(MAX_MILEAGE + 1.0),
            json!(1e300),
        ] {
            let body = body_for(route, json!({"mileage": mileage}));
            let message = assert_error(&post(route, body), 422, "mileage_out_of_range");
            assert!(message.contains(&format!("{MAX_MILEAGE}")), "{message}");
        }
    }
}

#[test]
fn a_whole_year_written_with_a_decimal_point_is_that_year() {
    for route in CAR_ROUTES {
        let reply = post(route, body_for(route, json!({"year": 2018.0})));
        assert_eq!(reply.status, 200, "{reply:?}");
        let answer = if route == "/api/car-analysis" {
            &reply.body["car_value"]
        } else {
            &reply.body
        };
        assert_eq!(*answer, expected_value(&car(2018, 45000.0)), "{route}");
    }
}

#[test]
fn a_number_beyond_any_float_is_out_of_range_not_malformed() {
    for route in CAR_ROUTES {
        for mileage in ["1e400", "-1e400", &format!("1{}", "0".repeat(400))] {
            let body = format!(r#"{{"year": 2018, "mileage": {mileage}, "review": "ok"}}"#);
            let body = if route == "/api/car-analysis" {
                body
            } else {
                body.replace(r#", "review": "ok""#, "")
            };
            let message = assert_error(&send("POST", route, body), 422, "mileage_out_of_range");
            assert!(message.contains(&format!("{MAX_MILEAGE}")), "{message}");
        }
        let body = body_for(route, json!({}))
            .to_string()
            .replace("2018", "1e999");
        assert_error(&send("POST", route, body), 422, "year_out_of_range");
    }
}

#[test]
fn a_mileage_that_is_no_json_number_is_a_400() {
    for route in CAR_ROUTES {
        for mileage in ["NaN", "Infinity", "-Infinity"] {
            let body = format!(r#"{{"year": 2018, "mileage": {mileage}}}"#);
            assert_error(&send("POST", route, body), 400, "invalid_json");
        }
    }
}

#[test]
fn an_empty_review_is_a_422() {
    for route in REVIEW_ROUTES {
        for review in ["", "   ", "\n\t", "\u{200b}\u{200d}\u{feff}", "\u{0}\u{7}"] {
            let message = assert_error(
                &post(route, body_for(route, json!({"review": review}))),
                422,
                "empty_review",
            );
            assert_eq!(message, "review must not be empty");
        }
    }
}

#[test]
fn a_review_over_the_limit_is_a_422_stating_the_limit() {
    let review = "a".repeat(MAX_REVIEW_CHARS + 1);
    for route in REVIEW_ROUTES {
        let message = assert_error(
            &post(route, body_for(route, json!({"review": review}))),
            422,
            "review_too_long",
        );
        assert_eq!(
            message,
            format!("review must be at most {MAX_REVIEW_CHARS} characters")
        );
    }
}

#[test]
fn the_longest_review_fits_the_body_limit_even_with_every_character_escaped() {
    // As Python's json.dumps writes 5,000 emoji: 12 bytes each.
    let review = r"\ud83d\ude97".repeat(MAX_REVIEW_CHARS);
    for route in REVIEW_ROUTES {
        let mut body = body_for(route, json!({"review": "x"})).to_string();
        body = body.replace(r#""review":"x""#, &format!(r#""review":"{review}""#));
        assert!(body.len() > 60_000);
        let reply = send("POST", route, body);
        assert_eq!(reply.status, 200, "{route}: {reply:?}");
    }
}

#[test]
fn a_body_over_the_limit_is_a_413() {
    let limit = MAX_BODY_BYTES;
    for route in POST_ROUTES {
        let review = "a".repeat(limit);
        assert_error(
            &post(route, body_for(route, json!({"review": review}))),
            413,
            "body_too_large",
        );
    }
}

#[test]
fn a_body_over_the_limit_is_a_413_even_without_a_length() {
    use std::io::{Read, Write};
    // Sent chunked, so only reading the body reveals its size. One byte over
    // the limit, written whole before the answer is read: a client still
    // writing when the server answers 413 and closes could see its write
    // fail, or the answer lost to the connection's reset.
    let host = app_url().trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let chunk = "x".repeat(MAX_BODY_BYTES + 1);
    write!(
        stream,
        "POST /api/review HTTP/1.1\r\nhost: {host}\r\ntransfer-encoding: chunked\r\n\
         connection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    )
    .unwrap();
    // The server closes with the rest of the chunked body unread, which may
    // end the connection with a reset after the answer: read up to either.
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(error) => panic!("reading the answer: {error}"),
        }
    }
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
    let error: Value = serde_json::from_str(body).unwrap();
    assert_eq!(error["error"]["code"], "body_too_large");
}

#[test]
fn a_wrong_method_is_a_405_naming_the_right_one() {
    for route in POST_ROUTES {
        for method in ["GET", "PUT", "DELETE"] {
            let reply = send(method, route, Vec::new());
            assert_error(&reply, 405, "method_not_allowed");
            assert_eq!(reply.allow.as_deref(), Some("POST"));
        }
    }
    for route in ["/health", "/health/car-value", "/health/sentiment"] {
        let reply = send("POST", route, "{}");
        assert_error(&reply, 405, "method_not_allowed");
        assert_eq!(reply.allow.as_deref(), Some("GET"));
    }
}

#[test]
fn an_unknown_path_is_a_404() {
    // (`/` is the web page, served by `ui`.)
    for path in [
        "/index.html",
        "/api",
        "/api/cars",
        "/api/car-value/extra",
        "/health/unknown",
    ] {
        let message = assert_error(&send("POST", path, "{}"), 404, "not_found");
        assert!(message.contains(path), "{message}");
    }
}

#[test]
fn the_gateway_and_the_model_routes_answer_the_same_errors() {
    let pairs = [
        (
            "/api/car-value",
            "/api/trade",
            json!({"year": MAX_YEAR + 1, "mileage": 1}),
        ),
        (
            "/api/car-value",
            "/api/trade",
            json!({"year": 2018, "mileage": -1}),
        ),
        (
            "/api/review-sentiment",
            "/api/review",
            json!({"review": " "}),
        ),
        (
            "/api/review-sentiment",
            "/api/review",
            json!({"review": "a".repeat(MAX_REVIEW_CHARS + 1)}),
        ),
    ];
    for (gateway, model, body) in pairs {
        let (from_gateway, from_model) = (post(gateway, body.clone()), post(model, body));
        assert_eq!(from_gateway.status, from_model.status);
        assert_eq!(from_gateway.body, from_model.body);
    }
}

#[test]
fn a_failed_request_does_not_affect_the_next_one() {
    let bad_bodies: [&[u8]; 4] = [
        b"{",
        b"\xff",
        b"{\"year\": -1, \"mileage\": -1, \"review\": \"\"}",
        b"[]",
    ];
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            std::thread::spawn(move || {
                for round in 0..25 {
                    let route = POST_ROUTES[(thread + round) % POST_ROUTES.len()];
                    let bad = send("POST", route, bad_bodies[round % bad_bodies.len()]);
                    assert_eq!(bad.status / 100, 4, "{bad:?}");
                    let good = post(route, body_for(route, json!({})));
                    assert_eq!(good.status, 200, "{route} after a bad request: {good:?}");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

// The standard interfaces (tests/api drives them with real clients).

#[test]
fn the_openapi_document_is_served_as_built() {
    let reply = get("/openapi.json");
    assert_eq!(reply.status, 200);
    let document = include_str!("../../../docs/openapi.json");
    assert_eq!(reply.body, serde_json::from_str::<Value>(document).unwrap());
}

#[test]
fn an_inference_batch_answers_each_row_as_the_json_api_does() {
    let reviews = [
        "Great car!",
        "The engine died after a week.",
        "It is a car.",
    ];
    let reply = post(
        "/v2/models/sentiment/infer",
        json!({"inputs": [{"name": "review", "shape": [3], "datatype": "BYTES", "data": reviews}]}),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    let expected: Vec<Value> = reviews.iter().map(|r| expected_sentiment(r)).collect();
    assert_eq!(reply.body["model_version"], sentiment_model::MODEL_VERSION);
    for (index, output) in ["label", "score", "confidence"].into_iter().enumerate() {
        let column: Vec<&Value> = expected.iter().map(|e| &e[output]).collect();
        assert_eq!(reply.body["outputs"][index]["name"], output);
        assert_eq!(
            reply.body["outputs"][index]["data"],
            json!(column),
            "{output}"
        );
    }
}

#[test]
fn an_inference_row_the_model_refuses_is_a_400_naming_it() {
    let reply = post(
        "/v2/models/car-value/infer",
        json!({"inputs": [
            {"name": "year", "shape": [2], "datatype": "INT32", "data": [2018, MAX_YEAR + 1]},
            {"name": "mileage", "shape": [2], "datatype": "FP64", "data": [1, 1]},
        ]}),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        json!({"error": format!("row 1: year must be between {MIN_YEAR} and {MAX_YEAR}")})
    );
}
