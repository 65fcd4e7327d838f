//! Code domains from the standards (GB/T 39046, DA/T 13, the hall rules).
//!
//! Every enum here has a stable code used in files and the catalog
//! (`code()` / `from_code()`) and a Chinese label for people (`label()`).

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($var),+ }

        /// Serialised as its stable code.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::from_code(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code {s}")))
            }
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stable code written in files and the catalog.
            pub fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            /// The Chinese label shown to people.
            pub fn label(self) -> &'static str { match self { $($name::$var => $label),+ } }
            /// Parses a code (or, forgivingly, the Chinese label).
            pub fn from_code(s: &str) -> Option<Self> {
                let s = s.trim();
                $(if s == $code || s == $label { return Some($name::$var); })+
                None
            }
            /// `code（label）` pairs for error messages listing the domain.
            pub fn domain() -> String {
                let v: Vec<String> = Self::ALL.iter().map(|c| format!("{}（{}）", c.code(), c.label())).collect();
                v.join("、")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }
    };
}

code_enum!(
    /// 事项类型 per GB/T 39046-2020 appendix A.
    ItemType {
        PowerGeneral = "00", "行政权力事项";
        Licensing = "01", "行政许可";
        Penalty = "02", "行政处罚";
        Enforcement = "03", "行政强制";
        Levy = "04", "行政征收";
        Payment = "05", "行政给付";
        Inspection = "06", "行政检查";
        Confirmation = "07", "行政确认";
        Award = "08", "行政奖励";
        Ruling = "09", "行政裁决";
        OtherPower = "10", "其他行政权力";
        PublicService = "20", "公共服务事项";
    }
);

impl ItemType {
    /// The top-level class used when sorting cases (整理): 行政权力事项 or 公共服务事项.
    pub fn class_label(self) -> &'static str {
        match self {
            ItemType::PublicService => "公共服务事项",
            _ => "行政权力事项",
        }
    }
}

code_enum!(
    /// 保管期限 per DA/T 13.
    Retention {
        Permanent = "Y", "永久";
        Years30 = "D30", "30年";
        Years10 = "D10", "10年";
    }
);

impl Retention {
    /// Years of retention, `None` for permanent.
    pub fn years(self) -> Option<i32> {
        match self {
            Retention::Permanent => None,
            Retention::Years30 => Some(30),
            Retention::Years10 => Some(10),
        }
    }
    /// Records kept permanently or 30 years go to the comprehensive archive
    /// within 5 years.
    pub fn must_transfer_to_archive(self) -> bool {
        matches!(self, Retention::Permanent | Retention::Years30)
    }
}

code_enum!(
    /// 办件类型.
    CaseKind {
        Immediate = "1", "即办件";
        Promised = "2", "承诺件";
        Other = "9", "其他";
    }
);

code_enum!(
    /// Material category (archive scope of the 26号 measures).
    Category {
        Evidence = "证据性", "证据性材料";
        Procedural = "程序性", "程序性材料";
        Result = "结果性", "结果性材料";
    }
);

impl Category {
    /// Folder name used in export trees and packages.
    pub fn folder(self) -> &'static str {
        self.label()
    }
}

code_enum!(
    /// 申请人类型.
    ApplicantType {
        Person = "1", "自然人";
        Legal = "2", "法人";
        Organisation = "3", "其他组织";
    }
);

code_enum!(
    /// 证件类型 of the applicant.
    IdType {
        ResidentId = "111", "居民身份证";
        Uscc = "001", "统一社会信用代码";
        Passport = "414", "护照";
        HkMacaoPermit = "516", "港澳居民来往内地通行证";
        Other = "999", "其他证件";
    }
);

code_enum!(
    /// 密级. Only unclassified records belong in this system.
    Secrecy {
        Unclassified = "非密", "非密";
        Public = "公开", "公开";
        Internal = "内部", "内部";
        Secret = "秘密", "秘密";
        Confidential = "机密", "机密";
        TopSecret = "绝密", "绝密";
    }
);

impl Secrecy {
    /// Whether records of this level may be handled by Guidang at all.
    pub fn is_unclassified(self) -> bool {
        matches!(self, Secrecy::Unclassified | Secrecy::Public)
    }
}

code_enum!(
    /// Lifecycle of a case in the catalog.
    CaseStatus {
        Collected = "collected", "已收集";
        Packaged = "packaged", "已组包";
        Sealed = "sealed", "已固化";
        Checked = "checked", "已检测";
        InBatch = "in_batch", "已组批";
        Transferred = "transferred", "已移交";
        Returned = "returned", "已退回";
        Accepted = "accepted", "已接收";
        Destroyed = "destroyed", "已销毁";
    }
);

impl CaseStatus {
    /// Archiving (stage one) is finished once the gd check has passed.
    pub fn is_archived(self) -> bool {
        !matches!(
            self,
            CaseStatus::Collected
                | CaseStatus::Packaged
                | CaseStatus::Sealed
                | CaseStatus::Returned
        )
    }
    /// Whether the case has left the hall's hands.
    pub fn is_transferred(self) -> bool {
        matches!(self, CaseStatus::Transferred | CaseStatus::Accepted)
    }
    /// Whether collection may replace the case's content (correction).
    pub fn is_replaceable(self) -> bool {
        matches!(self, CaseStatus::Collected | CaseStatus::Returned)
    }
}

code_enum!(
    /// 开放利用意见: the opinion on opening for use that must accompany a
    /// transfer. Anything but 开放 needs a reason.
    OpenOpinion {
        Open = "开放", "开放";
        Controlled = "控制使用", "控制使用";
        Closed = "不开放", "不开放";
    }
);

code_enum!(
    /// Which side of the hand-over this installation serves.
    Role {
        Hall = "hall", "移交方";
        Intake = "intake", "接收方";
    }
);

code_enum!(
    /// Crypto suite, fixed at `init` and named in every artefact.
    Suite {
        Gm = "gm", "国密（SM3/SM2）";
        Intl = "intl", "国际（SHA-256/Ed25519）";
    }
);

impl Suite {
    /// The suite's digest algorithm.
    pub fn digest(self) -> crate::DigestAlgo {
        match self {
            Suite::Gm => crate::DigestAlgo::Sm3,
            Suite::Intl => crate::DigestAlgo::Sha256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_parse() {
        for t in ItemType::ALL {
            assert_eq!(ItemType::from_code(t.code()), Some(*t));
            assert_eq!(ItemType::from_code(t.label()), Some(*t));
        }
        assert_eq!(Retention::from_code(" D30 "), Some(Retention::Years30));
        assert_eq!(Retention::from_code("D20"), None);
        assert_eq!(CaseKind::from_code("承诺件"), Some(CaseKind::Promised));
        assert!(ItemType::domain().contains("20（公共服务事项）"));
        assert_eq!(serde_json::to_string(&Suite::Gm).unwrap(), "\"gm\"");
        assert_eq!(
            serde_json::from_str::<Retention>("\"D30\"").unwrap(),
            Retention::Years30
        );
        assert!(serde_json::from_str::<Retention>("\"D31\"").is_err());
    }

    #[test]
    fn status_predicates() {
        assert!(!CaseStatus::Sealed.is_archived());
        assert!(CaseStatus::Checked.is_archived());
        assert!(CaseStatus::Returned.is_replaceable());
        assert!(!CaseStatus::Sealed.is_replaceable());
        assert!(Secrecy::Public.is_unclassified());
        assert!(!Secrecy::Internal.is_unclassified());
    }
}
