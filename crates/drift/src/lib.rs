//! The drift report: do the predictions in a payload log look like the data
//! the models were trained on?
//!
//! The reference is the training side of each model's held-out split
//! (`data/`, loaded with the training crates' own loaders and cleaning
//! rules), turned into payload records by running the served models on it,
//! so a feature is read the same way on both sides ([`FEATURES`]). Each
//! feature is compared with the population stability index ([`stats::psi`]:
//! over the reference's deciles for numbers, over the categories for text)
//! and a test: two-sample Kolmogorov–Smirnov for numbers, chi-squared for
//! categories. A feature drifted when its PSI is over [`PSI_THRESHOLD`].
//! A listing detail a caller leaves out is not a value: how often each side
//! leaves it out is reported apart ([`Comparison::log_not_given`]), and the
//! PSI and the test compare the values given. [`report`] prints the table
//! and writes the HTML page.

pub mod report;
pub mod stats;

use anyhow::{Context, Result};
use payload_log::{CarRecord, Level, Line, ReviewRecord, SCHEMA};
use prediction_history::{Record, live};
use std::path::Path;

/// A PSI above this is drift: the usual reading of the index (below 0.1 no
/// change, 0.1–0.2 a moderate one, above 0.2 a significant one).
pub const PSI_THRESHOLD: f64 = 0.2;

/// Whether a feature is something the caller sent or something a model
/// answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Input,
    Prediction,
}

/// One value of a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Category(String),
}

/// What a line says of a feature it has a record for.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Given(Value),
    /// An optional detail the caller left out.
    NotGiven,
}

/// A feature: its name and how to read it from a payload line (`None`: the
/// line has no record of this kind, such as a car feature on a review line).
pub struct Feature {
    pub name: &'static str,
    pub role: Role,
    pub read: fn(&Line) -> Option<Reading>,
}

fn car(line: &Line) -> Option<&CarRecord> {
    line.car.as_ref()
}

fn review(line: &Line) -> Option<&ReviewRecord> {
    line.review.as_ref()
}

fn number(value: impl Into<f64>) -> Reading {
    Reading::Given(Value::Number(value.into()))
}

fn category(value: &str) -> Reading {
    Reading::Given(Value::Category(value.to_owned()))
}

fn detail(value: &Option<String>) -> Reading {
    value.as_deref().map_or(Reading::NotGiven, category)
}

/// Every feature the report compares, inputs first.
pub const FEATURES: &[Feature] = &[
    Feature {
        name: "car.year",
        role: Role::Input,
        read: |l| car(l).map(|c| number(c.year)),
    },
    Feature {
        name: "car.mileage",
        role: Role::Input,
        read: |l| car(l).map(|c| number(c.mileage)),
    },
    Feature {
        name: "car.model",
        role: Role::Input,
        read: |l| car(l).map(|c| detail(&c.model)),
    },
    Feature {
        name: "car.condition",
        role: Role::Input,
        read: |l| car(l).map(|c| detail(&c.condition)),
    },
    Feature {
        name: "car.title_status",
        role: Role::Input,
        read: |l| car(l).map(|c| detail(&c.title_status)),
    },
    Feature {
        name: "car.fuel",
        role: Role::Input,
        read: |l| car(l).map(|c| detail(&c.fuel)),
    },
    Feature {
        name: "car.transmission",
        role: Role::Input,
        read: |l| car(l).map(|c| detail(&c.transmission)),
    },
    Feature {
        name: "car.type",
        role: Role::Input,
        read: |l| car(l).map(|c| detail(&c.body_type)),
    },
    Feature {
        name: "review.chars",
        role: Role::Input,
        read: |l| review(l).map(|r| number(r.chars as f64)),
    },
    Feature {
        name: "car.value_usd",
        role: Role::Prediction,
        read: |l| car(l).map(|c| number(c.value_usd)),
    },
    Feature {
        name: "review.label",
        role: Role::Prediction,
        read: |l| review(l).map(|r| category(&r.label)),
    },
    Feature {
        name: "review.score",
        role: Role::Prediction,
        read: |l| review(l).map(|r| number(r.score)),
    },
    Feature {
        name: "review.confidence",
        role: Role::Prediction,
        read: |l| review(l).map(|r| number(r.confidence)),
    },
];

