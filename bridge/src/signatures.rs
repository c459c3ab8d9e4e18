//! Validator signatures on the L1: secp256k1 signatures over 32-byte digests (no
//! message prefix), the validator set the contract holds, and sets of signatures
//! that reach more than two thirds of its power, ordered as the contract wants them
//! (by increasing signer address, each signer once).

use crate::errors::BridgeError;
use alloy::primitives::{Address, B256, U256};
use encoding::{Reader, Writer};
use std::collections::BTreeMap;

/// A signature as the contract's `ecrecover` takes it: `r`, `s` and `v` (27 or 28).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct EthSignature {
    /// The `r` scalar, big-endian.
    pub r: [u8; 32],
    /// The `s` scalar, big-endian.
    pub s: [u8; 32],
    /// The recovery byte, 27 or 28.
    pub v: u8,
}

impl EthSignature {
    /// Encoded size: `r || s || v`.
    pub const ENCODED_LEN: usize = 65;

    /// The signature of an alloy signer.
    pub fn from_alloy(sig: &alloy::primitives::Signature) -> Self {
        EthSignature {
            r: sig.r().to_be_bytes(),
            s: sig.s().to_be_bytes(),
            v: 27 + u8::from(sig.v()),
        }
    }

    /// The address whose key made this signature over `digest`.
    pub fn recover(&self, digest: &B256) -> Result<Address, BridgeError> {
        let parity = match self.v {
            27 => false,
            28 => true,
            _ => {
                return Err(BridgeError::InvalidSignature(
                    "v is neither 27 nor 28".into(),
                ))
            }
        };
        let sig = alloy::primitives::Signature::new(
            U256::from_be_bytes(self.r),
            U256::from_be_bytes(self.s),
            parity,
        );
        sig.recover_address_from_prehash(digest)
            .map_err(|e| BridgeError::InvalidSignature(e.to_string()))
    }

    /// Writes `r || s || v`.
    pub fn write(&self, w: &mut Vec<u8>) {
        w.write_bytes(&self.r);
        w.write_bytes(&self.s);
        w.write_u8(self.v);
    }

    /// Reads `r || s || v`.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, BridgeError> {
        let what = "signature";
        Ok(EthSignature {
            r: r.read_array().map_err(BridgeError::encoding(what))?,
            s: r.read_array().map_err(BridgeError::encoding(what))?,
            v: r.read_u8().map_err(BridgeError::encoding(what))?,
        })
    }
}

/// The validators the contract holds: Ethereum addresses with voting powers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    powers: BTreeMap<Address, u64>,
    total: u128,
}

impl ValidatorSet {
    /// A set from `(address, power)` pairs: not empty, no address twice, no zero power.
    pub fn new(members: impl IntoIterator<Item = (Address, u64)>) -> Result<Self, BridgeError> {
        let mut powers = BTreeMap::new();
        let mut total = 0u128;
        for (address, power) in members {
            if power == 0 || address == Address::ZERO {
                return Err(BridgeError::InvalidValidatorSet("a zero power or address"));
            }
            if powers.insert(address, power).is_some() {
                return Err(BridgeError::InvalidValidatorSet("an address twice"));
            }
            total += u128::from(power);
        }
        if powers.is_empty() {
            return Err(BridgeError::InvalidValidatorSet("no validators"));
        }
        Ok(ValidatorSet { powers, total })
    }

    /// The power of `address` (0: not a validator).
    pub fn power_of(&self, address: &Address) -> u64 {
        self.powers.get(address).copied().unwrap_or(0)
    }

    /// The sum of all powers.
    pub fn total(&self) -> u128 {
        self.total
    }

    /// The members in increasing address order.
    pub fn members(&self) -> impl Iterator<Item = (Address, u64)> + '_ {
        self.powers.iter().map(|(a, p)| (*a, *p))
    }

    /// Whether `signed` is more than two thirds of the total, the contract's rule.
    pub fn is_supermajority(&self, signed: u128) -> bool {
        more_than_two_thirds(signed, self.total)
    }
}

/// `3·signed > 2·total`, without overflow for any 64-bit powers.
pub fn more_than_two_thirds(signed: u128, total: u128) -> bool {
    signed.saturating_mul(3) > total.saturating_mul(2)
}

/// Signatures of validators over one digest, each signer once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureSet {
    digest: B256,
    by_signer: BTreeMap<Address, EthSignature>,
    power: u128,
}

impl SignatureSet {
    /// An empty set for `digest`.
    pub fn new(digest: B256) -> Self {
        SignatureSet {
            digest,
            by_signer: BTreeMap::new(),
            power: 0,
        }
    }

    /// The digest signed.
    pub fn digest(&self) -> B256 {
        self.digest
    }

    /// Adds `sig` if it is a validator's signature over the digest; a second
    /// signature of the same signer is ignored. Returns the signer.
    pub fn add(
        &mut self,
        validators: &ValidatorSet,
        sig: EthSignature,
    ) -> Result<Address, BridgeError> {
        let signer = sig.recover(&self.digest)?;
        let power = validators.power_of(&signer);
        if power == 0 {
            return Err(BridgeError::InvalidSignature(format!(
                "{signer} is not a validator"
            )));
        }
        if let std::collections::btree_map::Entry::Vacant(e) = self.by_signer.entry(signer) {
            e.insert(sig);
            self.power += u128::from(power);
        }
        Ok(signer)
    }

