//! PDFs made with lopdf (a PDF library), each with one risk of the
//! policy table; real tools' files are in the crate's integration tests.
use super::*;
use lopdf::{dictionary, Stream};

/// A one-page PDF; `f` adds to the page and catalog dictionaries.
pub(crate) fn pdf(f: impl FnOnce(&mut Document, &mut Dictionary, &mut Dictionary)) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    // A classic cross-reference table, as office suites write.
    doc.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"0 0 m 100 100 l S".to_vec()));
    let mut page = dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
        "Resources" => dictionary! {},
    };
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    f(&mut doc, &mut page, &mut catalog);
    let page_id = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let cat = doc.add_object(catalog);
    doc.trailer.set("Root", cat);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn problems(b: &[u8]) -> Vec<(Severity, &'static str, String)> {
    check_pdf(b)
        .1
        .into_iter()
        .map(|p| (p.severity, p.item, p.reason))
        .collect()
}

use crate::formats::Severity;

fn has(b: &[u8], sev: Severity, item: &str, needle: &str) {
    let p = problems(b);
    assert!(
        p.iter()
            .any(|(s, i, r)| *s == sev && *i == item && r.contains(needle)),
        "{sev:?} {item} “{needle}” not in {p:?}"
    );
}

#[test]
fn a_clean_pdf_raises_nothing_and_says_what_it_is() {
    let b = pdf(|_, _, _| {});
    let (facts, p) = check_pdf(&b);
    assert!(p.is_empty(), "{p:?}");
    let f = facts.unwrap();
    assert_eq!(
        (f.version.as_str(), f.pages, f.label()),
        ("1.7", 1, "PDF 1.7".into())
    );
}

#[test]
fn javascript_launch_and_attachments_are_4_1_2_failures() {
    let js = pdf(|_, _, c| {
        c.set(
            "OpenAction",
            dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") },
        );
    });
    has(&js, Severity::Fail, "4-1-2", "JavaScript");
    let launch = pdf(|_, p, _| {
        p.set(
            "AA",
            dictionary! { "O" => dictionary! { "S" => "Launch", "F" => Object::string_literal("calc.exe") } },
        );
    });
    has(&launch, Severity::Fail, "4-1-2", "Launch");
    let embedded = pdf(|d, _, c| {
        let file = d.add_object(Stream::new(dictionary! {}, b"MZ\x90\0".to_vec()));
        let spec = d.add_object(dictionary! {
            "Type" => "Filespec",
            "F" => Object::string_literal("tool.exe"),
            "EF" => dictionary! { "F" => file },
        });
        c.set(
            "Names",
            dictionary! { "EmbeddedFiles" => dictionary! {
            "Names" => vec![Object::string_literal("tool.exe"), spec.into()] } },
        );
    });
    has(&embedded, Severity::Fail, "4-1-2", "tool.exe");
    let annot = pdf(|_, p, _| {
        p.set(
            "Annots",
            vec![Object::Dictionary(dictionary! {
                "Type" => "Annot", "Subtype" => "FileAttachment",
                "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
            })],
        );
    });
    has(&annot, Severity::Fail, "4-1-2", "附件注释");
}

#[test]
fn multimedia_links_and_web_capture() {
    let rich = pdf(|_, p, _| {
        p.set(
            "Annots",
            vec![Object::Dictionary(
                dictionary! { "Type" => "Annot", "Subtype" => "RichMedia" },
            )],
        );
    });
    has(&rich, Severity::Fail, "3-2-1", "RichMedia");
    let link = pdf(|_, p, _| {
        p.set(
            "Annots",
            vec![Object::Dictionary(dictionary! {
                "Type" => "Annot", "Subtype" => "Link",
                "A" => dictionary! { "S" => "URI", "URI" => Object::string_literal("http://example.gov.cn/x") },
            })],
        );
    });
    has(&link, Severity::Warn, "3-2-1", "http://example.gov.cn/x");
    assert!(!problems(&link).iter().any(|p| p.0 == Severity::Fail));
    let spider = pdf(|_, _, c| c.set("SpiderInfo", dictionary! { "V" => 1.0 }));
    has(&spider, Severity::Warn, "3-2-1", "网页捕获");
}

fn with_font(font: Dictionary) -> Vec<u8> {
    pdf(|d, p, _| {
        let f = d.add_object(font);
        p.set(
            "Resources",
            dictionary! { "Font" => dictionary! { "F1" => f } },
        );
    })
}

