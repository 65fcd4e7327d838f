//! Where a carrier is about to be written: does the folder exist, is it
//! empty, and is it on removable media (a USB stick or disk) rather than
//! the computer's own disk. The desktop asks before creating a folder or
//! writing a transfer to a fixed disk.
//!
//! On Linux the mount holding the path is found in `/proc/self/mountinfo`
//! (the longest mount point that contains it) and its block device judged
//! by sysfs: `removable` set, or the device hanging off a USB bus; media
//! mounted by the desktop under `/media` or `/run/media` count as
//! removable too. Elsewhere removability is not known. Read by hand: no
//! maintained crate answers "is this path on removable media" offline.

use std::path::{Path, PathBuf};

/// What a destination folder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The folder exists.
    pub exists: bool,
    /// It exists and holds nothing.
    pub empty: bool,
    /// On removable media; `None` when it cannot be told.
    pub removable: Option<bool>,
    /// The mount point it lies under, when known.
    pub mount: Option<PathBuf>,
}

/// Looks at `path` (see the module documentation).
pub fn destination(path: &Path) -> Destination {
    let exists = path.is_dir();
    let empty = exists
        && std::fs::read_dir(path)
            .map(|mut r| r.next().is_none())
            .unwrap_or(false);
    // The nearest existing ancestor decides the mount.
    let mut probe = path.to_path_buf();
    while !probe.exists() {
        match probe.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe = p.to_path_buf(),
            _ => break,
        }
    }
    let probe = probe.canonicalize().unwrap_or(probe);
    let (mount, removable) = judge(&probe);
    Destination {
        exists,
        empty,
        removable,
        mount,
    }
}

#[cfg(target_os = "linux")]
fn judge(path: &Path) -> (Option<PathBuf>, Option<bool>) {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return (None, None);
    };
    let best = info
        .lines()
        .filter_map(mount_line)
        .filter(|(m, _)| path.starts_with(m))
        .max_by_key(|(m, _)| m.as_os_str().len());
    let Some((mount, source)) = best else {
        return (None, None);
    };
    let desktop = ["/media", "/run/media"]
        .iter()
        .any(|r| mount.starts_with(r) && mount != Path::new(r));
    (Some(mount), Some(desktop || block_removable(&source)))
}

#[cfg(not(target_os = "linux"))]
fn judge(_: &Path) -> (Option<PathBuf>, Option<bool>) {
    (None, None)
}

/// (mount point, source) of a mountinfo line; octal escapes undone.
#[cfg(target_os = "linux")]
fn mount_line(line: &str) -> Option<(PathBuf, String)> {
    let f: Vec<&str> = line.split(' ').collect();
    let dash = f.iter().position(|x| *x == "-")?;
    let mount = unescape_mount(f.get(4)?);
    let source = f.get(dash + 2)?.to_string();
    Some((PathBuf::from(mount), source))
}

/// Decodes the octal escapes of `/proc/mounts` and mountinfo (`\040` for
/// a space, UTF-8 bytes of a Chinese name…).
pub fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the block device `source` (`/dev/sdb1`) is removable or on USB.
#[cfg(target_os = "linux")]
fn block_removable(source: &str) -> bool {
    let Some(name) = source.strip_prefix("/dev/") else {
        return false;
    };
    let sys = Path::new("/sys/class/block").join(name);
    let Ok(real) = sys.canonicalize() else {
        return false;
    };
    if real.to_string_lossy().contains("/usb") {
        return true;
    }
    // A partition's disk is its parent in sysfs.
    [
        real.join("removable"),
        real.parent()
            .map(|p| p.join("removable"))
            .unwrap_or_default(),
    ]
    .iter()
    .any(|f| std::fs::read_to_string(f).is_ok_and(|v| v.trim() == "1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_on_the_system_disk_is_not_removable_and_a_new_one_does_not_exist() {
        let d = tempfile::tempdir().unwrap();
        let here = destination(d.path());
        assert!(here.exists && here.empty);
        std::fs::write(d.path().join("x"), b"x").unwrap();
        assert!(!destination(d.path()).empty);
        let new = destination(&d.path().join("新建/载体"));
        assert!(!new.exists && !new.empty);
        if cfg!(target_os = "linux") {
            assert_eq!(new.removable, Some(false), "{new:?}");
            assert!(new.mount.is_some());
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn mountinfo_lines_and_escapes_are_read() {
        let l = "36 35 98:0 /mnt1 /media/\\345\\274\\240\\344\\270\\211/U\\040DISK rw,noatime master:1 - vfat /dev/sdb1 rw";
        let (m, s) = mount_line(l).unwrap();
        assert_eq!(m, PathBuf::from("/media/张三/U DISK"));
        assert_eq!(s, "/dev/sdb1");
    }
}
