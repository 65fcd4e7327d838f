//! A hardened ZIP reader written for verification.
//!
//! It parses the end-of-central-directory record (and ZIP64 records) and the
//! central directory itself, so that a hostile archive cannot make a library
//! refuse to open it or silently pick one of two duplicate names: every
//! oddity becomes a problem to report. Entry data is streamed (Stored or
//! Deflate only), bounded by the declared size, with CRC-32 checked. Nothing
//! is ever written to disk.

use guidang_core::oserror::Os;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CDH_SIG: u32 = 0x0201_4b50;
const LFH_SIG: u32 = 0x0403_4b50;

/// Compression methods this reader decodes.
pub const STORED: u16 = 0;
/// Deflate.
pub const DEFLATED: u16 = 8;

/// One central-directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Name as decoded: UTF-8, or, when the bytes are not UTF-8, GBK (as
    /// Chinese Windows tools write it), so a finding shows what a person
    /// would see.
    pub name: String,
    /// The name's bytes as stored.
    pub name_bytes: Vec<u8>,
    /// Whether the name bytes were valid UTF-8.
    pub name_is_utf8: bool,
    /// Length of the entry's comment in the central directory.
    pub comment_len: u16,
    /// General purpose flags.
    pub flags: u16,
    /// Compression method.
    pub method: u16,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size.
    pub uncompressed_size: u64,
    /// Offset of the local header.
    pub local_header_offset: u64,
    /// External attributes (Unix mode in the high 16 bits).
    pub external_attrs: u32,
    /// Version made by (high byte: host system).
    pub version_made_by: u16,
}

impl Entry {
    /// Traditional or strong encryption flagged.
    pub fn is_encrypted(&self) -> bool {
        self.flags & 0x0001 != 0 || self.flags & 0x0040 != 0 || self.method == 99
    }
    /// A Unix symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.version_made_by >> 8 == 3 && (self.external_attrs >> 16) & 0o170000 == 0o120000
    }
    /// A directory entry.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
    /// Why the name is unsafe to extract, if it is.
    pub fn name_problem(&self) -> Option<String> {
        let n = &self.name;
        if !self.name_is_utf8 {
            return Some(format!(
                "文件名不是 UTF-8 编码（按 GBK 读作“{n}”，多由中文 Windows 的压缩工具写出），在其他电脑上解压会成为乱码；请用 UTF-8 文件名重新打包"
            ));
        }
        if n.is_empty() {
            return Some("文件名为空".into());
        }
        if n.starts_with('/') || n.starts_with('\\') || n.as_bytes().get(1) == Some(&b':') {
            return Some("文件名是绝对路径，解压时会写到目标文件夹之外".into());
        }
        if n.contains('\\') {
            return Some("文件名含有反斜杠“\\”，在 Windows 上会被当作路径分隔符".into());
        }
        if n.chars().any(char::is_control) {
            return Some("文件名含有控制字符".into());
        }
        if n.trim_end_matches('/')
            .split('/')
            .any(|p| p == ".." || p == "." || p.is_empty())
        {
            return Some("文件名含有“..”或空路径段，解压时会写到目标文件夹之外（zip-slip）".into());
        }
        None
    }
}

/// The directory of an archive, with where its parts lie.
#[derive(Debug, Clone)]
pub struct Index {
    /// Entries in central-directory order.
    pub entries: Vec<Entry>,
    /// Archive length.
    pub len: u64,
    /// Offset of the central directory.
    pub cd_offset: u64,
    /// Declared size of the central directory.
    pub cd_size: u64,
    /// Bytes of the central directory taken by its records.
    pub cd_used: u64,
    /// Offset of the end-of-central-directory record.
    pub eocd_at: u64,
    /// Length of the archive comment.
    pub comment_len: u16,
    /// Offset and length of the ZIP64 end record, when there is one.
    pub zip64: Option<(u64, u64)>,
}

/// Decodes an entry name: UTF-8 when it is, else GBK.
pub fn decode_name(b: &[u8]) -> (String, bool) {
    match std::str::from_utf8(b) {
        Ok(s) => (s.to_string(), true),
        Err(_) => {
            let (s, _, _) = encoding_rs::GBK.decode(b);
            (s.into_owned(), false)
        }
    }
}

