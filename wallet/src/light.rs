//! The light client: following the chain from compact blocks without trusting the
//! node for what the wallet can check.
//!
//! The wallet trusts its starting point (a [`Checkpoint`]: the genesis, or a
//! birthday whose header its [`HeaderVerifier`] accepted) and the signers of headers
//! (the devnet's producer, or CometBFT's validators). For each [`LightBlock`], in
//! this order:
//!
//! 1. the header extends the tip (`NotExtendingTip`) and keeps the header rules
//!    against it (`Chain`);
//! 2. the verifier accepts the header on the block's evidence (`HeaderNotSigned`);
//! 3. the block's spends and outputs are replayed on the wallet's copy of the forest:
//!    each spend's path, rebuilt from the hashes the block carries and the nodes
//!    computed from the spent leaves, must reach the forest's roots
//!    (`ForgedCatchup`);
//! 4. the forest after the block must have the header's UTXO root
//!    (`ForestMismatch`): an output or a spend withheld or invented shows here;
//! 5. tracking as for a full block, with the catch-up the wallet computed; each new
//!    output of the wallet is counted only once its proof holds in that forest.
//!
//! What the wallet cannot check is the notes: a node can withhold a note (the
//! wallet then misses that payment until it asks an honest node) or forge one (the
//! output it describes is not in the block, so nothing is counted and the
//! transaction is named in [`BlockReport::refused_notes`]).

use crate::compact::{carried_levels, CompactBlock, CompactEntry, LightBlock, Spend};
use crate::errors::WalletError;
use crate::ledger::Checkpoint;
use crate::tracking::{check_extends, BlockReport, ForestMove};
use crate::wallet::Wallet;
use blockchain::{check_header, verify_block_signature, BlockHeader, BlockchainError};
use merkle::{Hash, Path};
use musig::{Signature, VerificationKey};
use std::collections::{BTreeMap, HashMap};
use utreexo::{Catchup, Forest, Proof, UtreexoError};
use zkvm::ContractId;

/// The highest level a tree of a forest of at most 2⁶⁴ − 1 items has.
const MAX_TREE_LEVEL: usize = 63;

/// Decides whether a header is the chain's, from opaque evidence bytes.
///
/// The devnet's implementation is [`DevnetVerifier`]. A network of validators plugs
/// in its light client (CometBFT's commit signatures, checking that the header of
/// CometBFT's next height carries this block's ID as its app hash); it keeps its
/// trusted state between calls and may learn from each header it accepts.
pub trait HeaderVerifier {
    /// What the verifier learns from a header it accepts; kept ([`Self::advance`])
    /// only once the wallet accepted the whole block.
    type Update;
    /// Why a header is refused.
    type Error: core::fmt::Display;

    /// Checks that `evidence` proves `header` to be the chain's block after
    /// `previous` (the wallet's tip), or a trusted start when `previous` is none.
    fn check(
        &self,
        previous: Option<&BlockHeader>,
        header: &BlockHeader,
        evidence: &[u8],
    ) -> Result<Self::Update, Self::Error>;

    /// Keeps what [`Self::check`] learned.
    fn advance(&mut self, update: Self::Update);
}

/// The devnet's header verifier: the evidence is the producer's signature over the
/// block ID (64 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevnetVerifier {
    producer: VerificationKey,
}

impl DevnetVerifier {
    /// The verifier of blocks signed by `producer`.
    pub fn new(producer: VerificationKey) -> Self {
        DevnetVerifier { producer }
    }
}

impl HeaderVerifier for DevnetVerifier {
    type Update = ();
    type Error = BlockchainError;

    fn check(
        &self,
        _previous: Option<&BlockHeader>,
        header: &BlockHeader,
        evidence: &[u8],
    ) -> Result<(), BlockchainError> {
        let signature =
            Signature::from_bytes(evidence).map_err(BlockchainError::BadBlockSignature)?;
        verify_block_signature(header, &signature, &self.producer)
    }

    fn advance(&mut self, _update: ()) {}
}

