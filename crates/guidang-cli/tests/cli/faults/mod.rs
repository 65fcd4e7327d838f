//! Fault injection (issue 14): real `guidang` processes are killed with
//! SIGKILL at a random moment of `package`, `transfer write`,
//! `intake accept`, `backup` and `restore`. After every kill the data
//! directories, the medium and the backup drive must be consistent; the
//! interrupted command is then run again and must reach the end state of an
//! uninterrupted run.
//!
//! Each operation starts from a template — the world (hall, intake data
//! directory, medium, backup drive, restore target) just before it, built
//! once — copied back into the same absolute paths, since catalogs remember
//! media and drives by path. Every check runs on a copy of the world, so
//! that `inspect` (which cleans leftovers), `check` and `returns import` do
//! not change what the rerun finds.
//!
//! The uninterrupted duration of each operation is measured once; each kill
//! lands at a random point of it (jittered over equal slots in turn, so the
//! ends of the work get kills too). A run that had exited before its kill
//! counts as a run, not a kill. Every failure is collected with the
//! operation, the kill time and the seed, and reported at the end.
//!
//! The seed is printed; `GUIDANG_FAULT_SEED=<n>` replays the same kill
//! times (where in the work a kill lands still depends on the machine).
//! `GUIDANG_FAULT_KILLS=<n>` sets the kills per operation (at least 4, so
//! that a run has at least 20; default 6).

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::util::*;

const HALL_PIN: &str = "246810";
const ARC_PIN: &str = "135790";
const CASES: &str = "6";
/// At least this many real kills per run.
const MIN_KILLS: usize = 20;
/// Attempts (runs killed or not) before the test gives up.
const MAX_ATTEMPTS: usize = 200;
const SIGKILL: i32 = 9;

/// SplitMix64: small and seedable, enough to pick kill times.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n)` (`0` when `n == 0`).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn seed() -> u64 {
    match std::env::var("GUIDANG_FAULT_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("GUIDANG_FAULT_SEED={s} is not a number")),
        Err(_) => {
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            t ^ (u64::from(std::process::id()) << 32)
        }
    }
}

fn kills_per_op() -> usize {
    let n = std::env::var("GUIDANG_FAULT_KILLS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(6);
    n.max(MIN_KILLS.div_ceil(OPS.len()))
}

fn guidang(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guidang"));
    c.arg("--data-dir").arg(data).env_remove("GUIDANG_DATA_DIR");
    c
}

/// Runs `guidang` to its end, with `input` (a PIN line) on standard input.
fn run(data: &Path, args: &[&str], input: Option<&str>) -> Output {
    let mut child = guidang(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(i) = input {
        // It may exit before reading; that shows in its output.
        let _ = stdin.write_all(i.as_bytes());
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// Starts `guidang`, kills it with SIGKILL `at` after the start; true when
/// the kill ended it (false when it had exited by itself before).
fn run_killed(
    data: &Path,
    args: &[&str],
    input: Option<&str>,
    at: Duration,
) -> (bool, std::process::ExitStatus) {
    let start = Instant::now();
    let mut child = guidang(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(i) = input {
        let _ = stdin.write_all(i.as_bytes());
    }
    drop(stdin);
    if let Some(rest) = (start + at).checked_duration_since(Instant::now()) {
        std::thread::sleep(rest);
    }
    // Not reaped yet, so this cannot hit another process; if it already
    // exited, the signal to the zombie does nothing and the status says so.
    let _ = child.kill();
    let status = child.wait().unwrap();
    let killed = status.signal() == Some(SIGKILL);
    (killed, status)
}

fn short(s: &str) -> String {
    const MAX: usize = 1500;
    if s.len() <= MAX {
        s.to_string()
    } else {
        let mut end = MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

fn parse(o: &Output) -> Option<Value> {
    serde_json::from_slice(&o.stdout).ok()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&src, &dst);
        } else if ft.is_file() {
            std::fs::copy(&src, &dst)
                .unwrap_or_else(|e| panic!("copy {} → {}: {e}", src.display(), dst.display()));
        }
    }
}

fn remove_tree(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("remove {}: {e}", dir.display()));
    }
}

/// `to` becomes an exact copy of `from`.
fn replace_tree(from: &Path, to: &Path) {
    remove_tree(to);
    copy_tree(from, to);
}

/// Every file under `dir`, relative, sorted (empty when it does not exist).
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

fn lines(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join("\n")
}

/// One place holding a whole world: the hall, the intake data directory,
/// the medium, the backup drive and the restore target.
struct Place(PathBuf);

impl Place {
    fn hall(&self) -> PathBuf {
        self.0.join("hall")
    }
    fn arc(&self) -> PathBuf {
        self.0.join("arc")
    }
    fn medium(&self) -> PathBuf {
        self.0.join("U盘")
    }
    fn drive(&self) -> PathBuf {
        self.0.join("移动硬盘")
    }
    fn restored(&self) -> PathBuf {
        self.0.join("restored")
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    Package,
    Transfer,
    Accept,
    Backup,
    Restore,
}

const OPS: [Op; 5] = [
    Op::Package,
    Op::Transfer,
    Op::Accept,
    Op::Backup,
    Op::Restore,
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Package => "package",
            Op::Transfer => "transfer write",
            Op::Accept => "intake accept",
            Op::Backup => "backup",
            Op::Restore => "restore",
        }
    }
}

struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    work: Place,
    snap: Place,
    batch: String,
    hall_fp: String,
    arc_fp: String,
}

