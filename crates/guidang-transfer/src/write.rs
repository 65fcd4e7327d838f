//! Writing one carrier (载体) of a batch onto a removable medium.
//!
//! The caller hands over the carrier's files in writing order — the
//! description file `说明文件.TXT` first, so that an interrupted medium still
//! says which batch and carrier it holds, and the carrier manifest
//! `其他/载体清单.json` last, so that a medium only looks complete when it is.
//!
//! - Pre-flight, before the first byte: the medium is a writable directory,
//!   holds no other batch or carrier and no foreign files, its file system
//!   accepts every name, path and size ([`FsRules`]), and it has the space.
//! - Each file is copied under a temporary name (`.name.guidang-part`)
//!   while its source is hashed (one read of the source, which must match the
//!   digest the batch promises), fsynced, renamed, the directory fsynced; then
//!   read back from the medium with the page cache dropped for it
//!   (`posix_fadvise(DONTNEED)` after the fsync, on Linux) and compared.
//! - A journal (JSON lines, kept by the caller outside the medium) records
//!   every verified file with its size and modification time. Re-running
//!   skips files the journal vouches for, reads back (and keeps) files that
//!   are already on the medium with the right content, and rewrites anything
//!   else. A file under its final name is always complete.
//! - Progress is reported per file in bytes; the cancel flag is honoured
//!   between files and between chunks.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use guidang_core::fsutil::{is_volume_system_path, sync_dir, walk_files};
use guidang_core::{CancelFlag, DigestAlgo, Progress};
use serde::{Deserialize, Serialize};

use crate::medium::FsRules;
use guidang_core::layout::Layout;

/// The carrier's description file, written first.
pub const README_FILE: &str = guidang_core::layout::README;
/// The carrier's catalogue of records.
pub const CATALOGUE_FILE: &str = guidang_core::layout::CATALOGUE;
/// The carrier manifest, written last; its digest is the carrier digest.
pub const CARRIER_FILE: &str = Layout::Measures.files().carrier_manifest;
/// Format tag of [`CarrierManifest`].
pub const CARRIER_FORMAT: &str = "guidang-carrier/1";
/// Suffix of temporary files on the medium.
const PART_SUFFIX: &str = ".guidang-part";
const CHUNK: usize = 1 << 20;

/// One file of a carrier as listed in its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierFile {
    /// Path on the medium, `/`-separated.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Digest (the batch's algorithm).
    pub digest: String,
}

/// `载体清单.json`: every file of one carrier except itself and the
/// hand-over register (which prints this file's digest). Its digest is the
/// carrier digest recorded in the catalog and on the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierManifest {
    /// Always [`CARRIER_FORMAT`].
    pub format: String,
    /// 批次编号.
    pub batch_no: String,
    /// The batch digest (of `批次清单.json`).
    pub batch_digest: String,
    /// Digest algorithm of every digest here.
    pub digest_algo: String,
    /// This carrier's number, from 1.
    pub carrier_no: u32,
    /// Number of carriers of the batch.
    pub carriers: u32,
    /// 电子文件号 of the packages on this carrier, in order.
    pub packages: Vec<String>,
    /// The files.
    pub files: Vec<CarrierFile>,
    /// Sum of the files' sizes.
    pub total_bytes: u64,
}

impl CarrierManifest {
    /// The exact bytes written to the medium.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("serialisable");
        v.push(b'\n');
        v
    }

    /// Parses the bytes of a carrier manifest.
    pub fn from_bytes(b: &[u8]) -> Result<CarrierManifest, String> {
        let m: CarrierManifest =
            serde_json::from_slice(b).map_err(|e| format!("载体清单格式错误：{e}"))?;
        if m.format != CARRIER_FORMAT {
            return Err(format!(
                "载体清单的格式版本应为 {CARRIER_FORMAT}，实为 {}",
                m.format
            ));
        }
        Ok(m)
    }
}

/// A file to put on the carrier and where its bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Path on the medium, `/`-separated.
    pub rel: String,
    /// The file to copy.
    pub src: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its digest; the copy is refused if the source does not match.
    pub digest: String,
}

