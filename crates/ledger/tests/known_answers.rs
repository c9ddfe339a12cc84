//! Fixed known-answer tests: RFC 6962 hashing and the Certificate
//! Transparency reference vectors (as published with the Go/C++ CT
//! implementations), and the signed-note vectors of the C2SP spec and of
//! the Go reference implementation (`golang.org/x/mod/sumdb/note`).

use ledger::{
    EMPTY_ROOT, Hash, SignerKey, VerifierKey, consistency_proof, inclusion_proof, leaf_hash, node_hash, open_note,
    root, sign_note, verify_consistency, verify_inclusion,
};

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).unwrap()
}

const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn ct_leaf_hashes() -> Vec<Hash> {
    CT_LEAVES.iter().map(|x| leaf_hash(&hex::decode(x).unwrap())).collect()
}

#[test]
fn empty_root_is_sha256_of_nothing() {
    assert_eq!(EMPTY_ROOT, h(CT_ROOTS[0]));
    assert_eq!(root(&[]), EMPTY_ROOT);
}

#[test]
fn leaf_hash_of_empty_entry_is_sha256_of_zero_byte() {
    assert_eq!(
        leaf_hash(b""),
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    );
    assert_eq!(root(&[leaf_hash(b"")]), h(CT_ROOTS[1]));
}

#[test]
fn node_hash_prefixes_one() {
    let leaves = ct_leaf_hashes();
    assert_eq!(node_hash(&leaves[0], &leaves[1]), h(CT_ROOTS[2]));
    assert_ne!(node_hash(&leaves[1], &leaves[0]), h(CT_ROOTS[2]));
}

#[test]
fn ct_reference_roots_for_every_size() {
    let leaves = ct_leaf_hashes();
    for (n, want) in CT_ROOTS.iter().enumerate() {
        assert_eq!(root(&leaves[..n]), h(want), "size {n}");
    }
}

#[test]
fn ct_reference_inclusion_proofs() {
    let leaves = ct_leaf_hashes();
    let cases: [(u64, [&str; 3]); 2] = [
        (
            0,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    let root8 = h(CT_ROOTS[8]);
    for (index, want) in cases {
        let want: Vec<Hash> = want.iter().map(|x| h(x)).collect();
        assert_eq!(inclusion_proof(&leaves, index).unwrap(), want);
        verify_inclusion(&leaves[index as usize], index, 8, &want, &root8).unwrap();
    }
}

#[test]
fn ct_reference_consistency_proofs() {
    let leaves = ct_leaf_hashes();
    let cases: [(u64, u64, &[&str]); 3] = [
        (
            2,
            8,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (old, new, want) in cases {
        let want: Vec<Hash> = want.iter().map(|x| h(x)).collect();
        assert_eq!(
            consistency_proof(&leaves[..new as usize], old).unwrap(),
            want,
            "{old} -> {new}"
        );
        verify_consistency(old, new, &h(CT_ROOTS[old as usize]), &h(CT_ROOTS[new as usize]), &want).unwrap();
    }
}

const GO_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn go_reference_keys_parse_and_reencode() {
    let signer = SignerKey::parse(GO_SKEY).unwrap();
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(signer.key_id(), 0xc74f_20a3);
    assert_eq!(signer.to_encoded(), GO_SKEY);
    assert_eq!(signer.verifier().to_string(), GO_VKEY);
    let verifier = VerifierKey::parse(GO_VKEY).unwrap();
    assert_eq!(verifier, signer.verifier());
    assert_eq!(ledger::key_id("PeterNeumann", &verifier.public_key()), 0xc74f_20a3);
}

#[test]
fn go_reference_note_signs_byte_for_byte_and_opens() {
    let signer = SignerKey::parse(GO_SKEY).unwrap();
    let note = sign_note(GO_TEXT, &[&signer]).unwrap();
    assert_eq!(note, format!("{GO_TEXT}\n{GO_SIG}"));
    let verifier = VerifierKey::parse(GO_VKEY).unwrap();
    assert_eq!(open_note(note.as_bytes(), &verifier).unwrap(), GO_TEXT);
}

#[test]
fn c2sp_spec_example_note_opens() {
    let verifier = VerifierKey::parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").unwrap();
    let note = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    assert_eq!(
        open_note(note.as_bytes(), &verifier).unwrap(),
        "This is an example message.\n"
    );
}
