//! Sealing a byte blob with a passphrase: the wallet records' encryption at rest.
//!
//! Format: `"ZKSEAL" || version (1) || salt (16) || nonce (12) || ciphertext || tag
//! (16)`. The key is Argon2id of the passphrase and the salt, with the parameters of
//! the version; the cipher is ChaCha20-Poly1305 with the first 35 bytes as associated
//! data, so the header cannot be altered either.
//!
//! | version | Argon2id memory | passes | lanes |
//! | --- | --- | --- | --- |
//! | 1 (opened, never written) | 19 MiB | 2 | 1 |
//! | 2 (written) | 64 MiB | 3 | 1 |
//!
//! Version 2 is the target of issue 34: about three times the memory and 1.5 times
//! the passes of the OWASP minimum, so each passphrase guessed offline costs some
//! 0.2 s and 64 MiB. A blob of version 1 still opens; [`SealKey::is_current`] tells
//! the caller to seal it again, which derives a key with the new parameters. A key
//! derived once is kept ([`SealKey`]) so that one command derives once: every seal
//! with it draws a fresh nonce (random 96-bit nonces are safe for far more seals
//! than a wallet makes under one salt).

use crate::error::NodeError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

const MAGIC: &[u8; 6] = b"ZKSEAL";
/// The version [`seal`] writes.
pub const VERSION: u8 = 2;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = MAGIC.len() + 1 + SALT_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;

/// Argon2id's memory (KiB) and passes for each version.
fn parameters(version: u8) -> Option<(u32, u32)> {
    match version {
        1 => Some((19 * 1024, 2)),
        2 => Some((64 * 1024, 3)),
        _ => None,
    }
}

/// A key derived from a passphrase and a salt, kept to seal again without deriving.
pub struct SealKey {
    key: Zeroizing<[u8; 32]>,
    salt: [u8; SALT_LEN],
    version: u8,
}

impl core::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealKey")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl SealKey {
    /// A key of the current version under a fresh salt.
    pub fn new(passphrase: &[u8]) -> Result<SealKey, NodeError> {
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        SealKey::derive(passphrase, salt, VERSION)
    }

    fn derive(passphrase: &[u8], salt: [u8; SALT_LEN], version: u8) -> Result<SealKey, NodeError> {
        let (memory, passes) = parameters(version).ok_or_else(|| NodeError::Invalid {
            what: "sealed blob",
            reason: format!("version {version}, this node reads versions 1 and 2"),
        })?;
        let params = argon2::Params::new(memory, passes, 1, Some(32))
            .map_err(|e| NodeError::KeyDerivation(e.to_string()))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, &salt, key.as_mut_slice())
            .map_err(|e| NodeError::KeyDerivation(e.to_string()))?;
        Ok(SealKey { key, salt, version })
    }

    /// The version of the blob it opened (or will write).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Whether the key has the parameters [`seal`] writes (else seal again under
    /// [`SealKey::new`]).
    pub fn is_current(&self) -> bool {
        self.version == VERSION
    }

    /// Encrypts `plaintext` under this key with a fresh nonce.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, NodeError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.push(self.version);
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &out,
                },
            )
            .map_err(|_| NodeError::KeyDerivation("encryption failed".into()))?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(self.key.as_slice()))
    }
}

