//! Cross-checks against independent implementations:
//! * `ct-merkle` (RFC 6962 append-only log): roots, inclusion and
//!   consistency proofs, byte for byte;
//! * `tlog_tiles` (port of Go's `golang.org/x/mod/sumdb/tlog` and the C2SP
//!   checkpoint format): proof verification and checkpoint bodies;
//! * `signed_note` (port of Go's `sumdb/note`): signing and opening notes
//!   in both directions.

mod common;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use ledger::{
    Checkpoint, Hash, SignerKey, VerifierKey, consistency_proof, inclusion_proof, leaf_hash, open_note, root,
    sign_checkpoint, verify_checkpoint,
};
use sha2::Sha256;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};

fn entries(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("entry-{i}-{}", i * 7919).into_bytes()).collect()
}

fn concat(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

const SIZES: [usize; 12] = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100, 1000];

#[test]
fn ct_merkle_agrees_on_roots_and_inclusion_proofs() {
    let data = entries(1000);
    let hashes: Vec<Hash> = data.iter().map(|e| leaf_hash(e)).collect();
    for size in SIZES {
        let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
        for e in &data[..size] {
            theirs.push(e.clone());
        }
        let our_root = root(&hashes[..size]);
        let their_root = theirs.root();
        assert_eq!(their_root.as_bytes().as_slice(), our_root.as_bytes(), "size {size}");
        let indices = [0, size / 3, size / 2, size - 1];
        for index in indices {
            let ours = inclusion_proof(&hashes[..size], index as u64).unwrap();
            let their_proof = theirs.prove_inclusion(index);
            assert_eq!(their_proof.as_bytes(), concat(&ours).as_slice(), "{index}/{size}");
            // Our proof verifies with their verifier.
            let parsed = InclusionProof::<Sha256>::from_bytes(concat(&ours));
            their_root
                .verify_inclusion(&data[index], index as u64, &parsed)
                .unwrap();
        }
    }
}

#[test]
fn ct_merkle_agrees_on_consistency_proofs() {
    let data = entries(1000);
    let hashes: Vec<Hash> = data.iter().map(|e| leaf_hash(e)).collect();
    for size in SIZES {
        let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
        for e in &data[..size] {
            theirs.push(e.clone());
        }
        for old in [1, size / 4, size / 2, size - 1] {
            if old == 0 || old >= size {
                continue;
            }
            let ours = consistency_proof(&hashes[..size], old as u64).unwrap();
            let their_proof = theirs.prove_consistency(size - old);
            assert_eq!(their_proof.as_bytes(), concat(&ours).as_slice(), "{old}->{size}");
            let parsed = ConsistencyProof::<Sha256>::try_from_bytes(concat(&ours)).unwrap();
            let old_root = RootHash::<Sha256>::new(root(&hashes[..old]).0.into(), old as u64);
            theirs.root().verify_consistency(&old_root, &parsed).unwrap();
        }
    }
}

fn tlog(h: &Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(h.0)
}

#[test]
fn tlog_tiles_verifies_our_proofs() {
    let hashes = common::leaves(1000);
    for size in SIZES {
        let tree = &hashes[..size];
        let r = root(tree);
        for index in [0, size / 2, size - 1] {
            let proof: Vec<tlog_tiles::Hash> = inclusion_proof(tree, index as u64).unwrap().iter().map(tlog).collect();
            tlog_tiles::check_record(&proof, size as u64, tlog(&r), index as u64, tlog(&tree[index])).unwrap();
            assert_eq!(
                tlog_tiles::record_hash(format!("{index}").as_bytes()).0,
                leaf_hash(format!("{index}").as_bytes()).0
            );
        }
        for old in [1, size / 3, size - 1] {
            if old == 0 || old >= size {
                continue;
            }
            let proof: Vec<tlog_tiles::Hash> = consistency_proof(tree, old as u64).unwrap().iter().map(tlog).collect();
            tlog_tiles::check_tree(&proof, size as u64, tlog(&r), old as u64, tlog(&root(&tree[..old]))).unwrap();
        }
    }
}

#[test]
fn tlog_tiles_agrees_on_checkpoint_bodies() {
    let r = root(&common::leaves(20_852_163 % 1000));
    let ours = Checkpoint::new("example.com/behind-the-sofa", 20_852_163, r).unwrap();
    let theirs = tlog_tiles::Checkpoint::new("example.com/behind-the-sofa", 20_852_163, tlog(&r), "").unwrap();
    assert_eq!(theirs.to_bytes(), ours.body().into_bytes());
    let parsed = tlog_tiles::Checkpoint::from_bytes(ours.body().as_bytes()).unwrap();
    assert_eq!(parsed.origin(), ours.origin);
    assert_eq!(parsed.size(), ours.size);
    assert_eq!(parsed.hash().0, ours.root.0);
    // And the C2SP spec's example body parses with ours.
    let spec = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let c = Checkpoint::parse_body(spec).unwrap();
    assert_eq!(c.size, 20_852_163);
    assert_eq!(c.body(), spec);
}

#[test]
fn signed_note_crate_agrees_both_ways() {
    let signer = SignerKey::from_seed("ledger.onething.example/v1", &[42u8; 32]).unwrap();
    let vkey = signer.verifier().to_string();
    let their_signer = StandardSigner::new(&signer.to_encoded()).unwrap();
    let their_verifier = StandardVerifier::new(&vkey).unwrap();
    let list = VerifierList::new(vec![Box::new(their_verifier)]);

    let r = root(&common::leaves(77));
    let ours = sign_checkpoint(&signer, "ledger.onething.example/v1", 77, &r).unwrap();

    // Theirs opens ours.
    let note = Note::from_bytes(ours.as_bytes()).unwrap();
    let (verified, unverified) = note.verify(&list).unwrap();
    assert_eq!(verified.len(), 1);
    assert!(unverified.is_empty());
    assert_eq!(verified[0].id(), signer.key_id());

    // Theirs signs the same body to the same bytes (Ed25519 is
    // deterministic), and ours opens it.
    let body = Checkpoint::new("ledger.onething.example/v1", 77, r).unwrap().body();
    let mut theirs = Note::new(body.as_bytes(), &[]).unwrap();
    theirs.add_sigs(&[&their_signer]).unwrap();
    let their_bytes = theirs.to_bytes();
    assert_eq!(their_bytes, ours.as_bytes());
    let checkpoint = verify_checkpoint(&their_bytes, &signer.verifier()).unwrap();
    assert_eq!((checkpoint.size, checkpoint.root), (77, r));
    assert_eq!(
        open_note(&their_bytes, &VerifierKey::parse(&vkey).unwrap()).unwrap(),
        body
    );
}
