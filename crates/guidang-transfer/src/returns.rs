//! The return file (`退回清单.json`): the receiving archive's decision on a
//! batch — which packages were accepted and which are returned with what
//! reasons — signed by the receiving archivist, carried back to the hall on
//! the medium (or any path) and imported there.
//!
//! The file is an envelope whose `payload` is the decision's JSON text; the
//! signature is over the payload's exact UTF-8 bytes, so no re-serialisation
//! is needed to verify it.

use guidang_core::Suite;
use guidang_package::Signer;
use serde::{Deserialize, Serialize};

use crate::ManifestUnit;

/// Format tag of the decision.
pub const RETURN_FORMAT: &str = "guidang-return/1";
/// Format tag of the signed envelope.
pub const RETURN_ENVELOPE_FORMAT: &str = "guidang-return-signed/1";
/// Default file name of the return file on a medium.
pub const RETURN_FILE: &str = "退回清单.json";

/// A package accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedPackage {
    /// 电子文件号.
    pub efile_no: String,
    /// 办件编号.
    pub case_no: String,
    /// Package digest.
    pub digest: String,
}

/// A package returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedPackage {
    /// 序号 in the batch.
    pub seq: u32,
    /// 电子文件号.
    pub efile_no: String,
    /// 办件编号.
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// Package digest as received.
    pub digest: String,
    /// Why it is returned (what to correct).
    pub reason: String,
}

/// The receiving archive's decision on a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnDecision {
    /// Always [`RETURN_FORMAT`].
    pub format: String,
    /// 批次编号.
    pub batch_no: String,
    /// The batch digest the decision is about.
    pub batch_digest: String,
    /// Its algorithm.
    pub digest_algo: String,
    /// The transferring unit.
    pub transferring_unit: ManifestUnit,
    /// The receiving unit.
    pub receiving_unit: ManifestUnit,
    /// The receiving archivist (who signs).
    pub archivist: String,
    /// When decided.
    pub decided_at: String,
    /// Accepted packages.
    pub accepted: Vec<AcceptedPackage>,
    /// Returned packages.
    pub returned: Vec<ReturnedPackage>,
}

/// The signed return file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnEnvelope {
    /// Always [`RETURN_ENVELOPE_FORMAT`].
    pub format: String,
    /// The decision's JSON text.
    pub payload: String,
    /// Suite of the signature.
    pub suite: Suite,
    /// Signer.
    pub operator: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
    /// Signature over the payload's bytes, hex.
    pub signature: String,
}

impl ReturnEnvelope {
    /// Signs a decision.
    pub fn sign(
        d: &ReturnDecision,
        suite: Suite,
        signer: &Signer,
    ) -> Result<ReturnEnvelope, guidang_crypto::CryptoError> {
        let payload = serde_json::to_string_pretty(d).expect("serialisable");
        let sig = signer.sign_bytes(payload.as_bytes())?;
        Ok(ReturnEnvelope {
            format: RETURN_ENVELOPE_FORMAT.into(),
            payload,
            suite,
            operator: signer.operator.clone(),
            public_key: signer.public_key.clone(),
            fingerprint: signer.fingerprint.clone(),
            signature: hex::encode(sig),
        })
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("serialisable");
        v.push(b'\n');
        v
    }

    /// Parses a return file and verifies its signature; returns the decision.
    pub fn open(bytes: &[u8]) -> Result<(ReturnEnvelope, ReturnDecision), String> {
        let e: ReturnEnvelope =
            serde_json::from_slice(bytes).map_err(|e| format!("退回文件格式错误：{e}"))?;
        if e.format != RETURN_ENVELOPE_FORMAT {
            return Err(format!(
                "退回文件的格式版本应为 {RETURN_ENVELOPE_FORMAT}，实为 {}",
                e.format
            ));
        }
        let ok = guidang_crypto::verify_hex(
            e.suite,
            &e.public_key,
            &e.fingerprint,
            e.payload.as_bytes(),
            &e.signature,
        );
        if !ok {
            return Err("退回文件的签名无效：文件在签名后被修改，或不是接收方生成的".into());
        }
        let d: ReturnDecision =
            serde_json::from_str(&e.payload).map_err(|x| format!("退回文件内容格式错误：{x}"))?;
        // Signed, but by whom is decided later: fields this format does not
        // define are refused rather than silently dropped.
        let unknown: Vec<String> = crate::carrier::unknown_fields(bytes, &e)
            .into_iter()
            .chain(crate::carrier::unknown_fields(e.payload.as_bytes(), &d))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "退回文件中有本格式没有定义的字段：{}；请向接收方索取原退回文件",
                unknown.join("、")
            ));
        }
        if d.format != RETURN_FORMAT {
            return Err(format!(
                "退回决定的格式版本应为 {RETURN_FORMAT}，实为 {}",
                d.format
            ));
        }
        Ok((e, d))
    }
}
