//! What the node's benchmarks share: the machine's description, a process's CPU
//! time, and 2-in/2-out payments.
// Each benchmark uses a part.
#![allow(dead_code)]

use curve25519_dalek::scalar::Scalar;
use musig::SigningKey;
use std::time::Duration;
use zkvm::{Predicate, Tx, TxBuilder};
use zkvm_node::devnet::funding_contract;

/// A 2-in/2-out payment: funding outputs `2i` and `2i + 1` (of `qty` each) into 1,000
/// to a new key and the change back to the funding key, fee 1.
pub fn two_in_two_out(funding: &SigningKey, i: u64, qty: u64) -> Tx {
    let gens = zkvm::network_generators();
    let mut rng = rand::thread_rng();
    let recipient = SigningKey::random(&mut rng).verification_key();
    TxBuilder::new()
        .spend(funding_contract(funding, 2 * i, qty))
        .spend(funding_contract(funding, 2 * i + 1, qty))
        .pay(Predicate::from_key(&recipient), 1_000, Scalar::ZERO)
        .change_to(Predicate::from_signing_key(funding.clone()))
        .fee(1)
        .build(gens, &mut rng)
        .expect("a valid payment")
        .sign(&mut rng)
        .expect("the funding key signs")
}

/// User and system time of a process, in clock ticks (`/proc/PID/stat`).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line; the name (field 2) is skipped.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

pub fn clock_ticks() -> u64 {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |l| l.trim_start_matches([' ', '\t', ':']));
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or("");
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "{model}, {cores} cores, AVX2 {}, AVX-512 IFMA {}, load average {}",
        if has("avx2") { "yes" } else { "no" },
        if has("avx512ifma") { "yes" } else { "no" },
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