#[test]
fn fonts_not_embedded_fail_and_standard_ones_warn() {
    let simsun = with_font(dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "SimSun",
        "FontDescriptor" => dictionary! { "Type" => "FontDescriptor", "FontName" => "SimSun" },
    });
    has(&simsun, Severity::Fail, "3-2-1", "SimSun");
    let cid = with_font(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "STSong-Light",
        "DescendantFonts" => vec![Object::Dictionary(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light",
            "FontDescriptor" => dictionary! { "Type" => "FontDescriptor" },
        })],
    });
    has(&cid, Severity::Fail, "3-2-1", "STSong-Light");
    let helv = with_font(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    has(&helv, Severity::Warn, "3-2-1", "Helvetica");
    let embedded = pdf(|d, p, _| {
        let ff = d.add_object(Stream::new(dictionary! {}, vec![0u8; 16]));
        let f = d.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "ABCDEF+SimSun",
            "FontDescriptor" => dictionary! { "Type" => "FontDescriptor", "FontFile2" => ff },
        });
        p.set(
            "Resources",
            dictionary! { "Font" => dictionary! { "F1" => f } },
        );
    });
    assert!(problems(&embedded).is_empty(), "{:?}", problems(&embedded));
}

#[test]
fn a_missing_object_a_short_image_and_an_undecodable_stream_fail() {
    let missing = pdf(|_, p, _| p.set("Contents", Object::Reference((999, 0))));
    has(&missing, Severity::Fail, "3-2-1", "999 0 R");
    let short = pdf(|d, p, _| {
        let img = d.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 100, "Height" => 100,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
            },
            vec![0u8; 300],
        ));
        p.set(
            "Resources",
            dictionary! { "XObject" => dictionary! { "Im1" => img } },
        );
    });
    has(&short, Severity::Fail, "3-2-1", "30000 字节");
    let broken = pdf(|d, p, _| {
        let c = d.add_object(Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            b"this is not zlib data at all".to_vec(),
        ));
        p.set("Contents", c);
    });
    has(&broken, Severity::Fail, "3-2-1", "第 1 页内容");
}

#[test]
fn a_false_pdfa_claim_is_a_1_3_failure_and_a_true_one_is_recorded() {
    let xmp = |d: &mut Document| {
        d.add_object(Stream::new(
            dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
            br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="1" pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>"#.to_vec(),
        ))
    };
    let honest = pdf(|d, _, c| {
        let m = xmp(d);
        c.set("Metadata", m);
    });
    let (f, p) = check_pdf(&honest);
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(f.unwrap().label(), "PDF/A-1b");
    let liar = pdf(|d, p, c| {
        let m = xmp(d);
        c.set("Metadata", m);
        let f = d.add_object(
            dictionary! { "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "SimHei" },
        );
        p.set(
            "Resources",
            dictionary! { "Font" => dictionary! { "F1" => f } },
        );
    });
    has(&liar, Severity::Fail, "1-3-1", "PDF/A-1b");
}

#[test]
fn a_damaged_cross_reference_table_warns_and_garbage_fails() {
    let good = pdf(|_, _, _| {});
    // Shift every object by inserting bytes after the header: the
    // offsets in the table now point beside the objects.
    let at = good.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut shifted = good[..at].to_vec();
    shifted.extend_from_slice(b"% padding inserted after the header\n");
    shifted.extend_from_slice(&good[at..]);
    let p = problems(&shifted);
    assert!(
        p.iter()
            .any(|(s, _, r)| r.contains("交叉引用表")
                && (*s == Severity::Warn || *s == Severity::Fail)),
        "{p:?}"
    );
    has(
        b"%PDF-1.7\n garbage \n%%EOF\n",
        Severity::Fail,
        "3-2-1",
        "无法解析",
    );
}

/// Hostile bytes: hundreds of damaged variants of real PDFs (cut short,
/// bytes flipped, garbage spliced in) each give a verdict — never a
/// panic, never a hang — through the same guarded path the check uses.
#[test]
fn damaged_pdfs_always_get_a_verdict() {
    use crate::formats::check_format_deep;
    use guidang_package::EntryProbe;
    let mut rng = guidang_demo::rng::SplitMix64::new(17);
    let pool = guidang_demo::files::ImagePool::new(&mut rng);
    let sources = [
        pdf(|_, _, _| {}),
        with_font(
            dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
        ),
        guidang_demo::files::scan_pdf(&pool, &mut rng, 2, "XK-0001", "申请表"),
    ];
    let mut verdicts = 0;
    for (k, src) in sources.iter().enumerate() {
        for i in 0..120u64 {
            let mut b = src.clone();
            let r = rng.next();
            match i % 4 {
                0 => b.truncate((r as usize % b.len()).max(8)),
                1 => {
                    for j in 0..1 + (r % 8) {
                        let at = (r.rotate_left(j as u32 * 7) as usize) % b.len();
                        b[at] ^= 1 << (j % 8);
                    }
                }
                2 => {
                    let at = r as usize % b.len();
                    let junk: Vec<u8> = (0..(r % 300)).map(|x| (x * 37 + r) as u8).collect();
                    b.splice(at..at, junk);
                }
                _ => {
                    let at = r as usize % b.len();
                    let end = (at + (r % 2000) as usize).min(b.len());
                    b.drain(at..end);
                }
            }
            let p = EntryProbe::of(&format!("{k}-{i}.pdf"), &b);
            let _ = check_format_deep(&p, Some(&b));
            verdicts += 1;
        }
    }
    assert_eq!(verdicts, 360);
}
