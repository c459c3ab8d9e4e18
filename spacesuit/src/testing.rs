//! A constraint system for tests that evaluates constraints instead of proving them.
//!
//! It follows the same allocation rules as the real prover, so its metrics match, and
//! it reports the first constraint or multiplier that a witness fails. A verifier-mode
//! instance holds no assignments and only counts.

use crate::{cloak, AllocatedValue, CommittedValue, SignedInteger, Value};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use r1cs::{
    ConstraintSystem, LinearCombination, Metrics, R1csError, RandomizableConstraintSystem,
    RandomizedConstraintSystem, Variable,
};
use r1cs::{Generators, Prover};
use std::collections::VecDeque;
use std::sync::OnceLock;

/// A quantity and flavor, or the two inputs of a multiplier.
pub(crate) type Pair = (Scalar, Scalar);

type Callback = Box<dyn FnOnce(&mut TestCs) -> Result<(), R1csError>>;

/// An evaluating constraint system.
pub(crate) struct TestCs {
    transcript: Transcript,
    prover: bool,
    committed: Vec<Option<Scalar>>,
    left: Vec<Option<Scalar>>,
    right: Vec<Option<Scalar>>,
    out: Vec<Option<Scalar>>,
    pending: Option<usize>,
    constraints: Vec<LinearCombination>,
    phase_one_constraints: Option<usize>,
    deferred: Vec<Callback>,
}

impl TestCs {
    fn new(prover: bool) -> TestCs {
        TestCs {
            transcript: Transcript::new(b"spacesuit.TestCs"),
            prover,
            committed: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            out: Vec::new(),
            pending: None,
            constraints: Vec::new(),
            phase_one_constraints: None,
            deferred: Vec::new(),
        }
    }

    /// A system that requires every assignment.
    pub(crate) fn prover() -> TestCs {
        TestCs::new(true)
    }

    /// A system that knows no assignment (metrics only).
    pub(crate) fn verifier() -> TestCs {
        TestCs::new(false)
    }

    /// Commits a known value.
    pub(crate) fn commit(&mut self, v: Scalar) -> Variable {
        self.committed.push(Some(v));
        Variable::Committed(self.committed.len() - 1)
    }

    /// Commits an unknown value (verifier side).
    pub(crate) fn commit_unknown(&mut self) -> Variable {
        self.committed.push(None);
        Variable::Committed(self.committed.len() - 1)
    }

    fn value(&self, v: Variable) -> Option<Scalar> {
        match v {
            Variable::Committed(i) => self.committed.get(i).copied().flatten(),
            Variable::MultiplierLeft(i) => self.left.get(i).copied().flatten(),
            Variable::MultiplierRight(i) => self.right.get(i).copied().flatten(),
            Variable::MultiplierOutput(i) => self.out.get(i).copied().flatten(),
            Variable::One => Some(Scalar::ONE),
        }
    }

    fn eval(&self, lc: &LinearCombination) -> Option<Scalar> {
        lc.terms()
            .iter()
            .map(|(v, c)| self.value(*v).map(|x| x * c))
            .sum()
    }

    fn push_multiplier(&mut self, l: Option<Scalar>, r: Option<Scalar>) -> usize {
        self.left.push(l);
        self.right.push(r);
        self.out.push(l.zip(r).map(|(l, r)| l * r));
        self.left.len() - 1
    }

    fn need(&mut self, a: Option<(Scalar, Scalar)>) -> Result<Option<(Scalar, Scalar)>, R1csError> {
        match (a, self.prover) {
            (Some(a), _) => Ok(Some(a)),
            (None, false) => Ok(None),
            (None, true) => Err(R1csError::MissingAssignment),
        }
    }

    /// Runs the deferred callbacks (the second phase), once.
    pub(crate) fn run_second_phase(&mut self) -> Result<(), R1csError> {
        if self.phase_one_constraints.is_none() {
            self.phase_one_constraints = Some(self.constraints.len());
            self.transcript
                .append_u64(b"multipliers", self.left.len() as u64);
        }
        while !self.deferred.is_empty() {
            for callback in std::mem::take(&mut self.deferred) {
                callback(self)?;
            }
        }
        Ok(())
    }