/// The payload lines of a log, the kept predictions among them that have
/// feedback, and how many other lines it had.
#[derive(Debug, Clone, Default)]
pub struct Log {
    pub lines: Vec<Line>,
    /// The records with the truth sent back, from an export of the
    /// prediction history (`scripts/history-export`).
    pub feedback: Vec<Record>,
    pub other_lines: usize,
}

impl Log {
    /// Reads the payload lines of `text`, and the prediction records of an
    /// export of the history (each a payload line with its id and feedback);
    /// every other line is counted and skipped.
    pub fn parse(text: &str) -> Log {
        let mut log = Log::default();
        for text in text.lines() {
            if let Some(line) = Line::parse(text) {
                log.lines.push(line);
            } else if let Some(record) = record(text) {
                log.lines.push(record.line.clone());
                if record.feedback.is_some() {
                    log.feedback.push(record);
                }
            } else {
                log.other_lines += 1;
            }
        }
        log
    }

    /// Each model version's figures from the feedback of the log's records,
    /// as `GET /api/models` gives them live.
    pub fn feedback_figures(&self) -> Vec<(live::Model, String, api::LiveFigures)> {
        live::of_records(&self.feedback)
    }

    /// Reads the log at `path`; bytes that are not UTF-8 only spoil their
    /// own line.
    pub fn read(path: &Path) -> Result<Log> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Log::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// The model versions the lines name, each with its count.
    pub fn model_versions(&self) -> Vec<(String, usize)> {
        let mut versions = std::collections::BTreeMap::<String, usize>::new();
        for line in &self.lines {
            let names = [
                line.car.as_ref().map(|c| &c.model_version),
                line.review.as_ref().map(|r| &r.model_version),
            ];
            for name in names.into_iter().flatten() {
                *versions.entry(name.clone()).or_default() += 1;
            }
        }
        versions.into_iter().collect()
    }
}

/// A record of the prediction history's export (`{"id": ...}`), if `text`
/// is one of the payload-line schema.
fn record(text: &str) -> Option<Record> {
    let text = text.trim_end();
    if !text.starts_with("{\"id\":") {
        return None;
    }
    serde_json::from_str::<Record>(text)
        .ok()
        .filter(|record| record.line.schema == payload_log::SCHEMA)
}

/// The training side of both models' splits, as payload lines.
pub fn reference(data_dir: &Path) -> Result<Vec<Line>> {
    let mut lines = car_reference(data_dir)?;
    lines.extend(review_reference(data_dir)?);
    Ok(lines)
}

fn reference_line(car: Option<CarRecord>, review: Option<ReviewRecord>) -> Line {
    Line {
        schema: SCHEMA.to_owned(),
        route: "(training data)".to_owned(),
        unix_ms: 0,
        duration_us: 0,
        car,
        review,
    }
}

/// The car-value model's training side: the clean listings of the seeded
/// split's training part, valued by the served model.
fn car_reference(data_dir: &Path) -> Result<Vec<Line>> {
    use car_value_training::eval::{SPLIT_SEED, split};
    let listings = car_value_training::load_listings(data_dir.join("cars/listings.csv"))?;
    let cleaned = car_value_training::clean::clean(listings);
    let (training, _) = split(&cleaned.rows, SPLIT_SEED);
    let given = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    Ok(training
        .iter()
        .filter_map(|row| {
            let car = api::car_value::Car {
                year: row.year,
                mileage: row.mileage,
                model: given(&row.model),
                condition: given(&row.condition),
                title_status: given(&row.title_status),
                fuel: given(&row.fuel),
                transmission: given(&row.transmission),
                body_type: given(&row.body_type),
            };
            // A listing with a value the model does not know would be refused.
            let valuation = car_value_model::api::estimate(car.clone()).ok()?;
            Some(reference_line(Some(CarRecord::new(&car, &valuation)), None))
        })
        .collect())
}

