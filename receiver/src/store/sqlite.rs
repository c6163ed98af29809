//! The embedded default store: receipts in one SQLite file, in WAL mode with
//! `synchronous = FULL`, on one connection behind a mutex (SQLite has one writer at a time
//! anyway). It owns the SQLite side of the schema and its migration; the contract it keeps is
//! `store/mod.rs`'s.

use super::{
    Inserted, ReceiptStore, Retention, Selection, StoreError, StoredReceipt, SCHEMA_VERSION,
};
use crate::receipt::Receipt;
use crate::time;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError(e.to_string())
    }
}

/// The table layout, documented in README.md "Schema".
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

/// Receipts in one SQLite database file: every insert is its own transaction, committed and
/// synced to disk before `insert` returns.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and creates or migrates its schema.
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

    fn init(mut conn: Connection) -> Result<SqliteStore, StoreError> {
        // FULL: a commit is synced before it returns, so an acknowledged receipt also survives a
        // power cut, not only a killed process (NORMAL would in WAL mode lose the last commits).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// The connection; a panic while it was held leaves it usable (each call is its own
    /// transaction).
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the connection (for tests and audits that read other columns).
    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&self.conn())
    }
}

/// Creates or migrates the schema in one transaction (taking the write lock first, so two
/// processes opening one new file do not both create it). Files of the first receiver have no
/// `schema_version` table: their layout version is `PRAGMA user_version` (1), which is also kept
/// up to date for tools that read it.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")?;
    let recorded: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    let version = match recorded {
        Some(v) => v,
        None => tx.query_row("PRAGMA user_version", [], |row| row.get(0))?,
    };
    if version > SCHEMA_VERSION {
        return Err(StoreError(format!(
            "the database has schema version {version}, newer than this receiver's \
             ({SCHEMA_VERSION})"
        )));
    }
    // Version 0 (a new file) to 1: the receipts table. Later versions add their steps here.
    tx.execute_batch(CREATE)?;
    if recorded != Some(SCHEMA_VERSION) {
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [SCHEMA_VERSION],
        )?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

impl ReceiptStore for SqliteStore {
    fn insert(&self, receipt: &Receipt) -> Result<Inserted, StoreError> {
        // One statement in autocommit mode is one transaction: committed (and, with
        // synchronous = FULL, synced) when `execute` returns.
        let changed = self.conn().execute(
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
        Ok(Inserted::from_rows_changed(changed as u64))
    }

    fn ping(&self) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.query_row("SELECT COUNT(*) FROM schema_version", [], |_| Ok(()))?;
        Ok(())
    }

    fn count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM receipts", [], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn count_for_id_since(&self, id: &str, since_ms: i64) -> Result<u64, StoreError> {
        // received_at is canonical ISO text: it sorts as the instants do
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM receipts WHERE consent_id = ?1 AND received_at >= ?2",
            params![id, time::format_iso(since_ms.max(0))],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT consent_id, updated_at FROM receipts ORDER BY row_id")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn export(
        &self,
        selection: &Selection,
        each: &mut dyn FnMut(StoredReceipt) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let (since, until) = selection.bounds();
        let mut sql = String::from(
            "SELECT received_at, receipt_json FROM receipts
             WHERE (?1 IS NULL OR updated_at >= ?1) AND (?2 IS NULL OR updated_at < ?2)",
        );
        if !selection.sites.is_empty() {
            let marks: Vec<String> = (0..selection.sites.len())
                .map(|i| format!("?{}", i + 3))
                .collect();
            sql.push_str(&format!(" AND site IN ({})", marks.join(", ")));
        }
        // No index on updated_at: SQLite sorts, spilling to temporary files beyond its cache,
        // so a big table is never held in memory, neither SQLite's nor ours.
        sql.push_str(" ORDER BY updated_at, consent_id");
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&since, &until];
        values.extend(selection.sites.iter().map(|s| s as &dyn rusqlite::ToSql));
        let conn = self.conn();
        // One statement is one read transaction: a consistent snapshot in WAL mode, while the
        // receiver keeps writing.
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(values.as_slice())?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            each(StoredReceipt {
                received_at: row.get(0)?,
                json: row.get(1)?,
            })?;
            n += 1;
        }
        Ok(n)
    }

    fn count_prunable(&self, rule: &Retention) -> Result<u64, StoreError> {
        let n: i64 = self.conn().query_row(
            &format!("SELECT COUNT(*) FROM receipts r WHERE {PRUNABLE}"),
            params![rule.cutoff(), rule.include_latest],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn prune(&self, rule: &Retention) -> Result<u64, StoreError> {
        let sql = format!(
            "DELETE FROM receipts WHERE row_id IN (
                 SELECT row_id FROM receipts r WHERE row_id > ?3 AND {PRUNABLE}
                 ORDER BY row_id LIMIT ?4)
             RETURNING row_id"
        );
        let (cutoff, batch) = (rule.cutoff(), rule.batch.max(1));
        let (mut after, mut deleted) = (0i64, 0u64);
        loop {
            // Each batch is one statement in autocommit, so its own short transaction; the
            // mutex (and SQLite's write lock) is released between batches.
            let ids: Vec<i64> = {
                let conn = self.conn();
                let mut stmt = conn.prepare(&sql)?;
                let rows = stmt
                    .query_map(params![cutoff, rule.include_latest, after, batch], |row| {
                        row.get(0)
                    })?;
                rows.collect::<Result<_, _>>()?
            };
            deleted += ids.len() as u64;
            // The scan goes on after the batch's last row (by the primary key), so the whole
            // prune reads the table once, whatever the number of batches.
            match ids.iter().max() {
                Some(&last) if ids.len() as u32 == batch => after = last,
                _ => return Ok(deleted),
            }
        }
    }
}

