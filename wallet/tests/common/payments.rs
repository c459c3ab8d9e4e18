//! Real payments of two inputs and two outputs (a payment and change, each with its
//! note), and blocks of them over a UTXO set of a chosen size: what compact blocks
//! are measured on. Shared by the tests and the benchmarks.
#![allow(dead_code)]

use batch::Generators;
use blockchain::{AppliedBlock, Block, BlockTx, ChainState, Producer};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use musig::{SigningKey, VerificationKey};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::RngCore;
use std::collections::HashMap;
use utreexo::Proof;
use wallet::{Network, Owner, TxPlan, Wallet};
use zkvm::{ContractId, Tx, VerifiedTx};

/// Proven and verified payments, and the coins they spend.
pub struct Payments {
    /// The coins in the initial set that the payments spend.
    pub coins: Vec<ContractId>,
    /// The payments, verified.
    pub txs: Vec<(Tx, VerifiedTx)>,
}

impl Payments {
    /// `count` payments of 150 from a wallet holding `2 · count` coins of 100: each
    /// spends two coins and pays 150 and 50 of change.
    pub fn prove(count: usize, rng: &mut StdRng) -> Payments {
        let mut payer = Wallet::new(Xprv::from_seed(b"payer"), Network::Devnet);
        let coins: Vec<_> = (0..2 * count)
            .map(|_| payer.genesis_output(0, 100, Scalar::ZERO, rng).unwrap())
            .collect();
        let ids: Vec<ContractId> = coins.iter().map(|c| c.id()).collect();
        let producer = Producer::new(SigningKey::new(Scalar::from(3u64)));
        let (state, proofs) = producer.start_network(1_000, &ids).unwrap();
        payer.start(&state, coins.into_iter().zip(proofs).collect());
        let to = payee().address(Owner::Account(0)).unwrap();
        let gens = Generators::new(256);
        let plan = TxPlan::new(Owner::Account(0))
            .pay(to, 150, Scalar::ZERO)
            .time_bounds(0, u64::MAX);
        let txs: Vec<Tx> = (0..count)
            .map(|_| payer.send(&plan, &gens, rng).unwrap().block_tx.tx)
            .collect();
        let verified = zkvm::Verifier::verify_txs(&txs, &gens).unwrap();
        Payments {
            coins: ids,
            txs: txs.into_iter().zip(verified).collect(),
        }
    }

    /// The block of all payments after an initial set of the coins and `others`
    /// outputs of someone else, in random order.
    pub fn block(&self, others: usize, rng: &mut StdRng) -> PaymentBlock {
        let mut ids = self.coins.clone();
        ids.extend((0..others).map(|_| {
            let mut id = [0u8; 32];
            rng.fill_bytes(&mut id);
            ContractId(id)
        }));
        ids.shuffle(rng);
        let producer = Producer::new(SigningKey::new(Scalar::from(4u64)));
        let (state, proofs) = producer.start_network(1_000, &ids).unwrap();
        let proof_of: HashMap<ContractId, Proof> = ids.into_iter().zip(proofs).collect();
        let txs = self
            .txs
            .iter()
            .map(|(tx, verified)| {
                let proofs = verified.log.inputs().map(|id| proof_of[id].clone());
                let btx = BlockTx {
                    tx: tx.clone(),
                    proofs: proofs.collect(),
                };
                (btx, verified.clone())
            })
            .collect();
        let (block, applied) = producer.make_block(&state, 2_000, txs).unwrap();
        PaymentBlock {
            before: state,
            block,
            applied,
            producer: producer.verification_key(),
        }
    }
}

/// A block of payments and the state it applies to.
pub struct PaymentBlock {
    /// The chain state before the block.
    pub before: ChainState,
    /// The block.
    pub block: Block,
    /// The block as applied.
    pub applied: AppliedBlock,
    /// The producer's key.
    pub producer: VerificationKey,
}

/// The wallet the payments go to.
pub fn payee() -> Wallet {
    Wallet::new(Xprv::from_seed(b"payee"), Network::Devnet)
}