/// The sentiment model's training side: the clean sentences outside its
/// held-out split, analysed by the served model.
fn review_reference(data_dir: &Path) -> Result<Vec<Line>> {
    use sentiment_training::{Params, data, is_held_out};
    let (dataset, _) = data::load(data_dir)?;
    Ok(dataset
        .rows
        .iter()
        .filter(|row| !is_held_out(&row.text, &Params::SERVED))
        .filter_map(|row| {
            let analysis = sentiment_model::api::analyze(&row.text).ok()?;
            Some(reference_line(
                None,
                Some(ReviewRecord::new(&row.text, Level::Summary, &analysis)),
            ))
        })
        .collect())
}

/// How one feature compares.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub feature: &'static str,
    pub role: Role,
    /// Records of the feature's kind on each side (given or not).
    pub reference_count: usize,
    pub log_count: usize,
    /// How many of them leave the feature out (only listing details can).
    pub reference_not_given: usize,
    pub log_not_given: usize,
    /// The bins (`< x`, `≥ x`…) or categories of the values given, with
    /// each side's shares; empty when the log gives no value.
    pub bins: Vec<String>,
    pub reference_shares: Vec<f64>,
    pub log_shares: Vec<f64>,
    pub psi: f64,
    /// `KS` or `chi²`, its statistic and p-value.
    pub test: &'static str,
    pub statistic: f64,
    pub p_value: f64,
}

impl Comparison {
    /// Whether the values given drifted ([`PSI_THRESHOLD`]).
    pub fn drifted(&self) -> bool {
        self.psi > PSI_THRESHOLD
    }

    /// Whether the log gives any value of the feature to compare.
    pub fn compared(&self) -> bool {
        self.log_count > self.log_not_given
    }

    /// The share of the reference's records that leave the feature out.
    pub fn reference_not_given_share(&self) -> f64 {
        self.reference_not_given as f64 / self.reference_count.max(1) as f64
    }

    /// The share of the log's records that leave the feature out.
    pub fn log_not_given_share(&self) -> f64 {
        self.log_not_given as f64 / self.log_count.max(1) as f64
    }
}

/// Compares every feature the log has records of with the reference.
pub fn compare(reference: &[Line], log: &Log) -> Vec<Comparison> {
    FEATURES
        .iter()
        .filter_map(|feature| {
            let expected: Vec<Reading> = reference.iter().filter_map(feature.read).collect();
            let observed: Vec<Reading> = log.lines.iter().filter_map(feature.read).collect();
            if observed.is_empty() || expected.is_empty() {
                return None;
            }
            Some(compare_feature(feature, &expected, &observed))
        })
        .collect()
}

fn given(readings: &[Reading]) -> Vec<&Value> {
    readings
        .iter()
        .filter_map(|reading| match reading {
            Reading::Given(value) => Some(value),
            Reading::NotGiven => None,
        })
        .collect()
}

fn compare_feature(feature: &Feature, expected: &[Reading], observed: &[Reading]) -> Comparison {
    let (reference_values, log_values) = (given(expected), given(observed));
    let base = Comparison {
        feature: feature.name,
        role: feature.role,
        reference_count: expected.len(),
        log_count: observed.len(),
        reference_not_given: expected.len() - reference_values.len(),
        log_not_given: observed.len() - log_values.len(),
        bins: Vec::new(),
        reference_shares: Vec::new(),
        log_shares: Vec::new(),
        psi: 0.0,
        test: "",
        statistic: 0.0,
        p_value: 1.0,
    };
    match (reference_values.first(), log_values.is_empty()) {
        (Some(_), false) => compare_values(base, &reference_values, &log_values),
        // Nothing given on one side: nothing to compare but how often.
        _ => base,
    }
}

