//! Proof upkeep: the Utreexo proof of every unspent output, kept a few blocks behind
//! the tip and caught up when read.
//!
//! Every block moves most paths of the forest (normalization repacks the trees), so
//! keeping every stored proof at the tip meant reading and rewriting all of them per
//! block, in proportion to the UTXO set. Instead:
//!
//! - `utxo_proofs` holds proofs against the forest after the **base height**
//!   (`proofs_height` in `meta`; a store written before it was kept has its
//!   proofs at its tip, and notes that when opened);
//! - `utxo_proofs_fresh` holds the proofs of outputs created after the base height,
//!   each with the height whose forest it is against (`LE64 height || proof`);
//! - the [`Lag`] holds in memory the catch-up of every height after the base;
//!   reading a proof moves it through those after its height (no hashing, a search
//!   per block: [`Catchup::relocate`]; the store made these proofs itself);
//! - every [`RELOCATE_EVERY`] blocks the block's write transaction moves every
//!   proof to the tip and empties the fresh table: the base becomes the tip.
//!
//! After a restart the catch-ups after the base are rebuilt from the stored blocks:
//! each block's logs and input proofs applied to the forest before it, then
//! normalized, and the result checked against the forest kept for that height
//! ([`super::RECENT_FORESTS`] of them, more than [`RELOCATE_EVERY`]).

use super::{corrupt, read_u64, NodeError, FORESTS, KEY_PROOFS_HEIGHT, PROOFS, PROOF_CHUNK};
use blockchain::{apply_log, AppliedBlock, Block};
use redb::{ReadableTable, TableDefinition};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use utreexo::{Catchup, Forest, Proof};
use zkvm::{ContractId, TxLog};

/// Proofs of outputs created after the base height: contract ID → `LE64 height ||
/// proof`.
pub(super) const FRESH: TableDefinition<&[u8], &[u8]> = TableDefinition::new("utxo_proofs_fresh");

/// How many blocks the stored proofs may lag behind the tip before a block's write
/// moves them all. Below [`super::RECENT_FORESTS`], so that the forest of the base
/// height is kept for a restart.
pub const RELOCATE_EVERY: u64 = 32;

/// The catch-ups of the heights after the base height, oldest first; a few older
/// ones stay after a full move, for readers of an older snapshot.
#[derive(Default)]
pub(super) struct Lag {
    catchups: Mutex<Vec<(u64, Arc<Catchup>)>>,
}

