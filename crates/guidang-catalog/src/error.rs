//! Typed errors of the catalog.

use std::path::PathBuf;

/// What can go wrong with the catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be opened as a SQLite database.
    #[error("无法打开目录库 {path}：{}。请检查数据目录是否存在且可写", sqlite_text(.source))]
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
    #[error("目录库操作失败：{}", sqlite_text(.0))]
    Sqlite(#[from] rusqlite::Error),
}

/// SQLite's condition in Chinese, with what to do where a person can act;
/// SQLite's own (English) text only for conditions that are bugs.
pub(crate) fn sqlite_text(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    let Some(code) = e.sqlite_error_code() else {
        return e.to_string();
    };
    match code {
        C::DiskFull => "磁盘空间已满，目录库无法写入，本次操作未生效。请删除数据目录所在磁盘上不需要的文件后重试；已保存的数据不受影响".into(),
        C::ReadOnly => "目录库是只读的。请检查数据目录的权限，或确认磁盘没有处于写保护状态".into(),
        C::DatabaseBusy | C::DatabaseLocked => "目录库正被另一个归档通窗口或命令使用。请等它完成或关闭后重试".into(),
        C::CannotOpen => "目录库文件无法打开。请检查数据目录是否存在、可写".into(),
        C::NotADatabase | C::DatabaseCorrupt => "目录库文件已损坏。请不要继续使用它，用 guidang restore 从备份恢复，或联系管理员".into(),
        C::SystemIoFailure => "读写目录库时出错，磁盘可能有故障或已被拔出。请检查磁盘后重试".into(),
        C::PermissionDenied => "没有访问目录库的权限。请检查数据目录的权限".into(),
        C::OutOfMemory => "内存不足".into(),
        C::TooBig => "数据过大，超出目录库的限制".into(),
        _ => e.to_string(),
    }
}
