//! Loading and cleaning the labelled sentences of `data/sentiment/`.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The UCI sentences file, relative to the data folder.
pub const UCI_FILE: &str = "sentiment/uci_amazon_imdb.tsv";
/// The Rotten Tomatoes snippets file, relative to the data folder.
pub const RT_FILE: &str = "sentiment/rotten_tomatoes.tsv";

/// The car-review challenge set, relative to the data folder: short
/// sentences about cars, written and labelled for this project, never
/// trained on (see `data/README.md`).
pub const CHALLENGE_FILE: &str = "sentiment/car_reviews_challenge.tsv";

/// The car-review training sentences, relative to the data folder: short
/// sentences about cars written and labelled for this project to teach what
/// the other sources lack (faults, praise of their absence, negation,
/// contrast, dealers, emoji), kept apart from the challenge set (see
/// `data/README.md`). Always on the training side.
pub const CAR_TRAIN_FILE: &str = "sentiment/car_reviews_train.tsv";

/// A sentence of the challenge set or of the car-review training sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRow {
    /// What it tests: `negation`, `contrast`, `absence`, `faults`, `plain`,
    /// `service` or `emoji`.
    pub category: String,
    pub positive: bool,
    pub text: String,
}

/// Parses the challenge set (`category TAB label TAB text`, header line
/// first).
pub fn parse_challenge(text: &str) -> Result<Vec<ChallengeRow>> {
    parse_car_sentences(text, CHALLENGE_FILE)
}

/// Parses a file of car sentences (`category TAB label TAB text`, header
/// line first): the challenge set or the car-review training sentences;
/// `file` names it in errors.
pub fn parse_car_sentences(text: &str, file: &str) -> Result<Vec<ChallengeRow>> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "category\tlabel\ttext")) => {}
        other => bail!("{file}: unexpected header {other:?}"),
    }
    lines
        .map(|(i, line)| {
            let n = i + 1;
            let mut fields = line.splitn(3, '\t');
            let (Some(category), Some(label), Some(text)) =
                (fields.next(), fields.next(), fields.next())
            else {
                bail!("{file}:{n}: expected category TAB label TAB text");
            };
            Ok(ChallengeRow {
                category: category.to_owned(),
                positive: parse_label(label, file, n)?,
                text: text.to_owned(),
            })
        })
        .collect()
}

/// Reads the challenge set from `data_dir`.
pub fn load_challenge(data_dir: &Path) -> Result<Vec<ChallengeRow>> {
    let path = data_dir.join(CHALLENGE_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse_challenge(&text)
}

/// The emoji sentiment ranking, relative to the data folder.
pub const EMOJI_FILE: &str = "sentiment/emoji_sentiment_ranking.csv";

/// An emoji of the ranking becomes a training row when it was seen at least
/// this many times …
pub const EMOJI_MIN_OCCURRENCES: u32 = 20;

/// … and the share of its positive tweets differs from that of its
/// negative ones by at least this much of the polar tweets: `|pos − neg| ≥
/// 0.1 · (pos + neg)` (😡: 403 negative, 272 positive, a margin of 0.19).
pub const EMOJI_MIN_MARGIN: f64 = 0.1;

/// The training rows of the emoji ranking (Kralj Novak et al., 2015): each
/// emoji VADER knows, seen often enough and leaning clearly one way, as a
/// one-emoji sentence labelled by the majority of its polar tweets. Columns:
/// `Emoji,Unicode codepoint,Occurrences,Position,Negative,Neutral,Positive,…`.
pub fn parse_emoji_ranking(csv: &str) -> Result<Vec<Row>> {
    let mut lines = csv.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.starts_with("Emoji,Unicode codepoint,Occurrences,") => {}
        other => bail!("{EMOJI_FILE}: unexpected header {other:?}"),
    }
    let mut rows = Vec::new();
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let number = |k: usize| -> Result<u32> {
            fields
                .get(k)
                .and_then(|f| f.parse().ok())
                .with_context(|| format!("{EMOJI_FILE}:{}: bad column {k}", i + 1))
        };
        let (occurrences, negative, positive) = (number(2)?, number(4)?, number(6)?);
        let emoji = fields[0];
        let margin = f64::from(positive.abs_diff(negative));
        if occurrences >= EMOJI_MIN_OCCURRENCES
            && margin >= EMOJI_MIN_MARGIN * f64::from(positive + negative)
            && !sentiment_model::features::terms(emoji).is_empty()
        {
            rows.push(Row {
                source: Source::EmojiRanking,
                positive: positive > negative,
                text: emoji.to_owned(),
            });
        }
    }
    Ok(rows)
}

