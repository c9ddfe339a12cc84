//! Department signing keys at rest: sealed with SM4-GCM (GB/T 38636, RFC 8998)
//! under a master key that lives outside the database (a file beside it, or the
//! environment), and bound to their key id and department, so a database dump
//! alone signs nothing and a sealed secret cannot be moved to another key's row.

use std::fmt;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use rand::RngCore;
use sm4::Sm4;

type Sm4Gcm = AesGcm<Sm4, U12>;

/// The first byte of a sealed secret (format version).
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 12;
/// Length of a master key: an SM4 key.
pub const MASTER_KEY_LEN: usize = 16;

/// Why a stored secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyWrapError {
    #[error("部门签名密钥的主密钥应为 {MASTER_KEY_LEN} 字节（32 位十六进制）")]
    MasterKeyLength,
    #[error("部门签名密钥 {0} 已加密保存，但没有配置主密钥（ONETHING_ISSUER_MASTER_KEY）")]
    NoMasterKey(String),
    #[error("部门签名密钥 {0} 无法解密：主密钥不对，或密钥记录已被改动")]
    Unsealed(String),
}

/// The master key. `Debug` never shows it.
pub struct KeyWrap {
    cipher: Sm4Gcm,
    /// The key of the keyed hash of department systems' client secrets
    /// (`crate::service`), derived from the master key for that one purpose.
    credential_key: [u8; 32],
}

impl fmt::Debug for KeyWrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyWrap(SM4-GCM, ..)")
    }
}

fn aad(key_id: &str, department: &str) -> Vec<u8> {
    format!("onething issuer key v1\0{key_id}\0{department}").into_bytes()
}

impl KeyWrap {
    pub fn new(master: &[u8]) -> Result<Self, KeyWrapError> {
        if master.len() != MASTER_KEY_LEN {
            return Err(KeyWrapError::MasterKeyLength);
        }
        let cipher = Sm4Gcm::new_from_slice(master).map_err(|_| KeyWrapError::MasterKeyLength)?;
        let credential_key = crate::service::derive_key(master, b"onething service credentials v1");
        Ok(Self { cipher, credential_key })
    }

    /// The key client secrets are hashed under: a leaked database without the
    /// master key does not even let an attacker test a guessed secret.
    pub fn credential_key(&self) -> &[u8; 32] {
        &self.credential_key
    }

    /// A fresh random master key.
    pub fn generate_master() -> [u8; MASTER_KEY_LEN] {
        let mut master = [0u8; MASTER_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut master);
        master
    }

    /// `1 || nonce || ciphertext || tag`, bound to the key id and department.
    pub fn seal(&self, key_id: &str, department: &str, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = aad(key_id, department);
        // Encryption with a valid key and a 12-byte nonce cannot fail for a
        // 32-byte message; an empty result would be refused when opened.
        let sealed = self
            .cipher
            .encrypt(Nonce::<U12>::from_slice(&nonce), Payload { msg: secret, aad: &aad })
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The secret of a sealed record.
    pub fn open(&self, key_id: &str, department: &str, sealed: &[u8]) -> Result<Vec<u8>, KeyWrapError> {
        let unsealed = || KeyWrapError::Unsealed(key_id.to_owned());
        let (&version, rest) = sealed.split_first().ok_or_else(unsealed)?;
        if version != SEALED_V1 || rest.len() <= NONCE_LEN {
            return Err(unsealed());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let aad = aad(key_id, department);
        self.cipher
            .decrypt(
                Nonce::<U12>::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| unsealed())
    }
}

/// Whether a stored secret is sealed (as opposed to a bare 32-byte key written
/// before sealing existed).
pub fn is_sealed(stored: &[u8]) -> bool {
    stored.len() > certs::SECRET_KEY_LEN && stored.first() == Some(&SEALED_V1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 8998 appendix A.1: SM4-GCM, the cipher this module builds from
    /// RustCrypto's SM4 and GCM.
    #[test]
    fn sm4_gcm_matches_rfc_8998() {
        let key = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let iv = hex::decode("00001234567800000000ABCD").unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let plaintext = hex::decode(concat!(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD",
            "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
        ))
        .unwrap();
        let cipher = Sm4Gcm::new_from_slice(&key).unwrap();
        let out = cipher
            .encrypt(
                Nonce::<U12>::from_slice(&iv),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .unwrap();
        let (ciphertext, tag) = out.split_at(plaintext.len());
        assert_eq!(
            hex::encode_upper(ciphertext),
            concat!(
                "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735",
                "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
            )
        );
        assert_eq!(hex::encode_upper(tag), "83DE3541E4C2B58177E065A9BF7B62EC");
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_row_and_master() {
        let wrap = KeyWrap::new(&KeyWrap::generate_master()).unwrap();
        let secret = [7u8; 32];
        let sealed = wrap.seal("k1", "WJ", &secret);
        assert!(is_sealed(&sealed));
        assert!(!is_sealed(&secret));
        assert!(!sealed.windows(32).any(|w| w == secret));
        assert_eq!(wrap.open("k1", "WJ", &sealed).unwrap(), secret);
        // Moved to another key's row or department: refused.
        assert!(wrap.open("k2", "WJ", &sealed).is_err());
        assert!(wrap.open("k1", "GA", &sealed).is_err());
        // Any changed byte: refused.
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 1;
            assert!(wrap.open("k1", "WJ", &changed).is_err(), "byte {i}");
        }
        // Another master key: refused.
        let other = KeyWrap::new(&KeyWrap::generate_master()).unwrap();
        assert!(other.open("k1", "WJ", &sealed).is_err());
        assert_eq!(KeyWrap::new(&[0; 15]).unwrap_err(), KeyWrapError::MasterKeyLength);
        assert_eq!(format!("{wrap:?}"), "KeyWrap(SM4-GCM, ..)");
    }
}
