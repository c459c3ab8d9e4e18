//! The import transaction of one agreed deposit: it spends the bridge anchor,
//! issues the deposit's amount under its token's flavor (the quantity unblinded, so
//! the log shows it), pays it to the deposit's ZkVM address with an encrypted note
//! exactly as a wallet pays an address, re-creates the anchor, and logs an import
//! marker naming the deposit.
//!
//! The program is deterministic given the deposit, the bridge's domain and the
//! anchor: its randomness (the note's keys and the output's blinding factors) comes
//! from a ChaCha20 stream seeded by a transcript over them. So every validator can
//! recompute the program and compare bytes ([`crate::rules`]); the proof and the
//! signature are fresh randomness of whoever builds it and are checked as usual.

use crate::errors::BridgeError;
use crate::flavor;
use crate::messages::{DepositReport, Domain};
use crate::state::{anchor_contract, issuer_point_predicate, BridgeState};
use batch::Generators;
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader};
use merlin::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wallet::{Address, Network};
use zkvm::{
    Anchor, ClearValue, Contract, Program, Prover, Spend, Tx, TxBuilder, TxHeader, TxLog,
    CURRENT_VERSION, FEE_FLAVOR,
};

/// The prefix of the import marker, the log's last data entry.
pub const IMPORT_MAGIC: &[u8; 16] = b"ZkVMBridgeImport";

/// An import transaction and the anchor it leaves for the next one.
#[derive(Clone, Debug)]
pub struct Import {
    /// The proven, signed transaction.
    pub tx: Tx,
    /// Its log.
    pub log: TxLog,
    /// The anchor of the output the next import spends.
    pub next_anchor: Anchor,
}

/// The header every import carries: the current version, no time bounds.
pub fn import_header() -> TxHeader {
    TxHeader {
        version: CURRENT_VERSION,
        mintime_ms: 0,
        maxtime_ms: u64::MAX,
    }
}

/// The import program of `deposit` spending the anchor `anchor`.
pub fn import_program(
    deposit: &DepositReport,
    domain: &Domain,
    anchor: Anchor,
) -> Result<Program, BridgeError> {
    // The network is not part of the address data and plays no part in paying it.
    let address = Address::from_bytes(Network::Mainnet, &deposit.recipient).map_err(|_| {
        BridgeError::BadDepositAddress {
            nonce: deposit.nonce,
        }
    })?;
    let mut rng = ChaCha20Rng::from_seed(seed(deposit, domain, anchor));
    let flavor = flavor::flavor(domain.chain_id, deposit.token);
    let anchor_out = ClearValue {
        qty: 0,
        flv: FEE_FLAVOR,
    };
    let b = TxBuilder::new()
        .spend_with(Spend::signtx(anchor_contract(anchor)))
        .issue_open(
            flavor::issuer_predicate(),
            flavor::metadata(domain.chain_id, deposit.token),
            deposit.amount,
        );
    let b = wallet::send::pay_address(b, &address, deposit.amount, flavor, &mut rng)
        .pay_blinded(
            issuer_point_predicate(),
            anchor_out,
            Scalar::ZERO,
            Scalar::ZERO,
        )
        .data(marker(deposit));
    Ok(b.program(&mut rng)?)
}

/// Builds, proves and signs the import of `deposit` as the next one of `state`.
pub fn build_import(
    deposit: &DepositReport,
    state: &BridgeState,
    gens: &Generators,
) -> Result<Import, BridgeError> {
    let anchor = state.anchor_contract().anchor;
    let program = import_program(deposit, state.domain(), anchor)?;
    let mut rng = rand_core::OsRng;
    let unsigned = Prover::build_tx(program, import_header(), gens, &mut rng)?;
    let log = unsigned.log.clone();
    let next_anchor = next_anchor(&log)?;
    let tx = unsigned.sign(&mut rng)?;
    Ok(Import {
        tx,
        log,
        next_anchor,
    })
}

/// The import marker: `IMPORT_MAGIC || deposit report`.
pub fn marker(deposit: &DepositReport) -> Vec<u8> {
    let mut m = IMPORT_MAGIC.to_vec();
    deposit.encode(&mut m);
    m
}

/// The deposit an import marker names, if `data` is one.
pub fn read_marker(data: &[u8]) -> Option<DepositReport> {
    let rest = data.strip_prefix(IMPORT_MAGIC.as_slice())?;
    Reader::parse(rest, DepositReport::read).ok()
}

/// The anchor an import's log leaves: its output under the issuer key.
pub(crate) fn next_anchor(log: &TxLog) -> Result<Anchor, BridgeError> {
    let issuer = issuer_point_predicate();
    let outputs: Vec<&Contract> = log.outputs().filter(|c| c.predicate == issuer).collect();
    match outputs.as_slice() {
        [c] => Ok(c.anchor),
        _ => Err(BridgeError::IssuerKeyMisused(
            "an import leaves exactly one anchor output",
        )),
    }
}

/// The seed of an import's randomness.
fn seed(deposit: &DepositReport, domain: &Domain, anchor: Anchor) -> [u8; 32] {
    let mut t = Transcript::new(b"ZkVM.bridge.import");
    t.append_message(b"chain", &domain.chain_id.to_le_bytes());
    t.append_message(b"bridge", domain.bridge.as_slice());
    t.append_message(b"deposit", &deposit.encode_to_vec());
    t.append_message(b"anchor", &anchor.0);
    let mut seed = [0u8; 32];
    t.challenge_bytes(b"seed", &mut seed);
    seed
}
