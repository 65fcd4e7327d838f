//! Durable file writes shared by the store, the catalog's side files and the
//! media writer: a file that exists under its final name is complete.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `data` to `path` atomically: temporary file beside it, fsync,
/// rename, fsync of the directory.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Whether the process `pid` is still running. Only Linux can tell
/// (`/proc`); elsewhere every process is taken as running, so nothing that
/// might still be written is ever removed.
pub fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Removes the work files and folders in `dir` that a process left behind
/// when it was killed: each entry whose name `owner` maps to a process id
/// that is no longer running. Returns what was removed (a missing `dir` is
/// nothing to clean). Work files are never referenced by the catalog, so
/// removing them loses nothing.
pub fn remove_stale(
    dir: &Path,
    owner: impl Fn(&str) -> Option<u32>,
) -> io::Result<Vec<std::path::PathBuf>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = owner(&name) else { continue };
        if process_alive(pid) {
            continue;
        }
        let p = e.path();
        if e.file_type()?.is_dir() {
            fs::remove_dir_all(&p)?;
        } else {
            fs::remove_file(&p)?;
        }
        removed.push(p);
    }
    Ok(removed)
}

/// The process id in a work-file name of the form `{prefix}{pid}{rest}`,
/// where `pid` is the run of digits right after `prefix` and `rest` starts
/// with `sep` (or is empty when `sep` is `None`).
pub fn pid_after(name: &str, prefix: &str, sep: Option<char>) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let tail = &rest[digits.len()..];
    let ok = match sep {
        Some(c) => tail.starts_with(c),
        None => tail.is_empty(),
    };
    (ok && !digits.is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

/// The folder that holds `p`: its parent, or `.` for a bare name.
pub fn parent_or_dot(p: &Path) -> &Path {
    p.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Flushes a directory's entries to disk (no-op where unsupported).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    let _ = dir;
    Ok(())
}

/// `path` relative to `base`, `/`-separated (as stored in manifests and the
/// catalog on every platform).
pub fn rel_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every file below `root` as [`rel_path`]s, sorted, skipping the folders
/// `skip` says no to (given their relative path); symbolic links to folders
/// are listed, not followed.
pub fn walk_files(root: &Path, skip: impl Fn(&str) -> bool) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let e = e?;
            let p = e.path();
            let rel = rel_path(&p, root);
            if skip(&rel) {
                continue;
            }
            if e.file_type()?.is_dir() {
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether a path on a removable medium (relative, `/`-separated) belongs to
/// the operating system rather than to the user: Windows' `System Volume
/// Information` and recycle bins, `lost+found`, desktop trash and index
/// folders. Such entries are neither written nor judged as foreign files.
pub fn is_volume_system_path(rel: &str) -> bool {
    let top = rel.split('/').next().unwrap_or("");
    matches!(
        top,
        "System Volume Information"
            | "$RECYCLE.BIN"
            | "RECYCLER"
            | "lost+found"
            | ".Spotlight-V100"
            | ".fseventsd"
            | ".Trashes"
    ) || top.starts_with(".Trash-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let d = std::env::temp_dir().join(format!("guidang-fsutil-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        let p = d.join("子目录").join("文件.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn stale_work_files_of_dead_processes_only_are_removed() {
        let d = std::env::temp_dir().join(format!("guidang-stale-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join(".x.restoring-4000000000")).unwrap();
        let me = std::process::id();
        fs::write(d.join(format!("{me}-1.part")), b"live").unwrap();
        fs::write(d.join("4000000001-1.part"), b"dead").unwrap();
        fs::write(d.join("other.txt"), b"keep").unwrap();
        let removed = remove_stale(&d, |n| {
            pid_after(n, ".x.restoring-", None).or_else(|| {
                n.strip_suffix(".part")
                    .and_then(|s| pid_after(s, "", Some('-')))
            })
        })
        .unwrap();
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(d.join(format!("{me}-1.part")).exists());
        assert!(d.join("other.txt").exists());
        assert_eq!(pid_after("a.123.zip.part", "", None), None);
        assert_eq!(pid_after("123", "", None), Some(123));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn volume_system_paths() {
        assert!(is_volume_system_path(
            "System Volume Information/IndexerVolumeGuid"
        ));
        assert!(is_volume_system_path(".Trash-1000/files/a"));
        assert!(!is_volume_system_path("电子档案/2025/a.zip"));
        assert!(!is_volume_system_path("其他/System Volume Information"));
    }
}
