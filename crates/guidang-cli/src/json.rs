//! The CLI's JSON boundary: the shapes `--json` prints for catalog rows,
//! each built from the core type by a `From` impl. Users' scripts read these
//! field names, so they are a contract (pinned by the `contract` test in
//! `tests/cli/`): a field may be added, none renamed or removed. Catalog
//! rows carry no serde derives; a change there is a compile error here,
//! never a silent change of the output. Report types the API designs for
//! output (check, package, transfer, intake reports) are printed as they
//! are and pinned by the same test.

use guidang_api::catalog_types as cat;
use serde::Serialize;

/// `guidang cases`, and the case inside `guidang case`.
#[derive(Serialize)]
pub(crate) struct CaseRow {
    case_no: String,
    efile_no: String,
    case_name: String,
    item_code: String,
    item_name: String,
    item_type: String,
    case_kind: String,
    applicant_name: String,
    accepting_unit: String,
    accepted_at: String,
    completed_at: String,
    result: String,
    retention: String,
    secrecy: String,
    year: i32,
    piece_no: u32,
    status: String,
    materials: u32,
    bytes: u64,
    archive_deadline: String,
    transfer_deadline: Option<String>,
}

impl From<guidang_api::CaseRow> for CaseRow {
    fn from(r: guidang_api::CaseRow) -> Self {
        CaseRow {
            case_no: r.case_no,
            efile_no: r.efile_no,
            case_name: r.case_name,
            item_code: r.item_code,
            item_name: r.item_name,
            item_type: r.item_type,
            case_kind: r.case_kind,
            applicant_name: r.applicant_name,
            accepting_unit: r.accepting_unit,
            accepted_at: r.accepted_at,
            completed_at: r.completed_at,
            result: r.result,
            retention: r.retention,
            secrecy: r.secrecy,
            year: r.year,
            piece_no: r.piece_no,
            status: r.status,
            materials: r.materials,
            bytes: r.bytes,
            archive_deadline: r.archive_deadline,
            transfer_deadline: r.transfer_deadline,
        }
    }
}

/// `guidang cases --due`: a case and its deadline.
#[derive(Serialize)]
pub(crate) struct DueRow {
    #[serde(flatten)]
    case: CaseRow,
    /// `archive` or `transfer`.
    due_kind: guidang_api::core::deadline::DeadlineKind,
    due_date: String,
    days_left: i64,
}

impl From<guidang_api::DueRow> for DueRow {
    fn from(r: guidang_api::DueRow) -> Self {
        DueRow {
            case: r.case.into(),
            due_kind: r.due_kind,
            due_date: r.due_date.to_string(),
            days_left: r.days_left,
        }
    }
}

/// A material of a case (`guidang case`).
#[derive(Serialize)]
pub(crate) struct Material {
    seq: u32,
    category: String,
    title: String,
    original_name: String,
    digest_algo: String,
    digest: String,
    size: u64,
    format: String,
    /// What the content said of itself at collection (`PDF 1.7`,
    /// `PDF/A-1b`, `JPEG`); absent when not known.
    #[serde(skip_serializing_if = "String::is_empty")]
    format_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<u32>,
    /// An audio or video material's duration in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
}

impl From<guidang_api::MaterialRow> for Material {
    fn from(m: guidang_api::MaterialRow) -> Self {
        Material {
            seq: m.seq,
            category: m.category,
            title: m.title,
            original_name: m.original_name,
            digest_algo: m.digest_algo,
            digest: m.digest,
            size: m.size,
            format: m.format,
            format_version: m.format_version,
            pages: m.pages,
            duration_ms: m.duration_ms,
        }
    }
}

/// `guidang case`.
#[derive(Serialize)]
pub(crate) struct Case {
    pub(crate) case: CaseRow,
    pub(crate) materials: Vec<Material>,
    pub(crate) return_reason: Option<String>,
}

