//! Digest algorithms of the two crypto suites: SM3 (GB/T 32905, suite `gm`)
//! and SHA-256 (suite `intl`), behind one streaming [`Hasher`].

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// A digest algorithm named in every artefact that carries a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DigestAlgo {
    /// SM3, 256-bit, GB/T 32905.
    Sm3,
    /// SHA-256, FIPS 180-4.
    Sha256,
}

impl DigestAlgo {
    /// Stable name used in files and the catalog.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgo::Sm3 => "SM3",
            DigestAlgo::Sha256 => "SHA-256",
        }
    }
    /// Parses [`DigestAlgo::name`] (case-insensitive, dash optional).
    pub fn from_name(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().replace('-', "").as_str() {
            "SM3" => Some(DigestAlgo::Sm3),
            "SHA256" => Some(DigestAlgo::Sha256),
            _ => None,
        }
    }
    /// A fresh streaming hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            DigestAlgo::Sm3 => Hasher::Sm3(Box::default()),
            DigestAlgo::Sha256 => Hasher::Sha256(Box::default()),
        }
    }
    /// Digest of a byte slice, lower-case hex.
    pub fn hex(self, data: &[u8]) -> String {
        let mut h = self.hasher();
        h.update(data);
        h.finish_hex()
    }
}

impl std::fmt::Display for DigestAlgo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A streaming hasher for one of the suite algorithms.
#[derive(Clone)]
pub enum Hasher {
    /// SM3 state.
    Sm3(Box<sm3::Sm3>),
    /// SHA-256 state.
    Sha256(Box<sha2::Sha256>),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sm3(h) => sm3::Digest::update(h.as_mut(), data),
            Hasher::Sha256(h) => h.update(data),
        }
    }
    /// Finishes and returns the digest as lower-case hex.
    pub fn finish_hex(self) -> String {
        match self {
            Hasher::Sm3(h) => hex::encode(sm3::Digest::finalize(*h)),
            Hasher::Sha256(h) => hex::encode(h.finalize()),
        }
    }
}

/// A writer adapter that hashes everything written through it, so a copy
/// reads each source byte once.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Hasher,
    written: u64,
}

impl<W: std::io::Write> HashingWriter<W> {
    /// Wraps `inner`, hashing with `algo`.
    pub fn new(inner: W, algo: DigestAlgo) -> Self {
        HashingWriter {
            inner,
            hasher: algo.hasher(),
            written: 0,
        }
    }
    /// Returns the inner writer, the hex digest and the byte count.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, self.hasher.finish_hex(), self.written)
    }
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // GB/T 32905 example 1 and FIPS 180-2 "abc".
        assert_eq!(
            DigestAlgo::Sm3.hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            DigestAlgo::Sha256.hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        for algo in [DigestAlgo::Sm3, DigestAlgo::Sha256] {
            let mut w = HashingWriter::new(Vec::new(), algo);
            for chunk in data.chunks(4093) {
                std::io::Write::write_all(&mut w, chunk).unwrap();
            }
            let (out, hex, n) = w.finish();
            assert_eq!(out, data);
            assert_eq!(n, data.len() as u64);
            assert_eq!(hex, algo.hex(&data));
        }
        assert_eq!(DigestAlgo::from_name("sha-256"), Some(DigestAlgo::Sha256));
        assert_eq!(DigestAlgo::from_name("md5"), None);
    }
}
