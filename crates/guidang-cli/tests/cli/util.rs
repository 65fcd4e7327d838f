//! What the topic modules share: a data directory driven through the real
//! `guidang` binary, output assertions, fixtures (halls, archives, batches,
//! carriers) and test media (exFAT images, size-limited tmpfs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub(crate) struct Dir {
    pub(crate) _tmp: tempfile::TempDir,
    pub(crate) data: PathBuf,
}

impl Dir {
    pub(crate) fn new() -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        Dir { _tmp: tmp, data }
    }

    pub(crate) fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guidang"));
        c.arg("--data-dir")
            .arg(&self.data)
            .env_remove("GUIDANG_DATA_DIR");
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub(crate) fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        self.run_stdin_env(&[], args, input)
    }

    /// `run_stdin` with extra environment (e.g. `GUIDANG_TODAY`).
    pub(crate) fn run_stdin_env(&self, env: &[(&str, &str)], args: &[&str], input: &str) -> Output {
        let mut child = self
            .cmd()
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The program may exit (e.g. on a usage error) before reading its
        // input; a broken pipe here is not the test's concern.
        if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    }

    pub(crate) fn init(&self) {
        let o = self.run(&[
            "init",
            "--region",
            "430124",
            "--fonds",
            "0001",
            "--unit",
            "示范镇人民政府",
        ]);
        assert_ok(&o);
    }

    pub(crate) fn catalog(&self) -> PathBuf {
        self.data.join("catalog.sqlite")
    }

    /// `restore --from drive --replace` by operator 张三 with `pin`, plus
    /// `extra` arguments.
    pub(crate) fn restore_replacing(&self, drive: &Path, extra: &[&str], pin: &str) -> Output {
        let mut args = vec!["restore", "--from", drive.to_str().unwrap(), "--replace"];
        args.extend_from_slice(&["--operator", "张三", "--pin-stdin"]);
        args.extend_from_slice(extra);
        self.run_stdin(&args, &format!("{pin}\n"))
    }
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub(crate) fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

pub(crate) fn assert_code(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "{}", text(o));
    assert!(
        text(o).contains(needle),
        "expected “{needle}” in:\n{}",
        text(o)
    );
}

