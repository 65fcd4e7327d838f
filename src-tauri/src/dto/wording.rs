//! Messages from the core speak to both front ends; some tell a CLI user
//! which command or flag to use (`guidang collect --replace`, `--trust`,
//! `docs/checks.md`). In the window that wording is wrong: the user acts
//! on a screen. [`for_window`] rewrites it into what to do on the screen,
//! and a test scans every string literal of the core crates so that a new
//! message with command-line wording cannot reach the window unnoticed.

/// Exact phrases first (the sentence reads best rewritten whole).
const PHRASES: &[(&str, &str)] = &[
    (
        "并用 guidang collect --replace 重新收集后再组包",
        "在“办件”中打开该办件、按退回原因更正后再组包",
    ),
    (
        "请使用 guidang collect --replace 重新收集",
        "请在“收集”页勾选“更正已收集或已退回的办件”后重新收集，或在“办件”中直接更正",
    ),
    (
        "再用 --replace 重新收集",
        "在“办件”中更正或重新收集（勾选“更正已收集或已退回的办件”）",
    ),
    (
        "一致时用 --trust 指纹 重新打开",
        "一致时在本页填入（或扫描）该指纹后重新打开",
    ),
    ("后用 --trust 新指纹 打开", "后在本页填入新指纹再打开"),
    ("（命令行：--trust 指纹）", ""),
    ("（见 docs/checks.md）", "（见使用说明“四性检测”一章）"),
    (
        "可用 guidang cases --search 查找",
        "请在“办件”页用查找框核对",
    ),
    (
        "可用 guidang batch list 查看",
        "请在“移交”页的批次列表中核对",
    ),
    (
        "数据目录可用 --data-dir 移到空间更大的磁盘",
        "可请管理员把数据目录移到空间更大的磁盘",
    ),
    ("或用 --data-dir 指定其他目录", "或请管理员指定其他数据目录"),
    (
        "，或用 --return-file 指定其他位置后重新运行",
        "，或选择其他位置后重新接收",
    ),
    ("请去掉 --carrier-size 继续", "请按原来的载体容量继续"),
    ("请用 --carrier 指定载体编号", "请选择要重新制作的载体编号"),
    (
        "请按 ZIP 形式写出（去掉 --layout unpacked）",
        "请把“电子档案形式”选为 ZIP 后写出",
    ),
    ("请用更大的 --carrier-size", "请选择容量更大的载体"),
    (
        "或用 --carrier-size 把批次分到多个载体",
        "或选择较小的载体容量，把批次分到多个载体",
    ),
];

/// The user guide's chapters, for `docs/…` references.
const DOCS: &[(&str, &str)] = &[
    ("docs/checks.md", "使用说明“四性检测”一章"),
    ("docs/collect-format.md", "使用说明“收集”一章"),
    ("docs/transfer.md", "使用说明“移交”一章"),
    ("docs/intake.md", "使用说明“接收”一章"),
    ("docs/care.md", "使用说明“保管”一章"),
    ("docs/desktop.md", "使用说明“桌面程序”一章"),
];

/// What a `guidang …` command is on the screen, by its first words.
const COMMANDS: &[(&str, &str)] = &[
    ("guidang transfer write", "“移交”页的“写入载体”"),
    ("guidang restore", "“保管”页的“从备份恢复”"),
    ("guidang intake open", "“接收”页的“打开载体”"),
    ("guidang init", "设置向导"),
    ("guidang operator add", "“设置”页的“新建操作员”"),
    ("guidang audit verify", "“日志”页的“校验哈希链”"),
    ("guidang verify", "“检测”页的检测"),
    ("guidang collect", "“收集”页"),
    ("guidang cases", "“办件”页"),
    ("guidang batch", "“移交”页"),
    ("guidang case", "“办件”页的办件详情"),
];

/// Where a command in a sentence ends: at the sentence's punctuation.
fn command_end(s: &str) -> usize {
    s.find(['。', '；', '，', '）', '、', '\n'])
        .unwrap_or(s.len())
}

/// A message as the window shows it.
pub fn for_window(message: &str) -> String {
    let mut s = message.to_string();
    for (from, to) in PHRASES {
        s = s.replace(from, to);
    }
    // Any other command: its first words name the screen; its arguments go.
    while let Some(at) = s.find("guidang ") {
        let rest = &s[at..];
        let end = command_end(rest);
        let screen = COMMANDS
            .iter()
            .find(|(c, _)| rest.starts_with(c))
            .map(|(_, w)| *w)
            .unwrap_or("相应页面");
        let before = s[..at].trim_end_matches(' ');
        s = format!("{before}{screen}{}", &rest[end..]);
    }
    // A flag named beside a field (`理由（--reason）`) is dropped.
    while let Some(at) = s.find("（--") {
        match s[at..].find('）') {
            Some(e) => s = format!("{}{}", &s[..at], &s[at + e + '）'.len_utf8()..]),
            None => break,
        }
    }
    for (from, to) in DOCS {
        s = s.replace(from, to);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::for_window;
    use std::path::Path;

    /// The text of every string literal in a Rust source (escapes kept as
    /// written; good enough to find wording).
    fn literals(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur: Option<String> = None;
        let mut esc = false;
        for ch in src.chars() {
            match (&mut cur, ch) {
                (Some(s), _) if esc => {
                    s.push(ch);
                    esc = false;
                }
                (Some(s), '\\') => {
                    s.push(ch);
                    esc = true;
                }
                (Some(_), '"') => out.push(cur.take().unwrap()),
                (Some(s), _) => s.push(ch),
                (None, '"') => cur = Some(String::new()),
                _ => {}
            }
        }
        out
    }

    fn cli_wording(s: &str) -> bool {
        s.contains("guidang ") || s.contains("--") || s.contains("docs/")
    }

    /// Every user-facing literal of the crates whose messages reach the
    /// window (Chinese text with command-line wording) reads as screen
    /// wording once rewritten.
    #[test]
    fn no_command_line_wording_reaches_the_window() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
        let mut bad = Vec::new();
        for krate in [
            "guidang-api",
            "guidang-catalog",
            "guidang-collect",
            "guidang-check",
            "guidang-transfer",
            "guidang-package",
            "guidang-core",
        ] {
            let mut stack = vec![root.join(krate).join("src")];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                        continue;
                    }
                    if p.extension().is_none_or(|x| x != "rs") {
                        continue;
                    }
                    let src = std::fs::read_to_string(&p).unwrap();
                    // Test modules speak to developers.
                    let src = src.split("#[cfg(test)]").next().unwrap();
                    for lit in literals(src) {
                        let chinese = lit.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                        if chinese && cli_wording(&lit) && cli_wording(&for_window(&lit)) {
                            bad.push(format!("{}: {lit}", p.display()));
                        }
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "command-line wording would reach the window:\n{}",
            bad.join("\n")
        );
    }

    #[test]
    fn commands_and_flags_become_screens() {
        assert_eq!(
            for_window("目录库尚未初始化。请先运行 guidang init --region 行政区划码 --fonds 全宗号 --unit 单位名称"),
            "目录库尚未初始化。请先运行设置向导"
        );
        assert_eq!(
            for_window("退回原因（--reason）：不能为空"),
            "退回原因：不能为空"
        );
        assert_eq!(
            for_window("请先运行 guidang transfer write B1 --to 载体目录。"),
            "请先运行“移交”页的“写入载体”。"
        );
        assert_eq!(for_window("没有问题"), "没有问题");
    }
}