impl World {
    fn template(&self, op: Op) -> PathBuf {
        self.root.join("templates").join(format!("{op:?}"))
    }

    /// A folder for throw-away data directories (digests, test restores).
    fn scratch(&self, name: &str) -> PathBuf {
        let p = self.root.join("scratch").join(name);
        remove_tree(&p);
        p
    }

    /// The command line of `op` in the work place: data dir, arguments, PIN.
    fn command(&self, op: Op) -> (PathBuf, Vec<String>, Option<String>) {
        let w = &self.work;
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let p = |p: PathBuf| p.to_string_lossy().into_owned();
        match op {
            Op::Package => (
                w.hall(),
                s(&[
                    "package",
                    "--all",
                    "--operator",
                    "张三",
                    "--pin-stdin",
                    "--json",
                ]),
                Some(format!("{HALL_PIN}\n")),
            ),
            Op::Transfer => (
                w.hall(),
                [
                    s(&["transfer", "write", &self.batch, "--to"]),
                    vec![p(w.medium())],
                    s(&["--json"]),
                ]
                .concat(),
                None,
            ),
            Op::Accept => (
                w.arc(),
                s(&[
                    "intake",
                    "accept",
                    "--rest",
                    "--operator",
                    "李档",
                    "--pin-stdin",
                    "--json",
                ]),
                Some(format!("{ARC_PIN}\n")),
            ),
            Op::Backup => (
                w.hall(),
                [s(&["backup", "--to"]), vec![p(w.drive())], s(&["--json"])].concat(),
                None,
            ),
            Op::Restore => (
                w.restored(),
                [
                    s(&["restore", "--from"]),
                    vec![p(w.drive())],
                    s(&["--to"]),
                    vec![p(w.restored())],
                    s(&["--json"]),
                ]
                .concat(),
                None,
            ),
        }
    }

    /// Runs `op` to its end in the work place.
    fn run_op(&self, op: Op) -> Output {
        let (data, args, pin) = self.command(op);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&data, &args, pin.as_deref())
    }

    fn kill_op(&self, op: Op, at: Duration) -> (bool, std::process::ExitStatus) {
        let (data, args, pin) = self.command(op);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_killed(&data, &args, pin.as_deref(), at)
    }

    /// The work place becomes a copy of the world before `op`.
    fn reset(&self, op: Op) {
        replace_tree(&self.template(op), &self.work.0);
    }

    /// The snapshot place becomes a copy of the work place.
    fn snapshot(&self) {
        replace_tree(&self.work.0, &self.snap.0);
    }
}

