//! The security argument of `spec/bridge.md` ("rules"), tested on real proven
//! transactions: an agreed deposit imports once and pays its address; a forged
//! import, an import of an unreported deposit, the same deposit twice and every way
//! a user transaction can make the issuer key sign (signtx, signid, signtag) are
//! refused; exports need an open retirement and what the chain holds.

mod common;

use alloy::primitives::{Address as EthAddress, B256};
use bridge::export::add_export;
use bridge::import::{build_import, marker};
use bridge::{
    apply_tx, flavor, BridgeError, BridgeState, DepositReport, Domain, Effect, ExportPayload,
};
use common::{received, recipient, Recipient};
use curve25519_dalek::scalar::Scalar;
use std::sync::OnceLock;
use zkvm::{
    Anchor, ClearValue, Commitment, Contract, Generators, PortableItem, Predicate, Program, Spend,
    Tx, TxBuilder, TxEntry, Value, VerifiedTx, Verifier,
};

const CHAIN_ID: u64 = 1337;

fn domain() -> Domain {
    Domain {
        chain_id: CHAIN_ID,
        bridge: EthAddress::repeat_byte(0xb1),
    }
}

fn gens() -> &'static Generators {
    static GENS: OnceLock<Generators> = OnceLock::new();
    GENS.get_or_init(|| Generators::new(zkvm::GENERATOR_CAPACITY))
}

fn deposit(nonce: u64, token: EthAddress, amount: u64, to: &Recipient) -> DepositReport {
    DepositReport {
        nonce,
        token,
        amount,
        recipient: to.address.to_bytes(),
        l1_tx: B256::repeat_byte(nonce as u8 + 1),
    }
}

fn verify(tx: &Tx) -> VerifiedTx {
    Verifier::verify_tx(tx, gens()).expect("the VM accepts it; only the bridge rule may not")
}

fn sign(b: TxBuilder) -> Tx {
    let mut rng = rand_core::OsRng;
    b.build(gens(), &mut rng)
        .expect("proves")
        .sign(&mut rng)
        .expect("signs")
}

/// Imports `d` into `state` as the block's agreed deposit.
fn import(state: &mut BridgeState, d: &DepositReport) -> VerifiedTx {
    let import = build_import(d, state, gens()).expect("builds");
    let verified = verify(&import.tx);
    let effect = apply_tx(state, &import.tx, &verified, std::slice::from_ref(d)).expect("imports");
    assert_eq!(effect, Effect::Import(d.clone()));
    verified
}

#[test]
fn an_agreed_deposit_imports_once_paying_its_address_with_a_note() {
    let mut state = BridgeState::genesis(domain());
    let alice = recipient(1);
    let d = deposit(0, EthAddress::ZERO, 5_000, &alice);
    let before = state.root();
    let verified = import(&mut state, &d);
    assert!(state.is_imported(0));
    assert_eq!(state.held(&EthAddress::ZERO), 5_000);
    assert_ne!(state.root(), before);
    let (_, qty, flv) = received(&verified, &alice);
    assert_eq!(
        (qty, flv),
        (5_000, flavor::flavor(CHAIN_ID, EthAddress::ZERO))
    );
    // The log shows the issued amount and flavor to anyone.
    let open = TxEntry::Issue(
        Commitment::unblinded(5_000u64).to_point(),
        Commitment::unblinded(flv).to_point(),
    );
    assert!(verified.log.entries().contains(&open));
    // The next import spends the anchor this one left.
    let spent: Vec<_> = verified.log.inputs().collect();
    assert_eq!(spent.len(), 1);
    assert!(verified
        .log
        .outputs()
        .any(|c| c.id() == state.anchor_contract().id()));
}

#[test]
fn the_import_program_is_deterministic() {
    let state = BridgeState::genesis(domain());
    let d = deposit(3, EthAddress::repeat_byte(7), 9, &recipient(2));
    let anchor = state.anchor_contract().anchor;
    let a = bridge::import::import_program(&d, &domain(), anchor).unwrap();
    let b = bridge::import::import_program(&d, &domain(), anchor).unwrap();
    assert_eq!(a.to_bytes(), b.to_bytes());
    let other = bridge::import::import_program(&d, &domain(), Anchor([9; 32])).unwrap();
    assert_ne!(a.to_bytes(), other.to_bytes());
}

