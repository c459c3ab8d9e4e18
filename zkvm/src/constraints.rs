//! Commitments, variables, expressions and constraints, and how `verify` compiles a
//! constraint into the constraint system.

use crate::errors::VmError;
use crate::scalar_witness::ScalarWitness;
use crate::transcript::labels;
use batch::PedersenGens;
use core::fmt;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use r1cs::{
    ConstraintSystem, LinearCombination, R1csError, RandomizableConstraintSystem,
    RandomizedConstraintSystem,
};
use rand_core::{CryptoRng, RngCore};
use std::sync::OnceLock;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

/// The Pedersen bases `B` and `B̃` (the spec's `B2`).
pub fn pedersen() -> &'static PedersenGens {
    static GENS: OnceLock<PedersenGens> = OnceLock::new();
    GENS.get_or_init(PedersenGens::default)
}

/// A Pedersen commitment `v·B + f·B̃`: closed (the point only) or open (the prover's
/// view, with the value and the blinding factor).
#[derive(Clone, Debug)]
pub enum Commitment {
    /// The point only.
    Closed(CompressedRistretto),
    /// The value and blinding factor, with the point they make.
    Open(Box<CommitmentWitness>),
}

/// The secrets of an open commitment. They are zeroized on drop and never printed.
#[derive(Clone)]
pub struct CommitmentWitness {
    value: ScalarWitness,
    blinding: Scalar,
    point: CompressedRistretto,
}

impl Commitment {
    /// Opens a commitment to `value` with the given blinding factor.
    pub fn blinded_with_factor(value: impl Into<ScalarWitness>, blinding: Scalar) -> Self {
        let value = value.into();
        let point = pedersen().commit(value.to_scalar(), blinding).compress();
        Commitment::Open(Box::new(CommitmentWitness {
            value,
            blinding,
            point,
        }))
    }

    /// Opens a commitment to `value` with a random blinding factor.
    pub fn blinded<R: RngCore + CryptoRng>(value: impl Into<ScalarWitness>, rng: &mut R) -> Self {
        Self::blinded_with_factor(value, encoding::random_scalar(rng))
    }

    /// Opens a commitment to `value` with a zero blinding factor (`value·B`).
    pub fn unblinded(value: impl Into<ScalarWitness>) -> Self {
        Self::blinded_with_factor(value, Scalar::ZERO)
    }

    /// The commitment's point.
    pub fn to_point(&self) -> CompressedRistretto {
        match self {
            Commitment::Closed(p) => *p,
            Commitment::Open(w) => w.point,
        }
    }

    /// The value and blinding factor, if the commitment is open: a copy that is
    /// zeroized when dropped.
    pub fn witness(&self) -> Option<Zeroizing<(ScalarWitness, Scalar)>> {
        match self {
            Commitment::Closed(_) => None,
            Commitment::Open(w) => Some(Zeroizing::new((w.value, w.blinding))),
        }
    }

    /// The committed value, if the commitment is open. A copy of a `Copy` secret:
    /// the caller owns it and wipes it (see [`ScalarWitness`]).
    pub fn assignment(&self) -> Option<ScalarWitness> {
        match self {
            Commitment::Closed(_) => None,
            Commitment::Open(w) => Some(w.value),
        }
    }

    /// The same commitment without its secrets.
    pub fn to_closed(&self) -> Commitment {
        Commitment::Closed(self.to_point())
    }
}

impl From<CompressedRistretto> for Commitment {
    fn from(p: CompressedRistretto) -> Self {
        Commitment::Closed(p)
    }
}

impl PartialEq for Commitment {
    /// Commitments are equal when their points are.
    fn eq(&self, other: &Commitment) -> bool {
        self.to_point() == other.to_point()
    }
}

impl Eq for Commitment {}

impl Drop for CommitmentWitness {
    fn drop(&mut self) {
        self.value.zeroize();
        self.blinding.zeroize();
    }
}

impl fmt::Debug for CommitmentWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CommitmentWitness({})",
            hex::encode(self.point.as_bytes())
        )
    }
}

