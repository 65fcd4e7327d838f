//! Integration tests of collection: real folders, a real SQLite catalog and
//! store in a temp dir; every bad input proves nothing stored changed.

use std::path::{Path, PathBuf};

use guidang_catalog::{audit, cases, settings, Catalog, CatalogError};
use guidang_collect::{collect, CollectError, CollectOptions, CollectReport, Outcome, Store};
use guidang_core::{CancelFlag, CaseStatus, NoProgress, Role, Suite, UnitSettings};
use serde_json::{json, Value};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9,
];

/// A data directory with an initialised catalog and a store.
struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    cat: Catalog,
    store: Store,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("data")).unwrap();
        let mut cat = Catalog::open(&root.join("data/catalog.sqlite")).unwrap();
        cat.transaction(|tx| -> Result<(), CatalogError> {
            settings::init_unit(
                tx,
                &UnitSettings {
                    region: "430124".into(),
                    fonds: "0001".into(),
                    unit_name: "示范镇人民政府".into(),
                    org: None,
                    role: Role::Hall,
                    suite: Suite::Gm,
                },
            )?;
            audit::append(tx, "system", "init", "x", &json!({}))?;
            Ok(())
        })
        .unwrap();
        let store = Store::new(root.join("data/store"), Suite::Gm.digest());
        Env {
            _tmp: tmp,
            root,
            cat,
            store,
        }
    }

    fn run(&mut self, paths: &[&Path], replace: bool) -> Result<CollectReport, CollectError> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
        let opts = CollectOptions {
            replace,
            actor: "测试".into(),
        };
        collect(
            &mut self.cat,
            &self.store,
            &paths,
            &opts,
            &NoProgress,
            &CancelFlag::new(),
        )
    }

    fn one(&mut self, p: &Path) -> Outcome {
        let r = self.run(&[p], false).unwrap();
        assert_eq!(r.cases.len(), 1);
        r.cases[0].outcome.clone()
    }

    /// Everything stored: cases with materials, audit length, store blobs.
    fn snapshot(&self) -> (String, i64, Vec<String>) {
        let rows = cases::list(self.cat.db(), &Default::default()).unwrap();
        let mut all = Vec::new();
        for r in &rows {
            let ms = cases::materials(self.cat.db(), &r.case_no).unwrap();
            all.push(format!("{r:?} {ms:?}"));
        }
        let entries = audit::verify(self.cat.db()).unwrap().entries;
        let mut blobs = Vec::new();
        let mut stack = vec![self.root.join("data/store")];
        while let Some(d) = stack.pop() {
            if let Ok(rd) = std::fs::read_dir(&d) {
                for e in rd {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p)
                    } else {
                        blobs.push(p.display().to_string())
                    }
                }
            }
        }
        blobs.sort();
        (all.join("\n"), entries, blobs)
    }

    fn case_dir(&self, name: &str) -> PathBuf {
        self.root.join("export").join(name)
    }
}

/// A valid case.json value for `case_no`.
fn meta(case_no: &str) -> Value {
    json!({
        "format": "guidang-case/1",
        "case_no": case_no,
        "case_name": "张三农村村民宅基地审批",
        "case_kind": "2",
        "item_code": "0100001005",
        "item_name": "农村村民宅基地审批",
        "item_type": "01",
        "applicant": {"name": "张三", "type": "1", "id_type": "111", "id_no": "11010519491231002X"},
        "accepting_unit": "示范镇便民服务中心",
        "accepted_at": "2025-03-01 09:30",
        "completed_at": "2025-03-20T16:00:00+08:00",
        "result": "准予许可",
        "retention": "Y",
        "secrecy": "非密",
        "materials": [
            {"category": "证据性", "file": "证据性材料/申请表.pdf"},
            {"category": "证据性", "file": "证据性材料/身份证.jpg"},
            {"category": "结果性", "file": "结果性材料/准予许可决定书.pdf"}
        ]
    })
}

