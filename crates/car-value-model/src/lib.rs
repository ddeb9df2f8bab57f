//! The car-value model at run time: validates a car and estimates its
//! asking price in USD, with a prediction interval, from its model year,
//! mileage and whichever listing details the caller knows.
//!
//! The model is a family of ridge regressions on the log of the price, one
//! per set of optional fields given (`model`, `condition`, `fuel`,
//! `transmission`, `body_type`; 32 in all), fitted on the clean Craigslist
//! Mercedes-Benz listings of `data/cars/listings.csv` by
//! `car-value-training`, and turned at build time into tables per model
//! line and model year that never value an older car, or a higher mileage,
//! above a newer one (lower). The build script writes every table, value
//! list and bound as constants, so nothing is parsed or fitted at run time,
//! and the crate has no dependencies. A call is a table look-up and a few
//! additions. See `docs/MODELS.md` for the model card.
//!
//! **Inputs.** Years [`MIN_YEAR`]..=[`MAX_YEAR`] and mileages
//! `0..=`[`MAX_MILEAGE`] are accepted; anything else is an error. The
//! accepted range is wider than the training data
//! ([`TRAINING_MIN_YEAR`]..=[`TRAINING_MAX_YEAR`], up to
//! [`TRAINING_MAX_MILEAGE`] miles): an older car is valued as the oldest
//! training year (never higher), next model year as the newest, and a very
//! high odometer is estimated too, each flagged in
//! [`Estimate::extrapolation`], as is a year outside the years the given
//! model line was listed in. Text values are matched case-insensitively
//! after trimming; an empty (or blank) value counts as not given. A value
//! the training data never had is an error listing the known ones
//! ([`allowed_values`]).
//!
//! **Output.** [`Estimate::value_usd`] is the estimated median asking price;
//! [`Estimate::low_usd`]..=[`Estimate::high_usd`] is the 10th–90th
//! percentile prediction interval ([`INTERVAL_PERCENTILES`]), from
//! cross-validated residuals of the served estimate for cars of the same
//! age band: about 80% of real asking prices fall inside it. All three are
//! whole dollars, never below [`MIN_VALUE_USD`].
//!
//! `title_status` `clean` or `lien` does not change the estimate; a branded
//! title (`salvage`, `rebuilt`, `parts only`, `missing`) applies the
//! discount and the interval learned from the branded-title listings, and
//! says how many there were.

use std::fmt;

#[cfg(feature = "api")]
pub mod api;

include!(concat!(env!("OUT_DIR"), "/model.rs"));

/// A car to value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Car {
    /// Model year, e.g. 2018.
    pub year: i32,
    /// Odometer reading, in miles.
    pub mileage: f64,
    /// Optional listing details; each improves the estimate when given.
    /// Values are matched case-insensitively after trimming; `None` and
    /// blank strings mean "not given". Known values: [`ALLOWED_MODEL`].
    pub model: Option<String>,
    /// E.g. `excellent`; known values: [`ALLOWED_CONDITION`].
    pub condition: Option<String>,
    /// [`ALLOWED_TITLE_STATUS`]: `clean` and `lien` do not change the
    /// estimate; a branded title discounts it and widens the interval.
    pub title_status: Option<String>,
    /// E.g. `diesel`; known values: [`ALLOWED_FUEL`].
    pub fuel: Option<String>,
    /// E.g. `automatic`; known values: [`ALLOWED_TRANSMISSION`].
    pub transmission: Option<String>,
    /// The listing column `type`, e.g. `sedan`; known values:
    /// [`ALLOWED_TYPE`].
    pub body_type: Option<String>,
}

/// The estimated value of a car.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Estimated (median) asking price in USD, whole dollars; never below
    /// [`MIN_VALUE_USD`].
    pub value_usd: f64,
    /// Lower end of the prediction interval: the 10th percentile
    /// ([`INTERVAL_PERCENTILES`]); whole dollars.
    pub low_usd: f64,
    /// Upper end of the prediction interval: the 90th percentile; whole
    /// dollars.
    pub high_usd: f64,
    /// Empty when the car is inside what the model saw; otherwise short
    /// reasons why the estimate is an extrapolation:
    /// - `year outside the training years 1995-2021` (model year 2022),
    /// - `year before the training years 1995-2021: valued as a 1995 car,
    ///   never higher` (1985–1994),
    /// - `year outside the years of the `metris` listings, 2016-2020` (a
    ///   year outside the given line's listings),
    /// - ``title `salvage`: discount learned from only 39 listings`` (each
    ///   branded title, with its evidence),
    /// - `model year with fewer than 20 training listings` (1995–1998, 2021),
    /// - `mileage above the 99th percentile of training listings within a
    ///   model year of this one` (and `below the 1st percentile`),
    /// - ``model `r-class` seen in fewer than 20 training listings (19)``
    ///   (one per rare value given; such values share one coefficient).
    pub extrapolation: Vec<&'static str>,
    /// The model that made the estimate ([`MODEL_VERSION`]).
    pub model_version: &'static str,
}

