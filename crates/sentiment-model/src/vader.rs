//! A line-by-line port of `vaderSentiment/vaderSentiment.py` 3.3.2
//! (C.J. Hutto, MIT licence).
//!
//! Function names follow the Python ones so that the two can be read side by
//! side. Every arithmetic step is done in `f64` in the same order as the
//! Python, so scores are bit-for-bit those of CPython (≤ 3.11, see
//! [`score_valence`] for 3.12's `sum`).
//!
//! Python semantics that matter and are reproduced here:
//! - `str.split()` splits on Unicode white space *plus* U+001C..U+001F
//!   ([`py_isspace`]);
//! - `str.strip(string.punctuation)` strips ASCII punctuation only;
//! - `str.isupper()` is "at least one cased character and no lower-case or
//!   title-case character" ([`py_isupper`]);
//! - `str.lower()` is full Unicode lower-casing (Rust's `to_lowercase`, which
//!   also applies the final-sigma rule as CPython does);
//! - lengths are counted in code points;
//! - `round(x, n)` is correctly rounded, ties to even ([`py_round`]).
//!
//! Besides [`polarity_scores`], [`trace`] exposes the per-word valences that
//! VADER sums, so that the trained model can use VADER's compound score as a
//! feature and still say which words it came from; [`analyze`] is the whole
//! VADER baseline (validation, label, score and shares).

use std::borrow::Cow;

use crate::{Label, SentimentError};

include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));

// (empirically derived mean sentiment intensity rating increase for booster words)
const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;

// (empirically derived mean sentiment intensity rating increase for using
// ALLCAPs to emphasize a word)
const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;

/// Normalisation constant of the compound score (approximates the max
/// expected value).
const ALPHA: f64 = 15.0;

/// VADER's scores for one text, rounded as vaderSentiment 3.3.2 rounds them
/// (`neg`, `neu`, `pos` to 3 decimals, `compound` to 4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolarityScores {
    /// Share of the text that is negative, in [0, 1].
    pub neg: f64,
    /// Share of the text that is neutral, in [0, 1].
    pub neu: f64,
    /// Share of the text that is positive, in [0, 1].
    pub pos: f64,
    /// Normalised, weighted composite score, in [-1, 1].
    pub compound: f64,
}

/// VADER's answer for one review: the baseline the trained model is
/// measured against.
///
/// All numbers are VADER's, rounded as vaderSentiment rounds them: `score`
/// to 4 decimals, the three shares to 3 (so they add up to 1 only to within
/// rounding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    /// [`Label::from_compound`] of `score`: >= 0.05 positive, <= -0.05
    /// negative, else neutral.
    pub label: Label,
    /// VADER compound score, in [-1, 1].
    pub score: f64,
    /// Share of the text that is positive, in [0, 1].
    pub positive: f64,
    /// Share of the text that is negative, in [0, 1].
    pub negative: f64,
    /// Share of the text that is neutral, in [0, 1].
    pub neutral: f64,
}

impl From<PolarityScores> for Analysis {
    fn from(scores: PolarityScores) -> Self {
        Analysis {
            label: Label::from_compound(scores.compound),
            score: scores.compound,
            positive: scores.pos,
            negative: scores.neg,
            neutral: scores.neu,
        }
    }
}

/// Validates `review` (as [`crate::analyze`] does: same errors) and scores it
/// with VADER.
pub fn analyze(review: &str) -> Result<Analysis, SentimentError> {
    crate::validate(review)?;
    Ok(polarity_scores(review).into())
}

