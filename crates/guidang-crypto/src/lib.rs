//! The two crypto suites of Guidang and operators' signing keys.
//!
//! - `gm`: SM3 digests (GB/T 32905) and SM2 signatures (GB/T 32918) with the
//!   default distinguishing identifier `1234567812345678` (GM/T 0009).
//! - `intl`: SHA-256 digests and Ed25519 signatures (RFC 8032).
//!
//! A key pair's secret half is stored only encrypted: Argon2id derives a key
//! from the operator's PIN and ChaCha20-Poly1305 seals the secret, with the
//! operator name and key fingerprint as associated data. A wrong PIN fails
//! authentication; the stored blob is never modified by an unlock attempt.
//! Fingerprints are the suite digest of the public key bytes.

use guidang_core::Suite;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// SM2 distinguishing identifier (GM/T 0009-2012 default).
pub const SM2_DIST_ID: &str = "1234567812345678";

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The operating system's random source failed.
    #[error("无法从操作系统获取随机数：{0}")]
    Random(String),
    /// Wrong PIN (authentication of the encrypted key failed).
    #[error("PIN 错误")]
    WrongPin,
    /// A stored or received key is malformed.
    #[error("密钥格式错误：{0}")]
    BadKey(String),
    /// A signature is malformed or does not verify.
    #[error("签名无效")]
    BadSignature,
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, CryptoError>;

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(b)
}

/// The signature algorithm name of a suite, as written in artefacts.
pub fn signature_name(suite: Suite) -> &'static str {
    match suite {
        Suite::Gm => "SM2",
        Suite::Intl => "Ed25519",
    }
}

/// The fingerprint of a public key: the suite digest of its bytes, hex.
pub fn fingerprint(suite: Suite, public_key: &[u8]) -> String {
    suite.digest().hex(public_key)
}

/// A secret signing key of either suite, zeroised on drop.
pub struct SecretKey {
    suite: Suite,
    bytes: Zeroizing<[u8; 32]>,
}

impl SecretKey {
    /// Generates a fresh key for `suite`.
    pub fn generate(suite: Suite) -> Result<SecretKey> {
        loop {
            let bytes = Zeroizing::new(random::<32>()?);
            let k = SecretKey { suite, bytes };
            // A random SM2 scalar is out of range with negligible probability.
            if k.public_key().is_ok() {
                return Ok(k);
            }
        }
    }

    /// The secret as hex, for keys that are deliberately kept unsealed (the
    /// installation's backup-signing key). Operator keys are never exported.
    pub fn secret_hex(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(hex::encode(&self.bytes[..]))
    }

    /// A key from [`SecretKey::secret_hex`].
    pub fn from_secret_hex(suite: Suite, hex_str: &str) -> Result<SecretKey> {
        let b = zeroize::Zeroizing::new(
            hex::decode(hex_str).map_err(|_| CryptoError::BadKey("私钥不是十六进制".into()))?,
        );
        SecretKey::from_bytes(suite, &b)
    }

    fn from_bytes(suite: Suite, b: &[u8]) -> Result<SecretKey> {
        let arr: [u8; 32] = b
            .try_into()
            .map_err(|_| CryptoError::BadKey("私钥长度错误".into()))?;
        let k = SecretKey {
            suite,
            bytes: Zeroizing::new(arr),
        };
        k.public_key()?;
        Ok(k)
    }