impl Lag {
    fn lock(&self) -> MutexGuard<'_, Vec<(u64, Arc<Catchup>)>> {
        // Every change is a single retain, push or clear.
        self.catchups.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds the catch-up of `height` (before its block is committed: readers only
    /// take heights up to the tip they read).
    pub(super) fn push(&self, height: u64, catchup: Catchup) {
        let mut held = self.lock();
        held.retain(|(h, _)| *h < height);
        held.push((height, Arc::new(catchup)));
    }

    /// Forgets every catch-up (before they are rebuilt from the database).
    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    /// After the proofs moved to `base`: keeps only the catch-ups after `older`
    /// (the previous base), which readers of an older snapshot may still need.
    pub(super) fn trim(&self, older: u64) {
        self.lock().retain(|(h, _)| *h > older);
    }

    /// The held catch-ups of heights `from + 1 ..= to`, in order; an error if one
    /// is missing.
    fn snapshot(&self, from: u64, to: u64) -> Result<Vec<Arc<Catchup>>, NodeError> {
        let chosen: Vec<Arc<Catchup>> = self
            .lock()
            .iter()
            .filter(|(h, _)| *h > from && *h <= to)
            .map(|(_, c)| c.clone())
            .collect();
        if chosen.len() as u64 != to.saturating_sub(from) {
            return Err(corrupt(&format!(
                "the proof catch-ups from height {from} to {to} are not held"
            )));
        }
        Ok(chosen)
    }
}

/// A stored proof and the height whose forest it is against.
pub(super) struct Stored {
    pub height: u64,
    pub proof: Proof,
}

/// Reads the proof of `id` as stored (not caught up), from either table.
pub(super) fn stored(
    r: &redb::ReadTransaction,
    id: &ContractId,
) -> Result<Option<Stored>, NodeError> {
    if let Some(bytes) = r.open_table(PROOFS)?.get(id.0.as_slice())? {
        let meta = r.open_table(super::META)?;
        return Ok(Some(Stored {
            height: base_height(&meta)?,
            proof: super::read_proof(bytes.value())?,
        }));
    }
    match open_fresh(r)? {
        Some(fresh) => fresh
            .get(id.0.as_slice())?
            .map(|bytes| read_fresh(bytes.value()))
            .transpose(),
        None => Ok(None),
    }
}

/// Whether either table holds a proof of `id`.
pub(super) fn holds(r: &redb::ReadTransaction, id: &ContractId) -> Result<bool, NodeError> {
    if r.open_table(PROOFS)?.get(id.0.as_slice())?.is_some() {
        return Ok(true);
    }
    Ok(match open_fresh(r)? {
        Some(fresh) => fresh.get(id.0.as_slice())?.is_some(),
        None => false,
    })
}

/// How many proofs both tables hold.
pub(super) fn count(r: &redb::ReadTransaction) -> Result<u64, NodeError> {
    use redb::ReadableTableMetadata;
    let fresh = match open_fresh(r)? {
        Some(fresh) => fresh.len()?,
        None => 0,
    };
    Ok(r.open_table(PROOFS)?.len()? + fresh)
}

/// The fresh table as a reader sees it.
type FreshTable = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;

fn open_fresh(r: &redb::ReadTransaction) -> Result<Option<FreshTable>, NodeError> {
    match r.open_table(FRESH) {
        Ok(table) => Ok(Some(table)),
        // A store written before the fresh table existed.
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The height the proofs of `utxo_proofs` are against (`proofs_height`; a store
/// written before it was kept has it noted at its tip when opened).
pub(super) fn base_height(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<u64, NodeError> {
    read_u64(meta, KEY_PROOFS_HEIGHT)
}

fn read_fresh(bytes: &[u8]) -> Result<Stored, NodeError> {
    let (height, proof) = bytes
        .split_first_chunk::<8>()
        .ok_or_else(|| corrupt("a fresh proof shorter than its height"))?;
    Ok(Stored {
        height: u64::from_le_bytes(*height),
        proof: super::read_proof(proof)?,
    })
}

fn fresh_value(height: u64, proof: &Proof) -> Vec<u8> {
    let mut value = height.to_le_bytes().to_vec();
    value.extend_from_slice(&encoding::Encodable::encode_to_vec(proof));
    value
}

/// Moves `proof` from the forest after `from` to the forest after `to` through the
/// held catch-ups.
pub(super) fn catch_up(lag: &Lag, proof: Proof, from: u64, to: u64) -> Result<Proof, NodeError> {
    if from == to {
        return Ok(proof);
    }
    move_through(proof, &lag.snapshot(from, to)?)
        .map_err(|e| corrupt(&format!("catching a proof up from {from} to {to}: {e}")))
}

/// Moves a stored proof through `catchups`, in order, without re-hashing
/// ([`Catchup::relocate`]: the node made these proofs itself).
fn move_through(proof: Proof, catchups: &[Arc<Catchup>]) -> Result<Proof, utreexo::UtreexoError> {
    match proof {
        Proof::Committed(path) => catchups
            .iter()
            .try_fold(path, |p, c| c.relocate(&p))
            .map(Proof::Committed),
        Proof::Transient => Err(utreexo::UtreexoError::TransientProof),
    }
}

/// The block's part of the upkeep, in its write transaction: spent outputs leave,
/// the block's surviving outputs enter the fresh table, and if the base is
/// [`RELOCATE_EVERY`] blocks behind, every proof moves to the new tip. `lag` already
/// holds the block's catch-up. Returns the previous base height if everything moved.
pub(super) fn update(
    w: &redb::WriteTransaction,
    meta: &mut redb::Table<&'static str, &'static [u8]>,
    lag: &Lag,
    height: u64,
    applied: &AppliedBlock,
) -> Result<Option<u64>, NodeError> {
    let mut proofs = w.open_table(PROOFS)?;
    let mut fresh = w.open_table(FRESH)?;
    let spent: HashSet<ContractId> = applied
        .txs
        .iter()
        .flat_map(|tx| tx.log.inputs().copied())
        .collect();
    for id in &spent {
        proofs.remove(id.0.as_slice())?;
        fresh.remove(id.0.as_slice())?;
    }
    for tx in &applied.txs {
        for output in tx.log.outputs() {
            let id = output.id();
            if spent.contains(&id) {
                continue;
            }
            let proof = applied
                .catchup
                .update_proof(&id, &Proof::Transient)
                .map_err(|e| corrupt(&format!("new output {id}: {e}")))?;
            fresh.insert(id.0.as_slice(), fresh_value(height, &proof).as_slice())?;
        }
    }
    let base = base_height(meta)?;
    if height < base + RELOCATE_EVERY {
        return Ok(None);
    }
    let catchups = lag.snapshot(base, height)?;
    relocate_all(&mut proofs, &catchups)?;
    let moved: Vec<(Vec<u8>, Stored)> = fresh
        .iter()?
        .map(|e| {
            let (k, v) = e?;
            Ok((k.value().to_vec(), read_fresh(v.value())?))
        })
        .collect::<Result<_, NodeError>>()?;
    // Dropping the table is far cheaper than deleting its entries one by one; the
    // next block creates it again.
    drop(fresh);
    w.delete_table(FRESH)?;
    for (key, s) in moved {
        // `catchups` holds heights `base + 1 ..= height`; this proof needs those
        // after its own.
        let after = usize::try_from(s.height.saturating_sub(base)).unwrap_or(usize::MAX);
        let proof = move_through(s.proof, catchups.get(after..).unwrap_or_default())
            .map_err(|e| corrupt(&format!("fresh proof of {}: {e}", hex::encode(&key))))?;
        proofs.insert(
            key.as_slice(),
            encoding::Encodable::encode_to_vec(&proof).as_slice(),
        )?;
    }
    meta.insert(KEY_PROOFS_HEIGHT, height.to_le_bytes().as_slice())?;
    Ok(Some(base))
}

/// Moves every proof of `table` through `catchups` in order, a chunk at a time so
/// memory stays bounded.
fn relocate_all(
    table: &mut redb::Table<&[u8], &[u8]>,
    catchups: &[Arc<Catchup>],
) -> Result<(), NodeError> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let chunk: Vec<(Vec<u8>, Vec<u8>)> = {
            let range = match &after {
                Some(key) => table.range::<&[u8]>((
                    std::ops::Bound::Excluded(key.as_slice()),
                    std::ops::Bound::Unbounded,
                ))?,
                None => table.range::<&[u8]>(..)?,
            };
            range
                .take(PROOF_CHUNK)
                .map(|e| e.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())))
                .collect::<Result<_, _>>()?
        };
        let Some((last, _)) = chunk.last() else {
            return Ok(());
        };
        after = Some(last.clone());
        for (key, value) in chunk {
            let moved = relocate(catchups, &value)
                .map_err(|e| corrupt(&format!("proof of {}: {e}", hex::encode(&key))))?;
            if moved != value {
                table.insert(key.as_slice(), moved.as_slice())?;
            }
        }
    }
}

fn relocate(catchups: &[Arc<Catchup>], bytes: &[u8]) -> Result<Vec<u8>, utreexo::UtreexoError> {
    let moved = move_through(Proof::from_bytes(bytes)?, catchups)?;
    Ok(encoding::Encodable::encode_to_vec(&moved))
}

/// Rebuilds the catch-ups of the heights after the base height (after a restart),
/// from the stored blocks and their transactions' logs, each checked against the
/// forest kept for its height.
pub(super) fn restore(r: &redb::ReadTransaction, lag: &Lag) -> Result<(), NodeError> {
    let meta = r.open_table(super::META)?;
    let tip = read_u64(&meta, super::KEY_TIP)?;
    let base = base_height(&meta)?;
    if base >= tip {
        return Ok(());
    }
    let forests = r.open_table(FORESTS)?;
    let blocks = r.open_table(super::BLOCKS)?;
    let forest_at = |h: u64| -> Result<Forest, NodeError> {
        let bytes = forests.get(h)?.ok_or_else(|| {
            corrupt(&format!(
                "the forest of height {h} is not kept, so the proofs cannot be caught up"
            ))
        })?;
        Forest::from_bytes(bytes.value()).map_err(|e| corrupt(&format!("forest {h}: {e}")))
    };
    let mut forest = forest_at(base)?;
    for height in base + 1..=tip {
        let bytes = blocks
            .get(height)?
            .ok_or_else(|| corrupt(&format!("no block at height {height}")))?;
        let block = Block::from_bytes(bytes.value())
            .map_err(|e| corrupt(&format!("block {height}: {e}")))?;
        let logs = logs_at(r, height)?;
        if logs.len() != block.txs.len() {
            return Err(corrupt(&format!(
                "block {height} holds {} transactions and {} records",
                block.txs.len(),
                logs.len()
            )));
        }
        let mut work = forest.work();
        for (btx, log) in block.txs.iter().zip(&logs) {
            apply_log(&mut work, log, &btx.proofs)
                .map_err(|e| corrupt(&format!("replaying block {height}: {e}")))?;
        }
        let (next, catchup) = work.normalize();
        if next != forest_at(height)? {
            return Err(corrupt(&format!(
                "replaying block {height} did not give its stored forest"
            )));
        }
        lag.push(height, catchup);
        forest = next;
    }
    Ok(())
}

/// The logs of the transactions of the block at `height`, from their records.
fn logs_at(r: &redb::ReadTransaction, height: u64) -> Result<Vec<TxLog>, NodeError> {
    let ids = r
        .open_table(super::BLOCK_TXIDS)?
        .get(height)?
        .ok_or_else(|| corrupt(&format!("no transaction IDs at height {height}")))?;
    let txs = r.open_table(super::TXS)?;
    ids.value()
        .chunks(32)
        .map(|id| {
            let record = txs
                .get(id)?
                .ok_or_else(|| corrupt(&format!("no record of transaction {}", hex::encode(id))))?;
            Ok(super::TxRecord::from_bytes(record.value())?.log)
        })
        .collect()
}
