//! The car-value service's HTTP routes: `POST /api/trade` and
//! `GET /health/car-value`. The model is composed in by Spin, as it is into
//! the gateway, so it stays a component that imports no configuration (which
//! Spin composes without its deny-all adapter), while its route takes the API
//! keys and the payload-log level like every other `/api` route.

use api::ApiError;
use api::car_value::{Car, Valuation};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

wit_bindgen::generate!({
    path: "../../wit/car-value",
    world: "car-value-api",
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

use ml::car_value::estimator;

#[http_component]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    // Each answered prediction is one payload-log line (docs/OPERATING.md).
    let log = payload_log::Recorder::start();
    let trade = log.wrap("/api/trade", trade);
    let answer = http_json::model_service(request, "car-value", "/api/trade", trade).await;
    http_json::send(response_out, answer);
}

fn trade(car: Car) -> Result<Valuation, ApiError> {
    Ok(estimator::estimate(&car)?)
}
