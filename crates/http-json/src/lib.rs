//! The app's JSON API over Spin's HTTP: what every component's HTTP handler
//! shares. Routes answer JSON (or, with [`response_of_type`], another type);
//! failures answer an [`ApiError`] as JSON.

use api::RequestBody;
use api::{ApiError, MAX_BODY_BYTES};
use futures::StreamExt;
use serde::Serialize;
use spin_sdk::http::{
    IncomingRequest, Method, OutgoingBody, OutgoingResponse, Response, ResponseOutparam,
};

/// Hands `response` to the host with its body already written and finished,
/// so that the host has the whole answer when it writes the head and sends
/// head and body together. Handed over first and written after (as
/// spin-sdk's `#[http_component]` does with a returned `Response`), the head
/// leaves in one segment and the body in another; on a keep-alive
/// connection, which Spin does not set `TCP_NODELAY` on, the second then
/// waits for the client's delayed acknowledgement of the first: up to 40 ms
/// (BENCHMARKS.md, "Steps taken"). A body larger than the host takes before
/// the response is handed over (1 MiB on Spin) is written after it.
pub fn send(response_out: ResponseOutparam, mut response: Response) {
    let bytes = std::mem::take(response.body_mut());
    let outgoing = match OutgoingResponse::try_from(response) {
        Ok(outgoing) => outgoing,
        Err(failure) => {
            eprintln!("could not make the response: {failure}");
            return;
        }
    };
    let body = outgoing.body().expect("a new response's body");
    let stream = body.write().expect("a new body's stream");
    let fits = stream
        .check_write()
        .is_ok_and(|permit| bytes.len() as u64 <= permit);
    if fits {
        // Nothing reads the body yet: within the permit the host queues it.
        if let Err(failure) = stream.write(&bytes) {
            eprintln!("could not write the response: {failure:?}");
        }
        drop(stream);
        finish(body);
        response_out.set(outgoing);
        return;
    }
    response_out.set(outgoing);
    let mut written = 0;
    while written < bytes.len() {
        let permit = match stream.check_write() {
            Ok(0) => {
                stream.subscribe().block();
                continue;
            }
            Ok(permit) => usize::try_from(permit).unwrap_or(usize::MAX),
            Err(_) => return,
        };
        let end = bytes.len().min(written.saturating_add(permit));
        if stream.write(&bytes[written..end]).is_err() {
            return;
        }
        written = end;
    }
    if stream.blocking_flush().is_err() {
        return;
    }
    drop(stream);
    finish(body);
}

fn finish(body: OutgoingBody) {
    if let Err(failure) = OutgoingBody::finish(body, None) {
        eprintln!("could not finish the response: {failure:?}");
    }
}

/// A JSON response with `status` and `body`.
pub fn json(status: u16, body: &impl Serialize) -> Response {
    response(status, api::to_json(body))
}

/// The response for `error`.
pub fn error(error: ApiError) -> Response {
    response_with_allow(error.status(), error.allow(), error.body())
}

/// A JSON response with `status`, an `Allow` header when `allow` is given,
/// and `body`, already serialized.
pub fn response_with_allow(status: u16, allow: Option<&str>, body: Vec<u8>) -> Response {
    let mut response = response(status, body);
    if let Some(allow) = allow {
        response.set_header("allow", allow);
    }
    response
}

/// A JSON answer with `status` and `body`, already serialized.
fn response(status: u16, body: Vec<u8>) -> Response {
    response_of_type(status, "application/json", body)
}

/// Every answer: its type and length, and headers that keep browsers from
/// reading it as anything but `content_type` and caches from keeping it
/// (answers may be behind an API key). A 401 carries the bearer challenge
/// RFC 9110 requires of it.
pub fn response_of_type(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", content_type)
        // A declared length spares clients (and the host) a chunked body.
        .header("content-length", body.len().to_string())
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store")
        .body(body)
        .build();
    if status == 401 {
        response.set_header("www-authenticate", "Bearer");
    }
    response
}

