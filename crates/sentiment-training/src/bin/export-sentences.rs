//! `cargo run -p sentiment-training --bin export-sentences -- PATH`
//!
//! Writes every sentence of `data/sentiment/` with its side of the fixed
//! held-out split, its cross-validation fold and the challenge set to `PATH`
//! (format: [`sentiment_training::export`]), for the transformer's trainer.

use anyhow::{Context, bail};
use sentiment_training::{Params, data, data_dir, export};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        bail!("usage: export-sentences PATH");
    };
    let (dataset, _) = data::load(&data_dir())?;
    let challenge = data::load_challenge(&data_dir())?;
    let tsv = export::sentences_tsv(&dataset.rows, &challenge, &Params::SERVED);
    std::fs::write(path, &tsv).with_context(|| format!("cannot write {path}"))?;
    println!("wrote {} rows to {path}", tsv.lines().count() - 1);
    Ok(())
}
