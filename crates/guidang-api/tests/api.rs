//! The facade used by the CLI and the desktop shell, on real data
//! directories.

use std::sync::Mutex;

use guidang_api::core::{CancelFlag, DigestAlgo, NoProgress, Role, Suite};
use guidang_api::{Archive, CaseFilter, DemoRequest, Error, InitOptions};

fn demo(n: u32, seed: u64) -> DemoRequest {
    DemoRequest {
        cases: n,
        seed,
        out: None,
        no_collect: false,
        large_file: None,
    }
}

#[test]
fn demo_initialises_an_empty_catalog_and_stores_intact_materials() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    assert!(ar.summary().unwrap().unit.is_none());
    let seen = Mutex::new(Vec::new());
    let progress = |done: u64, total: u64, _m: &str| seen.lock().unwrap().push((done, total));
    let r = ar
        .demo(&demo(12, 3), &progress, &CancelFlag::new())
        .unwrap();
    assert_eq!(r.collect.as_ref().unwrap().added(), 12);
    assert!(!r.export.exists(), "temporary export tree is removed");
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&(12, 12)), "progress ends at total");
    let unit = ar.unit().unwrap();
    assert_eq!(
        (unit.region.as_str(), unit.role, unit.suite),
        ("430124", Role::Hall, Suite::Gm)
    );
    // Every stored blob hashes to its recorded SM3 digest.
    for c in ar.cases(&CaseFilter::default()).unwrap() {
        for m in ar.materials(&c.case_no).unwrap() {
            let p = d
                .path()
                .join("store/sm3")
                .join(&m.digest[..2])
                .join(&m.digest);
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!(DigestAlgo::Sm3.hex(&bytes), m.digest, "{}", m.original_name);
        }
    }
    let s = ar.summary().unwrap();
    assert_eq!(s.counts, vec![("collected".to_string(), 12)]);
}

#[test]
fn intl_suite_stores_under_sha256() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    ar.init(&InitOptions {
        suite: Suite::Intl,
        ..guidang_api::demo_unit()
    })
    .unwrap();
    ar.demo(&demo(2, 1), &NoProgress, &CancelFlag::new())
        .unwrap();
    let c = &ar.cases(&CaseFilter::default()).unwrap()[0];
    let m = &ar.materials(&c.case_no).unwrap()[0];
    assert_eq!(m.digest_algo, "SHA-256");
    let bytes = std::fs::read(
        d.path()
            .join("store/sha256")
            .join(&m.digest[..2])
            .join(&m.digest),
    )
    .unwrap();
    assert_eq!(DigestAlgo::Sha256.hex(&bytes), m.digest);
    assert_eq!(ar.audit_verify().unwrap().problems.len(), 0);
}

#[test]
fn large_file_is_streamed_into_the_store() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    let mut req = demo(1, 5);
    req.large_file = Some(40 << 20);
    let r = ar.demo(&req, &NoProgress, &CancelFlag::new()).unwrap();
    assert!(r.bytes > 40 << 20);
    let c = &ar.cases(&CaseFilter::default()).unwrap()[0];
    let big = ar
        .materials(&c.case_no)
        .unwrap()
        .into_iter()
        .max_by_key(|m| m.size)
        .unwrap();
    assert!(big.size >= 40 << 20);
    assert_eq!(big.original_name, "现场勘验全程记录.pdf");
}

#[test]
fn demo_refuses_zero_cases_without_touching_the_catalog() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    let e = ar
        .demo(&demo(0, 1), &NoProgress, &CancelFlag::new())
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("--cases"));
    assert!(ar.summary().unwrap().unit.is_none(), "nothing initialised");
}

#[test]
fn operator_pins() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    assert_eq!(
        ar.add_operator("张三", "246810").unwrap_err().code(),
        "not_initialised"
    );
    ar.init(&guidang_api::demo_unit()).unwrap();
    ar.add_operator("张三", "246810").unwrap();
    ar.verify_pin("张三", "246810").unwrap();
    let e = ar.verify_pin("张三", "246811").unwrap_err();
    assert!(matches!(e, Error::WrongPin));
    assert!(e.to_string().contains("PIN 错误"));
    assert_eq!(
        ar.verify_pin("李四", "246810").unwrap_err().code(),
        "no_such_operator"
    );
    assert_eq!(
        ar.add_operator("  ", "246810").unwrap_err().code(),
        "bad_operator_name"
    );
    // The actor of an action without a PIN is a registered operator.
    assert_eq!(ar.actor(" 张三 ").unwrap(), "张三");
    let e = ar.actor("").unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("选择经办人"), "{e}");
    assert_eq!(ar.actor("system").unwrap_err().code(), "no_such_operator");
}