/// Fills in the bins, the PSI and the test of the values given.
fn compare_values(base: Comparison, expected: &[&Value], observed: &[&Value]) -> Comparison {
    let numbers = |values: &[&Value]| -> Vec<f64> {
        values
            .iter()
            .filter_map(|v| match v {
                Value::Number(x) => Some(*x),
                Value::Category(_) => None,
            })
            .collect()
    };
    let categories = |values: &[&Value]| -> Vec<String> {
        values
            .iter()
            .filter_map(|v| match v {
                Value::Category(c) => Some(c.clone()),
                Value::Number(_) => None,
            })
            .collect()
    };
    let binned = |bins, reference_counts: Vec<usize>, log_counts: Vec<usize>| {
        let reference_shares = stats::shares(&reference_counts);
        let log_shares = stats::shares(&log_counts);
        Comparison {
            bins,
            psi: stats::psi(&reference_shares, &log_shares),
            reference_shares,
            log_shares,
            ..base.clone()
        }
    };
    if matches!(expected[0], Value::Number(_)) {
        let (reference, log) = (numbers(expected), numbers(observed));
        let edges = stats::decile_edges(&reference);
        let (statistic, p_value) = stats::ks_test(&reference, &log);
        Comparison {
            test: "KS",
            statistic,
            p_value,
            ..binned(
                bin_names(&edges),
                stats::bin_counts(&reference, &edges),
                stats::bin_counts(&log, &edges),
            )
        }
    } else {
        let (reference, log) = (categories(expected), categories(observed));
        let (names, reference_counts, log_counts) = stats::category_counts(
            reference.iter().map(String::as_str),
            log.iter().map(String::as_str),
        );
        let (statistic, p_value) =
            stats::chi_squared_test(&stats::shares(&reference_counts), &log_counts);
        Comparison {
            test: "chi²",
            statistic,
            p_value,
            ..binned(names, reference_counts, log_counts)
        }
    }
}