/// One carrier to write.
#[derive(Debug, Clone)]
pub struct CarrierJob {
    /// 批次编号.
    pub batch_no: String,
    /// Carrier number, from 1.
    pub carrier_no: u32,
    /// Number of carriers.
    pub carriers: u32,
    /// Digest algorithm of the batch.
    pub algo: DigestAlgo,
    /// The batch digest (of `批次清单.json`): tells this batch from another
    /// with the same number (a reinstalled catalog, another hall).
    pub batch_digest: String,
    /// Files in writing order: `说明文件.txt` first, `载体清单.json` last.
    pub files: Vec<Source>,
    /// The resume journal (outside the medium).
    pub journal: PathBuf,
}

/// What a medium says it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// 批次编号 found.
    pub batch_no: String,
    /// Carrier number found, when the medium says.
    pub carrier_no: Option<u32>,
    /// Batch digest found, when the medium has a carrier or batch manifest.
    pub batch_digest: Option<String>,
}

/// Why a carrier cannot be written. Files already written and verified stay
/// on the medium in every case; nothing half-written keeps a final name.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target is not a directory.
    #[error("{0} 不是文件夹。请选择移动介质的根目录或一个空文件夹")]
    NotADirectory(PathBuf),
    /// The medium cannot be written at all.
    #[error("无法写入载体 {path}：{}。请检查介质是否已插好、是否处于写保护状态", guidang_core::oserror::describe(.source))]
    NotWritable {
        /// The medium.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The medium holds another batch.
    #[error("载体上已有批次 {found} 的内容，不能再写入批次 {wanted}。请换用空白载体，或把原有内容另行保存后清空载体")]
    OtherBatch {
        /// Batch on the medium.
        found: String,
        /// Batch to write.
        wanted: String,
    },
    /// The medium holds another carrier of this batch.
    #[error("载体上已有本批次第 {found} 号载体的内容，不能写入第 {wanted} 号载体。请换上空白载体或第 {wanted} 号载体")]
    OtherCarrier {
        /// Carrier on the medium.
        found: u32,
        /// Carrier to write.
        wanted: u32,
    },
    /// Files not part of the transfer are on the medium.
    #[error("载体上有不属于本次移交的文件：{}。移交载体只能存放移交内容，请换用空白载体，或先把这些文件移走", .0.join("、"))]
    ForeignFiles(Vec<String>),
    /// The file system cannot hold some names, paths or sizes.
    #[error("载体的文件系统不能保存以下文件：\n{}", .0.join("\n"))]
    Unwritable(Vec<String>),
    /// Not enough space, found before writing.
    #[error("载体空间不足：本载体还需写入约 {need} 字节（{:.3} GB），可用只有 {free} 字节（{:.3} GB）。请换用更大的载体，或用 --carrier-size 把批次分到多个载体", *.need as f64 / 1e9, *.free as f64 / 1e9)]
    NoSpace {
        /// Bytes needed (rounded to the file system's blocks).
        need: u64,
        /// Bytes free.
        free: u64,
    },
    /// The medium filled up while writing.
    #[error("写入 {path} 时载体已满（写入期间空间被占用，或介质报告的可用空间不实）。已写入并校验的文件都保留着，未写完的文件已删除；请腾出空间或换用更大的载体后再次运行同一命令，会从中断处继续")]
    MediumFull {
        /// The file being written.
        path: String,
    },
    /// A file read back from the medium differs from what was written.
    #[error("读回校验失败：{path} 写入载体后读出的内容与原文件不一致，介质可能损坏。该文件已删除；请换用其他载体后重试")]
    VerifyFailed {
        /// The file on the medium.
        path: String,
    },
    /// A source file does not match the digest the batch promises.
    #[error("源文件 {0} 与批次清单记录的摘要不符：数据目录中的文件可能已损坏，不能移交。请运行 guidang verify 检查")]
    SourceChanged(PathBuf),
    /// The carrier root is no longer the medium the write started on (the
    /// medium was pulled, unmounted or swapped).
    #[error("载体 {0} 在写入期间被拔出、卸载或更换，已不是开始写入时的介质：本载体没有写完，不会登记为已写入。请重新插好同一介质后再次运行同一命令，会从中断处继续")]
    MediumChanged(PathBuf),
    /// Cancelled by the user.
    #[error("写入已取消。已写入并校验的文件都保留着，再次运行同一命令会从中断处继续")]
    Cancelled,
    /// Another I/O error.
    #[error("读写 {path} 失败：{}。请检查介质是否已插好", guidang_core::oserror::describe(.source))]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// What pre-flight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preflight {
    /// File-system rules applied.
    pub rules: FsRules,
    /// Bytes free on the medium, when the platform says.
    pub free: Option<u64>,
    /// Bytes still to write, rounded up to the file system's blocks.
    pub need: u64,
    /// Files already on the medium under their final names.
    pub present: usize,
}

