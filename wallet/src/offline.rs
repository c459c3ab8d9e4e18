//! Offline signing: a transaction built and proven where the chain is (by a
//! watch-only wallet of the account's full viewing key, or by the spending wallet),
//! reviewed and signed where the root key is, on a machine with no node.
//!
//! The online side writes a [`Proposal`] ([`Wallet::build_unsigned`]): the proven
//! transaction with an all-zero signature, its ID and fee, what each key must sign
//! (the `signtx` predicates with the contract IDs and key-tree paths of their keys),
//! the openings of the spent outputs, and every output as it should be shown: the
//! recipient's address, amount, flavor and memo with the note's secret, or change.
//! The prover needs no secret key for any of this: a predicate is a public key, and
//! `signtx` only records what must sign.
//!
//! The offline side ([`sign`]) trusts none of it. It derives each key from the root
//! and its path and checks it is the predicate to sign; runs the verifier's VM on
//! the transaction to get its log and ID; checks the ID and the fee; recomputes each
//! spent output's contract ID from its opening and derived key; reopens every shown
//! payment's note with its secret and the recipient's key and recomputes the output
//! it must make (payment key `C + t·B` and commitments) in the log's order, so that
//! no output is hidden; checks the issued flavors; and checks that per flavor what
//! the inputs and issuances bring equals what the outputs, retirements and fee take.
//! Only then does it sign, and it verifies the signed transaction in full (the
//! proof included) before handing it back. Each refusal names what differs.
//!
//! What the amount check cannot see: the retired and issued quantities are hidden
//! in commitments whose blinding factors the builder chose at random, so a proposal
//! could issue more and retire as much more of the same flavor without showing it.
//! No value of the wallet moves that way.
//!
//! Encoding (version 1), every integer little-endian:
//!
//! ```text
//! "zkut" || version (1) || network (1) || account (LE64)
//! || LE32 length || transaction (its encoding; the signature is zero until signed)
//! || transaction ID (32) || fee (LE64)
//! || LE32 count || signers: predicate (32) || contract ID (32) || path
//!      path = 0x00 || tweak (32)          the account's control key + tweak
//!           | 0x01 || index (LE64)        the account's request key `index`
//!           | 0x02                        the account's issuer key
//! || LE32 count || inputs, in the log's order: opening (113) || anchor (32)
//! || LE32 count || outputs, in the log's order:
//!      0x00 || address (65) || opening (113) || note secret (32) || LE16 memo length || memo
//!      0x01 || request index (LE64) || key (32) || opening (113)
//!      0x02 || opening (113) || note secret (32)                      change
//! || LE32 count || retirements: qty (LE64) || flavor (32)
//! || LE32 count || issuances: qty (LE64) || LE32 length || metadata
//! ```
//!
//! Signers come in `signtx` order: one per input (input `i` with signer `i`), then
//! one per issuance.

use crate::address::{Address, Network};
use crate::errors::WalletError;
use crate::history::{carries, Recipient, SentPayment};
use crate::keys::{AccountKeys, SecretScalar};
use crate::ledger::{contract, Owner};
use crate::note::{note_point, open_as_sender, KeyKind, Memo, Opening};
use crate::request::PaymentReply;
use crate::send::{SentTx, TxPlan};
pub use crate::send::{Shown, ShownOutput};
use crate::wallet::Wallet;
use batch::{BatchVerifier, Generators};
use blockchain::BlockTx;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader, Writer};
use keytree::Xprv;
use musig::{SigningKey, VerificationKey};
use rand_core::{CryptoRng, OsRng, RngCore};
use zkvm::{
    issue_flavor, Anchor, Commitment, Contract, ContractId, Predicate, Tx, TxEntry, TxId,
    UnsignedTx, VerifiedTx, Verifier, FEE_FLAVOR,
};

/// The first bytes of a proposal.
pub const PROPOSAL_TAG: &[u8; 4] = b"zkut";
/// The version this code writes and reads.
pub const PROPOSAL_VERSION: u8 = 1;

