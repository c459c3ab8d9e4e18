//! Tallying the vote extensions of a height: which deposits more than two thirds of
//! the voting power reported (identically), and which withdrawal and checkpoint
//! signature sets reach more than two thirds of the L1 validator set's power.
//!
//! Deposits count CometBFT voting power: each validator's extension counts once with
//! its power, for the exact report it made (a validator reporting other fields for a
//! nonce votes for another report). Signatures count the power the contract holds
//! for their signer, whoever carried them: they authenticate themselves. An
//! extension that does not decode counts as empty. The result depends only on the
//! inputs, so every validator computes the same.

use crate::messages::{Checkpoint, DepositReport, Domain, Withdrawal};
use crate::signatures::{more_than_two_thirds, EthSignature, SignatureSet, ValidatorSet};
use crate::state::BridgeState;
use crate::votes::VoteExtension;
use std::collections::BTreeMap;

/// One validator's vote: its CometBFT voting power and its extension's bytes.
#[derive(Copy, Clone, Debug)]
pub struct Vote<'a> {
    /// The validator's voting power.
    pub power: u64,
    /// Its vote extension, as received.
    pub extension: &'a [u8],
}

/// What the votes of a height agree on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Deposits to import, by increasing nonce (none already imported).
    pub deposits: Vec<DepositReport>,
    /// Pending withdrawals with signatures enough for the contract, signers increasing.
    pub withdrawals: Vec<(Withdrawal, Vec<EthSignature>)>,
    /// The checkpoint with signatures enough for the contract, if it got them.
    pub checkpoint: Option<(Checkpoint, Vec<EthSignature>)>,
}

