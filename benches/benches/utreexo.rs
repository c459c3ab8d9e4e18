//! Benchmarks: utreexo (to be written).

fn main() {}
