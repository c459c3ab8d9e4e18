//! Payment disclosures: a text that proves that output `N` of a confirmed
//! transaction `T` carries quantity `Q` of flavor `F` to address `A`, and shows
//! nothing else: not the other outputs, not the inputs, not the wallet.
//!
//! What is revealed is that one output's opening (quantity, flavor and both blinding
//! factors) and, from its note, the point `R` and the binding value `b` (version 2
//! notes, see [`crate::note`]). A verifier who has `T`'s log (from any node; the log's
//! hash is `T`, so a node cannot substitute another) checks:
//!
//! 1. the log is the transaction's: its ID is `T`;
//! 2. the transaction has an output `N`;
//! 3. the log holds a note with that `R`;
//! 4. the output's predicate is `C + t·B` with `t` from `(R, E, b)` ([`binding_tweak`]),
//!    `(C, E)` being the address: the key was made for this address, and only the
//!    holder of `C`'s secret can spend it;
//! 5. the output's commitments open to `Q` and `F` with the blinding factors.
//!
//! The recipient discloses a payment it received (it opens the note); the sender
//! discloses one it made (its outgoing record keeps the note's secret). Nobody else
//! can: making `t` fit another address is a discrete logarithm.
//!
//! Text: bech32m (see [`crate::text`]) with the network's prefix followed by
//! `disclose` (`zkddisclose1…`); data `version (1) || T (32) || N (LE32) ||
//! address (65: version, C, E) || Q (LE64) || F (32) || qty blinding (32) ||
//! flv blinding (32) || R (32) || b (32)`: 270 bytes.

use crate::address::{Address, Network};
use crate::errors::WalletError;
use crate::history::{carries, paid_address, sender_note};
use crate::ledger::Owner;
use crate::note::{binding_tweak, note_point, KeyKind, NoteBinding, OpenedNote};
use crate::outgoing::{self, OutgoingItem, OUTGOING_TAG};
use crate::text;
use crate::wallet::Wallet;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use zeroize::Zeroizing;
use zkvm::{Commitment, Contract, ContractId, PortableItem, TxEntry, TxId, TxLog};

/// The version byte of a disclosure's text.
pub const DISCLOSURE_VERSION: u8 = 1;
const KIND: &str = "disclose";
const WHAT: &str = "payment disclosure";

/// A payment disclosure.
#[derive(Clone, PartialEq, Eq)]
pub struct Disclosure {
    network: Network,
    tx: TxId,
    index: u32,
    address: Address,
    qty: u64,
    flavor: Scalar,
    qty_blinding: Scalar,
    flv_blinding: Scalar,
    note: CompressedRistretto,
    binding: NoteBinding,
}

/// What a disclosure proves, once verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisclosedPayment {
    /// The transaction.
    pub tx: TxId,
    /// The output's index among the transaction's outputs.
    pub index: u32,
    /// The output's contract ID.
    pub output: ContractId,
    /// Who controls it.
    pub address: Address,
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flavor: Scalar,
}

impl core::fmt::Debug for Disclosure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Disclosure")
            .field("tx", &self.tx)
            .field("index", &self.index)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Verifies disclosure `text` for `network` against the log of the transaction it
/// names, as a node returned it: the payment it proves, or the check that failed.
pub fn verify_disclosure(
    text: &str,
    network: Network,
    log: &TxLog,
) -> Result<DisclosedPayment, WalletError> {
    Disclosure::from_text(text, network)?.verify(log)
}

impl Disclosure {
    /// The transaction it names (what to ask a node for).
    pub fn tx(&self) -> TxId {
        self.tx
    }