/// Names of the bins of `edges`: `< e0`, `e0 – e1`, …, `≥ eN`.
fn bin_names(edges: &[f64]) -> Vec<String> {
    let show = |x: f64| {
        if x.abs() >= 1000.0 || x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.3}")
        }
    };
    let mut names = Vec::with_capacity(edges.len() + 1);
    match (edges.first(), edges.last()) {
        (Some(&first), Some(&last)) => {
            names.push(format!("< {}", show(first)));
            for pair in edges.windows(2) {
                names.push(format!("{} – {}", show(pair[0]), show(pair[1])));
            }
            names.push(format!("≥ {}", show(last)));
        }
        _ => names.push("all".to_owned()),
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAR_LINE: &str = r#"{"schema":"car-ml.prediction.v1","route":"/api/car-value","unix_ms":1,"duration_us":90,"car":{"model_version":"car-value-x","year":2018,"mileage":45000.0,"model":null,"condition":"good","title_status":null,"fuel":null,"transmission":null,"type":null,"value_usd":31920,"low_usd":24029,"high_usd":52169,"extrapolated":false}}"#;

    #[test]
    fn a_log_keeps_its_payload_lines_and_counts_the_rest() {
        let text = format!("Serving http://127.0.0.1:3000\n{CAR_LINE}\nnot json\n{CAR_LINE}\n");
        let log = Log::parse(&text);
        assert_eq!((log.lines.len(), log.other_lines), (2, 2));
        assert_eq!(log.model_versions(), [("car-value-x".to_owned(), 2)]);
    }

    fn read(line: &Line, name: &str) -> Option<Reading> {
        let feature = FEATURES.iter().find(|f| f.name == name).unwrap();
        (feature.read)(line)
    }

    #[test]
    fn features_read_absent_details_as_not_given() {
        let line = Line::parse(CAR_LINE).unwrap();
        let given = |value| Some(Reading::Given(value));
        assert_eq!(read(&line, "car.model"), Some(Reading::NotGiven));
        assert_eq!(
            read(&line, "car.condition"),
            given(Value::Category("good".into()))
        );
        assert_eq!(read(&line, "car.mileage"), given(Value::Number(45000.0)));
        assert_eq!(read(&line, "review.label"), None);
    }

    #[test]
    fn a_detail_left_out_is_counted_apart_from_the_values_given() {
        let with_condition = |condition: Option<&str>| {
            let mut line = Line::parse(CAR_LINE).unwrap();
            line.car.as_mut().unwrap().condition = condition.map(str::to_owned);
            line
        };
        // Training gives the condition 9 times in 10; the log once in 10,
        // with the same mix of values.
        let reference: Vec<Line> = (0..100)
            .map(|i| with_condition((i % 10 != 0).then_some(["good", "fair"][(i / 10) % 2])))
            .collect();
        let log = Log {
            lines: (0..100)
                .map(|i| with_condition((i % 10 < 1).then_some(["good", "fair"][(i / 10) % 2])))
                .collect(),
            ..Log::default()
        };
        let condition = compare(&reference, &log)
            .into_iter()
            .find(|c| c.feature == "car.condition")
            .unwrap();
        assert_eq!(
            (condition.reference_not_given, condition.log_not_given),
            (10, 90)
        );
        assert_eq!(condition.bins, ["fair", "good"]);
        assert!(
            condition.psi.abs() < 1e-9 && !condition.drifted(),
            "{condition:?}"
        );
    }

    #[test]
    fn a_detail_no_line_gives_is_not_compared() {
        let reference = vec![Line::parse(CAR_LINE).unwrap()];
        let log = Log {
            lines: reference.clone(),
            ..Log::default()
        };
        let comparisons = compare(&reference, &log);
        let model = comparisons
            .iter()
            .find(|c| c.feature == "car.model")
            .unwrap();
        assert!(!model.compared() && !model.drifted() && model.bins.is_empty());
        assert_eq!(model.log_not_given_share(), 1.0);
    }

    #[test]
    fn a_log_like_its_reference_has_not_drifted() {
        let reference: Vec<Line> = (0..100)
            .map(|i| {
                let mut line = Line::parse(CAR_LINE).unwrap();
                line.car.as_mut().unwrap().mileage = f64::from(i * 1000);
                line
            })
            .collect();
        let log = Log {
            lines: reference.clone(),
            ..Log::default()
        };
        let comparisons = compare(&reference, &log);
        assert!(
            comparisons
                .iter()
                .all(|c| !c.drifted() && c.psi.abs() < 1e-9)
        );
        assert!(
            comparisons
                .iter()
                .all(|c| !c.feature.starts_with("review."))
        );
    }

    #[test]
    fn bins_are_named_by_their_edges() {
        assert_eq!(
            bin_names(&[10.0, 20.5]),
            ["< 10", "10 – 20.500", "≥ 20.500"]
        );
    }

    #[test]
    fn an_exported_record_is_a_payload_line_and_its_feedback_counts() {
        let record = CAR_LINE.replacen("{", r#"{"id":"179628891114700000-5dfdb4fc629a9381","#, 1);
        let with_feedback = format!(
            "{},\"feedback\":{{\"sold_price_usd\":20000,\"unix_ms\":1}}}}",
            record.strip_suffix('}').unwrap()
        );
        let log = Log::parse(&format!(
            "{CAR_LINE}\n{record}\n{with_feedback}\nnot a line\n"
        ));
        assert_eq!(
            (log.lines.len(), log.feedback.len(), log.other_lines),
            (3, 1, 1)
        );
        let figures = log.feedback_figures();
        assert_eq!(figures.len(), 1);
        assert_eq!(
            (figures[0].0, figures[0].2.feedback),
            (live::Model::CarValue, 1)
        );
    }
}
