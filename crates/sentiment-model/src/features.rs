//! The text features of the trained model: lower-cased words with negation
//! marking, and pairs of adjacent words. Training (`sentiment-training`) and
//! serving ([`crate::analyze`]) both call [`terms`], so they always see the
//! same features.
//!
//! The rules, in order:
//!
//! 1. The text is lower-cased (Unicode); typographic apostrophes (`’`, `‘`,
//!    `` ` ``) count as `'`.
//! 2. A *word* is a run of letters, digits and apostrophes, without leading
//!    or trailing apostrophes. Everything else separates words; `!` and `?`
//!    are kept as tokens of their own (they carry sentiment: "Great car!").
//! 3. A word ending in `n't` is split into its stem and `not`: "isn't" →
//!    `is not`, "don't" → `do not`; "can't" → `can not`, "won't" →
//!    `will not`, "ain't" → `is not`, "shan't" → `shall not`; "cannot" →
//!    `can not`.
//! 4. After a negation word ([`is_negation`]: `not`, `no`, `never`,
//!    `nothing`, `without`, misspelt contractions such as `dont`…) every
//!    word up to the next `.`, `,`, `;`, `:`, `!`, `?`, `but` or `however` is marked
//!    with the prefix [`NEGATED`]: "not good at all" → `not not_good
//!    not_at not_all`. So "good" and "not … good" are different features.
//! 5. The features of a text are its tokens (unigrams) and every pair of
//!    adjacent tokens inside one clause (bigrams, written `"a b"`); a clause
//!    ends at `.`, `,`, `;`, `:`, `!` or `?` (a `!`/`?` token still pairs with
//!    the word before it: `"great !"`). Each feature counts once per text
//!    (presence, not frequency).
//! 6. Words that name the reviewed thing itself ([`is_topic_word`]: `car`,
//!    `vehicle`, `truck`…) give no feature, and no bigram: every car review
//!    is about a car, so they say nothing about its sentiment, and the
//!    weights the training data would give them come from other topics
//!    (Amazon's car chargers, movies' car chases). They still separate their
//!    neighbours: "the car is" gives neither `the car` nor `the is`.
//! 7. A negated word that VADER's lexicon rates (or a fault word, rule 9)
//!    also gives the feature [`NEGATED_POSITIVE`] or [`NEGATED_NEGATIVE`]:
//!    what negating a positive or a negative word does, learned across
//!    words, so that a negated complaint the training data never negated
//!    ("zero complaints", "never leaks") is still read. `zero` counts as a
//!    negation.
//! 8. An emoji VADER knows (its emoji lexicon) is a token of its own, like
//!    `!`, and ends a sentence: "👍", "😡".
//! 9. A word that names a fault of a car ([`is_fault_word`]: "leaks",
//!    "rust", "rattles", "stalled"…; most of them unrated by VADER) counts
//!    as a negative word for rules 7 and 10, and outside a negation also
//!    gives the feature [`FAULT_WORD`], so a fault the training sentences
//!    never named is still a complaint.
//! 10. In a sentence (ended by `.`, `!`, `?` or an emoji) with a contrast
//!     word ([`is_contrast`]: `but`, `however`), every word VADER rates (or
//!     fault word) also gives its class and side of the last contrast word:
//!     [`POSITIVE_BEFORE_CONTRAST`], [`NEGATIVE_BEFORE_CONTRAST`],
//!     [`POSITIVE_AFTER_CONTRAST`] or [`NEGATIVE_AFTER_CONTRAST`] (a negated
//!     word counts with the opposite class). So the model learns how much
//!     the conclusion after "but" outweighs what comes before, across words:
//!     "Nice seats, but it leaks." is a complaint.

use std::ops::Range;

/// Prefix of a word in the scope of a negation.
pub const NEGATED: &str = "not_";

/// The feature of a negated word VADER's lexicon rates positive (rule 7).
pub const NEGATED_POSITIVE: &str = "not_(positive word)";

/// The feature of a negated word VADER's lexicon rates negative (rule 7):
/// "no problems", "zero complaints", "never disappointed".
pub const NEGATED_NEGATIVE: &str = "not_(negative word)";

