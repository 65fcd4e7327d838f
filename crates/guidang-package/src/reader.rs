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

/// Reads exactly `n` bytes at `at`; a file that ends sooner is an error
/// (`UnexpectedEof`).
pub(crate) fn read_exact_at<R: Read + Seek>(f: &mut R, at: u64, n: usize) -> io::Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(&mut b)?;
    Ok(b)
}

/// Reads up to `n` bytes at `at`: fewer when the file ends sooner.
pub(crate) fn read_up_to_at<R: Read + Seek>(f: &mut R, at: u64, n: usize) -> io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(at))?;
    let mut b = Vec::with_capacity(n);
    f.by_ref().take(n as u64).read_to_end(&mut b)?;
    Ok(b)
}

/// Largest central directory accepted. A package holds one case: its
/// metadata, seal and materials, a few hundred entries at most. The
/// directory is read whole and each entry kept with its name, so these
/// bounds keep the memory of any hostile directory to some tens of MiB.
pub const MAX_CD: u64 = 4 << 20;
/// Most entries accepted (the ZIP limit without ZIP64 extensions).
pub const MAX_ENTRIES: u64 = 65_535;

/// Why a file is not a readable ZIP: its `Display` is the reason in
/// Chinese, as verification reports it.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The file could not be read (its length, or the bytes of a record).
    #[error("无法读取：{}", Os(.0))]
    Io(#[from] io::Error),
    /// Shorter than an end-of-central-directory record.
    #[error("文件太短，不是 ZIP 文件")]
    TooShort,
    /// No end-of-central-directory signature in the last 64 KiB.
    #[error("找不到 ZIP 目录结尾记录，文件不是 ZIP 或已截断")]
    NoEndRecord,
    /// The end record asks for ZIP64 but no ZIP64 locator precedes it.
    #[error("ZIP64 定位记录缺失")]
    Zip64LocatorMissing,
    /// The ZIP64 locator points past the end of the file.
    #[error("ZIP64 目录结尾记录位置无效")]
    Zip64EndRecordOutOfBounds,
    /// The ZIP64 end record's signature is wrong.
    #[error("ZIP64 目录结尾记录无效")]
    Zip64EndRecordInvalid,
    /// The central directory exceeds [`MAX_CD`] bytes or [`MAX_ENTRIES`]
    /// entries; it is not read.
    #[error(
        "ZIP 中央目录过大（{size} 字节，声明 {entries} 个条目），超出一个办件的归档信息包的合理范围（至多 {} MiB、{} 个条目），未读取",
        MAX_CD >> 20,
        MAX_ENTRIES
    )]
    DirectoryTooLarge {
        /// Declared size of the central directory, in bytes.
        size: u64,
        /// Declared number of entries.
        entries: u64,
    },
    /// The central directory's offset and size reach past the file.
    #[error("ZIP 中央目录的位置或大小无效")]
    DirectoryOutOfBounds,
    /// A central-directory record runs past the directory's end.
    #[error("ZIP 中央目录记录被截断")]
    DirectoryRecordTruncated,
    /// The end record declares another number of entries than the
    /// directory holds.
    #[error("ZIP 目录结尾记录声明 {declared} 个条目，中央目录实有 {found} 个")]
    EntryCountMismatch {
        /// Entries the end record declares.
        declared: u64,
        /// Records found in the central directory.
        found: u64,
    },
}

