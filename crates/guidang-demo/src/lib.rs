//! Demo data: writes a realistic export tree of N cases, as a hall would get
//! from its handling system, for the app's first run and the benchmarks.
//!
//! Output is deterministic for a given seed and "today": the generator uses
//! its own PRNG ([`rng::SplitMix64`]) so upgrading a crate never changes a
//! seed's data set.

pub mod files;
pub mod people;
pub mod rng;

use std::io;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveTime};
use serde_json::json;

use rng::SplitMix64;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Number of cases.
    pub cases: u32,
    /// PRNG seed.
    pub seed: u64,
    /// The day the data is generated for: completion dates fall in the 18
    /// months before it, so deadlines are realistic.
    pub today: NaiveDate,
    /// 行政区划码 used in case numbers and identity numbers.
    pub region: String,
    /// Accepting unit written into every case.
    pub accepting_unit: String,
    /// When set, the first case also holds one PDF of about this many bytes.
    pub large_file: Option<u64>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// The export tree.
    pub root: PathBuf,
    /// Case folders written.
    pub cases: u32,
    /// Material files written.
    pub files: u64,
    /// Material bytes written.
    pub bytes: u64,
}

/// A service item the demo township handles.
pub struct DemoItem {
    /// 事项编码.
    pub code: &'static str,
    /// 事项名称.
    pub name: &'static str,
    /// 事项类型 code.
    pub item_type: &'static str,
    /// 保管期限.
    pub retention: &'static str,
    /// 办件类型.
    pub kind: &'static str,
    /// 办理结果.
    pub result: &'static str,
    /// Whether applicants are organisations.
    pub legal: bool,
    /// Name of the result document.
    pub result_doc: &'static str,
}

/// The demo item list: typical township (乡镇) service items.
pub const ITEMS: &[DemoItem] = &[
    DemoItem {
        code: "0100001005",
        name: "农村村民宅基地审批",
        item_type: "01",
        retention: "Y",
        kind: "2",
        result: "准予许可",
        legal: false,
        result_doc: "农村宅基地批准书",
    },
    DemoItem {
        code: "0100002011",
        name: "乡村建设规划许可证核发",
        item_type: "01",
        retention: "D30",
        kind: "2",
        result: "准予许可",
        legal: true,
        result_doc: "乡村建设规划许可证",
    },
    DemoItem {
        code: "0500001002",
        name: "临时救助金给付",
        item_type: "05",
        retention: "D10",
        kind: "2",
        result: "同意给付",
        legal: false,
        result_doc: "临时救助审批表",
    },
    DemoItem {
        code: "0500003001",
        name: "困难残疾人生活补贴和重度残疾人护理补贴",
        item_type: "05",
        retention: "D10",
        kind: "2",
        result: "同意发放",
        legal: false,
        result_doc: "残疾人两项补贴审核决定",
    },
    DemoItem {
        code: "0700001003",
        name: "最低生活保障对象认定",
        item_type: "07",
        retention: "D30",
        kind: "2",
        result: "认定为低保对象",
        legal: false,
        result_doc: "最低生活保障认定通知书",
    },
    DemoItem {
        code: "0800002001",
        name: "见义勇为人员奖励和表彰",
        item_type: "08",
        retention: "Y",
        kind: "2",
        result: "予以表彰",
        legal: false,
        result_doc: "表彰决定书",
    },
    DemoItem {
        code: "2000011001",
        name: "城乡居民基本养老保险参保登记",
        item_type: "20",
        retention: "D30",
        kind: "1",
        result: "办结",
        legal: false,
        result_doc: "参保登记回执",
    },
    DemoItem {
        code: "2000013002",
        name: "生育登记服务",
        item_type: "20",
        retention: "D10",
        kind: "1",
        result: "办结",
        legal: false,
        result_doc: "生育服务登记证明",
    },
    DemoItem {
        code: "2000021005",
        name: "农业机械购置补贴申领",
        item_type: "20",
        retention: "D10",
        kind: "2",
        result: "同意补贴",
        legal: true,
        result_doc: "购机补贴确认书",
    },
    DemoItem {
        code: "0600004001",
        name: "农药经营单位监督检查",
        item_type: "06",
        retention: "D30",
        kind: "9",
        result: "检查合格",
        legal: true,
        result_doc: "监督检查记录",
    },
];

