//! Compact blocks: what a wallet needs of a block, and nothing else.
//!
//! Per block the header and, per transaction, its ID and the entries of its log that
//! a wallet reads, in log order: the inputs (with the hashes of their Utreexo paths that the
//! wallet cannot compute itself), the outputs' contract IDs (with the anchor only
//! when it does not follow from the entries before it), and the notes. From these a
//! wallet finds and rebuilds its outputs, replays the block's changes to the Utreexo
//! forest on its own copy of the forest's roots, and so moves its proofs and checks
//! the result against the header's UTXO root.
//!
//! Encoding (version 1), all integers little-endian:
//!
//! ```text
//! compact block = version (1) = 0x01 || header || LE32 tx count || txs
//! tx            = tx ID (32) || LE32 entry count || entries
//! entry         = 0x00 || contract ID                            input, transient proof
//!               | 0x01 || contract ID || LE64 position || n (1) || n × 32
//!                                                                input, path
//!               | 0x02 || contract ID                            output, anchor follows
//!               | 0x03 || anchor (32) || contract ID             output, anchor given
//!               | 0x04 || LE16 length || note entry            a note, whole: "zkn1" and
//!                                                                165 bytes, or "zkn2" and
//!                                                                168 to 1,000 bytes
//! light block   = compact block || LE32 length || evidence
//! ```
//!
//! **Carried hashes.** The inputs with paths (the block's deletions from the forest
//! before it) carry together exactly the hashes a holder of the forest's roots needs
//! to rebuild all their paths: the siblings of the union of the paths that are not
//! themselves on it, each once. Deletion `i` at position `p` in a tree of level `L`
//! carries its neighbor at level `k` when (1) `k` is below every level where `p`'s
//! way leaves the way of an earlier deletion of the block (the highest bit where
//! their positions differ) and below `L`, and (2) no later deletion lies under that
//! neighbor (else the wallet computes it from that deletion). They come leaf first;
//! `n` is at most 63. [`carried_levels`] is the rule; the wallet checks each `n`
//! against it.
//!
//! Data entries that are not notes of a known version and length are left out: no
//! wallet would open them.
//!
//! An output's anchor *follows* when it equals the running anchor: the ratchet of the
//! last input's ID, or the ID of the output before it. The evidence of a light
//! block proves its header (the producer's signature on a devnet, CometBFT's commit
//! on a network of validators).

use crate::errors::WalletError;
use crate::note::{is_note_entry, NOTE_MAX_LEN};
use blockchain::{AppliedBlock, Block, BlockHeader};
use encoding::{Encodable, EncodingError, Reader, Writer};
use merkle::{Hash, Path};
use std::collections::BTreeSet;
use utreexo::Proof;
use zkvm::{Anchor, ContractId, TxEntry, TxId, VerifiedTx};

/// The version byte of the encoding this module writes and reads.
pub const COMPACT_VERSION: u8 = 1;

/// The deepest path a forest of 2⁶⁴ − 1 items has.
const MAX_LEVELS: usize = 63;

const INPUT_TRANSIENT: u8 = 0;
const INPUT_PATH: u8 = 1;
const OUTPUT_FOLLOWS: u8 = 2;
const OUTPUT_ANCHORED: u8 = 3;
const NOTE: u8 = 4;

/// The smallest encoded entry: an output whose anchor follows.
const MIN_ENTRY_LEN: usize = 1 + 32;
/// The smallest encoded transaction: an ID and an empty entry list.
const MIN_TX_LEN: usize = 32 + 4;

/// How a block deletes an input from the forest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spend {
    /// With a transient proof: the input was created earlier in the same
    /// generation (or is the forest's tree of one item).
    Transient,
    /// With a path: the item's position, and the neighbors of its path the block
    /// carries for it ([`carried_levels`]), leaf first.
    Path {
        /// The item's position in the forest before the block.
        position: u64,
        /// The carried neighbors, leaf first.
        hashes: Vec<Hash>,
    },
}

/// An entry of a compact transaction, in the order of the transaction's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompactEntry {
    /// An input: the spent output's ID and how the forest deletes it.
    Input {
        /// The spent output.
        id: ContractId,
        /// The deletion.
        spend: Spend,
    },
    /// An output.
    Output {
        /// Its contract ID.
        id: ContractId,
        /// Its anchor when it does not follow from the entries before it.
        anchor: Option<Anchor>,
    },
    /// A note entry, whole (tag included).
    Note(Vec<u8>),
}

