//! The pure parts of writing a transfer medium: the file-system rules a
//! carrier imposes, the plan that splits a batch over carriers, and the
//! carrier's description files (`说明文件.txt`, `目录文件.xml`). Writing,
//! read-back and resume build on these.

use std::path::Path;

use crate::Manifest;

/// The rules of a carrier's file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsRules {
    /// FAT32: files up to 4 GiB − 1, no `"*/:<>?\|` or control characters.
    Fat32,
    /// exFAT, NTFS, ext4 and the like: no practical file-size limit here.
    Modern,
}

/// Longest relative path written to a medium (UTF-16 units).
pub const MAX_PATH_CHARS: usize = 240;

use guidang_core::medium::unescape_mount;

/// Largest file FAT32 can hold.
pub const FAT32_MAX_FILE: u64 = (4 << 30) - 1;

impl FsRules {
    /// The rules from a file-system type name as in `/proc/mounts`.
    pub fn from_fstype(t: &str) -> FsRules {
        match t {
            "vfat" | "msdos" | "fat" | "fat32" => FsRules::Fat32,
            _ => FsRules::Modern,
        }
    }

    /// Detects the rules of the file system holding `path`: the environment
    /// variable `GUIDANG_FS_RULES` (`fat32` or `modern`) wins, for tests and
    /// for carriers mounted through FUSE drivers that hide their type;
    /// otherwise the longest matching mount point of `/proc/mounts`.
    pub fn detect(path: &Path) -> FsRules {
        if let Ok(v) = std::env::var("GUIDANG_FS_RULES") {
            return FsRules::from_fstype(&v.to_ascii_lowercase());
        }
        let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        FsRules::from_mounts(&mounts, &canon)
    }

    /// The rules for `path` (absolute, canonical) from a mount table in the
    /// format of `/proc/mounts`: the longest mount point containing it wins.
    pub fn from_mounts(mounts: &str, path: &Path) -> FsRules {
        mounts
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                let (_, mp, ty) = (f.next()?, f.next()?, f.next()?);
                let mp = unescape_mount(mp);
                path.starts_with(&mp).then(|| (mp.len(), ty.to_string()))
            })
            .max_by_key(|(n, _)| *n)
            .map(|(_, t)| FsRules::from_fstype(&t))
            .unwrap_or(FsRules::Modern)
    }

    /// Why a whole path (relative, `/`-separated) is too long, if it is:
    /// Windows programs refuse paths over 260 characters, and the medium's
    /// root (`E:\`) and a temporary suffix need room too.
    pub fn path_problem(self, rel: &str) -> Option<String> {
        (rel.encode_utf16().count() > MAX_PATH_CHARS)
            .then(|| format!("路径“{rel}”超过 {MAX_PATH_CHARS} 个字符，Windows 无法打开"))
    }

    /// Why `name` (one path component) cannot be written, if it cannot.
    pub fn name_problem(self, name: &str) -> Option<String> {
        if name.encode_utf16().count() > 255 {
            return Some(format!("文件名“{name}”超过 255 个字符"));
        }
        if self == FsRules::Fat32 {
            if let Some(c) = name
                .chars()
                .find(|c| "\"*/:<>?\\|".contains(*c) || c.is_control())
            {
                return Some(format!("文件名“{name}”含有 FAT32 不允许的字符“{c}”"));
            }
            if name.ends_with(' ') || name.ends_with('.') {
                return Some(format!("文件名“{name}”以空格或句点结尾，FAT32 不允许"));
            }
        }
        None
    }

    /// Why a file of `size` bytes cannot be written, if it cannot.
    pub fn size_problem(self, name: &str, size: u64) -> Option<String> {
        (self == FsRules::Fat32 && size > FAT32_MAX_FILE).then(|| {
            format!(
                "文件“{name}”有 {size} 字节，超过 FAT32 单个文件 4 GiB − 1 的上限；请把载体格式化为 exFAT 或 NTFS，或换用其他载体"
            )
        })
    }
}

/// Splits packages (in order) over carriers: `costs` are what each package
/// takes on a carrier (its size rounded up to the file system's blocks),
/// `usable` what one carrier offers after its description files, manifests
/// and forms. Each carrier holds a run of consecutive packages. Returns the
/// index ranges, or why it cannot be done.
pub fn plan_carriers(costs: &[u64], usable: u64) -> Result<Vec<std::ops::Range<usize>>, String> {
    let mut plan = Vec::new();
    let mut start = 0;
    let mut used = 0u64;
    for (i, s) in costs.iter().enumerate() {
        if *s > usable {
            return Err(format!(
                "第 {} 个包需要 {s} 字节，超过单个载体可用的 {usable} 字节；请换用更大的载体",
                i + 1
            ));
        }
        if used + s > usable {
            plan.push(start..i);
            start = i;
            used = 0;
        }
        used += s;
    }
    if start < costs.len() || costs.is_empty() {
        plan.push(start..costs.len());
    }
    Ok(plan)
}

