//! Renders the served family as Rust items for `include!` in
//! `car-value-model`: constants, value lists and coefficient tables, so the
//! service needs neither smartcore nor the data at run time.

use crate::clean::{CleanRow, ODOMETER_CEILING_MI};
use crate::eval::HeldOut;
use crate::features::{
    AGE_BASE_YEAR, AGE_CENTER, AGE_KNOTS, Field, FieldSet, MIN_LEVEL_ROWS, NOT_STATED, NUMERIC,
};
use crate::model::{AGE_BAND_STARTS, AGE_BANDS, Family, INTERVAL_PERCENTILES, percentile};
use std::fmt::Write;

/// Model years accepted past the newest training year: next year's models
/// are on sale during the year (the listings are from 2020–21, so model
/// year 2022 is plausible). Such a car is estimated and flagged.
pub const YEARS_PAST_TRAINING: i32 = 1;

/// Percentiles of the mileage of training listings within one model year
/// of a car's: outside them, the estimate is flagged.
pub const MILEAGE_PERCENTILES: [f64; 2] = [1.0, 99.0];

/// The input bounds the service accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// The oldest training year: older cars are the collector market the
    /// cleaning removed, so they are refused, not extrapolated.
    pub min_year: i32,
    /// The newest training year + [`YEARS_PAST_TRAINING`].
    pub max_year: i32,
    /// [`ODOMETER_CEILING_MI`]: where the listings' placeholder odometers
    /// start. Mileages between the largest training mileage and this are
    /// estimated and flagged.
    pub max_mileage: f64,
    pub training_min_year: i32,
    pub training_max_year: i32,
    pub training_max_mileage: f64,
    /// The cheapest training price: the floor of every estimate.
    pub min_value: f64,
}

impl Bounds {
    pub fn of(rows: &[CleanRow]) -> Bounds {
        let training_min_year = rows.iter().map(|r| r.year).min().expect("rows");
        let training_max_year = rows.iter().map(|r| r.year).max().expect("rows");
        Bounds {
            min_year: training_min_year,
            max_year: training_max_year + YEARS_PAST_TRAINING,
            max_mileage: ODOMETER_CEILING_MI,
            training_min_year,
            training_max_year,
            training_max_mileage: rows.iter().map(|r| r.mileage).fold(0.0, f64::max),
            min_value: rows
                .iter()
                .map(|r| r.price_usd)
                .fold(f64::INFINITY, f64::min),
        }
    }
}

/// Per accepted model year: training listings of that year, and the
/// [`MILEAGE_PERCENTILES`] of the mileages of training listings within one
/// year of it.
pub fn year_table(rows: &[CleanRow], bounds: &Bounds) -> Vec<(i32, usize, f64, f64)> {
    (bounds.min_year..=bounds.max_year)
        .map(|year| {
            let count = rows.iter().filter(|r| r.year == year).count();
            let mut miles: Vec<f64> = rows
                .iter()
                .filter(|r| (r.year - year).abs() <= 1)
                .map(|r| r.mileage)
                .collect();
            miles.sort_by(f64::total_cmp);
            let (low, high) = if miles.is_empty() {
                (0.0, bounds.training_max_mileage)
            } else {
                (
                    percentile(&miles, MILEAGE_PERCENTILES[0]),
                    percentile(&miles, MILEAGE_PERCENTILES[1]),
                )
            };
            (year, count, low, high)
        })
        .collect()
}

/// The metrics the service publishes, in order.
pub fn metrics_list(h: &HeldOut, fitted_rows: usize) -> Vec<(&'static str, f64)> {
    let dollars = |v: f64| v.round();
    let ratio = |v: f64| (v * 10_000.0).round() / 10_000.0;
    vec![
        ("mae_usd", dollars(h.served.metrics.mae)),
        ("median_ae_usd", dollars(h.served.metrics.median_ae)),
        ("r2", ratio(h.served.metrics.r2)),
        ("interval_coverage", ratio(h.served.coverage.unwrap_or(0.0))),
        (
            "year_mileage_only_mae_usd",
            dollars(h.year_mileage.metrics.mae),
        ),
        (
            "year_mileage_only_median_ae_usd",
            dollars(h.year_mileage.metrics.median_ae),
        ),
        ("year_mileage_only_r2", ratio(h.year_mileage.metrics.r2)),
        (
            "year_mileage_only_interval_coverage",
            ratio(h.year_mileage.coverage.unwrap_or(0.0)),
        ),
        ("seed_line_mae_usd", dollars(h.seed_line.metrics.mae)),
        ("seed_line_r2", ratio(h.seed_line.metrics.r2)),
        ("interval_low_percentile", INTERVAL_PERCENTILES[0]),
        ("interval_high_percentile", INTERVAL_PERCENTILES[2]),
        ("train_rows", h.train_rows as f64),
        ("test_rows", h.held_out_rows as f64),
        ("fitted_rows", fitted_rows as f64),
    ]
}

