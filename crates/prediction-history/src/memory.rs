//! A store in memory with the semantics of Spin's SQLite store, for the
//! tests of the history's rules (the real stores are tested through the
//! app, on the harness, Spin's SQLite and Redis).

use crate::store::{Store, StoreError};
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct MemoryStore {
    pub values: RefCell<BTreeMap<String, Vec<u8>>>,
    /// Answer every swap as failed, whether it wrote or not, as Spin's Redis
    /// store does.
    pub swaps_report_failure: bool,
}

impl Store for MemoryStore {
    type Cas = (String, Option<Vec<u8>>);

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.values.borrow().get(key).cloned())
    }

    fn get_many(&self, keys: Vec<String>) -> Result<Vec<(String, Option<Vec<u8>>)>, StoreError> {
        let values = self.values.borrow();
        Ok(keys
            .into_iter()
            .filter_map(|key| values.get(&key).cloned().map(|value| (key, Some(value))))
            .collect())
    }

    fn set_many(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        self.values.borrow_mut().extend(entries);
        Ok(())
    }

    fn delete_many(&self, keys: Vec<String>) -> Result<(), StoreError> {
        let mut values = self.values.borrow_mut();
        for key in keys {
            values.remove(&key);
        }
        Ok(())
    }

    fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.values.borrow().keys().cloned().collect())
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        let mut values = self.values.borrow_mut();
        let now = values.get(key).map_or(0, |value| {
            i64::from_le_bytes(value.as_slice().try_into().unwrap())
        }) + delta;
        values.insert(key.to_owned(), now.to_le_bytes().to_vec());
        Ok(now)
    }

    fn watch(&self, key: &str) -> Result<(Self::Cas, Option<Vec<u8>>), StoreError> {
        let value = self.get(key)?;
        Ok(((key.to_owned(), value.clone()), value))
    }

    fn swap(&self, (key, seen): Self::Cas, value: Vec<u8>) -> Result<bool, StoreError> {
        let mut values = self.values.borrow_mut();
        if values.get(&key) != seen.as_ref() {
            return Ok(false);
        }
        values.insert(key, value);
        Ok(!self.swaps_report_failure)
    }
}