    fn sm2_signing_key(&self) -> Result<sm2::dsa::SigningKey> {
        let sk = sm2::SecretKey::from_slice(&self.bytes[..])
            .map_err(|_| CryptoError::BadKey("SM2 私钥超出范围".into()))?;
        sm2::dsa::SigningKey::new(SM2_DIST_ID, &sk)
            .map_err(|_| CryptoError::BadKey("SM2 私钥无效".into()))
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The public key bytes: SEC1 uncompressed point (65 bytes) for SM2,
    /// 32 bytes for Ed25519.
    pub fn public_key(&self) -> Result<Vec<u8>> {
        match self.suite {
            Suite::Gm => Ok(self
                .sm2_signing_key()?
                .verifying_key()
                .to_sec1_bytes()
                .to_vec()),
            Suite::Intl => {
                let sk = ed25519_dalek::SigningKey::from_bytes(&self.bytes);
                Ok(sk.verifying_key().to_bytes().to_vec())
            }
        }
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self.suite {
            Suite::Gm => {
                use sm2::dsa::signature::Signer;
                let sig: sm2::dsa::Signature = self.sm2_signing_key()?.sign(message);
                Ok(sig.to_bytes().to_vec())
            }
            Suite::Intl => {
                use ed25519_dalek::Signer;
                let sk = ed25519_dalek::SigningKey::from_bytes(&self.bytes);
                Ok(sk.sign(message).to_bytes().to_vec())
            }
        }
    }
}

/// Whether `signature_hex` is a valid signature over `message` by the key
/// `public_key_hex`, and `fingerprint` is that key's fingerprint: the check
/// of every signed file that carries its signer's key (batch manifests,
/// return files, backup manifests).
pub fn verify_hex(
    suite: Suite,
    public_key_hex: &str,
    fingerprint_hex: &str,
    message: &[u8],
    signature_hex: &str,
) -> bool {
    match (hex::decode(public_key_hex), hex::decode(signature_hex)) {
        (Ok(pk), Ok(sig)) => {
            fingerprint(suite, &pk) == fingerprint_hex && verify(suite, &pk, message, &sig).is_ok()
        }
        _ => false,
    }
}

/// Verifies `signature` over `message` with `public_key` of `suite`.
pub fn verify(suite: Suite, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<()> {
    match suite {
        Suite::Gm => {
            use sm2::dsa::signature::Verifier;
            let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DIST_ID, public_key)
                .map_err(|_| CryptoError::BadKey("SM2 公钥无效".into()))?;
            let sig =
                sm2::dsa::Signature::try_from(signature).map_err(|_| CryptoError::BadSignature)?;
            vk.verify(message, &sig)
                .map_err(|_| CryptoError::BadSignature)
        }
        Suite::Intl => {
            use ed25519_dalek::Verifier;
            let pk: [u8; 32] = public_key
                .try_into()
                .map_err(|_| CryptoError::BadKey("Ed25519 公钥长度错误".into()))?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
                .map_err(|_| CryptoError::BadKey("Ed25519 公钥无效".into()))?;
            let sig = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|_| CryptoError::BadSignature)?;
            vk.verify(message, &sig)
                .map_err(|_| CryptoError::BadSignature)
        }
    }
}

/// A secret key encrypted under a PIN, as stored in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    /// Always `argon2id`.
    pub kdf: String,
    /// Argon2 memory cost in KiB.
    pub m_cost: u32,
    /// Argon2 iterations.
    pub t_cost: u32,
    /// Argon2 lanes.
    pub p_cost: u32,
    /// KDF salt, hex.
    pub salt: String,
    /// Always `chacha20poly1305`.
    pub aead: String,
    /// AEAD nonce, hex.
    pub nonce: String,
    /// Ciphertext with tag, hex.
    pub ciphertext: String,
    /// Suite code.
    pub suite: Suite,
}

