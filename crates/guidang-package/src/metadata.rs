//! `元数据.xml`: the case metadata and the list of every material.
//!
//! Element names are the Chinese names of the metadata elements seen in
//! deployments (standards digest §4). The document holds nothing that
//! changes between two builds of the same case (no build time), so it is
//! byte-for-byte deterministic.

use guidang_core::{CaseInput, CaseRecord, MaterialInput};
use serde::{Deserialize, Serialize};

use crate::xml::{esc, parse, Node};
use crate::PACKAGE_FORMAT;

/// Case metadata as written into the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseMeta {
    /// 电子文件号.
    pub efile_no: String,
    /// 行政区划编码.
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// 立档单位名称.
    pub unit_name: String,
    /// 事项编码.
    pub item_code: String,
    /// 事项名称.
    pub item_name: String,
    /// 事项类型 code.
    pub item_type: String,
    /// 办件编号 (业务流水号).
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// 办件类型 code.
    pub case_kind: String,
    /// 申请人名称.
    pub applicant_name: String,
    /// 申请人类型 code.
    pub applicant_type: String,
    /// 证件类型 code.
    pub applicant_id_type: String,
    /// 证件号码.
    pub applicant_id_no: String,
    /// 受理单位.
    pub accepting_unit: String,
    /// 受理时间 (RFC 3339).
    pub accepted_at: String,
    /// 办结时间 (RFC 3339).
    pub completed_at: String,
    /// 办理结果.
    pub result: String,
    /// 结果证照编号.
    pub result_license_no: Option<String>,
    /// 保管期限 code.
    pub retention: String,
    /// 密级.
    pub secrecy: String,
    /// 年度.
    pub year: i32,
    /// 件号.
    pub piece_no: u32,
}

impl CaseMeta {
    /// The package's view of a stored case: the typed record written out
    /// with its codes, times in RFC 3339 (seconds, with offset), and what the
    /// catalog assigned to it.
    pub fn from_record(
        r: &CaseRecord,
        unit: &UnitIds<'_>,
        efile_no: &str,
        piece_no: u32,
    ) -> CaseMeta {
        let ts = |t: &chrono::DateTime<chrono::FixedOffset>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        };
        CaseMeta {
            efile_no: efile_no.into(),
            region: unit.region.into(),
            fonds: unit.fonds.into(),
            unit_name: unit.unit_name.into(),
            item_code: r.item.code.clone(),
            item_name: r.item.name.clone(),
            item_type: r.item.item_type.code().into(),
            case_no: r.case_no.clone(),
            case_name: r.case_name.clone(),
            case_kind: r.case_kind.code().into(),
            applicant_name: r.applicant.name.clone(),
            applicant_type: r.applicant.kind.code().into(),
            applicant_id_type: r.applicant.id_type.code().into(),
            applicant_id_no: r.applicant.id_no.clone(),
            accepting_unit: r.accepting_unit.clone(),
            accepted_at: ts(&r.accepted_at),
            completed_at: ts(&r.completed_at),
            result: r.result.clone(),
            result_license_no: r.result_license_no.clone(),
            retention: r.retention.code().into(),
            secrecy: r.secrecy.code().into(),
            year: r.year(),
            piece_no,
        }
    }

    /// A sample case (电子文件号 `430124-0001-0100001005-2025-Y-000001`, an
    /// applicant with a rare character, a valid ID number), for tests,
    /// previews and documentation.
    pub fn sample() -> CaseMeta {
        CaseMeta {
            efile_no: "430124-0001-0100001005-2025-Y-000001".into(),
            region: "430124".into(),
            fonds: "0001".into(),
            unit_name: "示范镇人民政府".into(),
            item_code: "0100001005".into(),
            item_name: "农村村民宅基地审批".into(),
            item_type: "01".into(),
            case_no: "430124-20250301-0001".into(),
            case_name: "张䶮农村村民宅基地审批".into(),
            case_kind: "2".into(),
            applicant_name: "张䶮".into(),
            applicant_type: "1".into(),
            applicant_id_type: "111".into(),
            applicant_id_no: "11010519491231002X".into(),
            accepting_unit: "示范镇便民服务中心".into(),
            accepted_at: "2025-03-01T09:30:00+08:00".into(),
            completed_at: "2025-03-20T16:00:00+08:00".into(),
            result: "准予许可".into(),
            result_license_no: None,
            retention: "Y".into(),
            secrecy: "非密".into(),
            year: 2025,
            piece_no: 1,
        }
    }
}

