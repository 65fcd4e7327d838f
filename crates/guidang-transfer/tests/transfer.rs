//! The printed forms, rendered to real PDFs and read back with poppler
//! (text) and zbar (the QR code).

use std::process::Command;

use guidang_transfer::forms::{catalog_list_pdf, qr_payload, sample, transfer_list_pdf};

fn pdftotext(pdf: &[u8], dir: &std::path::Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, pdf).unwrap();
    // -raw keeps the drawing order, so a wrapped cell's lines stay together.
    let o = Command::new("pdftotext")
        .arg("-raw")
        .arg(&p)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn transfer_list_has_the_columns_rows_digest_and_a_readable_qr_code() {
    let d = tempfile::tempdir().unwrap();
    let (m, sig) = sample(12);
    let pdf = transfer_list_pdf(&m, &sig).unwrap();
    assert!(pdf.len() < 200_000, "subset font: {} bytes", pdf.len());
    let text = pdftotext(&pdf, d.path(), "移交清单.pdf");
    let f = flat(&text);
    // Exactly the columns of Table A.1, in order.
    let cols = [
        "序号",
        "批次编号",
        "办理事项名称",
        "事项类型",
        "归档信息包数量",
        "检测意见",
        "备注",
    ];
    let mut at = 0;
    for c in cols {
        let i = f[at..]
            .find(c)
            .unwrap_or_else(|| panic!("column {c} missing or out of order:\n{text}"));
        at += i + c.len();
    }
    for needle in [
        "政务服务电子档案移交清单",
        "农村村民宅基地审批",
        "城乡居民基本养老保险参保登记",
        "行政许可",
        "公共服务事项",
        "移交人：",
        "接收人：",
        "移交日期：",
        "第1页共1页",
    ] {
        assert!(f.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(f.contains(&sig.manifest_digest) && f.contains(&sig.fingerprint));
    // Counts per item add up to the batch.
    assert!(f.contains("控制使用"));
    // The QR code decodes to the batch digest and fingerprint.
    let png = d.path().join("page");
    let st = Command::new("pdftoppm")
        .args(["-r", "200", "-png", "-f", "1", "-l", "1"])
        .arg(d.path().join("移交清单.pdf"))
        .arg(&png)
        .status()
        .unwrap();
    assert!(st.success());
    let img = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .unwrap();
    let z = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&img)
        .output()
        .expect("zbarimg (zbar-tools) is installed by .ci/run");
    assert!(z.status.success(), "no QR code found");
    assert_eq!(
        String::from_utf8(z.stdout).unwrap().trim(),
        qr_payload(&m, &sig)
    );
}

#[test]
fn a_1000_package_catalog_list_paginates_with_headers_on_every_page() {
    let d = tempfile::tempdir().unwrap();
    let (m, sig) = sample(1000);
    let pdf = catalog_list_pdf(&m, &sig).unwrap();
    let text = pdftotext(&pdf, d.path(), "目录清单.pdf");
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    let n = pages.len();
    assert!(n > 20, "{n} pages");
    for (i, p) in pages.iter().enumerate() {
        let f = flat(p);
        assert!(
            f.contains("电子文件号") && f.contains("摘要"),
            "header missing on page {}",
            i + 1
        );
        assert!(
            f.contains(&format!("第{}页共{n}页", i + 1)),
            "page number on page {}",
            i + 1
        );
    }
    let all = flat(&text);
    for p in &m.packages {
        assert!(all.contains(&p.efile_no), "{} missing", p.efile_no);
    }
    // Rare characters of names survive (embedded font covers them).
    assert!(all.contains("欧阳𠇔") && all.contains("张䶮"));
    // The transfer list of the same batch stays one row per item.
    let tl = flat(&pdftotext(
        &transfer_list_pdf(&m, &sig).unwrap(),
        d.path(),
        "tl.pdf",
    ));
    assert!(tl.contains("1000"), "total count printed");
}

#[test]
fn register_lists_carriers_with_digests_and_both_sides() {
    use guidang_transfer::forms::{register_pdf, RegisterCarrier, RegisterInfo};
    let d = tempfile::tempdir().unwrap();
    let (m, sig) = sample(40);
    let info = RegisterInfo {
        carriers: vec![
            RegisterCarrier {
                no: 1,
                seqs: (1, 25),
                bytes: 15_030_850,
                digest: "a1".repeat(32),
            },
            RegisterCarrier {
                no: 2,
                seqs: (26, 40),
                bytes: 9_018_510,
                digest: "b2".repeat(32),
            },
        ],
        carrier_type: "移动存储介质（U 盘）".into(),
        hall_results: ["真实性", "完整性", "可用性", "安全性"]
            .iter()
            .map(|k| (k.to_string(), "40 个包合格".to_string()))
            .collect(),
        materials: 200,
    };
    let pdf = register_pdf(&m, &sig, &info).unwrap();
    let f = flat(&pdftotext(&pdf, d.path(), "登记表.pdf"));
    for needle in [
        "电子档案移交与接收登记表",
        "内容描述",
        "归档信息包40个，电子文件200件",
        // 40 × 601,234 bytes = 24,049,360 → 0.024 GB, three decimals.
        "0.024GB（24049360字节）",
        "1—2（共2个）",
        "移动存储介质（U盘）",
        "1—25",
        "26—40",
        &"a1".repeat(32),
        &"b2".repeat(32),
        "移交单位检验结果",
        "接收单位检验结果",
        "40个包合格",
        "移交单位（印章）",
        "接收单位（印章）",
        "接收人：",
        &sig.manifest_digest,
    ] {
        assert!(f.contains(needle), "{needle} missing:\n{f}");
    }
}

/// The FAT32 rules reached through the detection path (the mount table and
/// the `GUIDANG_FS_RULES` override), as a writer's pre-flight meets them.
#[test]
fn fat32_rules_through_detection_refuse_big_files_and_bad_names_before_writing() {
    use guidang_core::DigestAlgo;
    use guidang_transfer::medium::FsRules;
    use guidang_transfer::write::{preflight, CarrierJob, Source, WriteError};
    let d = tempfile::tempdir().unwrap();
    let table = format!("/dev/sdb1 {} vfat rw 0 0\n", d.path().display());
    assert_eq!(FsRules::from_mounts(&table, d.path()), FsRules::Fat32);
    let job = CarrierJob {
        batch_no: "430124-20261121-01".into(),
        carrier_no: 1,
        carriers: 1,
        algo: DigestAlgo::Sm3,
        batch_digest: String::new(),
        files: vec![
            Source {
                rel: "电子档案/2025/行政许可/大.zip".into(),
                src: d.path().join("nowhere"),
                size: (4 << 30) + 1,
                digest: String::new(),
            },
            Source {
                rel: "其他/a:b.txt".into(),
                src: d.path().join("nowhere"),
                size: 1,
                digest: String::new(),
            },
        ],
        journal: d.path().join("journal"),
    };
    let medium = d.path().join("medium");
    // This test binary sets the override only here; other tests in it do not
    // depend on the rules.
    std::env::set_var("GUIDANG_FS_RULES", "vfat");
    let r = preflight(&job, &medium);
    std::env::remove_var("GUIDANG_FS_RULES");
    match r {
        Err(WriteError::Unwritable(v)) => {
            let all = v.join("\n");
            assert!(all.contains("大.zip") && all.contains("4 GiB"), "{all}");
            assert!(all.contains("a:b.txt") && all.contains("“:”"), "{all}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing was written.
    assert_eq!(std::fs::read_dir(&medium).unwrap().count(), 0);
    // Under the rules of a modern file system the names and sizes are fine
    // (what remains is whether the space is there).
    assert!(!matches!(
        preflight(&job, &medium),
        Err(WriteError::Unwritable(_))
    ));
}

/// A file over 4 GiB goes on an ISO 9660 level 3 image in several extents;
/// xorriso reports them, reading back by them gives the file's digest, and
/// 7-Zip and libarchive see one file of the full size. (A sparse file: the
/// test needs the space of the image, not of the source.)
#[test]
fn an_image_holds_a_file_over_4_gib_in_extents_and_reads_it_back() {
    use guidang_transfer::iso::{digest_file, extents, write_image, ImageFile, ImageSpec};
    use std::io::{Seek, SeekFrom, Write};
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("big.bin");
    let size: u64 = (4 << 30) + (300 << 20) + 7;
    let mut f = std::fs::File::create(&big).unwrap();
    f.set_len(size).unwrap();
    f.seek(SeekFrom::Start(size - 5)).unwrap();
    f.write_all(b"tail!").unwrap();
    f.seek(SeekFrom::Start(1 << 20)).unwrap();
    f.write_all(b"head").unwrap();
    drop(f);
    let small = d.path().join("说明.txt");
    std::fs::write(&small, "说明").unwrap();
    let image = d.path().join("大文件.iso");
    let files = [
        ImageFile {
            source: small,
            path: "说明文件.TXT".into(),
        },
        ImageFile {
            source: big.clone(),
            path: "电子档案/2025/大包.zip".into(),
        },
    ];
    let spec = ImageSpec {
        volume_id: "GD_TEST_1".into(),
        volume_set: "GUIDANG TEST 1".into(),
        epoch: 1_700_000_000,
    };
    write_image(&files, &spec, &image, None).unwrap();
    let ex = extents(&format!("stdio:{}", image.display())).unwrap();
    let e = ex
        .iter()
        .find(|e| e.path == "电子档案/2025/大包.zip")
        .unwrap();
    assert_eq!(e.size, size);
    assert!(e.runs.len() >= 2, "one extent for {size} bytes: {e:?}");
    let algo = guidang_core::DigestAlgo::Sha256;
    let want = {
        let mut h = algo.hasher();
        let mut r = std::fs::File::open(&big).unwrap();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = std::io::Read::read(&mut r, &mut buf).unwrap();
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        h.finish_hex()
    };
    let (n, got) = digest_file(&image, e, algo, &guidang_core::CancelFlag::new()).unwrap();
    assert_eq!((n, got), (size, want));
    for (tool, args) in [("7z", &["l"][..]), ("bsdtar", &["-tvf"][..])] {
        let o = Command::new(tool).args(args).arg(&image).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{tool}: {out}");
        assert!(
            out.contains("大包.zip") && out.contains(&size.to_string()),
            "{tool}:\n{out}"
        );
    }
}

/// Thousands of files (an unpacked batch) go through xorriso's path list,
/// not its command line, and a name with `=` (a source path with `=` and
/// `\` too) arrives as it is;
/// the Joliet volume label keeps the carrier number.
#[test]
fn an_image_of_many_files_with_awkward_names_lists_them_all() {
    use guidang_transfer::iso::{extents, volume_id, write_image, ImageFile, ImageSpec};
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let mut files = Vec::new();
    for i in 0..6000 {
        let p = src.join(format!("{i}"));
        std::fs::write(&p, i.to_string()).unwrap();
        files.push(ImageFile {
            source: p,
            path: format!(
                "电子档案/2025/行政许可/430124-0001-0100001005-2025-Y-{:06}/证据性材料/申请书（第{i}页）.pdf",
                i / 10
            ),
        });
    }
    let odd = src.join("a=b\\c");
    std::fs::write(&odd, "odd").unwrap();
    files.push(ImageFile {
        source: odd,
        path: "其他/比例=1:2.txt".into(),
    });
    let image = d.path().join("多文件.iso");
    let spec = ImageSpec {
        volume_id: volume_id("430124-20261205-01", 2),
        volume_set: "GUIDANG 430124-20261205-01 2".into(),
        epoch: 1_700_000_000,
    };
    write_image(&files, &spec, &image, None).unwrap();
    let ex = extents(&format!("stdio:{}", image.display())).unwrap();
    assert_eq!(ex.len(), files.len());
    assert!(ex
        .iter()
        .any(|e| e.path == "其他/比例=1:2.txt" && e.size == 3));
    let o = Command::new("isoinfo")
        .args(["-d", "-J", "-i"])
        .arg(&image)
        .output()
        .expect("isoinfo (genisoimage) is installed by .ci/run");
    let info = String::from_utf8_lossy(&o.stdout);
    assert!(info.contains("GD2026120501_2"), "{info}");
}

/// A burn cancelled from the desk kills xorriso and says the disc is
/// spoilt; not cancelled, the same burn completes.
#[test]
fn a_cancelled_burn_stops_xorriso_and_says_the_disc_is_spoilt() {
    use guidang_transfer::iso::{burn, ImageFile, ImageSpec, IsoError, Watch};
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.txt");
    std::fs::write(&f, "a").unwrap();
    let files = [ImageFile {
        source: f,
        path: "说明文件.TXT".into(),
    }];
    let spec = ImageSpec {
        volume_id: "GD_TEST_1".into(),
        volume_set: "GUIDANG TEST 1".into(),
        epoch: 1_700_000_000,
    };
    let cancel = guidang_core::CancelFlag::new();
    cancel.cancel();
    let disc = d.path().join("盘.iso");
    let dev = format!("stdio:{}", disc.display());
    let none = |_: f64| {};
    let e = burn(
        &files,
        &spec,
        &dev,
        4096,
        &Watch {
            percent: &none,
            cancel: &cancel,
        },
    )
    .unwrap_err();
    assert!(matches!(e, IsoError::BurnCancelled), "{e:?}");
    assert!(e.to_string().contains("换一张空白光盘"), "{e}");
    // The same burn, not cancelled, completes.
    burn(
        &files,
        &spec,
        &format!("stdio:{}", d.path().join("盘2.iso").display()),
        4096,
        &Watch {
            percent: &none,
            cancel: &guidang_core::CancelFlag::new(),
        },
    )
    .unwrap();
}
