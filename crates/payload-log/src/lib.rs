//! Payload logs: one JSON line per prediction, on the component's standard
//! output, for drift checks and for finding the request behind an alert.
//!
//! A line ([`Line`]) says which route answered, when, how long the request
//! took, and for each model that answered its version, the inputs a drift
//! check needs and the outputs. Lines are told apart from anything else a
//! component prints by their first key: they start with
//! `{"schema":"car-ml.prediction.v1",` ([`SCHEMA`]).
//!
//! How much is written is the [`Level`], set by the Spin variable
//! `payload_log` ([`VARIABLE`]): `off`, `summary` (the default: no review
//! text) or `full` (also the review's text).
//!
//! A component wraps a route's handler with [`Recorder::wrap`]; only answered
//! predictions are logged (a request the API refuses is not a prediction).
//! The schema is documented in `docs/OPERATING.md`.

use api::car_value::{Car as CarRequest, Valuation as CarValue};
use api::sentiment::Analysis as Sentiment;
use api::{ApiError, CarAnalysis, CarAnalysisRequest, ReviewRequest};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The value of every line's `schema` key; a new value for any change a
/// reader would notice.
pub const SCHEMA: &str = "car-ml.prediction.v1";

/// The Spin variable that sets the [`Level`].
pub const VARIABLE: &str = "payload_log";

/// How much of each prediction is logged: each level records more than
/// the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Level {
    /// Nothing.
    Off,
    /// Everything but the review's text.
    #[default]
    Summary,
    /// Also the review's text: opt in only where storing it is allowed.
    Full,
}

impl Level {
    /// The level a setting names: `off`, `summary` or `full`.
    pub fn parse(setting: &str) -> Option<Level> {
        match setting.trim() {
            "off" => Some(Level::Off),
            "summary" => Some(Level::Summary),
            "full" => Some(Level::Full),
            _ => None,
        }
    }

    /// The level from the variable's lookup: the default when the component
    /// has no such variable, and the default with a warning on standard error
    /// when its value is not a level (a typo must not stop the answers).
    pub fn from_variable<E>(lookup: Result<String, E>) -> Level {
        match lookup {
            Ok(setting) => Level::parse(&setting).unwrap_or_else(|| {
                eprintln!("{VARIABLE} = {setting:?} is not off, summary or full; using summary");
                Level::default()
            }),
            Err(_) => Level::default(),
        }
    }
}

/// One prediction: a line of the payload log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The route that answered, for example `/api/car-analysis`.
    pub route: String,
    /// When the request arrived, in milliseconds since the Unix epoch.
    pub unix_ms: u64,
    /// From the request's arrival at the component to its answer being
    /// ready (reading and parsing the body, the models, writing the JSON),
    /// in microseconds.
    pub duration_us: u64,
    /// The car-value model's inputs and answer, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub car: Option<CarRecord>,
    /// The sentiment model's inputs and answer, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewRecord>,
}

/// A car valuation: what was asked and what was answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarRecord {
    pub model_version: String,
    pub year: i32,
    pub mileage: f64,
    /// The listing details, trimmed and lower-cased as the model reads them;
    /// `null` when the caller did not give them (or gave a blank).
    pub model: Option<String>,
    pub condition: Option<String>,
    pub title_status: Option<String>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    #[serde(rename = "type")]
    pub body_type: Option<String>,
    pub value_usd: u32,
    pub low_usd: u32,
    pub high_usd: u32,
    /// Whether the answer listed reasons it is an extrapolation.
    pub extrapolated: bool,
}

/// A review's analysis: what was asked and what was answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub model_version: String,
    /// The review's length, in characters.
    pub chars: usize,
    /// The review itself, at level [`Level::Full`] only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub label: String,
    pub score: f64,
    pub confidence: f64,
}

impl Line {
    /// A line for a prediction of `route`, whose request arrived at
    /// `started` and is answered now, without its models' records.
    pub fn answered(route: &str, started: Instant) -> Line {
        let duration = started.elapsed();
        // The wall clock is read once, at the end: the arrival time is that
        // less the duration.
        let arrived = SystemTime::now()
            .checked_sub(duration)
            .and_then(|arrived| arrived.duration_since(UNIX_EPOCH).ok());
        Line {
            schema: SCHEMA.to_owned(),
            route: route.to_owned(),
            unix_ms: arrived.map_or(0, |since| since.as_millis() as u64),
            duration_us: duration.as_micros() as u64,
            car: None,
            review: None,
        }
    }

