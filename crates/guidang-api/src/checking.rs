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
type ManifestExpectations = (HashMap<String, Expected>, Vec<String>);

/// Finds a signed batch manifest at the root of a checked folder and turns
/// it into expectations; problems with its signature are returned.
fn manifest_on(
    paths: &[PathBuf],
    keyring: &guidang_package::Keyring,
) -> Result<Option<ManifestExpectations>> {
    use guidang_transfer::manifest::{MANIFEST_FILE, SIGNATURE_FILE};
    for root in paths.iter().filter(|p| p.is_dir()) {
        let mf = root.join(MANIFEST_FILE);
        if !mf.is_file() {
            continue;
        }
        let bytes = std::fs::read(&mf).map_err(|source| Error::DataDir {
            path: mf.clone(),
            source,
        })?;
        let mut problems = Vec::new();
        match std::fs::read(root.join(SIGNATURE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<guidang_transfer::BatchSignature>(&b).ok())
        {
            Some(sig) => problems.extend(sig.verify(&bytes, Some(keyring))),
            None => problems.push("缺少或无法读取批次清单的签名文件 批次清单.sig".into()),
        }
        let m = guidang_transfer::Manifest::from_bytes(&bytes).map_err(Error::Check)?;
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
                    },
                )
            })
            .collect();
        return Ok(Some((expected, problems)));
    }
    Ok(None)
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
            for p in packages::list(self.cat.conn())? {
                let ms = cases::materials(self.cat.conn(), &p.case_no)?;
                map.insert(
                    p.efile_no.clone(),
                    Expected {
                        size: p.size,
                        digest: p.digest.clone(),
                        materials: ms.len() as u32,
                        bytes: ms.iter().map(|m| m.size).sum(),
                    },
                );
            }
            let chain = audit::verify(self.cat.conn())?;
            let mut sealed = HashMap::new();
            for e in audit::with_action(self.cat.conn(), "seal")? {
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
        let paths: Vec<PathBuf> = match target {
            CheckTarget::Paths(p) => p.clone(),
            CheckTarget::All => {
                let sealed = cases::case_nos_with_status(self.cat.conn(), CaseStatus::Sealed)?;
                let mut v = Vec::new();
                for no in sealed {
                    if let Some(p) = packages::get(self.cat.conn(), &no)? {
                        v.push(self.dir.join(p.path));
                    }
                }
                v
            }
        };
        // At receipt, a carrier's signed batch manifest says what was sent.
        let mut ctx = ctx;
        let mut manifest_findings = Vec::new();
        if stage == Stage::Yj && ctx.expected.is_none() {
            if let Some((expected, problems)) = manifest_on(&paths, &ctx.keyring)? {
                ctx.expected = Some(("移交清单".into(), expected));
                manifest_findings = problems;
            }
        }
        let batch = check_packages(&paths, &ctx, progress, cancel).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(PathBuf::from(e.to_string())),
            std::io::ErrorKind::Interrupted => Error::Check("已取消".into()),
            _ => Error::Check(e.to_string()),
        })?;
        let mut batch = batch;
        for why in manifest_findings {
            batch.batch_findings.push(guidang_check::Finding {
                item: "YJ-1-5-2".into(),
                title: guidang_check::items::item("1-5-2").title.into(),
                verdict: Verdict::Fail,
                reason: Some(why),
                entry: Some(guidang_transfer::manifest::MANIFEST_FILE.into()),
            });
            batch.verdict = Verdict::Fail;
        }
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
                // A case passes archiving only if the package checked is the one registered.
                if stage == Stage::Gd && p.verdict != Verdict::Fail {
                    let registered = tx
                        .query_row(
                            "SELECT c.id, c.status, p.digest FROM cases c JOIN packages p ON p.case_id = c.id WHERE c.efile_no = ?1",
                            [&p.efile_no],
                            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
                        )
                        .ok();
                    if let Some((id, status, digest)) = registered {
                        if status == CaseStatus::Sealed.code() && p.package_digest.as_deref() == Some(digest.as_str()) {
                            cases::set_status(tx, id, CaseStatus::Checked)?;
                        }
                    }
                }
                audit::append(
                    tx,
                    actor,
                    "check",
                    &p.efile_no,
                    &serde_json::json!({"stage": stage.code(), "verdict": p.verdict.code(), "opinion": p.opinion, "digest": p.package_digest}),
                )?;
            }
            Ok(())
        })?;
        Ok(batch)
    }

    /// Writes the PDF check report of a batch (atomically).
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
        Ok(checks::latest(self.cat.conn(), efile_no, stage.code())?)
    }
}