/// A secret scalar bound to its Pedersen commitment; it enters the constraint system
/// each time an instruction turns it into an expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// The commitment.
    pub commitment: Commitment,
}

/// A linear combination of constraint-system variables with cleartext weights, or a
/// constant.
#[derive(Clone, Debug)]
pub enum Expression {
    /// A cleartext constant: a weight on the constant 1.
    Constant(ScalarWitness),
    /// A linear combination, with its value when the prover knows it.
    Linear {
        /// The terms.
        terms: Terms,
        /// The value of the combination (prover only).
        assignment: Option<ScalarWitness>,
    },
}

impl Expression {
    /// A one-term expression `1·var`.
    pub fn variable(var: r1cs::Variable, assignment: Option<ScalarWitness>) -> Self {
        Expression::Linear {
            terms: Terms::one(var, Scalar::ONE),
            assignment,
        }
    }

    /// The expression as a linear combination.
    pub fn to_lc(&self) -> LinearCombination {
        match self {
            Expression::Constant(c) => c.to_scalar().into(),
            Expression::Linear { terms, .. } => terms.to_lc(),
        }
    }

    /// The number of terms (zero for a constant).
    pub fn term_count(&self) -> usize {
        match self {
            Expression::Constant(_) => 0,
            Expression::Linear { terms, .. } => terms.len(),
        }
    }

    /// The expression's value, when it is known.
    pub fn eval(&self) -> Option<ScalarWitness> {
        match self {
            Expression::Constant(c) => Some(*c),
            Expression::Linear { assignment, .. } => *assignment,
        }
    }
}

impl core::ops::Neg for Expression {
    type Output = Expression;

    /// Negates every weight (lazily: in constant time).
    fn neg(self) -> Expression {
        match self {
            Expression::Constant(c) => Expression::Constant(-c),
            Expression::Linear {
                mut terms,
                assignment,
            } => {
                terms.scale(-Scalar::ONE);
                Expression::Linear {
                    terms,
                    assignment: assignment.map(|a| -a),
                }
            }
        }
    }
}

impl core::ops::Add for Expression {
    type Output = Expression;

    /// Concatenates the terms; two constants add up to a constant.
    fn add(self, rhs: Expression) -> Expression {
        match (self, rhs) {
            (Expression::Constant(a), Expression::Constant(b)) => Expression::Constant(a + b),
            (Expression::Constant(c), Expression::Linear { terms, assignment })
            | (Expression::Linear { terms, assignment }, Expression::Constant(c)) => {
                let mut terms = terms;
                terms.append(Terms::one(r1cs::Variable::One, c.to_scalar()));
                Expression::Linear {
                    terms,
                    assignment: assignment.map(|a| a + c),
                }
            }
            (
                Expression::Linear {
                    terms: mut left,
                    assignment: a,
                },
                Expression::Linear {
                    terms: right,
                    assignment: b,
                },
            ) => {
                left.append(right);
                Expression::Linear {
                    terms: left,
                    assignment: a.zip(b).map(|(a, b)| a + b),
                }
            }
        }
    }
}

impl Expression {
    /// `self · rhs`. A constant factor scales the other side (lazily, in constant
    /// time: the guaranteed optimization); two linear combinations take a multiplier
    /// of `cs`.
    pub fn multiply<CS: ConstraintSystem>(self, rhs: Expression, cs: &mut CS) -> Self {
        match (self, rhs) {
            (Expression::Constant(a), Expression::Constant(b)) => Expression::Constant(a * b),
            (Expression::Constant(c), Expression::Linear { terms, assignment })
            | (Expression::Linear { terms, assignment }, Expression::Constant(c)) => {
                let mut terms = terms;
                terms.scale(c.to_scalar());
                Expression::Linear {
                    terms,
                    assignment: assignment.map(|a| a * c),
                }
            }
            (left, right) => {
                let (_, _, out) = cs.multiply(left.to_lc(), right.to_lc());
                let assignment = left.eval().zip(right.eval()).map(|(a, b)| a * b);
                Expression::variable(out, assignment)
            }
        }
    }
}

