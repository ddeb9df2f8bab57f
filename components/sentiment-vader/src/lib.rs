//! The VADER component: the VADER baseline (vaderSentiment 3.3.2, ported in
//! `sentiment-model`) behind `ml:sentiment/analyzer`. It serves no HTTP
//! route of its own: composed into the gateway in place of the trained model
//! (one line of `spin.toml`), it answers the gateway's sentiment routes.

use api::ModelInfo;
use api::sentiment::{Analysis, Error};
// A model takes no configuration from the host: importing none lets Spin
// compose it without its deny-all adapter (see the crate's docs).
use no_environment as _;

wit_bindgen::generate!({
    path: "../../wit/sentiment",
    world: "sentiment",
    // The interface's records are the API's types.
    with: {
        "ml:sentiment/analyzer@0.3.0/label": api::sentiment::Label,
        "ml:sentiment/analyzer@0.3.0/term": api::sentiment::Term,
        "ml:sentiment/analyzer@0.3.0/analysis": api::sentiment::Analysis,
        "ml:sentiment/analyzer@0.3.0/error": api::sentiment::Error,
        "ml:sentiment/analyzer@0.3.0/model-info": api::ModelInfo,
        "ml:sentiment/analyzer@0.3.0/metric": api::Metric,
    },
});

struct Vader;

impl exports::ml::sentiment::analyzer::Guest for Vader {
    fn analyze(review: String) -> Result<Analysis, Error> {
        sentiment_model::api::vader::analyze(&review)
    }

    fn analyze_batch(reviews: Vec<String>) -> Vec<Result<Analysis, Error>> {
        reviews
            .iter()
            .map(|review| sentiment_model::api::vader::analyze(review))
            .collect()
    }

    fn model() -> ModelInfo {
        sentiment_model::api::vader::model()
    }
}

export!(Vader);
