//! `cargo xtask test`: the front-end tests, the workspace build, the
//! Debian package, then every Rust test under `GUIDANG_E2E=1`, with one
//! closing line over all of them.

use std::process::{exit, Command};

use crate::printer::test_printer;
use crate::{cargo, sh, ui::ui};

/// Vitest's closing `Tests  N passed | M failed (T)` line: (passed, failed).
pub(crate) fn vitest_counts(out: &str) -> (u64, u64) {
    // Colour escapes, should any slip through, are dropped first.
    let mut plain = String::with_capacity(out.len());
    let mut chars = out.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    let Some(line) = plain.lines().find(|l| l.trim_start().starts_with("Tests ")) else {
        return (0, 0);
    };
    let num = |word: &str| -> u64 {
        line.split('|')
            .find_map(|part| {
                let part = part.trim().trim_start_matches("Tests").trim();
                part.split_whitespace()
                    .collect::<Vec<_>>()
                    .windows(2)
                    .find(|w| w[1] == word)
                    .and_then(|w| w[0].parse().ok())
            })
            .unwrap_or(0)
    };
    (num("passed"), num("failed"))
}

/// Adds up cargo's `test result:` lines: (passed, failed, ignored).
pub(crate) fn tally(line: &str, sum: &mut (u64, u64, u64)) {
    let Some(rest) = line.trim().strip_prefix("test result: ") else {
        return;
    };
    let num = |word: &str| -> u64 {
        rest.split(';')
            .find_map(|part| part.trim().strip_suffix(word).map(str::trim))
            .and_then(|n| n.rsplit(' ').next().and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    };
    sum.0 += num("passed");
    sum.1 += num("failed");
    sum.2 += num("ignored");
}

pub(crate) fn test() {
    use std::io::{BufRead, BufReader};
    ui();
    // Front-end unit tests (Vitest).
    let out = Command::new("npm")
        .args(["test", "--silent"])
        .current_dir("ui")
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .output()
        .unwrap_or_else(|e| {
            eprintln!("xtask: cannot run npm test: {e}");
            exit(1)
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let (ui_passed, ui_failed) = vitest_counts(&text);
    sh(cargo().args(["build", "--workspace"]));
    let mut cmd = cargo();
    // The Debian package, built as a user would (release), for the
    // installer tests: contents, dpkg -i, the installed app's window,
    // upgrade and removal.
    sh(Command::new("bash").arg("installer/build-deb.sh"));
    if let Some(deb) = newest_deb() {
        cmd.env("GUIDANG_DEB", deb);
    }
    let printer = test_printer();
    if let Some(p) = &printer {
        p.env(&mut cmd);
    }
    cmd.args(["test", "--workspace", "--no-fail-fast"])
        .env("GUIDANG_E2E", "1")
        .stdout(std::process::Stdio::piped());
    eprintln!("xtask: {cmd:?}");
    let started = std::time::Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        eprintln!("xtask: cannot run cargo test: {e}");
        exit(1)
    });
    let mut sum = (
        ui_passed,
        ui_failed + u64::from(!out.status.success() && ui_failed == 0),
        0,
    );
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.unwrap_or_default();
        println!("{line}");
        tally(&line, &mut sum);
    }
    let status = child.wait().expect("cargo test runs");
    eprintln!(
        "xtask: {:.0} s for cargo test --workspace",
        started.elapsed().as_secs_f64()
    );
    let printing_tested = printer.is_some();
    drop(printer);
    // One closing line over every test binary, for people and CI alike.
    println!(
        "total: {} passed, {} failed, {} skipped",
        sum.0, sum.1, sum.2
    );
    if !printing_tested {
        // A prerequisite missing under the full suite fails it: a skipped
        // test is a failed test.
        eprintln!("xtask: FAILED: no CUPS test queue, so the direct-printing tests could not run (the scheduler's log is above)");
        exit(1);
    }
    if !status.success() {
        exit(status.code().unwrap_or(1));
    }
    if !out.status.success() {
        eprintln!("xtask: front-end tests failed");
        exit(1);
    }
    if sum.0 == 0 {
        eprintln!("xtask: no test ran");
        exit(1);
    }
}

/// The newest package installer/build-deb.sh left in target/installer.
pub(crate) fn newest_deb() -> Option<std::path::PathBuf> {
    std::fs::read_dir("target/installer")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

#[cfg(test)]
mod tests {
    #[test]
    fn vitest_counts_read_the_closing_line() {
        assert_eq!(
            super::vitest_counts(" Test Files  2 passed (2)\n      Tests  7 passed (7)\n"),
            (7, 0)
        );
        assert_eq!(
            super::vitest_counts("      Tests  1 failed | 6 passed (7)\n"),
            (6, 1)
        );
        assert_eq!(super::vitest_counts("nothing"), (0, 0));
        assert_eq!(
            super::vitest_counts("\u{1b}[2m      Tests \u{1b}[22m \u{1b}[1m\u{1b}[32m7 passed\u{1b}[39m\u{1b}[22m\u{1b}[90m (7)\u{1b}[39m"),
            (7, 0)
        );
    }

    #[test]
    fn tally_reads_cargo_result_lines() {
        let mut s = (0, 0, 0);
        super::tally("test result: ok. 23 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.16s", &mut s);
        super::tally(
            "test result: FAILED. 4 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            &mut s,
        );
        super::tally("running 6 tests", &mut s);
        assert_eq!(s, (27, 2, 1));
    }
}
