//! The ledger: what the wallet owns and expects, and its place in the chain.
//!
//! It holds the wallet's outputs (each with its opening and a Utreexo proof against
//! the tip), the wallet's pending transactions and the outputs they reserve, the
//! outputs announced by payment replies, and the open payment requests. Its explicit
//! encoding is what storage keeps (sealed, see [`crate::storage`]).

use crate::errors::WalletError;
use crate::note::Opening;
use blockchain::{BlockHeader, BlockId, ChainState};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader, Writer};
use std::collections::{BTreeMap, VecDeque};
use utreexo::{Forest, Proof};
use zkvm::{Anchor, Commitment, Contract, ContractId, PortableItem, Predicate, Tx, TxId, Value};

/// How many recent block IDs the ledger remembers to recognise a block seen twice.
pub const RECENT_BLOCKS: usize = 64;

/// Who controls an output.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// An account of this wallet, by index.
    Account(u64),
    /// The wallet's 2-of-2 account.
    Shared,
}

/// A place in the chain: a block's header and the Utreexo forest after the block,
/// whose root the header commits to. The wallet's tip is one; a new wallet can
/// start from one (its birthday) without the blocks before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    header: BlockHeader,
    forest: Forest,
    id: BlockId,
}

impl Checkpoint {
    /// The checkpoint of `header` and `forest`; fails with `CheckpointMismatch`
    /// unless the forest's root is the header's UTXO root. Whether the header is the
    /// chain's is the caller's to know (see [`crate::light::HeaderVerifier`]).
    pub fn new(header: BlockHeader, forest: Forest) -> Result<Checkpoint, WalletError> {
        let computed = forest.root();
        if computed != header.utxoroot {
            return Err(WalletError::CheckpointMismatch {
                height: header.height,
                header: header.utxoroot,
                computed,
            });
        }
        Ok(Checkpoint::trusted(header, forest))
    }

    /// The checkpoint of a chain state's tip (a chain state keeps its forest and
    /// tip in agreement).
    pub fn of_state(state: &ChainState) -> Checkpoint {
        Checkpoint::trusted(state.tip().clone(), state.forest().clone())
    }

    /// A checkpoint whose forest is known to agree with its header.
    pub(crate) fn trusted(header: BlockHeader, forest: Forest) -> Checkpoint {
        Checkpoint {
            id: header.id(),
            header,
            forest,
        }
    }

    /// The header.
    pub fn header(&self) -> &BlockHeader {
        &self.header
    }

    /// The forest after the block.
    pub fn forest(&self) -> &Forest {
        &self.forest
    }

    /// The block's height.
    pub fn height(&self) -> u64 {
        self.header.height
    }

    /// The block's ID.
    pub fn id(&self) -> BlockId {
        self.id
    }

    /// The block's timestamp.
    pub fn timestamp_ms(&self) -> u64 {
        self.header.timestamp_ms
    }

    /// The Utreexo generation the wallet's proofs are for.
    pub fn generation(&self) -> u64 {
        self.forest.generation()
    }

    fn encode(&self, w: &mut Vec<u8>) {
        self.header.encode(w);
        self.forest.encode(w);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Checkpoint, WalletError> {
        let header = BlockHeader::decode(r)?;
        let forest = Forest::decode(r).map_err(|e| WalletError::State(e.to_string()))?;
        Checkpoint::new(header, forest)
    }
}

/// An output the wallet can spend. `Debug` shows neither the opening nor the tweak.
#[derive(Clone)]
pub struct OwnedOutput {
    /// Its contract ID.
    pub id: ContractId,
    /// Who controls it.
    pub owner: Owner,
    /// Its secrets.
    pub opening: Opening,
    /// The note's tweak of the control key (zero for request keys).
    pub tweak: Scalar,
    /// The predicate point.
    pub predicate: CompressedRistretto,
    /// The anchor.
    pub anchor: Anchor,
    /// Its proof against the tip's forest.
    pub proof: Proof,
    /// The height of the block that created it.
    pub height: u64,
    /// The pending transaction that spends it, if any.
    pub reserved_by: Option<TxId>,
}

impl core::fmt::Debug for OwnedOutput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OwnedOutput")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .field("height", &self.height)
            .field("reserved_by", &self.reserved_by)
            .finish_non_exhaustive()
    }
}

