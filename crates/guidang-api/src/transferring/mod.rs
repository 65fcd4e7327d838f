//! Writing a batch to removable media (载体), the hall's side of the
//! hand-over, and the hand-over register that records each carrier's digest.
//!
//! The first write of a batch fixes its *media plan*: how its packages are
//! split over carriers of a given capacity, and every file of every carrier
//! (description files, catalogue, forms, `其他/`, carrier manifests), staged
//! under `batches/{批次编号}/media/` and written atomically with
//! `plan.json` last. Because every carrier's content is known before the
//! first byte goes to a medium, every carrier digest is known too and the
//! hand-over register printed on each carrier lists all of them. Re-running
//! reuses the plan, so a resumed or repeated write puts exactly the same
//! bytes on the medium.
//!
//! Writing itself is `guidang_transfer::write`: pre-flight, temporary names,
//! fsync, rename, read-back, and a resume journal per carrier beside the
//! plan. A completed carrier is recorded (`batch_carriers`) with its digest in
//! one transaction with its audit entry; when every carrier of a batch is
//! recorded, the batch becomes `written` and its cases `transferred`.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use guidang_catalog::{audit, batches, cases, checks, packages};
use guidang_core::fsutil::rel_path;
use guidang_core::layout::{self, Layout};
use guidang_core::{CancelFlag, CaseStatus, DigestAlgo, Progress};
use guidang_transfer::forms::{RegisterCarrier, RegisterInfo};
use guidang_transfer::manifest::{MANIFEST_FILE, SIGNATURE_FILE};
pub use guidang_transfer::medium::Records;
use guidang_transfer::medium::{
    catalogue_xml, plan_carriers, readme_txt, record_path, CarrierSpec,
};
use guidang_transfer::write::{
    self, CarrierFile, CarrierJob, CarrierManifest, Source, CARRIER_FILE, CARRIER_FORMAT,
    CATALOGUE_FILE, README_FILE,
};
use guidang_transfer::{BatchSignature, Manifest};
use serde::{Deserialize, Serialize};

use crate::{Archive, Error, Result};

mod disc;
mod plan;

pub use disc::{BurnRequest, Drive, ImageRequest, ImagesWritten, WrittenImage};
pub use guidang_transfer::disc::DiscType;
pub use plan::{CarrierKind, MediaPlan, PlannedCarrier, PlannedFile};
use plan::{Shape, PLAN_FORMAT};

/// What to write.
#[derive(Debug, Clone)]
pub struct WriteRequest {
    /// 批次编号.
    pub batch_no: String,
    /// The medium (its root folder).
    pub dest: PathBuf,
    /// Capacity of one carrier; default: the free space of `dest` at the
    /// first write.
    pub carrier_size: Option<u64>,
    /// Which carrier; default: the one on the medium, else the first not
    /// yet written.
    pub carrier: Option<u32>,
    /// How the records lie; default: as the batch's plan has them, else
    /// as ZIPs.
    pub records: Option<Records>,
    /// Who writes (recorded).
    pub actor: String,
}

/// What a write did.
#[derive(Debug, Clone, Serialize)]
pub struct TransferWritten {
    /// 批次编号.
    pub batch_no: String,
    /// This carrier.
    pub carrier_no: u32,
    /// Number of carriers.
    pub carriers: u32,
    /// Capacity the plan uses per carrier.
    pub carrier_capacity: u64,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Carrier digest (of its `载体清单.json`).
    pub carrier_digest: String,
    /// Packages on this carrier.
    pub packages: u32,
    /// Files on this carrier.
    pub files: usize,
    /// Bytes on this carrier.
    pub bytes: u64,
    /// Files written and verified in this run.
    pub written: usize,
    /// Files skipped (verified in an earlier run).
    pub skipped: usize,
    /// Files found on the medium, read back and kept.
    pub reverified: usize,
    /// File-system rules applied (`fat32` or `modern`).
    pub fs_rules: String,
    /// How the records lie on the carrier (`zip`, `unpacked`).
    pub layout: String,
    /// Carriers of the batch not yet written.
    pub remaining: Vec<u32>,
    /// The batch's status afterwards.
    pub batch_status: String,
}

