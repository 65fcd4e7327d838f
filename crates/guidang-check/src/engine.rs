//! The check engine: one package at a time from the single verification
//! pass, a bounded pool of workers across packages, and the checks that
//! concern a set of packages (serial numbers, foreign files on a carrier).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use guidang_core::{
    electronic_file_no, validate::validate_case, CancelFlag, DigestAlgo, Progress, Retention,
};
use guidang_package::folder::is_package_folder;
use guidang_package::metadata::Metadata;
use guidang_package::{verify_any_probed, Keyring, PackageForm, VerifyReport, METADATA_ENTRY};

use crate::antivirus::{Antivirus, ScanResult};
use crate::content::content_items;
use crate::items::{item, item_of_verify_code, ITEMS};
use crate::rows::Rows;
use crate::{opinion, BatchCheck, Finding, PackageCheck, Stage, Verdict};

/// What a package is expected to be (from the catalog at gd, from the batch
/// manifest at yj).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Package bytes.
    pub size: u64,
    /// Package digest.
    pub digest: String,
    /// Number of materials.
    pub materials: u32,
    /// Bytes of materials.
    pub bytes: u64,
    /// Digest of the package's `固化信息.xml`, when known (a batch
    /// manifest records it; it is how a folder package is matched).
    pub seal_digest: Option<String>,
}

/// What the audit log says (at gd, from the catalog).
#[derive(Debug, Clone, Default)]
pub struct AuditEvidence {
    /// Problems of the hash chain (empty: intact).
    pub chain_problems: Vec<String>,
    /// 电子文件号 → package digest recorded when it was sealed.
    pub sealed: HashMap<String, String>,
}

/// Everything a check needs besides the packages.
#[derive(Debug, Clone)]
pub struct CheckContext {
    /// Stage.
    pub stage: Stage,
    /// Trusted sealing keys.
    pub keyring: Keyring,
    /// Digest algorithm when a package has no readable seal.
    pub fallback_algo: DigestAlgo,
    /// Expected registrations by 电子文件号, with where they come from
    /// (`目录库登记` / `移交清单`).
    pub expected: Option<(String, HashMap<String, Expected>)>,
    /// Audit evidence.
    pub audit: Option<AuditEvidence>,
    /// Virus scanner.
    pub antivirus: Antivirus,
    /// Now (for "not in the future" checks).
    pub now: DateTime<FixedOffset>,
}

/// What the batch-level checks need to know of a package.
struct Key {
    efile_no: String,
    series: Option<(String, i32, String)>,
    piece_no: Option<u32>,
}

fn check_one(
    path: &Path,
    ctx: &CheckContext,
    scan: &ScanResult,
    cancel: &CancelFlag,
) -> (PackageCheck, Key) {
    let rep = verify_any_probed(path, &ctx.keyring, ctx.fallback_algo, cancel);
    let mut r = Rows::new(ctx.stage);
    for f in &rep.findings {
        r.fail(
            item_of_verify_code(f.code),
            f.message.clone(),
            f.entry.as_deref(),
        );
    }
    let unreadable = rep.findings.iter().any(|f| f.code.is_unreadable());
    let read_failure = rep.findings.iter().any(|f| f.code.is_read_failure());
    let stem = match rep.form {
        PackageForm::Zip => path.file_stem(),
        PackageForm::Folder => path.file_name(),
    }
    .map(|x| x.to_string_lossy().into_owned())
    .unwrap_or_default();
    let efile_no = rep
        .metadata
        .as_ref()
        .map(|m| m.case.efile_no.clone())
        .unwrap_or(stem);
    let key = Key {
        efile_no: efile_no.clone(),
        series: rep.metadata.as_ref().map(|m| {
            (
                m.case.item_code.clone(),
                m.case.year,
                m.case.retention.clone(),
            )
        }),
        piece_no: rep.metadata.as_ref().map(|m| m.case.piece_no),
    };
    if unreadable {
        for it in ITEMS {
            r.not_checked(it.no, "包无法读取，未能检查此项");
        }
    } else {
        match &rep.metadata {
            Some(m) => metadata_items(m, &rep, ctx, &mut r),
            None => {
                for no in ["1-2-1", "1-3-1", "2-2-2", "2-4-1", "3-3-1"] {
                    r.not_checked(no, "元数据无法读取，未能检查此项");
                }
            }
        }
        content_items(path, &rep, &mut r);
        virus_item(scan, &mut r);
    }
    expected_items(ctx, &rep, &efile_no, &mut r);
    audit_item(ctx, rep.package_digest.as_deref(), &efile_no, &mut r);
    r.not_checked("4-2-1", "检查单个包时不适用；检查整个载体或文件夹时检查");

    let findings = r.finish();
    let verdict = overall(findings.iter().map(|f| f.verdict));
    let check = PackageCheck {
        package: path.to_path_buf(),
        efile_no,
        stage: ctx.stage,
        package_digest: rep.package_digest.clone(),
        digest_algo: rep.digest_algo.clone(),
        size: rep.size,
        verdict,
        opinion: opinion(&findings),
        findings,
        read_failure,
    };
    (check, key)
}

