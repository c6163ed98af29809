//! Where receipts go: the `ReceiptStore` contract, its outcome and error types, and `open`, which
//! picks the backend from `--db` (a file path: SQLite; a `postgres://` or `postgresql://` URL:
//! PostgreSQL).
//!
//! The HTTP layer only knows the trait. The contract every backend keeps: `insert` returns only
//! once the receipt is committed and durable (a receipt acknowledged with 201 survives the
//! process being killed), a receipt with the same consent id and `updatedAt` (canonical form) as
//! a stored one is a replay and changes nothing, and nothing about the sender (IP address, user
//! agent) is ever stored. Both backends keep the same table (`receipts`) and the same
//! `schema_version` table, created or migrated at start in one transaction. The operator
//! commands' side of the contract is here too: what `export` reads (`Selection`, streamed in a
//! total order) and what `prune` deletes (`Retention`, in batches, each id's latest kept).

mod postgres;
mod sqlite;

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

use crate::receipt::Receipt;
use crate::time;
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
    /// Calls `each` with every receipt `selection` picks, in the order of `updatedAt`, then
    /// consent id (the unique key, so the order is total and the same on both stores), reading
    /// rows as they come rather than the whole table at once; one consistent snapshot. Stops at
    /// the first error, `each`'s included. Returns how many receipts `each` got.
    fn export(
        &self,
        selection: &Selection,
        each: &mut dyn FnMut(StoredReceipt) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError>;
    /// How many receipts `prune` would delete under `rule` now.
    fn count_prunable(&self, rule: &Retention) -> Result<u64, StoreError>;
    /// Deletes the receipts `rule` covers, `rule.batch` rows per transaction (so a big prune
    /// never holds the write lock for long, and receipts keep being stored meanwhile). Returns
    /// how many were deleted.
    fn prune(&self, rule: &Retention) -> Result<u64, StoreError>;
    /// Whether the database answers: one cheap query that reads it (`GET /health`).
    fn ping(&self) -> Result<(), StoreError>;
}

/// Which receipts `export` reads. The time range is on the receipt's own `updatedAt` (when the
/// visitor made that choice), not on when it was received: README.md "Export and retention".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Receipts for these sites (the receipt's `site`); any site when empty.
    pub sites: Vec<String>,
    /// `updatedAt` at or after this instant (milliseconds since the epoch).
    pub since_ms: Option<i64>,
    /// `updatedAt` before this instant.
    pub until_ms: Option<i64>,
}

impl Selection {
    /// The bounds as stored `updated_at` text (canonical ISO text sorts as the instants do).
    pub(crate) fn bounds(&self) -> (Option<String>, Option<String>) {
        let iso = |ms: Option<i64>| ms.map(|ms| time::format_iso(ms.max(0)));
        (iso(self.since_ms), iso(self.until_ms))
    }
}

/// A stored receipt as `export` hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// When the receiver stored it, canonical ISO 8601 UTC.
    pub received_at: String,
    /// The request body exactly as received.
    pub json: String,
}

/// What `prune` deletes: receipts received before `received_before_ms`, except (unless
/// `include_latest`) each consent id's latest receipt (greatest `updatedAt`), which is the
/// consent in force and so the one a site most needs to demonstrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub received_before_ms: i64,
    pub include_latest: bool,
    /// Rows deleted per transaction (at least 1).
    pub batch: u32,
}

impl Retention {
    /// The cutoff as stored `received_at` text.
    pub(crate) fn cutoff(&self) -> String {
        time::format_iso(self.received_before_ms.max(0))
    }
}

/// Receipts deleted per transaction by `optin-receiver prune` unless `--batch` says otherwise:
/// a few milliseconds of lock each, so receipts arriving meanwhile wait at most that long.
pub const DEFAULT_PRUNE_BATCH: u32 = 1000;

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

