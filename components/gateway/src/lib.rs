//! The gateway component: the app's HTTP API. It imports the two model
//! interfaces, which Spin composes in from the model components, so calling a
//! model is a function call, not a network hop.

use api::{
    ApiError, CarAnalysis, CarAnalysisRequest, CarRequest, CarValue, Health, ModelInfo, Models,
    ReviewRequest, Sentiment, Term,
};
use car_value_model::CarValueError;
use sentiment_model::SentimentError;
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
    // Each answered prediction is one payload-log line (docs/OPERATING.md).
    let log = payload_log::Recorder::start();
    match http_json::path(&request).as_str() {
        "/health" => http_json::get(&request, || Health::ok("gateway")),
        "/api/models" => http_json::get(&request, models),
        "/api/car-analysis" => {
            http_json::post(request, log.wrap("/api/car-analysis", car_analysis)).await
        }
        "/api/car-value" => http_json::post(request, log.wrap("/api/car-value", car_value)).await,
        "/api/review-sentiment" => {
            http_json::post(request, log.wrap("/api/review-sentiment", review_sentiment)).await
        }
        path => http_json::error(ApiError::not_found(path)),
    }
}

fn models() -> Models {
    let car_value = estimator::model();
    let sentiment = analyzer::model();
    Models {
        models: vec![
            ModelInfo {
                name: car_value.name,
                version: car_value.version,
                metrics: car_value
                    .metrics
                    .into_iter()
                    .map(|m| (m.name, m.value))
                    .collect(),
            },
            ModelInfo {
                name: sentiment.name,
                version: sentiment.version,
                metrics: sentiment
                    .metrics
                    .into_iter()
                    .map(|m| (m.name, m.value))
                    .collect(),
            },
        ],
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
        model: request.model,
        condition: request.condition,
        title_status: request.title_status,
        fuel: request.fuel,
        transmission: request.transmission,
        body_type: request.body_type,
    };
    let error = match estimator::estimate(&car) {
        Ok(valuation) => {
            return Ok(CarValue {
                value_usd: valuation.value_usd,
                low_usd: valuation.low_usd,
                high_usd: valuation.high_usd,
                extrapolation: valuation.extrapolation,
                model_version: valuation.model_version,
            });
        }
        Err(estimator::Error::YearOutOfRange(bounds)) => CarValueError::YearOutOfRange {
            min: bounds.min,
            max: bounds.max,
        },
        Err(estimator::Error::MileageOutOfRange(bounds)) => CarValueError::MileageOutOfRange {
            min: bounds.min,
            max: bounds.max,
        },
        Err(estimator::Error::UnknownValue(unknown)) => CarValueError::UnknownValue {
            field: unknown.field,
            value: unknown.value,
            allowed: unknown.allowed,
        },
    };
    Err(error.into())
}

fn review_sentiment(request: ReviewRequest) -> Result<Sentiment, ApiError> {
    let error = match analyzer::analyze(&request.review) {
        Ok(analysis) => {
            return Ok(Sentiment {
                label: match analysis.label {
                    analyzer::Label::Positive => "positive",
                    analyzer::Label::Negative => "negative",
                    analyzer::Label::Neutral => "neutral",
                },
                score: analysis.score,
                confidence: analysis.confidence,
                explanation: analysis
                    .explanation
                    .into_iter()
                    .map(|term| Term {
                        term: term.term,
                        weight: term.weight,
                    })
                    .collect(),
                model_version: analysis.model_version,
            });
        }
        Err(analyzer::Error::EmptyReview) => SentimentError::EmptyReview,
        Err(analyzer::Error::ReviewTooLong(max_chars)) => SentimentError::ReviewTooLong {
            max_chars: max_chars as usize,
        },
    };
    Err(error.into())
}
