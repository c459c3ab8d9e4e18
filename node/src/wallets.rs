//! Wallets beside a node: the `wallet` commands and the funded wallet of `init`.
//!
//! A wallet lives in `wallets.redb` of its data directory ([`WalletStore`]), one
//! record per name, sealed with the wallet's passphrase (Argon2id and
//! ChaCha20-Poly1305, [`crate::store::seal`]). The sealed plaintext is `root key
//! (64) || LE32 length || chain snapshot || LE32 history count || history entries
//! (LE64 height, LE32 length, UTF-8 text) || wallet state` (the wallet library's
//! [`Wallet::state_bytes`]). The chain snapshot (initial header, tip header, Utreexo
//! forest, producer key) is the chain state the wallet validated blocks up to: the
//! wallet trusts the node for nothing but the genesis. Every command first syncs:
//! it fetches the blocks above its tip (`GET /v1/blocks?since=H`), validates each in
//! full against its snapshot (the library offers no trusted path, and a wallet that
//! believed a node's word would believe a forged payment), applies it to the wallet,
//! and saves once at the end.

use crate::client::Remote;
use crate::error::NodeError;
use crate::genesis::Consensus;
use crate::store::WalletStore;
use batch::Generators;
use blockchain::{AppliedBlock, Block, BlockHeader, ChainState, ZkVm};
use clap::{Args, Subcommand};
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader, Writer};
use keytree::Xprv;
use musig::VerificationKey;
use rand_core::OsRng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use utreexo::Forest;
use wallet::{Address, Balance, Network, Owner, SentTx, TxPlan, Wallet};
use zeroize::Zeroizing;
use zkvm::{ContractId, FeeRate};

/// The wallet file of a data directory.
pub const WALLETS_FILE: &str = "wallets.redb";
/// The environment variable a passphrase can come from.
pub const PASSPHRASE_ENV: &str = "ZKVM_WALLET_PASSPHRASE";
/// The wallets' network.
pub const NETWORK: Network = Network::Devnet;
/// The account every command acts for.
pub const ACCOUNT: Owner = Owner::Account(0);

