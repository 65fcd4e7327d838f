//! Can the content be opened? Format checks on the bytes captured during
//! the single verification pass (first and last 64 KiB; whole entries up to
//! 8 MiB). They decide by content, never by extension, and name the
//! extension when it disagrees.
//!
//! - PDF: `%PDF-` header, `startxref` and `%%EOF` in the tail, and no
//!   `/Encrypt` in the trailer (the 26号 measures require decryption first).
//! - JPEG: a start-of-frame segment with a non-zero size; the EOI marker.
//! - PNG: the IHDR chunk with a valid CRC and non-zero size; the IEND chunk.
//! - TIFF: byte order mark and a first-IFD offset inside the file.
//! - XML: well-formed, no DTD (whole entries; larger ones get a warning).
//! - OFD: the container opens and `OFD.xml` parses.
//!
//! Each problem is a [`FormatProblem`]: a [`Severity`] (failure or warning,
//! which the engine turns into the item's verdict) and a reason in Chinese.

use guidang_core::sniff;
use guidang_package::EntryProbe;

use crate::Verdict;

/// How serious a format problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The entry cannot be archived as it is (不通过).
    Fail,
    /// Someone should look, but it is no failure (提示).
    Warn,
}

impl Severity {
    /// The verdict of a finding with this severity.
    pub fn verdict(self) -> Verdict {
        match self {
            Severity::Fail => Verdict::Fail,
            Severity::Warn => Verdict::Warn,
        }
    }
}

/// A problem with one entry's format: how serious, why (in Chinese), and
/// the DA/T 70 item it belongs to (3-2-1, can it be opened, unless said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatProblem {
    /// Failure or warning.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub reason: String,
    /// The item (`3-2-1`, `3-4-1`, `4-1-2`, `1-3-1`).
    pub item: &'static str,
}

impl FormatProblem {
    /// A failure.
    pub fn fail(reason: impl Into<String>) -> FormatProblem {
        FormatProblem {
            severity: Severity::Fail,
            reason: reason.into(),
            item: "3-2-1",
        }
    }

    /// A warning.
    pub fn warn(reason: impl Into<String>) -> FormatProblem {
        FormatProblem {
            severity: Severity::Warn,
            reason: reason.into(),
            item: "3-2-1",
        }
    }

    /// The same problem under another item.
    pub fn at(self, item: &'static str) -> FormatProblem {
        FormatProblem { item, ..self }
    }

