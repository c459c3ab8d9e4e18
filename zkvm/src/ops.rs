//! The instruction set: opcodes, instructions and their encoding.
//!
//! An instruction is one opcode byte followed by its immediate data: `push` and
//! `program` a LE32 length and that many bytes; `dup`, `roll`, `output` and
//! `contract` a LE32 count; `cloak` two. Bytes `0x23..=0xff` are unassigned: the VM
//! treats them as no-ops when the transaction version enables extensions and fails
//! otherwise.

use crate::errors::VmError;
use crate::program::ProgramItem;
use crate::scalar_witness::ScalarWitness;
use crate::types::Data;
use encoding::{Encodable, Reader, Writer};

macro_rules! opcodes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $text:literal;)*) => {
        /// An assigned opcode.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Opcode {
            $($(#[$doc])* $name = $code,)*
        }

        impl Opcode {
            /// Every assigned opcode, in order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name,)*];

            /// The opcode of a byte, or `None` if the byte is unassigned.
            pub fn from_u8(byte: u8) -> Option<Opcode> {
                match byte {
                    $($code => Some(Opcode::$name),)*
                    _ => None,
                }
            }

            /// The instruction's name in assembly.
            pub fn name(self) -> &'static str {
                match self {
                    $(Opcode::$name => $text,)*
                }
            }

            /// The opcode of an assembly name.
            pub fn from_name(name: &str) -> Option<Opcode> {
                match name {
                    $($text => Some(Opcode::$name),)*
                    _ => None,
                }
            }
        }
    };
}

opcodes! {
    /// `push:n:x`
    Push = 0x00, "push";
    /// `program:n:x`
    Program = 0x01, "program";
    /// `drop`
    Drop = 0x02, "drop";
    /// `dup:k`
    Dup = 0x03, "dup";
    /// `roll:k`
    Roll = 0x04, "roll";
    /// `scalar`
    Scalar = 0x05, "scalar";
    /// `commit`
    Commit = 0x06, "commit";
    /// `alloc`
    Alloc = 0x07, "alloc";
    /// `mintime`
    Mintime = 0x08, "mintime";
    /// `maxtime`
    Maxtime = 0x09, "maxtime";
    /// `expr`
    Expr = 0x0a, "expr";
    /// `neg`
    Neg = 0x0b, "neg";
    /// `add`
    Add = 0x0c, "add";
    /// `mul`
    Mul = 0x0d, "mul";
    /// `eq`
    Eq = 0x0e, "eq";
    /// `range`
    Range = 0x0f, "range";
    /// `and`
    And = 0x10, "and";
    /// `or`
    Or = 0x11, "or";
    /// `not`
    Not = 0x12, "not";
    /// `verify`
    Verify = 0x13, "verify";
    /// `unblind`
    Unblind = 0x14, "unblind";
    /// `issue`
    Issue = 0x15, "issue";
    /// `borrow`
    Borrow = 0x16, "borrow";
    /// `retire`
    Retire = 0x17, "retire";
    /// `cloak:m:n`
    Cloak = 0x18, "cloak";
    /// `fee`
    Fee = 0x19, "fee";
    /// `input`
    Input = 0x1a, "input";
    /// `output:k`
    Output = 0x1b, "output";
    /// `contract:k`
    Contract = 0x1c, "contract";
    /// `log`
    Log = 0x1d, "log";
    /// `eval`
    Eval = 0x1e, "eval";
    /// `call`
    Call = 0x1f, "call";
    /// `signtx`
    Signtx = 0x20, "signtx";
    /// `signid`
    Signid = 0x21, "signid";
    /// `signtag`
    Signtag = 0x22, "signtag";
}