/// The terms of a linear expression, held so that negating or scaling the whole
/// expression and appending another one each take constant time (amortized), where
/// rewriting every weight would make a chain of `neg` quadratic.
///
/// The terms form a tree: leaves hold terms with their weights, a sum node puts its
/// left terms before its right ones, a scale node multiplies every weight below it.
/// [`Terms::to_lc`] writes the combination out once, in order, each weight the
/// product of its leaf weight and the scales above it. Field arithmetic is exact, so
/// the weights are the very scalars that rewriting at each step would give, and the
/// constraint system (hence every proof) is the same.
pub struct Terms {
    node: Box<Node>,
    len: usize,
}

enum Node {
    Leaf(Vec<(r1cs::Variable, Scalar)>),
    Sum(Box<Node>, Box<Node>),
    Scaled(Box<Node>, Scalar),
}

impl Terms {
    /// One term `weight·var`.
    pub fn one(var: r1cs::Variable, weight: Scalar) -> Self {
        Terms {
            node: Box::new(Node::Leaf(vec![(var, weight)])),
            len: 1,
        }
    }

    /// The number of terms.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Multiplies every weight by `k`, in constant time.
    pub fn scale(&mut self, k: Scalar) {
        *self.node = match std::mem::replace(&mut *self.node, Node::Leaf(Vec::new())) {
            Node::Scaled(inner, s) => Node::Scaled(inner, s * k),
            other => Node::Scaled(Box::new(other), k),
        };
    }

    /// Appends `other`'s terms after these. Two unscaled lists are joined by copying
    /// the shorter into the longer only when it comes second (so a term is copied at
    /// most a logarithmic number of times); otherwise a sum node joins them.
    pub fn append(&mut self, mut other: Terms) {
        self.len += other.len;
        if let (Node::Leaf(left), Node::Leaf(right)) = (&mut *self.node, &mut *other.node) {
            if right.len() <= left.len() {
                left.append(right);
                return;
            }
        }
        let left = std::mem::replace(&mut self.node, Box::new(Node::Leaf(Vec::new())));
        let right = std::mem::replace(&mut other.node, Box::new(Node::Leaf(Vec::new())));
        *self.node = Node::Sum(left, right);
    }

    /// The terms in order with their final weights (no recursion: trees may be deep).
    pub fn to_vec(&self) -> Vec<(r1cs::Variable, Scalar)> {
        let mut out = Vec::with_capacity(self.len);
        let mut stack: Vec<(&Node, Option<Scalar>)> = vec![(&*self.node, None)];
        while let Some((node, scale)) = stack.pop() {
            match node {
                Node::Leaf(terms) => match scale {
                    None => out.extend_from_slice(terms),
                    Some(k) => out.extend(terms.iter().map(|(v, w)| (*v, w * k))),
                },
                Node::Sum(left, right) => {
                    stack.push((right, scale));
                    stack.push((left, scale));
                }
                Node::Scaled(inner, s) => {
                    stack.push((inner, Some(scale.map_or(*s, |k| s * k))));
                }
            }
        }
        out
    }

    /// The terms as a linear combination.
    pub fn to_lc(&self) -> LinearCombination {
        self.to_vec().into_iter().collect()
    }
}

impl Clone for Terms {
    /// A flat copy with the same final weights.
    fn clone(&self) -> Self {
        Terms {
            node: Box::new(Node::Leaf(self.to_vec())),
            len: self.len,
        }
    }
}

impl fmt::Debug for Terms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

impl Drop for Terms {
    /// Takes a deep tree apart with a heap stack, not recursion.
    fn drop(&mut self) {
        let mut stack = vec![std::mem::replace(&mut *self.node, Node::Leaf(Vec::new()))];
        while let Some(node) = stack.pop() {
            match node {
                Node::Leaf(_) => {}
                Node::Sum(left, right) => {
                    stack.push(*left);
                    stack.push(*right);
                }
                Node::Scaled(inner, _) => stack.push(*inner),
            }
        }
    }
}