/// Where a sentence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// UCI: Amazon product review sentences (mostly phones and accessories).
    Amazon,
    /// UCI: IMDb movie review sentences.
    Imdb,
    /// Pang & Lee: Rotten Tomatoes critics' snippets.
    RottenTomatoes,
    /// The emoji sentiment ranking: one emoji per row. Trained on, never
    /// held out (they are not sentences).
    EmojiRanking,
    /// Car-review sentences written for this project ([`CAR_TRAIN_FILE`]).
    /// Trained on, never held out: the car-review challenge set tests what
    /// they teach.
    CarReviews,
}

impl Source {
    /// The sources of sentences, held out and tested.
    pub const ALL: [Source; 3] = [Source::Amazon, Source::Imdb, Source::RottenTomatoes];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Source::Amazon => "amazon",
            Source::Imdb => "imdb",
            Source::RottenTomatoes => "rotten_tomatoes",
            Source::EmojiRanking => "emoji_ranking",
            Source::CarReviews => "car_reviews",
        }
    }

    /// Whether its sentences are split into training and held-out sides
    /// ([`Source::ALL`]); the others are always trained on.
    pub fn is_split(self) -> bool {
        Source::ALL.contains(&self)
    }
}

/// One labelled sentence, cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub source: Source,
    /// `true` for positive (label 1), `false` for negative (label 0).
    pub positive: bool,
    /// The text, with runs of white space folded into one space and trimmed.
    pub text: String,
}

/// What cleaning did to the raw files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaning {
    /// Data rows in the two files.
    pub raw: usize,
    /// Rows dropped because their text was empty after folding white space.
    pub empty: usize,
    /// Rows dropped because the same text (ignoring case and white space)
    /// came earlier; the first copy is kept.
    pub duplicate: usize,
    /// Of the duplicates, those whose label differed from the kept copy.
    pub duplicate_conflicting: usize,
}

/// The clean rows and the cleaning report.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// UCI rows first (in file order), then Rotten Tomatoes rows.
    pub rows: Vec<Row>,
    pub cleaning: Cleaning,
}

impl Dataset {
    /// The rows of the given sources.
    pub fn of(&self, sources: &[Source]) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| sources.contains(&r.source))
            .collect()
    }
}

/// `text` with white space folded and trimmed.
pub fn fold_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key under which two texts are duplicates: folded and lower-cased.
pub fn dedup_key(text: &str) -> String {
    fold_whitespace(text).to_lowercase()
}

fn parse_label(field: &str, file: &str, n: usize) -> Result<bool> {
    match field {
        "1" => Ok(true),
        "0" => Ok(false),
        other => bail!("{file}:{n}: label must be 0 or 1, not {other:?}"),
    }
}

/// Parses the two files' text (UCI: `source TAB label TAB text`; Rotten
/// Tomatoes: `label TAB text`; each with a header line) and cleans the rows.
pub fn parse(uci: &str, rotten_tomatoes: &str) -> Result<Dataset> {
    let mut raw: Vec<Row> = Vec::new();
    let mut lines = uci.lines().enumerate();
    match lines.next() {
        Some((_, "source\tlabel\ttext")) => {}
        other => bail!("{UCI_FILE}: unexpected header {other:?}"),
    }
    for (i, line) in lines {
        let n = i + 1;
        let mut fields = line.splitn(3, '\t');
        let (Some(source), Some(label), Some(text)) = (fields.next(), fields.next(), fields.next())
        else {
            bail!("{UCI_FILE}:{n}: expected source TAB label TAB text");
        };
        let source = match source {
            "amazon" => Source::Amazon,
            "imdb" => Source::Imdb,
            other => bail!("{UCI_FILE}:{n}: unknown source {other:?}"),
        };
        raw.push(Row {
            source,
            positive: parse_label(label, UCI_FILE, n)?,
            text: text.to_owned(),
        });
    }
    let mut lines = rotten_tomatoes.lines().enumerate();
    match lines.next() {
        Some((_, "label\ttext")) => {}
        other => bail!("{RT_FILE}: unexpected header {other:?}"),
    }
    for (i, line) in lines {
        let n = i + 1;
        let Some((label, text)) = line.split_once('\t') else {
            bail!("{RT_FILE}:{n}: expected label TAB text");
        };
        raw.push(Row {
            source: Source::RottenTomatoes,
            positive: parse_label(label, RT_FILE, n)?,
            text: text.to_owned(),
        });
    }
    Ok(clean(raw))
}