/// Where a signing key is in the proposal's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPath {
    /// The control key plus a note's tweak (an output paid to the address).
    Control {
        /// The tweak.
        tweak: Scalar,
    },
    /// One-time key `index` (an output paid to a payment request).
    Request {
        /// The key's index.
        index: u64,
    },
    /// The issuer key.
    Issuer,
}

/// A key that must sign: the predicate, the contract it opened, and the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// The `signtx` predicate.
    pub predicate: CompressedRistretto,
    /// The ID of the contract it opened (the message it signs beside the ID).
    pub contract: ContractId,
    /// Where its secret key is.
    pub path: KeyPath,
}

/// A spent output's opening and anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownInput {
    /// The opening.
    pub opening: Opening,
    /// The anchor.
    pub anchor: Anchor,
}

/// An unsigned (or, after [`sign`], signed) transaction with what its signer needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The network.
    pub network: Network,
    /// The paying account.
    pub account: u64,
    /// The transaction; its signature is zero until signed.
    pub tx: Tx,
    /// The transaction ID the builder computed.
    pub id: TxId,
    /// The fee.
    pub fee: u64,
    /// The keys that sign, in `signtx` order.
    pub signers: Vec<Signer>,
    /// The spent outputs, in the log's order.
    pub inputs: Vec<ShownInput>,
    /// The outputs, retirements and issuances.
    pub shown: Shown,
}

/// What the signer checked and shows before signing.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// The transaction.
    pub tx: TxId,
    /// The paying account.
    pub account: u64,
    /// Spent, per flavor.
    pub spent: Vec<(u64, Scalar)>,
    /// The payments.
    pub payments: Vec<SentPayment>,
    /// Change back to the account, per output.
    pub change: Vec<(u64, Scalar)>,
    /// Retired: quantity and flavor.
    pub retired: Vec<(u64, Scalar)>,
    /// Issued: quantity and flavor.
    pub issued: Vec<(u64, Scalar)>,
    /// The fee.
    pub fee: u64,
}

/// Quantities per flavor.
type Totals = Vec<(u64, Scalar)>;

/// A refusal naming what differs.
fn refuse(what: impl Into<String>) -> WalletError {
    WalletError::ProposalRefused { what: what.into() }
}

/// Reviews `proposal` against the transaction it carries, with the keys of `root`
/// on `network`: what it does, or the first difference between what it shows and
/// what the transaction does.
pub fn review(
    root: &Xprv,
    network: Network,
    proposal: &Proposal,
    gens: &Generators,
) -> Result<Review, WalletError> {
    Ok(check(root, network, proposal, gens)?.review)
}

/// Reviews `proposal` ([`review`]) and signs it: the signed proposal (its
/// transaction verified in full) and the review to show.
pub fn sign<R: RngCore + CryptoRng>(
    root: &Xprv,
    network: Network,
    proposal: &Proposal,
    gens: &Generators,
    rng: &mut R,
) -> Result<(Proposal, Review), WalletError> {
    let checked = check(root, network, proposal, gens)?;
    let signing_instructions = proposal
        .signers
        .iter()
        .map(|s| (Predicate::opaque(s.predicate), s.contract))
        .collect();
    let unsigned = UnsignedTx {
        header: proposal.tx.header,
        program: proposal.tx.program.clone(),
        proof: proposal.tx.proof.clone(),
        id: checked.verified.id,
        fee: checked.verified.log.fee(),
        run_weight: checked
            .verified
            .weight
            .saturating_sub(proposal.tx.encoded_len() as u64),
        log: checked.verified.log,
        signing_instructions,
    };
    let tx = unsigned.sign_with_keys(&checked.keys, rng)?;
    if let Err(e) = Verifier::verify_tx(&tx, gens) {
        let reason = Verifier::explain_failure(&tx, gens).err().unwrap_or(e);
        return Err(refuse(format!(
            "the signed transaction does not verify ({reason}): its proof or program was changed"
        )));
    }
    let mut signed = proposal.clone();
    signed.tx = tx;
    Ok((signed, checked.review))
}

/// What [`check`] establishes.
struct Checked {
    verified: VerifiedTx,
    keys: Vec<SigningKey>,
    review: Review,
}

