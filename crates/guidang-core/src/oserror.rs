//! Operating-system errors in words a clerk can act on.
//!
//! `std::io::Error`'s own text is English and names the C error ("No space
//! left on device (os error 28)"). Every message a user sees that carries an
//! I/O error goes through [`describe`], which names the condition in Chinese
//! and, for the conditions a person can do something about (a full disk, a
//! read-only or pulled medium, a missing permission), says what to do.

use std::io;

/// Whether the error means the file system has no room left (including a
/// quota).
pub fn is_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || matches!(e.raw_os_error(), Some(28) | Some(122))
}

/// The condition in Chinese, with what to do where a person can act.
pub fn describe(e: &io::Error) -> String {
    if is_full(e) {
        return "磁盘空间已满。请删除不需要的文件、清空回收站，或换一个空间足够的位置后重试；已保存的数据不受影响".into();
    }
    let text = match (e.raw_os_error(), e.kind()) {
        (_, io::ErrorKind::NotFound) => "文件或文件夹不存在",
        (_, io::ErrorKind::PermissionDenied) => "没有访问权限。请检查文件夹的权限，或换一个位置",
        (Some(30), _) | (_, io::ErrorKind::ReadOnlyFilesystem) => {
            "磁盘或介质是只读的（可能处于写保护状态）。请解除写保护或换一个位置"
        }
        (Some(5), _) => "读写出错，介质可能已损坏或已被拔出。请检查介质后重试",
        (Some(6) | Some(19) | Some(116), _) => "设备不可用，介质可能已被拔出。请重新插好后重试",
        (_, io::ErrorKind::AlreadyExists) => "同名文件或文件夹已存在",
        (_, io::ErrorKind::IsADirectory) => "这是一个文件夹，不是文件",
        (_, io::ErrorKind::NotADirectory) => "路径中的某一部分不是文件夹",
        (_, io::ErrorKind::DirectoryNotEmpty) => "文件夹不是空的",
        (_, io::ErrorKind::FileTooLarge) => "文件超过了该磁盘格式允许的大小",
        (_, io::ErrorKind::InvalidFilename) => "文件名过长或含有该磁盘不允许的字符",
        (_, io::ErrorKind::UnexpectedEof) => "文件比预期短，可能已被截断",
        (_, io::ErrorKind::InvalidData) => "数据格式无效",
        (_, io::ErrorKind::Interrupted) => "操作被中断",
        (_, io::ErrorKind::TimedOut) => "操作超时",
        (_, io::ErrorKind::OutOfMemory) => "内存不足",
        (_, io::ErrorKind::ResourceBusy) => "文件或设备正被其他程序使用，请关闭后重试",
        (_, io::ErrorKind::Unsupported) => "该磁盘或文件系统不支持这个操作",
        (_, io::ErrorKind::CrossesDevices) => "不能跨磁盘移动",
        (_, io::ErrorKind::StaleNetworkFileHandle) => "网络或外接磁盘已断开，请重新连接后重试",
        (Some(40), _) => "路径中有循环的符号链接",
        (Some(n), _) => return format!("系统错误（错误号 {n}）"),
        // Errors made by libraries carry their own (often English) text;
        // it is kept, behind a Chinese lead.
        _ => return format!("读写出错（{e}）"),
    };
    text.into()
}

/// A displayable wrapper: `format!("…：{}", Os(&e))`.
pub struct Os<'a>(pub &'a io::Error);

impl std::fmt::Display for Os<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&describe(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_says_so_in_chinese_and_what_to_do() {
        for e in [
            io::Error::from_raw_os_error(28),
            io::Error::from_raw_os_error(122),
            io::Error::from(io::ErrorKind::StorageFull),
        ] {
            let t = describe(&e);
            assert!(t.contains("磁盘空间已满") && t.contains("重试"), "{t}");
            assert!(!t.is_ascii() && !t.contains("os error"), "{t}");
        }
    }

    #[test]
    fn os_errors_have_no_english() {
        for n in [1, 2, 5, 13, 17, 19, 20, 21, 30, 36, 39, 40, 95] {
            let t = describe(&io::Error::from_raw_os_error(n));
            assert!(!t.chars().any(|c| c.is_ascii_alphabetic()), "{n}: {t}");
        }
    }
}
