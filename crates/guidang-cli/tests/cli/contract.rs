//! The JSON contract: every `--json` output's field names, pinned.
//!
//! Users' scripts read these fields, so a rename is a broken promise. One
//! flow runs every command that prints JSON (hall and archive side) and
//! records each output's field paths; the result must equal
//! `json_contract.txt`. Fields may be added (bless the file with
//! `GUIDANG_BLESS=1` and say so in the changelog); none may change or go.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// The field paths of a JSON value: `.a.b`, `[]` for array elements (the
/// union over all elements), `{}` for a map keyed by data (a key that is not
/// a snake_case name).
fn paths(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let name = if k
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    format!("{at}.{k}")
                } else {
                    format!("{at}{{}}")
                };
                out.insert(name.clone());
                paths(x, &name, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

struct Recorder(BTreeMap<String, BTreeSet<String>>);

impl Recorder {
    fn add(&mut self, label: &str, v: &Value) {
        let set = self.0.entry(label.to_string()).or_default();
        paths(v, "", set);
        assert!(!set.is_empty(), "{label}: empty output {v}");
    }

    fn text(&self) -> String {
        let mut s = String::new();
        for (label, set) in &self.0 {
            for p in set {
                s.push_str(&format!("{label}\t{p}\n"));
            }
        }
        s
    }
}

fn json_any(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn every_json_output_keeps_its_field_names() {
    let mut r = Recorder(BTreeMap::new());
    let tmp = tempfile::tempdir().unwrap();

    // Setup and collection.
    let fresh = Dir::new();
    r.add(
        "init",
        &json(&fresh.run(&[
            "init",
            "--region",
            "430124",
            "--fonds",
            "0001",
            "--unit",
            "示范镇人民政府",
            "--json",
        ])),
    );
    let tree = tmp.path().join("办件");
    write_case(&tree.join("C-0001"), "C-0001", "非密");
    r.add(
        "collect",
        &json(&fresh.run(&["collect", tree.to_str().unwrap(), "--json"])),
    );
    let d = hall(3);
    r.add(
        "demo",
        &json(&Dir::new().run(&["demo", "--cases", "2", "--seed", "3", "--json"])),
    );
    r.add(
        "operator show",
        &json(&d.run(&["operator", "show", "张三", "--json"])),
    );
    r.add(
        "operator list",
        &json(&d.run(&["operator", "list", "--json"])),
    );
    let cases = json(&d.run(&["cases", "--json"]));
    r.add("cases", &cases);
    let case_no = cases[0]["case_no"].as_str().unwrap().to_string();
    r.add("case", &json(&d.run(&["case", &case_no, "--json"])));
    r.add(
        "case edit",
        &json(&d.run(&[
            "case",
            "edit",
            &case_no,
            "--set",
            "result=准予办理",
            "--operator",
            "张三",
            "--reason",
            "办理结果表述统一",
            "--json",
        ])),
    );
    let due = json(&d.run_stdin_env(
        &[("GUIDANG_TODAY", "2099-01-01")],
        &["cases", "--due", "--json"],
        "",
    ));
    r.add("cases --due", &due);
    let scans = tmp.path().join("扫描");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::write(scans.join("扫描件.pdf"), "%PDF-1.4\n%%EOF\n").unwrap();
    assert_ok(&d.run(&["scanner", "folder", scans.to_str().unwrap()]));
    r.add(
        "scanner list",
        &json(&d.run(&["scanner", "list", "--json"])),
    );

    // Packaging, checking, batches, carriers.
    let p = json(&d.run_stdin(
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
    r.add("package", &p);
    let pkg = walk_zip(
        &d.data.join("packages"),
        cases[0]["efile_no"].as_str().unwrap(),
    );
    r.add(
        "verify",
        &json(&d.run(&["verify", pkg.to_str().unwrap(), "--json"])),
    );
    r.add("check", &json(&d.run(&["check", "--all", "--json"])));
    let b = create_batch(&d);
    r.add("batch create", &b);
    let batch = b["batch_no"].as_str().unwrap().to_string();
    r.add("batch list", &json(&d.run(&["batch", "list", "--json"])));
    let images = tmp.path().join("映像");
    r.add(
        "transfer image",
        &json(&d.run(&[
            "transfer",
            "image",
            &batch,
            "--disc",
            "cd-r",
            "-o",
            images.to_str().unwrap(),
            "--json",
        ])),
    );
    let medium = tmp.path().join("载体");
    r.add(
        "transfer write",
        &json(&write_medium(&d, &batch, &medium, &[])),
    );
    r.add(
        "batch show",
        &json(&d.run(&["batch", "show", &batch, "--json"])),
    );
    r.add("status", &json(&d.run(&["status", "--json"])));

    // Care.
    let drive = tmp.path().join("备份盘");
    std::fs::create_dir_all(&drive).unwrap();
    r.add(
        "backup",
        &json(&d.run(&["backup", "--to", drive.to_str().unwrap(), "--json"])),
    );
    r.add("inspect", &json(&d.run(&["inspect", "--json"])));
    r.add(
        "retention due",
        &json(&d.run(&["retention", "due", "--as-of", "2099-01-01", "--json"])),
    );
    r.add(
        "audit verify",
        &json(&d.run(&["audit", "verify", "--json"])),
    );
    r.add(
        "audit log",
        &json(&d.run(&["audit", "log", "--limit", "5", "--json"])),
    );
    let elsewhere = Dir::new();
    r.add(
        "restore --list",
        &json(&elsewhere.run(&[
            "restore",
            "--from",
            drive.to_str().unwrap(),
            "--list",
            "--json",
        ])),
    );
    r.add(
        "restore",
        &json(&elsewhere.run(&["restore", "--from", drive.to_str().unwrap(), "--json"])),
    );

    // The archive's side, and the return file back at the hall.
    let arc = archive();
    let victim = cases[1]["efile_no"].as_str().unwrap().to_string();
    r.add(
        "intake open",
        &open_json(
            &arc,
            &[medium.to_str().unwrap(), "--trust", &qr_of(&d, &batch)],
            0,
        ),
    );
    assert_ok(&arc.run(&[
        "intake",
        "return",
        &victim,
        "--reason",
        "请补充材料后重新移交",
    ]));
    r.add(
        "intake status",
        &json(&arc.run(&["intake", "status", "--json"])),
    );
    let accepted = accept(&arc, &[]);
    r.add("intake accept", &accepted);
    r.add(
        "intake holdings",
        &json(&arc.run(&["intake", "holdings", "--json"])),
    );
    let receipt = arc.data.join("receipts").join(&batch).join("接收回执.pdf");
    let qr = pdf_qr_text(&receipt, arc._tmp.path());
    let o = d.run(&[
        "returns",
        "import",
        accepted["return_file"].as_str().unwrap(),
        "--trust",
        &qr,
        "--json",
    ]);
    r.add("returns import", &json_any(&o));

    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/json_contract.txt");
    let now = r.text();
    if std::env::var("GUIDANG_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&pinned, &now).unwrap();
    }
    let then = std::fs::read_to_string(&pinned).expect("tests/cli/json_contract.txt");
    let was: BTreeSet<&str> = then.lines().collect();
    let is: BTreeSet<&str> = now.lines().collect();
    let gone: Vec<&&str> = was.difference(&is).collect();
    let new: Vec<&&str> = is.difference(&was).collect();
    assert!(
        gone.is_empty() && new.is_empty(),
        "the CLI's JSON changed.\nfields gone (a broken contract): {gone:#?}\n\
         fields new (bless with GUIDANG_BLESS=1 if intended): {new:#?}"
    );
}
