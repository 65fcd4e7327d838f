//! IPC commands: the only place that knows about Tauri types.

use std::path::PathBuf;
use std::sync::Mutex;

use guidang_api::core::{CancelFlag, CaseStatus};
use guidang_api::{Archive, CaseFilter, CaseRow, DemoRequest, DemoResult, Summary};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

/// Shared state: where the data lives and the cancel flag of the running job.
pub struct AppState {
    data_dir: PathBuf,
    job: Mutex<Option<CancelFlag>>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        AppState {
            data_dir,
            job: Mutex::new(None),
        }
    }
}

/// What the UI receives on failure.
#[derive(Debug, Serialize)]
pub struct UiError {
    code: String,
    message: String,
}

impl From<guidang_api::Error> for UiError {
    fn from(e: guidang_api::Error) -> Self {
        UiError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

type Res<T> = Result<T, UiError>;

fn open(state: &AppState) -> Res<Archive> {
    Ok(Archive::open(&state.data_dir)?)
}

/// Progress event payload.
#[derive(Clone, Serialize)]
struct JobProgress {
    done: u64,
    total: u64,
    message: String,
}

#[tauri::command]
pub async fn summary(state: State<'_, AppState>) -> Res<Summary> {
    Ok(open(&state)?.summary()?)
}

#[tauri::command]
pub async fn list_cases(
    state: State<'_, AppState>,
    search: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
) -> Res<Vec<CaseRow>> {
    let filter = CaseFilter {
        status: status.as_deref().and_then(CaseStatus::from_code),
        text: search.filter(|s| !s.trim().is_empty()),
        limit: Some(limit.unwrap_or(200)),
    };
    Ok(open(&state)?.cases(&filter)?)
}

/// Generates and collects demo data off the UI thread, streaming progress
/// as `job-progress` events.
#[tauri::command]
pub async fn load_demo(app: AppHandle, state: State<'_, AppState>, cases: u32) -> Res<DemoResult> {
    let cancel = CancelFlag::new();
    *state.job.lock().expect("job lock") = Some(cancel.clone());
    let dir = state.data_dir.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let progress = move |done: u64, total: u64, message: &str| {
            let _ = app.emit(
                "job-progress",
                JobProgress {
                    done,
                    total,
                    message: message.to_string(),
                },
            );
        };
        let mut ar = Archive::open(&dir)?;
        ar.demo(
            &DemoRequest {
                cases,
                seed: 1,
                out: None,
                no_collect: false,
                large_file: None,
            },
            &progress,
            &cancel,
        )
    })
    .await
    .map_err(|e| UiError {
        code: "job_failed".into(),
        message: format!("后台任务异常结束：{e}"),
    })?;
    *state.job.lock().expect("job lock") = None;
    Ok(result?)
}

/// Asks the running job to stop at its next safe point.
#[tauri::command]
pub fn cancel_job(state: State<'_, AppState>) -> bool {
    match state.job.lock().expect("job lock").as_ref() {
        Some(c) => {
            c.cancel();
            true
        }
        None => false,
    }
}