#[test]
fn cancel_stops_collection_before_the_next_case() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    let out = d.path().join("export");
    ar.demo(
        &DemoRequest {
            out: Some(out.clone()),
            no_collect: true,
            ..demo(6, 2)
        },
        &NoProgress,
        &CancelFlag::new(),
    )
    .unwrap();
    let cancel = CancelFlag::new();
    let c2 = cancel.clone();
    // Cancel as soon as the third case starts.
    let progress = move |done: u64, _t: u64, _m: &str| {
        if done == 2 {
            c2.cancel();
        }
    };
    let e = ar
        .collect(
            std::slice::from_ref(&out),
            false,
            "测试",
            &progress,
            &cancel,
        )
        .unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert_eq!(
        ar.cases(&CaseFilter::default()).unwrap().len(),
        2,
        "finished cases stay"
    );
    // Running again completes the rest.
    let r = ar
        .collect(&[out], false, "测试", &NoProgress, &CancelFlag::new())
        .unwrap();
    assert_eq!((r.added(), r.unchanged()), (4, 2));
}

#[test]
fn unwritable_data_dir_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let e = Archive::open(&file.join("sub")).err().unwrap();
    assert_eq!(e.code(), "data_dir");
    assert!(e.to_string().contains("--data-dir"));
}

/// A hall whose `n` demo cases are packaged, checked and put in one batch.
fn batched_hall(dir: &std::path::Path, n: u32) -> (Archive, String) {
    use guidang_api::batching::BatchSelection;
    use guidang_api::checking::CheckTarget;
    use guidang_api::packaging::Selection;
    let mut ar = Archive::open(dir).unwrap();
    ar.demo(&demo(n, 3), &NoProgress, &CancelFlag::new())
        .unwrap();
    ar.add_operator("张三", "246810").unwrap();
    ar.package(
        &Selection::All,
        "张三",
        "246810",
        &NoProgress,
        &CancelFlag::new(),
    )
    .unwrap();
    let c = ar
        .check(
            &CheckTarget::All,
            guidang_check::Stage::Gd,
            &[],
            "张三",
            &NoProgress,
            &CancelFlag::new(),
        )
        .unwrap();
    assert_ne!(c.verdict, guidang_check::Verdict::Fail);
    let b = ar
        .create_batch(&BatchSelection::AllReady, "张三", "246810", None)
        .unwrap();
    (ar, b.batch_no)
}

fn write_req(batch_no: &str, dest: &std::path::Path) -> guidang_api::transferring::WriteRequest {
    guidang_api::transferring::WriteRequest {
        batch_no: batch_no.into(),
        dest: dest.to_path_buf(),
        carrier_size: None,
        carrier: None,
        records: None,
        actor: "张三".into(),
    }
}

/// Every file on the medium under its final name is exactly what the plan
/// says; no temporary file is left.
fn assert_nothing_half_written(ar: &Archive, batch_no: &str, medium: &std::path::Path) {
    let plan = ar.media_plan(batch_no).unwrap().unwrap();
    let files = &plan.carriers[0].files;
    let mut stack = vec![medium.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(medium)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            assert!(
                !rel.ends_with(".guidang-part"),
                "temporary file left: {rel}"
            );
            let f = files
                .iter()
                .find(|f| f.path == rel)
                .unwrap_or_else(|| panic!("{rel} is not in the plan"));
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!(
                DigestAlgo::Sm3.hex(&bytes),
                f.digest,
                "{rel} looks complete but is not"
            );
        }
    }
}

/// After a write stopped past the first package: nothing lost, nothing
/// half-written, nothing recorded as done; the same request again completes,
/// skipping what was verified.
fn interrupted_then_resumed(ar: &mut Archive, no: &str, medium: &std::path::Path) {
    assert_nothing_half_written(ar, no, medium);
    assert!(ar.batch_carriers(no).unwrap().is_empty());
    assert_eq!(ar.batches().unwrap()[0].status, "created");
    let w = ar
        .write_batch(&write_req(no, medium), &NoProgress, &CancelFlag::new())
        .unwrap();
    assert_eq!(w.skipped, 2, "the description file and the first package");
    assert_eq!(w.written + w.skipped, w.files);
    assert_nothing_half_written(ar, no, medium);
    assert_eq!(ar.batch_carriers(no).unwrap().len(), 1);
    assert_eq!(ar.batches().unwrap()[0].status, "written");
}

