//! The key-value operations the history needs: those of `wasi:keyvalue`
//! (`store`, `atomics`, `batch`) as Spin's stores give them.

use std::fmt;

/// Why a store operation failed: the store's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// A key-value store with Spin's semantics, on its SQLite default and on
/// Redis alike.
pub trait Store {
    /// A compare-and-swap under way: what [`Store::watch`] read.
    type Cas;

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// The values of those of `keys` that exist, in any order: Spin's SQLite
    /// store leaves absent keys out where Redis answers them as `none`.
    fn get_many(&self, keys: Vec<String>) -> Result<Vec<(String, Option<Vec<u8>>)>, StoreError>;

    /// Sets every pair (one transaction on SQLite, one `MSET` on Redis).
    fn set_many(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError>;

    /// Deletes every key.
    fn delete_many(&self, keys: Vec<String>) -> Result<(), StoreError>;

    /// Every key of the store (Spin takes no cursor).
    fn list_keys(&self) -> Result<Vec<String>, StoreError>;

    /// Adds `delta` to the counter `key` (absent: 0) and answers the sum,
    /// atomically. Read counters back with [`counter`].
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError>;

    /// Starts a compare-and-swap of `key`: its value now. Spin makes the
    /// swap atomic only when the key exists, so the history swaps only
    /// records it has written.
    fn watch(&self, key: &str) -> Result<(Self::Cas, Option<Vec<u8>>), StoreError>;

    /// Writes `value` if the key still holds what [`Store::watch`] read:
    /// `true` when it did, `false` when another writer came first.
    fn swap(&self, cas: Self::Cas, value: Vec<u8>) -> Result<bool, StoreError>;
}

/// The value of a counter [`Store::increment`] keeps, read back with `get`:
/// Spin's SQLite store keeps it as 8 little-endian bytes, Redis (`INCRBY`)
/// as decimal text. Text is told apart by being all digits: 8 bytes of
/// digits read as a little-endian number exceed 3.4 × 10^18, which no
/// counter here reaches.
pub fn counter(value: &[u8]) -> Option<i64> {
    let digits = value.strip_prefix(b"-").unwrap_or(value);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return std::str::from_utf8(value).ok()?.parse().ok();
    }
    Some(i64::from_le_bytes(value.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::counter;

    #[test]
    fn a_counter_is_read_from_spins_sqlite_bytes() {
        assert_eq!(counter(&42i64.to_le_bytes()), Some(42));
        assert_eq!(counter(&(-7i64).to_le_bytes()), Some(-7));
    }

    #[test]
    fn a_counter_is_read_from_redis_text() {
        assert_eq!(counter(b"42"), Some(42));
        assert_eq!(counter(b"12345678"), Some(12_345_678));
        assert_eq!(counter(b"-3"), Some(-3));
    }

    #[test]
    fn anything_else_is_no_counter() {
        assert_eq!(counter(b""), None);
        assert_eq!(counter(b"4x"), None);
        assert_eq!(counter(&[1, 2, 3]), None);
    }
}
