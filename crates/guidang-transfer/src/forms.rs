//! The printed forms of a batch, which both sides sign:
//!
//! - 政务服务电子档案移交清单 (Appendix A, Table A.1), one row per service
//!   item with its package count and check opinion, then the batch digest,
//!   its algorithm, the signer's fingerprint and a QR code of them, so that
//!   the signed paper commits to the exact media content;
//! - 归档目录清单, one row per package (landscape);
//! - 电子档案移交与接收登记表, the hand-over register with each carrier's
//!   digest;
//! - 电子档案接收回执 and 电子档案退回单, the receiving archive's receipt and
//!   return slip.

use std::collections::BTreeMap;

use guidang_core::ItemType;
use guidang_pdf::{render, render_oriented, Block, Column, Orientation, PdfError};

use crate::{BatchSignature, Manifest};

/// The text encoded in the transfer list's QR code.
pub fn qr_payload(m: &Manifest, sig: &BatchSignature) -> String {
    format!(
        "guidang-batch/1;batch={};{}={};fingerprint={}",
        m.batch_no, sig.digest_algo, sig.manifest_digest, sig.fingerprint
    )
}

/// One row per service item: (item name, type label, count, check opinion, remarks).
fn item_rows(m: &Manifest) -> Vec<(String, String, u32, String, String)> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<&crate::ManifestPackage>> = BTreeMap::new();
    for p in &m.packages {
        if !groups.contains_key(p.item_code.as_str()) {
            order.push(&p.item_code);
        }
        groups.entry(&p.item_code).or_default().push(p);
    }
    order
        .into_iter()
        .map(|code| {
            let ps = &groups[code];
            let bad = ps
                .iter()
                .filter(|p| !p.check_opinion.starts_with("合格"))
                .count();
            let opinion = if bad == 0 {
                "合格".to_string()
            } else {
                format!("{bad} 件不合格")
            };
            let mut remarks = Vec::new();
            for o in ["控制使用", "不开放"] {
                let n = ps.iter().filter(|p| p.open_opinion == o).count();
                if n > 0 {
                    remarks.push(format!("{o} {n} 件"));
                }
            }
            let ty = ItemType::from_code(&ps[0].item_type)
                .map(|t| t.label())
                .unwrap_or(&ps[0].item_type)
                .to_string();
            (
                ps[0].item_name.clone(),
                ty,
                ps.len() as u32,
                opinion,
                remarks.join("；"),
            )
        })
        .collect()
}

