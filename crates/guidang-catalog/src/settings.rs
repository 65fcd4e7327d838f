//! Unit settings (key/value) and the service item list.

use guidang_core::{ItemType, Retention, Role, ServiceItem, Suite, UnitSettings};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{CatalogError, Db, Result, Tx};

/// Reads one setting.
pub fn get(db: Db<'_>, key: &str) -> Result<Option<String>> {
    let conn = db.conn;
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes one setting.
pub fn set(tx: &Tx<'_>, key: &str, value: &str) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Removes one setting (no error when absent).
pub fn remove(tx: &Tx<'_>, key: &str) -> Result<()> {
    let conn: &Connection = tx.tx;
    conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
    Ok(())
}

/// The unit settings, or `NotInitialised`.
pub fn unit(db: Db<'_>) -> Result<UnitSettings> {
    let region = get(db, "unit.region")?.ok_or(CatalogError::NotInitialised)?;
    let need = |k: &str| -> Result<String> {
        get(db, k)?.ok_or_else(|| CatalogError::Corrupt(format!("缺少设置项 {k}")))
    };
    let role = need("unit.role")?;
    let suite = need("unit.suite")?;
    Ok(UnitSettings {
        region,
        fonds: need("unit.fonds")?,
        unit_name: need("unit.name")?,
        org: get(db, "unit.org")?,
        role: Role::from_code(&role)
            .ok_or_else(|| CatalogError::Corrupt(format!("未知角色 {role}")))?,
        suite: Suite::from_code(&suite)
            .ok_or_else(|| CatalogError::Corrupt(format!("未知密码套件 {suite}")))?,
    })
}

/// Stores the unit settings; refuses when already initialised.
pub fn init_unit(tx: &Tx<'_>, u: &UnitSettings) -> Result<()> {
    if let Ok(existing) = unit(tx.db()) {
        return Err(CatalogError::AlreadyInitialised(existing.unit_name));
    }
    set(tx, "unit.region", &u.region)?;
    set(tx, "unit.fonds", &u.fonds)?;
    set(tx, "unit.name", &u.unit_name)?;
    if let Some(o) = &u.org {
        set(tx, "unit.org", o)?;
    }
    set(tx, "unit.role", u.role.code())?;
    set(tx, "unit.suite", u.suite.code())?;
    Ok(())
}

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_item((code, name, t, ret): (String, String, String, String)) -> Result<ServiceItem> {
    Ok(ServiceItem {
        item_type: ItemType::from_code(&t)
            .ok_or_else(|| CatalogError::Corrupt(format!("事项 {code} 的类型 {t} 无效")))?,
        default_retention: Retention::from_code(&ret)
            .ok_or_else(|| CatalogError::Corrupt(format!("事项 {code} 的保管期限 {ret} 无效")))?,
        code,
        name,
    })
}

/// One service item by code.
pub fn item(db: Db<'_>, code: &str) -> Result<Option<ServiceItem>> {
    let conn = db.conn;
    conn.query_row(
        "SELECT code, name, item_type, default_retention FROM items WHERE code = ?1",
        [code],
        item_from_row,
    )
    .optional()?
    .map(to_item)
    .transpose()
}

/// The whole item list, by code.
pub fn items(db: Db<'_>) -> Result<Vec<ServiceItem>> {
    let conn = db.conn;
    let mut st =
        conn.prepare("SELECT code, name, item_type, default_retention FROM items ORDER BY code")?;
    let rows = st.query_map([], item_from_row)?;
    rows.map(|r| to_item(r?)).collect()
}

/// Adds an item (no-op if the same code exists).
pub fn add_item(tx: &Tx<'_>, it: &ServiceItem) -> Result<bool> {
    let conn: &Connection = tx.tx;
    let n = conn.execute(
        "INSERT OR IGNORE INTO items(code, name, item_type, default_retention) VALUES (?1, ?2, ?3, ?4)",
        params![it.code, it.name, it.item_type.code(), it.default_retention.code()],
    )?;
    Ok(n == 1)
}