/// Accepts the request when it carries one of the keys the Spin variable
/// `api_keys` lists, or when that lists none: every component that serves an
/// `/api` route asks this first. A component whose manifest does not give it
/// the variable refuses rather than serve an open API. The key the request
/// carried; `None` when the API is open.
pub fn check_api_key(request: &IncomingRequest) -> Result<Option<Vec<u8>>, ApiError> {
    let keys = spin_sdk::variables::get("api_keys").map_err(|failure| {
        ApiError::new(
            500,
            "api_keys_unavailable",
            format!("the API keys could not be read: {failure}"),
        )
    })?;
    let authorization = request.headers().get("authorization");
    api_keys::ApiKeys::parse(&keys)
        .check(authorization.first().map(Vec::as_slice))
        .map(|key| key.map(<[u8]>::to_vec))
        .map_err(|refusal| ApiError::unauthorized(refusal.message()))
}

/// Serves a model service's own routes (the `car-value-api` and
/// `sentiment-api` components): `POST route` through `handler`, which needs
/// an API key like every `/api` path, and `GET /health/<service>` for the
/// service's probes; a 404 for any other path.
pub async fn model_service<Req, Resp>(
    request: IncomingRequest,
    service: &'static str,
    route: &str,
    handler: impl FnOnce(Req) -> Result<Resp, ApiError>,
) -> Response
where
    Req: RequestBody,
    Resp: Serialize,
{
    let path = path(&request);
    if path.starts_with("/api/")
        && let Err(failure) = check_api_key(&request)
    {
        return error(failure);
    }
    if path == route {
        post(request, handler).await
    } else if path.strip_prefix("/health/") == Some(service) {
        get(&request, || api::Health::ok(service))
    } else {
        error(ApiError::not_found(&path))
    }
}

/// The request's query, without `?`; empty when it has none.
pub fn query(request: &IncomingRequest) -> String {
    let path = request.path_with_query().unwrap_or_default();
    path.split_once('?')
        .map(|(_, query)| query.to_owned())
        .unwrap_or_default()
}

/// The request's path, without its query.
pub fn path(request: &IncomingRequest) -> String {
    let mut path = request.path_with_query().unwrap_or_default();
    if let Some(query) = path.find('?') {
        path.truncate(query);
    }
    path
}

/// Serves a `GET` route: `handler`'s answer as JSON with status 200.
pub fn get<T: Serialize>(request: &IncomingRequest, handler: impl FnOnce() -> T) -> Response {
    match check_get(request) {
        Ok(()) => json(200, &handler()),
        Err(failure) => error(failure),
    }
}

/// Serves a `GET` route answering a JSON document fixed at build time.
pub fn get_static(request: &IncomingRequest, document: &'static str) -> Response {
    match check_get(request) {
        Ok(()) => response(200, document.as_bytes().to_vec()),
        Err(failure) => error(failure),
    }
}

/// Refuses any method but `GET` (and `HEAD`) with a 405.
pub fn check_get(request: &IncomingRequest) -> Result<(), ApiError> {
    match request.method() {
        Method::Get | Method::Head => Ok(()),
        method => Err(ApiError::method_not_allowed(method, "GET")),
    }
}

/// Serves a `POST` route taking and answering JSON: reads the body (at most
/// [`MAX_BODY_BYTES`]), parses it, and answers `handler`'s result.
pub async fn post<Req, Resp>(
    request: IncomingRequest,
    handler: impl FnOnce(Req) -> Result<Resp, ApiError>,
) -> Response
where
    Req: RequestBody,
    Resp: Serialize,
{
    let body = match post_body(request).await {
        Ok(body) => body,
        Err(failure) => return error(failure),
    };
    match api::parse_request(&body).and_then(handler) {
        Ok(answer) => json(200, &answer),
        Err(failure) => error(failure),
    }
}

/// The body of a `POST` request (at most [`MAX_BODY_BYTES`]); a 405 for
/// any other method.
pub async fn post_body(request: IncomingRequest) -> Result<Vec<u8>, ApiError> {
    if request.method() != Method::Post {
        return Err(ApiError::method_not_allowed(request.method(), "POST"));
    }
    read_body(request).await
}

/// Reads the body, refusing more than [`MAX_BODY_BYTES`] before reading it
/// all: by its declared length when there is one, else as it arrives.
async fn read_body(request: IncomingRequest) -> Result<Vec<u8>, ApiError> {
    let declared_length = request
        .headers()
        .get("content-length")
        .first()
        .and_then(|value| std::str::from_utf8(value).ok()?.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(ApiError::body_too_large());
    }
    let mut body = Vec::new();
    let mut chunks = request.into_body_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|failure| {
            ApiError::new(
                400,
                "unreadable_body",
                format!("could not read the request body: {failure}"),
            )
        })?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::body_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
