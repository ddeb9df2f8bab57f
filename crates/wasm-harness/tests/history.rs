//! The prediction history and its feedback (docs/OPERATING.md, "Prediction
//! history"), served from the built components (`make build`): on the
//! embedded store (the harness's SQLite, or Spin's own with
//! `TEST_WITH_SPIN`) and, on Spin, on a real Redis through runtime config
//! (Debian's `redis-server`, started by the tests on a free port).

use serde_json::{Value, json};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wasm_harness::{Follow, Settings};

mod common;
use common::Runtime;

/// A store the app keeps its history in.
enum Store {
    /// The default store with no runtime config: SQLite in the state
    /// directory.
    Embedded,
    /// A Redis server of the test's own.
    Redis(Redis),
}

impl Store {
    fn name(&self) -> &'static str {
        match self {
            Store::Embedded => "embedded",
            Store::Redis(_) => "redis",
        }
    }
}

/// The stores to test on: the embedded one, and Redis on Spin (the harness
/// has no runtime config) where `redis-server` is installed (`make setup`).
fn stores() -> Vec<Store> {
    let mut stores = vec![Store::Embedded];
    if Runtime::current().is_spin() {
        match Redis::start() {
            Some(redis) => stores.push(Store::Redis(redis)),
            None => eprintln!("history on Redis: SKIPPED, no redis-server (make setup)"),
        }
    }
    stores
}

/// A `redis-server` on a free port of 127.0.0.1, stopped when dropped.
struct Redis {
    port: u16,
    server: Child,
}

impl Redis {
    fn start() -> Option<Redis> {
        let port = free_port();
        let dir = scratch("redis");
        let server = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        common::stop_when_this_process_ends(server.id());
        wait_for_port(port);
        Some(Redis { port, server })
    }

    /// The runtime config that makes it the store `default`.
    fn runtime_config(&self) -> PathBuf {
        runtime_config_for(self.port)
    }

    /// How many keys it holds.
    fn keys(&self) -> usize {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "DBSIZE"])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn runtime_config_for(port: u16) -> PathBuf {
    let path = scratch("runtime-config").join("runtime-config.toml");
    std::fs::write(
        &path,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:{port}\"\n"
        ),
    )
    .unwrap();
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A new, empty directory for `purpose`.
fn scratch(purpose: &str) -> PathBuf {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "car-ml-history-{purpose}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");

/// A served app and where its embedded store is.
struct App {
    url: String,
    state_dir: PathBuf,
}

/// Serves the app on `store` with the app variables `variables`
/// (`("API_KEYS", "k1,k2")`…), its state in `state_dir` (a new one when
/// `None`).
fn serve_in(store: &Store, variables: &[(&str, &str)], state_dir: Option<PathBuf>) -> App {
    let state_dir = state_dir.unwrap_or_else(|| scratch("state"));
    let settings = Settings {
        follow: Follow::None,
        environment: variables
            .iter()
            .map(|(name, value)| (format!("SPIN_VARIABLE_{name}"), value.to_string()))
            .collect(),
        state_dir: Some(state_dir.clone()),
        ..Settings::default()
    };
    let url = match store {
        Store::Embedded => common::serve(MANIFEST.into(), settings),
        Store::Redis(redis) => {
            common::serve_with_runtime_config(MANIFEST.into(), settings, &redis.runtime_config())
        }
    };
    App { url, state_dir }
}

fn serve(store: &Store, variables: &[(&str, &str)]) -> App {
    serve_in(store, variables, None)
}

/// An answer: status, the `prediction-id` and `prediction-history`
/// headers, and the JSON body.
#[derive(Debug)]
struct Reply {
    status: u16,
    id_header: Option<String>,
    history_header: Option<String>,
    body: Value,
}

