//! Explicit little-endian consensus encoding shared by every crate, and the hex text
//! of public bytes ([`Hex`], [`hex_display!`]).
//!
//! The wire formats of v1 are written by hand: integers are little-endian, byte
//! strings carry an explicit 32-bit length where the format says so, scalars must be
//! canonical, and a decoder refuses trailing bytes. [`Reader`] never allocates: it
//! hands out slices of its input, and a length read from the input is checked against
//! what remains before anything is done with it.
#![deny(missing_docs)]

mod hex;
mod uniform;

pub use hex::Hex;
pub use uniform::{random_point, random_scalar};

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;

/// What can go wrong while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The input ended before a field was complete.
    #[error("input truncated: needed {needed} bytes, {remaining} remain")]
    Truncated {
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// Bytes were left over after a complete value.
    #[error("{remaining} trailing bytes after the value")]
    TrailingBytes {
        /// How many bytes were left.
        remaining: usize,
    },
    /// A scalar was not reduced modulo the group order.
    #[error("scalar is not canonical")]
    NonCanonicalScalar,
    /// A count read from the input could not fit in what remains of it.
    #[error(
        "count {count} of items of at least {item_size} bytes exceeds the {remaining} bytes left"
    )]
    CountTooLarge {
        /// The count that was read.
        count: usize,
        /// The smallest encoded size of one item.
        item_size: usize,
        /// Bytes left in the input.
        remaining: usize,
    },
}

