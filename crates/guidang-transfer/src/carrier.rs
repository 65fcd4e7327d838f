//! Reading a carrier that arrived on a medium. Everything on it is hostile
//! until its signature is checked, and the carrier manifest
//! (`载体清单.json`) is not signed at all, so:
//!
//! - a path named by a file on the medium is only opened after every
//!   component was checked: relative, no `..`/`.`/empty segment, no
//!   absolute or drive path, no backslash or control character, no symbolic
//!   link on the way, and the last component a regular file
//!   ([`open_regular`]); anything else is a [`PathProblem`], never an open;
//! - files are opened without following links and without blocking (a FIFO
//!   put where a file should be cannot hang the reader), and checked to be
//!   regular files again after opening;
//! - every read is bounded: a manifest by [`MAX_MANIFEST`], a file by its
//!   listed size (reading stops one byte past it);
//! - special files (FIFO, device, socket) anywhere on the carrier are
//!   listed by [`survey`] as such and never opened.
//!
//! [`audit`] compares a carrier with its manifest both ways — every listed
//! file present as a regular file with its size and digest, every file
//! present listed — and requires the description and catalogue files; an
//! empty carrier fails. Both `check --stage yj` and `intake open` use it.
//! This is written by hand because no library confines reads to a
//! directory tree on the platforms we ship (cap-std would, but it changes
//! every file API the crate uses; the checks here are few and tested).

use guidang_core::oserror::Os;
use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use guidang_core::DigestAlgo;
use serde::Serialize;

use crate::write::CarrierManifest;
use guidang_core::layout::{self, Layout};

/// Largest manifest (batch or carrier manifest, return file) read from a
/// medium: a batch of 10,000 packages needs about 10 MB.
pub const MAX_MANIFEST: u64 = 16 << 20;
/// Largest small file read from a medium (signatures, keyrings).
pub const MAX_SMALL: u64 = 1 << 20;

/// Files a carrier may hold that its manifest cannot list: the manifest
/// itself, the register (it prints the manifest's digest) and the return
/// file the receiving archive may add.
fn unlisted_ok(layout: Layout, rel: &str) -> bool {
    let f = layout.files();
    rel == f.carrier_manifest || rel == f.register || rel == f.return_file
}

/// What an entry on a carrier is (links are never followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file of this size.
    File(u64),
    /// A directory.
    Dir,
    /// A symbolic link.
    Link,
    /// A FIFO, device or socket (named).
    Special(&'static str),
}

fn kind_of(ft: std::fs::FileType, len: u64) -> Kind {
    if ft.is_symlink() {
        return Kind::Link;
    }
    if ft.is_dir() {
        return Kind::Dir;
    }
    if ft.is_file() {
        return Kind::File(len);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Kind::Special("命名管道（FIFO）");
        }
        if ft.is_socket() {
            return Kind::Special("套接字");
        }
        if ft.is_block_device() || ft.is_char_device() {
            return Kind::Special("设备文件");
        }
    }
    Kind::Special("特殊文件")
}

/// Why a path named on a medium is not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// Not a safe relative path (why).
    Unsafe(&'static str),
    /// Nothing there.
    Missing,
    /// A symbolic link at this component.
    Link(String),
    /// A component on the way is not a directory.
    NotDir(String),
    /// Not a regular file (what it is).
    NotRegular(&'static str),
    /// Larger than the bound.
    TooLarge {
        /// Its size.
        size: u64,
        /// The bound.
        max: u64,
    },
    /// Could not be read.
    Io(String),
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathProblem::Unsafe(why) => write!(f, "路径不安全（{why}），未打开"),
            PathProblem::Missing => f.write_str("文件不存在"),
            PathProblem::Link(c) => write!(f, "路径中的“{c}”是符号链接，未打开"),
            PathProblem::NotDir(c) => write!(f, "路径中的“{c}”不是文件夹"),
            PathProblem::NotRegular(k) => write!(f, "不是普通文件，而是{k}，未打开"),
            PathProblem::TooLarge { size, max } => {
                write!(f, "文件有 {size} 字节，超过允许的 {max} 字节，未读取")
            }
            PathProblem::Io(e) => write!(f, "无法读取：{e}"),
        }
    }
}