/// Encrypts `plaintext` under a key derived from `passphrase` and a fresh salt.
pub fn seal(passphrase: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, NodeError> {
    SealKey::new(passphrase)?.seal(plaintext)
}

/// Decrypts a blob made by [`seal`]; fails with [`NodeError::Unseal`] on a wrong
/// passphrase or any altered byte.
pub fn open(passphrase: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, NodeError> {
    Ok(open_with_key(passphrase, sealed)?.0)
}

/// [`open`], also returning the key, to seal the blob again without deriving it
/// (unless it is of an older version: [`SealKey::is_current`]).
pub fn open_with_key(
    passphrase: &[u8],
    sealed: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, SealKey), NodeError> {
    if sealed.len() < HEADER_LEN + TAG_LEN {
        return Err(NodeError::Invalid {
            what: "sealed blob",
            reason: format!(
                "{} bytes, at least {} needed",
                sealed.len(),
                HEADER_LEN + TAG_LEN
            ),
        });
    }
    let (header, body) = sealed.split_at(HEADER_LEN);
    if &header[..MAGIC.len()] != MAGIC {
        return Err(NodeError::Invalid {
            what: "sealed blob",
            reason: "it does not start with ZKSEAL".into(),
        });
    }
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&header[MAGIC.len() + 1..MAGIC.len() + 1 + SALT_LEN]);
    let nonce = &header[MAGIC.len() + 1 + SALT_LEN..];
    let key = SealKey::derive(passphrase, salt, header[MAGIC.len()])?;
    let plaintext = key
        .cipher()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: header,
            },
        )
        .map_err(|_| NodeError::Unseal)?;
    Ok((Zeroizing::new(plaintext), key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_with_the_passphrase_only() {
        let blob = seal(b"correct horse", b"wallet state").unwrap();
        assert_eq!(blob[MAGIC.len()], VERSION);
        assert_eq!(
            open(b"correct horse", &blob).unwrap().as_slice(),
            b"wallet state"
        );
        assert!(!blob.windows(12).any(|w| w == b"wallet state"));
        assert!(matches!(open(b"wrong", &blob), Err(NodeError::Unseal)));
        assert_ne!(seal(b"correct horse", b"wallet state").unwrap(), blob);
    }

    #[test]
    fn every_altered_byte_is_detected() {
        let blob = seal(b"pw", b"abc").unwrap();
        for at in [0, 6, 7, HEADER_LEN - 1, HEADER_LEN, blob.len() - 1] {
            let mut bad = blob.clone();
            bad[at] ^= 1;
            assert!(open(b"pw", &bad).is_err(), "byte {at}");
        }
        assert!(matches!(
            open(b"pw", &blob[..HEADER_LEN + TAG_LEN - 1]),
            Err(NodeError::Invalid { .. })
        ));
        let mut future = blob.clone();
        future[MAGIC.len()] = 3;
        assert!(matches!(
            open(b"pw", &future),
            Err(NodeError::Invalid { .. })
        ));
    }

    #[test]
    fn an_old_blob_opens_and_its_key_asks_to_seal_again() {
        let old = SealKey::derive(b"pw", [5; SALT_LEN], 1).unwrap();
        assert!(!old.is_current());
        let blob = old.seal(b"state of before").unwrap();
        assert_eq!(blob[MAGIC.len()], 1);
        let (plain, key) = open_with_key(b"pw", &blob).unwrap();
        assert_eq!(plain.as_slice(), b"state of before");
        assert!(!key.is_current());
        let again = SealKey::new(b"pw").unwrap().seal(&plain).unwrap();
        let (_, key) = open_with_key(b"pw", &again).unwrap();
        assert!(key.is_current());
        // A key kept after opening seals again under the same salt, fresh nonce.
        let resealed = key.seal(b"next").unwrap();
        assert_eq!(resealed[..23], again[..23]);
        assert_ne!(resealed[23..35], again[23..35]);
        assert_eq!(open(b"pw", &resealed).unwrap().as_slice(), b"next");
    }
}

/// Blobs of the old version, for the tests of the wallet file.
#[cfg(test)]
pub(crate) mod tests_support {
    /// `plaintext` sealed as version 1 (Argon2id 19 MiB, 2 passes) was.
    pub(crate) fn legacy_seal(passphrase: &[u8], plaintext: &[u8]) -> Vec<u8> {
        super::SealKey::derive(passphrase, [7; super::SALT_LEN], 1)
            .and_then(|key| key.seal(plaintext))
            .expect("version 1 derives")
    }
}
