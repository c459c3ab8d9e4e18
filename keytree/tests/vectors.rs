//! The shared key tree vectors, reproduced byte for byte.

use curve25519_dalek::ristretto::RistrettoPoint;
use keytree::{Xprv, Xpub};
use serde_json::Value;

fn u64_field(v: &Value, name: &str) -> u64 {
    v[name]
        .as_u64()
        .unwrap_or_else(|| panic!("missing integer field {name}"))
}

fn check_leaves(xprv: &Xprv, xpub: &Xpub, leaves: &Value) {
    let leaves = leaves.as_array().expect("leaves array");
    assert!(!leaves.is_empty());
    for leaf in leaves {
        let n = u64_field(leaf, "invoice");
        let path = |prf: &mut keytree::Transcript| prf.append_u64(b"invoice", n);
        let secret = xprv.derive_key(path);
        assert_eq!(secret.to_bytes(), vectors::bytes32(&leaf["secret_scalar"]));
        let from_xpub = xpub.derive_key(path);
        let expected_public = vectors::bytes32(&leaf["public_key"]);
        assert_eq!(from_xpub.compress().to_bytes(), expected_public);
        assert_eq!(RistrettoPoint::mul_base(&secret), from_xpub);
    }
}

#[test]
fn every_key_tree_vector_is_reproduced() {
    let file = vectors::load("keytree.json");
    for case in vectors::cases(&file) {
        let seed = case["seed_utf8"].as_str().expect("seed_utf8");
        let root = Xprv::from_seed(seed.as_bytes());
        assert_eq!(root.to_bytes()[..], vectors::bytes(&case["xprv"])[..]);
        assert_eq!(
            root.as_xpub().to_bytes()[..],
            vectors::bytes(&case["xpub"])[..]
        );

        // Decoding the vector bytes gives the same keys.
        let root_xpub = Xpub::from_bytes(&vectors::bytes(&case["xpub"])).unwrap();
        assert_eq!(
            Xprv::from_bytes(&vectors::bytes(&case["xprv"])).unwrap(),
            root
        );
        assert_eq!(&root_xpub, root.as_xpub());

        let intermediates = case["intermediate"].as_array().expect("intermediate");
        assert!(!intermediates.is_empty());
        for mid in intermediates {
            let n = u64_field(mid, "account");
            let path = |prf: &mut keytree::Transcript| prf.append_u64(b"account", n);
            let child = root.derive_intermediate_key(path);
            let child_pub = root_xpub.derive_intermediate_key(path);
            assert_eq!(child.to_bytes()[..], vectors::bytes(&mid["xprv"])[..]);
            assert_eq!(child_pub.to_bytes()[..], vectors::bytes(&mid["xpub"])[..]);
            assert_eq!(child.as_xpub(), &child_pub);
            check_leaves(&child, &child_pub, &mid["leaves"]);
        }
    }
}

/// The worked example of the reference's key tree document: an all-zero root, an
/// intermediate child and grandchild with `append_u64("index", 1)`, and a leaf of
/// the child with the same path.
#[test]
fn reference_document_example_is_reproduced() {
    let index = |prf: &mut keytree::Transcript| prf.append_u64(b"index", 1);
    let root = Xprv::from_bytes(&[0u8; 64]).unwrap();
    let root_pub = Xpub::from_bytes(&[0u8; 64]).unwrap();
    assert_eq!(root.as_xpub(), &root_pub);

    let child = root.derive_intermediate_key(index);
    assert_eq!(
        hex::encode(&child.to_bytes()[..]),
        "ba9bead5df738767ca184900a4a09ce8afe9f7696e8d3ac1fd99f607a785bf00\
         5237586d5b496618a49a876e9a7e077b1715f8635b41b48edcaf2934ebe62683"
    );
    assert_eq!(
        hex::encode(root_pub.derive_intermediate_key(index).to_bytes()),
        "2ec9d53d9d43b86c73694f4acd4be1c274a3cf8d7512e91acebafc0ed884dd47\
         5237586d5b496618a49a876e9a7e077b1715f8635b41b48edcaf2934ebe62683"
    );
    let grandchild = child.derive_intermediate_key(index);
    assert_eq!(
        hex::encode(&grandchild.to_bytes()[..]),
        "d4719a691dc4e97b27abfc50764d0369a197b3d03b049f0654d4872dd5f01f02\
         f334cb814294776de8551a4e6382c14d05ad2eb6d6391e87069a3fbe2e6ecf77"
    );
    assert_eq!(
        hex::encode(child.derive_key(index).to_bytes()),
        "a7a8928dfeae1479a7bf908bfa929b714a62fe334b68e4557105414113ffca04"
    );
    assert_eq!(
        hex::encode(child.as_xpub().derive_key(index).compress().to_bytes()),
        "52ea0c9ce1540e65041565a1057aa6965bbb5b42709c1109da16609248a9d679"
    );
}
