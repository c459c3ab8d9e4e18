//! A devnet for the contract tests: a producer, the chain state, and the proofs of
//! the unspent outputs. Every transaction is verified as a mempool would, put in a
//! block by the producer, and the block applied by a node (`ChainState::apply` with
//! the real VM).
#![allow(dead_code)]

use batch::Generators;
use blockchain::{BlockTx, BlockchainError, ChainState, Producer, ZkVm};
use contracts::Terms;
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::sync::OnceLock;
use utreexo::Proof;
use zkvm::{
    Anchor, Commitment, Contract, ContractId, PortableItem, Predicate, SigningKey, Tx, TxBuilder,
    UnsignedTx, Value, VerifiedTx, Verifier, VmError,
};

/// Generators for every test circuit.
pub fn gens() -> &'static Generators {
    static GENS: OnceLock<Generators> = OnceLock::new();
    GENS.get_or_init(|| Generators::new(1024))
}

/// A deterministic RNG.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A signing key from a small number.
pub fn key(n: u64) -> SigningKey {
    SigningKey::new(Scalar::from(n) + Scalar::from(5_000_011u64))
}

/// The predicate of `key`, holding it.
pub fn owner(key: &SigningKey) -> Predicate {
    Predicate::from_signing_key(key.clone())
}

/// Terms from a small number.
pub fn terms(n: u8) -> Terms {
    Terms::new([n; 32])
}

/// A flavor from a small number.
pub fn flavor(n: u64) -> Scalar {
    Scalar::from(n)
}

/// An output of `qty` units of `flavor` under `predicate`, with open commitments.
pub fn coin(rng: &mut StdRng, predicate: Predicate, qty: u64, flavor: Scalar) -> Contract {
    let mut anchor = [0u8; 32];
    rng.fill_bytes(&mut anchor);
    Contract {
        predicate,
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, rng),
            flv: Commitment::blinded(flavor, rng),
        })],
        anchor: Anchor(anchor),
    }
}

/// Why a transaction did not make it into the chain.
#[derive(Debug)]
pub enum Refusal {
    /// The prover, the signer or the verifier refused.
    Vm(VmError),
    /// The producer or the node refused the block.
    Chain(BlockchainError),
    /// An input is not an unspent output of the chain.
    NotUnspent(ContractId),
}

impl From<VmError> for Refusal {
    fn from(e: VmError) -> Self {
        Refusal::Vm(e)
    }
}

impl From<contracts::ContractError> for Refusal {
    fn from(e: contracts::ContractError) -> Self {
        match e {
            contracts::ContractError::Vm(e) => Refusal::Vm(e),
            other => panic!("a contract API refused: {other}"),
        }
    }
}

/// The chain.
pub struct Chain {
    producer: Producer,
    state: ChainState,
    utxos: Vec<(ContractId, Proof)>,
}

impl Chain {
    /// A chain started at time 1000 whose initial outputs are `outputs`.
    pub fn start(outputs: &[Contract]) -> Chain {
        let producer = Producer::new(key(999));
        let ids: Vec<ContractId> = outputs.iter().map(Contract::id).collect();
        let (state, proofs) = producer.start_network(1_000, &ids).expect("genesis");
        Chain {
            producer,
            state,
            utxos: ids.into_iter().zip(proofs).collect(),
        }
    }

    /// Proves `tx`.
    pub fn prove(&self, tx: TxBuilder, rng: &mut StdRng) -> Result<UnsignedTx, VmError> {
        tx.build(gens(), rng)
    }

    /// Proves `tx`, signs it with the keys its predicates hold (and `keys` for
    /// shared keys, through MuSig2), and mines it in a block at `time_ms`. Returns
    /// the new outputs with the prover's openings.
    pub fn run(
        &mut self,
        tx: TxBuilder,
        keys: &[SigningKey],
        time_ms: u64,
        rng: &mut StdRng,
    ) -> Result<Vec<Contract>, Refusal> {
        let unsigned = self.prove(tx, rng)?;
        let outputs = unsigned.log.outputs().cloned().collect();
        let tx = unsigned.sign_musig(keys, rng)?;
        self.mine(tx, time_ms)?;
        Ok(outputs)
    }

    /// Verifies `tx`, has the producer put it in a block at `time_ms` and the node
    /// apply the block; returns the verified transaction (its log has the outputs).
    pub fn mine(&mut self, tx: Tx, time_ms: u64) -> Result<VerifiedTx, Refusal> {
        let verified = Verifier::verify_tx(&tx, gens())?;
        let proofs = verified
            .log
            .inputs()
            .map(|id| self.proof(id))
            .collect::<Result<Vec<_>, _>>()?;
        let btx = BlockTx { tx, proofs };
        let (block, _) = self
            .producer
            .make_block(&self.state, time_ms, vec![(btx, verified.clone())])
            .map_err(Refusal::Chain)?;
        let applied = self
            .state
            .apply(&block, gens(), &ZkVm)
            .map_err(Refusal::Chain)?;
        let spent: Vec<ContractId> = verified.log.inputs().copied().collect();
        self.utxos.retain(|(id, _)| !spent.contains(id));
        for (id, proof) in self.utxos.iter_mut() {
            *proof = applied.catchup.update_proof(id, proof).expect("proof");
        }
        for output in verified.log.outputs() {
            let id = output.id();
            let proof = applied
                .catchup
                .update_proof(&id, &Proof::Transient)
                .expect("new output");
            self.utxos.push((id, proof));
        }
        Ok(verified)
    }

    /// Whether `output` is unspent.
    pub fn is_unspent(&self, output: &Contract) -> bool {
        let id = output.id();
        self.utxos.iter().any(|(u, _)| *u == id)
    }

    fn proof(&self, id: &ContractId) -> Result<Proof, Refusal> {
        self.utxos
            .iter()
            .find(|(u, _)| u == id)
            .map(|(_, p)| p.clone())
            .ok_or(Refusal::NotUnspent(*id))
    }
}

/// The open quantity of an output's value, if its opening is known.
pub fn qty(output: &Contract) -> Option<u64> {
    match output.payload.first() {
        Some(PortableItem::Value(v)) => v.assignment().and_then(|(q, _)| q.to_u64()),
        _ => None,
    }
}

/// What a thief holding only `key` can produce: the proven transaction signed by
/// `key` in place of every signer it needs (the signature is well formed, over the
/// right transaction, by the wrong key).
pub fn forge(unsigned: UnsignedTx, key: &SigningKey, rng: &mut StdRng) -> Tx {
    let pairs = unsigned
        .signing_instructions
        .iter()
        .map(|(_, id)| (key.verification_key(), id.0))
        .collect();
    let context = zkvm::signing::Multimessage::new(pairs).expect("pairs");
    let keys = vec![key.clone(); unsigned.signing_instructions.len()];
    let mut t = unsigned.signing_transcript();
    let signature =
        zkvm::Signature::sign_multi(&mut t, &keys, &context, rng).expect("signs as the thief");
    Tx {
        header: unsigned.header,
        program: unsigned.program,
        signature,
        proof: unsigned.proof,
    }
}

/// Asserts that the chain refused a transaction because a signature did not check.
pub fn assert_bad_signature(result: Result<VerifiedTx, Refusal>) {
    match result {
        Err(Refusal::Vm(VmError::PointCheck(_))) | Err(Refusal::Vm(VmError::Signature(_))) => {}
        other => panic!("expected a bad signature, got {other:?}"),
    }
}
