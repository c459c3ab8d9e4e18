//! The bridge's state, committed by the app hash: which deposits were imported, how
//! much of each token the chain holds, the withdrawals exported and not yet paid,
//! and the anchor of the next import. A pure data structure with a canonical
//! encoding and a root; the node stores it, puts it in snapshots and commits its
//! root (`spec/bridge.md`, "state").
//!
//! Encoding (version 1): `version || LE64 chain ID || bridge (20) || anchor (32) ||
//! LE32 n || n × LE64 imported nonce (increasing) || LE32 m || m × (token (20) ||
//! LE128 amount) (tokens increasing) || LE32 k || k × (withdrawal || status)
//! (IDs increasing)`; status 0 is pending (awaiting signatures), 1 signed.

use crate::errors::BridgeError;
use crate::flavor;
use crate::messages::{read_version, DepositReport, Domain, Withdrawal, MESSAGE_VERSION};
use alloy::primitives::{Address, B256};
use encoding::{Encodable, Reader, Writer};
use merlin::Transcript;
use std::collections::{BTreeMap, BTreeSet};
use zkvm::{Anchor, Commitment, Contract, PortableItem, Predicate, Value};

/// Where a withdrawal stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WithdrawalStatus {
    /// Exported on the ZkVM chain; validators sign it in their vote extensions.
    Pending,
    /// More than two thirds signed it; a relayer can have it paid.
    Signed,
}

/// The bridge's consensus state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeState {
    domain: Domain,
    anchor: Anchor,
    imported: BTreeSet<u64>,
    held: BTreeMap<Address, u128>,
    withdrawals: BTreeMap<B256, (Withdrawal, WithdrawalStatus)>,
}

impl BridgeState {
    /// The state of a new chain bridged to `domain`: nothing imported, the first
    /// anchor derived from the domain. The genesis must create
    /// [`BridgeState::anchor_contract`]'s output.
    pub fn genesis(domain: Domain) -> Self {
        let mut t = Transcript::new(b"ZkVM.bridge.genesis_anchor");
        t.append_message(b"chain", &domain.chain_id.to_le_bytes());
        t.append_message(b"bridge", domain.bridge.as_slice());
        let mut anchor = [0u8; 32];
        t.challenge_bytes(b"anchor", &mut anchor);
        BridgeState {
            domain,
            anchor: Anchor(anchor),
            imported: BTreeSet::new(),
            held: BTreeMap::new(),
            withdrawals: BTreeMap::new(),
        }
    }

    /// The bridge this state belongs to.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The unspent output the next import spends: a zero value of flavor zero under
    /// the issuer key, with the current anchor. It holds the issuer key (for signing).
    pub fn anchor_contract(&self) -> Contract {
        anchor_contract(self.anchor)
    }

    /// Whether deposit `nonce` was imported.
    pub fn is_imported(&self, nonce: u64) -> bool {
        self.imported.contains(&nonce)
    }

    /// How much of `token` the chain holds (imported minus exported).
    pub fn held(&self, token: &Address) -> u128 {
        self.held.get(token).copied().unwrap_or(0)
    }

    /// The withdrawals awaiting signatures.
    pub fn pending_withdrawals(&self) -> Vec<Withdrawal> {
        self.withdrawals_with(WithdrawalStatus::Pending)
    }

    /// The withdrawals signed by more than two thirds, not yet known paid.
    pub fn signed_withdrawals(&self) -> Vec<Withdrawal> {
        self.withdrawals_with(WithdrawalStatus::Signed)
    }

    fn withdrawals_with(&self, status: WithdrawalStatus) -> Vec<Withdrawal> {
        self.withdrawals
            .values()
            .filter(|(_, s)| *s == status)
            .map(|(w, _)| *w)
            .collect()
    }

    /// Records the import of `deposit`, whose transaction left `next_anchor`.
    pub(crate) fn record_import(
        &mut self,
        deposit: &DepositReport,
        next_anchor: Anchor,
    ) -> Result<(), BridgeError> {
        if !self.imported.insert(deposit.nonce) {
            return Err(BridgeError::AlreadyImported {
                nonce: deposit.nonce,
            });
        }
        *self.held.entry(deposit.token).or_insert(0) += u128::from(deposit.amount);
        self.anchor = next_anchor;
        Ok(())
    }

