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
    fn volume_system_paths() {
        assert!(is_volume_system_path(
            "System Volume Information/IndexerVolumeGuid"
        ));
        assert!(is_volume_system_path(".Trash-1000/files/a"));
        assert!(!is_volume_system_path("电子档案/2025/a.zip"));
        assert!(!is_volume_system_path("其他/System Volume Information"));
    }
}
