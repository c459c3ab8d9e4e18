//! The VM, shared by the prover and the verifier.
//!
//! They differ only in a [`Delegate`]: how a commitment becomes a constraint-system
//! variable, how the keys of `signtx` are collected, which constraint system is built
//! and where deferred point checks go. Everything else — the stack, the types, the
//! order in which variables are committed, the log — is this one code.

use crate::constraints::{Commitment, Constraint, Expression, Variable};
use crate::contract::{Anchor, Contract, ContractId, PortableItem};
use crate::cost::Meter;
use crate::errors::VmError;
use crate::fees::{CheckedFee, FEE_FLAVOR};
use crate::ops::{Instruction, Opcode};
use crate::predicate::Predicate;
use crate::program::{ProgramItem, SharedBytecode};
use crate::scalar_witness::ScalarWitness;
use crate::taproot::{decompress, CallProof};
use crate::transcript::labels;
use crate::tx::TxHeader;
use crate::txlog::{TxEntry, TxLog};
use crate::types::{issue_flavor, Data, Item, Value, WideValue};
use batch::BatchVerification;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::Reader;
use merlin::Transcript;
use musig::{Signature, VerificationKey};
use r1cs::{ConstraintSystem, LinearCombination, Metrics, R1csError, RandomizableConstraintSystem};
use spacesuit::{AllocatedValue, BitRange, SignedInteger};
use std::sync::Arc;

/// What distinguishes the prover from the verifier.
pub(crate) trait Delegate {
    /// The constraint system being built.
    type CS: RandomizableConstraintSystem;
    /// Where deferred point checks go.
    type Batch: BatchVerification;

    /// Adds a commitment to the constraint system, returning its point and variable.
    fn commit_variable(
        &mut self,
        com: &Commitment,
    ) -> Result<(CompressedRistretto, r1cs::Variable), VmError>;

    /// Records a predicate that must sign the transaction ID (`signtx`).
    fn process_tx_signature(&mut self, pred: Predicate, id: ContractId) -> Result<(), VmError>;

    /// The constraint system.
    fn cs(&mut self) -> &mut Self::CS;

    /// The sink of deferred point checks.
    fn batch(&mut self) -> &mut Self::Batch;
}

/// Watches a run one instruction at a time (the execution trace). The VM calls it
/// around every instruction and never behaves differently because of it.
pub(crate) trait Observer {
    /// `instr` is about to run at nesting `depth` (0 for the transaction's program)
    /// on `stack`.
    fn before(&mut self, instr: &Instruction, depth: usize, stack: &[Item]);

    /// It ran: the stack and the log as it left them, the constraint system's counts
    /// (`cs`) and the second-phase multipliers and constraints `verify` reserved.
    fn after(&mut self, stack: &[Item], log: &TxLog, cs: Metrics, reserved: Metrics);
}

/// The program being run: decoded instructions (prover) or bytecode read one
/// instruction at a time. Bytecode is shared: a `program:n:x` read from it becomes a
/// range of the same bytes, so nesting never copies.
pub(crate) enum Run {
    Instructions(std::vec::IntoIter<Instruction>),
    Bytecode {
        bytes: Arc<[u8]>,
        offset: usize,
        end: usize,
    },
}

impl Run {
    /// The run of a program item.
    pub(crate) fn new(program: ProgramItem) -> Run {
        match program {
            ProgramItem::Program(p) => Run::Instructions(p.into_instructions().into_iter()),
            ProgramItem::Bytecode(bytes) => Run::bytecode(bytes.into(), 0..usize::MAX),
            ProgramItem::Shared(shared) => {
                let (bytes, range) = shared.into_parts();
                Run::bytecode(bytes, range)
            }
        }
    }

    fn bytecode(bytes: Arc<[u8]>, range: core::ops::Range<usize>) -> Run {
        let end = range.end.min(bytes.len());
        Run::Bytecode {
            bytes,
            offset: range.start.min(end),
            end,
        }
    }

