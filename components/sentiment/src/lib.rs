//! The sentiment component: the model behind `ml:sentiment/analyzer` for
//! other components, and behind `POST /api/review` over HTTP.

use api::{ApiError, Health, ReviewRequest, Sentiment};
use sentiment_model::{Label, SentimentError};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;

wit_bindgen::generate!({ path: "../../wit/sentiment", world: "sentiment" });

use exports::ml::sentiment::analyzer::{self as wit, Guest};

struct Analyzer;

impl Guest for Analyzer {
    fn analyze(review: String) -> Result<wit::Analysis, wit::Error> {
        match sentiment_model::analyze(&review) {
            Ok(analysis) => {
                let label = match analysis.label {
                    Label::Positive => wit::Label::Positive,
                    Label::Negative => wit::Label::Negative,
                    Label::Neutral => wit::Label::Neutral,
                };
                let sentiment = Sentiment::from(analysis);
                Ok(wit::Analysis {
                    label,
                    score: sentiment.score,
                    confidence: sentiment.confidence,
                    explanation: sentiment
                        .explanation
                        .into_iter()
                        .map(|term| wit::Term {
                            term: term.term,
                            weight: term.weight,
                        })
                        .collect(),
                    model_version: sentiment.model_version,
                })
            }
            Err(SentimentError::EmptyReview) => Err(wit::Error::EmptyReview),
            Err(SentimentError::ReviewTooLong { max_chars }) => {
                Err(wit::Error::ReviewTooLong(max_chars as u32))
            }
        }
    }

    fn model() -> wit::ModelInfo {
        wit::ModelInfo {
            name: "sentiment".into(),
            version: sentiment_model::MODEL_VERSION.into(),
            metrics: sentiment_model::METRICS
                .iter()
                .map(|&(name, value)| wit::Metric {
                    name: name.into(),
                    value,
                })
                .collect(),
        }
    }
}

export!(Analyzer);

fn review(request: ReviewRequest) -> Result<Sentiment, ApiError> {
    Ok(sentiment_model::analyze(&request.review)?.into())
}

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    // Each answered prediction is one payload-log line (docs/OPERATING.md).
    let log = payload_log::Recorder::start();
    match http_json::path(&request).as_str() {
        "/api/review" => http_json::post(request, log.wrap("/api/review", review)).await,
        "/health/sentiment" => http_json::get(&request, || Health::ok("sentiment")),
        path => http_json::error(ApiError::not_found(path)),
    }
}
