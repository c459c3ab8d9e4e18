//! A stand-in VM whose "programs" spell out their log, so chain and mempool logic can
//! be tested with many transactions at no proving cost, and a small devnet around it.
//!
//! Program bytes: `n_inputs (1) || input IDs (32 each) || n_outputs (1) || output
//! anchors (32 each) || fee (LE64) || mode (1)`. Each output is a contract with an
//! empty payload and the given anchor. The mode decides the point check: `0` appends
//! a true statement, `1` a false one; `2` makes the VM refuse the transaction. The
//! R1CS proof is a fixed dummy that only fills the field.
#![allow(dead_code)]

use batch::{BatchVerification, Generators};
use blockchain::{Block, BlockHeader, BlockTx, ChainState, Producer, TxVerifier};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, EncodingError, Reader};
use musig::SigningKey;
use utreexo::Proof;
use zkvm::{
    Anchor, Contract, ContractId, FeeRate, Predicate, Tx, TxEntry, TxHeader, TxLog, VerifiedTx,
    VmError,
};

/// The stand-in VM.
#[derive(Debug, Clone, Copy)]
pub struct MockVm;

impl TxVerifier for MockVm {
    fn verify_tx<B: BatchVerification>(
        &self,
        tx: &Tx,
        batch: &mut B,
    ) -> Result<VerifiedTx, VmError> {
        let (inputs, outputs, fee, mode) = Reader::parse(&tx.program, read_program)?;
        if mode == MODE_REFUSED {
            return Err(VmError::Format(EncodingError::NonCanonicalScalar));
        }
        let mut log = TxLog::new(tx.header);
        for id in inputs {
            log.push(TxEntry::Input(id));
        }
        for anchor in outputs {
            log.push(TxEntry::Output(Box::new(contract(anchor))));
        }
        log.push(TxEntry::Fee(fee));
        let claim = if mode == MODE_FALSE {
            Scalar::ONE
        } else {
            Scalar::ZERO
        };
        batch.append("mock", claim, Scalar::ZERO, [], [], [])?;
        Ok(VerifiedTx {
            header: tx.header,
            id: log.id(),
            log,
            weight: tx.encoded_len() as u64,
            feerate: FeeRate::new(fee, tx.encoded_len() as u64),
            signers: Vec::new(),
        })
    }
}

/// The mode of a transaction whose point check fails.
pub const MODE_FALSE: u8 = 1;
/// The mode of a transaction the VM refuses.
pub const MODE_REFUSED: u8 = 2;

type Program = (Vec<ContractId>, Vec<[u8; 32]>, u64, u8);

fn read_program(r: &mut Reader<'_>) -> Result<Program, EncodingError> {
    let n = r.read_u8()?;
    let inputs = (0..n)
        .map(|_| r.read_array().map(ContractId))
        .collect::<Result<_, _>>()?;
    let m = r.read_u8()?;
    let outputs = (0..m).map(|_| r.read_array()).collect::<Result<_, _>>()?;
    Ok((inputs, outputs, r.read_u64()?, r.read_u8()?))
}

/// The contract an output anchor stands for.
pub fn contract(anchor: [u8; 32]) -> Contract {
    Contract {
        predicate: Predicate::opaque(RISTRETTO_BASEPOINT_COMPRESSED),
        payload: Vec::new(),
        anchor: Anchor(anchor),
    }
}

/// The ID of the output with `anchor`.
pub fn output_id(anchor: [u8; 32]) -> ContractId {
    contract(anchor).id()
}

/// An anchor from a small number.
pub fn anchor(n: u64) -> [u8; 32] {
    let mut a = [0u8; 32];
    a[..8].copy_from_slice(&n.to_le_bytes());
    a
}

/// Always-valid header.
pub fn any_time() -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: 0,
        maxtime_ms: u64::MAX,
    }
}

