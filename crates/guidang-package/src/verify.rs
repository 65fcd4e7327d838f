//! Verifying a package: structure, then completeness, then fixity, then the
//! seal's signature and the signer's trust — every problem collected with the
//! entry it concerns (in the manner of bagit's `Bag.validate`).
//!
//! The archive is read in one sequential pass (after reading the small
//! metadata and seal entries), so every byte is read once: the whole-package
//! digest and each entry's digest are computed together. Nothing is
//! extracted to disk.

use guidang_core::oserror::Os;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use guidang_core::{CancelFlag, DigestAlgo, Suite};
use serde::Serialize;

use crate::codes::Code;
use crate::layout;
use crate::metadata::Metadata;
use crate::reader::{self, read_index, read_small, sequential, stream_entry, Entry, Index};
use crate::seal::Seal;
pub(crate) use crate::shared::{finish_checks, Checked};
use crate::SEAL_ENTRY;

/// Largest metadata or seal entry accepted.
const MAX_XML: u64 = 16 << 20;
/// Compression ratio beyond which an entry is treated as a bomb.
pub const MAX_RATIO: u64 = 100;
/// Entries smaller than this are never treated as bombs (tiny XML compresses well).
const RATIO_FLOOR: u64 = 1 << 20;
/// Largest entry accepted at all.
pub const MAX_ENTRY: u64 = 64 << 30;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Finding {
    /// Stable code (`zip.name_unsafe`, `entry.digest`, `seal.signature`, …).
    pub code: Code,
    /// The entry concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
}

/// A key trusted to seal packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TrustedKey {
    /// Operator name.
    pub operator: String,
    /// Unit name.
    pub unit: String,
    /// Suite.
    pub suite: Suite,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
}

/// The keys a verifier trusts.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Keyring {
    /// Trusted keys.
    pub keys: Vec<TrustedKey>,
}

impl Keyring {
    /// The trusted key with this fingerprint and public key.
    pub fn find(&self, fingerprint: &str, public_key: &str) -> Option<&TrustedKey> {
        self.keys
            .iter()
            .find(|k| k.fingerprint == fingerprint && k.public_key.eq_ignore_ascii_case(public_key))
    }
}

/// The signer as found in the seal.
#[derive(Debug, Clone, Serialize)]
pub struct SignerInfo {
    /// Operator name.
    pub operator: String,
    /// Unit.
    pub unit: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Sealing time.
    pub sealed_at: String,
    /// Whether the key is in the keyring.
    pub trusted: bool,
}

/// Bytes of one entry kept for format checks, captured during the single
/// verification pass: the first and last 64 KiB, and the whole entry when it
/// is at most [`PROBE_FULL`] bytes.
#[derive(Debug, Clone, Default)]
pub struct EntryProbe {
    /// Entry name.
    pub name: String,
    /// Bytes read.
    pub size: u64,
    /// First bytes.
    pub head: Vec<u8>,
    /// Last bytes.
    pub tail: Vec<u8>,
    /// The whole content, for small entries.
    pub full: Option<Vec<u8>>,
}

/// Head and tail length kept by probes.
pub const PROBE_EDGE: usize = 64 * 1024;
/// Entries up to this size are kept whole by probes.
pub const PROBE_FULL: u64 = 8 << 20;

impl EntryProbe {
    /// The probe the verification pass would capture of an entry whose
    /// whole content is `bytes` (collection, which has the file at hand,
    /// and tests build theirs so).
    pub fn of(name: &str, bytes: &[u8]) -> EntryProbe {
        let mut p = EntryProbe {
            name: name.to_string(),
            full: Some(Vec::new()),
            ..Default::default()
        };
        p.feed(bytes);
        p
    }

    pub(crate) fn feed(&mut self, b: &[u8]) {
        self.size += b.len() as u64;
        if self.head.len() < PROBE_EDGE {
            let n = (PROBE_EDGE - self.head.len()).min(b.len());
            self.head.extend_from_slice(&b[..n]);
        }
        if b.len() >= PROBE_EDGE {
            self.tail.clear();
            self.tail.extend_from_slice(&b[b.len() - PROBE_EDGE..]);
        } else {
            self.tail.extend_from_slice(b);
            if self.tail.len() > PROBE_EDGE {
                let cut = self.tail.len() - PROBE_EDGE;
                self.tail.drain(..cut);
            }
        }
        match &mut self.full {
            Some(f) if self.size <= PROBE_FULL => f.extend_from_slice(b),
            Some(_) => self.full = None,
            None => {}
        }
    }
}

