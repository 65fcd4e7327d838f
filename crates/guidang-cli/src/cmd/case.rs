//! 整理: `guidang case edit` and `guidang case material add|remove|move|replace`.

use guidang_api::core::{CancelFlag, Category};
use guidang_api::{AmendReport, Archive, CaseChange, Error};

use crate::args::{CaseAction, MaterialAction};
use crate::output::*;

/// `字段=新值` pairs of `--set`.
fn sets(raw: &[String]) -> Result<Vec<(String, String)>, Error> {
    raw.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(f, v)| (f.trim().to_string(), v.to_string()))
                .ok_or_else(|| {
                    Error::invalid(
                        "--set",
                        format!("“{s}”应写成 字段=新值，例如 --set case_name=张三参保登记"),
                    )
                })
        })
        .collect()
}

fn category(c: &str) -> Result<Category, Error> {
    Category::from_code(c.trim().trim_end_matches("材料")).ok_or_else(|| {
        Error::invalid(
            "--category",
            format!("材料类别“{c}”无效，可选值：证据性、程序性、结果性"),
        )
    })
}

/// Runs `guidang case edit|material …`.
pub(crate) fn run(
    ar: &mut Archive,
    action: CaseAction,
    cancel: &CancelFlag,
) -> Result<Done, Error> {
    let (case_no, change, operator, reason, json) = match action {
        CaseAction::Edit {
            case_no,
            set,
            operator,
            reason,
            json,
        } => (
            case_no,
            CaseChange::Set(sets(&set)?),
            operator,
            reason,
            json,
        ),
        CaseAction::Material { action } => match action {
            MaterialAction::Add {
                case_no,
                file,
                category: c,
                title,
                operator,
                reason,
                json,
            } => {
                let change = CaseChange::AddMaterial {
                    file,
                    category: category(&c)?,
                    title,
                };
                (case_no, change, operator, reason, json)
            }
            MaterialAction::Remove {
                case_no,
                seq,
                operator,
                reason,
                json,
            } => (
                case_no,
                CaseChange::RemoveMaterial { seq },
                operator,
                reason,
                json,
            ),
            MaterialAction::Move {
                case_no,
                seq,
                to,
                operator,
                reason,
                json,
            } => (
                case_no,
                CaseChange::MoveMaterial { seq, to },
                operator,
                reason,
                json,
            ),
            MaterialAction::Replace {
                case_no,
                seq,
                file,
                operator,
                reason,
                json,
            } => (
                case_no,
                CaseChange::ReplaceMaterial { seq, file },
                operator,
                reason,
                json,
            ),
        },
    };
    let r = ar.amend_case(&case_no, &change, &operator, &reason, cancel)?;
    if json {
        print_json(&r);
    } else {
        print_report(&r);
    }
    Ok(Done::Ok)
}

fn print_report(r: &AmendReport) {
    println!("已更正办件 {}（电子文件号 {}）", r.case_no, r.efile_no);
    for c in &r.changes {
        if c.field == "materials" {
            println!("  材料：{}\n    → {}", c.old, c.new);
        } else {
            println!("  {}：“{}” → “{}”", c.field, c.old, c.new);
        }
    }
    if let Some(p) = &r.previous_efile_no {
        println!("电子文件号由 {p} 改为 {}", r.efile_no);
    }
    for n in &r.notes {
        println!("注：{n}");
    }
    if let Some(k) = &r.superseded_package {
        println!("原归档信息包已保留在 {k}");
    }
    if r.previous_status.code() != "collected" {
        println!(
            "办件已由“{}”改回“已收集”：请重新固化（guidang package）、检测后再移交",
            r.previous_status.label()
        );
    }
}