impl App {
    fn send(&self, method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> Reply {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url))
            .header("content-type", "application/json");
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let request = request
            .body(body.map(|body| body.to_string()).unwrap_or_default())
            .unwrap();
        let mut response = agent.run(request).expect("the app answers");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|value| value.to_str().unwrap().to_owned())
        };
        let (id_header, history_header) = (header("prediction-id"), header("prediction-history"));
        let text = response.body_mut().read_to_string().unwrap();
        Reply {
            status: response.status().as_u16(),
            id_header,
            history_header,
            body: serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{method} {path}: {text:?}: {error}")),
        }
    }

    fn get(&self, path: &str, key: Option<&str>) -> Reply {
        self.send("GET", path, key, None)
    }

    fn post(&self, path: &str, key: Option<&str>, body: Value) -> Reply {
        self.send("POST", path, key, Some(body))
    }

    /// Prediction `id` of the caller with `key`.
    fn find(&self, id: &str, key: Option<&str>) -> Reply {
        self.get(&format!("/api/predictions/{id}"), key)
    }

    /// A car analysis, kept; its prediction id.
    fn analyse(&self, key: Option<&str>, review: &str) -> String {
        let reply = self.post(
            "/api/car-analysis",
            key,
            json!({"year": 2016, "mileage": 60000, "review": review}),
        );
        assert_eq!(reply.status, 200, "{reply:?}");
        let id = reply.body["prediction_id"]
            .as_str()
            .expect("an id")
            .to_owned();
        assert_eq!(reply.id_header.as_deref(), Some(id.as_str()));
        assert_eq!(self.find(&id, key).status, 200, "{id} is kept");
        id
    }

    fn feedback(&self, key: Option<&str>, id: &str, truth: Value) -> Reply {
        self.post(&format!("/api/predictions/{id}/feedback"), key, truth)
    }

    /// Every id of the caller's history, newest first, page by page.
    fn history(&self, key: Option<&str>, limit: usize) -> Vec<String> {
        let mut ids = Vec::new();
        let mut path = format!("/api/predictions?limit={limit}");
        loop {
            let page = self.get(&path, key);
            assert_eq!(page.status, 200, "{page:?}");
            let predictions = page.body["predictions"].as_array().unwrap();
            assert!(predictions.len() <= limit);
            ids.extend(
                predictions
                    .iter()
                    .map(|p| p["id"].as_str().unwrap().to_owned()),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/predictions?limit={limit}&cursor={cursor}"),
                None => return ids,
            }
        }
    }

    /// The live figures of `GET /api/models`, by model name.
    fn live(&self) -> Value {
        let models = self.get("/api/models", None);
        let live: serde_json::Map<String, Value> = models.body["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|model| {
                (
                    model["name"].as_str().unwrap().to_owned(),
                    model["live"].clone(),
                )
            })
            .collect();
        Value::Object(live)
    }

    /// How many keys the embedded store holds.
    fn embedded_keys(&self) -> usize {
        let database = self.state_dir.join("sqlite_key_value.db");
        let connection = rusqlite::Connection::open(&database).unwrap();
        connection
            .query_row("SELECT count(*) FROM spin_key_value", [], |row| row.get(0))
            .unwrap()
    }
}

/// The sequence number of a prediction id.
fn sequence(id: &str) -> u64 {
    id.split_once('-').unwrap().0.parse().unwrap()
}

#[test]
fn every_prediction_route_answers_an_id_that_finds_its_prediction() {
    let app = serve(&Store::Embedded, &[]);
    for (route, body, model) in [
        (
            "/api/car-analysis",
            json!({"year": 2016, "mileage": 60000, "review": "Quiet."}),
            "both",
        ),
        (
            "/api/car-value",
            json!({"year": 2016, "mileage": 60000}),
            "car",
        ),
        (
            "/api/review-sentiment",
            json!({"review": "Quiet."}),
            "review",
        ),
    ] {
        let reply = app.post(route, None, body);
        assert_eq!(reply.status, 200, "{reply:?}");
        let id = reply.body["prediction_id"].as_str().unwrap();
        assert_eq!(reply.id_header.as_deref(), Some(id));
        let found = app.find(id, None);
        assert_eq!(found.status, 200, "{found:?}");
        assert_eq!(found.body["id"], id);
        assert_eq!(found.body["route"], route);
        assert_eq!(found.body["car"].is_object(), model != "review", "{route}");
        assert_eq!(found.body["review"].is_object(), model != "car", "{route}");
        if model == "car" {
            assert_eq!(found.body["car"]["value_usd"], reply.body["value_usd"]);
        }
        if model == "review" {
            assert_eq!(found.body["review"]["label"], reply.body["label"]);
        }
    }
}

