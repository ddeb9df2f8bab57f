//! The transformer component: the fine-tuned MiniLM of
//! `sentiment-transformer-model` behind `ml:sentiment/analyzer`. It serves
//! no route of its own: composed in place of the word model (one line of
//! `spin.toml`), it answers the sentiment routes. Its weights are in the
//! component's data segment and read where it puts them.

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

struct Transformer;

impl exports::ml::sentiment::analyzer::Guest for Transformer {
    fn analyze(review: String) -> Result<Analysis, Error> {
        sentiment_transformer_model::api::analyze(&review)
    }

    fn analyze_batch(reviews: Vec<String>) -> Vec<Result<Analysis, Error>> {
        reviews
            .iter()
            .map(|review| sentiment_transformer_model::api::analyze(review))
            .collect()
    }

    fn model() -> ModelInfo {
        sentiment_transformer_model::api::model()
    }
}

export!(Transformer);