/// A stand-in transaction.
pub fn mock_tx(header: TxHeader, inputs: &[ContractId], outputs: &[[u8; 32]], fee: u64) -> Tx {
    let mut program = vec![inputs.len() as u8];
    for id in inputs {
        program.extend_from_slice(&id.0);
    }
    program.push(outputs.len() as u8);
    for a in outputs {
        program.extend_from_slice(a);
    }
    program.extend_from_slice(&fee.to_le_bytes());
    program.push(0);
    Tx {
        header,
        program,
        signature: zkvm::tx::empty_signature(),
        proof: dummy_proof(),
    }
}

/// The smallest well-formed R1CS proof: one phase, no rounds, all zero.
pub fn dummy_proof() -> zkvm::R1csProof {
    zkvm::R1csProof::from_bytes(&[0u8; 1 + 32 * 13]).unwrap()
}

/// Sets the mode of a stand-in transaction.
pub fn set_mode(btx: &mut BlockTx, mode: u8) {
    if let Some(last) = btx.tx.program.last_mut() {
        *last = mode;
    }
}

/// A block transaction spending `inputs` (with their proofs) into outputs `anchors`.
pub fn spend(inputs: &[(ContractId, Proof)], anchors: &[[u8; 32]], fee: u64) -> BlockTx {
    let ids: Vec<_> = inputs.iter().map(|(id, _)| *id).collect();
    BlockTx {
        tx: mock_tx(any_time(), &ids, anchors, fee),
        proofs: inputs.iter().map(|(_, p)| p.clone()).collect(),
    }
}

/// The verified form of a block transaction, as the mempool would hold it.
pub fn verified(btx: &BlockTx) -> VerifiedTx {
    let gens = Generators::new(0);
    let mut single = batch::SingleVerifier::new(&gens);
    MockVm.verify_tx(&btx.tx, &mut single).unwrap()
}

/// Generators for the stand-in VM (it uses only the base point).
pub fn gens() -> Generators {
    Generators::new(0)
}

/// A devnet: the producer's key, the network's start, and the initial outputs.
pub struct Devnet {
    pub key: SigningKey,
    pub producer: Producer,
    pub genesis: ChainState,
    /// Initial output IDs with their proofs against the initial forest.
    pub utxos: Vec<(ContractId, Proof)>,
}

/// A network started at time 1000 with `n` initial outputs.
pub fn devnet(n: u64) -> Devnet {
    let key = SigningKey::random(&mut rand::thread_rng());
    let producer = Producer::new(key.clone());
    let ids: Vec<ContractId> = (0..n).map(|i| output_id(anchor(1_000_000 + i))).collect();
    let (genesis, proofs) = producer.start_network(1000, &ids).unwrap();
    Devnet {
        key,
        producer,
        genesis,
        utxos: ids.into_iter().zip(proofs).collect(),
    }
}

/// A header following `state`'s tip over `txs`, with roots computed from them and
/// from `state` (the UTXO root is the forest's after applying, if that works).
pub fn next_header(state: &ChainState, txs: &[BlockTx], time_ms: u64) -> BlockHeader {
    let tip = state.tip();
    let hashes: Vec<_> = txs.iter().map(BlockTx::witness_hash).collect();
    let mut work = state.forest().work();
    let gens = gens();
    for btx in txs {
        // Deferred and never checked: the header follows the logs even of
        // transactions whose point checks fail.
        let mut deferred = batch::BatchVerifier::new(&gens, rand::thread_rng());
        if let Ok(tx) = MockVm.verify_tx(&btx.tx, &mut deferred) {
            let _ = blockchain::apply_log(&mut work, &tx.log, &btx.proofs);
        }
    }
    BlockHeader {
        version: tip.version,
        height: tip.height + 1,
        prev: tip.id(),
        timestamp_ms: time_ms,
        txroot: blockchain::txroot(&hashes),
        utxoroot: work.normalize().0.root(),
        ext: Vec::new(),
    }
}

/// A block signed by `key` with exactly this header and these transactions.
pub fn signed_block(key: &SigningKey, header: BlockHeader, txs: Vec<BlockTx>) -> Block {
    Block {
        signature: blockchain::sign_block(&header, key),
        header,
        txs,
    }
}
