//! A corpus of deliberately broken packages, built by helpers in a temp dir:
//! each makes exactly the expected item fail with a useful reason, and good
//! packages pass every item. Virus scanning uses the real ClamAV scanner
//! with a test signature of our own (no downloaded database).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use guidang_check::antivirus::Antivirus;
use guidang_check::{
    check_packages, AuditEvidence, BatchCheck, CheckContext, Expected, PackageCheck, Stage, Verdict,
};
use guidang_core::{CancelFlag, NoProgress, Suite};
use guidang_crypto::SecretKey;
use guidang_demo::files;
use guidang_demo::rng::SplitMix64;
use guidang_package::metadata::{CaseMeta, Environment, MaterialMeta};
use guidang_package::{
    build_package, Keyring, PackageInput, PackageMaterial, Seal, SealEntry, Signer, TrustedKey,
};

const EFILE: &str = "430124-0001-0100001005-2025-Y-000001";
const SEALED_AT: &str = "2026-11-21T10:00:00+08:00";
const VIRUS_MARK: &[u8] = b"GUIDANG-TEST-VIRUS-SIGNATURE-7f3a";

type File = (&'static str, String, Vec<u8>, &'static str);

struct Corpus {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    signer: Signer,
    keyring: Keyring,
    clam_db: PathBuf,
    files: Vec<File>,
}

fn case_meta() -> CaseMeta {
    CaseMeta {
        efile_no: EFILE.into(),
        ..CaseMeta::sample()
    }
}

fn write_zip(p: &Path, items: &[(String, Vec<u8>)]) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    guidang_testkit::zip_repack(p, items);
}

