//! The 32-byte hash of a Merkle node.

/// The hash of a leaf, an inner node or the empty list: 32 challenge bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The length of a hash in bytes.
    pub const LEN: usize = 32;

    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads a hash from a slice, which must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        <[u8; 32]>::try_from(bytes).ok().map(Hash)
    }
}

impl From<[u8; 32]> for Hash {
    fn from(bytes: [u8; 32]) -> Self {
        Hash(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

encoding::hex_display!(Hash);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_lowercase_hex() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xab;
        bytes[31] = 0x01;
        let h = Hash(bytes);
        let text = h.to_string();
        assert_eq!(text.len(), 64);
        assert!(text.starts_with("ab00"));
        assert!(text.ends_with("01"));
        assert_eq!(format!("{h:?}"), format!("Hash({text})"));
    }

    #[test]
    fn from_slice_wants_exactly_32_bytes() {
        assert_eq!(Hash::from_slice(&[7u8; 32]), Some(Hash([7u8; 32])));
        assert_eq!(Hash::from_slice(&[7u8; 31]), None);
        assert_eq!(Hash::from_slice(&[7u8; 33]), None);
    }
}
