//! Sending: from a plan (payments to addresses and requests, retirements,
//! issuances, a fee rate, time bounds) to a proven, signed transaction.
//!
//! Inputs are chosen per flavor ([`crate::selection`]); whatever is left of a flavor
//! returns to the sender's own address as change, with a note like any payment, so
//! a recovered wallet finds its change by scanning. Each note of a payment carries
//! its optional memo, and the note of every output of a flavor whose name the
//! wallet knows carries that name ([`crate::assets`]). The last data entry is the
//! outgoing record ([`crate::outgoing`]), sealed to the sender's outgoing key. The fee is the fee rate times the
//! transaction's weight (its size plus the verification work it charges); the weight
//! is known only after proving, so the wallet proves with an estimate (the last
//! weight seen for the same shape) and proves again if the estimate was short. The chosen outputs are reserved for the transaction until it is mined,
//! expires, loses an input to another transaction, or is released.

use crate::address::Address;
use crate::assets::NameWarning;
use crate::errors::WalletError;
use crate::keys::SecretScalar;
use crate::ledger::{Owner, PendingTx};
use crate::note::{seal_note, AssetName, KeyKind, Memo, NotePlaintext, Opening, SealedNote};
use crate::outgoing::{self, OutgoingItem};
use crate::pending::DEFAULT_TX_LIFETIME_MS;
use crate::request::{PaymentReply, PaymentRequest};
use crate::selection::select;
use crate::wallet::Wallet;
use batch::Generators;
use blockchain::BlockTx;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use utreexo::Proof;
use zeroize::Zeroizing;
use zkvm::{
    ClearValue, ContractId, FeeRate, Predicate, TxBuilder, TxId, UnsignedTx, FEE_FLAVOR, MAX_FEE,
};

/// A payment to an address, with an optional memo.
#[derive(Clone, Debug)]
struct AddressPayment {
    address: Address,
    qty: u64,
    flavor: Scalar,
    memo: Option<Memo>,
}

/// What a transaction should do.
#[derive(Clone, Debug)]
pub struct TxPlan {
    from: Owner,
    payments: Vec<AddressPayment>,
    requests: Vec<PaymentRequest>,
    /// Quantity, flavor, and whether the retirement is open (unblinded in the log).
    retirements: Vec<(u64, Scalar, bool)>,
    issuances: Vec<(Vec<u8>, u64)>,
    data: Vec<Vec<u8>>,
    fee_rate: FeeRate,
    mintime_ms: u64,
    /// `None`: the tip's time plus `lifetime_ms`.
    maxtime_ms: Option<u64>,
    lifetime_ms: u64,
}

impl TxPlan {
    /// A plan spending from `from`, with no fee, valid from now until
    /// [`DEFAULT_TX_LIFETIME_MS`] past the tip's time.
    pub fn new(from: Owner) -> Self {
        TxPlan {
            from,
            payments: Vec::new(),
            requests: Vec::new(),
            retirements: Vec::new(),
            issuances: Vec::new(),
            data: Vec::new(),
            fee_rate: FeeRate::new(0, 1),
            mintime_ms: 0,
            maxtime_ms: None,
            lifetime_ms: DEFAULT_TX_LIFETIME_MS,
        }
    }

    /// Pays `qty` of `flavor` to `address`.
    pub fn pay(mut self, address: Address, qty: u64, flavor: Scalar) -> Self {
        self.payments.push(AddressPayment {
            address,
            qty,
            flavor,
            memo: None,
        });
        self
    }

    /// Pays `qty` of `flavor` to `address` with a memo only the recipient (and the
    /// holders of the sender's outgoing key) can read. It is in the note, so the
    /// transaction's weight, and its fee, grow with it.
    pub fn pay_with_memo(mut self, address: Address, qty: u64, flavor: Scalar, memo: Memo) -> Self {
        self.payments.push(AddressPayment {
            address,
            qty,
            flavor,
            memo: Some(memo),
        });
        self
    }

    /// Pays a payment request.
    pub fn pay_request(mut self, request: PaymentRequest) -> Self {
        self.requests.push(request);
        self
    }

    /// Retires `qty` of `flavor`.
    pub fn retire(mut self, qty: u64, flavor: Scalar) -> Self {
        self.retirements.push((qty, flavor, false));
        self
    }

    /// Retires `qty` of `flavor` in the open: the log's `retire` entry shows the
    /// quantity and flavor (a bridge export, `spec/bridge.md`).
    pub fn retire_open(mut self, qty: u64, flavor: Scalar) -> Self {
        self.retirements.push((qty, flavor, true));
        self
    }

