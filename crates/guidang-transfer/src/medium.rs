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
        mounts
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                let (_, mp, ty) = (f.next()?, f.next()?, f.next()?);
                let mp = mp.replace("\\040", " ");
                canon.starts_with(&mp).then(|| (mp.len(), ty.to_string()))
            })
            .max_by_key(|(n, _)| *n)
            .map(|(_, t)| FsRules::from_fstype(&t))
            .unwrap_or(FsRules::Modern)
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

/// Space kept free on every carrier for its description files, manifest,
/// signature and printed forms.
pub const CARRIER_RESERVE: u64 = 32 << 20;

/// Splits packages (in order) over carriers of `capacity` bytes each: each
/// carrier holds a run of consecutive packages. Returns the index ranges, or
/// why it cannot be done.
pub fn plan_carriers(sizes: &[u64], capacity: u64) -> Result<Vec<std::ops::Range<usize>>, String> {
    let usable = capacity.saturating_sub(CARRIER_RESERVE);
    let mut plan = Vec::new();
    let mut start = 0;
    let mut used = 0u64;
    for (i, s) in sizes.iter().enumerate() {
        if *s > usable {
            return Err(format!(
                "第 {} 个包有 {s} 字节，超过单个载体可用的 {usable} 字节；请换用更大的载体",
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
    if start < sizes.len() || sizes.is_empty() {
        plan.push(start..sizes.len());
    }
    Ok(plan)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `目录文件.xml` of one carrier: for each record 顺序号, 电子文件号, 责任者,
/// 题名, 日期, 保管期限, 密级, 开放利用意见, 备注.
pub fn catalogue_xml(
    m: &Manifest,
    range: std::ops::Range<usize>,
    carrier_no: usize,
    carriers: usize,
) -> String {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<目录文件 批次编号=\"{}\" 载体编号=\"{carrier_no}\" 载体总数=\"{carriers}\">\n",
        esc(&m.batch_no)
    );
    for p in &m.packages[range] {
        x.push_str(&format!(
            "  <条目>\n    <顺序号>{}</顺序号>\n    <电子文件号>{}</电子文件号>\n    <责任者>{}</责任者>\n    <题名>{}</题名>\n    <日期>{}</日期>\n    <保管期限>{}</保管期限>\n    <密级>非密</密级>\n    <开放利用意见>{}</开放利用意见>\n    <备注>{}</备注>\n  </条目>\n",
            p.seq,
            esc(&p.efile_no),
            esc(&m.unit.name),
            esc(&p.case_name),
            esc(&p.completed_on),
            esc(&p.retention),
            esc(&p.open_opinion),
            esc(p.open_reason.as_deref().unwrap_or(""))
        ));
    }
    x.push_str("</目录文件>\n");
    x
}

/// `说明文件.txt` of one carrier (UTF-8 with BOM so that Windows Notepad
/// shows the Chinese text).
pub fn readme_txt(
    m: &Manifest,
    range: std::ops::Range<usize>,
    carrier_no: usize,
    carriers: usize,
    capacity: u64,
) -> String {
    let ps = &m.packages[range];
    let bytes: u64 = ps.iter().map(|p| p.size).sum();
    format!(
        "\u{feff}电子档案移交载体说明文件\r\n\r\n\
         批次编号：{}\r\n载体编号：{carrier_no}（共 {carriers} 个载体）\r\n载体类型：移动存储介质\r\n载体容量：{:.3} GB\r\n\
         形成单位：{}（行政区划码 {}，全宗号 {}）\r\n保管单位：{}\r\n检测单位：{}（归档检测）\r\n\
         内容：政务服务电子档案归档信息包 {} 个（本载体顺序号 {} 至 {}），共 {} 字节（{:.3} GB）\r\n\
         开放利用意见：见目录文件.xml\r\n\
         目录结构：电子档案/年度/事项类型/电子文件号.zip；批次清单.json 及其签名 批次清单.sig；其他/（模式文件、公钥、命名规则）\r\n\
         所需软硬件：能读取 ZIP 的任何计算机；验证签名和摘要需归档通或支持 {} 的工具\r\n",
        m.batch_no,
        capacity as f64 / 1e9,
        m.unit.name,
        m.unit.region,
        m.unit.fonds,
        m.unit.name,
        m.unit.name,
        ps.len(),
        ps.first().map(|p| p.seq).unwrap_or(0),
        ps.last().map(|p| p.seq).unwrap_or(0),
        bytes,
        bytes as f64 / 1e9,
        m.digest_algo
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
    }

    #[test]
    fn carriers_are_filled_in_order() {
        let mb = 1 << 20;
        let cap = CARRIER_RESERVE + 100 * mb;
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
        let x = catalogue_xml(&m, 1..4, 1, 2);
        guidang_package::xml::parse(x.as_bytes()).unwrap();
        assert_eq!(x.matches("<条目>").count(), 3);
        assert!(x.contains("载体编号=\"1\""));
        let t = readme_txt(&m, 0..5, 1, 1, 64 << 30);
        assert!(t.starts_with('\u{feff}'));
        assert!(t.contains("归档信息包 5 个（本载体顺序号 1 至 5）"));
    }
}
