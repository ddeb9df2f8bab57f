//! Prediction history and feedback, kept in a key-value store.
//!
//! Each prediction the gateway answers is stored as a [`Record`]: its
//! payload-log line (route, time, model versions, inputs and outputs, at the
//! history's level: no review text at `summary`), its id and, once a caller
//! sends it, the truth ([`Feedback`]). Records are kept per caller
//! ([`Owner`]: a hash of its API key, never the key; one shared history when
//! the API is open), each under its own key, whose id begins with the time
//! it was made, so a caller's keys sort newest last.
//!
//! An id is drawn without the store ([`PredictionId::new`]), so keeping a
//! prediction is one write ([`History::record`]), a batch's rows included.
//! Retention is enforced by [`History::prune`], which deletes what is past
//! `days` or beyond `keep` per caller: every listing runs it, and so does one
//! prediction in [`PRUNE_EVERY`] at random.
//!
//! Everything goes through [`Store`], the operations of `wasi:keyvalue` with
//! the semantics Spin's stores give them, on SQLite and on Redis alike:
//! feedback is a compare-and-swap of the record (which exists: Spin makes a
//! swap atomic only then), so each truth is set once; the live figures
//! ([`live`]) are atomic counters per model version and day.

pub mod feedback;
pub mod id;
pub mod live;
pub mod settings;
pub mod store;

pub use feedback::{Feedback, FeedbackRequest, Truth};
pub use id::{MalformedId, Owner, PredictionId};
pub use settings::Settings;
pub use store::{Store, StoreError, counter};

use api::ApiError;
use payload_log::Line;
use serde::{Deserialize, Serialize};

/// A day, in milliseconds.
const DAY_MS: u64 = 86_400_000;

/// A stored prediction: its payload-log line with its id and the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(flatten)]
    pub line: Line,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Feedback>,
}

/// A page of a caller's history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub predictions: Vec<Record>,
    /// The `cursor` that gives the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A request for a page: `GET /api/predictions?limit=&cursor=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: u64,
    /// The page starts after this prediction: a page's `next_cursor`.
    pub cursor: Option<PredictionId>,
}

/// The most predictions a page holds.
pub const MAX_PAGE: u64 = 100;

impl PageQuery {
    /// The query of `query` (without `?`): `limit` (1 to 100, default 20)
    /// and `cursor`, each at most once; anything else is a 400.
    pub fn parse(query: &str) -> Result<PageQuery, ApiError> {
        let invalid = |message: String| ApiError::new(400, "invalid_query", message);
        let mut page = PageQuery {
            limit: 20,
            cursor: None,
        };
        let (mut limit_seen, mut cursor_seen) = (false, false);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = || -> Option<u64> {
                (!value.is_empty()
                    && value.len() <= 19
                    && value.bytes().all(|b| b.is_ascii_digit()))
                .then(|| value.parse().ok())?
            };
            match name {
                "limit" if !limit_seen => {
                    limit_seen = true;
                    page.limit =
                        number()
                            .filter(|n| (1..=MAX_PAGE).contains(n))
                            .ok_or_else(|| {
                                invalid(format!(
                                    "limit must be a whole number from 1 to {MAX_PAGE}"
                                ))
                            })?;
                }
                "cursor" if !cursor_seen => {
                    cursor_seen = true;
                    page.cursor = Some(value.parse().map_err(|_| {
                        invalid("cursor must be a page's next_cursor, as it gave it".to_owned())
                    })?);
                }
                "limit" | "cursor" => return Err(invalid(format!("{name} is given twice"))),
                other => {
                    return Err(invalid(format!(
                        "unknown query parameter {other:?}; accepted: limit, cursor"
                    )));
                }
            }
        }
        Ok(page)
    }
}

