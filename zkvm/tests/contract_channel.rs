//! A payment channel between Alice and Bob, with a dispute path.
//!
//! The channel is a contract under their MuSig key `X̃` holding
//! `[value, exptime, seq, tag]`. They close it together with `signtx` (a MuSig2
//! session), or either closes it alone with programs both pre-signed with `signtag`
//! over the channel's tag:
//!
//! * `P_j` (force close, or dispute, to state `j`): requires `seq < j`, moves the value
//!   into a holding contract `[value, exptime, j, tag]` under `X̃`, with
//!   `exptime = tx.maxtime + D` (a contest period);
//! * `S_k` (settle state `k`): requires `seq == k` and `tx.mintime ≥ exptime`, and pays
//!   the state's balances with `borrow`/`output` pairs, leaving the debts for the
//!   settling transaction's cloak.
//!
//! A stale `P_j` published by one party is overridden by the other with a newer one
//! before the contest period ends.

mod common;

use common::{key, musig_sign, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand::rngs::StdRng;
use zkvm::{
    Anchor, Commitment, Contract, Data, Multikey, PortableItem, Predicate, Program, Prover,
    Signature, SigningKey, TxHeader, Verifier, VmError,
};

const TAG: &[u8] = b"channel-7";
const CAPACITY: u64 = 100;
const CONTEST: u64 = 86_400_000;
const FLAVOR: u64 = 5;

struct Channel {
    alice: SigningKey,
    bob: SigningKey,
    keys: Multikey,
    contract: Contract,
}

fn predicate(k: &SigningKey) -> Predicate {
    Predicate::from_key(&k.verification_key())
}

fn channel(rng: &mut StdRng) -> Channel {
    let (alice, bob) = (key(1), key(2));
    let keys = Multikey::new(vec![alice.verification_key(), bob.verification_key()]).unwrap();
    let mut contract = utxo(
        rng,
        Predicate::from_multikey(keys.clone()),
        CAPACITY,
        flavor(),
    );
    contract.payload.extend([
        PortableItem::Data(Commitment::unblinded(0u64).into()),
        PortableItem::Data(Scalar::ZERO.into()),
        PortableItem::Data(Data::Opaque(TAG.to_vec())),
    ]);
    contract.anchor = Anchor([7u8; 32]);
    Channel {
        alice,
        bob,
        keys,
        contract,
    }
}

fn flavor() -> Scalar {
    Scalar::from(FLAVOR)
}

/// `P_j`; the stack starts `[exptime', value, exptime, seq, tag]`.
fn force_close(c: &Channel, j: u64) -> Program {
    Program::build(|p| {
        p.roll(1) // exptime' value exptime tag seq
            .scalar()
            .neg()
            .push(Scalar::from(j - 1))
            .scalar()
            .add()
            .range() // j − 1 − seq ≥ 0
            .drop()
            .roll(1)
            .drop() // exptime' value tag
            .roll(2) // value tag exptime'
            .dup(0)
            .commit()
            .expr()
            .maxtime()
            .push(Scalar::from(CONTEST))
            .scalar()
            .add()
            .eq()
            .verify() // exptime' = maxtime + D
            .roll(1) // value exptime' tag
            .push(Scalar::from(j))
            .roll(1) // value exptime' j tag
            .push(Predicate::from_multikey(c.keys.clone()))
            .output(4);
    })
}

/// `S_k` paying `alice_share` to Alice and the rest to Bob; the stack starts
/// `[value, exptime, seq, tag]`.
fn settle(c: &Channel, k: u64, alice_share: u64) -> Program {
    Program::build(|p| {
        p.drop() // value exptime seq
            .scalar()
            .push(Scalar::from(k))
            .scalar()
            .eq()
            .verify() // seq == k
            .commit()
            .expr()
            .neg()
            .mintime()
            .add()
            .range() // mintime − exptime ≥ 0
            .drop();
        for (share, to) in [(alice_share, &c.alice), (CAPACITY - alice_share, &c.bob)] {
            p.push(Commitment::unblinded(share))
                .commit()
                .push(Commitment::unblinded(flavor()))
                .commit()
                .borrow()
                .push(predicate(to))
                .output(1);
        }
    })
}

/// Both parties sign `program` for the channel's tag (a MuSig2 session).
fn presign(c: &Channel, program: &Program, rng: &mut StdRng) -> Signature {
    let mut t = Transcript::new(b"ZkVM.signtag");
    t.append_message(b"tag", TAG);
    t.append_message(b"prog", &program.to_bytes());
    musig_sign(&t, c.keys.clone(), &[c.alice.clone(), c.bob.clone()], rng)
}

fn at(mintime_ms: u64, maxtime_ms: u64) -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms,
        maxtime_ms,
    }
}

/// Proves, signs (with the predicates' keys) and verifies; returns the new outputs
/// with their openings.
fn publish(program: Program, header: TxHeader, rng: &mut StdRng) -> Result<Vec<Contract>, VmError> {
    let gens = common::gens();
    let unsigned = Prover::build_tx(program, header, &gens, rng)?;
    let outputs = unsigned.log.outputs().cloned().collect();
    Verifier::verify_tx(&unsigned.sign(rng)?, &gens)?;
    Ok(outputs)
}