/// What a wallet needs of one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactTx {
    /// The transaction's ID (as the node says: a light wallet cannot compute it).
    pub id: TxId,
    /// Inputs, outputs and notes, in log order.
    pub entries: Vec<CompactEntry>,
}

/// What a wallet needs of one block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactBlock {
    /// The block's header.
    pub header: BlockHeader,
    /// The transactions, in block order.
    pub txs: Vec<CompactTx>,
}

/// A compact block with the evidence that its header is the chain's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LightBlock {
    /// The compact block.
    pub block: CompactBlock,
    /// Opaque to the wallet: what the [`crate::light::HeaderVerifier`] checks.
    pub evidence: Vec<u8>,
}

impl CompactBlock {
    /// The compact form of `block`, which the node has applied as `applied`.
    ///
    /// Fails with `MalformedCompactBlock` if the two do not belong together (other
    /// transaction or proof counts).
    pub fn new(block: &Block, applied: &AppliedBlock) -> Result<CompactBlock, WalletError> {
        if block.txs.len() != applied.txs.len() {
            return Err(mismatch(
                "the block and its applied form differ in transactions",
            ));
        }
        for (btx, tx) in block.txs.iter().zip(&applied.txs) {
            if tx.log.inputs().count() != btx.proofs.len() {
                return Err(mismatch(
                    "a transaction's inputs and proofs differ in number",
                ));
            }
        }
        let paths: Vec<&Path> = block
            .txs
            .iter()
            .flat_map(|btx| btx.proofs.iter().filter_map(Proof::path))
            .collect();
        let spends: Vec<(u64, usize)> = paths
            .iter()
            .map(|p| (p.position, p.neighbors.len()))
            .collect();
        let mut carried = paths
            .iter()
            .zip(carried_levels(&spends))
            .map(|(path, levels)| carried_hashes(path, levels));
        let txs = block
            .txs
            .iter()
            .zip(&applied.txs)
            .map(|(btx, tx)| compact_tx(tx, &btx.proofs, &mut carried))
            .collect();
        Ok(CompactBlock {
            header: applied.state.tip().clone(),
            txs,
        })
    }

    /// The inputs deleted with paths, in block order: ID, position, carried hashes.
    pub fn spends(&self) -> impl Iterator<Item = (&ContractId, u64, &[Hash])> + '_ {
        let entries = self.txs.iter().flat_map(|tx| &tx.entries);
        entries.filter_map(|e| match e {
            CompactEntry::Input {
                id,
                spend: Spend::Path { position, hashes },
            } => Some((id, *position, hashes.as_slice())),
            _ => None,
        })
    }

    /// Reads a compact block.
    pub fn decode(r: &mut Reader<'_>) -> Result<CompactBlock, WalletError> {
        let version = r.read_u8().map_err(malformed)?;
        if version != COMPACT_VERSION {
            return Err(WalletError::MalformedCompactBlock(format!(
                "version {version} (this wallet reads version {COMPACT_VERSION})"
            )));
        }
        let header = BlockHeader::decode(r).map_err(malformed)?;
        let count = r.read_count(MIN_TX_LEN).map_err(malformed)?;
        let mut txs = Vec::with_capacity(count);
        for _ in 0..count {
            txs.push(CompactTx::decode(r)?);
        }
        Ok(CompactBlock { header, txs })
    }

    /// Decodes bytes that hold exactly one compact block.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompactBlock, WalletError> {
        parse(bytes, CompactBlock::decode)
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

impl Encodable for CompactBlock {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(COMPACT_VERSION);
        self.header.encode(w);
        w.write_u32(count32(self.txs.len()));
        for tx in &self.txs {
            tx.encode(w);
        }
    }

    fn encoded_len(&self) -> usize {
        let txs = self.txs.iter().map(|t| t.encoded_len());
        1 + self.header.encoded_len() + 4 + txs.sum::<usize>()
    }
}

