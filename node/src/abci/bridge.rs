//! The bridge to an Ethereum L1 inside the application (`spec/abci.md`, "bridge";
//! the rules themselves are the `bridge` crate's, `spec/bridge.md`).
//!
//! - The genesis names the bridge ([`BridgeGenesis`] in the app state) and holds its
//!   first anchor output.
//! - `ExtendVote`: a validator with an L1 link reports the deposits its L1 node shows
//!   with enough confirmations and signs the pending withdrawals and the checkpoint
//!   due ([`bridge::VoteExtension`]).
//! - `PrepareProposal`: the proposer tallies the extensions of the last commit; its
//!   block starts with a [`TallyEntry`] (the signatures that reached two thirds of
//!   the L1 power) and the imports of the agreed deposits.
//! - `ProcessProposal`: a validator checks the tally entry's signatures itself and,
//!   if it has an L1 link, accepts an import only of a deposit its own L1 node shows
//!   confirmed; then every transaction passes [`bridge::apply_tx`].
//! - `Commit`: the bridge's state after the block ([`Committed`]) is written to the
//!   data directory (one file per height, the last few kept) before the store's
//!   commit; the app hash commits to its root ([`app_hash`]).

use crate::error::NodeError;
use alloy::primitives::{Address, B256};
use blockchain::{BlockHeader, BlockTx};
use bridge::import::read_marker;
use bridge::l1::L1;
use bridge::{
    BridgeState, Checkpoint, DepositReport, Domain, EthSignature, SignatureSet, ValidatorKey,
    ValidatorSet, Withdrawal,
};
use encoding::{Encodable, Reader, Writer};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tendermint::AppHash;
use zkvm::{TxEntry, VerifiedTx};

/// The folder of the data directory holding the bridge's state per height.
pub const BRIDGE_DIR: &str = "bridge";
/// The bridge's genesis in the data directory.
const GENESIS_FILE: &str = "genesis.json";
/// How many committed heights of the bridge state are kept on disk.
const KEEP_HEIGHTS: u64 = 4;
/// The file of every height's bridge root, for light wallets.
const ROOTS_FILE: &str = "roots.bin";
/// How many signed checkpoints the state keeps for relayers.
const KEEP_CHECKPOINTS: usize = 16;
/// Version of the files and of the tally entry.
const VERSION: u8 = 1;

/// The bridge as the genesis fixes it (the `bridge` object of the app state).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeGenesis {
    /// The L1's chain ID (EIP-155).
    pub chain_id: u64,
    /// The bridge contract's address, `0x` and 40 hex digits.
    pub contract: String,
    /// The contract's validator set: L1 addresses with their powers.
    pub validators: Vec<L1Validator>,
    /// Every this many blocks the validators sign a checkpoint (0: never).
    pub checkpoint_interval: u64,
}

/// One member of the contract's validator set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1Validator {
    /// Its L1 address, `0x` and 40 hex digits.
    pub address: String,
    /// Its voting power in the contract.
    pub power: u64,
}

impl BridgeGenesis {
    /// The bridge of `contract` on L1 chain `chain_id`, whose validator set is
    /// `validators`, with a checkpoint every `interval` blocks.
    pub fn new(chain_id: u64, contract: Address, validators: &ValidatorSet, interval: u64) -> Self {
        BridgeGenesis {
            chain_id,
            contract: contract.to_string(),
            validators: validators
                .members()
                .map(|(a, power)| L1Validator {
                    address: a.to_string(),
                    power,
                })
                .collect(),
            checkpoint_interval: interval,
        }
    }

    /// The domain of every digest: the chain and the contract.
    pub fn domain(&self) -> Result<Domain, NodeError> {
        Ok(Domain {
            chain_id: self.chain_id,
            bridge: parse_address("bridge contract", &self.contract)?,
        })
    }

    /// The contract's validator set.
    pub fn validator_set(&self) -> Result<ValidatorSet, NodeError> {
        let members = self
            .validators
            .iter()
            .map(|v| Ok((parse_address("L1 validator", &v.address)?, v.power)))
            .collect::<Result<Vec<_>, NodeError>>()?;
        Ok(ValidatorSet::new(members)?)
    }

    /// The bridge's state at the genesis.
    pub fn state(&self) -> Result<BridgeState, NodeError> {
        Ok(BridgeState::genesis(self.domain()?))
    }
}

