//! IPC commands: the only place that knows about Tauri types. Each command
//! unpacks its arguments, calls `guidang-api`, and maps errors to
//! `{code, message}`. Long jobs run on blocking threads, stream
//! `job-progress` events and can be cancelled with `cancel_job`.

use std::path::PathBuf;
use std::sync::Mutex;

use guidang_api::batching::{BatchSelection, Form};
use guidang_api::checking::CheckTarget;
use guidang_api::core::{CancelFlag, CaseStatus, Role, Suite};
use guidang_api::packaging::Selection;
use guidang_api::{Archive, CaseFilter, DemoRequest, InitOptions};
use tauri::{AppHandle, Emitter, State};

use crate::dto::{self, all, JobProgress, UiError};

pub mod case;
pub mod medium;

/// Shared state: where the data lives and the cancel flag of the running job.
pub struct AppState {
    pub(crate) data_dir: PathBuf,
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

pub(crate) type Res<T> = Result<T, UiError>;

/// A code sent by the UI, parsed into its enum; an unknown one is an error
/// (never a silent default).
pub(crate) fn parse<T>(code: &str, from_code: fn(&str) -> Option<T>, field: &str) -> Res<T> {
    from_code(code)
        .ok_or_else(|| guidang_api::Error::invalid(field, format!("未知的取值“{code}”")).into())
}

fn open(state: &AppState) -> Res<Archive> {
    Ok(Archive::open(&state.data_dir)?)
}

/// Runs `f` on an opened catalog on a blocking thread (see [`run_on_dir`]).
async fn run_job<T, F>(app: AppHandle, state: &AppState, f: F) -> Res<T>
where
    T: Send + 'static,
    F: FnOnce(
            &mut Archive,
            &dyn guidang_api::core::Progress,
            &CancelFlag,
        ) -> guidang_api::Result<T>
        + Send
        + 'static,
{
    run_on_dir(app, state, move |dir, p, c| {
        let mut ar = Archive::open(dir)?;
        f(&mut ar, p, c)
    })
    .await
}

/// Runs `f` with the data directory on a blocking thread, with a progress
/// sink that emits `job-progress` events and a cancel flag `cancel_job` can
/// set. For jobs that must not hold the catalog open (restore).
async fn run_on_dir<T, F>(app: AppHandle, state: &AppState, f: F) -> Res<T>
where
    T: Send + 'static,
    F: FnOnce(
            &std::path::Path,
            &dyn guidang_api::core::Progress,
            &CancelFlag,
        ) -> guidang_api::Result<T>
        + Send
        + 'static,
{
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
        f(&dir, &progress, &cancel)
    })
    .await
    .map_err(|e| UiError {
        code: "job_failed".into(),
        message: format!("后台任务异常结束：{e}"),
    });
    *state.job.lock().expect("job lock") = None;
    Ok(result??)
}

#[tauri::command]
pub async fn summary(state: State<'_, AppState>) -> Res<dto::Summary> {
    Ok(open(&state)?.summary()?.into())
}

