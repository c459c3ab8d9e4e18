//! Storage: the wallet's state as bytes, behind a trait the node implements.
//!
//! The state is `network (1) || LE32 account count || LE64 account indices ||
//! partner flag (1) [|| partner custody key (32)] || ledger [|| asset names]`; the
//! asset names ([`crate::assets`]) are written only when there is at least one. The root key is not in
//! it: the caller brings the root to open a state. The state holds openings, so
//! [`Wallet::save`] seals it: `"zkw1" || nonce (12) || ChaCha20-Poly1305(k, nonce,
//! state)`, with `k` from `Transcript("ZkVM.wallet.storage")` over the root key.
//! [`Wallet::state_bytes`] gives the plain bytes to a caller that asks for them. A
//! watch-only wallet seals its state under a key from its incoming viewing key
//! (`Transcript("ZkVM.wallet.storage")`, `append("viewing key", body)`).

use crate::address::Network;
use crate::assets::AssetBook;
use crate::errors::WalletError;
use crate::keys::WalletKey;
use crate::ledger::Ledger;
use crate::wallet::Wallet;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use encoding::{Reader, Writer};
use merlin::Transcript;
use musig::VerificationKey;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

const SEALED_TAG: &[u8; 4] = b"zkw1";

/// Where a wallet's sealed state lives. One call to [`WalletStore::store`] replaces
/// the whole state, so a crash leaves either the old state or the new one.
pub trait WalletStore {
    /// The stored bytes, if any.
    fn load(&self) -> Result<Option<Vec<u8>>, WalletError>;
    /// Replaces the stored bytes.
    fn store(&mut self, bytes: Vec<u8>) -> Result<(), WalletError>;
}

/// A store in memory (tests, examples, short-lived wallets).
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    bytes: Option<Vec<u8>>,
}

impl WalletStore for MemoryStore {
    fn load(&self) -> Result<Option<Vec<u8>>, WalletError> {
        Ok(self.bytes.clone())
    }

    fn store(&mut self, bytes: Vec<u8>) -> Result<(), WalletError> {
        self.bytes = Some(bytes);
        Ok(())
    }
}

/// The cipher of a wallet's sealed state: keyed by the root, or by the incoming
/// viewing key of a watch-only wallet.
fn storage_cipher(key: &WalletKey) -> ChaCha20Poly1305 {
    let mut t = Transcript::new(b"ZkVM.wallet.storage");
    match key {
        WalletKey::Root(root) => t.append_message(b"root", &root.to_bytes()[..]),
        WalletKey::Viewing(view) => t.append_message(b"viewing key", &view.incoming().to_bytes()),
    }
    let mut key = Zeroizing::new([0u8; 32]);
    t.challenge_bytes(b"key", &mut key[..]);
    ChaCha20Poly1305::new(Key::from_slice(&key[..]))
}

impl Wallet {
    /// The state in plain bytes (openings included): only for a caller that asks.
    pub fn state_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Zeroizing::new(Vec::new());
        w.write_u8(self.network.to_byte());
        w.write_u32(self.accounts.len() as u32);
        for a in &self.accounts {
            w.write_u64(a.index());
        }
        match &self.shared {
            None => w.write_u8(0),
            Some(s) => {
                w.write_u8(1);
                w.write_bytes(s.partner().as_bytes());
            }
        }
        self.ledger.encode(&mut w);
        // Written only when there is a name, so that states from before names exist
        // still open and each state has one encoding.
        if !self.assets.is_empty() {
            self.assets.encode(&mut w);
        }
        w
    }

    /// A wallet of `key` (a root, or a viewing key) from plain state bytes.
    pub fn from_state_bytes(
        key: impl Into<WalletKey>,
        bytes: &[u8],
    ) -> Result<Wallet, WalletError> {
        let key = key.into();
        Reader::parse(bytes, |r| {
            let network = Network::from_byte(r.read_u8()?)?;
            let mut wallet = Wallet::with_key(key, network);
            for _ in 0..r.read_count(8)? {
                wallet.open_account(r.read_u64()?)?;
            }
            match r.read_u8()? {
                0 => {}
                1 => {
                    let partner = VerificationKey::from_bytes(r.read_bytes(32)?)?;
                    wallet.join_shared(partner)?;
                }
                _ => {
                    return Err(WalletError::Malformed {
                        what: "shared flag",
                    })
                }
            }
            wallet.ledger = Ledger::decode(r)?;
            if r.remaining() > 0 {
                wallet.assets = AssetBook::decode(r)?;
                if wallet.assets.is_empty() {
                    return Err(WalletError::Malformed {
                        what: "empty asset names",
                    });
                }
            }
            Ok(wallet)
        })
    }

    /// The state sealed under a key derived from the root.
    pub fn sealed_state<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rng.fill_bytes(&mut nonce);
        let plain = self.state_bytes();
        let sealed = storage_cipher(&self.key)
            .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
            .expect("ChaCha20-Poly1305 encrypts states below 256 GiB");
        let mut out = Vec::with_capacity(4 + 12 + sealed.len());
        out.extend_from_slice(SEALED_TAG);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// A wallet of `key` (a root, or a viewing key) from a sealed state.
    pub fn from_sealed(key: impl Into<WalletKey>, sealed: &[u8]) -> Result<Wallet, WalletError> {
        let key = key.into();
        if sealed.len() < 16 + 16 || &sealed[..4] != SEALED_TAG {
            return Err(WalletError::Malformed {
                what: "sealed state",
            });
        }
        let plain = storage_cipher(&key)
            .decrypt(Nonce::from_slice(&sealed[4..16]), &sealed[16..])
            .map_err(|_| WalletError::StateKey)?;
        let plain = Zeroizing::new(plain);
        Wallet::from_state_bytes(key, &plain)
    }

    /// Seals the state into `store`.
    pub fn save<S: WalletStore, R: RngCore + CryptoRng>(
        &self,
        store: &mut S,
        rng: &mut R,
    ) -> Result<(), WalletError> {
        store.store(self.sealed_state(rng))
    }

    /// Opens the wallet of `key` (a root, or a viewing key) stored in `store`, if
    /// there is one.
    pub fn load<S: WalletStore>(
        key: impl Into<WalletKey>,
        store: &S,
    ) -> Result<Option<Wallet>, WalletError> {
        match store.load()? {
            None => Ok(None),
            Some(bytes) => Wallet::from_sealed(key, &bytes).map(Some),
        }
    }
}
