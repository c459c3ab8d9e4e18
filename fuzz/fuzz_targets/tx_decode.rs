//! Transaction bytes: whatever decodes re-encodes to the same bytes, with the same
//! length and ID-relevant fields, and the program inside re-parses to itself.
#![no_main]

use encoding::Encodable;
use libfuzzer_sys::fuzz_target;
use zkvm::{Program, Tx};

fuzz_target!(|data: &[u8]| {
    let Ok(tx) = Tx::from_bytes(data) else {
        return;
    };
    assert_eq!(
        tx.to_bytes(),
        data,
        "a decoded transaction re-encodes to its bytes"
    );
    assert_eq!(tx.encoded_len(), data.len());
    assert_eq!(Tx::from_bytes(&tx.to_bytes()).ok(), Some(tx.clone()));
    if let Ok(program) = Program::parse(&tx.program) {
        assert_eq!(program.to_bytes(), tx.program);
    }
});
