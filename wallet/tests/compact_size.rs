//! What compact blocks save, on real payments of two inputs and two outputs: a
//! block of 256 over a UTXO set of about 16,000 outputs.

mod common;

use common::payments::{payee, Payments};
use common::rng;
use encoding::Encodable;
use wallet::{Checkpoint, DevnetVerifier, LightBlock, Owner};

#[test]
fn a_block_of_payments_compacts_to_under_30_percent_and_pays_a_light_wallet() {
    let mut r = rng(50);
    let payments = Payments::prove(256, &mut r);
    let made = payments.block(1 << 14, &mut r);
    let light = LightBlock::devnet(&made.block, &made.applied).unwrap();
    let (full, compact) = (made.block.encoded_len(), light.encoded_len());
    let ratio = compact as f64 / full as f64;
    println!("full block {full} bytes, light block {compact} bytes: {ratio:.3}");
    assert!(
        ratio <= 0.30,
        "a light block of payments is {ratio:.3} of the block"
    );
    // Sent as bytes, it pays the payee's light wallet all 256 payments.
    let light = LightBlock::from_bytes(&light.to_bytes()).unwrap();
    let mut wallet = payee();
    wallet.start_at(Checkpoint::of_state(&made.before));
    let mut verifier = DevnetVerifier::new(made.producer);
    let report = wallet.apply_light(&light, &mut verifier).unwrap();
    assert_eq!(report.received.len(), 256);
    let balance = wallet.balance(Owner::Account(0), curve25519_dalek::scalar::Scalar::ZERO);
    assert_eq!(balance.confirmed, 256 * 150);
    assert_eq!(
        wallet.tip(),
        Some(&Checkpoint::of_state(&made.applied.state))
    );
}
