//! The sentences as other trainers see them: one TSV of every row with its
//! side of the held-out split, so a trainer in another language (the
//! transformer's, `training/transformer/`) reads the exact split, cleaning
//! and car-review training rows of this crate instead of re-implementing
//! them.
//!
//! Columns: `side`, `source`, `label` (1 positive, 0 negative), `fold`, `text`.
//!
//! - `side` is `train` (the training side, the emoji rows and the car-review
//!   training sentences), `held_out` (the held-out side of the fixed split)
//!   or `challenge` (the car-review challenge set, never trained on);
//! - `source` is [`Source::name`], or the challenge row's category prefixed
//!   with `challenge_`;
//! - `fold` is the cross-validation fold of a training-side sentence
//!   ([`crate::eval::cv_fold`]), `-` for the other rows and the emoji rows
//!   (always trained on).

use std::fmt::Write as _;

use crate::data::{ChallengeRow, Row, Source};
use crate::{Params, eval, is_held_out};

/// The header line of [`sentences_tsv`].
pub const HEADER: &str = "side\tsource\tlabel\tfold\ttext";

/// Every row of `rows` (as [`crate::data::load`] gives them) and of the
/// challenge set, one per line, after [`HEADER`].
pub fn sentences_tsv(rows: &[Row], challenge: &[ChallengeRow], params: &Params) -> String {
    let mut out = String::with_capacity(128 * (rows.len() + challenge.len()));
    out.push_str(HEADER);
    out.push('\n');
    for row in rows {
        let held_out = row.source.is_split() && is_held_out(&row.text, params);
        let side = if held_out { "held_out" } else { "train" };
        let fold = if held_out || row.source == Source::EmojiRanking {
            "-".to_owned()
        } else {
            eval::cv_fold(&row.text).to_string()
        };
        writeln!(
            out,
            "{side}\t{}\t{}\t{fold}\t{}",
            row.source.name(),
            u8::from(row.positive),
            row.text
        )
        .unwrap();
    }
    for row in challenge {
        writeln!(
            out,
            "challenge\tchallenge_{}\t{}\t-\t{}",
            row.category,
            u8::from(row.positive),
            crate::data::fold_whitespace(&row.text)
        )
        .unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_written_with_its_side_and_fold() {
        let rows = vec![
            Row {
                source: Source::Amazon,
                positive: true,
                text: "Great phone.".into(),
            },
            Row {
                source: Source::EmojiRanking,
                positive: false,
                text: "😡".into(),
            },
        ];
        let challenge = vec![ChallengeRow {
            category: "plain".into(),
            positive: false,
            text: "Awful  car.".into(),
        }];
        let tsv = sentences_tsv(&rows, &challenge, &Params::SERVED);
        let lines: Vec<&str> = tsv.lines().collect();
        assert_eq!(lines[0], HEADER);
        let side = if is_held_out("Great phone.", &Params::SERVED) {
            "held_out\tamazon\t1\t-".to_owned()
        } else {
            format!("train\tamazon\t1\t{}", eval::cv_fold("Great phone."))
        };
        assert_eq!(lines[1], format!("{side}\tGreat phone."));
        assert_eq!(lines[2], "train\temoji_ranking\t0\t-\t😡");
        assert_eq!(lines[3], "challenge\tchallenge_plain\t0\t-\tAwful car.");
    }
}
