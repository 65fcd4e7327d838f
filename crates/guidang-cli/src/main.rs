//! `guidang`: every operation of the archive for scripts and tests.
//!
//! Exit codes (a contract with users' scripts): 0 success, 1 findings
//! (rejected cases, failed checks, a broken audit chain), 2 error (the
//! operation could not run).

use std::process::ExitCode;

mod args;
mod chinese;
mod cmd;
mod json;
mod output;

use output::{end_progress_line, peak_memory_report, Done};

fn main() -> ExitCode {
    let cli = args::parse();
    let code = match cmd::run(cli) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::Findings) => ExitCode::from(1),
        Err(e) => {
            end_progress_line();
            eprintln!("错误[{}]：{e}", e.code());
            ExitCode::from(2)
        }
    };
    peak_memory_report();
    code
}
