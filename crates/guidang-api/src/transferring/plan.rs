//! The media plan: how a batch is split over carriers of one kind and
//! capacity, with every file of every carrier staged and its digest known
//! before the first byte is written.

use super::*;

/// Format tag of `plan.json`.
/// `/2`: the transfer measures' layout; `/1` plans (Guidang's old layout)
/// are only kept to resume or copy carriers already written from them.
pub(super) const PLAN_FORMAT: &str = "guidang-media-plan/2";
/// Where the measures' layout keeps Guidang's files on a carrier.
const ON_CARRIER: &guidang_core::layout::CarrierFiles = Layout::Measures.files();
/// The carrier type the hand-over register and `说明文件.TXT` name for a
/// removable disk.
const REMOVABLE: &str = "移动存储介质（U 盘、移动硬盘）";

/// What a batch's carriers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarrierKind {
    /// A removable disk (USB stick, external drive) written as a folder.
    Removable,
    /// An optical disc of this type, written as an ISO 9660 image.
    Disc(DiscType),
}

impl CarrierKind {
    /// The stable code kept in the media plan (`removable`, or the disc
    /// type's code).
    pub fn code(self) -> &'static str {
        match self {
            CarrierKind::Removable => "removable",
            CarrierKind::Disc(d) => d.code(),
        }
    }

    /// 载体类型、规格 as the register and `说明文件.TXT` print it.
    pub fn label(self) -> &'static str {
        match self {
            CarrierKind::Removable => REMOVABLE,
            CarrierKind::Disc(d) => d.label(),
        }
    }

    fn from_code(s: &str) -> Option<CarrierKind> {
        match s {
            "removable" => Some(CarrierKind::Removable),
            _ => DiscType::from_code(s).map(CarrierKind::Disc),
        }
    }
}
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
    /// What the carriers are (`removable`, or a disc type's code; absent in
    /// plans made before discs: removable).
    #[serde(default = "removable")]
    pub carrier_kind: String,
    /// How the records lie (`zip`, `unpacked`; absent in plans made
    /// before the unpacked layout: zip).
    #[serde(default = "zip_records")]
    pub records: String,
    /// Block size assumed for the file system.
    pub block: u64,
    /// The carriers.
    pub carriers: Vec<PlannedCarrier>,
}

fn round_up(n: u64, block: u64) -> u64 {
    n.div_ceil(block) * block
}

fn removable() -> String {
    CarrierKind::Removable.code().into()
}

fn zip_records() -> String {
    Records::Zip.code().into()
}

impl MediaPlan {
    /// What the plan's carriers are.
    pub fn kind(&self) -> CarrierKind {
        CarrierKind::from_code(&self.carrier_kind).unwrap_or(CarrierKind::Removable)
    }

    /// How the plan's records lie.
    pub fn records(&self) -> Records {
        Records::from_code(&self.records).unwrap_or_default()
    }
}

/// What a plan is made for: the carriers, how the records lie, the
/// capacity of one carrier and the file system's block.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub(super) kind: CarrierKind,
    pub(super) records: Records,
    pub(super) capacity: u64,
    pub(super) block: u64,
}