/// 1-2-1, 1-3-1, 2-2-2, 2-4-1, 3-3-1: what the metadata says, checked as at
/// collection and against the content.
fn metadata_items(m: &Metadata, rep: &VerifyReport, ctx: &CheckContext, r: &mut Rows) {
    let c = &m.case;
    // 1-2-1: the same validation as at collection, on what the package says.
    let input = m.case_input();
    if let Err(errs) = validate_case(&input, None, ctx.now) {
        for e in errs.0 {
            r.fail(
                "1-2-1",
                format!("{}：{}", e.field, e.message),
                Some(METADATA_ENTRY),
            );
        }
    }
    match Retention::from_code(&c.retention) {
        Some(ret) => {
            let expected =
                electronic_file_no(&c.region, &c.fonds, &c.item_code, c.year, ret, c.piece_no);
            if expected != c.efile_no {
                r.fail(
                    "1-2-1",
                    format!(
                        "电子文件号 {} 与其组成要素不符（应为 {expected}）",
                        c.efile_no
                    ),
                    Some(METADATA_ENTRY),
                );
            }
        }
        None => r.fail(
            "1-2-1",
            format!("保管期限“{}”不在代码范围内", c.retention),
            Some(METADATA_ENTRY),
        ),
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&c.completed_at) {
        if chrono::Datelike::year(&t) != c.year {
            r.fail(
                "1-2-1",
                format!("年度 {} 与办结时间 {} 不符", c.year, c.completed_at),
                Some(METADATA_ENTRY),
            );
        }
    }
    // 1-3-1: recorded format against the content.
    for mm in &m.materials {
        // An empty file is reported under 2-3-1 and 3-2-1; its format is moot.
        if let Some(p) = rep.probes.iter().find(|p| p.name == mm.path && p.size > 0) {
            let base = p.name.rsplit('/').next().unwrap_or(&p.name);
            let fmt = guidang_core::sniff::detect(&p.head, base);
            if fmt != mm.format {
                r.fail(
                    "1-3-1",
                    format!(
                        "元数据记录的格式为“{}”，内容实为{}",
                        mm.format,
                        guidang_core::sniff::label(fmt)
                    ),
                    Some(&mm.path),
                );
            }
        }
    }
    // 2-2-2: 件内顺序号 1..n, no gaps or duplicates.
    let mut seqs: Vec<u32> = m.materials.iter().map(|x| x.seq).collect();
    seqs.sort_unstable();
    for (i, sq) in seqs.iter().enumerate() {
        if i > 0 && seqs[i - 1] == *sq {
            r.fail(
                "2-2-2",
                format!("件内顺序号 {sq} 重复"),
                Some(METADATA_ENTRY),
            );
        }
    }
    let mut want = 1;
    for sq in seqs
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
    {
        if sq != want {
            r.fail(
                "2-2-2",
                format!("件内顺序号不连续：缺少 {want}"),
                Some(METADATA_ENTRY),
            );
        }
        want = sq + 1;
    }
    // 2-4-1: scope.
    if !m.materials.iter().any(|x| x.category == "结果性") {
        r.fail(
            "2-4-1",
            "没有结果性材料；按归档范围，每个办件应有办理结果材料（如决定书、证照）",
            None,
        );
    }
    // 3-3-1: environment.
    match &m.environment {
        Some(e) if !e.software.trim().is_empty() && !e.platform.trim().is_empty() => {}
        _ => r.fail(
            "3-3-1",
            "元数据中没有记录形成文件的软硬件环境（<运行环境>）",
            Some(METADATA_ENTRY),
        ),
    }
}

