//! Content opened for real (DA/T 70 3-2, 3-4, 4-1): files made with real
//! tools — qpdf (encryption, attachments), ImageMagick (images), poppler's
//! pdftocairo, Ghostscript and Guidang's own printed forms (clean PDFs,
//! fonts embedded) — each put into a package and checked; every risk gives the
//! verdict `docs/checks.md` documents, naming the file, and clean files
//! raise nothing.

use super::*;
use std::process::Command;

pub(crate) fn tool(dir: &Path, program: &str, args: &[&str]) {
    let o = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed by cargo xtask deps: {e}"));
    // qpdf exits 3 for "succeeded with warnings".
    assert!(
        o.status.success() || (program == "qpdf" && o.status.code() == Some(3)),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The corpus's files with `name` (category 结果性) replacing the last.
pub(crate) fn with(
    c: &Corpus,
    name: &str,
    data: Vec<u8>,
    fmt: &'static str,
    sub: &str,
) -> PackageCheck {
    let mut f = c.files.clone();
    f[4] = ("结果性", name.to_string(), data, fmt);
    c.check(Stage::Gd, &c.build(&c.input(&f, sub), sub))
}

/// The non-passing findings of an entry: (item without stage, verdict, reason).
fn about(p: &PackageCheck, entry: &str) -> Vec<(String, Verdict, String)> {
    p.findings
        .iter()
        .filter(|f| f.verdict != Verdict::Pass && f.entry.as_deref() == Some(entry))
        .map(|f| {
            (
                f.item[3..].to_string(),
                f.verdict,
                f.reason.clone().unwrap_or_default(),
            )
        })
        .collect()
}

pub(crate) fn expect(p: &PackageCheck, name: &str, item: &str, verdict: Verdict, needle: &str) {
    let entry = format!("结果性材料/{name}");
    let a = about(p, &entry);
    assert!(
        a.iter()
            .any(|(i, v, r)| i == item && *v == verdict && r.contains(needle)),
        "{name}: {item} {verdict:?} “{needle}” not in {a:#?}"
    );
}

pub(crate) fn clean(p: &PackageCheck, name: &str) {
    let a = about(p, &format!("结果性材料/{name}"));
    assert!(a.is_empty(), "{name}: {a:#?}");
}

#[test]
fn encrypted_pdfs_fail_3_4_whatever_the_password() {
    let c = Corpus::new();
    let d = c.dir.join("qpdf");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("原.pdf"), &c.files[4].2).unwrap();
    // Permissions only (opens without a password, printing forbidden).
    tool(
        &d,
        "qpdf",
        &[
            "--encrypt",
            "",
            "owner-pw",
            "256",
            "--print=none",
            "--",
            "原.pdf",
            "owner.pdf",
        ],
    );
    tool(
        &d,
        "qpdf",
        &[
            "--encrypt",
            "user-pw",
            "owner-pw",
            "256",
            "--",
            "原.pdf",
            "user.pdf",
        ],
    );
    tool(
        &d,
        "qpdf",
        &[
            "--allow-weak-crypto",
            "--encrypt",
            "",
            "owner-pw",
            "128",
            "--use-aes=n",
            "--",
            "原.pdf",
            "rc4.pdf",
        ],
    );
    for f in ["owner.pdf", "user.pdf", "rc4.pdf"] {
        let data = std::fs::read(d.join(f)).unwrap();
        let p = with(&c, f, data, "pdf", f);
        expect(&p, f, "3-4-1", Verdict::Fail, "已加密");
    }
}

#[test]
fn an_attachment_added_by_qpdf_fails_4_1() {
    let c = Corpus::new();
    let d = c.dir.join("attach");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("原.pdf"), &c.files[4].2).unwrap();
    std::fs::write(d.join("setup.exe"), b"MZ\x90\0 not really a program").unwrap();
    tool(
        &d,
        "qpdf",
        &["原.pdf", "--add-attachment", "setup.exe", "--", "out.pdf"],
    );
    let p = with(
        &c,
        "附件.pdf",
        std::fs::read(d.join("out.pdf")).unwrap(),
        "pdf",
        "a",
    );
    expect(&p, "附件.pdf", "4-1-2", Verdict::Fail, "setup.exe");
    assert_eq!(p.verdict, Verdict::Fail);
}

