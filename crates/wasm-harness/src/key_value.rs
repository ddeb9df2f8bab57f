//! Spin's key-value store `default`, as `spin up` provides it: a SQLite
//! database (`sqlite_key_value.db` in the state directory, `.spin/` next to
//! the manifest; in memory without one), served through `wasi:keyvalue`
//! (`store`, `atomics`, `batch`).
//!
//! Everything is done as Spin 3.6's `key-value-spin` crate does it, to its
//! table and its SQL: one table `spin_key_value (store, key, value)`, one
//! connection per app behind a lock, `set-many` and `increment` in a
//! transaction, counters as 8 little-endian bytes, and a compare-and-swap
//! that updates the row only if it still holds the value `current` read
//! (when `current` found no value, Spin writes without comparing, and so
//! does this). A component opens only the stores its manifest lists in
//! `key_value_stores`; any other is `access-denied`. `list-keys` takes no
//! cursor, as in Spin.

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::component::{Resource, ResourceTable};

wasmtime::component::bindgen!({
    path: "wit",
    world: "car-ml:harness/key-value-host",
    with: {
        "wasi:keyvalue/store.bucket": Bucket,
        "wasi:keyvalue/atomics.cas": Cas,
    },
});

use wasi::keyvalue::{atomics, batch, store};

/// The only store label the harness defines, as `spin up` without runtime
/// config.
pub const DEFAULT_STORE: &str = "default";

/// The file Spin keeps the default store in, in the state directory.
pub const DATABASE_FILE: &str = "sqlite_key_value.db";

/// The app's default store: one SQLite connection, opened on first use.
pub struct Database {
    path: Option<PathBuf>,
    connection: OnceLock<Mutex<Connection>>,
}

impl Database {
    /// The store in `state_dir`, or in memory without one.
    pub fn new(state_dir: Option<PathBuf>) -> Self {
        Database {
            path: state_dir.map(|dir| dir.join(DATABASE_FILE)),
            connection: OnceLock::new(),
        }
    }

    fn connection(&self) -> Result<&Mutex<Connection>, store::Error> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection);
        }
        let opened = self.open().map_err(other)?;
        Ok(self.connection.get_or_init(|| Mutex::new(opened)))
    }

    fn open(&self) -> Result<Connection> {
        let connection = match &self.path {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                Connection::open(path).with_context(|| format!("opening {}", path.display()))?
            }
            None => Connection::open_in_memory()?,
        };
        connection.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key   TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
            [],
        )?;
        Ok(connection)
    }

    /// Runs `work` on the connection, holding its lock.
    fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, store::Error> {
        let connection = self.connection()?;
        let mut connection = connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut connection).map_err(other)
    }
}

fn other(error: impl std::fmt::Debug) -> store::Error {
    store::Error::Other(format!("{error:?}"))
}

const GET: &str = "SELECT value FROM spin_key_value WHERE store=$1 AND key=$2";
const UPSERT: &str = "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
     ON CONFLICT(store, key) DO UPDATE SET value=$3";

fn get(connection: &Connection, store: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    connection
        .prepare_cached(GET)?
        .query_row([store, key], |row| row.get(0))
        .optional()
}

/// An open store: its label.
pub struct Bucket {
    label: String,
}

/// A compare-and-swap under way: the key, and what `current` read.
pub struct Cas {
    store: String,
    key: String,
    seen: Option<Vec<u8>>,
}

/// One request's view of the stores: those its component may open.
pub struct KeyValue {
    database: Arc<Database>,
    allowed: Arc<BTreeSet<String>>,
    table: ResourceTable,
}

impl KeyValue {
    pub fn new(database: Arc<Database>, allowed: Arc<BTreeSet<String>>) -> Self {
        KeyValue {
            database,
            allowed,
            table: ResourceTable::new(),
        }
    }

    fn label(&self, bucket: &Resource<Bucket>) -> Result<String, store::Error> {
        Ok(self.table.get(bucket).map_err(other)?.label.clone())
    }
}

/// Checks a component's `key_value_stores`: Spin refuses to load an app
/// whose component names a store its runtime config does not define.
pub fn check_labels(component: &str, labels: &[String]) -> Result<()> {
    for label in labels {
        if label != DEFAULT_STORE {
            bail!(
                "component `{component}` uses key-value store {label:?}, which is not defined \
                 (only {DEFAULT_STORE:?} is, without runtime config)"
            );
        }
    }
    Ok(())
}

impl store::Host for KeyValue {
    fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, store::Error> {
        if !self.allowed.contains(&identifier) {
            return Err(store::Error::AccessDenied);
        }
        self.table.push(Bucket { label: identifier }).map_err(other)
    }
}

