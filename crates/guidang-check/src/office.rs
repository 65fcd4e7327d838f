//! Old Office and WPS documents (OLE compound files: `.doc`, `.xls`,
//! `.ppt`, `.wps`, `.et`, `.dps`, and encrypted OOXML) opened with the
//! `cfb` crate, the compound-file reader `calamine` uses:
//!
//! - the compound file must open (a broken one fails 3-2-1);
//! - a VBA project (`Macros`, `_VBA_PROJECT_CUR`, `VBA` storages, or a
//!   presentation's `VBAInfoContainer` record) fails 4-1-2 whatever a
//!   virus scanner says: macros run code;
//! - encryption fails 3-4-1 (DA/T 70: no encryption): an encrypted OOXML
//!   file (`EncryptionInfo` / `EncryptedPackage`), a Word document whose
//!   file information block sets `fEncrypted`, a workbook whose globals
//!   hold a `FILEPASS` record, a presentation with `EncryptedSummary`;
//! - otherwise the document is a warning from the shallow check: not a
//!   layout format, to be saved as PDF or OFD.
//!
//! The flag reads (Word's FIB, Excel's BIFF and PowerPoint's record walks)
//! are a few bytes each with every offset checked; no maintained crate
//! exposes them.

use std::io::{Cursor, Read};

use crate::formats::FormatProblem;

/// At most this much of a presentation's `PowerPoint Document` stream is
/// walked looking for its VBA record, and at most this many records.
const PPT_BYTES: u64 = 64 << 20;
const PPT_RECORDS: usize = 200_000;

/// MS-PPT: a presentation with macros holds a `VBAInfoContainer` (record
/// type 0x03FF) inside its `DocumentContainer`. Records are walked by
/// their 8-byte headers, descending into containers (`recVer` 0xF).
fn ppt_has_vba(b: &[u8]) -> bool {
    let mut at = 0usize;
    for _ in 0..PPT_RECORDS {
        let Some(h) = b.get(at..at + 8) else {
            return false;
        };
        let ver = h[0] & 0x0F;
        let kind = u16::from_le_bytes([h[2], h[3]]);
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        if kind == 0x03FF {
            return true;
        }
        at = if ver == 0x0F {
            at + 8
        } else {
            at.saturating_add(8 + len)
        };
    }
    false
}

/// At most this many BIFF records are read looking for `FILEPASS` (it is
/// among the first records of the workbook globals when present).
const BIFF_RECORDS: usize = 64;

/// Checks an OLE compound file's macros and encryption.
pub fn check_ole(bytes: &[u8]) -> Vec<FormatProblem> {
    let mut cf = match cfb::CompoundFile::open(Cursor::new(bytes)) {
        Ok(c) => c,
        Err(e) => {
            return vec![FormatProblem::fail(format!(
                "OLE 复合文件（旧版 Office/WPS 文档）无法打开：{e}"
            ))]
        }
    };
    let names: Vec<(String, bool)> = cf
        .walk()
        .map(|e| (e.path().to_string_lossy().into_owned(), e.is_storage()))
        .collect();
    let mut v = Vec::new();
    let last = |p: &str| p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    let ppt = names
        .iter()
        .any(|(p, _)| last(p) == "powerpoint document")
        .then(|| head(&mut cf, "/PowerPoint Document", PPT_BYTES));
    if names.iter().any(|(p, storage)| {
        *storage && matches!(last(p).as_str(), "macros" | "_vba_project_cur" | "vba")
    }) || ppt.as_deref().is_some_and(ppt_has_vba)
    {
        v.push(
            FormatProblem::fail(
                "文档中含有宏（VBA 工程），宏可能含恶意代码；请另存为 PDF/OFD 后归档",
            )
            .at("4-1-2"),
        );
    }
    let has = |n: &str| names.iter().any(|(p, _)| last(p) == n.to_ascii_lowercase());
    let encrypted = has("EncryptedPackage")
        || has("EncryptionInfo")
        || has("EncryptedSummary")
        || (has("WordDocument") && word_encrypted(&mut cf))
        || (has("Workbook") && workbook_encrypted(&mut cf, "/Workbook"))
        || (has("Book") && workbook_encrypted(&mut cf, "/Book"));
    if encrypted {
        v.push(
            FormatProblem::fail(
                "文档已加密（设置了打开或修改密码）；按规定加密文件须解密后归档，请取消密码后另存为 PDF/OFD",
            )
            .at("3-4-1"),
        );
    }
    v
}

