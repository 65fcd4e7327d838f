//! Setting up: demo data, init, operators, the audit log, catalog versions.

use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn demo_200_cases_then_cases_json_lists_200_valid_cases() {
    let d = Dir::new();
    let o = d.run(&["demo", "--cases", "200", "--seed", "7"]);
    assert_code(&o, 0, "收集：新收集 200");
    let cases = json(&d.run(&["cases", "--json"]));
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 200);
    let mut efs = std::collections::HashSet::new();
    for c in cases {
        for f in [
            "case_no",
            "efile_no",
            "case_name",
            "item_code",
            "item_name",
            "applicant_name",
            "completed_at",
            "status",
            "retention",
        ] {
            assert!(
                c[f].as_str().is_some_and(|s| !s.is_empty()),
                "{f} missing in {c}"
            );
        }
        assert_eq!(c["status"], "collected");
        assert!(c["materials"].as_u64().unwrap() >= 3);
        assert!(c["bytes"].as_u64().unwrap() > 50_000);
        let ef = c["efile_no"].as_str().unwrap();
        assert!(ef.starts_with("430124-0001-"), "{ef}");
        assert!(efs.insert(ef.to_string()), "duplicate 电子文件号 {ef}");
    }
    // The materials are real files: every PDF parses with poppler.
    let any = cases[0]["case_no"].as_str().unwrap();
    let detail = json(&d.run(&["case", any, "--json"]));
    let pdf = detail["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["format"] == "pdf")
        .unwrap();
    let blob = d
        .data
        .join("store/sm3")
        .join(&pdf["digest"].as_str().unwrap()[..2])
        .join(pdf["digest"].as_str().unwrap());
    let info = Command::new("pdfinfo")
        .arg(&blob)
        .output()
        .expect("pdfinfo (poppler-utils) is installed by .ci/run");
    assert_ok(&info);
    assert!(String::from_utf8_lossy(&info.stdout).contains("Pages:"));
    // The audit chain covers init and every case.
    assert_code(&d.run(&["audit", "verify"]), 0, "201 条记录");
    // Running the same demo again is idempotent.
    assert_code(
        &d.run(&["demo", "--cases", "200", "--seed", "7"]),
        0,
        "未变化 200",
    );
}

#[test]
fn audit_verify_detects_an_edited_row() {
    let d = Dir::new();
    d.init();
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    assert_code(&d.run(&["audit", "verify"]), 0, "审计日志完整：2 条记录");
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = '李四' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let o = d.run(&["audit", "verify"]);
    assert_code(&o, 1, "第 2 条：第 2 条记录的内容与其哈希不符");
    let j: Value = serde_json::from_slice(&d.run(&["audit", "verify", "--json"]).stdout).unwrap();
    assert_eq!(j["problems"][0]["seq"], 2);
}

#[test]
fn init_validates_and_refuses_twice() {
    let d = Dir::new();
    let o = d.run(&[
        "init", "--region", "4301", "--fonds", "00-1", "--unit", "镇",
    ]);
    assert_code(&o, 2, "行政区划码（--region）");
    assert!(text(&o).contains("全宗号（--fonds）"));
    assert!(text(&o).contains("错误[invalid_input]"));
    d.init();
    let u = json(&d.run(&["status", "--json"]));
    assert_eq!(u["unit"]["suite"], "gm");
    assert_eq!(u["unit"]["role"], "hall");
    let o = d.run(&[
        "init",
        "--region",
        "430124",
        "--fonds",
        "0002",
        "--unit",
        "另一个单位",
    ]);
    assert_code(&o, 2, "不能重复初始化");
    assert_eq!(json(&d.run(&["status", "--json"]))["unit"]["fonds"], "0001");
}

#[test]
fn commands_before_init_say_how_to_init() {
    let d = Dir::new();
    let o = d.run(&["collect", "."]);
    assert_code(&o, 2, "guidang init --region");
    assert!(text(&o).contains("错误[not_initialised]"));
}

