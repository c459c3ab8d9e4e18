//! The genesis of a network under CometBFT: the `app_state` of CometBFT's
//! `genesis.json`, and `zkvm-node abci genesis`, which makes it.
//!
//! The app state is `{"genesis": "<hex>"}`, the hex of a [`Genesis`] (start time,
//! initial outputs, and a key that signed the initial header only: under CometBFT
//! no block after it carries a producer's signature). The command funds one key
//! with `outputs` outputs of `qty` units of flavor zero
//! ([`crate::devnet::funding_contract`]) and writes that key beside the app state, so
//! its holder can spend them; optionally it also funds a wallet, stored beside them.

use crate::clock::now_ms;
use crate::devnet::{fund_genesis, DevnetConfig, FUNDING_KEY_FILE};
use crate::error::NodeError;
use crate::genesis::{Consensus, Genesis};
use crate::keys::{read_secret, write_secret};
use crate::wallets::{self, LocalWallet, WalletDir};
use keytree::Xprv;
use musig::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wallet::Wallet;
use zeroize::Zeroizing;

/// The file of the app state the command writes.
pub const APP_STATE_FILE: &str = "app_state.json";

/// The `app_state` object of CometBFT's genesis file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppState {
    /// The hex of the encoded [`Genesis`].
    pub genesis: String,
}

impl AppState {
    /// The app state of `genesis`.
    pub fn new(genesis: &Genesis) -> AppState {
        AppState {
            genesis: hex::encode(genesis.to_bytes()),
        }
    }

    /// Reads the JSON CometBFT hands to `InitChain` (`app_state_bytes`).
    pub fn from_json(bytes: &[u8]) -> Result<Genesis, NodeError> {
        let state: AppState = serde_json::from_slice(bytes).map_err(|e| NodeError::Invalid {
            what: "app state",
            reason: e.to_string(),
        })?;
        Genesis::from_bytes(&NodeError::decode_hex("app state genesis", &state.genesis)?)
    }
}

/// What `abci genesis` made.
#[derive(Clone, Debug)]
pub struct Made {
    /// The app state file.
    pub app_state: PathBuf,
    /// The key that owns the initial outputs (file of mode 0600).
    pub funding_key: PathBuf,
    /// The genesis.
    pub genesis: Genesis,
}

/// A wallet the genesis funds, stored sealed in `wallets.redb` beside the app state.
#[derive(Clone)]
pub struct GenesisWallet {
    /// Its name.
    pub name: String,
    /// The passphrase that seals it.
    pub passphrase: Zeroizing<Vec<u8>>,
    /// How many initial outputs (of the funding outputs' quantity) it receives.
    pub outputs: u64,
}

impl core::fmt::Debug for GenesisWallet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GenesisWallet")
            .field("name", &self.name)
            .field("outputs", &self.outputs)
            .finish_non_exhaustive()
    }
}

/// What a genesis made by [`make`] holds.
#[derive(Clone, Debug)]
pub struct GenesisSpec {
    /// How many initial outputs the funding key receives.
    pub outputs: u64,
    /// Units of flavor zero in each (and in each of the wallet's).
    pub qty: u64,
    /// The genesis time, ms since the Unix epoch (now if absent).
    pub timestamp_ms: Option<u64>,
    /// The funding key (a random one if absent; a benchmark that caches payments
    /// made from it gives its own).
    pub funding: Option<SigningKey>,
    /// A wallet the genesis funds too.
    pub wallet: Option<GenesisWallet>,
}

impl Default for GenesisSpec {
    fn default() -> Self {
        GenesisSpec {
            outputs: 256,
            qty: 1_000_000,
            timestamp_ms: None,
            funding: None,
            wallet: None,
        }
    }
}

