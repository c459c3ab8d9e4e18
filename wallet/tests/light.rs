//! Light wallets: following the chain from compact blocks, checking what they can,
//! and naming each lie a node can tell.

mod common;

use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use merkle::Hash;
use wallet::compact::{CompactEntry, Spend};
use wallet::note::{seal, KeyKind, Opening};
use wallet::{CompactBlock, DevnetVerifier, LightBlock, Owner, TxPlan, Wallet, WalletError};
use zkvm::{ContractId, FeeRate};

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;

fn rate() -> FeeRate {
    FeeRate::new(1, 100)
}

/// Applies the light blocks `light` hasn't seen yet.
fn follow(light: &mut Wallet, net: &Net, verifier: &mut DevnetVerifier) {
    let height = light.tip().unwrap().height();
    for block in net.light.iter().filter(|b| b.block.header.height > height) {
        light.apply_light(block, verifier).unwrap();
    }
}

/// The same outputs with the same proofs, and the same tip.
fn assert_same_view(light: &Wallet, full: &Wallet) {
    let view = |w: &Wallet| {
        let outputs = w.ledger().outputs.values();
        outputs
            .map(|o| (o.id, o.proof.clone(), o.opening.qty))
            .collect::<Vec<_>>()
    };
    assert_eq!(view(light), view(full));
    assert_eq!(light.tip(), full.tip());
}

#[test]
fn a_light_wallet_follows_as_a_full_one() {
    let mut r = rng(20);
    let (mut alice, mut bob, mut carol) = (wallet(b"alice"), wallet(b"bob"), wallet(b"carol"));
    let mut light_bob = wallet(b"bob");
    let mut light_carol = wallet(b"carol");
    let mut net = Net::start(
        &mut alice,
        &mut [&mut bob, &mut carol, &mut light_bob, &mut light_carol],
        &mut r,
    );
    let mut verifier = net.verifier();
    let gold = alice.flavor(0, b"gold").unwrap();

    // An issuance with payments: outputs whose anchors do not follow the inputs.
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 1_000)
        .pay(bob.address(ME).unwrap(), 10_000, ZERO)
        .pay(bob.address(ME).unwrap(), 400, gold)
        .pay(carol.address(ME).unwrap(), 10_000, ZERO)
        .fee_rate(rate());
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    follow(&mut light_bob, &net, &mut verifier);
    follow(&mut light_carol, &net, &mut verifier);
    assert_same_view(&light_bob, &bob);
    assert_eq!(light_bob.balance(ME, gold).confirmed, 400);

    // Carol asks Bob by request (found through the reply, and by its note); Bob
    // spends outputs both copies of him hold.
    let request = carol
        .request_payment(0, 150, gold, net.time + 60_000, &mut r)
        .unwrap();
    let plan = TxPlan::new(ME)
        .pay_request(request.clone())
        .pay(alice.address(ME).unwrap(), 25, gold)
        .fee_rate(rate());
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    carol.accept_reply(&sent.replies[0]).unwrap();
    light_carol
        .request_payment(0, 150, gold, net.time + 60_000, &mut r)
        .unwrap();
    light_carol.accept_reply(&sent.replies[0]).unwrap();
    net.submit(&sent);
    for _ in 0..3 {
        net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    }
    follow(&mut light_bob, &net, &mut verifier);
    follow(&mut light_carol, &net, &mut verifier);
    assert_same_view(&light_bob, &bob);
    assert_same_view(&light_carol, &carol);
    assert_eq!(light_carol.balance(ME, gold).confirmed, 150);
    assert_eq!(light_bob.balance(ME, gold).confirmed, 400 - 150 - 25);
    // Every proof holds against the chain's forest.
    for (id, o) in &light_bob.ledger().outputs {
        assert_eq!(net.state.forest().verify(id, &o.proof), Ok(()));
    }
    // A light block applied twice is skipped.
    let last = net.light.last().unwrap();
    assert!(
        light_bob
            .apply_light(last, &mut verifier)
            .unwrap()
            .already_applied
    );
}

/// Alice pays Bob in block 2; returns the net, Bob following by light blocks up
/// to block 1, and block 2 as a light block.
fn bob_before_a_payment() -> (Net, Wallet, LightBlock) {
    let mut r = rng(21);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let plan = TxPlan::new(ME)
        .pay(bob.address(ME).unwrap(), 700, ZERO)
        .fee_rate(rate());
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice]);
    // Block 3 spends the faucet's change: a spend with a path to forge.
    let plan = TxPlan::new(ME)
        .pay(bob.address(ME).unwrap(), 800, ZERO)
        .fee_rate(rate());
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice]);
    let mut verifier = net.verifier();
    bob.apply_light(&net.light[0], &mut verifier).unwrap();
    let block = net.light[1].clone();
    (net, bob, block)
}

