//! Golden packages built by helpers in a temp dir, then tampered byte by
//! byte and entry by entry to prove each verification finding fires.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use guidang_core::{CancelFlag, DigestAlgo, Suite};
use guidang_crypto::SecretKey;
use guidang_package::metadata::{CaseMeta, MaterialMeta};
use guidang_package::reader::read_index;
use guidang_package::{
    build_package, verify_package, Keyring, PackageInput, PackageMaterial, Signer, TrustedKey,
    VerifyReport,
};

struct Golden {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    input: PackageInput,
    keyring: Keyring,
    signer: Signer,
}

const SEALED_AT: &str = "2026-11-21T10:00:00+08:00";

fn case(efile_no: &str) -> CaseMeta {
    CaseMeta {
        efile_no: efile_no.into(),
        ..CaseMeta::sample()
    }
}

const EFILE: &str = "430124-0001-0100001005-2025-Y-000001";

fn golden(suite: Suite) -> Golden {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let algo = suite.digest();
    let files: Vec<(&str, &str, &str, Vec<u8>)> = vec![
        (
            "证据性",
            "申请表.pdf",
            "pdf",
            [b"%PDF-1.4\n".as_slice(), &vec![b'a'; 40_000]].concat(),
        ),
        (
            "证据性",
            "身份证复印件.jpg",
            "jpeg",
            [
                [0xFF, 0xD8, 0xFF, 0xE0].as_slice(),
                &(0..30_000u32).map(|i| (i * 7) as u8).collect::<Vec<_>>(),
            ]
            .concat(),
        ),
        (
            "程序性",
            "审核意见表.xml",
            "xml",
            "<?xml version=\"1.0\"?><审核意见表>同意</审核意见表>"
                .repeat(50)
                .into_bytes(),
        ),
        (
            "结果性",
            "准予许可决定书.pdf",
            "pdf",
            [b"%PDF-1.7\n".as_slice(), &vec![b'z'; 20_000]].concat(),
        ),
    ];
    let mut materials = Vec::new();
    for (i, (cat, name, fmt, data)) in files.into_iter().enumerate() {
        let blob = dir.join(format!("blob{i}"));
        std::fs::write(&blob, &data).unwrap();
        materials.push(PackageMaterial {
            blob,
            meta: MaterialMeta {
                seq: i as u32 + 1,
                category: cat.into(),
                title: name.rsplit_once('.').unwrap().0.into(),
                original_name: name.into(),
                path: guidang_package::build::material_path(cat, name),
                size: data.len() as u64,
                format: fmt.into(),
                format_version: (fmt == "pdf").then(|| "PDF 1.4".to_string()),
                pages: (fmt == "pdf").then_some(1),
                duration_ms: None,
                digest: algo.hex(&data),
            },
        });
    }
    let key = SecretKey::generate(suite).unwrap();
    let signer = Signer::new(key, "张三", "示范镇人民政府").unwrap();
    let keyring = Keyring {
        keys: vec![TrustedKey {
            operator: "张三".into(),
            unit: "示范镇人民政府".into(),
            suite,
            public_key: signer.public_key.clone(),
            fingerprint: signer.fingerprint.clone(),
        }],
    };
    Golden {
        _tmp: tmp,
        dir,
        input: PackageInput {
            case: case(EFILE),
            suite,
            materials,
            environment: guidang_package::metadata::Environment::current("归档通 测试"),
        },
        keyring,
        signer,
    }
}

impl Golden {
    fn build(&self, name: &str) -> PathBuf {
        let out = self.dir.join(name);
        build_package(
            &self.input,
            &self.signer,
            SEALED_AT,
            &out,
            &CancelFlag::new(),
        )
        .unwrap();
        out
    }
    fn verify(&self, p: &Path) -> VerifyReport {
        verify_package(
            p,
            &self.keyring,
            self.input.suite.digest(),
            &CancelFlag::new(),
        )
    }
}

fn codes(r: &VerifyReport) -> Vec<(&'static str, Option<String>)> {
    r.findings
        .iter()
        .map(|f| (f.code.as_str(), f.entry.clone()))
        .collect()
}

fn has(r: &VerifyReport, code: &str, entry: Option<&str>) -> bool {
    r.findings
        .iter()
        .any(|f| f.code == code && f.entry.as_deref() == entry)
}

use guidang_testkit::{zip_entries as entries, zip_repack as repack};

