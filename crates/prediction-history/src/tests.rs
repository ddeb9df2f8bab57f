//! The history's rules, on a store with the semantics of Spin's SQLite one.

use super::*;
use crate::memory::MemoryStore;
use payload_log::{CarRecord, ReviewRecord, SCHEMA};

const NOW: u64 = 1_764_000_000_000;

fn line(unix_ms: u64, car: bool, review: bool) -> Line {
    Line {
        schema: SCHEMA.to_owned(),
        route: "/api/car-analysis".to_owned(),
        unix_ms,
        duration_us: 120,
        car: car.then(|| CarRecord {
            model_version: "car-1".to_owned(),
            year: 2016,
            mileage: 60_000.0,
            model: Some("c-class".to_owned()),
            condition: None,
            title_status: None,
            fuel: None,
            transmission: None,
            body_type: None,
            value_usd: 20_000,
            low_usd: 17_000,
            high_usd: 23_000,
            extrapolated: false,
        }),
        review: review.then(|| ReviewRecord {
            model_version: "sentiment-1".to_owned(),
            chars: 22,
            text: None,
            label: "positive".to_owned(),
            score: 0.8,
            confidence: 0.9,
        }),
    }
}

fn history(store: &MemoryStore, owner: Owner, keep: u64) -> History<'_, MemoryStore> {
    History::new(
        store,
        owner,
        Settings {
            keep,
            ..Settings::default()
        },
    )
}

fn truth(price: Option<u32>, label: Option<&'static str>) -> Truth {
    Truth {
        sold_price_usd: price,
        label,
    }
}

/// Records a prediction made at `unix_ms`; its id.
fn record(
    history: &History<'_, MemoryStore>,
    unix_ms: u64,
    car: bool,
    review: bool,
) -> PredictionId {
    let id = PredictionId::new(unix_ms, 0, unix_ms ^ 0x5eed);
    history
        .record(vec![(id, line(unix_ms, car, review))])
        .unwrap();
    id
}

fn ids(page: &Page) -> Vec<String> {
    page.predictions
        .iter()
        .map(|record| record.id.clone())
        .collect()
}

#[test]
fn a_recorded_prediction_is_found_by_its_id() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, true, true);
    let found = history.get(id, NOW).unwrap().unwrap();
    assert_eq!(found.id, id.to_string());
    assert_eq!(found.line, line(NOW, true, true));
    assert_eq!(found.feedback, None);
}

#[test]
fn the_rows_of_a_batch_are_kept_in_one_write() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let rows: Vec<(PredictionId, Line)> = (0..3)
        .map(|row| (PredictionId::new(NOW, row, 9), line(NOW, false, true)))
        .collect();
    history.record(rows.clone()).unwrap();
    let page = history
        .page(
            PageQuery {
                limit: 10,
                cursor: None,
            },
            NOW,
        )
        .unwrap();
    let newest_first: Vec<String> = rows.iter().rev().map(|(id, _)| id.to_string()).collect();
    assert_eq!(ids(&page), newest_first);
}

#[test]
fn an_id_with_another_nonce_or_owner_is_not_found() {
    let store = MemoryStore::default();
    let mine = history(&store, Owner::of_key(b"mine"), 100);
    let id = record(&mine, NOW, true, true);
    assert_eq!(
        mine.get(
            PredictionId {
                nonce: id.nonce + 1,
                ..id
            },
            NOW
        )
        .unwrap(),
        None
    );
    let theirs = history(&store, Owner::of_key(b"theirs"), 100);
    assert_eq!(theirs.get(id, NOW).unwrap(), None);
    assert_eq!(
        theirs.feedback(id, &truth(Some(1), None), NOW),
        Err(FeedbackError::NotFound)
    );
    let page = theirs
        .page(
            PageQuery {
                limit: 10,
                cursor: None,
            },
            NOW,
        )
        .unwrap();
    assert!(page.predictions.is_empty());
}

