//! Transaction builders above the [`Program`] builder: payments (with change, fee and
//! time bounds), issuances, retirements, and Taproot trees.
//!
//! A [`TxBuilder`] gathers what goes in (spent outputs with their openings and keys,
//! issuances) and what comes out (payments to predicates, retirements, change, fee),
//! checks that every flavor balances, and writes the program:
//!
//! ```text
//! <output> input signtx                                  for each spent output
//! <q> commit <f> commit <metadata> <issuer> issue signtx  for each issuance
//! <fee> fee                                              if there is a fee
//! <qty> <flv> …                                          for each value out
//! cloak:m:n
//! <predicate> output:1  |  retire                        for each value out, in order
//! <data> log                                             for each data entry
//! ```
//!
//! A flavor that nets to zero still gets a zero-quantity change output, because the
//! cloak pads only with flavor zero (a known property of v1).

use crate::constraints::Commitment;
use crate::contract::{Contract, PortableItem};
use crate::errors::VmError;
use crate::fees::{FEE_FLAVOR, MAX_FEE};
use crate::predicate::Predicate;
use crate::program::{Program, ProgramItem};
use crate::prover::{Prover, UnsignedTx};
use crate::scalar_witness::ScalarWitness;
use crate::taproot::{CallProof, PredicateTree};
use crate::tx::{TxHeader, CURRENT_VERSION};
use crate::types::{issue_flavor, Data};
use batch::Generators;
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};

/// A quantity of a flavor, in the clear.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ClearValue {
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flv: Scalar,
}

/// One value leaving the cloak.
#[derive(Clone, Debug)]
enum Destination {
    Output(Predicate),
    Retire,
}

/// A value leaving the cloak: where it goes, and the blinding factors of its
/// quantity and flavor commitments when the caller fixed them.
#[derive(Clone, Debug)]
struct Out {
    value: ClearValue,
    blinding: Option<[Scalar; 2]>,
    destination: Destination,
}

/// An issuance: the issuer's predicate (holding its key), the metadata and quantity.
#[derive(Clone, Debug)]
struct Issuance {
    issuer: Predicate,
    metadata: Vec<u8>,
    qty: u64,
}

/// Builds payments, issuances and retirements.
#[derive(Clone, Debug)]
pub struct TxBuilder {
    header: TxHeader,
    inputs: Vec<Contract>,
    issuances: Vec<Issuance>,
    outs: Vec<Out>,
    change: Option<Predicate>,
    fee: u64,
    data: Vec<Vec<u8>>,
}

impl Default for TxBuilder {
    fn default() -> Self {
        TxBuilder::new()
    }
}

impl TxBuilder {
    /// An empty transaction of the current version, valid at any time.
    pub fn new() -> Self {
        TxBuilder {
            header: TxHeader {
                version: CURRENT_VERSION,
                mintime_ms: 0,
                maxtime_ms: u64::MAX,
            },
            inputs: Vec::new(),
            issuances: Vec::new(),
            outs: Vec::new(),
            change: None,
            fee: 0,
            data: Vec::new(),
        }
    }

    /// Spends an output: a contract whose payload is one value with open commitments
    /// and whose predicate holds its signing key (it is opened with `signtx`).
    pub fn spend(mut self, output: Contract) -> Self {
        self.inputs.push(output);
        self
    }

    /// Issues `qty` units of the flavor of `issuer` and `metadata`. The issuer's
    /// predicate must hold its key. Issuance needs a spent output to anchor it.
    pub fn issue(mut self, issuer: Predicate, metadata: impl Into<Vec<u8>>, qty: u64) -> Self {
        self.issuances.push(Issuance {
            issuer,
            metadata: metadata.into(),
            qty,
        });
        self
    }

    /// Pays `qty` units of `flavor` to `predicate`.
    pub fn pay(self, predicate: Predicate, qty: u64, flavor: Scalar) -> Self {
        self.out(qty, flavor, None, Destination::Output(predicate))
    }

    /// Pays `qty` units of `flavor` to `predicate` with the given blinding factors of
    /// the quantity and flavor commitments, so that the output (and its ID) is known
    /// to whoever chose them, for example a recipient who asked for exactly this.
    pub fn pay_blinded(
        self,
        predicate: Predicate,
        value: ClearValue,
        qty_blinding: Scalar,
        flv_blinding: Scalar,
    ) -> Self {
        let blinding = Some([qty_blinding, flv_blinding]);
        self.out(
            value.qty,
            value.flv,
            blinding,
            Destination::Output(predicate),
        )
    }

