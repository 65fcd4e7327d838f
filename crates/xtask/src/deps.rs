//! `cargo xtask deps`: the Debian packages the build and the tests need,
//! and tauri-driver.

use std::process::Command;

use crate::{cargo, sh};

/// Debian packages: Tauri's build (WebKitGTK 4.1), the CJK font, and the
/// tools the tests drive (Xvfb, xwininfo, ImageMagick, Ghostscript, qpdf (also
/// repairing damaged PDFs at check time), poppler, 7-Zip, zip,
/// openssl, xmllint, zbar (QR codes on printed forms), ClamAV — its scanner only; tests bring their own
/// signature, no database is downloaded).
pub(crate) const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    "x11-utils",
    "imagemagick",
    "ghostscript",
    "qpdf",
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
    "xorriso",
    "libarchive-tools",
    "genisoimage",
    "clamav",
    "zbar-tools",
    "exfatprogs",
    "exfat-fuse",
    "webkit2gtk-driver",
    "ffmpeg",
    // Real-world PDFs the content checks are tested on (their manuals).
    "libtasn1-doc",
    "shared-mime-info",
    "fontconfig",
    "bzip2-doc",
    "zlib1g-dev",
];

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// tauri-driver, the WebDriver server the end-to-end tests drive the app
/// through (with Debian's WebKitWebDriver).
pub(crate) fn tauri_driver() {
    let home = std::env::var_os("HOME").unwrap_or_default();
    let installed = std::path::Path::new(&home)
        .join(".cargo/bin/tauri-driver")
        .exists()
        || Command::new("tauri-driver").arg("--help").output().is_ok();
    if !installed {
        sh(cargo().args(["install", "tauri-driver", "--version", "^2", "--locked"]));
    }
}

pub(crate) fn deps() {
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