/// Folds white space, drops empty texts and repeated texts (keeping the
/// first copy, so no sentence can be on both sides of a split).
pub fn clean(raw: Vec<Row>) -> Dataset {
    let mut cleaning = Cleaning {
        raw: raw.len(),
        ..Cleaning::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept_labels: std::collections::HashMap<String, bool> = Default::default();
    let mut rows = Vec::with_capacity(raw.len());
    for row in raw {
        let text = fold_whitespace(&row.text);
        if text.is_empty() {
            cleaning.empty += 1;
            continue;
        }
        let key = dedup_key(&text);
        if !seen.insert(key.clone()) {
            cleaning.duplicate += 1;
            if kept_labels.get(&key) != Some(&row.positive) {
                cleaning.duplicate_conflicting += 1;
            }
            continue;
        }
        kept_labels.insert(key, row.positive);
        rows.push(Row { text, ..row });
    }
    Dataset { rows, cleaning }
}

/// Reads and cleans `data_dir/sentiment/*.tsv`, then adds the emoji rows
/// ([`parse_emoji_ranking`]) and the car-review training sentences (those
/// not already in the data). Also returns the raw bytes of the four files
/// (for the model version).
pub fn load(data_dir: &Path) -> Result<(Dataset, Vec<Vec<u8>>)> {
    let read = |rel: &str| {
        let path = data_dir.join(rel);
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    };
    let uci = read(UCI_FILE)?;
    let rt = read(RT_FILE)?;
    let emoji = read(EMOJI_FILE)?;
    let cars = read(CAR_TRAIN_FILE)?;
    let mut dataset = parse(
        std::str::from_utf8(&uci).context(UCI_FILE)?,
        std::str::from_utf8(&rt).context(RT_FILE)?,
    )?;
    dataset.rows.extend(parse_emoji_ranking(
        std::str::from_utf8(&emoji).context(EMOJI_FILE)?,
    )?);
    let known: HashSet<String> = dataset.rows.iter().map(|r| dedup_key(&r.text)).collect();
    for car in parse_car_sentences(
        std::str::from_utf8(&cars).context(CAR_TRAIN_FILE)?,
        CAR_TRAIN_FILE,
    )? {
        let text = fold_whitespace(&car.text);
        if !known.contains(&dedup_key(&text)) {
            dataset.rows.push(Row {
                source: Source::CarReviews,
                positive: car.positive,
                text,
            });
        }
    }
    Ok((dataset, vec![uci, rt, emoji, cars]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_both_files_and_cleans() {
        let uci = "source\tlabel\ttext\namazon\t1\tGreat  phone.\nimdb\t0\t  Dull film \n";
        let rt = "label\ttext\n1\tgreat phone.\n0\t   \n1\tA fine film.\n";
        let d = parse(uci, rt).unwrap();
        assert_eq!(d.rows.len(), 3);
        assert_eq!(d.rows[0].text, "Great phone.");
        assert_eq!(d.rows[1].text, "Dull film");
        assert_eq!(d.rows[2].source, Source::RottenTomatoes);
        assert_eq!(
            d.cleaning,
            Cleaning {
                raw: 5,
                empty: 1,
                duplicate: 1,
                duplicate_conflicting: 0
            }
        );
    }

    #[test]
    fn bad_labels_and_sources_are_errors() {
        assert!(parse("source\tlabel\ttext\nebay\t1\tx\n", "label\ttext\n").is_err());
        assert!(parse("source\tlabel\ttext\n", "label\ttext\n2\tx\n").is_err());
        assert!(parse("bad header\n", "label\ttext\n").is_err());
    }
}
