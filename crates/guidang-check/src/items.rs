//! The check items. Codes are stable: scripts, reports and the catalog
//! quote them. Numbers follow DA/T 70-2018 (property-item), with a sub-item.

use crate::Stage;
use guidang_package::Code;

/// A check item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Number without stage prefix, e.g. `1-1-1`.
    pub no: &'static str,
    /// Property: 真实性 / 完整性 / 可用性 / 安全性.
    pub property: &'static str,
    /// Title.
    pub title: &'static str,
    /// What else the item rests on besides its DA/T 70 item (another
    /// standard or the measures), or empty.
    pub basis: &'static str,
    /// Stages it applies to.
    pub stages: &'static [Stage],
}

const BOTH: &[Stage] = &[Stage::Gd, Stage::Yj];

impl Item {
    /// The clauses the item applies, for the report: its two-level item
    /// of DA/T 70—2018 with the item's name there, and what else it rests
    /// on, e.g. `DA/T 70—2018 3-2 内容的可读性；版式文件见 DA/T 47—2009…`.
    pub fn cites(&self) -> String {
        let two = &self.no[..3];
        let name = crate::report::TWO_LEVEL
            .iter()
            .find(|(_, n, _)| *n == two)
            .map(|(_, _, t)| *t)
            .unwrap_or("");
        let mut s = format!("DA/T 70—2018 {two} {name}");
        if !self.basis.is_empty() {
            s.push('；');
            s.push_str(self.basis);
        }
        s
    }
}

/// Every item, in report order.
pub const ITEMS: &[Item] = &[
    Item {
        no: "1-1-1",
        property: "真实性",
        title: "固化信息有效：签名验证通过，各文件摘要与固化时一致",
        basis: "摘要算法 SM3（GB/T 32905）、签名算法 SM2（GB/T 32918）",
        stages: BOTH,
    },
    Item {
        no: "1-1-2",
        property: "真实性",
        title: "固化人公钥在受信任的密钥环中",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "1-2-1",
        property: "真实性",
        title: "元数据准确：长度、类型、代码值域、日期顺序、证件校验码",
        basis: "元数据项见 GB/T 42727—2023",
        stages: BOTH,
    },
    Item {
        no: "1-3-1",
        property: "真实性",
        title: "内容的电子属性（大小、格式）与元数据一致",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "1-4-1",
        property: "真实性",
        title: "材料存放位置与元数据记录一致，包内无其他文件",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "1-5-1",
        property: "真实性",
        title: "包结构符合规范，包名与电子文件号一致",
        basis: "归档信息包结构见 GB/T 42727—2023",
        stages: BOTH,
    },
    Item {
        no: "1-5-2",
        property: "真实性",
        title: "包摘要与登记（归档时）或移交清单（接收时）一致：所收即所发",
        basis: "移交接收时依 档发〔2012〕7号 附件3 登记表",
        stages: BOTH,
    },
    Item {
        no: "2-1-1",
        property: "完整性",
        title: "包的大小、材料件数和字节数与登记或移交清单一致",
        basis: "移交接收时依 档发〔2012〕7号 附件3 登记表",
        stages: BOTH,
    },
    Item {
        no: "2-2-1",
        property: "完整性",
        title: "元数据必填项齐全",
        basis: "元数据项见 GB/T 42727—2023",
        stages: BOTH,
    },
    Item {
        no: "2-2-2",
        property: "完整性",
        title: "件号、件内顺序号连续且不重复",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "2-3-1",
        property: "完整性",
        title: "内容数据完整，无缺失文件和空文件",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "2-4-1",
        property: "完整性",
        title: "符合归档范围：有结果性材料，包内件数与元数据一致",
        basis: "归档范围见 国办发〔2023〕26号 办法",
        stages: BOTH,
    },
    Item {
        no: "3-1-1",
        property: "可用性",
        title: "元数据可以读取（XML 可解析，不含 DTD 和外部实体）",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "3-2-1",
        property: "可用性",
        title: "格式按内容识别且能够打开，扩展名与内容相符",
        basis: "版式文件见 DA/T 47—2009（字体嵌入）、GB/T 33190—2016（OFD）、GB/T 23286.1（PDF/A）",
        stages: BOTH,
    },
    Item {
        no: "3-3-1",
        property: "可用性",
        title: "形成的软硬件环境已记录",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "3-4-1",
        property: "可用性",
        title: "无加密，只用标准压缩，无压缩炸弹",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "4-1-1",
        property: "安全性",
        title: "病毒检查",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "4-1-2",
        property: "安全性",
        title: "无可执行文件、脚本和含宏的办公文档",
        basis: "",
        stages: BOTH,
    },
    Item {
        no: "4-2-1",
        property: "安全性",
        title: "载体中无移交范围以外的文件，内容可完整读出",
        basis: "载体见 档发〔2012〕7号 附件2、DA/T 38",
        stages: BOTH,
    },
    Item {
        no: "4-3-1",
        property: "安全性",
        title: "固化和移交过程的审计链完整",
        basis: "",
        stages: BOTH,
    },
];