/// `word in NEGATE`
#[rustfmt::skip]
fn is_negate(word: &str) -> bool {
    matches!(
        word,
        "aint" | "arent" | "cannot" | "cant" | "couldnt" | "darent" | "didnt" | "doesnt"
        | "ain't" | "aren't" | "can't" | "couldn't" | "daren't" | "didn't" | "doesn't"
        | "dont" | "hadnt" | "hasnt" | "havent" | "isnt" | "mightnt" | "mustnt" | "neither"
        | "don't" | "hadn't" | "hasn't" | "haven't" | "isn't" | "mightn't" | "mustn't"
        | "neednt" | "needn't" | "never" | "none" | "nope" | "nor" | "not" | "nothing"
        | "nowhere" | "oughtnt" | "shant" | "shouldnt" | "uhuh" | "wasnt" | "werent"
        | "oughtn't" | "shan't" | "shouldn't" | "uh-uh" | "wasn't" | "weren't"
        | "without" | "wont" | "wouldnt" | "won't" | "wouldn't" | "rarely" | "seldom"
        | "despite"
    )
}

/// `BOOSTER_DICT.get(word)` for a single (white-space free) token.
///
/// The dict's multi-word keys ("just enough", "kind of", "sort of") can only
/// match a space-joined n-gram: see [`booster_bigram`].
#[rustfmt::skip]
fn booster(word: &str) -> Option<f64> {
    match word {
        "absolutely" | "amazingly" | "awfully" | "completely" | "considerable"
        | "considerably" | "decidedly" | "deeply" | "effing" | "enormous" | "enormously"
        | "entirely" | "especially" | "exceptional" | "exceptionally" | "extreme"
        | "extremely" | "fabulously" | "flipping" | "flippin" | "frackin" | "fracking"
        | "fricking" | "frickin" | "frigging" | "friggin" | "fully" | "fuckin" | "fucking"
        | "fuggin" | "fugging" | "greatly" | "hella" | "highly" | "hugely" | "incredible"
        | "incredibly" | "intensely" | "major" | "majorly" | "more" | "most"
        | "particularly" | "purely" | "quite" | "really" | "remarkably" | "so"
        | "substantially" | "thoroughly" | "total" | "totally" | "tremendous"
        | "tremendously" | "uber" | "unbelievably" | "unusually" | "utter" | "utterly"
        | "very" => Some(B_INCR),
        "almost" | "barely" | "hardly" | "kinda" | "kindof" | "kind-of" | "less" | "little"
        | "marginal" | "marginally" | "occasional" | "occasionally" | "partly" | "scarce"
        | "scarcely" | "slight" | "slightly" | "somewhat" | "sorta" | "sortof" | "sort-of"
        => Some(B_DECR),
        _ => None,
    }
}

/// `BOOSTER_DICT.get("{a} {b}")`: the dict's two-word keys. (It has no
/// three-word key, so the Python's `threetwoone` look-up never matches.)
fn booster_bigram(a: &str, b: &str) -> Option<f64> {
    match (a, b) {
        ("just", "enough") | ("kind", "of") | ("sort", "of") => Some(B_DECR),
        _ => None,
    }
}

/// `SPECIAL_CASES.get("{a} {b}")`. (The one-word key "badass" is never
/// looked up: every sequence the Python builds has at least two words.)
fn special_case2(a: &str, b: &str) -> Option<f64> {
    match (a, b) {
        ("the", "shit") => Some(3.0),
        ("the", "bomb") => Some(3.0),
        ("bad", "ass") => Some(1.5),
        ("bus", "stop") => Some(0.0),
        ("yeah", "right") => Some(-2.0),
        ("beating", "heart") => Some(3.5),
        _ => None,
    }
}

/// `SPECIAL_CASES.get("{a} {b} {c}")`.
fn special_case3(a: &str, b: &str, c: &str) -> Option<f64> {
    match (a, b, c) {
        ("kiss", "of", "death") => Some(-1.5),
        ("to", "die", "for") => Some(3.0),
        _ => None,
    }
}

/// The mean valence of `word` (already lower-cased) in the VADER lexicon.
pub(crate) fn lexicon_valence(word: &str) -> Option<f64> {
    LEXICON.get(word)
}

