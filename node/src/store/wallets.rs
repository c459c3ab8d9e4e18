//! The wallet file, `wallets.redb`: named records, each sealed with its own
//! passphrase ([`super::seal`]), in a redb database of their own (a running node
//! holds `chain.redb` locked, and a wallet command runs beside it).
//!
//! [`WalletFile::record`] gives a handle on one record that implements the wallet
//! crate's [`WalletStore`]: `load` gives the record's plaintext, `store` seals new
//! plaintext under the key derived when the record was opened and replaces the
//! record in one write transaction, so a crash leaves the old record or the new one.
//! The passphrase is checked when the handle is made, so a wrong one is named as
//! such and nothing is derived twice.
//!
//! The file holds secrets: it is created with mode 0600 (its directory 0700 when
//! this creates it) and refused when other users may read it, as ssh refuses a
//! private key file. Opening never creates anything; only
//! [`WalletFile::open_or_create`] does.

use super::seal::{open_with_key, SealKey};
use crate::error::NodeError;
use redb::{Database, ReadableTable, TableDefinition};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wallet::{WalletError, WalletStore};
use zeroize::Zeroizing;

/// Wallet name → sealed record.
const WALLETS: TableDefinition<&str, &[u8]> = TableDefinition::new("wallets");

/// The version of sealing whose records were written before a record said what key
/// it holds (a root, then): their plaintext gets the "root" kind byte in front.
const LEGACY_SEAL: u8 = 1;
/// The kind byte of a record holding a root key.
const ROOT_KIND: u8 = 0;

/// An open wallet file (redb holds it locked while a clone of it lives).
#[derive(Clone)]
pub struct WalletFile {
    inner: Arc<Opened>,
}

struct Opened {
    db: Database,
    path: PathBuf,
}