impl Archive {
    /// Per-property results of the archiving check, for the register.
    pub(crate) fn hall_results(&self, m: &Manifest) -> Result<Vec<(String, String)>> {
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
    pub(super) fn make_plan(
        &self,
        m: &Manifest,
        sig: &BatchSignature,
        shape: Shape,
    ) -> Result<MediaPlan> {
        let Shape {
            kind,
            records,
            capacity,
            block,
        } = shape;
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
        let shared = self.stage_shared(&stage, m, sig, records)?;
        let pkg_files = self.package_files(&stage, m, records)?;
        if let CarrierKind::Disc(d) = kind {
            let long = too_long_for_joliet(pkg_files.iter().flatten().chain(&shared));
            if !long.is_empty() {
                return Err(Error::Transfer(format!(
                    "以下文件名超过光盘文件系统（Joliet）允许的 {JOLIET_NAME} 个字符，在 Windows 上会被截断，不能刻录到{}：{}。请缩短这些材料的文件名后重新组包",
                    d.label(),
                    long.join("、")
                )));
            }
        }
        let fixed = fixed_overhead(m, &shared, &pkg_files, block);
        if capacity <= fixed {
            return Err(Error::Transfer(format!(
                "载体容量 {capacity} 字节太小：仅说明文件、目录、清单和表格就需要约 {fixed} 字节"
            )));
        }
        let costs: Vec<u64> = pkg_files
            .iter()
            .map(|g| g.iter().map(|f| round_up(f.size, block) + block).sum())
            .collect();
        let ranges = plan_carriers(&costs, capacity - fixed).map_err(Error::Transfer)?;
        let n = ranges.len();
        let mut carriers = Vec::new();
        for (i, range) in ranges.iter().enumerate() {
            let k = i + 1;
            let spec = CarrierSpec {
                kind: kind.label(),
                capacity,
                no: k,
                of: n,
                records,
            };
            let readme = readme_txt(m, range.clone(), &spec);
            let readme = stage.put_as(
                &format!("{k}/{README_FILE}"),
                readme.as_bytes(),
                README_FILE,
            )?;
            let catalogue = catalogue_xml(m, range.clone(), records);
            let catalogue = stage.put_as(
                &format!("{k}/{CATALOGUE_FILE}"),
                catalogue.as_bytes(),
                CATALOGUE_FILE,
            )?;
            // The description first (an interrupted medium still says what
            // it holds), the carrier manifest last (added by `carrier`).
            let mut files = vec![readme];
            files.extend(pkg_files[range.clone()].iter().flatten().cloned());
            files.push(catalogue);
            files.extend(shared.iter().cloned());
            carriers.push(stage.carrier(m, sig, k, n, range.clone(), files)?);
        }
        self.stage_register(&stage, m, sig, &mut carriers, shape)?;
        let plan = MediaPlan {
            format: PLAN_FORMAT.into(),
            batch_no: m.batch_no.clone(),
            digest_algo: m.digest_algo.clone(),
            carrier_capacity: capacity,
            carrier_kind: kind.code().into(),
            records: records.code().into(),
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
        records: Records,
    ) -> Result<Vec<PlannedFile>> {
        let pdf_err = |e: guidang_pdf::PdfError| Error::Check(e.to_string());
        let mut shared = Vec::new();
        let keyring = serde_json::to_vec_pretty(&self.keyring_file()?).expect("json");
        let tl = guidang_transfer::forms::transfer_list_pdf(m, sig).map_err(pdf_err)?;
        let cl = guidang_transfer::forms::catalog_list_pdf(m, sig).map_err(pdf_err)?;
        use guidang_transfer::medium as md;
        for (path, bytes) in [
            (
                layout::NAMING_RULE,
                md::naming_rule_txt(m, records).into_bytes(),
            ),
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
    /// `电子档案/年度/类别/`, one group of files per package (a ZIP, or the
    /// files of its folder, unpacked into the staging folder and checked
    /// against its seal on the way); each must still be the one the batch
    /// lists.
    fn package_files(
        &self,
        stage: &Stage<'_>,
        m: &Manifest,
        records: Records,
    ) -> Result<Vec<Vec<PlannedFile>>> {
        if records == Records::Unpacked {
            if let Some(p) = m.packages.iter().find(|p| p.seal_digest.is_none()) {
                return Err(Error::Transfer(format!(
                    "批次 {} 由旧版归档通组批，批次清单没有记录包（如 {}）的固化信息摘要，接收方无法把文件夹形式的包与批次清单对应，不能按“{}”写出。请按 ZIP 形式写出（去掉 --layout unpacked），或为这些办件重新组批",
                    m.batch_no,
                    p.efile_no,
                    Records::Unpacked.label()
                )));
            }
        }
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
            pkg_files.push(match records {
                Records::Zip => vec![PlannedFile {
                    path: record_path(p),
                    source: r.path.clone(),
                    size: p.size,
                    digest: p.digest.clone(),
                }],
                Records::Unpacked => stage.unpack(p, &self.dir.join(&r.path))?,
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
        shape: Shape,
    ) -> Result<()> {
        let Shape {
            kind,
            capacity,
            block,
            ..
        } = shape;
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
            carrier_type: kind.label().into(),
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

    /// Unpacks package `p` (its ZIP at `zip`) into the staging folder,
    /// each entry checked against the seal, whose digest must be the one
    /// the batch lists: the files of its folder on a carrier.
    fn unpack(
        &self,
        p: &guidang_transfer::ManifestPackage,
        zip: &std::path::Path,
    ) -> Result<Vec<PlannedFile>> {
        let out = self.media.join("records").join(&p.efile_no);
        let files = guidang_package::folder::unpack_package(zip, &out, &CancelFlag::new())?;
        let folder = guidang_transfer::medium::record_folder(p);
        let seal = files.iter().find(|f| f.name == guidang_package::SEAL_ENTRY);
        if seal.map(|f| &f.digest) != p.seal_digest.as_ref() {
            return Err(Error::Transfer(format!(
                "包 {} 的固化信息与批次清单记录的不符：组批后包被重新组包。请为这些办件另组新批次",
                p.efile_no
            )));
        }
        Ok(files
            .into_iter()
            .map(|f| PlannedFile {
                path: format!("{folder}/{}", f.name),
                source: rel_path(&f.path, self.data_dir),
                size: f.size,
                digest: f.digest,
            })
            .collect())
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

/// Longest name Joliet keeps whole (UTF-16 units; xorriso's
/// `joliet_long_names`): Windows shows the Joliet names.
const JOLIET_NAME: usize = 103;

/// Paths with a component longer than [`JOLIET_NAME`].
fn too_long_for_joliet<'a>(files: impl Iterator<Item = &'a PlannedFile>) -> Vec<String> {
    files
        .filter(|f| {
            f.path
                .split('/')
                .any(|c| c.encode_utf16().count() > JOLIET_NAME)
        })
        .map(|f| f.path.clone())
        .collect()
}

/// What one carrier needs besides its packages (description files,
/// catalogue, manifests, forms, folders, margin), rounded to blocks.
fn fixed_overhead(
    m: &Manifest,
    shared: &[PlannedFile],
    pkg_files: &[Vec<PlannedFile>],
    block: u64,
) -> u64 {
    let dirs: BTreeSet<&str> = pkg_files
        .iter()
        .flatten()
        .filter_map(|f| f.path.rsplit_once('/').map(|(d, _)| d))
        .collect();
    let full_catalogue = catalogue_xml(m, 0..m.packages.len(), Records::Zip).len() as u64;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_joliet_would_cut_are_found() {
        let f = |path: String| PlannedFile {
            path,
            source: String::new(),
            size: 0,
            digest: String::new(),
        };
        let ok = f(format!("电子档案/2025/行政许可/{}.pdf", "申".repeat(99)));
        let long = f(format!("电子档案/2025/行政许可/{}.pdf", "申".repeat(100)));
        // A character outside the BMP counts twice in UTF-16.
        let astral = f(format!("其他/{}.pdf", "𠇔".repeat(50)));
        assert_eq!(
            too_long_for_joliet([&ok, &long, &astral].into_iter()),
            vec![long.path.clone(), astral.path.clone()]
        );
    }
}