#[test]
fn a_record_past_its_days_is_gone() {
    let store = MemoryStore::default();
    let history = History::new(
        &store,
        Owner::open(),
        Settings {
            days: 2,
            ..Settings::default()
        },
    );
    let id = record(&history, NOW, true, true);
    assert!(history.get(id, NOW + 2 * DAY_MS).unwrap().is_some());
    assert_eq!(history.get(id, NOW + 2 * DAY_MS + 1).unwrap(), None);
    assert_eq!(
        history.feedback(id, &truth(Some(1), None), NOW + 3 * DAY_MS),
        Err(FeedbackError::NotFound)
    );
}

#[test]
fn pruning_keeps_each_callers_newest_and_deletes_the_rest() {
    let store = MemoryStore::default();
    let mine = History::new(
        &store,
        Owner::of_key(b"mine"),
        Settings {
            keep: 3,
            days: 1,
            ..Settings::default()
        },
    );
    let theirs = history(&store, Owner::of_key(b"theirs"), 3);
    let old = record(&mine, NOW - 2 * DAY_MS, true, false);
    let recent: Vec<PredictionId> = (0..5)
        .map(|n| record(&mine, NOW + n, true, false))
        .collect();
    let other = record(&theirs, NOW, true, false);
    store.increment("live:car-value:car-1:1:n", 1).unwrap();
    let kept = mine.prune(NOW + 10).unwrap();
    assert_eq!(kept.len(), 4);
    assert_eq!(mine.get(old, NOW).unwrap(), None);
    assert_eq!(mine.get(recent[1], NOW).unwrap(), None);
    assert!(mine.get(recent[2], NOW).unwrap().is_some());
    assert!(theirs.get(other, NOW).unwrap().is_some());
    // Three of mine, one of theirs and the counter: nothing else is left.
    assert_eq!(store.values.borrow().len(), 5);
}

#[test]
fn pages_run_newest_first_and_end_with_no_cursor() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let made: Vec<String> = (0..5)
        .map(|n| record(&history, NOW + n, true, false).to_string())
        .collect();
    let first = history
        .page(
            PageQuery {
                limit: 2,
                cursor: None,
            },
            NOW,
        )
        .unwrap();
    assert_eq!(ids(&first), [made[4].clone(), made[3].clone()]);
    let cursor = first.next_cursor.clone().unwrap();
    assert_eq!(cursor, made[3]);
    let second = history
        .page(
            PageQuery {
                limit: 2,
                cursor: Some(cursor.parse().unwrap()),
            },
            NOW,
        )
        .unwrap();
    assert_eq!(ids(&second), [made[2].clone(), made[1].clone()]);
    let cursor = second.next_cursor.unwrap().parse().unwrap();
    let last = history
        .page(
            PageQuery {
                limit: 2,
                cursor: Some(cursor),
            },
            NOW,
        )
        .unwrap();
    assert_eq!(ids(&last), [made[0].clone()]);
    assert_eq!(last.next_cursor, None);
}

#[test]
fn an_empty_history_is_an_empty_page() {
    let store = MemoryStore::default();
    let page = history(&store, Owner::open(), 100).page(
        PageQuery {
            limit: 20,
            cursor: None,
        },
        NOW,
    );
    assert_eq!(
        page.unwrap(),
        Page {
            predictions: Vec::new(),
            next_cursor: None
        }
    );
}

#[test]
fn feedback_is_stored_once_and_repeating_it_changes_nothing() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, true, true);
    let record = history
        .feedback(id, &truth(Some(18_500), None), NOW + 5)
        .unwrap();
    let feedback = record.feedback.clone().unwrap();
    assert_eq!(
        (feedback.sold_price_usd, feedback.unix_ms),
        (Some(18_500), NOW + 5)
    );
    assert_eq!(
        history
            .feedback(id, &truth(Some(18_500), None), NOW + 9)
            .unwrap(),
        record
    );
    assert_eq!(history.get(id, NOW).unwrap().unwrap(), record);
}

