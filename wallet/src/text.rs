//! Text encodings: bech32m (BIP-350 checksum) with the network and the kind of thing
//! in the human-readable part, and a version byte first in the data.
//!
//! Addresses, viewing keys and payment disclosures are all written this way, so a
//! changed or lost character is caught by the checksum and a key of one kind or
//! network is never taken for another.

use crate::errors::WalletError;
use crate::network::Network;
use bech32::primitives::decode::{CheckedHrpstring, CheckedHrpstringError};
use bech32::{Bech32m, Hrp};

/// What went wrong reading bech32m text, before its meaning is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TextError {
    /// Not bech32m text (bad characters, mixed case, no separator, too long).
    Syntax(String),
    /// The checksum does not match.
    Checksum,
}

/// Writes `data` as bech32m text under `hrp`.
pub(crate) fn encode(hrp: &str, data: &[u8]) -> Result<String, core::fmt::Error> {
    let hrp = Hrp::parse(hrp).map_err(|_| core::fmt::Error)?;
    bech32::encode::<Bech32m>(hrp, data).map_err(|_| core::fmt::Error)
}

/// Reads bech32m text: its human-readable part (lowercase) and its data.
pub(crate) fn decode(text: &str) -> Result<(String, Vec<u8>), TextError> {
    let checked = CheckedHrpstring::new::<Bech32m>(text).map_err(|e| match e {
        CheckedHrpstringError::Checksum(_) => TextError::Checksum,
        other => TextError::Syntax(other.to_string()),
    })?;
    Ok((checked.hrp().to_lowercase(), checked.byte_iter().collect()))
}

/// The human-readable part of a `kind` on `network`: the network's address prefix
/// followed by the kind (`zkt` + `ivk` = `zktivk`).
pub(crate) fn hrp(network: Network, kind: &str) -> String {
    format!("{}{kind}", network.hrp())
}

/// Reads text of `kind` (`what` names it in errors) that must be for `network` and
/// whose data starts with `version`; returns the data after the version byte.
pub(crate) fn decode_kind(
    text: &str,
    kind: &str,
    what: &'static str,
    network: Network,
    version: u8,
) -> Result<Vec<u8>, WalletError> {
    let (hrp, data) = decode(text.trim()).map_err(|e| match e {
        TextError::Syntax(reason) => WalletError::TextSyntax { what, reason },
        TextError::Checksum => WalletError::TextChecksum { what },
    })?;
    let found = hrp
        .strip_suffix(kind)
        .and_then(Network::from_hrp)
        .ok_or_else(|| WalletError::TextSyntax {
            what,
            reason: format!(
                "it starts with {hrp:?}, not with {:?}",
                self::hrp(network, kind)
            ),
        })?;
    if found != network {
        return Err(WalletError::WrongNetwork {
            expected: network.to_string(),
            found: found.to_string(),
        });
    }
    match data.split_first() {
        Some((v, rest)) if *v == version => Ok(rest.to_vec()),
        Some((v, _)) => Err(WalletError::UnsupportedVersion {
            what,
            version: *v,
            supported: version,
        }),
        None => Err(WalletError::Malformed { what }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_networks_versions_and_checksums_are_told_apart() {
        let text = encode(&hrp(Network::Testnet, "ivk"), &[1, 7, 7]).unwrap();
        assert!(text.starts_with("zktivk1"));
        let read = |t: &str, n| decode_kind(t, "ivk", "incoming viewing key", n, 1);
        assert_eq!(read(&text, Network::Testnet), Ok(vec![7, 7]));
        assert_eq!(
            read(&text, Network::Devnet),
            Err(WalletError::WrongNetwork {
                expected: "devnet".into(),
                found: "testnet".into()
            })
        );
        assert!(matches!(
            decode_kind(&text, "ovk", "outgoing viewing key", Network::Testnet, 1),
            Err(WalletError::TextSyntax { .. })
        ));
        let newer = encode(&hrp(Network::Testnet, "ivk"), &[2, 7]).unwrap();
        assert_eq!(
            read(&newer, Network::Testnet),
            Err(WalletError::UnsupportedVersion {
                what: "incoming viewing key",
                version: 2,
                supported: 1
            })
        );
        let mut changed: Vec<char> = text.chars().collect();
        let at = changed.len() - 3;
        changed[at] = if changed[at] == 'q' { 'p' } else { 'q' };
        let changed: String = changed.into_iter().collect();
        assert_eq!(
            read(&changed, Network::Testnet),
            Err(WalletError::TextChecksum {
                what: "incoming viewing key"
            })
        );
        assert!(matches!(
            read("not bech32", Network::Testnet),
            Err(WalletError::TextSyntax { .. })
        ));
    }
}