/// Which rows of `receipts r` prune deletes: received before `?1` and, unless `?2`
/// (`include_latest`), not their consent id's latest (a later `updatedAt` of the same id exists;
/// served by the `(consent_id, updated_at)` unique index).
const PRUNABLE: &str = "r.received_at < ?1 AND (?2 OR EXISTS (
    SELECT 1 FROM receipts n WHERE n.consent_id = r.consent_id AND n.updated_at > r.updated_at))";

#[cfg(test)]
mod tests {
    use super::super::contract;
    use super::*;

    fn columns(s: &SqliteStore) -> contract::Columns {
        s.with_connection(|c| {
            c.query_row(
                "SELECT site, revision, method, receipt_json, received_at FROM receipts",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap()
        })
    }

    #[test]
    fn stores_once_and_reports_replays() {
        contract::stores_once_and_reports_replays(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn stores_the_body_as_received_and_the_columns() {
        let s = SqliteStore::open_in_memory().unwrap();
        contract::stores_the_body_as_received(&s, || columns(&s));
    }

    #[test]
    fn counts_per_id_since() {
        contract::counts_per_id_since(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn concurrent_inserts_each_store_once() {
        contract::concurrent_inserts_each_store_once(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn exports_by_site_and_updated_at() {
        contract::exports_by_site_and_updated_at(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn exports_more_rows_than_a_batch() {
        contract::exports_more_rows_than_a_batch(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn prunes_old_receipts_but_keeps_each_latest() {
        let s = SqliteStore::open_in_memory().unwrap();
        contract::prunes_old_receipts_but_keeps_each_latest(&s, &|id, updated, received| {
            s.with_connection(|c| {
                c.execute(
                    "UPDATE receipts SET received_at = ?3 WHERE consent_id = ?1 AND updated_at = ?2",
                    params![id, updated, received],
                )
            })
            .unwrap();
        });
    }

    #[test]
    fn a_file_database_is_in_wal_mode_reopens_and_migrates() {
        let dir = std::env::temp_dir().join(format!("optin-receiver-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.sqlite");
        {
            let s = SqliteStore::open(&path).unwrap();
            contract::insert_one(&s);
            let mode: String = s
                .with_connection(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
                .unwrap();
            assert_eq!(mode, "wal");
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.count().unwrap(), 1);
        let version: i64 = s
            .with_connection(|c| {
                c.query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            })
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        drop(s);

        // A file of the first receiver (user_version 1, no schema_version table) is migrated.
        let old = dir.join("old.sqlite");
        {
            let c = Connection::open(&old).unwrap();
            c.execute_batch(CREATE).unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
        }
        let s = SqliteStore::open(&old).unwrap();
        let versions: Vec<i64> = s.with_connection(|c| {
            let mut st = c.prepare("SELECT version FROM schema_version").unwrap();
            let v = st.query_map([], |r| r.get(0)).unwrap();
            v.collect::<Result<_, _>>().unwrap()
        });
        assert_eq!(versions, [1]);
        drop(s);

        // A newer schema than this receiver knows is refused.
        {
            let c = Connection::open(&old).unwrap();
            c.execute("UPDATE schema_version SET version = 2", [])
                .unwrap();
        }
        let err = SqliteStore::open(&old).err().unwrap();
        assert_eq!(
            err.0,
            "the database has schema version 2, newer than this receiver's (1)"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