/// Checks the shape of a relative, `/`-separated path named on a medium.
pub fn check_rel(rel: &str) -> Result<(), PathProblem> {
    if rel.is_empty() {
        return Err(PathProblem::Unsafe("路径为空"));
    }
    if rel.starts_with('/') || rel.as_bytes().get(1) == Some(&b':') {
        return Err(PathProblem::Unsafe("是绝对路径"));
    }
    if rel.contains('\\') {
        return Err(PathProblem::Unsafe("含有反斜杠"));
    }
    if rel.chars().any(char::is_control) {
        return Err(PathProblem::Unsafe("含有控制字符"));
    }
    if rel
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(PathProblem::Unsafe(
            "含有“..”、“.”或空路径段，会指向载体以外",
        ));
    }
    Ok(())
}

/// Resolves `rel` under `root` component by component without following
/// any link; the result is a regular file, with its size.
pub fn resolve(root: &Path, rel: &str) -> Result<(PathBuf, u64), PathProblem> {
    check_rel(rel)?;
    let parts: Vec<&str> = rel.split('/').collect();
    let mut p = root.to_path_buf();
    for (i, c) in parts.iter().enumerate() {
        p.push(c);
        let m = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(PathProblem::Missing),
            Err(e) => return Err(PathProblem::Io(Os(&e).to_string())),
        };
        let k = kind_of(m.file_type(), m.len());
        let last = i + 1 == parts.len();
        match (k, last) {
            (Kind::Link, _) => return Err(PathProblem::Link(parts[..=i].join("/"))),
            (Kind::Dir, false) => {}
            (_, false) => return Err(PathProblem::NotDir(parts[..=i].join("/"))),
            (Kind::File(n), true) => return Ok((p, n)),
            (Kind::Dir, true) => return Err(PathProblem::NotRegular("文件夹")),
            (Kind::Special(s), true) => return Err(PathProblem::NotRegular(s)),
        }
    }
    unreachable!("a checked path has at least one component")
}

/// Opens a file named on a medium: resolved as [`resolve`] says, opened
/// without following a link and without blocking, and checked again to
/// be a regular file (a swap after the check is caught).
pub fn open_regular(root: &Path, rel: &str) -> Result<(File, u64), PathProblem> {
    let (p, _) = resolve(root, rel)?;
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = o
        .open(&p)
        .map_err(|e| PathProblem::Io(Os(&e).to_string()))?;
    let m = f
        .metadata()
        .map_err(|e| PathProblem::Io(Os(&e).to_string()))?;
    match kind_of(m.file_type(), m.len()) {
        Kind::File(n) => Ok((f, n)),
        Kind::Special(s) => Err(PathProblem::NotRegular(s)),
        _ => Err(PathProblem::NotRegular("文件夹")),
    }
}

/// Reads a whole file named on a medium, at most `max` bytes.
pub fn read_capped(root: &Path, rel: &str, max: u64) -> Result<Vec<u8>, PathProblem> {
    let (f, size) = open_regular(root, rel)?;
    if size > max {
        return Err(PathProblem::TooLarge { size, max });
    }
    let mut out = Vec::with_capacity(size as usize);
    f.take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| PathProblem::Io(Os(&e).to_string()))?;
    if out.len() as u64 > max {
        return Err(PathProblem::TooLarge {
            size: out.len() as u64,
            max,
        });
    }
    Ok(out)
}

/// Streams a file named on a medium through `algo`, reading at most one
/// byte more than `expected` (so a file that grew, or a device, cannot make
/// the read endless); returns (bytes read, digest).
pub fn digest_bounded(
    root: &Path,
    rel: &str,
    algo: DigestAlgo,
    expected: u64,
) -> Result<(u64, String), PathProblem> {
    let (f, _) = open_regular(root, rel)?;
    let mut h = algo.hasher();
    let mut r = f.take(expected.saturating_add(1));
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = r
            .read(&mut buf)
            .map_err(|e| PathProblem::Io(Os(&e).to_string()))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((n, h.finish_hex()))
}

