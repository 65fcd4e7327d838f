//! The checks both forms of a package share, once the ZIP's entries or
//! the folder's files have been read: completeness and fixity against the
//! seal, the seal's signature and trust, and the metadata against the
//! content and the package's name.

use std::collections::HashSet;

use guidang_core::DigestAlgo;

use crate::codes::Code;
use crate::metadata::{parse_metadata, Metadata, MetadataError};
use crate::seal::Seal;
use crate::verify::{Acc, Actual, Keyring, PackageForm, SignerInfo, VerifyReport};
use crate::{METADATA_ENTRY, SEAL_ENTRY};

/// An entry's bytes as a reader gives them: `None` when the entry is not
/// there, `Err` (why, in Chinese) when it cannot be read.
pub(crate) type EntryBytes = Option<Result<Vec<u8>, String>>;

/// Reads one small XML entry through `read` (`None`: not there; `Some(Err)`:
/// unreadable) and parses it, recording why not. A duplicated entry is
/// reported by the structure check, not here as missing.
fn read_xml<T>(
    bytes: EntryBytes,
    duplicated: bool,
    (name, missing_code, missing_message): (&str, Code, &str),
    parse: impl Fn(&[u8]) -> Result<T, (Code, Vec<String>)>,
    acc: &mut Acc,
) -> Option<T> {
    let Some(bytes) = bytes else {
        if !duplicated {
            acc.add(missing_code, Some(name), missing_message);
        }
        return None;
    };
    let bytes = bytes
        .map_err(|m| acc.add(Code::EntryData, Some(name), m))
        .ok()?;
    parse(&bytes)
        .map_err(|(code, errs)| {
            for m in errs {
                acc.add(code, Some(name), m);
            }
        })
        .ok()
}

/// `元数据.xml` and `固化信息.xml`, small, read before the pass over the
/// content in both forms: the metadata, and the seal with the digest of
/// its bytes. `read(name)` gives an entry's bytes (bounded by the caller);
/// `duplicated(name)` says whether the name occurs twice (ZIP only).
pub(crate) fn metadata_and_seal(
    read: &mut dyn FnMut(&str) -> EntryBytes,
    duplicated: &dyn Fn(&str) -> bool,
    acc: &mut Acc,
) -> (Option<Metadata>, Option<(Seal, String)>) {
    let metadata = read_xml(
        read(METADATA_ENTRY),
        duplicated(METADATA_ENTRY),
        (
            METADATA_ENTRY,
            Code::PackageMetadataMissing,
            "缺少元数据文件 元数据.xml",
        ),
        |b| {
            parse_metadata(b).map_err(|e| match e {
                MetadataError::Unreadable(m) => (Code::MetadataUnreadable, vec![m]),
                MetadataError::Invalid(v) => (Code::MetadataInvalid, v),
            })
        },
        acc,
    );
    let seal = read_xml(
        read(SEAL_ENTRY),
        duplicated(SEAL_ENTRY),
        (
            SEAL_ENTRY,
            Code::SealMissing,
            "缺少固化信息 固化信息.xml，包未经固化",
        ),
        |b| {
            Seal::parse(b)
                .map(|s| {
                    let d = s.digest_algo().hex(b);
                    (s, d)
                })
                .map_err(|v| (Code::SealInvalid, v))
        },
        acc,
    );
    (metadata, seal)
}

/// What both forms of package have read, for the checks they share.
pub(crate) struct Checked<'a> {
    pub(crate) metadata: Option<Metadata>,
    pub(crate) seal: Option<Seal>,
    /// Every entry name present (readable or not).
    pub(crate) names: &'a HashSet<&'a str>,
    pub(crate) actual: &'a Actual,
    pub(crate) algo: DigestAlgo,
    pub(crate) form: PackageForm,
    /// The file name without `.zip`, or the folder name.
    pub(crate) stem: &'a str,
}

/// The checks both forms share: fixity against the seal, the seal's
/// signature and trust, the metadata against content and names.
pub(crate) fn finish_checks<'a>(
    c: Checked<'_>,
    to_seal: impl Iterator<Item = &'a str>,
    keyring: &Keyring,
    rep: &mut VerifyReport,
    acc: &mut Acc,
) {
    if let Some(s) = &c.seal {
        check_fixity(s, to_seal, c.names, c.actual, c.algo, acc);
        rep.signer = Some(check_seal(s, keyring, acc));
    }
    if let Some(m) = &c.metadata {
        check_metadata(m, c.seal.as_ref(), (c.form, c.stem), c.names, c.actual, acc);
    }
    rep.metadata = c.metadata;
}

