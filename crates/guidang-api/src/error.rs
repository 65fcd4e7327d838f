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
        "无法使用数据目录 {path}：{}。{}",
        guidang_core::oserror::describe(.source),
        if guidang_core::oserror::is_full(.source) {
            "数据目录可用 --data-dir 移到空间更大的磁盘"
        } else {
            "请检查磁盘空间和权限，或用 --data-dir 指定其他目录"
        }
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
    /// Packaging failed.
    #[error(transparent)]
    Package(#[from] guidang_package::PackageError),
    /// A crypto operation failed.
    #[error("密码运算失败：{0}")]
    Crypto(guidang_crypto::CryptoError),
    /// The operator has no signing key.
    #[error("操作员“{0}”没有签名密钥，不能固化或签名。请新建一个操作员（添加时会自动生成密钥）")]
    NoKey(String),
    /// No such case.
    #[error("没有办件编号为 {0} 的办件；可用 guidang cases --search 查找")]
    NoSuchCase(String),
    /// A case is not in a status that allows the operation.
    #[error("办件 {case_no} 当前状态为“{status}”，{what}")]
    WrongStatus {
        /// 办件编号.
        case_no: String,
        /// Status label.
        status: String,
        /// What cannot be done and what to do.
        what: String,
    },
    /// A path given does not exist.
    #[error("找不到 {0}。请检查路径是否正确、移动介质是否已插好")]
    NotFound(PathBuf),
    /// A keyring file is unreadable.
    #[error("密钥环文件 {path} 无法读取：{message}")]
    BadKeyring {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A batch could not be created or used (every reason listed).
    #[error("无法组批：\n{}", .0.join("\n"))]
    BatchRefused(Vec<String>),
    /// No such batch.
    #[error("没有批次编号为 {0} 的批次；可用 guidang batch list 查看")]
    NoSuchBatch(String),
    /// A check could not run.
    #[error("检测无法进行：{0}")]
    Check(String),
    /// A medium could not be written.
    #[error(transparent)]
    Medium(#[from] guidang_transfer::write::WriteError),
    /// An image or a disc could not be made, burned or verified.
    #[error(transparent)]
    Disc(guidang_transfer::iso::IsoError),
    /// A transfer cannot proceed (plan, carrier choice…).
    #[error("无法移交：{0}")]
    Transfer(String),
    /// The intake side cannot proceed (no open batch, a repeated
    /// acceptance, a damaged receipt…); the message says it all.
    #[error("{0}")]
    Intake(String),
    /// Appraisal or destruction cannot proceed (an unknown retention code,
    /// a register entry missing…); the message says it all.
    #[error("{0}")]
    Retention(String),
    /// The operation belongs to the other role.
    #[error("本机是{role}，{what}")]
    WrongRole {
        /// This installation's role label.
        role: String,
        /// What cannot be done and where to do it.
        what: String,
    },
    /// A batch from a unit whose key was never confirmed.
    #[error("首次接收“{unit}”的批次。移交人 {operator} 的公钥指纹为：\n{fingerprint}\n请与移交方签字的纸质移交清单上印的指纹逐位核对（或扫描清单上的二维码），一致时用 --trust 指纹 重新打开；不一致时不要接收，并与移交方联系")]
    UntrustedSender {
        /// Unit name.
        unit: String,
        /// Batch signer.
        operator: String,
        /// Signer's fingerprint.
        fingerprint: String,
    },
    /// A known unit's batch signed with another key.
    #[error("警告：“{unit}”本批次的签名公钥与以前接收时确认的不同（以前 {stored}，本批 {found}）。这可能是伪造或被替换的批次，不要接收！请电话联系移交方核实；确属更换了密钥的，与本批签字的纸质移交清单核对后用 --trust 新指纹 打开")]
    SenderKeyChanged {
        /// Unit name.
        unit: String,
        /// Fingerprint trusted so far.
        stored: String,
        /// Fingerprint of this batch.
        found: String,
    },
    /// A return file from a receiving unit none of whose keys was confirmed.
    #[error("首次导入退回文件：这份退回文件来自{unit}，接收人 {archivist} 的公钥指纹为：\n{fingerprint}\n请与接收方签字的纸质接收回执或退回单上印的指纹逐位核对（或扫描其上的二维码），一致时填入指纹（命令行：--trust 指纹）重新导入；不一致时不要导入，并与接收方联系")]
    UntrustedReceiver {
        /// The receiving unit as the file names it: name, 行政区划码, 全宗号.
        unit: String,
        /// The signing archivist.
        archivist: String,
        /// Their fingerprint.
        fingerprint: String,
    },
    /// A return file signed with a key not confirmed for its receiving unit.
    #[error("警告：这份自称来自{unit}的退回文件由接收人 {archivist} 签名，其公钥（指纹 {found}）不是本机以前确认过的。这可能是伪造的退回文件，不要导入！请电话联系接收方核实；确属新的接收人或更换了密钥的，与本次签字的纸质接收回执核对后填入该指纹（命令行：--trust 指纹）导入")]
    ReceiverKeyChanged {
        /// The receiving unit as the file names it: name, 行政区划码, 全宗号.
        unit: String,
        /// The signing archivist.
        archivist: String,
        /// Fingerprint of this file's signer.
        found: String,
    },
    /// The fingerprint or QR text typed for a return file does not match it.
    #[error("输入的指纹或二维码“{given}”与退回文件的签名者（指纹 {found}）或批次不一致：退回文件与签字的接收回执不符，不要导入，请与接收方联系")]
    ReceiverTrustMismatch {
        /// What was typed.
        given: String,
        /// The file's signer.
        found: String,
    },
    /// The fingerprint or QR text given does not match the medium.
    #[error("输入的指纹或二维码“{given}”与载体上批次清单的签名者（指纹 {found}）或批次摘要不一致：载体内容与签字的移交清单不符，不要接收，请与移交方联系")]
    TrustMismatch {
        /// What the archivist gave.
        given: String,
        /// Signer's fingerprint on the medium.
        found: String,
    },
    /// A backup cannot be made or used (every problem listed, file by file).
    #[error("备份或恢复无法完成：\n{}", .0.join("\n"))]
    Backup(Vec<String>),
    /// No usable QR code in a picture.
    #[error("{0}")]
    Qr(String),
    /// The system printer could not take a document.
    #[error("{0}")]
    Printer(String),
    /// A return file that cannot be used.
    #[error("退回文件无法使用：{0}")]
    BadReturnFile(String),
    /// Operator name unusable.
    #[error("操作员名称“{0}”无效：应为1至32个字符，不含控制字符")]
    BadOperatorName(String),
}

impl From<guidang_crypto::CryptoError> for Error {
    fn from(e: guidang_crypto::CryptoError) -> Self {
        match e {
            guidang_crypto::CryptoError::WrongPin => Error::WrongPin,
            other => Error::Crypto(other),
        }
    }
}

impl Error {
    /// Invalid input: one field and what is wrong with it.
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(ValidationErrors(vec![guidang_core::FieldError {
            field: field.into(),
            message: message.into(),
        }]))
    }

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
            Error::Package(e) => match e {
                guidang_package::PackageError::StoreDamaged { .. } => "store_damaged",
                guidang_package::PackageError::Cancelled => "cancelled",
                _ => "package_failed",
            },
            Error::Crypto(_) => "crypto",
            Error::NoKey(_) => "no_key",
            Error::NoSuchCase(_) => "no_such_case",
            Error::WrongStatus { .. } => "wrong_status",
            Error::NotFound(_) => "path_not_found",
            Error::BadKeyring { .. } => "bad_keyring",
            Error::Check(_) => "check_failed",
            Error::BatchRefused(_) => "batch_refused",
            Error::NoSuchBatch(_) => "no_such_batch",
            Error::Transfer(_) => "transfer_refused",
            Error::Intake(_) => "intake_refused",
            Error::Retention(_) => "retention_refused",
            Error::WrongRole { .. } => "wrong_role",
            Error::UntrustedSender { .. } => "sender_untrusted",
            Error::SenderKeyChanged { .. } => "sender_key_changed",
            Error::UntrustedReceiver { .. } => "receiver_untrusted",
            Error::ReceiverKeyChanged { .. } => "receiver_key_changed",
            Error::ReceiverTrustMismatch { .. } => "receiver_trust_mismatch",
            Error::TrustMismatch { .. } => "trust_mismatch",
            Error::BadReturnFile(_) => "bad_return_file",
            Error::Backup(_) => "backup_failed",
            Error::Printer(_) => "printer_failed",
            Error::Qr(_) => "qr_unreadable",
            Error::Disc(e) => {
                use guidang_transfer::iso::IsoError as I;
                match e {
                    I::NoXorriso => "disc_tool_missing",
                    I::NotBlank(_) => "disc_not_blank",
                    I::NoDisc(_) => "disc_missing",
                    I::TooSmall { .. } => "disc_too_small",
                    I::Failed(_) => "disc_burn_failed",
                    I::Read { .. } => "disc_read_failed",
                    I::Verify(_) => "disc_verify_failed",
                    I::Cancelled | I::BurnCancelled => "cancelled",
                }
            }
            Error::Medium(e) => {
                use guidang_transfer::write::WriteError as W;
                match e {
                    W::NotADirectory(_) => "medium_not_directory",
                    W::NotWritable { .. } => "medium_not_writable",
                    W::OtherBatch { .. } => "medium_other_batch",
                    W::OtherCarrier { .. } => "medium_other_carrier",
                    W::ForeignFiles(_) => "medium_foreign_files",
                    W::Unwritable(_) => "medium_unsupported",
                    W::NoSpace { .. } => "medium_no_space",
                    W::MediumFull { .. } => "medium_full",
                    W::VerifyFailed { .. } => "medium_verify_failed",
                    W::MediumChanged(_) => "medium_changed",
                    W::SourceChanged(_) => "store_damaged",
                    W::Cancelled => "cancelled",
                    W::Io { .. } => "medium_io",
                }
            }
        }
    }
}