impl CompactTx {
    fn decode(r: &mut Reader<'_>) -> Result<CompactTx, WalletError> {
        let id = TxId(r.read_array().map_err(malformed)?);
        let count = r.read_count(MIN_ENTRY_LEN).map_err(malformed)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            entries.push(CompactEntry::decode(r)?);
        }
        Ok(CompactTx { id, entries })
    }

    /// The IDs of the spent outputs, in log order.
    pub fn inputs(&self) -> impl Iterator<Item = ContractId> + '_ {
        self.entries.iter().filter_map(|e| match e {
            CompactEntry::Input { id, .. } => Some(*id),
            _ => None,
        })
    }

    /// The notes, in log order.
    pub fn notes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.entries.iter().filter_map(|e| match e {
            CompactEntry::Note(note) => Some(note.as_slice()),
            _ => None,
        })
    }

    /// The IDs of the outputs with their anchors, the ones that follow worked out
    /// as the VM sets them: `input` ratchets the spent ID, `output` takes the last
    /// anchor and leaves its own ID.
    pub fn outputs(&self) -> Vec<(ContractId, Anchor)> {
        let mut running: Option<Anchor> = None;
        let mut outputs = Vec::new();
        for entry in &self.entries {
            match entry {
                CompactEntry::Input { id, .. } => running = Some(id.to_anchor().ratchet()),
                CompactEntry::Output { id, anchor } => {
                    outputs.push((*id, anchor.or(running).unwrap_or_default()));
                    running = Some(id.to_anchor());
                }
                CompactEntry::Note(_) => {}
            }
        }
        outputs
    }
}

impl Encodable for CompactTx {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_bytes(&self.id.0);
        w.write_u32(count32(self.entries.len()));
        for entry in &self.entries {
            entry.encode(w);
        }
    }

    fn encoded_len(&self) -> usize {
        MIN_TX_LEN + self.entries.iter().map(|e| e.encoded_len()).sum::<usize>()
    }
}

impl CompactEntry {
    fn decode(r: &mut Reader<'_>) -> Result<CompactEntry, WalletError> {
        let kind = r.read_u8().map_err(malformed)?;
        let entry = match kind {
            INPUT_TRANSIENT => CompactEntry::Input {
                id: read_id(r)?,
                spend: Spend::Transient,
            },
            INPUT_PATH => CompactEntry::Input {
                id: read_id(r)?,
                spend: read_path_spend(r)?,
            },
            OUTPUT_FOLLOWS => CompactEntry::Output {
                id: read_id(r)?,
                anchor: None,
            },
            OUTPUT_ANCHORED => {
                let anchor = Anchor(r.read_array().map_err(malformed)?);
                CompactEntry::Output {
                    id: read_id(r)?,
                    anchor: Some(anchor),
                }
            }
            NOTE => {
                let len = usize::from(u16::from_le_bytes(r.read_array().map_err(malformed)?));
                let data = r.read_bytes(len).map_err(malformed)?;
                if !is_note_entry(data) {
                    return Err(mismatch(
                        "a note entry of no known version or of the wrong length",
                    ));
                }
                CompactEntry::Note(data.to_vec())
            }
            other => {
                return Err(WalletError::MalformedCompactBlock(format!(
                    "unknown entry kind {other}"
                )))
            }
        };
        Ok(entry)
    }
}

impl Encodable for CompactEntry {
    fn encode(&self, w: &mut Vec<u8>) {
        match self {
            CompactEntry::Input {
                id,
                spend: Spend::Transient,
            } => {
                w.write_u8(INPUT_TRANSIENT);
                w.write_bytes(&id.0);
            }
            CompactEntry::Input {
                id,
                spend: Spend::Path { position, hashes },
            } => {
                w.write_u8(INPUT_PATH);
                w.write_bytes(&id.0);
                w.write_u64(*position);
                // A path has at most 63 levels (decoding refuses more); the count
                // byte holds what a `Spend` may be given.
                let n = hash_count(hashes);
                w.write_u8(n as u8);
                for hash in hashes.iter().take(n) {
                    w.write_bytes(&hash.0);
                }
            }
            CompactEntry::Output { id, anchor: None } => {
                w.write_u8(OUTPUT_FOLLOWS);
                w.write_bytes(&id.0);
            }
            CompactEntry::Output {
                id,
                anchor: Some(anchor),
            } => {
                w.write_u8(OUTPUT_ANCHORED);
                w.write_bytes(&anchor.0);
                w.write_bytes(&id.0);
            }
            CompactEntry::Note(data) => {
                // Notes are at most NOTE_MAX_LEN (1,000) bytes: the length fits.
                w.write_u8(NOTE);
                let len = data.len().min(NOTE_MAX_LEN);
                w.write_bytes(&(len as u16).to_le_bytes());
                w.write_bytes(&data[..len]);
            }
        }
    }

    fn encoded_len(&self) -> usize {
        1 + match self {
            CompactEntry::Input {
                spend: Spend::Transient,
                ..
            } => 32,
            CompactEntry::Input {
                spend: Spend::Path { hashes, .. },
                ..
            } => 32 + 8 + 1 + 32 * hash_count(hashes),
            CompactEntry::Output { anchor: None, .. } => 32,
            CompactEntry::Output {
                anchor: Some(_), ..
            } => 64,
            CompactEntry::Note(data) => 2 + data.len().min(NOTE_MAX_LEN),
        }
    }
}

