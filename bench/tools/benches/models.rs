//! The models' cost alone, natively: each predict call through the `api`
//! conversions the components use, and each route's whole JSON path (parse,
//! models, serialize) without HTTP.

use api::car_value::Car;
use api::{CarAnalysisRequest, ReviewRequest};
use car_ml_bench::{car_analysis, car_value, post_json, review_sentiment};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const CAR: &[u8] = br#"{"year": 2018, "mileage": 45000}"#;
const REVIEW: &[u8] =
    br#"{"review": "Great car! Smooth and quiet on the highway, though the brakes squeal a little."}"#;
const ANALYSIS: &[u8] = br#"{"year": 2018, "mileage": 45000, "review": "Great car! Smooth and quiet on the highway, though the brakes squeal a little."}"#;

fn models(c: &mut Criterion) {
    let car: Car = api::parse_json(CAR).unwrap();
    let review: ReviewRequest = api::parse_json(REVIEW).unwrap();
    c.bench_function("predict/car-value", |b| {
        b.iter(|| car_value(black_box(car.clone())).unwrap())
    });
    c.bench_function("predict/sentiment", |b| {
        b.iter(|| review_sentiment(black_box(review.clone())).unwrap())
    });
    c.bench_function("json/car-analysis", |b| {
        b.iter(|| post_json::<CarAnalysisRequest, _>(black_box(ANALYSIS), car_analysis))
    });
    c.bench_function("json/car-value", |b| {
        b.iter(|| post_json::<Car, _>(black_box(CAR), car_value))
    });
    c.bench_function("json/review-sentiment", |b| {
        b.iter(|| post_json::<ReviewRequest, _>(black_box(REVIEW), review_sentiment))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(30);
    targets = models
}
criterion_main!(benches);