#[test]
fn cancelled_write_keeps_what_was_verified_and_a_rerun_completes() {
    let d = tempfile::tempdir().unwrap();
    let (mut ar, no) = batched_hall(&d.path().join("data"), 4);
    let medium = d.path().join("U盘");
    let cancel = CancelFlag::new();
    let zips = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_: u64, _: u64, m: &str| {
        // Each file is reported before and after; cancel after the first package.
        if m.ends_with(".zip") && zips.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            cancel.cancel();
        }
    };
    let e = ar
        .write_batch(&write_req(&no, &medium), &progress, &cancel)
        .unwrap_err();
    assert_eq!(e.code(), "cancelled", "{e}");
    assert!(e.to_string().contains("继续"), "{e}");
    interrupted_then_resumed(&mut ar, &no, &medium);
}

#[test]
fn medium_filling_up_mid_write_is_a_clear_error_and_a_rerun_resumes() {
    let d = tempfile::tempdir().unwrap();
    let (mut ar, no) = batched_hall(&d.path().join("data"), 6);
    let medium = d.path().join("U盘");
    std::fs::create_dir_all(&medium).unwrap();
    let Some(_guard) = guidang_testkit::prerequisite(
        "a size-limited tmpfs (mount, as root)",
        guidang_testkit::Tmpfs::mount(&medium, "32M"),
    ) else {
        return;
    };
    // After the first package, something else takes all the free space (a
    // second program, or a medium that reported more space than it has).
    let filler = medium.join("占用.bin");
    let zips = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_: u64, _: u64, m: &str| {
        if m.ends_with(".zip") && zips.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            let mut f = std::fs::File::create(&filler).unwrap();
            let block = vec![0u8; 1 << 20];
            while std::io::Write::write_all(&mut f, &block).is_ok() {}
            let _ = f.sync_all();
        }
    };
    let e = ar
        .write_batch(&write_req(&no, &medium), &progress, &CancelFlag::new())
        .unwrap_err();
    assert_eq!(e.code(), "medium_full", "{e}");
    assert!(
        e.to_string().contains("载体已满") && e.to_string().contains("继续"),
        "{e}"
    );
    std::fs::remove_file(&filler).unwrap();
    interrupted_then_resumed(&mut ar, &no, &medium);
}

#[test]
fn a_case_entered_in_the_form_is_collected_like_a_folder() {
    use guidang_api::Outcome;
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(&d.path().join("data")).unwrap();
    ar.init(&guidang_api::demo_unit()).unwrap();
    let pdf = d.path().join("参保登记回执.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").unwrap();
    let meta = serde_json::json!({
        "case_no": "FORM-0001", "case_name": "王五参保登记", "case_kind": "1",
        "item_code": "2000011001", "item_name": "城乡居民基本养老保险参保登记", "item_type": "20",
        "applicant": {"name": "王五", "type": "1", "id_type": "111", "id_no": "11010519491231002X"},
        "accepting_unit": "示范镇便民服务中心", "accepted_at": "2025-05-06 09:00", "completed_at": "2025-05-06 09:30",
        "result": "办结", "retention": "D30", "secrecy": "非密"
    });
    let files = vec![("结果性".to_string(), pdf.clone())];
    let r = ar
        .collect_form(
            &meta,
            &files,
            false,
            "张三",
            &NoProgress,
            &CancelFlag::new(),
        )
        .unwrap();
    assert!(
        matches!(r.cases[0].outcome, Outcome::Added { .. }),
        "{:?}",
        r.cases
    );
    assert_eq!(ar.materials("FORM-0001").unwrap().len(), 1);
    // The staging folder is gone; the original is untouched.
    assert!(std::fs::read_dir(d.path().join("data/tmp"))
        .map(|mut r| r.next().is_none())
        .unwrap_or(true));
    assert!(pdf.exists());
    // Bad input: every problem named, nothing stored.
    let mut bad = meta.clone();
    bad["case_no"] = "FORM-0002".into();
    bad["applicant"]["id_no"] = "110105194912310021".into();
    let r = ar
        .collect_form(&bad, &files, false, "张三", &NoProgress, &CancelFlag::new())
        .unwrap();
    match &r.cases[0].outcome {
        Outcome::Rejected { problems } => {
            assert!(problems.join("").contains("校验码"), "{problems:?}")
        }
        o => panic!("{o:?}"),
    }
    let e = ar
        .collect_form(
            &meta,
            &[("其他".into(), pdf.clone())],
            false,
            "张三",
            &NoProgress,
            &CancelFlag::new(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(ar.cases(&CaseFilter::default()).unwrap().len(), 1);
}

/// The QR code printed on the transfer list is read back from a picture of
/// the page (the PDF rendered by poppler, as a scanner would give it), and
/// pictures without one are refused with a message saying what to do.
/// A 150 dpi greyscale scan of a PDF's first page, as `{stem}.png`.
fn scan(pdf: &std::path::Path, stem: &std::path::Path) -> std::path::PathBuf {
    let st = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "-singlefile"])
        .arg(pdf)
        .arg(stem)
        .status()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(st.success());
    stem.with_extension("png")
}

