//! Benchmarks: blockchain (to be written).

fn main() {}
