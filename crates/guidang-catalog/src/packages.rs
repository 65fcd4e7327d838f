//! Sealed packages registered in the catalog.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Db, Result, Tx};

/// A registered package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRow {
    /// 办件编号.
    pub case_no: String,
    /// 电子文件号.
    pub efile_no: String,
    /// Path relative to the data directory.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Digest of the whole ZIP.
    pub digest: String,
    /// Sealing time.
    pub sealed_at: String,
    /// Operator who sealed.
    pub sealed_by: String,
    /// Key fingerprint.
    pub fingerprint: String,
}

/// Registers (or, for a re-sealed case, replaces) the package of a case.
pub fn upsert(tx: &Tx<'_>, case_id: i64, p: &PackageRow) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO packages(case_id, efile_no, path, size, digest_algo, digest, sealed_at, sealed_by, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(case_id) DO UPDATE SET efile_no = excluded.efile_no, path = excluded.path, size = excluded.size,
            digest_algo = excluded.digest_algo, digest = excluded.digest, sealed_at = excluded.sealed_at,
            sealed_by = excluded.sealed_by, fingerprint = excluded.fingerprint",
        params![case_id, p.efile_no, p.path, p.size as i64, p.digest_algo, p.digest, p.sealed_at, p.sealed_by, p.fingerprint],
    )?;
    Ok(())
}

/// Forgets the package of a case whose content was corrected (its file
/// has been set aside under `packages/superseded/`; the audit log keeps
/// its digest). Returns whether there was one.
pub fn forget(tx: &Tx<'_>, case_id: i64) -> Result<bool> {
    let conn: &Connection = tx.tx;
    Ok(conn.execute("DELETE FROM packages WHERE case_id = ?1", [case_id])? > 0)
}

const SELECT: &str = "SELECT c.case_no, p.efile_no, p.path, p.size, p.digest_algo, p.digest, p.sealed_at, p.sealed_by, p.fingerprint
    FROM packages p JOIN cases c ON c.id = p.case_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PackageRow> {
    Ok(PackageRow {
        case_no: r.get(0)?,
        efile_no: r.get(1)?,
        path: r.get(2)?,
        size: r.get::<_, i64>(3)? as u64,
        digest_algo: r.get(4)?,
        digest: r.get(5)?,
        sealed_at: r.get(6)?,
        sealed_by: r.get(7)?,
        fingerprint: r.get(8)?,
    })
}

/// The package of a case.
pub fn get(db: Db<'_>, case_no: &str) -> Result<Option<PackageRow>> {
    let conn = db.conn;
    Ok(conn
        .query_row(&format!("{SELECT} WHERE c.case_no = ?1"), [case_no], row)
        .optional()?)
}

/// The case a registered package belongs to, by 电子文件号: (case id,
/// case status code, registered package digest).
pub fn registration(db: Db<'_>, efile_no: &str) -> Result<Option<(i64, String, String)>> {
    let conn = db.conn;
    Ok(conn
        .query_row(
            "SELECT c.id, c.status, p.digest FROM cases c JOIN packages p ON p.case_id = c.id WHERE c.efile_no = ?1",
            [efile_no],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// Every package whose case is not destroyed (what is still held), by
/// 电子文件号, in one query.
pub fn list_kept(db: Db<'_>) -> Result<Vec<PackageRow>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!(
        "{SELECT} WHERE c.status <> 'destroyed' ORDER BY p.efile_no"
    ))?;
    let rows = st.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every package, by 电子文件号.
pub fn list(db: Db<'_>) -> Result<Vec<PackageRow>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!("{SELECT} ORDER BY p.efile_no"))?;
    let rows = st.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
