//! Opening a batch's carriers: the signed manifest, the sender's key, the
//! receipt (yj) check of every package, the carriers against their
//! manifests, and the receipt recorded with suggested return reasons.

use super::*;
use crate::checking::CheckTarget;
use crate::{Archive, Error, Result};
use guidang_catalog::audit;
use guidang_catalog::intake::{self, Receipt, ReceiptItem};
use guidang_check::{BatchCheck, PackageCheck, Stage, Verdict};
use guidang_core::layout::{self, Layout};
use guidang_core::{CancelFlag, DigestAlgo, Progress, Role};
use guidang_package::TrustedKey;
use guidang_transfer::write::CarrierManifest;
use guidang_transfer::{BatchSignature, Manifest, ManifestPackage};
use std::collections::{BTreeMap, HashMap};

/// The signed batch manifest as read from the carriers.
struct SignedBatch {
    /// The layout of the first carrier.
    layout: Layout,
    /// The manifest's bytes (what the signature covers).
    bytes: Vec<u8>,
    manifest: Manifest,
    algo: DigestAlgo,
    /// The manifest's digest: the batch's identity.
    digest: String,
    signature: BatchSignature,
}

/// How far the batch's signer is trusted, and the sender row if known.
struct SignerTrust {
    stored: Option<intake::Sender>,
    /// `stored`, `changed` (a new key confirmed by fingerprint) or
    /// `confirmed` (a first key confirmed by fingerprint).
    level: &'static str,
}

/// The sealing keys the check may accept, and those newly learnt.
struct SealingKeys {
    signer: TrustedKey,
    all: Vec<TrustedKey>,
    learnt: Vec<TrustedKey>,
}

/// The receipt to record, with the open receipt of the same batch it
/// replaces.
struct NewReceipt {
    replaces: Option<i64>,
    receipt: Receipt,
    items: Vec<ReceiptItem>,
    failed: usize,
}

