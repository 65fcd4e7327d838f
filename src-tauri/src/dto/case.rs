//! The case drawer (整理): a case seen whole, a material previewed, a
//! correction made.

use base64::Engine as _;
use guidang_api::core::{
    ApplicantType, CaseKind, CaseRecord, IdType, ItemType, Retention, Secrecy,
};
use serde::Serialize;
use ts_rs::TS;

use super::{all, AuditEntry, CaseRow};

/// One correctable field: its `case.json` key, its name, its value (a
/// code for coded fields) and, for coded fields, the choices.
#[derive(Serialize, TS)]
pub struct CaseField {
    pub key: String,
    pub label: String,
    pub value: String,
    /// (code, label) choices; empty for free text.
    pub options: Vec<(String, String)>,
}

/// A material of the case.
#[derive(Serialize, TS)]
pub struct CaseMaterial {
    pub seq: u32,
    pub category: String,
    pub title: String,
    pub original_name: String,
    pub size: u64,
    pub format: String,
    pub format_version: String,
    pub pages: Option<u32>,
    pub duration_ms: Option<u64>,
}

impl From<guidang_api::MaterialRow> for CaseMaterial {
    fn from(m: guidang_api::MaterialRow) -> Self {
        CaseMaterial {
            seq: m.seq,
            category: m.category,
            title: m.title,
            original_name: m.original_name,
            size: m.size,
            format: m.format,
            format_version: m.format_version,
            pages: m.pages,
            duration_ms: m.duration_ms,
        }
    }
}

/// One finding of the case's latest check.
#[derive(Serialize, TS)]
pub struct CaseFinding {
    pub item: String,
    /// `pass`, `warn`, `fail`, `not_checked`.
    pub verdict: String,
    pub reason: Option<String>,
    pub entry: Option<String>,
}

/// The case's latest archiving check.
#[derive(Serialize, TS)]
pub struct CaseCheck {
    pub checked_at: String,
    pub checked_by: String,
    pub verdict: String,
    pub opinion: String,
    /// Findings that are not a pass.
    pub findings: Vec<CaseFinding>,
}

/// Everything the drawer shows.
#[derive(Serialize, TS)]
pub struct CaseView {
    pub row: CaseRow,
    pub fields: Vec<CaseField>,
    pub return_reason: Option<String>,
    pub materials: Vec<CaseMaterial>,
    /// The package's path in the data directory, once sealed.
    pub package: Option<String>,
    pub sealed_at: Option<String>,
    pub batch: Option<String>,
    pub check: Option<CaseCheck>,
    pub timeline: Vec<AuditEntry>,
    /// Why it cannot be corrected, when it cannot.
    pub not_editable: Option<String>,
}

/// (code, label) choices of a coded field.
type Choices = Vec<(String, String)>;

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Choices {
    all.iter()
        .map(|v| (code(*v).to_string(), label(*v).to_string()))
        .collect()
}

fn fields(r: &CaseRecord) -> Vec<CaseField> {
    let t = |d: &chrono::DateTime<chrono::FixedOffset>| d.format("%Y-%m-%d %H:%M").to_string();
    let values: Vec<(&str, String, Choices)> = vec![
        ("case_name", r.case_name.clone(), vec![]),
        (
            "case_kind",
            r.case_kind.code().into(),
            options(CaseKind::ALL, CaseKind::code, CaseKind::label),
        ),
        ("item_code", r.item.code.clone(), vec![]),
        ("item_name", r.item.name.clone(), vec![]),
        (
            "item_type",
            r.item.item_type.code().into(),
            options(ItemType::ALL, ItemType::code, ItemType::label),
        ),
        ("applicant.name", r.applicant.name.clone(), vec![]),
        (
            "applicant.type",
            r.applicant.kind.code().into(),
            options(
                ApplicantType::ALL,
                ApplicantType::code,
                ApplicantType::label,
            ),
        ),
        (
            "applicant.id_type",
            r.applicant.id_type.code().into(),
            options(IdType::ALL, IdType::code, IdType::label),
        ),
        ("applicant.id_no", r.applicant.id_no.clone(), vec![]),
        ("accepting_unit", r.accepting_unit.clone(), vec![]),
        ("accepted_at", t(&r.accepted_at), vec![]),
        ("completed_at", t(&r.completed_at), vec![]),
        ("result", r.result.clone(), vec![]),
        (
            "result_license_no",
            r.result_license_no.clone().unwrap_or_default(),
            vec![],
        ),
        (
            "retention",
            r.retention.code().into(),
            options(Retention::ALL, Retention::code, Retention::label),
        ),
        (
            "secrecy",
            r.secrecy.code().into(),
            options(Secrecy::ALL, Secrecy::code, Secrecy::label),
        ),
    ];
    values
        .into_iter()
        .map(|(key, value, options)| CaseField {
            key: key.into(),
            label: guidang_api::CASE_FIELDS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| key.into()),
            value,
            options,
        })
        .collect()
}

