//! `固化信息.xml`, the seal (固化) of a package.
//!
//! The signature is not over XML (whose canonicalisation is fragile) but over
//! a canonical UTF-8 text built from the seal's fields, one `key=value` line
//! each, in a fixed order, entries in package order:
//!
//! ```text
//! guidang-seal/1
//! suite=gm
//! digest=SM3
//! signature=SM2
//! efile_no=430124-0001-0100001005-2025-Y-000001
//! entry=元数据.xml|1834|<hex>
//! entry=结果性材料/准予许可决定书.pdf|123456|<hex>
//! signer=张三
//! unit=示范镇人民政府
//! public_key=<hex>
//! fingerprint=<hex>
//! sealed_at=2026-11-21T15:00:00+08:00
//! ```
//!
//! Verifiers rebuild this text from the parsed XML and check the signature
//! with the public key; whether that key is *trusted* is decided against a
//! keyring, not by the package.

use guidang_core::{DigestAlgo, Suite};
use guidang_crypto::SecretKey;

use crate::xml::{esc, parse};
use crate::SEAL_FORMAT;

/// One sealed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealEntry {
    /// Path inside the package.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Digest, hex.
    pub digest: String,
}

/// The seal's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    /// Crypto suite.
    pub suite: Suite,
    /// 电子文件号.
    pub efile_no: String,
    /// Every other entry of the package, in package order.
    pub entries: Vec<SealEntry>,
    /// Operator name.
    pub signer: String,
    /// Unit name.
    pub unit: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint of the public key, hex.
    pub fingerprint: String,
    /// Sealing time (RFC 3339).
    pub sealed_at: String,
    /// Signature over [`Seal::canonical`], hex (empty before signing).
    pub signature: String,
}

impl Seal {
    /// The digest algorithm of the suite.
    pub fn digest_algo(&self) -> DigestAlgo {
        self.suite.digest()
    }

    /// The canonical text that is signed.
    pub fn canonical(&self) -> String {
        let mut s = format!(
            "{SEAL_FORMAT}\nsuite={}\ndigest={}\nsignature={}\nefile_no={}\n",
            self.suite.code(),
            self.suite.digest().name(),
            guidang_crypto::signature_name(self.suite),
            self.efile_no
        );
        for e in &self.entries {
            s.push_str(&format!("entry={}|{}|{}\n", e.path, e.size, e.digest));
        }
        s.push_str(&format!(
            "signer={}\nunit={}\npublic_key={}\nfingerprint={}\nsealed_at={}\n",
            self.signer, self.unit, self.public_key, self.fingerprint, self.sealed_at
        ));
        s
    }

