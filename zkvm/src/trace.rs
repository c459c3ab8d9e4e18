//! The execution trace: what each instruction of a run did to the stack, the log and
//! the constraint system.
//!
//! The prover's trace ([`Prover::trace`](crate::Prover::trace)) is also a dry run:
//! it checks every deferred point statement at the instruction that makes it and,
//! once the program has finished, every constraint against the witness, and names
//! the instruction behind the first failure. Secret values (what open commitments,
//! expressions, values and constraints hold) appear in it only when asked for with
//! [`Secrets::Shown`]; blinding factors and keys never do. The verifier's trace
//! ([`Verifier::trace`](crate::Verifier::trace)) knows no secrets: it shows
//! commitments and opaque items only.
//!
//! ```
//! use curve25519_dalek::scalar::Scalar;
//! use zkvm::*;
//!
//! let mut rng = rand::thread_rng();
//! let owner = SigningKey::random(&mut rng);
//! let utxo = Contract {
//!     predicate: Predicate::from_signing_key(owner.clone()),
//!     payload: vec![PortableItem::Value(Value {
//!         qty: Commitment::blinded(5u64, &mut rng),
//!         flv: Commitment::blinded(Scalar::ONE, &mut rng),
//!     })],
//!     anchor: Anchor([7; 32]),
//! };
//! // Spends the output back to its owner, claiming its secret 3 equals 4.
//! let program = Program::build(|p| {
//!     p.push(utxo).input().signtx();
//!     p.push(Commitment::blinded(3u64, &mut rng)).commit().expr();
//!     p.push(Scalar::from(4u64)).scalar().eq().verify();
//!     p.push(Predicate::from_key(&owner.verification_key())).output(1);
//! });
//! let header = TxHeader { version: 1, mintime_ms: 0, maxtime_ms: u64::MAX };
//! let gens = Generators::new(256);
//!
//! let trace = Prover::trace(program.clone(), header, &gens, Secrets::Hidden);
//! assert_eq!(trace.steps[9].opcode, "verify");
//! assert_eq!(trace.failure.as_ref().and_then(|f| f.step), Some(9));
//! match Prover::dry_run(program, header, &gens) {
//!     Err(VmError::AtInstruction { step: 9, opcode, .. }) => assert_eq!(opcode, "verify"),
//!     other => panic!("the false constraint is named: {other:?}"),
//! }
//! ```

use crate::constraints::{Commitment, Constraint, Expression};
use crate::contract::{Contract, PortableItem};
use crate::cost::Meter;
use crate::errors::VmError;
use crate::ops::Instruction;
use crate::program::{Program, ProgramItem};
use crate::scalar_witness::ScalarWitness;
use crate::tx::TxHeader;
use crate::txlog::{TxEntry, TxLog};
use crate::types::{Data, Item, Value};
use crate::vm::{Delegate, Observer, Outcome, Run, Vm};
use core::fmt;
use core::ops::Range;
use encoding::Encodable;
use r1cs::{Metrics, R1csError};

/// Whether a prover's trace shows the values it knows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Secrets {
    /// Commitments, expressions and values appear as the verifier sees them.
    Hidden,
    /// Their values appear too (never blinding factors or keys).
    Shown,
}

/// What one instruction did.
#[derive(Clone, Debug)]
pub struct Step {
    /// Its position in the run (instructions of nested programs included), from 0.
    pub index: usize,
    /// How many programs were paused when it ran (0 for the transaction's program).
    pub depth: usize,
    /// The instruction as assembly (immediate data as its bytes), cut after 72
    /// characters.
    pub instruction: String,
    /// The opcode's name (`ext:0x..` for an extension).
    pub opcode: String,
    /// The stack it found, bottom first.
    pub stack_before: Vec<String>,
    /// The stack it left, bottom first; `None` when it failed.
    pub stack_after: Option<Vec<String>>,
    /// The log entries it added.
    pub log: Vec<String>,
    /// Multipliers it added to the constraint system, both phases.
    pub multipliers: usize,
    /// Linear constraints it added, both phases.
    pub constraints: usize,
    /// Gadgets it deferred to the second phase (a `verify`, the cloak's shuffles).
    pub deferred: usize,
    first_phase: Range<usize>,
    deferred_range: Range<usize>,
    reserved: Metrics,
    first_phase_multipliers: usize,
}

/// Why a traced run failed, and at which step.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The step that failed, or `None` when the failure came after the last one
    /// (items left on the stack, no anchor, the proof or the signature).
    pub step: Option<usize>,
    /// The error.
    pub error: VmError,
}

