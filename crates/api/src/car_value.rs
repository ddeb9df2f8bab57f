//! The types of `ml:car-value/estimator`, as the API reads and writes them.

use crate::{ApiError, RequestBody};
use serde::de::{Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

/// The WIT record `car`, and the body of `POST /api/car-value` and
/// `POST /api/trade`: year and mileage, and optionally the listing details,
/// each of which improves the estimate.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Car {
    /// Model year.
    #[serde(deserialize_with = "year")]
    pub year: i32,
    /// Odometer reading, in miles.
    #[serde(deserialize_with = "mileage")]
    pub mileage: f64,
    /// Model line, for example `c-class`.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub title_status: Option<String>,
    #[serde(default)]
    pub fuel: Option<String>,
    #[serde(default)]
    pub transmission: Option<String>,
    /// Body type, for example `sedan`: the listing column `type`.
    #[serde(default, rename = "type")]
    pub body_type: Option<String>,
}

impl Car {
    /// Its fields, as the API names them.
    pub(crate) const FIELDS: &'static [&'static str] = &[
        "year",
        "mileage",
        "model",
        "condition",
        "title_status",
        "fuel",
        "transmission",
        "type",
    ];
}

impl RequestBody for Car {
    const FIELDS: &'static [&'static [&'static str]] = &[Car::FIELDS];
}

/// Reads a model year: any JSON number that is a whole number (`2018.0` is
/// 2018). One beyond what an `i32` holds is out of every year range the
/// model could have, so it is read as the nearest `i32`, which the model
/// refuses as `year_out_of_range` with its bounds.
fn year<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    struct Year;
    impl Visitor<'_> for Year {
        type Value = i32;
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a model year: a whole number such as 2018")
        }
        fn visit_i64<E: serde::de::Error>(self, year: i64) -> Result<i32, E> {
            Ok(year.clamp(i32::MIN.into(), i32::MAX.into()) as i32)
        }
        fn visit_u64<E: serde::de::Error>(self, year: u64) -> Result<i32, E> {
            Ok(year.min(i32::MAX as u64) as i32)
        }
        fn visit_f64<E: serde::de::Error>(self, year: f64) -> Result<i32, E> {
            if year.fract() != 0.0 {
                return Err(E::invalid_value(Unexpected::Float(year), &self));
            }
            // `as` saturates at the bounds of i32.
            Ok(year as i32)
        }
    }
    deserializer.deserialize_any(Year)
}

/// Reads a mileage: any JSON number, in miles.
fn mileage<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    struct Mileage;
    impl Visitor<'_> for Mileage {
        type Value = f64;
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a mileage: a number of miles such as 45000")
        }
        fn visit_i64<E: serde::de::Error>(self, miles: i64) -> Result<f64, E> {
            Ok(miles as f64)
        }
        fn visit_u64<E: serde::de::Error>(self, miles: u64) -> Result<f64, E> {
            Ok(miles as f64)
        }
        fn visit_f64<E: serde::de::Error>(self, miles: f64) -> Result<f64, E> {
            Ok(miles)
        }
    }
    deserializer.deserialize_any(Mileage)
}

/// The WIT record `valuation`, and the answer of `POST /api/car-value` and
/// `POST /api/trade`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Valuation {
    /// Estimated value, in whole US dollars.
    pub value_usd: u32,
    /// The 10th to 90th percentile prediction interval, in whole US dollars.
    pub low_usd: u32,
    pub high_usd: u32,
    /// Why the estimate is an extrapolation; empty when it is not.
    pub extrapolation: Vec<String>,
    /// The model version that made the estimate.
    pub model_version: String,
}

/// The WIT variant `error`: why no estimate could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    YearOutOfRange(YearBounds),
    MileageOutOfRange(MileageBounds),
    UnknownValue(UnknownValue),
}

/// The WIT record `year-bounds`: inclusive range of accepted model years.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearBounds {
    pub min: i32,
    pub max: i32,
}

/// The WIT record `mileage-bounds`: inclusive range of accepted mileages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MileageBounds {
    pub min: f64,
    pub max: f64,
}

/// The WIT record `unknown-value`: a text value the model does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownValue {
    /// The field, as the API names it (`type` for the body type).
    pub field: String,
    pub value: String,
    pub allowed: Vec<String>,
}

impl Error {
    /// The API's code: `year_out_of_range`, `mileage_out_of_range` or
    /// `unknown_value`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::YearOutOfRange(_) => "year_out_of_range",
            Error::MileageOutOfRange(_) => "mileage_out_of_range",
            Error::UnknownValue(_) => "unknown_value",
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::YearOutOfRange(YearBounds { min, max }) => {
                write!(f, "year must be between {min} and {max}")
            }
            Error::MileageOutOfRange(MileageBounds { min, max }) => {
                write!(
                    f,
                    "mileage must be a number of miles between {min} and {max}"
                )
            }
            Error::UnknownValue(unknown) => write!(
                f,
                "{} `{}` is not known; known {}: {}",
                unknown.field,
                unknown.value,
                plural(&unknown.field),
                unknown.allowed.join(", ")
            ),
        }
    }
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

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError::unprocessable(error.code(), error.to_string())
    }
}