/// The validator set of some L1 key files, power 1 each.
pub fn validator_set_of(key_files: &[PathBuf]) -> Result<ValidatorSet, NodeError> {
    let members = key_files
        .iter()
        .map(|f| Ok((ValidatorKey::load(f)?.address(), 1)))
        .collect::<Result<Vec<_>, NodeError>>()?;
    Ok(ValidatorSet::new(members)?)
}

/// An L1 address from `0x` and 40 hex digits.
pub fn parse_address(what: &'static str, text: &str) -> Result<Address, NodeError> {
    text.parse().map_err(|e| NodeError::Invalid {
        what,
        reason: format!("{text:?} is not an L1 address (0x and 40 hex digits): {e}"),
    })
}

/// A withdrawal or checkpoint with the signatures that make it payable.
pub type Signed<T> = (T, Vec<EthSignature>);

/// The bridge after a committed block: its consensus state, the signatures a
/// relayer needs, and the checkpoints to sign.
#[derive(Clone, Debug, PartialEq)]
pub struct Committed {
    /// Our height of the block.
    pub height: u64,
    /// The consensus state.
    pub state: BridgeState,
    /// The withdrawals signed by more than two thirds of the L1 power, with the
    /// signatures, in the order they were signed.
    pub withdrawals: Vec<Signed<Withdrawal>>,
    /// The last signed checkpoints, oldest first.
    pub checkpoints: Vec<Signed<Checkpoint>>,
    /// The checkpoint of this block, if one is due: validators sign it in their next
    /// vote extension.
    pub due: Option<Checkpoint>,
    /// The checkpoint the votes of the next proposal's last commit signed (the
    /// previous block's `due`).
    pub voted: Option<Checkpoint>,
}

impl Committed {
    /// The bridge at the genesis (our height 1).
    pub fn genesis(state: BridgeState) -> Self {
        Committed {
            height: 1,
            state,
            withdrawals: Vec::new(),
            checkpoints: Vec::new(),
            due: None,
            voted: None,
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, NodeError> {
        expect_version(r)?;
        let height = r.read_u64()?;
        let len = r.read_count(1)?;
        let state = BridgeState::from_bytes(r.read_bytes(len)?)?;
        let withdrawals = read_list(r, Withdrawal::ENCODED_LEN, |r| {
            Ok((Withdrawal::read(r)?, read_signatures(r)?))
        })?;
        let checkpoints = read_list(r, Checkpoint::ENCODED_LEN, |r| {
            Ok((Checkpoint::read(r)?, read_signatures(r)?))
        })?;
        let due = read_option(r, |r| Ok(Checkpoint::read(r)?))?;
        let voted = read_option(r, |r| Ok(Checkpoint::read(r)?))?;
        Ok(Committed {
            height,
            state,
            withdrawals,
            checkpoints,
            due,
            voted,
        })
    }

    /// The encoding of the file.
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = vec![VERSION];
        w.write_u64(self.height);
        let state = self.state.encode_to_vec();
        w.write_u32(state.len() as u32);
        w.write_bytes(&state);
        write_list(&mut w, &self.withdrawals, |w, (x, sigs)| {
            x.encode(w);
            write_signatures(w, sigs);
        });
        write_list(&mut w, &self.checkpoints, |w, (x, sigs)| {
            x.encode(w);
            write_signatures(w, sigs);
        });
        for c in [&self.due, &self.voted] {
            match c {
                Some(c) => {
                    w.write_u8(1);
                    c.encode(&mut w);
                }
                None => w.write_u8(0),
            }
        }
        w
    }

    /// Moves on to the block at `header`, whose app hash is `hash`: a checkpoint is
    /// due every `interval` blocks.
    pub fn close(&mut self, header: &BlockHeader, hash: &AppHash, interval: u64) {
        self.height = header.height;
        self.voted = self.due.take();
        if interval > 0 && header.height.is_multiple_of(interval) {
            self.due = Some(Checkpoint {
                height: header.height,
                block_id: B256::from(header.id().0),
                utxo_root: B256::from(header.utxoroot.0),
                app_hash: B256::from_slice(hash.as_bytes()),
            });
        }
    }
}

fn expect_version(r: &mut Reader<'_>) -> Result<(), NodeError> {
    match r.read_u8()? {
        VERSION => Ok(()),
        v => Err(NodeError::Invalid {
            what: "bridge encoding",
            reason: format!("version {v}, this node reads {VERSION}"),
        }),
    }
}

fn read_list<T>(
    r: &mut Reader<'_>,
    min_size: usize,
    mut item: impl FnMut(&mut Reader<'_>) -> Result<T, NodeError>,
) -> Result<Vec<T>, NodeError> {
    let n = r.read_count(min_size)?;
    (0..n).map(|_| item(r)).collect()
}

fn write_list<T>(w: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T)) {
    w.write_u32(items.len() as u32);
    for x in items {
        item(w, x);
    }
}

fn read_option<T>(
    r: &mut Reader<'_>,
    item: impl FnOnce(&mut Reader<'_>) -> Result<T, NodeError>,
) -> Result<Option<T>, NodeError> {
    match r.read_u8()? {
        0 => Ok(None),
        1 => item(r).map(Some),
        tag => Err(NodeError::Invalid {
            what: "bridge encoding",
            reason: format!("option tag {tag} (0 or 1)"),
        }),
    }
}

fn read_signatures(r: &mut Reader<'_>) -> Result<Vec<EthSignature>, NodeError> {
    read_list(r, EthSignature::ENCODED_LEN, |r| Ok(EthSignature::read(r)?))
}

fn write_signatures(w: &mut Vec<u8>, sigs: &[EthSignature]) {
    write_list(w, sigs, |w, s| s.write(w));
}

/// The files of the bridge in a data directory.
#[derive(Clone, Debug)]
pub struct BridgeFiles {
    dir: PathBuf,
}

impl BridgeFiles {
    /// The bridge folder of data directory `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        BridgeFiles {
            dir: data_dir.join(BRIDGE_DIR),
        }
    }

