//! BERT's WordPiece tokenizer, exactly as a Hugging Face `tokenizer.json`
//! with a `BertNormalizer` (clean text, Chinese characters, accents stripped,
//! lower case), the `BertPreTokenizer` and a `WordPiece` model (`##`
//! continuation, `[UNK]`, at most 100 characters a word) defines it, with
//! its special tokens (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`, `[MASK]`) matched
//! in the raw text as the Python tokenizer matches its added tokens.
//!
//! The vocabulary is read in place from the model blob: the tokens' bytes,
//! their offsets by id, and the ids sorted by token, searched by bisection.

use std::cmp::Ordering;

use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::UnicodeNormalization;

use crate::blob::{Blob, BlobError};

/// The special tokens of a BERT vocabulary, as the tokenizer's added tokens.
const SPECIAL: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// A WordPiece vocabulary in place.
#[derive(Clone, Copy)]
pub struct Vocab<'a> {
    bytes: &'a [u8],
    offsets: &'a [u32],
    sorted: &'a [u32],
    /// The id of `[UNK]`.
    pub unk: u32,
    /// Words longer than this (in characters) are `[UNK]`.
    pub max_word_chars: usize,
}

impl<'a> Vocab<'a> {
    /// The vocabulary of a blob (`vocab.bytes`, `vocab.offsets`,
    /// `vocab.sorted`) with `size` tokens.
    pub fn from_blob(
        blob: &Blob<'a>,
        size: usize,
        unk: u32,
        max_word_chars: usize,
    ) -> Result<Vocab<'a>, BlobError> {
        let offsets = blob.u32s("vocab.offsets")?;
        let sorted = blob.u32s("vocab.sorted")?;
        let bytes = blob.bytes("vocab.bytes")?;
        if offsets.len() != size + 1 || sorted.len() != size {
            return Err(BlobError::Shape {
                name: "vocab.offsets".into(),
                expected: size + 1,
                found: offsets.len(),
            });
        }
        if offsets.last().map(|&end| end as usize) != Some(bytes.len())
            || offsets.windows(2).any(|w| w[0] > w[1])
            || sorted.iter().any(|&id| id as usize >= size)
        {
            return Err(BlobError::Format("inconsistent vocabulary"));
        }
        Ok(Vocab {
            bytes,
            offsets,
            sorted,
            unk,
            max_word_chars,
        })
    }

    /// The token of an id.
    pub fn token(&self, id: u32) -> &'a str {
        let (start, end) = (
            self.offsets[id as usize] as usize,
            self.offsets[id as usize + 1] as usize,
        );
        std::str::from_utf8(&self.bytes[start..end]).unwrap_or("")
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether the vocabulary has no token.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The id of the token `prefix` + `rest`, if the vocabulary has it.
    fn find(&self, prefix: &[u8], rest: &[u8]) -> Option<u32> {
        let compare = |id: &u32| {
            let t = self.token(*id).as_bytes();
            let head = t.len().min(prefix.len());
            match t[..head].cmp(&prefix[..head]) {
                Ordering::Equal if t.len() < prefix.len() => Ordering::Less,
                Ordering::Equal => t[prefix.len()..].cmp(rest),
                other => other,
            }
        };
        self.sorted
            .binary_search_by(compare)
            .ok()
            .map(|i| self.sorted[i])
    }

    /// The id of a token.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.find(b"", token.as_bytes())
    }

    /// The token ids of `text`, without `[CLS]` and `[SEP]`, appended to
    /// `ids`.
    pub fn tokenize_into(&self, text: &str, ids: &mut Vec<u32>) {
        let mut rest = text;
        while !rest.is_empty() {
            match next_special(rest) {
                Some((at, token)) => {
                    self.tokenize_plain(&rest[..at], ids);
                    ids.push(self.id(token).unwrap_or(self.unk));
                    rest = &rest[at + token.len()..];
                }
                None => {
                    self.tokenize_plain(rest, ids);
                    break;
                }
            }
        }
    }

    /// The token ids of `text`, without `[CLS]` and `[SEP]`.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        self.tokenize_into(text, &mut ids);
        ids
    }

    fn tokenize_plain(&self, text: &str, ids: &mut Vec<u32>) {
        let normalized = normalize(text);
        for word in pre_tokenize(&normalized) {
            self.word_pieces(word, ids);
        }
    }

    /// WordPiece of one word: longest known prefix first, then the longest
    /// known `##` continuation, and so on; `[UNK]` for the whole word when
    /// some part is unknown or the word is too long.
    fn word_pieces(&self, word: &str, ids: &mut Vec<u32>) {
        if word.chars().count() > self.max_word_chars {
            ids.push(self.unk);
            return;
        }
        let first = ids.len();
        let mut start = 0;
        while start < word.len() {
            let prefix: &[u8] = if start > 0 { b"##" } else { b"" };
            let mut end = word.len();
            let mut found = None;
            while start < end {
                if let Some(id) = self.find(prefix, &word.as_bytes()[start..end]) {
                    found = Some(id);
                    break;
                }
                end -= word[start..end]
                    .chars()
                    .next_back()
                    .map_or(1, char::len_utf8);
            }
            match found {
                Some(id) => {
                    ids.push(id);
                    start = end;
                }
                None => {
                    ids.truncate(first);
                    ids.push(self.unk);
                    return;
                }
            }
        }
    }
}

