//! Offline signing: a transaction built and proven where the chain is, signed where
//! the root key is.

use crate::address::Address;
use crate::keys::SecretScalar;
use crate::note::{Memo, Opening};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;

/// Where a signing key is in the key tree, below the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPath {
    /// Account `account`'s control key plus `tweak` (a payment to its address).
    Control {
        /// The account.
        account: u64,
        /// The note's tweak.
        tweak: Scalar,
    },
    /// One-time key `index` of account `account` (a payment request).
    Request {
        /// The account.
        account: u64,
        /// The key's index.
        index: u64,
    },
    /// Account `account`'s issuer key.
    Issuer {
        /// The account.
        account: u64,
    },
}

/// An output as the signer is shown it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShownOutput {
    /// A payment to an address.
    Payment {
        /// The recipient.
        address: Address,
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
    /// Change, back to the sending account's address.
    Change {
        /// The output's opening.
        opening: Opening,
        /// The note's secret `r`.
        note_secret: SecretScalar,
    },
}

/// What a transaction does, as its builder wrote it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shown {
    pub outputs: Vec<ShownOutput>,
    pub retirements: Vec<(u64, Scalar)>,
    pub issuances: Vec<(Vec<u8>, u64)>,
}