/// Writes a case folder with the standard three files and `meta`.
fn write_case(dir: &Path, meta: &Value) {
    for (rel, data) in [
        ("证据性材料/申请表.pdf", PDF),
        ("证据性材料/身份证.jpg", JPEG),
        ("结果性材料/准予许可决定书.pdf", PDF),
    ] {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, [data, rel.as_bytes()].concat()).unwrap();
    }
    std::fs::write(
        dir.join("case.json"),
        serde_json::to_vec_pretty(meta).unwrap(),
    )
    .unwrap();
}

fn problems(o: &Outcome) -> String {
    match o {
        Outcome::Rejected { problems } => problems.join("\n"),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Asserts that collecting `dir` is rejected with a message containing
/// `needle`, and that nothing stored changed.
fn assert_rejected(env: &mut Env, dir: &Path, needle: &str) {
    let before = env.snapshot();
    let o = env.one(dir);
    let p = problems(&o);
    assert!(p.contains(needle), "expected “{needle}” in:\n{p}");
    assert_eq!(
        env.snapshot(),
        before,
        "a rejected case changed the catalog or store"
    );
}

/// An env holding one good case already, to prove rejections leave it alone.
fn env_with_one() -> Env {
    let mut env = Env::new();
    let d = env.case_dir("GOOD-0001");
    write_case(&d, &meta("GOOD-0001"));
    assert!(matches!(env.one(&d), Outcome::Added { .. }));
    env
}

#[test]
fn collects_a_case_with_efile_no_store_and_audit() {
    let mut env = Env::new();
    let d = env.case_dir("XK-0001");
    write_case(&d, &meta("XK-0001"));
    let original = std::fs::read(d.join("证据性材料/申请表.pdf")).unwrap();
    let o = env.one(&d);
    assert_eq!(
        o,
        Outcome::Added {
            efile_no: "430124-0001-0100001005-2025-Y-000001".into()
        }
    );
    let ms = cases::materials(env.cat.db(), "XK-0001").unwrap();
    assert_eq!(ms.len(), 3);
    assert_eq!((ms[0].seq, ms[0].format.as_str()), (1, "pdf"));
    assert_eq!(ms[1].format, "jpeg");
    assert_eq!(ms[2].category, "结果性");
    // The store holds exactly the bytes, under their SM3 address.
    for m in &ms {
        let blob = std::fs::read(env.store.blob_path(&m.digest)).unwrap();
        assert_eq!(guidang_core::DigestAlgo::Sm3.hex(&blob), m.digest);
        assert_eq!(blob.len() as u64, m.size);
    }
    // Originals untouched.
    assert_eq!(
        std::fs::read(d.join("证据性材料/申请表.pdf")).unwrap(),
        original
    );
    let log = audit::recent(env.cat.db(), 1).unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].subject.as_str()),
        ("collect", "XK-0001")
    );
    // The item was registered with the case's retention as default.
    let item = settings::item(env.cat.db(), "0100001005").unwrap().unwrap();
    assert_eq!(item.name, "农村村民宅基地审批");
}

#[test]
fn piece_numbers_count_up_per_item_year_and_retention() {
    let mut env = Env::new();
    for n in 1..=3 {
        let no = format!("XK-000{n}");
        write_case(&env.case_dir(&no), &meta(&no));
    }
    let r = env.run(&[&env.root.join("export")], false).unwrap();
    let efs: Vec<String> = r
        .cases
        .iter()
        .map(|c| match &c.outcome {
            Outcome::Added { efile_no } => efile_no.clone(),
            o => panic!("{o:?}"),
        })
        .collect();
    assert_eq!(
        efs,
        ["000001", "000002", "000003"].map(|p| format!("430124-0001-0100001005-2025-Y-{p}"))
    );
}

