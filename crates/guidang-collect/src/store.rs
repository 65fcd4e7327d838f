//! The content-addressed store: every material lives once under
//! `store/{algo}/{xx}/{digest}`, written through a temporary file that is
//! fsynced and renamed, so a blob that exists is always complete.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use guidang_core::{CancelFlag, DigestAlgo};

use crate::sniff;

/// A blob as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Hex digest, the blob's address.
    pub digest: String,
    /// Bytes.
    pub size: u64,
    /// Detected format.
    pub format: &'static str,
}

/// The store under a data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    algo: DigestAlgo,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);
const CHUNK: usize = 256 * 1024;

pub use guidang_core::fsutil::{sync_dir, write_atomic};

impl Store {
    /// The store rooted at `root` (usually `{data dir}/store`).
    pub fn new(root: impl Into<PathBuf>, algo: DigestAlgo) -> Store {
        Store {
            root: root.into(),
            algo,
        }
    }

    /// The digest algorithm of addresses.
    pub fn algo(&self) -> DigestAlgo {
        self.algo
    }

    /// Where a blob lives.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let dir = match self.algo {
            DigestAlgo::Sm3 => "sm3",
            DigestAlgo::Sha256 => "sha256",
        };
        self.root.join(dir).join(&digest[..2]).join(digest)
    }

    /// Copies `src` into the store, hashing while copying (one read of the
    /// source), and returns its address. The source is only read.
    pub fn put_file(&self, src: &Path, cancel: &CancelFlag) -> io::Result<Blob> {
        let tmp_dir = self.root.join("tmp");
        fs::create_dir_all(&tmp_dir)?;
        let tmp = tmp_dir.join(format!(
            "{}-{}.part",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = self.copy_into(src, &tmp, cancel);
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn copy_into(&self, src: &Path, tmp: &Path, cancel: &CancelFlag) -> io::Result<Blob> {
        let mut input = File::open(src)?;
        let mut out = File::create(tmp)?;
        let mut hasher = self.algo.hasher();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        let mut head: Vec<u8> = Vec::new();
        loop {
            if cancel.is_cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
            }
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if head.len() < 64 {
                head.extend_from_slice(&buf[..n.min(64 - head.len())]);
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            size += n as u64;
        }
        out.sync_all()?;
        drop(out);
        let digest = hasher.finish_hex();
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let format = sniff::detect(&head, &name);
        let dest = self.blob_path(&digest);
        if dest.exists() {
            fs::remove_file(tmp)?;
        } else {
            let dir = dest.parent().expect("blob has a parent");
            fs::create_dir_all(dir)?;
            fs::rename(tmp, &dest)?;
            sync_dir(dir)?;
        }
        Ok(Blob {
            digest,
            size,
            format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("a.pdf");
        fs::write(&src, b"%PDF-1.4\nhello").unwrap();
        let s = Store::new(d.path().join("store"), DigestAlgo::Sm3);
        let b1 = s.put_file(&src, &CancelFlag::new()).unwrap();
        let b2 = s.put_file(&src, &CancelFlag::new()).unwrap();
        assert_eq!(b1, b2);
        assert_eq!(b1.format, "pdf");
        assert_eq!(b1.digest, DigestAlgo::Sm3.hex(b"%PDF-1.4\nhello"));
        assert_eq!(
            fs::read(s.blob_path(&b1.digest)).unwrap(),
            b"%PDF-1.4\nhello"
        );
        assert_eq!(fs::read_dir(d.path().join("store/tmp")).unwrap().count(), 0);
    }

    #[test]
    fn cancelled_copy_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("a.bin");
        fs::write(&src, vec![7u8; 1000]).unwrap();
        let s = Store::new(d.path().join("store"), DigestAlgo::Sha256);
        let c = CancelFlag::new();
        c.cancel();
        assert!(s.put_file(&src, &c).is_err());
        assert_eq!(fs::read_dir(d.path().join("store/tmp")).unwrap().count(), 0);
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x/y.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path().join("x")).unwrap().count(), 1);
    }
}
