//! The JSON shapes of the API, in one place: bytes and IDs as lowercase hex, the
//! same error shape everywhere (`{"error": {"code": …, "message": …}}`). Below the
//! routes: the clients of the API (`crate::client`, the transaction tools) read
//! these shapes without depending on the server.

use crate::engine::{EngineStatus, PendingTx};
use crate::genesis::Consensus;
use crate::store::{BlockSummary, TxRecord};
use blockchain::{Block, BlockHeader, BlockTx};
use encoding::Encodable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use utreexo::{Forest, Proof};
use zkvm::{ContractId, FeeRate, Instruction, Program, TxEntry, TxId, TxLog};

/// What a node does in its network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A devnet's producer, signing every block.
    Producer,
    /// A devnet follower, validating the producer's blocks.
    Follower,
    /// The application of a CometBFT node (a validator or a full node): CometBFT
    /// orders the blocks, the application validates them.
    CometBft,
}

impl Role {
    /// Its name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::Follower => "follower",
            Role::CometBft => "cometbft",
        }
    }

    /// The consensus of its chain.
    pub fn consensus(self) -> Consensus {
        match self {
            Role::Producer | Role::Follower => Consensus::Devnet,
            Role::CometBft => Consensus::CometBft,
        }
    }
}

/// `GET /v1/status`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StatusJson {
    /// The tip's height.
    pub height: u64,
    /// The tip's block ID.
    pub tip: String,
    /// The tip's time.
    pub timestamp_ms: u64,
    /// The UTXO root after the tip.
    pub utxoroot: String,
    /// Unspent outputs.
    pub utxos: u64,
    /// Transactions in the mempool.
    pub mempool_txs: usize,
    /// Their size in bytes.
    pub mempool_bytes: usize,
    /// Whether this node produces blocks now (a devnet's producer whose store
    /// works).
    pub producing: bool,
    /// What the node does: `producer`, `follower` or `cometbft`.
    #[serde(default)]
    pub role: String,
    /// Why the node admits and produces nothing now: its store's I/O error, with
    /// the cause. Absent while the node works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What admission (the API's submissions, or CometBFT's `CheckTx`) did since the
    /// node started.
    #[serde(default)]
    pub admission: AdmissionJson,
}

/// Admission counters since the node started.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AdmissionJson {
    /// Submissions checked.
    pub checked: u64,
    /// Submissions admitted.
    pub admitted: u64,
    /// Batches they were checked in, each with one multiscalar multiplication.
    #[serde(default)]
    pub batches: u64,
    /// Wall time spent checking them, in microseconds (a batch's time counts once).
    pub time_us: u64,
}

impl StatusJson {
    /// The status of a node of `role`.
    pub fn new(s: &EngineStatus, role: Role) -> Self {
        StatusJson {
            height: s.tip.height,
            tip: s.tip.id().to_string(),
            timestamp_ms: s.tip.timestamp_ms,
            utxoroot: s.tip.utxoroot.to_string(),
            utxos: s.utxos,
            mempool_txs: s.mempool_txs,
            mempool_bytes: s.mempool_bytes,
            producing: role == Role::Producer && s.fault.is_none(),
            role: role.name().to_string(),
            error: s.fault.as_ref().map(|cause| {
                format!("the store failed ({cause}); nothing is admitted or produced until it works again")
            }),
            admission: AdmissionJson {
                checked: s.admissions.checked,
                admitted: s.admissions.admitted,
                batches: s.admissions.batches,
                time_us: u64::try_from(s.admissions.time.as_micros()).unwrap_or(u64::MAX),
            },
        }
    }
}

/// `GET /v1/genesis`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GenesisJson {
    /// The genesis encoding (time, producer key, signature, initial output IDs).
    pub hex: String,
    /// The producer's verification key.
    pub producer_key: String,
    /// The initial block's ID.
    pub initial_block: String,
    /// How blocks are agreed: `devnet` (every block carries the producer's
    /// signature) or `cometbft` (CometBFT's commits; blocks carry no signature).
    #[serde(default = "devnet")]
    pub consensus: String,
}

fn devnet() -> String {
    "devnet".into()
}

