//! The sentiment component: the trained classifier behind
//! `ml:sentiment/analyzer` for other components, and behind
//! `POST /api/review` over HTTP.

use api::sentiment::{Analysis, Error};
use api::{ApiError, Health, ModelInfo, ReviewRequest};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;
// A model takes no configuration from the host: importing none lets Spin
// compose it without its deny-all adapter (see the crate's docs).
use no_environment as _;

wit_bindgen::generate!({
    path: "../../wit/sentiment",
    world: "sentiment",
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

struct Analyzer;

impl exports::ml::sentiment::analyzer::Guest for Analyzer {
    fn analyze(review: String) -> Result<Analysis, Error> {
        sentiment_model::api::analyze(&review)
    }

    fn analyze_batch(reviews: Vec<String>) -> Vec<Result<Analysis, Error>> {
        reviews
            .iter()
            .map(|review| sentiment_model::api::analyze(review))
            .collect()
    }

    fn model() -> ModelInfo {
        sentiment_model::api::model()
    }
}

export!(Analyzer);

fn review(request: ReviewRequest) -> Result<Analysis, ApiError> {
    Ok(sentiment_model::api::analyze(&request.review)?)
}

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    // Each answered prediction is one payload-log line (docs/OPERATING.md),
    // at the default level: reading the `payload_log` variable would import
    // Spin's variables, and Spin would then wrap this model in its deny-all
    // adapter wherever it is composed into the gateway.
    let log = payload_log::Recorder::new(|| payload_log::Level::Summary, std::io::stdout());
    match http_json::path(&request).as_str() {
        "/api/review" => http_json::post(request, log.wrap("/api/review", review)).await,
        "/health/sentiment" => http_json::get(&request, || Health::ok("sentiment")),
        path => http_json::error(ApiError::not_found(path)),
    }
}