fn check(
    root: &Xprv,
    network: Network,
    p: &Proposal,
    gens: &Generators,
) -> Result<Checked, WalletError> {
    if p.network != network {
        return Err(WalletError::WrongNetwork {
            expected: network.to_string(),
            found: p.network.to_string(),
        });
    }
    let account = AccountKeys::derive(root, p.account);
    let keys = signing_keys(&account, &p.signers)?;
    let verified = run(p, gens)?;
    if verified.id != p.id {
        return Err(refuse(
            "the program or header was changed: the transaction does not have the ID shown",
        ));
    }
    if verified.log.fee() != p.fee {
        return Err(refuse(format!(
            "the fee is {}, not the {} shown",
            verified.log.fee(),
            p.fee
        )));
    }
    let spent = check_inputs(p, &verified)?;
    let issued = check_issuances(&account, p, &verified)?;
    let own = account.address(network);
    let (payments, change) = check_outputs(p, &verified, &own)?;
    let review = Review {
        tx: verified.id,
        account: p.account,
        spent,
        payments,
        change,
        retired: p.shown.retirements.clone(),
        issued,
        fee: p.fee,
    };
    check_amounts(
        &review,
        verified
            .log
            .iter()
            .filter(|e| matches!(e, TxEntry::Retire(..)))
            .count(),
    )?;
    Ok(Checked {
        verified,
        keys,
        review,
    })
}

/// The key of each signer, derived from its path; refused unless it is the
/// predicate the signer names.
fn signing_keys(account: &AccountKeys, signers: &[Signer]) -> Result<Vec<SigningKey>, WalletError> {
    signers
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let key = match &s.path {
                KeyPath::Control { tweak } => {
                    SigningKey::new(account.control_key()?.as_scalar() + tweak)
                }
                KeyPath::Request { index } => account.request_key(*index)?,
                KeyPath::Issuer => account.issuer_key()?,
            };
            if key.verification_key().as_compressed() != &s.predicate {
                return Err(refuse(format!(
                    "signer {k}: its derivation path does not give the key it must sign with"
                )));
            }
            Ok(key)
        })
        .collect()
}

/// Runs the verifier's VM on the transaction (the signature and proof are checked
/// after signing): its ID and log.
fn run(p: &Proposal, gens: &Generators) -> Result<VerifiedTx, WalletError> {
    let mut unchecked = BatchVerifier::new(gens, OsRng);
    Verifier::verify_tx_batched(&p.tx, &mut unchecked)
        .map_err(|e| refuse(format!("the program does not run ({e}): it was changed")))
}

/// Each spent output is the contract of its opening under its signer's key; the
/// totals spent per flavor.
fn check_inputs(p: &Proposal, verified: &VerifiedTx) -> Result<Vec<(u64, Scalar)>, WalletError> {
    let ids: Vec<&ContractId> = verified.log.inputs().collect();
    if ids.len() != p.inputs.len() || p.signers.len() < ids.len() {
        return Err(refuse(format!(
            "the transaction spends {} outputs, {} are shown",
            ids.len(),
            p.inputs.len()
        )));
    }
    let mut spent = Vec::new();
    for (i, ((input, signer), id)) in p.inputs.iter().zip(&p.signers).zip(ids).enumerate() {
        let expected = contract(
            Predicate::opaque(signer.predicate),
            &input.opening,
            input.anchor,
        )
        .id();
        let path_ok = !matches!(signer.path, KeyPath::Issuer);
        if expected != *id || signer.contract != *id || !path_ok {
            return Err(refuse(format!(
                "input {i}: the output spent is not the one shown with its key"
            )));
        }
        add(&mut spent, input.opening.flavor, input.opening.qty)?;
    }
    Ok(spent)
}

