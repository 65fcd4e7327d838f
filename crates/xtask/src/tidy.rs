//! Tidy tests (in the manner of rust-analyzer's `xtask/src/tidy.rs`): the
//! invariants of ARCHITECTURE.md that a program can check, checked on every
//! `cargo test --workspace`.
//!
//! - SQL is written only in `guidang-catalog` (tests may poke a catalog),
//!   and no SQLite type leaves it: other crates never name `rusqlite`, and
//!   the catalog neither re-exports it nor lends out its connection.
//! - Only `src-tauri` knows Tauri.
//! - Every path and file the codemap names exists where it says.
//! - Every module of the crates under `crates/` opens with a `//!` doc.
//! - No source file grows past ~800 lines without a reason written here.

#![cfg(test)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name()
                    .is_some_and(|n| n != "target" && n != "node_modules")
                {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The `src/` trees of the workspace's crates (not their tests).
fn source_trees() -> Vec<(String, PathBuf)> {
    let root = root();
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| {
            (
                format!("crates/{}", e.file_name().to_string_lossy()),
                e.path().join("src"),
            )
        })
        .collect();
    v.push(("src-tauri".into(), root.join("src-tauri/src")));
    v.sort();
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// `file:line: text` of every source line outside guidang-catalog (and
/// xtask, which names these things to look for them) that `hit` matches.
fn lines_outside_the_catalog(hit: impl Fn(&str) -> bool) -> Vec<String> {
    let mut bad = Vec::new();
    for (name, src) in source_trees() {
        if name == "crates/guidang-catalog" || name == "crates/xtask" {
            continue;
        }
        for f in rust_files(&src) {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, l) in text.lines().enumerate() {
                if hit(l) {
                    bad.push(format!("{}:{}: {}", rel(&f), i + 1, l.trim()));
                }
            }
        }
    }
    bad
}

#[test]
fn sql_is_written_only_in_the_catalog() {
    const SQL: &[&str] = &[
        "\"SELECT ",
        "\"INSERT INTO",
        "\"UPDATE ",
        "\"DELETE FROM",
        "\"CREATE TABLE",
        "\"CREATE INDEX",
        "\"PRAGMA ",
        "\"ALTER TABLE",
    ];
    let bad = lines_outside_the_catalog(|l| SQL.iter().any(|s| l.contains(s)));
    assert!(
        bad.is_empty(),
        "SQL outside guidang-catalog (add a typed query there):\n{}",
        bad.join("\n")
    );
}