impl From<guidang_api::viewing::CaseView> for CaseView {
    fn from(v: guidang_api::viewing::CaseView) -> Self {
        CaseView {
            fields: fields(&v.detail.record),
            return_reason: v.detail.return_reason.clone(),
            row: v.row.into(),
            materials: all(v.materials),
            package: v.package.as_ref().map(|p| p.path.clone()),
            sealed_at: v.package.map(|p| p.sealed_at),
            batch: v.batch,
            check: v.check.map(|c| CaseCheck {
                checked_at: c.checked_at,
                checked_by: c.checked_by,
                verdict: c.verdict,
                opinion: c.opinion,
                findings: c
                    .findings
                    .into_iter()
                    .filter(|f| f.verdict != "pass")
                    .map(|f| CaseFinding {
                        item: f.item,
                        verdict: f.verdict,
                        reason: f.reason.as_deref().map(super::for_window),
                        entry: f.entry,
                    })
                    .collect(),
            }),
            timeline: all(v.timeline),
            not_editable: v.not_editable.as_deref().map(super::for_window),
        }
    }
}

/// A material as a picture (a `data:` URL), or a note saying why not.
#[derive(Serialize, TS)]
pub struct MaterialPreview {
    /// `data:image/png;base64,…`; empty when there is no picture.
    pub data_url: String,
    pub page: u32,
    pub pages: Option<u32>,
    pub note: Option<String>,
}

impl From<guidang_api::viewing::Preview> for MaterialPreview {
    fn from(p: guidang_api::viewing::Preview) -> Self {
        MaterialPreview {
            data_url: if p.data.is_empty() {
                String::new()
            } else {
                format!(
                    "data:{};base64,{}",
                    p.mime,
                    base64::engine::general_purpose::STANDARD.encode(&p.data)
                )
            },
            page: p.page,
            pages: p.pages,
            note: p.note,
        }
    }
}

/// One changed field.
#[derive(Serialize, TS)]
pub struct FieldChanged {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// What a correction did.
#[derive(Serialize, TS)]
pub struct Amended {
    pub efile_no: String,
    pub previous_efile_no: Option<String>,
    /// Status code before (`sealed`, …); it is `collected` now.
    pub previous_status: String,
    pub changes: Vec<FieldChanged>,
    pub superseded_package: Option<String>,
    pub notes: Vec<String>,
}

impl From<guidang_api::AmendReport> for Amended {
    fn from(r: guidang_api::AmendReport) -> Self {
        Amended {
            efile_no: r.efile_no,
            previous_efile_no: r.previous_efile_no,
            previous_status: r.previous_status.code().into(),
            changes: r
                .changes
                .into_iter()
                .map(|c| FieldChanged {
                    field: c.field,
                    old: c.old,
                    new: c.new,
                })
                .collect(),
            superseded_package: r.superseded_package,
            notes: r.notes.iter().map(|n| super::for_window(n)).collect(),
        }
    }
}
