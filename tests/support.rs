//! Helpers for end-to-end tests: locating built binaries and running a
//! private X server.

#[path = "webdriver.rs"]
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("target"),
    }
}

/// A built binary of the workspace (debug profile), if it exists.
pub fn binary(name: &str) -> Option<PathBuf> {
    let p = target_dir().join("debug").join(name);
    p.exists().then_some(p)
}

/// Whether end-to-end tests must run (set by `cargo xtask test`); when not
/// set, a missing prerequisite skips the test with a message instead.
pub fn required() -> bool {
    guidang_testkit::full_suite()
}

/// An Xvfb server on a free display, killed on drop.
pub struct Xvfb {
    child: Child,
    /// `:N`.
    pub display: String,
}

impl Xvfb {
    /// Starts Xvfb at 1280x800x24 and waits until it accepts clients.
    pub fn start() -> std::io::Result<Xvfb> {
        let n = (90..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free display number");
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let x = Xvfb { child, display };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if x.xwininfo_root().is_some() {
                return Ok(x);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(std::io::Error::other("Xvfb did not start"))
    }

    fn xwininfo_root(&self) -> Option<String> {
        let o = Command::new("xwininfo")
            .args(["-root", "-children"])
            .env("DISPLAY", &self.display)
            .output()
            .ok()?;
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    /// Number of top-level windows.
    pub fn top_level_windows(&self) -> usize {
        self.xwininfo_root()
            .and_then(|s| {
                s.lines()
                    .find(|l| {
                        l.contains("child")
                            && l.trim_start()
                                .chars()
                                .next()
                                .is_some_and(|c| c.is_ascii_digit())
                    })
                    .and_then(|l| l.split_whitespace().next().and_then(|n| n.parse().ok()))
            })
            .unwrap_or(0)
    }

    /// The screen as raw RGB bytes (ImageMagick `import`), and a PNG copy.
    pub fn screenshot(&self, png: &Path) -> Vec<u8> {
        let raw = png.with_extension("rgb");
        for out in [format!("rgb:{}", raw.display()), png.display().to_string()] {
            let st = Command::new("import")
                .args(["-window", "root", "-depth", "8", &out])
                .env("DISPLAY", &self.display)
                .status()
                .expect("ImageMagick import is installed by .ci/run");
            assert!(st.success(), "import failed");
        }
        std::fs::read(raw).unwrap()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts pixels within `tol` of `rgb`.
pub fn count_colour(raw: &[u8], rgb: (u8, u8, u8), tol: u8) -> usize {
    raw.chunks_exact(3)
        .filter(|p| {
            p[0].abs_diff(rgb.0) <= tol
                && p[1].abs_diff(rgb.1) <= tol
                && p[2].abs_diff(rgb.2) <= tol
        })
        .count()
}

/// The header colour of ui/src/app.css (--red: #c41e24).
pub const HEADER_RED: (u8, u8, u8) = (0xc4, 0x1e, 0x24);
/// The status chart's bars on 首页 (#409eff), drawn once `summary` returned.
pub const CHART_BLUE: (u8, u8, u8) = (0x40, 0x9e, 0xff);

/// Starts the app as `cmd` on `x`, waits up to `secs` for its home page
/// (see [`wait_for_home`]), screenshots it as `target/e2e-shots/{shot}`
/// and stops it. Returns the pixel counts (header, chart) and the picture.
pub fn show_home(
    cmd: &mut std::process::Command,
    x: &Xvfb,
    shot: &str,
    secs: u64,
) -> (usize, usize, PathBuf) {
    let mut child = cmd
        .env("DISPLAY", &x.display)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let shots = target_dir().join("e2e-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join(shot);
    let (red, blue) = wait_for_home(&mut child, x, &png, secs);
    // SIGTERM first, as a user closing the session would.
    let _ = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status();
    let t = std::time::Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if t.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.wait();
    (red, blue, png)
}

/// Waits up to `secs` for the app started as `child` to show its home page
/// on `x`: the red header band (1200 × 56 px) and the status chart's bars,
/// which appear only once the `summary` command answered. Returns the pixel
/// counts (header, chart) of the last screenshot, saved as `png`; panics
/// with the app's stderr if it exits first.
pub fn wait_for_home(
    child: &mut std::process::Child,
    x: &Xvfb,
    png: &Path,
    secs: u64,
) -> (usize, usize) {
    use std::time::{Duration, Instant};
    let t = Instant::now();
    let (mut red, mut blue) = (0, 0);
    while t.elapsed() < Duration::from_secs(secs) {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(e) = child.stderr.as_mut() {
                std::io::Read::read_to_string(e, &mut err).unwrap();
            }
            panic!("app exited early with {status}: {err}");
        }
        if x.top_level_windows() > 0 {
            let raw = x.screenshot(png);
            red = count_colour(&raw, HEADER_RED, 6);
            blue = count_colour(&raw, CHART_BLUE, 4);
            if red > 40_000 && blue > 2_000 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    (red, blue)
}
