//! The embedded store: one redb database per data directory.
//!
//! Tables (see `spec/node.md` for keys and values): `meta` (format version, genesis,
//! tip height, forest), `headers`, `blocks` and `block_txids` by height, `block_ids`
//! (ID → height), `txs` (ID → height, index, log), `utxo_proofs` and
//! `utxo_proofs_fresh` (contract ID → Utreexo proof, a few blocks behind the tip and
//! caught up when read: [`proofs`]). Wallets live in a file of their own
//! ([`WalletFile`], sealed with [`seal()`]), since a running node holds `chain.redb`
//! locked.
//!
//! Applying a block is one redb write transaction: header, block, IDs, transaction
//! records, proofs, forest and tip height commit together or not at all, so a node
//! killed at any moment reopens at the last committed block. The same transaction
//! records how long this node took to validate the block (`validation_us`, height →
//! microseconds; for the explorer, so a store without that table is still read),
//! the block's compact form for light wallets (`compact_blocks`, [`compact`]), and
//! the forest of the last [`RECENT_FORESTS`] heights (`recent_forests`, height →
//! forest), from which state-sync snapshots are made, so they outlive a restart.
//!
//! The mempool's changes between blocks go to a journal file beside the database
//! ([`journal`]), which each block's write transaction takes into the `mempool` table.

mod compact;
mod journal;
mod proofs;
mod records;
pub mod seal;
mod wallets;

pub use journal::JOURNAL_FILE;
pub use proofs::RELOCATE_EVERY;
pub use records::TxRecord;
pub use seal::{open, seal};
pub use wallets::{SealedRecord, WalletFile};

use crate::clock::Quiet;
use crate::error::NodeError;
use crate::genesis::Genesis;
use blockchain::{AppliedBlock, Block, BlockHeader, BlockId, ChainState};
use encoding::Encodable;
use journal::{Change, Journal};
use redb::{Database, ReadableTable, TableDefinition};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;
use utreexo::{Forest, Proof};
use zkvm::{ContractId, TxId};

/// The version of the layout below. A store of another version is refused.
pub const FORMAT_VERSION: u32 = 1;

/// The database file inside a data directory.
pub const DB_FILE: &str = "chain.redb";

/// The mode of a data directory: its owner's only.
pub const PRIVATE_DIR: u32 = 0o700;

/// How many recent heights keep their forest ([`Store::forest_at`]): the states a
/// node can offer for state sync.
pub const RECENT_FORESTS: u64 = 64;

/// How many proofs are held in memory at once while a block moves them.
const PROOF_CHUNK: usize = 1024;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const BLOCK_IDS: TableDefinition<&[u8], u64> = TableDefinition::new("block_ids");
const BLOCK_TXIDS: TableDefinition<u64, &[u8]> = TableDefinition::new("block_txids");
const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("txs");
const PROOFS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("utxo_proofs");
const VALIDATION: TableDefinition<u64, u64> = TableDefinition::new("validation_us");
const MEMPOOL: TableDefinition<&[u8], &[u8]> = TableDefinition::new("mempool");
const FORESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("recent_forests");

const KEY_VERSION: &str = "format_version";
const KEY_GENESIS: &str = "genesis";
const KEY_TIP: &str = "tip_height";
const KEY_FOREST: &str = "forest";
const KEY_MEMPOOL_SEQ: &str = "mempool_seq";
/// The height whose forest the proofs of `utxo_proofs` are against ([`proofs`]).
const KEY_PROOFS_HEIGHT: &str = "proofs_height";

/// The store of one node.
///
/// An I/O error (a full disk, a failing device) puts the store in a **fault**: the
/// cause is kept ([`Store::fault`]), and redb refuses every later operation on the
/// open database. [`Store::reopen`] closes and reopens it, which redb requires before
/// it writes again; the fault clears at the first write that succeeds after that (a
/// full disk may still let the database open, and fail the next write again).
pub struct Store {
    path: PathBuf,
    /// The open database; `None` while it is being reopened after a fault.
    db: RwLock<Option<Arc<Database>>>,
    /// The cause of the I/O error the store is failing with, if any.
    fault: Mutex<Option<String>>,
    /// Whether the database met an I/O error since it was last opened.
    needs_reopen: std::sync::atomic::AtomicBool,
    /// Faults are logged at most once a minute (a disk that stays full fails again
    /// after each reopening).
    fault_log: Mutex<Quiet>,
    /// The mempool's changes since the last block ([`journal`]).
    journal: Mutex<Journal>,
    /// The catch-ups that bring stored proofs to the tip ([`proofs`]).
    lag: proofs::Lag,
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("fault", &self.fault())
            .finish()
    }
}

