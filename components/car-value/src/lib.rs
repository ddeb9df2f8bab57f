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
        };
        match car_value_model::estimate(car) {
            Ok(estimate) => Ok(wit::Valuation {
                value_usd: CarValue::from(estimate).value_usd,
            }),
            Err(CarValueError::YearOutOfRange { min, max }) => {
                Err(wit::Error::YearOutOfRange(wit::YearBounds { min, max }))
            }
            Err(CarValueError::MileageOutOfRange { min, max }) => {
                Err(wit::Error::MileageOutOfRange(wit::MileageBounds {
                    min,
                    max,
                }))
            }
        }
    }
}

export!(Estimator);

fn trade(request: CarRequest) -> Result<CarValue, ApiError> {
    Ok(car_value_model::estimate(request.into())?.into())
}

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    match http_json::path(&request).as_str() {
        "/api/trade" => http_json::post(request, trade).await,
        "/health/car-value" => http_json::get(&request, || Health::ok("car-value")),
        path => http_json::error(ApiError::not_found(path)),
    }
}
