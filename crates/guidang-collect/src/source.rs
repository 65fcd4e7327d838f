//! Where cases come from: a case folder (`case.json` plus materials), an
//! export tree of many case folders, or a CSV ledger (办件台账) with one row
//! per case. The formats are specified in `docs/collect-format.md`.

use std::path::{Path, PathBuf};

use guidang_core::{CaseInput, MaterialInput};
use serde_json::Value;

use crate::CollectError;

/// Name of the metadata file in a case folder.
pub const CASE_FILE: &str = "case.json";
/// Format tag of `case.json`.
pub const CASE_FORMAT: &str = "guidang-case/1";

/// One case found, not yet validated.
#[derive(Debug, Clone)]
pub struct Found {
    /// Where it came from, for messages (`path/case.json` or `ledger.csv 第3行`).
    pub label: String,
    /// The folder holding its materials.
    pub folder: PathBuf,
    /// The metadata, or the problems that made it unreadable.
    pub input: Result<CaseInput, Vec<String>>,
    /// Whether `materials` was listed explicitly (otherwise inferred from
    /// the category folders).
    pub explicit_materials: bool,
}

const TOP_KEYS: &[&str] = &[
    "format",
    "case_no",
    "case_name",
    "case_kind",
    "item_code",
    "item_name",
    "item_type",
    "applicant",
    "accepting_unit",
    "accepted_at",
    "completed_at",
    "result",
    "result_license_no",
    "retention",
    "secrecy",
    "materials",
];
const APPLICANT_KEYS: &[&str] = &["name", "type", "id_type", "id_no"];
const MATERIAL_KEYS: &[&str] = &["category", "file", "title"];

fn scalar(v: Option<&Value>, key: &str, problems: &mut Vec<String>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            problems.push(format!("字段 {key} 应为文本"));
            None
        }
    }
}

fn unknown_keys(
    obj: &serde_json::Map<String, Value>,
    allowed: &[&str],
    at: &str,
    problems: &mut Vec<String>,
) {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            problems.push(format!(
                "{at}有未知字段“{k}”（可能是拼写错误）；允许的字段：{}",
                allowed.join("、")
            ));
        }
    }
}

/// Parses `case.json`. Returns the input and whether materials were listed.
pub fn parse_case_json(bytes: &[u8]) -> Result<(CaseInput, bool), Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| vec!["case.json 不是 UTF-8 编码；请以 UTF-8 保存".to_string()])?;
    let v: Value = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "case.json 不是有效的 JSON（第{}行第{}列附近）；请检查括号、引号和逗号",
            e.line(),
            e.column()
        )]
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| vec!["case.json 的最外层应为一个对象 {…}".to_string()])?;
    let mut p = Vec::new();
    unknown_keys(obj, TOP_KEYS, "case.json ", &mut p);
    match obj.get("format").and_then(Value::as_str) {
        Some(CASE_FORMAT) | None => {}
        Some(other) => p.push(format!(
            "case.json 的格式版本“{other}”不受支持（本程序支持 {CASE_FORMAT}）；请升级归档通"
        )),
    }
    let s = |k: &str, p: &mut Vec<String>| scalar(obj.get(k), k, p);
    let mut input = CaseInput {
        case_no: s("case_no", &mut p),
        case_name: s("case_name", &mut p),
        case_kind: s("case_kind", &mut p),
        item_code: s("item_code", &mut p),
        item_name: s("item_name", &mut p),
        item_type: s("item_type", &mut p),
        accepting_unit: s("accepting_unit", &mut p),
        accepted_at: s("accepted_at", &mut p),
        completed_at: s("completed_at", &mut p),
        result: s("result", &mut p),
        result_license_no: s("result_license_no", &mut p),
        retention: s("retention", &mut p),
        secrecy: s("secrecy", &mut p),
        ..Default::default()
    };
    match obj.get("applicant") {
        None | Some(Value::Null) => {}
        Some(Value::Object(a)) => {
            unknown_keys(a, APPLICANT_KEYS, "applicant ", &mut p);
            input.applicant_name = scalar(a.get("name"), "applicant.name", &mut p);
            input.applicant_type = scalar(a.get("type"), "applicant.type", &mut p);
            input.applicant_id_type = scalar(a.get("id_type"), "applicant.id_type", &mut p);
            input.applicant_id_no = scalar(a.get("id_no"), "applicant.id_no", &mut p);
        }
        Some(_) => p.push("applicant 应为对象 {name, type, id_type, id_no}".into()),
    }
    let explicit = match obj.get("materials") {
        None | Some(Value::Null) => false,
        Some(Value::Array(ms)) => {
            for (i, m) in ms.iter().enumerate() {
                let at = format!("materials 第{}项", i + 1);
                match m.as_object() {
                    Some(m) => {
                        unknown_keys(m, MATERIAL_KEYS, &format!("{at} "), &mut p);
                        input.materials.push(MaterialInput {
                            category: scalar(m.get("category"), "category", &mut p),
                            file: scalar(m.get("file"), "file", &mut p),
                            title: scalar(m.get("title"), "title", &mut p),
                        });
                    }
                    None => p.push(format!("{at}应为对象 {{category, file, title}}")),
                }
            }
            true
        }
        Some(_) => {
            p.push("materials 应为数组 [...]".into());
            true
        }
    };
    if p.is_empty() {
        Ok((input, explicit))
    } else {
        Err(p)
    }
}

