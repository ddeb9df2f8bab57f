//! Live figures: how each model version does on the predictions callers
//! sent the truth for, from counters per model version and day.
//!
//! Feedback adds to the counters of the day its prediction was made; a
//! model's figures sum the last [`WINDOW_DAYS`] days. Counters are only ever
//! incremented, so concurrent feedback loses no count.

use crate::store::{Store, StoreError, counter};
use crate::{DAY_MS, NewTruths, Record};
use api::{Figures, LiveFigures};

/// How many days, today included, the live figures cover.
pub const WINDOW_DAYS: u64 = 7;

/// The models that take feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    CarValue,
    Sentiment,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Model::CarValue => "car-value",
            Model::Sentiment => "sentiment",
        }
    }

    /// The counters it keeps: the count first.
    fn figures(self) -> &'static [&'static str] {
        match self {
            Model::CarValue => &["n", "abs_error_usd", "covered"],
            Model::Sentiment => &["n", "correct"],
        }
    }
}

fn key(model: Model, version: &str, day: u64, figure: &str) -> String {
    format!("live:{}:{version}:{day}:{figure}", model.name())
}

/// Adds the `new` truths of `record` to the counters.
pub(crate) fn count<S: Store>(
    store: &S,
    record: &Record,
    new: NewTruths,
) -> Result<(), StoreError> {
    let day = record.line.unix_ms / DAY_MS;
    let feedback = record.feedback.as_ref();
    if let (true, Some(car), Some(sold)) = (
        new.price,
        &record.line.car,
        feedback.and_then(|f| f.sold_price_usd),
    ) {
        let error = (i64::from(sold) - i64::from(car.value_usd)).abs();
        let covered = (car.low_usd..=car.high_usd).contains(&sold);
        for (figure, delta) in [
            ("n", 1),
            ("abs_error_usd", error),
            ("covered", covered as i64),
        ] {
            store.increment(
                &key(Model::CarValue, &car.model_version, day, figure),
                delta,
            )?;
        }
    }
    if let (true, Some(review), Some(label)) = (
        new.label,
        &record.line.review,
        feedback.and_then(|f| f.label.as_deref()),
    ) {
        let correct = review.label == label;
        for (figure, delta) in [("n", 1), ("correct", correct as i64)] {
            store.increment(
                &key(Model::Sentiment, &review.model_version, day, figure),
                delta,
            )?;
        }
    }
    Ok(())
}

/// The live figures of `model` at `version`, on `now_ms`'s window.
pub fn figures<S: Store>(
    store: &S,
    model: Model,
    version: &str,
    now_ms: u64,
) -> Result<LiveFigures, StoreError> {
    let today = now_ms / DAY_MS;
    let days = today.saturating_sub(WINDOW_DAYS - 1)..=today;
    let keys: Vec<String> = days
        .flat_map(|day| {
            model
                .figures()
                .iter()
                .map(move |figure| key(model, version, day, figure))
        })
        .collect();
    let values = store.get_many(keys)?;
    let total = |figure: &str| -> i64 {
        let suffix = format!(":{figure}");
        values
            .iter()
            .filter(|(key, _)| key.ends_with(&suffix))
            .filter_map(|(_, value)| counter(value.as_deref()?))
            .sum()
    };
    let count = total("n");
    let share = |figure: &str| (count > 0).then(|| total(figure) as f64 / count as f64);
    let figures = match model {
        Model::CarValue => Figures::CarValue {
            mae_usd: share("abs_error_usd"),
            interval_coverage: share("covered"),
        },
        Model::Sentiment => Figures::Sentiment {
            accuracy: share("correct"),
        },
    };
    Ok(LiveFigures {
        window_days: WINDOW_DAYS,
        feedback: count,
        figures,
    })
}
