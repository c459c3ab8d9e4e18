//! Assembly text: what assembles prints as text that assembles to the same
//! bytecode, and printing is a fixed point after one round.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkvm::Program;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(program) = Program::from_asm(text) else {
        return;
    };
    let bytes = program.to_bytes();
    assert_eq!(zkvm::asm::assemble(text).ok(), Some(bytes.clone()));
    let printed = program.to_asm();
    let again = Program::from_asm(&printed).unwrap_or_else(|e| panic!("{printed:?}: {e}"));
    assert_eq!(
        again.to_bytes(),
        bytes,
        "printed text assembles to the same bytecode"
    );
    assert_eq!(again.to_asm(), printed);
    assert_eq!(Program::parse(&bytes).ok(), Some(program));
});
