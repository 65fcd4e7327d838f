//! Validation of case metadata and unit settings with field-level Chinese
//! messages. Validation never stops at the first problem: it returns every
//! field error at once so a clerk can fix a case in one go.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use unicode_normalization::UnicodeNormalization;

use crate::codes::*;
use crate::ids::{check_citizen_id, check_uscc};
use crate::model::*;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field, as `中文名（json_key）`.
    pub field: String,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
}

/// Every problem found in one record.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }
    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}：{}", e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// China Standard Time, assumed for times written without an offset.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Parses a time as halls write them: RFC 3339, `YYYY-MM-DD HH:MM[:SS]`,
/// `YYYY/MM/DD HH:MM[:SS]` (Excel) or a bare date; no offset means +08:00.
pub fn parse_time(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    let norm = s.replace('/', "-").replace('T', " ");
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&norm, fmt) {
            return cst()
                .from_local_datetime(&n)
                .single()
                .ok_or_else(|| format!("时间“{s}”无效"));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&norm, "%Y-%m-%d") {
        let n = d.and_hms_opt(0, 0, 0).expect("midnight");
        return Ok(cst()
            .from_local_datetime(&n)
            .single()
            .expect("fixed offset"));
    }
    Err(format!(
        "无法识别的时间“{s}”，请写成 2024-03-01 09:30:00 或 2024-03-01T09:30:00+08:00 的形式"
    ))
}

/// Normalises and checks a material path relative to its case folder:
/// `\` becomes `/`, Unicode becomes NFC; absolute paths, drive letters, `..`
/// and empty parts are refused.
pub fn safe_rel_path(s: &str) -> Result<String, String> {
    let s: String = s.trim().replace('\\', "/").nfc().collect();
    if s.is_empty() {
        return Err("文件路径为空".into());
    }
    if s.starts_with('/') || s.as_bytes().get(1) == Some(&b':') {
        return Err(format!(
            "文件路径“{s}”是绝对路径；请填写相对于办件文件夹的路径"
        ));
    }
    for part in s.split('/') {
        if part == ".." {
            return Err(format!(
                "文件路径“{s}”含有“..”，指向办件文件夹之外；请只引用办件文件夹内的文件"
            ));
        }
        if part.is_empty() || part == "." {
            return Err(format!("文件路径“{s}”含有空的或“.”的路径段"));
        }
        if part.chars().any(char::is_control) {
            return Err(format!("文件路径“{s}”含有控制字符"));
        }
    }
    Ok(s)
}

struct Checker<'a> {
    errs: ValidationErrors,
    input: &'a CaseInput,
}

