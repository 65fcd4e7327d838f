//! Caring for the holdings (保管): backup and restore, routine inspection
//! (日常检查, the DA/T 70 bc stage) with repair from backup, and retention
//! appraisal with a destruction register (销毁清册).
//!
//! A backup drive holds `归档通备份/{行政区划码}-{全宗号}/` with
//! content-addressed `objects/` (one file per digest, so every generation
//! after the first copies only what is new) and `generations/{时间}/` each
//! with a signed `备份清单.json`: every file of the data directory (path,
//! size, digest) and a consistent catalog snapshot taken with SQLite's online
//! backup API. Every object is written through a temporary name, fsynced,
//! renamed and read back. The manifest is signed with the installation's
//! backup key (kept unsealed in the catalog so that backups need no PIN; its
//! fingerprint is shown after every backup and stored with it).
//!
//! Restore copies every object of a generation into a staging folder beside
//! the target while checking its digest; only when every file is intact is
//! the staging folder renamed into place, so a damaged backup is reported
//! file by file and nothing is half-restored.
//!
//! By job: `backup.rs`, `restore.rs` (also in place of the working data
//! directory), `inspect.rs` (routine inspection and repair), `retention.rs`
//! (appraisal, destruction and its register); this file holds the backup
//! format and what they share.

use std::path::{Path, PathBuf};

use guidang_core::{DigestAlgo, Suite};
use guidang_transfer::write::WriteError;
use serde::{Deserialize, Serialize};

use crate::{Error, Result, CATALOG_FILE};

/// Folder of all backups on a drive.
pub const BACKUP_ROOT: &str = "归档通备份";
/// Format tag of a backup manifest.
pub const BACKUP_FORMAT: &str = "guidang-backup/1";
/// A generation's manifest.
pub const BACKUP_MANIFEST: &str = "备份清单.json";
/// Its signature.
pub const BACKUP_SIGNATURE: &str = "备份清单.sig";
/// Default reminder interval.
pub const DEFAULT_BACKUP_INTERVAL_DAYS: i64 = 30;
const KEY_SETTING: &str = "backup.secret";
const INTERVAL_SETTING: &str = "backup.interval_days";

/// One file of a backup generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    /// Path in the data directory, `/`-separated.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Digest.
    pub digest: String,
}

/// `备份清单.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    /// Always [`BACKUP_FORMAT`].
    pub format: String,
    /// 行政区划码.
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// Unit name.
    pub unit: String,
    /// Suite.
    pub suite: Suite,
    /// Digest algorithm.
    pub digest_algo: String,
    /// Generation name.
    pub generation: String,
    /// When taken.
    pub created_at: String,
    /// The catalog snapshot.
    pub catalog: BackupFile,
    /// Every other file of the data directory.
    pub files: Vec<BackupFile>,
    /// Sum of all sizes.
    pub total_bytes: u64,
}

/// `备份清单.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSignature {
    /// Suite.
    pub suite: Suite,
    /// Digest of the manifest bytes.
    pub manifest_digest: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Signature over the manifest bytes, hex.
    pub signature: String,
}

/// What a backup did.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// This unit's backup folder on the drive.
    pub dest: PathBuf,
    /// Generation name.
    pub generation: String,
    /// Files in the generation (the catalog included).
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Files copied this time (the rest were already on the drive).
    pub copied: usize,
    /// Bytes copied this time.
    pub copied_bytes: u64,
    /// Paths copied this time.
    pub copied_paths: Vec<String>,
    /// Digest of the manifest.
    pub manifest_digest: String,
    /// Fingerprint of the backup key.
    pub fingerprint: String,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// The data directory rebuilt.
    pub to: PathBuf,
    /// Generation restored.
    pub generation: String,
    /// Files.
    pub files: usize,
    /// Bytes.
    pub bytes: u64,
    /// Fingerprint of the key that signed the backup.
    pub fingerprint: String,
    /// What the restored catalog's audit-chain verification found, one
    /// message per broken entry (empty when the chain holds).
    pub audit_problems: Vec<String>,
}

/// One problem found by routine inspection.
#[derive(Debug, Clone, Serialize)]
pub struct Damage {
    /// `material`, `package`, `holding`, `catalog` or `audit`.
    pub kind: String,
    /// The file (relative to the data directory), when one is concerned.
    pub path: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// Whether it was repaired from a backup.
    pub repaired: bool,
}

/// A routine inspection.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionReport {
    /// When.
    pub inspected_at: String,
    /// By whom.
    pub inspected_by: String,
    /// `sound` or `damaged`.
    pub verdict: String,
    /// Material files checked.
    pub materials: usize,
    /// Packages checked (digest and seal).
    pub packages: usize,
    /// Accepted packages (intake) checked.
    pub holdings: usize,
    /// Every problem.
    pub damage: Vec<Damage>,
    /// Work files that interrupted runs left behind (partial packages and
    /// store files, restore staging folders), removed now. They were never
    /// registered, so nothing is lost.
    pub cleaned: Vec<String>,
    /// Package files in `packages/` that no catalog row registers (a
    /// packaging run stopped between placing the file and committing its
    /// row, or one set aside in `packages/unregistered/` by the rerun):
    /// kept, listed for the operator, never taken for registered records.
    pub unregistered: Vec<String>,
    /// The backup used for repairs, if any.
    pub backup: Option<PathBuf>,
    /// JSON report written.
    pub report_json: PathBuf,
    /// PDF report written.
    pub report_pdf: PathBuf,
}