use guidang_core::layout;
use guidang_package::xml::esc;

use crate::ManifestPackage;

/// How the records lie under `电子档案/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Records {
    /// One sealed ZIP per record, `电子档案/年度/类别/电子文件号.zip`.
    #[default]
    Zip,
    /// Each record as a folder `电子档案/年度/类别/电子文件号/` holding the
    /// ZIP's entries as files, uncompressed (the measures for the transfer
    /// to a comprehensive archive).
    Unpacked,
}

impl Records {
    /// The stable code (`zip`, `unpacked`) of the CLI, the plan and the UI.
    pub fn code(self) -> &'static str {
        match self {
            Records::Zip => "zip",
            Records::Unpacked => "unpacked",
        }
    }

    /// The form with this code.
    pub fn from_code(s: &str) -> Option<Records> {
        match s {
            "zip" => Some(Records::Zip),
            "unpacked" => Some(Records::Unpacked),
            _ => None,
        }
    }

    /// In words, for messages and `说明文件.TXT`.
    pub fn label(self) -> &'static str {
        match self {
            Records::Zip => "每件一个 ZIP 归档信息包",
            Records::Unpacked => "每件一个文件夹（不压缩）",
        }
    }
}

/// Where a package goes on a carrier: `电子档案/年度/类别/电子文件号.zip`
/// (类别 is the 事项类型's name).
pub fn record_path(p: &ManifestPackage) -> String {
    format!("{}.zip", record_folder(p))
}

/// Where an unpacked package goes: the folder `电子档案/年度/类别/电子文件号`.
pub fn record_folder(p: &ManifestPackage) -> String {
    let ty = guidang_core::ItemType::from_code(&p.item_type)
        .map(|t| t.label())
        .unwrap_or(&p.item_type);
    format!("{}/{}/{ty}/{}", layout::RECORDS, p.year, p.efile_no)
}

/// Where a record is on a carrier of this form.
pub fn record_place(p: &ManifestPackage, records: Records) -> String {
    match records {
        Records::Zip => record_path(p),
        Records::Unpacked => record_folder(p),
    }
}

/// `文件目录.XML` of one carrier, as the transfer measures give it: root
/// `<文件目录>`, one `<文件>` per record with 顺序号, 档号, 责任者, 题名, 日期
/// (YYYYMMDD), 密级, 电子档案名称 (the path under `电子档案/`), 备注 in that
/// order, then Guidang's extension elements (see
/// `assets/schemas/file-catalogue.xsd`, copied to `其他/文件目录模式.xsd`).
///
/// For records as ZIPs, 文件大小 and 数字摘要 are the ZIP's; for unpacked
/// records they are left out (the folder has no single digest) and
/// 固化信息摘要 — the digest of the record's `固化信息.xml`, which lists
/// every other file's digest — identifies the record in both forms.
pub fn catalogue_xml(m: &Manifest, range: std::ops::Range<usize>, records: Records) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<文件目录>\n");
    for p in &m.packages[range] {
        let path = record_place(p, records);
        let name = path.strip_prefix("电子档案/").unwrap_or(&path).to_string();
        let code = guidang_core::archival_code(&p.efile_no).unwrap_or_else(|| p.efile_no.clone());
        let el = |tag: &str, v: &str| format!("    <{tag}>{}</{tag}>\n", esc(v));
        x.push_str("  <文件>\n");
        for (tag, v) in [
            ("顺序号", p.seq.to_string()),
            ("档号", code),
            ("责任者", m.unit.name.clone()),
            ("题名", p.case_name.clone()),
            ("日期", p.completed_on.replace('-', "")),
            ("密级", "非密".into()),
            ("电子档案名称", name),
            ("备注", String::new()),
            ("电子文件号", p.efile_no.clone()),
            ("办件编号", p.case_no.clone()),
            ("事项编码", p.item_code.clone()),
            ("事项名称", p.item_name.clone()),
            ("年度", p.year.to_string()),
            ("保管期限", p.retention.clone()),
            ("开放利用意见", p.open_opinion.clone()),
            ("开放利用理由", p.open_reason.clone().unwrap_or_default()),
            ("文件大小", p.size.to_string()),
            ("摘要算法", m.digest_algo.clone()),
            ("数字摘要", p.digest.clone()),
            ("固化信息摘要", p.seal_digest.clone().unwrap_or_default()),
        ] {
            let zip_only = matches!(tag, "文件大小" | "数字摘要");
            if (zip_only && records == Records::Unpacked) || (tag == "固化信息摘要" && v.is_empty())
            {
                continue;
            }
            x.push_str(&el(tag, &v));
        }
        x.push_str("  </文件>\n");
    }
    x.push_str("</文件目录>\n");
    x
}

