//! Embedded schema migrations, applied in one transaction, guarded by
//! `PRAGMA user_version`.
//!
//! Each migration is an SQL batch; `MIGRATIONS[i]` takes the schema from
//! version `i` to `i + 1`. Never edit a released migration: append a new one.

use rusqlite::Connection;

use crate::{CatalogError, Result};

/// The migrations, oldest first.
pub const MIGRATIONS: &[&str] = &[
    // 1: the foundation.
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE items (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    item_type         TEXT NOT NULL,
    default_retention TEXT NOT NULL
) STRICT;

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    case_no           TEXT NOT NULL UNIQUE,
    efile_no          TEXT NOT NULL UNIQUE,
    item_code         TEXT NOT NULL REFERENCES items(code),
    case_name         TEXT NOT NULL,
    case_kind         TEXT NOT NULL,
    applicant_name    TEXT NOT NULL,
    applicant_type    TEXT NOT NULL,
    applicant_id_type TEXT NOT NULL,
    applicant_id_no   TEXT NOT NULL,
    accepting_unit    TEXT NOT NULL,
    accepted_at       TEXT NOT NULL,
    completed_at      TEXT NOT NULL,
    result            TEXT NOT NULL,
    result_license_no TEXT,
    retention         TEXT NOT NULL,
    secrecy           TEXT NOT NULL,
    year              INTEGER NOT NULL,
    piece_no          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    source_path       TEXT NOT NULL,
    collected_at      TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (item_code, year, retention, piece_no)
) STRICT;
CREATE INDEX cases_status ON cases(status);
CREATE INDEX cases_completed ON cases(completed_at);

CREATE TABLE materials (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    category      TEXT NOT NULL,
    title         TEXT NOT NULL,
    original_name TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    digest_algo   TEXT NOT NULL,
    digest        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    format        TEXT NOT NULL,
    UNIQUE (case_id, seq),
    UNIQUE (case_id, category, original_name)
) STRICT;
CREATE INDEX materials_digest ON materials(digest);

CREATE TABLE operators (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    pin_verifier TEXT NOT NULL,
    public_key  TEXT,
    secret_key  BLOB,
    fingerprint TEXT,
    created_at  TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    algo      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"#,
    // 2: sealed packages (归档信息包).
    r#"
CREATE TABLE packages (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    efile_no     TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    digest_algo  TEXT NOT NULL,
    digest       TEXT NOT NULL,
    sealed_at    TEXT NOT NULL,
    sealed_by    TEXT NOT NULL,
    fingerprint  TEXT NOT NULL
) STRICT;
"#,
    // 3: four-property check results (四性检测).
    r#"
CREATE TABLE checks (
    id             INTEGER PRIMARY KEY,
    efile_no       TEXT NOT NULL,
    case_id        INTEGER REFERENCES cases(id),
    stage          TEXT NOT NULL,
    checked_at     TEXT NOT NULL,
    checked_by     TEXT NOT NULL,
    verdict        TEXT NOT NULL,
    opinion        TEXT NOT NULL,
    package_digest TEXT
) STRICT;
CREATE INDEX checks_efile ON checks(efile_no);
CREATE TABLE check_findings (
    check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
    item     TEXT NOT NULL,
    verdict  TEXT NOT NULL,
    reason   TEXT,
    entry    TEXT
) STRICT;
CREATE INDEX check_findings_check ON check_findings(check_id);
"#,
    // 4: transfer batches (移交批次) and opinions on opening for use.
    r#"
ALTER TABLE items ADD COLUMN open_opinion TEXT NOT NULL DEFAULT '开放';
ALTER TABLE items ADD COLUMN open_reason TEXT;
ALTER TABLE cases ADD COLUMN open_opinion TEXT;
ALTER TABLE cases ADD COLUMN open_reason TEXT;
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    batch_no    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    digest_algo TEXT NOT NULL,
    digest      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    corrects    TEXT REFERENCES batches(batch_no),
    packages    INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    path        TEXT NOT NULL,
    status      TEXT NOT NULL
) STRICT;
CREATE TABLE batch_items (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    seq      INTEGER NOT NULL,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    efile_no TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
) STRICT;
CREATE TRIGGER batches_immutable BEFORE UPDATE OF batch_no, created_at, created_by, digest_algo, digest, fingerprint, corrects, packages, bytes, path ON batches
BEGIN SELECT RAISE(ABORT, 'batches are immutable; corrections go into a new batch'); END;
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
BEGIN SELECT RAISE(ABORT, 'batches are immutable; corrections go into a new batch'); END;
CREATE TRIGGER batch_items_immutable BEFORE UPDATE ON batch_items
BEGIN SELECT RAISE(ABORT, 'batches are immutable'); END;
CREATE TRIGGER batch_items_no_delete BEFORE DELETE ON batch_items
BEGIN SELECT RAISE(ABORT, 'batches are immutable'); END;
"#,
    // 5: carriers written for a batch (per-carrier digest over 载体清单.json).
    r#"