impl Store {
    /// Creates the store of a new chain in `dir` from its genesis.
    pub fn create(dir: &Path, genesis: &Genesis) -> Result<Store, NodeError> {
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(NodeError::AlreadyInitialized(dir.to_path_buf()));
        }
        let (state, block, proofs) = genesis.start()?;
        make_private(dir)?;
        Journal::remove(dir).map_err(|e| NodeError::io(dir, e))?;
        let db = Database::create(&path)?;
        let w = db.begin_write()?;
        {
            let mut meta = w.open_table(META)?;
            meta.insert(KEY_VERSION, FORMAT_VERSION.to_le_bytes().as_slice())?;
            meta.insert(KEY_GENESIS, genesis.to_bytes().as_slice())?;
            meta.insert(KEY_TIP, 1u64.to_le_bytes().as_slice())?;
            meta.insert(KEY_PROOFS_HEIGHT, 1u64.to_le_bytes().as_slice())?;
            meta.insert(KEY_FOREST, state.forest().encode_to_vec().as_slice())?;
            keep_forest(&w, 1, state.forest())?;
            write_block(&w, &block, &[])?;
            let mut table = w.open_table(PROOFS)?;
            for (id, proof) in genesis.utxos.iter().zip(&proofs) {
                table.insert(id.0.as_slice(), proof.encode_to_vec().as_slice())?;
            }
            // Created now so that readers never meet a missing table.
            w.open_table(TXS)?;
            w.open_table(VALIDATION)?;
            w.open_table(MEMPOOL)?;
        }
        w.commit()?;
        Store::over(db, dir)
    }

    /// Creates the store of a node that joins a chain at `tip` without its history
    /// (state sync): the genesis, the initial block, the tip's header and `forest`,
    /// which must be the tip's (checked). No proofs are stored: the outputs that exist
    /// at the tip have none here, those of later blocks will.
    pub fn create_at_tip(
        dir: &Path,
        genesis: &Genesis,
        tip: &BlockHeader,
        forest: &Forest,
    ) -> Result<Store, NodeError> {
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(NodeError::AlreadyInitialized(dir.to_path_buf()));
        }
        let (state, block, _) = genesis.start()?;
        ChainState::from_parts(
            state.initial().clone(),
            tip.clone(),
            forest.clone(),
            genesis.producer,
        )?;
        make_private(dir)?;
        Journal::remove(dir).map_err(|e| NodeError::io(dir, e))?;
        let db = Database::create(&path)?;
        let w = db.begin_write()?;
        {
            let mut meta = w.open_table(META)?;
            meta.insert(KEY_VERSION, FORMAT_VERSION.to_le_bytes().as_slice())?;
            meta.insert(KEY_GENESIS, genesis.to_bytes().as_slice())?;
            meta.insert(KEY_TIP, tip.height.to_le_bytes().as_slice())?;
            meta.insert(KEY_PROOFS_HEIGHT, tip.height.to_le_bytes().as_slice())?;
            meta.insert(KEY_FOREST, forest.encode_to_vec().as_slice())?;
            keep_forest(&w, tip.height, forest)?;
            write_block(&w, &block, &[])?;
            w.open_table(HEADERS)?
                .insert(tip.height, tip.to_bytes().as_slice())?;
            w.open_table(BLOCK_IDS)?
                .insert(tip.id().0.as_slice(), tip.height)?;
            w.open_table(PROOFS)?;
            w.open_table(BLOCKS)?;
            w.open_table(BLOCK_TXIDS)?;
            w.open_table(TXS)?;
            w.open_table(VALIDATION)?;
            w.open_table(MEMPOOL)?;
        }
        w.commit()?;
        Store::over(db, dir)
    }

    /// Opens the store in `dir`, refusing one of another format version.
    pub fn open(dir: &Path) -> Result<Store, NodeError> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(NodeError::NotInitialized(dir.to_path_buf()));
        }
        check_private(dir)?;
        let store = Store::over(Database::open(&path).map_err(|e| open_error(dir, e))?, dir)?;
        let found = store.meta(KEY_VERSION)?;
        let found = u32::from_le_bytes(
            found
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("format version is not 4 bytes"))?,
        );
        if found != FORMAT_VERSION {
            return Err(NodeError::FormatVersion {
                found,
                expected: FORMAT_VERSION,
            });
        }
        store.restore_proof_lag()?;
        Ok(store)
    }

    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).exists()
    }

    /// The genesis this chain started from.
    pub fn genesis(&self) -> Result<Genesis, NodeError> {
        Genesis::from_bytes(&self.meta(KEY_GENESIS)?)
    }

    /// The chain state at the last committed block, checked against its header.
    pub fn load_state(&self) -> Result<ChainState, NodeError> {
        let genesis = self.genesis()?;
        self.read(|r| {
            let meta = r.open_table(META)?;
            let tip = read_u64(&meta, KEY_TIP)?;
            let headers = r.open_table(HEADERS)?;
            let initial = read_header(&headers, 1)?;
            let tip = read_header(&headers, tip)?;
            let forest = read_forest(&meta)?;
            Ok(ChainState::from_parts(
                initial,
                tip,
                forest,
                genesis.producer,
            )?)
        })
    }

    /// Records a block, what it changed and how long validating it took, in one
    /// write transaction; the block's transactions leave the stored mempool in the
    /// same transaction. The block must follow the stored tip (checked inside the
    /// transaction, so a block is never recorded twice).
    pub fn apply_block(
        &self,
        block: &Block,
        applied: &AppliedBlock,
        validation: Option<Duration>,
    ) -> Result<(), NodeError> {
        let height = block.header.height;
        let mut journal = self.journal();
        let written = self.write(|w| {
            let mut meta = w.open_table(META)?;
            let tip = read_u64(&meta, KEY_TIP)?;
            if height != tip + 1 {
                return Err(corrupt(&format!(
                    "block {height} does not follow the stored tip {tip}"
                )));
            }
            // Held before the commit: readers take no catch-up above the tip they
            // read. Only after the tip check, so a committed height's stays.
            self.lag.push(height, applied.catchup.clone());
            let txids: Vec<TxId> = applied.txs.iter().map(|tx| tx.id).collect();
            write_block(w, block, &txids)?;
            fold_journal(w, &mut meta, journal.changes())?;
            let mut txs = w.open_table(TXS)?;
            let mut pending = w.open_table(MEMPOOL)?;
            for (index, tx) in applied.txs.iter().enumerate() {
                let record = TxRecord {
                    height,
                    index: index as u32,
                    log: tx.log.clone(),
                    weight: Some(tx.weight),
                };
                txs.insert(tx.id.0.as_slice(), record.to_bytes().as_slice())?;
                pending.remove(tx.id.0.as_slice())?;
            }
            let moved = proofs::update(w, &mut meta, &self.lag, height, applied)?;
            compact::write(w, block, applied)?;
            if let Some(took) = validation {
                let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
                w.open_table(VALIDATION)?.insert(height, us)?;
            }
            meta.insert(KEY_TIP, height.to_le_bytes().as_slice())?;
            meta.insert(
                KEY_FOREST,
                applied.state.forest().encode_to_vec().as_slice(),
            )?;
            keep_forest(w, height, applied.state.forest())?;
            Ok(moved)
        });
        // On a failed commit the block's catch-up stays: readers take none above the
        // tip they read, and a block applied again at this height replaces it.
        if let Some(previous) = written? {
            self.lag.trim(previous);
        }
        journal.clear();
        Ok(())
    }

    /// The heights whose forest is kept, oldest first (at most [`RECENT_FORESTS`]).
    pub fn recent_forest_heights(&self) -> Result<Vec<u64>, NodeError> {
        self.read(|r| match r.open_table(FORESTS) {
            Ok(table) => table
                .iter()?
                .map(|entry| Ok(entry?.0.value()))
                .collect::<Result<_, NodeError>>(),
            // A store written before forests were kept.
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        })
    }

    /// The forest after the block at `height`, if that height is among the recent ones.
    pub fn forest_at(&self, height: u64) -> Result<Option<Forest>, NodeError> {
        self.read(|r| {
            let table = match r.open_table(FORESTS) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let Some(bytes) = table.get(height)? else {
                return Ok(None);
            };
            Forest::from_bytes(bytes.value())
                .map(Some)
                .map_err(|e| corrupt(&format!("the forest of height {height}: {e}")))
        })
    }

    /// The height of the last committed block.
    pub fn tip_height(&self) -> Result<u64, NodeError> {
        self.read(|r| read_u64(&r.open_table(META)?, KEY_TIP))
    }

    /// The header at `height`.
    pub fn header(&self, height: u64) -> Result<Option<BlockHeader>, NodeError> {
        self.read(|r| match r.open_table(HEADERS)?.get(height)? {
            Some(bytes) => Ok(Some(
                BlockHeader::from_bytes(bytes.value()).map_err(|e| corrupt(&e.to_string()))?,
            )),
            None => Ok(None),
        })
    }

    /// The encoded block at `height`.
    pub fn block_bytes(&self, height: u64) -> Result<Option<Vec<u8>>, NodeError> {
        self.read(|r| {
            let blocks = r.open_table(BLOCKS)?;
            let bytes = blocks.get(height)?.map(|b| b.value().to_vec());
            Ok(bytes)
        })
    }

    /// The block at `height`.
    pub fn block(&self, height: u64) -> Result<Option<Block>, NodeError> {
        self.block_bytes(height)?
            .map(|b| Block::from_bytes(&b).map_err(|e| corrupt(&format!("block {height}: {e}"))))
            .transpose()
    }

    /// The IDs of the transactions of the block at `height`, in order.
    pub fn block_txids(&self, height: u64) -> Result<Option<Vec<TxId>>, NodeError> {
        self.read(|r| {
            let table = r.open_table(BLOCK_TXIDS)?;
            let Some(bytes) = table.get(height)? else {
                return Ok(None);
            };
            let bytes = bytes.value();
            if bytes.len() % 32 != 0 {
                return Err(corrupt(&format!("transaction IDs of block {height}")));
            }
            Ok(Some(
                bytes
                    .chunks_exact(32)
                    .map(|c| TxId(c.try_into().expect("32-byte chunks")))
                    .collect(),
            ))
        })
    }

    /// The height of the block with `id`.
    pub fn height_of(&self, id: &BlockId) -> Result<Option<u64>, NodeError> {
        self.read(|r| {
            let ids = r.open_table(BLOCK_IDS)?;
            let height = ids.get(id.0.as_slice())?.map(|h| h.value());
            Ok(height)
        })
    }

    /// The encoded blocks above `since`, in order, at most `limit` of them and no
    /// more than `max_bytes` in total (always at least one if there is one). A store
    /// restored by state sync holds no blocks between the initial one and its
    /// snapshot: asking for those is [`NodeError::NoHistory`].
    pub fn blocks_since(
        &self,
        since: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<Vec<u8>>, NodeError> {
        self.read(|r| {
            let blocks = r.open_table(BLOCKS)?;
            let mut out = Vec::new();
            let mut bytes = 0usize;
            let Some(start) = since.checked_add(1) else {
                return Ok(out);
            };
            for entry in blocks.range(start..)?.take(limit) {
                let (height, block) = entry?;
                if out.is_empty() && height.value() != start {
                    return Err(NodeError::NoHistory {
                        asked: start,
                        first: height.value(),
                    });
                }
                let block = block.value();
                if !out.is_empty() && bytes + block.len() > max_bytes {
                    break;
                }
                bytes += block.len();
                out.push(block.to_vec());
            }
            Ok(out)
        })
    }

    /// Summaries of at most `limit` blocks below height `below` (below the tip's
    /// successor when `None`), the highest first and going down.
    pub fn recent_blocks(
        &self,
        below: Option<u64>,
        limit: usize,
    ) -> Result<Vec<BlockSummary>, NodeError> {
        self.read(|r| {
            let tip = read_u64(&r.open_table(META)?, KEY_TIP)?;
            let top = below.map_or(tip, |b| b.saturating_sub(1).min(tip));
            (1..=top).rev().take(limit).map(|h| summary(r, h)).collect()
        })
    }

    /// The latest mined transactions, newest first: at most `limit`, from the last
    /// `blocks` blocks. Also returns the lowest height looked at.
    pub fn recent_txs(
        &self,
        limit: usize,
        blocks: u64,
    ) -> Result<(Vec<(u64, TxId)>, u64), NodeError> {
        self.read(|r| {
            let tip = read_u64(&r.open_table(META)?, KEY_TIP)?;
            let lowest = tip.saturating_sub(blocks.saturating_sub(1)).max(1);
            let table = r.open_table(BLOCK_TXIDS)?;
            let mut found = Vec::new();
            for entry in table.range(lowest..=tip)?.rev() {
                let (height, ids) = entry?;
                let ids = ids.value();
                if ids.len() % 32 != 0 {
                    return Err(corrupt(&format!(
                        "transaction IDs of block {}",
                        height.value()
                    )));
                }
                for id in ids.chunks_exact(32).rev() {
                    if found.len() == limit {
                        return Ok((found, lowest));
                    }
                    let mut bytes = [0u8; 32];
                    bytes.copy_from_slice(id);
                    found.push((height.value(), TxId(bytes)));
                }
            }
            Ok((found, lowest))
        })
    }

    /// How long this node took to validate the block at `height`, if recorded.
    pub fn validation_time(&self, height: u64) -> Result<Option<Duration>, NodeError> {
        self.read(|r| read_validation(r, height))
    }

    /// Where a mined transaction is, with its log.
    pub fn tx(&self, id: &TxId) -> Result<Option<TxRecord>, NodeError> {
        self.read(|r| {
            let txs = r.open_table(TXS)?;
            let record = txs.get(id.0.as_slice())?;
            record.map(|b| TxRecord::from_bytes(b.value())).transpose()
        })
    }

    /// The Utreexo proof of an unspent output against the tip's forest.
    pub fn utxo_proof(&self, id: &ContractId) -> Result<Option<Proof>, NodeError> {
        Ok(self.utxo_proof_at_tip(id)?.map(|(_, _, proof)| proof))
    }

    /// Whether the output `id` is unspent at the tip (the store holds its proof).
    pub fn is_unspent(&self, id: &ContractId) -> Result<bool, NodeError> {
        self.read(|r| proofs::holds(r, id))
    }

    /// The proof of an unspent output with the tip height and forest generation it
    /// is valid at, read together.
    pub fn utxo_proof_at_tip(
        &self,
        id: &ContractId,
    ) -> Result<Option<(u64, u64, Proof)>, NodeError> {
        self.read(|r| {
            let Some(stored) = proofs::stored(r, id)? else {
                return Ok(None);
            };
            let meta = r.open_table(META)?;
            let height = read_u64(&meta, KEY_TIP)?;
            let generation = read_forest(&meta)?.generation();
            let proof = proofs::catch_up(&self.lag, stored.proof, stored.height, height)?;
            Ok(Some((height, generation, proof)))
        })
    }

    /// How many unspent outputs have a proof here (all of them).
    pub fn utxo_count(&self) -> Result<u64, NodeError> {
        self.read(proofs::count)
    }

    /// The transactions of the stored mempool (ID, encoding), in the order they were
    /// admitted.
    pub fn pending_txs(&self) -> Result<Vec<(TxId, Vec<u8>)>, NodeError> {
        let stored = self.stored_pending()?;
        Ok(replay(stored, self.journal().changes()))
    }

    /// The `mempool` table's transactions, in the order they were admitted.
    fn stored_pending(&self) -> Result<Vec<(TxId, Vec<u8>)>, NodeError> {
        self.read(|r| {
            let table = match r.open_table(MEMPOOL) {
                Ok(table) => table,
                // A store written before the mempool was kept.
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            let mut pending = Vec::new();
            for entry in table.iter()? {
                let (key, value) = entry?;
                let id = TxId(
                    key.value()
                        .try_into()
                        .map_err(|_| corrupt("a stored waiting transaction's ID"))?,
                );
                let (seq, tx) = value
                    .value()
                    .split_first_chunk::<8>()
                    .ok_or_else(|| corrupt("a stored waiting transaction is truncated"))?;
                pending.push((u64::from_le_bytes(*seq), id, tx.to_vec()));
            }
            pending.sort_by_key(|(seq, _, _)| *seq);
            Ok(pending.into_iter().map(|(_, id, tx)| (id, tx)).collect())
        })
    }

    /// Records a change of the mempool: `admitted` transactions (ID, encoding) enter
    /// after those already stored, `departed` ones leave. One write to the mempool
    /// journal ([`journal`]): it reaches the operating system before this returns but
    /// is not flushed to the disk, so a killed process loses nothing and a machine
    /// that loses power may lose what was admitted since the last block, whose write
    /// is flushed and takes the journal in. Admission runs one batch at a time, so a
    /// flush here would hold up every submission behind it by the disk's flush time.
    pub fn update_pending(
        &self,
        admitted: &[(TxId, Vec<u8>)],
        departed: &[TxId],
    ) -> Result<(), NodeError> {
        if admitted.is_empty() && departed.is_empty() {
            return Ok(());
        }
        let written = self.journal().append(admitted, departed).map_err(|e| {
            NodeError::StoreFailing(format!("writing the mempool journal failed: {e}"))
        });
        self.watch(written)
    }

    /// The cause of the I/O error the store is failing with, if it is.
    pub fn fault(&self) -> Option<String> {
        self.fault.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the database met an I/O error since it was opened, so it must be
    /// reopened before it can be used again.
    pub fn needs_reopen(&self) -> bool {
        self.needs_reopen.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Closes and reopens the database after an I/O error (redb writes nothing
    /// more on a database that met one until it is reopened). The fault stays until
    /// a write succeeds. Fails while the cause lasts or a reader still holds the old
    /// database.
    pub fn reopen(&self) -> Result<(), NodeError> {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        let old = slot.take().map(|db| Arc::downgrade(&db));
        if old.is_some_and(|weak| weak.strong_count() > 0) {
            return Err(NodeError::StoreFailing(
                "the database is still in use; it will be reopened shortly".into(),
            ));
        }
        let db = Database::open(&self.path).map_err(NodeError::from)?;
        let tip = db
            .begin_read()
            .map_err(NodeError::from)
            .and_then(|r| read_u64(&r.open_table(META)?, KEY_TIP))?;
        *slot = Some(Arc::new(db));
        drop(slot);
        self.needs_reopen
            .store(false, std::sync::atomic::Ordering::Release);
        tracing::debug!(path = %self.path.display(), tip, "store reopened");
        // A failed commit may have landed or not: the catch-ups follow the database.
        self.lag.clear();
        self.read(|r| proofs::restore(r, &self.lag))
    }

    fn meta(&self, key: &str) -> Result<Vec<u8>, NodeError> {
        self.read(|r| {
            let meta = r.open_table(META)?;
            let value = meta
                .get(key)?
                .ok_or_else(|| corrupt(&format!("no {key}")))?;
            Ok(value.value().to_vec())
        })
    }

    fn over(db: Database, dir: &Path) -> Result<Store, NodeError> {
        Ok(Store {
            path: dir.join(DB_FILE),
            db: RwLock::new(Some(Arc::new(db))),
            fault: Mutex::new(None),
            needs_reopen: std::sync::atomic::AtomicBool::new(false),
            fault_log: Mutex::new(Quiet::new(Duration::from_secs(60))),
            journal: Mutex::new(Journal::open(dir).map_err(|e| NodeError::io(dir, e))?),
            lag: proofs::Lag::default(),
        })
    }

    /// Notes the proofs' base height in a store written before it was kept (its
    /// proofs are at its tip), then rebuilds the catch-ups after the base height.
    fn restore_proof_lag(&self) -> Result<(), NodeError> {
        let noted = self.read(|r| Ok(r.open_table(META)?.get(KEY_PROOFS_HEIGHT)?.is_some()))?;
        if !noted {
            self.write(|w| {
                let mut meta = w.open_table(META)?;
                let tip = read_u64(&meta, KEY_TIP)?;
                meta.insert(KEY_PROOFS_HEIGHT, tip.to_le_bytes().as_slice())?;
                Ok(())
            })?;
        }
        self.read(|r| proofs::restore(r, &self.lag))
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        // Every change to the journal is complete before it can panic.
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The open database, or the fault while it is being reopened.
    fn db(&self) -> Result<Arc<Database>, NodeError> {
        self.db
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| NodeError::StoreFailing(self.fault().unwrap_or_default()))
    }

    /// Runs `f` in a read transaction.
    fn read<T>(
        &self,
        f: impl FnOnce(&redb::ReadTransaction) -> Result<T, NodeError>,
    ) -> Result<T, NodeError> {
        let result = self
            .db()
            .and_then(|db| db.begin_read().map_err(NodeError::from))
            .and_then(|r| f(&r));
        self.watch(result)
    }

    /// Runs `f` in a write transaction and commits it durably; nothing is written if
    /// `f` fails.
    fn write<T>(
        &self,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, NodeError>,
    ) -> Result<T, NodeError> {
        self.write_with(redb::Durability::Immediate, f)
    }

    /// Like [`Store::write`], committed with `durability`.
    fn write_with<T>(
        &self,
        durability: redb::Durability,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, NodeError>,
    ) -> Result<T, NodeError> {
        let result = self.db().and_then(|db| {
            let mut w = db.begin_write()?;
            w.set_durability(durability);
            let value = f(&w)?;
            w.commit()?;
            Ok(value)
        });
        if result.is_ok() {
            let cleared = self.fault.lock().unwrap_or_else(|p| p.into_inner()).take();
            if cleared.is_some() {
                tracing::info!(path = %self.path.display(), "the store writes again");
            }
        }
        self.watch(result)
    }

    /// Records the cause of an I/O error as the store's fault (the first one wins
    /// until [`Store::reopen`] clears it).
    fn watch<T>(&self, result: Result<T, NodeError>) -> Result<T, NodeError> {
        if let Err(e) = &result {
            if e.is_storage_io() {
                self.needs_reopen
                    .store(true, std::sync::atomic::Ordering::Release);
                let mut fault = self.fault.lock().unwrap_or_else(|p| p.into_inner());
                if fault.is_none() {
                    let due = self
                        .fault_log
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .due();
                    if let Some(earlier) = due {
                        tracing::error!(path = %self.path.display(), error = %e, earlier, "the store failed");
                    }
                    *fault = Some(e.to_string());
                }
            }
        }
        result
    }
}

/// What the explorer lists of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSummary {
    /// The header.
    pub header: BlockHeader,
    /// How many transactions it holds.
    pub txs: usize,
    /// Its encoded size.
    pub bytes: usize,
    /// How long this node took to validate it, if recorded (not for the initial
    /// block, nor for blocks stored before this was recorded).
    pub validation: Option<Duration>,
}

fn summary(r: &redb::ReadTransaction, height: u64) -> Result<BlockSummary, NodeError> {
    let header = read_header(&r.open_table(HEADERS)?, height)?;
    let bytes = r
        .open_table(BLOCKS)?
        .get(height)?
        .ok_or_else(|| corrupt(&format!("no block {height}")))?
        .value()
        .len();
    let txids = r
        .open_table(BLOCK_TXIDS)?
        .get(height)?
        .map_or(0, |b| b.value().len() / 32);
    Ok(BlockSummary {
        header,
        txs: txids,
        bytes,
        validation: read_validation(r, height)?,
    })
}

/// A recorded validation time; none in a store written before they were recorded.
fn read_validation(r: &redb::ReadTransaction, height: u64) -> Result<Option<Duration>, NodeError> {
    match r.open_table(VALIDATION) {
        Ok(table) => Ok(table
            .get(height)?
            .map(|us| Duration::from_micros(us.value()))),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes a block's header, encoding, ID and transaction IDs.
fn write_block(w: &redb::WriteTransaction, block: &Block, txids: &[TxId]) -> Result<(), NodeError> {
    let height = block.header.height;
    let ids: Vec<u8> = txids.iter().flat_map(|id| id.0).collect();
    w.open_table(BLOCK_TXIDS)?.insert(height, ids.as_slice())?;
    w.open_table(HEADERS)?
        .insert(height, block.header.to_bytes().as_slice())?;
    w.open_table(BLOCKS)?
        .insert(height, block.to_bytes().as_slice())?;
    w.open_table(BLOCK_IDS)?
        .insert(block.header.id().0.as_slice(), height)?;
    Ok(())
}

/// Applies the journal's `changes` to the `mempool` table, in order, numbering the
/// transactions that enter after those stored.
fn fold_journal(
    w: &redb::WriteTransaction,
    meta: &mut redb::Table<&'static str, &'static [u8]>,
    changes: &[Change],
) -> Result<(), NodeError> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut seq = match meta.get(KEY_MEMPOOL_SEQ)? {
        Some(_) => read_u64(meta, KEY_MEMPOOL_SEQ)?,
        None => 0,
    };
    let mut table = w.open_table(MEMPOOL)?;
    for change in changes {
        match change {
            Change::Entered(id, tx) => {
                let mut value = Vec::with_capacity(8 + tx.len());
                value.extend_from_slice(&seq.to_le_bytes());
                value.extend_from_slice(tx);
                table.insert(id.0.as_slice(), value.as_slice())?;
                seq += 1;
            }
            Change::Left(id) => {
                table.remove(id.0.as_slice())?;
            }
        }
    }
    meta.insert(KEY_MEMPOOL_SEQ, seq.to_le_bytes().as_slice())?;
    Ok(())
}

/// The waiting transactions after the journal's `changes` to those `stored`, in the
/// order they entered (a transaction already waiting keeps its place).
fn replay(stored: Vec<(TxId, Vec<u8>)>, changes: &[Change]) -> Vec<(TxId, Vec<u8>)> {
    let mut waiting: HashMap<TxId, (usize, Vec<u8>)> = stored
        .into_iter()
        .enumerate()
        .map(|(seq, (id, tx))| (id, (seq, tx)))
        .collect();
    let mut next = waiting.len();
    for change in changes {
        match change {
            Change::Entered(id, tx) => {
                waiting.entry(*id).or_insert_with(|| {
                    next += 1;
                    (next, tx.clone())
                });
            }
            Change::Left(id) => {
                waiting.remove(id);
            }
        }
    }
    let mut ordered: Vec<(usize, TxId, Vec<u8>)> = waiting
        .into_iter()
        .map(|(id, (seq, tx))| (seq, id, tx))
        .collect();
    ordered.sort_by_key(|(seq, _, _)| *seq);
    ordered.into_iter().map(|(_, id, tx)| (id, tx)).collect()
}

fn read_u64(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<u64, NodeError> {
    let value = meta
        .get(key)?
        .ok_or_else(|| corrupt(&format!("no {key}")))?;
    let bytes: [u8; 8] = value
        .value()
        .try_into()
        .map_err(|_| corrupt(&format!("{key} is not 8 bytes")))?;
    Ok(u64::from_le_bytes(bytes))
}

fn read_header(
    headers: &impl ReadableTable<u64, &'static [u8]>,
    height: u64,
) -> Result<BlockHeader, NodeError> {
    let bytes = headers
        .get(height)?
        .ok_or_else(|| corrupt(&format!("no header at height {height}")))?;
    BlockHeader::from_bytes(bytes.value()).map_err(|e| corrupt(&format!("header {height}: {e}")))
}

/// Keeps the forest of `height` and forgets those older than the recent ones.
fn keep_forest(w: &redb::WriteTransaction, height: u64, forest: &Forest) -> Result<(), NodeError> {
    let mut table = w.open_table(FORESTS)?;
    table.insert(height, forest.encode_to_vec().as_slice())?;
    if let Some(oldest) = height.checked_sub(RECENT_FORESTS) {
        table.retain_in(..=oldest, |_, _| false)?;
    }
    Ok(())
}

fn read_forest(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Forest, NodeError> {
    let bytes = meta.get(KEY_FOREST)?.ok_or_else(|| corrupt("no forest"))?;
    Forest::from_bytes(bytes.value()).map_err(|e| corrupt(&format!("forest: {e}")))
}

fn read_proof(bytes: &[u8]) -> Result<Proof, NodeError> {
    Proof::from_bytes(bytes).map_err(|e| corrupt(&format!("proof: {e}")))
}

/// The redb error of opening the store of `dir`, in the user's words where redb's
/// are not (redb locks the file while a process has it open).
fn open_error(dir: &Path, e: redb::DatabaseError) -> NodeError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => NodeError::StoreBusy(dir.to_path_buf()),
        other => other.into(),
    }
}

/// Creates `dir` if needed and makes it readable by its owner only (mode 0700).
fn make_private(dir: &Path) -> Result<(), NodeError> {
    std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
    crate::keys::set_mode(dir, PRIVATE_DIR)
}

/// Opens a data directory as ssh treats `~/.ssh`, but mends instead of refusing: a
/// directory that others may enter is warned about and made 0700.
fn check_private(dir: &Path) -> Result<(), NodeError> {
    let mode = crate::keys::mode(dir)?;
    if mode & 0o077 != 0 {
        tracing::warn!(
            dir = %dir.display(),
            mode = format!("{mode:o}"),
            "the data directory was open to other users; its mode is now 700"
        );
        crate::keys::set_mode(dir, PRIVATE_DIR)?;
    }
    Ok(())
}

fn corrupt(reason: &str) -> NodeError {
    NodeError::Corrupt(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use musig::SigningKey;

    fn genesis() -> (SigningKey, Genesis) {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let ids = (0..6u8).map(|i| ContractId([i; 32])).collect();
        let genesis = Genesis::new(1_000, ids, &key).unwrap();
        (key, genesis)
    }

    #[test]
    fn a_new_store_reopens_at_its_genesis() {
        let dir = tempfile::tempdir().unwrap();
        let (_, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        let state = store.load_state().unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.load_state().unwrap(), state);
        assert_eq!(store.tip_height().unwrap(), 1);
        assert_eq!(store.genesis().unwrap(), genesis);
        assert_eq!(store.utxo_count().unwrap(), 6);
        let proof = store.utxo_proof(&ContractId([3; 32])).unwrap().unwrap();
        assert_eq!(state.forest().verify(&ContractId([3; 32]), &proof), Ok(()));
        let at = store.utxo_proof_at_tip(&ContractId([3; 32])).unwrap();
        assert_eq!(at, Some((1, state.forest().generation(), proof)));
        assert_eq!(store.utxo_proof_at_tip(&ContractId([9; 32])).unwrap(), None);
        assert!(matches!(
            Store::create(dir.path(), &genesis),
            Err(NodeError::AlreadyInitialized(_))
        ));
    }

    #[test]
    fn a_missing_store_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Store::open(dir.path()),
            Err(NodeError::NotInitialized(_))
        ));
    }

    #[test]
    fn a_store_of_another_format_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), &genesis().1).unwrap();
        store
            .write(|w| {
                w.open_table(META)?
                    .insert(KEY_VERSION, 2u32.to_le_bytes().as_slice())?;
                Ok(())
            })
            .unwrap();
        drop(store);
        match Store::open(dir.path()) {
            Err(NodeError::FormatVersion { found, expected }) => {
                assert_eq!((found, expected), (2, FORMAT_VERSION));
            }
            other => panic!("expected a format version error, got {other:?}"),
        }
    }

    #[test]
    fn blocks_apply_once_and_move_the_proofs() {
        let dir = tempfile::tempdir().unwrap();
        let (key, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        let state = store.load_state().unwrap();
        let producer = blockchain::Producer::new(key);
        let (block, applied) = producer.make_block(&state, 2_000, Vec::new()).unwrap();
        let took = Duration::from_micros(1_234);
        store.apply_block(&block, &applied, Some(took)).unwrap();
        assert!(matches!(
            store.apply_block(&block, &applied, None),
            Err(NodeError::Corrupt(_))
        ));
        let recent = store.recent_blocks(None, 10).unwrap();
        let heights: Vec<u64> = recent.iter().map(|s| s.header.height).collect();
        assert_eq!(heights, [2, 1]);
        assert_eq!(recent[0].validation, Some(took));
        assert_eq!(recent[0].bytes, block.to_bytes().len());
        assert_eq!(
            recent[1].validation, None,
            "the initial block is not validated"
        );
        assert_eq!(store.recent_blocks(None, 1).unwrap().len(), 1);
        assert!(store.recent_blocks(None, 0).unwrap().is_empty());
        let older = store.recent_blocks(Some(2), 10).unwrap();
        assert_eq!(
            older.iter().map(|s| s.header.height).collect::<Vec<_>>(),
            [1]
        );
        assert!(store.recent_blocks(Some(1), 10).unwrap().is_empty());
        assert_eq!(store.recent_txs(10, 100).unwrap(), (Vec::new(), 1));
        assert_eq!(store.validation_time(2).unwrap(), Some(took));
        assert_eq!(store.validation_time(1).unwrap(), None);
        let reopened = store.load_state().unwrap();
        assert_eq!(reopened, applied.state);
        assert_eq!(store.height_of(&block.header.id()).unwrap(), Some(2));
        assert_eq!(store.block(2).unwrap(), Some(block));
        assert_eq!(store.blocks_since(0, 10, 1 << 20).unwrap().len(), 2);
        assert_eq!(store.blocks_since(1, 10, 1 << 20).unwrap().len(), 1);
        assert_eq!(store.blocks_since(u64::MAX, 10, 1 << 20).unwrap().len(), 0);
        assert_eq!(store.blocks_since(0, 10, 1).unwrap().len(), 1);
        for id in &genesis.utxos {
            let proof = store.utxo_proof(id).unwrap().unwrap();
            assert_eq!(reopened.forest().verify(id, &proof), Ok(()));
        }
    }

    /// Applies `n` empty blocks on the stored tip.
    fn empty_blocks(store: &Store, key: &SigningKey, n: u64) {
        let producer = blockchain::Producer::new(key.clone());
        for _ in 0..n {
            let state = store.load_state().unwrap();
            let time = state.tip().timestamp_ms + 1_000;
            let (block, applied) = producer.make_block(&state, time, Vec::new()).unwrap();
            store.apply_block(&block, &applied, None).unwrap();
        }
    }

    fn proofs_height(store: &Store) -> u64 {
        store
            .read(|r| read_u64(&r.open_table(META)?, KEY_PROOFS_HEIGHT))
            .unwrap()
    }

    fn assert_proofs_at_tip(store: &Store, genesis: &Genesis) {
        let state = store.load_state().unwrap();
        for id in &genesis.utxos {
            let proof = store.utxo_proof(id).unwrap().unwrap();
            assert_eq!(state.forest().verify(id, &proof), Ok(()), "{id}");
        }
    }

    #[test]
    fn proofs_lag_behind_the_tip_and_are_caught_up_when_read_and_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (key, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        empty_blocks(&store, &key, RELOCATE_EVERY - 1);
        assert_eq!(proofs_height(&store), 1, "not moved yet");
        assert_proofs_at_tip(&store, &genesis);
        // A restart while the proofs lag rebuilds the catch-ups from the blocks.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_proofs_at_tip(&store, &genesis);
        empty_blocks(&store, &key, 1);
        assert_eq!(proofs_height(&store), 1 + RELOCATE_EVERY, "all moved");
        assert_proofs_at_tip(&store, &genesis);
        empty_blocks(&store, &key, 3);
        assert_proofs_at_tip(&store, &genesis);
        assert_eq!(store.utxo_count().unwrap(), 6);
    }

    #[test]
    fn a_block_refused_at_a_stored_height_leaves_the_catch_ups_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (key, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        let first = store.load_state().unwrap();
        empty_blocks(&store, &key, 3);
        let producer = blockchain::Producer::new(key);
        let (other, applied) = producer.make_block(&first, 1_500, Vec::new()).unwrap();
        assert!(matches!(
            store.apply_block(&other, &applied, None),
            Err(NodeError::Corrupt(_))
        ));
        assert_proofs_at_tip(&store, &genesis);
    }

    #[test]
    fn a_store_without_a_proofs_height_has_its_proofs_at_its_tip() {
        let dir = tempfile::tempdir().unwrap();
        let (key, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        store
            .write(|w| {
                w.open_table(META)?.remove(KEY_PROOFS_HEIGHT)?;
                Ok(())
            })
            .unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(proofs_height(&store), 1);
        empty_blocks(&store, &key, 2);
        assert_proofs_at_tip(&store, &genesis);
    }

    #[test]
    fn lagging_proofs_without_their_base_forest_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let (key, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        empty_blocks(&store, &key, 3);
        store
            .write(|w| {
                w.open_table(FORESTS)?.remove(1)?;
                Ok(())
            })
            .unwrap();
        drop(store);
        match Store::open(dir.path()) {
            Err(NodeError::Corrupt(reason)) => {
                assert!(reason.contains("forest of height 1"), "{reason}");
            }
            other => panic!("expected a corrupt store, got {other:?}"),
        }
    }

    #[test]
    fn the_stored_mempool_keeps_the_order_of_admission() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), &genesis().1).unwrap();
        assert!(store.pending_txs().unwrap().is_empty());
        let (a, b, c) = (TxId([1; 32]), TxId([2; 32]), TxId([3; 32]));
        store
            .update_pending(&[(b, vec![2]), (a, vec![1])], &[])
            .unwrap();
        store.update_pending(&[(c, vec![3])], &[b]).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.pending_txs().unwrap(), [(a, vec![1]), (c, vec![3])]);
    }

    #[test]
    fn a_block_takes_the_mempool_journal_into_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let (key, genesis) = genesis();
        let store = Store::create(dir.path(), &genesis).unwrap();
        let (a, b, c) = (TxId([1; 32]), TxId([2; 32]), TxId([3; 32]));
        store
            .update_pending(&[(a, vec![1]), (b, vec![2])], &[])
            .unwrap();
        let state = store.load_state().unwrap();
        let producer = blockchain::Producer::new(key);
        let (block, applied) = producer.make_block(&state, 2_000, Vec::new()).unwrap();
        store.apply_block(&block, &applied, None).unwrap();
        let journal = dir.path().join(JOURNAL_FILE);
        assert_eq!(std::fs::metadata(&journal).unwrap().len(), 0);
        assert_eq!(
            store.stored_pending().unwrap(),
            [(a, vec![1]), (b, vec![2])]
        );
        // After the block, the journal again: c enters after those stored, a leaves.
        store.update_pending(&[(c, vec![3])], &[a]).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.pending_txs().unwrap(), [(b, vec![2]), (c, vec![3])]);
        // A new store in the directory does not inherit a journal left there.
        drop(store);
        std::fs::remove_file(dir.path().join(DB_FILE)).unwrap();
        let store = Store::create(dir.path(), &genesis).unwrap();
        assert!(store.pending_txs().unwrap().is_empty());
    }

    #[test]
    fn a_data_directory_is_made_private_and_mended_when_opened() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        let store = Store::create(&dir, &genesis().1).unwrap();
        assert_eq!(crate::keys::mode(&dir).unwrap(), PRIVATE_DIR);
        drop(store);
        crate::keys::set_mode(&dir, 0o755).unwrap();
        Store::open(&dir).unwrap();
        assert_eq!(crate::keys::mode(&dir).unwrap(), PRIVATE_DIR);
    }
}