    fn next(&mut self) -> Result<Option<Instruction>, VmError> {
        match self {
            Run::Instructions(iter) => Ok(iter.next()),
            Run::Bytecode { bytes, offset, end } => {
                let Some(rest) = bytes.get(*offset..*end).filter(|r| !r.is_empty()) else {
                    return Ok(None);
                };
                let mut r = Reader::new(rest);
                if rest[0] == Opcode::Program as u8 {
                    r.read_u8()?;
                    let inner = r.read_len_prefixed()?.len();
                    let stop = *offset + (rest.len() - r.remaining());
                    let shared = SharedBytecode::new(bytes.clone(), stop - inner..stop)
                        .expect("the range was just read from these bytes");
                    *offset = stop;
                    return Ok(Some(Instruction::Program(ProgramItem::Shared(shared))));
                }
                let instr = Instruction::decode(&mut r)?;
                *offset += rest.len() - r.remaining();
                Ok(Some(instr))
            }
        }
    }
}

/// What a finished run yields.
pub(crate) struct Outcome {
    pub(crate) log: TxLog,
    pub(crate) fee: CheckedFee,
    /// The weight charged beyond the transaction's bytes.
    pub(crate) run_weight: u64,
    /// The keys that signed, in the order their instructions ran.
    pub(crate) signers: Vec<VerificationKey>,
}

/// The VM state.
pub(crate) struct Vm<'d, D: Delegate> {
    header: TxHeader,
    last_anchor: Option<Anchor>,
    stack: Vec<Item>,
    current: Run,
    paused: Vec<Run>,
    log: TxLog,
    fee: CheckedFee,
    signers: Vec<VerificationKey>,
    limits: Limits,
    meter: Meter,
    delegate: &'d mut D,
    observer: Option<&'d mut dyn Observer>,
}

/// Bounds on the work a program can make the VM do beyond reading its bytes.
///
/// Every string comes from the program's bytes except copies made by `dup`, so
/// bounding those copies (to four times the program's length, plus 4 KiB) bounds all
/// memory, hashing and logging to a multiple of it; `roll` moves up to `k` items, so
/// its total distance is bounded too (sixteen times the length, plus 4096).
struct Limits {
    dup_bytes: usize,
    roll_distance: usize,
}

impl Limits {
    fn new(program_len: usize) -> Self {
        Limits {
            dup_bytes: program_len.saturating_mul(4).saturating_add(4096),
            roll_distance: program_len.saturating_mul(16).saturating_add(4096),
        }
    }
}

/// Takes `amount` from `budget`, or fails.
fn charge(budget: &mut usize, amount: usize, what: &'static str) -> Result<(), VmError> {
    *budget = budget
        .checked_sub(amount)
        .ok_or(VmError::WorkLimitExceeded { what })?;
    Ok(())
}

impl<'d, D: Delegate> Vm<'d, D> {
    /// A VM about to run `program` (`program_len` bytes long) in a transaction with
    /// `header`, charging its work to `meter`.
    pub(crate) fn new(
        header: TxHeader,
        program: Run,
        program_len: usize,
        meter: Meter,
        delegate: &'d mut D,
    ) -> Self {
        Vm {
            header,
            last_anchor: None,
            stack: Vec::new(),
            current: program,
            paused: Vec::new(),
            log: TxLog::new(header),
            fee: CheckedFee::zero(),
            signers: Vec::new(),
            limits: Limits::new(program_len),
            meter,
            delegate,
            observer: None,
        }
    }

