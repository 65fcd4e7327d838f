//! Project automation (`cargo xtask …`), in the manner of rust-analyzer's
//! xtask: no dependencies, plain std::process.
//!
//! - `deps`: install the Debian packages the build and tests need.
//! - `run`:  deps, then build and open the desktop app on the default catalog.
//! - `test`: deps, build everything, run every test (end-to-end included).
//! - `ci`:   deps, `cargo fmt --check`, clippy with `-D warnings`, then `test`.

use std::process::{exit, Command};

/// Debian packages: Tauri's build (WebKitGTK 4.1), the CJK font, and the
/// tools the tests drive (Xvfb, xwininfo, ImageMagick, poppler, 7-Zip, zip).
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    "x11-utils",
    "imagemagick",
    "fonts-noto-cjk",
    "poppler-utils",
    "p7zip-full",
    "unzip",
    "zip",
];

fn sh(cmd: &mut Command) {
    eprintln!("xtask: {cmd:?}");
    match cmd.status() {
        Ok(s) if s.success() => {}
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

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn deps() {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let apt = |args: &[&str]| {
        let mut c = if is_root() {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    sh(&mut apt(&["update", "-qq"]));
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    sh(&mut install);
}

/// Adds up cargo's `test result:` lines: (passed, failed, ignored).
fn tally(line: &str, sum: &mut (u64, u64, u64)) {
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

fn test() {
    use std::io::{BufRead, BufReader};
    sh(cargo().args(["build", "--workspace"]));
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"])
        .env("GUIDANG_E2E", "1")
        .stdout(std::process::Stdio::piped());
    eprintln!("xtask: {cmd:?}");
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        eprintln!("xtask: cannot run cargo test: {e}");
        exit(1)
    });
    let mut sum = (0, 0, 0);
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.unwrap_or_default();
        println!("{line}");
        tally(&line, &mut sum);
    }
    let status = child.wait().expect("cargo test runs");
    // One closing line over every test binary, for people and CI alike.
    println!(
        "total: {} passed, {} failed, {} skipped",
        sum.0, sum.1, sum.2
    );
    if !status.success() {
        exit(status.code().unwrap_or(1));
    }
    if sum.0 == 0 {
        eprintln!("xtask: no test ran");
        exit(1);
    }
}

fn main() {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "deps" => deps(),
        "run" => {
            deps();
            sh(cargo().args(["run", "--package", "guidang-app"]));
        }
        "test" => {
            deps();
            test();
        }
        "ci" => {
            deps();
            sh(cargo().args(["fmt", "--all", "--check"]));
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
        _ => {
            eprintln!("usage: cargo xtask <deps|run|test|ci>");
            exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
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
