//! Cases (办件) and their materials.

use guidang_core::{
    deadline, Applicant, ApplicantType, CaseKind, CaseRecord, CaseStatus, Category, IdType,
    ItemType, MaterialSpec, Retention, Secrecy, ServiceItem,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{Catalog, CatalogError, Db, Result, Tx};

/// A material ready to be registered (its content is already in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaterial {
    /// 件内顺序号, from 1.
    pub seq: u32,
    /// Category code.
    pub category: String,
    /// 标准名称.
    pub title: String,
    /// 实际名称: the original file name (NFC), as it will appear in the package.
    pub original_name: String,
    /// Path relative to the case folder it was collected from.
    pub source_name: String,
    /// Digest algorithm name.
    pub digest_algo: String,
    /// Content digest (hex) = store address.
    pub digest: String,
    /// Bytes.
    pub size: u64,
    /// Detected format (`pdf`, `jpeg`, …).
    pub format: String,
    /// The format's version or kind as the content says (`PDF 1.7`,
    /// `PDF/A-1b`, `JPEG`); empty when not known.
    pub format_version: String,
    /// A PDF's or OFD's pages, when known.
    pub pages: Option<u32>,
    /// An audio or video file's duration in milliseconds, when known.
    pub duration_ms: Option<u64>,
}

/// What identifies a stored case for idempotent import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// Row id.
    pub id: i64,
    /// Content fingerprint.
    pub fingerprint: String,
    /// Status.
    pub status: CaseStatus,
    /// 电子文件号.
    pub efile_no: String,
    /// Where it was collected from.
    pub source_path: String,
}

/// Looks a case up by 办件编号.
pub fn find(db: Db<'_>, case_no: &str) -> Result<Option<Existing>> {
    let conn = db.conn;
    conn.query_row(
        "SELECT id, fingerprint, status, efile_no, source_path FROM cases WHERE case_no = ?1",
        [case_no],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, String>(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        },
    )
    .optional()?
    .map(|(id, fingerprint, status, efile_no, source_path)| {
        Ok(Existing {
            id,
            fingerprint,
            status: CaseStatus::from_code(&status)
                .ok_or_else(|| CatalogError::Corrupt(format!("未知状态 {status}")))?,
            efile_no,
            source_path,
        })
    })
    .transpose()
}

/// The next free 件号 for an item, year and retention.
pub fn next_piece_no(db: Db<'_>, item_code: &str, year: i32, retention: Retention) -> Result<u32> {
    let conn = db.conn;
    let max: Option<u32> = conn.query_row(
        "SELECT MAX(piece_no) FROM cases WHERE item_code = ?1 AND year = ?2 AND retention = ?3",
        params![item_code, year, retention.code()],
        |r| r.get(0),
    )?;
    Ok(max.unwrap_or(0) + 1)
}

/// Everything needed to store a case.
pub struct NewCase<'a> {
    /// The validated metadata.
    pub record: &'a CaseRecord,
    /// 电子文件号.
    pub efile_no: String,
    /// 件号.
    pub piece_no: u32,
    /// Content fingerprint (metadata and material digests).
    pub fingerprint: String,
    /// Folder or ledger it came from.
    pub source_path: String,
    /// Its materials.
    pub materials: Vec<NewMaterial>,
}

