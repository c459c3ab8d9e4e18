//! History: what each block meant for the wallet, as a person reads it.
//!
//! [`Wallet::apply_block`] reports, beside the outputs received and spent, a
//! [`BlockHistory`]: every payment received (amount, flavor, memo) and every
//! transaction the wallet's accounts sent (recipients, amounts, flavors, memos,
//! retirements, issuances, fee). Received payments come from the notes the wallet
//! opens with its incoming keys; sent ones from the outgoing records it opens with
//! its outgoing keys ([`crate::outgoing`]), so a wallet rebuilt from its root and a
//! watch-only wallet made from the full viewing key tell the same history as the
//! wallet that sent. Names of flavors found in notes are learned on the way
//! ([`crate::assets`]).

use crate::address::{Address, Network};
use crate::ledger::{contract, Owner};
use crate::note::{note_point, open_as_sender, AssetName, Memo, NoteOpener, OpenedNote, Opening};
use crate::outgoing::{self, OutgoingItem, OUTGOING_TAG};
use crate::tracking::BlockTxs;
use crate::wallet::Wallet;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use musig::VerificationKey;
use std::collections::BTreeSet;
use zeroize::Zeroizing;
use zkvm::{Anchor, Contract, ContractId, Predicate, TxEntry, TxId, TxLog, VerifiedTx};

/// What a block meant for the wallet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockHistory {
    /// Payments received (change included), in block order.
    pub received: Vec<Receipt>,
    /// Transactions the wallet's accounts sent, in block order.
    pub sent: Vec<SentRecord>,
}

/// A payment received.
#[derive(Clone, PartialEq)]
pub struct Receipt {
    /// The transaction.
    pub tx: TxId,
    /// The new output.
    pub output: ContractId,
    /// Who owns it.
    pub owner: Owner,
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flavor: Scalar,
    /// The sender's memo.
    pub memo: Option<Memo>,
}

/// Where a payment went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// An address.
    Address(Address),
    /// The one-time key of a payment request.
    RequestKey(VerificationKey),
}

/// One payment of a sent transaction.
#[derive(Clone, PartialEq)]
pub struct SentPayment {
    /// The output it made.
    pub output: ContractId,
    /// Where it went.
    pub to: Recipient,
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flavor: Scalar,
    /// The memo written to the recipient.
    pub memo: Option<Memo>,
}

/// A transaction an account of the wallet sent.
#[derive(Clone, PartialEq)]
pub struct SentRecord {
    /// The transaction.
    pub tx: TxId,
    /// The sending account.
    pub from: Owner,
    /// The fee it paid.
    pub fee: u64,
    /// Its payments (change left out).
    pub payments: Vec<SentPayment>,
    /// What it retired: quantity and flavor.
    pub retired: Vec<(u64, Scalar)>,
    /// What it issued: quantity and flavor.
    pub issued: Vec<(u64, Scalar)>,
}

// Amounts, flavors and memos are private: `Debug` shows the IDs only.
impl core::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receipt")
            .field("tx", &self.tx)
            .field("output", &self.output)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for SentPayment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SentPayment")
            .field("output", &self.output)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for SentRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SentRecord")
            .field("tx", &self.tx)
            .field("from", &self.from)
            .field("payments", &self.payments)
            .finish_non_exhaustive()
    }
}

/// Whether `output` is the output `opening` describes (any predicate, any anchor).
pub(crate) fn carries(output: &Contract, opening: &Opening) -> bool {
    let expected = contract(
        Predicate::opaque(output.predicate.to_point()),
        opening,
        Anchor::default(),
    );
    output.payload == expected.payload
}

