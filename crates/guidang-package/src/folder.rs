//! Packages as folders: the unpacked layout (`--layout unpacked`) that the
//! measures for the transfer to a comprehensive archive ask for, records
//! uncompressed. A folder `{电子文件号}/` holds exactly the entries of the
//! package's ZIP as files — `元数据.xml`, `固化信息.xml` and the materials
//! under `{类别}材料/` — and the seal verifies from the folder as from the
//! ZIP: the same fixity, signature, trust and metadata checks
//! ([`crate::verify::finish_checks`]), reported with the same codes, plus
//! the problems only a folder can have (links, FIFOs and devices, names
//! that are not UTF-8, too many files).
//!
//! A folder arriving on a medium is hostile: the walk never follows a link,
//! is bounded in files and depth, and opens only regular files, without
//! following a last-component link and without blocking on a FIFO; every
//! byte is read once (the small metadata and seal twice).
//!
//! [`unpack_package`] writes a sealed ZIP's entries as such a folder (the
//! hall stages its carriers with it), checking every entry against the
//! seal while writing.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use guidang_core::oserror::Os;
use guidang_core::{CancelFlag, DigestAlgo};

use crate::codes::Code;
use crate::reader::{read_index, read_small, sequential, stream_entry};
use crate::seal::Seal;
use crate::verify::{
    finish_checks, Acc, Actual, Checked, EntryProbe, Keyring, PackageForm, VerifyReport, MAX_ENTRY,
    PROBE_FULL,
};
use crate::{PackageError, METADATA_ENTRY, SEAL_ENTRY};

/// Most files (and folders) a package folder may hold.
pub const MAX_FILES: usize = 100_000;
/// Deepest nesting below the package folder.
pub const MAX_DEPTH: usize = 16;
/// Largest metadata or seal file accepted.
const MAX_XML: u64 = 16 << 20;
const CHUNK: usize = 256 * 1024;

/// What the walk found at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    File(u64),
    Link,
    Special,
    /// A name that is not UTF-8 (shown lossily) or unsafe elsewhere.
    BadName(String),
}

/// Every entry below `root` (relative, `/`-separated, sorted), without
/// following links; `Err(n)` when there are more than [`MAX_FILES`] or the
/// nesting is deeper than [`MAX_DEPTH`].
fn walk(root: &Path) -> io::Result<Result<Vec<(String, Kind)>, usize>> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, prefix, depth)) = stack.pop() {
        for e in fs::read_dir(&dir)? {
            let e = e?;
            seen += 1;
            if seen > MAX_FILES || depth >= MAX_DEPTH {
                return Ok(Err(seen));
            }
            let name = e.file_name();
            let t = e.file_type()?;
            let Some(n) = name.to_str().filter(|n| name_ok(n)) else {
                let lossy = format!("{prefix}{}", name.to_string_lossy());
                out.push((lossy.clone(), Kind::BadName(lossy)));
                continue;
            };
            let rel = format!("{prefix}{n}");
            if t.is_dir() {
                stack.push((e.path(), format!("{rel}/"), depth + 1));
            } else if t.is_file() {
                out.push((rel, Kind::File(e.metadata()?.len())));
            } else if t.is_symlink() {
                out.push((rel, Kind::Link));
            } else {
                out.push((rel, Kind::Special));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Ok(out))
}

/// A name that every file system and ZIP tool keeps as it is.
fn name_ok(n: &str) -> bool {
    !n.is_empty() && !n.contains('\\') && !n.chars().any(char::is_control)
}

/// Opens a regular file of the folder: no link as the last component, no
/// blocking on a FIFO put there after the walk, a regular file or nothing.
fn open_regular(p: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = o.open(p)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "不是普通文件"));
    }
    Ok(f)
}

/// Reads a whole small file, at most `max` bytes.
fn read_capped(p: &Path, max: u64) -> Result<Vec<u8>, String> {
    let f = open_regular(p).map_err(|e| format!("无法读取：{}", Os(&e)))?;
    let mut v = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut v)
        .map_err(|e| format!("无法读取：{}", Os(&e)))?;
    if v.len() as u64 > max {
        return Err(format!("文件超过 {} MiB，不是有效的包文件", max >> 20));
    }
    Ok(v)
}

