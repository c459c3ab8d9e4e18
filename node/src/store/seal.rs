//! Sealing a byte blob with a passphrase: the wallet state's encryption at rest.
//!
//! Format: `"ZKSEAL" || version (1) || salt (16) || nonce (12) || ciphertext || tag
//! (16)`. The key is Argon2id (19 MiB, 2 passes, 1 lane) of the passphrase and the
//! salt; the cipher is ChaCha20-Poly1305 with the first 35 bytes as associated data,
//! so the header cannot be altered either. Salt and nonce are fresh for every seal.

use crate::error::NodeError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

const MAGIC: &[u8; 6] = b"ZKSEAL";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = MAGIC.len() + 1 + SALT_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;

/// Encrypts `plaintext` under a key derived from `passphrase`.
pub fn seal(passphrase: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, NodeError> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    let key = derive_key(passphrase, &salt)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.as_slice()));
    let sealed = cipher
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

/// Decrypts a blob made by [`seal`]; fails with [`NodeError::Unseal`] on a wrong
/// passphrase or any altered byte.
pub fn open(passphrase: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, NodeError> {
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
    if &header[..MAGIC.len()] != MAGIC || header[MAGIC.len()] != VERSION {
        return Err(NodeError::Invalid {
            what: "sealed blob",
            reason: "not a version 1 sealed blob".into(),
        });
    }
    let salt = &header[MAGIC.len() + 1..MAGIC.len() + 1 + SALT_LEN];
    let nonce = &header[MAGIC.len() + 1 + SALT_LEN..];
    let key = derive_key(passphrase, salt)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.as_slice()));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: header,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| NodeError::Unseal)
}

/// Argon2id with its default (OWASP) parameters.
fn derive_key(passphrase: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, NodeError> {
    let mut key = Zeroizing::new([0u8; 32]);
    argon2::Argon2::default()
        .hash_password_into(passphrase, salt, key.as_mut_slice())
        .map_err(|e| NodeError::KeyDerivation(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_with_the_passphrase_only() {
        let blob = seal(b"correct horse", b"wallet state").unwrap();
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
    }
}
