//! Accounting for every byte of a ZIP file.
//!
//! A ZIP has two descriptions of its content: the central directory, which
//! random-access tools (and our verifier) read, and the local headers in
//! front of each entry's data, which streaming extractors read. A hostile
//! package can make them disagree, or hide bytes where only one kind of
//! tool looks: a prepended stub, a whole extra local entry in a gap between
//! sealed entries, data after the end record or in a comment. This module
//! checks that every local header agrees with its central-directory record
//! (name, flags, method, CRC-32, sizes, including data descriptors and the
//! ZIP64 extra field) and that the file is exactly the concatenation of
//! local entries, central directory and end records, with nothing before,
//! between or after them.
//!
//! Written by hand because no maintained ZIP library reports these things:
//! libraries either trust the central directory (and never look at the
//! bytes between entries) or stream local headers (and never look at the
//! directory). Reads are small and seek-based (headers, descriptors) except
//! for the scan of a gap for hidden local headers, which streams the gap in
//! bounded chunks.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use crate::codes::Code;
use crate::reader::{decode_name, read_up_to_at, u16le, u32le, u64le, Entry, Index};

const LFH_SIG: [u8; 4] = [0x50, 0x4b, 0x03, 0x04];
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const EOCD64_LOCATOR_LEN: u64 = 20;
const EOCD_LEN: u64 = 22;
/// Hidden local headers reported per gap, at most.
const MAX_HIDDEN: usize = 16;

/// One departure from a clean layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutProblem {
    /// What kind (one of the `zip.*` layout codes).
    pub code: Code,
    /// The entry concerned (a hidden entry's own decoded name), if any.
    pub entry: Option<String>,
    /// What is wrong, in Chinese, naming the offset.
    pub message: String,
}

/// The span an entry takes: local header, data and data descriptor; the
/// entry is named by its index (a hostile directory may hold tens of
/// thousands of entries: their names are not copied).
struct Span {
    start: u64,
    end: u64,
    entry: usize,
}

/// Checks the local header (and descriptor) of `e` against its
/// central-directory record. Returns the span the entry takes, and what
/// disagrees (empty when nothing does).
fn local(f: &mut File, len: u64, i: usize, e: &Entry) -> io::Result<(Span, Vec<String>)> {
    let at = e.local_header_offset;
    let mut span = Span {
        start: at,
        end: at,
        entry: i,
    };
    let h = read_up_to_at(f, at, 30)?;
    if h.len() < 30 || h[..4] != LFH_SIG {
        return Ok((span, vec![format!("偏移 {at} 处没有本地文件头")]));
    }
    let (flags, method, crc) = (u16le(&h, 6), u16le(&h, 8), u32le(&h, 14));
    let (mut csize, mut usize_) = (u32le(&h, 18) as u64, u32le(&h, 22) as u64);
    let (n, x) = (u16le(&h, 26) as usize, u16le(&h, 28) as usize);
    let tail = read_up_to_at(f, at.saturating_add(30), n + x)?;
    if tail.len() < n + x {
        span.end = len;
        return Ok((span, vec!["本地文件头被截断".into()]));
    }
    let mut diff = Vec::new();
    if tail[..n] != e.name_bytes[..] {
        diff.push(format!("文件名（本地为“{}”）", decode_name(&tail[..n]).0));
    }
    if flags != e.flags {
        diff.push(format!(
            "标志位（本地 {flags:#06x}，目录 {:#06x}）",
            e.flags
        ));
    }
    if method != e.method {
        diff.push(format!("压缩方法（本地 {method}，目录 {}）", e.method));
    }
    // ZIP64 extended information in the local header: both sizes.
    let mut zip64 = false;
    let extra = &tail[n..];
    let mut p = 0;
    while p + 4 <= extra.len() {
        let (id, size) = (u16le(extra, p), u16le(extra, p + 2) as usize);
        let data = p + 4;
        if data + size > extra.len() {
            break;
        }
        if id == 0x0001 {
            zip64 = true;
            let mut q = data;
            for field in [&mut usize_, &mut csize] {
                if *field == 0xFFFF_FFFF && q + 8 <= data + size {
                    *field = u64le(extra, q);
                    q += 8;
                }
            }
        }
        p = data + size;
    }
    let data_end = at
        .saturating_add(30 + (n + x) as u64)
        .saturating_add(e.compressed_size);
    span.end = data_end.min(len);
    let described = flags & 0x0008 != 0;
    let (mut dcrc, mut dcsize, mut dusize) = (crc, csize, usize_);
    if described {
        // Sizes and CRC follow the data; the header may hold zeros.
        let w = if zip64 { 8 } else { 4 };
        let d = read_up_to_at(f, data_end, 4 + 4 + 2 * w)?;
        let sig = d.len() >= 4 && u32le(&d, 0) == DESCRIPTOR_SIG;
        let o = if sig { 4 } else { 0 };
        if d.len() < o + 4 + 2 * w {
            diff.push("数据描述符缺失或被截断".into());
        } else {
            dcrc = u32le(&d, o);
            let get = |at: usize| {
                if w == 8 {
                    u64le(&d, at)
                } else {
                    u32le(&d, at) as u64
                }
            };
            dcsize = get(o + 4);
            dusize = get(o + 4 + w);
            span.end = data_end.saturating_add((o + 4 + 2 * w) as u64).min(len);
        }
        // Non-zero header values must still agree.
        if (crc != 0 && crc != e.crc32)
            || (csize != 0 && csize != e.compressed_size)
            || (usize_ != 0 && usize_ != e.uncompressed_size)
        {
            diff.push("本地文件头中的 CRC-32 或大小".into());
        }
    }
    if dcrc != e.crc32 {
        diff.push(format!("CRC-32（本地 {dcrc:08x}，目录 {:08x}）", e.crc32));
    }
    if dcsize != e.compressed_size {
        diff.push(format!(
            "压缩后大小（本地 {dcsize}，目录 {}）",
            e.compressed_size
        ));
    }
    if dusize != e.uncompressed_size {
        diff.push(format!(
            "原始大小（本地 {dusize}，目录 {}）",
            e.uncompressed_size
        ));
    }
    Ok((span, diff))
}