pub(crate) fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
pub(crate) fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
pub(crate) fn u64le(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn read_at(f: &mut File, at: u64, n: usize) -> io::Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(&mut b)?;
    Ok(b)
}

/// Largest central directory accepted. A package holds one case: its
/// metadata, seal and materials, a few hundred entries at most. The
/// directory is read whole and each entry kept with its name, so these
/// bounds keep the memory of any hostile directory to some tens of MiB.
pub const MAX_CD: u64 = 4 << 20;
/// Most entries accepted (the ZIP limit without ZIP64 extensions).
pub const MAX_ENTRIES: u64 = 65_535;

/// Reads the central directory. An `Err` means the file is not a readable
/// ZIP at all (the message says why, in Chinese).
pub fn read_index(f: &mut File) -> Result<Index, String> {
    let len = f
        .metadata()
        .map_err(|e| format!("无法读取：{}", Os(&e)))?
        .len();
    if len < 22 {
        return Err("文件太短，不是 ZIP 文件".into());
    }
    let tail_len = len.min(22 + 65_535) as usize;
    let tail =
        read_at(f, len - tail_len as u64, tail_len).map_err(|e| format!("无法读取：{}", Os(&e)))?;
    let pos = (0..=tail_len - 22)
        .rev()
        .find(|&i| u32le(&tail, i) == EOCD_SIG)
        .ok_or("找不到 ZIP 目录结尾记录，文件不是 ZIP 或已截断")?;
    let eocd_at = len - tail_len as u64 + pos as u64;
    let e = &tail[pos..];
    let comment_len = u16le(e, 20);
    let mut zip64 = None;
    let mut count = u16le(e, 10) as u64;
    let mut cd_size = u32le(e, 12) as u64;
    let mut cd_offset = u32le(e, 16) as u64;
    if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        if eocd_at < 20 {
            return Err("ZIP64 定位记录缺失".into());
        }
        let loc = read_at(f, eocd_at - 20, 20).map_err(|e| format!("无法读取：{}", Os(&e)))?;
        if u32le(&loc, 0) != EOCD64_LOCATOR_SIG {
            return Err("ZIP64 定位记录缺失".into());
        }
        let at = u64le(&loc, 8);
        if at + 56 > len {
            return Err("ZIP64 目录结尾记录位置无效".into());
        }
        let r = read_at(f, at, 56).map_err(|e| format!("无法读取：{}", Os(&e)))?;
        if u32le(&r, 0) != EOCD64_SIG {
            return Err("ZIP64 目录结尾记录无效".into());
        }
        zip64 = Some((at, 12 + u64le(&r, 4)));
        count = u64le(&r, 32);
        cd_size = u64le(&r, 40);
        cd_offset = u64le(&r, 48);
    }
    if cd_size > MAX_CD || count > MAX_ENTRIES {
        return Err(format!(
            "ZIP 中央目录过大（{cd_size} 字节，声明 {count} 个条目），超出一个办件的归档信息包的合理范围（至多 {} MiB、{MAX_ENTRIES} 个条目），未读取",
            MAX_CD >> 20
        ));
    }
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > len) {
        return Err("ZIP 中央目录的位置或大小无效".into());
    }
    let cd =
        read_at(f, cd_offset, cd_size as usize).map_err(|e| format!("无法读取：{}", Os(&e)))?;
    let mut entries = Vec::new();
    let mut p = 0usize;
    while p + 46 <= cd.len() && u32le(&cd, p) == CDH_SIG {
        let name_len = u16le(&cd, p + 28) as usize;
        let extra_len = u16le(&cd, p + 30) as usize;
        let comment_len = u16le(&cd, p + 32) as usize;
        let end = p + 46 + name_len + extra_len + comment_len;
        if end > cd.len() {
            return Err("ZIP 中央目录记录被截断".into());
        }
        let name_bytes = &cd[p + 46..p + 46 + name_len];
        let (name, name_is_utf8) = decode_name(name_bytes);
        let mut entry = Entry {
            name,
            name_bytes: name_bytes.to_vec(),
            name_is_utf8,
            comment_len: comment_len as u16,
            version_made_by: u16le(&cd, p + 4),
            flags: u16le(&cd, p + 8),
            method: u16le(&cd, p + 10),
            crc32: u32le(&cd, p + 16),
            compressed_size: u32le(&cd, p + 20) as u64,
            uncompressed_size: u32le(&cd, p + 24) as u64,
            external_attrs: u32le(&cd, p + 38),
            local_header_offset: u32le(&cd, p + 42) as u64,
        };
        // ZIP64 extended information extra field.
        let mut x = p + 46 + name_len;
        let x_end = x + extra_len;
        while x + 4 <= x_end {
            let id = u16le(&cd, x);
            let size = u16le(&cd, x + 2) as usize;
            let data = x + 4;
            if data + size > x_end {
                break;
            }
            if id == 0x0001 {
                let mut q = data;
                let mut take = |field: &mut u64| {
                    if *field == 0xFFFF_FFFF && q + 8 <= data + size {
                        *field = u64le(&cd, q);
                        q += 8;
                    }
                };
                take(&mut entry.uncompressed_size);
                take(&mut entry.compressed_size);
                take(&mut entry.local_header_offset);
            }
            x = data + size;
        }
        entries.push(entry);
        p = end;
    }
    if entries.len() as u64 != count {
        return Err(format!(
            "ZIP 目录结尾记录声明 {count} 个条目，中央目录实有 {} 个",
            entries.len()
        ));
    }
    Ok(Index {
        entries,
        len,
        cd_offset,
        cd_size,
        cd_used: p as u64,
        eocd_at,
        comment_len,
        zip64,
    })
}