    /// The same VM, reporting every instruction to `observer`.
    pub(crate) fn observed_by(mut self, observer: &'d mut dyn Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Runs to completion and checks the final state: an empty stack and an anchor.
    pub(crate) fn run(mut self) -> Result<Outcome, VmError> {
        while let Some(instr) = self.next_instruction()? {
            if let Some(o) = self.observer.as_deref_mut() {
                o.before(&instr, self.paused.len(), &self.stack);
            }
            self.step(instr)?;
            let metrics = self.delegate.cs().metrics();
            self.meter.observe(metrics)?;
            if let Some(o) = self.observer.as_deref_mut() {
                o.after(&self.stack, &self.log, metrics, self.meter.reserved());
            }
        }
        if !self.stack.is_empty() {
            return Err(VmError::StackNotClean {
                remaining: self.stack.len(),
            });
        }
        if self.last_anchor.is_none() {
            return Err(VmError::AnchorMissing);
        }
        Ok(Outcome {
            log: self.log,
            fee: self.fee,
            run_weight: self.meter.run_weight(),
            signers: self.signers,
        })
    }

    /// The next instruction, returning to paused programs as the current one ends.
    fn next_instruction(&mut self) -> Result<Option<Instruction>, VmError> {
        loop {
            if let Some(instr) = self.current.next()? {
                return Ok(Some(instr));
            }
            match self.paused.pop() {
                Some(run) => self.current = run,
                None => return Ok(None),
            }
        }
    }

    fn step(&mut self, instr: Instruction) -> Result<(), VmError> {
        match instr {
            Instruction::Push(data) => self.push(Item::Data(data)),
            Instruction::Program(p) => self.program(p)?,
            Instruction::Drop => self.pop()?.check_droppable()?,
            Instruction::Dup(k) => self.dup(k)?,
            Instruction::Roll(k) => self.roll(k)?,
            Instruction::Scalar => self.scalar()?,
            Instruction::Commit => self.commit()?,
            Instruction::Alloc(value) => self.alloc(value)?,
            Instruction::Mintime => self.push_constant(self.header.mintime_ms),
            Instruction::Maxtime => self.push_constant(self.header.maxtime_ms),
            Instruction::Expr => self.expr()?,
            Instruction::Neg => self.neg()?,
            Instruction::Add => self.add()?,
            Instruction::Mul => self.mul()?,
            Instruction::Eq => self.eq()?,
            Instruction::Range => self.range()?,
            Instruction::And => self.combine(Constraint::and)?,
            Instruction::Or => self.combine(Constraint::or)?,
            Instruction::Not => self.not()?,
            Instruction::Verify => self.verify()?,
            Instruction::Unblind => self.unblind()?,
            Instruction::Issue => self.issue()?,
            Instruction::Borrow => self.borrow()?,
            Instruction::Retire => self.retire()?,
            Instruction::Cloak(m, n) => self.cloak(m, n)?,
            Instruction::Fee => self.fee()?,
            Instruction::Input => self.input()?,
            Instruction::Output(k) => self.output(k)?,
            Instruction::Contract(k) => self.contract(k)?,
            Instruction::Log => self.log_data()?,
            Instruction::Eval => self.eval()?,
            Instruction::Call => self.call()?,
            Instruction::Signtx => self.signtx()?,
            Instruction::Signid => self.signid()?,
            Instruction::Signtag => self.signtag()?,
            Instruction::Ext(opcode) => self.ext(opcode)?,
        }
        Ok(())
    }

    // Stack instructions.

    fn dup(&mut self, k: u32) -> Result<(), VmError> {
        let index = self.index_from_top(k)?;
        if let Item::Data(d) = &self.stack[index] {
            let len = encoding::Encodable::encoded_len(d);
            charge(&mut self.limits.dup_bytes, len, "strings copied by dup")?;
        }
        let copy = self.stack[index].duplicate()?;
        self.push(copy);
        Ok(())
    }

    fn roll(&mut self, k: u32) -> Result<(), VmError> {
        let index = self.index_from_top(k)?;
        charge(
            &mut self.limits.roll_distance,
            k as usize,
            "distance rolled",
        )?;
        let item = self.stack.remove(index);
        self.push(item);
        Ok(())
    }

    /// `program:n:x` pushes a range of the running program's bytes, shared, not
    /// copied: constant work, whatever the nesting.
    fn program(&mut self, p: ProgramItem) -> Result<(), VmError> {
        self.push(Item::Program(p));
        Ok(())
    }

    // Constraint-system instructions.

    fn scalar(&mut self) -> Result<(), VmError> {
        let s = self.pop_data()?.into_scalar()?;
        self.push(Item::Expression(Expression::Constant(s)));
        Ok(())
    }

    fn commit(&mut self) -> Result<(), VmError> {
        let commitment = self.pop_data()?.into_commitment()?;
        self.push(Item::Variable(Variable { commitment }));
        Ok(())
    }

    fn alloc(&mut self, value: Option<ScalarWitness>) -> Result<(), VmError> {
        let var = self
            .delegate
            .cs()
            .allocate(value.map(|v| v.to_scalar()))
            .map_err(|e| missing_or(e, "alloc value"))?;
        self.meter.terms(1)?;
        self.push(Item::Expression(Expression::variable(var, value)));
        Ok(())
    }

    fn push_constant(&mut self, x: u64) {
        self.push(Item::Expression(Expression::Constant(x.into())));
    }

    fn expr(&mut self) -> Result<(), VmError> {
        let var = self.pop()?.into_variable()?;
        let expr = self.variable_to_expression(&var)?;
        self.push(Item::Expression(expr));
        Ok(())
    }

    fn neg(&mut self) -> Result<(), VmError> {
        let e = self.pop()?.into_expression()?;
        // Negation is lazy: constant work, whatever the number of terms.
        self.meter.terms(1)?;
        self.push(Item::Expression(-e));
        Ok(())
    }

    fn add(&mut self) -> Result<(), VmError> {
        let (e1, e2) = self.pop_two_expressions()?;
        // At most the shorter side's terms are copied (see `Terms::append`).
        self.meter
            .terms(e1.term_count().min(e2.term_count()).max(1))?;
        self.push(Item::Expression(e1 + e2));
        Ok(())
    }

    fn mul(&mut self) -> Result<(), VmError> {
        let (e1, e2) = self.pop_two_expressions()?;
        if e1.term_count() > 0 && e2.term_count() > 0 {
            // Both sides are written out into a multiplier.
            self.meter.terms(e1.term_count() + e2.term_count())?;
            self.meter.expect_multipliers(1)?;
        } else {
            // A constant factor scales lazily, in constant time.
            self.meter.terms(1)?;
        }
        let product = e1.multiply(e2, self.delegate.cs());
        self.push(Item::Expression(product));
        Ok(())
    }

    fn eq(&mut self) -> Result<(), VmError> {
        let (e1, e2) = self.pop_two_expressions()?;
        self.push(Item::Constraint(Constraint::eq(e1, e2)));
        Ok(())
    }

    fn range(&mut self) -> Result<(), VmError> {
        let e = self.pop()?.into_expression()?;
        self.range_proof(&e)?;
        self.push(Item::Expression(e));
        Ok(())
    }

    fn combine(
        &mut self,
        f: fn(Constraint, Constraint) -> Result<Constraint, VmError>,
    ) -> Result<(), VmError> {
        let c2 = self.pop()?.into_constraint()?;
        let c1 = self.pop()?.into_constraint()?;
        self.push(Item::Constraint(f(c1, c2)?));
        Ok(())
    }

    fn not(&mut self) -> Result<(), VmError> {
        let c = self.pop()?.into_constraint()?;
        self.push(Item::Constraint(Constraint::negate(c)?));
        Ok(())
    }

    fn verify(&mut self) -> Result<(), VmError> {
        let c = self.pop()?.into_constraint()?;
        let cost = c.cost();
        self.meter.terms(cost.terms)?;
        self.meter.defer(cost.multipliers, cost.constraints);
        c.verify(self.delegate.cs())
    }

    /// `V v unblind → V`: defers `V = v·B`.
    fn unblind(&mut self) -> Result<(), VmError> {
        let v = self.pop_data()?.into_scalar()?.to_scalar();
        let commitment = self.pop_data()?.into_commitment()?;
        self.meter.points(1)?;
        let point = decompress(&commitment.to_point(), "unblinded commitment")?;
        self.delegate.batch().append(
            "unblinded value (unblind)",
            -v,
            Scalar::ZERO,
            [],
            [],
            [(Scalar::ONE, point)],
        )?;
        self.push(Item::Data(Data::Commitment(Box::new(commitment))));
        Ok(())
    }

    // Value instructions.

    /// `qty flv metadata pred issue → contract`.
    fn issue(&mut self) -> Result<(), VmError> {
        let predicate = self.pop_data()?.into_predicate()?;
        let metadata = self.pop_data()?.into_bytes();
        let flv = self.pop()?.into_variable()?;
        let qty = self.pop()?.into_variable()?;

        let (flv_point, _) = self.commit_variable(&flv.commitment)?;
        let (qty_point, _) = self.commit_variable(&qty.commitment)?;
        self.meter.hashed(metadata.len())?;
        self.meter.points(1)?;
        let flavor = issue_flavor(&predicate.to_point(), &metadata);
        let flv_decompressed = decompress(&flv_point, "issued flavor commitment")?;
        self.delegate.batch().append(
            "issued flavor (issue)",
            flavor,
            Scalar::ZERO,
            [],
            [],
            [(-Scalar::ONE, flv_decompressed)],
        )?;

        let qty_expr = self.variable_to_expression(&qty)?;
        self.range_proof(&qty_expr)?;
        self.log.push(TxEntry::Issue(qty_point, flv_point));

        let value = Value {
            qty: qty.commitment,
            flv: flv.commitment,
        };
        let contract = self.make_contract(predicate, vec![PortableItem::Value(value)])?;
        self.push(Item::Contract(contract));
        Ok(())
    }

    /// `qty flv borrow → –V +V`.
    fn borrow(&mut self) -> Result<(), VmError> {
        let flv = self.pop()?.into_variable()?;
        let qty = self.pop()?.into_variable()?;
        let (_, flv_var) = self.commit_variable(&flv.commitment)?;
        let (_, qty_var) = self.commit_variable(&qty.commitment)?;
        self.meter.expect_multipliers(BitRange::MAX.bits() + 1)?;
        let q = qty.commitment.assignment().map(integer).transpose()?;
        let f = flv.commitment.assignment().map(|f| f.to_scalar());

        let cs = self.delegate.cs();
        spacesuit::range_proof(cs, qty_var.into(), q, BitRange::MAX)?;
        let neg_q = q.map(|q| -q);
        let neg_var = cs
            .allocate(neg_q.map(SignedInteger::to_scalar))
            .map_err(|e| missing_or(e, "borrowed quantity"))?;
        cs.constrain(qty_var + neg_var);

        let debt = AllocatedValue {
            q: neg_var,
            f: flv_var,
            assignment: neg_q.zip(f).map(|(q, f)| spacesuit::Value { q, f }),
        };
        self.push(Item::WideValue(WideValue(debt)));
        self.push(Item::Value(Value {
            qty: qty.commitment,
            flv: flv.commitment,
        }));
        Ok(())
    }

    fn retire(&mut self) -> Result<(), VmError> {
        let value = self.pop()?.into_value()?;
        self.log
            .push(TxEntry::Retire(value.qty.to_point(), value.flv.to_point()));
        Ok(())
    }

    /// `widevalues commitments cloak:m:n → values`.
    fn cloak(&mut self, m: u32, n: u32) -> Result<(), VmError> {
        let needed = u64::from(m) + 2 * u64::from(n);
        if needed > self.stack.len() as u64 {
            return Err(VmError::StackUnderflow {
                needed: usize::try_from(needed).unwrap_or(usize::MAX),
                available: self.stack.len(),
            });
        }
        // At least the outputs' range proofs and one multiplier per value.
        let least = (m as usize).saturating_add(n as usize);
        let least = least.saturating_add((n as usize).saturating_mul(BitRange::MAX.bits()));
        self.meter.expect_multipliers(least)?;
        // Outputs: pairs of (quantity, flavor) commitments, flavor on top; each is
        // committed quantity first. Values are pushed back in reverse order.
        let mut values = Vec::with_capacity(n as usize);
        let mut outputs = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let flv = self.pop_data()?.into_commitment()?;
            let qty = self.pop_data()?.into_commitment()?;
            let value = Value { qty, flv };
            outputs.push(self.commit_value(&value)?);
            values.push(value);
        }
        let mut inputs = Vec::with_capacity(m as usize);
        for _ in 0..m {
            let input = match self.pop()? {
                Item::Value(v) => self.commit_value(&v)?,
                Item::WideValue(w) => w.0,
                other => return Err(VmError::expected("value or wide value", other.kind())),
            };
            inputs.push(input);
        }
        // The gadget takes both lists in stack order, deepest first.
        inputs.reverse();
        outputs.reverse();
        spacesuit::cloak(self.delegate.cs(), inputs, outputs)?;
        for v in values {
            self.push(Item::Value(v));
        }
        Ok(())
    }

