//! Offline signing through a real chain: a watch-only wallet made from Bob's full
//! viewing key builds and proves a payment; a signer holding only Bob's root reviews
//! and signs it; the online wallet submits it. A proposal tampered in any way is
//! refused with a message naming what differs.

mod common;

use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use wallet::offline::{self, KeyPath, Proposal, ShownOutput};
use wallet::{Memo, Network, Owner, Recipient, TxPlan, Wallet, WalletError};
use zkvm::{FeeRate, R1csProof};

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;
const DEV: Network = Network::Devnet;

fn refused(result: Result<(Proposal, wallet::Review), WalletError>) -> String {
    match result {
        Err(WalletError::ProposalRefused { what }) => what,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_watch_only_wallet_builds_the_root_signs_offline_and_tampering_is_refused() {
    let mut r = rng(60);
    let root = Xprv::from_seed(b"bob");
    let fvk = Wallet::new(root.clone(), DEV)
        .account(0)
        .unwrap()
        .full_viewing_key()
        .unwrap();
    let (mut alice, mut carol) = (wallet(b"alice"), wallet(b"carol"));
    let mut online = Wallet::watch_only(fvk.clone(), DEV);
    let mut net = Net::start(&mut alice, &mut [&mut online, &mut carol], &mut r);
    let gold = alice.flavor(0, b"gold").unwrap();
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 100)
        .pay(online.address(ME).unwrap(), 40, gold)
        .pay(online.address(ME).unwrap(), 20_000, ZERO);
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut online, &mut carol]);

    // Online: pay Carol with a memo, pay her request, retire, issue; unsigned.
    let request = carol
        .request_payment(0, 50, ZERO, u64::MAX, &mut r)
        .unwrap();
    let plan = TxPlan::new(ME)
        .pay_with_memo(
            carol.address(ME).unwrap(),
            300,
            ZERO,
            "for the chairs".parse().unwrap(),
        )
        .pay(carol.address(ME).unwrap(), 15, gold)
        .pay_request(request)
        .retire(5, gold)
        .issue(b"bobcoin".to_vec(), 70)
        .fee_rate(FeeRate::new(1, 100));
    let proposal = online.build_unsigned(&plan, &net.gens, &mut r).unwrap();
    assert!(!proposal.is_signed());
    assert_eq!(
        online.balance(ME, ZERO).locked,
        20_000,
        "its inputs are reserved"
    );
    let bytes = proposal.to_bytes();
    assert_eq!(Proposal::from_bytes(&bytes).as_ref(), Ok(&proposal));

    // Offline: the signer sees what it signs.
    let (signed, review) = offline::sign(&root, DEV, &proposal, &net.gens, &mut r).unwrap();
    assert!(signed.is_signed());
    assert_eq!(review.fee, proposal.fee);
    assert_eq!(review.payments.len(), 3);
    let chairs = &review.payments[0];
    assert_eq!(chairs.to, Recipient::Address(carol.address(ME).unwrap()));
    assert_eq!((chairs.qty, chairs.flavor), (300, ZERO));
    assert_eq!(
        chairs.memo.as_ref().and_then(Memo::as_text),
        Some("for the chairs")
    );
    assert!(matches!(review.payments[2].to, Recipient::RequestKey(_)));
    assert_eq!(review.retired, vec![(5, gold)]);
    let bobcoin = online.flavor(0, b"bobcoin").unwrap();
    assert_eq!(review.issued, vec![(70, bobcoin)]);
    assert!(review
        .change
        .contains(&(20_000 - 300 - 50 - proposal.fee, ZERO)));
    assert!(review.change.contains(&(40 - 15 - 5, gold)));
    let signed = Proposal::from_bytes(&signed.to_bytes()).unwrap();

    // Online again: submit and follow.
    let sent = online.complete_offline(&signed, &net.gens).unwrap();
    assert_eq!(sent.id, proposal.id);
    assert_eq!(sent.replies.len(), 1);
    carol.accept_reply(&sent.replies[0]).unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut online, &mut carol]);
    assert_eq!(
        online.balance(ME, ZERO).confirmed,
        20_000 - 350 - proposal.fee
    );
    assert_eq!(online.balance(ME, gold).confirmed, 20);
    assert_eq!(online.balance(ME, bobcoin).confirmed, 70);
    assert_eq!(carol.balance(ME, ZERO).confirmed, 350);
    assert_eq!(carol.balance(ME, gold).confirmed, 15);
    assert!(online.ledger().pending.is_empty());

    // Tampered proposals: each refused, naming what differs.
    let plan = TxPlan::new(ME)
        .pay_with_memo(
            carol.address(ME).unwrap(),
            100,
            ZERO,
            "rent".parse().unwrap(),
        )
        .fee_rate(FeeRate::new(1, 100));
    let good = online.build_unsigned(&plan, &net.gens, &mut r).unwrap();
    let sign = |p: &Proposal| offline::sign(&root, DEV, p, &net.gens, &mut rng(61));
    assert!(sign(&good).is_ok());
    let tamper = |change: &dyn Fn(&mut Proposal)| {
        let mut p = good.clone();
        change(&mut p);
        refused(sign(&p))
    };

    let amount = tamper(&|p| {
        if let ShownOutput::Payment { opening, .. } = &mut p.shown.outputs[0] {
            opening.qty += 1;
        }
    });
    assert!(amount.contains("amount"), "{amount}");
    let dave = wallet(b"dave").address(ME).unwrap();
    let recipient = tamper(&|p| {
        if let ShownOutput::Payment { address, .. } = &mut p.shown.outputs[0] {
            **address = dave;
        }
    });
    assert!(recipient.contains("recipient"), "{recipient}");
    let flavor = tamper(&|p| {
        if let ShownOutput::Payment { opening, .. } = &mut p.shown.outputs[0] {
            opening.flavor = gold;
        }
    });
    assert!(flavor.contains("flavor"), "{flavor}");
    let memo = tamper(&|p| {
        if let ShownOutput::Payment { memo, .. } = &mut p.shown.outputs[0] {
            *memo = Some("deposit".parse().unwrap());
        }
    });
    assert!(memo.contains("memo"), "{memo}");
    let fee = tamper(&|p| p.fee += 1);
    assert!(fee.contains("fee"), "{fee}");
    let hidden = tamper(&|p| {
        p.shown.outputs.pop();
    });
    assert!(hidden.contains("hidden output"), "{hidden}");
    let program = tamper(&|p| {
        let at = p.tx.program.len() - 2;
        p.tx.program[at] ^= 1;
    });
    assert!(program.contains("program"), "{program}");
    let header = tamper(&|p| p.tx.header.maxtime_ms -= 1);
    assert!(header.contains("program or header"), "{header}");
    let proof = tamper(&|p| {
        let mut bytes = p.tx.proof.to_bytes();
        let at = bytes.len() - 32;
        bytes[at..].copy_from_slice(&[0u8; 32]);
        p.tx.proof = R1csProof::from_bytes(&bytes).unwrap();
    });
    assert!(proof.contains("proof (R1CS)"), "{proof}");
    let path = tamper(&|p| {
        if let KeyPath::Control { tweak } = &mut p.signers[0].path {
            *tweak += Scalar::ONE;
        }
    });
    assert!(path.contains("derivation path"), "{path}");
    // Another root is refused the same way, before anything else.
    let other = offline::sign(&Xprv::from_seed(b"mallory"), DEV, &good, &net.gens, &mut r);
    assert!(refused(other).contains("derivation path"));
    assert!(matches!(
        offline::sign(&root, Network::Testnet, &good, &net.gens, &mut r),
        Err(WalletError::WrongNetwork { .. })
    ));
    // An incoming viewing key alone cannot build.
    let mut incoming = Wallet::watch_only(fvk.incoming().clone(), DEV);
    incoming.start(&net.genesis, Vec::new());
    for block in &net.blocks {
        incoming.apply_block(block).unwrap();
    }
    assert_eq!(
        incoming
            .build_unsigned(&plan, &net.gens, &mut r)
            .unwrap_err(),
        WalletError::NeedsFullViewingKey {
            action: "build a transaction"
        }
    );
}

#[test]
fn malformed_proposals_are_refused() {
    let mut r = rng(62);
    let (mut alice, bob) = (wallet(b"alice"), wallet(b"bob"));
    let net = Net::start(&mut alice, &mut [], &mut r);
    let plan = TxPlan::new(ME).pay(bob.address(ME).unwrap(), 5, ZERO);
    let bytes = alice
        .build_unsigned(&plan, &net.gens, &mut r)
        .unwrap()
        .to_bytes();
    assert!(Proposal::from_bytes(&bytes).is_ok());
    for cut in [0, 4, 5, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(Proposal::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(Proposal::from_bytes(&long).is_err());
    let mut version = bytes.clone();
    version[4] = 2;
    assert_eq!(
        Proposal::from_bytes(&version).unwrap_err(),
        WalletError::UnsupportedVersion {
            what: "transaction proposal",
            version: 2,
            supported: 1
        }
    );
    let mut tag = bytes;
    tag[0] = b'x';
    assert!(matches!(
        Proposal::from_bytes(&tag),
        Err(WalletError::Malformed { .. })
    ));
}
