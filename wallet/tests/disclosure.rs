//! Payment disclosures through a real chain: the recipient and the sender of a
//! payment can prove it to anyone holding the transaction's log; a changed part, an
//! output not in the transaction, or someone else's output fails with the check
//! that failed.

mod common;

use bech32::{Bech32m, Hrp};
use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use wallet::{verify_disclosure, Disclosure, Network, Owner, TxPlan, WalletError};
use zkvm::TxLog;

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;
const DEV: Network = Network::Devnet;

/// The disclosure text with `bytes` written at `at` of its data.
fn altered(text: &str, at: usize, bytes: &[u8]) -> String {
    let (hrp, mut data) = bech32::decode(text).unwrap();
    data[at..at + bytes.len()].copy_from_slice(bytes);
    bech32::encode::<Bech32m>(Hrp::parse(hrp.as_str()).unwrap(), &data).unwrap()
}

fn mismatch(what: &'static str) -> WalletError {
    WalletError::DisclosureMismatch { what }
}

#[test]
fn a_payment_is_disclosed_by_its_recipient_and_its_sender_and_every_change_fails() {
    let mut r = rng(50);
    let (mut alice, mut bob, mut carol) = (wallet(b"alice"), wallet(b"bob"), wallet(b"carol"));
    let mut net = Net::start(&mut alice, &mut [&mut bob, &mut carol], &mut r);
    let gold = alice.flavor(0, b"gold").unwrap();
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 10)
        .pay(carol.address(ME).unwrap(), 3, gold)
        .pay_with_memo(
            bob.address(ME).unwrap(),
            500,
            ZERO,
            "invoice 7".parse().unwrap(),
        );
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    let applied = net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    let log: &TxLog = &applied.txs[0].log;
    let bobs = bob.ledger().outputs.values().next().unwrap().id;
    let index = log.outputs().position(|c| c.id() == bobs).unwrap() as u32;

    // Bob (who received it) and Alice (who sent it) disclose the same payment.
    let by_bob = bob.disclose(log, index).unwrap();
    let by_alice = alice.disclose(log, index).unwrap();
    assert_eq!(by_bob, by_alice);
    let text = by_bob.to_text();
    assert!(text.starts_with("zkddisclose1"), "{text}");
    let proved = verify_disclosure(&text, DEV, log).unwrap();
    assert_eq!(proved.tx, sent.id);
    assert_eq!(proved.output, bobs);
    assert_eq!(proved.address, bob.address(ME).unwrap());
    assert_eq!((proved.qty, proved.flavor), (500, ZERO));
    assert_eq!(Disclosure::from_text(&text, DEV).unwrap(), by_bob);
    assert!(
        !text.contains(&hex::encode("invoice 7")),
        "the memo is not disclosed"
    );

    // Each changed part fails, naming the check.
    let data_len = 270;
    let qty_at = 1 + 32 + 4 + 65;
    let changed_qty = altered(&text, qty_at, &501u64.to_le_bytes());
    assert_eq!(
        verify_disclosure(&changed_qty, DEV, log).unwrap_err(),
        mismatch("the output does not carry this quantity")
    );
    let changed_flavor = altered(&text, qty_at + 8, gold.as_bytes());
    assert_eq!(
        verify_disclosure(&changed_flavor, DEV, log).unwrap_err(),
        mismatch("the output does not carry this flavor")
    );
    let carols = carol.address(ME).unwrap().to_bytes();
    let changed_address = altered(&text, 1 + 32 + 4, &carols);
    assert_eq!(
        verify_disclosure(&changed_address, DEV, log).unwrap_err(),
        mismatch("the output is not paid to this address")
    );
    // Bob's control key with Carol's encryption key: the binding catches it.
    let changed_encryption = altered(&text, 1 + 32 + 4 + 33, &carols[33..]);
    assert_eq!(
        verify_disclosure(&changed_encryption, DEV, log).unwrap_err(),
        mismatch("the output is not paid to this address")
    );
    let changed_tx = altered(&text, 1, &[7u8; 32]);
    assert_eq!(
        verify_disclosure(&changed_tx, DEV, log).unwrap_err(),
        mismatch("the log given is not the transaction's it names")
    );
    let changed_binding = altered(&text, data_len - 32, &[9u8; 32]);
    assert_eq!(
        verify_disclosure(&changed_binding, DEV, log).unwrap_err(),
        mismatch("the output is not paid to this address")
    );
    let changed_note = altered(
        &text,
        data_len - 64,
        carol.address(ME).unwrap().to_bytes()[1..33].as_ref(),
    );
    assert_eq!(
        verify_disclosure(&changed_note, DEV, log).unwrap_err(),
        mismatch("the transaction holds no note of this payment")
    );
    // Another output of the same transaction is not Bob's.
    let other = (index + 1) % log.outputs().count() as u32;
    let changed_index = altered(&text, 1 + 32, &other.to_le_bytes());
    assert!(matches!(
        verify_disclosure(&changed_index, DEV, log).unwrap_err(),
        WalletError::DisclosureMismatch { .. }
    ));
    // An output the transaction does not have.
    let outputs = log.outputs().count();
    let missing = altered(&text, 1 + 32, &(outputs as u32).to_le_bytes());
    assert_eq!(
        verify_disclosure(&missing, DEV, log).unwrap_err(),
        WalletError::NoSuchOutput {
            tx: sent.id,
            index: outputs as u32,
            outputs
        }
    );
    assert!(matches!(
        bob.disclose(log, outputs as u32),
        Err(WalletError::NoSuchOutput { .. })
    ));
    // The text itself: checksum, network.
    let mut typo: Vec<char> = text.chars().collect();
    let at = typo.len() - 20;
    typo[at] = if typo[at] == 'q' { 'p' } else { 'q' };
    let typo: String = typo.into_iter().collect();
    assert_eq!(
        verify_disclosure(&typo, DEV, log).unwrap_err(),
        WalletError::TextChecksum {
            what: "payment disclosure"
        }
    );
    assert!(matches!(
        verify_disclosure(&text, Network::Testnet, log),
        Err(WalletError::WrongNetwork { .. })
    ));
}