    /// Runs the second phase and evaluates everything; names the first failure.
    pub(crate) fn check(mut self) -> Result<(), String> {
        self.run_second_phase().map_err(|e| e.to_string())?;
        for i in 0..self.left.len() {
            match (self.left[i], self.right[i], self.out[i]) {
                (Some(l), Some(r), Some(o)) if l * r == o => {}
                (Some(_), Some(_), Some(_)) => return Err(format!("multiplier {i} fails")),
                _ => return Err(format!("multiplier {i} is unassigned")),
            }
        }
        for (i, lc) in self.constraints.iter().enumerate() {
            match self.eval(lc) {
                Some(x) if x == Scalar::ZERO => {}
                Some(_) => return Err(format!("constraint {i} fails")),
                None => return Err(format!("constraint {i} is unassigned")),
            }
        }
        Ok(())
    }
}

impl ConstraintSystem for TestCs {
    fn transcript(&mut self) -> &mut Transcript {
        &mut self.transcript
    }

    fn multiply(
        &mut self,
        left: LinearCombination,
        right: LinearCombination,
    ) -> (Variable, Variable, Variable) {
        let (l, r) = (self.eval(&left), self.eval(&right));
        let i = self.push_multiplier(l, r);
        let (lv, rv) = (Variable::MultiplierLeft(i), Variable::MultiplierRight(i));
        self.constraints.push(left - lv);
        self.constraints.push(right - rv);
        (lv, rv, Variable::MultiplierOutput(i))
    }

    fn allocate(&mut self, assignment: Option<Scalar>) -> Result<Variable, R1csError> {
        let a = self
            .need(assignment.map(|a| (a, Scalar::ZERO)))?
            .map(|(a, _)| a);
        match self.pending.take() {
            Some(i) => {
                self.right[i] = a;
                self.out[i] = self.left[i].zip(a).map(|(l, r)| l * r);
                Ok(Variable::MultiplierRight(i))
            }
            None => {
                let i = self.push_multiplier(a, None);
                self.pending = Some(i);
                Ok(Variable::MultiplierLeft(i))
            }
        }
    }

    fn allocate_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        let a = self.need(assignments)?;
        let i = self.push_multiplier(a.map(|a| a.0), a.map(|a| a.1));
        Ok((
            Variable::MultiplierLeft(i),
            Variable::MultiplierRight(i),
            Variable::MultiplierOutput(i),
        ))
    }

    fn metrics(&self) -> Metrics {
        let first = self.phase_one_constraints.unwrap_or(self.constraints.len());
        Metrics {
            multipliers: self.left.len(),
            constraints: self.constraints.len(),
            phase_one_constraints: first,
            phase_two_constraints: self.constraints.len() - first,
        }
    }

    fn constrain(&mut self, lc: LinearCombination) {
        self.constraints.push(lc);
    }
}

impl RandomizableConstraintSystem for TestCs {
    type RandomizedCS = TestCs;

    fn specify_randomized_constraints<F>(&mut self, callback: F) -> Result<(), R1csError>
    where
        F: 'static + FnOnce(&mut TestCs) -> Result<(), R1csError>,
    {
        self.deferred.push(Box::new(callback));
        Ok(())
    }
}

impl RandomizedConstraintSystem for TestCs {
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut bytes = [0u8; 64];
        self.transcript.challenge_bytes(label, &mut bytes);
        Scalar::from_bytes_mod_order_wide(&bytes)
    }
}

/// Wraps a prover so that allocations made without assignment take the next pair of a
/// forged witness: the gadget runs as in a verifier, the witness is the test's.
pub(crate) struct Forger<'a, CS> {
    inner: &'a mut CS,
    forged: VecDeque<Pair>,
}

