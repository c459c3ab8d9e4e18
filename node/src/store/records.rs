//! The store's own encodings of what it keeps beside blocks: a transaction's place
//! and log. Not consensus formats: only this node reads them, under the store's
//! format version.
//!
//! Transaction record: `LE64 height || LE32 index || LE32 entries || entries`, each
//! entry a tag byte then its data: `0` header (3×LE64), `1` issue and `2` retire (two
//! points), `3` input (contract ID), `4` output (output structure), `5` fee (LE64),
//! `6` data (LE32 length, bytes).

use crate::error::NodeError;
use encoding::{Encodable, Reader, Writer};
use zkvm::{Contract, ContractId, TxEntry, TxHeader, TxLog};

const HEADER: u8 = 0;
const ISSUE: u8 = 1;
const RETIRE: u8 = 2;
const INPUT: u8 = 3;
const OUTPUT: u8 = 4;
const FEE: u8 = 5;
const DATA: u8 = 6;

/// Where a transaction was mined, its log and its weight: `LE64 height || LE32
/// index || LE32 count || entries || LE64 weight` (the weight absent in records of
/// earlier nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct TxRecord {
    /// The height of the block holding it.
    pub height: u64,
    /// Its position in that block.
    pub index: u32,
    /// Its log, as verification produced it.
    pub log: TxLog,
    /// Its weight (`None` in records written before weights were kept).
    pub weight: Option<u64>,
}

impl TxRecord {
    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.write_u64(self.height);
        w.write_u32(self.index);
        w.write_u32(u32::try_from(self.log.len()).expect("fewer than 2^32 log entries"));
        for entry in self.log.iter() {
            write_entry(&mut w, entry);
        }
        if let Some(weight) = self.weight {
            w.write_u64(weight);
        }
        w
    }

    /// Decodes a record that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<TxRecord, NodeError> {
        Reader::parse(bytes, |r| {
            let height = r.read_u64()?;
            let index = r.read_u32()?;
            let count = r.read_count(1)?;
            let mut entries = Vec::with_capacity(count);
            for _ in 0..count {
                entries.push(read_entry(r)?);
            }
            let weight = match r.remaining() {
                0 => None,
                _ => Some(r.read_u64()?),
            };
            Ok(TxRecord {
                height,
                index,
                log: TxLog::from(entries),
                weight,
            })
        })
        .map_err(|e: NodeError| NodeError::Corrupt(format!("transaction record: {e}")))
    }
}

fn write_entry(w: &mut Vec<u8>, entry: &TxEntry) {
    match entry {
        TxEntry::Header(h) => {
            w.write_u8(HEADER);
            h.encode(w);
        }
        TxEntry::Issue(q, f) => {
            w.write_u8(ISSUE);
            w.write_point(q);
            w.write_point(f);
        }
        TxEntry::Retire(q, f) => {
            w.write_u8(RETIRE);
            w.write_point(q);
            w.write_point(f);
        }
        TxEntry::Input(id) => {
            w.write_u8(INPUT);
            w.write_bytes(&id.0);
        }
        TxEntry::Output(c) => {
            w.write_u8(OUTPUT);
            c.encode(w);
        }
        TxEntry::Fee(fee) => {
            w.write_u8(FEE);
            w.write_u64(*fee);
        }
        TxEntry::Data(d) => {
            w.write_u8(DATA);
            w.write_len_prefixed(d);
        }
    }
}

fn read_entry(r: &mut Reader<'_>) -> Result<TxEntry, NodeError> {
    Ok(match r.read_u8()? {
        HEADER => TxEntry::Header(TxHeader::decode(r)?),
        ISSUE => TxEntry::Issue(r.read_point()?, r.read_point()?),
        RETIRE => TxEntry::Retire(r.read_point()?, r.read_point()?),
        INPUT => TxEntry::Input(ContractId(r.read_array()?)),
        OUTPUT => TxEntry::Output(Box::new(Contract::decode(r)?)),
        FEE => TxEntry::Fee(r.read_u64()?),
        DATA => TxEntry::Data(r.read_len_prefixed()?.to_vec()),
        tag => return Err(NodeError::Corrupt(format!("unknown log entry tag {tag}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::ristretto::CompressedRistretto;
    use zkvm::{Anchor, Predicate};

    #[test]
    fn records_round_trip_every_entry_kind() {
        let header = TxHeader {
            version: 1,
            mintime_ms: 2,
            maxtime_ms: 3,
        };
        let point = CompressedRistretto([7; 32]);
        let output = Contract {
            predicate: Predicate::opaque(point),
            payload: Vec::new(),
            anchor: Anchor([9; 32]),
        };
        let log = TxLog::from(vec![
            TxEntry::Header(header),
            TxEntry::Issue(point, point),
            TxEntry::Retire(point, point),
            TxEntry::Input(ContractId([1; 32])),
            TxEntry::Output(Box::new(output)),
            TxEntry::Fee(42),
            TxEntry::Data(vec![1, 2, 3]),
        ]);
        let mut record = TxRecord {
            height: 5,
            index: 2,
            log,
            weight: Some(4_205),
        };
        let bytes = record.to_bytes();
        assert_eq!(TxRecord::from_bytes(&bytes).unwrap(), record);
        assert!(matches!(
            TxRecord::from_bytes(&bytes[..bytes.len() - 1]),
            Err(NodeError::Corrupt(_))
        ));
        // A record of an earlier node has no weight.
        let earlier = &bytes[..bytes.len() - 8];
        record.weight = None;
        assert_eq!(TxRecord::from_bytes(earlier).unwrap(), record);
        let mut tag = bytes.clone();
        tag[16] = 99;
        assert!(matches!(
            TxRecord::from_bytes(&tag),
            Err(NodeError::Corrupt(_))
        ));
    }
}
