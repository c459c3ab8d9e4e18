//! Programs: lists of instructions, built fluently with one method per instruction.

use crate::errors::VmError;
use crate::ops::Instruction;
use crate::scalar_witness::ScalarWitness;
use crate::taproot::PredicateTree;
use crate::types::Data;
use core::fmt;
use core::ops::Range;
use encoding::{Encodable, Reader, Writer};
use std::sync::Arc;

/// A program: a list of instructions, possibly carrying the prover's secrets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program(Vec<Instruction>);

/// A program item on the stack or in a payload: bytecode, or (in the prover) a
/// program of instructions with their secrets.
#[derive(Clone, Debug)]
pub enum ProgramItem {
    /// Encoded instructions.
    Bytecode(Vec<u8>),
    /// Instructions.
    Program(Program),
    /// Encoded instructions inside a running program's bytes: what the VM reads
    /// from `program:n:x`, shared rather than copied, so nested programs and the
    /// runs they pause hold one copy of the bytecode between them.
    Shared(SharedBytecode),
}

/// A range of shared bytecode.
#[derive(Clone)]
pub struct SharedBytecode {
    bytes: Arc<[u8]>,
    range: Range<usize>,
}

impl SharedBytecode {
    /// The bytes `range` of `bytes`; `None` if the range is not within them.
    pub fn new(bytes: Arc<[u8]>, range: Range<usize>) -> Option<Self> {
        bytes.get(range.clone())?;
        Some(SharedBytecode { bytes, range })
    }

    /// The bytecode.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[self.range.clone()]
    }

    /// The shared bytes and the range of them this bytecode is.
    pub(crate) fn into_parts(self) -> (Arc<[u8]>, Range<usize>) {
        (self.bytes, self.range)
    }
}

impl fmt::Debug for SharedBytecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBytecode({})", hex::encode(self.as_slice()))
    }
}

macro_rules! simple_ops {
    ($($(#[$doc:meta])* $method:ident => $variant:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $method(&mut self) -> &mut Program {
                self.0.push(Instruction::$variant);
                self
            }
        )*
    };
}

macro_rules! counted_ops {
    ($($(#[$doc:meta])* $method:ident => $variant:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $method(&mut self, k: u32) -> &mut Program {
                self.0.push(Instruction::$variant(k));
                self
            }
        )*
    };
}

impl Program {
    /// An empty program.
    pub fn new() -> Self {
        Program(Vec::new())
    }

    /// A program written by `f`.
    pub fn build(f: impl FnOnce(&mut Program)) -> Self {
        let mut p = Program::new();
        f(&mut p);
        p
    }

    /// Decodes bytecode into instructions.
    pub fn parse(bytes: &[u8]) -> Result<Program, VmError> {
        let mut r = Reader::new(bytes);
        let mut instructions = Vec::new();
        while r.remaining() > 0 {
            instructions.push(Instruction::decode(&mut r)?);
        }
        Ok(Program(instructions))
    }

    /// The instructions.
    pub fn instructions(&self) -> &[Instruction] {
        &self.0
    }

    /// The instructions, by value.
    pub fn into_instructions(self) -> Vec<Instruction> {
        self.0
    }

    /// The bytecode.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// Appends an instruction.
    pub fn instruction(&mut self, instr: Instruction) -> &mut Program {
        self.0.push(instr);
        self
    }

    /// Appends all instructions of `other`.
    pub fn append(&mut self, other: Program) -> &mut Program {
        self.0.extend(other.0);
        self
    }

    /// `push:n:x` — pushes a string.
    pub fn push(&mut self, data: impl Into<Data>) -> &mut Program {
        self.0.push(Instruction::Push(data.into()));
        self
    }

    /// `program:n:x` — pushes a program.
    pub fn program(&mut self, program: impl Into<ProgramItem>) -> &mut Program {
        self.0.push(Instruction::Program(program.into()));
        self
    }

    /// `alloc` — allocates a low-level variable, with its value in the prover.
    pub fn alloc(&mut self, value: Option<ScalarWitness>) -> &mut Program {
        self.0.push(Instruction::Alloc(value));
        self
    }

    /// `cloak:m:n` — merges `m` values into `n`.
    pub fn cloak(&mut self, m: u32, n: u32) -> &mut Program {
        self.0.push(Instruction::Cloak(m, n));
        self
    }

    /// An unassigned opcode (valid only where extensions are enabled).
    pub fn ext(&mut self, byte: u8) -> &mut Program {
        self.0.push(Instruction::Ext(byte));
        self
    }

    counted_ops! {
        /// `dup:k` — copies the item `k` below the top.
        dup => Dup;
        /// `roll:k` — moves the item `k` below the top to the top.
        roll => Roll;
        /// `output:k` — creates an output of `k` items under the top predicate.
        output => Output;
        /// `contract:k` — creates a contract of `k` items under the top predicate.
        contract => Contract;
    }