    /// Whether it is a failure.
    pub fn is_fail(&self) -> bool {
        self.severity == Severity::Fail
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn jpeg_ok(head: &[u8], tail: &[u8]) -> Result<(), String> {
    let mut i = 2;
    let mut size = None;
    while i + 9 < head.len() {
        if head[i] != 0xFF {
            return Err("JPEG 段结构损坏".into());
        }
        let marker = head[i + 1];
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([head[i + 2], head[i + 3]]) as usize;
        let is_sof = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_sof {
            let h = u16::from_be_bytes([head[i + 5], head[i + 6]]);
            let w = u16::from_be_bytes([head[i + 7], head[i + 8]]);
            size = Some((w, h));
            break;
        }
        if marker == 0xDA || len < 2 {
            break;
        }
        i += 2 + len;
    }
    match size {
        None => return Err("找不到 JPEG 图像帧头，无法解码".into()),
        Some((0, _)) | Some((_, 0)) => return Err("JPEG 图像宽或高为 0".into()),
        _ => {}
    }
    let end = tail
        .iter()
        .rposition(|b| *b != 0 && *b != b'\n' && *b != b'\r');
    match end {
        Some(e) if e >= 1 && tail[e - 1] == 0xFF && tail[e] == 0xD9 => Ok(()),
        _ => Err("JPEG 文件不完整（缺少结束标记），可能被截断".into()),
    }
}

fn png_ok(head: &[u8], tail: &[u8]) -> Result<(), String> {
    if head.len() < 33 || &head[12..16] != b"IHDR" {
        return Err("PNG 缺少 IHDR 头".into());
    }
    let crc = u32::from_be_bytes(head[29..33].try_into().expect("4 bytes"));
    if crc32fast::hash(&head[12..29]) != crc {
        return Err("PNG 头校验值错误，文件已损坏".into());
    }
    let w = u32::from_be_bytes(head[16..20].try_into().expect("4 bytes"));
    let hgt = u32::from_be_bytes(head[20..24].try_into().expect("4 bytes"));
    if w == 0 || hgt == 0 {
        return Err("PNG 图像宽或高为 0".into());
    }
    if !contains(tail, b"IEND") {
        return Err("PNG 文件不完整（缺少 IEND），可能被截断".into());
    }
    Ok(())
}

fn tiff_ok(head: &[u8], size: u64) -> Result<(), String> {
    if head.len() < 8 {
        return Err("TIFF 文件太短".into());
    }
    let off = if head.starts_with(b"II") {
        u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"))
    } else {
        u32::from_be_bytes(head[4..8].try_into().expect("4 bytes"))
    } as u64;
    if off < 8 || off >= size {
        return Err("TIFF 图像目录位置无效，文件已损坏".into());
    }
    Ok(())
}

/// The checks of a PDF's tail (truncation), and, without its whole
/// content, an `/Encrypt` seen in what was captured.
fn pdf_problems(p: &EntryProbe, whole: bool) -> Vec<FormatProblem> {
    let mut v = Vec::new();
    let body: &[u8] = p.full.as_deref().unwrap_or(&p.tail);
    if !contains(&p.tail, b"%%EOF") {
        v.push(FormatProblem::fail(
            "PDF 文件不完整（缺少 %%EOF 结束标记），可能被截断，无法正常打开",
        ));
    }
    if !contains(&p.tail, b"startxref") {
        v.push(FormatProblem::fail(
            "PDF 缺少交叉引用表位置（startxref），无法正常打开",
        ));
    }
    if !whole && contains(body, b"/Encrypt") {
        v.push(
            FormatProblem::fail("PDF 已加密；按规定加密文件须解密后归档，请取得未加密的版本")
                .at("3-4-1"),
        );
    }
    v
}

fn ofd_problem(p: &EntryProbe) -> Option<FormatProblem> {
    let Some(full) = &p.full else {
        return Some(FormatProblem::warn("OFD 文件较大，未打开检查其内部结构"));
    };
    let mut z = match zip::ZipArchive::new(std::io::Cursor::new(full.as_slice())) {
        Ok(z) => z,
        Err(e) => return Some(FormatProblem::fail(format!("OFD 容器无法打开：{e}"))),
    };
    let mut f = match z.by_name("OFD.xml") {
        Ok(f) => f,
        Err(_) => return Some(FormatProblem::fail("OFD 容器中没有入口文件 OFD.xml")),
    };
    let mut xml = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut (&mut f).take(16 << 20), &mut xml) {
        return Some(FormatProblem::fail(format!("OFD.xml 无法读取：{e}")));
    }
    guidang_package::xml::parse(&xml)
        .err()
        .map(|e| FormatProblem::fail(format!("OFD.xml 无法解析：{e}")))
}

use std::io::Read as _;

/// What the content says of itself, for the metadata (1-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    /// A PDF's version, pages and PDF/A claim.
    Pdf(crate::pdf::PdfFacts),
    /// An image's size.
    Image(crate::raster::ImageFacts),
    /// An OFD's version, pages and signatures.
    Ofd(crate::ofd::OfdFacts),
    /// An audio or video file's container and duration.
    Media(crate::media::MediaFacts),
}

/// What collection records of a material's content in `元数据.xml`
/// (DA/T 70 1-3), and the check compares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// 格式版本: `PDF 1.7`, `PDF/A-1b`, `OFD 1.0`, `JPEG`, `MP4`.
    pub version: String,
    /// 页数 of a PDF or OFD.
    pub pages: Option<u32>,
    /// 时长 of audio or video, in milliseconds.
    pub duration_ms: Option<u64>,
}

