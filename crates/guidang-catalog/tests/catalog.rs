//! Integration tests of the catalog against a real SQLite file.

use guidang_catalog::{audit, batches, migrations, operators, settings, Catalog, CatalogError};
use guidang_core::{Role, Suite, UnitSettings};
use rusqlite::Connection;

fn unit() -> UnitSettings {
    UnitSettings {
        region: "430124".into(),
        fonds: "0001".into(),
        unit_name: "示范镇人民政府".into(),
        org: None,
        role: Role::Hall,
        suite: Suite::Gm,
    }
}

fn fresh() -> (tempfile::TempDir, Catalog) {
    let d = tempfile::tempdir().unwrap();
    let mut c = Catalog::open(&d.path().join("catalog.sqlite")).unwrap();
    c.transaction(|tx| -> Result<(), CatalogError> {
        settings::init_unit(tx, &unit())?;
        audit::append(
            tx,
            "system",
            "init",
            "示范镇人民政府",
            &serde_json::json!({}),
        )?;
        Ok(())
    })
    .unwrap();
    for i in 0..5 {
        c.transaction(|tx| -> Result<(), CatalogError> {
            audit::append(
                tx,
                "张三",
                "collect",
                &format!("CASE-{i}"),
                &serde_json::json!({"n": i}),
            )?;
            Ok(())
        })
        .unwrap();
    }
    (d, c)
}

fn raw(c: &Catalog) -> Connection {
    Connection::open(c.path()).unwrap()
}

#[test]
fn newer_catalog_is_refused_and_left_untouched() {
    let (d, c) = fresh();
    let path = c.path().to_path_buf();
    drop(c);
    raw_set_version(&path, 99);
    let before = std::fs::read(&path).unwrap();
    match Catalog::open(&path) {
        Err(e @ CatalogError::TooNew { found: 99, .. }) => {
            assert!(e.to_string().contains("请升级归档通"), "{e}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("opened a newer catalog"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    drop(d);
}

fn raw_set_version(path: &std::path::Path, v: i64) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "user_version", v).unwrap();
}

#[test]
fn init_twice_is_refused() {
    let (_d, mut c) = fresh();
    let e = c
        .transaction(|tx| settings::init_unit(tx, &unit()))
        .unwrap_err();
    assert!(matches!(e, CatalogError::AlreadyInitialised(_)));
}

#[test]
fn intact_chain_verifies() {
    let (_d, c) = fresh();
    let r = audit::verify(c.db()).unwrap();
    assert_eq!(r.entries, 6);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn triggers_refuse_update_and_delete() {
    let (_d, c) = fresh();
    let conn = raw(&c);
    let e = conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", []);
    assert!(e.unwrap_err().to_string().contains("append-only"));
    assert!(conn
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .is_err());
}

#[test]
fn edited_row_is_detected() {
    let (_d, c) = fresh();
    let conn = raw(&c);
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    conn.execute("UPDATE audit_log SET subject = 'CASE-X' WHERE seq = 3", [])
        .unwrap();
    let r = audit::verify(c.db()).unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].seq, 3);
    assert!(r.problems[0].message.contains("被修改"));
}

#[test]
fn rehashed_edit_is_still_detected_by_the_next_link() {
    let (_d, c) = fresh();
    let conn = raw(&c);
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    // A forger who rewrites row 3's hash too breaks row 4's back link.
    conn.execute(
        "UPDATE audit_log SET subject = 'CASE-X', hash = 'f00d' WHERE seq = 3",
        [],
    )
    .unwrap();
    let r = audit::verify(c.db()).unwrap();
    let seqs: Vec<i64> = r.problems.iter().map(|p| p.seq).collect();
    assert!(seqs.contains(&3) && seqs.contains(&4), "{:?}", r.problems);
}

#[test]
fn deleted_rows_are_detected_in_the_middle_and_at_the_end() {
    let (_d, c) = fresh();
    let conn = raw(&c);
    conn.execute_batch("DROP TRIGGER audit_log_no_delete")
        .unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    let r = audit::verify(c.db()).unwrap();
    assert!(r
        .problems
        .iter()
        .any(|p| p.seq == 3 && p.message.contains("序号不连续")));

    let (_d2, c2) = fresh();
    let conn2 = raw(&c2);
    conn2
        .execute_batch("DROP TRIGGER audit_log_no_delete")
        .unwrap();
    conn2
        .execute("DELETE FROM audit_log WHERE seq = 6", [])
        .unwrap();
    let r = audit::verify(c2.db()).unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].seq, 0);
    assert!(r.problems[0].message.contains("末尾"));
}

#[test]
fn failed_transaction_leaves_no_audit_entry() {
    let (_d, mut c) = fresh();
    let r: Result<(), CatalogError> = c.transaction(|tx| {
        audit::append(tx, "张三", "operator_add", "李四", &serde_json::json!({}))?;
        operators::add(tx, "李四", "v")?;
        operators::add(tx, "李四", "v")?; // duplicate: the whole transaction rolls back
        Ok(())
    });
    assert!(matches!(r, Err(CatalogError::OperatorExists(_))));
    assert!(operators::list(c.db()).unwrap().is_empty());
    let rep = audit::verify(c.db()).unwrap();
    assert_eq!(rep.entries, 6);
    assert!(rep.problems.is_empty());
}