/// Every entry below `root` (relative, `/`-separated, sorted) with its kind;
/// links are listed, never followed; directories are walked, not listed.
pub fn survey(root: &Path) -> io::Result<Vec<(String, Kind)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let p = e.path();
            let rel = guidang_core::fsutil::rel_path(&p, root);
            let m = std::fs::symlink_metadata(&p)?;
            match kind_of(m.file_type(), m.len()) {
                Kind::Dir => stack.push(p),
                k => out.push((rel, k)),
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The fields of a JSON document that its type does not know, as dotted
/// paths (`packages[3].extra`): `parsed` is the document parsed into its
/// type, whose serialisation names every known field. A `null` where the
/// type has no field is not counted (an absent optional field).
pub fn unknown_fields<T: Serialize>(bytes: &[u8], parsed: &T) -> Vec<String> {
    let (Ok(input), Ok(known)) = (
        serde_json::from_slice::<serde_json::Value>(bytes),
        serde_json::to_value(parsed),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk_unknown(&input, &known, String::new(), &mut out);
    out
}

fn walk_unknown(
    input: &serde_json::Value,
    known: &serde_json::Value,
    at: String,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (input, known) {
        (Value::Object(i), Value::Object(k)) => {
            for (key, v) in i {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match k.get(key) {
                    Some(kv) => walk_unknown(v, kv, path, out),
                    None if v.is_null() => {}
                    None => out.push(path),
                }
            }
        }
        (Value::Array(i), Value::Array(k)) => {
            for (n, (iv, kv)) in i.iter().zip(k).enumerate() {
                walk_unknown(iv, kv, format!("{at}[{n}]"), out);
            }
        }
        _ => {}
    }
}

/// What is wrong with a carrier, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// Nothing on the carrier.
    Empty,
    /// No `载体清单.json`: written last, so the carrier is incomplete.
    ManifestMissing,
    /// The carrier manifest cannot be read or parsed.
    ManifestUnreadable,
    /// The carrier manifest has fields its format does not define.
    UnknownFields,
    /// A listed path is not a safe relative path.
    PathUnsafe,
    /// A listed file is not there.
    ListedMissing,
    /// A listed file is not a regular file, or a link is on its way.
    NotRegular,
    /// A listed file has another size.
    SizeMismatch,
    /// A listed file has another digest.
    DigestMismatch,
    /// A file on the carrier is not listed.
    NotListed,
    /// A FIFO, device or socket on the carrier.
    SpecialFile,
    /// A symbolic link on the carrier.
    Link,
    /// `说明文件.TXT` or `文件目录.XML` missing.
    DescriptionMissing,
    /// An entry at the root other than the four the measures allow.
    RootEntry,
    /// Written in Guidang's old layout (its files at the root): readable,
    /// but not as the measures lay a carrier out.
    LegacyLayout,
}

impl ProblemCode {
    /// Whether the problem fails the carrier (all but the old layout,
    /// which is reported and accepted).
    pub fn fails(self) -> bool {
        self != ProblemCode::LegacyLayout
    }
}

/// One problem of a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable code.
    pub code: ProblemCode,
    /// The path on the carrier concerned, if any.
    pub entry: Option<String>,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
}

/// What [`audit`] found.
#[derive(Debug, Clone)]
pub struct CarrierAudit {
    /// The carrier manifest, when it could be read and parsed.
    pub manifest: Option<CarrierManifest>,
    /// Its digest (of its exact bytes, in its own algorithm).
    pub digest: Option<String>,
    /// Every problem.
    pub problems: Vec<Problem>,
    /// The carrier's layout (the current one when it has neither manifest).
    pub layout: Layout,
}

/// Compares a carrier with its manifest both ways. Packages (`.zip`
/// files under `电子档案/`) are checked for presence, kind and size only:
/// their digests are read once, by the package check, against the signed
/// batch manifest; every other listed file is read (bounded) and digested.
pub fn audit(root: &Path) -> io::Result<CarrierAudit> {
    let mut found = Found::default();
    let entries: Vec<(String, Kind)> = survey(root)?
        .into_iter()
        .filter(|(r, _)| !guidang_core::fsutil::is_volume_system_path(r))
        .collect();
    let present: HashMap<&str, Kind> = entries.iter().map(|(r, k)| (r.as_str(), *k)).collect();
    let layout = Layout::detect(|p| present.contains_key(p)).unwrap_or(Layout::Measures);
    let mut a = CarrierAudit {
        manifest: None,
        digest: None,
        problems: Vec::new(),
        layout,
    };
    if entries.is_empty() {
        found.add(
            ProblemCode::Empty,
            None,
            "载体是空的，没有任何移交内容：请确认选对了载体，或请移交方重新写入".into(),
        );
    } else {
        foreign_kinds(&entries, &mut found);
        root_shape(layout, &entries, &mut found);
        if let Some((m, digest, algo)) = read_manifest(root, layout, &mut found) {
            let listed = compare_listed(root, &m, algo, &mut found);
            for (rel, k) in &entries {
                if matches!(k, Kind::File(_))
                    && !unlisted_ok(layout, rel)
                    && !listed.contains(rel.as_str())
                {
                    found.add(
                        ProblemCode::NotListed,
                        Some(rel),
                        "载体上有载体清单没有列出的文件（不属于移交内容或被塞入）：请移交方移除后重新写入"
                            .into(),
                    );
                }
            }
            let files = layout.files();
            for need in [files.readme, files.catalogue] {
                if !listed.contains(need) || !matches!(present.get(need), Some(Kind::File(_))) {
                    found.add(
                        ProblemCode::DescriptionMissing,
                        Some(need),
                        format!("载体上缺少 {need}（每个载体都须有说明文件和目录文件）"),
                    );
                }
            }
            a.digest = Some(digest);
            a.manifest = Some(m);
        }
    }
    a.problems = found.0;
    Ok(a)
}

