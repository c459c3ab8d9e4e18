//! Secret key files: one key as hex in a file readable by its owner only (mode 0600).
//! They hold the devnet's producer and funding keys; they are not encrypted.
//!
//! As ssh does with a private key, a key file that other users may read or write
//! (any of the mode bits 077) is **refused** when read, with the command that mends
//! it: another user may have copied the key already, so the owner must decide
//! whether to trust it. The data directory around it is kept 0700 by the store.

use crate::error::NodeError;
use musig::SigningKey;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// Reads the secret key file `file` of `dir`; `None` if it does not exist.
/// Refuses one that others may read or write.
pub fn read_secret(dir: &Path, file: &str) -> Result<Option<SigningKey>, NodeError> {
    let path = dir.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(NodeError::io(path, e)),
    };
    check_secret_mode(&path)?;
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
        .mode(SECRET_FILE)
        .open(path)
        .map_err(|e| NodeError::io(path, e))?;
    let text = Zeroizing::new(hex::encode(key.to_bytes().as_slice()));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| NodeError::io(path, e))
}

/// The mode of a secret file: its owner may read and write it, nobody else.
pub const SECRET_FILE: u32 = 0o600;

/// Refuses a secret file whose mode lets others read or write it.
pub fn check_secret_mode(path: &Path) -> Result<(), NodeError> {
    let mode = mode(path)?;
    if mode & 0o077 != 0 {
        return Err(NodeError::Invalid {
            what: "secret file mode",
            reason: format!(
                "{} has mode {mode:o}: other users may read it, so the key may be known to them; if you trust it, run `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        });
    }
    Ok(())
}

/// The permission bits of a file or directory.
pub fn mode(path: &Path) -> Result<u32, NodeError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| NodeError::io(path, e))?;
    Ok(meta.permissions().mode() & 0o777)
}

/// Sets the permission bits of a file or directory.
pub fn set_mode(path: &Path, mode: u32) -> Result<(), NodeError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
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
        set_mode(&dir.path().join("bad.key"), SECRET_FILE).unwrap();
        assert!(matches!(
            read_secret(dir.path(), "bad.key"),
            Err(NodeError::Hex { .. })
        ));
    }

    #[test]
    fn a_key_file_others_may_read_is_refused_naming_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        write_secret(&path, &SigningKey::random(&mut rand_core::OsRng)).unwrap();
        for open in [0o640, 0o604, 0o660, 0o644] {
            set_mode(&path, open).unwrap();
            let message = read_secret(dir.path(), "k.key").unwrap_err().to_string();
            assert!(message.contains(&format!("mode {open:o}")), "{message}");
            assert!(message.contains("chmod 600"), "{message}");
        }
        set_mode(&path, 0o400).unwrap();
        assert!(read_secret(dir.path(), "k.key").unwrap().is_some());
    }
}
