//! Published issuer keys, as used for offline verification.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::keys::PublicKey;

/// An issuer's public key as published. `valid_from` and `retired_at` bound the issue dates the
/// key may sign.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IssuerKey {
    /// [`PublicKey::key_id`] of `public_key`.
    pub key_id: String,
    /// Department code, e.g. `WJ`.
    pub issuer_code: String,
    /// Department name, e.g. `卫生健康委员会`.
    pub issuer_name: String,
    /// The key itself.
    pub public_key: PublicKey,
    /// First issue date the key may sign.
    pub valid_from: NaiveDate,
    /// Rotation: the last issue date the key may sign. Certificates it signed up to this date stay
    /// verifiable after it.
    pub retired_at: Option<NaiveDate>,
}

impl IssuerKey {
    /// An issuer key entry whose `key_id` is computed from `public_key`.
    pub fn new(
        issuer_code: impl Into<String>,
        issuer_name: impl Into<String>,
        public_key: PublicKey,
        valid_from: NaiveDate,
        retired_at: Option<NaiveDate>,
    ) -> IssuerKey {
        IssuerKey {
            key_id: public_key.key_id(),
            issuer_code: issuer_code.into(),
            issuer_name: issuer_name.into(),
            public_key,
            valid_from,
            retired_at,
        }
    }

    /// Whether the key may sign a certificate issued on `issue_date`.
    pub fn may_sign_on(&self, issue_date: NaiveDate) -> bool {
        issue_date >= self.valid_from && self.retired_at.is_none_or(|retired| issue_date <= retired)
    }
}

/// The keyring file (JSON), e.g. for `onething cert verify <file> --keys keyring.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Keyring {
    /// Every published key, current and retired.
    pub keys: Vec<IssuerKey>,
}

/// A keyring entry that cannot be right. Messages are user-facing (Simplified Chinese).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// The stated key id is not the id of the entry's public key.
    #[error("密钥库条目 {key_id} 的密钥标识与其公钥不符（应为 {computed}）")]
    KeyIdMismatch {
        /// The stated id.
        key_id: String,
        /// The id computed from the public key.
        computed: String,
    },
    /// Two entries share a key id.
    #[error("密钥库中密钥标识 {key_id} 重复")]
    DuplicateKeyId {
        /// The repeated id.
        key_id: String,
    },
    /// The key is retired before it becomes valid.
    #[error("密钥库条目 {key_id} 的停用日期 {retired_at} 早于启用日期 {valid_from}")]
    RetiredBeforeValid {
        /// The entry's key id.
        key_id: String,
        /// Its start date.
        valid_from: NaiveDate,
        /// Its retirement date.
        retired_at: NaiveDate,
    },
}

impl Keyring {
    /// The entry for `key_id`. An entry whose stated `key_id` is not the id of its own public key
    /// is never returned, so a mislabelled keyring cannot make one key stand in for another.
    pub fn find(&self, key_id: &str) -> Option<&IssuerKey> {
        self.keys
            .iter()
            .find(|key| key.key_id == key_id && key.public_key.key_id() == key_id)
    }

    /// Checks the keyring as a whole: key ids match their keys, are unique, and no key is retired
    /// before it becomes valid. Verification does not require this, but loaders should call it.
    pub fn validate(&self) -> Result<(), KeyringError> {
        let mut seen = BTreeSet::new();
        for key in &self.keys {
            let computed = key.public_key.key_id();
            if key.key_id != computed {
                return Err(KeyringError::KeyIdMismatch {
                    key_id: key.key_id.clone(),
                    computed,
                });
            }
            if !seen.insert(key.key_id.as_str()) {
                return Err(KeyringError::DuplicateKeyId {
                    key_id: key.key_id.clone(),
                });
            }
            if let Some(retired_at) = key.retired_at
                && retired_at < key.valid_from
            {
                return Err(KeyringError::RetiredBeforeValid {
                    key_id: key.key_id.clone(),
                    valid_from: key.valid_from,
                    retired_at,
                });
            }
        }
        Ok(())
    }
}