impl Facts {
    /// 格式版本, 页数 and 时长 as `元数据.xml` records them (DA/T 70
    /// 1-3): `PDF 1.7` or `PDF/A-1b` and the pages, `JPEG` alone, `MP4`
    /// and its duration.
    pub fn recorded(&self) -> Recorded {
        let (version, pages, duration_ms) = match self {
            Facts::Pdf(p) => (p.label(), Some(p.pages), None),
            Facts::Image(i) => (i.kind.to_string(), None, None),
            Facts::Ofd(o) => (o.label(), Some(o.pages), None),
            Facts::Media(m) => (m.kind.to_string(), None, m.duration_ms),
        };
        Recorded {
            version,
            pages,
            duration_ms,
        }
    }
}

/// Entries up to this size are opened whole (PDFs parsed, images
/// decoded); larger ones get the checks of their head and tail and a
/// warning that they were not opened.
pub const MAX_DEEP: u64 = 256 << 20;

/// The detected format of an entry and every problem with it; `whole` is
/// the entry's whole content when the caller has it (the probe's, or read
/// again for a large entry), for the formats that are opened whole.
pub fn check_format(p: &EntryProbe) -> (&'static str, Vec<FormatProblem>) {
    let (fmt, v, _) = check_format_deep(p, p.full.as_deref());
    (fmt, v)
}

/// Whether an entry of this format is opened whole.
pub fn wants_whole(fmt: &str) -> bool {
    matches!(fmt, "pdf" | "ofd" | "ole")
        || crate::raster::handles(fmt)
        || crate::media::handles(fmt)
}

/// [`check_format`] with the entry's whole content, when there is one.
pub fn check_format_deep(
    p: &EntryProbe,
    whole: Option<&[u8]>,
) -> (&'static str, Vec<FormatProblem>, Option<Facts>) {
    let mut facts = None;
    let (fmt, mut v) = check_shallow(p, whole.is_some());
    let fails = v.iter().any(FormatProblem::is_fail);
    match (fmt, whole) {
        ("pdf", Some(b)) if !fails => {
            let (f, problems) = guarded("PDF", || crate::pdf::check_pdf(b));
            facts = f.map(Facts::Pdf);
            v.extend(problems);
        }
        ("ofd", Some(b)) if !fails => {
            let (f, problems) = guarded("OFD", || crate::ofd::check_ofd(b));
            facts = f.map(Facts::Ofd);
            v.extend(problems);
        }
        (f, Some(b)) if crate::raster::handles(f) && !fails => {
            let (x, problems) = guarded("图像", || crate::raster::check_image(f, b));
            facts = x.map(Facts::Image);
            v.extend(problems);
        }
        ("ole", Some(b)) if !fails => {
            v.extend(guarded("办公文档", || (None::<()>, crate::office::check_ole(b))).1);
        }
        (f, Some(b)) if crate::media::handles(f) && !fails => {
            let (x, problems) = guarded("音视频", || crate::media::check_media(f, b));
            facts = x.map(Facts::Media);
            v.extend(problems);
        }
        (f, None) if wants_whole(f) && p.size > 0 => v.push(FormatProblem::warn(format!(
            "文件超过 {} MiB，只检查了文件头尾，未完整打开",
            MAX_DEEP >> 20
        ))),
        _ => {}
    }
    (fmt, v, facts)
}

/// Runs a parser over hostile bytes: a panic in the library is a finding
/// about the file, never the end of the check.
fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> (Option<T>, Vec<FormatProblem>),
) -> (Option<T>, Vec<FormatProblem>) {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        (
            None,
            vec![FormatProblem::fail(format!(
                "{what}解析时出错（解析库异常），无法确认能否正常打开；请用阅读器打开核对，或重新导出该文件"
            ))],
        )
    })
}