#[tauri::command]
pub async fn list_cases(
    state: State<'_, AppState>,
    search: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> Res<dto::CasePage> {
    let status = match status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(parse(s, CaseStatus::from_code, "状态")?),
        None => None,
    };
    let filter = CaseFilter {
        status,
        text: search.filter(|s| !s.trim().is_empty()),
        limit: Some(limit.unwrap_or(50).min(500)),
        offset,
    };
    let ar = open(&state)?;
    Ok(dto::CasePage {
        total: ar.count_cases(&filter)?,
        rows: all(ar.cases(&filter)?),
    })
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn init_unit(
    state: State<'_, AppState>,
    role: String,
    region: String,
    fonds: String,
    unit_name: String,
    org: Option<String>,
    suite: String,
) -> Res<()> {
    let mut ar = open(&state)?;
    ar.init(&InitOptions {
        region,
        fonds,
        unit_name,
        org,
        role: parse(&role, Role::from_code, "本机用途")?,
        suite: parse(&suite, Suite::from_code, "密码算法")?,
    })?;
    Ok(())
}

#[tauri::command]
pub async fn add_operator(state: State<'_, AppState>, name: String, pin: String) -> Res<()> {
    open(&state)?.add_operator(&name, &pin)?;
    Ok(())
}

#[tauri::command]
pub async fn operators(state: State<'_, AppState>) -> Res<Vec<dto::Operator>> {
    Ok(all(open(&state)?.operators()?))
}

/// Generates and collects demo data.
#[tauri::command]
pub async fn load_demo(
    app: AppHandle,
    state: State<'_, AppState>,
    cases: u32,
) -> Res<dto::DemoLoaded> {
    run_job(app, &state, move |ar, p, c| {
        Ok(ar
            .demo(
                &DemoRequest {
                    cases,
                    seed: 1,
                    out: None,
                    no_collect: false,
                    large_file: None,
                },
                p,
                c,
            )?
            .into())
    })
    .await
}

#[tauri::command]
pub async fn package_all(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    pin: String,
    cases: Option<Vec<String>>,
) -> Res<dto::PackageSummary> {
    let selection = cases.map_or(Selection::All, Selection::Cases);
    run_job(app, &state, move |ar, p, c| {
        Ok(ar.package(&selection, &operator, &pin, p, c)?.into())
    })
    .await
}

#[tauri::command]
pub async fn check_all(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
) -> Res<dto::CheckSummary> {
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        let batch = ar.check(
            &CheckTarget::All,
            guidang_check::Stage::Gd,
            &[],
            &actor,
            p,
            c,
        )?;
        let report = ar.check_report_path(&batch);
        ar.write_check_report(&batch, &actor, &report)?;
        let mut summary = dto::CheckSummary::new(batch, &report);
        for p in &mut summary.packages {
            if let Some((no, name)) = ar.case_of_efile(&p.efile_no)? {
                p.case_no = Some(no);
                p.case_name = Some(name);
            }
        }
        Ok(summary)
    })
    .await
}

#[tauri::command]
pub async fn create_batch(
    state: State<'_, AppState>,
    operator: String,
    pin: String,
    cases: Option<Vec<String>>,
) -> Res<dto::BatchCreated> {
    let selection = cases.map_or(BatchSelection::AllReady, BatchSelection::Cases);
    Ok(open(&state)?
        .create_batch(&selection, &operator, &pin, None)?
        .into())
}

#[tauri::command]
pub async fn batches(state: State<'_, AppState>) -> Res<Vec<dto::Batch>> {
    Ok(all(open(&state)?.batches()?))
}

/// Writes a form of a batch as a PDF in the data directory; returns its path.
#[tauri::command]
pub async fn print_form(
    state: State<'_, AppState>,
    form: String,
    batch_no: String,
) -> Res<PathBuf> {
    let f = Form::from_code(&form)?;
    let ar = open(&state)?;
    let out = ar.form_path(f, &batch_no);
    ar.print_form(f, &batch_no, &out)?;
    Ok(out)
}

#[tauri::command]
pub async fn write_batch(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    batch_no: String,
    dest: PathBuf,
    layout: Option<String>,
) -> Res<dto::CarrierWritten> {
    let records = records(layout)?;
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(ar
            .write_batch(
                &guidang_api::transferring::WriteRequest {
                    batch_no,
                    dest,
                    carrier_size: None,
                    carrier: None,
                    records,
                    actor,
                },
                p,
                c,
            )?
            .into())
    })
    .await
}

/// How the records lie on the carriers (`zip`, `unpacked`), when the desk
/// chose; `None` keeps the batch's plan (or ZIPs for a new one).
fn records(layout: Option<String>) -> Res<Option<guidang_api::transferring::Records>> {
    layout
        .map(|l| {
            parse(
                &l,
                guidang_api::transferring::Records::from_code,
                "电子档案形式",
            )
        })
        .transpose()
}

/// The disc types a batch can be written to.
#[tauri::command]
pub fn disc_types() -> Vec<dto::DiscType> {
    guidang_api::transferring::DiscType::ALL
        .into_iter()
        .map(Into::into)
        .collect()
}

/// The optical drives, with the disc in each.
#[tauri::command]
pub async fn drives(state: State<'_, AppState>) -> Res<Vec<dto::Drive>> {
    let ar = open(&state)?;
    Ok(ar.drives()?.into_iter().map(Into::into).collect())
}

