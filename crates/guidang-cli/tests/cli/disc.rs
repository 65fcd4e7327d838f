//! Optical discs: ISO images and burning (to the `stdio:` pseudo-drive),
//! read by independent tools, and opened at intake from the images.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::*;

fn tool(name: &str, args: &[&str], image: &Path) -> String {
    let o = Command::new(name)
        .args(args)
        .arg(image)
        .output()
        .unwrap_or_else(|e| panic!("{name} is installed by .ci/run: {e}"));
    assert!(o.status.success(), "{name}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn images(d: &Dir, batch: &str, out: &Path, extra: &[&str]) -> Value {
    let mut a = vec![
        "transfer",
        "image",
        batch,
        "--disc",
        "cd-r",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ];
    a.extend_from_slice(extra);
    let o = d.run(&a);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    json(&o)
}

/// Where a file's data starts in an image, by xorriso's own report.
fn data_offset(image: &Path, path_prefix: &str) -> u64 {
    let o = Command::new("xorriso")
        .args(["-no_rc", "-indev"])
        .arg(format!("stdio:{}", image.display()))
        .args(["-find", "/", "-type", "f", "-exec", "report_lba", "--"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.starts_with("File data lba:") && l.contains(path_prefix))
        .unwrap_or_else(|| panic!("{path_prefix} not in {out}"));
    let lba: u64 = line.split(',').nth(1).unwrap().trim().parse().unwrap();
    lba * 2048
}

#[test]
fn iso_images_are_deterministic_and_independent_readers_show_the_chinese_layout() {
    let d = checked_hall(3);
    let b = create_batch(&d)["batch_no"].as_str().unwrap().to_string();
    let out = d._tmp.path().join("映像");
    let r = images(&d, &b, &out, &[]);
    assert_eq!(r["disc_label"], "CD-R 700 MB");
    assert_eq!(r["carriers"], 1);
    let image = PathBuf::from(r["images"][0]["path"].as_str().unwrap());
    assert_eq!(image, out.join(format!("{b}-1.iso")));
    // Every reader lists the four root entries with their Chinese names,
    // and the packages under 电子档案/.
    let seven = tool("7z", &["l"], &image);
    let bsd = tool("bsdtar", &["-tf"], &image);
    let rock = tool("isoinfo", &["-R", "-l", "-i"], &image);
    for listing in [&seven, &bsd] {
        for name in [
            "说明文件.TXT",
            "文件目录.XML",
            "其他/批次清单.json",
            "其他/载体清单.json",
            "电子档案/",
        ] {
            assert!(listing.contains(name), "{name} missing:\n{listing}");
        }
        assert_eq!(listing.matches(".zip").count(), 3, "{listing}");
    }
    for name in [
        "说明文件.TXT",
        "文件目录.XML",
        "其他",
        "电子档案",
        "批次清单.json",
    ] {
        assert!(rock.contains(name), "{name} missing (Rock Ridge):\n{rock}");
    }
    // bsdtar shows nothing else at the root.
    let roots: std::collections::BTreeSet<&str> = bsd
        .lines()
        .map(|l| l.trim_end_matches('/').split('/').next().unwrap())
        .filter(|n| !n.is_empty() && *n != ".")
        .collect();
    assert_eq!(
        roots.into_iter().collect::<Vec<_>>(),
        ["其他", "文件目录.XML", "电子档案", "说明文件.TXT"]
    );
    // xorriso's own media check reads every block.
    let o = Command::new("xorriso")
        .args(["-no_rc", "-indev"])
        .arg(format!("stdio:{}", image.display()))
        .args(["-check_media", "--"])
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success() && t.contains("+ good"), "{t}");
    // The same plan makes the same bytes, and burning to the pseudo-drive
    // writes exactly the image.
    let again = d._tmp.path().join("映像2");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r2 = images(&d, &b, &again, &[]);
    let image2 = PathBuf::from(r2["images"][0]["path"].as_str().unwrap());
    assert_eq!(
        std::fs::read(&image).unwrap(),
        std::fs::read(&image2).unwrap()
    );
    let disc = d._tmp.path().join("光盘1.iso");
    let dev = format!("stdio:{}", disc.display());
    let w = json(&d.run(&[
        "transfer", "burn", &b, "--device", &dev, "--disc", "cd-r", "--json",
    ]));
    assert_eq!(w["carrier_digest"], r["images"][0]["carrier_digest"], "{w}");
    assert_eq!(w["batch_status"], "written");
    assert_eq!(
        std::fs::read(&image).unwrap(),
        std::fs::read(&disc).unwrap()
    );
    let shown = json(&d.run(&["batch", "show", &b, "--json"]));
    assert_eq!(shown["carriers"].as_array().unwrap().len(), 1);
    // A disc that is not blank is refused, and nothing is recorded.
    let o = d.run(&[
        "transfer",
        "burn",
        &b,
        "--device",
        &dev,
        "--disc",
        "cd-r",
        "--carrier",
        "1",
    ]);
    assert_code(&o, 2, "disc_not_blank");
    let shown = json(&d.run(&["batch", "show", &b, "--json"]));
    assert_eq!(shown["carriers"][0]["copies"], 1, "{shown}");
    // The register on the disc names the disc type.
    let reg = d._tmp.path().join("登记表.pdf");
    assert_ok(&d.run(&["print", "register", &b, "-o", reg.to_str().unwrap()]));
    assert!(pdf_text(&reg).contains("CD-R700MB"), "{}", pdf_text(&reg));
    // The labels (disc and case) print the carrier and its digest, in
    // text and in a QR code a scanner reads.
    let labels = d._tmp.path().join("光盘标签.pdf");
    assert_ok(&d.run(&["print", "labels", &b, "-o", labels.to_str().unwrap()]));
    let t = pdf_text(&labels);
    let digest = w["carrier_digest"].as_str().unwrap();
    for needle in [
        b.as_str(),
        "第1号，共1号",
        "CD-R700MB",
        "件数3件",
        &digest[..32],
        &digest[32..],
    ] {
        assert!(t.contains(needle), "{needle} missing in {t}");
    }
    let qr = pdf_qr_text(&labels, d._tmp.path());
    assert!(
        qr.contains(&format!(
            "guidang-carrier/1;batch={b};carrier=1/1;SM3={digest}"
        )),
        "{qr}"
    );
    // Another disc type for a batch already burned is refused.
    let o = d.run(&[
        "transfer",
        "image",
        &b,
        "--disc",
        "dvd",
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_code(&o, 2, "不能改用");
}

#[test]
fn a_three_disc_batch_opens_at_intake_from_its_images_and_a_flipped_byte_is_caught() {
    let hall = checked_hall(6);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let out = hall._tmp.path().join("映像");
    // A carrier size that makes three carriers of the six packages.
    let bytes: u64 = json(&hall.run(&["batch", "show", &b, "--json"]))["manifest"]["total_bytes"]
        .as_u64()
        .unwrap();
    let mut size = 2_600_000 + bytes / 3;
    let r = loop {
        let o = hall.run(&[
            "transfer",
            "image",
            &b,
            "--disc",
            "cd-r",
            "--carrier-size",
            &size.to_string(),
            "-o",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let r = json(&o);
        match r["carriers"].as_u64().unwrap() {
            3 => break r,
            n if n > 3 => size += 200_000,
            _ => size -= 200_000,
        }
    };
    let imgs: Vec<String> = r["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(imgs.len(), 3);
    // A damaged copy of disc 2 is caught at receipt.
    let bad = hall._tmp.path().join("坏光盘2.iso");
    std::fs::copy(&imgs[1], &bad).unwrap();
    let at = data_offset(&bad, "/电子档案/") + 700;
    let mut data = std::fs::read(&bad).unwrap();
    data[at as usize] ^= 0x20;
    std::fs::write(&bad, &data).unwrap();
    // `check --stage yj` reads an image directly too, and leaves nothing.
    let ring = hall._tmp.path().join("keyring.json");
    assert_ok(&hall.run(&["keyring", "export", "-o", ring.to_str().unwrap()]));
    let checker = intake();
    let o = checker.run(&[
        "check",
        "--stage",
        "yj",
        bad.to_str().unwrap(),
        "--keyring",
        ring.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad_pkgs = c["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "fail")
        .count();
    assert_eq!(bad_pkgs, 1, "{c}");
    assert_eq!(
        std::fs::read_dir(checker.data.join("tmp"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "the unpacked image is removed"
    );
    let arc = archive();
    let qr = qr_of(&hall, &b);
    let r = open_json(
        &arc,
        &[&imgs[0], bad.to_str().unwrap(), &imgs[2], "--trust", &qr],
        1,
    );
    let failed: Vec<&Value> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{r}");
    // The three good images open as one batch, and are accepted.
    let r = open_json(&arc, &[&imgs[0], &imgs[1], &imgs[2]], 0);
    assert_eq!(r["passed"], 6, "{r}");
    assert_eq!(r["carriers"].as_array().unwrap().len(), 3, "{r}");
    let a = accept(&arc, &[]);
    assert_eq!(a["accepted"].as_array().unwrap().len(), 6, "{a}");
    // The unpacked images are gone once the packages are in the holdings.
    let left = std::fs::read_dir(arc.data.join("intake/images"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0);
}

#[test]
fn drives_are_listed_or_their_absence_said() {
    let d = checked_hall(1);
    let o = d.run(&["transfer", "drives", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(json(&o).is_array());
}