    /// `qty fee → widevalue`: a debt of `qty` units of flavor zero.
    fn fee(&mut self) -> Result<(), VmError> {
        let fee = u64::from(self.pop_data()?.into_u32()?);
        self.fee = self.fee.checked_add(fee).ok_or(VmError::FeeTooHigh {
            total: self.fee.get().saturating_add(fee),
        })?;
        let debt = spacesuit::Value {
            q: -SignedInteger::from(fee),
            f: FEE_FLAVOR,
        };
        let cs = self.delegate.cs();
        let allocated = debt.allocate(cs)?;
        cs.constrain(allocated.q + Scalar::from(fee));
        cs.constrain(allocated.f - FEE_FLAVOR);
        self.push(Item::WideValue(WideValue(allocated)));
        self.log.push(TxEntry::Fee(fee));
        Ok(())
    }

    // Contract instructions.

    fn input(&mut self) -> Result<(), VmError> {
        let contract = self.pop_data()?.into_output()?;
        let id = self.contract_id(&contract)?;
        self.log.push(TxEntry::Input(id));
        self.push(Item::Contract(contract));
        self.last_anchor = Some(id.to_anchor().ratchet());
        Ok(())
    }

    fn output(&mut self, k: u32) -> Result<(), VmError> {
        let contract = self.pop_contract(k)?;
        self.meter
            .hashed(encoding::Encodable::encoded_len(&contract))?;
        self.log.push(TxEntry::Output(Box::new(contract)));
        Ok(())
    }

