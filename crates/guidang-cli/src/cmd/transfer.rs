//! Writing a batch to its carriers.

use guidang_api::core::CancelFlag;
use guidang_api::{Archive, Error};

use crate::args::*;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command, cancel: &CancelFlag) -> Result<Done, Error> {
    match command {
        Command::Transfer { command } => match command {
            TransferCommand::Write {
                batch_no,
                to,
                carrier_size,
                carrier,
                operator,
                json,
            } => {
                let w = ar.write_batch(
                    &guidang_api::transferring::WriteRequest {
                        batch_no,
                        dest: to.clone(),
                        carrier_size,
                        carrier,
                        actor: operator,
                    },
                    progress().as_ref(),
                    cancel,
                )?;
                end_progress_line();
                if json {
                    print_json(&w);
                } else {
                    if w.carriers > 1 {
                        println!(
                            "批次 {} 按每个载体 {} 字节分为 {} 个载体",
                            w.batch_no, w.carrier_capacity, w.carriers
                        );
                    }
                    println!(
                        "第 {}/{} 号载体已写入 {} 并逐个文件读回校验：{} 个包，{} 个文件，{} 字节（本次写入 {} 个，已校验跳过 {} 个，读回确认 {} 个）",
                        w.carrier_no,
                        w.carriers,
                        to.display(),
                        w.packages,
                        w.files,
                        w.bytes,
                        w.written,
                        w.skipped,
                        w.reverified
                    );
                    println!(
                        "载体摘要（{}，其他/载体清单.json）：{}",
                        w.digest_algo, w.carrier_digest
                    );
                    if w.remaining.is_empty() {
                        println!("批次全部载体已写入，状态：{}", w.batch_status);
                    } else {
                        let r: Vec<String> = w.remaining.iter().map(u32::to_string).collect();
                        println!(
                            "还需写入第 {} 号载体：请换上空白载体后再次运行本命令",
                            r.join("、")
                        );
                    }
                }
            }
        },
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
