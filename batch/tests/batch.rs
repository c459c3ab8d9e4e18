//! Batch and single verification of random true and false statements.

use batch::field::Fe;
use batch::{
    BatchError, BatchVerification, BatchVerifier, Blame, Generators, SingleVerifier,
    WeightedStatement,
};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand::rngs::OsRng;
use rand::thread_rng;

/// A true statement: random scalars for every kind of base, with the basepoint scalar
/// chosen so that the sum is zero.
struct Statement {
    basepoint: Scalar,
    blinding: Scalar,
    g: Vec<Scalar>,
    h: Vec<Scalar>,
    dynamic: Vec<(Scalar, RistrettoPoint)>,
}

impl Statement {
    fn random(gens: &Generators, n: usize, dynamic: usize) -> Self {
        let mut rng = thread_rng();
        let mut s = Statement {
            basepoint: Scalar::ZERO,
            blinding: encoding::random_scalar(&mut rng),
            g: (0..n).map(|_| encoding::random_scalar(&mut rng)).collect(),
            h: (0..n).map(|_| encoding::random_scalar(&mut rng)).collect(),
            dynamic: Vec::new(),
        };
        // Dynamic points are random multiples of B so the basepoint scalar can balance.
        let mut discrete_logs = Scalar::ZERO;
        for _ in 0..dynamic {
            let (x, k) = (
                encoding::random_scalar(&mut rng),
                encoding::random_scalar(&mut rng),
            );
            s.dynamic.push((k, gens.b() * x));
            discrete_logs += k * x;
        }
        let rest: RistrettoPoint = gens.b_blinding() * s.blinding
            + gens
                .g()
                .iter()
                .zip(&s.g)
                .map(|(p, k)| p * k)
                .sum::<RistrettoPoint>()
            + gens
                .h()
                .iter()
                .zip(&s.h)
                .map(|(p, k)| p * k)
                .sum::<RistrettoPoint>();
        // Fold `rest` into one more dynamic point so the whole sum cancels.
        s.dynamic.push((-Scalar::ONE, rest));
        s.basepoint = -discrete_logs;
        // Now a·B + Σ k·(x·B) = 0 and b·B̃ + Σ g·G + Σ h·H − rest = 0.
        s
    }

    fn append(&self, v: &mut impl BatchVerification) -> Result<(), BatchError> {
        v.append(
            "test",
            self.basepoint,
            self.blinding,
            self.g.iter().copied(),
            self.h.iter().copied(),
            self.dynamic.iter().copied(),
        )
    }

    /// The same statement through `append_weighted`, every scalar times the weight.
    fn append_weighted(&self, v: &mut impl BatchVerification) -> Result<(), BatchError> {
        v.append_weighted("test", |w| {
            let fe = |v: &[Scalar]| v.iter().map(|s| Fe::from_scalar(&(w * s))).collect();
            WeightedStatement {
                basepoint: w * self.basepoint,
                blinding: w * self.blinding,
                g: fe(&self.g),
                h: fe(&self.h),
                dynamic: self.dynamic.iter().map(|(s, p)| (w * s, *p)).collect(),
            }
        })
    }
}

#[test]
fn true_statements_hold_singly_and_in_a_batch() {
    let gens = Generators::new(16);
    let statements: Vec<_> = (0..8).map(|i| Statement::random(&gens, i * 2, i)).collect();
    let mut single = SingleVerifier::new(&gens);
    let mut batch = BatchVerifier::new(&gens, OsRng);
    for s in &statements {
        s.append(&mut single).unwrap();
        s.append(&mut batch).unwrap();
    }
    assert_eq!(batch.len(), statements.len());
    batch.verify().unwrap();
}

#[test]
fn weighted_statements_hold_and_fail_like_plain_ones() {
    let gens = Generators::new(16);
    let statements: Vec<_> = (0..6).map(|i| Statement::random(&gens, i * 3, i)).collect();
    let mut single = SingleVerifier::new(&gens);
    let mut batch = BatchVerifier::new(&gens, OsRng);
    for (i, s) in statements.iter().enumerate() {
        s.append_weighted(&mut single).unwrap();
        // Mixed with plain statements in one batch.
        if i % 2 == 0 {
            s.append_weighted(&mut batch).unwrap();
        } else {
            s.append(&mut batch).unwrap();
        }
    }
    assert_eq!(batch.len(), statements.len());
    batch.verify().unwrap();

    for bad in corruptions(&statements[4]) {
        assert_eq!(
            bad.append_weighted(&mut SingleVerifier::new(&gens)),
            Err(BatchError::StatementFailed { what: "test" })
        );
        let mut batch = BatchVerifier::new(&gens, OsRng);
        statements[1].append_weighted(&mut batch).unwrap();
        bad.append_weighted(&mut batch).unwrap();
        assert_eq!(batch.verify(), Err(BatchError::BatchFailed));
    }
}

