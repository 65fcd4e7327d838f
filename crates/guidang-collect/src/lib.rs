//! Offline collection (收集): reads case folders, export trees and CSV
//! ledgers, validates them, copies every material into the content-addressed
//! store (hashing while copying) and registers each case in the catalog in
//! one transaction.
//!
//! Originals are only ever read. Each case is all-or-nothing and import is
//! idempotent: the same case collected again changes nothing.

pub mod amend;
pub mod import;
pub mod names;
/// Format detection by content (moved to `guidang-core`, re-exported).
pub use guidang_core::sniff;
pub mod source;
pub mod store;

pub use import::{collect, CaseOutcome, CollectOptions, CollectReport, Outcome};
pub use store::Store;

use std::path::PathBuf;

/// Errors that stop a whole collection run (per-case problems are reported
/// in [`CollectReport`] instead).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] guidang_catalog::CatalogError),
    /// A path given on the command line does not exist.
    #[error("找不到路径 {0}。请检查路径是否正确、移动介质是否已插好")]
    NotFound(PathBuf),
    /// Nothing collectable under a path.
    #[error("在 {0} 中没有找到办件：办件文件夹应含有 case.json，台账应为 .csv 文件。格式说明见 docs/collect-format.md")]
    NoCases(PathBuf),
    /// A CSV ledger is unreadable as a whole.
    #[error("台账 {path} 无法读取：{message}")]
    Ledger {
        /// The ledger.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing failed.
    #[error("读写 {path} 失败：{}", guidang_core::oserror::describe(.source))]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The job was cancelled; cases finished before remain collected.
    #[error("收集已取消；取消前已完成的办件已保存")]
    Cancelled,
}

impl CollectError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CollectError {
        let path = path.into();
        move |source| CollectError::Io { path, source }
    }
}
