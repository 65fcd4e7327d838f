//! The four-property check, its records and its report.

use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn check_all_records_results_and_moves_passing_cases_to_checked() {
    let d = hall(4);
    package_all(&d);
    // Tamper with one sealed package on disk before the check.
    let pkgs = json(&d.run(&["cases", "--json"]));
    let victim = pkgs[0]["efile_no"].as_str().unwrap().to_string();
    let year = pkgs[0]["year"].as_i64().unwrap();
    let path = d.data.join(format!("packages/{year}/{victim}.zip"));
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();

    let o = d.run(&["check", "--all", "--operator", "张三", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let b: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(b["stage"], "gd");
    let packages = b["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 4);
    for p in packages {
        let items: Vec<&str> = p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["item"].as_str().unwrap())
            .collect();
        assert!(items.iter().all(|i| i.starts_with("GD-")), "{items:?}");
        if p["efile_no"] == victim.as_str() {
            assert_eq!(p["verdict"], "fail");
            assert!(
                p["opinion"].as_str().unwrap().starts_with("不合格："),
                "{}",
                p["opinion"]
            );
        } else {
            assert_ne!(p["verdict"], "fail", "{}", p["opinion"]);
        }
    }
    let cases = json(&d.run(&["cases", "--json"]));
    for c in cases.as_array().unwrap() {
        let want = if c["efile_no"] == victim.as_str() {
            "sealed"
        } else {
            "checked"
        };
        assert_eq!(c["status"], want, "{c}");
    }
    // Results are recorded with who and when; the audit chain stays intact.
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    let (n, by): (i64, String) = conn
        .query_row("SELECT COUNT(*), MAX(checked_by) FROM checks", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((n, by.as_str()), (4, "张三"));
    let f: i64 = conn
        .query_row("SELECT COUNT(*) FROM check_findings", [], |r| r.get(0))
        .unwrap();
    assert!(f >= 4 * 20);
    assert_code(&d.run(&["audit", "verify"]), 0, "审计日志完整");
    // Checking again only looks at what has not passed.
    let again = d.run(&["check", "--all", "--json"]);
    let b: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(b["packages"].as_array().unwrap().len(), 1);
}

#[test]
fn check_yj_on_an_intake_machine_with_the_hall_keyring() {
    let d = hall(2);
    package_all(&d);
    let ring = d._tmp.path().join("keyring.json");
    assert_ok(&d.run(&["keyring", "export", "-o", ring.to_str().unwrap()]));
    let intake = intake();
    let pk = d.data.join("packages");
    let o = intake.run(&[
        "check",
        pk.to_str().unwrap(),
        "--keyring",
        ring.to_str().unwrap(),
    ]);
    assert_code(&o, 0, "移交接收检测：合格");
    assert!(text(&o).contains("YJ-"), "{}", text(&o));
    // Without the keyring the signer is unknown: a loud failure naming the fingerprint.
    let fp = json(&d.run(&["operator", "show", "张三", "--json"]))["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let o = intake.run(&["check", pk.to_str().unwrap()]);
    assert_code(&o, 1, "[YJ-1-1-2]");
    assert!(text(&o).contains(&fp));
    assert_code(
        &intake.run(&["check", pk.to_str().unwrap(), "--stage", "xx"]),
        2,
        "应为 gd",
    );
}

#[test]
fn check_report_pdf_renders_chinese_and_lists_every_failure() {
    let d = hall(3);
    package_all(&d);
    let cases = json(&d.run(&["cases", "--json"]));
    let victim = cases[0]["efile_no"].as_str().unwrap().to_string();
    let p = d
        .data
        .join(format!("packages/{}/{victim}.zip", cases[0]["year"]));
    let mut bytes = std::fs::read(&p).unwrap();
    let i = bytes.len() / 3;
    bytes[i] ^= 1;
    std::fs::write(&p, bytes).unwrap();
    let pdf = d._tmp.path().join("四性检测报告.pdf");
    let o = d.run(&[
        "check",
        "--all",
        "--operator",
        "张三",
        "--json",
        "--report",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let b: Value = serde_json::from_slice(&o.stdout).unwrap();
    let size = std::fs::metadata(&pdf).unwrap().len();
    assert!(size < 400_000, "the font is subset: {size} bytes");
    let t = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(t.status.success());
    let text = String::from_utf8(t.stdout).unwrap();
    // Compare without white space: the layout spaces columns freely.
    let flat: String = text.split_whitespace().collect();
    for needle in [
        "电子档案四性检测报告",
        "归档检测（GD）",
        "示范镇人民政府",
        "检测人：张三",
        "第1页共",
        "不合格",
        "CRC-32校验值不符",
        "四性检测结果",
        "固化信息有效性",
        "没有可信时间戳",
        "病毒库：",
    ] {
        assert!(
            flat.contains(needle),
            "“{needle}” not in the PDF text:\n{text}"
        );
    }
    // The report's view is in the JSON too: 16 two-level items, each
    // package counted once per item, and a finding shared by every package
    // (the virus check without a database, here) listed once with them all.
    let sum = &b["summary"];
    let n = b["packages"].as_array().unwrap().len() as u64;
    let matrix = sum["matrix"].as_array().unwrap();
    assert_eq!(matrix.len(), 16, "{sum}");
    for r in matrix {
        let total: u64 = ["pass", "warn", "fail", "not_checked"]
            .iter()
            .map(|k| r[*k].as_u64().unwrap())
            .sum();
        assert_eq!(total, n, "{r}");
    }
    assert!(
        matrix
            .iter()
            .any(|r| r["item"] == "GD-1-1" && r["fail"] == 1),
        "{sum}"
    );
    let shared: Vec<&Value> = sum["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["item"] == "GD-4-1-1")
        .collect();
    // The tests run without a virus database: every package has the
    // same 4-1-1 warning, listed once.
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0]["packages"].as_array().unwrap().len() as u64, n);
    assert!(sum["seal_time"].as_str().unwrap().contains("时间戳"));
    // Every package and every failed item of the JSON appears in the PDF.
    for p in b["packages"].as_array().unwrap() {
        assert!(
            flat.contains(p["efile_no"].as_str().unwrap()),
            "{} missing",
            p["efile_no"]
        );
        for f in p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["verdict"] == "fail")
        {
            assert!(
                flat.contains(f["item"].as_str().unwrap()),
                "{} missing",
                f["item"]
            );
        }
    }
}