#[test]
fn only_the_recipient_or_the_sender_can_disclose_an_output() {
    let mut r = rng(51);
    let (mut alice, mut bob, mut carol) = (wallet(b"alice"), wallet(b"bob"), wallet(b"carol"));
    let mut net = Net::start(&mut alice, &mut [&mut bob, &mut carol], &mut r);
    let request = bob.request_payment(0, 40, ZERO, u64::MAX, &mut r).unwrap();
    let plan = TxPlan::new(ME)
        .pay(bob.address(ME).unwrap(), 60, ZERO)
        .pay_request(request);
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    let applied = net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    let log = &applied.txs[0].log;
    let index_of = |qty: u64| {
        let id = bob
            .ledger()
            .outputs
            .values()
            .find(|o| o.opening.qty == qty)
            .unwrap()
            .id;
        log.outputs().position(|c| c.id() == id).unwrap() as u32
    };
    let (to_address, to_request) = (index_of(60), index_of(40));
    // Carol neither received nor sent it.
    assert_eq!(
        carol.disclose(log, to_address).unwrap_err(),
        WalletError::NotOurOutput {
            tx: applied.txs[0].id,
            index: to_address
        }
    );
    // A payment to a request key has no address to disclose, for either side.
    for w in [&bob, &alice] {
        assert!(matches!(
            w.disclose(log, to_request),
            Err(WalletError::NotDisclosable { .. })
        ));
    }
    // Carol forges a disclosure of Bob's output as paid to her: it fails.
    let genuine = bob.disclose(log, to_address).unwrap().to_text();
    let forged = altered(&genuine, 1 + 32 + 4, &carol.address(ME).unwrap().to_bytes());
    assert_eq!(
        verify_disclosure(&forged, DEV, log).unwrap_err(),
        mismatch("the output is not paid to this address")
    );
}
