//! Four-property checks (四性检测) over the catalog: building the check
//! context from what the catalog knows, running the engine, and recording
//! every result (who, when, stage, every finding) in one transaction.
//!
//! At `gd` the context holds the unit's keyring, each package's registration
//! (size, digest, material count and bytes) and the audit log's sealing
//! records; a package that passes moves its case to `checked`. At `yj` the
//! keyring is the receiving archive's trusted keys plus keyring files given;
//! manifests arrive with the transfer issue.

use std::collections::HashMap;
use std::path::PathBuf;

use guidang_catalog::{audit, cases, checks, packages};
use guidang_check::antivirus::Antivirus;
use guidang_check::{
    check_packages, AuditEvidence, BatchCheck, CheckContext, Expected, Stage, Verdict,
};
use guidang_core::{CancelFlag, CaseStatus, Progress, Role};

use crate::packaging::read_keyring;
use crate::{Archive, Error, Result};

/// What to check.
#[derive(Debug, Clone)]
pub enum CheckTarget {
    /// Every sealed package of the catalog not yet passed.
    All,
    /// Packages, folders of packages or carriers.
    Paths(Vec<PathBuf>),
}

/// Expectations by 电子文件号 from a manifest, and problems with its signature.
/// (and where the manifest is on the carrier).
type ManifestExpectations = (HashMap<String, Expected>, Vec<String>, &'static str);

/// Finds a signed batch manifest at the root of a checked folder and turns
/// it into expectations; problems with its signature are returned.
fn manifest_on(
    paths: &[PathBuf],
    keyring: &guidang_package::Keyring,
) -> Result<Option<ManifestExpectations>> {
    use guidang_transfer::carrier::{read_capped, PathProblem, MAX_MANIFEST, MAX_SMALL};
    for root in paths.iter().filter(|p| p.is_dir()) {
        let Some(layout) = carrier_layout(root) else {
            continue;
        };
        let files = layout.files();
        let bytes = match read_capped(root, files.batch_manifest, MAX_MANIFEST) {
            Ok(b) => b,
            Err(PathProblem::Missing) => continue,
            Err(e) => return Err(Error::Check(format!("{}{e}", files.batch_manifest))),
        };
        let mut problems = Vec::new();
        match read_capped(root, files.batch_signature, MAX_SMALL)
            .ok()
            .and_then(|b| serde_json::from_slice::<guidang_transfer::BatchSignature>(&b).ok())
        {
            Some(sig) => problems.extend(sig.verify(&bytes, Some(keyring))),
            None => problems.push(format!(
                "缺少或无法读取批次清单的签名文件 {}",
                files.batch_signature
            )),
        }
        let m = guidang_transfer::Manifest::from_bytes(&bytes).map_err(Error::Check)?;
        let unknown = guidang_transfer::carrier::unknown_fields(&bytes, &m);
        if !unknown.is_empty() {
            problems.push(format!(
                "批次清单中有本格式没有定义的字段：{}",
                unknown.join("、")
            ));
        }
        let expected = m
            .packages
            .iter()
            .map(|p| {
                (
                    p.efile_no.clone(),
                    Expected {
                        size: p.size,
                        digest: p.digest.clone(),
                        materials: p.materials,
                        bytes: p.material_bytes,
                        seal_digest: p.seal_digest.clone(),
                    },
                )
            })
            .collect();
        return Ok(Some((expected, problems, files.batch_manifest)));
    }
    Ok(None)
}

/// A carrier problem as a yj finding: what is missing or differs in size
/// is 2-1-1 (counts and bytes), what was altered 1-5-2 (received is not
/// what was sent), a missing description or catalogue file 1-5-1
/// (structure), anything foreign on the carrier 4-2-1.
fn carrier_finding(p: guidang_transfer::carrier::Problem) -> guidang_check::Finding {
    use guidang_transfer::carrier::ProblemCode as C;
    let no = match p.code {
        C::Empty | C::ManifestMissing | C::ListedMissing | C::SizeMismatch => "2-1-1",
        C::ManifestUnreadable | C::UnknownFields | C::PathUnsafe | C::DigestMismatch => "1-5-2",
        C::DescriptionMissing => "1-5-1",
        C::NotListed | C::SpecialFile | C::Link | C::NotRegular | C::RootEntry => "4-2-1",
        C::LegacyLayout => "1-5-1",
    };
    let verdict = if p.code.fails() {
        Verdict::Fail
    } else {
        Verdict::Warn
    };
    guidang_check::finding(Stage::Yj, no, verdict, p.message, p.entry)
}

/// Whether a folder checked at receipt is a carrier (and so compared with
/// its carrier manifest): it holds a batch or carrier manifest — a
/// carrier written only in part has the first, not yet the second — or
/// nothing at all. A folder of loose packages is checked package by
/// package.
fn is_carrier(p: &std::path::Path) -> bool {
    p.is_dir()
        && (carrier_layout(p).is_some()
            || std::fs::read_dir(p).is_ok_and(|mut d| {
                d.all(|e| {
                    e.is_ok_and(|e| {
                        guidang_core::fsutil::is_volume_system_path(
                            &e.file_name().to_string_lossy(),
                        )
                    })
                })
            }))
}

/// The layout of the carrier at `root`, if it is one (its batch or carrier
/// manifest is there, in either layout; links are not followed).
pub(crate) fn carrier_layout(root: &std::path::Path) -> Option<guidang_core::layout::Layout> {
    guidang_core::layout::Layout::detect(|rel| std::fs::symlink_metadata(root.join(rel)).is_ok())
}

/// A batch with a failing batch-level finding fails, and its opinion says
/// so (the engine wrote it before those findings were added).
fn mark_batch_failed(batch: &mut BatchCheck) {
    let n = batch
        .batch_findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .count();
    if n == 0 {
        return;
    }
    batch.verdict = Verdict::Fail;
    if !batch.opinion.starts_with("不合格") {
        batch.opinion = format!(
            "不合格：{} 个包检测合格，但有 {n} 项批次或载体问题",
            batch.packages.len()
        );
    }
}

impl Archive {
    /// The default stage for this installation's role.
    pub fn default_stage(&self) -> Result<Stage> {
        Ok(match self.unit()?.role {
            Role::Hall => Stage::Gd,
            Role::Intake => Stage::Yj,
        })
    }

    fn check_context(
        &self,
        stage: Stage,
        keyrings: &[PathBuf],
        extra: &[guidang_package::TrustedKey],
    ) -> Result<CheckContext> {
        let unit = self.unit()?;
        let mut keyring = self.keyring()?;
        keyring.keys.extend_from_slice(extra);
        for k in keyrings {
            keyring.keys.extend(read_keyring(k)?.keys);
        }
        let (expected, audit) = if stage == Stage::Gd {
            let mut map = HashMap::new();
            for p in packages::list(self.cat.db())? {
                let ms = cases::materials(self.cat.db(), &p.case_no)?;
                map.insert(
                    p.efile_no.clone(),
                    Expected {
                        size: p.size,
                        digest: p.digest.clone(),
                        materials: ms.len() as u32,
                        bytes: ms.iter().map(|m| m.size).sum(),
                        seal_digest: None,
                    },
                );
            }
            let chain = audit::verify(self.cat.db())?;
            let mut sealed = HashMap::new();
            for e in audit::with_action(self.cat.db(), "seal")? {
                let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                if let (Some(ef), Some(dg)) = (d["efile_no"].as_str(), d["digest"].as_str()) {
                    sealed.insert(ef.to_string(), dg.to_string());
                }
            }
            let evidence = AuditEvidence {
                chain_problems: chain
                    .problems
                    .iter()
                    .map(|p| format!("第 {} 条：{}", p.seq, p.message))
                    .collect(),
                sealed,
            };
            (Some(("目录库登记".to_string(), map)), Some(evidence))
        } else {
            (None, None)
        };
        Ok(CheckContext {
            stage,
            keyring,
            fallback_algo: unit.suite.digest(),
            expected,
            audit,
            antivirus: Antivirus::detect(),
            now: chrono::Utc::now().with_timezone(&guidang_core::validate::cst()),
        })
    }

    /// Runs the four-property check and records every result.
    pub fn check(
        &mut self,
        target: &CheckTarget,
        stage: Stage,
        keyrings: &[PathBuf],
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<BatchCheck> {
        self.check_with_keys(target, stage, keyrings, &[], actor, progress, cancel)
    }

    /// [`Archive::check`] trusting `extra` keys besides the catalog's and
    /// the keyring files (the intake side's confirmed sender keys).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check_with_keys(
        &mut self,
        target: &CheckTarget,
        stage: Stage,
        keyrings: &[PathBuf],
        extra: &[guidang_package::TrustedKey],
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<BatchCheck> {
        let ctx = self.check_context(stage, keyrings, extra)?;
        // Images unpacked for this check are removed when it ends.
        let _unpacked;
        let paths: Vec<PathBuf> = match target {
            CheckTarget::Paths(p) => {
                let (p, guard) = self.unpack_images(p, false)?;
                _unpacked = guard;
                p
            }
            CheckTarget::All => {
                let sealed = cases::case_nos_with_status(self.cat.db(), CaseStatus::Sealed)?;
                let mut v = Vec::new();
                for no in sealed {
                    if let Some(p) = packages::get(self.cat.db(), &no)? {
                        v.push(self.dir.join(p.path));
                    }
                }
                v
            }
        };
        // At receipt, a carrier's signed batch manifest says what was sent.
        let mut ctx = ctx;
        let mut manifest_findings = Vec::new();
        let mut manifest_entry = "";
        if stage == Stage::Yj && ctx.expected.is_none() {
            if let Some((expected, problems, at)) = manifest_on(&paths, &ctx.keyring)? {
                ctx.expected = Some(("移交清单".into(), expected));
                manifest_findings = problems;
                manifest_entry = at;
            }
        }
        let batch = check_packages(&paths, &ctx, progress, cancel).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(PathBuf::from(e.to_string())),
            std::io::ErrorKind::Interrupted => Error::Check("已取消".into()),
            _ => Error::Check(guidang_core::oserror::describe(&e)),
        })?;
        let mut batch = batch;
        // At receipt a folder is a carrier: compared with its carrier
        // manifest both ways (the same audit `intake open` relies on).
        if stage == Stage::Yj {
            for root in paths.iter().filter(|p| is_carrier(p)) {
                let audit =
                    guidang_transfer::carrier::audit(root).map_err(|source| Error::DataDir {
                        path: root.clone(),
                        source,
                    })?;
                for pr in audit.problems {
                    let f = carrier_finding(pr);
                    // The engine's own foreign-file finding may name the
                    // same entry: list it once, with the more exact reason.
                    match batch
                        .batch_findings
                        .iter_mut()
                        .find(|x| x.entry.is_some() && x.entry == f.entry && x.item == f.item)
                    {
                        Some(x) if x.reason.as_deref() == Some(guidang_check::FOREIGN_FILE) => {
                            x.reason = f.reason
                        }
                        Some(_) => {}
                        None => batch.batch_findings.push(f),
                    }
                }
            }
            mark_batch_failed(&mut batch);
        }
        for why in manifest_findings {
            batch.batch_findings.push(guidang_check::Finding {
                item: "YJ-1-5-2".into(),
                title: guidang_check::items::item("1-5-2").title.into(),
                verdict: Verdict::Fail,
                reason: Some(why),
                entry: Some(manifest_entry.into()),
            });
        }
        mark_batch_failed(&mut batch);
        batch.summary = Some(guidang_check::report::summarise(
            &batch,
            ctx.antivirus.database_version(),
        ));
        self.cat.transaction(|tx| -> Result<()> {
            for p in &batch.packages {
                checks::record(
                    tx,
                    &checks::CheckRecord {
                        efile_no: p.efile_no.clone(),
                        stage: stage.code().into(),
                        checked_at: batch.checked_at.clone(),
                        checked_by: actor.into(),
                        verdict: p.verdict.code().into(),
                        opinion: p.opinion.clone(),
                        package_digest: p.package_digest.clone(),
                        findings: p
                            .findings
                            .iter()
                            .map(|f| checks::StoredFinding {
                                item: f.item.clone(),
                                verdict: f.verdict.code().into(),
                                reason: f.reason.clone(),
                                entry: f.entry.clone(),
                            })
                            .collect(),
                    },
                )?;
                // A case passes archiving only if the package checked is
                // the one registered; a check of any other file (a copy
                // elsewhere, a damaged one) never changes the case.
                let registered = packages::registration(tx.db(), &p.efile_no)?;
                let is_registered = registered
                    .as_ref()
                    .is_some_and(|(_, _, digest)| p.package_digest.as_deref() == Some(digest));
                if stage == Stage::Gd && p.verdict != Verdict::Fail && is_registered {
                    let (id, status, _) = registered.as_ref().expect("registered");
                    if status == CaseStatus::Sealed.code() {
                        cases::set_status(tx, *id, CaseStatus::Checked)?;
                    }
                }
                audit::append(
                    tx,
                    actor,
                    "check",
                    &p.efile_no,
                    &serde_json::json!({"stage": stage.code(), "verdict": p.verdict.code(), "opinion": p.opinion, "digest": p.package_digest, "path": p.package.display().to_string(), "registered": is_registered}),
                )?;
            }
            Ok(())
        })?;
        Ok(batch)
    }

    /// Writes the PDF check report of a batch (atomically).
    /// Where the report of a check is kept in the data directory:
    /// `reports/检测报告-{检测时间}.pdf`.
    pub fn check_report_path(&self, batch: &BatchCheck) -> PathBuf {
        self.dir.join("reports").join(format!(
            "检测报告-{}.pdf",
            batch.checked_at.replace([':', '+'], "")
        ))
    }

    pub fn write_check_report(
        &self,
        batch: &BatchCheck,
        operator: &str,
        path: &std::path::Path,
    ) -> Result<()> {
        let info = guidang_check::report::ReportInfo {
            unit: self.unit()?.unit_name,
            operator: operator.into(),
        };
        let pdf = guidang_check::report::report_pdf(batch, &info)
            .map_err(|e| Error::Check(e.to_string()))?;
        guidang_collect::store::write_atomic(path, &pdf).map_err(|source| Error::DataDir {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The latest recorded check of a package.
    pub fn latest_check(
        &self,
        efile_no: &str,
        stage: Stage,
    ) -> Result<Option<checks::CheckRecord>> {
        Ok(checks::latest(self.cat.db(), efile_no, stage.code())?)
    }
}