#[test]
fn a_weighted_statement_too_wide_adds_nothing() {
    let small = Generators::new(4);
    let wide = Statement::random(&Generators::new(8), 8, 1);
    let expected = Err(BatchError::TooManyGenerators {
        needed: 8,
        capacity: 4,
    });
    assert_eq!(
        wide.append_weighted(&mut SingleVerifier::new(&small)),
        expected
    );
    let mut batch = BatchVerifier::new(&small, OsRng);
    assert_eq!(wide.append_weighted(&mut batch), expected);
    Statement::random(&small, 4, 2)
        .append_weighted(&mut batch)
        .unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch.verify(), Ok(()));
}

#[test]
fn an_empty_batch_holds() {
    let gens = Generators::new(4);
    let batch = BatchVerifier::new(&gens, OsRng);
    assert!(batch.is_empty());
    assert_eq!(batch.verify(), Ok(()));
}

/// Every way of breaking one statement: each scalar field and a dynamic point.
fn corruptions(s: &Statement) -> Vec<Statement> {
    let one = Scalar::ONE;
    let clone = |s: &Statement| Statement {
        basepoint: s.basepoint,
        blinding: s.blinding,
        g: s.g.clone(),
        h: s.h.clone(),
        dynamic: s.dynamic.clone(),
    };
    let mut out = Vec::new();
    let mut c = clone(s);
    c.basepoint += one;
    out.push(c);
    let mut c = clone(s);
    c.blinding += one;
    out.push(c);
    let mut c = clone(s);
    c.g[3] += one;
    out.push(c);
    let mut c = clone(s);
    c.h[0] += one;
    out.push(c);
    let mut c = clone(s);
    c.dynamic[0].0 += one;
    out.push(c);
    let mut c = clone(s);
    let p = c.dynamic[1].1;
    c.dynamic[1].1 = p + p;
    out.push(c);
    out
}

#[test]
fn one_wrong_scalar_or_point_fails() {
    let gens = Generators::new(8);
    let good: Vec<_> = (0..5).map(|_| Statement::random(&gens, 8, 3)).collect();
    for bad in corruptions(&good[2]) {
        assert_eq!(
            bad.append(&mut SingleVerifier::new(&gens)),
            Err(BatchError::StatementFailed { what: "test" })
        );
        let mut batch = BatchVerifier::new(&gens, OsRng);
        for (i, s) in good.iter().enumerate() {
            if i == 2 {
                bad.append(&mut batch).unwrap();
            } else {
                s.append(&mut batch).unwrap();
            }
        }
        assert_eq!(batch.verify(), Err(BatchError::BatchFailed));
    }
}

#[test]
fn two_false_statements_that_cancel_still_fail() {
    // Each statement is off by +1·B and −1·B respectively: their plain sum holds, their
    // randomly weighted sum does not.
    let gens = Generators::new(4);
    let mut a = Statement::random(&gens, 4, 1);
    let mut b = Statement::random(&gens, 4, 1);
    a.basepoint += Scalar::ONE;
    b.basepoint -= Scalar::ONE;
    let mut batch = BatchVerifier::new(&gens, OsRng);
    a.append(&mut batch).unwrap();
    b.append(&mut batch).unwrap();
    assert_eq!(batch.verify(), Err(BatchError::BatchFailed));
}

#[test]
fn merged_batches_hold_and_fail_like_one() {
    let gens = Generators::new(8);
    let mut left = BatchVerifier::new(&gens, OsRng);
    let mut right = BatchVerifier::new(&gens, thread_rng());
    Statement::random(&gens, 8, 2).append(&mut left).unwrap();
    Statement::random(&gens, 3, 1).append(&mut right).unwrap();
    let mut merged = BatchVerifier::new(&gens, OsRng);
    merged.merge(left);
    merged.merge(right);
    assert_eq!(merged.len(), 2);
    merged.verify().unwrap();

    let mut bad = Statement::random(&gens, 8, 2);
    bad.h[7] += Scalar::ONE;
    let mut left = BatchVerifier::new(&gens, OsRng);
    bad.append(&mut left).unwrap();
    let mut merged = BatchVerifier::new(&gens, OsRng);
    Statement::random(&gens, 2, 2).append(&mut merged).unwrap();
    merged.merge(left);
    assert_eq!(merged.verify(), Err(BatchError::BatchFailed));
}