/// Appendix A, Table A.1 政务服务电子档案移交清单.
pub fn transfer_list_pdf(m: &Manifest, sig: &BatchSignature) -> Result<Vec<u8>, PdfError> {
    let rows: Vec<Vec<String>> = item_rows(m)
        .into_iter()
        .enumerate()
        .map(|(i, (name, ty, n, opinion, remarks))| {
            vec![
                (i + 1).to_string(),
                m.batch_no.clone(),
                name,
                ty,
                n.to_string(),
                opinion,
                remarks,
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Title("政务服务电子档案移交清单".into()),
        Block::Text(format!(
            "移交单位：{}（行政区划码 {}，全宗号 {}）　　批次编号：{}",
            m.unit.name, m.unit.region, m.unit.fonds, m.batch_no
        )),
    ];
    if let Some(c) = &m.corrects {
        blocks.push(Block::Text(format!("本批次为再次移交，更正批次 {c}。")));
    }
    blocks.push(Block::Table {
        columns: vec![
            Column::new("序号", 10.0),
            Column::new("批次编号", 35.0),
            Column::new("办理事项名称", 44.0),
            Column::new("事项类型", 22.0),
            Column::new("归档信息包数量", 25.0),
            Column::new("检测意见", 20.0),
            Column::new("备注", 24.0),
        ],
        rows,
    });
    blocks.push(Block::Text(format!(
        "合计：归档信息包 {} 个，共 {} 字节（{:.3} GB）。",
        m.total_packages,
        m.total_bytes,
        m.total_bytes as f64 / 1e9
    )));
    blocks.push(Block::Space(2.0));
    blocks.push(Block::Qr {
        data: qr_payload(m, sig),
        size: 36.0,
        caption: vec![
            format!("批次摘要（{}）：", sig.digest_algo),
            sig.manifest_digest.clone(),
            format!(
                "移交人 {} 的公钥指纹（{}）：",
                sig.operator, sig.digest_algo
            ),
            sig.fingerprint.clone(),
            "接收方用归档通核对本二维码或上述指纹与载体上的批次清单一致后方可接收。".into(),
        ],
    });
    blocks.push(Block::Space(8.0));
    blocks.push(Block::Text(
        "移交人：＿＿＿＿＿＿＿＿　　接收人：＿＿＿＿＿＿＿＿　　移交日期：＿＿＿＿年＿＿月＿＿日"
            .into(),
    ));
    render(
        "政务服务电子档案移交清单",
        &blocks,
        &format!("移交清单 {}", m.batch_no),
    )
}

/// 归档目录清单: one row per package.
pub fn catalog_list_pdf(m: &Manifest, sig: &BatchSignature) -> Result<Vec<u8>, PdfError> {
    let rows: Vec<Vec<String>> = m
        .packages
        .iter()
        .map(|p| {
            vec![
                p.seq.to_string(),
                p.efile_no.clone(),
                p.case_no.clone(),
                p.item_name.clone(),
                p.applicant.clone(),
                p.completed_on.clone(),
                p.retention.clone(),
                p.materials.to_string(),
                p.size.to_string(),
                p.digest.clone(),
            ]
        })
        .collect();
    let blocks = vec![
        Block::Title("归档目录清单".into()),
        Block::Text(format!(
            "立档单位：{}　　批次编号：{}　　归档信息包 {} 个　　摘要算法：{}　　批次摘要：{}",
            m.unit.name, m.batch_no, m.total_packages, sig.digest_algo, sig.manifest_digest
        )),
        Block::Table {
            columns: vec![
                Column::new("序号", 10.0),
                Column::new("电子文件号", 68.0),
                Column::new("办件编号", 38.0),
                Column::new("事项名称", 34.0),
                Column::new("申请人", 20.0),
                Column::new("办结日期", 20.0),
                Column::new("保管期限", 14.0),
                Column::new("文件数", 12.0),
                Column::new("字节数", 18.0),
                Column::new("摘要", 33.0),
            ],
            rows,
        },
        Block::Space(4.0),
        Block::Text(
            "编制人：＿＿＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
                .into(),
        ),
    ];
    render_oriented(
        Orientation::Landscape,
        "归档目录清单",
        &blocks,
        &format!("归档目录清单 {}", m.batch_no),
    )
}

/// One carrier on the hand-over register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterCarrier {
    /// Carrier number.
    pub no: u32,
    /// First and last 序号 of the packages on it.
    pub seqs: (u32, u32),
    /// Bytes of the files its carrier manifest lists.
    pub bytes: u64,
    /// Carrier digest (of its 载体清单.json).
    pub digest: String,
}

/// What the hand-over register says beyond the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterInfo {
    /// The carriers.
    pub carriers: Vec<RegisterCarrier>,
    /// Carrier type (载体类型).
    pub carrier_type: String,
    /// The transferring side's check result per property (真实性…安全性).
    pub hall_results: Vec<(String, String)>,
    /// Files (materials) in the batch.
    pub materials: u64,
}

