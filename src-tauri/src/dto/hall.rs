//! The hall's screens: summary, cases, collection, packaging, checking,
//! batches and carriers, the scanner folder, returns.

use serde::Serialize;
use ts_rs::TS;

use super::{all, path_text, Finding, Verdict};

/// The unit this installation serves.
#[derive(Serialize, TS)]
pub struct Unit {
    pub region: String,
    pub fonds: String,
    pub unit_name: String,
    pub org: Option<String>,
    /// `hall` or `intake`.
    pub role: String,
    /// `gm` or `intl`.
    pub suite: String,
}

impl From<guidang_api::core::UnitSettings> for Unit {
    fn from(u: guidang_api::core::UnitSettings) -> Self {
        Unit {
            region: u.region,
            fonds: u.fonds,
            unit_name: u.unit_name,
            org: u.org,
            role: u.role.code().into(),
            suite: u.suite.code().into(),
        }
    }
}

/// The home screen's overview.
#[derive(Serialize, TS)]
pub struct Summary {
    pub unit: Option<Unit>,
    pub data_dir: String,
    /// (status code, number of cases).
    pub counts: Vec<(String, u64)>,
    pub overdue: u64,
    pub due_soon: u64,
    pub failed_checks: u64,
    pub last_backup: Option<String>,
    pub backup_interval_days: i64,
    pub backup_overdue: bool,
}

impl From<guidang_api::Summary> for Summary {
    fn from(s: guidang_api::Summary) -> Self {
        Summary {
            unit: s.unit.map(Unit::from),
            data_dir: path_text(&s.data_dir),
            counts: s.counts,
            overdue: s.overdue as u64,
            due_soon: s.due_soon as u64,
            failed_checks: s.failed_checks,
            last_backup: s.last_backup,
            backup_interval_days: s.backup_interval_days,
            backup_overdue: s.backup_overdue,
        }
    }
}

/// One row of the case list.
#[derive(Serialize, TS)]
pub struct CaseRow {
    pub case_no: String,
    pub efile_no: String,
    pub case_name: String,
    pub item_name: String,
    pub applicant_name: String,
    pub completed_at: String,
    pub year: i32,
    pub retention: String,
    /// Status code (`collected`, `sealed`, …).
    pub status: String,
    pub materials: u32,
    pub bytes: u64,
    pub archive_deadline: String,
    pub transfer_deadline: Option<String>,
}

impl From<guidang_api::CaseRow> for CaseRow {
    fn from(r: guidang_api::CaseRow) -> Self {
        CaseRow {
            case_no: r.case_no,
            efile_no: r.efile_no,
            case_name: r.case_name,
            item_name: r.item_name,
            applicant_name: r.applicant_name,
            completed_at: r.completed_at,
            year: r.year,
            retention: r.retention,
            status: r.status,
            materials: r.materials,
            bytes: r.bytes,
            archive_deadline: r.archive_deadline,
            transfer_deadline: r.transfer_deadline,
        }
    }
}

/// One page of cases and the number matching.
#[derive(Serialize, TS)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    pub total: u64,
}