/// Why an entry's data could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataProblem {
    /// Compression method not Stored/Deflate.
    Method(u16),
    /// Encrypted.
    Encrypted,
    /// The local header is missing or names another file.
    LocalHeader(String),
    /// More data than declared (a lying size or a bomb).
    TooLarge,
    /// Less data than declared.
    Truncated,
    /// CRC-32 mismatch.
    Crc,
    /// Deflate stream corrupt, or I/O failure.
    Corrupt(String),
}

impl std::fmt::Display for DataProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataProblem::Method(m) => write!(
                f,
                "使用了非标准的压缩方法（{m}），只接受存储（0）和 Deflate（8）"
            ),
            DataProblem::Encrypted => f.write_str("条目已加密；归档文件不得加密"),
            DataProblem::LocalHeader(m) => write!(f, "本地文件头异常：{m}"),
            DataProblem::TooLarge => {
                f.write_str("解压后的数据超过声明的大小（疑似压缩炸弹或大小被篡改）")
            }
            DataProblem::Truncated => f.write_str("解压后的数据少于声明的大小（文件被截断）"),
            DataProblem::Crc => f.write_str("CRC-32 校验值不符，数据已损坏"),
            DataProblem::Corrupt(m) => write!(f, "数据损坏，无法解压：{m}"),
        }
    }
}

/// A reader that hashes everything read through it and tracks position.
pub struct Tracked<R> {
    inner: R,
    /// Bytes read so far.
    pub pos: u64,
    hasher: Option<guidang_core::Hasher>,
}

