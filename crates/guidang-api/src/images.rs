//! Carriers handed over as ISO images (a disc's image file, or the files
//! `transfer image` makes): each is unpacked with xorriso into a folder of
//! the data directory — never mounted — and then read exactly as a carrier
//! folder is, by the same audit and checks. `intake open` keeps the folder
//! until the batch is accepted (acceptance copies the packages from it);
//! `check` removes it when done.

use std::path::{Path, PathBuf};

use guidang_transfer::iso;

use crate::{Archive, Error, Result};

/// Folders unpacked for one use, removed when dropped.
#[derive(Debug, Default)]
pub(crate) struct Unpacked(Vec<PathBuf>);

impl Drop for Unpacked {
    fn drop(&mut self) {
        for d in &self.0 {
            remove_tree(d);
        }
    }
}

/// Removes a tree unpacked from a hostile image: folders it made
/// unwritable are made writable first (links are not followed).
pub(crate) fn remove_tree(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(files) = guidang_core::fsutil::walk_files(dir, |_| false) {
            for rel in files {
                if let Some(parent) = dir.join(&rel).parent() {
                    let _ =
                        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755));
                }
            }
        }
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    }
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_file(done_marker(dir));
}

fn done_marker(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.with_file_name(format!("{name}.done"))
}

impl Archive {
    /// Removes unpacked images no open receipt reads from (a batch
    /// accepted, or opened again from other images).
    pub(crate) fn prune_images(&self) -> Result<()> {
        let dir = self.images_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        let mut used = std::collections::HashSet::new();
        for r in guidang_catalog::intake::receipts(self.cat.db())? {
            if r.status == "open" {
                let media: Vec<PathBuf> = serde_json::from_str(&r.media).unwrap_or_default();
                used.extend(media);
            }
        }
        for e in entries.flatten() {
            let p = e.path();
            let folder = match p.to_string_lossy().strip_suffix(".done") {
                Some(f) => PathBuf::from(f),
                None => p.clone(),
            };
            if !used.contains(&folder) {
                remove_tree(&folder);
            }
        }
        Ok(())
    }

    /// Where `intake open` unpacks images (kept until acceptance).
    pub(crate) fn images_dir(&self) -> PathBuf {
        self.dir.join("intake").join("images")
    }

    /// `paths` with every ISO image replaced by the folder it is unpacked
    /// into. With `keep`, the folders stay (under `intake/images/`, reused
    /// when the same image is opened again); otherwise they go when the
    /// returned guard is dropped.
    pub(crate) fn unpack_images(
        &self,
        paths: &[PathBuf],
        keep: bool,
    ) -> Result<(Vec<PathBuf>, Unpacked)> {
        let mut out = Vec::new();
        let mut guard = Unpacked::default();
        for (n, p) in paths.iter().enumerate() {
            if !(p.is_file() && iso::is_image(p)) {
                out.push(p.clone());
                continue;
            }
            let meta = std::fs::metadata(p).map_err(|source| Error::DataDir {
                path: p.clone(),
                source,
            })?;
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "image".into());
            // The same image (path, size, time) opened again is reused.
            let id = guidang_core::DigestAlgo::Sha256.hex(
                format!(
                    "{}|{}|{:?}",
                    p.canonicalize().unwrap_or_else(|_| p.clone()).display(),
                    meta.len(),
                    meta.modified().ok()
                )
                .as_bytes(),
            );
            let to = if keep {
                self.images_dir().join(format!("{stem}-{}", &id[..12]))
            } else {
                self.dir
                    .join("tmp")
                    .join(format!("iso-{}-{n}-{}", std::process::id(), &id[..12]))
            };
            if keep && done_marker(&to).is_file() && to.is_dir() {
                out.push(to);
                continue;
            }
            remove_tree(&to);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|source| Error::DataDir {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            if !keep {
                guard.0.push(to.clone());
            }
            if let Err(e) = iso::extract(p, &to) {
                remove_tree(&to);
                return Err(e.into());
            }
            if keep {
                guidang_collect::store::write_atomic(&done_marker(&to), b"").map_err(|source| {
                    Error::DataDir {
                        path: done_marker(&to),
                        source,
                    }
                })?;
            }
            out.push(to);
        }
        Ok((out, guard))
    }
}