#[test]
fn operators_pin_rules_and_show_json() {
    let d = Dir::new();
    d.init();
    assert_code(
        &d.run_stdin(
            &["operator", "add", "--name", "张三", "--pin-stdin"],
            "123\n",
        ),
        2,
        "至少需要6位",
    );
    assert_code(
        &d.run(&["operator", "show", "张三"]),
        2,
        "没有名为“张三”的操作员",
    );
    assert_ok(&d.run_stdin(
        &["operator", "add", "--name", "张三", "--pin-stdin"],
        "246810\n",
    ));
    assert_code(
        &d.run_stdin(
            &["operator", "add", "--name", "张三", "--pin-stdin"],
            "135790\n",
        ),
        2,
        "已存在",
    );
    let j = json(&d.run(&["operator", "show", "张三", "--json"]));
    assert_eq!(j["name"], "张三");
    assert_eq!(j["active"], true);
    // The PIN is not stored anywhere in the catalog.
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    let v: String = conn
        .query_row("SELECT pin_verifier FROM operators", [], |r| r.get(0))
        .unwrap();
    assert!(v.starts_with("$argon2id$") && !v.contains("246810"));
}

#[test]
fn newer_catalog_is_refused_with_exit_2() {
    let d = Dir::new();
    d.init();
    let conn = rusqlite::Connection::open(d.catalog()).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let o = d.run(&["cases"]);
    assert_code(&o, 2, "请升级归档通后再打开");
    assert!(text(&o).contains("catalog_too_new"));
}

/// Every help the program shows is Chinese: `--help` of every command and
/// subcommand (walked from the 命令 lists), `-h`, the `help` subcommand and
/// the help printed when no command is given.
#[test]
fn every_help_is_in_chinese() {
    let d = Dir::new();
    let mut helps: Vec<(String, String)> = Vec::new();
    let mut names = std::collections::BTreeSet::from(["guidang".to_string()]);
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = d.run(&args);
        assert_ok(&o);
        let help = String::from_utf8(o.stdout).unwrap();
        for sub in listed_commands(&help) {
            names.insert(sub.clone());
            if sub != "help" {
                let mut p = path.clone();
                p.push(sub);
                todo.push(p);
            }
        }
        helps.push((args.join(" "), help));
    }
    for path in [
        "--help",
        "operator add --help",
        "batch show --help",
        "intake holdings --help",
        "retention register --help",
        "audit log --help",
        "returns import --help",
        "unit rename --help",
        "scanner folder --help",
        "keyring export --help",
        "transfer write --help",
        "open-opinion --help",
    ] {
        assert!(helps.iter().any(|(a, _)| a == path), "not walked: {path}");
    }
    assert!(helps.len() >= 45, "only {} helps walked", helps.len());
    for args in [
        &["-h"][..],
        &["help"],
        &["help", "batch", "create"],
        &["intake", "help", "accept"],
    ] {
        let o = d.run(args);
        assert_ok(&o);
        helps.push((args.join(" "), text(&o)));
    }
    // No arguments at all (so no --data-dir either): the help, on stderr.
    let bare = Command::new(env!("CARGO_BIN_EXE_guidang"))
        .env_remove("GUIDANG_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(bare.status.code(), Some(2), "{}", text(&bare));
    helps.push((String::new(), text(&bare)));

    for (args, help) in &helps {
        assert!(
            help.contains("用法：guidang") && help.contains("显示帮助"),
            "guidang {args}:\n{help}"
        );
        assert_no_english(help);
        let english = english_words(help, &names);
        assert!(
            english.is_empty(),
            "English {english:?} in the help of `guidang {args}`:\n{help}"
        );
    }
}