/// The size of the constraint system a run built.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Multipliers, both phases.
    pub multipliers: usize,
    /// Linear constraints, both phases.
    pub constraints: usize,
    /// The weight the run charged beyond the transaction's bytes, if it finished.
    pub run_weight: Option<u64>,
    /// The transaction's weight (bytes plus run), when its bytes are known (the
    /// verifier's trace of a finished run).
    pub weight: Option<u64>,
}

/// The execution trace of a run.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The instructions, in the order they ran.
    pub steps: Vec<Step>,
    /// The constraint system's size.
    pub summary: Summary,
    /// Why the run failed, if it did.
    pub failure: Option<Failure>,
}

impl Trace {
    /// The trace if the run succeeded; otherwise its error, wrapped in
    /// [`VmError::AtInstruction`] when a step is to blame.
    pub fn into_result(self) -> Result<Trace, VmError> {
        let Some(failure) = &self.failure else {
            return Ok(self);
        };
        let error = failure.error.clone();
        Err(match failure.step {
            Some(step) => VmError::AtInstruction {
                step,
                opcode: self.steps[step].opcode.clone(),
                error: Box::new(error),
            },
            None => error,
        })
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            let indent = "  ".repeat(s.depth);
            writeln!(f, "{indent}#{} {}", s.index, s.instruction)?;
            writeln!(f, "{indent}    before: [{}]", s.stack_before.join(", "))?;
            match &s.stack_after {
                Some(after) => writeln!(f, "{indent}    after:  [{}]", after.join(", "))?,
                None => writeln!(f, "{indent}    failed")?,
            }
            for entry in &s.log {
                writeln!(f, "{indent}    log: {entry}")?;
            }
            if s.multipliers + s.constraints + s.deferred > 0 {
                writeln!(
                    f,
                    "{indent}    r1cs: +{} multipliers, +{} constraints, {} deferred",
                    s.multipliers, s.constraints, s.deferred
                )?;
            }
        }
        let m = &self.summary;
        write!(
            f,
            "constraint system: {} multipliers (padded to {}), {} constraints",
            m.multipliers,
            m.multipliers.next_power_of_two(),
            m.constraints
        )?;
        if let Some(w) = m.run_weight {
            write!(f, "; run weight {w}")?;
        }
        if let Some(w) = m.weight {
            write!(f, "; weight {w}")?;
        }
        writeln!(f)?;
        match &self.failure {
            Some(Failure {
                step: Some(step),
                error,
            }) => writeln!(f, "failed at #{step}: {error}"),
            Some(Failure { step: None, error }) => writeln!(f, "failed: {error}"),
            None => writeln!(f, "ok"),
        }
    }
}

/// Records a run: every step in detail, or (`detail` = `None`) only what is needed
/// to name the instruction behind a failure.
pub(crate) struct Recorder {
    detail: Option<Secrets>,
    steps: Vec<Step>,
    log_len: usize,
    cs: Metrics,
    reserved: Metrics,
}

impl Recorder {
    /// A recorder showing items with `detail`, or only counting.
    pub(crate) fn new(detail: Option<Secrets>) -> Self {
        Recorder {
            detail,
            steps: Vec::new(),
            log_len: 1,
            cs: Metrics::default(),
            reserved: Metrics::default(),
        }
    }

    /// Runs `program` (`program_len` bytes of bytecode, in a transaction of `size`
    /// bytes) under this recorder. A failure, with the step that made it, is what the
    /// caller finishes the trace with.
    pub(crate) fn run<D: Delegate>(
        &mut self,
        header: TxHeader,
        program: Run,
        program_len: usize,
        size: usize,
        delegate: &mut D,
    ) -> Result<Outcome, Failure> {
        let meter = Meter::new(size).map_err(|error| Failure { step: None, error })?;
        Vm::new(header, program, program_len, meter, delegate)
            .observed_by(self)
            .run()
            .map_err(|error| Failure {
                step: self.failed_step(),
                error,
            })
    }

    /// The step that failed while running: the last, if it did not finish.
    pub(crate) fn failed_step(&self) -> Option<usize> {
        self.steps
            .last()
            .filter(|s| s.stack_after.is_none())
            .map(|s| s.index)
    }

    /// The step that made the constraint `error` names, when it names one.
    pub(crate) fn step_of(&self, error: &R1csError) -> Option<usize> {
        let R1csError::Unsatisfied { index, deferred } = error else {
            return None;
        };
        self.steps
            .iter()
            .find(|s| match deferred {
                Some(k) => s.deferred_range.contains(k),
                None => s.first_phase.contains(index),
            })
            .map(|s| s.index)
    }

