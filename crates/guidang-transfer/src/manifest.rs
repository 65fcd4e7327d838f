//! `批次清单.json` and `批次清单.sig`.

use guidang_core::{DigestAlgo, Suite};
use guidang_package::{Keyring, Signer};
use serde::{Deserialize, Serialize};

/// Format tag of the manifest.
pub const MANIFEST_FORMAT: &str = "guidang-batch/1";
/// File name of the manifest.
pub const MANIFEST_FILE: &str = "批次清单.json";
/// File name of its signature.
pub const SIGNATURE_FILE: &str = "批次清单.sig";

/// The transferring unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestUnit {
    /// 行政区划码.
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// 立档单位名称.
    pub name: String,
}

/// One package of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPackage {
    /// 序号 in the batch, from 1.
    pub seq: u32,
    /// 电子文件号.
    pub efile_no: String,
    /// 办件编号.
    pub case_no: String,
    /// 办件名称.
    pub case_name: String,
    /// 事项编码.
    pub item_code: String,
    /// 事项名称.
    pub item_name: String,
    /// 事项类型 code.
    pub item_type: String,
    /// 申请人.
    pub applicant: String,
    /// 办结日期 (YYYY-MM-DD).
    pub completed_on: String,
    /// 年度.
    pub year: i32,
    /// 保管期限 code.
    pub retention: String,
    /// 开放利用意见.
    pub open_opinion: String,
    /// Reason when not 开放.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub open_reason: Option<String>,
    /// Number of materials.
    pub materials: u32,
    /// Bytes of materials.
    pub material_bytes: u64,
    /// Package bytes.
    pub size: u64,
    /// Package digest.
    pub digest: String,
    /// The archiving check's opinion (检测意见).
    pub check_opinion: String,
    /// Digest of the package's `固化信息.xml` (the seal lists the digest of
    /// every other entry): what ties the package to this manifest when it
    /// travels unpacked, as a folder. Absent in batches made before the
    /// unpacked layout, which can then only travel as ZIPs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seal_digest: Option<String>,
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// 批次编号.
    pub batch_no: String,
    /// The batch this one corrects (再次移交), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub corrects: Option<String>,
    /// Transferring unit.
    pub unit: ManifestUnit,
    /// Suite of every digest and the signature.
    pub suite: Suite,
    /// Digest algorithm name.
    pub digest_algo: String,
    /// When created.
    pub created_at: String,
    /// 移交人.
    pub operator: String,
    /// Packages in order.
    pub packages: Vec<ManifestPackage>,
    /// Number of packages.
    pub total_packages: u32,
    /// Sum of package sizes.
    pub total_bytes: u64,
}

impl Manifest {
    /// The exact bytes written to `批次清单.json` (pretty JSON, fields in
    /// declaration order, trailing newline). The batch digest and the
    /// signature are over these bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("serialisable");
        v.push(b'\n');
        v
    }

    /// Parses manifest bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Manifest, String> {
        let m: Manifest =
            serde_json::from_slice(b).map_err(|e| format!("批次清单格式错误：{e}"))?;
        if m.format != MANIFEST_FORMAT {
            return Err(format!(
                "批次清单的格式版本应为 {MANIFEST_FORMAT}，实为 {}",
                m.format
            ));
        }
        Ok(m)
    }

    /// The batch digest: the suite digest of [`Manifest::to_bytes`].
    pub fn digest(&self) -> String {
        self.suite.digest().hex(&self.to_bytes())
    }
}

/// `批次清单.sig`: the transferring operator's signature over the manifest
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSignature {
    /// 批次编号.
    pub batch_no: String,
    /// Suite.
    pub suite: Suite,
    /// Digest algorithm name.
    pub digest_algo: String,
    /// Digest of the manifest bytes (the batch digest).
    pub manifest_digest: String,
    /// Signer.
    pub operator: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
    /// Signature over the manifest bytes, hex.
    pub signature: String,
}

impl BatchSignature {
    /// Signs manifest bytes.
    pub fn sign(
        manifest: &Manifest,
        signer: &Signer,
    ) -> Result<BatchSignature, guidang_crypto::CryptoError> {
        let bytes = manifest.to_bytes();
        let sig = signer.sign_bytes(&bytes)?;
        Ok(BatchSignature {
            batch_no: manifest.batch_no.clone(),
            suite: manifest.suite,
            digest_algo: manifest.suite.digest().name().into(),
            manifest_digest: manifest.suite.digest().hex(&bytes),
            operator: signer.operator.clone(),
            public_key: signer.public_key.clone(),
            fingerprint: signer.fingerprint.clone(),
            signature: hex::encode(sig),
        })
    }

    /// Checks this signature over `manifest_bytes`: digest, signature, and
    /// (when a keyring is given) that the key is trusted. Every problem is
    /// returned.
    pub fn verify(&self, manifest_bytes: &[u8], keyring: Option<&Keyring>) -> Vec<String> {
        let mut p = Vec::new();
        let algo: DigestAlgo = self.suite.digest();
        if algo.hex(manifest_bytes) != self.manifest_digest {
            p.push("批次清单的摘要与签名文件中记录的不一致：清单被修改".to_string());
        }
        let ok = guidang_crypto::verify_hex(
            self.suite,
            &self.public_key,
            &self.fingerprint,
            manifest_bytes,
            &self.signature,
        );
        if !ok {
            p.push("批次清单的签名无效：清单或签名被修改".to_string());
        }
        if let Some(k) = keyring {
            if k.find(&self.fingerprint, &self.public_key).is_none() {
                p.push(format!(
                    "移交人“{}”的公钥不受信任（指纹 {}）：请与纸质移交清单上的指纹核对",
                    self.operator, self.fingerprint
                ));
            }
        }
        p
    }
}
