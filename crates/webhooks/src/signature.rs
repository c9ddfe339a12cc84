//! Standard Webhooks signatures. A message is signed over `{id}.{timestamp}.{body}`
//! (the `webhook-id` header, the `webhook-timestamp` header in Unix seconds, the raw
//! body) and the `webhook-signature` header lists signatures separated by spaces,
//! each `<version>,<base64>`:
//!
//! - `v1`: HMAC-SHA256 keyed with the secret, given to the receiver as
//!   `whsec_<base64 of the key bytes>`;
//! - `v1a`: Ed25519 by a key whose public half the receiver holds as
//!   `whpk_<base64>` (the private half is `whsk_<base64>` and stays with us).
//!
//! A receiver refuses a timestamp more than five minutes from its clock, so a
//! captured message cannot be replayed later.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer as _, Verifier as _};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a receiver lets a timestamp be from its clock.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

const SECRET_PREFIX: &str = "whsec_";
const SIGNING_KEY_PREFIX: &str = "whsk_";
const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// Why a signature or a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the key is not `{0}` followed by base64")]
    BadKey(&'static str),
    #[error("the timestamp is not Unix seconds")]
    BadTimestamp,
    #[error("the timestamp is more than five minutes from now")]
    TimestampOutOfTolerance,
    #[error("no signature in the header matches")]
    NoMatch,
}

/// The bytes signed: `{id}.{timestamp}.{body}`.
pub fn signed_content(id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut content = format!("{id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    content
}

/// A symmetric signing secret (`whsec_…`). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A secret of the given key bytes (the caller draws them at random: 24 or more).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Reads `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SignatureError::BadKey(SECRET_PREFIX))?;
        match BASE64.decode(encoded) {
            Ok(bytes) if !bytes.is_empty() => Ok(Self(bytes)),
            _ => Err(SignatureError::BadKey(SECRET_PREFIX)),
        }
    }

    /// The text given to the receiver once: `whsec_<base64>`.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.0))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length (a long one is hashed first), so
        // `new_from_slice` never fails for it; the fallback only satisfies the type.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
        mac.update(&signed_content(id, timestamp, body));
        mac
    }

    /// The `v1,<base64>` signature of a message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            BASE64.encode(self.mac(id, timestamp, body).finalize().into_bytes())
        )
    }

    /// Checks a `webhook-signature` header as a receiver would: one `v1` signature
    /// of it matches (compared in constant time), and the timestamp is within five
    /// minutes of `now`.
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        body: &[u8],
        header: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let timestamp = checked_timestamp(timestamp, now)?;
        for signature in signatures(header, "v1") {
            if self.mac(id, timestamp, body).verify_slice(&signature).is_ok() {
                return Ok(());
            }
        }
        Err(SignatureError::NoMatch)
    }
}

/// An Ed25519 signing key for `v1a` signatures. `Debug` never shows it.
#[derive(Clone)]
pub struct Ed25519Signer(ed25519_dalek::SigningKey);

impl std::fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ed25519Signer({})", self.public_key_text())
    }
}

impl Ed25519Signer {
    /// The key of a 32-byte seed (the caller draws it at random).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Reads `whsk_<base64 of the seed>`.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let seed = text
            .strip_prefix(SIGNING_KEY_PREFIX)
            .and_then(|encoded| BASE64.decode(encoded).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(SignatureError::BadKey(SIGNING_KEY_PREFIX))?;
        Ok(Self::from_seed(seed))
    }

    /// `whsk_<base64 of the seed>`: kept by us, never shown.
    pub fn to_text(&self) -> String {
        format!("{SIGNING_KEY_PREFIX}{}", BASE64.encode(self.0.to_bytes()))
    }

    /// `whpk_<base64>`: what the receiver verifies with.
    pub fn public_key_text(&self) -> String {
        format!(
            "{PUBLIC_KEY_PREFIX}{}",
            BASE64.encode(self.0.verifying_key().to_bytes())
        )
    }

    /// The `v1a,<base64>` signature of a message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let signature = self.0.sign(&signed_content(id, timestamp, body));
        format!("v1a,{}", BASE64.encode(signature.to_bytes()))
    }
}