impl Checkpoint {
    /// The checkpoint of `header` and `forest` for a wallet to start from, once
    /// `verifier` accepted the header on `evidence` as a trusted start.
    pub fn verified<V: HeaderVerifier>(
        header: BlockHeader,
        forest: Forest,
        evidence: &[u8],
        verifier: &mut V,
    ) -> Result<Checkpoint, WalletError> {
        let update = verify_header(verifier, None, &header, evidence)?;
        let checkpoint = Checkpoint::new(header, forest)?;
        verifier.advance(update);
        Ok(checkpoint)
    }
}

impl Checkpoint {
    /// The checkpoint after `light`, which must extend this one, checked as
    /// [`Wallet::apply_light`] checks a block (steps 1 to 4) but scanned for nobody:
    /// how a wallet born at a later height reaches its birthday from an earlier
    /// checkpoint. On error `verifier` is unchanged.
    pub fn follow<V: HeaderVerifier>(
        &self,
        light: &LightBlock,
        verifier: &mut V,
    ) -> Result<Checkpoint, WalletError> {
        check_extends(&light.block.header, self)?;
        let (update, forest, _) = checked_move(self, light, verifier)?;
        verifier.advance(update);
        Ok(Checkpoint::trusted(light.block.header.clone(), forest))
    }
}

impl Wallet {
    /// Applies a compact block after checking it (see the [module](self) notes).
    /// On error nothing changes, in the wallet or in `verifier`.
    pub fn apply_light<V: HeaderVerifier>(
        &mut self,
        light: &LightBlock,
        verifier: &mut V,
    ) -> Result<BlockReport, WalletError> {
        let header = &light.block.header;
        let Some(tip) = self.tip_to_extend(header)? else {
            return Ok(BlockReport::already_applied());
        };
        let (update, forest, catchup) = checked_move(tip, light, verifier)?;
        let moved = ForestMove {
            header,
            forest: &forest,
            catchup: &catchup,
        };
        let report = self.track(&moved, light.block.txs.as_slice())?;
        verifier.advance(update);
        Ok(report)
    }
}

/// Steps 1 (but for extending the tip, which the caller checked) to 4 of a light
/// block on `tip`: what the verifier learns, the forest after the block and the
/// catch-up onto it.
fn checked_move<V: HeaderVerifier>(
    tip: &Checkpoint,
    light: &LightBlock,
    verifier: &V,
) -> Result<(V::Update, Forest, Catchup), WalletError> {
    let header = &light.block.header;
    check_header(header, tip.header())?;
    let update = verify_header(verifier, Some(tip.header()), header, &light.evidence)?;
    let (forest, catchup) = replay(tip.forest(), &light.block)?;
    let computed = forest.root();
    if computed != header.utxoroot {
        return Err(WalletError::ForestMismatch {
            height: header.height,
            header: header.utxoroot,
            computed,
        });
    }
    Ok((update, forest, catchup))
}

fn verify_header<V: HeaderVerifier>(
    verifier: &V,
    previous: Option<&BlockHeader>,
    header: &BlockHeader,
    evidence: &[u8],
) -> Result<V::Update, WalletError> {
    verifier
        .check(previous, header, evidence)
        .map_err(|e| WalletError::HeaderNotSigned {
            height: header.height,
            reason: e.to_string(),
        })
}