impl store::HostBucket for KeyValue {
    fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, store::Error> {
        let label = self.label(&bucket)?;
        self.database
            .with(|connection| get(connection, &label, &key))
    }

    fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), store::Error> {
        let label = self.label(&bucket)?;
        self.database.with(|connection| {
            connection
                .prepare_cached(UPSERT)?
                .execute(params![label, key, value])
                .map(drop)
        })
    }

    fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), store::Error> {
        let label = self.label(&bucket)?;
        self.database.with(|connection| {
            connection
                .prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?
                .execute([label, key])
                .map(drop)
        })
    }

    fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Result<bool, store::Error> {
        Ok(self.get(bucket, key)?.is_some())
    }

    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<store::KeyResponse, store::Error> {
        if cursor.is_some() {
            return Err(store::Error::Other(
                "list_keys: cursor not supported".into(),
            ));
        }
        let label = self.label(&bucket)?;
        let keys = self.database.with(|connection| {
            connection
                .prepare_cached("SELECT key FROM spin_key_value WHERE store=$1")?
                .query_map([label], |row| row.get(0))?
                .collect()
        })?;
        Ok(store::KeyResponse { keys, cursor: None })
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl batch::Host for KeyValue {
    /// The pairs of the keys that exist, as Spin's SQLite store answers.
    fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, store::Error> {
        let label = self.label(&bucket)?;
        self.database.with(|connection| {
            let mut found = Vec::new();
            for key in keys {
                if let Some(value) = get(connection, &label, &key)? {
                    found.push((key, Some(value)));
                }
            }
            Ok(found)
        })
    }

    fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), store::Error> {
        let label = self.label(&bucket)?;
        self.database.with(|connection| {
            let transaction = connection.transaction()?;
            for (key, value) in key_values {
                transaction
                    .prepare_cached(UPSERT)?
                    .execute(params![label, key, value])?;
            }
            transaction.commit()
        })
    }

    fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), store::Error> {
        let label = self.label(&bucket)?;
        self.database.with(|connection| {
            let transaction = connection.transaction()?;
            for key in keys {
                transaction
                    .prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?
                    .execute([&label, &key])?;
            }
            transaction.commit()
        })
    }
}

impl atomics::Host for KeyValue {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, store::Error> {
        let label = self.label(&bucket)?;
        let sum = self.database.with(|connection| {
            let transaction = connection.transaction()?;
            let value = get(&transaction, &label, &key)?;
            let Some(now) = value
                .map_or(Some(0), |value| {
                    value.try_into().ok().map(i64::from_le_bytes)
                })
                .map(|now: i64| now.wrapping_add(delta))
            else {
                return Ok(None);
            };
            transaction
                .prepare_cached(UPSERT)?
                .execute(params![label, key, now.to_le_bytes()])?;
            transaction.commit()?;
            Ok(Some(now))
        })?;
        sum.ok_or_else(|| store::Error::Other(format!("{key:?} does not hold a counter")))
    }

    fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), atomics::CasError> {
        let swap = self
            .table
            .delete(cas)
            .map_err(|error| atomics::CasError::StoreError(other(error)))?;
        let swapped = self
            .database
            .with(|connection| match &swap.seen {
                Some(seen) => connection
                    .prepare_cached(
                        "UPDATE spin_key_value SET value=$1 WHERE store=$2 AND key=$3 AND value=$4",
                    )?
                    .execute(params![value, swap.store, swap.key, seen]),
                None => connection
                    .prepare_cached(UPSERT)?
                    .execute(params![swap.store, swap.key, value]),
            })
            .map_err(atomics::CasError::StoreError)?;
        if swapped == 1 {
            return Ok(());
        }
        // As Spin: a new compare-and-swap of the key, its value read.
        let seen = self
            .database
            .with(|connection| get(connection, &swap.store, &swap.key))
            .map_err(atomics::CasError::StoreError)?;
        let retry = self
            .table
            .push(Cas { seen, ..swap })
            .map_err(|error| atomics::CasError::StoreError(other(error)))?;
        Err(atomics::CasError::CasFailed(retry))
    }
}

impl atomics::HostCas for KeyValue {
    fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Resource<Cas>, store::Error> {
        let label = self.label(&bucket)?;
        self.table
            .push(Cas {
                store: label,
                key,
                seen: None,
            })
            .map_err(other)
    }

    fn current(&mut self, cas: Resource<Cas>) -> Result<Option<Vec<u8>>, store::Error> {
        let (store, key) = {
            let cas = self.table.get(&cas).map_err(other)?;
            (cas.store.clone(), cas.key.clone())
        };
        let value = self
            .database
            .with(|connection| get(connection, &store, &key))?;
        self.table.get_mut(&cas).map_err(other)?.seen = value.clone();
        Ok(value)
    }

    fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}
