//! Operators (经办人): people who seal, sign and hand over.
//!
//! The PIN itself is never stored: only an Argon2id verifier (PHC string)
//! and the signing key's secret half encrypted under the PIN (both computed
//! by the caller). The public key and its fingerprint are stored in clear.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{CatalogError, Db, Result, Tx};

/// An operator as shown to people and scripts.
#[derive(Debug, Clone)]
pub struct Operator {
    /// Name.
    pub name: String,
    /// When added.
    pub created_at: String,
    /// Whether the operator may act.
    pub active: bool,
    /// Public key fingerprint, once keys exist.
    pub fingerprint: Option<String>,
}

/// An operator's signing key as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Operator.
    pub operator: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
    /// The PIN-encrypted secret key (JSON), never serialised outward.
    pub sealed_secret: Vec<u8>,
    /// When the operator was added.
    pub created_at: String,
}

/// Adds an operator with its PIN verifier and, when given, its key.
pub fn add(tx: &Tx<'_>, name: &str, pin_verifier: &str) -> Result<()> {
    let conn: &Connection = tx.tx;
    let exists: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM operators WHERE name = ?1)",
        [name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(CatalogError::OperatorExists(name.into()));
    }
    conn.execute(
        "INSERT INTO operators(name, pin_verifier, created_at) VALUES (?1, ?2, ?3)",
        params![name, pin_verifier, crate::now_string()],
    )?;
    Ok(())
}

/// Stores an operator's key (public key, fingerprint, encrypted secret).
pub fn set_key(
    tx: &Tx<'_>,
    name: &str,
    public_key: &str,
    fingerprint: &str,
    sealed_secret: &[u8],
) -> Result<()> {
    let conn: &Connection = tx.tx;
    let n = conn.execute(
        "UPDATE operators SET public_key = ?2, fingerprint = ?3, secret_key = ?4 WHERE name = ?1",
        params![name, public_key, fingerprint, sealed_secret],
    )?;
    if n == 0 {
        return Err(CatalogError::NoSuchOperator(name.into()));
    }
    Ok(())
}

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<StoredKey>> {
    let (pk, fp, sk): (Option<String>, Option<String>, Option<Vec<u8>>) =
        (r.get(1)?, r.get(2)?, r.get(3)?);
    Ok(match (pk, fp, sk) {
        (Some(public_key), Some(fingerprint), Some(sealed_secret)) => Some(StoredKey {
            operator: r.get(0)?,
            public_key,
            fingerprint,
            sealed_secret,
            created_at: r.get(4)?,
        }),
        _ => None,
    })
}

/// An operator's key, `None` when the operator has none.
pub fn key(db: Db<'_>, name: &str) -> Result<Option<StoredKey>> {
    get(db, name)?;
    let conn = db.conn;
    Ok(conn.query_row(
        "SELECT name, public_key, fingerprint, secret_key, created_at FROM operators WHERE name = ?1",
        [name],
        key_row,
    )?)
}

/// Every operator's key: the unit's keyring.
pub fn keys(db: Db<'_>) -> Result<Vec<StoredKey>> {
    let conn = db.conn;
    let mut st = conn.prepare(
        "SELECT name, public_key, fingerprint, secret_key, created_at FROM operators ORDER BY name",
    )?;
    let rows = st.query_map([], key_row)?;
    let mut out = Vec::new();
    for r in rows {
        out.extend(r?);
    }
    Ok(out)
}

/// One operator.
pub fn get(db: Db<'_>, name: &str) -> Result<Operator> {
    let conn = db.conn;
    conn.query_row(
        "SELECT name, created_at, active, fingerprint FROM operators WHERE name = ?1",
        [name],
        |r| {
            Ok(Operator {
                name: r.get(0)?,
                created_at: r.get(1)?,
                active: r.get(2)?,
                fingerprint: r.get(3)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| CatalogError::NoSuchOperator(name.into()))
}

/// The stored PIN verifier of an operator.
pub fn pin_verifier(db: Db<'_>, name: &str) -> Result<String> {
    let conn = db.conn;
    conn.query_row(
        "SELECT pin_verifier FROM operators WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| CatalogError::NoSuchOperator(name.into()))
}

/// All operators by name.
pub fn list(db: Db<'_>) -> Result<Vec<Operator>> {
    let conn = db.conn;
    let mut st =
        conn.prepare("SELECT name, created_at, active, fingerprint FROM operators ORDER BY name")?;
    let rows = st.query_map([], |r| {
        Ok(Operator {
            name: r.get(0)?,
            created_at: r.get(1)?,
            active: r.get(2)?,
            fingerprint: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
