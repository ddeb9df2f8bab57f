//! Prediction ids and the callers records belong to.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// A prediction's id, `<sequence>-<nonce>`
/// (`179628510852900000-9f3c2a1b7d4e6f80`): the time its request arrived, in
/// milliseconds since the Unix epoch, times [`ROWS`], plus its row in a
/// batch; and 64 random bits drawn for the request. Ids sort as their
/// predictions were made (the rows of a batch in order), and are drawn
/// without asking the store anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PredictionId {
    pub sequence: u64,
    pub nonce: u64,
}

/// Rows a batch may have: more than the largest body holds.
pub const ROWS: u64 = 100_000;

impl PredictionId {
    /// The id of row `row` of a request that arrived at `unix_ms`, drawn
    /// with `nonce`.
    pub fn new(unix_ms: u64, row: usize, nonce: u64) -> Self {
        PredictionId {
            sequence: unix_ms * ROWS + row as u64 % ROWS,
            nonce,
        }
    }

    /// When its request arrived, in milliseconds since the Unix epoch.
    pub fn unix_ms(self) -> u64 {
        self.sequence / ROWS
    }
}

impl fmt::Display for PredictionId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}-{:016x}", self.sequence, self.nonce)
    }
}

/// Why text is not a prediction id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedId;

impl fmt::Display for MalformedId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(
            "a prediction id is a number, `-` and 16 lower-case hexadecimal digits, \
             as answers give it (`prediction_id`)",
        )
    }
}

impl FromStr for PredictionId {
    type Err = MalformedId;

    fn from_str(text: &str) -> Result<Self, MalformedId> {
        let (sequence, nonce) = text.split_once('-').ok_or(MalformedId)?;
        let decimal = !sequence.is_empty()
            && sequence.len() <= 19
            && sequence.bytes().all(|b| b.is_ascii_digit())
            && (sequence == "0" || !sequence.starts_with('0'));
        let hex = nonce.len() == 16
            && nonce
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !(decimal && hex) {
            return Err(MalformedId);
        }
        Ok(PredictionId {
            sequence: sequence.parse().map_err(|_| MalformedId)?,
            nonce: u64::from_str_radix(nonce, 16).map_err(|_| MalformedId)?,
        })
    }
}

/// Whose history a record is in: the caller's API key, hashed (a key is
/// never stored), or everyone's when the API is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner(String);

impl Owner {
    /// The one shared history of an open API.
    pub fn open() -> Self {
        Owner("open".to_owned())
    }

    /// The history of the caller holding `key`: 96 bits of its SHA-256.
    pub fn of_key(key: &[u8]) -> Self {
        let digest = Sha256::digest(key);
        let hex: String = digest[..12]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Owner(format!("key-{hex}"))
    }

    /// As it appears in the store's keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_time_row_and_nonce_and_reads_back() {
        let id = PredictionId::new(1_796_285_108_529, 3, 0x9f3c_2a1b_7d4e_6f80);
        assert_eq!(id.to_string(), "179628510852900003-9f3c2a1b7d4e6f80");
        assert_eq!("179628510852900003-9f3c2a1b7d4e6f80".parse(), Ok(id));
        assert_eq!(id.unix_ms(), 1_796_285_108_529);
        assert_eq!(
            "1-0000000000000001".parse::<PredictionId>().unwrap().nonce,
            1
        );
    }

    #[test]
    fn ids_sort_by_time_then_row() {
        let earlier = PredictionId::new(1_000, 7, u64::MAX);
        let later = PredictionId::new(1_001, 0, 0);
        assert!(earlier < later);
        assert!(PredictionId::new(1_000, 1, 9) < PredictionId::new(1_000, 2, 0));
    }

    #[test]
    fn anything_but_that_form_is_malformed() {
        for text in [
            "",
            "41",
            "41-",
            "-9f3c2a1b7d4e6f80",
            "041-9f3c2a1b7d4e6f80",
            "+41-9f3c2a1b7d4e6f80",
            "41-9F3C2A1B7D4E6F80",
            "41-9f3c2a1b7d4e6f8",
            "41-9f3c2a1b7d4e6f800",
            "4 1-9f3c2a1b7d4e6f80",
            "99999999999999999999-9f3c2a1b7d4e6f80",
            "../etc-9f3c2a1b7d4e6f80",
        ] {
            assert_eq!(text.parse::<PredictionId>(), Err(MalformedId), "{text:?}");
        }
    }

    #[test]
    fn an_owner_never_holds_the_key() {
        let owner = Owner::of_key(b"s3cret-key");
        assert!(!owner.as_str().contains("s3cret"));
        assert_eq!(owner.as_str().len(), "key-".len() + 24);
        assert_eq!(owner, Owner::of_key(b"s3cret-key"));
        assert_ne!(owner, Owner::of_key(b"s3cret-kez"));
        assert_ne!(owner, Owner::open());
    }
}