/// The description of an emoji, if `c` is one of VADER's emoji.
pub(crate) fn emoji_description(c: char) -> Option<&'static str> {
    if c < EMOJI_MIN_CHAR {
        return None;
    }
    EMOJI
        .binary_search_by(|(key, _)| key.cmp(&c))
        .ok()
        .map(|i| EMOJI[i].1)
}

/// Python's `str.isspace()` for one character (what `str.split()` splits on).
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Unicode general category Lt (title-case letters).
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{01C5}'
            | '\u{01C8}'
            | '\u{01CB}'
            | '\u{01F2}'
            | '\u{1F88}'..='\u{1F8F}'
            | '\u{1F98}'..='\u{1F9F}'
            | '\u{1FA8}'..='\u{1FAF}'
            | '\u{1FBC}'
            | '\u{1FCC}'
            | '\u{1FFC}'
    )
}

/// Python's `str.isupper()`.
fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        if c.is_uppercase() {
            cased = true;
        }
    }
    cased
}

/// Python's `str.lower()`, without allocating when nothing changes.
fn py_lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        let lower = s.to_lowercase();
        if lower == s {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(lower)
        }
    }
}

/// Python's `round(x, ndigits)` for a float: correctly rounded to `ndigits`
/// decimals, ties to even (Rust's `{:.N}` formatting is exact and rounds
/// ties to even, like CPython's `_Py_dg_dtoa` mode 3).
pub(crate) fn py_round(x: f64, ndigits: usize) -> f64 {
    struct Buf {
        bytes: [u8; 64],
        len: usize,
    }
    impl std::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.len + s.len();
            let dst = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    use std::fmt::Write as _;

    if !x.is_finite() || x.abs() >= 1e15 {
        return x;
    }
    let mut buf = Buf {
        bytes: [0; 64],
        len: 0,
    };
    if write!(buf, "{x:.ndigits$}").is_err() {
        return x;
    }
    std::str::from_utf8(&buf.bytes[..buf.len])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(x)
}

/// `SentiText._strip_punc_if_word`: removes leading and trailing ASCII
/// punctuation unless that leaves two characters or fewer (then the token
/// was likely an emoticon and is kept whole).
fn strip_punc_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    if stripped.chars().take(3).count() <= 2 {
        token
    } else {
        stripped
    }
}

/// The emoji pass at the start of `polarity_scores`: each emoji code point
/// is replaced by its description, preceded by a space unless the previous
/// character was a space (and, as in VADER, *not* followed by one).
fn replace_emoji(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| emoji_description(c).is_none()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(description) = emoji_description(c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(description);
            prev_space = false;
        } else {
            out.push(c);
            prev_space = c == ' ';
        }
    }
    Cow::Owned(out)
}

/// The tokens of a text, with what the rules need to know about each.
struct SentiText<'a> {
    /// `words_and_emoticons`, as written.
    words: Vec<&'a str>,
    /// The same, lower-cased.
    lower: Vec<Cow<'a, str>>,
    /// The lexicon valence of each lower-cased word.
    lex: Vec<Option<f64>>,
    /// `word.isupper()` for each word.
    upper: Vec<bool>,
    /// `allcap_differential(words)`: some, but not all, words are ALL CAPS.
    is_cap_diff: bool,
}

impl<'a> SentiText<'a> {
    fn new(text: &'a str) -> Self {
        let words: Vec<&str> = text
            .split(py_isspace)
            .filter(|w| !w.is_empty())
            .map(strip_punc_if_word)
            .collect();
        let lower: Vec<Cow<str>> = words.iter().map(|w| py_lower(w)).collect();
        let lex = lower.iter().map(|w| lexicon_valence(w)).collect();
        let upper: Vec<bool> = words.iter().map(|w| py_isupper(w)).collect();
        let allcap_words = upper.iter().filter(|&&u| u).count();
        let cap_differential = words.len() - allcap_words;
        let is_cap_diff = 0 < cap_differential && cap_differential < words.len();
        SentiText {
            words,
            lower,
            lex,
            upper,
            is_cap_diff,
        }
    }

