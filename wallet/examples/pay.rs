//! Two wallets paying each other end to end: a devnet with one producer, a mempool,
//! Alice issuing gold and paying Bob at his address, Bob paying Alice's payment
//! request, and both wallets following every block.
//!
//! Run with `cargo run --release -p wallet --example pay`.

use batch::Generators;
use blockchain::{ChainState, Mempool, Producer, ZkVm};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use musig::SigningKey;
use rand::rngs::OsRng;
use wallet::{Network, Owner, SentTx, TxPlan, Wallet};
use zkvm::FeeRate;

const ME: Owner = Owner::Account(0);

/// A devnet: the producer, the chain state, the mempool and the clock.
struct Devnet {
    producer: Producer,
    state: ChainState,
    pool: Mempool,
    time: u64,
    gens: Generators,
}

impl Devnet {
    fn submit(&mut self, sent: &SentTx) -> Result<(), Box<dyn std::error::Error>> {
        self.pool
            .admit(sent.block_tx.clone(), self.time + 1, &self.gens, &ZkVm)?;
        println!("  submitted {} (fee {})", sent.id, sent.fee);
        Ok(())
    }

    fn mine(&mut self, wallets: &mut [&mut Wallet]) -> Result<(), Box<dyn std::error::Error>> {
        self.time += 1_000;
        let (block, applied) =
            self.producer
                .produce(&self.state, &self.pool, self.time, 1 << 22)?;
        self.pool.apply_block(&applied)?;
        self.state = applied.state.clone();
        for w in wallets.iter_mut() {
            w.apply_block(&applied)?;
        }
        println!(
            "block {} with {} transaction(s), {} bytes",
            block.header.height,
            block.txs.len(),
            block.to_bytes().len()
        );
        Ok(())
    }
}

fn show(name: &str, w: &Wallet, flavors: &[(&str, Scalar)]) {
    for (label, flavor) in flavors {
        let b = w.balance(ME, *flavor);
        println!(
            "  {name:<5} {label:<6} confirmed {:>7}  pending {:>5}  locked {:>5}",
            b.confirmed, b.pending, b.locked
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = OsRng;
    let mut alice = Wallet::new(Xprv::random(&mut rng), Network::Devnet);
    let mut bob = Wallet::new(Xprv::random(&mut rng), Network::Devnet);

    // The network starts with one output of Alice's: 1,000,000 units of flavor zero.
    let producer = Producer::new(SigningKey::random(&mut rng));
    let seed = alice.genesis_output(0, 1_000_000, Scalar::ZERO, &mut rng)?;
    let (state, proofs) = producer.start_network(1_000, &[seed.id()])?;
    alice.start(&state, vec![(seed, proofs[0].clone())]);
    bob.start(&state, Vec::new());
    let mut net = Devnet {
        producer,
        pool: Mempool::new(&state, 1 << 22),
        state,
        time: 1_000,
        gens: Generators::new(1024),
    };
    let gold = alice.flavor(0, b"gold")?;
    let flavors = [("zero", Scalar::ZERO), ("gold", gold)];
    let rate = FeeRate::new(1, 100);

    // 1. Alice issues 1,000 gold and pays Bob's address 250 gold and 10,000 units.
    let bob_address = bob.address(ME)?;
    println!("Bob's address: {bob_address}");
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 1_000)
        .pay(bob_address, 250, gold)
        .pay(bob_address, 10_000, Scalar::ZERO)
        .fee_rate(rate);
    let sent = alice.send(&plan, &net.gens, &mut rng)?;
    net.submit(&sent)?;
    net.mine(&mut [&mut alice, &mut bob])?;
    show("alice", &alice, &flavors);
    show("bob", &bob, &flavors);

    // 2. Alice asks Bob for 100 gold; Bob pays the request and replies.
    let request = alice.request_payment(0, 100, gold, net.time + 60_000, &mut rng)?;
    let plan = TxPlan::new(ME).pay_request(request).fee_rate(rate);
    let sent = bob.send(&plan, &net.gens, &mut rng)?;
    for reply in &sent.replies {
        let id = alice.accept_reply(reply)?;
        println!("  Alice watches for {id}");
    }
    net.submit(&sent)?;
    show("bob", &bob, &flavors);
    net.mine(&mut [&mut alice, &mut bob])?;
    show("alice", &alice, &flavors);
    show("bob", &bob, &flavors);
    Ok(())
}
