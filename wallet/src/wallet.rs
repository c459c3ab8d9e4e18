//! The wallet: keys, ledger and the operations a wallet application calls.

use crate::address::{Address, Network};
use crate::assets::AssetBook;
use crate::errors::WalletError;
use crate::keys::{random_scalar, AccountKeys, WalletKey};
use crate::ledger::{Balance, Checkpoint, Ledger, OwnedOutput, Owner};
use crate::note::{KeyKind, NoteOpener, Opening};
use crate::shared::SharedAccount;
use blockchain::ChainState;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use musig::{SigningKey, VerificationKey};
use rand_core::{CryptoRng, RngCore};
use std::collections::HashMap;
use utreexo::Proof;
use zkvm::{issue_flavor, Anchor, Contract, ContractId, Predicate};

/// A wallet: a root key (or, watch-only, one account's viewing key), its open
/// accounts, an optional 2-of-2 account, and the ledger of what it owns. It does no I/O: blocks come in through
/// [`Wallet::apply_block`], transactions go out of [`Wallet::send`], and its state
/// goes to a [`crate::storage::WalletStore`].
#[derive(Clone)]
pub struct Wallet {
    pub(crate) key: WalletKey,
    pub(crate) network: Network,
    pub(crate) accounts: Vec<AccountKeys>,
    pub(crate) shared: Option<SharedAccount>,
    pub(crate) openers: Vec<(Owner, NoteOpener)>,
    pub(crate) ledger: Ledger,
    /// The names of flavors the wallet has seen.
    pub(crate) assets: AssetBook,
    /// Weights of transactions by shape, to estimate fees before proving.
    pub(crate) size_hints: HashMap<(usize, usize), u64>,
}

impl core::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Wallet")
            .field("network", &self.network)
            .field("accounts", &self.accounts.len())
            .field("outputs", &self.ledger.outputs.len())
            .field("tip", &self.ledger.tip)
            .finish_non_exhaustive()
    }
}

/// An output that exists before the chain does, for the initial UTXO set.
#[derive(Clone, Debug)]
pub struct GenesisOutput {
    output: OwnedOutput,
}

impl GenesisOutput {
    /// Its contract ID (what goes into the initial set).
    pub fn id(&self) -> ContractId {
        self.output.id
    }
}

impl Wallet {
    /// A wallet of `root` on `network`, with account 0 open and no chain yet.
    pub fn new(root: Xprv, network: Network) -> Self {
        Wallet::with_key(root.into(), network)
    }

    /// A watch-only wallet of one account's viewing key on `network`, with no chain
    /// yet: it scans, keeps balances and history like the spending wallet, and with a
    /// full viewing key builds transactions for an offline signer; everything that
    /// signs fails with [`WalletError::WatchOnly`].
    pub fn watch_only(key: impl Into<crate::viewing::ViewingKey>, network: Network) -> Self {
        Wallet::with_key(WalletKey::Viewing(key.into()), network)
    }

    /// A wallet holding `key`, with its first account open.
    pub(crate) fn with_key(key: WalletKey, network: Network) -> Self {
        let first = key.first_account();
        let mut w = Wallet {
            key,
            network,
            accounts: Vec::new(),
            shared: None,
            openers: Vec::new(),
            ledger: Ledger::default(),
            assets: AssetBook::default(),
            size_hints: HashMap::new(),
        };
        w.add_account(first);
        w
    }

    /// Opens account `index` (its payments are found from the next block on). A
    /// watch-only wallet has its viewing key's account only.
    pub fn open_account(&mut self, index: u64) -> Result<(), WalletError> {
        if self.accounts.iter().any(|a| a.index() == index) {
            return Ok(());
        }
        let keys = self.key.account(index)?;
        self.add_account(keys);
        Ok(())
    }

    fn add_account(&mut self, keys: AccountKeys) {
        let opener = NoteOpener::new(keys.encryption_secret().expose());
        self.openers.push((Owner::Account(keys.index()), opener));
        self.accounts.push(keys);
    }

