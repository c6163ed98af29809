//! Where receipts go: the `ReceiptStore` contract, its outcome and error types, and `open`, which
//! picks the backend from `--db` (a file path: SQLite; a `postgres://` or `postgresql://` URL:
//! PostgreSQL).
//!
//! The HTTP layer only knows the trait. The contract every backend keeps: `insert` returns only
//! once the receipt is committed and durable (a receipt acknowledged with 201 survives the
//! process being killed), a receipt with the same consent id and `updatedAt` (canonical form) as
//! a stored one is a replay and changes nothing, and nothing about the sender (IP address, user
//! agent) is ever stored. Both backends keep the same table (`receipts`) and the same
//! `schema_version` table, created or migrated at start in one transaction.

mod postgres;
mod sqlite;

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

use crate::receipt::Receipt;
use std::fmt;
use std::path::Path;

/// The outcome of a successful `insert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The receipt is new and now stored.
    Stored,
    /// A receipt with the same consent id and `updatedAt` is already stored; nothing changed.
    Replayed,
}

impl Inserted {
    /// What an insert that ignores a conflicting (replayed) row means, from the rows it changed.
    pub(crate) fn from_rows_changed(rows: u64) -> Inserted {
        if rows == 1 {
            Inserted::Stored
        } else {
            Inserted::Replayed
        }
    }
}

/// The backend failed; the receipt may not be stored and must not be acknowledged.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// A durable log of receipts, shared by all requests: each call is its own transaction, so
/// calls may run at once (SQLite serialises them on its one connection, PostgreSQL spreads them
/// over its pool).
pub trait ReceiptStore: Send + Sync {
    /// Stores a validated receipt durably, stamped with the time it was received.
    fn insert(&self, receipt: &Receipt) -> Result<Inserted, StoreError>;
    /// How many receipts are stored.
    fn count(&self) -> Result<u64, StoreError>;
    /// How many receipts of consent id `id` were received at or after `since_ms` (milliseconds
    /// since the epoch), for `--max-per-id-per-day`. Served by the `(consent_id, updated_at)`
    /// unique index.
    fn count_for_id_since(&self, id: &str, since_ms: i64) -> Result<u64, StoreError>;
    /// Consent ids and `updated_at` of every stored receipt, oldest row first (for tests and
    /// audits).
    fn keys(&self) -> Result<Vec<(String, String)>, StoreError>;
}

/// Version of the table layout, kept in the `schema_version` table of either backend.
/// 1: the `receipts` table as documented in README.md "Schema".
pub const SCHEMA_VERSION: i64 = 1;

/// Connections in the PostgreSQL pool unless `--pool-size` says otherwise: as many as the
/// blocking threads that run store calls (`server.rs`), so no call waits for a connection.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// Whether `--db` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens the store `--db` names, creating or migrating its schema: a `postgres://` or
/// `postgresql://` URL is PostgreSQL (with `pool_size` connections), anything else a SQLite
/// file, created if missing.
pub fn open(db: &str, pool_size: u32) -> Result<Box<dyn ReceiptStore>, StoreError> {
    if is_postgres_url(db) {
        Ok(Box::new(PostgresStore::open(db, pool_size)?))
    } else {
        Ok(Box::new(SqliteStore::open(Path::new(db))?))
    }
}

/// `--db` as it may be printed: a URL's password replaced by `***`.
pub fn display_db(db: &str) -> String {
    if !is_postgres_url(db) {
        return db.to_owned();
    }
    let (scheme, rest) = db.split_once("://").unwrap_or(("", db));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => db.to_owned(),
        },
        None => db.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_forms() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("receipts.sqlite"));
        assert!(!is_postgres_url("./postgres://x"));
        assert_eq!(
            display_db("postgres://u:secret@h:5432/db?sslmode=disable"),
            "postgres://u:***@h:5432/db?sslmode=disable"
        );
        assert_eq!(display_db("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(display_db("r.sqlite"), "r.sqlite");
    }

    #[test]
    fn a_connection_failure_at_open_is_a_clear_error() {
        let err = open("postgres://postgres@127.0.0.1:1/none", 2)
            .err()
            .expect("nothing listens on port 1");
        assert!(
            err.0.starts_with(
                "cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/none: "
            ),
            "{err}"
        );
    }
}

