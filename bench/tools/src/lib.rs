//! The app's routes answered natively, through the same `api` types and
//! models the components use: what the native server serves and what the
//! micro-benchmarks time.

use api::car_value::{Car, Valuation};
use api::sentiment::Analysis;
use api::{ApiError, CarAnalysis, CarAnalysisRequest, ReviewRequest};

/// `POST /api/car-value` and `POST /api/trade`.
pub fn car_value(car: Car) -> Result<Valuation, ApiError> {
    Ok(car_value_model::api::estimate(car)?)
}

/// `POST /api/review-sentiment` and `POST /api/review`.
pub fn review_sentiment(request: ReviewRequest) -> Result<Analysis, ApiError> {
    Ok(sentiment_model::api::analyze(&request.review)?)
}

/// `POST /api/car-analysis`.
pub fn car_analysis(request: CarAnalysisRequest) -> Result<CarAnalysis, ApiError> {
    Ok(CarAnalysis {
        car_value: car_value(request.car)?,
        sentiment: review_sentiment(request.review)?,
    })
}

/// A POST route's whole JSON path: parse `body`, answer, serialize.
pub fn post_json<Req, Resp>(
    body: &[u8],
    handler: impl FnOnce(Req) -> Result<Resp, ApiError>,
) -> (u16, Vec<u8>)
where
    Req: serde::de::DeserializeOwned,
    Resp: serde::Serialize,
{
    match api::parse_json(body).and_then(handler) {
        Ok(answer) => (200, api::to_json(&answer)),
        Err(error) => (error.status(), error.body()),
    }
}
