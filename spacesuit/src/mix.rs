//! Mixes: two values either pass unchanged or merge into one, and chains of them.

use crate::assignment::{combine_by_flavor, group_by_flavor};
use crate::value::assignments;
use crate::{AllocatedValue, CloakError, Value};
use r1cs::{ConstraintSystem, R1csError, RandomizableConstraintSystem, RandomizedConstraintSystem};
use zeroize::Zeroize;

/// Constrains `(a, b) → (c, d)` to either move (`c = a`, `d = b`) or merge
/// (`c.q = 0`, `a.f = b.f`, `d = (a.q + b.q, a.f)`).
///
/// In the second phase it draws `w` (label `mix challenge`), folds each branch's four
/// equations into one with powers of `w`, and requires the product of the two folds to
/// be zero: one multiplier, one extra constraint. A merged `c` may have any flavor;
/// the prover sets it to zero so that it matches padding.
pub fn mix<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    a: AllocatedValue,
    b: AllocatedValue,
    c: AllocatedValue,
    d: AllocatedValue,
) -> Result<(), R1csError> {
    cs.specify_randomized_constraints(move |cs| {
        let w = cs.challenge_scalar(b"mix challenge");
        let w2 = w * w;
        let w3 = w2 * w;
        let moved = (a.q - c.q) + (a.f - c.f) * w + (b.q - d.q) * w2 + (b.f - d.f) * w3;
        let merged = c.q + (a.f - b.f) * w + (d.q - a.q - b.q) * w2 + (d.f - a.f) * w3;
        let (_, _, product) = cs.multiply(moved, merged);
        cs.constrain(product.into());
        Ok(())
    })
}

/// Takes `k` values in any order and returns `(sorted, mixed)`: the same values
/// regrouped by flavor, and the outputs of a chain of `k - 1` [`mix`]es over them, in
/// which each flavor is gathered into one value and the rest are zero.
///
/// Allocates `k` sorted values, `k - 2` intermediate values and `k` outputs, one
/// multiplier each, then defers the mixes: `3k - 2` multipliers in the first phase
/// and `k - 1` in the second. For `k = 1` it allocates nothing and returns the input
/// twice. Mix `i` takes `a` = sorted₀ (for `i = 0`) or intermediate `i-1`,
/// `b` = sortedᵢ₊₁, `c` = outputᵢ, `d` = intermediateᵢ (or the last output).
pub fn k_mix<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    values: Vec<AllocatedValue>,
) -> Result<(Vec<AllocatedValue>, Vec<AllocatedValue>), R1csError> {
    let k = values.len();
    match k {
        0 => return Err(CloakError::Empty { gadget: "k-mix" }.into()),
        1 => return Ok((values.clone(), values)),
        _ => {}
    }
    let wires = assignments(&values).map(plan).transpose()?;
    let sorted = AllocatedValue::allocate_all(cs, k, wires.as_ref().map(|w| &w.sorted[..]))?;
    let mid = AllocatedValue::allocate_all(cs, k - 2, wires.as_ref().map(|w| &w.mid[..]))?;
    let out = AllocatedValue::allocate_all(cs, k, wires.as_ref().map(|w| &w.out[..]))?;
    chain_mixes(cs, &sorted, &mid, &out)?;
    Ok((sorted, out))
}

/// The prover's assignment of a k-mix.
struct Wires {
    /// The inputs regrouped by flavor.
    sorted: Vec<Value>,
    /// The values carried between consecutive mixes.
    mid: Vec<Value>,
    /// The outputs.
    out: Vec<Value>,
}

impl Drop for Wires {
    fn drop(&mut self) {
        // Secret quantities and flavors: wipe the prover's working copies.
        self.sorted.zeroize();
        self.mid.zeroize();
        self.out.zeroize();
    }
}

fn plan(mut values: Vec<Value>) -> Result<Wires, CloakError> {
    let mut sorted = group_by_flavor(&values);
    values.zeroize();
    match combine_by_flavor(&sorted) {
        Ok((mid, out)) => Ok(Wires { sorted, mid, out }),
        Err(e) => {
            sorted.zeroize();
            Err(e)
        }
    }
}