/// Reads the central directory. An `Err` means the file is not a readable
/// ZIP at all (the error says why).
pub fn read_index(f: &mut File) -> Result<Index, IndexError> {
    let len = f.metadata()?.len();
    if len < 22 {
        return Err(IndexError::TooShort);
    }
    let tail_len = len.min(22 + 65_535) as usize;
    let tail = read_exact_at(f, len - tail_len as u64, tail_len)?;
    let pos = (0..=tail_len - 22)
        .rev()
        .find(|&i| u32le(&tail, i) == EOCD_SIG)
        .ok_or(IndexError::NoEndRecord)?;
    let eocd_at = len - tail_len as u64 + pos as u64;
    let e = &tail[pos..];
    let comment_len = u16le(e, 20);
    let mut zip64 = None;
    let mut count = u16le(e, 10) as u64;
    let mut cd_size = u32le(e, 12) as u64;
    let mut cd_offset = u32le(e, 16) as u64;
    if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        if eocd_at < 20 {
            return Err(IndexError::Zip64LocatorMissing);
        }
        let loc = read_exact_at(f, eocd_at - 20, 20)?;
        if u32le(&loc, 0) != EOCD64_LOCATOR_SIG {
            return Err(IndexError::Zip64LocatorMissing);
        }
        let at = u64le(&loc, 8);
        if at.checked_add(56).is_none_or(|end| end > len) {
            return Err(IndexError::Zip64EndRecordOutOfBounds);
        }
        let r = read_exact_at(f, at, 56)?;
        if u32le(&r, 0) != EOCD64_SIG {
            return Err(IndexError::Zip64EndRecordInvalid);
        }
        zip64 = Some((at, u64le(&r, 4).saturating_add(12)));
        count = u64le(&r, 32);
        cd_size = u64le(&r, 40);
        cd_offset = u64le(&r, 48);
    }
    if cd_size > MAX_CD || count > MAX_ENTRIES {
        return Err(IndexError::DirectoryTooLarge {
            size: cd_size,
            entries: count,
        });
    }
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > len) {
        return Err(IndexError::DirectoryOutOfBounds);
    }
    let cd = read_exact_at(f, cd_offset, cd_size as usize)?;
    let mut entries = Vec::new();
    let mut p = 0usize;
    while p + 46 <= cd.len() && u32le(&cd, p) == CDH_SIG {
        let name_len = u16le(&cd, p + 28) as usize;
        let extra_len = u16le(&cd, p + 30) as usize;
        let comment_len = u16le(&cd, p + 32) as usize;
        let end = p + 46 + name_len + extra_len + comment_len;
        if end > cd.len() {
            return Err(IndexError::DirectoryRecordTruncated);
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
        return Err(IndexError::EntryCountMismatch {
            declared: count,
            found: entries.len() as u64,
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// An end-of-central-directory record.
    fn eocd(count: u16, cd_size: u32, cd_offset: u32) -> Vec<u8> {
        let mut b = EOCD_SIG.to_le_bytes().to_vec();
        b.extend([0u8; 4]);
        b.extend(count.to_le_bytes());
        b.extend(count.to_le_bytes());
        b.extend(cd_size.to_le_bytes());
        b.extend(cd_offset.to_le_bytes());
        b.extend(0u16.to_le_bytes());
        b
    }

    fn index_of(bytes: &[u8]) -> Result<Index, IndexError> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        read_index(&mut f)
    }

    /// A ZIP64 locator pointing past the end of any file (offset near
    /// u64::MAX) is a damaged archive, not an arithmetic overflow.
    #[test]
    fn a_zip64_locator_at_the_end_of_the_address_space_is_out_of_bounds() {
        let mut b = EOCD64_LOCATOR_SIG.to_le_bytes().to_vec();
        b.extend(0u32.to_le_bytes());
        b.extend((u64::MAX - 10).to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(eocd(0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF));
        let e = index_of(&b).unwrap_err();
        assert!(matches!(e, IndexError::Zip64EndRecordOutOfBounds), "{e:?}");
    }

    #[test]
    fn io_errors_read_in_chinese() {
        let e = IndexError::from(io::Error::from(io::ErrorKind::UnexpectedEof));
        assert_eq!(e.to_string(), "无法读取：文件比预期短，可能已被截断");
        let e = IndexError::from(io::Error::from_raw_os_error(5));
        assert_eq!(
            e.to_string(),
            "无法读取：读写出错，介质可能已损坏或已被拔出。请检查介质后重试"
        );
    }

    #[test]
    fn each_damage_is_its_own_variant_with_the_same_words() {
        let e = index_of(b"PK").unwrap_err();
        assert!(matches!(e, IndexError::TooShort), "{e:?}");
        assert_eq!(e.to_string(), "文件太短，不是 ZIP 文件");

        let e = index_of(&[b'x'; 100]).unwrap_err();
        assert!(matches!(e, IndexError::NoEndRecord), "{e:?}");
        assert_eq!(
            e.to_string(),
            "找不到 ZIP 目录结尾记录，文件不是 ZIP 或已截断"
        );

        let e = index_of(&eocd(0xFFFF, 0, 0)).unwrap_err();
        assert!(matches!(e, IndexError::Zip64LocatorMissing), "{e:?}");
        assert_eq!(e.to_string(), "ZIP64 定位记录缺失");

        let e = index_of(&eocd(0, 10, 20)).unwrap_err();
        assert!(matches!(e, IndexError::DirectoryOutOfBounds), "{e:?}");
        assert_eq!(e.to_string(), "ZIP 中央目录的位置或大小无效");

        let e = index_of(&eocd(2, 0, 0)).unwrap_err();
        assert!(
            matches!(
                e,
                IndexError::EntryCountMismatch {
                    declared: 2,
                    found: 0
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "ZIP 目录结尾记录声明 2 个条目，中央目录实有 0 个"
        );

        // A directory record whose name runs past the directory.
        let mut cd = CDH_SIG.to_le_bytes().to_vec();
        cd.extend([0u8; 24]);
        cd.extend(100u16.to_le_bytes());
        cd.extend([0u8; 16]);
        let mut zip = cd.clone();
        zip.extend(eocd(1, cd.len() as u32, 0));
        let e = index_of(&zip).unwrap_err();
        assert!(matches!(e, IndexError::DirectoryRecordTruncated), "{e:?}");
        assert_eq!(e.to_string(), "ZIP 中央目录记录被截断");

        let e = index_of(&eocd(0, (MAX_CD + 1) as u32, 0)).unwrap_err();
        assert!(
            matches!(e, IndexError::DirectoryTooLarge { size, entries: 0 } if size == MAX_CD + 1),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "ZIP 中央目录过大（4194305 字节，声明 0 个条目），超出一个办件的归档信息包的合理范围（至多 4 MiB、65535 个条目），未读取"
        );

        assert_eq!(
            IndexError::Zip64EndRecordOutOfBounds.to_string(),
            "ZIP64 目录结尾记录位置无效"
        );
        assert_eq!(
            IndexError::Zip64EndRecordInvalid.to_string(),
            "ZIP64 目录结尾记录无效"
        );
    }

    #[test]
    fn exact_reads_fail_short_and_bounded_reads_stop_at_the_end() {
        let mut c = Cursor::new(b"0123456789".to_vec());
        assert_eq!(read_exact_at(&mut c, 2, 3).unwrap(), b"234");
        assert_eq!(
            read_exact_at(&mut c, 8, 5).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
        assert_eq!(read_up_to_at(&mut c, 8, 5).unwrap(), b"89");
        assert_eq!(read_up_to_at(&mut c, 20, 5).unwrap(), b"");
    }
}
