//! Correcting a stored case (整理: 信息补录 and 材料补充, DB43/T part 6):
//! a field set, a material added, removed, moved or replaced.
//!
//! A correction is validated exactly as collection validates a case (the
//! same `validate_case`, the same content checks of a new file, an
//! encrypted PDF refused) and is all-or-nothing: [`prepare`] computes the
//! corrected case without writing anything but new store blobs (which are
//! content-addressed and harmless), [`commit`] registers it in the
//! caller's transaction with an audit entry naming every changed field
//! with its old and new value, who and why. The caller (the API) sets the
//! old package aside when the case had one.
//!
//! What may be corrected: a case that is collected, packaged, sealed,
//! checked or returned (it goes back to 已收集, to be sealed again). A case
//! in a batch, transferred, accepted or destroyed is refused with the
//! reason: its package is already in a signed batch manifest.

use std::path::{Path, PathBuf};

use guidang_catalog::{audit, cases, settings, Catalog, Tx};
use guidang_core::validate::{validate_case, FieldError, ValidationErrors};
use guidang_core::{
    electronic_file_no, CancelFlag, CaseInput, CaseRecord, CaseStatus, Category, MaterialInput,
    UnitSettings,
};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::store::Store;
use crate::CollectError;

/// One correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Fields set, named as in `case.json` (`case_name`, `applicant.id_no`).
    Set(Vec<(String, String)>),
    /// A file added as the last material of its category's order.
    AddMaterial {
        /// The file.
        file: PathBuf,
        /// Its category.
        category: Category,
        /// 标准名称 (the file name without extension when absent).
        title: Option<String>,
    },
    /// Material `seq` removed; the others renumbered.
    RemoveMaterial {
        /// 件内顺序号.
        seq: u32,
    },
    /// Material `seq` moved to position `to`; the others renumbered.
    MoveMaterial {
        /// 件内顺序号.
        seq: u32,
        /// New 件内顺序号.
        to: u32,
    },
    /// Material `seq`'s content replaced by a file (category and title kept).
    ReplaceMaterial {
        /// 件内顺序号.
        seq: u32,
        /// The new file.
        file: PathBuf,
    },
}

impl Change {
    /// The audit action of the change.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Set(_) => "case_edit",
            Change::AddMaterial { .. } => "material_add",
            Change::RemoveMaterial { .. } => "material_remove",
            Change::MoveMaterial { .. } => "material_move",
            Change::ReplaceMaterial { .. } => "material_replace",
        }
    }
}

/// One field's change, for the audit log and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field as in `case.json`, or `materials`.
    pub field: String,
    /// Its value before.
    pub old: String,
    /// Its value after.
    pub new: String,
}

/// Why a correction was refused (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No case has this 办件编号.
    NoSuchCase(String),
    /// The case's status forbids corrections.
    NotEditable {
        /// Its status.
        status: CaseStatus,
        /// Why, and what to do.
        why: String,
    },
    /// The corrected case is invalid, or the change cannot be applied.
    Invalid(ValidationErrors),
}

/// A correction ready to commit.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The case as stored.
    pub existing: cases::Existing,
    /// The corrected case.
    pub record: CaseRecord,
    /// Whether the corrected item code is new to the catalog.
    pub new_item: bool,
    /// Its materials after the change.
    pub materials: Vec<cases::NewMaterial>,
    /// Its new content fingerprint.
    pub fingerprint: String,
    /// What changed.
    pub changes: Vec<FieldChange>,
    /// Content-check notes on a new file (as at collection).
    pub notes: Vec<String>,
}

/// The fields `Change::Set` accepts, as in `case.json`, with their names.
pub const FIELDS: &[(&str, &str)] = &[
    ("case_name", "办件名称"),
    ("case_kind", "办件类型"),
    ("item_code", "事项编码"),
    ("item_name", "事项名称"),
    ("item_type", "事项类型"),
    ("applicant.name", "申请人名称"),
    ("applicant.type", "申请人类型"),
    ("applicant.id_type", "证件类型"),
    ("applicant.id_no", "证件号码"),
    ("accepting_unit", "受理单位"),
    ("accepted_at", "受理时间"),
    ("completed_at", "办结时间"),
    ("result", "办理结果"),
    ("result_license_no", "结果证照编号"),
    ("retention", "保管期限"),
    ("secrecy", "密级"),
];