#[test]
fn a_protocol_batch_keeps_one_prediction_per_row_in_order() {
    let app = serve(&Store::Embedded, &[]);
    let reply = app.post(
        "/v2/models/sentiment/infer",
        None,
        json!({"inputs": [{"name": "review", "datatype": "BYTES", "shape": [3],
                           "data": ["Great car.", "Awful brakes.", "It is blue."]}]}),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    let ids: Vec<&str> = reply.body["parameters"]["prediction_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(
        reply.id_header.as_deref(),
        Some(ids[0]),
        "the header gives the first"
    );
    let labels = &reply.body["outputs"][0]["data"];
    for (row, id) in ids.iter().enumerate() {
        let found = app.find(id, None);
        assert_eq!(found.body["route"], "/v2/models/sentiment/infer");
        assert_eq!(found.body["review"]["label"], labels[row], "row {row}");
    }
    assert_eq!(sequence(ids[1]), sequence(ids[0]) + 1);
}

#[test]
fn a_caller_lists_its_own_predictions_newest_first_page_by_page() {
    let app = serve(&Store::Embedded, &[("API_KEYS", "key-a,key-b")]);
    let mine: Vec<String> = (0..7)
        .map(|n| app.analyse(Some("key-a"), &format!("Car {n}.")))
        .collect();
    let theirs = app.analyse(Some("key-b"), "Not mine.");
    let listed = app.history(Some("key-a"), 3);
    let newest_first: Vec<String> = mine.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first);
    assert_eq!(app.history(Some("key-b"), 3), [theirs]);
}

#[test]
fn one_key_cannot_read_or_correct_anothers_predictions() {
    let app = serve(&Store::Embedded, &[("API_KEYS", "key-a,key-b")]);
    let id = app.analyse(Some("key-a"), "Mine.");
    let read = app.get(&format!("/api/predictions/{id}"), Some("key-b"));
    assert_eq!(
        (read.status, read.body["error"]["code"].as_str()),
        (404, Some("prediction_not_found"))
    );
    let corrected = app.feedback(Some("key-b"), &id, json!({"label": "negative"}));
    assert_eq!(corrected.status, 404, "{corrected:?}");
    assert_eq!(
        app.get("/api/predictions", None).status,
        401,
        "no key, no history"
    );
    let record = app.get(&format!("/api/predictions/{id}"), Some("key-a"));
    assert_eq!(record.body["feedback"], Value::Null, "untouched");
    let stored = std::fs::read(app.state_dir.join("sqlite_key_value.db")).unwrap();
    assert!(
        !stored.windows(5).any(|window| window == b"key-a"),
        "no key is stored in clear"
    );
}

#[test]
fn feedback_is_kept_once_and_a_different_truth_is_a_conflict() {
    let app = serve(&Store::Embedded, &[]);
    let id = app.analyse(None, "Smooth and quiet.");
    let first = app.feedback(None, &id, json!({"sold_price_usd": 18500}));
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["feedback"]["sold_price_usd"], 18500);
    let again = app.feedback(None, &id, json!({"sold_price_usd": 18500}));
    assert_eq!(
        (again.status, &again.body),
        (200, &first.body),
        "the same truth again changes nothing"
    );
    let other = app.feedback(None, &id, json!({"sold_price_usd": 19000}));
    assert_eq!(other.status, 409, "{other:?}");
    assert_eq!(other.body["error"]["code"], "feedback_conflict");
    assert!(
        other.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("18500")
    );
    let label = app.feedback(None, &id, json!({"label": "positive"}));
    assert_eq!(label.status, 200, "the other truth may follow");
    let stored = app.get(&format!("/api/predictions/{id}"), None);
    assert_eq!(stored.body["feedback"]["sold_price_usd"], 18500);
    assert_eq!(stored.body["feedback"]["label"], "positive");
}

