//! End-to-end: the real desktop app, built by `cargo xtask test`, opens its
//! window under Xvfb on a catalog filled through the API, and renders its
//! home page (Vue + Element Plus) with the counts the shell returned.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use guidang_api::core::{CancelFlag, NoProgress};
use guidang_api::{Archive, DemoRequest};
use guidang_e2e::{binary, count_colour, required, target_dir, Xvfb};

/// The header colour of ui/src/app.css (--red: #c41e24).
const HEADER_RED: (u8, u8, u8) = (0xc4, 0x1e, 0x24);
/// The status chart's bars on 首页 (#409eff), drawn once `summary` returned.
const CHART_BLUE: (u8, u8, u8) = (0x40, 0x9e, 0xff);

fn prerequisites() -> Option<std::path::PathBuf> {
    let app = binary("guidang-app");
    let tools = ["Xvfb", "xwininfo", "import"].iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    match (app, tools) {
        (Some(a), true) => Some(a),
        (a, t) => {
            let why = format!(
                "app binary built: {}, Xvfb/xwininfo/import installed: {t}",
                a.is_some()
            );
            assert!(
                !required(),
                "end-to-end prerequisites missing ({why}); run `cargo xtask test`"
            );
            eprintln!("skipped: {why} (run `cargo xtask test` to run it)");
            None
        }
    }
}

#[test]
fn app_window_opens_and_renders_on_a_demo_catalog() {
    let Some(app) = prerequisites() else { return };
    let data = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(data.path()).unwrap();
    let req = DemoRequest {
        cases: 20,
        seed: 11,
        out: None,
        no_collect: false,
        large_file: None,
    };
    ar.demo(&req, &NoProgress, &CancelFlag::new()).unwrap();
    drop(ar);

    let x = Xvfb::start().expect("Xvfb starts");
    assert_eq!(x.top_level_windows(), 0);
    let mut child = Command::new(&app)
        .arg("--data-dir")
        .arg(data.path())
        .env("DISPLAY", &x.display)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let shots = target_dir().join("e2e-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("home.png");
    let t = Instant::now();
    let (mut red, mut blue) = (0, 0);
    while t.elapsed() < Duration::from_secs(60) {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("app exited early with {status}: {err}");
        }
        if x.top_level_windows() > 0 {
            let raw = x.screenshot(&png);
            red = count_colour(&raw, HEADER_RED, 6);
            blue = count_colour(&raw, CHART_BLUE, 4);
            // The header band is 1200 × 56 px; the chart's bars appear only
            // once the `summary` command returned the counts.
            if red > 40_000 && blue > 2_000 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    assert!(
        red > 40_000,
        "the app's page did not render (header pixels: {red}); see {}",
        png.display()
    );
    assert!(
        blue > 2_000,
        "the status chart did not render (bar pixels: {blue}); see {}",
        png.display()
    );
}