/// The carrier's parameters as `说明文件.TXT` states them.
#[derive(Debug, Clone, Copy)]
pub struct CarrierSpec<'a> {
    /// 载体类型和规格, e.g. `DVD-R 4.7 GB` or `移动存储介质（U 盘、移动硬盘）`.
    pub kind: &'a str,
    /// Usable capacity in bytes.
    pub capacity: u64,
    /// This carrier's number, from 1.
    pub no: usize,
    /// How many carriers the batch has.
    pub of: usize,
    /// How the records lie.
    pub records: Records,
}

/// `说明文件.TXT` of one carrier (UTF-8 with BOM and CRLF, so that Windows
/// Notepad shows the Chinese text): every item the transfer measures list —
/// carrier parameters (type and capacity), carrier number, keeping,
/// producing and checking units, the software and hardware needed to read
/// it — and what is on it.
pub fn readme_txt(m: &Manifest, range: std::ops::Range<usize>, c: &CarrierSpec<'_>) -> String {
    let ps = &m.packages[range];
    let bytes: u64 = match c.records {
        Records::Zip => ps.iter().map(|p| p.size).sum(),
        Records::Unpacked => ps.iter().map(|p| p.material_bytes).sum(),
    };
    let (what, structure, software) = match c.records {
        Records::Zip => (
            "政务服务电子档案归档信息包",
            "电子档案/年度/事项类型/电子文件号.zip（归档信息包）",
            "能打开 ZIP 文件和 PDF 文件的任何软件（如 Windows 资源管理器、7-Zip、WPS）",
        ),
        Records::Unpacked => (
            "政务服务电子档案（每件一个文件夹，不压缩；字节数为材料合计）",
            "电子档案/年度/事项类型/电子文件号/（每件一个文件夹：元数据.xml、证据性材料/、程序性材料/、结果性材料/、固化信息.xml）",
            "能打开 PDF、图片和 XML 文件的任何软件（如 Windows 资源管理器、WPS、浏览器）",
        ),
    };
    let unit = format!(
        "{}（行政区划码 {}，全宗号 {}）",
        m.unit.name, m.unit.region, m.unit.fonds
    );
    let lines = [
        "电子档案移交载体说明文件".to_string(),
        String::new(),
        format!("批次编号：{}", m.batch_no),
        format!("载体编号：{}（本批次共 {} 个载体）", c.no, c.of),
        format!("载体类型：{}", c.kind),
        format!("载体容量：{:.3} GB（{} 字节）", c.capacity as f64 / 1e9, c.capacity),
        format!("形成单位：{unit}"),
        format!("保管单位：{unit}（移交后由接收单位保管）"),
        format!("检测单位：{}（归档检测，依据 DA/T 70）", m.unit.name),
        format!(
            "内容：{what} {} 件（本载体顺序号 {} 至 {}），共 {} 字节（{:.3} GB）",
            ps.len(),
            ps.first().map(|p| p.seq).unwrap_or(0),
            ps.last().map(|p| p.seq).unwrap_or(0),
            bytes,
            bytes as f64 / 1e9
        ),
        format!("目录结构：说明文件.TXT（本文件）；文件目录.XML（逐件目录）；{structure}；其他/（批次清单及签名、载体清单、移交清单、登记表、模式文件、命名规则、档号规则、移交单位公钥）"),
        "开放利用意见：见文件目录.XML".into(),
        format!(
            "所需软件：{software}；核验签名和摘要需归档通或支持 {} 的工具",
            m.digest_algo
        ),
        "所需硬件：能读取本载体的计算机（光盘需光驱）".into(),
    ];
    let mut t = String::from("\u{feff}");
    for l in lines {
        t.push_str(&l);
        t.push_str("\r\n");
    }
    t
}