#[test]
fn the_same_deposit_imports_only_once() {
    let mut state = BridgeState::genesis(domain());
    let d = deposit(0, EthAddress::ZERO, 10, &recipient(1));
    import(&mut state, &d);
    // A second import from the new anchor is a valid VM transaction, but not a valid
    // bridge transaction.
    let again = build_import(&d, &state, gens()).unwrap();
    let verified = verify(&again.tx);
    let before = state.clone();
    let e = apply_tx(&mut state, &again.tx, &verified, std::slice::from_ref(&d)).unwrap_err();
    assert!(
        matches!(e, BridgeError::AlreadyImported { nonce: 0 }),
        "{e}"
    );
    assert_eq!(state, before, "a refused transaction changes nothing");
}

#[test]
fn an_import_of_an_unreported_deposit_is_refused() {
    let mut state = BridgeState::genesis(domain());
    let d = deposit(0, EthAddress::ZERO, 10, &recipient(1));
    let import = build_import(&d, &state, gens()).unwrap();
    let verified = verify(&import.tx);
    let e = apply_tx(&mut state, &import.tx, &verified, &[]).unwrap_err();
    assert!(matches!(e, BridgeError::IssuerKeyMisused(_)), "{e}");
    // Agreed with another amount is not agreed either.
    let other = DepositReport {
        amount: 11,
        ..d.clone()
    };
    let e = apply_tx(&mut state, &import.tx, &verified, &[other]).unwrap_err();
    assert!(matches!(e, BridgeError::IssuerKeyMisused(_)), "{e}");
    assert!(!state.is_imported(0));
}

#[test]
fn a_forged_import_paying_someone_else_is_refused() {
    let mut state = BridgeState::genesis(domain());
    let d = deposit(0, EthAddress::ZERO, 10, &recipient(1));
    let thief = recipient(9);
    // Everything an import has, with the agreed deposit's marker, but paid to the thief.
    let flv = flavor::flavor(CHAIN_ID, d.token);
    let mut rng = rand_core::OsRng;
    let b = TxBuilder::new()
        .spend_with(Spend::signtx(state.anchor_contract()))
        .issue_open(
            flavor::issuer_predicate(),
            flavor::metadata(CHAIN_ID, d.token),
            d.amount,
        );
    let b = wallet::send::pay_address(b, &thief.address, d.amount, flv, &mut rng)
        .pay_blinded(
            flavor::issuer_predicate().to_opaque(),
            ClearValue {
                qty: 0,
                flv: zkvm::FEE_FLAVOR,
            },
            Scalar::ZERO,
            Scalar::ZERO,
        )
        .data(marker(&d));
    let tx = sign(b);
    let verified = verify(&tx);
    let e = apply_tx(&mut state, &tx, &verified, std::slice::from_ref(&d)).unwrap_err();
    assert!(
        matches!(
            e,
            BridgeError::IssuerKeyMisused("not the import program of the deposit")
        ),
        "{e}"
    );
}

/// An output of `qty` of `flavor` under `key`, with open commitments.
fn coin(key: &zkvm::SigningKey, qty: u64, flavor: Scalar, anchor: u8) -> Contract {
    let mut rng = rand_core::OsRng;
    Contract {
        predicate: Predicate::from_signing_key(key.clone()),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, &mut rng),
            flv: Commitment::blinded(flavor, &mut rng),
        })],
        anchor: Anchor([anchor; 32]),
    }
}

fn user() -> zkvm::SigningKey {
    zkvm::SigningKey::new(Scalar::from(77u64))
}

fn refused_as_misuse(tx: &Tx, agreed: &[DepositReport]) {
    let mut state = BridgeState::genesis(domain());
    let verified = verify(tx);
    assert!(verified
        .signers
        .contains(&flavor::issuer_verification_key()));
    let e = apply_tx(&mut state, tx, &verified, agreed).unwrap_err();
    assert!(matches!(e, BridgeError::IssuerKeyMisused(_)), "{e}");
    assert_eq!(state, BridgeState::genesis(domain()));
}

#[test]
fn a_user_issuing_a_bridged_flavor_with_signtx_is_refused() {
    let me = user();
    let token = EthAddress::ZERO;
    let b = TxBuilder::new()
        .spend(coin(&me, 1, zkvm::FEE_FLAVOR, 1))
        .issue(
            flavor::issuer_predicate(),
            flavor::metadata(CHAIN_ID, token),
            1_000_000,
        )
        .change_to(Predicate::from_signing_key(me.clone()));
    let tx = sign(b.clone());
    refused_as_misuse(&tx, &[]);
    // Even naming an agreed deposit in a marker.
    let d = deposit(0, token, 1_000_000, &recipient(1));
    let tx = sign(b.data(marker(&d)));
    refused_as_misuse(&tx, std::slice::from_ref(&d));
}