/// A decoded instruction. In the prover, `push`, `program` and `alloc` carry the
/// secrets behind the bytes they encode to.
#[derive(Clone, Debug, PartialEq)]
pub enum Instruction {
    /// Pushes a string.
    Push(Data),
    /// Pushes a program.
    Program(ProgramItem),
    /// Drops the top item.
    Drop,
    /// Copies the item `k` below the top.
    Dup(u32),
    /// Moves the item `k` below the top to the top.
    Roll(u32),
    /// A scalar string becomes a constant expression.
    Scalar,
    /// A point string becomes a variable.
    Commit,
    /// Allocates a low-level variable (with its value in the prover).
    Alloc(Option<ScalarWitness>),
    /// The minimum time bound as a constant.
    Mintime,
    /// The maximum time bound as a constant.
    Maxtime,
    /// A variable becomes an expression.
    Expr,
    /// Negates an expression.
    Neg,
    /// Adds two expressions.
    Add,
    /// Multiplies two expressions.
    Mul,
    /// Equality of two expressions.
    Eq,
    /// Range-proves an expression to 64 bits.
    Range,
    /// Conjunction.
    And,
    /// Disjunction.
    Or,
    /// Negation.
    Not,
    /// Requires a constraint.
    Verify,
    /// Proves a commitment's blinding factor is zero.
    Unblind,
    /// Issues a value.
    Issue,
    /// Borrows a value against a debt.
    Borrow,
    /// Retires a value.
    Retire,
    /// Merges and splits `m` values into `n`.
    Cloak(u32, u32),
    /// Pays a fee.
    Fee,
    /// Claims an output.
    Input,
    /// Creates an output with `k` items.
    Output(u32),
    /// Creates a contract with `k` items.
    Contract(u32),
    /// Logs a string.
    Log,
    /// Runs a program.
    Eval,
    /// Opens a Taproot contract with one of its programs.
    Call,
    /// Opens a contract with the transaction signature.
    Signtx,
    /// Opens a contract with a signature over its ID and a program.
    Signid,
    /// Opens a contract with a signature over its tag and a program.
    Signtag,
    /// An unassigned opcode.
    Ext(u8),
}

impl Instruction {
    /// The opcode byte.
    pub fn code(&self) -> u8 {
        match self.opcode_or_ext() {
            Ok(op) => op as u8,
            Err(byte) => byte,
        }
    }

    /// The assigned opcode, or `None` for an extension.
    pub fn opcode(&self) -> Option<Opcode> {
        self.opcode_or_ext().ok()
    }

    /// The assigned opcode, or the byte of an extension.
    fn opcode_or_ext(&self) -> Result<Opcode, u8> {
        Ok(match self {
            Instruction::Push(_) => Opcode::Push,
            Instruction::Program(_) => Opcode::Program,
            Instruction::Drop => Opcode::Drop,
            Instruction::Dup(_) => Opcode::Dup,
            Instruction::Roll(_) => Opcode::Roll,
            Instruction::Scalar => Opcode::Scalar,
            Instruction::Commit => Opcode::Commit,
            Instruction::Alloc(_) => Opcode::Alloc,
            Instruction::Mintime => Opcode::Mintime,
            Instruction::Maxtime => Opcode::Maxtime,
            Instruction::Expr => Opcode::Expr,
            Instruction::Neg => Opcode::Neg,
            Instruction::Add => Opcode::Add,
            Instruction::Mul => Opcode::Mul,
            Instruction::Eq => Opcode::Eq,
            Instruction::Range => Opcode::Range,
            Instruction::And => Opcode::And,
            Instruction::Or => Opcode::Or,
            Instruction::Not => Opcode::Not,
            Instruction::Verify => Opcode::Verify,
            Instruction::Unblind => Opcode::Unblind,
            Instruction::Issue => Opcode::Issue,
            Instruction::Borrow => Opcode::Borrow,
            Instruction::Retire => Opcode::Retire,
            Instruction::Cloak(..) => Opcode::Cloak,
            Instruction::Fee => Opcode::Fee,
            Instruction::Input => Opcode::Input,
            Instruction::Output(_) => Opcode::Output,
            Instruction::Contract(_) => Opcode::Contract,
            Instruction::Log => Opcode::Log,
            Instruction::Eval => Opcode::Eval,
            Instruction::Call => Opcode::Call,
            Instruction::Signtx => Opcode::Signtx,
            Instruction::Signid => Opcode::Signid,
            Instruction::Signtag => Opcode::Signtag,
            Instruction::Ext(byte) => return Err(*byte),
        })
    }

    /// Reads one instruction.
    pub fn decode(r: &mut Reader<'_>) -> Result<Instruction, VmError> {
        let byte = r.read_u8()?;
        let Some(op) = Opcode::from_u8(byte) else {
            return Ok(Instruction::Ext(byte));
        };
        Ok(match op {
            Opcode::Push => Instruction::Push(Data::Opaque(r.read_len_prefixed()?.to_vec())),
            Opcode::Program => {
                Instruction::Program(ProgramItem::Bytecode(r.read_len_prefixed()?.to_vec()))
            }
            Opcode::Dup => Instruction::Dup(r.read_u32()?),
            Opcode::Roll => Instruction::Roll(r.read_u32()?),
            Opcode::Cloak => Instruction::Cloak(r.read_u32()?, r.read_u32()?),
            Opcode::Output => Instruction::Output(r.read_u32()?),
            Opcode::Contract => Instruction::Contract(r.read_u32()?),
            Opcode::Alloc => Instruction::Alloc(None),
            op => Self::simple(op),
        })
    }