/// Runs `P_j` on `contract`, published with maxtime `now`.
fn run_force_close(
    c: &Channel,
    contract: &Contract,
    j: u64,
    now: u64,
    rng: &mut StdRng,
) -> Result<Contract, VmError> {
    let p_j = force_close(c, j);
    let signature = presign(c, &p_j, rng);
    let mut p = Program::new();
    p.push(Commitment::unblinded(now + CONTEST))
        .push(contract.clone())
        .input()
        .program(p_j)
        .push(signature.to_bytes().to_vec())
        .signtag();
    let outputs = publish(p, at(now - 1000, now), rng)?;
    Ok(outputs.into_iter().next().expect("the holding contract"))
}

/// Runs `S_k` on `holding` at time `now`.
fn run_settle(
    c: &Channel,
    holding: &Contract,
    k: u64,
    share: u64,
    now: u64,
    rng: &mut StdRng,
) -> Result<Vec<Contract>, VmError> {
    let s_k = settle(c, k, share);
    let signature = presign(c, &s_k, rng);
    let mut p = Program::new();
    p.push(holding.clone())
        .input()
        .program(s_k)
        .push(signature.to_bytes().to_vec())
        .signtag();
    // The value and both debts net to zero: the cloak needs one zero output.
    p.push(Commitment::blinded(0u64, rng))
        .push(Commitment::blinded(flavor(), rng))
        .cloak(3, 1)
        .push(predicate(&c.bob))
        .output(1);
    publish(p, at(now, now + 1000), rng)
}

#[test]
fn cooperative_close_with_a_musig2_session() {
    let mut r = rng(50);
    let c = channel(&mut r);
    let gens = common::gens();
    let mut p = Program::new();
    p.push(c.contract.clone()).input().signtx();
    // Payload on the stack: value, exptime, seq, tag.
    p.drop().drop().drop();
    for (q, _) in [(60u64, &c.alice), (40, &c.bob)] {
        p.push(Commitment::blinded(q, &mut r))
            .push(Commitment::blinded(flavor(), &mut r));
    }
    p.cloak(1, 2)
        .push(predicate(&c.alice))
        .output(1)
        .push(predicate(&c.bob))
        .output(1);
    let unsigned = Prover::build_tx(p, at(0, u64::MAX), &gens, &mut r).expect("proves");
    let context = unsigned.signing_context().unwrap();
    let transcript = unsigned.signing_transcript();
    let sig = musig_sign(
        &transcript,
        context,
        &[c.alice.clone(), c.bob.clone()],
        &mut r,
    );
    let tx = unsigned
        .attach_signature(sig)
        .expect("valid MuSig2 signature");
    Verifier::verify_tx(&tx, &gens).expect("verifies");
}

#[test]
fn a_stale_force_close_is_disputed_and_the_latest_state_settles() {
    let mut r = rng(51);
    let c = channel(&mut r);
    let t0 = 1_000_000;
    // Alice publishes the stale state 1.
    let held1 = run_force_close(&c, &c.contract, 1, t0, &mut r).expect("force close");
    // Bob overrides it with state 2 before the contest period ends.
    let t1 = t0 + 1_000;
    let held2 = run_force_close(&c, &held1, 2, t1, &mut r).expect("dispute");
    // Alice cannot go back to state 1.
    let e = run_force_close(&c, &held2, 1, t1 + 1, &mut r).unwrap_err();
    assert!(matches!(e, VmError::ConstantOutOfRange), "{e:?}");
    // Nobody settles before the contest period is over.
    let e = run_settle(&c, &held2, 2, 30, t1 + CONTEST - 1, &mut r).unwrap_err();
    assert!(matches!(e, VmError::R1cs(_)), "{e:?}");
    // A stale settlement program does not match the state.
    let e = run_settle(&c, &held2, 1, 70, t1 + CONTEST, &mut r).unwrap_err();
    assert!(matches!(e, VmError::CleartextConstraintFalse), "{e:?}");
    // After it, state 2 pays Alice 30 and Bob 70.
    let outs = run_settle(&c, &held2, 2, 30, t1 + CONTEST, &mut r).expect("settles");
    assert_eq!(outs.len(), 3, "Alice, Bob and the zero output");
    let share = |i: usize| {
        outs[i].payload[0]
            .as_value()
            .unwrap()
            .assignment()
            .unwrap()
            .0
            .to_u64()
    };
    assert_eq!(
        (share(0), share(1), share(2)),
        (Some(30), Some(70), Some(0))
    );
}

#[test]
fn a_program_signed_for_another_tag_is_refused() {
    let mut r = rng(52);
    let c = channel(&mut r);
    let p_1 = force_close(&c, 1);
    let mut t = Transcript::new(b"ZkVM.signtag");
    t.append_message(b"tag", b"channel-8");
    t.append_message(b"prog", &p_1.to_bytes());
    let wrong = musig_sign(
        &t,
        c.keys.clone(),
        &[c.alice.clone(), c.bob.clone()],
        &mut r,
    );
    let mut p = Program::new();
    p.push(Commitment::unblinded(2_000 + CONTEST))
        .push(c.contract.clone())
        .input()
        .program(p_1)
        .push(wrong.to_bytes().to_vec())
        .signtag();
    let e = publish(p, at(1_000, 2_000), &mut r).unwrap_err();
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
}