    /// The bridge's genesis, if the chain here is bridged.
    pub fn genesis(&self) -> Result<Option<BridgeGenesis>, NodeError> {
        let path = self.dir.join(GENESIS_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| NodeError::Corrupt(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(NodeError::io(path, e)),
        }
    }

    /// Records the bridge's genesis and its first state.
    pub fn create(&self, genesis: &BridgeGenesis, first: &Committed) -> Result<(), NodeError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| NodeError::io(&self.dir, e))?;
        let json = serde_json::to_vec_pretty(genesis).expect("plain data");
        write_atomic(&self.dir.join(GENESIS_FILE), &json)?;
        self.save(first)
    }

    /// The state after our block `height`.
    pub fn load(&self, height: u64) -> Result<Committed, NodeError> {
        let path = self.state_path(height);
        let bytes = std::fs::read(&path).map_err(|e| NodeError::io(&path, e))?;
        Reader::parse(&bytes, Committed::read)
            .map_err(|e| NodeError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// Writes the state of a height and its root, and forgets old heights' states.
    pub fn save(&self, committed: &Committed) -> Result<(), NodeError> {
        write_atomic(&self.state_path(committed.height), &committed.to_bytes())?;
        self.keep_root(committed)?;
        if let Some(old) = committed.height.checked_sub(KEEP_HEIGHTS) {
            // Gone already after a restart: nothing to do.
            let _ = std::fs::remove_file(self.state_path(old));
        }
        Ok(())
    }

    /// Keeps the root of `committed`'s state by its height in `roots.bin` (32 bytes
    /// a height, at `(height − 1) · 32`), for light wallets: the app hash of every
    /// height commits to it. Writing it again is harmless (a replay, or the repair
    /// at start of a write a crash cut short).
    pub fn keep_root(&self, committed: &Committed) -> Result<(), NodeError> {
        use std::io::{Seek, SeekFrom, Write};
        let path = self.dir.join(ROOTS_FILE);
        let offset = root_offset(committed.height)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| NodeError::io(&path, e))?;
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.write_all(&committed.state.root()))
            .map_err(|e| NodeError::io(&path, e))
    }

    /// The bridge root after our block `height`, if kept (none for heights before
    /// the node kept roots, or before it joined).
    pub fn root_at(&self, height: u64) -> Result<Option<[u8; 32]>, NodeError> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.dir.join(ROOTS_FILE);
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(NodeError::io(&path, e)),
        };
        let mut root = [0u8; 32];
        let read = file
            .seek(SeekFrom::Start(root_offset(height)?))
            .and_then(|_| file.read_exact(&mut root));
        match read {
            // A hole of a height never written reads as zeros.
            Ok(()) if root != [0; 32] => Ok(Some(root)),
            Ok(()) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(NodeError::io(&path, e)),
        }
    }

    fn state_path(&self, height: u64) -> PathBuf {
        self.dir.join(format!("state-{height}.bin"))
    }
}

