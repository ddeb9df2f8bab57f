//! The model in the API's terms (feature `api`): what the car-value
//! component exports through `ml:car-value/estimator`, and what the native
//! benchmark server answers. The API's types are the interface's WIT records
//! (see the `api` crate), so these are the only conversions between the model
//! and the outside.

use crate::{Car, CarValueError, Estimate};
use api::car_value as wit;

/// Validates `car` and estimates its value: the interface's `estimate`.
pub fn estimate(car: wit::Car) -> Result<wit::Valuation, wit::Error> {
    Ok(crate::estimate(&car.into())?.into())
}

/// The model's name, version and held-out metrics: the interface's `model`.
pub fn model() -> api::ModelInfo {
    api::ModelInfo {
        name: "car-value".into(),
        version: crate::MODEL_VERSION.into(),
        metrics: crate::METRICS
            .iter()
            .map(|&(name, value)| api::Metric {
                name: name.into(),
                value,
            })
            .collect(),
    }
}

impl From<wit::Car> for Car {
    fn from(car: wit::Car) -> Self {
        Car {
            year: car.year,
            mileage: car.mileage,
            model: car.model,
            condition: car.condition,
            title_status: car.title_status,
            fuel: car.fuel,
            transmission: car.transmission,
            body_type: car.body_type,
        }
    }
}

impl From<Estimate> for wit::Valuation {
    fn from(estimate: Estimate) -> Self {
        // Whole dollars, never below MIN_VALUE_USD: exact as u32.
        wit::Valuation {
            value_usd: estimate.value_usd as u32,
            low_usd: estimate.low_usd as u32,
            high_usd: estimate.high_usd as u32,
            extrapolation: estimate
                .extrapolation
                .iter()
                .map(|reason| reason.to_string())
                .collect(),
            model_version: estimate.model_version.to_owned(),
        }
    }
}

impl From<CarValueError> for wit::Error {
    fn from(error: CarValueError) -> Self {
        match error {
            CarValueError::YearOutOfRange { min, max } => {
                wit::Error::YearOutOfRange(wit::YearBounds { min, max })
            }
            CarValueError::MileageOutOfRange { min, max } => {
                wit::Error::MileageOutOfRange(wit::MileageBounds { min, max })
            }
            CarValueError::UnknownValue {
                field,
                value,
                allowed,
            } => wit::Error::UnknownValue(wit::UnknownValue {
                field,
                value,
                allowed,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API words the model's errors as the model does.
    #[test]
    fn every_error_reads_the_same_in_the_api() {
        let unknown = crate::estimate(&Car {
            fuel: Some("steam".into()),
            ..Car {
                year: 2018,
                mileage: 1.0,
                ..Car::default()
            }
        })
        .unwrap_err();
        for error in [
            CarValueError::YearOutOfRange {
                min: crate::MIN_YEAR,
                max: crate::MAX_YEAR,
            },
            CarValueError::MileageOutOfRange {
                min: 0.0,
                max: crate::MAX_MILEAGE,
            },
            unknown,
        ] {
            let api_error = wit::Error::from(error.clone());
            assert_eq!(api_error.code(), error.code());
            assert_eq!(api_error.to_string(), error.to_string());
        }
    }
}