fn check_shallow(p: &EntryProbe, whole: bool) -> (&'static str, Vec<FormatProblem>) {
    let base = p.name.rsplit('/').next().unwrap_or(&p.name);
    let fmt = sniff::detect(&p.head, base);
    let mut v = Vec::new();
    if p.size == 0 {
        v.push(FormatProblem::fail("空文件（0 字节），无法打开"));
        return (fmt, v);
    }
    let ext = base
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed = sniff::extensions(fmt);
    if fmt != "unknown" && !allowed.contains(&ext.as_str()) {
        v.push(FormatProblem::fail(format!(
            "扩展名“.{ext}”与文件内容（{}）不符，请核对文件是否被改名",
            sniff::label(fmt)
        )));
    }
    if fmt == "unknown" {
        // An extension that promises a format the content is not.
        if let Some(claimed) = sniff::claimed_by_extension(&ext) {
            let is = sniff::foreign(&p.head)
                .map(|l| format!("是{l}"))
                .unwrap_or_else(|| "无法识别".into());
            v.push(FormatProblem::fail(format!(
                "扩展名“.{ext}”表明是{}，但文件内容{is}，与扩展名不符；请核对文件是否被改名或伪装",
                sniff::label(claimed)
            )));
            return (fmt, v);
        }
    }
    match fmt {
        "pdf" => v.extend(pdf_problems(p, whole)),
        "jpeg" => v.extend(jpeg_ok(&p.head, &p.tail).err().map(FormatProblem::fail)),
        "png" => v.extend(png_ok(&p.head, &p.tail).err().map(FormatProblem::fail)),
        "tiff" => v.extend(tiff_ok(&p.head, p.size).err().map(FormatProblem::fail)),
        "xml" => match &p.full {
            Some(b) => v.extend(crate::xmldoc::check_xml(b)),
            None => v.push(FormatProblem::warn("XML 文件较大，只检查了开头")),
        },
        // Opened whole by `check_format_deep` when the content is there.
        "ofd" if !whole => v.extend(ofd_problem(p)),
        // An office document: its macros, if any, are item 4-1-2's.
        "zip" if sniff::OFFICE_ZIP.contains(&ext.as_str()) => v.push(FormatProblem::warn(format!(
            "办公文档（.{ext}）不是版式文件，长期保存建议另存为 PDF 或 OFD 后归档"
        ))),
        "ole" => v.push(FormatProblem::warn(format!(
            "办公文档（.{ext}）不是版式文件，长期保存建议另存为 PDF 或 OFD 后归档"
        ))),
        "zip" => v.push(FormatProblem::warn(
            "材料本身是压缩包，其中的文件无法逐一检查；建议解压后分别归档",
        )),
        "unknown" => v.push(FormatProblem::fail(
            "无法按内容识别文件格式，不是通用、开放的格式，归档后可能无法打开",
        )),
        _ => {}
    }
    (fmt, v)
}

