//! A small W3C WebDriver client over HTTP (ureq, a maintained client; no
//! TLS, the driver is on loopback), enough to
//! drive the real app through tauri-driver and WebKitWebDriver: sessions,
//! finding elements, clicking, typing, reading text, running scripts.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running tauri-driver, stopped with SIGTERM on drop (SIGKILL would
/// leave its WebKitWebDriver behind).
pub struct Driver {
    child: Child,
    port: u16,
}

/// A free local TCP port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Driver {
    /// Starts `tauri-driver` with the environment the app should see.
    pub fn start(display: &str, env: &[(&str, &Path)]) -> std::io::Result<Driver> {
        let port = free_port();
        let native = free_port();
        let mut c = Command::new(tauri_driver());
        c.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c.spawn()?;
        let d = Driver { child, port };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(d);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(std::io::Error::other("tauri-driver did not listen"))
    }

    /// Opens the app and returns its session.
    pub fn session(&self, app: &Path) -> Session {
        let v = request(
            self.port,
            "POST",
            "/session",
            Some(json!({"capabilities": {"alwaysMatch": {
                "browserName": "wry",
                "tauri:options": {"application": app}
            }}})),
        );
        let id = v["sessionId"]
            .as_str()
            .or_else(|| v["value"]["sessionId"].as_str())
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Session {
            port: self.port,
            id,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(5) {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tauri-driver` on PATH or in cargo's bin folder.
pub fn tauri_driver() -> std::path::PathBuf {
    let home = std::env::var_os("HOME").unwrap_or_default();
    let cargo_bin = Path::new(&home).join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        "tauri-driver".into()
    }
}

/// Whether tauri-driver and WebKitWebDriver are installed.
pub fn available() -> bool {
    let ok = |p: &Path| {
        Command::new(p)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    ok(&tauri_driver()) && ok(Path::new("WebKitWebDriver"))
}

fn request(port: u16, method: &str, path: &str, body: Option<Value>) -> Value {
    // tauri-driver listens before its WebKitWebDriver does: an empty answer
    // right after start is retried.
    let t = Instant::now();
    loop {
        if let Some(v) = try_request(port, method, path, body.as_ref()) {
            return v;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no answer to {method} {path}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// One WebDriver call over HTTP (ureq, no TLS: the driver is on
/// loopback). `None` when there is no answer yet (the driver still
/// starting); a reply that is not JSON fails the test, naming the call.
fn try_request(port: u16, method: &str, path: &str, body: Option<&Value>) -> Option<Value> {
    let url = format!("http://127.0.0.1:{port}{path}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        // WebDriver errors come as JSON with a 4xx/5xx status: read them.
        .http_status_as_error(false)
        .build()
        .into();
    let sent = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        (_, Some(b)) => agent
            .post(&url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(b.to_string()),
        (_, None) => agent.post(&url).send_empty(),
    };
    let mut reply = sent.ok()?;
    let text = reply.body_mut().read_to_string().ok()?;
    if text.trim().is_empty() {
        return None;
    }
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("bad reply to {method} {path}: {e}: {text}")),
    )
}

/// A WebDriver session on the app's window.
pub struct Session {
    port: u16,
    id: String,
}

impl Session {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = request(
            self.port,
            method,
            &format!("/session/{}{path}", self.id),
            body,
        );
        v["value"].clone()
    }

    /// The element matching a CSS selector, waiting up to `secs`.
    pub fn find(&self, css: &str, secs: u64) -> String {
        let t = Instant::now();
        loop {
            let v = self.call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            if t.elapsed() > Duration::from_secs(secs) {
                panic!("no element {css}: {v}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clicks the element matching `css`.
    pub fn click(&self, css: &str) {
        let e = self.find(css, 20);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// Types into the element matching `css` (after clearing it).
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css, 20);
        self.call("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Runs a script in the page and returns its result.
    pub fn script(&self, js: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": args})),
        )
    }

    /// The visible text of the element matching `css` ("" when absent).
    pub fn text(&self, css: &str) -> String {
        self.script(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            json!([css]),
        )
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// Waits until the text of `css` contains `needle`; returns the text.
    pub fn wait_text(&self, css: &str, needle: &str, secs: u64) -> String {
        let t = Instant::now();
        loop {
            let s = self.text(css);
            if s.contains(needle) {
                return s;
            }
            if t.elapsed() > Duration::from_secs(secs) {
                let errors = self.script(
                    "return [...document.querySelectorAll('.el-alert--error')].map(e => e.innerText).join(' | ');",
                    json!([]),
                );
                panic!(
                    "“{needle}” never appeared in {css}; it shows: {s}; errors on screen: {}",
                    errors.as_str().unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until an element matching `css` is in the page.
    pub fn wait_exists(&self, css: &str, secs: u64) {
        let t = Instant::now();
        while !self.exists(css) {
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "{css} never appeared"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether an element matching `css` is in the page.
    pub fn exists(&self, css: &str) -> bool {
        self.script(
            "return document.querySelector(arguments[0]) !== null;",
            json!([css]),
        )
        .as_bool()
        .unwrap_or(false)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = request(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}
