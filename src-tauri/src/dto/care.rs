//! Keeping the records: backup, restore, inspection, retention and
//! destruction, the audit log.

use serde::Serialize;
use ts_rs::TS;

use super::path_text;

/// A backup written.
#[derive(Serialize, TS)]
pub struct BackupDone {
    pub dest: String,
    pub generation: String,
    pub files: u64,
    pub copied: u64,
    pub copied_bytes: u64,
    pub fingerprint: String,
}

impl From<guidang_api::care::BackupReport> for BackupDone {
    fn from(r: guidang_api::care::BackupReport) -> Self {
        BackupDone {
            dest: path_text(&r.dest),
            generation: r.generation,
            files: r.files as u64,
            copied: r.copied as u64,
            copied_bytes: r.copied_bytes,
            fingerprint: r.fingerprint,
        }
    }
}

/// One generation of a backup drive.
#[derive(Serialize, TS)]
pub struct Generation {
    pub generation: String,
    pub created_at: String,
    pub unit: String,
    pub files: u64,
    pub bytes: u64,
    pub valid: bool,
}

impl From<guidang_api::care::GenerationInfo> for Generation {
    fn from(g: guidang_api::care::GenerationInfo) -> Self {
        Generation {
            generation: g.generation,
            created_at: g.created_at,
            unit: g.unit,
            files: g.files as u64,
            bytes: g.bytes,
            valid: g.valid,
        }
    }
}

/// A restore done in place of the working data.
#[derive(Serialize, TS)]
pub struct Restored {
    pub generation: String,
    pub files: u64,
    pub bytes: u64,
    /// Where the replaced data directory was kept.
    pub kept: Option<String>,
}

impl From<guidang_api::care::ReplaceReport> for Restored {
    fn from(r: guidang_api::care::ReplaceReport) -> Self {
        Restored {
            generation: r.restore.generation,
            files: r.restore.files as u64,
            bytes: r.restore.bytes,
            kept: r.kept.as_deref().map(path_text),
        }
    }
}

/// Damage found by an inspection.
#[derive(Serialize, TS)]
pub struct Damage {
    pub kind: String,
    pub path: Option<String>,
    pub problem: String,
    pub repaired: bool,
}

/// A routine inspection.
#[derive(Serialize, TS)]
pub struct Inspection {
    /// `sound`, `repaired` or `damaged`.
    pub verdict: String,
    pub materials: u64,
    pub packages: u64,
    pub holdings: u64,
    pub damage: Vec<Damage>,
    pub report_pdf: String,
}

impl From<guidang_api::care::InspectionReport> for Inspection {
    fn from(r: guidang_api::care::InspectionReport) -> Self {
        Inspection {
            verdict: r.verdict,
            materials: r.materials as u64,
            packages: r.packages as u64,
            holdings: r.holdings as u64,
            damage: r
                .damage
                .into_iter()
                .map(|d| Damage {
                    kind: d.kind,
                    path: d.path,
                    problem: d.problem,
                    repaired: d.repaired,
                })
                .collect(),
            report_pdf: path_text(&r.report_pdf),
        }
    }
}

/// A record whose retention has ended (or soon will).
#[derive(Serialize, TS)]
pub struct DueRow {
    pub case_no: String,
    pub efile_no: String,
    pub case_name: String,
    pub year: i32,
    pub retention: String,
    pub retention_end: String,
    pub status: String,
    pub destroyable: bool,
    pub why_not: Option<String>,
}

impl From<guidang_api::care::RetentionRow> for DueRow {
    fn from(r: guidang_api::care::RetentionRow) -> Self {
        DueRow {
            case_no: r.case_no,
            efile_no: r.efile_no,
            case_name: r.case_name,
            year: r.year,
            retention: r.retention,
            retention_end: r.retention_end,
            status: r.status,
            destroyable: r.destroyable,
            why_not: r.why_not,
        }
    }
}

/// An entry of the destruction register.
#[derive(Serialize, TS)]
pub struct Destruction {
    pub case_no: String,
    pub efile_no: String,
    pub case_name: String,
    pub item_name: String,
    pub year: i32,
    pub retention: String,
    pub approved_by: String,
    pub approval_doc: String,
    pub destroyed_at: String,
    pub destroyed_by: String,
}

impl From<guidang_api::catalog_types::Destruction> for Destruction {
    fn from(d: guidang_api::catalog_types::Destruction) -> Self {
        Destruction {
            case_no: d.case_no,
            efile_no: d.efile_no,
            case_name: d.case_name,
            item_name: d.item_name,
            year: d.year,
            retention: d.retention,
            approved_by: d.approved_by,
            approval_doc: d.approval_doc,
            destroyed_at: d.destroyed_at,
            destroyed_by: d.destroyed_by,
        }
    }
}

/// An entry of the audit log.
#[derive(Serialize, TS)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl From<guidang_api::catalog_types::AuditEntry> for AuditEntry {
    fn from(e: guidang_api::catalog_types::AuditEntry) -> Self {
        AuditEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        }
    }
}

/// A break in the audit chain.
#[derive(Serialize, TS)]
pub struct AuditProblem {
    pub seq: i64,
    pub message: String,
}

/// The audit chain recomputed.
#[derive(Serialize, TS)]
pub struct AuditCheck {
    pub entries: i64,
    pub problems: Vec<AuditProblem>,
}

impl From<guidang_api::AuditReport> for AuditCheck {
    fn from(r: guidang_api::AuditReport) -> Self {
        AuditCheck {
            entries: r.entries,
            problems: r
                .problems
                .into_iter()
                .map(|p| AuditProblem {
                    seq: p.seq,
                    message: p.message,
                })
                .collect(),
        }
    }
}