impl Corpus {
    fn new() -> Corpus {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut rng = SplitMix64::new(9);
        let pool = files::ImagePool::new(&mut rng);
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 20).unwrap();
        let files = vec![
            (
                "证据性",
                "申请表.pdf".to_string(),
                files::scan_pdf(&pool, &mut rng, 1, "XK-0001", "申请表"),
                "pdf",
            ),
            (
                "证据性",
                "身份证复印件.jpg".to_string(),
                files::photo_jpeg(&pool, &mut rng, "XK-0001"),
                "jpeg",
            ),
            (
                "程序性",
                "审核意见表.xml".to_string(),
                files::review_xml("XK-0001", "农村村民宅基地审批", "张䶮", day).into_bytes(),
                "xml",
            ),
            (
                "程序性",
                "经办人电子签名.png".to_string(),
                files::signature_png(&mut rng),
                "png",
            ),
            (
                "结果性",
                "农村宅基地批准书.pdf".to_string(),
                files::scan_pdf(&pool, &mut rng, 1, "XK-0001", "批准书"),
                "pdf",
            ),
        ];
        let signer = Signer::new(
            SecretKey::generate(Suite::Gm).unwrap(),
            "张三",
            "示范镇人民政府",
        )
        .unwrap();
        let keyring = Keyring {
            keys: vec![TrustedKey {
                operator: "张三".into(),
                unit: "示范镇人民政府".into(),
                suite: Suite::Gm,
                public_key: signer.public_key.clone(),
                fingerprint: signer.fingerprint.clone(),
            }],
        };
        let clam_db = dir.join("guidang-test.ndb");
        let hex: String = VIRUS_MARK.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(&clam_db, format!("GuidangTest.Marker:0:*:{hex}\n")).unwrap();
        Corpus {
            _tmp: tmp,
            dir,
            signer,
            keyring,
            clam_db,
            files,
        }
    }

    /// The package input for a list of (category, name, bytes, format).
    fn input(&self, files: &[File], sub: &str) -> PackageInput {
        let blobs = self.dir.join(format!("blobs-{sub}"));
        std::fs::create_dir_all(&blobs).unwrap();
        let materials = files
            .iter()
            .enumerate()
            .map(|(i, (cat, name, data, fmt))| {
                let blob = blobs.join(i.to_string());
                std::fs::write(&blob, data).unwrap();
                PackageMaterial {
                    blob,
                    meta: MaterialMeta {
                        seq: i as u32 + 1,
                        category: cat.to_string(),
                        title: name.rsplit_once('.').map(|x| x.0).unwrap_or(name).into(),
                        original_name: name.clone(),
                        path: guidang_package::build::material_path(cat, name),
                        size: data.len() as u64,
                        format: fmt.to_string(),
                        format_version: None,
                        pages: None,
                        duration_ms: None,
                        digest: Suite::Gm.digest().hex(data),
                    },
                }
            })
            .collect();
        PackageInput {
            case: case_meta(),
            suite: Suite::Gm,
            materials,
            environment: Environment::current("归档通 测试"),
        }
    }

    fn build(&self, input: &PackageInput, sub: &str) -> PathBuf {
        let d = self.dir.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join(format!("{}.zip", input.case.efile_no));
        build_package(input, &self.signer, SEALED_AT, &p, &CancelFlag::new()).unwrap();
        p
    }

    fn good(&self, sub: &str) -> PathBuf {
        self.build(&self.input(&self.files, sub), sub)
    }

    /// A context in which the package's registration and audit record agree
    /// with the package itself: only what the corpus case breaks fails.
    fn ctx(&self, stage: Stage, pkg: &Path) -> CheckContext {
        let bytes = std::fs::read(pkg).unwrap();
        let digest = Suite::Gm.digest().hex(&bytes);
        // The registration is what was collected: the materials the metadata lists.
        let meta = entries(pkg)
            .into_iter()
            .find(|(n, _)| n == "元数据.xml")
            .map(|(_, d)| d)
            .unwrap_or_default();
        let (materials, mbytes) = match guidang_package::metadata::parse_metadata(&meta) {
            Ok(m) => (
                m.materials.len() as u32,
                m.materials.iter().map(|x| x.size).sum(),
            ),
            Err(_) => (0, 0),
        };
        let expected = Expected {
            size: bytes.len() as u64,
            digest: digest.clone(),
            materials,
            bytes: mbytes,
            seal_digest: None,
        };
        CheckContext {
            stage,
            keyring: self.keyring.clone(),
            fallback_algo: Suite::Gm.digest(),
            expected: Some((
                "目录库登记".into(),
                HashMap::from([(EFILE.to_string(), expected)]),
            )),
            audit: Some(AuditEvidence {
                chain_problems: vec![],
                sealed: HashMap::from([(EFILE.to_string(), digest)]),
            }),
            antivirus: Antivirus::ClamScan {
                program: PathBuf::from("/usr/bin/clamscan"),
                database: Some(self.clam_db.clone()),
            },
            now: chrono::DateTime::parse_from_rfc3339("2026-11-21T12:00:00+08:00").unwrap(),
        }
    }

    fn check(&self, stage: Stage, pkg: &Path) -> PackageCheck {
        let b = check_packages(
            &[pkg.to_path_buf()],
            &self.ctx(stage, pkg),
            &NoProgress,
            &CancelFlag::new(),
        )
        .unwrap();
        b.packages.into_iter().next().unwrap()
    }

    /// Rewrites a package from modified entries and seals it properly, as
    /// a faulty producer (not a forger) would.
    fn reseal(&self, items: Vec<(String, Vec<u8>)>, sub: &str) -> PathBuf {
        let p = self.dir.join(sub).join(format!("{EFILE}.zip"));
        let mut items: Vec<(String, Vec<u8>)> = items
            .into_iter()
            .filter(|(n, _)| n != "固化信息.xml")
            .collect();
        let seal = self
            .signer
            .seal(Seal {
                suite: Suite::Gm,
                efile_no: EFILE.into(),
                entries: items
                    .iter()
                    .map(|(n, d)| SealEntry {
                        path: n.clone(),
                        size: d.len() as u64,
                        digest: Suite::Gm.digest().hex(d),
                    })
                    .collect(),
                signer: String::new(),
                unit: String::new(),
                public_key: String::new(),
                fingerprint: String::new(),
                sealed_at: SEALED_AT.into(),
                signature: String::new(),
            })
            .unwrap();
        items.push(("固化信息.xml".to_string(), seal.render().into_bytes()));
        write_zip(&p, &items);
        p
    }
}

use guidang_testkit::zip_entries as entries;