/// The item with this number.
pub fn item(no: &str) -> &'static Item {
    ITEMS.iter().find(|i| i.no == no).expect("known item")
}

/// The item of a verification finding of `guidang-package`: every code is
/// named, so a new code cannot fall silently under an item.
pub fn item_of_verify_code(code: Code) -> &'static str {
    use Code as C;
    match code {
        C::SealUntrustedKey => "1-1-2",
        C::SealMissing
        | C::SealInvalid
        | C::SealSignature
        | C::SealFingerprint
        | C::EntryDigest
        | C::EntrySize
        | C::EntryData => "1-1-1",
        C::MetadataMaterialMismatch => "1-3-1",
        C::EntryUnsealed | C::ZipHiddenEntry => "1-4-1",
        C::ZipUnreadable
        | C::ZipNameUnsafe
        | C::ZipDuplicate
        | C::ZipSymlink
        | C::ZipDirectoryEntry
        | C::ZipOverlap
        | C::ZipLocalMismatch
        | C::ZipLeadingBytes
        | C::ZipGap
        | C::ZipTrailingBytes
        | C::ZipComment
        | C::ZipCdExtra
        | C::PackageUnreadable
        | C::PackageName
        | C::FolderLink
        | C::FolderSpecial
        | C::FolderNameUnsafe
        | C::FolderTooLarge
        | C::SealEfileNo => "1-5-1",
        C::MetadataMaterialMissing | C::EntryMissing => "2-3-1",
        C::ZipEncrypted | C::ZipMethod | C::ZipBomb => "3-4-1",
        C::MetadataInvalid => "2-2-1",
        C::MetadataUnreadable | C::PackageMetadataMissing => "3-1-1",
        C::CheckCancelled => "4-2-1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn layout_codes_are_package_structure_except_hidden_entries() {
        for c in [
            Code::ZipLocalMismatch,
            Code::ZipLeadingBytes,
            Code::ZipGap,
            Code::ZipTrailingBytes,
            Code::ZipComment,
            Code::ZipCdExtra,
            Code::ZipOverlap,
        ] {
            assert_eq!(item_of_verify_code(c), "1-5-1", "{c:?}");
        }
        assert_eq!(item_of_verify_code(Code::ZipHiddenEntry), "1-4-1");
    }

    #[test]
    fn every_item_cites_its_two_level_item() {
        for i in ITEMS {
            let c = i.cites();
            assert!(
                c.starts_with(&format!("DA/T 70—2018 {} ", &i.no[..3])),
                "{c}"
            );
            assert!(!c.trim_end().ends_with(&i.no[..3]), "no name for {}", i.no);
        }
    }

    #[test]
    fn every_code_falls_under_a_known_item() {
        for c in Code::ALL {
            let no = item_of_verify_code(*c);
            assert!(ITEMS.iter().any(|i| i.no == no), "{c}: {no}");
        }
    }
}