/// Where the root of `height` sits in `roots.bin`.
fn root_offset(height: u64) -> Result<u64, NodeError> {
    height
        .checked_sub(1)
        .and_then(|h| h.checked_mul(32))
        .ok_or_else(|| NodeError::Invalid {
            what: "bridge height",
            reason: format!("no root is kept for height {height}"),
        })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| NodeError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| NodeError::io(path, e))
}

/// The app hash of a bridged chain: our block ID and the bridge state's root
/// ([`crate::light::cometbft::bridged_app_hash`], which light wallets check).
pub fn app_hash(tip: &BlockHeader, state: &BridgeState) -> AppHash {
    let hash = crate::light::cometbft::bridged_app_hash(&tip.id(), &state.root());
    AppHash::try_from(hash.to_vec()).expect("any bytes make an app hash")
}

/// What a proposer found signed by more than two thirds of the L1 power; the first
/// transaction of a bridged block when it is not empty.
///
/// Encoding: `"ZkVMBridgeTally!" ‖ 1 ‖ LE32 n ‖ n × (withdrawal ID ‖ signatures) ‖
/// checkpoint option (1 ‖ LE64 height ‖ signatures, or 0)`, signatures as `LE32 k ‖
/// k × 65 bytes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TallyEntry {
    /// Withdrawals (by ID) and their signatures.
    pub withdrawals: Vec<(B256, Vec<EthSignature>)>,
    /// The checkpoint's height and its signatures.
    pub checkpoint: Option<(u64, Vec<EthSignature>)>,
}

impl TallyEntry {
    /// What starts the entry; never the start of a transaction's encoding, whose
    /// first eight bytes are a small version number.
    pub const MAGIC: &'static [u8; 16] = b"ZkVMBridgeTally!";

    /// The entry of a tally.
    pub fn of(tally: &bridge::Tally) -> Self {
        TallyEntry {
            withdrawals: tally
                .withdrawals
                .iter()
                .map(|(w, s)| (w.id(), s.clone()))
                .collect(),
            checkpoint: tally
                .checkpoint
                .as_ref()
                .map(|(c, s)| (c.height, s.clone())),
        }
    }

    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.withdrawals.is_empty() && self.checkpoint.is_none()
    }

    /// The entry in `bytes`, if they start with the magic.
    pub fn decode(bytes: &[u8]) -> Option<Result<Self, NodeError>> {
        let rest = bytes.strip_prefix(Self::MAGIC.as_slice())?;
        Some(Reader::parse(rest, |r| {
            expect_version(r)?;
            let withdrawals = read_list(r, 32 + 4, |r| {
                Ok((B256::from(r.read_array::<32>()?), read_signatures(r)?))
            })?;
            let checkpoint = read_option(r, |r| Ok((r.read_u64()?, read_signatures(r)?)))?;
            Ok(TallyEntry {
                withdrawals,
                checkpoint,
            })
        }))
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Self::MAGIC.to_vec();
        w.write_u8(VERSION);
        write_list(&mut w, &self.withdrawals, |w, (id, sigs)| {
            w.write_bytes(id.as_slice());
            write_signatures(w, sigs);
        });
        match &self.checkpoint {
            Some((height, sigs)) => {
                w.write_u8(1);
                w.write_u64(*height);
                write_signatures(&mut w, sigs);
            }
            None => w.write_u8(0),
        }
        w
    }
}

/// Why the bridge refuses a block.
#[derive(Debug)]
pub enum Refusal {
    /// The tally entry is wrong.
    Entry(NodeError),
    /// The transaction at this index (of the block's transactions, the entry not
    /// counted) breaks the bridge's rule.
    Tx(usize, NodeError),
}

/// A bridged chain: what its genesis fixes and its state at the last commit.
#[derive(Clone, Debug)]
pub struct Bridged {
    /// The genesis of the bridge.
    pub genesis: BridgeGenesis,
    /// The contract's validator set.
    pub validators: ValidatorSet,
    /// The state after the last committed block.
    pub committed: Committed,
}

impl Bridged {
    /// The bridge of `genesis` at `committed`.
    pub fn new(genesis: BridgeGenesis, committed: Committed) -> Result<Self, NodeError> {
        Ok(Bridged {
            validators: genesis.validator_set()?,
            genesis,
            committed,
        })
    }