    /// Whether the wallet holds a viewing key only.
    pub fn is_watch_only(&self) -> bool {
        matches!(self.key, WalletKey::Viewing(_))
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The keys of account `index`.
    pub fn account(&self, index: u64) -> Result<&AccountKeys, WalletError> {
        self.accounts
            .iter()
            .find(|a| a.index() == index)
            .ok_or(WalletError::UnknownAccount(index))
    }

    /// The address of an account, or of the shared account.
    pub fn address(&self, owner: Owner) -> Result<Address, WalletError> {
        match owner {
            Owner::Account(n) => Ok(self.account(n)?.address(self.network)),
            Owner::Shared => Ok(self.shared()?.address(self.network)),
        }
    }

    /// The flavor that account `account` issues under `metadata`.
    pub fn flavor(&self, account: u64, metadata: &[u8]) -> Result<Scalar, WalletError> {
        let issuer = self.account(account)?.issuer_public_key()?;
        Ok(issue_flavor(issuer.as_compressed(), metadata))
    }

    /// The chain tip the wallet is at.
    pub fn tip(&self) -> Option<&Checkpoint> {
        self.ledger.tip.as_ref()
    }

    /// The ledger (outputs, pending transactions, requests), read-only.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The names of flavors the wallet has seen.
    pub fn assets(&self) -> &AssetBook {
        &self.assets
    }

    /// Learns a flavor's name from a source other than a note (the bridge names the
    /// assets it imports); returns whether it was new.
    pub fn learn_asset_name(&mut self, name: &crate::note::AssetName) -> bool {
        self.assets.learn(&name.flavor(), name)
    }

    /// The name of `flavor` (its issuance metadata as text, or hex), if known.
    pub fn flavor_name(&self, flavor: &Scalar) -> Option<String> {
        self.assets
            .name(flavor)
            .map(crate::note::AssetName::display)
    }

    /// The balance of `owner` in `flavor`.
    pub fn balance(&self, owner: Owner, flavor: Scalar) -> Balance {
        self.ledger.balance(owner, flavor)
    }

    /// Creates an output of account `account` for the initial UTXO set.
    pub fn genesis_output<R: RngCore + CryptoRng>(
        &self,
        account: u64,
        qty: u64,
        flavor: Scalar,
        rng: &mut R,
    ) -> Result<GenesisOutput, WalletError> {
        let opening = Opening::random(KeyKind::Address, qty, flavor, rng);
        let tweak = random_scalar(rng);
        let owner = Owner::Account(account);
        let predicate = self.payment_point(owner, &opening, &tweak)?;
        let mut anchor = [0u8; 32];
        rng.fill_bytes(&mut anchor);
        let anchor = Anchor(anchor);
        let id = crate::ledger::contract(Predicate::opaque(predicate), &opening, anchor).id();
        Ok(GenesisOutput {
            output: OwnedOutput {
                id,
                owner,
                opening,
                tweak,
                predicate,
                anchor,
                proof: Proof::Transient,
                height: 1,
                reserved_by: None,
            },
        })
    }

    /// Starts the wallet at a network's initial state, with the initial outputs it
    /// owns and their proofs (from [`ChainState::start`]).
    pub fn start(&mut self, initial: &ChainState, owned: Vec<(GenesisOutput, Proof)>) {
        self.start_at(Checkpoint::of_state(initial));
        for (g, proof) in owned {
            let mut o = g.output;
            o.proof = proof;
            self.ledger.outputs.insert(o.id, o);
        }
    }

    /// The shared account.
    pub(crate) fn shared(&self) -> Result<&SharedAccount, WalletError> {
        self.shared.as_ref().ok_or(WalletError::NoSharedAccount)
    }

    /// The control key point of `owner`.
    fn control_point(&self, owner: Owner) -> Result<RistrettoPoint, WalletError> {
        match owner {
            Owner::Account(n) => Ok(*self.account(n)?.control_public_key().as_point()),
            Owner::Shared => Ok(*self.shared()?.control_key().as_point()),
        }
    }

    /// The predicate point of an output of `owner` with `opening` and `tweak`.
    pub(crate) fn payment_point(
        &self,
        owner: Owner,
        opening: &Opening,
        tweak: &Scalar,
    ) -> Result<CompressedRistretto, WalletError> {
        match (opening.key, owner) {
            (KeyKind::Address, _) => {
                Ok((self.control_point(owner)? + RistrettoPoint::mul_base(tweak)).compress())
            }
            (KeyKind::Request(i), Owner::Account(n)) => {
                Ok(*self.account(n)?.request_public_key(i).as_compressed())
            }
            (KeyKind::Request(_), Owner::Shared) => Err(WalletError::Malformed {
                what: "request key of a shared account",
            }),
        }
    }

    /// The predicate of an owned output, holding its signing key when this wallet
    /// holds it alone (shared outputs stay opaque: they sign through MuSig2; so do
    /// the outputs of a watch-only wallet, signed offline).
    pub(crate) fn spending_predicate(&self, o: &OwnedOutput) -> Result<Predicate, WalletError> {
        let Owner::Account(n) = o.owner else {
            return Ok(Predicate::opaque(o.predicate));
        };
        let account = self.account(n)?;
        if account.is_watch_only() {
            return Ok(Predicate::opaque(o.predicate));
        }
        let key = match o.opening.key {
            KeyKind::Address => SigningKey::new(account.control_key()?.as_scalar() + o.tweak),
            KeyKind::Request(i) => account.request_key(i)?,
        };
        Ok(Predicate::from_signing_key(key))
    }

    /// The issuer predicate of account `n`: with its key, or opaque in a watch-only
    /// wallet (the offline signer signs for it).
    pub(crate) fn issuer_predicate(&self, n: u64) -> Result<Predicate, WalletError> {
        let account = self.account(n)?;
        if account.is_watch_only() {
            Ok(Predicate::opaque(
                *account.issuer_public_key()?.as_compressed(),
            ))
        } else {
            Ok(Predicate::from_signing_key(account.issuer_key()?))
        }
    }

    /// The contract of an owned output, ready to spend.
    pub(crate) fn spendable_contract(&self, o: &OwnedOutput) -> Result<Contract, WalletError> {
        Ok(o.contract(self.spending_predicate(o)?))
    }

    /// This wallet's public custody key (account 0), for a 2-of-2 account.
    pub fn custody_public_key(&self) -> Result<VerificationKey, WalletError> {
        self.account(0)?.custody_public_key()
    }

    /// Joins the 2-of-2 account of this wallet's custody key and `partner`'s.
    pub fn join_shared(&mut self, partner: VerificationKey) -> Result<Address, WalletError> {
        let shared = SharedAccount::new(self.account(0)?.custody_key()?, partner)?;
        self.openers.retain(|(o, _)| *o != Owner::Shared);
        self.openers.push((
            Owner::Shared,
            NoteOpener::new(shared.view_secret().expose()),
        ));
        let address = shared.address(self.network);
        self.shared = Some(shared);
        Ok(address)
    }
}
