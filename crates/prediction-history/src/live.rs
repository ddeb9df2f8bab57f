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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Model {
    CarValue,
    Sentiment,
}

impl Model {
    /// As `GET /api/models` names it.
    pub fn name(self) -> &'static str {
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

/// What the `new` truths of `record` add to the counters: model, version,
/// figure and amount.
fn additions(record: &Record, new: NewTruths) -> Vec<(Model, &str, &'static str, i64)> {
    let mut added = Vec::new();
    let feedback = record.feedback.as_ref();
    if let (true, Some(car), Some(sold)) = (
        new.price,
        &record.line.car,
        feedback.and_then(|f| f.sold_price_usd),
    ) {
        let error = (i64::from(sold) - i64::from(car.value_usd)).abs();
        let covered = (car.low_usd..=car.high_usd).contains(&sold);
        let version = car.model_version.as_str();
        added.push((Model::CarValue, version, "n", 1));
        added.push((Model::CarValue, version, "abs_error_usd", error));
        added.push((Model::CarValue, version, "covered", i64::from(covered)));
    }
    if let (true, Some(review), Some(label)) = (
        new.label,
        &record.line.review,
        feedback.and_then(|f| f.label.as_deref()),
    ) {
        let version = review.model_version.as_str();
        added.push((Model::Sentiment, version, "n", 1));
        added.push((
            Model::Sentiment,
            version,
            "correct",
            i64::from(review.label == label),
        ));
    }
    added
}

/// Adds the `new` truths of `record` to the counters.
pub(crate) fn count<S: Store>(
    store: &S,
    record: &Record,
    new: NewTruths,
) -> Result<(), StoreError> {
    let day = record.line.unix_ms / DAY_MS;
    for (model, version, figure, amount) in additions(record, new) {
        store.increment(&key(model, version, day, figure), amount)?;
    }
    Ok(())
}

/// The figures of a model version from its counters' totals (`total` of
/// each figure).
fn figures_of(model: Model, total: impl Fn(&str) -> i64, window_days: u64) -> LiveFigures {
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
    LiveFigures {
        window_days,
        feedback: count,
        figures,
    }
}

/// The figures of each model version over the feedback of `records` (an
/// export of the history, for a report), as the live counters give them
/// over a window of the days the records span; by model and version.
pub fn of_records<'a>(
    records: impl IntoIterator<Item = &'a Record>,
) -> Vec<(Model, String, LiveFigures)> {
    type Sums = std::collections::BTreeMap<&'static str, i64>;
    let mut totals = std::collections::BTreeMap::<(Model, String), Sums>::new();
    let (mut first_day, mut last_day) = (u64::MAX, 0);
    let every = NewTruths {
        price: true,
        label: true,
    };
    for record in records {
        for (model, version, figure, amount) in additions(record, every) {
            *totals
                .entry((model, version.to_owned()))
                .or_default()
                .entry(figure)
                .or_default() += amount;
            first_day = first_day.min(record.line.unix_ms / DAY_MS);
            last_day = last_day.max(record.line.unix_ms / DAY_MS);
        }
    }
    let days = last_day.saturating_sub(first_day) + 1;
    totals
        .into_iter()
        .map(|((model, version), sums)| {
            let total = |figure: &str| sums.get(figure).copied().unwrap_or(0);
            (model, version, figures_of(model, total, days))
        })
        .collect()
}

/// The live figures of `model` at `version`, on `now_ms`'s window. A
/// version of models joined by `+` (a cascade, whose answers each name the
/// model that made them) counts the feedback on each.
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
            version.split('+').flat_map(move |version| {
                model
                    .figures()
                    .iter()
                    .map(move |figure| key(model, version, day, figure))
            })
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
    Ok(figures_of(model, total, WINDOW_DAYS))
}
