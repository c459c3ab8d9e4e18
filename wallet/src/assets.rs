//! Asset names: the issuance metadata of each flavor the wallet has seen named.
//!
//! A flavor is `issue_flavor(issuer, metadata)`, a hash: it cannot be read, but a
//! note may carry the issuer key and the metadata ([`crate::note::AssetName`]), and
//! the wallet keeps the pair once `issue_flavor` of it gives the note's flavor, so
//! nobody can give a flavor a name its issuer did not write. The wallet writes the
//! name into every note it sends of a flavor it knows (payments and change), so a
//! recipient learns it, and so does the wallet itself (and its watch-only twin)
//! from the change of its own issuances.
//!
//! Issuing a flavor whose metadata names another flavor already known (another
//! issuer wrote the same name) gives a [`NameWarning`] the caller can show.
//!
//! Encoding: `LE32 count || (issuer (32) || metadata length (1) || metadata)*`, in
//! the order of the flavors' bytes, each once.

use crate::errors::WalletError;
use crate::note::AssetName;
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use std::collections::BTreeMap;

/// The names the wallet knows, by flavor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssetBook {
    names: BTreeMap<[u8; 32], AssetName>,
}

/// A flavor about to be issued bears a name the wallet knows for another flavor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameWarning {
    /// The name (the metadata as text, or hex).
    pub name: String,
    /// The flavor being issued.
    pub flavor: Scalar,
    /// The flavor the wallet already knows by that name.
    pub known: Scalar,
}

impl core::fmt::Display for NameWarning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the name {:?} is already used by flavor {}: this issues a different flavor ({}) \
             that others will see with the same name; choose another name unless this is meant",
            self.name,
            hex::encode(self.known.as_bytes()),
            hex::encode(self.flavor.as_bytes())
        )
    }
}

impl AssetBook {
    /// Keeps `name` if its flavor is `flavor` (what a note claims is checked here).
    /// Returns whether the name was new.
    pub fn learn(&mut self, flavor: &Scalar, name: &AssetName) -> bool {
        if name.flavor() != *flavor || self.names.contains_key(flavor.as_bytes()) {
            return false;
        }
        self.names.insert(flavor.to_bytes(), name.clone());
        true
    }

    /// The name of `flavor`, if known.
    pub fn name(&self, flavor: &Scalar) -> Option<&AssetName> {
        self.names.get(flavor.as_bytes())
    }

    /// The known names with their flavors.
    pub fn iter(&self) -> impl Iterator<Item = (Scalar, &AssetName)> {
        self.names
            .iter()
            .map(|(flavor, name)| (Scalar::from_bytes_mod_order(*flavor), name))
    }

    /// The warning for issuing under `name`, if another flavor already has it.
    pub fn clash(&self, name: &AssetName) -> Option<NameWarning> {
        let flavor = name.flavor();
        self.iter()
            .find(|(known, other)| *known != flavor && other.metadata() == name.metadata())
            .map(|(known, _)| NameWarning {
                name: name.display(),
                flavor,
                known,
            })
    }

    /// Whether the book is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Appends the encoding.
    pub fn encode(&self, w: &mut Vec<u8>) {
        w.write_u32(self.names.len() as u32);
        for name in self.names.values() {
            w.write_point(name.issuer());
            w.write_u8(name.metadata().len() as u8);
            w.write_bytes(name.metadata());
        }
    }

    /// Reads the encoding: each flavor once, in order.
    pub fn decode(r: &mut Reader<'_>) -> Result<AssetBook, WalletError> {
        let mut book = AssetBook::default();
        for _ in 0..r.read_count(32 + 1)? {
            let issuer = r.read_point()?;
            let len = r.read_u8()? as usize;
            let name = AssetName::new(issuer, r.read_bytes(len)?)
                .ok_or(WalletError::Malformed { what: "asset name" })?;
            let flavor = name.flavor().to_bytes();
            if book
                .names
                .last_key_value()
                .is_some_and(|(last, _)| *last >= flavor)
            {
                return Err(WalletError::Malformed {
                    what: "asset name order",
                });
            }
            book.names.insert(flavor, name);
        }
        Ok(book)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::ristretto::RistrettoPoint;

    fn name(issuer: u64, metadata: &[u8]) -> AssetName {
        let issuer = RistrettoPoint::mul_base(&Scalar::from(issuer)).compress();
        AssetName::new(issuer, metadata).unwrap()
    }

    #[test]
    fn only_true_names_are_learned_and_a_reused_name_warns() {
        let mut book = AssetBook::default();
        let gold = name(1, b"gold");
        assert!(
            !book.learn(&Scalar::ONE, &gold),
            "a name that does not hash to the flavor"
        );
        assert!(book.learn(&gold.flavor(), &gold));
        assert!(!book.learn(&gold.flavor(), &gold));
        assert_eq!(book.name(&gold.flavor()), Some(&gold));
        assert_eq!(book.clash(&gold), None, "the same flavor again");
        let fake = name(2, b"gold");
        let warning = book.clash(&fake).unwrap();
        assert_eq!(warning.known, gold.flavor());
        assert_eq!(warning.flavor, fake.flavor());
        assert!(warning.to_string().contains("\"gold\" is already used"));
        assert_eq!(book.clash(&name(2, b"silver")), None);
    }

    #[test]
    fn the_encoding_round_trips_and_has_one_form() {
        let mut book = AssetBook::default();
        for (i, m) in [(1, &b"gold"[..]), (2, b"silver"), (3, b"")] {
            let n = name(i, m);
            book.learn(&n.flavor(), &n);
        }
        let mut bytes = Vec::new();
        book.encode(&mut bytes);
        assert_eq!(Reader::parse(&bytes, AssetBook::decode).as_ref(), Ok(&book));
        // The same entries twice (or out of order) are refused.
        let first_len = 32 + 1 + book.names.values().next().unwrap().metadata().len();
        let mut twice = 2u32.to_le_bytes().to_vec();
        twice.extend_from_slice(&bytes[4..4 + first_len]);
        twice.extend_from_slice(&bytes[4..4 + first_len]);
        assert_eq!(
            Reader::parse(&twice, AssetBook::decode),
            Err(WalletError::Malformed {
                what: "asset name order"
            })
        );
        assert!(Reader::parse(&bytes[..bytes.len() - 1], AssetBook::decode).is_err());
    }
}
