//! API keys and the hardening headers, over real HTTP on the built app
//! (`make build`) with the Spin variable `api_keys` set through
//! `SPIN_VARIABLE_API_KEYS`, as `spin up` reads it. The app with the variable
//! empty (its default) is the open API `tests/app.rs` checks.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;
use wasm_harness::Settings;

mod common;

/// The two keys the app is started with; the variable also has spaces and
/// an empty entry, which are ignored.
const KEYS: [&str; 2] = ["first-key-7Qx", "second-key-Zr2"];

/// The URL of the app with [`KEYS`] set, started once for all tests.
fn app_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
        serve(manifest.into(), &format!(" {} ,, {} ", KEYS[0], KEYS[1]))
    })
}

/// Serves the app of `manifest` with `SPIN_VARIABLE_API_KEYS=<keys>`; its URL.
fn serve(manifest: PathBuf, keys: &str) -> String {
    let settings = Settings {
        environment: vec![("SPIN_VARIABLE_API_KEYS".into(), keys.into())],
        ..Settings::default()
    };
    common::serve(manifest, settings)
}

/// The line of spin.toml that gives the gateway the variable.
const GATEWAY_BINDING: &str = "api_keys = \"{{ api_keys }}\"\n";

/// spin.toml without [`GATEWAY_BINDING`], written elsewhere: a gateway that
/// cannot read the keys.
fn manifest_without_the_binding() -> PathBuf {
    common::manifest_with(GATEWAY_BINDING, "", "no-keys")
}

/// An answer: its status, headers and body.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON: {self:?}: {error}"))
    }
}

/// Sends `method path` with `body` (none when null) and, when given, the
/// `Authorization` header `authorization`.
fn send(method: &str, path: &str, body: Value, authorization: Option<&str>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", app_url()))
        .header("content-type", "application/json");
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let mut response = agent
        .run(request.body(body).unwrap())
        .expect("the app answers");
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_string().unwrap(),
    }
}

fn car() -> Value {
    json!({"year": 2018, "mileage": 60000.0})
}

fn car_value(authorization: Option<&str>) -> Reply {
    send("POST", "/api/car-value", car(), authorization)
}