impl Wallet {
    /// The history of a block whose transactions are `txs`, of which the outputs
    /// `received` are the wallet's new ones; learns the flavor names its notes give.
    /// A compact block holds no outgoing records: its history has the payments
    /// received only.
    pub(crate) fn record_history<T: BlockTxs + ?Sized>(
        &mut self,
        txs: &T,
        received: &[ContractId],
    ) -> BlockHistory {
        let received: BTreeSet<&ContractId> = received.iter().collect();
        let mut history = BlockHistory::default();
        let mut names = Vec::new();
        for tx in 0..txs.count() {
            for (id, _) in txs.outputs(tx) {
                if received.contains(&id) {
                    if let Some((receipt, note)) = self.receipt(txs, tx, id) {
                        names.extend(
                            note.and_then(|n| n.plaintext.asset.map(|a| (receipt.flavor, a))),
                        );
                        history.received.push(receipt);
                    }
                }
            }
            if let Some(tx) = txs.full(tx) {
                history.sent.extend(self.sent_and_named(tx, &mut names));
            }
        }
        for (flavor, name) in names {
            self.assets.learn(&flavor, &name);
        }
        history
    }

    /// What the wallet's accounts sent in `txs` (the full form of transactions a
    /// compact block named in [`crate::BlockReport::unlisted_sends`], verified by the
    /// caller), in order; learns the flavor names their notes give.
    pub fn record_sent(&mut self, txs: &[VerifiedTx]) -> Vec<SentRecord> {
        let mut names = Vec::new();
        let sent = txs
            .iter()
            .flat_map(|tx| self.sent_and_named(tx, &mut names))
            .collect();
        for (flavor, name) in names {
            self.assets.learn(&flavor, &name);
        }
        sent
    }

    /// The records of `tx` that the wallet's outgoing keys open; the names of
    /// flavors their notes give go to `names`.
    fn sent_and_named(
        &self,
        tx: &VerifiedTx,
        names: &mut Vec<(Scalar, AssetName)>,
    ) -> Vec<SentRecord> {
        let mut sent = Vec::new();
        for (record, notes) in self.sent_records(tx) {
            names.extend(notes.into_iter().filter_map(|n| {
                let flavor = n.plaintext.opening.flavor;
                n.plaintext.asset.map(|a| (flavor, a))
            }));
            sent.push(record);
        }
        sent
    }

    /// The receipt of output `id` of transaction `tx` (owned by the wallet), with its
    /// note.
    fn receipt<T: BlockTxs + ?Sized>(
        &self,
        txs: &T,
        tx: usize,
        id: ContractId,
    ) -> Option<(Receipt, Option<OpenedNote>)> {
        let owned = self.ledger.outputs.get(&id)?;
        let opener = self
            .openers
            .iter()
            .find(|(owner, _)| *owner == owned.owner)
            .map(|(_, o)| o);
        let note = opener.and_then(|o| find_note(&txs.notes(tx), o, &owned.opening));
        let receipt = Receipt {
            tx: txs.id(tx),
            output: id,
            owner: owned.owner,
            qty: owned.opening.qty,
            flavor: owned.opening.flavor,
            memo: note.as_ref().and_then(|n| n.plaintext.memo.clone()),
        };
        Some((receipt, note))
    }

    /// The outgoing secrets of the wallet's accounts (and its shared account).
    pub(crate) fn outgoing_secrets(&self) -> Vec<(Owner, Zeroizing<[u8; 32]>)> {
        let accounts = self.accounts.iter().filter_map(|a| {
            let key = a.outgoing_viewing_key()?;
            Some((Owner::Account(a.index()), Zeroizing::new(*key.secret())))
        });
        let shared = self
            .shared
            .iter()
            .map(|s| (Owner::Shared, s.outgoing_secret()));
        accounts.chain(shared).collect()
    }

    /// The records of `tx` that the wallet's outgoing keys open, with the notes of
    /// their address payments.
    fn sent_records(&self, tx: &VerifiedTx) -> Vec<(SentRecord, Vec<OpenedNote>)> {
        let records = tx.log.iter().filter_map(|e| match e {
            TxEntry::Data(d) if d.starts_with(OUTGOING_TAG) => Some(d),
            _ => None,
        });
        let mut sent = Vec::new();
        for entry in records {
            for (owner, secret) in self.outgoing_secrets() {
                if let Some(items) = outgoing::open(&secret, entry) {
                    sent.push(self.sent_record(tx, owner, &items));
                    break;
                }
            }
        }
        sent
    }