#[test]
fn bad_ids_and_bad_feedback_are_refused_in_the_apis_terms() {
    let app = serve(&Store::Embedded, &[]);
    let car_only = app.post(
        "/api/car-value",
        None,
        json!({"year": 2016, "mileage": 60000}),
    );
    let id = car_only.body["prediction_id"].as_str().unwrap().to_owned();
    assert_eq!(app.find(&id, None).status, 200);
    let unknown = format!("{}-0123456789abcdef", sequence(&id) + 1000);
    for (method, path, body, status, code) in [
        (
            "GET",
            "/api/predictions/not-an-id".to_owned(),
            None,
            400,
            "invalid_prediction_id",
        ),
        (
            "GET",
            format!("/api/predictions/{unknown}"),
            None,
            404,
            "prediction_not_found",
        ),
        (
            "GET",
            "/api/predictions?limit=0".to_owned(),
            None,
            400,
            "invalid_query",
        ),
        (
            "GET",
            "/api/predictions?cursor=x".to_owned(),
            None,
            400,
            "invalid_query",
        ),
        (
            "DELETE",
            format!("/api/predictions/{id}"),
            None,
            405,
            "method_not_allowed",
        ),
        (
            "GET",
            format!("/api/predictions/{id}/feedback"),
            None,
            405,
            "method_not_allowed",
        ),
        (
            "GET",
            format!("/api/predictions/{id}/other"),
            None,
            404,
            "not_found",
        ),
        (
            "POST",
            format!("/api/predictions/{unknown}/feedback"),
            Some(json!({"label": "positive"})),
            404,
            "prediction_not_found",
        ),
        (
            "POST",
            format!("/api/predictions/{id}/feedback"),
            Some(json!({})),
            422,
            "invalid_feedback",
        ),
        (
            "POST",
            format!("/api/predictions/{id}/feedback"),
            Some(json!({"sold_price_usd": -1})),
            422,
            "invalid_feedback",
        ),
        (
            "POST",
            format!("/api/predictions/{id}/feedback"),
            Some(json!({"sold_price_usd": "18500"})),
            422,
            "invalid_request",
        ),
        (
            "POST",
            format!("/api/predictions/{id}/feedback"),
            Some(json!({"price": 18500})),
            422,
            "unknown_field",
        ),
        (
            "POST",
            format!("/api/predictions/{id}/feedback"),
            Some(json!({"label": "positive"})),
            422,
            "feedback_not_applicable",
        ),
    ] {
        let reply = app.send(method, &path, None, body);
        assert_eq!(reply.status, status, "{method} {path}: {reply:?}");
        assert_eq!(
            reply.body["error"]["code"], code,
            "{method} {path}: {reply:?}"
        );
    }
}

#[test]
fn live_figures_follow_the_feedback() {
    let app = serve(&Store::Embedded, &[]);
    let before = app.live();
    assert_eq!(before["car-value"]["feedback"], 0);
    assert_eq!(before["car-value"]["mae_usd"], Value::Null);
    let id = app.analyse(None, "Great car, no problems.");
    let value = app.get(&format!("/api/predictions/{id}"), None).body["car"]["value_usd"]
        .as_i64()
        .unwrap();
    app.feedback(
        None,
        &id,
        json!({"sold_price_usd": value + 1000, "label": "negative"}),
    );
    let after = app.live();
    assert_eq!(after["car-value"]["window_days"], 7);
    assert_eq!(after["car-value"]["feedback"], 1);
    assert_eq!(after["car-value"]["mae_usd"], 1000.0);
    assert_eq!(after["sentiment"]["feedback"], 1);
    assert_eq!(
        after["sentiment"]["accuracy"], 0.0,
        "the review was positive"
    );
}

#[test]
fn summary_keeps_no_review_text_full_keeps_it_and_off_keeps_nothing() {
    for (level, text) in [
        ("summary", Value::Null),
        ("full", json!("Quiet and smooth.")),
    ] {
        let app = serve(&Store::Embedded, &[("PREDICTION_HISTORY", level)]);
        let id = app.analyse(None, "Quiet and smooth.");
        let record = app.get(&format!("/api/predictions/{id}"), None);
        assert_eq!(record.body["review"]["text"], text, "{level}");
        assert_eq!(record.body["review"]["chars"], 17, "{level}");
    }
    let off = serve(&Store::Embedded, &[("PREDICTION_HISTORY", "off")]);
    let reply = off.post("/api/review-sentiment", None, json!({"review": "Quiet."}));
    assert_eq!(reply.status, 200);
    assert_eq!(
        (reply.body.get("prediction_id"), reply.id_header),
        (None, None)
    );
    let listed = off.get("/api/predictions", None);
    assert_eq!(
        (listed.status, listed.body["error"]["code"].as_str()),
        (404, Some("history_off"))
    );
    assert_eq!(off.live()["sentiment"], Value::Null);
}

