//! The intake workstation's tables: trusted senders (transferring units and
//! their keys, trusted on first use after the archivist confirmed the
//! fingerprint against the signed paper list), receipts (one per batch
//! opened, with a decision per package) and holdings (accepted packages in
//! the archive's storage, with the mapping from each material to its
//! catalogue entry). Holdings are never deleted or changed (triggers).

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Db, Result, Tx};

/// A trusted transferring unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// Row id.
    pub id: i64,
    /// 行政区划码.
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// Unit name.
    pub unit_name: String,
    /// Suite code.
    pub suite: String,
    /// The batch signer whose key was confirmed.
    pub operator: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
    /// When trusted.
    pub trusted_at: String,
    /// Who confirmed the fingerprint.
    pub trusted_by: String,
}

/// The trusted sender for a unit.
pub fn sender(db: Db<'_>, region: &str, fonds: &str) -> Result<Option<Sender>> {
    let conn = db.conn;
    Ok(conn
        .query_row(
            "SELECT id, region, fonds, unit_name, suite, operator, public_key, fingerprint, trusted_at, trusted_by
             FROM senders WHERE region = ?1 AND fonds = ?2",
            [region, fonds],
            |r| {
                Ok(Sender {
                    id: r.get(0)?,
                    region: r.get(1)?,
                    fonds: r.get(2)?,
                    unit_name: r.get(3)?,
                    suite: r.get(4)?,
                    operator: r.get(5)?,
                    public_key: r.get(6)?,
                    fingerprint: r.get(7)?,
                    trusted_at: r.get(8)?,
                    trusted_by: r.get(9)?,
                })
            },
        )
        .optional()?)
}

/// Trusts (or re-trusts, after a confirmed key change) a unit's batch key;
/// returns the sender id.
pub fn trust_sender(tx: &Tx<'_>, s: &Sender) -> Result<i64> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO senders(region, fonds, unit_name, suite, operator, public_key, fingerprint, trusted_at, trusted_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(region, fonds) DO UPDATE SET unit_name = excluded.unit_name, suite = excluded.suite,
           operator = excluded.operator, public_key = excluded.public_key, fingerprint = excluded.fingerprint,
           trusted_at = excluded.trusted_at, trusted_by = excluded.trusted_by",
        params![s.region, s.fonds, s.unit_name, s.suite, s.operator, s.public_key, s.fingerprint, s.trusted_at, s.trusted_by],
    )?;
    Ok(conn.query_row(
        "SELECT id FROM senders WHERE region = ?1 AND fonds = ?2",
        [&s.region, &s.fonds],
        |r| r.get(0),
    )?)
}

/// A sealing key of a sender's operator (learnt from a trusted batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderKey {
    /// Operator.
    pub operator: String,
    /// Suite code.
    pub suite: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
}

/// Adds sealing keys of a sender (existing ones are kept).
pub fn add_sender_keys(tx: &Tx<'_>, sender_id: i64, keys: &[SenderKey]) -> Result<()> {
    let conn: &Connection = tx.tx;
    let mut st = conn.prepare(
        "INSERT OR IGNORE INTO sender_keys(sender_id, operator, suite, public_key, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for k in keys {
        st.execute(params![
            sender_id,
            k.operator,
            k.suite,
            k.public_key,
            k.fingerprint
        ])?;
    }
    Ok(())
}