/// Failures, each with where it happened.
struct Log {
    seed: u64,
    ctx: String,
    failures: Vec<String>,
}

impl Log {
    fn fail(&mut self, what: impl std::fmt::Display) {
        let m = format!("[seed {}] {}: {what}", self.seed, self.ctx);
        println!("    FAIL {m}");
        self.failures.push(m);
    }
}

/// `guidang digest` of `paths` with `algo`: path → (digest, size).
fn digests(w: &World, algo: &str, paths: &[PathBuf]) -> BTreeMap<PathBuf, (String, u64)> {
    let mut out = BTreeMap::new();
    if paths.is_empty() {
        return out;
    }
    let mut c = guidang(&w.scratch("digest"));
    c.arg("digest")
        .arg("--algo")
        .arg(algo.to_lowercase())
        .args(paths);
    let o = c.output().unwrap();
    assert_ok(&o);
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let mut it = line.splitn(3, "  ");
        if let (Some(d), Some(s), Some(p)) = (it.next(), it.next(), it.next()) {
            out.insert(
                PathBuf::from(p),
                (d.to_string(), s.parse().unwrap_or(u64::MAX)),
            );
        }
    }
    out
}

/// Every `(path relative to base, size, algo, digest)` is there, whole.
fn files_intact(
    w: &World,
    log: &mut Log,
    what: &str,
    base: &Path,
    entries: &[(String, u64, String, String)],
) {
    let mut by_algo: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
    for (rel, size, algo, _) in entries {
        let p = base.join(rel);
        match std::fs::metadata(&p) {
            Ok(m) if m.is_file() && m.len() == *size => by_algo.entry(algo).or_default().push(p),
            Ok(m) => log.fail(format!(
                "{what}: {rel} has {} bytes, {size} registered",
                m.len()
            )),
            Err(e) => log.fail(format!("{what}: {rel} is missing ({e})")),
        }
    }
    let mut got = BTreeMap::new();
    for (algo, paths) in &by_algo {
        got.extend(digests(w, algo, paths));
    }
    for (rel, _, _, digest) in entries {
        if let Some((d, _)) = got.get(&base.join(rel)) {
            if d != digest {
                log.fail(format!("{what}: {rel} has digest {d}, {digest} registered"));
            }
        }
    }
}