    /// Retires `qty` units of `flavor`.
    pub fn retire(self, qty: u64, flavor: Scalar) -> Self {
        self.out(qty, flavor, None, Destination::Retire)
    }

    /// Writes `data` to the transaction log (`<data> log`), after the outputs.
    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data.push(data.into());
        self
    }

    fn out(
        mut self,
        qty: u64,
        flv: Scalar,
        blinding: Option<[Scalar; 2]>,
        destination: Destination,
    ) -> Self {
        self.outs.push(Out {
            value: ClearValue { qty, flv },
            blinding,
            destination,
        });
        self
    }

    /// Sends whatever is left of each flavor to `predicate`.
    pub fn change_to(mut self, predicate: Predicate) -> Self {
        self.change = Some(predicate);
        self
    }

    /// Pays a fee of `fee` units of flavor zero (at most 2^24).
    pub fn fee(mut self, fee: u64) -> Self {
        self.fee = fee;
        self
    }

    /// Sets the time bounds (ms since the Unix epoch).
    pub fn time_bounds(mut self, mintime_ms: u64, maxtime_ms: u64) -> Self {
        self.header.mintime_ms = mintime_ms;
        self.header.maxtime_ms = maxtime_ms;
        self
    }

    /// Sets the transaction version.
    pub fn version(mut self, version: u64) -> Self {
        self.header.version = version;
        self
    }

    /// Writes the program and proves it. The result is signed with
    /// [`UnsignedTx::sign`] (or through a MuSig2 session for shared keys).
    pub fn build<R: RngCore + CryptoRng>(
        self,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<UnsignedTx, VmError> {
        let header = self.header;
        let program = self.program(rng)?;
        Prover::build_tx(program, header, gens, rng)
    }

    /// Writes the program, with change and the zero outputs a cloak needs.
    pub fn program<R: RngCore + CryptoRng>(mut self, rng: &mut R) -> Result<Program, VmError> {
        self.check_shape()?;
        let inputs = self.values_in()?;
        self.add_change(&inputs)?;
        let m = inputs.len() + usize::from(self.fee > 0);
        let mut p = Program::new();
        for input in &self.inputs {
            p.push(input.clone()).input().signtx();
        }
        for issuance in &self.issuances {
            write_issuance(&mut p, issuance, rng);
        }
        if self.fee > 0 {
            p.push(Data::U32(self.fee as u32)).fee();
        }
        for out in &self.outs {
            let (qty, flv) = (out.value.qty, out.value.flv);
            match out.blinding {
                Some([fq, ff]) => p
                    .push(Commitment::blinded_with_factor(qty, fq))
                    .push(Commitment::blinded_with_factor(flv, ff)),
                None => p
                    .push(Commitment::blinded(qty, rng))
                    .push(Commitment::blinded(flv, rng)),
            };
        }
        p.cloak(count(m)?, count(self.outs.len())?);
        for out in self.outs {
            match out.destination {
                Destination::Output(predicate) => p.push(predicate).output(1),
                Destination::Retire => p.retire(),
            };
        }
        for data in self.data {
            p.push(data).log();
        }
        Ok(p)
    }

    fn check_shape(&self) -> Result<(), VmError> {
        if self.inputs.is_empty() {
            return Err(bad("a transaction needs a spent output to anchor it"));
        }
        if self.fee > MAX_FEE {
            return Err(VmError::FeeTooHigh { total: self.fee });
        }
        Ok(())
    }

    /// The clear values going into the cloak: spent values, then issued ones.
    fn values_in(&self) -> Result<Vec<ClearValue>, VmError> {
        let mut values = Vec::with_capacity(self.inputs.len() + self.issuances.len());
        for input in &self.inputs {
            values.push(open_single_value(input)?);
        }
        for i in &self.issuances {
            let flv = issue_flavor(&i.issuer.to_point(), &i.metadata);
            values.push(ClearValue { qty: i.qty, flv });
        }
        Ok(values)
    }

    /// Adds one change output per flavor that has something left, or that nets to
    /// zero without any output (the cloak cannot absorb it otherwise).
    fn add_change(&mut self, inputs: &[ClearValue]) -> Result<(), VmError> {
        let mut flavors: Vec<Scalar> = Vec::new();
        for v in inputs {
            if !flavors.contains(&v.flv) {
                flavors.push(v.flv);
            }
        }
        if self.fee > 0 && !flavors.contains(&FEE_FLAVOR) {
            return Err(bad("the fee needs an input of flavor zero"));
        }
        if self.outs.iter().any(|o| !flavors.contains(&o.value.flv)) {
            return Err(bad("an output has a flavor that no input has"));
        }
        for flv in flavors {
            let total_in = sum(inputs.iter().filter(|v| v.flv == flv).map(|v| v.qty))?;
            let total_out = sum(self
                .outs
                .iter()
                .filter(|o| o.value.flv == flv)
                .map(|o| o.value.qty))?;
            let fee = if flv == FEE_FLAVOR { self.fee } else { 0 };
            let spent = total_out
                .checked_add(fee)
                .filter(|s| *s <= total_in)
                .ok_or_else(|| bad("outputs and fee exceed the inputs of a flavor"))?;
            let left = total_in - spent;
            let has_output = self.outs.iter().any(|o| o.value.flv == flv);
            if left > 0 || !has_output {
                let change = self
                    .change
                    .clone()
                    .ok_or_else(|| bad("change is left over but no change predicate is set"))?;
                self.outs.push(Out {
                    value: ClearValue { qty: left, flv },
                    blinding: None,
                    destination: Destination::Output(change),
                });
            }
        }
        Ok(())
    }
}

