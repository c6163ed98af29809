//! The store for several receivers: receipts in a PostgreSQL database (`--db postgres://…`),
//! over a pool of connections (r2d2 with the sync `postgres` client, since store calls already
//! run on tokio's blocking pool). It owns the PostgreSQL side of the schema and its migration,
//! and the session settings that keep `store/mod.rs`'s contract: `synchronous_commit = on`
//! whatever the server's default, so a commit is flushed (and, on a replicated server, as
//! durable as the server is configured to make it) before `insert` returns.

use super::{
    display_db, Inserted, ReceiptStore, Retention, Selection, StoreError, StoredReceipt,
    SCHEMA_VERSION,
};
use crate::receipt::Receipt;
use crate::time;
use postgres::{Client, Config, NoTls};
use r2d2_postgres::PostgresConnectionManager;
use std::time::Duration;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> StoreError {
        StoreError(describe(&e))
    }
}

/// The error with its causes: the client's `Display` alone says only "db error" for the
/// server's own messages.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> StoreError {
        StoreError(format!("no database connection: {e}"))
    }
}

/// The table layout, documented in README.md "Schema": SQLite's, in PostgreSQL's types.
const CREATE: &str = "
CREATE TABLE IF NOT EXISTS receipts (
    row_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consent_id   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    site         TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    method       TEXT NOT NULL,
    receipt_json TEXT NOT NULL,
    UNIQUE (consent_id, updated_at)
);";

/// Key of the advisory lock held while the schema is created or migrated, so receivers started
/// together on one database migrate one after the other ("optin" in ASCII).
const MIGRATION_LOCK: i64 = 0x6f_70_74_69_6e;

/// How long a request waits for a pooled connection (and a new connection for its handshake)
/// before it fails with 500; below the default request timeout (10 s).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Receipts in a PostgreSQL database: every insert is one statement in autocommit mode, so its
/// own transaction, committed before `insert` returns.
pub struct PostgresStore {
    /// Always `Some` but in `drop`.
    pool: Option<Pool>,
}

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

impl Drop for PostgresStore {
    /// The sync client closes its connection on a runtime of its own, which tokio forbids on
    /// its worker threads (where the server drops the store as it stops): so the pool is dropped
    /// on a plain thread.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// Settings of every pooled session.
#[derive(Debug)]
struct Session;

impl r2d2::CustomizeConnection<Client, postgres::Error> for Session {
    fn on_acquire(&self, client: &mut Client) -> Result<(), postgres::Error> {
        client.batch_execute("SET synchronous_commit = on")
    }
}

impl PostgresStore {
    /// Connects to the database `url` names, creates or migrates the schema, and opens a pool of
    /// `pool_size` connections. Errors name the URL without its password.
    pub fn open(url: &str, pool_size: u32) -> Result<PostgresStore, StoreError> {
        let shown = display_db(url);
        let mut config: Config = url
            .parse()
            .map_err(|e| StoreError(format!("bad PostgreSQL URL {shown}: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECTION_TIMEOUT);
        }
        let mut client = config.connect(NoTls).map_err(|e| {
            StoreError(format!(
                "cannot connect to PostgreSQL at {shown}: {}",
                describe(&e)
            ))
        })?;
        migrate(&mut client).map_err(|e| StoreError(format!("schema of {shown}: {e}")))?;
        drop(client);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(CONNECTION_TIMEOUT)
            .connection_customizer(Box::new(Session))
            .build(PostgresConnectionManager::new(config, NoTls))
            .map_err(|e| {
                StoreError(format!(
                    "cannot connect to PostgreSQL at {shown}: {}",
                    describe(&e)
                ))
            })?;
        Ok(PostgresStore { pool: Some(pool) })
    }

    /// Runs `f` on a pooled connection (for tests and audits that read other columns).
    pub fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> T) -> Result<T, StoreError> {
        Ok(f(&mut *self.connection()?))
    }

    fn connection(
        &self,
    ) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, StoreError> {
        Ok(self.pool.as_ref().expect("open until dropped").get()?)
    }
}

/// Creates or migrates the schema in one transaction, under an advisory lock so that receivers
/// started at once on a new database do not race.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // Read before any CREATE, so a receiver whose user may only read and insert starts on a
    // database that is up to date.
    let made: bool = tx
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
        .get(0);
    let recorded: Option<i32> = if made {
        tx.query_one("SELECT MAX(version) FROM schema_version", &[])?
            .get(0)
    } else {
        None
    };
    let version = i64::from(recorded.unwrap_or(0));
    if version == SCHEMA_VERSION {
        return Ok(tx.commit()?);
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError(format!(
            "the database has schema version {version}, newer than this receiver's \
             ({SCHEMA_VERSION})"
        )));
    }
    // Version 0 (a new database) to 1: the receipts table. Later versions add their steps here.
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    tx.batch_execute(CREATE)?;
    if version != SCHEMA_VERSION {
        tx.execute("DELETE FROM schema_version", &[])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(SCHEMA_VERSION as i32)],
        )?;
    }
    tx.commit()?;
    Ok(())
}

