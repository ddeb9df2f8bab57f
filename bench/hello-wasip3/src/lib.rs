//! The floor in WASI 0.3 (`wasi:http/handler@0.3.0-rc-2026-01-06`, the RC
//! Spin 3.6 serves): the same answer as `bench/hello`, from an instance Spin
//! keeps for many requests instead of instantiating one per request.

use spin_sdk::http_wasip3::{FullBody, Request, http_service};

#[http_service]
async fn handle(_request: Request) -> http::Response<FullBody<&'static [u8]>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .header("content-length", "6")
        .body(FullBody::new(b"hello\n".as_slice()))
        .unwrap()
}
