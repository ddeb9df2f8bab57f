//! The truth a caller sends back about a prediction.

use api::ApiError;
use serde::{Deserialize, Serialize};

/// The body of `POST /api/predictions/{id}/feedback`: what the car sold
/// for, what the review meant, or both (for a car analysis).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FeedbackRequest {
    /// The price the car sold for, in whole US dollars.
    #[serde(default)]
    pub sold_price_usd: Option<f64>,
    /// The review's true polarity: `positive`, `negative` or `neutral`.
    #[serde(default)]
    pub label: Option<String>,
}

impl api::RequestBody for FeedbackRequest {
    const FIELDS: &'static [&'static [&'static str]] = &[&["sold_price_usd", "label"]];
}

/// The highest sale price feedback may give.
pub const MAX_SOLD_PRICE_USD: f64 = 10_000_000.0;

/// The truth stored with a prediction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_price_usd: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When the last new truth arrived, in milliseconds since the Unix epoch.
    pub unix_ms: u64,
}

/// A feedback request, checked: at least one truth, each valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub sold_price_usd: Option<u32>,
    pub label: Option<&'static str>,
}

impl FeedbackRequest {
    /// The truth it gives, or a 422 saying what is wrong.
    pub fn truth(&self) -> Result<Truth, ApiError> {
        let sold_price_usd = self
            .sold_price_usd
            .map(|price| {
                if price.fract() == 0.0 && (1.0..=MAX_SOLD_PRICE_USD).contains(&price) {
                    Ok(price as u32)
                } else {
                    Err(ApiError::unprocessable(
                        "invalid_feedback",
                        format!(
                            "sold_price_usd must be a whole number of US dollars from 1 to \
                             {MAX_SOLD_PRICE_USD}; got {price}"
                        ),
                    ))
                }
            })
            .transpose()?;
        let label = self
            .label
            .as_deref()
            .map(|label| {
                ["positive", "negative", "neutral"]
                    .into_iter()
                    .find(|known| *known == label)
                    .ok_or_else(|| {
                        ApiError::unprocessable(
                            "invalid_feedback",
                            format!("label must be positive, negative or neutral; got {label:?}"),
                        )
                    })
            })
            .transpose()?;
        if sold_price_usd.is_none() && label.is_none() {
            return Err(ApiError::unprocessable(
                "invalid_feedback",
                "feedback needs sold_price_usd (what the car sold for) or label (what the \
                 review meant)",
            ));
        }
        Ok(Truth {
            sold_price_usd,
            label,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(body: &str) -> Result<Truth, ApiError> {
        api::parse_request::<FeedbackRequest>(body.as_bytes())?.truth()
    }

    #[test]
    fn a_price_a_label_or_both_are_truths() {
        assert_eq!(
            truth(r#"{"sold_price_usd": 18500}"#),
            Ok(Truth {
                sold_price_usd: Some(18_500),
                label: None
            })
        );
        assert_eq!(
            truth(r#"{"sold_price_usd": 18500.0, "label": "negative"}"#),
            Ok(Truth {
                sold_price_usd: Some(18_500),
                label: Some("negative")
            })
        );
    }

    #[test]
    fn a_price_must_be_whole_dollars_in_range() {
        for body in [
            r#"{"sold_price_usd": 0}"#,
            r#"{"sold_price_usd": -5}"#,
            r#"{"sold_price_usd": 18500.5}"#,
            r#"{"sold_price_usd": 1e400}"#,
            r#"{"sold_price_usd": 10000001}"#,
        ] {
            let error = truth(body).unwrap_err();
            assert_eq!(
                (error.status(), error.code()),
                (422, "invalid_feedback"),
                "{body}"
            );
            assert!(
                error.message().contains("whole number of US dollars"),
                "{body}"
            );
        }
    }

    #[test]
    fn a_label_must_be_one_the_models_answer() {
        let error = truth(r#"{"label": "Positive"}"#).unwrap_err();
        assert_eq!(error.code(), "invalid_feedback");
        assert!(error.message().contains("positive, negative or neutral"));
    }

    #[test]
    fn empty_feedback_and_unknown_fields_are_refused() {
        assert_eq!(truth("{}").unwrap_err().code(), "invalid_feedback");
        assert_eq!(
            truth(r#"{"price": 1}"#).unwrap_err().code(),
            "unknown_field"
        );
        assert_eq!(
            truth(r#"{"label": 1}"#).unwrap_err().code(),
            "invalid_request"
        );
    }
}