/// 4-1-1: the virus scan of the package file.
fn virus_item(scan: &ScanResult, r: &mut Rows) {
    match scan {
        ScanResult::Clean => {}
        ScanResult::Infected(names) => r.fail(
            "4-1-1",
            format!("发现病毒：{}；请隔离该包并通知移交方", names.join("、")),
            None,
        ),
        ScanResult::Error(e) => r.warn("4-1-1", format!("病毒检查未能完成：{e}"), None),
        ScanResult::NoScanner => r.warn(
            "4-1-1",
            "未安装杀毒软件（ClamAV），未进行病毒检查；请安装 clamav 后重新检测",
            None,
        ),
    }
}

/// 1-5-2 and 2-1-1 against the registration or the transfer list.
fn expected_items(ctx: &CheckContext, rep: &VerifyReport, efile_no: &str, r: &mut Rows) {
    let digest = rep.package_digest.as_deref();
    match &ctx.expected {
        Some((source, map)) => match map.get(efile_no) {
            Some(e) if rep.form == PackageForm::Folder => folder_expected(e, rep, source, r),
            Some(e) => {
                if digest != Some(e.digest.as_str()) {
                    r.fail(
                        "1-5-2",
                        format!(
                            "包摘要与{source}不符（{source}：{}，实际：{}），包已被替换或改动",
                            e.digest,
                            digest.unwrap_or("无法计算")
                        ),
                        None,
                    );
                }
                if e.size != rep.size {
                    r.fail(
                        "2-1-1",
                        format!(
                            "包大小与{source}不符（{} 字节，实际 {} 字节）",
                            e.size, rep.size
                        ),
                        None,
                    );
                }
                materials_expected(e, rep, source, r);
            }
            None => r.fail(
                "1-5-2",
                format!("{source}中没有电子文件号为 {efile_no} 的包"),
                None,
            ),
        },
        None => {
            r.not_checked("2-1-1", "没有登记或移交清单可供比对");
            r.not_checked("1-5-2", "没有登记或移交清单可供比对");
        }
    }
}

/// 2-1-1: the materials' count and bytes against the expectation.
fn materials_expected(e: &Expected, rep: &VerifyReport, source: &str, r: &mut Rows) {
    if let Some(m) = &rep.metadata {
        let bytes: u64 = m.materials.iter().map(|x| x.size).sum();
        if m.materials.len() as u32 != e.materials || bytes != e.bytes {
            r.fail(
                "2-1-1",
                format!(
                    "材料 {} 件 {} 字节，与{source}的 {} 件 {} 字节不符",
                    m.materials.len(),
                    bytes,
                    e.materials,
                    e.bytes
                ),
                Some(METADATA_ENTRY),
            );
        }
    }
}

/// 1-5-2 and 2-1-1 of a folder package: its seal is the one the list
/// records (the seal carries every other file's digest and size, checked
/// by the verification), and its materials as many.
fn folder_expected(e: &Expected, rep: &VerifyReport, source: &str, r: &mut Rows) {
    match (&e.seal_digest, &rep.seal_digest) {
        (None, _) => r.fail(
            "1-5-2",
            format!("{source}没有记录这个包的固化信息摘要，无法确认文件夹形式的包就是{source}所列的包；请移交方用新版归档通重新组批"),
            Some(guidang_package::SEAL_ENTRY),
        ),
        (Some(want), Some(got)) if want == got => {}
        (Some(want), got) => r.fail(
            "1-5-2",
            format!(
                "固化信息摘要与{source}不符（{source}：{want}，实际：{}），包已被替换或改动",
                got.as_deref().unwrap_or("无法计算")
            ),
            Some(guidang_package::SEAL_ENTRY),
        ),
    }
    materials_expected(e, rep, source, r);
}

