//! Renders the served family as Rust items for `include!` in
//! `car-value-model`: constants, value lists and coefficient tables, so the
//! service needs neither smartcore nor the data at run time.

use crate::clean::{CleanRow, ODOMETER_CEILING_MI};
use crate::eval::HeldOut;
use crate::features::{
    AGE_BASE_YEAR, Field, FieldSet, MILEAGE_KNOTS_10K, MIN_LEVEL_ROWS, NOT_STATED,
};
use crate::model::{
    AGE_BAND_STARTS, AGE_BANDS, CURVE_MILEAGE_10K, Family, INTERVAL_PERCENTILES, percentile,
};
use std::fmt::Write;

/// The oldest model year accepted. Before the training years (1995) the
/// estimate is that of the oldest training year: the 1985–1994 listings
/// the cleaning drops are priced *higher* than 1995–2000 cars (a collector
/// market), so a value that keeps falling with age would be wrong, and one
/// that rises would break the rule that age never raises the value. Older
/// than 1985, classic cars are a market of their own.
pub const OLDEST_YEAR: i32 = crate::clean::OLDEST_YEAR_ASSESSED;

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
    /// [`OLDEST_YEAR`].
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
            min_year: OLDEST_YEAR,
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
        ("branded_title_mae_usd", dollars(h.branded.metrics.mae)),
        (
            "branded_title_interval_coverage",
            ratio(h.branded.coverage.unwrap_or(0.0)),
        ),
        ("branded_title_test_rows", h.branded_held_out_rows as f64),
        (
            "years_before_training_mae_usd",
            dollars(h.older.metrics.mae),
        ),
        (
            "years_before_training_interval_coverage",
            ratio(h.older.coverage.unwrap_or(0.0)),
        ),
        ("years_before_training_rows", h.older_rows as f64),
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
    line!("/// Oldest model year accepted; years before the training years are valued");
    line!("/// as the oldest training year and flagged.");
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
        if field == Field::TitleStatus {
            for b in &family.branded {
                values.push((b.title.clone(), 0, None));
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
    line!("/// Where the mileage bends, in units of 10,000 miles.");
    line!("const MILEAGE_KNOTS_10K: [f64; 1] = {MILEAGE_KNOTS_10K:?};");
    line!("/// Ages where the interval's age bands start.");
    line!(
        "const AGE_BAND_STARTS: [i32; {}] = {AGE_BAND_STARTS:?};",
        AGE_BAND_STARTS.len()
    );
    let layout = &family.layout;
    line!("/// The model years of the curves' tables: the training years.");
    line!("const CURVE_YEARS: (i32, i32) = {:?};", layout.years);
    line!("/// The mileage, in units of 10,000 miles, of each curve's second value.");
    line!("const CURVE_MILEAGE_10K: f64 = {CURVE_MILEAGE_10K:?};");
    line!("/// Columns of `fuel`: the row length of a model's model × fuel table.");
    line!(
        "const FUEL_COLUMNS: usize = {};",
        layout.levels(Field::Fuel).width()
    );
    line!(
        "const REASON_YEAR_OUTSIDE: &str = \"year outside the training years {}-{}\";",
        bounds.training_min_year,
        bounds.training_max_year
    );
    line!(
        "const REASON_YEAR_BEFORE: &str = \"year before the training years {}-{}: valued as a {} car, never higher\";",
        bounds.training_min_year,
        bounds.training_max_year,
        bounds.training_min_year
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

    let model_levels = layout.levels(Field::Model);
    let model_values = allowed(family, Field::Model);
    line!("/// Per value of `ALLOWED_MODEL`: the first and last model year of its");
    line!("/// line's listings, and the reason given outside them.");
    line!(
        "const MODEL_SPANS: [(i32, i32, &str); {}] = [",
        model_values.len()
    );
    for value in &model_values {
        let column = model_levels
            .column_of(value)
            .expect("a column per allowed model");
        let (first, last) = layout.model_spans[column];
        line!(
            "    ({first}, {last}, \"year outside the years of the `{value}` listings, {first}-{last}\"),"
        );
    }
    line!("];");
    line!();

    line!("/// Per branded title: the percentiles (low, middle, high) of");
    line!("/// ln(price / clean estimate) over its listings, and the reason given.");
    line!(
        "const BRANDED: [(&str, [f64; 3], &str); {}] = [",
        family.branded.len()
    );
    let all_branded: usize = family.branded.iter().map(|b| b.rows).sum();
    for b in &family.branded {
        let reason = if b.pooled() {
            format!(
                "title `{}` seen in only {} listing{}: the discount of all {all_branded} branded-title listings",
                b.title,
                b.rows,
                if b.rows == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "title `{}`: discount learned from only {} listings",
                b.title, b.rows
            )
        };
        line!("    ({:?}, {:?}, {reason:?}),", b.title, b.log_ratio);
    }
    line!("];");
    line!();

    line!("/// One model of the family: the model on one set of fields, as tables.");
    line!("struct SubModel {{");
    line!("    /// Per `model` column (one when the set has no model), per year of");
    line!("    /// CURVE_YEARS: log-value at 0 miles and at CURVE_MILEAGE_10K, with the");
    line!("    /// median residual; both non-increasing with age.");
    line!("    curve: &'static [(f64, f64)],");
    line!("    /// Coefficients of the mileage bends at MILEAGE_KNOTS_10K.");
    line!("    bends: [f64; 1],");
    line!("    /// Per modelled field but `model` (in `points`): one coefficient per column.");
    line!("    fields: [&'static [f64]; {}],", Field::MODELLED.len());
    line!("    /// Per `model` column × `fuel` column, when the set has both.");
    line!("    pairs: &'static [f64],");
    line!("    /// Per age band: the interval's log offsets from the estimate (low, high).");
    line!("    offsets: [[f64; 2]; {AGE_BANDS}],");
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
        let curves = &family.model(set).curves;
        line!("    // {}", set.label());
        line!("    SubModel {{");
        let points: Vec<(f64, f64)> = curves.points.iter().flatten().copied().collect();
        line!("        curve: &{points:?},");
        line!("        bends: {:?},", curves.bends);
        line!("        fields: [");
        for coefs in &curves.fields {
            line!("            &{coefs:?},");
        }
        line!("        ],");
        line!("        pairs: &{:?},", curves.pairs);
        line!("        offsets: {:?},", curves.offsets);
        line!("    }},");
    }
    line!("];");
    s
}

/// The values a field accepts, sorted (as `ALLOWED_*`).
fn allowed(family: &Family, field: Field) -> Vec<String> {
    let levels = family.layout.levels(field);
    let mut values: Vec<String> = levels
        .common
        .iter()
        .chain(&levels.rare)
        .map(|(v, _)| v.clone())
        .filter(|v| v != NOT_STATED)
        .collect();
    values.sort();
    values
}