#[test]
fn damaged_images_made_by_imagemagick_fail_and_clean_ones_pass() {
    let c = Corpus::new();
    let d = c.dir.join("im");
    std::fs::create_dir_all(&d).unwrap();
    for (out, extra) in [
        ("g.png", &[][..]),
        ("g.tif", &["-compress", "none"][..]),
        ("g.gif", &[][..]),
        ("g.bmp", &[][..]),
        ("g.jpg", &["-quality", "90"][..]),
    ] {
        let mut a = vec!["-size", "320x240", "gradient:navy-gold"];
        a.extend_from_slice(extra);
        a.push(out);
        tool(&d, "convert", &a);
    }
    for (name, fmt) in [
        ("g.png", "png"),
        ("g.tif", "tiff"),
        ("g.gif", "gif"),
        ("g.bmp", "bmp"),
    ] {
        let p = with(&c, name, std::fs::read(d.join(name)).unwrap(), fmt, name);
        clean(&p, name);
    }
    // A PNG whose compressed image data is corrupt, its chunk CRC made
    // right again: only decoding the data finds it.
    let mut png = std::fs::read(d.join("g.png")).unwrap();
    let at = png.windows(4).position(|w| w == b"IDAT").unwrap();
    let len = u32::from_be_bytes(png[at - 4..at].try_into().unwrap()) as usize;
    for b in &mut png[at + 4 + len / 2..at + 4 + len / 2 + 8] {
        *b ^= 0x5a;
    }
    let crc = crc32fast::hash(&png[at..at + 4 + len]);
    png[at + 4 + len..at + 8 + len].copy_from_slice(&crc.to_be_bytes());
    let p = with(&c, "坏.png", png, "png", "badpng");
    expect(&p, "坏.png", "3-2-1", Verdict::Fail, "无法完整解码");
    // A TIFF cut short.
    let tif = std::fs::read(d.join("g.tif")).unwrap();
    let p = with(
        &c,
        "截断.tif",
        tif[..tif.len() * 2 / 3].to_vec(),
        "tiff",
        "cut",
    );
    assert!(
        about(&p, "结果性材料/截断.tif")
            .iter()
            .any(|(i, v, _)| i == "3-2-1" && *v == Verdict::Fail),
        "{:#?}",
        about(&p, "结果性材料/截断.tif")
    );
    // A JPEG cut short.
    let jpg = std::fs::read(d.join("g.jpg")).unwrap();
    let p = with(
        &c,
        "截断.jpg",
        jpg[..jpg.len() / 2].to_vec(),
        "jpeg",
        "cutjpg",
    );
    expect(&p, "截断.jpg", "3-2-1", Verdict::Fail, "JPEG");
}

#[test]
fn clean_pdfs_from_real_producers_raise_nothing() {
    let c = Corpus::new();
    let d = c.dir.join("clean");
    std::fs::create_dir_all(&d).unwrap();
    // Guidang's own printed form: a subset of Noto Serif CJK embedded.
    let form = guidang_pdf::render(
        "归档检测报告",
        &[guidang_pdf::Block::Text(
            "检测对象：归档信息包 1 个；合格 1 个。".into(),
        )],
        "第 1 页",
    )
    .unwrap();
    std::fs::write(d.join("form.pdf"), &form).unwrap();
    // Re-rendered by cairo (poppler), and a drawing made by Ghostscript.
    tool(&d, "pdftocairo", &["-pdf", "form.pdf", "cairo.pdf"]);
    tool(
        &d,
        "gs",
        &[
            "-q",
            "-dSAFER",
            "-sDEVICE=pdfwrite",
            "-o",
            "gs.pdf",
            "-c",
            "newpath 72 72 moveto 500 700 lineto 4 setlinewidth stroke showpage",
        ],
    );
    for f in ["form.pdf", "cairo.pdf", "gs.pdf"] {
        let p = with(&c, f, std::fs::read(d.join(f)).unwrap(), "pdf", f);
        clean(&p, f);
    }
}