/// The problems an audit collects.
#[derive(Default)]
struct Found(Vec<Problem>);

impl Found {
    fn add(&mut self, code: ProblemCode, entry: Option<&str>, message: String) {
        self.0.push(Problem {
            code,
            entry: entry.map(str::to_string),
            message,
        });
    }
}

/// Special files and links anywhere on the carrier.
fn foreign_kinds(entries: &[(String, Kind)], found: &mut Found) {
    for (rel, k) in entries {
        match k {
            Kind::Special(s) => found.add(
                ProblemCode::SpecialFile,
                Some(rel),
                format!("载体上有{s}，不属于移交内容，未打开；请移交方移除后重新写入"),
            ),
            Kind::Link => found.add(
                ProblemCode::Link,
                Some(rel),
                "载体上有符号链接，不属于移交内容，未跟随；请移交方移除后重新写入".into(),
            ),
            _ => {}
        }
    }
}

/// The root: exactly the measures' four entries, or the old layout noted.
fn root_shape(layout: Layout, entries: &[(String, Kind)], found: &mut Found) {
    match layout {
        Layout::Legacy => found.add(
            ProblemCode::LegacyLayout,
            Some(layout.files().carrier_manifest),
            format!(
                "载体按{}写入，不是《电子档案移交与接收办法》规定的结构（根目录只有说明文件.TXT、文件目录.XML、电子档案、其他）；内容仍可检测和接收，今后请移交方用新版归档通重新写入",
                layout.label()
            ),
        ),
        Layout::Measures => {
            let mut roots: Vec<&str> = entries
                .iter()
                .map(|(r, _)| r.split('/').next().unwrap_or(""))
                .filter(|top| !layout::ROOT_ENTRIES.contains(top))
                .collect();
            roots.dedup();
            for top in roots {
                found.add(
                    ProblemCode::RootEntry,
                    Some(top),
                    format!("载体根目录只应有说明文件.TXT、文件目录.XML、电子档案、其他四项，“{top}”不属于移交内容；请移交方移除后重新写入"),
                );
            }
        }
    }
}

/// The carrier manifest (bounded), parsed, with its digest and algorithm;
/// `None` (with the problem noted) when it cannot be used.
fn read_manifest(
    root: &Path,
    layout: Layout,
    found: &mut Found,
) -> Option<(CarrierManifest, String, DigestAlgo)> {
    let carrier_file = layout.files().carrier_manifest;
    let bytes = match read_capped(root, carrier_file, MAX_MANIFEST) {
        Ok(b) => b,
        Err(PathProblem::Missing) => {
            found.add(
                ProblemCode::ManifestMissing,
                Some(carrier_file),
                format!("载体上没有载体清单 {carrier_file}（它最后写入）：载体没有写完整，请移交方重新写入"),
            );
            return None;
        }
        Err(e) => {
            found.add(
                ProblemCode::ManifestUnreadable,
                Some(carrier_file),
                format!("载体清单{e}"),
            );
            return None;
        }
    };
    let m = match CarrierManifest::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => {
            found.add(ProblemCode::ManifestUnreadable, Some(carrier_file), e);
            return None;
        }
    };
    let unknown = unknown_fields(&bytes, &m);
    if !unknown.is_empty() {
        found.add(
            ProblemCode::UnknownFields,
            Some(carrier_file),
            format!(
                "载体清单中有本格式没有定义的字段：{}；载体清单可能被改动",
                unknown.join("、")
            ),
        );
    }
    let Some(algo) = DigestAlgo::from_name(&m.digest_algo) else {
        found.add(
            ProblemCode::ManifestUnreadable,
            Some(carrier_file),
            format!("载体清单的摘要算法“{}”未知", m.digest_algo),
        );
        return None;
    };
    let digest = algo.hex(&bytes);
    Some((m, digest, algo))
}