impl<'a, CS> Forger<'a, CS> {
    /// Forges with `forged`, in allocation order.
    pub(crate) fn new(inner: &'a mut CS, forged: Vec<Pair>) -> Self {
        Forger {
            inner,
            forged: forged.into(),
        }
    }

    /// How many forged pairs were not used (a test should use them all).
    pub(crate) fn left_over(&self) -> usize {
        self.forged.len()
    }
}

impl<CS: ConstraintSystem> ConstraintSystem for Forger<'_, CS> {
    fn transcript(&mut self) -> &mut Transcript {
        self.inner.transcript()
    }

    fn multiply(
        &mut self,
        left: LinearCombination,
        right: LinearCombination,
    ) -> (Variable, Variable, Variable) {
        self.inner.multiply(left, right)
    }

    fn allocate(&mut self, assignment: Option<Scalar>) -> Result<Variable, R1csError> {
        let a = assignment.or_else(|| self.forged.pop_front().map(|p| p.0));
        self.inner.allocate(a)
    }

    fn allocate_multiplier(
        &mut self,
        assignments: Option<Pair>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        let a = assignments.or_else(|| self.forged.pop_front());
        self.inner.allocate_multiplier(a)
    }

    fn metrics(&self) -> Metrics {
        self.inner.metrics()
    }

    fn constrain(&mut self, lc: LinearCombination) {
        self.inner.constrain(lc)
    }
}

impl<CS: RandomizableConstraintSystem> RandomizableConstraintSystem for Forger<'_, CS> {
    type RandomizedCS = CS::RandomizedCS;

    fn specify_randomized_constraints<F>(&mut self, callback: F) -> Result<(), R1csError>
    where
        F: 'static + FnOnce(&mut CS::RandomizedCS) -> Result<(), R1csError>,
    {
        self.inner.specify_randomized_constraints(callback)
    }
}

/// The wires a k-mix allocates for `values` (sorted, intermediates, outputs) when the
/// honest procedure runs on scalars: usable for statements no honest prover accepts.
pub(crate) fn mix_wires(values: &[Pair]) -> Vec<Pair> {
    if values.len() < 2 {
        return Vec::new();
    }
    let mut sorted: Vec<Pair> = Vec::with_capacity(values.len());
    for v in values {
        match sorted.iter().rposition(|s| s.1 == v.1) {
            Some(i) => sorted.insert(i + 1, *v),
            None => sorted.push(*v),
        }
    }
    let zero = (Scalar::ZERO, Scalar::ZERO);
    let (mut mid, mut out) = (Vec::new(), Vec::new());
    let mut carry = sorted[0];
    for next in &sorted[1..] {
        let same = carry.1 == next.1;
        out.push(if same { zero } else { carry });
        carry = if same {
            (carry.0 + next.0, next.1)
        } else {
            *next
        };
        mid.push(carry);
    }
    mid.pop();
    out.push(carry);
    [sorted, mid, out].concat()
}

/// The range-proof wires `(1 - bᵢ, bᵢ)` for the low 64 bits of `q`.
pub(crate) fn bit_wires(q: Scalar) -> Vec<Pair> {
    let mut low = [0u8; 8];
    low.copy_from_slice(&q.as_bytes()[..8]);
    let x = u64::from_le_bytes(low);
    (0..64)
        .map(|i| {
            let b = (x >> i) & 1;
            (Scalar::from(1 - b), Scalar::from(b))
        })
        .collect()
}

/// A whole forged cloak witness: merge, split, then range bits, as the gadget allocates.
pub(crate) fn cloak_wires(inputs: &[Pair], outputs: &[Pair]) -> Vec<Pair> {
    let reversed: Vec<Pair> = outputs.iter().rev().copied().collect();
    let bits = outputs.iter().flat_map(|o| bit_wires(o.0));
    let mut wires = mix_wires(inputs);
    wires.extend(mix_wires(&reversed));
    wires.extend(bits);
    wires
}

