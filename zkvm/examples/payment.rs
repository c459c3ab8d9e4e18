//! A tour of ZkVM: issue two assets, then pay with both in one confidential
//! transaction, and verify it.
//!
//! Run with `cargo run --release -p zkvm --example payment`.

use curve25519_dalek::scalar::Scalar;
use rand::rngs::OsRng;
use rand::RngCore;
use std::time::Instant;
use zkvm::{
    issue_flavor, Anchor, Commitment, Contract, Generators, PortableItem, Predicate, Program,
    SigningKey, TxBuilder, Value, Verifier, VmError,
};

fn main() -> Result<(), VmError> {
    let gens = Generators::new(1024);
    let mut rng = OsRng;
    let issuer = SigningKey::random(&mut rng);
    let alice = SigningKey::random(&mut rng);
    let (bob, carol) = (SigningKey::random(&mut rng), SigningKey::random(&mut rng));

    // Every transaction must spend something, to make its ID unique: Alice starts with
    // an empty output of flavor zero (in a chain, the genesis block would hold it).
    let mut anchor = [0u8; 32];
    rng.fill_bytes(&mut anchor);
    let seed = Contract {
        predicate: Predicate::from_signing_key(alice.clone()),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(0u64, &mut rng),
            flv: Commitment::blinded(Scalar::ZERO, &mut rng),
        })],
        anchor: Anchor(anchor),
    };

    // 1. The issuer issues 100 gold and 50 silver to Alice.
    let issuer_predicate = Predicate::from_signing_key(issuer.clone());
    let gold = issue_flavor(&issuer_predicate.to_point(), b"gold");
    let silver = issue_flavor(&issuer_predicate.to_point(), b"silver");
    let issuance = TxBuilder::new()
        .spend(seed)
        .issue(issuer_predicate.clone(), b"gold".to_vec(), 100)
        .issue(issuer_predicate, b"silver".to_vec(), 50)
        .pay(alice.clone().into(), 100, gold)
        .pay(alice.clone().into(), 50, silver)
        .change_to(alice.clone().into())
        .build(&gens, &mut rng)?;
    // The prover's log keeps the openings of the new outputs: Alice's wallet.
    let alice_outputs: Vec<Contract> = issuance.log.outputs().take(2).cloned().collect();
    let issuance = issuance.sign(&mut rng)?;
    Verifier::verify_tx(&issuance, &gens)?;
    println!(
        "issued gold and silver in {}",
        Verifier::verify_tx(&issuance, &gens)?.id
    );

    // 2. Alice pays all her gold to Bob and all her silver to Carol.
    let started = Instant::now();
    let payment = TxBuilder::new()
        .spend(alice_outputs[0].clone())
        .spend(alice_outputs[1].clone())
        .pay(bob.clone().into(), 100, gold)
        .pay(carol.clone().into(), 50, silver)
        .build(&gens, &mut rng)?;
    let program = Program::parse(&payment.program)?;
    let tx = payment.sign(&mut rng)?;
    let prove_time = started.elapsed();

    let bytes = tx.to_bytes();
    // The best of a few runs: the first one also warms caches.
    let mut verify_time = std::time::Duration::MAX;
    let mut verified = None;
    for _ in 0..5 {
        let started = Instant::now();
        verified = Some(Verifier::verify_bytes(&bytes, &gens)?);
        verify_time = verify_time.min(started.elapsed());
    }
    let verified = verified.expect("verified at least once");

    println!(
        "payment program:\n{}\n",
        program.to_asm().replace(" push", "\npush")
    );
    println!("txid:   {}", verified.id);
    println!("size:   {} bytes", bytes.len());
    println!("prove:  {prove_time:?} (build, prove and sign)");
    println!("verify: {verify_time:?} (decode and verify)");
    println!("outputs: {}", verified.log.outputs().count());
    Ok(())
}