    fn len(&self) -> usize {
        self.words.len()
    }

    fn low(&self, i: usize) -> &str {
        &self.lower[i]
    }

    fn in_lexicon(&self, i: usize) -> bool {
        self.lex[i].is_some()
    }
}

/// `negated([word])`: a negation word, or any word containing "n't".
fn negated(word: &str) -> bool {
    is_negate(word) || word.contains("n't")
}

/// `normalize(score, alpha=15)`
fn normalize(score: f64) -> f64 {
    let norm_score = score / (score * score + ALPHA).sqrt();
    norm_score.clamp(-1.0, 1.0)
}

/// `scalar_inc_dec`: the boost (or dampening) that word `j` gives to a
/// following sentiment word of valence `valence`.
fn scalar_inc_dec(st: &SentiText, j: usize, valence: f64) -> f64 {
    let mut scalar = 0.0;
    if let Some(b) = booster(st.low(j)) {
        scalar = b;
        if valence < 0.0 {
            scalar *= -1.0;
        }
        // check if booster/dampener word is in ALLCAPS (while others aren't)
        if st.upper[j] && st.is_cap_diff {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
    }
    scalar
}

/// Scores a text as `SentimentIntensityAnalyzer().polarity_scores(text)`
/// does in vaderSentiment 3.3.2.
pub fn polarity_scores(text: &str) -> PolarityScores {
    // convert emojis to their textual descriptions (VADER then strips the
    // text, which changes neither the tokens nor the punctuation counts)
    let text = replace_emoji(text);
    let st = SentiText::new(&text);
    let sentiments = sentiments(&st);
    score_valence(&sentiments, &text)
}

/// What VADER's compound score is made of, word by word.
///
/// VADER sums one valence per word (after all of its rules: negation,
/// boosters, capitals, "but"…), adds the punctuation emphasis with the sign of
/// that sum, and squashes the total `S` into `compound = S / sqrt(S² + 15)`.
/// Since the squashing divides every part of `S` by the same number, each
/// word's share of the compound score is `valence * scale()`, and the shares
/// plus the emphasis's add up to [`Trace::compound`] exactly (up to float
/// rounding).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Every word with a non-zero valence, in text order: the word as VADER
    /// looked it up (lower-cased, outer punctuation stripped; an emoji
    /// appears as the words of its description) and its valence.
    pub words: Vec<(String, f64)>,
    /// The punctuation emphasis (`!` and `?`) added to the sum, with its sign.
    pub emphasis: f64,
    /// `S`: the sum of the valences plus the emphasis.
    pub sum: f64,
    /// The compound score, *not* rounded: `S / sqrt(S² + 15)`, in (-1, 1).
    pub compound: f64,
}

impl Trace {
    /// `1 / sqrt(S² + 15)`: multiplies a valence into its share of
    /// [`Trace::compound`].
    pub fn scale(&self) -> f64 {
        1.0 / (self.sum * self.sum + ALPHA).sqrt()
    }
}

/// The words and valences behind [`polarity_scores`]`(text).compound`; see
/// [`Trace`]. `polarity_scores(text).compound` is `trace(text).compound`
/// rounded to 4 decimals.
pub fn trace(text: &str) -> Trace {
    let text = replace_emoji(text);
    let st = SentiText::new(&text);
    let sentiments = sentiments(&st);
    let total = sentiments.iter().fold(0.0, |acc, &s| acc + s);
    let punct = punctuation_emphasis(&text);
    let emphasis = if total > 0.0 {
        punct
    } else if total < 0.0 {
        -punct
    } else {
        0.0
    };
    let sum = total + emphasis;
    let words = sentiments
        .iter()
        .enumerate()
        .filter(|&(_, &s)| s != 0.0)
        .map(|(i, &s)| (st.low(i).to_owned(), s))
        .collect();
    Trace {
        words,
        emphasis,
        sum,
        compound: if sentiments.is_empty() {
            0.0
        } else {
            normalize(sum)
        },
    }
}