/// The form a package comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageForm {
    /// One ZIP file, `{电子文件号}.zip`.
    Zip,
    /// A folder `{电子文件号}/` holding the same entries as files (the
    /// unpacked layout for comprehensive archives).
    Folder,
}

/// Result of verifying one package.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The file (or folder).
    pub package: PathBuf,
    /// ZIP or folder.
    pub form: PackageForm,
    /// 电子文件号 from the metadata, when readable.
    pub efile_no: Option<String>,
    /// Digest of the whole file (algorithm of `digest_algo`).
    pub package_digest: Option<String>,
    /// Algorithm of `package_digest`.
    pub digest_algo: String,
    /// Digest of the `固化信息.xml` bytes (same algorithm), when it could
    /// be read: what ties a folder package to the batch manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal_digest: Option<String>,
    /// Bytes (a folder: the sum of its files).
    pub size: u64,
    /// Signer.
    pub signer: Option<SignerInfo>,
    /// Parsed metadata (for callers that check more, like the DA/T 70 engine).
    #[serde(skip)]
    pub metadata: Option<Metadata>,
    /// Every problem.
    pub findings: Vec<Finding>,
    /// Captured entry bytes, when asked for ([`verify_package_probed`]).
    #[serde(skip)]
    pub probes: Vec<EntryProbe>,
}

impl VerifyReport {
    /// Whether no problem was found.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Findings of one kind listed one by one, at most; beyond that they are
/// counted and summed up in one finding, so that a hostile package of tens
/// of thousands of bad entries gives a readable report in bounded memory.
pub const MAX_LISTED: usize = 100;

/// The findings being collected.
#[derive(Default)]
pub(crate) struct Acc {
    listed: Vec<Finding>,
    seen: HashSet<Finding>,
    per_code: HashMap<Code, usize>,
    more: BTreeMap<Code, usize>,
}

impl Acc {
    /// Adds a finding; the same finding twice (an entry read for its
    /// content and again in the sequential pass) is listed once.
    pub(crate) fn add(&mut self, code: Code, entry: Option<&str>, message: impl Into<String>) {
        let f = Finding {
            code,
            entry: entry.map(str::to_string),
            message: message.into(),
        };
        if self.seen.contains(&f) {
            return;
        }
        let n = self.per_code.entry(code).or_default();
        if *n >= MAX_LISTED {
            *self.more.entry(code).or_default() += 1;
            return;
        }
        *n += 1;
        self.seen.insert(f.clone());
        self.listed.push(f);
    }

