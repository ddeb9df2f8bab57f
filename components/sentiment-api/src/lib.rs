//! The sentiment service's HTTP routes: `POST /api/review` and
//! `GET /health/sentiment`. The model is composed in by Spin, as it is into
//! the gateway, so it stays a component that imports no configuration (which
//! Spin composes without its deny-all adapter), while its route takes the API
//! keys and the payload-log level like every other `/api` route.

use api::sentiment::Analysis;
use api::{ApiError, ReviewRequest};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

wit_bindgen::generate!({
    path: "../../wit/sentiment",
    world: "sentiment-api",
    // The interface's records are the API's types.
    with: {
        "ml:sentiment/analyzer@0.3.0/label": api::sentiment::Label,
        "ml:sentiment/analyzer@0.3.0/term": api::sentiment::Term,
        "ml:sentiment/analyzer@0.3.0/analysis": api::sentiment::Analysis,
        "ml:sentiment/analyzer@0.3.0/error": api::sentiment::Error,
        "ml:sentiment/analyzer@0.3.0/model-info": api::ModelInfo,
        "ml:sentiment/analyzer@0.3.0/metric": api::Metric,
    },
});

use ml::sentiment::analyzer;

#[http_component]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    // Each answered prediction is one payload-log line (docs/OPERATING.md).
    let log = payload_log::Recorder::start();
    let review = log.wrap("/api/review", review);
    let answer = http_json::model_service(request, "sentiment", "/api/review", review).await;
    http_json::send(response_out, answer);
}

fn review(request: ReviewRequest) -> Result<Analysis, ApiError> {
    Ok(analyzer::analyze(&request.review)?)
}
