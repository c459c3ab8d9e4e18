//! Notes: the opening of an output, encrypted to its recipient, carried in the
//! transaction log as a data entry.
//!
//! ```text
//! sender:    r random, R = r·B, S = r·E          (E: recipient's encryption key)
//! recipient: S = e·R
//! T = Transcript("ZkVM.wallet.note"); T.append("R", R); T.append("E", E); T.append("S", S)
//! k = T.challenge_bytes("key", 32)               ChaCha20-Poly1305 key
//! t = T.challenge_bytes("tweak", 64) mod ℓ       the payment key is C + t·B
//! entry = "zkn1" || R || ChaCha20-Poly1305(k, nonce 0, aad "zkn1" || R, plaintext)
//! plaintext = kind (1) || index (LE64) || qty (LE64) || flavor || qty blinding || flv blinding
//! ```
//!
//! The key is used once (a fresh `r` per note), so the zero nonce never repeats.

use crate::errors::WalletError;
use crate::keys::random_scalar;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// The first bytes of every note entry, so scanners skip other data cheaply.
pub const NOTE_TAG: &[u8; 4] = b"zkn1";
/// Size of the plaintext.
const PLAINTEXT_LEN: usize = 1 + 8 + 8 + 32 * 3;
/// Size of a note entry.
pub const NOTE_LEN: usize = 4 + 32 + PLAINTEXT_LEN + 16;

/// Which key of the recipient's account controls the output.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// The address's control key, adjusted by the note's tweak: `C + t·B`.
    Address,
    /// One-time key `i` of the account's sequence (a payment request).
    Request(u64),
}

/// The secrets of an output: what its owner needs to spend it.
#[derive(Clone, PartialEq, Eq)]
pub struct Opening {
    /// Which key controls it.
    pub key: KeyKind,
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flavor: Scalar,
    /// The quantity commitment's blinding factor.
    pub qty_blinding: Scalar,
    /// The flavor commitment's blinding factor.
    pub flv_blinding: Scalar,
}

impl Drop for Opening {
    fn drop(&mut self) {
        self.qty.zeroize();
        self.flavor.zeroize();
        self.qty_blinding.zeroize();
        self.flv_blinding.zeroize();
    }
}

impl core::fmt::Debug for Opening {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Opening")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Opening {
    /// An opening with fresh blinding factors.
    pub fn random<R: RngCore + CryptoRng>(
        key: KeyKind,
        qty: u64,
        flavor: Scalar,
        rng: &mut R,
    ) -> Self {
        Opening {
            key,
            qty,
            flavor,
            qty_blinding: random_scalar(rng),
            flv_blinding: random_scalar(rng),
        }
    }

    /// Appends the plaintext encoding.
    pub fn encode(&self, w: &mut Vec<u8>) {
        let (kind, index) = match self.key {
            KeyKind::Address => (0u8, 0u64),
            KeyKind::Request(i) => (1u8, i),
        };
        w.write_u8(kind);
        w.write_u64(index);
        w.write_u64(self.qty);
        w.write_scalar(&self.flavor);
        w.write_scalar(&self.qty_blinding);
        w.write_scalar(&self.flv_blinding);
    }

    /// Reads the plaintext encoding.
    pub fn decode(r: &mut Reader<'_>) -> Result<Opening, WalletError> {
        let kind = r.read_u8()?;
        let index = r.read_u64()?;
        let key = match (kind, index) {
            // The address key has no index: one encoding per opening.
            (0, 0) => KeyKind::Address,
            (0, _) => return Err(WalletError::Malformed { what: "key index" }),
            (1, index) => KeyKind::Request(index),
            _ => return Err(WalletError::Malformed { what: "key kind" }),
        };
        Ok(Opening {
            key,
            qty: r.read_u64()?,
            flavor: r.read_scalar()?,
            qty_blinding: r.read_scalar()?,
            flv_blinding: r.read_scalar()?,
        })
    }
}

/// What a note's key agreement yields.
struct NoteKeys {
    aead: Zeroizing<[u8; 32]>,
    tweak: Scalar,
}