    /// Writes `data` to the transaction's log, after the notes (for example a bridge
    /// export payload).
    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data.push(data.into());
        self
    }

    /// Issues `qty` of the sender account's flavor for `metadata`.
    pub fn issue(mut self, metadata: impl Into<Vec<u8>>, qty: u64) -> Self {
        self.issuances.push((metadata.into(), qty));
        self
    }

    /// The fee rate: at least `rate.fee()` units per `rate.weight()` units of weight.
    pub fn fee_rate(mut self, rate: FeeRate) -> Self {
        self.fee_rate = rate;
        self
    }

    /// The time bounds (ms since the Unix epoch).
    pub fn time_bounds(mut self, mintime_ms: u64, maxtime_ms: u64) -> Self {
        self.mintime_ms = mintime_ms;
        self.maxtime_ms = Some(maxtime_ms);
        self
    }

    /// How long past the tip's time the transaction stays valid, unless
    /// [`TxPlan::time_bounds`] gives its maxtime.
    pub fn lifetime(mut self, lifetime_ms: u64) -> Self {
        self.lifetime_ms = lifetime_ms;
        self
    }

    /// Who pays.
    pub fn from(&self) -> Owner {
        self.from
    }

    /// Refuses a payment, retirement or issuance of zero units.
    fn check_amounts(&self) -> Result<(), WalletError> {
        let zero = |what| Err(WalletError::ZeroAmount { what });
        if self.payments.iter().any(|p| p.qty == 0) {
            return zero("payment");
        }
        if self.requests.iter().any(|r| r.qty == 0) {
            return zero("payment request");
        }
        if self.retirements.iter().any(|(qty, _, _)| *qty == 0) {
            return zero("retirement");
        }
        if self.issuances.iter().any(|(_, qty)| *qty == 0) {
            return zero("issuance");
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.payments.is_empty()
            && self.requests.is_empty()
            && self.retirements.is_empty()
            && self.issuances.is_empty()
    }

    fn outs(&self) -> Vec<(u64, Scalar)> {
        let pays = self.payments.iter().map(|p| (p.qty, p.flavor));
        let reqs = self.requests.iter().map(|r| (r.qty, r.flavor));
        pays.chain(reqs)
            .chain(self.retirements.iter().map(|(q, f, _)| (*q, *f)))
            .collect()
    }
}

/// An output as its builder wrote it (what an offline signer is shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShownOutput {
    /// A payment to an address.
    Payment {
        /// The recipient.
        address: Box<Address>,
        /// The output's opening.
        opening: Opening,
        /// The memo.
        memo: Option<Memo>,
        /// The note's secret `r`: the signer recomputes the note and the payment key.
        note_secret: SecretScalar,
    },
    /// A payment to a request's one-time key.
    Request {
        /// The request's index in the recipient's sequence (for the reply).
        index: u64,
        /// The one-time key.
        key: CompressedRistretto,
        /// The output's opening.
        opening: Opening,
    },
    /// Change, back to the account's own address.
    Change {
        /// The output's opening.
        opening: Opening,
        /// The note's secret `r`.
        note_secret: SecretScalar,
    },
}

/// What a transaction does, as its builder wrote it: what an offline signer
/// ([`crate::offline`]) is shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shown {
    /// The outputs, in the log's order.
    pub outputs: Vec<ShownOutput>,
    /// The retirements: quantity and flavor.
    pub retirements: Vec<(u64, Scalar)>,
    /// The issuances: metadata and quantity.
    pub issuances: Vec<(Vec<u8>, u64)>,
}

/// A signed transaction ready for the mempool, with what its recipients need.
#[derive(Clone, Debug)]
pub struct SentTx {
    /// The transaction ID.
    pub id: TxId,
    /// The transaction with the proofs of its inputs.
    pub block_tx: BlockTx,
    /// The fee paid.
    pub fee: u64,
    /// One reply per paid request, to send to its recipient.
    pub replies: Vec<PaymentReply>,
    /// Issuances under a name another flavor already has, for the user to see.
    pub warnings: Vec<NameWarning>,
}

/// A proven transaction before its signature.
pub(crate) struct Built {
    pub unsigned: UnsignedTx,
    pub inputs: Vec<ContractId>,
    pub proofs: Vec<Proof>,
    pub incoming: Vec<(Owner, u64, Scalar)>,
    pub replies: Vec<PaymentReply>,
    /// What an offline signer is shown.
    pub shown: Shown,
    pub warnings: Vec<NameWarning>,
}

