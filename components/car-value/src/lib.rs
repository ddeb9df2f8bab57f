//! The car-value component: the model behind `ml:car-value/estimator`,
//! composed by Spin into the components that call it (the gateway, and
//! `car-value-api` for `POST /api/trade`). It serves no route of its own.

use api::ModelInfo;
use api::car_value::{Car, Error, Valuation};
// A model takes no configuration from the host: importing none lets Spin
// compose it without its deny-all adapter (see the crate's docs).
use no_environment as _;

wit_bindgen::generate!({
    path: "../../wit/car-value",
    world: "car-value",
    // The interface's records are the API's types.
    with: {
        "ml:car-value/estimator@0.3.0/car": api::car_value::Car,
        "ml:car-value/estimator@0.3.0/valuation": api::car_value::Valuation,
        "ml:car-value/estimator@0.3.0/error": api::car_value::Error,
        "ml:car-value/estimator@0.3.0/year-bounds": api::car_value::YearBounds,
        "ml:car-value/estimator@0.3.0/mileage-bounds": api::car_value::MileageBounds,
        "ml:car-value/estimator@0.3.0/unknown-value": api::car_value::UnknownValue,
        "ml:car-value/estimator@0.3.0/model-info": api::ModelInfo,
        "ml:car-value/estimator@0.3.0/metric": api::Metric,
    },
});

struct Estimator;

impl exports::ml::car_value::estimator::Guest for Estimator {
    fn estimate(car: Car) -> Result<Valuation, Error> {
        car_value_model::api::estimate(car)
    }

    fn estimate_batch(cars: Vec<Car>) -> Vec<Result<Valuation, Error>> {
        cars.into_iter()
            .map(car_value_model::api::estimate)
            .collect()
    }

    fn model() -> ModelInfo {
        car_value_model::api::model()
    }
}

export!(Estimator);
