//! 整理: `guidang case edit` and `guidang case material …` — validated as
//! collection validates, all-or-nothing, audited with old and new values;
//! a sealed case goes back to 已收集 with its old package kept under
//! packages/superseded/; a case in a batch cannot be corrected.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::*;

fn edit(d: &Dir, case_no: &str, sets: &[&str], reason: &str) -> std::process::Output {
    let mut args = vec!["case", "edit", case_no];
    for s in sets {
        args.extend(["--set", s]);
    }
    args.extend(["--operator", "张三", "--reason", reason, "--json"]);
    d.run(&args)
}

fn material(d: &Dir, args: &[&str]) -> std::process::Output {
    let mut a = vec!["case", "material"];
    a.extend_from_slice(args);
    a.extend(["--operator", "张三", "--json"]);
    d.run(&a)
}

fn last_audit(d: &Dir) -> (Value, Value) {
    let last = json(&d.run(&["audit", "log", "--limit", "1", "--json"]));
    let detail: Value = serde_json::from_str(last[0]["detail"].as_str().unwrap()).unwrap();
    (last[0].clone(), detail)
}

/// A PDF made by Ghostscript in the test's folder.
fn gs_pdf(d: &Dir, name: &str) -> PathBuf {
    let p = d._tmp.path().join(name);
    let o = std::process::Command::new("gs")
        .args(["-q", "-dSAFER", "-sDEVICE=pdfwrite", "-o"])
        .arg(&p)
        .args(["-c", "newpath 72 72 moveto 300 300 lineto stroke showpage"])
        .output()
        .expect("gs is installed by cargo xtask deps");
    assert!(o.status.success(), "{}", text(&o));
    p
}

#[test]
fn a_sealed_case_is_corrected_audited_and_sealed_again() {
    let d = checked_hall(2);
    let cases = json(&d.run(&["cases", "--json"]));
    let case_no = cases[0]["case_no"].as_str().unwrap().to_string();
    let efile_no = cases[0]["efile_no"].as_str().unwrap().to_string();
    let before = json(&d.run(&["case", &case_no, "--json"]));
    let old_name = before["case"]["case_name"].as_str().unwrap().to_string();

    // A wrong check character: refused, nothing changed.
    let o = edit(
        &d,
        &case_no,
        &["case_name=新名称", "applicant.id_no=110105194912310021"],
        "录入错误",
    );
    assert_code(&o, 2, "校验码");
    assert_eq!(json(&d.run(&["case", &case_no, "--json"])), before);
    // The identity, an unknown field and a missing reason are refused too.
    assert_code(&edit(&d, &case_no, &["case_no=X"], "x"), 2, "不能更正");
    assert_code(&edit(&d, &case_no, &["nope=1"], "x"), 2, "可更正的字段");
    assert_code(
        &edit(&d, &case_no, &["case_name=新名称"], " "),
        2,
        "更正原因",
    );
    assert_code(&edit(&d, &case_no, &["case_name"], "x"), 2, "字段=新值");

    let o = edit(
        &d,
        &case_no,
        &["case_name=新名称", "applicant.name=王小五"],
        "申请人姓名录入错误",
    );
    assert_ok(&o);
    let r = json(&o);
    assert_eq!(r["previous_status"], "checked", "{r}");
    assert_eq!(r["changes"][0]["field"], "case_name");
    assert_eq!(r["changes"][0]["old"], old_name.as_str());
    assert_eq!(r["changes"][0]["new"], "新名称");
    assert_eq!(r["changes"][1]["new"], "王小五");
    let kept = d.data.join(r["superseded_package"].as_str().unwrap());
    assert!(kept.starts_with(d.data.join("packages/superseded")), "{r}");
    assert!(kept.is_file());
    assert!(
        !walk_zip_opt(&d.data.join("packages"), &efile_no, "superseded"),
        "the old package left its place"
    );
    let now = json(&d.run(&["case", &case_no, "--json"]));
    assert_eq!(now["case"]["status"], "collected", "{now}");
    assert_eq!(now["case"]["case_name"], "新名称");
    let (entry, detail) = last_audit(&d);
    assert_eq!(entry["action"], "case_edit");
    assert_eq!(entry["actor"], "张三");
    assert_eq!(detail["reason"], "申请人姓名录入错误");
    assert_eq!(
        detail["changes"][1]["old"],
        before["case"]["applicant_name"]
    );
    assert_eq!(detail["superseded_package"], r["superseded_package"]);
    assert_code(&d.run(&["audit", "verify"]), 0, "审计日志完整");

    // Sealed and checked again, with the corrected name in its metadata.
    package_all(&d);
    assert_code(&d.run(&["check", "--all"]), 0, "合格");
    let zip = walk_zip(&d.data.join("packages"), &efile_no);
    let (_, xml) = guidang_testkit::zip_entries(&zip)
        .into_iter()
        .find(|(n, _)| n == "元数据.xml")
        .unwrap();
    assert!(String::from_utf8(xml).unwrap().contains("新名称"));
    // Inspection finds everything sound, the kept package included.
    assert_code(&d.run(&["inspect"]), 0, "全部完好");
}