fn insert_materials(conn: &Connection, case_id: i64, ms: &[NewMaterial]) -> Result<()> {
    let mut st = conn.prepare(
        "INSERT INTO materials(case_id, seq, category, title, original_name, source_name, digest_algo, digest, size, format,
             format_version, pages, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for m in ms {
        st.execute(params![
            case_id,
            m.seq,
            m.category,
            m.title,
            m.original_name,
            m.source_name,
            m.digest_algo,
            m.digest,
            m.size as i64,
            m.format,
            m.format_version,
            m.pages,
            m.duration_ms.map(|d| d as i64)
        ])?;
    }
    Ok(())
}

fn ts(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Inserts a new case with its materials; returns its id.
pub fn insert(tx: &Tx<'_>, c: &NewCase<'_>) -> Result<i64> {
    let conn: &Connection = tx.tx;
    let r = c.record;
    let now = crate::now_string();
    conn.execute(
        "INSERT INTO cases(case_no, efile_no, item_code, case_name, case_kind, applicant_name, applicant_type,
            applicant_id_type, applicant_id_no, accepting_unit, accepted_at, completed_at, result, result_license_no,
            retention, secrecy, year, piece_no, status, fingerprint, source_path, collected_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?22)",
        params![
            r.case_no,
            c.efile_no,
            r.item.code,
            r.case_name,
            r.case_kind.code(),
            r.applicant.name,
            r.applicant.kind.code(),
            r.applicant.id_type.code(),
            r.applicant.id_no,
            r.accepting_unit,
            ts(&r.accepted_at),
            ts(&r.completed_at),
            r.result,
            r.result_license_no,
            r.retention.code(),
            r.secrecy.code(),
            r.year(),
            c.piece_no,
            CaseStatus::Collected.code(),
            c.fingerprint,
            c.source_path,
            now,
        ],
    )?;
    let id = conn.last_insert_rowid();
    insert_materials(conn, id, &c.materials)?;
    Ok(id)
}

/// Replaces the content of an existing case (correction of a collected or
/// returned case); the case goes back to `collected`.
pub fn replace(tx: &Tx<'_>, id: i64, c: &NewCase<'_>) -> Result<()> {
    let conn: &Connection = tx.tx;
    let r = c.record;
    conn.execute("DELETE FROM materials WHERE case_id = ?1", [id])?;
    conn.execute(
        "UPDATE cases SET efile_no = ?2, item_code = ?3, case_name = ?4, case_kind = ?5, applicant_name = ?6,
            applicant_type = ?7, applicant_id_type = ?8, applicant_id_no = ?9, accepting_unit = ?10, accepted_at = ?11,
            completed_at = ?12, result = ?13, result_license_no = ?14, retention = ?15, secrecy = ?16, year = ?17,
            piece_no = ?18, status = ?19, fingerprint = ?20, source_path = ?21, updated_at = ?22,
            return_reason = NULL
         WHERE id = ?1",
        params![
            id,
            c.efile_no,
            r.item.code,
            r.case_name,
            r.case_kind.code(),
            r.applicant.name,
            r.applicant.kind.code(),
            r.applicant.id_type.code(),
            r.applicant.id_no,
            r.accepting_unit,
            ts(&r.accepted_at),
            ts(&r.completed_at),
            r.result,
            r.result_license_no,
            r.retention.code(),
            r.secrecy.code(),
            r.year(),
            c.piece_no,
            CaseStatus::Collected.code(),
            c.fingerprint,
            c.source_path,
            crate::now_string(),
        ],
    )?;
    insert_materials(conn, id, &c.materials)
}

/// A case as listed.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// 办件编号.
    pub case_no: String,
    /// 电子文件号.
    pub efile_no: String,
    /// 办件名称.
    pub case_name: String,
    /// 事项编码.
    pub item_code: String,
    /// 事项名称.
    pub item_name: String,
    /// 事项类型 code.
    pub item_type: String,
    /// 办件类型 code.
    pub case_kind: String,
    /// 申请人名称.
    pub applicant_name: String,
    /// 受理单位.
    pub accepting_unit: String,
    /// 受理时间.
    pub accepted_at: String,
    /// 办结时间.
    pub completed_at: String,
    /// 办理结果.
    pub result: String,
    /// 保管期限 code.
    pub retention: String,
    /// 密级.
    pub secrecy: String,
    /// 年度.
    pub year: i32,
    /// 件号.
    pub piece_no: u32,
    /// Status code.
    pub status: String,
    /// Number of materials.
    pub materials: u32,
    /// Total bytes of materials.
    pub bytes: u64,
    /// Archiving deadline (YYYY-MM-DD).
    pub archive_deadline: String,
    /// Transfer deadline for Y/D30 records.
    pub transfer_deadline: Option<String>,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Substring of 办件编号, 办件名称, 申请人 or 事项名称.
    pub text: Option<String>,
    /// At most this many rows (None: all).
    pub limit: Option<u32>,
    /// Skip this many rows first (paging).
    pub offset: Option<u32>,
}

const FILTER_WHERE: &str = "WHERE (?1 IS NULL OR c.status = ?1)
           AND (?2 IS NULL OR instr(c.case_no, ?2) OR instr(c.case_name, ?2) OR instr(c.applicant_name, ?2)
                OR instr(i.name, ?2))";

