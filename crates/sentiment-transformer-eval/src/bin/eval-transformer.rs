//! `cargo run --profile host -p sentiment-transformer-eval --bin eval-transformer`
//!
//! Prints the transformer's held-out, per-source and challenge accuracies
//! beside the cascade's, the word model's and VADER's (Markdown), and the
//! challenge sentences the cascade gets wrong.

use sentiment_transformer_eval::{cascade_mistakes, counts, logits, sentences, table};

fn main() -> anyhow::Result<()> {
    let sentences = sentences()?;
    let logits = logits(&sentences);
    println!(
        "Transformer {} beside the word model {} and VADER (a sentence is positive at logit ≥ 0, p ≥ 0.5, compound ≥ 0)\n",
        sentiment_transformer_model::version(),
        sentiment_model::MODEL_VERSION
    );
    println!(
        "The cascade keeps the word model's answer at confidence {} or more.\n",
        sentiment_model::CASCADE_CONFIDENCE
    );
    print!("{}", table(&counts(&sentences, &logits)));
    println!("\nChallenge sentences the cascade gets wrong (truth; the model that answered):\n");
    print!("{}", cascade_mistakes(&sentences, &logits));
    Ok(())
}