fn note_keys(
    r_point: &CompressedRistretto,
    e: &CompressedRistretto,
    s: &CompressedRistretto,
) -> NoteKeys {
    let mut t = Transcript::new(b"ZkVM.wallet.note");
    t.append_message(b"R", r_point.as_bytes());
    t.append_message(b"E", e.as_bytes());
    t.append_message(b"S", s.as_bytes());
    let mut aead = Zeroizing::new([0u8; 32]);
    t.challenge_bytes(b"key", &mut aead[..]);
    let mut wide = [0u8; 64];
    t.challenge_bytes(b"tweak", &mut wide);
    let tweak = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    NoteKeys { aead, tweak }
}

/// Encrypts `opening` to the encryption key `e`. Returns the note entry and the
/// tweak `t` of the payment key `C + t·B`.
pub fn seal<R: RngCore + CryptoRng>(
    e: &RistrettoPoint,
    opening: &Opening,
    rng: &mut R,
) -> (Vec<u8>, Scalar) {
    let mut r = random_scalar(rng);
    let r_point = RistrettoPoint::mul_base(&r).compress();
    let keys = note_keys(&r_point, &e.compress(), &(r * e).compress());
    r.zeroize();
    let mut plaintext = Zeroizing::new(Vec::with_capacity(PLAINTEXT_LEN));
    opening.encode(&mut plaintext);
    let mut entry = Vec::with_capacity(NOTE_LEN);
    entry.extend_from_slice(NOTE_TAG);
    entry.extend_from_slice(r_point.as_bytes());
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&keys.aead[..]));
    let payload = Payload {
        msg: &plaintext,
        aad: &entry,
    };
    let sealed = cipher
        .encrypt(Nonce::from_slice(&[0u8; 12]), payload)
        .expect("ChaCha20-Poly1305 encrypts any message of this size");
    entry.extend_from_slice(&sealed);
    (entry, keys.tweak)
}

/// A note's recipient side: the secret `e` and its public key `E`.
#[derive(Clone)]
pub struct NoteOpener {
    secret: Scalar,
    public: CompressedRistretto,
}

impl Drop for NoteOpener {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl NoteOpener {
    /// The opener of encryption secret `e`.
    pub fn new(secret: &Scalar) -> Self {
        NoteOpener {
            secret: *secret,
            public: RistrettoPoint::mul_base(secret).compress(),
        }
    }

    /// The public encryption key.
    pub fn public_key(&self) -> CompressedRistretto {
        self.public
    }

    /// Trial-decrypts a data entry: `None` unless it is a note for this key (a wrong
    /// tag, length, point or authentication tag all mean "not ours").
    pub fn open(&self, entry: &[u8]) -> Option<(Opening, Scalar)> {
        let s = self.secret * note_point(entry)?.decompress()?;
        self.open_shared(entry, &s.compress())
    }

    /// Trial-decrypts many entries, as [`NoteOpener::open`] does each, with the
    /// shared points encoded in one batch (one field inversion for all of them
    /// instead of one each): `S = e·R` is encoded as the double of `(e/2)·R`.
    pub fn open_batch(&self, entries: &[&[u8]]) -> Vec<Option<(Opening, Scalar)>> {
        let mut half = self.secret * Scalar::from(2u64).invert();
        let halves: Vec<Option<RistrettoPoint>> = entries
            .iter()
            .map(|entry| Some(half * note_point(entry)?.decompress()?))
            .collect();
        half.zeroize();
        let points: Vec<&RistrettoPoint> = halves.iter().flatten().collect();
        let mut shared = RistrettoPoint::double_and_compress_batch(points).into_iter();
        entries
            .iter()
            .zip(&halves)
            .map(|(entry, half)| {
                half.as_ref()?;
                self.open_shared(entry, &shared.next()?)
            })
            .collect()
    }