impl OwnedOutput {
    /// The contract, with open commitments, under `predicate` (which should hold
    /// what signs for it).
    pub fn contract(&self, predicate: Predicate) -> Contract {
        contract(predicate, &self.opening, self.anchor)
    }
}

/// The output contract of an opening.
pub fn contract(predicate: Predicate, o: &Opening, anchor: Anchor) -> Contract {
    Contract {
        predicate,
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded_with_factor(o.qty, o.qty_blinding),
            flv: Commitment::blinded_with_factor(o.flavor, o.flv_blinding),
        })],
        anchor,
    }
}

/// An output the wallet expects (announced by a payment reply), not yet seen.
#[derive(Clone, Debug)]
pub struct Watched {
    /// Who will control it.
    pub owner: Owner,
    /// Its secrets.
    pub opening: Opening,
    /// The predicate point.
    pub predicate: CompressedRistretto,
    /// The anchor.
    pub anchor: Anchor,
}

/// A transaction the wallet made that is not yet in a block.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingTx {
    /// Its ID.
    pub id: TxId,
    /// The wallet's outputs it spends (reserved for it).
    pub inputs: Vec<ContractId>,
    /// Its latest inclusion time.
    pub maxtime_ms: u64,
    /// What comes back to the wallet: owner, quantity, flavor.
    pub incoming: Vec<(Owner, u64, Scalar)>,
}

/// An open payment request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    /// The account that asked.
    pub account: u64,
    /// Quantity asked for.
    pub qty: u64,
    /// Flavor asked for.
    pub flavor: Scalar,
    /// Expiry.
    pub expiry_ms: u64,
}

/// Per flavor: spendable, on its way, and reserved by pending payments.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Confirmed and not reserved.
    pub confirmed: u64,
    /// Expected: change of pending transactions and announced payments.
    pub pending: u64,
    /// Confirmed but reserved by a pending transaction.
    pub locked: u64,
}

/// What the wallet tracks.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// The tip (none before the wallet is started).
    pub tip: Option<Checkpoint>,
    /// Recently applied blocks, oldest first.
    pub recent: VecDeque<(u64, BlockId)>,
    /// Owned outputs.
    pub outputs: BTreeMap<ContractId, OwnedOutput>,
    /// Pending transactions.
    pub pending: BTreeMap<TxId, PendingTx>,
    /// Announced outputs.
    pub watched: BTreeMap<ContractId, Watched>,
    /// Open requests by one-time key index.
    pub requests: BTreeMap<u64, OpenRequest>,
    /// The next one-time key index.
    pub next_request: u64,
    /// The signed transactions of pending ones, to submit again.
    pub signed: BTreeMap<TxId, Tx>,
    /// The highest account that ever received an output (recovery's gap limit
    /// counts from it).
    pub highest_account: Option<u64>,
}

impl Ledger {
    /// The balance of `owner` in `flavor`.
    pub fn balance(&self, owner: Owner, flavor: Scalar) -> Balance {
        let mut b = Balance::default();
        for o in self.outputs.values() {
            if o.owner == owner && o.opening.flavor == flavor {
                let slot = match o.reserved_by {
                    Some(_) => &mut b.locked,
                    None => &mut b.confirmed,
                };
                *slot = slot.saturating_add(o.opening.qty);
            }
        }
        let incoming = self.pending.values().flat_map(|p| p.incoming.iter());
        for (who, qty, flv) in incoming {
            if *who == owner && *flv == flavor {
                b.pending = b.pending.saturating_add(*qty);
            }
        }
        for w in self.watched.values() {
            if w.owner == owner && w.opening.flavor == flavor {
                b.pending = b.pending.saturating_add(w.opening.qty);
            }
        }
        b
    }

    /// Unreserved outputs of `owner` in `flavor`.
    pub fn spendable(&self, owner: Owner, flavor: Scalar) -> impl Iterator<Item = &OwnedOutput> {
        self.outputs.values().filter(move |o| {
            o.owner == owner && o.opening.flavor == flavor && o.reserved_by.is_none()
        })
    }