#[test]
fn records_survive_a_restart() {
    for store in stores() {
        let first = serve(&store, &[]);
        let id = first.analyse(None, "Still here.");
        first.feedback(None, &id, json!({"label": "positive"}));
        let second = serve_in(&store, &[], Some(first.state_dir.clone()));
        let found = second.find(&id, None);
        assert_eq!(found.status, 200, "{}: {found:?}", store.name());
        assert_eq!(
            found.body["feedback"]["label"],
            "positive",
            "{}",
            store.name()
        );
    }
}

/// 200 predictions with their feedback, from 50 clients at once: a burst of
/// a few hundred requests at once fills Spin's default instance pool (2,000
/// tables), which answers the rest with a 500 of its own.
#[test]
fn concurrent_predictions_with_feedback_lose_and_duplicate_nothing() {
    const CLIENTS: usize = 50;
    const EACH: usize = 4;
    for store in stores() {
        let app = serve(&store, &[]);
        let ids: Vec<String> = std::thread::scope(|scope| {
            let clients: Vec<_> = (0..CLIENTS)
                .map(|client| {
                    let app = &app;
                    scope.spawn(move || {
                        (0..EACH)
                            .map(|n| {
                                let id = app.analyse(None, &format!("Review {client}.{n}: fine."));
                                let reply =
                                    app.feedback(None, &id, json!({"sold_price_usd": 20000}));
                                assert_eq!(reply.status, 200, "{reply:?}");
                                id
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            clients
                .into_iter()
                .flat_map(|client| client.join().unwrap())
                .collect()
        });
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            CLIENTS * EACH,
            "{}: every id distinct",
            store.name()
        );
        let mut listed = app.history(None, 100);
        listed.sort();
        assert_eq!(
            listed,
            unique,
            "{}: every prediction listed once",
            store.name()
        );
        assert_eq!(
            app.live()["car-value"]["feedback"],
            CLIENTS * EACH,
            "{}",
            store.name()
        );
    }
}

#[test]
fn the_store_stays_bounded_under_the_retention_setting() {
    for store in stores() {
        let app = serve(&store, &[("PREDICTION_HISTORY", "summary; keep=10")]);
        let ids: Vec<String> = (0..30)
            .map(|n| app.analyse(None, &format!("Car {n}.")))
            .collect();
        assert_eq!(
            app.history(None, 100),
            ids[20..].iter().rev().cloned().collect::<Vec<_>>()
        );
        let gone = app.get(&format!("/api/predictions/{}", ids[19]), None);
        assert_eq!(gone.status, 404, "{}", store.name());
        // A listing prunes: ten records are left, and nothing else.
        let keys = match &store {
            Store::Embedded => app.embedded_keys(),
            Store::Redis(redis) => redis.keys(),
        };
        assert_eq!(keys, 10, "{}", store.name());
    }
}

/// A store that fails (its database file cannot be opened: a directory
/// stands in its place) skips the history, never the answer.
#[test]
fn a_store_that_fails_skips_the_history_not_the_answer() {
    let state_dir = scratch("failing");
    std::fs::create_dir(state_dir.join("sqlite_key_value.db")).unwrap();
    let app = serve_in(&Store::Embedded, &[], Some(state_dir));
    let reply = app.post(
        "/api/car-analysis",
        None,
        json!({"year": 2016, "mileage": 60000, "review": "Fine."}),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        (reply.body.get("prediction_id"), &reply.id_header),
        (None, &None)
    );
    assert_eq!(reply.history_header.as_deref(), Some("skipped"));
    assert!(reply.body["car_value"]["value_usd"].is_number());
    let listed = app.get("/api/predictions", None);
    assert_eq!(
        (listed.status, listed.body["error"]["code"].as_str()),
        (503, Some("history_unavailable"))
    );
    assert_eq!(
        app.live()["car-value"],
        Value::Null,
        "the models still answer"
    );
    assert_eq!(app.get("/health", None).status, 200);
}
