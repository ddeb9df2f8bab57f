//! The gateway component: the app's HTTP API. It imports the two model
//! interfaces, which Spin composes in from the model components, so calling a
//! model is a function call, not a network hop.

use api::{
    ApiError, CarAnalysis, CarAnalysisRequest, CarRequest, CarValue, Health, ReviewRequest,
    Sentiment,
};
use car_value_model::CarValueError;
use sentiment_model::{Analysis, Label, SentimentError};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;

wit_bindgen::generate!({
    path: ["../../wit/car-value", "../../wit/sentiment", "../../wit/gateway"],
    world: "ml:gateway/gateway",
    // The model interfaces live in their own packages, not the world's.
    generate_all,
});

use ml::car_value::estimator;
use ml::sentiment::analyzer;

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    match http_json::path(&request).as_str() {
        "/health" => http_json::get(&request, || Health::ok("gateway")),
        "/api/car-analysis" => http_json::post(request, car_analysis).await,
        "/api/car-value" => http_json::post(request, car_value).await,
        "/api/review-sentiment" => http_json::post(request, review_sentiment).await,
        path => http_json::error(ApiError::not_found(path)),
    }
}

fn car_analysis(request: CarAnalysisRequest) -> Result<CarAnalysis, ApiError> {
    Ok(CarAnalysis {
        car_value: car_value(request.car)?,
        sentiment: review_sentiment(request.review)?,
    })
}

fn car_value(request: CarRequest) -> Result<CarValue, ApiError> {
    let car = estimator::Car {
        year: request.year,
        mileage: request.mileage,
    };
    match estimator::estimate(car) {
        Ok(valuation) => Ok(CarValue {
            value_usd: valuation.value_usd,
        }),
        Err(estimator::Error::YearOutOfRange(bounds)) => Err(CarValueError::YearOutOfRange {
            min: bounds.min,
            max: bounds.max,
        }
        .into()),
        Err(estimator::Error::MileageOutOfRange(bounds)) => Err(CarValueError::MileageOutOfRange {
            min: bounds.min,
            max: bounds.max,
        }
        .into()),
    }
}

fn review_sentiment(request: ReviewRequest) -> Result<Sentiment, ApiError> {
    match analyzer::analyze(&request.review) {
        Ok(analysis) => Ok(Analysis {
            label: match analysis.label {
                analyzer::Label::Positive => Label::Positive,
                analyzer::Label::Negative => Label::Negative,
                analyzer::Label::Neutral => Label::Neutral,
            },
            score: analysis.score,
            positive: analysis.positive,
            negative: analysis.negative,
            neutral: analysis.neutral,
        }
        .into()),
        Err(analyzer::Error::EmptyReview) => Err(SentimentError::EmptyReview.into()),
        Err(analyzer::Error::ReviewTooLong(max_chars)) => Err(SentimentError::ReviewTooLong {
            max_chars: max_chars as usize,
        }
        .into()),
    }
}