/// 4-3-1: the audit chain and the sealing record of the package.
fn audit_item(ctx: &CheckContext, digest: Option<&str>, efile_no: &str, r: &mut Rows) {
    match &ctx.audit {
        Some(a) => {
            for p in &a.chain_problems {
                r.fail("4-3-1", format!("审计日志链断裂：{p}"), None);
            }
            match a.sealed.get(efile_no) {
                None => r.fail(
                    "4-3-1",
                    "审计日志中没有该包的固化记录，包不是经本系统固化的",
                    None,
                ),
                Some(d) if digest != Some(d.as_str()) => r.fail(
                    "4-3-1",
                    "审计日志记录的包摘要与实际不符，包在固化后被替换",
                    None,
                ),
                Some(_) => {}
            }
        }
        None => r.not_checked(
            "4-3-1",
            "接收方没有移交方的审计日志，由移交清单的签名链证明移交过程",
        ),
    }
}

/// Files in a carrier or folder that are part of a transfer besides the
/// packages, in either carrier layout (`guidang_core::layout`); the
/// carrier audit then holds each carrier to its own layout.
fn allowed_on_carrier(rel: &str) -> bool {
    guidang_core::layout::Layout::ALL
        .iter()
        .any(|l| l.allows(rel))
        || rel.ends_with(".zip") && !rel.contains("/其他/")
}

/// Checks packages: each path is a package, or a folder/carrier whose
/// `.zip` files are checked and whose other files are judged by 4-2-1.
/// Runs a bounded pool (one worker per core), reporting progress per package.
/// Phases: gather the files → check each → numbers across the set (2-2-2)
/// → read-back on a carrier (4-2-1) → verdict and opinion.
pub fn check_packages(
    paths: &[PathBuf],
    ctx: &CheckContext,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> std::io::Result<BatchCheck> {
    let (files, mut batch, carrier) = gather(paths, ctx)?;
    let (mut packages, keys) = check_each(&files, ctx, progress, cancel)?;
    duplicate_numbers(&mut packages, &keys);
    batch.extend(series_gaps(&keys, ctx));
    if carrier {
        read_back(&mut packages, ctx);
    }
    let verdict = overall(
        packages
            .iter()
            .map(|p| p.verdict)
            .chain(batch.iter().map(|f| f.verdict)),
    );
    let opinion = batch_opinion(&packages, &batch, verdict);
    Ok(BatchCheck {
        stage: ctx.stage,
        checked_at: ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        packages,
        batch_findings: batch,
        verdict,
        opinion,
        summary: None,
    })
}

/// The packages to check, the 4-2-1 findings on foreign files of a carrier,
/// and whether any path was a folder (a carrier).
fn gather(
    paths: &[PathBuf],
    ctx: &CheckContext,
) -> std::io::Result<(Vec<PathBuf>, Vec<Finding>, bool)> {
    let mut files = Vec::new();
    let mut batch = Vec::new();
    let mut carrier = false;
    for p in paths {
        if is_package_folder(p) {
            files.push(p.clone());
        } else if p.is_dir() {
            carrier = true;
            let mut folders = PackageFolders::default();
            // Links are listed, never followed: a link on a medium is a
            // foreign entry, and a link loop cannot make the walk endless.
            for rel in guidang_core::fsutil::walk_files(p, |_| false)? {
                // A file of a package folder is the folder's verifier's.
                if folders.holds(p, &rel) {
                    continue;
                }
                // Only regular files are ever opened: a link, FIFO, device
                // or socket on a medium is a foreign entry (a FIFO named
                // `.zip` would otherwise hang the check).
                let is_link =
                    !std::fs::symlink_metadata(p.join(&rel)).is_ok_and(|m| m.file_type().is_file());
                if !is_link
                    && rel.ends_with(".zip")
                    && !rel.contains("/其他/")
                    && !rel.starts_with("其他/")
                {
                    files.push(p.join(&rel));
                } else if is_link
                    || (!allowed_on_carrier(&rel)
                        && !guidang_core::fsutil::is_volume_system_path(&rel))
                {
                    let v = set_problem(ctx.stage);
                    batch.push(finding(
                        ctx.stage,
                        "4-2-1",
                        v,
                        crate::FOREIGN_FILE.into(),
                        Some(rel),
                    ));
                }
            }
            files.extend(folders.found.into_iter().map(|d| p.join(d)));
        } else if p.exists() {
            files.push(p.clone());
        } else {
            // The message is the path alone: callers word the error.
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                p.display().to_string(),
            ));
        }
    }
    Ok((files, batch, carrier))
}