    simple_ops! {
        /// `drop` — drops the top item.
        drop => Drop;
        /// `scalar` — a scalar string becomes a constant expression.
        scalar => Scalar;
        /// `commit` — a point string becomes a variable.
        commit => Commit;
        /// `mintime` — the minimum time bound.
        mintime => Mintime;
        /// `maxtime` — the maximum time bound.
        maxtime => Maxtime;
        /// `expr` — a variable becomes an expression.
        expr => Expr;
        /// `neg` — negates an expression.
        neg => Neg;
        /// `add` — adds two expressions.
        add => Add;
        /// `mul` — multiplies two expressions.
        mul => Mul;
        /// `eq` — equality of two expressions.
        eq => Eq;
        /// `range` — proves an expression lies in `[0, 2^64)`.
        range => Range;
        /// `and` — conjunction.
        and => And;
        /// `or` — disjunction.
        or => Or;
        /// `not` — negation.
        not => Not;
        /// `verify` — requires a constraint.
        verify => Verify;
        /// `unblind` — proves a commitment has a zero blinding factor.
        unblind => Unblind;
        /// `issue` — issues a value into a contract.
        issue => Issue;
        /// `borrow` — borrows a value against a debt.
        borrow => Borrow;
        /// `retire` — retires a value.
        retire => Retire;
        /// `fee` — pays a fee.
        fee => Fee;
        /// `input` — claims an output.
        input => Input;
        /// `log` — logs a string.
        log => Log;
        /// `eval` — runs a program.
        eval => Eval;
        /// `call` — runs a Taproot clause of a contract.
        call => Call;
        /// `signtx` — opens a contract with the transaction signature.
        signtx => Signtx;
        /// `signid` — opens a contract with a signature over its ID and a program.
        signid => Signid;
        /// `signtag` — opens a contract with a signature over its tag and a program.
        signtag => Signtag;
    }

    /// Pushes the call proof and program of clause `index` of `tree`, then `call`.
    /// The contract must be on top of the stack.
    pub fn choose_call(
        &mut self,
        tree: &PredicateTree,
        index: usize,
    ) -> Result<&mut Program, VmError> {
        let (proof, program) = tree.call_proof(index)?;
        self.push(proof.encode_to_vec()).program(program).call();
        Ok(self)
    }
}

impl Encodable for Program {
    fn encode(&self, w: &mut Vec<u8>) {
        for i in &self.0 {
            i.encode(w);
        }
    }

    fn encoded_len(&self) -> usize {
        self.0.iter().map(Encodable::encoded_len).sum()
    }
}

impl From<Vec<Instruction>> for Program {
    fn from(v: Vec<Instruction>) -> Self {
        Program(v)
    }
}

impl ProgramItem {
    /// The bytecode.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            ProgramItem::Bytecode(b) => b.clone(),
            ProgramItem::Program(p) => p.to_bytes(),
            ProgramItem::Shared(s) => s.as_slice().to_vec(),
        }
    }
}

impl Encodable for ProgramItem {
    fn encode(&self, w: &mut Vec<u8>) {
        match self {
            ProgramItem::Bytecode(b) => w.write_bytes(b),
            ProgramItem::Program(p) => p.encode(w),
            ProgramItem::Shared(s) => w.write_bytes(s.as_slice()),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            ProgramItem::Bytecode(b) => b.len(),
            ProgramItem::Program(p) => p.encoded_len(),
            ProgramItem::Shared(s) => s.as_slice().len(),
        }
    }
}

impl PartialEq for ProgramItem {
    /// Programs are equal when their bytecodes are.
    fn eq(&self, other: &ProgramItem) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

impl From<Program> for ProgramItem {
    fn from(p: Program) -> Self {
        ProgramItem::Program(p)
    }
}

impl From<Vec<u8>> for ProgramItem {
    fn from(b: Vec<u8>) -> Self {
        ProgramItem::Bytecode(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_encodes_each_instruction() {
        let p = Program::build(|p| {
            p.push(vec![1u8, 2, 3])
                .dup(1)
                .roll(0)
                .cloak(2, 3)
                .output(1)
                .drop()
                .ext(0x40);
        });
        let bytes = p.to_bytes();
        assert_eq!(
            bytes,
            [
                vec![0x00, 3, 0, 0, 0, 1, 2, 3],
                vec![0x03, 1, 0, 0, 0],
                vec![0x04, 0, 0, 0, 0],
                vec![0x18, 2, 0, 0, 0, 3, 0, 0, 0],
                vec![0x1b, 1, 0, 0, 0],
                vec![0x02, 0x40],
            ]
            .concat()
        );
        assert_eq!(Program::parse(&bytes).unwrap(), p);
        assert_eq!(p.encoded_len(), bytes.len());
    }

    #[test]
    fn nested_programs_encode_inline() {
        let inner = Program::build(|p| {
            p.drop();
        });
        let outer = Program::build(|p| {
            p.program(inner.clone()).eval();
        });
        assert_eq!(outer.to_bytes(), vec![0x01, 1, 0, 0, 0, 0x02, 0x1e]);
        assert_eq!(ProgramItem::from(inner), ProgramItem::Bytecode(vec![0x02]));
    }
}
