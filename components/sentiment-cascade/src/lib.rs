//! The cascade component: asks the imported `analyzer` (the word model)
//! first and `fallback` (the transformer) for the reviews the word model is
//! not confident enough about ([`sentiment_model::api::cascade`]), behind
//! `ml:sentiment/analyzer` like any model. `scripts/build-wasm` composes it
//! with both models into one component, which Spin composes in as it does
//! any other analyzer (one line of `spin.toml`).

use api::ModelInfo;
use api::sentiment::{Analysis, Error};
use sentiment_model::api::cascade;
// A model takes no configuration from the host: importing none lets Spin
// compose it without its deny-all adapter (see the crate's docs).
use no_environment as _;

wit_bindgen::generate!({
    path: "../../wit/sentiment",
    world: "cascade",
    // The interface's records are the API's types, on both sides.
    with: {
        "ml:sentiment/analyzer@0.3.0/label": api::sentiment::Label,
        "ml:sentiment/analyzer@0.3.0/term": api::sentiment::Term,
        "ml:sentiment/analyzer@0.3.0/analysis": api::sentiment::Analysis,
        "ml:sentiment/analyzer@0.3.0/error": api::sentiment::Error,
        "ml:sentiment/analyzer@0.3.0/model-info": api::ModelInfo,
        "ml:sentiment/analyzer@0.3.0/metric": api::Metric,
    },
});

use ml::sentiment::{analyzer as fast, fallback};

struct Cascade;

impl exports::ml::sentiment::analyzer::Guest for Cascade {
    fn analyze(review: String) -> Result<Analysis, Error> {
        cascade::analyze(&review, fast::analyze, fallback::analyze)
    }

    fn analyze_batch(reviews: Vec<String>) -> Vec<Result<Analysis, Error>> {
        cascade::analyze_batch(&reviews, fast::analyze_batch, fallback::analyze_batch)
    }

    fn model() -> ModelInfo {
        cascade::model(&fast::model(), &fallback::model())
    }
}

export!(Cascade);