/// The deepest nesting of `and`, `or` and `not` the VM accepts, so that compiling
/// (and dropping) a constraint never recurses deeper than this.
pub const MAX_CONSTRAINT_DEPTH: u32 = 1024;

/// A statement about expressions, combined with `and`, `or` and `not`; cleartext when
/// it only involves constants.
#[derive(Clone, Debug)]
pub enum Constraint {
    /// A constraint whose truth the verifier knows.
    Cleartext(bool),
    /// A constraint proven in zero knowledge.
    Secret {
        /// The constraint.
        tree: SecretConstraint,
        /// Its nesting depth (1 for `eq`).
        depth: u32,
    },
}

/// A constraint over secret expressions.
#[derive(Clone, Debug)]
pub enum SecretConstraint {
    /// `left == right`.
    Eq(Expression, Expression),
    /// Both hold.
    And(Box<SecretConstraint>, Box<SecretConstraint>),
    /// At least one holds.
    Or(Box<SecretConstraint>, Box<SecretConstraint>),
    /// The inner constraint does not hold.
    Not(Box<SecretConstraint>),
}

impl Constraint {
    /// `left == right`; cleartext when both are constants (compared by value).
    pub fn eq(left: Expression, right: Expression) -> Self {
        match (left, right) {
            (Expression::Constant(a), Expression::Constant(b)) => {
                Constraint::Cleartext(a.same_value(&b))
            }
            (a, b) => Constraint::Secret {
                tree: SecretConstraint::Eq(a, b),
                depth: 1,
            },
        }
    }

    /// Conjunction; a cleartext side decides or disappears.
    pub fn and(c1: Constraint, c2: Constraint) -> Result<Self, VmError> {
        match (c1, c2) {
            (Constraint::Cleartext(false), _) | (_, Constraint::Cleartext(false)) => {
                Ok(Constraint::Cleartext(false))
            }
            (Constraint::Cleartext(true), other) | (other, Constraint::Cleartext(true)) => {
                Ok(other)
            }
            (
                Constraint::Secret { tree: a, depth: da },
                Constraint::Secret { tree: b, depth: db },
            ) => node(SecretConstraint::And(Box::new(a), Box::new(b)), da.max(db)),
        }
    }

    /// Disjunction; a cleartext side decides or disappears.
    pub fn or(c1: Constraint, c2: Constraint) -> Result<Self, VmError> {
        match (c1, c2) {
            (Constraint::Cleartext(true), _) | (_, Constraint::Cleartext(true)) => {
                Ok(Constraint::Cleartext(true))
            }
            (Constraint::Cleartext(false), other) | (other, Constraint::Cleartext(false)) => {
                Ok(other)
            }
            (
                Constraint::Secret { tree: a, depth: da },
                Constraint::Secret { tree: b, depth: db },
            ) => node(SecretConstraint::Or(Box::new(a), Box::new(b)), da.max(db)),
        }
    }

    /// Negation; a cleartext constraint is inverted at once.
    pub fn negate(c: Constraint) -> Result<Self, VmError> {
        match c {
            Constraint::Cleartext(b) => Ok(Constraint::Cleartext(!b)),
            Constraint::Secret { tree, depth } => {
                node(SecretConstraint::Not(Box::new(tree)), depth)
            }
        }
    }

    /// What compiling the constraint with [`Constraint::verify`] will add: terms
    /// written (each node rewrites the terms below it), and the second-phase
    /// multipliers and constraints.
    pub fn cost(&self) -> ConstraintCost {
        match self {
            Constraint::Cleartext(_) => ConstraintCost::default(),
            Constraint::Secret { tree, .. } => {
                let (mut cost, _) = tree.cost();
                cost.constraints += 1;
                cost
            }
        }
    }

    /// Whether the constraint holds, when every value in it is known.
    pub fn eval(&self) -> Option<bool> {
        match self {
            Constraint::Cleartext(b) => Some(*b),
            Constraint::Secret { tree, .. } => tree.eval(),
        }
    }

