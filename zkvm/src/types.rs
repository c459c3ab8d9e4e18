//! The types of the items on the VM stack, and the rules for copying, dropping and
//! porting them.
//!
//! | type        | copyable | droppable | portable |
//! |-------------|----------|-----------|----------|
//! | string      | yes      | yes       | yes      |
//! | program     |          | yes       | yes      |
//! | contract    |          |           |          |
//! | variable    | yes      | yes       |          |
//! | expression  |          | yes       |          |
//! | constraint  |          | yes       |          |
//! | value       |          |           | yes      |
//! | wide value  |          |           |          |

use crate::constraints::{Commitment, Constraint, Expression, Variable};
use crate::contract::{Contract, PortableItem};
use crate::errors::VmError;
use crate::predicate::Predicate;
use crate::program::ProgramItem;
use crate::scalar_witness::ScalarWitness;
use crate::transcript::{labels, TranscriptProtocol};
use core::fmt;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader, Writer};
use merlin::Transcript;
use spacesuit::{AllocatedValue, SignedInteger};

/// An item on the VM stack.
#[derive(Debug)]
pub enum Item {
    /// A string of bytes (the spec's string type).
    Data(Data),
    /// A program.
    Program(ProgramItem),
    /// A contract.
    Contract(Contract),
    /// A non-negative value.
    Value(Value),
    /// A value whose quantity may be negative.
    WideValue(WideValue),
    /// A variable.
    Variable(Variable),
    /// An expression.
    Expression(Expression),
    /// A constraint.
    Constraint(Constraint),
}

/// The type of an item, for error messages.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A string.
    String,
    /// A program.
    Program,
    /// A contract.
    Contract,
    /// A value.
    Value,
    /// A wide value.
    WideValue,
    /// A variable.
    Variable,
    /// An expression.
    Expression,
    /// A constraint.
    Constraint,
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::String => "string",
            ItemKind::Program => "program",
            ItemKind::Contract => "contract",
            ItemKind::Value => "value",
            ItemKind::WideValue => "wide value",
            ItemKind::Variable => "variable",
            ItemKind::Expression => "expression",
            ItemKind::Constraint => "constraint",
        })
    }
}

impl Item {
    /// The item's type.
    pub fn kind(&self) -> ItemKind {
        match self {
            Item::Data(_) => ItemKind::String,
            Item::Program(_) => ItemKind::Program,
            Item::Contract(_) => ItemKind::Contract,
            Item::Value(_) => ItemKind::Value,
            Item::WideValue(_) => ItemKind::WideValue,
            Item::Variable(_) => ItemKind::Variable,
            Item::Expression(_) => ItemKind::Expression,
            Item::Constraint(_) => ItemKind::Constraint,
        }
    }

    /// The item as a string.
    pub fn into_data(self) -> Result<Data, VmError> {
        match self {
            Item::Data(d) => Ok(d),
            other => Err(VmError::expected("string", other.kind())),
        }
    }

    /// The item as a program.
    pub fn into_program(self) -> Result<ProgramItem, VmError> {
        match self {
            Item::Program(p) => Ok(p),
            other => Err(VmError::expected("program", other.kind())),
        }
    }

    /// The item as a contract.
    pub fn into_contract(self) -> Result<Contract, VmError> {
        match self {
            Item::Contract(c) => Ok(c),
            other => Err(VmError::expected("contract", other.kind())),
        }
    }

    /// The item as a (non-negative) value.
    pub fn into_value(self) -> Result<Value, VmError> {
        match self {
            Item::Value(v) => Ok(v),
            other => Err(VmError::expected("value", other.kind())),
        }
    }

    /// The item as a variable.
    pub fn into_variable(self) -> Result<Variable, VmError> {
        match self {
            Item::Variable(v) => Ok(v),
            other => Err(VmError::expected("variable", other.kind())),
        }
    }

    /// The item as an expression (a variable is not one).
    pub fn into_expression(self) -> Result<Expression, VmError> {
        match self {
            Item::Expression(e) => Ok(e),
            other => Err(VmError::expected("expression", other.kind())),
        }
    }

    /// The item as a constraint.
    pub fn into_constraint(self) -> Result<Constraint, VmError> {
        match self {
            Item::Constraint(c) => Ok(c),
            other => Err(VmError::expected("constraint", other.kind())),
        }
    }

    /// The item as a payload item: strings, programs and values are portable.
    pub fn into_portable(self) -> Result<PortableItem, VmError> {
        match self {
            Item::Data(d) => Ok(PortableItem::Data(d)),
            Item::Program(p) => Ok(PortableItem::Program(p)),
            Item::Value(v) => Ok(PortableItem::Value(v)),
            other => Err(VmError::NotPortable {
                found: other.kind(),
            }),
        }
    }