    /// Opens a note entry whose shared point `S = e·R` is `s`.
    fn open_shared(&self, entry: &[u8], s: &CompressedRistretto) -> Option<(Opening, Scalar)> {
        let r_point = note_point(entry)?;
        let keys = note_keys(&r_point, &self.public, s);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&keys.aead[..]));
        let payload = Payload {
            msg: &entry[36..],
            aad: &entry[..36],
        };
        let plaintext = Zeroizing::new(
            cipher
                .decrypt(Nonce::from_slice(&[0u8; 12]), payload)
                .ok()?,
        );
        let opening = Reader::parse(&plaintext, Opening::decode).ok()?;
        Some((opening, keys.tweak))
    }
}

/// The key-agreement point `R` of an entry that has a note's tag and length.
fn note_point(entry: &[u8]) -> Option<CompressedRistretto> {
    if entry.len() != NOTE_LEN || &entry[..4] != NOTE_TAG {
        return None;
    }
    CompressedRistretto::from_slice(&entry[4..36]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_batch_opens_what_each_entry_opens() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let e = Scalar::from(77u64);
        let opener = NoteOpener::new(&e);
        let mine = RistrettoPoint::mul_base(&e);
        let theirs = RistrettoPoint::mul_base(&Scalar::from(5u64));
        let mut entries: Vec<Vec<u8>> = (0..7u64)
            .map(|i| {
                let to = if i % 3 == 0 { &mine } else { &theirs };
                let opening = Opening::random(KeyKind::Address, i, Scalar::ONE, &mut rng);
                seal(to, &opening, &mut rng).0
            })
            .collect();
        entries.push(b"zkn1 short".to_vec());
        let mut bad_point = entries[0].clone();
        bad_point[4..36].copy_from_slice(&[0xff; 32]);
        entries.insert(2, bad_point);
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let one_by_one: Vec<_> = refs.iter().map(|e| opener.open(e)).collect();
        assert_eq!(opener.open_batch(&refs), one_by_one);
        assert_eq!(one_by_one.iter().flatten().count(), 3);
        assert!(opener.open_batch(&[]).is_empty());
    }

    /// Found by the `wallet` fuzz target: an address opening with a non-zero index
    /// decoded, and re-encoded differently.
    #[test]
    fn an_address_opening_with_an_index_is_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let opening = Opening::random(KeyKind::Address, 1000, Scalar::from(5u64), &mut rng);
        let mut bytes = Vec::new();
        opening.encode(&mut bytes);
        assert!(Reader::parse(&bytes, Opening::decode).is_ok_and(|o| o == opening));
        bytes[2] = 1;
        assert!(matches!(
            Reader::parse(&bytes, Opening::decode),
            Err(WalletError::Malformed { what: "key index" })
        ));
    }

    #[test]
    fn only_the_recipient_opens_a_note() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let e = Scalar::from(77u64);
        let opener = NoteOpener::new(&e);
        let opening = Opening::random(KeyKind::Request(5), 42, Scalar::from(9u64), &mut rng);
        let (entry, tweak) = seal(&RistrettoPoint::mul_base(&e), &opening, &mut rng);
        assert_eq!(entry.len(), NOTE_LEN);
        let (back, t) = opener.open(&entry).expect("opens");
        assert_eq!(back, opening);
        assert_eq!(t, tweak);
        assert!(NoteOpener::new(&Scalar::from(78u64)).open(&entry).is_none());
        let mut tampered = entry.clone();
        tampered[50] ^= 1;
        assert!(opener.open(&tampered).is_none());
        assert!(opener.open(&entry[..NOTE_LEN - 1]).is_none());
        assert!(!format!("{back:?}").contains("42"));
    }

    #[test]
    fn each_note_has_its_own_key_agreement() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let e = RistrettoPoint::mul_base(&Scalar::from(7u64));
        let opening = Opening::random(KeyKind::Address, 1, Scalar::ZERO, &mut rng);
        let (a, ta) = seal(&e, &opening, &mut rng);
        let (b, tb) = seal(&e, &opening, &mut rng);
        assert_ne!(a, b);
        assert_ne!(ta, tb);
    }
}
