//! Virus scanning with ClamAV when it is installed (DA/T 70 4-1).
//!
//! `clamscan` scans the package file itself (it looks inside ZIPs). When no
//! scanner is installed the item is a warning — never a silent pass. The
//! signature database can be pointed at with `GUIDANG_CLAMAV_DB` (a file or
//! folder, passed as `clamscan -d`), e.g. for an offline database copied
//! from a networked machine, or for a test signature.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How virus scanning is done here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Antivirus {
    /// No scanner installed.
    None,
    /// `clamscan` at this path, with an optional database.
    ClamScan {
        /// The program.
        program: PathBuf,
        /// `-d` database, if set.
        database: Option<PathBuf>,
    },
}

/// The result of scanning one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanResult {
    /// Nothing found.
    Clean,
    /// Signatures found (names).
    Infected(Vec<String>),
    /// The scan could not run (reason).
    Error(String),
    /// No scanner.
    NoScanner,
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

impl Antivirus {
    /// Finds the scanner on this machine.
    pub fn detect() -> Antivirus {
        match which("clamscan") {
            Some(program) => Antivirus::ClamScan {
                program,
                database: std::env::var_os("GUIDANG_CLAMAV_DB").map(PathBuf::from),
            },
            None => Antivirus::None,
        }
    }

    /// The scanner and its signature database as `clamscan --version`
    /// gives them (`ClamAV 1.4.6/27485/Fri Dec  4 09:25:01 2026`: engine,
    /// database version, database date); `None` without a scanner.
    pub fn database_version(&self) -> Option<String> {
        let Antivirus::ClamScan { program, database } = self else {
            return None;
        };
        let mut c = Command::new(program);
        if let Some(db) = database {
            c.arg("-d").arg(db);
        }
        let o = c.arg("--version").output().ok()?;
        let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
        (!v.is_empty()).then_some(v)
    }

    /// Scans many files in one `clamscan` run (the signature database is
    /// loaded once), returning one result per file, in order.
    pub fn scan_many(&self, files: &[PathBuf]) -> Vec<ScanResult> {
        let Antivirus::ClamScan { program, database } = self else {
            return files.iter().map(|_| ScanResult::NoScanner).collect();
        };
        if files.is_empty() {
            return Vec::new();
        }
        let mut c = Command::new(program);
        // `-r`: a package folder (the unpacked layout) is scanned whole.
        c.args(["--no-summary", "--stdout", "--infected", "-r"]);
        if let Some(db) = database {
            c.arg("-d").arg(db);
        }
        let out = match c.args(files).output() {
            Ok(o) => o,
            Err(e) => {
                return files
                    .iter()
                    .map(|_| ScanResult::Error(format!("无法运行 clamscan：{e}")))
                    .collect()
            }
        };
        match out.status.code() {
            Some(0) => files.iter().map(|_| ScanResult::Clean).collect(),
            Some(1) => {
                let text = String::from_utf8_lossy(&out.stdout);
                files
                    .iter()
                    .map(|f| {
                        let found = infections(&text, f);
                        if found.is_empty() {
                            ScanResult::Clean
                        } else {
                            ScanResult::Infected(found)
                        }
                    })
                    .collect()
            }
            _ => {
                let err = String::from_utf8_lossy(&out.stderr);
                let why = if err.contains("No supported database files found") {
                    "ClamAV 病毒库不存在，请在联网机器上下载病毒库后复制到本机（见 docs/checks.md）"
                        .to_string()
                } else {
                    err.lines().next().unwrap_or("clamscan 出错").to_string()
                };
                files
                    .iter()
                    .map(|_| ScanResult::Error(why.clone()))
                    .collect()
            }
        }
    }
}

/// The infections clamscan reported for `f` — a file (`f: Name FOUND`) or
/// a folder scanned recursively (`f/a/b.pdf: Name FOUND`, named with the
/// file inside it).
fn infections(text: &str, f: &Path) -> Vec<String> {
    let file = format!("{}: ", f.display());
    let inside = format!("{}/", f.display());
    text.lines()
        .filter_map(|l| l.strip_suffix(" FOUND"))
        .filter_map(|l| {
            if let Some(v) = l.strip_prefix(&file) {
                Some(v.to_string())
            } else {
                let rest = l.strip_prefix(&inside)?;
                let (name, v) = rest.rsplit_once(": ")?;
                Some(format!("{v}（{name}）"))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infections_are_found_for_a_file_and_inside_a_folder() {
        let out = "/m/a.zip: Eicar-Signature FOUND\n/m/b/证据性材料/x.pdf: Eicar-Signature FOUND\n/m/bb: Other FOUND\n";
        assert_eq!(
            infections(out, Path::new("/m/a.zip")),
            vec!["Eicar-Signature"]
        );
        assert_eq!(
            infections(out, Path::new("/m/b")),
            vec!["Eicar-Signature（证据性材料/x.pdf）"]
        );
        assert!(infections(out, Path::new("/m/c")).is_empty());
    }
}