fn infer_body() -> Value {
    json!({"inputs": [
        {"name": "year", "shape": [1], "datatype": "INT32", "data": [2018]},
        {"name": "mileage", "shape": [1], "datatype": "FP64", "data": [60000.0]}
    ]})
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// Asserts `reply` is a 401 bearer challenge with the JSON API's error.
#[track_caller]
fn assert_unauthorized(reply: &Reply) {
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer"),
        "{reply:?}"
    );
    let body = reply.json();
    assert_eq!(body["error"]["code"], "unauthorized", "{reply:?}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[test]
fn a_request_without_a_key_is_a_401_bearer_challenge() {
    assert_unauthorized(&car_value(None));
}

#[test]
fn a_wrong_key_is_a_401() {
    assert_unauthorized(&car_value(Some(&bearer("not-a-key"))));
}

#[test]
fn a_prefix_of_a_key_is_a_401() {
    assert_unauthorized(&car_value(Some(&bearer(&KEYS[0][..5]))));
}

#[test]
fn a_key_sent_as_another_scheme_is_a_401() {
    assert_unauthorized(&car_value(Some(&format!("Basic {}", KEYS[0]))));
}

#[test]
fn each_key_is_accepted() {
    for key in KEYS {
        let reply = car_value(Some(&bearer(key)));
        assert_eq!(reply.status, 200, "{key}: {reply:?}");
        assert!(reply.json()["value_usd"].is_number(), "{reply:?}");
    }
}

#[test]
fn every_json_api_route_needs_a_key() {
    for (method, path, body) in [
        ("GET", "/api/models", Value::Null),
        ("POST", "/api/car-value", car()),
        (
            "POST",
            "/api/review-sentiment",
            json!({"review": "Great car."}),
        ),
        (
            "POST",
            "/api/car-analysis",
            json!({"car": car(), "review": {"review": "Great car."}}),
        ),
        // Even a path no route serves: what is under /api/ is not told
        // to anyone without a key.
        ("GET", "/api/nowhere", Value::Null),
    ] {
        assert_unauthorized(&send(method, path, body.clone(), None));
        let answered = send(method, path, body, Some(&bearer(KEYS[1])));
        assert_ne!(answered.status, 401, "{path}: {answered:?}");
    }
}

#[test]
fn health_the_openapi_document_and_the_page_stay_open() {
    for path in ["/health", "/openapi.json", "/"] {
        let reply = send("GET", path, Value::Null, None);
        assert_eq!(reply.status, 200, "{path}: {reply:?}");
    }
}

#[test]
fn protocol_health_readiness_and_server_metadata_stay_open() {
    for path in [
        "/v2",
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/car-value/ready",
    ] {
        let reply = send("GET", path, Value::Null, None);
        assert_eq!(reply.status, 200, "{path}: {reply:?}");
    }
}

#[test]
fn protocol_inference_and_model_metadata_need_a_key_and_answer_the_protocols_error() {
    for (method, path, body) in [
        ("POST", "/v2/models/car-value/infer", infer_body()),
        (
            "POST",
            "/v2/models/car-value/versions/1/infer",
            infer_body(),
        ),
        ("GET", "/v2/models/car-value", Value::Null),
    ] {
        let reply = send(method, path, body, None);
        assert_eq!(reply.status, 401, "{path}: {reply:?}");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
        let error = reply.json();
        assert!(
            error["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}: {reply:?}"
        );
    }
}

#[test]
fn protocol_inference_with_a_key_answers() {
    let reply = send(
        "POST",
        "/v2/models/car-value/infer",
        infer_body(),
        Some(&bearer(KEYS[0])),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["model_name"], "car-value");
}

/// The model services' own routes are served by thin HTTP components with
/// the model composed in: they take the keys like the gateway's routes.
#[test]
fn every_model_services_api_route_needs_a_key() {
    for (path, body, field) in [
        ("/api/trade", car(), "value_usd"),
        ("/api/review", json!({"review": "Great car."}), "label"),
    ] {
        assert_unauthorized(&send("POST", path, body.clone(), None));
        assert_unauthorized(&send("POST", path, body.clone(), Some(&bearer("nope"))));
        let answered = send("POST", path, body, Some(&bearer(KEYS[1])));
        assert_eq!(answered.status, 200, "{path}: {answered:?}");
        assert!(answered.json().get(field).is_some(), "{path}: {answered:?}");
    }
}

/// Each service's health route stays open for its deployment's probes.
#[test]
fn the_model_services_health_routes_stay_open() {
    for path in ["/health/car-value", "/health/sentiment"] {
        assert_eq!(send("GET", path, Value::Null, None).status, 200, "{path}");
    }
}

#[test]
fn every_json_answer_is_marked_nosniff_and_not_cached() {
    for reply in [
        car_value(Some(&bearer(KEYS[0]))),
        car_value(None),
        send("GET", "/health", Value::Null, None),
        send("GET", "/v2/health/live", Value::Null, None),
        send(
            "POST",
            "/api/trade",
            json!({"year": 1}),
            Some(&bearer(KEYS[0])),
        ),
        send("GET", "/health/sentiment", Value::Null, None),
    ] {
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{reply:?}"
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{reply:?}");
    }
}

#[test]
fn a_gateway_not_given_the_variable_refuses_rather_than_serve_an_open_api() {
    let url = serve(manifest_without_the_binding(), KEYS[0]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(format!("{url}/api/car-value"))
        .header("authorization", bearer(KEYS[0]))
        .send(car().to_string())
        .expect("the app answers");
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "api_keys_unavailable", "{body}");
    let health = agent
        .get(format!("{url}/health"))
        .call()
        .expect("the app answers");
    assert_eq!(health.status().as_u16(), 200);
}
