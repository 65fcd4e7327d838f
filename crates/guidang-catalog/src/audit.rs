//! The append-only audit log, hash-chained so that any edit, insertion or
//! deletion of history is detectable.
//!
//! Each entry's hash covers its own fields and the previous entry's hash,
//! length-prefixed so no two field lists hash alike. The head of the chain
//! (last sequence number and hash) is also kept in `settings`, updated in the
//! same transaction, so cutting entries off the end is detected too. SQLite
//! triggers refuse UPDATE and DELETE on the table; someone who drops them
//! with a raw SQLite tool still cannot rewrite history undetected without
//! recomputing every later hash *and* the head (which later artefacts —
//! seals, manifests, backups — also quote).

use guidang_core::DigestAlgo;
use rusqlite::{params, Connection, OptionalExtension};

use crate::{settings, Db, Result, Tx};

/// Hash of the (virtual) entry before the first.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Sequence number, from 1.
    pub seq: i64,
    /// When (RFC 3339, +08:00).
    pub at: String,
    /// Who (operator name, or `system`).
    pub actor: String,
    /// What, as a stable action code (`init`, `collect`, …).
    pub action: String,
    /// What it concerned (case number, operator…).
    pub subject: String,
    /// Details as compact JSON.
    pub detail: String,
    /// Digest algorithm of `hash`.
    pub algo: String,
    /// Previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

const SELECT: &str =
    "SELECT seq, at, actor, action, subject, detail, algo, prev_hash, hash FROM audit_log";

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        detail: r.get(5)?,
        algo: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

fn entry_hash(algo: DigestAlgo, e: &Entry) -> String {
    let mut h = algo.hasher();
    for f in [
        e.seq.to_string().as_str(),
        &e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.detail,
        &e.algo,
        &e.prev_hash,
    ] {
        h.update(f.len().to_string().as_bytes());
        h.update(b":");
        h.update(f.as_bytes());
    }
    h.finish_hex()
}

fn algo(conn: &Connection) -> Result<DigestAlgo> {
    Ok(settings::get(Db { conn }, "unit.suite")?
        .and_then(|s| guidang_core::Suite::from_code(&s))
        .map(|s| s.digest())
        .unwrap_or(DigestAlgo::Sha256))
}

/// Appends an entry. Call inside the transaction that makes the change.
pub fn append(
    tx: &Tx<'_>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<Entry> {
    let conn: &Connection = tx.tx;
    let algo = algo(conn)?;
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
    let mut e = Entry {
        seq: prev_seq + 1,
        at: crate::now_string(),
        actor: actor.into(),
        action: action.into(),
        subject: subject.into(),
        detail: detail.to_string(),
        algo: algo.name().into(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = entry_hash(algo, &e);
    conn.execute(
        "INSERT INTO audit_log(seq, at, actor, action, subject, detail, algo, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            e.seq,
            e.at,
            e.actor,
            e.action,
            e.subject,
            e.detail,
            e.algo,
            e.prev_hash,
            e.hash
        ],
    )?;
    settings::set(tx, "audit.head", &format!("{}:{}", e.seq, e.hash))?;
    Ok(e)
}

/// A break in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The entry concerned (0 for the head record).
    pub seq: i64,
    /// What is wrong, in Chinese.
    pub message: String,
}

/// Result of [`verify`].
#[derive(Debug, Clone)]
pub struct Report {
    /// Entries read.
    pub entries: i64,
    /// Hash of the last entry.
    pub head: String,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Re-computes the whole chain and compares it with the stored head.
pub fn verify(db: Db<'_>) -> Result<Report> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!("{SELECT} ORDER BY seq"))?;
    let rows = st.query_map([], entry_row)?;
    let mut problems = Vec::new();
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut entries = 0;
    for row in rows {
        let e = row?;
        entries += 1;
        if e.seq != expected_seq {
            problems.push(Problem {
                seq: e.seq,
                message: format!(
                    "序号不连续：应为 {expected_seq}，实为 {}（记录被删除或插入）",
                    e.seq
                ),
            });
        }
        if e.prev_hash != prev {
            problems.push(Problem {
                seq: e.seq,
                message: "前序哈希与上一条记录不符（上一条记录被修改、删除或插入）".into(),
            });
        }
        match DigestAlgo::from_name(&e.algo) {
            Some(a) if entry_hash(a, &e) == e.hash => {}
            Some(_) => problems.push(Problem {
                seq: e.seq,
                message: format!("第 {} 条记录的内容与其哈希不符（记录被修改）", e.seq),
            }),
            None => problems.push(Problem {
                seq: e.seq,
                message: format!("未知的摘要算法 {}", e.algo),
            }),
        }
        expected_seq = e.seq + 1;
        prev = e.hash;
    }
    let head = settings::get(db, "audit.head")?;
    let actual = (entries > 0).then(|| format!("{}:{}", expected_seq - 1, prev));
    if head != actual {
        problems.push(Problem {
            seq: 0,
            message: format!(
                "日志末端与记录的链头不符（记录的链头：{}，实际：{}），日志末尾的记录可能被删除",
                head.as_deref().unwrap_or("无"),
                actual.as_deref().unwrap_or("无")
            ),
        });
    }
    Ok(Report {
        entries,
        head: prev,
        problems,
    })
}

/// Every entry with this action, oldest first.
pub fn with_action(db: Db<'_>, action: &str) -> Result<Vec<Entry>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!("{SELECT} WHERE action = ?1 ORDER BY seq"))?;
    let rows = st.query_map([action], entry_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The entries about any of `subjects` (a case's number and its
/// 电子文件号), oldest first, at most `limit`.
pub fn about(db: Db<'_>, subjects: &[&str], limit: i64) -> Result<Vec<Entry>> {
    let conn = db.conn;
    let marks = vec!["?"; subjects.len()].join(", ");
    let mut st = conn.prepare(&format!(
        "SELECT * FROM ({SELECT} WHERE subject IN ({marks}) ORDER BY seq DESC LIMIT {limit}) ORDER BY seq"
    ))?;
    let rows = st.query_map(rusqlite::params_from_iter(subjects), entry_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The most recent `limit` entries, newest first.
pub fn recent(db: Db<'_>, limit: i64) -> Result<Vec<Entry>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!("{SELECT} ORDER BY seq DESC LIMIT ?1"))?;
    let rows = st.query_map([limit], entry_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