#[test]
fn a_version_1_catalog_is_migrated_keeping_its_data() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("catalog.sqlite");
    {
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(migrations::MIGRATIONS[0]).unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();
        tx.execute(
            "INSERT INTO settings(key, value) VALUES ('unit.region', '430124')",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let c = Catalog::open(&path).unwrap();
    let v: i64 = raw(&c)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, migrations::latest_version());
    assert!(v >= 2);
    assert_eq!(
        settings::get(c.db(), "unit.region").unwrap().as_deref(),
        Some("430124")
    );
    let n: i64 = raw(&c)
        .query_row("SELECT COUNT(*) FROM packages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

/// Materials collected before format facts were recorded (a version 11
/// catalog) keep their rows and read back with no version, pages or
/// duration; new ones carry all three.
#[test]
fn materials_of_a_version_11_catalog_read_back_without_format_facts() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("catalog.sqlite");
    {
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &migrations::MIGRATIONS[..11] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 11).unwrap();
        tx.execute_batch(
            "INSERT INTO items(code, name, item_type, default_retention) VALUES ('2000011001', '参保登记', '20', 'D30');
             INSERT INTO cases(id, case_no, efile_no, item_code, case_name, case_kind, applicant_name,
                 applicant_type, applicant_id_type, applicant_id_no, accepting_unit, accepted_at,
                 completed_at, result, retention, secrecy, year, piece_no, status, fingerprint,
                 source_path, collected_at, updated_at)
             VALUES (1, 'CB-1', 'E-1', '2000011001', '王五参保登记', '1', '王五', '1', '111',
                 '11010519491231002X', '示范镇', 't', 't', '办结', 'D30', '非密', 2025, 1,
                 'collected', 'fp', 'src', 't', 't');
             INSERT INTO materials(case_id, seq, category, title, original_name, source_name,
                 digest_algo, digest, size, format)
             VALUES (1, 1, '结果性', '回执', '回执.pdf', '回执.pdf', 'SM3', 'ab', 10, 'pdf');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let c = Catalog::open(&path).unwrap();
    let m = guidang_catalog::cases::materials(c.db(), "CB-1").unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        (
            m[0].title.as_str(),
            m[0].format_version.as_str(),
            m[0].pages,
            m[0].duration_ms
        ),
        ("回执", "", None, None)
    );
    raw(&c)
        .execute(
            "UPDATE materials SET format_version = 'MP4', duration_ms = 83520 WHERE case_id = 1",
            [],
        )
        .unwrap();
    let m = guidang_catalog::cases::materials(c.db(), "CB-1").unwrap();
    assert_eq!(
        (m[0].format_version.as_str(), m[0].duration_ms),
        ("MP4", Some(83_520))
    );
}

/// Carriers written before the measures' layout keep their records, now
/// named as written from the old plan; the digest stays fixed, and a carrier
/// of the new plan is recorded beside the old one.
#[test]
fn carrier_records_of_a_version_10_catalog_are_kept_as_old_layout() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("catalog.sqlite");
    {
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &migrations::MIGRATIONS[..10] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 10).unwrap();
        tx.execute(
            "INSERT INTO batches(id, batch_no, created_at, created_by, digest_algo, digest, fingerprint, packages, bytes, path, status)
             VALUES (1, 'B1', 't', '张三', 'SM3', 'aa', 'ff', 1, 10, 'batches/B1', 'written')",
            [],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO batch_carriers VALUES (1, 1, 1, 'SM3', 'dd', 5, 100, 't1', 't2', '张三', 2)",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let mut c = Catalog::open(&path).unwrap();
    let rows = batches::carriers(c.db(), "B1").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].plan.as_str(),
            rows[0].digest.as_str(),
            rows[0].copies
        ),
        ("guidang-media-plan/1", "dd", 2)
    );
    assert!(
        raw(&c)
            .execute("UPDATE batch_carriers SET digest = 'ee'", [])
            .is_err(),
        "the digest stays fixed"
    );
    assert!(raw(&c).execute("DELETE FROM batch_carriers", []).is_err());
    c.transaction(|tx| {
        batches::record_carrier(
            tx,
            "B1",
            &batches::CarrierRow {
                plan: "guidang-media-plan/2".into(),
                carrier_no: 1,
                carriers: 1,
                digest_algo: "SM3".into(),
                digest: "ee".into(),
                files: 5,
                bytes: 100,
                first_written_at: "t3".into(),
                last_written_at: "t3".into(),
                written_by: "张三".into(),
                copies: 1,
            },
        )
    })
    .unwrap();
    let rows = batches::carriers(c.db(), "B1").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].digest, "ee");
}
