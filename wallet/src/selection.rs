//! Coin selection: for each flavor, the largest unreserved outputs first until the
//! target is reached, so a payment spends few inputs.

use crate::errors::WalletError;
use crate::ledger::OwnedOutput;
use curve25519_dalek::scalar::Scalar;
use zkvm::ContractId;

/// The outputs chosen for one flavor and their total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The chosen outputs.
    pub ids: Vec<ContractId>,
    /// Their total quantity.
    pub total: u64,
}

/// Chooses among `coins` (all of `flavor`) at least `target` units.
pub fn select<'a>(
    coins: impl Iterator<Item = &'a OwnedOutput>,
    flavor: &Scalar,
    target: u64,
) -> Result<Selection, WalletError> {
    let mut coins: Vec<&OwnedOutput> = coins.filter(|c| c.opening.qty > 0).collect();
    coins.sort_by(|a, b| b.opening.qty.cmp(&a.opening.qty).then(a.id.cmp(&b.id)));
    let mut chosen = Selection {
        ids: Vec::new(),
        total: 0,
    };
    for c in &coins {
        if chosen.total >= target {
            break;
        }
        chosen.ids.push(c.id);
        chosen.total = chosen
            .total
            .checked_add(c.opening.qty)
            .ok_or(WalletError::Overflow)?;
    }
    if chosen.total < target {
        return Err(WalletError::InsufficientFunds {
            flavor: hex::encode(flavor.as_bytes()),
            needed: target,
            available: chosen.total,
            pending: 0,
        });
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Owner;
    use crate::note::{KeyKind, Opening};
    use utreexo::Proof;
    use zkvm::Anchor;

    fn coin(n: u8, qty: u64) -> OwnedOutput {
        OwnedOutput {
            id: ContractId([n; 32]),
            owner: Owner::Account(0),
            opening: Opening {
                key: KeyKind::Address,
                qty,
                flavor: Scalar::ZERO,
                qty_blinding: Scalar::ZERO,
                flv_blinding: Scalar::ZERO,
            },
            tweak: Scalar::ZERO,
            predicate: Default::default(),
            anchor: Anchor::default(),
            proof: Proof::Transient,
            height: 1,
            reserved_by: None,
        }
    }

    #[test]
    fn largest_first_until_the_target() {
        let coins = [coin(1, 5), coin(2, 50), coin(3, 20), coin(4, 0)];
        let s = select(coins.iter(), &Scalar::ZERO, 60).unwrap();
        assert_eq!(s.ids, vec![ContractId([2; 32]), ContractId([3; 32])]);
        assert_eq!(s.total, 70);
        assert_eq!(
            select(coins.iter(), &Scalar::ZERO, 76),
            Err(WalletError::InsufficientFunds {
                flavor: hex::encode([0u8; 32]),
                needed: 76,
                available: 75,
                pending: 0
            })
        );
        assert_eq!(select(coins.iter(), &Scalar::ZERO, 0).unwrap().ids, vec![]);
    }
}
