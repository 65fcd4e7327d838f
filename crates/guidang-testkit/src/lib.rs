//! What the workspace's test binaries share (a dev-dependency only, never
//! shipped): whether the full suite runs, the rule that turns a missing
//! prerequisite into a failure there, test media (a size-limited tmpfs),
//! and reading and rewriting ZIPs as a tamperer would.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the full suite runs (`cargo xtask test` sets `GUIDANG_E2E=1`):
/// then every prerequisite is mandatory.
pub fn full_suite() -> bool {
    std::env::var("GUIDANG_E2E").is_ok_and(|v| v == "1")
}

/// Whether this process runs as root (mounting media needs it).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A prerequisite of a test: `Ok` runs it. A missing one fails the test
/// under the full suite (a skipped test is a failed test) and elsewhere
/// skips it, saying why; returns whether the test may run.
pub fn prerequisite<T>(what: &str, found: Result<T, String>) -> Option<T> {
    match found {
        Ok(t) => Some(t),
        Err(why) => {
            assert!(
                !full_suite(),
                "{what} is a prerequisite of the full suite: {why}"
            );
            eprintln!("skipped: {what}: {why} (cargo xtask test provides it)");
            None
        }
    }
}

/// A size-limited tmpfs mounted at a folder, unmounted (lazily) on drop:
/// a real medium that fills up.
pub struct Tmpfs(pub PathBuf);

impl Tmpfs {
    /// Mounts one of `size` (as `mount -o size=`, e.g. `8M`) at `at`,
    /// creating the folder; needs root.
    pub fn mount(at: &Path, size: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("mounting a tmpfs needs root".into());
        }
        std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| e.to_string())?;
        if !o.status.success() {
            return Err(String::from_utf8_lossy(&o.stderr).into_owned());
        }
        Ok(Tmpfs(at.to_path_buf()))
    }

    /// Fills the file system up to `leave` bytes with one file.
    pub fn fill(&self, leave: u64) -> PathBuf {
        let o = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.0)
            .output()
            .unwrap();
        let avail: u64 = String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let filler = self.0.join("填充.bin");
        let f = std::fs::File::create(&filler).unwrap();
        f.set_len(0).unwrap();
        let mut w = std::io::BufWriter::new(f);
        let chunk = vec![0x5a; 1 << 16];
        let mut left = avail.saturating_sub(leave);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if w.write_all(&chunk[..n]).is_err() {
                break;
            }
            left -= n as u64;
        }
        let _ = w.flush();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Every entry (name, data) of a ZIP, read with the zip crate.
pub fn zip_entries(p: &Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

/// Writes a new ZIP from (name, data) pairs, as a tamperer would.
pub fn zip_repack(out: &Path, items: &[(String, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for (n, d) in items {
        z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(d).unwrap();
    }
    z.finish().unwrap();
}
