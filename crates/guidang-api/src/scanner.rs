//! The scanner's output folder (扫描仪输出文件夹): where a hall's scanner
//! software drops each scanned page or document. The desktop app watches it
//! while a case is being entered (the list is re-read every few seconds)
//! and shows the newest files first, so a clerk adds what was just scanned
//! as a material of the right category instead of hunting for it. The
//! folder is a setting; nothing in it is moved or deleted: collection copies
//! a file into the store and hashes it like any other material.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use guidang_catalog::{audit, settings};
use serde::Serialize;

use crate::{Archive, Error, Result};

const SETTING: &str = "collect.scanner_folder";
/// Newest files listed at most.
pub const SCANNER_LIST_LIMIT: usize = 200;

/// One file in the scanner's output folder.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScannedFile {
    /// Full path.
    pub path: PathBuf,
    /// File name.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Last modified, Beijing time (like every time Guidang records),
    /// `YYYY-MM-DD HH:MM:SS`.
    pub modified: String,
}

impl Archive {
    /// The scanner's output folder, when one is set.
    pub fn scanner_folder(&self) -> Result<Option<PathBuf>> {
        Ok(settings::get(self.cat.db(), SETTING)?.map(PathBuf::from))
    }

    /// Sets (or with `None` clears) the scanner's output folder. It must be
    /// an existing folder.
    pub fn set_scanner_folder(&mut self, folder: Option<&Path>, by: &str) -> Result<()> {
        if let Some(f) = folder {
            if !f.is_dir() {
                return Err(Error::NotFound(f.to_path_buf()));
            }
        }
        let value = folder.map(|f| f.display().to_string());
        self.cat.transaction(|tx| -> Result<()> {
            match &value {
                Some(v) => settings::set(tx, SETTING, v)?,
                None => settings::remove(tx, SETTING)?,
            }
            audit::append(
                tx,
                by,
                "scanner_folder",
                value.as_deref().unwrap_or(""),
                &serde_json::json!({ "folder": value }),
            )?;
            Ok(())
        })
    }

    /// The files in the scanner's output folder (not its subfolders, nor
    /// hidden or partly written `.tmp`/`.part` files), newest first, at most
    /// [`SCANNER_LIST_LIMIT`]. Empty when no folder is set.
    pub fn scanner_files(&self) -> Result<Vec<ScannedFile>> {
        let Some(dir) = self.scanner_folder()? else {
            return Ok(Vec::new());
        };
        let rd = std::fs::read_dir(&dir).map_err(|_| Error::NotFound(dir.clone()))?;
        let mut files: Vec<(SystemTime, ScannedFile)> = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let lower = name.to_lowercase();
            if name.starts_with('.') || lower.ends_with(".tmp") || lower.ends_with(".part") {
                continue;
            }
            let Ok(md) = e.metadata() else { continue };
            if !md.is_file() {
                continue;
            }
            let when = md.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let modified = chrono::DateTime::<chrono::Utc>::from(when)
                .with_timezone(&guidang_core::validate::cst())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            files.push((
                when,
                ScannedFile {
                    path: e.path(),
                    name,
                    size: md.len(),
                    modified,
                },
            ));
        }
        files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        Ok(files
            .into_iter()
            .take(SCANNER_LIST_LIMIT)
            .map(|(_, f)| f)
            .collect())
    }
}
