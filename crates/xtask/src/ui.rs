//! The web front end: Node.js, `npm install` with the committed lock, and
//! the build of `ui/dist` that the app embeds.

use std::process::Command;

use crate::deps::is_root;
use crate::sh;

/// The web front end: Node.js (from apt when missing), `npm install` when the
/// lock file changed, then `npm run build` into ui/dist, which the app
/// embeds at compile time.
pub(crate) fn ui() {
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
    // Built once per change of its sources: CI, the tests and the .deb
    // build all ask for it.
    let built = modified(&ui.join("dist/index.html"));
    if built.is_none() || built < newest(ui) {
        sh(Command::new("npm").args(["run", "build"]).current_dir(ui));
    } else {
        eprintln!("xtask: ui/dist is up to date");
    }
}

/// The newest modification time of the front end's sources (not
/// `node_modules`, not `dist`).
fn newest(ui: &std::path::Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    let mut stack = vec![ui.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name();
            if name == "node_modules" || name == "dist" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(t) = e.metadata().and_then(|m| m.modified()) {
                newest = newest.max(Some(t));
            }
        }
    }
    newest
}