    /// Records an export: the chain must hold at least the amount of its token.
    pub(crate) fn record_export(&mut self, w: Withdrawal) -> Result<(), BridgeError> {
        let token = w.payload.token;
        let held = self.held(&token);
        let amount = u128::from(w.payload.amount);
        if amount > held {
            return Err(BridgeError::ExceedsHeld {
                token: hex::encode(token),
                amount: w.payload.amount,
                held,
            });
        }
        if self.withdrawals.contains_key(&w.id()) {
            return Err(BridgeError::Malformed {
                what: "withdrawal exported twice",
            });
        }
        self.held.insert(token, held - amount);
        self.withdrawals
            .insert(w.id(), (w, WithdrawalStatus::Pending));
        Ok(())
    }

    /// Marks a pending withdrawal signed (its signatures reached two thirds).
    pub fn mark_signed(&mut self, id: &B256) -> Result<(), BridgeError> {
        let entry = self
            .withdrawals
            .get_mut(id)
            .ok_or_else(|| BridgeError::UnknownWithdrawal(id.to_string()))?;
        entry.1 = WithdrawalStatus::Signed;
        Ok(())
    }

    /// Forgets a withdrawal the L1 paid (the contract refuses it again anyway).
    pub fn mark_paid(&mut self, id: &B256) -> Result<(), BridgeError> {
        self.withdrawals
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| BridgeError::UnknownWithdrawal(id.to_string()))
    }

    /// The root the app hash commits to: a transcript over the encoding.
    pub fn root(&self) -> [u8; 32] {
        let mut t = Transcript::new(b"ZkVM.bridge_state");
        t.append_message(b"state", &self.encode_to_vec());
        let mut root = [0u8; 32];
        t.challenge_bytes(b"root", &mut root);
        root
    }

    /// Decodes a state, refusing any encoding but the canonical one.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BridgeError> {
        Reader::parse(bytes, |r| {
            read_version(r, "bridge state")?;
            let domain = Domain {
                chain_id: r.read_u64()?,
                bridge: Address::from(r.read_array::<20>()?),
            };
            let anchor = Anchor(r.read_array()?);
            let mut imported = BTreeSet::new();
            for _ in 0..r.read_count(8)? {
                let nonce = r.read_u64()?;
                if imported.last().is_some_and(|l| *l >= nonce) {
                    return Err(BridgeError::NotStrictlyIncreasing {
                        what: "imported deposits",
                    });
                }
                imported.insert(nonce);
            }
            let mut held = BTreeMap::new();
            for _ in 0..r.read_count(36)? {
                let token = Address::from(r.read_array::<20>()?);
                let amount = u128::from_le_bytes(r.read_array()?);
                if held.last_key_value().is_some_and(|(l, _)| *l >= token) {
                    return Err(BridgeError::NotStrictlyIncreasing {
                        what: "tokens held",
                    });
                }
                held.insert(token, amount);
            }
            let mut withdrawals = BTreeMap::new();
            for _ in 0..r.read_count(Withdrawal::ENCODED_LEN + 1)? {
                let w = Withdrawal::read(r)?;
                let status = match r.read_u8()? {
                    0 => WithdrawalStatus::Pending,
                    1 => WithdrawalStatus::Signed,
                    _ => {
                        return Err(BridgeError::Malformed {
                            what: "withdrawal status",
                        })
                    }
                };
                if withdrawals
                    .last_key_value()
                    .is_some_and(|(l, _)| *l >= w.id())
                {
                    return Err(BridgeError::NotStrictlyIncreasing {
                        what: "withdrawals",
                    });
                }
                withdrawals.insert(w.id(), (w, status));
            }
            Ok(BridgeState {
                domain,
                anchor,
                imported,
                held,
                withdrawals,
            })
        })
    }
}

impl Encodable for BridgeState {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(MESSAGE_VERSION);
        w.write_u64(self.domain.chain_id);
        w.write_bytes(self.domain.bridge.as_slice());
        w.write_bytes(&self.anchor.0);
        w.write_u32(self.imported.len() as u32);
        for nonce in &self.imported {
            w.write_u64(*nonce);
        }
        w.write_u32(self.held.len() as u32);
        for (token, amount) in &self.held {
            w.write_bytes(token.as_slice());
            w.write_bytes(&amount.to_le_bytes());
        }
        w.write_u32(self.withdrawals.len() as u32);
        for (withdrawal, status) in self.withdrawals.values() {
            withdrawal.encode(w);
            w.write_u8(match status {
                WithdrawalStatus::Pending => 0,
                WithdrawalStatus::Signed => 1,
            });
        }
    }

    fn encoded_len(&self) -> usize {
        1 + 8
            + 20
            + 32
            + 4
            + 8 * self.imported.len()
            + 4
            + 36 * self.held.len()
            + 4
            + (Withdrawal::ENCODED_LEN + 1) * self.withdrawals.len()
    }
}