fn efile_path(g: &Golden, sub: &str) -> PathBuf {
    let d = g.dir.join(sub);
    std::fs::create_dir_all(&d).unwrap();
    d.join(format!("{EFILE}.zip"))
}

#[test]
fn a_good_package_verifies_in_both_suites_and_digest_matches_the_file() {
    for suite in [Suite::Gm, Suite::Intl] {
        let g = golden(suite);
        let p = g.build(&format!("{EFILE}.zip"));
        let r = g.verify(&p);
        assert!(r.ok(), "{:?}", r.findings);
        let whole = std::fs::read(&p).unwrap();
        assert_eq!(
            r.package_digest.as_deref(),
            Some(suite.digest().hex(&whole).as_str())
        );
        assert_eq!(r.efile_no.as_deref(), Some(EFILE));
        assert!(r.signer.as_ref().unwrap().trusted);
        // Order and compression of entries.
        let idx = read_index(&mut std::fs::File::open(&p).unwrap()).unwrap();
        let names: Vec<_> = idx
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.method))
            .collect();
        assert_eq!(
            names,
            [
                ("元数据.xml", 8),
                ("证据性材料/申请表.pdf", 0),
                ("证据性材料/身份证复印件.jpg", 0),
                ("程序性材料/审核意见表.xml", 8),
                ("结果性材料/准予许可决定书.pdf", 0),
                ("固化信息.xml", 8)
            ]
        );
        assert!(
            idx.entries
                .iter()
                .all(|e| e.flags & 0x0800 != 0 || e.name.is_ascii()),
            "UTF-8 flag set"
        );
    }
}

#[test]
fn building_twice_gives_identical_bytes() {
    // Ed25519 is deterministic: the whole ZIP is identical.
    let g = golden(Suite::Intl);
    let (a, b) = (g.build("a.zip"), g.build("b.zip"));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // SM2 signatures are randomised (GB/T 32918): everything before the seal
    // entry is identical, and both seals verify.
    let g = golden(Suite::Gm);
    let (a, b) = (g.build("a.zip"), g.build("b.zip"));
    let seal_at = |p: &Path| {
        let idx = read_index(&mut std::fs::File::open(p).unwrap()).unwrap();
        idx.entries
            .iter()
            .find(|e| e.name == "固化信息.xml")
            .unwrap()
            .local_header_offset as usize
    };
    assert_eq!(seal_at(&a), seal_at(&b));
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(ba[..seal_at(&a)], bb[..seal_at(&b)]);
}

#[test]
fn a_flipped_byte_in_any_stored_material_is_named() {
    let g = golden(Suite::Gm);
    let good = g.build("good.zip");
    let idx = read_index(&mut std::fs::File::open(&good).unwrap()).unwrap();
    for e in idx.entries.iter().filter(|e| e.method == 0) {
        let mut bytes = std::fs::read(&good).unwrap();
        // Data starts after the 30-byte local header, name and extra field.
        let lh = e.local_header_offset as usize;
        let n = u16::from_le_bytes([bytes[lh + 26], bytes[lh + 27]]) as usize;
        let x = u16::from_le_bytes([bytes[lh + 28], bytes[lh + 29]]) as usize;
        let at = lh + 30 + n + x + 100;
        bytes[at] ^= 0x01;
        let p = efile_path(&g, &format!("flip{}", e.local_header_offset));
        std::fs::write(&p, &bytes).unwrap();
        let r = g.verify(&p);
        assert!(
            has(&r, "entry.data", Some(&e.name)),
            "{}: {:?}",
            e.name,
            codes(&r)
        );
        assert!(r.findings.iter().any(|f| f.message.contains("CRC-32")));
    }
}

#[test]
fn a_flipped_byte_in_metadata_or_seal_is_named() {
    let g = golden(Suite::Gm);
    let good = g.build("good.zip");
    let idx = read_index(&mut std::fs::File::open(&good).unwrap()).unwrap();
    for name in ["元数据.xml", "固化信息.xml"] {
        let e = idx.entries.iter().find(|e| e.name == name).unwrap();
        let mut bytes = std::fs::read(&good).unwrap();
        let lh = e.local_header_offset as usize;
        let n = u16::from_le_bytes([bytes[lh + 26], bytes[lh + 27]]) as usize;
        let at = lh + 30 + n + (e.compressed_size as usize / 2);
        bytes[at] ^= 0x20;
        let p = efile_path(&g, &format!("flip-{name}"));
        std::fs::write(&p, &bytes).unwrap();
        let r = g.verify(&p);
        assert!(!r.ok());
        assert!(
            r.findings.iter().any(|f| f.entry.as_deref() == Some(name)),
            "{name}: {:?}",
            codes(&r)
        );
    }
}

