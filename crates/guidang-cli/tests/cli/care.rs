//! Backup, restore, inspection, retention and destruction.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn backup_then_lose_the_disk_then_restore_and_inspect_passes() {
    let d = checked_hall(5);
    let b = create_batch(&d)["batch_no"].as_str().unwrap().to_string();
    json(&write_medium(&d, &b, &d._tmp.path().join("U盘"), &[]));
    let status = d.run(&["status"]);
    assert!(text(&status).contains("还没有备份过"), "{}", text(&status));
    let drive = d._tmp.path().join("移动硬盘");
    std::fs::create_dir_all(&drive).unwrap();
    let r = json(&d.run(&["backup", "--to", drive.to_str().unwrap(), "--json"]));
    assert_eq!(
        r["copied"], r["files"],
        "the first backup copies everything"
    );
    assert!(text(&d.run(&["status"])).contains("上次备份"));
    let cases = json(&d.run(&["cases", "--json"]));
    let audit = json(&d.run(&["audit", "log", "--limit", "1000", "--json"]));
    let tree = data_tree(&d.data);
    // The disk dies.
    std::fs::remove_dir_all(&d.data).unwrap();
    // Restoring onto a directory that holds something is refused.
    let busy = d._tmp.path().join("占用");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("x"), b"x").unwrap();
    assert_code(
        &d.run(&[
            "restore",
            "--from",
            drive.to_str().unwrap(),
            "--to",
            busy.to_str().unwrap(),
        ]),
        2,
        "不为空",
    );
    let r = json(&d.run(&["restore", "--from", drive.to_str().unwrap(), "--json"]));
    assert_eq!(r["files"], tree.len() + 1);
    // Equal to the original: every file, every case, the whole audit log.
    assert_eq!(data_tree(&d.data), tree);
    assert_eq!(json(&d.run(&["cases", "--json"])), cases);
    // The audit log: everything up to the snapshot (the backup's own entry
    // was written after it), then the restore.
    let restored = json(&d.run(&["audit", "log", "--limit", "1000", "--json"]));
    assert_eq!(audit[0]["action"], "backup");
    assert_eq!(restored[0]["action"], "restore");
    assert_eq!(
        restored.as_array().unwrap()[1..],
        audit.as_array().unwrap()[1..]
    );
    assert_ok(&d.run(&["audit", "verify"]));
    let i = json(&d.run(&["inspect", "--json"]));
    assert_eq!(i["verdict"], "sound");
    assert!(i["packages"].as_u64().unwrap() == 5 && i["materials"].as_u64().unwrap() > 5);
    let pdf = pdf_text(Path::new(i["report_pdf"].as_str().unwrap()));
    assert!(
        pdf.contains("电子档案日常检查报告") && pdf.contains("全部完好"),
        "{pdf}"
    );
}