    fn sent_record(
        &self,
        tx: &VerifiedTx,
        from: Owner,
        items: &[OutgoingItem],
    ) -> (SentRecord, Vec<OpenedNote>) {
        let mut record = SentRecord {
            tx: tx.id,
            from,
            fee: tx.log.fee(),
            payments: Vec::new(),
            retired: Vec::new(),
            issued: Vec::new(),
        };
        let mut notes = Vec::new();
        for item in items {
            match item {
                OutgoingItem::Address { encryption, secret } => {
                    if let Some((payment, note)) =
                        self.address_payment(tx, encryption, secret.expose())
                    {
                        record.payments.push(payment);
                        notes.push(note);
                    }
                }
                OutgoingItem::Request { key, opening } => {
                    if let Some(payment) = request_payment(tx, key, opening) {
                        record.payments.push(payment);
                    }
                }
                OutgoingItem::Retirement { qty, flavor } => record.retired.push((*qty, *flavor)),
                OutgoingItem::Issuance { qty, flavor } => record.issued.push((*qty, *flavor)),
            }
        }
        (record, notes)
    }

    /// The payment to an address that a record item describes.
    fn address_payment(
        &self,
        tx: &VerifiedTx,
        encryption: &CompressedRistretto,
        r: &Scalar,
    ) -> Option<(SentPayment, OpenedNote)> {
        let (note, _, e) = sender_note(&tx.log, encryption, r)?;
        let opening = &note.plaintext.opening;
        let output = tx.log.outputs().find(|c| carries(c, opening))?;
        let payment = SentPayment {
            output: output.id(),
            to: Recipient::Address(paid_address(output, &note, e, self.network)?),
            qty: opening.qty,
            flavor: opening.flavor,
            memo: note.plaintext.memo.clone(),
        };
        Some((payment, note))
    }
}

/// The note of `log` with `R = r·B`, opened as its sender does with `r·E`; with `R`
/// and `E`.
pub(crate) fn sender_note(
    log: &TxLog,
    encryption: &CompressedRistretto,
    r: &Scalar,
) -> Option<(OpenedNote, CompressedRistretto, RistrettoPoint)> {
    let e = encryption.decompress()?;
    let point = RistrettoPoint::mul_base(r).compress();
    let note = log.iter().find_map(|entry| match entry {
        TxEntry::Data(d) if note_point(d) == Some(point) => open_as_sender(d, r, &e),
        _ => None,
    })?;
    Some((note, point, e))
}

/// The address a sent note paid with `output`: its control key is `P − t·B`.
pub(crate) fn paid_address(
    output: &Contract,
    note: &OpenedNote,
    e: RistrettoPoint,
    network: Network,
) -> Option<Address> {
    let control = output.predicate.to_point().decompress()? - RistrettoPoint::mul_base(&note.tweak);
    Some(Address::new(
        network,
        VerificationKey::from_point(control),
        e,
    ))
}

/// The payment to a request key that a record item describes.
fn request_payment(
    tx: &VerifiedTx,
    key: &CompressedRistretto,
    opening: &Opening,
) -> Option<SentPayment> {
    let output = tx
        .log
        .outputs()
        .find(|c| c.predicate.to_point() == *key && carries(c, opening))?;
    Some(SentPayment {
        output: output.id(),
        to: Recipient::RequestKey(VerificationKey::from_compressed(*key).ok()?),
        qty: opening.qty,
        flavor: opening.flavor,
        memo: None,
    })
}

/// The note among `notes` that `opener` opens to `opening`.
fn find_note(notes: &[&[u8]], opener: &NoteOpener, opening: &Opening) -> Option<OpenedNote> {
    notes.iter().find_map(|d| {
        opener
            .open_note(d)
            .filter(|n| n.plaintext.opening == *opening)
    })
}