    /// The output's index among the transaction's outputs.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Checks the disclosure against the transaction's log.
    pub fn verify(&self, log: &TxLog) -> Result<DisclosedPayment, WalletError> {
        let mismatch = |what| Err(WalletError::DisclosureMismatch { what });
        if log.id() != self.tx {
            return mismatch("the log given is not the transaction's it names");
        }
        let output = nth_output(log, self.index)?;
        let has_note = log.iter().any(|e| match e {
            TxEntry::Data(d) => note_point(d) == Some(self.note),
            _ => false,
        });
        if !has_note {
            return mismatch("the transaction holds no note of this payment");
        }
        let e = self.address.encryption_key().compress();
        let tweak = binding_tweak(&self.note, &e, &self.binding.0);
        let key = self.address.control_key().as_point() + RistrettoPoint::mul_base(&tweak);
        if output.predicate.to_point() != key.compress() {
            return mismatch("the output is not paid to this address");
        }
        let [PortableItem::Value(value)] = output.payload.as_slice() else {
            return mismatch("the output holds more than one value");
        };
        if value.qty != Commitment::blinded_with_factor(self.qty, self.qty_blinding) {
            return mismatch("the output does not carry this quantity");
        }
        if value.flv != Commitment::blinded_with_factor(self.flavor, self.flv_blinding) {
            return mismatch("the output does not carry this flavor");
        }
        Ok(DisclosedPayment {
            tx: self.tx,
            index: self.index,
            output: output.id(),
            address: self.address,
            qty: self.qty,
            flavor: self.flavor,
        })
    }

    /// The disclosure as text.
    pub fn to_text(&self) -> String {
        let mut body = Zeroizing::new(Vec::with_capacity(270));
        body.write_u8(DISCLOSURE_VERSION);
        body.write_bytes(&self.tx.0);
        body.write_u32(self.index);
        body.write_bytes(&self.address.to_bytes());
        body.write_u64(self.qty);
        body.write_scalar(&self.flavor);
        body.write_scalar(&self.qty_blinding);
        body.write_scalar(&self.flv_blinding);
        body.write_point(&self.note);
        body.write_bytes(&self.binding.0[..]);
        // The prefix is valid and 270 bytes are far below bech32m's limit.
        text::encode(&text::hrp(self.network, KIND), &body).unwrap_or_default()
    }

    /// Reads a disclosure's text for `network`.
    pub fn from_text(text: &str, network: Network) -> Result<Disclosure, WalletError> {
        let body = text::decode_kind(text, KIND, WHAT, network, DISCLOSURE_VERSION)?;
        let malformed = |_| WalletError::Malformed { what: WHAT };
        Reader::parse(&body, |r| {
            Ok::<_, WalletError>(Disclosure {
                network,
                tx: TxId(r.read_array().map_err(malformed)?),
                index: r.read_u32().map_err(malformed)?,
                address: Address::from_bytes(network, r.read_bytes(65).map_err(malformed)?)?,
                qty: r.read_u64().map_err(malformed)?,
                flavor: r.read_scalar().map_err(malformed)?,
                qty_blinding: r.read_scalar().map_err(malformed)?,
                flv_blinding: r.read_scalar().map_err(malformed)?,
                note: r.read_point().map_err(malformed)?,
                binding: NoteBinding(Zeroizing::new(r.read_array().map_err(malformed)?)),
            })
        })
        .map_err(|e| match e {
            WalletError::State(_) => WalletError::Malformed { what: WHAT },
            other => other,
        })
    }
}

/// Output `index` of `log`.
fn nth_output(log: &TxLog, index: u32) -> Result<&Contract, WalletError> {
    let outputs = log.outputs().count();
    log.outputs()
        .nth(index as usize)
        .ok_or(WalletError::NoSuchOutput {
            tx: log.id(),
            index,
            outputs,
        })
}

/// The note of `output` that the wallet can open, with the address it pays.
struct Found {
    note: OpenedNote,
    address: Address,
    point: CompressedRistretto,
}

