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

    /// Scans one file.
    pub fn scan(&self, file: &Path) -> ScanResult {
        let Antivirus::ClamScan { program, database } = self else {
            return ScanResult::NoScanner;
        };
        let mut c = Command::new(program);
        c.args(["--no-summary", "--stdout", "--infected"]);
        if let Some(db) = database {
            c.arg("-d").arg(db);
        }
        let out = match c.arg(file).output() {
            Ok(o) => o,
            Err(e) => return ScanResult::Error(format!("无法运行 clamscan：{e}")),
        };
        let text = String::from_utf8_lossy(&out.stdout);
        match out.status.code() {
            Some(0) => ScanResult::Clean,
            Some(1) => ScanResult::Infected(
                text.lines()
                    .filter_map(|l| l.strip_suffix(" FOUND"))
                    .map(|l| l.rsplit(": ").next().unwrap_or(l).to_string())
                    .collect(),
            ),
            _ => ScanResult::Error(
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or("clamscan 出错")
                    .to_string(),
            ),
        }
    }
}
