//! Benchmarks: cloak (to be written).

fn main() {}
