//! Networks: every address, key, request, disclosure and state names the network
//! it belongs to, by a byte or by the prefix of its text.

use crate::errors::WalletError;
use core::fmt;

/// The networks an address or request can belong to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    /// The main network.
    Mainnet,
    /// A public test network.
    Testnet,
    /// A local development network.
    Devnet,
}

impl Network {
    /// The bech32m human-readable part of the network's addresses.
    pub fn hrp(self) -> &'static str {
        match self {
            Network::Mainnet => "zk",
            Network::Testnet => "zkt",
            Network::Devnet => "zkd",
        }
    }

    /// The network's byte in encoded requests and states.
    pub fn to_byte(self) -> u8 {
        match self {
            Network::Mainnet => 0,
            Network::Testnet => 1,
            Network::Devnet => 2,
        }
    }

    /// The network of an encoded byte.
    pub fn from_byte(b: u8) -> Result<Network, WalletError> {
        match b {
            0 => Ok(Network::Mainnet),
            1 => Ok(Network::Testnet),
            2 => Ok(Network::Devnet),
            _ => Err(WalletError::Malformed { what: "network" }),
        }
    }

    /// The network whose address prefix is `hrp`.
    pub(crate) fn from_hrp(hrp: &str) -> Option<Network> {
        [Network::Mainnet, Network::Testnet, Network::Devnet]
            .into_iter()
            .find(|n| n.hrp() == hrp)
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Devnet => "devnet",
        })
    }
}
