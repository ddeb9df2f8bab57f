//! The app's JSON API: the bodies its routes take and answer, and its errors.
//!
//! The models' WIT records are these types: every component's bindings map
//! the records and variants of `ml:car-value/estimator` ([`car_value`]) and
//! `ml:sentiment/analyzer` ([`sentiment`]) to them with wit-bindgen's `with`,
//! so a car read from JSON is the car handed to the model, and the model's
//! answer is the JSON written back: no twin types, no copying. (Generated
//! types could not carry the API's names: the body type is `type`, a Rust
//! keyword, and labels are lower case.) The generated lifting and lowering
//! code names every field, so a type that drifts from its WIT record does not
//! compile. Nothing here depends on a model.
//!
//! Every failure is an [`ApiError`], sent as
//! `{"error": {"code": "...", "message": "..."}}` with a 4xx status.

pub mod car_value;
pub mod sentiment;

use serde::de::{DeserializeOwned, Deserializer as _, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Largest request body accepted, in bytes. Larger bodies answer 413. It
/// admits every valid request: a review of the longest length, 5,000
/// characters, each written as a JSON escape of a UTF-16 surrogate pair (12
/// bytes, as `json.dumps` writes an emoji) is 60,000 bytes, and the other
/// fields take far less than the rest.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A model's identity and its metrics on data it was not trained on: the WIT
/// record `model-info` of both interfaces, and an item of `GET /api/models`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    /// Most important first; answered as a JSON object of names to values.
    #[serde(serialize_with = "serialize_as_map")]
    pub metrics: Vec<Metric>,
}

/// One held-out metric: the WIT record `metric`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub name: String,
    pub value: f64,
}

fn serialize_as_map<S: serde::Serializer>(
    metrics: &[Metric],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(metrics.iter().map(|metric| (&metric.name, metric.value)))
}

/// The answer of `GET /api/models`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Models {
    pub models: Vec<ModelCard>,
}

/// A model of `GET /api/models`: its identity, held-out metrics and how it
/// does live.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCard {
    #[serde(flatten)]
    pub info: ModelInfo,
    /// From the truth callers sent back; `null` when the prediction history
    /// is off or cannot be read.
    pub live: Option<LiveFigures>,
}

/// How a model version does on the predictions whose truth callers sent
/// (`POST /api/predictions/{id}/feedback`), over the last `window_days`
/// days. Figures with no feedback behind them are `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveFigures {
    pub window_days: u64,
    /// How many of its predictions in the window have the truth.
    pub feedback: i64,
    #[serde(flatten)]
    pub figures: Figures,
}

/// What is measured live of each model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figures {
    CarValue {
        /// Mean absolute error against the sale prices, in US dollars.
        mae_usd: Option<f64>,
        /// The share of sale prices within the answer's interval.
        interval_coverage: Option<f64>,
    },
    Sentiment {
        /// The share of labels that were right.
        accuracy: Option<f64>,
    },
}

/// The body of `POST /api/review-sentiment` and `POST /api/review`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReviewRequest {
    /// The review's text.
    pub review: String,
}

impl ReviewRequest {
    /// Its fields.
    const FIELDS: &'static [&'static str] = &["review"];
}

impl RequestBody for ReviewRequest {
    const FIELDS: &'static [&'static [&'static str]] = &[ReviewRequest::FIELDS];
}

/// The body of `POST /api/car-analysis`: a car and a review of it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CarAnalysisRequest {
    #[serde(flatten)]
    pub car: car_value::Car,
    #[serde(flatten)]
    pub review: ReviewRequest,
}

impl RequestBody for CarAnalysisRequest {
    const FIELDS: &'static [&'static [&'static str]] =
        &[car_value::Car::FIELDS, ReviewRequest::FIELDS];
}

/// The answer of `POST /api/car-analysis`: both models' answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarAnalysis {
    pub car_value: car_value::Valuation,
    pub sentiment: sentiment::Analysis,
}

/// A prediction route's answer with the id its prediction is kept under
/// (`GET /api/predictions/{id}`); without one when the history is off or
/// could not keep it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentifiedAnswer<A> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction_id: Option<String>,
    #[serde(flatten)]
    pub answer: A,
}

/// The body of every health route: `{"status": "ok", "service": "<name>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Health {
    status: &'static str,
    service: &'static str,
}

impl Health {
    /// A healthy `service`.
    pub fn ok(service: &'static str) -> Self {
        Self {
            status: "ok",
            service,
        }
    }
}

/// A failed request: its status, a stable machine-readable code and a message
/// for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: u16,
    code: &'static str,
    message: String,
    allow: Option<&'static str>,
}