/// A block: its header fields, its transaction IDs and its encoding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BlockJson {
    /// Height.
    pub height: u64,
    /// Block ID.
    pub id: String,
    /// Header version.
    pub version: u64,
    /// The previous block's ID.
    pub prev: String,
    /// Time.
    pub timestamp_ms: u64,
    /// Transaction root.
    pub txroot: String,
    /// UTXO root after the block.
    pub utxoroot: String,
    /// The IDs of its transactions, in order.
    pub txs: Vec<String>,
    /// The size of its encoding.
    pub bytes: usize,
    /// Milliseconds this node spent validating it; `null` if not recorded.
    pub validation_ms: Option<f64>,
    /// The block's encoding.
    pub hex: String,
}

impl BlockJson {
    /// The JSON of a block whose transactions have `txids` and that this node took
    /// `validation` to validate.
    pub fn new(block: &Block, txids: &[TxId], validation: Option<Duration>) -> Self {
        let h: &BlockHeader = &block.header;
        let bytes = block.to_bytes();
        BlockJson {
            height: h.height,
            id: h.id().to_string(),
            version: h.version,
            prev: h.prev.to_string(),
            timestamp_ms: h.timestamp_ms,
            txroot: h.txroot.to_string(),
            utxoroot: h.utxoroot.to_string(),
            txs: txids.iter().map(TxId::to_string).collect(),
            bytes: bytes.len(),
            validation_ms: validation.map(millis),
            hex: hex::encode(bytes),
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `GET /v1/blocks/recent?limit=N`: the last blocks, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RecentJson {
    /// The block summaries, the tip's first.
    pub blocks: Vec<SummaryJson>,
}

/// What the explorer lists of a block.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SummaryJson {
    /// Height.
    pub height: u64,
    /// Block ID.
    pub id: String,
    /// Time.
    pub timestamp_ms: u64,
    /// How many transactions it holds.
    pub txs: usize,
    /// The size of its encoding.
    pub bytes: usize,
    /// Milliseconds this node spent validating it; `null` if not recorded.
    pub validation_ms: Option<f64>,
}

impl From<&BlockSummary> for SummaryJson {
    fn from(s: &BlockSummary) -> Self {
        SummaryJson {
            height: s.header.height,
            id: s.header.id().to_string(),
            timestamp_ms: s.header.timestamp_ms,
            txs: s.txs,
            bytes: s.bytes,
            validation_ms: s.validation.map(millis),
        }
    }
}

/// `GET /v1/forest`: the shape of the Utreexo forest at the tip.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ForestJson {
    /// The forest's generation (blocks that changed it since the start).
    pub generation: u64,
    /// Unspent outputs.
    pub count: u64,
    /// The trees, largest first.
    pub roots: Vec<RootJson>,
}

/// One tree of the forest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RootJson {
    /// Its level: it holds 2^level outputs.
    pub level: usize,
    /// How many outputs it holds.
    pub leaves: u64,
    /// Its root hash.
    pub root: String,
}

impl From<&Forest> for ForestJson {
    fn from(f: &Forest) -> Self {
        ForestJson {
            generation: f.generation(),
            count: f.count(),
            roots: f
                .roots_with_levels()
                .map(|(level, root)| RootJson {
                    level,
                    leaves: 1u64 << level,
                    root: root.to_string(),
                })
                .collect(),
        }
    }
}

/// `GET /v1/blocks?since=H&limit=N`: encoded blocks above `since`, in order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BlocksJson {
    /// The tip's height when the page was read.
    pub tip_height: u64,
    /// The blocks' encodings, heights `since + 1`, `since + 2`, …
    pub blocks: Vec<String>,
}

/// A mined transaction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TxJson {
    /// Transaction ID.
    pub id: String,
    /// Height of its block.
    pub height: u64,
    /// Position in the block.
    pub index: u32,
    /// ID of its block.
    pub block: String,
    /// The block transaction's encoding (transaction, then input proofs).
    pub hex: String,
    /// Its size: the encoding without the input proofs, which its weight counts.
    pub size: usize,
    /// Its fee (the sum of its fee entries).
    pub fee: u64,
    /// Its weight, what a block's limit counts (absent for transactions recorded by
    /// earlier nodes).
    pub weight: Option<u64>,
    /// Fee per weight unit (absent without the weight).
    pub feerate: Option<f64>,
    /// The fee rate as every tool prints it (`0.100 per weight unit`).
    pub feerate_text: Option<String>,
    /// Its program as assembly (hex if the bytecode does not decode).
    pub program: String,
    /// The log.
    pub log: Vec<LogEntryJson>,
    /// The names of the flavors it issues, by the flavor commitment of their `issue`
    /// entries (hex): the issuance metadata as text, or hex.
    #[serde(default)]
    pub assets: BTreeMap<String, String>,
}

