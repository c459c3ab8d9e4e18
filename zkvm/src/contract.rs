//! Contracts, their payloads, the output structure, contract IDs and anchors.

use crate::constraints::Commitment;
use crate::errors::VmError;
use crate::predicate::Predicate;
use crate::program::ProgramItem;
use crate::transcript::{labels, TranscriptProtocol};
use crate::types::{Data, Value};
use encoding::{Encodable, Reader, Writer};
use merlin::Transcript;

/// Tag of a string in the output structure.
pub const STRING_TYPE: u8 = 0x00;
/// Tag of a program in the output structure.
pub const PROGRAM_TYPE: u8 = 0x01;
/// Tag of a value in the output structure.
pub const VALUE_TYPE: u8 = 0x02;

/// The smallest encoding of a payload item (a tag and an empty string).
const MIN_ITEM_LEN: usize = 1 + 4;

/// 32 bytes that make a contract ID unique: the ID of the contract created just
/// before in the same transaction, or the ratcheted ID of the last claimed input.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct Anchor(pub [u8; 32]);

/// The ID of a contract: a hash of its anchor, predicate and payload.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ContractId(pub [u8; 32]);

impl Anchor {
    /// The anchor's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The anchor `input` sets after claiming a contract with this ID as anchor: it
    /// was already used once, in the transaction that created the output.
    pub fn ratchet(&self) -> Anchor {
        let mut t = Transcript::new(labels::RATCHET_ANCHOR);
        t.append_message(b"old", &self.0);
        Anchor(t.challenge_32(b"new"))
    }
}

impl ContractId {
    /// The ID's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The ID as the anchor of the next contract.
    pub fn to_anchor(self) -> Anchor {
        Anchor(self.0)
    }
}

impl merkle::MerkleItem for ContractId {
    /// How a contract ID enters a Merkle tree (the Utreexo forest uses it).
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"contract", &self.0);
    }
}

encoding::hex_display!(Anchor);
encoding::hex_display!(ContractId);

/// A payload guarded by a predicate, made unique by an anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct Contract {
    /// Who may open it.
    pub predicate: Predicate,
    /// What it holds.
    pub payload: Vec<PortableItem>,
    /// What makes it unique.
    pub anchor: Anchor,
}

/// An item that a contract can hold.
#[derive(Clone, Debug, PartialEq)]
pub enum PortableItem {
    /// A string.
    Data(Data),
    /// A program.
    Program(ProgramItem),
    /// A value.
    Value(Value),
}

impl Contract {
    /// The contract ID: a transcript over the anchor, the predicate and each item.
    pub fn id(&self) -> ContractId {
        let mut t = Transcript::new(labels::CONTRACT_ID);
        t.append_message(b"anchor", &self.anchor.0);
        t.append_point(b"predicate", &self.predicate.to_point());
        t.append_message(b"k", &len32(self.payload.len()).to_le_bytes());
        for item in &self.payload {
            item.commit(&mut t);
        }
        ContractId(t.challenge_32(b"id"))
    }

    /// Decodes an output structure that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Contract, VmError> {
        Reader::parse(bytes, Contract::decode)
    }

    /// Reads an output structure: anchor, predicate, LE32 count, items.
    pub fn decode(r: &mut Reader<'_>) -> Result<Contract, VmError> {
        let anchor = Anchor(r.read_array()?);
        let predicate = Predicate::opaque(r.read_point()?);
        let k = r.read_count(MIN_ITEM_LEN)?;
        let mut payload = Vec::with_capacity(k);
        for _ in 0..k {
            payload.push(PortableItem::decode(r)?);
        }
        Ok(Contract {
            predicate,
            payload,
            anchor,
        })
    }

    /// The contract without any prover secrets.
    pub fn to_opaque(&self) -> Contract {
        Contract {
            predicate: self.predicate.to_opaque(),
            payload: self.payload.iter().map(PortableItem::to_opaque).collect(),
            anchor: self.anchor,
        }
    }
}

impl Encodable for Contract {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_bytes(&self.anchor.0);
        w.write_point(&self.predicate.to_point());
        w.write_u32(len32(self.payload.len()));
        for item in &self.payload {
            item.encode(w);
        }
    }

    fn encoded_len(&self) -> usize {
        32 + 32 + 4 + self.payload.iter().map(|i| i.encoded_len()).sum::<usize>()
    }
}