/// Sends the value on top of the stack to the user's key.
fn to_user() -> Program {
    Program::build(|p| {
        p.push(Predicate::from_key(&user().verification_key()))
            .output(1);
    })
}

#[test]
fn a_user_spending_an_issuer_output_with_signid_is_refused() {
    // Value someone sent to the issuer key is stuck: spending it means the issuer
    // signs, by any path.
    let issuer = flavor::issuer_key();
    let output = coin(&issuer, 5, zkvm::FEE_FLAVOR, 2);
    let mut rng = rand_core::OsRng;
    let signature = zkvm::sign_id(&issuer, &output.id(), &to_user(), &mut rng);
    let tx = sign(TxBuilder::new().spend_with(Spend::signid(output, to_user(), signature)));
    refused_as_misuse(&tx, &[]);
}

#[test]
fn a_user_spending_an_issuer_output_with_signtag_is_refused() {
    let issuer = flavor::issuer_key();
    let tag = zkvm::Data::from(b"tag".to_vec());
    let mut output = coin(&issuer, 5, zkvm::FEE_FLAVOR, 3);
    output.payload.push(PortableItem::Data(tag.clone()));
    let mut drop_tag = Program::build(|p| {
        p.drop();
    });
    drop_tag.append(to_user());
    let mut rng = rand_core::OsRng;
    let signature = zkvm::sign_tag(&issuer, &tag, &drop_tag, &mut rng);
    let tx = sign(TxBuilder::new().spend_with(Spend::signtag(output, drop_tag, signature)));
    refused_as_misuse(&tx, &[]);
}

#[test]
fn imported_value_exports_within_what_is_held() {
    let mut state = BridgeState::genesis(domain());
    let alice = recipient(1);
    let d = deposit(0, EthAddress::ZERO, 1_000, &alice);
    let verified = import(&mut state, &d);
    let (coin, qty, flv) = received(&verified, &alice);
    let payload = ExportPayload {
        recipient: EthAddress::repeat_byte(0xee),
        token: EthAddress::ZERO,
        amount: 400,
    };
    let change = Predicate::from_key(&alice.address.control_key().clone());
    let b = TxBuilder::new()
        .spend(coin.clone())
        .change_to(change.clone());
    let tx = sign(add_export(b, CHAIN_ID, &payload));
    let exported = verify(&tx);
    let effect = apply_tx(&mut state, &tx, &exported, &[]).unwrap();
    let Effect::Exports(ws) = effect else {
        panic!("expected an export, got {effect:?}")
    };
    assert_eq!(ws.len(), 1);
    assert_eq!(ws[0].payload, payload);
    assert_eq!(ws[0].zkvm_tx, B256::from(exported.id.0));
    assert_eq!(state.held(&EthAddress::ZERO), 600);
    assert_eq!(state.pending_withdrawals(), ws);
    assert_eq!(
        (qty, flv),
        (1_000, flavor::flavor(CHAIN_ID, EthAddress::ZERO))
    );

    // More than the chain holds (600) is refused, even if the value exists (here the
    // same coin again, as the VM sees it).
    let too_much = ExportPayload {
        amount: 601,
        ..payload
    };
    let b = TxBuilder::new().spend(coin).change_to(change);
    let tx = sign(add_export(b, CHAIN_ID, &too_much));
    let before = state.clone();
    let e = apply_tx(&mut state, &tx, &verify(&tx), &[]).unwrap_err();
    assert!(
        matches!(
            e,
            BridgeError::ExceedsHeld {
                amount: 601,
                held: 600,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(state, before);
}

#[test]
fn an_export_payload_without_an_open_retirement_is_refused() {
    let mut state = BridgeState::genesis(domain());
    let me = user();
    let token = EthAddress::ZERO;
    let payload = ExportPayload {
        recipient: EthAddress::repeat_byte(1),
        token,
        amount: 5,
    };
    let flv = flavor::flavor(CHAIN_ID, token);
    let change = Predicate::from_signing_key(me.clone());
    // A blinded retirement of the right value does not back the payload.
    let b = TxBuilder::new()
        .spend(coin(&me, 5, flv, 4))
        .retire(5, flv)
        .change_to(change)
        .data(payload.to_data());
    let tx = sign(b);
    let e = apply_tx(&mut state, &tx, &verify(&tx), &[]).unwrap_err();
    assert!(matches!(e, BridgeError::ExportNotRetired { .. }), "{e}");
}