impl ReceiptStore for PostgresStore {
    fn insert(&self, receipt: &Receipt) -> Result<Inserted, StoreError> {
        let mut client = self.connection()?;
        // canonical form, so the same instant written with or without milliseconds is the
        // same key
        let updated_at = time::format_iso(receipt.updated_at);
        let received_at = time::format_iso(time::now_ms());
        let method = receipt.method.as_str();
        let changed = client.execute(
            "INSERT INTO receipts
                 (consent_id, updated_at, received_at, site, revision, method, receipt_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (consent_id, updated_at) DO NOTHING",
            &[
                &receipt.id,
                &updated_at,
                &received_at,
                &receipt.site,
                &i64::from(receipt.revision),
                &method,
                &receipt.json,
            ],
        )?;
        Ok(Inserted::from_rows_changed(changed))
    }

    fn ping(&self) -> Result<(), StoreError> {
        // Checking a connection out of the pool already tests it; the query also reads the
        // database (the schema is there, the user may read it).
        self.connection()?
            .query_one("SELECT COUNT(*) FROM schema_version", &[])?;
        Ok(())
    }

    fn count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .connection()?
            .query_one("SELECT COUNT(*) FROM receipts", &[])?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn count_for_id_since(&self, id: &str, since_ms: i64) -> Result<u64, StoreError> {
        // received_at is canonical ISO text: in byte order ("C") it sorts as the instants do
        let since = time::format_iso(since_ms.max(0));
        let n: i64 = self
            .connection()?
            .query_one(
                "SELECT COUNT(*) FROM receipts
                 WHERE consent_id = $1 AND received_at >= $2 COLLATE \"C\"",
                &[&id, &since],
            )?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.connection()?.query(
            "SELECT consent_id, updated_at FROM receipts ORDER BY row_id",
            &[],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn export(
        &self,
        selection: &Selection,
        each: &mut dyn FnMut(StoredReceipt) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let (since, until) = selection.bounds();
        // Canonical ISO text compares as the instants do in byte order ("C"), whatever the
        // database's collation; an empty site list means any site.
        let sql = "SELECT received_at, receipt_json FROM receipts
             WHERE ($1::text IS NULL OR updated_at >= $1 COLLATE \"C\")
               AND ($2::text IS NULL OR updated_at < $2 COLLATE \"C\")
               AND (cardinality($3::text[]) = 0 OR site = ANY($3))
             ORDER BY updated_at COLLATE \"C\", consent_id COLLATE \"C\"";
        let mut client = self.connection()?;
        // A read-only snapshot, read through a portal EXPORT_BATCH rows at a time: the server
        // sorts (spilling to disk past work_mem) and only one batch is ever in memory here.
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let portal = tx.bind(sql, &[&since, &until, &selection.sites])?;
        let mut n = 0;
        loop {
            let rows = tx.query_portal(&portal, EXPORT_BATCH)?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                each(StoredReceipt {
                    received_at: row.get(0),
                    json: row.get(1),
                })?;
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    fn count_prunable(&self, rule: &Retention) -> Result<u64, StoreError> {
        let n: i64 = self
            .connection()?
            .query_one(
                &format!("SELECT COUNT(*) FROM receipts r WHERE {PRUNABLE}"),
                &[&rule.cutoff(), &rule.include_latest],
            )?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn prune(&self, rule: &Retention) -> Result<u64, StoreError> {
        let sql = format!(
            "DELETE FROM receipts WHERE row_id IN (
                 SELECT row_id FROM receipts r WHERE row_id > $3 AND {PRUNABLE}
                 ORDER BY row_id LIMIT $4)
             RETURNING row_id"
        );
        let (cutoff, batch) = (rule.cutoff(), rule.batch.max(1));
        let (mut after, mut deleted) = (0i64, 0u64);
        let mut client = self.connection()?;
        let statement = client.prepare(&sql)?;
        loop {
            // One statement in autocommit per batch: its own short transaction, its row locks
            // released before the next.
            let rows = client.query(
                &statement,
                &[&cutoff, &rule.include_latest, &after, &i64::from(batch)],
            )?;
            deleted += rows.len() as u64;
            // The scan goes on after the batch's last row (by the primary key), so the whole
            // prune reads the table once, whatever the number of batches.
            match rows.iter().map(|r| r.get::<_, i64>(0)).max() {
                Some(last) if rows.len() as u32 == batch => after = last,
                _ => return Ok(deleted),
            }
        }
    }
}

/// Rows an export reads from the server at a time: at most 4 MiB of 8 KiB bodies in memory.
const EXPORT_BATCH: i32 = 500;

/// Which rows of `receipts r` prune deletes: received before `$1` and, unless `$2`
/// (`include_latest`), not their consent id's latest (a later `updatedAt` of the same id exists;
/// served by the `(consent_id, updated_at)` unique index).
const PRUNABLE: &str = "r.received_at < $1 COLLATE \"C\" AND ($2 OR EXISTS (
    SELECT 1 FROM receipts n
    WHERE n.consent_id = r.consent_id AND n.updated_at > r.updated_at COLLATE \"C\"))";

#[cfg(test)]
mod tests {
    use super::super::{contract, test_pg::PgServer};
    use super::*;

    fn columns(s: &PostgresStore) -> contract::Columns {
        s.with_client(|c| {
            let r = c
                .query_one(
                    "SELECT site, revision, method, receipt_json, received_at FROM receipts",
                    &[],
                )
                .unwrap();
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
        })
        .unwrap()
    }

    #[test]
    fn stores_once_and_reports_replays() {
        let pg = PgServer::start();
        contract::stores_once_and_reports_replays(&PostgresStore::open(&pg.url(), 2).unwrap());
    }

    #[test]
    fn stores_the_body_as_received_and_the_columns() {
        let pg = PgServer::start();
        let s = PostgresStore::open(&pg.url(), 2).unwrap();
        contract::stores_the_body_as_received(&s, || columns(&s));
    }

    #[test]
    fn counts_per_id_since() {
        let pg = PgServer::start();
        contract::counts_per_id_since(&PostgresStore::open(&pg.url(), 2).unwrap());
    }

    #[test]
    fn concurrent_inserts_each_store_once() {
        let pg = PgServer::start();
        contract::concurrent_inserts_each_store_once(&PostgresStore::open(&pg.url(), 4).unwrap());
    }

    /// One server for both: each test starts a server of its own, about a second each.
    #[test]
    fn exports_by_site_and_updated_at_and_prunes_old_receipts() {
        let pg = PgServer::start();
        let s = PostgresStore::open(&pg.url(), 2).unwrap();
        let clear = || {
            s.with_client(|c| c.batch_execute("DELETE FROM receipts"))
                .unwrap()
                .unwrap()
        };
        contract::exports_by_site_and_updated_at(&s);
        clear();
        contract::exports_more_rows_than_a_batch(&s);
        clear();
        contract::prunes_old_receipts_but_keeps_each_latest(&s, &|id, updated, received| {
            s.with_client(|c| {
                c.execute(
                    "UPDATE receipts SET received_at = $3 WHERE consent_id = $1 AND updated_at = $2",
                    &[&id, &updated, &received],
                )
            })
            .unwrap()
            .unwrap();
        });
    }

    #[test]
    fn reopens_migrates_and_refuses_a_newer_schema() {
        let pg = PgServer::start();
        let url = pg.url();
        contract::insert_one(&PostgresStore::open(&url, 2).unwrap());
        // two receivers opening one database at once: both start, the schema is made once
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| PostgresStore::open(&url, 1));
            let b = s.spawn(|| PostgresStore::open(&url, 1));
            (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
        });
        assert_eq!((a.count().unwrap(), b.count().unwrap()), (1, 1));
        let versions: Vec<i32> = a
            .with_client(|c| {
                let rows = c.query("SELECT version FROM schema_version", &[]).unwrap();
                rows.iter().map(|r| r.get(0)).collect()
            })
            .unwrap();
        assert_eq!(versions, [1]);
        // a user that may only read and insert (PostgreSQL 15: no CREATE on schema public)
        a.with_client(|c| {
            c.batch_execute(
                "CREATE ROLE optin_app LOGIN;
                 GRANT SELECT, INSERT ON receipts TO optin_app;
                 GRANT SELECT ON schema_version TO optin_app;",
            )
        })
        .unwrap()
        .unwrap();
        let app_url = format!("postgres://optin_app@127.0.0.1:{}/postgres", pg.port());
        let app = PostgresStore::open(&app_url, 1).unwrap();
        let later = Receipt::parse(&crate::receipt::tests::with(
            "updatedAt",
            "2026-11-26T08:00:00Z".into(),
        ))
        .unwrap();
        assert_eq!(app.insert(&later).unwrap(), Inserted::Stored);
        assert_eq!(app.count().unwrap(), 2);
        a.with_client(|c| c.execute("UPDATE schema_version SET version = 2", &[]))
            .unwrap()
            .unwrap();
        let err = PostgresStore::open(&url, 1).err().unwrap();
        assert!(
            err.0
                .ends_with("the database has schema version 2, newer than this receiver's (1)"),
            "{err}"
        );
    }

    #[test]
    fn errors_say_what_the_server_said() {
        let pg = PgServer::start();
        let url = format!("postgres://postgres@127.0.0.1:{}/nosuchdb", pg.port());
        let err = PostgresStore::open(&url, 1).err().unwrap();
        assert_eq!(
            err.0,
            format!(
                "cannot connect to PostgreSQL at {url}: db error: FATAL: database \"nosuchdb\" \
                 does not exist"
            )
        );
    }

    #[test]
    fn a_lost_server_is_an_error_not_an_acknowledgement() {
        let mut pg = PgServer::start();
        let s = PostgresStore::open(&pg.url(), 2).unwrap();
        contract::insert_one(&s);
        pg.stop();
        let r = Receipt::parse(&crate::receipt::tests::with(
            "updatedAt",
            "2026-11-26T08:00:00Z".into(),
        ))
        .unwrap();
        assert!(s.insert(&r).is_err());
    }
}
