//! The transaction log and the transaction ID: a Merkle root over the header and the
//! log entries, each committed to a transcript labelled `ZkVM.txid`.

use crate::contract::{Contract, ContractId};
use crate::transcript::{labels, TranscriptProtocol};
use crate::tx::TxHeader;
use curve25519_dalek::ristretto::CompressedRistretto;
use merkle::{Hasher, MerkleItem};
use merlin::Transcript;

/// The ID of a transaction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct TxId(pub [u8; 32]);

encoding::hex_display!(TxId);

impl TxId {
    /// The Merkle root of the entries (the header first).
    pub fn from_log(entries: &[TxEntry]) -> TxId {
        TxId(merkle::root(&Hasher::new(labels::TXID), entries).0)
    }

    /// The ID's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl MerkleItem for TxId {
    /// How a transaction ID enters a Merkle tree (blocks use it).
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"txid", &self.0);
    }
}

/// One effect of a transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum TxEntry {
    /// The transaction header (always the first entry).
    Header(TxHeader),
    /// `issue`: the quantity and flavor commitments.
    Issue(CompressedRistretto, CompressedRistretto),
    /// `retire`: the quantity and flavor commitments.
    Retire(CompressedRistretto, CompressedRistretto),
    /// `input`: the ID of the claimed output.
    Input(ContractId),
    /// `output`: the new output.
    Output(Box<Contract>),
    /// `fee`: the amount.
    Fee(u64),
    /// `log`: the data.
    Data(Vec<u8>),
}

impl MerkleItem for TxEntry {
    fn commit(&self, t: &mut Transcript) {
        match self {
            TxEntry::Header(h) => {
                t.append_u64(b"tx.version", h.version);
                t.append_u64(b"tx.mintime", h.mintime_ms);
                t.append_u64(b"tx.maxtime", h.maxtime_ms);
            }
            TxEntry::Issue(q, f) => {
                t.append_point(b"issue.q", q);
                t.append_point(b"issue.f", f);
            }
            TxEntry::Retire(q, f) => {
                t.append_point(b"retire.q", q);
                t.append_point(b"retire.f", f);
            }
            TxEntry::Input(id) => t.append_message(b"input", &id.0),
            TxEntry::Output(c) => t.append_message(b"output", &c.id().0),
            TxEntry::Fee(fee) => t.append_u64(b"fee", *fee),
            TxEntry::Data(d) => t.append_message(b"data", d),
        }
    }
}

/// The log of a transaction, the header first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TxLog(Vec<TxEntry>);

impl TxLog {
    /// A log holding only the header.
    pub fn new(header: TxHeader) -> Self {
        TxLog(vec![TxEntry::Header(header)])
    }

    /// Appends an entry.
    pub fn push(&mut self, entry: TxEntry) {
        self.0.push(entry);
    }

    /// The entries.
    pub fn entries(&self) -> &[TxEntry] {
        &self.0
    }

    /// The transaction ID.
    pub fn id(&self) -> TxId {
        TxId::from_log(&self.0)
    }

    /// The IDs of the claimed outputs.
    pub fn inputs(&self) -> impl Iterator<Item = &ContractId> {
        self.0.iter().filter_map(|e| match e {
            TxEntry::Input(id) => Some(id),
            _ => None,
        })
    }

    /// The new outputs.
    pub fn outputs(&self) -> impl Iterator<Item = &Contract> {
        self.0.iter().filter_map(|e| match e {
            TxEntry::Output(c) => Some(&**c),
            _ => None,
        })
    }

    /// The sum of the fee entries.
    pub fn fee(&self) -> u64 {
        self.0
            .iter()
            .map(|e| match e {
                TxEntry::Fee(f) => *f,
                _ => 0,
            })
            .fold(0u64, u64::saturating_add)
    }
}

impl From<Vec<TxEntry>> for TxLog {
    fn from(v: Vec<TxEntry>) -> Self {
        TxLog(v)
    }
}

impl core::ops::Deref for TxLog {
    type Target = [TxEntry];
    fn deref(&self) -> &[TxEntry] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_entries() {
        let header = TxHeader {
            version: 1,
            mintime_ms: 0,
            maxtime_ms: 10,
        };
        let mut log = TxLog::new(header);
        let a = log.id();
        log.push(TxEntry::Data(b"x".to_vec()));
        log.push(TxEntry::Fee(3));
        assert_ne!(log.id(), a);
        assert_eq!(log.fee(), 3);
        let path = merkle::Path::build(&Hasher::new(labels::TXID), log.entries(), 1).unwrap();
        let root = merkle::Hash(log.id().0);
        assert!(path
            .verify(&Hasher::new(labels::TXID), &log[1], &root)
            .is_ok());
    }
}