fn edit_metadata(items: &mut [(String, Vec<u8>)], f: impl Fn(String) -> String) {
    let m = items.iter_mut().find(|(n, _)| n == "元数据.xml").unwrap();
    m.1 = f(String::from_utf8(m.1.clone()).unwrap()).into_bytes();
}

/// The items that failed, without stage prefix.
fn failed(c: &PackageCheck) -> BTreeSet<String> {
    c.findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .map(|f| f.item[3..].to_string())
        .collect()
}

fn assert_only(c: &PackageCheck, items: &[&str], needle: &str) {
    let want: BTreeSet<String> = items.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        failed(c),
        want,
        "{:#?}",
        c.findings
            .iter()
            .filter(|f| f.verdict != Verdict::Pass)
            .collect::<Vec<_>>()
    );
    let reasons: Vec<&str> = c
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .filter_map(|f| f.reason.as_deref())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains(needle)),
        "“{needle}” not in {reasons:?}"
    );
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(c.opinion.starts_with("不合格："), "{}", c.opinion);
}

#[test]
fn a_good_package_passes_every_item_at_both_stages() {
    let c = Corpus::new();
    let p = c.good("good");
    for stage in [Stage::Gd, Stage::Yj] {
        let r = c.check(stage, &p);
        let not_pass: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.verdict != Verdict::Pass)
            .collect();
        // Only 4-2-1 (carrier) is not applicable to a single package.
        assert_eq!(not_pass.len(), 1, "{not_pass:#?}");
        assert!(not_pass[0].item.ends_with("4-2-1") && not_pass[0].verdict == Verdict::NotChecked);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(r.opinion, "合格");
        let prefix = if stage == Stage::Gd { "GD-" } else { "YJ-" };
        assert!(r.findings.iter().all(|f| f.item.starts_with(prefix)));
        assert_eq!(r.findings.len(), 20);
    }
}

#[test]
fn item_1_1_1_edited_seal() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    let seal = items.iter_mut().find(|(n, _)| n == "固化信息.xml").unwrap();
    seal.1 = String::from_utf8(seal.1.clone())
        .unwrap()
        .replace("<经办人>张三</经办人>", "<经办人>李四</经办人>")
        .into_bytes();
    let p = c.dir.join("e").join(format!("{EFILE}.zip"));
    write_zip(&p, &items);
    assert_only(&c.check(Stage::Gd, &p), &["1-1-1"], "固化签名无效");
}

#[test]
fn item_1_1_2_resigned_with_an_unknown_key() {
    let c = Corpus::new();
    let forger = Signer::new(
        SecretKey::generate(Suite::Gm).unwrap(),
        "张三",
        "示范镇人民政府",
    )
    .unwrap();
    let p = c.dir.join("forged").join(format!("{EFILE}.zip"));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    build_package(
        &c.input(&c.files, "f"),
        &forger,
        SEALED_AT,
        &p,
        &CancelFlag::new(),
    )
    .unwrap();
    assert_only(&c.check(Stage::Yj, &p), &["1-1-2"], &forger.fingerprint);
}

#[test]
fn item_1_2_1_wrong_id_check_character() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    edit_metadata(&mut items, |m| {
        m.replace("11010519491231002X", "110105194912310021")
    });
    assert_only(
        &c.check(Stage::Gd, &c.reseal(items, "id")),
        &["1-2-1"],
        "居民身份证号码校验码错误",
    );
}

#[test]
fn item_1_3_1_recorded_format_disagrees_with_content() {
    let c = Corpus::new();
    let mut f = c.files.clone();
    f[1].3 = "png";
    assert_only(
        &c.check(Stage::Gd, &c.build(&c.input(&f, "fmt"), "fmt")),
        &["1-3-1"],
        "内容实为JPEG 图像",
    );
}

#[test]
fn item_1_4_1_an_entry_outside_the_metadata_and_seal() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    items.insert(3, ("证据性材料/补充.pdf".into(), c.files[0].2.clone()));
    let p = c.dir.join("extra").join(format!("{EFILE}.zip"));
    write_zip(&p, &items);
    let r = c.check(Stage::Gd, &p);
    assert_only(&r, &["1-4-1"], "固化信息未登记的文件");
    assert!(r
        .findings
        .iter()
        .any(|f| f.entry.as_deref() == Some("证据性材料/补充.pdf")));
}

