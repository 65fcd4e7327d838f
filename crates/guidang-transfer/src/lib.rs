//! Transfer batches (移交批次): the signed batch manifest that commits the
//! transferring operator to the exact packages handed over.
//!
//! The manifest (`批次清单.json`) lists every package with its 电子文件号,
//! 办件编号, item, retention, 开放利用意见, size and digest. Its digest — of
//! the exact bytes of the file — is the batch digest printed on the transfer
//! list; the signature (`批次清单.sig`) is over the same bytes. Batches are
//! immutable: a correction is a new batch that names the batch it corrects.
//!
//! `forms` prints the transfer list and catalogue list; `medium` holds the
//! file-system rules, carrier plan and description files of a medium;
//! `write` puts one carrier on a medium with pre-flight, read-back
//! verification and resume; `returns` is the signed return file of the
//! receiving archive.

pub mod carrier;
pub mod disc;
pub mod forms;
pub mod iso;
pub mod manifest;
pub mod medium;
pub mod returns;
pub mod write;

pub use manifest::{BatchSignature, Manifest, ManifestPackage, ManifestUnit};