impl LightBlock {
    /// The light block of a devnet block: its compact form, and the producer's
    /// signature as evidence (what [`crate::light::DevnetVerifier`] checks).
    pub fn devnet(block: &Block, applied: &AppliedBlock) -> Result<LightBlock, WalletError> {
        Ok(LightBlock {
            block: CompactBlock::new(block, applied)?,
            evidence: block.signature.to_bytes().to_vec(),
        })
    }

    /// Reads a light block.
    pub fn decode(r: &mut Reader<'_>) -> Result<LightBlock, WalletError> {
        let block = CompactBlock::decode(r)?;
        let evidence = r.read_len_prefixed().map_err(malformed)?.to_vec();
        Ok(LightBlock { block, evidence })
    }

    /// Decodes bytes that hold exactly one light block.
    pub fn from_bytes(bytes: &[u8]) -> Result<LightBlock, WalletError> {
        parse(bytes, LightBlock::decode)
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

impl Encodable for LightBlock {
    fn encode(&self, w: &mut Vec<u8>) {
        self.block.encode(w);
        w.write_len_prefixed(&self.evidence);
    }

    fn encoded_len(&self) -> usize {
        self.block.encoded_len() + 4 + self.evidence.len()
    }
}

/// Which neighbors of each of a block's deletions with paths the compact block
/// carries: for deletions at `(position, tree level)` in block order, one bit per
/// level (bit `k`: the neighbor at level `k`). See the [module](self) notes.
pub fn carried_levels(spends: &[(u64, usize)]) -> Vec<u64> {
    // (1) Below where each way leaves the ways of earlier deletions. The earlier
    // position closest in bits is next to it in order.
    let mut earlier = BTreeSet::new();
    let tops: Vec<usize> = spends
        .iter()
        .map(|&(position, level)| {
            let below = earlier.range(..position).next_back();
            let above = earlier.range(position..).next();
            let leaves = [below, above]
                .into_iter()
                .flatten()
                .map(|q| highest_differing_bit(position, *q))
                .min();
            earlier.insert(position);
            leaves.unwrap_or(level).min(level).min(MAX_LEVELS)
        })
        .collect();
    // (2) Not over a later deletion.
    let mut later = BTreeSet::new();
    let mut masks = vec![0u64; spends.len()];
    for (i, &(position, _)) in spends.iter().enumerate().rev() {
        masks[i] = (0..tops[i])
            .filter(|&k| {
                let start = ((position >> k) ^ 1) << k;
                let end = start | ((1u64 << k) - 1);
                later.range(start..=end).next().is_none()
            })
            .fold(0u64, |mask, k| mask | 1 << k);
        later.insert(position);
    }
    masks
}

/// The neighbors of `path` at the levels set in `levels`, leaf first.
fn carried_hashes(path: &Path, levels: u64) -> Vec<Hash> {
    let neighbors = path.neighbors.iter().enumerate();
    neighbors
        .filter(|(k, _)| levels >> k & 1 == 1)
        .map(|(_, hash)| *hash)
        .collect()
}

/// The index of the highest bit where `a` and `b` differ; 0 when they are equal
/// (a leaf deleted before is itself known).
fn highest_differing_bit(a: u64, b: u64) -> usize {
    match a ^ b {
        0 => 0,
        x => 63 - x.leading_zeros() as usize,
    }
}

/// The compact form of one verified transaction with the proofs of its inputs;
/// `carried` yields the carried hashes of the block's deletions with paths, in order.
fn compact_tx(
    tx: &VerifiedTx,
    proofs: &[Proof],
    carried: &mut impl Iterator<Item = Vec<Hash>>,
) -> CompactTx {
    let mut proofs = proofs.iter();
    let mut running: Option<Anchor> = None;
    let mut entries = Vec::new();
    for entry in tx.log.iter() {
        match entry {
            TxEntry::Input(id) => {
                let spend = match proofs.next().and_then(Proof::path) {
                    Some(path) => Spend::Path {
                        position: path.position,
                        hashes: carried.next().unwrap_or_default(),
                    },
                    None => Spend::Transient,
                };
                entries.push(CompactEntry::Input { id: *id, spend });
                running = Some(id.to_anchor().ratchet());
            }
            TxEntry::Output(contract) => {
                let id = contract.id();
                let anchor = (running != Some(contract.anchor)).then_some(contract.anchor);
                entries.push(CompactEntry::Output { id, anchor });
                running = Some(id.to_anchor());
            }
            TxEntry::Data(data) if is_note_entry(data) => {
                entries.push(CompactEntry::Note(data.clone()));
            }
            _ => {}
        }
    }
    CompactTx { id: tx.id, entries }
}

/// How many of `hashes` the count byte can announce.
fn hash_count(hashes: &[Hash]) -> usize {
    hashes.len().min(usize::from(u8::MAX))
}

fn read_path_spend(r: &mut Reader<'_>) -> Result<Spend, WalletError> {
    let position = r.read_u64().map_err(malformed)?;
    let n = usize::from(r.read_u8().map_err(malformed)?);
    if n > MAX_LEVELS {
        return Err(WalletError::MalformedCompactBlock(format!(
            "a path of {n} levels (at most {MAX_LEVELS})"
        )));
    }
    let bytes = r.read_bytes(32 * n).map_err(malformed)?;
    let hashes = bytes
        .chunks_exact(32)
        .filter_map(Hash::from_slice)
        .collect();
    Ok(Spend::Path { position, hashes })
}

fn read_id(r: &mut Reader<'_>) -> Result<ContractId, WalletError> {
    Ok(ContractId(r.read_array().map_err(malformed)?))
}

/// Parses exactly one value from `bytes`.
fn parse<T>(
    bytes: &[u8],
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, WalletError>,
) -> Result<T, WalletError> {
    let mut r = Reader::new(bytes);
    let value = f(&mut r)?;
    r.finish().map_err(malformed)?;
    Ok(value)
}

fn malformed(e: EncodingError) -> WalletError {
    WalletError::MalformedCompactBlock(e.to_string())
}

fn mismatch(what: &str) -> WalletError {
    WalletError::MalformedCompactBlock(what.to_string())
}

/// A count as the LE32 the format has room for; blocks hold far fewer items.
fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::note::{NOTE_V1_LEN, NOTE_V2_MIN_LEN};
    use proptest::prelude::*;
    use utreexo::Forest;

    /// The contract ID of test item `n`.
    pub(crate) fn id(n: u64) -> ContractId {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&n.to_le_bytes());
        ContractId(bytes)
    }

