//! The types of `ml:car-value/estimator`, as the API reads and writes them.

use crate::ApiError;
use serde::{Deserialize, Serialize};

/// The WIT record `car`, and the body of `POST /api/car-value` and
/// `POST /api/trade`: year and mileage, and optionally the listing details,
/// each of which improves the estimate.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Car {
    /// Model year.
    pub year: i32,
    /// Odometer reading, in miles.
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