    fn contract(&mut self, k: u32) -> Result<(), VmError> {
        let contract = self.pop_contract(k)?;
        self.push(Item::Contract(contract));
        Ok(())
    }

    fn log_data(&mut self) -> Result<(), VmError> {
        let data = self.pop_data()?.into_bytes();
        self.meter.hashed(data.len())?;
        self.log.push(TxEntry::Data(data));
        Ok(())
    }

    fn eval(&mut self) -> Result<(), VmError> {
        let program = self.pop()?.into_program()?;
        self.continue_with(program);
        Ok(())
    }

    /// `contract proof program call → payload…`: defers the Taproot check.
    fn call(&mut self) -> Result<(), VmError> {
        let program = self.pop()?.into_program()?;
        let proof = CallProof::from_bytes(&self.pop_data()?.into_bytes())?;
        let contract = self.pop()?.into_contract()?;
        self.meter
            .hashed(encoding::Encodable::encoded_len(&program))?;
        self.meter.points(2)?;
        proof.verify(
            &contract.predicate.to_point(),
            &program,
            self.delegate.batch(),
        )?;
        self.push_payload(contract.payload);
        self.continue_with(program);
        Ok(())
    }

    fn signtx(&mut self) -> Result<(), VmError> {
        let contract = self.pop()?.into_contract()?;
        let id = self.contract_id(&contract)?;
        self.meter.points(1)?;
        self.signers.push(contract.predicate.verification_key()?);
        self.delegate.process_tx_signature(contract.predicate, id)?;
        self.push_payload(contract.payload);
        Ok(())
    }

