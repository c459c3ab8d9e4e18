//! Program bytecode: what parses re-encodes to itself, prints as assembly that
//! assembles back to the same program, and disassembles without failing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkvm::Program;

fuzz_target!(|data: &[u8]| {
    let text = zkvm::asm::disassemble(data);
    let Ok(program) = Program::parse(data) else {
        return;
    };
    assert_eq!(program.to_bytes(), data, "bytecode round-trips");
    let asm = program.to_asm();
    let back = Program::from_asm(&asm).unwrap_or_else(|e| panic!("{asm:?} does not assemble: {e}"));
    assert_eq!(back, program, "assembly of {asm:?} round-trips");
    assert_eq!(text, asm, "disassembling valid bytecode prints the program");
});