/// The feature of a word of [`is_fault_word`] outside a negation (rule 9).
pub const FAULT_WORD: &str = "(fault word)";

/// The features of a rated word before the last contrast word of its
/// sentence (rule 10): what the writer concedes before the conclusion.
pub const POSITIVE_BEFORE_CONTRAST: &str = "(positive word) before but";
pub const NEGATIVE_BEFORE_CONTRAST: &str = "(negative word) before but";

/// The features of a rated word after the last contrast word of its
/// sentence (rule 10): the conclusion.
pub const POSITIVE_AFTER_CONTRAST: &str = "(positive word) after but";
pub const NEGATIVE_AFTER_CONTRAST: &str = "(negative word) after but";

/// Names this feature extraction; part of the model version, so a change to
/// these rules gives a new version. Bump it with any change to this module.
pub const FEATURES_ID: &str =
    "words+bigrams/negation-scope/topic-words/emoji/negated-lexicon-class/fault-words/contrast/v3";

/// Whether `word` (lower-cased) starts a negation scope.
#[rustfmt::skip]
pub fn is_negation(word: &str) -> bool {
    matches!(
        word,
        "not" | "no" | "never" | "nothing" | "none" | "nobody" | "nowhere" | "neither" | "zero"
        | "nor" | "without" | "hardly" | "barely" | "cannot"
        | "dont" | "doesnt" | "didnt" | "isnt" | "wasnt" | "werent" | "arent" | "cant"
        | "wont" | "wouldnt" | "couldnt" | "shouldnt" | "havent" | "hasnt" | "hadnt"
        | "aint"
    )
}

/// Whether `word` (lower-cased) turns a sentence around: what comes after
/// it is the writer's conclusion (rule 10). It also ends a negation scope.
pub fn is_contrast(word: &str) -> bool {
    matches!(word, "but" | "however")
}

/// Whether `word` (lower-cased, without the [`NEGATED`] prefix) names a
/// fault of a car (rule 9). VADER's lexicon rates 16 of these words
/// ("died", "worn", "leaked"…) and none of the others: its complaints are
/// about feelings ("disappointed", "broken"), and car reviews complain in
/// nouns and verbs of their own ("it leaks", "rust", "the clutch slips").
/// Written for this project, in every common inflection.
#[rustfmt::skip]
pub fn is_fault_word(word: &str) -> bool {
    matches!(
        word,
        "issue" | "issues" | "leak" | "leaks" | "leaking" | "leaked" | "leaky"
        | "rust" | "rusts" | "rusty" | "rusted" | "rusting" | "corrosion" | "corroded"
        | "rattle" | "rattles" | "rattling" | "rattly" | "squeak" | "squeaks" | "squeaking"
        | "squeaky" | "squeal" | "squeals" | "squealing" | "clunk" | "clunks" | "clunking"
        | "knock" | "knocks" | "knocking" | "grind" | "grinds" | "grinding" | "whine"
        | "whines" | "whining" | "drip" | "drips" | "dripping" | "stalls" | "stalled"
        | "stalling" | "breakdown" | "breakdowns" | "breaks" | "breaking" | "glitch"
        | "glitches" | "glitched" | "glitchy" | "slip" | "slips" | "slipping" | "slipped"
        | "overheat" | "overheats" | "overheating" | "overheated" | "misfire" | "misfires"
        | "misfiring" | "shudder" | "shudders" | "shuddering" | "vibration" | "vibrations"
        | "wobble" | "wobbles" | "repair" | "repairs" | "recall" | "recalls" | "tow"
        | "towed" | "towing" | "stranded" | "hassle" | "hassles" | "headache" | "headaches"
        | "lemon" | "junk" | "gremlin" | "gremlins" | "dent" | "dents" | "dented"
        | "downtime" | "defects" | "defective" | "malfunction" | "malfunctions"
        | "malfunctioning" | "died" | "dies" | "quit" | "quits" | "jerks" | "jerky"
        | "hesitates" | "hesitation" | "noise" | "noises" | "fault" | "faulty" | "smoke"
        | "smokes" | "smoking" | "fade" | "fades" | "fading" | "faded" | "wear" | "worn"
        | "peel" | "peels" | "peeling" | "crack" | "cracks" | "cracked"
    )
}

