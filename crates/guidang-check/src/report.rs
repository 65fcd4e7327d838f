//! The check report in Chinese, laid out as a DA/T 70 report: a summary;
//! the four-property matrix (真实性, 完整性, 可用性, 安全性 × the
//! two-level items of the stage, with how many packages passed, were
//! warned, failed or were not checked); every package's conclusion; then
//! every finding that is not a pass, the same finding for many packages
//! printed once with the packages it concerns, each citing the clauses it
//! applies (its DA/T 70 item and any other standard it rests on); the
//! virus database used; and what the sealing time rests on. The same
//! [`Summary`] goes into the JSON. Rendered with the embedded CJK font of
//! `guidang-pdf`.

use guidang_pdf::{render, Block, Column, PdfError};
use serde::{Deserialize, Serialize};

use crate::{BatchCheck, Verdict};

/// The two-level items of DA/T 70—2018 (its tables for 归档 and 移交接收).
pub const TWO_LEVEL: [(&str, &str, &str); 16] = [
    ("真实性", "1-1", "固化信息有效性"),
    ("真实性", "1-2", "元数据的准确性"),
    ("真实性", "1-3", "内容的真实性"),
    ("真实性", "1-4", "元数据与内容关联的一致性"),
    ("真实性", "1-5", "归档信息包的真实性"),
    ("完整性", "2-1", "数据总量"),
    ("完整性", "2-2", "元数据的完整性"),
    ("完整性", "2-3", "内容的完整性"),
    ("完整性", "2-4", "归档范围"),
    ("可用性", "3-1", "元数据的可读性"),
    ("可用性", "3-2", "内容的可读性"),
    ("可用性", "3-3", "软硬件环境"),
    ("可用性", "3-4", "归档信息包的可用性"),
    ("安全性", "4-1", "病毒"),
    ("安全性", "4-2", "载体的安全性"),
    ("安全性", "4-3", "过程的安全性"),
];

/// What the sealing time rests on (the seal carries no time-stamp token).
pub const SEAL_TIME_NOTE: &str = "固化时间取自固化人计算机的时钟，固化信息中没有可信时间戳（时间戳令牌）；其可信程度由审计日志的哈希链（归档时）和移交人对批次清单的签名（移交接收时）限定。";

/// One two-level item: how many packages got each verdict (a package
/// counts under its worst three-level finding of the item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    /// 真实性 / 完整性 / 可用性 / 安全性.
    pub property: String,
    /// The item with the stage, e.g. `GD-1-1`.
    pub item: String,
    /// Its name in DA/T 70.
    pub title: String,
    /// Packages that passed it.
    pub pass: u32,
    /// Packages with a warning.
    pub warn: u32,
    /// Packages that failed it.
    pub fail: u32,
    /// Packages where it could not be checked.
    pub not_checked: u32,
}

/// A finding shared by one or more packages (or the set itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupedFinding {
    /// The three-level item with the stage, e.g. `GD-4-1-1`.
    pub item: String,
    /// Fail or warn.
    pub verdict: Verdict,
    /// Why, and what to do.
    pub reason: String,
    /// The file concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The clauses the rule applies (DA/T 70—2018 item and what else it
    /// rests on), see [`crate::Item::cites`].
    pub basis: String,
    /// 电子文件号 of every package it concerns (`（整批）` for the set).
    pub packages: Vec<String>,
}

/// The report's view of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The four-property matrix.
    pub matrix: Vec<MatrixRow>,
    /// Every finding that is not a pass, grouped.
    pub findings: Vec<GroupedFinding>,
    /// The virus scanner and database used, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virus_database: Option<String>,
    /// What the sealing time rests on.
    pub seal_time: String,
}

fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Fail => 3,
        Verdict::Warn => 2,
        Verdict::Pass => 1,
        Verdict::NotChecked => 0,
    }
}

/// Summarises a complete check (`virus_database` as
/// `Antivirus::database_version` gives it).
pub fn summarise(b: &BatchCheck, virus_database: Option<String>) -> Summary {
    let prefix = b.stage.prefix();
    let matrix = TWO_LEVEL
        .iter()
        .map(|(property, no, title)| {
            let mut row = MatrixRow {
                property: property.to_string(),
                item: format!("{prefix}-{no}"),
                title: title.to_string(),
                pass: 0,
                warn: 0,
                fail: 0,
                not_checked: 0,
            };
            let head = format!("{prefix}-{no}-");
            for p in &b.packages {
                let worst = p
                    .findings
                    .iter()
                    .filter(|f| f.item.starts_with(&head))
                    .map(|f| f.verdict)
                    .max_by_key(|v| rank(*v));
                match worst {
                    Some(Verdict::Fail) => row.fail += 1,
                    Some(Verdict::Warn) => row.warn += 1,
                    Some(Verdict::Pass) => row.pass += 1,
                    Some(Verdict::NotChecked) | None => row.not_checked += 1,
                }
            }
            row
        })
        .collect();
    let mut findings: Vec<GroupedFinding> = Vec::new();
    // (item, verdict, reason, entry) → its place in `findings`, so that a
    // check of many packages with many distinct findings groups them in
    // linear time, in the order first seen.
    let mut at: std::collections::HashMap<(String, Verdict, String, Option<String>), usize> =
        std::collections::HashMap::new();
    let all = b
        .packages
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p.efile_no.as_str(), f)))
        .chain(b.batch_findings.iter().map(|f| ("（整批）", f)));
    for (who, f) in all.filter(|(_, f)| matches!(f.verdict, Verdict::Fail | Verdict::Warn)) {
        let reason = f.reason.clone().unwrap_or_else(|| f.title.clone());
        let key = (f.item.clone(), f.verdict, reason, f.entry.clone());
        match at.get(&key) {
            Some(&i) => findings[i].packages.push(who.to_string()),
            None => {
                at.insert(key.clone(), findings.len());
                let (item, verdict, reason, entry) = key;
                let basis = item
                    .split_once('-')
                    .and_then(|(_, no)| crate::ITEMS.iter().find(|i| i.no == no))
                    .map(|i| i.cites())
                    .unwrap_or_default();
                findings.push(GroupedFinding {
                    item,
                    verdict,
                    reason,
                    entry,
                    basis,
                    packages: vec![who.to_string()],
                });
            }
        }
    }
    Summary {
        matrix,
        findings,
        virus_database,
        seal_time: SEAL_TIME_NOTE.into(),
    }
}