impl Built {
    pub(crate) fn pending(&self) -> PendingTx {
        PendingTx {
            id: self.unsigned.id,
            inputs: self.inputs.clone(),
            maxtime_ms: self.unsigned.header.maxtime_ms,
            incoming: self.incoming.clone(),
        }
    }

    pub(crate) fn into_sent(self, tx: zkvm::Tx) -> SentTx {
        SentTx {
            id: self.unsigned.id,
            fee: self.unsigned.fee,
            block_tx: BlockTx {
                tx,
                proofs: self.proofs,
            },
            replies: self.replies,
            warnings: self.warnings,
        }
    }
}

/// Quantities per flavor, in first-seen order (flavors have no order).
type Totals = Vec<(Scalar, u64)>;

/// Adds `qty` to `flavor`'s entry.
fn add(totals: &mut Totals, flavor: Scalar, qty: u64) -> Result<(), WalletError> {
    match totals.iter_mut().find(|(f, _)| *f == flavor) {
        Some((_, t)) => *t = t.checked_add(qty).ok_or(WalletError::Overflow)?,
        None => totals.push((flavor, qty)),
    }
    Ok(())
}

fn total_of(totals: &[(Scalar, u64)], flavor: &Scalar) -> u64 {
    totals
        .iter()
        .find(|(f, _)| f == flavor)
        .map_or(0, |(_, t)| *t)
}

/// The smallest fee meeting `rate` for `weight` units of weight.
fn required_fee(rate: FeeRate, weight: u64) -> Result<u64, WalletError> {
    if rate.weight() == 0 {
        return Ok(0);
    }
    let num = u128::from(rate.fee()) * u128::from(weight);
    let fee = num.div_ceil(u128::from(rate.weight()));
    let fee = u64::try_from(fee).unwrap_or(u64::MAX);
    if fee > MAX_FEE {
        return Err(WalletError::FeeTooHigh { fee });
    }
    Ok(fee)
}