/// Each issuance is signed by the issuer key and issues the flavor of its metadata;
/// the quantities and flavors issued.
fn check_issuances(
    account: &AccountKeys,
    p: &Proposal,
    verified: &VerifiedTx,
) -> Result<Vec<(u64, Scalar)>, WalletError> {
    let issuer = account.issuer_public_key()?;
    let entries: Vec<&CompressedRistretto> = verified
        .log
        .iter()
        .filter_map(|e| match e {
            TxEntry::Issue(_, flv) => Some(flv),
            _ => None,
        })
        .collect();
    let signers = &p.signers[p.inputs.len()..];
    if entries.len() != p.shown.issuances.len() || signers.len() != p.shown.issuances.len() {
        return Err(refuse(format!(
            "the transaction issues {} times, {} issuances are shown",
            entries.len(),
            p.shown.issuances.len()
        )));
    }
    let mut issued = Vec::new();
    for (i, (((metadata, qty), flv), signer)) in p
        .shown
        .issuances
        .iter()
        .zip(entries)
        .zip(signers)
        .enumerate()
    {
        let flavor = issue_flavor(issuer.as_compressed(), metadata);
        if signer.path != KeyPath::Issuer || *flv != Commitment::unblinded(flavor).to_point() {
            return Err(refuse(format!(
                "issuance {i}: the flavor issued is not the one shown"
            )));
        }
        issued.push((*qty, flavor));
    }
    Ok(issued)
}

/// Every output of the log, in order, is the output shown: the payments and the
/// change.
fn check_outputs(
    p: &Proposal,
    verified: &VerifiedTx,
    own: &Address,
) -> Result<(Vec<SentPayment>, Totals), WalletError> {
    let outputs: Vec<&Contract> = verified.log.outputs().collect();
    if outputs.len() > p.shown.outputs.len() {
        return Err(refuse(format!(
            "output {} of the transaction is not shown: a hidden output",
            p.shown.outputs.len()
        )));
    }
    if outputs.len() < p.shown.outputs.len() {
        return Err(refuse(format!(
            "the transaction makes {} outputs, {} are shown",
            outputs.len(),
            p.shown.outputs.len()
        )));
    }
    let mut payments = Vec::new();
    let mut change = Vec::new();
    for (k, (shown, output)) in p.shown.outputs.iter().zip(outputs).enumerate() {
        match shown {
            ShownOutput::Payment {
                address,
                opening,
                memo,
                note_secret,
            } => {
                let key = note_key(verified, k, address, opening, memo, note_secret)?;
                check_output(k, output, key, opening)?;
                let to = Recipient::Address(**address);
                payments.push(payment(output, to, opening, memo.clone()));
            }
            ShownOutput::Request { key, opening, .. } => {
                let vk = VerificationKey::from_compressed(*key).map_err(|_| {
                    refuse(format!("output {k}: the request key is not a valid point"))
                })?;
                check_output(k, output, *key, opening)?;
                payments.push(payment(output, Recipient::RequestKey(vk), opening, None));
            }
            ShownOutput::Change {
                opening,
                note_secret,
            } => {
                let key = note_key(verified, k, own, opening, &None, note_secret)?;
                check_output(k, output, key, opening)?;
                change.push((opening.qty, opening.flavor));
            }
        }
    }
    Ok((payments, change))
}

fn payment(output: &Contract, to: Recipient, opening: &Opening, memo: Option<Memo>) -> SentPayment {
    SentPayment {
        output: output.id(),
        to,
        qty: opening.qty,
        flavor: opening.flavor,
        memo,
    }
}

/// Reopens the note of output `k` with its secret and the recipient's key, checks
/// it says what is shown, and returns the payment key `C + t·B`.
fn note_key(
    verified: &VerifiedTx,
    k: usize,
    address: &Address,
    opening: &Opening,
    memo: &Option<Memo>,
    secret: &SecretScalar,
) -> Result<CompressedRistretto, WalletError> {
    let r = secret.expose();
    let point = RistrettoPoint::mul_base(r).compress();
    let e = address.encryption_key();
    let note = verified
        .log
        .iter()
        .find_map(|entry| match entry {
            TxEntry::Data(d) if note_point(d) == Some(point) => Some(open_as_sender(d, r, e)),
            _ => None,
        })
        .ok_or_else(|| refuse(format!("output {k}: the transaction has no note for it")))?
        .ok_or_else(|| {
            refuse(format!(
                "output {k}: its note is not for this recipient: the recipient was changed"
            ))
        })?;
    let said = &note.plaintext.opening;
    if said.qty != opening.qty || said.qty_blinding != opening.qty_blinding {
        return Err(refuse(format!(
            "output {k}: the amount differs from its note's"
        )));
    }
    if said.flavor != opening.flavor || said.flv_blinding != opening.flv_blinding {
        return Err(refuse(format!(
            "output {k}: the flavor differs from its note's"
        )));
    }
    if said.key != KeyKind::Address || note.plaintext.memo != *memo {
        return Err(refuse(format!(
            "output {k}: the memo differs from its note's"
        )));
    }
    let key = address.control_key().as_point() + RistrettoPoint::mul_base(&note.tweak);
    Ok(key.compress())
}

