//! Collection: exit codes, JSON report, due cases, the documented samples.

use std::path::Path;

use serde_json::Value;

use crate::util::*;

#[test]
fn collect_exit_codes_and_json_report() {
    let d = Dir::new();
    d.init();
    let tree = d._tmp.path().join("export");
    write_case(&tree.join("CB-0001"), "CB-0001", "非密");
    write_case(&tree.join("CB-0002"), "CB-0002", "机密");
    let o = d.run(&["collect", tree.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["cases"][0]["outcome"], "added");
    assert_eq!(
        r["cases"][0]["efile_no"],
        "430124-0001-2000011001-2025-D30-000001"
    );
    assert_eq!(r["cases"][1]["outcome"], "rejected");
    assert!(r["cases"][1]["problems"][0]
        .as_str()
        .unwrap()
        .contains("涉密"));
    // Only the good case is in the catalog; collecting it alone is exit 0.
    assert_eq!(
        json(&d.run(&["cases", "--json"])).as_array().unwrap().len(),
        1
    );
    assert_code(
        &d.run(&["collect", tree.join("CB-0001").to_str().unwrap()]),
        0,
        "未变化",
    );
    assert_code(&d.run(&["collect", "/nonexistent/导出"]), 2, "找不到路径");
}

#[test]
fn cases_due_lists_overdue_archiving() {
    let d = Dir::new();
    d.init();
    let tree = d._tmp.path().join("export");
    write_case(&tree.join("DUE-0001"), "DUE-0001", "非密"); // completed 2025-05-06: deadline 2026-06-30
    assert_ok(&d.run(&["collect", tree.to_str().unwrap()]));
    let rows = json(&d.run(&["cases", "--due", "--json"]));
    let today = chrono_free_today();
    let rows = rows.as_array().unwrap();
    if today.as_str() > "2026-06-30" {
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["due_kind"], "archive");
        assert_eq!(rows[0]["due_date"], "2026-06-30");
        assert!(rows[0]["days_left"].as_i64().unwrap() < 0);
    } else if today.as_str() < "2026-05-31" {
        assert!(rows.is_empty());
    }
    assert_code(&d.run(&["cases", "--status", "bogus"]), 2, "未知状态");
}

#[test]
fn the_documented_samples_in_assets_collect_cleanly() {
    let d = Dir::new();
    d.init();
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
    let folder = assets.join("case-folder");
    let ledger = assets.join("ledger/办件台账.csv");
    let o = d.run(&[
        "collect",
        folder.to_str().unwrap(),
        ledger.to_str().unwrap(),
    ]);
    assert_code(&o, 0, "合计：新收集 3，未变化 0，更正 0，失败 0");
    let c = json(&d.run(&["case", "430124-20250301-0001", "--json"]));
    assert_eq!(c["materials"].as_array().unwrap().len(), 4);
    assert_eq!(
        c["materials"][0]["title"],
        "农村宅基地和建房（规划许可）申请表"
    );
    assert_eq!(c["materials"][1]["format"], "png");
}

