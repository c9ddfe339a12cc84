//! Offline inclusion bundles, verified with only the public key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger::entry::kind;
use ledger::{
    BundleError, ENTRY_FORMAT_V1, InclusionBundle, LedgerEntry, MemoryLog, ProofError, SignerKey, VerifierKey,
    leaf_hash, sign_checkpoint, verify_bundle,
};

const ORIGIN: &str = "ledger.onething.example/v1";

fn entry(i: u64) -> LedgerEntry {
    LedgerEntry {
        format: ENTRY_FORMAT_V1,
        at_ms: 1_700_000_000_000 + i as i64,
        kind: kind::CASE_TRANSITION.into(),
        actor: "system:workflow".into(),
        department: None,
        case_id: Some(format!("case-{i}")),
        subject: None,
        elements: vec![],
        purpose: None,
        legal_basis: None,
        detail: "submitted -> accepted".into(),
    }
}

/// Builds a log of `n` entries and a bundle for entry `index`.
fn setup(n: u64, index: u64) -> (String, VerifierKey, SignerKey) {
    let signer = SignerKey::from_seed(ORIGIN, &[3u8; 32]).unwrap();
    let mut log = MemoryLog::new();
    let entries: Vec<Vec<u8>> = (0..n).map(|i| entry(i).canonical_bytes()).collect();
    for e in &entries {
        log.append(leaf_hash(e));
    }
    let checkpoint = sign_checkpoint(&signer, ORIGIN, n, &log.root()).unwrap();
    let proof = log.inclusion_proof(index, n).unwrap();
    let bundle = InclusionBundle::new(&entries[index as usize], index, &checkpoint, &proof);
    // Only the public key travels to the verifier, as text.
    let vkey = VerifierKey::parse(&signer.verifier().to_string()).unwrap();
    (bundle.to_json(), vkey, signer)
}

#[test]
fn bundle_verifies_offline_with_the_public_key() {
    for (n, index) in [(1, 0), (2, 1), (7, 3), (1000, 0), (1000, 999), (1000, 517)] {
        let (json, vkey, _) = setup(n, index);
        let verified = verify_bundle(&json, &vkey).unwrap();
        assert_eq!(verified.entry, entry(index));
        assert_eq!(verified.index, index);
        assert_eq!(verified.checkpoint.size, n);
        assert_eq!(verified.checkpoint.origin, ORIGIN);
        assert_eq!(verified.leaf_hash, leaf_hash(&entry(index).canonical_bytes()));
    }
}

#[test]
fn bundle_json_has_the_documented_shape() {
    let (json, _, _) = setup(7, 3);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["checkpoint", "entry", "index", "proof", "version"]);
    assert_eq!(obj["version"], 1);
    assert_eq!(obj["index"], 3);
    assert_eq!(
        BASE64.decode(obj["entry"].as_str().unwrap()).unwrap(),
        entry(3).canonical_bytes()
    );
    assert!(
        obj["checkpoint"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{ORIGIN}\n7\n"))
    );
    assert_eq!(obj["proof"].as_array().unwrap().len(), 3);
}

fn tampered(json: &str, f: impl FnOnce(&mut InclusionBundle)) -> String {
    let mut b = InclusionBundle::from_json(json).unwrap();
    f(&mut b);
    b.to_json()
}

#[test]
fn tampered_bundles_fail() {
    let (json, vkey, signer) = setup(1000, 517);

    // Another entry in place of the real one.
    let other = tampered(&json, |b| b.entry = BASE64.encode(entry(518).canonical_bytes()));
    assert!(matches!(
        verify_bundle(&other, &vkey),
        Err(BundleError::Proof(ProofError::RootMismatch))
    ));
    // Wrong index.
    let moved = tampered(&json, |b| b.index = 516);
    assert!(matches!(verify_bundle(&moved, &vkey), Err(BundleError::Proof(_))));
    // A proof element changed.
    let bad_proof = tampered(&json, |b| b.proof[2] = ledger::Hash([0; 32]).to_base64());
    assert!(matches!(verify_bundle(&bad_proof, &vkey), Err(BundleError::Proof(_))));
    // Proof element dropped.
    let short = tampered(&json, |b| {
        b.proof.pop();
    });
    assert!(verify_bundle(&short, &vkey).is_err());
    // Checkpoint body changed (size), signature no longer valid.
    let resized = tampered(&json, |b| {
        b.checkpoint = b.checkpoint.replacen("\n1000\n", "\n1001\n", 1)
    });
    assert!(matches!(
        verify_bundle(&resized, &vkey),
        Err(BundleError::Checkpoint(_))
    ));
    // A validly signed checkpoint for a different tree.
    let other_root = sign_checkpoint(&signer, ORIGIN, 1000, &leaf_hash(b"x")).unwrap();
    let swapped = tampered(&json, |b| b.checkpoint = other_root);
    assert!(matches!(verify_bundle(&swapped, &vkey), Err(BundleError::Proof(_))));
    // Another key.
    let stranger = SignerKey::from_seed(ORIGIN, &[4u8; 32]).unwrap().verifier();
    assert!(matches!(
        verify_bundle(&json, &stranger),
        Err(BundleError::Checkpoint(_))
    ));
    // Malformed JSON, unknown fields, unknown version, bad encodings.
    assert!(matches!(verify_bundle("{}", &vkey), Err(BundleError::Malformed(_))));
    let extra = json.replacen('{', r#"{"note":"x","#, 1);
    assert!(matches!(verify_bundle(&extra, &vkey), Err(BundleError::Malformed(_))));
    let v2 = tampered(&json, |b| b.version = 2);
    assert!(matches!(verify_bundle(&v2, &vkey), Err(BundleError::Malformed(_))));
    let not_b64 = tampered(&json, |b| b.entry.push('!'));
    assert!(matches!(verify_bundle(&not_b64, &vkey), Err(BundleError::Malformed(_))));
    let short_hash = tampered(&json, |b| b.proof[0] = BASE64.encode([0u8; 31]));
    assert!(matches!(
        verify_bundle(&short_hash, &vkey),
        Err(BundleError::Malformed(_))
    ));
}

#[test]
fn non_canonical_entry_is_rejected_even_if_logged() {
    // A log that (wrongly) accepted raw bytes: inclusion holds, but the
    // entry is not a canonical ledger entry.
    let signer = SignerKey::from_seed(ORIGIN, &[3u8; 32]).unwrap();
    let raw = b"{\"not\":\"an entry\"}".to_vec();
    let mut log = MemoryLog::new();
    log.append(leaf_hash(&raw));
    let checkpoint = sign_checkpoint(&signer, ORIGIN, 1, &log.root()).unwrap();
    let json = InclusionBundle::new(&raw, 0, &checkpoint, &[]).to_json();
    assert!(matches!(
        verify_bundle(&json, &signer.verifier()),
        Err(BundleError::Entry(_))
    ));
}