/// Every sealing key of a sender.
pub fn sender_keys(db: Db<'_>, sender_id: i64) -> Result<Vec<SenderKey>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT operator, suite, public_key, fingerprint FROM sender_keys WHERE sender_id = ?1",
    )?;
    let rows = st
        .query_map([sender_id], |r| {
            Ok(SenderKey {
                operator: r.get(0)?,
                suite: r.get(1)?,
                public_key: r.get(2)?,
                fingerprint: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A batch opened at the intake workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Row id.
    pub id: i64,
    /// 批次编号.
    pub batch_no: String,
    /// Batch digest.
    pub batch_digest: String,
    /// Its algorithm.
    pub digest_algo: String,
    /// The batch it corrects.
    pub corrects: Option<String>,
    /// Transferring unit.
    pub unit_name: String,
    /// 移交人.
    pub transferred_by: String,
    /// Signer's fingerprint.
    pub fingerprint: String,
    /// Media opened (JSON list of paths).
    pub media: String,
    /// When opened.
    pub opened_at: String,
    /// By whom.
    pub opened_by: String,
    /// Overall check verdict code.
    pub verdict: String,
    /// Batch-level findings (JSON).
    pub findings: String,
    /// `open` or `received`.
    pub status: String,
    /// When received.
    pub received_at: Option<String>,
    /// By whom.
    pub received_by: Option<String>,
    /// Packages accepted.
    pub accepted: u32,
    /// Packages returned.
    pub returned: u32,
}

const RECEIPT: &str = "SELECT id, batch_no, batch_digest, digest_algo, corrects, unit_name, transferred_by, fingerprint, media, opened_at, opened_by, verdict, findings, status, received_at, received_by, accepted, returned FROM receipts";

fn receipt_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Receipt> {
    Ok(Receipt {
        id: r.get(0)?,
        batch_no: r.get(1)?,
        batch_digest: r.get(2)?,
        digest_algo: r.get(3)?,
        corrects: r.get(4)?,
        unit_name: r.get(5)?,
        transferred_by: r.get(6)?,
        fingerprint: r.get(7)?,
        media: r.get(8)?,
        opened_at: r.get(9)?,
        opened_by: r.get(10)?,
        verdict: r.get(11)?,
        findings: r.get(12)?,
        status: r.get(13)?,
        received_at: r.get(14)?,
        received_by: r.get(15)?,
        accepted: r.get(16)?,
        returned: r.get(17)?,
    })
}

/// One package of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptItem {
    /// 序号 in the batch.
    pub seq: u32,
    /// 电子文件号.
    pub efile_no: String,
    /// 办件编号.
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// 事项名称.
    pub item_name: String,
    /// Size per the manifest.
    pub size: u64,
    /// Digest per the manifest.
    pub digest: String,
    /// Where it was found on the media (absent when missing).
    pub path: Option<String>,
    /// Check verdict code.
    pub verdict: String,
    /// Return reason suggested from the failed items.
    pub suggested: Option<String>,
    /// `pending`, `accept` or `return`.
    pub decision: String,
    /// Return reason as decided.
    pub reason: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The manifest entry (JSON).
    pub manifest: String,
}

/// Registers an opened batch and its packages; returns the receipt id.
pub fn insert_receipt(tx: &Tx<'_>, r: &Receipt, items: &[ReceiptItem]) -> Result<i64> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO receipts(batch_no, batch_digest, digest_algo, corrects, sender_id, unit_name, transferred_by, fingerprint, media, opened_at, opened_by, verdict, findings, status)
         VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'open')",
        params![r.batch_no, r.batch_digest, r.digest_algo, r.corrects, r.unit_name, r.transferred_by, r.fingerprint, r.media, r.opened_at, r.opened_by, r.verdict, r.findings],
    )?;
    let id = conn.last_insert_rowid();
    let mut st = conn.prepare(
        "INSERT INTO receipt_items(receipt_id, seq, efile_no, case_no, case_name, item_name, size, digest, path, verdict, suggested, decision, reason, decided_by, decided_at, manifest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for i in items {
        st.execute(params![
            id,
            i.seq,
            i.efile_no,
            i.case_no,
            i.case_name,
            i.item_name,
            i.size as i64,
            i.digest,
            i.path,
            i.verdict,
            i.suggested,
            i.decision,
            i.reason,
            i.decided_by,
            i.decided_at,
            i.manifest
        ])?;
    }
    Ok(id)
}

