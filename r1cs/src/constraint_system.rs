//! The interface gadgets are written against.

use crate::transcript::TranscriptProtocol;
use crate::{LinearCombination, R1csError, Variable};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// A rank-1 constraint system under construction: multipliers `aᵢ·bᵢ = cᵢ` and linear
/// constraints `Σ … = 0` over committed values, multiplier wires and the constant 1.
///
/// The prover's implementation knows every assignment; the verifier's knows none, so
/// gadgets pass assignments as `Option`s and must not branch on them.
pub trait ConstraintSystem {
    /// The transcript of the proof being built or checked.
    fn transcript(&mut self) -> &mut Transcript;

    /// Adds a multiplier whose inputs are constrained to equal `left` and `right`, and
    /// returns its left, right and output variables.
    fn multiply(
        &mut self,
        left: LinearCombination,
        right: LinearCombination,
    ) -> (Variable, Variable, Variable);

    /// Allocates a free variable: the left input of a new multiplier, or the right input
    /// of the one left half-used by the previous call. The prover fails with
    /// [`R1csError::MissingAssignment`] when `assignment` is `None`.
    fn allocate(&mut self, assignment: Option<Scalar>) -> Result<Variable, R1csError>;

    /// Adds a multiplier with free inputs `(left, right)` and returns its left, right
    /// and output variables. The prover fails with [`R1csError::MissingAssignment`]
    /// when `assignments` is `None`.
    fn allocate_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError>;

    /// [`ConstraintSystem::allocate_multiplier`] for a gadget that assigns every such
    /// multiplier `(1 - b, b)` with a bit `b` (and so output 0). The system is the same;
    /// the prover may use the promise to commit to these inputs with one conditional
    /// point addition each instead of two scalar multiplications. A prover must still
    /// produce a correct proof when the promise is broken.
    fn allocate_bit_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        self.allocate_multiplier(assignments)
    }

    /// Counts of what the system holds so far.
    fn metrics(&self) -> Metrics;

    /// Requires `lc` to equal zero.
    fn constrain(&mut self, lc: LinearCombination);
}

/// A constraint system that can defer constraints until after the first phase's
/// variables are committed, so that those constraints may use challenges bound to them.
pub trait RandomizableConstraintSystem: ConstraintSystem {
    /// The system handed to deferred callbacks.
    type RandomizedCS: RandomizedConstraintSystem;

    /// Defers `callback` to the second phase: it runs after every first-phase variable
    /// is committed to the transcript, and may draw challenges.
    fn specify_randomized_constraints<F>(&mut self, callback: F) -> Result<(), R1csError>
    where
        F: 'static + FnOnce(&mut Self::RandomizedCS) -> Result<(), R1csError>;
}

/// The system seen by second-phase callbacks: it can draw challenges.
pub trait RandomizedConstraintSystem: ConstraintSystem {
    /// A challenge bound to everything committed in the first phase and before.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
}

/// The size of a constraint system.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Multipliers, in both phases.
    pub multipliers: usize,
    /// Linear constraints, in both phases (including the two per `multiply`).
    pub constraints: usize,
    /// Linear constraints added in the first phase.
    pub phase_one_constraints: usize,
    /// Linear constraints added in the second phase.
    pub phase_two_constraints: usize,
}

/// A prover or verifier in its second phase: the same system, which can now also draw
/// challenges bound to everything committed before. Second-phase callbacks receive it.
#[derive(Debug)]
pub struct Randomizing<CS> {
    cs: CS,
}

/// A second-phase callback of a system `CS`.
pub(crate) type Deferred<CS> = Box<dyn FnOnce(&mut Randomizing<CS>) -> Result<(), R1csError>>;

/// What the prover and the verifier share in moving to the second phase.
pub(crate) trait TwoPhase: ConstraintSystem + Sized {
    /// Ends the first phase (forgetting a half-used multiplier, whose right input was
    /// committed as zero) and hands over the deferred callbacks.
    fn end_phase_one(&mut self) -> Vec<Deferred<Self>>;
}

/// Writes the phase marker the protocol requires (one phase if nothing was deferred,
/// two otherwise) and runs the deferred callbacks in order.
pub(crate) fn run_phase_two<CS: TwoPhase>(cs: CS) -> Result<CS, R1csError> {
    run_phase_two_measured(cs).map(|(cs, _)| cs)
}

/// [`run_phase_two`], also returning what each callback added: its multipliers and
/// linear constraints, in the order the callbacks were deferred.
pub(crate) fn run_phase_two_measured<CS: TwoPhase>(
    mut cs: CS,
) -> Result<(CS, Vec<Metrics>), R1csError> {
    let callbacks = cs.end_phase_one();
    if callbacks.is_empty() {
        cs.transcript().r1cs_1phase_domain_sep();
        return Ok((cs, Vec::new()));
    }
    cs.transcript().r1cs_2phase_domain_sep();
    let mut randomizing = Randomizing::new(cs);
    let mut added = Vec::with_capacity(callbacks.len());
    for callback in callbacks {
        let before = randomizing.metrics();
        callback(&mut randomizing)?;
        let after = randomizing.metrics();
        let constraints = after.constraints - before.constraints;
        added.push(Metrics {
            multipliers: after.multipliers - before.multipliers,
            constraints,
            phase_one_constraints: 0,
            phase_two_constraints: constraints,
        });
    }
    Ok((randomizing.into_inner(), added))
}

impl<CS: ConstraintSystem> Randomizing<CS> {
    pub(crate) fn new(cs: CS) -> Self {
        Randomizing { cs }
    }

    pub(crate) fn into_inner(self) -> CS {
        self.cs
    }
}

impl<CS: ConstraintSystem> ConstraintSystem for Randomizing<CS> {
    fn transcript(&mut self) -> &mut Transcript {
        self.cs.transcript()
    }

    fn multiply(
        &mut self,
        left: LinearCombination,
        right: LinearCombination,
    ) -> (Variable, Variable, Variable) {
        self.cs.multiply(left, right)
    }

    fn allocate(&mut self, assignment: Option<Scalar>) -> Result<Variable, R1csError> {
        self.cs.allocate(assignment)
    }

    fn allocate_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        self.cs.allocate_multiplier(assignments)
    }

    fn allocate_bit_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        self.cs.allocate_bit_multiplier(assignments)
    }

    fn metrics(&self) -> Metrics {
        self.cs.metrics()
    }

    fn constrain(&mut self, lc: LinearCombination) {
        self.cs.constrain(lc)
    }
}

impl<CS: ConstraintSystem> RandomizedConstraintSystem for Randomizing<CS> {
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        self.cs.transcript().challenge_scalar(label)
    }
}