/// What every wallet command needs.
#[derive(Debug, Args, Clone)]
pub struct WalletOptions {
    /// The data directory holding `wallets.redb`.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The API of a running node.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub node: String,
    /// A file whose first line is the wallet's passphrase (else the environment
    /// variable ZKVM_WALLET_PASSPHRASE).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// `wallet`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Creates a wallet (a fresh random root key) at the node's tip.
    Create {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Prints the wallet's address (non-interactive payments go to it).
    Address {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Prints balances per flavor: confirmed, pending, locked.
    Balance {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Pays an address and submits the transaction to the node.
    Pay {
        /// The wallet's name.
        name: String,
        /// The recipient's address.
        #[arg(long)]
        to: String,
        /// How many units.
        #[arg(long)]
        amount: u64,
        /// The flavor, 32 bytes hex (flavor zero if absent).
        #[arg(long)]
        flavor: Option<String>,
        /// The fee rate: F/S is F units per S bytes, F is F units per byte.
        #[arg(long, default_value = "1/10")]
        fee_rate: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Issues units of the wallet's own flavor for a metadata text.
    Issue {
        /// The wallet's name.
        name: String,
        /// The metadata the flavor is derived from.
        #[arg(long)]
        metadata: String,
        /// How many units.
        #[arg(long)]
        amount: u64,
        /// The fee rate: F/S is F units per S bytes, F is F units per byte.
        #[arg(long, default_value = "1/10")]
        fee_rate: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Lists what happened to the wallet, oldest first.
    History {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
}

/// The passphrase: the first line of `file` if given, else [`PASSPHRASE_ENV`].
pub fn passphrase(file: Option<&Path>) -> Result<Zeroizing<Vec<u8>>, NodeError> {
    let text = match file {
        Some(path) => {
            Zeroizing::new(std::fs::read_to_string(path).map_err(|e| NodeError::io(path, e))?)
        }
        None => Zeroizing::new(std::env::var(PASSPHRASE_ENV).map_err(|_| NodeError::NoPassphrase)?),
    };
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(NodeError::NoPassphrase);
    }
    Ok(Zeroizing::new(line.as_bytes().to_vec()))
}

/// One line of a wallet's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The wallet's tip height when it happened.
    pub height: u64,
    /// What happened.
    pub text: String,
}

/// A wallet with the chain state it has validated up to and its history.
pub struct LocalWallet {
    root: Xprv,
    /// The wallet.
    pub wallet: Wallet,
    /// The chain state at the wallet's tip.
    pub chain: ChainState,
    /// How the chain agrees on blocks (what a block must carry to be applied).
    pub consensus: Consensus,
    /// What happened to the wallet, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl core::fmt::Debug for LocalWallet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalWallet")
            .field("wallet", &self.wallet)
            .field("height", &self.chain.tip().height)
            .finish_non_exhaustive()
    }
}

impl LocalWallet {
    /// A new wallet of a fresh random root, started at `initial` with no outputs.
    pub fn new(initial: &ChainState, consensus: Consensus) -> LocalWallet {
        let root = Xprv::random(&mut OsRng);
        let mut wallet = Wallet::new(root.clone(), NETWORK);
        wallet.start(initial, Vec::new());
        LocalWallet::from_parts(root, wallet, initial.clone(), consensus)
    }

    /// A wallet already started at `chain`.
    pub fn from_parts(
        root: Xprv,
        wallet: Wallet,
        chain: ChainState,
        consensus: Consensus,
    ) -> LocalWallet {
        LocalWallet {
            root,
            wallet,
            chain,
            consensus,
            history: Vec::new(),
        }
    }

    /// The tip height.
    pub fn height(&self) -> u64 {
        self.chain.tip().height
    }

    /// Validates `block` against the wallet's chain state (every rule and proof; the
    /// producer's signature on a devnet) and applies it.
    pub fn apply(&mut self, block: &Block, gens: &Generators) -> Result<AppliedBlock, NodeError> {
        let applied = self
            .consensus
            .apply_block(&self.chain, block, gens, &ZkVm)?;
        self.apply_validated(&applied)?;
        Ok(applied)
    }

    /// Applies a block validated by the caller, recording what it changed.
    pub fn apply_validated(&mut self, applied: &AppliedBlock) -> Result<(), NodeError> {
        let before: BTreeMap<ContractId, (u64, Scalar)> = self
            .wallet
            .ledger()
            .outputs
            .values()
            .map(|o| (o.id, (o.opening.qty, o.opening.flavor)))
            .collect();
        let report = self.wallet.apply_block(applied)?;
        self.chain = applied.state.clone();
        let height = self.height();
        let outputs = &self.wallet.ledger().outputs;
        let mut note = |text: String| self.history.push(HistoryEntry { height, text });
        for id in &report.received {
            if let Some(o) = outputs.get(id) {
                let (qty, flavor) = (o.opening.qty, o.opening.flavor);
                note(format!(
                    "received {qty} of {} in output {id}",
                    flavor_hex(&flavor)
                ));
            }
        }
        for id in &report.spent {
            if let Some((qty, flavor)) = before.get(id) {
                note(format!(
                    "spent {qty} of {} from output {id}",
                    flavor_hex(flavor)
                ));
            }
        }
        for id in &report.mined {
            note(format!("transaction {id} mined"));
        }
        for id in &report.dropped {
            note(format!("transaction {id} dropped (expired or conflicting)"));
        }
        Ok(())
    }

    /// Fetches, validates and applies the node's blocks above the wallet's tip until
    /// it reaches the node's tip; returns how many blocks were applied.
    pub async fn sync(&mut self, remote: &Remote, gens: &Generators) -> Result<u64, NodeError> {
        let mut applied = 0;
        loop {
            let (_, blocks) = remote.blocks_since(self.height()).await?;
            if blocks.is_empty() {
                return Ok(applied);
            }
            for block in &blocks {
                self.apply(block, gens)?;
                applied += 1;
            }
        }
    }

    /// Balances of account 0 per flavor held or expected.
    pub fn balances(&self) -> Vec<(Scalar, Balance)> {
        let ledger = self.wallet.ledger();
        let mut flavors: Vec<Scalar> = ledger
            .outputs
            .values()
            .map(|o| o.opening.flavor)
            .chain(
                ledger
                    .pending
                    .values()
                    .flat_map(|p| p.incoming.iter().map(|i| i.2)),
            )
            .collect();
        flavors.sort_by_key(|f| f.to_bytes());
        flavors.dedup();
        flavors
            .into_iter()
            .map(|f| (f, self.wallet.balance(ACCOUNT, f)))
            .collect()
    }

    /// Proves and signs `plan`, recording it in the history.
    pub fn send(
        &mut self,
        plan: &TxPlan,
        what: &str,
        gens: &Generators,
    ) -> Result<SentTx, NodeError> {
        let sent = self.wallet.send(plan, gens, &mut OsRng)?;
        self.history.push(HistoryEntry {
            height: self.height(),
            text: format!("sent transaction {} ({what}), fee {}", sent.id, sent.fee),
        });
        Ok(sent)
    }

    /// Frees what a transaction the node refused had reserved.
    pub fn release(&mut self, sent: &SentTx, reason: &str) -> Result<(), NodeError> {
        self.wallet.release(&sent.id)?;
        self.history.push(HistoryEntry {
            height: self.height(),
            text: format!("transaction {} refused by the node: {reason}", sent.id),
        });
        Ok(())
    }

    /// The plaintext of the sealed record.
    fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Zeroizing::new(Vec::new());
        w.write_bytes(&self.root.to_bytes()[..]);
        w.write_len_prefixed(&encode_chain(&self.chain, self.consensus));
        w.write_u32(u32::try_from(self.history.len()).expect("fewer than 2^32 entries"));
        for e in &self.history {
            w.write_u64(e.height);
            w.write_len_prefixed(e.text.as_bytes());
        }
        w.write_bytes(&self.wallet.state_bytes());
        w
    }

    fn from_plaintext(bytes: &[u8]) -> Result<LocalWallet, NodeError> {
        let mut r = Reader::new(bytes);
        let root = Xprv::from_bytes(r.read_bytes(64)?).map_err(|e| corrupt(e.to_string()))?;
        let (chain, consensus) = decode_chain(r.read_len_prefixed()?)?;
        let count = r.read_count(12)?;
        let mut history = Vec::with_capacity(count);
        for _ in 0..count {
            let height = r.read_u64()?;
            let text = String::from_utf8(r.read_len_prefixed()?.to_vec())
                .map_err(|e| corrupt(e.to_string()))?;
            history.push(HistoryEntry { height, text });
        }
        let rest = r.read_bytes(r.remaining())?;
        let wallet = Wallet::from_state_bytes(root.clone(), rest)?;
        Ok(LocalWallet {
            root,
            wallet,
            chain,
            consensus,
            history,
        })
    }
}

fn corrupt(reason: String) -> NodeError {
    NodeError::Corrupt(format!("wallet record: {reason}"))
}

/// `initial header || tip header || LE32 length || forest || producer key (32) ||
/// consensus (1: 0 devnet, 1 CometBFT; absent in records written before it, which
/// are devnet wallets)`.
fn encode_chain(state: &ChainState, consensus: Consensus) -> Vec<u8> {
    let mut w = Vec::new();
    state.initial().encode(&mut w);
    state.tip().encode(&mut w);
    w.write_len_prefixed(&state.forest().encode_to_vec());
    w.write_bytes(state.producer().as_bytes());
    w.write_u8(match consensus {
        Consensus::Devnet => 0,
        Consensus::CometBft => 1,
    });
    w
}

fn decode_chain(bytes: &[u8]) -> Result<(ChainState, Consensus), NodeError> {
    let (initial, tip, forest, key, consensus) = Reader::parse(bytes, |r| {
        let parts = (
            BlockHeader::decode(r)?,
            BlockHeader::decode(r)?,
            r.read_len_prefixed()?.to_vec(),
            r.read_array::<32>()?,
        );
        let consensus = if r.remaining() == 0 { 0 } else { r.read_u8()? };
        Ok::<_, encoding::EncodingError>((parts.0, parts.1, parts.2, parts.3, consensus))
    })?;
    let consensus = match consensus {
        0 => Consensus::Devnet,
        1 => Consensus::CometBft,
        other => return Err(corrupt(format!("consensus byte {other}"))),
    };
    let forest = Forest::from_bytes(&forest).map_err(|e| corrupt(e.to_string()))?;
    let producer = VerificationKey::from_bytes(&key).map_err(|e| corrupt(e.to_string()))?;
    Ok((
        ChainState::from_parts(initial, tip, forest, producer)?,
        consensus,
    ))
}

/// The wallets of a data directory.
#[derive(Debug)]
pub struct WalletDir {
    store: WalletStore,
}

impl WalletDir {
    /// Opens (or creates) `wallets.redb` in `dir`.
    pub fn open(dir: &Path) -> Result<WalletDir, NodeError> {
        std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
        Ok(WalletDir {
            store: WalletStore::open(&dir.join(WALLETS_FILE))?,
        })
    }

    /// The path of the wallet file of `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(WALLETS_FILE)
    }

    /// Whether a wallet `name` exists.
    pub fn exists(&self, name: &str) -> Result<bool, NodeError> {
        Ok(self.store.get(name)?.is_some())
    }

    /// Opens wallet `name` with `passphrase`.
    pub fn load(&self, name: &str, passphrase: &[u8]) -> Result<LocalWallet, NodeError> {
        let plain = self
            .store
            .open_sealed(name, passphrase)?
            .ok_or_else(|| NodeError::UnknownWallet(name.to_string()))?;
        LocalWallet::from_plaintext(&plain)
    }

    /// Seals and stores wallet `name` (one write transaction).
    pub fn save(&self, name: &str, passphrase: &[u8], w: &LocalWallet) -> Result<(), NodeError> {
        self.store.put_sealed(name, passphrase, &w.to_plaintext())
    }
}

/// A flavor as the hex of its scalar (what `--flavor` takes).
pub fn flavor_hex(flavor: &Scalar) -> String {
    hex::encode(flavor.as_bytes())
}

/// Parses `--flavor HEX`.
pub fn parse_flavor(text: &str) -> Result<Scalar, NodeError> {
    let bytes: [u8; 32] = NodeError::decode_hex("flavor", text)?
        .try_into()
        .map_err(|_| NodeError::Invalid {
            what: "flavor",
            reason: "not 32 bytes".into(),
        })?;
    Option::from(Scalar::from_canonical_bytes(bytes)).ok_or_else(|| NodeError::Invalid {
        what: "flavor",
        reason: "not a canonical scalar".into(),
    })
}

/// Parses `--fee-rate`: `F/S` (F units per S bytes) or `F` (per byte).
pub fn parse_fee_rate(text: &str) -> Result<FeeRate, NodeError> {
    let invalid = || NodeError::Invalid {
        what: "fee rate",
        reason: format!("{text:?} is not F/S or F with whole numbers, S above zero"),
    };
    let (fee, size) = text.split_once('/').unwrap_or((text, "1"));
    let fee = fee.trim().parse().map_err(|_| invalid())?;
    let size: u64 = size.trim().parse().map_err(|_| invalid())?;
    if size == 0 {
        return Err(invalid());
    }
    Ok(FeeRate::new(fee, size))
}

/// Parses a recipient address of the wallets' network.
pub fn parse_address(text: &str) -> Result<Address, NodeError> {
    Ok(Address::parse(text.trim(), NETWORK)?)
}

/// The generators wallets prove and verify with.
pub fn generators() -> Generators {
    Generators::new(zkvm::GENERATOR_CAPACITY)
}

/// Runs a `wallet` command; returns what to print.
pub async fn run_command(command: &WalletCommand) -> Result<String, NodeError> {
    match command {
        WalletCommand::Create { name, options } => create(name, options).await,
        WalletCommand::Address { name, options } => {
            let session = Session::open(name, options).await?;
            let address = session.local.wallet.address(ACCOUNT)?;
            session.save()?;
            Ok(format!("{address}\n"))
        }
        WalletCommand::Balance { name, options } => {
            let session = Session::open(name, options).await?;
            let mut out = format!(
                "wallet {name} at height {}\n{:<64}  {:>20} {:>20} {:>20}\n",
                session.local.height(),
                "flavor",
                "confirmed",
                "pending",
                "locked"
            );
            for (flavor, b) in session.local.balances() {
                out += &format!(
                    "{:<64}  {:>20} {:>20} {:>20}\n",
                    flavor_hex(&flavor),
                    b.confirmed,
                    b.pending,
                    b.locked
                );
            }
            session.save()?;
            Ok(out)
        }
        WalletCommand::Pay {
            name,
            to,
            amount,
            flavor,
            fee_rate,
            options,
        } => {
            let address = parse_address(to)?;
            let flavor = flavor.as_deref().map(parse_flavor).transpose()?;
            let flavor = flavor.unwrap_or(Scalar::ZERO);
            let plan = TxPlan::new(ACCOUNT)
                .pay(address, *amount, flavor)
                .fee_rate(parse_fee_rate(fee_rate)?);
            let what = format!("paid {amount} of {} to {address}", flavor_hex(&flavor));
            Session::open(name, options)
                .await?
                .submit(&plan, &what)
                .await
        }
        WalletCommand::Issue {
            name,
            metadata,
            amount,
            fee_rate,
            options,
        } => {
            let plan = TxPlan::new(ACCOUNT)
                .issue(metadata.as_bytes().to_vec(), *amount)
                .fee_rate(parse_fee_rate(fee_rate)?);
            let session = Session::open(name, options).await?;
            let flavor = session.local.wallet.flavor(0, metadata.as_bytes())?;
            let what = format!("issued {amount} of {} ({metadata:?})", flavor_hex(&flavor));
            let out = session.submit(&plan, &what).await?;
            Ok(format!("{out}flavor {}\n", flavor_hex(&flavor)))
        }
        WalletCommand::History { name, options } => {
            let session = Session::open(name, options).await?;
            let mut out = String::new();
            for e in &session.local.history {
                out += &format!("{:>8}  {}\n", e.height, e.text);
            }
            session.save()?;
            Ok(out)
        }
    }
}

/// `wallet create`: a new wallet synced to the node's tip from its genesis.
async fn create(name: &str, options: &WalletOptions) -> Result<String, NodeError> {
    let passphrase = passphrase(options.passphrase_file.as_deref())?;
    let dir = WalletDir::open(&options.data_dir)?;
    if dir.exists(name)? {
        return Err(NodeError::WalletExists(name.to_string()));
    }
    let remote = Remote::new(&options.node)?;
    let (genesis, consensus) = remote.chain().await?;
    let (initial, _, _) = genesis.start()?;
    let mut local = LocalWallet::new(&initial, consensus);
    let gens = generators();
    local.sync(&remote, &gens).await?;
    dir.save(name, &passphrase, &local)?;
    Ok(format!(
        "created wallet {name} at height {} in {}\naddress {}\n",
        local.height(),
        WalletDir::path(&options.data_dir).display(),
        local.wallet.address(ACCOUNT)?
    ))
}

/// An opened wallet synced with its node, saved by [`Session::save`].
struct Session {
    name: String,
    passphrase: Zeroizing<Vec<u8>>,
    dir: WalletDir,
    remote: Remote,
    gens: Generators,
    local: LocalWallet,
}

impl Session {
    async fn open(name: &str, options: &WalletOptions) -> Result<Session, NodeError> {
        let passphrase = passphrase(options.passphrase_file.as_deref())?;
        let dir = WalletDir::open(&options.data_dir)?;
        let mut local = dir.load(name, &passphrase)?;
        let remote = Remote::new(&options.node)?;
        let (genesis, consensus) = remote.chain().await?;
        let (initial, _, _) = genesis.start()?;
        if initial.initial() != local.chain.initial() || consensus != local.consensus {
            return Err(NodeError::Diverged(format!(
                "{} runs another chain than wallet {name}'s; give the --node of that chain",
                options.node
            )));
        }
        let gens = generators();
        local.sync(&remote, &gens).await?;
        Ok(Session {
            name: name.to_string(),
            passphrase,
            dir,
            remote,
            gens,
            local,
        })
    }