fn slot<'a>(i: &'a mut CaseInput, field: &str) -> Option<&'a mut Option<String>> {
    Some(match field {
        "case_name" => &mut i.case_name,
        "case_kind" => &mut i.case_kind,
        "item_code" => &mut i.item_code,
        "item_name" => &mut i.item_name,
        "item_type" => &mut i.item_type,
        "applicant.name" => &mut i.applicant_name,
        "applicant.type" => &mut i.applicant_type,
        "applicant.id_type" => &mut i.applicant_id_type,
        "applicant.id_no" => &mut i.applicant_id_no,
        "accepting_unit" => &mut i.accepting_unit,
        "accepted_at" => &mut i.accepted_at,
        "completed_at" => &mut i.completed_at,
        "result" => &mut i.result,
        "result_license_no" => &mut i.result_license_no,
        "retention" => &mut i.retention,
        "secrecy" => &mut i.secrecy,
        _ => return None,
    })
}

/// The stored case as the input it would have been collected from.
fn as_input(r: &CaseRecord, materials: &[cases::NewMaterial]) -> CaseInput {
    let t = |d: &chrono::DateTime<chrono::FixedOffset>| d.format("%Y-%m-%d %H:%M:%S").to_string();
    CaseInput {
        case_no: Some(r.case_no.clone()),
        case_name: Some(r.case_name.clone()),
        case_kind: Some(r.case_kind.code().into()),
        item_code: Some(r.item.code.clone()),
        item_name: Some(r.item.name.clone()),
        item_type: Some(r.item.item_type.code().into()),
        applicant_name: Some(r.applicant.name.clone()),
        applicant_type: Some(r.applicant.kind.code().into()),
        applicant_id_type: Some(r.applicant.id_type.code().into()),
        applicant_id_no: Some(r.applicant.id_no.clone()),
        accepting_unit: Some(r.accepting_unit.clone()),
        accepted_at: Some(t(&r.accepted_at)),
        completed_at: Some(t(&r.completed_at)),
        result: Some(r.result.clone()),
        result_license_no: r.result_license_no.clone(),
        retention: Some(r.retention.code().into()),
        secrecy: Some(r.secrecy.code().into()),
        materials: materials_input(materials),
    }
}

fn materials_input(materials: &[cases::NewMaterial]) -> Vec<MaterialInput> {
    materials
        .iter()
        .map(|m| MaterialInput {
            category: Some(m.category.clone()),
            file: Some(m.source_name.clone()),
            title: Some(m.title.clone()),
        })
        .collect()
}

fn invalid(field: &str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid(ValidationErrors(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }]))
}

/// Whether a case in `status` may be corrected, and why not.
pub fn editable(status: CaseStatus) -> Result<(), String> {
    match status {
        CaseStatus::Collected
        | CaseStatus::Packaged
        | CaseStatus::Sealed
        | CaseStatus::Checked
        | CaseStatus::Returned => Ok(()),
        CaseStatus::InBatch => Err("它的包已编入移交批次，批次清单已签名，不能更正；如确需更正，请待接收方退回该办件后再更正".into()),
        CaseStatus::Transferred => Err("已移交给接收方，不能更正；如有错误，请接收方退回后再更正".into()),
        CaseStatus::Accepted => Err("已被接收入库，归档内容不能再更改".into()),
        CaseStatus::Destroyed => Err("已按鉴定意见销毁，不能更正".into()),
    }
}