/// The valence of every word, after all rules (`polarity_scores` up to
/// `score_valence`).
fn sentiments(st: &SentiText) -> Vec<f64> {
    let n = st.len();
    let mut sentiments: Vec<f64> = Vec::with_capacity(n);
    for i in 0..n {
        // check for vader_lexicon words that may be used as modifiers or negations
        if booster(st.low(i)).is_some() {
            sentiments.push(0.0);
            continue;
        }
        if i < n - 1 && st.low(i) == "kind" && st.low(i + 1) == "of" {
            sentiments.push(0.0);
            continue;
        }
        sentiments.push(sentiment_valence(st, i));
    }

    but_check(st, &mut sentiments);
    sentiments
}

fn sentiment_valence(st: &SentiText, i: usize) -> f64 {
    let n = st.len();
    let Some(lexicon_valence) = st.lex[i] else {
        return 0.0;
    };
    // get the sentiment valence
    let mut valence = lexicon_valence;

    // check for "no" as negation for an adjacent lexicon item vs "no" as its
    // own stand-alone lexicon item
    if st.low(i) == "no" && i != n - 1 && st.in_lexicon(i + 1) {
        // don't use valence of "no" as a lexicon item. Instead set it's
        // valence to 0.0 and negate the next item
        valence = 0.0;
    }
    if (i > 0 && st.low(i - 1) == "no")
        || (i > 1 && st.low(i - 2) == "no")
        || (i > 2 && st.low(i - 3) == "no" && matches!(st.low(i - 1), "or" | "nor"))
    {
        valence = lexicon_valence * N_SCALAR;
    }

    // check if sentiment laden word is in ALL CAPS (while others aren't)
    if st.upper[i] && st.is_cap_diff {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }

    for start_i in 0..3 {
        // dampen the scalar modifier of preceding words and emoticons
        // (excluding the ones that immediately preceed the item) based
        // on their distance from the current item.
        if i > start_i && !st.in_lexicon(i - (start_i + 1)) {
            let mut s = scalar_inc_dec(st, i - (start_i + 1), valence);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            valence = negation_check(valence, st, start_i, i);
            if start_i == 2 {
                valence = special_idioms_check(valence, st, i);
            }
        }
    }

    least_check(valence, st, i)
}

fn least_check(mut valence: f64, st: &SentiText, i: usize) -> f64 {
    // check for negation case using "least"
    if i > 1 && !st.in_lexicon(i - 1) && st.low(i - 1) == "least" {
        if st.low(i - 2) != "at" && st.low(i - 2) != "very" {
            valence *= N_SCALAR;
        }
    } else if i > 0 && !st.in_lexicon(i - 1) && st.low(i - 1) == "least" {
        valence *= N_SCALAR;
    }
    valence
}

/// `_but_check`, including its quirk: each sentiment is located with
/// `list.index(value)`, i.e. at the *first* position holding an equal value,
/// and that position is the one scaled (×0.5 before "but", ×1.5 after).
///
/// Zeros are left as they are by the scaling and are never equal to a
/// non-zero value (nor does scaling make a non-zero value zero), so only the
/// non-zero entries are visited: same result, without the Python's quadratic
/// cost over all the words of a long text.
fn but_check(st: &SentiText, sentiments: &mut [f64]) {
    let Some(bi) = (0..st.len()).find(|&i| st.low(i) == "but") else {
        return;
    };
    let nonzero: Vec<usize> = (0..sentiments.len())
        .filter(|&k| sentiments[k] != 0.0)
        .collect();
    for (n, &k) in nonzero.iter().enumerate() {
        // Earlier iterations only changed positions before k.
        let sentiment = sentiments[k];
        let si = nonzero[..=n]
            .iter()
            .copied()
            .find(|&j| sentiments[j] == sentiment)
            .expect("the value is in the list");
        if si < bi {
            sentiments[si] = sentiment * 0.5;
        } else if si > bi {
            sentiments[si] = sentiment * 1.5;
        }
    }
}

