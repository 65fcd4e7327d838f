//! Restoring a backup generation into a new data directory, or in place of
//! the working one (which is renamed aside, never deleted), and listing the
//! generations of a backup drive.

use std::path::{Path, PathBuf};

use guidang_catalog::{audit, care, settings};
use guidang_core::fsutil::rel_path;
use guidang_core::{CancelFlag, DigestAlgo, Progress};
use guidang_transfer::write::{copy_verified, Source, WriteError};

use super::*;
use crate::{Archive, Error, Result, CATALOG_FILE};

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
    let same_backup = care::last_backup(cat.db())
        .ok()
        .flatten()
        .is_some_and(|b| b.manifest_digest == row.manifest_digest);
    let last_is_restore = audit::recent(cat.db(), 1)
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
pub(super) fn remove_restore_leftovers(parent: &Path, name: &str) -> Result<Vec<PathBuf>> {
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
    if settings::unit(cat.db()).is_err() {
        return Ok(());
    }
    let (name, pin) = operator.ok_or_else(|| {
        Error::invalid(
            "操作员（--operator）",
            "用备份替换现有数据须由操作员输入 PIN",
        )
    })?;
    let verifier = guidang_catalog::operators::pin_verifier(cat.db(), name)?;
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