/// Packages named in a report cell: all up to 20, else the first 20 and
/// the count (the JSON lists every one).
fn packages_cell(p: &[String]) -> String {
    if p.len() <= 20 {
        p.join("\n")
    } else {
        format!(
            "{}\n等共 {} 个（完整列表见 JSON 报告）",
            p[..20].join("\n"),
            p.len()
        )
    }
}

/// Who and where, printed on the report.
#[derive(Debug, Clone)]
pub struct ReportInfo {
    /// 立档单位 (or receiving archive).
    pub unit: String,
    /// Who ran the check.
    pub operator: String,
}

/// Renders the report.
pub fn report_pdf(b: &BatchCheck, info: &ReportInfo) -> Result<Vec<u8>, PdfError> {
    let failed = b.failed();
    let warned = b
        .packages
        .iter()
        .filter(|p| p.verdict == Verdict::Warn)
        .count();
    let mut blocks = vec![
        Block::Title("电子档案四性检测报告".into()),
        Block::Text(format!(
            "检测阶段：{}（{}）　　检测时间：{}　　检测人：{}",
            b.stage.label(),
            b.stage.prefix(),
            b.checked_at,
            info.operator
        )),
        Block::Text(format!(
            "单位：{}　　依据：DA/T 70—2018《文书类电子档案检测一般要求》",
            info.unit
        )),
        Block::Text(format!(
            "检测对象：归档信息包 {} 个；合格 {} 个（其中有提示 {} 个），不合格 {} 个。",
            b.packages.len(),
            b.packages.len() - failed,
            warned,
            failed
        )),
        Block::Text(format!("检测结论：{}", b.opinion)),
        Block::Space(3.0),
        Block::Text("一、各归档信息包检测结论".into()),
        Block::Table {
            columns: vec![
                Column::new("序号", 11.0),
                Column::new("电子文件号", 70.0),
                Column::new("结论", 15.0),
                Column::new("检测意见", 84.0),
            ],
            rows: b
                .packages
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let v = if p.verdict == Verdict::Fail {
                        "不合格"
                    } else {
                        "合格"
                    };
                    vec![
                        (i + 1).to_string(),
                        p.efile_no.clone(),
                        v.into(),
                        p.opinion.clone(),
                    ]
                })
                .collect(),
        },
    ];
    let summary = b.summary.clone().unwrap_or_else(|| summarise(b, None));
    blocks.push(Block::Space(2.0));
    blocks.push(Block::Text(
        "二、四性检测结果（DA/T 70 二级检测项；数字为归档信息包个数）".into(),
    ));
    blocks.push(Block::Table {
        columns: vec![
            Column::new("性质", 16.0),
            Column::new("检测项", 18.0),
            Column::new("名称", 62.0),
            Column::new("通过", 20.0),
            Column::new("提示", 20.0),
            Column::new("不合格", 22.0),
            Column::new("未检测", 22.0),
        ],
        rows: summary
            .matrix
            .iter()
            .map(|r| {
                vec![
                    r.property.clone(),
                    r.item.clone(),
                    r.title.clone(),
                    r.pass.to_string(),
                    r.warn.to_string(),
                    r.fail.to_string(),
                    r.not_checked.to_string(),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Space(2.0));
    if summary.findings.is_empty() {
        blocks.push(Block::Text(
            "三、不合格项和提示项：无。全部检测项通过。".into(),
        ));
    } else {
        blocks.push(Block::Text(
            "三、不合格项和提示项（同一问题涉及多个包时只列一次）".into(),
        ));
        blocks.push(Block::Table {
            columns: vec![
                Column::new("检测项", 20.0),
                Column::new("结论", 12.0),
                Column::new("原因及处理办法", 52.0),
                Column::new("依据", 32.0),
                Column::new("涉及文件", 30.0),
                Column::new("涉及的包", 34.0),
            ],
            rows: summary
                .findings
                .iter()
                .map(|g| {
                    vec![
                        g.item.clone(),
                        g.verdict.label().into(),
                        g.reason.clone(),
                        g.basis.clone(),
                        g.entry.clone().unwrap_or_else(|| "—".into()),
                        packages_cell(&g.packages),
                    ]
                })
                .collect(),
        });
    }
    blocks.push(Block::Space(2.0));
    blocks.push(Block::Text(format!(
        "病毒库：{}",
        summary
            .virus_database
            .clone()
            .unwrap_or_else(|| "未使用（本机没有 ClamAV 或病毒库，病毒检查项为提示）".into())
    )));
    blocks.push(Block::Text(format!("固化时间说明：{}", summary.seal_time)));
    blocks.push(Block::Space(4.0));
    blocks.push(Block::Text(
        "检测人（签字）：＿＿＿＿＿＿　　审核人（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿".into(),
    ));
    render("电子档案四性检测报告", &blocks, "归档通 四性检测报告")
}
