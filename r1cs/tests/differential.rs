//! Differential tests against bulletproofs 4.0.0 (feature `yoloproofs`): random
//! circuits, proofs made by each implementation verified by the other, and mutated
//! proofs rejected by both. Values cross between the two curve libraries as bytes.

use bulletproofs_v4::r1cs as v4;
use bulletproofs_v4::r1cs::RandomizedConstraintSystem as _;
use bulletproofs_v4::{BulletproofGens, PedersenGens};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek_ng::ristretto::CompressedRistretto as NgPoint;
use curve25519_dalek_ng::scalar::Scalar as NgScalar;
use merlin::Transcript;
use r1cs::{
    ConstraintSystem, Generators, LinearCombination, Prover, R1csProof,
    RandomizableConstraintSystem, RandomizedConstraintSystem, Variable, Verifier,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

const CAPACITY: usize = 512;
const LABEL: &[u8] = b"r1cs differential";

/// A term: the index of a variable produced so far, and its coefficient.
type Terms = Vec<(usize, Scalar)>;

/// One step of a circuit. Variables are numbered in the order the steps produce them
/// (commitments first).
#[derive(Clone, Debug)]
enum Op {
    /// `multiply(left, right)`: produces l, r, o.
    Multiply(Terms, Terms),
    /// `allocate_multiplier((a, b))`: produces l, r, o.
    AllocateMultiplier(Scalar, Scalar),
    /// `allocate(a)`: produces one variable.
    Allocate(Scalar),
    /// `constrain(terms + constant)`, satisfied by construction.
    Constrain(Terms, Scalar),
    /// Second phase only: with challenge z, `multiply(left + z, right)` and
    /// `multiply(right, left + z)`, then `constrain(o₁ − o₂)`.
    CommutedPair(Terms, Terms),
    /// Second phase only: `constrain(z·(terms + constant))`.
    ScaledConstrain(Terms, Scalar),
}

#[derive(Clone, Debug)]
struct Circuit {
    /// Committed values and blindings.
    commitments: Vec<(Scalar, Scalar)>,
    phase1: Vec<Op>,
    /// `Some` for a two-phase circuit.
    phase2: Option<Vec<Op>>,
    /// Assignments of every variable (commitments, then as produced; phase one only).
    values: Vec<Scalar>,
}

impl Circuit {
    /// A random satisfied circuit with about `size` multipliers.
    fn random(rng: &mut StdRng, size: usize, commitments: usize, two_phase: bool) -> Self {
        let commitments: Vec<(Scalar, Scalar)> = (0..commitments)
            .map(|_| (Scalar::from(rng.gen::<u32>()), encoding::random_scalar(rng)))
            .collect();
        let mut c = Circuit {
            values: commitments.iter().map(|(v, _)| *v).collect(),
            commitments,
            phase1: Vec::new(),
            phase2: None,
        };
        let mut multipliers = 0;
        while multipliers < size {
            let op = match rng.gen_range(0..4) {
                0 if !c.values.is_empty() => {
                    let (l, r) = (c.terms(rng), c.terms(rng));
                    let (lv, rv) = (c.eval(&l), c.eval(&r));
                    c.values.extend([lv, rv, lv * rv]);
                    multipliers += 1;
                    Op::Multiply(l, r)
                }
                1 => {
                    let (a, b) = (encoding::random_scalar(rng), Scalar::from(rng.gen::<u8>()));
                    c.values.extend([a, b, a * b]);
                    multipliers += 1;
                    Op::AllocateMultiplier(a, b)
                }
                2 => {
                    let a = encoding::random_scalar(rng);
                    c.values.push(a);
                    // Every other allocation opens a multiplier; count one per two.
                    multipliers += rng.gen_range(0..2);
                    Op::Allocate(a)
                }
                _ if !c.values.is_empty() => {
                    let t = c.terms(rng);
                    Op::Constrain(t.clone(), -c.eval(&t))
                }
                _ => continue,
            };
            c.phase1.push(op);
        }
        if !c.values.is_empty() && rng.gen_bool(0.5) {
            let t = c.terms(rng);
            c.phase1.push(Op::Constrain(t.clone(), -c.eval(&t)));
        }
        if two_phase {
            let mut ops = Vec::new();
            for _ in 0..rng.gen_range(1..4) {
                if c.values.is_empty() || rng.gen_bool(0.3) {
                    ops.push(Op::AllocateMultiplier(
                        encoding::random_scalar(rng),
                        encoding::random_scalar(rng),
                    ));
                } else if rng.gen_bool(0.5) {
                    ops.push(Op::CommutedPair(c.terms(rng), c.terms(rng)));
                } else {
                    let t = c.terms(rng);
                    ops.push(Op::ScaledConstrain(t.clone(), -c.eval(&t)));
                }
            }
            c.phase2 = Some(ops);
        }
        c
    }

    fn terms(&self, rng: &mut StdRng) -> Terms {
        (0..rng.gen_range(1..4))
            .map(|_| {
                let coeff = if rng.gen_bool(0.5) {
                    Scalar::from(rng.gen::<u16>())
                } else {
                    encoding::random_scalar(rng)
                };
                (rng.gen_range(0..self.values.len()), coeff)
            })
            .collect()
    }

    fn eval(&self, t: &Terms) -> Scalar {
        t.iter().map(|(i, c)| c * self.values[*i]).sum()
    }
}

fn ng(s: &Scalar) -> NgScalar {
    NgScalar::from_canonical_bytes(s.to_bytes()).expect("canonical")
}

// ---- The circuit on our constraint systems. ----

fn our_lc(vars: &[Variable], t: &Terms) -> LinearCombination {
    t.iter().map(|(i, c)| (vars[*i], *c)).collect()
}

fn our_ops<CS: ConstraintSystem>(
    cs: &mut CS,
    vars: &mut Vec<Variable>,
    ops: &[Op],
    z: Option<Scalar>,
    prover: bool,
) {
    for op in ops {
        match op {
            Op::Multiply(l, r) => {
                let (a, b, o) = cs.multiply(our_lc(vars, l), our_lc(vars, r));
                vars.extend([a, b, o]);
            }
            Op::AllocateMultiplier(a, b) => {
                let (x, y, o) = cs
                    .allocate_multiplier(prover.then_some((*a, *b)))
                    .expect("assigned");
                vars.extend([x, y, o]);
            }
            Op::Allocate(a) => vars.push(cs.allocate(prover.then_some(*a)).expect("assigned")),
            Op::Constrain(t, k) => cs.constrain(our_lc(vars, t) + *k),
            Op::CommutedPair(l, r) => {
                let z = z.expect("second phase");
                let left = our_lc(vars, l) + z;
                let (_, _, o1) = cs.multiply(left.clone(), our_lc(vars, r));
                let (_, _, o2) = cs.multiply(our_lc(vars, r), left);
                cs.constrain(o1 - o2);
            }
            Op::ScaledConstrain(t, k) => {
                let z = z.expect("second phase");
                cs.constrain((our_lc(vars, t) + *k) * z);
            }
        }
    }
}

fn our_circuit<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    mut vars: Vec<Variable>,
    c: &Circuit,
    prover: bool,
) {
    our_ops(cs, &mut vars, &c.phase1, None, prover);
    if let Some(ops) = c.phase2.clone() {
        cs.specify_randomized_constraints(move |cs| {
            let z = cs.challenge_scalar(b"z2");
            our_ops(cs, &mut vars, &ops, Some(z), prover);
            Ok(())
        })
        .expect("deferred");
    }
}