/// What writing a carrier did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteReport {
    /// Carrier number.
    pub carrier_no: u32,
    /// Number of carriers.
    pub carriers: u32,
    /// Files on the carrier.
    pub files: usize,
    /// Bytes on the carrier.
    pub bytes: u64,
    /// Files written (and verified) in this run.
    pub written: usize,
    /// Files skipped because the journal vouched for them.
    pub skipped: usize,
    /// Files already on the medium, read back and found right.
    pub reverified: usize,
    /// File-system rules the pre-flight applied.
    #[serde(skip)]
    pub rules: FsRules,
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Space on the file system holding `path`: (bytes available, block size).
#[cfg(unix)]
pub fn free_space(path: &Path) -> io::Result<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: `c` is a valid NUL-terminated path and `s` a writable statvfs.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let frsize = (s.f_frsize as u64).max(1);
    Ok((
        s.f_bavail as u64 * frsize,
        (s.f_bsize as u64).clamp(512, 4 << 20),
    ))
}

/// Space on the file system holding `path` (not measured on this platform).
#[cfg(not(unix))]
pub fn free_space(_path: &Path) -> io::Result<(u64, u64)> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "statvfs"))
}

/// Drops the page cache of a file that has been fsynced, so that reading it
/// again comes from the medium.
fn drop_cache(f: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; advice only, failure is harmless.
        unsafe {
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
    let _ = f;
}

/// Reads a file back from the medium (page cache dropped first) and hashes it.
fn read_back(path: &Path, algo: DigestAlgo, cancel: &CancelFlag) -> io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    drop_cache(&f);
    let mut h = algo.hasher();
    let mut buf = vec![0u8; CHUNK];
    let mut n = 0u64;
    loop {
        if cancel.is_cancelled() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((h.finish_hex(), n))
}

fn walk(root: &Path) -> io::Result<Vec<String>> {
    walk_files(root, is_volume_system_path)
}

fn is_part(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with('.') && n.ends_with(PART_SUFFIX))
}

/// What the medium at `dest` says it holds, if anything: the carrier
/// manifest, else the description file (with the batch manifest's digest,
/// in `algo`, when it is there), else the batch manifest.
pub fn identify(dest: &Path, algo: DigestAlgo) -> Option<Identity> {
    Layout::ALL
        .into_iter()
        .find_map(|l| identify_in(dest, algo, l.files()))
}

fn identify_in(
    dest: &Path,
    algo: DigestAlgo,
    files: &guidang_core::layout::CarrierFiles,
) -> Option<Identity> {
    if let Some(m) = fs::read(dest.join(files.carrier_manifest))
        .ok()
        .and_then(|b| CarrierManifest::from_bytes(&b).ok())
    {
        return Some(Identity {
            batch_no: m.batch_no,
            carrier_no: Some(m.carrier_no),
            batch_digest: Some(m.batch_digest),
        });
    }
    let manifest = fs::read(dest.join(files.batch_manifest)).ok();
    let batch_digest = manifest.as_ref().map(|b| algo.hex(b));
    if let Ok(t) = fs::read_to_string(dest.join(files.readme)) {
        let field = |k: &str| {
            t.lines()
                .find_map(|l| l.trim_start_matches('\u{feff}').strip_prefix(k))
                .map(|v| v.trim().to_string())
        };
        if let Some(b) = field("批次编号：") {
            let carrier = field("载体编号：").and_then(|v| {
                v.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .ok()
            });
            return Some(Identity {
                batch_no: b,
                carrier_no: carrier,
                batch_digest,
            });
        }
    }
    let v: serde_json::Value = serde_json::from_slice(manifest.as_deref()?).ok()?;
    Some(Identity {
        batch_no: v.get("batch_no")?.as_str()?.to_string(),
        carrier_no: None,
        batch_digest,
    })
}

