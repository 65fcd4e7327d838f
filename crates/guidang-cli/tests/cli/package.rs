//! Packaging, sealing and verification; PIN and keyring rules.

use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn package_all_seals_registers_and_verifies() {
    let d = hall(5);
    let op = json(&d.run(&["operator", "show", "张三", "--json"]));
    let fp = op["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fp.len(), 64);
    let r = json(&d.run_stdin(
        &[
            "package",
            "--all",
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    ));
    let pkgs = r["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 5);
    assert_eq!(r["digest_algo"], "SM3");
    for p in pkgs {
        assert_eq!(p["outcome"], "sealed", "{p}");
        let path = d.data.join(p["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, p["size"].as_u64().unwrap());
        // The recorded digest is the SM3 of the file, as openssl computes it.
        let o = Command::new("openssl")
            .args(["dgst", "-sm3", "-r"])
            .arg(&path)
            .output()
            .unwrap();
        let openssl = String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        assert_eq!(openssl, p["digest"].as_str().unwrap());
        assert!(path
            .to_str()
            .unwrap()
            .ends_with(&format!("{}.zip", p["efile_no"].as_str().unwrap())));
    }
    let cases = json(&d.run(&["cases", "--json"]));
    assert!(cases
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "sealed"));
    // Verify with the unit's own keyring: all pass, exit 0.
    let o = d.run(&["verify", d.data.join("packages").to_str().unwrap()]);
    assert_code(&o, 0, "合计：5 个包，通过 5，不通过 0");
    // Sealing is idempotent and audited.
    let again = json(&d.run_stdin(
        &[
            "package",
            "--all",
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    ));
    assert!(again["packages"].as_array().unwrap().is_empty());
    let one = pkgs[0]["case_no"].as_str().unwrap();
    let again = json(&d.run_stdin(
        &[
            "package",
            one,
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    ));
    assert_eq!(again["packages"][0]["outcome"], "already_sealed");
    let log = json(&d.run(&["audit", "log", "--limit", "1", "--json"]));
    assert_eq!(log[0]["action"], "seal");
    assert_code(&d.run(&["audit", "verify"]), 0, "审计日志完整");
}

#[test]
fn wrong_pin_is_refused_without_touching_the_key() {
    let d = hall(2);
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    let key = |c: &rusqlite::Connection| -> Vec<u8> {
        c.query_row("SELECT secret_key FROM operators", [], |r| r.get(0))
            .unwrap()
    };
    let before = key(&conn);
    let audit_before = json(&d.run(&["audit", "verify", "--json"]))["entries"].clone();
    let o = d.run_stdin(
        &["package", "--all", "--operator", "张三", "--pin-stdin"],
        "135790\n",
    );
    assert_code(&o, 2, "PIN 错误");
    assert!(text(&o).contains("wrong_pin"));
    assert_eq!(key(&conn), before, "the encrypted key is untouched");
    assert_eq!(
        json(&d.run(&["audit", "verify", "--json"]))["entries"],
        audit_before
    );
    assert!(!d.data.join("packages").exists(), "nothing packaged");
    let cases = json(&d.run(&["cases", "--json"]));
    assert!(cases
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "collected"));
    // The encrypted key does not contain the PIN, and the right PIN still works.
    assert!(!String::from_utf8_lossy(&before).contains("246810"));
    package_all(&d);
}

#[test]
fn package_refusals_are_per_case() {
    let d = hall(2);
    let o = d.run_stdin(
        &[
            "package",
            "NO-SUCH-CASE",
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["packages"][0]["outcome"], "failed");
    assert_eq!(r["packages"][0]["code"], "no_such_case");
    assert_code(
        &d.run_stdin(
            &["package", "--operator", "张三", "--pin-stdin"],
            "246810\n",
        ),
        2,
        "--all",
    );
    assert_code(
        &d.run_stdin(
            &["package", "--all", "--operator", "李四", "--pin-stdin"],
            "246810\n",
        ),
        2,
        "没有名为“李四”的操作员",
    );
}

#[test]
fn damaged_store_blob_fails_that_package_only() {
    let d = hall(3);
    let cases = json(&d.run(&["cases", "--json"]));
    let victim = cases[0]["case_no"].as_str().unwrap().to_string();
    let detail = json(&d.run(&["case", &victim, "--json"]));
    let digest = detail["materials"][0]["digest"].as_str().unwrap();
    let blob = d.data.join("store/sm3").join(&digest[..2]).join(digest);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[10] ^= 0xFF;
    std::fs::write(&blob, bytes).unwrap();
    let o = d.run_stdin(
        &[
            "package",
            "--all",
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad: Vec<&Value> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["outcome"] == "failed")
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["case_no"], victim.as_str());
    assert_eq!(bad[0]["code"], "store_damaged");
    assert_eq!(
        json(&d.run(&["case", &victim, "--json"]))["case"]["status"],
        "collected"
    );
    assert_eq!(
        std::fs::read_dir(d.data.join("tmp")).unwrap().count(),
        0,
        "no temporary package left"
    );
}

#[test]
fn a_receiving_archive_trusts_packages_only_through_the_keyring() {
    let d = hall(2);
    package_all(&d);
    let ring = d._tmp.path().join("keyring.json");
    assert_code(
        &d.run(&["keyring", "export", "-o", ring.to_str().unwrap()]),
        0,
        "已导出 1 个公钥",
    );
    let intake = Dir::new();
    let o = intake.run(&[
        "init",
        "--role",
        "intake",
        "--region",
        "430100",
        "--fonds",
        "A01",
        "--unit",
        "示范县档案馆",
    ]);
    assert_ok(&o);
    let pkgs = d.data.join("packages");
    let o = intake.run(&["verify", pkgs.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r[0]["findings"][0]["code"], "seal.untrusted_key");
    let o = intake.run(&[
        "verify",
        pkgs.to_str().unwrap(),
        "--keyring",
        ring.to_str().unwrap(),
    ]);
    assert_code(&o, 0, "通过 2，不通过 0");
    // A keyring whose key was swapped is refused as a whole.
    let text_ring = std::fs::read_to_string(&ring).unwrap();
    let fp = json(&d.run(&["operator", "show", "张三", "--json"]))["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let bad = ring.with_file_name("bad.json");
    std::fs::write(&bad, text_ring.replace(&fp, &"0".repeat(64))).unwrap();
    assert_code(
        &intake.run(&[
            "verify",
            pkgs.to_str().unwrap(),
            "--keyring",
            bad.to_str().unwrap(),
        ]),
        2,
        "公钥与指纹不符",
    );
    assert_code(&intake.run(&["verify", "/nonexistent/x.zip"]), 2, "找不到");
    // Said once, not “找不到 找不到”.
    let o = intake.run(&["check", "/nonexistent/载体", "--stage", "yj"]);
    assert_code(&o, 2, "找不到 /nonexistent/载体。");
    assert!(!text(&o).contains("找不到 找不到"), "{}", text(&o));
}