/// XML Schema of `元数据.xml`, copied to `其他/` on every carrier.
pub const METADATA_XSD: &str = include_str!("../../../assets/schemas/package-metadata.xsd");
/// XML Schema of `固化信息.xml`, copied to `其他/` on every carrier.
pub const SEAL_XSD: &str = include_str!("../../../assets/schemas/seal.xsd");
/// XML Schema of `文件目录.XML`, copied to `其他/` on every carrier.
pub const CATALOGUE_XSD: &str = include_str!("../../../assets/schemas/file-catalogue.xsd");

/// `其他/命名规则.txt`: how the files on the carrier are named.
pub fn naming_rule_txt(m: &Manifest, records: Records) -> String {
    let record = match records {
        Records::Zip => "二、归档信息包：电子档案/年度/事项类型/电子文件号.zip，每个办件一个包。\r\n\
         \u{3000}\u{3000}包内：元数据.xml（元数据），证据性材料/、程序性材料/、结果性材料/（原文件名），固化信息.xml（摘要与签名，最后一项）。",
        Records::Unpacked => "二、电子档案：电子档案/年度/事项类型/电子文件号/，每个办件一个文件夹，不压缩。\r\n\
         \u{3000}\u{3000}文件夹内：元数据.xml（元数据），证据性材料/、程序性材料/、结果性材料/（原文件名），固化信息.xml（其余每个文件的摘要与签名）。",
    };
    format!(
        "\u{feff}命名规则\r\n\r\n\
         一、电子文件号：行政区划码-全宗号-事项编码-年度-保管期限-件号，例如 {}。\r\n\
         \u{3000}\u{3000}保管期限代码：Y 永久，D30 定期30年，D10 定期10年；件号为6位，同一事项、年度、保管期限内连续编号。\r\n\
         {record}\r\n\
         三、批次编号：行政区划码-年月日-两位序号，例如 {}。\r\n\
         四、载体根目录只有说明文件.TXT、文件目录.XML、电子档案、其他四项。\r\n\
         五、其他/批次清单.json 列出本批全部包及摘要；其他/批次清单.sig 为移交人对其的签名；其他/载体清单.json 列出本载体全部文件及摘要（它最后写入，其摘要即载体摘要）；其他/移交与接收登记表.pdf 印有各载体摘要，故不列入载体清单。\r\n\
         六、其他/元数据模式.xsd、其他/固化信息模式.xsd、其他/文件目录模式.xsd 为各 XML 文件的模式；其他/移交单位公钥.json 为移交单位各操作员的公钥；其他/档号规则.txt 说明档号的编制。\r\n",
        m.packages.first().map(|p| p.efile_no.as_str()).unwrap_or("430124-0001-0100001005-2025-D30-000001"),
        m.batch_no
    )
}