impl Wallet {
    /// Builds, proves and signs the transaction of `plan`, and reserves its inputs.
    /// On error nothing is reserved.
    pub fn send<R: RngCore + CryptoRng>(
        &mut self,
        plan: &TxPlan,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<SentTx, WalletError> {
        match plan.from {
            Owner::Shared => {
                return Err(WalletError::Signing(
                    "a shared account spends through propose_shared".into(),
                ))
            }
            Owner::Account(n) if self.account(n)?.is_watch_only() => {
                return Err(WalletError::WatchOnly {
                    action: "sign a transaction",
                })
            }
            Owner::Account(_) => {}
        }
        let built = self.build_plan(plan, gens, rng)?;
        let tx = built.unsigned.clone().sign(rng)?;
        self.ledger.reserve(built.pending());
        self.ledger.signed.insert(built.unsigned.id, tx.clone());
        Ok(built.into_sent(tx))
    }

    /// Drops a pending transaction (refused or dropped by the mempool) and frees
    /// its inputs.
    pub fn release(&mut self, tx: &TxId) -> Result<(), WalletError> {
        self.ledger.release(tx)
    }

    /// Chooses inputs and proves the plan, retrying once the fee is known.
    pub(crate) fn build_plan<R: RngCore + CryptoRng>(
        &mut self,
        plan: &TxPlan,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<Built, WalletError> {
        let now = self
            .ledger
            .tip
            .as_ref()
            .ok_or(WalletError::NotStarted)?
            .timestamp_ms();
        if plan.is_empty() {
            return Err(WalletError::NothingToSend);
        }
        plan.check_amounts()?;
        let mut maxtime = plan
            .maxtime_ms
            .unwrap_or(now.saturating_add(plan.lifetime_ms));
        for r in &plan.requests {
            self.check_network(r.network)?;
            if r.expiry_ms <= now {
                return Err(WalletError::RequestExpired {
                    expiry_ms: r.expiry_ms,
                    now_ms: now,
                });
            }
            maxtime = maxtime.min(r.expiry_ms);
        }
        for p in &plan.payments {
            self.check_network(p.address.network())?;
        }
        self.outgoing_secret(plan.from)?;
        let outs = plan.outs();
        let mut issued = Vec::new();
        for (metadata, qty) in &plan.issuances {
            let Owner::Account(n) = plan.from else {
                return Err(WalletError::Signing("a shared account cannot issue".into()));
            };
            add(&mut issued, self.flavor(n, metadata)?, *qty)?;
        }
        let shape = (outs.len(), plan.issuances.len());
        // Without a hint, a one-byte estimate still writes the fee instruction, so
        // the second proof has the final size.
        let hint = self.size_hints.get(&shape).copied().unwrap_or(1);
        let mut fee = required_fee(plan.fee_rate, hint)?;
        for _ in 0..4 {
            let (inputs, totals) = self.choose_inputs(plan.from, &outs, &issued, fee)?;
            let built = self.assemble(plan, &inputs, &totals, fee, maxtime, gens, rng)?;
            let weight = built.unsigned.weight();
            self.size_hints.insert(shape, weight);
            let required = required_fee(plan.fee_rate, weight)?;
            if fee >= required {
                return Ok(built);
            }
            fee = required;
        }
        Err(WalletError::FeeTooHigh { fee })
    }

    fn check_network(&self, network: crate::address::Network) -> Result<(), WalletError> {
        if network != self.network {
            return Err(WalletError::WrongNetwork {
                expected: self.network.to_string(),
                found: network.to_string(),
            });
        }
        Ok(())
    }

    /// The inputs for `outs` and `fee`, and the totals going in per flavor.
    fn choose_inputs(
        &self,
        from: Owner,
        outs: &[(u64, Scalar)],
        issued: &[(Scalar, u64)],
        fee: u64,
    ) -> Result<(Vec<ContractId>, Totals), WalletError> {
        let mut needs = Vec::new();
        for (qty, flv) in outs {
            add(&mut needs, *flv, *qty)?;
        }
        if fee > 0 {
            add(&mut needs, FEE_FLAVOR, fee)?;
        }
        let mut inputs = Vec::new();
        let mut totals = issued.to_vec();
        for (flv, need) in &needs {
            let need = need.saturating_sub(total_of(issued, flv));
            if need == 0 {
                continue;
            }
            let chosen =
                select(self.ledger.spendable(from, *flv), flv, need).map_err(|e| match e {
                    WalletError::InsufficientFunds {
                        flavor,
                        needed,
                        available,
                        ..
                    } => WalletError::InsufficientFunds {
                        flavor,
                        needed,
                        available,
                        pending: self.ledger.balance(from, *flv).pending,
                    },
                    e => e,
                })?;
            inputs.extend(chosen.ids);
            add(&mut totals, *flv, chosen.total)?;
        }
        if inputs.is_empty() {
            // Every transaction spends something: take the smallest free output.
            let anchor = self
                .ledger
                .outputs
                .values()
                .filter(|o| o.owner == from && o.reserved_by.is_none())
                .min_by_key(|o| (o.opening.qty, o.id))
                .ok_or(WalletError::NoAnchor)?;
            inputs.push(anchor.id);
            add(&mut totals, anchor.opening.flavor, anchor.opening.qty)?;
        }
        Ok((inputs, totals))
    }

    /// Writes and proves the transaction.
    #[allow(clippy::too_many_arguments)]
    fn assemble<R: RngCore + CryptoRng>(
        &self,
        plan: &TxPlan,
        inputs: &[ContractId],
        totals: &[(Scalar, u64)],
        fee: u64,
        maxtime: u64,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<Built, WalletError> {
        let mut draft = Draft {
            b: TxBuilder::new()
                .time_bounds(plan.mintime_ms, maxtime)
                .fee(fee),
            shown: Shown::default(),
            items: Vec::new(),
        };
        let mut proofs = Vec::with_capacity(inputs.len());
        for id in inputs {
            let o = &self.ledger.outputs[id];
            let contract = self.spendable_contract(o)?;
            draft.map(|b| b.spend(contract));
            proofs.push(o.proof.clone());
        }
        let issued = self.issue(&mut draft, plan)?;
        let name_of = |flavor: Scalar| {
            let own = issued.iter().find(|n| n.flavor() == flavor);
            own.or_else(|| self.assets.name(&flavor)).cloned()
        };
        for p in &plan.payments {
            let opening = Opening::random(KeyKind::Address, p.qty, p.flavor, rng);
            let plaintext = NotePlaintext {
                opening,
                memo: p.memo.clone(),
                asset: name_of(p.flavor),
            };
            let sealed = draft.pay_address(&p.address, &plaintext, rng);
            draft.items.push(OutgoingItem::Address {
                encryption: p.address.encryption_key().compress(),
                secret: sealed.secret.clone(),
            });
            draft.shown.outputs.push(ShownOutput::Payment {
                address: Box::new(p.address),
                opening: plaintext.opening,
                memo: plaintext.memo,
                note_secret: sealed.secret,
            });
        }
        for r in &plan.requests {
            draft.pay_request(r);
        }
        for &(qty, flavor, open) in &plan.retirements {
            draft.map(|b| {
                if open {
                    b.retire_open(qty, flavor)
                } else {
                    b.retire(qty, flavor)
                }
            });
            draft.items.push(OutgoingItem::Retirement { qty, flavor });
            draft.shown.retirements.push((qty, flavor));
        }
        let outs = plan.outs();
        let own = self.address(plan.from)?;
        let mut incoming = Vec::new();
        for (flavor, total) in totals {
            let mut spent = outs
                .iter()
                .filter(|(_, f)| f == flavor)
                .map(|(q, _)| *q)
                .sum::<u64>();
            if *flavor == FEE_FLAVOR {
                spent = spent.saturating_add(fee);
            }
            let left = total.checked_sub(spent).ok_or(WalletError::Overflow)?;
            let has_out = outs.iter().any(|(_, f)| f == flavor);
            if left > 0 || !has_out {
                let mut plaintext =
                    NotePlaintext::new(Opening::random(KeyKind::Address, left, *flavor, rng));
                plaintext.asset = name_of(*flavor);
                let sealed = draft.pay_address(&own, &plaintext, rng);
                draft.shown.outputs.push(ShownOutput::Change {
                    opening: plaintext.opening,
                    note_secret: sealed.secret,
                });
                if left > 0 {
                    incoming.push((plan.from, left, *flavor));
                }
            }
        }
        for data in &plan.data {
            draft.map(|b| b.data(data.clone()));
        }
        let record = outgoing::seal(&*self.outgoing_secret(plan.from)?, &draft.items, rng);
        let unsigned = draft.b.data(record).build(gens, rng)?;
        let replies = replies(plan, &unsigned);
        let warnings = issued.iter().filter_map(|n| self.assets.clash(n)).collect();
        Ok(Built {
            unsigned,
            inputs: inputs.to_vec(),
            proofs,
            incoming,
            replies,
            shown: draft.shown,
            warnings,
        })
    }

    /// Writes the plan's issuances; returns the names of the flavors they issue.
    fn issue(&self, draft: &mut Draft, plan: &TxPlan) -> Result<Vec<AssetName>, WalletError> {
        let Owner::Account(n) = plan.from else {
            return Ok(Vec::new());
        };
        let issuer = self.issuer_predicate(n)?;
        let mut names = Vec::new();
        for (metadata, qty) in &plan.issuances {
            let flavor = self.flavor(n, metadata)?;
            draft.map(|b| b.issue(issuer.clone(), metadata.clone(), *qty));
            draft
                .items
                .push(OutgoingItem::Issuance { qty: *qty, flavor });
            draft.shown.issuances.push((metadata.clone(), *qty));
            names.extend(AssetName::new(issuer.to_point(), metadata));
        }
        Ok(names)
    }

    /// The secret the outgoing records of `owner` are sealed to.
    pub(crate) fn outgoing_secret(&self, owner: Owner) -> Result<Zeroizing<[u8; 32]>, WalletError> {
        match owner {
            Owner::Shared => Ok(self.shared()?.outgoing_secret()),
            Owner::Account(n) => {
                let key = self.account(n)?.outgoing_viewing_key().ok_or(
                    WalletError::NeedsFullViewingKey {
                        action: "build a transaction",
                    },
                )?;
                Ok(Zeroizing::new(*key.secret()))
            }
        }
    }

    /// Checks a plan's issuances against the names the wallet knows: a warning for
    /// each that bears another flavor's name (what [`SentTx::warnings`] will hold).
    pub fn name_warnings(&self, plan: &TxPlan) -> Result<Vec<NameWarning>, WalletError> {
        let Owner::Account(n) = plan.from else {
            return Ok(Vec::new());
        };
        let issuer = self.account(n)?.issuer_public_key()?;
        Ok(plan
            .issuances
            .iter()
            .filter_map(|(metadata, _)| AssetName::new(*issuer.as_compressed(), metadata))
            .filter_map(|name| self.assets.clash(&name))
            .collect())
    }
}

/// Adds a payment of `qty` of `flavor` to `address`, with its note (no memo, no
/// asset name): the output's predicate is the address's control key tweaked by the
/// note's key agreement, its commitments are blinded by the note's opening, and the
/// sealed note follows as a log data entry. Deterministic given `rng`'s output (the
/// bridge's imports seed it).
pub fn pay_address<R: RngCore + CryptoRng>(
    b: TxBuilder,
    address: &Address,
    qty: u64,
    flavor: Scalar,
    rng: &mut R,
) -> TxBuilder {
    let plaintext = NotePlaintext::new(Opening::random(KeyKind::Address, qty, flavor, rng));
    pay_address_note(b, address, &plaintext, rng).0
}

/// Adds a payment to `address` of the opening of `plaintext`, with its note; returns
/// the sealed note too.
fn pay_address_note<R: RngCore + CryptoRng>(
    b: TxBuilder,
    address: &Address,
    plaintext: &NotePlaintext,
    rng: &mut R,
) -> (TxBuilder, SealedNote) {
    let sealed = seal_note(address.encryption_key(), plaintext, rng);
    let point = address.control_key().as_point() + RistrettoPoint::mul_base(&sealed.tweak);
    let o = &plaintext.opening;
    let value = ClearValue {
        qty: o.qty,
        flv: o.flavor,
    };
    let predicate = Predicate::opaque(point.compress());
    let (fq, ff) = (o.qty_blinding, o.flv_blinding);
    let b = b
        .pay_blinded(predicate, value, fq, ff)
        .data(sealed.entry.clone());
    (b, sealed)
}

/// A transaction being written: the builder, what an offline signer will be shown,
/// and the outgoing record's items.
struct Draft {
    b: TxBuilder,
    shown: Shown,
    items: Vec<OutgoingItem>,
}

impl Draft {
    /// Applies a builder step.
    fn map(&mut self, step: impl FnOnce(TxBuilder) -> TxBuilder) {
        self.b = step(core::mem::take(&mut self.b));
    }

    /// Adds a payment to `address` of the opening of `plaintext`, with its note.
    fn pay_address<R: RngCore + CryptoRng>(
        &mut self,
        address: &Address,
        plaintext: &NotePlaintext,
        rng: &mut R,
    ) -> SealedNote {
        let (b, sealed) = pay_address_note(core::mem::take(&mut self.b), address, plaintext, rng);
        self.b = b;
        sealed
    }

    /// Adds the exact output a request asks for, with the request's note.
    fn pay_request(&mut self, r: &PaymentRequest) {
        let value = ClearValue {
            qty: r.qty,
            flv: r.flavor,
        };
        let predicate = Predicate::opaque(r.predicate);
        let (fq, ff) = (r.qty_blinding, r.flv_blinding);
        self.map(|b| b.pay_blinded(predicate, value, fq, ff).data(r.note.clone()));
        self.items.push(OutgoingItem::Request {
            key: r.predicate,
            opening: r.opening(),
        });
        self.shown.outputs.push(ShownOutput::Request {
            index: r.index,
            key: r.predicate,
            opening: r.opening(),
        });
    }
}

/// One reply per paid request: where its output is.
fn replies(plan: &TxPlan, unsigned: &UnsignedTx) -> Vec<PaymentReply> {
    plan.requests
        .iter()
        .filter_map(|r| {
            let c = unsigned
                .log
                .outputs()
                .find(|c| c.predicate.to_point() == r.predicate)?;
            Some(PaymentReply {
                index: r.index,
                tx: unsigned.id,
                anchor: c.anchor,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_round_up_and_are_capped() {
        assert_eq!(required_fee(FeeRate::new(1, 100), 2_501), Ok(26));
        assert_eq!(required_fee(FeeRate::new(1, 100), 2_500), Ok(25));
        assert_eq!(required_fee(FeeRate::new(0, 1), 10_000), Ok(0));
        assert_eq!(required_fee(FeeRate::new(5, 0), 10_000), Ok(0));
        assert_eq!(
            required_fee(FeeRate::new(MAX_FEE, 1), 2),
            Err(WalletError::FeeTooHigh { fee: 2 * MAX_FEE })
        );
    }

    #[test]
    fn totals_add_per_flavor_and_refuse_overflow() {
        let mut t = Totals::new();
        add(&mut t, Scalar::ONE, 5).unwrap();
        add(&mut t, Scalar::ZERO, 1).unwrap();
        add(&mut t, Scalar::ONE, 2).unwrap();
        assert_eq!(total_of(&t, &Scalar::ONE), 7);
        assert_eq!(
            add(&mut t, Scalar::ONE, u64::MAX),
            Err(WalletError::Overflow)
        );
    }
}
