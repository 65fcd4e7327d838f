//! File names as found on disk: decoding legacy GBK names, Unicode
//! normalisation, and safe walking of a case folder.
//!
//! Exports from older Windows systems often arrive with file names in GBK
//! bytes. On Unix a name that is not UTF-8 is decoded as GB18030 (a superset
//! of GBK) when that decodes cleanly; otherwise it is refused. Every name is
//! normalised to NFC; two names in one folder that are equal after
//! normalisation are refused, since a package could not hold both.

use guidang_core::oserror::Os;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

/// How a name on disk was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameSource {
    /// Valid UTF-8.
    Utf8,
    /// Decoded from GBK/GB18030 bytes.
    Gbk,
}

/// Decodes one file name component to NFC text.
pub fn decode_name(name: &OsStr) -> Result<(String, NameSource), String> {
    if let Some(s) = name.to_str() {
        return Ok((s.nfc().collect(), NameSource::Utf8));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = name.as_bytes();
        let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
        if !had_errors {
            return Ok((text.nfc().collect(), NameSource::Gbk));
        }
    }
    Err(format!(
        "文件名“{}”既不是 UTF-8 也不是 GBK 编码，无法识别。请在原系统中将其重命名后重新导出",
        name.to_string_lossy()
    ))
}

/// One regular file found in a case folder.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its path relative to the case folder, `/`-separated, NFC.
    pub rel: String,
    /// How the name was decoded.
    pub source: NameSource,
}

/// Walks a case folder and returns every regular file by its NFC relative
/// path, plus every problem found (undecodable names, normalisation clashes,
/// symlinks leaving the folder, special files). `skip` names top-level files
/// to leave out (the metadata file).
pub fn walk_case_folder(root: &Path, skip: &[&str]) -> (BTreeMap<String, FoundFile>, Vec<String>) {
    let mut found = BTreeMap::new();
    let mut problems = Vec::new();
    let canon_root = match root.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("无法读取办件文件夹 {}：{}", root.display(), Os(&e)));
            return (found, problems);
        }
    };
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("无法读取文件夹 {}：{}", dir.display(), Os(&e)));
                continue;
            }
        };
        let mut names: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        names.sort_by_key(|e| e.file_name());
        for entry in names {
            let path = entry.path();
            let (name, source) = match decode_name(&entry.file_name()) {
                Ok(x) => x,
                Err(m) => {
                    problems.push(m);
                    continue;
                }
            };
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if prefix.is_empty() && skip.contains(&name.as_str()) {
                continue;
            }
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(format!("无法读取 {rel}：{}", Os(&e)));
                    continue;
                }
            };
            let ft = meta.file_type();
            let is_file = if ft.is_symlink() {
                match path.canonicalize() {
                    Ok(t) if t.starts_with(&canon_root) && t.is_file() => true,
                    Ok(t) if t.starts_with(&canon_root) => {
                        problems.push(format!(
                            "“{rel}”是指向文件夹的符号链接，不支持；请复制真实文件"
                        ));
                        continue;
                    }
                    _ => {
                        problems.push(format!(
                            "“{rel}”是指向办件文件夹之外的符号链接，已拒绝；请把真实文件复制到办件文件夹中"
                        ));
                        continue;
                    }
                }
            } else if ft.is_dir() {
                stack.push((path, rel));
                continue;
            } else {
                ft.is_file()
            };
            if !is_file {
                problems.push(format!("“{rel}”不是普通文件（设备、管道或套接字），已拒绝"));
                continue;
            }
            if let Some(prev) = found.get(&rel) {
                let prev: &FoundFile = prev;
                problems.push(format!(
                    "“{}”与“{}”的文件名在 Unicode 规范化后相同，归档包无法同时容纳；请重命名其中一个",
                    prev.path.display(),
                    path.display()
                ));
                continue;
            }
            found.insert(rel.clone(), FoundFile { path, rel, source });
        }
    }
    (found, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_names_are_normalised() {
        let (n, s) = decode_name(OsStr::new("Cafe\u{301}.pdf")).unwrap();
        assert_eq!(n, "Caf\u{e9}.pdf");
        assert_eq!(s, NameSource::Utf8);
    }

    #[cfg(unix)]
    #[test]
    fn gbk_names_are_decoded_and_garbage_refused() {
        use std::os::unix::ffi::OsStrExt;
        let (gbk, _, _) = encoding_rs::GBK.encode("申请表.pdf");
        let (n, s) = decode_name(OsStr::from_bytes(&gbk)).unwrap();
        assert_eq!(n, "申请表.pdf");
        assert_eq!(s, NameSource::Gbk);
        assert!(decode_name(OsStr::from_bytes(b"\xff\xff\xff.pdf")).is_err());
    }
}
