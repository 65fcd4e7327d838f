//! Setting up a workstation: init, operators, the unit, the scanner folder, keyrings, open-use opinions, status, digests and the catalog bench.

use std::path::Path;

use guidang_api::core::{Role, Suite};
use guidang_api::{Archive, CaseFilter, Error, InitOptions};

use crate::args::*;
use crate::json;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
///
/// Long by design: a dispatcher with one arm per subcommand, each unpacking
/// its arguments, calling the API once and printing the result (text or
/// `--json`); splitting it would only move the `match` elsewhere.
pub(crate) fn run(ar: &mut Archive, command: Command, dir: &Path) -> Result<Done, Error> {
    match command {
        Command::Init {
            region,
            fonds,
            unit,
            org,
            role,
            suite,
            json,
        } => {
            let u = ar.init(&InitOptions {
                region,
                fonds,
                unit_name: unit,
                org,
                role: match role {
                    RoleArg::Hall => Role::Hall,
                    RoleArg::Intake => Role::Intake,
                },
                suite: match suite {
                    SuiteArg::Gm => Suite::Gm,
                    SuiteArg::Intl => Suite::Intl,
                },
            })?;
            if json {
                print_json(&u);
            } else {
                println!(
                    "已初始化：{}（行政区划码 {}，全宗号 {}，{}，{}）\n数据目录：{}",
                    u.unit_name,
                    u.region,
                    u.fonds,
                    u.role.label(),
                    u.suite.label(),
                    dir.display()
                );
            }
        }
        Command::Operator { command } => match command {
            OperatorCommand::Add { name, pin_stdin } => {
                ar.unit()?;
                let pin = read_pin(pin_stdin)?;
                let op = ar.add_operator(&name, &pin)?;
                println!("已添加操作员：{}", op.name);
            }
            OperatorCommand::Show { name, json } => {
                let op = ar.operator(&name)?;
                if json {
                    print_json(&json::Operator::from(op.clone()));
                } else {
                    println!(
                        "操作员：{}\n添加时间：{}\n状态：{}",
                        op.name,
                        op.created_at,
                        if op.active { "启用" } else { "停用" }
                    );
                    if let Some(f) = &op.fingerprint {
                        println!("公钥指纹：{f}");
                    }
                }
            }
            OperatorCommand::List { json } => {
                let ops = ar.operators()?;
                if json {
                    print_json(&json::all::<_, json::Operator>(ops.clone()));
                } else {
                    for op in ops {
                        println!("{}\t{}", op.name, op.created_at);
                    }
                }
            }
        },
        Command::Status { json } => {
            let s = ar.summary()?;
            if json {
                print_json(&s);
            } else {
                match &s.unit {
                    Some(u) => {
                        println!("{}（{}，{}）", u.unit_name, u.role.label(), u.suite.label())
                    }
                    None => println!("尚未初始化"),
                }
                println!("数据目录：{}", s.data_dir.display());
                for (st, n) in &s.counts {
                    println!("{}：{n}", status_label(st));
                }
                println!("已逾期：{}，30天内到期：{}", s.overdue, s.due_soon);
                match (&s.last_backup, s.backup_overdue) {
                    (Some(b), false) => println!("上次备份：{b}"),
                    (Some(b), true) => println!(
                        "提醒：上次备份是 {b}，已超过 {} 天，请运行 guidang backup --to 移动硬盘",
                        s.backup_interval_days
                    ),
                    (None, _) if s.unit.is_some() => {
                        println!("提醒：还没有备份过，请运行 guidang backup --to 移动硬盘")
                    }
                    _ => {}
                }
            }
        }
        Command::OpenOpinion {
            item,
            case,
            opinion,
            reason,
            operator,
        } => match (item, case) {
            (Some(code), _) => {
                ar.set_item_open(&operator, &code, &opinion, reason.as_deref())?;
                println!("事项 {code} 的默认开放利用意见已设为“{opinion}”");
            }
            (None, Some(no)) => {
                ar.set_case_open(&operator, &no, &opinion, reason.as_deref())?;
                println!("办件 {no} 的开放利用意见已设为“{opinion}”");
            }
            (None, None) => unreachable!("clap requires one"),
        },
        Command::Unit { command } => match command {
            UnitCommand::Rename { unit, org, by } => {
                let u = ar.rename_unit(&unit, org.as_deref(), &by)?;
                println!(
                    "立档单位已改为“{}”{}",
                    u.unit_name,
                    u.org
                        .map(|o| format!("，服务中心“{o}”"))
                        .unwrap_or_default()
                );
            }
        },
        Command::Scanner { command } => match command {
            ScannerCommand::Folder { path, clear: _ } => {
                ar.set_scanner_folder(path.as_deref(), "system")?;
                match path {
                    Some(p) => println!("扫描仪输出文件夹已设为 {}", p.display()),
                    None => println!("已取消扫描仪输出文件夹"),
                }
            }
            ScannerCommand::List { json } => {
                let files = ar.scanner_files()?;
                if json {
                    print_json(&files);
                } else if ar.scanner_folder()?.is_none() {
                    println!("还没有设置扫描仪输出文件夹：guidang scanner folder 路径");
                } else {
                    for f in &files {
                        println!("{}\t{}\t{}", f.modified, f.size, f.path.display());
                    }
                }
            }
        },
        Command::Keyring { command } => match command {
            KeyringCommand::Export { output } => {
                let k = ar.export_keyring(&output)?;
                println!("已导出 {} 个公钥到 {}", k.keys.len(), output.display());
                for key in &k.keys {
                    println!("  {}  {}", key.operator, key.fingerprint);
                }
            }
        },
        Command::BenchCatalog { copies } => {
            if copies > 0 {
                let n = ar.replicate_cases_for_benchmark(copies)?;
                println!("cases {n}");
            }
            let time = |label: &str, f: &dyn Fn() -> Result<usize, Error>| -> Result<(), Error> {
                let t = std::time::Instant::now();
                let n = f()?;
                println!(
                    "{label} {:.1} ms ({n} rows)",
                    t.elapsed().as_secs_f64() * 1e3
                );
                Ok(())
            };
            let page = |text: Option<&str>, offset: u32| CaseFilter {
                text: text.map(str::to_string),
                limit: Some(50),
                offset: Some(offset),
                ..Default::default()
            };
            time("list_first_page", &|| Ok(ar.cases(&page(None, 0))?.len()))?;
            time("list_page_1000", &|| {
                Ok(ar.cases(&page(None, 49_950))?.len())
            })?;
            time(
                "count_all",
                &|| Ok(ar.count_cases(&page(None, 0))? as usize),
            )?;
            time("search_first_page", &|| {
                Ok(ar.cases(&page(Some("宅基地"), 0))?.len())
            })?;
            time("search_count", &|| {
                Ok(ar.count_cases(&page(Some("宅基地"), 0))? as usize)
            })?;
            time("search_nothing", &|| {
                Ok(ar.cases(&page(Some("没有这个办件"), 0))?.len())
            })?;
        }
        Command::Digest { algo, files } => {
            let a = guidang_api::core::DigestAlgo::from_name(&algo).ok_or_else(|| {
                Error::Invalid(guidang_api::core::ValidationErrors(vec![
                    guidang_api::core::FieldError {
                        field: "--algo".into(),
                        message: "应为 sm3 或 sha256".into(),
                    },
                ]))
            })?;
            for f in files {
                let (n, d) = guidang_api::packaging::digest_file(&f, a).map_err(|source| {
                    Error::DataDir {
                        path: f.clone(),
                        source,
                    }
                })?;
                println!("{d}  {n}  {}", f.display());
            }
        }
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
