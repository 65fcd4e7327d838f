//! The case drawer's commands (整理): a case seen whole, a material
//! previewed, a correction made. Each opens the catalog on a blocking
//! thread (a preview may render a PDF page; a correction copies a file).

use std::path::PathBuf;

use guidang_api::core::{CancelFlag, Category};
use guidang_api::{Archive, CaseChange};
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use super::{parse, AppState, Res};
use crate::dto::{self, UiError};

/// A correction as the drawer sends it.
#[derive(Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEdit {
    /// Fields set: (`case.json` key, new value).
    Set { sets: Vec<(String, String)> },
    /// A file added to a category.
    Add {
        file: String,
        category: String,
        title: Option<String>,
    },
    /// Material `seq` removed.
    Remove { seq: u32 },
    /// Material `seq` moved to `to`.
    Move { seq: u32, to: u32 },
    /// Material `seq`'s content replaced by a file.
    Replace { seq: u32, file: String },
}

impl CaseEdit {
    fn change(self) -> Res<CaseChange> {
        Ok(match self {
            CaseEdit::Set { sets } => CaseChange::Set(sets),
            CaseEdit::Add {
                file,
                category,
                title,
            } => CaseChange::AddMaterial {
                file: PathBuf::from(file),
                category: parse(&category, Category::from_code, "材料类别")?,
                title,
            },
            CaseEdit::Remove { seq } => CaseChange::RemoveMaterial { seq },
            CaseEdit::Move { seq, to } => CaseChange::MoveMaterial { seq, to },
            CaseEdit::Replace { seq, file } => CaseChange::ReplaceMaterial {
                seq,
                file: PathBuf::from(file),
            },
        })
    }
}

async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Archive) -> guidang_api::Result<T> + Send + 'static,
) -> Res<T> {
    let dir = state.data_dir.clone();
    tauri::async_runtime::spawn_blocking(move || -> Res<T> {
        let mut ar = Archive::open(&dir)?;
        Ok(f(&mut ar)?)
    })
    .await
    .map_err(|e| UiError {
        code: "job_failed".into(),
        message: format!("后台任务异常结束：{e}"),
    })?
}

#[tauri::command]
pub async fn case_view(state: State<'_, AppState>, case_no: String) -> Res<dto::CaseView> {
    Ok(blocking(&state, move |ar| ar.case_view(&case_no))
        .await?
        .into())
}

#[tauri::command]
pub async fn material_preview(
    state: State<'_, AppState>,
    case_no: String,
    seq: u32,
    page: u32,
) -> Res<dto::MaterialPreview> {
    Ok(
        blocking(&state, move |ar| ar.material_preview(&case_no, seq, page))
            .await?
            .into(),
    )
}

#[tauri::command]
pub async fn amend_case(
    state: State<'_, AppState>,
    case_no: String,
    edit: CaseEdit,
    operator: String,
    reason: String,
) -> Res<dto::Amended> {
    let change = edit.change()?;
    Ok(blocking(&state, move |ar| {
        ar.amend_case(&case_no, &change, &operator, &reason, &CancelFlag::new())
    })
    .await?
    .into())
}
