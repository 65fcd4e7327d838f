//! Opening a PDF for real (DA/T 70 3-2, 3-4, 4-1, 1-3): the whole file is
//! parsed with lopdf (a maintained PDF library; nothing of the PDF syntax
//! is parsed by hand here), then every object reachable from the document
//! catalog is visited once, bounded, and judged by the policy table of
//! `docs/checks.md`:
//!
//! | Found | Item | Verdict |
//! |---|---|---|
//! | encryption of any kind, owner-password permissions only included | 3-4-1 | fail |
//! | the file cannot be parsed | 3-2-1 | fail |
//! | cross-reference entries that point at no object (opens only after repair) | 3-2-1 | warn |
//! | an object the document uses that does not exist | 3-2-1 | fail |
//! | a page's content stream that does not decode | 3-2-1 | fail |
//! | image data shorter than its declared size | 3-2-1 | fail |
//! | no page | 3-2-1 | fail |
//! | JavaScript, Launch actions | 4-1-2 | fail |
//! | embedded files, file-attachment annotations | 4-1-2 | fail |
//! | multimedia: RichMedia, 3D, Movie, Sound, Screen, renditions | 3-2-1 | fail |
//! | fonts not embedded (DA/T 47: 版式文件 embed their fonts) | 3-2-1 | fail; the 14 standard fonts warn |
//! | links to outside the file (URI, GoToR, forms submitted) | 3-2-1 | warn |
//! | web capture (SpiderInfo) | 3-2-1 | warn |
//! | a PDF/A claim (XMP `pdfaid`) the content contradicts | 1-3-1 | fail |
//!
//! What is read is bounded: the file itself by the caller, every stream
//! followed to at most [`MAX_STREAM`] decoded bytes (counted, not kept;
//! object streams [`MAX_OBJECT_STREAM`]), the walk to [`MAX_OBJECTS`]
//! objects. The version, the page count and any PDF/A claim are returned
//! for the metadata (1-3).

use std::collections::{HashSet, VecDeque};

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

use crate::formats::FormatProblem;

/// Largest decoded stream (content, image) followed to its end; longer
/// ones are left to the viewer. Decoded bytes are counted, not kept.
pub const MAX_STREAM: usize = 1 << 30;
/// Largest object or cross-reference stream lopdf decodes (into memory)
/// while loading.
pub const MAX_OBJECT_STREAM: usize = 64 << 20;
/// Most objects visited.
pub const MAX_OBJECTS: usize = 2_000_000;

/// The 14 standard fonts every PDF reader has (PDF 1.7, 9.6.2.2).
const STANDARD_14: [&str; 14] = [
    "Times-Roman",
    "Times-Bold",
    "Times-Italic",
    "Times-BoldItalic",
    "Helvetica",
    "Helvetica-Bold",
    "Helvetica-Oblique",
    "Helvetica-BoldOblique",
    "Courier",
    "Courier-Bold",
    "Courier-Oblique",
    "Courier-BoldOblique",
    "Symbol",
    "ZapfDingbats",
];

/// What a PDF says of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfFacts {
    /// Header version, e.g. `1.7`.
    pub version: String,
    /// Pages.
    pub pages: u32,
    /// PDF/A claim, e.g. `PDF/A-1b`.
    pub pdfa: Option<String>,
}

impl PdfFacts {
    /// The format as `元数据.xml` records it: `PDF 1.7`, or `PDF/A-1b`.
    pub fn label(&self) -> String {
        self.pdfa
            .clone()
            .unwrap_or_else(|| format!("PDF {}", self.version))
    }
}

/// Risks found on the walk, each named once with a sample.
#[derive(Default)]
struct Risks {
    javascript: bool,
    launch: bool,
    embedded: Vec<String>,
    attachments: usize,
    multimedia: HashSet<String>,
    links: Vec<String>,
    web_capture: bool,
    missing: Vec<ObjectId>,
    fonts_missing: Vec<String>,
    standard_fonts: Vec<String>,
    bad_streams: Vec<String>,
    short_images: Vec<String>,
    truncated_walk: bool,
}

