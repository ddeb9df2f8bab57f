//! `wasm-probe APP_MANIFEST FLOOR_MANIFEST ROUTES_JSON [SECONDS]`: what the
//! Wasm app costs apart from HTTP, printed as one JSON object:
//!
//! - `sizes`: each component's `.wasm` as built, and composed with its
//!   dependencies, in bytes;
//! - `load_ms`: loading each manifest (read, compose, compile);
//! - `instantiate_us`: instantiating a route's component in a fresh store,
//!   as each request does, without calling it;
//! - `request_us`: a whole request in-process (store, instance, guest
//!   handler, body), without the listener and HTTP parsing;
//! - `dirty_pages`: `load_ms`, `instantiate_us` and `request_us` again, with
//!   memory reset by [`MemoryReset::DirtyPages`] instead of as Spin does.

use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use wasm_harness::compose;
use wasm_harness::{App, Manifest, MemoryReset};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [app_manifest, floor_manifest, routes, rest @ ..] = args.as_slice() else {
        bail!("usage: wasm-probe APP_MANIFEST FLOOR_MANIFEST ROUTES_JSON [SECONDS]");
    };
    let seconds: f64 = rest.first().map_or(Ok(0.5), |s| s.parse())?;
    let budget = Duration::from_secs_f64(seconds);
    let routes: Vec<Value> = serde_json::from_slice(&std::fs::read(routes)?)?;

    let mut sizes = serde_json::Map::new();
    for manifest in [app_manifest, floor_manifest] {
        sizes.extend(component_sizes(Path::new(manifest))?);
    }

    let spin = timings(
        app_manifest,
        floor_manifest,
        &routes,
        budget,
        MemoryReset::Spin,
    )
    .await?;
    let dirty_pages = timings(
        app_manifest,
        floor_manifest,
        &routes,
        budget,
        MemoryReset::DirtyPages,
    )
    .await?;
    let report = json!({
        "sizes": sizes,
        "load_ms": spin["load_ms"],
        "instantiate_us": spin["instantiate_us"],
        "request_us": spin["request_us"],
        "dirty_pages": dirty_pages,
    });
    println!("{report}");
    Ok(())
}

/// Loading times, and per route the time to instantiate and to serve one
/// request in-process, with memory reset as `reset` says.
async fn timings(
    app_manifest: &str,
    floor_manifest: &str,
    routes: &[Value],
    budget: Duration,
    reset: MemoryReset,
) -> Result<Value> {
    let started = Instant::now();
    let app = App::load_with(app_manifest.as_ref(), reset)?;
    let app_load = started.elapsed();
    let started = Instant::now();
    let floor = App::load_with(floor_manifest.as_ref(), reset)?;
    let floor_load = started.elapsed();

    let floor_route = json!({"path": "/", "method": "GET"});
    let mut instantiate = serde_json::Map::new();
    let mut request = serde_json::Map::new();
    let cases = routes.iter().map(|route| ("app", &app, route));
    for (name, app, route) in cases.chain([("floor", &floor, &floor_route)]) {
        let path = route["path"].as_str().context("a route's path")?;
        let key = format!("{name} {path}");
        let time = time_per_call(budget, || app.instantiate(path)).await?;
        instantiate.insert(key.clone(), json!(time));
        let time = time_per_call(budget, || call(app, route)).await?;
        request.insert(key, json!(time));
    }
    Ok(json!({
        "load_ms": {"app": ms(app_load), "floor": ms(floor_load)},
        "instantiate_us": instantiate,
        "request_us": request,
    }))
}

/// Each component's size as built, and composed.
fn component_sizes(manifest_path: &Path) -> Result<serde_json::Map<String, Value>> {
    let manifest = Manifest::load(manifest_path)?;
    let mut sizes = serde_json::Map::new();
    for (id, component) in &manifest.component {
        let built = std::fs::metadata(manifest.source_path(id)?)?.len();
        let mut size = json!({"built": built});
        if !component.dependencies.is_empty() {
            size["composed"] = json!(compose::from_manifest(&manifest, id)?.len());
        }
        sizes.insert(id.clone(), size);
    }
    Ok(sizes)
}

/// One request in-process; fails unless it answers 2xx.
async fn call(app: &App, route: &Value) -> Result<()> {
    let body = match &route["body"] {
        Value::Null => Bytes::new(),
        body => Bytes::from(body.to_string()),
    };
    let request = hyper::Request::builder()
        .method(route["method"].as_str().unwrap_or("GET"))
        .uri(format!(
            "http://127.0.0.1{}",
            route["path"].as_str().unwrap_or("/")
        ))
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(Full::new(body))?;
    let response = app.handle_in_process(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("{status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(())
}

/// Mean time per call of `f`, in microseconds, over about `budget` after a
/// warm-up.
async fn time_per_call<F, Fut>(budget: Duration, mut f: F) -> Result<f64>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    for _ in 0..200 {
        f().await?;
    }
    let started = Instant::now();
    let mut calls = 0u32;
    while started.elapsed() < budget {
        for _ in 0..100 {
            f().await?;
        }
        calls += 100;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(calls))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