/// Why feedback was not stored.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedbackError {
    /// No such prediction in the caller's history.
    NotFound,
    /// The truth is about a model the prediction did not use: its field.
    NotApplicable(&'static str),
    /// The prediction already has a different truth for `field`.
    Conflict {
        field: &'static str,
        stored: String,
    },
    /// Another request is storing the truth for `field`.
    Pending(&'static str),
    Store(StoreError),
}

impl From<StoreError> for FeedbackError {
    fn from(error: StoreError) -> Self {
        FeedbackError::Store(error)
    }
}

/// A 404 for an id the caller's history does not hold.
pub fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "prediction_not_found",
        format!("no prediction {id} in this caller's history (it may be past its retention)"),
    )
}

/// A 503 for a store that failed.
pub fn unavailable(error: &StoreError) -> ApiError {
    ApiError::new(
        503,
        "history_unavailable",
        format!("the prediction history could not be reached: {error}"),
    )
}

impl FeedbackError {
    /// The API's answer for it, about prediction `id`.
    pub fn api_error(&self, id: &str) -> ApiError {
        match self {
            FeedbackError::NotFound => not_found(id),
            FeedbackError::NotApplicable(field) => ApiError::unprocessable(
                "feedback_not_applicable",
                format!(
                    "prediction {id} has no {} to compare {field} with",
                    if *field == "label" {
                        "review sentiment"
                    } else {
                        "car value"
                    }
                ),
            ),
            FeedbackError::Conflict { field, stored } => ApiError::new(
                409,
                "feedback_conflict",
                format!("prediction {id} already has {field} {stored}; feedback is kept once"),
            ),
            FeedbackError::Pending(field) => ApiError::new(
                409,
                "feedback_pending",
                format!(
                    "another request is storing {field} for prediction {id}; send the feedback \
                     again to see the stored value"
                ),
            ),
            FeedbackError::Store(error) => unavailable(error),
        }
    }
}

/// How often, in predictions, one runs [`History::prune`] (which reads
/// every key of the store): between listings the store holds about this
/// many records per caller past the retention.
pub const PRUNE_EVERY: u64 = 512;

/// The prefix of every history key.
const HISTORY: &str = "history:";

/// One caller's history in `store`, kept as `settings` say.
pub struct History<'a, S> {
    store: &'a S,
    owner: Owner,
    settings: Settings,
}

impl<'a, S: Store> History<'a, S> {
    pub fn new(store: &'a S, owner: Owner, settings: Settings) -> Self {
        History {
            store,
            owner,
            settings,
        }
    }

    /// The key of prediction `id`.
    fn key(&self, id: PredictionId) -> String {
        format!("{HISTORY}{}:{id}", self.owner.as_str())
    }

    /// Whether a prediction made at `unix_ms` is still kept at `now_ms`.
    fn is_recent(&self, unix_ms: u64, now_ms: u64) -> bool {
        now_ms.saturating_sub(unix_ms) <= self.settings.days * DAY_MS
    }

    /// Stores each prediction under its id, in one write.
    pub fn record(&self, predictions: Vec<(PredictionId, Line)>) -> Result<(), StoreError> {
        let entries = predictions
            .into_iter()
            .map(|(id, line)| {
                let key = self.key(id);
                let record = Record {
                    id: id.to_string(),
                    line,
                    feedback: None,
                };
                (key, api::to_json(&record))
            })
            .collect();
        self.store.set_many(entries)
    }

    /// Prediction `id` of the caller's history, if it holds it at `now_ms`.
    pub fn get(&self, id: PredictionId, now_ms: u64) -> Result<Option<Record>, StoreError> {
        if !self.is_recent(id.unix_ms(), now_ms) {
            return Ok(None);
        }
        let value = self.store.get(&self.key(id))?;
        Ok(value.and_then(|value| serde_json::from_slice(&value).ok()))
    }

