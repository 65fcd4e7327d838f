//! Sending a generated PDF straight to the system printer ("直接打印"),
//! without opening a viewer: CUPS's `lp` on Linux (UOS, Kylin, Debian), the
//! shell's `print` verb on Windows. What comes back is the spooler's job
//! id, so the UI can tell the clerk the form is on its way; every failure
//! (no spooler, no printer set up, a refused job) is a typed error with a
//! Chinese message that says what to do instead.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

use crate::{Error, Result};

/// A print job accepted by the spooler.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PrintJob {
    /// The spooler's job id (e.g. `HP-LaserJet-12`), when it reports one.
    pub job_id: Option<String>,
    /// The printer named, or `None` for the system default.
    pub printer: Option<String>,
}

/// Sends `file` (a PDF) to `printer`, or to the system's default printer.
pub fn send_to_printer(file: &Path, printer: Option<&str>) -> Result<PrintJob> {
    if !file.is_file() {
        return Err(Error::NotFound(file.to_path_buf()));
    }
    let out = spool(file, printer).map_err(|e| {
        Error::Printer(format!(
            "找不到系统的打印服务（{e}）。请先在系统设置中添加打印机，或点「打印」在阅读器中打印"
        ))
    })?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(Error::Printer(format!(
            "打印机没有接受这份文件：{why}。请检查打印机是否已添加并设为默认，或点「打印」在阅读器中打印"
        )));
    }
    Ok(PrintJob {
        job_id: job_id(&String::from_utf8_lossy(&out.stdout)),
        printer: printer.map(str::to_string),
    })
}

#[cfg(not(windows))]
fn spool(file: &Path, printer: Option<&str>) -> std::io::Result<std::process::Output> {
    let mut c = Command::new("lp");
    if let Some(p) = printer {
        c.arg("-d").arg(p);
    }
    let title = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    c.arg("-t").arg(title).arg("--").arg(file).output()
}

#[cfg(windows)]
fn spool(file: &Path, printer: Option<&str>) -> std::io::Result<std::process::Output> {
    // The registered PDF reader prints through its `print`/`printto` verb.
    let path = file.display().to_string().replace('\'', "''");
    let script = match printer {
        Some(p) => format!(
            "Start-Process -FilePath '{path}' -Verb PrintTo -ArgumentList '\"{}\"'",
            p.replace('\'', "''")
        ),
        None => format!("Start-Process -FilePath '{path}' -Verb Print"),
    };
    Command::new("powershell")
        .args(["-NoProfile", "-NonInteractive", "-Command", &script])
        .output()
}

/// The job id in `lp`'s answer: `request id is PRINTER-12 (1 file(s))`.
fn job_id(stdout: &str) -> Option<String> {
    let rest = stdout.split("request id is ").nth(1)?;
    rest.split_whitespace().next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_id_is_read_from_lp() {
        assert_eq!(
            job_id("request id is 办公室-HP-7 (1 file(s))\n").as_deref(),
            Some("办公室-HP-7")
        );
        assert_eq!(job_id(""), None);
    }

    #[test]
    fn a_missing_file_is_not_sent() {
        let e = send_to_printer(Path::new("/nonexistent/移交清单.pdf"), None).unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    }
}
