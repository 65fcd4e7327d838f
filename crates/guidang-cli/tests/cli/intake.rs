//! The receiving side and the hall's import of return files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn hall_to_intake_round_trip_returns_a_damaged_package_and_accepts_it_corrected() {
    // Hall: four cases, kept export tree, packaged, checked, batched, written.
    let hall = Dir::new();
    let export = hall._tmp.path().join("export");
    assert_ok(&hall.run(&[
        "demo",
        "--cases",
        "4",
        "--seed",
        "3",
        "--out",
        export.to_str().unwrap(),
    ]));
    assert_ok(&hall.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    package_all(&hall);
    assert_ok(&hall.run(&["check", "--all"]));
    let b1 = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let m1 = hall._tmp.path().join("U盘1");
    json(&write_medium(&hall, &b1, &m1, &[]));
    // On the way, one package is damaged.
    let cm: Value =
        serde_json::from_slice(&std::fs::read(m1.join("其他/载体清单.json")).unwrap()).unwrap();
    let victim = cm["packages"][1].as_str().unwrap().to_string();
    let zip = walk_zip(&m1, &victim);
    let mut bytes = std::fs::read(&zip).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&zip, &bytes).unwrap();

    // Intake: the sender's key is trusted only when confirmed.
    let arc = archive();
    let fp = json(&hall.run(&["operator", "show", "张三", "--json"]))["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let o = arc.run(&["intake", "open", m1.to_str().unwrap()]);
    assert_code(&o, 2, "sender_untrusted");
    assert!(
        text(&o).contains(&fp),
        "the fingerprint to compare is shown"
    );
    let wrong = "0".repeat(64);
    assert_code(
        &arc.run(&["intake", "open", m1.to_str().unwrap(), "--trust", &wrong]),
        2,
        "trust_mismatch",
    );
    assert!(json(&arc.run(&["intake", "status", "--json"]))
        .as_array()
        .unwrap()
        .is_empty());
    let qr = qr_of(&hall, &b1);
    let r = open_json(&arc, &[m1.to_str().unwrap(), "--trust", &qr], 1);
    assert_eq!(r["trust"], "confirmed");
    assert_eq!(
        r["carriers"][0]["digest"],
        json(&hall.run(&["batch", "show", &b1, "--json"]))["carriers"][0]["digest"]
    );
    let bad: Vec<&Value> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "fail")
        .collect();
    assert_eq!(bad.len(), 1, "{r}");
    assert_eq!(bad[0]["efile_no"], victim.as_str());
    let suggested = bad[0]["suggested_reason"].as_str().unwrap();
    assert!(suggested.contains("YJ-"), "{suggested}");
    // The archivist edits the reason.
    assert_code(
        &arc.run(&["intake", "return", &victim, "--reason", ""]),
        2,
        "退回原因",
    );
    assert_code(
        &arc.run(&["intake", "return", "NO-SUCH", "--reason", "x"]),
        2,
        "没有电子文件号",
    );
    let reason = "包在载体上已损坏（摘要与批次清单不符），请重新移交";
    assert_ok(&arc.run(&["intake", "return", &victim, "--reason", reason]));
    let st = json(&arc.run(&["intake", "status", "--json"]));
    assert_eq!(st[0]["status"], "open");
    let accepted = accept(&arc, &[]);
    assert_eq!(accepted["accepted"].as_array().unwrap().len(), 3);
    assert_eq!(accepted["returned"][0]["efile_no"], victim.as_str());
    assert_eq!(accepted["returned"][0]["reason"], reason);
    let ret = m1.join("其他/退回清单.json");
    assert_eq!(
        PathBuf::from(accepted["return_file"].as_str().unwrap()),
        ret
    );
    let receipt = pdf_text(Path::new(accepted["receipt_pdf"].as_str().unwrap()));
    assert!(
        receipt.contains("电子档案接收回执") && receipt.contains("接收归档信息包3个，退回1个"),
        "{receipt}"
    );
    assert!(receipt.contains("移交人：") && receipt.contains("接收人："));
    let slip = pdf_text(Path::new(accepted["return_slip_pdf"].as_str().unwrap()));
    assert!(
        slip.contains("电子档案退回单") && slip.contains(&victim),
        "{slip}"
    );
    assert!(slip.contains("包在载体上已损坏"), "{slip}");
    assert_eq!(accepted["already_done"], false);
    // Running the same command again finishes nothing twice: it reports
    // the acceptance done, and the signed file it handed out is unchanged
    // (put back on the medium if it went missing).
    let signed = std::fs::read(&ret).unwrap();
    let again = accept(&arc, &[]);
    assert_eq!(again["already_done"], true, "{again}");
    assert_eq!(again["accepted"], accepted["accepted"]);
    assert_eq!(std::fs::read(&ret).unwrap(), signed);
    std::fs::remove_file(&ret).unwrap();
    let batch_no = accepted["batch_no"].as_str().unwrap();
    let o = arc.run_stdin(
        &[
            "intake",
            "accept",
            "--rest",
            "--batch",
            batch_no,
            "--operator",
            "李档",
            "--pin-stdin",
        ],
        "135790\n",
    );
    assert_code(&o, 0, "接收入库，本次没有再次接收");
    assert_eq!(std::fs::read(&ret).unwrap(), signed);
    // Stored with verify-after-copy, each material mapped to its entry.
    let st = json(&arc.run(&["intake", "status", "--json"]));
    assert_eq!(
        (
            st[0]["status"].as_str(),
            st[0]["accepted"].as_u64(),
            st[0]["returned"].as_u64()
        ),
        (Some("received"), Some(3), Some(1))
    );
    let stored: Vec<PathBuf> = std::fs::read_dir(arc.data.join("holdings"))
        .unwrap()
        .flat_map(|u| std::fs::read_dir(u.unwrap().path()).unwrap())
        .flat_map(|y| std::fs::read_dir(y.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(stored.len(), 3);
    let holdings = json(&arc.run(&["intake", "holdings", "--json"]));
    assert_eq!(holdings.as_array().unwrap().len(), 3);
    for h in holdings.as_array().unwrap() {
        let p = arc.data.join(h["holding"]["path"].as_str().unwrap());
        let o = arc.run(&["digest", p.to_str().unwrap()]);
        assert!(text(&o).contains(h["holding"]["digest"].as_str().unwrap()));
        let ms = h["materials"].as_array().unwrap();
        assert!(!ms.is_empty());
        // Every material is mapped to its entry inside the stored package.
        let listing = Command::new("unzip").arg("-Z1").arg(&p).output().unwrap();
        let names = String::from_utf8_lossy(&listing.stdout).to_string();
        for m in ms {
            assert!(
                names.contains(m["entry"].as_str().unwrap()),
                "{m} not in {names}"
            );
        }
    }
    // Nothing is accepted twice: the same medium again is a replay.
    let again = open_json(&arc, &[m1.to_str().unwrap()], 1);
    assert_eq!(again["trust"], "stored");
    let items: Vec<&str> = again["batch_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["item"].as_str().unwrap())
        .collect();
    assert!(items.contains(&"YJ-4-3-1"), "{again}");
    assert!(again["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["efile_no"] != victim.as_str())
        .all(|p| p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["item"] == "YJ-2-2-2" && f["verdict"] == "fail")));
    let o = arc.run_stdin(
        &[
            "intake",
            "accept",
            "--rest",
            "--operator",
            "李档",
            "--pin-stdin",
        ],
        "135790\n",
    );
    assert_code(&o, 2, "不能重复接收");
    // The audit chain holds.
    assert_ok(&arc.run(&["audit", "verify"]));

    // Hall: the return file is verified and the case is work to do.
    let mut forged = std::fs::read_to_string(&ret).unwrap();
    forged = forged.replace("包在载体上已损坏", "包在载体上已损环");
    let forged_path = hall._tmp.path().join("伪造退回清单.json");
    std::fs::write(&forged_path, forged).unwrap();
    assert_code(
        &hall.run(&["returns", "import", forged_path.to_str().unwrap()]),
        2,
        "bad_return_file",
    );
    // The first return file from this archive: the signer's key must be
    // confirmed against the signed paper receipt (its QR code here).
    assert_code(
        &hall.run(&["returns", "import", ret.to_str().unwrap()]),
        2,
        "首次导入",
    );
    let receipt = arc.data.join("receipts").join(&b1).join("接收回执.pdf");
    let qr = pdf_qr_text(&receipt, arc._tmp.path());
    assert!(qr.starts_with("guidang-return/1;"), "{qr}");
    assert_eq!(
        pdf_qr_text(
            &arc.data.join("receipts").join(&b1).join("退回单.pdf"),
            arc._tmp.path()
        ),
        qr
    );
    assert_code(
        &hall.run(&[
            "returns",
            "import",
            ret.to_str().unwrap(),
            "--trust",
            &"0".repeat(64),
        ]),
        2,
        "receiver_trust_mismatch",
    );
    let cases_before = json(&hall.run(&["cases", "--json"]));
    assert!(cases_before
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] != "returned"));
    let imp = json(&hall.run(&[
        "returns",
        "import",
        ret.to_str().unwrap(),
        "--trust",
        &qr,
        "--json",
    ]));
    assert_eq!(
        (
            imp["accepted"].as_u64(),
            imp["already_imported"].as_bool(),
            imp["trust"].as_str()
        ),
        (Some(3), Some(false), Some("confirmed"))
    );
    // A return file for the same batch from an archive never seen before
    // (same name, another fonds), signed by its own archivist: now that a
    // key has been confirmed it is refused as suspect, not offered as a
    // first import.
    let other = Dir::new();
    assert_ok(&other.run(&[
        "init",
        "--role",
        "intake",
        "--region",
        "430100",
        "--fonds",
        "B02",
        "--unit",
        "示范县档案馆",
    ]));
    assert_ok(&other.run_stdin(
        &["operator", "add", "--name", "李档", "--pin-stdin"],
        "135790\n",
    ));
    open_json(
        &other,
        &[m1.to_str().unwrap(), "--trust", &qr_of(&hall, &b1)],
        1,
    );
    let forged_ret = other._tmp.path().join("另一份退回清单.json");
    accept(&other, &["--return-file", forged_ret.to_str().unwrap()]);
    let o = hall.run(&["returns", "import", forged_ret.to_str().unwrap()]);
    assert_code(&o, 2, "receiver_key_changed");
    assert!(text(&o).contains("全宗号 B02"), "{}", text(&o));
    let again = json(&hall.run(&["returns", "import", ret.to_str().unwrap(), "--json"]));
    assert_eq!(again["already_imported"], true);
    let cases = json(&hall.run(&["cases", "--json"]));
    let returned: Vec<&Value> = cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "returned")
        .collect();
    assert_eq!(returned.len(), 1);
    assert_eq!(
        cases
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "accepted")
            .count(),
        3
    );
    let case_no = returned[0]["case_no"].as_str().unwrap().to_string();
    let shown = json(&hall.run(&["case", &case_no, "--json"]));
    assert_eq!(shown["return_reason"], reason);
    // Not packaged again before it is corrected.
    let o = hall.run_stdin(
        &["package", &case_no, "--operator", "张三", "--pin-stdin"],
        "246810\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Fix: re-collect, re-package, re-check, a new batch correcting the old.
    assert_ok(&hall.run(&["collect", export.to_str().unwrap(), "--replace"]));
    assert_eq!(
        json(&hall.run(&["case", &case_no, "--json"]))["case"]["status"],
        "collected"
    );
    package_all(&hall);
    assert_ok(&hall.run(&["check", "--all"]));
    let b2 = json(&hall.run_stdin(
        &[
            "batch",
            "create",
            "--all-ready",
            "--operator",
            "张三",
            "--pin-stdin",
            "--corrects",
            &b1,
            "--json",
        ],
        "246810\n",
    ));
    assert_eq!(b2["packages"], 1);
    let b2 = b2["batch_no"].as_str().unwrap().to_string();
    let m2 = hall._tmp.path().join("U盘2");
    json(&write_medium(&hall, &b2, &m2, &[]));

    // Intake: the stored key is used; the corrected package passes.
    let r = open_json(&arc, &[m2.to_str().unwrap()], 0);
    assert_eq!(
        (r["trust"].as_str(), r["corrects"].as_str()),
        (Some("stored"), Some(b1.as_str()))
    );
    // This time another archivist, with a key of their own, decides.
    assert_ok(&arc.run_stdin(
        &["operator", "add", "--name", "王二", "--pin-stdin"],
        "864209\n",
    ));
    let accepted = json(&arc.run_stdin(
        &[
            "intake",
            "accept",
            "--rest",
            "--operator",
            "王二",
            "--pin-stdin",
            "--json",
        ],
        "864209\n",
    ));
    assert_eq!(accepted["accepted"][0], victim.as_str());
    assert!(accepted["returned"].as_array().unwrap().is_empty());
    // Hall: a key not confirmed before is refused with a warning, then
    // confirmed from the new receipt; the first one stays confirmed.
    let ret2 = m2.join("其他/退回清单.json");
    assert_code(
        &hall.run(&["returns", "import", ret2.to_str().unwrap()]),
        2,
        "不是本机以前确认过的",
    );
    let qr2 = pdf_qr_text(
        &arc.data.join("receipts").join(&b2).join("接收回执.pdf"),
        arc._tmp.path(),
    );
    assert_ne!(qr2, qr, "another signer");
    let fp2 = qr2.rsplit("fingerprint=").next().unwrap();
    let imp = json(&hall.run(&[
        "returns",
        "import",
        ret2.to_str().unwrap(),
        "--trust",
        fp2,
        "--json",
    ]));
    assert_eq!(imp["accepted"], 1);
    assert_eq!(imp["trust"], "confirmed");
    let cases = json(&hall.run(&["cases", "--json"]));
    assert!(
        cases
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "accepted"),
        "{cases}"
    );
    assert_ok(&hall.run(&["audit", "verify"]));
    // Roles are kept apart.
    assert_code(&hall.run(&["intake", "status"]), 2, "wrong_role");
    assert_code(
        &arc.run(&["returns", "import", ret.to_str().unwrap()]),
        2,
        "wrong_role",
    );
}

