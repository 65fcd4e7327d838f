//! The desktop's boundary types: what the Vue front end receives, and
//! nothing else crosses IPC. Each is built from core types by a `From`
//! impl, so a field renamed in the catalog or the API is a compile error
//! here, never a silent change on screen. The TypeScript declarations in
//! `ui/src/bindings.ts` are generated from these types (ts-rs); a test
//! fails when that file is stale (`GUIDANG_BLESS=1 cargo test -p
//! guidang-app bindings` rewrites it).
//!
//! Codes (status, retention, role…) travel as their stable code strings;
//! paths as strings; absent values as `null`.

mod care;
mod case;
mod hall;
mod intake;
mod wording;

pub use wording::for_window;

use serde::Serialize;
use ts_rs::TS;

pub use care::*;
pub use case::*;
pub use hall::*;
pub use intake::*;

/// What the UI receives on failure: a stable code and a Chinese message
/// that says what to do.
#[derive(Debug, Serialize, TS)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl From<guidang_api::Error> for UiError {
    fn from(e: guidang_api::Error) -> Self {
        UiError {
            code: e.code().to_string(),
            message: for_window(&e.to_string()),
        }
    }
}

/// The payload of a `job-progress` event.
#[derive(Clone, Serialize, TS)]
pub struct JobProgress {
    pub done: u64,
    pub total: u64,
    pub message: String,
}

/// A check verdict, from best to worst.
#[derive(Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    NotChecked,
    Warn,
    Fail,
}

impl From<guidang_check::Verdict> for Verdict {
    fn from(v: guidang_check::Verdict) -> Self {
        match v {
            guidang_check::Verdict::Pass => Verdict::Pass,
            guidang_check::Verdict::NotChecked => Verdict::NotChecked,
            guidang_check::Verdict::Warn => Verdict::Warn,
            guidang_check::Verdict::Fail => Verdict::Fail,
        }
    }
}

/// One finding of a check: the DA/T 70 item, its verdict, why, and the
/// file it concerns.
#[derive(Serialize, TS)]
pub struct Finding {
    pub item: String,
    pub title: String,
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub entry: Option<String>,
}

impl From<guidang_check::Finding> for Finding {
    fn from(f: guidang_check::Finding) -> Self {
        Finding {
            item: f.item,
            title: f.title,
            verdict: f.verdict.into(),
            reason: f.reason.as_deref().map(for_window),
            entry: f.entry,
        }
    }
}

pub(crate) fn path_text(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

pub(crate) fn all<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

/// Every boundary type's TypeScript declaration, in a stable order: the
/// contents of `ui/src/bindings.ts`.
#[cfg(test)]
fn typescript() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from src-tauri/src/dto by ts-rs: do not edit.\n\
         // Regenerate with `GUIDANG_BLESS=1 cargo test -p guidang-app bindings`.\n",
    );
    macro_rules! decl {
        ($($t:ty),+ $(,)?) => {
            $(
                out.push('\n');
                out.push_str("export ");
                out.push_str(&<$t as TS>::decl(&cfg));
                out.push('\n');
            )+
        };
    }
    decl!(
        UiError,
        JobProgress,
        Verdict,
        Finding,
        Summary,
        Unit,
        CaseRow,
        CasePage,
        CaseField,
        CaseMaterial,
        CaseFinding,
        CaseCheck,
        CaseView,
        MaterialPreview,
        FieldChanged,
        Amended,
        crate::commands::case::CaseEdit,
        Operator,
        DemoLoaded,
        CollectOutcome,
        Collected,
        PackageSummary,
        PackageCheck,
        MatrixRow,
        CheckSummary,
        BatchCreated,
        Batch,
        CarrierWritten,
        ScannedFile,
        ScannerFiles,
        ReturnedCase,
        PrintJob,
        BackupDone,
        Generation,
        Restored,
        Damage,
        Inspection,
        DueRow,
        Destruction,
        AuditEntry,
        AuditProblem,
        AuditCheck,
        IntakePackage,
        IntakeOpened,
        ReturnedPackage,
        Accepted,
        ReturnsImported,
        DiscType,
        Drive,
        DiscImage,
        ImagesMade,
        DestinationInfo,
    );
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The front end compiles against `ui/src/bindings.ts`: it must be what
    /// these types generate today.
    #[test]
    fn bindings_are_current() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let now = super::typescript();
        if std::env::var("GUIDANG_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(&file, &now).unwrap();
        }
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            committed == now,
            "ui/src/bindings.ts is stale: run `GUIDANG_BLESS=1 cargo test -p guidang-app bindings` \
             and commit the file"
        );
    }
}