fn special_idioms_check(mut valence: f64, st: &SentiText, i: usize) -> f64 {
    // called only when i > 2
    let (w3, w2, w1, w0) = (st.low(i - 3), st.low(i - 2), st.low(i - 1), st.low(i));

    // sequences = [onezero, twoonezero, twoone, threetwoone, threetwo]
    let found = special_case2(w1, w0)
        .or_else(|| special_case3(w2, w1, w0))
        .or_else(|| special_case2(w2, w1))
        .or_else(|| special_case3(w3, w2, w1))
        .or_else(|| special_case2(w3, w2));
    if let Some(v) = found {
        valence = v;
    }

    if st.len() - 1 > i
        && let Some(v) = special_case2(w0, st.low(i + 1))
    {
        valence = v;
    }
    if st.len() - 1 > i + 1
        && let Some(v) = special_case3(w0, st.low(i + 1), st.low(i + 2))
    {
        valence = v;
    }

    // check for booster/dampener bi-grams such as 'sort of' or 'kind of'
    // (n_grams = [threetwoone, threetwo, twoone]; no three-word booster exists)
    for b in [booster_bigram(w3, w2), booster_bigram(w2, w1)]
        .into_iter()
        .flatten()
    {
        valence += b;
    }
    valence
}

fn negation_check(mut valence: f64, st: &SentiText, start_i: usize, i: usize) -> f64 {
    match start_i {
        0 => {
            // 1 word preceding lexicon word (w/o stopwords)
            if negated(st.low(i - 1)) {
                valence *= N_SCALAR;
            }
        }
        1 => {
            if st.low(i - 2) == "never" && matches!(st.low(i - 1), "so" | "this") {
                valence *= 1.25;
            } else if st.low(i - 2) == "without" && st.low(i - 1) == "doubt" {
                // valence unchanged
            } else if negated(st.low(i - 2)) {
                // 2 words preceding the lexicon word position
                valence *= N_SCALAR;
            }
        }
        2 => {
            // Python: `a == "never" and (b == "so" or b == "this") or (c == "so"
            // or c == "this")`, i.e. the second test does not need "never".
            if (st.low(i - 3) == "never" && matches!(st.low(i - 2), "so" | "this"))
                || matches!(st.low(i - 1), "so" | "this")
            {
                valence *= 1.25;
            } else if st.low(i - 3) == "without"
                && (st.low(i - 2) == "doubt" || st.low(i - 1) == "doubt")
            {
                // valence unchanged
            } else if negated(st.low(i - 3)) {
                // 3 words preceding the lexicon word position
                valence *= N_SCALAR;
            }
        }
        _ => unreachable!("start_i is 0, 1 or 2"),
    }
    valence
}

/// `_punctuation_emphasis`: added emphasis from exclamation points (up to 4)
/// and question marks (2 or more).
fn punctuation_emphasis(text: &str) -> f64 {
    let ep_count = text.bytes().filter(|&b| b == b'!').count().min(4);
    let ep_amplifier = ep_count as f64 * 0.292;
    let qm_count = text.bytes().filter(|&b| b == b'?').count();
    let qm_amplifier = if qm_count > 1 {
        if qm_count <= 3 {
            qm_count as f64 * 0.18
        } else {
            0.96
        }
    } else {
        0.0
    };
    ep_amplifier + qm_amplifier
}

