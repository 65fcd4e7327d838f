//! Archival information packages (归档信息包).
//!
//! One ZIP per case, named `{电子文件号}.zip`, holding `元数据.xml`, the
//! materials under `证据性材料/`, `程序性材料/`, `结果性材料/` with their
//! original Chinese names, and `固化信息.xml` — the seal: the digest of every
//! other entry, the signer, the time, and a signature over a canonical form
//! of all of that. The format is specified in `docs/package-format.md`.
//!
//! - [`build`] writes a package in one pass over each material (hashing while
//!   zipping), deterministically: same case and seal, same bytes.
//! - [`reader`] reads a ZIP's central directory by hand and streams entries,
//!   so that hostile archives (zip-slip names, duplicates, encryption,
//!   unknown methods, bombs) become findings instead of crashes or writes.
//! - [`codes`] are the stable codes of verification findings, one enum.
//! - [`layout`] accounts for every byte of a ZIP: local headers against the
//!   central directory, no leading, trailing, hidden or comment bytes.
//! - [`folder`] is the same package as a folder (the unpacked layout):
//!   verified from its files exactly as from the ZIP, and written from it.
//! - [`verify`] checks structure, every digest and the signature, reporting
//!   every problem with the entry it concerns.

pub mod build;
pub mod codes;
pub mod folder;
pub mod layout;
pub mod metadata;
pub mod reader;
pub mod seal;
mod shared;
pub mod verify;
pub mod xml;

pub use build::{build_package, BuiltPackage, PackageInput, PackageMaterial};
pub use codes::Code;
pub use folder::{verify_any_probed, verify_folder, verify_folder_probed};
pub use seal::{Seal, SealEntry, Signer};
pub use verify::{
    verify_package, verify_package_probed, EntryProbe, Finding, Keyring, PackageForm, TrustedKey,
    VerifyReport,
};

/// Name of the metadata entry.
pub const METADATA_ENTRY: &str = "元数据.xml";
/// Name of the seal entry.
pub const SEAL_ENTRY: &str = "固化信息.xml";
/// Format tag of the package.
pub const PACKAGE_FORMAT: &str = "guidang-package/1";
/// Format tag of the seal.
pub const SEAL_FORMAT: &str = "guidang-seal/1";

/// Errors building a package (verification reports findings instead).
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// Reading a stored material or writing the package failed.
    #[error("读写 {path} 失败：{}", guidang_core::oserror::describe(.source))]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A stored material no longer has the digest recorded at collection.
    #[error("存储中的材料“{name}”已损坏（摘要应为 {expected}，实为 {actual}）。请从备份恢复或重新收集该办件")]
    StoreDamaged {
        /// Material name.
        name: String,
        /// Digest recorded in the catalog.
        expected: String,
        /// Digest of the stored bytes.
        actual: String,
    },
    /// ZIP writing failed.
    #[error("生成归档信息包失败：{0}")]
    Zip(String),
    /// Signing failed.
    #[error(transparent)]
    Crypto(#[from] guidang_crypto::CryptoError),
    /// Cancelled.
    #[error("已取消")]
    Cancelled,
}
