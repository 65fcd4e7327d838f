//! The intake workstation (接收方): open the carriers of a batch, check them,
//! decide per package, accept into storage, and hand back a signed return
//! file; and on the hall's side, import that return file.
//!
//! Opening a batch:
//! 1. every medium must hold the same `其他/批次清单.json` (one batch at a time;
//!    the old layout kept it at the root and is still read);
//! 2. the batch signer's key is trusted from the catalog (`senders`), or on
//!    first use only when the archivist typed its fingerprint (or the QR
//!    payload) from the signed paper list (`--trust`); a different key for a
//!    known unit is refused loudly unless re-confirmed the same way;
//! 3. the yj-stage check runs on every package of every carrier, trusting
//!    the confirmed key and the unit's sealing keys from `其他/` when that
//!    keyring contains the confirmed signer;
//! 4. findings are added for the carriers (each `其他/载体清单.json` against the
//!    files and the batch, missing or repeated carrier numbers), packages in
//!    the manifest but on no carrier, packages already received, and a batch
//!    already received (a replay);
//! 5. the receipt and a suggested return reason per failing package are
//!    recorded in one transaction with the audit entries.
//!
//! Accepting copies every package that is not returned into
//! `holdings/{行政区划码}-{全宗号}/{年度}/` with verify-after-copy, registers it
//! with the mapping of each material to its entry, writes the receipt and
//! return slip PDFs and the signed return file, and marks the batch
//! received — the registration in one transaction after the files are safe.
//!
//! By job: `open.rs` (opening and checking carriers), `accept.rs`
//! (acceptance into storage and delivery of the signed files),
//! `returns.rs` (the hall's import of the return file); this file holds
//! the reports, decisions and status.

use std::path::PathBuf;

use guidang_catalog::audit;
use guidang_catalog::intake::{self, HoldingMaterial, Receipt, ReceiptItem};
use guidang_check::{Finding, Verdict};
use guidang_core::Role;
pub use guidang_transfer::returns::ReturnedPackage;
use guidang_transfer::ManifestUnit;
use serde::Serialize;

use crate::{Archive, Error, Result};

/// What to open.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    /// One medium, or every carrier of a batch.
    pub media: Vec<PathBuf>,
    /// The signer's fingerprint as read from the signed paper list, or the
    /// text of its QR code.
    pub trust: Option<String>,
    /// Who opens (recorded).
    pub actor: String,
}

/// A carrier as found.
#[derive(Debug, Clone, Serialize)]
pub struct CarrierSeen {
    /// The medium.
    pub path: PathBuf,
    /// Its number, when it has a carrier manifest.
    pub carrier_no: Option<u32>,
    /// Number of carriers it says the batch has.
    pub carriers: Option<u32>,
    /// Its digest (of `载体清单.json`), to compare with the register.
    pub digest: Option<String>,
}

/// One package of an opened batch.
#[derive(Debug, Clone, Serialize)]
pub struct IntakePackage {
    /// 序号.
    pub seq: u32,
    /// 电子文件号.
    pub efile_no: String,
    /// 办件编号.
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// Verdict.
    pub verdict: Verdict,
    /// One-line opinion.
    pub opinion: String,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// Return reason suggested from the failed items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_reason: Option<String>,
    /// `pending`, `accept` or `return`.
    pub decision: String,
}

/// The result of opening a batch.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeReport {
    /// 批次编号.
    pub batch_no: String,
    /// Batch digest.
    pub batch_digest: String,
    /// Its algorithm.
    pub digest_algo: String,
    /// The batch it corrects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
    /// Transferring unit.
    pub unit: ManifestUnit,
    /// 移交人.
    pub transferred_by: String,
    /// The signer's fingerprint.
    pub fingerprint: String,
    /// `stored` (known key), `confirmed` (first use, confirmed now) or
    /// `changed` (a new key for a known unit, confirmed now).
    pub trust: String,
    /// The carriers.
    pub carriers: Vec<CarrierSeen>,
    /// Every package of the manifest, in order.
    pub packages: Vec<IntakePackage>,
    /// Findings about the batch as a whole.
    pub batch_findings: Vec<Finding>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// Packages that passed.
    pub passed: usize,
    /// Packages that failed (or are missing).
    pub failed: usize,
}

/// What accepting did.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptReport {
    /// 批次编号.
    pub batch_no: String,
    /// Accepted 电子文件号.
    pub accepted: Vec<String>,
    /// Returned packages with reasons.
    pub returned: Vec<ReturnedPackage>,
    /// 接收回执.
    pub receipt_pdf: PathBuf,
    /// 退回单.
    pub return_slip_pdf: PathBuf,
    /// The signed return file.
    pub return_file: PathBuf,
    /// Where accepted packages are stored.
    pub storage: PathBuf,
    /// The batch had been accepted (committed) before this run, which only
    /// delivered its signed files or made sure they still are (a rerun).
    pub already_done: bool,
    /// When the batch was accepted.
    pub received_at: Option<String>,
}

/// A receipt with its packages, for `intake status`.
#[derive(Debug, Clone)]
pub struct ReceiptStatus {
    /// The receipt.
    pub receipt: Receipt,
    /// Its packages.
    pub packages: Vec<ReceiptItem>,
}