fn audit_actions(data: &Path) -> Vec<String> {
    let o = run(data, &["audit", "log", "--limit", "100000", "--json"], None);
    parse(&o)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

/// The invariants of a data directory after a kill: an intact catalog, an
/// intact audit chain, an inspection without damage, and every registered
/// package or holding present with its size and digest.
fn data_dir_sound(w: &World, log: &mut Log, d: &Path) {
    let who = d.file_name().unwrap().to_string_lossy().into_owned();
    let cat = d.join("catalog.sqlite");
    if !cat.is_file() {
        log.fail(format!("{who}: no catalog.sqlite"));
        return;
    }
    let mut registered = Vec::new();
    {
        let conn = match rusqlite::Connection::open(&cat) {
            Ok(c) => c,
            Err(e) => {
                log.fail(format!("{who}: the catalog does not open: {e}"));
                return;
            }
        };
        let ic: rusqlite::Result<Vec<String>> = conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect());
        match ic {
            Ok(v) if v == ["ok"] => {}
            Ok(v) => log.fail(format!("{who}: PRAGMA integrity_check: {v:?}")),
            Err(e) => log.fail(format!("{who}: PRAGMA integrity_check failed: {e}")),
        }
        for (table, sql) in [
            (
                "packages",
                "SELECT path, size, digest_algo, digest FROM packages",
            ),
            (
                "holdings",
                "SELECT path, size, digest_algo, digest FROM holdings WHERE destroyed_at IS NULL",
            ),
        ] {
            let rows: rusqlite::Result<Vec<(String, u64, String, String)>> =
                conn.prepare(sql).and_then(|mut st| {
                    st.query_map([], |r| {
                        Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?, r.get(3)?))
                    })?
                    .collect()
                });
            match rows {
                Ok(rows) => registered.push((table, rows)),
                Err(e) => log.fail(format!("{who}: reading {table}: {e}")),
            }
        }
    }
    for (table, rows) in &registered {
        files_intact(w, log, &format!("{who} {table}"), d, rows);
    }
    let o = run(d, &["audit", "verify"], None);
    if o.status.code() != Some(0) {
        log.fail(format!("{who}: audit verify: {}", short(&text(&o))));
    }
    let o = run(d, &["inspect", "--json"], None);
    match (o.status.code(), parse(&o)) {
        (Some(0 | 1), Some(r)) => {
            let damage = r["damage"].as_array().cloned().unwrap_or_default();
            if !damage.is_empty() || r["verdict"] != "sound" && o.status.code() == Some(1) {
                log.fail(format!(
                    "{who}: inspect found damage: {}",
                    short(&serde_json::to_string(&r["damage"]).unwrap())
                ));
            }
            for k in ["cleaned", "unregistered"] {
                if r[k].as_array().is_some_and(|a| !a.is_empty()) {
                    println!("    note: {who}: inspect {k}: {}", short(&r[k].to_string()));
                }
            }
        }
        _ => log.fail(format!("{who}: inspect: {}", short(&text(&o)))),
    }
}

/// No carrier manifest over an incomplete carrier: when the medium has
/// `载体清单.json`, every file it lists is there, whole, and the hall's
/// receipt-stage check passes.
fn carrier_sound(w: &World, log: &mut Log, s: &Place) {
    let m = s.medium();
    let Ok(bytes) = std::fs::read(m.join("其他/载体清单.json")) else {
        return;
    };
    let cm: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            log.fail(format!("载体清单.json does not parse: {e}"));
            return;
        }
    };
    let algo = cm["digest_algo"].as_str().unwrap_or("SM3").to_string();
    let entries: Vec<(String, u64, String, String)> = cm["files"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["size"].as_u64().unwrap_or(0),
                algo.clone(),
                f["digest"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    if entries.is_empty() {
        log.fail("载体清单.json lists no files");
    }
    files_intact(w, log, "medium per 载体清单.json", &m, &entries);
    let o = run(
        &s.hall(),
        &["check", "--stage", "yj", m.to_str().unwrap()],
        None,
    );
    if o.status.code() != Some(0) {
        log.fail(format!(
            "the medium has 载体清单.json but `check --stage yj` fails: {}",
            short(&text(&o))
        ));
    }
}

/// The status of the batch on the intake side (`None`: not opened).
fn receipt_of(w: &World, arc: &Path) -> Option<Value> {
    let o = run(arc, &["intake", "status", "--json"], None);
    parse(&o)?
        .as_array()?
        .iter()
        .find(|b| b["batch_no"] == w.batch.as_str())
        .cloned()
}

/// No signed return file on the medium before its receipt is committed.
fn return_file_sound(w: &World, log: &mut Log, s: &Place) {
    if !s.medium().join("其他/退回清单.json").exists() {
        return;
    }
    let st = receipt_of(w, &s.arc());
    let status = st.as_ref().map(|b| b["status"].clone());
    if status != Some(Value::from("received")) {
        log.fail(format!(
            "the signed return file 退回清单.json is on the medium but the receipt is not committed (batch status {status:?})"
        ));
    }
}

/// Every generation with a manifest on the drive is listed valid, and the
/// newest restores.
fn drive_sound(w: &World, log: &mut Log, s: &Place) {
    let gens = s.drive().join("归档通备份");
    let with_manifest = std::fs::read_dir(&gens)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|u| {
            std::fs::read_dir(u.path().join("generations"))
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|g| g.path().join("备份清单.json").is_file())
        .count();
    if with_manifest == 0 {
        return;
    }
    let drive = s.drive();
    let o = run(
        &w.scratch("list"),
        &[
            "restore",
            "--list",
            "--from",
            drive.to_str().unwrap(),
            "--json",
        ],
        None,
    );
    let Some(list) = parse(&o).filter(|_| o.status.code() == Some(0)) else {
        log.fail(format!(
            "{with_manifest} generation(s) have 备份清单.json but `restore --list` fails: {}",
            short(&text(&o))
        ));
        return;
    };
    let list = list.as_array().cloned().unwrap_or_default();
    if list.len() != with_manifest {
        log.fail(format!(
            "{with_manifest} generation(s) have 备份清单.json, `restore --list` lists {}",
            list.len()
        ));
    }
    for g in &list {
        if g["valid"] != true {
            log.fail(format!(
                "backup generation {} is listed as not valid: {g}",
                g["generation"]
            ));
        }
    }
    let to = w.scratch("restore-check");
    let o = run(
        &to,
        &[
            "restore",
            "--from",
            drive.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
            "--json",
        ],
        None,
    );
    if o.status.code() != Some(0) {
        log.fail(format!(
            "the newest backup generation does not restore: {}",
            short(&text(&o))
        ));
    }
}

/// A restored folder in place is whole and carries its restore record.
fn restored_sound(w: &World, log: &mut Log, s: &Place) {
    let t = s.restored();
    let empty = std::fs::read_dir(&t)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true);
    if empty {
        return;
    }
    // Before `inspect` adds its own entry.
    let actions = audit_actions(&t);
    if actions.first().map(String::as_str) != Some("restore") {
        log.fail(format!(
            "the restore target is in place but its newest audit entry is {:?}, not “restore”",
            actions.first()
        ));
    }
    data_dir_sound(w, log, &t);
}

