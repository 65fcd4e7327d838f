//! Routine inspection (日常检查): every stored file against its digest, the
//! audit chain, the catalog, repair from a backup, and the report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use guidang_catalog::{audit, care, cases, intake, packages};
use guidang_core::fsutil::rel_path;
use guidang_core::oserror::Os;
use guidang_core::{CancelFlag, Progress};
use guidang_transfer::write::{copy_verified, Source, WriteError};

use super::restore::remove_restore_leftovers;
use super::*;
use crate::{Archive, Error, Result, CATALOG_FILE};

impl Archive {
    /// Routine inspection: every stored material and package (digest and
    /// seal), every accepted package, the audit chain and SQLite's
    /// integrity check; damaged files are repaired from the latest backup
    /// (or `backup`) when it holds a good copy. Records a dated report.
    pub fn inspect(
        &mut self,
        backup: Option<&Path>,
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<InspectionReport> {
        let unit = self.unit()?;
        let algo = unit.suite.digest();
        let store = self.store()?;
        let mut damage = Vec::new();
        // The catalog itself.
        for p in care::integrity_check(self.cat.db())? {
            damage.push(Damage {
                kind: "catalog".into(),
                path: Some(CATALOG_FILE.into()),
                problem: format!("SQLite 完整性检查：{p}"),
                repaired: false,
            });
        }
        let chain = audit::verify(self.cat.db())?;
        for p in &chain.problems {
            damage.push(Damage {
                kind: "audit".into(),
                path: None,
                problem: format!("审计日志第 {} 条：{}", p.seq, p.message),
                repaired: false,
            });
        }
        // Files, each with the digest it must have.
        let mut files: Vec<(String, String, String, u64)> = Vec::new(); // kind, rel, digest, size
        let blobs = care::live_blobs(self.cat.db())?;
        for b in &blobs {
            files.push((
                "material".into(),
                rel_path(&store.blob_path(&b.digest), &self.dir),
                b.digest.clone(),
                b.size,
            ));
        }
        let live = packages::list_kept(self.cat.db())?;
        let holdings = intake::holdings_kept(self.cat.db())?;
        for h in &holdings {
            files.push(("holding".into(), h.path.clone(), h.digest.clone(), h.size));
        }
        let total = (files.len() + live.len()) as u64;
        let mut done = 0u64;
        // Files: each read once to hash it, in parallel.
        let mut problems: Vec<Option<String>> = vec![None; files.len()];
        guidang_core::pool::run(
            files.len(),
            cancel,
            |i| {
                let (_, r, digest, size) = &files[i];
                match hash_file(&self.dir.join(r), algo) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        Some("文件缺失".to_string())
                    }
                    Err(e) => Some(format!("无法读取：{}", Os(&e))),
                    Ok((d, n)) if d != *digest || n != *size => {
                        Some(format!("内容与登记的摘要不符（应为 {digest}，实为 {d}）"))
                    }
                    Ok(_) => None,
                }
            },
            |i, problem| {
                done += 1;
                progress.report(done, total, &files[i].1);
                problems[i] = problem;
            },
        );
        if cancel.is_cancelled() {
            return Err(Error::Medium(WriteError::Cancelled));
        }
        for ((kind, r, _, _), problem) in files.iter().zip(problems) {
            if let Some(problem) = problem {
                damage.push(Damage {
                    kind: kind.clone(),
                    path: Some(r.clone()),
                    problem,
                    repaired: false,
                });
            }
        }
        // Packages: digest and seal in one read each, in parallel.
        let keyring = self.keyring()?;
        let paths: Vec<PathBuf> = live.iter().map(|p| self.dir.join(&p.path)).collect();
        let mut reports: Vec<Option<guidang_package::VerifyReport>> = vec![None; paths.len()];
        guidang_core::pool::run(
            paths.len(),
            cancel,
            |i| guidang_package::verify_package(&paths[i], &keyring, algo, cancel),
            |i, r| {
                done += 1;
                progress.report(done, total, &live[i].efile_no);
                reports[i] = Some(r);
            },
        );
        if cancel.is_cancelled() {
            return Err(Error::Medium(WriteError::Cancelled));
        }
        for (p, r) in live.iter().zip(reports) {
            let r = r.expect("every package verified");
            let mut problems: Vec<String> = r.findings.iter().map(|f| f.message.clone()).collect();
            if r.package_digest.as_deref() != Some(p.digest.as_str()) {
                problems.insert(0, "包的摘要与登记的不符".into());
            }
            if !problems.is_empty() {
                damage.push(Damage {
                    kind: "package".into(),
                    path: Some(p.path.clone()),
                    problem: problems.join("；"),
                    repaired: false,
                });
                // The expected digest, for repair.
                files.push(("package".into(), p.path.clone(), p.digest.clone(), p.size));
            }
        }
        // Repair from a backup holding the right content.
        let backup_root = match backup {
            Some(b) => Some(backup_unit_root(b).unwrap_or_else(|_| b.to_path_buf())),
            None => care::last_backup(self.cat.db())?.map(|b| PathBuf::from(b.dest)),
        }
        .filter(|r| r.join("objects").is_dir());
        if let Some(root) = &backup_root {
            let expected: HashMap<&str, (&str, u64)> = files
                .iter()
                .map(|(_, r, d, s)| (r.as_str(), (d.as_str(), *s)))
                .collect();
            for d in damage.iter_mut() {
                let Some((digest, size)) = d.path.as_deref().and_then(|p| expected.get(p)) else {
                    continue;
                };
                let obj = object_path(root, digest);
                if !obj.is_file() {
                    continue;
                }
                let target = self.dir.join(d.path.as_deref().expect("a path"));
                let s = Source {
                    rel: d.path.clone().unwrap_or_default(),
                    src: obj,
                    size: *size,
                    digest: digest.to_string(),
                };
                if copy_verified(&s, &target, algo, cancel).is_ok() {
                    d.repaired = true;
                }
            }
        }
        // What an interrupted destruction left behind (registered destroyed,
        // content still on disk) is removed now, as the destruction promised.
        let kept: std::collections::HashSet<&str> = live.iter().map(|p| p.path.as_str()).collect();
        for p in packages::list(self.cat.db())? {
            if !kept.contains(p.path.as_str()) && self.dir.join(&p.path).exists() {
                if let Some(d) = cases::detail(self.cat.db(), &p.case_no)? {
                    self.remove_content(&d)?;
                    damage.push(leftover(&p.path));
                }
            }
        }
        for h in intake::holdings(self.cat.db())? {
            let path = self.dir.join(&h.path);
            if h.destroyed_at.is_some() && path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::DataDir { path, source })?;
                damage.push(leftover(&h.path));
            }
        }
        // What interrupted runs left: removed, or (package files) listed.
        let mut cleaned = self.remove_stale_work_files()?;
        if let (Some(parent), Some(name)) = (self.dir.parent(), self.dir.file_name()) {
            let removed = remove_restore_leftovers(parent, &name.to_string_lossy())?;
            cleaned.extend(removed.iter().map(|p| p.display().to_string()));
        }
        let registered: std::collections::HashSet<String> = packages::list(self.cat.db())?
            .into_iter()
            .map(|p| p.path)
            .collect();
        let pkg_root = self.dir.join("packages");
        let unregistered: Vec<String> = if pkg_root.is_dir() {
            guidang_core::fsutil::walk_files(&pkg_root, |r| r == "superseded")
                .map_err(|source| Error::DataDir {
                    path: pkg_root.clone(),
                    source,
                })?
                .into_iter()
                .map(|r| format!("packages/{r}"))
                .filter(|r| r.ends_with(".zip") && !registered.contains(r))
                .collect()
        } else {
            Vec::new()
        };
        // The dated report.
        let at = guidang_catalog::now_string();
        let stamp = chrono::Utc::now()
            .with_timezone(&guidang_core::validate::cst())
            .format("%Y%m%dT%H%M%S")
            .to_string();
        let out = self.dir.join("inspections").join(&stamp);
        let report_json = out.join("日常检查报告.json");
        let report_pdf = out.join("日常检查报告.pdf");
        let report = InspectionReport {
            inspected_at: at.clone(),
            inspected_by: actor.into(),
            verdict: if damage.is_empty() {
                "sound"
            } else {
                "damaged"
            }
            .into(),
            materials: blobs.len(),
            packages: live.len(),
            holdings: holdings.len(),
            damage,
            cleaned,
            unregistered,
            backup: backup_root,
            report_json: report_json.clone(),
            report_pdf: report_pdf.clone(),
        };
        let json = serde_json::to_vec_pretty(&report).expect("json");
        guidang_core::fsutil::write_atomic(&report_json, &json).map_err(|source| {
            Error::DataDir {
                path: report_json.clone(),
                source,
            }
        })?;
        let pdf =
            inspection_pdf(&report, &unit.unit_name).map_err(|e| Error::Check(e.to_string()))?;
        guidang_core::fsutil::write_atomic(&report_pdf, &pdf).map_err(|source| Error::DataDir {
            path: report_pdf.clone(),
            source,
        })?;
        let repaired = report.damage.iter().filter(|d| d.repaired).count() as u32;
        self.cat.transaction(|tx| -> Result<()> {
            care::record_inspection(
                tx,
                &care::InspectionRow {
                    inspected_at: at.clone(),
                    inspected_by: actor.into(),
                    verdict: report.verdict.clone(),
                    checked: (report.materials + report.packages + report.holdings) as u32,
                    damaged: report.damage.len() as u32,
                    repaired,
                    report: String::from_utf8_lossy(&json).into_owned(),
                },
            )?;
            audit::append(
                tx,
                actor,
                "inspect",
                &stamp,
                &serde_json::json!({"verdict": report.verdict, "damaged": report.damage.len(), "repaired": repaired}),
            )?;
            Ok(())
        })?;
        Ok(report)
    }
}