impl ApiError {
    /// An error with any status; prefer the named constructors.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    /// 422: the request is well-formed JSON but a value is not acceptable.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(422, code, message)
    }

    /// 401 for a request without a valid API key (the `api-keys` crate
    /// says why, in `message`).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    /// 404 for a path no route serves.
    pub fn not_found(path: &str) -> Self {
        Self::new(404, "not_found", format!("no route for {path}"))
    }

    /// 405 for a route called with `method`; `allow` lists the right methods.
    pub fn method_not_allowed(method: impl std::fmt::Display, allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(
                405,
                "method_not_allowed",
                format!("{method} is not allowed here; use {allow}"),
            )
        }
    }

    /// 413 for a body over [`MAX_BODY_BYTES`].
    pub fn body_too_large() -> Self {
        Self::new(
            413,
            "body_too_large",
            format!("request body must be at most {MAX_BODY_BYTES} bytes"),
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The machine-readable code, for example `invalid_json`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The methods a 405 allows, for its `Allow` header.
    pub fn allow(&self) -> Option<&'static str> {
        self.allow
    }

    /// The JSON body: `{"error": {"code": "...", "message": "..."}}`.
    pub fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Detail<'a>,
        }
        #[derive(Serialize)]
        struct Detail<'a> {
            code: &'a str,
            message: &'a str,
        }
        to_json(&Body {
            error: Detail {
                code: self.code,
                message: &self.message,
            },
        })
    }
}

/// A body the API takes: the fields it accepts, so that a misspelt or
/// unexpected field is refused by name rather than silently ignored.
pub trait RequestBody: DeserializeOwned {
    /// Every field of the body, as the API names them, by the record each
    /// belongs to (a body with two records side by side lists both).
    const FIELDS: &'static [&'static [&'static str]];
}

/// Parses the body of a JSON API route, which must be a JSON object in UTF-8
/// with no field but `T`'s: an unknown field is a 422 `unknown_field` naming
/// it and the accepted ones. See [`parse_json`] for the rest.
pub fn parse_request<T: RequestBody>(body: &[u8]) -> Result<T, ApiError> {
    let text = utf8(body)?;
    let members = members(text)?;
    let accepted = || T::FIELDS.iter().flat_map(|fields| fields.iter());
    if let Some((field, _)) = members
        .iter()
        .find(|(field, _)| !accepted().any(|accepted| accepted == field))
    {
        let accepted: Vec<&str> = accepted().copied().collect();
        return Err(ApiError::unprocessable(
            "unknown_field",
            format!(
                "unknown field `{field}`; accepted fields: {}",
                accepted.join(", ")
            ),
        ));
    }
    parse_members(text, &members)
}

/// Parses a request body, which must be a JSON object in UTF-8; fields `T`
/// does not know are ignored. Malformed JSON (including bytes that are not
/// UTF-8) is a 400; well-formed JSON of the wrong shape (not an object, a
/// missing field, a wrong type) a 422. A number too large for any range
/// (beyond a 64-bit float, such as `1e400`) reaches `T` as the largest
/// finite number of its sign, so that the field's own range check refuses
/// it in the API's terms rather than the parser as malformed.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = utf8(body)?;
    let members = members(text)?;
    parse_members(text, &members)
}

/// The top-level members of the JSON object `text`: each field's name and
/// its value, unparsed.
type Members<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;

fn utf8(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|error| malformed(&error))
}

fn malformed(problem: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        400,
        "invalid_json",
        format!("request body is not valid JSON: {problem}"),
    )
}

/// Reads the members of `text`, which must be a JSON object. (serde would
/// also read a struct from an array, `[2018, 45000]`: the API takes named
/// fields only.)
fn members(text: &str) -> Result<Members<'_>, ApiError> {
    struct Object;
    impl<'de> Visitor<'de> for Object {
        type Value = Members<'de>;
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::new();
            while let Some(field) = map.next_key::<Cow<'de, str>>()? {
                members.push((field, map.next_value::<&'de RawValue>()?));
            }
            Ok(members)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer
        .deserialize_any(Object)
        .and_then(|members| deserializer.end().map(|()| members))
        .map_err(|error| match error.classify() {
            serde_json::error::Category::Data => {
                ApiError::unprocessable("invalid_request", "request body must be a JSON object")
            }
            _ => malformed(&error),
        })
}

/// Parses `text`, whose members are `members`, as `T`.
fn parse_members<T: DeserializeOwned>(text: &str, members: &Members<'_>) -> Result<T, ApiError> {
    let in_range = within_float_range(text, members);
    serde_json::from_str(&in_range).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => {
            ApiError::unprocessable("invalid_request", error.to_string())
        }
        _ => malformed(&error),
    })
}

