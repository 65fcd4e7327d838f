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

/// Format tag of `plan.json`.
/// `/2`: the transfer measures' layout; `/1` plans (Guidang's old layout)
/// are only kept to resume or copy carriers already written from them.
const PLAN_FORMAT: &str = "guidang-media-plan/2";
/// Where the measures' layout keeps Guidang's files on a carrier.
const ON_CARRIER: &guidang_core::layout::CarrierFiles = Layout::Measures.files();
/// The carrier type the hand-over register and `说明文件.TXT` name for a
/// removable disk.
const REMOVABLE: &str = "移动存储介质（U 盘、移动硬盘）";
/// Estimate of the register's size when planning (it is generated after the
/// plan, as it prints the carrier digests).
const REGISTER_ESTIMATE: u64 = 1 << 20;
/// Margin kept free on every carrier.
const MARGIN: u64 = 1 << 20;

/// One file of a planned carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFile {
    /// Path on the medium.
    pub path: String,
    /// Source, relative to the data directory.
    pub source: String,
    /// Bytes.
    pub size: u64,
    /// Digest.
    pub digest: String,
}

/// One planned carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCarrier {
    /// Number, from 1.
    pub carrier_no: u32,
    /// First and last 序号 of its packages.
    pub seqs: (u32, u32),
    /// Bytes of all its files.
    pub bytes: u64,
    /// Carrier digest (of its `载体清单.json`).
    pub digest: String,
    /// Files in writing order.
    pub files: Vec<PlannedFile>,
}

/// How a batch is split over carriers, fixed at its first write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPlan {
    /// Always `guidang-media-plan/1`.
    pub format: String,
    /// 批次编号.
    pub batch_no: String,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Capacity of one carrier, in bytes.
    pub carrier_capacity: u64,
    /// Block size assumed for the file system.
    pub block: u64,
    /// The carriers.
    pub carriers: Vec<PlannedCarrier>,
}

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
    /// Carriers of the batch not yet written.
    pub remaining: Vec<u32>,
    /// The batch's status afterwards.
    pub batch_status: String,
}

fn round_up(n: u64, block: u64) -> u64 {
    n.div_ceil(block) * block
}

