//! Turns the two VADER lexicon files and the trained model's weights into
//! Rust source at build time, so that nothing is parsed or built when the
//! component runs.
//!
//! ## The trained model (`model/sentiment.weights.tsv` → `$OUT_DIR/model.rs`)
//!
//! The weights file is written by `cargo run -p sentiment-training --release
//! --bin train` and committed; a test of `sentiment-training` checks that it
//! is exactly what training produces today. It is UTF-8 text, one record a
//! line, fields separated by TAB, `#` lines are comments:
//!
//! - `version` NAME; `param` NAME VALUE (only `neutral_band` is used here;
//!   the others document how the model was trained); `metric` NAME VALUE;
//!   `cascade` NAME VALUE (the cascade's threshold, `confidence`, and what
//!   it kept out of fold); `bias` W; `vader` W;
//! - `terms` N, then N lines TERM TAB W, sorted by term (byte order).
//!
//! Weights are `f32` values written in the shortest form that reads back to
//! the same `f32`. Generated: `MODEL_VERSION`, `METRICS`, `NEUTRAL_BAND`,
//! `CASCADE`, `CASCADE_CONFIDENCE`, `BIAS`, `VADER_WEIGHT` and `TERMS`, a `Table<f32>` (`src/table.rs`) of the
//! terms' weights. When the file does not exist yet (first training), an empty
//! model is generated, versioned `sentiment-untrained`, and cargo warns.
//!
//! ## The VADER lexicons (`$OUT_DIR/lexicons.rs`)
//!
//! The files are read exactly as vaderSentiment 3.3.2 reads them
//! (`SentimentIntensityAnalyzer.make_lex_dict` / `make_emoji_dict`):
//! each line is stripped of white space, split on TAB, and only the first two
//! fields are used; empty lexicon lines are skipped; a later duplicate key
//! replaces an earlier one (Python dict assignment).
//!
//! Generated (in `$OUT_DIR/lexicons.rs`):
//! - `LEXICON`, a `Table<f64>` (`src/table.rs`) of the words' mean valences;
//! - `EMOJI: [(char, &str); M]`, sorted by code point, for binary search. Only
//!   single-code-point keys are kept: VADER looks emoji up one code point at a
//!   time (`for chr in text: if chr in self.emojis`), so longer keys (flags,
//!   skin-tone and ZWJ sequences) can never match;
//! - `EMOJI_MIN_CHAR`, the smallest emoji key, so that plain text can skip
//!   the emoji look-up.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// Only the build half (`Layout`) is used here; the library uses the rest.
#[allow(dead_code)]
#[path = "src/table.rs"]
mod table;

const VADER_LEXICON: &str = "../../data/lexicons/vader_lexicon.txt";
const EMOJI_LEXICON: &str = "../../data/lexicons/emoji_utf8_lexicon.txt";
const WEIGHTS: &str = "model/sentiment.weights.tsv";