/// Verifies a package folder; see the module documentation. `algo` is the
/// fallback digest when the seal cannot be read.
pub fn verify_folder(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> VerifyReport {
    verify_inner(path, keyring, algo, cancel, false)
}

/// Like [`verify_folder`], also capturing [`EntryProbe`]s for format checks.
pub fn verify_folder_probed(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> VerifyReport {
    verify_inner(path, keyring, algo, cancel, true)
}

fn verify_inner(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    cancel: &CancelFlag,
    probe: bool,
) -> VerifyReport {
    let mut rep = VerifyReport::empty(path, PackageForm::Folder, algo);
    let mut acc = Acc::default();
    run(path, keyring, algo, (cancel, probe), &mut rep, &mut acc);
    rep.findings = acc.finish();
    rep
}

/// The phases: the folder → the walk (links, special files, names,
/// bounds) → metadata and seal → one pass over every file → the checks the
/// ZIP form shares.
fn run(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    (cancel, probe): (&CancelFlag, bool),
    rep: &mut VerifyReport,
    acc: &mut Acc,
) {
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        acc.add(
            Code::PackageUnreadable,
            None,
            "不是文件夹（或是指向别处的链接），不能作为解包形式的归档信息包读取",
        );
        return;
    }
    let entries = match walk(path) {
        Ok(Ok(e)) => e,
        Ok(Err(n)) => {
            acc.add(
                Code::FolderTooLarge,
                None,
                format!(
                    "包文件夹中的文件超过 {MAX_FILES} 个或层级超过 {MAX_DEPTH} 层（已数到 {n} 项），不是正常的归档信息包，未继续读取"
                ),
            );
            return;
        }
        Err(e) => {
            acc.add(
                Code::PackageUnreadable,
                None,
                format!("无法读取包文件夹：{}", Os(&e)),
            );
            return;
        }
    };
    let mut files: Vec<(&str, u64)> = Vec::new();
    for (rel, k) in &entries {
        match k {
            Kind::File(n) => files.push((rel, *n)),
            Kind::Link => acc.add(
                Code::FolderLink,
                Some(rel),
                "包文件夹中有符号链接，可能指向包外；未跟随，归档信息包中不允许",
            ),
            Kind::Special => acc.add(
                Code::FolderSpecial,
                Some(rel),
                "包文件夹中有管道、设备或套接字等特殊文件；未打开，归档信息包中不允许",
            ),
            Kind::BadName(shown) => acc.add(
                Code::FolderNameUnsafe,
                Some(shown),
                "文件名不是 UTF-8 编码，或含有反斜杠、控制字符，在其他电脑上会显示为乱码或无法复制；请用规范的文件名重新写出",
            ),
        }
    }
    rep.size = files.iter().map(|(_, n)| n).sum();
    let has = |name: &str| files.iter().any(|(r, _)| *r == name);
    let (metadata, seal) = read_metadata_and_seal(path, &has, rep, acc);
    rep.efile_no = metadata.as_ref().map(|m| m.case.efile_no.clone());
    let entry_algo = seal.as_ref().map(|s| s.digest_algo()).unwrap_or(algo);
    rep.digest_algo = entry_algo.name().into();
    let mut actual: Actual = BTreeMap::new();
    for (rel, size) in files.iter().filter(|(r, _)| *r != SEAL_ENTRY) {
        if cancel.is_cancelled() {
            acc.add(Code::CheckCancelled, None, "检测已取消，结果不完整");
            return;
        }
        let mut p = EntryProbe {
            name: rel.to_string(),
            full: (*size <= PROBE_FULL).then(Vec::new),
            ..Default::default()
        };
        match hash_file(&path.join(rel), entry_algo, cancel, |b| {
            if probe {
                p.feed(b)
            }
        }) {
            Ok(d) => {
                actual.insert(rel.to_string(), d);
                if probe {
                    rep.probes.push(p);
                }
            }
            Err(m) => acc.add(Code::EntryData, Some(rel), m),
        }
    }
    let names: HashSet<&str> = entries.iter().map(|(r, _)| r.as_str()).collect();
    let stem = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    finish_checks(
        Checked {
            metadata,
            seal,
            names: &names,
            actual: &actual,
            algo: entry_algo,
            form: PackageForm::Folder,
            stem: &stem,
        },
        files.iter().map(|(r, _)| *r),
        keyring,
        rep,
        acc,
    );
}

/// `元数据.xml` and `固化信息.xml`, read (bounded) and parsed before the
/// pass over every file, as for a ZIP; the seal's digest goes into the
/// report.
fn read_metadata_and_seal(
    path: &Path,
    has: &dyn Fn(&str) -> bool,
    rep: &mut VerifyReport,
    acc: &mut Acc,
) -> (Option<crate::metadata::Metadata>, Option<Seal>) {
    let mut read = |name: &str| has(name).then(|| read_capped(&path.join(name), MAX_XML));
    let (metadata, seal) = crate::shared::metadata_and_seal(&mut read, &|_| false, acc);
    let seal = seal.map(|(s, d)| {
        rep.seal_digest = Some(d);
        s
    });
    (metadata, seal)
}

/// Reads one file once, hashing it and feeding `sink`; bounded by
/// [`MAX_ENTRY`]. The size and digest read, or why not.
fn hash_file(
    p: &Path,
    algo: DigestAlgo,
    cancel: &CancelFlag,
    mut sink: impl FnMut(&[u8]),
) -> Result<(u64, String), String> {
    let mut f = open_regular(p).map_err(|e| format!("无法读取：{}", Os(&e)))?;
    let mut h = algo.hasher();
    let mut buf = vec![0u8; CHUNK];
    let mut n = 0u64;
    loop {
        if cancel.is_cancelled() {
            return Err("检测已取消".into());
        }
        let k = f
            .read(&mut buf)
            .map_err(|e| format!("读取中断：{}", Os(&e)))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        if n > MAX_ENTRY {
            return Err(format!("文件超过 {} GiB，未读完", MAX_ENTRY >> 30));
        }
        h.update(&buf[..k]);
        sink(&buf[..k]);
    }
    Ok((n, h.finish_hex()))
}

/// One file written by [`unpack_package`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedFile {
    /// Path inside the package (`证据性材料/申请书.pdf`).
    pub name: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Bytes.
    pub size: u64,
    /// Digest with the seal's algorithm.
    pub digest: String,
}

