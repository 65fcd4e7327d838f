//! What the commands print: JSON, terminal progress, PIN prompts, finding
//! lines, the peak-memory report of the benchmark.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use guidang_api::core::{CaseStatus, NoProgress, Progress};
use guidang_api::Error;

/// How a command ended, mapped to the exit code.
pub(crate) enum Done {
    Ok,
    Findings,
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("serialisable"));
}

struct StderrProgress;

/// Whether a progress line is open on the terminal (printed without its
/// newline), so that an error is not appended to it.
static PROGRESS_LINE_OPEN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

impl Progress for StderrProgress {
    fn report(&self, done: u64, total: u64, message: &str) {
        eprint!("\r\x1b[K[{done}/{total}] {message}");
        let open = done != total;
        if !open {
            eprintln!();
        }
        PROGRESS_LINE_OPEN.store(open, std::sync::atomic::Ordering::Relaxed);
        let _ = std::io::stderr().flush();
    }
}

/// Ends an open progress line, so what follows starts on its own line.
pub(crate) fn end_progress_line() {
    if PROGRESS_LINE_OPEN.swap(false, std::sync::atomic::Ordering::Relaxed) {
        eprintln!();
    }
}

pub(crate) fn progress() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(StderrProgress)
    } else {
        Box::new(NoProgress)
    }
}

pub(crate) fn read_pin(pin_stdin: bool) -> Result<String, Error> {
    let io_err = |source| Error::DataDir {
        path: PathBuf::from("<stdin>"),
        source,
    };
    if pin_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(io_err)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let pin = rpassword::prompt_password("请输入 PIN：").map_err(io_err)?;
    let again = rpassword::prompt_password("请再次输入 PIN：").map_err(io_err)?;
    if pin != again {
        return Err(Error::WeakPin("两次输入的 PIN 不一致".into()));
    }
    Ok(pin)
}

/// One line of a check finding: `[item] verdict reason（entry）`.
pub(crate) fn finding_line(prefix: &str, f: &guidang_check::Finding) -> String {
    let at = f
        .entry
        .as_deref()
        .map(|e| format!("（{e}）"))
        .unwrap_or_default();
    format!(
        "{prefix}[{}] {} {}{at}",
        f.item,
        f.verdict.label(),
        f.reason.as_deref().unwrap_or("")
    )
}

/// A PIN for unlocking (no confirmation prompt).
pub(crate) fn read_pin_once(pin_stdin: bool) -> Result<String, Error> {
    if pin_stdin {
        return read_pin(true);
    }
    rpassword::prompt_password("请输入 PIN：").map_err(|source| Error::DataDir {
        path: PathBuf::from("<tty>"),
        source,
    })
}

/// With GUIDANG_REPORT_PEAK_MEMORY=1, prints the process's peak resident
/// memory (Linux), for the benchmark.
pub(crate) fn peak_memory_report() {
    if std::env::var("GUIDANG_REPORT_PEAK_MEMORY").is_ok_and(|v| v == "1") {
        if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
            if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:")) {
                eprintln!("peak_memory {}", l.trim_start_matches("VmHWM:").trim());
            }
        }
    }
}

pub(crate) fn status_label(code: &str) -> &str {
    CaseStatus::from_code(code)
        .map(|s| s.label())
        .unwrap_or(code)
}
