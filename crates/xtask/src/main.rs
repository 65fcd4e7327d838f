//! Project automation (`cargo xtask …`), in the manner of rust-analyzer's
//! xtask: no dependencies, plain std::process.
//!
//! - `deps`: install the Debian packages the build and tests need.
//! - `ui`:   npm install when the lock changed, then build ui/dist.
//! - `run`:  deps, then build and open the desktop app on the default catalog.
//! - `test`: deps, build everything and the .deb (installer/build-deb.sh),
//!   run every test (end-to-end and the installed package included).
//! - `ci`:   deps, `cargo fmt --check`, clippy with `-D warnings`, then `test`.
//! - `with-printer -- <command…>`: run a command with the CUPS test queue
//!   the direct-printing tests use (as `test` does).
//! - `bench [--cases N] [--large-gib G] [--check-baseline BIN]`: release build, then packaging and
//!   hashing figures against `zip -r` + `openssl dgst` in the same run, and
//!   the peak memory of verify, check and intake open on hostile inputs.

use std::process::{exit, Command};

mod bench;
mod deps;
mod hostile;
mod printer;
mod test;
mod tidy;
mod ui;

use bench::bench;
use deps::deps;
use printer::test_printer;
use test::test;
use ui::ui;

/// Runs a command that must succeed, and says how long it took (so a CI
/// log shows the time of each phase).
pub(crate) fn sh(cmd: &mut Command) {
    eprintln!("xtask: {cmd:?}");
    let t = std::time::Instant::now();
    match cmd.status() {
        Ok(s) if s.success() => eprintln!(
            "xtask: {:.0} s for {}",
            t.elapsed().as_secs_f64(),
            phase(cmd)
        ),
        Ok(s) => {
            eprintln!("xtask: command failed with {s}");
            exit(s.code().unwrap_or(1));
        }
        Err(e) => {
            eprintln!("xtask: cannot run {cmd:?}: {e}");
            exit(1);
        }
    }
}

/// A command's program and first arguments, for the timing lines.
pub(crate) fn phase(cmd: &Command) -> String {
    let program = std::path::Path::new(cmd.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args: Vec<String> = cmd
        .get_args()
        .take(2)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!("{program} {}", args.join(" "))
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn main() {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "deps" => deps(),
        "ui" => ui(),
        "run" => {
            deps();
            ui();
            sh(cargo().args(["run", "--package", "guidang-app"]));
        }
        "test" => {
            deps();
            test();
        }
        "bench" => {
            deps();
            let rest: Vec<String> = std::env::args().skip(2).collect();
            bench(&rest);
        }
        "ci" => {
            deps();
            sh(cargo().args(["fmt", "--all", "--check"]));
            // The app embeds ui/dist at compile time: build it before clippy.
            ui();
            sh(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]));
            test();
        }
        "with-printer" => {
            // `cargo xtask with-printer -- cargo test -p guidang-cli print_send`
            let rest: Vec<String> = std::env::args().skip(2).skip_while(|a| a == "--").collect();
            let Some((program, args)) = rest.split_first() else {
                eprintln!("usage: cargo xtask with-printer -- <command…>");
                exit(2)
            };
            let printer = test_printer();
            let mut cmd = Command::new(program);
            cmd.args(args);
            if let Some(p) = &printer {
                p.env(&mut cmd);
            }
            let st = cmd.status();
            drop(printer);
            exit(st.map_or(1, |s| s.code().unwrap_or(1)));
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <deps|run|test|ci|bench [--cases N] [--large-gib G] [--check-baseline BIN]|with-printer -- <command…>>"
            );
            exit(2);
        }
    }
}
