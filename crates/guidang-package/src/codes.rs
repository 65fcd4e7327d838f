//! The stable codes of verification findings, one enum: scripts, reports
//! and the catalog quote them as strings (`zip.name_unsafe`), the DA/T 70
//! checker maps each to its item with an exhaustive match, and no code is
//! ever decided from a message's words.

use serde::{Serialize, Serializer};

macro_rules! codes {
    ($($(#[$doc:meta])* $v:ident = $s:literal,)*) => {
        /// A verification finding's code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$doc])* $v,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$v,)*];

            /// The stable text of the code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$v => $s,)*
                }
            }

            /// The code with this text.
            pub fn parse(s: &str) -> Option<Code> {
                match s {
                    $($s => Some(Code::$v),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// Not a ZIP, or its directory is damaged or cut short.
    ZipUnreadable = "zip.unreadable",
    /// An entry name that would extract outside the target (zip-slip), or
    /// that is not UTF-8.
    ZipNameUnsafe = "zip.name_unsafe",
    /// Two entries with one name.
    ZipDuplicate = "zip.duplicate",
    /// A symbolic-link entry.
    ZipSymlink = "zip.symlink",
    /// A directory entry.
    ZipDirectoryEntry = "zip.directory_entry",
    /// An encrypted entry.
    ZipEncrypted = "zip.encrypted",
    /// A compression method other than Stored and Deflate.
    ZipMethod = "zip.method",
    /// A compression ratio or size beyond the bounds.
    ZipBomb = "zip.bomb",
    /// Entries overlapping each other or the directory.
    ZipOverlap = "zip.overlap",
    /// A local header that disagrees with its directory record.
    ZipLocalMismatch = "zip.local_mismatch",
    /// Bytes before the first entry.
    ZipLeadingBytes = "zip.leading_bytes",
    /// Bytes that belong to no entry and no directory record.
    ZipGap = "zip.gap",
    /// A local entry the directory does not list.
    ZipHiddenEntry = "zip.hidden_entry",
    /// Bytes after the end record.
    ZipTrailingBytes = "zip.trailing_bytes",
    /// An archive or entry comment.
    ZipComment = "zip.comment",
    /// Bytes inside the directory that are no record.
    ZipCdExtra = "zip.cd_extra",
    /// An entry's data cannot be read (CRC, size, local header, deflate).
    EntryData = "entry.data",
    /// An entry's digest differs from the seal's.
    EntryDigest = "entry.digest",
    /// An entry's size differs from the seal's.
    EntrySize = "entry.size",
    /// A sealed entry is missing.
    EntryMissing = "entry.missing",
    /// An entry the seal does not list.
    EntryUnsealed = "entry.unsealed",
    /// The package file cannot be opened or read.
    PackageUnreadable = "package.unreadable",
    /// No `元数据.xml`.
    PackageMetadataMissing = "package.metadata_missing",
    /// The file name differs from the 电子文件号.
    PackageName = "package.name",
    /// `元数据.xml` cannot be parsed.
    MetadataUnreadable = "metadata.unreadable",
    /// `元数据.xml` parses but breaks the rules.
    MetadataInvalid = "metadata.invalid",
    /// A material the metadata lists is missing.
    MetadataMaterialMissing = "metadata.material_missing",
    /// A material's size or digest differs from the metadata's.
    MetadataMaterialMismatch = "metadata.material_mismatch",
    /// No `固化信息.xml`.
    SealMissing = "seal.missing",
    /// `固化信息.xml` cannot be parsed.
    SealInvalid = "seal.invalid",
    /// The seal's signature does not verify.
    SealSignature = "seal.signature",
    /// The seal's fingerprint does not match its key.
    SealFingerprint = "seal.fingerprint",
    /// The sealing key is not trusted.
    SealUntrustedKey = "seal.untrusted_key",
    /// The seal and the metadata name different 电子文件号.
    SealEfileNo = "seal.efile_no",
    /// A symbolic link in a package folder.
    FolderLink = "folder.link",
    /// A FIFO, device or socket in a package folder.
    FolderSpecial = "folder.special",
    /// A file name in a package folder that is not UTF-8, or holds a
    /// backslash or a control character.
    FolderNameUnsafe = "folder.name_unsafe",
    /// A package folder with more files or deeper nesting than the bounds.
    FolderTooLarge = "folder.too_large",
    /// The verification was cancelled.
    CheckCancelled = "check.cancelled",
}

impl Code {
    /// Whether the finding means the package's bytes could not be read in
    /// full (what a carrier's read-back, DA/T 70 4-2, cares about).
    pub fn is_read_failure(self) -> bool {
        matches!(
            self,
            Code::ZipUnreadable | Code::PackageUnreadable | Code::EntryData | Code::FolderTooLarge
        )
    }

    /// Whether the package could not be opened as a ZIP at all.
    pub fn is_unreadable(self) -> bool {
        matches!(
            self,
            Code::ZipUnreadable | Code::PackageUnreadable | Code::FolderTooLarge
        )
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn every_code_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_string(c).unwrap(), format!("\"{c}\""));
        }
        assert_eq!(Code::parse("zip.nonsense"), None);
    }
}