/// A material as listed in `元数据.xml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialMeta {
    /// 件内顺序号.
    pub seq: u32,
    /// Category code (证据性 / 程序性 / 结果性).
    pub category: String,
    /// 标准名称.
    pub title: String,
    /// 实际名称 (original file name).
    pub original_name: String,
    /// 计算机文件名: the entry path inside the package.
    pub path: String,
    /// 计算机文件大小 in bytes.
    pub size: u64,
    /// 格式信息 (detected format).
    pub format: String,
    /// 格式版本: the version or kind the content says (`PDF 1.7`,
    /// `PDF/A-1b`, `JPEG`), found at collection; `None` when not known.
    pub format_version: Option<String>,
    /// 页数 of a PDF or OFD, found at collection.
    pub pages: Option<u32>,
    /// 时长 of audio or video in milliseconds, found at collection.
    pub duration_ms: Option<u64>,
    /// Digest (hex) with the package's algorithm.
    pub digest: String,
}

/// The software and hardware environment the package was made in (DA/T 70
/// item 3-3 asks that it be recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Software and version, e.g. `归档通 0.1.0`.
    pub software: String,
    /// Operating system and architecture, e.g. `linux x86_64`.
    pub platform: String,
}

impl Environment {
    /// This program's environment.
    pub fn current(software: &str) -> Environment {
        Environment {
            software: software.into(),
            platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

/// The parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The case.
    pub case: CaseMeta,
    /// Digest algorithm name of the material digests.
    pub digest_algo: String,
    /// Materials in order.
    pub materials: Vec<MaterialMeta>,
    /// Where it was made (absent in packages from other software).
    pub environment: Option<Environment>,
}

impl Metadata {
    /// What the package says, as raw input to the collection rules
    /// (`guidang_core::validate::validate_case`): a package is checked by
    /// exactly the rules a case was collected under.
    pub fn case_input(&self) -> CaseInput {
        let c = &self.case;
        let s = |v: &str| Some(v.to_string());
        CaseInput {
            case_no: s(&c.case_no),
            case_name: s(&c.case_name),
            case_kind: s(&c.case_kind),
            item_code: s(&c.item_code),
            item_name: s(&c.item_name),
            item_type: s(&c.item_type),
            applicant_name: s(&c.applicant_name),
            applicant_type: s(&c.applicant_type),
            applicant_id_type: s(&c.applicant_id_type),
            applicant_id_no: s(&c.applicant_id_no),
            accepting_unit: s(&c.accepting_unit),
            accepted_at: s(&c.accepted_at),
            completed_at: s(&c.completed_at),
            result: s(&c.result),
            result_license_no: c.result_license_no.clone(),
            retention: s(&c.retention),
            secrecy: s(&c.secrecy),
            materials: self
                .materials
                .iter()
                .map(|x| MaterialInput {
                    category: s(&x.category),
                    file: s(&x.path),
                    title: s(&x.title),
                })
                .collect(),
        }
    }
}

/// The holding unit's identifiers a package names.
#[derive(Debug, Clone, Copy)]
pub struct UnitIds<'a> {
    /// 行政区划编码.
    pub region: &'a str,
    /// 全宗号.
    pub fonds: &'a str,
    /// 立档单位名称.
    pub unit_name: &'a str,
}

/// Why `元数据.xml` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataError {
    /// Not well-formed XML, or refused (DTD): the metadata cannot be read.
    Unreadable(String),
    /// Well-formed, but elements are missing or malformed.
    Invalid(Vec<String>),
}

