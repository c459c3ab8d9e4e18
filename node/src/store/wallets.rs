//! A wallet file of its own: the `wallets` table in a separate redb database.
//!
//! A running node holds its `chain.redb` locked, so a wallet command run beside it
//! (talking to the node over the API) keeps its state here instead, with the same
//! sealed API as [`Store`](super::Store).

use super::{open, seal, WALLETS};
use crate::error::NodeError;
use redb::{Database, ReadableTable};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A database holding only wallet states, by name.
pub struct WalletStore {
    db: Database,
    path: PathBuf,
}

impl core::fmt::Debug for WalletStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WalletStore")
            .field("path", &self.path)
            .finish()
    }
}

impl WalletStore {
    /// Opens the wallet file at `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<WalletStore, NodeError> {
        let db = Database::create(path)?;
        let w = db.begin_write()?;
        w.open_table(WALLETS)?;
        w.commit()?;
        Ok(WalletStore {
            db,
            path: path.to_path_buf(),
        })
    }

    /// Stores a wallet's state (opaque bytes).
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result<(), NodeError> {
        let w = self.db.begin_write()?;
        w.open_table(WALLETS)?.insert(name, bytes)?;
        w.commit()?;
        Ok(())
    }

    /// A wallet's stored state.
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, NodeError> {
        let r = self.db.begin_read()?;
        let wallets = r.open_table(WALLETS)?;
        Ok(wallets.get(name)?.map(|b| b.value().to_vec()))
    }

    /// The names of the stored wallets, in order.
    pub fn names(&self) -> Result<Vec<String>, NodeError> {
        let r = self.db.begin_read()?;
        let wallets = r.open_table(WALLETS)?;
        wallets
            .iter()?
            .map(|e| Ok(e?.0.value().to_string()))
            .collect()
    }

    /// Seals `plaintext` with `passphrase` and stores it as wallet `name`.
    pub fn put_sealed(
        &self,
        name: &str,
        passphrase: &[u8],
        plaintext: &[u8],
    ) -> Result<(), NodeError> {
        self.put(name, &seal(passphrase, plaintext)?)
    }

    /// Opens wallet `name` with `passphrase`; `None` if there is none.
    pub fn open_sealed(
        &self,
        name: &str,
        passphrase: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, NodeError> {
        self.get(name)?
            .map(|sealed| open(passphrase, &sealed))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallets_are_sealed_by_name_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallets.redb");
        let store = WalletStore::open(&path).unwrap();
        store.put_sealed("bob", b"pw", b"bob's state").unwrap();
        store.put("plain", b"x").unwrap();
        drop(store);
        let store = WalletStore::open(&path).unwrap();
        assert_eq!(
            store.names().unwrap(),
            vec!["bob".to_string(), "plain".to_string()]
        );
        let opened = store.open_sealed("bob", b"pw").unwrap().unwrap();
        assert_eq!(opened.as_slice(), b"bob's state");
        assert!(matches!(
            store.open_sealed("bob", b"no"),
            Err(NodeError::Unseal)
        ));
        assert_eq!(store.get("nobody").unwrap(), None);
    }
}
