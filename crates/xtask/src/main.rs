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
//! - `bench [--cases N] [--large-gib G]`: release build, then packaging and
//!   hashing figures against `zip -r` + `openssl dgst` in the same run, and
//!   the peak memory of verify, check and intake open on hostile inputs.

use std::process::{exit, Command};

mod hostile;

/// Debian packages: Tauri's build (WebKitGTK 4.1), the CJK font, and the
/// tools the tests drive (Xvfb, xwininfo, ImageMagick, poppler, 7-Zip, zip,
/// openssl, xmllint, zbar (QR codes on printed forms), ClamAV — its scanner only; tests bring their own
/// signature, no database is downloaded).
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
    "desktop-file-utils",
    "xdg-utils",
    "cups-daemon",
    "cups-client",
    "p7zip-full",
    "unzip",
    "zip",
    "openssl",
    "libxml2-utils",
    "clamav",
    "zbar-tools",
    "exfatprogs",
    "exfat-fuse",
    "webkit2gtk-driver",
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

/// tauri-driver, the WebDriver server the end-to-end tests drive the app
/// through (with Debian's WebKitWebDriver).
fn tauri_driver() {
    let home = std::env::var_os("HOME").unwrap_or_default();
    let installed = std::path::Path::new(&home)
        .join(".cargo/bin/tauri-driver")
        .exists()
        || Command::new("tauri-driver").arg("--help").output().is_ok();
    if !installed {
        sh(cargo().args(["install", "tauri-driver", "--version", "^2", "--locked"]));
    }
}

fn deps() {
    tauri_driver();
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
    // With recommends: the configuration the end-to-end tests were run in.
    let mut install = apt(&["install", "-y", "-qq"]);
    install.args(&missing);
    sh(&mut install);
}

