//! ID tokens as a provider signs them: the signature is checked against the
//! provider's key with the issuer and audience (`app::oidc::verify_signature`), and
//! the claims after it (`app::oidc::check_claims`). A token signed by another key,
//! or with the public key used as an HMAC secret, never gets to the claims.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::oidc::{OidcConfig, OidcError, check_claims, verify_signature};
use chrono::{TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{Value, json};

const PROVIDER_KEY: &str = include_str!("data/oidc-test-key.pem");
const PROVIDER_PUBLIC: &str = include_str!("data/oidc-test-key.pub.pem");
const OTHER_KEY: &str = include_str!("data/oidc-other-key.pem");

fn config() -> OidcConfig {
    OidcConfig::new(
        "http://idp.test".to_owned(),
        "onething".to_owned(),
        Some("secret".to_owned()),
        "http://app.test/login/oidc/callback".to_owned(),
    )
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

fn claims() -> Value {
    let now = now().timestamp();
    json!({
        "iss": "http://idp.test", "aud": "onething", "sub": "u-1", "nonce": "n-1",
        "iat": now, "exp": now + 300, "id_number": "11010519491231002X", "name": "张三",
    })
}

fn signed(claims: &Value, pem: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()).unwrap()
}

fn provider_key() -> DecodingKey {
    DecodingKey::from_rsa_pem(PROVIDER_PUBLIC.as_bytes()).unwrap()
}

#[test]
fn a_token_signed_by_the_provider_gives_its_person() {
    let token = signed(&claims(), PROVIDER_KEY);
    let verified = verify_signature(&token, &provider_key(), &config()).unwrap();
    let identity = check_claims(&verified, &config(), "n-1", now()).unwrap();
    assert_eq!(identity.id_number, "11010519491231002X");
    assert_eq!(identity.name.as_deref(), Some("张三"));
}

#[test]
fn a_token_signed_by_another_key_is_refused() {
    let token = signed(&claims(), OTHER_KEY);
    assert!(matches!(
        verify_signature(&token, &provider_key(), &config()),
        Err(OidcError::Token(_))
    ));
}

#[test]
fn a_changed_payload_breaks_the_signature() {
    let token = signed(&claims(), PROVIDER_KEY);
    let forged = signed(&json!({ "id_number": "440305199001010018" }), PROVIDER_KEY);
    let parts: Vec<&str> = token.split('.').collect();
    let forged_payload = forged.split('.').nth(1).unwrap();
    let spliced = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert!(verify_signature(&spliced, &provider_key(), &config()).is_err());
}

#[test]
fn the_public_key_used_as_an_hmac_secret_is_refused() {
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(PROVIDER_PUBLIC.as_bytes()).unwrap(),
    )
    .unwrap();
    assert!(verify_signature(&token, &provider_key(), &config()).is_err());
}

#[test]
fn a_token_for_another_client_or_from_another_issuer_is_refused_at_the_signature_check() {
    let mut other_client = claims();
    other_client["aud"] = json!("another-client");
    let token = signed(&other_client, PROVIDER_KEY);
    assert!(verify_signature(&token, &provider_key(), &config()).is_err());
    let mut other_issuer = claims();
    other_issuer["iss"] = json!("http://evil.test");
    let token = signed(&other_issuer, PROVIDER_KEY);
    assert!(verify_signature(&token, &provider_key(), &config()).is_err());
}

#[test]
fn a_signed_but_expired_token_is_refused_by_the_claims_check_on_the_applications_clock() {
    let token = signed(&claims(), PROVIDER_KEY);
    let verified = verify_signature(&token, &provider_key(), &config()).unwrap();
    let an_hour_later = now() + chrono::Duration::hours(1);
    assert_eq!(
        check_claims(&verified, &config(), "n-1", an_hour_later),
        Err(OidcError::Claim("exp"))
    );
}
