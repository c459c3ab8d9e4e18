//! Full verification of transaction bytes: the verdict is deterministic (same ID,
//! log, fee and weight, or the same error), a verified transaction is within the
//! consensus weight and is exactly the bytes given, and the batched path agrees.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkvm::{Tx, Verifier, MAX_TX_WEIGHT};

fuzz_target!(|data: &[u8]| {
    let gens = zkvm::network_generators();
    let first = Verifier::verify_bytes(data, gens);
    let second = Verifier::verify_bytes(data, gens);
    match (&first, &second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.id, b.id);
            assert_eq!(a.log.entries(), b.log.entries());
            assert_eq!(a.weight, b.weight);
            assert!(a.weight >= data.len() as u64 && a.weight <= MAX_TX_WEIGHT);
            let tx = Tx::from_bytes(data).expect("a verified transaction decodes");
            assert_eq!(tx.to_bytes(), data);
            let batch = Verifier::verify_txs(std::slice::from_ref(&tx), gens)
                .expect("the batch accepts what the single check accepts");
            assert_eq!(batch[0].id, a.id);
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("verification is not deterministic: {first:?} then {second:?}"),
    }
});