/// `其他/档号规则.txt`: how a record's 档号 is made.
pub fn archival_code_rule_txt(m: &Manifest) -> String {
    let example = m
        .packages
        .first()
        .map(|p| p.efile_no.clone())
        .unwrap_or_else(|| "430124-0001-0100001005-2025-D30-000001".into());
    let code = guidang_core::archival_code(&example).unwrap_or_default();
    format!(
        "\u{feff}档号编制规则\r\n\r\n\
         参照 DA/T 22《归档文件整理规则》和 DA/T 13《档号编制规则》，政务服务电子档案以件为单位，档号结构为：\r\n\
         \u{3000}\u{3000}全宗号-年度-保管期限-事项编码-件号\r\n\
         其中：全宗号为立档单位的全宗号；年度为办结年度（4位）；保管期限代码 Y 为永久、D30 为定期30年、D10 为定期10年；\
         事项编码为政务服务事项编码，位于 DA/T 22 中机构（问题）代码的位置，因为件号在同一事项、年度、保管期限内编号；件号为6位流水号。\r\n\
         档号与电子文件号一一对应：电子文件号为 行政区划码-全宗号-事项编码-年度-保管期限-件号，去掉行政区划码并调整顺序即为档号。\r\n\
         示例：电子文件号 {example} 的档号为 {code}。\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fat32_rules() {
        let f = FsRules::Fat32;
        assert!(f.name_problem("申请表.pdf").is_none());
        assert!(f.name_problem("a:b.pdf").unwrap().contains("“:”"));
        assert!(f.name_problem("结尾.").is_some());
        assert!(FsRules::Modern.name_problem("a:b.pdf").is_none());
        assert!(f
            .size_problem("大.pdf", FAT32_MAX_FILE + 1)
            .unwrap()
            .contains("exFAT"));
        assert!(f.size_problem("大.pdf", FAT32_MAX_FILE).is_none());
        assert!(FsRules::Modern.size_problem("大.pdf", 5 << 30).is_none());
        assert_eq!(FsRules::from_fstype("vfat"), FsRules::Fat32);
        assert_eq!(FsRules::from_fstype("exfat"), FsRules::Modern);
    }

    #[test]
    fn detection_follows_the_override_and_proc_mounts() {
        // /proc itself is procfs: modern rules.
        assert_eq!(FsRules::detect(Path::new("/proc")), FsRules::Modern);
        let table = "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /media/张三/U\\040盘 vfat rw,nosuid 0 0\n/dev/loop0 /media/张三/U\\040盘/深 fuseblk rw 0 0\n";
        let at = |p: &str| FsRules::from_mounts(table, Path::new(p));
        assert_eq!(at("/media/张三/U 盘/移交"), FsRules::Fat32);
        assert_eq!(at("/media/张三/U 盘/深/x"), FsRules::Modern);
        assert_eq!(at("/home/张三"), FsRules::Modern);
        assert_eq!(unescape_mount("a\\040b\\134c"), "a b\\c");
    }

    #[test]
    fn carriers_are_filled_in_order() {
        let mb = 1 << 20;
        let cap = 100 * mb;
        let plan = plan_carriers(&[40 * mb, 40 * mb, 30 * mb, 90 * mb, 10 * mb], cap).unwrap();
        assert_eq!(plan, vec![0..2, 2..3, 3..5]);
        assert_eq!(plan_carriers(&[10 * mb], cap).unwrap(), vec![0..1]);
        assert!(plan_carriers(&[101 * mb], cap)
            .unwrap_err()
            .contains("超过单个载体"));
    }

    #[test]
    fn description_files() {
        let (m, _) = crate::forms::sample(5);
        let x = catalogue_xml(&m, 1..4, Records::Zip);
        let doc = guidang_package::xml::parse(x.as_bytes()).unwrap();
        assert_eq!(doc.name, "文件目录");
        assert_eq!(doc.children.len(), 3);
        // The measures' eight elements first, in their order.
        let names: Vec<&str> = doc.children[0]
            .children
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            names[..8],
            [
                "顺序号",
                "档号",
                "责任者",
                "题名",
                "日期",
                "密级",
                "电子档案名称",
                "备注"
            ]
        );
        assert_eq!(doc.children[0].child("顺序号").unwrap().text, "2");
        let name = &doc.children[0].child("电子档案名称").unwrap().text;
        assert!(
            !name.starts_with("电子档案/") && name.ends_with(".zip"),
            "{name}"
        );
        let spec = CarrierSpec {
            kind: "DVD-R 4.7 GB",
            capacity: 4_700_000_000,
            no: 1,
            of: 1,
            records: Records::Zip,
        };
        let t = readme_txt(&m, 0..5, &spec);
        assert!(t.starts_with('\u{feff}'));
        for item in [
            "载体类型：DVD-R 4.7 GB",
            "载体容量：4.700 GB",
            "载体编号：1",
            "形成单位：",
            "保管单位：",
            "检测单位：",
            "所需软件：",
            "所需硬件：",
            "归档信息包 5 件（本载体顺序号 1 至 5）",
            "电子文件号.zip",
        ] {
            assert!(t.contains(item), "{item} missing:\n{t}");
        }
        // Unpacked: the record is a folder, without the ZIP's size and digest.
        let (mut m, _) = crate::forms::sample(2);
        m.packages[0].seal_digest = Some("ab".repeat(32));
        let x = catalogue_xml(&m, 0..1, Records::Unpacked);
        let doc = guidang_package::xml::parse(x.as_bytes()).unwrap();
        let f = &doc.children[0];
        assert!(!f.child("电子档案名称").unwrap().text.ends_with(".zip"));
        assert!(f.child("数字摘要").is_none() && f.child("文件大小").is_none());
        assert_eq!(f.child("固化信息摘要").unwrap().text, "ab".repeat(32));
        let t = readme_txt(
            &m,
            0..2,
            &CarrierSpec {
                records: Records::Unpacked,
                ..spec
            },
        );
        assert!(t.contains("每件一个文件夹"), "{t}");
        assert!(naming_rule_txt(&m, Records::Unpacked).contains("电子文件号/，每个办件一个文件夹"));
        assert!(naming_rule_txt(&m, Records::Zip).contains("证据性材料/"));
        let rule = archival_code_rule_txt(&m);
        assert!(
            rule.contains("全宗号-年度-保管期限-事项编码-件号"),
            "{rule}"
        );
    }
}
