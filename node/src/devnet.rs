//! A devnet's data directory: the producer's key, the funding key, and the genesis
//! whose initial outputs all belong to the funding key.
//!
//! The funding outputs are derived from the funding key, so whoever holds the key
//! can rebuild them with their openings ([`funding_contract`]): output `i` holds
//! `qty` units of flavor zero, its commitments blinded with factors drawn from the
//! transcript `ZkVM.devnet.funding` (the secret key, `i`), its anchor from the same
//! transcript.
//!
//! Files: `producer.key` and `funding.key` hold a secret key as hex and are created
//! with mode 0600 (readable by the owner only; they are not encrypted);
//! `devnet.json` records the public parameters; `chain.redb` is the store;
//! `wallets.redb` holds the funded wallet of `zkvm-node init`, sealed with its
//! passphrase ([`crate::wallets`]).

use crate::clock::now_ms;
use crate::error::NodeError;
use crate::genesis::Genesis;
use crate::keys::write_secret;
use crate::store::Store;
use blockchain::ChainState;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use musig::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::Path;
use wallet::Wallet;
use zeroize::Zeroizing;
use zkvm::{Anchor, Commitment, Contract, ContractId, PortableItem, Predicate, Value};

/// The producer's secret key file.
pub const PRODUCER_KEY_FILE: &str = "producer.key";
/// The funding secret key file.
pub const FUNDING_KEY_FILE: &str = "funding.key";
/// The public parameters of the devnet.
pub const DEVNET_FILE: &str = "devnet.json";

/// What `init` makes.
#[derive(Clone, Copy, Debug)]
pub struct DevnetConfig {
    /// How many initial outputs the funding key receives.
    pub funding_outputs: u64,
    /// Units of flavor zero in each of them.
    pub funding_qty: u64,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        DevnetConfig {
            funding_outputs: 1_200,
            funding_qty: 1_000_000,
        }
    }
}

/// The public record of a devnet (`devnet.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevnetInfo {
    /// How many funding outputs the genesis holds (they are its first outputs).
    pub funding_outputs: u64,
    /// Units in each.
    pub funding_qty: u64,
    /// The funding key's verification key, hex.
    pub funding_key: String,
    /// The producer's verification key, hex.
    pub producer_key: String,
    /// The ID of the initial block, hex.
    pub genesis_block: String,
}

/// Creates a devnet in `dir`: keys, genesis, store. Refuses a directory that holds a
/// store already.
pub fn init(dir: &Path, config: &DevnetConfig) -> Result<DevnetInfo, NodeError> {
    init_with_wallets(dir, config, &mut [], 0).map(|(info, _)| info)
}