#[test]
fn intake_catches_a_foreign_file_a_missing_carrier_a_resigned_package_and_a_new_key() {
    let hall = checked_hall(6);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let total = json(&hall.run(&["batch", "show", &b, "--json"]))["manifest"]["total_bytes"]
        .as_u64()
        .unwrap();
    // Carriers for about 60% of the packages plus the forms: two carriers.
    let size = (total * 6 / 10 + (3 << 20)).to_string();
    let c1 = hall._tmp.path().join("载体1");
    let c2 = hall._tmp.path().join("载体2");
    let w = json(&write_medium(&hall, &b, &c1, &["--carrier-size", &size]));
    assert_eq!(w["carriers"], 2, "{w}");
    json(&write_medium(&hall, &b, &c2, &[]));
    let qr = qr_of(&hall, &b);
    let arc = archive();
    // Both carriers, untouched: everything passes.
    let r = open_json(
        &arc,
        &[c1.to_str().unwrap(), c2.to_str().unwrap(), "--trust", &qr],
        0,
    );
    assert_eq!(r["carriers"].as_array().unwrap().len(), 2);

    // A foreign file on carrier 1, and carrier 2 left out.
    std::fs::write(c1.join("电子档案/说明.docx"), b"PK\x03\x04").unwrap();
    let r = open_json(&arc, &[c1.to_str().unwrap()], 1);
    let findings = r["batch_findings"].to_string();
    assert!(findings.contains("缺少第 2 号载体"), "{findings}");
    assert!(findings.contains("电子档案/说明.docx"), "{findings}");
    let on_c2: Vec<String> =
        serde_json::from_slice::<Value>(&std::fs::read(c2.join("其他/载体清单.json")).unwrap())
            .unwrap()["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
    for p in r["packages"].as_array().unwrap() {
        let missing = on_c2.contains(&p["efile_no"].as_str().unwrap().to_string());
        let why = p["findings"].to_string();
        assert_eq!(missing, why.contains("不在所给的载体上"), "{p}");
    }
    std::fs::remove_file(c1.join("电子档案/说明.docx")).unwrap();

    // A package re-sealed by someone else (same case numbers, another key).
    let forger = self::hall(6);
    package_all(&forger);
    let on_c1: Value =
        serde_json::from_slice(&std::fs::read(c1.join("其他/载体清单.json")).unwrap()).unwrap();
    let victim = on_c1["packages"][0].as_str().unwrap().to_string();
    let genuine = walk_zip(&c1, &victim);
    let fake = walk_zip(&forger.data.join("packages"), &victim);
    let kept = std::fs::read(&genuine).unwrap();
    std::fs::copy(&fake, &genuine).unwrap();
    let r = open_json(&arc, &[c1.to_str().unwrap(), c2.to_str().unwrap()], 1);
    let p = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["efile_no"] == victim.as_str())
        .unwrap();
    let failed: Vec<&str> = p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] == "fail")
        .map(|f| f["item"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"YJ-1-5-2") && failed.contains(&"YJ-1-1-2"),
        "{failed:?}"
    );
    std::fs::write(&genuine, kept).unwrap();

    // The forger's own batch for the same unit: a different key is refused loudly.
    assert_ok(&forger.run(&["check", "--all"]));
    let fb = create_batch(&forger)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let fm = forger._tmp.path().join("伪造载体");
    json(&write_medium(&forger, &fb, &fm, &[]));
    let o = arc.run(&["intake", "open", fm.to_str().unwrap()]);
    assert_code(&o, 2, "sender_key_changed");
    assert!(text(&o).contains("不要接收"));
    // Two media of different batches at once are refused.
    assert_code(
        &arc.run(&["intake", "open", c1.to_str().unwrap(), fm.to_str().unwrap()]),
        2,
        "不同的批次",
    );
}

