//! Criterion benchmarks live in `benches/`; this library holds what the two figure
//! binaries (`payments`, the reference comparison, and `whitepaper`) share: proving a
//! payment, timing, and naming the CPU the figures come from.

use curve25519_dalek::scalar::Scalar;
use rand::rngs::OsRng;
use rand::RngCore;
use std::time::Instant;
use zkvm::{
    Anchor, Commitment, Contract, Generators, PortableItem, Predicate, Program, Prover, SigningKey,
    Tx, TxHeader, Value,
};

/// A previous output holding `qty` of `flavor`, locked to a fresh key.
pub fn prior_output(qty: u64, flavor: u64) -> Contract {
    let mut anchor = [0u8; 32];
    OsRng.fill_bytes(&mut anchor);
    Contract {
        predicate: Predicate::from_signing_key(SigningKey::random(&mut OsRng)),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, &mut OsRng),
            flv: Commitment::blinded(Scalar::from(flavor), &mut OsRng),
        })],
        anchor: Anchor(anchor),
    }
}

/// `push contract input signtx` per input, the outputs' `(qty, flavor)` commitments,
/// `cloak:m:n`, and `push predicate output:1` per output to fresh keys: the reference
/// harness's payment program.
pub fn payment_program(inputs: &[Contract], outputs: &[(u64, u64)]) -> Program {
    let mut p = Program::new();
    for input in inputs {
        p.push(input.clone()).input().signtx();
    }
    for (qty, flavor) in outputs {
        p.push(Commitment::blinded(*qty, &mut OsRng))
            .push(Commitment::blinded(Scalar::from(*flavor), &mut OsRng));
    }
    p.cloak(inputs.len() as u32, outputs.len() as u32);
    for _ in outputs {
        p.push(Predicate::from_signing_key(SigningKey::random(&mut OsRng)))
            .output(1);
    }
    p
}

/// Proves and signs `program` under `header`; the binaries' payments always prove.
pub fn prove(program: Program, header: TxHeader, gens: &Generators) -> Tx {
    Prover::build_tx(program, header, gens, &mut OsRng)
        .and_then(|unsigned| unsigned.sign(&mut OsRng))
        .expect("the benchmark's payments prove")
}

/// The median of `v` (the mean of the two middle values for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Milliseconds since `since`.
pub fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The CPU's model name from `/proc/cpuinfo`, or "unknown".
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The CPU features that decide curve25519-dalek's backend.
pub fn cpu_features() -> String {
    let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|w| w == f);
    let yes = |b: bool| if b { "yes" } else { "no" };
    format!(
        "avx2 {}, avx512ifma {}",
        yes(has("avx2")),
        yes(has("avx512ifma"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn features_name_both_backends() {
        let f = cpu_features();
        assert!(f.starts_with("avx2 ") && f.contains(", avx512ifma "), "{f}");
    }
}
