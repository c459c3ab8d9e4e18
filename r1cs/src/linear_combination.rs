//! Variables and linear combinations of them.

use curve25519_dalek::scalar::Scalar;
use std::iter::FromIterator;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// A variable of the constraint system, named by where its value lives.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Variable {
    /// The `i`th value committed with a Pedersen commitment.
    Committed(usize),
    /// The left input of the `i`th multiplier.
    MultiplierLeft(usize),
    /// The right input of the `i`th multiplier.
    MultiplierRight(usize),
    /// The output of the `i`th multiplier.
    MultiplierOutput(usize),
    /// The constant 1.
    One,
}

/// A sum `Σ cᵢ·vᵢ` of variables with scalar coefficients.
///
/// A variable may appear more than once; its coefficients add up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinearCombination {
    terms: Vec<(Variable, Scalar)>,
}

impl LinearCombination {
    /// The terms, in the order they were added.
    pub fn terms(&self) -> &[(Variable, Scalar)] {
        &self.terms
    }

    /// Consumes the combination, yielding its terms.
    pub fn into_terms(self) -> Vec<(Variable, Scalar)> {
        self.terms
    }

    /// Evaluates the combination, reading each variable's value with `value`.
    pub fn eval(&self, mut value: impl FnMut(Variable) -> Scalar) -> Scalar {
        self.terms.iter().map(|(v, c)| c * value(*v)).sum()
    }
}

impl LinearCombination {
    /// One term, with room for the few that gadgets usually add to it.
    fn single(v: Variable, c: Scalar) -> Self {
        let mut terms = Vec::with_capacity(4);
        terms.push((v, c));
        LinearCombination { terms }
    }
}

/// `−c`. `Scalar`'s own negation reduces its operand with a Montgomery
/// multiplication first; a subtraction from zero needs none for reduced scalars.
fn negate(c: &Scalar) -> Scalar {
    Scalar::ZERO - c
}

impl From<Variable> for LinearCombination {
    fn from(v: Variable) -> Self {
        LinearCombination::single(v, Scalar::ONE)
    }
}

impl From<Scalar> for LinearCombination {
    fn from(s: Scalar) -> Self {
        LinearCombination::single(Variable::One, s)
    }
}

impl From<u64> for LinearCombination {
    fn from(x: u64) -> Self {
        Scalar::from(x).into()
    }
}

impl FromIterator<(Variable, Scalar)> for LinearCombination {
    fn from_iter<I: IntoIterator<Item = (Variable, Scalar)>>(iter: I) -> Self {
        LinearCombination {
            terms: iter.into_iter().collect(),
        }
    }
}

impl<'a> FromIterator<&'a (Variable, Scalar)> for LinearCombination {
    fn from_iter<I: IntoIterator<Item = &'a (Variable, Scalar)>>(iter: I) -> Self {
        iter.into_iter().copied().collect()
    }
}

impl<L: Into<LinearCombination>> Add<L> for LinearCombination {
    type Output = LinearCombination;
    fn add(mut self, rhs: L) -> LinearCombination {
        self += rhs;
        self
    }
}

impl<L: Into<LinearCombination>> AddAssign<L> for LinearCombination {
    fn add_assign(&mut self, rhs: L) {
        self.terms.extend(rhs.into().terms);
    }
}

impl<L: Into<LinearCombination>> Sub<L> for LinearCombination {
    type Output = LinearCombination;
    fn sub(mut self, rhs: L) -> LinearCombination {
        self -= rhs;
        self
    }
}

impl<L: Into<LinearCombination>> SubAssign<L> for LinearCombination {
    fn sub_assign(&mut self, rhs: L) {
        self.terms
            .extend(rhs.into().terms.into_iter().map(|(v, c)| (v, negate(&c))));
    }
}

impl Neg for LinearCombination {
    type Output = LinearCombination;
    fn neg(mut self) -> LinearCombination {
        for (_, c) in self.terms.iter_mut() {
            *c = negate(c);
        }
        self
    }
}

impl<S: Into<Scalar>> Mul<S> for LinearCombination {
    type Output = LinearCombination;
    fn mul(mut self, rhs: S) -> LinearCombination {
        let k = rhs.into();
        for (_, c) in self.terms.iter_mut() {
            *c *= k;
        }
        self
    }
}

impl Mul<LinearCombination> for Scalar {
    type Output = LinearCombination;
    fn mul(self, rhs: LinearCombination) -> LinearCombination {
        rhs * self
    }
}

impl<L: Into<LinearCombination>> Add<L> for Variable {
    type Output = LinearCombination;
    fn add(self, rhs: L) -> LinearCombination {
        LinearCombination::from(self) + rhs
    }
}

impl<L: Into<LinearCombination>> Sub<L> for Variable {
    type Output = LinearCombination;
    fn sub(self, rhs: L) -> LinearCombination {
        LinearCombination::from(self) - rhs
    }
}

impl Neg for Variable {
    type Output = LinearCombination;
    fn neg(self) -> LinearCombination {
        -LinearCombination::from(self)
    }
}

impl<S: Into<Scalar>> Mul<S> for Variable {
    type Output = LinearCombination;
    fn mul(self, rhs: S) -> LinearCombination {
        LinearCombination::single(self, rhs.into())
    }
}

impl Mul<Variable> for Scalar {
    type Output = LinearCombination;
    fn mul(self, rhs: Variable) -> LinearCombination {
        rhs * self
    }
}

impl Add<Variable> for Scalar {
    type Output = LinearCombination;
    fn add(self, rhs: Variable) -> LinearCombination {
        LinearCombination::from(self) + rhs
    }
}

impl Sub<Variable> for Scalar {
    type Output = LinearCombination;
    fn sub(self, rhs: Variable) -> LinearCombination {
        LinearCombination::from(self) - rhs
    }
}

impl std::iter::Sum<LinearCombination> for LinearCombination {
    fn sum<I: Iterator<Item = LinearCombination>>(iter: I) -> Self {
        iter.fold(LinearCombination::default(), |acc, lc| acc + lc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negate_matches_scalar_negation() {
        let mut rng = rand::thread_rng();
        let edges = [
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            Scalar::from(u64::MAX),
        ];
        for c in edges
            .into_iter()
            .chain((0..32).map(|_| encoding::random_scalar(&mut rng)))
        {
            assert_eq!(negate(&c), -c);
            assert_eq!(negate(&c) + c, Scalar::ZERO);
        }
    }
}
