//! Taproot: one predicate point `P = X + h·B` that can be signed for with the inner
//! key `X` (adjusted by `h`), or opened by `call` with any program of a Merkle tree of
//! blinded programs, where `h` commits to `X` and the tree's root `M`.
//!
//! Every program leaf has a sibling leaf of 32 random-looking bytes (derived from a
//! blinding key), placed left or right by one bit of it, so a call proof reveals
//! neither how many programs there are nor where the revealed one sits.

use crate::constraints::pedersen;
use crate::errors::VmError;
use crate::predicate::Predicate;
use crate::program::ProgramItem;
use crate::transcript::{labels, TranscriptProtocol};
use batch::BatchVerification;
use core::fmt;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader, Writer};
use merkle::{Hash, Hasher, MerkleItem, Path};
use merlin::Transcript;
use musig::SigningKey;
use zeroize::Zeroizing;

/// A Taproot tree: the inner predicate, the clauses and their blinding leaves.
#[derive(Clone)]
pub struct PredicateTree {
    inner: Predicate,
    leaves: Vec<Leaf>,
    adjustment: Scalar,
    point: CompressedRistretto,
}

/// A leaf of the tree: a clause, or the blinding sibling of one.
#[derive(Clone, Debug, PartialEq)]
enum Leaf {
    Program(ProgramItem),
    Blinding([u8; 32]),
}

impl MerkleItem for Leaf {
    fn commit(&self, t: &mut Transcript) {
        match self {
            Leaf::Program(p) => t.append_message(b"program", &p.to_bytes()),
            Leaf::Blinding(b) => t.append_message(b"blinding", b),
        }
    }
}

impl PredicateTree {
    /// Builds the tree of `programs` over the inner predicate (the unsignable point
    /// when `None`), blinding the leaves with `blinding_key`.
    pub fn new(
        inner: Option<Predicate>,
        programs: Vec<ProgramItem>,
        blinding_key: [u8; 32],
    ) -> Result<Self, VmError> {
        let inner = inner.unwrap_or_else(Predicate::unsignable);
        let blinding_key = Zeroizing::new(blinding_key);
        let leaves = blinded_leaves(programs, &blinding_key);
        let root = merkle::root(&Hasher::new(labels::TAPROOT), leaves.iter());
        let inner_point = inner.to_point();
        let adjustment = taproot_factor(&inner_point, &root);
        let x = inner_point.decompress().ok_or(VmError::InvalidPoint {
            what: "Taproot inner key",
        })?;
        let point = (x + adjustment * pedersen().b).compress();
        Ok(PredicateTree {
            inner,
            leaves,
            adjustment,
            point,
        })
    }

    /// The outer predicate point `X + h·B`.
    pub fn point(&self) -> CompressedRistretto {
        self.point
    }

    /// The tree as a predicate that remembers it.
    pub fn predicate(&self) -> Predicate {
        Predicate::from_tree(self.clone())
    }

    /// The inner predicate `X`.
    pub fn inner(&self) -> &Predicate {
        &self.inner
    }

    /// The factor `h` added to the inner secret to sign for the outer point.
    pub fn adjustment_factor(&self) -> Scalar {
        self.adjustment
    }

    /// The number of clauses.
    pub fn len(&self) -> usize {
        self.leaves.len() / 2
    }

    /// Whether the tree has no clauses.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The outer secret `x + h`, when the prover holds the inner one.
    pub fn signing_key(&self) -> Option<SigningKey> {
        let x = self.inner.signing_key()?;
        Some(SigningKey::new(x.as_scalar() + self.adjustment))
    }

    /// The call proof of clause `index` (in the order given to [`PredicateTree::new`])
    /// and the clause itself.
    pub fn call_proof(&self, index: usize) -> Result<(CallProof, ProgramItem), VmError> {
        let (leaf_index, program) = self.clause(index)?;
        let path = Path::build(&Hasher::new(labels::TAPROOT), &self.leaves, leaf_index)?;
        let proof = CallProof {
            key: self.inner.to_point(),
            path,
        };
        Ok((proof, program.clone()))
    }

    /// Clause `index` and its position among the leaves (left or right of its
    /// blinding sibling).
    fn clause(&self, index: usize) -> Result<(usize, &ProgramItem), VmError> {
        let first = index.saturating_mul(2);
        let pair = self.leaves.get(first..).and_then(|rest| rest.get(..2));
        match pair {
            Some([Leaf::Program(p), _]) => Ok((first, p)),
            Some([_, Leaf::Program(p)]) => Ok((first + 1, p)),
            _ => Err(VmError::InvalidPredicateTree {
                what: "no clause at that index",
            }),
        }
    }
}

impl fmt::Debug for PredicateTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PredicateTree")
            .field("point", &hex::encode(self.point.as_bytes()))
            .field("clauses", &self.len())
            .finish()
    }
}