/// Whether `word` (lower-cased, without the [`NEGATED`] prefix) names the
/// reviewed thing (rule 6).
#[rustfmt::skip]
pub fn is_topic_word(word: &str) -> bool {
    matches!(
        word,
        "car" | "cars" | "vehicle" | "vehicles" | "truck" | "trucks" | "suv" | "suvs"
        | "van" | "vans" | "minivan" | "automobile" | "automobiles"
    )
}

/// One token of a text: a word, `!`, `?` or an emoji (each of which ends a
/// sentence), or the end of a clause (`sentence` when it is a `.`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Word(String),
    Mark(char),
    Break { sentence: bool },
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// Splits `text` into lower-cased words, `!`/`?` marks and clause breaks.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Piece>| {
        if !word.is_empty() {
            let trimmed = word.trim_matches('\'');
            if !trimmed.is_empty() {
                split_contraction(trimmed, out);
            }
            word.clear();
        }
    };
    for c in text.chars() {
        let c = match c {
            '’' | '‘' | '`' => '\'',
            c => c,
        };
        if is_word_char(c) {
            word.extend(c.to_lowercase());
            continue;
        }
        flush(&mut word, &mut out);
        match c {
            '!' | '?' => out.push(Piece::Mark(c)),
            '.' => out.push(Piece::Break { sentence: true }),
            ',' | ';' | ':' => out.push(Piece::Break { sentence: false }),
            c if crate::vader::emoji_description(c).is_some() => out.push(Piece::Mark(c)),
            _ => {}
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Pushes `word`, with "n't" and "cannot" split into stem + `not`.
fn split_contraction(word: &str, out: &mut Vec<Piece>) {
    let stem = match word {
        "can't" | "cannot" => Some("can"),
        "won't" => Some("will"),
        "ain't" => Some("is"),
        "shan't" => Some("shall"),
        _ => word.strip_suffix("n't"),
    };
    match stem {
        Some(stem) => {
            let stem = stem.trim_matches('\'');
            if !stem.is_empty() {
                out.push(Piece::Word(stem.to_owned()));
            }
            out.push(Piece::Word("not".to_owned()));
        }
        None => out.push(Piece::Word(word.to_owned())),
    }
}

/// Which side of a contrast word ([`is_contrast`]) of its sentence a token
/// is on (rule 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The sentence has no contrast word.
    Plain,
    /// Before its last contrast word.
    Before,
    /// After it.
    After,
}

/// A token and the side of its sentence's contrast it is on; `None` at
/// clause breaks.
type Token = (Option<String>, Side);

/// Sets the sides of one sentence's tokens (`sentence`) from its last
/// contrast word, if any.
fn mark_contrast(sentence: &mut [Token]) {
    let last = sentence
        .iter()
        .rposition(|(t, _)| t.as_deref().is_some_and(is_contrast));
    if let Some(last) = last {
        for (i, (_, side)) in sentence.iter_mut().enumerate() {
            *side = if i < last { Side::Before } else { Side::After };
        }
    }
}

/// The tokens of `text` in order (rules 1–4), with `None` at clause breaks,
/// and their side of a contrast (rule 10).
fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut sentence_start = 0;
    let mut negated = false;
    for piece in pieces(text) {
        match piece {
            Piece::Word(word) => {
                if is_contrast(&word) {
                    negated = false;
                    out.push((Some(word), Side::Plain));
                } else if negated {
                    // a negation word inside a scope keeps it going
                    out.push((Some(format!("{NEGATED}{word}")), Side::Plain));
                } else {
                    negated = is_negation(&word);
                    out.push((Some(word), Side::Plain));
                }
            }
            Piece::Mark(c) => {
                negated = false;
                out.push((Some(c.to_string()), Side::Plain));
                out.push((None, Side::Plain));
                mark_contrast(&mut out[sentence_start..]);
                sentence_start = out.len();
            }
            Piece::Break { sentence } => {
                negated = false;
                out.push((None, Side::Plain));
                if sentence {
                    mark_contrast(&mut out[sentence_start..]);
                    sentence_start = out.len();
                }
            }
        }
    }
    mark_contrast(&mut out[sentence_start..]);
    out
}

