//! What validators report and sign, in consensus encodings (explicit little-endian,
//! each starting with a version byte), and the exact digests the contract checks.
//!
//! Digests are keccak256 of the ABI encoding (`abi.encode`) of a type tag, the L1
//! chain ID, the bridge contract's address and the message's fields, so a signature
//! is good for one message type, on one chain, for one contract.

use crate::errors::BridgeError;
use alloy::primitives::{keccak256, Address, B256, U256};
use alloy::sol_types::SolValue;
use encoding::{Encodable, Reader, Writer};

/// The version byte every message of this module starts with.
pub const MESSAGE_VERSION: u8 = 1;

/// The type tag of withdrawal digests: `keccak256("ZkVMBridge.Withdrawal.v1")`.
pub fn withdrawal_tag() -> B256 {
    keccak256(b"ZkVMBridge.Withdrawal.v1")
}

/// The type tag of checkpoint digests: `keccak256("ZkVMBridge.Checkpoint.v1")`.
pub fn checkpoint_tag() -> B256 {
    keccak256(b"ZkVMBridge.Checkpoint.v1")
}

/// The type tag of validator handover digests: `keccak256("ZkVMBridge.Validators.v1")`.
pub fn validators_tag() -> B256 {
    keccak256(b"ZkVMBridge.Validators.v1")
}

/// Which bridge a digest is for: the L1 chain and the contract.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The L1 chain ID (EIP-155).
    pub chain_id: u64,
    /// The bridge contract.
    pub bridge: Address,
}

/// A deposit as a validator saw it in a `Deposit` event with enough confirmations.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepositReport {
    /// The contract's deposit nonce: the deposit's identity.
    pub nonce: u64,
    /// The token (the zero address for ETH).
    pub token: Address,
    /// The amount in the token's base units (the contract allows at most 2^64 − 1).
    pub amount: u64,
    /// The ZkVM address data the deposit pays (`spec/wallet.md`, 65 bytes).
    pub recipient: [u8; 65],
    /// The L1 transaction that made the deposit.
    pub l1_tx: B256,
}

impl DepositReport {
    /// Encoded size.
    pub const ENCODED_LEN: usize = 1 + 8 + 20 + 8 + 65 + 32;

    /// Reads one report.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, BridgeError> {
        let what = "deposit report";
        read_version(r, what)?;
        let e = BridgeError::encoding(what);
        Ok(DepositReport {
            nonce: r.read_u64().map_err(&e)?,
            token: Address::from(r.read_array::<20>().map_err(&e)?),
            amount: r.read_u64().map_err(&e)?,
            recipient: r.read_array().map_err(&e)?,
            l1_tx: B256::from(r.read_array::<32>().map_err(&e)?),
        })
    }
}

impl Encodable for DepositReport {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(MESSAGE_VERSION);
        w.write_u64(self.nonce);
        w.write_bytes(self.token.as_slice());
        w.write_u64(self.amount);
        w.write_bytes(&self.recipient);
        w.write_bytes(self.l1_tx.as_slice());
    }

    fn encoded_len(&self) -> usize {
        Self::ENCODED_LEN
    }
}

/// What a ZkVM transaction asks the L1 to pay: the export payload of its log.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ExportPayload {
    /// Who receives on the L1.
    pub recipient: Address,
    /// The token (the zero address for ETH).
    pub token: Address,
    /// The amount in base units.
    pub amount: u64,
}

impl ExportPayload {
    /// The prefix that marks a log data entry as an export payload.
    pub const MAGIC: &'static [u8; 16] = b"ZkVMBridgeExport";
    /// The size of the data entry.
    pub const ENCODED_LEN: usize = 16 + 1 + 20 + 20 + 8;

    /// The log data entry: `MAGIC || version || recipient || token || LE64 amount`.
    pub fn to_data(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(Self::ENCODED_LEN);
        w.write_bytes(Self::MAGIC);
        w.write_u8(MESSAGE_VERSION);
        w.write_bytes(self.recipient.as_slice());
        w.write_bytes(self.token.as_slice());
        w.write_u64(self.amount);
        w
    }

    /// Reads a log data entry: `None` if it is not marked as an export, an error if
    /// it is marked but malformed.
    pub fn from_data(data: &[u8]) -> Result<Option<Self>, BridgeError> {
        let Some(rest) = data.strip_prefix(Self::MAGIC.as_slice()) else {
            return Ok(None);
        };
        let what = "export payload";
        Reader::parse(rest, |r| {
            read_version(r, what)?;
            let e = BridgeError::encoding(what);
            Ok(Some(ExportPayload {
                recipient: Address::from(r.read_array::<20>().map_err(&e)?),
                token: Address::from(r.read_array::<20>().map_err(&e)?),
                amount: r.read_u64().map_err(&e)?,
            }))
        })
    }
}

