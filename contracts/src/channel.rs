//! A payment channel with the blockchain as a court.
//!
//! Alice and Bob lock a value under their MuSig key `K`, in a contract
//! `[value, exptime, seq, tag]` (at funding `exptime = 0`, `seq = 0`). Off chain they
//! agree on numbered states (Alice's balance, Bob's the rest), each one a pair of
//! programs both sign with MuSig2 for the channel's tag (`signtag`):
//!
//! ```text
//! close_j  (argument E): seq < j;  E = maxtime + dispute;
//!                        [value, E, j, tag] under K          (a pending close)
//! settle_j:              seq = j;  mintime ≥ exptime;
//!                        borrow a, pay Alice; borrow b, pay Bob
//! ```
//!
//! * Cooperative close (the happy path): both sign the transaction (`signtx` with
//!   `K`), and the value is shared out as they agree.
//! * Unilateral close: either party publishes `close_j` of the latest state it holds;
//!   the pending close can be settled with `settle_j` once the dispute period is over.
//! * Dispute: if the published state is not the latest, the other party publishes a
//!   newer `close_k` (`k > j`) on the pending close before settling is possible;
//!   `close_j` can never follow `close_k`, and `settle_j` needs `seq = j`.
//!
//! Balances are commitments blinded with factors from the channel's [`Terms`]; the
//! chain sees neither amounts nor flavor.

use crate::errors::ContractError;
use crate::terms::{adopt, aggregate, key_of, open_value, Terms};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use zkvm::signing::signtag_transcript;
use zkvm::{
    musig2_sign, ClearValue, Commitment, Contract, Data, Leftover, Predicate, Program, Signature,
    SigningKey, Spend, TxBuilder,
};

/// A channel's terms.
#[derive(Clone, Debug)]
pub struct Channel {
    alice: Predicate,
    bob: Predicate,
    key: Predicate,
    capacity: ClearValue,
    dispute_ms: u64,
    tag: Data,
    terms: Terms,
}

/// A state of the channel: its number (from 1) and Alice's balance.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ChannelState {
    /// The state number; a higher number overrides a lower one.
    pub seq: u64,
    /// Alice's balance; Bob has the rest of the capacity.
    pub alice: u64,
}

/// A state with both programs signed by both parties.
#[derive(Clone, Debug)]
pub struct SignedState {
    /// The state.
    pub state: ChannelState,
    close: (Program, Signature),
    settle: (Program, Signature),
}

impl SignedState {
    /// The close program of the state and its signature.
    pub fn close(&self) -> (&Program, &Signature) {
        (&self.close.0, &self.close.1)
    }

    /// The settle program of the state and its signature.
    pub fn settle(&self) -> (&Program, &Signature) {
        (&self.settle.0, &self.settle.1)
    }
}

impl Channel {
    /// The channel of `alice` and `bob` (keys, also the recipients of their
    /// balances) over `capacity`, with a dispute period of `dispute_ms` and a `tag`
    /// that no other channel of these keys uses.
    pub fn new(
        alice: Predicate,
        bob: Predicate,
        capacity: ClearValue,
        dispute_ms: u64,
        tag: Vec<u8>,
        terms: Terms,
    ) -> Result<Self, ContractError> {
        let key = aggregate(&[("Alice", &alice), ("Bob", &bob)])?;
        Ok(Channel {
            alice,
            bob,
            key,
            capacity,
            dispute_ms,
            tag: Data::from(tag),
            terms,
        })
    }

    /// The channel's tag (the last item of its payload, what states are signed for).
    pub fn tag(&self) -> &Data {
        &self.tag
    }

    /// The dispute period.
    pub fn dispute_ms(&self) -> u64 {
        self.dispute_ms
    }

    /// The channel's predicate, the parties' MuSig key.
    pub fn predicate(&self) -> Predicate {
        self.key.clone()
    }

    /// Adds the funding output to `tx`: the capacity in `[value, 0, 0, tag]`.
    pub fn fund(&self, tx: TxBuilder) -> TxBuilder {
        let qty = self.terms.blinding(b"capacity quantity", b"");
        let flv = self.terms.blinding(b"capacity flavor", b"");
        let payload = vec![
            Data::from(Commitment::unblinded(0u64)),
            Data::from(Scalar::ZERO),
            self.tag.clone(),
        ];
        tx.pay_with_payload(self.predicate(), self.capacity, Some([qty, flv]), payload)
    }

