//! The transformer (`sentiment-transformer-model`) measured as the word
//! model is: on the held-out side of the fixed split (all sources and each
//! source) and on the car-review challenge set (all and each category),
//! beside the word model (`sentiment-model`) and VADER on the same
//! sentences. A sentence is called positive when the transformer's logit is
//! at least 0, the word model's probability at least 0.5, VADER's compound
//! score at least 0 (as `sentiment-training` counts them). The cascade
//! answers as the word model when the word model's confidence reaches
//! [`sentiment_model::CASCADE_CONFIDENCE`], as the transformer otherwise.

use std::fmt::Write as _;

use sentiment_training::{Params, data, is_held_out};

/// Correct answers of the three models on a group of sentences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub sentences: usize,
    pub transformer: usize,
    pub word_model: usize,
    pub vader: usize,
    pub cascade: usize,
    /// Sentences the cascade asked the transformer about.
    pub cascade_asked: usize,
}

impl Counts {
    fn add(&mut self, positive: bool, logit: f32, text: &str) {
        let transformer = (logit >= 0.0) == positive;
        let word_model = (sentiment_model::probability(text) >= 0.5) == positive;
        let asked = !cascade_keeps(text);
        self.sentences += 1;
        self.transformer += usize::from(transformer);
        self.word_model += usize::from(word_model);
        self.vader +=
            usize::from((sentiment_model::polarity_scores(text).compound >= 0.0) == positive);
        self.cascade += usize::from(if asked { transformer } else { word_model });
        self.cascade_asked += usize::from(asked);
    }
}

/// Whether the cascade keeps the word model's answer to `text` (as the
/// component decides, on the confidence the API gives).
pub fn cascade_keeps(text: &str) -> bool {
    sentiment_model::analyze(text)
        .is_ok_and(|analysis| analysis.confidence >= sentiment_model::CASCADE_CONFIDENCE)
}

/// A labelled sentence of a group.
pub struct Sentence {
    /// `held_out amazon`, `challenge negation`, …
    pub group: (&'static str, String),
    pub positive: bool,
    pub text: String,
}

/// The held-out sentences of the three sources, then the challenge set.
pub fn sentences() -> anyhow::Result<Vec<Sentence>> {
    let dir = sentiment_training::data_dir();
    let (dataset, _) = data::load(&dir)?;
    let mut out: Vec<Sentence> = dataset
        .rows
        .iter()
        .filter(|r| r.source.is_split() && is_held_out(&r.text, &Params::SERVED))
        .map(|r| Sentence {
            group: ("held_out", r.source.name().to_owned()),
            positive: r.positive,
            text: r.text.clone(),
        })
        .collect();
    out.extend(data::load_challenge(&dir)?.into_iter().map(|r| Sentence {
        group: ("challenge", r.category),
        positive: r.positive,
        text: data::fold_whitespace(&r.text),
    }));
    Ok(out)
}

/// The transformer's logit of each sentence (on two threads).
pub fn logits(sentences: &[Sentence]) -> Vec<f32> {
    let model = sentiment_transformer_model::model();
    let half = sentences.len() / 2;
    let run = |part: &[Sentence]| -> Vec<f32> {
        part.iter().map(|s| model.classify(&s.text).logit).collect()
    };
    std::thread::scope(|scope| {
        let first = scope.spawn(|| run(&sentences[..half]));
        let second = run(&sentences[half..]);
        let mut all = first.join().expect("no panic");
        all.extend(second);
        all
    })
}

/// Counts per group: `held_out` (all), each source, `challenge` (all), each
/// category, in that order.
pub fn counts(sentences: &[Sentence], logits: &[f32]) -> Vec<(String, Counts)> {
    let mut groups: Vec<(String, Counts)> = Vec::new();
    let mut add = |name: String, s: &Sentence, logit: f32| {
        let i = match groups.iter().position(|(g, _)| *g == name) {
            Some(i) => i,
            None => {
                groups.push((name, Counts::default()));
                groups.len() - 1
            }
        };
        groups[i].1.add(s.positive, logit, &s.text);
    };
    for side in ["held_out", "challenge"] {
        for (s, &logit) in sentences
            .iter()
            .zip(logits)
            .filter(|(s, _)| s.group.0 == side)
        {
            add(format!("{side}: all"), s, logit);
        }
        for (s, &logit) in sentences
            .iter()
            .zip(logits)
            .filter(|(s, _)| s.group.0 == side)
        {
            add(format!("{side}: {}", s.group.1), s, logit);
        }
    }
    groups
}

/// The Markdown table of [`counts`].
pub fn table(groups: &[(String, Counts)]) -> String {
    let pct = |n: usize, d: usize| format!("{:.1}%", 100.0 * n as f64 / d as f64);
    let mut out = String::from(
        "| sentences | count | transformer | cascade | word model | VADER | cascade asked the transformer |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (name, c) in groups {
        writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            c.sentences,
            pct(c.transformer, c.sentences),
            pct(c.cascade, c.sentences),
            pct(c.word_model, c.sentences),
            pct(c.vader, c.sentences),
            pct(c.cascade_asked, c.sentences)
        )
        .unwrap();
    }
    out
}

/// The challenge sentences the cascade gets wrong, with the model that
/// answered: what its model card shows.
pub fn cascade_mistakes(sentences: &[Sentence], logits: &[f32]) -> String {
    let mut out = String::new();
    for (s, &logit) in sentences.iter().zip(logits) {
        if s.group.0 != "challenge" {
            continue;
        }
        let (answered, positive) = if cascade_keeps(&s.text) {
            ("word model", sentiment_model::probability(&s.text) >= 0.5)
        } else {
            ("transformer", logit >= 0.0)
        };
        if positive != s.positive {
            let truth = if s.positive { "positive" } else { "negative" };
            writeln!(out, "- {} ({truth}; {answered}): {}", s.group.1, s.text).unwrap();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word model is sure of it, and right.
    const SURE: &str = "A wonderful, reliable car: I love it and it is great fun to drive.";
    /// The word model is not sure of it (and reads it as positive).
    const UNSURE: &str = "Not the worst car I have owned.";

    fn sentence(text: &str, positive: bool) -> Sentence {
        Sentence {
            group: ("held_out", "amazon".into()),
            positive,
            text: text.into(),
        }
    }

    #[test]
    fn the_cascade_keeps_the_word_models_answer_only_when_it_is_sure() {
        assert!(cascade_keeps(SURE));
        assert!(!cascade_keeps(UNSURE));
    }

    #[test]
    fn the_cascade_is_counted_with_the_model_that_would_have_answered() {
        // A wrong transformer does not count against a kept answer; a right
        // one counts for a review passed on.
        let sentences = [sentence(SURE, true), sentence(UNSURE, true)];
        let groups = counts(&sentences, &[-3.0, 2.0]);
        let (name, all) = &groups[0];
        assert_eq!(name, "held_out: all");
        assert_eq!((all.sentences, all.transformer), (2, 1));
        assert_eq!((all.cascade, all.cascade_asked), (2, 1));
    }
}