const CASE_FIELDS: &[&str] = &[
    "电子文件号",
    "行政区划编码",
    "全宗号",
    "立档单位名称",
    "事项编码",
    "事项名称",
    "事项类型",
    "办件编号",
    "办件名称",
    "办件类型",
    "受理单位",
    "受理时间",
    "办结时间",
    "办理结果",
    "结果证照编号",
    "保管期限",
    "密级",
    "年度",
    "件号",
];

fn case_values(c: &CaseMeta) -> Vec<String> {
    vec![
        c.efile_no.clone(),
        c.region.clone(),
        c.fonds.clone(),
        c.unit_name.clone(),
        c.item_code.clone(),
        c.item_name.clone(),
        c.item_type.clone(),
        c.case_no.clone(),
        c.case_name.clone(),
        c.case_kind.clone(),
        c.accepting_unit.clone(),
        c.accepted_at.clone(),
        c.completed_at.clone(),
        c.result.clone(),
        c.result_license_no.clone().unwrap_or_default(),
        c.retention.clone(),
        c.secrecy.clone(),
        c.year.to_string(),
        c.piece_no.to_string(),
    ]
}
/// `<格式版本>`, `<页数>` and `<时长>` of a material, when collection found them
/// (optional elements: packages sealed before have neither).
fn format_details(f: &MaterialMeta) -> String {
    let mut x = String::new();
    if let Some(v) = f.format_version.as_deref().filter(|v| !v.is_empty()) {
        x.push_str(&format!("      <格式版本>{}</格式版本>\n", esc(v)));
    }
    if let Some(p) = f.pages {
        x.push_str(&format!("      <页数>{p}</页数>\n"));
    }
    if let Some(ms) = f.duration_ms {
        x.push_str(&format!("      <时长>{}</时长>\n", format_duration(ms)));
    }
    x
}

/// 时长 as `元数据.xml` records it: `00:01:23.520`.
pub fn format_duration(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Reads a [`format_duration`] string back.
pub fn parse_duration(s: &str) -> Option<u64> {
    let (hms, frac) = s.split_once('.').unwrap_or((s, "0"));
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || m >= 60 || sec >= 60 || frac.len() > 3 {
        return None;
    }
    let ms: u64 = format!("{frac:0<3}").parse().ok()?;
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Renders `元数据.xml`.
pub fn render(m: &Metadata) -> String {
    let c = &m.case;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<归档信息包 格式=\"{PACKAGE_FORMAT}\">\n  <办件>\n"
    ));
    for (k, v) in CASE_FIELDS.iter().zip(case_values(c)) {
        x.push_str(&format!("    <{k}>{}</{k}>\n", esc(&v)));
    }
    x.push_str(&format!(
        "    <申请人>\n      <名称>{}</名称>\n      <类型>{}</类型>\n      <证件类型>{}</证件类型>\n      <证件号码>{}</证件号码>\n    </申请人>\n",
        esc(&c.applicant_name),
        esc(&c.applicant_type),
        esc(&c.applicant_id_type),
        esc(&c.applicant_id_no)
    ));
    x.push_str(&format!(
        "    <包内总件数>{}</包内总件数>\n  </办件>\n",
        m.materials.len()
    ));
    x.push_str(&format!(
        "  <材料清单 摘要算法=\"{}\">\n",
        esc(&m.digest_algo)
    ));
    for f in &m.materials {
        x.push_str(&format!(
            "    <材料 件内顺序号=\"{}\" 类别=\"{}\">\n      <标准名称>{}</标准名称>\n      <实际名称>{}</实际名称>\n      <计算机文件名>{}</计算机文件名>\n      <计算机文件大小>{}</计算机文件大小>\n      <格式信息>{}</格式信息>\n{}      <摘要>{}</摘要>\n    </材料>\n",
            f.seq,
            esc(&f.category),
            esc(&f.title),
            esc(&f.original_name),
            esc(&f.path),
            f.size,
            esc(&f.format),
            format_details(f),
            esc(&f.digest)
        ));
    }
    x.push_str("  </材料清单>\n");
    if let Some(e) = &m.environment {
        x.push_str(&format!(
            "  <运行环境>\n    <软件>{}</软件>\n    <平台>{}</平台>\n  </运行环境>\n",
            esc(&e.software),
            esc(&e.platform)
        ));
    }
    x.push_str("</归档信息包>\n");
    x
}