#[test]
fn collecting_again_changes_nothing() {
    let mut env = env_with_one();
    let before = env.snapshot();
    let o = env.one(&env.case_dir("GOOD-0001"));
    assert!(matches!(o, Outcome::Unchanged { .. }), "{o:?}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn conflicting_case_is_refused_then_replaced_on_request() {
    let mut env = env_with_one();
    let d = env.case_dir("GOOD-0001");
    let mut m = meta("GOOD-0001");
    m["result"] = json!("不予许可");
    write_case(&d, &m);
    let before = env.snapshot();
    match env.one(&d) {
        Outcome::Conflict { message } => {
            assert!(message.contains("--replace"), "{message}");
            assert!(message.contains("430124-0001-0100001005-2025-Y-000001"));
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(env.snapshot(), before);
    let r = env.run(&[&d], true).unwrap();
    assert_eq!(
        r.cases[0].outcome,
        Outcome::Replaced {
            efile_no: "430124-0001-0100001005-2025-Y-000001".into()
        }
    );
    let rows = cases::list(env.cat.db(), &Default::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].result, "不予许可");
    assert_eq!(
        audit::recent(env.cat.db(), 1).unwrap()[0].action,
        "recollect"
    );
}

#[test]
fn sealed_case_cannot_be_replaced() {
    let mut env = env_with_one();
    env.cat
        .transaction(|tx| -> Result<(), CatalogError> {
            let id = cases::find(tx.db(), "GOOD-0001")?.unwrap().id;
            cases::set_status(tx, id, CaseStatus::Sealed)
        })
        .unwrap();
    let d = env.case_dir("GOOD-0001");
    let mut m = meta("GOOD-0001");
    m["result"] = json!("不予许可");
    write_case(&d, &m);
    let before = env.snapshot();
    let r = env.run(&[&d], true).unwrap();
    match &r.cases[0].outcome {
        Outcome::Conflict { message } => assert!(message.contains("不能覆盖"), "{message}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(env.snapshot(), before);
}

#[test]
fn missing_fields_are_all_named() {
    let mut env = env_with_one();
    let d = env.case_dir("BAD-0001");
    let mut m = meta("BAD-0001");
    let o = m.as_object_mut().unwrap();
    o.remove("case_name");
    o.remove("accepting_unit");
    o["applicant"].as_object_mut().unwrap().remove("id_no");
    write_case(&d, &m);
    let before = env.snapshot();
    let p = problems(&env.one(&d));
    for f in [
        "办件名称（case_name）",
        "受理单位（accepting_unit）",
        "证件号码（applicant.id_no）",
    ] {
        assert!(p.contains(&format!("{f}：缺少此项")), "{f} not in\n{p}");
    }
    assert_eq!(env.snapshot(), before);
}

#[test]
fn bad_codes_dates_and_ids_are_refused() {
    let mut env = env_with_one();
    let cases_: &[(&str, Value, &str)] = &[
        (
            "item_type",
            json!("99"),
            "事项类型（item_type）：“99”不在代码范围内",
        ),
        (
            "retention",
            json!("D20"),
            "保管期限（retention）：“D20”不在代码范围内",
        ),
        (
            "case_kind",
            json!("3"),
            "办件类型（case_kind）：“3”不在代码范围内",
        ),
        ("completed_at", json!("2025-02-01 10:00"), "早于受理时间"),
        ("completed_at", json!("2099-01-01"), "晚于当前时间"),
        ("case_name", json!("名".repeat(201)), "超过上限200个字符"),
    ];
    for (i, (field, value, needle)) in cases_.iter().enumerate() {
        let no = format!("BAD-10{i}");
        let d = env.case_dir(&no);
        let mut m = meta(&no);
        m[*field] = value.clone();
        write_case(&d, &m);
        assert_rejected(&mut env, &d, needle);
    }
}

#[test]
fn id_check_characters_are_verified() {
    let mut env = env_with_one();
    let d = env.case_dir("BAD-0002");
    let mut m = meta("BAD-0002");
    m["applicant"]["id_no"] = json!("110105194912310021");
    write_case(&d, &m);
    assert_rejected(&mut env, &d, "居民身份证号码校验码错误");

    let d = env.case_dir("BAD-0003");
    let mut m = meta("BAD-0003");
    m["applicant"] = json!({"name": "示范县兴农农机专业合作社", "type": "2", "id_type": "001", "id_no": "9144030071526726XH"});
    write_case(&d, &m);
    assert_rejected(&mut env, &d, "统一社会信用代码校验码错误");
}

#[test]
fn classified_case_is_refused_with_the_secrecy_message() {
    let mut env = env_with_one();
    let d = env.case_dir("SECRET-01");
    let mut m = meta("SECRET-01");
    m["secrecy"] = json!("秘密");
    write_case(&d, &m);
    assert_rejected(&mut env, &d, "涉密电子文件须按保密管理规定");
}

#[test]
fn path_tricks_are_refused() {
    let mut env = env_with_one();
    std::fs::write(env.root.join("outside.pdf"), PDF).unwrap();
    for (i, file) in ["../../outside.pdf", "/etc/passwd", "C:\\Windows\\win.ini"]
        .iter()
        .enumerate()
    {
        let no = format!("TRICK-0{i}");
        let d = env.case_dir(&no);
        let mut m = meta(&no);
        m["materials"][0]["file"] = json!(file);
        write_case(&d, &m);
        let needle = if file.contains("..") {
            "含有“..”"
        } else {
            "绝对路径"
        };
        assert_rejected(&mut env, &d, needle);
    }
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_folder_is_refused_inside_is_followed() {
    let mut env = env_with_one();
    let secret = env.root.join("secret.pdf");
    std::fs::write(&secret, PDF).unwrap();
    let d = env.case_dir("LINK-0001");
    write_case(&d, &meta("LINK-0001"));
    std::fs::remove_file(d.join("证据性材料/申请表.pdf")).unwrap();
    std::os::unix::fs::symlink(&secret, d.join("证据性材料/申请表.pdf")).unwrap();
    assert_rejected(&mut env, &d, "指向办件文件夹之外的符号链接");

    // A link to another file inside the case folder is an ordinary file.
    std::fs::remove_file(d.join("证据性材料/申请表.pdf")).unwrap();
    std::fs::write(d.join("扫描件.pdf"), [PDF, b"inside"].concat()).unwrap();
    std::os::unix::fs::symlink(d.join("扫描件.pdf"), d.join("证据性材料/申请表.pdf")).unwrap();
    let mut m = meta("LINK-0001");
    m["materials"]
        .as_array_mut()
        .unwrap()
        .push(json!({"category": "证据性", "file": "扫描件.pdf"}));
    std::fs::write(d.join("case.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let o = env.one(&d);
    assert!(matches!(o, Outcome::Added { .. }), "{o:?}");
}

#[test]
fn zero_byte_material_is_refused() {
    let mut env = env_with_one();
    let d = env.case_dir("EMPTY-001");
    write_case(&d, &meta("EMPTY-001"));
    std::fs::write(d.join("结果性材料/准予许可决定书.pdf"), b"").unwrap();
    assert_rejected(&mut env, &d, "是空文件（0 字节）");
}

#[test]
fn missing_and_unlisted_files_are_refused() {
    let mut env = env_with_one();
    let d = env.case_dir("MISS-0001");
    write_case(&d, &meta("MISS-0001"));
    std::fs::remove_file(d.join("证据性材料/身份证.jpg")).unwrap();
    assert_rejected(&mut env, &d, "在办件文件夹中不存在");

    let d = env.case_dir("EXTRA-001");
    write_case(&d, &meta("EXTRA-001"));
    std::fs::write(d.join("证据性材料/补充说明.pdf"), PDF).unwrap();
    assert_rejected(&mut env, &d, "未在 case.json 的 materials 中登记");
}

#[test]
fn unknown_json_fields_and_broken_json_are_named() {
    let mut env = env_with_one();
    let d = env.case_dir("JSON-0001");
    let mut m = meta("JSON-0001");
    m["case_number"] = json!("typo");
    write_case(&d, &m);
    assert_rejected(&mut env, &d, "未知字段“case_number”");

    let d = env.case_dir("JSON-0002");
    write_case(&d, &meta("JSON-0002"));
    std::fs::write(d.join("case.json"), "{\"case_no\": \"JSON-0002\",").unwrap();
    assert_rejected(&mut env, &d, "不是有效的 JSON");
}

#[cfg(unix)]
#[test]
fn gbk_file_names_are_decoded_and_noted() {
    use std::os::unix::ffi::OsStrExt;
    let mut env = env_with_one();
    let d = env.case_dir("GBK-0001");
    let mut m = meta("GBK-0001");
    m["materials"] = json!([{"category": "结果性", "file": "结果性材料/准予许可决定书.pdf"}]);
    std::fs::create_dir_all(d.join("结果性材料")).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode("准予许可决定书.pdf");
    let name = std::ffi::OsStr::from_bytes(&gbk);
    std::fs::write(d.join("结果性材料").join(name), PDF).unwrap();
    std::fs::write(d.join("case.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let r = env.run(&[&d], false).unwrap();
    assert!(
        matches!(r.cases[0].outcome, Outcome::Added { .. }),
        "{:?}",
        r.cases[0]
    );
    assert!(r.cases[0].notes[0].contains("GBK"));
    let ms = cases::materials(env.cat.db(), "GBK-0001").unwrap();
    assert_eq!(ms[0].original_name, "准予许可决定书.pdf");

    // Bytes that are neither UTF-8 nor GBK are refused.
    let d = env.case_dir("GBK-0002");
    write_case(&d, &meta("GBK-0002"));
    std::fs::write(
        d.join("证据性材料")
            .join(std::ffi::OsStr::from_bytes(b"\xff\xfe\xff.pdf")),
        PDF,
    )
    .unwrap();
    assert_rejected(&mut env, &d, "既不是 UTF-8 也不是 GBK 编码");
}

#[test]
fn names_equal_after_normalisation_are_refused() {
    let mut env = env_with_one();
    let d = env.case_dir("NFC-0001");
    write_case(&d, &meta("NFC-0001"));
    // "é" precomposed and decomposed: two files on disk, one name in a package.
    std::fs::write(d.join("证据性材料/caf\u{e9}.pdf"), PDF).unwrap();
    std::fs::write(d.join("证据性材料/cafe\u{301}.pdf"), [PDF, b"2"].concat()).unwrap();
    assert_rejected(&mut env, &d, "Unicode 规范化后相同");
}

#[test]
fn decomposed_names_in_metadata_match_composed_files() {
    let mut env = Env::new();
    let d = env.case_dir("NFD-0001");
    let mut m = meta("NFD-0001");
    m["materials"] = json!([{"category": "结果性", "file": "结果性材料/cafe\u{301}.pdf"}]);
    std::fs::create_dir_all(d.join("结果性材料")).unwrap();
    std::fs::write(d.join("结果性材料/caf\u{e9}.pdf"), PDF).unwrap();
    std::fs::write(d.join("case.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    assert!(matches!(env.one(&d), Outcome::Added { .. }));
}

#[test]
fn materials_are_inferred_from_category_folders() {
    let mut env = Env::new();
    let d = env.case_dir("INFER-001");
    let mut m = meta("INFER-001");
    m.as_object_mut().unwrap().remove("materials");
    write_case(&d, &m);
    assert!(matches!(env.one(&d), Outcome::Added { .. }));
    let ms = cases::materials(env.cat.db(), "INFER-001").unwrap();
    let names: Vec<_> = ms
        .iter()
        .map(|m| (m.category.as_str(), m.original_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("证据性", "申请表.pdf"),
            ("证据性", "身份证.jpg"),
            ("结果性", "准予许可决定书.pdf")
        ]
    );

    let d = env.case_dir("INFER-002");
    write_case(&d, &{
        let mut m = meta("INFER-002");
        m.as_object_mut().unwrap().remove("materials");
        m
    });
    std::fs::write(d.join("杂项.pdf"), PDF).unwrap();
    assert_rejected(&mut env, &d, "无法判断类别");
}

const LEDGER_HEAD: &str = "办件编号,办件名称,办件类型,事项编码,事项名称,事项类型,申请人名称,申请人类型,证件类型,证件号码,受理单位,受理时间,办结时间,办理结果,保管期限,密级\n";

fn ledger_row(no: &str) -> String {
    format!("{no},李四生育登记,1,2000013002,生育登记服务,20,李四,1,111,11010519491231002X,示范镇便民服务中心,2025/4/1 9:00,2025/4/1 9:20,办结,D10,非密\n")
}

fn ledger_case(base: &Path, no: &str) {
    let d = base.join(no).join("结果性材料");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("生育服务登记证明.pdf"),
        [PDF, no.as_bytes()].concat(),
    )
    .unwrap();
}

#[test]
fn utf8_and_gbk_ledgers_are_collected() {
    let mut env = Env::new();
    let base = env.root.join("ledger");
    for no in ["SY-0001", "SY-0002"] {
        ledger_case(&base, no);
    }
    let text = format!("{LEDGER_HEAD}{}", ledger_row("SY-0001"));
    std::fs::write(base.join("台账.csv"), format!("\u{feff}{text}")).unwrap();
    let o = env.one(&base.join("台账.csv"));
    assert!(matches!(o, Outcome::Added { .. }), "{o:?}");

    let text = format!("{LEDGER_HEAD}{}", ledger_row("SY-0002"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(base.join("台账-gbk.csv"), &gbk).unwrap();
    let o = env.one(&base.join("台账-gbk.csv"));
    assert!(matches!(o, Outcome::Added { .. }), "{o:?}");
    let rows = cases::list(env.cat.db(), &Default::default()).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.applicant_name == "李四"));
}

#[test]
fn ledger_with_unknown_column_is_refused_whole() {
    let mut env = env_with_one();
    let base = env.root.join("ledger");
    ledger_case(&base, "SY-0003");
    let text = LEDGER_HEAD.replace("密级", "秘级") + &ledger_row("SY-0003");
    std::fs::write(base.join("台账.csv"), text).unwrap();
    let before = env.snapshot();
    match env.run(&[&base.join("台账.csv")], false) {
        Err(e @ CollectError::Ledger { .. }) => {
            assert!(e.to_string().contains("未知的列“秘级”"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.snapshot(), before);
}

#[test]
fn missing_path_and_empty_tree_are_errors() {
    let mut env = Env::new();
    match env.run(&[&env.root.join("nope")], false) {
        Err(e @ CollectError::NotFound(_)) => assert!(e.to_string().contains("找不到路径")),
        other => panic!("{other:?}"),
    }
    std::fs::create_dir_all(env.root.join("empty/sub")).unwrap();
    assert!(matches!(
        env.run(&[&env.root.join("empty")], false),
        Err(CollectError::NoCases(_))
    ));
}

#[test]
fn one_bad_case_does_not_stop_the_others() {
    let mut env = Env::new();
    write_case(&env.case_dir("A-0001"), &meta("A-0001"));
    let mut bad = meta("B-0001");
    bad["retention"] = json!("X");
    write_case(&env.case_dir("B-0001"), &bad);
    write_case(&env.case_dir("C-0001"), &meta("C-0001"));
    let r = env.run(&[&env.root.join("export")], false).unwrap();
    assert_eq!((r.added(), r.failed()), (2, 1));
    assert_eq!(r.cases[1].case_no.as_deref(), Some("B-0001"));
}

#[test]
fn cancelled_run_keeps_finished_cases_only() {
    let mut env = Env::new();
    write_case(&env.case_dir("A-0001"), &meta("A-0001"));
    let cancel = CancelFlag::new();
    cancel.cancel();
    let opts = CollectOptions::default();
    let r = collect(
        &mut env.cat,
        &env.store,
        &[env.root.join("export")],
        &opts,
        &NoProgress,
        &cancel,
    );
    assert!(matches!(r, Err(CollectError::Cancelled)));
    assert!(cases::list(env.cat.db(), &Default::default())
        .unwrap()
        .is_empty());
}