/// 电子档案移交与接收登记表 (per the 2012 measures on transferring and
/// receiving electronic records): content, counts, data volume, carriers
/// with their digests, check results of both sides, signature lines.
pub fn register_pdf(
    m: &Manifest,
    sig: &BatchSignature,
    info: &RegisterInfo,
) -> Result<Vec<u8>, PdfError> {
    let years: std::collections::BTreeSet<i32> = m.packages.iter().map(|p| p.year).collect();
    let items: std::collections::BTreeSet<&str> =
        m.packages.iter().map(|p| p.item_code.as_str()).collect();
    let year_text = match (years.first(), years.last()) {
        (Some(a), Some(b)) if a == b => format!("{a} 年度"),
        (Some(a), Some(b)) => format!("{a}—{b} 年度"),
        _ => String::new(),
    };
    let n = info.carriers.len();
    let mut blocks = vec![
        Block::Title("电子档案移交与接收登记表".into()),
        Block::Table {
            columns: vec![Column::new("项目", 40.0), Column::new("内容", 140.0)],
            rows: vec![
                vec!["移交单位".into(), format!("{}（行政区划码 {}，全宗号 {}）", m.unit.name, m.unit.region, m.unit.fonds)],
                vec!["接收单位".into(), String::new()],
                vec!["批次编号".into(), match &m.corrects {
                    Some(c) => format!("{}（再次移交，更正批次 {c}）", m.batch_no),
                    None => m.batch_no.clone(),
                }],
                vec!["内容描述".into(), format!(
                    "政务服务电子档案（{year_text}），涉及办理事项 {} 项，每件为一个归档信息包（ZIP），含元数据和固化信息",
                    items.len()
                )],
                vec!["电子档案数量".into(), format!("归档信息包 {} 个，电子文件 {} 件", m.total_packages, info.materials)],
                vec!["数据量".into(), format!("{:.3} GB（{} 字节）", m.total_bytes as f64 / 1e9, m.total_bytes)],
                vec!["载体起止顺序号".into(), if n == 1 { "1".into() } else { format!("1—{n}（共 {n} 个）") }],
                vec!["载体类型".into(), info.carrier_type.clone()],
                vec!["批次摘要".into(), format!("{}：{}", sig.digest_algo, sig.manifest_digest)],
                vec!["移交人公钥指纹".into(), format!("{}（{}）", sig.fingerprint, sig.operator)],
            ],
        },
        Block::Space(2.0),
        Block::Text("载体清单（每个载体的摘要为其 其他/载体清单.json 的摘要）：".into()),
        Block::Table {
            columns: vec![
                Column::new("载体编号", 18.0),
                Column::new("包顺序号", 24.0),
                Column::new("清单所列字节数", 26.0),
                Column::new("摘要算法", 16.0),
                Column::new("载体摘要", 96.0),
            ],
            rows: info
                .carriers
                .iter()
                .map(|c| {
                    vec![
                        c.no.to_string(),
                        format!("{}—{}", c.seqs.0, c.seqs.1),
                        c.bytes.to_string(),
                        m.digest_algo.clone(),
                        c.digest.clone(),
                    ]
                })
                .collect(),
        },
        Block::Space(2.0),
        Block::Table {
            columns: vec![
                Column::new("检验项目", 30.0),
                Column::new("移交单位检验结果", 75.0),
                Column::new("接收单位检验结果", 75.0),
            ],
            rows: info
                .hall_results
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone(), String::new()])
                .collect(),
        },
        Block::Space(6.0),
        Block::Text("移交单位（印章）：＿＿＿＿＿＿　填表人：＿＿＿＿＿　审核人：＿＿＿＿＿　日期：＿＿＿年＿＿月＿＿日".into()),
        Block::Space(4.0),
        Block::Text("接收单位（印章）：＿＿＿＿＿＿　接收人：＿＿＿＿＿　审核人：＿＿＿＿＿　日期：＿＿＿年＿＿月＿＿日".into()),
    ];
    blocks.insert(
        1,
        Block::Text(format!(
            "登记日期：{}",
            m.created_at.get(..10).unwrap_or_default()
        )),
    );
    render(
        "电子档案移交与接收登记表",
        &blocks,
        &format!("移交与接收登记表 {}", m.batch_no),
    )
}

