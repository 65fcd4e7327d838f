//! Opening an OFD document for real (GB/T 33190, DA/T 70 3-2): the
//! container opens; `OFD.xml` leads to each document's `Document.xml`
//! (DocBody/DocRoot), which leads to every page's content, the public and
//! document resources and the signatures; each part must exist and parse.
//! Fonts without an embedded font file are noted (a warning: OFD readers
//! on 信创 systems carry the standard Chinese fonts, unlike PDF readers);
//! signatures are counted. Read with the `zip` crate and the DTD-refusing
//! XML reader already in use (no maintained OFD crate fits), every part
//! bounded to 16 MiB and the walk to [`MAX_PARTS`] parts.

use std::collections::HashSet;
use std::io::{Cursor, Read};

use guidang_package::xml::Node;

use crate::formats::FormatProblem;

/// Most parts followed.
pub const MAX_PARTS: usize = 20_000;
/// Largest XML part read.
const MAX_XML: u64 = 16 << 20;

/// What an OFD says of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfdFacts {
    /// `Version` of `OFD.xml`, e.g. `1.0`.
    pub version: String,
    /// Pages of all its documents.
    pub pages: u32,
    /// Signatures (电子签章/签名) it carries.
    pub signatures: u32,
}

impl OfdFacts {
    /// The format as `元数据.xml` records it: `OFD 1.0`.
    pub fn label(&self) -> String {
        format!("OFD {}", self.version)
    }
}

fn local(n: &str) -> &str {
    n.rsplit(':').next().unwrap_or(n)
}

fn child<'a>(n: &'a Node, name: &str) -> Option<&'a Node> {
    n.children.iter().find(|c| local(&c.name) == name)
}

fn children<'a>(n: &'a Node, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    n.children.iter().filter(move |c| local(&c.name) == name)
}

/// Every descendant named `name`.
fn descendants<'a>(n: &'a Node, name: &str, out: &mut Vec<&'a Node>) {
    for c in &n.children {
        if local(&c.name) == name {
            out.push(c);
        }
        descendants(c, name, out);
    }
}

