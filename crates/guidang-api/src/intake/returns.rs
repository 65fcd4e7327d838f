//! The hall's import of the archive's signed return file: the signer
//! confirmed against the paper receipt, the batch and package digests
//! checked, returned cases marked for correction.

use super::*;
use crate::{Archive, Error, Result};
use guidang_catalog::intake::{self};
use guidang_catalog::{audit, batches, cases};
use guidang_core::{CaseStatus, DigestAlgo, Role};
use guidang_transfer::returns::{ReturnDecision, ReturnEnvelope};
use std::path::Path;

impl Archive {
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
        let bytes = read_return_file(file)?;
        let (env, d) = ReturnEnvelope::open(&bytes).map_err(Error::BadReturnFile)?;
        let b = batches::get(self.cat.db(), &d.batch_no)?
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
        let already = audit::with_action(self.cat.db(), "returns_import")?
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
        let (new_key, known) = self.receiver_trust(&env, &d, actor, trust, &mut report)?;
        let plan = self.return_plan(&d)?;
        self.apply_returns(
            &env,
            &d,
            &plan,
            new_key.as_ref(),
            known,
            &file_digest,
            actor,
        )?;
        report.already_imported = false;
        Ok(report)
    }

    /// Trust in the return file's signer, as the intake side trusts batch
    /// signers: a key confirmed for the receiving unit before, or one
    /// confirmed now with `trust` (returned to be stored). Also returns how
    /// many keys were known for the unit.
    fn receiver_trust(
        &self,
        env: &ReturnEnvelope,
        d: &ReturnDecision,
        actor: &str,
        trust: Option<&str>,
        report: &mut ReturnsImported,
    ) -> Result<(Option<intake::ReceiverKey>, usize)> {
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
            self.cat.db(),
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
            return Err(if intake::receiver_key_count(self.cat.db())? == 0 {
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
        Ok((new_key, known.len()))
    }

    /// Every case the file names must be one of this batch, with the
    /// package sent: each with its return reason (`None`: accepted).
    fn return_plan(
        &self,
        d: &ReturnDecision,
    ) -> Result<Vec<(guidang_catalog::cases::CaseDetail, Option<String>)>> {
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
            let c = cases::detail(self.cat.db(), no)?
                .filter(|c| c.efile_no == *efile)
                .ok_or_else(|| {
                    Error::BadReturnFile(format!(
                        "退回文件中的办件 {no}（{efile}）不在本机目录库中"
                    ))
                })?;
            if batches::batch_of_case(self.cat.db(), c.id)?.as_deref() != Some(d.batch_no.as_str())
            {
                return Err(Error::BadReturnFile(format!(
                    "办件 {no} 不属于批次 {}",
                    d.batch_no
                )));
            }
            let sent = guidang_catalog::packages::get(self.cat.db(), no)?.map(|p| p.digest);
            if sent.as_deref() != Some(digest.as_str()) {
                return Err(Error::BadReturnFile(format!(
                    "退回文件中办件 {no} 的包摘要与本单位移交的包不同"
                )));
            }
            plan.push((c, reason));
        }
        Ok(plan)
    }

    /// Records the decision in one transaction: the receiver's key if newly
    /// confirmed, each case returned (with its reason) or accepted, the
    /// batch transferred, and the import in the audit log.
    #[allow(clippy::too_many_arguments)]
    fn apply_returns(
        &mut self,
        env: &ReturnEnvelope,
        d: &ReturnDecision,
        plan: &[(guidang_catalog::cases::CaseDetail, Option<String>)],
        new_key: Option<&intake::ReceiverKey>,
        known: usize,
        file_digest: &str,
        actor: &str,
    ) -> Result<()> {
        self.cat.transaction(|tx| -> Result<()> {
            if let Some(k) = new_key {
                intake::trust_receiver(tx, k)?;
                audit::append(
                    tx,
                    actor,
                    "receiver_trusted",
                    &k.unit_name,
                    &serde_json::json!({"archivist": k.archivist, "fingerprint": k.fingerprint, "known_keys": known}),
                )?;
            }
            for (c, reason) in plan {
                match reason {
                    Some(why) => {
                        cases::set_status(tx, c.id, CaseStatus::Returned)?;
                        intake::set_return_reason(tx, c.id, Some(why))?;
                        audit::append(
                            tx,
                            actor,
                            "case_returned",
                            c.case_no(),
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
        Ok(())
    }
}

/// Reads a return file from a medium: bounded, a regular file only.
fn read_return_file(file: &Path) -> Result<Vec<u8>> {
    let parent = guidang_core::fsutil::parent_or_dot(file);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match guidang_transfer::carrier::read_capped(
        parent,
        &name,
        guidang_transfer::carrier::MAX_MANIFEST,
    ) {
        Ok(b) => Ok(b),
        Err(guidang_transfer::carrier::PathProblem::Missing) => {
            Err(Error::NotFound(file.to_path_buf()))
        }
        Err(e) => Err(Error::Intake(format!(
            "退回文件 {} {e}：请向接收方索取原退回文件",
            file.display()
        ))),
    }
}