    /// The program that closes (or disputes) to `state`.
    pub fn close_program(&self, state: ChannelState) -> Program {
        let j = state.seq;
        Program::build(|p| {
            // E value exptime seq tag
            p.roll(1)
                .push(Scalar::from(j.saturating_sub(1)))
                .scalar()
                .roll(1)
                .scalar()
                .neg()
                .add()
                .range() // j − 1 − seq ≥ 0
                .drop()
                .roll(1)
                .drop() // E value tag
                .roll(2) // value tag E
                .dup(0)
                .commit()
                .expr()
                .maxtime()
                .push(Scalar::from(self.dispute_ms))
                .scalar()
                .add()
                .eq()
                .verify() // E = maxtime + dispute
                .roll(1) // value E tag
                .push(Scalar::from(j))
                .roll(1) // value E j tag
                .push(self.key.to_opaque())
                .output(4);
        })
    }

    /// The program that settles `state` once its dispute period is over.
    pub fn settle_program(&self, state: ChannelState) -> Result<Program, ContractError> {
        let bob = self
            .capacity
            .qty
            .checked_sub(state.alice)
            .ok_or(ContractError::InvalidTerms(
                "Alice's balance exceeds the capacity",
            ))?;
        let seq = state.seq.to_le_bytes();
        let flavor = self
            .terms
            .commit(self.capacity.flv, b"balance flavor", &seq);
        let shares = [
            (
                self.terms.commit(state.alice, b"Alice's balance", &seq),
                &self.alice,
            ),
            (self.terms.commit(bob, b"Bob's balance", &seq), &self.bob),
        ];
        Ok(Program::build(|p| {
            // value exptime seq tag
            p.drop()
                .scalar()
                .push(Scalar::from(state.seq))
                .scalar()
                .eq()
                .verify() // seq = j
                .commit()
                .expr()
                .neg()
                .mintime()
                .add()
                .range() // mintime − exptime ≥ 0
                .drop();
            for (share, to) in shares {
                p.push(share)
                    .commit()
                    .push(flavor.clone())
                    .commit()
                    .borrow()
                    .push(to.to_opaque())
                    .output(1);
            }
        }))
    }

    /// Both parties sign both programs of `state` (MuSig2 over the tag), with their
    /// keys at hand. Parties apart run the same sessions over
    /// [`zkvm::signing::signtag_transcript`] of [`Channel::close_program`] and
    /// [`Channel::settle_program`].
    pub fn sign_state<R: RngCore + CryptoRng>(
        &self,
        state: ChannelState,
        keys: &[SigningKey],
        rng: &mut R,
    ) -> Result<SignedState, ContractError> {
        let close = self.close_program(state);
        let settle = self.settle_program(state)?;
        let close_sig = self.cosign(&close, keys, rng)?;
        let settle_sig = self.cosign(&settle, keys, rng)?;
        Ok(SignedState {
            state,
            close: (close, close_sig),
            settle: (settle, settle_sig),
        })
    }

    /// The signed state from signatures made elsewhere (both parties' MuSig2
    /// sessions over [`zkvm::signing::signtag_transcript`] of the two programs),
    /// after checking them against the channel's key.
    pub fn signed_state(
        &self,
        state: ChannelState,
        close_signature: Signature,
        settle_signature: Signature,
    ) -> Result<SignedState, ContractError> {
        let key = key_of("the channel", &self.key)?;
        let close = self.close_program(state);
        let settle = self.settle_program(state)?;
        for (program, signature) in [(&close, &close_signature), (&settle, &settle_signature)] {
            let mut t = signtag_transcript(&self.tag, program);
            signature
                .verify_single(&mut t, &key)
                .map_err(zkvm::VmError::from)?;
        }
        Ok(SignedState {
            state,
            close: (close, close_signature),
            settle: (settle, settle_signature),
        })
    }

    /// Closes together: the key path, leaving the value for a cloak that pays the
    /// balances of `state` (signed with MuSig2 by both).
    pub fn close_together(
        &self,
        tx: TxBuilder,
        channel: Contract,
        state: ChannelState,
    ) -> Result<TxBuilder, ContractError> {
        let channel = adopt(channel, self.predicate(), "channel")?;
        let value = open_value(&channel, "channel")?;
        let bob = value
            .qty
            .checked_sub(state.alice)
            .ok_or(ContractError::InvalidTerms(
                "Alice's balance exceeds the capacity",
            ))?;
        let spend = Spend::signtx(channel)
            .then(Program::build(|p| {
                p.drop().drop().drop();
            }))
            .leaves(Leftover::Value(value));
        Ok(tx
            .spend_with(spend)
            .pay(self.alice.to_opaque(), state.alice, value.flv)
            .pay(self.bob.to_opaque(), bob, value.flv))
    }

