//! Hex text of public bytes: the one place the workspace writes IDs, hashes and keys
//! as lowercase hex for people (`Display` and `Debug`).

use core::fmt;

/// Public bytes shown as lowercase hex by both `Display` and `Debug` (so a
/// `debug_struct` field shows the hex without quotes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        // 32 input bytes at a time through a stack buffer: one write per 64 digits.
        let mut text = [0u8; 64];
        for chunk in self.0.chunks(32) {
            for (pair, byte) in text.chunks_exact_mut(2).zip(chunk) {
                pair[0] = DIGITS[usize::from(byte >> 4)];
                pair[1] = DIGITS[usize::from(byte & 0x0f)];
            }
            let digits = core::str::from_utf8(&text[..2 * chunk.len()]).map_err(|_| fmt::Error)?;
            f.write_str(digits)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Implements `Display` as lowercase hex and `Debug` as `Name(hex)` for a newtype
/// whose field `.0` is an array of public bytes (an ID or a hash).
///
/// ```
/// struct BlockId([u8; 2]);
/// encoding::hex_display!(BlockId);
/// assert_eq!(BlockId([0xab, 0x01]).to_string(), "ab01");
/// assert_eq!(format!("{:?}", BlockId([0xab, 0x01])), "BlockId(ab01)");
/// ```
#[macro_export]
macro_rules! hex_display {
    ($t:ident) => {
        impl ::core::fmt::Display for $t {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&$crate::Hex(&self.0), f)
            }
        }
        impl ::core::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, "{}({})", stringify!($t), self)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Hex;

    #[test]
    fn writes_every_byte_as_two_lowercase_digits() {
        assert_eq!(Hex(&[]).to_string(), "");
        assert_eq!(Hex(&[0x00, 0x0f, 0xa0, 0xff]).to_string(), "000fa0ff");
        assert_eq!(format!("{:?}", Hex(&[0xbe, 0xef])), "beef");
    }

    #[test]
    fn inputs_longer_than_one_chunk_are_written_whole() {
        // Past one 32-byte chunk, and not a multiple of it.
        let bytes: Vec<u8> = (0..=255u8).chain(0..7).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Hex(&bytes).to_string(), expected);
    }
}
