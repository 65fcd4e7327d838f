//! The PDF check report in Chinese: a summary, a table of every package's
//! conclusion, then every finding that is not a pass, with the file it
//! concerns. Rendered with the embedded CJK font of `guidang-pdf`.

use guidang_pdf::{render, Block, Column, PdfError};

use crate::{BatchCheck, Verdict};

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
    let mut rows = Vec::new();
    for p in &b.packages {
        for f in p
            .findings
            .iter()
            .filter(|f| matches!(f.verdict, Verdict::Fail | Verdict::Warn))
        {
            rows.push(vec![
                p.efile_no.clone(),
                f.item.clone(),
                f.verdict.label().into(),
                f.reason.clone().unwrap_or_else(|| f.title.clone()),
                f.entry.clone().unwrap_or_else(|| "—".into()),
            ]);
        }
    }
    for f in &b.batch_findings {
        rows.push(vec![
            "（整批）".into(),
            f.item.clone(),
            f.verdict.label().into(),
            f.reason.clone().unwrap_or_else(|| f.title.clone()),
            f.entry.clone().unwrap_or_else(|| "—".into()),
        ]);
    }
    blocks.push(Block::Space(2.0));
    if rows.is_empty() {
        blocks.push(Block::Text(
            "二、不合格项和提示项：无。全部检测项通过。".into(),
        ));
    } else {
        blocks.push(Block::Text("二、不合格项和提示项".into()));
        blocks.push(Block::Table {
            columns: vec![
                Column::new("电子文件号", 44.0),
                Column::new("检测项", 22.0),
                Column::new("结论", 14.0),
                Column::new("原因及处理办法", 62.0),
                Column::new("涉及文件", 38.0),
            ],
            rows,
        });
    }
    blocks.push(Block::Space(4.0));
    blocks.push(Block::Text(
        "检测人（签字）：＿＿＿＿＿＿　　审核人（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿".into(),
    ));
    render("电子档案四性检测报告", &blocks, "归档通 四性检测报告")
}