/// Scans `[from, to)` for local-header signatures and decodes their names.
fn hidden_in(f: &mut File, from: u64, to: u64) -> io::Result<Vec<(u64, String)>> {
    let mut found = Vec::new();
    let mut at = from;
    let mut carry: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    f.seek(SeekFrom::Start(from))?;
    let mut sigs = Vec::new();
    while at < to && sigs.len() < MAX_HIDDEN {
        let want = chunk.len().min((to - at) as usize);
        let k = f.read(&mut chunk[..want])?;
        if k == 0 {
            break;
        }
        let base = at - carry.len() as u64;
        carry.extend_from_slice(&chunk[..k]);
        for i in 0..carry.len().saturating_sub(3) {
            if carry[i..i + 4] == LFH_SIG && sigs.len() < MAX_HIDDEN {
                sigs.push(base + i as u64);
            }
        }
        at += k as u64;
        let keep = carry.len().min(3);
        carry.drain(..carry.len() - keep);
    }
    for s in sigs {
        let h = read_up_to_at(f, s, 30)?;
        let name = if h.len() == 30 {
            let n = u16le(&h, 26) as usize;
            decode_name(&read_up_to_at(f, s + 30, n)?).0
        } else {
            String::new()
        };
        found.push((s, name));
    }
    Ok(found)
}

fn put(out: &mut Vec<LayoutProblem>, code: Code, entry: Option<String>, message: String) {
    out.push(LayoutProblem {
        code,
        entry,
        message,
    })
}

/// Reports the bytes `[from, to)`, which belong to no known part, and any
/// local headers hidden in them.
fn region(
    f: &mut File,
    out: &mut Vec<LayoutProblem>,
    from: u64,
    to: u64,
    code: Code,
) -> io::Result<()> {
    let hidden = hidden_in(f, from, to)?;
    let what = match code {
        Code::ZipLeadingBytes => format!("文件开头有 {} 字节不属于任何条目", to - from),
        Code::ZipTrailingBytes => format!("目录结尾记录之后有 {} 字节多余数据", to - from),
        _ => format!(
            "偏移 {from} 到 {to} 之间有 {} 字节不属于任何条目或目录",
            to - from
        ),
    };
    if hidden.is_empty() || code != Code::ZipGap {
        put(out, code, None, format!("{what}；包中不应有未登记的数据"));
    }
    for (at, name) in hidden {
        put(
            out,
            Code::ZipHiddenEntry,
            Some(name.clone()),
            format!("偏移 {at} 处有中央目录未列出的隐藏条目“{name}”，流式解压工具会解出它"),
        );
    }
    Ok(())
}