impl TxJson {
    /// The JSON of a record, the block holding it and the block transaction.
    pub fn new(id: &TxId, record: &TxRecord, block: &BlockHeader, block_tx: &BlockTx) -> Self {
        let size = block_tx.tx.size();
        let fee = record.log.fee();
        let rate = record.weight.map(|w| FeeRate::new(fee, w));
        let parsed = Program::parse(&block_tx.tx.program);
        let assets = parsed.as_ref().map(issued_names).unwrap_or_default();
        let program = match parsed {
            Ok(program) => program.to_asm(),
            Err(_) => format!("0x{}", hex::encode(&block_tx.tx.program)),
        };
        TxJson {
            id: id.to_string(),
            height: record.height,
            index: record.index,
            block: block.id().to_string(),
            hex: hex::encode(block_tx.to_bytes()),
            size,
            fee,
            weight: record.weight,
            feerate: rate.map(FeeRate::to_f64),
            feerate_text: rate.map(|r| r.to_string()),
            program,
            log: log_json(&record.log),
            assets,
        }
    }
}

/// The names of the flavors `program` issues, by their flavor commitment (hex). An
/// `issue` pops the issuer's predicate and the metadata, which a program pushes
/// just before it; the issued flavor commitment is unblinded, so it is the flavor
/// times the base point and names the asset wherever it appears.
fn issued_names(program: &Program) -> BTreeMap<String, String> {
    program
        .instructions()
        .windows(3)
        .filter_map(|w| match w {
            [Instruction::Push(metadata), Instruction::Push(issuer), Instruction::Issue] => {
                let issuer = curve25519_dalek::ristretto::CompressedRistretto::from_slice(
                    &issuer.to_bytes(),
                )
                .ok()?;
                let name = wallet::AssetName::new(issuer, &metadata.to_bytes())?;
                let flavor = zkvm::Commitment::unblinded(name.flavor()).to_point();
                Some((hex::encode(flavor.as_bytes()), name.display()))
            }
            _ => None,
        })
        .collect()
}

/// `GET /v1/txs/recent?limit=N`: the latest mined transactions, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RecentTxsJson {
    /// The transactions.
    pub txs: Vec<RecentTxJson>,
    /// The lowest height looked at: older transactions are not listed.
    pub from_height: u64,
}

/// What the explorer lists of a mined transaction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RecentTxJson {
    /// Transaction ID.
    pub id: String,
    /// Height of its block.
    pub height: u64,
    /// Position in the block.
    pub index: u32,
    /// Its fee.
    pub fee: u64,
    /// The fee rate as every tool prints it (absent without the weight).
    pub feerate_text: Option<String>,
}

impl RecentTxJson {
    /// The JSON of a mined transaction's record.
    pub fn new(id: &TxId, record: &TxRecord) -> Self {
        let fee = record.log.fee();
        RecentTxJson {
            id: id.to_string(),
            height: record.height,
            index: record.index,
            fee,
            feerate_text: record.weight.map(|w| FeeRate::new(fee, w).to_string()),
        }
    }
}

/// One log entry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogEntryJson {
    /// The header.
    Header {
        /// Version.
        version: u64,
        /// Earliest time.
        mintime_ms: u64,
        /// Latest time.
        maxtime_ms: u64,
    },
    /// An issuance.
    Issue {
        /// Quantity commitment.
        qty: String,
        /// Flavor commitment.
        flv: String,
    },
    /// A retirement.
    Retire {
        /// Quantity commitment.
        qty: String,
        /// Flavor commitment.
        flv: String,
    },
    /// A spent output.
    Input {
        /// Its contract ID.
        id: String,
    },
    /// A new output.
    Output {
        /// Its contract ID.
        id: String,
        /// Its output structure.
        contract: String,
    },
    /// A fee.
    Fee {
        /// The amount.
        amount: u64,
    },
    /// Data.
    Data {
        /// The bytes.
        hex: String,
    },
}