/// Makes an ISO image of each carrier of a batch in `out_dir`.
#[tauri::command]
pub async fn write_images(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    batch_no: String,
    disc: String,
    out_dir: PathBuf,
    layout: Option<String>,
) -> Res<dto::ImagesMade> {
    let records = records(layout)?;
    let disc = parse(
        &disc,
        guidang_api::transferring::DiscType::from_code,
        "光盘类型",
    )?;
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(ar
            .write_images(
                &guidang_api::transferring::ImageRequest {
                    batch_no,
                    disc,
                    carrier_size: None,
                    carrier: None,
                    records,
                    out_dir,
                    actor,
                },
                p,
                c,
            )?
            .into())
    })
    .await
}

/// Burns the next carrier of a batch to the blank disc in `device` and
/// reads it back before recording it.
#[tauri::command]
pub async fn burn(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    batch_no: String,
    disc: String,
    device: String,
    layout: Option<String>,
) -> Res<dto::CarrierWritten> {
    let records = records(layout)?;
    let disc = parse(
        &disc,
        guidang_api::transferring::DiscType::from_code,
        "光盘类型",
    )?;
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(ar
            .burn(
                &guidang_api::transferring::BurnRequest {
                    batch_no,
                    device,
                    disc,
                    carrier_size: None,
                    carrier: None,
                    records,
                    actor,
                },
                p,
                c,
            )?
            .into())
    })
    .await
}

#[tauri::command]
pub async fn backup(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    to: PathBuf,
) -> Res<dto::BackupDone> {
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(ar.backup(&to, &actor, p, c)?.into())
    })
    .await
}

#[tauri::command]
pub async fn inspect(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
) -> Res<dto::Inspection> {
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(ar.inspect(None, &actor, p, c)?.into())
    })
    .await
}

#[tauri::command]
pub async fn retention_due(state: State<'_, AppState>) -> Res<Vec<dto::DueRow>> {
    let ar = open(&state)?;
    Ok(all(ar.retention_due(ar.today())?))
}

#[tauri::command]
pub async fn unit_settings(state: State<'_, AppState>) -> Res<dto::Unit> {
    Ok(open(&state)?.unit()?.into())
}

#[tauri::command]
pub async fn rename_unit(
    state: State<'_, AppState>,
    operator: String,
    unit_name: String,
    org: Option<String>,
) -> Res<dto::Unit> {
    let mut ar = open(&state)?;
    let actor = ar.actor(&operator)?;
    Ok(ar.rename_unit(&unit_name, org.as_deref(), &actor)?.into())
}

#[tauri::command]
pub async fn scanner_files(state: State<'_, AppState>) -> Res<dto::ScannerFiles> {
    let ar = open(&state)?;
    Ok(dto::ScannerFiles {
        folder: ar.scanner_folder()?.as_deref().map(dto::path_text),
        files: all(ar.scanner_files()?),
    })
}

#[tauri::command]
pub async fn set_scanner_folder(
    state: State<'_, AppState>,
    operator: String,
    folder: Option<PathBuf>,
) -> Res<()> {
    let mut ar = open(&state)?;
    let actor = ar.actor(&operator)?;
    Ok(ar.set_scanner_folder(folder.as_deref(), &actor)?)
}

#[tauri::command]
pub async fn backup_generations(from: PathBuf) -> Res<Vec<dto::Generation>> {
    Ok(all(guidang_api::care::backup_generations(&from)?))
}

/// Restores a backup in place of the working data directory (kept beside it
/// under another name). Once the catalog is set up the core asks for an
/// operator's PIN; on a fresh installation (the wizard) it does not.
#[tauri::command]
pub async fn restore_backup(
    app: AppHandle,
    state: State<'_, AppState>,
    from: PathBuf,
    generation: Option<String>,
    operator: Option<String>,
    pin: Option<String>,
) -> Res<dto::Restored> {
    run_on_dir(app, &state, move |dir, p, c| {
        let who = operator.as_deref().zip(pin.as_deref());
        Ok(
            guidang_api::care::restore_replacing(&from, dir, generation.as_deref(), who, p, c)?
                .into(),
        )
    })
    .await
}