/// `text` with each member's number that overflows a 64-bit float replaced
/// by the largest finite float of its sign; `text` itself (borrowed) when
/// there is none, as in every ordinary request.
fn within_float_range<'a>(text: &'a str, members: &Members<'_>) -> Cow<'a, str> {
    let overflowing = members.iter().filter_map(|(_, value)| {
        let number = value.get();
        let is_number = number.starts_with(|c: char| c == '-' || c.is_ascii_digit());
        let infinite = is_number && number.parse::<f64>().is_ok_and(f64::is_infinite);
        infinite.then_some(number)
    });
    let mut patched: Option<String> = None;
    let mut copied = 0;
    for number in overflowing {
        // `number` is a slice of `text`: its offset is where it starts.
        let start = number.as_ptr() as usize - text.as_ptr() as usize;
        let out = patched.get_or_insert_with(String::new);
        out.push_str(&text[copied..start]);
        out.push_str(if number.starts_with('-') {
            "-1.7976931348623157e308"
        } else {
            "1.7976931348623157e308"
        });
        copied = start + number.len();
    }
    match patched {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(text),
    }
}

/// Serializes an answer.
pub fn to_json(body: &impl Serialize) -> Vec<u8> {
    // The API's bodies are plain data with string keys: they always serialize.
    serde_json::to_vec(body).expect("API bodies serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_is_a_400_invalid_json() {
        let error = parse_json::<car_value::Car>(b"{\"year\": ").unwrap_err();
        assert_eq!((error.status(), error.code()), (400, "invalid_json"));
    }

    #[test]
    fn non_utf8_bytes_are_a_400_invalid_json() {
        let error = parse_json::<ReviewRequest>(b"{\"review\": \"\xff\xfe\"}").unwrap_err();
        assert_eq!((error.status(), error.code()), (400, "invalid_json"));
    }

    #[test]
    fn invalid_utf8_skipped_by_the_parser_is_still_a_400() {
        let error =
            parse_json::<car_value::Car>(b"{\"year\": 2018, \"mileage\": 1, \"x\": \"\xff\"}")
                .unwrap_err();
        assert_eq!((error.status(), error.code()), (400, "invalid_json"));
    }

    #[test]
    fn an_array_is_a_422_even_when_its_items_would_fit() {
        let error = parse_json::<car_value::Car>(b"[2018, 45000]").unwrap_err();
        assert_eq!((error.status(), error.code()), (422, "invalid_request"));
        assert_eq!(error.message(), "request body must be a JSON object");
    }

    #[test]
    fn a_wrong_type_is_a_422_invalid_request() {
        let error = parse_json::<car_value::Car>(br#"{"year": "2018", "mileage": 1}"#).unwrap_err();
        assert_eq!((error.status(), error.code()), (422, "invalid_request"));
        assert!(
            error.message().contains("invalid type"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_missing_field_is_a_422_naming_the_field() {
        let error = parse_json::<car_value::Car>(br#"{"year": 2018}"#).unwrap_err();
        assert_eq!(error.status(), 422);
        assert!(error.message().contains("`mileage`"), "{}", error.message());
    }

    #[test]
    fn an_unknown_field_is_a_422_naming_it_and_the_accepted_fields() {
        let error = parse_request::<car_value::Car>(
            br#"{"year": 2018, "mileage": 45000, "modle": "sprinter"}"#,
        )
        .unwrap_err();
        assert_eq!((error.status(), error.code()), (422, "unknown_field"));
        assert_eq!(
            error.message(),
            "unknown field `modle`; accepted fields: year, mileage, model, condition, \
             title_status, fuel, transmission, type"
        );
    }

    #[test]
    fn car_analysis_refuses_a_field_neither_the_car_nor_the_review_has() {
        let error = parse_request::<CarAnalysisRequest>(
            br#"{"year": 2018, "mileage": 45000, "review": "Fine.", "reveiw": "x"}"#,
        )
        .unwrap_err();
        assert_eq!(error.code(), "unknown_field");
        assert!(error.message().starts_with("unknown field `reveiw`;"));
        assert!(
            error.message().ends_with("type, review"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn every_accepted_field_is_read() {
        let request: CarAnalysisRequest = parse_request(
            br#"{"year": 2018, "mileage": 1, "model": "m", "condition": "c",
                "title_status": "t", "fuel": "f", "transmission": "a", "type": "b",
                "review": "r"}"#,
        )
        .unwrap();
        let car = request.car;
        let details = [
            car.model,
            car.condition,
            car.title_status,
            car.fuel,
            car.transmission,
            car.body_type,
        ];
        assert!(details.iter().all(Option::is_some), "{details:?}");
        assert_eq!(request.review.review, "r");
    }

    #[test]
    fn a_whole_year_written_as_a_decimal_is_that_year() {
        let car: car_value::Car = parse_request(br#"{"year": 2018.0, "mileage": 1}"#).unwrap();
        assert_eq!(car.year, 2018);
    }

    #[test]
    fn a_fractional_year_is_a_422_saying_it_must_be_whole() {
        let error =
            parse_request::<car_value::Car>(br#"{"year": 2018.5, "mileage": 1}"#).unwrap_err();
        assert_eq!(error.code(), "invalid_request");
        assert!(
            error.message().starts_with(
                "invalid value: floating point `2018.5`, expected a model year: a whole number"
            ),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_year_beyond_any_integer_type_reaches_the_model_to_be_refused_in_range() {
        for (body, year) in [
            (&br#"{"year": 99999999999, "mileage": 1}"#[..], i32::MAX),
            (br#"{"year": -99999999999, "mileage": 1}"#, i32::MIN),
            (br#"{"year": 1e400, "mileage": 1}"#, i32::MAX),
        ] {
            let car: car_value::Car = parse_request(body).unwrap();
            assert_eq!(car.year, year);
        }
    }

    #[test]
    fn a_mileage_beyond_a_float_reaches_the_model_as_the_largest_float() {
        let car: car_value::Car = parse_request(br#"{"year": 2018, "mileage": 1e400}"#).unwrap();
        assert_eq!(car.mileage, f64::MAX);
        let car: car_value::Car = parse_request(br#"{"mileage":-1E+400 , "year": 2018}"#).unwrap();
        assert_eq!(car.mileage, f64::MIN);
    }

    #[test]
    fn type_errors_name_what_the_api_expects_not_a_rust_type() {
        for body in [
            &br#"{"year": "2018", "mileage": 1}"#[..],
            br#"{"year": 2018, "mileage": "45000"}"#,
            br#"{"year": null, "mileage": 1}"#,
            br#"{"year": 2018, "mileage": true}"#,
        ] {
            let error = parse_request::<car_value::Car>(body).unwrap_err();
            let message = error.message();
            assert_eq!(error.code(), "invalid_request");
            assert!(
                message.contains("expected a model year: a whole number such as 2018")
                    || message.contains("expected a mileage: a number of miles such as 45000"),
                "{message}"
            );
            for rust in ["i32", "f64", "u32", "i64"] {
                assert!(!message.contains(rust), "{message}");
            }
        }
    }

    #[test]
    fn car_analysis_takes_the_car_and_the_review_side_by_side() {
        let request: CarAnalysisRequest =
            parse_json(br#"{"year": 2018, "mileage": 45000, "review": "Great car!"}"#).unwrap();
        assert_eq!((request.car.year, request.car.mileage), (2018, 45000.0));
        assert_eq!(request.review.review, "Great car!");
    }

    #[test]
    fn the_listing_column_type_is_the_body_type() {
        let request: car_value::Car =
            parse_json(br#"{"year": 2018, "mileage": 1, "model": "c-class", "type": "sedan"}"#)
                .unwrap();
        assert_eq!(request.body_type.as_deref(), Some("sedan"));
        assert_eq!(request.model.as_deref(), Some("c-class"));
        assert_eq!(request.fuel, None);
    }

    #[test]
    fn model_metrics_serialize_as_an_ordered_map() {
        let info = ModelInfo {
            name: "car-value".into(),
            version: "v1".into(),
            metrics: vec![
                Metric {
                    name: "mae_usd".into(),
                    value: 4428.0,
                },
                Metric {
                    name: "r2".into(),
                    value: 0.69,
                },
            ],
        };
        assert_eq!(
            String::from_utf8(to_json(&info)).unwrap(),
            r#"{"name":"car-value","version":"v1","metrics":{"mae_usd":4428.0,"r2":0.69}}"#
        );
    }

    #[test]
    fn an_error_body_has_only_a_code_and_a_message() {
        let body = ApiError::not_found("/nowhere").body();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"error":{"code":"not_found","message":"no route for /nowhere"}}"#
        );
    }

    #[test]
    fn model_errors_are_422_with_the_models_code_and_message() {
        let error = ApiError::from(sentiment::Error::EmptyReview);
        assert_eq!((error.status(), error.code()), (422, "empty_review"));
        assert_eq!(error.message(), "review must not be empty");
    }

    #[test]
    fn an_unknown_value_names_the_field_and_lists_the_known_values() {
        let error = ApiError::from(car_value::Error::UnknownValue(car_value::UnknownValue {
            field: "fuel".into(),
            value: "steam".into(),
            allowed: vec!["diesel".into(), "gas".into()],
        }));
        assert_eq!(
            error.message(),
            "fuel `steam` is not known; known fuels: diesel, gas"
        );
    }

    #[test]
    fn labels_are_answered_in_lower_case() {
        let labels = [
            sentiment::Label::Positive,
            sentiment::Label::Negative,
            sentiment::Label::Neutral,
        ];
        assert_eq!(
            String::from_utf8(to_json(&labels)).unwrap(),
            r#"["positive","negative","neutral"]"#
        );
    }
}
