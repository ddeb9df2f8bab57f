//! `cargo run -p sentiment-training --release --bin eval`
//!
//! Trains the model on every split (in-domain and cross-domain) and prints
//! the metrics tables, the model beside VADER on the same rows.

use sentiment_training::{Params, data, eval, prepare};

fn main() -> anyhow::Result<()> {
    let params = Params::SERVED;
    let (dataset, _, _) = data::load(&sentiment_training::data_dir())?;
    let examples = prepare(&dataset.rows, &params);
    let report = eval::evaluate(&examples, &params);
    print!("{}", report.tables());
    Ok(())
}