fn need<'a>(n: &'a Node, name: &str, errs: &mut Vec<String>) -> &'a str {
    match n.text_of(name) {
        Some(t) => t,
        None => {
            errs.push(format!("缺少元素 <{name}>"));
            ""
        }
    }
}

/// Parses `元数据.xml`, listing every missing or malformed element.
pub fn parse_metadata(bytes: &[u8]) -> Result<Metadata, MetadataError> {
    let root = parse(bytes).map_err(MetadataError::Unreadable)?;
    parse_root(&root).map_err(MetadataError::Invalid)
}

fn parse_root(root: &Node) -> Result<Metadata, Vec<String>> {
    let mut errs = Vec::new();
    if root.name != "归档信息包" {
        return Err(vec![format!(
            "根元素应为 <归档信息包>，实为 <{}>",
            root.name
        )]);
    }
    if root.attr("格式") != Some(PACKAGE_FORMAT) {
        errs.push(format!("格式版本应为 {PACKAGE_FORMAT}"));
    }
    let empty = Node::default();
    let case = root.child("办件").unwrap_or_else(|| {
        errs.push("缺少元素 <办件>".into());
        &empty
    });
    let v: Vec<String> = CASE_FIELDS
        .iter()
        .map(|f| need(case, f, &mut errs).to_string())
        .collect();
    let app = case.child("申请人").unwrap_or(&empty);
    let num = |s: &str, what: &str, errs: &mut Vec<String>| -> u64 {
        s.parse().unwrap_or_else(|_| {
            errs.push(format!("<{what}> 不是数字：{s}"));
            0
        })
    };
    let year = num(&v[17], "年度", &mut errs) as i32;
    let piece_no = num(&v[18], "件号", &mut errs) as u32;
    let meta_case = CaseMeta {
        efile_no: v[0].clone(),
        region: v[1].clone(),
        fonds: v[2].clone(),
        unit_name: v[3].clone(),
        item_code: v[4].clone(),
        item_name: v[5].clone(),
        item_type: v[6].clone(),
        case_no: v[7].clone(),
        case_name: v[8].clone(),
        case_kind: v[9].clone(),
        accepting_unit: v[10].clone(),
        accepted_at: v[11].clone(),
        completed_at: v[12].clone(),
        result: v[13].clone(),
        result_license_no: Some(v[14].clone()).filter(|s| !s.is_empty()),
        retention: v[15].clone(),
        secrecy: v[16].clone(),
        year,
        piece_no,
        applicant_name: need(app, "名称", &mut errs).into(),
        applicant_type: need(app, "类型", &mut errs).into(),
        applicant_id_type: need(app, "证件类型", &mut errs).into(),
        applicant_id_no: need(app, "证件号码", &mut errs).into(),
    };
    let declared = num(need(case, "包内总件数", &mut errs), "包内总件数", &mut errs);
    let list = root.child("材料清单").unwrap_or_else(|| {
        errs.push("缺少元素 <材料清单>".into());
        &empty
    });
    let mut materials = Vec::new();
    for m in list.children.iter().filter(|c| c.name == "材料") {
        let seq = num(m.attr("件内顺序号").unwrap_or(""), "件内顺序号", &mut errs) as u32;
        let size = num(
            need(m, "计算机文件大小", &mut errs),
            "计算机文件大小",
            &mut errs,
        );
        materials.push(MaterialMeta {
            seq,
            category: m.attr("类别").unwrap_or("").to_string(),
            title: need(m, "标准名称", &mut errs).into(),
            original_name: need(m, "实际名称", &mut errs).into(),
            path: need(m, "计算机文件名", &mut errs).into(),
            size,
            format: need(m, "格式信息", &mut errs).into(),
            format_version: m.child("格式版本").map(|e| e.text.clone()),
            pages: m
                .child("页数")
                .map(|e| num(&e.text, "页数", &mut errs) as u32),
            duration_ms: m.child("时长").and_then(|e| {
                let d = parse_duration(&e.text);
                if d.is_none() {
                    errs.push(format!("时长“{}”不是 时:分:秒.毫秒 格式", e.text));
                }
                d
            }),
            digest: need(m, "摘要", &mut errs).into(),
        });
    }
    if declared != materials.len() as u64 {
        errs.push(format!(
            "包内总件数为 {declared}，材料清单实列 {} 件",
            materials.len()
        ));
    }
    let environment = root.child("运行环境").map(|e| Environment {
        software: e.text_of("软件").unwrap_or("").to_string(),
        platform: e.text_of("平台").unwrap_or("").to_string(),
    });
    if errs.is_empty() {
        Ok(Metadata {
            case: meta_case,
            digest_algo: list.attr("摘要算法").unwrap_or("").to_string(),
            materials,
            environment,
        })
    } else {
        Err(errs)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Metadata {
        Metadata {
            case: CaseMeta {
                // Characters that must be escaped in XML.
                case_name: "张三 & 李四<宅基地>".into(),
                ..CaseMeta::sample()
            },
            digest_algo: "SM3".into(),
            materials: vec![MaterialMeta {
                seq: 1,
                category: "结果性".into(),
                title: "准予许可决定书".into(),
                original_name: "准予许可决定书.pdf".into(),
                path: "结果性材料/准予许可决定书.pdf".into(),
                size: 12,
                format: "pdf".into(),
                format_version: None,
                pages: None,
                duration_ms: None,
                digest: "ab".repeat(32),
            }],
            environment: Some(Environment::current("归档通 0.1.0")),
        }
    }

    #[test]
    fn render_parse_round_trip() {
        let m = sample();
        let x = render(&m);
        assert_eq!(parse_metadata(x.as_bytes()).unwrap(), m);
        // With what the content said at collection (DA/T 70 1-3).
        let mut v = sample();
        v.materials[0].format_version = Some("PDF/A-1b".into());
        v.materials[0].pages = Some(3);
        let xv = render(&v);
        assert!(xv.contains("<格式版本>PDF/A-1b</格式版本>") && xv.contains("<页数>3</页数>"));
        assert_eq!(parse_metadata(xv.as_bytes()).unwrap(), v);
        let broken = x
            .replace("<件号>1</件号>", "")
            .replace("<包内总件数>1", "<包内总件数>2");
        let MetadataError::Invalid(e) = parse_metadata(broken.as_bytes()).unwrap_err() else {
            panic!("well-formed XML");
        };
        let e = e.join("\n");
        assert!(
            e.contains("缺少元素 <件号>") && e.contains("包内总件数为 2"),
            "{e}"
        );
    }

    /// The package writes the one typed record, and reading it back through
    /// the collection rules gives the same record: one shape, one rule set.
    #[test]
    fn the_record_survives_the_package_and_the_rules() {
        let m = sample();
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00").unwrap();
        let record = guidang_core::validate::validate_case(&m.case_input(), None, now).unwrap();
        let unit = UnitIds {
            region: &m.case.region,
            fonds: &m.case.fonds,
            unit_name: &m.case.unit_name,
        };
        let written = CaseMeta::from_record(&record, &unit, &m.case.efile_no, m.case.piece_no);
        assert_eq!(written, m.case);
        // A code outside its domain is caught by the same rules.
        let mut bad = m.clone();
        bad.case.applicant_id_type = "123".into();
        let errs = guidang_core::validate::validate_case(&bad.case_input(), None, now).unwrap_err();
        assert!(
            errs.0.iter().any(|e| e.field.contains("证件类型")),
            "{errs:?}"
        );
    }

    #[test]
    fn durations_round_trip() {
        for ms in [0, 1, 999, 83_520, 3_600_000 * 25 + 1] {
            assert_eq!(parse_duration(&format_duration(ms)), Some(ms));
        }
        assert_eq!(format_duration(83_520), "00:01:23.520");
        assert_eq!(parse_duration("00:61:00"), None);
        assert_eq!(parse_duration("1:2"), None);
    }
}