/// The one open value of a spent output.
fn open_single_value(output: &Contract) -> Result<ClearValue, VmError> {
    let value = match output.payload.as_slice() {
        [PortableItem::Value(v)] => v,
        _ => return Err(bad("a spent output must hold exactly one value")),
    };
    let (q, flv) = value
        .assignment()
        .ok_or_else(|| bad("a spent output's value must be open"))?;
    let qty = q
        .to_u64()
        .ok_or_else(|| bad("a spent output's quantity must be non-negative"))?;
    Ok(ClearValue { qty, flv })
}

/// `<q> commit <f> commit <metadata> <issuer> issue signtx`; the flavor commitment is
/// unblinded, as `issue` requires.
fn write_issuance<R: RngCore + CryptoRng>(p: &mut Program, i: &Issuance, rng: &mut R) {
    let flv = issue_flavor(&i.issuer.to_point(), &i.metadata);
    p.push(Commitment::blinded(i.qty, rng))
        .commit()
        .push(Commitment::unblinded(ScalarWitness::Scalar(flv)))
        .commit()
        .push(i.metadata.clone())
        .push(i.issuer.clone())
        .issue()
        .signtx();
}

fn sum(mut values: impl Iterator<Item = u64>) -> Result<u64, VmError> {
    values
        .try_fold(0u64, u64::checked_add)
        .ok_or_else(|| bad("quantities overflow 64 bits"))
}

fn count(n: usize) -> Result<u32, VmError> {
    u32::try_from(n).map_err(|_| bad("too many values for one cloak"))
}

fn bad(what: &str) -> VmError {
    VmError::BadArguments(what.to_string())
}

/// Builds a Taproot predicate: an optional key for the key path, and clauses.
#[derive(Clone, Debug, Default)]
pub struct TaprootBuilder {
    key: Option<Predicate>,
    clauses: Vec<ProgramItem>,
}

/// A built Taproot predicate with the call proof of each clause.
#[derive(Clone, Debug)]
pub struct Taproot {
    /// The tree (its predicate signs with the adjusted key if the key is held).
    pub tree: PredicateTree,
    /// For each clause, in order: its call proof and program.
    pub calls: Vec<(CallProof, ProgramItem)>,
}

impl TaprootBuilder {
    /// A tree without key and clauses.
    pub fn new() -> Self {
        TaprootBuilder::default()
    }

    /// The key of the key path (without it, the key path is unsignable).
    pub fn key(mut self, key: Predicate) -> Self {
        self.key = Some(key);
        self
    }

    /// Adds a clause.
    pub fn clause(mut self, program: impl Into<ProgramItem>) -> Self {
        self.clauses.push(program.into());
        self
    }

    /// Builds the tree, blinding its leaves with `blinding_key`.
    pub fn build(self, blinding_key: [u8; 32]) -> Result<Taproot, VmError> {
        let n = self.clauses.len();
        let tree = PredicateTree::new(self.key, self.clauses, blinding_key)?;
        let calls = (0..n)
            .map(|i| tree.call_proof(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Taproot { tree, calls })
    }
}

impl Taproot {
    /// The predicate, remembering the tree.
    pub fn predicate(&self) -> Predicate {
        self.tree.predicate()
    }

    /// Writes `<call proof> <program> call` for clause `index` (the contract must be
    /// on top of the stack).
    pub fn call(&self, p: &mut Program, index: usize) -> Result<(), VmError> {
        let (proof, program) = self.calls.get(index).ok_or(VmError::InvalidPredicateTree {
            what: "no clause at that index",
        })?;
        p.push(encoding::Encodable::encode_to_vec(proof))
            .program(program.clone())
            .call();
        Ok(())
    }
}
