//! Caring for the holdings: the record of backups and routine inspections,
//! the destruction register (销毁清册, append-only), and the queries that
//! routine inspection and retention appraisal need.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Db, Result, Tx};

/// A backup generation as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRow {
    /// Generation name (timestamp).
    pub generation: String,
    /// When.
    pub created_at: String,
    /// The backup folder of this unit on the drive.
    pub dest: String,
    /// Files in the generation (the catalog included).
    pub files: u32,
    /// Their bytes.
    pub bytes: u64,
    /// Files copied this time.
    pub copied: u32,
    /// Bytes copied this time.
    pub copied_bytes: u64,
    /// Digest of the signed backup manifest.
    pub manifest_digest: String,
    /// Fingerprint of the backup-signing key.
    pub fingerprint: String,
}

/// Records a verified backup.
pub fn record_backup(tx: &Tx<'_>, b: &BackupRow) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO backups(generation, created_at, dest, files, bytes, copied, copied_bytes, manifest_digest, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![b.generation, b.created_at, b.dest, b.files, b.bytes as i64, b.copied, b.copied_bytes as i64, b.manifest_digest, b.fingerprint],
    )?;
    Ok(())
}

/// The latest backup, if any.
pub fn last_backup(db: Db<'_>) -> Result<Option<BackupRow>> {
    let conn = db.conn;
    Ok(conn
        .query_row(
            "SELECT generation, created_at, dest, files, bytes, copied, copied_bytes, manifest_digest, fingerprint FROM backups ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(BackupRow {
                    generation: r.get(0)?,
                    created_at: r.get(1)?,
                    dest: r.get(2)?,
                    files: r.get(3)?,
                    bytes: r.get::<_, i64>(4)? as u64,
                    copied: r.get(5)?,
                    copied_bytes: r.get::<_, i64>(6)? as u64,
                    manifest_digest: r.get(7)?,
                    fingerprint: r.get(8)?,
                })
            },
        )
        .optional()?)
}

/// A routine inspection as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionRow {
    /// When.
    pub inspected_at: String,
    /// By whom.
    pub inspected_by: String,
    /// `sound` or `damaged`.
    pub verdict: String,
    /// Items checked.
    pub checked: u32,
    /// Problems found.
    pub damaged: u32,
    /// Problems repaired from a backup.
    pub repaired: u32,
    /// The report as JSON.
    pub report: String,
}

/// Records a routine inspection.
pub fn record_inspection(tx: &Tx<'_>, i: &InspectionRow) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO inspections(inspected_at, inspected_by, verdict, checked, damaged, repaired, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![i.inspected_at, i.inspected_by, i.verdict, i.checked, i.damaged, i.repaired, i.report],
    )?;
    Ok(())
}

/// A stored material blob that inspection must find intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// Digest (the blob's name in the store).
    pub digest: String,
    /// Digest algorithm name.
    pub digest_algo: String,
    /// Bytes.
    pub size: u64,
}

/// Every material blob of a case that is not destroyed (each once).
pub fn live_blobs(db: Db<'_>) -> Result<Vec<BlobRef>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT DISTINCT m.digest, m.digest_algo, m.size FROM materials m JOIN cases c ON c.id = m.case_id
         WHERE c.status <> 'destroyed' ORDER BY m.digest",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(BlobRef {
                digest: r.get(0)?,
                digest_algo: r.get(1)?,
                size: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Whether a blob is still used by a case that is not destroyed (other than
/// `except_case`).
pub fn blob_used_elsewhere(db: Db<'_>, digest: &str, except_case: i64) -> Result<bool> {
    let conn = db.conn;
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM materials m JOIN cases c ON c.id = m.case_id
          WHERE m.digest = ?1 AND c.id <> ?2 AND c.status <> 'destroyed')",
        params![digest, except_case],
        |r| r.get(0),
    )?)
}

/// When a case was last handed over: the first write of the carriers of
/// the latest written batch holding it.
pub fn transferred_on(db: Db<'_>, case_id: i64) -> Result<Option<String>> {
    let conn = db.conn;
    Ok(conn.query_row(
        "SELECT MAX(first) FROM (SELECT MIN(bc.first_written_at) AS first FROM batch_items bi
           JOIN batch_carriers bc ON bc.batch_id = bi.batch_id WHERE bi.case_id = ?1 GROUP BY bi.batch_id)",
        [case_id],
        |r| r.get(0),
    )?)
}

/// One entry of the destruction register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destruction {
    /// 办件编号.
    pub case_no: String,
    /// 电子文件号.
    pub efile_no: String,
    /// 题名.
    pub case_name: String,
    /// 事项名称.
    pub item_name: String,
    /// 年度.
    pub year: i32,
    /// 保管期限.
    pub retention: String,
    /// Last day of retention.
    pub retention_end: String,
    /// Package digest (what was destroyed).
    pub package_digest: Option<String>,
    /// Package bytes.
    pub package_size: Option<u64>,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Who approved.
    pub approved_by: String,
    /// Approval document number (批准文号).
    pub approval_doc: String,
    /// When destroyed.
    pub destroyed_at: String,
    /// By whom.
    pub destroyed_by: String,
}

/// Appends to the destruction register.
pub fn record_destruction(tx: &Tx<'_>, case_id: i64, d: &Destruction) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO destructions(case_id, case_no, efile_no, case_name, item_name, year, retention, retention_end, package_digest, package_size, digest_algo, approved_by, approval_doc, destroyed_at, destroyed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![case_id, d.case_no, d.efile_no, d.case_name, d.item_name, d.year, d.retention, d.retention_end, d.package_digest, d.package_size.map(|s| s as i64), d.digest_algo, d.approved_by, d.approval_doc, d.destroyed_at, d.destroyed_by],
    )?;
    Ok(())
}

/// The destruction register, in order: the hall's records and the intake
/// side's holdings (a data directory has one role, so one of the two).
pub fn destructions(db: Db<'_>) -> Result<Vec<Destruction>> {
    let conn = db.conn;
    let cols = "case_no, efile_no, case_name, item_name, year, retention, retention_end, package_digest, package_size, digest_algo, approved_by, approval_doc, destroyed_at, destroyed_by";
    let mut st = conn.prepare(&format!(
        "SELECT {cols} FROM (SELECT 0 AS k, id, {cols} FROM destructions
                              UNION ALL SELECT 1 AS k, id, {cols} FROM holding_destructions)
         ORDER BY k, id"
    ))?;
    let rows = st
        .query_map([], |r| {
            Ok(Destruction {
                case_no: r.get(0)?,
                efile_no: r.get(1)?,
                case_name: r.get(2)?,
                item_name: r.get(3)?,
                year: r.get(4)?,
                retention: r.get(5)?,
                retention_end: r.get(6)?,
                package_digest: r.get(7)?,
                package_size: r.get::<_, Option<i64>>(8)?.map(|s| s as u64),
                digest_algo: r.get(9)?,
                approved_by: r.get(10)?,
                approval_doc: r.get(11)?,
                destroyed_at: r.get(12)?,
                destroyed_by: r.get(13)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `PRAGMA integrity_check`: the problems found (empty when sound).
pub fn integrity_check(db: Db<'_>) -> Result<Vec<String>> {
    let conn = db.conn;
    let mut st = conn.prepare("PRAGMA integrity_check")?;
    let rows = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}
