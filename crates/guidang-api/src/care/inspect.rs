//! Routine inspection (日常检查), in phases: the catalog and the audit chain,
//! the inventory of files that must be there, every stored file against its
//! digest, every package (digest and seal), repair from a backup, leftovers
//! of interrupted runs, and the dated report (JSON, PDF, catalog row).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use guidang_catalog::packages::PackageRow;
use guidang_catalog::{audit, care, cases, intake, packages};
use guidang_collect::Store;
use guidang_core::fsutil::rel_path;
use guidang_core::oserror::Os;
use guidang_core::{CancelFlag, DigestAlgo, Progress};
use guidang_transfer::write::{copy_verified, Source, WriteError};

use super::restore::remove_restore_leftovers;
use super::*;
use crate::{Archive, Error, Result, CATALOG_FILE};

/// A file that must be in the data directory, with the digest it must have.
struct Expected {
    kind: String,
    rel: String,
    digest: String,
    size: u64,
}

/// What the inspection covers: the files to hash and the packages kept.
struct Inventory {
    files: Vec<Expected>,
    live: Vec<PackageRow>,
    materials: usize,
    holdings: usize,
}

/// Progress shared by the two reading passes (files, then packages).
struct Pass<'a> {
    progress: &'a dyn Progress,
    cancel: &'a CancelFlag,
    done: u64,
    total: u64,
}

