//! `wasm-probe APP_MANIFEST FLOOR_MANIFEST ROUTES_JSON [SECONDS]`: what the
//! Wasm app costs apart from HTTP, printed as one JSON object:
//!
//! - `sizes`: each component's `.wasm` as built, and composed with its
//!   dependencies, in bytes; and the linear memory its core modules declare
//!   at start, and the static data in it, which the runtime resets after
//!   every request (up to `linear_memory_keep_resident`);
//! - `load_ms`: loading each manifest (read, compose, compile);
//! - `instantiate_us`: instantiating a route's component in a fresh store,
//!   as each request does, without calling it;
//! - `request_us`: a whole request in-process (store, instance, guest
//!   handler, body), without the listener and HTTP parsing;
//! - `dirty_pages`: `load_ms`, `instantiate_us` and `request_us` again, with
//!   memory reset by [`MemoryReset::DirtyPages`] instead of as Spin does;
//! - `payload_log_cpu_us`: per prediction route, the CPU time of one request
//!   in-process with payload logs `off` and at `summary`, each app writing
//!   its log files as `spin up` does; runs alternate between the two, and
//!   the time is this thread's CPU time, which other processes' load on the
//!   machine does not inflate as it does wall time.

use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use wasm_harness::compose;
use wasm_harness::{App, Manifest, MemoryReset, Settings};

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
    let payload_log = payload_log_cpu(app_manifest, &routes, budget).await?;
    let report = json!({
        "payload_log_cpu_us": payload_log,
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

/// Per POST route, the thread CPU time of one in-process request with
/// payload logs `off` and at `summary`, in microseconds.
async fn payload_log_cpu(app_manifest: &str, routes: &[Value], budget: Duration) -> Result<Value> {
    const LEVELS: [&str; 2] = ["off", "summary"];
    let logs = std::env::temp_dir().join(format!("car-ml-probe-logs-{}", std::process::id()));
    let mut apps = Vec::new();
    for level in LEVELS {
        let mut environment: Vec<(String, String)> = std::env::vars().collect();
        environment.push(("SPIN_VARIABLE_PAYLOAD_LOG".into(), level.into()));
        let settings = Settings {
            environment,
            log_dir: Some(logs.join(level)),
            ..Settings::default()
        };
        apps.push(App::load_with_settings(app_manifest.as_ref(), &settings)?);
    }
    let mut report = serde_json::Map::new();
    for route in routes.iter().filter(|route| route["method"] == "POST") {
        let mut cpu = [Duration::ZERO; 2];
        let mut calls = 0u32;
        let started = Instant::now();
        // Both warm, then alternating blocks, so drifts hit both alike.
        for app in &apps {
            for _ in 0..200 {
                call(app, route).await?;
            }
        }
        while started.elapsed() < budget * 2 {
            for (app, spent) in apps.iter().zip(&mut cpu) {
                let before = thread_cpu_time();
                for _ in 0..50 {
                    call(app, route).await?;
                }
                *spent += thread_cpu_time() - before;
            }
            calls += 50;
        }
        let per_call = cpu.map(|spent| spent.as_secs_f64() * 1e6 / f64::from(calls));
        let path = route["path"].as_str().context("a route's path")?;
        report.insert(
            path.to_owned(),
            json!({"off": per_call[0], "summary": per_call[1]}),
        );
    }
    std::fs::remove_dir_all(&logs).ok();
    Ok(Value::Object(report))
}

/// The CPU time this thread has used (user and system).
fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid timespec for the call to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "CLOCK_THREAD_CPUTIME_ID is available on Linux");
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Each component's size as built, and composed.
fn component_sizes(manifest_path: &Path) -> Result<serde_json::Map<String, Value>> {
    let manifest = Manifest::load(manifest_path)?;
    let mut sizes = serde_json::Map::new();
    for (id, component) in &manifest.component {
        let bytes = std::fs::read(manifest.source_path(id)?)?;
        let (memory, data) = linear_memory(&bytes)?;
        let mut size = json!({"built": bytes.len(), "memory": memory, "data": data});
        if !component.dependencies.is_empty() {
            size["composed"] = json!(compose::from_manifest(&manifest, id)?.len());
        }
        sizes.insert(id.clone(), size);
    }
    Ok(sizes)
}

/// The linear memory a component's core modules declare at start, and the
/// bytes of static data its active data segments put there.
fn linear_memory(component: &[u8]) -> Result<(u64, u64)> {
    const WASM_PAGE: u64 = 64 * 1024;
    let (mut memory, mut data) = (0, 0);
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload? {
            wasmparser::Payload::MemorySection(memories) => {
                for declared in memories {
                    memory += declared?.initial * WASM_PAGE;
                }
            }
            wasmparser::Payload::DataSection(segments) => {
                for segment in segments {
                    let segment = segment?;
                    if matches!(segment.kind, wasmparser::DataKind::Active { .. }) {
                        data += segment.data.len() as u64;
                    }
                }
            }
            _ => {}
        }
    }
    Ok((memory, data))
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
