//! Packages as folders (the unpacked layout): unpacked from the ZIP by
//! `unpack_package`, by `unzip` (any tool), verified as the ZIP is, and
//! hostile folders reported, not followed.

use super::*;
use guidang_package::folder::{seal_digest, unpack_package, verify_folder};
use guidang_package::PackageForm;

fn unpacked(g: &Golden) -> (PathBuf, PathBuf) {
    let zip = efile_path(g, "zip");
    build_package(&g.input, &g.signer, SEALED_AT, &zip, &CancelFlag::new()).unwrap();
    let dir = g.dir.join("folders").join(EFILE);
    let files = unpack_package(&zip, &dir, &CancelFlag::new()).unwrap();
    assert_eq!(files.len(), 6, "metadata, four materials, seal");
    (zip, dir)
}

fn vf(g: &Golden, dir: &Path) -> VerifyReport {
    verify_folder(dir, &g.keyring, g.input.suite.digest(), &CancelFlag::new())
}

#[test]
fn a_folder_verifies_as_its_zip_in_both_suites() {
    for suite in [Suite::Gm, Suite::Intl] {
        let g = golden(suite);
        let (zip, dir) = unpacked(&g);
        let r = vf(&g, &dir);
        assert!(r.ok(), "{:?}", codes(&r));
        assert_eq!(r.form, PackageForm::Folder);
        assert_eq!(r.efile_no.as_deref(), Some(EFILE));
        assert!(r.signer.as_ref().unwrap().trusted);
        let z = g.verify(&zip);
        assert!(z.ok(), "{:?}", codes(&z));
        // One seal, one digest, whichever form.
        assert_eq!(r.seal_digest, z.seal_digest);
        assert_eq!(r.seal_digest.clone().unwrap(), seal_digest(&zip).unwrap());
        let seal = std::fs::read(dir.join("固化信息.xml")).unwrap();
        assert_eq!(r.seal_digest.unwrap(), suite.digest().hex(&seal));
        assert!(r.package_digest.is_none());
    }
}

#[test]
fn a_folder_unzipped_by_another_tool_verifies_too() {
    let g = golden(Suite::Gm);
    let (zip, _) = unpacked(&g);
    let dir = g.dir.join("unzipped").join(EFILE);
    std::fs::create_dir_all(&dir).unwrap();
    let st = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&dir)
        .status()
        .expect("unzip is installed (xtask deps)");
    assert!(st.success());
    let r = vf(&g, &dir);
    assert!(r.ok(), "{:?}", codes(&r));
}

#[test]
fn a_changed_added_removed_or_renamed_file_is_named() {
    let g = golden(Suite::Gm);
    let (_, dir) = unpacked(&g);
    let pdf = "证据性材料/申请表.pdf";
    let mut b = std::fs::read(dir.join(pdf)).unwrap();
    b[100] ^= 1;
    std::fs::write(dir.join(pdf), &b).unwrap();
    std::fs::write(dir.join("结果性材料/塞入.pdf"), b"%PDF-1.4\n").unwrap();
    std::fs::remove_file(dir.join("程序性材料/审核意见表.xml")).unwrap();
    let r = vf(&g, &dir);
    assert!(has(&r, "entry.digest", Some(pdf)), "{:?}", codes(&r));
    assert!(has(&r, "entry.unsealed", Some("结果性材料/塞入.pdf")));
    assert!(has(&r, "entry.missing", Some("程序性材料/审核意见表.xml")));
    assert!(has(
        &r,
        "metadata.material_missing",
        Some("程序性材料/审核意见表.xml")
    ));
    let renamed = g
        .dir
        .join("folders")
        .join("430124-0001-0100001005-2025-Y-000009");
    std::fs::rename(&dir, &renamed).unwrap();
    assert!(has(&vf(&g, &renamed), "package.name", None));
}

#[test]
fn an_edited_seal_breaks_the_signature_and_a_missing_one_is_named() {
    let g = golden(Suite::Intl);
    let (_, dir) = unpacked(&g);
    let p = dir.join("固化信息.xml");
    let s = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, s.replace("张三", "李四")).unwrap();
    assert!(has(&vf(&g, &dir), "seal.signature", Some("固化信息.xml")));
    std::fs::remove_file(&p).unwrap();
    let r = vf(&g, &dir);
    assert!(
        has(&r, "seal.missing", Some("固化信息.xml")),
        "{:?}",
        codes(&r)
    );
    assert!(r.seal_digest.is_none());
}

#[cfg(unix)]
#[test]
fn links_fifos_and_bad_names_are_findings_never_followed() {
    use std::os::unix::ffi::OsStrExt;
    let g = golden(Suite::Gm);
    let (_, dir) = unpacked(&g);
    let secret = g.dir.join("secret.txt");
    std::fs::write(&secret, b"outside").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("证据性材料/链接.pdf")).unwrap();
    std::os::unix::fs::symlink("/", dir.join("根")).unwrap();
    let fifo = dir.join("结果性材料/管道.pdf");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let bad = std::ffi::OsStr::from_bytes(b"\xc9\xea\xc7\xeb.pdf");
    std::fs::write(dir.join(bad), b"x").unwrap();
    // The FIFO would hang a reader that opened it: the walk does not.
    let r = vf(&g, &dir);
    assert!(
        has(&r, "folder.link", Some("证据性材料/链接.pdf")),
        "{:?}",
        codes(&r)
    );
    assert!(has(&r, "folder.link", Some("根")));
    assert!(has(&r, "folder.special", Some("结果性材料/管道.pdf")));
    assert!(r.findings.iter().any(|f| f.code == "folder.name_unsafe"));
    // The sealed content is still verified.
    assert!(!r.findings.iter().any(|f| f.code == "entry.digest"));
}

#[test]
fn a_folder_too_deep_is_reported_without_reading_on() {
    let g = golden(Suite::Gm);
    let (_, dir) = unpacked(&g);
    let mut deep = dir.join("证据性材料");
    for i in 0..guidang_package::folder::MAX_DEPTH + 1 {
        deep.push(format!("d{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    let r = vf(&g, &dir);
    assert!(has(&r, "folder.too_large", None), "{:?}", codes(&r));
}

#[test]
fn unpacking_a_tampered_package_leaves_nothing() {
    let g = golden(Suite::Gm);
    let zip = efile_path(&g, "zip");
    build_package(&g.input, &g.signer, SEALED_AT, &zip, &CancelFlag::new()).unwrap();
    // Replace a stored material with other bytes of the same length and a
    // right CRC: only the seal's digest can tell.
    let mut es = entries(&zip);
    for e in es
        .iter_mut()
        .filter(|e| e.0 == "结果性材料/准予许可决定书.pdf")
    {
        e.1[50] ^= 1;
    }
    let bad = g.dir.join("bad.zip");
    repack(&bad, &es);
    let out = g.dir.join("out").join(EFILE);
    let e = unpack_package(&bad, &out, &CancelFlag::new()).unwrap_err();
    assert!(e.to_string().contains("与固化信息不符"), "{e}");
    assert!(!out.exists());
}