impl Wallet {
    /// Discloses output `index` of the transaction whose log is `log`: a payment
    /// this wallet received or sent to an address. Refuses any other output.
    pub fn disclose(&self, log: &TxLog, index: u32) -> Result<Disclosure, WalletError> {
        let tx = log.id();
        let output = nth_output(log, index)?;
        let to_request = WalletError::NotDisclosable {
            reason: "it was paid to a payment request's one-time key, not to an address",
        };
        let Some(found) = self
            .received_note(log, output)
            .or_else(|| self.sent_note(log, output))
        else {
            return Err(
                match self.sent_items(log).any(|item| pays_request(&item, output)) {
                    true => to_request,
                    false => WalletError::NotOurOutput { tx, index },
                },
            );
        };
        let opening = &found.note.plaintext.opening;
        if opening.key != KeyKind::Address {
            return Err(to_request);
        }
        let binding = found
            .note
            .binding
            .clone()
            .ok_or(WalletError::NotDisclosable {
                reason: "its note is of version 1, which has no binding value",
            })?;
        Ok(Disclosure {
            network: self.network,
            tx,
            index,
            address: found.address,
            qty: opening.qty,
            flavor: opening.flavor,
            qty_blinding: opening.qty_blinding,
            flv_blinding: opening.flv_blinding,
            note: found.point,
            binding,
        })
    }

    /// A note of `log` that one of the wallet's accounts opens and that describes
    /// `output`, paid to that account.
    fn received_note(&self, log: &TxLog, output: &Contract) -> Option<Found> {
        for entry in log.iter() {
            let TxEntry::Data(d) = entry else { continue };
            let Some(point) = note_point(d) else { continue };
            for (owner, opener) in &self.openers {
                let Some(note) = opener.open_note(d) else {
                    continue;
                };
                if self.pays(*owner, &note, output) {
                    let address = self.address(*owner).ok()?;
                    return Some(Found {
                        note,
                        address,
                        point,
                    });
                }
            }
        }
        None
    }

    /// Whether `note` describes `output` paid to `owner`'s own key.
    fn pays(&self, owner: Owner, note: &OpenedNote, output: &Contract) -> bool {
        let opening = &note.plaintext.opening;
        carries(output, opening)
            && self
                .payment_point(owner, opening, &note.tweak)
                .is_ok_and(|p| p == output.predicate.to_point())
    }

    /// The items of the outgoing records of `log` that the wallet opens.
    fn sent_items<'a>(&'a self, log: &'a TxLog) -> impl Iterator<Item = OutgoingItem> + 'a {
        let secrets = self.outgoing_secrets();
        log.iter()
            .filter_map(|e| match e {
                TxEntry::Data(d) if d.starts_with(OUTGOING_TAG) => Some(d),
                _ => None,
            })
            .filter_map(move |record| secrets.iter().find_map(|(_, s)| outgoing::open(s, record)))
            .flatten()
    }

    /// A note of `log` that one of the wallet's outgoing records names and that
    /// describes `output`.
    fn sent_note(&self, log: &TxLog, output: &Contract) -> Option<Found> {
        self.sent_items(log).find_map(|item| match item {
            OutgoingItem::Address { encryption, secret } => {
                sent_to(log, output, &encryption, secret.expose(), self.network)
            }
            _ => None,
        })
    }
}

/// The note of `log` with `R = r·B`, if it describes `output`, with the address it
/// pays.
fn sent_to(
    log: &TxLog,
    output: &Contract,
    encryption: &CompressedRistretto,
    r: &Scalar,
    network: Network,
) -> Option<Found> {
    let (note, point, e) = sender_note(log, encryption, r)?;
    if !carries(output, &note.plaintext.opening) {
        return None;
    }
    let address = paid_address(output, &note, e, network)?;
    Some(Found {
        note,
        address,
        point,
    })
}

/// Whether a record item is the payment of `output` to a request key.
fn pays_request(item: &OutgoingItem, output: &Contract) -> bool {
    matches!(item, OutgoingItem::Request { key, opening }
        if output.predicate.to_point() == *key && carries(output, opening))
}
