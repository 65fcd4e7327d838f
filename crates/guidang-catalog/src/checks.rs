//! Recorded four-property check results: who, when, which stage, the
//! verdict and opinion, and every finding — so that transfer lists can quote
//! them and an auditor can see how a package was judged.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{Db, Result, Tx};

/// One finding as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    /// Item code, e.g. `GD-1-1-1`.
    pub item: String,
    /// `pass` / `fail` / `warn` / `not_checked`.
    pub verdict: String,
    /// Reason.
    pub reason: Option<String>,
    /// Entry concerned.
    pub entry: Option<String>,
}

/// A check of one package as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// 电子文件号.
    pub efile_no: String,
    /// `gd` / `yj`.
    pub stage: String,
    /// When.
    pub checked_at: String,
    /// Who.
    pub checked_by: String,
    /// Overall verdict.
    pub verdict: String,
    /// One-line opinion.
    pub opinion: String,
    /// Package digest checked.
    pub package_digest: Option<String>,
    /// Every finding.
    pub findings: Vec<StoredFinding>,
}

/// Stores a check (linked to the case with the same 电子文件号, if any).
pub fn record(tx: &Tx<'_>, c: &CheckRecord) -> Result<i64> {
    let conn: &Connection = tx.tx;
    let case_id: Option<i64> = conn
        .query_row(
            "SELECT id FROM cases WHERE efile_no = ?1",
            [&c.efile_no],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "INSERT INTO checks(efile_no, case_id, stage, checked_at, checked_by, verdict, opinion, package_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![c.efile_no, case_id, c.stage, c.checked_at, c.checked_by, c.verdict, c.opinion, c.package_digest],
    )?;
    let id = conn.last_insert_rowid();
    let mut st = conn.prepare("INSERT INTO check_findings(check_id, item, verdict, reason, entry) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for f in &c.findings {
        st.execute(params![id, f.item, f.verdict, f.reason, f.entry])?;
    }
    Ok(id)
}

/// The latest check of a package at a stage.
pub fn latest(db: Db<'_>, efile_no: &str, stage: &str) -> Result<Option<CheckRecord>> {
    let conn = db.conn;
    latest_where(conn, efile_no, stage, None)
}

/// The latest check at a stage of the package with exactly this digest
/// (the registered one): a check of some other copy of the package — a
/// damaged file elsewhere, an older seal — does not count for it.
pub fn latest_of_digest(
    db: Db<'_>,
    efile_no: &str,
    stage: &str,
    digest: &str,
) -> Result<Option<CheckRecord>> {
    let conn = db.conn;
    latest_where(conn, efile_no, stage, Some(digest))
}

fn latest_where(
    conn: &Connection,
    efile_no: &str,
    stage: &str,
    digest: Option<&str>,
) -> Result<Option<CheckRecord>> {
    let head = conn
        .query_row(
            "SELECT id, efile_no, stage, checked_at, checked_by, verdict, opinion, package_digest FROM checks
             WHERE efile_no = ?1 AND stage = ?2 AND (?3 IS NULL OR package_digest = ?3)
             ORDER BY id DESC LIMIT 1",
            params![efile_no, stage, digest],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    CheckRecord {
                        efile_no: r.get(1)?,
                        stage: r.get(2)?,
                        checked_at: r.get(3)?,
                        checked_by: r.get(4)?,
                        verdict: r.get(5)?,
                        opinion: r.get(6)?,
                        package_digest: r.get(7)?,
                        findings: Vec::new(),
                    },
                ))
            },
        )
        .optional()?;
    let Some((id, mut rec)) = head else {
        return Ok(None);
    };
    let mut st = conn.prepare("SELECT item, verdict, reason, entry FROM check_findings WHERE check_id = ?1 ORDER BY rowid")?;
    rec.findings = st
        .query_map([id], |r| {
            Ok(StoredFinding {
                item: r.get(0)?,
                verdict: r.get(1)?,
                reason: r.get(2)?,
                entry: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(rec))
}

/// Cases still sealed whose latest archiving check failed (work to do).
pub fn failed_sealed(db: Db<'_>) -> Result<u64> {
    let conn = db.conn;
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM cases c WHERE c.status = 'sealed' AND (
           SELECT verdict FROM checks k JOIN packages p ON p.case_id = c.id
           WHERE k.efile_no = c.efile_no AND k.stage = 'gd' AND k.package_digest = p.digest
           ORDER BY k.id DESC LIMIT 1
         ) = 'fail'",
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}