    /// Renders `固化信息.xml`.
    pub fn render(&self) -> String {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!("<固化信息 格式=\"{SEAL_FORMAT}\">\n"));
        x.push_str(&format!(
            "  <密码套件>{}</密码套件>\n  <摘要算法>{}</摘要算法>\n  <签名算法>{}</签名算法>\n  <电子文件号>{}</电子文件号>\n  <摘要列表>\n",
            self.suite.code(),
            self.suite.digest().name(),
            guidang_crypto::signature_name(self.suite),
            esc(&self.efile_no)
        ));
        for e in &self.entries {
            x.push_str(&format!(
                "    <条目 路径=\"{}\" 大小=\"{}\">{}</条目>\n",
                esc(&e.path),
                e.size,
                esc(&e.digest)
            ));
        }
        x.push_str(&format!(
            "  </摘要列表>\n  <签名者>\n    <经办人>{}</经办人>\n    <单位>{}</单位>\n    <公钥>{}</公钥>\n    <公钥指纹>{}</公钥指纹>\n  </签名者>\n  <固化时间>{}</固化时间>\n  <签名值>{}</签名值>\n</固化信息>\n",
            esc(&self.signer),
            esc(&self.unit),
            esc(&self.public_key),
            esc(&self.fingerprint),
            esc(&self.sealed_at),
            esc(&self.signature)
        ));
        x
    }

    /// Parses `固化信息.xml`, naming every missing element.
    pub fn parse(bytes: &[u8]) -> Result<Seal, Vec<String>> {
        let root = parse(bytes).map_err(|e| vec![e])?;
        if root.name != "固化信息" {
            return Err(vec![format!("根元素应为 <固化信息>，实为 <{}>", root.name)]);
        }
        let mut errs = Vec::new();
        if root.attr("格式") != Some(SEAL_FORMAT) {
            errs.push(format!("格式版本应为 {SEAL_FORMAT}"));
        }
        let mut need = |n: &crate::xml::Node, name: &str| -> String {
            n.text_of(name).map(str::to_string).unwrap_or_else(|| {
                errs.push(format!("缺少元素 <{name}>"));
                String::new()
            })
        };
        let suite_code = need(&root, "密码套件");
        let efile_no = need(&root, "电子文件号");
        let sealed_at = need(&root, "固化时间");
        let signature = need(&root, "签名值");
        let empty = crate::xml::Node::default();
        let signer = root.child("签名者").unwrap_or(&empty);
        let (who, unit, pk, fp) = (
            need(signer, "经办人"),
            need(signer, "单位"),
            need(signer, "公钥"),
            need(signer, "公钥指纹"),
        );
        let suite = Suite::from_code(&suite_code);
        if suite.is_none() {
            errs.push(format!("未知的密码套件“{suite_code}”"));
        }
        let mut entries = Vec::new();
        match root.child("摘要列表") {
            None => errs.push("缺少元素 <摘要列表>".into()),
            Some(list) => {
                for e in list.children.iter().filter(|c| c.name == "条目") {
                    let size = e.attr("大小").and_then(|s| s.parse().ok());
                    match (e.attr("路径"), size) {
                        (Some(p), Some(size)) => entries.push(SealEntry {
                            path: p.to_string(),
                            size,
                            digest: e.text.clone(),
                        }),
                        _ => errs.push("<条目> 缺少路径或大小".into()),
                    }
                }
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Seal {
            suite: suite.expect("checked"),
            efile_no,
            entries,
            signer: who,
            unit,
            public_key: pk,
            fingerprint: fp,
            sealed_at,
            signature,
        })
    }

    /// Checks the signature with the embedded public key (not trust).
    pub fn signature_valid(&self) -> bool {
        let (Ok(pk), Ok(sig)) = (hex::decode(&self.public_key), hex::decode(&self.signature))
        else {
            return false;
        };
        guidang_crypto::verify(self.suite, &pk, self.canonical().as_bytes(), &sig).is_ok()
    }
}

/// Who seals: an unlocked key with the operator's name and unit.
pub struct Signer {
    key: SecretKey,
    /// Operator name.
    pub operator: String,
    /// Unit name.
    pub unit: String,
    /// Public key, hex.
    pub public_key: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
}

impl Signer {
    /// Wraps an unlocked key.
    pub fn new(
        key: SecretKey,
        operator: &str,
        unit: &str,
    ) -> Result<Signer, guidang_crypto::CryptoError> {
        let pk = key.public_key()?;
        Ok(Signer {
            fingerprint: guidang_crypto::fingerprint(key.suite(), &pk),
            public_key: hex::encode(pk),
            key,
            operator: operator.into(),
            unit: unit.into(),
        })
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.key.suite()
    }

    /// Signs arbitrary bytes (batch manifests, return files).
    pub fn sign_bytes(&self, data: &[u8]) -> Result<Vec<u8>, guidang_crypto::CryptoError> {
        self.key.sign(data)
    }

    /// Fills in the signer fields and signs.
    pub fn seal(&self, mut s: Seal) -> Result<Seal, guidang_crypto::CryptoError> {
        s.suite = self.suite();
        s.signer = self.operator.clone();
        s.unit = self.unit.clone();
        s.public_key = self.public_key.clone();
        s.fingerprint = self.fingerprint.clone();
        s.signature = hex::encode(self.key.sign(s.canonical().as_bytes())?);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_render_parse_verify() {
        let key = SecretKey::generate(Suite::Gm).unwrap();
        let signer = Signer::new(key, "张三", "示范镇人民政府").unwrap();
        let s = signer
            .seal(Seal {
                suite: Suite::Gm,
                efile_no: "E-1".into(),
                entries: vec![SealEntry {
                    path: "元数据.xml".into(),
                    size: 3,
                    digest: "aa".into(),
                }],
                signer: String::new(),
                unit: String::new(),
                public_key: String::new(),
                fingerprint: String::new(),
                sealed_at: "2026-01-01T00:00:00+08:00".into(),
                signature: String::new(),
            })
            .unwrap();
        let back = Seal::parse(s.render().as_bytes()).unwrap();
        assert_eq!(back, s);
        assert!(back.signature_valid());
        let mut forged = back.clone();
        forged.entries[0].digest = "bb".into();
        assert!(!forged.signature_valid());
    }
}