/// Completeness and fixity against the seal: every sealed entry present
/// with its digest and size, nothing unsealed.
fn check_fixity<'a>(
    s: &Seal,
    present: impl Iterator<Item = &'a str>,
    names: &HashSet<&str>,
    actual: &Actual,
    entry_algo: DigestAlgo,
    acc: &mut Acc,
) {
    let mut sealed = HashSet::new();
    for se in &s.entries {
        sealed.insert(se.path.as_str());
        match actual.get(&se.path) {
            // Present but unreadable, unsafe or duplicated: reported above.
            None if names.contains(se.path.as_str()) => {}
            None => acc.add(
                Code::EntryMissing,
                Some(&se.path),
                "固化信息中登记的文件在包中不存在",
            ),
            Some((size, digest)) => {
                if *digest != se.digest {
                    acc.add(
                        Code::EntryDigest,
                        Some(&se.path),
                        format!(
                            "内容与固化时不一致（{}摘要应为 {}，实为 {}），文件被修改或损坏",
                            entry_algo.name(),
                            se.digest,
                            digest
                        ),
                    );
                } else if *size != se.size {
                    acc.add(
                        Code::EntrySize,
                        Some(&se.path),
                        format!("大小应为 {} 字节，实为 {size} 字节", se.size),
                    );
                }
            }
        }
    }
    for name in present {
        if name != SEAL_ENTRY && !sealed.contains(name) {
            acc.add(
                Code::EntryUnsealed,
                Some(name),
                "包中有固化信息未登记的文件（多余或被塞入的文件）",
            );
        }
    }
}

/// The seal's signature, its fingerprint, and whether its key is trusted.
fn check_seal(s: &Seal, keyring: &Keyring, acc: &mut Acc) -> SignerInfo {
    if !s.signature_valid() {
        acc.add(
            Code::SealSignature,
            Some(SEAL_ENTRY),
            "固化签名无效：固化信息被修改，或签名与公钥不符",
        );
    }
    let fp_ok = hex::decode(&s.public_key)
        .map(|pk| guidang_crypto::fingerprint(s.suite, &pk) == s.fingerprint)
        .unwrap_or(false);
    if !fp_ok {
        acc.add(
            Code::SealFingerprint,
            Some(SEAL_ENTRY),
            "公钥指纹与公钥不符",
        );
    }
    let trusted = keyring.find(&s.fingerprint, &s.public_key).is_some();
    if !trusted {
        acc.add(
            Code::SealUntrustedKey,
            Some(SEAL_ENTRY),
            format!(
                "签名者“{}”（{}）的公钥不在受信任的密钥环中，公钥指纹 {}。请向移交方核实该指纹",
                s.signer, s.unit, s.fingerprint
            ),
        );
    }
    SignerInfo {
        operator: s.signer.clone(),
        unit: s.unit.clone(),
        fingerprint: s.fingerprint.clone(),
        sealed_at: s.sealed_at.clone(),
        trusted,
    }
}

/// The metadata against the content and the names: materials present with
/// their digests, one 电子文件号 in seal, metadata and file name.
fn check_metadata(
    m: &Metadata,
    seal: Option<&Seal>,
    (form, stem): (PackageForm, &str),
    names: &HashSet<&str>,
    actual: &Actual,
    acc: &mut Acc,
) {
    for mm in &m.materials {
        match actual.get(&mm.path) {
            None if !names.contains(mm.path.as_str()) => acc.add(
                Code::MetadataMaterialMissing,
                Some(&mm.path),
                "元数据中登记的材料在包中不存在",
            ),
            Some((size, digest)) if *digest != mm.digest || *size != mm.size => acc.add(
                Code::MetadataMaterialMismatch,
                Some(&mm.path),
                "元数据中登记的大小或摘要与包中文件不一致",
            ),
            _ => {}
        }
    }
    if let Some(s) = &seal {
        if s.efile_no != m.case.efile_no {
            acc.add(
                Code::SealEfileNo,
                Some(SEAL_ENTRY),
                format!(
                    "固化信息中的电子文件号 {} 与元数据中的 {} 不一致",
                    s.efile_no, m.case.efile_no
                ),
            );
        }
    }
    if stem != m.case.efile_no {
        let named = match form {
            PackageForm::Zip => format!("包文件名“{stem}.zip”"),
            PackageForm::Folder => format!("包文件夹名“{stem}”"),
        };
        acc.add(
            Code::PackageName,
            None,
            format!("{named}与元数据中的电子文件号 {} 不一致", m.case.efile_no),
        );
    }
}
