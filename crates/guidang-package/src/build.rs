//! Building and sealing one package.
//!
//! Entry order is fixed (`元数据.xml`, materials in 件内顺序号 order,
//! `固化信息.xml` last), every entry carries the case's 办结时间 as its
//! timestamp and mode 0644, text is Deflated at level 6 and
//! already-compressed formats are Stored: the same case with the same seal
//! always gives the same bytes. Each material is read once from the store,
//! hashed as it is written into the ZIP, and checked against the digest
//! recorded at collection.
//!
//! A build that fails (a full disk, a damaged blob, a cancel) abandons its
//! ZIP writer: the zip crate would otherwise try to finish the archive when
//! the writer is dropped, on the same failing disk, and print its English
//! error to stderr. The caller removes the temporary file.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, Datelike, Timelike};
use guidang_core::{CancelFlag, DigestAlgo, Suite};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::metadata::{render, CaseMeta, MaterialMeta, Metadata};
use crate::seal::{Seal, SealEntry, Signer};
use crate::{PackageError, METADATA_ENTRY, SEAL_ENTRY};

/// A material to put in the package, with where its bytes are stored.
#[derive(Debug, Clone)]
pub struct PackageMaterial {
    /// What `元数据.xml` says of it (path, size and digest as recorded).
    pub meta: MaterialMeta,
    /// The stored blob.
    pub blob: PathBuf,
}

/// Everything needed to build a case's package.
#[derive(Debug, Clone)]
pub struct PackageInput {
    /// Case metadata.
    pub case: CaseMeta,
    /// Suite of the unit (digest of materials and package).
    pub suite: Suite,
    /// Materials in order.
    pub materials: Vec<PackageMaterial>,
    /// The environment recorded in the metadata.
    pub environment: crate::metadata::Environment,
}

/// A package written to disk.
#[derive(Debug, Clone)]
pub struct BuiltPackage {
    /// Where it was written.
    pub path: PathBuf,
    /// Bytes.
    pub size: u64,
    /// Digest of the whole ZIP with the suite's algorithm.
    pub digest: String,
    /// The seal inside it.
    pub seal: Seal,
}

/// Formats whose content is already compressed: stored, not deflated.
pub fn is_precompressed(format: &str) -> bool {
    matches!(
        format,
        "pdf" | "jpeg" | "png" | "gif" | "mp4" | "mp3" | "ofd" | "zip"
    )
}

/// The entry path of a material: `{类别}材料/{实际名称}`.
pub fn material_path(category_code: &str, original_name: &str) -> String {
    format!("{category_code}材料/{original_name}")
}