/// Each program with its blinding sibling, the blinding derived from the key and all
/// the programs, its lowest bit choosing the side.
fn blinded_leaves(programs: Vec<ProgramItem>, blinding_key: &[u8; 32]) -> Vec<Leaf> {
    let mut t = Transcript::new(labels::TAPROOT_BLINDING);
    t.append_u64(b"n", programs.len() as u64);
    t.append_message(b"key", blinding_key);
    for p in &programs {
        t.append_message(b"prog", &p.to_bytes());
    }
    let mut leaves = Vec::with_capacity(2 * programs.len());
    for p in programs {
        let blinding = t.challenge_32(b"blinding");
        let (program, blinding_leaf) = (Leaf::Program(p), Leaf::Blinding(blinding));
        if blinding[0] & 1 == 0 {
            leaves.extend([blinding_leaf, program]);
        } else {
            leaves.extend([program, blinding_leaf]);
        }
    }
    leaves
}

/// `h = H(X, M)`.
fn taproot_factor(key: &CompressedRistretto, root: &Hash) -> Scalar {
    let mut t = Transcript::new(labels::TAPROOT);
    t.append_point(b"key", key);
    t.append_message(b"merkle", root.as_bytes());
    t.challenge_scalar(b"h")
}

/// The argument of `call`: the inner key and the Merkle path of the program.
///
/// Encoding: the key (32 bytes), then the path (LE64 position, LE32 count, hashes).
/// Only as many low bits of the position are read as there are neighbors; higher bits
/// are ignored, so they are a known witness malleability of v1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallProof {
    /// The inner key `X`.
    pub key: CompressedRistretto,
    /// The path from the program's leaf to the root.
    pub path: Path,
}

impl CallProof {
    /// Decodes a call proof that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<CallProof, VmError> {
        Reader::parse(bytes, |r| {
            let key = r.read_point()?;
            let path = Path::decode(r)?;
            Ok(CallProof { key, path })
        })
    }

    /// Defers the check `P = X + h(X, M)·B` (as `0 = h·B − P + X`), with `M` the root
    /// reached from `program` along the path.
    pub fn verify(
        &self,
        predicate: &CompressedRistretto,
        program: &ProgramItem,
        batch: &mut impl BatchVerification,
    ) -> Result<(), VmError> {
        let hasher = Hasher::new(labels::TAPROOT);
        let leaf = Leaf::Program(program.clone());
        let root = self.path.compute_root(&hasher, &leaf);
        let h = taproot_factor(&self.key, &root);
        let p = decompress(predicate, "Taproot predicate")?;
        let x = decompress(&self.key, "Taproot inner key")?;
        batch.append(
            "Taproot call (call)",
            h,
            Scalar::ZERO,
            [],
            [],
            [(-Scalar::ONE, p), (Scalar::ONE, x)],
        )?;
        Ok(())
    }
}

impl Encodable for CallProof {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_point(&self.key);
        self.path.encode(w);
    }

    fn encoded_len(&self) -> usize {
        32 + self.path.encoded_len()
    }
}

/// Decompresses a point or names it in the error.
pub(crate) fn decompress(
    p: &CompressedRistretto,
    what: &'static str,
) -> Result<curve25519_dalek::ristretto::RistrettoPoint, VmError> {
    p.decompress().ok_or(VmError::InvalidPoint { what })
}

#[cfg(test)]
mod tests {
    use super::*;
    use batch::{Generators, SingleVerifier};

    fn programs() -> Vec<ProgramItem> {
        vec![
            ProgramItem::Bytecode(vec![0x02]),
            ProgramItem::Bytecode(vec![0x03, 1, 0, 0, 0]),
            ProgramItem::Bytecode(vec![0x1d]),
        ]
    }

    #[test]
    fn every_clause_has_a_valid_call_proof() {
        let key = SigningKey::new(Scalar::from(11u64));
        let tree = PredicateTree::new(Some(key.clone().into()), programs(), [3u8; 32]).unwrap();
        let gens = Generators::new(0);
        for (i, expected) in programs().iter().enumerate() {
            let (proof, program) = tree.call_proof(i).unwrap();
            assert_eq!(&program, expected);
            let bytes = proof.encode_to_vec();
            assert_eq!(CallProof::from_bytes(&bytes).unwrap(), proof);
            SingleVerifier::verify(&gens, |v| proof.verify(&tree.point(), &program, v)).unwrap();
            let wrong = ProgramItem::Bytecode(vec![0x0b]);
            assert!(
                SingleVerifier::verify(&gens, |v| proof.verify(&tree.point(), &wrong, v)).is_err()
            );
        }
        assert!(tree.call_proof(3).is_err());
        let outer = tree.signing_key().unwrap();
        assert_eq!(outer.verification_key().as_compressed(), &tree.point());
    }

    #[test]
    fn a_tree_without_a_key_cannot_be_signed_for() {
        let tree = PredicateTree::new(None, programs(), [0u8; 32]).unwrap();
        assert!(tree.signing_key().is_none());
        assert_eq!(tree.inner(), &Predicate::unsignable());
    }
}
