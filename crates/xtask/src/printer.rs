//! The CUPS scheduler of the test run's own, for the direct-printing
//! tests.

use std::process::Command;

use crate::deps::is_root;

/// A real CUPS print queue for the direct-printing tests: a scheduler of
/// the test run's own (`cupsd -f` with its configuration, spool and logs in
/// a temporary directory, listening only on a socket there), so neither the
/// machine's CUPS set-up nor root matters. Its queue `guidang-test` is raw
/// and prints to /dev/null; the spool keeps each job's bytes, which the
/// tests compare. The tests reach it through `CUPS_SERVER`, as `lp` does.
/// A machine that cannot run it fails `cargo xtask test` (after the other
/// tests ran), with the scheduler's own log.
pub(crate) struct TestPrinter {
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
    pub(crate) fn env(&self, cmd: &mut Command) {
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
pub(crate) fn sbin(name: &str) -> std::path::PathBuf {
    let p = std::path::Path::new("/usr/sbin").join(name);
    if p.exists() {
        p
    } else {
        name.into()
    }
}

pub(crate) fn test_printer() -> Option<TestPrinter> {
    start_test_printer()
        .map_err(|why| {
            // With the scheduler's own log. The other tests still run, so
            // their results are seen; `test` then fails the run. (A CI
            // failure once was cupsd 2.4.2-3+deb12u11 refusing an empty
            // `Printcap` line.)
            eprintln!("xtask: no CUPS test queue, the direct-printing tests cannot run: {why}");
        })
        .ok()
}

pub(crate) fn start_test_printer() -> Result<TestPrinter, String> {
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
         DocumentRoot /usr/share/cups/doc-root\nFileDevice Yes\nPrintcap {d}/state/printcap\n\
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