/// A PDF beyond what the verification pass keeps whole is read again from
/// the package and opened whole too — in a ZIP and in a folder.
#[test]
fn a_large_pdf_is_read_again_and_opened_whole() {
    let c = Corpus::new();
    let mut rng = SplitMix64::new(3);
    let pool = files::ImagePool::new(&mut rng);
    let big = c.dir.join("big.pdf");
    files::large_pdf(&pool, &big, 12 << 20).unwrap();
    let mut data = std::fs::read(&big).unwrap();
    let p = with(&c, "全程记录.pdf", data.clone(), "pdf", "big");
    clean(&p, "全程记录.pdf");
    // The same file whose last page's content is an object that does not
    // exist: only a whole parse finds it.
    let at = data.windows(10).rposition(|w| w == b"/Contents ").unwrap() + 10;
    let digits = data[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    assert!(digits >= 3, "a large PDF has hundreds of objects");
    for b in &mut data[at..at + digits] {
        *b = b'9';
    }
    let zip = c.build(
        &c.input(
            &{
                let mut f = c.files.clone();
                f[4] = ("结果性", "全程记录.pdf".into(), data, "pdf");
                f
            },
            "big2",
        ),
        "big2",
    );
    let folder = c.dir.join("folder").join(EFILE);
    guidang_package::folder::unpack_package(&zip, &folder, &CancelFlag::new()).unwrap();
    let ctx = c.ctx(Stage::Gd, &zip);
    for pkg in [zip.clone(), folder] {
        let b = check_packages(&[pkg], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
        let p = &b.packages[0];
        let a = about(p, "结果性材料/全程记录.pdf");
        assert!(
            a.iter()
                .any(|(i, v, r)| i == "3-2-1" && *v == Verdict::Fail && r.contains("不存在的对象")),
            "{a:#?}"
        );
        assert!(
            !a.iter().any(|(_, _, r)| r.contains("未完整打开")),
            "{a:#?}"
        );
    }
}

/// 1-3: the version and pages recorded at collection are compared with
/// what the content says.
#[test]
fn recorded_format_version_and_pages_are_checked_against_the_content() {
    let c = Corpus::new();
    let good = crate::content::pdf_facts(&c.files[4].2);
    let mut input = c.input(&c.files, "fv");
    input.materials[4].meta.format_version = Some(good.0.clone());
    input.materials[4].meta.pages = good.1;
    let p = c.check(Stage::Gd, &c.build(&input, "fv"));
    clean(&p, &c.files[4].1);
    input.materials[4].meta.format_version = Some("PDF/A-1b".into());
    input.materials[4].meta.pages = good.1.map(|n| n + 2);
    let p = c.check(Stage::Gd, &c.build(&input, "fv2"));
    expect(
        &p,
        &c.files[4].1,
        "1-3-1",
        Verdict::Fail,
        "格式版本为“PDF/A-1b”",
    );
    expect(&p, &c.files[4].1, "1-3-1", Verdict::Fail, "页数");
}

/// What the check itself says of a PDF: (格式版本, 页数).
fn pdf_facts(b: &[u8]) -> (String, Option<u32>) {
    let (facts, _) = guidang_check::pdf::check_pdf(b);
    let f = facts.expect("a PDF");
    (f.label(), Some(f.pages))
}

/// Real-world PDFs shipped by Debian packages (manuals made by LaTeX,
/// DocBook and Ghostscript toolchains), a PDF/A-2b written by Ghostscript
/// and a real TIFF: none fails; what they raise is only what the policy
/// table makes a warning (links out of the file).
#[test]
fn real_world_pdfs_from_debian_packages_and_a_ghostscript_pdfa_pass() {
    use std::io::Read as _;
    let c = Corpus::new();
    let d = c.dir.join("debian");
    std::fs::create_dir_all(&d).unwrap();
    // (package installed by cargo xtask deps, file)
    let shipped = [
        ("libtasn1-doc", "/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
        (
            "shared-mime-info",
            "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
        ),
        (
            "fontconfig",
            "/usr/share/doc/fontconfig/fontconfig-user.pdf.gz",
        ),
        ("bzip2-doc", "/usr/share/doc/bzip2/manual.pdf.gz"),
        ("zlib1g-dev", "/usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf.gz"),
    ];
    let mut files = Vec::new();
    for (pkg, path) in shipped {
        let raw = std::fs::read(path).unwrap_or_else(|e| {
            panic!("{path} (package {pkg}, installed by cargo xtask deps): {e}")
        });
        let pdf = if path.ends_with(".gz") {
            let mut v = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut v)
                .unwrap();
            v
        } else {
            raw
        };
        let name = Path::new(path.trim_end_matches(".gz"))
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        files.push((name, pdf));
    }
    tool(
        &d,
        "gs",
        &[
            "-q",
            "-dSAFER",
            "-dPDFA=2",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            "-sDEVICE=pdfwrite",
            "-o",
            "pdfa.pdf",
            "-c",
            "/Times-Roman findfont 24 scalefont setfont 72 700 moveto (Archival copy) show showpage",
        ],
    );
    files.push((
        "pdfa.pdf".into(),
        std::fs::read(d.join("pdfa.pdf")).unwrap(),
    ));
    for (i, (name, pdf)) in files.iter().enumerate() {
        let p = with(&c, name, pdf.clone(), "pdf", &format!("deb{i}"));
        for (item, verdict, reason) in about(&p, &format!("结果性材料/{name}")) {
            assert!(
                verdict == Verdict::Warn && reason.contains("链接"),
                "{name}: {item} {verdict:?} {reason}"
            );
        }
    }
    let (facts, _) = guidang_check::pdf::check_pdf(&files.last().unwrap().1);
    assert_eq!(facts.unwrap().label(), "PDF/A-2b");
}
