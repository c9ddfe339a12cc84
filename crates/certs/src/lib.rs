#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! E-certificates (电子证照): issued by a department when a task is approved, verifiable by anyone
//! offline with the issuers' published keys.
//!
//! * A [`Certificate`] is the body: metadata along GB/T 36903 lines plus surface data (照面信息).
//! * [`issue`] signs [`signing_bytes`] (RFC 8785 canonical JSON of the body) with a
//!   [`SigningKey`]: SM2/SM3 by default (distinguishing ID [`SM2_DISTID`], interoperable with the
//!   OpenSSL 3 CLI) or Ed25519.
//! * [`SignedCertificate::to_file_bytes`] is the certificate file: canonical JSON of body and
//!   signature. [`verify_file`] accepts exactly those bytes, so any changed byte fails.
//! * [`verify`] checks key, algorithm, issuer, signature, key validity on the issue date,
//!   revocation and validity period, in that order, and names the first failure
//!   ([`VerifyError`], with a stable [`VerifyError::code`]).
//!
//! Pure: no clock (`today` is a parameter), no network, no file IO. Randomness only in
//! [`SigningKey::generate`], from the caller's RNG; signing is deterministic.

mod certificate;
mod der;
mod keyring;
mod keys;
mod verify;

pub use certificate::{Certificate, IssueError, Signature, SignedCertificate, canonical_json, issue, signing_bytes};
pub use keyring::{IssuerKey, Keyring, KeyringError};
pub use keys::{Algorithm, KeyError, PublicKey, SECRET_KEY_LEN, SM2_DISTID, SigningKey};
pub use verify::{MAX_FILE_BYTES, Revocation, Verified, VerifyError, verify, verify_file};