/// Replays the spends and outputs of `block` on `forest`: the forest after the
/// block and the catch-up of proofs onto it.
///
/// The deletions with paths touch only the trees of the forest before the block, so
/// they go first (in block order), with the paths rebuilt from the carried hashes;
/// then the insertions and the deletions of items inserted in the block, in block
/// order.
fn replay(forest: &Forest, block: &CompactBlock) -> Result<(Forest, Catchup), WalletError> {
    let height = block.header.height;
    let forged = |input: &ContractId, e: UtreexoError| WalletError::ForgedCatchup {
        height,
        input: *input,
        reason: e.to_string(),
    };
    let mut work = forest.work();
    for (id, path) in spend_paths(forest, block)? {
        work.delete(&id, &Proof::Committed(path))
            .map_err(|e| forged(&id, e))?;
    }
    for entry in block.txs.iter().flat_map(|tx| &tx.entries) {
        match entry {
            CompactEntry::Input {
                id,
                spend: Spend::Transient,
            } => work
                .delete(id, &Proof::Transient)
                .map_err(|e| forged(id, e))?,
            CompactEntry::Output { id, .. } => work
                .insert(id)
                .map_err(|e| WalletError::MalformedCompactBlock(format!("output {id}: {e}")))?,
            _ => {}
        }
    }
    Ok(work.normalize())
}