    /// The line as `level` records it: none at [`Level::Off`], without the
    /// review's text below [`Level::Full`].
    pub fn at(&self, level: Level) -> Option<Line> {
        let mut line = match level {
            Level::Off => return None,
            _ => self.clone(),
        };
        if level < Level::Full
            && let Some(review) = &mut line.review
        {
            review.text = None;
        }
        Some(line)
    }

    /// The line's JSON, with its line end: the text its `Serialize` gives
    /// (a test holds them equal), written key by key. A component writes one
    /// line per request on caches the runtime's memory resets leave cold;
    /// written this way a line costs it 3–4 µs less than through the
    /// derived serializer (BENCHMARKS.md, "Payload logs: what they cost").
    pub fn to_json_line(&self) -> Vec<u8> {
        let mut out = JsonWriter(Vec::with_capacity(640));
        out.raw(b"{\"schema\":");
        out.string(&self.schema);
        out.raw(b",\"route\":");
        out.string(&self.route);
        out.raw(b",\"unix_ms\":");
        out.value(&self.unix_ms);
        out.raw(b",\"duration_us\":");
        out.value(&self.duration_us);
        if let Some(car) = &self.car {
            out.raw(b",\"car\":{\"model_version\":");
            out.string(&car.model_version);
            out.raw(b",\"year\":");
            out.value(&car.year);
            out.raw(b",\"mileage\":");
            out.value(&car.mileage);
            out.raw(b",\"model\":");
            out.optional(&car.model);
            out.raw(b",\"condition\":");
            out.optional(&car.condition);
            out.raw(b",\"title_status\":");
            out.optional(&car.title_status);
            out.raw(b",\"fuel\":");
            out.optional(&car.fuel);
            out.raw(b",\"transmission\":");
            out.optional(&car.transmission);
            out.raw(b",\"type\":");
            out.optional(&car.body_type);
            out.raw(b",\"value_usd\":");
            out.value(&car.value_usd);
            out.raw(b",\"low_usd\":");
            out.value(&car.low_usd);
            out.raw(b",\"high_usd\":");
            out.value(&car.high_usd);
            out.raw(b",\"extrapolated\":");
            out.raw(if car.extrapolated { b"true" } else { b"false" });
            out.raw(b"}");
        }
        if let Some(review) = &self.review {
            out.raw(b",\"review\":{\"model_version\":");
            out.string(&review.model_version);
            out.raw(b",\"chars\":");
            out.value(&review.chars);
            if let Some(text) = &review.text {
                out.raw(b",\"text\":");
                out.string(text);
            }
            out.raw(b",\"label\":");
            out.string(&review.label);
            out.raw(b",\"score\":");
            out.value(&review.score);
            out.raw(b",\"confidence\":");
            out.value(&review.confidence);
            out.raw(b"}");
        }
        out.raw(b"}\n");
        out.0
    }

    /// Reads a line a component printed; `None` for anything else (other
    /// output, a line of another schema, or a damaged line).
    pub fn parse(text: &str) -> Option<Line> {
        let text = text.trim_end();
        // Cheap refusal of the output that is not ours, before parsing.
        if !text.starts_with("{\"schema\":") {
            return None;
        }
        serde_json::from_str::<Line>(text)
            .ok()
            .filter(|line| line.schema == SCHEMA)
    }
}

/// JSON text being written: keys as literals, values as `serde_json`
/// writes them (numbers, escaped strings).
struct JsonWriter(Vec<u8>);

impl JsonWriter {
    fn raw(&mut self, text: &[u8]) {
        self.0.extend_from_slice(text);
    }

    fn value(&mut self, value: &impl Serialize) {
        // Numbers and strings always serialize; a Vec never fails to write.
        serde_json::to_writer(&mut self.0, value).expect("a JSON value");
    }

    fn string(&mut self, text: &str) {
        self.value(&text);
    }

    fn optional(&mut self, text: &Option<String>) {
        match text {
            Some(text) => self.string(text),
            None => self.raw(b"null"),
        }
    }
}

/// A request type whose inputs, with its answer, make a [`Line`].
pub trait Logged {
    /// What the route answers.
    type Answer;
    /// The line's inputs, taken before the handler consumes the request.
    fn inputs(&self, level: Level) -> Inputs;
    /// Completes `inputs` with the answer.
    fn complete(inputs: Inputs, answer: &Self::Answer, line: &mut Line);
}

/// The inputs of a request, kept until its answer is known.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    car: Option<CarInputs>,
    review: Option<ReviewInputs>,
}