    /// Publishes `signed` alone: the channel (or a pending close of an older state)
    /// becomes a pending close of `signed.state`, settleable after `maxtime_ms` plus
    /// the dispute period. Sets the transaction's maxtime to `maxtime_ms`.
    pub fn close_alone(
        &self,
        tx: TxBuilder,
        channel: Contract,
        signed: &SignedState,
        mintime_ms: u64,
        maxtime_ms: u64,
    ) -> Result<TxBuilder, ContractError> {
        let channel = adopt(channel, self.predicate(), "channel")?;
        let exptime =
            maxtime_ms
                .checked_add(self.dispute_ms)
                .ok_or(ContractError::InvalidTerms(
                    "the dispute period ends after 2^64 ms",
                ))?;
        let (program, signature) = signed.close.clone();
        let spend = Spend::signtag(channel, program, signature).arg(Commitment::unblinded(exptime));
        Ok(tx.spend_with(spend).time_bounds(mintime_ms, maxtime_ms))
    }

    /// Settles a pending close with `signed` (its state must be the pending one and
    /// `mintime_ms` at least its end of dispute). Sets the mintime; the cloak's
    /// zero-quantity output goes to `change`.
    pub fn settle(
        &self,
        tx: TxBuilder,
        pending: Contract,
        signed: &SignedState,
        mintime_ms: u64,
        change: Predicate,
    ) -> Result<TxBuilder, ContractError> {
        let pending = adopt(pending, self.predicate(), "channel")?;
        let value = open_value(&pending, "channel")?;
        let bob = value
            .qty
            .checked_sub(signed.state.alice)
            .ok_or(ContractError::InvalidTerms(
                "Alice's balance exceeds the capacity",
            ))?;
        let (program, signature) = signed.settle.clone();
        let debt = |qty| {
            Leftover::Debt(ClearValue {
                qty,
                flv: value.flv,
            })
        };
        let spend = Spend::signtag(pending, program, signature)
            .leaves(Leftover::Value(value))
            .leaves(debt(signed.state.alice))
            .leaves(debt(bob));
        Ok(tx
            .spend_with(spend)
            .change_to(change)
            .time_bounds(mintime_ms, u64::MAX))
    }

    fn cosign<R: RngCore + CryptoRng>(
        &self,
        program: &Program,
        keys: &[SigningKey],
        rng: &mut R,
    ) -> Result<Signature, ContractError> {
        let multikey = match self.key.witness() {
            Some(zkvm::PredicateWitness::Multikey(keys)) => (**keys).clone(),
            _ => {
                return Err(ContractError::NotAKey {
                    party: "the channel",
                })
            }
        };
        let transcript = signtag_transcript(&self.tag, program);
        Ok(musig2_sign(&transcript, multikey, keys, rng)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_balance_above_the_capacity_is_refused() {
        let key = |n: u64| Predicate::from(SigningKey::new(Scalar::from(n)));
        let capacity = ClearValue {
            qty: 10,
            flv: Scalar::ONE,
        };
        let channel = Channel::new(
            key(1),
            key(2),
            capacity,
            5,
            b"t".to_vec(),
            Terms::new([0; 32]),
        )
        .unwrap();
        let state = ChannelState { seq: 1, alice: 11 };
        let e = channel.settle_program(state).unwrap_err();
        assert!(matches!(e, ContractError::InvalidTerms(_)), "{e:?}");
    }

    #[test]
    fn signatures_made_elsewhere_are_checked() {
        let keys = [
            SigningKey::new(Scalar::from(1u64)),
            SigningKey::new(Scalar::from(2u64)),
        ];
        let capacity = ClearValue {
            qty: 10,
            flv: Scalar::ONE,
        };
        let channel = Channel::new(
            keys[0].clone().into(),
            keys[1].clone().into(),
            capacity,
            5,
            b"t".to_vec(),
            Terms::new([0; 32]),
        )
        .unwrap();
        let mut rng = rand_core::OsRng;
        let state = ChannelState { seq: 1, alice: 4 };
        let signed = channel.sign_state(state, &keys, &mut rng).unwrap();
        let (close, settle) = (*signed.close().1, *signed.settle().1);
        assert!(channel.signed_state(state, close, settle).is_ok());
        // Swapped signatures, or a signature of another state, are refused.
        let e = channel.signed_state(state, settle, close).unwrap_err();
        assert!(
            matches!(e, ContractError::Vm(zkvm::VmError::Signature(_))),
            "{e:?}"
        );
        let other = ChannelState { seq: 2, alice: 4 };
        assert!(channel.signed_state(other, close, settle).is_err());
    }
}