/// Output `k` of the log is paid to `key` with `opening`'s commitments.
fn check_output(
    k: usize,
    output: &Contract,
    key: CompressedRistretto,
    opening: &Opening,
) -> Result<(), WalletError> {
    if output.predicate.to_point() != key {
        return Err(refuse(format!(
            "output {k}: the transaction pays another recipient than the one shown"
        )));
    }
    if !carries(output, opening) {
        return Err(refuse(format!(
            "output {k}: the transaction's amount or flavor differs from the one shown"
        )));
    }
    Ok(())
}

/// Per flavor, inputs and issuances equal outputs, retirements and the fee; as many
/// retirements as the log has.
fn check_amounts(review: &Review, retire_entries: usize) -> Result<(), WalletError> {
    let mut ins = review.spent.clone();
    for (qty, flavor) in &review.issued {
        add(&mut ins, *flavor, *qty)?;
    }
    let mut outs = Vec::new();
    let paid = review.payments.iter().map(|p| (p.qty, p.flavor));
    for (qty, flavor) in paid
        .chain(review.change.iter().copied())
        .chain(review.retired.iter().copied())
    {
        add(&mut outs, flavor, qty)?;
    }
    if review.fee > 0 {
        add(&mut outs, FEE_FLAVOR, review.fee)?;
    }
    ins.sort_by_key(|(_, f)| f.to_bytes());
    outs.sort_by_key(|(_, f)| f.to_bytes());
    ins.retain(|(q, _)| *q > 0);
    outs.retain(|(q, _)| *q > 0);
    if ins != outs || retire_entries != review.retired.len() {
        return Err(refuse(
            "the amounts do not add up: value would leave the wallet that is not shown",
        ));
    }
    Ok(())
}

fn add(totals: &mut Vec<(u64, Scalar)>, flavor: Scalar, qty: u64) -> Result<(), WalletError> {
    match totals.iter_mut().find(|(_, f)| *f == flavor) {
        Some((t, _)) => *t = t.checked_add(qty).ok_or(WalletError::Overflow)?,
        None => totals.push((qty, flavor)),
    }
    Ok(())
}

