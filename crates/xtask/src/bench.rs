//! `cargo xtask bench`: packaging, verification, check and hashing against
//! peers in the same run, the 办件 screen's queries on 100,000 cases, and
//! the peak memory on hostile inputs.

use std::process::{exit, Command};

use crate::{cargo, hostile, sh};

pub(crate) fn secs(t: std::time::Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Runs a command that must succeed: (seconds, stdout + stderr).
pub(crate) fn run_timed(cmd: &mut Command, stdin: Option<&str>) -> (f64, String) {
    let (el, code, out) = run_any(cmd, stdin);
    if code != Some(0) {
        eprintln!("xtask: {cmd:?} failed:\n{out}");
        exit(1);
    }
    (el, out)
}

/// Runs a command whatever its exit: (seconds, exit code, stdout + stderr).
pub(crate) fn run_any(cmd: &mut Command, stdin: Option<&str>) -> (f64, Option<i32>, String) {
    use std::io::Write;
    let t = std::time::Instant::now();
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            eprintln!("xtask: cannot run {cmd:?}: {e}");
            exit(1)
        });
    if let Some(s) = stdin {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(s.as_bytes())
            .expect("stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    let el = secs(t);
    (
        el,
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

pub(crate) fn tree_bytes(dir: &std::path::Path) -> (u64, u64, Vec<std::path::PathBuf>) {
    let (mut bytes, mut files, mut all) = (0, 0, Vec::new());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "case.json") {
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
                files += 1;
                all.push(p);
            }
        }
    }
    all.sort();
    (bytes, files, all)
}

/// `openssl speed` throughput in MB/s for 16 KiB blocks.
pub(crate) fn openssl_speed(algo: &str) -> f64 {
    let (_, out) = run_timed(
        Command::new("openssl").args(["speed", "-seconds", "2", "-bytes", "16384", "-evp", algo]),
        None,
    );
    // Last line: "<algo>  <k/s for 16384 bytes>k"
    out.lines()
        .rev()
        .find_map(|l| {
            l.split_whitespace()
                .last()
                .and_then(|v| v.trim_end_matches('k').parse::<f64>().ok())
        })
        .map(|kps| kps * 1000.0 / 1e6)
        .unwrap_or(0.0)
}

