//! The bridge's consensus rule, checked by the application on every transaction of
//! a block, in block order, after the VM verified it:
//!
//! 1. If the bridge issuer key is among the transaction's signers (by `signtx`,
//!    `signid` or `signtag`), the transaction must be the import of a deposit that
//!    the votes agreed on and that was not imported yet: its last log data entry is
//!    the import marker naming the deposit; its header and program bytes equal
//!    [`import_program`] of that deposit at the current anchor (so it pays exactly the
//!    deposit's amount of its token's flavor to the deposit's address); its one
//!    `issue` entry shows the amount and flavor unblinded. The deposit is then
//!    recorded imported and the anchor moves on.
//! 2. Otherwise its exports ([`crate::export::exports`]) must each be backed by an
//!    open retirement and, together, not exceed what the chain holds of each token;
//!    they are recorded as pending withdrawals.
//!
//! A transaction the rule refuses leaves the state as it was; the block holding it
//! is invalid. Why this makes bridged value creatable only by imports, once each, is
//! argued in `spec/bridge.md` ("rules").

use crate::errors::BridgeError;
use crate::export::exports;
use crate::flavor;
use crate::import::{import_header, import_program, next_anchor, read_marker};
use crate::messages::{DepositReport, Withdrawal};
use crate::state::BridgeState;
use std::collections::BTreeMap;
use zkvm::{Commitment, Tx, TxEntry, VerifiedTx};

/// What a transaction did to the bridge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing bridge-related.
    Nothing,
    /// It imported this deposit.
    Import(DepositReport),
    /// It exported these withdrawals.
    Exports(Vec<Withdrawal>),
}

/// Applies the rule to one transaction of a block (`tx` as the block carries it,
/// `verified` what the VM made of it), given the deposits agreed for this block.
pub fn apply_tx(
    state: &mut BridgeState,
    tx: &Tx,
    verified: &VerifiedTx,
    agreed: &[DepositReport],
) -> Result<Effect, BridgeError> {
    let issuer = flavor::issuer_verification_key();
    if verified.signers.contains(&issuer) {
        return apply_import(state, tx, verified, agreed).map(Effect::Import);
    }
    let withdrawals = exports(verified, state.domain().chain_id)?;
    if withdrawals.is_empty() {
        return Ok(Effect::Nothing);
    }
    record_exports(state, &withdrawals)?;
    Ok(Effect::Exports(withdrawals))
}

fn apply_import(
    state: &mut BridgeState,
    tx: &Tx,
    verified: &VerifiedTx,
    agreed: &[DepositReport],
) -> Result<DepositReport, BridgeError> {
    let marker = verified.log.entries().iter().rev().find_map(|e| match e {
        TxEntry::Data(d) => Some(d),
        _ => None,
    });
    let deposit = marker
        .and_then(|d| read_marker(d))
        .ok_or(BridgeError::IssuerKeyMisused("no import marker"))?;
    if !agreed.contains(&deposit) {
        return Err(BridgeError::IssuerKeyMisused(
            "the deposit was not agreed by the votes",
        ));
    }
    if state.is_imported(deposit.nonce) {
        return Err(BridgeError::AlreadyImported {
            nonce: deposit.nonce,
        });
    }
    let anchor = state.anchor_contract().anchor;
    let expected = import_program(&deposit, state.domain(), anchor)?;
    if tx.header != import_header() || tx.program != expected.to_bytes() {
        return Err(BridgeError::IssuerKeyMisused(
            "not the import program of the deposit",
        ));
    }
    check_open_issue(verified, &deposit, state.domain().chain_id)?;
    state.record_import(&deposit, next_anchor(&verified.log)?)?;
    Ok(deposit)
}

/// The one `issue` entry shows the deposit's amount and flavor unblinded.
fn check_open_issue(
    verified: &VerifiedTx,
    deposit: &DepositReport,
    chain_id: u64,
) -> Result<(), BridgeError> {
    let q = Commitment::unblinded(deposit.amount).to_point();
    let f = Commitment::unblinded(flavor::flavor(chain_id, deposit.token)).to_point();
    let issues: Vec<_> = verified
        .log
        .entries()
        .iter()
        .filter(|e| matches!(e, TxEntry::Issue(..)))
        .collect();
    match issues.as_slice() {
        [TxEntry::Issue(iq, if_)] if *iq == q && *if_ == f => Ok(()),
        _ => Err(BridgeError::IssuerKeyMisused(
            "the issuance is not the deposit, unblinded",
        )),
    }
}

/// Checks every export against the totals held, then records them all.
fn record_exports(state: &mut BridgeState, withdrawals: &[Withdrawal]) -> Result<(), BridgeError> {
    let mut per_token: BTreeMap<_, u128> = BTreeMap::new();
    for w in withdrawals {
        let total = per_token.entry(w.payload.token).or_insert(0);
        *total += u128::from(w.payload.amount);
        let held = state.held(&w.payload.token);
        if *total > held {
            return Err(BridgeError::ExceedsHeld {
                token: hex::encode(w.payload.token),
                amount: w.payload.amount,
                held,
            });
        }
    }
    for w in withdrawals {
        state.record_export(*w)?;
    }
    Ok(())
}
