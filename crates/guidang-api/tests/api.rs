//! The facade used by the CLI and the desktop shell, on real data
//! directories.

use std::sync::Mutex;

use guidang_api::core::{CancelFlag, DigestAlgo, NoProgress, Role, Suite};
use guidang_api::{Archive, CaseFilter, DemoRequest, Error, InitOptions};

fn demo(n: u32, seed: u64) -> DemoRequest {
    DemoRequest {
        cases: n,
        seed,
        out: None,
        no_collect: false,
        large_file: None,
    }
}

#[test]
fn demo_initialises_an_empty_catalog_and_stores_intact_materials() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    assert!(ar.summary().unwrap().unit.is_none());
    let seen = Mutex::new(Vec::new());
    let progress = |done: u64, total: u64, _m: &str| seen.lock().unwrap().push((done, total));
    let r = ar
        .demo(&demo(12, 3), &progress, &CancelFlag::new())
        .unwrap();
    assert_eq!(r.collect.as_ref().unwrap().added(), 12);
    assert!(!r.export.exists(), "temporary export tree is removed");
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&(12, 12)), "progress ends at total");
    let unit = ar.unit().unwrap();
    assert_eq!(
        (unit.region.as_str(), unit.role, unit.suite),
        ("430124", Role::Hall, Suite::Gm)
    );
    // Every stored blob hashes to its recorded SM3 digest.
    for c in ar.cases(&CaseFilter::default()).unwrap() {
        for m in ar.materials(&c.case_no).unwrap() {
            let p = d
                .path()
                .join("store/sm3")
                .join(&m.digest[..2])
                .join(&m.digest);
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!(DigestAlgo::Sm3.hex(&bytes), m.digest, "{}", m.original_name);
        }
    }
    let s = ar.summary().unwrap();
    assert_eq!(s.counts, vec![("collected".to_string(), 12)]);
}

#[test]
fn intl_suite_stores_under_sha256() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    ar.init(&InitOptions {
        suite: Suite::Intl,
        ..guidang_api::demo_unit()
    })
    .unwrap();
    ar.demo(&demo(2, 1), &NoProgress, &CancelFlag::new())
        .unwrap();
    let c = &ar.cases(&CaseFilter::default()).unwrap()[0];
    let m = &ar.materials(&c.case_no).unwrap()[0];
    assert_eq!(m.digest_algo, "SHA-256");
    let bytes = std::fs::read(
        d.path()
            .join("store/sha256")
            .join(&m.digest[..2])
            .join(&m.digest),
    )
    .unwrap();
    assert_eq!(DigestAlgo::Sha256.hex(&bytes), m.digest);
    assert_eq!(ar.audit_verify().unwrap().problems.len(), 0);
}

#[test]
fn large_file_is_streamed_into_the_store() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    let mut req = demo(1, 5);
    req.large_file = Some(40 << 20);
    let r = ar.demo(&req, &NoProgress, &CancelFlag::new()).unwrap();
    assert!(r.bytes > 40 << 20);
    let c = &ar.cases(&CaseFilter::default()).unwrap()[0];
    let big = ar
        .materials(&c.case_no)
        .unwrap()
        .into_iter()
        .max_by_key(|m| m.size)
        .unwrap();
    assert!(big.size >= 40 << 20);
    assert_eq!(big.original_name, "现场勘验全程记录.pdf");
}

#[test]
fn demo_refuses_zero_cases_without_touching_the_catalog() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    let e = ar
        .demo(&demo(0, 1), &NoProgress, &CancelFlag::new())
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("--cases"));
    assert!(ar.summary().unwrap().unit.is_none(), "nothing initialised");
}

#[test]
fn operator_pins() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    assert_eq!(
        ar.add_operator("张三", "246810").unwrap_err().code(),
        "not_initialised"
    );
    ar.init(&guidang_api::demo_unit()).unwrap();
    ar.add_operator("张三", "246810").unwrap();
    ar.verify_pin("张三", "246810").unwrap();
    let e = ar.verify_pin("张三", "246811").unwrap_err();
    assert!(matches!(e, Error::WrongPin));
    assert!(e.to_string().contains("PIN 错误"));
    assert_eq!(
        ar.verify_pin("李四", "246810").unwrap_err().code(),
        "no_such_operator"
    );
    assert_eq!(
        ar.add_operator("  ", "246810").unwrap_err().code(),
        "bad_operator_name"
    );
}

#[test]
fn cancel_stops_collection_before_the_next_case() {
    let d = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(d.path()).unwrap();
    let out = d.path().join("export");
    ar.demo(
        &DemoRequest {
            out: Some(out.clone()),
            no_collect: true,
            ..demo(6, 2)
        },
        &NoProgress,
        &CancelFlag::new(),
    )
    .unwrap();
    let cancel = CancelFlag::new();
    let c2 = cancel.clone();
    // Cancel as soon as the third case starts.
    let progress = move |done: u64, _t: u64, _m: &str| {
        if done == 2 {
            c2.cancel();
        }
    };
    let e = ar
        .collect(
            std::slice::from_ref(&out),
            false,
            "测试",
            &progress,
            &cancel,
        )
        .unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert_eq!(
        ar.cases(&CaseFilter::default()).unwrap().len(),
        2,
        "finished cases stay"
    );
    // Running again completes the rest.
    let r = ar
        .collect(&[out], false, "测试", &NoProgress, &CancelFlag::new())
        .unwrap();
    assert_eq!((r.added(), r.unchanged()), (4, 2));
}

#[test]
fn unwritable_data_dir_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let e = Archive::open(&file.join("sub")).err().unwrap();
    assert_eq!(e.code(), "data_dir");
    assert!(e.to_string().contains("--data-dir"));
}