/// The polarity of a word (lower-cased, without the [`NEGATED`] prefix):
/// the sign of its VADER valence, or negative for a [`is_fault_word`].
fn polarity(word: &str) -> Option<bool> {
    match crate::vader::lexicon_valence(word) {
        Some(v) if v > 0.0 => Some(true),
        Some(v) if v < 0.0 => Some(false),
        _ if is_fault_word(word) => Some(false),
        _ => None,
    }
}

/// The features of `text`: its unigrams and bigrams (rule 5), and the
/// classes of rules 7, 9 and 10, sorted and without repeats.
///
/// ```
/// use sentiment_model::features::terms;
///
/// assert_eq!(
///     terms("Isn't good!"),
///     [
///         "!", "is", "is not", "not", "not not_good", "not_(positive word)", "not_good",
///         "not_good !"
///     ]
/// );
/// ```
pub fn terms(text: &str) -> Vec<String> {
    let mut buf = String::new();
    let spans = term_spans(text, &mut buf);
    let mut terms: Vec<&str> = spans.into_iter().map(|span| &buf[span]).collect();
    terms.sort_unstable();
    terms.dedup();
    terms.into_iter().map(str::to_owned).collect()
}

/// The features of `text` in the order they occur, repeats included, without
/// a string for each: written back to back into `buf` (cleared first), and
/// returned as the spans of `buf` that hold them ([`terms`] sorts them and
/// drops the repeats). Serving looks every feature up but keeps only the few
/// it knows, so it need not allocate, or sort, the others.
pub fn term_spans(text: &str, buf: &mut String) -> Vec<Range<usize>> {
    buf.clear();
    let tokens = tokens(text);
    let mut spans: Vec<Range<usize>> = Vec::with_capacity(tokens.len() * 2);
    let mut push = |buf: &mut String, parts: &[&str]| {
        let start = buf.len();
        parts.iter().for_each(|part| buf.push_str(part));
        spans.push(start..buf.len());
    };
    let mut prev: Option<&str> = None;
    for (token, side) in &tokens {
        let Some(token) = token else {
            prev = None;
            continue;
        };
        let (word, negated) = match token.strip_prefix(NEGATED) {
            Some(word) => (word, true),
            None => (token.as_str(), false),
        };
        if is_topic_word(word) {
            prev = None;
            continue;
        }
        push(buf, &[token]);
        if let Some(prev) = prev {
            push(buf, &[prev, " ", token]);
        }
        prev = Some(token);
        let Some(positive) = polarity(word) else {
            continue;
        };
        if negated {
            push(
                buf,
                &[if positive {
                    NEGATED_POSITIVE
                } else {
                    NEGATED_NEGATIVE
                }],
            );
        } else if is_fault_word(word) {
            push(buf, &[FAULT_WORD]);
        }
        let class = match (*side, positive != negated) {
            (Side::Plain, _) => continue,
            (Side::Before, true) => POSITIVE_BEFORE_CONTRAST,
            (Side::Before, false) => NEGATIVE_BEFORE_CONTRAST,
            (Side::After, true) => POSITIVE_AFTER_CONTRAST,
            (Side::After, false) => NEGATIVE_AFTER_CONTRAST,
        };
        push(buf, &[class]);
    }
    spans
}

/// The log-odds of "positive" for a text: `bias`, plus the weights of its
/// known features in the order of [`terms`], plus `vader_weight` times VADER's
/// (unrounded) compound score. Training and serving both add up a logit with
/// this function, in this order, so that they agree to the last bit.
pub fn logit(
    bias: f64,
    term_weights: impl IntoIterator<Item = f64>,
    vader_weight: f64,
    compound: f64,
) -> f64 {
    let mut z = bias;
    for w in term_weights {
        z += w;
    }
    z + vader_weight * compound
}

