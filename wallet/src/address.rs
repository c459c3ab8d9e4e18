//! Addresses: where a sender pays without asking first.
//!
//! An address holds a control key `C` (the payment's predicate is `C + t·B`, with `t`
//! from the note's key agreement) and an encryption key `E` (the note is encrypted
//! to it). Its text is bech32m: the human-readable part names the network, the data
//! is `version (1) || C (32) || E (32)`, and the checksum catches typing errors.

use crate::errors::WalletError;
pub use crate::network::Network;
use crate::text::{self, TextError};
use core::fmt;
use core::str::FromStr;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use musig::VerificationKey;

/// The version byte of the address data.
const ADDRESS_VERSION: u8 = 1;
/// Encoded size of the address data.
const ADDRESS_LEN: usize = 1 + 32 + 32;

/// A payment address.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Address {
    network: Network,
    control: VerificationKey,
    encryption: RistrettoPoint,
}

impl Address {
    /// The address of a control key and an encryption key on `network`.
    pub fn new(network: Network, control: VerificationKey, encryption: RistrettoPoint) -> Self {
        Address {
            network,
            control,
            encryption,
        }
    }

    /// Parses address text, which must be for `network`.
    pub fn parse(text: &str, network: Network) -> Result<Address, WalletError> {
        let address: Address = text.parse()?;
        if address.network != network {
            return Err(WalletError::WrongNetwork {
                expected: network.to_string(),
                found: address.network.to_string(),
            });
        }
        Ok(address)
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The control key `C`.
    pub fn control_key(&self) -> &VerificationKey {
        &self.control
    }

    /// The encryption key `E`.
    pub fn encryption_key(&self) -> &RistrettoPoint {
        &self.encryption
    }

    /// The address data: version, control key, encryption key.
    pub fn to_bytes(&self) -> [u8; ADDRESS_LEN] {
        let mut out = [0u8; ADDRESS_LEN];
        out[0] = ADDRESS_VERSION;
        out[1..33].copy_from_slice(self.control.as_bytes());
        out[33..].copy_from_slice(self.encryption.compress().as_bytes());
        out
    }

    /// Decodes address data for `network`.
    pub fn from_bytes(network: Network, bytes: &[u8]) -> Result<Address, WalletError> {
        if bytes.len() != ADDRESS_LEN {
            return Err(WalletError::Malformed {
                what: "address length",
            });
        }
        if bytes[0] != ADDRESS_VERSION {
            return Err(WalletError::Malformed {
                what: "address version",
            });
        }
        let control =
            VerificationKey::from_bytes(&bytes[1..33]).map_err(|_| WalletError::InvalidPoint {
                what: "address control key",
            })?;
        let encryption = CompressedRistretto::from_slice(&bytes[33..])
            .ok()
            .and_then(|c| c.decompress())
            .ok_or(WalletError::InvalidPoint {
                what: "address encryption key",
            })?;
        Ok(Address::new(network, control, encryption))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text::encode(self.network.hrp(), &self.to_bytes())?)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl FromStr for Address {
    type Err = WalletError;

    /// Parses address text of any known network.
    fn from_str(text: &str) -> Result<Address, WalletError> {
        let (hrp, data) = text::decode(text).map_err(|e| match e {
            TextError::Checksum => WalletError::AddressChecksum,
            TextError::Syntax(reason) => WalletError::AddressSyntax(reason),
        })?;
        let network = Network::from_hrp(&hrp).ok_or_else(|| WalletError::WrongNetwork {
            expected: "a known network".to_string(),
            found: hrp.clone(),
        })?;
        Address::from_bytes(network, &data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bech32::{Bech32m, Hrp};
    use curve25519_dalek::scalar::Scalar;

    fn sample(network: Network) -> Address {
        let control = VerificationKey::from_point(RistrettoPoint::mul_base(&Scalar::from(3u64)));
        Address::new(
            network,
            control,
            RistrettoPoint::mul_base(&Scalar::from(4u64)),
        )
    }

    #[test]
    fn text_round_trips_per_network() {
        for n in [Network::Mainnet, Network::Testnet, Network::Devnet] {
            let a = sample(n);
            let text = a.to_string();
            assert!(text.starts_with(&format!("{}1", n.hrp())));
            assert_eq!(Address::parse(&text, n), Ok(a));
            assert_eq!(Address::parse(&text.to_uppercase(), n), Ok(a));
        }
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let text = sample(Network::Devnet).to_string();
        let mut chars: Vec<char> = text.chars().collect();
        let at = chars.len() - 10;
        chars[at] = if chars[at] == 'q' { 'p' } else { 'q' };
        let bad: String = chars.into_iter().collect();
        assert_eq!(
            Address::parse(&bad, Network::Devnet),
            Err(WalletError::AddressChecksum)
        );
    }

    #[test]
    fn wrong_network_and_garbage_are_precise_errors() {
        let text = sample(Network::Testnet).to_string();
        assert_eq!(
            Address::parse(&text, Network::Devnet),
            Err(WalletError::WrongNetwork {
                expected: "devnet".into(),
                found: "testnet".into()
            })
        );
        assert!(matches!(
            Address::parse("not an address", Network::Devnet),
            Err(WalletError::AddressSyntax(_))
        ));
        // Valid bech32m for an unknown prefix.
        let other = bech32::encode::<Bech32m>(Hrp::parse("xyz").unwrap(), &[1u8; 65]).unwrap();
        assert!(matches!(
            Address::parse(&other, Network::Devnet),
            Err(WalletError::WrongNetwork { .. })
        ));
        // Valid text with short data.
        let short = bech32::encode::<Bech32m>(Hrp::parse("zkd").unwrap(), &[1u8; 10]).unwrap();
        assert_eq!(
            Address::parse(&short, Network::Devnet),
            Err(WalletError::Malformed {
                what: "address length"
            })
        );
        let mut bytes = sample(Network::Devnet).to_bytes();
        bytes[40] ^= 0xff;
        bytes[64] = 0xff;
        assert!(matches!(
            Address::from_bytes(Network::Devnet, &bytes),
            Err(WalletError::InvalidPoint { .. })
        ));
    }
}