/// An operator (经办人).
#[derive(Serialize, TS)]
pub struct Operator {
    pub name: String,
    pub created_at: String,
    pub active: bool,
    pub fingerprint: Option<String>,
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

/// Demo data generated and collected.
#[derive(Serialize, TS)]
pub struct DemoLoaded {
    pub cases: u32,
    pub files: u64,
    pub bytes: u64,
}

impl From<guidang_api::DemoResult> for DemoLoaded {
    fn from(d: guidang_api::DemoResult) -> Self {
        DemoLoaded {
            cases: d.cases,
            files: d.files,
            bytes: d.bytes,
        }
    }
}

/// What happened to one case of a collection run.
#[derive(Serialize, TS)]
pub struct CollectOutcome {
    pub source: String,
    pub case_no: Option<String>,
    /// `added`, `unchanged`, `replaced`, `rejected` or `conflict`.
    pub outcome: String,
    pub efile_no: Option<String>,
    /// Why it was rejected (every problem).
    pub problems: Vec<String>,
    /// What a conflict is and how to resolve it.
    pub message: Option<String>,
    pub notes: Vec<String>,
}

impl From<guidang_api::CaseOutcome> for CollectOutcome {
    fn from(c: guidang_api::CaseOutcome) -> Self {
        use guidang_api::Outcome as O;
        let (outcome, efile_no, problems, message) = match c.outcome {
            O::Added { efile_no } => ("added", Some(efile_no), vec![], None),
            O::Unchanged { efile_no } => ("unchanged", Some(efile_no), vec![], None),
            O::Replaced { efile_no } => ("replaced", Some(efile_no), vec![], None),
            O::Rejected { problems } => (
                "rejected",
                None,
                problems.iter().map(|p| super::for_window(p)).collect(),
                None,
            ),
            O::Conflict { message } => {
                ("conflict", None, vec![], Some(super::for_window(&message)))
            }
        };
        CollectOutcome {
            source: c.source,
            case_no: c.case_no,
            outcome: outcome.into(),
            efile_no,
            problems,
            message,
            notes: c.notes.iter().map(|n| super::for_window(n)).collect(),
        }
    }
}

/// A collection run.
#[derive(Serialize, TS)]
pub struct Collected {
    pub cases: Vec<CollectOutcome>,
    pub added: u64,
    pub failed: u64,
}

impl From<guidang_api::CollectReportView> for Collected {
    fn from(r: guidang_api::CollectReportView) -> Self {
        Collected {
            cases: all(r.cases),
            added: r.added as u64,
            failed: r.failed as u64,
        }
    }
}

/// Counts of a packaging run.
#[derive(Serialize, TS)]
pub struct PackageSummary {
    pub sealed: u64,
    pub failed: u64,
    pub total: u64,
}

impl From<guidang_api::packaging::PackageReport> for PackageSummary {
    fn from(r: guidang_api::packaging::PackageReport) -> Self {
        PackageSummary {
            sealed: r.sealed() as u64,
            failed: r.failed() as u64,
            total: r.packages.len() as u64,
        }
    }
}

/// The check of one package.
#[derive(Serialize, TS)]
pub struct PackageCheck {
    pub package: String,
    pub efile_no: String,
    /// The case's 办件编号 and 办件名称, when the catalog has it.
    pub case_no: Option<String>,
    pub case_name: Option<String>,
    pub verdict: Verdict,
    pub opinion: String,
    pub findings: Vec<Finding>,
}

impl From<guidang_check::PackageCheck> for PackageCheck {
    fn from(p: guidang_check::PackageCheck) -> Self {
        PackageCheck {
            package: path_text(&p.package),
            efile_no: p.efile_no,
            case_no: None,
            case_name: None,
            verdict: p.verdict.into(),
            opinion: p.opinion,
            findings: all(p.findings),
        }
    }
}

/// One two-level item of DA/T 70 with how many packages got each verdict.
#[derive(Serialize, TS)]
pub struct MatrixRow {
    /// 真实性 / 完整性 / 可用性 / 安全性.
    pub property: String,
    /// e.g. `GD-1-1`.
    pub item: String,
    pub title: String,
    pub pass: u32,
    pub warn: u32,
    pub fail: u32,
    pub not_checked: u32,
}

impl From<guidang_check::report::MatrixRow> for MatrixRow {
    fn from(r: guidang_check::report::MatrixRow) -> Self {
        MatrixRow {
            property: r.property,
            item: r.item,
            title: r.title,
            pass: r.pass,
            warn: r.warn,
            fail: r.fail,
            not_checked: r.not_checked,
        }
    }
}

/// A check run and where its report is.
#[derive(Serialize, TS)]
pub struct CheckSummary {
    /// `gd` (archiving) or `yj` (transfer).
    pub stage: String,
    pub checked_at: String,
    pub packages: Vec<PackageCheck>,
    pub batch_findings: Vec<Finding>,
    pub verdict: Verdict,
    pub opinion: String,
    /// The four-property matrix (empty when the check was not summarised).
    pub matrix: Vec<MatrixRow>,
    /// The PDF report.
    pub report: String,
}

impl CheckSummary {
    pub fn new(b: guidang_check::BatchCheck, report: &std::path::Path) -> Self {
        CheckSummary {
            stage: b.stage.code().into(),
            checked_at: b.checked_at,
            packages: all(b.packages),
            batch_findings: all(b.batch_findings),
            verdict: b.verdict.into(),
            opinion: b.opinion,
            matrix: all(b.summary.map(|s| s.matrix).unwrap_or_default()),
            report: path_text(report),
        }
    }
}

/// A batch just created and signed.
#[derive(Serialize, TS)]
pub struct BatchCreated {
    pub batch_no: String,
    pub packages: u32,
    pub bytes: u64,
    pub fingerprint: String,
    /// Cases left out (not ready).
    pub left_out: Vec<String>,
}

impl From<guidang_api::batching::BatchCreated> for BatchCreated {
    fn from(b: guidang_api::batching::BatchCreated) -> Self {
        BatchCreated {
            batch_no: b.batch_no,
            packages: b.packages,
            bytes: b.bytes,
            fingerprint: b.fingerprint,
            left_out: b.left_out,
        }
    }
}

/// A transfer batch.
#[derive(Serialize, TS)]
pub struct Batch {
    pub batch_no: String,
    pub created_at: String,
    pub created_by: String,
    pub packages: u32,
    pub bytes: u64,
    pub status: String,
    pub digest: String,
    pub corrects: Option<String>,
}

impl From<guidang_api::catalog_types::BatchRow> for Batch {
    fn from(b: guidang_api::catalog_types::BatchRow) -> Self {
        Batch {
            batch_no: b.batch_no,
            created_at: b.created_at,
            created_by: b.created_by,
            packages: b.packages,
            bytes: b.bytes,
            status: b.status,
            digest: b.digest,
            corrects: b.corrects,
        }
    }
}

/// One carrier written and read back.
#[derive(Serialize, TS)]
pub struct CarrierWritten {
    pub batch_no: String,
    pub carrier_no: u32,
    pub carriers: u32,
    pub files: u64,
    pub bytes: u64,
    pub carrier_digest: String,
    /// Carriers of the batch still to write.
    pub remaining: Vec<u32>,
    pub batch_status: String,
}

impl From<guidang_api::transferring::TransferWritten> for CarrierWritten {
    fn from(w: guidang_api::transferring::TransferWritten) -> Self {
        CarrierWritten {
            batch_no: w.batch_no,
            carrier_no: w.carrier_no,
            carriers: w.carriers,
            files: w.files as u64,
            bytes: w.bytes,
            carrier_digest: w.carrier_digest,
            remaining: w.remaining,
            batch_status: w.batch_status,
        }
    }
}

/// A disc type the 移交 screen offers.
#[derive(Serialize, TS)]
pub struct DiscType {
    /// `cd-r`, `dvd`, … (sent back with burn and image requests).
    pub code: String,
    /// `DVD±R 4.7 GB`.
    pub label: String,
    /// Bytes one carrier may use on it.
    pub usable: u64,
}

impl From<guidang_api::transferring::DiscType> for DiscType {
    fn from(d: guidang_api::transferring::DiscType) -> Self {
        DiscType {
            code: d.code().into(),
            label: d.label().into(),
            usable: d.usable_bytes(),
        }
    }
}

/// An optical drive and the disc in it.
#[derive(Serialize, TS)]
pub struct Drive {
    pub device: String,
    pub model: String,
    /// None: no disc (or the tray is open).
    pub media: Option<String>,
    pub blank: bool,
    pub free: Option<u64>,
}

impl From<guidang_api::transferring::Drive> for Drive {
    fn from(d: guidang_api::transferring::Drive) -> Self {
        Drive {
            device: d.device,
            model: d.model,
            media: d.media,
            blank: d.blank,
            free: d.free,
        }
    }
}

/// One disc image made.
#[derive(Serialize, TS)]
pub struct DiscImage {
    pub carrier_no: u32,
    pub path: String,
    pub size: u64,
    pub carrier_digest: String,
}

/// The images of a batch's carriers.
#[derive(Serialize, TS)]
pub struct ImagesMade {
    pub batch_no: String,
    pub disc_label: String,
    pub carriers: u32,
    pub images: Vec<DiscImage>,
}

impl From<guidang_api::transferring::ImagesWritten> for ImagesMade {
    fn from(r: guidang_api::transferring::ImagesWritten) -> Self {
        ImagesMade {
            batch_no: r.batch_no,
            disc_label: r.disc_label,
            carriers: r.carriers,
            images: r
                .images
                .into_iter()
                .map(|i| DiscImage {
                    carrier_no: i.carrier_no,
                    path: path_text(&i.path),
                    size: i.size,
                    carrier_digest: i.carrier_digest,
                })
                .collect(),
        }
    }
}

/// A file in the scanner's output folder.
#[derive(Serialize, TS)]
pub struct ScannedFile {
    pub path: String,
    pub name: String,
    pub size: u64,
    pub modified: String,
}

impl From<guidang_api::scanner::ScannedFile> for ScannedFile {
    fn from(f: guidang_api::scanner::ScannedFile) -> Self {
        ScannedFile {
            path: path_text(&f.path),
            name: f.name,
            size: f.size,
            modified: f.modified,
        }
    }
}

/// The scanner's output folder and its newest files.
#[derive(Serialize, TS)]
pub struct ScannerFiles {
    pub folder: Option<String>,
    pub files: Vec<ScannedFile>,
}

/// A returned case and why.
#[derive(Serialize, TS)]
pub struct ReturnedCase {
    pub case_no: String,
    pub efile_no: String,
    pub case_name: String,
    pub reason: Option<String>,
}

/// A print job sent to the system's printer.
#[derive(Serialize, TS)]
pub struct PrintJob {
    pub job_id: Option<String>,
    pub printer: Option<String>,
}

impl From<guidang_api::printing::PrintJob> for PrintJob {
    fn from(j: guidang_api::printing::PrintJob) -> Self {
        PrintJob {
            job_id: j.job_id,
            printer: j.printer,
        }
    }
}

/// A destination folder for a carrier.
#[derive(Serialize, TS)]
pub struct DestinationInfo {
    pub exists: bool,
    pub empty: bool,
    /// On removable media; `null` when it cannot be told.
    pub removable: Option<bool>,
    pub mount: Option<String>,
}

impl From<guidang_api::core::medium::Destination> for DestinationInfo {
    fn from(d: guidang_api::core::medium::Destination) -> Self {
        DestinationInfo {
            exists: d.exists,
            empty: d.empty,
            removable: d.removable,
            mount: d.mount.as_deref().map(path_text),
        }
    }
}