#[derive(Debug, Clone)]
struct CarInputs {
    year: i32,
    mileage: f64,
    model: Option<String>,
    condition: Option<String>,
    title_status: Option<String>,
    fuel: Option<String>,
    transmission: Option<String>,
    body_type: Option<String>,
}

#[derive(Debug, Clone)]
struct ReviewInputs {
    chars: usize,
    text: Option<String>,
}

impl CarRecord {
    /// What a line records of `car`, valued as `valuation`: its listing
    /// details as the model reads them.
    pub fn new(car: &CarRequest, valuation: &CarValue) -> Self {
        CarInputs::of(car).with(valuation)
    }
}

impl ReviewRecord {
    /// What a line records of `review`, analysed as `analysis`, at `level`
    /// (the text itself only at [`Level::Full`]).
    pub fn new(review: &str, level: Level, analysis: &Sentiment) -> Self {
        ReviewInputs::of(review, level).with(analysis)
    }
}

/// A listing detail as the model reads it: trimmed, lower-cased, and blank
/// meaning not given.
fn normalized(value: &Option<String>) -> Option<String> {
    let value = value.as_deref()?.trim();
    (!value.is_empty()).then(|| value.to_lowercase())
}

impl CarInputs {
    fn of(request: &CarRequest) -> Self {
        CarInputs {
            year: request.year,
            mileage: request.mileage,
            model: normalized(&request.model),
            condition: normalized(&request.condition),
            title_status: normalized(&request.title_status),
            fuel: normalized(&request.fuel),
            transmission: normalized(&request.transmission),
            body_type: normalized(&request.body_type),
        }
    }

    fn with(self, answer: &CarValue) -> CarRecord {
        CarRecord {
            model_version: answer.model_version.clone(),
            year: self.year,
            mileage: self.mileage,
            model: self.model,
            condition: self.condition,
            title_status: self.title_status,
            fuel: self.fuel,
            transmission: self.transmission,
            body_type: self.body_type,
            value_usd: answer.value_usd,
            low_usd: answer.low_usd,
            high_usd: answer.high_usd,
            extrapolated: !answer.extrapolation.is_empty(),
        }
    }
}

impl ReviewInputs {
    fn of(review: &str, level: Level) -> Self {
        ReviewInputs {
            chars: review.chars().count(),
            text: (level == Level::Full).then(|| review.to_owned()),
        }
    }

    fn with(self, answer: &Sentiment) -> ReviewRecord {
        ReviewRecord {
            model_version: answer.model_version.clone(),
            chars: self.chars,
            text: self.text,
            label: answer.label.as_str().to_owned(),
            score: answer.score,
            confidence: answer.confidence,
        }
    }
}

impl Logged for CarRequest {
    type Answer = CarValue;

    fn inputs(&self, _level: Level) -> Inputs {
        Inputs {
            car: Some(CarInputs::of(self)),
            review: None,
        }
    }

    fn complete(inputs: Inputs, answer: &CarValue, line: &mut Line) {
        line.car = inputs.car.map(|car| car.with(answer));
    }
}

impl Logged for ReviewRequest {
    type Answer = Sentiment;

    fn inputs(&self, level: Level) -> Inputs {
        Inputs {
            car: None,
            review: Some(ReviewInputs::of(&self.review, level)),
        }
    }

    fn complete(inputs: Inputs, answer: &Sentiment, line: &mut Line) {
        line.review = inputs.review.map(|review| review.with(answer));
    }
}

impl Logged for CarAnalysisRequest {
    type Answer = CarAnalysis;

    fn inputs(&self, level: Level) -> Inputs {
        Inputs {
            car: Some(CarInputs::of(&self.car)),
            review: Some(ReviewInputs::of(&self.review.review, level)),
        }
    }

    fn complete(inputs: Inputs, answer: &CarAnalysis, line: &mut Line) {
        line.car = inputs.car.map(|car| car.with(&answer.car_value));
        line.review = inputs.review.map(|review| review.with(&answer.sentiment));
    }
}

/// Times one request and logs its prediction. Start it when the request
/// arrives; [`Recorder::wrap`] the route's handler.
pub struct Recorder<W> {
    started: Instant,
    level: fn() -> Level,
    out: W,
}

impl<W: Write> Recorder<W> {
    /// A recorder for a request arriving now, writing to `out` at the level
    /// `level` gives (asked only when a prediction is answered).
    pub fn new(level: fn() -> Level, out: W) -> Self {
        Recorder {
            started: Instant::now(),
            level,
            out,
        }
    }