/// Drops an open receipt that is being replaced by a fresh opening of the
/// same batch (decisions are carried over by the caller).
pub fn drop_open_receipt(tx: &Tx<'_>, id: i64) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "DELETE FROM receipt_items WHERE receipt_id = ?1 AND EXISTS (SELECT 1 FROM receipts WHERE id = ?1 AND status = 'open')",
        [id],
    )?;
    conn.execute(
        "DELETE FROM receipts WHERE id = ?1 AND status = 'open'",
        [id],
    )?;
    Ok(())
}

/// Receipts, newest first.
pub fn receipts(db: Db<'_>) -> Result<Vec<Receipt>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!("{RECEIPT} ORDER BY id DESC"))?;
    let rows = st
        .query_map([], receipt_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Receipts of a batch digest (to spot replays), newest first.
pub fn receipts_of_digest(db: Db<'_>, digest: &str) -> Result<Vec<Receipt>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!(
        "{RECEIPT} WHERE batch_digest = ?1 ORDER BY id DESC"
    ))?;
    let rows = st
        .query_map([digest], receipt_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The packages of a receipt, in order.
pub fn receipt_items(db: Db<'_>, receipt_id: i64) -> Result<Vec<ReceiptItem>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT seq, efile_no, case_no, case_name, item_name, size, digest, path, verdict, suggested, decision, reason, decided_by, decided_at, manifest
         FROM receipt_items WHERE receipt_id = ?1 ORDER BY seq",
    )?;
    let rows = st
        .query_map([receipt_id], |r| {
            Ok(ReceiptItem {
                seq: r.get(0)?,
                efile_no: r.get(1)?,
                case_no: r.get(2)?,
                case_name: r.get(3)?,
                item_name: r.get(4)?,
                size: r.get::<_, i64>(5)? as u64,
                digest: r.get(6)?,
                path: r.get(7)?,
                verdict: r.get(8)?,
                suggested: r.get(9)?,
                decision: r.get(10)?,
                reason: r.get(11)?,
                decided_by: r.get(12)?,
                decided_at: r.get(13)?,
                manifest: r.get(14)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Records a decision on one package of an open receipt; false if the
/// package is not in it.
pub fn decide(
    tx: &Tx<'_>,
    receipt_id: i64,
    efile_no: &str,
    decision: &str,
    reason: Option<&str>,
    by: &str,
    at: &str,
) -> Result<bool> {
    let conn: &Connection = tx.tx;
    let n = conn.execute(
        "UPDATE receipt_items SET decision = ?3, reason = ?4, decided_by = ?5, decided_at = ?6
         WHERE receipt_id = ?1 AND efile_no = ?2",
        params![receipt_id, efile_no, decision, reason, by, at],
    )?;
    Ok(n > 0)
}

/// Marks a receipt received with its counts.
pub fn mark_received(
    tx: &Tx<'_>,
    receipt_id: i64,
    at: &str,
    by: &str,
    accepted: u32,
    returned: u32,
) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "UPDATE receipts SET status = 'received', received_at = ?2, received_by = ?3, accepted = ?4, returned = ?5 WHERE id = ?1",
        params![receipt_id, at, by, accepted, returned],
    )?;
    Ok(())
}

/// An accepted package in the archive's storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// 电子文件号.
    pub efile_no: String,
    /// 批次编号 it came in.
    pub batch_no: String,
    /// Path relative to the data directory.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Digest.
    pub digest: String,
    /// When accepted.
    pub accepted_at: String,
    /// By whom.
    pub accepted_by: String,
    /// 办件编号.
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// 事项编码.
    pub item_code: String,
    /// 事项名称.
    pub item_name: String,
    /// 年度.
    pub year: i32,
    /// 保管期限.
    pub retention: String,
    /// 申请人.
    pub applicant: String,
    /// 办结日期.
    pub completed_on: String,
    /// 开放利用意见.
    pub open_opinion: String,
    /// When it was destroyed after appraisal (its catalogue entry stays).
    pub destroyed_at: Option<String>,
}

/// A material of an accepted package and where it sits in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldingMaterial {
    /// 件内顺序号.
    pub seq: u32,
    /// Category.
    pub category: String,
    /// Original name.
    pub name: String,
    /// Entry path inside the package.
    pub entry: String,
    /// Format.
    pub format: String,
    /// Bytes.
    pub size: u64,
    /// Digest.
    pub digest: String,
}

/// Registers an accepted package and its materials.
pub fn insert_holding(
    tx: &Tx<'_>,
    receipt_id: i64,
    h: &Holding,
    materials: &[HoldingMaterial],
) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO holdings(efile_no, receipt_id, batch_no, path, size, digest_algo, digest, accepted_at, accepted_by, case_no, case_name, item_code, item_name, year, retention, applicant, completed_on, open_opinion)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![h.efile_no, receipt_id, h.batch_no, h.path, h.size as i64, h.digest_algo, h.digest, h.accepted_at, h.accepted_by, h.case_no, h.case_name, h.item_code, h.item_name, h.year, h.retention, h.applicant, h.completed_on, h.open_opinion],
    )?;
    let id = conn.last_insert_rowid();
    let mut st = conn.prepare(
        "INSERT INTO holding_materials(holding_id, seq, category, name, entry, format, size, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for m in materials {
        st.execute(params![
            id,
            m.seq,
            m.category,
            m.name,
            m.entry,
            m.format,
            m.size as i64,
            m.digest
        ])?;
    }
    Ok(())
}