/// Whether a package file named for `efile_no` lies under `root` outside `skip`.
fn walk_zip_opt(root: &std::path::Path, efile_no: &str, skip: &str) -> bool {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && p.file_name().unwrap() != skip {
                stack.push(p);
            } else if p.file_name().unwrap().to_string_lossy() == format!("{efile_no}.zip") {
                return true;
            }
        }
    }
    false
}

#[test]
fn materials_are_added_checked_moved_replaced_and_removed() {
    let d = hall(1);
    let case_no = json(&d.run(&["cases", "--json"]))[0]["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = |d: &Dir| json(&d.run(&["case", &case_no, "--json"]))["materials"].clone();
    let before = shown(&d);
    let n = before.as_array().unwrap().len();
    let pdf = gs_pdf(&d, "补充说明.pdf");
    let pdf_s = pdf.to_str().unwrap();

    let r = json(&material(
        &d,
        &[
            "add",
            &case_no,
            pdf_s,
            "--category",
            "程序性",
            "--title",
            "补充说明材料",
        ],
    ));
    assert_eq!(r["changes"][0]["field"], "materials", "{r}");
    let m = shown(&d);
    assert_eq!(m.as_array().unwrap().len(), n + 1);
    let added = m
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["original_name"] == "补充说明.pdf")
        .unwrap_or_else(|| panic!("{m}"));
    assert_eq!(added["category"], "程序性");
    assert_eq!(added["title"], "补充说明材料");
    assert_eq!(added["pages"], 1, "content facts recorded as at collection");
    // Sequence numbers stay 1..n with the categories in order.
    let cats: Vec<&str> = m
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["category"].as_str().unwrap())
        .collect();
    let mut sorted = cats.clone();
    sorted.sort_by_key(|c| ["证据性", "程序性", "结果性"].iter().position(|x| x == c));
    assert_eq!(cats, sorted);
    let (entry, _) = last_audit(&d);
    assert_eq!(entry["action"], "material_add");

    // The same name again in the category, and an encrypted PDF: refused.
    assert_code(
        &material(&d, &["add", &case_no, pdf_s, "--category", "程序性"]),
        2,
        "同名",
    );
    let enc = d._tmp.path().join("加密.pdf");
    let o = std::process::Command::new("qpdf")
        .args(["--encrypt", "", "owner", "256", "--print=none", "--"])
        .arg(&pdf)
        .arg(&enc)
        .output()
        .expect("qpdf is installed by cargo xtask deps");
    assert!(o.status.success(), "{}", text(&o));
    assert_code(
        &material(
            &d,
            &[
                "add",
                &case_no,
                enc.to_str().unwrap(),
                "--category",
                "结果性",
            ],
        ),
        2,
        "已加密",
    );
    assert_eq!(shown(&d).as_array().unwrap().len(), n + 1);

    // Move the last (the result) to the front, replace its content, then
    // remove the added one.
    let last = (n + 1).to_string();
    assert_ok(&material(&d, &["move", &case_no, &last, "--to", "1"]));
    let moved = shown(&d);
    assert_eq!(moved[0]["digest"], m[n]["digest"], "{moved}");
    assert_code(
        &material(&d, &["move", &case_no, "1", "--to", "99"]),
        2,
        "应为 1 至",
    );
    let other = gs_pdf(&d, "换用.pdf");
    assert_ok(&material(
        &d,
        &["replace", &case_no, "1", other.to_str().unwrap()],
    ));
    let replaced = shown(&d);
    assert_eq!(replaced[0]["original_name"], "换用.pdf");
    assert_eq!(replaced[0]["category"], moved[0]["category"]);
    assert_eq!(replaced[0]["title"], moved[0]["title"]);
    let seq = replaced
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["original_name"] == "补充说明.pdf")
        .unwrap()["seq"]
        .to_string();
    assert_code(
        &d.run(&[
            "case",
            "material",
            "remove",
            &case_no,
            &seq,
            "--operator",
            "张三",
            "--reason",
            "",
        ]),
        2,
        "更正原因",
    );
    assert_ok(&d.run(&[
        "case",
        "material",
        "remove",
        &case_no,
        &seq,
        "--operator",
        "张三",
        "--reason",
        "重复提交",
    ]));
    let after = shown(&d);
    assert_eq!(after.as_array().unwrap().len(), n);
    assert!(after
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .all(|(i, x)| x["seq"] == i as u64 + 1));
    assert_code(
        &material(&d, &["remove", &case_no, "99", "--reason", "x"]),
        2,
        "没有第 99 份",
    );
    // Removing the only result material is allowed with a note saying
    // the check will fail (2-4-1); adding one back clears it.
    let result_seq = after
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["category"] == "结果性")
        .unwrap()["seq"]
        .to_string();
    let r = json(&material(
        &d,
        &["remove", &case_no, &result_seq, "--reason", "错放"],
    ));
    assert!(r["notes"].to_string().contains("2-4-1"), "{r}");
    assert_ok(&material(
        &d,
        &[
            "add",
            &case_no,
            other.to_str().unwrap(),
            "--category",
            "结果性",
        ],
    ));
    // What was collected packages and checks cleanly.
    package_all(&d);
    assert_code(&d.run(&["check", "--all"]), 0, "合格");
}

