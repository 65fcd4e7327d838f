//! Transfer batches (移交批次) and opinions on opening for use. Batches are
//! immutable once written (SQLite triggers refuse updates of their content
//! and deletions); only their status moves on.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Db, Result, Tx};

/// A batch as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// 批次编号.
    pub batch_no: String,
    /// When created.
    pub created_at: String,
    /// 移交人.
    pub created_by: String,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Batch digest (of the manifest bytes).
    pub digest: String,
    /// Signer's key fingerprint.
    pub fingerprint: String,
    /// The batch it corrects.
    pub corrects: Option<String>,
    /// Packages.
    pub packages: u32,
    /// Bytes of packages.
    pub bytes: u64,
    /// Folder of the manifest, relative to the data directory.
    pub path: String,
    /// `created`, `written`, `transferred`.
    pub status: String,
}

/// The next two-digit sequence number for batches starting with `prefix`.
pub fn next_seq(db: Db<'_>, prefix: &str) -> Result<u32> {
    let conn = db.conn;
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM batches WHERE batch_no LIKE ?1 || '%'",
        [prefix],
        |r| r.get(0),
    )?;
    Ok(n as u32 + 1)
}

/// Registers a batch and its items (case ids in order).
pub fn insert(tx: &Tx<'_>, b: &BatchRow, items: &[(i64, String)]) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO batches(batch_no, created_at, created_by, digest_algo, digest, fingerprint, corrects, packages, bytes, path, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![b.batch_no, b.created_at, b.created_by, b.digest_algo, b.digest, b.fingerprint, b.corrects, b.packages, b.bytes as i64, b.path, b.status],
    )?;
    let id = conn.last_insert_rowid();
    let mut st = conn.prepare(
        "INSERT INTO batch_items(batch_id, seq, case_id, efile_no) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, (case_id, efile_no)) in items.iter().enumerate() {
        st.execute(params![id, i as i64 + 1, case_id, efile_no])?;
    }
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchRow> {
    Ok(BatchRow {
        batch_no: r.get(0)?,
        created_at: r.get(1)?,
        created_by: r.get(2)?,
        digest_algo: r.get(3)?,
        digest: r.get(4)?,
        fingerprint: r.get(5)?,
        corrects: r.get(6)?,
        packages: r.get(7)?,
        bytes: r.get::<_, i64>(8)? as u64,
        path: r.get(9)?,
        status: r.get(10)?,
    })
}

const SELECT: &str = "SELECT batch_no, created_at, created_by, digest_algo, digest, fingerprint, corrects, packages, bytes, path, status FROM batches";

/// One batch.
pub fn get(db: Db<'_>, batch_no: &str) -> Result<Option<BatchRow>> {
    let conn = db.conn;
    Ok(conn
        .query_row(&format!("{SELECT} WHERE batch_no = ?1"), [batch_no], row)
        .optional()?)
}

