//! The Open Inference Protocol v2 routes (`/v2/...`): each request's batch
//! goes to its model in one call through the model's WIT interface. Binary
//! tensor data is read and written by `inference_protocol`; here it is only
//! the body and the `Inference-Header-Content-Length` header.

use crate::history;
use crate::ml::car_value::estimator;
use crate::ml::sentiment::analyzer;
use inference_protocol::binary::INFERENCE_HEADER_CONTENT_LENGTH;
use inference_protocol::{
    EXTENSIONS, InferBody, InferParameters, InferRequest, InferResponse, Live, Model, ModelReady,
    ProtocolError, Ready, Route, ServerMetadata, Target,
};
use payload_log::{CarRecord, Level, Line, ReviewRecord};
use serde::Serialize;
use spin_sdk::http::{IncomingRequest, Response};

/// Answers a protocol `route`, with errors as `{"error": "..."}`.
pub async fn handle(
    request: IncomingRequest,
    route: Result<Route, ProtocolError>,
    key: Option<Vec<u8>>,
) -> Response {
    let answer = match route {
        Ok(Route::Infer(target)) => return infer(request, target, key).await,
        Ok(route) => http_json::check_get(&request)
            .map_err(ProtocolError::from)
            .and_then(|()| get(route))
            .map(|body| http_json::response_with_allow(200, None, body)),
        Err(failure) => Err(failure),
    };
    answer.unwrap_or_else(error)
}

/// The response carrying an inference answer's `body`, with the length of
/// its JSON when binary data follows it.
fn inference_answer(body: InferBody) -> Response {
    let content_type = body.content_type();
    let mut response = http_json::response_of_type(200, content_type, body.bytes);
    if let Some(length) = body.json_length {
        response.set_header(INFERENCE_HEADER_CONTENT_LENGTH, length.to_string());
    }
    response
}

/// The response for `failure`, as `{"error": "..."}`.
pub fn error(failure: ProtocolError) -> Response {
    http_json::response_with_allow(failure.status, failure.allow, failure.body())
}

fn get(route: Route) -> Result<Vec<u8>, ProtocolError> {
    match route {
        Route::Server => json(&ServerMetadata {
            name: "car-ml",
            version: env!("CARGO_PKG_VERSION"),
            extensions: EXTENSIONS,
        }),
        // The models are composed into this instance: if it runs, they do.
        Route::Live => json(&Live { live: true }),
        Route::Ready => json(&Ready { ready: true }),
        Route::Model(target) => json(&target.model.metadata(served_version(&target)?)),
        Route::ModelReady(target) => {
            served_version(&target)?;
            json(&ModelReady {
                name: target.model.name(),
                ready: true,
            })
        }
        Route::Infer(_) => unreachable!("inference is a POST"),
    }
}

async fn infer(request: IncomingRequest, target: Target, key: Option<Vec<u8>>) -> Response {
    let started = std::time::Instant::now();
    let answered = async {
        // Read before the body, which consumes the request.
        let header_length = request.headers().get(INFERENCE_HEADER_CONTENT_LENGTH);
        let body = http_json::post_body(request).await?;
        let request = InferRequest::parse(&body, &header_length)?;
        let version = served_version(&target)?;
        let settings = history::settings();
        let (answer, rows) = answer(&request, target.model, version, settings.level)?;
        Ok::<_, ProtocolError>((answer, rows, settings))
    };
    let (mut answer, rows, settings) = match answered.await {
        Ok(answered) => answered,
        Err(failure) => return error(failure),
    };
    let route = format!("/v2/models/{}/infer", target.model.name());
    let kept = rows.map(|rows| {
        // One time for the batch: its rows' ids differ by their row.
        let answered = Line::answered(&route, started);
        let lines = rows
            .into_iter()
            .map(|(car, review)| Line {
                car,
                review,
                ..answered.clone()
            })
            .collect();
        history::keep(settings, history::owner(key.as_deref()), lines)
    });
    if let Some(Ok(ids)) = &kept {
        answer.parameters = Some(InferParameters {
            prediction_ids: ids.iter().map(ToString::to_string).collect(),
        });
    }
    let mut response = inference_answer(answer.body());
    history::mark(&mut response, kept.as_ref());
    response
}

/// What the history keeps of each row of a batch: its car's or its
/// review's record.
type Rows = Vec<(Option<CarRecord>, Option<ReviewRecord>)>;

/// The model's answer to `request`'s batch, from one call, and each row's
/// record at history level `keep` (none at `off`).
fn answer(
    request: &InferRequest,
    model: Model,
    version: String,
    keep: Level,
) -> Result<(InferResponse, Option<Rows>), ProtocolError> {
    use inference_protocol::{car_value, sentiment};
    let kept = keep != Level::Off;
    match model {
        Model::CarValue => {
            let cars = car_value::cars(request)?;
            let answers = estimator::estimate_batch(&cars);
            let rows = (kept && answers.iter().all(Result::is_ok)).then(|| {
                cars.iter()
                    .zip(answers.iter().flatten())
                    .map(|(car, valuation)| (Some(CarRecord::new(car, valuation)), None))
                    .collect()
            });
            Ok((car_value::respond(request, version, answers)?, rows))
        }
        Model::Sentiment => {
            let reviews = sentiment::reviews(request)?;
            let answers = analyzer::analyze_batch(&reviews);
            let rows = (kept && answers.iter().all(Result::is_ok)).then(|| {
                reviews
                    .iter()
                    .zip(answers.iter().flatten())
                    .map(|(review, analysis)| {
                        (None, Some(ReviewRecord::new(review, keep, analysis)))
                    })
                    .collect()
            });
            Ok((sentiment::respond(request, version, answers)?, rows))
        }
    }
}

/// The version of the model `target` names, as its component reports it;
/// a 404 when the target names another version.
fn served_version(target: &Target) -> Result<String, ProtocolError> {
    let version = match target.model {
        Model::CarValue => estimator::model().version,
        Model::Sentiment => analyzer::model().version,
    };
    target.check_version(&version)?;
    Ok(version)
}

fn json(body: &impl Serialize) -> Result<Vec<u8>, ProtocolError> {
    Ok(api::to_json(body))
}