fn round_up(n: u64, block: u64) -> u64 {
    n.div_ceil(block) * block
}

/// Checks everything that can be checked before the first byte is written.
pub fn preflight(job: &CarrierJob, dest: &Path) -> Result<Preflight, WriteError> {
    if dest.exists() && !dest.is_dir() {
        return Err(WriteError::NotADirectory(dest.to_path_buf()));
    }
    create_root(dest)?;
    if let Some(id) = identify(dest, job.algo) {
        if id.batch_no != job.batch_no {
            return Err(WriteError::OtherBatch {
                found: id.batch_no,
                wanted: job.batch_no.clone(),
            });
        }
        if id.batch_digest.is_some_and(|d| d != job.batch_digest) {
            return Err(WriteError::OtherBatch {
                found: format!("{}（编号相同但内容不同，来自另一目录库）", id.batch_no),
                wanted: job.batch_no.clone(),
            });
        }
        if let Some(c) = id.carrier_no.filter(|c| *c != job.carrier_no) {
            return Err(WriteError::OtherCarrier {
                found: c,
                wanted: job.carrier_no,
            });
        }
    }
    let ours: HashMap<&str, &Source> = job.files.iter().map(|f| (f.rel.as_str(), f)).collect();
    let existing = walk(dest).map_err(io_at(dest))?;
    let foreign: Vec<String> = existing
        .iter()
        .filter(|r| !ours.contains_key(r.as_str()) && !is_part(r))
        .cloned()
        .collect();
    if !foreign.is_empty() {
        return Err(WriteError::ForeignFiles(foreign));
    }
    // Writability: a probe file written, fsynced and removed.
    let probe = dest.join(format!(".probe{PART_SUFFIX}"));
    (|| -> io::Result<()> {
        let mut f = File::create(&probe)?;
        f.write_all(b"guidang")?;
        f.sync_all()?;
        fs::remove_file(&probe)
    })()
    .map_err(|source| WriteError::NotWritable {
        path: dest.to_path_buf(),
        source,
    })?;
    let rules = FsRules::detect(dest);
    let mut problems = Vec::new();
    for f in &job.files {
        for c in f.rel.split('/') {
            problems.extend(rules.name_problem(c));
        }
        problems.extend(rules.path_problem(&f.rel));
        problems.extend(rules.size_problem(&f.rel, f.size));
    }
    problems.dedup();
    if !problems.is_empty() {
        return Err(WriteError::Unwritable(problems));
    }
    let (free, block) = match free_space(dest) {
        Ok((f, b)) => (Some(f), b),
        Err(_) => (None, 4096),
    };
    let mut need = 0;
    let mut present = 0;
    for f in &job.files {
        let on_medium = fs::metadata(dest.join(&f.rel)).ok();
        if on_medium.is_some_and(|m| m.len() == f.size) {
            present += 1;
        } else {
            // Blocks of the data plus one for directory entries.
            need += round_up(f.size, block) + block;
        }
    }
    if let Some(free) = free.filter(|free| need > *free) {
        return Err(WriteError::NoSpace { need, free });
    }
    Ok(Preflight {
        rules,
        free,
        need,
        present,
    })
}

#[derive(Serialize, Deserialize)]
struct JournalLine {
    path: String,
    size: u64,
    digest: String,
    mtime_ns: u128,
}

fn mtime_ns(m: &fs::Metadata) -> u128 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn read_journal(path: &Path) -> HashMap<String, JournalLine> {
    let Ok(f) = File::open(path) else {
        return HashMap::new();
    };
    // A torn last line (crash while appending) is simply not trusted.
    io::BufReader::new(f)
        .lines()
        .map_while(|l| l.ok())
        .filter_map(|l| serde_json::from_str::<JournalLine>(&l).ok())
        .map(|j| (j.path.clone(), j))
        .collect()
}

