//! Typed errors of the catalog.

use std::path::PathBuf;

/// What can go wrong with the catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be opened as a SQLite database.
    #[error("无法打开目录库 {path}：{source}。请检查数据目录是否存在且可写")]
    Open {
        /// The catalog file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The catalog was written by a newer Guidang.
    #[error("此目录库由更新版本的归档通创建（结构版本 {found}），当前程序只支持到版本 {supported}。请升级归档通后再打开，不要用旧版本修改它")]
    TooNew {
        /// Schema version in the file.
        found: i64,
        /// Newest version this binary knows.
        supported: i64,
    },
    /// `init` has not been run on this catalog.
    #[error("目录库尚未初始化。请先运行 guidang init --region 行政区划码 --fonds 全宗号 --unit 单位名称")]
    NotInitialised,
    /// `init` was run already.
    #[error("目录库已经初始化（单位：{0}），不能重复初始化")]
    AlreadyInitialised(String),
    /// No such operator.
    #[error("没有名为“{0}”的操作员。请先用 guidang operator add --name {0} 添加")]
    NoSuchOperator(String),
    /// Operator exists already.
    #[error("操作员“{0}”已存在")]
    OperatorExists(String),
    /// Stored data is not what this version expects (damaged or edited).
    #[error("目录库数据异常：{0}。请运行 guidang audit verify 并联系管理员")]
    Corrupt(String),
    /// Any other SQLite error.
    #[error("目录库操作失败：{0}")]
    Sqlite(#[from] rusqlite::Error),
}
