//! The benchmarks' floor: the least a Spin HTTP component can do per request.

use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_request: IncomingRequest) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .header("content-length", "6")
        .body("hello\n")
        .build()
}
