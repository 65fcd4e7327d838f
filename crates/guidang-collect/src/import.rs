//! The collection run: discover, validate, store, register.

use guidang_core::oserror::Os;
use std::collections::BTreeMap;
use std::path::PathBuf;

use guidang_catalog::{audit, cases, settings, Catalog};
use guidang_core::{
    electronic_file_no, validate::validate_case, CancelFlag, CaseInput, CaseRecord, CaseStatus,
    Category, MaterialInput, Progress, UnitSettings,
};
use serde::Serialize;

use crate::names::{walk_case_folder, FoundFile, NameSource};
use crate::source::{discover, Found, CASE_FILE};
use crate::store::Store;
use crate::CollectError;

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// Replace the content of cases already collected (status collected or
    /// returned) when it differs; otherwise such a case is a conflict.
    pub replace: bool,
    /// Who runs the collection (for the audit log).
    pub actor: String,
}

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Newly registered.
    Added {
        /// Its 电子文件号.
        efile_no: String,
    },
    /// Already registered with the same content: nothing changed.
    Unchanged {
        /// Its 电子文件号.
        efile_no: String,
    },
    /// Content replaced (`--replace`).
    Replaced {
        /// Its 电子文件号.
        efile_no: String,
    },
    /// Refused; nothing stored for it.
    Rejected {
        /// Every problem, in Chinese.
        problems: Vec<String>,
    },
    /// Same 办件编号 as a stored case, different content.
    Conflict {
        /// What happened and how to resolve it.
        message: String,
    },
}

/// One case of a run.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    /// Where it came from.
    pub source: String,
    /// Its 办件编号, when readable.
    pub case_no: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Notes that did not stop it (e.g. GBK names converted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CollectReport {
    /// Every case, in discovery order.
    pub cases: Vec<CaseOutcome>,
}

impl CollectReport {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }
    /// Newly added cases.
    pub fn added(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Added { .. }))
    }
    /// Unchanged cases.
    pub fn unchanged(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Unchanged { .. }))
    }
    /// Replaced cases.
    pub fn replaced(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Replaced { .. }))
    }
    /// Rejected or conflicting cases.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Rejected { .. } | Outcome::Conflict { .. }))
    }
}

/// Collects every case under `paths` into the catalog and store.
pub fn collect(
    cat: &mut Catalog,
    store: &Store,
    paths: &[PathBuf],
    opts: &CollectOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<CollectReport, CollectError> {
    let unit = settings::unit(cat.db())?;
    let found = discover(paths)?;
    let total = found.len() as u64;
    let mut report = CollectReport::default();
    for (i, f) in found.into_iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
        progress.report(i as u64, total, &f.label);
        let case_no = f.input.as_ref().ok().and_then(|i| i.case_no.clone());
        let mut notes = Vec::new();
        let outcome = collect_one(cat, store, &unit, &f, opts, &mut notes, cancel)?;
        report.cases.push(CaseOutcome {
            source: f.label,
            case_no,
            outcome,
            notes,
        });
    }
    progress.report(total, total, "完成");
    Ok(report)
}

/// Infers materials from the category folders when `case.json` lists none.
fn infer_materials(
    files: &BTreeMap<String, FoundFile>,
    problems: &mut Vec<String>,
) -> Vec<MaterialInput> {
    let mut by_cat: Vec<(Category, String)> = Vec::new();
    for rel in files.keys() {
        let top = rel.split('/').next().unwrap_or("");
        match Category::ALL.iter().find(|c| c.folder() == top || c.code() == top) {
            Some(c) if rel.contains('/') => by_cat.push((*c, rel.clone())),
            _ => problems.push(format!(
                "文件“{rel}”不在 证据性材料/、程序性材料/、结果性材料/ 任一文件夹中，无法判断类别；请移入相应文件夹，或在 case.json 的 materials 中登记"
            )),
        }
    }
    let order = |c: &Category| Category::ALL.iter().position(|x| x == c);
    by_cat.sort_by(|a, b| order(&a.0).cmp(&order(&b.0)).then(a.1.cmp(&b.1)));
    by_cat
        .into_iter()
        .map(|(c, rel)| MaterialInput {
            category: Some(c.code().to_string()),
            file: Some(rel),
            title: None,
        })
        .collect()
}

pub(crate) fn fingerprint(
    store: &Store,
    record: &CaseRecord,
    materials: &[cases::NewMaterial],
) -> String {
    let mut canonical = record.clone();
    // The item's default retention depends on which case created the item.
    canonical.item.default_retention = canonical.retention;
    let mut h = store.algo().hasher();
    h.update(
        serde_json::to_string(&canonical)
            .expect("serialisable")
            .as_bytes(),
    );
    for m in materials {
        h.update(
            format!(
                "\n{}|{}|{}|{}",
                m.seq, m.category, m.original_name, m.digest
            )
            .as_bytes(),
        );
    }
    h.finish_hex()
}