    /// Requires the constraint to hold: a cleartext constraint is checked now, a
    /// secret one is compiled into one linear constraint in the second phase of `cs`
    /// (where conjunctions can draw their challenges).
    pub fn verify<CS: RandomizableConstraintSystem>(self, cs: &mut CS) -> Result<(), VmError> {
        let secret = match self {
            Constraint::Cleartext(true) => return Ok(()),
            Constraint::Cleartext(false) => return Err(VmError::CleartextConstraintFalse),
            Constraint::Secret { tree, .. } => tree,
        };
        cs.specify_randomized_constraints(move |rcs| {
            let (lc, _) = secret.flatten(rcs)?;
            rcs.constrain(lc);
            Ok(())
        })
        .map_err(VmError::R1cs)
    }
}

impl ConstraintCost {
    fn plus(self, other: ConstraintCost) -> ConstraintCost {
        ConstraintCost {
            terms: self.terms.saturating_add(other.terms),
            multipliers: self.multipliers.saturating_add(other.multipliers),
            constraints: self.constraints.saturating_add(other.constraints),
        }
    }
}

/// A node one level above children of depth `below`, if that is not too deep.
fn node(tree: SecretConstraint, below: u32) -> Result<Constraint, VmError> {
    let depth = below + 1;
    if depth > MAX_CONSTRAINT_DEPTH {
        return Err(VmError::ConstraintTooDeep {
            limit: MAX_CONSTRAINT_DEPTH,
        });
    }
    Ok(Constraint::Secret { tree, depth })
}

/// What compiling a constraint adds to the constraint system.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ConstraintCost {
    /// Terms written while flattening.
    pub terms: usize,
    /// Multipliers (one per `or`, two per `not`).
    pub multipliers: usize,
    /// Linear constraints (two per `or` and four per `not`, one at the root).
    pub constraints: usize,
}

impl SecretConstraint {
    /// The cost of flattening this subtree, and the terms of its combination.
    fn cost(&self) -> (ConstraintCost, usize) {
        let (mut cost, terms) = match self {
            SecretConstraint::Eq(a, b) => {
                let t = a.term_count().max(1) + b.term_count().max(1);
                (ConstraintCost::default(), t)
            }
            SecretConstraint::And(a, b) => {
                let ((ca, ta), (cb, tb)) = (a.cost(), b.cost());
                (ca.plus(cb), ta + tb)
            }
            SecretConstraint::Or(a, b) => {
                let ((ca, _), (cb, _)) = (a.cost(), b.cost());
                let mut c = ca.plus(cb);
                c.multipliers += 1;
                c.constraints += 2;
                (c, 1)
            }
            SecretConstraint::Not(a) => {
                let (mut c, _) = a.cost();
                c.multipliers += 2;
                c.constraints += 4;
                (c, 1)
            }
        };
        cost.terms = cost.terms.saturating_add(terms);
        (cost, terms)
    }
    /// Reduces the constraint to one linear combination that must be zero, with its
    /// value when known. Depth first: the left side, the right side, then the node.
    fn flatten<CS: RandomizedConstraintSystem>(
        self,
        cs: &mut CS,
    ) -> Result<(LinearCombination, Option<Scalar>), R1csError> {
        match self {
            SecretConstraint::Eq(a, b) => {
                let value = a.eval().zip(b.eval()).map(|(x, y)| (x - y).to_scalar());
                Ok((a.to_lc() - b.to_lc(), value))
            }
            SecretConstraint::And(c1, c2) => {
                let (a, va) = c1.flatten(cs)?;
                let (b, vb) = c2.flatten(cs)?;
                let z = cs.challenge_scalar(labels::AND_CHALLENGE);
                Ok((a + b * z, va.zip(vb).map(|(x, y)| x + z * y)))
            }
            SecretConstraint::Or(c1, c2) => {
                let (a, va) = c1.flatten(cs)?;
                let (b, vb) = c2.flatten(cs)?;
                let (_, _, out) = cs.multiply(a, b);
                Ok((out.into(), va.zip(vb).map(|(x, y)| x * y)))
            }
            SecretConstraint::Not(c) => {
                let (x, vx) = c.flatten(cs)?;
                flatten_not(cs, x, vx)
            }
        }
    }