/// Connects `k - 1` mixes: the carried value runs from `sorted[0]` through `mid` to
/// the last output.
fn chain_mixes<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    sorted: &[AllocatedValue],
    mid: &[AllocatedValue],
    out: &[AllocatedValue],
) -> Result<(), R1csError> {
    let (Some(first), Some((last, firsts))) = (sorted.first(), out.split_last()) else {
        return Err(CloakError::Empty { gadget: "k-mix" }.into());
    };
    let carried_in = std::iter::once(first).chain(mid);
    let carried_out = mid.iter().chain(std::iter::once(last));
    let next = sorted.iter().skip(1);
    for (((a, b), c), d) in carried_in.zip(next).zip(firsts).zip(carried_out) {
        mix(cs, *a, *b, *c, *d)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Forger, TestCs};
    use curve25519_dalek::scalar::Scalar;
    use proptest::prelude::*;

    fn v(q: i64, f: u64) -> Value {
        Value::new(q, Scalar::from(f))
    }

    fn commit(cs: &mut TestCs, value: Value) -> AllocatedValue {
        let (q, f) = value.to_scalars();
        AllocatedValue {
            q: cs.commit(q),
            f: cs.commit(f),
            assignment: Some(value),
        }
    }

    fn mix_holds(a: Value, b: Value, c: Value, d: Value) -> bool {
        let mut cs = TestCs::prover();
        let [a, b, c, d] = [a, b, c, d].map(|x| commit(&mut cs, x));
        mix(&mut cs, a, b, c, d).unwrap();
        cs.check().is_ok()
    }

    #[test]
    fn mix_accepts_moves_and_merges() {
        assert!(mix_holds(v(3, 1), v(4, 2), v(3, 1), v(4, 2)));
        assert!(mix_holds(v(3, 1), v(4, 1), v(3, 1), v(4, 1)));
        assert!(mix_holds(v(3, 1), v(4, 1), Value::zero(), v(7, 1)));
        // A merged-away value may carry any flavor in the verifier's eyes.
        assert!(mix_holds(v(3, 1), v(4, 1), v(0, 9), v(7, 1)));
    }

    #[test]
    fn mix_rejects_everything_else() {
        // Merge across flavors (transmutation).
        assert!(!mix_holds(v(3, 1), v(4, 2), Value::zero(), v(7, 1)));
        assert!(!mix_holds(v(3, 1), v(4, 2), Value::zero(), v(7, 2)));
        // Inflation and loss.
        assert!(!mix_holds(v(3, 1), v(4, 1), Value::zero(), v(8, 1)));
        assert!(!mix_holds(v(3, 1), v(4, 1), v(1, 1), v(7, 1)));
        // A swap is not a move.
        assert!(!mix_holds(v(3, 1), v(4, 2), v(4, 2), v(3, 1)));
    }

    fn k_mix_case(values: &[Value]) -> (TestCs, Vec<AllocatedValue>, Vec<AllocatedValue>) {
        let mut cs = TestCs::prover();
        let inputs = values.iter().map(|x| commit(&mut cs, *x)).collect();
        let (sorted, mixed) = k_mix(&mut cs, inputs).unwrap();
        (cs, sorted, mixed)
    }

    #[test]
    fn k_mix_counts_multipliers() {
        for k in 2..6usize {
            let values: Vec<Value> = (0..k as i64).map(|i| v(i, (i % 2) as u64)).collect();
            let (mut cs, _, _) = k_mix_case(&values);
            assert_eq!(cs.metrics().multipliers, 3 * k - 2);
            cs.run_second_phase().unwrap();
            assert_eq!(cs.metrics().multipliers, 4 * k - 3);
        }
    }

    #[test]
    fn k_mix_of_one_reuses_the_wires() {
        let (cs, sorted, mixed) = k_mix_case(&[v(5, 5)]);
        assert_eq!(sorted, mixed);
        assert_eq!(cs.metrics().multipliers, 0);
    }

    #[test]
    fn k_mix_refuses_no_values() {
        let mut cs = TestCs::verifier();
        assert!(k_mix(&mut cs, Vec::new()).is_err());
    }

    #[test]
    fn k_mix_verifier_allocates_the_same_shape() {
        let mut cs = TestCs::verifier();
        let values = (0..4)
            .map(|_| AllocatedValue {
                q: cs.commit_unknown(),
                f: cs.commit_unknown(),
                assignment: None,
            })
            .collect();
        k_mix(&mut cs, values).unwrap();
        assert_eq!(cs.metrics().multipliers, 10);
    }

    #[test]
    fn forged_k_mix_inflation_is_caught() {
        // Claim that 3 + 4 of flavor 1 became 0 and 8.
        let f1 = Scalar::from(1u64);
        let pair = |q: u64, f: Scalar| (Scalar::from(q), f);
        let forged = vec![pair(3, f1), pair(4, f1), pair(0, Scalar::ZERO), pair(8, f1)];
        let mut cs = TestCs::prover();
        let inputs = [v(3, 1), v(4, 1)]
            .map(|x| {
                let (q, f) = x.to_scalars();
                AllocatedValue {
                    q: cs.commit(q),
                    f: cs.commit(f),
                    assignment: None,
                }
            })
            .to_vec();
        let mut forger = Forger::new(&mut cs, forged);
        k_mix(&mut forger, inputs).unwrap();
        assert_eq!(forger.left_over(), 0);
        assert!(cs.check().is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn honest_k_mix_is_satisfied(xs in prop::collection::vec((-50i64..50, 0u64..3), 1..8)) {
            let values: Vec<Value> = xs.into_iter().map(|(q, f)| v(q, f)).collect();
            let (cs, _, _) = k_mix_case(&values);
            prop_assert!(cs.check().is_ok());
        }
    }
}