/// White space as Python's `str.strip()` / `str.split()` understand it.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn read(manifest_dir: &Path, rel: &str) -> String {
    let path = manifest_dir.join(rel);
    println!("cargo:rerun-if-changed={rel}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `text.rstrip('\n').split('\n')`
fn py_lines(text: &str) -> impl Iterator<Item = &str> {
    text.trim_end_matches('\n').split('\n')
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));

    // --- vader_lexicon.txt: token TAB mean TAB std TAB ratings -------------
    let lexicon_text = read(&manifest_dir, VADER_LEXICON);
    let mut lexicon: BTreeMap<&str, f64> = BTreeMap::new();
    for (n, line) in py_lines(&lexicon_text).enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut fields = line.trim_matches(py_isspace).split('\t');
        let (Some(word), Some(measure)) = (fields.next(), fields.next()) else {
            panic!("{VADER_LEXICON}:{}: expected token TAB mean", n + 1);
        };
        let measure: f64 = measure
            .parse()
            .unwrap_or_else(|e| panic!("{VADER_LEXICON}:{}: bad mean {measure:?}: {e}", n + 1));
        lexicon.insert(word, measure);
    }
    assert!(!lexicon.is_empty(), "{VADER_LEXICON} is empty");

    // --- emoji_utf8_lexicon.txt: emoji TAB description ----------------------
    let emoji_text = read(&manifest_dir, EMOJI_LEXICON);
    let mut emoji: BTreeMap<char, &str> = BTreeMap::new();
    for (n, line) in py_lines(&emoji_text).enumerate() {
        let mut fields = line.trim_matches(py_isspace).split('\t');
        let (Some(key), Some(description)) = (fields.next(), fields.next()) else {
            panic!("{EMOJI_LEXICON}:{}: expected emoji TAB description", n + 1);
        };
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            emoji.insert(c, description);
        }
    }
    assert!(
        !emoji.is_empty(),
        "{EMOJI_LEXICON} has no single-character emoji"
    );

    // --- generated source ---------------------------------------------------
    let mut src = String::with_capacity(512 * 1024);
    writeln!(
        src,
        "// @generated by build.rs from {VADER_LEXICON} and {EMOJI_LEXICON}."
    )
    .unwrap();
    writeln!(src, "// Do not edit.").unwrap();
    writeln!(src).unwrap();
    writeln!(src, "/// VADER lexicon: each token's mean valence.").unwrap();
    // `{:?}` prints the shortest decimal that round-trips, so each literal is
    // the same f64 that Python's float() produces.
    write_table(&mut src, "pub(crate) static LEXICON", "f64", lexicon);
    writeln!(src).unwrap();
    writeln!(
        src,
        "/// VADER emoji lexicon: (emoji, description), sorted by code point."
    )
    .unwrap();
    writeln!(src, "static EMOJI: [(char, &str); {}] = [", emoji.len()).unwrap();
    for (c, description) in &emoji {
        writeln!(src, "    ({c:?}, {description:?}),").unwrap();
    }
    writeln!(src, "];").unwrap();
    writeln!(src).unwrap();
    let min = emoji.keys().next().copied().expect("non-empty");
    writeln!(src, "/// The smallest key of [`EMOJI`].").unwrap();
    writeln!(src, "const EMOJI_MIN_CHAR: char = {min:?};").unwrap();

    let out = out_dir.join("lexicons.rs");
    std::fs::write(&out, src).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));

    // --- the trained model -------------------------------------------------
    println!("cargo:rerun-if-changed={WEIGHTS}");
    let weights_path = manifest_dir.join(WEIGHTS);
    let weights_text = match std::fs::read_to_string(&weights_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("cannot read {}: {e}", weights_path.display()),
    };
    let model = match &weights_text {
        Some(text) => Model::parse(text),
        None => {
            println!(
                "cargo:warning={WEIGHTS} does not exist: building an untrained model; \
                 run `cargo run -p sentiment-training --release --bin train`"
            );
            Model::untrained()
        }
    };
    let out = out_dir.join("model.rs");
    std::fs::write(&out, model.to_rust())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The contents of the weights file.
