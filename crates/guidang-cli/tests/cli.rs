//! The `guidang` command-line contract: commands, flags, JSON fields and
//! exit codes (0 success, 1 findings, 2 error), run as a real process on a
//! real data directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod faults;

struct Dir {
    _tmp: tempfile::TempDir,
    data: PathBuf,
}

impl Dir {
    fn new() -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        Dir { _tmp: tmp, data }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guidang"));
        c.arg("--data-dir")
            .arg(&self.data)
            .env_remove("GUIDANG_DATA_DIR");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        self.run_stdin_env(&[], args, input)
    }

    /// `run_stdin` with extra environment (e.g. `GUIDANG_TODAY`).
    fn run_stdin_env(&self, env: &[(&str, &str)], args: &[&str], input: &str) -> Output {
        let mut child = self
            .cmd()
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The program may exit (e.g. on a usage error) before reading its
        // input; a broken pipe here is not the test's concern.
        if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    }

    fn init(&self) {
        let o = self.run(&[
            "init",
            "--region",
            "430124",
            "--fonds",
            "0001",
            "--unit",
            "示范镇人民政府",
        ]);
        assert_ok(&o);
    }

    fn catalog(&self) -> PathBuf {
        self.data.join("catalog.sqlite")
    }

    /// `restore --from drive --replace` by operator 张三 with `pin`, plus
    /// `extra` arguments.
    fn restore_replacing(&self, drive: &Path, extra: &[&str], pin: &str) -> Output {
        let mut args = vec!["restore", "--from", drive.to_str().unwrap(), "--replace"];
        args.extend_from_slice(&["--operator", "张三", "--pin-stdin"]);
        args.extend_from_slice(extra);
        self.run_stdin(&args, &format!("{pin}\n"))
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

fn assert_code(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "{}", text(o));
    assert!(
        text(o).contains(needle),
        "expected “{needle}” in:\n{}",
        text(o)
    );
}

