//! The Debian package as a hall installs it (built by
//! `installer/build-deb.sh`; `cargo xtask test` hands it over in
//! `GUIDANG_DEB`): what it holds, `dpkg -i`, the installed app's window with
//! no network at all, an upgrade over it that migrates a catalog made by the
//! previous schema (`tests/fixtures/hall-schema7`, written by the build of
//! commit 7a81751), and removal that leaves the user's catalog alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use guidang_e2e::{required, show_home, Xvfb};

/// Size of every icon the package must carry (freedesktop hicolor theme).
const ICON_SIZES: [u32; 8] = [16, 24, 32, 48, 64, 128, 256, 512];

fn deb() -> Option<PathBuf> {
    match std::env::var_os("GUIDANG_DEB") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            assert!(
                !required(),
                "GUIDANG_DEB is not set: `cargo xtask test` builds the .deb first"
            );
            eprintln!("skipped: no .deb (bash installer/build-deb.sh, then set GUIDANG_DEB)");
            None
        }
    }
}

fn run(cmd: &mut Command) -> Output {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(run(cmd).stdout).unwrap()
}

/// The width and height in a PNG's IHDR chunk.
fn png_size(p: &Path) -> (u32, u32) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        p.display()
    );
    let be = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn the_deb_holds_the_programs_desktop_entry_icons_and_licences() {
    let Some(deb) = deb() else { return };
    let field = |f: &str| stdout(Command::new("dpkg-deb").arg("-f").arg(&deb).arg(f));
    assert_eq!(field("Package").trim(), "guidang");
    let arch = stdout(Command::new("dpkg").arg("--print-architecture"));
    assert_eq!(field("Architecture").trim(), arch.trim());
    let depends = field("Depends");
    for d in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "xdg-utils"] {
        assert!(depends.contains(d), "Depends lacks {d}: {depends}");
    }
    for r in ["cups-client", "clamav", "xorriso", "qpdf", "poppler-utils"] {
        assert!(field("Recommends").contains(r), "Recommends lacks {r}");
    }

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    for bin in ["usr/bin/guidang-app", "usr/bin/guidang"] {
        let md = std::fs::metadata(root.join(bin)).unwrap_or_else(|_| panic!("{bin} missing"));
        use std::os::unix::fs::PermissionsExt;
        assert!(md.permissions().mode() & 0o111 != 0, "{bin} not executable");
        assert!(md.len() > 1 << 20, "{bin} is too small to be the program");
    }
    // The installed command-line program runs and speaks Chinese.
    let help = stdout(Command::new(root.join("usr/bin/guidang")).arg("--help"));
    assert!(
        help.contains("backup") && help.contains("transfer"),
        "{help}"
    );

    let apps: Vec<PathBuf> = std::fs::read_dir(root.join("usr/share/applications"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(apps.len(), 1, "{apps:?}");
    let entry = std::fs::read_to_string(&apps[0]).unwrap();
    for line in [
        "Name=归档通",
        "Exec=guidang-app",
        "Icon=guidang-app",
        "Categories=Office;",
        "Terminal=false",
    ] {
        assert!(entry.contains(line), "desktop entry lacks {line}:\n{entry}");
    }
    let v = Command::new("desktop-file-validate")
        .arg(&apps[0])
        .output()
        .expect("desktop-file-validate (desktop-file-utils) is installed by cargo xtask deps");
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );

    for n in ICON_SIZES {
        let icon = root.join(format!(
            "usr/share/icons/hicolor/{n}x{n}/apps/guidang-app.png"
        ));
        assert!(icon.is_file(), "no {n}×{n} icon");
        assert_eq!(png_size(&icon), (n, n));
    }

    let copyright = std::fs::read_to_string(root.join("usr/share/doc/guidang/copyright")).unwrap();
    assert!(copyright.contains("License: Apache-2.0"));
    assert!(copyright.contains("SIL OPEN FONT LICENSE Version 1.1"));

    // Nothing is fetched at install: no maintainer script reaches for the
    // network (the package has none that does anything but dpkg's own).
    let ctl = tmp.path().join("DEBIAN");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&ctl));
    for e in std::fs::read_dir(&ctl).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if ["preinst", "postinst", "prerm", "postrm"].contains(&name.as_str()) {
            let s = std::fs::read_to_string(&p).unwrap();
            for bad in ["http", "wget", "curl", "apt-get"] {
                assert!(!s.contains(bad), "{name} mentions {bad}:\n{s}");
            }
        }
    }
}