/// The text encoded in the receipt's and return slip's QR code: the batch,
/// its digest and the fingerprint of the archivist who signed the return
/// file, which the hall confirms when it imports the file.
pub fn return_qr_payload(
    d: &crate::returns::ReturnDecision,
    env: &crate::returns::ReturnEnvelope,
) -> String {
    format!(
        "guidang-return/1;batch={};{}={};fingerprint={}",
        d.batch_no, d.digest_algo, d.batch_digest, env.fingerprint
    )
}

/// The QR code and fingerprint block of a receipt or return slip.
fn return_signer_block(
    d: &crate::returns::ReturnDecision,
    env: &crate::returns::ReturnEnvelope,
) -> Block {
    Block::Qr {
        data: return_qr_payload(d, env),
        size: 36.0,
        caption: vec![
            format!(
                "接收人 {} 的公钥指纹（{}）：",
                env.operator,
                env.suite.digest().name()
            ),
            env.fingerprint.clone(),
            "移交方导入退回文件时，用归档通核对本二维码或上述指纹与退回文件的签名一致。".into(),
        ],
    }
}

/// 电子档案接收回执: what the receiving archive accepted from a batch, with
/// the signer's fingerprint and both signature lines.
pub fn receipt_pdf(
    d: &crate::returns::ReturnDecision,
    env: &crate::returns::ReturnEnvelope,
    sizes: &[u64],
) -> Result<Vec<u8>, PdfError> {
    let rows: Vec<Vec<String>> = d
        .accepted
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                (i + 1).to_string(),
                a.efile_no.clone(),
                a.case_no.clone(),
                sizes.get(i).map(u64::to_string).unwrap_or_default(),
                a.digest.clone(),
            ]
        })
        .collect();
    let blocks = vec![
        Block::Title("电子档案接收回执".into()),
        Block::Text(format!(
            "移交单位：{}（行政区划码 {}，全宗号 {}）",
            d.transferring_unit.name, d.transferring_unit.region, d.transferring_unit.fonds
        )),
        Block::Text(format!(
            "接收单位：{}（全宗号 {}）",
            d.receiving_unit.name, d.receiving_unit.fonds
        )),
        Block::Text(format!(
            "批次编号：{}　　批次摘要（{}）：{}",
            d.batch_no, d.digest_algo, d.batch_digest
        )),
        Block::Text(format!(
            "经移交接收检测，接收归档信息包 {} 个，退回 {} 个（见退回单）。接收时间：{}。",
            d.accepted.len(),
            d.returned.len(),
            d.decided_at
        )),
        Block::Table {
            columns: vec![
                Column::new("序号", 12.0),
                Column::new("电子文件号", 62.0),
                Column::new("办件编号", 38.0),
                Column::new("字节数", 20.0),
                Column::new("摘要", 48.0),
            ],
            rows,
        },
        Block::Space(2.0),
        return_signer_block(d, env),
        Block::Space(6.0),
        Block::Text(
            "移交人：＿＿＿＿＿＿＿＿　　接收人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
                .into(),
        ),
    ];
    render(
        "电子档案接收回执",
        &blocks,
        &format!("接收回执 {}", d.batch_no),
    )
}