/// A withdrawal: an export payload and where it was exported (the ZkVM transaction
/// and the log index of its payload entry), which make its ID.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// The ZkVM transaction ID.
    pub zkvm_tx: B256,
    /// The index of the payload's entry in that transaction's log.
    pub log_index: u32,
    /// What is paid, to whom.
    pub payload: ExportPayload,
}

impl Withdrawal {
    /// Encoded size.
    pub const ENCODED_LEN: usize = 1 + 32 + 4 + 20 + 20 + 8;

    /// The ID the contract pays once: `keccak256(abi.encode(zkvmTxId, uint32 logIndex))`.
    pub fn id(&self) -> B256 {
        withdrawal_id(&self.zkvm_tx, self.log_index)
    }

    /// The digest validators sign to have it paid.
    pub fn digest(&self, domain: &Domain) -> B256 {
        let p = &self.payload;
        keccak256(
            (
                withdrawal_tag(),
                U256::from(domain.chain_id),
                domain.bridge,
                self.zkvm_tx,
                self.log_index,
                p.recipient,
                p.token,
                U256::from(p.amount),
            )
                .abi_encode_params(),
        )
    }

    /// Reads one withdrawal.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, BridgeError> {
        let what = "withdrawal";
        read_version(r, what)?;
        let e = BridgeError::encoding(what);
        Ok(Withdrawal {
            zkvm_tx: B256::from(r.read_array::<32>().map_err(&e)?),
            log_index: r.read_u32().map_err(&e)?,
            payload: ExportPayload {
                recipient: Address::from(r.read_array::<20>().map_err(&e)?),
                token: Address::from(r.read_array::<20>().map_err(&e)?),
                amount: r.read_u64().map_err(&e)?,
            },
        })
    }
}

impl Encodable for Withdrawal {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(MESSAGE_VERSION);
        w.write_bytes(self.zkvm_tx.as_slice());
        w.write_u32(self.log_index);
        w.write_bytes(self.payload.recipient.as_slice());
        w.write_bytes(self.payload.token.as_slice());
        w.write_u64(self.payload.amount);
    }

    fn encoded_len(&self) -> usize {
        Self::ENCODED_LEN
    }
}

/// The withdrawal ID of a transaction's export at `log_index`.
pub fn withdrawal_id(zkvm_tx: &B256, log_index: u32) -> B256 {
    keccak256((*zkvm_tx, log_index).abi_encode_params())
}

/// An agreed state of the ZkVM chain at a height.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The ZkVM block height.
    pub height: u64,
    /// The block ID.
    pub block_id: B256,
    /// The Utreexo root of the UTXO set after the block.
    pub utxo_root: B256,
    /// The application hash after the block.
    pub app_hash: B256,
}

impl Checkpoint {
    /// Encoded size.
    pub const ENCODED_LEN: usize = 1 + 8 + 32 * 3;

    /// The digest validators sign to post it.
    pub fn digest(&self, domain: &Domain) -> B256 {
        keccak256(
            (
                checkpoint_tag(),
                U256::from(domain.chain_id),
                domain.bridge,
                self.height,
                self.block_id,
                self.utxo_root,
                self.app_hash,
            )
                .abi_encode_params(),
        )
    }

    /// Reads one checkpoint.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, BridgeError> {
        let what = "checkpoint";
        read_version(r, what)?;
        let e = BridgeError::encoding(what);
        Ok(Checkpoint {
            height: r.read_u64().map_err(&e)?,
            block_id: B256::from(r.read_array::<32>().map_err(&e)?),
            utxo_root: B256::from(r.read_array::<32>().map_err(&e)?),
            app_hash: B256::from(r.read_array::<32>().map_err(&e)?),
        })
    }
}

impl Encodable for Checkpoint {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(MESSAGE_VERSION);
        w.write_u64(self.height);
        w.write_bytes(self.block_id.as_slice());
        w.write_bytes(self.utxo_root.as_slice());
        w.write_bytes(self.app_hash.as_slice());
    }

    fn encoded_len(&self) -> usize {
        Self::ENCODED_LEN
    }
}