impl PortableItem {
    /// Commits the item to a contract-ID transcript.
    fn commit(&self, t: &mut Transcript) {
        match self {
            PortableItem::Data(d) => {
                let bytes = d.to_bytes();
                t.append_message(b"type", &[STRING_TYPE]);
                t.append_message(b"n", &len32(bytes.len()).to_le_bytes());
                t.append_message(b"string", &bytes);
            }
            PortableItem::Program(p) => {
                let bytes = p.to_bytes();
                t.append_message(b"type", &[PROGRAM_TYPE]);
                t.append_message(b"n", &len32(bytes.len()).to_le_bytes());
                t.append_message(b"program", &bytes);
            }
            PortableItem::Value(v) => {
                t.append_message(b"type", &[VALUE_TYPE]);
                t.append_point(b"qty", &v.qty.to_point());
                t.append_point(b"flv", &v.flv.to_point());
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<PortableItem, VmError> {
        match r.read_u8()? {
            STRING_TYPE => Ok(PortableItem::Data(Data::Opaque(
                r.read_len_prefixed()?.to_vec(),
            ))),
            PROGRAM_TYPE => Ok(PortableItem::Program(ProgramItem::Bytecode(
                r.read_len_prefixed()?.to_vec(),
            ))),
            VALUE_TYPE => Ok(PortableItem::Value(Value {
                qty: Commitment::Closed(r.read_point()?),
                flv: Commitment::Closed(r.read_point()?),
            })),
            tag => Err(VmError::UnknownPayloadType { tag }),
        }
    }

    /// The item without prover secrets.
    pub fn to_opaque(&self) -> PortableItem {
        match self {
            PortableItem::Data(d) => PortableItem::Data(Data::Opaque(d.to_bytes())),
            PortableItem::Program(p) => PortableItem::Program(ProgramItem::Bytecode(p.to_bytes())),
            PortableItem::Value(v) => PortableItem::Value(v.to_closed()),
        }
    }

    /// The item as a value, if it is one.
    pub fn as_value(&self) -> Option<&Value> {
        match self {
            PortableItem::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl Encodable for PortableItem {
    fn encode(&self, w: &mut Vec<u8>) {
        match self {
            PortableItem::Data(d) => {
                w.write_u8(STRING_TYPE);
                w.write_u32(len32(d.encoded_len()));
                d.encode(w);
            }
            PortableItem::Program(p) => {
                w.write_u8(PROGRAM_TYPE);
                w.write_len_prefixed(&p.to_bytes());
            }
            PortableItem::Value(v) => {
                w.write_u8(VALUE_TYPE);
                w.write_point(&v.qty.to_point());
                w.write_point(&v.flv.to_point());
            }
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            PortableItem::Data(d) => 1 + 4 + d.encoded_len(),
            PortableItem::Program(p) => 1 + 4 + p.encoded_len(),
            PortableItem::Value(_) => 1 + 64,
        }
    }
}

/// A length as LE32. Items longer than 4 GiB cannot come from a transaction (whose
/// program length is a LE32), so such a length is a bug.
pub(crate) fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("lengths in ZkVM fit in 32 bits")
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::ristretto::CompressedRistretto;

    fn sample() -> Contract {
        Contract {
            predicate: Predicate::opaque(CompressedRistretto([9u8; 32])),
            payload: vec![
                PortableItem::Data(Data::Opaque(b"hello".to_vec())),
                PortableItem::Program(ProgramItem::Bytecode(vec![0x02])),
                PortableItem::Value(Value {
                    qty: Commitment::Closed(CompressedRistretto([1u8; 32])),
                    flv: Commitment::Closed(CompressedRistretto([2u8; 32])),
                }),
            ],
            anchor: Anchor([7u8; 32]),
        }
    }

    #[test]
    fn output_structure_round_trips() {
        let c = sample();
        let bytes = c.encode_to_vec();
        assert_eq!(bytes.len(), c.encoded_len());
        assert_eq!(bytes.len(), 32 + 32 + 4 + (5 + 5) + (5 + 1) + 65);
        let back = Contract::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.id(), c.id());
    }

    #[test]
    fn malformed_outputs_are_refused() {
        let bytes = sample().encode_to_vec();
        let mut bad_tag = bytes.clone();
        bad_tag[68] = 3;
        assert!(matches!(
            Contract::from_bytes(&bad_tag),
            Err(VmError::UnknownPayloadType { tag: 3 })
        ));
        assert!(Contract::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(Contract::from_bytes(&long).is_err());
        let mut huge_count = bytes;
        huge_count[64..68].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Contract::from_bytes(&huge_count),
            Err(VmError::Format(
                encoding::EncodingError::CountTooLarge { .. }
            ))
        ));
    }

    #[test]
    fn ids_depend_on_every_field() {
        let c = sample();
        let mut other = c.clone();
        other.anchor = Anchor([8u8; 32]);
        assert_ne!(other.id(), c.id());
        let mut other = c.clone();
        other.payload.pop();
        assert_ne!(other.id(), c.id());
        assert_ne!(c.anchor.ratchet(), c.anchor);
        assert_eq!(c.id().to_string().len(), 64);
    }
}