/// Applies a lie: it must fail, change nothing, and the truth must still apply.
fn refused(bob: &mut Wallet, net: &Net, lie: &LightBlock) -> WalletError {
    let before = bob.state_bytes();
    let mut verifier = net.verifier();
    let error = bob.apply_light(lie, &mut verifier).unwrap_err();
    assert_eq!(bob.state_bytes(), before, "a refused block changes nothing");
    error
}

fn path_spend(block: &mut LightBlock) -> (&mut ContractId, &mut u64, &mut Vec<Hash>) {
    let mut spend = block.block.txs.iter_mut().flat_map(|t| &mut t.entries);
    spend
        .find_map(|e| match e {
            CompactEntry::Input {
                id,
                spend: Spend::Path { position, hashes },
            } => Some((id, position, hashes)),
            _ => None,
        })
        .expect("a spend with a path")
}

fn outputs(block: &LightBlock) -> Vec<usize> {
    let entries = &block.block.txs[0].entries;
    (0..entries.len())
        .filter(|i| matches!(entries[*i], CompactEntry::Output { .. }))
        .collect()
}

#[test]
fn a_header_without_the_producers_signature_is_refused() {
    let (net, mut bob, block) = bob_before_a_payment();
    let mut forged = block.clone();
    forged.evidence[0] ^= 1;
    assert!(matches!(
        refused(&mut bob, &net, &forged),
        WalletError::HeaderNotSigned { height: 3, .. }
    ));
    // Signed by someone else, or no signature at all.
    let mut other = block.clone();
    let key = musig::SigningKey::new(Scalar::from(99u64));
    other.evidence = blockchain::sign_block(&block.block.header, &key)
        .to_bytes()
        .to_vec();
    assert!(matches!(
        refused(&mut bob, &net, &other),
        WalletError::HeaderNotSigned { .. }
    ));
    let mut none = block.clone();
    none.evidence.clear();
    assert!(matches!(
        refused(&mut bob, &net, &none),
        WalletError::HeaderNotSigned { .. }
    ));
    // A header changed after signing (here: a later time) no longer matches.
    let mut later = block.clone();
    later.block.header.timestamp_ms += 1;
    assert!(matches!(
        refused(&mut bob, &net, &later),
        WalletError::HeaderNotSigned { .. }
    ));
    bob.apply_light(&block, &mut net.verifier()).unwrap();
}

#[test]
fn a_forged_catch_up_is_refused() {
    let (net, mut bob, block) = bob_before_a_payment();
    let mut hash = block.clone();
    let (_, _, hashes) = path_spend(&mut hash);
    assert!(!hashes.is_empty(), "the spend carries hashes");
    hashes[0].0[0] ^= 1;
    assert!(matches!(
        refused(&mut bob, &net, &hash),
        WalletError::ForgedCatchup { height: 3, .. }
    ));
    let mut position = block.clone();
    *path_spend(&mut position).1 += 1;
    assert!(matches!(
        refused(&mut bob, &net, &position),
        WalletError::ForgedCatchup { .. }
    ));
    let mut short = block.clone();
    path_spend(&mut short).2.pop();
    assert!(matches!(
        refused(&mut bob, &net, &short),
        WalletError::ForgedCatchup { .. }
    ));
    // A spend of an output that is not in the forest.
    let mut other = block.clone();
    path_spend(&mut other).0 .0[0] ^= 1;
    assert!(matches!(
        refused(&mut bob, &net, &other),
        WalletError::ForgedCatchup { .. }
    ));
    bob.apply_light(&block, &mut net.verifier()).unwrap();
}

#[test]
fn a_withheld_or_invented_output_or_spend_is_refused() {
    let (net, mut bob, block) = bob_before_a_payment();
    // Bob's payment withheld (his note with it, or not).
    for keep_note in [false, true] {
        let mut withheld = block.clone();
        let entries = &mut withheld.block.txs[0].entries;
        let at = outputs(&block)[0];
        entries.remove(at);
        if !keep_note {
            entries.retain(|e| !matches!(e, CompactEntry::Note(_)));
        }
        assert!(matches!(
            refused(&mut bob, &net, &withheld),
            WalletError::ForestMismatch { height: 3, .. }
        ));
    }
    // A spend withheld.
    let mut spend = block.clone();
    let entries = &mut spend.block.txs[0].entries;
    entries.retain(|e| !matches!(e, CompactEntry::Input { .. }));
    assert!(matches!(
        refused(&mut bob, &net, &spend),
        WalletError::ForestMismatch { .. }
    ));
    // An output invented, or two swapped.
    let mut invented = block.clone();
    invented.block.txs[0].entries.push(CompactEntry::Output {
        id: ContractId([5; 32]),
        anchor: None,
    });
    assert!(matches!(
        refused(&mut bob, &net, &invented),
        WalletError::ForestMismatch { .. }
    ));
    let mut swapped = block.clone();
    let [a, b] = outputs(&block)[..] else {
        panic!("a payment and its change")
    };
    swapped.block.txs[0].entries.swap(a, b);
    assert!(matches!(
        refused(&mut bob, &net, &swapped),
        WalletError::ForestMismatch { .. }
    ));
    // A transaction withheld whole.
    let mut whole = block.clone();
    whole.block.txs.clear();
    assert!(matches!(
        refused(&mut bob, &net, &whole),
        WalletError::ForestMismatch { .. }
    ));
    let report = bob.apply_light(&block, &mut net.verifier()).unwrap();
    assert_eq!(report.received.len(), 1);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 700 + 800);
}