    /// Reserves `inputs` for pending transaction `tx`.
    pub fn reserve(&mut self, tx: PendingTx) {
        for id in &tx.inputs {
            if let Some(o) = self.outputs.get_mut(id) {
                o.reserved_by = Some(tx.id);
            }
        }
        self.pending.insert(tx.id, tx);
    }

    /// Drops a pending transaction and frees what it reserved.
    pub fn release(&mut self, id: &TxId) -> Result<(), WalletError> {
        let tx = self.close(id).ok_or(WalletError::UnknownTx(*id))?;
        for input in &tx.inputs {
            if let Some(o) = self.outputs.get_mut(input) {
                if o.reserved_by == Some(*id) {
                    o.reserved_by = None;
                }
            }
        }
        Ok(())
    }

    /// Forgets a pending transaction (mined, or released) with its signed form.
    pub fn close(&mut self, id: &TxId) -> Option<PendingTx> {
        self.signed.remove(id);
        self.pending.remove(id)
    }
}

// The explicit encoding of the ledger (version 2: version 1 had no header, forest,
// signed transactions or highest account).

const LEDGER_VERSION: u8 = 2;

fn write_owner(w: &mut Vec<u8>, owner: Owner) {
    match owner {
        Owner::Account(n) => {
            w.write_u8(0);
            w.write_u64(n);
        }
        Owner::Shared => {
            w.write_u8(1);
            w.write_u64(0);
        }
    }
}

fn read_owner(r: &mut Reader<'_>) -> Result<Owner, WalletError> {
    let kind = r.read_u8()?;
    let n = r.read_u64()?;
    match (kind, n) {
        (0, n) => Ok(Owner::Account(n)),
        // The shared account has no number: one encoding per owner.
        (1, 0) => Ok(Owner::Shared),
        _ => Err(WalletError::Malformed { what: "owner" }),
    }
}

fn write_opt_txid(w: &mut Vec<u8>, id: &Option<TxId>) {
    match id {
        None => w.write_u8(0),
        Some(id) => {
            w.write_u8(1);
            w.write_bytes(&id.0);
        }
    }
}

fn read_opt_txid(r: &mut Reader<'_>) -> Result<Option<TxId>, WalletError> {
    match r.read_u8()? {
        0 => Ok(None),
        1 => Ok(Some(TxId(r.read_array()?))),
        _ => Err(WalletError::Malformed {
            what: "reservation",
        }),
    }
}

/// The signed form of a pending transaction, if stored.
fn read_signed(r: &mut Reader<'_>) -> Result<Option<Tx>, WalletError> {
    let bad = || WalletError::Malformed {
        what: "signed transaction",
    };
    match r.read_u8()? {
        0 => Ok(None),
        1 => {
            let tx = Tx::from_bytes(r.read_len_prefixed()?).map_err(|_| bad())?;
            Ok(Some(tx))
        }
        _ => Err(bad()),
    }
}

fn read_proof(r: &mut Reader<'_>) -> Result<Proof, WalletError> {
    Proof::decode(r).map_err(|e| WalletError::State(e.to_string()))
}

/// Smallest encodings, to bound counts read from a stored state.
const MIN_OUTPUT_LEN: usize = 32 + 9 + 113 + 32 * 3 + 1 + 8 + 1;

/// Inserts an entry read from a ledger encoding, which lists each map's entries once
/// and in key order (as [`Ledger::encode`] writes them): a repeated key would lose an
/// entry, and any other order would give one ledger two encodings.
fn insert_in_order<K: Ord, V>(
    map: &mut BTreeMap<K, V>,
    key: K,
    value: V,
    what: &'static str,
) -> Result<(), WalletError> {
    if map.last_key_value().is_some_and(|(last, _)| *last >= key) {
        return Err(WalletError::Malformed { what });
    }
    map.insert(key, value);
    Ok(())
}

