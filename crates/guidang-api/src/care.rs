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

use guidang_core::oserror::Os;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use guidang_catalog::{audit, care, cases, intake, packages, settings};
use guidang_core::fsutil::rel_path;
use guidang_core::{deadline, CancelFlag, CaseStatus, DigestAlgo, Progress, Retention, Suite};
use guidang_transfer::write::{copy_verified, Source, WriteError};
use serde::{Deserialize, Serialize};

use crate::{Archive, Error, Result, CATALOG_FILE};

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

/// Files of a data directory that a backup holds (the live catalog, its
/// WAL and temporary files excluded), relative and sorted.
fn data_files(dir: &Path) -> Result<Vec<String>> {
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

fn object_path(root: &Path, digest: &str) -> PathBuf {
    root.join("objects")
        .join(&digest[..2.min(digest.len())])
        .join(digest)
}

fn hash_file(path: &Path, algo: DigestAlgo) -> std::io::Result<(String, u64)> {
    guidang_package::build::digest_file(path, algo).map(|(n, d)| (d, n))
}

fn medium_err(e: WriteError) -> Error {
    Error::Medium(e)
}

/// The unit folder of a backup drive or folder given by the user.
fn backup_unit_root(from: &Path) -> Result<PathBuf> {
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
fn generation_names(root: &Path) -> Result<Vec<String>> {
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
fn read_generation(
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

/// Rebuilds a data directory from a backup. The target must not exist or
/// be empty. Every file is checked against its digest while it is copied
/// into a staging folder; any damage is reported file by file and nothing
/// is left behind. The restore is recorded in the restored audit log as
/// done by `actor`.
pub fn restore(
    from: &Path,
    to: &Path,
    generation: Option<&str>,
    actor: &str,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<RestoreReport> {
    let root = backup_unit_root(from)?;
    let (m, sig) = read_generation(&root, generation)?;
    let algo = DigestAlgo::from_name(&m.digest_algo)
        .ok_or_else(|| Error::Backup(vec![format!("未知的摘要算法 {}", m.digest_algo)]))?;
    let all: Vec<&BackupFile> = std::iter::once(&m.catalog).chain(m.files.iter()).collect();
    let total: u64 = all.iter().map(|f| f.size).sum();
    let row = care::BackupRow {
        generation: m.generation.clone(),
        created_at: m.created_at.clone(),
        dest: root.display().to_string(),
        files: all.len() as u32,
        bytes: total,
        copied: 0,
        copied_bytes: 0,
        manifest_digest: sig.manifest_digest.clone(),
        fingerprint: sig.fingerprint.clone(),
    };
    let report = |audit_problems| RestoreReport {
        to: to.to_path_buf(),
        generation: m.generation.clone(),
        files: all.len(),
        bytes: total,
        fingerprint: sig.fingerprint.clone(),
        audit_problems,
    };
    if to.exists()
        && std::fs::read_dir(to)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        // The same restore, finished earlier (the run that did it may
        // have been stopped before it could say so): done, not a conflict.
        if let Some(problems) = finished_restore(to, &m, &row, algo)? {
            return Ok(report(problems));
        }
        return Err(Error::Backup(vec![format!(
            "目标数据目录 {} 已存在且不为空：恢复只写入空目录，不覆盖现有数据。请换一个目录，或先把它改名保存",
            to.display()
        )]));
    }
    let parent = guidang_core::fsutil::parent_or_dot(to);
    std::fs::create_dir_all(parent).map_err(|source| Error::DataDir {
        path: parent.to_path_buf(),
        source,
    })?;
    let name = to.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}.restoring-");
    // Staging folders of restores that were killed.
    remove_restore_leftovers(parent, &name)?;
    let staging = parent.join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let mut done = 0u64;
    let mut damaged = Vec::new();
    for f in &all {
        if cancel.is_cancelled() {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(Error::Medium(WriteError::Cancelled));
        }
        progress.report(done, total, &f.path);
        let src = object_path(&root, &f.digest);
        if !src.is_file() {
            damaged.push(format!(
                "{}：备份中缺少其内容（{}）",
                f.path,
                rel_path(&src, &root)
            ));
            continue;
        }
        let s = Source {
            rel: f.path.clone(),
            src: src.clone(),
            size: f.size,
            digest: f.digest.clone(),
        };
        match copy_verified(&s, &staging.join(&f.path), algo, cancel) {
            Ok(()) => {}
            Err(WriteError::SourceChanged(_)) => damaged.push(format!(
                "{}：备份中的内容已损坏（摘要不符，{}）",
                f.path,
                rel_path(&src, &root)
            )),
            Err(WriteError::Cancelled) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(Error::Medium(WriteError::Cancelled));
            }
            Err(e) => damaged.push(format!("{}：{e}", f.path)),
        }
        done += f.size;
    }
    if !damaged.is_empty() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::Backup(damaged));
    }
    // The restored catalog remembers where it came from — the generation is
    // its latest verified backup, and the restore is in its audit log —
    // before it is renamed into place, so a restored directory always
    // carries its restore record. Its audit chain is verified here, once,
    // for every caller.
    let audit_problems = match record_restore(&staging, &m, &row, actor) {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if to.exists() {
        std::fs::remove_dir(to).map_err(|source| Error::DataDir {
            path: to.to_path_buf(),
            source,
        })?;
    }
    std::fs::rename(&staging, to).map_err(|source| Error::DataDir {
        path: to.to_path_buf(),
        source,
    })?;
    guidang_core::fsutil::sync_dir(parent).map_err(|source| Error::DataDir {
        path: parent.to_path_buf(),
        source,
    })?;
    progress.report(total, total, "已恢复");
    Ok(report(audit_problems))
}

/// Records the restore in the catalog restored at `dir` (one transaction)
/// and returns the problems of its audit chain.
fn record_restore(
    dir: &Path,
    m: &BackupManifest,
    row: &care::BackupRow,
    actor: &str,
) -> Result<Vec<String>> {
    let mut ar = Archive::open(dir)?;
    ar.cat.transaction(|tx| -> Result<()> {
        care::record_backup(tx, row)?;
        audit::append(
            tx,
            actor,
            "restore",
            &m.generation,
            &serde_json::json!({"from": row.dest, "files": row.files, "manifest_digest": row.manifest_digest, "fingerprint": row.fingerprint}),
        )?;
        Ok(())
    })?;
    let problems = audit_chain_problems(&ar)?;
    drop(ar);
    guidang_core::fsutil::sync_dir(dir).map_err(|source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(problems)
}

fn audit_chain_problems(ar: &Archive) -> Result<Vec<String>> {
    Ok(ar
        .audit_verify()?
        .problems
        .into_iter()
        .map(|p| format!("恢复出的目录库审计日志第 {} 条有问题：{}", p.seq, p.message))
        .collect())
}

/// When `to` already holds this very restore, finished (its catalog's
/// latest backup is this generation, its last audit entry the restore, and
/// every file of the generation is there intact), the audit chain's
/// problems; otherwise `None`.
fn finished_restore(
    to: &Path,
    m: &BackupManifest,
    row: &care::BackupRow,
    algo: DigestAlgo,
) -> Result<Option<Vec<String>>> {
    let path = to.join(CATALOG_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let Ok(cat) = guidang_catalog::Catalog::open_read_only(&path) else {
        return Ok(None);
    };
    let same_backup = care::last_backup(cat.conn())
        .ok()
        .flatten()
        .is_some_and(|b| b.manifest_digest == row.manifest_digest);
    let last_is_restore = audit::recent(cat.conn(), 1)
        .ok()
        .and_then(|v| v.into_iter().next())
        .is_some_and(|e| e.action == "restore" && e.subject == m.generation);
    drop(cat);
    if !same_backup || !last_is_restore {
        return Ok(None);
    }
    for f in &m.files {
        match hash_file(&to.join(&f.path), algo) {
            Ok((d, n)) if d == f.digest && n == f.size => {}
            _ => return Ok(None),
        }
    }
    let ar = Archive::open(to)?;
    Ok(Some(audit_chain_problems(&ar)?))
}

/// One generation on a backup drive, as listed for the user to choose.
#[derive(Debug, Clone, Serialize)]
pub struct GenerationInfo {
    /// Generation name (its folder).
    pub generation: String,
    /// When taken.
    pub created_at: String,
    /// Unit name.
    pub unit: String,
    /// Files, the catalog included.
    pub files: usize,
    /// Bytes.
    pub bytes: u64,
    /// Whether its manifest signature holds (a broken one cannot be restored).
    pub valid: bool,
}

/// The generations of the backup at `from` (a drive, its 归档通备份 folder's
/// parent, or one unit's folder), newest first.
pub fn backup_generations(from: &Path) -> Result<Vec<GenerationInfo>> {
    let root = backup_unit_root(from)?;
    let mut names = generation_names(&root)?;
    names.reverse();
    Ok(names
        .into_iter()
        .map(|g| match read_generation(&root, Some(&g)) {
            Ok((m, _)) => GenerationInfo {
                generation: g,
                created_at: m.created_at,
                unit: m.unit,
                files: m.files.len() + 1,
                bytes: m.total_bytes,
                valid: true,
            },
            Err(_) => GenerationInfo {
                generation: g,
                created_at: String::new(),
                unit: String::new(),
                files: 0,
                bytes: 0,
                valid: false,
            },
        })
        .collect())
}

/// Removes what killed restores of the data directory `name` left in
/// `parent` (only of processes that are gone): `.{name}.restoring-PID`
/// (a restore's staging folder), `.{name}.restored-PID` (a restore in
/// place, before its swap) and `..{name}.restored-PID.restoring-PID` (that
/// restore's own staging folder).
fn remove_restore_leftovers(parent: &Path, name: &str) -> Result<Vec<PathBuf>> {
    use guidang_core::fsutil::pid_after;
    let (restoring, restored) = (format!(".{name}.restoring-"), format!(".{name}.restored-"));
    let staging = format!(".{restored}");
    guidang_core::fsutil::remove_stale(parent, |n| {
        pid_after(n, &restoring, None)
            .or_else(|| pid_after(n, &restored, None))
            .or_else(|| pid_after(n, &staging, Some('.')))
    })
    .map_err(|source| Error::DataDir {
        path: parent.to_path_buf(),
        source,
    })
}

/// Whether `operator` may replace the data directory: when it holds a
/// set-up catalog, only an operator of it with the right PIN. The catalog is
/// only looked at (read-only, not migrated), so a damaged one or one from a
/// newer version can still be replaced; one that cannot be read at all has
/// no operators to ask and is no obstacle (restoring is how it is mended).
fn authorise_replacement(data_dir: &Path, operator: Option<(&str, &str)>) -> Result<()> {
    let path = data_dir.join(CATALOG_FILE);
    if !path.is_file() {
        return Ok(());
    }
    let Ok(cat) = guidang_catalog::Catalog::open_read_only(&path) else {
        return Ok(());
    };
    // Not set up (or its settings unreadable): nobody to ask.
    if settings::unit(cat.conn()).is_err() {
        return Ok(());
    }
    let (name, pin) = operator.ok_or_else(|| {
        Error::invalid(
            "操作员（--operator）",
            "用备份替换现有数据须由操作员输入 PIN",
        )
    })?;
    let verifier = guidang_catalog::operators::pin_verifier(cat.conn(), name)?;
    crate::pin::check(&verifier, pin)
}

/// What [`restore_replacing`] did.
#[derive(Debug, Clone, Serialize)]
pub struct ReplaceReport {
    /// The restore itself.
    pub restore: RestoreReport,
    /// Where the data directory that was replaced now is (kept, never
    /// deleted), when there was one.
    pub kept: Option<PathBuf>,
}

/// Restores a backup in place of the data directory `data_dir`, for the
/// desktop app and `guidang restore --replace`. When `data_dir` holds a
/// set-up catalog, replacing it is an operator's decision: `operator`
/// (name, PIN) must be given and the PIN right; on a fresh installation
/// (a replacement PC) no operator exists yet and none is asked for. The
/// backup is first restored beside it and must open with an intact audit
/// chain; only then is the current directory renamed to
/// `{name}.恢复前-{time}` (kept, nothing is deleted) and the restored one
/// renamed into its place. A failure at any step leaves the current data
/// directory as it was.
pub fn restore_replacing(
    from: &Path,
    data_dir: &Path,
    generation: Option<&str>,
    operator: Option<(&str, &str)>,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<ReplaceReport> {
    authorise_replacement(data_dir, operator)?;
    let parent = guidang_core::fsutil::parent_or_dot(data_dir);
    let name = data_dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let stamp = chrono::Utc::now()
        .with_timezone(&guidang_core::validate::cst())
        .format("%Y%m%dT%H%M%S")
        .to_string();
    // What a killed replacement left beside the data directory.
    let prefix = format!(".{name}.restored-");
    remove_restore_leftovers(parent, &name)?;
    let fresh = parent.join(format!("{prefix}{}", std::process::id()));
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh).map_err(|source| Error::DataDir {
            path: fresh.clone(),
            source,
        })?;
    }
    let actor = operator.map_or("system", |(name, _)| name);
    let mut r = match restore(from, &fresh, generation, actor, progress, cancel) {
        Ok(r) if r.audit_problems.is_empty() => r,
        Ok(r) => {
            let _ = std::fs::remove_dir_all(&fresh);
            return Err(Error::Backup(r.audit_problems));
        }
        Err(e) => {
            // restore leaves nothing behind itself except once the catalog
            // is in place (a failure recording the restore).
            let _ = std::fs::remove_dir_all(&fresh);
            return Err(e);
        }
    };
    let kept = if data_dir.exists() {
        let mut kept = parent.join(format!("{name}.恢复前-{stamp}"));
        let mut n = 1;
        while kept.exists() {
            n += 1;
            kept = parent.join(format!("{name}.恢复前-{stamp}-{n}"));
        }
        if let Err(source) = std::fs::rename(data_dir, &kept) {
            let _ = std::fs::remove_dir_all(&fresh);
            return Err(Error::DataDir {
                path: data_dir.to_path_buf(),
                source,
            });
        }
        Some(kept)
    } else {
        None
    };
    if let Err(source) = std::fs::rename(&fresh, data_dir) {
        // Put the old directory back so the app opens what it had.
        if let Some(k) = &kept {
            let _ = std::fs::rename(k, data_dir);
        }
        return Err(Error::DataDir {
            path: data_dir.to_path_buf(),
            source,
        });
    }
    guidang_core::fsutil::sync_dir(parent).map_err(|source| Error::DataDir {
        path: parent.to_path_buf(),
        source,
    })?;
    r.to = data_dir.to_path_buf();
    Ok(ReplaceReport { restore: r, kept })
}

impl Archive {
    /// The installation's backup-signing key (created on first use).
    fn backup_key(&mut self, suite: Suite) -> Result<guidang_crypto::SecretKey> {
        if let Some(h) = settings::get(self.cat.conn(), KEY_SETTING)? {
            return Ok(guidang_crypto::SecretKey::from_secret_hex(suite, &h)?);
        }
        let k = guidang_crypto::SecretKey::generate(suite)?;
        let h = k.secret_hex();
        self.cat.transaction(|tx| -> Result<()> {
            settings::set(tx, KEY_SETTING, &h)?;
            audit::append(
                tx,
                "system",
                "backup_key_created",
                "backup",
                &serde_json::json!({}),
            )?;
            Ok(())
        })?;
        Ok(k)
    }

    /// Backs up the catalog and every file of the data directory to `to`
    /// (a removable drive), copying only what the drive does not hold yet.
    pub fn backup(
        &mut self,
        to: &Path,
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<BackupReport> {
        let unit = self.unit()?;
        let algo = unit.suite.digest();
        let key = self.backup_key(unit.suite)?;
        let pk = key.public_key()?;
        let fingerprint = guidang_crypto::fingerprint(unit.suite, &pk);
        if !to.is_dir() {
            return Err(Error::NotFound(to.to_path_buf()));
        }
        let root = to
            .join(BACKUP_ROOT)
            .join(format!("{}-{}", unit.region, unit.fonds));
        let now = chrono::Utc::now().with_timezone(&guidang_core::validate::cst());
        let mut generation = now.format("%Y%m%dT%H%M%S").to_string();
        let mut n = 2;
        while root.join("generations").join(&generation).exists() {
            generation = format!("{}-{n}", now.format("%Y%m%dT%H%M%S"));
            n += 1;
        }
        // Known digests: store blobs are named by theirs; packages and
        // accepted packages are registered with theirs.
        let mut known: HashMap<String, String> = HashMap::new();
        for p in packages::list(self.cat.conn())? {
            known.insert(p.path.clone(), p.digest.clone());
        }
        if let Ok(hs) = intake::holdings(self.cat.conn()) {
            for h in hs {
                known.insert(h.path.clone(), h.digest.clone());
            }
        }
        let store_prefix = format!("store/{}/", algo.name().to_ascii_lowercase());
        // The catalog snapshot first (the online backup API).
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|source| Error::DataDir {
            path: tmp.clone(),
            source,
        })?;
        let snap = tmp.join(format!("backup-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&snap);
        self.cat.snapshot_to(&snap)?;
        let (cdigest, csize) = hash_file(&snap, algo).map_err(|source| Error::DataDir {
            path: snap.clone(),
            source,
        })?;
        let mut entries: Vec<(BackupFile, PathBuf)> = vec![(
            BackupFile {
                path: CATALOG_FILE.into(),
                size: csize,
                digest: cdigest,
            },
            snap.clone(),
        )];
        for r in data_files(&self.dir)? {
            let p = self.dir.join(&r);
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            let digest = match known.get(&r) {
                Some(d) => d.clone(),
                None if r.starts_with(&store_prefix) => {
                    r.rsplit('/').next().unwrap_or("").to_string()
                }
                None => {
                    hash_file(&p, algo)
                        .map_err(|source| Error::DataDir {
                            path: p.clone(),
                            source,
                        })?
                        .0
                }
            };
            entries.push((
                BackupFile {
                    path: r,
                    size,
                    digest,
                },
                p,
            ));
        }
        let total: u64 = entries.iter().map(|(f, _)| f.size).sum();
        let mut done = 0u64;
        let mut copied_paths = Vec::new();
        let mut copied_bytes = 0u64;
        let mut damaged = Vec::new();
        for (f, src) in &entries {
            progress.report(done, total, &f.path);
            let obj = object_path(&root, &f.digest);
            let present = std::fs::metadata(&obj).is_ok_and(|m| m.len() == f.size);
            if !present {
                let s = Source {
                    rel: f.path.clone(),
                    src: src.clone(),
                    size: f.size,
                    digest: f.digest.clone(),
                };
                match copy_verified(&s, &obj, algo, cancel) {
                    Ok(()) => {
                        copied_paths.push(f.path.clone());
                        copied_bytes += f.size;
                    }
                    Err(WriteError::SourceChanged(_)) => damaged.push(format!(
                        "{}：数据目录中的文件与登记的摘要不符（已损坏），未备份；请运行 guidang inspect",
                        f.path
                    )),
                    Err(e) => {
                        let _ = std::fs::remove_file(&snap);
                        return Err(medium_err(e));
                    }
                }
            }
            done += f.size;
        }
        let _ = std::fs::remove_file(&snap);
        if !damaged.is_empty() {
            return Err(Error::Backup(damaged));
        }
        let mut it = entries.into_iter().map(|(f, _)| f);
        let catalog = it.next().expect("the catalog");
        let files: Vec<BackupFile> = it.collect();
        let m = BackupManifest {
            format: BACKUP_FORMAT.into(),
            region: unit.region.clone(),
            fonds: unit.fonds.clone(),
            unit: unit.unit_name.clone(),
            suite: unit.suite,
            digest_algo: algo.name().into(),
            generation: generation.clone(),
            created_at: guidang_catalog::now_string(),
            total_bytes: total,
            catalog,
            files,
        };
        let mut bytes = serde_json::to_vec_pretty(&m).expect("json");
        bytes.push(b'\n');
        let sig = BackupSignature {
            suite: unit.suite,
            manifest_digest: algo.hex(&bytes),
            public_key: hex::encode(&pk),
            fingerprint: fingerprint.clone(),
            signature: hex::encode(key.sign(&bytes)?),
        };
        let gdir = root.join("generations").join(&generation);
        let w = |name: &str, b: &[u8]| {
            let p = gdir.join(name);
            guidang_core::fsutil::write_atomic(&p, b)
                .and_then(|_| std::fs::read(&p))
                .and_then(|back| {
                    if back == b {
                        Ok(())
                    } else {
                        Err(std::io::Error::other("读回内容不符"))
                    }
                })
                .map_err(|source| Error::DataDir { path: p, source })
        };
        w(
            BACKUP_SIGNATURE,
            &serde_json::to_vec_pretty(&sig).expect("json"),
        )?;
        w(BACKUP_MANIFEST, &bytes)?;
        read_generation(&root, Some(&generation))?;
        let row = care::BackupRow {
            generation: generation.clone(),
            created_at: m.created_at.clone(),
            dest: root.display().to_string(),
            files: (m.files.len() + 1) as u32,
            bytes: total,
            copied: copied_paths.len() as u32,
            copied_bytes,
            manifest_digest: sig.manifest_digest.clone(),
            fingerprint: fingerprint.clone(),
        };
        self.cat.transaction(|tx| -> Result<()> {
            care::record_backup(tx, &row)?;
            audit::append(
                tx,
                actor,
                "backup",
                &generation,
                &serde_json::json!({"dest": row.dest, "files": row.files, "copied": row.copied, "manifest_digest": row.manifest_digest, "fingerprint": row.fingerprint}),
            )?;
            Ok(())
        })?;
        progress.report(total, total, "备份完成");
        Ok(BackupReport {
            dest: root,
            generation,
            files: m.files.len() + 1,
            bytes: total,
            copied: copied_paths.len(),
            copied_bytes,
            copied_paths,
            manifest_digest: sig.manifest_digest,
            fingerprint,
        })
    }

    /// The latest backup and whether it is older than the reminder interval.
    pub fn backup_state(&self) -> Result<(Option<care::BackupRow>, i64, bool)> {
        let days = settings::get(self.cat.conn(), INTERVAL_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BACKUP_INTERVAL_DAYS);
        let last = care::last_backup(self.cat.conn())?;
        let overdue = match &last {
            None => true,
            Some(b) => chrono::DateTime::parse_from_rfc3339(&b.created_at)
                .map(|t| (self.today() - t.date_naive()).num_days() > days)
                .unwrap_or(true),
        };
        Ok((last, days, overdue))
    }

    /// Sets the backup reminder interval in days.
    pub fn set_backup_interval(&mut self, days: i64) -> Result<()> {
        if !(1..=3650).contains(&days) {
            return Err(Error::invalid("备份提醒间隔（天）", "应为 1 至 3650 天"));
        }
        self.cat.transaction(|tx| -> Result<()> {
            settings::set(tx, INTERVAL_SETTING, &days.to_string())?;
            audit::append(
                tx,
                "system",
                "set_backup_interval",
                "backup",
                &serde_json::json!({"days": days}),
            )?;
            Ok(())
        })
    }

    /// Routine inspection: every stored material and package (digest and
    /// seal), every accepted package, the audit chain and SQLite's
    /// integrity check; damaged files are repaired from the latest backup
    /// (or `backup`) when it holds a good copy. Records a dated report.
    pub fn inspect(
        &mut self,
        backup: Option<&Path>,
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<InspectionReport> {
        let unit = self.unit()?;
        let algo = unit.suite.digest();
        let store = self.store()?;
        let mut damage = Vec::new();
        // The catalog itself.
        for p in care::integrity_check(self.cat.conn())? {
            damage.push(Damage {
                kind: "catalog".into(),
                path: Some(CATALOG_FILE.into()),
                problem: format!("SQLite 完整性检查：{p}"),
                repaired: false,
            });
        }
        let chain = audit::verify(self.cat.conn())?;
        for p in &chain.problems {
            damage.push(Damage {
                kind: "audit".into(),
                path: None,
                problem: format!("审计日志第 {} 条：{}", p.seq, p.message),
                repaired: false,
            });
        }
        // Files, each with the digest it must have.
        let mut files: Vec<(String, String, String, u64)> = Vec::new(); // kind, rel, digest, size
        let blobs = care::live_blobs(self.cat.conn())?;
        for b in &blobs {
            files.push((
                "material".into(),
                rel_path(&store.blob_path(&b.digest), &self.dir),
                b.digest.clone(),
                b.size,
            ));
        }
        let live = packages::list_kept(self.cat.conn())?;
        let holdings = intake::holdings_kept(self.cat.conn())?;
        for h in &holdings {
            files.push(("holding".into(), h.path.clone(), h.digest.clone(), h.size));
        }
        let total = (files.len() + live.len()) as u64;
        let mut done = 0u64;
        // Files: each read once to hash it, in parallel.
        let mut problems: Vec<Option<String>> = vec![None; files.len()];
        guidang_core::pool::run(
            files.len(),
            cancel,
            |i| {
                let (_, r, digest, size) = &files[i];
                match hash_file(&self.dir.join(r), algo) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        Some("文件缺失".to_string())
                    }
                    Err(e) => Some(format!("无法读取：{}", Os(&e))),
                    Ok((d, n)) if d != *digest || n != *size => {
                        Some(format!("内容与登记的摘要不符（应为 {digest}，实为 {d}）"))
                    }
                    Ok(_) => None,
                }
            },
            |i, problem| {
                done += 1;
                progress.report(done, total, &files[i].1);
                problems[i] = problem;
            },
        );
        if cancel.is_cancelled() {
            return Err(Error::Medium(WriteError::Cancelled));
        }
        for ((kind, r, _, _), problem) in files.iter().zip(problems) {
            if let Some(problem) = problem {
                damage.push(Damage {
                    kind: kind.clone(),
                    path: Some(r.clone()),
                    problem,
                    repaired: false,
                });
            }
        }
        // Packages: digest and seal in one read each, in parallel.
        let keyring = self.keyring()?;
        let paths: Vec<PathBuf> = live.iter().map(|p| self.dir.join(&p.path)).collect();
        let mut reports: Vec<Option<guidang_package::VerifyReport>> = vec![None; paths.len()];
        guidang_core::pool::run(
            paths.len(),
            cancel,
            |i| guidang_package::verify_package(&paths[i], &keyring, algo, cancel),
            |i, r| {
                done += 1;
                progress.report(done, total, &live[i].efile_no);
                reports[i] = Some(r);
            },
        );
        if cancel.is_cancelled() {
            return Err(Error::Medium(WriteError::Cancelled));
        }
        for (p, r) in live.iter().zip(reports) {
            let r = r.expect("every package verified");
            let mut problems: Vec<String> = r.findings.iter().map(|f| f.message.clone()).collect();
            if r.package_digest.as_deref() != Some(p.digest.as_str()) {
                problems.insert(0, "包的摘要与登记的不符".into());
            }
            if !problems.is_empty() {
                damage.push(Damage {
                    kind: "package".into(),
                    path: Some(p.path.clone()),
                    problem: problems.join("；"),
                    repaired: false,
                });
                // The expected digest, for repair.
                files.push(("package".into(), p.path.clone(), p.digest.clone(), p.size));
            }
        }
        // Repair from a backup holding the right content.
        let backup_root = match backup {
            Some(b) => Some(backup_unit_root(b).unwrap_or_else(|_| b.to_path_buf())),
            None => care::last_backup(self.cat.conn())?.map(|b| PathBuf::from(b.dest)),
        }
        .filter(|r| r.join("objects").is_dir());
        if let Some(root) = &backup_root {
            let expected: HashMap<&str, (&str, u64)> = files
                .iter()
                .map(|(_, r, d, s)| (r.as_str(), (d.as_str(), *s)))
                .collect();
            for d in damage.iter_mut() {
                let Some((digest, size)) = d.path.as_deref().and_then(|p| expected.get(p)) else {
                    continue;
                };
                let obj = object_path(root, digest);
                if !obj.is_file() {
                    continue;
                }
                let target = self.dir.join(d.path.as_deref().expect("a path"));
                let s = Source {
                    rel: d.path.clone().unwrap_or_default(),
                    src: obj,
                    size: *size,
                    digest: digest.to_string(),
                };
                if copy_verified(&s, &target, algo, cancel).is_ok() {
                    d.repaired = true;
                }
            }
        }
        // What an interrupted destruction left behind (registered destroyed,
        // content still on disk) is removed now, as the destruction promised.
        let kept: std::collections::HashSet<&str> = live.iter().map(|p| p.path.as_str()).collect();
        for p in packages::list(self.cat.conn())? {
            if !kept.contains(p.path.as_str()) && self.dir.join(&p.path).exists() {
                if let Some(d) = cases::detail(self.cat.conn(), &p.case_no)? {
                    self.remove_content(&d)?;
                    damage.push(leftover(&p.path));
                }
            }
        }
        for h in intake::holdings(self.cat.conn())? {
            let path = self.dir.join(&h.path);
            if h.destroyed_at.is_some() && path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::DataDir { path, source })?;
                damage.push(leftover(&h.path));
            }
        }
        // What interrupted runs left: removed, or (package files) listed.
        let mut cleaned = self.remove_stale_work_files()?;
        if let (Some(parent), Some(name)) = (self.dir.parent(), self.dir.file_name()) {
            let removed = remove_restore_leftovers(parent, &name.to_string_lossy())?;
            cleaned.extend(removed.iter().map(|p| p.display().to_string()));
        }
        let registered: std::collections::HashSet<String> = packages::list(self.cat.conn())?
            .into_iter()
            .map(|p| p.path)
            .collect();
        let pkg_root = self.dir.join("packages");
        let unregistered: Vec<String> = if pkg_root.is_dir() {
            guidang_core::fsutil::walk_files(&pkg_root, |r| r == "superseded")
                .map_err(|source| Error::DataDir {
                    path: pkg_root.clone(),
                    source,
                })?
                .into_iter()
                .map(|r| format!("packages/{r}"))
                .filter(|r| r.ends_with(".zip") && !registered.contains(r))
                .collect()
        } else {
            Vec::new()
        };
        // The dated report.
        let at = guidang_catalog::now_string();
        let stamp = chrono::Utc::now()
            .with_timezone(&guidang_core::validate::cst())
            .format("%Y%m%dT%H%M%S")
            .to_string();
        let out = self.dir.join("inspections").join(&stamp);
        let report_json = out.join("日常检查报告.json");
        let report_pdf = out.join("日常检查报告.pdf");
        let report = InspectionReport {
            inspected_at: at.clone(),
            inspected_by: actor.into(),
            verdict: if damage.is_empty() {
                "sound"
            } else {
                "damaged"
            }
            .into(),
            materials: blobs.len(),
            packages: live.len(),
            holdings: holdings.len(),
            damage,
            cleaned,
            unregistered,
            backup: backup_root,
            report_json: report_json.clone(),
            report_pdf: report_pdf.clone(),
        };
        let json = serde_json::to_vec_pretty(&report).expect("json");
        guidang_core::fsutil::write_atomic(&report_json, &json).map_err(|source| {
            Error::DataDir {
                path: report_json.clone(),
                source,
            }
        })?;
        let pdf =
            inspection_pdf(&report, &unit.unit_name).map_err(|e| Error::Check(e.to_string()))?;
        guidang_core::fsutil::write_atomic(&report_pdf, &pdf).map_err(|source| Error::DataDir {
            path: report_pdf.clone(),
            source,
        })?;
        let repaired = report.damage.iter().filter(|d| d.repaired).count() as u32;
        self.cat.transaction(|tx| -> Result<()> {
            care::record_inspection(
                tx,
                &care::InspectionRow {
                    inspected_at: at.clone(),
                    inspected_by: actor.into(),
                    verdict: report.verdict.clone(),
                    checked: (report.materials + report.packages + report.holdings) as u32,
                    damaged: report.damage.len() as u32,
                    repaired,
                    report: String::from_utf8_lossy(&json).into_owned(),
                },
            )?;
            audit::append(
                tx,
                actor,
                "inspect",
                &stamp,
                &serde_json::json!({"verdict": report.verdict, "damaged": report.damage.len(), "repaired": repaired}),
            )?;
            Ok(())
        })?;
        Ok(report)
    }

    /// Records whose retention has ended by `as_of`, and whether each may be
    /// destroyed now.
    pub fn retention_due(&self, as_of: chrono::NaiveDate) -> Result<Vec<RetentionRow>> {
        let today = self.today();
        if self.unit()?.role == guidang_core::Role::Intake {
            return self.holdings_due(as_of, today);
        }
        let mut out = Vec::new();
        for c in cases::list(self.cat.conn(), &cases::Filter::default())? {
            let Some(ret) = Retention::from_code(&c.retention) else {
                continue;
            };
            let Some(end) = deadline::retention_end(c.year, ret) else {
                continue;
            };
            if end >= as_of || c.status == CaseStatus::Destroyed.code() {
                continue;
            }
            let d = cases::detail(self.cat.conn(), &c.case_no)?
                .ok_or_else(|| Error::NoSuchCase(c.case_no.clone()))?;
            let transferred_on = care::transferred_on(self.cat.conn(), d.id)?;
            let why_not = destroy_obstacle(&d.status, end, transferred_on.as_deref(), today);
            out.push(RetentionRow {
                case_no: c.case_no.clone(),
                efile_no: c.efile_no.clone(),
                case_name: c.case_name.clone(),
                year: c.year,
                retention: c.retention.clone(),
                retention_end: end.to_string(),
                status: c.status.clone(),
                transferred_on,
                destroyable: why_not.is_none(),
                why_not,
            });
        }
        Ok(out)
    }

    /// The intake side's holdings whose retention has ended by `as_of`: the
    /// archive holds them itself, so only the retention decides.
    fn holdings_due(
        &self,
        as_of: chrono::NaiveDate,
        today: chrono::NaiveDate,
    ) -> Result<Vec<RetentionRow>> {
        let mut out = Vec::new();
        for h in intake::holdings_kept(self.cat.conn())? {
            let Some(end) =
                Retention::from_code(&h.retention).and_then(|r| deadline::retention_end(h.year, r))
            else {
                continue;
            };
            if end >= as_of {
                continue;
            }
            let why_not = not_yet_ended(end, today);
            out.push(RetentionRow {
                case_no: h.case_no,
                efile_no: h.efile_no,
                case_name: h.case_name,
                year: h.year,
                retention: h.retention,
                retention_end: end.to_string(),
                status: "held".into(),
                transferred_on: None,
                destroyable: why_not.is_none(),
                why_not,
            });
        }
        Ok(out)
    }

    /// Destroys one of the intake side's holdings (named by 电子文件号, or
    /// by 办件编号 when only one holding has it) whose retention has ended:
    /// the register entry and the catalogue mark first, in one transaction,
    /// then the stored package is removed.
    fn destroy_holding(
        &mut self,
        key: &str,
        approved_by: &str,
        approval_doc: &str,
        actor: &str,
    ) -> Result<care::Destruction> {
        let all = intake::holdings(self.cat.conn())?;
        let mut matching: Vec<&intake::Holding> =
            all.iter().filter(|h| h.efile_no == key).collect();
        if matching.is_empty() {
            matching = all.iter().filter(|h| h.case_no == key).collect();
        }
        let h = match matching.as_slice() {
            [h] => *h,
            [] => return Err(Error::NoSuchCase(key.into())),
            _ => {
                return Err(Error::Transfer(format!(
                    "有 {} 个入库包的办件编号都是 {key}：请用电子文件号指明要销毁哪一个",
                    matching.len()
                )))
            }
        };
        let path = self.dir.join(&h.path);
        if let Some(at) = &h.destroyed_at {
            // Already registered: only finish removing a leftover file.
            if path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::DataDir { path, source })?;
            }
            return care::destructions(self.cat.conn())?
                .into_iter()
                .find(|x| x.efile_no == h.efile_no && &x.destroyed_at == at)
                .ok_or_else(|| Error::Transfer("销毁清册中没有该入库包".into()));
        }
        let ret = Retention::from_code(&h.retention)
            .ok_or_else(|| Error::Transfer(format!("未知的保管期限 {}", h.retention)))?;
        let end = deadline::retention_end(h.year, ret);
        let why_not = match end {
            None => Some("保管期限为永久，不能销毁".to_string()),
            Some(end) => not_yet_ended(end, self.today()),
        };
        if let Some(why) = why_not {
            return Err(Error::WrongStatus {
                case_no: h.case_no.clone(),
                status: "已入库".into(),
                what: format!("不能销毁：{why}"),
            });
        }
        let entry = care::Destruction {
            case_no: h.case_no.clone(),
            efile_no: h.efile_no.clone(),
            case_name: h.case_name.clone(),
            item_name: h.item_name.clone(),
            year: h.year,
            retention: h.retention.clone(),
            retention_end: end.map(|e| e.to_string()).unwrap_or_default(),
            package_digest: Some(h.digest.clone()),
            package_size: Some(h.size),
            digest_algo: h.digest_algo.clone(),
            approved_by: approved_by.trim().into(),
            approval_doc: approval_doc.trim().into(),
            destroyed_at: guidang_catalog::now_string(),
            destroyed_by: actor.into(),
        };
        self.cat.transaction(|tx| -> Result<()> {
            intake::record_holding_destruction(tx, &h.efile_no, &entry)?;
            audit::append(
                tx,
                actor,
                "destroy_holding",
                &h.efile_no,
                &serde_json::json!({"case_no": h.case_no, "batch_no": h.batch_no, "approved_by": entry.approved_by, "approval_doc": entry.approval_doc, "package_digest": entry.package_digest}),
            )?;
            Ok(())
        })?;
        if path.exists() {
            std::fs::remove_file(&path).map_err(|source| Error::DataDir {
                path: path.clone(),
                source,
            })?;
        }
        if let Some(parent) = path.parent() {
            let _ = guidang_core::fsutil::sync_dir(parent);
        }
        Ok(entry)
    }

    /// Destroys a record whose retention has ended, with a recorded
    /// approval, carried out by `actor` after their PIN: removes its package
    /// and the material files no other record uses, keeps its catalogue
    /// entry, and appends to the destruction register with the package's
    /// digest. On the intake side the record is a holding, named by its
    /// 电子文件号 (or 办件编号 when unique). Nothing is removed when the approval is incomplete, the PIN
    /// is wrong or the retention has not ended.
    pub fn destroy(
        &mut self,
        case_no: &str,
        approved_by: &str,
        approval_doc: &str,
        actor: &str,
        pin: &str,
    ) -> Result<care::Destruction> {
        let mut missing = Vec::new();
        if approved_by.trim().is_empty() {
            missing.push(guidang_core::FieldError {
                field: "批准人（--approved-by）".into(),
                message: "销毁须经批准，请填写批准人".into(),
            });
        }
        if approval_doc.trim().is_empty() {
            missing.push(guidang_core::FieldError {
                field: "批准文号（--approval-doc）".into(),
                message: "请填写批准销毁的文件编号".into(),
            });
        }
        if !missing.is_empty() {
            return Err(Error::Invalid(guidang_core::ValidationErrors(missing)));
        }
        self.verify_pin(actor, pin)?;
        if self.unit()?.role == guidang_core::Role::Intake {
            return self.destroy_holding(case_no, approved_by, approval_doc, actor);
        }
        // Named by 电子文件号 (generated, unique) or else by 办件编号.
        let case_no = match cases::case_no_of_efile(self.cat.conn(), case_no)? {
            Some(no) => no,
            None => case_no.to_string(),
        };
        let case_no = case_no.as_str();
        let d = cases::detail(self.cat.conn(), case_no)?
            .ok_or_else(|| Error::NoSuchCase(case_no.into()))?;
        let unit = self.unit()?;
        let ret = Retention::from_code(&d.retention)
            .ok_or_else(|| Error::Transfer(format!("未知的保管期限 {}", d.retention)))?;
        let today = self.today();
        let end = deadline::retention_end(d.year, ret);
        let transferred_on = care::transferred_on(self.cat.conn(), d.id)?;
        let obstacle = match end {
            None => Some("保管期限为永久，不能销毁".to_string()),
            Some(end) => destroy_obstacle(&d.status, end, transferred_on.as_deref(), today),
        };
        if d.status == CaseStatus::Destroyed.code() {
            // Already destroyed: only finish removing leftovers.
            self.remove_content(&d)?;
            return care::destructions(self.cat.conn())?
                .into_iter()
                .find(|x| x.case_no == case_no)
                .ok_or_else(|| Error::Transfer("销毁清册中没有该办件".into()));
        }
        if let Some(why) = obstacle {
            return Err(Error::WrongStatus {
                case_no: case_no.into(),
                status: CaseStatus::from_code(&d.status)
                    .map(|s| s.label())
                    .unwrap_or(&d.status)
                    .into(),
                what: format!("不能销毁：{why}"),
            });
        }
        let pkg = packages::get(self.cat.conn(), case_no)?;
        let entry = care::Destruction {
            case_no: d.case_no.clone(),
            efile_no: d.efile_no.clone(),
            case_name: d.case_name.clone(),
            item_name: d.item_name.clone(),
            year: d.year,
            retention: d.retention.clone(),
            retention_end: end.map(|e| e.to_string()).unwrap_or_default(),
            package_digest: pkg.as_ref().map(|p| p.digest.clone()),
            package_size: pkg.as_ref().map(|p| p.size),
            digest_algo: unit.suite.digest().name().into(),
            approved_by: approved_by.trim().into(),
            approval_doc: approval_doc.trim().into(),
            destroyed_at: guidang_catalog::now_string(),
            destroyed_by: actor.into(),
        };
        // The register first; the content is removed right after (a crash in
        // between leaves content that a re-run removes, never a destruction
        // that is not registered).
        self.cat.transaction(|tx| -> Result<()> {
            care::record_destruction(tx, d.id, &entry)?;
            cases::set_status(tx, d.id, CaseStatus::Destroyed)?;
            audit::append(
                tx,
                actor,
                "destroy",
                &d.case_no,
                &serde_json::json!({"efile_no": d.efile_no, "approved_by": entry.approved_by, "approval_doc": entry.approval_doc, "package_digest": entry.package_digest}),
            )?;
            Ok(())
        })?;
        self.remove_content(&d)?;
        Ok(entry)
    }

    fn remove_content(&self, d: &cases::CaseDetail) -> Result<()> {
        let store = self.store()?;
        if let Some(p) = packages::get(self.cat.conn(), &d.case_no)? {
            let path = self.dir.join(&p.path);
            if path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::DataDir { path, source })?;
            }
        }
        for m in cases::materials(self.cat.conn(), &d.case_no)? {
            if !care::blob_used_elsewhere(self.cat.conn(), &m.digest, d.id)? {
                let path = store.blob_path(&m.digest);
                if path.exists() {
                    std::fs::remove_file(&path)
                        .map_err(|source| Error::DataDir { path, source })?;
                }
            }
        }
        Ok(())
    }

    /// The destruction register.
    pub fn destructions(&self) -> Result<Vec<care::Destruction>> {
        Ok(care::destructions(self.cat.conn())?)
    }

    /// Prints the destruction register (销毁清册) to `out`.
    /// Where the printed destruction register is kept in the data
    /// directory.
    pub fn destruction_register_path(&self) -> PathBuf {
        self.dir.join("forms").join("电子档案销毁清册.pdf")
    }

    pub fn print_destruction_register(&self, out: &Path) -> Result<()> {
        let unit = self.unit()?;
        let rows = self.destructions()?;
        let pdf =
            destruction_pdf(&rows, &unit.unit_name).map_err(|e| Error::Check(e.to_string()))?;
        guidang_core::fsutil::write_atomic(out, &pdf).map_err(|source| Error::DataDir {
            path: out.to_path_buf(),
            source,
        })
    }
}

