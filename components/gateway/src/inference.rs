//! The Open Inference Protocol v2 routes (`/v2/...`): each request's batch
//! goes to its model in one call through the model's WIT interface. Binary
//! tensor data is read and written by `inference_protocol`; here it is only
//! the body and the `Inference-Header-Content-Length` header.

use crate::ml::car_value::estimator;
use crate::ml::sentiment::analyzer;
use inference_protocol::binary::INFERENCE_HEADER_CONTENT_LENGTH;
use inference_protocol::{
    EXTENSIONS, InferBody, InferRequest, InferResponse, Live, Model, ModelReady, ProtocolError,
    Ready, Route, ServerMetadata, Target,
};
use serde::Serialize;
use spin_sdk::http::{IncomingRequest, Response};

/// Answers a protocol `route`, with errors as `{"error": "..."}`.
pub async fn handle(request: IncomingRequest, route: Result<Route, ProtocolError>) -> Response {
    let answer = match route {
        Ok(Route::Infer(target)) => infer(request, target).await.map(inference_answer),
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

async fn infer(request: IncomingRequest, target: Target) -> Result<InferBody, ProtocolError> {
    // Read before the body, which consumes the request.
    let header_length = request.headers().get(INFERENCE_HEADER_CONTENT_LENGTH);
    let body = http_json::post_body(request).await?;
    let request = InferRequest::parse(&body, &header_length)?;
    let version = served_version(&target)?;
    Ok(answer(&request, target.model, version)?.body())
}

/// The model's answer to `request`'s batch, from one call.
fn answer(
    request: &InferRequest,
    model: Model,
    version: String,
) -> Result<InferResponse, ProtocolError> {
    use inference_protocol::{car_value, sentiment};
    match model {
        Model::CarValue => {
            let cars = car_value::cars(request)?;
            car_value::respond(request, version, estimator::estimate_batch(&cars))
        }
        Model::Sentiment => {
            let reviews = sentiment::reviews(request)?;
            sentiment::respond(request, version, analyzer::analyze_batch(&reviews))
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