    /// `contract program signature signid → payload…`.
    fn signid(&mut self) -> Result<(), VmError> {
        let signature = Signature::from_bytes(&self.pop_data()?.into_bytes())?;
        let program = self.pop()?.into_program()?;
        let contract = self.pop()?.into_contract()?;
        let id = self.contract_id(&contract)?;
        self.charge_signature(&program)?;
        self.push_payload(contract.payload);
        let mut t = Transcript::new(labels::SIGNID);
        t.append_message(b"contract", id.as_bytes());
        t.append_message(b"prog", &program.to_bytes());
        let key = contract.predicate.verification_key()?;
        signature
            .verify(&mut t, &key, self.delegate.batch())
            .map_err(|e| VmError::signature("signid signature", e))?;
        self.signers.push(key);
        self.continue_with(program);
        Ok(())
    }

    /// `contract program signature signtag → payload…`; the payload's top item is the
    /// signed tag and stays on the stack.
    fn signtag(&mut self) -> Result<(), VmError> {
        let signature = Signature::from_bytes(&self.pop_data()?.into_bytes())?;
        let program = self.pop()?.into_program()?;
        let contract = self.pop()?.into_contract()?;
        self.push_payload(contract.payload);
        let tag = self.pop_data()?;
        self.meter.hashed(encoding::Encodable::encoded_len(&tag))?;
        self.charge_signature(&program)?;
        let mut t = Transcript::new(labels::SIGNTAG);
        t.append_message(b"tag", &tag.to_bytes());
        t.append_message(b"prog", &program.to_bytes());
        self.push(Item::Data(tag));
        let key = contract.predicate.verification_key()?;
        signature
            .verify(&mut t, &key, self.delegate.batch())
            .map_err(|e| VmError::signature("signtag signature", e))?;
        self.signers.push(key);
        self.continue_with(program);
        Ok(())
    }

