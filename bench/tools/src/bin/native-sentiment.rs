//! `native-sentiment REVIEWS_JSON`: each sentiment model's time per review
//! natively, in this process, as the components answer it (validation,
//! analysis and explanation): the word model, the transformer and the
//! cascade of the two, for each review of `REVIEWS_JSON` (an object of
//! label to review text). Prints one JSON object: model, then label, then
//! `p50_ms`, `p99_ms` and `runs`. What the same work costs in Wasm on Spin
//! is measured by `bench/sentiment.py` beside it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use api::sentiment::{Analysis, Error};
use sentiment_model::api::cascade;
use serde_json::{Map, Value, json};

/// Fewest and most timed runs of one review, and the time after which no
/// run beyond the fewest starts.
const MIN_RUNS: usize = 20;
const MAX_RUNS: usize = 500;
const BUDGET: Duration = Duration::from_secs(2);

fn cascade(review: &str) -> Result<Analysis, Error> {
    cascade::analyze(
        review,
        sentiment_model::api::analyze,
        sentiment_transformer_model::api::analyze,
    )
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [reviews] = args.as_slice() else {
        bail!("usage: native-sentiment REVIEWS_JSON");
    };
    let reviews: Map<String, Value> = serde_json::from_slice(
        &std::fs::read(reviews).with_context(|| format!("reading {reviews}"))?,
    )?;
    let models: [(&str, fn(&str) -> Result<Analysis, Error>); 3] = [
        ("sentiment", sentiment_model::api::analyze),
        (
            "sentiment-transformer",
            sentiment_transformer_model::api::analyze,
        ),
        ("sentiment-cascade", cascade),
    ];
    let mut out = Map::new();
    for (name, analyze) in models {
        let mut by_review = Map::new();
        for (label, review) in &reviews {
            let review = review.as_str().context("reviews are strings")?;
            for _ in 0..2 {
                analyze(review).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let started = Instant::now();
            let mut times = Vec::new();
            while times.len() < MIN_RUNS || (started.elapsed() < BUDGET && times.len() < MAX_RUNS) {
                let t = Instant::now();
                std::hint::black_box(analyze(std::hint::black_box(review)).ok());
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            by_review.insert(
                label.clone(),
                json!({"p50_ms": at(0.5), "p99_ms": at(0.99), "runs": times.len()}),
            );
        }
        out.insert(name.to_owned(), Value::Object(by_review));
    }
    println!("{}", Value::Object(out));
    Ok(())
}