/// An accepted package by 电子文件号: (batch, accepted at).
pub fn holding_of(db: Db<'_>, efile_no: &str) -> Result<Option<(String, String)>> {
    let conn = db.conn;
    Ok(conn
        .query_row(
            "SELECT batch_no, accepted_at FROM holdings WHERE efile_no = ?1",
            [efile_no],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Every accepted package, in order of acceptance.
pub fn holdings(db: Db<'_>) -> Result<Vec<Holding>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT efile_no, batch_no, path, size, digest_algo, digest, accepted_at, accepted_by, case_no, case_name, item_code, item_name, year, retention, applicant, completed_on, open_opinion, destroyed_at FROM holdings ORDER BY id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Holding {
                efile_no: r.get(0)?,
                batch_no: r.get(1)?,
                path: r.get(2)?,
                size: r.get::<_, i64>(3)? as u64,
                digest_algo: r.get(4)?,
                digest: r.get(5)?,
                accepted_at: r.get(6)?,
                accepted_by: r.get(7)?,
                case_no: r.get(8)?,
                case_name: r.get(9)?,
                item_code: r.get(10)?,
                item_name: r.get(11)?,
                year: r.get(12)?,
                retention: r.get(13)?,
                applicant: r.get(14)?,
                completed_on: r.get(15)?,
                open_opinion: r.get(16)?,
                destroyed_at: r.get(17)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Accepted packages still held (not destroyed).
pub fn holdings_kept(db: Db<'_>) -> Result<Vec<Holding>> {
    Ok(holdings(db)?
        .into_iter()
        .filter(|h| h.destroyed_at.is_none())
        .collect())
}

/// Marks a holding destroyed and enters it in the holdings' destruction
/// register (call inside the transaction that also audits it).
pub fn record_holding_destruction(
    tx: &Tx<'_>,
    efile_no: &str,
    d: &crate::care::Destruction,
) -> Result<()> {
    let conn: &Connection = tx.tx;
    let id: i64 = conn.query_row(
        "SELECT id FROM holdings WHERE efile_no = ?1",
        [efile_no],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO holding_destructions(holding_id, case_no, efile_no, case_name, item_name, year, retention, retention_end, package_digest, package_size, digest_algo, approved_by, approval_doc, destroyed_at, destroyed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![id, d.case_no, d.efile_no, d.case_name, d.item_name, d.year, d.retention, d.retention_end, d.package_digest, d.package_size.map(|s| s as i64), d.digest_algo, d.approved_by, d.approval_doc, d.destroyed_at, d.destroyed_by],
    )?;
    conn.execute(
        "UPDATE holdings SET destroyed_at = ?2 WHERE id = ?1",
        params![id, d.destroyed_at],
    )?;
    Ok(())
}

/// The materials of an accepted package.
pub fn holding_materials(db: Db<'_>, efile_no: &str) -> Result<Vec<HoldingMaterial>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT m.seq, m.category, m.name, m.entry, m.format, m.size, m.digest FROM holding_materials m
         JOIN holdings h ON h.id = m.holding_id WHERE h.efile_no = ?1 ORDER BY m.seq",
    )?;
    let rows = st
        .query_map([efile_no], |r| {
            Ok(HoldingMaterial {
                seq: r.get(0)?,
                category: r.get(1)?,
                name: r.get(2)?,
                entry: r.get(3)?,
                format: r.get(4)?,
                size: r.get::<_, i64>(5)? as u64,
                digest: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Sets the sender of a receipt.
pub fn set_receipt_sender(tx: &Tx<'_>, receipt_id: i64, sender_id: i64) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "UPDATE receipts SET sender_id = ?2 WHERE id = ?1",
        params![receipt_id, sender_id],
    )?;
    Ok(())
}

/// Sets a case's return reason (hall side), or clears it.
pub fn set_return_reason(tx: &Tx<'_>, case_id: i64, reason: Option<&str>) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "UPDATE cases SET return_reason = ?2 WHERE id = ?1",
        params![case_id, reason],
    )?;
    Ok(())
}

/// A receiving archivist's key the hall has confirmed (against the printed
/// receipt) for return files from that receiving unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverKey {
    /// Receiving unit's 行政区划码.
    pub region: String,
    /// Receiving unit's 全宗号.
    pub fonds: String,
    /// Receiving unit's name.
    pub unit_name: String,
    /// The archivist who signs.
    pub archivist: String,
    /// Suite code.
    pub suite: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
    /// When confirmed.
    pub trusted_at: String,
    /// Who confirmed.
    pub trusted_by: String,
}

/// The confirmed archivists' keys of a receiving unit.
pub fn receiver_keys(db: Db<'_>, region: &str, fonds: &str) -> Result<Vec<ReceiverKey>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT region, fonds, unit_name, archivist, suite, public_key, fingerprint, trusted_at, trusted_by
         FROM receiver_keys WHERE region = ?1 AND fonds = ?2 ORDER BY trusted_at",
    )?;
    let rows = st
        .query_map([region, fonds], |r| {
            Ok(ReceiverKey {
                region: r.get(0)?,
                fonds: r.get(1)?,
                unit_name: r.get(2)?,
                archivist: r.get(3)?,
                suite: r.get(4)?,
                public_key: r.get(5)?,
                fingerprint: r.get(6)?,
                trusted_at: r.get(7)?,
                trusted_by: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// How many receiving archivists' keys the hall has confirmed, for any
/// receiving unit.
pub fn receiver_key_count(db: Db<'_>) -> Result<i64> {
    let conn = db.conn;
    Ok(conn.query_row("SELECT count(*) FROM receiver_keys", [], |r| r.get(0))?)
}

/// Records a confirmed receiving archivist's key (again: no change).
pub fn trust_receiver(tx: &Tx<'_>, k: &ReceiverKey) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT OR IGNORE INTO receiver_keys(region, fonds, unit_name, archivist, suite, public_key, fingerprint, trusted_at, trusted_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![k.region, k.fonds, k.unit_name, k.archivist, k.suite, k.public_key, k.fingerprint, k.trusted_at, k.trusted_by],
    )?;
    Ok(())
}
