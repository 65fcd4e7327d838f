//! The API's error type.

use std::path::PathBuf;

use guidang_catalog::CatalogError;
use guidang_collect::CollectError;
use guidang_core::ValidationErrors;

/// Everything an operation can fail with. `code()` is stable for scripts and
/// the UI; `Display` is the Chinese message for people.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Catalog error.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Collection error.
    #[error(transparent)]
    Collect(#[from] CollectError),
    /// Invalid input (every field problem listed).
    #[error("输入有误：\n{0}")]
    Invalid(ValidationErrors),
    /// The data directory cannot be created or written.
    #[error(
        "无法使用数据目录 {path}：{source}。请检查磁盘空间和权限，或用 --data-dir 指定其他目录"
    )]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// PIN does not meet the rules.
    #[error("PIN 不符合要求：{0}")]
    WeakPin(String),
    /// Wrong PIN.
    #[error("PIN 错误。请重新输入；如忘记 PIN，请由管理员为您新建操作员")]
    WrongPin,
    /// Operator name unusable.
    #[error("操作员名称“{0}”无效：应为1至32个字符，不含控制字符")]
    BadOperatorName(String),
}

impl Error {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Catalog(e) => match e {
                CatalogError::Open { .. } => "catalog_open",
                CatalogError::TooNew { .. } => "catalog_too_new",
                CatalogError::NotInitialised => "not_initialised",
                CatalogError::AlreadyInitialised(_) => "already_initialised",
                CatalogError::NoSuchOperator(_) => "no_such_operator",
                CatalogError::OperatorExists(_) => "operator_exists",
                CatalogError::Corrupt(_) => "catalog_corrupt",
                CatalogError::Sqlite(_) => "catalog_sqlite",
            },
            Error::Collect(e) => match e {
                CollectError::Catalog(_) => "catalog_sqlite",
                CollectError::NotFound(_) => "path_not_found",
                CollectError::NoCases(_) => "no_cases",
                CollectError::Ledger { .. } => "bad_ledger",
                CollectError::Io { .. } => "io",
                CollectError::Cancelled => "cancelled",
            },
            Error::Invalid(_) => "invalid_input",
            Error::DataDir { .. } => "data_dir",
            Error::WeakPin(_) => "weak_pin",
            Error::WrongPin => "wrong_pin",
            Error::BadOperatorName(_) => "bad_operator_name",
        }
    }
}