/// A path in the container: absolute (`/Doc_0/…`) or relative to `base`
/// (the folder of the part that names it).
fn resolve(base: &str, p: &str) -> String {
    let p = p.trim().replace('\\', "/");
    let joined = match p.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None if base.is_empty() => p,
        None => format!("{base}/{p}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

fn folder(p: &str) -> &str {
    p.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

struct Container<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    names: HashSet<String>,
    problems: Vec<String>,
    read: usize,
}

impl Container<'_> {
    fn has(&self, p: &str) -> bool {
        self.names.contains(p)
    }

    /// A part parsed, or the problem noted.
    fn xml(&mut self, p: &str, what: &str) -> Option<Node> {
        self.read += 1;
        if self.read > MAX_PARTS {
            return None;
        }
        let mut f = match self.zip.by_name(p) {
            Ok(f) => f,
            Err(_) => {
                self.problems.push(format!("{what}“{p}”不存在"));
                return None;
            }
        };
        let mut b = Vec::new();
        if let Err(e) = (&mut f).take(MAX_XML + 1).read_to_end(&mut b) {
            self.problems.push(format!("{what}“{p}”无法读取：{e}"));
            return None;
        }
        if b.len() as u64 > MAX_XML {
            self.problems
                .push(format!("{what}“{p}”超过 {} MiB", MAX_XML >> 20));
            return None;
        }
        match guidang_package::xml::parse(&b) {
            Ok(n) => Some(n),
            Err(e) => {
                self.problems.push(format!("{what}“{p}”无法解析：{e}"));
                None
            }
        }
    }
}

/// Checks a whole OFD file.
pub fn check_ofd(bytes: &[u8]) -> (Option<OfdFacts>, Vec<FormatProblem>) {
    let zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            return (
                None,
                vec![FormatProblem::fail(format!("OFD 容器无法打开：{e}"))],
            )
        }
    };
    let names = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut c = Container {
        zip,
        names,
        problems: Vec::new(),
        read: 0,
    };
    let Some(root) = c.xml("OFD.xml", "OFD 入口文件") else {
        let p = c.problems.join("；");
        return (None, vec![FormatProblem::fail(p)]);
    };
    let mut facts = OfdFacts {
        version: root.attr("Version").unwrap_or("").to_string(),
        ..Default::default()
    };
    let mut fonts_not_embedded = Vec::new();
    let bodies: Vec<&Node> = children(&root, "DocBody").collect();
    if bodies.is_empty() {
        c.problems.push("OFD.xml 中没有文档（DocBody）".into());
    }
    for body in bodies {
        let Some(doc_root) = child(body, "DocRoot").map(|n| resolve("", &n.text)) else {
            c.problems.push("DocBody 中没有 DocRoot".into());
            continue;
        };
        if let Some(doc) = c.xml(&doc_root, "文档") {
            let base = folder(&doc_root).to_string();
            document(&mut c, &doc, &base, &mut facts, &mut fonts_not_embedded);
        }
        if let Some(s) = child(body, "Signatures") {
            let p = resolve("", &s.text);
            if let Some(sigs) = c.xml(&p, "签名列表") {
                let sbase = folder(&p).to_string();
                for sig in children(&sigs, "Signature") {
                    facts.signatures += 1;
                    if let Some(loc) = sig.attr("BaseLoc") {
                        let sp = resolve(&sbase, loc);
                        let _ = c.xml(&sp, "签名");
                    }
                }
            }
        }
    }
    let mut v: Vec<FormatProblem> = c
        .problems
        .iter()
        .take(10)
        .map(|p| FormatProblem::fail(format!("OFD 文档结构不完整：{p}，无法正常打开")))
        .collect();
    if facts.pages == 0 && v.is_empty() {
        v.push(FormatProblem::fail("OFD 文档没有任何页面"));
    }
    if !fonts_not_embedded.is_empty() {
        fonts_not_embedded.dedup();
        v.push(FormatProblem::warn(format!(
            "OFD 使用了未嵌入的字体（{}），依赖阅读器本机的字体显示；长期保存建议嵌入字体",
            fonts_not_embedded.join("、")
        )));
    }
    (Some(facts), v)
}

/// One document: its pages and resources.
fn document(
    c: &mut Container<'_>,
    doc: &Node,
    base: &str,
    facts: &mut OfdFacts,
    fonts: &mut Vec<String>,
) {
    if let Some(common) = child(doc, "CommonData") {
        for kind in ["PublicRes", "DocumentRes"] {
            for r in children(common, kind) {
                let p = resolve(base, &r.text);
                if let Some(res) = c.xml(&p, "资源文件") {
                    resources(c, &res, folder(&p), fonts);
                }
            }
        }
    }
    let Some(pages) = child(doc, "Pages") else {
        c.problems.push("文档中没有页面列表（Pages）".into());
        return;
    };
    for page in children(pages, "Page") {
        facts.pages += 1;
        match page.attr("BaseLoc") {
            Some(loc) => {
                let p = resolve(base, loc);
                let _ = c.xml(&p, "页面");
            }
            None => c.problems.push("页面没有内容位置（BaseLoc）".into()),
        }
    }
}