impl Ledger {
    /// The explicit encoding (it holds openings: seal it before storing).
    pub fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(LEDGER_VERSION);
        match &self.tip {
            None => w.write_u8(0),
            Some(t) => {
                w.write_u8(1);
                t.encode(w);
            }
        }
        w.write_u32(self.recent.len() as u32);
        for (h, id) in &self.recent {
            w.write_u64(*h);
            w.write_bytes(&id.0);
        }
        w.write_u32(self.outputs.len() as u32);
        for o in self.outputs.values() {
            w.write_bytes(&o.id.0);
            write_owner(w, o.owner);
            o.opening.encode(w);
            w.write_scalar(&o.tweak);
            w.write_point(&o.predicate);
            w.write_bytes(&o.anchor.0);
            o.proof.encode(w);
            w.write_u64(o.height);
            write_opt_txid(w, &o.reserved_by);
        }
        w.write_u32(self.pending.len() as u32);
        for p in self.pending.values() {
            w.write_bytes(&p.id.0);
            w.write_u32(p.inputs.len() as u32);
            for i in &p.inputs {
                w.write_bytes(&i.0);
            }
            w.write_u64(p.maxtime_ms);
            w.write_u32(p.incoming.len() as u32);
            for (owner, qty, flv) in &p.incoming {
                write_owner(w, *owner);
                w.write_u64(*qty);
                w.write_scalar(flv);
            }
            match self.signed.get(&p.id) {
                None => w.write_u8(0),
                Some(tx) => {
                    w.write_u8(1);
                    w.write_len_prefixed(&tx.encode_to_vec());
                }
            }
        }
        w.write_u32(self.watched.len() as u32);
        for (id, x) in &self.watched {
            w.write_bytes(&id.0);
            write_owner(w, x.owner);
            x.opening.encode(w);
            w.write_point(&x.predicate);
            w.write_bytes(&x.anchor.0);
        }
        w.write_u32(self.requests.len() as u32);
        for (i, q) in &self.requests {
            w.write_u64(*i);
            w.write_u64(q.account);
            w.write_u64(q.qty);
            w.write_scalar(&q.flavor);
            w.write_u64(q.expiry_ms);
        }
        w.write_u64(self.next_request);
        match self.highest_account {
            None => w.write_u8(0),
            Some(n) => {
                w.write_u8(1);
                w.write_u64(n);
            }
        }
    }

    /// Reads the explicit encoding.
    pub fn decode(r: &mut Reader<'_>) -> Result<Ledger, WalletError> {
        let version = r.read_u8()?;
        if version != LEDGER_VERSION {
            return Err(WalletError::LedgerVersion { found: version });
        }
        let tip = match r.read_u8()? {
            0 => None,
            1 => Some(Checkpoint::decode(r)?),
            _ => return Err(WalletError::Malformed { what: "tip" }),
        };
        let mut ledger = Ledger {
            tip,
            ..Ledger::default()
        };
        for _ in 0..r.read_count(40)? {
            ledger
                .recent
                .push_back((r.read_u64()?, BlockId(r.read_array()?)));
        }
        for _ in 0..r.read_count(MIN_OUTPUT_LEN)? {
            let id = ContractId(r.read_array()?);
            let o = OwnedOutput {
                id,
                owner: read_owner(r)?,
                opening: Opening::decode(r)?,
                tweak: r.read_scalar()?,
                predicate: r.read_point()?,
                anchor: Anchor(r.read_array()?),
                proof: read_proof(r)?,
                height: r.read_u64()?,
                reserved_by: read_opt_txid(r)?,
            };
            insert_in_order(&mut ledger.outputs, id, o, "output order")?;
        }
        for _ in 0..r.read_count(32 + 4 + 8 + 4 + 1)? {
            let id = TxId(r.read_array()?);
            let mut inputs = Vec::new();
            for _ in 0..r.read_count(32)? {
                inputs.push(ContractId(r.read_array()?));
            }
            let maxtime_ms = r.read_u64()?;
            let mut incoming = Vec::new();
            for _ in 0..r.read_count(9 + 8 + 32)? {
                incoming.push((read_owner(r)?, r.read_u64()?, r.read_scalar()?));
            }
            let tx = PendingTx {
                id,
                inputs,
                maxtime_ms,
                incoming,
            };
            insert_in_order(&mut ledger.pending, id, tx, "pending order")?;
            if let Some(signed) = read_signed(r)? {
                ledger.signed.insert(id, signed);
            }
        }
        for _ in 0..r.read_count(32 + 9 + 113 + 64)? {
            let id = ContractId(r.read_array()?);
            let w = Watched {
                owner: read_owner(r)?,
                opening: Opening::decode(r)?,
                predicate: r.read_point()?,
                anchor: Anchor(r.read_array()?),
            };
            insert_in_order(&mut ledger.watched, id, w, "watched order")?;
        }
        for _ in 0..r.read_count(8 * 4 + 32)? {
            let i = r.read_u64()?;
            let q = OpenRequest {
                account: r.read_u64()?,
                qty: r.read_u64()?,
                flavor: r.read_scalar()?,
                expiry_ms: r.read_u64()?,
            };
            insert_in_order(&mut ledger.requests, i, q, "request order")?;
        }
        ledger.next_request = r.read_u64()?;
        ledger.highest_account = match r.read_u8()? {
            0 => None,
            1 => Some(r.read_u64()?),
            _ => {
                return Err(WalletError::Malformed {
                    what: "highest account",
                })
            }
        };
        Ok(ledger)
    }

    /// The encoding as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        self.encode(&mut w);
        w
    }

    /// Decodes bytes that hold exactly one ledger.
    pub fn from_bytes(bytes: &[u8]) -> Result<Ledger, WalletError> {
        Reader::parse(bytes, Ledger::decode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::KeyKind;
    use merkle::Hash;

    fn opening(qty: u64) -> Opening {
        Opening {
            key: KeyKind::Request(4),
            qty,
            flavor: Scalar::from(2u64),
            qty_blinding: Scalar::from(3u64),
            flv_blinding: Scalar::from(5u64),
        }
    }

    fn tip() -> Checkpoint {
        let forest = Forest::from_parts(2, 5, vec![Hash([7; 32]), Hash([8; 32])]).unwrap();
        let header = BlockHeader {
            version: 1,
            height: 3,
            prev: BlockId([1; 32]),
            timestamp_ms: 9,
            txroot: Hash([3; 32]),
            utxoroot: forest.root(),
            ext: Vec::new(),
        };
        Checkpoint::new(header, forest).unwrap()
    }

    /// The encoded length of the version byte and the tip.
    fn tip_len() -> usize {
        let t = tip();
        1 + 1 + t.header().encoded_len() + t.forest().encoded_len()
    }

    fn signed_tx() -> Tx {
        Tx {
            header: zkvm::TxHeader {
                version: 1,
                mintime_ms: 0,
                maxtime_ms: 100,
            },
            program: vec![1, 2, 3],
            signature: zkvm::tx::empty_signature(),
            proof: zkvm::R1csProof::from_bytes(&[0u8; 1 + 32 * 13]).unwrap(),
        }
    }

    fn sample() -> Ledger {
        let mut l = Ledger {
            tip: Some(tip()),
            next_request: 5,
            highest_account: Some(1),
            ..Ledger::default()
        };
        l.recent.push_back((3, BlockId([1; 32])));
        for (n, owner) in [(1u8, Owner::Account(0)), (2, Owner::Shared)] {
            let id = ContractId([n; 32]);
            l.outputs.insert(
                id,
                OwnedOutput {
                    id,
                    owner,
                    opening: opening(u64::from(n) * 10),
                    tweak: Scalar::from(7u64),
                    predicate: CompressedRistretto([0; 32]),
                    anchor: Anchor([n; 32]),
                    proof: Proof::Transient,
                    height: 2,
                    reserved_by: None,
                },
            );
        }
        l.reserve(PendingTx {
            id: TxId([8; 32]),
            inputs: vec![ContractId([1; 32])],
            maxtime_ms: 100,
            incoming: vec![(Owner::Account(0), 4, Scalar::from(2u64))],
        });
        l.signed.insert(TxId([8; 32]), signed_tx());
        l.watched.insert(
            ContractId([6; 32]),
            Watched {
                owner: Owner::Account(1),
                opening: opening(1),
                predicate: CompressedRistretto([0; 32]),
                anchor: Anchor([6; 32]),
            },
        );
        l.requests.insert(
            4,
            OpenRequest {
                account: 1,
                qty: 1,
                flavor: Scalar::from(2u64),
                expiry_ms: 50,
            },
        );
        l
    }

    #[test]
    fn the_encoding_round_trips() {
        let l = sample();
        let bytes = l.to_bytes();
        let back = Ledger::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.tip, Some(tip()));
        assert_eq!(back.signed.get(&TxId([8; 32])), Some(&signed_tx()));
        assert_eq!(back.highest_account, Some(1));
        assert_eq!(
            back.balance(Owner::Account(0), Scalar::from(2u64)),
            l.balance(Owner::Account(0), Scalar::from(2u64))
        );
    }

    /// Found by the `wallet` fuzz target: a repeated (or misordered) entry decoded,
    /// losing one entry and re-encoding differently.
    #[test]
    fn a_repeated_entry_is_refused() {
        let mut l = sample();
        l.pending.clear();
        l.outputs.retain(|id, _| id.0 == [2; 32]);
        let bytes = l.to_bytes();
        // version, tip, one recent block, then the output count and the output.
        let count_at = tip_len() + (4 + 40);
        let start = count_at + 4;
        let end = start + output_len(&bytes, start);
        let mut twice = bytes[..count_at].to_vec();
        twice.extend(2u32.to_le_bytes());
        twice.extend_from_slice(&bytes[start..end]);
        twice.extend_from_slice(&bytes[start..]);
        assert_eq!(Ledger::from_bytes(&bytes).unwrap().to_bytes(), bytes);
        assert!(matches!(
            Ledger::from_bytes(&twice),
            Err(WalletError::Malformed {
                what: "output order"
            })
        ));
    }

    /// Found by the `wallet` fuzz target: the shared owner with a number decoded and
    /// re-encoded without it.
    #[test]
    fn a_shared_owner_with_a_number_is_refused() {
        let mut bytes = Vec::new();
        write_owner(&mut bytes, Owner::Shared);
        let mut r = encoding::Reader::new(&bytes);
        assert_eq!(read_owner(&mut r).ok(), Some(Owner::Shared));
        bytes[1] = 3;
        let mut r = encoding::Reader::new(&bytes);
        assert!(matches!(
            read_owner(&mut r),
            Err(WalletError::Malformed { what: "owner" })
        ));
    }

    /// The length of the output encoded at `start`: what reading one consumes.
    fn output_len(bytes: &[u8], start: usize) -> usize {
        let mut r = encoding::Reader::new(&bytes[start..]);
        r.read_array::<32>().unwrap();
        read_owner(&mut r).unwrap();
        Opening::decode(&mut r).unwrap();
        r.read_scalar().unwrap();
        r.read_point().unwrap();
        r.read_array::<32>().unwrap();
        read_proof(&mut r).unwrap();
        r.read_u64().unwrap();
        read_opt_txid(&mut r).unwrap();
        bytes.len() - start - r.remaining()
    }

    #[test]
    fn balances_split_confirmed_locked_and_pending() {
        let mut l = sample();
        let flavor = Scalar::from(2u64);
        assert_eq!(
            l.balance(Owner::Account(0), flavor),
            Balance {
                confirmed: 0,
                pending: 4,
                locked: 10
            }
        );
        assert_eq!(l.balance(Owner::Account(1), flavor).pending, 1);
        assert_eq!(l.balance(Owner::Shared, flavor).confirmed, 20);
        l.release(&TxId([8; 32])).unwrap();
        assert_eq!(l.balance(Owner::Account(0), flavor).confirmed, 10);
        assert_eq!(
            l.release(&TxId([8; 32])),
            Err(WalletError::UnknownTx(TxId([8; 32])))
        );
    }

    #[test]
    fn malformed_encodings_are_refused_without_large_allocations() {
        let bytes = sample().to_bytes();
        for cut in [0, 1, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(Ledger::from_bytes(&bytes[..cut]).is_err());
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Ledger::from_bytes(&long).is_err());
        // A ledger of version 1 (no header, forest or signed transactions).
        let mut version = bytes.clone();
        version[0] = 1;
        assert_eq!(
            Ledger::from_bytes(&version).unwrap_err(),
            WalletError::LedgerVersion { found: 1 }
        );
        // A tip whose forest is not the one its header commits to.
        let mut forest = bytes.clone();
        forest[tip_len() - 1] ^= 1;
        assert!(matches!(
            Ledger::from_bytes(&forest),
            Err(WalletError::CheckpointMismatch { height: 3, .. })
        ));
        // A huge count of recent blocks right after the tip.
        let mut huge = bytes;
        let at = tip_len();
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Ledger::from_bytes(&huge),
            Err(WalletError::State(_))
        ));
    }
}
