//! A devnet for wallet tests: one producer, a mempool, and wallets that follow it.
#![allow(dead_code)]

pub mod payments;

use batch::Generators;
use blockchain::{AppliedBlock, ChainState, Mempool, Producer, ZkVm};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use musig::SigningKey;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wallet::{DevnetVerifier, LightBlock, Network, SentTx, Wallet};

/// Units of flavor zero the faucet starts with.
pub const FAUCET: u64 = 1_000_000;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn wallet(seed: &[u8]) -> Wallet {
    Wallet::new(Xprv::from_seed(seed), Network::Devnet)
}

/// A chain, its mempool, and every block applied so far (to replay them), also as
/// light blocks.
pub struct Net {
    pub producer: Producer,
    pub producer_key: SigningKey,
    pub genesis: ChainState,
    pub state: ChainState,
    pub pool: Mempool,
    pub time: u64,
    pub gens: Generators,
    pub blocks: Vec<AppliedBlock>,
    pub light: Vec<LightBlock>,
}

impl Net {
    /// Starts a network whose only initial output belongs to `faucet`; every wallet
    /// in `others` starts at the same initial state.
    pub fn start(faucet: &mut Wallet, others: &mut [&mut Wallet], rng: &mut StdRng) -> Net {
        let producer_key = SigningKey::random(rng);
        let producer = Producer::new(producer_key.clone());
        let seed = faucet.genesis_output(0, FAUCET, Scalar::ZERO, rng).unwrap();
        let (genesis, proofs) = producer.start_network(1_000, &[seed.id()]).unwrap();
        faucet.start(&genesis, vec![(seed, proofs[0].clone())]);
        for w in others.iter_mut() {
            w.start(&genesis, Vec::new());
        }
        Net {
            producer,
            producer_key,
            pool: Mempool::new(&genesis, 1 << 22),
            state: genesis.clone(),
            genesis,
            time: 1_000,
            gens: Generators::new(1024),
            blocks: Vec::new(),
            light: Vec::new(),
        }
    }

    /// The header verifier of this network's producer.
    pub fn verifier(&self) -> DevnetVerifier {
        DevnetVerifier::new(self.producer.verification_key())
    }

    /// Admits a sent transaction to the mempool.
    pub fn submit(&mut self, sent: &SentTx) {
        self.pool
            .admit(sent.block_tx.clone(), self.time + 1, &self.gens, &ZkVm)
            .expect("the mempool admits the wallet's transaction");
    }

    /// Produces the next block and has every wallet apply it.
    pub fn mine(&mut self, wallets: &mut [&mut Wallet]) -> AppliedBlock {
        self.time += 1_000;
        let (block, applied) = self
            .producer
            .produce(&self.state, &self.pool, self.time, 1 << 22)
            .expect("the producer makes a block");
        let light = LightBlock::devnet(&block, &applied).expect("a compact form");
        self.light.push(light);
        self.pool
            .apply_block(&applied)
            .expect("the mempool follows");
        self.state = applied.state.clone();
        for w in wallets.iter_mut() {
            w.apply_block(&applied).expect("the wallet follows");
        }
        self.blocks.push(applied.clone());
        applied
    }
}