/// Checks a whole PDF. Problems come with the DA/T 70 item they belong to.
pub fn check_pdf(bytes: &[u8]) -> (Option<PdfFacts>, Vec<FormatProblem>) {
    let mut v = Vec::new();
    let opts = LoadOptions {
        max_decompressed_size: Some(MAX_OBJECT_STREAM),
        ..Default::default()
    };
    let mut repaired_bytes = None;
    let doc = match Document::load_mem_with_options(bytes, opts.clone()) {
        Ok(d) => d,
        Err(e) if is_password_error(&e) => {
            v.push(encrypted("需要打开口令"));
            return (None, v);
        }
        Err(e) => {
            // What a viewer does with a damaged file: rebuild its
            // cross-reference table (qpdf), then read the result.
            let fixed = repair(bytes).and_then(|b| {
                Document::load_mem_with_options(&b, opts)
                    .ok()
                    .map(|d| (b, d))
            });
            match fixed {
                Some((b, d)) => {
                    v.push(FormatProblem::warn(format!(
                        "PDF 的交叉引用表损坏（{e}），阅读器要先修复才能打开；修复后内容可读，建议重新导出该文件"
                    )));
                    repaired_bytes = Some(b);
                    d
                }
                None => {
                    v.push(FormatProblem::fail(format!(
                        "PDF 结构无法解析（{e}），修复也不能打开；请重新导出或扫描该文件"
                    )));
                    return (None, v);
                }
            }
        }
    };
    let bytes = repaired_bytes.as_deref().unwrap_or(bytes);
    if doc.was_encrypted() || doc.is_encrypted() {
        v.push(encrypted("设有权限口令，限制打印、复制或修改"));
    }
    let start = bytes.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
    let bad_xref = broken_xref_entries(&doc, &bytes[start..]);
    if bad_xref > 0 {
        v.push(FormatProblem::warn(format!(
            "PDF 交叉引用表中有 {bad_xref} 个对象的位置不对，阅读器要先修复才能打开；建议重新导出该文件"
        )));
    }
    let mut risks = Risks::default();
    let pages = walk_pages(&doc, &mut risks);
    walk_catalog(&doc, &mut risks);
    let pdfa = pdfa_claim(&doc);
    let facts = PdfFacts {
        version: doc.version.clone(),
        pages,
        pdfa: pdfa.clone(),
    };
    if pages == 0 {
        v.push(FormatProblem::fail("PDF 没有任何页面，无法显示"));
    }
    v.extend(judge(&risks));
    if let Some(claim) = &pdfa {
        let mut why = Vec::new();
        if doc.was_encrypted() || doc.is_encrypted() {
            why.push("已加密");
        }
        if risks.javascript || risks.launch {
            why.push("含有 JavaScript 或启动动作");
        }
        if !risks.embedded.is_empty() && claim.starts_with("PDF/A-1") {
            why.push("嵌入了文件");
        }
        if !risks.fonts_missing.is_empty() || !risks.standard_fonts.is_empty() {
            why.push("有未嵌入的字体");
        }
        if !risks.multimedia.is_empty() {
            why.push("含有多媒体");
        }
        if !why.is_empty() {
            v.push(
                FormatProblem::fail(format!(
                    "文件声称符合 {claim}，但{}，不符合该标准；元数据中的格式信息与内容不一致",
                    why.join("、")
                ))
                .at("1-3-1"),
            );
        }
    }
    (Some(facts), v)
}

/// A damaged PDF rebuilt by qpdf (a system tool made for this; Debian's
/// `qpdf` package, recommended by Guidang's): the repaired bytes, or `None`
/// when qpdf is not installed, cannot repair it, or takes over a minute.
fn repair(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let tmp = std::env::temp_dir();
    let tag = format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let (inp, out) = (
        tmp.join(format!("guidang-repair-{tag}.in.pdf")),
        tmp.join(format!("guidang-repair-{tag}.out.pdf")),
    );
    let result = (|| {
        std::fs::write(&inp, bytes).ok()?;
        let mut child = std::process::Command::new("qpdf")
            .arg(&inp)
            .arg(&out)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().ok()? {
                break s;
            }
            if start.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // 0: fine, 3: repaired with warnings; 2: could not.
        if !matches!(status.code(), Some(0) | Some(3)) {
            return None;
        }
        std::fs::read(&out).ok()
    })();
    let _ = std::fs::remove_file(&inp);
    let _ = std::fs::remove_file(&out);
    result
}

fn encrypted(how: &str) -> FormatProblem {
    FormatProblem::fail(format!(
        "PDF 已加密（{how}）；按规定加密文件须解密后归档：请向出具单位索取未加密的版本，或用原软件去掉口令后另存"
    ))
    .at("3-4-1")
}

