//! Batches and the printed forms, printing through CUPS.

use std::path::PathBuf;
use std::process::Command;

use crate::util::*;

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
        "--operator",
        "王五",
    ]));
    // Who decided is in the audit log.
    let last = json(&d.run(&["audit", "log", "--limit", "1", "--json"]));
    assert_eq!(last[0]["action"], "set_case_open", "{last}");
    assert_eq!(last[0]["actor"], "王五", "{last}");

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