/// Why a record cannot be destroyed today, if it cannot.
/// A finding of routine inspection: content of a destroyed record was
/// still on disk and has now been removed.
fn leftover(path: &str) -> Damage {
    Damage {
        kind: "destroyed".into(),
        path: Some(path.into()),
        problem: "已鉴定销毁，但文件仍在（销毁曾中断）：已删除".into(),
        repaired: true,
    }
}

/// Why a record whose retention ends on `end` cannot be destroyed
/// `today`, if it has not ended yet.
fn not_yet_ended(end: chrono::NaiveDate, today: chrono::NaiveDate) -> Option<String> {
    (end >= today).then(|| format!("保管期限到 {end} 才届满"))
}

fn destroy_obstacle(
    status: &str,
    end: chrono::NaiveDate,
    transferred_on: Option<&str>,
    today: chrono::NaiveDate,
) -> Option<String> {
    if let Some(why) = not_yet_ended(end, today) {
        return Some(why);
    }
    let st = CaseStatus::from_code(status)?;
    if !st.is_transferred() {
        return Some(format!(
            "尚未移交（状态：{}），未移交的电子档案不能销毁",
            st.label()
        ));
    }
    let on = transferred_on
        .and_then(|t| t.get(..10))
        .and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())?;
    let free = deadline::retained_copy_end(on);
    (today < free).then(|| {
        format!(
            "{on} 移交，移交后须留存 {} 年（到 {free}）",
            deadline::RETAINED_COPY_YEARS
        )
    })
}

