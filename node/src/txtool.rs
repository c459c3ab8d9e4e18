//! `zkvm-node tx decode|verify HEX` and `tx trace FILE|HEX`: developer tools for one
//! transaction, given as a block transaction (with input proofs) or as a bare
//! transaction.

use crate::api::json::{log_json, LogEntryJson};
use crate::error::NodeError;
use batch::BatchVerifier;
use blockchain::BlockTx;
use clap::Subcommand;
use rand_core::OsRng;
use std::fmt::Write;
use zkvm::{Program, Tx, Verifier};

/// `tx`.
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// Prints the ID, the program as assembly and the log of a transaction.
    Decode {
        /// A block transaction or a transaction, hex.
        hex: String,
    },
    /// Verifies a transaction and prints the verdict with the precise error.
    Verify {
        /// A block transaction or a transaction, hex.
        hex: String,
    },
    /// Prints the execution trace of a transaction (each instruction, its stack,
    /// log entries and constraints) and its constraint system's size and weight.
    Trace {
        /// A file holding the transaction (hex or raw bytes), or its hex.
        source: String,
    },
}

/// Decodes hex as a block transaction, else as a bare transaction (then no proofs).
pub fn parse(hex_text: &str) -> Result<BlockTx, NodeError> {
    let bytes = NodeError::decode_hex("transaction", hex_text)?;
    match BlockTx::from_bytes(&bytes) {
        Ok(btx) => Ok(btx),
        Err(as_block_tx) => match Tx::from_bytes(&bytes) {
            Ok(tx) => Ok(BlockTx {
                tx,
                proofs: Vec::new(),
            }),
            Err(as_tx) => Err(NodeError::Invalid {
                what: "transaction",
                reason: format!(
                    "neither a block transaction ({as_block_tx}) nor a transaction ({as_tx})"
                ),
            }),
        },
    }
}

/// The transaction described for people: ID, header, program as assembly, log. The
/// log comes from running the VM with the proof checks left out, so a decoded
/// transaction is not thereby valid (see [`verify`]).
pub fn decode(hex_text: &str) -> Result<String, NodeError> {
    let btx = parse(hex_text)?;
    let tx = &btx.tx;
    let mut out = String::new();
    let mut unchecked = BatchVerifier::new(zkvm::network_generators(), OsRng);
    let run = Verifier::verify_tx_batched(tx, &mut unchecked);
    match &run {
        Ok(v) => writeln!(out, "id: {}", v.id),
        Err(e) => writeln!(out, "id: unknown (the VM refuses the program: {e})"),
    }
    .ok();
    writeln!(
        out,
        "version: {}\ntime bounds: [{}, {}] ms\nsize: {} bytes (without the {} input proofs){}",
        tx.header.version,
        tx.header.mintime_ms,
        tx.header.maxtime_ms,
        tx.size(),
        btx.proofs.len(),
        match &run {
            Ok(v) => format!(
                "\nweight: {}\nfee: {} ({})",
                v.weight,
                v.feerate.fee(),
                v.feerate
            ),
            Err(_) => String::new(),
        }
    )
    .ok();
    writeln!(out, "program:").ok();
    match Program::parse(&tx.program) {
        Ok(program) => {
            for instruction in program.instructions() {
                writeln!(out, "  {}", Program::from(vec![instruction.clone()])).ok();
            }
        }
        Err(e) => {
            writeln!(
                out,
                "  0x{} (does not parse: {e})",
                hex::encode(&tx.program)
            )
            .ok();
        }
    }
    if let Ok(v) = &run {
        writeln!(out, "log:").ok();
        for entry in log_json(&v.log) {
            writeln!(out, "  {}", describe(&entry)).ok();
        }
    }
    Ok(out)
}

/// Verifies the transaction completely (execution, proof, signatures) and the
/// count of its input proofs; the verdict names the precise error, and for a false
/// proof or signature the failing check.
pub fn verify(hex_text: &str) -> Result<String, NodeError> {
    let btx = parse(hex_text)?;
    let gens = zkvm::network_generators();
    let verified =
        Verifier::verify_tx(&btx.tx, gens).or_else(|_| Verifier::explain_failure(&btx.tx, gens))?;
    let inputs = verified.log.inputs().count();
    if !btx.proofs.is_empty() && btx.proofs.len() != inputs {
        return Err(blockchain::BlockchainError::ProofCount {
            inputs,
            proofs: btx.proofs.len(),
        }
        .into());
    }
    Ok(format!(
        "valid: id {} fee {} weight {} fee rate {}",
        verified.id,
        verified.feerate.fee(),
        verified.weight,
        verified.feerate
    ))
}

/// The execution trace of a transaction as the verifier runs it (no secrets): each
/// instruction with the stack before and after, the log entries and the multipliers
/// and constraints it added; then the constraint system's size, the weight and the
/// verdict. `source` is a file holding the transaction (hex, or its raw bytes) or the
/// hex itself. The second value is whether the transaction is valid.
pub fn trace(source: &str) -> Result<(String, bool), NodeError> {
    let btx = parse(&read_source(source)?)?;
    let trace = Verifier::trace(&btx.tx, zkvm::network_generators());
    let text = format!(
        "size: {} bytes (without the {} input proofs)\n{trace}",
        btx.tx.size(),
        btx.proofs.len()
    );
    Ok((text, trace.failure.is_none()))
}

/// The hex of a transaction named by `source`: a file's text if it is hex, its
/// bytes otherwise; `source` itself when it names no file.
fn read_source(source: &str) -> Result<String, NodeError> {
    let path = std::path::Path::new(source);
    if !path.is_file() {
        if hex::decode(source.trim()).is_err() {
            return Err(NodeError::Invalid {
                what: "transaction",
                reason: format!(
                    "{source:?} is neither a file (no such file here) nor a transaction in hex"
                ),
            });
        }
        return Ok(source.to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| NodeError::Invalid {
        what: "transaction file",
        reason: e.to_string(),
    })?;
    match std::str::from_utf8(&bytes) {
        Ok(text) if hex::decode(text.trim()).is_ok() => Ok(text.trim().to_string()),
        _ => Ok(hex::encode(bytes)),
    }
}

fn describe(entry: &LogEntryJson) -> String {
    match entry {
        LogEntryJson::Header {
            version,
            mintime_ms,
            maxtime_ms,
        } => format!("header version {version} [{mintime_ms}, {maxtime_ms}]"),
        LogEntryJson::Issue { qty, flv } => format!("issue qty {qty} flv {flv}"),
        LogEntryJson::Retire { qty, flv } => format!("retire qty {qty} flv {flv}"),
        LogEntryJson::Input { id } => format!("input {id}"),
        LogEntryJson::Output { id, contract } => format!("output {id} {contract}"),
        LogEntryJson::Fee { amount } => format!("fee {amount}"),
        LogEntryJson::Data { hex } => format!("data {hex}"),
    }
}