impl<R: Read> Tracked<R> {
    /// Wraps `inner`, hashing with `hasher` if given.
    pub fn new(inner: R, hasher: Option<guidang_core::Hasher>) -> Self {
        Tracked {
            inner,
            pos: 0,
            hasher,
        }
    }
    /// Skips forward to `to`, hashing the skipped bytes.
    pub fn skip_to(&mut self, to: u64) -> io::Result<()> {
        let n = to.saturating_sub(self.pos);
        io::copy(&mut self.by_ref().take(n), &mut io::sink())?;
        if self.pos != to {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "unexpected end of file",
            ));
        }
        Ok(())
    }
    /// Reads to the end and returns the digest of everything read.
    pub fn finish(mut self) -> io::Result<Option<String>> {
        io::copy(&mut self.by_ref(), &mut io::sink())?;
        Ok(self.hasher.map(|h| h.finish_hex()))
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Opens a file for one sequential pass from its start, hashing it whole
/// with `algo`. (Cloned handles share the cursor, so it is rewound here.)
pub fn sequential(
    mut f: File,
    algo: Option<guidang_core::DigestAlgo>,
) -> io::Result<Tracked<BufReader<File>>> {
    f.seek(SeekFrom::Start(0))?;
    Ok(Tracked::new(
        BufReader::with_capacity(256 * 1024, f),
        algo.map(|a| a.hasher()),
    ))
}

/// Streams one entry's data to `sink` from the reader's current position,
/// which must be at or before the entry's local header. Checks the local
/// header, the declared size and the CRC-32.
pub fn stream_entry<R: Read>(
    r: &mut Tracked<R>,
    e: &Entry,
    mut sink: impl FnMut(&[u8]),
) -> Result<u64, DataProblem> {
    if e.is_encrypted() {
        return Err(DataProblem::Encrypted);
    }
    if e.method != STORED && e.method != DEFLATED {
        return Err(DataProblem::Method(e.method));
    }
    let io = |x: io::Error| DataProblem::Corrupt(Os(&x).to_string());
    r.skip_to(e.local_header_offset).map_err(io)?;
    let mut h = [0u8; 30];
    r.read_exact(&mut h).map_err(io)?;
    if u32le(&h, 0) != LFH_SIG {
        return Err(DataProblem::LocalHeader("缺少本地文件头".into()));
    }
    let (n, x) = (u16le(&h, 26) as usize, u16le(&h, 28) as u64);
    let mut name = vec![0u8; n];
    r.read_exact(&mut name).map_err(io)?;
    if name != e.name_bytes {
        return Err(DataProblem::LocalHeader(format!(
            "本地文件头中的文件名“{}”与目录中的“{}”不一致",
            decode_name(&name).0,
            e.name
        )));
    }
    let data_at = r.pos + x;
    r.skip_to(data_at).map_err(io)?;
    let mut crc = crc32fast::Hasher::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    let limit = e.uncompressed_size;
    let mut pump = |src: &mut dyn Read| -> Result<(), DataProblem> {
        loop {
            let k = src.read(&mut buf).map_err(io)?;
            if k == 0 {
                return Ok(());
            }
            total += k as u64;
            if total > limit {
                return Err(DataProblem::TooLarge);
            }
            crc.update(&buf[..k]);
            sink(&buf[..k]);
        }
    };
    let mut compressed = r.by_ref().take(e.compressed_size);
    if e.method == STORED {
        pump(&mut compressed)?;
    } else {
        let mut d = flate2::read::DeflateDecoder::new(&mut compressed);
        pump(&mut d)?;
    }
    // Consume any compressed bytes the decoder did not need.
    io::copy(&mut compressed, &mut io::sink()).map_err(io)?;
    if r.pos != data_at + e.compressed_size {
        return Err(DataProblem::Truncated);
    }
    if total < limit {
        return Err(DataProblem::Truncated);
    }
    if crc.finalize() != e.crc32 {
        return Err(DataProblem::Crc);
    }
    Ok(total)
}

/// Reads a small entry (at most `max` bytes) by seeking, for the metadata
/// and the seal, which must be known before the sequential pass.
pub fn read_small(f: &File, e: &Entry, max: u64) -> Result<Vec<u8>, DataProblem> {
    if e.uncompressed_size > max {
        return Err(DataProblem::TooLarge);
    }
    let mut g = f
        .try_clone()
        .map_err(|x| DataProblem::Corrupt(x.to_string()))?;
    g.seek(SeekFrom::Start(e.local_header_offset))
        .map_err(|x| DataProblem::Corrupt(x.to_string()))?;
    let mut t = Tracked {
        inner: BufReader::new(g),
        pos: e.local_header_offset,
        hasher: None,
    };
    let mut out = Vec::with_capacity(e.uncompressed_size as usize);
    stream_entry(&mut t, e, |b| out.extend_from_slice(b))?;
    Ok(out)
}