fn zip_time(rfc3339: &str) -> zip::DateTime {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .and_then(|t| {
            zip::DateTime::from_date_and_time(
                t.year().clamp(1980, 2107) as u16,
                t.month() as u8,
                t.day() as u8,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// A ZIP error: an I/O error is the file's (a full disk says so in
/// Chinese); anything else is the library's.
fn zip_err(out: &Path) -> impl FnOnce(zip::result::ZipError) -> PackageError + '_ {
    move |e| match e {
        zip::result::ZipError::Io(source) => PackageError::Io {
            path: out.to_path_buf(),
            source,
        },
        other => PackageError::Zip(other.to_string()),
    }
}

/// The package file under the ZIP writer; once abandoned (by the build, or
/// by its own first failed write), it takes and discards whatever the
/// writer still writes, so dropping the writer — also inside a failing
/// `finish` — neither touches the disk nor prints anything.
struct Out {
    w: BufWriter<File>,
    abandoned: Rc<Cell<bool>>,
    pos: u64,
}

impl Write for Out {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.abandoned.get() {
            self.pos += b.len() as u64;
            return Ok(b.len());
        }
        let n = self.w.write(b).inspect_err(|_| self.abandoned.set(true))?;
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.abandoned.get() {
            return Ok(());
        }
        self.w.flush().inspect_err(|_| self.abandoned.set(true))
    }
}

impl Seek for Out {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        if self.abandoned.get() {
            self.pos = match to {
                SeekFrom::Start(n) => n,
                SeekFrom::Current(d) | SeekFrom::End(d) => self.pos.saturating_add_signed(d),
            };
            return Ok(self.pos);
        }
        self.pos = self.w.seek(to).inspect_err(|_| self.abandoned.set(true))?;
        Ok(self.pos)
    }
}

/// Abandons the writer when dropped, unless the build finished.
struct Abandon(Rc<Cell<bool>>, bool);

impl Drop for Abandon {
    fn drop(&mut self) {
        if !self.1 {
            self.0.set(true);
        }
    }
}

/// Builds and seals a package at `out` (normally a temporary path the
/// caller renames into place once registered).
pub fn build_package(
    input: &PackageInput,
    signer: &Signer,
    sealed_at: &str,
    out: &Path,
    cancel: &CancelFlag,
) -> Result<BuiltPackage, PackageError> {
    let algo = input.suite.digest();
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PackageError::Io { path, source }
    };
    let time = zip_time(&input.case.completed_at);
    let opts = |method: CompressionMethod, large: bool| {
        SimpleFileOptions::default()
            .compression_method(method)
            .compression_level(if method == CompressionMethod::Deflated {
                Some(6)
            } else {
                None
            })
            .last_modified_time(time)
            .unix_permissions(0o644)
            .large_file(large)
    };
    let file = File::create(out).map_err(io_err(out))?;
    let abandoned = Rc::new(Cell::new(false));
    let mut zip = zip::ZipWriter::new(Out {
        w: BufWriter::with_capacity(1 << 20, file),
        abandoned: abandoned.clone(),
        pos: 0,
    });
    // Declared after the writer, so dropped before it on an early return.
    let mut guard = Abandon(abandoned, false);
    let mut entries = Vec::new();

    let metadata = render(&Metadata {
        case: input.case.clone(),
        digest_algo: algo.name().into(),
        materials: input.materials.iter().map(|m| m.meta.clone()).collect(),
        environment: Some(input.environment.clone()),
    });
    zip.start_file(METADATA_ENTRY, opts(CompressionMethod::Deflated, false))
        .map_err(zip_err(out))?;
    zip.write_all(metadata.as_bytes()).map_err(io_err(out))?;
    entries.push(SealEntry {
        path: METADATA_ENTRY.into(),
        size: metadata.len() as u64,
        digest: algo.hex(metadata.as_bytes()),
    });

    let mut buf = vec![0u8; 256 * 1024];
    for m in &input.materials {
        let method = if is_precompressed(&m.meta.format) {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        zip.start_file(
            m.meta.path.as_str(),
            opts(method, m.meta.size >= 0xFFFF_FFFF),
        )
        .map_err(zip_err(out))?;
        let mut src = File::open(&m.blob).map_err(io_err(&m.blob))?;
        let mut h = algo.hasher();
        let mut size = 0u64;
        loop {
            if cancel.is_cancelled() {
                return Err(PackageError::Cancelled);
            }
            let n = src.read(&mut buf).map_err(io_err(&m.blob))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            zip.write_all(&buf[..n]).map_err(io_err(out))?;
            size += n as u64;
        }
        let digest = h.finish_hex();
        if digest != m.meta.digest || size != m.meta.size {
            return Err(PackageError::StoreDamaged {
                name: m.meta.path.clone(),
                expected: m.meta.digest.clone(),
                actual: digest,
            });
        }
        entries.push(SealEntry {
            path: m.meta.path.clone(),
            size,
            digest,
        });
    }

    let seal = signer.seal(Seal {
        suite: input.suite,
        efile_no: input.case.efile_no.clone(),
        entries,
        signer: String::new(),
        unit: String::new(),
        public_key: String::new(),
        fingerprint: String::new(),
        sealed_at: sealed_at.into(),
        signature: String::new(),
    })?;
    zip.start_file(SEAL_ENTRY, opts(CompressionMethod::Deflated, false))
        .map_err(zip_err(out))?;
    zip.write_all(seal.render().as_bytes())
        .map_err(io_err(out))?;
    let w = zip.finish().map_err(zip_err(out))?;
    guard.1 = true;
    let file = w.w.into_inner().map_err(|e| PackageError::Io {
        path: out.to_path_buf(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io_err(out))?;
    drop(file);
    let (size, digest) = digest_file(out, algo).map_err(io_err(out))?;
    Ok(BuiltPackage {
        path: out.to_path_buf(),
        size,
        digest,
        seal,
    })
}

/// Size and digest of a file, streaming.
pub fn digest_file(path: &Path, algo: DigestAlgo) -> std::io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut h = algo.hasher();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, h.finish_hex()))
}