fn invariants(w: &World, log: &mut Log, op: Op) {
    let s = &w.snap;
    match op {
        Op::Package | Op::Transfer | Op::Backup => data_dir_sound(w, log, &s.hall()),
        Op::Accept => data_dir_sound(w, log, &s.arc()),
        Op::Restore => restored_sound(w, log, s),
    }
    if matches!(op, Op::Transfer | Op::Accept) {
        carrier_sound(w, log, s);
    }
    if op == Op::Accept {
        return_file_sound(w, log, s);
    }
    if op == Op::Backup {
        drive_sound(w, log, s);
    }
}

fn case_statuses(data: &Path) -> String {
    let o = run(data, &["cases", "--json"], None);
    let mut m = BTreeMap::new();
    for c in parse(&o)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
    {
        m.insert(
            c["case_no"].as_str().unwrap_or("?").to_string(),
            c["status"].as_str().unwrap_or("?").to_string(),
        );
    }
    format!("{m:?}")
}

/// Path, size and a content hash of every file of a data directory (except
/// the live catalog, `tmp/` and inspections).
fn tree_summary(dir: &Path) -> String {
    data_tree(dir)
        .iter()
        .map(|(p, b)| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            b.hash(&mut h);
            format!("{p} {} {:016x}", b.len(), h.finish())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An end state: what was looked at, and what was seen.
type Facts = BTreeMap<&'static str, String>;

/// The end state of `op` as comparable facts, taken on the snapshot.
fn facts(w: &World, op: Op) -> Facts {
    let s = &w.snap;
    let mut f = BTreeMap::new();
    match op {
        Op::Package => {
            let hall = s.hall();
            f.insert("case statuses", case_statuses(&hall));
            // A file a killed run left without its row is set aside in
            // packages/unregistered/ by the rerun (inspect lists it): the
            // accounted-for trace of the fault, not part of the end state.
            let registered: BTreeSet<String> = files_under(&hall.join("packages"))
                .into_iter()
                .filter(|p| !p.starts_with("unregistered/"))
                .collect();
            f.insert("files under packages/", lines(&registered));
            f.insert(
                "seal audit entries",
                count(&audit_actions(&hall), "seal").to_string(),
            );
        }
        Op::Transfer => {
            let hall = s.hall();
            f.insert("case statuses", case_statuses(&hall));
            let o = run(&hall, &["batch", "list", "--json"], None);
            let batches: Vec<String> = parse(&o)
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|b| format!("{} {}", b["batch_no"], b["status"]))
                .collect();
            f.insert("batches", batches.join("\n"));
            f.insert("files on the medium", lines(&files_under(&s.medium())));
        }
        Op::Accept => {
            let arc = s.arc();
            let r = receipt_of(w, &arc).unwrap_or(Value::Null);
            f.insert(
                "receipt",
                format!(
                    "{} accepted {} returned {}",
                    r["status"], r["accepted"], r["returned"]
                ),
            );
            let o = run(&arc, &["intake", "holdings", "--json"], None);
            let holdings = parse(&o).and_then(|v| v.as_array().map(Vec::len));
            f.insert("holdings", format!("{holdings:?}"));
            let actions = audit_actions(&arc);
            f.insert(
                "intake audit entries",
                format!(
                    "receive {} accept {}",
                    count(&actions, "intake_receive"),
                    count(&actions, "intake_accept")
                ),
            );
            f.insert(
                "files under holdings/",
                lines(&files_under(&arc.join("holdings"))),
            );
            f.insert(
                "files under receipts/",
                lines(&files_under(&arc.join("receipts"))),
            );
            f.insert("files on the medium", lines(&files_under(&s.medium())));
            let ret = s.medium().join("其他/退回清单.json");
            let o = run(
                &s.hall(),
                &[
                    "returns",
                    "import",
                    ret.to_str().unwrap(),
                    "--trust",
                    &w.arc_fp,
                    "--json",
                ],
                None,
            );
            let imp = parse(&o).unwrap_or(Value::Null);
            f.insert(
                "return file imported on the hall",
                format!(
                    "exit {:?} accepted {} returned {}",
                    o.status.code(),
                    imp["accepted"],
                    imp["returned"].as_array().map_or(0, Vec::len)
                ),
            );
            f.insert(
                "hall case statuses after the import",
                case_statuses(&s.hall()),
            );
        }
        Op::Backup => {
            let drive = s.drive();
            let o = run(
                &w.scratch("list"),
                &[
                    "restore",
                    "--list",
                    "--from",
                    drive.to_str().unwrap(),
                    "--json",
                ],
                None,
            );
            let list = parse(&o).unwrap_or(Value::Null);
            f.insert("newest generation valid", format!("{}", list[0]["valid"]));
            let to = w.scratch("restore-end");
            let o = run(
                &to,
                &[
                    "restore",
                    "--from",
                    drive.to_str().unwrap(),
                    "--to",
                    to.to_str().unwrap(),
                    "--json",
                ],
                None,
            );
            f.insert(
                "restore of the newest generation exits",
                format!("{:?}", o.status.code()),
            );
            if o.status.code() == Some(0) {
                let (a, b) = (data_tree(&to), data_tree(&s.hall()));
                let differ: Vec<&String> = a
                    .keys()
                    .chain(b.keys())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .filter(|k| a.get(*k) != b.get(*k))
                    .collect();
                f.insert(
                    "restored files equal the hall's",
                    format!("differing: {differ:?}"),
                );
                f.insert(
                    "restored audit verify exits",
                    format!("{:?}", run(&to, &["audit", "verify"], None).status.code()),
                );
                f.insert("restored case statuses", case_statuses(&to));
            }
            f.insert("hall case statuses", case_statuses(&s.hall()));
        }
        Op::Restore => {
            let t = s.restored();
            if !t.is_dir() {
                f.insert("restored files", "(no target)".into());
                return f;
            }
            f.insert("restored files", tree_summary(&t));
            f.insert(
                "newest audit entry",
                format!("{:?}", audit_actions(&t).first()),
            );
            f.insert(
                "audit verify exits",
                format!("{:?}", run(&t, &["audit", "verify"], None).status.code()),
            );
            f.insert("case statuses", case_statuses(&t));
            // Staging folders of killed restores are gone.
            let top: BTreeSet<String> = std::fs::read_dir(&s.0)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            f.insert("entries beside the target", lines(&top));
        }
    }
    f
}

fn compare(log: &mut Log, want: &Facts, got: &Facts) {
    for (k, v) in want {
        let g = got.get(k).map(String::as_str).unwrap_or("(absent)");
        if g != v {
            log.fail(format!(
                "end state differs from the uninterrupted run in “{k}”:\n      expected: {}\n      got:      {}",
                short(v).replace('\n', "\n                "),
                short(g).replace('\n', "\n                ")
            ));
        }
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        log.fail(format!(
            "end state has “{k}”, the uninterrupted run has not"
        ));
    }
}

/// Builds the templates and measures each uninterrupted operation; returns
/// its duration and end-state facts.
fn build(log: &mut Log) -> (World, BTreeMap<Op, (Duration, Facts)>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let work = Place(root.join("world"));
    let snap = Place(root.join("snapshot"));
    let mut w = World {
        _tmp: tmp,
        root,
        work,
        snap,
        batch: String::new(),
        hall_fp: String::new(),
        arc_fp: String::new(),
    };
    let hall = w.work.hall();
    assert_ok(&run(
        &hall,
        &["demo", "--cases", CASES, "--seed", "3"],
        None,
    ));
    assert_ok(&run(
        &hall,
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        Some(&format!("{HALL_PIN}\n")),
    ));
    w.hall_fp = json(&run(&hall, &["operator", "show", "张三", "--json"], None))["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let mut refs = BTreeMap::new();
    for op in OPS {
        // The world before `op`.
        match op {
            Op::Package => {}
            Op::Transfer => {
                assert_ok(&run(&hall, &["check", "--all"], None));
                let b = json(&run(
                    &hall,
                    &[
                        "batch",
                        "create",
                        "--all-ready",
                        "--operator",
                        "张三",
                        "--pin-stdin",
                        "--json",
                    ],
                    Some(&format!("{HALL_PIN}\n")),
                ));
                w.batch = b["batch_no"].as_str().unwrap().to_string();
            }
            Op::Accept => {
                let arc = w.work.arc();
                assert_ok(&run(
                    &arc,
                    &[
                        "init",
                        "--role",
                        "intake",
                        "--region",
                        "430100",
                        "--fonds",
                        "A01",
                        "--unit",
                        "示范县档案馆",
                    ],
                    None,
                ));
                assert_ok(&run(
                    &arc,
                    &["operator", "add", "--name", "李档", "--pin-stdin"],
                    Some(&format!("{ARC_PIN}\n")),
                ));
                w.arc_fp = json(&run(&arc, &["operator", "show", "李档", "--json"], None))
                    ["fingerprint"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let m = w.work.medium();
                let o = run(
                    &arc,
                    &[
                        "intake",
                        "open",
                        m.to_str().unwrap(),
                        "--trust",
                        &w.hall_fp,
                        "--json",
                    ],
                    None,
                );
                assert_ok(&o);
            }
            Op::Backup => {
                let ret = w.work.medium().join("其他/退回清单.json");
                assert_ok(&run(
                    &hall,
                    &[
                        "returns",
                        "import",
                        ret.to_str().unwrap(),
                        "--trust",
                        &w.arc_fp,
                    ],
                    None,
                ));
                std::fs::create_dir_all(w.work.drive()).unwrap();
            }
            Op::Restore => {}
        }
        replace_tree(&w.work.0, &w.template(op));
        // The uninterrupted run.
        let start = Instant::now();
        let o = w.run_op(op);
        let took = start.elapsed();
        assert_ok(&o);
        println!("uninterrupted {}: {} ms", op.name(), took.as_millis());
        w.snapshot();
        log.ctx = format!("uninterrupted {}", op.name());
        invariants(&w, log, op);
        // Facts on a fresh copy: `inspect` changed the checked one.
        w.snapshot();
        let f = facts(&w, op);
        refs.insert(op, (took, f));
    }
    (w, refs)
}

#[test]
fn kill_9_during_package_transfer_accept_backup_restore_leaves_consistent_state() {
    let started = Instant::now();
    let seed = seed();
    println!("fault injection: GUIDANG_FAULT_SEED={seed}");
    let mut rng = Rng(seed);
    let mut log = Log {
        seed,
        ctx: String::new(),
        failures: Vec::new(),
    };
    let (w, refs) = build(&mut log);
    println!("templates built in {} ms", started.elapsed().as_millis());
    let per_op = kills_per_op();
    let (mut attempts, mut kills) = (0usize, 0usize);
    'ops: for op in OPS {
        let (took, want) = &refs[&op];
        let (mut op_kills, mut op_attempts) = (0, 0u64);
        while op_kills < per_op {
            if attempts == MAX_ATTEMPTS {
                log.ctx = "fault injection".into();
                log.fail(format!(
                    "gave up after {attempts} attempts with only {kills} kills"
                ));
                break 'ops;
            }
            attempts += 1;
            let attempt_started = Instant::now();
            // A random point of [0, took), jittered over `per_op` equal
            // slots in turn so that every part of the work, its end too,
            // gets kills.
            let slot = took.as_micros() as u64 / per_op as u64;
            let at = Duration::from_micros((op_attempts % per_op as u64) * slot + rng.below(slot));
            op_attempts += 1;
            w.reset(op);
            let (killed, status) = w.kill_op(op, at);
            let label = format!(
                "{} attempt {attempts}, kill at {:.1} of {:.1} ms",
                op.name(),
                at.as_secs_f64() * 1000.0,
                took.as_secs_f64() * 1000.0
            );
            if killed {
                kills += 1;
                op_kills += 1;
                println!("{label}: killed");
            } else {
                println!("{label}: had already exited ({status})");
                if !status.success() {
                    log.ctx = label.clone();
                    log.fail(format!("the run exited by itself with {status}"));
                }
            }
            w.snapshot();
            log.ctx = format!("{label}, after the kill");
            invariants(&w, &mut log, op);
            if !killed {
                // Nothing was interrupted: its end state is the end state.
                w.snapshot();
                log.ctx = format!("{label}, end state");
                compare(&mut log, want, &facts(&w, op));
                println!(
                    "    checked in {} ms",
                    attempt_started.elapsed().as_millis()
                );
                continue;
            }
            // The rerun.
            let o = w.run_op(op);
            w.snapshot();
            log.ctx = format!("{label}, after the rerun");
            invariants(&w, &mut log, op);
            w.snapshot();
            let got = facts(&w, op);
            if o.status.code() != Some(0) {
                if got == *want {
                    // The kill came after the work was done (the rerun
                    // found nothing left to do and said so).
                    println!(
                        "    note: the killed run had finished its work; the rerun refuses: {}",
                        short(&text(&o))
                    );
                } else {
                    log.fail(format!(
                        "the rerun exits {:?}: {}",
                        o.status.code(),
                        short(&text(&o))
                    ));
                }
            }
            compare(&mut log, want, &got);
            println!(
                "    checked in {} ms",
                attempt_started.elapsed().as_millis()
            );
        }
    }
    println!(
        "fault injection: {kills} kills in {attempts} attempts, {} failures, {:.1} s (GUIDANG_FAULT_SEED={seed})",
        log.failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        log.failures.is_empty(),
        "{} failures (replay with GUIDANG_FAULT_SEED={seed}):\n{}",
        log.failures.len(),
        log.failures.join("\n")
    );
    assert!(kills >= MIN_KILLS, "only {kills} kills");
}