/// Writes `app_state.json` and the funding key into `dir` (created if needed): a
/// genesis of `spec.outputs` funding outputs and, with `spec.wallet`, that many
/// outputs of a new wallet stored in `dir/wallets.redb`. Refuses a directory that
/// already holds a funding key, so a key is never lost.
pub fn make(dir: &Path, spec: &GenesisSpec) -> Result<Made, NodeError> {
    std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
    if read_secret(dir, FUNDING_KEY_FILE)?.is_some() {
        return Err(NodeError::AlreadyInitialized(dir.to_path_buf()));
    }
    let funding = spec
        .funding
        .clone()
        .unwrap_or_else(|| SigningKey::random(&mut rand_core::OsRng));
    // Signs the initial header and is forgotten: nothing else needs it.
    let signer = SigningKey::random(&mut rand_core::OsRng);
    let config = DevnetConfig {
        funding_outputs: spec.outputs,
        funding_qty: spec.qty,
    };
    let root = Xprv::random(&mut rand_core::OsRng);
    let mut funded = Wallet::new(root.clone(), wallets::NETWORK);
    let (genesis, initial) = fund_genesis(
        spec.timestamp_ms.unwrap_or_else(now_ms),
        &signer,
        &funding,
        &config,
        &mut [&mut funded],
        spec.wallet.as_ref().map_or(0, |w| w.outputs),
    )?;
    let funding_key = dir.join(FUNDING_KEY_FILE);
    write_secret(&funding_key, &funding)?;
    if let Some(w) = &spec.wallet {
        let local = LocalWallet::from_parts(root, funded, initial, Consensus::CometBft);
        WalletDir::open(dir)?.save(&w.name, &w.passphrase, &local)?;
    }
    let app_state = dir.join(APP_STATE_FILE);
    let json = serde_json::to_vec_pretty(&AppState::new(&genesis)).expect("plain data");
    std::fs::write(&app_state, json).map_err(|e| NodeError::io(&app_state, e))?;
    Ok(Made {
        app_state,
        funding_key,
        genesis,
    })
}

/// Sets `app_state` in a CometBFT genesis file, keeping everything else.
pub fn write_into(file: &Path, state: &AppState) -> Result<(), NodeError> {
    let text = std::fs::read(file).map_err(|e| NodeError::io(file, e))?;
    let mut json: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| NodeError::Invalid {
            what: "CometBFT genesis",
            reason: format!("{}: {e}", file.display()),
        })?;
    let object = json.as_object_mut().ok_or(NodeError::Invalid {
        what: "CometBFT genesis",
        reason: format!("{} is not a JSON object", file.display()),
    })?;
    object.insert(
        "app_state".into(),
        serde_json::to_value(state).expect("plain data"),
    );
    let out = serde_json::to_vec_pretty(&json).expect("a JSON value");
    std::fs::write(file, out).map_err(|e| NodeError::io(file, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_state_round_trips_and_funds_the_written_key() {
        let dir = tempfile::tempdir().unwrap();
        let spec = GenesisSpec {
            outputs: 3,
            qty: 50,
            timestamp_ms: Some(1_000),
            ..GenesisSpec::default()
        };
        let made = make(dir.path(), &spec).unwrap();
        let json = std::fs::read(&made.app_state).unwrap();
        let genesis = AppState::from_json(&json).unwrap();
        assert_eq!(genesis, made.genesis);
        assert_eq!(genesis.timestamp_ms, 1_000);
        let key = read_secret(dir.path(), FUNDING_KEY_FILE).unwrap().unwrap();
        assert_eq!(
            genesis.utxos[2],
            crate::devnet::funding_contract(&key, 2, 50).id()
        );
        assert!(matches!(
            make(dir.path(), &spec),
            Err(NodeError::AlreadyInitialized(_))
        ));
    }

    #[test]
    fn a_malformed_app_state_is_an_error() {
        for bad in [
            &b"{}"[..],
            b"not json",
            br#"{"genesis":"zz"}"#,
            br#"{"genesis":"00"}"#,
        ] {
            assert!(AppState::from_json(bad).is_err(), "{bad:?}");
        }
    }
}