struct Model<'a> {
    version: &'a str,
    neutral_band: f64,
    metrics: Vec<(&'a str, f64)>,
    cascade: Vec<(&'a str, f64)>,
    bias: f32,
    vader: f32,
    terms: Vec<(&'a str, f32)>,
}

impl<'a> Model<'a> {
    fn untrained() -> Self {
        Model {
            version: "sentiment-untrained",
            neutral_band: 0.0,
            metrics: Vec::new(),
            // Keeps no answer: everything goes on to the transformer.
            cascade: vec![("confidence", 1.0)],
            bias: 0.0,
            vader: 0.0,
            terms: Vec::new(),
        }
    }

    fn parse(text: &'a str) -> Self {
        fn num<T: std::str::FromStr>(n: usize, field: Option<&str>) -> T
        where
            T::Err: std::fmt::Display,
        {
            let field = field.unwrap_or_else(|| panic!("{WEIGHTS}:{n}: missing number"));
            field
                .parse()
                .unwrap_or_else(|e| panic!("{WEIGHTS}:{n}: bad number {field:?}: {e}"))
        }
        let mut version = None;
        let mut neutral_band = None;
        let mut metrics = Vec::new();
        let mut cascade = Vec::new();
        let (mut bias, mut vader) = (None, None);
        let mut terms: Vec<(&str, f32)> = Vec::new();
        let mut expected_terms = None;
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        while let Some((n, line)) = lines.next() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            match fields.next() {
                Some("version") => version = fields.next(),
                Some("param") => {
                    if fields.next() == Some("neutral_band") {
                        neutral_band = Some(num::<f64>(n, fields.next()));
                    }
                }
                Some("metric") => {
                    let name = fields.next().expect("metric name");
                    metrics.push((name, num::<f64>(n, fields.next())));
                }
                Some("cascade") => {
                    let name = fields.next().expect("cascade figure name");
                    cascade.push((name, num::<f64>(n, fields.next())));
                }
                Some("bias") => bias = Some(num::<f32>(n, fields.next())),
                Some("vader") => vader = Some(num::<f32>(n, fields.next())),
                Some("terms") => {
                    let count: usize = num(n, fields.next());
                    expected_terms = Some(count);
                    for _ in 0..count {
                        let (n, line) = lines
                            .next()
                            .unwrap_or_else(|| panic!("{WEIGHTS}: fewer than {count} terms"));
                        let (term, weight) = line
                            .split_once('\t')
                            .unwrap_or_else(|| panic!("{WEIGHTS}:{n}: expected TERM TAB WEIGHT"));
                        terms.push((term, num(n, Some(weight))));
                    }
                }
                other => panic!("{WEIGHTS}:{n}: unknown record {other:?}"),
            }
        }
        assert_eq!(expected_terms, Some(terms.len()), "{WEIGHTS}: no terms");
        assert!(
            terms.windows(2).all(|w| w[0].0 < w[1].0),
            "{WEIGHTS}: terms are not strictly sorted"
        );
        Model {
            version: version.unwrap_or_else(|| panic!("{WEIGHTS}: no version")),
            neutral_band: neutral_band.unwrap_or_else(|| panic!("{WEIGHTS}: no neutral_band")),
            metrics,
            cascade,
            bias: bias.unwrap_or_else(|| panic!("{WEIGHTS}: no bias")),
            vader: vader.unwrap_or_else(|| panic!("{WEIGHTS}: no vader weight")),
            terms,
        }
    }

    fn to_rust(&self) -> String {
        let mut src = String::with_capacity(64 + self.terms.len() * 40);
        writeln!(
            src,
            "// @generated by build.rs from {WEIGHTS}. Do not edit."
        )
        .unwrap();
        writeln!(
            src,
            "/// The served model's version: a hash of its training data and parameters."
        )
        .unwrap();
        writeln!(src, "pub const MODEL_VERSION: &str = {:?};", self.version).unwrap();
        writeln!(
            src,
            "/// Held-out figures of the served model (see docs/MODELS.md)."
        )
        .unwrap();
        writeln!(src, "pub const METRICS: &[(&str, f64)] = &[").unwrap();
        for (name, value) in &self.metrics {
            writeln!(src, "    ({name:?}, {value:?}),").unwrap();
        }
        writeln!(src, "];").unwrap();
        writeln!(
            src,
            "/// A review whose score `2p - 1` is smaller than this in absolute value is neutral."
        )
        .unwrap();
        writeln!(
            src,
            "pub const NEUTRAL_BAND: f64 = {:?};",
            self.neutral_band
        )
        .unwrap();
        writeln!(
            src,
            "/// The cascade's threshold and what it kept out of fold (sentiment-training's `cascade`)."
        )
        .unwrap();
        writeln!(src, "pub const CASCADE: &[(&str, f64)] = &[").unwrap();
        for (name, value) in &self.cascade {
            writeln!(src, "    ({name:?}, {value:?}),").unwrap();
        }
        writeln!(src, "];").unwrap();
        let confidence = self
            .cascade
            .iter()
            .find(|(name, _)| *name == "confidence")
            .map_or_else(
                || {
                    // Weights older than the cascade: retraining writes it.
                    println!("cargo:warning={WEIGHTS} has no cascade threshold: the cascade keeps no answer");
                    1.0
                },
                |(_, value)| *value,
            );
        writeln!(
            src,
            "/// The cascade keeps this model's answer when its confidence is at least this."
        )
        .unwrap();
        writeln!(src, "pub const CASCADE_CONFIDENCE: f64 = {confidence:?};").unwrap();
        writeln!(
            src,
            "pub(crate) const BIAS: f64 = {:?}_f32 as f64;",
            self.bias
        )
        .unwrap();
        writeln!(
            src,
            "pub(crate) const VADER_WEIGHT: f64 = {:?}_f32 as f64;",
            self.vader
        )
        .unwrap();
        writeln!(src, "/// Each known term's weight.").unwrap();
        write_table(
            &mut src,
            "pub(crate) static TERMS",
            "f32",
            self.terms.iter().copied(),
        );
        src
    }
}

/// Writes `item: crate::table::Table<value_type> = ...;` for `entries`.
fn write_table<'a, V: Copy + std::fmt::Debug>(
    src: &mut String,
    item: &str,
    value_type: &str,
    entries: impl IntoIterator<Item = (&'a str, V)>,
) {
    let table::Layout {
        keys,
        ends,
        values,
        buckets,
    } = table::Layout::new(entries);
    writeln!(
        src,
        "{item}: crate::table::Table<{value_type}> = crate::table::Table {{\n    \
         keys: {keys:?},\n    ends: &{ends:?},\n    values: &{values:?},\n    \
         buckets: &{buckets:?},\n}};"
    )
    .unwrap();
}