/// 电子档案退回单: each returned package with its reasons, and the signer's
/// fingerprint.
pub fn return_slip_pdf(
    d: &crate::returns::ReturnDecision,
    env: &crate::returns::ReturnEnvelope,
) -> Result<Vec<u8>, PdfError> {
    let rows: Vec<Vec<String>> = d
        .returned
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.efile_no.clone(),
                r.case_no.clone(),
                r.case_name.clone(),
                r.reason.clone(),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Title("电子档案退回单".into()),
        Block::Text(format!(
            "移交单位：{}　　接收单位：{}",
            d.transferring_unit.name, d.receiving_unit.name
        )),
        Block::Text(format!(
            "批次编号：{}　　批次摘要（{}）：{}",
            d.batch_no, d.digest_algo, d.batch_digest
        )),
        Block::Text(format!(
            "以下 {} 个归档信息包经移交接收检测不合格，予以退回。请按退回原因更正，重新组包、检测后再次移交，并注明所更正的批次 {}。",
            d.returned.len(),
            d.batch_no
        )),
    ];
    if rows.is_empty() {
        blocks.push(Block::Text("本批次没有退回的归档信息包。".into()));
    } else {
        blocks.push(Block::Table {
            columns: vec![
                Column::new("序号", 12.0),
                Column::new("电子文件号", 58.0),
                Column::new("办件编号", 34.0),
                Column::new("办件名称", 32.0),
                Column::new("退回原因", 44.0),
            ],
            rows,
        });
    }
    blocks.push(Block::Space(2.0));
    blocks.push(return_signer_block(d, env));
    blocks.push(Block::Space(6.0));
    blocks.push(Block::Text(
        "退回人（接收方）：＿＿＿＿＿＿　　签收人（移交方）：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
            .into(),
    ));
    render("电子档案退回单", &blocks, &format!("退回单 {}", d.batch_no))
}

/// A synthetic batch of `n` packages for tests and previews (Chinese names
/// with rare characters, three service items, some controlled records).
pub fn sample(n: u32) -> (Manifest, BatchSignature) {
    use crate::{ManifestPackage, ManifestUnit};
    use guidang_core::Suite;
    {
        let items = [
            ("0100001005", "农村村民宅基地审批", "01"),
            ("2000011001", "城乡居民基本养老保险参保登记", "20"),
            ("0500001002", "临时救助金给付", "05"),
        ];
        let packages: Vec<ManifestPackage> = (1..=n)
            .map(|i| {
                let (code, name, ty) = items[(i % 3) as usize];
                ManifestPackage {
                    seq: i,
                    efile_no: format!("430124-0001-{code}-2025-D30-{i:06}"),
                    case_no: format!("430124-20250301-{i:04}"),
                    case_name: format!("张䶮{name}"),
                    item_code: code.into(),
                    item_name: name.into(),
                    item_type: ty.into(),
                    applicant: if i % 7 == 0 {
                        "欧阳𠇔".into()
                    } else {
                        "张䶮".into()
                    },
                    completed_on: "2025-03-20".into(),
                    year: 2025,
                    retention: "D30".into(),
                    open_opinion: if i % 5 == 0 {
                        "控制使用".into()
                    } else {
                        "开放".into()
                    },
                    open_reason: (i % 5 == 0).then(|| "涉及个人隐私".into()),
                    materials: 5,
                    material_bytes: 600_000,
                    size: 601_234,
                    digest: format!("{:064x}", i as u128 * 0x9e3779b97f4a7c15),
                    check_opinion: "合格".into(),
                    seal_digest: None,
                }
            })
            .collect();
        let m = Manifest {
            format: crate::manifest::MANIFEST_FORMAT.into(),
            batch_no: "430124-20261121-01".into(),
            corrects: None,
            unit: ManifestUnit {
                region: "430124".into(),
                fonds: "0001".into(),
                name: "示范镇人民政府".into(),
            },
            suite: Suite::Gm,
            digest_algo: "SM3".into(),
            created_at: "2026-11-21T10:00:00+08:00".into(),
            operator: "张三".into(),
            total_packages: n,
            total_bytes: 601_234 * n as u64,
            packages,
        };
        let sig = BatchSignature {
            batch_no: m.batch_no.clone(),
            suite: Suite::Gm,
            digest_algo: "SM3".into(),
            manifest_digest: m.digest(),
            operator: "张三".into(),
            public_key: "04ab".into(),
            fingerprint: "f".repeat(64),
            signature: String::new(),
        };
        (m, sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_item_with_counts_and_remarks() {
        let (m, _) = sample(10);
        let rows = item_rows(&m);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().map(|r| r.2).sum::<u32>(), 10);
        assert!(rows.iter().any(|r| r.4.contains("控制使用")));
        assert!(rows.iter().all(|r| r.3 == "合格"));
    }
}