/// The digest the current validators sign to hand the contract over to `validators`
/// (the contract's `validatorsNonce` is the number of handovers so far).
pub fn validators_digest(domain: &Domain, nonce: u64, validators: &[(Address, u64)]) -> B256 {
    let addresses: Vec<Address> = validators.iter().map(|(a, _)| *a).collect();
    let powers: Vec<U256> = validators.iter().map(|(_, p)| U256::from(*p)).collect();
    keccak256(
        (
            validators_tag(),
            U256::from(domain.chain_id),
            domain.bridge,
            nonce,
            addresses,
            powers,
        )
            .abi_encode_params(),
    )
}

/// Reads and checks the version byte.
pub(crate) fn read_version(r: &mut Reader<'_>, what: &'static str) -> Result<(), BridgeError> {
    let version = r.read_u8().map_err(BridgeError::encoding(what))?;
    if version != MESSAGE_VERSION {
        return Err(BridgeError::UnknownVersion { what, version });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn report(nonce: u64) -> DepositReport {
        DepositReport {
            nonce,
            token: Address::repeat_byte(0xaa),
            amount: 1_000 + nonce,
            recipient: [1u8; 65],
            l1_tx: B256::repeat_byte(nonce as u8),
        }
    }

    fn withdrawal() -> Withdrawal {
        Withdrawal {
            zkvm_tx: B256::repeat_byte(3),
            log_index: 7,
            payload: ExportPayload {
                recipient: Address::repeat_byte(4),
                token: Address::ZERO,
                amount: 55,
            },
        }
    }

    #[test]
    fn messages_round_trip_with_their_exact_sizes() {
        let d = report(9);
        let bytes = d.encode_to_vec();
        assert_eq!(bytes.len(), DepositReport::ENCODED_LEN);
        assert_eq!(Reader::parse(&bytes, DepositReport::read).unwrap(), d);
        let w = withdrawal();
        let bytes = w.encode_to_vec();
        assert_eq!(bytes.len(), Withdrawal::ENCODED_LEN);
        assert_eq!(Reader::parse(&bytes, Withdrawal::read).unwrap(), w);
        let c = Checkpoint {
            height: 12,
            block_id: B256::repeat_byte(1),
            utxo_root: B256::repeat_byte(2),
            app_hash: B256::repeat_byte(3),
        };
        let bytes = c.encode_to_vec();
        assert_eq!(bytes.len(), Checkpoint::ENCODED_LEN);
        assert_eq!(Reader::parse(&bytes, Checkpoint::read).unwrap(), c);
    }

    #[test]
    fn encodings_are_little_endian_after_the_version() {
        let bytes = report(0x0102).encode_to_vec();
        assert_eq!(&bytes[..3], &[1, 0x02, 0x01]);
    }

    #[test]
    fn unknown_versions_truncations_and_trailing_bytes_are_refused() {
        let mut bytes = report(1).encode_to_vec();
        bytes[0] = 2;
        assert!(matches!(
            Reader::parse(&bytes, DepositReport::read),
            Err(BridgeError::UnknownVersion { version: 2, .. })
        ));
        let bytes = withdrawal().encode_to_vec();
        assert!(Reader::parse(&bytes[..bytes.len() - 1], Withdrawal::read).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(Reader::parse(&long, Withdrawal::read).is_err());
    }

    #[test]
    fn export_payloads_are_recognised_by_their_prefix_only() {
        let p = withdrawal().payload;
        let data = p.to_data();
        assert_eq!(data.len(), ExportPayload::ENCODED_LEN);
        assert_eq!(ExportPayload::from_data(&data).unwrap(), Some(p));
        assert_eq!(ExportPayload::from_data(b"a note").unwrap(), None);
        assert!(ExportPayload::from_data(&data[..data.len() - 1]).is_err());
    }

    #[test]
    fn digests_separate_types_chains_contracts_and_fields() {
        let domain = Domain {
            chain_id: 1337,
            bridge: Address::repeat_byte(9),
        };
        let w = withdrawal();
        let base = w.digest(&domain);
        let other_chain = Domain {
            chain_id: 1,
            ..domain
        };
        let other_bridge = Domain {
            bridge: Address::repeat_byte(8),
            ..domain
        };
        assert_ne!(base, w.digest(&other_chain));
        assert_ne!(base, w.digest(&other_bridge));
        let mut more = w;
        more.payload.amount += 1;
        assert_ne!(base, more.digest(&domain));
        assert_ne!(withdrawal_tag(), checkpoint_tag());
        assert_ne!(checkpoint_tag(), validators_tag());
        // The ID ignores the payload; it names the export.
        assert_eq!(w.id(), more.id());
        assert_ne!(w.id(), withdrawal_id(&w.zkvm_tx, 8));
    }
}
