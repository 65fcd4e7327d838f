//! 整理: correcting a stored case (`guidang case edit`, `guidang case
//! material …`, the desktop's case drawer). The correction itself is
//! `guidang_collect::amend`; this module keeps the old package.
//!
//! A case that had a package (packaged, sealed, checked or returned) goes
//! back to 已收集 and its package is set aside under
//! `packages/superseded/{电子文件号}.{time}.zip`, crash-safe in three steps:
//! the file is first hard-linked there (copied and fsynced where links are
//! not possible) and the directory synced, then the correction and the
//! removal of the package's row commit in one transaction, then the old
//! name is removed. A crash before the commit leaves the case as it was
//! (plus a harmless kept copy); after it, at worst the old name remains
//! without a row, which re-sealing sets aside as unregistered.

use std::path::Path;

use guidang_catalog::{packages, settings};
use guidang_collect::amend::{self, Change, FieldChange, Refusal};
use guidang_core::{CancelFlag, CaseStatus};
use serde::Serialize;

use crate::{Archive, Error, Result};

/// What a correction did.
#[derive(Debug, Clone, Serialize)]
pub struct AmendReport {
    /// 办件编号.
    pub case_no: String,
    /// Its 电子文件号 now.
    pub efile_no: String,
    /// Its 电子文件号 before, when the correction changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_efile_no: Option<String>,
    /// Its status before (`sealed`, …); it is `collected` now.
    pub previous_status: CaseStatus,
    /// Every changed field, with old and new values.
    pub changes: Vec<FieldChange>,
    /// Where the old package was kept (relative to the data directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_package: Option<String>,
    /// Content-check notes on a new file, as at collection.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Archive {
    /// Corrects case `case_no` (see the module documentation). `reason`
    /// is required for field corrections and removals.
    pub fn amend_case(
        &mut self,
        case_no: &str,
        change: &Change,
        actor: &str,
        reason: &str,
        cancel: &CancelFlag,
    ) -> Result<AmendReport> {
        let actor = self.actor(actor)?;
        let reason = reason.trim();
        if reason.is_empty() && matches!(change, Change::Set(_) | Change::RemoveMaterial { .. }) {
            return Err(Error::invalid(
                "更正原因",
                "请写明更正原因（例如“申请人证件号码录入错误”），它将与改动一起记入审计日志",
            ));
        }
        let store = self.store()?;
        let p = match amend::prepare(&self.cat, &store, case_no, change, cancel)? {
            Ok(p) => p,
            Err(Refusal::NoSuchCase(c)) => return Err(Error::NoSuchCase(c)),
            Err(Refusal::NotEditable { status, why }) => {
                return Err(Error::WrongStatus {
                    case_no: case_no.into(),
                    status: status.label().into(),
                    what: why,
                })
            }
            Err(Refusal::Invalid(e)) => return Err(Error::Invalid(e)),
        };
        let unit = settings::unit(self.cat.db())?;
        let old = packages::get(self.cat.db(), case_no)?;
        let kept = match &old {
            Some(row) => Some(self.keep_superseded(&row.path, &row.efile_no)?),
            None => None,
        };
        let efile_no = self.cat.transaction(|tx| -> Result<String> {
            let e = amend::commit(tx, &unit, &p, change, &actor, reason, kept.as_deref())?;
            packages::forget(tx, p.existing.id)?;
            Ok(e)
        })?;
        if let Some(row) = &old {
            let path = self.dir.join(&row.path);
            if path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::DataDir {
                    path: path.clone(),
                    source,
                })?;
                if let Some(dir) = path.parent() {
                    let _ = guidang_core::fsutil::sync_dir(dir);
                }
            }
        }
        Ok(AmendReport {
            case_no: case_no.into(),
            previous_efile_no: (efile_no != p.existing.efile_no)
                .then(|| p.existing.efile_no.clone()),
            efile_no,
            previous_status: p.existing.status,
            changes: p.changes,
            superseded_package: kept,
            notes: p.notes,
        })
    }

    /// Links (or copies) a package to `packages/superseded/`; returns the
    /// kept copy's path relative to the data directory.
    fn keep_superseded(&self, rel: &str, efile_no: &str) -> Result<String> {
        let src = self.dir.join(rel);
        let dir = self.dir.join("packages/superseded");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::DataDir { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f");
        let kept = dir.join(format!("{efile_no}.{stamp}.zip"));
        if std::fs::hard_link(&src, &kept).is_err() {
            let tmp = dir.join(format!(".{efile_no}.{stamp}.tmp"));
            std::fs::copy(&src, &tmp).map_err(io(&src))?;
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(io(&tmp))?;
            std::fs::rename(&tmp, &kept).map_err(io(&kept))?;
        }
        guidang_core::fsutil::sync_dir(&dir).map_err(io(&dir))?;
        Ok(guidang_core::fsutil::rel_path(&kept, &self.dir))
    }
}
