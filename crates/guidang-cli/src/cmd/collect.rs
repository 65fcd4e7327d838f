//! Collection: case folders, export trees and ledgers, the case list, one case, demo data.

use guidang_api::core::{CancelFlag, CaseStatus};
use guidang_api::{Archive, CaseFilter, DemoRequest, Error, Outcome};

use crate::args::*;
use crate::json;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
///
/// Long by design: a dispatcher with one arm per subcommand, each unpacking
/// its arguments, calling the API once and printing the result (text or
/// `--json`); splitting it would only move the `match` elsewhere.
pub(crate) fn run(ar: &mut Archive, command: Command, cancel: &CancelFlag) -> Result<Done, Error> {
    match command {
        Command::Collect {
            paths,
            replace,
            operator,
            json,
        } => {
            let p = progress();
            let r = ar.collect(&paths, replace, &operator, p.as_ref(), cancel);
            end_progress_line();
            let r = r?;
            if json {
                print_json(&r);
            } else {
                for c in &r.cases {
                    let no = c.case_no.as_deref().unwrap_or("?");
                    match &c.outcome {
                        Outcome::Added { efile_no } => println!("已收集  {no}  → {efile_no}"),
                        Outcome::Unchanged { efile_no } => {
                            println!("未变化  {no}  （{efile_no}，已收集过）")
                        }
                        Outcome::Replaced { efile_no } => println!("已更正  {no}  → {efile_no}"),
                        Outcome::Rejected { problems } => {
                            println!("已拒绝  {}", c.source);
                            for pr in problems {
                                println!("        - {pr}");
                            }
                        }
                        Outcome::Conflict { message } => {
                            println!("冲突    {no}\n        - {message}")
                        }
                    }
                    for n in &c.notes {
                        println!("        注：{n}");
                    }
                }
                println!(
                    "合计：新收集 {}，未变化 {}，更正 {}，失败 {}",
                    r.added(),
                    r.unchanged(),
                    r.replaced(),
                    r.failed()
                );
            }
            if r.failed() > 0 {
                return Ok(Done::Findings);
            }
        }
        Command::Cases {
            json,
            due,
            status,
            search,
            limit,
        } => {
            let status = match status {
                Some(s) => Some(CaseStatus::from_code(&s).ok_or_else(|| {
                    Error::Invalid(guidang_api::core::ValidationErrors(vec![
                        guidang_api::core::FieldError {
                            field: "--status".into(),
                            message: format!("未知状态“{s}”，可选值：{}", CaseStatus::domain()),
                        },
                    ]))
                })?),
                None => None,
            };
            if due {
                let rows = ar.due(ar.today(), guidang_api::DUE_WINDOW_DAYS)?;
                if json {
                    print_json(&json::all::<_, json::DueRow>(rows.clone()));
                } else {
                    for r in &rows {
                        let when = if r.days_left < 0 {
                            format!("已逾期{}天", -r.days_left)
                        } else {
                            format!("还剩{}天", r.days_left)
                        };
                        println!(
                            "{}\t{}\t{}\t{}（{}）{}",
                            r.case.case_no,
                            r.case.case_name,
                            status_label(&r.case.status),
                            r.due_kind.label(),
                            r.due_date,
                            when
                        );
                    }
                    println!("合计 {} 件", rows.len());
                }
            } else {
                let rows = ar.cases(&CaseFilter {
                    status,
                    text: search,
                    limit,
                    ..Default::default()
                })?;
                if json {
                    print_json(&json::all::<_, json::CaseRow>(rows.clone()));
                } else {
                    for r in &rows {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            r.case_no,
                            r.efile_no,
                            r.case_name,
                            &r.completed_at[..10],
                            status_label(&r.status)
                        );
                    }
                    println!("合计 {} 件", rows.len());
                }
            }
        }
        Command::Case {
            case_no: Some(case_no),
            json,
            ..
        } => {
            let rows = ar.cases(&CaseFilter {
                text: Some(case_no.clone()),
                ..Default::default()
            })?;
            let Some(case) = rows.into_iter().find(|c| c.case_no == case_no) else {
                return Err(Error::Invalid(guidang_api::core::ValidationErrors(vec![
                    guidang_api::core::FieldError {
                        field: "办件编号".into(),
                        message: format!(
                            "没有办件编号为 {case_no} 的办件；可用 guidang cases --search 查找"
                        ),
                    },
                ])));
            };
            let materials = ar.materials(&case_no)?;
            let return_reason = ar.case_detail(&case_no)?.return_reason;
            if json {
                print_json(&json::Case {
                    case: case.clone().into(),
                    materials: json::all(materials.clone()),
                    return_reason: return_reason.clone(),
                });
            } else {
                println!(
                    "{}  {}\n电子文件号：{}\n状态：{}",
                    case.case_no,
                    case.case_name,
                    case.efile_no,
                    status_label(&case.status)
                );
                if let Some(r) = &return_reason {
                    println!("退回原因：{r}\n请按退回原因更正（guidang case edit、guidang case material，或用 guidang collect --replace 重新收集），再组包、检测，并在新批次中注明所更正的批次（--corrects）");
                }
                for m in materials {
                    println!(
                        "  {:>2}. [{}] {}  {} 字节  {}  {}:{}",
                        m.seq,
                        m.category,
                        m.original_name,
                        m.size,
                        m.format,
                        m.digest_algo,
                        m.digest
                    );
                }
            }
        }
        Command::Demo {
            cases,
            seed,
            out,
            no_collect,
            large_file,
            json,
        } => {
            let p = progress();
            let r = ar.demo(
                &DemoRequest {
                    cases,
                    seed,
                    out,
                    no_collect,
                    large_file,
                },
                p.as_ref(),
                cancel,
            );
            end_progress_line();
            let r = r?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "已生成示例数据：{} 件办件，{} 个文件，{:.1} MB",
                    r.cases,
                    r.files,
                    r.bytes as f64 / 1e6
                );
                if let Some(c) = &r.collect {
                    println!(
                        "收集：新收集 {}，未变化 {}，失败 {}",
                        c.added(),
                        c.unchanged(),
                        c.failed()
                    );
                }
            }
            if r.collect.as_ref().is_some_and(|c| c.failed() > 0) {
                return Ok(Done::Findings);
            }
        }
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
