//! The intake workstation: carriers opened, packages returned and
//! accepted; and the hall's import of the archive's return file.

use serde::Serialize;
use ts_rs::TS;

use super::{all, path_text, Finding, Verdict};

/// One package of an opened batch, with its check and decision.
#[derive(Serialize, TS)]
pub struct IntakePackage {
    pub seq: u32,
    pub efile_no: String,
    pub case_no: String,
    pub case_name: String,
    pub verdict: Verdict,
    pub opinion: String,
    pub findings: Vec<Finding>,
    /// A return reason drafted from the findings.
    pub suggested_reason: Option<String>,
    /// `pending`, `returned` or `accepted`.
    pub decision: String,
}

impl From<guidang_api::intake::IntakePackage> for IntakePackage {
    fn from(p: guidang_api::intake::IntakePackage) -> Self {
        IntakePackage {
            seq: p.seq,
            efile_no: p.efile_no,
            case_no: p.case_no,
            case_name: p.case_name,
            verdict: p.verdict.into(),
            opinion: p.opinion,
            findings: all(p.findings),
            suggested_reason: p.suggested_reason,
            decision: p.decision,
        }
    }
}

/// A batch opened from its carriers.
#[derive(Serialize, TS)]
pub struct IntakeOpened {
    pub batch_no: String,
    pub corrects: Option<String>,
    /// The transferring unit (立档单位).
    pub unit_name: String,
    pub transferred_by: String,
    pub fingerprint: String,
    /// How the signer's key was trusted (`confirmed`, `stored`…).
    pub trust: String,
    pub carriers: u32,
    pub packages: Vec<IntakePackage>,
    pub batch_findings: Vec<Finding>,
    pub verdict: Verdict,
    pub passed: u64,
    pub failed: u64,
}

impl From<guidang_api::intake::IntakeReport> for IntakeOpened {
    fn from(r: guidang_api::intake::IntakeReport) -> Self {
        IntakeOpened {
            batch_no: r.batch_no,
            corrects: r.corrects,
            unit_name: r.unit.name,
            transferred_by: r.transferred_by,
            fingerprint: r.fingerprint,
            trust: r.trust,
            carriers: r.carriers.len() as u32,
            packages: all(r.packages),
            batch_findings: all(r.batch_findings),
            verdict: r.verdict.into(),
            passed: r.passed as u64,
            failed: r.failed as u64,
        }
    }
}

/// A package returned, and why.
#[derive(Serialize, TS)]
pub struct ReturnedPackage {
    pub seq: u32,
    pub efile_no: String,
    pub case_no: String,
    pub case_name: String,
    pub reason: String,
}

impl From<guidang_api::intake::ReturnedPackage> for ReturnedPackage {
    fn from(p: guidang_api::intake::ReturnedPackage) -> Self {
        ReturnedPackage {
            seq: p.seq,
            efile_no: p.efile_no,
            case_no: p.case_no,
            case_name: p.case_name,
            reason: p.reason,
        }
    }
}

/// What intake accepted and returned, and the papers it wrote.
#[derive(Serialize, TS)]
pub struct Accepted {
    pub batch_no: String,
    pub accepted: Vec<String>,
    pub returned: Vec<ReturnedPackage>,
    pub receipt_pdf: String,
    pub return_slip_pdf: String,
    pub return_file: String,
    /// The batch had been received before: nothing new was done.
    pub already_done: bool,
    pub received_at: Option<String>,
}

impl From<guidang_api::intake::AcceptReport> for Accepted {
    fn from(r: guidang_api::intake::AcceptReport) -> Self {
        Accepted {
            batch_no: r.batch_no,
            accepted: r.accepted,
            returned: all(r.returned),
            receipt_pdf: path_text(&r.receipt_pdf),
            return_slip_pdf: path_text(&r.return_slip_pdf),
            return_file: path_text(&r.return_file),
            already_done: r.already_done,
            received_at: r.received_at,
        }
    }
}

/// The archive's return file imported at the hall.
#[derive(Serialize, TS)]
pub struct ReturnsImported {
    pub batch_no: String,
    pub receiving_unit: String,
    pub archivist: String,
    pub fingerprint: String,
    pub accepted: u64,
    pub returned: Vec<ReturnedPackage>,
    pub already_imported: bool,
    pub trust: String,
}

impl From<guidang_api::intake::ReturnsImported> for ReturnsImported {
    fn from(r: guidang_api::intake::ReturnsImported) -> Self {
        ReturnsImported {
            batch_no: r.batch_no,
            receiving_unit: r.receiving_unit,
            archivist: r.archivist,
            fingerprint: r.fingerprint,
            accepted: r.accepted as u64,
            returned: all(r.returned),
            already_imported: r.already_imported,
            trust: r.trust,
        }
    }
}