fn derive(pin: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<Zeroizing<[u8; 32]>> {
    let params =
        argon2::Params::new(m, t, p, Some(32)).map_err(|e| CryptoError::BadKey(e.to_string()))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    a.hash_password_into(pin.as_bytes(), salt, &mut key[..])
        .map_err(|e| CryptoError::BadKey(e.to_string()))?;
    Ok(key)
}

fn aad(operator: &str, fingerprint: &str) -> Vec<u8> {
    format!("guidang-key/1\n{operator}\n{fingerprint}").into_bytes()
}

impl SealedKey {
    /// Encrypts `key` under `pin`, bound to the operator and fingerprint.
    pub fn seal(
        key: &SecretKey,
        pin: &str,
        operator: &str,
        fingerprint: &str,
    ) -> Result<SealedKey> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let (m, t, p) = (
            argon2::Params::DEFAULT_M_COST,
            argon2::Params::DEFAULT_T_COST,
            argon2::Params::DEFAULT_P_COST,
        );
        let salt = random::<16>()?;
        let nonce = random::<12>()?;
        let k = derive(pin, &salt, m, t, p)?;
        let cipher =
            chacha20poly1305::ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k[..]));
        let ct = cipher
            .encrypt(
                chacha20poly1305::Nonce::from_slice(&nonce),
                Payload {
                    msg: &key.bytes[..],
                    aad: &aad(operator, fingerprint),
                },
            )
            .map_err(|_| CryptoError::BadKey("加密失败".into()))?;
        Ok(SealedKey {
            kdf: "argon2id".into(),
            m_cost: m,
            t_cost: t,
            p_cost: p,
            salt: hex::encode(salt),
            aead: "chacha20poly1305".into(),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ct),
            suite: key.suite,
        })
    }

    /// Decrypts with `pin`; `WrongPin` when authentication fails.
    pub fn open(&self, pin: &str, operator: &str, fingerprint: &str) -> Result<SecretKey> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        if self.kdf != "argon2id" || self.aead != "chacha20poly1305" {
            return Err(CryptoError::BadKey(format!(
                "不支持的密钥保护方式 {}/{}",
                self.kdf, self.aead
            )));
        }
        let bad = |_| CryptoError::BadKey("密钥数据损坏".into());
        let salt = hex::decode(&self.salt).map_err(bad)?;
        let nonce = hex::decode(&self.nonce).map_err(bad)?;
        let ct = hex::decode(&self.ciphertext).map_err(bad)?;
        if nonce.len() != 12 {
            return Err(CryptoError::BadKey("密钥数据损坏".into()));
        }
        let k = derive(pin, &salt, self.m_cost, self.t_cost, self.p_cost)?;
        let cipher =
            chacha20poly1305::ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k[..]));
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    chacha20poly1305::Nonce::from_slice(&nonce),
                    Payload {
                        msg: &ct,
                        aad: &aad(operator, fingerprint),
                    },
                )
                .map_err(|_| CryptoError::WrongPin)?,
        );
        let key = SecretKey::from_bytes(self.suite, &plain)?;
        if crate::fingerprint(self.suite, &key.public_key()?) != fingerprint {
            return Err(CryptoError::BadKey("私钥与公钥指纹不符".into()));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_both_suites() {
        for suite in [Suite::Gm, Suite::Intl] {
            let k = SecretKey::generate(suite).unwrap();
            let pk = k.public_key().unwrap();
            let sig = k.sign(b"guidang").unwrap();
            verify(suite, &pk, b"guidang", &sig).unwrap();
            assert!(verify(suite, &pk, b"guidanG", &sig).is_err());
            let other = SecretKey::generate(suite).unwrap().public_key().unwrap();
            assert!(verify(suite, &other, b"guidang", &sig).is_err());
            let mut bad = sig.clone();
            bad[5] ^= 1;
            assert!(verify(suite, &pk, b"guidang", &bad).is_err());
        }
    }

    #[test]
    fn sealed_key_round_trip_and_wrong_pin() {
        let k = SecretKey::generate(Suite::Gm).unwrap();
        let fp = fingerprint(Suite::Gm, &k.public_key().unwrap());
        let s = SealedKey::seal(&k, "246810", "张三", &fp).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("246810"));
        let back: SealedKey = serde_json::from_str(&json).unwrap();
        let k2 = back.open("246810", "张三", &fp).unwrap();
        assert_eq!(k2.public_key().unwrap(), k.public_key().unwrap());
        assert!(matches!(
            back.open("246811", "张三", &fp),
            Err(CryptoError::WrongPin)
        ));
        // Bound to the operator: someone else's name does not open it.
        assert!(matches!(
            back.open("246810", "李四", &fp),
            Err(CryptoError::WrongPin)
        ));
    }
}