impl Checker<'_> {
    /// A required text field: present, not blank, within `max` characters,
    /// without control characters.
    fn text(&mut self, field: &str, v: &Option<String>, max: usize) -> Option<String> {
        match v.as_deref().map(str::trim) {
            None | Some("") => {
                self.errs.push(field, "缺少此项，请填写");
                None
            }
            Some(t) => self.bounded(field, t, max),
        }
    }
    fn optional_text(&mut self, field: &str, v: &Option<String>, max: usize) -> Option<String> {
        match v.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => self.bounded(field, t, max),
        }
    }
    fn bounded(&mut self, field: &str, t: &str, max: usize) -> Option<String> {
        let n = t.chars().count();
        if n > max {
            self.errs.push(
                field,
                format!("长度为{n}个字符，超过上限{max}个字符，请精简"),
            );
            None
        } else if t.chars().any(char::is_control) {
            self.errs.push(field, "含有换行或控制字符，请删除");
            None
        } else {
            Some(t.nfc().collect())
        }
    }
    fn code<T>(
        &mut self,
        field: &str,
        v: &Option<String>,
        parse: fn(&str) -> Option<T>,
        domain: String,
    ) -> Option<T> {
        let t = self.text(field, v, 32)?;
        let r = parse(&t);
        if r.is_none() {
            self.errs
                .push(field, format!("“{t}”不在代码范围内，可选值：{domain}"));
        }
        r
    }
    fn time(
        &mut self,
        field: &str,
        v: &Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Option<DateTime<FixedOffset>> {
        let t = self.text(field, v, 40)?;
        match parse_time(&t) {
            Ok(x) if x > now + chrono::Duration::minutes(5) => {
                self.errs.push(
                    field,
                    format!("时间 {t} 晚于当前时间，请核对日期或本机时钟"),
                );
                None
            }
            Ok(x) => Some(x),
            Err(m) => {
                self.errs.push(field, m);
                None
            }
        }
    }

    /// The item's name and type: taken from the unit's item list when the
    /// code is known there (and checked against what the input says),
    /// otherwise required in the input.
    fn item(&mut self, known_item: Option<&ServiceItem>) -> (Option<String>, Option<ItemType>) {
        use fields::*;
        let i = self.input;
        let c = self;
        match known_item {
            Some(k) => {
                let name = c.optional_text(ITEM_NAME, &i.item_name, 200);
                if let Some(n) = &name {
                    if *n != k.name {
                        c.errs.push(
                            ITEM_NAME,
                            format!(
                                "与本单位事项清单中该编码的名称“{}”不一致；请核对事项编码或名称",
                                k.name
                            ),
                        );
                    }
                }
                let ty = match i
                    .item_type
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    None => Some(k.item_type),
                    Some(_) => c.code(
                        ITEM_TYPE,
                        &i.item_type,
                        ItemType::from_code,
                        ItemType::domain(),
                    ),
                };
                if let Some(t) = ty {
                    if t != k.item_type {
                        c.errs.push(
                            ITEM_TYPE,
                            format!(
                                "与本单位事项清单中该事项的类型 {}（{}）不一致",
                                k.item_type.code(),
                                k.item_type.label()
                            ),
                        );
                    }
                }
                (Some(k.name.clone()), Some(k.item_type))
            }
            None => (
                c.text(ITEM_NAME, &i.item_name, 200),
                c.code(
                    ITEM_TYPE,
                    &i.item_type,
                    ItemType::from_code,
                    ItemType::domain(),
                ),
            ),
        }
    }

    /// The materials: at least one, each with a category, a safe relative
    /// path registered once, and a title (the file name when none is given).
    fn materials(&mut self) -> Vec<MaterialSpec> {
        use fields::*;
        let i = self.input;
        let c = self;
        let mut materials = Vec::new();
        if i.materials.is_empty() {
            c.errs.push(
                MATERIALS,
                "办件没有任何材料；每个办件至少应有一份材料（通常包括结果性材料）",
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (n, m) in i.materials.iter().enumerate() {
            let field = format!("第{}份材料", n + 1);
            let category = match m.category.as_deref().map(str::trim) {
                None | Some("") => {
                    c.errs.push(
                        &field,
                        "缺少材料类别（category），请填写 证据性、程序性 或 结果性",
                    );
                    None
                }
                Some(t) => {
                    let r = Category::from_code(t);
                    if r.is_none() {
                        c.errs.push(
                            &field,
                            format!("材料类别“{t}”无效，可选值：证据性、程序性、结果性"),
                        );
                    }
                    r
                }
            };
            let path = match m.file.as_deref() {
                None => {
                    c.errs.push(&field, "缺少文件路径（file）");
                    None
                }
                Some(f) => match safe_rel_path(f) {
                    Ok(p) => {
                        if !seen.insert(p.clone()) {
                            c.errs.push(&field, format!("文件“{p}”被重复登记"));
                        }
                        Some(p)
                    }
                    Err(e) => {
                        c.errs.push(&field, e);
                        None
                    }
                },
            };
            let title = c.optional_text(&format!("{field}的标准名称（title）"), &m.title, 200);
            if let (Some(category), Some(rel_path)) = (category, path) {
                let title = title.unwrap_or_else(|| {
                    let base = rel_path.rsplit('/').next().unwrap_or(&rel_path);
                    base.rsplit_once('.')
                        .map(|(s, _)| s)
                        .unwrap_or(base)
                        .to_string()
                });
                materials.push(MaterialSpec {
                    category,
                    rel_path,
                    title,
                });
            }
        }
        materials
    }
}

/// Field names as shown in messages.
pub mod fields {
    #![allow(missing_docs)]
    pub const CASE_NO: &str = "办件编号（case_no）";
    pub const CASE_NAME: &str = "办件名称（case_name）";
    pub const CASE_KIND: &str = "办件类型（case_kind）";
    pub const ITEM_CODE: &str = "事项编码（item_code）";
    pub const ITEM_NAME: &str = "事项名称（item_name）";
    pub const ITEM_TYPE: &str = "事项类型（item_type）";
    pub const APPLICANT_NAME: &str = "申请人名称（applicant.name）";
    pub const APPLICANT_TYPE: &str = "申请人类型（applicant.type）";
    pub const ID_TYPE: &str = "证件类型（applicant.id_type）";
    pub const ID_NO: &str = "证件号码（applicant.id_no）";
    pub const ACCEPTING_UNIT: &str = "受理单位（accepting_unit）";
    pub const ACCEPTED_AT: &str = "受理时间（accepted_at）";
    pub const COMPLETED_AT: &str = "办结时间（completed_at）";
    pub const RESULT: &str = "办理结果（result）";
    pub const LICENSE_NO: &str = "结果证照编号（result_license_no）";
    pub const RETENTION: &str = "保管期限（retention）";
    pub const SECRECY: &str = "密级（secrecy）";
    pub const MATERIALS: &str = "材料（materials）";
}

fn is_code_chars(s: &str, extra: &[char]) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// The message for classified records, which this system must not hold.
pub const CLASSIFIED_MESSAGE: &str =
    "涉密办件不得通过本系统归档：涉密电子文件须按保密管理规定在涉密系统中处理。请将其从导出目录中移出";

/// Validates a case. `known_item` is the catalog's entry for the case's item
/// code, if any: it supplies the item name, type and default retention when
/// the input omits them, and must agree with them when given.
///
/// Long by design: one rule per field of `case.json`, in the file's order,
/// every finding collected; splitting it would scatter the rules a clerk
/// reads together.
pub fn validate_case(
    input: &CaseInput,
    known_item: Option<&ServiceItem>,
    now: DateTime<FixedOffset>,
) -> Result<CaseRecord, ValidationErrors> {
    use fields::*;
    let mut c = Checker {
        errs: ValidationErrors::default(),
        input,
    };
    let i = c.input;

    // Secrecy first: a classified case is refused whatever else it holds.
    let secrecy = c.code(SECRECY, &i.secrecy, Secrecy::from_code, Secrecy::domain());
    if let Some(s) = secrecy {
        if !s.is_unclassified() {
            return Err(ValidationErrors(vec![FieldError {
                field: SECRECY.into(),
                message: format!("密级为“{}”。{CLASSIFIED_MESSAGE}", s.label()),
            }]));
        }
    }

    let case_no = c.text(CASE_NO, &i.case_no, 64).filter(|s| {
        let ok = s.len() >= 4 && is_code_chars(s, &['-', '_']);
        if !ok {
            c.errs
                .push(CASE_NO, "办件编号应为4至64位字母、数字、连字符或下划线");
        }
        ok
    });
    let case_name = c.text(CASE_NAME, &i.case_name, 200);
    let case_kind = c.code(
        CASE_KIND,
        &i.case_kind,
        CaseKind::from_code,
        CaseKind::domain(),
    );

    let item_code = c.text(ITEM_CODE, &i.item_code, 32).filter(|s| {
        let ok = s.len() >= 4 && is_code_chars(s, &[]);
        if !ok {
            c.errs
                .push(ITEM_CODE, "事项编码应为4至32位字母或数字（不含连字符）");
        }
        ok
    });
    let (item_name, item_type) = c.item(known_item);

    let applicant_name = c.text(APPLICANT_NAME, &i.applicant_name, 100);
    let applicant_type = c.code(
        APPLICANT_TYPE,
        &i.applicant_type,
        ApplicantType::from_code,
        ApplicantType::domain(),
    );
    let id_type = c.code(
        ID_TYPE,
        &i.applicant_id_type,
        IdType::from_code,
        IdType::domain(),
    );
    let id_no = c
        .text(ID_NO, &i.applicant_id_no, 40)
        .map(|s| s.to_ascii_uppercase());
    if let (Some(t), Some(no)) = (id_type, &id_no) {
        let r = match t {
            IdType::ResidentId => check_citizen_id(no),
            IdType::Uscc => check_uscc(no),
            _ => Ok(()),
        };
        if let Err(m) = r {
            c.errs.push(ID_NO, m);
        }
        if t == IdType::Uscc && applicant_type == Some(ApplicantType::Person) {
            c.errs.push(
                ID_TYPE,
                "自然人申请人不应使用统一社会信用代码，请核对申请人类型或证件类型",
            );
        }
    }

    let accepting_unit = c.text(ACCEPTING_UNIT, &i.accepting_unit, 100);
    let accepted_at = c.time(ACCEPTED_AT, &i.accepted_at, now);
    let completed_at = c.time(COMPLETED_AT, &i.completed_at, now);
    if let (Some(a), Some(b)) = (accepted_at, completed_at) {
        if b < a {
            c.errs.push(
                COMPLETED_AT,
                format!(
                    "办结时间 {} 早于受理时间 {}，请核对",
                    b.format("%Y-%m-%d %H:%M"),
                    a.format("%Y-%m-%d %H:%M")
                ),
            );
        }
    }
    let result = c.text(RESULT, &i.result, 200);
    let license = c.optional_text(LICENSE_NO, &i.result_license_no, 64);

    let retention = match (
        i.retention
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        known_item,
    ) {
        (None, Some(k)) => Some(k.default_retention),
        _ => c.code(
            RETENTION,
            &i.retention,
            Retention::from_code,
            Retention::domain(),
        ),
    };

    let materials = c.materials();

    if !c.errs.is_empty() {
        return Err(c.errs);
    }
    // Every Option is Some when no error was recorded.
    Ok(CaseRecord {
        case_no: case_no.expect("checked"),
        case_name: case_name.expect("checked"),
        case_kind: case_kind.expect("checked"),
        item: ServiceItem {
            code: item_code.expect("checked"),
            name: item_name.expect("checked"),
            item_type: item_type.expect("checked"),
            default_retention: known_item
                .map(|k| k.default_retention)
                .or(retention)
                .expect("checked"),
        },
        applicant: Applicant {
            name: applicant_name.expect("checked"),
            kind: applicant_type.expect("checked"),
            id_type: id_type.expect("checked"),
            id_no: id_no.expect("checked"),
        },
        accepting_unit: accepting_unit.expect("checked"),
        accepted_at: accepted_at.expect("checked"),
        completed_at: completed_at.expect("checked"),
        result: result.expect("checked"),
        result_license_no: license,
        retention: retention.expect("checked"),
        secrecy: secrecy.expect("checked"),
        materials,
    })
}

/// Validates the unit settings given at `init`.
pub fn validate_unit(region: &str, fonds: &str, unit_name: &str) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    if region.len() != 6 || !region.bytes().all(|b| b.is_ascii_digit()) {
        e.push(
            "行政区划码（--region）",
            format!("“{region}”不是6位数字的行政区划码，例如 430124"),
        );
    }
    if fonds.is_empty() || fonds.len() > 16 || !is_code_chars(fonds, &[]) {
        e.push(
            "全宗号（--fonds）",
            format!("“{fonds}”无效：全宗号应为1至16位字母或数字，例如 0002"),
        );
    }
    let n = unit_name.trim().chars().count();
    if n == 0 || n > 100 {
        e.push("立档单位名称（--unit）", "请填写1至100个字符的单位名称");
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        parse_time("2025-06-01 12:00:00").unwrap()
    }

    pub(crate) fn good() -> CaseInput {
        CaseInput {
            case_no: Some("XK2025000123".into()),
            case_name: Some("张三宅基地用地审批".into()),
            case_kind: Some("2".into()),
            item_code: Some("0100001005".into()),
            item_name: Some("农村村民宅基地审批".into()),
            item_type: Some("01".into()),
            applicant_name: Some("张三".into()),
            applicant_type: Some("1".into()),
            applicant_id_type: Some("111".into()),
            applicant_id_no: Some("11010519491231002X".into()),
            accepting_unit: Some("某镇便民服务中心".into()),
            accepted_at: Some("2025-03-01 09:30".into()),
            completed_at: Some("2025-03-20T16:00:00+08:00".into()),
            result: Some("准予许可".into()),
            result_license_no: None,
            retention: Some("D30".into()),
            secrecy: Some("非密".into()),
            materials: vec![MaterialInput {
                category: Some("结果性".into()),
                file: Some("结果性材料\\准予许可决定书.pdf".into()),
                title: None,
            }],
        }
    }

    #[test]
    fn a_good_case_validates() {
        let r = validate_case(&good(), None, now()).unwrap();
        assert_eq!(r.year(), 2025);
        assert_eq!(r.materials[0].rel_path, "结果性材料/准予许可决定书.pdf");
        assert_eq!(r.materials[0].title, "准予许可决定书");
        assert_eq!(r.retention, Retention::Years30);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut i = good();
        i.case_no = None;
        i.case_kind = Some("5".into());
        i.applicant_id_no = Some("110105194912310021".into());
        i.completed_at = Some("2025-02-01".into());
        i.retention = Some("D20".into());
        i.materials[0].file = Some("../etc/passwd".into());
        let e = validate_case(&i, None, now()).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                fields::CASE_NO,
                fields::CASE_KIND,
                fields::ID_NO,
                fields::COMPLETED_AT,
                fields::RETENTION,
                "第1份材料"
            ],
            "{e}"
        );
        assert!(e.to_string().contains("早于受理时间"));
        assert!(e.to_string().contains("D20"));
    }

    #[test]
    fn future_times_and_bad_formats_are_refused() {
        let mut i = good();
        i.completed_at = Some("2031-01-01".into());
        i.accepted_at = Some("昨天".into());
        let e = validate_case(&i, None, now()).unwrap_err().to_string();
        assert!(e.contains("晚于当前时间"), "{e}");
        assert!(e.contains("无法识别的时间"), "{e}");
    }

    #[test]
    fn classified_cases_are_refused_alone() {
        let mut i = good();
        i.secrecy = Some("秘密".into());
        i.case_no = None;
        let e = validate_case(&i, None, now()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert!(e.0[0].message.contains("涉密"));
    }

    #[test]
    fn known_item_fills_and_must_agree() {
        let k = ServiceItem {
            code: "0100001005".into(),
            name: "农村村民宅基地审批".into(),
            item_type: ItemType::Licensing,
            default_retention: Retention::Permanent,
        };
        let mut i = good();
        i.item_name = None;
        i.item_type = None;
        i.retention = None;
        let r = validate_case(&i, Some(&k), now()).unwrap();
        assert_eq!(r.retention, Retention::Permanent);
        assert_eq!(r.item.name, k.name);
        i.item_name = Some("别的名称".into());
        let e = validate_case(&i, Some(&k), now()).unwrap_err();
        assert!(e.to_string().contains("不一致"));
    }

    #[test]
    fn uscc_for_a_person_and_lengths() {
        let mut i = good();
        i.applicant_id_type = Some("001".into());
        i.applicant_id_no = Some("9144030071526726XG".into());
        i.case_name = Some("长".repeat(201));
        let e = validate_case(&i, None, now()).unwrap_err().to_string();
        assert!(e.contains("自然人申请人不应使用统一社会信用代码"), "{e}");
        assert!(e.contains("超过上限200个字符"), "{e}");
    }

    #[test]
    fn paths() {
        assert!(safe_rel_path("/abs/x.pdf")
            .unwrap_err()
            .contains("绝对路径"));
        assert!(safe_rel_path("C:\\x.pdf").unwrap_err().contains("绝对路径"));
        assert!(safe_rel_path("a//b.pdf").is_err());
        // NFD input is normalised to NFC.
        assert_eq!(safe_rel_path("e\u{301}.pdf").unwrap(), "\u{e9}.pdf");
    }

    #[test]
    fn unit_settings() {
        assert!(validate_unit("430124", "0002", "某镇").is_ok());
        let e = validate_unit("43012", "00-2", "").unwrap_err();
        assert_eq!(e.0.len(), 3);
    }
}
