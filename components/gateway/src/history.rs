//! The prediction history's routes and store: `GET /api/predictions`,
//! `GET /api/predictions/{id}`, `POST /api/predictions/{id}/feedback`, and
//! keeping each answered prediction, in Spin's key-value store `default`
//! (`wasi:keyvalue`: SQLite under `.spin/` for `spin up`, Redis or DynamoDB
//! through runtime config).
//!
//! A prediction is written before its answer goes, in one write, so that
//! an id in an answer always finds its prediction and a busy store slows
//! answers rather than piling up instances behind it. A store that fails
//! never fails a prediction: the answer goes without an id, says so in
//! `Prediction-History: skipped`, and the failure is logged on standard
//! error. (A store that hangs holds the answer: Spin waits on a Redis that
//! is down for as long as it is down; docs/OPERATING.md.)

use api::ApiError;
use payload_log::Line;
use prediction_history::{
    FeedbackRequest, History, Owner, PRUNE_EVERY, PageQuery, PredictionId, Settings, Store,
    StoreError, live,
};
use spin_sdk::http::{IncomingRequest, Method, Response};
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store};
use std::time::{SystemTime, UNIX_EPOCH};

/// The header that carries an answer's prediction id (a protocol batch's
/// first: its ids are consecutive).
pub const PREDICTION_ID: &str = "prediction-id";
/// The header that says an answer's prediction was not kept.
pub const PREDICTION_HISTORY: &str = "prediction-history";

/// The store's label in `spin.toml` and runtime config.
const STORE: &str = "default";

/// What the history keeps, from the Spin variable `prediction_history`.
pub fn settings() -> Settings {
    Settings::from_variable(spin_sdk::variables::get(
        prediction_history::settings::VARIABLE,
    ))
}

/// The history of the caller whose API key is `key` (`None`: the API is
/// open).
pub fn owner(key: Option<&[u8]>) -> Owner {
    key.map_or_else(Owner::open, Owner::of_key)
}

/// Spin's key-value store, through `wasi:keyvalue`.
struct KeyValue(store::Bucket);

fn failed(error: store::Error) -> StoreError {
    StoreError(match error {
        store::Error::NoSuchStore => format!("no key-value store {STORE:?}"),
        store::Error::AccessDenied => format!("the component may not use store {STORE:?}"),
        store::Error::Other(message) => message,
    })
}

impl KeyValue {
    fn open() -> Result<Self, StoreError> {
        store::open(STORE).map(KeyValue).map_err(failed)
    }
}

impl Store for KeyValue {
    type Cas = atomics::Cas;

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).map_err(failed)
    }

    /// One `get` a key: Spin's Redis store answers `batch.get-many` with
    /// Redis's `KEYS` command, which fails for more than one key.
    fn get_many(&self, keys: Vec<String>) -> Result<Vec<(String, Option<Vec<u8>>)>, StoreError> {
        keys.into_iter()
            .map(|key| Ok((key.clone(), self.get(&key)?)))
            .collect()
    }

    fn set_many(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        batch::set_many(&self.0, &entries).map_err(failed)
    }

    fn delete_many(&self, keys: Vec<String>) -> Result<(), StoreError> {
        batch::delete_many(&self.0, &keys).map_err(failed)
    }

    fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.0.list_keys(None).map_err(failed)?.keys)
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        atomics::increment(&self.0, key, delta).map_err(failed)
    }

    fn watch(&self, key: &str) -> Result<(atomics::Cas, Option<Vec<u8>>), StoreError> {
        let cas = atomics::Cas::new(&self.0, key).map_err(failed)?;
        let current = cas.current().map_err(failed)?;
        Ok((cas, current))
    }

    fn swap(&self, cas: atomics::Cas, value: Vec<u8>) -> Result<bool, StoreError> {
        match atomics::swap(cas, &value) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(error)) => Err(failed(error)),
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// Keeps `lines` (a batch's rows, in order) in `owner`'s history, in one
/// write (and, once in [`PRUNE_EVERY`] predictions, prunes the store): their
/// ids, or `Err` when the store failed (logged on standard error).
pub fn keep(settings: Settings, owner: Owner, lines: Vec<Line>) -> Result<Vec<PredictionId>, ()> {
    let nonce = wasi::random::random::get_random_u64();
    let predictions: Vec<(PredictionId, Line)> = lines
        .into_iter()
        .enumerate()
        .map(|(row, line)| (PredictionId::new(line.unix_ms, row, nonce), line))
        .collect();
    let ids = predictions.iter().map(|(id, _)| *id).collect();
    let kept = KeyValue::open().and_then(|store| {
        let history = History::new(&store, owner, settings);
        history.record(predictions)?;
        if nonce % PRUNE_EVERY == 0 {
            history.prune(now_ms())?;
        }
        Ok(())
    });
    match kept {
        Ok(()) => Ok(ids),
        Err(error) => {
            eprintln!("prediction history skipped: {error}");
            Err(())
        }
    }
}

