//! The car-value model at run time: validates a car and estimates its
//! asking price in USD from its model year and mileage.
//!
//! The model is a straight line, `price = intercept + a·year + b·mileage`,
//! fitted by ordinary least squares on the clean Craigslist Mercedes-Benz
//! listings of `data/cars/listings.csv` (see `car-value-training` and
//! `data/README.md`). It is trained when this crate is built: the build
//! script writes the coefficients and bounds as constants, so nothing is
//! parsed or fitted at run time, and the crate has no dependencies.
//!
//! Inputs are accepted only inside the clean training data:
//! model years [`MIN_YEAR`]..=[`MAX_YEAR`] and mileages `0..=`[`MAX_MILEAGE`].
//! Estimates are rounded to whole dollars and never go below
//! [`MIN_VALUE_USD`], the cheapest clean listing (the line itself goes
//! negative for old, high-mileage cars).

use std::fmt;

include!(concat!(env!("OUT_DIR"), "/model.rs"));

/// A car to value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Car {
    /// Model year, e.g. 2018.
    pub year: i32,
    /// Odometer reading, in miles.
    pub mileage: f64,
}

/// The estimated value of a car.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// In USD, rounded to whole dollars; never below [`MIN_VALUE_USD`].
    pub value_usd: f64,
}

/// Why a car cannot be valued.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CarValueError {
    /// The year is outside the clean training data's years, `min..=max`.
    YearOutOfRange { min: i32, max: i32 },
    /// The mileage is negative, not a finite number, or above the largest
    /// mileage in the clean training data; valid mileages are `min..=max`.
    MileageOutOfRange { min: f64, max: f64 },
}

impl CarValueError {
    /// A stable, machine-readable code: `"year_out_of_range"` or
    /// `"mileage_out_of_range"`.
    pub fn code(&self) -> &'static str {
        match self {
            CarValueError::YearOutOfRange { .. } => "year_out_of_range",
            CarValueError::MileageOutOfRange { .. } => "mileage_out_of_range",
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
        }
    }
}

impl std::error::Error for CarValueError {}

/// Validates `car` and estimates its value.
///
/// The year is checked first: a car with both fields out of range gets
/// [`CarValueError::YearOutOfRange`].
pub fn estimate(car: Car) -> Result<Estimate, CarValueError> {
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
    let line = INTERCEPT + YEAR_COEF * f64::from(car.year) + MILEAGE_COEF * car.mileage;
    // Round first, then floor at the floor rounded up: whole dollars, never
    // below MIN_VALUE_USD.
    Ok(Estimate {
        value_usd: line.round().max(MIN_VALUE_USD.ceil()),
    })
}