impl Archive {
    fn media_dir(&self, batch_no: &str) -> PathBuf {
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

    /// Per-property results of the archiving check, for the register.
    fn hall_results(&self, m: &Manifest) -> Result<Vec<(String, String)>> {
        let props = [
            ("真实性", "1-"),
            ("完整性", "2-"),
            ("可用性", "3-"),
            ("安全性", "4-"),
        ];
        let mut bad = [0usize; 4];
        let mut last = String::new();
        for p in &m.packages {
            if let Some(c) = checks::latest_of_digest(self.cat.db(), &p.efile_no, "gd", &p.digest)?
            {
                last = last.max(c.checked_at.get(..10).unwrap_or_default().to_string());
                for (i, (_, prefix)) in props.iter().enumerate() {
                    if c.findings.iter().any(|f| {
                        f.verdict == "fail"
                            && f.item.get(3..).is_some_and(|s| s.starts_with(prefix))
                    }) {
                        bad[i] += 1;
                    }
                }
            } else {
                bad.iter_mut().for_each(|b| *b += 1);
            }
        }
        let n = m.packages.len();
        Ok(props
            .iter()
            .zip(bad)
            .map(|((name, _), b)| {
                let r = if b == 0 {
                    format!("合格：{n} 个包全部通过归档检测（{last}）")
                } else {
                    format!("{b} 个包不合格（共 {n} 个）")
                };
                (name.to_string(), r)
            })
            .collect())
    }

    /// Stages every file of every carrier and fixes the plan, in phases:
    /// the files every carrier shares → the packages → the split over
    /// carriers → each carrier's own files and manifest → the register
    /// (which prints every carrier digest) → `plan.json`.
    fn make_plan(
        &self,
        m: &Manifest,
        sig: &BatchSignature,
        capacity: u64,
        block: u64,
    ) -> Result<MediaPlan> {
        let algo = DigestAlgo::from_name(&m.digest_algo)
            .ok_or_else(|| Error::Transfer(format!("未知的摘要算法 {}", m.digest_algo)))?;
        let media = self.media_dir(&m.batch_no);
        if media.exists() {
            std::fs::remove_dir_all(&media).map_err(|source| Error::DataDir {
                path: media.clone(),
                source,
            })?;
        }
        let stage = Stage {
            media: &media,
            data_dir: &self.dir,
            algo,
        };
        let shared = self.stage_shared(&stage, m, sig)?;
        let pkg_files = self.package_files(m)?;
        let fixed = fixed_overhead(m, &shared, &pkg_files, block);
        if capacity <= fixed {
            return Err(Error::Transfer(format!(
                "载体容量 {capacity} 字节太小：仅说明文件、目录、清单和表格就需要约 {fixed} 字节"
            )));
        }
        let costs: Vec<u64> = pkg_files
            .iter()
            .map(|f| round_up(f.size, block) + block)
            .collect();
        let ranges = plan_carriers(&costs, capacity - fixed).map_err(Error::Transfer)?;
        let n = ranges.len();
        let mut carriers = Vec::new();
        for (i, range) in ranges.iter().enumerate() {
            let k = i + 1;
            let spec = CarrierSpec {
                kind: REMOVABLE,
                capacity,
                no: k,
                of: n,
            };
            let readme = readme_txt(m, range.clone(), &spec);
            let readme = stage.put_as(
                &format!("{k}/{README_FILE}"),
                readme.as_bytes(),
                README_FILE,
            )?;
            let catalogue = catalogue_xml(m, range.clone());
            let catalogue = stage.put_as(
                &format!("{k}/{CATALOGUE_FILE}"),
                catalogue.as_bytes(),
                CATALOGUE_FILE,
            )?;
            // The description first (an interrupted medium still says what
            // it holds), the carrier manifest last (added by `carrier`).
            let mut files = vec![readme];
            files.extend(pkg_files[range.clone()].iter().cloned());
            files.push(catalogue);
            files.extend(shared.iter().cloned());
            carriers.push(stage.carrier(m, sig, k, n, range.clone(), files)?);
        }
        self.stage_register(&stage, m, sig, &mut carriers, capacity, block)?;
        let plan = MediaPlan {
            format: PLAN_FORMAT.into(),
            batch_no: m.batch_no.clone(),
            digest_algo: m.digest_algo.clone(),
            carrier_capacity: capacity,
            block,
            carriers,
        };
        let p = media.join("plan.json");
        guidang_collect::store::write_atomic(&p, &serde_json::to_vec_pretty(&plan).expect("json"))
            .map_err(|source| Error::DataDir { path: p, source })?;
        Ok(plan)
    }

    /// The files every carrier shares: naming rule, schemas, the keyring,
    /// the transfer and catalogue lists, and the signed batch manifest.
    fn stage_shared(
        &self,
        stage: &Stage<'_>,
        m: &Manifest,
        sig: &BatchSignature,
    ) -> Result<Vec<PlannedFile>> {
        let pdf_err = |e: guidang_pdf::PdfError| Error::Check(e.to_string());
        let mut shared = Vec::new();
        let keyring = serde_json::to_vec_pretty(&self.keyring_file()?).expect("json");
        let tl = guidang_transfer::forms::transfer_list_pdf(m, sig).map_err(pdf_err)?;
        let cl = guidang_transfer::forms::catalog_list_pdf(m, sig).map_err(pdf_err)?;
        use guidang_transfer::medium as md;
        for (path, bytes) in [
            (layout::NAMING_RULE, md::naming_rule_txt(m).into_bytes()),
            (
                layout::ARCHIVAL_CODE_RULE,
                md::archival_code_rule_txt(m).into_bytes(),
            ),
            (layout::CATALOGUE_XSD, md::CATALOGUE_XSD.as_bytes().to_vec()),
            (layout::METADATA_XSD, md::METADATA_XSD.as_bytes().to_vec()),
            (layout::SEAL_XSD, md::SEAL_XSD.as_bytes().to_vec()),
            (layout::KEYRING, keyring),
            (layout::TRANSFER_LIST, tl),
            (layout::CATALOG_LIST, cl),
        ] {
            shared.push(stage.put_as(&format!("shared/{path}"), &bytes, path)?);
        }
        let b = batches::get(self.cat.db(), &m.batch_no)?
            .ok_or_else(|| Error::NoSuchBatch(m.batch_no.clone()))?;
        for (name, on_carrier) in [
            (MANIFEST_FILE, ON_CARRIER.batch_manifest),
            (SIGNATURE_FILE, ON_CARRIER.batch_signature),
        ] {
            let p = self.dir.join(&b.path).join(name);
            let bytes = std::fs::read(&p).map_err(|source| Error::DataDir {
                path: p.clone(),
                source,
            })?;
            shared.push(PlannedFile {
                path: on_carrier.into(),
                source: rel_path(&p, &self.dir),
                size: bytes.len() as u64,
                digest: stage.algo.hex(&bytes),
            });
        }
        Ok(shared)
    }

    /// The batch's packages, from the store, at their place under
    /// `电子档案/年度/类别/`; each must still be the one the batch lists.
    fn package_files(&self, m: &Manifest) -> Result<Vec<PlannedFile>> {
        let registered: HashMap<String, packages::PackageRow> = packages::list(self.cat.db())?
            .into_iter()
            .map(|p| (p.efile_no.clone(), p))
            .collect();
        let mut pkg_files = Vec::new();
        for p in &m.packages {
            let r = registered.get(&p.efile_no).ok_or_else(|| {
                Error::Transfer(format!("包 {} 未在目录库中登记，无法写入载体", p.efile_no))
            })?;
            if r.digest != p.digest {
                return Err(Error::Transfer(format!(
                    "包 {} 的登记摘要与批次清单不符：组批后包被重新组包。请为这些办件另组新批次",
                    p.efile_no
                )));
            }
            pkg_files.push(PlannedFile {
                path: record_path(p),
                source: r.path.clone(),
                size: p.size,
                digest: p.digest.clone(),
            });
        }
        Ok(pkg_files)
    }

    /// The register prints every carrier digest; it goes on every carrier
    /// just before its carrier manifest (and is not listed in it). Checks
    /// that each carrier, register included, fits.
    fn stage_register(
        &self,
        stage: &Stage<'_>,
        m: &Manifest,
        sig: &BatchSignature,
        carriers: &mut [PlannedCarrier],
        capacity: u64,
        block: u64,
    ) -> Result<()> {
        let info = RegisterInfo {
            carriers: carriers
                .iter()
                .map(|c| RegisterCarrier {
                    no: c.carrier_no,
                    seqs: c.seqs,
                    // What the carrier manifest lists (all but itself).
                    bytes: c.files[..c.files.len() - 1].iter().map(|f| f.size).sum(),
                    digest: c.digest.clone(),
                })
                .collect(),
            carrier_type: REMOVABLE.into(),
            hall_results: self.hall_results(m)?,
            materials: m.packages.iter().map(|p| p.materials as u64).sum(),
        };
        let reg = guidang_transfer::forms::register_pdf(m, sig, &info)
            .map_err(|e| Error::Check(e.to_string()))?;
        let reg = stage.put_as(
            &format!("shared/{}", ON_CARRIER.register),
            &reg,
            ON_CARRIER.register,
        )?;
        for c in carriers.iter_mut() {
            let last = c.files.pop().expect("carrier manifest");
            c.files.push(reg.clone());
            c.files.push(last);
            c.bytes = c.files.iter().map(|f| f.size).sum();
            let need: u64 = c
                .files
                .iter()
                .map(|f| round_up(f.size, block) + block)
                .sum();
            if need > capacity {
                return Err(Error::Transfer(format!(
                    "第 {} 号载体需要 {need} 字节，超过载体容量 {capacity} 字节；请用更大的 --carrier-size",
                    c.carrier_no
                )));
            }
        }
        Ok(())
    }

    /// Whether any carrier of the batch was started or finished.
    fn media_started(&self, batch_no: &str) -> Result<bool> {
        if !batches::carriers(self.cat.db(), batch_no)?.is_empty() {
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
        let existing = match self.media_plan(&m.batch_no)? {
            Some(p) if p.format != PLAN_FORMAT && !self.media_started(&m.batch_no)? => None,
            p => p,
        };
        let plan = match (existing, req.carrier_size) {
            (Some(p), None) => p,
            (Some(p), Some(c)) if c == p.carrier_capacity => p,
            (Some(p), Some(c)) => {
                if self.media_started(&m.batch_no)? {
                    return Err(Error::Transfer(format!(
                        "批次 {} 已按每个载体 {} 字节分为 {} 个载体并开始写入，不能改为 {c} 字节；请去掉 --carrier-size 继续",
                        m.batch_no,
                        p.carrier_capacity,
                        p.carriers.len()
                    )));
                }
                self.make_plan(&m, &sig, c, block)?
            }
            (None, c) => self.make_plan(&m, &sig, c.unwrap_or(free), block)?,
        };
        let n = plan.carriers.len() as u32;
        let algo = DigestAlgo::from_name(&plan.digest_algo)
            .ok_or_else(|| Error::Transfer(format!("未知的摘要算法 {}", plan.digest_algo)))?;
        let done: BTreeSet<u32> = batches::carriers(self.cat.db(), &m.batch_no)?
            .iter()
            .map(|c| c.carrier_no)
            .collect();
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
        let now = guidang_catalog::now_string();
        let row = batches::CarrierRow {
            carrier_no: k,
            carriers: n,
            digest_algo: plan.digest_algo.clone(),
            digest: pc.digest.clone(),
            files: report.files as u32,
            bytes: report.bytes,
            first_written_at: now.clone(),
            last_written_at: now,
            written_by: req.actor.clone(),
            copies: 1,
        };
        let ids = batches::case_ids(self.cat.db(), &m.batch_no)?;
        let batch_status = self.cat.transaction(|tx| -> Result<String> {
            batches::record_carrier(tx, &m.batch_no, &row)?;
            audit::append(
                tx,
                &req.actor,
                "transfer_write",
                &m.batch_no,
                &serde_json::json!({"carrier": k, "carriers": n, "digest": row.digest, "algo": row.digest_algo, "files": row.files, "bytes": row.bytes, "written": report.written, "medium": req.dest.display().to_string()}),
            )?;
            let all = batches::carriers(tx.db(), &m.batch_no)?.len() as u32 == n;
            let b = batches::get(tx.db(), &m.batch_no)?.ok_or_else(|| Error::NoSuchBatch(m.batch_no.clone()))?;
            if all && b.status == "created" {
                batches::set_status(tx, &m.batch_no, "written")?;
                for id in &ids {
                    if cases::status_of(tx.db(), *id)? == Some(CaseStatus::InBatch) {
                        cases::set_status(tx, *id, CaseStatus::Transferred)?;
                    }
                }
                return Ok("written".into());
            }
            Ok(b.status)
        })?;
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
            remaining,
            batch_status,
        })
    }