/// The package folders below a root (outside `其他/`), found as the walk
/// meets their files: a file belongs to the outermost folder above it that
/// holds `固化信息.xml` or `元数据.xml`.
#[derive(Default)]
struct PackageFolders {
    /// Folder (relative) → whether it is a package folder.
    known: HashMap<String, bool>,
    /// The package folders, in the order found.
    found: Vec<String>,
}

impl PackageFolders {
    /// Whether `rel` (a file below `root`) is inside a package folder.
    fn holds(&mut self, root: &Path, rel: &str) -> bool {
        if rel.starts_with("其他/") {
            return false;
        }
        let mut at = 0;
        while let Some(i) = rel[at..].find('/') {
            let dir = &rel[..at + i];
            at += i + 1;
            let is = match self.known.get(dir) {
                Some(b) => *b,
                None => {
                    let b = is_package_folder(&root.join(dir));
                    self.known.insert(dir.to_string(), b);
                    if b {
                        self.found.push(dir.to_string());
                    }
                    b
                }
            };
            if is {
                return true;
            }
        }
        false
    }
}

/// Scans for viruses, then checks every package on the pool.
fn check_each(
    files: &[PathBuf],
    ctx: &CheckContext,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> std::io::Result<(Vec<PackageCheck>, Vec<Key>)> {
    let total = files.len() as u64;
    progress.report(0, total, "正在检查病毒");
    let scans = ctx.antivirus.scan_many(files);
    progress.report(0, total, "正在检测");
    let mut results: Vec<Option<(PackageCheck, Key)>> = (0..files.len()).map(|_| None).collect();
    let mut done = 0;
    guidang_core::pool::run(
        files.len(),
        cancel,
        |i| check_one(&files[i], ctx, &scans[i], cancel),
        |i, r| {
            done += 1;
            progress.report(done, total, &r.0.efile_no);
            results[i] = Some(r);
        },
    );
    if cancel.is_cancelled() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "检测已取消",
        ));
    }
    let (packages, keys): (Vec<PackageCheck>, Vec<Key>) = results
        .into_iter()
        .map(|r| r.expect("every package checked"))
        .unzip();
    Ok((packages, keys))
}

/// 2-2-2 across the set: an electronic file number given to two packages.
fn duplicate_numbers(packages: &mut [PackageCheck], keys: &[Key]) {
    let mut by_efile: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        by_efile.entry(k.efile_no.as_str()).or_default().push(i);
    }
    for (ef, idx) in &by_efile {
        if idx.len() > 1 {
            for &i in idx {
                let others: Vec<String> = idx
                    .iter()
                    .filter(|j| **j != i)
                    .map(|j| packages[*j].package.display().to_string())
                    .collect();
                push(
                    &mut packages[i],
                    "2-2-2",
                    Verdict::Fail,
                    format!("电子文件号 {ef} 重复，另见 {}", others.join("、")),
                    None,
                );
            }
        }
    }
}

/// 2-2-2 across the set: gaps in the piece numbers (件号) of a series.
fn series_gaps(keys: &[Key], ctx: &CheckContext) -> Vec<Finding> {
    let mut batch = Vec::new();
    let mut series: BTreeMap<(String, i32, String), Vec<u32>> = BTreeMap::new();
    for k in keys {
        if let (Some(s), Some(n)) = (&k.series, k.piece_no) {
            series.entry(s.clone()).or_default().push(n);
        }
    }
    for ((item_code, year, ret), mut nos) in series {
        nos.sort_unstable();
        nos.dedup();
        let missing: Vec<String> = (nos[0]..=*nos.last().expect("non-empty"))
            .filter(|n| nos.binary_search(n).is_err())
            .map(|n| format!("{n:06}"))
            .collect();
        if !missing.is_empty() {
            let v = set_problem(ctx.stage);
            batch.push(finding(
                ctx.stage,
                "2-2-2",
                v,
                format!(
                    "事项 {item_code} {year} 年 {ret} 的件号不连续，缺少 {}；请核对是否有办件漏交",
                    missing.join("、")
                ),
                None,
            ));
        }
    }
    batch
}

