//! The four-property check engine (四性检测) of DA/T 70-2018.
//!
//! Every check item has a stable code — the stage prefix (`GD` archiving,
//! `YJ` transfer and receipt) and the standard's item number with a sub-item,
//! e.g. `GD-1-1-1` — a Chinese title, and for every package a verdict (pass /
//! fail / warn / not-checked) with a reason a person can act on and the entry
//! it concerns. Checks collect every finding; they never stop at the first.
//!
//! The engine reads each package once: it runs the hardened verification of
//! `guidang-package` with probes (the head, tail and small entries' bytes
//! captured during the single pass), then judges formats, metadata, scope,
//! security and registration from what that pass saw.

pub mod antivirus;
mod content;
pub mod engine;
pub mod formats;
pub mod items;
pub mod media;
pub mod ofd;
pub mod office;
pub mod pdf;
pub mod raster;
pub mod report;
mod rows;
pub mod xmldoc;

pub use engine::{check_packages, finding, push, AuditEvidence, CheckContext, Expected};
pub use items::{Item, ITEMS};

/// The reason of the engine's finding for a file outside the transfer on a
/// carrier (callers that know more about the entry replace it).
pub const FOREIGN_FILE: &str = "载体中有移交范围以外的文件，请移除后重新移交";

use serde::{Deserialize, Serialize};

/// The stage of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 归档 (archiving, at the hall).
    Gd,
    /// 移交与接收 (transfer and receipt).
    Yj,
}

impl Stage {
    /// Code prefix of items (`GD` / `YJ`).
    pub fn prefix(self) -> &'static str {
        match self {
            Stage::Gd => "GD",
            Stage::Yj => "YJ",
        }
    }
    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Gd => "归档检测",
            Stage::Yj => "移交接收检测",
        }
    }
    /// Parses `gd` / `yj`.
    pub fn from_code(s: &str) -> Option<Stage> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gd" => Some(Stage::Gd),
            "yj" => Some(Stage::Yj),
            _ => None,
        }
    }
    /// `gd` / `yj`.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Gd => "gd",
            Stage::Yj => "yj",
        }
    }
}

/// The verdict of an item, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 通过.
    Pass,
    /// 未检测: the item could not be checked here (said why).
    NotChecked,
    /// 提示: not a failure, but someone should look.
    Warn,
    /// 不通过.
    Fail,
}

impl Verdict {
    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "通过",
            Verdict::NotChecked => "未检测",
            Verdict::Warn => "提示",
            Verdict::Fail => "不通过",
        }
    }

    /// Stable code, as stored in the catalog and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::NotChecked => "not_checked",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// One finding: an item's verdict for one package, with the entry concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable item code, e.g. `GD-1-1-1`.
    pub item: String,
    /// Item title.
    pub title: String,
    /// Verdict.
    pub verdict: Verdict,
    /// What is wrong and what to do (absent on pass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The entry (file) concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

/// The check of one package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackageCheck {
    /// The file checked.
    pub package: std::path::PathBuf,
    /// 电子文件号 (from the metadata, else the file name).
    pub efile_no: String,
    /// Stage.
    pub stage: Stage,
    /// Digest of the whole package.
    pub package_digest: Option<String>,
    /// Its algorithm.
    pub digest_algo: String,
    /// Bytes.
    pub size: u64,
    /// Overall verdict: the worst of the items (not-checked counts as pass).
    pub verdict: Verdict,
    /// One-line opinion for the 检测意见 column.
    pub opinion: String,
    /// Every finding: one `pass` row per item without problems, one row per
    /// problem otherwise.
    pub findings: Vec<Finding>,
    /// Whether the package's bytes could not be read in full, from the
    /// codes of its verification (decides 4-2-1 on a carrier; not stored).
    #[serde(skip)]
    pub read_failure: bool,
}

/// The check of a set of packages (a folder or a carrier).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchCheck {
    /// Stage.
    pub stage: Stage,
    /// When.
    pub checked_at: String,
    /// Every package.
    pub packages: Vec<PackageCheck>,
    /// Findings about the set itself (serial numbers, foreign files).
    pub batch_findings: Vec<Finding>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// One-line opinion for the batch.
    pub opinion: String,
    /// The report's view: the four-property matrix and the findings
    /// grouped across packages (filled in when the check is complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<report::Summary>,
}

impl BatchCheck {
    /// Packages that failed.
    pub fn failed(&self) -> usize {
        self.packages
            .iter()
            .filter(|p| p.verdict == Verdict::Fail)
            .count()
    }
}

/// The one-line opinion for a package, e.g. `合格` or
/// `不合格：1-1-1 签名无效（结果性材料/准予许可决定书.pdf）`.
pub fn opinion(findings: &[Finding]) -> String {
    let fails: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .collect();
    if fails.is_empty() {
        let warns = findings
            .iter()
            .filter(|f| f.verdict == Verdict::Warn)
            .count();
        return if warns == 0 {
            "合格".into()
        } else {
            format!("合格（{warns} 项提示）")
        };
    }
    let mut parts: Vec<String> = Vec::new();
    for f in fails.iter().take(3) {
        let item = f.item.split_once('-').map(|(_, r)| r).unwrap_or(&f.item);
        let reason = f.reason.as_deref().unwrap_or(&f.title);
        let short: String = reason
            .split(['；', '，', '。'])
            .next()
            .unwrap_or(reason)
            .chars()
            .take(40)
            .collect();
        match &f.entry {
            Some(e) => parts.push(format!("{item} {short}（{e}）")),
            None => parts.push(format!("{item} {short}")),
        }
    }
    let more = if fails.len() > 3 {
        format!(" 等{}项", fails.len())
    } else {
        String::new()
    };
    format!("不合格：{}{more}", parts.join("；"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(item: &str, v: Verdict, reason: &str, entry: Option<&str>) -> Finding {
        Finding {
            item: item.into(),
            title: "t".into(),
            verdict: v,
            reason: Some(reason.into()),
            entry: entry.map(Into::into),
        }
    }

    #[test]
    fn opinions() {
        assert_eq!(opinion(&[f("GD-1-1-1", Verdict::Pass, "", None)]), "合格");
        assert_eq!(
            opinion(&[f("GD-4-1-1", Verdict::Warn, "未安装杀毒软件", None)]),
            "合格（1 项提示）"
        );
        assert_eq!(
            opinion(&[f(
                "GD-1-1-1",
                Verdict::Fail,
                "签名无效，固化信息被修改",
                Some("结果性材料/准予许可决定书.pdf")
            )]),
            "不合格：1-1-1 签名无效（结果性材料/准予许可决定书.pdf）"
        );
        let many: Vec<Finding> = (0..5)
            .map(|i| f(&format!("YJ-2-3-{i}"), Verdict::Fail, "空文件", None))
            .collect();
        assert!(opinion(&many).ends_with("等5项"));
    }
}