/// The logistic function: the probability of "positive" for a logit.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_the_text_with_repeats_which_terms_sorts_away() {
        let mut buf = String::new();
        let spans = term_spans("Good good.", &mut buf);
        let texts: Vec<&str> = spans.into_iter().map(|span| &buf[span]).collect();
        assert_eq!(texts, ["good", "good", "good good"]);
        assert_eq!(terms("Good good."), ["good", "good good"]);
    }

    #[test]
    fn words_are_lower_cased_and_punctuation_splits_clauses() {
        assert_eq!(
            terms("Great PHONE. Fast"),
            ["fast", "great", "great phone", "phone"]
        );
    }

    #[test]
    fn contractions_become_not_and_open_a_negation_scope() {
        assert_eq!(
            terms("doesn’t work"),
            ["does", "does not", "not", "not not_work", "not_work"]
        );
        assert_eq!(terms("won't"), ["not", "will", "will not"]);
        assert_eq!(terms("cannot"), ["can", "can not", "not"]);
    }

    #[test]
    fn negation_scope_ends_at_punctuation_and_but() {
        let t = terms("not fast, cheap but ugly");
        assert!(t.contains(&"not_fast".to_owned()));
        assert!(t.contains(&"cheap".to_owned()));
        assert!(t.contains(&"ugly".to_owned()));
        assert!(!t.iter().any(|f| f == "not_ugly" || f == "not_cheap"));
        assert!(!t.iter().any(|f| f == "not_fast cheap"));
    }

    #[test]
    fn negated_lexicon_words_also_give_their_class() {
        let t = terms("zero complaints, not great");
        assert!(t.contains(&NEGATED_NEGATIVE.to_owned()), "{t:?}");
        assert!(t.contains(&NEGATED_POSITIVE.to_owned()), "{t:?}");
        assert!(!terms("complaints").contains(&NEGATED_NEGATIVE.to_owned()));
    }

    #[test]
    fn topic_words_give_no_feature_and_split_bigrams() {
        assert_eq!(terms("The car is blue"), ["blue", "is", "is blue", "the"]);
        assert_eq!(terms("not a CAR"), ["not", "not not_a", "not_a"]);
    }

    #[test]
    fn marks_are_tokens_and_symbols_are_ignored() {
        assert_eq!(terms("wow!!"), ["!", "wow", "wow !"]);
        assert_eq!(terms("-- ::"), Vec::<String>::new());
        assert_eq!(terms("great 👍"), ["great", "great 👍", "👍"]);
        assert_eq!(terms("'quoted'"), ["quoted"]);
    }

    #[test]
    fn fault_words_are_negative_words_of_their_own() {
        assert!(terms("It leaks").contains(&FAULT_WORD.to_owned()));
        let t = terms("It never leaks");
        assert!(t.contains(&NEGATED_NEGATIVE.to_owned()), "{t:?}");
        assert!(!t.contains(&FAULT_WORD.to_owned()), "{t:?}");
        // a complaint about a feeling, not a fault of the car
        assert!(!terms("broken").contains(&FAULT_WORD.to_owned()));
    }

    #[test]
    fn rated_words_give_their_side_of_the_last_contrast_word() {
        let t = terms("Nice seats, but it leaks. Great!");
        assert!(t.contains(&POSITIVE_BEFORE_CONTRAST.to_owned()), "{t:?}");
        assert!(t.contains(&NEGATIVE_AFTER_CONTRAST.to_owned()), "{t:?}");
        // "great" is in a sentence of its own, without a contrast
        assert!(!t.contains(&POSITIVE_AFTER_CONTRAST.to_owned()), "{t:?}");
        // a negated word counts with the opposite class
        let t = terms("Old, however not bad");
        assert!(t.contains(&POSITIVE_AFTER_CONTRAST.to_owned()), "{t:?}");
        assert!(
            !terms("Nice seats and great brakes")
                .iter()
                .any(|f| f.contains("but"))
        );
    }

    #[test]
    fn sigmoid_is_stable_at_the_extremes() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(800.0) == 1.0 && sigmoid(-800.0) == 0.0);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
    }
}
