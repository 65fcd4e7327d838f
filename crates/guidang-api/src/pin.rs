//! Operator PINs: rules and Argon2id verifiers. The PIN itself is never
//! stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::{Error, Result};

/// Shortest PIN accepted.
pub const MIN_PIN_LEN: usize = 6;

/// Checks the PIN rules.
pub fn check_rules(pin: &str) -> Result<()> {
    let n = pin.chars().count();
    if n < MIN_PIN_LEN {
        return Err(Error::WeakPin(format!(
            "至少需要{MIN_PIN_LEN}位，当前为{n}位"
        )));
    }
    if n > 64 {
        return Err(Error::WeakPin("最多64位".into()));
    }
    if pin.chars().any(char::is_control) {
        return Err(Error::WeakPin("不能含有控制字符".into()));
    }
    if pin.chars().all(|c| pin.starts_with(c)) {
        return Err(Error::WeakPin("不能全部是同一个字符".into()));
    }
    Ok(())
}

fn salt() -> Result<SaltString> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::WeakPin(format!("无法从操作系统获取随机数：{e}")))?;
    Ok(SaltString::encode_b64(&bytes).expect("16 bytes is a valid salt"))
}

/// Makes an Argon2id verifier (PHC string) for a PIN that meets the rules.
pub fn make_verifier(pin: &str) -> Result<String> {
    check_rules(pin)?;
    Ok(Argon2::default()
        .hash_password(pin.as_bytes(), &salt()?)
        .map_err(|e| Error::WeakPin(e.to_string()))?
        .to_string())
}

/// Checks a PIN against its verifier.
pub fn check(verifier: &str, pin: &str) -> Result<()> {
    let parsed = PasswordHash::new(verifier).map_err(|_| {
        Error::Catalog(guidang_catalog::CatalogError::Corrupt(
            "操作员 PIN 校验值损坏".into(),
        ))
    })?;
    Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .map_err(|_| Error::WrongPin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_round_trip_and_rules() {
        let v = make_verifier("246810").unwrap();
        assert!(v.starts_with("$argon2id$"));
        assert!(!v.contains("246810"));
        check(&v, "246810").unwrap();
        assert!(matches!(check(&v, "246811"), Err(Error::WrongPin)));
        assert!(matches!(make_verifier("123"), Err(Error::WeakPin(_))));
        assert!(matches!(make_verifier("111111"), Err(Error::WeakPin(_))));
        assert_ne!(make_verifier("246810").unwrap(), v, "salted");
    }
}
