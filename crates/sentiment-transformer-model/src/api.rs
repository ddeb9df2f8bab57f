//! The transformer in the API's terms (feature `api`): what the
//! `sentiment-transformer` component exports through `ml:sentiment/analyzer`.

use api::sentiment as wit;

/// Validates `review` and analyses it: the interface's `analyze`.
pub fn analyze(review: &str) -> Result<wit::Analysis, wit::Error> {
    Ok(sentiment_model::api::answer(
        crate::analyze(review)?,
        crate::version(),
    ))
}

/// The model's name, version and held-out metrics: the interface's `model`.
pub fn model() -> api::ModelInfo {
    api::ModelInfo {
        name: "sentiment".into(),
        version: crate::version().into(),
        metrics: crate::metrics()
            .map(|(name, value)| api::Metric {
                name: name.into(),
                value,
            })
            .collect(),
    }
}
