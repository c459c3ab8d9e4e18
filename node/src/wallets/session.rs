//! The wallets of a data directory ([`WalletDir`]) and one command's time with one
//! wallet ([`Session`]): open its record, sync it with the node, act, save once.

use super::local::LocalWallet;
use super::passphrase::{PassphraseArgs, Purpose};
use super::{generators, WalletOptions, WALLETS_FILE};
use crate::client::Remote;
use crate::error::NodeError;
use crate::store::{SealedRecord, WalletFile};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use wallet::{SentTx, WalletError};
use zeroize::Zeroizing;
use zkvm::Generators;

/// The wallets of a data directory: its `wallets.redb`.
#[derive(Debug)]
pub struct WalletDir {
    file: WalletFile,
}

impl WalletDir {
    /// Opens `wallets.redb` in `dir`, creating it (and `dir`) when missing: for
    /// the commands that make a wallet.
    pub fn open(dir: &Path) -> Result<WalletDir, NodeError> {
        Ok(WalletDir {
            file: WalletFile::open_or_create(&WalletDir::path(dir))?,
        })
    }

    /// Opens the `wallets.redb` that `dir` holds; creates nothing.
    pub fn existing(dir: &Path) -> Result<WalletDir, NodeError> {
        Ok(WalletDir {
            file: WalletFile::open(&WalletDir::path(dir))?,
        })
    }

    /// The `wallets.redb` of `dir` if there is one; creates nothing.
    pub fn existing_if_any(dir: &Path) -> Result<Option<WalletDir>, NodeError> {
        match WalletDir::path(dir).exists() {
            true => WalletDir::existing(dir).map(Some),
            false => Ok(None),
        }
    }

    /// The path of the wallet file of `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(WALLETS_FILE)
    }

    /// Whether a wallet `name` exists.
    pub fn exists(&self, name: &str) -> Result<bool, NodeError> {
        self.file.contains(name)
    }

    /// Opens wallet `name` with `passphrase`: the wallet and its record, to save it
    /// back.
    pub fn load(
        &self,
        name: &str,
        passphrase: &[u8],
    ) -> Result<(LocalWallet, SealedRecord), NodeError> {
        let record = self.file.record(name, passphrase)?;
        let local = LocalWallet::load(&record)?
            .ok_or_else(|| NodeError::UnknownWallet(name.to_string()))?;
        Ok((local, record))
    }

    /// Stores a new wallet `name` sealed with `passphrase` (refusing a name taken).
    pub fn save(&self, name: &str, passphrase: &[u8], w: &LocalWallet) -> Result<(), NodeError> {
        w.save(&mut self.file.new_record(name, passphrase)?)
    }
}

/// An opened wallet synced with its node, saved by [`Session::save`].
pub(crate) struct Session {
    pub(crate) record: SealedRecord,
    pub(crate) remote: Remote,
    pub(crate) gens: &'static Generators,
    pub(crate) local: LocalWallet,
    /// Sync from compact blocks.
    pub(crate) light: bool,
}

impl Session {
    /// Opens wallet `name` and syncs it with the node.
    pub(crate) async fn open(name: &str, options: &WalletOptions) -> Result<Session, NodeError> {
        let mut session = Session::load(name, options).await?;
        session.sync().await?;
        Ok(session)
    }

    /// Opens wallet `name` and checks that the node runs its chain, without syncing.
    pub(crate) async fn load(name: &str, options: &WalletOptions) -> Result<Session, NodeError> {
        let (local, record) = open_record(name, &options.data_dir, &options.passphrase)?;
        let remote = Remote::new(&options.node)?;
        let (genesis, consensus) = remote.chain().await?;
        let (initial, _, _) = genesis.start()?;
        if initial.initial() != local.chain.initial() || consensus != local.consensus {
            return Err(NodeError::Diverged(format!(
                "{} runs another chain than wallet {name}'s; give the --node of that chain",
                options.node
            )));
        }
        Ok(Session {
            record,
            remote,
            gens: generators(),
            local,
            light: options.light,
        })
    }

    /// Fetches, validates and applies the node's new blocks (or their compact
    /// forms, checked), then reconciles the pending transactions with the mempool.
    pub(crate) async fn sync(&mut self) -> Result<(), NodeError> {
        self.local
            .catch_up(&self.remote, self.gens, self.light)
            .await?;
        self.local.reconcile_pending(&self.remote).await
    }

    /// Saves the wallet (one write transaction).
    pub(crate) fn save(&mut self) -> Result<(), NodeError> {
        self.local.save(&mut self.record)
    }

    /// Hands `sent` to the node (with the proofs of its inputs at the wallet's tip:
    /// a node that keeps proofs of its own uses those; one restored by state sync
    /// has none of older outputs) and saves; a refused transaction frees its inputs
    /// and is recorded.
    pub(crate) async fn submit(&mut self, sent: &SentTx, what: &str) -> Result<String, NodeError> {
        match self.remote.submit(&sent.block_tx.to_bytes()).await {
            Ok(_) => {
                self.save()?;
                Ok(format!(
                    "submitted transaction {} ({what}), fee {}\n",
                    sent.id, sent.fee
                ))
            }
            Err(e) => {
                self.local
                    .release(&sent.id, &format!("refused by the node: {e}"))?;
                self.save()?;
                Err(e)
            }
        }
    }
}

/// Opens wallet `name` of `dir` without a node: the file and the record are checked
/// before the passphrase is asked for.
pub(crate) fn open_record(
    name: &str,
    dir: &Path,
    passphrase: &PassphraseArgs,
) -> Result<(LocalWallet, SealedRecord), NodeError> {
    let wallets = WalletDir::existing(dir)?;
    if !wallets.exists(name)? {
        return Err(NodeError::UnknownWallet(name.to_string()));
    }
    wallets.load(name, &passphrase.read(Purpose::Open)?)
}

/// Reads a file a command was given.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, NodeError> {
    std::fs::read(path).map_err(|e| NodeError::io(path, e))
}

/// Decodes the bytes of `path`, a `what` that `maker` writes; an error names the
/// file and the command that makes such files.
pub(crate) fn decode_input<T>(
    path: &Path,
    bytes: &[u8],
    what: &'static str,
    maker: &str,
    decode: impl FnOnce(&[u8]) -> Result<T, WalletError>,
) -> Result<T, NodeError> {
    decode(bytes).map_err(|e| NodeError::Invalid {
        what,
        reason: format!("{}: {e}; give the file `{maker}` wrote", path.display()),
    })
}

/// Reads and decodes the file `path` ([`decode_input`]).
pub(crate) fn read_as<T>(
    path: &Path,
    what: &'static str,
    maker: &str,
    decode: impl FnOnce(&[u8]) -> Result<T, WalletError>,
) -> Result<T, NodeError> {
    decode_input(path, &read_input(path)?, what, maker, decode)
}

/// Writes `bytes` to `path` whole or not at all (a file beside it, renamed), readable
/// by the owner only: the other party never reads half a file.
pub(crate) fn write_output(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .map_err(|e| NodeError::io(&partial, e))
        .and_then(|()| std::fs::rename(&partial, path).map_err(|e| NodeError::io(path, e)));
    if written.is_err() {
        // Nothing half-written stays behind.
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Reads a secret file, refusing one that other users may read (as ssh does).
pub(crate) fn read_private(path: &Path) -> Result<Zeroizing<Vec<u8>>, NodeError> {
    let meta = std::fs::metadata(path).map_err(|e| NodeError::io(path, e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(NodeError::WalletFileMode {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(Zeroizing::new(read_input(path)?))
}
