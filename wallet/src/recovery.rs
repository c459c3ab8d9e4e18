//! Birthdays and recovery: starting a wallet somewhere in the chain instead of at
//! its beginning.
//!
//! A new wallet owns nothing yet, so it needs none of the chain's past: it starts at
//! a [`Checkpoint`] (the tip, or any height) and follows the blocks after it
//! ([`Wallet::start_at`]).
//!
//! A wallet rebuilt from its root key starts at its *birthday*, a checkpoint no later
//! than the block of its first output, and scans every block after it. Which
//! accounts to try is bounded by a gap limit: recovery opens accounts `0..n` and,
//! once it reached the tip, is complete if `n` reaches `gap.accounts` accounts past
//! the highest one that ever received an output. Otherwise an account it did not
//! try may have been used, and the scan starts again from the birthday with more
//! accounts open ([`Recovery::Rescan`]). Outputs paid by request need no search:
//! their notes name the one-time key's index; the recovered wallet continues its
//! request indexes `gap.requests` past the highest one paid, so that it does not
//! hand out again a key the old wallet gave out in a request still unpaid.

use crate::address::Network;
use crate::errors::WalletError;
use crate::ledger::{Checkpoint, Ledger};
use crate::wallet::Wallet;
use keytree::Xprv;

/// How far recovery looks past the last account and request index in use.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct GapLimit {
    /// Unused accounts tried past the highest used one.
    pub accounts: u64,
    /// Request indexes skipped past the highest one paid.
    pub requests: u64,
}

impl Default for GapLimit {
    /// Five accounts and twenty request indexes.
    fn default() -> Self {
        GapLimit {
            accounts: 5,
            requests: 20,
        }
    }
}

/// Where a recovery stands once it reached the tip.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Every account within the gap limit was tried from the birthday.
    Complete,
    /// Scan again from the birthday with this many accounts open
    /// ([`Wallet::recover`]).
    Rescan {
        /// Accounts to open.
        accounts: u64,
    },
}

impl Wallet {
    /// Starts the wallet at `checkpoint`, owning nothing there: it follows the blocks
    /// after it. What it knew of the chain before is forgotten; its accounts and its
    /// request indexes stay.
    pub fn start_at(&mut self, checkpoint: Checkpoint) {
        let mut ledger = Ledger {
            next_request: self.ledger.next_request,
            ..Ledger::default()
        };
        ledger
            .recent
            .push_back((checkpoint.height(), checkpoint.id()));
        ledger.tip = Some(checkpoint);
        self.ledger = ledger;
    }

    /// A wallet of `root` that recovers its outputs from `birthday` on, with
    /// accounts `0..accounts` open (at least account 0). Apply every block after the
    /// birthday, then call [`Wallet::finish_recovery`].
    pub fn recover(
        root: Xprv,
        network: Network,
        birthday: Checkpoint,
        accounts: u64,
    ) -> Result<Wallet, WalletError> {
        let mut wallet = Wallet::new(root, network);
        for index in 1..accounts {
            wallet.open_account(index)?;
        }
        wallet.start_at(birthday);
        Ok(wallet)
    }

    /// Whether a recovery that reached the tip is complete under `gap` (then the
    /// request indexes continue `gap.requests` past the highest one paid), or how
    /// many accounts to scan with again from the birthday. Call it once.
    pub fn finish_recovery(&mut self, gap: GapLimit) -> Recovery {
        let used = self
            .ledger
            .highest_account
            .map_or(0, |h| h.saturating_add(1));
        let needed = used.saturating_add(gap.accounts);
        if self.open_from_zero() < needed {
            return Recovery::Rescan { accounts: needed };
        }
        self.ledger.next_request = self.ledger.next_request.saturating_add(gap.requests);
        Recovery::Complete
    }

    /// How many accounts are open from account 0 on without a gap.
    fn open_from_zero(&self) -> u64 {
        (0u64..)
            .take_while(|index| self.account(*index).is_ok())
            .count() as u64
    }
}