fn inspection_pdf(r: &InspectionReport, unit: &str) -> Result<Vec<u8>, guidang_pdf::PdfError> {
    use guidang_pdf::{render, Block, Column};
    let mut blocks = vec![
        Block::Title("电子档案日常检查报告".into()),
        Block::Text(format!("单位：{unit}　　检查时间：{}　　检查人：{}", r.inspected_at, r.inspected_by)),
        Block::Text(format!(
            "检查范围：材料文件 {} 个，归档信息包 {} 个（摘要与固化签名），接收入库的包 {} 个，目录库完整性，审计日志链。",
            r.materials, r.packages, r.holdings
        )),
        Block::Text(if r.damage.is_empty() {
            "结论：全部完好。".into()
        } else {
            format!(
                "结论：发现 {} 处问题，其中 {} 处已从备份修复。",
                r.damage.len(),
                r.damage.iter().filter(|d| d.repaired).count()
            )
        }),
    ];
    if !r.damage.is_empty() {
        blocks.push(Block::Table {
            columns: vec![
                Column::new("序号", 12.0),
                Column::new("文件", 70.0),
                Column::new("问题", 70.0),
                Column::new("处理", 28.0),
            ],
            rows: r
                .damage
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    vec![
                        (i + 1).to_string(),
                        d.path.clone().unwrap_or_else(|| d.kind.clone()),
                        d.problem.clone(),
                        if d.repaired {
                            "已从备份修复".into()
                        } else {
                            "未修复".into()
                        },
                    ]
                })
                .collect(),
        });
    }
    if let Some(b) = &r.backup {
        blocks.push(Block::Text(format!("修复所用备份：{}", b.display())));
    }
    blocks.push(Block::Space(6.0));
    blocks.push(Block::Text(
        "检查人：＿＿＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
            .into(),
    ));
    render(
        "电子档案日常检查报告",
        &blocks,
        &format!(
            "日常检查报告 {}",
            &r.inspected_at[..10.min(r.inspected_at.len())]
        ),
    )
}