    /// A page of the caller's history at `now_ms`, newest first; past the
    /// retention is pruned on the way, for every caller.
    pub fn page(&self, query: PageQuery, now_ms: u64) -> Result<Page, StoreError> {
        let kept = self.prune(now_ms)?;
        let mut mine: Vec<PredictionId> = kept
            .into_iter()
            .filter(|(owner, _)| owner == self.owner.as_str())
            .map(|(_, id)| id)
            .filter(|id| query.cursor.is_none_or(|cursor| *id < cursor))
            .collect();
        mine.sort_unstable_by(|a, b| b.cmp(a));
        let more = mine.len() as u64 > query.limit;
        mine.truncate(query.limit as usize);
        let keys: Vec<String> = mine.iter().map(|id| self.key(*id)).collect();
        let values: std::collections::HashMap<String, Option<Vec<u8>>> =
            self.store.get_many(keys.clone())?.into_iter().collect();
        let predictions: Vec<Record> = keys
            .iter()
            .filter_map(|key| serde_json::from_slice(values.get(key)?.as_ref()?).ok())
            .collect();
        Ok(Page {
            next_cursor: more.then(|| mine.last().map(ToString::to_string)).flatten(),
            predictions,
        })
    }

    /// Deletes, for every caller, the records past `days` at `now_ms` and
    /// those beyond the newest `keep`, with their claim keys; the owner and
    /// id of each record kept.
    pub fn prune(&self, now_ms: u64) -> Result<Vec<(String, PredictionId)>, StoreError> {
        // Each history key: its owner, its prediction's id, the key.
        let mut keys: Vec<(String, PredictionId, String)> = self
            .store
            .list_keys()?
            .into_iter()
            .filter_map(|key| {
                let (owner, rest) = key.strip_prefix(HISTORY)?.split_once(':')?;
                let id = rest.split(':').next()?.parse().ok()?;
                Some((owner.to_owned(), id, key))
            })
            .collect();
        // Each caller's newest first.
        keys.sort_unstable_by(|(owner_a, a, _), (owner_b, b, _)| {
            owner_a.cmp(owner_b).then(b.cmp(a))
        });
        let mut kept = Vec::new();
        let mut gone = Vec::new();
        let mut rank = 0;
        let mut previous: Option<(&str, PredictionId)> = None;
        for (owner, id, key) in &keys {
            match previous {
                Some((last_owner, last_id)) if last_owner == owner && last_id == *id => {}
                Some((last_owner, _)) if last_owner == owner => rank += 1,
                _ => rank = 0,
            }
            let keep = rank < self.settings.keep && self.is_recent(id.unix_ms(), now_ms);
            if !keep {
                gone.push(key.clone());
            } else if previous != Some((owner.as_str(), *id)) {
                kept.push((owner.clone(), *id));
            }
            previous = Some((owner, *id));
        }
        if !gone.is_empty() {
            self.store.delete_many(gone)?;
        }
        Ok(kept)
    }

    /// Stores `truth` with prediction `id` at `now_ms`: the record as it is
    /// afterwards. A truth already given with the same value changes
    /// nothing; with another, it is a conflict. Each new truth counts once
    /// in the live figures, however many requests send it at once.
    ///
    /// Who sets a truth is decided by an atomic increment of its claim key:
    /// the first claimant writes it into the record (by compare-and-swap,
    /// checked by reading the record back: Spin's Redis store reports every
    /// swap as failed, its `UNWATCH` being sent with an argument Redis
    /// refuses) and counts it; a later one waits for it and compares.
    pub fn feedback(
        &self,
        id: PredictionId,
        truth: &Truth,
        now_ms: u64,
    ) -> Result<Record, FeedbackError> {
        if !self.is_recent(id.unix_ms(), now_ms) {
            return Err(FeedbackError::NotFound);
        }
        let key = self.key(id);
        let record = self.read(&key)?.ok_or(FeedbackError::NotFound)?;
        let (_, new) = with_truth(&record, truth, now_ms)?;
        if !new.price && !new.label {
            return Ok(record);
        }
        let mut won = NewTruths::default();
        if new.price {
            won.price = self
                .store
                .increment(&format!("{key}:claim:sold_price_usd"), 1)?
                == 1;
        }
        if new.label {
            won.label = self.store.increment(&format!("{key}:claim:label"), 1)? == 1;
        }
        let mine = Truth {
            sold_price_usd: truth.sold_price_usd.filter(|_| won.price),
            label: truth.label.filter(|_| won.label),
        };
        let mut record = self.write_truth(&key, &mine, now_ms)?;
        let theirs = Truth {
            sold_price_usd: truth.sold_price_usd.filter(|_| new.price && !won.price),
            label: truth.label.filter(|_| new.label && !won.label),
        };
        if theirs.sold_price_usd.is_some() || theirs.label.is_some() {
            record = self.await_truth(&key, &theirs, now_ms)?;
        }
        live::count(self.store, &record, won)?;
        Ok(record)
    }