/// Why a car cannot be valued.
#[derive(Debug, Clone, PartialEq)]
pub enum CarValueError {
    /// The year is outside the accepted years, `min..=max`.
    YearOutOfRange { min: i32, max: i32 },
    /// The mileage is negative, not a finite number, or above the largest
    /// accepted mileage; valid mileages are `min..=max`.
    MileageOutOfRange { min: f64, max: f64 },
    /// A text field has a value the training listings never had.
    UnknownValue {
        /// The field's name, e.g. `model`.
        field: String,
        /// The value given (trimmed).
        value: String,
        /// The values the field accepts, lower case.
        allowed: Vec<String>,
    },
}

impl CarValueError {
    /// A stable, machine-readable code: `"year_out_of_range"`,
    /// `"mileage_out_of_range"` or `"unknown_value"`.
    pub fn code(&self) -> &'static str {
        match self {
            CarValueError::YearOutOfRange { .. } => "year_out_of_range",
            CarValueError::MileageOutOfRange { .. } => "mileage_out_of_range",
            CarValueError::UnknownValue { .. } => "unknown_value",
        }
    }
}

impl fmt::Display for CarValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CarValueError::YearOutOfRange { min, max } => {
                write!(f, "year must be between {min} and {max}")
            }
            CarValueError::MileageOutOfRange { min, max } => {
                write!(
                    f,
                    "mileage must be a number of miles between {min} and {max}"
                )
            }
            CarValueError::UnknownValue {
                field,
                value,
                allowed,
            } => {
                write!(
                    f,
                    "{field} `{value}` is not known; known {}: {}",
                    plural(field),
                    allowed.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for CarValueError {}

/// The optional text fields, as the API names them, in the order they are
/// checked.
pub const FIELDS: [&str; 6] = [
    "model",
    "condition",
    "title_status",
    "fuel",
    "transmission",
    // The listing column's name; `Car::body_type` in Rust.
    "type",
];

/// The values a text field accepts (lower case, sorted), by its API name;
/// `None` for a name that is not a field.
pub fn allowed_values(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "model" => ALLOWED_MODEL,
        "condition" => ALLOWED_CONDITION,
        "title_status" => ALLOWED_TITLE_STATUS,
        "fuel" => ALLOWED_FUEL,
        "transmission" => ALLOWED_TRANSMISSION,
        "type" => ALLOWED_TYPE,
        _ => return None,
    })
}

fn plural(field: &str) -> &'static str {
    match field {
        "model" => "models",
        "condition" => "conditions",
        "title_status" => "title statuses",
        "fuel" => "fuels",
        "transmission" => "transmissions",
        "type" => "body types",
        _ => "values",
    }
}

/// One optional text field: its API name, accepted values, the column and
/// rare-value reason of each value, and its position among the modelled
/// fields (`None` for `title_status`, which the model does not use).
struct FieldTable {
    name: &'static str,
    allowed: &'static [&'static str],
    levels: &'static [(usize, Option<&'static str>)],
    modelled: Option<usize>,
}

/// The fields in [`FIELDS`] order.
const FIELD_TABLES: [FieldTable; 6] = [
    FieldTable {
        name: "model",
        allowed: ALLOWED_MODEL,
        levels: LEVELS_MODEL,
        modelled: Some(0),
    },
    FieldTable {
        name: "condition",
        allowed: ALLOWED_CONDITION,
        levels: LEVELS_CONDITION,
        modelled: Some(1),
    },
    FieldTable {
        name: "title_status",
        allowed: ALLOWED_TITLE_STATUS,
        levels: LEVELS_TITLE_STATUS,
        modelled: None,
    },
    FieldTable {
        name: "fuel",
        allowed: ALLOWED_FUEL,
        levels: LEVELS_FUEL,
        modelled: Some(2),
    },
    FieldTable {
        name: "transmission",
        allowed: ALLOWED_TRANSMISSION,
        levels: LEVELS_TRANSMISSION,
        modelled: Some(3),
    },
    FieldTable {
        name: "type",
        allowed: ALLOWED_TYPE,
        levels: LEVELS_TYPE,
        modelled: Some(4),
    },
];