#[test]
fn item_1_5_1_package_name_differs_from_efile_no() {
    let c = Corpus::new();
    let p = c.good("g");
    let q = p.with_file_name("430124-0001-0100001005-2025-Y-000009.zip");
    std::fs::copy(&p, &q).unwrap();
    let ctx = c.ctx(Stage::Gd, &q);
    let b = check_packages(&[q], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    assert_only(&b.packages[0], &["1-5-1"], "与元数据中的电子文件号");
}

#[test]
fn item_1_5_2_received_is_not_what_was_sent() {
    let c = Corpus::new();
    let p = c.good("g");
    let mut ctx = c.ctx(Stage::Yj, &p);
    ctx.expected
        .as_mut()
        .unwrap()
        .1
        .get_mut(EFILE)
        .unwrap()
        .digest = "0".repeat(64);
    let b = check_packages(&[p], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    assert_only(&b.packages[0], &["1-5-2"], "包摘要与目录库登记不符");
}

#[test]
fn item_2_1_1_counts_differ_from_the_registration() {
    let c = Corpus::new();
    let p = c.good("g");
    let mut ctx = c.ctx(Stage::Gd, &p);
    ctx.expected
        .as_mut()
        .unwrap()
        .1
        .get_mut(EFILE)
        .unwrap()
        .materials += 1;
    let b = check_packages(&[p], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    assert_only(&b.packages[0], &["2-1-1"], "材料 5 件");
}

#[test]
fn item_2_2_1_a_mandatory_element_is_missing() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    edit_metadata(&mut items, |m| {
        m.replace("    <受理单位>示范镇便民服务中心</受理单位>\n", "")
    });
    assert_only(
        &c.check(Stage::Gd, &c.reseal(items, "missing")),
        &["2-2-1"],
        "缺少元素 <受理单位>",
    );
}

#[test]
fn item_2_2_2_sequence_numbers_have_a_gap() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    edit_metadata(&mut items, |m| {
        m.replace("件内顺序号=\"3\"", "件内顺序号=\"7\"")
    });
    assert_only(
        &c.check(Stage::Gd, &c.reseal(items, "seq")),
        &["2-2-2"],
        "件内顺序号不连续：缺少 3",
    );
}

#[test]
fn item_2_3_1_a_listed_material_is_absent() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    items.retain(|(n, _)| n != "程序性材料/经办人电子签名.png");
    assert_only(
        &c.check(Stage::Gd, &c.reseal(items, "absent")),
        &["2-3-1"],
        "元数据中登记的材料在包中不存在",
    );
}

#[test]
fn item_2_3_1_and_3_2_1_an_empty_file() {
    let c = Corpus::new();
    let mut f = c.files.clone();
    f[3].2 = Vec::new();
    assert_only(
        &c.check(Stage::Gd, &c.build(&c.input(&f, "empty"), "empty")),
        &["2-3-1", "3-2-1"],
        "空文件",
    );
}

#[test]
fn item_2_4_1_no_result_material() {
    let c = Corpus::new();
    let f: Vec<File> = c
        .files
        .iter()
        .filter(|x| x.0 != "结果性")
        .cloned()
        .collect();
    assert_only(
        &c.check(Stage::Gd, &c.build(&c.input(&f, "scope"), "scope")),
        &["2-4-1"],
        "没有结果性材料",
    );
}

#[test]
fn item_3_1_1_metadata_with_a_dtd() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    edit_metadata(&mut items, |m| {
        m.replacen(
            "<归档信息包",
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<归档信息包",
            1,
        )
    });
    let r = c.check(Stage::Gd, &c.reseal(items, "dtd"));
    assert_only(&r, &["3-1-1"], "DOCTYPE");
    let nc: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::NotChecked)
        .map(|f| &f.item[3..])
        .collect();
    assert!(nc.contains(&"1-2-1") && nc.contains(&"2-4-1"), "{nc:?}");
}