/// Ledger columns: Chinese header, English alias, setter.
type Setter = fn(&mut CaseInput, String);
const LEDGER_COLUMNS: &[(&str, &str, Setter)] = &[
    ("办件编号", "case_no", |c, v| c.case_no = Some(v)),
    ("办件名称", "case_name", |c, v| c.case_name = Some(v)),
    ("办件类型", "case_kind", |c, v| c.case_kind = Some(v)),
    ("事项编码", "item_code", |c, v| c.item_code = Some(v)),
    ("事项名称", "item_name", |c, v| c.item_name = Some(v)),
    ("事项类型", "item_type", |c, v| c.item_type = Some(v)),
    ("申请人名称", "applicant_name", |c, v| {
        c.applicant_name = Some(v)
    }),
    ("申请人类型", "applicant_type", |c, v| {
        c.applicant_type = Some(v)
    }),
    ("证件类型", "applicant_id_type", |c, v| {
        c.applicant_id_type = Some(v)
    }),
    ("证件号码", "applicant_id_no", |c, v| {
        c.applicant_id_no = Some(v)
    }),
    ("受理单位", "accepting_unit", |c, v| {
        c.accepting_unit = Some(v)
    }),
    ("受理时间", "accepted_at", |c, v| {
        c.accepted_at = Some(v)
    }),
    ("办结时间", "completed_at", |c, v| {
        c.completed_at = Some(v)
    }),
    ("办理结果", "result", |c, v| c.result = Some(v)),
    ("结果证照编号", "result_license_no", |c, v| {
        c.result_license_no = Some(v)
    }),
    ("保管期限", "retention", |c, v| c.retention = Some(v)),
    ("密级", "secrecy", |c, v| c.secrecy = Some(v)),
];
const FOLDER_COLUMN: (&str, &str) = ("材料目录", "folder");