/// Computes a correction of `case_no` without registering it: the
/// corrected, validated case and its materials (a new file is copied into
/// the store and checked as at collection).
pub fn prepare(
    cat: &Catalog,
    store: &Store,
    case_no: &str,
    change: &Change,
    cancel: &CancelFlag,
) -> Result<Result<Prepared, Refusal>, CollectError> {
    let Some(existing) = cases::find(cat.db(), case_no)? else {
        return Ok(Err(Refusal::NoSuchCase(case_no.into())));
    };
    if let Err(why) = editable(existing.status) {
        return Ok(Err(Refusal::NotEditable {
            status: existing.status,
            why,
        }));
    }
    let detail = cases::detail(cat.db(), case_no)?.expect("found above");
    let before = cases::stored_materials(cat.db(), existing.id)?;
    let mut input = as_input(&detail.record, &before);
    let mut materials = before.clone();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    let applied = match change {
        Change::Set(sets) => set_fields(&mut input, sets, &mut changes),
        Change::AddMaterial {
            file,
            category,
            title,
        } => {
            match add(
                store,
                &mut materials,
                file,
                *category,
                title,
                &mut notes,
                cancel,
            )? {
                Ok(()) => Ok(()),
                Err(r) => Err(r),
            }
        }
        Change::RemoveMaterial { seq } => at(&materials, *seq).map(|i| {
            materials.remove(i);
        }),
        Change::MoveMaterial { seq, to } => at(&materials, *seq).and_then(|i| {
            if *to == 0 || *to as usize > materials.len() {
                return Err(invalid(
                    "目标顺序号（--to）",
                    format!("应为 1 至 {}", materials.len()),
                ));
            }
            let m = materials.remove(i);
            materials.insert(*to as usize - 1, m);
            Ok(())
        }),
        Change::ReplaceMaterial { seq, file } => match at(&materials, *seq) {
            Ok(i) => replace(store, &mut materials, i, file, &mut notes, cancel)?,
            Err(r) => Err(r),
        },
    };
    if let Err(r) = applied {
        return Ok(Err(r));
    }
    for (i, m) in materials.iter_mut().enumerate() {
        m.seq = i as u32 + 1;
    }
    if !matches!(change, Change::Set(_)) {
        let list = |ms: &[cases::NewMaterial]| {
            ms.iter()
                .map(|m| format!("{}:{}({})", m.seq, m.original_name, &m.digest[..12]))
                .collect::<Vec<_>>()
                .join("；")
        };
        changes.push(FieldChange {
            field: "materials".into(),
            old: list(&before),
            new: list(&materials),
        });
    }
    if !materials
        .iter()
        .any(|m| m.category == Category::Result.code())
    {
        notes.push(
            "办件已没有结果性材料，按归档范围检测时将不合格（2-4-1）；请补充办理结果材料（如决定书、证照）"
                .into(),
        );
    }
    input.materials = materials_input(&materials);
    let known = match input.item_code.as_deref() {
        Some(code) => settings::item(cat.db(), code.trim())?,
        None => None,
    };
    let now = chrono::Utc::now().with_timezone(&guidang_core::validate::cst());
    let record = match validate_case(&input, known.as_ref(), now) {
        Ok(r) => r,
        Err(e) => return Ok(Err(Refusal::Invalid(e))),
    };
    let fingerprint = crate::import::fingerprint(store, &record, &materials);
    if fingerprint == existing.fingerprint {
        return Ok(Err(invalid(
            "更正",
            "更正后的内容与现有内容相同，没有需要保存的改动",
        )));
    }
    Ok(Ok(Prepared {
        existing,
        record,
        new_item: known.is_none(),
        materials,
        fingerprint,
        changes,
        notes,
    }))
}

fn set_fields(
    input: &mut CaseInput,
    sets: &[(String, String)],
    changes: &mut Vec<FieldChange>,
) -> Result<(), Refusal> {
    if sets.is_empty() {
        return Err(invalid("更正", "没有要更正的字段，请写明 字段=新值"));
    }
    let item_changes = sets.iter().any(|(f, _)| f == "item_code");
    if item_changes {
        // Another item's name and type are not this one's: take them from
        // the catalog's item list or from the correction itself.
        input.item_name = None;
        input.item_type = None;
    }
    for (field, value) in sets {
        if field == "case_no" {
            return Err(invalid(
                "办件编号（case_no）",
                "办件编号是办件的标识，不能更正；若编号有误，请用正确的编号重新收集该办件",
            ));
        }
        let Some(s) = slot(input, field) else {
            let known: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
            return Err(invalid(
                field,
                format!("没有这个字段；可更正的字段：{}", known.join("、")),
            ));
        };
        let old = s.clone().unwrap_or_default();
        let new = value.trim().to_string();
        *s = (!new.is_empty()).then(|| new.clone());
        if old != new {
            changes.push(FieldChange {
                field: field.clone(),
                old,
                new,
            });
        }
    }
    Ok(())
}

fn at(materials: &[cases::NewMaterial], seq: u32) -> Result<usize, Refusal> {
    materials.iter().position(|m| m.seq == seq).ok_or_else(|| {
        invalid(
            "件内顺序号",
            format!("没有第 {seq} 份材料（共 {} 份）", materials.len()),
        )
    })
}

/// The file's name as the package will carry it (NFC), or why not.
fn base_name(file: &Path) -> Result<String, Refusal> {
    file.file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.nfc().collect())
        .ok_or_else(|| {
            invalid(
                "材料文件",
                format!("{} 的文件名无法识别，请改为常用字符后再试", file.display()),
            )
        })
}