#[test]
fn item_3_2_1_truncated_pdf_and_renamed_file() {
    let c = Corpus::new();
    let mut f = c.files.clone();
    let n = f[4].2.len();
    f[4].2.truncate(n - 40);
    assert_only(
        &c.check(Stage::Gd, &c.build(&c.input(&f, "trunc"), "trunc")),
        &["3-2-1"],
        "%%EOF",
    );
    let mut f = c.files.clone();
    f[1].1 = "身份证复印件.pdf".into();
    let r = c.check(Stage::Gd, &c.build(&c.input(&f, "ext"), "ext"));
    assert_only(&r, &["3-2-1"], "扩展名“.pdf”与文件内容（JPEG 图像）不符");
}

#[test]
fn item_3_3_1_environment_not_recorded() {
    let c = Corpus::new();
    let mut items = entries(&c.good("g"));
    edit_metadata(&mut items, |m| {
        let i = m.find("  <运行环境>").unwrap();
        let j = m.find("</运行环境>\n").unwrap() + "</运行环境>\n".len();
        format!("{}{}", &m[..i], &m[j..])
    });
    assert_only(
        &c.check(Stage::Gd, &c.reseal(items, "env")),
        &["3-3-1"],
        "软硬件环境",
    );
}

#[test]
fn item_3_4_1_decompression_bomb() {
    let c = Corpus::new();
    let mut f = c.files.clone();
    let mut xml = "<?xml version=\"1.0\"?><审核意见表>".as_bytes().to_vec();
    xml.extend(std::iter::repeat_n(b' ', 8 << 20));
    xml.extend("</审核意见表>".as_bytes());
    f[2].2 = xml;
    assert_only(
        &c.check(Stage::Gd, &c.build(&c.input(&f, "bomb"), "bomb")),
        &["3-4-1"],
        "疑似压缩炸弹",
    );
}

#[test]
fn item_4_1_1_virus_found_by_clamav() {
    let c = Corpus::new();
    let mut f = c.files.clone();
    f[0].2.extend_from_slice(b"\n%");
    f[0].2.extend_from_slice(VIRUS_MARK);
    f[0].2.extend_from_slice(b"\n%%EOF\n");
    assert_only(
        &c.check(Stage::Yj, &c.build(&c.input(&f, "virus"), "virus")),
        &["4-1-1"],
        "GuidangTest.Marker",
    );
}