/// Bytes `[from, to)` before the central directory that no entry takes:
/// leading bytes at the start of the file, a gap after it.
fn unaccounted(f: &mut File, out: &mut Vec<LayoutProblem>, from: u64, to: u64) -> io::Result<()> {
    let code = if from == 0 {
        Code::ZipLeadingBytes
    } else {
        Code::ZipGap
    };
    region(f, out, from, to, code)
}

/// Every departure of the file from a clean layout, each reported once.
pub fn layout(f: &File, index: &Index) -> io::Result<Vec<LayoutProblem>> {
    let mut f = f.try_clone()?;
    let len = index.len;
    let mut out = Vec::new();
    let mut spans = Vec::new();
    for (i, e) in index.entries.iter().enumerate() {
        let (span, diff) = local(&mut f, len, i, e)?;
        if !diff.is_empty() {
            put(
                &mut out,
                Code::ZipLocalMismatch,
                Some(e.name.clone()),
                format!(
                    "本地文件头与中央目录不一致：{}；流式解压工具会读出与检测不同的内容",
                    diff.join("、")
                ),
            );
        }
        if e.comment_len > 0 {
            put(
                &mut out,
                Code::ZipComment,
                Some(e.name.clone()),
                format!("条目带有 {} 字节的注释；本格式的包不含注释", e.comment_len),
            );
        }
        spans.push(span);
    }
    spans.sort_by_key(|s| (s.start, s.end));
    let mut cursor = 0u64;
    let mut last: Option<usize> = None;
    for s in &spans {
        if s.start < cursor {
            put(
                &mut out,
                Code::ZipOverlap,
                Some(index.entries[s.entry].name.clone()),
                format!(
                    "条目数据（偏移 {}）与{}重叠，包结构被篡改",
                    s.start,
                    last.map(|l| format!("条目“{}”", index.entries[l].name))
                        .unwrap_or_else(|| "其他条目".into())
                ),
            );
        } else if s.start > cursor {
            unaccounted(&mut f, &mut out, cursor, s.start)?;
        }
        if s.end > cursor {
            cursor = s.end;
            last = Some(s.entry);
        }
    }
    // The central directory follows the last entry.
    if index.cd_offset < cursor {
        put(
            &mut out,
            Code::ZipOverlap,
            last.map(|i| index.entries[i].name.clone()),
            format!(
                "中央目录（偏移 {}）与条目数据重叠，包结构被篡改",
                index.cd_offset
            ),
        );
    } else if index.cd_offset > cursor {
        unaccounted(&mut f, &mut out, cursor, index.cd_offset)?;
    }
    if index.cd_used < index.cd_size {
        put(
            &mut out,
            Code::ZipCdExtra,
            None,
            format!(
                "中央目录中偏移 {} 起有 {} 字节不是目录记录",
                index.cd_offset + index.cd_used,
                index.cd_size - index.cd_used
            ),
        );
    }
    // Then the end records, with nothing between.
    let mut cursor = index.cd_offset + index.cd_size;
    if let Some((at, size)) = index.zip64 {
        if at > cursor {
            region(&mut f, &mut out, cursor, at, Code::ZipGap)?;
        }
        cursor = cursor.max(at.saturating_add(size));
        let locator = index.eocd_at.saturating_sub(EOCD64_LOCATOR_LEN);
        if locator > cursor {
            region(&mut f, &mut out, cursor, locator, Code::ZipGap)?;
        }
        cursor = cursor.max(index.eocd_at);
    }
    if index.eocd_at > cursor {
        region(&mut f, &mut out, cursor, index.eocd_at, Code::ZipGap)?;
    }
    if index.comment_len > 0 {
        put(
            &mut out,
            Code::ZipComment,
            None,
            format!(
                "包带有 {} 字节的注释（偏移 {}）；本格式的包不含注释",
                index.comment_len,
                index.eocd_at + EOCD_LEN
            ),
        );
    }
    let end = index.eocd_at + EOCD_LEN + index.comment_len as u64;
    if end < len {
        region(&mut f, &mut out, end, len, Code::ZipTrailingBytes)?;
    } else if end > len {
        put(
            &mut out,
            Code::ZipComment,
            None,
            "目录结尾记录声明的注释长度超出文件末尾".into(),
        );
    }
    Ok(out)
}