/// Collects one case found in a source: read and validate it, match its
/// listed materials to the files, copy them into the store, register it.
fn collect_one(
    cat: &mut Catalog,
    store: &Store,
    unit: &UnitSettings,
    f: &Found,
    opts: &CollectOptions,
    notes: &mut Vec<String>,
    cancel: &CancelFlag,
) -> Result<Outcome, CollectError> {
    let mut input: CaseInput = match &f.input {
        Ok(i) => i.clone(),
        Err(p) => {
            return Ok(Outcome::Rejected {
                problems: p.clone(),
            })
        }
    };
    if !f.folder.is_dir() {
        return Ok(Outcome::Rejected {
            problems: vec![format!("找不到材料目录 {}", f.folder.display())],
        });
    }
    let (files, mut problems) = walk_case_folder(&f.folder, &[CASE_FILE]);
    for file in files.values().filter(|x| x.source == NameSource::Gbk) {
        notes.push(format!("文件名“{}”为 GBK 编码，已按 GBK 识别", file.rel));
    }
    if !f.explicit_materials {
        input.materials = infer_materials(&files, &mut problems);
    }
    let known = match input.item_code.as_deref() {
        Some(code) => settings::item(cat.db(), code.trim())?,
        None => None,
    };
    let now = chrono::Utc::now().with_timezone(&guidang_core::validate::cst());
    let record = match validate_case(&input, known.as_ref(), now) {
        Ok(r) => Some(r),
        Err(errs) => {
            problems.extend(
                errs.0
                    .into_iter()
                    .map(|e| format!("{}：{}", e.field, e.message)),
            );
            None
        }
    };
    let Some(record) = record else {
        return Ok(Outcome::Rejected { problems });
    };

    let sources = match_materials(&record, &files, f.explicit_materials, &mut problems);
    if !problems.is_empty() {
        return Ok(Outcome::Rejected { problems });
    }
    let materials = match store_materials(store, sources, notes, cancel)? {
        Ok(m) => m,
        Err(refused) => return Ok(refused),
    };
    let fp = fingerprint(store, &record, &materials);
    let source_path = f.folder.display().to_string();
    register(
        cat,
        unit,
        &record,
        known.is_none(),
        materials,
        fp,
        source_path,
        opts,
    )
}

/// A listed material with the file found for it and its base name.
type Source<'a> = (&'a guidang_core::MaterialSpec, &'a FoundFile, String);

/// Matches the listed materials to the files in the case folder; every
/// mismatch (missing, empty, unreadable, unlisted, two with one name in a
/// category) is a problem.
fn match_materials<'a>(
    record: &'a CaseRecord,
    files: &'a BTreeMap<String, FoundFile>,
    explicit_materials: bool,
    problems: &mut Vec<String>,
) -> Vec<Source<'a>> {
    // Match listed materials to files on disk.
    let mut listed = std::collections::HashSet::new();
    let mut names_in_cat = std::collections::HashSet::new();
    let mut sources = Vec::new();
    for m in &record.materials {
        listed.insert(m.rel_path.as_str());
        let base = m
            .rel_path
            .rsplit('/')
            .next()
            .unwrap_or(&m.rel_path)
            .to_string();
        if !names_in_cat.insert((m.category, base.clone())) {
            problems.push(format!(
                "{}中有两个名为“{base}”的文件，归档包中无法同时保存；请重命名其中一个",
                m.category.folder()
            ));
        }
        match files.get(&m.rel_path) {
            None => problems.push(format!("材料“{}”在办件文件夹中不存在", m.rel_path)),
            Some(ff) => match std::fs::metadata(&ff.path) {
                Ok(md) if md.len() == 0 => problems.push(format!(
                    "材料“{}”是空文件（0 字节），无效；请重新扫描或导出",
                    m.rel_path
                )),
                Ok(_) => sources.push((m, ff, base)),
                Err(e) => problems.push(format!("无法读取材料“{}”：{}", m.rel_path, Os(&e))),
            },
        }
    }
    for rel in files.keys() {
        if !listed.contains(rel.as_str()) && explicit_materials {
            problems.push(format!(
                "文件“{rel}”在办件文件夹中，但未在 case.json 的 materials 中登记；请登记它，或将其移出办件文件夹"
            ));
        }
    }
    sources
}

