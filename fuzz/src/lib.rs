//! Shared fixtures of the fuzz targets: the vector chain, a signed
//! statement for the proof targets. Built once per process, so each input costs only
//! its own work.
#![deny(missing_docs)]

pub mod abci;

use blockchain::{BlockHeader, BlockTx, ChainState, WitnessHash};
use merkle::Hash;
use musig::SigningKey;
use std::sync::OnceLock;
use zkvm::ContractId;

/// The vector chain: its state before its second block, and that block's header.
pub struct VectorChain {
    /// The state after the initial header.
    pub state: ChainState,
    /// The header of the block that follows it in the vectors.
    pub next: BlockHeader,
    /// That block's transactions.
    pub txs: Vec<BlockTx>,
    /// The chain's initial outputs.
    pub utxos: Vec<ContractId>,
}

/// The first case of `blockchain.json`, started from its UTXO list.
pub fn vector_chain() -> &'static VectorChain {
    static CHAIN: OnceLock<VectorChain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let file = vectors::load("blockchain.json");
        let blocks = vectors::cases(&file)[0]["chain"]
            .as_array()
            .expect("chain")
            .clone();
        let utxos: Vec<ContractId> = blocks[0]["utxos"]
            .as_array()
            .expect("utxos")
            .iter()
            .map(|u| ContractId(vectors::bytes32(u)))
            .collect();
        let first = header_of(&blocks[0]["header"]);
        let producer = SigningKey::new(curve25519_dalek::Scalar::from(7u64)).verification_key();
        let (state, _) = ChainState::start(first.timestamp_ms, &utxos, producer).expect("start");
        let next = header_of(&blocks[1]["header"]);
        let txs = blocks[1]["txs"]
            .as_array()
            .expect("txs")
            .iter()
            .map(|t| BlockTx::from_bytes(&vectors::bytes(&t["block_tx"])).expect("block tx"))
            .collect();
        VectorChain {
            state,
            next,
            txs,
            utxos,
        }
    })
}

/// A header of `blockchain.json`.
pub fn header_of(v: &serde_json::Value) -> BlockHeader {
    BlockHeader::from_bytes(&vectors::bytes(&v["encoded"])).expect("vector header")
}

/// The transaction root of `txs`.
pub fn txroot_of(txs: &[BlockTx]) -> Hash {
    let hashes: Vec<WitnessHash> = txs.iter().map(BlockTx::witness_hash).collect();
    blockchain::txroot(&hashes)
}
