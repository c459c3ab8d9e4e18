//! The genesis of a devnet: what every node needs to start the same chain.
//!
//! A genesis names the start time, the initial outputs (contract IDs, in order), the
//! producer's key and the producer's signature over the initial header. From it any
//! node recomputes the initial state ([`blockchain::ChainState::start`]) and the
//! Utreexo proofs of the initial outputs, so a follower trusts nothing but the
//! producer's key it is handed.
//!
//! Encoding: `LE64 timestamp_ms || producer key (32) || signature (64) || LE32 count
//! || contract IDs (32 each)`.

use crate::error::NodeError;
use batch::Generators;
use blockchain::{
    sign_block, verify_block_signature, AppliedBlock, Block, BlockchainError, ChainState,
    TxVerifier,
};
use encoding::{Encodable, Reader, Writer};
use musig::{Signature, SigningKey, VerificationKey};
use utreexo::Proof;
use zkvm::ContractId;

/// The start of a devnet.
#[derive(Clone, Debug, PartialEq)]
pub struct Genesis {
    /// Time of the initial header, ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// The initial outputs, in forest order.
    pub utxos: Vec<ContractId>,
    /// The key every block is signed with.
    pub producer: VerificationKey,
    /// The producer's signature over the initial header.
    pub signature: Signature,
}

impl Genesis {
    /// A genesis signed by `producer`.
    pub fn new(
        timestamp_ms: u64,
        utxos: Vec<ContractId>,
        producer: &SigningKey,
    ) -> Result<Genesis, NodeError> {
        let (state, _) = ChainState::start(timestamp_ms, &utxos, producer.verification_key())?;
        Ok(Genesis {
            timestamp_ms,
            utxos,
            producer: producer.verification_key(),
            signature: sign_block(state.initial(), producer),
        })
    }

    /// The initial state, the initial block (height 1, no transactions) and the
    /// proofs of the initial outputs, after checking the producer's signature.
    pub fn start(&self) -> Result<(ChainState, Block, Vec<Proof>), NodeError> {
        let (state, proofs) = ChainState::start(self.timestamp_ms, &self.utxos, self.producer)?;
        verify_block_signature(state.initial(), &self.signature, &self.producer)?;
        let block = Block {
            header: state.initial().clone(),
            signature: self.signature,
            txs: Vec::new(),
        };
        Ok((state, block, proofs))
    }

    /// Decodes a genesis that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Genesis, NodeError> {
        let parsed = Reader::parse(bytes, |r| {
            let timestamp_ms = r.read_u64()?;
            let key = r.read_array::<32>()?;
            let signature = r.read_bytes(Signature::BYTE_LEN)?.to_vec();
            let count = r.read_count(32)?;
            let utxos = (0..count)
                .map(|_| r.read_array().map(ContractId))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, encoding::EncodingError>((timestamp_ms, key, signature, utxos))
        })
        .map_err(|e| invalid(e.to_string()))?;
        let (timestamp_ms, key, signature, utxos) = parsed;
        Ok(Genesis {
            timestamp_ms,
            utxos,
            producer: VerificationKey::from_bytes(&key).map_err(|e| invalid(e.to_string()))?,
            signature: Signature::from_bytes(&signature).map_err(|e| invalid(e.to_string()))?,
        })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

/// How a chain's blocks are agreed, which decides what a block must carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consensus {
    /// A devnet: one producer signs every block, and every node checks it.
    Devnet,
    /// CometBFT: the validators' commits agree on each block; our blocks carry no
    /// signature (64 zero bytes) and their headers are derived from CometBFT's.
    CometBft,
}

impl Consensus {
    /// Its name in the API and in files: `devnet` or `cometbft`.
    pub fn name(self) -> &'static str {
        match self {
            Consensus::Devnet => "devnet",
            Consensus::CometBft => "cometbft",
        }
    }

    /// The consensus of a name.
    pub fn parse(name: &str) -> Result<Consensus, NodeError> {
        match name {
            "devnet" => Ok(Consensus::Devnet),
            "cometbft" => Ok(Consensus::CometBft),
            other => Err(invalid(format!(
                "unknown consensus {other:?} (devnet or cometbft)"
            ))),
        }
    }

    /// Validates `block` after `state` as this consensus requires: every rule and
    /// proof, and on a devnet the producer's signature too (under CometBFT the
    /// validators' commit signs the block instead; a wallet that checks it is a
    /// light client).
    pub fn apply_block<V: TxVerifier>(
        self,
        state: &ChainState,
        block: &Block,
        gens: &Generators,
        vm: &V,
    ) -> Result<AppliedBlock, BlockchainError> {
        match self {
            Consensus::Devnet => state.apply_block(block, gens, vm),
            Consensus::CometBft => state.apply_contents(&block.header, &block.txs, gens, vm),
        }
    }
}

fn invalid(reason: String) -> NodeError {
    NodeError::Invalid {
        what: "genesis",
        reason,
    }
}

impl Encodable for Genesis {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.timestamp_ms);
        w.write_bytes(self.producer.as_bytes());
        self.signature.encode(w);
        w.write_u32(u32::try_from(self.utxos.len()).expect("fewer than 2^32 initial outputs"));
        for id in &self.utxos {
            w.write_bytes(&id.0);
        }
    }

    fn encoded_len(&self) -> usize {
        8 + 32 + Signature::BYTE_LEN + 4 + 32 * self.utxos.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (SigningKey, Genesis) {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let ids = (0..5u8).map(|i| ContractId([i; 32])).collect();
        let genesis = Genesis::new(1_000, ids, &key).unwrap();
        (key, genesis)
    }

    #[test]
    fn genesis_round_trips_and_starts_the_same_chain() {
        let (_, genesis) = sample();
        let decoded = Genesis::from_bytes(&genesis.to_bytes()).unwrap();
        assert_eq!(decoded, genesis);
        let (a, block, proofs) = genesis.start().unwrap();
        let (b, _, _) = decoded.start().unwrap();
        assert_eq!(a, b);
        assert_eq!(block.header.height, 1);
        assert_eq!(proofs.len(), 5);
        for (id, proof) in genesis.utxos.iter().zip(&proofs) {
            assert_eq!(a.forest().verify(id, proof), Ok(()));
        }
    }

    #[test]
    fn a_genesis_with_another_outputs_list_is_refused() {
        let (_, mut genesis) = sample();
        genesis.utxos.pop();
        assert!(matches!(genesis.start(), Err(NodeError::Chain(_))));
        let bytes = sample().1.to_bytes();
        assert!(Genesis::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }
}
