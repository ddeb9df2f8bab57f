//! `cargo run -p sentiment-training --release --bin eval`
//!
//! Trains the model on every split (in-domain and cross-domain) and prints
//! the metrics tables, the model beside VADER on the same rows.

use sentiment_training::{Params, data, eval, prepare};

fn main() -> anyhow::Result<()> {
    let params = Params::SERVED;
    let (dataset, _) = data::load(&sentiment_training::data_dir())?;
    let examples = prepare(&dataset.rows, &params);
    let report = eval::evaluate(&examples, &params);
    print!("{}", report.tables());
    let challenge = data::load_challenge(&sentiment_training::data_dir())?;
    let (model, _) = eval::run(&examples, &eval::Split::in_domain(), &params);
    println!(
        "\nCar-review challenge set ({} sentences, never trained on): the served model and VADER\n",
        challenge.len()
    );
    print!("{}", eval::challenge(&model, &challenge).table());
    Ok(())
}