#[test]
fn inspect_finds_a_flipped_byte_and_repairs_it_from_the_backup() {
    let d = checked_hall(3);
    // Without a backup, damage is found but cannot be repaired.
    let blob = {
        let mut stack = vec![d.data.join("store")];
        let mut found = None;
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if found.is_none() {
                    found = Some(p);
                }
            }
        }
        found.unwrap()
    };
    let good = std::fs::read(&blob).unwrap();
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 0x01;
    std::fs::write(&blob, &bad).unwrap();
    let o = d.run(&["inspect", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["damage"][0]["repaired"], false);
    std::fs::write(&blob, &good).unwrap();
    assert_ok(&d.run(&["inspect"]));

    let drive = d._tmp.path().join("备份盘");
    std::fs::create_dir_all(&drive).unwrap();
    assert_ok(&d.run(&["backup", "--to", drive.to_str().unwrap()]));
    // A flipped byte in a material and in a package.
    std::fs::write(&blob, &bad).unwrap();
    let cases = json(&d.run(&["cases", "--json"]));
    let pkg = walk_zip(
        &d.data.join("packages"),
        cases[0]["efile_no"].as_str().unwrap(),
    );
    let pkg_good = std::fs::read(&pkg).unwrap();
    let mut pkg_bad = pkg_good.clone();
    pkg_bad[pkg_good.len() / 3] ^= 0x04;
    std::fs::write(&pkg, &pkg_bad).unwrap();
    let o = d.run(&["inspect", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "damage found, even though repaired: {}",
        text(&o)
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let damage = r["damage"].as_array().unwrap();
    assert_eq!(damage.len(), 2, "{r}");
    assert!(damage.iter().all(|x| x["repaired"] == true), "{r}");
    assert!(
        damage.iter().any(|x| x["kind"] == "material")
            && damage.iter().any(|x| x["kind"] == "package")
    );
    assert_eq!(std::fs::read(&blob).unwrap(), good);
    assert_eq!(std::fs::read(&pkg).unwrap(), pkg_good);
    assert_ok(&d.run(&["inspect"]));
    // A damaged backup is reported file by file and nothing is restored.
    let objects = drive.join("归档通备份");
    let mut stack = vec![objects];
    let mut obj = None;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().contains("/objects/") && obj.is_none() {
                obj = Some(p);
            }
        }
    }
    let obj = obj.unwrap();
    let mut o_bytes = std::fs::read(&obj).unwrap();
    let last = o_bytes.len() - 1;
    o_bytes[last] ^= 0xff;
    std::fs::write(&obj, &o_bytes).unwrap();
    let target = d._tmp.path().join("恢复到这里");
    let o = d.run(&[
        "restore",
        "--from",
        drive.to_str().unwrap(),
        "--to",
        target.to_str().unwrap(),
    ]);
    assert_code(&o, 2, "已损坏");
    assert!(!target.exists(), "nothing half-restored");
    // Nor in place of the working data directory: it stays as it was.
    let before = data_tree(&d.data);
    let o = d.restore_replacing(&drive, &[], "246810");
    assert_code(&o, 2, "已损坏");
    assert_eq!(data_tree(&d.data), before);
    assert_ok(&d.run(&["inspect"]));
    let siblings = std::fs::read_dir(d.data.parent().unwrap())
        .unwrap()
        .filter(|e| {
            let n = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            n.contains("restored") || n.contains("恢复前")
        })
        .count();
    assert_eq!(siblings, 0, "no staging or renamed folder left behind");
}