CREATE TABLE batch_carriers (
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    carrier_no  INTEGER NOT NULL,
    carriers    INTEGER NOT NULL,
    digest_algo TEXT NOT NULL,
    digest      TEXT NOT NULL,
    files       INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    first_written_at TEXT NOT NULL,
    last_written_at  TEXT NOT NULL,
    written_by  TEXT NOT NULL,
    copies      INTEGER NOT NULL,
    PRIMARY KEY (batch_id, carrier_no)
) STRICT;
CREATE TRIGGER batch_carriers_no_delete BEFORE DELETE ON batch_carriers
BEGIN SELECT RAISE(ABORT, 'carrier records are kept'); END;
CREATE TRIGGER batch_carriers_digest_fixed BEFORE UPDATE OF digest, digest_algo, carrier_no, carriers ON batch_carriers
BEGIN SELECT RAISE(ABORT, 'a carrier digest never changes'); END;
"#,
    // 6: the intake side (senders, receipts, holdings) and return reasons.
    r#"
ALTER TABLE cases ADD COLUMN return_reason TEXT;
CREATE TABLE senders (
    id          INTEGER PRIMARY KEY,
    region      TEXT NOT NULL,
    fonds       TEXT NOT NULL,
    unit_name   TEXT NOT NULL,
    suite       TEXT NOT NULL,
    operator    TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    trusted_at  TEXT NOT NULL,
    trusted_by  TEXT NOT NULL,
    UNIQUE (region, fonds)
) STRICT;
CREATE TABLE sender_keys (
    sender_id   INTEGER NOT NULL REFERENCES senders(id),
    operator    TEXT NOT NULL,
    suite       TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (sender_id, fingerprint)
) STRICT;
CREATE TABLE receipts (
    id           INTEGER PRIMARY KEY,
    batch_no     TEXT NOT NULL,
    batch_digest TEXT NOT NULL,
    digest_algo  TEXT NOT NULL,
    corrects     TEXT,
    sender_id    INTEGER REFERENCES senders(id),
    unit_name    TEXT NOT NULL,
    transferred_by TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    media        TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    opened_by    TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    findings     TEXT NOT NULL,
    status       TEXT NOT NULL,
    received_at  TEXT,
    received_by  TEXT,
    accepted     INTEGER NOT NULL DEFAULT 0,
    returned     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX receipts_digest ON receipts(batch_digest);
CREATE TABLE receipt_items (
    receipt_id  INTEGER NOT NULL REFERENCES receipts(id),
    seq         INTEGER NOT NULL,
    efile_no    TEXT NOT NULL,
    case_no     TEXT NOT NULL,
    case_name   TEXT NOT NULL,
    item_name   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    path        TEXT,
    verdict     TEXT NOT NULL,
    suggested   TEXT,
    decision    TEXT NOT NULL,
    reason      TEXT,
    decided_by  TEXT,
    decided_at  TEXT,
    manifest    TEXT NOT NULL,
    PRIMARY KEY (receipt_id, seq)
) STRICT;
CREATE TABLE holdings (
    id          INTEGER PRIMARY KEY,
    efile_no    TEXT NOT NULL UNIQUE,
    receipt_id  INTEGER NOT NULL REFERENCES receipts(id),
    batch_no    TEXT NOT NULL,
    path        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    digest_algo TEXT NOT NULL,
    digest      TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    case_no     TEXT NOT NULL,
    case_name   TEXT NOT NULL,
    item_code   TEXT NOT NULL,
    item_name   TEXT NOT NULL,
    year        INTEGER NOT NULL,
    retention   TEXT NOT NULL,
    applicant   TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    open_opinion TEXT NOT NULL
) STRICT;
CREATE TABLE holding_materials (
    holding_id  INTEGER NOT NULL REFERENCES holdings(id),
    seq         INTEGER NOT NULL,
    category    TEXT NOT NULL,
    name        TEXT NOT NULL,
    entry       TEXT NOT NULL,
    format      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    PRIMARY KEY (holding_id, seq)
) STRICT;
CREATE TRIGGER holdings_no_delete BEFORE DELETE ON holdings
BEGIN SELECT RAISE(ABORT, 'accepted records are not deleted here'); END;
CREATE TRIGGER holdings_fixed BEFORE UPDATE OF efile_no, digest, size, path ON holdings
BEGIN SELECT RAISE(ABORT, 'an accepted record never changes'); END;
"#,
    // 7: caring for the holdings: backups, routine inspections, destruction.
    r#"
CREATE TABLE backups (
    id          INTEGER PRIMARY KEY,
    generation  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    dest        TEXT NOT NULL,
    files       INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    copied      INTEGER NOT NULL,
    copied_bytes INTEGER NOT NULL,
    manifest_digest TEXT NOT NULL,
    fingerprint TEXT NOT NULL
) STRICT;
CREATE TABLE inspections (
    id          INTEGER PRIMARY KEY,
    inspected_at TEXT NOT NULL,
    inspected_by TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    checked     INTEGER NOT NULL,
    damaged     INTEGER NOT NULL,
    repaired    INTEGER NOT NULL,
    report      TEXT NOT NULL
) STRICT;
CREATE TABLE destructions (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    case_no      TEXT NOT NULL,
    efile_no     TEXT NOT NULL,
    case_name    TEXT NOT NULL,
    item_name    TEXT NOT NULL,
    year         INTEGER NOT NULL,
    retention    TEXT NOT NULL,
    retention_end TEXT NOT NULL,
    package_digest TEXT,
    package_size INTEGER,
    digest_algo  TEXT NOT NULL,
    approved_by  TEXT NOT NULL,
    approval_doc TEXT NOT NULL,
    destroyed_at TEXT NOT NULL,
    destroyed_by TEXT NOT NULL
) STRICT;
CREATE TRIGGER destructions_fixed BEFORE UPDATE ON destructions
BEGIN SELECT RAISE(ABORT, 'the destruction register is append-only'); END;
CREATE TRIGGER destructions_no_delete BEFORE DELETE ON destructions
BEGIN SELECT RAISE(ABORT, 'the destruction register is append-only'); END;
"#,
    // 8: the case list's order as one index, so that far pages of a large
    // catalog need no sort (measured by `cargo xtask bench`).
    r#"
CREATE INDEX cases_list_order ON cases(completed_at DESC, case_no);
"#,
    // 9: the hall's confirmed keys of receiving archivists, per receiving
    // unit (return files are trusted like batches on the intake side).
    r#"
CREATE TABLE receiver_keys (
    region      TEXT NOT NULL,
    fonds       TEXT NOT NULL,
    unit_name   TEXT NOT NULL,
    archivist   TEXT NOT NULL,
    suite       TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    trusted_at  TEXT NOT NULL,
    trusted_by  TEXT NOT NULL,
    PRIMARY KEY (region, fonds, fingerprint)
) STRICT;
"#,
    // 10: appraisal and destruction of the intake side's holdings, in a
    // register of their own (append-only like the hall's).
    r#"
ALTER TABLE holdings ADD COLUMN destroyed_at TEXT;
CREATE TABLE holding_destructions (
    id           INTEGER PRIMARY KEY,
    holding_id   INTEGER NOT NULL UNIQUE REFERENCES holdings(id),
    case_no      TEXT NOT NULL,
    efile_no     TEXT NOT NULL,
    case_name    TEXT NOT NULL,
    item_name    TEXT NOT NULL,
    year         INTEGER NOT NULL,
    retention    TEXT NOT NULL,
    retention_end TEXT NOT NULL,
    package_digest TEXT,
    package_size INTEGER,
    digest_algo  TEXT NOT NULL,
    approved_by  TEXT NOT NULL,
    approval_doc TEXT NOT NULL,
    destroyed_at TEXT NOT NULL,
    destroyed_by TEXT NOT NULL
) STRICT;
CREATE TRIGGER holding_destructions_fixed BEFORE UPDATE ON holding_destructions
BEGIN SELECT RAISE(ABORT, 'the destruction register is append-only'); END;
CREATE TRIGGER holding_destructions_no_delete BEFORE DELETE ON holding_destructions
BEGIN SELECT RAISE(ABORT, 'the destruction register is append-only'); END;
CREATE TRIGGER holdings_stay_destroyed BEFORE UPDATE OF destroyed_at ON holdings
WHEN OLD.destroyed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a destroyed holding stays destroyed'); END;
"#,
    // 11: a batch written in Guidang's old carrier layout can be written
    // again in the transfer measures' layout; each carrier record names the
    // media plan it was written from, and the old records are kept.
    r#"
DROP TRIGGER batch_carriers_no_delete;
DROP TRIGGER batch_carriers_digest_fixed;
ALTER TABLE batch_carriers RENAME TO batch_carriers_v10;
CREATE TABLE batch_carriers (
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    plan        TEXT NOT NULL,
    carrier_no  INTEGER NOT NULL,
    carriers    INTEGER NOT NULL,
    digest_algo TEXT NOT NULL,
    digest      TEXT NOT NULL,
    files       INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    first_written_at TEXT NOT NULL,
    last_written_at  TEXT NOT NULL,
    written_by  TEXT NOT NULL,
    copies      INTEGER NOT NULL,
    PRIMARY KEY (batch_id, plan, carrier_no)
) STRICT;
INSERT INTO batch_carriers(batch_id, plan, carrier_no, carriers, digest_algo, digest, files, bytes,
    first_written_at, last_written_at, written_by, copies)
SELECT batch_id, 'guidang-media-plan/1', carrier_no, carriers, digest_algo, digest, files, bytes,
    first_written_at, last_written_at, written_by, copies FROM batch_carriers_v10;
DROP TABLE batch_carriers_v10;
CREATE TRIGGER batch_carriers_no_delete BEFORE DELETE ON batch_carriers
BEGIN SELECT RAISE(ABORT, 'carrier records are kept'); END;
CREATE TRIGGER batch_carriers_digest_fixed BEFORE UPDATE OF digest, digest_algo, carrier_no, carriers, plan ON batch_carriers
BEGIN SELECT RAISE(ABORT, 'a carrier digest never changes'); END;
"#,
    // 12: what each material's content says of itself, found when it was
    // collected (DA/T 70 1-3): the format's version or kind (`PDF 1.7`,
    // `PDF/A-1b`, `JPEG`) and a PDF's pages. Materials collected before
    // have none.
    r#"
ALTER TABLE materials ADD COLUMN format_version TEXT NOT NULL DEFAULT '';
ALTER TABLE materials ADD COLUMN pages INTEGER;
"#,
    // 13: an audio or video material's duration in milliseconds, found
    // when it was collected (DA/T 70 1-3).
    r#"
ALTER TABLE materials ADD COLUMN duration_ms INTEGER;
"#,
    // 14: a case's timeline (its audit entries) read without a scan of the
    // whole log.
    r#"
CREATE INDEX audit_subject ON audit_log(subject);
"#,
];

/// The schema version this binary writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the schema to [`latest_version`] in one transaction, refusing a
/// catalog written by a newer binary.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = latest_version();
    if found > supported {
        return Err(CatalogError::TooNew { found, supported });
    }
    if found == supported {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", supported)?;
    tx.commit()?;
    Ok(())
}
