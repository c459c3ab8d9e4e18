//! Criterion benchmarks live in `benches/`; this library holds what the two figure
//! binaries (`payments`, the reference comparison, and `whitepaper`) share: proving a
//! payment, timing, and naming the CPU the figures come from.

use rand::rngs::OsRng;
use std::time::Instant;
use zkvm::{Generators, Program, Prover, Tx, TxHeader};

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