    /// Every finding listed, then one summary per kind with more.
    pub(crate) fn finish(mut self) -> Vec<Finding> {
        for (code, n) in self.more {
            self.listed.push(Finding {
                code,
                entry: None,
                message: format!("另有 {n} 处同类问题（{code}），每类最多逐一列出 {MAX_LISTED} 处"),
            });
        }
        self.listed
    }
}

/// Verifies a package. Entry and whole-file digests use the seal's suite;
/// `algo` is the fallback when the seal is missing or unreadable.
pub fn verify_package(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> VerifyReport {
    verify_inner(path, keyring, algo, cancel, false)
}

/// Like [`verify_package`], also capturing [`EntryProbe`]s of every
/// readable entry (except the seal) for format checks.
pub fn verify_package_probed(
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
    let mut rep = VerifyReport::empty(path, PackageForm::Zip, algo);
    let mut acc = Acc::default();
    run(path, keyring, algo, cancel, probe, &mut rep, &mut acc);
    rep.findings = acc.finish();
    rep
}

impl VerifyReport {
    pub(crate) fn empty(path: &Path, form: PackageForm, algo: DigestAlgo) -> VerifyReport {
        VerifyReport {
            package: path.to_path_buf(),
            form,
            efile_no: None,
            package_digest: None,
            digest_algo: algo.name().into(),
            seal_digest: None,
            size: 0,
            signer: None,
            metadata: None,
            findings: Vec::new(),
            probes: Vec::new(),
        }
    }
}

/// The phases of a verification, bagit-style, each reporting into `acc`:
/// open → layout → structure → metadata and seal → one sequential pass →
/// fixity against the seal → the seal's signature and trust → metadata
/// against content and names.
fn run(
    path: &Path,
    keyring: &Keyring,
    algo: DigestAlgo,
    cancel: &CancelFlag,
    probe: bool,
    rep: &mut VerifyReport,
    acc: &mut Acc,
) {
    let Some((f, index)) = open(path, acc) else {
        return;
    };
    rep.size = index.len;
    let Some(lying) = check_layout(&f, &index, acc) else {
        return;
    };
    let (readable, dup) = check_structure(&index, acc);
    let (metadata, seal) = read_metadata_and_seal(&f, &readable, &dup, acc);
    let seal = seal.map(|(s, d)| {
        rep.seal_digest = Some(d);
        s
    });
    rep.efile_no = metadata.as_ref().map(|m| m.case.efile_no.clone());
    // The seal names the suite; without a readable seal, the caller's.
    let entry_algo = seal.as_ref().map(|s| s.digest_algo()).unwrap_or(algo);
    rep.digest_algo = entry_algo.name().into();
    let pass = Pass {
        readable: &readable,
        lying: &lying,
        algo: entry_algo,
        cancel,
        probe,
    };
    let actual = sequential_pass(&f, &pass, rep, acc);
    let names: HashSet<&str> = index.entries.iter().map(|e| e.name.as_str()).collect();
    let to_seal = index
        .entries
        .iter()
        .filter(|e| e.name_problem().is_none())
        .map(|e| e.name.as_str());
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    finish_checks(
        Checked {
            metadata,
            seal,
            names: &names,
            actual: &actual,
            algo: entry_algo,
            form: PackageForm::Zip,
            stem: &stem,
        },
        to_seal,
        keyring,
        rep,
        acc,
    );
}

/// The digest and size of each entry read, by name.
pub(crate) type Actual = BTreeMap<String, (u64, String)>;

/// Opens the file and reads its central directory.
fn open(path: &Path, acc: &mut Acc) -> Option<(File, Index)> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            acc.add(
                Code::PackageUnreadable,
                None,
                format!("无法打开归档信息包：{}", Os(&e)),
            );
            return None;
        }
    };
    let index = match read_index(&mut f) {
        Ok(i) => i,
        Err(m) => {
            acc.add(
                Code::ZipUnreadable,
                None,
                format!("不是有效的 ZIP 文件：{m}"),
            );
            return None;
        }
    };
    Some((f, index))
}

/// Local headers against the directory, every byte accounted for. Returns
/// the entries whose local header lies or that overlap others: reported
/// here once, the sequential pass stays quiet about them.
fn check_layout(f: &File, index: &Index, acc: &mut Acc) -> Option<HashSet<String>> {
    let mut lying: HashSet<String> = HashSet::new();
    match layout::layout(f, index) {
        Ok(problems) => {
            for p in problems {
                if let Some(e) = &p.entry {
                    if matches!(p.code, Code::ZipLocalMismatch | Code::ZipOverlap) {
                        lying.insert(e.clone());
                    }
                }
                acc.add(p.code, p.entry.as_deref(), p.message);
            }
        }
        Err(e) => {
            acc.add(
                Code::PackageUnreadable,
                None,
                format!("读取包时出错：{}", Os(&e)),
            );
            return None;
        }
    }
    Some(lying)
}

/// Every entry's name, type, method, encryption and ratio: the entries
/// that may be read, and the duplicated names (none of whose copies is
/// read: which one is genuine is undecidable).
fn check_structure<'a>(index: &'a Index, acc: &mut Acc) -> (Vec<&'a Entry>, HashSet<&'a str>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut readable: Vec<&Entry> = Vec::new();
    for e in &index.entries {
        let n = e.name.as_str();
        *seen.entry(n).or_default() += 1;
        if seen[n] == 2 {
            acc.add(
                Code::ZipDuplicate,
                Some(n),
                "同名条目出现多次，解压时会相互覆盖；无法确定哪一个是真实内容",
            );
            continue;
        } else if seen[n] > 2 {
            continue;
        }
        if let Some(why) = e.name_problem() {
            acc.add(Code::ZipNameUnsafe, Some(n), why);
            continue;
        }
        if e.is_symlink() {
            acc.add(
                Code::ZipSymlink,
                Some(n),
                "条目是符号链接，解压时可能指向包外；归档信息包中不允许",
            );
            continue;
        }
        if e.is_dir() {
            acc.add(
                Code::ZipDirectoryEntry,
                Some(n),
                "包含目录条目；本格式的包中只应有文件条目",
            );
            continue;
        }
        if e.is_encrypted() {
            acc.add(
                Code::ZipEncrypted,
                Some(n),
                "条目已加密；按规定归档文件须解密后归档",
            );
            continue;
        }
        if e.method != reader::STORED && e.method != reader::DEFLATED {
            acc.add(
                Code::ZipMethod,
                Some(n),
                format!(
                    "使用了非标准的压缩方法（{}），只接受存储（0）和 Deflate（8）",
                    e.method
                ),
            );
            continue;
        }
        let ratio_bomb = e.uncompressed_size > RATIO_FLOOR
            && e.uncompressed_size / e.compressed_size.max(1) > MAX_RATIO;
        if ratio_bomb || e.uncompressed_size > MAX_ENTRY {
            acc.add(
                Code::ZipBomb,
                Some(n),
                format!(
                    "压缩比异常（{} 字节压缩为 {} 字节），疑似压缩炸弹，未解压",
                    e.uncompressed_size, e.compressed_size
                ),
            );
            continue;
        }
        readable.push(e);
    }
    // Duplicates are not read at all: which copy is genuine is undecidable.
    let dup: HashSet<&str> = seen
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(n, _)| *n)
        .collect();
    readable.retain(|e| !dup.contains(&e.name.as_str()));
    (readable, dup)
}