/// What the inspection found and did, for the report.
struct Findings {
    damage: Vec<Damage>,
    cleaned: Vec<String>,
    unregistered: Vec<String>,
    backup: Option<PathBuf>,
}

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
        let mut damage = self.check_catalog()?;
        let mut inv = self.inventory(&store)?;
        let mut pass = Pass {
            progress,
            cancel,
            done: 0,
            total: (inv.files.len() + inv.live.len()) as u64,
        };
        damage.extend(self.check_files(&inv.files, algo, &mut pass)?);
        damage.extend(self.check_packages(&inv.live, &mut inv.files, algo, &mut pass)?);
        let backup = self.repair(backup, &mut damage, &inv.files, algo, cancel)?;
        self.remove_destroyed_leftovers(&inv.live, &mut damage)?;
        let cleaned = self.clean_interrupted_runs()?;
        let unregistered = self.unregistered_packages()?;
        let found = Findings {
            damage,
            cleaned,
            unregistered,
            backup,
        };
        let (report, json, stamp) = self.write_report(actor, &unit.unit_name, &inv, found)?;
        self.record_report(actor, &report, &json, &stamp)?;
        Ok(report)
    }

    /// The catalog itself: SQLite's integrity check, then the audit chain.
    fn check_catalog(&self) -> Result<Vec<Damage>> {
        let mut damage = Vec::new();
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
        Ok(damage)
    }

    /// The stored materials and accepted packages, each with its digest, and
    /// the packages kept.
    fn inventory(&self, store: &Store) -> Result<Inventory> {
        let mut files = Vec::new();
        let blobs = care::live_blobs(self.cat.db())?;
        for b in &blobs {
            files.push(Expected {
                kind: "material".into(),
                rel: rel_path(&store.blob_path(&b.digest), &self.dir),
                digest: b.digest.clone(),
                size: b.size,
            });
        }
        let live = packages::list_kept(self.cat.db())?;
        let holdings = intake::holdings_kept(self.cat.db())?;
        for h in &holdings {
            files.push(Expected {
                kind: "holding".into(),
                rel: h.path.clone(),
                digest: h.digest.clone(),
                size: h.size,
            });
        }
        Ok(Inventory {
            files,
            live,
            materials: blobs.len(),
            holdings: holdings.len(),
        })
    }

    /// Every file read once to hash it, in parallel; the damaged ones.
    fn check_files(
        &self,
        files: &[Expected],
        algo: DigestAlgo,
        pass: &mut Pass<'_>,
    ) -> Result<Vec<Damage>> {
        let dir = &self.dir;
        let mut problems: Vec<Option<String>> = vec![None; files.len()];
        guidang_core::pool::run(
            files.len(),
            pass.cancel,
            |i| {
                let Expected {
                    rel, digest, size, ..
                } = &files[i];
                let path = dir.join(rel);
                if path.is_dir() {
                    return folder_problem(&path, algo, digest, *size, pass.cancel);
                }
                match hash_file(&path, algo) {
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
                pass.done += 1;
                pass.progress.report(pass.done, pass.total, &files[i].rel);
                problems[i] = problem;
            },
        );
        if pass.cancel.is_cancelled() {
            return Err(Error::Medium(WriteError::Cancelled));
        }
        let mut damage = Vec::new();
        for (f, problem) in files.iter().zip(problems) {
            if let Some(problem) = problem {
                damage.push(Damage {
                    kind: f.kind.clone(),
                    path: Some(f.rel.clone()),
                    problem,
                    repaired: false,
                });
            }
        }
        Ok(damage)
    }

    /// Every package's digest and seal in one read each, in parallel; the
    /// damaged ones are added to `files` with their expected digest, for repair.
    fn check_packages(
        &self,
        live: &[PackageRow],
        files: &mut Vec<Expected>,
        algo: DigestAlgo,
        pass: &mut Pass<'_>,
    ) -> Result<Vec<Damage>> {
        let keyring = self.keyring()?;
        let cancel = pass.cancel;
        let paths: Vec<PathBuf> = live.iter().map(|p| self.dir.join(&p.path)).collect();
        let mut reports: Vec<Option<guidang_package::VerifyReport>> = vec![None; paths.len()];
        guidang_core::pool::run(
            paths.len(),
            cancel,
            |i| guidang_package::verify_package(&paths[i], &keyring, algo, cancel),
            |i, r| {
                pass.done += 1;
                pass.progress
                    .report(pass.done, pass.total, &live[i].efile_no);
                reports[i] = Some(r);
            },
        );
        if cancel.is_cancelled() {
            return Err(Error::Medium(WriteError::Cancelled));
        }
        let mut damage = Vec::new();
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
                files.push(Expected {
                    kind: "package".into(),
                    rel: p.path.clone(),
                    digest: p.digest.clone(),
                    size: p.size,
                });
            }
        }
        Ok(damage)
    }

    /// Repairs damaged files from a backup holding the right content; the
    /// backup used (`backup`, else the latest), if it has objects.
    fn repair(
        &self,
        backup: Option<&Path>,
        damage: &mut [Damage],
        files: &[Expected],
        algo: DigestAlgo,
        cancel: &CancelFlag,
    ) -> Result<Option<PathBuf>> {
        let backup_root = match backup {
            Some(b) => Some(backup_unit_root(b).unwrap_or_else(|_| b.to_path_buf())),
            None => care::last_backup(self.cat.db())?.map(|b| PathBuf::from(b.dest)),
        }
        .filter(|r| r.join("objects").is_dir());
        if let Some(root) = &backup_root {
            let expected: HashMap<&str, (&str, u64)> = files
                .iter()
                .map(|f| (f.rel.as_str(), (f.digest.as_str(), f.size)))
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
        Ok(backup_root)
    }

    /// What an interrupted destruction left behind (registered destroyed,
    /// content still on disk) is removed now, as the destruction promised.
    fn remove_destroyed_leftovers(
        &self,
        live: &[PackageRow],
        damage: &mut Vec<Damage>,
    ) -> Result<()> {
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
                super::retention::remove_holding(&path)
                    .map_err(|source| Error::DataDir { path, source })?;
                damage.push(leftover(&h.path));
            }
        }
        Ok(())
    }

    /// Removes what interrupted runs left (work files, restore staging);
    /// the paths removed.
    fn clean_interrupted_runs(&self) -> Result<Vec<String>> {
        let mut cleaned = self.remove_stale_work_files()?;
        if let (Some(parent), Some(name)) = (self.dir.parent(), self.dir.file_name()) {
            let removed = remove_restore_leftovers(parent, &name.to_string_lossy())?;
            cleaned.extend(removed.iter().map(|p| p.display().to_string()));
        }
        Ok(cleaned)
    }

    /// Package files on disk that the catalog does not register: listed only.
    fn unregistered_packages(&self) -> Result<Vec<String>> {
        let registered: std::collections::HashSet<String> = packages::list(self.cat.db())?
            .into_iter()
            .map(|p| p.path)
            .collect();
        let pkg_root = self.dir.join("packages");
        Ok(if pkg_root.is_dir() {
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
        })
    }

    /// The dated report, written atomically as JSON and PDF under
    /// `inspections/{时间}/`; with its JSON bytes and the stamp.
    fn write_report(
        &self,
        actor: &str,
        unit_name: &str,
        inv: &Inventory,
        found: Findings,
    ) -> Result<(InspectionReport, Vec<u8>, String)> {
        let at = guidang_catalog::now_string();
        let stamp = chrono::Utc::now()
            .with_timezone(&guidang_core::validate::cst())
            .format("%Y%m%dT%H%M%S")
            .to_string();
        let out = self.dir.join("inspections").join(&stamp);
        let report_json = out.join("日常检查报告.json");
        let report_pdf = out.join("日常检查报告.pdf");
        let report = InspectionReport {
            inspected_at: at,
            inspected_by: actor.into(),
            verdict: if found.damage.is_empty() {
                "sound"
            } else {
                "damaged"
            }
            .into(),
            materials: inv.materials,
            packages: inv.live.len(),
            holdings: inv.holdings,
            damage: found.damage,
            cleaned: found.cleaned,
            unregistered: found.unregistered,
            backup: found.backup,
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
        let pdf = inspection_pdf(&report, unit_name).map_err(|e| Error::Check(e.to_string()))?;
        guidang_core::fsutil::write_atomic(&report_pdf, &pdf).map_err(|source| Error::DataDir {
            path: report_pdf.clone(),
            source,
        })?;
        Ok((report, json, stamp))
    }

    /// Records the inspection in the catalog and the audit log, in one
    /// transaction.
    fn record_report(
        &mut self,
        actor: &str,
        report: &InspectionReport,
        json: &[u8],
        stamp: &str,
    ) -> Result<()> {
        let repaired = report.damage.iter().filter(|d| d.repaired).count() as u32;
        self.cat.transaction(|tx| -> Result<()> {
            care::record_inspection(
                tx,
                &care::InspectionRow {
                    inspected_at: report.inspected_at.clone(),
                    inspected_by: actor.into(),
                    verdict: report.verdict.clone(),
                    checked: (report.materials + report.packages + report.holdings) as u32,
                    damaged: report.damage.len() as u32,
                    repaired,
                    report: String::from_utf8_lossy(json).into_owned(),
                },
            )?;
            audit::append(
                tx,
                actor,
                "inspect",
                stamp,
                &serde_json::json!({"verdict": report.verdict, "damaged": report.damage.len(), "repaired": repaired}),
            )?;
            Ok(())
        })
    }
}

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

/// What is wrong with a holding kept as a folder (an unpacked package):
/// every file against its seal, and the seal against the digest recorded
/// at intake. The seal's signer is not judged here (it was at intake).
fn folder_problem(
    path: &std::path::Path,
    algo: DigestAlgo,
    digest: &str,
    size: u64,
    cancel: &CancelFlag,
) -> Option<String> {
    let rep = guidang_package::verify_folder(path, &Default::default(), algo, cancel);
    let problems: Vec<String> = rep
        .findings
        .iter()
        .filter(|f| f.code != guidang_package::Code::SealUntrustedKey)
        .take(3)
        .map(|f| match &f.entry {
            Some(e) => format!("{e}：{}", f.message),
            None => f.message.clone(),
        })
        .collect();
    if !problems.is_empty() {
        return Some(problems.join("；"));
    }
    match rep.seal_digest {
        Some(d) if d == digest && rep.size == size => None,
        Some(d) => Some(format!(
            "固化信息与登记的摘要不符（应为 {digest}，实为 {d}），或大小不符"
        )),
        None => Some("固化信息无法读取".into()),
    }
}