/// `cargo xtask bench`: every figure against its peer, in one run.
///
/// Long by design: a script of measurements printed in order (each a few
/// lines: set up, time, print the ratio); the order is the report's.
pub(crate) fn bench(args: &[String]) {
    let arg = |name: &str, default: u64| -> u64 {
        args.windows(2)
            .find(|w| w[0] == name)
            .and_then(|w| w[1].parse().ok())
            .unwrap_or(default)
    };
    let cases = arg("--cases", 200);
    let large_gib = arg("--large-gib", 4);
    sh(cargo().args(["build", "--release", "--package", "guidang-cli"]));
    let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/guidang");
    let work = std::env::temp_dir().join(format!("guidang-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let data = work.join("data");
    let export = work.join("export");
    let g = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("--data-dir").arg(&data).args(args);
        c
    };
    let cases_s = cases.to_string();
    run_timed(
        &mut g(&[
            "demo",
            "--cases",
            &cases_s,
            "--seed",
            "1",
            "--out",
            export.to_str().unwrap(),
        ]),
        None,
    );
    run_timed(
        &mut g(&["operator", "add", "--name", "bench", "--pin-stdin"]),
        Some("246810\n"),
    );
    let (bytes, files, all) = tree_bytes(&export);
    let mb = bytes as f64 / 1e6;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("guidang bench — release build, {cores} cores");
    println!("data set: {cases} cases, {files} files, {mb:.1} MB");

    let (t_pkg, _) = run_timed(
        &mut g(&["package", "--all", "--operator", "bench", "--pin-stdin"]),
        Some("246810\n"),
    );
    println!(
        "package + seal (SM3/SM2): {t_pkg:.2} s, {:.1} MB/s, {:.1} packages/s",
        mb / t_pkg,
        cases as f64 / t_pkg
    );

    let zip_out = work.join("baseline.zip");
    let (t_zip, _) = run_timed(
        Command::new("zip")
            .arg("-r")
            .arg("-q")
            .arg(&zip_out)
            .arg(&export),
        None,
    );
    let mut dgst = Command::new("openssl");
    dgst.args(["dgst", "-sm3"]).args(&all);
    let (t_dgst, _) = run_timed(&mut dgst, None);
    let t_base = t_zip + t_dgst;
    println!(
        "baseline zip -r + openssl dgst -sm3: {t_base:.2} s (zip {t_zip:.2} s, dgst {t_dgst:.2} s), {:.1} MB/s",
        mb / t_base
    );
    println!(
        "ratio package / baseline throughput: {:.2} (target >= 1.5)",
        t_base / t_pkg
    );

    let pkgs = data.join("packages");
    let pkg_bytes = tree_bytes(&pkgs).0 as f64 / 1e6;
    let (t_ver, _) = run_timed(&mut g(&["verify", pkgs.to_str().unwrap()]), None);
    println!(
        "verify all packages: {t_ver:.2} s, {:.1} MB/s",
        pkg_bytes / t_ver
    );

    // Four-property check of every package, against openssl over the same bytes.
    let (t_chk, _) = run_timed(&mut g(&["check", "--all"]), None);
    let pkg_files = tree_bytes(&pkgs).2;
    let mut dgst = Command::new("openssl");
    dgst.args(["dgst", "-sm3"]).args(&pkg_files);
    let (t_pd, _) = run_timed(&mut dgst, None);
    println!(
        "check --all (DA/T 70, gd): {t_chk:.2} s, {:.1} MB/s; openssl dgst -sm3 on the same packages {:.1} MB/s; ratio {:.2} (target >= 0.8)",
        pkg_bytes / t_chk,
        pkg_bytes / t_pd,
        t_pd / t_chk
    );

    // The same check by another build of guidang (`--check-baseline BIN`,
    // e.g. the release binary of the commit before a change to the
    // checks), on a copy of the same data: the change's cost as a ratio.
    if let Some(base) = args
        .windows(2)
        .find(|w| w[0] == "--check-baseline")
        .map(|w| w[1].clone())
    {
        let copy = work.join("data-baseline");
        sh(Command::new("cp").arg("-a").arg(&data).arg(&copy));
        let (t_b, _) = run_timed(
            Command::new(&base)
                .arg("--data-dir")
                .arg(&copy)
                .args(["check", "--all"]),
            None,
        );
        println!(
            "check --all by the baseline build {base}: {t_b:.2} s, {:.1} MB/s; ratio this build / baseline throughput {:.2} (target >= 0.7)",
            pkg_bytes / t_b,
            t_b / t_chk
        );
    }

    // Hashing: one large file, ours against openssl on the same bytes.
    let big = work.join("hash.bin");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).expect("create"));
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..512 {
            for b in block.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b.copy_from_slice(&x.to_le_bytes());
            }
            f.write_all(&block).expect("write");
        }
    }
    let size_mb = 512.0 * 1048576.0 / 1e6;
    let best = |cmd: &dyn Fn() -> Command| {
        (0..2)
            .map(|_| run_timed(&mut cmd(), None).0)
            .fold(f64::MAX, f64::min)
    };
    let ours = size_mb
        / best(&|| {
            let mut c = Command::new(&bin);
            c.args(["digest", "--algo", "sm3"]).arg(&big);
            c
        });
    let theirs = size_mb
        / best(&|| {
            let mut c = Command::new("openssl");
            c.args(["dgst", "-sm3"]).arg(&big);
            c
        });
    let speed = openssl_speed("sm3");
    println!(
        "SM3 hashing: guidang {ours:.0} MB/s, openssl dgst {theirs:.0} MB/s, openssl speed {speed:.0} MB/s; ratio to openssl speed {:.2} (target >= 0.8)",
        ours / speed.max(1.0)
    );

    if large_gib > 0 {
        let ldata = work.join("large");
        let bytes = (large_gib << 30).to_string();
        let mut c = Command::new(&bin);
        c.arg("--data-dir").arg(&ldata).args([
            "demo",
            "--cases",
            "1",
            "--seed",
            "2",
            "--large-file",
            &bytes,
        ]);
        run_timed(&mut c, None);
        let mut c = Command::new(&bin);
        c.arg("--data-dir")
            .arg(&ldata)
            .args(["operator", "add", "--name", "bench", "--pin-stdin"]);
        run_timed(&mut c, Some("246810\n"));
        let mut c = Command::new(&bin);
        c.arg("--data-dir")
            .arg(&ldata)
            .args(["package", "--all", "--operator", "bench", "--pin-stdin"])
            .env("GUIDANG_REPORT_PEAK_MEMORY", "1");
        let (t, out) = run_timed(&mut c, Some("246810\n"));
        let peak = out
            .lines()
            .find_map(|l| l.strip_prefix("peak_memory "))
            .unwrap_or("?")
            .to_string();
        let mut c = Command::new(&bin);
        c.arg("--data-dir")
            .arg(&ldata)
            .arg("verify")
            .arg(ldata.join("packages"));
        let (tv, vout) = run_timed(&mut c, None);
        let ok = vout.contains("不通过 0");
        println!(
            "large file {large_gib} GiB: package {t:.1} s, peak memory {peak} (target < 150 MiB); verify {tv:.1} s, {}",
            if ok { "passes" } else { "FAILED" }
        );
    }
    hostile::peak_memory(&bin, &data, &work);

    // The 办件 screen on a catalog of 100,000 cases: the queries it makes
    // (one page, a far page, the count, a search) must stay well under the
    // 200 ms a clerk notices.
    let copies = (100_000u64.div_ceil(cases.max(1)))
        .saturating_sub(1)
        .to_string();
    let (t_grow, out) = run_timed(&mut g(&["bench-catalog", "--copies", &copies]), None);
    println!("catalog grown to 100,000 cases in {t_grow:.1} s; queries of the 办件 screen (target < 200 ms each):");
    for l in out.lines().filter(|l| l.contains(" ms ")) {
        println!("  {l}");
    }
    let _ = std::fs::remove_dir_all(&work);
}
