//! Validator keys for the L1: secp256k1 keys that sign withdrawals, checkpoints and
//! validator handovers. A key lives in a file of mode 0600 holding its 32 bytes in
//! hex; its public face is its Ethereum address.

use crate::errors::BridgeError;
use crate::signatures::EthSignature;
use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use rand_core::{CryptoRng, RngCore};
use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use zeroize::Zeroizing;

/// A validator's secp256k1 key. The secret is wiped on drop (the signer's key
/// type zeroizes itself) and never printed.
#[derive(Clone)]
pub struct ValidatorKey {
    signer: PrivateKeySigner,
}

impl fmt::Debug for ValidatorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValidatorKey({})", self.address())
    }
}

impl ValidatorKey {
    /// A fresh key from `rng`.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            rng.fill_bytes(bytes.as_mut());
            // Fails only for zero or a value above the group order (about 2^-128).
            if let Ok(key) = Self::from_bytes(bytes.as_ref()) {
                return key;
            }
        }
    }

    /// The key of 32 big-endian secret bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BridgeError> {
        let signer = PrivateKeySigner::from_slice(bytes).map_err(|_| BridgeError::Malformed {
            what: "validator secret key",
        })?;
        Ok(ValidatorKey { signer })
    }

    /// The Ethereum address of the key.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// The signer alloy sends transactions with.
    pub fn signer(&self) -> &PrivateKeySigner {
        &self.signer
    }

    /// Signs a 32-byte digest as it is (no message prefix), as the contract checks.
    pub fn sign_digest(&self, digest: &B256) -> Result<EthSignature, BridgeError> {
        let sig = self
            .signer
            .sign_hash_sync(digest)
            .map_err(|e| BridgeError::InvalidSignature(e.to_string()))?;
        Ok(EthSignature::from_alloy(&sig))
    }

    /// Writes the key to a new file of mode 0600; never overwrites a file.
    pub fn save(&self, path: &Path) -> Result<(), BridgeError> {
        let text = Zeroizing::new(format!("{}\n", hex::encode(self.signer.to_bytes())));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| key_file(path, format!("cannot create it ({e}); choose a new path")))?;
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| key_file(path, format!("cannot write it ({e})")))
    }

    /// Reads a key file; refuses one that others may read.
    pub fn load(path: &Path) -> Result<Self, BridgeError> {
        let meta =
            std::fs::metadata(path).map_err(|e| key_file(path, format!("cannot read it ({e})")))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(key_file(
                path,
                "others may read it: run chmod 600 on it".to_string(),
            ));
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| key_file(path, format!("cannot read it ({e})")))?,
        );
        let bytes = Zeroizing::new(
            hex::decode(text.trim())
                .map_err(|_| key_file(path, "it does not hold a hex key".to_string()))?,
        );
        Self::from_bytes(&bytes)
            .map_err(|_| key_file(path, "it does not hold a 32-byte secp256k1 key".to_string()))
    }
}

fn key_file(path: &Path, message: String) -> BridgeError {
    BridgeError::KeyFile {
        path: path.display().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_key_loads_with_mode_0600_and_the_same_address() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("validator.key");
        let key = ValidatorKey::generate(&mut rand_core::OsRng);
        key.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(ValidatorKey::load(&path).unwrap().address(), key.address());
        // Never overwritten.
        assert!(matches!(key.save(&path), Err(BridgeError::KeyFile { .. })));
    }

    #[test]
    fn a_key_file_others_can_read_or_holding_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("open.key");
        ValidatorKey::generate(&mut rand_core::OsRng)
            .save(&path)
            .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = ValidatorKey::load(&path).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
        let junk = dir.path().join("junk.key");
        std::fs::write(&junk, "not hex\n").unwrap();
        std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(ValidatorKey::load(&junk).is_err());
    }

    #[test]
    fn debug_shows_the_address_not_the_secret() {
        let key = ValidatorKey::from_bytes(&[7u8; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.address().to_string()));
        assert!(!shown.contains(&hex::encode([7u8; 32])));
    }

    #[test]
    fn the_address_is_the_one_ethereum_derives() {
        // The secret 1 has a well-known address.
        let mut one = [0u8; 32];
        one[31] = 1;
        let key = ValidatorKey::from_bytes(&one).unwrap();
        assert_eq!(
            key.address().to_string().to_lowercase(),
            "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
        );
    }
}