#[test]
fn a_retention_correction_renumbers_and_a_batched_case_is_refused() {
    let d = checked_hall(2);
    let cases = json(&d.run(&["cases", "--json"]));
    let case_no = cases[0]["case_no"].as_str().unwrap().to_string();
    let efile_no = cases[0]["efile_no"].as_str().unwrap().to_string();
    let other = if efile_no.contains("-Y-") { "D30" } else { "Y" };
    let r = json(&edit(
        &d,
        &case_no,
        &[&format!("retention={other}")],
        "保管期限定错",
    ));
    assert_eq!(r["previous_efile_no"], efile_no.as_str(), "{r}");
    assert!(
        r["efile_no"]
            .as_str()
            .unwrap()
            .contains(&format!("-{other}-")),
        "{r}"
    );
    package_all(&d);
    assert_code(&d.run(&["check", "--all"]), 0, "合格");

    // Batched: its package is in a signed manifest.
    let b = create_batch(&d);
    assert!(b["batch_no"].is_string(), "{b}");
    let o = edit(&d, &case_no, &["case_name=再改"], "x");
    assert_code(&o, 2, "已组批");
    assert!(text(&o).contains("批次清单已签名"), "{}", text(&o));
    let unknown = edit(&d, "NO-SUCH-CASE", &["case_name=x"], "x");
    assert_code(&unknown, 2, "没有办件编号为 NO-SUCH-CASE");
}