#[test]
fn content_changed_with_valid_crc_is_caught_by_digest() {
    let g = golden(Suite::Gm);
    let good = g.build("good.zip");
    // A tamperer who rewrites the ZIP properly (valid CRCs) but keeps the seal.
    for target in ["结果性材料/准予许可决定书.pdf", "元数据.xml"] {
        let mut items = entries(&good);
        let e = items.iter_mut().find(|(n, _)| n == target).unwrap();
        let i = e.1.len() / 2;
        e.1[i] ^= 0x04;
        let p = efile_path(&g, &format!("crc-{}", target.len()));
        repack(&p, &items);
        let r = g.verify(&p);
        assert!(
            has(&r, "entry.digest", Some(target)),
            "{target}: {:?}",
            codes(&r)
        );
    }
}

#[test]
fn an_edited_seal_breaks_the_signature() {
    let g = golden(Suite::Gm);
    let good = g.build("good.zip");
    let mut items = entries(&good);
    let seal = items.iter_mut().find(|(n, _)| n == "固化信息.xml").unwrap();
    let text = String::from_utf8(seal.1.clone())
        .unwrap()
        .replace("<经办人>张三</经办人>", "<经办人>李四</经办人>");
    seal.1 = text.into_bytes();
    let p = efile_path(&g, "seal-edit");
    repack(&p, &items);
    let r = g.verify(&p);
    assert_eq!(
        codes(&r),
        vec![("seal.signature", Some("固化信息.xml".to_string()))]
    );
}

#[test]
fn a_package_resigned_with_another_key_fails() {
    let g = golden(Suite::Gm);
    // The forger changes a material and re-seals it with their own key.
    let mut forged = g.input.clone();
    let blob = g.dir.join("forged.pdf");
    let data = b"%PDF-1.4\nforged decision".to_vec();
    std::fs::write(&blob, &data).unwrap();
    let m = forged.materials.last_mut().unwrap();
    m.blob = blob;
    m.meta.size = data.len() as u64;
    m.meta.digest = DigestAlgo::Sm3.hex(&data);
    let forger = Signer::new(
        SecretKey::generate(Suite::Gm).unwrap(),
        "张三",
        "示范镇人民政府",
    )
    .unwrap();
    let p = efile_path(&g, "resigned");
    build_package(&forged, &forger, SEALED_AT, &p, &CancelFlag::new()).unwrap();
    let r = g.verify(&p);
    assert_eq!(
        codes(&r),
        vec![("seal.untrusted_key", Some("固化信息.xml".to_string()))]
    );
    assert!(r.findings[0].message.contains(&forger.fingerprint));
    assert!(!r.signer.unwrap().trusted);
}

#[test]
fn extra_missing_and_renamed_entries_are_found() {
    let g = golden(Suite::Gm);
    let good = g.build("good.zip");
    let mut items = entries(&good);
    items.insert(
        2,
        ("证据性材料/补充.pdf".into(), b"%PDF-1.4 extra".to_vec()),
    );
    items.retain(|(n, _)| n != "程序性材料/审核意见表.xml");
    let p = efile_path(&g, "extra");
    repack(&p, &items);
    let r = g.verify(&p);
    assert!(
        has(&r, "entry.unsealed", Some("证据性材料/补充.pdf")),
        "{:?}",
        codes(&r)
    );
    assert!(
        has(&r, "entry.missing", Some("程序性材料/审核意见表.xml")),
        "{:?}",
        codes(&r)
    );
    assert!(has(
        &r,
        "metadata.material_missing",
        Some("程序性材料/审核意见表.xml")
    ));

    let renamed = g.dir.join("430124-0001-0100001005-2025-Y-000002.zip");
    std::fs::copy(&good, &renamed).unwrap();
    assert_eq!(codes(&g.verify(&renamed)), vec![("package.name", None)]);
}