#[test]
fn too_many_generators_is_an_error_in_both() {
    let small = Generators::new(4);
    let s = Statement::random(&Generators::new(8), 8, 1);
    let expected = Err(BatchError::TooManyGenerators {
        needed: 5,
        capacity: 4,
    });
    assert_eq!(s.append(&mut SingleVerifier::new(&small)), expected);
    let mut batch = BatchVerifier::new(&small, OsRng);
    assert_eq!(s.append(&mut batch), expected);
    // The half-added statement poisons the batch rather than being dropped silently.
    assert_eq!(batch.verify(), expected);
}

/// One batch per statement, the statement at each position of `bad` broken.
fn batches_with_bad<'g>(
    gens: &'g Generators,
    n: usize,
    bad: &[usize],
) -> Vec<BatchVerifier<'g, OsRng>> {
    (0..n)
        .map(|i| {
            let mut s = Statement::random(gens, 1 + i % 4, 1);
            if bad.contains(&i) {
                s.g[0] += Scalar::ONE;
            }
            let mut batch = BatchVerifier::new(gens, OsRng);
            s.append(&mut batch).unwrap();
            batch
        })
        .collect()
}

#[test]
fn the_union_of_good_batches_holds() {
    let gens = Generators::new(4);
    let batches = batches_with_bad(&gens, 9, &[]);
    assert_eq!(BatchVerifier::verify_union(&batches), Ok(()));
    assert_eq!(BatchVerifier::verify_blaming(&batches), Ok(()));
    assert_eq!(BatchVerifier::<OsRng>::verify_union(&[]), Ok(()));
}

#[test]
fn blame_names_the_first_bad_batch_among_many() {
    let gens = Generators::new(4);
    for (n, bad) in [
        (1, vec![0]),
        (2, vec![1]),
        (37, vec![0]),
        (37, vec![36]),
        (64, vec![23]),
        (64, vec![40, 11]),
        (100, vec![99, 98, 50]),
    ] {
        let batches = batches_with_bad(&gens, n, &bad);
        let first = *bad.iter().min().unwrap();
        assert_eq!(
            BatchVerifier::verify_blaming(&batches),
            Err(Blame {
                index: first,
                error: BatchError::BatchFailed
            }),
            "{n} batches, bad at {bad:?}"
        );
    }
}

#[test]
fn blame_reports_a_poisoned_batch() {
    let small = Generators::new(4);
    let mut batches = batches_with_bad(&small, 6, &[]);
    let too_wide = Statement::random(&Generators::new(8), 8, 1);
    let _ = too_wide.append(&mut batches[4]);
    let expected = BatchError::TooManyGenerators {
        needed: 5,
        capacity: 4,
    };
    assert_eq!(
        BatchVerifier::verify_blaming(&batches),
        Err(Blame {
            index: 4,
            error: expected
        })
    );
}

#[test]
fn failing_names_every_bad_batch_and_none_of_the_good() {
    let gens = Generators::new(4);
    for (n, bad) in [
        (0, vec![]),
        (1, vec![]),
        (1, vec![0]),
        (2, vec![0, 1]),
        (9, vec![]),
        (37, vec![36]),
        (64, vec![11, 40]),
        (64, (0..64).step_by(3).collect()),
        (100, vec![0, 50, 98, 99]),
    ] {
        let batches = batches_with_bad(&gens, n, &bad);
        assert_eq!(
            BatchVerifier::failing(&batches),
            bad,
            "{n} batches, bad at {bad:?}"
        );
    }
}

#[test]
fn failing_reports_a_poisoned_batch() {
    let small = Generators::new(4);
    let mut batches = batches_with_bad(&small, 6, &[1]);
    let too_wide = Statement::random(&Generators::new(8), 8, 1);
    let _ = too_wide.append(&mut batches[4]);
    assert_eq!(BatchVerifier::failing(&batches), vec![1, 4]);
}
