//! The cloak: M values in, N values out, balanced per flavor, all hidden.

use crate::assignment::is_permutation;
use crate::merge::{merge, split};
use crate::shuffle::{padded_shuffle, value_shuffle};
use crate::value::assignments;
use crate::{range_proof, AllocatedValue, BitRange, CloakError, Value};
use r1cs::{R1csError, RandomizableConstraintSystem};
use zeroize::{Zeroize, Zeroizing};

/// Constrains `outputs` to be a rearrangement of `inputs` that keeps every flavor's
/// total, with every output quantity in `[0, 2^64)`.
///
/// The gadgets run in this order: merge of the inputs, split of the outputs, the
/// shuffle of the inputs into the merge's sorted order, the padded middle shuffle from
/// the merge's totals to the split's, the shuffle of the split's sorted order into the
/// outputs, then one 64-bit range proof per output. A prover (all assignments known)
/// computes every intermediate value and fails with [`CloakError::Unbalanced`] before
/// building anything unsatisfiable; a verifier passes values without assignments.
pub fn cloak<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    inputs: Vec<AllocatedValue>,
    outputs: Vec<AllocatedValue>,
) -> Result<(), R1csError> {
    if inputs.is_empty() || outputs.is_empty() {
        return Err(CloakError::Empty { gadget: "cloak" }.into());
    }
    let (merge_sorted, merged) = merge(cs, inputs.clone())?;
    let (split_merged, split_sorted) = split(cs, outputs.clone())?;
    check_balance(&merged, &split_merged)?;

    value_shuffle(cs, inputs, merge_sorted)?;
    padded_shuffle(cs, merged, split_merged)?;
    value_shuffle(cs, split_sorted, outputs.clone())?;
    for mut output in outputs {
        range_proof(
            cs,
            output.q.into(),
            output.assignment.map(|v| v.q),
            BitRange::MAX,
        )?;
        // `Value` is `Copy` and cannot wipe itself: its owner does.
        output.assignment.zeroize();
    }
    Ok(())
}

