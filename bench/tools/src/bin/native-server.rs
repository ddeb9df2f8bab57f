//! `native-server [--listen ADDR]`: the app's routes and JSON served natively
//! and in-process by hyper, the upper bound the Wasm app is compared with.
//! Same routes, same `api` types, same models; no Wasm, no instance per
//! request.

use anyhow::{Context, Result};
use api::{ApiError, Health, MAX_BODY_BYTES};
use car_ml_bench::{car_analysis, car_value, post_json, review_sentiment};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = "127.0.0.1:3000".parse()?;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().context("--listen needs an address")?.parse()?,
            other => anyhow::bail!("usage: native-server [--listen ADDR] (not {other})"),
        }
    }
    let listener = TcpListener::bind(listen).await?;
    println!("Serving natively on http://{}", listener.local_addr()?);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handle);
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = request.uri().path().to_owned();
    let (status, body) = match path.as_str() {
        "/health" => get(&request, "gateway"),
        "/health/car-value" => get(&request, "car-value"),
        "/health/sentiment" => get(&request, "sentiment"),
        "/api/car-analysis" => post(request, |body| post_json(body, car_analysis)).await,
        "/api/car-value" | "/api/trade" => post(request, |body| post_json(body, car_value)).await,
        "/api/review-sentiment" | "/api/review" => {
            post(request, |body| post_json(body, review_sentiment)).await
        }
        _ => error(ApiError::not_found(&path)),
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response"))
}

fn get(request: &Request<Incoming>, service: &'static str) -> (u16, Vec<u8>) {
    match *request.method() {
        Method::GET | Method::HEAD => (200, api::to_json(&Health::ok(service))),
        ref method => error(ApiError::method_not_allowed(method, "GET")),
    }
}

async fn post(
    request: Request<Incoming>,
    answer: impl FnOnce(&[u8]) -> (u16, Vec<u8>),
) -> (u16, Vec<u8>) {
    if request.method() != Method::POST {
        return error(ApiError::method_not_allowed(request.method(), "POST"));
    }
    match Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => answer(&body.to_bytes()),
        Err(_) => error(ApiError::body_too_large()),
    }
}

fn error(error: ApiError) -> (u16, Vec<u8>) {
    (error.status(), error.body())
}