/// Rewrites a carrier written now into Guidang's old layout (its files at
/// the root, lower-case description names), as older versions wrote it.
/// The batch manifest and its signature are moved unchanged, so the
/// signature still holds; the (unsigned) carrier manifest lists the new
/// paths.
fn to_old_layout(medium: &Path) {
    let moves = [
        ("说明文件.TXT", "说明文件.txt"),
        ("文件目录.XML", "目录文件.xml"),
        ("其他/批次清单.json", "批次清单.json"),
        ("其他/批次清单.sig", "批次清单.sig"),
        ("其他/移交清单.pdf", "移交清单.pdf"),
        ("其他/归档目录清单.pdf", "归档目录清单.pdf"),
        ("其他/移交与接收登记表.pdf", "移交与接收登记表.pdf"),
        ("其他/载体清单.json", "载体清单.json"),
    ];
    for (from, to) in moves {
        std::fs::rename(medium.join(from), medium.join(to)).unwrap();
    }
    edit_json(&medium.join("载体清单.json"), |v| {
        for f in v["files"].as_array_mut().unwrap() {
            if let Some((_, to)) = moves.iter().find(|(from, _)| f["path"] == *from) {
                f["path"] = Value::from(*to);
            }
        }
    });
}

#[test]
fn a_carrier_in_the_old_layout_still_opens_with_a_finding_saying_so() {
    let (hall, b, medium, arc) = written_carrier(2);
    to_old_layout(&medium);
    let m = medium.to_str().unwrap();
    let r = open_json(&arc, &[m, "--trust", &qr_of(&hall, &b)], 0);
    assert_eq!(r["verdict"], "pass", "{r}");
    assert_eq!(r["passed"], 2, "{r}");
    let old = r["batch_findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["reason"].as_str().unwrap_or("").contains("旧版载体结构"))
        .unwrap_or_else(|| panic!("no old-layout finding: {r}"));
    assert_eq!(old["verdict"], "warn", "{old}");
    assert_eq!(old["entry"], "载体清单.json", "{old}");
    let a = accept(&arc, &[]);
    assert_eq!(a["accepted"].as_array().unwrap().len(), 2, "{a}");
    // The return file goes where the old layout kept it.
    assert!(medium.join("退回清单.json").is_file());
}

#[test]
fn a_carrier_root_holds_only_the_four_entries_of_the_measures() {
    let (hall, b, medium, arc) = written_carrier(1);
    // A file at the root, even one the carrier manifest lists, is foreign.
    std::fs::write(medium.join("补充说明.txt"), "后加的").unwrap();
    edit_json(&medium.join("其他/载体清单.json"), |v| {
        v["files"].as_array_mut().unwrap().push(serde_json::json!({
            "path": "补充说明.txt",
            "size": "后加的".len(),
            "digest": "00"
        }));
    });
    let r = open_json(
        &arc,
        &[medium.to_str().unwrap(), "--trust", &qr_of(&hall, &b)],
        1,
    );
    let f = r["batch_findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entry"] == "补充说明.txt" && f["item"] == "YJ-4-2-1")
        .unwrap_or_else(|| panic!("no root finding: {r}"));
    assert!(
        f["reason"].as_str().unwrap().contains("根目录只应有"),
        "{f}"
    );
    assert_eq!(f["verdict"], "fail");
}

