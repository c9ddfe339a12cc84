//! Signature algorithms, signing keys and public keys.
//!
//! * SM2 with SM3 (GB/T 32918, GM/T 0003/0009): the signer's distinguishing identifier is
//!   [`SM2_DISTID`], the GM/T 0009 default, so `openssl pkeyutl -pkeyopt distid:1234567812345678`
//!   interoperates. Signatures are DER `SEQUENCE { r, s }` as OpenSSL emits them; public keys are
//!   SEC1 uncompressed points (65 bytes).
//! * Ed25519 (RFC 8032): 64-byte raw signatures, 32-byte public keys, verified strictly.
//!
//! SM2 signing is deterministic (RFC 6979 nonces with SM3), so issuing the same certificate twice
//! with the same key gives the same file.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sm2::dsa::signature::{RandomizedSigner, Signer, Verifier};
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm2::pkcs8::LineEnding;

use crate::der;

/// The SM2 distinguishing identifier (`ID_A`) used for every SM2 signature: the GM/T 0009 default.
pub const SM2_DISTID: &str = "1234567812345678";

/// Length in bytes of a secret key of either algorithm.
pub const SECRET_KEY_LEN: usize = 32;

/// A signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Algorithm {
    /// SM2 signature over SM3, distinguishing ID [`SM2_DISTID`]. The default for government use.
    #[serde(rename = "SM2-SM3")]
    Sm2Sm3,
    /// Ed25519 (RFC 8032).
    #[serde(rename = "Ed25519")]
    Ed25519,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Algorithm; 2] = [Algorithm::Sm2Sm3, Algorithm::Ed25519];

    /// The stable name: `"SM2-SM3"` or `"Ed25519"` (also the serde and `Display` form).
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "SM2-SM3",
            Algorithm::Ed25519 => "Ed25519",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| KeyError::UnknownAlgorithm(s.to_owned()))
    }
}

/// Errors from key handling. Messages are user-facing (Simplified Chinese).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The algorithm name is not one of `SM2-SM3`, `Ed25519`.
    #[error("不支持的签名算法“{0}”：仅支持 SM2-SM3 与 Ed25519")]
    UnknownAlgorithm(String),
    /// Secret key bytes are not a valid key for the algorithm.
    #[error("{algorithm} 私钥无效：{reason}")]
    InvalidSecretKey {
        /// The algorithm the bytes were meant for.
        algorithm: Algorithm,
        /// Why the bytes were rejected.
        reason: String,
    },
    /// Public key bytes are not a valid key for the algorithm.
    #[error("{algorithm} 公钥无效：{reason}")]
    InvalidPublicKey {
        /// The algorithm the bytes were meant for.
        algorithm: Algorithm,
        /// Why the bytes were rejected.
        reason: String,
    },
    /// A PEM document could not be read or written.
    #[error("PEM 密钥处理失败：{0}")]
    Pem(String),
}

fn invalid_secret(algorithm: Algorithm, reason: impl Into<String>) -> KeyError {
    KeyError::InvalidSecretKey {
        algorithm,
        reason: reason.into(),
    }
}

fn invalid_public(algorithm: Algorithm, reason: impl Into<String>) -> KeyError {
    KeyError::InvalidPublicKey {
        algorithm,
        reason: reason.into(),
    }
}

/// A secret signing key. `Debug` shows only the algorithm and the key id, never secret material.
#[derive(Clone)]
pub struct SigningKey {
    inner: SigningInner,
    public: PublicKey,
}