/// A raw ZIP writer for hostile archives the zip crate would not write.
struct RawZip {
    data: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl RawZip {
    fn new() -> Self {
        RawZip {
            data: Vec::new(),
            central: Vec::new(),
            count: 0,
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        name: &str,
        method: u16,
        flags: u16,
        stored: &[u8],
        crc: u32,
        usize_: u32,
        mode: Option<u32>,
    ) {
        let off = self.data.len() as u32;
        let n = name.as_bytes();
        let mut lh = Vec::new();
        lh.extend(0x04034b50u32.to_le_bytes());
        lh.extend(20u16.to_le_bytes());
        lh.extend((flags | 0x0800).to_le_bytes());
        lh.extend(method.to_le_bytes());
        lh.extend([0u8; 4]);
        lh.extend(crc.to_le_bytes());
        lh.extend((stored.len() as u32).to_le_bytes());
        lh.extend(usize_.to_le_bytes());
        lh.extend((n.len() as u16).to_le_bytes());
        lh.extend(0u16.to_le_bytes());
        lh.extend(n);
        self.data.extend(&lh);
        self.data.extend(stored);
        let mut c = Vec::new();
        c.extend(0x02014b50u32.to_le_bytes());
        c.extend(if mode.is_some() { 0x031Eu16 } else { 20u16 }.to_le_bytes());
        c.extend(20u16.to_le_bytes());
        c.extend((flags | 0x0800).to_le_bytes());
        c.extend(method.to_le_bytes());
        c.extend([0u8; 4]);
        c.extend(crc.to_le_bytes());
        c.extend((stored.len() as u32).to_le_bytes());
        c.extend(usize_.to_le_bytes());
        c.extend((n.len() as u16).to_le_bytes());
        c.extend([0u8; 8]);
        c.extend((mode.unwrap_or(0) << 16).to_le_bytes());
        c.extend(off.to_le_bytes());
        c.extend(n);
        self.central.extend(c);
        self.count += 1;
    }
    fn stored(&mut self, name: &str, d: &[u8]) {
        self.add(name, 0, 0, d, crc32fast::hash(d), d.len() as u32, None);
    }
    fn finish(mut self, p: &Path) {
        let off = self.data.len() as u32;
        let size = self.central.len() as u32;
        self.data.extend(&self.central);
        self.data.extend(0x06054b50u32.to_le_bytes());
        self.data.extend([0u8; 4]);
        self.data.extend(self.count.to_le_bytes());
        self.data.extend(self.count.to_le_bytes());
        self.data.extend(size.to_le_bytes());
        self.data.extend(off.to_le_bytes());
        self.data.extend(0u16.to_le_bytes());
        std::fs::write(p, self.data).unwrap();
    }
}

#[test]
fn hostile_archives_are_reported_not_extracted() {
    let g = golden(Suite::Gm);
    let dir = g.dir.join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let mut z = RawZip::new();
    z.stored("元数据.xml", b"<x/>");
    z.stored("../../etc/cron.d/evil", b"* * * * * root sh");
    z.stored("/abs/evil.txt", b"x");
    z.stored("dup.pdf", b"%PDF-1 one");
    z.stored("dup.pdf", b"%PDF-1 two");
    z.add(
        "link",
        0,
        0,
        b"/etc/passwd",
        crc32fast::hash(b"/etc/passwd"),
        11,
        Some(0o120777),
    );
    z.add("secret.pdf", 0, 0x0001, b"ciphertext", 0, 10, None);
    // A name in GBK, as Chinese Windows tools write it: 申请表.pdf.
    z.stored("GBKGBK.pdf", b"%PDF-1.4 gbk");
    let gbk = encoding_rs::GBK.encode("申请表").0.into_owned();
    assert_eq!(gbk.len(), 6);
    for buf in [&mut z.data, &mut z.central] {
        while let Some(at) = buf.windows(6).position(|w| w == b"GBKGBK") {
            buf[at..at + 6].copy_from_slice(&gbk);
        }
    }
    z.add("bzip.pdf", 12, 0, b"BZh91AY", 0, 7, None);
    // A deflate bomb: 64 MiB of zeros in ~64 KiB.
    let zeros = vec![0u8; 64 << 20];
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&zeros).unwrap();
    let bomb = enc.finish().unwrap();
    z.add(
        "bomb.xml",
        8,
        0,
        &bomb,
        crc32fast::hash(&zeros),
        zeros.len() as u32,
        None,
    );
    // A size lie: declares 10 bytes, inflates to 1 MiB.
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![b'a'; 1 << 20]).unwrap();
    let lie = enc.finish().unwrap();
    z.add("lie.xml", 8, 0, &lie, 0, 10, None);
    let p = dir.join("hostile.zip");
    z.finish(&p);
    let before: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let r = g.verify(&p);
    for (code, entry) in [
        ("zip.name_unsafe", "../../etc/cron.d/evil"),
        ("zip.name_unsafe", "/abs/evil.txt"),
        ("zip.duplicate", "dup.pdf"),
        ("zip.symlink", "link"),
        ("zip.encrypted", "secret.pdf"),
        ("zip.method", "bzip.pdf"),
        ("zip.bomb", "bomb.xml"),
        ("entry.data", "lie.xml"),
        ("zip.name_unsafe", "申请表.pdf"),
    ] {
        assert!(
            has(&r, code, Some(entry)),
            "{code} {entry}: {:?}",
            codes(&r)
        );
    }
    assert!(r
        .findings
        .iter()
        .any(|f| f.entry.as_deref() == Some("lie.xml") && f.message.contains("超过声明的大小")));
    assert!(r
        .findings
        .iter()
        .any(|f| f.entry.as_deref() == Some("申请表.pdf")
            && f.message.contains("按 GBK 读作“申请表.pdf”")));
    assert!(has(&r, "seal.missing", Some("固化信息.xml")));
    assert!(
        has(&r, "metadata.unreadable", Some("元数据.xml"))
            || has(&r, "metadata.invalid", Some("元数据.xml"))
    );
    // Nothing was written anywhere.
    let after: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
    assert!(!g.dir.join("etc").exists() && !Path::new("/abs/evil.txt").exists());
}