fn is_password_error(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)
    )
}

/// Cross-reference entries whose offset does not hold `N G obj`.
fn broken_xref_entries(doc: &Document, buf: &[u8]) -> usize {
    doc.reference_table
        .entries
        .iter()
        .filter(|(id, e)| match e {
            lopdf::xref::XrefEntry::Normal { offset, generation } => {
                let at = *offset as usize;
                let Some(rest) = buf.get(at..) else {
                    return true;
                };
                let rest = &rest[..rest.len().min(64)];
                let s = String::from_utf8_lossy(rest);
                let mut w = s.split_ascii_whitespace();
                !(w.next() == Some(&id.to_string())
                    && w.next() == Some(&generation.to_string())
                    && w.next().is_some_and(|t| t.starts_with("obj")))
            }
            _ => false,
        })
        .count()
}

fn name_of(o: &Object) -> Option<&[u8]> {
    o.as_name().ok()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Follows a reference (noting a missing target); anything else as is.
fn resolve<'a>(doc: &'a Document, o: &'a Object, r: &mut Risks) -> Option<&'a Object> {
    match o {
        Object::Reference(id) => match doc.objects.get(id) {
            Some(x) => Some(x),
            None => {
                if r.missing.len() < 20 && !r.missing.contains(id) {
                    r.missing.push(*id);
                }
                None
            }
        },
        x => Some(x),
    }
}

fn dict_of(o: &Object) -> Option<&Dictionary> {
    match o {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// The page tree, from the catalog's /Pages: counts the pages, decodes
/// each page's content streams and checks its fonts, images and
/// annotations (through the catalog walk).
fn walk_pages(doc: &Document, r: &mut Risks) -> u32 {
    let Ok(cat) = doc.catalog() else {
        r.missing.push((0, 0));
        return 0;
    };
    let Ok(root) = cat.get(b"Pages") else {
        return 0;
    };
    let mut pages = 0u32;
    let mut seen = HashSet::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if let Object::Reference(id) = node {
            if !seen.insert(*id) || seen.len() > MAX_OBJECTS {
                continue;
            }
        }
        let Some(d) = resolve(doc, node, r).and_then(dict_of) else {
            continue;
        };
        match d.get(b"Type").ok().and_then(name_of) {
            Some(b"Pages") if depth < 64 => {
                if let Ok(Object::Array(kids)) = d
                    .get(b"Kids")
                    .and_then(|k| resolve(doc, k, r).ok_or(lopdf::Error::ObjectNotFound((0, 0))))
                {
                    for k in kids.iter().rev() {
                        stack.push((k, depth + 1));
                    }
                }
            }
            _ => {
                pages += 1;
                content_streams(doc, d, pages, r);
            }
        }
    }
    pages
}

/// Each content stream of page `n` decodes.
fn content_streams(doc: &Document, page: &Dictionary, n: u32, r: &mut Risks) {
    let Ok(c) = page.get(b"Contents") else {
        return;
    };
    let items: Vec<&Object> = match resolve(doc, c, r) {
        Some(Object::Array(a)) => a.iter().collect(),
        Some(_) => vec![c],
        None => return,
    };
    for it in items {
        if let Some(Object::Stream(s)) = resolve(doc, it, r) {
            if let Err(e) = decoded_len(s) {
                if r.bad_streams.len() < 5 {
                    r.bad_streams.push(format!("第 {n} 页内容（{e}）"));
                }
            }
        }
    }
}

/// Decodes a stream with no filter or with Flate (by far the most common)
/// strictly, feeding `sink` and returning the decoded length: lopdf's own
/// inflater forgives damaged data, and a viewer that cannot inflate a
/// stream shows nothing of it (a zlib stream is retried as raw deflate, as
/// viewers do). Other filters (image codecs, LZW, ASCII) are left to the
/// viewer, and so is a stream that decodes past `max` bytes: `Ok(None)`.
fn decode_into(
    s: &lopdf::Stream,
    max: u64,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<Option<u64>, String> {
    use std::io::Read;
    let pump = |r: &mut dyn Read, sink: &mut dyn FnMut(&[u8])| -> Result<Option<u64>, String> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut n = 0u64;
        loop {
            let k = r.read(&mut buf).map_err(|e| e.to_string())?;
            if k == 0 {
                return Ok(Some(n));
            }
            n += k as u64;
            if n > max {
                return Ok(None);
            }
            sink(&buf[..k]);
        }
    };
    match s.filters() {
        Err(_) => {
            sink(&s.content);
            Ok(Some(s.content.len() as u64))
        }
        Ok(fs) if fs.len() == 1 && fs[0] == b"FlateDecode" => {
            let c = s.content.as_slice();
            // A zlib stream that fails is retried as raw deflate; what the
            // first try fed stays fed (only counted, or XMP text).
            pump(&mut flate2::read::ZlibDecoder::new(c), sink).or_else(|e| {
                let raw = c.get(2..).unwrap_or_default();
                pump(&mut flate2::read::DeflateDecoder::new(raw), sink).map_err(|_| e)
            })
        }
        Ok(_) => Ok(None),
    }
}

/// The decoded length of a stream (nothing kept), as [`decode_into`].
fn decoded_len(s: &lopdf::Stream) -> Result<Option<u64>, String> {
    decode_into(s, MAX_STREAM as u64, &mut |_| {})
}

/// A small stream's decoded bytes (XMP metadata), at most 16 MiB.
fn decode_small(s: &lopdf::Stream) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    decode_into(s, 16 << 20, &mut |b| v.extend_from_slice(b))
        .ok()
        .flatten()?;
    Some(v)
}

/// Every object reachable from the trailer, once: actions, annotations,
/// files, fonts, images.
fn walk_catalog(doc: &Document, r: &mut Risks) {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut queue: VecDeque<&Object> = doc.trailer.iter().map(|(_, v)| v).collect();
    if let Ok(cat) = doc.catalog() {
        if cat.has(b"SpiderInfo") {
            r.web_capture = true;
        }
        if let Ok(names) = cat.get(b"Names").map(|n| resolve(doc, n, r)) {
            if let Some(n) = names.and_then(dict_of) {
                if n.has(b"JavaScript") {
                    r.javascript = true;
                }
                if n.has(b"EmbeddedFiles") {
                    r.embedded.push("文档级附件".into());
                }
            }
        }
    }
    let mut visited = 0usize;
    while let Some(o) = queue.pop_front() {
        visited += 1;
        if visited > MAX_OBJECTS {
            r.truncated_walk = true;
            break;
        }
        let o = match o {
            Object::Reference(id) => {
                if !seen.insert(*id) {
                    continue;
                }
                match resolve(doc, o, r) {
                    Some(x) => x,
                    None => continue,
                }
            }
            x => x,
        };
        match o {
            Object::Array(a) => queue.extend(a.iter()),
            Object::Dictionary(_) | Object::Stream(_) => {
                let d = dict_of(o).expect("dictionary");
                judge_dict(doc, d, o, r);
                queue.extend(d.iter().map(|(_, v)| v));
            }
            _ => {}
        }
    }
}

/// One dictionary against the policy.
fn judge_dict(doc: &Document, d: &Dictionary, o: &Object, r: &mut Risks) {
    let get = |k: &[u8]| d.get(k).ok().and_then(name_of);
    if d.has(b"JS") || get(b"S") == Some(b"JavaScript") {
        r.javascript = true;
    }
    match get(b"S") {
        Some(b"Launch") => r.launch = true,
        Some(b"URI") => {
            let uri = d.get(b"URI").ok().and_then(|u| u.as_str().ok()).map(text);
            if r.links.len() < 5 {
                r.links.push(uri.unwrap_or_else(|| "URI".into()));
            }
        }
        Some(s @ (b"GoToR" | b"SubmitForm" | b"ImportData" | b"GoToE")) if r.links.len() < 5 => {
            r.links.push(format!("{} 动作", text(s)));
        }
        Some(s @ (b"Movie" | b"Sound" | b"Rendition")) => {
            r.multimedia.insert(text(s));
        }
        _ => {}
    }
    match get(b"Subtype") {
        Some(b"FileAttachment") => r.attachments += 1,
        Some(s @ (b"RichMedia" | b"3D" | b"Movie" | b"Sound" | b"Screen")) => {
            r.multimedia.insert(text(s));
        }
        Some(b"Image") if get(b"Type").is_none_or(|t| t == b"XObject") => {
            if let Object::Stream(s) = o {
                image_size(doc, s, r);
            }
        }
        _ => {}
    }
    if get(b"Type") == Some(b"Filespec") && d.has(b"EF") && r.embedded.len() < 5 {
        let name = d
            .get(b"UF")
            .or_else(|_| d.get(b"F"))
            .ok()
            .and_then(|f| f.as_str().ok())
            .map(text)
            .unwrap_or_else(|| "未命名附件".into());
        r.embedded.push(name);
    }
    if get(b"Type") == Some(b"Font") {
        font(doc, d, r);
    }
}

/// A font is embedded: its descriptor (or its descendant's) has a font file.
fn font(doc: &Document, d: &Dictionary, r: &mut Risks) {
    let sub = d.get(b"Subtype").ok().and_then(name_of).unwrap_or_default();
    if sub == b"Type3" {
        return;
    }
    let base = d
        .get(b"BaseFont")
        .ok()
        .and_then(name_of)
        .map(text)
        .unwrap_or_else(|| "未命名字体".into());
    let target = if sub == b"Type0" {
        match d
            .get(b"DescendantFonts")
            .ok()
            .and_then(|x| resolve(doc, x, r))
            .and_then(|x| x.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|x| resolve(doc, x, r))
            .and_then(dict_of)
        {
            Some(df) => df,
            None => return,
        }
    } else {
        d
    };
    let embedded = target
        .get(b"FontDescriptor")
        .ok()
        .and_then(|x| resolve(doc, x, r))
        .and_then(dict_of)
        .is_some_and(|fd| fd.has(b"FontFile") || fd.has(b"FontFile2") || fd.has(b"FontFile3"));
    if embedded {
        return;
    }
    let list = if STANDARD_14.contains(&base.as_str()) {
        &mut r.standard_fonts
    } else {
        &mut r.fonts_missing
    };
    if !list.contains(&base) && list.len() < 10 {
        list.push(base);
    }
}

/// An image XObject's decoded data is at least its declared size.
fn image_size(doc: &Document, s: &lopdf::Stream, r: &mut Risks) {
    let num = |k: &[u8]| s.dict.get(k).ok().and_then(|x| x.as_i64().ok());
    let (Some(w), Some(h)) = (num(b"Width"), num(b"Height")) else {
        return;
    };
    let mask = s
        .dict
        .get(b"ImageMask")
        .ok()
        .and_then(|x| x.as_bool().ok())
        .unwrap_or(false);
    let bpc = if mask {
        1
    } else {
        num(b"BitsPerComponent").unwrap_or(8)
    };
    let comps = if mask {
        Some(1)
    } else {
        s.dict
            .get(b"ColorSpace")
            .ok()
            .and_then(|c| components(doc, c))
    };
    let Some(comps) = comps else {
        return;
    };
    if w <= 0 || h <= 0 || !(1..=16).contains(&bpc) {
        if r.short_images.len() < 5 {
            r.short_images
                .push(format!("宽 {w}、高 {h}、位深 {bpc} 无效"));
        }
        return;
    }
    let row = (w as u128 * comps as u128 * bpc as u128).div_ceil(8);
    let want = row * h as u128;
    match decoded_len(s) {
        Ok(Some(n)) if (n as u128) < want && r.short_images.len() < 5 => {
            r.short_images
                .push(format!("{w}×{h} 的图像应有 {want} 字节，实有 {n} 字节"));
        }
        Err(e) if r.bad_streams.len() < 5 => r.bad_streams.push(format!("图像数据（{e}）")),
        _ => {}
    }
}

/// Components of a colour space, when known.
fn components(doc: &Document, c: &Object) -> Option<i64> {
    let c = match c {
        Object::Reference(id) => doc.objects.get(id)?,
        x => x,
    };
    match c {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Some(1),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Some(3),
            b"DeviceCMYK" | b"CMYK" => Some(4),
            _ => None,
        },
        Object::Array(a) => match a.first().and_then(|x| x.as_name().ok())? {
            b"Indexed" | b"I" | b"Separation" => Some(1),
            b"ICCBased" => {
                let s = match a.get(1)? {
                    Object::Reference(id) => doc.objects.get(id)?,
                    x => x,
                };
                dict_of(s)?.get(b"N").ok()?.as_i64().ok()
            }
            b"CalRGB" | b"Lab" => Some(3),
            b"CalGray" => Some(1),
            b"DeviceN" => Some(a.get(1)?.as_array().ok()?.len() as i64),
            _ => None,
        },
        _ => None,
    }
}

