//! Secret key files: one key as hex in a file readable by its owner only (mode 0600).
//! They hold the devnet's producer and funding keys; they are not encrypted.

use crate::error::NodeError;
use musig::SigningKey;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// Reads the secret key file `file` of `dir`; `None` if it does not exist.
pub fn read_secret(dir: &Path, file: &str) -> Result<Option<SigningKey>, NodeError> {
    let path = dir.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(NodeError::io(path, e)),
    };
    let bytes = Zeroizing::new(NodeError::decode_hex("secret key", &text)?);
    SigningKey::from_bytes(&bytes)
        .map(Some)
        .map_err(|e| NodeError::Invalid {
            what: "secret key",
            reason: format!("{}: {e}", path.display()),
        })
}

/// Writes a secret key as hex into a new file readable by the owner only; refuses
/// to replace an existing file, so a key is never lost.
pub fn write_secret(path: &Path, key: &SigningKey) -> Result<(), NodeError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| NodeError::io(path, e))?;
    let text = Zeroizing::new(hex::encode(key.to_bytes().as_slice()));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| NodeError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_file_is_private_round_trips_and_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::random(&mut rand_core::OsRng);
        let path = dir.path().join("k.key");
        write_secret(&path, &key).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let back = read_secret(dir.path(), "k.key").unwrap().unwrap();
        assert_eq!(back.verification_key(), key.verification_key());
        assert!(matches!(
            write_secret(&path, &key),
            Err(NodeError::Io { .. })
        ));
        assert!(read_secret(dir.path(), "absent.key").unwrap().is_none());
        std::fs::write(dir.path().join("bad.key"), "zz").unwrap();
        assert!(matches!(
            read_secret(dir.path(), "bad.key"),
            Err(NodeError::Hex { .. })
        ));
    }
}