/// The throwaway PostgreSQL server of the tests (shared with the integration tests).
#[cfg(test)]
#[path = "../../tests/common/pg.rs"]
pub(crate) mod test_pg;

/// The contract, as checks any backend must pass; each backend's tests run them.
#[cfg(test)]
pub(crate) mod contract {
    use super::*;
    use crate::receipt::tests::{good, with};
    use crate::time;

    /// `site, revision, method, receipt_json, received_at` of the only row.
    pub type Columns = (String, i64, String, String, String);

    fn receipt(body: &str) -> Receipt {
        Receipt::parse(body).unwrap()
    }

    pub fn insert_one(s: &dyn ReceiptStore) {
        let r = receipt(&good().to_string());
        assert_eq!(s.insert(&r).unwrap(), Inserted::Stored);
    }

    pub fn stores_once_and_reports_replays(s: &dyn ReceiptStore) {
        let r = receipt(&good().to_string());
        assert_eq!(s.insert(&r).unwrap(), Inserted::Stored);
        assert_eq!(s.insert(&r).unwrap(), Inserted::Replayed);
        // a change of mind (later updatedAt) is a new receipt for the same consent id
        let later = with("updatedAt", "2026-11-26T08:00:00Z".into());
        assert_eq!(s.insert(&receipt(&later)).unwrap(), Inserted::Stored);
        // the same instant written with milliseconds, whatever else differs, is a replay
        let mut same = good();
        same["updatedAt"] = "2026-11-26T08:00:00.000Z".into();
        same["lang"] = "de".into();
        assert_eq!(
            s.insert(&receipt(&same.to_string())).unwrap(),
            Inserted::Replayed
        );
        assert_eq!(s.count().unwrap(), 2);
        assert_eq!(
            s.keys().unwrap(),
            vec![
                (r.id.clone(), "2026-11-25T13:20:01.004Z".to_owned()),
                (r.id.clone(), "2026-11-26T08:00:00.000Z".to_owned()),
            ]
        );
    }

    pub fn stores_the_body_as_received(s: &dyn ReceiptStore, columns: impl FnOnce() -> Columns) {
        let body = format!(" {} ", good());
        s.insert(&receipt(&body)).unwrap();
        let (site, revision, method, json, received) = columns();
        assert_eq!(
            (site.as_str(), revision, method.as_str()),
            ("http://127.0.0.1:8000", 3, "custom")
        );
        assert_eq!(json, body);
        assert!(
            time::parse_iso(&received).unwrap() > time::parse_iso("2025-01-01T00:00:00Z").unwrap()
        );
    }

    /// `count_for_id_since` counts one id's rows received since a time.
    pub fn counts_per_id_since(s: &dyn ReceiptStore) {
        let id = receipt(&good().to_string()).id;
        assert_eq!(s.count_for_id_since(&id, 0).unwrap(), 0);
        let before = time::now_ms() - 1000;
        for i in 0..3 {
            let body = with("updatedAt", format!("2026-11-26T08:00:0{i}.000Z").into());
            assert_eq!(s.insert(&receipt(&body)).unwrap(), Inserted::Stored);
        }
        let other = with("id", "11111111-2222-4333-8444-555555555555".into());
        s.insert(&receipt(&other)).unwrap();
        assert_eq!(s.count_for_id_since(&id, before).unwrap(), 3);
        assert_eq!(s.count_for_id_since(&id, 0).unwrap(), 3);
        assert_eq!(
            s.count_for_id_since("11111111-2222-4333-8444-555555555555", before)
                .unwrap(),
            1
        );
        // received before `since`: not counted
        assert_eq!(
            s.count_for_id_since(&id, time::now_ms() + 60_000).unwrap(),
            0
        );
    }

    /// Four threads insert the same 25 receipts at once: each is stored exactly once.
    pub fn concurrent_inserts_each_store_once(s: &dyn ReceiptStore) {
        let bodies: Vec<String> = (0..25)
            .map(|i| with("updatedAt", format!("2026-11-26T08:00:{i:02}.000Z").into()))
            .collect();
        let stored: usize = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        bodies
                            .iter()
                            .filter(|b| s.insert(&receipt(b)).unwrap() == Inserted::Stored)
                            .count()
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        });
        assert_eq!(stored, 25);
        assert_eq!(s.count().unwrap(), 25);
    }
}
