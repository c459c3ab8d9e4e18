//! The whole bridge without the node, as the node will drive it: ETH deposited on
//! geth, seen with confirmations by four validators, reported in their vote
//! extensions and tallied; the import proven, verified and applied under the rule;
//! the recipient exports part of it; the validators sign the withdrawal in their
//! next extensions; the tally's signatures are relayed and the L1 pays exactly the
//! amount; a checkpoint of the chain state is posted and read back.

mod common;

use alloy::primitives::{Address, B256, U256};
use bridge::export::add_export;
use bridge::import::build_import;
use bridge::relay::{Relayed, Relayer};
use bridge::tally::tally;
use bridge::{apply_tx, BridgeState, Checkpoint, Effect, ExportPayload, VoteExtension};
use common::{deploy, received, recipient, votes, Geth};
use std::time::Instant;
use zkvm::{Generators, Predicate, TxBuilder, Verifier};

const CONFIRMATIONS: u64 = 2;

/// Each validator's vote extension bytes, given what it saw and what is pending.
fn extensions(
    d: &common::Deployed,
    state: &BridgeState,
    seen: &[bridge::DepositReport],
    checkpoint: Option<&Checkpoint>,
) -> Vec<Vec<u8>> {
    d.validators
        .iter()
        .map(|k| {
            VoteExtension::compose(
                k,
                state.domain(),
                seen.to_vec(),
                &state.pending_withdrawals(),
                checkpoint,
            )
            .expect("composes")
            .to_bytes()
        })
        .collect()
}

async fn confirm(geth: &Geth) {
    geth.mine(CONFIRMATIONS).await;
}

#[tokio::test]
async fn eth_goes_in_and_out_through_votes_imports_exports_and_the_relayer() {
    let d = deploy(4).await;
    let gens = Generators::new(zkvm::GENERATOR_CAPACITY);
    let domain = d.bridge.domain();
    let mut state = BridgeState::genesis(domain);

    let alice = recipient(1);
    let address = alice.address;

    // Deposit on the L1.
    let user = d.geth.funded_key(5).await;
    let start = Instant::now();
    let from = d.geth.client(&user).await.block_number().await.unwrap();
    let deposit = d
        .geth
        .client(&user)
        .await
        .bridge(d.bridge.address())
        .deposit_eth(&address.to_bytes(), 3_000_000)
        .await
        .unwrap();
    confirm(&d.geth).await;
    let seen = d.bridge.deposits(from, CONFIRMATIONS + 1).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].l1_tx, deposit.tx_hash);

    // Votes, tally, import.
    let exts = extensions(&d, &state, &seen, None);
    let agreed = tally(&votes(&exts), 40, &state, &d.set, None).deposits;
    assert_eq!(agreed, seen);
    let proving = Instant::now();
    let import = build_import(&agreed[0], &state, &gens).unwrap();
    let proved = proving.elapsed();
    let verifying = Instant::now();
    let verified = Verifier::verify_tx(&import.tx, &gens).unwrap();
    eprintln!(
        "import transaction: {} bytes, built and proven in {:.1} ms, verified in {:.1} ms",
        import.tx.to_bytes().len(),
        proved.as_secs_f64() * 1e3,
        verifying.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(
        apply_tx(&mut state, &import.tx, &verified, &agreed).unwrap(),
        Effect::Import(agreed[0].clone())
    );
    eprintln!(
        "deposit mined, confirmed ({CONFIRMATIONS} more blocks), tallied, imported: {:.2} s",
        start.elapsed().as_secs_f64()
    );

    // The recipient finds the note and exports 1,000,000 wei to an L1 address.
    let (coin, _, _) = received(&verified, &alice);
    let key = coin
        .predicate
        .signing_key()
        .expect("the recipient holds the key");
    let to = Address::repeat_byte(0x5a);
    let payload = ExportPayload {
        recipient: to,
        token: Address::ZERO,
        amount: 1_000_000,
    };
    let start = Instant::now();
    let mut rng = rand_core::OsRng;
    let b = TxBuilder::new()
        .spend(coin)
        .change_to(Predicate::from_signing_key(key));
    let export_tx = add_export(b, domain.chain_id, &payload)
        .build(&gens, &mut rng)
        .unwrap()
        .sign(&mut rng)
        .unwrap();
    let exported = Verifier::verify_tx(&export_tx, &gens).unwrap();
    let Effect::Exports(ws) = apply_tx(&mut state, &export_tx, &exported, &[]).unwrap() else {
        panic!("an export")
    };
    assert_eq!(state.held(&Address::ZERO), 2_000_000);

    // The next height's votes sign the withdrawal and the checkpoint.
    let checkpoint = Checkpoint {
        height: 3,
        block_id: B256::repeat_byte(0xb1),
        utxo_root: B256::repeat_byte(0xb2),
        app_hash: B256::from(state.root()),
    };
    let exts = extensions(&d, &state, &[], Some(&checkpoint));
    let t = tally(&votes(&exts), 40, &state, &d.set, Some(&checkpoint));
    assert_eq!(t.withdrawals.len(), 1);
    let (w, sigs) = t.withdrawals[0].clone();
    assert_eq!(w, ws[0]);
    state.mark_signed(&w.id()).unwrap();

    let relayer = Relayer::new(d.bridge.clone());
    let Relayed::Paid(_) = relayer.relay_withdrawal(&w, sigs).await.unwrap() else {
        panic!("paid")
    };
    eprintln!(
        "export proven, applied, signed, tallied, relayed and paid: {:.2} s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(
        d.bridge.l1().eth_balance(to).await.unwrap(),
        U256::from(1_000_000u64)
    );
    state.mark_paid(&w.id()).unwrap();
    assert!(state.signed_withdrawals().is_empty());

    let (cp, sigs) = t.checkpoint.expect("the checkpoint got its signatures");
    relayer.relay_checkpoint(&cp, sigs).await.unwrap();
    assert_eq!(d.bridge.checkpoint_at(3).await.unwrap(), Some(checkpoint));
}
