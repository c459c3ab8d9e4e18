//! Assembly: a readable text form of programs that parses back to the same bytecode.
//!
//! Instructions are separated by whitespace; `#` starts a comment to the end of the
//! line. Immediate data follows a colon:
//!
//! ```text
//! push:0x0a0b        push:"text"         program:[drop dup:0]   program:0x00ff
//! dup:1  roll:2  output:1  contract:3  cloak:2:3  ext:0x40
//! ```
//!
//! A string prints quoted when it is printable ASCII without `"` or `\`, and as hex
//! otherwise. A nested program prints as nested assembly when its bytecode decodes,
//! and as hex otherwise. Secrets carried by prover instructions are not printed: the
//! text shows the bytes they encode to.

use crate::errors::VmError;
use crate::ops::{Instruction, Opcode};
use crate::program::{Program, ProgramItem};
use crate::types::Data;
use core::fmt;
use encoding::Encodable;

/// Programs nested deeper than this print as hex, and do not parse as nested
/// assembly, so printing and parsing never recurse deeper.
pub const MAX_NESTING: usize = 32;

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_program_body(f, self, 0)
    }
}

fn write_program_body(f: &mut fmt::Formatter<'_>, p: &Program, depth: usize) -> fmt::Result {
    for (i, instr) in p.instructions().iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write_instruction(f, instr, depth)?;
    }
    Ok(())
}

impl core::str::FromStr for Program {
    type Err = VmError;
    fn from_str(text: &str) -> Result<Program, VmError> {
        Program::from_asm(text)
    }
}