    /// `handler`, answering as it does, and writing a line for each answer.
    pub fn wrap<R: Logged>(
        self,
        route: &'static str,
        handler: impl FnOnce(R) -> Result<R::Answer, ApiError>,
    ) -> impl FnOnce(R) -> Result<R::Answer, ApiError> {
        move |request: R| {
            self.record(route, Level::Off, request, handler)
                .map(|(answer, _)| answer)
        }
    }

    /// `handler`'s answer to `request`, logged as [`Recorder::wrap`] logs
    /// it, with the prediction's line at level `keep` for a store to keep
    /// (none at [`Level::Off`]). The line is written whole (one write for
    /// any line of up to 4,096 bytes: see `Stdout`), so lines from
    /// concurrent requests do not interleave in a shared log file.
    pub fn record<R: Logged>(
        mut self,
        route: &'static str,
        keep: Level,
        request: R,
        handler: impl FnOnce(R) -> Result<R::Answer, ApiError>,
    ) -> Result<(R::Answer, Option<Line>), ApiError> {
        let log = (self.level)();
        let level = log.max(keep);
        if level == Level::Off {
            return handler(request).map(|answer| (answer, None));
        }
        let inputs = request.inputs(level);
        let answer = handler(request)?;
        let mut line = self.line(route);
        R::complete(inputs, &answer, &mut line);
        if let Some(logged) = line.at(log) {
            // A log that cannot be written must not fail the answer.
            let _ = self.out.write_all(&logged.to_json_line());
            let _ = self.out.flush();
        }
        Ok((answer, line.at(keep)))
    }

    /// A line for a prediction of `route` answered now, without its models'
    /// records.
    pub fn line(&self, route: &str) -> Line {
        Line::answered(route, self.started)
    }
}

#[cfg(feature = "spin")]
mod spin {
    use super::{Level, Recorder, VARIABLE};
    use wasi::cli::stdout::get_stdout;
    use wasi::io::streams::{OutputStream, StreamError};

    /// The level the Spin variable `payload_log` sets.
    pub fn level() -> Level {
        Level::from_variable(spin_sdk::variables::get(VARIABLE))
    }

    /// The component's standard output, a line written with one
    /// `blocking-write-and-flush` of `wasi:cli/stdout`'s stream when it fits
    /// one (4096 bytes, as every summary line does): a host call or two a
    /// line, where Rust's `std::io::stdout` (its line buffer, then
    /// wasi-libc's descriptor layer) takes several more. A longer line (a
    /// long review at level `full`) is written as the stream takes it, in
    /// as few writes as it allows, and flushed.
    #[derive(Default)]
    pub struct Stdout {
        stream: Option<OutputStream>,
        unflushed: bool,
    }

    /// The most `blocking-write-and-flush` takes at once.
    const MAX_WRITE_AND_FLUSH: usize = 4096;

    fn failed(failure: StreamError) -> std::io::Error {
        std::io::Error::other(format!("writing standard output: {failure:?}"))
    }

    impl std::io::Write for Stdout {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let stream = self.stream.get_or_insert_with(get_stdout);
            if bytes.len() <= MAX_WRITE_AND_FLUSH && !self.unflushed {
                stream.blocking_write_and_flush(bytes).map_err(failed)?;
                return Ok(bytes.len());
            }
            let permit = loop {
                match stream.check_write().map_err(failed)? {
                    0 => stream.subscribe().block(),
                    permit => break permit,
                }
            };
            let written = bytes
                .len()
                .min(usize::try_from(permit).unwrap_or(usize::MAX));
            OutputStream::write(stream, &bytes[..written]).map_err(failed)?;
            self.unflushed = true;
            Ok(written)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            if let (Some(stream), true) = (&self.stream, self.unflushed) {
                stream.blocking_flush().map_err(failed)?;
                self.unflushed = false;
            }
            Ok(())
        }
    }

    impl Recorder<Stdout> {
        /// A recorder for the request arriving now, writing to the
        /// component's standard output at the level the Spin variable sets.
        pub fn start() -> Self {
            Recorder::new(level, Stdout::default())
        }
    }
}

#[cfg(feature = "spin")]
pub use spin::level;

#[cfg(test)]
mod tests {
    use super::*;

    fn car_request() -> CarRequest {
        api::parse_json(
            br#"{"year": 2016, "mileage": 60000, "model": " C-Class ", "type": "Sedan"}"#,
        )
        .unwrap()
    }