/// The JSON of a log.
pub fn log_json(log: &TxLog) -> Vec<LogEntryJson> {
    log.iter()
        .map(|e| match e {
            TxEntry::Header(h) => LogEntryJson::Header {
                version: h.version,
                mintime_ms: h.mintime_ms,
                maxtime_ms: h.maxtime_ms,
            },
            TxEntry::Issue(q, f) => LogEntryJson::Issue {
                qty: hex::encode(q.as_bytes()),
                flv: hex::encode(f.as_bytes()),
            },
            TxEntry::Retire(q, f) => LogEntryJson::Retire {
                qty: hex::encode(q.as_bytes()),
                flv: hex::encode(f.as_bytes()),
            },
            TxEntry::Input(id) => LogEntryJson::Input { id: id.to_string() },
            TxEntry::Output(c) => LogEntryJson::Output {
                id: c.id().to_string(),
                contract: hex::encode(c.encode_to_vec()),
            },
            TxEntry::Fee(amount) => LogEntryJson::Fee { amount: *amount },
            TxEntry::Data(d) => LogEntryJson::Data {
                hex: hex::encode(d),
            },
        })
        .collect()
}

/// `POST /v1/txs` body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubmitJson {
    /// A block transaction (transaction, then the Utreexo proofs of its inputs), hex.
    pub hex: String,
}

/// `POST /v1/txs` answer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubmittedJson {
    /// The admitted transaction's ID.
    pub id: String,
}

/// `GET /v1/mempool`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MempoolJson {
    /// How many transactions wait.
    pub count: usize,
    /// Their total size.
    pub bytes: usize,
    /// The transactions, highest fee rate first.
    pub txs: Vec<PendingJson>,
}

/// One waiting transaction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PendingJson {
    /// ID.
    pub id: String,
    /// Fee in units of flavor zero.
    pub fee: u64,
    /// Size: the encoding without the input proofs.
    pub size: usize,
    /// Weight, what a block's limit counts.
    pub weight: u64,
    /// Fee per weight unit.
    pub feerate: f64,
    /// The fee rate as every tool prints it (`0.100 per weight unit`).
    pub feerate_text: String,
}

impl From<&PendingTx> for PendingJson {
    fn from(p: &PendingTx) -> Self {
        PendingJson {
            id: p.id.to_string(),
            fee: p.feerate.fee(),
            size: p.size,
            weight: p.feerate.weight(),
            feerate: p.feerate.to_f64(),
            feerate_text: p.feerate.to_string(),
        }
    }
}

/// `GET /v1/utxos/{id}/proof`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProofJson {
    /// The output's contract ID.
    pub id: String,
    /// The height of the tip the proof is valid at.
    pub height: u64,
    /// The forest generation the proof is valid at.
    pub generation: u64,
    /// The proof's v1 encoding (kind byte, then the path).
    pub hex: String,
    /// The position among all unspent outputs.
    pub position: u64,
    /// The neighbors from the leaf up.
    pub neighbors: Vec<String>,
}

impl ProofJson {
    /// The JSON of a committed proof.
    pub fn new(id: &ContractId, height: u64, generation: u64, proof: &Proof) -> Self {
        let (position, neighbors) = match proof.path() {
            Some(path) => (
                path.position,
                path.neighbors.iter().map(|n| n.to_string()).collect(),
            ),
            None => (0, Vec::new()),
        };
        ProofJson {
            id: id.to_string(),
            height,
            generation,
            hex: hex::encode(proof.encode_to_vec()),
            position,
            neighbors,
        }
    }
}

/// The error body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorJson {
    /// The error.
    pub error: ErrorBody,
}

/// What went wrong.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    /// A stable code: `bad_request`, `bad_hex`, `malformed`, `rejected`, `not_found`,
    /// `too_large`, `method_not_allowed`, `unavailable`, `internal`.
    pub code: String,
    /// A sentence naming what was wrong.
    pub message: String,
}
