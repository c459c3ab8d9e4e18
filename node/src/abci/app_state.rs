//! The genesis of a network under CometBFT: the `app_state` of CometBFT's
//! `genesis.json`, and `zkvm-node abci genesis`, which makes it.
//!
//! The app state is `{"genesis": "<hex>"}`, the hex of a [`Genesis`] (start time,
//! initial outputs, and a key that signed the initial header only: under CometBFT
//! no block after it carries a producer's signature). The command funds one key
//! with `outputs` outputs of `qty` units of flavor zero ([`funding_contract`]) and
//! writes that key beside the app state, so its holder can spend them.

use crate::clock::now_ms;
use crate::devnet::{funding_contract, FUNDING_KEY_FILE};
use crate::error::NodeError;
use crate::genesis::Genesis;
use crate::keys::{read_secret, write_secret};
use musig::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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

/// Writes `app_state.json` and the funding key into `dir` (created if needed): a
/// genesis at `timestamp_ms` (now if absent) of `outputs` funding outputs of `qty`.
/// Refuses a directory that already holds a funding key, so a key is never lost.
pub fn make(
    dir: &Path,
    outputs: u64,
    qty: u64,
    timestamp_ms: Option<u64>,
) -> Result<Made, NodeError> {
    std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
    if read_secret(dir, FUNDING_KEY_FILE)?.is_some() {
        return Err(NodeError::AlreadyInitialized(dir.to_path_buf()));
    }
    let funding = SigningKey::random(&mut rand_core::OsRng);
    // Signs the initial header and is forgotten: nothing else needs it.
    let signer = SigningKey::random(&mut rand_core::OsRng);
    let utxos = (0..outputs)
        .map(|i| funding_contract(&funding, i, qty).id())
        .collect();
    let genesis = Genesis::new(timestamp_ms.unwrap_or_else(now_ms), utxos, &signer)?;
    let funding_key = dir.join(FUNDING_KEY_FILE);
    write_secret(&funding_key, &funding)?;
    let app_state = dir.join(APP_STATE_FILE);
    let json = serde_json::to_vec_pretty(&AppState::new(&genesis)).expect("plain data");
    std::fs::write(&app_state, json).map_err(|e| NodeError::io(&app_state, e))?;
    Ok(Made {
        app_state,
        funding_key,
        genesis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_state_round_trips_and_funds_the_written_key() {
        let dir = tempfile::tempdir().unwrap();
        let made = make(dir.path(), 3, 50, Some(1_000)).unwrap();
        let json = std::fs::read(&made.app_state).unwrap();
        let genesis = AppState::from_json(&json).unwrap();
        assert_eq!(genesis, made.genesis);
        assert_eq!(genesis.timestamp_ms, 1_000);
        let key = read_secret(dir.path(), FUNDING_KEY_FILE).unwrap().unwrap();
        assert_eq!(genesis.utxos[2], funding_contract(&key, 2, 50).id());
        assert!(matches!(
            make(dir.path(), 3, 50, None),
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
