//! Collection: exit codes, JSON report, due cases, the documented samples.

use std::path::Path;

use serde_json::Value;

use crate::util::*;

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