impl Program {
    /// Parses assembly.
    pub fn from_asm(text: &str) -> Result<Program, VmError> {
        let mut parser = Parser {
            text: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        parser.sequence(false)
    }

    /// The program as assembly.
    pub fn to_asm(&self) -> String {
        self.to_string()
    }
}

fn write_instruction(f: &mut fmt::Formatter<'_>, instr: &Instruction, depth: usize) -> fmt::Result {
    let Some(op) = instr.opcode() else {
        return write!(f, "ext:0x{:02x}", instr.code());
    };
    f.write_str(op.name())?;
    match instr {
        Instruction::Push(d) => write_data(f, d),
        Instruction::Program(p) => write_program(f, p, depth + 1),
        Instruction::Dup(k)
        | Instruction::Roll(k)
        | Instruction::Output(k)
        | Instruction::Contract(k) => write!(f, ":{k}"),
        Instruction::Cloak(m, n) => write!(f, ":{m}:{n}"),
        _ => Ok(()),
    }
}

fn write_data(f: &mut fmt::Formatter<'_>, d: &Data) -> fmt::Result {
    let bytes = d.to_bytes();
    if !bytes.is_empty() && bytes.iter().all(|b| is_quotable(*b)) {
        // Every byte is printable ASCII, so this is valid UTF-8.
        write!(f, ":\"{}\"", String::from_utf8_lossy(&bytes))
    } else {
        write!(f, ":0x{}", hex::encode(bytes))
    }
}

fn write_program(f: &mut fmt::Formatter<'_>, p: &ProgramItem, depth: usize) -> fmt::Result {
    let parsed = match p {
        _ if depth > MAX_NESTING => return write!(f, ":0x{}", hex::encode(p.to_bytes())),
        ProgramItem::Program(p) => Ok(p.clone()),
        ProgramItem::Bytecode(b) => Program::parse(b),
        ProgramItem::Shared(b) => Program::parse(b.as_slice()),
    };
    match parsed {
        Ok(p) => {
            f.write_str(":[")?;
            write_program_body(f, &p, depth)?;
            f.write_str("]")
        }
        Err(_) => write!(f, ":0x{}", hex::encode(p.to_bytes())),
    }
}

fn is_quotable(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'
}

/// A recursive-descent parser over the text's bytes.
struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    /// Instructions up to the end of the text, or up to a `]` when `nested`.
    fn sequence(&mut self, nested: bool) -> Result<Program, VmError> {
        let mut program = Program::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None if nested => return Err(self.error("unclosed `[`")),
                None => return Ok(program),
                Some(b']') if nested => {
                    self.pos += 1;
                    return Ok(program);
                }
                Some(b']') => return Err(self.error("unexpected `]`")),
                Some(_) => {
                    program.instruction(self.instruction()?);
                }
            }
        }
    }

    fn instruction(&mut self) -> Result<Instruction, VmError> {
        let name = self.word();
        if name == "ext" {
            self.expect(b':')?;
            return self.extension();
        }
        let op = Opcode::from_name(&name)
            .ok_or_else(|| self.error(&format!("unknown instruction `{name}`")))?;
        Ok(match op {
            Opcode::Push => {
                self.expect(b':')?;
                Instruction::Push(Data::Opaque(self.bytes_or_text()?))
            }
            Opcode::Program => {
                self.expect(b':')?;
                Instruction::Program(self.program_argument()?)
            }
            Opcode::Dup => Instruction::Dup(self.count()?),
            Opcode::Roll => Instruction::Roll(self.count()?),
            Opcode::Output => Instruction::Output(self.count()?),
            Opcode::Contract => Instruction::Contract(self.count()?),
            Opcode::Cloak => Instruction::Cloak(self.count()?, self.count()?),
            op => Instruction::simple(op),
        })
    }

    fn extension(&mut self) -> Result<Instruction, VmError> {
        let bytes = self.hex()?;
        match bytes.as_slice() {
            [b] if Opcode::from_u8(*b).is_none() => Ok(Instruction::Ext(*b)),
            [b] => Err(self.error(&format!(
                "0x{b:02x} is assigned; write its name instead of ext"
            ))),
            _ => Err(self.error("ext takes one byte")),
        }
    }

    fn program_argument(&mut self) -> Result<ProgramItem, VmError> {
        if self.peek() == Some(b'[') {
            if self.depth >= MAX_NESTING {
                return Err(self.error("programs nested too deep; write the inner one as hex"));
            }
            self.pos += 1;
            self.depth += 1;
            let inner = self.sequence(true)?;
            self.depth -= 1;
            Ok(ProgramItem::Program(inner))
        } else {
            Ok(ProgramItem::Bytecode(self.hex()?))
        }
    }

    fn bytes_or_text(&mut self) -> Result<Vec<u8>, VmError> {
        if self.peek() != Some(b'"') {
            return self.hex();
        }
        self.pos += 1;
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b'"' {
                let text = self.text[start..self.pos].to_vec();
                self.pos += 1;
                return Ok(text);
            }
            if !is_quotable(b) {
                return Err(self.error("strings in quotes must be printable ASCII without `\\`"));
            }
            self.pos += 1;
        }
        Err(self.error("unclosed string"))
    }

    fn hex(&mut self) -> Result<Vec<u8>, VmError> {
        if !self.text[self.pos..].starts_with(b"0x") {
            return Err(self.error("expected `0x` and hex digits"));
        }
        self.pos += 2;
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        hex::decode(&self.text[start..self.pos]).map_err(|e| self.error(&format!("bad hex: {e}")))
    }

    /// `:` and a decimal u32.
    fn count(&mut self) -> Result<u32, VmError> {
        self.expect(b':')?;
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        core::str::from_utf8(&self.text[start..self.pos])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.error("expected a count from 0 to 2^32-1"))
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.pos]).into_owned()
    }

    fn expect(&mut self, byte: u8) -> Result<(), VmError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", byte as char)))
        }
    }

    fn skip_blank(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'#' {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.pos += 1;
                }
            } else if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                return;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn error(&self, message: &str) -> VmError {
        let line = 1 + self.text[..self.pos.min(self.text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        VmError::Assembly {
            line,
            message: message.to_string(),
        }
    }
}

/// Prints bytecode as assembly (or as hex if it does not decode).
pub fn disassemble(bytecode: &[u8]) -> String {
    match Program::parse(bytecode) {
        Ok(p) => p.to_string(),
        Err(_) => format!("0x{}", hex::encode(bytecode)),
    }
}

/// Parses assembly into bytecode.
pub fn assemble(text: &str) -> Result<Vec<u8>, VmError> {
    Ok(Program::from_asm(text)?.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_every_form() {
        let text = r#"push:0x0a0b push:"hi there" push:0x program:[drop dup:0 program:[eval]] program:0x00ff dup:1 roll:2 output:1 contract:3 cloak:2:3 ext:0x40 signtag"#;
        let p = Program::from_asm(text).unwrap();
        assert_eq!(p.to_string(), text);
        assert_eq!(
            Program::from_asm(&p.to_string()).unwrap().to_bytes(),
            p.to_bytes()
        );
    }

    #[test]
    fn deep_nesting_prints_as_hex_and_round_trips() {
        let mut bytes = vec![0x02];
        for _ in 0..(MAX_NESTING + 5) {
            let mut outer = vec![0x01];
            outer.extend((bytes.len() as u32).to_le_bytes());
            outer.extend(bytes);
            bytes = outer;
        }
        let text = disassemble(&bytes);
        assert!(text.contains(":0x"));
        assert_eq!(assemble(&text).unwrap(), bytes);
        let deep = "program:[".repeat(MAX_NESTING + 1) + &"]".repeat(MAX_NESTING + 1);
        assert!(Program::from_asm(&deep).is_err());
    }

    #[test]
    fn comments_and_newlines_are_blank() {
        let p = Program::from_asm("drop # a comment\n  dup:0\n#end").unwrap();
        assert_eq!(p.to_string(), "drop dup:0");
    }

    #[test]
    fn errors_name_the_line() {
        let err = Program::from_asm("drop\nfrobnicate").unwrap_err();
        assert!(matches!(err, VmError::Assembly { line: 2, .. }));
        for bad in [
            "dup",
            "dup:x",
            "push:zz",
            "program:[drop",
            "]",
            "ext:0x02",
            "cloak:1",
            "push:\"open",
            "dup:4294967296",
        ] {
            assert!(Program::from_asm(bad).is_err(), "{bad}");
        }
    }
}