/// Upper-case identifier of a field, e.g. `BODY_TYPE`.
fn ident(field: Field) -> String {
    field.name().to_uppercase()
}

/// The Rust source of the served model.
pub fn rust_source(
    family: &Family,
    rows: &[CleanRow],
    held_out: &HeldOut,
    version: &str,
) -> String {
    let bounds = Bounds::of(rows);
    let mut s = String::new();
    let w = &mut s;
    macro_rules! line {
        ($($arg:tt)*) => { writeln!(w, $($arg)*).unwrap() };
    }
    line!("// Generated by car-value-training from data/cars/listings.csv. Do not edit.");
    line!();
    line!("/// The version of the model: a hash of the listings file and of every");
    line!("/// training parameter. Every estimate names it.");
    line!("pub const MODEL_VERSION: &str = {version:?};");
    line!("/// Oldest model year accepted: the oldest clean training year.");
    line!("pub const MIN_YEAR: i32 = {};", bounds.min_year);
    line!("/// Newest model year accepted: one past the newest clean training year");
    line!("/// (flagged as extrapolation).");
    line!("pub const MAX_YEAR: i32 = {};", bounds.max_year);
    line!("/// Largest mileage accepted: the odometer ceiling of the cleaning rules.");
    line!("/// Mileages above the training data's are flagged as extrapolation.");
    line!("pub const MAX_MILEAGE: f64 = {:?};", bounds.max_mileage);
    line!("/// Oldest model year in the clean training data.");
    line!(
        "pub const TRAINING_MIN_YEAR: i32 = {};",
        bounds.training_min_year
    );
    line!("/// Newest model year in the clean training data.");
    line!(
        "pub const TRAINING_MAX_YEAR: i32 = {};",
        bounds.training_max_year
    );
    line!("/// Largest mileage in the clean training data.");
    line!(
        "pub const TRAINING_MAX_MILEAGE: f64 = {:?};",
        bounds.training_max_mileage
    );
    line!("/// The floor of every estimate and interval bound, in USD: the cheapest");
    line!("/// clean listing.");
    line!("pub const MIN_VALUE_USD: f64 = {:?};", bounds.min_value);
    line!("/// Rows of clean listings the served model was fitted on.");
    line!("pub const TRAINING_ROWS: usize = {};", family.rows);
    line!("/// The percentiles of cross-validated residuals that bound the interval.");
    line!(
        "pub const INTERVAL_PERCENTILES: (f64, f64) = ({:?}, {:?});",
        INTERVAL_PERCENTILES[0],
        INTERVAL_PERCENTILES[2]
    );
    line!("/// A field value needs this many training listings to get its own");
    line!("/// coefficient; rarer values share one and are flagged.");
    line!("pub const MIN_LEVEL_ROWS: usize = {MIN_LEVEL_ROWS};");
    line!("/// Held-out figures of the procedure that built the served model (fitted");
    line!("/// on the training side of the fixed split, scored on the held-out side).");
    line!("pub const METRICS: &[(&str, f64)] = &[");
    for (name, value) in metrics_list(held_out, family.rows) {
        line!("    ({name:?}, {value:?}),");
    }
    line!("];");
    line!();

    // Allowed values and their columns.
    for field in Field::ALL {
        let levels = family.layout.levels(field);
        let modelled = Field::MODELLED.contains(&field);
        let mut values: Vec<(String, usize, Option<String>)> = Vec::new();
        for (i, (value, _)) in levels.common.iter().enumerate() {
            if value != NOT_STATED {
                values.push((value.clone(), i, None));
            }
        }
        for (value, count) in &levels.rare {
            if value != NOT_STATED {
                let reason = modelled.then(|| {
                    format!(
                        "{} `{value}` seen in fewer than {MIN_LEVEL_ROWS} training listings ({count})",
                        field.name()
                    )
                });
                values.push((value.clone(), levels.common.len(), reason));
            }
        }
        values.sort();
        line!("/// Values `{}` accepts, lower case.", field.name());
        line!("pub const ALLOWED_{}: &[&str] = &[", ident(field));
        for (value, _, _) in &values {
            line!("    {value:?},");
        }
        line!("];");
        line!(
            "/// Column (within the field) and extrapolation reason of each value of `ALLOWED_{}`.",
            ident(field)
        );
        line!(
            "const LEVELS_{}: &[(usize, Option<&str>)] = &[",
            ident(field)
        );
        for (_, column, reason) in &values {
            line!("    ({column}, {reason:?}),");
        }
        line!("];");
    }
    line!();

    line!("const AGE_BASE_YEAR: i32 = {AGE_BASE_YEAR};");
    line!("const AGE_KNOTS: [f64; 3] = {AGE_KNOTS:?};");
    line!("const AGE_CENTER: f64 = {AGE_CENTER:?};");
    line!("/// Ages where the interval's age bands start.");
    line!(
        "const AGE_BAND_STARTS: [i32; {}] = {AGE_BAND_STARTS:?};",
        AGE_BAND_STARTS.len()
    );
    line!(
        "const REASON_YEAR_OUTSIDE: &str = \"year outside the training years {}-{}\";",
        bounds.training_min_year,
        bounds.training_max_year
    );
    line!(
        "const REASON_THIN_YEAR: &str = \"model year with fewer than {MIN_LEVEL_ROWS} training listings\";"
    );
    line!(
        "const REASON_MILEAGE_HIGH: &str = \"mileage above the {}th percentile of training listings within a model year of this one\";",
        MILEAGE_PERCENTILES[1]
    );
    line!(
        "const REASON_MILEAGE_LOW: &str = \"mileage below the {}st percentile of training listings within a model year of this one\";",
        MILEAGE_PERCENTILES[0]
    );
    let years = year_table(rows, &bounds);
    line!("/// Per model year MIN_YEAR..=MAX_YEAR: (training listings of that year,");
    line!("/// low and high mileage percentile of listings within a year of it).");
    line!("const YEARS: [(u32, f64, f64); {}] = [", years.len());
    for (year, count, low, high) in &years {
        line!("    ({count}, {low:?}, {high:?}), // {year}");
    }
    line!("];");
    line!();

    line!("/// One model of the family: the coefficients of the model on one set of");
    line!("/// fields (a field not in the set has an empty slice).");
    line!("struct SubModel {{");
    line!("    intercept: f64,");
    line!("    numeric: [f64; {}],", NUMERIC.len());
    line!("    /// Per modelled field (model, condition, fuel, transmission, type):");
    line!("    /// one coefficient per column.");
    line!("    fields: [&'static [f64]; {}],", Field::MODELLED.len());
    line!("    /// Per column of `model`: its own slope on (age - AGE_CENTER).");
    line!("    model_age: &'static [f64],");
    line!("    /// Per age band: out-of-fold log-residual percentiles low, middle, high.");
    line!("    quantiles: [[f64; 3]; {AGE_BANDS}],");
    line!("}}");
    line!();
    line!("/// Index: bit k set when `Field::MODELLED[k]` is given.");
    line!(
        "static MODELS: [SubModel; {}] = [",
        1 << Field::MODELLED.len()
    );
    for compact in 0..(1usize << Field::MODELLED.len()) {
        let set = Field::MODELLED
            .iter()
            .enumerate()
            .filter(|(k, _)| compact & (1 << k) != 0)
            .fold(FieldSet::NONE, |s, (_, f)| s.with(*f));
        let model = &family.model(set).fitted;
        let coef = |col: usize| -> f64 {
            model
                .linear
                .coef
                .iter()
                .find(|(c, _)| *c == col)
                .map(|(_, w)| *w)
                .unwrap_or_else(|| panic!("column {col} not in {}", set.label()))
        };
        line!("    // {}", set.label());
        line!("    SubModel {{");
        line!("        intercept: {:?},", model.linear.intercept);
        let numeric: Vec<f64> = (0..NUMERIC.len()).map(coef).collect();
        line!("        numeric: {numeric:?},");
        line!("        fields: [");
        for field in Field::MODELLED {
            if set.contains(field) {
                let start = family.layout.offset(field);
                let width = family.layout.levels(field).width();
                let coefs: Vec<f64> = (start..start + width).map(coef).collect();
                line!("            &{coefs:?},");
            } else {
                line!("            &[],");
            }
        }
        line!("        ],");
        if set.contains(Field::Model) {
            let start = family.layout.interaction_offset();
            let width = family.layout.levels(Field::Model).width();
            let coefs: Vec<f64> = (start..start + width).map(coef).collect();
            line!("        model_age: &{coefs:?},");
        } else {
            line!("        model_age: &[],");
        }
        line!("        quantiles: {:?},", model.quantiles);
        line!("    }},");
    }
    line!("];");
    s
}