/// Reads a CSV ledger: UTF-8 (with or without BOM) or, as Excel on Chinese
/// Windows saves it, GBK. Materials of each row are in the folder named by
/// the `材料目录` column (default: the 办件编号) beside the ledger.
pub fn parse_ledger(path: &Path) -> Result<Vec<Found>, CollectError> {
    let raw = std::fs::read(path).map_err(CollectError::io(path))?;
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw);
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(raw);
            if bad {
                return Err(CollectError::Ledger {
                    path: path.into(),
                    message: "既不是 UTF-8 也不是 GBK 编码；请用 Excel“另存为 CSV UTF-8”后重试"
                        .into(),
                });
            }
            t.into_owned()
        }
    };
    let ledger_err = |message: String| CollectError::Ledger {
        path: path.into(),
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ledger_err(format!("表头无法读取：{e}")))?
        .clone();
    let mut setters: Vec<Option<Setter>> = Vec::new();
    let mut folder_col = None;
    let mut unknown = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if h == FOLDER_COLUMN.0 || h == FOLDER_COLUMN.1 {
            folder_col = Some(i);
            setters.push(None);
        } else if let Some((_, _, f)) = LEDGER_COLUMNS
            .iter()
            .find(|(zh, en, _)| h == *zh || h == *en)
        {
            setters.push(Some(*f));
        } else {
            unknown.push(h.to_string());
            setters.push(None);
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = LEDGER_COLUMNS.iter().map(|c| c.0).collect();
        return Err(ledger_err(format!(
            "未知的列“{}”；允许的列：{}、{}",
            unknown.join("、"),
            known.join("、"),
            FOLDER_COLUMN.0
        )));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let line = n + 2;
        let label = format!("{name} 第{line}行");
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.push(Found {
                    label,
                    folder: base.to_path_buf(),
                    input: Err(vec![format!("该行无法解析：{e}")]),
                    explicit_materials: false,
                });
                continue;
            }
        };
        let mut input = CaseInput::default();
        for (i, v) in rec.iter().enumerate() {
            if let Some(Some(f)) = setters.get(i) {
                if !v.trim().is_empty() {
                    f(&mut input, v.to_string());
                }
            }
        }
        let folder_name = folder_col
            .and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| input.case_no.clone());
        let (folder, input) = match folder_name.map(|f| guidang_core::validate::safe_rel_path(&f)) {
            Some(Ok(rel)) => (base.join(rel), Ok(input)),
            Some(Err(m)) => (base.to_path_buf(), Err(vec![format!("材料目录：{m}")])),
            None => (
                base.to_path_buf(),
                Err(vec!["缺少办件编号，无法确定材料目录".into()]),
            ),
        };
        out.push(Found {
            label,
            folder,
            input,
            explicit_materials: false,
        });
    }
    Ok(out)
}

/// Finds every case under the given paths, in a stable order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Found>, CollectError> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(CollectError::NotFound(p.clone()));
        }
        let before = out.len();
        if p.is_file() {
            if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                out.extend(parse_ledger(p)?);
            } else if p.file_name().is_some_and(|n| n == CASE_FILE) {
                out.push(read_case_folder(p.parent().unwrap_or(Path::new("."))));
            }
        } else {
            walk_tree(p, &mut out)?;
        }
        if out.len() == before {
            return Err(CollectError::NoCases(p.clone()));
        }
    }
    Ok(out)
}

fn read_case_folder(dir: &Path) -> Found {
    let json = dir.join(CASE_FILE);
    let label = json.display().to_string();
    let parsed = std::fs::read(&json)
        .map_err(|e| vec![format!("无法读取 {label}：{e}")])
        .and_then(|b| parse_case_json(&b));
    let (input, explicit) = match parsed {
        Ok((i, e)) => (Ok(i), e),
        Err(p) => (Err(p), false),
    };
    Found {
        label,
        folder: dir.to_path_buf(),
        input,
        explicit_materials: explicit,
    }
}

fn walk_tree(dir: &Path, out: &mut Vec<Found>) -> Result<(), CollectError> {
    if dir.join(CASE_FILE).is_file() {
        out.push(read_case_folder(dir));
        return Ok(());
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(CollectError::io(dir))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk_tree(&d, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_json_unknown_fields_and_types_are_named() {
        let e = parse_case_json(br#"{"case_number": "x", "applicant": 3, "materials": {}}"#)
            .unwrap_err();
        let all = e.join("\n");
        assert!(all.contains("未知字段“case_number”"), "{all}");
        assert!(all.contains("applicant 应为对象"), "{all}");
        assert!(all.contains("materials 应为数组"), "{all}");
        let e = parse_case_json(b"{\"case_no\": ").unwrap_err();
        assert!(e[0].contains("不是有效的 JSON"));
    }

    #[test]
    fn numbers_are_accepted_as_codes() {
        let (i, explicit) =
            parse_case_json("\u{feff}{\"case_kind\": 1, \"materials\": []}".as_bytes()).unwrap();
        assert_eq!(i.case_kind.as_deref(), Some("1"));
        assert!(explicit);
    }
}