    /// The state after a block of `entry` and `txs` (verified as `verified`), or why
    /// the bridge refuses it. `agreed` decides which deposits the imports may
    /// import: the block's own import markers once the block is decided, those the
    /// validator's L1 node confirms before.
    pub fn apply(
        &self,
        entry: &TallyEntry,
        txs: &[BlockTx],
        verified: &[VerifiedTx],
        agreed: &[DepositReport],
    ) -> Result<Committed, Refusal> {
        let mut next = self.committed.clone();
        self.apply_entry(&mut next, entry).map_err(Refusal::Entry)?;
        for (i, (btx, v)) in txs.iter().zip(verified).enumerate() {
            bridge::apply_tx(&mut next.state, &btx.tx, v, agreed)
                .map_err(|e| Refusal::Tx(i, e.into()))?;
        }
        Ok(next)
    }

    fn apply_entry(&self, next: &mut Committed, entry: &TallyEntry) -> Result<(), NodeError> {
        let domain = *next.state.domain();
        for (id, sigs) in &entry.withdrawals {
            let w = next
                .state
                .pending_withdrawals()
                .into_iter()
                .find(|w| w.id() == *id)
                .ok_or_else(|| entry_error(format!("withdrawal {id} is not pending")))?;
            let ordered =
                SignatureSet::collect(w.digest(&domain), sigs.iter().copied(), &self.validators)?;
            next.state.mark_signed(id)?;
            next.withdrawals.push((w, ordered));
        }
        if let Some((height, sigs)) = &entry.checkpoint {
            let c = next
                .voted
                .filter(|c| c.height == *height)
                .ok_or_else(|| entry_error(format!("no checkpoint of height {height} is due")))?;
            let ordered =
                SignatureSet::collect(c.digest(&domain), sigs.iter().copied(), &self.validators)?;
            next.checkpoints.push((c, ordered));
            let excess = next.checkpoints.len().saturating_sub(KEEP_CHECKPOINTS);
            next.checkpoints.drain(..excess);
        }
        Ok(())
    }
}

fn entry_error(reason: String) -> NodeError {
    NodeError::Invalid {
        what: "bridge tally entry",
        reason,
    }
}

/// The deposits the imports among `verified` name (their markers).
pub fn imported_deposits(verified: &[VerifiedTx]) -> Vec<DepositReport> {
    let issuer = bridge::flavor::issuer_verification_key();
    verified
        .iter()
        .filter(|v| v.signers.contains(&issuer))
        .filter_map(|v| {
            v.log.entries().iter().rev().find_map(|e| match e {
                TxEntry::Data(d) => read_marker(d),
                _ => None,
            })
        })
        .collect()
}

/// Splits a bridged block's transactions into its tally entry and the rest.
pub fn split_entry(txs: &[bytes::Bytes]) -> Result<(TallyEntry, &[bytes::Bytes]), NodeError> {
    match txs.first().and_then(|t| TallyEntry::decode(t)) {
        Some(entry) => Ok((entry?, &txs[1..])),
        None => Ok((TallyEntry::default(), txs)),
    }
}

/// How a validator reaches the L1: its key and what its L1 node shows.
#[derive(Debug)]
pub struct L1Link {
    /// The validator's L1 key, which signs withdrawals and checkpoints.
    pub key: ValidatorKey,
    /// Confirmations a deposit needs before it is reported.
    pub confirmations: u64,
    url: String,
    seen: Mutex<Vec<DepositReport>>,
}

impl L1Link {
    /// The link to the L1 node at `url` with `key`.
    pub fn new(url: &str, key: ValidatorKey, confirmations: u64) -> Arc<Self> {
        Arc::new(L1Link {
            key,
            confirmations,
            url: url.to_string(),
            seen: Mutex::default(),
        })
    }