#[test]
fn item_4_1_1_without_a_scanner_is_a_warning_not_a_pass() {
    let c = Corpus::new();
    let p = c.good("g");
    let mut ctx = c.ctx(Stage::Gd, &p);
    ctx.antivirus = Antivirus::None;
    let b = check_packages(&[p], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    let f = b.packages[0]
        .findings
        .iter()
        .find(|f| f.item == "GD-4-1-1")
        .unwrap();
    assert_eq!(f.verdict, Verdict::Warn);
    assert!(f.reason.as_deref().unwrap().contains("未安装杀毒软件"));
    assert_eq!(b.packages[0].verdict, Verdict::Warn);
    assert_eq!(b.packages[0].opinion, "合格（1 项提示）");
}

#[test]
fn item_4_1_2_a_script_disguised_as_text() {
    let c = Corpus::new();
    let mut f = c.files.clone();
    f.insert(
        2,
        (
            "证据性",
            "说明.txt".into(),
            b"#!/bin/sh\nrm -rf /\n".to_vec(),
            "txt",
        ),
    );
    assert_only(
        &c.check(Stage::Gd, &c.build(&c.input(&f, "script"), "script")),
        &["4-1-2"],
        "脚本文件",
    );
}

/// A carrier folder `carrier/电子档案/2025/01/` holding one good package;
/// returns (carrier, its package folder, the package as built).
fn carrier_with_a_good_package(c: &Corpus) -> (PathBuf, PathBuf, PathBuf) {
    let carrier = c.dir.join("carrier");
    let pkg_dir = carrier.join("电子档案/2025/01");
    std::fs::create_dir_all(&pkg_dir).unwrap();
    let p1 = c.good("g1");
    std::fs::copy(&p1, pkg_dir.join(format!("{EFILE}.zip"))).unwrap();
    (carrier, pkg_dir, p1)
}

#[test]
fn item_4_2_1_foreign_file_on_a_carrier_and_serial_gaps() {
    let c = Corpus::new();
    let (carrier, pkg_dir, p1) = carrier_with_a_good_package(&c);
    let mut input = c.input(&c.files, "p3");
    input.case.piece_no = 3;
    input.case.efile_no = "430124-0001-0100001005-2025-Y-000003".into();
    let p3 = c.build(&input, "p3");
    std::fs::copy(&p3, pkg_dir.join(p3.file_name().unwrap())).unwrap();
    std::fs::write(carrier.join("autorun.inf"), "[autorun]\nopen=x.exe").unwrap();
    std::fs::write(carrier.join("说明文件.txt"), "载体说明").unwrap();
    let mut ctx = c.ctx(Stage::Yj, &p1);
    ctx.expected = None;
    ctx.audit = None;
    let b: BatchCheck = check_packages(&[carrier], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    assert_eq!(b.packages.len(), 2);
    let items: Vec<(&str, Verdict, Option<&str>)> = b
        .batch_findings
        .iter()
        .map(|f| (f.item.as_str(), f.verdict, f.entry.as_deref()))
        .collect();
    assert!(
        items.contains(&("YJ-4-2-1", Verdict::Fail, Some("autorun.inf"))),
        "{items:?}"
    );
    assert!(b
        .batch_findings
        .iter()
        .any(|f| f.item == "YJ-2-2-2" && f.reason.as_deref().unwrap().contains("缺少 000002")));
    assert!(!items.iter().any(|i| i.2 == Some("说明文件.txt")));
    for p in &b.packages {
        assert!(p
            .findings
            .iter()
            .any(|f| f.item == "YJ-4-2-1" && f.verdict == Verdict::Pass));
        assert_eq!(failed(p), BTreeSet::new(), "{}", p.opinion);
    }
    assert_eq!(b.verdict, Verdict::Fail);
    assert!(b.opinion.contains("批次问题"), "{}", b.opinion);
}

/// Regression: the carrier walk followed links, so a link pointing back
/// up the tree was walked again and again until the path could not be
/// resolved (ELOOP) and the whole check failed with an I/O error.
#[test]
fn a_link_loop_on_a_carrier_is_a_foreign_entry_not_an_endless_walk() {
    let c = Corpus::new();
    let (carrier, pkg_dir, p1) = carrier_with_a_good_package(&c);
    std::os::unix::fs::symlink("../..", pkg_dir.join("循环")).unwrap();
    // A link named like a package is not opened as one.
    std::os::unix::fs::symlink(format!("{EFILE}.zip"), pkg_dir.join("链接.zip")).unwrap();
    let mut ctx = c.ctx(Stage::Yj, &p1);
    ctx.expected = None;
    ctx.audit = None;
    let b = check_packages(&[carrier], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    assert_eq!(b.packages.len(), 1, "the package is checked once");
    assert!(
        b.batch_findings.iter().any(|f| f.item == "YJ-4-2-1"
            && f.verdict == Verdict::Fail
            && f.entry.as_deref() == Some("电子档案/2025/01/循环")),
        "{:?}",
        b.batch_findings
    );
    assert!(
        b.batch_findings.iter().any(
            |f| f.item == "YJ-4-2-1" && f.entry.as_deref() == Some("电子档案/2025/01/链接.zip")
        ),
        "{:?}",
        b.batch_findings
    );
}

#[test]
fn item_4_3_1_no_sealing_record_in_the_audit_log() {
    let c = Corpus::new();
    let p = c.good("g");
    let mut ctx = c.ctx(Stage::Gd, &p);
    ctx.audit.as_mut().unwrap().sealed.clear();
    let b = check_packages(&[p], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    assert_only(&b.packages[0], &["4-3-1"], "没有该包的固化记录");
}

#[test]
fn duplicate_packages_in_a_set_are_named() {
    let c = Corpus::new();
    let p = c.good("a");
    let q = c.good("b");
    let ctx = c.ctx(Stage::Gd, &p);
    let b = check_packages(&[p, q], &ctx, &NoProgress, &CancelFlag::new()).unwrap();
    for pk in &b.packages {
        assert!(failed(pk).contains("2-2-2"), "{}", pk.opinion);
    }
}

#[path = "check/content.rs"]
mod content;
#[path = "check/media.rs"]
mod media;
#[path = "check/office.rs"]
mod office;
