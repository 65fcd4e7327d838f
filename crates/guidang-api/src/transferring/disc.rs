//! Optical discs: a batch planned for a disc type, each carrier made into
//! an ISO 9660 image (for burning elsewhere) or burned to a blank disc in
//! one closed session, then read back file by file — with the page cache
//! dropped — and compared with the plan before the carrier is recorded.
//! The images and the burning are xorriso's (`guidang_transfer::iso`).

use super::*;
use guidang_transfer::iso::{self, ImageFile, ImageSpec, IsoError};

/// Make ISO images of a batch's carriers.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    /// 批次编号.
    pub batch_no: String,
    /// The disc type the carriers are for.
    pub disc: DiscType,
    /// Capacity of one carrier; default: the disc type's usable capacity.
    pub carrier_size: Option<u64>,
    /// Only this carrier; default: all.
    pub carrier: Option<u32>,
    /// How the records lie; default: as the batch's plan has them, else
    /// as ZIPs.
    pub records: Option<Records>,
    /// Where the images go.
    pub out_dir: PathBuf,
    /// Who makes them (recorded).
    pub actor: String,
}

/// One image made.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenImage {
    /// Carrier number.
    pub carrier_no: u32,
    /// The image file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Files in it (each read back from the image and compared).
    pub files: u64,
    /// The carrier digest (of its `其他/载体清单.json`).
    pub carrier_digest: String,
}

/// What `transfer image` did.
#[derive(Debug, Clone, Serialize)]
pub struct ImagesWritten {
    /// 批次编号.
    pub batch_no: String,
    /// Disc type code.
    pub disc: String,
    /// Its label, e.g. `DVD±R 4.7 GB`.
    pub disc_label: String,
    /// Carriers of the batch.
    pub carriers: u32,
    /// Capacity of one carrier.
    pub carrier_capacity: u64,
    /// Digest algorithm.
    pub digest_algo: String,
    /// How the records lie on the carriers (`zip`, `unpacked`).
    pub layout: String,
    /// The images made.
    pub images: Vec<WrittenImage>,
}

/// Burn one carrier of a batch to a blank disc.
#[derive(Debug, Clone)]
pub struct BurnRequest {
    /// 批次编号.
    pub batch_no: String,
    /// The drive (`/dev/sr0`) or a pseudo-drive `stdio:/path/file.iso`.
    pub device: String,
    /// The disc type.
    pub disc: DiscType,
    /// Capacity of one carrier; default: the disc type's usable capacity.
    pub carrier_size: Option<u64>,
    /// Which carrier; default: the first not yet recorded.
    pub carrier: Option<u32>,
    /// How the records lie; default: as the batch's plan has them, else
    /// as ZIPs.
    pub records: Option<Records>,
    /// Who burns (recorded).
    pub actor: String,
}

impl From<IsoError> for Error {
    fn from(e: IsoError) -> Error {
        Error::Disc(e)
    }
}

impl Archive {
    /// The plan for carriers on discs of `disc`, made on first use.
    fn disc_plan(
        &self,
        batch_no: &str,
        disc: DiscType,
        size: Option<u64>,
        records: Option<Records>,
    ) -> Result<(Manifest, MediaPlan)> {
        let (m, sig) = self.batch_manifest(batch_no)?;
        let kind = CarrierKind::Disc(disc);
        let records = self.records_for(batch_no, records)?;
        let capacity = size.unwrap_or(disc.usable_bytes());
        if capacity > disc.usable_bytes() {
            return Err(Error::Transfer(format!(
                "载体容量 {capacity} 字节超过 {} 光盘可用的 {} 字节",
                disc.label(),
                disc.usable_bytes()
            )));
        }
        let plan = match self.reusable_plan(batch_no, kind, records)? {
            Some(p) if p.carrier_capacity == capacity => p,
            Some(p) if self.media_started(batch_no, &p.format)? => {
                return Err(Error::Transfer(format!(
                    "批次 {batch_no} 已按每个载体 {} 字节分为 {} 个载体并开始刻录，不能改为 {capacity} 字节；请去掉 --carrier-size 继续",
                    p.carrier_capacity,
                    p.carriers.len()
                )))
            }
            _ => self.make_plan(
                &m,
                &sig,
                Shape {
                    kind,
                    records,
                    capacity,
                    block: iso::BLOCK,
                },
            )?,
        };
        Ok((m, plan))
    }

    fn image_files(&self, pc: &PlannedCarrier) -> Vec<ImageFile> {
        pc.files
            .iter()
            .map(|f| ImageFile {
                source: self.dir.join(&f.source),
                path: f.path.clone(),
            })
            .collect()
    }