fn head<F: Read + std::io::Seek>(cf: &mut cfb::CompoundFile<F>, path: &str, n: u64) -> Vec<u8> {
    let mut b = Vec::new();
    if let Ok(s) = cf.open_stream(path) {
        let _ = s.take(n).read_to_end(&mut b);
    }
    b
}

/// MS-DOC FibBase: the 16-bit flags at offset 10, bit 8 `fEncrypted`.
fn word_encrypted<F: Read + std::io::Seek>(cf: &mut cfb::CompoundFile<F>) -> bool {
    let b = head(cf, "/WordDocument", 32);
    b.len() >= 12 && u16::from_le_bytes([b[10], b[11]]) & 0x0100 != 0
}

/// MS-XLS: a `FILEPASS` record (type 0x002F) among the first records of
/// the workbook globals, before their `EOF` (0x000A).
fn workbook_encrypted<F: Read + std::io::Seek>(cf: &mut cfb::CompoundFile<F>, path: &str) -> bool {
    let b = head(cf, path, 64 << 10);
    let mut at = 0usize;
    for _ in 0..BIFF_RECORDS {
        let Some(h) = b.get(at..at + 4) else {
            return false;
        };
        let (kind, len) = (
            u16::from_le_bytes([h[0], h[1]]),
            u16::from_le_bytes([h[2], h[3]]) as usize,
        );
        match kind {
            0x002F => return true,
            0x000A => return false,
            _ => at += 4 + len,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ole(streams: &[(&str, &[u8])]) -> Vec<u8> {
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        for (path, data) in streams {
            if let Some((dir, _)) = path.rsplit_once('/').filter(|(d, _)| !d.is_empty()) {
                cf.create_storage_all(dir).unwrap();
            }
            cf.create_stream(path).unwrap().write_all(data).unwrap();
        }
        cf.flush().unwrap();
        cf.into_inner().into_inner()
    }

    #[test]
    fn biff_records_are_walked_to_the_globals_end() {
        let rec = |k: u16, body: &[u8]| {
            let mut r = k.to_le_bytes().to_vec();
            r.extend((body.len() as u16).to_le_bytes());
            r.extend(body);
            r
        };
        let plain = [rec(0x0809, &[0; 16]), rec(0x000A, &[])].concat();
        let locked = [
            rec(0x0809, &[0; 16]),
            rec(0x002F, &[1, 0]),
            rec(0x000A, &[]),
        ]
        .concat();
        let after_eof = [rec(0x0809, &[0; 16]), rec(0x000A, &[]), rec(0x002F, &[])].concat();
        assert!(check_ole(&ole(&[("/Workbook", &plain)])).is_empty());
        assert!(check_ole(&ole(&[("/Workbook", &locked)]))[0].is_fail());
        assert!(check_ole(&ole(&[("/Workbook", &after_eof)])).is_empty());
        assert!(check_ole(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 broken")[0].is_fail());
    }

    /// A record header: version/instance, type, length.
    fn ppt_rec(ver: u8, kind: u16, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ver, 0];
        r.extend(kind.to_le_bytes());
        r.extend((body.len() as u32).to_le_bytes());
        r.extend(body);
        r
    }

    #[test]
    fn a_presentations_vba_record_is_found_inside_its_document_container() {
        let atom = ppt_rec(0x00, 0x0400, &[0; 12]);
        let vba = ppt_rec(0x0F, 0x03FF, &atom);
        let doc_atom = ppt_rec(0x01, 0x03E9, &[0; 40]);
        let with = ppt_rec(0x0F, 0x03E8, &[doc_atom.clone(), vba].concat());
        let without = ppt_rec(0x0F, 0x03E8, &doc_atom);
        assert!(ppt_has_vba(&with));
        assert!(!ppt_has_vba(&without));
        let v = check_ole(&ole(&[("/PowerPoint Document", &with)]));
        assert!(v[0].is_fail() && v[0].reason.contains("宏"), "{v:?}");
        assert!(check_ole(&ole(&[("/PowerPoint Document", &without)])).is_empty());
        // A length running past the end stops the walk.
        assert!(!ppt_has_vba(&ppt_rec(0x00, 0x0001, &[0; 4])[..10]));
    }
}