/// `guidang operator show|list`.
#[derive(Serialize)]
pub(crate) struct Operator {
    name: String,
    created_at: String,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

impl From<guidang_api::Operator> for Operator {
    fn from(o: guidang_api::Operator) -> Self {
        Operator {
            name: o.name,
            created_at: o.created_at,
            active: o.active,
            fingerprint: o.fingerprint,
        }
    }
}

/// `guidang batch list`.
#[derive(Serialize)]
pub(crate) struct Batch {
    batch_no: String,
    created_at: String,
    created_by: String,
    digest_algo: String,
    digest: String,
    fingerprint: String,
    corrects: Option<String>,
    packages: u32,
    bytes: u64,
    path: String,
    status: String,
}

impl From<cat::BatchRow> for Batch {
    fn from(b: cat::BatchRow) -> Self {
        Batch {
            batch_no: b.batch_no,
            created_at: b.created_at,
            created_by: b.created_by,
            digest_algo: b.digest_algo,
            digest: b.digest,
            fingerprint: b.fingerprint,
            corrects: b.corrects,
            packages: b.packages,
            bytes: b.bytes,
            path: b.path,
            status: b.status,
        }
    }
}

/// A carrier of a batch as written (`guidang batch show`).
#[derive(Serialize)]
pub(crate) struct Carrier {
    carrier_no: u32,
    carriers: u32,
    digest_algo: String,
    digest: String,
    files: u32,
    bytes: u64,
    first_written_at: String,
    last_written_at: String,
    written_by: String,
    copies: u32,
    /// `measures` (the transfer measures' layout) or `legacy` (Guidang's
    /// old layout, before `transfer relayout`).
    layout: &'static str,
}

impl From<&cat::CarrierRow> for Carrier {
    fn from(c: &cat::CarrierRow) -> Self {
        Carrier {
            carrier_no: c.carrier_no,
            carriers: c.carriers,
            digest_algo: c.digest_algo.clone(),
            digest: c.digest.clone(),
            files: c.files,
            bytes: c.bytes,
            first_written_at: c.first_written_at.clone(),
            last_written_at: c.last_written_at.clone(),
            written_by: c.written_by.clone(),
            copies: c.copies,
            layout: if c.plan == "guidang-media-plan/1" {
                "legacy"
            } else {
                "measures"
            },
        }
    }
}

/// `guidang audit log`.
#[derive(Serialize)]
pub(crate) struct AuditEntry {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
    algo: String,
    prev_hash: String,
    hash: String,
}

impl From<cat::AuditEntry> for AuditEntry {
    fn from(e: cat::AuditEntry) -> Self {
        AuditEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
            algo: e.algo,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A break in the audit chain.
#[derive(Serialize)]
pub(crate) struct AuditProblem {
    seq: i64,
    message: String,
}

/// `guidang audit verify`.
#[derive(Serialize)]
pub(crate) struct AuditReport {
    entries: i64,
    head: String,
    problems: Vec<AuditProblem>,
}

impl From<&guidang_api::AuditReport> for AuditReport {
    fn from(r: &guidang_api::AuditReport) -> Self {
        AuditReport {
            entries: r.entries,
            head: r.head.clone(),
            problems: r
                .problems
                .iter()
                .map(|p| AuditProblem {
                    seq: p.seq,
                    message: p.message.clone(),
                })
                .collect(),
        }
    }
}

/// A package of an intake batch and its decision.
#[derive(Serialize)]
pub(crate) struct ReceiptItem {
    seq: u32,
    efile_no: String,
    case_no: String,
    case_name: String,
    item_name: String,
    size: u64,
    digest: String,
    path: Option<String>,
    verdict: String,
    suggested: Option<String>,
    decision: String,
    reason: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    manifest: String,
}

impl From<&cat::ReceiptItem> for ReceiptItem {
    fn from(i: &cat::ReceiptItem) -> Self {
        ReceiptItem {
            seq: i.seq,
            efile_no: i.efile_no.clone(),
            case_no: i.case_no.clone(),
            case_name: i.case_name.clone(),
            item_name: i.item_name.clone(),
            size: i.size,
            digest: i.digest.clone(),
            path: i.path.clone(),
            verdict: i.verdict.clone(),
            suggested: i.suggested.clone(),
            decision: i.decision.clone(),
            reason: i.reason.clone(),
            decided_by: i.decided_by.clone(),
            decided_at: i.decided_at.clone(),
            manifest: i.manifest.clone(),
        }
    }
}

/// `guidang intake status`: a batch opened or received, with its packages.
#[derive(Serialize)]
pub(crate) struct Receipt {
    id: i64,
    batch_no: String,
    batch_digest: String,
    digest_algo: String,
    corrects: Option<String>,
    unit_name: String,
    transferred_by: String,
    fingerprint: String,
    media: String,
    opened_at: String,
    opened_by: String,
    verdict: String,
    findings: String,
    status: String,
    received_at: Option<String>,
    received_by: Option<String>,
    accepted: u32,
    returned: u32,
    packages: Vec<ReceiptItem>,
}

impl From<&guidang_api::intake::ReceiptStatus> for Receipt {
    fn from(s: &guidang_api::intake::ReceiptStatus) -> Self {
        let r = &s.receipt;
        Receipt {
            id: r.id,
            batch_no: r.batch_no.clone(),
            batch_digest: r.batch_digest.clone(),
            digest_algo: r.digest_algo.clone(),
            corrects: r.corrects.clone(),
            unit_name: r.unit_name.clone(),
            transferred_by: r.transferred_by.clone(),
            fingerprint: r.fingerprint.clone(),
            media: r.media.clone(),
            opened_at: r.opened_at.clone(),
            opened_by: r.opened_by.clone(),
            verdict: r.verdict.clone(),
            findings: r.findings.clone(),
            status: r.status.clone(),
            received_at: r.received_at.clone(),
            received_by: r.received_by.clone(),
            accepted: r.accepted,
            returned: r.returned,
            packages: s.packages.iter().map(ReceiptItem::from).collect(),
        }
    }
}

/// An accepted holding (`guidang intake holdings`).
#[derive(Serialize)]
pub(crate) struct Holding {
    efile_no: String,
    batch_no: String,
    path: String,
    size: u64,
    digest_algo: String,
    digest: String,
    accepted_at: String,
    accepted_by: String,
    case_no: String,
    case_name: String,
    item_code: String,
    item_name: String,
    year: i32,
    retention: String,
    applicant: String,
    completed_on: String,
    open_opinion: String,
    destroyed_at: Option<String>,
}

impl From<&cat::Holding> for Holding {
    fn from(h: &cat::Holding) -> Self {
        Holding {
            efile_no: h.efile_no.clone(),
            batch_no: h.batch_no.clone(),
            path: h.path.clone(),
            size: h.size,
            digest_algo: h.digest_algo.clone(),
            digest: h.digest.clone(),
            accepted_at: h.accepted_at.clone(),
            accepted_by: h.accepted_by.clone(),
            case_no: h.case_no.clone(),
            case_name: h.case_name.clone(),
            item_code: h.item_code.clone(),
            item_name: h.item_name.clone(),
            year: h.year,
            retention: h.retention.clone(),
            applicant: h.applicant.clone(),
            completed_on: h.completed_on.clone(),
            open_opinion: h.open_opinion.clone(),
            destroyed_at: h.destroyed_at.clone(),
        }
    }
}

/// A material of a holding, mapped to its entry in the stored package.
#[derive(Serialize)]
pub(crate) struct HoldingMaterial {
    seq: u32,
    category: String,
    name: String,
    entry: String,
    format: String,
    size: u64,
    digest: String,
}

impl From<&cat::HoldingMaterial> for HoldingMaterial {
    fn from(m: &cat::HoldingMaterial) -> Self {
        HoldingMaterial {
            seq: m.seq,
            category: m.category.clone(),
            name: m.name.clone(),
            entry: m.entry.clone(),
            format: m.format.clone(),
            size: m.size,
            digest: m.digest.clone(),
        }
    }
}

/// `guidang intake holdings`: a holding with its materials.
#[derive(Serialize)]
pub(crate) struct HoldingWithMaterials {
    pub(crate) holding: Holding,
    pub(crate) materials: Vec<HoldingMaterial>,
}

/// Converts every element (owned).
pub(crate) fn all<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}
