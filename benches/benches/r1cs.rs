//! Benchmarks: r1cs (to be written).

fn main() {}