/// The id of the first prediction `kept` kept.
pub fn first_id(kept: Option<&Result<Vec<PredictionId>, ()>>) -> Option<String> {
    Some(kept?.as_ref().ok()?.first()?.to_string())
}

/// Sets the headers that say what became of an answer's predictions: the
/// first one's id, or that the history skipped them.
pub fn mark(response: &mut Response, kept: Option<&Result<Vec<PredictionId>, ()>>) {
    match kept {
        Some(Ok(ids)) => {
            if let Some(first) = ids.first() {
                response.set_header(PREDICTION_ID, first.to_string());
            }
        }
        Some(Err(())) => response.set_header(PREDICTION_HISTORY, "skipped"),
        None => {}
    }
}

/// Answers a route under `/api/predictions` (`path`), for the caller whose
/// key is `key`.
pub async fn route(request: IncomingRequest, path: &str, key: Option<Vec<u8>>) -> Response {
    let answer = match path.strip_prefix("/api/predictions") {
        Some("" | "/") => list(&request, key),
        Some(rest) => match rest.trim_start_matches('/').split_once('/') {
            None => one(&request, rest.trim_start_matches('/'), key),
            Some((id, "feedback")) => feedback(request, id, key).await,
            Some(_) => Err(ApiError::not_found(path)),
        },
        None => Err(ApiError::not_found(path)),
    };
    answer.unwrap_or_else(http_json::error)
}

/// The caller's history, or a 404 when the history is off.
fn open(key: Option<Vec<u8>>) -> Result<(KeyValue, Owner, Settings), ApiError> {
    let settings = settings();
    if settings.level == payload_log::Level::Off {
        return Err(ApiError::new(
            404,
            "history_off",
            "the prediction history is off (Spin variable prediction_history)",
        ));
    }
    let store = KeyValue::open().map_err(|error| prediction_history::unavailable(&error))?;
    Ok((store, owner(key.as_deref()), settings))
}

fn parse_id(text: &str) -> Result<PredictionId, ApiError> {
    text.parse()
        .map_err(|malformed: prediction_history::MalformedId| {
            ApiError::new(
                400,
                "invalid_prediction_id",
                format!("{text:?}: {malformed}"),
            )
        })
}

fn list(request: &IncomingRequest, key: Option<Vec<u8>>) -> Result<Response, ApiError> {
    http_json::check_get(request)?;
    let query = PageQuery::parse(&http_json::query(request))?;
    let (store, owner, settings) = open(key)?;
    let page = History::new(&store, owner, settings)
        .page(query, now_ms())
        .map_err(|error| prediction_history::unavailable(&error))?;
    Ok(http_json::json(200, &page))
}

fn one(request: &IncomingRequest, id: &str, key: Option<Vec<u8>>) -> Result<Response, ApiError> {
    http_json::check_get(request)?;
    let id = parse_id(id)?;
    let (store, owner, settings) = open(key)?;
    let record = History::new(&store, owner, settings)
        .get(id, now_ms())
        .map_err(|error| prediction_history::unavailable(&error))?
        .ok_or_else(|| prediction_history::not_found(&id.to_string()))?;
    Ok(http_json::json(200, &record))
}

async fn feedback(
    request: IncomingRequest,
    id: &str,
    key: Option<Vec<u8>>,
) -> Result<Response, ApiError> {
    if request.method() != Method::Post {
        return Err(ApiError::method_not_allowed(request.method(), "POST"));
    }
    let id = parse_id(id)?;
    let body = http_json::post_body(request).await?;
    let truth = api::parse_request::<FeedbackRequest>(&body)?.truth()?;
    let (store, owner, settings) = open(key)?;
    let record = History::new(&store, owner, settings)
        .feedback(id, &truth, now_ms())
        .map_err(|error| error.api_error(&id.to_string()))?;
    Ok(http_json::json(200, &record))
}

/// The live figures of each model version of `models`, in order; `None`
/// for each when the history is off or its store cannot be read (said on
/// standard error).
pub fn live_figures(models: &[(live::Model, &str)]) -> Vec<Option<api::LiveFigures>> {
    let figures = || -> Result<Vec<_>, StoreError> {
        if settings().level == payload_log::Level::Off {
            return Ok(vec![None; models.len()]);
        }
        let store = KeyValue::open()?;
        let now = now_ms();
        models
            .iter()
            .map(|(model, version)| live::figures(&store, *model, version, now).map(Some))
            .collect()
    };
    figures().unwrap_or_else(|error| {
        eprintln!("live figures skipped: {error}");
        vec![None; models.len()]
    })
}