pub(crate) fn json(o: &Output) -> Value {
    assert_ok(o);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

pub(crate) fn write_case(dir: &Path, case_no: &str, secrecy: &str) {
    std::fs::create_dir_all(dir.join("结果性材料")).unwrap();
    std::fs::write(
        dir.join("结果性材料/参保登记回执.pdf"),
        format!("%PDF-1.4\n{case_no}\n%%EOF\n"),
    )
    .unwrap();
    let meta = serde_json::json!({
        "case_no": case_no, "case_name": "王五参保登记", "case_kind": "1",
        "item_code": "2000011001", "item_name": "城乡居民基本养老保险参保登记", "item_type": "20",
        "applicant": {"name": "王五", "type": "1", "id_type": "111", "id_no": "11010519491231002X"},
        "accepting_unit": "示范镇便民服务中心", "accepted_at": "2025-05-06 09:00", "completed_at": "2025-05-06 09:30",
        "result": "办结", "retention": "D30", "secrecy": secrecy,
    });
    std::fs::write(dir.join("case.json"), serde_json::to_vec(&meta).unwrap()).unwrap();
}

/// Today's date from `date`, so the test does not share the code under test.
pub(crate) fn chrono_free_today() -> String {
    let o = Command::new("date")
        .args(["+%Y-%m-%d"])
        .env("TZ", "Asia/Shanghai")
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// A hall with `n` demo cases and operator 张三 (PIN 246810).
pub(crate) fn hall(n: u32) -> Dir {
    let d = Dir::new();
    assert_ok(&d.run(&["demo", "--cases", &n.to_string(), "--seed", "3"]));
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    d
}

/// A receiving archive's data directory (role intake).
pub(crate) fn intake() -> Dir {
    let d = Dir::new();
    assert_ok(&d.run(&[
        "init",
        "--role",
        "intake",
        "--region",
        "430100",
        "--fonds",
        "A01",
        "--unit",
        "示范县档案馆",
    ]));
    d
}

/// The text of the QR code printed on a PDF form (every page rendered with
/// pdftoppm, read with zbarimg).
pub(crate) fn pdf_qr_text(pdf: &Path, work: &Path) -> String {
    let dir = work.join(format!("qr-{}", pdf.file_stem().unwrap().to_string_lossy()));
    std::fs::create_dir_all(&dir).unwrap();
    let st = Command::new("pdftoppm")
        .args(["-r", "200", "-png"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(st.success());
    for page in std::fs::read_dir(&dir).unwrap() {
        let z = Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(page.unwrap().path())
            .output()
            .expect("zbarimg (zbar-tools)");
        if z.status.success() {
            return String::from_utf8(z.stdout).unwrap().trim().to_string();
        }
    }
    panic!("no QR code in {}", pdf.display())
}

/// Creates a batch of every ready case; returns the JSON result.
pub(crate) fn create_batch(d: &Dir) -> Value {
    json(&d.run_stdin(
        &[
            "batch",
            "create",
            "--all-ready",
            "--operator",
            "张三",
            "--pin-stdin",
            "--json",
        ],
        "246810\n",
    ))
}

/// Packages and seals every collected case as 张三.
pub(crate) fn package_all(d: &Dir) {
    assert_ok(&d.run_stdin(
        &["package", "--all", "--operator", "张三", "--pin-stdin"],
        "246810\n",
    ));
}

/// A hall whose `n` cases are packaged and checked.
pub(crate) fn checked_hall(n: u32) -> Dir {
    let d = hall(n);
    package_all(&d);
    let o = d.run(&["check", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    d
}

/// `transfer write BATCH --to DIR` as JSON.
pub(crate) fn write_medium(d: &Dir, batch: &str, to: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "transfer",
        "write",
        batch,
        "--to",
        to.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    d.run(&args)
}

pub(crate) fn pdf_text(pdf: &Path) -> String {
    let t = Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(t.status.success());
    String::from_utf8(t.stdout)
        .unwrap()
        .split_whitespace()
        .collect()
}

/// The path of the package `efile_no` on a medium.
pub(crate) fn walk_zip(root: &Path, efile_no: &str) -> PathBuf {
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap().to_string_lossy() == format!("{efile_no}.zip") {
                return p;
            }
        }
    }
    panic!("{efile_no}.zip not on {}", root.display())
}

pub(crate) use guidang_testkit::full_suite as media_tests_required;

/// A real exFAT file system in an image on a loop device, mounted through
/// Debian's exfat-fuse; unmounted and detached on drop.
pub(crate) struct ExfatMedium {
    pub(crate) mount: PathBuf,
    pub(crate) device: String,
}

impl ExfatMedium {
    pub(crate) fn new(dir: &Path, name: &str, size: &str) -> Result<ExfatMedium, String> {
        let img = dir.join(format!("{name}.img"));
        let mount = dir.join(name);
        std::fs::create_dir_all(&mount).map_err(|e| e.to_string())?;
        let run = |c: &mut Command| -> Result<String, String> {
            let o = c.output().map_err(|e| format!("{c:?}: {e}"))?;
            if !o.status.success() {
                return Err(format!("{c:?}: {}", text(&o)));
            }
            Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        run(Command::new("truncate").args(["-s", size]).arg(&img))?;
        run(Command::new("mkfs.exfat").arg(&img))?;
        let device = run(Command::new("losetup").args(["-f", "--show"]).arg(&img))?;
        let m = ExfatMedium { mount, device };
        run(Command::new("mount.exfat-fuse")
            .arg(&m.device)
            .arg(&m.mount))?;
        Ok(m)
    }
}

impl Drop for ExfatMedium {
    fn drop(&mut self) {
        let _ = Command::new("fusermount")
            .arg("-u")
            .arg(&self.mount)
            .status();
        let _ = Command::new("losetup").args(["-d", &self.device]).status();
    }
}

/// An intake workstation with its archivist 李档 (PIN 135790).
pub(crate) fn archive() -> Dir {
    let d = intake();
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "李档", "--pin-stdin"],
        "135790\n",
    ));
    d
}

/// The QR payload printed on the transfer list of a batch.
pub(crate) fn qr_of(hall: &Dir, batch: &str) -> String {
    let s = json(&hall.run(&["batch", "show", batch, "--json"]));
    format!(
        "guidang-batch/1;batch={batch};{}={};fingerprint={}",
        s["signature"]["digest_algo"].as_str().unwrap(),
        s["signature"]["manifest_digest"].as_str().unwrap(),
        s["signature"]["fingerprint"].as_str().unwrap()
    )
}

pub(crate) fn open_json(d: &Dir, args: &[&str], code: i32) -> Value {
    let mut a = vec!["intake", "open", "--json"];
    a.extend_from_slice(args);
    let o = d.run(&a);
    assert_eq!(o.status.code(), Some(code), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
}

pub(crate) fn accept(d: &Dir, extra: &[&str]) -> Value {
    let mut a = vec![
        "intake",
        "accept",
        "--rest",
        "--operator",
        "李档",
        "--pin-stdin",
        "--json",
    ];
    a.extend_from_slice(extra);
    json(&d.run_stdin(&a, "135790\n"))
}

/// Every file of a data directory except the live catalog, with its bytes.
pub(crate) fn data_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "tmp" || rel.starts_with("catalog.sqlite") || rel.starts_with("inspections") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

// ---------------------------------------------------------------------
// Hostile media, lying carriers and faults that must not look done.
// ---------------------------------------------------------------------

/// A hall with one written carrier of a checked batch, and an archive.
pub(crate) fn written_carrier(n: u32) -> (Dir, String, PathBuf, Dir) {
    let hall = checked_hall(n);
    let b = create_batch(&hall)["batch_no"]
        .as_str()
        .unwrap()
        .to_string();
    let medium = hall._tmp.path().join("载体");
    json(&write_medium(&hall, &b, &medium, &[]));
    (hall, b, medium, archive())
}

/// Runs `d` with `args`, failing the test if it does not finish within
/// `secs` (a reader that opens a FIFO named by a manifest hangs for ever).
pub(crate) fn run_bounded(d: &Dir, args: &[&str], secs: u64) -> Output {
    let mut child = d
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed().as_secs() > secs {
            let _ = child.kill();
            panic!("{args:?} did not finish within {secs} s (it opened something it must not)");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub(crate) fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

pub(crate) use guidang_testkit::Tmpfs;

/// No English text of a library or the OS in what a clerk reads.
pub(crate) fn assert_no_english(out: &str) {
    for bad in [
        "os error",
        "No space",
        "ZipWriter",
        "i/o error",
        "disk is full",
    ] {
        assert!(!out.contains(bad), "English text “{bad}” in:\n{out}");
    }
}

/// The names at the root of a carrier, sorted.
pub(crate) fn root_entries(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
