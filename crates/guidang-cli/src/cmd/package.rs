//! Packaging and sealing, and verifying packages.

use guidang_api::core::CancelFlag;
use guidang_api::packaging::{PackageOutcome, Selection};
use guidang_api::{Archive, Error};

use crate::args::*;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command, cancel: &CancelFlag) -> Result<Done, Error> {
    match command {
        Command::Package {
            all,
            cases,
            operator,
            pin_stdin,
            json,
        } => {
            if !all && cases.is_empty() {
                return Err(Error::Invalid(guidang_api::core::ValidationErrors(vec![
                    guidang_api::core::FieldError {
                        field: "办件".into(),
                        message: "请给出办件编号，或用 --all 组包全部已收集的办件".into(),
                    },
                ])));
            }
            ar.operator(&operator)?;
            let pin = read_pin_once(pin_stdin)?;
            let sel = if all {
                Selection::All
            } else {
                Selection::Cases(cases)
            };
            let p = progress();
            let r = ar.package(&sel, &operator, &pin, p.as_ref(), cancel);
            end_progress_line();
            let r = r?;
            if json {
                print_json(&r);
            } else {
                for x in &r.packages {
                    match &x.outcome {
                        PackageOutcome::Sealed { efile_no, size, .. } => {
                            println!("已固化  {}  → {efile_no}.zip（{size} 字节）", x.case_no)
                        }
                        PackageOutcome::AlreadySealed { efile_no } => {
                            println!("已固化过  {}  （{efile_no}）", x.case_no)
                        }
                        PackageOutcome::Failed { message, .. } => {
                            println!("失败    {}\n        - {message}", x.case_no)
                        }
                    }
                }
                println!("合计：新固化 {}，失败 {}", r.sealed(), r.failed());
            }
            if r.failed() > 0 {
                return Ok(Done::Findings);
            }
        }
        Command::Verify {
            paths,
            keyring,
            json,
        } => {
            let reports = ar.verify(&paths, &keyring, cancel)?;
            let bad = reports.iter().filter(|r| !r.ok()).count();
            if json {
                print_json(&reports);
            } else {
                for r in &reports {
                    let name = r
                        .package
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default();
                    if r.ok() {
                        let who = r
                            .signer
                            .as_ref()
                            .map(|s| format!("，固化人 {}（{}）", s.operator, s.sealed_at))
                            .unwrap_or_default();
                        println!("通过    {name}{who}");
                    } else {
                        println!("不通过  {name}");
                        for f in &r.findings {
                            match &f.entry {
                                Some(e) => println!("        - [{}] {e}：{}", f.code, f.message),
                                None => println!("        - [{}] {}", f.code, f.message),
                            }
                        }
                    }
                }
                println!(
                    "合计：{} 个包，通过 {}，不通过 {bad}",
                    reports.len(),
                    reports.len() - bad
                );
            }
            if bad > 0 {
                return Ok(Done::Findings);
            }
        }
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
