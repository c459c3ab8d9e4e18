//! Recognising withdrawals in a verified ZkVM transaction. An export is a log data
//! entry holding an export payload (L1 recipient, token, amount) together with a
//! `retire` entry of the same transaction whose commitments are unblinded and equal
//! the payload's amount and its token's flavor. Each payload takes the first such
//! retirement not taken by an earlier payload; a payload without one makes the
//! transaction invalid under the bridge's rule. A retirement without a payload just
//! destroys value.

use crate::errors::BridgeError;
use crate::flavor;
use crate::messages::{ExportPayload, Withdrawal};
use alloy::primitives::B256;
use zkvm::{Commitment, TxBuilder, TxEntry, VerifiedTx};

/// The withdrawals a verified transaction exports, in log order.
pub fn exports(verified: &VerifiedTx, chain_id: u64) -> Result<Vec<Withdrawal>, BridgeError> {
    let entries = verified.log.entries();
    let mut taken = vec![false; entries.len()];
    let mut found = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let TxEntry::Data(data) = entry else { continue };
        let Some(payload) = ExportPayload::from_data(data)? else {
            continue;
        };
        let log_index =
            u32::try_from(index).map_err(|_| BridgeError::Malformed { what: "log index" })?;
        let (q, f) = open_points(&payload, chain_id);
        let retired = entries.iter().enumerate().position(|(i, e)| {
            !taken[i] && matches!(e, TxEntry::Retire(rq, rf) if *rq == q && *rf == f)
        });
        let Some(i) = retired else {
            return Err(BridgeError::ExportNotRetired { index: log_index });
        };
        taken[i] = true;
        found.push(Withdrawal {
            zkvm_tx: B256::from(verified.id.0),
            log_index,
            payload,
        });
    }
    Ok(found)
}

/// Adds an export to a transaction: an open retirement of the amount of the
/// token's flavor, and the payload as a log data entry.
pub fn add_export(builder: TxBuilder, chain_id: u64, payload: &ExportPayload) -> TxBuilder {
    builder
        .retire_open(payload.amount, flavor::flavor(chain_id, payload.token))
        .data(payload.to_data())
}

/// The unblinded quantity and flavor commitments of a payload's value.
fn open_points(
    payload: &ExportPayload,
    chain_id: u64,
) -> (
    curve25519_dalek::ristretto::CompressedRistretto,
    curve25519_dalek::ristretto::CompressedRistretto,
) {
    let flv = flavor::flavor(chain_id, payload.token);
    (
        Commitment::unblinded(payload.amount).to_point(),
        Commitment::unblinded(flv).to_point(),
    )
}
