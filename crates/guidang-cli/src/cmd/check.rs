//! The four-property check (四性检测, DA/T 70) and its report.

use guidang_api::core::CancelFlag;
use guidang_api::{Archive, Error};

use crate::args::*;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command, cancel: &CancelFlag) -> Result<Done, Error> {
    match command {
        Command::Check {
            paths,
            all,
            stage,
            keyring,
            operator,
            json,
            report,
        } => {
            use guidang_api::checking::CheckTarget;
            use guidang_check::{Stage, Verdict};
            let stage = match stage {
                Some(s) => Stage::from_code(&s).ok_or_else(|| {
                    Error::Invalid(guidang_api::core::ValidationErrors(vec![
                        guidang_api::core::FieldError {
                            field: "--stage".into(),
                            message: format!("“{s}”无效，应为 gd（归档）或 yj（移交接收）"),
                        },
                    ]))
                })?,
                None => ar.default_stage()?,
            };
            let target = if all {
                CheckTarget::All
            } else {
                CheckTarget::Paths(paths)
            };
            let p = progress();
            let b = ar.check(&target, stage, &keyring, &operator, p.as_ref(), cancel);
            end_progress_line();
            let b = b?;
            if let Some(path) = &report {
                ar.write_check_report(&b, &operator, path)?;
                eprintln!("检测报告已写入 {}", path.display());
            }
            if json {
                print_json(&b);
            } else {
                for pk in &b.packages {
                    let mark = if pk.verdict == Verdict::Fail {
                        "不合格"
                    } else {
                        "合格  "
                    };
                    println!("{mark}  {}  {}", pk.efile_no, pk.opinion);
                    for f in pk
                        .findings
                        .iter()
                        .filter(|f| matches!(f.verdict, Verdict::Fail | Verdict::Warn))
                    {
                        println!("{}", finding_line("        ", f));
                    }
                }
                for f in &b.batch_findings {
                    println!("{}", finding_line("批次    ", f));
                }
                println!("{}：{}", stage.label(), b.opinion);
            }
            if b.verdict == Verdict::Fail {
                return Ok(Done::Findings);
            }
        }
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