/// Every file the manifest lists: there, a regular file, its size, and
/// (except packages, which the check reads) its digest. Returns the paths
/// listed.
fn compare_listed<'m>(
    root: &Path,
    m: &'m CarrierManifest,
    algo: DigestAlgo,
    found: &mut Found,
) -> BTreeSet<&'m str> {
    let mut listed = BTreeSet::new();
    for f in &m.files {
        listed.insert(f.path.as_str());
        let got = if layout::is_package_path(&f.path) {
            resolve(root, &f.path).map(|(_, n)| (n, None))
        } else {
            digest_bounded(root, &f.path, algo, f.size).map(|(n, d)| (n, Some(d)))
        };
        let at = Some(f.path.as_str());
        match got {
            Err(PathProblem::Unsafe(why)) => found.add(
                ProblemCode::PathUnsafe,
                at,
                format!("载体清单所列的路径不安全（{why}），未打开；载体清单可能被改动"),
            ),
            Err(PathProblem::Missing) => found.add(
                ProblemCode::ListedMissing,
                at,
                "载体清单所列的文件不在载体上".into(),
            ),
            Err(
                e @ (PathProblem::Link(_) | PathProblem::NotDir(_) | PathProblem::NotRegular(_)),
            ) => found.add(
                ProblemCode::NotRegular,
                at,
                format!("载体清单所列的文件{e}"),
            ),
            Err(e) => found.add(ProblemCode::ListedMissing, at, e.to_string()),
            Ok((n, _)) if n != f.size => found.add(
                ProblemCode::SizeMismatch,
                at,
                format!("大小应为 {} 字节（载体清单），实为 {n} 字节", f.size),
            ),
            Ok((_, Some(d))) if d != f.digest => found.add(
                ProblemCode::DigestMismatch,
                at,
                "内容与载体清单所记的摘要不符（被改动或损坏）".into(),
            ),
            Ok(_) => {}
        }
    }
    listed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused_before_any_open() {
        for p in [
            "/etc/passwd",
            "../x",
            "a/../../b",
            "a//b",
            "./a",
            "C:/x",
            "a\\b",
            "",
        ] {
            assert!(matches!(check_rel(p), Err(PathProblem::Unsafe(_))), "{p}");
        }
        assert!(check_rel("电子档案/2025/a.zip").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_devices_are_never_opened() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir(r.join("sub")).unwrap();
        std::fs::write(r.join("sub/ok.txt"), b"ok").unwrap();
        std::os::unix::fs::symlink("/dev/zero", r.join("zero")).unwrap();
        std::os::unix::fs::symlink(r.join("sub"), r.join("via")).unwrap();
        let fifo = std::ffi::CString::new(r.join("fifo").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        assert_eq!(read_capped(r, "sub/ok.txt", 10).unwrap(), b"ok");
        assert!(matches!(
            read_capped(r, "zero", 10),
            Err(PathProblem::Link(_))
        ));
        assert!(matches!(
            read_capped(r, "via/ok.txt", 10),
            Err(PathProblem::Link(_))
        ));
        assert!(matches!(
            read_capped(r, "fifo", 10),
            Err(PathProblem::NotRegular(_))
        ));
        assert!(matches!(
            read_capped(r, "sub/ok.txt", 1),
            Err(PathProblem::TooLarge { .. })
        ));
        let kinds: Vec<Kind> = survey(r).unwrap().into_iter().map(|(_, k)| k).collect();
        assert!(kinds.iter().any(|k| matches!(k, Kind::Special(_))));
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Link).count(), 2);
    }

    #[test]
    fn unknown_fields_are_named_with_their_path() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Inner {
            a: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<u32>,
        }
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Outer {
            items: Vec<Inner>,
        }
        let bytes = br#"{"items":[{"a":1,"b":null},{"a":2,"evil":"x"}],"top":1}"#;
        let parsed: Outer = serde_json::from_slice(bytes).unwrap();
        assert_eq!(
            unknown_fields(bytes, &parsed),
            vec!["items[1].evil".to_string(), "top".to_string()]
        );
    }
}
