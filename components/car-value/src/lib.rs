//! The car-value component: the model behind `ml:car-value/estimator` for
//! other components, and behind `POST /api/trade` over HTTP.

use api::car_value::{Car, Error, Valuation};
use api::{ApiError, Health, ModelInfo};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;
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

fn trade(car: Car) -> Result<Valuation, ApiError> {
    Ok(car_value_model::api::estimate(car)?)
}

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    // Each answered prediction is one payload-log line (docs/OPERATING.md),
    // at the default level: reading the `payload_log` variable would import
    // Spin's variables, and Spin would then wrap this model in its deny-all
    // adapter wherever it is composed into the gateway.
    let log = payload_log::Recorder::new(|| payload_log::Level::Summary, std::io::stdout());
    match http_json::path(&request).as_str() {
        "/api/trade" => http_json::post(request, log.wrap("/api/trade", trade)).await,
        "/health/car-value" => http_json::get(&request, || Health::ok("car-value")),
        path => http_json::error(ApiError::not_found(path)),
    }
}