    fn ext(&mut self, opcode: u8) -> Result<(), VmError> {
        if self.header.extensions_enabled() {
            Ok(())
        } else {
            Err(VmError::ExtensionsNotAllowed { opcode })
        }
    }

    // Helpers.

    fn push(&mut self, item: Item) {
        self.stack.push(item);
    }

    fn pop(&mut self) -> Result<Item, VmError> {
        self.stack.pop().ok_or(VmError::StackUnderflow {
            needed: 1,
            available: 0,
        })
    }

    fn pop_data(&mut self) -> Result<Data, VmError> {
        self.pop()?.into_data()
    }

    /// Pops `ex2` then `ex1`; returns `(ex1, ex2)`.
    fn pop_two_expressions(&mut self) -> Result<(Expression, Expression), VmError> {
        let e2 = self.pop()?.into_expression()?;
        let e1 = self.pop()?.into_expression()?;
        Ok((e1, e2))
    }

    /// The stack index of the item `k` below the top.
    fn index_from_top(&self, k: u32) -> Result<usize, VmError> {
        let len = self.stack.len();
        let k = k as usize;
        if k >= len {
            return Err(VmError::StackUnderflow {
                needed: k.saturating_add(1),
                available: len,
            });
        }
        Ok(len - 1 - k)
    }

    fn push_payload(&mut self, payload: Vec<PortableItem>) {
        self.stack.extend(payload.into_iter().map(Item::from));
    }

    /// Pauses the current program and runs `program`.
    fn continue_with(&mut self, program: ProgramItem) {
        let paused = std::mem::replace(&mut self.current, Run::new(program));
        self.paused.push(paused);
    }

    /// Commits a variable's commitment and wraps it in an expression.
    fn variable_to_expression(&mut self, var: &Variable) -> Result<Expression, VmError> {
        let (_, v) = self.commit_variable(&var.commitment)?;
        self.meter.terms(1)?;
        Ok(Expression::variable(v, var.commitment.assignment()))
    }

