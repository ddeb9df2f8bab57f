//! The sentiment component: the trained classifier behind
//! `ml:sentiment/analyzer`, composed by Spin into the components that call it
//! (the gateway, and `sentiment-api` for `POST /api/review`). It serves no
//! route of its own.

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

struct Analyzer;

impl exports::ml::sentiment::analyzer::Guest for Analyzer {
    fn analyze(review: String) -> Result<Analysis, Error> {
        sentiment_model::api::analyze(&review)
    }

    fn analyze_batch(reviews: Vec<String>) -> Vec<Result<Analysis, Error>> {
        reviews
            .iter()
            .map(|review| sentiment_model::api::analyze(review))
            .collect()
    }

    fn model() -> ModelInfo {
        sentiment_model::api::model()
    }
}

export!(Analyzer);