/// Validates `car` and estimates its value.
///
/// Checks run in this order and the first failure is returned: year,
/// mileage, then the text fields in [`FIELDS`] order.
pub fn estimate(car: &Car) -> Result<Estimate, CarValueError> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&car.year) {
        return Err(CarValueError::YearOutOfRange {
            min: MIN_YEAR,
            max: MAX_YEAR,
        });
    }
    // NaN fails both comparisons, so it is rejected here too.
    if !(car.mileage >= 0.0 && car.mileage <= MAX_MILEAGE) {
        return Err(CarValueError::MileageOutOfRange {
            min: 0.0,
            max: MAX_MILEAGE,
        });
    }

    let mut extrapolation = Vec::new();
    let (year_rows, mileage_low, mileage_high) = YEARS[(car.year - MIN_YEAR) as usize];
    if car.year < TRAINING_MIN_YEAR {
        extrapolation.push(REASON_YEAR_BEFORE);
    } else if car.year > TRAINING_MAX_YEAR {
        extrapolation.push(REASON_YEAR_OUTSIDE);
    } else if (year_rows as usize) < MIN_LEVEL_ROWS {
        extrapolation.push(REASON_THIN_YEAR);
    }
    if car.mileage > mileage_high {
        extrapolation.push(REASON_MILEAGE_HIGH);
    } else if car.mileage < mileage_low {
        extrapolation.push(REASON_MILEAGE_LOW);
    }

    // Column of each modelled field given, and which model of the family.
    let mut columns = [None; 5];
    let mut index = 0;
    let mut branded = None;
    let given = [
        &car.model,
        &car.condition,
        &car.title_status,
        &car.fuel,
        &car.transmission,
        &car.body_type,
    ];
    for (value, table) in given.into_iter().zip(&FIELD_TABLES) {
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let Some(position) = table
            .allowed
            .iter()
            .position(|a| a.eq_ignore_ascii_case(value))
        else {
            return Err(CarValueError::UnknownValue {
                field: table.name.to_owned(),
                value: value.to_owned(),
                allowed: table
                    .allowed
                    .iter()
                    .map(|allowed| allowed.to_string())
                    .collect(),
            });
        };
        let (column, reason) = table.levels[position];
        match table.modelled {
            Some(k) => {
                columns[k] = Some(column);
                index |= 1 << k;
                extrapolation.extend(reason);
                if k == 0 {
                    let (first, last, reason) = MODEL_SPANS[position];
                    if !(first..=last).contains(&car.year) {
                        extrapolation.push(reason);
                    }
                }
            }
            None => {
                branded = BRANDED
                    .iter()
                    .find(|(title, _, _)| title.eq_ignore_ascii_case(value));
                extrapolation.extend(branded.map(|(_, _, reason)| *reason));
            }
        }
    }

    // Summed in the training crate's order (`Family::log_value`), so the
    // result is the same to the last bit.
    let sub = &MODELS[index];
    let year = car.year.clamp(CURVE_YEARS.0, CURVE_YEARS.1);
    let years = (CURVE_YEARS.1 - CURVE_YEARS.0 + 1) as usize;
    let line = columns[0].unwrap_or(0);
    let (a, e) = sub.curve[line * years + (year - CURVE_YEARS.0) as usize];
    let m = car.mileage / 10_000.0;
    // Between the log-values at 0 miles and at the ceiling, a weighted sum:
    // non-decreasing in `a` and `e` even after rounding, so an older car
    // (whose `a` and `e` are no higher) is never valued higher.
    let t = m / CURVE_MILEAGE_10K;
    let mut fit = a * (1.0 - t) + e * t;
    fit += sub.bends[0] * (m - MILEAGE_KNOTS_10K[0]).max(0.0);
    for (coefs, column) in sub.fields.iter().zip(columns).skip(1) {
        if let Some(c) = column {
            fit += coefs[c];
        }
    }
    if let (Some(line), Some(fuel)) = (columns[0], columns[2]) {
        fit += sub.pairs[line * FUEL_COLUMNS + fuel];
    }
    let band = AGE_BAND_STARTS
        .iter()
        .filter(|&&start| AGE_BASE_YEAR - year >= start)
        .count();
    let [low, high] = sub.offsets[band];
    let [q_low, q_mid, q_high] = match branded {
        Some((_, log_ratio, _)) => *log_ratio,
        None => [low, 0.0, high],
    };
    let dollars = |q: f64| (fit + q).exp().max(MIN_VALUE_USD).round();
    Ok(Estimate {
        value_usd: dollars(q_mid),
        low_usd: dollars(q_low),
        high_usd: dollars(q_high),
        extrapolation,
        model_version: MODEL_VERSION,
    })
}
