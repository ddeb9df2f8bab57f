//! The served model against the Python trainer, on real data: the tokenizer
//! gives the token ids of the checkpoint's Python tokenizer (`tokenizers`,
//! from its tokenizer.json) for every sentence of `data/sentiment/`, and the
//! int8 model gives the logits of the trainer's int8 model (`minilm.py`,
//! `Quantised`) to 1e-3 on every held-out and challenge sentence, and its
//! gradients (each token's gradient × input, torch's autograd) to 1e-3 on
//! the first 200 of them.
//!
//! The expected values are fixtures written by `make train-transformer`
//! with the blob: `token-ids.fnv` (a 64-bit FNV-1a of each sentence's ids,
//! in the order of `export-sentences`), `logits.tsv` (the held-out and
//! challenge sentences' logits, in the same order) and `attributions.tsv`.

use std::sync::OnceLock;

use sentiment_training::{Params, data, data_dir, export};

/// `(side, text)` of every exported sentence, in the trainer's order.
fn sentences() -> &'static Vec<(String, String)> {
    static ROWS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let (dataset, _) = data::load(&data_dir()).expect("data loads");
        let challenge = data::load_challenge(&data_dir()).expect("challenge loads");
        let tsv = export::sentences_tsv(&dataset.rows, &challenge, &Params::SERVED);
        tsv.lines()
            .skip(1)
            .map(|line| {
                let fields: Vec<&str> = line.splitn(5, '\t').collect();
                (fields[0].to_owned(), fields[4].to_owned())
            })
            .collect()
    })
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fnv1a64(ids: &[u32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[test]
fn token_ids_are_the_python_tokenizers_on_every_sentence_of_the_data() {
    let model = sentiment_transformer_model::model();
    let expected: Vec<u64> = fixture("token-ids.fnv")
        .lines()
        .map(|l| u64::from_str_radix(l, 16).expect("hex"))
        .collect();
    let rows = sentences();
    assert_eq!(
        expected.len(),
        rows.len(),
        "one digest per exported sentence"
    );
    let cls = model.vocab.id("[CLS]").unwrap();
    let sep = model.vocab.id("[SEP]").unwrap();
    let mut wrong = Vec::new();
    for ((_, text), digest) in rows.iter().zip(&expected) {
        let mut ids = vec![cls];
        model.vocab.tokenize_into(text, &mut ids);
        ids.push(sep);
        if fnv1a64(&ids) != *digest {
            let tokens: Vec<&str> = ids.iter().map(|&i| model.vocab.token(i)).collect();
            wrong.push(format!("{text:?}: {tokens:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} sentences differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
}

#[test]
fn logits_are_the_trainers_to_1e_3_on_every_held_out_and_challenge_sentence() {
    let model = sentiment_transformer_model::model();
    let expected: Vec<f32> = fixture("logits.tsv")
        .lines()
        .map(|l| l.parse().expect("a number"))
        .collect();
    let scored: Vec<&str> = sentences()
        .iter()
        .filter(|(side, _)| side == "held_out" || side == "challenge")
        .map(|(_, text)| text.as_str())
        .collect();
    assert_eq!(expected.len(), scored.len());
    // two threads: the two halves
    let half = scored.len() / 2;
    let run = |texts: &[&str], want: &[f32]| {
        texts
            .iter()
            .zip(want)
            .map(|(text, &want)| ((model.classify(text).logit - want).abs(), text.to_string()))
            .fold(
                (0.0f32, String::new()),
                |a, b| if b.0 > a.0 { b } else { a },
            )
    };
    let worst = std::thread::scope(|s| {
        let a = s.spawn(|| run(&scored[..half], &expected[..half]));
        let b = run(&scored[half..], &expected[half..]);
        let a = a.join().unwrap();
        if a.0 > b.0 { a } else { b }
    });
    assert!(
        worst.0 <= 1e-3,
        "largest difference {} on {:?}",
        worst.0,
        worst.1
    );
}

#[test]
fn attributions_are_the_trainers_gradients_to_1e_3_on_200_sentences() {
    let model = sentiment_transformer_model::model();
    let expected: Vec<Vec<f32>> = fixture("attributions.tsv")
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    let scored = sentences()
        .iter()
        .filter(|(side, _)| side == "held_out" || side == "challenge");
    let mut worst = (0.0f32, String::new());
    for ((_, text), want) in scored.zip(&expected) {
        let (_, got) = model.attribute(&model.encode(text));
        assert_eq!(got.len(), want.len(), "{text}");
        for (g, w) in got.iter().zip(want) {
            if (g - w).abs() > worst.0 {
                worst = ((g - w).abs(), text.clone());
            }
        }
    }
    assert_eq!(expected.len(), 200);
    assert!(
        worst.0 <= 1e-3,
        "largest difference {} on {:?}",
        worst.0,
        worst.1
    );
}