impl Archive {
    /// Opens the carriers of a batch and checks everything on them, in named
    /// phases: read the signed batch → trust its signer → gather the sealing
    /// keys → check every carrier and package (yj) → flag what was received
    /// before → plan the receipt → record it in one transaction.
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
        // Carriers given as ISO images are read from where they are
        // unpacked (kept until acceptance, which copies from them).
        let (media, _) = self.unpack_images(&req.media, true)?;
        let req = &OpenRequest {
            media,
            ..req.clone()
        };
        let sb = read_signed_batch(&req.media)?;
        let trust = self.trust_signer(req, &sb)?;
        let keys = self.sealing_keys(req, &sb, &trust)?;
        let check = self.check_with_keys(
            &CheckTarget::Paths(req.media.clone()),
            Stage::Yj,
            &[],
            &keys.all,
            &req.actor,
            progress,
            cancel,
        )?;
        let (carriers, mut batch) =
            self.carrier_findings(req, &sb.manifest, sb.algo, &sb.digest, check)?;
        let earlier = self.flag_received_before(&mut batch, &sb)?;
        let reopened = earlier.iter().find(|r| r.status == "open");
        let (packages, items) = self.plan_receipt(&sb.manifest, &batch, reopened)?;
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
        let (m, sig) = (&sb.manifest, &sb.signature);
        let receipt = Receipt {
            id: 0,
            batch_no: m.batch_no.clone(),
            batch_digest: sb.digest.clone(),
            digest_algo: sb.algo.name().into(),
            corrects: m.corrects.clone(),
            unit_name: m.unit.name.clone(),
            transferred_by: sig.operator.clone(),
            fingerprint: sig.fingerprint.clone(),
            media: serde_json::to_string(&req.media).expect("json"),
            opened_at: guidang_catalog::now_string(),
            opened_by: req.actor.clone(),
            verdict: verdict.code().into(),
            findings: serde_json::to_string(&batch.batch_findings).expect("json"),
            status: "open".into(),
            received_at: None,
            received_by: None,
            accepted: 0,
            returned: 0,
        };
        let new = NewReceipt {
            replaces: reopened.map(|r| r.id),
            receipt,
            items,
            failed,
        };
        self.record_receipt(req, &sb, &trust, &keys, &new)?;
        self.prune_images()?;
        Ok(IntakeReport {
            batch_no: m.batch_no.clone(),
            batch_digest: sb.digest.clone(),
            digest_algo: sb.algo.name().into(),
            corrects: m.corrects.clone(),
            unit: m.unit.clone(),
            transferred_by: sig.operator.clone(),
            fingerprint: sig.fingerprint.clone(),
            trust: trust.level.into(),
            carriers,
            passed: packages.len() - failed,
            failed,
            packages,
            batch_findings: batch.batch_findings,
            verdict,
        })
    }

    /// Trust in the batch's signer: the stored key, or a fingerprint the
    /// archivist confirmed; anything else refuses the batch.
    fn trust_signer(&self, req: &OpenRequest, sb: &SignedBatch) -> Result<SignerTrust> {
        let (m, sig) = (&sb.manifest, &sb.signature);
        let given = req.trust.as_deref().map(parse_trust);
        if let Some((fp, digest)) = &given {
            if digest.as_ref().is_some_and(|d| *d != sb.digest) || *fp != sig.fingerprint {
                return Err(Error::TrustMismatch {
                    given: req.trust.clone().unwrap_or_default(),
                    found: sig.fingerprint.clone(),
                });
            }
        }
        let stored = intake::sender(self.cat.db(), &m.unit.region, &m.unit.fonds)?;
        let level = match (&stored, &given) {
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
        Ok(SignerTrust { stored, level })
    }

    /// The unit's sealing keys: from the catalog, and from the medium's
    /// keyring when it holds the trusted signer and the signature holds.
    fn sealing_keys(
        &self,
        req: &OpenRequest,
        sb: &SignedBatch,
        trust: &SignerTrust,
    ) -> Result<SealingKeys> {
        let (m, sig) = (&sb.manifest, &sb.signature);
        let signer = TrustedKey {
            operator: sig.operator.clone(),
            unit: m.unit.name.clone(),
            suite: sig.suite,
            public_key: sig.public_key.clone(),
            fingerprint: sig.fingerprint.clone(),
        };
        let mut all = vec![signer.clone()];
        if let Some(s) = &trust.stored {
            all.extend(
                intake::sender_keys(self.cat.db(), s.id)?
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
        let signature_ok = sig.verify(&sb.bytes, None).is_empty();
        if let Ok(k) = crate::packaging::read_medium_keyring(&req.media[0], layout::KEYRING) {
            if signature_ok && k.keys.iter().any(|x| x.fingerprint == sig.fingerprint) {
                learnt = k.keys.clone();
                all.extend(k.keys);
            }
        }
        Ok(SealingKeys {
            signer,
            all,
            learnt,
        })
    }

    /// Fails packages already in the holdings and a batch received before
    /// (a replay); returns the earlier receipts of this batch.
    fn flag_received_before(
        &self,
        batch: &mut BatchCheck,
        sb: &SignedBatch,
    ) -> Result<Vec<Receipt>> {
        let batch_digest = sb.digest.as_str();
        for p in batch.packages.iter_mut() {
            if let Some((b, at)) = intake::holding_of(self.cat.db(), &p.efile_no)? {
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
        let earlier = intake::receipts_of_digest(self.cat.db(), batch_digest)?;
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
                Some(sb.layout.files().batch_manifest.into()),
            ));
        }
        Ok(earlier)
    }

    /// One receipt item per package the signed manifest lists, with its
    /// check, a suggested return reason, and the decision carried over from
    /// an earlier opening of the same batch.
    fn plan_receipt(
        &self,
        m: &Manifest,
        batch: &BatchCheck,
        reopened: Option<&Receipt>,
    ) -> Result<(Vec<IntakePackage>, Vec<ReceiptItem>)> {
        let previous: HashMap<String, ReceiptItem> = match reopened {
            Some(r) => intake::receipt_items(self.cat.db(), r.id)?
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
                        Some(mp.efile_no.clone()),
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
        Ok((packages, items))
    }

    /// Records the receipt, the sender's trust and keys, and the audit
    /// entries, in one transaction (replacing an earlier open receipt).
    fn record_receipt(
        &mut self,
        req: &OpenRequest,
        sb: &SignedBatch,
        trust: &SignerTrust,
        keys: &SealingKeys,
        new: &NewReceipt,
    ) -> Result<()> {
        let (m, sig) = (&sb.manifest, &sb.signature);
        let receipt = &new.receipt;
        self.cat.transaction(|tx| -> Result<()> {
            if let Some(old) = new.replaces {
                intake::drop_open_receipt(tx, old)?;
            }
            let id = intake::insert_receipt(tx, receipt, &new.items)?;
            let sender_id = match (&trust.stored, trust.level) {
                (Some(s), "stored") => s.id,
                _ => {
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
                            trusted_at: receipt.opened_at.clone(),
                            trusted_by: req.actor.clone(),
                        },
                    )?;
                    audit::append(
                        tx,
                        &req.actor,
                        "sender_trust",
                        &format!("{}-{}", m.unit.region, m.unit.fonds),
                        &serde_json::json!({"unit": m.unit.name, "fingerprint": sig.fingerprint, "previous": trust.stored.as_ref().map(|s| &s.fingerprint), "confirmed_with": req.trust}),
                    )?;
                    id
                }
            };
            intake::set_receipt_sender(tx, id, sender_id)?;
            let stored_keys: Vec<intake::SenderKey> = keys
                .learnt
                .iter()
                .chain(std::iter::once(&keys.signer))
                .map(|k| intake::SenderKey {
                    operator: k.operator.clone(),
                    suite: k.suite.code().into(),
                    public_key: k.public_key.clone(),
                    fingerprint: k.fingerprint.clone(),
                })
                .collect();
            intake::add_sender_keys(tx, sender_id, &stored_keys)?;
            audit::append(
                tx,
                &req.actor,
                "intake_open",
                &m.batch_no,
                &serde_json::json!({"digest": sb.digest, "verdict": receipt.verdict, "failed": new.failed, "trust": trust.level, "media": req.media}),
            )?;
            Ok(())
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
            let carrier_file = crate::checking::carrier_layout(root)
                .unwrap_or(Layout::Measures)
                .files()
                .carrier_manifest;
            let cm = guidang_transfer::carrier::read_capped(
                root,
                carrier_file,
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
                    Some(carrier_file.into()),
                ));
            }
            *numbers.entry(cm.carrier_no).or_default() += 1;
            total = Some(cm.carriers);
            for f in cm.files.iter().filter(|f| layout::is_package_path(&f.path)) {
                // Packages are read once, by the check; here only the
                // listing is compared with the signed batch manifest: a
                // ZIP's digest, or an unpacked package's seal digest.
                let (stem, want): (&str, fn(&ManifestPackage) -> Option<&str>) =
                    match f.path.strip_suffix(".zip") {
                        Some(p) => (p.rsplit('/').next().unwrap_or(""), |p| {
                            Some(p.digest.as_str())
                        }),
                        None => match f
                            .path
                            .strip_suffix(&format!("/{}", guidang_package::SEAL_ENTRY))
                        {
                            Some(p) => (p.rsplit('/').next().unwrap_or(""), |p| {
                                p.seal_digest.as_deref()
                            }),
                            None => continue,
                        },
                    };
                if by_efile
                    .get(stem)
                    .is_none_or(|p| want(p) != Some(f.digest.as_str()))
                {
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
}

/// Reads the batch manifest from every carrier (all must be the same
/// batch) and its signature from the first.
fn read_signed_batch(media: &[std::path::PathBuf]) -> Result<SignedBatch> {
    use guidang_transfer::carrier::{read_capped, PathProblem, MAX_MANIFEST, MAX_SMALL};
    if media.is_empty() {
        return Err(Error::Intake("请给出载体（移动介质的根目录）".into()));
    }
    let mut manifests = Vec::new();
    let mut layouts = Vec::new();
    for p in media {
        if !p.is_dir() {
            return Err(Error::NotFound(p.clone()));
        }
        let Some(layout) = crate::checking::carrier_layout(p) else {
            return Err(Error::Intake(format!(
                "{} 上没有批次清单（其他/批次清单.json）：不是移交载体，或选错了文件夹（应选载体的根目录）",
                p.display()
            )));
        };
        let at = layout.files().batch_manifest;
        match read_capped(p, at, MAX_MANIFEST) {
            Ok(b) => manifests.push(b),
            Err(PathProblem::Missing) => {
                return Err(Error::Intake(format!(
                    "{} 上没有批次清单 {at}：载体没有写完整，请移交方重新写入",
                    p.display()
                )))
            }
            Err(e) => {
                return Err(Error::Intake(format!(
                    "{} 上的 {at}{e}：不能作为移交载体打开，请移交方重新写入",
                    p.display()
                )))
            }
        }
        layouts.push(layout);
    }
    let bytes = manifests.swap_remove(0);
    let manifest = Manifest::from_bytes(&bytes).map_err(Error::Transfer)?;
    let algo: DigestAlgo = manifest.suite.digest();
    let digest = algo.hex(&bytes);
    if manifests.iter().any(|b| algo.hex(b) != digest) {
        return Err(Error::Intake(
            "这些载体上的批次清单不同，属于不同的批次（或已被改动）：请一次只打开同一批次的载体"
                .into(),
        ));
    }
    let sig_at = layouts[0].files().batch_signature;
    let signature: BatchSignature = read_capped(&media[0], sig_at, MAX_SMALL)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            Error::Intake(format!(
                "载体上缺少或无法读取批次清单的签名 {sig_at}：无法确认移交方，不能接收。请移交方重新写入载体"
            ))
        })?;
    Ok(SignedBatch {
        layout: layouts[0],
        bytes,
        manifest,
        algo,
        digest,
        signature,
    })
}
