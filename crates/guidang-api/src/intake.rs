//! The intake workstation (接收方): open the carriers of a batch, check them,
//! decide per package, accept into storage, and hand back a signed return
//! file; and on the hall's side, import that return file.
//!
//! Opening a batch:
//! 1. every medium must hold the same `批次清单.json` (one batch at a time);
//! 2. the batch signer's key is trusted from the catalog (`senders`), or on
//!    first use only when the archivist typed its fingerprint (or the QR
//!    payload) from the signed paper list (`--trust`); a different key for a
//!    known unit is refused loudly unless re-confirmed the same way;
//! 3. the yj-stage check runs on every package of every carrier, trusting
//!    the confirmed key and the unit's sealing keys from `其他/` when that
//!    keyring contains the confirmed signer;
//! 4. findings are added for the carriers (each `载体清单.json` against the
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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use guidang_catalog::intake::{self, HoldingMaterial, Receipt, ReceiptItem};
use guidang_catalog::{audit, batches, cases};
use guidang_check::{BatchCheck, Finding, PackageCheck, Stage, Verdict};
use guidang_core::{CancelFlag, CaseStatus, DigestAlgo, Progress, Role};
use guidang_package::TrustedKey;
use guidang_transfer::manifest::{MANIFEST_FILE, SIGNATURE_FILE};
use guidang_transfer::returns::{
    AcceptedPackage, ReturnDecision, ReturnEnvelope, ReturnedPackage, RETURN_FILE, RETURN_FORMAT,
};
use guidang_transfer::write::{CarrierManifest, CARRIER_FILE};
use guidang_transfer::{BatchSignature, Manifest, ManifestPackage, ManifestUnit};
use serde::Serialize;

