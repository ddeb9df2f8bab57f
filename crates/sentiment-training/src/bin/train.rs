//! `cargo run -p sentiment-training --release --bin train [-- --check]`
//!
//! Trains the served sentiment model from `data/`, prints its summary
//! (version, vocabulary, metrics, top terms) and writes the weights file
//! `crates/sentiment-model/model/sentiment.weights.tsv`. With `--check`, it
//! writes nothing and fails if the committed file differs from what training
//! gives today.

use std::process::ExitCode;

use sentiment_training::{Params, data_dir, train_served, weights_path};

fn main() -> anyhow::Result<ExitCode> {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let trained = train_served(&data_dir(), &Params::SERVED)?;
    print!("{}", trained.summary());
    let text = trained.weights_file();
    let path = weights_path();
    let committed = std::fs::read_to_string(&path).ok();
    if check {
        if committed.as_deref() == Some(text.as_str()) {
            println!("\n{} is up to date", path.display());
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("\n{} is stale: run the train command", path.display());
            Ok(ExitCode::FAILURE)
        }
    } else {
        if committed.as_deref() == Some(text.as_str()) {
            println!("\n{} unchanged", path.display());
        } else {
            std::fs::write(&path, &text)?;
            println!("\nwrote {}", path.display());
        }
        Ok(ExitCode::SUCCESS)
    }
}
