//! The receiving archive's intake (open, return, accept, status, holdings) and the hall's import of return files.

use guidang_api::core::CancelFlag;
use guidang_api::{Archive, Error};

use crate::args::*;
use crate::json;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command) -> Result<Done, Error> {
    match command {
        Command::Returns { command } => match command {
            ReturnsCommand::Import {
                file,
                operator,
                trust,
                json,
            } => {
                let r = ar.import_returns(&file, &operator, trust.as_deref())?;
                if json {
                    print_json(&r);
                } else {
                    println!(
                        "退回文件已验证：{}（接收人 {}，公钥指纹 {}）",
                        r.receiving_unit, r.archivist, r.fingerprint
                    );
                    if r.already_imported {
                        println!("此退回文件以前已导入过，没有变化");
                    } else if r.trust == "confirmed" {
                        println!("接收人的公钥已按纸质回执确认并记录，以后该单位此接收人的退回文件直接导入");
                    }
                    println!(
                        "批次 {}：接收 {} 件，退回 {} 件",
                        r.batch_no,
                        r.accepted,
                        r.returned.len()
                    );
                    for p in &r.returned {
                        println!("  退回 {}  {}：{}", p.case_no, p.case_name, p.reason);
                    }
                    if !r.returned.is_empty() {
                        println!("请按退回原因更正后用 guidang collect --replace 重新收集，再组包、检测，并用 batch create --corrects {} 再次移交", r.batch_no);
                    }
                }
            }
        },
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}

/// Runs an `intake` subcommand.
///
/// Long by design: a dispatcher with one arm per subcommand, each unpacking
/// its arguments, calling the API once and printing the result (text or
/// `--json`); splitting it would only move the `match` elsewhere.
pub(crate) fn run_intake(
    ar: &mut Archive,
    command: IntakeCommand,
    cancel: &CancelFlag,
) -> Result<Done, Error> {
    use guidang_api::intake::OpenRequest;
    match command {
        IntakeCommand::Open {
            media,
            trust,
            operator,
            json,
        } => {
            let r = ar.intake_open(
                &OpenRequest {
                    media,
                    trust,
                    actor: operator,
                },
                progress().as_ref(),
                cancel,
            )?;
            end_progress_line();
            if json {
                print_json(&r);
            } else {
                println!(
                    "批次 {}（{}，移交人 {}）批次摘要（{}）：{}",
                    r.batch_no, r.unit.name, r.transferred_by, r.digest_algo, r.batch_digest
                );
                let trust = match r.trust.as_str() {
                    "stored" => "与以前确认的一致",
                    "changed" => "已按输入的指纹确认新的公钥",
                    _ => "首次接收，已按输入的指纹确认",
                };
                println!("移交人公钥指纹：{}（{trust}）", r.fingerprint);
                for c in &r.carriers {
                    match (c.carrier_no, c.carriers, &c.digest) {
                        (Some(k), Some(n), Some(d)) => println!(
                            "载体 {k}/{n}：{}  载体摘要 {d}（请与登记表核对）",
                            c.path.display()
                        ),
                        _ => println!("载体：{}（没有载体清单）", c.path.display()),
                    }
                }
                for p in &r.packages {
                    println!("{}\t{}  {}", p.verdict.label(), p.efile_no, p.opinion);
                    for f in p.findings.iter().filter(|f| {
                        matches!(
                            f.verdict,
                            guidang_check::Verdict::Fail | guidang_check::Verdict::Warn
                        )
                    }) {
                        println!("{}", finding_line("        ", f));
                    }
                }
                for f in &r.batch_findings {
                    println!("{}", finding_line("批次    ", f));
                }
                println!(
                    "移交接收检测：{} 个包合格，{} 个不合格{}",
                    r.passed,
                    r.failed,
                    if r.batch_findings
                        .iter()
                        .any(|f| f.verdict == guidang_check::Verdict::Fail)
                    {
                        "；另有批次问题"
                    } else {
                        ""
                    }
                );
                if r.failed > 0 {
                    println!("不合格的包在接收时将按建议原因退回；可用 guidang intake return 电子文件号 --reason 原因 修改原因或退回其他包");
                }
            }
            Ok(if r.verdict == guidang_check::Verdict::Fail {
                Done::Findings
            } else {
                Done::Ok
            })
        }
        IntakeCommand::Return {
            efile_no,
            reason,
            batch,
            operator,
        } => {
            ar.intake_return(&efile_no, &reason, &operator, batch.as_deref())?;
            println!("{efile_no} 将被退回：{reason}");
            Ok(Done::Ok)
        }
        IntakeCommand::Accept {
            rest: _,
            operator,
            pin_stdin,
            return_file,
            batch,
            json,
        } => {
            ar.operator(&operator)?;
            let pin = read_pin_once(pin_stdin)?;
            let r = ar.intake_accept(
                &operator,
                &pin,
                return_file.as_deref(),
                batch.as_deref(),
                progress().as_ref(),
                cancel,
            )?;
            end_progress_line();
            if json {
                print_json(&r);
            } else {
                if r.already_done {
                    println!(
                        "批次 {} 已于 {} 接收入库，本次没有再次接收，只核对了回执和退回文件都已交付。要接收新的批次，请先用 guidang intake open 打开其载体",
                        r.batch_no,
                        r.received_at.as_deref().unwrap_or("此前")
                    );
                }
                println!(
                    "批次 {}：接收入库 {} 个包，退回 {} 个",
                    r.batch_no,
                    r.accepted.len(),
                    r.returned.len()
                );
                for p in &r.returned {
                    println!("  退回 {}：{}", p.efile_no, p.reason);
                }
                println!("入库位置：{}", r.storage.display());
                println!("接收回执：{}", r.receipt_pdf.display());
                println!("退回单：{}", r.return_slip_pdf.display());
                println!(
                    "退回文件（已签名，交移交方导入）：{}",
                    r.return_file.display()
                );
            }
            Ok(Done::Ok)
        }
        IntakeCommand::Holdings { json } => {
            let hs = ar.holdings()?;
            let mut out = Vec::new();
            for h in hs {
                let materials = ar.holding_materials(&h.efile_no)?;
                out.push((h, materials));
            }
            if json {
                let v: Vec<json::HoldingWithMaterials> = out
                    .iter()
                    .map(|(h, m)| json::HoldingWithMaterials {
                        holding: h.into(),
                        materials: m.iter().map(Into::into).collect(),
                    })
                    .collect();
                print_json(&v);
            } else {
                for (h, ms) in &out {
                    let destroyed = h
                        .destroyed_at
                        .as_deref()
                        .map(|t| format!("，{t} 已鉴定销毁"))
                        .unwrap_or_default();
                    println!(
                        "{}  {}  {}  {}（批次 {}，{} 接收{destroyed}）",
                        h.efile_no, h.case_no, h.case_name, h.path, h.batch_no, h.accepted_at
                    );
                    for m in ms {
                        println!("    {:>2}. {}  →  {}", m.seq, m.name, m.entry);
                    }
                }
                println!("合计 {} 件", out.len());
            }
            Ok(Done::Ok)
        }
        IntakeCommand::Status { json } => {
            let rs = ar.intake_status()?;
            if json {
                print_json(&rs.iter().map(json::Receipt::from).collect::<Vec<_>>());
            } else {
                for r in &rs {
                    let st = if r.receipt.status == "received" {
                        format!(
                            "已接收（接收 {}，退回 {}）",
                            r.receipt.accepted, r.receipt.returned
                        )
                    } else {
                        "待处理".into()
                    };
                    println!(
                        "{}  {}  {}  打开于 {}",
                        r.receipt.batch_no, r.receipt.unit_name, st, r.receipt.opened_at
                    );
                    for p in &r.packages {
                        let d = match p.decision.as_str() {
                            "accept" => "接收".to_string(),
                            "return" => format!("退回：{}", p.reason.as_deref().unwrap_or("")),
                            _ if p.verdict == "fail" => format!(
                                "待定（不合格，建议退回：{}）",
                                p.suggested.as_deref().unwrap_or("")
                            ),
                            _ => "待定（合格）".into(),
                        };
                        println!("  {:>3}. {}  {d}", p.seq, p.efile_no);
                    }
                }
                println!("合计 {} 个批次", rs.len());
            }
            Ok(Done::Ok)
        }
    }
}
