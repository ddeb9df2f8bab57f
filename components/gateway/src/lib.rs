//! The gateway component: the app's HTTP API. It imports the two model
//! interfaces, which Spin composes in from the model components, so calling a
//! model is a function call, not a network hop. It depends on the interfaces
//! and the API only, never on a model: any component that exports an
//! interface can serve it.

use api::car_value::{Car, Valuation};
use api::sentiment::Analysis;
use api::{
    ApiError, CarAnalysis, CarAnalysisRequest, Health, IdentifiedAnswer, ModelCard, Models,
    RequestBody, ReviewRequest,
};
use cors::AllowedOrigins;
use inference_protocol::{ProtocolError, Route};
use spin_sdk::http::{IncomingRequest, Method, Response, ResponseOutparam};
use spin_sdk::http_component;

wit_bindgen::generate!({
    path: ["../../wit/car-value", "../../wit/sentiment", "../../wit/gateway"],
    world: "ml:gateway/gateway",
    // The model interfaces live in their own packages, not the world's.
    generate_all,
    // The interfaces' records are the API's types.
    with: {
        "ml:car-value/estimator@0.3.0/car": api::car_value::Car,
        "ml:car-value/estimator@0.3.0/valuation": api::car_value::Valuation,
        "ml:car-value/estimator@0.3.0/error": api::car_value::Error,
        "ml:car-value/estimator@0.3.0/year-bounds": api::car_value::YearBounds,
        "ml:car-value/estimator@0.3.0/mileage-bounds": api::car_value::MileageBounds,
        "ml:car-value/estimator@0.3.0/unknown-value": api::car_value::UnknownValue,
        "ml:car-value/estimator@0.3.0/model-info": api::ModelInfo,
        "ml:car-value/estimator@0.3.0/metric": api::Metric,
        "ml:sentiment/analyzer@0.3.0/label": api::sentiment::Label,
        "ml:sentiment/analyzer@0.3.0/term": api::sentiment::Term,
        "ml:sentiment/analyzer@0.3.0/analysis": api::sentiment::Analysis,
        "ml:sentiment/analyzer@0.3.0/error": api::sentiment::Error,
        "ml:sentiment/analyzer@0.3.0/model-info": api::ModelInfo,
        "ml:sentiment/analyzer@0.3.0/metric": api::Metric,
    },
});

mod history;
mod inference;

/// The API's OpenAPI 3.1 document, embedded when the gateway is built.
const OPENAPI: &str = include_str!("../../../docs/openapi.json");

use ml::car_value::estimator;
use ml::sentiment::analyzer;

#[http_component]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    http_json::send(response_out, answer(request).await);
}

/// The answer to `request`, with the CORS headers its origin gets.
async fn answer(request: IncomingRequest) -> Response {
    // Browsers send `Origin` on cross-origin calls (and on their own
    // origin's POSTs); other clients do not, and cost no variable read.
    let cross_origin = request
        .headers()
        .get("origin")
        .into_iter()
        .next()
        .map(|origin| (allowed_origins(), origin));
    if let Some((allowed, origin)) = &cross_origin
        && is_preflight(&request)
        && let Some(headers) = allowed.preflight_headers(origin)
    {
        let mut answer = Response::builder().status(204).build();
        for (name, value) in headers {
            answer.set_header(name, value);
        }
        return answer;
    }
    let mut answer = route(request).await;
    if let Some((allowed, origin)) = cross_origin
        && let Some(headers) = allowed.answer_headers(&origin)
    {
        for (name, value) in headers {
            answer.set_header(name, value);
        }
    }
    answer
}

/// The origins the Spin variable `cors_origins` allows; none (CORS off)
/// when it is empty or the manifest does not give it to the gateway.
fn allowed_origins() -> AllowedOrigins {
    AllowedOrigins::parse(&spin_sdk::variables::get("cors_origins").unwrap_or_default())
}

/// A CORS preflight: what a browser asks before a cross-origin `POST` with
/// a JSON body or an API key.
fn is_preflight(request: &IncomingRequest) -> bool {
    request.method() == Method::Options
        && !request
            .headers()
            .get("access-control-request-method")
            .is_empty()
}