fn is_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
        || e.kind() == io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(28) | Some(122))
}

/// Copies `s` to `final_path` through a temporary file, hashing the source.
fn copy_one(
    s: &Source,
    final_path: &Path,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> Result<(), WriteError> {
    let dir = final_path.parent().expect("inside the medium");
    let name = final_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let tmp = dir.join(format!(".{name}{PART_SUFFIX}"));
    let full = |e: io::Error, p: &Path| {
        if is_full(&e) {
            WriteError::MediumFull {
                path: s.rel.clone(),
            }
        } else {
            WriteError::Io {
                path: p.to_path_buf(),
                source: e,
            }
        }
    };
    let result = (|| -> Result<(), WriteError> {
        let mut src = File::open(&s.src).map_err(io_at(&s.src))?;
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| full(e, &tmp))?;
        let mut h = algo.hasher();
        let mut buf = vec![0u8; CHUNK];
        let mut n = 0u64;
        loop {
            if cancel.is_cancelled() {
                return Err(WriteError::Cancelled);
            }
            let k = src.read(&mut buf).map_err(io_at(&s.src))?;
            if k == 0 {
                break;
            }
            h.update(&buf[..k]);
            n += k as u64;
            out.write_all(&buf[..k]).map_err(|e| full(e, &tmp))?;
        }
        if n != s.size || h.finish_hex() != s.digest {
            return Err(WriteError::SourceChanged(s.src.clone()));
        }
        out.sync_all().map_err(|e| full(e, &tmp))?;
        drop(out);
        fs::rename(&tmp, final_path).map_err(|e| full(e, final_path))?;
        sync_dir(dir).map_err(io_at(dir))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Copies one file to `to` (a final path on any disk) with the same
/// guarantees as a carrier file: the source hashed while copied and checked
/// against `s.digest`, temporary name, fsync, rename, then read back with the
/// page cache dropped and compared. Used to put accepted packages into the
/// archive's storage.
pub fn copy_verified(
    s: &Source,
    to: &Path,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> Result<(), WriteError> {
    let parent = to.parent().expect("a file path");
    fs::create_dir_all(parent).map_err(io_at(parent))?;
    copy_one(s, to, algo, cancel)?;
    let back = read_back(to, algo, cancel).map_err(|e| {
        if e.kind() == io::ErrorKind::Interrupted {
            WriteError::Cancelled
        } else {
            WriteError::Io {
                path: to.to_path_buf(),
                source: e,
            }
        }
    })?;
    if back != (s.digest.clone(), s.size) {
        let _ = fs::remove_file(to);
        return Err(WriteError::VerifyFailed {
            path: to.display().to_string(),
        });
    }
    Ok(())
}

/// Creates the carrier root itself when it is missing — only it, never a
/// folder above it: a missing parent means the medium is not there.
pub fn create_root(dest: &Path) -> Result<(), WriteError> {
    if dest.is_dir() {
        return Ok(());
    }
    fs::create_dir(dest).map_err(|source| WriteError::NotWritable {
        path: dest.to_path_buf(),
        source,
    })
}

/// The identity of a carrier root: device and inode of the folder, and the
/// file system's id. A medium pulled or lazily unmounted mid-write leaves
/// the mount-point folder of the disk underneath, with another identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootIdentity {
    dev: u64,
    ino: u64,
    fsid: u64,
}

/// Reads the identity of the carrier root `dest`.
pub fn root_identity(dest: &Path) -> io::Result<RootIdentity> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(dest)?;
        let c = std::ffi::CString::new(dest.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let mut v: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a valid C string and `v` a writable statvfs.
        if unsafe { libc::statvfs(c.as_ptr(), &mut v) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(RootIdentity {
            dev: m.dev(),
            ino: m.ino(),
            fsid: v.f_fsid as u64,
        })
    }
    #[cfg(not(unix))]
    {
        fs::metadata(dest)?;
        Ok(RootIdentity {
            dev: 0,
            ino: 0,
            fsid: 0,
        })
    }
}

/// Fails unless `dest` is still the medium whose identity is `id`.
fn still_same_medium(dest: &Path, id: RootIdentity) -> Result<(), WriteError> {
    match root_identity(dest) {
        Ok(now) if now == id => Ok(()),
        _ => Err(WriteError::MediumChanged(dest.to_path_buf())),
    }
}

/// Creates the folders of `rel`'s parent one by one below `dest` (never
/// `dest` itself or anything above it).
fn create_below(dest: &Path, rel: &str) -> Result<(), WriteError> {
    let mut at = dest.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for c in &parts[..parts.len().saturating_sub(1)] {
        let parent = at.clone();
        at.push(c);
        if at.is_dir() {
            continue;
        }
        fs::create_dir(&at).map_err(|e| {
            if is_full(&e) {
                WriteError::MediumFull { path: rel.into() }
            } else {
                WriteError::Io {
                    path: at.clone(),
                    source: e,
                }
            }
        })?;
        sync_dir(&parent).map_err(io_at(&parent))?;
    }
    Ok(())
}

/// Writes one carrier to `dest`: pre-flight, then every file not yet there,
/// each verified by reading it back. See the module documentation. Before
/// every file (the carrier manifest, written last, included) the root must
/// still be the medium the write started on.
pub fn write_carrier(
    job: &CarrierJob,
    dest: &Path,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<WriteReport, WriteError> {
    let pre = preflight(job, dest)?;
    let medium = root_identity(dest).map_err(io_at(dest))?;
    // Temporary files of an interrupted run are never complete: remove them.
    for rel in walk(dest).map_err(io_at(dest))? {
        if is_part(&rel) {
            let p = dest.join(&rel);
            fs::remove_file(&p).map_err(io_at(&p))?;
        }
    }
    let journal = read_journal(&job.journal);
    if let Some(d) = job.journal.parent() {
        fs::create_dir_all(d).map_err(io_at(d))?;
    }
    let mut jf = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&job.journal)
        .map_err(io_at(&job.journal))?;
    let total: u64 = job.files.iter().map(|f| f.size).sum();
    let mut done = 0u64;
    let mut report = WriteReport {
        carrier_no: job.carrier_no,
        carriers: job.carriers,
        files: job.files.len(),
        bytes: total,
        written: 0,
        skipped: 0,
        reverified: 0,
        rules: pre.rules,
    };
    let cancelled = |e: io::Error, p: &Path| {
        if e.kind() == io::ErrorKind::Interrupted {
            WriteError::Cancelled
        } else {
            WriteError::Io {
                path: p.to_path_buf(),
                source: e,
            }
        }
    };
    for s in &job.files {
        if cancel.is_cancelled() {
            return Err(WriteError::Cancelled);
        }
        still_same_medium(dest, medium)?;
        let path = dest.join(&s.rel);
        progress.report(done, total, &s.rel);
        let mut ok = false;
        if let Ok(meta) = fs::metadata(&path) {
            let vouched = journal.get(&s.rel).is_some_and(|j| {
                j.size == s.size
                    && j.digest == s.digest
                    && meta.len() == s.size
                    && j.mtime_ns == mtime_ns(&meta)
            });
            if vouched {
                report.skipped += 1;
                ok = true;
            } else if meta.len() == s.size
                && read_back(&path, job.algo, cancel).map_err(|e| cancelled(e, &path))?
                    == (s.digest.clone(), s.size)
            {
                report.reverified += 1;
                ok = true;
                append_journal(&mut jf, &job.journal, s, &path)?;
            } else {
                // Not what this carrier needs: replaced below.
                fs::remove_file(&path).map_err(io_at(&path))?;
            }
        }
        if !ok {
            create_below(dest, &s.rel)?;
            copy_one(s, &path, job.algo, cancel)?;
            let back = read_back(&path, job.algo, cancel).map_err(|e| cancelled(e, &path))?;
            if back != (s.digest.clone(), s.size) {
                let _ = fs::remove_file(&path);
                return Err(WriteError::VerifyFailed {
                    path: s.rel.clone(),
                });
            }
            append_journal(&mut jf, &job.journal, s, &path)?;
            report.written += 1;
        }
        done += s.size;
        progress.report(done, total, &s.rel);
    }
    still_same_medium(dest, medium)?;
    sync_dir(dest).map_err(io_at(dest))?;
    Ok(report)
}

fn append_journal(
    jf: &mut File,
    journal: &Path,
    s: &Source,
    on_medium: &Path,
) -> Result<(), WriteError> {
    let meta = fs::metadata(on_medium).map_err(io_at(on_medium))?;
    let mut line = serde_json::to_vec(&JournalLine {
        path: s.rel.clone(),
        size: s.size,
        digest: s.digest.clone(),
        mtime_ns: mtime_ns(&meta),
    })
    .expect("json");
    line.push(b'\n');
    jf.write_all(&line).map_err(io_at(journal))?;
    jf.sync_data().map_err(io_at(journal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guidang_core::{CancelFlag, Progress};
    use std::process::Command;

    fn job(dir: &Path, files: &[(&str, &[u8])]) -> CarrierJob {
        let src = dir.join("src");
        fs::create_dir_all(&src).unwrap();
        let algo = DigestAlgo::Sm3;
        let files = files
            .iter()
            .enumerate()
            .map(|(i, (rel, data))| {
                let p = src.join(i.to_string());
                fs::write(&p, data).unwrap();
                Source {
                    rel: rel.to_string(),
                    src: p,
                    size: data.len() as u64,
                    digest: algo.hex(data),
                }
            })
            .collect();
        CarrierJob {
            batch_no: "430124-20261121-01".into(),
            carrier_no: 1,
            carriers: 1,
            algo,
            batch_digest: "d".into(),
            files,
            journal: dir.join("journal"),
        }
    }

    const README: &[u8] =
        "\u{feff}说明\r\n批次编号：430124-20261121-01\r\n载体编号：1（共 1 个载体）\r\n".as_bytes();

    /// Unmounts a real medium lazily after the first file was written, as a
    /// pulled USB stick does: the writer must notice that its root is now
    /// the folder underneath and stop before the carrier manifest.
    #[test]
    fn a_medium_pulled_between_files_is_noticed_and_nothing_looks_done() {
        if guidang_testkit::prerequisite(
            "mounting a medium (root)",
            if guidang_testkit::is_root() {
                Ok(())
            } else {
                Err("not root".to_string())
            },
        )
        .is_none()
        {
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let mnt = d.path().join("medium");
        fs::create_dir(&mnt).unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4M", "tmpfs"])
            .arg(&mnt)
            .status()
            .unwrap();
        assert!(st.success(), "mount tmpfs");
        let dest = mnt.join("载体");
        let j = job(
            d.path(),
            &[
                ("说明文件.txt", README),
                ("电子档案/2025/a.zip", &[7u8; 5000]),
                (CARRIER_FILE, b"{}"),
            ],
        );
        struct PullAfterFirst<'a>(&'a Path, std::sync::atomic::AtomicBool);
        impl Progress for PullAfterFirst<'_> {
            fn report(&self, done: u64, _total: u64, _what: &str) {
                if done > 0 && !self.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    let st = Command::new("umount")
                        .arg("-l")
                        .arg(self.0)
                        .status()
                        .unwrap();
                    assert!(st.success(), "umount -l");
                }
            }
        }
        let pull = PullAfterFirst(&mnt, std::sync::atomic::AtomicBool::new(false));
        let r = write_carrier(&j, &dest, &pull, &CancelFlag::new());
        let pulled = pull.1.load(std::sync::atomic::Ordering::SeqCst);
        if !pulled {
            let _ = Command::new("umount").arg("-l").arg(&mnt).status();
        }
        assert!(pulled, "the medium was pulled");
        assert!(matches!(r, Err(WriteError::MediumChanged(_))), "{r:?}");
        // Nothing was created on the disk underneath the mount point.
        assert!(
            !dest.exists(),
            "the writer recreated the carrier root underneath"
        );
        assert_eq!(fs::read_dir(&mnt).unwrap().count(), 0);
    }

    #[test]
    fn writes_verifies_and_resumes() {
        let t = tempfile::tempdir().unwrap();
        let j = job(
            t.path(),
            &[
                (README_FILE, README),
                ("电子档案/2025/行政许可/a.zip", b"zip-a"),
                ("b.pdf", b"pdf"),
            ],
        );
        let medium = t.path().join("medium");
        let r = write_carrier(&j, &medium, &guidang_core::NoProgress, &CancelFlag::new()).unwrap();
        assert_eq!((r.written, r.skipped, r.reverified), (3, 0, 0));
        assert_eq!(
            fs::read(medium.join("电子档案/2025/行政许可/a.zip")).unwrap(),
            b"zip-a"
        );
        assert_eq!(
            identify(&medium, DigestAlgo::Sm3).unwrap().carrier_no,
            Some(1)
        );
        // Again: the journal vouches for everything.
        let r = write_carrier(&j, &medium, &guidang_core::NoProgress, &CancelFlag::new()).unwrap();
        assert_eq!((r.written, r.skipped, r.reverified), (0, 3, 0));
        // A file changed on the medium is read back, found wrong and rewritten;
        // one without a journal entry is read back and kept.
        fs::write(medium.join("b.pdf"), b"PDF").unwrap();
        fs::remove_file(&j.journal).unwrap();
        let r = write_carrier(&j, &medium, &guidang_core::NoProgress, &CancelFlag::new()).unwrap();
        assert_eq!((r.written, r.skipped, r.reverified), (1, 0, 2));
        assert_eq!(fs::read(medium.join("b.pdf")).unwrap(), b"pdf");
    }

    #[test]
    fn refuses_other_batches_carriers_and_foreign_files() {
        let t = tempfile::tempdir().unwrap();
        let mut j = job(t.path(), &[(README_FILE, README), ("a.zip", b"a")]);
        let medium = t.path().join("medium");
        write_carrier(&j, &medium, &guidang_core::NoProgress, &CancelFlag::new()).unwrap();
        j.carrier_no = 2;
        assert!(matches!(
            preflight(&j, &medium),
            Err(WriteError::OtherCarrier {
                found: 1,
                wanted: 2
            })
        ));
        j.carrier_no = 1;
        j.batch_no = "430124-20261121-02".into();
        let e = preflight(&j, &medium).unwrap_err();
        assert!(e.to_string().contains("430124-20261121-01"), "{e}");
        let other = t.path().join("other");
        fs::create_dir_all(other.join("System Volume Information")).unwrap();
        fs::write(other.join("System Volume Information/x"), b"").unwrap();
        fs::write(other.join("照片.jpg"), b"x").unwrap();
        match preflight(&j, &other) {
            Err(WriteError::ForeignFiles(v)) => assert_eq!(v, vec!["照片.jpg".to_string()]),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn source_damage_and_cancel_leave_nothing_under_a_final_name() {
        let t = tempfile::tempdir().unwrap();
        let j = job(t.path(), &[(README_FILE, README), ("a.zip", b"aaaa")]);
        fs::write(&j.files[1].src, b"aaab").unwrap();
        let medium = t.path().join("medium");
        let e =
            write_carrier(&j, &medium, &guidang_core::NoProgress, &CancelFlag::new()).unwrap_err();
        assert!(matches!(e, WriteError::SourceChanged(_)), "{e:?}");
        assert!(!medium.join("a.zip").exists());
        assert_eq!(walk(&medium).unwrap(), vec![README_FILE.to_string()]);
        let c = CancelFlag::new();
        c.cancel();
        let e = write_carrier(&j, &medium, &guidang_core::NoProgress, &c).unwrap_err();
        assert!(matches!(e, WriteError::Cancelled));
    }

    #[test]
    fn carrier_manifest_round_trips() {
        let m = CarrierManifest {
            format: CARRIER_FORMAT.into(),
            batch_no: "b".into(),
            batch_digest: "d".into(),
            digest_algo: "SM3".into(),
            carrier_no: 1,
            carriers: 2,
            packages: vec!["e".into()],
            files: vec![CarrierFile {
                path: "a".into(),
                size: 1,
                digest: "x".into(),
            }],
            total_bytes: 1,
        };
        assert_eq!(CarrierManifest::from_bytes(&m.to_bytes()).unwrap(), m);
        assert!(CarrierManifest::from_bytes(b"{}").is_err());
    }
}
