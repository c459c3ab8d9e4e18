//! Benchmarks: signatures (to be written).

fn main() {}