/// Writes the entries of the sealed package `zip` as files below `out` (a
/// folder that should not exist yet), in the package's order, each
/// through a temporary name, fsynced, and checked against the seal while
/// written (the seal itself is written as its bytes are). A package that
/// does not verify (a missing, unsealed, unsafe or altered entry) is
/// refused and nothing of it is left under `out`.
pub fn unpack_package(
    zip: &Path,
    out: &Path,
    cancel: &CancelFlag,
) -> Result<Vec<UnpackedFile>, PackageError> {
    let io_at = |p: &Path| {
        let p = p.to_path_buf();
        move |source| PackageError::Io { path: p, source }
    };
    let bad = |why: String| PackageError::Zip(format!("{}：{why}", zip.display()));
    let mut f = File::open(zip).map_err(io_at(zip))?;
    let index = read_index(&mut f).map_err(|e| bad(e.to_string()))?;
    let seal_entry = index
        .entries
        .iter()
        .find(|e| e.name == SEAL_ENTRY)
        .ok_or_else(|| bad("包中没有固化信息.xml".into()))?;
    let seal_bytes = read_small(&f, seal_entry, MAX_XML).map_err(|p| bad(p.to_string()))?;
    let seal = Seal::parse(&seal_bytes).map_err(|v| bad(v.join("；")))?;
    let algo = seal.digest_algo();
    if let Some(e) = index.entries.iter().find(|e| e.name_problem().is_some()) {
        return Err(bad(format!("条目名“{}”不安全", e.name)));
    }
    let result = (|| {
        let mut seq = sequential(f.try_clone().map_err(io_at(zip))?, None).map_err(io_at(zip))?;
        let mut written = Vec::new();
        let mut entries: Vec<_> = index.entries.iter().collect();
        entries.sort_by_key(|e| e.local_header_offset);
        for e in entries {
            if cancel.is_cancelled() {
                return Err(PackageError::Cancelled);
            }
            let to = out.join(&e.name);
            let dir = to.parent().expect("below out");
            fs::create_dir_all(dir).map_err(io_at(dir))?;
            let tmp = dir.join(format!(
                ".{}.part",
                e.name.rsplit('/').next().unwrap_or("f")
            ));
            let mut w = File::create(&tmp).map_err(io_at(&tmp))?;
            let mut h = algo.hasher();
            let mut failed: Option<io::Error> = None;
            let n = stream_entry(&mut seq, e, |b| {
                h.update(b);
                if failed.is_none() {
                    failed = w.write_all(b).err();
                }
            })
            .map_err(|p| bad(format!("{}：{p}", e.name)))?;
            if let Some(source) = failed {
                return Err(PackageError::Io { path: tmp, source });
            }
            let digest = h.finish_hex();
            if e.name != SEAL_ENTRY {
                let sealed = seal.entries.iter().find(|s| s.path == e.name);
                if sealed.is_none_or(|s| s.digest != digest || s.size != n) {
                    return Err(bad(format!("条目“{}”与固化信息不符", e.name)));
                }
            }
            w.sync_all().map_err(io_at(&tmp))?;
            drop(w);
            fs::rename(&tmp, &to).map_err(io_at(&to))?;
            written.push(UnpackedFile {
                name: e.name.clone(),
                path: to,
                size: n,
                digest,
            });
        }
        for s in &seal.entries {
            if !written.iter().any(|w| w.name == s.path) {
                return Err(bad(format!("固化信息登记的“{}”不在包中", s.path)));
            }
        }
        for d in written.iter().filter_map(|w| w.path.parent()) {
            guidang_core::fsutil::sync_dir(d).map_err(io_at(d))?;
        }
        Ok(written)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(out);
    }
    result
}

/// The digest of a package's `固化信息.xml` with its suite's algorithm, as
/// the batch manifest records it for each package. Reads only the seal.
pub fn seal_digest(zip: &Path) -> Result<String, PackageError> {
    let bad = |why: String| PackageError::Zip(format!("{}：{why}", zip.display()));
    let mut f = File::open(zip).map_err(|source| PackageError::Io {
        path: zip.to_path_buf(),
        source,
    })?;
    let index = read_index(&mut f).map_err(|e| bad(e.to_string()))?;
    let e = index
        .entries
        .iter()
        .find(|e| e.name == SEAL_ENTRY)
        .ok_or_else(|| bad("包中没有固化信息.xml".into()))?;
    let b = read_small(&f, e, MAX_XML).map_err(|p| bad(p.to_string()))?;
    let s = Seal::parse(&b).map_err(|v| bad(v.join("；")))?;
    Ok(s.digest_algo().hex(&b))
}

/// Verifies a package in either form: a folder as [`verify_folder_probed`],
/// anything else as a ZIP ([`crate::verify_package_probed`]).
pub fn verify_any_probed(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> VerifyReport {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        verify_folder_probed(path, keyring, algo, cancel)
    } else {
        crate::verify_package_probed(path, keyring, algo, cancel)
    }
}

/// Whether `dir` (a real folder, not a link) is a package folder: it holds
/// `固化信息.xml` or `元数据.xml` directly.
pub fn is_package_folder(dir: &Path) -> bool {
    fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && [SEAL_ENTRY, METADATA_ENTRY]
            .iter()
            .any(|n| fs::symlink_metadata(dir.join(n)).is_ok())
}

/// The whole content of entry `name` of the package at `path` (a ZIP, or a
/// package folder), at most `max` bytes: for the checks that must open a
/// large entry whole after the verification pass (a PDF's structure needs
/// random access). Read again, so bounded and confined like the pass.
pub fn read_entry(path: &Path, name: &str, max: u64) -> Result<Vec<u8>, String> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        if name
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err("条目名不安全".into());
        }
        return read_capped(&path.join(name), max);
    }
    let mut f = File::open(path).map_err(|e| format!("无法读取：{}", Os(&e)))?;
    let index = read_index(&mut f).map_err(|e| e.to_string())?;
    let e = index
        .entries
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| "包中没有该条目".to_string())?;
    read_small(&f, e, max).map_err(|p| p.to_string())
}
