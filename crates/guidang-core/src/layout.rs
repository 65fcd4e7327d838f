//! Where things are on a transfer carrier (载体).
//!
//! The 2012 transfer measures (档发〔2012〕7号, attachment 2; standards
//! digest §5) give every carrier exactly four root entries: `说明文件.TXT`,
//! `文件目录.XML`, `电子档案/` (the records, year → category → record) and
//! `其他/` (everything else). Guidang's own files — the signed batch
//! manifest, the carrier manifest, the printed forms, keys, schemas and
//! rules — therefore live under `其他/` ([`Layout::Measures`]).
//!
//! Carriers written before this layout held those files at the root
//! ([`Layout::Legacy`]); they are still read (intake reports the old
//! layout as a finding), never written.

/// The four root entries of a carrier, in the measures' order.
pub const ROOT_ENTRIES: [&str; 4] = [README, CATALOGUE, RECORDS, OTHER];
/// The carrier's description (one per carrier).
pub const README: &str = "说明文件.TXT";
/// The file-level catalogue.
pub const CATALOGUE: &str = "文件目录.XML";
/// The records: `电子档案/年度/类别/…`.
pub const RECORDS: &str = "电子档案";
/// Everything else.
pub const OTHER: &str = "其他";
/// The naming rules of the carrier's files.
pub const NAMING_RULE: &str = "其他/命名规则.txt";
/// The rule that makes a record's 档号.
pub const ARCHIVAL_CODE_RULE: &str = "其他/档号规则.txt";
/// XML Schema of `文件目录.XML`.
pub const CATALOGUE_XSD: &str = "其他/文件目录模式.xsd";
/// XML Schema of a package's `元数据.xml`.
pub const METADATA_XSD: &str = "其他/元数据模式.xsd";
/// XML Schema of a package's `固化信息.xml`.
pub const SEAL_XSD: &str = "其他/固化信息模式.xsd";
/// The transferring unit's public keys.
pub const KEYRING: &str = "其他/移交单位公钥.json";
/// The transfer list (Table A.1).
pub const TRANSFER_LIST: &str = "其他/移交清单.pdf";
/// The catalogue list.
pub const CATALOG_LIST: &str = "其他/归档目录清单.pdf";

/// How a carrier is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The transfer measures' layout: four root entries, Guidang's files
    /// under `其他/`. Every carrier written now.
    Measures,
    /// Guidang's layout before the measures' was adopted: its files at the
    /// root. Read only.
    Legacy,
}

/// The files of one layout whose place differs between layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarrierFiles {
    /// The carrier's description.
    pub readme: &'static str,
    /// The catalogue.
    pub catalogue: &'static str,
    /// The signed batch manifest.
    pub batch_manifest: &'static str,
    /// Its signature.
    pub batch_signature: &'static str,
    /// The carrier manifest (written last: a carrier without it is
    /// incomplete; its digest is the carrier's digest).
    pub carrier_manifest: &'static str,
    /// The hand-over register (it prints every carrier digest, so no
    /// carrier manifest lists it).
    pub register: &'static str,
    /// The receiving archive's return file, which it may add.
    pub return_file: &'static str,
}

const MEASURES: CarrierFiles = CarrierFiles {
    readme: README,
    catalogue: CATALOGUE,
    batch_manifest: "其他/批次清单.json",
    batch_signature: "其他/批次清单.sig",
    carrier_manifest: "其他/载体清单.json",
    register: "其他/移交与接收登记表.pdf",
    return_file: "其他/退回清单.json",
};

const LEGACY: CarrierFiles = CarrierFiles {
    readme: "说明文件.txt",
    catalogue: "目录文件.xml",
    batch_manifest: "批次清单.json",
    batch_signature: "批次清单.sig",
    carrier_manifest: "载体清单.json",
    register: "移交与接收登记表.pdf",
    return_file: "退回清单.json",
};

/// Root files of the legacy layout besides those in [`CarrierFiles`].
const LEGACY_ROOT_FORMS: [&str; 2] = ["移交清单.pdf", "归档目录清单.pdf"];

impl Layout {
    /// Both layouts, the current one first.
    pub const ALL: [Layout; 2] = [Layout::Measures, Layout::Legacy];

    /// Where this layout keeps its files.
    pub const fn files(self) -> &'static CarrierFiles {
        match self {
            Layout::Measures => &MEASURES,
            Layout::Legacy => &LEGACY,
        }
    }

    /// The layout of a carrier, from which of its files exist (`has` is
    /// asked about paths relative to the root): the layout whose batch or
    /// carrier manifest is there. `None`: not a carrier of either layout.
    pub fn detect(has: impl Fn(&str) -> bool) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| {
            let f = l.files();
            has(f.carrier_manifest) || has(f.batch_manifest)
        })
    }

    /// Whether `rel` (a file path relative to the root) may be on a carrier
    /// of this layout besides its packages.
    pub fn allows(self, rel: &str) -> bool {
        let f = self.files();
        match self {
            Layout::Measures => rel == f.readme || rel == f.catalogue || rel.starts_with("其他/"),
            Layout::Legacy => {
                rel.starts_with("其他/")
                    || [
                        f.readme,
                        f.catalogue,
                        f.batch_manifest,
                        f.batch_signature,
                        f.carrier_manifest,
                        f.register,
                        f.return_file,
                    ]
                    .contains(&rel)
                    || LEGACY_ROOT_FORMS.contains(&rel)
            }
        }
    }

    /// A short Chinese name for messages.
    pub fn label(self) -> &'static str {
        match self {
            Layout::Measures => "《电子档案移交与接收办法》规定的结构",
            Layout::Legacy => "归档通旧版载体结构（根目录有批次清单、载体清单等文件）",
        }
    }
}

/// Whether `rel` is part of a record on a carrier: anything under
/// `电子档案/` — a package `.zip` (the legacy layout put them there too) or
/// a file of an unpacked package's folder. The check reads these, verified
/// against the package's seal; the carrier audit only sees them there.
pub fn is_package_path(rel: &str) -> bool {
    rel.starts_with("电子档案/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_layout_keeps_its_files_under_other() {
        let f = Layout::Measures.files();
        for p in [
            f.batch_manifest,
            f.batch_signature,
            f.carrier_manifest,
            f.register,
            f.return_file,
            NAMING_RULE,
            ARCHIVAL_CODE_RULE,
            CATALOGUE_XSD,
            METADATA_XSD,
            SEAL_XSD,
            KEYRING,
            TRANSFER_LIST,
            CATALOG_LIST,
        ] {
            assert!(p.starts_with("其他/"), "{p}");
        }
        assert!(ROOT_ENTRIES.contains(&f.readme) && ROOT_ENTRIES.contains(&f.catalogue));
        assert!(Layout::Measures.allows("其他/任何文件.pdf"));
        assert!(!Layout::Measures.allows("批次清单.json"));
        assert!(Layout::Legacy.allows("批次清单.json"));
        assert!(!Layout::Legacy.allows("随便.txt"));
    }

    #[test]
    fn detection_prefers_the_current_layout() {
        let on = |names: &'static [&'static str]| move |p: &str| names.contains(&p);
        assert_eq!(
            Layout::detect(on(&["其他/载体清单.json"])),
            Some(Layout::Measures)
        );
        assert_eq!(
            Layout::detect(on(&["其他/批次清单.json"])),
            Some(Layout::Measures)
        );
        assert_eq!(
            Layout::detect(on(&["载体清单.json", "批次清单.json"])),
            Some(Layout::Legacy)
        );
        assert_eq!(Layout::detect(on(&["说明文件.TXT"])), None);
    }
}