fn destruction_pdf(
    rows: &[care::Destruction],
    unit: &str,
) -> Result<Vec<u8>, guidang_pdf::PdfError> {
    use guidang_pdf::{render_oriented, Block, Column, Orientation};
    let blocks = vec![
        Block::Title("电子档案销毁清册".into()),
        Block::Text(format!("单位：{unit}　　共 {} 件", rows.len())),
        Block::Table {
            columns: vec![
                Column::new("序号", 10.0),
                Column::new("电子文件号", 58.0),
                Column::new("办件编号", 34.0),
                Column::new("题名", 36.0),
                Column::new("年度", 12.0),
                Column::new("保管期限", 14.0),
                Column::new("包摘要", 40.0),
                Column::new("批准人", 16.0),
                Column::new("批准文号", 22.0),
                Column::new("销毁日期", 20.0),
                Column::new("执行人", 14.0),
            ],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    vec![
                        (i + 1).to_string(),
                        d.efile_no.clone(),
                        d.case_no.clone(),
                        d.case_name.clone(),
                        d.year.to_string(),
                        d.retention.clone(),
                        d.package_digest.clone().unwrap_or_default(),
                        d.approved_by.clone(),
                        d.approval_doc.clone(),
                        d.destroyed_at.get(..10).unwrap_or_default().to_string(),
                        d.destroyed_by.clone(),
                    ]
                })
                .collect(),
        },
        Block::Space(6.0),
        Block::Text(
            "监销人：＿＿＿＿＿＿＿＿　　销毁人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
                .into(),
        ),
    ];
    render_oriented(
        Orientation::Landscape,
        "电子档案销毁清册",
        &blocks,
        "电子档案销毁清册",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destruction_waits_for_retention_transfer_and_the_retained_copy_period() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let end = d("2035-12-31");
        // Retention not ended.
        assert!(destroy_obstacle(
            "transferred",
            end,
            Some("2026-11-21T10:00:00+08:00"),
            d("2035-12-31")
        )
        .unwrap()
        .contains("届满"));
        // Not transferred.
        assert!(destroy_obstacle("checked", end, None, d("2040-01-01"))
            .unwrap()
            .contains("尚未移交"));
        // Transferred late: the hall keeps its copy for five years.
        let why = destroy_obstacle(
            "accepted",
            end,
            Some("2036-03-01T10:00:00+08:00"),
            d("2040-01-01"),
        )
        .unwrap();
        assert!(
            why.contains("留存 5 年") && why.contains("2041-03-01"),
            "{why}"
        );
        assert_eq!(
            destroy_obstacle(
                "accepted",
                end,
                Some("2026-11-21T10:00:00+08:00"),
                d("2036-01-01")
            ),
            None
        );
    }
}