/// Destroys one record whose retention has ended, after the operator's PIN,
/// with the approval that allows it.
#[tauri::command]
pub async fn destroy_case(
    state: State<'_, AppState>,
    case_no: String,
    approved_by: String,
    approval_doc: String,
    operator: String,
    pin: String,
) -> Res<dto::Destruction> {
    Ok(open(&state)?
        .destroy(&case_no, &approved_by, &approval_doc, &operator, &pin)?
        .into())
}

#[tauri::command]
pub async fn destructions(state: State<'_, AppState>) -> Res<Vec<dto::Destruction>> {
    Ok(all(open(&state)?.destructions()?))
}

#[tauri::command]
pub async fn print_destruction_register(state: State<'_, AppState>) -> Res<PathBuf> {
    let ar = open(&state)?;
    let out = ar.destruction_register_path();
    ar.print_destruction_register(&out)?;
    Ok(out)
}

#[tauri::command]
pub async fn audit_log(
    state: State<'_, AppState>,
    limit: Option<i64>,
) -> Res<Vec<dto::AuditEntry>> {
    Ok(all(open(&state)?.audit_log(limit.unwrap_or(500))?))
}

#[tauri::command]
pub async fn audit_verify(state: State<'_, AppState>) -> Res<dto::AuditCheck> {
    Ok(open(&state)?.audit_verify()?.into())
}

#[tauri::command]
pub async fn export_keyring(state: State<'_, AppState>, folder: PathBuf) -> Res<PathBuf> {
    let ar = open(&state)?;
    let unit = ar.unit()?;
    let out = folder.join(format!("{}公钥.json", unit.unit_name));
    ar.export_keyring(&out)?;
    Ok(out)
}

#[tauri::command]
pub async fn intake_open(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    media: Vec<PathBuf>,
    trust: Option<String>,
) -> Res<dto::IntakeOpened> {
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(ar
            .intake_open(
                &guidang_api::intake::OpenRequest {
                    media,
                    trust,
                    actor,
                },
                p,
                c,
            )?
            .into())
    })
    .await
}

#[tauri::command]
pub async fn intake_return(
    state: State<'_, AppState>,
    operator: String,
    efile_no: String,
    reason: String,
) -> Res<()> {
    let mut ar = open(&state)?;
    let actor = ar.actor(&operator)?;
    ar.intake_return(&efile_no, &reason, &actor, None)?;
    Ok(())
}

#[tauri::command]
pub async fn intake_accept(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    pin: String,
) -> Res<dto::Accepted> {
    run_job(app, &state, move |ar, p, c| {
        Ok(ar.intake_accept(&operator, &pin, None, None, p, c)?.into())
    })
    .await
}

/// Collects case folders, export trees or CSV ledgers.
#[tauri::command]
pub async fn collect(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    paths: Vec<PathBuf>,
    replace: bool,
) -> Res<dto::Collected> {
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        Ok(guidang_api::CollectReportView::from(ar.collect(&paths, replace, &actor, p, c)?).into())
    })
    .await
}

/// Collects one case entered in the form, with its material files.
#[tauri::command]
pub async fn collect_form(
    app: AppHandle,
    state: State<'_, AppState>,
    operator: String,
    meta: serde_json::Value,
    files: Vec<(String, PathBuf)>,
) -> Res<dto::Collected> {
    run_job(app, &state, move |ar, p, c| {
        let actor = ar.actor(&operator)?;
        let r = ar.collect_form(&meta, &files, false, &actor, p, c)?;
        Ok(guidang_api::CollectReportView::from(r).into())
    })
    .await
}

/// The native dialog for several files; empty when the user cancels.
#[tauri::command]
pub async fn choose_files() -> Vec<PathBuf> {
    rfd::AsyncFileDialog::new()
        .set_title("选择材料文件")
        .pick_files()
        .await
        .map(|v| v.iter().map(|h| h.path().to_path_buf()).collect())
        .unwrap_or_default()
}