    /// Carriers written for a batch.
    pub fn batch_carriers(&self, batch_no: &str) -> Result<Vec<batches::CarrierRow>> {
        Ok(batches::carriers(self.cat.db(), batch_no)?)
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

/// Where a media plan's files are staged.
struct Stage<'a> {
    media: &'a std::path::Path,
    data_dir: &'a std::path::Path,
    algo: DigestAlgo,
}

impl Stage<'_> {
    /// Writes `bytes` atomically to `rel` under the staging folder; the
    /// planned file goes to `path` on the medium.
    fn put_as(&self, rel: &str, bytes: &[u8], path: &str) -> Result<PlannedFile> {
        let staged = self.media.join(rel);
        guidang_collect::store::write_atomic(&staged, bytes).map_err(|source| Error::DataDir {
            path: staged.clone(),
            source,
        })?;
        Ok(PlannedFile {
            path: path.into(),
            source: rel_path(&staged, self.data_dir),
            size: bytes.len() as u64,
            digest: self.algo.hex(bytes),
        })
    }

    /// Carrier `k` of `n`: its files and, staged last, its carrier
    /// manifest (whose digest is the carrier's digest).
    fn carrier(
        &self,
        m: &Manifest,
        sig: &BatchSignature,
        k: usize,
        n: usize,
        range: std::ops::Range<usize>,
        mut files: Vec<PlannedFile>,
    ) -> Result<PlannedCarrier> {
        let cm = CarrierManifest {
            format: CARRIER_FORMAT.into(),
            batch_no: m.batch_no.clone(),
            batch_digest: sig.manifest_digest.clone(),
            digest_algo: m.digest_algo.clone(),
            carrier_no: k as u32,
            carriers: n as u32,
            packages: m.packages[range.clone()]
                .iter()
                .map(|p| p.efile_no.clone())
                .collect(),
            total_bytes: files.iter().map(|f| f.size).sum(),
            files: files
                .iter()
                .map(|f| CarrierFile {
                    path: f.path.clone(),
                    size: f.size,
                    digest: f.digest.clone(),
                })
                .collect(),
        };
        let cm_file = self.put_as(&format!("{k}/{CARRIER_FILE}"), &cm.to_bytes(), CARRIER_FILE)?;
        let digest = cm_file.digest.clone();
        files.push(cm_file);
        Ok(PlannedCarrier {
            carrier_no: k as u32,
            seqs: (m.packages[range.start].seq, m.packages[range.end - 1].seq),
            bytes: 0,
            digest,
            files,
        })
    }
}

/// What one carrier needs besides its packages (description files,
/// catalogue, manifests, forms, folders, margin), rounded to blocks.
fn fixed_overhead(
    m: &Manifest,
    shared: &[PlannedFile],
    pkg_files: &[PlannedFile],
    block: u64,
) -> u64 {
    let dirs: BTreeSet<&str> = pkg_files
        .iter()
        .filter_map(|f| f.path.rsplit_once('/').map(|(d, _)| d))
        .collect();
    let full_catalogue = catalogue_xml(m, 0..m.packages.len()).len() as u64;
    shared
        .iter()
        .map(|f| round_up(f.size, block) + block)
        .sum::<u64>()
        + round_up(full_catalogue, block)
        + round_up(8 << 10, block)
        + round_up(REGISTER_ESTIMATE, block)
        + round_up(1024 + 320 * (m.packages.len() as u64 + 16), block)
        + (dirs.len() as u64 * 3 + 8) * block
        + MARGIN
}