/// Checks a header's `v1a` signatures against a public key `whpk_…`, as a receiver would.
pub fn verify_v1a(
    public_key: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let key = public_key
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .and_then(|encoded| BASE64.decode(encoded).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
        .ok_or(SignatureError::BadKey(PUBLIC_KEY_PREFIX))?;
    let timestamp = checked_timestamp(timestamp, now)?;
    let content = signed_content(id, timestamp, body);
    for signature in signatures(header, "v1a") {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            continue;
        };
        if key
            .verify(&content, &ed25519_dalek::Signature::from_bytes(&bytes))
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(SignatureError::NoMatch)
}

fn checked_timestamp(timestamp: &str, now: DateTime<Utc>) -> Result<i64, SignatureError> {
    let timestamp: i64 = timestamp.parse().map_err(|_| SignatureError::BadTimestamp)?;
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::TimestampOutOfTolerance);
    }
    Ok(timestamp)
}

/// The decoded signatures of one version in a header (others are skipped).
fn signatures<'a>(header: &'a str, version: &'a str) -> impl Iterator<Item = Vec<u8>> + 'a {
    header.split(' ').filter_map(move |part| {
        let (found, encoded) = part.split_once(',')?;
        (found == version).then(|| BASE64.decode(encoded).ok()).flatten()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_614_265_330, 0).unwrap_or_default()
    }

    /// The example of the Standard Webhooks specification: its secret, message id,
    /// timestamp and body give its signature.
    #[test]
    fn hmac_signature_matches_the_specification_example() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(
            secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body, &signature, now()),
            Ok(())
        );
    }

    #[test]
    fn any_change_fails_verification() {
        let secret = Secret::from_bytes(vec![7; 24]);
        let signature = secret.sign("msg_1", 1_614_265_330, b"{}");
        let header = format!("v1,bm90IGl0 {signature}");
        assert_eq!(secret.verify("msg_1", "1614265330", b"{}", &header, now()), Ok(()));
        assert_eq!(
            secret.verify("msg_2", "1614265330", b"{}", &header, now()),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            secret.verify("msg_1", "1614265330", b"{ }", &header, now()),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            Secret::from_bytes(vec![8; 24]).verify("msg_1", "1614265330", b"{}", &header, now()),
            Err(SignatureError::NoMatch)
        );
        let late = now() + chrono::Duration::seconds(TOLERANCE_SECONDS + 1);
        assert_eq!(
            secret.verify("msg_1", "1614265330", b"{}", &header, late),
            Err(SignatureError::TimestampOutOfTolerance)
        );
    }

    #[test]
    fn secrets_round_trip_through_their_text() {
        let secret = Secret::from_bytes((0..32).collect());
        assert!(secret.to_text().starts_with("whsec_"));
        assert_eq!(Secret::parse(&secret.to_text()), Ok(secret.clone()));
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        assert!(Secret::parse("whsec_").is_err());
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
    }

    #[test]
    fn ed25519_signatures_verify_with_the_public_key_only() {
        let signer = Ed25519Signer::from_seed([3; 32]);
        let again = Ed25519Signer::parse(&signer.to_text()).unwrap();
        assert_eq!(again.public_key_text(), signer.public_key_text());
        let header = signer.sign("msg_1", 1_614_265_330, b"{}");
        assert!(header.starts_with("v1a,"));
        let public = signer.public_key_text();
        assert_eq!(
            verify_v1a(&public, "msg_1", "1614265330", b"{}", &header, now()),
            Ok(())
        );
        assert_eq!(
            verify_v1a(&public, "msg_1", "1614265330", b"{1}", &header, now()),
            Err(SignatureError::NoMatch)
        );
        let other = Ed25519Signer::from_seed([4; 32]).public_key_text();
        assert_eq!(
            verify_v1a(&other, "msg_1", "1614265330", b"{}", &header, now()),
            Err(SignatureError::NoMatch)
        );
        assert!(!format!("{signer:?}").contains(&signer.to_text()));
    }
}
