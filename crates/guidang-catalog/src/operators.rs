//! Operators (经办人): people who seal, sign and hand over.
//!
//! The PIN itself is never stored: only an Argon2id verifier (PHC string)
//! computed by the caller. Signing keys (issue 3) will live in the
//! `public_key` / `secret_key` / `fingerprint` columns.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::{CatalogError, Result};

/// An operator as shown to people and scripts.
#[derive(Debug, Clone, Serialize)]
pub struct Operator {
    /// Name.
    pub name: String,
    /// When added.
    pub created_at: String,
    /// Whether the operator may act.
    pub active: bool,
    /// Public key fingerprint, once keys exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Adds an operator with its PIN verifier.
pub fn add(conn: &Connection, name: &str, pin_verifier: &str) -> Result<()> {
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

/// One operator.
pub fn get(conn: &Connection, name: &str) -> Result<Operator> {
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
pub fn pin_verifier(conn: &Connection, name: &str) -> Result<String> {
    conn.query_row(
        "SELECT pin_verifier FROM operators WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| CatalogError::NoSuchOperator(name.into()))
}

/// All operators by name.
pub fn list(conn: &Connection) -> Result<Vec<Operator>> {
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