    fn car_value() -> CarValue {
        CarValue {
            value_usd: 20493,
            low_usd: 16151,
            high_usd: 26653,
            extrapolation: vec![],
            model_version: "car-value-1".into(),
        }
    }

    fn sentiment() -> Sentiment {
        Sentiment {
            label: api::sentiment::Label::Positive,
            score: 0.8794,
            confidence: 0.9397,
            explanation: vec![],
            model_version: "sentiment-1".into(),
        }
    }

    /// Runs `handler` on `request` through a recorder at `level`; returns
    /// the answer and what was written.
    fn record<R: Logged>(
        level: fn() -> Level,
        route: &'static str,
        request: R,
        handler: impl FnOnce(R) -> Result<R::Answer, ApiError>,
    ) -> (Result<R::Answer, ApiError>, String) {
        let mut out = Vec::new();
        let answer = Recorder::new(level, &mut out).wrap(route, handler)(request);
        (answer, String::from_utf8(out).unwrap())
    }

    #[test]
    fn levels_are_named_off_summary_and_full() {
        assert_eq!(Level::parse("off"), Some(Level::Off));
        assert_eq!(Level::parse(" summary\n"), Some(Level::Summary));
        assert_eq!(Level::parse("full"), Some(Level::Full));
        assert_eq!(Level::parse("verbose"), None);
    }

    #[test]
    fn a_missing_or_unknown_setting_means_summary() {
        assert_eq!(Level::from_variable::<()>(Err(())), Level::Summary);
        assert_eq!(
            Level::from_variable::<()>(Ok("loud".into())),
            Level::Summary
        );
        assert_eq!(Level::from_variable::<()>(Ok("off".into())), Level::Off);
    }

    #[test]
    fn a_car_valuation_logs_its_inputs_normalized_and_its_answer() {
        let (answer, out) = record(
            || Level::Summary,
            "/api/car-value",
            car_request(),
            |_| Ok(car_value()),
        );
        assert_eq!(answer.unwrap(), car_value());
        let line = Line::parse(&out).expect("a payload line");
        assert_eq!(line.route, "/api/car-value");
        assert_eq!(line.review, None);
        let car = line.car.unwrap();
        assert_eq!((car.year, car.mileage), (2016, 60000.0));
        assert_eq!(car.model.as_deref(), Some("c-class"));
        assert_eq!(car.body_type.as_deref(), Some("sedan"));
        assert_eq!(car.fuel, None);
        assert_eq!(
            (car.value_usd, car.low_usd, car.high_usd),
            (20493, 16151, 26653)
        );
        assert!(!car.extrapolated);
        assert_eq!(car.model_version, "car-value-1");
    }