/// A resource file: fonts (embedded or not) and media files that exist.
fn resources(c: &mut Container<'_>, res: &Node, base: &str, fonts: &mut Vec<String>) {
    let rbase = match res.attr("BaseLoc") {
        Some(b) => resolve(base, b),
        None => base.to_string(),
    };
    let mut list = Vec::new();
    descendants(res, "Font", &mut list);
    for f in list {
        match child(f, "FontFile") {
            Some(ff) => {
                let p = resolve(&rbase, &ff.text);
                if !c.has(&p) {
                    c.problems.push(format!("字体文件“{p}”不存在"));
                }
            }
            None if fonts.len() < 10 => {
                fonts.push(f.attr("FontName").unwrap_or("未命名字体").to_string());
            }
            None => {}
        }
    }
    let mut media = Vec::new();
    descendants(res, "MultiMedia", &mut media);
    for m in media {
        if let Some(mf) = child(m, "MediaFile") {
            let p = resolve(&rbase, &mf.text);
            if !c.has(&p) {
                c.problems.push(format!("图像或多媒体文件“{p}”不存在"));
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const NS: &str = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";

    pub(crate) fn ofd(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, d) in parts {
            z.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut z, d.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    pub(crate) fn good_parts(font_file: bool) -> Vec<(String, String)> {
        let font = if font_file {
            "<ofd:Font ID=\"2\" FontName=\"宋体\"><ofd:FontFile>font_2.ttf</ofd:FontFile></ofd:Font>"
        } else {
            "<ofd:Font ID=\"2\" FontName=\"宋体\"/>"
        };
        vec![
            ("OFD.xml".into(), format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD {NS} Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>1</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>")),
            ("Doc_0/Document.xml".into(), format!("<ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/><ofd:Page ID=\"3\" BaseLoc=\"Pages/Page_1/Content.xml\"/></ofd:Pages></ofd:Document>")),
            ("Doc_0/PublicRes.xml".into(), format!("<ofd:Res {NS} BaseLoc=\"Res\"><ofd:Fonts>{font}</ofd:Fonts><ofd:MultiMedias><ofd:MultiMedia ID=\"4\" Type=\"Image\"><ofd:MediaFile>image_4.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>")),
            ("Doc_0/Res/font_2.ttf".into(), "ttf".into()),
            ("Doc_0/Res/image_4.png".into(), "png".into()),
            ("Doc_0/Pages/Page_0/Content.xml".into(), format!("<ofd:Page {NS}><ofd:Content/></ofd:Page>")),
            ("Doc_0/Pages/Page_1/Content.xml".into(), format!("<ofd:Page {NS}><ofd:Content/></ofd:Page>")),
            ("Doc_0/Signs/Signatures.xml".into(), format!("<ofd:Signatures {NS}><ofd:Signature ID=\"1\" BaseLoc=\"Sign_0/Signature.xml\"/></ofd:Signatures>")),
            ("Doc_0/Signs/Sign_0/Signature.xml".into(), format!("<ofd:Signature {NS}><ofd:SignedInfo/></ofd:Signature>")),
        ]
    }

    pub(crate) fn build(parts: &[(String, String)]) -> Vec<u8> {
        let v: Vec<(&str, &str)> = parts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        ofd(&v)
    }

    #[test]
    fn a_whole_ofd_is_followed_page_by_page() {
        let (f, p) = check_ofd(&build(&good_parts(true)));
        assert!(p.is_empty(), "{p:?}");
        let f = f.unwrap();
        assert_eq!((f.label(), f.pages, f.signatures), ("OFD 1.0".into(), 2, 1));
    }

    #[test]
    fn a_missing_or_broken_part_fails_and_an_unembedded_font_warns() {
        let mut parts = good_parts(true);
        parts.retain(|(n, _)| n != "Doc_0/Pages/Page_1/Content.xml");
        let (_, p) = check_ofd(&build(&parts));
        assert!(
            p.iter().any(|x| x.is_fail() && x.reason.contains("Page_1")),
            "{p:?}"
        );
        let mut parts = good_parts(true);
        parts[5].1 = "<ofd:Page><unclosed>".into();
        let (_, p) = check_ofd(&build(&parts));
        assert!(
            p.iter()
                .any(|x| x.is_fail() && x.reason.contains("无法解析")),
            "{p:?}"
        );
        let mut parts = good_parts(true);
        parts.retain(|(n, _)| n != "Doc_0/Res/image_4.png");
        let (_, p) = check_ofd(&build(&parts));
        assert!(
            p.iter()
                .any(|x| x.is_fail() && x.reason.contains("image_4.png")),
            "{p:?}"
        );
        let (_, p) = check_ofd(&build(&good_parts(false)));
        assert!(
            p.iter().any(|x| !x.is_fail() && x.reason.contains("宋体")),
            "{p:?}"
        );
        let mut parts = good_parts(true);
        parts.retain(|(n, _)| n != "Doc_0/Document.xml");
        let (_, p) = check_ofd(&build(&parts));
        assert!(
            p.iter()
                .any(|x| x.is_fail() && x.reason.contains("Document.xml")),
            "{p:?}"
        );
    }
}