/// The content checks run as materials are collected: an encrypted PDF
/// (made by qpdf) refuses its case saying how to get a decrypted copy; a
/// PDF with an attachment is collected, and the clerk is told at once that
/// it will not pass the archiving check.
#[test]
fn collection_refuses_an_encrypted_pdf_and_notes_an_attachment_at_once() {
    let d = Dir::new();
    d.init();
    let tree = d._tmp.path().join("export");
    let work = d._tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let run = |program: &str, args: &[&str]| {
        let o = std::process::Command::new(program)
            .current_dir(&work)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} is installed by cargo xtask deps: {e}"));
        assert!(o.status.success(), "{program}: {}", text(&o));
    };
    run(
        "gs",
        &[
            "-q",
            "-dSAFER",
            "-sDEVICE=pdfwrite",
            "-o",
            "a.pdf",
            "-c",
            "newpath 72 72 moveto 300 300 lineto stroke showpage",
        ],
    );
    run(
        "qpdf",
        &[
            "--encrypt",
            "",
            "owner",
            "256",
            "--print=none",
            "--",
            "a.pdf",
            "enc.pdf",
        ],
    );
    std::fs::write(work.join("x.exe"), b"MZ\x90\0").unwrap();
    run(
        "qpdf",
        &["a.pdf", "--add-attachment", "x.exe", "--", "att.pdf"],
    );
    for (no, pdf) in [("CB-0001", "enc.pdf"), ("CB-0002", "att.pdf")] {
        let dir = tree.join(no);
        write_case(&dir, no, "非密");
        std::fs::copy(work.join(pdf), dir.join("结果性材料/参保登记回执.pdf")).unwrap();
    }
    let o = d.run(&["collect", tree.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let by = |no: &str| {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case_no"] == no)
            .unwrap()
            .clone()
    };
    let enc = by("CB-0001");
    assert_eq!(enc["outcome"], "rejected", "{r}");
    let why = enc["problems"].to_string();
    assert!(
        why.contains("已加密") && why.contains("未加密的版本"),
        "{why}"
    );
    let att = by("CB-0002");
    assert_eq!(att["outcome"], "added", "{r}");
    assert!(
        att["notes"]
            .to_string()
            .contains("将不能通过归档检测（4-1-2）"),
        "{att}"
    );
    // The text output shows the note too.
    let o = d.run(&["collect", tree.join("CB-0002").to_str().unwrap()]);
    assert!(text(&o).contains("x.exe"), "{}", text(&o));
    // What the PDF says of itself was recorded (DA/T 70 1-3).
    let c = json(&d.run(&["case", "CB-0002", "--json"]));
    let m = &c["materials"][0];
    assert_eq!(m["pages"], 1, "{c}");
    assert!(
        m["format_version"].as_str().unwrap().starts_with("PDF 1."),
        "{c}"
    );
}

/// An interview recording made by ffmpeg: collection records its format
/// and duration (DA/T 70 1-3), `元数据.xml` carries `<时长>` and still
/// validates against the published schema, and the check passes it.
#[test]
fn a_recording_is_collected_with_its_duration() {
    let d = Dir::new();
    d.init();
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    let tree = d._tmp.path().join("export");
    let dir = tree.join("CB-0003");
    write_case(&dir, "CB-0003", "非密");
    std::fs::create_dir_all(dir.join("证据性材料")).unwrap();
    let o = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("sine=frequency=440:duration=3")
        .args(["-c:a", "libmp3lame"])
        .arg(dir.join("证据性材料/询问录音.mp3"))
        .output()
        .expect("ffmpeg is installed by cargo xtask deps");
    assert!(o.status.success(), "{}", text(&o));
    let r = json(&d.run(&["collect", tree.to_str().unwrap(), "--json"]));
    let efile_no = r["cases"][0]["efile_no"].as_str().unwrap().to_string();
    let c = json(&d.run(&["case", "CB-0003", "--json"]));
    let m = c["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["format"] == "mp3")
        .unwrap_or_else(|| panic!("{c}"));
    assert_eq!(m["format_version"], "MP3", "{c}");
    let ms = m["duration_ms"].as_u64().unwrap();
    assert!((2900..=3200).contains(&ms), "{ms}");
    package_all(&d);
    let zip = walk_zip(&d.data, &efile_no);
    let (_, xml) = guidang_testkit::zip_entries(&zip)
        .into_iter()
        .find(|(n, _)| n == "元数据.xml")
        .unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains("<时长>00:00:0"), "{xml}");
    let f = d._tmp.path().join("元数据.xml");
    std::fs::write(&f, &xml).unwrap();
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/schemas/package-metadata.xsd");
    let v = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(&f)
        .output()
        .expect("xmllint (libxml2-utils) is installed by .ci/run");
    assert!(v.status.success(), "{}", text(&v));
    let o = d.run(&["check", "--all", "--json"]);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)));
    let about: Vec<&Value> = r["packages"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["entry"].as_str().is_some_and(|e| e.ends_with(".mp3")) && f["verdict"] != "pass"
        })
        .collect();
    assert!(about.is_empty(), "{about:?}");
}