/// Stores and checks a new file as collection does; `Err` refuses it.
fn stored(
    store: &Store,
    file: &Path,
    rel: &str,
    notes: &mut Vec<String>,
    cancel: &CancelFlag,
) -> Result<Result<cases::NewMaterial, Refusal>, CollectError> {
    if !file.is_file() {
        return Ok(Err(invalid(
            "材料文件",
            format!("找不到文件 {}，请检查路径", file.display()),
        )));
    }
    match crate::import::store_file(store, file, rel, cancel)? {
        Ok((blob, note, recorded)) => {
            notes.extend(note);
            let base = rel.rsplit('/').next().unwrap_or(rel).to_string();
            Ok(Ok(cases::NewMaterial {
                seq: 0,
                category: String::new(),
                title: base
                    .rsplit_once('.')
                    .map(|(s, _)| s)
                    .unwrap_or(&base)
                    .into(),
                original_name: base,
                source_name: rel.into(),
                digest_algo: store.algo().name().into(),
                digest: blob.digest,
                size: blob.size,
                format: blob.format.into(),
                format_version: recorded.version,
                pages: recorded.pages,
                duration_ms: recorded.duration_ms,
            }))
        }
        Err(problems) => Ok(Err(invalid("材料文件", problems.join("；")))),
    }
}

fn add(
    store: &Store,
    materials: &mut Vec<cases::NewMaterial>,
    file: &Path,
    category: Category,
    title: &Option<String>,
    notes: &mut Vec<String>,
    cancel: &CancelFlag,
) -> Result<Result<(), Refusal>, CollectError> {
    let base = match base_name(file) {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    let rel = format!("{}/{base}", category.folder());
    if materials
        .iter()
        .any(|m| m.category == category.code() && m.original_name == base)
    {
        return Ok(Err(invalid(
            "材料文件",
            format!(
                "{}材料中已有同名文件“{base}”；如要换成新文件，请用“替换”",
                category.code()
            ),
        )));
    }
    let mut m = match stored(store, file, &rel, notes, cancel)? {
        Ok(m) => m,
        Err(r) => return Ok(Err(r)),
    };
    m.category = category.code().into();
    if let Some(t) = title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        m.title = t.into();
    }
    // After the last material of its category, categories in their order.
    let order = |c: &str| Category::ALL.iter().position(|x| x.code() == c);
    let at = materials
        .iter()
        .rposition(|x| order(&x.category) <= order(category.code()))
        .map_or(0, |i| i + 1);
    materials.insert(at, m);
    Ok(Ok(()))
}

fn replace(
    store: &Store,
    materials: &mut [cases::NewMaterial],
    i: usize,
    file: &Path,
    notes: &mut Vec<String>,
    cancel: &CancelFlag,
) -> Result<Result<(), Refusal>, CollectError> {
    let base = match base_name(file) {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    let old = &materials[i];
    let folder = old.source_name.rsplit_once('/').map_or("", |(d, _)| d);
    let rel = if folder.is_empty() {
        base.clone()
    } else {
        format!("{folder}/{base}")
    };
    if materials
        .iter()
        .enumerate()
        .any(|(j, m)| j != i && m.category == old.category && m.original_name == base)
    {
        return Ok(Err(invalid(
            "材料文件",
            format!("{}材料中已有另一份名为“{base}”的文件", old.category),
        )));
    }
    let mut m = match stored(store, file, &rel, notes, cancel)? {
        Ok(m) => m,
        Err(r) => return Ok(Err(r)),
    };
    m.category = old.category.clone();
    m.title = old.title.clone();
    materials[i] = m;
    Ok(Ok(()))
}

/// Registers a prepared correction in `tx`: the case's content replaced
/// (status back to 已收集, as a correction of a returned case is) and one
/// audit entry with every change, the actor and the reason. Returns the
/// case's 电子文件号, which changes with the item, year or retention.
pub fn commit(
    tx: &Tx<'_>,
    unit: &UnitSettings,
    p: &Prepared,
    change: &Change,
    actor: &str,
    reason: &str,
    superseded: Option<&str>,
) -> Result<String, CollectError> {
    let r = &p.record;
    let piece_no = crate::import::piece_for(tx, unit, r, Some(&p.existing))?;
    if p.new_item {
        let mut item = r.item.clone();
        item.default_retention = r.retention;
        settings::add_item(tx, &item)?;
    }
    let efile_no = electronic_file_no(
        &unit.region,
        &unit.fonds,
        &r.item.code,
        r.year(),
        r.retention,
        piece_no,
    );
    cases::replace(
        tx,
        p.existing.id,
        &cases::NewCase {
            record: r,
            efile_no: efile_no.clone(),
            piece_no,
            fingerprint: p.fingerprint.clone(),
            source_path: p.existing.source_path.clone(),
            materials: p.materials.clone(),
        },
    )?;
    let detail = serde_json::json!({
        "efile_no": efile_no,
        "previous_efile_no": p.existing.efile_no,
        "previous_status": p.existing.status.code(),
        "changes": p.changes,
        "reason": reason,
        "materials": p.materials.len(),
        "fingerprint": p.fingerprint,
        "superseded_package": superseded,
    });
    audit::append(tx, actor, change.action(), &r.case_no, &detail)?;
    Ok(efile_no)
}