    /// The power that signed.
    pub fn power(&self) -> u128 {
        self.power
    }

    /// Whether more than two thirds of `validators`' power signed.
    pub fn is_sufficient(&self, validators: &ValidatorSet) -> bool {
        validators.is_supermajority(self.power)
    }

    /// The signatures in increasing signer order, as the contract takes them.
    pub fn ordered(&self) -> Vec<EthSignature> {
        self.by_signer.values().copied().collect()
    }

    /// The signers in increasing order.
    pub fn signers(&self) -> Vec<Address> {
        self.by_signer.keys().copied().collect()
    }

    /// The validators' signatures over `digest` among `sigs` (others skipped: a
    /// forged signature or a stranger's counts for nothing), in the contract's order,
    /// if they hold more than two thirds of the power.
    pub fn collect(
        digest: B256,
        sigs: impl IntoIterator<Item = EthSignature>,
        validators: &ValidatorSet,
    ) -> Result<Vec<EthSignature>, BridgeError> {
        let mut set = SignatureSet::new(digest);
        for sig in sigs {
            let _ = set.add(validators, sig);
        }
        set.sufficient(validators)
    }

    /// The set ready for the contract: fails unless it is sufficient.
    pub fn sufficient(&self, validators: &ValidatorSet) -> Result<Vec<EthSignature>, BridgeError> {
        if !self.is_sufficient(validators) {
            return Err(BridgeError::NotEnoughPower {
                signed: self.power,
                total: validators.total(),
            });
        }
        Ok(self.ordered())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ValidatorKey;

    fn keys(n: usize) -> Vec<ValidatorKey> {
        (0..n)
            .map(|_| ValidatorKey::generate(&mut rand_core::OsRng))
            .collect()
    }

    #[test]
    fn signatures_round_trip_and_recover_their_signer() {
        let key = &keys(1)[0];
        let digest = B256::repeat_byte(7);
        let sig = key.sign_digest(&digest).unwrap();
        let mut bytes = Vec::new();
        sig.write(&mut bytes);
        assert_eq!(bytes.len(), EthSignature::ENCODED_LEN);
        let back = Reader::parse(&bytes, |r| EthSignature::read(r)).unwrap();
        assert_eq!(back, sig);
        assert_eq!(back.recover(&digest).unwrap(), key.address());
        assert_ne!(
            back.recover(&B256::repeat_byte(8)).ok(),
            Some(key.address())
        );
        let bad_v = EthSignature { v: 29, ..sig };
        assert!(bad_v.recover(&digest).is_err());
    }

    #[test]
    fn a_set_counts_each_signer_once_and_needs_more_than_two_thirds() {
        let ks = keys(4);
        let set = ValidatorSet::new(ks.iter().map(|k| (k.address(), 1))).unwrap();
        let digest = B256::repeat_byte(1);
        let mut sigs = SignatureSet::new(digest);
        for k in &ks[..2] {
            sigs.add(&set, k.sign_digest(&digest).unwrap()).unwrap();
        }
        // The same signer again adds nothing.
        sigs.add(&set, ks[0].sign_digest(&digest).unwrap()).unwrap();
        assert_eq!(sigs.power(), 2);
        assert!(matches!(
            sigs.sufficient(&set),
            Err(BridgeError::NotEnoughPower {
                signed: 2,
                total: 4
            })
        ));
        // 3 of 4 is more than two thirds.
        sigs.add(&set, ks[2].sign_digest(&digest).unwrap()).unwrap();
        let ordered = sigs.sufficient(&set).unwrap();
        let signers: Vec<_> = ordered
            .iter()
            .map(|s| s.recover(&digest).unwrap())
            .collect();
        assert!(signers.windows(2).all(|w| w[0] < w[1]));
        // A stranger's signature is refused.
        let stranger = &keys(1)[0];
        assert!(sigs
            .add(&set, stranger.sign_digest(&digest).unwrap())
            .is_err());
    }

    #[test]
    fn exactly_two_thirds_is_not_enough() {
        assert!(!more_than_two_thirds(2, 3));
        assert!(more_than_two_thirds(3, 4));
        assert!(!more_than_two_thirds(6, 9));
        assert!(more_than_two_thirds(7, 9));
        assert!(more_than_two_thirds(
            u128::from(u64::MAX) * 3,
            u128::from(u64::MAX) * 4
        ));
    }

    #[test]
    fn invalid_validator_sets_are_refused() {
        let a = Address::repeat_byte(1);
        assert!(ValidatorSet::new([]).is_err());
        assert!(ValidatorSet::new([(a, 0)]).is_err());
        assert!(ValidatorSet::new([(a, 1), (a, 2)]).is_err());
        assert!(ValidatorSet::new([(Address::ZERO, 1)]).is_err());
        assert_eq!(ValidatorSet::new([(a, 5)]).unwrap().total(), 5);
    }
}