#[test]
fn not_a_zip_and_truncated_zip_are_findings() {
    let g = golden(Suite::Gm);
    let p = g.dir.join("text.zip");
    std::fs::write(&p, "这不是 ZIP 文件".repeat(10)).unwrap();
    assert_eq!(codes(&g.verify(&p)), vec![("zip.unreadable", None)]);
    let good = std::fs::read(g.build("good.zip")).unwrap();
    let t = efile_path(&g, "trunc");
    std::fs::write(&t, &good[..good.len() / 2]).unwrap();
    assert_eq!(codes(&g.verify(&t)), vec![("zip.unreadable", None)]);
}

#[test]
fn xml_with_a_dtd_is_refused() {
    let g = golden(Suite::Gm);
    let good = g.build("good.zip");
    let mut items = entries(&good);
    let m = items.iter_mut().find(|(n, _)| n == "元数据.xml").unwrap();
    let xxe = String::from_utf8(m.1.clone()).unwrap().replacen(
        "<归档信息包",
        "<!DOCTYPE 归档信息包 [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<归档信息包",
        1,
    );
    m.1 = xxe.into_bytes();
    let p = efile_path(&g, "xxe");
    repack(&p, &items);
    let r = g.verify(&p);
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "metadata.unreadable" && f.message.contains("DOCTYPE")),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn unzip_and_7zip_open_packages_with_chinese_names() {
    let g = golden(Suite::Gm);
    let p = g.build(&format!("{EFILE}.zip"));
    let out = Command::new("unzip")
        .arg("-Z1")
        .arg(&p)
        .output()
        .expect("unzip is installed by .ci/run");
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.contains("证据性材料/身份证复印件.jpg") && list.contains("固化信息.xml"),
        "{list}"
    );
    let t = Command::new("unzip").arg("-tq").arg(&p).output().unwrap();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stdout));
    let x = tempfile::tempdir().unwrap();
    let s = Command::new("7z")
        .args(["x", "-y", "-bd"])
        .arg(format!("-o{}", x.path().display()))
        .arg(&p)
        .output()
        .expect("7z (p7zip-full) is installed by .ci/run");
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stdout));
    let pdf = std::fs::read(x.path().join("结果性材料/准予许可决定书.pdf")).unwrap();
    assert_eq!(DigestAlgo::Sm3.hex(&pdf), g.input.materials[3].meta.digest);
}

#[test]
fn damaged_store_blob_stops_the_build() {
    let g = golden(Suite::Gm);
    let mut data = std::fs::read(&g.input.materials[0].blob).unwrap();
    data[3] ^= 1;
    std::fs::write(&g.input.materials[0].blob, &data).unwrap();
    let e = build_package(
        &g.input,
        &g.signer,
        SEALED_AT,
        &g.dir.join("x.zip"),
        &CancelFlag::new(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        guidang_package::PackageError::StoreDamaged { .. }
    ));
    assert!(e.to_string().contains("已损坏"));
}