fn our_prove(c: &Circuit, gens: &Generators) -> (Vec<CompressedRistretto>, Vec<u8>) {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = Prover::new(gens, &mut transcript);
    let (points, vars): (Vec<_>, Vec<_>) = c
        .commitments
        .iter()
        .map(|(v, b)| prover.commit(*v, *b))
        .unzip();
    our_circuit(&mut prover, vars, c, true);
    let proof = prover.prove(&mut rand::thread_rng()).expect("proves");
    (points, proof.to_bytes())
}

fn our_verify(
    c: &Circuit,
    points: &[CompressedRistretto],
    bytes: &[u8],
    gens: &Generators,
) -> bool {
    let Ok(proof) = R1csProof::from_bytes(bytes) else {
        return false;
    };
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = Verifier::new(&mut transcript);
    let vars = points.iter().map(|p| verifier.commit(*p)).collect();
    our_circuit(&mut verifier, vars, c, false);
    verifier.verify(&proof, gens).is_ok()
}

// ---- The same circuit on bulletproofs 4.0.0. ----

fn v4_lc(vars: &[v4::Variable], t: &Terms) -> v4::LinearCombination {
    t.iter().map(|(i, c)| (vars[*i], ng(c))).collect()
}

fn v4_ops<CS: v4::ConstraintSystem>(
    cs: &mut CS,
    vars: &mut Vec<v4::Variable>,
    ops: &[Op],
    z: Option<NgScalar>,
    prover: bool,
) {
    for op in ops {
        match op {
            Op::Multiply(l, r) => {
                let (a, b, o) = cs.multiply(v4_lc(vars, l), v4_lc(vars, r));
                vars.extend([a, b, o]);
            }
            Op::AllocateMultiplier(a, b) => {
                let (x, y, o) = cs
                    .allocate_multiplier(prover.then_some((ng(a), ng(b))))
                    .expect("assigned");
                vars.extend([x, y, o]);
            }
            Op::Allocate(a) => vars.push(cs.allocate(prover.then_some(ng(a))).expect("assigned")),
            Op::Constrain(t, k) => cs.constrain(v4_lc(vars, t) + ng(k)),
            Op::CommutedPair(l, r) => {
                let z = z.expect("second phase");
                let left = v4_lc(vars, l) + z;
                let (_, _, o1) = cs.multiply(left.clone(), v4_lc(vars, r));
                let (_, _, o2) = cs.multiply(v4_lc(vars, r), left);
                cs.constrain(o1 - o2);
            }
            Op::ScaledConstrain(t, k) => {
                let z = z.expect("second phase");
                cs.constrain((v4_lc(vars, t) + ng(k)) * z);
            }
        }
    }
}

