//! Old Office and WPS documents (OLE compound files) opened for real: a
//! VBA project fails 4-1-2, encryption fails 3-4-1, a plain document is a
//! warning advising PDF/OFD, a broken compound file fails 3-2-1.
//!
//! The files are laid out as Word, Excel and Office's encryption write
//! them (the storage and stream names of MS-DOC, MS-XLS, MS-OVBA and
//! MS-OFFCRYPTO), with the `cfb` library: no Office producer runs here
//! (LibreOffice is not among the test machine's packages), see
//! docs/checks.md.

use std::io::{Cursor, Write};

use super::content::{expect, with};
use super::*;

fn ole(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
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

/// A Word FIB: wIdent 0xA5EC, nFib 0x00C1, then the flags at offset 10.
fn fib(encrypted: bool) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    b[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
    if encrypted {
        b[10..12].copy_from_slice(&0x0100u16.to_le_bytes());
    }
    b
}

fn doc(extra: &[(&str, Vec<u8>)], encrypted: bool) -> Vec<u8> {
    let mut s = vec![("/WordDocument", fib(encrypted)), ("/1Table", vec![0; 32])];
    s.extend(extra.iter().cloned());
    ole(&s)
}

#[test]
fn old_office_documents_are_opened_for_macros_and_encryption() {
    let c = Corpus::new();
    let p = with(&c, "申请书.doc", doc(&[], false), "ole", "o1");
    expect(
        &p,
        "申请书.doc",
        "3-2-1",
        Verdict::Warn,
        "另存为 PDF 或 OFD",
    );
    assert!(
        !p.findings.iter().any(|f| f.verdict == Verdict::Fail),
        "{:#?}",
        p.findings
    );
    // Word keeps its VBA project under /Macros.
    let vba = [
        ("/Macros/VBA/dir", vec![1, 2, 3]),
        ("/Macros/PROJECT", b"ID=\"{0}\"".to_vec()),
    ];
    let p = with(&c, "申请书.doc", doc(&vba, false), "ole", "o2");
    expect(&p, "申请书.doc", "4-1-2", Verdict::Fail, "宏");
    // Excel under /_VBA_PROJECT_CUR; a WPS spreadsheet (.et) alike.
    let xls = ole(&[
        ("/Workbook", vec![0x09, 0x08, 0, 0, 0x0A, 0, 0, 0]),
        ("/_VBA_PROJECT_CUR/VBA/dir", vec![1]),
    ]);
    let p = with(&c, "台账.et", xls, "ole", "o3");
    expect(&p, "台账.et", "4-1-2", Verdict::Fail, "宏");
    // Word's own encryption (fEncrypted) and an encrypted .docx.
    let p = with(&c, "申请书.doc", doc(&[], true), "ole", "o4");
    expect(&p, "申请书.doc", "3-4-1", Verdict::Fail, "加密");
    let docx = ole(&[
        ("/EncryptionInfo", vec![4, 0, 4, 0, 0x40, 0, 0, 0]),
        ("/EncryptedPackage", vec![0; 64]),
    ]);
    let p = with(&c, "申请书.docx", docx, "ole", "o5");
    expect(&p, "申请书.docx", "3-4-1", Verdict::Fail, "加密");
    // A compound file cut short does not open.
    let mut cut = doc(&[], false);
    cut.truncate(700);
    let p = with(&c, "申请书.doc", cut, "ole", "o6");
    expect(&p, "申请书.doc", "3-2-1", Verdict::Fail, "无法打开");
}