    /// The record at `key`, if there is one.
    fn read(&self, key: &str) -> Result<Option<Record>, StoreError> {
        Ok(self
            .store
            .get(key)?
            .and_then(|value| serde_json::from_slice(&value).ok()))
    }

    /// Writes `truth`, whose fields this request claimed, into the record at
    /// `key`; the record with it.
    fn write_truth(&self, key: &str, truth: &Truth, now_ms: u64) -> Result<Record, FeedbackError> {
        // A failed swap means another truth of the record was written
        // between the read and the write: read again.
        for _ in 0..16 {
            let (cas, value) = self.store.watch(key)?;
            let record: Record = value
                .and_then(|value| serde_json::from_slice(&value).ok())
                .ok_or(FeedbackError::NotFound)?;
            let (updated, new) = with_truth(&record, truth, now_ms)?;
            if !new.price && !new.label {
                return Ok(record);
            }
            if self.store.swap(cas, api::to_json(&updated))? {
                return Ok(updated);
            }
        }
        Err(FeedbackError::Store(StoreError(
            "too many concurrent writers of this prediction".into(),
        )))
    }

    /// The record at `key` once the truths another request claimed first
    /// are in it: a conflict if they differ from `truth`.
    fn await_truth(&self, key: &str, truth: &Truth, now_ms: u64) -> Result<Record, FeedbackError> {
        // The claimant writes right after it claims.
        for _ in 0..200 {
            let record = self.read(key)?.ok_or(FeedbackError::NotFound)?;
            let (_, new) = with_truth(&record, truth, now_ms)?;
            if !new.price && !new.label {
                return Ok(record);
            }
        }
        Err(FeedbackError::Pending(if truth.sold_price_usd.is_some() {
            "sold_price_usd"
        } else {
            "label"
        }))
    }
}

/// Which truths a feedback adds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewTruths {
    pub price: bool,
    pub label: bool,
}

/// `record` with `truth` added, and which truths are new.
fn with_truth(
    record: &Record,
    truth: &Truth,
    now_ms: u64,
) -> Result<(Record, NewTruths), FeedbackError> {
    let mut feedback = record.feedback.clone().unwrap_or(Feedback {
        sold_price_usd: None,
        label: None,
        unix_ms: now_ms,
    });
    let new = NewTruths {
        price: set_once(
            &mut feedback.sold_price_usd,
            truth.sold_price_usd,
            record.line.car.is_some(),
            "sold_price_usd",
        )?,
        label: set_once(
            &mut feedback.label,
            truth.label.map(str::to_owned),
            record.line.review.is_some(),
            "label",
        )?,
    };
    if new.price || new.label {
        feedback.unix_ms = now_ms;
    }
    Ok((
        Record {
            feedback: Some(feedback),
            ..record.clone()
        },
        new,
    ))
}

/// Puts `given` (the truth for `field`, if the feedback gives one) into
/// `stored`, for a prediction the field `applies` to: whether it is new.
fn set_once<T: PartialEq + std::fmt::Display>(
    stored: &mut Option<T>,
    given: Option<T>,
    applies: bool,
    field: &'static str,
) -> Result<bool, FeedbackError> {
    let Some(given) = given else {
        return Ok(false);
    };
    if !applies {
        return Err(FeedbackError::NotApplicable(field));
    }
    match stored {
        Some(value) if *value != given => Err(FeedbackError::Conflict {
            field,
            stored: value.to_string(),
        }),
        Some(_) => Ok(false),
        None => {
            *stored = Some(given);
            Ok(true)
        }
    }
}

#[cfg(test)]
pub(crate) mod memory;

#[cfg(test)]
mod tests;