/// Executables, scripts and macro-bearing office files (DA/T 70 4-1, flagged
/// whatever a virus scanner says).
pub fn executable_problem(p: &EntryProbe) -> Option<FormatProblem> {
    let base = p.name.rsplit('/').next().unwrap_or(&p.name);
    let ext = base
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let h = &p.head;
    if h.starts_with(b"MZ") {
        return Some(FormatProblem::fail("是 Windows 可执行程序（PE），不得归档"));
    }
    if h.starts_with(b"\x7fELF") {
        return Some(FormatProblem::fail("是 Linux 可执行程序（ELF），不得归档"));
    }
    if h.starts_with(&[0xCF, 0xFA, 0xED, 0xFE]) || h.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE]) {
        return Some(FormatProblem::fail("是可执行程序，不得归档"));
    }
    if h.starts_with(b"#!") {
        return Some(FormatProblem::fail("是脚本文件（以 #! 开头），不得归档"));
    }
    const SCRIPTS: &[&str] = &[
        "exe", "dll", "com", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "sh", "msi",
        "scr", "jar", "apk", "lnk", "hta",
    ];
    if SCRIPTS.contains(&ext.as_str()) {
        return Some(FormatProblem::fail(format!(
            "扩展名 .{ext} 表明是可执行文件或脚本，不得归档"
        )));
    }
    const MACRO_EXT: &[&str] = &[
        "docm", "dotm", "xlsm", "xltm", "xlsb", "pptm", "potm", "ppsm",
    ];
    if MACRO_EXT.contains(&ext.as_str()) {
        return Some(FormatProblem::fail(format!(
            "扩展名 .{ext} 是启用宏的办公文档，宏可能含恶意代码；请另存为 PDF/OFD 后归档"
        )));
    }
    if h.starts_with(b"PK\x03\x04") {
        let body: &[u8] = p.full.as_deref().unwrap_or(&p.tail);
        if contains(body, b"vbaProject.bin") {
            return Some(FormatProblem::fail(
                "办公文档中含有宏（vbaProject.bin），宏可能含恶意代码；请另存为 PDF/OFD 后归档",
            ));
        }
    }
    // Compound files (old Office, WPS) are opened by `office::check_ole`.
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(name: &str, data: &[u8]) -> EntryProbe {
        EntryProbe::of(name, data)
    }

    #[test]
    fn pdf_truncated_encrypted_and_renamed() {
        let good = crate::pdf::tests::pdf(|_, _, _| {});
        let (_, p) = check_format(&probe("a.pdf", &good));
        assert!(p.is_empty(), "{p:?}");
        let (_, p) = check_format(&probe("a.pdf", &good[..30]));
        assert!(p.iter().any(|x| x.is_fail() && x.reason.contains("%%EOF")));
        // Captured only in part (a large file): the raw /Encrypt decides.
        let enc = b"%PDF-1.4\ntrailer<</Encrypt 5 0 R>>\nstartxref\n9\n%%EOF\n";
        let mut part = probe("a.pdf", enc);
        part.full = None;
        let (_, p, _) = check_format_deep(&part, None);
        assert!(
            p.iter()
                .any(|x| x.item == "3-4-1" && x.reason.contains("已加密")),
            "{p:?}"
        );
        assert!(p.iter().any(|x| x.reason.contains("未完整打开")), "{p:?}");
        let (fmt, p) = check_format(&probe("a.jpg", &good));
        assert_eq!(fmt, "pdf");
        assert!(p
            .iter()
            .any(|x| x.reason.contains("扩展名“.jpg”与文件内容（PDF 文档）不符")));
    }

    fn ofd(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, d) in entries {
            z.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut z, d).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn ofd_container_and_entry_document() {
        let good = crate::ofd::tests::build(&crate::ofd::tests::good_parts(true));
        let (fmt, p, facts) = check_format_deep(&probe("发票.ofd", &good), Some(&good));
        assert_eq!(fmt, "ofd");
        assert!(p.is_empty(), "{p:?}");
        let r = facts.unwrap().recorded();
        assert_eq!((r.version.as_str(), r.pages), ("OFD 1.0", Some(2)));
        // Without its documents the entry file alone is not an OFD one can open.
        let bare = ofd(&[("OFD.xml", "<?xml version=\"1.0\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:DocBody/></ofd:OFD>".as_bytes())]);
        let (_, p) = check_format(&probe("发票.ofd", &bare));
        assert!(
            p.iter()
                .any(|x| x.is_fail() && x.reason.contains("DocRoot")),
            "{p:?}"
        );
        let (_, p) = check_format(&probe("发票.ofd", &ofd(&[("Doc_0/Document.xml", b"<x/>")])));
        assert!(
            p.iter()
                .any(|x| x.is_fail() && x.reason.contains("OFD.xml")),
            "{p:?}"
        );
        let (_, p) = check_format(&probe("发票.ofd", &ofd(&[("OFD.xml", b"<ofd:OFD>")])));
        assert!(
            p.iter()
                .any(|x| x.is_fail() && x.reason.contains("无法解析")),
            "{p:?}"
        );
    }

    /// An image encoded by the image crate in `format`.
    fn encoded(format: image::ImageFormat) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn tiff_and_png_headers_and_data() {
        let tiff = encoded(image::ImageFormat::Tiff);
        let (_, p, facts) = check_format_deep(&probe("扫描.tif", &tiff), Some(&tiff));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            facts,
            Some(Facts::Image(crate::raster::ImageFacts {
                kind: "TIFF",
                width: 64,
                height: 48
            }))
        );
        let mut bad = b"II*\0".to_vec();
        bad.extend(9999u32.to_le_bytes());
        assert!(check_format(&probe("扫描.tif", &bad))
            .1
            .iter()
            .any(FormatProblem::is_fail));
        // A TIFF cut short: its header is fine, its strips are not there.
        let cut = &tiff[..tiff.len() / 2];
        let p = check_format(&probe("扫描.tif", cut)).1;
        assert!(p.iter().any(FormatProblem::is_fail), "{p:?}");
        // A PNG whose header CRC was damaged.
        let mut png = encoded(image::ImageFormat::Png);
        assert!(check_format(&probe("签名.png", &png)).1.is_empty());
        png[20] ^= 1;
        assert!(check_format(&probe("签名.png", &png))
            .1
            .iter()
            .any(|x| x.reason.contains("校验值错误")));
    }

    #[test]
    fn executables_and_macros() {
        assert!(executable_problem(&probe("a.pdf", b"MZ\x90\0"))
            .unwrap()
            .is_fail());
        assert!(executable_problem(&probe("run.sh", b"#!/bin/sh\n"))
            .unwrap()
            .is_fail());
        assert!(executable_problem(&probe("表.xlsm", b"PK\x03\x04"))
            .unwrap()
            .is_fail());
        assert!(
            executable_problem(&probe("表.docx", b"PK\x03\x04....word/vbaProject.bin...."))
                .unwrap()
                .is_fail()
        );
        assert!(executable_problem(&probe("a.pdf", b"%PDF-1.4")).is_none());
    }

    #[test]
    fn a_disguised_program_and_a_macro_document_are_named_for_what_they_are() {
        // An ELF program named .pdf: the content does not match the name.
        let (_, v) = check_format(&probe("决定书.pdf", b"\x7fELF\x02\x01\x01\0rest"));
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].severity, Severity::Fail);
        assert!(
            v[0].reason.contains(
                "扩展名“.pdf”表明是PDF 文档，但文件内容是Linux 可执行程序（ELF），与扩展名不符"
            ),
            "{}",
            v[0].reason
        );
        // A .docm: no content mismatch, a macro-enabled document (4-1-2).
        let docm = probe("申请书.docm", b"PK\x03\x04....word/vbaProject.bin....");
        let (fmt, v) = check_format(&docm);
        assert_eq!(fmt, "zip");
        assert!(
            v.iter()
                .all(|x| x.severity == Severity::Warn && !x.reason.contains("不符")),
            "{v:?}"
        );
        let FormatProblem {
            severity, reason, ..
        } = executable_problem(&docm).unwrap();
        assert!(
            severity == Severity::Fail && reason.contains("启用宏"),
            "{reason}"
        );
    }

    #[test]
    fn severities_become_verdicts() {
        assert_eq!(Severity::Fail.verdict(), Verdict::Fail);
        assert_eq!(Severity::Warn.verdict(), Verdict::Warn);
        // A ZIP material is a warning under 3-2-1, not a failure.
        let zip = ofd(&[("a.txt", b"x")]);
        let (fmt, v) = check_format(&probe("材料.zip", &zip));
        assert_eq!(fmt, "zip");
        assert_eq!(
            v,
            vec![FormatProblem::warn(
                "材料本身是压缩包，其中的文件无法逐一检查；建议解压后分别归档"
            )]
        );
    }
}
