//! Transaction builders above the [`Program`] builder: payments (with change, fee and
//! time bounds), issuances, retirements, and Taproot trees.
//!
//! A [`TxBuilder`] gathers what goes in (spent outputs with their openings and keys,
//! issuances) and what comes out (payments to predicates, retirements, change, fee),
//! checks that every flavor balances, and writes the program:
//!
//! ```text
//! <args…> <output> input <unlock> <then>               for each spent output
//! <q> commit <f> commit <metadata> <issuer> issue signtx  for each issuance
//! <fee> fee                                              if there is a fee
//! <qty> <flv> …                                          for each value out
//! cloak:m:n
//! <payload…> <predicate> output:k  |  retire             for each value out, in order
//! <data> log                                             for each data entry
//! ```
//!
//! where `<unlock>` is `signtx` for an output its key opens, `<proof> <clause> call`
//! for a Taproot clause, or `<program> <signature> signid|signtag` for a delegated
//! program (see [`Spend`]). Each spent output leaves values and debts for the cloak
//! ([`Leftover`]); the cloak is left out when nothing enters or leaves it.
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
use musig::Signature;
use rand_core::{CryptoRng, RngCore};

/// A quantity of a flavor, in the clear.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ClearValue {
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flv: Scalar,
}

/// What the unlocking of a spent output leaves on the stack for the cloak.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Leftover {
    /// A value (for example the contract's own payload).
    Value(ClearValue),
    /// A debt, as `borrow` leaves it: the cloak must repay it from other values.
    Debt(ClearValue),
}

/// How a spent output is opened.
#[derive(Clone, Debug)]
enum Unlock {
    Signtx,
    Call {
        proof: Vec<u8>,
        clause: ProgramItem,
    },
    Signid {
        program: Program,
        signature: Signature,
    },
    Signtag {
        program: Program,
        signature: Signature,
    },
}

/// A spent output with the way it is opened: the arguments pushed before it, the
/// unlocking instruction, instructions run after it, and what it leaves for the
/// cloak.
///
/// Unless declared with [`Spend::leaves`], a `signtx` spend leaves its one open value
/// and the other kinds leave nothing.
#[derive(Clone, Debug)]
pub struct Spend {
    args: Vec<Data>,
    output: Contract,
    unlock: Unlock,
    then: Program,
    leftovers: Option<Vec<Leftover>>,
}

