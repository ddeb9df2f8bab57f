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
            Ok(analysis) => Ok(wit::Analysis {
                label: match analysis.label {
                    Label::Positive => wit::Label::Positive,
                    Label::Negative => wit::Label::Negative,
                    Label::Neutral => wit::Label::Neutral,
                },
                score: analysis.score,
                positive: analysis.positive,
                negative: analysis.negative,
                neutral: analysis.neutral,
            }),
            Err(SentimentError::EmptyReview) => Err(wit::Error::EmptyReview),
            Err(SentimentError::ReviewTooLong { max_chars }) => {
                Err(wit::Error::ReviewTooLong(max_chars as u32))
            }
        }
    }
}

export!(Analyzer);

fn review(request: ReviewRequest) -> Result<Sentiment, ApiError> {
    Ok(sentiment_model::analyze(&request.review)?.into())
}

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    match http_json::path(&request).as_str() {
        "/api/review" => http_json::post(request, review).await,
        "/health/sentiment" => http_json::get(&request, || Health::ok("sentiment")),
        path => http_json::error(ApiError::not_found(path)),
    }
}