/// The whole paths of the block's deletions with paths, in block order, from the
/// hashes the block carries: what is not carried is a node on the union of the
/// paths, computed once each from the deleted leaves up. A path that cannot be
/// completed names its input in `ForgedCatchup`; one completed from forged hashes
/// fails when it is deleted.
fn spend_paths(
    forest: &Forest,
    block: &CompactBlock,
) -> Result<Vec<(ContractId, Path)>, WalletError> {
    let height = block.header.height;
    let forged = |input: &ContractId, reason: String| WalletError::ForgedCatchup {
        height,
        input: *input,
        reason,
    };
    let spends: Vec<(&ContractId, u64, &[Hash])> = block.spends().collect();
    let levels = spends
        .iter()
        .map(|(id, position, _)| {
            let level = forest.path_length(*position);
            level
                .map(|l| (*position, l))
                .map_err(|e| forged(id, e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Known nodes by (level, index at that level): carried hashes and deleted leaves.
    let hasher = utreexo::hasher();
    let mut known: HashMap<(usize, u64), Hash> = HashMap::new();
    for ((id, position, hashes), mask) in spends.iter().zip(carried_levels(&levels)) {
        if hashes.len() != mask.count_ones() as usize {
            let needed = mask.count_ones();
            let reason = format!(
                "{} hashes carried, the block's spends call for {needed}",
                hashes.len()
            );
            return Err(forged(id, reason));
        }
        let slots = (0..64).filter(|k| mask >> k & 1 == 1);
        for (k, hash) in slots.zip(hashes.iter()) {
            known.insert((k, (position >> k) ^ 1), *hash);
        }
        known.insert((0, *position), hasher.leaf(*id));
    }
    // The union of the paths, from the leaves up to just below each tree's root.
    let mut union: BTreeMap<u64, usize> = levels.iter().copied().collect();
    for k in 0..MAX_TREE_LEVEL {
        let mut up = BTreeMap::new();
        for (&index, &top) in union.iter().filter(|(_, &top)| k + 1 < top) {
            let parent = index >> 1;
            let children = (
                known.get(&(k, parent << 1)),
                known.get(&(k, parent << 1 | 1)),
            );
            if let (Some(left), Some(right)) = children {
                let hash = hasher.node(left, right);
                known.insert((k + 1, parent), hash);
                up.insert(parent, top);
            }
        }
        if up.is_empty() {
            break;
        }
        union = up;
    }
    spends
        .iter()
        .zip(&levels)
        .map(|((id, position, _), &(_, level))| {
            let neighbors = (0..level)
                .map(|k| known.get(&(k, (position >> k) ^ 1)).copied())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| forged(id, "a neighbor of its path is missing".into()))?;
            let path = Path {
                position: *position,
                neighbors,
            };
            Ok((**id, path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::tests::id;
    use crate::compact::CompactTx;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// A forest of `n` items and each item's path.
    fn forest(n: u64) -> (Forest, Vec<Path>) {
        let mut work = Forest::new().work();
        (0..n).for_each(|i| work.insert(&id(i)).unwrap());
        let (forest, catchup) = work.normalize();
        let paths = (0..n)
            .map(|i| {
                let proof = catchup.update_proof(&id(i), &Proof::Transient).unwrap();
                proof.path().unwrap().clone()
            })
            .collect();
        (forest, paths)
    }

    /// Positions picked from `n`, without repeats, in an order other than theirs.
    fn deletions(n: u64, picks: &[prop::sample::Index]) -> Vec<u64> {
        let mut order: Vec<u64> = picks.iter().map(|p| p.index(n as usize) as u64).collect();
        order.sort_unstable();
        order.dedup();
        order.reverse();
        let third = order.len() / 3;
        order.rotate_left(third);
        order
    }

    /// A compact block deleting `order` with the hashes the rule carries.
    fn block(forest: &Forest, paths: &[Path], order: &[u64]) -> CompactBlock {
        let spends: Vec<(u64, usize)> = order
            .iter()
            .map(|&i| (i, forest.path_length(i).unwrap()))
            .collect();
        let entries = order
            .iter()
            .zip(carried_levels(&spends))
            .map(|(&i, mask)| {
                let path = &paths[i as usize];
                let hashes = (0..path.neighbors.len())
                    .filter(|k| mask >> k & 1 == 1)
                    .map(|k| path.neighbors[k])
                    .collect();
                CompactEntry::Input {
                    id: id(i),
                    spend: Spend::Path {
                        position: i,
                        hashes,
                    },
                }
            })
            .collect();
        CompactBlock {
            header: BlockHeader::initial(1, forest.root()),
            txs: vec![CompactTx {
                id: zkvm::TxId([1; 32]),
                entries,
            }],
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The carried hashes are the siblings of the union of the paths that are
        /// not on it, each once, and from them every path is rebuilt.
        #[test]
        fn the_carried_hashes_are_the_frontier_and_rebuild_every_path(
            n in 1u64..300,
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..40),
        ) {
            let (forest, paths) = forest(n);
            let order = deletions(n, &picks);
            let block = block(&forest, &paths, &order);
            let on_union = |k: usize, index: u64| order.iter().any(|&p| p >> k == index);
            let mut carried = BTreeSet::new();
            for (_, p, hashes) in block.spends() {
                let level = forest.path_length(p).unwrap();
                let frontier: Vec<usize> =
                    (0..level).filter(|&k| !on_union(k, (p >> k) ^ 1)).collect();
                // Each carried slot is on the frontier and carried once.
                let mine: Vec<usize> = frontier
                    .iter()
                    .copied()
                    .filter(|&k| carried.insert((k, (p >> k) ^ 1)))
                    .collect();
                prop_assert!(hashes.len() <= mine.len());
            }
            let total: usize = block.spends().map(|(_, _, h)| h.len()).sum();
            prop_assert_eq!(total, carried.len(), "every frontier node carried once");
            let rebuilt = spend_paths(&forest, &block).unwrap();
            let expected: Vec<(ContractId, Path)> =
                order.iter().map(|&i| (id(i), paths[i as usize].clone())).collect();
            prop_assert_eq!(rebuilt, expected);
        }
    }

    /// The position and carried hashes of entry `i`, a spend with a path.
    fn spend(block: &mut CompactBlock, i: usize) -> (&mut u64, &mut Vec<Hash>) {
        match &mut block.txs[0].entries[i] {
            CompactEntry::Input {
                spend: Spend::Path { position, hashes },
                ..
            } => (position, hashes),
            _ => panic!("entry {i} is not a spend with a path"),
        }
    }

    #[test]
    fn a_missing_or_extra_hash_names_its_input() {
        let (forest, paths) = forest(20);
        let good = block(&forest, &paths, &[3, 17, 4]);
        let mut fewer = good.clone();
        spend(&mut fewer, 1).1.pop();
        assert!(matches!(
            spend_paths(&forest, &fewer),
            Err(WalletError::ForgedCatchup { input, .. }) if input == id(17)
        ));
        let mut outside = good.clone();
        *spend(&mut outside, 0).0 = 20;
        assert!(matches!(
            spend_paths(&forest, &outside),
            Err(WalletError::ForgedCatchup { input, .. }) if input == id(3)
        ));
    }
}
