//! Where receipts go: the `ReceiptStore` trait and its SQLite implementation.
//!
//! The HTTP layer only knows the trait, so another backend (PostgreSQL) is one more `impl`.
//! The contract every backend keeps: `insert` returns only once the receipt is durable (a
//! receipt acknowledged with 201 survives the process being killed), a receipt with the same
//! consent id and `updatedAt` as a stored one is a replay and changes nothing, and nothing about
//! the sender (IP address, user agent) is ever stored.

use crate::receipt::Receipt;
use crate::time;
use rusqlite::{params, Connection, OpenFlags};
use std::fmt;
use std::path::Path;
use std::time::Duration;

/// The outcome of a successful `insert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The receipt is new and now stored.
    Stored,
    /// A receipt with the same consent id and `updatedAt` is already stored; nothing changed.
    Replayed,
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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError(e.to_string())
    }
}

pub trait ReceiptStore: Send {
    /// Stores a validated receipt durably, stamped with the time it was received.
    fn insert(&mut self, receipt: &Receipt) -> Result<Inserted, StoreError>;
    /// How many receipts are stored.
    fn count(&self) -> Result<u64, StoreError>;
}

/// Version of the table layout below, kept in SQLite's `user_version`.
const LAYOUT_VERSION: i64 = 1;

/// The table layout, documented in README.md "SQLite schema".
const CREATE: &str = "
CREATE TABLE IF NOT EXISTS receipts (
    row_id       INTEGER PRIMARY KEY,
    consent_id   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    site         TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    method       TEXT NOT NULL,
    receipt_json TEXT NOT NULL,
    UNIQUE(consent_id, updated_at)
);";

/// Receipts in one SQLite database file, in WAL mode with `synchronous = FULL`: every insert is
/// its own transaction, committed and synced to disk before `insert` returns.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError(format!(
                "{} cannot be put in WAL mode (journal_mode is {mode})",
                path.display()
            )));
        }
        SqliteStore::init(conn)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<SqliteStore, StoreError> {
        // FULL: a commit is synced before it returns, so an acknowledged receipt also survives a
        // power cut, not only a killed process (NORMAL would in WAL mode lose the last commits).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > LAYOUT_VERSION {
            return Err(StoreError(format!(
                "the database has table layout {version}, newer than this receiver's \
                 ({LAYOUT_VERSION})"
            )));
        }
        conn.execute_batch(CREATE)?;
        conn.pragma_update(None, "user_version", LAYOUT_VERSION)?;
        Ok(SqliteStore { conn })
    }

    /// Consent ids and `updated_at` of every stored receipt, oldest row first (for tests and
    /// audits).
    pub fn keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT consent_id, updated_at FROM receipts ORDER BY row_id")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl ReceiptStore for SqliteStore {
    fn insert(&mut self, receipt: &Receipt) -> Result<Inserted, StoreError> {
        // One statement in autocommit mode is one transaction: committed (and, with
        // synchronous = FULL, synced) when `execute` returns.
        let changed = self.conn.execute(
            "INSERT INTO receipts
                 (consent_id, updated_at, received_at, site, revision, method, receipt_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (consent_id, updated_at) DO NOTHING",
            params![
                receipt.id,
                // canonical form, so the same instant written with or without milliseconds is
                // the same key
                time::format_iso(receipt.updated_at),
                time::format_iso(time::now_ms()),
                receipt.site,
                receipt.revision,
                receipt.method.as_str(),
                receipt.json,
            ],
        )?;
        Ok(if changed == 1 {
            Inserted::Stored
        } else {
            Inserted::Replayed
        })
    }

    fn count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM receipts", [], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::tests::{good, with};

    fn receipt(body: &str) -> Receipt {
        Receipt::parse(body).unwrap()
    }

    #[test]
    fn stores_once_and_reports_replays() {
        let mut s = SqliteStore::open_in_memory().unwrap();
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

    #[test]
    fn stores_the_body_as_received_and_the_columns() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let body = format!(" {} ", good());
        s.insert(&receipt(&body)).unwrap();
        let (site, revision, method, json, received): (String, i64, String, String, String) = s
            .conn
            .query_row(
                "SELECT site, revision, method, receipt_json, received_at FROM receipts",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            (site.as_str(), revision, method.as_str()),
            ("http://127.0.0.1:8000", 3, "custom")
        );
        assert_eq!(json, body);
        assert!(
            time::parse_iso(&received).unwrap() > time::parse_iso("2025-01-01T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn a_file_database_is_in_wal_mode_and_reopens() {
        let dir = std::env::temp_dir().join(format!("optin-receiver-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.sqlite");
        {
            let mut s = SqliteStore::open(&path).unwrap();
            s.insert(&receipt(&good().to_string())).unwrap();
            let mode: String = s
                .conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.count().unwrap(), 1);
        drop(s);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