impl Wallet {
    /// Builds and proves `plan` without signing it, for an offline signer: a
    /// watch-only wallet of the full viewing key does this (so does the spending
    /// wallet). Its inputs are reserved until it is submitted
    /// ([`Wallet::complete_offline`]) or released.
    pub fn build_unsigned<R: RngCore + CryptoRng>(
        &mut self,
        plan: &TxPlan,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<Proposal, WalletError> {
        let Owner::Account(account) = plan.from() else {
            return Err(WalletError::Signing(
                "a shared account spends through propose_shared".into(),
            ));
        };
        let built = self.build_plan(plan, gens, rng)?;
        let mut signers = Vec::with_capacity(built.unsigned.signing_instructions.len());
        let mut inputs = Vec::with_capacity(built.inputs.len());
        for id in &built.inputs {
            let o = &self.ledger.outputs[id];
            let path = match o.opening.key {
                KeyKind::Address => KeyPath::Control { tweak: o.tweak },
                KeyKind::Request(index) => KeyPath::Request { index },
            };
            signers.push(path);
            inputs.push(ShownInput {
                opening: o.opening.clone(),
                anchor: o.anchor,
            });
        }
        signers.extend(built.shown.issuances.iter().map(|_| KeyPath::Issuer));
        let signers = built
            .unsigned
            .signing_instructions
            .iter()
            .zip(signers)
            .map(|((predicate, contract), path)| Signer {
                predicate: predicate.to_point(),
                contract: *contract,
                path,
            })
            .collect();
        let u = &built.unsigned;
        let proposal = Proposal {
            network: self.network,
            account,
            tx: Tx {
                header: u.header,
                program: u.program.clone(),
                signature: zkvm::tx::empty_signature(),
                proof: u.proof.clone(),
            },
            id: u.id,
            fee: u.fee,
            signers,
            inputs,
            shown: built.shown.clone(),
        };
        self.ledger.reserve(built.pending());
        Ok(proposal)
    }

    /// Takes a proposal signed offline back: checks the transaction in full and that
    /// the wallet built it, and returns it ready for the mempool, with the proofs of
    /// its inputs and the replies to the requests it pays.
    pub fn complete_offline(
        &self,
        signed: &Proposal,
        gens: &Generators,
    ) -> Result<SentTx, WalletError> {
        let verified = Verifier::verify_tx(&signed.tx, gens)
            .map_err(|e| refuse(format!("the signed transaction does not verify: {e}")))?;
        let pending = self
            .ledger
            .pending
            .get(&verified.id)
            .ok_or(WalletError::UnknownTx(verified.id))?;
        let proofs = pending
            .inputs
            .iter()
            .map(|id| self.ledger.outputs.get(id).map(|o| o.proof.clone()))
            .collect::<Option<Vec<_>>>()
            .ok_or(WalletError::UnknownTx(verified.id))?;
        let replies = signed
            .shown
            .outputs
            .iter()
            .zip(verified.log.outputs())
            .filter_map(|(shown, output)| match shown {
                ShownOutput::Request { index, .. } => Some(PaymentReply {
                    index: *index,
                    tx: verified.id,
                    anchor: output.anchor,
                }),
                _ => None,
            })
            .collect();
        Ok(SentTx {
            id: verified.id,
            block_tx: BlockTx {
                tx: signed.tx.clone(),
                proofs,
            },
            fee: verified.log.fee(),
            replies,
            warnings: Vec::new(),
        })
    }
}

// The encoding.

impl Proposal {
    /// Whether the transaction carries a signature.
    pub fn is_signed(&self) -> bool {
        self.tx.signature.to_bytes() != [0u8; 64]
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.write_bytes(PROPOSAL_TAG);
        w.write_u8(PROPOSAL_VERSION);
        w.write_u8(self.network.to_byte());
        w.write_u64(self.account);
        w.write_len_prefixed(&self.tx.encode_to_vec());
        w.write_bytes(&self.id.0);
        w.write_u64(self.fee);
        w.write_u32(self.signers.len() as u32);
        for s in &self.signers {
            w.write_point(&s.predicate);
            w.write_bytes(&s.contract.0);
            match &s.path {
                KeyPath::Control { tweak } => {
                    w.write_u8(0);
                    w.write_scalar(tweak);
                }
                KeyPath::Request { index } => {
                    w.write_u8(1);
                    w.write_u64(*index);
                }
                KeyPath::Issuer => w.write_u8(2),
            }
        }
        w.write_u32(self.inputs.len() as u32);
        for i in &self.inputs {
            i.opening.encode(&mut w);
            w.write_bytes(&i.anchor.0);
        }
        w.write_u32(self.shown.outputs.len() as u32);
        for o in &self.shown.outputs {
            encode_output(&mut w, o);
        }
        w.write_u32(self.shown.retirements.len() as u32);
        for (qty, flavor) in &self.shown.retirements {
            w.write_u64(*qty);
            w.write_scalar(flavor);
        }
        w.write_u32(self.shown.issuances.len() as u32);
        for (metadata, qty) in &self.shown.issuances {
            w.write_u64(*qty);
            w.write_len_prefixed(metadata);
        }
        w
    }

    /// Decodes a proposal that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Proposal, WalletError> {
        Reader::parse(bytes, decode_proposal).map_err(|e| match e {
            WalletError::State(reason) => WalletError::TextSyntax {
                what: "transaction proposal",
                reason,
            },
            other => other,
        })
    }
}