/// Like [`init`], and the genesis also funds `wallets`: after the funding key's
/// outputs, each wallet receives `per_wallet` outputs of `config.funding_qty` units
/// of flavor zero (made by [`Wallet::genesis_output`], so the wallet holds their
/// openings), and is started at the initial state with them and their proofs.
/// Returns the initial state too.
pub fn init_with_wallets(
    dir: &Path,
    config: &DevnetConfig,
    wallets: &mut [&mut Wallet],
    per_wallet: u64,
) -> Result<(DevnetInfo, ChainState), NodeError> {
    if Store::exists(dir) {
        return Err(NodeError::AlreadyInitialized(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
    let producer = SigningKey::random(&mut rand_core::OsRng);
    let funding = SigningKey::random(&mut rand_core::OsRng);
    let (genesis, initial) =
        fund_genesis(now_ms(), &producer, &funding, config, wallets, per_wallet)?;
    write_secret(&dir.join(PRODUCER_KEY_FILE), &producer)?;
    write_secret(&dir.join(FUNDING_KEY_FILE), &funding)?;
    let store = Store::create(dir, &genesis)?;
    let info = DevnetInfo {
        funding_outputs: config.funding_outputs,
        funding_qty: config.funding_qty,
        funding_key: hex::encode(funding.verification_key().as_bytes()),
        producer_key: hex::encode(producer.verification_key().as_bytes()),
        genesis_block: store.load_state()?.initial().id().to_string(),
    };
    let json = serde_json::to_vec_pretty(&info).expect("plain data serializes");
    let path = dir.join(DEVNET_FILE);
    std::fs::write(&path, json).map_err(|e| NodeError::io(path, e))?;
    Ok((info, initial))
}

/// A genesis at `timestamp_ms` signed by `signer`: first `config.funding_outputs`
/// outputs of `funding` ([`funding_contract`]), then `per_wallet` outputs of
/// `config.funding_qty` units of flavor zero for each of `wallets` (made by
/// [`Wallet::genesis_output`], so each wallet holds their openings), which are
/// started at the initial state with them and their proofs. Returns the initial
/// state too.
pub fn fund_genesis(
    timestamp_ms: u64,
    signer: &SigningKey,
    funding: &SigningKey,
    config: &DevnetConfig,
    wallets: &mut [&mut Wallet],
    per_wallet: u64,
) -> Result<(Genesis, ChainState), NodeError> {
    let mut utxos: Vec<ContractId> = (0..config.funding_outputs)
        .map(|i| funding_contract(funding, i, config.funding_qty).id())
        .collect();
    let mut seeds = Vec::with_capacity(wallets.len());
    for w in wallets.iter() {
        let outputs = (0..per_wallet)
            .map(|_| w.genesis_output(0, config.funding_qty, Scalar::ZERO, &mut rand_core::OsRng))
            .collect::<Result<Vec<_>, _>>()?;
        utxos.extend(outputs.iter().map(|o| o.id()));
        seeds.push(outputs);
    }
    let genesis = Genesis::new(timestamp_ms, utxos, signer)?;
    let (initial, _, proofs) = genesis.start()?;
    let mut proofs = proofs.into_iter().skip(config.funding_outputs as usize);
    for (w, outputs) in wallets.iter_mut().zip(seeds) {
        let owned = outputs.into_iter().zip(proofs.by_ref()).collect();
        w.start(&initial, owned);
    }
    Ok((genesis, initial))
}

/// Reads `devnet.json` of `dir`.
pub fn read_info(dir: &Path) -> Result<DevnetInfo, NodeError> {
    let path = dir.join(DEVNET_FILE);
    let bytes = std::fs::read(&path).map_err(|e| NodeError::io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| NodeError::Invalid {
        what: "devnet.json",
        reason: e.to_string(),
    })
}

/// The funding output `index` of `key`, with its openings and its key, ready to spend.
pub fn funding_contract(key: &SigningKey, index: u64, qty: u64) -> Contract {
    let mut t = Transcript::new(b"ZkVM.devnet.funding");
    t.append_message(b"key", key.to_bytes().as_slice());
    t.append_u64(b"index", index);
    let mut anchor = [0u8; 32];
    t.challenge_bytes(b"anchor", &mut anchor);
    let qty_blinding = challenge_scalar(&mut t, b"qty");
    let flv_blinding = challenge_scalar(&mut t, b"flv");
    Contract {
        predicate: Predicate::from_signing_key(key.clone()),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded_with_factor(qty, qty_blinding),
            flv: Commitment::blinded_with_factor(Scalar::ZERO, flv_blinding),
        })],
        anchor: Anchor(anchor),
    }
}

fn challenge_scalar(t: &mut Transcript, label: &'static [u8]) -> Scalar {
    let mut wide = Zeroizing::new([0u8; 64]);
    t.challenge_bytes(label, wide.as_mut_slice());
    Scalar::from_bytes_mod_order_wide(&wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::read_secret;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn init_writes_private_keys_and_a_genesis_of_funding_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let config = DevnetConfig {
            funding_outputs: 4,
            funding_qty: 10,
        };
        let info = init(dir.path(), &config).unwrap();
        assert_eq!(read_info(dir.path()).unwrap(), info);
        for file in [PRODUCER_KEY_FILE, FUNDING_KEY_FILE] {
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let funding = read_secret(dir.path(), FUNDING_KEY_FILE).unwrap().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let genesis = store.genesis().unwrap();
        let rebuilt: Vec<_> = (0..4)
            .map(|i| funding_contract(&funding, i, 10).id())
            .collect();
        assert_eq!(genesis.utxos, rebuilt);
        assert!(matches!(
            init(dir.path(), &config),
            Err(NodeError::AlreadyInitialized(_))
        ));
    }
}