#[test]
fn an_incremental_backup_after_ten_new_cases_copies_only_those() {
    let d = checked_hall(4);
    let drive = d._tmp.path().join("备份盘");
    std::fs::create_dir_all(&drive).unwrap();
    let first = json(&d.run(&["backup", "--to", drive.to_str().unwrap(), "--json"]));
    let tree = d._tmp.path().join("新办件");
    for i in 1..=10 {
        let no = format!("NEW-{i:04}");
        write_case(&tree.join(&no), &no, "非密");
    }
    assert_ok(&d.run(&["collect", tree.to_str().unwrap()]));
    let second = json(&d.run(&["backup", "--to", drive.to_str().unwrap(), "--json"]));
    let copied: Vec<&str> = second["copied_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    // Ten new material files and the catalog snapshot; nothing else.
    assert_eq!(copied.len(), 11, "{copied:?}");
    assert!(copied.contains(&"catalog.sqlite"));
    assert_eq!(
        copied.iter().filter(|p| p.starts_with("store/")).count(),
        10
    );
    assert_eq!(
        second["files"].as_u64().unwrap(),
        first["files"].as_u64().unwrap() + 10
    );
    assert_ne!(first["generation"], second["generation"]);
    // Both generations restore.
    let gens = std::fs::read_dir(drive.join("归档通备份/430124-0001/generations"))
        .unwrap()
        .count();
    assert_eq!(gens, 2);
    let old = d._tmp.path().join("旧一代");
    assert_ok(&d.run(&[
        "restore",
        "--from",
        drive.to_str().unwrap(),
        "--to",
        old.to_str().unwrap(),
        "--generation",
        first["generation"].as_str().unwrap(),
    ]));
    let o = Command::new(env!("CARGO_BIN_EXE_guidang"))
        .arg("--data-dir")
        .arg(&old)
        .args(["cases", "--json"])
        .output()
        .unwrap();
    assert_eq!(json(&o).as_array().unwrap().len(), 4);
    // The generations are listed newest first, and the older one restores
    // in place of the working directory, which is kept under another name.
    let list = json(&d.run(&[
        "restore",
        "--from",
        drive.to_str().unwrap(),
        "--list",
        "--json",
    ]));
    assert_eq!(list[0]["generation"], second["generation"]);
    assert_eq!(list[1]["generation"], first["generation"]);
    assert!(list[1]["valid"].as_bool().unwrap() && list[1]["files"].as_u64().unwrap() > 4);
    let replace = |generation: &str, pin: &str| {
        d.restore_replacing(&drive, &["--generation", generation, "--json"], pin)
    };
    assert_code(&replace("../../归档通备份", "246810"), 2, "不是备份的代名");
    // Replacing a set-up catalog is an operator's decision, with their PIN.
    let before = data_tree(&d.data);
    let first_gen = first["generation"].as_str().unwrap();
    assert_code(
        &d.run(&[
            "restore",
            "--from",
            drive.to_str().unwrap(),
            "--replace",
            "--generation",
            first_gen,
        ]),
        2,
        "须由操作员输入 PIN",
    );
    let o = replace(first_gen, "135799");
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("PIN 错误"), "{}", text(&o));
    assert_eq!(data_tree(&d.data), before, "nothing replaced");
    let r = json(&replace(first_gen, "246810"));
    assert_eq!(
        json(&d.run(&["cases", "--json"])).as_array().unwrap().len(),
        4
    );
    let kept = PathBuf::from(r["kept"].as_str().unwrap());
    assert!(kept
        .file_name()
        .unwrap()
        .to_string_lossy()
        .contains(".恢复前-"));
    let o = Command::new(env!("CARGO_BIN_EXE_guidang"))
        .arg("--data-dir")
        .arg(&kept)
        .args(["cases", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        json(&o).as_array().unwrap().len(),
        14,
        "the replaced data is kept whole"
    );
    let audit = json(&d.run(&["audit", "log", "--limit", "1", "--json"]));
    assert_eq!(audit[0]["action"], "restore");
    assert_eq!(audit[0]["actor"], "张三", "who replaced the data");
    // The reminder interval is a setting.
    assert_ok(&d.run(&["backup", "--interval-days", "7"]));
    assert_eq!(
        json(&d.run(&["status", "--json"]))["backup_interval_days"],
        7
    );
    assert_code(&d.run(&["backup", "--interval-days", "0"]), 2, "1 至 3650");
}

/// The archive appraises its own holdings: once a holding's retention has
/// ended it is destroyed with an approval and the archivist's PIN, enters
/// the destruction register, leaves the routine inspection sound and stays
/// in the holdings list marked destroyed.
#[test]
fn the_archive_destroys_a_holding_whose_retention_has_ended() {
    let hall = checked_hall(3);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let m = hall._tmp.path().join("U盘");
    json(&write_medium(&hall, &b, &m, &[]));
    let arc = archive();
    open_json(
        &arc,
        &[m.to_str().unwrap(), "--trust", &qr_of(&hall, &b)],
        0,
    );
    accept(&arc, &[]);
    let run_on = |today: &str, args: &[&str], stdin: &str| {
        arc.run_stdin_env(&[("GUIDANG_TODAY", today)], args, stdin)
    };
    // Planned ahead: listed, not yet destroyable.
    let ahead = json(&run_on(
        "2026-11-21",
        &["retention", "due", "--as-of", "2060-01-01", "--json"],
        "",
    ));
    let rows = ahead.as_array().unwrap();
    assert!(!rows.is_empty(), "{ahead}");
    assert!(rows
        .iter()
        .all(|r| r["destroyable"] == false && r["why_not"].as_str().unwrap().contains("才届满")));
    let due = json(&run_on("2060-01-01", &["retention", "due", "--json"], ""));
    let row = &due.as_array().unwrap()[0];
    assert_eq!(row["destroyable"], true, "{due}");
    let efile = row["efile_no"].as_str().unwrap().to_string();
    let held = json(&arc.run(&["intake", "holdings", "--json"]));
    let path = arc.data.join(
        held.as_array()
            .unwrap()
            .iter()
            .find(|h| h["holding"]["efile_no"] == efile.as_str())
            .unwrap()["holding"]["path"]
            .as_str()
            .unwrap(),
    );
    assert!(path.is_file());
    let destroy = |pin: &str| {
        run_on(
            "2060-01-01",
            &[
                "retention",
                "destroy",
                &efile,
                "--approved-by",
                "馆长",
                "--approval-doc",
                "档〔2060〕2号",
                "--operator",
                "李档",
                "--pin-stdin",
            ],
            &format!("{pin}\n"),
        )
    };
    let o = destroy("246899");
    assert!(text(&o).contains("PIN 错误"), "{}", text(&o));
    assert!(path.is_file(), "nothing removed");
    // Before its retention ends: refused.
    let o = run_on(
        "2026-11-21",
        &[
            "retention",
            "destroy",
            &efile,
            "--approved-by",
            "馆长",
            "--approval-doc",
            "档〔2026〕2号",
            "--operator",
            "李档",
            "--pin-stdin",
        ],
        "135790\n",
    );
    assert_code(&o, 2, "才届满");
    assert!(path.is_file(), "nothing removed");
    assert_code(&destroy("135790"), 0, "已记入销毁清册");
    assert!(!path.exists(), "the package is removed");
    // Destroying it again changes nothing and registers it once.
    assert_code(&destroy("135790"), 0, "已记入销毁清册");
    // A crash between the register and the removal: the next routine
    // inspection removes what was left and says so.
    std::fs::write(&path, b"left behind").unwrap();
    let o = arc.run(&["inspect"]);
    assert!(text(&o).contains("销毁曾中断"), "{}", text(&o));
    assert!(!path.exists(), "the leftover is removed");
    let held = json(&arc.run(&["intake", "holdings", "--json"]));
    let entry = held
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holding"]["efile_no"] == efile.as_str())
        .expect("the catalogue entry stays");
    assert!(entry["holding"]["destroyed_at"].is_string(), "{entry}");
    let reg = arc._tmp.path().join("销毁清册.pdf");
    assert_ok(&arc.run(&["retention", "register", "-o", reg.to_str().unwrap()]));
    let t = pdf_text(&reg);
    assert!(t.contains(&efile) && t.contains("馆长"), "{t}");
    assert_eq!(t.matches(efile.as_str()).count(), 1, "registered once: {t}");
    assert_ok(&arc.run(&["inspect"]));
    assert_ok(&arc.run(&["audit", "verify"]));
    let due = json(&run_on("2060-01-01", &["retention", "due", "--json"], ""));
    assert!(due
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["efile_no"] != efile.as_str()));
}