#[test]
fn the_transfer_list_qr_code_is_read_from_a_picture_of_the_page() {
    use guidang_api::batching::Form;
    let tmp = tempfile::tempdir().unwrap();
    let (ar, no) = batched_hall(&tmp.path().join("data"), 2);
    let pdf = tmp.path().join("移交清单.pdf");
    ar.print_form(Form::TransferList, &no, &pdf).unwrap();
    let text = guidang_api::qr::read_trust_code(&scan(&pdf, &tmp.path().join("扫描"))).unwrap();
    let b = &ar.batches().unwrap()[0];
    assert_eq!(
        text,
        format!(
            "guidang-batch/1;batch={no};{}={};fingerprint={}",
            b.digest_algo, b.digest, b.fingerprint
        )
    );
    // The receipt's and return slip's code (read on the hall when the
    // return file is imported) is recognised too.
    let payload = format!(
        "guidang-return/1;batch={no};SM3={};fingerprint={}",
        "ab".repeat(32),
        "cd".repeat(32)
    );
    let receipt = tmp.path().join("接收回执.pdf");
    let bytes = guidang_pdf::render(
        "接收回执",
        &[guidang_pdf::Block::Qr {
            data: payload.clone(),
            size: 36.0,
            caption: vec!["接收人的公钥指纹".into()],
        }],
        "接收回执",
    )
    .unwrap();
    std::fs::write(&receipt, bytes).unwrap();
    assert_eq!(
        guidang_api::qr::read_trust_code(&scan(&receipt, &tmp.path().join("回执照片"))).unwrap(),
        payload
    );
    // A page with no code at all, and a file that is no picture.
    let blank = tmp.path().join("空白.png");
    image::GrayImage::from_pixel(400, 300, image::Luma([255u8]))
        .save(&blank)
        .unwrap();
    let e = guidang_api::qr::read_trust_code(&blank).unwrap_err();
    assert!(matches!(&e, Error::Qr(m) if m.contains("没有找到")), "{e}");
    let e = guidang_api::qr::read_trust_code(&pdf).unwrap_err();
    assert!(
        matches!(&e, Error::Qr(m) if m.contains("PNG 或 JPEG")),
        "{e}"
    );
}

/// The scanner's output folder lists what was scanned last first, skips
/// hidden and partly written files, and must exist to be set.
#[test]
fn the_scanner_folder_lists_the_newest_scans_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(&tmp.path().join("data")).unwrap();
    ar.demo(&demo(1, 5), &NoProgress, &CancelFlag::new())
        .unwrap();
    assert!(ar.scanner_files().unwrap().is_empty(), "no folder set");
    let missing = tmp.path().join("没有这个文件夹");
    assert!(matches!(
        ar.set_scanner_folder(Some(&missing), "张三"),
        Err(Error::NotFound(_))
    ));
    let scans = tmp.path().join("扫描仪");
    std::fs::create_dir_all(scans.join("子文件夹")).unwrap();
    let t0 = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    for (i, name) in ["申请表.pdf", "身份证.jpg", "营业执照.pdf"]
        .iter()
        .enumerate()
    {
        let p = scans.join(name);
        std::fs::write(&p, format!("scan {i}")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t0 + std::time::Duration::from_secs(60 * i as u64))
            .unwrap();
    }
    std::fs::write(scans.join(".~lock"), b"x").unwrap();
    std::fs::write(scans.join("正在扫描.tmp"), b"x").unwrap();
    ar.set_scanner_folder(Some(&scans), "张三").unwrap();
    let names: Vec<String> = ar
        .scanner_files()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["营业执照.pdf", "身份证.jpg", "申请表.pdf"]);
    assert_eq!(ar.audit_log(1).unwrap()[0].action, "scanner_folder");
    ar.set_scanner_folder(None, "张三").unwrap();
    assert!(ar.scanner_folder().unwrap().is_none());
}