#[derive(Clone)]
enum SigningInner {
    Sm2(Box<sm2::dsa::SigningKey>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl SigningKey {
    /// Generates a fresh key from `rng`.
    pub fn generate(algorithm: Algorithm, rng: &mut (impl rand::RngCore + rand::CryptoRng)) -> SigningKey {
        let mut secret = [0u8; SECRET_KEY_LEN];
        loop {
            rng.fill_bytes(&mut secret);
            // Every 32-byte string is an Ed25519 key; an SM2 key must lie in [1, n-2], which a
            // uniform 32-byte string misses with probability about 2^-32: draw again.
            if let Ok(key) = SigningKey::from_secret_bytes(algorithm, &secret) {
                secret.fill(0);
                return key;
            }
        }
    }

    /// Rebuilds a key from the 32 bytes returned by [`SigningKey::secret_bytes`].
    ///
    /// SM2: the big-endian private scalar `d`, which must satisfy `1 <= d <= n - 2`.
    /// Ed25519: the RFC 8032 seed.
    pub fn from_secret_bytes(algorithm: Algorithm, secret: &[u8]) -> Result<SigningKey, KeyError> {
        if secret.len() != SECRET_KEY_LEN {
            return Err(invalid_secret(
                algorithm,
                format!("长度应为 {SECRET_KEY_LEN} 字节，实际为 {} 字节", secret.len()),
            ));
        }
        match algorithm {
            Algorithm::Sm2Sm3 => {
                let key = sm2::dsa::SigningKey::from_slice(SM2_DISTID, secret)
                    .map_err(|_| invalid_secret(algorithm, "私钥标量必须在 [1, n-1] 范围内"))?;
                // d = n - 1 makes (1 + d) non-invertible: such a key can never sign.
                let d: sm2::Scalar = **key.as_nonzero_scalar();
                if bool::from((d + sm2::Scalar::ONE).is_zero()) {
                    return Err(invalid_secret(algorithm, "私钥标量不能为 n-1"));
                }
                let public = PublicKey {
                    algorithm,
                    bytes: key.verifying_key().to_encoded_point(false).as_bytes().to_vec(),
                };
                Ok(SigningKey {
                    inner: SigningInner::Sm2(Box::new(key)),
                    public,
                })
            }
            Algorithm::Ed25519 => {
                let mut seed = [0u8; SECRET_KEY_LEN];
                seed.copy_from_slice(secret);
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                seed.fill(0);
                let public = PublicKey {
                    algorithm,
                    bytes: key.verifying_key().to_bytes().to_vec(),
                };
                Ok(SigningKey {
                    inner: SigningInner::Ed25519(Box::new(key)),
                    public,
                })
            }
        }
    }

    /// Reads a PKCS#8 private key PEM (`-----BEGIN PRIVATE KEY-----`) as written by
    /// [`SigningKey::to_pkcs8_pem`] or by `openssl genpkey -algorithm SM2|ED25519`.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, KeyError> {
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return SigningKey::from_secret_bytes(Algorithm::Ed25519, key.as_bytes());
        }
        match sm2::SecretKey::from_pkcs8_pem(pem) {
            Ok(key) => SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &key.to_bytes()),
            Err(_) => Err(KeyError::Pem(
                "无法识别的私钥：仅支持 SM2 与 Ed25519 的 PKCS#8 PEM".to_owned(),
            )),
        }
    }

    /// The 32 secret bytes, for storage by the caller. Treat them as the key itself.
    pub fn secret_bytes(&self) -> Vec<u8> {
        match &self.inner {
            SigningInner::Sm2(key) => key.to_bytes().to_vec(),
            SigningInner::Ed25519(key) => key.to_bytes().to_vec(),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.public.algorithm
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// The key id of the matching public key (see [`PublicKey::key_id`]).
    pub fn key_id(&self) -> String {
        self.public.key_id()
    }

    /// Signs `message`.
    ///
    /// SM2: SM3 over `Z_A || message` with `ID_A` = [`SM2_DISTID`], DER-encoded `(r, s)`.
    /// Ed25519: the 64-byte RFC 8032 signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            SigningInner::Sm2(key) => sign_sm2(key, message),
            SigningInner::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
        }
    }

    /// The key as an unencrypted PKCS#8 PEM document, readable by `openssl pkey` and `openssl pkeyutl`.
    ///
    /// SM2 keys use `id-ecPublicKey` with the SM2 curve OID (1.2.156.10197.1.301), as OpenSSL 3
    /// writes them; Ed25519 keys use RFC 8410 in the PKCS#8 v1 form (no embedded public key).
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let pem = match &self.inner {
            SigningInner::Sm2(key) => sm2::SecretKey::from(*key.as_nonzero_scalar()).to_pkcs8_pem(LineEnding::LF),
            // PKCS#8 v1 without the optional public key: OpenSSL 3.0 rejects the v2 form that
            // ed25519-dalek writes by default.
            SigningInner::Ed25519(key) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_pem(LineEnding::LF),
        };
        pem.map(|pem| pem.as_str().to_owned())
            .map_err(|e| KeyError::Pem(e.to_string()))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &format_args!("{}", self.public.algorithm))
            .field("key_id", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

/// Deterministic SM2 signature. RFC 6979 derivation fails only when `r = 0`, `r + k = n` or
/// `s = 0` (probability about 2^-255); then retry with a counter as RFC 6979 §3.6 additional data,
/// which keeps the nonce secret-derived and the result deterministic.
fn sign_sm2(key: &sm2::dsa::SigningKey, message: &[u8]) -> Vec<u8> {
    let mut result = key.try_sign(message);
    let mut counter = ExtraData(0);
    while result.is_err() && counter.0 < 16 {
        counter.0 += 1;
        result = key.try_sign_with_rng(&mut counter, message);
    }
    match result {
        Ok(signature) => {
            let mut r = [0u8; 32];
            let mut s = [0u8; 32];
            r.copy_from_slice(&signature.r_bytes());
            s.copy_from_slice(&signature.s_bytes());
            der::encode_signature(&r, &s)
        }
        // Unreachable in practice (17 independent failures of probability 2^-255). An empty
        // signature is rejected by every verifier, so this fails closed.
        Err(_) => Vec::new(),
    }
}

/// Supplies RFC 6979 additional data (`k'` in §3.6) for SM2 retries. RFC 6979 keeps the nonce
/// secret however predictable the additional data is, so this need not be a real CSPRNG.
struct ExtraData(u64);

impl rand::RngCore for ExtraData {
    fn next_u32(&mut self) -> u32 {
        self.0 as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let counter = self.0.to_be_bytes();
        for (i, byte) in dest.iter_mut().enumerate() {
            *byte = counter.get(i % counter.len()).copied().unwrap_or(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand::CryptoRng for ExtraData {}

/// A public key. Serialized as `{"algorithm": "SM2-SM3", "key": "<base64>"}`.
///
/// Bytes: SM2 is the SEC1 uncompressed point (65 bytes, `04 || x || y`); Ed25519 is the 32-byte
/// RFC 8032 encoding. Deserialization validates the key.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PublicKeyRepr", into = "PublicKeyRepr")]
pub struct PublicKey {
    /// The algorithm this key verifies.
    pub algorithm: Algorithm,
    bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicKeyRepr {
    algorithm: Algorithm,
    key: String,
}

impl TryFrom<PublicKeyRepr> for PublicKey {
    type Error = KeyError;

    fn try_from(repr: PublicKeyRepr) -> Result<Self, Self::Error> {
        let bytes = BASE64
            .decode(repr.key.as_bytes())
            .map_err(|_| invalid_public(repr.algorithm, "不是有效的 Base64 编码"))?;
        PublicKey::from_bytes(repr.algorithm, &bytes)
    }
}

impl From<PublicKey> for PublicKeyRepr {
    fn from(key: PublicKey) -> Self {
        PublicKeyRepr {
            algorithm: key.algorithm,
            key: BASE64.encode(&key.bytes),
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &format_args!("{}", self.algorithm))
            .field("bytes", &hex::encode(&self.bytes))
            .finish()
    }
}

impl PublicKey {
    /// Parses and validates public key bytes.
    ///
    /// SM2 accepts any SEC1 encoding of a point on the curve (compressed input is normalized to
    /// the uncompressed form). Ed25519 accepts a 32-byte point that is not of small order.
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<PublicKey, KeyError> {
        match algorithm {
            Algorithm::Sm2Sm3 => {
                let point = sm2::PublicKey::from_sec1_bytes(bytes)
                    .map_err(|_| invalid_public(algorithm, "不是 SM2 曲线上的有效点（SEC1 编码）"))?;
                Ok(PublicKey {
                    algorithm,
                    bytes: point.to_encoded_point(false).as_bytes().to_vec(),
                })
            }
            Algorithm::Ed25519 => {
                let array: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| invalid_public(algorithm, format!("长度应为 32 字节，实际为 {} 字节", bytes.len())))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&array)
                    .map_err(|_| invalid_public(algorithm, "不是有效的 Ed25519 点"))?;
                if key.is_weak() {
                    return Err(invalid_public(algorithm, "弱公钥（小阶点）"));
                }
                Ok(PublicKey {
                    algorithm,
                    bytes: array.to_vec(),
                })
            }
        }
    }

    /// The key bytes (SM2: 65-byte uncompressed SEC1 point; Ed25519: 32 bytes).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Stable key id: lowercase hex of the first 16 bytes of
    /// `SHA-256(algorithm name || 0x00 || key bytes)`; 32 characters.
    pub fn key_id(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.algorithm.name().as_bytes());
        hasher.update([0u8]);
        hasher.update(&self.bytes);
        let digest = hasher.finalize();
        hex::encode(&digest[..16])
    }

    /// The key as a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), readable by OpenSSL.
    pub fn to_spki_pem(&self) -> Result<String, KeyError> {
        let pem = match self.algorithm {
            Algorithm::Sm2Sm3 => sm2::PublicKey::from_sec1_bytes(&self.bytes)
                .map_err(|_| invalid_public(self.algorithm, "不是 SM2 曲线上的有效点"))?
                .to_public_key_pem(LineEnding::LF),
            Algorithm::Ed25519 => self.ed25519_key()?.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|e| KeyError::Pem(e.to_string()))
    }

    /// Reads a SubjectPublicKeyInfo PEM, e.g. the output of `openssl pkey -pubout`, for SM2
    /// (`id-ecPublicKey` with the SM2 curve) or Ed25519. Other key types are rejected.
    pub fn from_spki_pem(pem: &str) -> Result<PublicKey, KeyError> {
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return PublicKey::from_bytes(Algorithm::Ed25519, key.as_bytes());
        }
        match sm2::PublicKey::from_public_key_pem(pem) {
            Ok(key) => PublicKey::from_bytes(Algorithm::Sm2Sm3, key.to_encoded_point(false).as_bytes()),
            Err(_) => Err(KeyError::Pem(
                "无法识别的公钥：仅支持 SM2 与 Ed25519 的 SubjectPublicKeyInfo PEM".to_owned(),
            )),
        }
    }

    /// Whether `signature` is a valid signature of `message` under this key (see
    /// [`SigningKey::sign`] for the formats). Malformed signatures simply do not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self.algorithm {
            Algorithm::Sm2Sm3 => {
                let Some((r, s)) = der::decode_signature(signature) else {
                    return false;
                };
                let Ok(signature) = sm2::dsa::Signature::from_scalars(r, s) else {
                    return false;
                };
                let Ok(key) = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, &self.bytes) else {
                    return false;
                };
                key.verify(message, &signature).is_ok()
            }
            Algorithm::Ed25519 => {
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                let Ok(key) = self.ed25519_key() else {
                    return false;
                };
                key.verify_strict(message, &signature).is_ok()
            }
        }
    }

    fn ed25519_key(&self) -> Result<ed25519_dalek::VerifyingKey, KeyError> {
        let array: [u8; 32] = self
            .bytes
            .as_slice()
            .try_into()
            .map_err(|_| invalid_public(self.algorithm, "长度应为 32 字节"))?;
        ed25519_dalek::VerifyingKey::from_bytes(&array)
            .map_err(|_| invalid_public(self.algorithm, "不是有效的 Ed25519 点"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn algorithm_names_round_trip() {
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.name().parse::<Algorithm>().unwrap(), algorithm);
            assert_eq!(algorithm.to_string(), algorithm.name());
            let json = serde_json::to_string(&algorithm).unwrap();
            assert_eq!(json, format!("\"{}\"", algorithm.name()));
            assert_eq!(serde_json::from_str::<Algorithm>(&json).unwrap(), algorithm);
        }
        assert!(matches!("sm2".parse::<Algorithm>(), Err(KeyError::UnknownAlgorithm(_))));
    }

    #[test]
    fn secret_bytes_round_trip_and_debug_hides_them() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for algorithm in Algorithm::ALL {
            let key = SigningKey::generate(algorithm, &mut rng);
            let secret = key.secret_bytes();
            assert_eq!(secret.len(), 32);
            let again = SigningKey::from_secret_bytes(algorithm, &secret).unwrap();
            assert_eq!(again.public_key(), key.public_key());
            let debug = format!("{key:?}");
            assert!(debug.contains(algorithm.name()), "{debug}");
            assert!(debug.contains(&key.key_id()), "{debug}");
            assert!(!debug.contains(&hex::encode(&secret)), "{debug}");
            assert!(!debug.contains(&format!("{secret:?}")), "{debug}");
        }
    }

    #[test]
    fn sm2_rejects_out_of_range_scalars() {
        // n for the SM2 curve.
        let n = hex::decode("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123").unwrap();
        let mut n_minus_1 = n.clone();
        n_minus_1[31] -= 1;
        let mut n_minus_2 = n.clone();
        n_minus_2[31] -= 2;
        assert!(SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &[0u8; 32]).is_err());
        assert!(SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &n).is_err());
        assert!(SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &n_minus_1).is_err());
        let key = SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &n_minus_2).unwrap();
        let signature = key.sign(b"edge");
        assert!(key.public_key().verify(b"edge", &signature));
        assert!(SigningKey::from_secret_bytes(Algorithm::Ed25519, &[1u8; 31]).is_err());
    }

    #[test]
    fn sm2_signing_is_deterministic_and_der() {
        let key = SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &[0x42; 32]).unwrap();
        let a = key.sign(b"message");
        let b = key.sign(b"message");
        assert_eq!(a, b);
        assert_eq!(a[0], 0x30);
        assert_eq!(usize::from(a[1]) + 2, a.len());
        assert!(der::decode_signature(&a).is_some());
        assert!(key.public_key().verify(b"message", &a));
        assert!(!key.public_key().verify(b"messagf", &a));
    }

    #[test]
    fn public_key_serde_validates() {
        let key = SigningKey::from_secret_bytes(Algorithm::Ed25519, &[9; 32])
            .unwrap()
            .public_key();
        let json = serde_json::to_value(&key).unwrap();
        assert_eq!(json["algorithm"], "Ed25519");
        assert_eq!(json["key"], BASE64.encode(key.bytes()));
        let back: PublicKey = serde_json::from_value(json).unwrap();
        assert_eq!(back, key);
        let bad = serde_json::json!({"algorithm": "SM2-SM3", "key": BASE64.encode(key.bytes())});
        assert!(serde_json::from_value::<PublicKey>(bad).is_err());
        let extra = serde_json::json!({"algorithm": "Ed25519", "key": BASE64.encode(key.bytes()), "x": 1});
        assert!(serde_json::from_value::<PublicKey>(extra).is_err());
    }

    #[test]
    fn sm2_compressed_points_are_normalized() {
        let key = SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &[0x42; 32])
            .unwrap()
            .public_key();
        let point = sm2::PublicKey::from_sec1_bytes(key.bytes()).unwrap();
        let compressed = point.to_encoded_point(true);
        let parsed = PublicKey::from_bytes(Algorithm::Sm2Sm3, compressed.as_bytes()).unwrap();
        assert_eq!(parsed, key);
        assert_eq!(parsed.bytes().len(), 65);
        let mut off_curve = key.bytes().to_vec();
        off_curve[64] ^= 1;
        assert!(PublicKey::from_bytes(Algorithm::Sm2Sm3, &off_curve).is_err());
    }

    #[test]
    fn ed25519_rejects_small_order_keys() {
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(PublicKey::from_bytes(Algorithm::Ed25519, &identity).is_err());
    }

    #[test]
    fn pem_round_trips() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for algorithm in Algorithm::ALL {
            let key = SigningKey::generate(algorithm, &mut rng);
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
            let back = SigningKey::from_pkcs8_pem(&pem).unwrap();
            assert_eq!(back.secret_bytes(), key.secret_bytes());
            assert_eq!(back.algorithm(), algorithm);
            let public = key.public_key();
            let spki = public.to_spki_pem().unwrap();
            assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----"), "{spki}");
            assert_eq!(PublicKey::from_spki_pem(&spki).unwrap(), public);
        }
        assert!(matches!(PublicKey::from_spki_pem("not a pem"), Err(KeyError::Pem(_))));
        assert!(matches!(SigningKey::from_pkcs8_pem("not a pem"), Err(KeyError::Pem(_))));
    }
}
