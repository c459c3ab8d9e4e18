//! A cache of transactions whose VM run, proof and signatures already verified.
//!
//! None of those checks depends on the chain state: a transaction's inputs are proven
//! against the forest separately, by every block and by the mempool. So a node that
//! verified a transaction at admission need not run its VM or check its points again
//! when a block carries it. The cache is keyed by a hash of the transaction's whole
//! encoding, proof and signatures included: the same ID with any other proof misses.
//! It is filled only after a transaction's batch of point checks passed, and holds at
//! most `capacity` entries, forgetting the oldest first.

use crate::vm::TxVerifier;
use batch::BatchVerification;
use encoding::Encodable;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use zkvm::{Tx, TxId, VerifiedTx, VmError};

/// The hash a transaction is cached under: its whole encoding, proof included.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(pub [u8; 32]);

encoding::hex_display!(CacheKey);

impl CacheKey {
    /// The key of `tx`.
    pub fn of(tx: &Tx) -> CacheKey {
        CacheKey::of_encoding(&tx.encode_to_vec())
    }

    /// The key of the transaction whose encoding is `bytes` (the encoding is
    /// canonical: a transaction decoded from `bytes` has this key), without decoding it.
    ///
    /// SHA-256 of a label and the encoding: a node hashes a key for every
    /// admission, block transaction and recheck, and merlin's Keccak over a whole
    /// transaction was about 5 % of a validator's CPU; SHA-256 runs on the CPU's
    /// own instructions where it has them. The key is this node's own: no other
    /// node or client ever sees it.
    pub fn of_encoding(bytes: &[u8]) -> CacheKey {
        let mut hash = Sha256::new();
        hash.update(b"ZkVM.verification_cache");
        hash.update(bytes);
        CacheKey(hash.finalize().into())
    }
}

/// Verified transactions by [`CacheKey`], at most `capacity` of them; shared across
/// threads (block validation reads it from all cores).
pub struct VerificationCache {
    capacity: usize,
    inner: Mutex<Entries>,
}

/// The entries and their order of insertion, oldest first.
#[derive(Default)]
struct Entries {
    map: HashMap<CacheKey, VerifiedTx>,
    order: VecDeque<CacheKey>,
}

impl VerificationCache {
    /// How many entries a node's cache holds by default: several full blocks.
    pub const DEFAULT_CAPACITY: usize = 16_384;

    /// An empty cache of at most `capacity` entries (0 caches nothing).
    pub fn new(capacity: usize) -> Self {
        VerificationCache {
            capacity,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The verified form of a transaction with this key, if cached.
    pub fn get(&self, key: &CacheKey) -> Option<VerifiedTx> {
        self.lock().map.get(key).cloned()
    }

    /// The ID of the transaction with this key, if cached (without copying the rest).
    pub fn tx_id(&self, key: &CacheKey) -> Option<TxId> {
        self.lock().map.get(key).map(|v| v.id)
    }

    /// Records that `tx`, which verified as `verified`, passed every check that does
    /// not depend on the chain state. Only call it after its batch passed.
    pub fn insert(&self, tx: &Tx, verified: VerifiedTx) {
        self.insert_keyed(CacheKey::of(tx), verified);
    }

    /// Like [`VerificationCache::insert`], for a transaction whose key is known.
    pub fn insert_keyed(&self, key: CacheKey, verified: VerifiedTx) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.map.insert(key, verified).is_some() {
            return;
        }
        entries.order.push_back(key);
        while entries.order.len() > self.capacity {
            if let Some(oldest) = entries.order.pop_front() {
                entries.map.remove(&oldest);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every change leaves the map and the order consistent before it can panic.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for VerificationCache {
    fn default() -> Self {
        VerificationCache::new(Self::DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for VerificationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationCache")
            .field("capacity", &self.capacity)
            .field("entries", &self.len())
            .finish()
    }
}

/// A verifier that answers from a [`VerificationCache`] and asks `inner` on a miss.
///
/// A hit appends nothing to the batch: the transaction's point checks already passed.
/// Misses are not added here, because their batch has not been checked yet.
#[derive(Debug, Clone, Copy)]
pub struct CachingVerifier<'c, V> {
    cache: &'c VerificationCache,
    inner: V,
}

impl<'c, V: TxVerifier> CachingVerifier<'c, V> {
    /// Looks transactions up in `cache` before running them through `inner`.
    pub fn new(cache: &'c VerificationCache, inner: V) -> Self {
        CachingVerifier { cache, inner }
    }
}

impl<V: TxVerifier> TxVerifier for CachingVerifier<'_, V> {
    fn verify_tx<B: BatchVerification>(
        &self,
        tx: &Tx,
        batch: &mut B,
    ) -> Result<VerifiedTx, VmError> {
        match self.cache.get(&CacheKey::of(tx)) {
            Some(verified) => Ok(verified),
            None => self.inner.verify_tx(tx, batch),
        }
    }
}