/// Opens the store of an existing database, for the operator commands (`export`, `prune`): like
/// `open`, but a SQLite file that does not exist is an error rather than a new empty database
/// (a mistyped path must not export nothing, successfully).
pub fn open_existing(db: &str, pool_size: u32) -> Result<Box<dyn ReceiptStore>, StoreError> {
    if !is_postgres_url(db) && !Path::new(db).is_file() {
        return Err(StoreError(format!("no database file at {db}")));
    }
    open(db, pool_size)
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

    /// A receipt of consent id `id` for `site` with `updatedAt` `updated` (the other fields
    /// from `good`, `givenAt` early enough for any `updated`).
    pub fn body(id: &str, site: &str, updated: &str) -> String {
        let mut r = good();
        r["id"] = id.into();
        r["site"] = site.into();
        r["updatedAt"] = updated.into();
        r["givenAt"] = "2026-10-01T00:00:00Z".into();
        r.to_string()
    }

    const ID1: &str = "11111111-2222-4333-8444-555555555555";
    const ID2: &str = "22222222-2222-4333-8444-555555555555";
    const ID3: &str = "33333333-2222-4333-8444-555555555555";
    const ID4: &str = "44444444-2222-4333-8444-555555555555";

    /// The bodies `export` hands out for `selection`, checking each one's `received_at`.
    fn exported(s: &dyn ReceiptStore, selection: &Selection) -> Vec<String> {
        let mut bodies = Vec::new();
        let n = s
            .export(selection, &mut |r| {
                assert!(time::parse_iso(&r.received_at).is_some(), "{r:?}");
                bodies.push(r.json);
                Ok(())
            })
            .unwrap();
        assert_eq!(n as usize, bodies.len());
        bodies
    }

    /// `export` picks by site and by `updatedAt` (`since` inclusive, `until` exclusive), in
    /// `updatedAt` then id order, bodies as received; an error from the caller stops it.
    pub fn exports_by_site_and_updated_at(s: &dyn ReceiptStore) {
        let (a, b) = ("https://a.example", "https://b.example");
        let bodies = [
            body(ID3, a, "2026-12-01T00:00:00Z"),
            body(ID2, b, "2026-11-15T00:00:00Z"),
            body(ID1, a, "2026-11-15T00:00:00.000Z"),
            body(ID1, a, "2026-11-01T10:00:00Z"),
        ];
        for b in &bodies {
            assert_eq!(s.insert(&receipt(b)).unwrap(), Inserted::Stored);
        }
        let [d, c, b_, a_] = bodies.each_ref().map(String::as_str);
        let ms = |iso: &str| time::parse_iso(iso);
        let all = Selection::default();
        assert_eq!(exported(s, &all), [a_, b_, c, d]);
        let site_a = Selection {
            sites: vec![a.into()],
            ..Selection::default()
        };
        assert_eq!(exported(s, &site_a), [a_, b_, d]);
        let since = Selection {
            since_ms: ms("2026-11-15T00:00:00Z"),
            ..Selection::default()
        };
        assert_eq!(exported(s, &since), [b_, c, d]);
        let until = Selection {
            until_ms: ms("2026-12-01T00:00:00Z"),
            ..Selection::default()
        };
        assert_eq!(exported(s, &until), [a_, b_, c]);
        let both = Selection {
            sites: vec![b.into(), a.into()],
            since_ms: ms("2026-11-02T00:00:00Z"),
            until_ms: ms("2026-11-30T00:00:00Z"),
        };
        assert_eq!(exported(s, &both), [b_, c]);
        let none = Selection {
            sites: vec!["https://c.example".into()],
            ..Selection::default()
        };
        assert!(exported(s, &none).is_empty());
        let mut calls = 0;
        let err = s
            .export(&all, &mut |_| {
                calls += 1;
                Err(StoreError("the output is gone".into()))
            })
            .unwrap_err();
        assert_eq!((err.0.as_str(), calls), ("the output is gone", 1));
    }

    /// An export longer than a batch of rows (PostgreSQL reads 500 at a time) comes whole and
    /// in order.
    pub fn exports_more_rows_than_a_batch(s: &dyn ReceiptStore) {
        let n = 1001;
        for i in 0..n {
            let id = format!("{:08x}-2222-4333-8444-555555555555", n - i);
            let updated = time::format_iso(time::parse_iso("2026-11-01T00:00:00Z").unwrap() + i);
            s.insert(&receipt(&body(&id, "https://a.example", &updated)))
                .unwrap();
        }
        let mut keys = Vec::new();
        let count = s
            .export(&Selection::default(), &mut |r| {
                let r = receipt(&r.json);
                keys.push((r.updated_at, r.id));
                Ok(())
            })
            .unwrap();
        assert_eq!((count, keys.len()), (n as u64, n as usize));
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "in updatedAt order");
    }

    /// `prune` deletes what was received before the cutoff (strictly), batch by batch, keeping
    /// each consent id's latest receipt unless told otherwise; `count_prunable` says as much
    /// beforehand. `backdate(id, updated_at, received_at)` sets a row's `received_at`.
    pub fn prunes_old_receipts_but_keeps_each_latest(
        s: &dyn ReceiptStore,
        backdate: &dyn Fn(&str, &str, &str),
    ) {
        let site = "https://a.example";
        let old = "2025-01-01T00:00:00.000Z";
        let cutoff = "2025-06-01T00:00:00.000Z";
        // ID1: three old receipts; ID2: one old; ID3: an old one and a new one; ID4: at the
        // cutoff exactly, so not before it.
        let rows = [
            (ID1, "2026-11-01T00:00:00.000Z", old),
            (ID1, "2026-11-02T00:00:00.000Z", old),
            (ID1, "2026-11-03T00:00:00.000Z", old),
            (ID2, "2026-11-01T00:00:00.000Z", old),
            (ID3, "2026-11-01T00:00:00.000Z", old),
            (ID3, "2026-11-02T00:00:00.000Z", ""),
            (ID4, "2026-11-01T00:00:00.000Z", cutoff),
        ];
        for (id, updated, received) in rows {
            s.insert(&receipt(&body(id, site, updated))).unwrap();
            if !received.is_empty() {
                backdate(id, updated, received);
            }
        }
        let mut rule = Retention {
            received_before_ms: time::parse_iso(cutoff).unwrap(),
            include_latest: false,
            batch: 2,
        };
        assert_eq!(s.count_prunable(&rule).unwrap(), 3);
        assert_eq!(s.prune(&rule).unwrap(), 3);
        let key = |id: &str, u: &str| (id.to_owned(), u.to_owned());
        let mut kept = s.keys().unwrap();
        kept.sort();
        assert_eq!(
            kept,
            [
                key(ID1, "2026-11-03T00:00:00.000Z"),
                key(ID2, "2026-11-01T00:00:00.000Z"),
                key(ID3, "2026-11-02T00:00:00.000Z"),
                key(ID4, "2026-11-01T00:00:00.000Z"),
            ]
        );
        assert_eq!(s.count_prunable(&rule).unwrap(), 0);
        assert_eq!(s.prune(&rule).unwrap(), 0);
        // with the latest ones: ID1's and ID2's remaining receipts are old too
        rule.include_latest = true;
        rule.batch = 1;
        assert_eq!(s.count_prunable(&rule).unwrap(), 2);
        assert_eq!(s.prune(&rule).unwrap(), 2);
        assert_eq!(s.count().unwrap(), 2);
        assert_eq!(s.prune(&rule).unwrap(), 0);
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
