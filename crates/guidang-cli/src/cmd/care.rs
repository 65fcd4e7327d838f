//! Holdings care: backup, restore, routine inspection, retention and destruction.

use std::path::Path;

use guidang_api::core::CancelFlag;
use guidang_api::{Archive, Error};

use crate::args::*;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command, cancel: &CancelFlag) -> Result<Done, Error> {
    match command {
        Command::Backup {
            to,
            interval_days,
            operator,
            json,
        } => {
            if let Some(days) = interval_days {
                ar.set_backup_interval(&operator, days)?;
                println!("备份提醒间隔已设为 {days} 天");
                return Ok(Done::Ok);
            }
            let to = to.expect("clap requires --to");
            let r = ar.backup(&to, &operator, progress().as_ref(), cancel)?;
            end_progress_line();
            if json {
                print_json(&r);
            } else {
                println!(
                    "备份完成并逐个文件读回校验：{} 个文件，{} 字节；本次新复制 {} 个（{} 字节），其余已在备份盘上",
                    r.files, r.bytes, r.copied, r.copied_bytes
                );
                println!("备份位置：{}（第 {} 代）", r.dest.display(), r.generation);
                println!("备份清单摘要：{}", r.manifest_digest);
                println!("备份签名公钥指纹：{}（请记下，恢复时核对）", r.fingerprint);
            }
        }
        Command::Inspect {
            backup,
            operator,
            json,
        } => {
            let r = ar.inspect(backup.as_deref(), &operator, progress().as_ref(), cancel)?;
            end_progress_line();
            if json {
                print_json(&r);
            } else {
                println!(
                    "日常检查：材料文件 {} 个，归档信息包 {} 个，接收入库的包 {} 个，目录库和审计日志",
                    r.materials, r.packages, r.holdings
                );
                for d in &r.damage {
                    println!(
                        "  {} {}：{}",
                        if d.repaired { "已修复" } else { "未修复" },
                        d.path.as_deref().unwrap_or(&d.kind),
                        d.problem
                    );
                }
                for c in &r.cleaned {
                    println!("  已清理 {c}：中断的操作留下的临时文件（从未登记，不影响档案）");
                }
                for u in &r.unregistered {
                    println!("  未登记 {u}：没有目录库登记的包文件（组包曾中断），已保留；重新组包时会另行生成并登记");
                }
                if r.damage.is_empty() {
                    println!("结论：全部完好");
                } else {
                    let fixed = r.damage.iter().filter(|d| d.repaired).count();
                    println!(
                        "结论：发现 {} 处问题，已从备份修复 {fixed} 处",
                        r.damage.len()
                    );
                    if fixed < r.damage.len() {
                        println!("未修复的问题：请插入最近的备份盘后用 guidang inspect --backup 备份盘 重试，或联系技术支持");
                    }
                }
                println!(
                    "检查报告：{}，{}",
                    r.report_json.display(),
                    r.report_pdf.display()
                );
            }
            if !r.damage.is_empty() {
                return Ok(Done::Findings);
            }
        }
        Command::Retention { command } => match command {
            RetentionCommand::Due { as_of, json } => {
                let as_of = match as_of {
                    Some(d) => {
                        guidang_api::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                            Error::Invalid(guidang_api::core::ValidationErrors(vec![
                                guidang_api::core::FieldError {
                                    field: "--as-of".into(),
                                    message: format!("“{d}”不是日期，应为 YYYY-MM-DD"),
                                },
                            ]))
                        })?
                    }
                    None => ar.today(),
                };
                let rows = ar.retention_due(as_of)?;
                if json {
                    print_json(&rows);
                } else {
                    for r in &rows {
                        println!(
                            "{}  {}  {}  {} 年 {}，{} 届满  {}",
                            r.case_no,
                            r.efile_no,
                            r.case_name,
                            r.year,
                            r.retention,
                            r.retention_end,
                            match &r.why_not {
                                None => "可鉴定销毁（须经批准）".to_string(),
                                Some(w) => format!("暂不能销毁：{w}"),
                            }
                        );
                    }
                    println!("合计 {} 件保管期限已届满", rows.len());
                }
            }
            RetentionCommand::Destroy {
                case_no,
                approved_by,
                approval_doc,
                operator,
                pin_stdin,
            } => {
                ar.operator(&operator)?;
                let pin = read_pin_once(pin_stdin)?;
                let d = ar.destroy(&case_no, &approved_by, &approval_doc, &operator, &pin)?;
                println!(
                    "已销毁 {}（{}），批准人 {}，批准文号 {}；已记入销毁清册，包摘要（{}）{}",
                    d.case_no,
                    d.efile_no,
                    d.approved_by,
                    d.approval_doc,
                    d.digest_algo,
                    d.package_digest.as_deref().unwrap_or("无")
                );
            }
            RetentionCommand::Register { output } => {
                ar.print_destruction_register(&output)?;
                println!("已生成 {}", output.display());
            }
        },
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}

/// `restore`: run before any catalog is opened, since it writes a data
/// directory that must not exist yet (or replaces one).
pub(crate) fn restore(dir: &Path, command: &Command) -> Result<Done, Error> {
    // (and so create) a catalog there first.
    if let Command::Restore {
        from,
        to,
        generation,
        replace,
        operator,
        pin_stdin,
        list,
        json,
    } = command
    {
        if *list {
            let gens = guidang_api::care::backup_generations(from)?;
            if *json {
                print_json(&gens);
            } else {
                for g in &gens {
                    if g.valid {
                        println!(
                            "{}\t{}\t{}\t{} 个文件\t{} 字节",
                            g.generation, g.created_at, g.unit, g.files, g.bytes
                        );
                    } else {
                        println!("{}\t备份清单签名无效，不能恢复", g.generation);
                    }
                }
            }
            return Ok(Done::Ok);
        }
        let to = to.clone().unwrap_or_else(|| dir.to_path_buf());
        if *replace {
            let pin = match operator {
                Some(_) => Some(read_pin_once(*pin_stdin)?),
                None => None,
            };
            let r = guidang_api::care::restore_replacing(
                from,
                &to,
                generation.as_deref(),
                operator.as_deref().zip(pin.as_deref()),
                progress().as_ref(),
                &CancelFlag::new(),
            )?;
            end_progress_line();
            if *json {
                print_json(&r);
            } else {
                println!(
                    "已从第 {} 代备份恢复 {} 个文件到 {}，每个文件的摘要和审计日志链都已核对",
                    r.restore.generation,
                    r.restore.files,
                    r.restore.to.display()
                );
                if let Some(k) = &r.kept {
                    println!("原来的数据目录没有删除，已改名保存为 {}", k.display());
                }
            }
            return Ok(Done::Ok);
        }
        let r = guidang_api::care::restore(
            from,
            &to,
            generation.as_deref(),
            "system",
            progress().as_ref(),
            &CancelFlag::new(),
        )?;
        end_progress_line();
        if *json {
            print_json(&r);
        } else {
            println!(
                "已从第 {} 代备份恢复 {} 个文件（{} 字节）到 {}，每个文件的摘要都已核对",
                r.generation,
                r.files,
                r.bytes,
                r.to.display()
            );
            println!("备份签名公钥指纹：{}", r.fingerprint);
        }
        if !r.audit_problems.is_empty() {
            for p in &r.audit_problems {
                eprintln!("警告：{p}");
            }
            eprintln!("恢复出的目录库审计日志链有问题，请运行 guidang audit verify 查看");
            return Ok(Done::Findings);
        }
        return Ok(Done::Ok);
    }
    unreachable!("restore only")
}
