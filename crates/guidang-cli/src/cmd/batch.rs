//! Transfer batches and the printed forms.

use guidang_api::{Archive, Error};

use crate::args::*;
use crate::json;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command) -> Result<Done, Error> {
    match command {
        Command::Batch { command } => match command {
            BatchCommand::Create {
                all_ready,
                cases,
                operator,
                pin_stdin,
                corrects,
                json,
            } => {
                use guidang_api::batching::BatchSelection;
                if !all_ready && cases.is_empty() {
                    return Err(Error::BatchRefused(vec![
                        "请给出办件编号，或用 --all-ready 组批全部已通过检测的办件".into(),
                    ]));
                }
                ar.operator(&operator)?;
                let pin = read_pin_once(pin_stdin)?;
                let sel = if all_ready {
                    BatchSelection::AllReady
                } else {
                    BatchSelection::Cases(cases)
                };
                let b = ar.create_batch(&sel, &operator, &pin, corrects.as_deref())?;
                if json {
                    print_json(&b);
                } else {
                    println!("批次编号：{}", b.batch_no);
                    println!("归档信息包：{} 个，{} 字节", b.packages, b.bytes);
                    println!("批次摘要（{}）：{}", b.digest_algo, b.digest);
                    println!("移交人公钥指纹：{}", b.fingerprint);
                    println!("批次清单：{}", b.dir.display());
                    if !b.left_out.is_empty() {
                        println!("未组入本批次的已检测办件 {} 件：", b.left_out.len());
                        for why in &b.left_out {
                            println!("  {why}");
                        }
                    }
                }
            }
            BatchCommand::List { json } => {
                let bs = ar.batches()?;
                if json {
                    print_json(&json::all::<_, json::Batch>(bs.clone()));
                } else {
                    for b in &bs {
                        println!(
                            "{}\t{}\t{} 个包\t{}\t{}",
                            b.batch_no, b.created_at, b.packages, b.created_by, b.status
                        );
                    }
                    println!("合计 {} 个批次", bs.len());
                }
            }
            BatchCommand::Show { batch_no, json } => {
                let (m, sig) = ar.batch_manifest(&batch_no)?;
                let carriers = ar.batch_carriers(&batch_no)?;
                if json {
                    print_json(
                        &serde_json::json!({"manifest": m, "signature": sig, "carriers":
                            carriers.iter().map(json::Carrier::from).collect::<Vec<_>>()}),
                    );
                } else {
                    for c in &carriers {
                        println!(
                            "载体 {}/{}：{} 个文件，{} 字节，摘要（{}）{}，写入 {} 次，最近 {}",
                            c.carrier_no,
                            c.carriers,
                            c.files,
                            c.bytes,
                            c.digest_algo,
                            c.digest,
                            c.copies,
                            c.last_written_at
                        );
                    }
                    println!("批次编号：{}（{}）", m.batch_no, m.unit.name);
                    if let Some(c) = &m.corrects {
                        println!("更正批次：{c}");
                    }
                    println!("移交人：{}　公钥指纹：{}", sig.operator, sig.fingerprint);
                    println!("批次摘要（{}）：{}", sig.digest_algo, sig.manifest_digest);
                    for p in &m.packages {
                        println!(
                            "{:>3}. {}  {}  {}  {}  {}",
                            p.seq,
                            p.efile_no,
                            p.item_name,
                            p.retention,
                            p.open_opinion,
                            p.check_opinion
                        );
                    }
                }
            }
        },
        Command::Print {
            form,
            batch_no,
            output,
            send,
            printer,
        } => {
            use guidang_api::batching::Form;
            let f = match form {
                FormArg::TransferList => Form::TransferList,
                FormArg::Catalog => Form::Catalog,
                FormArg::Register => Form::Register,
                FormArg::Labels => Form::Labels,
            };
            ar.print_form(f, &batch_no, &output)?;
            println!("已生成 {}", output.display());
            if send {
                let job = guidang_api::printing::send_to_printer(&output, printer.as_deref())?;
                println!(
                    "已送往打印机 {}（作业 {}）",
                    job.printer.as_deref().unwrap_or("（默认）"),
                    job.job_id.as_deref().unwrap_or("未知")
                );
            }
        }
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