    /// The instruction of an opcode without immediate data.
    pub(crate) fn simple(op: Opcode) -> Instruction {
        match op {
            Opcode::Drop => Instruction::Drop,
            Opcode::Scalar => Instruction::Scalar,
            Opcode::Commit => Instruction::Commit,
            Opcode::Alloc => Instruction::Alloc(None),
            Opcode::Mintime => Instruction::Mintime,
            Opcode::Maxtime => Instruction::Maxtime,
            Opcode::Expr => Instruction::Expr,
            Opcode::Neg => Instruction::Neg,
            Opcode::Add => Instruction::Add,
            Opcode::Mul => Instruction::Mul,
            Opcode::Eq => Instruction::Eq,
            Opcode::Range => Instruction::Range,
            Opcode::And => Instruction::And,
            Opcode::Or => Instruction::Or,
            Opcode::Not => Instruction::Not,
            Opcode::Verify => Instruction::Verify,
            Opcode::Unblind => Instruction::Unblind,
            Opcode::Issue => Instruction::Issue,
            Opcode::Borrow => Instruction::Borrow,
            Opcode::Retire => Instruction::Retire,
            Opcode::Fee => Instruction::Fee,
            Opcode::Input => Instruction::Input,
            Opcode::Log => Instruction::Log,
            Opcode::Eval => Instruction::Eval,
            Opcode::Call => Instruction::Call,
            Opcode::Signtx => Instruction::Signtx,
            Opcode::Signid => Instruction::Signid,
            Opcode::Signtag => Instruction::Signtag,
            // Opcodes with immediate data, given their smallest immediates.
            Opcode::Push => Instruction::Push(Data::Opaque(Vec::new())),
            Opcode::Program => Instruction::Program(ProgramItem::Bytecode(Vec::new())),
            Opcode::Dup => Instruction::Dup(0),
            Opcode::Roll => Instruction::Roll(0),
            Opcode::Cloak => Instruction::Cloak(0, 0),
            Opcode::Output => Instruction::Output(0),
            Opcode::Contract => Instruction::Contract(0),
        }
    }
}

impl Encodable for Instruction {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(self.code());
        match self {
            Instruction::Push(d) => {
                w.write_u32(crate::contract::len32(d.encoded_len()));
                d.encode(w);
            }
            Instruction::Program(p) => {
                w.write_u32(crate::contract::len32(p.encoded_len()));
                p.encode(w);
            }
            Instruction::Dup(k)
            | Instruction::Roll(k)
            | Instruction::Output(k)
            | Instruction::Contract(k) => w.write_u32(*k),
            Instruction::Cloak(m, n) => {
                w.write_u32(*m);
                w.write_u32(*n);
            }
            _ => {}
        }
    }

    fn encoded_len(&self) -> usize {
        1 + match self {
            Instruction::Push(d) => 4 + d.encoded_len(),
            Instruction::Program(p) => 4 + p.encoded_len(),
            Instruction::Dup(_)
            | Instruction::Roll(_)
            | Instruction::Output(_)
            | Instruction::Contract(_) => 4,
            Instruction::Cloak(..) => 8,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_are_dense_and_named_uniquely() {
        for (i, op) in Opcode::ALL.iter().enumerate() {
            assert_eq!(*op as u8 as usize, i);
            assert_eq!(Opcode::from_u8(i as u8), Some(*op));
            assert_eq!(Opcode::from_name(op.name()), Some(*op));
        }
        assert_eq!(Opcode::ALL.len(), 0x23);
        assert_eq!(Opcode::from_u8(0x23), None);
    }

    #[test]
    fn every_opcode_round_trips() {
        for byte in 0..=255u8 {
            let instr = match Opcode::from_u8(byte) {
                Some(op) => Instruction::simple(op),
                None => Instruction::Ext(byte),
            };
            assert_eq!(instr.code(), byte);
            let bytes = instr.encode_to_vec();
            assert_eq!(bytes.len(), instr.encoded_len());
            let back = Reader::parse(&bytes, Instruction::decode).unwrap();
            assert_eq!(back, instr);
        }
    }

    #[test]
    fn truncated_immediates_are_refused() {
        assert!(Reader::parse(&[0x00, 5, 0, 0, 0, 1, 2], Instruction::decode).is_err());
        assert!(Reader::parse(&[0x03, 1, 0], Instruction::decode).is_err());
        assert!(Reader::parse(&[0x18, 1, 0, 0, 0, 1, 0, 0], Instruction::decode).is_err());
        assert!(Reader::parse(&[0x00, 0xff, 0xff, 0xff, 0xff], Instruction::decode).is_err());
    }
}
