//! Acceptance: packages copied into holdings with verify-after-copy,
//! registered in one transaction, and only then the signed receipt, return
//! slip and return file handed out (a rerun delivers them).

use super::*;
use crate::{Archive, Error, Result};
use guidang_catalog::audit;
use guidang_catalog::intake::{self, HoldingMaterial, Receipt, ReceiptItem};
use guidang_core::{CancelFlag, DigestAlgo, Progress, Role};
use guidang_transfer::returns::{
    AcceptedPackage, ReturnDecision, ReturnEnvelope, ReturnedPackage, RETURN_FILE, RETURN_FORMAT,
};
use guidang_transfer::{Manifest, ManifestPackage, ManifestUnit};
use std::path::{Path, PathBuf};

/// What the archivist decided for the open batch.
struct Decisions<'a> {
    accepted: Vec<(&'a ReceiptItem, ManifestPackage)>,
    returned: Vec<ReturnedPackage>,
}

/// What an acceptance run starts from.
enum Start {
    /// The acceptance was finished already (or is now): its result.
    Done(AcceptReport),
    /// The open receipt to decide.
    Open(Receipt),
}

impl Archive {
    /// Accepts every package of the open batch that is not returned (a
    /// failing package not decided on is returned with its suggested
    /// reason), stores the accepted ones, writes the receipt, return slip
    /// and signed return file, and marks the batch received. Phases: resume
    /// or find the open receipt → split the decisions → store the accepted
    /// packages (verify after copy) → sign the decision and write the
    /// signed files to pending → register everything in one transaction →
    /// hand the files out.
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
        let r = match self.start_accept(batch_no, return_file)? {
            Start::Done(done) => return Ok(done),
            Start::Open(r) => r,
        };
        let signer = self.unlock(operator, pin)?;
        let items = intake::receipt_items(self.cat.db(), r.id)?;
        let transferring = transferring_unit(&r);
        let algo = DigestAlgo::from_name(&r.digest_algo)
            .ok_or_else(|| Error::Intake(format!("未知的摘要算法 {}", r.digest_algo)))?;
        let decisions = split_decisions(&items)?;
        let storage = self
            .dir
            .join("holdings")
            .join(format!("{}-{}", transferring.region, transferring.fonds));
        let stored = store_accepted(&decisions, &storage, algo, progress, cancel)?;
        let now = guidang_catalog::now_string();
        let unit = self.unit()?;
        let decision = ReturnDecision {
            format: RETURN_FORMAT.into(),
            batch_no: r.batch_no.clone(),
            batch_digest: r.batch_digest.clone(),
            digest_algo: r.digest_algo.clone(),
            transferring_unit: transferring,
            receiving_unit: ManifestUnit {
                region: unit.region.clone(),
                fonds: unit.fonds.clone(),
                name: unit.unit_name.clone(),
            },
            archivist: operator.into(),
            decided_at: now.clone(),
            accepted: decisions
                .accepted
                .iter()
                .map(|(i, _)| AcceptedPackage {
                    efile_no: i.efile_no.clone(),
                    case_no: i.case_no.clone(),
                    digest: i.digest.clone(),
                })
                .collect(),
            returned: decisions.returned.clone(),
        };
        let envelope = ReturnEnvelope::sign(&decision, unit.suite, &signer)?;
        self.write_pending_files(&decision, &envelope, &decisions)?;
        self.register_acceptance(&r, &decisions, &stored, &envelope, operator, &now)?;
        self.finish_accept(&r.batch_no, return_file)?
            .map(|done| AcceptReport {
                already_done: false,
                ..done
            })
            .ok_or_else(|| Error::Intake("接收结果已登记，但找不到待交付的退回文件".into()))
    }

    /// Finishes an acceptance stopped after its commit, delivers again the
    /// result of a finished one, or finds the open receipt to decide.
    fn start_accept(
        &mut self,
        batch_no: Option<&str>,
        return_file: Option<&Path>,
    ) -> Result<Start> {
        // An acceptance stopped after its commit is finished, not redone.
        if let Some(b) = batch_no
            .map(str::to_string)
            .or_else(|| self.pending_accept())
        {
            if let Some(done) = self.finish_accept(&b, return_file)? {
                return Ok(Start::Done(done));
            }
        }
        let r = match self.current_receipt(batch_no) {
            Ok(r) => r,
            // A rerun of a finished acceptance: the same result, delivered.
            Err(e) => {
                let last = match batch_no {
                    Some(b) => Some(b.to_string()),
                    None => intake::receipts(self.cat.db())?
                        .into_iter()
                        .filter(|x| x.status == "received")
                        .max_by(|a, b| a.received_at.cmp(&b.received_at))
                        .map(|x| x.batch_no),
                };
                return match last {
                    Some(b) => self
                        .finish_accept(&b, return_file)?
                        .map(Start::Done)
                        .ok_or(e),
                    None => Err(e),
                };
            }
        };
        if let Some(done) = intake::receipts_of_digest(self.cat.db(), &r.batch_digest)?
            .into_iter()
            .find(|x| x.status == "received")
        {
            return Err(Error::Intake(format!(
                "批次 {} 已于 {} 接收过，不能重复接收",
                done.batch_no,
                done.received_at.unwrap_or_default()
            )));
        }
        Ok(Start::Open(r))
    }

    /// The signed files are made now but kept in the data directory's
    /// pending folder until the decision is committed; only then are they
    /// put in place and handed out (see `finish_accept`).
    fn write_pending_files(
        &self,
        decision: &ReturnDecision,
        envelope: &ReturnEnvelope,
        decisions: &Decisions<'_>,
    ) -> Result<()> {
        let pdf_err = |e: guidang_pdf::PdfError| Error::Check(e.to_string());
        let sizes: Vec<u64> = decisions.accepted.iter().map(|(i, _)| i.size).collect();
        let receipt_pdf =
            guidang_transfer::forms::receipt_pdf(decision, envelope, &sizes).map_err(pdf_err)?;
        let slip_pdf =
            guidang_transfer::forms::return_slip_pdf(decision, envelope).map_err(pdf_err)?;
        let pending = self
            .dir
            .join("receipts")
            .join(&decision.batch_no)
            .join(PENDING);
        let write = |p: &Path, b: &[u8]| {
            guidang_collect::store::write_atomic(p, b).map_err(|source| Error::DataDir {
                path: p.to_path_buf(),
                source,
            })
        };
        write(&pending.join(RECEIPT_PDF), &receipt_pdf)?;
        write(&pending.join(SLIP_PDF), &slip_pdf)?;
        write(&pending.join(RETURN_FILE), &envelope.to_bytes())
    }

    /// Registers the holdings, the decisions, the received batch and the
    /// audit entries in one transaction.
    fn register_acceptance(
        &mut self,
        r: &Receipt,
        decisions: &Decisions<'_>,
        stored: &[Stored],
        envelope: &ReturnEnvelope,
        operator: &str,
        now: &str,
    ) -> Result<()> {
        let (accepted, returned) = (&decisions.accepted, &decisions.returned);
        let dir = self.dir.clone();
        self.cat.transaction(|tx| -> Result<()> {
            for ((i, mp), st) in accepted.iter().zip(stored) {
                intake::insert_holding(
                    tx,
                    r.id,
                    &intake::Holding {
                        efile_no: i.efile_no.clone(),
                        batch_no: r.batch_no.clone(),
                        path: guidang_core::fsutil::rel_path(&st.path, &dir),
                        size: st.size,
                        digest_algo: r.digest_algo.clone(),
                        digest: st.digest.clone(),
                        accepted_at: now.into(),
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
                    &st.materials,
                )?;
                intake::decide(tx, r.id, &i.efile_no, "accept", None, operator, now)?;
                audit::append(
                    tx,
                    operator,
                    "intake_accept",
                    &i.efile_no,
                    &serde_json::json!({"batch": r.batch_no, "digest": i.digest}),
                )?;
            }
            for p in returned {
                intake::decide(tx, r.id, &p.efile_no, "return", Some(&p.reason), operator, now)?;
            }
            intake::mark_received(
                tx,
                r.id,
                now,
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
        })
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
        let received = intake::receipts(self.cat.db())?
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
            // On the first carrier, where its layout keeps the return file.
            // A carrier read from an image cannot take it back: it stays
            // with the receipt in the data directory.
            None => media
                .first()
                .filter(|m| !m.starts_with(self.images_dir()))
                .map(|m| {
                    let layout = crate::checking::carrier_layout(m)
                        .unwrap_or(guidang_core::layout::Layout::Measures);
                    m.join(layout.files().return_file)
                })
                .unwrap_or_else(|| out.join(RETURN_FILE)),
        };
        let delivered = std::fs::read(&return_path).is_ok_and(|b| b == bytes);
        if return_path != out.join(RETURN_FILE) && !delivered {
            guidang_collect::store::write_atomic(&return_path, &bytes).map_err(|source| {
                Error::Intake(format!(
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
        // Images unpacked for this batch are no longer needed: the accepted
        // packages are in the holdings.
        self.prune_images()?;
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
}

/// The materials of a stored package, from its `元数据.xml`.
pub(super) fn package_materials(path: &Path) -> Result<Vec<HoldingMaterial>> {
    let bad =
        |why: String| Error::Intake(format!("无法读取入库包 {} 的元数据：{why}", path.display()));
    let xml = if path.is_dir() {
        guidang_transfer::carrier::read_capped(path, "元数据.xml", 16 << 20)
            .map_err(|e| bad(e.to_string()))?
    } else {
        zip_metadata(path)?
    };
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

/// The `元数据.xml` bytes of a package ZIP.
fn zip_metadata(path: &Path) -> Result<Vec<u8>> {
    let bad =
        |why: String| Error::Intake(format!("无法读取入库包 {} 的元数据：{why}", path.display()));
    let mut f = std::fs::File::open(path).map_err(|source| Error::DataDir {
        path: path.to_path_buf(),
        source,
    })?;
    let index = guidang_package::reader::read_index(&mut f).map_err(|e| bad(e.to_string()))?;
    let e = index
        .entries
        .iter()
        .find(|e| e.name == "元数据.xml")
        .ok_or_else(|| bad("包内没有 元数据.xml".into()))?;
    guidang_package::reader::read_small(&f, e, 16 << 20).map_err(|p| bad(format!("{p:?}")))
}

/// The transferring unit as in the manifest opened (re-read only if it is
/// still the same batch; otherwise the name the receipt recorded).
fn transferring_unit(r: &Receipt) -> ManifestUnit {
    let media: Vec<PathBuf> = serde_json::from_str(&r.media).unwrap_or_default();
    media
        .first()
        .and_then(|m| {
            let layout = crate::checking::carrier_layout(m)?;
            guidang_transfer::carrier::read_capped(
                m,
                layout.files().batch_manifest,
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
        })
}

/// Accepted: decided so, or passed and not decided on (and found on a
/// carrier). Returned: everything else, with the archivist's reason, or the
/// suggested one.
fn split_decisions(items: &[ReceiptItem]) -> Result<Decisions<'_>> {
    let mut accepted = Vec::new();
    let mut returned = Vec::new();
    for i in items {
        let mp: ManifestPackage = serde_json::from_str(&i.manifest)
            .map_err(|e| Error::Intake(format!("接收记录损坏：{e}")))?;
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
    Ok(Decisions { accepted, returned })
}

/// Copies each accepted package into the holdings (verify after copy) and
/// reads its material list; registering comes afterwards.
fn store_accepted(
    decisions: &Decisions<'_>,
    storage: &Path,
    algo: DigestAlgo,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<Vec<Stored>> {
    let total = decisions.accepted.len() as u64;
    let mut stored = Vec::new();
    for (n, (i, mp)) in decisions.accepted.iter().enumerate() {
        progress.report(n as u64, total, &i.efile_no);
        let src = PathBuf::from(i.path.as_deref().expect("accepted packages were found"));
        if src.is_dir() {
            let to = storage.join(mp.year.to_string()).join(&i.efile_no);
            let (size, digest) = store_folder(&src, &to, mp, algo, cancel)?;
            let materials = package_materials(&to)?;
            stored.push(Stored {
                path: to,
                size,
                digest,
                materials,
            });
            continue;
        }
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
        stored.push(Stored {
            path: to,
            size: i.size,
            digest: i.digest.clone(),
            materials,
        });
    }
    progress.report(total, total, "已入库");
    Ok(stored)
}

/// A package as stored in the holdings.
pub(super) struct Stored {
    /// The ZIP, or the folder of an unpacked package.
    path: PathBuf,
    /// Bytes (a folder: all its files).
    size: u64,
    /// The ZIP's digest, or a folder's seal digest.
    digest: String,
    materials: Vec<HoldingMaterial>,
}

/// Copies an unpacked package's folder into the holdings as it is, every
/// file with verify-after-copy against the digest its seal lists (the seal
/// itself against the digest the signed batch manifest lists): the
/// holding's size and digest (the seal's).
fn store_folder(
    src: &Path,
    to: &Path,
    mp: &ManifestPackage,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> Result<(u64, String)> {
    use guidang_package::SEAL_ENTRY;
    let bad = |why: String| Error::Intake(format!("包 {} 不能入库：{why}", mp.efile_no));
    let seal_digest = mp
        .seal_digest
        .clone()
        .ok_or_else(|| bad("批次清单没有记录它的固化信息摘要".into()))?;
    let seal_bytes = guidang_transfer::carrier::read_capped(
        src,
        SEAL_ENTRY,
        guidang_transfer::carrier::MAX_MANIFEST,
    )
    .map_err(|e| bad(format!("{SEAL_ENTRY}{e}")))?;
    let seal = guidang_package::Seal::parse(&seal_bytes).map_err(|v| bad(v.join("；")))?;
    let mut files: Vec<(String, u64, String)> = seal
        .entries
        .iter()
        .map(|e| (e.path.clone(), e.size, e.digest.clone()))
        .collect();
    files.push((
        SEAL_ENTRY.into(),
        seal_bytes.len() as u64,
        seal_digest.clone(),
    ));
    let mut size = 0;
    for (rel, n, digest) in files {
        guidang_transfer::carrier::check_rel(&rel).map_err(|e| bad(format!("{rel}：{e}")))?;
        guidang_transfer::write::copy_verified(
            &guidang_transfer::write::Source {
                rel: rel.clone(),
                src: src.join(&rel),
                size: n,
                digest,
            },
            &to.join(&rel),
            algo,
            cancel,
        )?;
        size += n;
    }
    Ok((size, seal_digest))
}