/// The metadata and the seal, small, read before the sequential pass.
fn read_metadata_and_seal(
    f: &File,
    readable: &[&Entry],
    dup: &HashSet<&str>,
    acc: &mut Acc,
) -> (Option<Metadata>, Option<(Seal, String)>) {
    let mut read = |name: &str| {
        readable
            .iter()
            .find(|e| e.name == name)
            .map(|e| read_small(f, e, MAX_XML).map_err(|p| p.to_string()))
    };
    crate::shared::metadata_and_seal(&mut read, &|n| dup.contains(n), acc)
}

/// What the sequential pass reads and how.
struct Pass<'a> {
    readable: &'a [&'a Entry],
    lying: &'a HashSet<String>,
    algo: DigestAlgo,
    cancel: &'a CancelFlag,
    probe: bool,
}

/// One sequential pass over the file: the whole-file digest and every
/// entry's digest (and probes) together, each byte read once.
fn sequential_pass(f: &File, pass: &Pass, rep: &mut VerifyReport, acc: &mut Acc) -> Actual {
    let (readable, lying, entry_algo, cancel, probe) = (
        pass.readable,
        pass.lying,
        pass.algo,
        pass.cancel,
        pass.probe,
    );
    let mut order: Vec<&Entry> = readable
        .iter()
        .copied()
        .filter(|e| e.name != SEAL_ENTRY)
        .collect();
    order.sort_by_key(|e| e.local_header_offset);
    let mut actual: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut seq = match f.try_clone().and_then(|g| sequential(g, Some(entry_algo))) {
        Ok(s) => s,
        Err(e) => {
            acc.add(
                Code::PackageUnreadable,
                None,
                format!("无法读取：{}", Os(&e)),
            );
            return actual;
        }
    };
    for e in order {
        if cancel.is_cancelled() {
            acc.add(Code::CheckCancelled, None, "检测已取消，结果不完整");
            return actual;
        }
        if e.local_header_offset < seq.pos {
            if !lying.contains(e.name.as_str()) {
                acc.add(
                    Code::ZipOverlap,
                    Some(&e.name),
                    "条目数据与其他条目重叠，包结构被篡改",
                );
            }
            continue;
        }
        let mut h = entry_algo.hasher();
        let mut p = EntryProbe {
            name: e.name.clone(),
            full: (e.uncompressed_size <= PROBE_FULL).then(Vec::new),
            ..Default::default()
        };
        match stream_entry(&mut seq, e, |b| {
            h.update(b);
            if probe {
                p.feed(b);
            }
        }) {
            Ok(n) => {
                actual.insert(e.name.clone(), (n, h.finish_hex()));
                if probe {
                    rep.probes.push(p);
                }
            }
            // A lying local header was reported by the layout check.
            Err(reader::DataProblem::LocalHeader(_)) if lying.contains(e.name.as_str()) => {}
            Err(p) => acc.add(Code::EntryData, Some(&e.name), p.to_string()),
        }
    }
    match seq.finish() {
        Ok(d) => rep.package_digest = d,
        Err(e) => acc.add(
            Code::PackageUnreadable,
            None,
            format!("读取包时出错：{}", Os(&e)),
        ),
    }
    actual
}