    /// A copy of the item: strings and variables are copyable.
    pub fn duplicate(&self) -> Result<Item, VmError> {
        match self {
            Item::Data(d) => Ok(Item::Data(d.clone())),
            Item::Variable(v) => Ok(Item::Variable(v.clone())),
            other => Err(VmError::NotCopyable {
                found: other.kind(),
            }),
        }
    }

    /// Checks that the item may be dropped: everything but contracts and values.
    pub fn check_droppable(&self) -> Result<(), VmError> {
        match self {
            Item::Data(_)
            | Item::Program(_)
            | Item::Variable(_)
            | Item::Expression(_)
            | Item::Constraint(_) => Ok(()),
            other => Err(VmError::NotDroppable {
                found: other.kind(),
            }),
        }
    }
}

impl From<PortableItem> for Item {
    fn from(p: PortableItem) -> Self {
        match p {
            PortableItem::Data(d) => Item::Data(d),
            PortableItem::Program(p) => Item::Program(p),
            PortableItem::Value(v) => Item::Value(v),
        }
    }
}

/// A string of bytes: opaque in the verifier, and in the prover possibly a typed
/// object with its secrets that encodes to the same bytes.
#[derive(Clone, Debug)]
pub enum Data {
    /// Plain bytes.
    Opaque(Vec<u8>),
    /// A scalar (32 bytes).
    Scalar(Box<ScalarWitness>),
    /// A commitment (its 32-byte point).
    Commitment(Box<Commitment>),
    /// A predicate (its 32-byte point).
    Predicate(Box<Predicate>),
    /// An output structure, for `input`.
    Output(Box<Contract>),
    /// A LE32 integer (for `fee`).
    U32(u32),
    /// A LE64 integer.
    U64(u64),
}

impl Data {
    /// The encoded bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Data::Opaque(b) => b.clone(),
            _ => self.encode_to_vec(),
        }
    }

    /// The encoded bytes, without copying opaque data.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Data::Opaque(b) => b,
            other => other.encode_to_vec(),
        }
    }

    /// The string as a canonical scalar (exactly 32 bytes).
    pub fn into_scalar(self) -> Result<ScalarWitness, VmError> {
        match self {
            Data::Scalar(s) => Ok(*s),
            other => {
                let s = Reader::parse(&other.into_bytes(), |r| r.read_scalar())?;
                Ok(ScalarWitness::Scalar(s))
            }
        }
    }

    /// The string as a commitment (exactly 32 bytes; not decompressed here).
    pub fn into_commitment(self) -> Result<Commitment, VmError> {
        match self {
            Data::Commitment(c) => Ok(*c),
            other => Ok(Commitment::Closed(read_point(&other.into_bytes())?)),
        }
    }

    /// The string as a predicate (exactly 32 bytes; not decompressed here).
    pub fn into_predicate(self) -> Result<Predicate, VmError> {
        match self {
            Data::Predicate(p) => Ok(*p),
            other => Ok(Predicate::opaque(read_point(&other.into_bytes())?)),
        }
    }

    /// The string as an output structure (exactly its encoding).
    pub fn into_output(self) -> Result<Contract, VmError> {
        match self {
            Data::Output(c) => Ok(*c),
            other => Ok(Contract::from_bytes(&other.into_bytes())?),
        }
    }

    /// The string as a LE32 integer (exactly 4 bytes).
    pub fn into_u32(self) -> Result<u32, VmError> {
        match self {
            Data::U32(n) => Ok(n),
            other => Ok(Reader::parse(&other.into_bytes(), |r| r.read_u32())?),
        }
    }
}

