//! Scanning: trial decryption of a block's notes and the upkeep of the wallet's
//! proofs, each in bulk on all cores.
//!
//! Every note of the block is tried with every account's encryption key, in
//! parallel (rayon) over the notes. The cheap refusals come first: tracking only
//! hands over data entries with the note tag, and an entry of the wrong length or
//! with a point that does not decode is refused before any scalar multiplication;
//! what remains costs one key agreement per key and an authentication tag check.
//!
//! Proof upkeep moves every kept output's path across the block's catch-up, in
//! parallel over the outputs, without hashing (`Catchup::relocate`): each path was
//! valid against the forest before the block, and the catch-up moves it along
//! subtrees it found intact.

use crate::errors::WalletError;
use crate::ledger::Owner;
use crate::note::{NoteOpener, Opening};
use crate::tracking::{proof_error, BlockTxs};
use curve25519_dalek::scalar::Scalar;
use rayon::prelude::*;
use utreexo::{Catchup, Proof};
use zkvm::ContractId;

/// A note that opened for one of the wallet's keys.
pub struct Opened {
    /// The tag the note came with (tracking: its transaction's index in the block).
    pub tag: usize,
    /// Whose key opened it.
    pub owner: Owner,
    /// The output's secrets.
    pub opening: Opening,
    /// The tweak of the owner's control key.
    pub tweak: Scalar,
}

/// Trial-decrypts every note of `txs` with each of `openers`, on all cores. The
/// notes that open come back in block order, tagged with their transaction's index.
pub(crate) fn open_notes<T: BlockTxs + ?Sized>(
    openers: &[(Owner, NoteOpener)],
    txs: &T,
) -> Vec<Opened> {
    let notes: Vec<(usize, &[u8])> = (0..txs.count())
        .flat_map(|tx| txs.notes(tx).into_iter().map(move |note| (tx, note)))
        .collect();
    trial_decrypt(openers, &notes)
}

/// Tries each of the tagged `notes` with each of `openers` (the first that opens a
/// note wins), on all cores. Returns the notes that opened, in the order given.
pub fn trial_decrypt(openers: &[(Owner, NoteOpener)], notes: &[(usize, &[u8])]) -> Vec<Opened> {
    notes
        .par_iter()
        .filter_map(|&(tag, note)| {
            openers.iter().find_map(|(owner, opener)| {
                let (opening, tweak) = opener.open(note)?;
                Some(Opened {
                    tag,
                    owner: *owner,
                    opening,
                    tweak,
                })
            })
        })
        .collect()
}

/// Moves the proofs of `kept` outputs across `catchup`, on all cores. Fails, naming
/// the output, if one cannot be moved (it was deleted, or its path is not of the
/// forest before the block).
pub fn move_proofs(
    kept: Vec<(ContractId, &Proof)>,
    catchup: &Catchup,
) -> Result<Vec<(ContractId, Proof)>, WalletError> {
    kept.into_par_iter()
        .map(|(id, proof)| {
            let moved = match proof {
                Proof::Committed(path) => catchup.relocate(path).map(Proof::Committed),
                Proof::Transient => catchup.update_proof(&id, &Proof::Transient),
            };
            moved.map(|p| (id, p)).map_err(|e| proof_error(&id, e))
        })
        .collect()
}