#[test]
fn a_wrong_note_is_not_counted() {
    let (net, mut bob, block) = bob_before_a_payment();
    let mut r = rng(22);
    // A note to Bob's address for an output the block does not have. Anyone can
    // write one (a sender as well as a node), so it is named, not fatal.
    let address = bob.address(ME).unwrap();
    let opening = Opening::random(KeyKind::Address, 1_000_000, ZERO, &mut r);
    let (note, _) = seal(address.encryption_key(), &opening, &mut r);
    let mut forged = block.clone();
    forged.block.txs[0].entries.push(CompactEntry::Note(note));
    let report = bob.apply_light(&forged, &mut net.verifier()).unwrap();
    assert_eq!(report.refused_notes, vec![0]);
    assert_eq!(report.received.len(), 1);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 700 + 800);
}

#[test]
fn blocks_out_of_order_or_breaking_header_rules_are_refused() {
    let (mut net, mut bob, block) = bob_before_a_payment();
    net.mine(&mut []);
    let next = net.light.last().unwrap().clone();
    assert!(matches!(
        refused(&mut bob, &net, &next),
        WalletError::NotExtendingTip {
            height: 4,
            tip_height: 2,
            ..
        }
    ));
    // A block signed by the producer but earlier than the tip.
    let key = net.producer_key.clone();
    let mut early = block.clone();
    early.block.header.timestamp_ms = bob.tip().unwrap().timestamp_ms();
    early.evidence = blockchain::sign_block(&early.block.header, &key)
        .to_bytes()
        .to_vec();
    assert!(matches!(
        refused(&mut bob, &net, &early),
        WalletError::Chain(blockchain::BlockchainError::TimestampNotLater { .. })
    ));
    let mut v = net.verifier();
    bob.apply_light(&block, &mut v).unwrap();
    bob.apply_light(&next, &mut v).unwrap();
    assert_eq!(
        wallet(b"dave").apply_light(&next, &mut v),
        Err(WalletError::NotStarted)
    );
}

#[test]
fn compact_blocks_round_trip_and_bad_bytes_are_refused() {
    let (net, _, block) = bob_before_a_payment();
    for light in &net.light {
        let bytes = light.to_bytes();
        assert_eq!(bytes.len(), encoding::Encodable::encoded_len(light));
        assert_eq!(LightBlock::from_bytes(&bytes).as_ref(), Ok(light));
        let compact = light.block.to_bytes();
        assert_eq!(
            CompactBlock::from_bytes(&compact).as_ref(),
            Ok(&light.block)
        );
    }
    let bytes = block.to_bytes();
    for cut in [0, 1, 50, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(
            LightBlock::from_bytes(&bytes[..cut]),
            Err(WalletError::MalformedCompactBlock(_))
        ));
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(LightBlock::from_bytes(&long).is_err());
    let mut version = bytes.clone();
    version[0] = 2;
    assert!(matches!(
        LightBlock::from_bytes(&version),
        Err(WalletError::MalformedCompactBlock(m)) if m.contains("version 2")
    ));
    // A transaction count larger than the bytes can hold, refused before allocating.
    let header_len = block.block.header.to_bytes().len();
    let mut huge = bytes.clone();
    huge[1 + header_len..1 + header_len + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        LightBlock::from_bytes(&huge),
        Err(WalletError::MalformedCompactBlock(m)) if m.contains("count")
    ));
    // An unknown entry kind, and a path longer than any forest has.
    let entry_at = 1 + header_len + 4 + 32 + 4;
    let mut kind = bytes.clone();
    kind[entry_at] = 9;
    assert!(LightBlock::from_bytes(&kind).is_err());
    let mut deep = block.clone();
    *path_spend(&mut deep).2 = vec![Hash([1; 32]); 64];
    assert!(matches!(
        LightBlock::from_bytes(&deep.to_bytes()),
        Err(WalletError::MalformedCompactBlock(m)) if m.contains("levels")
    ));
    // A block and the applied form of another do not make a compact block.
    let applied = &net.blocks[1];
    let empty = blockchain::Block {
        header: applied.state.tip().clone(),
        signature: zkvm::tx::empty_signature(),
        txs: Vec::new(),
    };
    assert!(CompactBlock::new(&empty, applied).is_err());
}
