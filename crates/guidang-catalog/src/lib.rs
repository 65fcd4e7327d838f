//! The catalog: one SQLite file holding the unit's settings, service items,
//! cases and their materials, operators, and an append-only, hash-chained
//! audit log.
//!
//! Every connection runs in WAL mode with foreign keys on. Schema changes are
//! embedded migrations applied in one transaction; `PRAGMA user_version`
//! records the schema version and an older binary refuses a newer catalog.
//! Every change that matters happens inside one transaction together with its
//! audit entry, so a crash leaves either both or neither.
//!
//! This is the only crate that writes SQL, and no SQLite type leaves it.
//! Other crates reach the catalog through the typed functions of its modules
//! (`cases::detail`, `audit::append`, …) over two opaque handles: a [`Db`]
//! (`Catalog::db`) to read, and a [`Tx`], the open transaction that
//! `Catalog::transaction` hands its closure, to write (or to read inside the
//! transaction with `Tx::db`). A write therefore cannot happen outside a
//! transaction.

pub mod audit;
pub mod batches;
pub mod care;
pub mod cases;
pub mod checks;
mod error;
pub mod intake;
pub mod migrations;
pub mod operators;
pub mod packages;
pub mod settings;

use std::path::{Path, PathBuf};

pub use error::CatalogError;

/// Result of catalog operations.
pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

/// An open catalog.
pub struct Catalog {
    conn: rusqlite::Connection,
    path: PathBuf,
}

impl Catalog {
    /// Opens (creating if needed) the catalog file at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Catalog> {
        let conn = rusqlite::Connection::open(path).map_err(|e| CatalogError::Open {
            path: path.to_path_buf(),
            source: e,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut cat = Catalog {
            conn,
            path: path.to_path_buf(),
        };
        migrations::migrate(&mut cat.conn)?;
        Ok(cat)
    }

    /// Opens an existing catalog file read-only, as it is: no migration, no
    /// change of journal mode, nothing written (for looking at a catalog
    /// that may be damaged or newer than this binary before replacing it).
    pub fn open_read_only(path: &Path) -> Result<Catalog> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| CatalogError::Open {
            path: path.to_path_buf(),
            source: e,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Catalog {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Writes a consistent snapshot of the catalog to `dest` with SQLite's
    /// online backup API (other connections may keep writing meanwhile).
    pub fn snapshot_to(&self, dest: &Path) -> Result<()> {
        let mut to = rusqlite::Connection::open(dest).map_err(|e| CatalogError::Open {
            path: dest.to_path_buf(),
            source: e,
        })?;
        {
            let b = rusqlite::backup::Backup::new(&self.conn, &mut to)?;
            b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        // A snapshot is one self-contained file, not a WAL pair.
        to.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    }

    /// The catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read handle, for the query functions of this crate's modules.
    pub fn db(&self) -> Db<'_> {
        Db { conn: &self.conn }
    }

    /// Runs `f` in one immediate transaction: everything or nothing. `f`
    /// gets the write handle the changing functions of this crate's modules
    /// take.
    pub fn transaction<T, E: From<CatalogError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(CatalogError::from)?;
        let v = f(&Tx { tx: &tx })?;
        tx.commit().map_err(CatalogError::from)?;
        Ok(v)
    }
}

/// A read handle on an open catalog (`Catalog::db`, or `Tx::db` inside a
/// transaction): what the query functions of this crate's modules take.
/// Opaque: other crates can only pass it on.
#[derive(Clone, Copy)]
pub struct Db<'a> {
    conn: &'a rusqlite::Connection,
}

/// The write handle: one open immediate transaction, lent by
/// `Catalog::transaction` to its closure. The functions that change the
/// catalog take it, so no change happens outside a transaction. Opaque:
/// other crates can only pass it on.
pub struct Tx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
}

impl Tx<'_> {
    /// A read handle inside this transaction (it sees the transaction's own
    /// uncommitted changes).
    pub fn db(&self) -> Db<'_> {
        Db { conn: self.tx }
    }
}

/// Current time in China Standard Time, as stored in the catalog.
pub fn now_string() -> String {
    chrono::Utc::now()
        .with_timezone(&guidang_core::validate::cst())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog's own connection (not one a test opens beside it): WAL,
    /// foreign keys on, the latest schema.
    #[test]
    fn wal_foreign_keys_and_schema_version() {
        let d = tempfile::tempdir().unwrap();
        let c = Catalog::open(&d.path().join("catalog.sqlite")).unwrap();
        let conn = c.db().conn;
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, migrations::latest_version());
    }
}