/// The first special token in `text`: its byte position and text.
fn next_special(text: &str) -> Option<(usize, &'static str)> {
    let mut from = 0;
    while let Some(at) = text[from..].find('[') {
        let at = from + at;
        if let Some(token) = SPECIAL.iter().find(|t| text[at..].starts_with(**t)) {
            return Some((at, token));
        }
        from = at + 1;
    }
    None
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

fn is_chinese(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

/// `BertNormalizer` with `clean_text`, `handle_chinese_chars` and
/// `lowercase` (so accents stripped): control characters, NUL and U+FFFD
/// dropped and white space made a space; spaces around CJK ideographs;
/// canonical decomposition (NFD) without non-spacing marks; lower case.
pub fn normalize(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if is_whitespace(c) {
            cleaned.push(' ');
        } else if is_chinese(c) {
            cleaned.push(' ');
            cleaned.push(c);
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
    }
    let mut out = String::with_capacity(cleaned.len());
    for (c, _) in cleaned.nfd() {
        if !c.is_mark_nonspacing() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `BertPreTokenizer`: words split at white space (dropped) and at each
/// punctuation character (kept as a word of its own).
pub fn pre_tokenize(text: &str) -> impl Iterator<Item = &str> {
    text.split(char::is_whitespace).flat_map(|chunk| {
        let mut words = Vec::new();
        let mut start = 0;
        for (i, c) in chunk.char_indices() {
            if is_punctuation(c) {
                if start < i {
                    words.push(&chunk[start..i]);
                }
                words.push(&chunk[i..i + c.len_utf8()]);
                start = i + c.len_utf8();
            }
        }
        if start < chunk.len() {
            words.push(&chunk[start..]);
        }
        words
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_cleans_strips_accents_and_lowercases() {
        assert_eq!(normalize("Café\tCRÈME\u{0}\u{200b}"), "cafe creme");
        assert_eq!(normalize("车好"), " 车  好 ");
    }

    #[test]
    fn pre_tokenizing_splits_white_space_and_isolates_punctuation() {
        let words: Vec<&str> = pre_tokenize("don't  stop... now!").collect();
        assert_eq!(words, ["don", "'", "t", "stop", ".", ".", ".", "now", "!"]);
    }

    #[test]
    fn special_tokens_are_found_in_the_raw_text() {
        assert_eq!(next_special("a [SEP] b"), Some((2, "[SEP]")));
        assert_eq!(next_special("a [sep] [x"), None);
    }
}