#[test]
fn metadata_and_seal_validate_against_the_published_schemas() {
    let g = golden(Suite::Gm);
    let p = g.build(&format!("{EFILE}.zip"));
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/schemas");
    for (entry, xsd) in [
        ("元数据.xml", "package-metadata.xsd"),
        ("固化信息.xml", "seal.xsd"),
    ] {
        let (_, data) = entries(&p).into_iter().find(|(n, _)| n == entry).unwrap();
        let f = g.dir.join(format!("{xsd}.xml"));
        std::fs::write(&f, &data).unwrap();
        let o = Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema"])
            .arg(schemas.join(xsd))
            .arg(&f)
            .output()
            .expect("xmllint (libxml2-utils) is installed by .ci/run");
        assert!(
            o.status.success(),
            "{entry}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // And a broken document is rejected by the same schema.
        std::fs::write(
            &f,
            String::from_utf8(data)
                .unwrap()
                .replacen("<电子文件号>", "<电子文件编号>", 1),
        )
        .unwrap();
        let o = Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema"])
            .arg(schemas.join(xsd))
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            !o.status.success(),
            "{entry}: schema accepted a broken document"
        );
    }
}

/// Where each central-directory record's local-header offset field lies.
fn cd_offset_fields(b: &[u8]) -> (usize, Vec<usize>) {
    let eocd = (0..=b.len() - 22)
        .rev()
        .find(|&i| b[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .unwrap();
    let cd = u32::from_le_bytes(b[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    let mut fields = Vec::new();
    let mut p = cd;
    while b[p..p + 4] == [0x50, 0x4b, 0x01, 0x02] {
        let n = u16::from_le_bytes([b[p + 28], b[p + 29]]) as usize;
        let x = u16::from_le_bytes([b[p + 30], b[p + 31]]) as usize;
        let c = u16::from_le_bytes([b[p + 32], b[p + 33]]) as usize;
        fields.push(p + 42);
        p += 46 + n + x + c;
    }
    (eocd, fields)
}

/// Inserts `bytes` at `at`, moving every offset after it as a careful
/// forger would, so that the central directory stays consistent.
fn splice(b: &[u8], at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut out = [&b[..at], bytes, &b[at..]].concat();
    let shift = |v: &mut [u8], f: usize| {
        let o = u32::from_le_bytes(v[f..f + 4].try_into().unwrap()) as usize;
        if o >= at {
            v[f..f + 4].copy_from_slice(&((o + bytes.len()) as u32).to_le_bytes());
        }
    };
    // The directory and end record lie after `at`: moved by the insert.
    let (eocd, fields) = cd_offset_fields(b);
    for f in fields {
        shift(&mut out, f + bytes.len());
    }
    shift(&mut out, eocd + bytes.len() + 16);
    out
}

/// A local entry (header and stored data) that no directory lists.
fn local_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut z = RawZip::new();
    z.stored(name, data);
    z.data
}

fn layout_codes(r: &VerifyReport) -> Vec<(&'static str, Option<String>)> {
    codes(r)
        .into_iter()
        .filter(|(c, _)| c.starts_with("zip."))
        .collect()
}

#[test]
fn a_zip_is_what_its_bytes_say() {
    let g = golden(Suite::Gm);
    let good_path = g.build("good.zip");
    let good = std::fs::read(&good_path).unwrap();
    let first = efile_path(&g, "clean");
    std::fs::write(&first, &good).unwrap();
    assert_eq!(codes(&g.verify(&first)), vec![], "our own package is clean");
    let index = read_index(&mut std::fs::File::open(&good_path).unwrap()).unwrap();
    let pdf = index
        .entries
        .iter()
        .find(|e| e.name == "证据性材料/申请表.pdf")
        .unwrap();
    let lh = pdf.local_header_offset as usize;
    let write = |sub: &str, bytes: &[u8]| {
        let p = efile_path(&g, sub);
        std::fs::write(&p, bytes).unwrap();
        p
    };

    // Local headers that lie about CRC, method or size.
    for (sub, field, value, what) in [
        ("crc", 14, 0xdead_beefu32.to_le_bytes().to_vec(), "CRC-32"),
        ("method", 8, 8u16.to_le_bytes().to_vec(), "压缩方法"),
        ("size", 22, 7u32.to_le_bytes().to_vec(), "原始大小"),
    ] {
        let mut b = good.clone();
        b[lh + field..lh + field + value.len()].copy_from_slice(&value);
        let r = g.verify(&write(sub, &b));
        assert_eq!(
            layout_codes(&r),
            vec![("zip.local_mismatch", Some(pdf.name.clone()))],
            "{sub}"
        );
        let m = &r.findings[0].message;
        assert!(m.contains(what) && m.contains("流式解压"), "{m}");
    }

    // Bytes after the end record.
    let r = g.verify(&write("trailing", &[&good[..], b"MZ payload"].concat()));
    assert_eq!(layout_codes(&r), vec![("zip.trailing_bytes", None)]);
    assert!(r.findings[0].message.contains("10 字节"));

    // A stub before the archive, offsets adjusted by `zip -A` as a
    // self-extractor builder does.
    let sfx = write(
        "sfx",
        &[&b"MZ\x90\x00 stub ".repeat(50)[..], &good[..]].concat(),
    );
    let st = Command::new("zip").arg("-A").arg(&sfx).output().unwrap();
    assert!(st.status.success(), "{st:?}");
    let r = g.verify(&sfx);
    assert_eq!(layout_codes(&r), vec![("zip.leading_bytes", None)]);
    assert!(
        r.findings[0].message.contains("500 字节"),
        "{:?}",
        r.findings
    );

    // Data in the archive comment, written by zip -z.
    let commented = write("comment", &good);
    let mut z = Command::new("zip")
        .arg("-z")
        .arg(&commented)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    z.stdin
        .take()
        .unwrap()
        .write_all(b"hidden payload\n")
        .unwrap();
    assert!(z.wait().unwrap().success());
    let r = g.verify(&commented);
    assert_eq!(layout_codes(&r), vec![("zip.comment", None)]);

    // A whole local entry hidden in a gap between sealed entries, every
    // offset after it moved: the directory is consistent, a streaming
    // extractor would write the .exe.
    let hidden = local_entry("setup.exe", b"MZ\x90\x00\x03 not really a program");
    let b = splice(&good, lh, &hidden);
    let p = write("hidden", &b);
    let r = g.verify(&p);
    assert_eq!(
        layout_codes(&r),
        vec![("zip.hidden_entry", Some("setup.exe".to_string()))]
    );
    assert!(r.findings[0].message.contains(&format!("偏移 {lh}")));
    // Plain bytes in a gap.
    let r = g.verify(&write("gap", &splice(&good, lh, &[0u8; 33])));
    assert_eq!(layout_codes(&r), vec![("zip.gap", None)]);
    assert!(r.findings[0].message.contains("33 字节"));
    // The tools that read the directory see only the sealed entries, and
    // every one of them still matches its seal: the findings above are what
    // stands between the .exe and a streaming extractor.
    let listed = Command::new("unzip").arg("-Z1").arg(&p).output().unwrap();
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("setup.exe"));
    assert!(codes(&r).iter().all(|(c, _)| c.starts_with("zip.")));
}

#[test]
fn an_entry_comment_and_an_overlap_are_findings() {
    let g = golden(Suite::Gm);
    let good_path = g.build("good.zip");
    let good = std::fs::read(&good_path).unwrap();
    // An entry comment on the metadata's directory record (the bytes
    // inserted into the directory, its size in the end record grown).
    let mut b = good.clone();
    let (eocd, fields) = cd_offset_fields(&b);
    let rec = fields
        .iter()
        .map(|f| f - 42)
        .find(|&r| {
            let n = u16::from_le_bytes([b[r + 28], b[r + 29]]) as usize;
            &b[r + 46..r + 46 + n] == "元数据.xml".as_bytes()
        })
        .unwrap();
    let n = u16::from_le_bytes([b[rec + 28], b[rec + 29]]) as usize;
    let x = u16::from_le_bytes([b[rec + 30], b[rec + 31]]) as usize;
    let note = b"see attached.exe";
    b[rec + 32..rec + 34].copy_from_slice(&(note.len() as u16).to_le_bytes());
    let cd_size = u32::from_le_bytes(b[eocd + 12..eocd + 16].try_into().unwrap());
    b[eocd + 12..eocd + 16].copy_from_slice(&(cd_size + note.len() as u32).to_le_bytes());
    let at = rec + 46 + n + x;
    let b = [&b[..at], &note[..], &b[at..]].concat();
    let p = efile_path(&g, "entry-comment");
    std::fs::write(&p, &b).unwrap();
    let r = g.verify(&p);
    assert_eq!(
        layout_codes(&r),
        vec![("zip.comment", Some("元数据.xml".to_string()))],
        "{:?}",
        r.findings
    );

    // Two directory records pointing at the same local entry: one of them
    // is reported once, as an overlap or a lying header, never twice.
    let mut b = good.clone();
    let (_, fields) = cd_offset_fields(&b);
    let first = b[fields[0]..fields[0] + 4].to_vec();
    b[fields[1]..fields[1] + 4].copy_from_slice(&first);
    let p = efile_path(&g, "overlap");
    std::fs::write(&p, &b).unwrap();
    let r = g.verify(&p);
    let lc = layout_codes(&r);
    assert!(
        lc.iter()
            .any(|(c, _)| *c == "zip.overlap" || *c == "zip.local_mismatch"),
        "{lc:?}"
    );
    let mut seen = std::collections::HashSet::new();
    for (c, e) in &lc {
        assert!(seen.insert((c, e)), "twice: {c} {e:?}");
    }
}

#[test]
fn archives_written_by_other_tools_have_a_clean_layout() {
    // The layout check must not flag what ordinary tools write: Info-ZIP
    // to a file and streamed to a pipe (data descriptors, sizes after the
    // data), 7-Zip, and Python's zipfile streaming (descriptors, ZIP64).
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("材料")).unwrap();
    std::fs::write(d.join("材料/申请表.pdf"), b"%PDF-1.4\n".repeat(5000)).unwrap();
    std::fs::write(
        d.join("材料/照片.jpg"),
        (0..200_000u32)
            .map(|i| (i * 31 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(d.join("空.txt"), b"").unwrap();
    let run = |cmd: &mut Command| {
        let o = cmd
            .current_dir(d)
            .output()
            .expect("tool installed by .ci/run");
        assert!(o.status.success(), "{cmd:?}: {o:?}");
        o.stdout
    };
    run(Command::new("zip").args(["-q", "-r", "info.zip", "材料", "空.txt"]));
    let piped = run(Command::new("sh").args(["-c", "zip -q -r - 材料 空.txt | cat"]));
    std::fs::write(d.join("piped.zip"), piped).unwrap();
    run(Command::new("7z").args(["a", "-tzip", "-bd", "seven.zip", "材料", "空.txt"]));
    // zipfile writing to a pipe cannot seek back: descriptors follow data.
    let py = run(Command::new("sh").args([
        "-c",
        "python3 -c \"import zipfile,sys\n\
         z=zipfile.ZipFile(sys.stdout.buffer,'w',zipfile.ZIP_DEFLATED)\n\
         w=z.open('大.bin','w',force_zip64=True)\n\
         w.write(b'x'*300000)\n\
         w.close()\n\
         z.writestr('小.txt','你好')\n\
         z.close()\" | cat",
    ]));
    std::fs::write(d.join("py.zip"), py).unwrap();
    for name in ["info.zip", "piped.zip", "seven.zip", "py.zip"] {
        let f = std::fs::File::open(d.join(name)).unwrap();
        let index = read_index(&mut f.try_clone().unwrap()).unwrap();
        assert!(!index.entries.is_empty(), "{name}");
        let problems = guidang_package::layout::layout(&f, &index).unwrap();
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
fn thousands_of_bad_entries_give_a_bounded_report() {
    let g = golden(Suite::Gm);
    let mut z = RawZip::new();
    for i in 0..3000 {
        z.stored(&format!("../逃逸/{i}.pdf"), b"%PDF-1.4");
    }
    let p = g.dir.join("many-bad.zip");
    z.finish(&p);
    let r = g.verify(&p);
    let unsafe_names: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "zip.name_unsafe")
        .collect();
    let max = guidang_package::verify::MAX_LISTED;
    assert_eq!(unsafe_names.len(), max + 1, "{unsafe_names:?}");
    let summary = unsafe_names.last().unwrap();
    assert_eq!(summary.entry, None);
    assert!(
        summary.message.contains(&format!("另有 {} 处", 3000 - max)),
        "{}",
        summary.message
    );
}

#[path = "package/folder.rs"]
mod folder;
