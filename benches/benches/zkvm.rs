//! Benchmarks: zkvm (to be written).

fn main() {}