fn decode_proposal(r: &mut Reader<'_>) -> Result<Proposal, WalletError> {
    if r.read_bytes(4)? != PROPOSAL_TAG {
        return Err(WalletError::Malformed {
            what: "transaction proposal (not one)",
        });
    }
    let version = r.read_u8()?;
    if version != PROPOSAL_VERSION {
        return Err(WalletError::UnsupportedVersion {
            what: "transaction proposal",
            version,
            supported: PROPOSAL_VERSION,
        });
    }
    let network = Network::from_byte(r.read_u8()?)?;
    let account = r.read_u64()?;
    let tx = Tx::from_bytes(r.read_len_prefixed()?)?;
    let id = TxId(r.read_array()?);
    let fee = r.read_u64()?;
    let mut signers = Vec::new();
    for _ in 0..r.read_count(32 + 32 + 1)? {
        let predicate = r.read_point()?;
        let contract = ContractId(r.read_array()?);
        let path = match r.read_u8()? {
            0 => KeyPath::Control {
                tweak: r.read_scalar()?,
            },
            1 => KeyPath::Request {
                index: r.read_u64()?,
            },
            2 => KeyPath::Issuer,
            _ => return Err(WalletError::Malformed { what: "key path" }),
        };
        signers.push(Signer {
            predicate,
            contract,
            path,
        });
    }
    let mut inputs = Vec::new();
    for _ in 0..r.read_count(crate::note::OPENING_LEN + 32)? {
        inputs.push(ShownInput {
            opening: Opening::decode(r)?,
            anchor: Anchor(r.read_array()?),
        });
    }
    let mut outputs = Vec::new();
    for _ in 0..r.read_count(1 + crate::note::OPENING_LEN + 32)? {
        outputs.push(decode_output(r, network)?);
    }
    let mut retirements = Vec::new();
    for _ in 0..r.read_count(8 + 32)? {
        retirements.push((r.read_u64()?, r.read_scalar()?));
    }
    let mut issuances = Vec::new();
    for _ in 0..r.read_count(8 + 4)? {
        let qty = r.read_u64()?;
        issuances.push((r.read_len_prefixed()?.to_vec(), qty));
    }
    Ok(Proposal {
        network,
        account,
        tx,
        id,
        fee,
        signers,
        inputs,
        shown: Shown {
            outputs,
            retirements,
            issuances,
        },
    })
}

fn encode_output(w: &mut Vec<u8>, o: &ShownOutput) {
    match o {
        ShownOutput::Payment {
            address,
            opening,
            memo,
            note_secret,
        } => {
            w.write_u8(0);
            w.write_bytes(&address.to_bytes());
            opening.encode(w);
            w.write_scalar(note_secret.expose());
            let memo = memo.as_ref().map_or(&[][..], Memo::as_bytes);
            w.write_bytes(&(memo.len() as u16).to_le_bytes());
            w.write_bytes(memo);
        }
        ShownOutput::Request {
            index,
            key,
            opening,
        } => {
            w.write_u8(1);
            w.write_u64(*index);
            w.write_point(key);
            opening.encode(w);
        }
        ShownOutput::Change {
            opening,
            note_secret,
        } => {
            w.write_u8(2);
            opening.encode(w);
            w.write_scalar(note_secret.expose());
        }
    }
}

fn decode_output(r: &mut Reader<'_>, network: Network) -> Result<ShownOutput, WalletError> {
    Ok(match r.read_u8()? {
        0 => {
            let address = Box::new(Address::from_bytes(network, r.read_bytes(65)?)?);
            let opening = Opening::decode(r)?;
            let note_secret = SecretScalar::new(r.read_scalar()?);
            let memo = match u16::from_le_bytes(r.read_array()?) as usize {
                0 => None,
                n => Some(Memo::new(r.read_bytes(n)?)?),
            };
            ShownOutput::Payment {
                address,
                opening,
                memo,
                note_secret,
            }
        }
        1 => ShownOutput::Request {
            index: r.read_u64()?,
            key: r.read_point()?,
            opening: Opening::decode(r)?,
        },
        2 => ShownOutput::Change {
            opening: Opening::decode(r)?,
            note_secret: SecretScalar::new(r.read_scalar()?),
        },
        _ => {
            return Err(WalletError::Malformed {
                what: "shown output",
            })
        }
    })
}