#[test]
fn a_different_truth_is_a_conflict_naming_the_stored_one() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, true, true);
    history
        .feedback(id, &truth(None, Some("negative")), NOW)
        .unwrap();
    let conflict = history
        .feedback(id, &truth(None, Some("positive")), NOW)
        .unwrap_err();
    assert_eq!(
        conflict,
        FeedbackError::Conflict {
            field: "label",
            stored: "negative".into()
        }
    );
    assert_eq!(conflict.api_error(&id.to_string()).status(), 409);
}

#[test]
fn the_other_truth_of_a_car_analysis_can_come_later() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, true, true);
    history
        .feedback(id, &truth(Some(21_000), None), NOW)
        .unwrap();
    let record = history
        .feedback(id, &truth(Some(21_000), Some("positive")), NOW)
        .unwrap();
    let feedback = record.feedback.unwrap();
    assert_eq!(
        (feedback.sold_price_usd, feedback.label.as_deref()),
        (Some(21_000), Some("positive"))
    );
}

#[test]
fn a_truth_about_a_model_the_prediction_did_not_use_is_refused() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, false, true);
    let refusal = history
        .feedback(id, &truth(Some(1), None), NOW)
        .unwrap_err();
    assert_eq!(refusal, FeedbackError::NotApplicable("sold_price_usd"));
    assert_eq!(refusal.api_error("x").status(), 422);
}

#[test]
fn live_figures_count_each_truth_once() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let ids: Vec<PredictionId> = (0..3)
        .map(|n| record(&history, NOW + n, true, true))
        .collect();
    // Value 20,000 with interval 17,000-23,000: errors 1,500 (inside) and
    // 4,000 (outside); labels: one right, one wrong.
    history
        .feedback(ids[0], &truth(Some(18_500), Some("positive")), NOW)
        .unwrap();
    history
        .feedback(ids[0], &truth(Some(18_500), Some("positive")), NOW)
        .unwrap();
    history
        .feedback(ids[1], &truth(Some(24_000), Some("negative")), NOW)
        .unwrap();
    let car = live::figures(&store, live::Model::CarValue, "car-1", NOW).unwrap();
    assert_eq!(car.feedback, 2);
    assert_eq!(
        car.figures,
        api::Figures::CarValue {
            mae_usd: Some(2_750.0),
            interval_coverage: Some(0.5)
        }
    );
    let sentiment = live::figures(&store, live::Model::Sentiment, "sentiment-1", NOW).unwrap();
    assert_eq!(
        (sentiment.feedback, sentiment.figures.clone()),
        (
            2,
            api::Figures::Sentiment {
                accuracy: Some(0.5)
            }
        )
    );
    let other = live::figures(&store, live::Model::Sentiment, "sentiment-2", NOW).unwrap();
    assert_eq!(
        (other.feedback, other.figures),
        (0, api::Figures::Sentiment { accuracy: None })
    );
}

#[test]
fn a_cascade_s_live_figures_count_the_feedback_on_each_of_its_models() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, false, true);
    history
        .feedback(id, &truth(None, Some("positive")), NOW)
        .unwrap();
    let alone = live::figures(&store, live::Model::Sentiment, "sentiment-1", NOW).unwrap();
    for cascade in ["sentiment-1+sentiment-2", "sentiment-2+sentiment-1"] {
        let figures = live::figures(&store, live::Model::Sentiment, cascade, NOW).unwrap();
        assert_eq!(figures, alone, "{cascade}");
    }
    assert_eq!(alone.feedback, 1);
}

#[test]
fn live_figures_cover_the_last_seven_days() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let ids = [record(&history, NOW, true, false)];
    history
        .feedback(ids[0], &truth(Some(20_000), None), NOW)
        .unwrap();
    let later = |days: u64| {
        live::figures(&store, live::Model::CarValue, "car-1", NOW + days * DAY_MS)
            .unwrap()
            .feedback
    };
    assert_eq!((later(6), later(7)), (1, 0));
}