    /// `error` from the constraint system, attributed to the instruction that made
    /// the constraint it names.
    pub(crate) fn blame(&self, error: R1csError) -> VmError {
        match self.step_of(&error) {
            Some(step) => VmError::AtInstruction {
                step,
                opcode: self.steps[step].opcode.clone(),
                error: Box::new(VmError::R1cs(error)),
            },
            None => VmError::R1cs(error),
        }
    }

    /// The trace. `added` is what each second-phase callback added, when the second
    /// phase ran; otherwise the counts reserved by `verify` stand in for it.
    pub(crate) fn finish(
        mut self,
        added: Option<&[Metrics]>,
        run_weight: Option<u64>,
        failure: Option<Failure>,
    ) -> Trace {
        let mut summary = Summary {
            run_weight,
            ..Summary::default()
        };
        for s in &mut self.steps {
            let (m, c) = match added.and_then(|a| a.get(s.deferred_range.clone())) {
                Some(callbacks) => callbacks
                    .iter()
                    .fold((0, 0), |(m, c), x| (m + x.multipliers, c + x.constraints)),
                None => (s.reserved.multipliers, s.reserved.constraints),
            };
            s.multipliers = s.first_phase_multipliers + m;
            s.constraints = s.first_phase.len() + c;
            summary.multipliers += s.multipliers;
            summary.constraints += s.constraints;
        }
        Trace {
            steps: self.steps,
            summary,
            failure,
        }
    }
}

impl Observer for Recorder {
    fn before(&mut self, instr: &Instruction, depth: usize, stack: &[Item]) {
        let opcode = match instr.opcode() {
            Some(op) => op.name().to_string(),
            None => format!("ext:0x{:02x}", instr.code()),
        };
        let (instruction, stack_before) = match self.detail {
            Some(secrets) => (
                shorten(Program::from(vec![instr.clone()]).to_string()),
                stack.iter().map(|i| item(i, secrets)).collect(),
            ),
            None => (String::new(), Vec::new()),
        };
        self.steps.push(Step {
            index: self.steps.len(),
            depth,
            instruction,
            opcode,
            stack_before,
            stack_after: None,
            log: Vec::new(),
            multipliers: 0,
            constraints: 0,
            deferred: 0,
            first_phase: 0..0,
            deferred_range: 0..0,
            reserved: Metrics::default(),
            first_phase_multipliers: 0,
        });
    }

    fn after(&mut self, stack: &[Item], log: &TxLog, cs: Metrics, reserved: Metrics) {
        let Some(step) = self.steps.last_mut() else {
            return;
        };
        let entries = log.entries().get(self.log_len..).unwrap_or_default();
        self.log_len = log.entries().len();
        step.stack_after = Some(match self.detail {
            Some(secrets) => {
                step.log = entries.iter().map(|e| entry(e, secrets)).collect();
                stack.iter().map(|i| item(i, secrets)).collect()
            }
            None => Vec::new(),
        });
        step.first_phase = self.cs.phase_one_constraints..cs.phase_one_constraints;
        step.deferred_range = self.cs.phase_two_constraints..cs.phase_two_constraints;
        step.deferred = step.deferred_range.len();
        step.first_phase_multipliers = cs.multipliers - self.cs.multipliers;
        step.reserved = Metrics {
            multipliers: reserved.multipliers - self.reserved.multipliers,
            constraints: reserved.constraints - self.reserved.constraints,
            ..Metrics::default()
        };
        step.multipliers = step.first_phase_multipliers + step.reserved.multipliers;
        step.constraints = step.first_phase.len() + step.reserved.constraints;
        self.cs = cs;
        self.reserved = reserved;
    }
}

/// At most this many bytes of a string or program are shown.
const SHOWN_BYTES: usize = 16;

fn short_hex(bytes: &[u8]) -> String {
    if bytes.len() <= SHOWN_BYTES {
        format!("0x{}", hex::encode(bytes))
    } else {
        format!(
            "0x{}…({} bytes)",
            hex::encode(&bytes[..SHOWN_BYTES]),
            bytes.len()
        )
    }
}

fn point(p: &curve25519_dalek::ristretto::CompressedRistretto) -> String {
    hex::encode(&p.as_bytes()[..8])
}

fn number(w: &ScalarWitness) -> String {
    match w.to_integer() {
        Some(i) => i.to_string(),
        None => short_hex(w.to_scalar().as_bytes()),
    }
}