    /// Commits a point to the constraint system: one more point in the final check.
    fn commit_variable(
        &mut self,
        com: &Commitment,
    ) -> Result<(CompressedRistretto, r1cs::Variable), VmError> {
        self.meter.points(1)?;
        self.delegate.commit_variable(com)
    }

    /// A contract's ID, charging the bytes it hashes.
    fn contract_id(&mut self, contract: &Contract) -> Result<ContractId, VmError> {
        self.meter
            .hashed(encoding::Encodable::encoded_len(contract))?;
        Ok(contract.id())
    }

    /// `signid` and `signtag`: the program hashed into the message and the
    /// signature's points.
    fn charge_signature(&mut self, program: &ProgramItem) -> Result<(), VmError> {
        self.meter
            .hashed(encoding::Encodable::encoded_len(program))?;
        self.meter.points(2)
    }

    /// Commits a value's quantity then its flavor, for the cloak.
    fn commit_value(&mut self, value: &Value) -> Result<AllocatedValue, VmError> {
        let (_, q) = self.commit_variable(&value.qty)?;
        let (_, f) = self.commit_variable(&value.flv)?;
        let assignment = match (value.qty.assignment(), value.flv.assignment()) {
            (Some(q), Some(f)) => Some(spacesuit::Value {
                q: integer(q)?,
                f: f.to_scalar(),
            }),
            _ => None,
        };
        Ok(AllocatedValue { q, f, assignment })
    }

    /// Adds a 64-bit range proof; a constant is checked in the clear.
    fn range_proof(&mut self, e: &Expression) -> Result<(), VmError> {
        match e {
            Expression::Constant(c) if c.in_range() => Ok(()),
            Expression::Constant(_) => Err(VmError::ConstantOutOfRange),
            Expression::Linear { terms, assignment } => {
                self.meter.terms(terms.len())?;
                self.meter.expect_multipliers(BitRange::MAX.bits())?;
                let value = assignment.map(integer).transpose()?;
                let lc: LinearCombination = terms.to_lc();
                spacesuit::range_proof(self.delegate.cs(), lc, value, BitRange::MAX)?;
                Ok(())
            }
        }
    }

    /// Pops a predicate and `k` portable items, and anchors a contract.
    fn pop_contract(&mut self, k: u32) -> Result<Contract, VmError> {
        let predicate = self.pop_data()?.into_predicate()?;
        let k = k as usize;
        if k > self.stack.len() {
            return Err(VmError::StackUnderflow {
                needed: k,
                available: self.stack.len(),
            });
        }
        let payload = self
            .stack
            .split_off(self.stack.len() - k)
            .into_iter()
            .map(Item::into_portable)
            .collect::<Result<Vec<_>, _>>()?;
        self.make_contract(predicate, payload)
    }

    /// Consumes the last anchor and replaces it with the new contract's ID.
    fn make_contract(
        &mut self,
        predicate: Predicate,
        payload: Vec<PortableItem>,
    ) -> Result<Contract, VmError> {
        let anchor = self.last_anchor.take().ok_or(VmError::AnchorMissing)?;
        let contract = Contract {
            predicate,
            payload,
            anchor,
        };
        self.last_anchor = Some(self.contract_id(&contract)?.to_anchor());
        Ok(contract)
    }
}

/// A quantity as the prover must know it: an integer.
fn integer(w: ScalarWitness) -> Result<SignedInteger, VmError> {
    w.to_integer().ok_or(VmError::InconsistentWitness {
        what: "a quantity must be an integer below 2^64",
    })
}

/// A missing prover assignment becomes a named missing witness.
fn missing_or(e: R1csError, what: &'static str) -> VmError {
    match e {
        R1csError::MissingAssignment => VmError::WitnessMissing { what },
        other => VmError::R1cs(other),
    }
}