/// The web front end: Node.js (from apt when missing), `npm install` when the
/// lock file changed, then `npm run build` into ui/dist, which the app
/// embeds at compile time.
fn ui() {
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node {
        let mut c = if is_root() {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.args(["install", "-y", "-qq", "nodejs", "npm"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        sh(&mut c);
    }
    let ui = std::path::Path::new("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&stamp).is_none() || modified(&stamp) < modified(&lock) {
        // `npm install` with the committed lock, not `npm ci`: npm leaves
        // rollup's optional per-platform packages out of the lock file and
        // `npm ci` then refuses it; `install` keeps every locked version.
        sh(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(ui));
    }
    sh(Command::new("npm").args(["run", "build"]).current_dir(ui));
}

/// Vitest's closing `Tests  N passed | M failed (T)` line: (passed, failed).
fn vitest_counts(out: &str) -> (u64, u64) {
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
    let printing_tested = printer.is_some();
    drop(printer);
    // One closing line over every test binary, for people and CI alike.
    println!(
        "total: {} passed, {} failed, {} skipped",
        sum.0, sum.1, sum.2
    );
    if !printing_tested {
        println!("xtask: WARNING: no CUPS test queue, so the direct-printing checks did not run (see the warning above)");
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
fn newest_deb() -> Option<std::path::PathBuf> {
    std::fs::read_dir("target/installer")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

/// A real CUPS print queue for the direct-printing tests: a scheduler of
/// the test run's own (`cupsd -f` with its configuration, spool and logs in
/// a temporary directory, listening only on a socket there), so neither the
/// machine's CUPS set-up nor root matters. Its queue `guidang-test` is raw
/// and prints to /dev/null; the spool keeps each job's bytes, which the
/// tests compare. The tests reach it through `CUPS_SERVER`, as `lp` does.
/// A machine that cannot run it skips those tests, with a warning that
/// carries the scheduler's own log.
struct TestPrinter {
    name: &'static str,
    dir: std::path::PathBuf,
    cupsd: std::process::Child,
}

impl TestPrinter {
    fn socket(&self) -> std::path::PathBuf {
        self.dir.join("cups.sock")
    }
    fn spool(&self) -> std::path::PathBuf {
        self.dir.join("spool")
    }
    /// What the tests (and `lp` under them) need to find the queue.
    fn env(&self, cmd: &mut Command) {
        cmd.env("GUIDANG_TEST_PRINTER", self.name)
            .env("GUIDANG_TEST_SPOOL", self.spool())
            .env("CUPS_SERVER", self.socket());
    }
}

impl Drop for TestPrinter {
    fn drop(&mut self) {
        let _ = self.cupsd.kill();
        let _ = self.cupsd.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A program from PATH or, as for an ordinary user's PATH, /usr/sbin.
fn sbin(name: &str) -> std::path::PathBuf {
    let p = std::path::Path::new("/usr/sbin").join(name);
    if p.exists() {
        p
    } else {
        name.into()
    }
}

fn test_printer() -> Option<TestPrinter> {
    start_test_printer()
        .map_err(|why| {
            // Loud, with the scheduler's own log, but not fatal: a CI
            // machine that cannot run a scheduler (seen once, cause
            // unknown) should not hide every other result.
            eprintln!(
                "xtask: WARNING: no CUPS test queue, the direct-printing tests are skipped: {why}"
            );
        })
        .ok()
}

fn start_test_printer() -> Result<TestPrinter, String> {
    use std::os::unix::fs::PermissionsExt;
    let me = |flag: &str| {
        Command::new("id")
            .arg(flag)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    // /tmp, not TMPDIR: as root the scheduler's `lp` user must reach it, and
    // a socket path has to stay short.
    let dir = std::path::Path::new("/tmp").join(format!("guidang-cups-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["conf", "spool/tmp", "cache", "state", "log"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    // As root the scheduler hands jobs to the `lp` user, who must reach the
    // spool; as anyone else it runs everything as that user.
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    let (user, group, system) = if is_root() {
        ("lp".to_string(), "lp".to_string(), "root".to_string())
    } else {
        let g = me("-gn");
        (me("-un"), g.clone(), g)
    };
    let d = dir.display();
    let conf = format!(
        "Listen {d}/cups.sock\nLogLevel info\nDefaultAuthType None\nPreserveJobFiles Yes\n\
         PreserveJobHistory Yes\nBrowsing No\nWebInterface No\n\
         <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
         <Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n\
         <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    );
    let files = format!(
        "ServerRoot {d}/conf\nRequestRoot {d}/spool\nTempDir {d}/spool/tmp\nCacheDir {d}/cache\n\
         StateDir {d}/state\nErrorLog {d}/log/error_log\nAccessLog {d}/log/access_log\n\
         PageLog {d}/log/page_log\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\n\
         DocumentRoot /usr/share/cups/doc-root\nFileDevice Yes\nPrintcap\n\
         User {user}\nGroup {group}\nSystemGroup {system}\n"
    );
    std::fs::write(dir.join("conf/cupsd.conf"), conf).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("conf/cups-files.conf"), files).map_err(|e| e.to_string())?;
    // Its output goes to a file: a scheduler left running must not hold
    // CI's pipe open.
    let out = std::fs::File::create(dir.join("log/cupsd.out")).map_err(|e| e.to_string())?;
    let cupsd = Command::new(sbin("cupsd"))
        .arg("-f")
        .arg("-c")
        .arg(dir.join("conf/cupsd.conf"))
        .arg("-s")
        .arg(dir.join("conf/cups-files.conf"))
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(out)
        .spawn()
        .map_err(|e| format!("cannot start cupsd (package cups-daemon): {e}"))?;
    let mut p = TestPrinter {
        name: "guidang-test",
        dir,
        cupsd,
    };
    let log = |p: &TestPrinter| {
        let read = |f: &str| std::fs::read_to_string(p.dir.join("log").join(f)).unwrap_or_default();
        format!("{}{}", read("cupsd.out"), read("error_log"))
    };
    let run = |p: &TestPrinter, cmd: &mut Command| {
        cmd.env("CUPS_SERVER", p.socket())
            .output()
            .map(|o| {
                (
                    o.status.success(),
                    format!(
                        "{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    ),
                )
            })
            .unwrap_or_else(|e| (false, format!("{cmd:?}: {e}")))
    };
    let t = std::time::Instant::now();
    loop {
        if let Ok(Some(st)) = p.cupsd.try_wait() {
            return Err(format!("cupsd exited with {st}:\n{}", log(&p)));
        }
        let (ok, text) = run(&p, Command::new("lpstat").arg("-r"));
        let last = if ok && text.contains("is running") {
            let (ok, text) = run(
                &p,
                Command::new(sbin("lpadmin")).args([
                    "-p",
                    p.name,
                    "-E",
                    "-v",
                    "file:///dev/null",
                    "-m",
                    "raw",
                ]),
            );
            if ok && run(&p, Command::new("lpstat").args(["-p", p.name])).0 {
                eprintln!(
                    "xtask: CUPS test queue {} on {}",
                    p.name,
                    p.socket().display()
                );
                return Ok(p);
            }
            text
        } else {
            text
        };
        if t.elapsed() > std::time::Duration::from_secs(60) {
            let _ = p.cupsd.kill();
            return Err(format!("no queue after 60 s: {last}\n{}", log(&p)));
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

fn secs(t: std::time::Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Runs a command that must succeed: (seconds, stdout + stderr).
fn run_timed(cmd: &mut Command, stdin: Option<&str>) -> (f64, String) {
    let (el, code, out) = run_any(cmd, stdin);
    if code != Some(0) {
        eprintln!("xtask: {cmd:?} failed:\n{out}");
        exit(1);
    }
    (el, out)
}

/// Runs a command whatever its exit: (seconds, exit code, stdout + stderr).
fn run_any(cmd: &mut Command, stdin: Option<&str>) -> (f64, Option<i32>, String) {
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

fn tree_bytes(dir: &std::path::Path) -> (u64, u64, Vec<std::path::PathBuf>) {
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
fn openssl_speed(algo: &str) -> f64 {
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

fn bench(args: &[String]) {
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
                "usage: cargo xtask <deps|run|test|ci|bench [--cases N] [--large-gib G]|with-printer -- <command…>>"
            );
            exit(2);
        }
    }
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