use crate::checking::CheckTarget;
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
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptStatus {
    /// The receipt.
    #[serde(flatten)]
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
fn hex_only(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The fingerprint (and batch digest, from a QR payload) the archivist gave.
fn parse_trust(s: &str) -> (String, Option<String>) {
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

fn suggested_reason(findings: &[Finding]) -> Option<String> {
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
const PENDING: &str = ".待登记";
/// The receipt's file name.
const RECEIPT_PDF: &str = "接收回执.pdf";
/// The return slip's file name.
const SLIP_PDF: &str = "退回单.pdf";

impl Archive {
    /// The batch of an acceptance whose signed files are still pending.
    fn pending_accept(&self) -> Option<String> {
        std::fs::read_dir(self.dir.join("receipts"))
            .ok()?
            .filter_map(|e| e.ok())
            .find(|e| e.path().join(PENDING).is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
    }

    fn require_role(&self, role: Role, what: &str) -> Result<()> {
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
    fn current_receipt(&self, batch_no: Option<&str>) -> Result<Receipt> {
        intake::receipts(self.cat.conn())?
            .into_iter()
            .find(|r| r.status == "open" && batch_no.is_none_or(|b| b == r.batch_no))
            .ok_or_else(|| {
                Error::Transfer(match batch_no {
                    Some(b) => {
                        format!("没有待处理的批次 {b}：请先用 guidang intake open 打开其载体")
                    }
                    None => "没有待处理的批次：请先用 guidang intake open 打开载体".into(),
                })
            })
    }

    /// Opens the carriers of a batch and checks everything on them.
    pub fn intake_open(
        &mut self,
        req: &OpenRequest,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<IntakeReport> {
        self.require_role(
            Role::Intake,
            "不能接收载体；接收请在接收方（--role intake）的数据目录中进行",
        )?;
        if req.media.is_empty() {
            return Err(Error::Transfer("请给出载体（移动介质的根目录）".into()));
        }
        use guidang_transfer::carrier::{read_capped, PathProblem, MAX_MANIFEST, MAX_SMALL};
        let mut manifests = Vec::new();
        for p in &req.media {
            if !p.is_dir() {
                return Err(Error::NotFound(p.clone()));
            }
            match read_capped(p, MANIFEST_FILE, MAX_MANIFEST) {
                Ok(b) => manifests.push(b),
                Err(PathProblem::Missing) => {
                    return Err(Error::Transfer(format!(
                    "{} 上没有 {MANIFEST_FILE}：不是移交载体，或选错了文件夹（应选载体的根目录）",
                    p.display()
                )))
                }
                Err(e) => {
                    return Err(Error::Transfer(format!(
                        "{} 上的 {MANIFEST_FILE}{e}：不能作为移交载体打开，请移交方重新写入",
                        p.display()
                    )))
                }
            }
        }
        let bytes = manifests[0].clone();
        let m = Manifest::from_bytes(&bytes).map_err(Error::Transfer)?;
        let algo: DigestAlgo = m.suite.digest();
        let batch_digest = algo.hex(&bytes);
        let other: BTreeSet<String> = manifests
            .iter()
            .map(|b| algo.hex(b))
            .filter(|d| *d != batch_digest)
            .collect();
        if !other.is_empty() {
            return Err(Error::Transfer(
                "这些载体上的批次清单不同，属于不同的批次（或已被改动）：请一次只打开同一批次的载体".into(),
            ));
        }
        let sig: BatchSignature = read_capped(&req.media[0], SIGNATURE_FILE, MAX_SMALL)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| {
                Error::Transfer(format!(
                    "载体上缺少或无法读取批次清单的签名 {SIGNATURE_FILE}：无法确认移交方，不能接收。请移交方重新写入载体"
                ))
            })?;
        // Trust in the batch signer.
        let given = req.trust.as_deref().map(parse_trust);
        if let Some((fp, digest)) = &given {
            if digest.as_ref().is_some_and(|d| *d != batch_digest) || *fp != sig.fingerprint {
                return Err(Error::TrustMismatch {
                    given: req.trust.clone().unwrap_or_default(),
                    found: sig.fingerprint.clone(),
                });
            }
        }
        let stored = intake::sender(self.cat.conn(), &m.unit.region, &m.unit.fonds)?;
        let trust = match (&stored, &given) {
            (Some(s), _) if s.fingerprint == sig.fingerprint => "stored",
            (Some(_), Some(_)) => "changed",
            (Some(s), None) => {
                return Err(Error::SenderKeyChanged {
                    unit: m.unit.name.clone(),
                    stored: s.fingerprint.clone(),
                    found: sig.fingerprint.clone(),
                })
            }
            (None, Some(_)) => "confirmed",
            (None, None) => {
                return Err(Error::UntrustedSender {
                    unit: m.unit.name.clone(),
                    operator: sig.operator.clone(),
                    fingerprint: sig.fingerprint.clone(),
                })
            }
        };
        let signer_key = TrustedKey {
            operator: sig.operator.clone(),
            unit: m.unit.name.clone(),
            suite: sig.suite,
            public_key: sig.public_key.clone(),
            fingerprint: sig.fingerprint.clone(),
        };
        // The unit's sealing keys: from the catalog, and from the medium's
        // keyring when it holds the confirmed signer and the signature holds.
        let mut keys = vec![signer_key.clone()];
        if let Some(s) = &stored {
            keys.extend(
                intake::sender_keys(self.cat.conn(), s.id)?
                    .into_iter()
                    .filter_map(|k| {
                        Some(TrustedKey {
                            operator: k.operator,
                            unit: m.unit.name.clone(),
                            suite: guidang_core::Suite::from_code(&k.suite)?,
                            public_key: k.public_key,
                            fingerprint: k.fingerprint,
                        })
                    }),
            );
        }
        let mut learnt = Vec::new();
        let signature_ok = sig.verify(&bytes, None).is_empty();
        if let Ok(k) =
            crate::packaging::read_medium_keyring(&req.media[0], "其他/移交单位公钥.json")
        {
            if signature_ok && k.keys.iter().any(|x| x.fingerprint == sig.fingerprint) {
                learnt = k.keys.clone();
                keys.extend(k.keys);
            }
        }
        let check = self.check_with_keys(
            &CheckTarget::Paths(req.media.clone()),
            Stage::Yj,
            &[],
            &keys,
            &req.actor,
            progress,
            cancel,
        )?;
        let (carriers, mut batch) = self.carrier_findings(req, &m, algo, &batch_digest, check)?;
        // Packages already received.
        for p in batch.packages.iter_mut() {
            if let Some((b, at)) = intake::holding_of(self.cat.conn(), &p.efile_no)? {
                guidang_check::push(
                    p,
                    "2-2-2",
                    Verdict::Fail,
                    format!(
                        "电子文件号 {} 已于 {at} 随批次 {b} 接收入库，不能重复接收",
                        p.efile_no
                    ),
                    None,
                );
            }
        }
        // A batch received before: a replay.
        let earlier = intake::receipts_of_digest(self.cat.conn(), &batch_digest)?;
        if let Some(r) = earlier.iter().find(|r| r.status == "received") {
            batch.batch_findings.push(guidang_check::finding(
                Stage::Yj,
                "4-3-1",
                Verdict::Fail,
                format!(
                    "批次 {}（摘要相同）已于 {} 接收过（接收 {} 个，退回 {} 个）：这是重复移交或重放的旧批次，不要再次接收",
                    r.batch_no,
                    r.received_at.as_deref().unwrap_or(""),
                    r.accepted,
                    r.returned
                ),
                Some(MANIFEST_FILE.into()),
            ));
        }
        // Decisions carried over from an earlier opening of the same batch.
        let reopened = earlier.iter().find(|r| r.status == "open");
        let previous: HashMap<String, ReceiptItem> = match reopened {
            Some(r) => intake::receipt_items(self.cat.conn(), r.id)?
                .into_iter()
                .filter(|i| i.decision != "pending")
                .map(|i| (i.efile_no.clone(), i))
                .collect(),
            None => HashMap::new(),
        };
        let by_efile: HashMap<&str, &PackageCheck> = batch
            .packages
            .iter()
            .map(|p| (p.efile_no.as_str(), p))
            .collect();
        let mut packages = Vec::new();
        let mut items = Vec::new();
        for mp in &m.packages {
            let (verdict, opinion, findings, path) = match by_efile.get(mp.efile_no.as_str()) {
                Some(p) => (
                    p.verdict,
                    p.opinion.clone(),
                    p.findings.clone(),
                    Some(p.package.display().to_string()),
                ),
                None => {
                    let f = guidang_check::finding(
                        Stage::Yj,
                        "2-1-1",
                        Verdict::Fail,
                        format!("批次清单第 {} 号的包不在所给的载体上", mp.seq),
                        Some(format!("{}.zip", mp.efile_no)),
                    );
                    (
                        Verdict::Fail,
                        "不合格：载体上没有这个包".into(),
                        vec![f],
                        None,
                    )
                }
            };
            let suggested = suggested_reason(&findings);
            let prev = previous.get(&mp.efile_no);
            let decision = prev
                .map(|i| i.decision.clone())
                .unwrap_or_else(|| "pending".into());
            items.push(ReceiptItem {
                seq: mp.seq,
                efile_no: mp.efile_no.clone(),
                case_no: mp.case_no.clone(),
                case_name: mp.case_name.clone(),
                item_name: mp.item_name.clone(),
                size: mp.size,
                digest: mp.digest.clone(),
                path,
                verdict: verdict.code().into(),
                suggested: suggested.clone(),
                decision: decision.clone(),
                reason: prev.and_then(|i| i.reason.clone()),
                decided_by: prev.and_then(|i| i.decided_by.clone()),
                decided_at: prev.and_then(|i| i.decided_at.clone()),
                manifest: serde_json::to_string(mp).expect("json"),
            });
            packages.push(IntakePackage {
                seq: mp.seq,
                efile_no: mp.efile_no.clone(),
                case_no: mp.case_no.clone(),
                case_name: mp.case_name.clone(),
                verdict,
                opinion,
                findings,
                suggested_reason: suggested,
                decision,
            });
        }
        let failed = packages
            .iter()
            .filter(|p| p.verdict == Verdict::Fail)
            .count();
        let verdict = if failed > 0
            || batch
                .batch_findings
                .iter()
                .any(|f| f.verdict == Verdict::Fail)
        {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let now = guidang_catalog::now_string();
        let receipt = Receipt {
            id: 0,
            batch_no: m.batch_no.clone(),
            batch_digest: batch_digest.clone(),
            digest_algo: algo.name().into(),
            corrects: m.corrects.clone(),
            unit_name: m.unit.name.clone(),
            transferred_by: sig.operator.clone(),
            fingerprint: sig.fingerprint.clone(),
            media: serde_json::to_string(&req.media).expect("json"),
            opened_at: now.clone(),
            opened_by: req.actor.clone(),
            verdict: verdict.code().into(),
            findings: serde_json::to_string(&batch.batch_findings).expect("json"),
            status: "open".into(),
            received_at: None,
            received_by: None,
            accepted: 0,
            returned: 0,
        };
        self.cat.transaction(|tx| -> Result<()> {
            if let Some(r) = reopened {
                intake::drop_open_receipt(tx, r.id)?;
            }
            let id = intake::insert_receipt(tx, &receipt, &items)?;
            let sender_id = if trust == "stored" {
                stored.as_ref().map(|s| s.id).expect("stored sender")
            } else {
                let id = intake::trust_sender(
                    tx,
                    &intake::Sender {
                        id: 0,
                        region: m.unit.region.clone(),
                        fonds: m.unit.fonds.clone(),
                        unit_name: m.unit.name.clone(),
                        suite: sig.suite.code().into(),
                        operator: sig.operator.clone(),
                        public_key: sig.public_key.clone(),
                        fingerprint: sig.fingerprint.clone(),
                        trusted_at: now.clone(),
                        trusted_by: req.actor.clone(),
                    },
                )?;
                audit::append(
                    tx,
                    &req.actor,
                    "sender_trust",
                    &format!("{}-{}", m.unit.region, m.unit.fonds),
                    &serde_json::json!({"unit": m.unit.name, "fingerprint": sig.fingerprint, "previous": stored.as_ref().map(|s| &s.fingerprint), "confirmed_with": req.trust}),
                )?;
                id
            };
            intake::set_receipt_sender(tx, id, sender_id)?;
            let keys: Vec<intake::SenderKey> = learnt
                .iter()
                .chain(std::iter::once(&signer_key))
                .map(|k| intake::SenderKey {
                    operator: k.operator.clone(),
                    suite: k.suite.code().into(),
                    public_key: k.public_key.clone(),
                    fingerprint: k.fingerprint.clone(),
                })
                .collect();
            intake::add_sender_keys(tx, sender_id, &keys)?;
            audit::append(
                tx,
                &req.actor,
                "intake_open",
                &m.batch_no,
                &serde_json::json!({"digest": batch_digest, "verdict": verdict.code(), "failed": failed, "trust": trust, "media": req.media}),
            )?;
            Ok(())
        })?;
        Ok(IntakeReport {
            batch_no: m.batch_no.clone(),
            batch_digest,
            digest_algo: algo.name().into(),
            corrects: m.corrects.clone(),
            unit: m.unit.clone(),
            transferred_by: sig.operator.clone(),
            fingerprint: sig.fingerprint.clone(),
            trust: trust.into(),
            carriers,
            passed: packages.len() - failed,
            failed,
            packages,
            batch_findings: batch.batch_findings,
            verdict,
        })
    }

    /// Checks each carrier's manifest against the batch and the files on it,
    /// and the set of carriers against the batch.
    fn carrier_findings(
        &self,
        req: &OpenRequest,
        m: &Manifest,
        algo: DigestAlgo,
        batch_digest: &str,
        mut batch: BatchCheck,
    ) -> Result<(Vec<CarrierSeen>, BatchCheck)> {
        let fail = |reason: String, entry: Option<String>| {
            guidang_check::finding(Stage::Yj, "4-2-1", Verdict::Fail, reason, entry)
        };
        let by_efile: HashMap<&str, &ManifestPackage> = m
            .packages
            .iter()
            .map(|p| (p.efile_no.as_str(), p))
            .collect();
        let mut seen = Vec::new();
        let mut numbers: BTreeMap<u32, usize> = BTreeMap::new();
        let mut total = None;
        for root in &req.media {
            // The carrier itself (files against its manifest, both ways)
            // was audited by the check; here only its place in the batch.
            let cm = guidang_transfer::carrier::read_capped(
                root,
                CARRIER_FILE,
                guidang_transfer::carrier::MAX_MANIFEST,
            )
            .ok()
            .and_then(|b| {
                CarrierManifest::from_bytes(&b)
                    .ok()
                    .map(|m| (algo.hex(&b), m))
            });
            let Some((digest, cm)) = cm else {
                seen.push(CarrierSeen {
                    path: root.clone(),
                    carrier_no: None,
                    carriers: None,
                    digest: None,
                });
                continue;
            };
            if cm.batch_digest != batch_digest || cm.batch_no != m.batch_no {
                batch.batch_findings.push(fail(
                    format!(
                        "载体 {} 的载体清单属于另一批次（{}）",
                        root.display(),
                        cm.batch_no
                    ),
                    Some(CARRIER_FILE.into()),
                ));
            }
            *numbers.entry(cm.carrier_no).or_default() += 1;
            total = Some(cm.carriers);
            for f in cm.files.iter().filter(|f| f.path.starts_with("电子档案/")) {
                let stem = f
                    .path
                    .rsplit('/')
                    .next()
                    .and_then(|n| n.strip_suffix(".zip"))
                    .unwrap_or("");
                // Packages are read once, by the check; here only the
                // listing is compared with the signed batch manifest.
                if by_efile.get(stem).is_none_or(|p| p.digest != f.digest) {
                    batch.batch_findings.push(fail(
                        "载体清单所列包的摘要与批次清单不一致".into(),
                        Some(f.path.clone()),
                    ));
                }
            }
            seen.push(CarrierSeen {
                path: root.clone(),
                carrier_no: Some(cm.carrier_no),
                carriers: Some(cm.carriers),
                digest: Some(digest),
            });
        }
        if let Some(n) = total {
            for k in 1..=n {
                match numbers.get(&k) {
                    None => batch.batch_findings.push(guidang_check::finding(
                        Stage::Yj,
                        "2-1-1",
                        Verdict::Fail,
                        format!("缺少第 {k} 号载体（本批次共 {n} 个载体），其上的包未能检测"),
                        None,
                    )),
                    Some(c) if *c > 1 => batch
                        .batch_findings
                        .push(fail(format!("第 {k} 号载体给了 {c} 次"), None)),
                    _ => {}
                }
            }
        }
        if batch
            .batch_findings
            .iter()
            .any(|f| f.verdict == Verdict::Fail)
        {
            batch.verdict = Verdict::Fail;
        }
        Ok((seen, batch))
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
                return Err(Error::Transfer(format!(
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
        intake::receipts(self.cat.conn())?
            .into_iter()
            .map(|r| {
                let packages = intake::receipt_items(self.cat.conn(), r.id)?;
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
        Ok(intake::holdings(self.cat.conn())?)
    }

    /// Materials of an accepted package and their entries.
    pub fn holding_materials(&self, efile_no: &str) -> Result<Vec<HoldingMaterial>> {
        Ok(intake::holding_materials(self.cat.conn(), efile_no)?)
    }

    /// Accepts every package of the open batch that is not returned (a
    /// failing package not decided on is returned with its suggested
    /// reason), stores the accepted ones, writes the receipt, return slip
    /// and signed return file, and marks the batch received.
    pub fn intake_accept(
        &mut self,
        operator: &str,
        pin: &str,
        return_file: Option<&Path>,
        batch_no: Option<&str>,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<AcceptReport> {
        self.require_role(Role::Intake, "不能接收入库；接收在接收方进行")?;
        let unit = self.unit()?;
        // An acceptance stopped after its commit is finished, not redone.
        if let Some(b) = batch_no
            .map(str::to_string)
            .or_else(|| self.pending_accept())
        {
            if let Some(done) = self.finish_accept(&b, return_file)? {
                return Ok(done);
            }
        }
        let r = match self.current_receipt(batch_no) {
            Ok(r) => r,
            // A rerun of a finished acceptance: the same result, delivered.
            Err(e) => {
                let last = match batch_no {
                    Some(b) => Some(b.to_string()),
                    None => intake::receipts(self.cat.conn())?
                        .into_iter()
                        .filter(|x| x.status == "received")
                        .max_by(|a, b| a.received_at.cmp(&b.received_at))
                        .map(|x| x.batch_no),
                };
                match last {
                    Some(b) => return self.finish_accept(&b, return_file)?.ok_or(e),
                    None => return Err(e),
                }
            }
        };
        if let Some(done) = intake::receipts_of_digest(self.cat.conn(), &r.batch_digest)?
            .into_iter()
            .find(|x| x.status == "received")
        {
            return Err(Error::Transfer(format!(
                "批次 {} 已于 {} 接收过，不能重复接收",
                done.batch_no,
                done.received_at.unwrap_or_default()
            )));
        }
        let signer = self.unlock(operator, pin)?;
        let items = intake::receipt_items(self.cat.conn(), r.id)?;
        let media: Vec<PathBuf> = serde_json::from_str(&r.media).unwrap_or_default();
        // The transferring unit as in the manifest opened (re-read only if it
        // is still the same batch).
        let transferring = media
            .first()
            .and_then(|m| {
                guidang_transfer::carrier::read_capped(
                    m,
                    MANIFEST_FILE,
                    guidang_transfer::carrier::MAX_MANIFEST,
                )
                .ok()
            })
            .filter(|b| {
                DigestAlgo::from_name(&r.digest_algo).is_some_and(|a| a.hex(b) == r.batch_digest)
            })
            .and_then(|b| Manifest::from_bytes(&b).ok())
            .map(|m| m.unit)
            .unwrap_or(ManifestUnit {
                region: String::new(),
                fonds: String::new(),
                name: r.unit_name.clone(),
            });
        let algo = DigestAlgo::from_name(&r.digest_algo)
            .ok_or_else(|| Error::Transfer(format!("未知的摘要算法 {}", r.digest_algo)))?;
        let storage = self
            .dir
            .join("holdings")
            .join(format!("{}-{}", transferring.region, transferring.fonds));
        let mut accepted = Vec::new();
        let mut returned = Vec::new();
        for i in &items {
            let mp: ManifestPackage = serde_json::from_str(&i.manifest)
                .map_err(|e| Error::Transfer(format!("接收记录损坏：{e}")))?;
            let take = match i.decision.as_str() {
                "return" => false,
                "accept" => i.path.is_some(),
                _ => i.verdict != "fail" && i.path.is_some(),
            };
            if take {
                accepted.push((i, mp));
            } else {
                returned.push(ReturnedPackage {
                    seq: i.seq,
                    efile_no: i.efile_no.clone(),
                    case_no: i.case_no.clone(),
                    case_name: i.case_name.clone(),
                    digest: i.digest.clone(),
                    reason: i
                        .reason
                        .clone()
                        .or_else(|| i.suggested.clone())
                        .unwrap_or_else(|| "接收方决定退回".into()),
                });
            }
        }
        // Store accepted packages (verify after copy); register afterwards.
        let total = accepted.len() as u64;
        let mut stored = Vec::new();
        for (n, (i, mp)) in accepted.iter().enumerate() {
            progress.report(n as u64, total, &i.efile_no);
            let src = PathBuf::from(i.path.as_deref().expect("accepted packages were found"));
            let to = storage
                .join(mp.year.to_string())
                .join(format!("{}.zip", i.efile_no));
            guidang_transfer::write::copy_verified(
                &guidang_transfer::write::Source {
                    rel: i.efile_no.clone(),
                    src,
                    size: i.size,
                    digest: i.digest.clone(),
                },
                &to,
                algo,
                cancel,
            )?;
            let materials = package_materials(&to)?;
            stored.push((to, materials));
        }
        progress.report(total, total, "已入库");
        let now = guidang_catalog::now_string();
        let decision = ReturnDecision {
            format: RETURN_FORMAT.into(),
            batch_no: r.batch_no.clone(),
            batch_digest: r.batch_digest.clone(),
            digest_algo: r.digest_algo.clone(),
            transferring_unit: transferring.clone(),
            receiving_unit: ManifestUnit {
                region: unit.region.clone(),
                fonds: unit.fonds.clone(),
                name: unit.unit_name.clone(),
            },
            archivist: operator.into(),
            decided_at: now.clone(),
            accepted: accepted
                .iter()
                .map(|(i, _)| AcceptedPackage {
                    efile_no: i.efile_no.clone(),
                    case_no: i.case_no.clone(),
                    digest: i.digest.clone(),
                })
                .collect(),
            returned: returned.clone(),
        };
        let envelope = ReturnEnvelope::sign(&decision, unit.suite, &signer)?;
        let pdf_err = |e: guidang_pdf::PdfError| Error::Check(e.to_string());
        let sizes: Vec<u64> = accepted.iter().map(|(i, _)| i.size).collect();
        let receipt_pdf =
            guidang_transfer::forms::receipt_pdf(&decision, &envelope, &sizes).map_err(pdf_err)?;
        let slip_pdf =
            guidang_transfer::forms::return_slip_pdf(&decision, &envelope).map_err(pdf_err)?;
        // The signed files are made now but kept in the data directory's
        // pending folder until the decision is committed; only then are
        // they put in place and handed out (see `finish_accept`).
        let pending = self.dir.join("receipts").join(&r.batch_no).join(PENDING);
        let write = |p: &Path, b: &[u8]| {
            guidang_collect::store::write_atomic(p, b).map_err(|source| Error::DataDir {
                path: p.to_path_buf(),
                source,
            })
        };
        write(&pending.join(RECEIPT_PDF), &receipt_pdf)?;
        write(&pending.join(SLIP_PDF), &slip_pdf)?;
        write(&pending.join(RETURN_FILE), &envelope.to_bytes())?;
        self.cat.transaction(|tx| -> Result<()> {
            for ((i, mp), (to, materials)) in accepted.iter().zip(&stored) {
                intake::insert_holding(
                    tx,
                    r.id,
                    &intake::Holding {
                        efile_no: i.efile_no.clone(),
                        batch_no: r.batch_no.clone(),
                        path: guidang_core::fsutil::rel_path(to, &self.dir),
                        size: i.size,
                        digest_algo: r.digest_algo.clone(),
                        digest: i.digest.clone(),
                        accepted_at: now.clone(),
                        accepted_by: operator.into(),
                        case_no: mp.case_no.clone(),
                        case_name: mp.case_name.clone(),
                        item_code: mp.item_code.clone(),
                        item_name: mp.item_name.clone(),
                        year: mp.year,
                        retention: mp.retention.clone(),
                        applicant: mp.applicant.clone(),
                        completed_on: mp.completed_on.clone(),
                        open_opinion: mp.open_opinion.clone(),
                        destroyed_at: None,
                    },
                    materials,
                )?;
                intake::decide(tx, r.id, &i.efile_no, "accept", None, operator, &now)?;
                audit::append(
                    tx,
                    operator,
                    "intake_accept",
                    &i.efile_no,
                    &serde_json::json!({"batch": r.batch_no, "digest": i.digest}),
                )?;
            }
            for p in &returned {
                intake::decide(tx, r.id, &p.efile_no, "return", Some(&p.reason), operator, &now)?;
            }
            intake::mark_received(
                tx,
                r.id,
                &now,
                operator,
                accepted.len() as u32,
                returned.len() as u32,
            )?;
            audit::append(
                tx,
                operator,
                "intake_receive",
                &r.batch_no,
                &serde_json::json!({"digest": r.batch_digest, "accepted": accepted.len(), "returned": returned.len(), "return_file_fingerprint": envelope.fingerprint}),
            )?;
            Ok(())
        })?;
        self.finish_accept(&r.batch_no, return_file)?
            .map(|done| AcceptReport {
                already_done: false,
                ..done
            })
            .ok_or_else(|| Error::Transfer("接收结果已登记，但找不到待交付的退回文件".into()))
    }

    /// Puts the signed files of a committed acceptance in place: the
    /// receipt, the return slip and the return file move from the pending
    /// folder into `receipts/{批次编号}/`, and the return file is written
    /// to `return_file` or the first medium. Also finishes an acceptance
    /// whose run was stopped after its commit (`intake accept` run again),
    /// and drops the pending files of one stopped before its commit (the
    /// rerun makes them anew). `None` when there is nothing to finish.
    fn finish_accept(
        &mut self,
        batch_no: &str,
        return_file: Option<&Path>,
    ) -> Result<Option<AcceptReport>> {
        let out = self.dir.join("receipts").join(batch_no);
        let pending = out.join(PENDING);
        let io = |p: &Path| {
            let path = p.to_path_buf();
            move |source| Error::DataDir { path, source }
        };
        let received = intake::receipts(self.cat.conn())?
            .into_iter()
            .find(|x| x.batch_no == batch_no && x.status == "received");
        let Some(r) = received else {
            // Signed files of a run that never committed describe nothing.
            if pending.is_dir() {
                std::fs::remove_dir_all(&pending).map_err(io(&pending))?;
            }
            return Ok(None);
        };
        // Committed: deliver what a killed run left pending, or, when all
        // was delivered already, make sure it still is.
        let delivering = pending.is_dir();
        let bytes = std::fs::read(pending.join(RETURN_FILE))
            .or_else(|_| std::fs::read(out.join(RETURN_FILE)))
            .map_err(io(&pending.join(RETURN_FILE)))?;
        let (_, decision) = ReturnEnvelope::open(&bytes).map_err(Error::Transfer)?;
        if delivering {
            for name in [RECEIPT_PDF, SLIP_PDF, RETURN_FILE] {
                let from = pending.join(name);
                if from.exists() {
                    std::fs::rename(&from, out.join(name)).map_err(io(&from))?;
                }
            }
            guidang_core::fsutil::sync_dir(&out).map_err(io(&out))?;
        }
        let media: Vec<PathBuf> = serde_json::from_str(&r.media).unwrap_or_default();
        let return_path = match return_file {
            Some(p) => p.to_path_buf(),
            None => media
                .first()
                .map(|m| m.join(RETURN_FILE))
                .unwrap_or_else(|| out.join(RETURN_FILE)),
        };
        let delivered = std::fs::read(&return_path).is_ok_and(|b| b == bytes);
        if return_path != out.join(RETURN_FILE) && !delivered {
            guidang_collect::store::write_atomic(&return_path, &bytes).map_err(|source| {
                Error::Transfer(format!(
                    "接收结果已登记，但无法把退回文件写到 {}：{}。退回文件已保存在 {}，可复制给移交方，或用 --return-file 指定其他位置后重新运行",
                    return_path.display(),
                    guidang_core::oserror::describe(&source),
                    out.join(RETURN_FILE).display()
                ))
            })?;
        }
        if delivering {
            std::fs::remove_dir_all(&pending).map_err(io(&pending))?;
        }
        let t = &decision.transferring_unit;
        Ok(Some(AcceptReport {
            batch_no: r.batch_no.clone(),
            accepted: decision
                .accepted
                .iter()
                .map(|a| a.efile_no.clone())
                .collect(),
            returned: decision.returned.clone(),
            receipt_pdf: out.join(RECEIPT_PDF),
            return_slip_pdf: out.join(SLIP_PDF),
            return_file: return_path,
            storage: self
                .dir
                .join("holdings")
                .join(format!("{}-{}", t.region, t.fonds)),
            already_done: true,
            received_at: r.received_at.clone(),
        }))
    }

    /// Imports the receiving archive's return file on the hall: verifies its
    /// signature, that the signer's key is one confirmed for that receiving
    /// unit (the first time, and for a new key, `trust` must give the
    /// fingerprint or QR text printed on the signed receipt), and that it
    /// concerns a batch this hall sent; then marks the returned cases
    /// returned (with reasons) and the accepted ones accepted.
    pub fn import_returns(
        &mut self,
        file: &Path,
        actor: &str,
        trust: Option<&str>,
    ) -> Result<ReturnsImported> {
        self.require_role(Role::Hall, "不能导入退回文件；退回文件在移交方导入")?;
        // A return file arrives on a medium: bounded, a regular file only.
        let parent = guidang_core::fsutil::parent_or_dot(file);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = match guidang_transfer::carrier::read_capped(
            parent,
            &name,
            guidang_transfer::carrier::MAX_MANIFEST,
        ) {
            Ok(b) => b,
            Err(guidang_transfer::carrier::PathProblem::Missing) => {
                return Err(Error::NotFound(file.to_path_buf()))
            }
            Err(e) => {
                return Err(Error::Transfer(format!(
                    "退回文件 {} {e}：请向接收方索取原退回文件",
                    file.display()
                )))
            }
        };
        let (env, d) = ReturnEnvelope::open(&bytes).map_err(Error::BadReturnFile)?;
        let b = batches::get(self.cat.conn(), &d.batch_no)?
            .ok_or_else(|| Error::NoSuchBatch(d.batch_no.clone()))?;
        if b.digest != d.batch_digest {
            return Err(Error::BadReturnFile(format!(
                "退回文件针对的批次 {} 与本机登记的批次内容不同（摘要不一致），不是对本单位这一批次的决定",
                d.batch_no
            )));
        }
        let file_digest = DigestAlgo::from_name(&b.digest_algo)
            .unwrap_or(DigestAlgo::Sm3)
            .hex(&bytes);
        let already = audit::with_action(self.cat.conn(), "returns_import")?
            .iter()
            .any(|e| e.detail.contains(&file_digest));
        let mut report = ReturnsImported {
            batch_no: d.batch_no.clone(),
            receiving_unit: d.receiving_unit.name.clone(),
            archivist: d.archivist.clone(),
            fingerprint: env.fingerprint.clone(),
            accepted: d.accepted.len(),
            returned: d.returned.clone(),
            already_imported: already,
            trust: "stored".into(),
        };
        if already {
            return Ok(report);
        }
        // Trust in the signer, as the intake side trusts batch signers.
        if let Some(given) = trust {
            let (fp, digest) = parse_trust(given);
            if fp != env.fingerprint || digest.is_some_and(|x| x != d.batch_digest) {
                return Err(Error::ReceiverTrustMismatch {
                    given: given.into(),
                    found: env.fingerprint.clone(),
                });
            }
        }
        let known = intake::receiver_keys(
            self.cat.conn(),
            &d.receiving_unit.region,
            &d.receiving_unit.fonds,
        )?;
        let new_key = if known.iter().any(|k| k.fingerprint == env.fingerprint) {
            None
        } else if trust.is_some() {
            report.trust = "confirmed".into();
            Some(intake::ReceiverKey {
                region: d.receiving_unit.region.clone(),
                fonds: d.receiving_unit.fonds.clone(),
                unit_name: d.receiving_unit.name.clone(),
                archivist: env.operator.clone(),
                suite: env.suite.code().into(),
                public_key: env.public_key.clone(),
                fingerprint: env.fingerprint.clone(),
                trusted_at: guidang_catalog::now_string(),
                trusted_by: actor.into(),
            })
        } else {
            let u = &d.receiving_unit;
            let unit = format!(
                "“{}”（行政区划码 {}，全宗号 {}）",
                u.name, u.region, u.fonds
            );
            let archivist = env.operator.clone();
            let fingerprint = env.fingerprint.clone();
            return Err(if intake::receiver_key_count(self.cat.conn())? == 0 {
                // The hall's very first return file.
                Error::UntrustedReceiver {
                    unit,
                    archivist,
                    fingerprint,
                }
            } else {
                // Keys were confirmed before, for this unit or another: a
                // file naming a unit never seen is as suspect as a new key.
                Error::ReceiverKeyChanged {
                    unit,
                    archivist,
                    found: fingerprint,
                }
            });
        };
        // Every case named must be one of this batch, with the package sent.
        let mut plan = Vec::new();
        for (no, efile, digest, reason) in d
            .accepted
            .iter()
            .map(|a| (&a.case_no, &a.efile_no, &a.digest, None))
            .chain(
                d.returned
                    .iter()
                    .map(|r| (&r.case_no, &r.efile_no, &r.digest, Some(r.reason.clone()))),
            )
        {
            let c = cases::detail(self.cat.conn(), no)?
                .filter(|c| c.efile_no == *efile)
                .ok_or_else(|| {
                    Error::BadReturnFile(format!(
                        "退回文件中的办件 {no}（{efile}）不在本机目录库中"
                    ))
                })?;
            if batches::batch_of_case(self.cat.conn(), c.id)?.as_deref()
                != Some(d.batch_no.as_str())
            {
                return Err(Error::BadReturnFile(format!(
                    "办件 {no} 不属于批次 {}",
                    d.batch_no
                )));
            }
            let sent = guidang_catalog::packages::get(self.cat.conn(), no)?.map(|p| p.digest);
            if sent.as_deref() != Some(digest.as_str()) {
                return Err(Error::BadReturnFile(format!(
                    "退回文件中办件 {no} 的包摘要与本单位移交的包不同"
                )));
            }
            plan.push((c, reason));
        }
        self.cat.transaction(|tx| -> Result<()> {
            if let Some(k) = &new_key {
                intake::trust_receiver(tx, k)?;
                audit::append(
                    tx,
                    actor,
                    "receiver_trusted",
                    &k.unit_name,
                    &serde_json::json!({"archivist": k.archivist, "fingerprint": k.fingerprint, "known_keys": known.len()}),
                )?;
            }
            for (c, reason) in &plan {
                match reason {
                    Some(why) => {
                        cases::set_status(tx, c.id, CaseStatus::Returned)?;
                        intake::set_return_reason(tx, c.id, Some(why))?;
                        audit::append(
                            tx,
                            actor,
                            "case_returned",
                            &c.case_no,
                            &serde_json::json!({"batch": d.batch_no, "reason": why}),
                        )?;
                    }
                    None => cases::set_status(tx, c.id, CaseStatus::Accepted)?,
                }
            }
            batches::set_status(tx, &d.batch_no, "transferred")?;
            audit::append(
                tx,
                actor,
                "returns_import",
                &d.batch_no,
                &serde_json::json!({"file_digest": file_digest, "archivist": d.archivist, "fingerprint": env.fingerprint, "receiving_unit": d.receiving_unit.name, "accepted": d.accepted.len(), "returned": d.returned.len()}),
            )?;
            Ok(())
        })?;
        report.already_imported = false;
        Ok(report)
    }
}

/// The materials of a stored package, from its `元数据.xml`.
fn package_materials(path: &Path) -> Result<Vec<HoldingMaterial>> {
    let bad =
        |why: String| Error::Transfer(format!("无法读取入库包 {} 的元数据：{why}", path.display()));
    let mut f = std::fs::File::open(path).map_err(|source| Error::DataDir {
        path: path.to_path_buf(),
        source,
    })?;
    let index = guidang_package::reader::read_index(&mut f).map_err(bad)?;
    let e = index
        .entries
        .iter()
        .find(|e| e.name == "元数据.xml")
        .ok_or_else(|| bad("包内没有 元数据.xml".into()))?;
    let xml =
        guidang_package::reader::read_small(&f, e, 16 << 20).map_err(|p| bad(format!("{p:?}")))?;
    let md = guidang_package::metadata::parse_metadata(&xml).map_err(|p| bad(format!("{p:?}")))?;
    Ok(md
        .materials
        .into_iter()
        .map(|m| HoldingMaterial {
            seq: m.seq,
            category: m.category,
            name: m.original_name,
            entry: m.path,
            format: m.format,
            size: m.size,
            digest: m.digest,
        })
        .collect())
}