/// Reads a value from the front of a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading at the front of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Decodes one whole value with `f`, refusing trailing bytes.
    pub fn parse<T, E>(bytes: &'a [u8], f: impl FnOnce(&mut Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<EncodingError>,
    {
        let mut reader = Reader::new(bytes);
        let value = f(&mut reader)?;
        reader.finish()?;
        Ok(value)
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes not yet read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// Fails unless every byte was read.
    pub fn finish(&self) -> Result<(), EncodingError> {
        match self.bytes.len() {
            0 => Ok(()),
            remaining => Err(EncodingError::TrailingBytes { remaining }),
        }
    }

    /// Reads the next `n` bytes as a slice of the input.
    pub fn read_bytes(&mut self, n: usize) -> Result<&'a [u8], EncodingError> {
        if n > self.bytes.len() {
            return Err(EncodingError::Truncated {
                needed: n,
                remaining: self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// Reads the next `N` bytes as an array.
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], EncodingError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.read_bytes(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn read_u8(&mut self) -> Result<u8, EncodingError> {
        Ok(self.read_array::<1>()?[0])
    }

    /// Reads a little-endian 32-bit integer.
    pub fn read_u32(&mut self) -> Result<u32, EncodingError> {
        Ok(u32::from_le_bytes(self.read_array()?))
    }

    /// Reads a little-endian 64-bit integer.
    pub fn read_u64(&mut self) -> Result<u64, EncodingError> {
        Ok(u64::from_le_bytes(self.read_array()?))
    }

    /// Reads a 32-bit count of items whose encodings take at least `item_size` bytes
    /// each, and fails if that many could not fit in the rest of the input. Callers
    /// may then allocate `count` items safely.
    pub fn read_count(&mut self, item_size: usize) -> Result<usize, EncodingError> {
        let count = self.read_u32()? as usize;
        let remaining = self.bytes.len();
        if count.saturating_mul(item_size.max(1)) > remaining {
            return Err(EncodingError::CountTooLarge {
                count,
                item_size,
                remaining,
            });
        }
        Ok(count)
    }

    /// Reads a byte string preceded by its 32-bit length.
    pub fn read_len_prefixed(&mut self) -> Result<&'a [u8], EncodingError> {
        let n = self.read_u32()? as usize;
        self.read_bytes(n)
    }

    /// Reads a canonical 32-byte scalar.
    pub fn read_scalar(&mut self) -> Result<Scalar, EncodingError> {
        let bytes = self.read_array::<32>()?;
        Option::from(Scalar::from_canonical_bytes(bytes)).ok_or(EncodingError::NonCanonicalScalar)
    }

    /// Reads a 32-byte compressed Ristretto point. It is not decompressed here: the
    /// caller decides when (and whether) to pay for that.
    pub fn read_point(&mut self) -> Result<CompressedRistretto, EncodingError> {
        Ok(CompressedRistretto(self.read_array::<32>()?))
    }
}

/// Little-endian writing into a byte vector.
pub trait Writer {
    /// Appends raw bytes.
    fn write_bytes(&mut self, bytes: &[u8]);

    /// Appends one byte.
    fn write_u8(&mut self, x: u8) {
        self.write_bytes(&[x]);
    }

    /// Appends a little-endian 32-bit integer.
    fn write_u32(&mut self, x: u32) {
        self.write_bytes(&x.to_le_bytes());
    }

    /// Appends a little-endian 64-bit integer.
    fn write_u64(&mut self, x: u64) {
        self.write_bytes(&x.to_le_bytes());
    }

    /// Appends a byte string preceded by its 32-bit length.
    ///
    /// Byte strings of 4 GiB or more have no v1 encoding; callers build values far
    /// smaller than that, so such a length is a bug and panics.
    fn write_len_prefixed(&mut self, bytes: &[u8]) {
        let len = u32::try_from(bytes.len()).expect("byte string of 4 GiB or more");
        self.write_u32(len);
        self.write_bytes(bytes);
    }

    /// Appends a scalar's 32 canonical bytes.
    fn write_scalar(&mut self, s: &Scalar) {
        self.write_bytes(s.as_bytes());
    }

    /// Appends a compressed point's 32 bytes.
    fn write_point(&mut self, p: &CompressedRistretto) {
        self.write_bytes(p.as_bytes());
    }
}

impl Writer for Vec<u8> {
    fn write_bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A value with a consensus encoding.
pub trait Encodable {
    /// Appends the encoding of `self` to `w`.
    fn encode(&self, w: &mut Vec<u8>);

    /// The exact length of the encoding.
    fn encoded_len(&self) -> usize;

    /// The encoding as a fresh vector of exactly the right capacity.
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_little_endian() {
        let mut w = Vec::new();
        w.write_u8(7);
        w.write_u32(0x0102_0304);
        w.write_u64(0x0102_0304_0506_0708);
        assert_eq!(w, [7, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1]);
        let (a, b, c) = Reader::parse(&w, |r| {
            Ok::<_, EncodingError>((r.read_u8()?, r.read_u32()?, r.read_u64()?))
        })
        .unwrap();
        assert_eq!((a, b, c), (7, 0x0102_0304, 0x0102_0304_0506_0708));
    }

    #[test]
    fn truncation_is_reported_with_sizes() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(
            r.read_u32(),
            Err(EncodingError::Truncated {
                needed: 4,
                remaining: 3
            })
        );
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let err = Reader::parse(&[1, 2], |r| r.read_u8()).unwrap_err();
        assert_eq!(err, EncodingError::TrailingBytes { remaining: 1 });
    }

    #[test]
    fn counts_beyond_the_input_are_refused_before_allocation() {
        let mut bytes = Vec::new();
        bytes.write_u32(u32::MAX);
        bytes.extend_from_slice(&[0u8; 64]);
        let mut r = Reader::new(&bytes);
        assert!(matches!(
            r.read_count(32),
            Err(EncodingError::CountTooLarge { count, .. }) if count == u32::MAX as usize
        ));
        let mut bytes = Vec::new();
        bytes.write_u32(2);
        bytes.extend_from_slice(&[0u8; 64]);
        assert_eq!(Reader::new(&bytes).read_count(32), Ok(2));
    }

    #[test]
    fn length_prefixed_strings_round_trip() {
        let mut w = Vec::new();
        w.write_len_prefixed(b"hello");
        assert_eq!(
            Reader::parse(&w, |r| r.read_len_prefixed()).unwrap(),
            b"hello"
        );
        let mut short = Vec::new();
        short.write_u32(10);
        short.extend_from_slice(b"abc");
        assert!(matches!(
            Reader::new(&short).read_len_prefixed(),
            Err(EncodingError::Truncated {
                needed: 10,
                remaining: 3
            })
        ));
    }

    #[test]
    fn non_canonical_scalars_are_refused() {
        let mut w = Vec::new();
        w.write_scalar(&Scalar::from(5u64));
        assert_eq!(Reader::new(&w).read_scalar(), Ok(Scalar::from(5u64)));
        assert_eq!(
            Reader::new(&[0xff; 32]).read_scalar(),
            Err(EncodingError::NonCanonicalScalar)
        );
    }

    proptest::proptest! {
        #[test]
        fn reading_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let mut r = Reader::new(&bytes);
            let _ = r.read_count(8);
            let _ = r.read_len_prefixed();
            let _ = r.read_scalar();
            let _ = r.read_u64();
        }
    }
}