/// A record's place in retention appraisal.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionRow {
    /// 办件编号.
    pub case_no: String,
    /// 电子文件号.
    pub efile_no: String,
    /// 题名.
    pub case_name: String,
    /// 年度.
    pub year: i32,
    /// 保管期限.
    pub retention: String,
    /// Last day of retention.
    pub retention_end: String,
    /// Status code.
    pub status: String,
    /// When handed over, if it was.
    pub transferred_on: Option<String>,
    /// Whether it may be destroyed now (with an approval).
    pub destroyable: bool,
    /// Why not, when not.
    pub why_not: Option<String>,
}

mod backup;
mod inspect;
mod restore;
mod retention;

pub use restore::{backup_generations, restore, restore_replacing, GenerationInfo, ReplaceReport};

/// Files of a data directory that a backup holds (the live catalog, its
/// WAL and temporary files excluded), relative and sorted.
pub(super) fn data_files(dir: &Path) -> Result<Vec<String>> {
    guidang_core::fsutil::walk_files(dir, |r| {
        let name = r.rsplit('/').next().unwrap_or(r);
        r == "tmp"
            || r.starts_with(CATALOG_FILE)
            || name.ends_with(".tmp")
            || name.ends_with(".part")
            || name.ends_with(".guidang-part")
    })
    .map_err(|source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })
}

pub(super) fn object_path(root: &Path, digest: &str) -> PathBuf {
    root.join("objects")
        .join(&digest[..2.min(digest.len())])
        .join(digest)
}

pub(super) fn hash_file(path: &Path, algo: DigestAlgo) -> std::io::Result<(String, u64)> {
    guidang_package::build::digest_file(path, algo).map(|(n, d)| (d, n))
}

pub(super) fn medium_err(e: WriteError) -> Error {
    Error::Medium(e)
}

/// The unit folder of a backup drive or folder given by the user.
pub(super) fn backup_unit_root(from: &Path) -> Result<PathBuf> {
    if from.join("generations").is_dir() {
        return Ok(from.to_path_buf());
    }
    let top = from.join(BACKUP_ROOT);
    let units: Vec<PathBuf> = std::fs::read_dir(&top)
        .map_err(|_| Error::NotFound(top.clone()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("generations").is_dir())
        .collect();
    match units.len() {
        1 => Ok(units[0].clone()),
        0 => Err(Error::NotFound(top)),
        _ => Err(Error::Backup(vec![format!(
            "{} 下有多个单位的备份：{}；请直接给出其中一个单位的文件夹",
            top.display(),
            units
                .iter()
                .map(|u| u
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned())
                .collect::<Vec<_>>()
                .join("、")
        )])),
    }
}

/// The generations of a unit's backup folder that have a manifest, oldest
/// first (their names are their times).
pub(super) fn generation_names(root: &Path) -> Result<Vec<String>> {
    let gens = root.join("generations");
    let mut names: Vec<String> = std::fs::read_dir(&gens)
        .map_err(|_| Error::NotFound(gens.clone()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join(BACKUP_MANIFEST).is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Reads and verifies a generation's manifest and signature.
pub(super) fn read_generation(
    root: &Path,
    generation: Option<&str>,
) -> Result<(BackupManifest, BackupSignature)> {
    let gens = root.join("generations");
    let generation = match generation {
        Some(g) if g.is_empty() || g.contains(['/', '\\']) || g.starts_with('.') => {
            return Err(Error::Backup(vec![format!(
                "“{g}”不是备份的代名：请用 guidang restore --list 列出的名称"
            )]))
        }
        Some(g) => g.to_string(),
        None => generation_names(root)?
            .pop()
            .ok_or_else(|| Error::Backup(vec![format!("{} 中没有完整的备份", gens.display())]))?,
    };
    let dir = gens.join(&generation);
    let bytes = std::fs::read(dir.join(BACKUP_MANIFEST))
        .map_err(|_| Error::NotFound(dir.join(BACKUP_MANIFEST)))?;
    let sig: BackupSignature = std::fs::read(dir.join(BACKUP_SIGNATURE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| Error::Backup(vec![format!("{BACKUP_SIGNATURE} 缺失或损坏")]))?;
    let m: BackupManifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Backup(vec![format!("{BACKUP_MANIFEST} 格式错误：{e}")]))?;
    let ok = sig.suite.digest().hex(&bytes) == sig.manifest_digest
        && guidang_crypto::verify_hex(
            sig.suite,
            &sig.public_key,
            &sig.fingerprint,
            &bytes,
            &sig.signature,
        );
    if !ok || m.format != BACKUP_FORMAT {
        return Err(Error::Backup(vec![format!(
            "备份 {generation} 的备份清单签名无效：清单被修改或损坏，不能据此恢复"
        )]));
    }
    Ok((m, sig))
}