/// `= value` when secrets are shown and the value is known.
fn reveal(value: Option<String>, secrets: Secrets) -> String {
    match (secrets, value) {
        (Secrets::Shown, Some(v)) => format!(" = {v}"),
        _ => String::new(),
    }
}

fn commitment(c: &Commitment, secrets: Secrets) -> String {
    let value = c.assignment().map(|v| number(&v));
    format!("{}{}", point(&c.to_point()), reveal(value, secrets))
}

fn value(v: &Value, secrets: Secrets) -> String {
    format!(
        "value(qty {}, flv {})",
        commitment(&v.qty, secrets),
        commitment(&v.flv, secrets)
    )
}

/// At most this many characters of assembly are shown.
const SHOWN_CHARS: usize = 72;

fn shorten(text: String) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn program(p: &ProgramItem) -> String {
    let bytes = match p {
        ProgramItem::Program(p) => return format!("program [{}]", shorten(p.to_string())),
        ProgramItem::Bytecode(b) => b.as_slice(),
        ProgramItem::Shared(s) => s.as_slice(),
    };
    match Program::parse(bytes) {
        Ok(p) => format!("program [{}]", shorten(p.to_string())),
        Err(_) => format!("program {}", short_hex(bytes)),
    }
}

fn contract(c: &Contract, secrets: Secrets) -> String {
    let payload: Vec<String> = c
        .payload
        .iter()
        .map(|p| match p {
            PortableItem::Data(d) => data(d, secrets),
            PortableItem::Program(p) => program(p),
            PortableItem::Value(v) => value(v, secrets),
        })
        .collect();
    format!(
        "contract(pred {}, [{}])",
        point(&c.predicate.to_point()),
        payload.join(", ")
    )
}

fn data(d: &Data, secrets: Secrets) -> String {
    match d {
        Data::Commitment(c) => format!("string(commitment {})", commitment(c, secrets)),
        Data::Predicate(p) => format!("string(predicate {})", point(&p.to_point())),
        Data::Output(c) => format!("string(output {})", contract(c, secrets)),
        Data::U32(n) => format!("string({n})"),
        Data::U64(n) => format!("string({n})"),
        Data::Scalar(_) | Data::Opaque(_) => format!("string {}", short_hex(&d.to_bytes())),
    }
}

fn expression(e: &Expression, secrets: Secrets) -> String {
    match e {
        Expression::Constant(c) => format!("expr({})", number(c)),
        Expression::Linear { terms, assignment } => format!(
            "expr({} terms){}",
            terms.len(),
            reveal(assignment.as_ref().map(number), secrets)
        ),
    }
}

fn constraint(c: &Constraint, secrets: Secrets) -> String {
    match c {
        Constraint::Cleartext(b) => format!("constraint({b})"),
        Constraint::Secret { depth, .. } => format!(
            "constraint(secret, depth {depth}){}",
            reveal(c.eval().map(|b| b.to_string()), secrets)
        ),
    }
}

/// An item as text, with values only if `secrets` shows them.
fn item(i: &Item, secrets: Secrets) -> String {
    match i {
        Item::Data(d) => data(d, secrets),
        Item::Program(p) => program(p),
        Item::Contract(c) => contract(c, secrets),
        Item::Value(v) => value(v, secrets),
        Item::WideValue(w) => {
            let v = w.allocated().assignment.map(|v| format!("qty {}", v.q));
            format!("wide value{}", reveal(v, secrets))
        }
        Item::Variable(v) => format!("variable {}", commitment(&v.commitment, secrets)),
        Item::Expression(e) => expression(e, secrets),
        Item::Constraint(c) => constraint(c, secrets),
    }
}

/// A log entry as text.
fn entry(e: &TxEntry, secrets: Secrets) -> String {
    match e {
        TxEntry::Header(h) => format!("header v{} [{}, {}]", h.version, h.mintime_ms, h.maxtime_ms),
        TxEntry::Issue(q, f) => format!("issue qty {} flv {}", point(q), point(f)),
        TxEntry::Retire(q, f) => format!("retire qty {} flv {}", point(q), point(f)),
        TxEntry::Input(id) => format!("input {}", hex::encode(id.as_bytes())),
        TxEntry::Output(c) => format!(
            "output {} {} ({} bytes)",
            hex::encode(c.id().as_bytes()),
            contract(c, secrets),
            c.encoded_len()
        ),
        TxEntry::Fee(n) => format!("fee {n}"),
        TxEntry::Data(d) => format!("data {}", short_hex(d)),
    }
}
