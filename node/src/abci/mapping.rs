//! From CometBFT's blocks to ours: heights, times, the key of a proposal, the app
//! hash.
//!
//! - Height: CometBFT's block `h` is our block `h + 1` (our block 1 is the genesis,
//!   which CometBFT knows as `InitChain`; only `initial_height` 1 is supported).
//! - Time: the CometBFT block time in whole milliseconds since the Unix epoch, raised
//!   to one millisecond after our tip's if it is not later (so a genesis time in the
//!   app state after CometBFT's first block time still gives a valid chain).
//! - Header: [`blockchain::ChainState::apply_derived`] on the tip, at that time, with
//!   the block's transactions: every validator derives the same header.
//! - App hash: our block ID (32 bytes) after the block.

use crate::error::NodeError;
use blockchain::BlockHeader;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tendermint::{block::Height, AppHash, Time};

/// Our height of CometBFT's `height`.
pub fn our_height(height: Height) -> u64 {
    height.value().saturating_add(1)
}

/// CometBFT's height of our `height` (0 for the genesis).
pub fn cometbft_height(height: u64) -> Height {
    Height::try_from(height.saturating_sub(1)).unwrap_or_default()
}

/// The time of our block after `tip` for a CometBFT block at `time`.
pub fn block_time_ms(time: Time, tip: &BlockHeader) -> Result<u64, NodeError> {
    let ms =
        u64::try_from(time.unix_timestamp_nanos() / 1_000_000).map_err(|_| NodeError::Invalid {
            what: "block time",
            reason: format!("{time} is before 1970"),
        })?;
    Ok(ms.max(tip.timestamp_ms.saturating_add(1)))
}

/// The app hash of a state whose tip is `tip`: the tip's ID.
pub fn app_hash(tip: &BlockHeader) -> AppHash {
    AppHash::try_from(tip.id().0.to_vec()).expect("any bytes make an app hash")
}

/// What identifies a proposal: our height, our time, and a hash of its transactions
/// in order. A block `FinalizeBlock` receives with the key of the proposal this
/// instance last built or validated is not validated again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposalKey {
    /// Our height of the block.
    pub height: u64,
    /// Our time of the block.
    pub time_ms: u64,
    /// The hash of the transactions.
    pub txs: [u8; 32],
}

impl ProposalKey {
    /// The key of transactions `txs` at our `height` and `time_ms`.
    ///
    /// SHA-256 over the transactions' lengths and bytes: every validator hashes
    /// each block two or three times (`PrepareProposal` or `ProcessProposal`, then
    /// `FinalizeBlock`), and merlin's Keccak over whole blocks was 2 % of a
    /// validator's CPU. The key never leaves this instance.
    pub fn new(height: u64, time_ms: u64, txs: &[Bytes]) -> ProposalKey {
        let mut hash = Sha256::new();
        hash.update(b"ZkVM.abci.proposal");
        hash.update(height.to_le_bytes());
        hash.update(time_ms.to_le_bytes());
        hash.update((txs.len() as u64).to_le_bytes());
        for tx in txs {
            hash.update((tx.len() as u64).to_le_bytes());
            hash.update(tx);
        }
        ProposalKey {
            height,
            time_ms,
            txs: hash.finalize().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_are_shifted_by_the_genesis() {
        assert_eq!(our_height(Height::from(1u32)), 2);
        assert_eq!(cometbft_height(2), Height::from(1u32));
        assert_eq!(cometbft_height(1).value(), 0);
    }

    #[test]
    fn times_are_milliseconds_after_the_tip() {
        let tip = BlockHeader::initial(5_000, utreexo::Forest::new().root());
        let t = Time::from_unix_timestamp(7, 250_000_000).unwrap();
        assert_eq!(block_time_ms(t, &tip).unwrap(), 7_250);
        let early = Time::from_unix_timestamp(1, 0).unwrap();
        assert_eq!(block_time_ms(early, &tip).unwrap(), 5_001);
    }

    #[test]
    fn the_key_depends_on_every_transaction_and_their_order() {
        let a = Bytes::from_static(b"a");
        let b = Bytes::from_static(b"b");
        let key = ProposalKey::new(2, 10, &[a.clone(), b.clone()]);
        assert_eq!(key, ProposalKey::new(2, 10, &[a.clone(), b.clone()]));
        assert_ne!(key, ProposalKey::new(2, 10, &[b.clone(), a.clone()]));
        assert_ne!(key, ProposalKey::new(2, 11, &[a]));
        // Where one transaction ends is part of the key.
        let (ab, empty) = (Bytes::from_static(b"ab"), Bytes::new());
        assert_ne!(
            ProposalKey::new(2, 10, &[ab, empty]),
            ProposalKey::new(2, 10, &[Bytes::from_static(b"a"), b])
        );
    }
}