    fn eval(&self) -> Option<bool> {
        match self {
            SecretConstraint::Eq(a, b) => Some(a.eval()?.same_value(&b.eval()?)),
            SecretConstraint::And(a, b) => Some(a.eval()? && b.eval()?),
            SecretConstraint::Or(a, b) => Some(a.eval()? || b.eval()?),
            SecretConstraint::Not(a) => Some(!a.eval()?),
        }
    }
}

/// `not`: given `x` (zero when the inner constraint holds), allocates `y` and a free
/// `w` with `x·y = 0` and `x·w = 1 - y`, and returns `y`. If `x ≠ 0` the first forces
/// `y = 0`; if `x = 0` the second forces `y = 1`. So `y = 0` exactly when the inner
/// constraint is false.
fn flatten_not<CS: RandomizedConstraintSystem>(
    cs: &mut CS,
    x: LinearCombination,
    vx: Option<Scalar>,
) -> Result<(LinearCombination, Option<Scalar>), R1csError> {
    let wires = vx.map(|x| {
        let is_zero = x.ct_eq(&Scalar::ZERO);
        let y = Scalar::conditional_select(&Scalar::ZERO, &Scalar::ONE, is_zero);
        let w = Scalar::conditional_select(&x, &Scalar::ONE, is_zero).invert();
        (x, y, w)
    });
    let (l1, r1, o1) = cs.allocate_multiplier(wires.map(|(x, y, _)| (x, y)))?;
    let (l2, _w, o2) = cs.allocate_multiplier(wires.map(|(x, _, w)| (x, w)))?;
    cs.constrain(l1 - x);
    cs.constrain(l1 - l2);
    cs.constrain(o1.into());
    cs.constrain(o2 - Scalar::ONE + r1);
    Ok((r1.into(), wires.map(|(_, y, _)| y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lin(var: usize, w: u64, value: u64) -> Expression {
        Expression::Linear {
            terms: Terms::one(r1cs::Variable::Committed(var), Scalar::from(w)),
            assignment: Some(value.into()),
        }
    }

    fn constant(x: u64) -> Expression {
        Expression::Constant(x.into())
    }

    #[test]
    fn constants_fold() {
        assert!(matches!(constant(2) + constant(3), Expression::Constant(c) if c == 5u64.into()));
        assert!(
            matches!(-constant(2), Expression::Constant(c) if c.to_scalar() == -Scalar::from(2u64))
        );
        let sum = lin(0, 1, 4) + constant(3);
        assert_eq!(sum.eval(), Some(7u64.into()));
        assert_eq!(sum.to_lc().terms().len(), 2);
    }

    /// The lazy terms against the eager rewriting they replace: the same terms, in
    /// the same order, with the same weights, for any mix of operations.
    #[test]
    fn lazy_terms_equal_eager_rewriting() {
        use proptest::prelude::*;
        proptest!(|(ops in proptest::collection::vec((0u8..4, 0u64..5), 1..60))| {
            let mut stack: Vec<(Expression, Vec<(r1cs::Variable, Scalar)>)> = Vec::new();
            for (i, (op, k)) in ops.into_iter().enumerate() {
                let var = r1cs::Variable::Committed(i);
                match (op, stack.pop()) {
                    (0, top) => {
                        stack.extend(top);
                        stack.push((Expression::variable(var, None), vec![(var, Scalar::ONE)]));
                    }
                    (1, Some((e, eager))) => {
                        let eager = eager.into_iter().map(|(v, w)| (v, -w)).collect();
                        stack.push((-e, eager));
                    }
                    (2, Some((e, eager))) => {
                        let c = Scalar::from(k);
                        let eager = eager.into_iter().map(|(v, w)| (v, w * c)).collect();
                        let mut t = merlin::Transcript::new(b"test");
                        let mut cs = r1cs::Verifier::new(&mut t);
                        let e = Expression::Constant(k.into()).multiply(e, &mut cs);
                        stack.push((e, eager));
                    }
                    (_, Some((e2, eager2))) => match stack.pop() {
                        Some((e1, mut eager1)) => {
                            eager1.extend(eager2);
                            stack.push((e1 + e2, eager1));
                        }
                        None => stack.push((e2 + constant(k), {
                            let mut e = eager2;
                            e.push((r1cs::Variable::One, Scalar::from(k)));
                            e
                        })),
                    },
                    (_, None) => {}
                }
            }
            for (e, eager) in stack {
                let lc = e.to_lc();
                prop_assert_eq!(lc.terms(), eager.as_slice());
                prop_assert_eq!(e.term_count(), eager.len());
            }
        });
    }

    #[test]
    fn deep_lazy_trees_drop_and_clone_without_recursion() {
        let mut e = lin(0, 1, 1);
        for i in 1..200_000 {
            e = if i % 2 == 0 { -e } else { lin(i, 1, 1) + e };
        }
        assert_eq!(e.term_count(), 100_001);
        let copy = e.clone();
        assert_eq!(copy.to_lc().terms(), e.to_lc().terms());
    }

    #[test]
    fn cleartext_constraints_fold() {
        let t = || Constraint::Cleartext(true);
        let f = || Constraint::Cleartext(false);
        let s = || Constraint::eq(lin(0, 1, 3), constant(3));
        assert!(matches!(
            Constraint::eq(constant(1), constant(1)),
            Constraint::Cleartext(true)
        ));
        assert!(matches!(
            Constraint::eq(constant(1), constant(2)),
            Constraint::Cleartext(false)
        ));
        assert!(matches!(
            Constraint::and(f(), s()),
            Ok(Constraint::Cleartext(false))
        ));
        let eq = |c: Result<Constraint, VmError>| {
            matches!(
                c,
                Ok(Constraint::Secret {
                    tree: SecretConstraint::Eq(..),
                    depth: 1
                })
            )
        };
        assert!(eq(Constraint::and(s(), t())));
        assert!(matches!(
            Constraint::or(s(), t()),
            Ok(Constraint::Cleartext(true))
        ));
        assert!(eq(Constraint::or(f(), s())));
        assert!(matches!(
            Constraint::negate(t()),
            Ok(Constraint::Cleartext(false))
        ));
        assert!(matches!(
            Constraint::negate(s()),
            Ok(Constraint::Secret {
                tree: SecretConstraint::Not(_),
                depth: 2
            })
        ));
    }

    #[test]
    fn secret_constraints_evaluate() {
        let yes = || Constraint::eq(lin(0, 1, 3), constant(3));
        let no = || Constraint::eq(lin(1, 1, 4), constant(5));
        assert_eq!(Constraint::and(yes(), no()).unwrap().eval(), Some(false));
        assert_eq!(Constraint::or(yes(), no()).unwrap().eval(), Some(true));
        assert_eq!(Constraint::negate(no()).unwrap().eval(), Some(true));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut c = Constraint::eq(lin(0, 1, 3), constant(3));
        for _ in 1..MAX_CONSTRAINT_DEPTH {
            c = Constraint::negate(c).unwrap();
        }
        assert!(matches!(
            Constraint::negate(c.clone()),
            Err(VmError::ConstraintTooDeep { .. })
        ));
        let leaf = Constraint::eq(lin(1, 1, 3), constant(3));
        assert!(Constraint::or(c, leaf).is_err());
    }

    #[test]
    fn open_commitments_hide_secrets_in_debug() {
        let c = Commitment::blinded_with_factor(42u64, Scalar::from(7u64));
        let text = format!("{c:?}");
        let point = hex::encode(c.to_point().as_bytes());
        assert_eq!(text, format!("Open(CommitmentWitness({point}))"));
        assert_eq!(
            c.to_point(),
            (pedersen().b * Scalar::from(42u64) + pedersen().b_blinding * Scalar::from(7u64))
                .compress()
        );
        assert_eq!(c.to_closed(), c);
    }
}