    /// The deposits seen with enough confirmations at the last look.
    pub fn confirmed(&self) -> Vec<DepositReport> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records what the L1 node shows now: the deposits with enough confirmations.
    pub fn observe(&self, deposits: Vec<DepositReport>) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = deposits;
    }

    /// Refuses the first of `deposits` the L1 node does not show confirmed.
    pub fn check(&self, deposits: &[DepositReport]) -> Result<(), NodeError> {
        let seen = self.confirmed();
        match deposits.iter().find(|d| !seen.contains(d)) {
            None => Ok(()),
            Some(d) => Err(NodeError::Invalid {
                what: "import",
                reason: format!(
                    "deposit {} is not confirmed by this validator's L1 node",
                    d.nonce
                ),
            }),
        }
    }

    /// Looks at the L1 every `every` for the deposits to the contract that
    /// `contract()` names (none yet: the chain does not exist here), until the
    /// process ends. An L1 that does not answer is retried; what was seen stays.
    pub async fn watch(
        self: Arc<Self>,
        contract: impl Fn() -> Option<Address> + Send,
        every: Duration,
    ) {
        let mut l1 = None;
        loop {
            tokio::time::sleep(every).await;
            let Some(address) = contract() else { continue };
            if l1.is_none() {
                match L1::connect(&self.url, self.key.signer().clone()).await {
                    Ok(c) => l1 = Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, url = %self.url, "the L1 node does not answer; retrying");
                        continue;
                    }
                }
            }
            let Some(client) = &l1 else { continue };
            match client.bridge(address).deposits(0, self.confirmations).await {
                Ok(deposits) => self.observe(deposits),
                Err(e) => tracing::warn!(error = %e, "reading the bridge's deposits failed"),
            }
        }
    }
}

/// What `/bridge/signed` answers and `bridge relay` reads: the signed withdrawals
/// and checkpoints, as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedView {
    /// The bridge's L1 chain ID.
    pub chain_id: u64,
    /// The contract.
    pub contract: String,
    /// Signed withdrawals, each as the hex of its encoding with its signatures.
    pub withdrawals: Vec<SignedItem>,
    /// Signed checkpoints.
    pub checkpoints: Vec<SignedItem>,
}

/// One signed message as hex: the message's encoding and the 65-byte signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedItem {
    /// The hex of the withdrawal's or checkpoint's encoding.
    pub message: String,
    /// The hex of each signature, in signer order.
    pub signatures: Vec<String>,
}

impl SignedView {
    /// The view of a bridge state.
    pub fn of(committed: &Committed) -> Self {
        let item = |message: Vec<u8>, sigs: &[EthSignature]| SignedItem {
            message: hex::encode(message),
            signatures: sigs
                .iter()
                .map(|s| {
                    let mut w = Vec::new();
                    s.write(&mut w);
                    hex::encode(w)
                })
                .collect(),
        };
        let domain = committed.state.domain();
        SignedView {
            chain_id: domain.chain_id,
            contract: domain.bridge.to_string(),
            withdrawals: committed
                .withdrawals
                .iter()
                .map(|(w, s)| item(w.encode_to_vec(), s))
                .collect(),
            checkpoints: committed
                .checkpoints
                .iter()
                .map(|(c, s)| item(c.encode_to_vec(), s))
                .collect(),
        }
    }
}

/// Where the HTTP API reads what `/bridge/signed` answers: the application's state.
#[derive(Clone)]
pub struct BridgeView {
    signed: Arc<dyn Fn() -> Option<SignedView> + Send + Sync>,
    files: BridgeFiles,
}

impl core::fmt::Debug for BridgeView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BridgeView")
    }
}

impl BridgeView {
    /// The view of the signed messages `read` gives (none on a chain without a
    /// bridge) and of the bridge's files in the node's data directory `data_dir`.
    pub fn new(
        read: impl Fn() -> Option<SignedView> + Send + Sync + 'static,
        data_dir: &Path,
    ) -> Self {
        BridgeView {
            signed: Arc::new(read),
            files: BridgeFiles::new(data_dir),
        }
    }

    /// The signed withdrawals and checkpoints now.
    pub fn signed(&self) -> Option<SignedView> {
        (self.signed)()
    }

    /// The bridge root after our block `height`, if the node kept it.
    pub fn root_at(&self, height: u64) -> Result<Option<[u8; 32]>, NodeError> {
        self.files.root_at(height)
    }
}