/// The disaster cases of restoring in place: a working catalog written by a
/// newer version is replaced by an operator with their PIN, and one that is
/// no database at all needs nobody's PIN; either way it is kept beside the
/// restored data exactly as it was (looked at read-only, never migrated).
#[test]
fn restore_in_place_of_a_newer_or_unreadable_catalog_keeps_it_untouched() {
    let d = hall(2);
    let drive = d._tmp.path().join("移动硬盘");
    std::fs::create_dir_all(&drive).unwrap();
    assert_ok(&d.run(&["backup", "--to", drive.to_str().unwrap()]));
    let kept_catalogs = |d: &Dir| -> Vec<PathBuf> {
        std::fs::read_dir(d.data.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".恢复前-"))
            .map(|p| p.join("catalog.sqlite"))
            .collect()
    };
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let newer = std::fs::read(d.catalog()).unwrap();
    assert_code(&d.run(&["cases"]), 2, "");
    let o = d.restore_replacing(&drive, &[], "246810");
    assert_ok(&o);
    let kept = kept_catalogs(&d);
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read(&kept[0]).unwrap(), newer, "kept as it was");
    assert_eq!(
        json(&d.run(&["cases", "--json"])).as_array().unwrap().len(),
        2
    );
    // Now a catalog that is no database.
    std::fs::write(d.catalog(), b"not a database, a damaged disk").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_ok(&d.run(&["restore", "--from", drive.to_str().unwrap(), "--replace"]));
    assert_eq!(
        json(&d.run(&["cases", "--json"])).as_array().unwrap().len(),
        2
    );
    let damaged: Vec<Vec<u8>> = kept_catalogs(&d)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(
        damaged.contains(&b"not a database, a damaged disk".to_vec()),
        "the damaged catalog is kept too"
    );
}

