//! Writing a batch to its carriers.

use guidang_api::core::CancelFlag;
use guidang_api::{Archive, Error};

use crate::args::*;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
///
/// Long by design: a dispatcher with one arm per subcommand, each unpacking
/// its arguments, calling the API once and printing the result (text or
/// `--json`); splitting it would only move the `match` elsewhere.
pub(crate) fn run(ar: &mut Archive, command: Command, cancel: &CancelFlag) -> Result<Done, Error> {
    match command {
        Command::Transfer { command } => match command {
            TransferCommand::Write {
                batch_no,
                to,
                carrier_size,
                carrier,
                layout,
                operator,
                json,
            } => {
                let w = ar.write_batch(
                    &guidang_api::transferring::WriteRequest {
                        batch_no,
                        dest: to.clone(),
                        carrier_size,
                        carrier,
                        records: layout.map(records),
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
            TransferCommand::Image {
                batch_no,
                disc,
                carrier_size,
                carrier,
                layout,
                out,
                operator,
                json,
            } => {
                let r = ar.write_images(
                    &guidang_api::transferring::ImageRequest {
                        batch_no,
                        disc: disc_type(disc),
                        carrier_size,
                        carrier,
                        records: layout.map(records),
                        out_dir: out,
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
                        "批次 {} 按 {}（每个载体 {} 字节）分为 {} 个载体",
                        r.batch_no, r.disc_label, r.carrier_capacity, r.carriers
                    );
                    for i in &r.images {
                        println!(
                            "第 {}/{} 号载体的映像：{}（{} 字节，{} 个文件已从映像读回校验）；载体摘要（{}）：{}",
                            i.carrier_no,
                            r.carriers,
                            i.path.display(),
                            i.size,
                            i.files,
                            r.digest_algo,
                            i.carrier_digest
                        );
                    }
                    println!("映像尚未登记为载体：刻录后用 guidang transfer burn 登记，或直接用 transfer burn --device stdio:文件 刻录为映像并登记");
                }
            }
            TransferCommand::Burn {
                batch_no,
                device,
                disc,
                carrier_size,
                carrier,
                layout,
                operator,
                json,
            } => {
                let w = ar.burn(
                    &guidang_api::transferring::BurnRequest {
                        batch_no,
                        device: device.clone(),
                        disc: disc_type(disc),
                        carrier_size,
                        carrier,
                        records: layout.map(records),
                        actor: operator,
                    },
                    progress().as_ref(),
                    cancel,
                )?;
                end_progress_line();
                if json {
                    print_json(&w);
                } else {
                    println!(
                        "第 {}/{} 号载体已刻录到 {}，并从光盘逐个文件读回校验：{} 个包，{} 个文件，{} 字节",
                        w.carrier_no, w.carriers, device, w.packages, w.files, w.bytes
                    );
                    println!(
                        "载体摘要（{}，其他/载体清单.json）：{}",
                        w.digest_algo, w.carrier_digest
                    );
                    if w.remaining.is_empty() {
                        println!("批次全部载体已刻录，状态：{}", w.batch_status);
                    } else {
                        let r: Vec<String> = w.remaining.iter().map(u32::to_string).collect();
                        println!(
                            "还需刻录第 {} 号载体：请换上空白光盘后再次运行本命令",
                            r.join("、")
                        );
                    }
                }
            }
            TransferCommand::Relayout { batch_no, operator } => {
                let kept = ar.relayout(&batch_no, &operator)?;
                println!(
                    "批次 {batch_no} 的旧版载体规划已另存于 {}；请用 guidang transfer write 或 transfer burn 按新结构重新写入全部载体（旧载体的登记保留）",
                    kept.display()
                );
            }
            TransferCommand::Drives { json } => {
                let drives = ar.drives()?;
                if json {
                    print_json(&drives);
                } else if drives.is_empty() {
                    println!("本机没有找到刻录机。可用 guidang transfer image 制作映像，到有刻录机的计算机上刻录");
                } else {
                    for d in &drives {
                        let disc = match (&d.media, d.blank) {
                            (None, _) => "无光盘".to_string(),
                            (Some(_), true) => {
                                format!("空白光盘，可写 {} 字节", d.free.unwrap_or(0))
                            }
                            (Some(s), false) => format!("非空白光盘（{s}）"),
                        };
                        println!("{}  {}  {}", d.device, d.model, disc);
                    }
                }
            }
        },
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}

fn records(l: LayoutArg) -> guidang_api::transferring::Records {
    match l {
        LayoutArg::Zip => guidang_api::transferring::Records::Zip,
        LayoutArg::Unpacked => guidang_api::transferring::Records::Unpacked,
    }
}

fn disc_type(d: DiscArg) -> guidang_api::transferring::DiscType {
    use guidang_api::transferring::DiscType as T;
    match d {
        DiscArg::CdR => T::CdR,
        DiscArg::Dvd => T::Dvd,
        DiscArg::DvdDl => T::DvdDl,
        DiscArg::Bd25 => T::Bd25,
        DiscArg::Bd50 => T::Bd50,
        DiscArg::Bd100 => T::Bd100,
    }
}