/// Purges the package when the test ends, whatever happened.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg")
            .args(["--purge", "guidang"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn user_version(catalog: &Path) -> i64 {
    let out = stdout(Command::new("python3").args([
        "-c",
        "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA user_version').fetchone()[0])",
    ]).arg(catalog));
    out.trim().parse().unwrap()
}

#[test]
fn the_deb_installs_runs_offline_upgrades_and_uninstalls_keeping_the_catalog() {
    let Some(deb) = deb() else { return };
    if !is_root() {
        assert!(
            !required() || std::env::var("CI").is_err(),
            "CI runs as root"
        );
        eprintln!("skipped: dpkg -i needs root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    // A hall that used the previous version: its catalog is in the default
    // data directory, made by the build of the previous schema.
    let data = home.join(".local/share/guidang");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hall-schema7");
    copy_tree(&fixture, &data);
    let old_version = user_version(&data.join("catalog.sqlite"));
    assert_eq!(old_version, 7, "the fixture is a schema-7 catalog");

    let _guard = Installed;
    run(Command::new("dpkg").arg("-i").arg(&deb));
    let guidang = |args: &[&str]| {
        let mut c = Command::new("/usr/bin/guidang");
        c.args(args)
            .env("HOME", &home)
            .env_remove("GUIDANG_DATA_DIR")
            .env_remove("XDG_DATA_HOME");
        c
    };
    // The installed CLI opens the old catalog in the default place and
    // migrates it; everything in it is still there and its chain holds.
    let status: serde_json::Value =
        serde_json::from_str(&stdout(&mut guidang(&["status", "--json"]))).unwrap();
    assert_eq!(status["unit"]["unit_name"], "示范镇人民政府");
    let cases: serde_json::Value =
        serde_json::from_str(&stdout(&mut guidang(&["cases", "--json"]))).unwrap();
    assert_eq!(cases.as_array().unwrap().len(), 3);
    run(&mut guidang(&["audit", "verify"]));
    run(&mut guidang(&[
        "verify",
        data.join("packages").to_str().unwrap(),
    ]));
    run(&mut guidang(&["inspect"]));
    let fresh = tmp.path().join("新目录库");
    run(Command::new("/usr/bin/guidang")
        .arg("--data-dir")
        .arg(&fresh)
        .args([
            "init",
            "--region",
            "430124",
            "--fonds",
            "0001",
            "--unit",
            "新单位",
        ]));
    let current = user_version(&fresh.join("catalog.sqlite"));
    assert!(current > old_version);
    assert_eq!(user_version(&data.join("catalog.sqlite")), current);

    // The installed app opens its window on that catalog with no network
    // at all (a fresh network namespace has only a downed loopback).
    let x = Xvfb::start().expect("Xvfb starts");
    let (red, blue, png) = show_home(
        Command::new("unshare")
            .args(["--net", "/usr/bin/guidang-app"])
            .env("HOME", &home)
            .env_remove("GUIDANG_DATA_DIR")
            .env_remove("XDG_DATA_HOME"),
        &x,
        "installed.png",
        90,
    );
    assert!(
        red > 40_000 && blue > 2_000,
        "the installed app did not show its home page (header {red}, chart {blue}); see {}",
        png.display()
    );

    // A newer build installed over it (the same package, version raised,
    // as dpkg sees an upgrade) keeps the catalog.
    let unpacked = tmp.path().join("unpacked");
    run(Command::new("dpkg-deb").arg("-R").arg(&deb).arg(&unpacked));
    let control = unpacked.join("DEBIAN/control");
    let text = std::fs::read_to_string(&control).unwrap();
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("Version: "))
        .unwrap()
        .to_string();
    let newer = format!("{version}+upgrade1");
    std::fs::write(
        &control,
        text.replace(&format!("Version: {version}"), &format!("Version: {newer}")),
    )
    .unwrap();
    let newer_deb = tmp.path().join("newer.deb");
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-b"])
        .arg(&unpacked)
        .arg(&newer_deb));
    run(Command::new("dpkg").arg("-i").arg(&newer_deb));
    let installed = stdout(Command::new("dpkg-query").args(["-W", "-f=${Version}", "guidang"]));
    assert_eq!(installed, newer);
    let again: serde_json::Value =
        serde_json::from_str(&stdout(&mut guidang(&["cases", "--json"]))).unwrap();
    assert_eq!(again, cases);

    // Removing and purging the package leaves the user's data alone.
    run(Command::new("dpkg").args(["--remove", "guidang"]));
    assert!(!Path::new("/usr/bin/guidang-app").exists());
    run(Command::new("dpkg").args(["--purge", "guidang"]));
    assert!(data.join("catalog.sqlite").is_file());
    let ar = guidang_api::Archive::open(&data).unwrap();
    assert_eq!(ar.cases(&Default::default()).unwrap().len(), 3);
    assert!(ar.audit_verify().unwrap().problems.is_empty());
}

/// RFC 7396 JSON merge patch, as the Tauri CLI applies `--config` files.
fn merge(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else {
                    merge(b.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The Windows installer cannot be built here, so its configuration is
/// proven valid instead: merged over the app's as the CLI does, it must
/// parse into the Tauri CLI's own configuration types (unknown keys are
/// errors there), embed the WebView2 runtime for offline installs, speak
/// Chinese, and name only files that exist. The Linux one likewise.
#[test]
fn the_installer_configurations_are_valid_tauri_configurations() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let src_tauri = repo.join("src-tauri");
    let base = json_file(&src_tauri.join("tauri.conf.json"));
    for (name, overlay) in [
        ("windows", "installer/windows/nsis.conf.json"),
        ("linux", "installer/linux/deb.conf.json"),
    ] {
        let mut merged = base.clone();
        merge(&mut merged, &json_file(&repo.join(overlay)));
        let config: tauri_utils::config::Config = serde_json::from_value(merged.clone())
            .unwrap_or_else(|e| panic!("{overlay} does not give a valid Tauri configuration: {e}"));
        let bundle = &config.bundle;
        for icon in &bundle.icon {
            assert!(
                src_tauri.join(icon).is_file(),
                "{overlay}: icon {icon} missing"
            );
        }
        if name == "windows" {
            assert!(matches!(
                bundle.windows.webview_install_mode,
                tauri_utils::config::WebviewInstallMode::OfflineInstaller { .. }
                    | tauri_utils::config::WebviewInstallMode::FixedRuntime { .. }
            ));
            let nsis = bundle.windows.nsis.as_ref().expect("NSIS settings");
            assert_eq!(
                nsis.languages.as_deref(),
                Some(&["SimpChinese".to_string()][..])
            );
            let icon = nsis.installer_icon.as_ref().expect("installer icon");
            assert!(src_tauri.join(icon).is_file());
            assert_eq!(config.product_name.as_deref(), Some("归档通"));
        } else {
            // dpkg needs an ASCII package name; the menu shows 归档通.
            assert_eq!(config.product_name.as_deref(), Some("guidang"));
            let deb = &bundle.linux.deb;
            let template = deb.desktop_template.as_ref().expect("desktop template");
            let entry = std::fs::read_to_string(src_tauri.join(template)).unwrap();
            assert!(entry.contains("Name=归档通"));
            for (dest, src) in deb.files.iter() {
                if !src.ends_with("target/release/guidang") {
                    assert!(
                        src_tauri.join(src).is_file(),
                        "{}: {} missing",
                        dest.display(),
                        src.display()
                    );
                }
            }
        }
    }
}