/// Why a record cannot be destroyed today, if it cannot.
/// A finding of routine inspection: content of a destroyed record was
/// still on disk and has now been removed.
fn leftover(path: &str) -> Damage {
    Damage {
        kind: "destroyed".into(),
        path: Some(path.into()),
        problem: "已鉴定销毁，但文件仍在（销毁曾中断）：已删除".into(),
        repaired: true,
    }
}

fn inspection_pdf(r: &InspectionReport, unit: &str) -> Result<Vec<u8>, guidang_pdf::PdfError> {
    use guidang_pdf::{render, Block, Column};
    let mut blocks = vec![
        Block::Title("电子档案日常检查报告".into()),
        Block::Text(format!("单位：{unit}　　检查时间：{}　　检查人：{}", r.inspected_at, r.inspected_by)),
        Block::Text(format!(
            "检查范围：材料文件 {} 个，归档信息包 {} 个（摘要与固化签名），接收入库的包 {} 个，目录库完整性，审计日志链。",
            r.materials, r.packages, r.holdings
        )),
        Block::Text(if r.damage.is_empty() {
            "结论：全部完好。".into()
        } else {
            format!(
                "结论：发现 {} 处问题，其中 {} 处已从备份修复。",
                r.damage.len(),
                r.damage.iter().filter(|d| d.repaired).count()
            )
        }),
    ];
    if !r.damage.is_empty() {
        blocks.push(Block::Table {
            columns: vec![
                Column::new("序号", 12.0),
                Column::new("文件", 70.0),
                Column::new("问题", 70.0),
                Column::new("处理", 28.0),
            ],
            rows: r
                .damage
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    vec![
                        (i + 1).to_string(),
                        d.path.clone().unwrap_or_else(|| d.kind.clone()),
                        d.problem.clone(),
                        if d.repaired {
                            "已从备份修复".into()
                        } else {
                            "未修复".into()
                        },
                    ]
                })
                .collect(),
        });
    }
    if let Some(b) = &r.backup {
        blocks.push(Block::Text(format!("修复所用备份：{}", b.display())));
    }
    blocks.push(Block::Space(6.0));
    blocks.push(Block::Text(
        "检查人：＿＿＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
            .into(),
    ));
    render(
        "电子档案日常检查报告",
        &blocks,
        &format!(
            "日常检查报告 {}",
            &r.inspected_at[..10.min(r.inspected_at.len())]
        ),
    )
}