/// Every batch, newest first.
pub fn list(db: Db<'_>) -> Result<Vec<BatchRow>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!("{SELECT} ORDER BY id DESC"))?;
    let rows = st.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The batch a case is in (latest), if any.
pub fn batch_of_case(db: Db<'_>, case_id: i64) -> Result<Option<String>> {
    let conn = db.conn;
    Ok(conn
        .query_row(
            "SELECT b.batch_no FROM batch_items i JOIN batches b ON b.id = i.batch_id WHERE i.case_id = ?1 ORDER BY b.id DESC LIMIT 1",
            [case_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Sets an item's default opinion on opening for use.
pub fn set_item_open(
    tx: &Tx<'_>,
    item_code: &str,
    opinion: &str,
    reason: Option<&str>,
) -> Result<bool> {
    let conn: &Connection = tx.tx;
    Ok(conn.execute(
        "UPDATE items SET open_opinion = ?2, open_reason = ?3 WHERE code = ?1",
        params![item_code, opinion, reason],
    )? == 1)
}

/// Sets (or with `None`, clears) a case's own opinion on opening for use.
pub fn set_case_open(
    tx: &Tx<'_>,
    case_no: &str,
    opinion: Option<&str>,
    reason: Option<&str>,
) -> Result<bool> {
    let conn: &Connection = tx.tx;
    Ok(conn.execute(
        "UPDATE cases SET open_opinion = ?2, open_reason = ?3 WHERE case_no = ?1",
        params![case_no, opinion, reason],
    )? == 1)
}

/// A case's effective opinion: its own, else its item's default.
pub fn open_opinion(db: Db<'_>, case_no: &str) -> Result<(String, Option<String>)> {
    let conn = db.conn;
    Ok(conn.query_row(
        "SELECT COALESCE(c.open_opinion, i.open_opinion), CASE WHEN c.open_opinion IS NULL THEN i.open_reason ELSE c.open_reason END
         FROM cases c JOIN items i ON i.code = c.item_code WHERE c.case_no = ?1",
        [case_no],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// A carrier of a batch as written and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierRow {
    /// The media plan format it was written from (`guidang-media-plan/1`:
    /// the old layout; `/2`: the transfer measures' layout).
    pub plan: String,
    /// Carrier number, from 1.
    pub carrier_no: u32,
    /// Number of carriers of the batch.
    pub carriers: u32,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Carrier digest (of its 载体清单.json).
    pub digest: String,
    /// Files on the carrier.
    pub files: u32,
    /// Bytes on the carrier.
    pub bytes: u64,
    /// First completed.
    pub first_written_at: String,
    /// Last completed (a copy or a resumed rewrite).
    pub last_written_at: String,
    /// Who wrote it (last).
    pub written_by: String,
    /// How many times a medium with this carrier was completed.
    pub copies: u32,
}

/// Records a carrier written and verified (again, for a further copy).
pub fn record_carrier(tx: &Tx<'_>, batch_no: &str, c: &CarrierRow) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO batch_carriers(batch_id, plan, carrier_no, carriers, digest_algo, digest, files, bytes, first_written_at, last_written_at, written_by, copies)
         SELECT id, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, 1 FROM batches WHERE batch_no = ?1
         ON CONFLICT(batch_id, plan, carrier_no) DO UPDATE SET last_written_at = excluded.last_written_at, written_by = excluded.written_by, copies = copies + 1",
        params![batch_no, c.carrier_no, c.carriers, c.digest_algo, c.digest, c.files, c.bytes as i64, c.last_written_at, c.written_by, c.plan],
    )?;
    Ok(())
}

/// Carriers written for a batch, from every plan (the old layout's first),
/// by number.
pub fn carriers(db: Db<'_>, batch_no: &str) -> Result<Vec<CarrierRow>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT c.carrier_no, c.carriers, c.digest_algo, c.digest, c.files, c.bytes, c.first_written_at, c.last_written_at, c.written_by, c.copies, c.plan
         FROM batch_carriers c JOIN batches b ON b.id = c.batch_id WHERE b.batch_no = ?1 ORDER BY c.plan, c.carrier_no",
    )?;
    let rows = st
        .query_map([batch_no], |r| {
            Ok(CarrierRow {
                carrier_no: r.get(0)?,
                carriers: r.get(1)?,
                digest_algo: r.get(2)?,
                digest: r.get(3)?,
                files: r.get(4)?,
                bytes: r.get::<_, i64>(5)? as u64,
                first_written_at: r.get(6)?,
                last_written_at: r.get(7)?,
                written_by: r.get(8)?,
                copies: r.get(9)?,
                plan: r.get(10)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Moves a batch's status on (`created` → `written` → `transferred`).
pub fn set_status(tx: &Tx<'_>, batch_no: &str, status: &str) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "UPDATE batches SET status = ?2 WHERE batch_no = ?1",
        params![batch_no, status],
    )?;
    Ok(())
}

/// Case ids of a batch, in order.
pub fn case_ids(db: Db<'_>, batch_no: &str) -> Result<Vec<i64>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT i.case_id FROM batch_items i JOIN batches b ON b.id = i.batch_id WHERE b.batch_no = ?1 ORDER BY i.seq",
    )?;
    let rows = st
        .query_map([batch_no], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(rows)
}