impl Spend {
    /// Opens `output` with `signtx`: its predicate signs the transaction (a key, a
    /// MuSig key, or a Taproot key path).
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, Commitment, Contract, PortableItem, Predicate, Spend, SigningKey, Value};
    /// let key: Predicate = SigningKey::new(Scalar::from(9u64)).into();
    /// let mut rng = rand_core::OsRng;
    /// let value = Value { qty: Commitment::blinded(5u64, &mut rng), flv: Commitment::blinded(Scalar::ZERO, &mut rng) };
    /// let output = Contract { predicate: key, payload: vec![PortableItem::Value(value)], anchor: Anchor([0; 32]) };
    /// let spend = Spend::signtx(output);
    /// # let _ = spend;
    /// ```
    pub fn signtx(output: Contract) -> Self {
        Self::with(output, Unlock::Signtx)
    }

    /// Opens `output` with clause `clause` of `taproot` (`call`). The clause usually
    /// leaves values or debts, declared with [`Spend::leaves`].
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, ClearValue, Commitment, Contract, Leftover, PortableItem, Predicate};
    /// use zkvm::{Program, Spend, SigningKey, TaprootBuilder, TxBuilder, Value, Generators, Verifier};
    /// let owner: Predicate = SigningKey::new(Scalar::from(9u64)).into();
    /// // A clause anyone may run: it hands the value to `owner`'s signature.
    /// let clause = Program::build(|p| { p.push(owner.clone()).contract(1).signtx(); });
    /// let taproot = TaprootBuilder::new().clause(clause).build([1; 32]).unwrap();
    /// let mut rng = rand_core::OsRng;
    /// let value = Value { qty: Commitment::blinded(5u64, &mut rng), flv: Commitment::blinded(Scalar::ZERO, &mut rng) };
    /// let output = Contract { predicate: taproot.predicate(), payload: vec![PortableItem::Value(value)], anchor: Anchor([0; 32]) };
    /// let spend = Spend::call(output, &taproot, 0).unwrap()
    ///     .leaves(Leftover::Value(ClearValue { qty: 5, flv: Scalar::ZERO }));
    /// let gens = Generators::new(256);
    /// let tx = TxBuilder::new().spend_with(spend).pay(owner, 5, Scalar::ZERO)
    ///     .build(&gens, &mut rng).unwrap().sign(&mut rng).unwrap();
    /// Verifier::verify_tx(&tx, &gens).unwrap();
    /// ```
    pub fn call(output: Contract, taproot: &Taproot, clause: usize) -> Result<Self, VmError> {
        let (proof, program) = taproot
            .calls
            .get(clause)
            .ok_or(VmError::InvalidPredicateTree {
                what: "no clause at that index",
            })?;
        let unlock = Unlock::Call {
            proof: encoding::Encodable::encode_to_vec(proof),
            clause: program.clone(),
        };
        Ok(Self::with(output, unlock))
    }

    /// Opens `output` with `program` and the predicate's `signid` signature over the
    /// output's ID and the program (see [`crate::signing::sign_id`]).
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, Commitment, Contract, PortableItem, Predicate, Program, Spend, SigningKey, Value, sign_id};
    /// let key = SigningKey::new(Scalar::from(9u64));
    /// let mut rng = rand_core::OsRng;
    /// let value = Value { qty: Commitment::blinded(5u64, &mut rng), flv: Commitment::blinded(Scalar::ZERO, &mut rng) };
    /// let output = Contract { predicate: key.verification_key().into(), payload: vec![PortableItem::Value(value)], anchor: Anchor([0; 32]) };
    /// // The key owner delegates: whoever runs this program gets the value to output.
    /// let program = Program::build(|p| { p.push(Predicate::from_key(&key.verification_key())).output(1); });
    /// let signature = sign_id(&key, &output.id(), &program, &mut rng);
    /// let spend = Spend::signid(output, program, signature);
    /// # let _ = spend;
    /// ```
    pub fn signid(output: Contract, program: Program, signature: Signature) -> Self {
        Self::with(output, Unlock::Signid { program, signature })
    }

    /// Opens `output` with `program` and the predicate's `signtag` signature over the
    /// tag (the last item of the output's payload) and the program (see
    /// [`crate::signing::sign_tag`]).
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, Contract, Data, PortableItem, Program, Spend, SigningKey, sign_tag};
    /// let key = SigningKey::new(Scalar::from(9u64));
    /// let tag = Data::from(b"tag".to_vec());
    /// let output = Contract { predicate: key.verification_key().into(), payload: vec![PortableItem::Data(tag.clone())], anchor: Anchor([0; 32]) };
    /// let program = Program::build(|p| { p.drop(); });
    /// let signature = sign_tag(&key, &tag, &program, &mut rand_core::OsRng);
    /// let spend = Spend::signtag(output, program, signature);
    /// # let _ = spend;
    /// ```
    pub fn signtag(output: Contract, program: Program, signature: Signature) -> Self {
        Self::with(output, Unlock::Signtag { program, signature })
    }

    /// Pushes `data` before the output (arguments of the clause or program, in
    /// order: the last one ends nearest the payload).
    ///
    /// ```
    /// # use curve25519_dalek::scalar::Scalar;
    /// # use zkvm::{Anchor, Contract, Commitment, Spend, SigningKey};
    /// # let key = SigningKey::new(Scalar::from(9u64));
    /// # let output = Contract { predicate: key.into(), payload: vec![], anchor: Anchor([0; 32]) };
    /// let spend = Spend::signtx(output).arg(Commitment::unblinded(3u64));
    /// # let _ = spend;
    /// ```
    pub fn arg(mut self, data: impl Into<Data>) -> Self {
        self.args.push(data.into());
        self
    }

    /// Appends instructions run right after the unlocking one (for example `drop`s of
    /// payload items the cloak cannot take).
    ///
    /// ```
    /// # use curve25519_dalek::scalar::Scalar;
    /// # use zkvm::{Anchor, Contract, Program, Spend, SigningKey};
    /// # let key = SigningKey::new(Scalar::from(9u64));
    /// # let output = Contract { predicate: key.into(), payload: vec![], anchor: Anchor([0; 32]) };
    /// let spend = Spend::signtx(output).then(Program::build(|p| { p.drop(); }));
    /// # let _ = spend;
    /// ```
    pub fn then(mut self, program: Program) -> Self {
        self.then.append(program);
        self
    }

    /// Declares one more value or debt this spend leaves for the cloak, in stack
    /// order (deepest first).
    ///
    /// ```
    /// # use curve25519_dalek::scalar::Scalar;
    /// # use zkvm::{Anchor, ClearValue, Contract, Leftover, Spend, SigningKey};
    /// # let key = SigningKey::new(Scalar::from(9u64));
    /// # let output = Contract { predicate: key.into(), payload: vec![], anchor: Anchor([0; 32]) };
    /// let spend = Spend::signtx(output).leaves(Leftover::Debt(ClearValue { qty: 3, flv: Scalar::ONE }));
    /// # let _ = spend;
    /// ```
    pub fn leaves(mut self, leftover: Leftover) -> Self {
        self.leftovers.get_or_insert_with(Vec::new).push(leftover);
        self
    }

    /// The output being spent.
    ///
    /// ```
    /// # use curve25519_dalek::scalar::Scalar;
    /// # use zkvm::{Anchor, Contract, Spend, SigningKey};
    /// # let key = SigningKey::new(Scalar::from(9u64));
    /// let output = Contract { predicate: key.into(), payload: vec![], anchor: Anchor([0; 32]) };
    /// assert_eq!(Spend::signtx(output.clone()).output(), &output);
    /// ```
    pub fn output(&self) -> &Contract {
        &self.output
    }

    fn with(output: Contract, unlock: Unlock) -> Self {
        Spend {
            args: Vec::new(),
            output,
            unlock,
            then: Program::new(),
            leftovers: None,
        }
    }

    /// What the spend leaves for the cloak.
    fn leftovers(&self) -> Result<Vec<Leftover>, VmError> {
        match (&self.leftovers, &self.unlock) {
            (Some(l), _) => Ok(l.clone()),
            (None, Unlock::Signtx) => Ok(vec![Leftover::Value(open_single_value(&self.output)?)]),
            (None, _) => Ok(Vec::new()),
        }
    }

    fn write(&self, p: &mut Program) {
        for arg in &self.args {
            p.push(arg.clone());
        }
        p.push(self.output.clone()).input();
        match &self.unlock {
            Unlock::Signtx => p.signtx(),
            Unlock::Call { proof, clause } => p.push(proof.clone()).program(clause.clone()).call(),
            Unlock::Signid { program, signature } => p
                .program(program.clone())
                .push(signature.to_bytes().to_vec())
                .signid(),
            Unlock::Signtag { program, signature } => p
                .program(program.clone())
                .push(signature.to_bytes().to_vec())
                .signtag(),
        };
        p.append(self.then.clone());
    }
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
    payload: Vec<Data>,
}