/// What importing a return file did (hall side).
#[derive(Debug, Clone, Serialize)]
pub struct ReturnsImported {
    /// 批次编号.
    pub batch_no: String,
    /// The receiving unit.
    pub receiving_unit: String,
    /// The archivist who signed.
    pub archivist: String,
    /// Their fingerprint.
    pub fingerprint: String,
    /// Cases accepted.
    pub accepted: usize,
    /// Cases returned, with reasons.
    pub returned: Vec<ReturnedPackage>,
    /// True when this decision had been imported before (nothing changed).
    pub already_imported: bool,
    /// `stored` (the signer's key was confirmed before) or `confirmed`
    /// (confirmed now, with the fingerprint typed or scanned).
    pub trust: String,
}

/// Lower-case hex digits only (typed fingerprints may carry spaces or colons).
pub(super) fn hex_only(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The fingerprint (and batch digest, from a QR payload) the archivist gave.
pub(super) fn parse_trust(s: &str) -> (String, Option<String>) {
    if s.contains("fingerprint=") {
        let mut fp = String::new();
        let mut digest = None;
        for part in s.split(';') {
            if let Some((k, v)) = part.split_once('=') {
                match k.trim() {
                    "fingerprint" => fp = hex_only(v),
                    "SM3" | "SHA-256" | "SHA256" => digest = Some(hex_only(v)),
                    _ => {}
                }
            }
        }
        (fp, digest)
    } else {
        (hex_only(s), None)
    }
}

pub(super) fn suggested_reason(findings: &[Finding]) -> Option<String> {
    let v: Vec<String> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .map(|f| {
            format!(
                "[{}] {}{}",
                f.item,
                f.reason.as_deref().unwrap_or(&f.title),
                f.entry
                    .as_deref()
                    .map(|e| format!("（{e}）"))
                    .unwrap_or_default()
            )
        })
        .collect();
    (!v.is_empty()).then(|| v.join("；"))
}

/// Folder of `receipts/{批次编号}/` holding the signed files of an
/// acceptance until its decision is committed.
pub(super) const PENDING: &str = ".待登记";
/// The receipt's file name.
pub(super) const RECEIPT_PDF: &str = "接收回执.pdf";
/// The return slip's file name.
pub(super) const SLIP_PDF: &str = "退回单.pdf";

mod accept;
mod open;
mod returns;

impl Archive {
    /// The batch of an acceptance whose signed files are still pending.
    pub(super) fn pending_accept(&self) -> Option<String> {
        std::fs::read_dir(self.dir.join("receipts"))
            .ok()?
            .filter_map(|e| e.ok())
            .find(|e| e.path().join(PENDING).is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
    }

    pub(super) fn require_role(&self, role: Role, what: &str) -> Result<()> {
        let unit = self.unit()?;
        if unit.role != role {
            return Err(Error::WrongRole {
                role: unit.role.label().into(),
                what: what.into(),
            });
        }
        Ok(())
    }

    /// The receipt to act on: the batch named, else the newest open one.
    pub(super) fn current_receipt(&self, batch_no: Option<&str>) -> Result<Receipt> {
        intake::receipts(self.cat.db())?
            .into_iter()
            .find(|r| r.status == "open" && batch_no.is_none_or(|b| b == r.batch_no))
            .ok_or_else(|| {
                Error::Intake(match batch_no {
                    Some(b) => {
                        format!("没有待处理的批次 {b}：请先用 guidang intake open 打开其载体")
                    }
                    None => "没有待处理的批次：请先用 guidang intake open 打开载体".into(),
                })
            })
    }

    /// Returns a package of the open batch with a reason.
    pub fn intake_return(
        &mut self,
        efile_no: &str,
        reason: &str,
        actor: &str,
        batch_no: Option<&str>,
    ) -> Result<()> {
        self.require_role(Role::Intake, "不能退回；退回在接收方进行")?;
        if reason.trim().is_empty() {
            return Err(Error::invalid(
                "退回原因（--reason）",
                "请写明退回原因，移交方要据此更正",
            ));
        }
        let r = self.current_receipt(batch_no)?;
        let now = guidang_catalog::now_string();
        self.cat.transaction(|tx| -> Result<()> {
            if !intake::decide(
                tx,
                r.id,
                efile_no,
                "return",
                Some(reason.trim()),
                actor,
                &now,
            )? {
                return Err(Error::Intake(format!(
                    "批次 {} 中没有电子文件号为 {efile_no} 的包",
                    r.batch_no
                )));
            }
            audit::append(
                tx,
                actor,
                "intake_return",
                efile_no,
                &serde_json::json!({"batch": r.batch_no, "reason": reason.trim()}),
            )?;
            Ok(())
        })
    }

    /// Receipts, newest first, with their packages.
    pub fn intake_status(&self) -> Result<Vec<ReceiptStatus>> {
        self.require_role(
            Role::Intake,
            "没有接收记录；接收记录在接收方（--role intake）的数据目录中",
        )?;
        intake::receipts(self.cat.db())?
            .into_iter()
            .map(|r| {
                let packages = intake::receipt_items(self.cat.db(), r.id)?;
                Ok(ReceiptStatus {
                    receipt: r,
                    packages,
                })
            })
            .collect()
    }

    /// Accepted packages.
    pub fn holdings(&self) -> Result<Vec<intake::Holding>> {
        self.require_role(Role::Intake, "没有入库记录；入库记录在接收方的数据目录中")?;
        Ok(intake::holdings(self.cat.db())?)
    }

    /// Materials of an accepted package and their entries.
    pub fn holding_materials(&self, efile_no: &str) -> Result<Vec<HoldingMaterial>> {
        Ok(intake::holding_materials(self.cat.db(), efile_no)?)
    }
}