impl core::fmt::Debug for WalletFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WalletFile")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl WalletFile {
    /// Opens the wallet file at `path`; refuses a missing file and one that other
    /// users may read. Creates nothing.
    pub fn open(path: &Path) -> Result<WalletFile, NodeError> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(NodeError::NoWalletFile(path.to_path_buf()))
            }
            Err(e) => return Err(NodeError::io(path, e)),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(NodeError::WalletFileMode {
                path: path.to_path_buf(),
                mode,
            });
        }
        let db = Database::open(path).map_err(|e| database_error(path, e))?;
        WalletFile::with_table(db, path)
    }

    /// Opens the wallet file at `path`, creating it (mode 0600, and its directory
    /// with mode 0700 if that is missing) when there is none.
    pub fn open_or_create(path: &Path) -> Result<WalletFile, NodeError> {
        if path.exists() {
            return WalletFile::open(path);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| NodeError::io(dir, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| NodeError::io(path, e))?;
        let db = redb::Builder::new()
            .create_file(file)
            .map_err(|e| database_error(path, e))?;
        WalletFile::with_table(db, path)
    }

    fn with_table(db: Database, path: &Path) -> Result<WalletFile, NodeError> {
        let w = db.begin_write()?;
        w.open_table(WALLETS)?;
        w.commit()?;
        Ok(WalletFile {
            inner: Arc::new(Opened {
                db,
                path: path.to_path_buf(),
            }),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Whether a record `name` exists.
    pub fn contains(&self, name: &str) -> Result<bool, NodeError> {
        Ok(self.get(name)?.is_some())
    }

    /// The names of the records, in order.
    pub fn names(&self) -> Result<Vec<String>, NodeError> {
        let r = self.inner.db.begin_read()?;
        let wallets = r.open_table(WALLETS)?;
        wallets
            .iter()?
            .map(|e| Ok(e?.0.value().to_string()))
            .collect()
    }

    /// Opens record `name` with `passphrase` ([`NodeError::UnknownWallet`] if there
    /// is none, [`NodeError::Unseal`] for a wrong passphrase).
    pub fn record(&self, name: &str, passphrase: &[u8]) -> Result<SealedRecord, NodeError> {
        let sealed = self
            .get(name)?
            .ok_or_else(|| NodeError::UnknownWallet(name.to_string()))?;
        let (mut plaintext, mut key) = open_with_key(passphrase, &sealed)?;
        if key.version() == LEGACY_SEAL {
            let mut current = Zeroizing::new(Vec::with_capacity(plaintext.len() + 1));
            current.push(ROOT_KIND);
            current.extend_from_slice(&plaintext);
            plaintext = current;
        }
        if !key.is_current() {
            key = SealKey::new(passphrase)?;
        }
        Ok(SealedRecord {
            file: self.clone(),
            name: name.to_string(),
            key,
            plaintext: Some(plaintext),
        })
    }

    /// A handle for a new record `name` sealed with `passphrase`
    /// ([`NodeError::WalletExists`] if the name is taken); written at its first
    /// `store`.
    pub fn new_record(&self, name: &str, passphrase: &[u8]) -> Result<SealedRecord, NodeError> {
        if self.contains(name)? {
            return Err(NodeError::WalletExists(name.to_string()));
        }
        Ok(SealedRecord {
            file: self.clone(),
            name: name.to_string(),
            key: SealKey::new(passphrase)?,
            plaintext: None,
        })
    }

    /// The sealed bytes of record `name`.
    pub(crate) fn get(&self, name: &str) -> Result<Option<Vec<u8>>, NodeError> {
        let r = self.inner.db.begin_read()?;
        let wallets = r.open_table(WALLETS)?;
        Ok(wallets.get(name)?.map(|b| b.value().to_vec()))
    }

    /// Replaces the sealed bytes of record `name`.
    pub(crate) fn put(&self, name: &str, bytes: &[u8]) -> Result<(), NodeError> {
        let w = self.inner.db.begin_write()?;
        w.open_table(WALLETS)?.insert(name, bytes)?;
        w.commit()?;
        Ok(())
    }
}

/// The redb error of opening `path`, in the user's words where redb's are not.
fn database_error(path: &Path, e: redb::DatabaseError) -> NodeError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => NodeError::WalletFileBusy(path.to_path_buf()),
        other => other.into(),
    }
}

/// One named record of a [`WalletFile`], opened with its passphrase.
pub struct SealedRecord {
    file: WalletFile,
    name: String,
    key: SealKey,
    plaintext: Option<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for SealedRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealedRecord")
            .field("file", &self.file.inner.path)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SealedRecord {
    /// The record's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl WalletStore for SealedRecord {
    /// The record's plaintext (the caller wipes it), `None` for a new record.
    fn load(&self) -> Result<Option<Vec<u8>>, WalletError> {
        Ok(self.plaintext.as_ref().map(|p| p.to_vec()))
    }

    /// Seals `bytes` and replaces the record (one write transaction).
    fn store(&mut self, bytes: Vec<u8>) -> Result<(), WalletError> {
        let bytes = Zeroizing::new(bytes);
        let storage = |e: NodeError| {
            WalletError::Storage(format!(
                "wallet {:?} in {}: {e}",
                self.name,
                self.file.path().display()
            ))
        };
        let sealed = self.key.seal(&bytes).map_err(storage)?;
        self.file.put(&self.name, &sealed).map_err(storage)?;
        self.plaintext = Some(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_sealed_by_name_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("wallets.redb");
        let file = WalletFile::open_or_create(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let mut bob = file.new_record("bob", b"pw").unwrap();
        assert_eq!(bob.load().unwrap(), None);
        bob.store(b"bob's state".to_vec()).unwrap();
        assert!(matches!(
            file.new_record("bob", b"pw"),
            Err(NodeError::WalletExists(_))
        ));
        // A record holds the file open (and locked) too.
        drop((file, bob));
        let file = WalletFile::open(&path).unwrap();
        assert_eq!(file.names().unwrap(), vec!["bob".to_string()]);
        let mut bob = file.record("bob", b"pw").unwrap();
        assert_eq!(bob.load().unwrap().unwrap(), b"bob's state");
        bob.store(b"later".to_vec()).unwrap();
        assert_eq!(
            file.record("bob", b"pw").unwrap().load().unwrap().unwrap(),
            b"later"
        );
        assert!(matches!(file.record("bob", b"no"), Err(NodeError::Unseal)));
        assert!(matches!(
            file.record("carol", b"pw"),
            Err(NodeError::UnknownWallet(_))
        ));
        let stored = file.get("bob").unwrap().unwrap();
        assert!(!stored.windows(5).any(|w| w == b"later"));
    }

    #[test]
    fn a_missing_or_readable_file_is_refused_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent").join("wallets.redb");
        assert!(matches!(
            WalletFile::open(&missing),
            Err(NodeError::NoWalletFile(_))
        ));
        assert!(!missing.parent().unwrap().exists());
        let path = dir.path().join("wallets.redb");
        drop(WalletFile::open_or_create(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let refused = WalletFile::open(&path).unwrap_err();
        assert!(matches!(
            refused,
            NodeError::WalletFileMode { mode: 0o640, .. }
        ));
        assert!(refused.to_string().contains("chmod 600"), "{refused}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let open = WalletFile::open(&path).unwrap();
        assert!(matches!(
            WalletFile::open(&path),
            Err(NodeError::WalletFileBusy(_))
        ));
        drop(open);
    }

    #[test]
    fn a_record_of_the_old_sealing_opens_as_a_root_record_and_is_sealed_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = WalletFile::open_or_create(&dir.path().join("wallets.redb")).unwrap();
        let old = super::super::seal::tests_support::legacy_seal(b"pw", b"root and state");
        file.put("old", &old).unwrap();
        let mut record = file.record("old", b"pw").unwrap();
        let plain = record.load().unwrap().unwrap();
        assert_eq!(plain[0], ROOT_KIND);
        assert_eq!(&plain[1..], b"root and state");
        record.store(plain).unwrap();
        let resealed = file.get("old").unwrap().unwrap();
        assert_eq!(resealed[6], super::super::seal::VERSION);
        let again = file.record("old", b"pw").unwrap().load().unwrap().unwrap();
        assert_eq!(again[0], ROOT_KIND);
        assert_eq!(&again[1..], b"root and state");
    }
}