fn json(o: &Output) -> Value {
    assert_ok(o);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn demo_200_cases_then_cases_json_lists_200_valid_cases() {
    let d = Dir::new();
    let o = d.run(&["demo", "--cases", "200", "--seed", "7"]);
    assert_code(&o, 0, "收集：新收集 200");
    let cases = json(&d.run(&["cases", "--json"]));
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 200);
    let mut efs = std::collections::HashSet::new();
    for c in cases {
        for f in [
            "case_no",
            "efile_no",
            "case_name",
            "item_code",
            "item_name",
            "applicant_name",
            "completed_at",
            "status",
            "retention",
        ] {
            assert!(
                c[f].as_str().is_some_and(|s| !s.is_empty()),
                "{f} missing in {c}"
            );
        }
        assert_eq!(c["status"], "collected");
        assert!(c["materials"].as_u64().unwrap() >= 3);
        assert!(c["bytes"].as_u64().unwrap() > 50_000);
        let ef = c["efile_no"].as_str().unwrap();
        assert!(ef.starts_with("430124-0001-"), "{ef}");
        assert!(efs.insert(ef.to_string()), "duplicate 电子文件号 {ef}");
    }
    // The materials are real files: every PDF parses with poppler.
    let any = cases[0]["case_no"].as_str().unwrap();
    let detail = json(&d.run(&["case", any, "--json"]));
    let pdf = detail["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["format"] == "pdf")
        .unwrap();
    let blob = d
        .data
        .join("store/sm3")
        .join(&pdf["digest"].as_str().unwrap()[..2])
        .join(pdf["digest"].as_str().unwrap());
    let info = Command::new("pdfinfo")
        .arg(&blob)
        .output()
        .expect("pdfinfo (poppler-utils) is installed by .ci/run");
    assert_ok(&info);
    assert!(String::from_utf8_lossy(&info.stdout).contains("Pages:"));
    // The audit chain covers init and every case.
    assert_code(&d.run(&["audit", "verify"]), 0, "201 条记录");
    // Running the same demo again is idempotent.
    assert_code(
        &d.run(&["demo", "--cases", "200", "--seed", "7"]),
        0,
        "未变化 200",
    );
}

#[test]
fn audit_verify_detects_an_edited_row() {
    let d = Dir::new();
    d.init();
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    assert_code(&d.run(&["audit", "verify"]), 0, "审计日志完整：2 条记录");
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = '李四' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let o = d.run(&["audit", "verify"]);
    assert_code(&o, 1, "第 2 条：第 2 条记录的内容与其哈希不符");
    let j: Value = serde_json::from_slice(&d.run(&["audit", "verify", "--json"]).stdout).unwrap();
    assert_eq!(j["problems"][0]["seq"], 2);
}

#[test]
fn init_validates_and_refuses_twice() {
    let d = Dir::new();
    let o = d.run(&[
        "init", "--region", "4301", "--fonds", "00-1", "--unit", "镇",
    ]);
    assert_code(&o, 2, "行政区划码（--region）");
    assert!(text(&o).contains("全宗号（--fonds）"));
    assert!(text(&o).contains("错误[invalid_input]"));
    d.init();
    let u = json(&d.run(&["status", "--json"]));
    assert_eq!(u["unit"]["suite"], "gm");
    assert_eq!(u["unit"]["role"], "hall");
    let o = d.run(&[
        "init",
        "--region",
        "430124",
        "--fonds",
        "0002",
        "--unit",
        "另一个单位",
    ]);
    assert_code(&o, 2, "不能重复初始化");
    assert_eq!(json(&d.run(&["status", "--json"]))["unit"]["fonds"], "0001");
}

#[test]
fn commands_before_init_say_how_to_init() {
    let d = Dir::new();
    let o = d.run(&["collect", "."]);
    assert_code(&o, 2, "guidang init --region");
    assert!(text(&o).contains("错误[not_initialised]"));
}

#[test]
fn operators_pin_rules_and_show_json() {
    let d = Dir::new();
    d.init();
    assert_code(
        &d.run_stdin(
            &["operator", "add", "--name", "张三", "--pin-stdin"],
            "123\n",
        ),
        2,
        "至少需要6位",
    );
    assert_code(
        &d.run(&["operator", "show", "张三"]),
        2,
        "没有名为“张三”的操作员",
    );
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    assert_code(
        &d.run_stdin(
            &["operator", "add", "--name", "张三", "--pin-stdin"],
            "135790\n",
        ),
        2,
        "已存在",
    );
    let j = json(&d.run(&["operator", "show", "张三", "--json"]));
    assert_eq!(j["name"], "张三");
    assert_eq!(j["active"], true);
    // The PIN is not stored anywhere in the catalog.
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    let v: String = conn
        .query_row("SELECT pin_verifier FROM operators", [], |r| r.get(0))
        .unwrap();
    assert!(v.starts_with("$argon2id$") && !v.contains("246810"));
}

#[test]
fn newer_catalog_is_refused_with_exit_2() {
    let d = Dir::new();
    d.init();
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let o = d.run(&["cases"]);
    assert_code(&o, 2, "请升级归档通后再打开");
    assert!(text(&o).contains("catalog_too_new"));
}

fn write_case(dir: &Path, case_no: &str, secrecy: &str) {
    std::fs::create_dir_all(dir.join("结果性材料")).unwrap();
    std::fs::write(
        dir.join("结果性材料/参保登记回执.pdf"),
        format!("%PDF-1.4\n{case_no}\n%%EOF\n"),
    )
    .unwrap();
    let meta = serde_json::json!({
        "case_no": case_no, "case_name": "王五参保登记", "case_kind": "1",
        "item_code": "2000011001", "item_name": "城乡居民基本养老保险参保登记", "item_type": "20",
        "applicant": {"name": "王五", "type": "1", "id_type": "111", "id_no": "11010519491231002X"},
        "accepting_unit": "示范镇便民服务中心", "accepted_at": "2025-05-06 09:00", "completed_at": "2025-05-06 09:30",
        "result": "办结", "retention": "D30", "secrecy": secrecy,
    });
    std::fs::write(dir.join("case.json"), serde_json::to_vec(&meta).unwrap()).unwrap();
}

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

/// Today's date from `date`, so the test does not share the code under test.
fn chrono_free_today() -> String {
    let o = Command::new("date")
        .args(["+%Y-%m-%d"])
        .env("TZ", "Asia/Shanghai")
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
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

/// A hall with `n` demo cases and operator 张三 (PIN 246810).
fn hall(n: u32) -> Dir {
    let d = Dir::new();
    assert_ok(&d.run(&["demo", "--cases", &n.to_string(), "--seed", "3"]));
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    d
}

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
    ] {
        assert!(
            flat.contains(needle),
            "“{needle}” not in the PDF text:\n{text}"
        );
    }
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

/// A receiving archive's data directory (role intake).
fn intake() -> Dir {
    let d = Dir::new();
    assert_ok(&d.run(&[
        "init",
        "--role",
        "intake",
        "--region",
        "430100",
        "--fonds",
        "A01",
        "--unit",
        "示范县档案馆",
    ]));
    d
}

/// The text of the QR code printed on a PDF form (every page rendered with
/// pdftoppm, read with zbarimg).
fn pdf_qr_text(pdf: &Path, work: &Path) -> String {
    let dir = work.join(format!("qr-{}", pdf.file_stem().unwrap().to_string_lossy()));
    std::fs::create_dir_all(&dir).unwrap();
    let st = Command::new("pdftoppm")
        .args(["-r", "200", "-png"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(st.success());
    for page in std::fs::read_dir(&dir).unwrap() {
        let z = Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(page.unwrap().path())
            .output()
            .expect("zbarimg (zbar-tools)");
        if z.status.success() {
            return String::from_utf8(z.stdout).unwrap().trim().to_string();
        }
    }
    panic!("no QR code in {}", pdf.display())
}

/// Creates a batch of every ready case; returns the JSON result.
fn create_batch(d: &Dir) -> Value {
    json(&d.run_stdin(
        &[
            "batch",
            "create",
            "--all-ready",
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    ))
}

/// Packages and seals every collected case as 张三.
fn package_all(d: &Dir) {
    assert_ok(&d.run_stdin(
        &["package", "--all", "--operator", "张三", "--pin-stdin"],
        "246810\n",
    ));
}

/// A hall whose `n` cases are packaged and checked.
fn checked_hall(n: u32) -> Dir {
    let d = hall(n);
    package_all(&d);
    let o = d.run(&["check", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    d
}

#[test]
fn batch_create_signs_a_manifest_and_moves_cases_in_batch() {
    let d = checked_hall(3);
    let cases = json(&d.run(&["cases", "--json"]));
    let item = cases[0]["item_code"].as_str().unwrap().to_string();
    // Opinions on opening: a reason is required unless 开放.
    assert_code(
        &d.run(&["open-opinion", "--item", &item, "--opinion", "控制使用"]),
        2,
        "必须说明理由",
    );
    assert_ok(&d.run(&[
        "open-opinion",
        "--item",
        &item,
        "--opinion",
        "控制使用",
        "--reason",
        "涉及个人隐私",
    ]));
    let one = cases[1]["case_no"].as_str().unwrap().to_string();
    assert_ok(&d.run(&[
        "open-opinion",
        "--case",
        &one,
        "--opinion",
        "不开放",
        "--reason",
        "涉及未成年人",
    ]));

    let b = create_batch(&d);
    let no = b["batch_no"].as_str().unwrap().to_string();
    let today = chrono_free_today().replace('-', "");
    assert_eq!(no, format!("430124-{today}-01"));
    assert_eq!(b["packages"], 3);
    assert_eq!(b["digest_algo"], "SM3");
    // The batch digest is the SM3 of the manifest file as written.
    let manifest = d.data.join(format!("batches/{no}/批次清单.json"));
    let o = Command::new("openssl")
        .args(["dgst", "-sm3", "-r"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .next()
            .unwrap(),
        b["digest"].as_str().unwrap()
    );
    let shown = json(&d.run(&["batch", "show", &no, "--json"]));
    let pk = shown["manifest"]["packages"].as_array().unwrap();
    assert_eq!(pk.len(), 3);
    for p in pk {
        assert!(
            p["check_opinion"].as_str().unwrap().starts_with("合格"),
            "{p}"
        );
        let want = if p["case_no"] == one.as_str() {
            "不开放"
        } else if p["item_code"] == item.as_str() {
            "控制使用"
        } else {
            "开放"
        };
        assert_eq!(p["open_opinion"], want, "{p}");
    }
    let all = json(&d.run(&["cases", "--json"]));
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "in_batch"));
    // Nothing is ready any more; a second batch is refused with the reason.
    assert_code(
        &d.run_stdin(
            &[
                "batch",
                "create",
                "--all-ready",
                "--operator",
                "张三",
                "--pin-stdin",
            ],
            "246810\n",
        ),
        2,
        "没有可以组批的办件",
    );
    assert_code(
        &d.run_stdin(
            &["batch", "create", &one, "--operator", "张三", "--pin-stdin"],
            "246810\n",
        ),
        2,
        &format!("已在批次 {no} 中"),
    );
    // Cases in a batch keep their opinion.
    assert_code(
        &d.run(&["open-opinion", "--case", &one, "--opinion", "开放"]),
        2,
        "已组批",
    );
    // Batches are immutable in the catalog...
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    let e = conn
        .execute("UPDATE batches SET digest = 'x'", [])
        .unwrap_err();
    assert!(e.to_string().contains("immutable"));
    assert!(conn.execute("DELETE FROM batch_items", []).is_err());
    // ...and a manifest edited on disk is caught.
    let text_m = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("不开放", "开放");
    std::fs::write(&manifest, text_m).unwrap();
    assert_code(&d.run(&["batch", "show", &no]), 2, "清单被修改");
    assert_code(&d.run(&["audit", "verify"]), 0, "审计日志完整");
}

#[test]
fn batch_create_with_an_unready_case_creates_nothing() {
    let d = checked_hall(2);
    // A third case collected but not packaged or checked.
    let tree = d._tmp.path().join("more");
    write_case(&tree.join("LATE-0001"), "LATE-0001", "非密");
    assert_ok(&d.run(&["collect", tree.to_str().unwrap()]));
    let ready: Vec<String> = json(&d.run(&["cases", "--status", "checked", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_no"].as_str().unwrap().to_string())
        .collect();
    let mut args = vec![
        "batch",
        "create",
        "--operator",
        "张三",
        "--pin-stdin",
        "LATE-0001",
    ];
    args.extend(ready.iter().map(String::as_str));
    let o = d.run_stdin(&args, "246810\n");
    assert_code(&o, 2, "LATE-0001：尚未通过归档检测（状态：已收集）");
    assert!(text(&o).contains("batch_refused"));
    assert!(!d.data.join("batches").exists());
    assert_eq!(
        json(&d.run(&["batch", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_code(
        &d.run_stdin(
            &[
                "batch",
                "create",
                "--all-ready",
                "--operator",
                "张三",
                "--pin-stdin",
                "--corrects",
                "NO-SUCH",
            ],
            "246810\n",
        ),
        2,
        "没有批次编号为 NO-SUCH",
    );
    // --all-ready takes only the ready ones.
    let b = create_batch(&d);
    assert_eq!(b["packages"], 2);
}

#[test]
fn print_transfer_list_and_catalog_of_a_batch() {
    let d = checked_hall(3);
    let b = create_batch(&d);
    let no = b["batch_no"].as_str().unwrap().to_string();
    let shown = json(&d.run(&["batch", "show", &no, "--json"]));
    for (form, file) in [
        ("transfer-list", "移交清单.pdf"),
        ("catalog", "归档目录清单.pdf"),
    ] {
        let out = d._tmp.path().join(file);
        assert_code(
            &d.run(&["print", form, &no, "-o", out.to_str().unwrap()]),
            0,
            "已生成",
        );
        let t = Command::new("pdftotext")
            .arg("-raw")
            .arg(&out)
            .arg("-")
            .output()
            .unwrap();
        let flat: String = String::from_utf8(t.stdout)
            .unwrap()
            .split_whitespace()
            .collect();
        assert!(flat.contains(&no), "{form}: batch number");
        assert!(
            flat.contains(b["digest"].as_str().unwrap()),
            "{form}: batch digest"
        );
        for p in shown["manifest"]["packages"].as_array().unwrap() {
            let needle = if form == "catalog" {
                p["efile_no"].as_str().unwrap()
            } else {
                p["item_name"].as_str().unwrap()
            };
            assert!(flat.contains(needle), "{form}: {needle}");
        }
    }
    assert_code(
        &d.run(&["print", "catalog", "NO-SUCH", "-o", "/tmp/x.pdf"]),
        2,
        "没有批次编号为 NO-SUCH",
    );
}

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
    for f in ["批次清单.json", "批次清单.sig"] {
        std::fs::copy(d.data.join(format!("batches/{no}/{f}")), medium.join(f)).unwrap();
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
            .any(|f| f["item"] == "YJ-2-1-1" && f["entry"] == "载体清单.json"),
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
    let mf = medium.join("批次清单.json");
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

/// `transfer write BATCH --to DIR` as JSON.
fn write_medium(d: &Dir, batch: &str, to: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "transfer",
        "write",
        batch,
        "--to",
        to.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    d.run(&args)
}

fn pdf_text(pdf: &Path) -> String {
    let t = Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(t.status.success());
    String::from_utf8(t.stdout)
        .unwrap()
        .split_whitespace()
        .collect()
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
    // The layout of standards.md section 5.
    for f in [
        "说明文件.txt",
        "目录文件.xml",
        "批次清单.json",
        "批次清单.sig",
        "载体清单.json",
        "移交清单.pdf",
        "归档目录清单.pdf",
        "移交与接收登记表.pdf",
        "其他/命名规则.txt",
        "其他/元数据模式.xsd",
        "其他/固化信息模式.xsd",
        "其他/移交单位公钥.json",
    ] {
        assert!(medium.join(f).is_file(), "{f} missing");
    }
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
    let o = d.run(&["digest", medium.join("载体清单.json").to_str().unwrap()]);
    assert!(text(&o).contains(carrier_digest), "{}", text(&o));
    assert_eq!(shown["carriers"][0]["digest"], carrier_digest);
    assert_eq!(shown["carriers"][0]["copies"], 1);
    // Every file the carrier manifest lists is there with its digest.
    let cm: Value =
        serde_json::from_slice(&std::fs::read(medium.join("载体清单.json")).unwrap()).unwrap();
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
        std::fs::read(medium.join("移交与接收登记表.pdf")).unwrap()
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
    let readme = std::fs::read_to_string(medium.join("说明文件.txt")).unwrap();
    assert!(
        readme.contains(&format!("批次编号：{no}"))
            && readme.contains("载体编号：1（共 1 个载体）")
    );
    let cat = std::fs::read_to_string(medium.join("目录文件.xml")).unwrap();
    assert_eq!(cat.matches("<开放利用意见>").count(), 6);

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

/// The path of the package `efile_no` on a medium.
fn walk_zip(root: &Path, efile_no: &str) -> PathBuf {
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap().to_string_lossy() == format!("{efile_no}.zip") {
                return p;
            }
        }
    }
    panic!("{efile_no}.zip not on {}", root.display())
}

/// Whether tests that need root and loop devices must run (under
/// `cargo xtask test`, which sets GUIDANG_E2E=1) or may be skipped.
fn media_tests_required() -> bool {
    std::env::var("GUIDANG_E2E").is_ok_and(|v| v == "1")
}

/// A real exFAT file system in an image on a loop device, mounted through
/// Debian's exfat-fuse; unmounted and detached on drop.
struct ExfatMedium {
    mount: PathBuf,
    device: String,
}

impl ExfatMedium {
    fn new(dir: &Path, name: &str, size: &str) -> Result<ExfatMedium, String> {
        let img = dir.join(format!("{name}.img"));
        let mount = dir.join(name);
        std::fs::create_dir_all(&mount).map_err(|e| e.to_string())?;
        let run = |c: &mut Command| -> Result<String, String> {
            let o = c.output().map_err(|e| format!("{c:?}: {e}"))?;
            if !o.status.success() {
                return Err(format!("{c:?}: {}", text(&o)));
            }
            Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        run(Command::new("truncate").args(["-s", size]).arg(&img))?;
        run(Command::new("mkfs.exfat").arg(&img))?;
        let device = run(Command::new("losetup").args(["-f", "--show"]).arg(&img))?;
        let m = ExfatMedium { mount, device };
        run(Command::new("mount.exfat-fuse")
            .arg(&m.device)
            .arg(&m.mount))?;
        Ok(m)
    }
}

impl Drop for ExfatMedium {
    fn drop(&mut self) {
        let _ = Command::new("fusermount")
            .arg("-u")
            .arg(&self.mount)
            .status();
        let _ = Command::new("losetup").args(["-d", &self.device]).status();
    }
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
        let readme = std::fs::read_to_string(m.mount.join("说明文件.txt")).unwrap();
        assert!(
            readme.contains(&format!("载体编号：{}（共 {n} 个载体）", i + 1)),
            "{readme}"
        );
        let cm: Value =
            serde_json::from_slice(&std::fs::read(m.mount.join("载体清单.json")).unwrap()).unwrap();
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

/// An intake workstation with its archivist 李档 (PIN 135790).
fn archive() -> Dir {
    let d = intake();
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "李档", "--pin-stdin"],
        "135790\n",
    ));
    d
}

/// The QR payload printed on the transfer list of a batch.
fn qr_of(hall: &Dir, batch: &str) -> String {
    let s = json(&hall.run(&["batch", "show", batch, "--json"]));
    format!(
        "guidang-batch/1;batch={batch};{}={};fingerprint={}",
        s["signature"]["digest_algo"].as_str().unwrap(),
        s["signature"]["manifest_digest"].as_str().unwrap(),
        s["signature"]["fingerprint"].as_str().unwrap()
    )
}

fn open_json(d: &Dir, args: &[&str], code: i32) -> Value {
    let mut a = vec!["intake", "open", "--json"];
    a.extend_from_slice(args);
    let o = d.run(&a);
    assert_eq!(o.status.code(), Some(code), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
}

fn accept(d: &Dir, extra: &[&str]) -> Value {
    let mut a = vec![
        "intake",
        "accept",
        "--rest",
        "--operator",
        "李档",
        "--pin-stdin",
        "--json",
    ];
    a.extend_from_slice(extra);
    json(&d.run_stdin(&a, "135790\n"))
}

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
        serde_json::from_slice(&std::fs::read(m1.join("载体清单.json")).unwrap()).unwrap();
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
    let ret = m1.join("退回清单.json");
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
    let ret2 = m2.join("退回清单.json");
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
        serde_json::from_slice::<Value>(&std::fs::read(c2.join("载体清单.json")).unwrap()).unwrap()
            ["packages"]
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
        serde_json::from_slice(&std::fs::read(c1.join("载体清单.json")).unwrap()).unwrap();
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

/// Every file of a data directory except the live catalog, with its bytes.
fn data_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "tmp" || rel.starts_with("catalog.sqlite") || rel.starts_with("inspections") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

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

/// `print --send` through a real CUPS queue (set up by `cargo xtask test`):
/// the job the spooler accepted holds exactly the PDF's bytes. An unknown
/// printer is refused with a message that says what to do.
#[test]
fn print_send_puts_the_transfer_list_on_the_system_printer() {
    let Ok(printer) = std::env::var("GUIDANG_TEST_PRINTER") else {
        assert!(
            !media_tests_required(),
            "no CUPS test queue under the full suite (cargo xtask test sets one up)"
        );
        eprintln!("skipped: no CUPS test queue (cargo xtask test sets one up)");
        return;
    };
    let d = checked_hall(2);
    let b = create_batch(&d)["batch_no"].as_str().unwrap().to_string();
    let pdf = d._tmp.path().join("移交清单.pdf");
    let o = d.run(&[
        "print",
        "transfer-list",
        &b,
        "-o",
        pdf.to_str().unwrap(),
        "--send",
        "--printer",
        &printer,
    ]);
    assert_ok(&o);
    let out = text(&o);
    let job = out
        .split("（作业 ")
        .nth(1)
        .and_then(|r| r.split('）').next())
        .unwrap_or_else(|| panic!("no job id in {out}"))
        .to_string();
    assert!(job.starts_with(&format!("{printer}-")), "{job}");
    let n: u32 = job.rsplit('-').next().unwrap().parse().unwrap();
    let t = std::time::Instant::now();
    loop {
        let l = Command::new("lpstat")
            .args(["-W", "completed", "-o", &printer])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&l.stdout).contains(&job) {
            break;
        }
        assert!(t.elapsed().as_secs() < 30, "job {job} never completed");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // The test queue's spool (cargo xtask test runs a scheduler of its own
    // and says where); the machine's CUPS keeps it in /var/spool/cups.
    let spool = std::env::var_os("GUIDANG_TEST_SPOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/spool/cups"));
    let spooled = spool.join(format!("d{n:05}-001"));
    let bytes = std::fs::read(&spooled)
        .unwrap_or_else(|e| panic!("the spooled job {}: {e}", spooled.display()));
    assert_eq!(
        bytes,
        std::fs::read(&pdf).unwrap(),
        "the printer got the PDF"
    );
    assert_code(
        &d.run(&[
            "print",
            "transfer-list",
            &b,
            "-o",
            pdf.to_str().unwrap(),
            "--send",
            "--printer",
            "没有这台打印机",
        ]),
        2,
        "打印机没有接受这份文件",
    );
}

// ---------------------------------------------------------------------
// Hostile media, lying carriers and faults that must not look done.
// ---------------------------------------------------------------------

/// A hall with one written carrier of a checked batch, and an archive.
fn written_carrier(n: u32) -> (Dir, String, PathBuf, Dir) {
    let hall = checked_hall(n);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let medium = hall._tmp.path().join("载体");
    json(&write_medium(&hall, &b, &medium, &[]));
    (hall, b, medium, archive())
}

/// Runs `d` with `args`, failing the test if it does not finish within
/// `secs` (a reader that opens a FIFO named by a manifest hangs for ever).
fn run_bounded(d: &Dir, args: &[&str], secs: u64) -> Output {
    let mut child = d
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed().as_secs() > secs {
            let _ = child.kill();
            panic!("{args:?} did not finish within {secs} s (it opened something it must not)");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

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
    edit_json(&medium.join("载体清单.json"), |v| {
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
    let cm = medium.join("载体清单.json");
    let original = std::fs::read(&cm).unwrap();
    edit_json(&cm, |v| {
        let f = v["files"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|f| f["path"] == "说明文件.txt")
            .unwrap();
        f["size"] = serde_json::json!(f["size"].as_u64().unwrap() + 1);
    });
    let out = check("wrong size");
    assert!(
        out.contains("说明文件.txt") && out.contains("大小应为"),
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
        .open(medium.join("批次清单.json"))
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

/// A size-limited tmpfs (needs root, as mounting does), unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts one at `at`, or says why not: under the full suite (CI) a
    /// missing prerequisite fails the test instead of skipping it.
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root {
            assert!(
                !media_tests_required(),
                "disk-full tests mount a tmpfs and need root under the full suite"
            );
            eprintln!("skipped: mounting a tmpfs needs root");
            return None;
        }
        std::fs::create_dir_all(at).unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(st.success(), "mount tmpfs at {}", at.display());
        Some(Tmpfs(at.to_path_buf()))
    }

    /// Fills the file system up to `leave` bytes with one file.
    fn fill(&self, leave: u64) -> PathBuf {
        let o = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.0)
            .output()
            .unwrap();
        let avail: u64 = String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let filler = self.0.join("填充.bin");
        let f = std::fs::File::create(&filler).unwrap();
        f.set_len(0).unwrap();
        let mut w = std::io::BufWriter::new(f);
        let chunk = vec![0x5a; 1 << 16];
        let mut left = avail.saturating_sub(leave);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if w.write_all(&chunk[..n]).is_err() {
                break;
            }
            left -= n as u64;
        }
        let _ = w.flush();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// No English text of a library or the OS in what a clerk reads.
fn assert_no_english(out: &str) {
    for bad in [
        "os error",
        "No space",
        "ZipWriter",
        "i/o error",
        "disk is full",
    ] {
        assert!(!out.contains(bad), "English text “{bad}” in:\n{out}");
    }
}

#[test]
fn a_full_data_disk_says_so_in_chinese_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "48M") else {
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
