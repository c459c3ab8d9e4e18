//! Predicates: the point that guards a contract, with what the prover knows about it.
//!
//! On the wire a predicate is a compressed Ristretto point. It is satisfied by a
//! signature (`signtx`, `signid`, `signtag`) when it is a verification key, or by a
//! Taproot call proof (`call`) when it commits to a tree of programs. The VM never
//! decompresses a predicate until a check needs it.

use crate::constraints::pedersen;
use crate::errors::VmError;
use crate::taproot::PredicateTree;
use core::fmt;
use curve25519_dalek::ristretto::CompressedRistretto;
use musig::{Multikey, SigningKey, VerificationKey};

/// A predicate point with the prover's optional knowledge of it.
#[derive(Clone)]
pub struct Predicate {
    point: CompressedRistretto,
    witness: Option<PredicateWitness>,
}

/// What the prover knows about a predicate.
#[derive(Clone, Debug)]
pub enum PredicateWitness {
    /// The secret key of the verification key.
    Key(SigningKey),
    /// The keys aggregated by MuSig into the predicate; signing needs every party.
    Multikey(Box<Multikey>),
    /// The Taproot tree the predicate commits to.
    Tree(Box<PredicateTree>),
}

impl Predicate {
    /// A predicate known only by its point.
    pub fn opaque(point: CompressedRistretto) -> Self {
        Predicate {
            point,
            witness: None,
        }
    }

    /// The predicate of a verification key.
    pub fn from_key(key: &VerificationKey) -> Self {
        Self::opaque(*key.as_compressed())
    }

    /// The predicate of a signing key's verification key, holding the secret.
    pub fn from_signing_key(key: SigningKey) -> Self {
        Predicate {
            point: *key.verification_key().as_compressed(),
            witness: Some(PredicateWitness::Key(key)),
        }
    }

    /// The predicate of a MuSig aggregated key.
    pub fn from_multikey(keys: Multikey) -> Self {
        Predicate {
            point: *keys.aggregated_key().as_compressed(),
            witness: Some(PredicateWitness::Multikey(Box::new(keys))),
        }
    }

    /// The predicate of a Taproot tree.
    pub fn from_tree(tree: PredicateTree) -> Self {
        Predicate {
            point: tree.point(),
            witness: Some(PredicateWitness::Tree(Box::new(tree))),
        }
    }

    /// A predicate nobody can sign for: the blinding base `B̃`, whose discrete log
    /// with respect to `B` is unknown. Taproot trees without a key use it.
    pub fn unsignable() -> Self {
        Self::opaque(pedersen().b_blinding.compress())
    }

    /// The point.
    pub fn to_point(&self) -> CompressedRistretto {
        self.point
    }

    /// The prover's knowledge, if any.
    pub fn witness(&self) -> Option<&PredicateWitness> {
        self.witness.as_ref()
    }

    /// The same predicate without the prover's knowledge.
    pub fn to_opaque(&self) -> Predicate {
        Self::opaque(self.point)
    }

    /// The predicate as a verification key; fails if the point is invalid.
    pub fn verification_key(&self) -> Result<VerificationKey, VmError> {
        VerificationKey::from_compressed(self.point)
            .map_err(|_| VmError::InvalidPoint { what: "predicate" })
    }

    /// The secret key of the predicate, when the prover holds it alone: a key, or a
    /// Taproot tree whose inner key it holds (the secret is then adjusted).
    pub fn signing_key(&self) -> Option<SigningKey> {
        match self.witness.as_ref()? {
            PredicateWitness::Key(k) => Some(k.clone()),
            PredicateWitness::Tree(tree) => tree.signing_key(),
            PredicateWitness::Multikey(_) => None,
        }
    }
}

impl PartialEq for Predicate {
    /// Predicates are equal when their points are.
    fn eq(&self, other: &Predicate) -> bool {
        self.point == other.point
    }
}

impl Eq for Predicate {}

impl fmt::Debug for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.witness {
            None => "opaque",
            Some(PredicateWitness::Key(_)) => "key",
            Some(PredicateWitness::Multikey(_)) => "multikey",
            Some(PredicateWitness::Tree(_)) => "tree",
        };
        write!(
            f,
            "Predicate({}, {kind})",
            hex::encode(self.point.as_bytes())
        )
    }
}

impl From<VerificationKey> for Predicate {
    fn from(key: VerificationKey) -> Self {
        Predicate::from_key(&key)
    }
}

impl From<SigningKey> for Predicate {
    fn from(key: SigningKey) -> Self {
        Predicate::from_signing_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::scalar::Scalar;

    #[test]
    fn keys_become_predicates() {
        let sk = SigningKey::new(Scalar::from(5u64));
        let vk = sk.verification_key();
        let p = Predicate::from_signing_key(sk.clone());
        assert_eq!(p, Predicate::from_key(&vk));
        assert_eq!(p.signing_key(), Some(sk));
        assert!(p.to_opaque().signing_key().is_none());
        assert_eq!(
            p.verification_key().unwrap().as_compressed(),
            vk.as_compressed()
        );
        assert!(!format!("{p:?}").contains("05000000"));
    }

    #[test]
    fn invalid_points_fail_only_when_used() {
        let p = Predicate::opaque(CompressedRistretto([0xff; 32]));
        assert!(matches!(
            p.verification_key(),
            Err(VmError::InvalidPoint { .. })
        ));
        assert!(Predicate::unsignable().verification_key().is_ok());
    }
}
