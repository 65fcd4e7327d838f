//! The unpacked layout (`--layout unpacked`): records as folders on the
//! carrier, read by any tool, verified from the folder exactly as from the
//! ZIP, checked at yj, opened, accepted and inspected at the archive.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

/// Every package folder under `电子档案/` (a folder holding `固化信息.xml`).
fn package_folders(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("电子档案")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.join("固化信息.xml").is_file() {
                out.push(p);
            } else if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

fn check_yj(d: &Dir, medium: &Path, ring: &Path, code: i32) -> Value {
    let o = d.run(&[
        "check",
        "--stage",
        "yj",
        medium.to_str().unwrap(),
        "--keyring",
        ring.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(code), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn an_unpacked_carrier_holds_folders_and_is_checked_opened_accepted_and_inspected() {
    let hall = checked_hall(3);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let medium = hall._tmp.path().join("U盘");
    let o = write_medium(&hall, &b, &medium, &["--layout", "unpacked"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(json(&o)["layout"], "unpacked");
    // The measures' four root entries, and no ZIP anywhere.
    assert_eq!(
        root_entries(&medium),
        ["其他", "文件目录.XML", "电子档案", "说明文件.TXT"]
    );
    let folders = package_folders(&medium);
    assert_eq!(folders.len(), 3, "{folders:?}");
    for f in &folders {
        let rel = f
            .strip_prefix(&medium)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            rel.split('/').count(),
            4,
            "电子档案/年度/类别/电子文件号: {rel}"
        );
        assert!(f.join("元数据.xml").is_file());
        assert!(std::fs::read_dir(f).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with("材料")));
    }
    let zips = std::process::Command::new("find")
        .arg(&medium)
        .args(["-name", "*.zip"])
        .output()
        .unwrap();
    assert!(zips.stdout.is_empty(), "{}", text(&zips));
    // The catalogue names folders and validates against the schema.
    let xml = std::fs::read_to_string(medium.join("文件目录.XML")).unwrap();
    assert!(
        xml.contains("<固化信息摘要>") && !xml.contains(".zip<"),
        "{xml}"
    );
    let v = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(medium.join("其他/文件目录模式.xsd"))
        .arg(medium.join("文件目录.XML"))
        .output()
        .expect("xmllint (libxml2-utils) is installed by .ci/run");
    assert!(v.status.success(), "{}", text(&v));
    let readme = std::fs::read_to_string(medium.join("说明文件.TXT")).unwrap();
    assert!(readme.contains("每件一个文件夹"), "{readme}");

    // `verify` takes the folders as it takes ZIPs.
    let v = json(&hall.run(&[
        "verify",
        medium.join("电子档案").to_str().unwrap(),
        "--json",
    ]));
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 3);
    assert!(
        v.iter()
            .all(|r| r["form"] == "folder" && r["findings"].as_array().unwrap().is_empty()),
        "{v:?}"
    );

    // The receiving side's check reads the folders.
    let ring = hall._tmp.path().join("keyring.json");
    assert_ok(&hall.run(&["keyring", "export", "-o", ring.to_str().unwrap()]));
    let checker = intake();
    let c = check_yj(&checker, &medium, &ring, 0);
    assert_eq!(c["packages"].as_array().unwrap().len(), 3, "{c}");
    assert!(c["packages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["verdict"] != "fail"));

    // A copy with one material flipped: that package fails, naming the file.
    let bad = hall._tmp.path().join("坏U盘");
    assert!(std::process::Command::new("cp")
        .arg("-a")
        .arg(&medium)
        .arg(&bad)
        .status()
        .unwrap()
        .success());
    let victim = package_folders(&bad)[1].clone();
    let material = walk(&victim)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("材料/"))
        .unwrap();
    let mut data = std::fs::read(&material).unwrap();
    let at = data.len() / 2;
    data[at] ^= 0x20;
    std::fs::write(&material, &data).unwrap();
    let c = check_yj(&checker, &bad, &ring, 1);
    let failed: Vec<&Value> = c["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{c}");
    let entry = material
        .strip_prefix(&victim)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        failed[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["item"] == "YJ-1-1-1" && f["entry"] == entry.as_str()),
        "{c}"
    );

    // The archive opens and accepts the carrier; holdings keep the folders.
    let arc = archive();
    let qr = qr_of(&hall, &b);
    let r = open_json(&arc, &[medium.to_str().unwrap(), "--trust", &qr], 0);
    assert_eq!(r["passed"], 3, "{r}");
    let a = accept(&arc, &[]);
    assert_eq!(a["accepted"].as_array().unwrap().len(), 3, "{a}");
    let holdings = json(&arc.run(&["intake", "holdings", "--json"]));
    for h in holdings.as_array().unwrap() {
        let p = arc.data.join(h["holding"]["path"].as_str().unwrap());
        assert!(p.join("固化信息.xml").is_file(), "{}", p.display());
        assert!(!h["materials"].as_array().unwrap().is_empty(), "{h}");
    }
    let i = json(&arc.run(&["inspect", "--json"]));
    assert_eq!(i["verdict"], "sound", "{i}");
    // A holding damaged after intake is found by the routine inspection.
    let h0 = arc
        .data
        .join(holdings[0]["holding"]["path"].as_str().unwrap());
    let m0 = walk(&h0)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("材料/"))
        .unwrap();
    let mut data = std::fs::read(&m0).unwrap();
    data[10] ^= 1;
    std::fs::write(&m0, &data).unwrap();
    let o = arc.run(&["inspect", "--json"]);
    let i: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_ne!(i["verdict"], "sound", "{i}");
}

#[test]
fn the_layout_is_kept_when_resuming_and_cannot_change_once_written() {
    let hall = checked_hall(2);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let out = hall._tmp.path().join("映像");
    let o = hall.run(&[
        "transfer",
        "image",
        &b,
        "--disc",
        "cd-r",
        "--layout",
        "unpacked",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = json(&o);
    assert_eq!(r["layout"], "unpacked");
    let iso = r["images"][0]["path"].as_str().unwrap().to_string();
    // An independent reader lists the folders with their Chinese names.
    let l = std::process::Command::new("bsdtar")
        .args(["-tf", &iso])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&l.stdout);
    assert!(
        listing
            .lines()
            .any(|x| x.contains("电子档案/") && x.ends_with("/固化信息.xml")),
        "{listing}"
    );
    assert!(!listing.contains(".zip"), "{listing}");
    // Burned without --layout: the plan's form is kept.
    let disc = hall._tmp.path().join("光盘.iso");
    let dev = format!("stdio:{}", disc.display());
    let o = hall.run(&[
        "transfer", "burn", &b, "--device", &dev, "--disc", "cd-r", "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(json(&o)["layout"], "unpacked");
    // Once a carrier is recorded, the form cannot change.
    let medium = hall._tmp.path().join("U盘");
    let o = hall.run(&[
        "transfer",
        "image",
        &b,
        "--disc",
        "cd-r",
        "--layout",
        "zip",
        "-o",
        medium.to_str().unwrap(),
    ]);
    assert_code(&o, 2, "不能改为");
}

/// Every file below `root`.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A folder whose seal was swapped for another package's (a valid seal,
/// signed by a trusted key) is not the package the signed batch lists; a
/// file slipped into a folder and a link in one are named too.
#[test]
fn a_swapped_seal_a_slipped_file_and_a_link_in_a_folder_are_caught() {
    let hall = checked_hall(2);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let medium = hall._tmp.path().join("U盘");
    let o = write_medium(&hall, &b, &medium, &["--layout", "unpacked"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ring = hall._tmp.path().join("keyring.json");
    assert_ok(&hall.run(&["keyring", "export", "-o", ring.to_str().unwrap()]));
    let f = package_folders(&medium);
    std::fs::copy(f[1].join("固化信息.xml"), f[0].join("固化信息.xml")).unwrap();
    std::fs::write(f[1].join("结果性材料/补充.pdf"), b"%PDF-1.4\n%%EOF\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", f[1].join("证据性材料/口令.txt")).unwrap();
    let c = check_yj(&intake(), &medium, &ring, 1);
    let pkgs = c["packages"].as_array().unwrap();
    let has = |p: &Value, item: &str, entry: Option<&str>| {
        p["findings"].as_array().unwrap().iter().any(|x| {
            x["item"] == item && x["verdict"] == "fail" && entry.is_none_or(|e| x["entry"] == e)
        })
    };
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let p0 = pkgs
        .iter()
        .find(|p| p["package"].as_str().unwrap().ends_with(&name(&f[0])))
        .unwrap();
    assert!(has(p0, "YJ-1-5-2", Some("固化信息.xml")), "{p0}");
    assert!(
        has(p0, "YJ-1-5-1", None),
        "the seal names another package: {p0}"
    );
    let p1 = pkgs
        .iter()
        .find(|p| p["package"].as_str().unwrap().ends_with(&name(&f[1])))
        .unwrap();
    assert!(has(p1, "YJ-1-4-1", Some("结果性材料/补充.pdf")), "{p1}");
    #[cfg(unix)]
    assert!(has(p1, "YJ-1-5-1", Some("证据性材料/口令.txt")), "{p1}");
    // The carrier audit names them too: not in the carrier manifest.
    let batch = c["batch_findings"].to_string();
    assert!(batch.contains("补充.pdf"), "{batch}");
}