    fn save(&self) -> Result<(), NodeError> {
        self.dir.save(&self.name, &self.passphrase, &self.local)
    }

    /// Proves `plan`, submits it with the proofs of its inputs at the wallet's tip
    /// (a node that keeps proofs of its own uses those; one restored by state sync
    /// has none of older outputs), saves; a refused transaction frees its inputs.
    async fn submit(mut self, plan: &TxPlan, what: &str) -> Result<String, NodeError> {
        let sent = self.local.send(plan, what, &self.gens)?;
        match self.remote.submit(&sent.block_tx.to_bytes()).await {
            Ok(_) => {
                self.save()?;
                Ok(format!(
                    "submitted transaction {} ({what}), fee {}\n",
                    sent.id, sent.fee
                ))
            }
            Err(e) => {
                self.local.release(&sent, &e.to_string())?;
                self.save()?;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::{init_with_wallets, DevnetConfig};

    #[test]
    fn a_wallet_record_round_trips_through_its_sealed_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let root = Xprv::random(&mut OsRng);
        let mut wallet = Wallet::new(root.clone(), NETWORK);
        let config = DevnetConfig {
            funding_outputs: 1,
            funding_qty: 500,
        };
        let (_, initial) =
            init_with_wallets(&dir.path().join("n"), &config, &mut [&mut wallet], 2).unwrap();
        let mut local = LocalWallet::from_parts(root, wallet, initial, Consensus::Devnet);
        local.history.push(HistoryEntry {
            height: 1,
            text: "genesis".into(),
        });
        let wallets = WalletDir::open(dir.path()).unwrap();
        wallets.save("w", b"pw", &local).unwrap();
        let back = wallets.load("w", b"pw").unwrap();
        assert_eq!(back.chain, local.chain);
        assert_eq!(back.history, local.history);
        assert_eq!(back.balances(), local.balances());
        assert_eq!(back.balances()[0].1.confirmed, 1_000);
        assert!(matches!(wallets.load("w", b"no"), Err(NodeError::Unseal)));
        assert!(matches!(
            wallets.load("x", b"pw"),
            Err(NodeError::UnknownWallet(_))
        ));
        let stored = wallets.store.get("w").unwrap().unwrap();
        assert!(!stored.windows(7).any(|w| w == b"genesis"));
    }

    #[test]
    fn fee_rates_flavors_and_addresses_are_parsed_or_refused() {
        assert_eq!(parse_fee_rate("3/20").unwrap(), FeeRate::new(3, 20));
        assert_eq!(parse_fee_rate("2").unwrap(), FeeRate::new(2, 1));
        for bad in ["1/0", "x", "-1", "1/2/3"] {
            assert!(parse_fee_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_flavor(&"00".repeat(32)).unwrap(), Scalar::ZERO);
        assert!(parse_flavor("00").is_err());
        assert!(parse_flavor(&"ff".repeat(32)).is_err());
        assert!(parse_address("zkd1nothing").is_err());
    }
}