    /// Makes an ISO image of each carrier (or of one) in `out_dir`, named
    /// `{批次编号}-{载体编号}.iso`, and reads every file back from it.
    pub fn write_images(
        &mut self,
        req: &ImageRequest,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<ImagesWritten> {
        let actor = req.actor.clone();
        let (m, plan) = self.disc_plan(&req.batch_no, req.disc, req.carrier_size, req.records)?;
        let n = plan.carriers.len() as u32;
        let which: Vec<u32> = match req.carrier {
            Some(k) if k == 0 || k > n => {
                return Err(Error::Transfer(format!(
                    "载体编号 {k} 无效：批次 {} 共 {n} 个载体",
                    m.batch_no
                )))
            }
            Some(k) => vec![k],
            None => (1..=n).collect(),
        };
        std::fs::create_dir_all(&req.out_dir).map_err(|source| Error::DataDir {
            path: req.out_dir.clone(),
            source,
        })?;
        let algo = plan_algo(&plan)?;
        let mut images = Vec::new();
        for (i, k) in which.iter().enumerate() {
            if cancel.is_cancelled() {
                return Err(Error::Disc(IsoError::Cancelled));
            }
            progress.report(
                i as u64 * 100,
                which.len() as u64 * 100,
                &format!("正在制作第 {k} 号载体的映像"),
            );
            let pc = &plan.carriers[*k as usize - 1];
            let out = req.out_dir.join(format!("{}-{k}.iso", m.batch_no));
            let total = which.len() as u64 * 100;
            let at = i as u64 * 100;
            let percent = |p: f64| {
                progress.report(
                    at + p.clamp(0.0, 100.0) as u64,
                    total,
                    &format!("正在制作第 {k} 号载体的映像（{p:.0}%）"),
                )
            };
            iso::write_image(
                &self.image_files(pc),
                &image_spec(&m, *k),
                &out,
                Some(&iso::Watch {
                    percent: &percent,
                    cancel,
                }),
            )?;
            let files = verify_medium(&out, pc, algo, cancel)?;
            images.push(WrittenImage {
                carrier_no: *k,
                size: std::fs::metadata(&out).map(|x| x.len()).unwrap_or(0),
                path: out,
                files,
                carrier_digest: pc.digest.clone(),
            });
        }
        let total = which.len() as u64 * 100;
        progress.report(total, total, "映像已制作并校验");
        let entry = serde_json::json!({"disc": req.disc.code(), "carriers": images.iter().map(|i| i.carrier_no).collect::<Vec<_>>(), "dir": req.out_dir.display().to_string()});
        self.cat.transaction(|tx| -> Result<()> {
            audit::append(tx, &actor, "transfer_image", &m.batch_no, &entry)?;
            Ok(())
        })?;
        Ok(ImagesWritten {
            batch_no: m.batch_no.clone(),
            disc: req.disc.code().into(),
            disc_label: req.disc.label().into(),
            carriers: n,
            carrier_capacity: plan.carrier_capacity,
            digest_algo: plan.digest_algo.clone(),
            layout: plan.records().code().into(),
            images,
        })
    }

    /// Burns one carrier to the blank disc in `device` in one closed
    /// session, reads every file back from the disc and compares it with
    /// the plan, and only then records the carrier.
    pub fn burn(
        &mut self,
        req: &BurnRequest,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<TransferWritten> {
        let actor = req.actor.clone();
        let (m, plan) = self.disc_plan(&req.batch_no, req.disc, req.carrier_size, req.records)?;
        let n = plan.carriers.len() as u32;
        let done = self.carriers_done(&m.batch_no, &plan.format)?;
        let k = match req.carrier {
            Some(k) if k == 0 || k > n => {
                return Err(Error::Transfer(format!(
                    "载体编号 {k} 无效：批次 {} 共 {n} 个载体",
                    m.batch_no
                )))
            }
            Some(k) => k,
            None => (1..=n).find(|k| !done.contains(k)).ok_or_else(|| {
                Error::Transfer(format!(
                    "批次 {} 的 {n} 个载体都已刻录；如需再刻一份，请用 --carrier 指定载体编号",
                    m.batch_no
                ))
            })?,
        };
        let pc = &plan.carriers[k as usize - 1];
        let need: u64 = pc
            .files
            .iter()
            .map(|f| f.size.div_ceil(iso::BLOCK) * iso::BLOCK + iso::BLOCK)
            .sum();
        // Burning is the first hundred steps, reading back the second,
        // recording the third.
        progress.report(0, 300, &format!("正在刻录第 {k} 号载体"));
        let percent = |p: f64| {
            progress.report(
                p.clamp(0.0, 100.0) as u64,
                300,
                &format!("正在刻录第 {k} 号载体（{p:.0}%）"),
            )
        };
        iso::burn(
            &self.image_files(pc),
            &image_spec(&m, k),
            &req.device,
            need,
            &iso::Watch {
                percent: &percent,
                cancel,
            },
        )?;
        progress.report(100, 300, "正在从光盘读回校验");
        let medium = iso::device_path(&req.device);
        let files = verify_medium(&medium, pc, plan_algo(&plan)?, cancel)?;
        progress.report(200, 300, "校验通过，正在登记");
        let bytes = pc.files.iter().map(|f| f.size).sum();
        let batch_status = self.record_carrier(
            &m.batch_no,
            &plan,
            k,
            (files, bytes),
            &actor,
            serde_json::json!({"medium": req.device, "disc": req.disc.code()}),
        )?;
        progress.report(300, 300, "已登记");
        let remaining: Vec<u32> = (1..=n).filter(|c| *c != k && !done.contains(c)).collect();
        Ok(TransferWritten {
            batch_no: m.batch_no.clone(),
            carrier_no: k,
            carriers: n,
            carrier_capacity: plan.carrier_capacity,
            digest_algo: plan.digest_algo.clone(),
            carrier_digest: pc.digest.clone(),
            packages: pc.seqs.1 + 1 - pc.seqs.0,
            files: files as usize,
            bytes,
            written: files as usize,
            skipped: 0,
            reverified: 0,
            fs_rules: "iso9660".into(),
            layout: plan.records().code().into(),
            remaining,
            batch_status,
        })
    }

    /// The optical drives on this machine, with the disc in each.
    pub fn drives(&self) -> Result<Vec<Drive>> {
        let mut out = Vec::new();
        for (device, model) in iso::drives()? {
            let status = iso::media_status(&device).ok();
            out.push(Drive {
                blank: status.as_ref().is_some_and(|s| s.is_blank()),
                media: status.as_ref().map(|s| s.status.clone()),
                free: status.and_then(|s| s.free),
                device,
                model,
            });
        }
        Ok(out)
    }
}

/// An optical drive and the disc in it.
#[derive(Debug, Clone, Serialize)]
pub struct Drive {
    /// Device, e.g. `/dev/sr0`.
    pub device: String,
    /// Vendor and model.
    pub model: String,
    /// What xorriso says of the disc (`is blank`…); none without a disc.
    pub media: Option<String>,
    /// Whether the disc is blank.
    pub blank: bool,
    /// Writable bytes left.
    pub free: Option<u64>,
}

fn plan_algo(plan: &MediaPlan) -> Result<DigestAlgo> {
    DigestAlgo::from_name(&plan.digest_algo)
        .ok_or_else(|| Error::Transfer(format!("未知的摘要算法 {}", plan.digest_algo)))
}

/// The image of carrier `k`: its volume id, and every date the batch's
/// creation time (so the same plan makes the same bytes).
fn image_spec(m: &Manifest, k: u32) -> ImageSpec {
    let epoch = chrono::DateTime::parse_from_rfc3339(&m.created_at)
        .map(|t| t.timestamp())
        .unwrap_or(0);
    ImageSpec {
        volume_id: iso::volume_id(&m.batch_no, k),
        volume_set: iso::volume_set(&m.batch_no, k),
        epoch,
    }
}

/// Reads every file back from an image or disc and compares it with the
/// plan: each planned file there with its size and digest, nothing else.
/// Returns the number of files.
fn verify_medium(
    medium: &std::path::Path,
    pc: &PlannedCarrier,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> Result<u64> {
    let dev = format!("stdio:{}", medium.display());
    let on: HashMap<String, iso::Extents> = iso::extents(&dev)?
        .into_iter()
        .map(|e| (e.path.clone(), e))
        .collect();
    let mut bad = Vec::new();
    for f in &pc.files {
        match on.get(&f.path) {
            None => bad.push(format!("{}：不在光盘上", f.path)),
            Some(e) if e.size != f.size => bad.push(format!(
                "{}：大小应为 {} 字节，实为 {} 字节",
                f.path, f.size, e.size
            )),
            Some(e) => {
                let (_, d) = iso::digest_file(medium, e, algo, cancel)?;
                if d != f.digest {
                    bad.push(format!("{}：读回的内容与应有摘要不符", f.path));
                }
            }
        }
    }
    for p in on.keys() {
        if !pc.files.iter().any(|f| &f.path == p) {
            bad.push(format!("{p}：不属于本载体"));
        }
    }
    if !bad.is_empty() {
        return Err(Error::Disc(IsoError::Verify(bad.join("；"))));
    }
    Ok(pc.files.len() as u64)
}