/// In the prover: the merged totals, padded with zeros, must match the split's.
fn check_balance(merged: &[AllocatedValue], split: &[AllocatedValue]) -> Result<(), CloakError> {
    let (Some(a), Some(b)) = (assignments(merged), assignments(split)) else {
        return Ok(());
    };
    let (mut a, mut b) = (Zeroizing::new(a), Zeroizing::new(b));
    let k = a.len().max(b.len());
    a.resize(k, Value::zero());
    b.resize(k, Value::zero());
    if is_permutation(&a, &b) {
        Ok(())
    } else {
        Err(CloakError::Unbalanced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestCs;
    use crate::SignedInteger;
    use curve25519_dalek::scalar::Scalar;
    use r1cs::ConstraintSystem;

    fn commit(cs: &mut TestCs, values: &[Value], known: bool) -> Vec<AllocatedValue> {
        values
            .iter()
            .map(|v| {
                let (q, f) = v.to_scalars();
                AllocatedValue {
                    q: cs.commit(q),
                    f: cs.commit(f),
                    assignment: known.then_some(*v),
                }
            })
            .collect()
    }

    fn run(inputs: &[Value], outputs: &[Value]) -> Result<(), String> {
        let mut cs = TestCs::prover();
        let ins = commit(&mut cs, inputs, true);
        let outs = commit(&mut cs, outputs, true);
        cloak(&mut cs, ins, outs).map_err(|e| e.to_string())?;
        cs.check()
    }

    fn v(q: i64, f: u64) -> Value {
        Value::new(q, Scalar::from(f))
    }

    /// Multipliers (first phase, total) of an M×N cloak, counted by a verifier.
    fn counts(m: usize, n: usize) -> (usize, usize) {
        let mut cs = TestCs::verifier();
        let zeros = vec![Value::zero(); m.max(n)];
        let ins = commit(&mut cs, &zeros[..m], false);
        let outs = commit(&mut cs, &zeros[..n], false);
        cloak(&mut cs, ins, outs).unwrap();
        let first = cs.metrics().multipliers;
        cs.run_second_phase().unwrap();
        (first, cs.metrics().multipliers)
    }

    #[test]
    fn multiplier_counts_match_the_vectors() {
        let file = vectors::load("cloak.json");
        for case in vectors::cases(&file) {
            let m = case["inputs"].as_array().unwrap().len();
            let n = case["outputs"].as_array().unwrap().len();
            let first = case["multipliers_first_phase"].as_u64().unwrap() as usize;
            let total = case["multipliers"].as_u64().unwrap() as usize;
            assert_eq!(counts(m, n), (first, total), "{m}x{n}");
        }
    }

    #[test]
    fn multiplier_counts_follow_the_spec_formula() {
        let at_least_two = |k: usize| usize::from(k >= 2);
        for m in 1..=16usize {
            for n in 1..=16 {
                let k = m.max(n);
                let first = 64 * n
                    + m.abs_diff(n)
                    + at_least_two(m) * (3 * m - 2)
                    + at_least_two(n) * (3 * n - 2);
                let second = at_least_two(m) * (4 * m - 3)
                    + at_least_two(n) * (4 * n - 3)
                    + at_least_two(k) * (3 * k - 2);
                assert_eq!(counts(m, n), (first, first + second), "{m}x{n}");
            }
        }
        assert_eq!(counts(8, 8), (556, 636));
        assert_eq!(counts(16, 16), (1116, 1284));
    }

    #[test]
    fn honest_cloaks_are_satisfied() {
        assert_eq!(run(&[v(5, 1)], &[v(5, 1)]), Ok(()));
        assert_eq!(run(&[v(3, 1)], &[v(1, 1), v(2, 1)]), Ok(()));
        assert_eq!(run(&[v(1, 1), v(2, 1)], &[v(3, 1)]), Ok(()));
        assert_eq!(
            run(&[v(1, 1), v(7, 2), v(2, 1)], &[v(7, 2), v(3, 1)]),
            Ok(())
        );
        // A debt paid off inside the same flavor.
        assert_eq!(run(&[v(-4, 1), v(10, 1)], &[v(6, 1)]), Ok(()));
        assert_eq!(run(&[v(0, 1)], &[v(0, 1), v(0, 1), v(0, 1)]), Ok(()));
    }

    #[test]
    fn every_shape_up_to_8x8_is_satisfied() {
        use crate::testing::statement;
        for m in 1..=8 {
            for n in 1..=8 {
                for flavors in 1..=3 {
                    let (ins, outs) = statement(m, n, flavors, (m * 100 + n * 10 + flavors) as u64);
                    assert_eq!(run(&ins, &outs), Ok(()), "{m}x{n}, {flavors} flavors");
                }
            }
        }
    }

    /// Proves and verifies every M×N statement with M in `ms`.
    fn prove_shapes(ms: std::ops::RangeInclusive<usize>) {
        use crate::testing::{prove_honest, statement, verify};
        for m in ms {
            for n in 1..=8 {
                // More flavors than min(M, N) would repeat a smaller case.
                for flavors in 1..=3.min(m).min(n) {
                    let seed = (m * 100 + n * 10 + flavors) as u64 + 7;
                    let (ins, outs) = statement(m, n, flavors, seed);
                    let proven = prove_honest(&ins, &outs).unwrap();
                    assert_eq!(verify(&proven), Ok(()), "{m}x{n}, {flavors} flavors");
                }
            }
        }
    }

    #[test]
    fn proofs_verify_for_1_to_4_inputs() {
        prove_shapes(1..=4);
    }

    #[test]
    fn proofs_verify_for_5_to_8_inputs() {
        prove_shapes(5..=8);
    }

    #[test]
    fn prover_refuses_unbalanced_statements() {
        let unbalanced = Err(R1csError::from(CloakError::Unbalanced).to_string());
        // Inflation.
        assert_eq!(run(&[v(5, 1)], &[v(6, 1)]), unbalanced);
        // Transmutation.
        assert_eq!(run(&[v(5, 1)], &[v(5, 2)]), unbalanced);
        assert_eq!(run(&[v(5, 1), v(1, 2)], &[v(5, 1), v(1, 3)]), unbalanced);
        // A flavor netted to zero with no output of it (a known limit of the design).
        assert_eq!(run(&[v(-2, 2), v(2, 2), v(3, 1)], &[v(3, 1)]), unbalanced);
        assert_eq!(
            run(&[v(-2, 2), v(2, 2), v(3, 1)], &[v(3, 1), v(0, 2)]),
            Ok(())
        );
    }

    #[test]
    fn prover_refuses_negative_outputs() {
        let result = run(&[v(5, 1)], &[v(7, 1), v(-2, 1)]);
        let expected = R1csError::from(CloakError::OutOfRange { bits: 64 }).to_string();
        assert_eq!(result, Err(expected));
    }

    #[test]
    fn empty_sides_are_refused() {
        assert!(run(&[], &[v(1, 1)]).is_err());
        assert!(run(&[v(1, 1)], &[]).is_err());
    }

    #[test]
    fn flavor_sums_may_exceed_64_bits_only_if_split_again() {
        let max = Value::new(SignedInteger::MAX, Scalar::ONE);
        // Merging two maximal inputs needs a sum beyond the signed range.
        let err = run(&[max, max], &[max, max]);
        assert_eq!(
            err,
            Err(R1csError::from(CloakError::QuantityOverflow).to_string())
        );
        assert_eq!(run(&[max], &[max]), Ok(()));
    }
}

/// Forged witnesses: the gadget runs as in a verifier and a cheating prover supplies
/// every intermediate wire. Each statement below must leave some constraint unmet.
#[cfg(test)]
mod forgery_tests {
    use super::*;
    use crate::testing::{bit_wires, cloak_wires, prove_forged, verify, Forger, Pair, TestCs};
    use curve25519_dalek::scalar::Scalar;

    fn p(q: i64, f: u64) -> Pair {
        (
            Value::new(q, Scalar::from(f)).to_scalars().0,
            Scalar::from(f),
        )
    }

    fn forge(inputs: &[Pair], outputs: &[Pair], wires: Vec<Pair>) -> Result<(), String> {
        let mut cs = TestCs::prover();
        let mut commit = |values: &[Pair]| -> Vec<AllocatedValue> {
            values
                .iter()
                .map(|(q, f)| AllocatedValue {
                    q: cs.commit(*q),
                    f: cs.commit(*f),
                    assignment: None,
                })
                .collect()
        };
        let (ins, outs) = (commit(inputs), commit(outputs));
        let mut forger = Forger::new(&mut cs, wires);
        // Building must succeed: a failure has to come from the constraints alone.
        cloak(&mut forger, ins, outs).expect("a forged witness of the right length");
        assert_eq!(forger.left_over(), 0, "forged witness is too long");
        cs.check()
    }

    /// Checks the forged witness on the evaluating system, then as a real proof:
    /// returns the evaluation's verdict after asserting the proof agrees with it.
    fn forge_both(inputs: &[Pair], outputs: &[Pair], wires: Vec<Pair>) -> Result<(), String> {
        let evaluated = forge(inputs, outputs, wires.clone());
        let proven = prove_forged(inputs, outputs, wires).and_then(|p| verify(&p));
        assert_eq!(
            evaluated.is_ok(),
            proven.is_ok(),
            "{evaluated:?} vs {proven:?}"
        );
        evaluated
    }

    fn natural(inputs: &[Pair], outputs: &[Pair]) -> Result<(), String> {
        forge_both(inputs, outputs, cloak_wires(inputs, outputs))
    }

    #[test]
    fn the_forging_machinery_reproduces_honest_witnesses() {
        assert_eq!(natural(&[p(5, 1)], &[p(5, 1)]), Ok(()));
        assert_eq!(
            natural(&[p(5, 1), p(2, 2), p(1, 1)], &[p(2, 2), p(4, 1), p(2, 1)]),
            Ok(())
        );
        assert_eq!(
            natural(&[p(-3, 1), p(3, 1), p(4, 2)], &[p(0, 1), p(4, 2)]),
            Ok(())
        );
    }

    #[test]
    fn inflation_is_unsatisfiable() {
        assert!(natural(&[p(5, 1)], &[p(6, 1)]).is_err());
        assert!(natural(&[p(5, 1), p(3, 1)], &[p(4, 1), p(5, 1)]).is_err());
        assert!(natural(&[p(5, 1), p(3, 2)], &[p(3, 2), p(5, 1), p(1, 1)]).is_err());
    }

    #[test]
    fn transmutation_is_unsatisfiable() {
        assert!(natural(&[p(5, 1)], &[p(5, 2)]).is_err());
        assert!(natural(&[p(5, 1), p(3, 2)], &[p(5, 1), p(3, 3)]).is_err());
        // Turning part of one flavor into another, totals unchanged.
        assert!(natural(&[p(5, 1), p(3, 2)], &[p(4, 1), p(4, 2)]).is_err());
    }

    #[test]
    fn a_negative_output_cannot_offset_an_inflated_one() {
        let (ins, outs) = ([p(5, 1)], [p(-1, 1), p(6, 1)]);
        assert!(natural(&ins, &outs).is_err());
        // Any bits for the negative output fail: try all ones as well.
        let mut wires = cloak_wires(&ins, &outs);
        let ones = bit_wires(Scalar::from(u64::MAX));
        wires.splice(4..68, ones);
        assert!(forge_both(&ins, &outs, wires).is_err());
    }

    #[test]
    fn an_output_of_two_to_the_64_is_out_of_range() {
        let two63 = Scalar::from(1u64 << 63);
        let f = Scalar::ONE;
        let (ins, outs) = ([(two63, f), (two63, f)], [(two63 + two63, f)]);
        // Low 64 bits of 2^64 are zero, and all ones sum to 2^64 - 1: both fail.
        assert!(natural(&ins, &outs).is_err());
        let mut wires = cloak_wires(&ins, &outs);
        let tail = wires.len() - 64;
        wires.splice(tail.., bit_wires(Scalar::from(u64::MAX)));
        assert!(forge_both(&ins, &outs, wires).is_err());
    }

    #[test]
    fn one_input_cannot_be_used_twice() {
        // Inputs 5 and 1; the prover sorts them as 5 and 5 and pays out 10.
        let zero = (Scalar::ZERO, Scalar::ZERO);
        let (ins, outs) = ([p(5, 1), p(1, 1)], [p(10, 1)]);
        let mut wires = vec![p(5, 1), p(5, 1), zero, p(10, 1)];
        wires.extend(bit_wires(Scalar::from(10u64)));
        assert!(forge_both(&ins, &outs, wires).is_err());
        // The same with three inputs, one of another flavor dropped.
        let (ins, outs) = ([p(5, 1), p(2, 2), p(1, 1)], [p(10, 1), p(0, 2)]);
        let mut wires = vec![p(5, 1), p(5, 1), p(0, 2), p(10, 1), zero, p(10, 1), p(0, 2)];
        wires.extend(crate::testing::mix_wires(&[p(0, 2), p(10, 1)]));
        wires.extend(bit_wires(Scalar::from(10u64)));
        wires.extend(bit_wires(Scalar::ZERO));
        assert!(forge_both(&ins, &outs, wires).is_err());
    }
}