async fn route(request: IncomingRequest) -> Response {
    let path = http_json::path(&request);
    let protocol_route = inference_protocol::route(&path);
    let key = if needs_key(&path, protocol_route.as_ref()) {
        match http_json::check_api_key(&request) {
            Ok(key) => key,
            Err(failure) => {
                return match protocol_route {
                    Some(_) => inference::error(failure.into()),
                    None => http_json::error(failure),
                };
            }
        }
    } else {
        None
    };
    if let Some(route) = protocol_route {
        return inference::handle(request, route, key).await;
    }
    match path.as_str() {
        "/health" => http_json::get(&request, || Health::ok("gateway")),
        "/api/models" => http_json::get(&request, models),
        "/openapi.json" => http_json::get_static(&request, OPENAPI),
        "/api/car-analysis" => predict(request, "/api/car-analysis", key, car_analysis).await,
        "/api/car-value" => predict(request, "/api/car-value", key, car_value).await,
        "/api/review-sentiment" => {
            predict(request, "/api/review-sentiment", key, review_sentiment).await
        }
        "/api/predictions" => history::route(request, &path, key).await,
        path if path.starts_with("/api/predictions/") => history::route(request, path, key).await,
        path => http_json::error(ApiError::not_found(path)),
    }
}

/// Serves a prediction route: `handler`'s answer to the `POST`ed body, with
/// its payload-log line (docs/OPERATING.md) and, when the history keeps it,
/// its id, for the caller whose API key is `key`.
async fn predict<R>(
    request: IncomingRequest,
    route: &'static str,
    key: Option<Vec<u8>>,
    handler: fn(R) -> Result<R::Answer, ApiError>,
) -> Response
where
    R: RequestBody + payload_log::Logged,
    R::Answer: serde::Serialize,
{
    let log = payload_log::Recorder::start();
    let asked = match http_json::post_body(request).await {
        Ok(body) => api::parse_request::<R>(&body),
        Err(failure) => Err(failure),
    };
    let settings = history::settings();
    let answered = asked.and_then(|asked| log.record(route, settings.level, asked, handler));
    let (answer, line) = match answered {
        Ok(answered) => answered,
        Err(failure) => return http_json::error(failure),
    };
    let kept = line.map(|line| history::keep(settings, history::owner(key.as_deref()), vec![line]));
    let prediction_id = history::first_id(kept.as_ref());
    let mut response = http_json::json(
        200,
        &IdentifiedAnswer {
            prediction_id,
            answer,
        },
    );
    history::mark(&mut response, kept.as_ref());
    response
}

/// Whether `path` needs an API key: the JSON API, and the protocol's model
/// metadata and inference. Health, readiness and server metadata stay open
/// for probes, as do `/health` and `/openapi.json`.
fn needs_key(path: &str, protocol_route: Option<&Result<Route, ProtocolError>>) -> bool {
    match protocol_route {
        Some(Ok(Route::Model(_) | Route::Infer(_))) => true,
        Some(_) => false,
        None => path.starts_with("/api/"),
    }
}

fn models() -> Models {
    use prediction_history::live::Model;
    let (car_value, sentiment) = (estimator::model(), analyzer::model());
    let mut live = history::live_figures(&[
        (Model::CarValue, &car_value.version),
        (Model::Sentiment, &sentiment.version),
    ])
    .into_iter();
    Models {
        models: [car_value, sentiment]
            .into_iter()
            .map(|info| ModelCard {
                info,
                live: live.next().flatten(),
            })
            .collect(),
    }
}

fn car_analysis(request: CarAnalysisRequest) -> Result<CarAnalysis, ApiError> {
    Ok(CarAnalysis {
        car_value: car_value(request.car)?,
        sentiment: review_sentiment(request.review)?,
    })
}

fn car_value(car: Car) -> Result<Valuation, ApiError> {
    Ok(estimator::estimate(&car)?)
}

fn review_sentiment(request: ReviewRequest) -> Result<Analysis, ApiError> {
    Ok(analyzer::analyze(&request.review)?)
}