    #[test]
    fn a_line_is_one_json_object_on_one_line_starting_with_its_schema() {
        let (_, out) = record(
            || Level::Summary,
            "/api/car-value",
            car_request(),
            |_| Ok(car_value()),
        );
        assert!(out.starts_with(r#"{"schema":"car-ml.prediction.v1","route":"/api/car-value","#));
        assert!(out.ends_with("}\n"));
        assert_eq!(out.lines().count(), 1);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            json["car"]["fuel"].is_null(),
            "absent details are null: {out}"
        );
        assert_eq!(json["car"]["type"], "sedan");
    }

    #[test]
    fn summary_logs_the_reviews_length_but_not_its_text() {
        let request = ReviewRequest {
            review: "Great car, één!".into(),
        };
        let (_, out) = record(
            || Level::Summary,
            "/api/review",
            request,
            |_| Ok(sentiment()),
        );
        assert!(!out.contains("Great"), "{out}");
        let review = Line::parse(&out).unwrap().review.unwrap();
        assert_eq!(review.chars, 15);
        assert_eq!(review.text, None);
        assert_eq!(
            (review.label.as_str(), review.score, review.confidence),
            ("positive", 0.8794, 0.9397)
        );
    }

    #[test]
    fn full_also_logs_the_reviews_text() {
        let request = ReviewRequest {
            review: "Great car!".into(),
        };
        let (_, out) = record(|| Level::Full, "/api/review", request, |_| Ok(sentiment()));
        let review = Line::parse(&out).unwrap().review.unwrap();
        assert_eq!(review.text.as_deref(), Some("Great car!"));
    }

    #[test]
    fn off_writes_nothing_and_answers_the_same() {
        let (answer, out) = record(
            || Level::Off,
            "/api/car-value",
            car_request(),
            |_| Ok(car_value()),
        );
        assert_eq!(answer.unwrap(), car_value());
        assert_eq!(out, "");
    }

    #[test]
    fn a_refused_request_is_not_logged() {
        let (answer, out) = record(
            || Level::Full,
            "/api/car-value",
            car_request(),
            |_| Err(ApiError::unprocessable("year_out_of_range", "too old")),
        );
        assert_eq!(answer.unwrap_err().code(), "year_out_of_range");
        assert_eq!(out, "");
    }

    #[test]
    fn a_car_analysis_logs_both_models() {
        let request: CarAnalysisRequest =
            api::parse_json(br#"{"year": 2018, "mileage": 45000, "review": "Great car!"}"#)
                .unwrap();
        let (_, out) = record(
            || Level::Summary,
            "/api/car-analysis",
            request,
            |_| {
                Ok(CarAnalysis {
                    car_value: car_value(),
                    sentiment: sentiment(),
                })
            },
        );
        let line = Line::parse(&out).unwrap();
        assert_eq!(line.car.unwrap().year, 2018);
        assert_eq!(line.review.unwrap().chars, 10);
    }

    #[test]
    fn other_output_is_not_a_payload_line() {
        assert_eq!(Line::parse("Serving http://127.0.0.1:3000"), None);
        assert_eq!(Line::parse(r#"{"route":"/api/trade"}"#), None);
        assert_eq!(
            Line::parse(r#"{"schema":"car-ml.prediction.v1","route":"#),
            None
        );
        assert_eq!(
            Line::parse(r#"{"schema":"car-ml.prediction.v2","route":"/x"}"#),
            None
        );
    }

    #[test]
    fn a_line_reads_back_as_written() {
        let line = Line {
            schema: SCHEMA.into(),
            route: "/api/car-analysis".into(),
            unix_ms: 1_764_625_800_123,
            duration_us: 412,
            car: Some(car_value_record()),
            review: None,
        };
        let text = String::from_utf8(line.to_json_line()).unwrap();
        assert_eq!(Line::parse(&text), Some(line));
    }

    #[test]
    fn a_line_is_written_as_its_serialize_writes_it() {
        let awkward = ReviewRecord {
            model_version: "sentiment-1".into(),
            chars: 42,
            text: Some("\"Quiet\" \\ smooth\n\u{1F697} é\t\u{7}".into()),
            label: "negative".into(),
            score: -0.1 - 0.2,
            confidence: 1.0,
        };
        let mut car = car_value_record();
        car.model = Some("say \"hi\"".into());
        car.extrapolated = true;
        car.mileage = 0.1 + 0.2;
        let line = |car: Option<CarRecord>, review: Option<ReviewRecord>| Line {
            schema: SCHEMA.into(),
            route: "/api/car-analysis".into(),
            unix_ms: u64::MAX,
            duration_us: 0,
            car,
            review,
        };
        for line in [
            line(Some(car_value_record()), None),
            line(None, Some(awkward.clone())),
            line(Some(car), Some(awkward)),
            line(None, None),
        ] {
            let mut serialized = serde_json::to_vec(&line).unwrap();
            serialized.push(b'\n');
            assert_eq!(
                String::from_utf8(line.to_json_line()).unwrap(),
                String::from_utf8(serialized).unwrap()
            );
        }
    }

    fn car_value_record() -> CarRecord {
        CarInputs::of(&car_request()).with(&car_value())
    }

    #[test]
    fn a_kept_line_has_its_own_level_and_the_log_keeps_its_own() {
        let mut out = Vec::new();
        let request = ReviewRequest {
            review: "Smooth and quiet.".into(),
        };
        let (_, kept) = Recorder::new(|| Level::Summary, &mut out)
            .record("/api/review-sentiment", Level::Full, request, |_| {
                Ok(sentiment())
            })
            .unwrap();
        let logged = Line::parse(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(logged.review.unwrap().text, None);
        assert_eq!(
            kept.unwrap().review.unwrap().text.as_deref(),
            Some("Smooth and quiet.")
        );
    }

    #[test]
    fn nothing_is_kept_at_level_off_though_the_log_writes() {
        let mut out = Vec::new();
        let request = ReviewRequest {
            review: "Smooth and quiet.".into(),
        };
        let (_, kept) = Recorder::new(|| Level::Full, &mut out)
            .record("/api/review-sentiment", Level::Off, request, |_| {
                Ok(sentiment())
            })
            .unwrap();
        assert_eq!(kept, None);
        assert!(!out.is_empty());
    }
}