/// Copies the materials into the store, hashing while copying. The inner
/// `Err` is the case refused (a copy failed, or a file was emptied
/// meanwhile).
///
/// Each stored material then goes through the content checks of the
/// archiving check (`guidang_check::formats`, PDFs and images opened
/// whole), so the clerk learns at once, while the applicant may still be
/// at the window: an encrypted PDF refuses the case (it can never be
/// archived), every other problem becomes a note of the case.
fn store_materials(
    store: &Store,
    sources: Vec<Source<'_>>,
    notes: &mut Vec<String>,
    cancel: &CancelFlag,
) -> Result<Result<Vec<cases::NewMaterial>, Outcome>, CollectError> {
    // Copy into the store, hashing while copying.
    let mut materials = Vec::new();
    let mut refused = Vec::new();
    for (seq, (m, ff, base)) in sources.into_iter().enumerate() {
        let (blob, note, recorded) = match store_file(store, &ff.path, &m.rel_path, cancel)? {
            Ok(x) => x,
            Err(problems) if problems.iter().any(|p| p.starts_with(STORE_FAILED)) => {
                return Ok(Err(Outcome::Rejected { problems }))
            }
            Err(problems) => {
                refused.extend(problems);
                continue;
            }
        };
        notes.extend(note);
        materials.push(cases::NewMaterial {
            seq: seq as u32 + 1,
            category: m.category.code().into(),
            title: m.title.clone(),
            original_name: base,
            source_name: m.rel_path.clone(),
            digest_algo: store.algo().name().into(),
            digest: blob.digest,
            size: blob.size,
            format: blob.format.into(),
            format_version: recorded.version,
            pages: recorded.pages,
            duration_ms: recorded.duration_ms,
        });
    }
    if !refused.is_empty() {
        return Ok(Err(Outcome::Rejected { problems: refused }));
    }
    Ok(Ok(materials))
}

/// How a refusal by [`store_file`] that is not about the content begins.
const STORE_FAILED: &str = "复制材料";

/// Copies one file into the store (hashing while copying) and checks its
/// content as collection does: the blob, the notes for the clerk and what
/// the content says of itself; or why the case is refused (a failed copy,
/// an empty file, encryption).
pub(crate) fn store_file(
    store: &Store,
    path: &std::path::Path,
    rel: &str,
    cancel: &CancelFlag,
) -> Result<Result<StoredFile, Vec<String>>, CollectError> {
    let blob = match store.put_file(path, cancel) {
        Ok(b) => b,
        Err(_) if cancel.is_cancelled() => return Err(CollectError::Cancelled),
        Err(e) => return Ok(Err(vec![format!("{STORE_FAILED}“{rel}”失败：{}", Os(&e))])),
    };
    if blob.size == 0 {
        return Ok(Err(vec![format!("材料“{rel}”是空文件（0 字节），无效")]));
    }
    let (refuse, notes, facts) = content_check(&store.blob_path(&blob.digest), rel, blob.size);
    if !refuse.is_empty() {
        return Ok(Err(refuse));
    }
    Ok(Ok((
        blob,
        notes,
        facts.map(|f| f.recorded()).unwrap_or_default(),
    )))
}

/// A stored file, the notes on it and what its content says.
pub(crate) type StoredFile = (
    crate::store::Blob,
    Vec<String>,
    guidang_check::formats::Recorded,
);

/// What refuses a case, the notes for the clerk, and what the content
/// says of itself.
type ContentCheck = (
    Vec<String>,
    Vec<String>,
    Option<guidang_check::formats::Facts>,
);

/// The content checks of one stored material (its blob at `blob`): what
/// refuses the case, the notes for the clerk, and what the content says of
/// itself (recorded in the metadata, DA/T 70 1-3).
fn content_check(blob: &std::path::Path, rel: &str, size: u64) -> ContentCheck {
    use guidang_check::formats::{check_format_deep, executable_problem, Severity, MAX_DEEP};
    use guidang_package::verify::{EntryProbe, PROBE_EDGE, PROBE_FULL};
    let base = rel.rsplit('/').next().unwrap_or(rel);
    let read = |len: usize, from_end: bool| -> Option<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = std::fs::File::open(blob).ok()?;
        if from_end {
            f.seek(SeekFrom::End(-(len.min(size as usize) as i64)))
                .ok()?;
        }
        let mut v = Vec::new();
        f.take(len as u64).read_to_end(&mut v).ok()?;
        Some(v)
    };
    let Some(head) = read(PROBE_EDGE, false) else {
        return (Vec::new(), Vec::new(), None);
    };
    let fmt = guidang_core::sniff::detect(&head, base);
    let whole = (size <= PROBE_FULL
        || (size <= MAX_DEEP && guidang_check::formats::wants_whole(fmt)))
    .then(|| read(size as usize, false))
    .flatten();
    let probe = match &whole {
        Some(w) => EntryProbe::of(rel, w),
        None => EntryProbe {
            name: rel.to_string(),
            size,
            tail: read(PROBE_EDGE, true).unwrap_or_default(),
            head,
            full: None,
        },
    };
    let (_, mut problems, facts) = check_format_deep(&probe, whole.as_deref());
    problems.extend(executable_problem(&probe));
    let (mut refuse, mut notes) = (Vec::new(), Vec::new());
    for p in problems {
        match (p.item, p.severity) {
            ("3-4-1", Severity::Fail) => refuse.push(format!("材料“{rel}”：{}", p.reason)),
            (item, Severity::Fail) => notes.push(format!(
                "材料“{rel}”将不能通过归档检测（{item}）：{}",
                p.reason
            )),
            (_, Severity::Warn) => notes.push(format!("材料“{rel}”（提示）：{}", p.reason)),
        }
    }
    (refuse, notes, facts)
}

