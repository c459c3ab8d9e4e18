//! Sending: from a plan (payments to addresses and requests, retirements,
//! issuances, a fee rate, time bounds) to a proven, signed transaction.
//!
//! Inputs are chosen per flavor ([`crate::selection`]); whatever is left of a flavor
//! returns to the sender's own address as change, with a note like any payment, so
//! a recovered wallet finds its change by scanning. The fee is the fee rate times the
//! transaction's weight (its size plus the verification work it charges); the weight
//! is known only after proving, so the wallet proves with an estimate (the last
//! weight seen for the same shape) and proves again if the estimate was short. The chosen outputs are reserved for the transaction until it is mined,
//! expires, loses an input to another transaction, or is released.

use crate::address::Address;
use crate::errors::WalletError;
use crate::ledger::{Owner, PendingTx};
use crate::note::{seal, KeyKind, Opening};
use crate::pending::DEFAULT_TX_LIFETIME_MS;
use crate::request::{PaymentReply, PaymentRequest};
use crate::selection::select;
use crate::wallet::Wallet;
use batch::Generators;
use blockchain::BlockTx;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use utreexo::Proof;
use zkvm::{
    ClearValue, ContractId, FeeRate, Predicate, TxBuilder, TxId, UnsignedTx, FEE_FLAVOR, MAX_FEE,
};

/// What a transaction should do.
#[derive(Clone, Debug)]
pub struct TxPlan {
    from: Owner,
    payments: Vec<(Address, u64, Scalar)>,
    requests: Vec<PaymentRequest>,
    retirements: Vec<(u64, Scalar)>,
    issuances: Vec<(Vec<u8>, u64)>,
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
            fee_rate: FeeRate::new(0, 1),
            mintime_ms: 0,
            maxtime_ms: None,
            lifetime_ms: DEFAULT_TX_LIFETIME_MS,
        }
    }

    /// Pays `qty` of `flavor` to `address`.
    pub fn pay(mut self, address: Address, qty: u64, flavor: Scalar) -> Self {
        self.payments.push((address, qty, flavor));
        self
    }

    /// Pays a payment request.
    pub fn pay_request(mut self, request: PaymentRequest) -> Self {
        self.requests.push(request);
        self
    }

    /// Retires `qty` of `flavor`.
    pub fn retire(mut self, qty: u64, flavor: Scalar) -> Self {
        self.retirements.push((qty, flavor));
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

    fn is_empty(&self) -> bool {
        self.payments.is_empty()
            && self.requests.is_empty()
            && self.retirements.is_empty()
            && self.issuances.is_empty()
    }

    fn outs(&self) -> Vec<(u64, Scalar)> {
        let pays = self.payments.iter().map(|(_, q, f)| (*q, *f));
        let reqs = self.requests.iter().map(|r| (r.qty, r.flavor));
        pays.chain(reqs)
            .chain(self.retirements.iter().copied())
            .collect()
    }
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
}

/// A proven transaction before its signature.
pub(crate) struct Built {
    pub unsigned: UnsignedTx,
    pub inputs: Vec<ContractId>,
    pub proofs: Vec<Proof>,
    pub incoming: Vec<(Owner, u64, Scalar)>,
    pub replies: Vec<PaymentReply>,
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
        if plan.from == Owner::Shared {
            return Err(WalletError::Signing(
                "a shared account spends through propose_shared".into(),
            ));
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
        for (a, _, _) in &plan.payments {
            self.check_network(a.network())?;
        }
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
            let chosen = select(self.ledger.spendable(from, *flv), flv, need)?;
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
        let mut b = TxBuilder::new()
            .time_bounds(plan.mintime_ms, maxtime)
            .fee(fee);
        let mut proofs = Vec::with_capacity(inputs.len());
        for id in inputs {
            let o = &self.ledger.outputs[id];
            b = b.spend(self.spendable_contract(o)?);
            proofs.push(o.proof.clone());
        }
        if let Owner::Account(n) = plan.from {
            let issuer = Predicate::from_signing_key(self.account(n)?.issuer_key());
            for (metadata, qty) in &plan.issuances {
                b = b.issue(issuer.clone(), metadata.clone(), *qty);
            }
        }
        for (address, qty, flavor) in &plan.payments {
            b = pay_address(b, address, *qty, *flavor, rng);
        }
        for r in &plan.requests {
            let value = ClearValue {
                qty: r.qty,
                flv: r.flavor,
            };
            b = b
                .pay_blinded(
                    Predicate::opaque(r.predicate),
                    value,
                    r.qty_blinding,
                    r.flv_blinding,
                )
                .data(r.note.clone());
        }
        for (qty, flavor) in &plan.retirements {
            b = b.retire(*qty, *flavor);
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
                b = pay_address(b, &own, left, *flavor, rng);
                if left > 0 {
                    incoming.push((plan.from, left, *flavor));
                }
            }
        }
        let unsigned = b.build(gens, rng)?;
        let replies = plan
            .requests
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
            .collect();
        Ok(Built {
            unsigned,
            inputs: inputs.to_vec(),
            proofs,
            incoming,
            replies,
        })
    }
}

/// Adds a payment of `qty` of `flavor` to `address`, with its note.
fn pay_address<R: RngCore + CryptoRng>(
    b: TxBuilder,
    address: &Address,
    qty: u64,
    flavor: Scalar,
    rng: &mut R,
) -> TxBuilder {
    let opening = Opening::random(KeyKind::Address, qty, flavor, rng);
    let (note, tweak) = seal(address.encryption_key(), &opening, rng);
    let point = address.control_key().as_point() + RistrettoPoint::mul_base(&tweak);
    let value = ClearValue { qty, flv: flavor };
    b.pay_blinded(
        Predicate::opaque(point.compress()),
        value,
        opening.qty_blinding,
        opening.flv_blinding,
    )
    .data(note)
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