impl PartialEq for Data {
    /// Strings are equal when their encodings are.
    fn eq(&self, other: &Data) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

/// Reads exactly one 32-byte point.
fn read_point(bytes: &[u8]) -> Result<CompressedRistretto, VmError> {
    Ok(Reader::parse(bytes, |r| r.read_point())?)
}

impl Encodable for Data {
    fn encode(&self, w: &mut Vec<u8>) {
        match self {
            Data::Opaque(b) => w.write_bytes(b),
            Data::Scalar(s) => w.write_scalar(&s.to_scalar()),
            Data::Commitment(c) => w.write_point(&c.to_point()),
            Data::Predicate(p) => w.write_point(&p.to_point()),
            Data::Output(c) => c.encode(w),
            Data::U32(n) => w.write_u32(*n),
            Data::U64(n) => w.write_u64(*n),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Data::Opaque(b) => b.len(),
            Data::Scalar(_) | Data::Commitment(_) | Data::Predicate(_) => 32,
            Data::Output(c) => c.encoded_len(),
            Data::U32(_) => 4,
            Data::U64(_) => 8,
        }
    }
}

impl From<Vec<u8>> for Data {
    fn from(b: Vec<u8>) -> Self {
        Data::Opaque(b)
    }
}

impl From<&[u8]> for Data {
    fn from(b: &[u8]) -> Self {
        Data::Opaque(b.to_vec())
    }
}

impl From<ScalarWitness> for Data {
    fn from(s: ScalarWitness) -> Self {
        Data::Scalar(Box::new(s))
    }
}

impl From<Scalar> for Data {
    fn from(s: Scalar) -> Self {
        Data::Scalar(Box::new(s.into()))
    }
}

impl From<Commitment> for Data {
    fn from(c: Commitment) -> Self {
        Data::Commitment(Box::new(c))
    }
}

impl From<CompressedRistretto> for Data {
    fn from(p: CompressedRistretto) -> Self {
        Data::Opaque(p.as_bytes().to_vec())
    }
}

impl From<Predicate> for Data {
    fn from(p: Predicate) -> Self {
        Data::Predicate(Box::new(p))
    }
}

impl From<Contract> for Data {
    fn from(c: Contract) -> Self {
        Data::Output(Box::new(c))
    }
}

/// A quantity of one flavor, each committed; the quantity is proven to lie in
/// `[0, 2^64)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// The quantity's commitment.
    pub qty: Commitment,
    /// The flavor's commitment.
    pub flv: Commitment,
}

impl Value {
    /// The quantity (as an integer) and flavor, when both commitments are open.
    pub fn assignment(&self) -> Option<(SignedInteger, Scalar)> {
        let q = self.qty.assignment()?.to_integer()?;
        let f = self.flv.assignment()?.to_scalar();
        Some((q, f))
    }

    /// The value with both commitments closed.
    pub fn to_closed(&self) -> Value {
        Value {
            qty: self.qty.to_closed(),
            flv: self.flv.to_closed(),
        }
    }
}

/// The flavor that `issue` gives to values issued under `predicate` with `metadata`.
pub fn issue_flavor(predicate: &CompressedRistretto, metadata: &[u8]) -> Scalar {
    let mut t = Transcript::new(labels::ISSUE);
    t.append_point(b"predicate", predicate);
    t.append_message(b"metadata", metadata);
    t.challenge_scalar(b"flavor")
}

/// A value whose quantity lies in `[-(2^64-1), 2^64-1]`: made by `borrow` and `fee`,
/// consumed only by `cloak`. It lives only in the constraint system.
#[derive(Clone, Debug)]
pub struct WideValue(pub(crate) AllocatedValue);

impl WideValue {
    /// The quantity and flavor variables, with their values in the prover.
    pub fn allocated(&self) -> &AllocatedValue {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_data_reads_as_its_encoding() {
        let d = Data::U32(7);
        assert_eq!(d.to_bytes(), vec![7, 0, 0, 0]);
        assert_eq!(Data::from(vec![7, 0, 0, 0]).into_u32().unwrap(), 7);
        // A typed string asked for another type is read from its bytes, as the
        // verifier would.
        let s = Data::from(Scalar::from(3u64));
        assert_eq!(
            s.clone().into_commitment().unwrap().to_point().as_bytes(),
            &Scalar::from(3u64).to_bytes()
        );
        assert!(matches!(
            Data::U32(1).into_scalar(),
            Err(VmError::Format(_))
        ));
    }

    #[test]
    fn scalars_must_be_canonical_and_exact() {
        assert!(Data::from(vec![0xffu8; 32]).into_scalar().is_err());
        assert!(Data::from(vec![0u8; 31]).into_scalar().is_err());
        assert!(Data::from(vec![0u8; 33]).into_scalar().is_err());
        assert!(Data::from(vec![0u8; 32]).into_scalar().is_ok());
    }

    #[test]
    fn copy_drop_and_port_rules() {
        let var = Item::Variable(Variable {
            commitment: Commitment::Closed(CompressedRistretto::default()),
        });
        assert!(var.duplicate().is_ok());
        assert!(var.check_droppable().is_ok());
        assert!(matches!(
            var.into_portable(),
            Err(VmError::NotPortable {
                found: ItemKind::Variable
            })
        ));
        let expr = Item::Expression(Expression::Constant(1u64.into()));
        assert!(matches!(expr.duplicate(), Err(VmError::NotCopyable { .. })));
        let value = Item::Value(Value {
            qty: Commitment::Closed(CompressedRistretto::default()),
            flv: Commitment::Closed(CompressedRistretto::default()),
        });
        assert!(matches!(
            value.check_droppable(),
            Err(VmError::NotDroppable {
                found: ItemKind::Value
            })
        ));
        assert!(value.into_portable().is_ok());
    }
}