/// The unit's name can be corrected after setup, with an audit entry; an
/// empty name is refused and changes nothing.
#[test]
fn the_unit_name_is_corrected_with_an_audit_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(&tmp.path().join("data")).unwrap();
    ar.demo(&demo(1, 6), &NoProgress, &CancelFlag::new())
        .unwrap();
    let before = ar.unit().unwrap();
    assert!(matches!(
        ar.rename_unit("  ", None, "张三"),
        Err(Error::Invalid(_))
    ));
    assert_eq!(ar.unit().unwrap(), before);
    let u = ar
        .rename_unit("示范镇人民政府（更名）", Some("示范镇政务服务中心"), "张三")
        .unwrap();
    assert_eq!(ar.unit().unwrap(), u);
    assert_eq!(
        (u.region, u.fonds, u.suite),
        (before.region, before.fonds, before.suite)
    );
    let e = &ar.audit_log(1).unwrap()[0];
    assert_eq!(
        (e.action.as_str(), e.actor.as_str()),
        ("unit_rename", "张三")
    );
    assert!(ar.audit_verify().unwrap().problems.is_empty());
}

/// The case drawer: a case seen whole (fields, materials, timeline), and
/// its materials previewed inside
/// the window — a PDF page rendered by poppler, a JPEG as stored, a TIFF
/// made by ImageMagick converted; what cannot be shown is a note.
#[test]
fn a_case_is_viewed_whole_and_its_materials_previewed() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(&d.path().join("data")).unwrap();
    ar.demo(&demo(1, 9), &NoProgress, &CancelFlag::new())
        .unwrap();
    ar.add_operator("张三", "246810").unwrap();
    let case_no = ar.cases(&CaseFilter::default()).unwrap()[0].case_no.clone();
    let v = ar.case_view(&case_no).unwrap();
    assert_eq!(v.row.case_no, case_no);
    assert!(v.package.is_none() && v.check.is_none() && v.not_editable.is_none());
    assert_eq!(
        v.timeline.first().map(|e| e.action.as_str()),
        Some("collect")
    );
    let pdf = v.materials.iter().find(|m| m.format == "pdf").unwrap();
    let p = ar.material_preview(&case_no, pdf.seq, 1).unwrap();
    assert_eq!(p.mime, "image/png", "{:?}", p.note);
    assert!(p.data.starts_with(b"\x89PNG"));
    let img = image::load_from_memory(&p.data).unwrap();
    assert_eq!(
        img.width().max(img.height()),
        1600,
        "scaled to the preview size"
    );
    let beyond = ar.material_preview(&case_no, pdf.seq, 99).unwrap();
    assert!(beyond.data.is_empty() && beyond.note.unwrap().contains("只有"));
    if let Some(jpg) = v.materials.iter().find(|m| m.format == "jpeg") {
        let p = ar.material_preview(&case_no, jpg.seq, 1).unwrap();
        assert_eq!(
            (p.mime.as_str(), p.data.len() as u64),
            ("image/jpeg", jpg.size)
        );
    }
    // A TIFF scan added by ImageMagick is converted for the window.
    let tif = d.path().join("扫描件.tif");
    let o = std::process::Command::new("convert")
        .args([
            "-size",
            "2400x1200",
            "gradient:white-gray",
            "-compress",
            "lzw",
        ])
        .arg(&tif)
        .output()
        .expect("ImageMagick is installed by cargo xtask deps");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = ar
        .amend_case(
            &case_no,
            &guidang_api::CaseChange::AddMaterial {
                file: tif,
                category: guidang_api::core::Category::Evidence,
                title: None,
            },
            "张三",
            "",
            &CancelFlag::new(),
        )
        .unwrap();
    assert_eq!(r.changes[0].field, "materials");
    let v = ar.case_view(&case_no).unwrap();
    let t = v.materials.iter().find(|m| m.format == "tiff").unwrap();
    let p = ar.material_preview(&case_no, t.seq, 1).unwrap();
    assert_eq!(p.mime, "image/png");
    let img = image::load_from_memory(&p.data).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 800));
    assert_eq!(v.timeline.last().unwrap().action, "material_add");
    assert_eq!(
        ar.material_preview(&case_no, 99, 1).unwrap_err().code(),
        "invalid_input"
    );
}