/// A balanced M×N statement over `flavors` flavors (at most min(M, N)), with
/// some negative inputs, quantities drawn from `seed`.
pub(crate) fn statement(m: usize, n: usize, flavors: usize, seed: u64) -> (Vec<Value>, Vec<Value>) {
    use rand::{seq::SliceRandom, Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let k = flavors.min(m).min(n);
    let flavor = |i: usize| Scalar::from(1000 + (i % k) as u64);
    let mut totals = vec![0i64; k];
    let inputs: Vec<Value> = (0..m)
        .map(|i| {
            let q = rng.gen_range(-50i64..1000);
            totals[i % k] += q;
            Value::new(q, flavor(i))
        })
        .collect();
    // Make each total non-negative with the first input of its flavor.
    let mut inputs = inputs;
    for (f, total) in totals.iter_mut().enumerate() {
        if *total < 0 {
            inputs[f].q = SignedInteger::from(inputs[f].q.get() as i64 - *total);
            *total = 0;
        }
    }
    let mut outputs: Vec<Value> = (0..n).map(|j| Value::new(0u64, flavor(j))).collect();
    for (j, out) in outputs.iter_mut().enumerate() {
        let f = j % k;
        let last = j + k >= n;
        let share = if last {
            totals[f]
        } else {
            rng.gen_range(0..=totals[f])
        };
        totals[f] -= share;
        out.q = SignedInteger::from(share);
    }
    inputs.shuffle(&mut rng);
    outputs.shuffle(&mut rng);
    (inputs, outputs)
}

/// Generators for every proof in the unit tests (an 8×8 cloak pads to 1024).
pub(crate) fn generators() -> &'static Generators {
    static GENS: OnceLock<Generators> = OnceLock::new();
    GENS.get_or_init(|| Generators::new(1024))
}

/// A cloak proof and the commitments it is about.
pub(crate) type Proven = crate::CloakProof;

const LABEL: &[u8] = b"spacesuit.unit";

fn commit_pairs(
    prover: &mut Prover<'_, '_>,
    pairs: &[Pair],
) -> (Vec<CommittedValue>, Vec<AllocatedValue>) {
    let mut rng = rand::thread_rng();
    pairs
        .iter()
        .map(|(q, f)| {
            let (qp, qv) = prover.commit(*q, encoding::random_scalar(&mut rng));
            let (fp, fv) = prover.commit(*f, encoding::random_scalar(&mut rng));
            let allocated = AllocatedValue {
                q: qv,
                f: fv,
                assignment: None,
            };
            (CommittedValue { q: qp, f: fp }, allocated)
        })
        .unzip()
}

/// Proves an honest cloak through the public API.
pub(crate) fn prove_honest(inputs: &[Value], outputs: &[Value]) -> Result<Proven, R1csError> {
    let mut transcript = Transcript::new(LABEL);
    Proven::prove(
        generators(),
        &mut transcript,
        inputs,
        outputs,
        &mut rand::thread_rng(),
    )
}

/// Proves a cloak whose intermediate wires all come from `wires`.
pub(crate) fn prove_forged(
    inputs: &[Pair],
    outputs: &[Pair],
    wires: Vec<Pair>,
) -> Result<Proven, R1csError> {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = Prover::new(generators(), &mut transcript);
    let (in_points, ins) = commit_pairs(&mut prover, inputs);
    let (out_points, outs) = commit_pairs(&mut prover, outputs);
    let mut forger = Forger::new(&mut prover, wires);
    cloak(&mut forger, ins, outs).expect("a forged witness of the right length");
    assert_eq!(forger.left_over(), 0, "forged witness is too long");
    Ok(Proven {
        proof: prover.prove(&mut rand::thread_rng())?,
        inputs: in_points,
        outputs: out_points,
    })
}

/// Verifies `proven` as an M×N cloak.
pub(crate) fn verify(proven: &Proven) -> Result<(), R1csError> {
    proven.verify(&mut Transcript::new(LABEL), generators())
}