/// An issuance: the issuer's predicate (holding its key), the metadata and quantity,
/// and whether the quantity commitment is unblinded (the amount shows in the log).
#[derive(Clone, Debug)]
struct Issuance {
    issuer: Predicate,
    metadata: Vec<u8>,
    qty: u64,
    open: bool,
}

/// Builds payments, issuances and retirements.
#[derive(Clone, Debug)]
pub struct TxBuilder {
    header: TxHeader,
    inputs: Vec<Spend>,
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

    /// Spends an output: a contract whose payload is one value with open commitments,
    /// opened with `signtx` (its predicate is a key, a MuSig key or a Taproot key).
    pub fn spend(self, output: Contract) -> Self {
        self.spend_with(Spend::signtx(output))
    }

    /// Spends an output the way `spend` says: a Taproot clause, a `signid` or
    /// `signtag` program, or `signtx` with arguments and follow-up instructions.
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, Commitment, Contract, Data, PortableItem, Predicate, Program, Spend, SigningKey, TxBuilder, Value};
    /// let key: Predicate = SigningKey::new(Scalar::from(9u64)).into();
    /// let mut rng = rand_core::OsRng;
    /// let value = Value { qty: Commitment::blinded(5u64, &mut rng), flv: Commitment::blinded(Scalar::ZERO, &mut rng) };
    /// // An output whose payload carries a memo after the value.
    /// let memo = PortableItem::Data(Data::from(b"memo".to_vec()));
    /// let output = Contract { predicate: key.clone(), payload: vec![PortableItem::Value(value), memo], anchor: Anchor([0; 32]) };
    /// let five = zkvm::ClearValue { qty: 5, flv: Scalar::ZERO };
    /// let spend = Spend::signtx(output)
    ///     .then(Program::build(|p| { p.drop(); }))
    ///     .leaves(zkvm::Leftover::Value(five));
    /// let program = TxBuilder::new().spend_with(spend).pay(key, 5, Scalar::ZERO)
    ///     .program(&mut rng).unwrap();
    /// assert!(program.to_string().contains("signtx drop"));
    /// ```
    pub fn spend_with(mut self, spend: Spend) -> Self {
        self.inputs.push(spend);
        self
    }

    /// Issues `qty` units of the flavor of `issuer` and `metadata`. The issuer's
    /// predicate must hold its key. Issuance needs a spent output to anchor it.
    pub fn issue(mut self, issuer: Predicate, metadata: impl Into<Vec<u8>>, qty: u64) -> Self {
        self.issuances.push(Issuance {
            issuer,
            metadata: metadata.into(),
            qty,
            open: false,
        });
        self
    }

    /// Issues like [`TxBuilder::issue`] with the quantity commitment unblinded, so the
    /// log's `issue` entry shows the amount (`qty·B`) to anyone.
    pub fn issue_open(mut self, issuer: Predicate, metadata: impl Into<Vec<u8>>, qty: u64) -> Self {
        self.issuances.push(Issuance {
            issuer,
            metadata: metadata.into(),
            qty,
            open: true,
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

    /// Pays `value` to `predicate` in a contract whose payload is the value followed by
    /// `payload` (data a contract's clauses read, such as a tag or a state number),
    /// with the given blinding factors of the value's commitments if any.
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, ClearValue, Commitment, Contract, Data, PortableItem, Predicate, SigningKey, TxBuilder, Value};
    /// let key: Predicate = SigningKey::new(Scalar::from(9u64)).into();
    /// let mut rng = rand_core::OsRng;
    /// let value = Value { qty: Commitment::blinded(5u64, &mut rng), flv: Commitment::blinded(Scalar::ZERO, &mut rng) };
    /// let coin = Contract { predicate: key.clone(), payload: vec![PortableItem::Value(value)], anchor: Anchor([0; 32]) };
    /// let five = ClearValue { qty: 5, flv: Scalar::ZERO };
    /// let program = TxBuilder::new().spend(coin)
    ///     .pay_with_payload(key, five, None, vec![Data::from(b"tag".to_vec())])
    ///     .program(&mut rng).unwrap();
    /// assert!(program.to_string().contains("output:2"));
    /// ```
    pub fn pay_with_payload(
        mut self,
        predicate: Predicate,
        value: ClearValue,
        blinding: Option<[Scalar; 2]>,
        payload: Vec<Data>,
    ) -> Self {
        self.outs.push(Out {
            value,
            blinding,
            destination: Destination::Output(predicate),
            payload,
        });
        self
    }

    /// Retires `qty` units of `flavor`.
    pub fn retire(self, qty: u64, flavor: Scalar) -> Self {
        self.out(qty, flavor, None, Destination::Retire)
    }

    /// Retires `qty` units of `flavor` with both commitments unblinded, so the log's
    /// `retire` entry shows the quantity and flavor to anyone.
    pub fn retire_open(self, qty: u64, flavor: Scalar) -> Self {
        let unblinded = Some([Scalar::ZERO, Scalar::ZERO]);
        self.out(qty, flavor, unblinded, Destination::Retire)
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
            payload: Vec::new(),
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
        let leftovers = self.leftovers()?;
        self.add_change(&leftovers)?;
        let m = leftovers.len() + usize::from(self.fee > 0);
        let mut p = Program::new();
        for spend in &self.inputs {
            spend.write(&mut p);
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
        if m > 0 || !self.outs.is_empty() {
            p.cloak(count(m)?, count(self.outs.len())?);
        }
        for out in self.outs {
            match out.destination {
                Destination::Output(predicate) => {
                    let k = count(1 + out.payload.len())?;
                    for data in out.payload {
                        p.push(data);
                    }
                    p.push(predicate).output(k)
                }
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

    /// What goes into the cloak: what the spends leave, then issued values.
    fn leftovers(&self) -> Result<Vec<Leftover>, VmError> {
        let mut all = Vec::with_capacity(self.inputs.len() + self.issuances.len());
        for spend in &self.inputs {
            all.extend(spend.leftovers()?);
        }
        for i in &self.issuances {
            let flv = issue_flavor(&i.issuer.to_point(), &i.metadata);
            all.push(Leftover::Value(ClearValue { qty: i.qty, flv }));
        }
        Ok(all)
    }

    /// Adds one change output per flavor that has something left, or that nets to
    /// zero without any output (the cloak cannot absorb it otherwise).
    fn add_change(&mut self, leftovers: &[Leftover]) -> Result<(), VmError> {
        let mut flavors: Vec<Scalar> = Vec::new();
        let (mut inputs, mut debts) = (Vec::new(), Vec::new());
        for l in leftovers {
            let v = match l {
                Leftover::Value(v) => {
                    inputs.push(*v);
                    v
                }
                Leftover::Debt(v) => {
                    debts.push(*v);
                    v
                }
            };
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
            let owed = sum(debts.iter().filter(|v| v.flv == flv).map(|v| v.qty))?;
            let fee = if flv == FEE_FLAVOR { self.fee } else { 0 };
            let spent = total_out
                .checked_add(owed)
                .and_then(|s| s.checked_add(fee))
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
                    payload: Vec::new(),
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
    let qty = if i.open {
        Commitment::unblinded(i.qty)
    } else {
        Commitment::blinded(i.qty, rng)
    };
    p.push(qty)
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
