//! `cargo run --profile host -p sentiment-transformer-eval --bin eval-transformer`
//!
//! Prints the transformer's held-out, per-source and challenge accuracies
//! beside the word model's and VADER's (Markdown), and the version.

use sentiment_transformer_eval::{counts, logits, sentences, table};

fn main() -> anyhow::Result<()> {
    let sentences = sentences()?;
    let logits = logits(&sentences);
    println!(
        "Transformer {} beside the word model {} and VADER (a sentence is positive at logit ≥ 0, p ≥ 0.5, compound ≥ 0)\n",
        sentiment_transformer_model::version(),
        sentiment_model::MODEL_VERSION
    );
    print!("{}", table(&counts(&sentences, &logits)));
    Ok(())
}