/// Tallies `votes`, cast by validators whose powers sum to `total_power` (absent
/// validators included), against the bridge `state`, the contract's validator set
/// `l1` and the checkpoint of this height if one is due.
pub fn tally(
    votes: &[Vote<'_>],
    total_power: u64,
    state: &BridgeState,
    l1: &ValidatorSet,
    checkpoint: Option<&Checkpoint>,
) -> Tally {
    let extensions: Vec<(u64, VoteExtension)> = votes
        .iter()
        .map(|v| {
            (
                v.power,
                VoteExtension::decode(v.extension).unwrap_or_default(),
            )
        })
        .collect();
    let domain = state.domain();
    Tally {
        deposits: agreed_deposits(&extensions, total_power, state),
        withdrawals: signed_withdrawals(&extensions, state, l1, domain),
        checkpoint: checkpoint.and_then(|c| signed_checkpoint(&extensions, c, l1, domain)),
    }
}

/// The reports that more than two thirds of the power made, not yet imported.
fn agreed_deposits(
    extensions: &[(u64, VoteExtension)],
    total_power: u64,
    state: &BridgeState,
) -> Vec<DepositReport> {
    let mut power: BTreeMap<&DepositReport, u128> = BTreeMap::new();
    for (p, ext) in extensions {
        // A decoded extension names each nonce once.
        for d in ext.deposits() {
            *power.entry(d).or_insert(0) += u128::from(*p);
        }
    }
    power
        .into_iter()
        .filter(|(d, p)| {
            more_than_two_thirds(*p, u128::from(total_power)) && !state.is_imported(d.nonce)
        })
        .map(|(d, _)| d.clone())
        .collect()
}

fn signed_withdrawals(
    extensions: &[(u64, VoteExtension)],
    state: &BridgeState,
    l1: &ValidatorSet,
    domain: &Domain,
) -> Vec<(Withdrawal, Vec<EthSignature>)> {
    state
        .pending_withdrawals()
        .into_iter()
        .filter_map(|w| {
            let id = w.id();
            let sigs = extensions.iter().flat_map(|(_, ext)| {
                ext.withdrawals()
                    .iter()
                    .filter(move |s| s.id == id)
                    .map(|s| s.signature)
            });
            SignatureSet::collect(w.digest(domain), sigs, l1)
                .ok()
                .map(|s| (w, s))
        })
        .collect()
}

fn signed_checkpoint(
    extensions: &[(u64, VoteExtension)],
    checkpoint: &Checkpoint,
    l1: &ValidatorSet,
    domain: &Domain,
) -> Option<(Checkpoint, Vec<EthSignature>)> {
    let sigs = extensions
        .iter()
        .filter_map(|(_, ext)| ext.checkpoint())
        .filter(|c| c.height == checkpoint.height)
        .map(|c| c.signature);
    SignatureSet::collect(checkpoint.digest(domain), sigs, l1)
        .ok()
        .map(|s| (*checkpoint, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ValidatorKey;
    use crate::messages::ExportPayload;
    use alloy::primitives::{Address, B256};
    use zkvm::Anchor;

    struct Net {
        keys: Vec<ValidatorKey>,
        l1: ValidatorSet,
        state: BridgeState,
    }

    fn domain() -> Domain {
        Domain {
            chain_id: 1337,
            bridge: Address::repeat_byte(9),
        }
    }

    fn net() -> Net {
        let keys: Vec<_> = (0..4)
            .map(|_| ValidatorKey::generate(&mut rand_core::OsRng))
            .collect();
        let l1 = ValidatorSet::new(keys.iter().map(|k| (k.address(), 10))).unwrap();
        let mut state = BridgeState::genesis(domain());
        state
            .record_import(&deposit(100, 1_000), Anchor([1; 32]))
            .unwrap();
        state.record_export(withdrawal()).unwrap();
        Net { keys, l1, state }
    }

    fn deposit(nonce: u64, amount: u64) -> DepositReport {
        DepositReport {
            nonce,
            token: Address::ZERO,
            amount,
            recipient: [1; 65],
            l1_tx: B256::repeat_byte(1),
        }
    }

    fn withdrawal() -> Withdrawal {
        Withdrawal {
            zkvm_tx: B256::repeat_byte(2),
            log_index: 3,
            payload: ExportPayload {
                recipient: Address::repeat_byte(5),
                token: Address::ZERO,
                amount: 7,
            },
        }
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            height: 10,
            block_id: B256::repeat_byte(1),
            utxo_root: B256::repeat_byte(2),
            app_hash: B256::repeat_byte(3),
        }
    }

    /// Extension bytes of validator `i` reporting `deposits`, signing what is pending.
    fn ext(net: &Net, i: usize, deposits: Vec<DepositReport>) -> Vec<u8> {
        VoteExtension::compose(
            &net.keys[i],
            &domain(),
            deposits,
            &net.state.pending_withdrawals(),
            Some(&checkpoint()),
        )
        .unwrap()
        .to_bytes()
    }

    fn votes(exts: &[Vec<u8>]) -> Vec<Vote<'_>> {
        exts.iter()
            .map(|e| Vote {
                power: 10,
                extension: e,
            })
            .collect()
    }

    #[test]
    fn three_of_four_agree_on_deposits_withdrawals_and_the_checkpoint() {
        let net = net();
        let exts: Vec<_> = (0..3).map(|i| ext(&net, i, vec![deposit(1, 5)])).collect();
        let t = tally(&votes(&exts), 40, &net.state, &net.l1, Some(&checkpoint()));
        assert_eq!(t.deposits, vec![deposit(1, 5)]);
        assert_eq!(t.withdrawals.len(), 1);
        assert_eq!(t.withdrawals[0].1.len(), 3);
        assert_eq!(t.checkpoint.map(|c| c.1.len()), Some(3));
    }

    #[test]
    fn two_thirds_or_less_agree_on_nothing() {
        let net = net();
        let exts: Vec<_> = (0..2).map(|i| ext(&net, i, vec![deposit(1, 5)])).collect();
        let t = tally(&votes(&exts), 40, &net.state, &net.l1, Some(&checkpoint()));
        assert_eq!(t, Tally::default());
        // With the absent validators' power counted, 20 of 30 is exactly two thirds.
        let exts: Vec<_> = (0..2).map(|i| ext(&net, i, vec![deposit(1, 5)])).collect();
        let t = tally(&votes(&exts), 30, &net.state, &net.l1, None);
        assert!(t.deposits.is_empty());
    }

    #[test]
    fn differing_reports_of_one_nonce_do_not_add_up() {
        let net = net();
        let exts = vec![
            ext(&net, 0, vec![deposit(1, 5)]),
            ext(&net, 1, vec![deposit(1, 5)]),
            ext(&net, 2, vec![deposit(1, 6)]),
        ];
        let t = tally(&votes(&exts), 40, &net.state, &net.l1, None);
        assert!(t.deposits.is_empty());
    }

    #[test]
    fn a_deposit_reported_twice_by_one_validator_counts_once() {
        let net = net();
        let mut twice = ext(&net, 0, vec![deposit(1, 5)]);
        // Make the count 2 and repeat the report: the extension no longer decodes.
        let report = twice[5..5 + DepositReport::ENCODED_LEN].to_vec();
        twice[1..5].copy_from_slice(&2u32.to_le_bytes());
        twice.splice(5..5, report);
        assert!(VoteExtension::decode(&twice).is_err());
        let exts = vec![
            twice,
            ext(&net, 1, vec![deposit(1, 5)]),
            ext(&net, 2, vec![deposit(1, 5)]),
        ];
        // Two valid reports of 30 power: not more than two thirds of 40.
        let t = tally(&votes(&exts), 40, &net.state, &net.l1, None);
        assert!(t.deposits.is_empty());
        // The same vote counted under two entries is the node's mistake, not ours to
        // catch; a validator's own repeated report cannot inflate its power.
    }

    #[test]
    fn imported_deposits_are_not_agreed_again() {
        let net = net();
        let exts: Vec<_> = (0..4)
            .map(|i| ext(&net, i, vec![deposit(100, 1_000)]))
            .collect();
        let t = tally(&votes(&exts), 40, &net.state, &net.l1, None);
        assert!(t.deposits.is_empty());
    }

    #[test]
    fn signatures_of_strangers_or_over_other_messages_do_not_count() {
        let net = net();
        let stranger = ValidatorKey::generate(&mut rand_core::OsRng);
        let outsiders = Net {
            keys: vec![stranger],
            l1: net.l1.clone(),
            state: net.state.clone(),
        };
        let from_stranger = ext(&outsiders, 0, vec![]);
        // A validator signing another checkpoint at the same height.
        let other = Checkpoint {
            app_hash: B256::repeat_byte(9),
            ..checkpoint()
        };
        let wrong = VoteExtension::compose(&net.keys[2], &domain(), vec![], &[], Some(&other))
            .unwrap()
            .to_bytes();
        let exts = vec![
            ext(&net, 0, vec![]),
            ext(&net, 1, vec![]),
            from_stranger,
            wrong,
        ];
        let t = tally(&votes(&exts), 40, &net.state, &net.l1, Some(&checkpoint()));
        assert!(t.withdrawals.is_empty());
        assert!(t.checkpoint.is_none());
    }

    #[test]
    fn undecodable_extensions_count_as_empty() {
        let net = net();
        let junk = vec![0xffu8; 10];
        let exts = vec![
            junk,
            ext(&net, 1, vec![deposit(1, 5)]),
            ext(&net, 2, vec![deposit(1, 5)]),
        ];
        let t = tally(&votes(&exts), 30, &net.state, &net.l1, None);
        assert!(t.deposits.is_empty());
    }
}
