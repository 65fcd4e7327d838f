//! The audit log: verify its chain, list it.

use guidang_api::{Archive, Error};

use crate::args::*;
use crate::json;
use crate::output::*;

/// Runs one of this module's commands (dispatched by [`super::run`]).
pub(crate) fn run(ar: &mut Archive, command: Command) -> Result<Done, Error> {
    match command {
        Command::Audit { command } => match command {
            AuditCommand::Verify { json } => {
                let r = ar.audit_verify()?;
                if json {
                    print_json(&json::AuditReport::from(&r));
                } else if r.problems.is_empty() {
                    println!("审计日志完整：{} 条记录，链头 {}", r.entries, r.head);
                } else {
                    println!("审计日志已被篡改或损坏（{} 条记录）：", r.entries);
                    for p in &r.problems {
                        println!("  第 {} 条：{}", p.seq, p.message);
                    }
                }
                if !r.problems.is_empty() {
                    return Ok(Done::Findings);
                }
            }
            AuditCommand::Log { limit, json } => {
                let es = ar.audit_log(limit)?;
                if json {
                    print_json(&json::all::<_, json::AuditEntry>(es.clone()));
                } else {
                    for e in es {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            e.seq, e.at, e.actor, e.action, e.subject
                        );
                    }
                }
            }
        },
        _ => unreachable!("dispatched by cmd::run"),
    }
    Ok(Done::Ok)
}