/// A catalog whose audit log was altered before it was backed up: a plain
/// restore rebuilds it but says which entry is broken (exit 1); restoring it
/// in place of the working data is refused and leaves nothing changed and
/// no staging folder behind.
#[test]
fn restoring_a_backup_whose_audit_chain_is_broken_warns_or_refuses() {
    let d = hall(2);
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = '李四' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let drive = d._tmp.path().join("移动硬盘");
    std::fs::create_dir_all(&drive).unwrap();
    assert_ok(&d.run(&["backup", "--to", drive.to_str().unwrap()]));
    let to = d._tmp.path().join("新电脑");
    let o = d.run(&[
        "restore",
        "--from",
        drive.to_str().unwrap(),
        "--to",
        to.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("审计日志第 2 条"), "{}", text(&o));
    assert!(to.join("catalog.sqlite").is_file());
    let before = data_tree(&d.data);
    let o = d.restore_replacing(&drive, &[], "246810");
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("审计日志第 2 条"), "{}", text(&o));
    assert_eq!(data_tree(&d.data), before, "the working data is untouched");
    let left: Vec<String> = std::fs::read_dir(d._tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restor") || n.contains("恢复前"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn destruction_needs_an_ended_retention_a_transfer_and_an_approval() {
    let d = checked_hall(6);
    let b = create_batch(&d)["batch_no"].as_str().unwrap().to_string();
    // Appraisal in 2060: D10 and D30 records of 2025/2026 have ended.
    let late = |args: &[&str]| {
        d.cmd()
            .env("GUIDANG_TODAY", "2060-01-01")
            .args(args)
            .output()
            .unwrap()
    };
    // Destruction is carried out by an operator, with their PIN.
    let destroy = |today: &str, case_no: &str, approval: &[&str], pin: &str| {
        let mut args = vec![
            "retention",
            "destroy",
            case_no,
            "--operator",
            "张三",
            "--pin-stdin",
        ];
        args.extend_from_slice(approval);
        d.run_stdin_env(&[("GUIDANG_TODAY", today)], &args, &format!("{pin}\n"))
    };
    let approval = [
        "--approved-by",
        "王局长",
        "--approval-doc",
        "示档〔2060〕1号",
    ];
    let due = json(&late(&["retention", "due", "--json"]));
    let rows = due.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r["retention"] != "Y"),
        "permanent records never end"
    );
    assert!(
        rows.iter().all(|r| r["destroyable"] == false),
        "not transferred yet: {due}"
    );
    let case_no = rows[0]["case_no"].as_str().unwrap().to_string();
    assert_code(
        &destroy("2060-01-01", &case_no, &approval, "246810"),
        2,
        "尚未移交",
    );
    json(&write_medium(&d, &b, &d._tmp.path().join("U盘"), &[]));
    // Today the retention has not ended.
    assert_code(
        &destroy("2026-11-21", &case_no, &approval, "246810"),
        2,
        "才届满",
    );
    // Without an approval: refused, naming what is missing.
    let o = destroy("2060-01-01", &case_no, &[], "246810");
    assert_code(&o, 2, "批准人");
    assert!(text(&o).contains("批准文号"));
    // A wrong PIN, or no operator at all: refused.
    let o = destroy("2060-01-01", &case_no, &approval, "135799");
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("PIN"), "{}", text(&o));
    assert_ne!(
        late(&["retention", "destroy", &case_no, "--pin-stdin"])
            .status
            .code(),
        Some(0)
    );
    let pkg = walk_zip(
        &d.data.join("packages"),
        rows[0]["efile_no"].as_str().unwrap(),
    );
    assert!(pkg.exists(), "nothing removed");
    // With an approval and the operator's PIN (the record named by its
    // 电子文件号, as the desktop does).
    let o = destroy(
        "2060-01-01",
        rows[0]["efile_no"].as_str().unwrap(),
        &approval,
        "246810",
    );
    assert_code(&o, 0, "已记入销毁清册");
    assert!(!pkg.exists(), "the content is removed");
    // Content an interrupted destruction left is removed by the next
    // routine inspection, which says so.
    std::fs::write(&pkg, b"left behind").unwrap();
    let o = d.run(&["inspect"]);
    assert!(text(&o).contains("销毁曾中断"), "{}", text(&o));
    assert!(!pkg.exists());
    let shown = json(&d.run(&["case", &case_no, "--json"]));
    assert_eq!(shown["case"]["status"], "destroyed");
    let reg = d._tmp.path().join("销毁清册.pdf");
    assert_ok(&d.run(&["retention", "register", "-o", reg.to_str().unwrap()]));
    let t = pdf_text(&reg);
    assert!(
        t.contains("电子档案销毁清册")
            && t.contains("王局长")
            && t.contains(rows[0]["efile_no"].as_str().unwrap()),
        "{t}"
    );
    // The rest of the holdings are intact, and the chain holds.
    assert_ok(&d.run(&["inspect"]));
    assert_ok(&d.run(&["audit", "verify"]));
    let due = json(&late(&["retention", "due", "--json"]));
    assert!(due
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["case_no"] != case_no.as_str()));
}