#[test]
fn only_the_catalog_knows_rusqlite() {
    let bad = lines_outside_the_catalog(|l| l.contains("rusqlite"));
    assert!(
        bad.is_empty(),
        "rusqlite outside guidang-catalog (use its typed functions over Db/Tx):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_catalog_lends_out_no_connection() {
    let lib = root().join("crates/guidang-catalog/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let bad: Vec<String> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("pub use rusqlite") || l.contains("pub fn conn"))
        .map(|(i, l)| format!("{}:{}: {}", rel(&lib), i + 1, l.trim()))
        .collect();
    assert!(
        bad.is_empty(),
        "guidang-catalog hands out SQLite (keep it behind Db/Tx):\n{}",
        bad.join("\n")
    );
}

/// Catalog rows are storage, not a boundary: each front end converts them
/// into its own boundary types (src-tauri/src/dto, the CLI's json.rs), so
/// no catalog struct may be serialised as it is.
#[test]
fn catalog_rows_are_not_a_boundary() {
    let src = root().join("crates/guidang-catalog/src");
    let mut bad = Vec::new();
    for f in rust_files(&src) {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, l) in text.lines().enumerate() {
            if l.contains("derive(") && l.contains("Serialize") {
                bad.push(format!("{}:{}: {}", rel(&f), i + 1, l.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "guidang-catalog rows derive Serialize (give the front end a boundary type):\n{}",
        bad.join("\n")
    );
}

#[test]
fn only_the_shell_knows_tauri() {
    let mut bad = Vec::new();
    for (name, src) in source_trees() {
        if name == "src-tauri" {
            continue;
        }
        let manifest = src.parent().unwrap().join("Cargo.toml");
        let toml = std::fs::read_to_string(&manifest).unwrap_or_default();
        if toml.lines().any(|l| l.trim_start().starts_with("tauri")) {
            bad.push(format!("{}: depends on tauri", rel(&manifest)));
        }
        for f in rust_files(&src) {
            let text = std::fs::read_to_string(&f).unwrap();
            if text.contains("tauri::") && name != "crates/xtask" {
                bad.push(format!("{}: uses tauri", rel(&f)));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The backticked words of a text.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_path_the_codemap_names_exists_where_it_says() {
    let root = root();
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let codemap = doc
        .split("## Codemap")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Codemap section");
    let mut bad = Vec::new();
    // One bullet per component: "- `dir` — …", naming files inside it.
    for bullet in codemap.split("\n- ").skip(1) {
        let words = backticked(bullet);
        let Some(dir) = words.first() else { continue };
        let base = root.join(dir);
        if !base.exists() {
            bad.push(format!("`{dir}` does not exist"));
            continue;
        }
        for w in &words[1..] {
            let is_path = w.contains('/') && !w.contains(' ') && !w.contains('{');
            let is_file = !w.contains('/') && (w.ends_with(".rs") || w.ends_with(".sh"));
            if is_path && (w.starts_with("crates/") || w.starts_with("src-tauri/")) {
                if !root.join(w).exists() {
                    bad.push(format!("{dir}: `{w}` does not exist"));
                }
            } else if is_path && w.ends_with(".rs") {
                // A file inside the component, named by its relative path.
                let found = root.join("crates").join(w).exists()
                    || rust_files(&base)
                        .iter()
                        .any(|p| p.to_string_lossy().ends_with(&format!("/{w}")));
                if !found {
                    bad.push(format!("{dir}: `{w}` is not in it"));
                }
            } else if is_file {
                let found = rust_files(&base)
                    .iter()
                    .chain(std::iter::once(&base.join(w)))
                    .any(|p| p.file_name().is_some_and(|n| n == *w) && p.exists());
                if !found {
                    bad.push(format!("{dir}: `{w}` is not in it"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "ARCHITECTURE.md's codemap names what is not there:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_module_of_the_crates_opens_with_its_doc() {
    let mut bad = Vec::new();
    for (name, src) in source_trees() {
        if name == "src-tauri" {
            continue;
        }
        for f in rust_files(&src) {
            let text = std::fs::read_to_string(&f).unwrap();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                bad.push(rel(&f));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "modules without a `//!` doc:\n{}",
        bad.join("\n")
    );
}

/// Source files allowed past [`MAX_LINES`], each with the reason; an entry
/// whose file has shrunk below the bound must be removed.
const LONG_FILES: &[(&str, &str)] = &[(
    "crates/guidang-transfer/src/write.rs",
    "the medium writer and its fault tests (pulled and full media) beside it",
)];

const MAX_LINES: usize = 800;

#[test]
fn no_source_file_grows_past_its_bound_without_a_reason() {
    let mut bad: Vec<String> = LONG_FILES
        .iter()
        .filter(|(p, _)| !root().join(p).exists())
        .map(|(p, _)| format!("{p}: no longer exists; remove it from LONG_FILES"))
        .collect();
    for (_, src) in source_trees() {
        for f in rust_files(&src) {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            let name = rel(&f);
            let allowed = LONG_FILES.iter().any(|(p, _)| *p == name);
            if n > MAX_LINES && !allowed {
                bad.push(format!(
                    "{name}: {n} lines (split it by job, or give the reason in tidy.rs)"
                ));
            }
            if n <= MAX_LINES && allowed {
                bad.push(format!("{name}: {n} lines now; remove it from LONG_FILES"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Functions longer than this must say why beside them.
const MAX_FN_LINES: usize = 150;

/// Every `fn` in `text` with its name, first line (1-based) and length in
/// lines, found by matching braces (string and char literals and comments
/// are skipped so their braces do not count).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        let t = t
            .strip_prefix("pub(crate) ")
            .or(t.strip_prefix("pub(super) "))
            .unwrap_or(t);
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let t = t.strip_prefix("async ").unwrap_or(t);
        let Some(rest) = t.strip_prefix("fn ") else {
            i += 1;
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut started, mut j) = (0i32, false, i);
        'scan: while j < lines.len() {
            let mut chars = lines[j].chars().peekable();
            let mut in_str = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' if in_str => {
                        chars.next();
                    }
                    '"' => in_str = !in_str,
                    '/' if !in_str && chars.peek() == Some(&'/') => break,
                    '\'' if !in_str => {
                        // A char literal such as '{' (not a lifetime).
                        let rest: String = chars.clone().take(3).collect();
                        if rest.len() >= 2 && rest.chars().nth(1) == Some('\'') {
                            chars.next();
                            chars.next();
                        }
                    }
                    '{' if !in_str => {
                        depth += 1;
                        started = true;
                    }
                    '}' if !in_str => depth -= 1,
                    ';' if !in_str && !started && depth == 0 => break 'scan,
                    _ => {}
                }
            }
            if started && depth == 0 {
                break;
            }
            j += 1;
        }
        out.push((name, i + 1, j + 1 - i));
        i += 1;
    }
    out
}

#[test]
fn the_function_scanner_measures_bodies() {
    let src = "fn a() {\n    let s = \"}{\";\n    let c = '{';\n}\n\nfn b();\npub(crate) fn c() {\n    // }\n    x\n}\n";
    let f = functions(src);
    assert_eq!(f[0], ("a".to_string(), 1, 4));
    assert_eq!(f[1], ("b".to_string(), 6, 1));
    assert_eq!(f[2], ("c".to_string(), 7, 4));
}

#[test]
fn no_function_runs_past_its_bound_without_a_reason() {
    let mut bad = Vec::new();
    for (_, src) in source_trees() {
        for f in rust_files(&src) {
            let text = std::fs::read_to_string(&f).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (name, at, len) in functions(&text) {
                if len <= MAX_FN_LINES {
                    continue;
                }
                // The reason is a doc or comment line just above the fn
                // (above its attributes) that says "Long by design".
                let reason = lines[..at - 1]
                    .iter()
                    .rev()
                    .take_while(|l| {
                        let l = l.trim_start();
                        l.starts_with("//") || l.starts_with("#[")
                    })
                    .any(|l| l.contains("Long by design"));
                if !reason {
                    bad.push(format!(
                        "{}:{at}: fn {name} is {len} lines (split it into named phases, or say \"Long by design: why\" in its doc)",
                        rel(&f)
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
