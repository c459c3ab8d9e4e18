//! The prover's arithmetic: how intermediate values of a merge or split are chosen.
//!
//! These functions see secret quantities and flavors, so they select with constant-time
//! swaps and selections instead of branching on them.

use crate::{CloakError, SignedInteger, Value};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// Reorders `values` so that values of equal flavor sit next to each other.
///
/// For each position, the first later value with the flavor of the preceding position
/// is swapped into it; the access pattern depends only on the length.
pub fn group_by_flavor(values: &[Value]) -> Vec<Value> {
    let mut out = values.to_vec();
    for i in 1..out.len() {
        let target = out[i - 1].f;
        for j in (i + 1)..out.len() {
            let (head, tail) = out.split_at_mut(j);
            let (here, there) = (&mut head[i], &mut tail[0]);
            let take = there.f.ct_eq(&target) & !here.f.ct_eq(&target);
            Value::conditional_swap(here, there, take);
        }
    }
    out
}

/// The wires of a chain of mixes over `grouped` (values grouped by flavor).
///
/// Walking the list, a running value absorbs the next one when their flavors agree
/// (leaving a zero behind) and is passed on unchanged otherwise. Returns the
/// `k - 2` intermediate values between consecutive mixes and the `k` outputs, in
/// which each flavor's total sits at the last position of its group and every other
/// position is `(0, 0)`.
pub fn combine_by_flavor(grouped: &[Value]) -> Result<(Vec<Value>, Vec<Value>), CloakError> {
    let Some((first, rest)) = grouped.split_first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut mid = Vec::with_capacity(rest.len());
    let mut out = Vec::with_capacity(grouped.len());
    let mut carry = *first;
    for next in rest {
        let same = carry.f.ct_eq(&next.f);
        out.push(Value::conditional_select(&carry, &Value::zero(), same));
        carry = absorb(carry, next, same)?;
        mid.push(carry);
    }
    // The last carried value is the chain's final output, not an intermediate.
    out.push(mid.pop().unwrap_or(carry));
    Ok((mid, out))
}

/// `next`, or `carry + next` when `same` is set.
fn absorb(carry: Value, next: &Value, same: Choice) -> Result<Value, CloakError> {
    // Both magnitudes are below 2^64, so the i128 sum cannot overflow.
    let sum = carry.q.get() + next.q.get();
    let q = i128::conditional_select(&next.q.get(), &sum, same);
    Ok(Value {
        q: SignedInteger::new(q).ok_or(CloakError::QuantityOverflow)?,
        f: next.f,
    })
}

/// Whether `b` is a reordering of `a`, compared without early exits.
pub fn is_permutation(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![Choice::from(0); b.len()];
    let mut all = Choice::from(1);
    for x in a {
        let mut found = Choice::from(0);
        for (y, taken) in b.iter().zip(used.iter_mut()) {
            let hit = x.ct_eq(y) & !*taken & !found;
            *taken |= hit;
            found |= hit;
        }
        all &= found;
    }
    all.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::scalar::Scalar;
    use proptest::prelude::*;

    fn v(q: i64, f: u64) -> Value {
        Value::new(q, Scalar::from(f))
    }

    fn is_grouped(values: &[Value]) -> bool {
        // No flavor reappears after a different one.
        values.iter().enumerate().all(|(i, x)| {
            let end = values[i..].iter().position(|y| y.f != x.f);
            end.is_none_or(|e| values[i + e..].iter().all(|y| y.f != x.f))
        })
    }

    #[test]
    fn groups_interleaved_flavors() {
        let grouped = group_by_flavor(&[v(1, 1), v(2, 2), v(3, 1), v(4, 2), v(5, 1)]);
        assert!(is_grouped(&grouped));
        assert_eq!(grouped[0], v(1, 1));
        assert!(is_permutation(
            &grouped,
            &[v(1, 1), v(2, 2), v(3, 1), v(4, 2), v(5, 1)]
        ));
    }

    #[test]
    fn combines_groups_into_their_last_slot() {
        let (mid, out) = combine_by_flavor(&[v(1, 1), v(3, 1), v(2, 2)]).unwrap();
        assert_eq!(mid, vec![v(4, 1)]);
        assert_eq!(out, vec![Value::zero(), v(4, 1), v(2, 2)]);

        let (mid, out) = combine_by_flavor(&[v(1, 1), v(2, 1), v(3, 1), v(4, 1)]).unwrap();
        assert_eq!(mid, vec![v(3, 1), v(6, 1)]);
        assert_eq!(
            out,
            vec![Value::zero(), Value::zero(), Value::zero(), v(10, 1)]
        );
    }

    #[test]
    fn single_value_combines_to_itself() {
        assert_eq!(
            combine_by_flavor(&[v(7, 3)]).unwrap(),
            (vec![], vec![v(7, 3)])
        );
        assert_eq!(combine_by_flavor(&[]).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn overflowing_sum_is_refused_only_when_merging() {
        let max = Value::new(SignedInteger::MAX, Scalar::from(1u64));
        let one_same = v(1, 1);
        let one_other = v(1, 2);
        assert_eq!(
            combine_by_flavor(&[max, one_same]),
            Err(CloakError::QuantityOverflow)
        );
        assert!(combine_by_flavor(&[max, one_other]).is_ok());
    }

    #[test]
    fn permutation_check_counts_multiplicity() {
        assert!(is_permutation(&[v(1, 1), v(1, 1)], &[v(1, 1), v(1, 1)]));
        assert!(!is_permutation(&[v(1, 1), v(2, 1)], &[v(1, 1), v(1, 1)]));
        assert!(!is_permutation(&[v(1, 1)], &[v(1, 1), v(1, 1)]));
    }

    fn small_values() -> impl Strategy<Value = Vec<Value>> {
        prop::collection::vec((-1000i64..1000, 0u64..3), 1..9)
            .prop_map(|xs| xs.into_iter().map(|(q, f)| v(q, f)).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn grouping_permutes_and_groups(values in small_values()) {
            let grouped = group_by_flavor(&values);
            prop_assert!(is_permutation(&values, &grouped));
            prop_assert!(is_grouped(&grouped));
        }

        #[test]
        fn combining_keeps_per_flavor_totals(values in small_values()) {
            let grouped = group_by_flavor(&values);
            let (mid, out) = combine_by_flavor(&grouped).unwrap();
            prop_assert_eq!(mid.len(), values.len().saturating_sub(2));
            prop_assert_eq!(out.len(), values.len());
            for f in 0u64..3 {
                let flavor = Scalar::from(f);
                let total = |xs: &[Value]| -> i128 {
                    xs.iter().filter(|x| x.f == flavor).map(|x| x.q.get()).sum()
                };
                // Zero padding has flavor 0 and quantity 0, so totals still agree.
                prop_assert_eq!(total(&values), total(&out));
                // At most one non-padding output per flavor present.
                let present = values.iter().any(|x| x.f == flavor);
                let slots = out.iter().filter(|x| x.f == flavor && **x != Value::zero()).count();
                prop_assert!(slots <= usize::from(present));
            }
        }
    }
}
