//! Keys without a node: `new-root` (a root key file for an offline machine),
//! `export-view-key`, and where the offline commands find their key ([`KeySource`]:
//! a wallet of a data directory, or a root file).
//!
//! A root file holds the 64-byte root key as hex, is created with mode 0600 and
//! never replaced, and is refused when other users may read it. It is not
//! encrypted: it belongs on a machine that never meets a network.

use super::local::LocalWallet;
use super::passphrase::PassphraseArgs;
use super::session::{open_record, read_private};
use super::{ACCOUNT, NETWORK};
use crate::error::NodeError;
use clap::Args;
use keytree::Xprv;
use rand_core::OsRng;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use wallet::Wallet;
use zeroize::Zeroizing;

/// Where an offline command finds its key.
#[derive(Debug, Args, Clone)]
pub struct KeySource {
    /// The data directory holding the wallet.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// A root key file from `wallet new-root`, instead of a wallet.
    #[arg(long, conflicts_with = "data_dir")]
    pub root_file: Option<PathBuf>,
    /// Where the wallet's passphrase comes from.
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

/// A key found by [`KeySource::open`].
pub enum Held {
    /// A root key from a file.
    Root(Box<Xprv>),
    /// A wallet (spending or watch-only) from a data directory.
    Wallet(Box<LocalWallet>),
}

impl KeySource {
    /// The root file's key, or wallet `name` of the data directory.
    pub fn open(&self, name: Option<&str>) -> Result<Held, NodeError> {
        match (&self.root_file, &self.data_dir, name) {
            (Some(file), _, _) => Ok(Held::Root(Box::new(read_root(file)?))),
            (None, Some(dir), Some(name)) => Ok(Held::Wallet(Box::new(
                open_record(name, dir, &self.passphrase)?.0,
            ))),
            _ => Err(NodeError::Invalid {
                what: "key",
                reason: "name a wallet and give its --data-dir, or give --root-file FILE".into(),
            }),
        }
    }
}

impl Held {
    /// The root key; a watch-only wallet has none.
    pub fn root(&self, name: Option<&str>) -> Result<&Xprv, NodeError> {
        match self {
            Held::Root(root) => Ok(root),
            Held::Wallet(local) => local
                .root()
                .ok_or_else(|| NodeError::WatchOnlyWallet(name.unwrap_or_default().to_string())),
        }
    }

    /// The wallet of the key.
    pub fn wallet(self) -> Wallet {
        match self {
            Held::Root(root) => Wallet::new(*root, NETWORK),
            Held::Wallet(local) => local.wallet,
        }
    }
}

/// `wallet new-root`.
#[derive(Debug, Args)]
pub struct NewRootArgs {
    /// The file to create (refused if it exists).
    #[arg(long)]
    pub out: PathBuf,
}

/// `wallet export-view-key`.
#[derive(Debug, Args)]
pub struct ExportViewKeyArgs {
    /// The wallet's name (with --data-dir; or give --root-file).
    pub name: Option<String>,
    /// Exports the incoming viewing key only: it sees payments received, not sent,
    /// and cannot build transactions.
    #[arg(long)]
    pub incoming: bool,
    /// The wallet or root file.
    #[command(flatten)]
    pub key: KeySource,
}

/// `wallet new-root`: a fresh root key in a new file of mode 0600.
pub fn new_root(args: &NewRootArgs) -> Result<String, NodeError> {
    let root = Xprv::random(&mut OsRng);
    let text = Zeroizing::new(hex::encode(&root.to_bytes()[..]));
    let path = &args.out;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| NodeError::io(path, e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| NodeError::io(path, e))?;
    let address = Wallet::new(root, NETWORK).address(ACCOUNT)?;
    Ok(format!(
        "wrote a new root key to {} (mode 0600, not encrypted: keep it on the offline machine)\naddress {address}\n",
        path.display()
    ))
}

/// `wallet export-view-key`: the key's text (it holds secrets that see payments).
pub fn export_view_key(args: &ExportViewKeyArgs) -> Result<String, NodeError> {
    let wallet = args.key.open(args.name.as_deref())?.wallet();
    let account = wallet.account(0)?;
    let text = match args.incoming {
        true => account.incoming_viewing_key().to_text(NETWORK),
        false => account.full_viewing_key()?.to_text(NETWORK),
    };
    Ok(format!("{}\n", text.as_str()))
}

/// Reads a root file.
pub(crate) fn read_root(path: &Path) -> Result<Xprv, NodeError> {
    let text = read_private(path)?;
    let text = std::str::from_utf8(&text).map_err(|_| NodeError::Invalid {
        what: "root key",
        reason: format!("{} does not hold hex text", path.display()),
    })?;
    let bytes = Zeroizing::new(NodeError::decode_hex("root key", text)?);
    Xprv::from_bytes(&bytes).map_err(|e| NodeError::Invalid {
        what: "root key",
        reason: format!("{}: {e}", path.display()),
    })
}
