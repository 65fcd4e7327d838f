//! Writing carriers and checking them at receipt.

use serde_json::Value;

use crate::util::*;

#[test]
fn receipt_check_compares_a_medium_with_its_signed_manifest() {
    let d = checked_hall(3);
    let b = create_batch(&d);
    let no = b["batch_no"].as_str().unwrap().to_string();
    let ring = d._tmp.path().join("keyring.json");
    assert_ok(&d.run(&["keyring", "export", "-o", ring.to_str().unwrap()]));
    // A medium by hand: the manifest, its signature and the packages.
    let medium = d._tmp.path().join("medium");
    let pk_dir = medium.join("电子档案");
    std::fs::create_dir_all(&pk_dir).unwrap();
    std::fs::create_dir_all(medium.join("其他")).unwrap();
    for f in ["批次清单.json", "批次清单.sig"] {
        std::fs::copy(
            d.data.join(format!("batches/{no}/{f}")),
            medium.join("其他").join(f),
        )
        .unwrap();
    }
    let cases = json(&d.run(&["cases", "--json"]));
    for c in cases.as_array().unwrap() {
        let ef = c["efile_no"].as_str().unwrap();
        std::fs::copy(
            d.data.join(format!("packages/{}/{ef}.zip", c["year"])),
            pk_dir.join(format!("{ef}.zip")),
        )
        .unwrap();
    }
    let intake = intake();
    let m = medium.to_str().unwrap();
    // Made by hand, it has no carrier manifest: a carrier that was never
    // completed, whatever its packages say.
    let o = intake.run(&["check", m, "--keyring", ring.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        r["batch_findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["item"] == "YJ-2-1-1" && f["entry"] == "其他/载体清单.json"),
        "{r}"
    );
    for p in r["packages"].as_array().unwrap() {
        let f = p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["item"] == "YJ-1-5-2")
            .unwrap();
        assert_eq!(f["verdict"], "pass", "{p}");
    }
    // An edited manifest no longer matches its signature.
    let mf = medium.join("其他/批次清单.json");
    let original = std::fs::read_to_string(&mf).unwrap();
    std::fs::write(
        &mf,
        original.replace("\"open_opinion\": \"开放\"", "\"open_opinion\": \"不开放\""),
    )
    .unwrap();
    let o = intake.run(&["check", m, "--keyring", ring.to_str().unwrap()]);
    assert_code(&o, 1, "[YJ-1-5-2]");
    assert!(text(&o).contains("清单被修改"), "{}", text(&o));
    std::fs::write(&mf, &original).unwrap();
    // A package that is not in the manifest is caught.
    // (Another seed, so its 电子文件号 is not one of the batch's.)
    let extra = Dir::new();
    assert_ok(&extra.run(&["demo", "--cases", "1", "--seed", "99"]));
    assert_ok(&extra.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    package_all(&extra);
    let stray = std::fs::read_dir(extra.data.join("packages"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let stray = std::fs::read_dir(stray)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&stray, pk_dir.join(stray.file_name().unwrap())).unwrap();
    let o = intake.run(&["check", m, "--keyring", ring.to_str().unwrap()]);
    assert_code(&o, 1, "移交清单中没有电子文件号为");
}

#[test]
fn transfer_write_puts_the_layout_on_a_folder_that_passes_the_receipt_check() {
    let d = checked_hall(6);
    let b = create_batch(&d);
    let no = b["batch_no"].as_str().unwrap().to_string();
    // The register needs the carriers: before the first write it says so.
    let reg = d._tmp.path().join("登记表.pdf");
    assert_code(
        &d.run(&["print", "register", &no, "-o", reg.to_str().unwrap()]),
        2,
        "transfer write",
    );
    let medium = d._tmp.path().join("U盘");
    let w = json(&write_medium(&d, &no, &medium, &[]));
    assert_eq!(
        (w["carrier_no"].as_u64(), w["carriers"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(w["packages"], 6);
    assert_eq!(w["written"], w["files"]);
    assert_eq!(w["batch_status"], "written");
    assert!(w["remaining"].as_array().unwrap().is_empty());
    // The layout of the transfer measures (standards.md section 5): the
    // root holds exactly four entries, Guidang's files are under 其他/.
    assert_eq!(
        root_entries(&medium),
        ["其他", "文件目录.XML", "电子档案", "说明文件.TXT"]
    );
    for f in [
        "其他/批次清单.json",
        "其他/批次清单.sig",
        "其他/载体清单.json",
        "其他/移交清单.pdf",
        "其他/归档目录清单.pdf",
        "其他/移交与接收登记表.pdf",
        "其他/命名规则.txt",
        "其他/档号规则.txt",
        "其他/文件目录模式.xsd",
        "其他/元数据模式.xsd",
        "其他/固化信息模式.xsd",
        "其他/移交单位公钥.json",
    ] {
        assert!(medium.join(f).is_file(), "{f} missing");
    }
    // 文件目录.XML validates against the schema written from the measures,
    // which travels on the carrier.
    let o = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(medium.join("其他/文件目录模式.xsd"))
        .arg(medium.join("文件目录.XML"))
        .output()
        .expect("xmllint (libxml2-utils) is installed by .ci/run");
    assert!(o.status.success(), "{}", text(&o));
    let shown = json(&d.run(&["batch", "show", &no, "--json"]));
    for p in shown["manifest"]["packages"].as_array().unwrap() {
        let ty = match p["item_type"].as_str().unwrap() {
            "01" => "行政许可",
            "05" => "行政给付",
            "06" => "行政检查",
            "07" => "行政确认",
            "08" => "行政奖励",
            "20" => "公共服务事项",
            other => panic!("unexpected item type {other}"),
        };
        let zip = medium.join(format!(
            "电子档案/{}/{ty}/{}.zip",
            p["year"],
            p["efile_no"].as_str().unwrap()
        ));
        assert!(zip.is_file(), "{} missing", zip.display());
        assert_eq!(
            std::fs::metadata(&zip).unwrap().len(),
            p["size"].as_u64().unwrap()
        );
    }
    // The carrier digest is the digest of 载体清单.json, and it is recorded.
    let carrier_digest = w["carrier_digest"].as_str().unwrap();
    let o = d.run(&[
        "digest",
        medium.join("其他/载体清单.json").to_str().unwrap(),
    ]);
    assert!(text(&o).contains(carrier_digest), "{}", text(&o));
    assert_eq!(shown["carriers"][0]["digest"], carrier_digest);
    assert_eq!(shown["carriers"][0]["copies"], 1);
    // Every file the carrier manifest lists is there with its digest.
    let cm: Value =
        serde_json::from_slice(&std::fs::read(medium.join("其他/载体清单.json")).unwrap()).unwrap();
    for f in cm["files"].as_array().unwrap() {
        let p = medium.join(f["path"].as_str().unwrap());
        let o = d.run(&["digest", p.to_str().unwrap()]);
        assert!(
            text(&o).contains(f["digest"].as_str().unwrap()),
            "{}",
            p.display()
        );
    }
    // Cases are transferred.
    let cases = json(&d.run(&["cases", "--json"]));
    assert!(cases
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "transferred"));
    // The written medium passes the receipt check.
    let o = d.run(&["check", medium.to_str().unwrap(), "--stage", "yj"]);
    assert_code(&o, 0, "合格");
    // The register prints the carrier digest and matches the copy on the medium.
    assert_code(
        &d.run(&["print", "register", &no, "-o", reg.to_str().unwrap()]),
        0,
        "已生成",
    );
    assert_eq!(
        std::fs::read(&reg).unwrap(),
        std::fs::read(medium.join("其他/移交与接收登记表.pdf")).unwrap()
    );
    let t = pdf_text(&reg);
    for needle in [
        "电子档案移交与接收登记表",
        &no,
        "归档信息包6个",
        carrier_digest,
        "合格：6个包全部通过归档检测",
    ] {
        assert!(t.contains(needle), "{needle} missing in {t}");
    }
    let gb = format!("{:.3}GB", b["bytes"].as_u64().unwrap() as f64 / 1e9);
    assert!(t.contains(&gb), "{gb} missing in {t}");
    // The description file names the batch and carrier; the catalogue carries opinions.
    let readme = std::fs::read_to_string(medium.join("说明文件.TXT")).unwrap();
    for item in [
        format!("批次编号：{no}"),
        "载体编号：1（本批次共 1 个载体）".into(),
        "载体类型：移动存储介质".into(),
        "载体容量：".into(),
        "形成单位：".into(),
        "保管单位：".into(),
        "检测单位：".into(),
        "所需软件：".into(),
        "所需硬件：".into(),
    ] {
        assert!(readme.contains(&item), "{item} missing:\n{readme}");
    }
    let cat = std::fs::read_to_string(medium.join("文件目录.XML")).unwrap();
    assert_eq!(cat.matches("<文件>").count(), 6);
    assert_eq!(cat.matches("<开放利用意见>").count(), 6);
    // 电子档案名称 is the record's path under 电子档案/, and it is there.
    for name in cat.split("<电子档案名称>").skip(1) {
        let name = name.split("</电子档案名称>").next().unwrap();
        assert!(
            medium.join("电子档案").join(name).is_file(),
            "{name} is not under 电子档案/"
        );
    }

    // Re-running skips every verified file.
    let again = json(&write_medium(&d, &no, &medium, &[]));
    assert_eq!(
        (again["written"].as_u64(), again["skipped"].as_u64()),
        (Some(0), w["files"].as_u64())
    );
    // A package damaged on the medium is found by reading back and rewritten.
    let victim = cm["packages"][0].as_str().unwrap().to_string();
    let zip = walk_zip(&medium, &victim);
    let mut bytes = std::fs::read(&zip).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&zip, &bytes).unwrap();
    assert_eq!(
        d.run(&["check", medium.to_str().unwrap(), "--stage", "yj"])
            .status
            .code(),
        Some(1)
    );
    let fixed = json(&write_medium(&d, &no, &medium, &[]));
    assert_eq!(fixed["written"], 1);
    assert_code(
        &d.run(&["check", medium.to_str().unwrap(), "--stage", "yj"]),
        0,
        "合格",
    );
    let shown = json(&d.run(&["batch", "show", &no, "--json"]));
    assert_eq!(shown["carriers"][0]["copies"], 3);
    assert_eq!(
        shown["carriers"][0]["digest"], carrier_digest,
        "the digest never changes"
    );

    // The FAT32 rules through the detection path (override): names and sizes
    // of a demo batch are fine on FAT32 too.
    let fat = d._tmp.path().join("FAT32盘");
    let o = d
        .cmd()
        .env("GUIDANG_FS_RULES", "vfat")
        .args([
            "transfer",
            "write",
            &no,
            "--to",
            fat.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&o)["fs_rules"], "fat32");

    // Another batch is refused on this medium; foreign files are refused.
    let d2 = checked_hall(1);
    let b2 = create_batch(&d2);
    let o = write_medium(&d2, b2["batch_no"].as_str().unwrap(), &medium, &[]);
    assert_code(&o, 2, "medium_other_batch");
    assert!(text(&o).contains(&no));
    let other = d._tmp.path().join("旧U盘");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("个人照片.jpg"), b"x").unwrap();
    let o = write_medium(&d2, b2["batch_no"].as_str().unwrap(), &other, &[]);
    assert_code(&o, 2, "个人照片.jpg");
    assert_eq!(
        std::fs::read_dir(&other).unwrap().count(),
        1,
        "nothing written"
    );
    // A file where a folder should be, and an unknown batch.
    let file = d._tmp.path().join("not-a-dir");
    std::fs::write(&file, b"").unwrap();
    assert_code(
        &write_medium(&d, &no, &file, &[]),
        2,
        "medium_not_directory",
    );
    assert_code(
        &write_medium(&d, "NO-SUCH", &medium, &[]),
        2,
        "no_such_batch",
    );
    // A carrier size too small for even the forms.
    let small = d._tmp.path().join("小");
    let o = write_medium(
        &d2,
        b2["batch_no"].as_str().unwrap(),
        &small,
        &["--carrier-size", "100000"],
    );
    assert_code(&o, 2, "太小");
}

#[test]
fn a_batch_too_big_for_one_exfat_stick_is_split_over_numbered_carriers() {
    let d = checked_hall(12);
    let b = create_batch(&d);
    let no = b["batch_no"].as_str().unwrap().to_string();
    let first = match ExfatMedium::new(d._tmp.path(), "载体1", "8M") {
        Ok(m) => m,
        Err(why) if !media_tests_required() => {
            eprintln!(
                "skipped: exFAT loop medium unavailable ({why}); run `cargo xtask test` as root"
            );
            return;
        }
        Err(why) => panic!("exFAT loop medium: {why}"),
    };
    let w = json(&write_medium(&d, &no, &first.mount, &[]));
    let n = w["carriers"].as_u64().unwrap();
    assert!(n >= 2, "{} bytes do not fit on 8 MiB: {w}", b["bytes"]);
    assert_eq!(w["carrier_no"], 1);
    assert_eq!(
        w["batch_status"], "created",
        "not every carrier is written yet"
    );
    let mut media = vec![first];
    for k in 2..=n {
        let m = ExfatMedium::new(d._tmp.path(), &format!("载体{k}"), "8M").unwrap();
        if k == 2 {
            // Carrier 1's medium cannot take carrier 2.
            let o = write_medium(&d, &no, &media[0].mount, &["--carrier", "2"]);
            assert_code(&o, 2, "medium_other_carrier");
        }
        let w = json(&write_medium(&d, &no, &m.mount, &[]));
        assert_eq!(w["carrier_no"].as_u64(), Some(k));
        media.push(m);
    }
    let shown = json(&d.run(&["batch", "show", &no, "--json"]));
    let carriers = shown["carriers"].as_array().unwrap();
    assert_eq!(carriers.len() as u64, n);
    let digests: std::collections::BTreeSet<&str> = carriers
        .iter()
        .map(|c| c["digest"].as_str().unwrap())
        .collect();
    assert_eq!(digests.len() as u64, n, "each carrier has its own digest");
    assert_eq!(
        json(&d.run(&["batch", "list", "--json"]))[0]["status"],
        "written"
    );
    // Every carrier describes itself and holds a run of the batch.
    let mut packages = 0;
    for (i, m) in media.iter().enumerate() {
        let readme = std::fs::read_to_string(m.mount.join("说明文件.TXT")).unwrap();
        assert!(
            readme.contains(&format!("载体编号：{}（本批次共 {n} 个载体）", i + 1)),
            "{readme}"
        );
        let cm: Value =
            serde_json::from_slice(&std::fs::read(m.mount.join("其他/载体清单.json")).unwrap())
                .unwrap();
        assert_eq!(cm["carrier_no"].as_u64(), Some(i as u64 + 1));
        packages += cm["packages"].as_array().unwrap().len();
    }
    assert_eq!(packages as u64, b["packages"].as_u64().unwrap());
    // All carriers together pass the receipt check.
    let mut args = vec!["check".to_string(), "--stage".into(), "yj".into()];
    args.extend(media.iter().map(|m| m.mount.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_code(&d.run(&args), 0, "合格");
    // The register lists every carrier's digest.
    let reg = d._tmp.path().join("登记表.pdf");
    assert_ok(&d.run(&["print", "register", &no, "-o", reg.to_str().unwrap()]));
    let t = pdf_text(&reg);
    for c in carriers {
        let dg = c["digest"].as_str().unwrap();
        // A 64-digit digest may wrap inside its cell.
        assert!(t.contains(&dg[..40]), "{dg} missing in {t}");
    }
}
