//! The car-value component: the model behind `ml:car-value/estimator` for
//! other components, and behind `POST /api/trade` over HTTP.

use api::{ApiError, CarRequest, CarValue, Health};
use car_value_model::{Car, CarValueError};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;

wit_bindgen::generate!({ path: "../../wit/car-value", world: "car-value" });

use exports::ml::car_value::estimator::{self as wit, Guest};

struct Estimator;

impl Guest for Estimator {
    fn estimate(car: wit::Car) -> Result<wit::Valuation, wit::Error> {
        let car = Car {
            year: car.year,
            mileage: car.mileage,
            model: car.model,
            condition: car.condition,
            title_status: car.title_status,
            fuel: car.fuel,
            transmission: car.transmission,
            body_type: car.body_type,
        };
        match car_value_model::estimate(&car) {
            Ok(estimate) => {
                let value = CarValue::from(estimate);
                Ok(wit::Valuation {
                    value_usd: value.value_usd,
                    low_usd: value.low_usd,
                    high_usd: value.high_usd,
                    extrapolation: value.extrapolation,
                    model_version: value.model_version,
                })
            }
            Err(CarValueError::YearOutOfRange { min, max }) => {
                Err(wit::Error::YearOutOfRange(wit::YearBounds { min, max }))
            }
            Err(CarValueError::MileageOutOfRange { min, max }) => {
                Err(wit::Error::MileageOutOfRange(wit::MileageBounds {
                    min,
                    max,
                }))
            }
            Err(CarValueError::UnknownValue {
                field,
                value,
                allowed,
            }) => Err(wit::Error::UnknownValue(wit::UnknownValue {
                field: field.to_owned(),
                value,
                allowed: allowed.iter().map(|value| value.to_string()).collect(),
            })),
        }
    }

    fn model() -> wit::ModelInfo {
        wit::ModelInfo {
            name: "car-value".into(),
            version: car_value_model::MODEL_VERSION.into(),
            metrics: car_value_model::METRICS
                .iter()
                .map(|&(name, value)| wit::Metric {
                    name: name.into(),
                    value,
                })
                .collect(),
        }
    }
}

export!(Estimator);

fn trade(request: CarRequest) -> Result<CarValue, ApiError> {
    Ok(car_value_model::estimate(&request.into())?.into())
}

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    // Each answered prediction is one payload-log line (docs/OPERATING.md).
    let log = payload_log::Recorder::start();
    match http_json::path(&request).as_str() {
        "/api/trade" => http_json::post(request, log.wrap("/api/trade", trade)).await,
        "/health/car-value" => http_json::get(&request, || Health::ok("car-value")),
        path => http_json::error(ApiError::not_found(path)),
    }
}