impl SignedItem {
    /// The message and signatures, decoded with `read`.
    pub fn decode<T>(
        &self,
        read: impl FnOnce(&mut Reader<'_>) -> Result<T, bridge::BridgeError>,
    ) -> Result<Signed<T>, NodeError> {
        let message = Reader::parse(&NodeError::decode_hex("message", &self.message)?, read)?;
        let sigs = self
            .signatures
            .iter()
            .map(|s| {
                let bytes = NodeError::decode_hex("signature", s)?;
                Ok(Reader::parse(&bytes, EthSignature::read)?)
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        Ok((message, sigs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genesis() -> BridgeGenesis {
        let set = ValidatorSet::new((1..=4).map(|i| (Address::repeat_byte(i), 1))).unwrap();
        BridgeGenesis::new(1337, Address::repeat_byte(9), &set, 5)
    }

    #[test]
    fn the_genesis_gives_the_domain_and_the_validator_set() {
        let g = genesis();
        assert_eq!(g.domain().unwrap().chain_id, 1337);
        assert_eq!(g.validator_set().unwrap().total(), 4);
        let mut bad = g.clone();
        bad.contract = "0x12".into();
        assert!(bad.domain().is_err());
        bad = g;
        bad.validators[1].address = bad.validators[0].address.clone();
        assert!(bad.validator_set().is_err());
        bad.validators[1].address = "0xnothex".into();
        assert!(bad.validator_set().is_err());
    }

    #[test]
    fn committed_states_round_trip_through_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let files = BridgeFiles::new(dir.path());
        let g = genesis();
        let mut c = Committed::genesis(g.state().unwrap());
        assert_eq!(files.genesis().unwrap(), None);
        files.create(&g, &c).unwrap();
        assert_eq!(files.genesis().unwrap(), Some(g));
        assert_eq!(files.load(1).unwrap(), c);
        let key = ValidatorKey::generate(&mut rand_core::OsRng);
        let cp = Checkpoint {
            height: 5,
            block_id: B256::repeat_byte(1),
            utxo_root: B256::repeat_byte(2),
            app_hash: B256::repeat_byte(3),
        };
        let sig = key.sign_digest(&cp.digest(c.state.domain())).unwrap();
        c.height = 7;
        c.checkpoints.push((cp, vec![sig]));
        c.voted = Some(cp);
        files.save(&c).unwrap();
        assert_eq!(files.load(7).unwrap(), c);
        assert!(files.load(6).is_err());
        // Every saved height's root is kept for light wallets; the heights between
        // (never written here) and those past the end have none.
        assert_eq!(files.root_at(1).unwrap(), Some(g_root(&files)));
        assert_eq!(files.root_at(7).unwrap(), Some(c.state.root()));
        assert_eq!(files.root_at(4).unwrap(), None);
        assert_eq!(files.root_at(8).unwrap(), None);
        assert!(files.root_at(0).is_err());
        files.keep_root(&c).unwrap();
        assert_eq!(files.root_at(7).unwrap(), Some(c.state.root()));
    }

    /// The root of the bridge's first state, as its genesis gives it.
    fn g_root(files: &BridgeFiles) -> [u8; 32] {
        files.load(1).unwrap().state.root()
    }

    #[test]
    fn tally_entries_round_trip_and_refuse_junk() {
        let key = ValidatorKey::generate(&mut rand_core::OsRng);
        let sig = key.sign_digest(&B256::repeat_byte(7)).unwrap();
        let entry = TallyEntry {
            withdrawals: vec![(B256::repeat_byte(1), vec![sig, sig])],
            checkpoint: Some((10, vec![sig])),
        };
        let bytes = entry.to_bytes();
        assert_eq!(TallyEntry::decode(&bytes).unwrap().unwrap(), entry);
        assert!(TallyEntry::decode(&bytes[..bytes.len() - 1])
            .unwrap()
            .is_err());
        let mut huge = TallyEntry::MAGIC.to_vec();
        huge.extend_from_slice(&[1, 0xff, 0xff, 0xff, 0xff]);
        assert!(TallyEntry::decode(&huge).unwrap().is_err());
        assert!(TallyEntry::decode(b"not an entry").is_none());
    }

    #[test]
    fn an_entry_with_an_unknown_withdrawal_or_checkpoint_is_refused() {
        let g = genesis();
        let bridged = Bridged::new(g.clone(), Committed::genesis(g.state().unwrap())).unwrap();
        let unknown = TallyEntry {
            withdrawals: vec![(B256::repeat_byte(1), vec![])],
            checkpoint: None,
        };
        assert!(matches!(
            bridged.apply(&unknown, &[], &[], &[]),
            Err(Refusal::Entry(_))
        ));
        let undue = TallyEntry {
            withdrawals: vec![],
            checkpoint: Some((5, vec![])),
        };
        assert!(matches!(
            bridged.apply(&undue, &[], &[], &[]),
            Err(Refusal::Entry(_))
        ));
        assert!(bridged.apply(&TallyEntry::default(), &[], &[], &[]).is_ok());
    }
}
