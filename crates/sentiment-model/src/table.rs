//! Static string-keyed tables, laid out by the build script: a look-up is a
//! hash, a bucket of a few keys and one comparison, with no allocation.
//!
//! The keys are hashed into buckets (about four keys each) and stored
//! back to back in one string, bucket after bucket. Compared with a sorted
//! array of `(&str, value)` pairs and binary search, a look-up compares one
//! or two keys instead of fifteen, and the table takes less memory: a
//! component instance pays for every byte of its static data on every
//! request (see BENCHMARKS.md).
//!
//! The build script includes this file too (`#[path]`), so [`hash`] and
//! [`Layout`] are the same code at build time and at run time.

/// FNV-1a, 32 bits: cheap for short keys and the same on every platform.
pub const fn hash(key: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < key.len() {
        h = (h ^ key[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

/// Keys per bucket, on average.
const BUCKET_SIZE: usize = 4;

/// A table of `V` by string key.
#[derive(Debug)]
pub struct Table<V: 'static> {
    /// All keys, back to back, in bucket order.
    pub keys: &'static str,
    /// Where each key ends in `keys`; it starts where the previous one ends.
    pub ends: &'static [u32],
    /// The value of each key.
    pub values: &'static [V],
    /// Bucket `b` holds the keys `buckets[b]..buckets[b + 1]`.
    pub buckets: &'static [u32],
}

impl<V: Copy> Table<V> {
    /// The value of `key`, if it is in the table.
    pub fn get(&self, key: &str) -> Option<V> {
        let bucket = hash(key.as_bytes()) as usize % (self.buckets.len() - 1);
        let (first, end) = (self.buckets[bucket], self.buckets[bucket + 1]);
        (first as usize..end as usize)
            .find(|&i| self.key(i) == key)
            .map(|i| self.values[i])
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the table has no keys.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every key and its value, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, V)> + '_ {
        (0..self.len()).map(|i| (self.key(i), self.values[i]))
    }

    fn key(&self, i: usize) -> &'static str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.keys[start as usize..self.ends[i] as usize]
    }
}

/// The layout of a [`Table`], computed by the build script.
#[derive(Debug, PartialEq)]
pub struct Layout<V> {
    pub keys: String,
    pub ends: Vec<u32>,
    pub values: Vec<V>,
    pub buckets: Vec<u32>,
}

impl<V: Copy> Layout<V> {
    /// Lays out `entries`, whose keys must be distinct.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, V)>) -> Self {
        let mut entries: Vec<(&str, V)> = entries.into_iter().collect();
        let bucket_count = entries.len().div_ceil(BUCKET_SIZE).max(1);
        let bucket_of = |key: &str| hash(key.as_bytes()) as usize % bucket_count;
        entries.sort_by(|a, b| (bucket_of(a.0), a.0).cmp(&(bucket_of(b.0), b.0)));
        assert!(
            entries.windows(2).all(|w| w[0].0 != w[1].0),
            "duplicate keys"
        );
        let mut layout = Layout {
            keys: String::new(),
            ends: Vec::with_capacity(entries.len()),
            values: Vec::with_capacity(entries.len()),
            buckets: vec![0; bucket_count + 1],
        };
        for (key, value) in &entries {
            layout.keys.push_str(key);
            layout
                .ends
                .push(u32::try_from(layout.keys.len()).expect("keys under 4 GiB"));
            layout.values.push(*value);
            layout.buckets[bucket_of(key) + 1] += 1;
        }
        for b in 1..layout.buckets.len() {
            layout.buckets[b] += layout.buckets[b - 1];
        }
        layout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak<V: Copy>(layout: Layout<V>) -> Table<V> {
        Table {
            keys: layout.keys.leak(),
            ends: layout.ends.leak(),
            values: layout.values.leak(),
            buckets: layout.buckets.leak(),
        }
    }

    #[test]
    fn every_key_is_found_with_its_value_and_others_are_not() {
        let words: Vec<String> = (0..1000).map(|i| format!("word{i}")).collect();
        let table = leak(Layout::new(words.iter().map(|w| (w.as_str(), w.len()))));
        assert_eq!(table.len(), 1000);
        for word in &words {
            assert_eq!(table.get(word), Some(word.len()), "{word}");
        }
        assert_eq!(table.get("word1000"), None);
        assert_eq!(table.get(""), None);
        assert_eq!(table.get("wor"), None);
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        let table = leak(Layout::<f32>::new([]));
        assert!(table.is_empty());
        assert_eq!(table.get("good"), None);
    }

    #[test]
    fn the_hash_is_fnv_1a() {
        // the published FNV-1a test vectors
        assert_eq!(hash(b""), 0x811c_9dc5);
        assert_eq!(hash(b"a"), 0xe40c_292c);
        assert_eq!(hash(b"foobar"), 0xbf9c_f968);
    }
}