/// Writes the export tree under `out` (created if needed).
pub fn generate(out: &Path, opts: &DemoOptions) -> io::Result<DemoSummary> {
    std::fs::create_dir_all(out)?;
    let mut rng = SplitMix64::new(opts.seed);
    let pool = files::ImagePool::new(&mut rng);
    let mut summary = DemoSummary {
        root: out.to_path_buf(),
        cases: 0,
        files: 0,
        bytes: 0,
    };
    let mut day_seq = std::collections::HashMap::new();
    for n in 0..opts.cases {
        let item = &ITEMS[rng.below(ITEMS.len() as u64) as usize];
        let completed_day = opts.today - Duration::days(1 + rng.below(540) as i64);
        let days_open = if item.kind == "1" {
            0
        } else {
            rng.below(20) as i64
        };
        let accepted_day = completed_day - Duration::days(days_open);
        let t_acc = NaiveTime::from_hms_opt(8 + rng.below(4) as u32, rng.below(60) as u32, 0)
            .expect("time");
        let t_done = NaiveTime::from_hms_opt(14 + rng.below(3) as u32, rng.below(60) as u32, 0)
            .expect("time");
        let seq = day_seq.entry(accepted_day).or_insert(0u32);
        *seq += 1;
        let case_no = format!(
            "{}-{}-{:04}",
            opts.region,
            accepted_day.format("%Y%m%d"),
            *seq
        );
        let person = people::person(&mut rng, &opts.region);
        let (applicant, applicant_type, id_type, id_no) = if item.legal {
            let org = people::organisation(&mut rng, &opts.region);
            (org.0, "2", "001", org.1)
        } else {
            (person.name.clone(), "1", "111", person.id_no.clone())
        };
        let dir = out.join(&case_no);
        let mut materials = Vec::new();
        let mut write = |cat: &str, name: &str, data: Vec<u8>| -> io::Result<()> {
            let folder = match cat {
                "证据性" => "证据性材料",
                "程序性" => "程序性材料",
                _ => "结果性材料",
            };
            std::fs::create_dir_all(dir.join(folder))?;
            std::fs::write(dir.join(folder).join(name), &data)?;
            summary.files += 1;
            summary.bytes += data.len() as u64;
            materials.push(json!({"category": cat, "file": format!("{folder}/{name}")}));
            Ok(())
        };
        let stamp = format!("{case_no} {}", completed_day.format("%Y-%m-%d"));
        write(
            "证据性",
            &format!("{}申请表.pdf", item.name),
            files::scan_pdf(
                &pool,
                &mut rng,
                1 + rng_pages(n),
                &stamp,
                &format!("{}申请表", item.name),
            ),
        )?;
        if item.legal {
            write(
                "证据性",
                "营业执照副本.jpg",
                files::photo_jpeg(&pool, &mut rng, &stamp),
            )?;
        } else {
            write(
                "证据性",
                "申请人身份证复印件.jpg",
                files::photo_jpeg(&pool, &mut rng, &stamp),
            )?;
        }
        if rng.below(3) == 0 {
            write(
                "证据性",
                "现场照片.jpg",
                files::photo_jpeg(&pool, &mut rng, &stamp),
            )?;
        }
        if item.kind != "1" {
            write(
                "程序性",
                "受理通知书.pdf",
                files::scan_pdf(&pool, &mut rng, 1, &stamp, "受理通知书"),
            )?;
            write(
                "程序性",
                "审核意见表.xml",
                files::review_xml(&case_no, item.name, &applicant, completed_day).into_bytes(),
            )?;
        }
        write(
            "程序性",
            "经办人电子签名.png",
            files::signature_png(&mut rng),
        )?;
        let pages = 1 + rng.below(2) as u32;
        write(
            "结果性",
            &format!("{}.pdf", item.result_doc),
            files::scan_pdf(&pool, &mut rng, pages, &stamp, item.result_doc),
        )?;
        if n == 0 {
            if let Some(size) = opts.large_file {
                let folder = dir.join("证据性材料");
                let path = folder.join("现场勘验全程记录.pdf");
                let written = files::large_pdf(&pool, &path, size)?;
                summary.files += 1;
                summary.bytes += written;
                materials
                    .push(json!({"category": "证据性", "file": "证据性材料/现场勘验全程记录.pdf"}));
            }
        }
        let case = json!({
            "format": "guidang-case/1",
            "case_no": case_no,
            "case_name": format!("{applicant}{}", item.name),
            "case_kind": item.kind,
            "item_code": item.code,
            "item_name": item.name,
            "item_type": item.item_type,
            "applicant": {"name": applicant, "type": applicant_type, "id_type": id_type, "id_no": id_no},
            "accepting_unit": opts.accepting_unit,
            "accepted_at": format!("{}T{}+08:00", accepted_day, t_acc),
            "completed_at": format!("{}T{}+08:00", completed_day, t_done),
            "result": item.result,
            "retention": item.retention,
            "secrecy": "非密",
            "materials": materials,
        });
        std::fs::write(
            dir.join("case.json"),
            serde_json::to_vec_pretty(&case).expect("json"),
        )?;
        summary.cases += 1;
    }
    Ok(summary)
}

fn rng_pages(n: u32) -> u32 {
    n % 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(seed: u64) -> DemoOptions {
        DemoOptions {
            cases: 4,
            seed,
            today: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            region: "430124".into(),
            accepting_unit: "示范镇便民服务中心".into(),
            large_file: None,
        }
    }

    fn tree(p: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![p.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let e = e.unwrap().path();
                if e.is_dir() {
                    stack.push(e);
                } else {
                    out.push((
                        e.strip_prefix(p).unwrap().display().to_string(),
                        std::fs::read(&e).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn same_seed_same_tree_other_seed_other_tree() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let s = generate(a.path(), &opts(7)).unwrap();
        generate(b.path(), &opts(7)).unwrap();
        generate(c.path(), &opts(8)).unwrap();
        assert_eq!(s.cases, 4);
        assert!(s.files >= 16, "{}", s.files);
        assert_eq!(tree(a.path()), tree(b.path()));
        assert_ne!(tree(a.path()), tree(c.path()));
    }
}