/// The PDF/A part and conformance the XMP metadata claims.
fn pdfa_claim(doc: &Document) -> Option<String> {
    let cat = doc.catalog().ok()?;
    let m = match cat.get(b"Metadata").ok()? {
        Object::Reference(id) => doc.objects.get(id)?,
        x => x,
    };
    let Object::Stream(s) = m else {
        return None;
    };
    let xmp = decode_small(s)?;
    let x = String::from_utf8_lossy(&xmp);
    let field = |k: &str| -> Option<String> {
        // Attribute form `pdfaid:part="1"` or element `<pdfaid:part>1</…>`.
        let at = x.find(&format!("pdfaid:{k}"))?;
        let rest = &x[at + 7 + k.len()..];
        let v: String = rest
            .trim_start_matches(['=', '"', '\'', '>', ' '])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        (!v.is_empty()).then_some(v)
    };
    let part = field("part")?;
    let conf = field("conformance")
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(format!("PDF/A-{part}{conf}"))
}

/// The risks found, as problems with their items.
fn judge(r: &Risks) -> Vec<FormatProblem> {
    let mut v = Vec::new();
    if !r.missing.is_empty() {
        let ids: Vec<String> = r
            .missing
            .iter()
            .map(|(n, g)| format!("{n} {g} R"))
            .collect();
        v.push(FormatProblem::fail(format!(
            "PDF 引用了不存在的对象（{}），部分内容无法显示",
            ids.join("、")
        )));
    }
    if !r.bad_streams.is_empty() {
        v.push(FormatProblem::fail(format!(
            "PDF 的数据流无法解码：{}；文件已损坏",
            r.bad_streams.join("；")
        )));
    }
    if !r.short_images.is_empty() {
        v.push(FormatProblem::fail(format!(
            "PDF 中图像的数据与其声明的尺寸不符：{}；图像无法完整显示",
            r.short_images.join("；")
        )));
    }
    if r.javascript {
        v.push(
            FormatProblem::fail("PDF 中含有 JavaScript 脚本，打开时可能执行代码；请去掉脚本后重新导出（如“打印”为新的 PDF）")
                .at("4-1-2"),
        );
    }
    if r.launch {
        v.push(
            FormatProblem::fail("PDF 中含有启动外部程序的动作（Launch），不得归档；请重新导出")
                .at("4-1-2"),
        );
    }
    if !r.embedded.is_empty() || r.attachments > 0 {
        let mut what = r.embedded.clone();
        if r.attachments > 0 {
            what.push(format!("{} 个附件注释", r.attachments));
        }
        v.push(
            FormatProblem::fail(format!(
                "PDF 中嵌入了文件（{}），其内容无法检测，可能夹带程序；请把附件作为单独的材料收集，并导出不含附件的 PDF",
                what.join("、")
            ))
            .at("4-1-2"),
        );
    }
    if !r.multimedia.is_empty() {
        let mut m: Vec<&str> = r.multimedia.iter().map(String::as_str).collect();
        m.sort();
        v.push(FormatProblem::fail(format!(
            "PDF 中含有多媒体内容（{}），依赖播放插件，长期保存后无法播放；请把音视频作为单独的材料收集",
            m.join("、")
        )));
    }
    if !r.fonts_missing.is_empty() {
        v.push(FormatProblem::fail(format!(
            "PDF 有未嵌入的字体（{}），在没有这些字体的电脑上会显示错乱（DA/T 47：版式文件应嵌入字体）；请导出时选择“嵌入全部字体”",
            r.fonts_missing.join("、")
        )));
    }
    if !r.standard_fonts.is_empty() {
        v.push(FormatProblem::warn(format!(
            "PDF 使用了未嵌入的标准字体（{}），阅读器会替换显示；长期保存建议嵌入全部字体",
            r.standard_fonts.join("、")
        )));
    }
    if !r.links.is_empty() {
        v.push(FormatProblem::warn(format!(
            "PDF 中有指向文件以外的链接（{}），所链接的内容不在归档范围内，日后可能无法访问",
            r.links.join("、")
        )));
    }
    if r.web_capture {
        v.push(FormatProblem::warn(
            "PDF 是网页捕获（Web Capture）生成的，含有原网页的地址信息；请核对内容是否完整",
        ));
    }
    if r.truncated_walk {
        v.push(FormatProblem::warn(format!(
            "PDF 的对象超过 {MAX_OBJECTS} 个，只检查了前 {MAX_OBJECTS} 个"
        )));
    }
    v
}

#[cfg(test)]
pub(crate) mod tests;
