//! The catalog: one SQLite file holding the unit's settings, service items,
//! cases and their materials, operators, and an append-only, hash-chained
//! audit log.
//!
//! Every connection runs in WAL mode with foreign keys on. Schema changes are
//! embedded migrations applied in one transaction; `PRAGMA user_version`
//! records the schema version and an older binary refuses a newer catalog.
//! Every change that matters happens inside one transaction together with its
//! audit entry, so a crash leaves either both or neither.

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
pub use rusqlite;

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

    /// The connection, mutably (benchmark helpers that need their own
    /// transaction).
    #[doc(hidden)]
    pub fn conn_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }

    /// The catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying connection, for read-only queries of other crates.
    pub fn conn(&self) -> &rusqlite::Connection {
        &self.conn
    }

    /// Runs `f` in one immediate transaction: everything or nothing.
    pub fn transaction<T, E: From<CatalogError>>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(CatalogError::from)?;
        let v = f(&tx)?;
        tx.commit().map_err(CatalogError::from)?;
        Ok(v)
    }
}

/// Current time in China Standard Time, as stored in the catalog.
pub fn now_string() -> String {
    chrono::Utc::now()
        .with_timezone(&guidang_core::validate::cst())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