fn v4_circuit<CS: v4::RandomizableConstraintSystem>(
    cs: &mut CS,
    mut vars: Vec<v4::Variable>,
    c: &Arc<Circuit>,
    prover: bool,
) {
    v4_ops(cs, &mut vars, &c.phase1, None, prover);
    if c.phase2.is_some() {
        let c = Arc::clone(c);
        cs.specify_randomized_constraints(move |cs| {
            let z = cs.challenge_scalar(b"z2");
            v4_ops(
                cs,
                &mut vars,
                c.phase2.as_deref().unwrap_or(&[]),
                Some(z),
                prover,
            );
            Ok(())
        })
        .expect("deferred");
    }
}

fn v4_prove(c: &Arc<Circuit>, bp: &BulletproofGens) -> (Vec<CompressedRistretto>, Vec<u8>) {
    let pc = PedersenGens::default();
    let mut transcript = Transcript::new(LABEL);
    let mut prover = v4::Prover::new(&pc, &mut transcript);
    let (points, vars): (Vec<_>, Vec<_>) = c
        .commitments
        .iter()
        .map(|(v, b)| {
            let (p, var) = prover.commit(ng(v), ng(b));
            (CompressedRistretto(p.to_bytes()), var)
        })
        .unzip();
    v4_circuit(&mut prover, vars, c, true);
    let proof = prover.prove(bp).expect("v4 proves");
    (points, proof.to_bytes())
}

fn v4_verify(
    c: &Arc<Circuit>,
    points: &[CompressedRistretto],
    bytes: &[u8],
    bp: &BulletproofGens,
) -> bool {
    let Ok(proof) = v4::R1CSProof::from_bytes(bytes) else {
        return false;
    };
    let pc = PedersenGens::default();
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = v4::Verifier::new(&mut transcript);
    let vars = points
        .iter()
        .map(|p| verifier.commit(NgPoint(p.to_bytes())))
        .collect();
    v4_circuit(&mut verifier, vars, c, false);
    verifier.verify(&proof, &pc, bp).is_ok()
}

