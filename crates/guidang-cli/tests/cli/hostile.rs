//! Hostile media and faults that must never look done: crafted carrier
//! manifests, incomplete carriers, oversized manifests, damaged copies,
//! interrupted restores, orphan package files, full disks.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn paths_a_carrier_manifest_names_are_findings_and_never_opened() {
    let (hall, b, medium, arc) = written_carrier(2);
    let qr = qr_of(&hall, &b);
    // A FIFO and a link to a device on the carrier itself.
    let fifo = std::ffi::CString::new(medium.join("其他/管道").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", medium.join("其他/零.txt")).unwrap();
    let outside = hall._tmp.path().join("outside.txt");
    std::fs::write(&outside, b"outside").unwrap();
    edit_json(&medium.join("其他/载体清单.json"), |v| {
        let files = v["files"].as_array_mut().unwrap();
        for (path, size) in [
            ("/dev/zero", 1u64 << 40),
            ("../outside.txt", 7),
            ("其他/管道", 10),
            ("其他/零.txt", 10),
            ("电子档案/../../outside.txt", 7),
        ] {
            files.push(serde_json::json!({"path": path, "size": size, "digest": "00"}));
        }
        v["hidden_instruction"] = serde_json::json!("accept everything");
    });
    let m = medium.to_str().unwrap();
    let o = run_bounded(&arc, &["intake", "open", m, "--trust", &qr, "--json"], 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = r["batch_findings"].to_string();
    for needle in [
        "/dev/zero",
        "../outside.txt",
        "其他/管道",
        "其他/零.txt",
        "电子档案/../../outside.txt",
        "路径不安全",
        "符号链接",
        "命名管道",
        "hidden_instruction",
    ] {
        assert!(findings.contains(needle), "{needle} not in {findings}");
    }
    // The archive's own check of the same carrier finds the same.
    let o = run_bounded(&arc, &["check", m, "--json"], 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let c = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        c.contains("其他/管道") && c.contains("hidden_instruction"),
        "{c}"
    );
}

#[test]
fn a_carrier_is_complete_only_when_it_matches_its_manifest_both_ways() {
    let (hall, _b, medium, arc) = written_carrier(3);
    let _ = &arc;
    // The hall's own receipt check: its keys are trusted there.
    let m = medium.to_str().unwrap().to_string();
    let check = |extra: &str| {
        let o = run_bounded(&hall, &["check", "--stage", "yj", &m, "--json"], 120);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{extra}: {out}");
        out
    };
    // Untouched it passes (warnings only).
    let o = hall.run(&["check", "--stage", "yj", &m]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A package left out of the manifest's listing, and another replaced by
    // a directory.
    let zips: Vec<PathBuf> = guidang_api::core::fsutil::walk_files(&medium, |_| false)
        .unwrap()
        .into_iter()
        .filter(|r| r.starts_with("电子档案/") && r.ends_with(".zip"))
        .map(|r| medium.join(r))
        .collect();
    assert_eq!(zips.len(), 3);
    let keep = hall._tmp.path().join("kept.zip");
    std::fs::rename(&zips[0], &keep).unwrap();
    std::fs::create_dir(&zips[0]).unwrap();
    let out = check("package replaced by a folder");
    assert!(out.contains("不是普通文件"), "{out}");
    std::fs::remove_dir(&zips[0]).unwrap();
    std::fs::rename(&keep, &zips[0]).unwrap();
    // A wrong size in the manifest.
    let cm = medium.join("其他/载体清单.json");
    let original = std::fs::read(&cm).unwrap();
    edit_json(&cm, |v| {
        let f = v["files"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|f| f["path"] == "说明文件.TXT")
            .unwrap();
        f["size"] = serde_json::json!(f["size"].as_u64().unwrap() + 1);
    });
    let out = check("wrong size");
    assert!(
        out.contains("说明文件.TXT") && out.contains("大小应为"),
        "{out}"
    );
    // A listed path that is not there.
    edit_json(&cm, |v| {
        v["files"].as_array_mut().unwrap().push(
            serde_json::json!({"path": "电子档案/2025/不存在.zip", "size": 5, "digest": "00"}),
        );
    });
    let out = check("listed, missing");
    assert!(
        out.contains("不存在.zip") && out.contains("不在载体上"),
        "{out}"
    );
    std::fs::write(&cm, &original).unwrap();
    // Stray files: deep under 其他/, and a non-package .zip under 电子档案/.
    std::fs::create_dir_all(medium.join("其他/深/更深")).unwrap();
    std::fs::write(medium.join("其他/深/更深/x.txt"), b"x").unwrap();
    std::fs::write(medium.join("电子档案/照片.zip"), b"PK\x05\x06").unwrap();
    let out = check("strays");
    assert!(out.contains("其他/深/更深/x.txt"), "{out}");
    assert!(out.contains("电子档案/照片.zip"), "{out}");
    std::fs::remove_dir_all(medium.join("其他/深")).unwrap();
    std::fs::remove_file(medium.join("电子档案/照片.zip")).unwrap();
    // Half written: no carrier manifest yet.
    std::fs::remove_file(&cm).unwrap();
    let out = check("half written");
    assert!(out.contains("没有写完整"), "{out}");
    // An empty folder is no carrier at all.
    let empty = hall._tmp.path().join("空载体");
    std::fs::create_dir(&empty).unwrap();
    let o = arc.run(&["check", empty.to_str().unwrap()]);
    assert_code(&o, 1, "载体是空的");
}

#[test]
fn an_oversized_batch_manifest_is_refused_before_it_is_read() {
    let (_hall, _b, medium, arc) = written_carrier(1);
    // 100 MB, sparse: refused by its size, never read into memory.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(medium.join("其他/批次清单.json"))
        .unwrap();
    f.set_len(100 << 20).unwrap();
    drop(f);
    let o = run_bounded(&arc, &["intake", "open", medium.to_str().unwrap()], 30);
    assert_code(&o, 2, "超过允许");
}

#[test]
fn checking_a_damaged_copy_elsewhere_does_not_block_the_registered_package() {
    let d = checked_hall(2);
    let cases = json(&d.run(&["cases", "--json"]));
    let c = &cases.as_array().unwrap()[0];
    let ef = c["efile_no"].as_str().unwrap();
    let copy = d._tmp.path().join(format!("{ef}.zip"));
    let mut bytes = std::fs::read(d.data.join(format!("packages/{}/{ef}.zip", c["year"]))).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&copy, &bytes).unwrap();
    assert_code(&d.run(&["check", copy.to_str().unwrap()]), 1, "不合格");
    // The case is still checked and goes into the batch.
    let b = create_batch(&d);
    assert_eq!(b["packages"], 2, "{b}");
    assert!(b.get("left_out").is_none(), "{b}");
}

#[test]
fn a_restore_that_finished_unreported_completes_when_run_again() {
    let d = checked_hall(1);
    let drive = d._tmp.path().join("备份盘");
    std::fs::create_dir_all(&drive).unwrap();
    assert_ok(&d.run(&["backup", "--to", drive.to_str().unwrap()]));
    let to = d._tmp.path().join("恢复");
    let from = drive.to_str().unwrap();
    let first = json(&d.run(&[
        "restore",
        "--from",
        from,
        "--to",
        to.to_str().unwrap(),
        "--json",
    ]));
    // The same restore again (as after a kill right after the rename):
    // done, the same generation, the record there once.
    let again = json(&d.run(&[
        "restore",
        "--from",
        from,
        "--to",
        to.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(first["generation"], again["generation"]);
    let restored = Dir {
        _tmp: tempfile::tempdir().unwrap(),
        data: to.clone(),
    };
    let log = json(&restored.run(&["audit", "log", "--limit", "1000", "--json"]));
    let restores = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "restore")
        .count();
    assert_eq!(restores, 1, "{log}");
    assert_ok(&restored.run(&["audit", "verify"]));
    // No staging folder is left beside it; a killed run's one is removed.
    let stale = d._tmp.path().join(".恢复2.restoring-4000000000");
    std::fs::create_dir_all(stale.join("store")).unwrap();
    let to2 = d._tmp.path().join("恢复2");
    json(&d.run(&[
        "restore",
        "--from",
        from,
        "--to",
        to2.to_str().unwrap(),
        "--json",
    ]));
    assert!(!stale.exists());
}

#[test]
fn a_package_file_without_its_row_is_set_aside_as_unregistered_not_superseded() {
    let d = hall(1);
    let cases = json(&d.run(&["cases", "--json"]));
    let c = &cases.as_array().unwrap()[0];
    let ef = c["efile_no"].as_str().unwrap();
    // What a packaging run killed between rename and commit leaves.
    let orphan = d.data.join(format!("packages/{}/{ef}.zip", c["year"]));
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"PK\x05\x06 half a story").unwrap();
    let part = d.data.join(format!("tmp/{ef}.4000000000.zip.part"));
    std::fs::create_dir_all(part.parent().unwrap()).unwrap();
    std::fs::write(&part, b"partial").unwrap();
    let i = json(&d.run(&["inspect", "--json"]));
    assert!(i["unregistered"].to_string().contains(ef), "{i}");
    assert!(i["cleaned"].to_string().contains(".zip.part"), "{i}");
    assert!(!part.exists());
    package_all(&d);
    assert!(!d.data.join("packages/superseded").exists());
    let aside: Vec<_> = std::fs::read_dir(d.data.join("packages/unregistered"))
        .unwrap()
        .collect();
    assert_eq!(aside.len(), 1);
    assert_ok(&d.run(&["verify", orphan.to_str().unwrap()]));
}

#[test]
fn a_full_data_disk_says_so_in_chinese_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = guidang_testkit::prerequisite(
        "a size-limited tmpfs (mount, as root)",
        Tmpfs::mount(&tmp.path().join("disk"), "48M"),
    ) else {
        return;
    };
    let d = Dir {
        _tmp: tempfile::tempdir().unwrap(),
        data: disk.0.join("data"),
    };
    d.init();
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    assert_ok(&d.run(&["demo", "--cases", "8"]));
    let before = json(&d.run(&["cases", "--json"]));
    let filler = disk.fill(64 << 10);

    // Packaging: every case fails with a Chinese reason, nothing is
    // registered, nothing half-written is left in tmp/.
    let o = d.run_stdin(
        &["package", "--all", "--operator", "张三", "--pin-stdin"],
        "246810\n",
    );
    let out = text(&o);
    assert!(out.contains("磁盘空间已满"), "{out}");
    assert_no_english(&out);
    assert_eq!(json(&d.run(&["cases", "--json"])), before);
    let parts: Vec<_> = std::fs::read_dir(d.data.join("tmp"))
        .map(|r| r.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(parts.is_empty(), "{parts:?}");

    // Demo data and the backup's catalog snapshot: the same, as errors
    // that start on their own line after the progress line of a terminal.
    let o = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "{} --data-dir {} demo --cases 3 --seed 9",
            env!("CARGO_BIN_EXE_guidang"),
            d.data.display()
        ))
        .arg("/dev/null")
        .env_remove("GUIDANG_DATA_DIR")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("磁盘空间已满"), "{out}");
    assert!(
        out.contains("\n错误[data_dir]"),
        "error on its own line: {out:?}"
    );
    assert_no_english(&out);
    let drive = tmp.path().join("backup");
    std::fs::create_dir_all(&drive).unwrap();
    let o = d.run(&["backup", "--to", drive.to_str().unwrap()]);
    assert_code(&o, 2, "磁盘空间已满");
    assert_no_english(&text(&o));
    assert_eq!(json(&d.run(&["cases", "--json"])), before);
    assert_ok(&d.run(&["audit", "verify"]));

    // Room again: everything works, nothing was lost.
    std::fs::remove_file(filler).unwrap();
    package_all(&d);
    assert_ok(&d.run(&["verify", d.data.join("packages").to_str().unwrap()]));
    assert_ok(&d.run(&["backup", "--to", drive.to_str().unwrap()]));

    // A full backup medium says so too.
    let small = Tmpfs::mount(&tmp.path().join("stick"), "1M").unwrap();
    let o = d.run(&["backup", "--to", small.0.to_str().unwrap()]);
    assert_code(&o, 2, "");
    assert_no_english(&text(&o));
    assert!(
        text(&o).contains("已满") || text(&o).contains("空间不足"),
        "{}",
        text(&o)
    );
}
