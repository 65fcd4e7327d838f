//! Peak memory on hostile inputs (`cargo xtask bench`): verify, check and
//! intake open must stay within ~64 MiB of resident memory whatever a
//! medium holds. The inputs are made by `hostile.py` (Python's standard
//! library) from a carrier the hall really wrote; each command reports its
//! own peak (`VmHWM`) through `GUIDANG_REPORT_PEAK_MEMORY=1`.

use std::path::Path;
use std::process::Command;

use crate::bench::{run_any, run_timed};

/// The bound, in KiB.
const TARGET_KIB: u64 = 64 * 1024;

/// Runs `cmd` with the peak report on and returns (peak KiB, exit code).
fn peak(cmd: &mut Command) -> (u64, Option<i32>) {
    let (_, code, out) = run_any(cmd.env("GUIDANG_REPORT_PEAK_MEMORY", "1"), None);
    let kib = out
        .lines()
        .find_map(|l| l.strip_prefix("peak_memory "))
        .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(u64::MAX);
    (kib, code)
}

/// The first string field `name` of pretty-printed JSON (xtask has no
/// JSON parser; the CLI's field names are a stable contract).
fn json_str(out: &str, name: &str) -> String {
    out.split(&format!("\"{name}\": \""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {out}"))
        .to_string()
}

fn verdict(kib: u64) -> &'static str {
    if kib <= TARGET_KIB {
        "PASS"
    } else {
        "FAIL"
    }
}

/// Writes a carrier of the bench's hall, makes the hostile inputs from it
/// and prints each command's peak memory against the bound.
pub fn peak_memory(bin: &Path, data: &Path, work: &Path) {
    let g = |dir: &Path, args: &[&str]| {
        let mut c = Command::new(bin);
        c.arg("--data-dir").arg(dir).args(args);
        c
    };
    let (_, out) = run_timed(
        &mut g(
            data,
            &[
                "batch",
                "create",
                "--all-ready",
                "--operator",
                "bench",
                "--pin-stdin",
                "--json",
            ],
        ),
        Some("246810\n"),
    );
    let batch = json_str(&out, "batch_no");
    let carrier = work.join("carrier");
    let to = carrier.to_str().expect("utf-8 path");
    run_timed(
        &mut g(data, &["transfer", "write", &batch, "--to", to]),
        None,
    );
    let hostile = work.join("hostile");
    let script = hostile.join("hostile.py");
    std::fs::create_dir_all(&hostile).expect("work dir");
    std::fs::write(&script, include_str!("hostile.py")).expect("script");
    run_timed(
        Command::new("python3")
            .arg(&script)
            .arg(&hostile)
            .arg(&carrier),
        None,
    );
    let (_, out) = run_timed(&mut g(data, &["operator", "show", "bench", "--json"]), None);
    let fingerprint = json_str(&out, "fingerprint");
    let archive = work.join("archive");
    run_timed(
        &mut g(
            &archive,
            &[
                "init",
                "--role",
                "intake",
                "--region",
                "430100",
                "--fonds",
                "A01",
                "--unit",
                "示范县档案馆",
            ],
        ),
        None,
    );

    println!("peak memory on hostile inputs (target <= 64 MiB each):");
    let packages = hostile.join("packages");
    let pk = packages.to_str().expect("utf-8 path");
    let mut rows = vec![
        (
            "verify (max. directory, bomb, size lie, 64 MiB gap)",
            peak(&mut g(data, &["verify", pk])),
        ),
        (
            "check --stage yj (the same packages)",
            peak(&mut g(data, &["check", pk, "--stage", "yj"])),
        ),
    ];
    for (name, what) in [
        ("big-manifest", "intake open (100 MB batch manifest)"),
        (
            "dev-zero",
            "intake open (manifest naming /dev/zero, a FIFO)",
        ),
        (
            "many-entries",
            "intake open (a package with 30,000 entries)",
        ),
    ] {
        let c = hostile.join("carriers").join(name);
        let c = c.to_str().expect("utf-8 path");
        rows.push((
            what,
            peak(&mut g(
                &archive,
                &["intake", "open", c, "--trust", &fingerprint],
            )),
        ));
    }
    for (what, (kib, code)) in rows {
        let code = code.map_or("signal".to_string(), |c| c.to_string());
        println!(
            "  {what}: {:.1} MiB, exit {code} — {}",
            kib as f64 / 1024.0,
            verdict(kib)
        );
    }
}