/// `score_valence`.
///
/// The sum of the sentiments is taken left to right, as `sum()` does up to
/// Python 3.11 (3.12 switched `sum` of floats to compensated summation, which
/// can differ in the last bit and so, very rarely, in the last rounded digit).
fn score_valence(sentiments: &[f64], text: &str) -> PolarityScores {
    if sentiments.is_empty() {
        return PolarityScores {
            neg: 0.0,
            neu: 0.0,
            pos: 0.0,
            compound: 0.0,
        };
    }
    let mut sum_s = sentiments.iter().fold(0.0, |acc, &s| acc + s);
    // compute and add emphasis from punctuation in text
    let punct_emph_amplifier = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += punct_emph_amplifier;
    } else if sum_s < 0.0 {
        sum_s -= punct_emph_amplifier;
    }
    let compound = normalize(sum_s);

    // _sift_sentiment_scores: separate positive versus negative sentiment scores
    let mut pos_sum = 0.0;
    let mut neg_sum = 0.0;
    let mut neu_count = 0u32;
    for &s in sentiments {
        if s > 0.0 {
            // compensates for neutral words that are counted as 1
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            // when used with abs(), compensates for neutrals
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }

    if pos_sum > f64::abs(neg_sum) {
        pos_sum += punct_emph_amplifier;
    } else if pos_sum < f64::abs(neg_sum) {
        neg_sum -= punct_emph_amplifier;
    }

    let total = pos_sum + f64::abs(neg_sum) + f64::from(neu_count);
    let pos = f64::abs(pos_sum / total);
    let neg = f64::abs(neg_sum / total);
    let neu = f64::abs(f64::from(neu_count) / total);

    PolarityScores {
        neg: py_round(neg, 3),
        neu: py_round(neu, 3),
        pos: py_round(pos, 3),
        compound: py_round(compound, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_emoji_table_is_strictly_sorted_for_binary_search() {
        assert!(EMOJI.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(EMOJI[0].0, EMOJI_MIN_CHAR);
    }

    #[test]
    fn lexicon_lookup_finds_every_word_and_no_other() {
        assert_eq!(LEXICON.len(), 7506); // distinct tokens, as Python reads them
        for (word, valence) in LEXICON.iter() {
            assert_eq!(lexicon_valence(word), Some(valence), "{word}");
        }
        assert_eq!(lexicon_valence("good"), Some(1.9));
        assert_eq!(lexicon_valence("car"), None);
    }

    #[test]
    fn duplicate_lexicon_keys_keep_the_last_line_like_a_python_dict() {
        // "lol" appears twice in vader_lexicon.txt: 2.9 (line 305), then
        // 1.8 (line 4406); Python's dict keeps the later one.
        assert_eq!(lexicon_valence("lol"), Some(1.8));
    }

    #[test]
    fn emoji_lookup_maps_a_code_point_to_its_description() {
        assert_eq!(
            emoji_description('😁'),
            Some("beaming face with smiling eyes")
        );
        assert_eq!(emoji_description('a'), None);
    }

    #[test]
    fn python_round_is_correctly_rounded_with_ties_to_even() {
        assert_eq!(py_round(0.125, 2), 0.12);
        assert_eq!(py_round(0.375, 2), 0.38);
        assert_eq!(py_round(0.35, 1), 0.3); // 0.35 is really 0.34999…
        assert_eq!(py_round(0.8316, 4), 0.8316);
        assert!(py_round(-0.00001, 4) == 0.0);
    }

    #[test]
    fn python_isupper_needs_a_cased_character_and_no_lower_case() {
        assert!(py_isupper("SUX!"));
        assert!(py_isupper("A1"));
        assert!(!py_isupper("Sux"));
        assert!(!py_isupper(":)"));
        assert!(!py_isupper("ǅ"));
    }

    #[test]
    fn punctuation_is_stripped_unless_two_characters_or_fewer_remain() {
        assert_eq!(strip_punc_if_word("smart,"), "smart");
        assert_eq!(strip_punc_if_word("(great)!"), "great");
        assert_eq!(strip_punc_if_word(":)"), ":)");
        assert_eq!(strip_punc_if_word("ok!"), "ok!");
    }

    #[test]
    fn emoji_are_replaced_by_their_description_without_a_trailing_space() {
        assert_eq!(replace_emoji("a😁b"), "a beaming face with smiling eyesb");
        assert_eq!(replace_emoji("a 😁"), "a beaming face with smiling eyes");
    }
}