/// How many cases match a filter (its limit and offset ignored).
pub fn count(db: Db<'_>, f: &Filter) -> Result<u64> {
    let conn = db.conn;
    let n: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM cases c JOIN items i ON i.code = c.item_code {FILTER_WHERE}"
        ),
        params![f.status.map(|s| s.code()), f.text.as_deref()],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Lists cases, newest completion first.
pub fn list(db: Db<'_>, f: &Filter) -> Result<Vec<CaseRow>> {
    let conn = db.conn;
    let mut st = conn.prepare(&format!(
        "SELECT c.case_no, c.efile_no, c.case_name, c.item_code, i.name, i.item_type, c.case_kind,
                c.applicant_name, c.accepting_unit, c.accepted_at, c.completed_at, c.result, c.retention,
                c.secrecy, c.year, c.piece_no, c.status,
                (SELECT COUNT(*) FROM materials m WHERE m.case_id = c.id),
                (SELECT COALESCE(SUM(size), 0) FROM materials m WHERE m.case_id = c.id)
         FROM cases c JOIN items i ON i.code = c.item_code
         {FILTER_WHERE}
         ORDER BY c.completed_at DESC, c.case_no
         LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = st.query_map(
        params![
            f.status.map(|s| s.code()),
            f.text.as_deref(),
            f.limit.map(i64::from).unwrap_or(-1),
            f.offset.map(i64::from).unwrap_or(0)
        ],
        |r| {
            Ok(CaseRow {
                case_no: r.get(0)?,
                efile_no: r.get(1)?,
                case_name: r.get(2)?,
                item_code: r.get(3)?,
                item_name: r.get(4)?,
                item_type: r.get(5)?,
                case_kind: r.get(6)?,
                applicant_name: r.get(7)?,
                accepting_unit: r.get(8)?,
                accepted_at: r.get(9)?,
                completed_at: r.get(10)?,
                result: r.get(11)?,
                retention: r.get(12)?,
                secrecy: r.get(13)?,
                year: r.get(14)?,
                piece_no: r.get(15)?,
                status: r.get(16)?,
                materials: r.get(17)?,
                bytes: r.get::<_, i64>(18)? as u64,
                archive_deadline: String::new(),
                transfer_deadline: None,
            })
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let mut c = row?;
        let completed = chrono::DateTime::parse_from_rfc3339(&c.completed_at)
            .map_err(|_| CatalogError::Corrupt(format!("办件 {} 的办结时间无效", c.case_no)))?
            .date_naive();
        let retention = Retention::from_code(&c.retention)
            .ok_or_else(|| CatalogError::Corrupt(format!("办件 {} 的保管期限无效", c.case_no)))?;
        c.archive_deadline = deadline::archive_deadline(completed).to_string();
        c.transfer_deadline =
            deadline::transfer_deadline(completed, retention).map(|d| d.to_string());
        out.push(c);
    }
    Ok(out)
}

/// Case counts by status code.
pub fn counts_by_status(db: Db<'_>) -> Result<Vec<(String, u64)>> {
    let conn = db.conn;
    let mut st =
        conn.prepare("SELECT status, COUNT(*) FROM cases GROUP BY status ORDER BY status")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A stored material.
#[derive(Debug, Clone)]
pub struct MaterialRow {
    /// 件内顺序号.
    pub seq: u32,
    /// Category code.
    pub category: String,
    /// 标准名称.
    pub title: String,
    /// 实际名称.
    pub original_name: String,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Digest.
    pub digest: String,
    /// Bytes.
    pub size: u64,
    /// Detected format.
    pub format: String,
    /// The format's version or kind as the content says (`PDF 1.7`,
    /// `PDF/A-1b`, `JPEG`); empty when not known.
    pub format_version: String,
    /// A PDF's or OFD's pages, when known.
    pub pages: Option<u32>,
    /// An audio or video file's duration in milliseconds, when known.
    pub duration_ms: Option<u64>,
}

/// The materials of a case, in order.
pub fn materials(db: Db<'_>, case_no: &str) -> Result<Vec<MaterialRow>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT m.seq, m.category, m.title, m.original_name, m.digest_algo, m.digest, m.size, m.format,
                m.format_version, m.pages, m.duration_ms
         FROM materials m JOIN cases c ON c.id = m.case_id WHERE c.case_no = ?1 ORDER BY m.seq",
    )?;
    let rows = st.query_map([case_no], |r| {
        Ok(MaterialRow {
            seq: r.get(0)?,
            category: r.get(1)?,
            title: r.get(2)?,
            original_name: r.get(3)?,
            digest_algo: r.get(4)?,
            digest: r.get(5)?,
            size: r.get::<_, i64>(6)? as u64,
            format: r.get(7)?,
            format_version: r.get(8)?,
            pages: r.get(9)?,
            duration_ms: r.get::<_, Option<i64>>(10)?.map(|d| d as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A stored case: the typed record it was collected as (the one shape the
/// collector, the package writer and the checker share) plus what the
/// catalog assigned to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDetail {
    /// Row id.
    pub id: i64,
    /// Status.
    pub status: CaseStatus,
    /// 电子文件号.
    pub efile_no: String,
    /// 件号.
    pub piece_no: u32,
    /// Why the receiving archive returned it (while returned).
    pub return_reason: Option<String>,
    /// The validated metadata, with its materials in order.
    pub record: CaseRecord,
}

impl CaseDetail {
    /// 办件编号.
    pub fn case_no(&self) -> &str {
        &self.record.case_no
    }

    /// 年度.
    pub fn year(&self) -> i32 {
        self.record.year()
    }
}

/// The 办件编号 of the case with this 电子文件号.
pub fn case_no_of_efile(db: Db<'_>, efile_no: &str) -> Result<Option<String>> {
    let conn = db.conn;
    Ok(conn
        .query_row(
            "SELECT case_no FROM cases WHERE efile_no = ?1",
            [efile_no],
            |r| r.get(0),
        )
        .optional()?)
}

fn code<T>(parse: fn(&str) -> Option<T>, what: &str, v: &str) -> Result<T> {
    parse(v).ok_or_else(|| CatalogError::Corrupt(format!("{what}“{v}”不在代码范围内")))
}

fn time(what: &str, v: &str) -> Result<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(v)
        .map_err(|_| CatalogError::Corrupt(format!("{what}“{v}”不是有效的时间")))
}

/// One case with every field, decoded into its typed record (a code the
/// catalog does not know is reported as a corrupt catalog, never guessed).
pub fn detail(db: Db<'_>, case_no: &str) -> Result<Option<CaseDetail>> {
    let conn = db.conn;
    let row = conn
        .query_row(
            "SELECT c.id, c.status, c.case_no, c.efile_no, c.item_code, i.name, i.item_type, i.default_retention,
                    c.case_name, c.case_kind, c.applicant_name, c.applicant_type, c.applicant_id_type,
                    c.applicant_id_no, c.accepting_unit, c.accepted_at, c.completed_at, c.result,
                    c.result_license_no, c.retention, c.secrecy, c.piece_no, c.return_reason
             FROM cases c JOIN items i ON i.code = c.item_code WHERE c.case_no = ?1",
            [case_no],
            |r| {
                let mut v: Vec<String> = Vec::with_capacity(21);
                for i in 1..=17 {
                    v.push(r.get(i)?);
                }
                Ok((
                    r.get::<_, i64>(0)?,
                    v,
                    r.get::<_, Option<String>>(18)?,
                    r.get::<_, String>(19)?,
                    r.get::<_, String>(20)?,
                    r.get::<_, u32>(21)?,
                    r.get::<_, Option<String>>(22)?,
                ))
            },
        )
        .optional()?;
    let Some((id, v, result_license_no, retention, secrecy, piece_no, return_reason)) = row else {
        return Ok(None);
    };
    let materials = material_specs(conn, id)?;
    let record = CaseRecord {
        case_no: v[1].clone(),
        case_name: v[7].clone(),
        case_kind: code(CaseKind::from_code, "办件类型", &v[8])?,
        item: ServiceItem {
            code: v[3].clone(),
            name: v[4].clone(),
            item_type: code(ItemType::from_code, "事项类型", &v[5])?,
            default_retention: code(Retention::from_code, "保管期限", &v[6])?,
        },
        applicant: Applicant {
            name: v[9].clone(),
            kind: code(ApplicantType::from_code, "申请人类型", &v[10])?,
            id_type: code(IdType::from_code, "证件类型", &v[11])?,
            id_no: v[12].clone(),
        },
        accepting_unit: v[13].clone(),
        accepted_at: time("受理时间", &v[14])?,
        completed_at: time("办结时间", &v[15])?,
        result: v[16].clone(),
        result_license_no,
        retention: code(Retention::from_code, "保管期限", &retention)?,
        secrecy: code(Secrecy::from_code, "密级", &secrecy)?,
        materials,
    };
    Ok(Some(CaseDetail {
        id,
        status: code(CaseStatus::from_code, "办件状态", &v[0])?,
        efile_no: v[2].clone(),
        piece_no,
        return_reason,
        record,
    }))
}

fn material_specs(conn: &Connection, case_id: i64) -> Result<Vec<MaterialSpec>> {
    let mut st = conn.prepare(
        "SELECT category, source_name, title FROM materials WHERE case_id = ?1 ORDER BY seq",
    )?;
    let rows = st.query_map([case_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (category, rel_path, title) = row?;
        out.push(MaterialSpec {
            category: code(Category::from_code, "材料类别", &category)?,
            rel_path,
            title,
        });
    }
    Ok(out)
}

/// The materials of a case as they were registered, in order, for a
/// correction that keeps most of them (`guidang case material …`).
pub fn stored_materials(db: Db<'_>, case_id: i64) -> Result<Vec<NewMaterial>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT seq, category, title, original_name, source_name, digest_algo, digest, size, format,
                format_version, pages, duration_ms
         FROM materials WHERE case_id = ?1 ORDER BY seq",
    )?;
    let rows = st.query_map([case_id], |r| {
        Ok(NewMaterial {
            seq: r.get(0)?,
            category: r.get(1)?,
            title: r.get(2)?,
            original_name: r.get(3)?,
            source_name: r.get(4)?,
            digest_algo: r.get(5)?,
            digest: r.get(6)?,
            size: r.get::<_, i64>(7)? as u64,
            format: r.get(8)?,
            format_version: r.get(9)?,
            pages: r.get(10)?,
            duration_ms: r.get::<_, Option<i64>>(11)?.map(|d| d as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A case's status by id.
pub fn status_of(db: Db<'_>, id: i64) -> Result<Option<CaseStatus>> {
    let conn = db.conn;
    let code: Option<String> = conn
        .query_row("SELECT status FROM cases WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(code.and_then(|c| CaseStatus::from_code(&c)))
}

/// Sets a case's status.
pub fn set_status(tx: &Tx<'_>, id: i64, status: CaseStatus) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "UPDATE cases SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, status.code(), crate::now_string()],
    )?;
    Ok(())
}

/// 办件编号 of every case in `status`, in 电子文件号 order.
pub fn case_nos_with_status(db: Db<'_>, status: CaseStatus) -> Result<Vec<String>> {
    let conn = db.conn;
    let mut st = conn.prepare("SELECT case_no FROM cases WHERE status = ?1 ORDER BY efile_no")?;
    let rows = st.query_map([status.code()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// For the catalog-scale benchmark only: adds `copies` copies of every case
/// (and its material rows) under new 办件编号, 电子文件号 and 件号, in one
/// transaction. Returns the number of cases afterwards.
#[doc(hidden)]
pub fn replicate_for_benchmark(cat: &mut Catalog, copies: u32) -> Result<u64> {
    let tx = cat.conn.transaction()?;
    for k in 1..=copies {
        tx.execute(
            "INSERT INTO cases(case_no, efile_no, item_code, case_name, case_kind, applicant_name, applicant_type,
                applicant_id_type, applicant_id_no, accepting_unit, accepted_at, completed_at, result, result_license_no,
                retention, secrecy, year, piece_no, status, fingerprint, source_path, collected_at, updated_at)
             SELECT case_no || '-R' || ?1, efile_no || '-R' || ?1, item_code, case_name, case_kind, applicant_name, applicant_type,
                applicant_id_type, applicant_id_no, accepting_unit, accepted_at, completed_at, result, result_license_no,
                retention, secrecy, year, piece_no + ?1 * 1000000, status, fingerprint, source_path, collected_at, updated_at
             FROM cases WHERE instr(case_no, '-R') = 0",
            [k],
        )?;
        tx.execute(
            "INSERT INTO materials(case_id, seq, category, title, original_name, source_name, digest_algo, digest, size, format)
             SELECT c2.id, m.seq, m.category, m.title, m.original_name, m.source_name, m.digest_algo, m.digest, m.size, m.format
             FROM materials m JOIN cases c1 ON c1.id = m.case_id JOIN cases c2 ON c2.case_no = c1.case_no || '-R' || ?1",
            [k],
        )?;
    }
    let n: i64 = tx.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))?;
    tx.commit()?;
    Ok(n as u64)
}