/// 4-2-1 for a carrier: every package was read back completely.
fn read_back(packages: &mut [PackageCheck], ctx: &CheckContext) {
    for p in packages.iter_mut() {
        let read_ok = !p.read_failure;
        p.findings.retain(|f| !f.item.ends_with("-4-2-1"));
        let (v, reason) = if read_ok {
            (Verdict::Pass, None)
        } else {
            (Verdict::Fail, Some("载体上的包不能完整读出".to_string()))
        };
        p.findings.push(Finding {
            item: format!("{}-4-2-1", ctx.stage.prefix()),
            title: item("4-2-1").title.into(),
            verdict: v,
            reason,
            entry: None,
        });
        resummarise(p);
    }
}

/// The check opinion in words: which packages failed, how many batch
/// problems.
fn batch_opinion(packages: &[PackageCheck], batch: &[Finding], verdict: Verdict) -> String {
    let failed = packages
        .iter()
        .filter(|p| p.verdict == Verdict::Fail)
        .count();
    if verdict == Verdict::Fail {
        let names: Vec<&str> = packages
            .iter()
            .filter(|p| p.verdict == Verdict::Fail)
            .take(3)
            .map(|p| p.efile_no.as_str())
            .collect();
        let mut s = format!("不合格：{} 个包中 {failed} 个不合格", packages.len());
        if !names.is_empty() {
            s.push_str(&format!(
                "（{}{}）",
                names.join("、"),
                if failed > 3 { " 等" } else { "" }
            ));
        }
        if batch.iter().any(|f| f.verdict == Verdict::Fail) {
            s.push_str(&format!(
                "；另有 {} 项批次问题",
                batch.iter().filter(|f| f.verdict == Verdict::Fail).count()
            ));
        }
        s
    } else {
        format!("合格（共 {} 个包）", packages.len())
    }
}

/// The overall verdict: the worst, where not-checked counts as pass.
fn overall(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    verdicts
        .filter(|v| *v != Verdict::NotChecked)
        .max()
        .unwrap_or(Verdict::Pass)
}

/// How serious a problem of a whole set is: a failure at receipt, a
/// warning at archiving (where gaps can be legitimate, e.g. cases pending).
fn set_problem(stage: Stage) -> Verdict {
    if stage == Stage::Yj {
        Verdict::Fail
    } else {
        Verdict::Warn
    }
}

/// A finding of item `no` (e.g. `2-1-1`) at `stage`.
pub fn finding(
    stage: Stage,
    no: &str,
    verdict: Verdict,
    reason: String,
    entry: Option<String>,
) -> Finding {
    Finding {
        item: format!("{}-{no}", stage.prefix()),
        title: item(no).title.into(),
        verdict,
        reason: Some(reason),
        entry,
    }
}

/// Adds a finding of item `no` to a package's check (replacing a pass, or a
/// "not checked", of the same item; never listing one problem twice) and
/// re-derives its verdict and opinion.
pub fn push(p: &mut PackageCheck, no: &str, v: Verdict, reason: String, entry: Option<String>) {
    let code = format!("{}-{no}", p.stage.prefix());
    let same_item = |f: &Finding| f.item == code;
    if v == Verdict::NotChecked
        && p.findings
            .iter()
            .any(|f| same_item(f) && f.verdict != Verdict::Pass)
    {
        return;
    }
    p.findings.retain(|f| {
        !(same_item(f)
            && (f.verdict == Verdict::Pass
                || (v != Verdict::NotChecked && f.verdict == Verdict::NotChecked)))
    });
    let new = finding(p.stage, no, v, reason, entry);
    if !p.findings.iter().any(|f| {
        f.item == new.item
            && f.verdict == new.verdict
            && f.reason == new.reason
            && f.entry == new.entry
    }) {
        p.findings.push(new);
    }
    resummarise(p);
}

fn resummarise(p: &mut PackageCheck) {
    let order = |f: &Finding| {
        ITEMS
            .iter()
            .position(|i| f.item.ends_with(i.no))
            .unwrap_or(usize::MAX)
    };
    p.findings.sort_by_key(order);
    p.verdict = overall(p.findings.iter().map(|f| f.verdict));
    p.opinion = opinion(&p.findings);
}
