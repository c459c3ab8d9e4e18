//! The ZkVM flavor of an L1 asset: ZkVM's issuance flavor of a fixed bridge issuer
//! key and metadata naming the L1 chain and the token (the zero address for ETH).
//!
//! The issuer key is public on purpose: its secret is derived from a fixed label, so
//! every validator can build and sign an import. Nothing inside the VM stops anyone
//! else from signing with it; the bridge's consensus rule ([`crate::rules`]) refuses
//! every transaction it signs except the import of an agreed deposit.

use alloy::primitives::Address;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use zkvm::{Predicate, SigningKey, VerificationKey};

/// The transcript label the issuer secret is drawn from.
const ISSUER_LABEL: &[u8] = b"ZkVM.bridge.issuer.v1";
/// The metadata's prefix.
const METADATA_PREFIX: &str = "bridge:eip155:";

/// The bridge issuer's signing key (public: anyone can compute it).
pub fn issuer_key() -> SigningKey {
    let mut t = Transcript::new(ISSUER_LABEL);
    let mut wide = [0u8; 64];
    t.challenge_bytes(b"secret", &mut wide);
    SigningKey::new(Scalar::from_bytes_mod_order_wide(&wide))
}

/// The bridge issuer's verification key.
pub fn issuer_verification_key() -> VerificationKey {
    issuer_key().verification_key()
}

/// The issuer predicate, holding the key (for building imports).
pub fn issuer_predicate() -> Predicate {
    Predicate::from_signing_key(issuer_key())
}

/// The issuance metadata of `token` on L1 chain `chain_id`:
/// `bridge:eip155:<chain id>:0x<token, 40 lowercase hex digits>`.
pub fn metadata(chain_id: u64, token: Address) -> Vec<u8> {
    format!("{METADATA_PREFIX}{chain_id}:0x{}", hex::encode(token)).into_bytes()
}

/// The L1 chain and token that issuance metadata names, if it is the bridge's.
pub fn parse_metadata(metadata: &[u8]) -> Option<(u64, Address)> {
    let text = std::str::from_utf8(metadata).ok()?;
    let (chain, token) = text.strip_prefix(METADATA_PREFIX)?.split_once(":0x")?;
    let chain_id = chain.parse().ok()?;
    let bytes: [u8; 20] = hex::decode(token).ok()?.try_into().ok()?;
    let parsed = (chain_id, Address::from(bytes));
    // Only the canonical spelling names an asset.
    (self::metadata(parsed.0, parsed.1) == metadata).then_some(parsed)
}

/// The ZkVM flavor of `token` on L1 chain `chain_id`.
pub fn flavor(chain_id: u64, token: Address) -> Scalar {
    zkvm::issue_flavor(&issuer_predicate().to_point(), &metadata(chain_id, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavors_differ_by_chain_and_token_and_are_stable() {
        let eth = flavor(1337, Address::ZERO);
        assert_eq!(eth, flavor(1337, Address::ZERO));
        assert_ne!(eth, flavor(1, Address::ZERO));
        assert_ne!(eth, flavor(1337, Address::repeat_byte(1)));
        assert_ne!(eth, zkvm::FEE_FLAVOR);
    }

    #[test]
    fn metadata_names_chain_and_token_and_parses_back() {
        let token = Address::repeat_byte(0xab);
        let m = metadata(5, token);
        assert_eq!(
            std::str::from_utf8(&m).unwrap(),
            "bridge:eip155:5:0xabababababababababababababababababababab"
        );
        assert_eq!(parse_metadata(&m), Some((5, token)));
        assert_eq!(parse_metadata(b"gold"), None);
        assert_eq!(
            parse_metadata(b"bridge:eip155:05:0xabababababababababababababababababababab"),
            None
        );
    }

    #[test]
    fn the_issuer_key_is_deterministic() {
        assert_eq!(issuer_verification_key(), issuer_key().verification_key());
        assert_eq!(
            issuer_predicate().to_point(),
            *issuer_verification_key().as_compressed()
        );
    }
}