/// Imports the receiving archive's return file (hall side); `trust` is the
/// signer's fingerprint or QR text from the signed receipt, when asked for.
#[tauri::command]
pub async fn import_returns(
    state: State<'_, AppState>,
    operator: String,
    file: PathBuf,
    trust: Option<String>,
) -> Res<dto::ReturnsImported> {
    let trust = trust.filter(|t| !t.trim().is_empty());
    let mut ar = open(&state)?;
    let actor = ar.actor(&operator)?;
    Ok(ar.import_returns(&file, &actor, trust.as_deref())?.into())
}

#[tauri::command]
pub async fn returned_cases(state: State<'_, AppState>) -> Res<Vec<dto::ReturnedCase>> {
    let ar = open(&state)?;
    let rows = ar.cases(&CaseFilter {
        status: Some(CaseStatus::Returned),
        ..Default::default()
    })?;
    rows.into_iter()
        .map(|r| {
            let d = ar.case_detail(&r.case_no)?;
            Ok(dto::ReturnedCase {
                case_no: r.case_no,
                efile_no: r.efile_no,
                case_name: r.case_name,
                reason: d.return_reason,
            })
        })
        .collect::<Result<Vec<_>, guidang_api::Error>>()
        .map_err(UiError::from)
}

/// Opens a file (a printed form) in the system viewer, from which it can
/// be printed.
#[tauri::command]
pub async fn open_file(path: PathBuf) -> Res<()> {
    #[cfg(windows)]
    let mut c = {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    };
    #[cfg(not(windows))]
    let mut c = std::process::Command::new("xdg-open");
    c.arg(&path).spawn().map_err(|e| UiError {
        code: "open_failed".into(),
        message: format!(
            "无法打开 {}：{e}。请用 PDF 阅读器打开这个文件",
            path.display()
        ),
    })?;
    Ok(())
}

/// Sends a generated PDF straight to the system's default printer.
#[tauri::command]
pub async fn print_file(path: PathBuf) -> Res<dto::PrintJob> {
    Ok(guidang_api::printing::send_to_printer(&path, None)?.into())
}

/// Saves a copy of a file where the user picks (另存为); `None` when the
/// user cancels.
#[tauri::command]
pub async fn save_file_as(path: PathBuf) -> Res<Option<PathBuf>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(h) = rfd::AsyncFileDialog::new()
        .set_title("另存为")
        .set_file_name(&name)
        .save_file()
        .await
    else {
        return Ok(None);
    };
    let to = h.path().to_path_buf();
    let bytes = std::fs::read(&path).map_err(|e| UiError {
        code: "io".into(),
        message: format!("无法读取 {}：{e}", path.display()),
    })?;
    guidang_api::core::fsutil::write_atomic(&to, &bytes).map_err(|e| UiError {
        code: "io".into(),
        message: format!("无法保存到 {}：{e}。请换一个位置", to.display()),
    })?;
    Ok(Some(to))
}

/// The native file dialog; `None` when the user cancels.
#[tauri::command]
pub async fn choose_file() -> Option<PathBuf> {
    rfd::AsyncFileDialog::new()
        .set_title("选择文件")
        .pick_file()
        .await
        .map(|h| h.path().to_path_buf())
}

/// Asks for a photo or scan of the transfer list and reads its QR code;
/// `None` when the user cancels.
#[tauri::command]
pub async fn read_qr_image(path: Option<PathBuf>) -> Res<Option<String>> {
    let path = match path {
        Some(p) => p,
        None => match rfd::AsyncFileDialog::new()
            .set_title("选择表单二维码的照片或扫描件")
            .add_filter("图片", &["png", "jpg", "jpeg", "PNG", "JPG", "JPEG"])
            .pick_file()
            .await
        {
            Some(h) => h.path().to_path_buf(),
            None => return Ok(None),
        },
    };
    Ok(Some(guidang_api::qr::read_trust_code(&path)?))
}

/// The native folder dialog (GTK); `None` when the user cancels.
#[tauri::command]
pub async fn choose_folder() -> Option<PathBuf> {
    rfd::AsyncFileDialog::new()
        .set_title("选择文件夹")
        .pick_folder()
        .await
        .map(|h| h.path().to_path_buf())
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