    fn sample() -> CompactBlock {
        let forest = Forest::new();
        CompactBlock {
            header: BlockHeader::initial(7, forest.root()),
            txs: vec![CompactTx {
                id: TxId([3; 32]),
                entries: vec![
                    CompactEntry::Input {
                        id: id(1),
                        spend: Spend::Transient,
                    },
                    CompactEntry::Input {
                        id: id(2),
                        spend: Spend::Path {
                            position: 5,
                            hashes: vec![Hash([4; 32]); 2],
                        },
                    },
                    CompactEntry::Output {
                        id: id(5),
                        anchor: None,
                    },
                    CompactEntry::Output {
                        id: id(6),
                        anchor: Some(Anchor([7; 32])),
                    },
                    CompactEntry::Note([&b"zkn2"[..], &[8; NOTE_V2_MIN_LEN + 20]].concat()),
                    CompactEntry::Note([&b"zkn1"[..], &[9; NOTE_V1_LEN - 4]].concat()),
                ],
            }],
        }
    }

    #[test]
    fn outputs_take_the_running_anchor_unless_given_one() {
        let tx = &sample().txs[0];
        let after_input = id(2).to_anchor().ratchet();
        assert_eq!(
            tx.outputs(),
            vec![(id(5), after_input), (id(6), Anchor([7; 32]))]
        );
        assert_eq!(tx.inputs().collect::<Vec<_>>(), vec![id(1), id(2)]);
        assert_eq!(tx.notes().count(), 2);
        let bytes = sample().to_bytes();
        assert_eq!(bytes.len(), sample().encoded_len());
        assert_eq!(CompactBlock::from_bytes(&bytes), Ok(sample()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = CompactBlock::from_bytes(&bytes);
            let _ = LightBlock::from_bytes(&bytes);
        }

        #[test]
        fn a_mutated_block_decodes_to_itself_or_not_at_all(at in 0usize..1000, byte in any::<u8>()) {
            let mut bytes = sample().to_bytes();
            let at = at % bytes.len();
            bytes[at] = byte;
            if let Ok(block) = CompactBlock::from_bytes(&bytes) {
                prop_assert_eq!(block.to_bytes(), bytes);
            }
        }
    }
}