/// A mistyped command line is answered in Chinese (what is wrong, the
/// usage, where help is), on stderr with exit code 2, for each kind of
/// mistake clap detects.
#[test]
fn usage_errors_are_in_chinese() {
    let d = Dir::new();
    let names = std::collections::BTreeSet::from(
        [
            "guidang",
            "package",
            "check",
            "cases",
            "init",
            "frobnicate",
            "abc",
            "boss",
        ]
        .map(String::from),
    );
    for (args, says) in [
        (&["--bogus"][..], "无法识别的参数 --bogus"),
        (&["package", "--all", "--nope"], "您是否要用 --operator"),
        (&["frobnicate"], "没有“frobnicate”这个命令"),
        (&["check"], "缺少必需的参数"),
        (&["check", "--stage"], "需要一个值"),
        (&["cases", "--limit", "abc"], "“abc”格式不对"),
        (
            &["init", "--role", "boss"],
            "不在可选范围内（可选值：hall、intake）",
        ),
        (&["cases", "--json", "--json"], "只能给一次"),
    ] {
        let o = d.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(
            err.starts_with("错误：") && err.contains(says),
            "{args:?}:\n{err}"
        );
        assert!(err.contains("--help"), "{args:?}:\n{err}");
        let english = english_words(&err, &names);
        assert!(
            english.is_empty(),
            "English {english:?} in `guidang {args:?}`:\n{err}"
        );
    }
}

/// The command names a help lists under 命令：.
fn listed_commands(help: &str) -> Vec<String> {
    help.split("命令：\n")
        .nth(1)
        .map(|s| {
            s.lines()
                .take_while(|l| !l.trim().is_empty())
                .filter_map(|l| l.split_whitespace().next())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Technical terms, file names and values a clerk types, written as they are
/// in Chinese text.
const HELP_TOKENS: &str = "guidang SM3 SM2 SHA-256 Ed25519 JSON PIN ZIP CSV PDF QR DA/T GB/T CUPS \
    lp ISO UDF A4 A A.1 case.json .json Joliet Rock Ridge Windows 7-Zip CD-R DVD DVD±R DVD+R DL BD-R XL MB GB stdio \
    /dev/sr0 .iso GUIDANG_DATA_DIR YYYY-MM-DD \
    hall intake gm intl gd yj sm3 sha256 collected packaged sealed checked transfer-list catalog labels zip unpacked \
    case_name applicant.id_no";

/// The English words of a help, leaving out what users type (flags, value
/// placeholders, default and possible values, command names) and
/// [`HELP_TOKENS`].
fn english_words(help: &str, commands: &std::collections::BTreeSet<String>) -> Vec<String> {
    let mut text = help.to_string();
    for (open, close) in [("[默认：", "]"), ("[可选值：", "]")] {
        text = strip_spans(&text, open, close, |_| true);
    }
    // Value placeholders, `<DIR>` or (optional) `[CASES]`, but not clap's
    // own `<COMMAND>` and `[OPTIONS]`.
    let placeholder = |inner: &str| !["COMMAND", "OPTIONS"].contains(&inner);
    text = strip_spans(&text, "<", ">", placeholder);
    text = strip_spans(&text, "[", "]", |inner| {
        placeholder(inner) && inner.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    });
    let allowed = |w: &str| HELP_TOKENS.split_whitespace().any(|t| t == w) || commands.contains(w);
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_./".contains(c)))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()) && !w.starts_with('-'))
        .filter(|w| !allowed(w))
        .map(|w| w.trim_matches(|c| c == '.' || c == '/'))
        .filter(|w| !allowed(w) && !w.split('/').all(allowed))
        .map(str::to_string)
        .collect()
}

/// `text` without every `open`…`close` span whose inside passes `strip`.
fn strip_spans(text: &str, open: &str, close: &str, strip: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len()..];
        match after.find(close) {
            Some(j) if strip(&after[..j]) => {
                out.push_str(&rest[..i]);
                rest = &after[j + close.len()..];
            }
            _ => {
                out.push_str(&rest[..i + open.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