/// Flips one random bit of a random byte.
fn mutate(rng: &mut StdRng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let i = rng.gen_range(0..out.len());
    out[i] ^= 1 << rng.gen_range(0..8);
    out
}

fn run(seed: u64, size: usize, commitments: usize, two_phase: bool) {
    let gens = Generators::new(CAPACITY);
    let bp = BulletproofGens::new(CAPACITY, 1);
    let mut rng = StdRng::seed_from_u64(seed);
    let c = Arc::new(Circuit::random(&mut rng, size, commitments, two_phase));
    let what =
        format!("seed {seed}, size {size}, {commitments} commitments, two phases: {two_phase}");

    let (ours_points, ours) = our_prove(&c, &gens);
    let (their_points, theirs) = v4_prove(&c, &bp);
    assert_eq!(
        ours_points, their_points,
        "same Pedersen commitments ({what})"
    );
    assert_eq!(ours.len(), theirs.len(), "same proof layout ({what})");
    assert_eq!(ours[0], theirs[0], "same version byte ({what})");

    assert!(
        our_verify(&c, &ours_points, &ours, &gens),
        "ours in ours ({what})"
    );
    assert!(
        v4_verify(&c, &ours_points, &ours, &bp),
        "ours in v4 ({what})"
    );
    assert!(
        our_verify(&c, &their_points, &theirs, &gens),
        "v4 in ours ({what})"
    );

    for proof in [&ours, &theirs] {
        let bad = mutate(&mut rng, proof);
        assert!(
            !our_verify(&c, &ours_points, &bad, &gens),
            "mutant in ours ({what})"
        );
        assert!(
            !v4_verify(&c, &ours_points, &bad, &bp),
            "mutant in v4 ({what})"
        );
    }
}

#[test]
fn empty_circuits_agree() {
    run(1, 0, 0, false);
    run(2, 0, 3, false);
    run(3, 0, 2, true);
}

#[test]
fn small_circuits_agree() {
    for (seed, size) in [(10, 1), (11, 2), (12, 3), (13, 5), (14, 7), (15, 12)] {
        run(seed, size, 1 + seed as usize % 4, seed % 2 == 0);
        run(seed + 100, size, 2, seed % 2 == 1);
    }
}

#[test]
fn larger_circuits_agree() {
    run(20, 37, 9, false);
    run(21, 100, 16, true);
    run(22, 255, 5, true);
    run(23, 300, 40, false);
}

#[test]
fn randomized_constraints_without_second_phase_multipliers_agree() {
    let gens = Generators::new(CAPACITY);
    let bp = BulletproofGens::new(CAPACITY, 1);
    let mut rng = StdRng::seed_from_u64(30);
    let mut c = Circuit::random(&mut rng, 5, 3, false);
    let t = c.terms(&mut rng);
    c.phase2 = Some(vec![Op::ScaledConstrain(t.clone(), -c.eval(&t))]);
    let c = Arc::new(c);
    let (points, ours) = our_prove(&c, &gens);
    // The second phase committed nothing, so the proof takes the one-phase layout.
    assert_eq!(ours[0], 0);
    assert!(our_verify(&c, &points, &ours, &gens));
    assert!(v4_verify(&c, &points, &ours, &bp));
    // The same proof in the two-phase layout, its second-phase points the identity:
    // both implementations accept it, and it decodes and re-encodes to itself.
    let long = [&[1u8][..], &ours[1..97], &[0u8; 96], &ours[97..]].concat();
    assert!(our_verify(&c, &points, &long, &gens));
    assert!(v4_verify(&c, &points, &long, &bp));
    let decoded = R1csProof::from_bytes(&long).unwrap();
    assert_eq!(decoded.to_bytes(), long);
    assert_eq!(decoded.serialized_size(), long.len());
    assert_ne!(decoded, R1csProof::from_bytes(&ours).unwrap());
    let (points, theirs) = v4_prove(&c, &bp);
    assert_eq!(theirs[0], 0);
    assert!(our_verify(&c, &points, &theirs, &gens));
}
