//! The algebra of linear combinations: evaluation is a linear map.

use curve25519_dalek::scalar::Scalar;
use proptest::prelude::*;
use r1cs::{LinearCombination, Variable};

/// Values for the variables of the generated combinations.
fn value(v: Variable) -> Scalar {
    match v {
        Variable::Committed(i) => Scalar::from(1000 + i as u64),
        Variable::MultiplierLeft(i) => Scalar::from(2000 + i as u64),
        Variable::MultiplierRight(i) => Scalar::from(3000 + i as u64),
        Variable::MultiplierOutput(i) => Scalar::from(4000 + i as u64).invert(),
        Variable::One => Scalar::ONE,
    }
}

fn variable() -> impl Strategy<Value = Variable> {
    prop_oneof![
        (0..4usize).prop_map(Variable::Committed),
        (0..4usize).prop_map(Variable::MultiplierLeft),
        (0..4usize).prop_map(Variable::MultiplierRight),
        (0..4usize).prop_map(Variable::MultiplierOutput),
        Just(Variable::One),
    ]
}

fn scalar() -> impl Strategy<Value = Scalar> {
    any::<[u8; 32]>().prop_map(Scalar::from_bytes_mod_order)
}

fn lc() -> impl Strategy<Value = LinearCombination> {
    proptest::collection::vec((variable(), scalar()), 0..6).prop_map(|t| t.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn addition_and_subtraction_are_linear(a in lc(), b in lc()) {
        prop_assert_eq!((a.clone() + b.clone()).eval(value), a.eval(value) + b.eval(value));
        prop_assert_eq!((a.clone() - b.clone()).eval(value), a.eval(value) - b.eval(value));
        let mut c = a.clone();
        c += b.clone();
        c -= b.clone();
        prop_assert_eq!(c.eval(value), a.eval(value));
    }

    #[test]
    fn negation_and_scaling_are_linear(a in lc(), k in scalar()) {
        prop_assert_eq!((-a.clone()).eval(value), -a.eval(value));
        prop_assert_eq!((a.clone() * k).eval(value), k * a.eval(value));
        prop_assert_eq!((k * a.clone()).eval(value), k * a.eval(value));
        prop_assert_eq!((a.clone() - a.clone()).eval(value), Scalar::ZERO);
    }

    #[test]
    fn sums_and_conversions_agree(a in lc(), b in lc(), v in variable(), k in scalar(), n in any::<u64>()) {
        let total: LinearCombination = [a.clone(), b.clone()].into_iter().sum();
        prop_assert_eq!(total.eval(value), a.eval(value) + b.eval(value));
        prop_assert_eq!(LinearCombination::from(v).eval(value), value(v));
        prop_assert_eq!(LinearCombination::from(k).eval(value), k);
        prop_assert_eq!(LinearCombination::from(n).eval(value), Scalar::from(n));
        prop_assert_eq!((v * k).eval(value), k * value(v));
        prop_assert_eq!((v + k).eval(value), value(v) + k);
        prop_assert_eq!((v - k).eval(value), value(v) - k);
        prop_assert_eq!((k - v).eval(value), k - value(v));
        prop_assert_eq!((-v).eval(value), -value(v));
        prop_assert_eq!(a.terms().len() + b.terms().len(), (a.clone() + b.clone()).terms().len());
    }
}
