//! `fixed-rate URL RATE SECONDS CONNECTIONS [BODY]`: latency at a fixed
//! request rate, which wrk (closed loop: each connection waits for its answer
//! before sending again) cannot hold.
//!
//! Requests are scheduled at `RATE` per second, spread over `CONNECTIONS`
//! keep-alive HTTP/1.1 connections (request `n` on connection `n % C`). A
//! request still waiting for its connection's previous answer when it falls
//! due has its latency measured from when it was *due*, not from when it could
//! be sent: a server that falls behind delays the requests queued after a
//! slow one, and those delays count (no coordinated omission, as in wrk2).
//! A `BODY` makes the requests POSTs of that JSON; without one they are GETs.
//!
//! Prints one JSON object: the rate asked and achieved, the answers by class,
//! and the latency percentiles in microseconds.

use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, rate, seconds, connections, rest @ ..] = args.as_slice() else {
        bail!("usage: fixed-rate URL RATE SECONDS CONNECTIONS [BODY]");
    };
    let uri: hyper::Uri = url.parse().context("the URL")?;
    let rate: f64 = rate.parse().context("RATE: requests per second")?;
    let seconds: f64 = seconds.parse().context("SECONDS")?;
    let connections: usize = connections.parse().context("CONNECTIONS")?;
    if rate <= 0.0 || seconds <= 0.0 || connections == 0 {
        bail!("RATE, SECONDS and CONNECTIONS must be positive");
    }
    let body = rest.first().cloned();
    let total = (rate * seconds).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now() + Duration::from_millis(50);

    let mut tasks = Vec::new();
    for connection in 0..connections {
        let (uri, body) = (uri.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let due = (connection as u64..total)
                .step_by(connections)
                .map(|n| start + interval.mul_f64(n as f64));
            run_connection(&uri, body.as_deref(), due).await
        }));
    }
    let mut tally = Tally::default();
    for task in tasks {
        let part = task.await??;
        tally.latencies_us.extend(part.latencies_us);
        tally.ok += part.ok;
        tally.refused += part.refused;
        tally.failed += part.failed;
    }
    let elapsed = start.elapsed().as_secs_f64();
    tally.latencies_us.sort_unstable();
    let percentile = |p: f64| -> u64 {
        let latencies = &tally.latencies_us;
        if latencies.is_empty() {
            return 0;
        }
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1]
    };
    let report = json!({
        "rate": rate,
        "achieved_rps": tally.latencies_us.len() as f64 / elapsed,
        "connections": connections,
        "requests": tally.latencies_us.len(),
        "ok": tally.ok,
        "refused": tally.refused,
        "failed": tally.failed,
        "p50_us": percentile(50.0),
        "p90_us": percentile(90.0),
        "p99_us": percentile(99.0),
        "p999_us": percentile(99.9),
        "max_us": tally.latencies_us.last().copied().unwrap_or(0),
    });
    println!("{report}");
    Ok(())
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    /// 2xx answers.
    ok: u64,
    /// Other answers.
    refused: u64,
    /// Requests with no answer (connection errors).
    failed: u64,
}

/// Sends a request at each of `due` on one connection, reconnecting after a
/// failure.
async fn run_connection(
    uri: &hyper::Uri,
    body: Option<&str>,
    due: impl Iterator<Item = Instant>,
) -> Result<Tally> {
    let mut tally = Tally::default();
    let mut sender = None;
    for due in due {
        // A request waiting for the connection past its due time was delayed
        // by the server: its latency counts from when it was due. Otherwise it
        // counts from when it is sent, so that the timer's own lateness (up
        // to a millisecond) is not taken for the server's.
        let waited_for_server = Instant::now() >= due;
        tokio::time::sleep_until(due).await;
        let counted_from = if waited_for_server {
            due
        } else {
            Instant::now()
        };
        let answered = answer(&mut sender, uri, body).await;
        tally
            .latencies_us
            .push(counted_from.elapsed().as_micros() as u64);
        match answered {
            Ok(status) if status.is_success() => tally.ok += 1,
            Ok(_) => tally.refused += 1,
            Err(_) => {
                tally.failed += 1;
                sender = None;
            }
        }
    }
    Ok(tally)
}

/// Sends one request on `sender`'s connection, opening a new one first when
/// there is none or the server has closed it (as servers that do not keep
/// connections alive do after each answer), and once more when the request
/// could not be sent on it. Returns the answer's status.
async fn answer(
    sender: &mut Option<http1::SendRequest<Full<Bytes>>>,
    uri: &hyper::Uri,
    body: Option<&str>,
) -> Result<hyper::StatusCode> {
    for attempt in 0..2 {
        if sender.as_ref().is_none_or(|open| open.is_closed()) {
            *sender = Some(connect(uri).await?);
        }
        let open = sender.as_mut().expect("a connection was just opened");
        match send(open, uri, body).await {
            Err(error) if attempt == 0 && error.is_canceled() => *sender = None,
            result => return Ok(result?),
        }
    }
    bail!("the server closed two connections without answering")
}

async fn connect(uri: &hyper::Uri) -> Result<http1::SendRequest<Full<Bytes>>> {
    let host = uri.host().context("the URL's host")?;
    let port = uri.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One request and its whole answer; returns the answer's status.
async fn send(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    uri: &hyper::Uri,
    body: Option<&str>,
) -> Result<hyper::StatusCode, hyper::Error> {
    sender.ready().await?;
    let request = hyper::Request::builder()
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(
            hyper::header::HOST,
            uri.authority().map_or("", |a| a.as_str()),
        );
    let request = match body {
        Some(body) => request
            .method(hyper::Method::POST)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_owned()))),
        None => request.method(hyper::Method::GET).body(Full::default()),
    }
    .expect("a request to a valid URI");
    let response = sender.send_request(request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok(status)
}