#[test]
fn a_batch_written_in_the_old_layout_is_written_again_in_the_measures_layout() {
    let (hall, b, medium, arc) = written_carrier(2);
    // What an older Guidang left: a carrier in the old layout, recorded as
    // written from an old-layout plan.
    to_old_layout(&medium);
    let o = Command::new("openssl")
        .args(["dgst", "-sm3", "-r"])
        .arg(medium.join("载体清单.json"))
        .output()
        .unwrap();
    let old_digest = String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let conn = rusqlite::Connection::open(hall.catalog()).unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER batch_carriers_digest_fixed;
         UPDATE batch_carriers SET plan = 'guidang-media-plan/1', digest = '{old_digest}';
         CREATE TRIGGER batch_carriers_digest_fixed BEFORE UPDATE OF digest, digest_algo, carrier_no, carriers, plan ON batch_carriers
         BEGIN SELECT RAISE(ABORT, 'a carrier digest never changes'); END;"
    ))
    .unwrap();
    drop(conn);
    let plan = hall.data.join(format!("batches/{b}/media/plan.json"));
    edit_json(&plan, |v| v["format"] = Value::from("guidang-media-plan/1"));
    let m2 = hall._tmp.path().join("新载体");
    let o = hall.run(&["transfer", "relayout", &b, "--operator", "张三"]);
    assert_code(&o, 0, "旧版载体规划已另存");
    let w = json(&write_medium(&hall, &b, &m2, &[]));
    assert_eq!(w["carrier_no"], 1, "{w}");
    assert_eq!(
        root_entries(&m2),
        ["其他", "文件目录.XML", "电子档案", "说明文件.TXT"]
    );
    let shown = json(&hall.run(&["batch", "show", &b, "--json"]));
    let carriers = shown["carriers"].as_array().unwrap();
    assert_eq!(carriers.len(), 2, "{shown}");
    assert_eq!(
        (
            carriers[0]["layout"].as_str(),
            carriers[0]["digest"].as_str()
        ),
        (Some("legacy"), Some(old_digest.as_str()))
    );
    assert_eq!(carriers[1]["layout"], "measures");
    assert_eq!(carriers[1]["digest"], w["carrier_digest"]);
    assert_eq!(
        json(&hall.run(&["batch", "list", "--json"]))[0]["status"],
        "written"
    );
    let log = json(&hall.run(&["audit", "log", "--limit", "3", "--json"]));
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "transfer_relayout" && e["actor"] == "张三"),
        "{log}"
    );
    // Once is enough; and the new carrier is received like any other.
    assert_code(&hall.run(&["transfer", "relayout", &b]), 2, "无需重写");
    let r = open_json(
        &arc,
        &[m2.to_str().unwrap(), "--trust", &qr_of(&hall, &b)],
        0,
    );
    assert_eq!(r["passed"], 2, "{r}");
}