#[test]
fn a_page_query_takes_limit_and_cursor_only() {
    assert_eq!(
        PageQuery::parse(""),
        Ok(PageQuery {
            limit: 20,
            cursor: None
        })
    );
    assert_eq!(
        PageQuery::parse("limit=5&cursor=12-00000000000000ff"),
        Ok(PageQuery {
            limit: 5,
            cursor: Some(PredictionId {
                sequence: 12,
                nonce: 255
            })
        })
    );
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "cursor=-1",
        "cursor=",
        "cursor=12",
        "limit=1&limit=2",
        "page=2",
    ] {
        let error = PageQuery::parse(query).unwrap_err();
        assert_eq!(
            (error.status(), error.code()),
            (400, "invalid_query"),
            "{query}"
        );
    }
}

#[test]
fn feedback_counts_once_where_every_swap_reports_failure() {
    let store = MemoryStore {
        swaps_report_failure: true,
        ..MemoryStore::default()
    };
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, true, true);
    let stored = history
        .feedback(id, &truth(Some(21_000), Some("positive")), NOW)
        .unwrap();
    let feedback = stored.feedback.unwrap();
    assert_eq!(
        (feedback.sold_price_usd, feedback.label.as_deref()),
        (Some(21_000), Some("positive"))
    );
    let car = live::figures(&store, live::Model::CarValue, "car-1", NOW).unwrap();
    let sentiment = live::figures(&store, live::Model::Sentiment, "sentiment-1", NOW).unwrap();
    assert_eq!((car.feedback, sentiment.feedback), (1, 1));
}

#[test]
fn a_truth_claimed_by_another_request_is_compared_not_counted() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let id = record(&history, NOW, true, false);
    // Another request claimed the price and stored 19,000.
    let key = format!("history:open:{id}");
    store
        .increment(&format!("{key}:claim:sold_price_usd"), 1)
        .unwrap();
    let mut stored: Record = serde_json::from_slice(&store.get(&key).unwrap().unwrap()).unwrap();
    stored.feedback = Some(Feedback {
        sold_price_usd: Some(19_000),
        label: None,
        unix_ms: NOW,
    });
    store.set_many(vec![(key, api::to_json(&stored))]).unwrap();
    assert_eq!(
        history.feedback(id, &truth(Some(20_000), None), NOW),
        Err(FeedbackError::Conflict {
            field: "sold_price_usd",
            stored: "19000".into()
        })
    );
    assert_eq!(
        history
            .feedback(id, &truth(Some(19_000), None), NOW)
            .unwrap(),
        stored
    );
    let car = live::figures(&store, live::Model::CarValue, "car-1", NOW).unwrap();
    assert_eq!(car.feedback, 0, "the claimant counts it");
}

#[test]
fn pruning_takes_a_records_claim_keys_with_it() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 1);
    let old = record(&history, NOW, true, false);
    history
        .feedback(old, &truth(Some(20_000), None), NOW)
        .unwrap();
    let new = record(&history, NOW + 1, true, false);
    history.prune(NOW + 2).unwrap();
    let keys: Vec<String> = store
        .values
        .borrow()
        .keys()
        .filter(|k| k.starts_with("history:"))
        .cloned()
        .collect();
    assert_eq!(keys, [format!("history:open:{new}")]);
}

#[test]
fn figures_from_exported_records_are_the_live_figures() {
    let store = MemoryStore::default();
    let history = history(&store, Owner::open(), 100);
    let ids: Vec<PredictionId> = (0..3)
        .map(|n| record(&history, NOW + n, true, true))
        .collect();
    history
        .feedback(ids[0], &truth(Some(18_500), Some("positive")), NOW)
        .unwrap();
    history
        .feedback(ids[1], &truth(Some(24_000), None), NOW)
        .unwrap();
    let page = history
        .page(
            PageQuery {
                limit: 100,
                cursor: None,
            },
            NOW,
        )
        .unwrap();
    let exported = live::of_records(&page.predictions);
    assert_eq!(exported.len(), 2);
    for (model, version, figures) in exported {
        let live = live::figures(&store, model, &version, NOW).unwrap();
        assert_eq!(
            (figures.feedback, &figures.figures),
            (live.feedback, &live.figures)
        );
        assert_eq!(figures.window_days, 1);
    }
}