/// The anchor output with anchor `anchor`: a zero of flavor zero, both commitments
/// unblinded, under the issuer key.
pub(crate) fn anchor_contract(anchor: Anchor) -> Contract {
    Contract {
        predicate: flavor::issuer_predicate(),
        payload: vec![PortableItem::Value(zero_value())],
        anchor,
    }
}

/// The zero value the anchor carries.
pub(crate) fn zero_value() -> Value {
    Value {
        qty: Commitment::unblinded(0u64),
        flv: Commitment::unblinded(zkvm::FEE_FLAVOR),
    }
}

/// The issuer predicate without its key, as outputs carry it.
pub(crate) fn issuer_point_predicate() -> Predicate {
    flavor::issuer_predicate().to_opaque()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::ExportPayload;

    fn domain() -> Domain {
        Domain {
            chain_id: 1337,
            bridge: Address::repeat_byte(9),
        }
    }

    fn deposit(nonce: u64, token: Address, amount: u64) -> DepositReport {
        DepositReport {
            nonce,
            token,
            amount,
            recipient: [1; 65],
            l1_tx: B256::ZERO,
        }
    }

    fn withdrawal(i: u32, token: Address, amount: u64) -> Withdrawal {
        Withdrawal {
            zkvm_tx: B256::repeat_byte(4),
            log_index: i,
            payload: ExportPayload {
                recipient: Address::repeat_byte(2),
                token,
                amount,
            },
        }
    }

    fn busy_state() -> BridgeState {
        let mut s = BridgeState::genesis(domain());
        let token = Address::repeat_byte(3);
        s.record_import(&deposit(0, Address::ZERO, 100), Anchor([1; 32]))
            .unwrap();
        s.record_import(&deposit(2, token, 50), Anchor([2; 32]))
            .unwrap();
        s.record_export(withdrawal(1, Address::ZERO, 40)).unwrap();
        s.record_export(withdrawal(2, token, 50)).unwrap();
        s.mark_signed(&withdrawal(2, token, 50).id()).unwrap();
        s
    }

    #[test]
    fn imports_and_exports_move_the_totals_held() {
        let s = busy_state();
        assert_eq!(s.held(&Address::ZERO), 60);
        assert_eq!(s.held(&Address::repeat_byte(3)), 0);
        assert!(s.is_imported(2) && !s.is_imported(1));
        assert_eq!(s.pending_withdrawals().len(), 1);
        assert_eq!(s.signed_withdrawals().len(), 1);
        assert_eq!(s.anchor_contract().anchor, Anchor([2; 32]));
    }

    #[test]
    fn a_deposit_imports_once_and_an_export_needs_what_is_held() {
        let mut s = busy_state();
        assert!(matches!(
            s.record_import(&deposit(0, Address::ZERO, 1), Anchor([9; 32])),
            Err(BridgeError::AlreadyImported { nonce: 0 })
        ));
        assert!(matches!(
            s.record_export(withdrawal(3, Address::ZERO, 61)),
            Err(BridgeError::ExceedsHeld {
                amount: 61,
                held: 60,
                ..
            })
        ));
        assert!(s.record_export(withdrawal(1, Address::ZERO, 1)).is_err());
        let id = withdrawal(1, Address::ZERO, 40).id();
        s.mark_paid(&id).unwrap();
        assert!(s.mark_paid(&id).is_err());
    }

    #[test]
    fn the_encoding_round_trips_and_the_root_follows_every_field() {
        let s = busy_state();
        let bytes = s.encode_to_vec();
        assert_eq!(bytes.len(), s.encoded_len());
        assert_eq!(BridgeState::from_bytes(&bytes).unwrap(), s);
        let mut other = s.clone();
        other
            .mark_paid(&withdrawal(1, Address::ZERO, 40).id())
            .unwrap();
        assert_ne!(other.root(), s.root());
        assert_ne!(BridgeState::genesis(domain()).root(), s.root());
    }

    #[test]
    fn non_canonical_or_truncated_states_are_refused() {
        let bytes = busy_state().encode_to_vec();
        assert!(BridgeState::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        // Swap the two imported nonces (0 and 2): no longer increasing.
        let at = 1 + 8 + 20 + 32 + 4;
        let mut swapped = bytes.clone();
        swapped[at..at + 8].copy_from_slice(&2u64.to_le_bytes());
        swapped[at + 8..at + 16].copy_from_slice(&0u64.to_le_bytes());
        assert!(matches!(
            BridgeState::from_bytes(&swapped),
            Err(BridgeError::NotStrictlyIncreasing { .. })
        ));
        let mut status = bytes.clone();
        *status.last_mut().unwrap() = 7;
        assert!(BridgeState::from_bytes(&status).is_err());
    }
}
