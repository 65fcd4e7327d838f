//! Case metadata: the raw input as collected ([`CaseInput`]) and the
//! validated record ([`CaseRecord`]) that the catalog stores.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::codes::*;

/// Settings of the archiving unit, set at `init`; only the names can be
/// corrected later (`Archive::rename_unit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSettings {
    /// 行政区划码 (6 digits).
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// 立档单位名称.
    pub unit_name: String,
    /// 机构 (department of the unit), optional.
    pub org: Option<String>,
    /// Which side of the hand-over this installation serves.
    pub role: Role,
    /// Crypto suite.
    pub suite: Suite,
}

/// An entry of the unit's service item list (事项清单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceItem {
    /// 事项编码.
    pub code: String,
    /// 事项名称.
    pub name: String,
    /// 事项类型.
    pub item_type: ItemType,
    /// Default 保管期限 for the item's cases.
    pub default_retention: Retention,
}

/// Raw case metadata as read from `case.json` or a CSV ledger row: every
/// field optional so that validation can name each missing one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    /// 办件编号 / 业务流水号.
    pub case_no: Option<String>,
    /// 办件名称.
    pub case_name: Option<String>,
    /// 办件类型 code.
    pub case_kind: Option<String>,
    /// 事项编码.
    pub item_code: Option<String>,
    /// 事项名称.
    pub item_name: Option<String>,
    /// 事项类型 code.
    pub item_type: Option<String>,
    /// 申请人名称.
    pub applicant_name: Option<String>,
    /// 申请人类型 code.
    pub applicant_type: Option<String>,
    /// 证件类型 code.
    pub applicant_id_type: Option<String>,
    /// 证件号码.
    pub applicant_id_no: Option<String>,
    /// 受理单位.
    pub accepting_unit: Option<String>,
    /// 受理时间.
    pub accepted_at: Option<String>,
    /// 办结时间.
    pub completed_at: Option<String>,
    /// 办理结果.
    pub result: Option<String>,
    /// 结果证照编号.
    pub result_license_no: Option<String>,
    /// 保管期限 code.
    pub retention: Option<String>,
    /// 密级.
    pub secrecy: Option<String>,
    /// Materials, in order.
    pub materials: Vec<MaterialInput>,
}

/// One material as listed in the input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialInput {
    /// 证据性 / 程序性 / 结果性.
    pub category: Option<String>,
    /// Path of the file relative to the case folder.
    pub file: Option<String>,
    /// 标准名称 (title); defaults to the file name without extension.
    pub title: Option<String>,
}

/// 申请人.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// 名称.
    pub name: String,
    /// 类型.
    pub kind: ApplicantType,
    /// 证件类型.
    pub id_type: IdType,
    /// 证件号码.
    pub id_no: String,
}

/// A material after validation: category, safe relative path, title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialSpec {
    /// Category.
    pub category: Category,
    /// Relative path inside the case folder, `/`-separated, NFC.
    pub rel_path: String,
    /// 标准名称.
    pub title: String,
}

/// A validated case, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// 办件编号.
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// 办件类型.
    pub case_kind: CaseKind,
    /// The service item.
    pub item: ServiceItem,
    /// 申请人.
    pub applicant: Applicant,
    /// 受理单位.
    pub accepting_unit: String,
    /// 受理时间.
    pub accepted_at: DateTime<FixedOffset>,
    /// 办结时间.
    pub completed_at: DateTime<FixedOffset>,
    /// 办理结果.
    pub result: String,
    /// 结果证照编号.
    pub result_license_no: Option<String>,
    /// 保管期限.
    pub retention: Retention,
    /// 密级 (always unclassified once validated).
    pub secrecy: Secrecy,
    /// Materials in order.
    pub materials: Vec<MaterialSpec>,
}

impl CaseRecord {
    /// 年度: the year the case was completed.
    pub fn year(&self) -> i32 {
        chrono::Datelike::year(&self.completed_at)
    }
}

/// The 电子文件号 of a package:
/// `{行政区划码}-{全宗号}-{事项编码}-{年度}-{保管期限代码}-{件号6位}`.
pub fn electronic_file_no(
    region: &str,
    fonds: &str,
    item_code: &str,
    year: i32,
    retention: Retention,
    piece_no: u32,
) -> String {
    format!(
        "{region}-{fonds}-{item_code}-{year}-{}-{piece_no:06}",
        retention.code()
    )
}

/// The 档号 of a record, DA/T 22 style: `全宗号-年度-保管期限-事项编码-件号`
/// (the 事项编码 stands where DA/T 22 puts the 机构（问题）代码, since 件号
/// run per 事项, 年度 and 保管期限), e.g. `0001-2025-Y-0100001005-000001`.
/// Made from the 电子文件号, which holds every part; `None` when it is not
/// one of ours (six `-`-separated parts).
pub fn archival_code(efile_no: &str) -> Option<String> {
    let parts: Vec<&str> = efile_no.split('-').collect();
    let [_region, fonds, item, year, retention, piece] = parts[..] else {
        return None;
    };
    Some(format!("{fonds}-{year}-{retention}-{item}-{piece}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archival_code_reorders_the_electronic_file_no() {
        assert_eq!(
            archival_code("350100-0002-0100001005-2021-D30-000008").as_deref(),
            Some("0002-2021-D30-0100001005-000008")
        );
        assert_eq!(archival_code("not-ours"), None);
    }

    #[test]
    fn electronic_file_no_matches_the_provincial_example() {
        assert_eq!(
            electronic_file_no("350100", "0002", "0100001005", 2021, Retention::Years30, 8),
            "350100-0002-0100001005-2021-D30-000008"
        );
    }
}