/// The 件号 of a case: its own when it keeps its series (item, year,
/// retention), else the next free one of the series.
pub(crate) fn piece_for(
    tx: &guidang_catalog::Tx<'_>,
    unit: &UnitSettings,
    record: &CaseRecord,
    existing: Option<&cases::Existing>,
) -> Result<u32, guidang_catalog::CatalogError> {
    let prefix = electronic_file_no(
        &unit.region,
        &unit.fonds,
        &record.item.code,
        record.year(),
        record.retention,
        0,
    );
    let prefix = &prefix[..prefix.len() - 6];
    match existing {
        Some(e) if e.efile_no.starts_with(prefix) => {
            Ok(e.efile_no[prefix.len()..].parse().unwrap_or(0))
        }
        _ => cases::next_piece_no(tx.db(), &record.item.code, record.year(), record.retention),
    }
}

/// Registers the case (new, replaced or unchanged) with its materials and
/// audit entry in one transaction, numbering it within its series.
#[allow(clippy::too_many_arguments)]
fn register(
    cat: &mut Catalog,
    unit: &UnitSettings,
    record: &CaseRecord,
    new_item: bool,
    materials: Vec<cases::NewMaterial>,
    fp: String,
    source_path: String,
    opts: &CollectOptions,
) -> Result<Outcome, CollectError> {
    cat.transaction(|tx| {
        let existing = cases::find(tx.db(), &record.case_no)?;
        let (piece_no, replacing) = match &existing {
            // The same content again is no change — except that --replace
            // on a returned case re-opens it for packaging (the fault was on
            // the medium, not in the case).
            Some(e) if e.fingerprint == fp && !(opts.replace && e.status == CaseStatus::Returned) => {
                return Ok(Outcome::Unchanged {
                    efile_no: e.efile_no.clone(),
                })
            }
            Some(e) if !(opts.replace && e.status.is_replaceable()) => {
                let how = if e.status.is_replaceable() {
                    "若这是更正后的版本，请使用 guidang collect --replace 重新收集；否则请核对是否误用了同一个办件编号"
                } else {
                    "该办件已组包或已移交，不能覆盖；若确需更正，请待其被退回后再用 --replace 重新收集，否则请核对是否误用了同一个办件编号"
                };
                return Ok(Outcome::Conflict {
                    message: format!(
                        "办件编号 {} 已收集（电子文件号 {}，状态：{}），但本次内容不同。{how}",
                        record.case_no,
                        e.efile_no,
                        e.status.label()
                    ),
                });
            }
            e => (piece_for(tx, unit, record, e.as_ref())?, e.as_ref().map(|e| e.id)),
        };
        if new_item {
            let mut item = record.item.clone();
            item.default_retention = record.retention;
            settings::add_item(tx, &item)?;
        }
        let efile_no = electronic_file_no(&unit.region, &unit.fonds, &record.item.code, record.year(), record.retention, piece_no);
        let nc = cases::NewCase {
            record,
            efile_no: efile_no.clone(),
            piece_no,
            fingerprint: fp.clone(),
            source_path: source_path.clone(),
            materials: materials.clone(),
        };
        let bytes: u64 = materials.iter().map(|m| m.size).sum();
        let detail = serde_json::json!({
            "efile_no": efile_no, "materials": materials.len(), "bytes": bytes,
            "fingerprint": fp, "source": source_path,
        });
        match replacing {
            Some(id) => {
                cases::replace(tx, id, &nc)?;
                audit::append(tx, &opts.actor, "recollect", &record.case_no, &detail)?;
                Ok(Outcome::Replaced { efile_no })
            }
            None => {
                cases::insert(tx, &nc)?;
                audit::append(tx, &opts.actor, "collect", &record.case_no, &detail)?;
                Ok(Outcome::Added { efile_no })
            }
        }
    })
}