impl Archive {
    pub(super) fn media_dir(&self, batch_no: &str) -> PathBuf {
        self.dir.join("batches").join(batch_no).join("media")
    }

    /// The media plan of a batch, if its first write has fixed one.
    pub fn media_plan(&self, batch_no: &str) -> Result<Option<MediaPlan>> {
        let p = self.media_dir(batch_no).join("plan.json");
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| Error::Transfer(format!("载体规划文件 {} 损坏：{e}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::DataDir { path: p, source }),
        }
    }
    /// Records carrier `k` of the plan as written (its digest, files and
    /// bytes), with its audit entry, in one transaction; when every carrier
    /// is recorded the batch becomes `written` and its cases `transferred`.
    /// Returns the batch status.
    pub(crate) fn record_carrier(
        &mut self,
        batch_no: &str,
        plan: &MediaPlan,
        k: u32,
        (files, bytes): (u64, u64),
        actor: &str,
        details: serde_json::Value,
    ) -> Result<String> {
        let n = plan.carriers.len() as u32;
        let pc = &plan.carriers[k as usize - 1];
        let now = guidang_catalog::now_string();
        let row = batches::CarrierRow {
            plan: plan.format.clone(),
            carrier_no: k,
            carriers: n,
            digest_algo: plan.digest_algo.clone(),
            digest: pc.digest.clone(),
            files: files as u32,
            bytes,
            first_written_at: now.clone(),
            last_written_at: now,
            written_by: actor.into(),
            copies: 1,
        };
        let ids = batches::case_ids(self.cat.db(), batch_no)?;
        let mut entry = serde_json::json!({"carrier": k, "carriers": n, "digest": row.digest, "algo": row.digest_algo, "files": row.files, "bytes": row.bytes, "kind": plan.carrier_kind});
        if let (Some(e), serde_json::Value::Object(d)) = (entry.as_object_mut(), details) {
            e.extend(d);
        }
        self.cat.transaction(|tx| -> Result<String> {
            batches::record_carrier(tx, batch_no, &row)?;
            audit::append(tx, actor, "transfer_write", batch_no, &entry)?;
            let all = batches::carriers(tx.db(), batch_no)?
                .iter()
                .filter(|c| c.plan == plan.format)
                .count() as u32
                == n;
            let b = batches::get(tx.db(), batch_no)?
                .ok_or_else(|| Error::NoSuchBatch(batch_no.into()))?;
            if all && b.status == "created" {
                batches::set_status(tx, batch_no, "written")?;
                for id in &ids {
                    if cases::status_of(tx.db(), *id)? == Some(CaseStatus::InBatch) {
                        cases::set_status(tx, *id, CaseStatus::Transferred)?;
                    }
                }
                return Ok("written".into());
            }
            Ok(b.status)
        })
    }

    /// The batch's plan if it can be used for carriers of `kind`: an
    /// old-layout plan or one for another kind of carrier is dropped when
    /// nothing was written from it yet, and refused when something was.
    pub(super) fn reusable_plan(
        &self,
        batch_no: &str,
        kind: CarrierKind,
        records: Records,
    ) -> Result<Option<MediaPlan>> {
        let Some(p) = self.media_plan(batch_no)? else {
            return Ok(None);
        };
        if p.format == PLAN_FORMAT && p.kind() == kind && p.records() == records {
            return Ok(Some(p));
        }
        if !self.media_started(batch_no, &p.format)? {
            return Ok(None);
        }
        if p.records() != records {
            return Err(Error::Transfer(format!(
                "批次 {batch_no} 已按“{}”开始写入载体，不能改为“{}”；请继续用原来的形式写完（--layout {}）",
                p.records().label(),
                records.label(),
                p.records().code()
            )));
        }
        if p.kind() != kind {
            return Err(Error::Transfer(format!(
                "批次 {batch_no} 已按“{}”开始写入载体，不能改用“{}”；请继续用原来的载体类型写完",
                p.kind().label(),
                kind.label()
            )));
        }
        Ok(Some(p))
    }

    /// How the records will lie: as asked, else as the batch's plan has
    /// them, else as ZIPs.
    pub(super) fn records_for(&self, batch_no: &str, asked: Option<Records>) -> Result<Records> {
        Ok(match asked {
            Some(r) => r,
            None => self
                .media_plan(batch_no)?
                .map(|p| p.records())
                .unwrap_or_default(),
        })
    }

    /// Carrier numbers of the batch recorded from plans of `format`.
    pub(super) fn carriers_done(&self, batch_no: &str, format: &str) -> Result<BTreeSet<u32>> {
        Ok(batches::carriers(self.cat.db(), batch_no)?
            .into_iter()
            .filter(|c| c.plan == format)
            .map(|c| c.carrier_no)
            .collect())
    }

    /// Whether any carrier of the batch's current plan (of `format`) was
    /// started or finished.
    pub(super) fn media_started(&self, batch_no: &str, format: &str) -> Result<bool> {
        if !self.carriers_done(batch_no, format)?.is_empty() {
            return Ok(true);
        }
        Ok(std::fs::read_dir(self.media_dir(batch_no))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .any(|e| e.file_name().to_string_lossy().starts_with("journal-"))
            })
            .unwrap_or(false))
    }

    /// Writes one carrier of a batch to a medium, verifying every file by
    /// reading it back; resumes an interrupted write of the same carrier.
    pub fn write_batch(
        &mut self,
        req: &WriteRequest,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<TransferWritten> {
        let (m, sig) = self.batch_manifest(&req.batch_no)?;
        if req.dest.exists() && !req.dest.is_dir() {
            return Err(write::WriteError::NotADirectory(req.dest.clone()).into());
        }
        write::create_root(&req.dest)?;
        let (free, block) = write::free_space(&req.dest).unwrap_or((u64::MAX, 4096));
        // An old-layout plan from which nothing was written yet is made
        // anew in the measures' layout.
        let records = self.records_for(&m.batch_no, req.records)?;
        let existing = self.reusable_plan(&m.batch_no, CarrierKind::Removable, records)?;
        let shape = |capacity| Shape {
            kind: CarrierKind::Removable,
            records,
            capacity,
            block,
        };
        let plan = match (existing, req.carrier_size) {
            (Some(p), None) => p,
            (Some(p), Some(c)) if c == p.carrier_capacity => p,
            (Some(p), Some(c)) => {
                if self.media_started(&m.batch_no, &p.format)? {
                    return Err(Error::Transfer(format!(
                        "批次 {} 已按每个载体 {} 字节分为 {} 个载体并开始写入，不能改为 {c} 字节；请去掉 --carrier-size 继续",
                        m.batch_no,
                        p.carrier_capacity,
                        p.carriers.len()
                    )));
                }
                self.make_plan(&m, &sig, shape(c))?
            }
            (None, c) => self.make_plan(&m, &sig, shape(c.unwrap_or(free)))?,
        };
        let n = plan.carriers.len() as u32;
        let algo = DigestAlgo::from_name(&plan.digest_algo)
            .ok_or_else(|| Error::Transfer(format!("未知的摘要算法 {}", plan.digest_algo)))?;
        let done = self.carriers_done(&m.batch_no, &plan.format)?;
        let on_medium = write::identify(&req.dest, algo)
            .filter(|id| id.batch_no == m.batch_no)
            .and_then(|id| id.carrier_no);
        let k = match (req.carrier, on_medium) {
            (Some(k), _) => k,
            (None, Some(k)) => k,
            (None, None) => match (1..=n).find(|k| !done.contains(k)) {
                Some(k) => k,
                None if n == 1 => 1,
                None => {
                    return Err(Error::Transfer(format!(
                    "批次 {} 的 {n} 个载体都已写入；如需再制作一份，请用 --carrier 指定载体编号",
                    m.batch_no
                )))
                }
            },
        };
        if k == 0 || k > n {
            return Err(Error::Transfer(format!(
                "载体编号 {k} 无效：批次 {} 共 {n} 个载体",
                m.batch_no
            )));
        }
        let pc = &plan.carriers[k as usize - 1];
        let job = CarrierJob {
            batch_no: m.batch_no.clone(),
            carrier_no: k,
            carriers: n,
            algo,
            batch_digest: sig.manifest_digest.clone(),
            files: pc
                .files
                .iter()
                .map(|f| Source {
                    rel: f.path.clone(),
                    src: self.dir.join(&f.source),
                    size: f.size,
                    digest: f.digest.clone(),
                })
                .collect(),
            journal: self
                .media_dir(&m.batch_no)
                .join(format!("journal-{k}.jsonl")),
        };
        let report = write::write_carrier(&job, &req.dest, progress, cancel)?;
        let batch_status = self.record_carrier(
            &m.batch_no,
            &plan,
            k,
            (report.files as u64, report.bytes),
            &req.actor,
            serde_json::json!({"written": report.written, "medium": req.dest.display().to_string()}),
        )?;
        let remaining: Vec<u32> = (1..=n).filter(|c| *c != k && !done.contains(c)).collect();
        Ok(TransferWritten {
            batch_no: m.batch_no.clone(),
            carrier_no: k,
            carriers: n,
            carrier_capacity: plan.carrier_capacity,
            digest_algo: plan.digest_algo.clone(),
            carrier_digest: pc.digest.clone(),
            packages: pc.seqs.1 + 1 - pc.seqs.0,
            files: report.files,
            bytes: report.bytes,
            written: report.written,
            skipped: report.skipped,
            reverified: report.reverified,
            fs_rules: match report.rules {
                guidang_transfer::medium::FsRules::Fat32 => "fat32".into(),
                guidang_transfer::medium::FsRules::Modern => "modern".into(),
            },
            layout: plan.records().code().into(),
            remaining,
            batch_status,
        })
    }

    /// Writes a batch again in the transfer measures' layout when its
    /// carriers were written in Guidang's old one: the old plan is kept
    /// aside (`media-旧版-…`), and the next write or burn plans the batch
    /// anew. The old carriers' records stay; the new ones are recorded
    /// beside them.
    pub fn relayout(&mut self, batch_no: &str, actor: &str) -> Result<PathBuf> {
        self.batch_manifest(batch_no)?;
        let Some(p) = self.media_plan(batch_no)? else {
            return Err(Error::Transfer(format!(
                "批次 {batch_no} 还没有写入过载体：直接写入或刻录即按《电子档案移交与接收办法》规定的结构"
            )));
        };
        if p.format == PLAN_FORMAT {
            return Err(Error::Transfer(format!(
                "批次 {batch_no} 的载体已按《电子档案移交与接收办法》规定的结构写入，无需重写"
            )));
        }
        let media = self.media_dir(batch_no);
        let stamp = guidang_catalog::now_string().replace([':', '+'], "");
        let kept = media.with_file_name(format!("media-旧版-{stamp}"));
        let io = |path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| Error::DataDir { path, source }
        };
        std::fs::rename(&media, &kept).map_err(io(&media))?;
        if let Some(dir) = kept.parent() {
            guidang_core::fsutil::sync_dir(dir).map_err(io(dir))?;
        }
        let entry = serde_json::json!({"old_plan": p.format, "carriers": p.carriers.len(), "kept_in": rel_path(&kept, &self.dir)});
        let logged = self.cat.transaction(|tx| -> Result<()> {
            audit::append(tx, actor, "transfer_relayout", batch_no, &entry)?;
            Ok(())
        });
        if let Err(e) = logged {
            // Not recorded: put the old plan back.
            let _ = std::fs::rename(&kept, &media);
            return Err(e);
        }
        Ok(kept)
    }

    /// Carriers written for a batch.
    pub fn batch_carriers(&self, batch_no: &str) -> Result<Vec<batches::CarrierRow>> {
        Ok(batches::carriers(self.cat.db(), batch_no)?)
    }

    /// The labels of a batch's carriers (a disc label and a case label
    /// each, DA/T 38): unit, batch, carrier x of N, date, content, record
    /// count, retention, the carrier digest with its algorithm, and a QR
    /// code of the same.
    pub fn labels_pdf(&self, batch_no: &str) -> Result<Vec<u8>> {
        let (m, _) = self.batch_manifest(batch_no)?;
        let plan = self.media_plan(batch_no)?.ok_or_else(|| {
            Error::Transfer(format!(
                "批次 {batch_no} 还没有分配载体，标签要印出每个载体的摘要。请先制作映像、刻录或写入载体"
            ))
        })?;
        let n = plan.carriers.len();
        let labels: Vec<guidang_pdf::labels::DiscLabel> = plan
            .carriers
            .iter()
            .map(|c| {
                let ps: Vec<&guidang_transfer::ManifestPackage> = m
                    .packages
                    .iter()
                    .filter(|p| (c.seqs.0..=c.seqs.1).contains(&p.seq))
                    .collect();
                let retention: Vec<&str> = guidang_core::Retention::ALL
                    .iter()
                    .filter(|r| ps.iter().any(|p| p.retention == r.code()))
                    .map(|r| r.label())
                    .collect();
                let mut years: Vec<i32> = ps.iter().map(|p| p.year).collect();
                years.sort();
                years.dedup();
                let years = match (years.first(), years.last()) {
                    (Some(a), Some(b)) if a != b => format!("{a}—{b}"),
                    (Some(a), _) => a.to_string(),
                    _ => String::new(),
                };
                guidang_pdf::labels::DiscLabel {
                    title: m.unit.name.clone(),
                    lines: vec![
                        format!("批次 {}", m.batch_no),
                        format!(
                            "载体 第 {} 号，共 {n} 号（{}）",
                            c.carrier_no,
                            plan.kind().label()
                        ),
                        format!("日期 {}", m.created_at.get(..10).unwrap_or_default()),
                        format!("内容 政务服务电子档案（{years} 年度）"),
                        format!("件数 {} 件（顺序号 {}—{}）", ps.len(), c.seqs.0, c.seqs.1),
                        format!("保管期限 {}", retention.join("、")),
                        format!("载体摘要（{}）", plan.digest_algo),
                        c.digest[..32].to_string(),
                        c.digest[32..].to_string(),
                    ],
                    qr: format!(
                        "guidang-carrier/1;batch={};carrier={}/{n};{}={}",
                        m.batch_no, c.carrier_no, plan.digest_algo, c.digest
                    ),
                }
            })
            .collect();
        guidang_pdf::labels::disc_labels(&labels).map_err(|e| Error::Check(e.to_string()))
    }

    /// The hand-over register of a batch, as staged for its carriers.
    pub fn register_pdf(&self, batch_no: &str) -> Result<Vec<u8>> {
        self.batch_manifest(batch_no)?;
        let plan = self.media_plan(batch_no)?.ok_or_else(|| {
            Error::Transfer(format!(
                "批次 {batch_no} 还没有分配载体，登记表要列出每个载体的摘要。请先运行 guidang transfer write {batch_no} --to 载体目录"
            ))
        })?;
        let f = plan.carriers[0]
            .files
            .iter()
            .find(|f| Layout::ALL.iter().any(|l| f.path == l.files().register))
            .ok_or_else(|| Error::Transfer("载体规划中没有登记表".into()))?;
        let p = self.dir.join(&f.source);
        let bytes = std::fs::read(&p).map_err(|source| Error::DataDir {
            path: p.clone(),
            source,
        })?;
        let algo = DigestAlgo::from_name(&plan.digest_algo)
            .ok_or_else(|| Error::Transfer(format!("未知的摘要算法 {}", plan.digest_algo)))?;
        if algo.hex(&bytes) != f.digest {
            return Err(Error::Transfer(format!(
                "数据目录中的登记表 {} 已被改动",
                p.display()
            )));
        }
        Ok(bytes)
    }
}
