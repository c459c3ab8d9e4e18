//! Notes: the opening of an output, encrypted to its recipient, carried in the
//! transaction log as a data entry.
//!
//! ```text
//! sender:    r random, R = r·B, S = r·E          (E: recipient's encryption key)
//! recipient: S = e·R
//! T = Transcript("ZkVM.wallet.note"); T.append("R", R); T.append("E", E); T.append("S", S)
//! k = T.challenge_bytes("key", 32)               ChaCha20-Poly1305 key
//! entry = tag || R || ChaCha20-Poly1305(k, nonce 0, aad tag || R, plaintext)
//! version 1: tag "zkn1", plaintext = opening,
//!            t = T.challenge_bytes("tweak", 64) mod ℓ      the payment key is C + t·B
//! version 2: tag "zkn2", plaintext = opening || LE16 memo length || memo
//!            || asset flag (1) [|| issuer (32) || metadata length (1) || metadata],
//!            b = T.challenge_bytes("binding", 32)
//!            U = Transcript("ZkVM.wallet.note-tweak"); U.append("R", R); U.append("E", E);
//!            U.append("b", b); t = U.challenge_bytes("tweak", 64) mod ℓ
//! opening = kind (1) || index (LE64) || qty (LE64) || flavor || qty blinding || flv blinding
//! ```
//!
//! The key is used once (a fresh `r` per note), so the zero nonce never repeats. In
//! version 2 the tweak goes through the binding value `b`, which a payment
//! disclosure reveals ([`crate::disclosure`]): it ties the payment key to `R` and
//! `E` without giving the note's key `k`.
//! Wallets write version 2 and open both. The memo (at most [`MAX_MEMO_LEN`] bytes)
//! is the sender's message to the recipient; the asset part names the flavor: the
//! issuer key and metadata whose issuance flavor it is, which the recipient checks by
//! computing `issue_flavor(issuer, metadata)`.

use crate::errors::WalletError;
use crate::keys::{random_scalar, SecretScalar};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkvm::issue_flavor;

/// The first bytes of every note entry of every version, so scanners skip other data
/// cheaply.
pub const NOTE_TAG: &[u8; 3] = b"zkn";
/// The tag of version 1 notes (an opening only).
const TAG_V1: &[u8; 4] = b"zkn1";
/// The tag of version 2 notes (an opening, a memo, an asset name).
const TAG_V2: &[u8; 4] = b"zkn2";
/// Size of an encoded opening.
pub const OPENING_LEN: usize = 1 + 8 + 8 + 32 * 3;
/// Size of a version 1 note entry.
pub const NOTE_V1_LEN: usize = 4 + 32 + OPENING_LEN + 16;
/// The most bytes a memo holds.
pub const MAX_MEMO_LEN: usize = 512;
/// The most metadata bytes a note carries to name an asset.
pub const MAX_ASSET_METADATA: usize = u8::MAX as usize;
/// Size of a version 2 note entry without memo and asset name.
pub const NOTE_V2_MIN_LEN: usize = 4 + 32 + OPENING_LEN + 2 + 1 + 16;
/// The largest note entry of any version.
pub const NOTE_MAX_LEN: usize = NOTE_V2_MIN_LEN + MAX_MEMO_LEN + 32 + 1 + MAX_ASSET_METADATA;

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

/// A message from the sender to the recipient: 1 to [`MAX_MEMO_LEN`] bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Memo(Vec<u8>);

impl Memo {
    /// A memo of `bytes`; [`WalletError::MemoLength`] if it is empty or too long.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Memo, WalletError> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > MAX_MEMO_LEN {
            return Err(WalletError::MemoLength {
                length: bytes.len(),
                max: MAX_MEMO_LEN,
            });
        }
        Ok(Memo(bytes))
    }

    /// The memo's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The memo as text, if it is UTF-8.
    pub fn as_text(&self) -> Option<&str> {
        core::str::from_utf8(&self.0).ok()
    }
}

impl core::str::FromStr for Memo {
    type Err = WalletError;

    fn from_str(text: &str) -> Result<Memo, WalletError> {
        Memo::new(text.as_bytes())
    }
}

impl core::fmt::Debug for Memo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Memo({} bytes)", self.0.len())
    }
}

/// What names a flavor: the issuer key and the metadata of its issuance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetName {
    issuer: CompressedRistretto,
    metadata: Vec<u8>,
}

impl AssetName {
    /// The name of the flavor `issuer` issues under `metadata`; `None` when the
    /// metadata is longer than a note carries ([`MAX_ASSET_METADATA`]).
    pub fn new(issuer: CompressedRistretto, metadata: &[u8]) -> Option<AssetName> {
        (metadata.len() <= MAX_ASSET_METADATA).then(|| AssetName {
            issuer,
            metadata: metadata.to_vec(),
        })
    }

    /// The issuer's predicate point.
    pub fn issuer(&self) -> &CompressedRistretto {
        &self.issuer
    }

    /// The metadata written at issuance.
    pub fn metadata(&self) -> &[u8] {
        &self.metadata
    }

    /// The flavor these issue: `issue_flavor(issuer, metadata)`.
    pub fn flavor(&self) -> Scalar {
        issue_flavor(&self.issuer, &self.metadata)
    }

    /// The metadata as text when it is printable UTF-8, else as hex.
    pub fn display(&self) -> String {
        match core::str::from_utf8(&self.metadata) {
            Ok(text) if !text.chars().any(char::is_control) => text.to_string(),
            _ => hex::encode(&self.metadata),
        }
    }
}

/// What a version 2 note says: the opening, and optionally a memo and the asset's
/// name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotePlaintext {
    /// The output's opening.
    pub opening: Opening,
    /// The sender's memo.
    pub memo: Option<Memo>,
    /// The name of the output's flavor.
    pub asset: Option<AssetName>,
}

impl NotePlaintext {
    /// A plaintext of `opening` alone.
    pub fn new(opening: Opening) -> Self {
        NotePlaintext {
            opening,
            memo: None,
            asset: None,
        }
    }

    /// Appends the version 2 encoding.
    pub fn encode(&self, w: &mut Vec<u8>) {
        self.opening.encode(w);
        let memo = self.memo.as_ref().map_or(&[][..], Memo::as_bytes);
        w.write_bytes(&(memo.len() as u16).to_le_bytes());
        w.write_bytes(memo);
        match &self.asset {
            None => w.write_u8(0),
            Some(asset) => {
                w.write_u8(1);
                w.write_point(&asset.issuer);
                w.write_u8(asset.metadata.len() as u8);
                w.write_bytes(&asset.metadata);
            }
        }
    }

    /// Reads the version 2 encoding.
    pub fn decode(r: &mut Reader<'_>) -> Result<NotePlaintext, WalletError> {
        let opening = Opening::decode(r)?;
        let memo_len = u16::from_le_bytes(r.read_array()?) as usize;
        let memo = match memo_len {
            0 => None,
            n => Some(Memo::new(r.read_bytes(n)?)?),
        };
        let asset = match r.read_u8()? {
            0 => None,
            1 => {
                let issuer = r.read_point()?;
                let len = r.read_u8()? as usize;
                AssetName::new(issuer, r.read_bytes(len)?)
            }
            _ => return Err(WalletError::Malformed { what: "asset flag" }),
        };
        Ok(NotePlaintext {
            opening,
            memo,
            asset,
        })
    }

    fn encoded_len(&self) -> usize {
        let memo = self.memo.as_ref().map_or(0, |m| m.0.len());
        let asset = self.asset.as_ref().map_or(0, |a| 32 + 1 + a.metadata.len());
        OPENING_LEN + 2 + memo + 1 + asset
    }
}

/// A note made by [`seal_note`].
pub struct SealedNote {
    /// The log entry.
    pub entry: Vec<u8>,
    /// The tweak `t` of the payment key `C + t·B`.
    pub tweak: Scalar,
    /// The sender's secret `r` (with the recipient's `E`, it opens the note again).
    pub secret: SecretScalar,
}

/// What a note's key agreement yields.
struct NoteKeys {
    aead: Zeroizing<[u8; 32]>,
    tweak: Scalar,
    binding: Option<NoteBinding>,
}

/// A version 2 note's binding value `b`: with `R` and `E` it gives the tweak
/// ([`binding_tweak`]) and nothing else, so a payment disclosure can show that the
/// output's key was made for the address's encryption key without opening the note.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteBinding(pub Zeroizing<[u8; 32]>);

impl core::fmt::Debug for NoteBinding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NoteBinding(<redacted>)")
    }
}

fn note_keys(
    tag: &[u8],
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
    if tag == TAG_V1 {
        let mut wide = [0u8; 64];
        t.challenge_bytes(b"tweak", &mut wide);
        let tweak = Scalar::from_bytes_mod_order_wide(&wide);
        wide.zeroize();
        return NoteKeys {
            aead,
            tweak,
            binding: None,
        };
    }
    let mut binding = Zeroizing::new([0u8; 32]);
    t.challenge_bytes(b"binding", &mut binding[..]);
    NoteKeys {
        aead,
        tweak: binding_tweak(r_point, e, &binding),
        binding: Some(NoteBinding(binding)),
    }
}

/// The tweak of a version 2 note from its binding value:
/// `Transcript("ZkVM.wallet.note-tweak")`, `append("R", R)`, `append("E", E)`,
/// `append("b", b)`, 64 challenge bytes `"tweak"` reduced modulo ℓ.
pub fn binding_tweak(
    r_point: &CompressedRistretto,
    e: &CompressedRistretto,
    binding: &[u8; 32],
) -> Scalar {
    let mut t = Transcript::new(b"ZkVM.wallet.note-tweak");
    t.append_message(b"R", r_point.as_bytes());
    t.append_message(b"E", e.as_bytes());
    t.append_message(b"b", binding);
    let mut wide = [0u8; 64];
    t.challenge_bytes(b"tweak", &mut wide);
    let tweak = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    tweak
}

/// Encrypts `opening` alone to the encryption key `e` (a version 2 note without memo
/// or asset name). Returns the note entry and the tweak `t` of the payment key
/// `C + t·B`.
pub fn seal<R: RngCore + CryptoRng>(
    e: &RistrettoPoint,
    opening: &Opening,
    rng: &mut R,
) -> (Vec<u8>, Scalar) {
    let sealed = seal_note(e, &NotePlaintext::new(opening.clone()), rng);
    (sealed.entry, sealed.tweak)
}

/// Encrypts `plaintext` to the encryption key `e` as a version 2 note.
pub fn seal_note<R: RngCore + CryptoRng>(
    e: &RistrettoPoint,
    plaintext: &NotePlaintext,
    rng: &mut R,
) -> SealedNote {
    let secret = SecretScalar::new(random_scalar(rng));
    let r_point = RistrettoPoint::mul_base(secret.expose()).compress();
    let shared = (secret.expose() * e).compress();
    let keys = note_keys(TAG_V2, &r_point, &e.compress(), &shared);
    let mut bytes = Zeroizing::new(Vec::with_capacity(plaintext.encoded_len()));
    plaintext.encode(&mut bytes);
    let mut entry = Vec::with_capacity(4 + 32 + bytes.len() + 16);
    entry.extend_from_slice(TAG_V2);
    entry.extend_from_slice(r_point.as_bytes());
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&keys.aead[..]));
    let payload = Payload {
        msg: &bytes,
        aad: &entry,
    };
    let sealed = cipher
        .encrypt(Nonce::from_slice(&[0u8; 12]), payload)
        .expect("ChaCha20-Poly1305 encrypts any message of this size");
    entry.extend_from_slice(&sealed);
    SealedNote {
        entry,
        tweak: keys.tweak,
        secret,
    }
}

/// A note opened: what it says and the tweak of its payment key.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The opening, memo and asset name.
    pub plaintext: NotePlaintext,
    /// The tweak `t` of the payment key `C + t·B`.
    pub tweak: Scalar,
    /// The binding value (version 2 notes).
    pub binding: Option<NoteBinding>,
}

impl core::fmt::Debug for OpenedNote {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpenedNote")
            .field("plaintext", &self.plaintext)
            .finish_non_exhaustive()
    }
}

/// The ephemeral point `R` of a note entry of any version, if it is one.
pub fn note_point(entry: &[u8]) -> Option<CompressedRistretto> {
    if !entry.starts_with(NOTE_TAG) || entry.len() < NOTE_V1_LEN {
        return None;
    }
    CompressedRistretto::from_slice(&entry[4..36]).ok()
}

/// Whether `entry` has the tag and length of a note of a known version: the
/// scanner's cheap rejection, before any curve arithmetic.
pub fn is_note_entry(entry: &[u8]) -> bool {
    match entry.get(..4) {
        Some(tag) if tag == TAG_V1 => entry.len() == NOTE_V1_LEN,
        Some(tag) if tag == TAG_V2 => (NOTE_V2_MIN_LEN..=NOTE_MAX_LEN).contains(&entry.len()),
        _ => false,
    }
}

/// The ephemeral point `R` of an entry that [`is_note_entry`].
fn scanned_point(entry: &[u8]) -> Option<CompressedRistretto> {
    is_note_entry(entry).then(|| note_point(entry)).flatten()
}

/// Opens a note entry with the key agreement's shared point `s` for the recipient
/// key `e`: `None` unless it is a well-formed note of a known version for that key.
fn open_with(entry: &[u8], e: &CompressedRistretto, s: &CompressedRistretto) -> Option<OpenedNote> {
    let r_point = note_point(entry)?;
    let keys = note_keys(&entry[..4], &r_point, e, s);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&keys.aead[..]));
    let payload = Payload {
        msg: &entry[36..],
        aad: &entry[..36],
    };
    let bytes = Zeroizing::new(
        cipher
            .decrypt(Nonce::from_slice(&[0u8; 12]), payload)
            .ok()?,
    );
    let plaintext = match &entry[..4] {
        tag if tag == TAG_V1 => NotePlaintext::new(Reader::parse(&bytes, Opening::decode).ok()?),
        tag if tag == TAG_V2 => Reader::parse(&bytes, NotePlaintext::decode).ok()?,
        _ => return None,
    };
    Some(OpenedNote {
        plaintext,
        tweak: keys.tweak,
        binding: keys.binding,
    })
}

/// Opens a note with the sender's secret `r` and the recipient's key `E` (what the
/// sender's outgoing record keeps): `None` unless the entry is that note.
pub fn open_as_sender(entry: &[u8], r: &Scalar, e: &RistrettoPoint) -> Option<OpenedNote> {
    let r_point = note_point(entry)?;
    if RistrettoPoint::mul_base(r).compress() != r_point || entry.len() > NOTE_MAX_LEN {
        return None;
    }
    open_with(entry, &e.compress(), &(r * e).compress())
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
    /// tag, length, point or authentication tag all mean "not ours"). Returns the
    /// opening and the tweak; [`NoteOpener::open_note`] gives the memo and asset too.
    pub fn open(&self, entry: &[u8]) -> Option<(Opening, Scalar)> {
        self.open_note(entry)
            .map(|note| (note.plaintext.opening.clone(), note.tweak))
    }

    /// Trial-decrypts a data entry of any note version.
    pub fn open_note(&self, entry: &[u8]) -> Option<OpenedNote> {
        let s = self.secret * scanned_point(entry)?.decompress()?;
        open_with(entry, &self.public, &s.compress())
    }

    /// Trial-decrypts many entries, as [`NoteOpener::open_note`] does each, with the
    /// shared points encoded in one batch (one field inversion for all of them
    /// instead of one each): `S = e·R` is encoded as the double of `(e/2)·R`.
    pub fn open_batch(&self, entries: &[&[u8]]) -> Vec<Option<OpenedNote>> {
        let mut half = self.secret * Scalar::from(2u64).invert();
        let halves: Vec<Option<RistrettoPoint>> = entries
            .iter()
            .map(|entry| Some(half * scanned_point(entry)?.decompress()?))
            .collect();
        half.zeroize();
        let points: Vec<&RistrettoPoint> = halves.iter().flatten().collect();
        let mut shared = RistrettoPoint::double_and_compress_batch(points).into_iter();
        entries
            .iter()
            .zip(&halves)
            .map(|(entry, half)| {
                half.as_ref()?;
                open_with(entry, &self.public, &shared.next()?)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
        assert_eq!(entry.len(), NOTE_V2_MIN_LEN);
        let (back, t) = opener.open(&entry).expect("opens");
        assert_eq!(back, opening);
        assert_eq!(t, tweak);
        assert!(NoteOpener::new(&Scalar::from(78u64)).open(&entry).is_none());
        let mut tampered = entry.clone();
        tampered[50] ^= 1;
        assert!(opener.open(&tampered).is_none());
        assert!(opener.open(&entry[..NOTE_V2_MIN_LEN - 1]).is_none());
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

    /// A version 1 note, as wallets wrote before memos.
    fn seal_v1(e: &RistrettoPoint, opening: &Opening, r: &Scalar) -> Vec<u8> {
        let r_point = RistrettoPoint::mul_base(r).compress();
        let keys = note_keys(TAG_V1, &r_point, &e.compress(), &(r * e).compress());
        let mut plaintext = Vec::new();
        opening.encode(&mut plaintext);
        let mut entry = TAG_V1.to_vec();
        entry.extend_from_slice(r_point.as_bytes());
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&keys.aead[..]));
        let payload = Payload {
            msg: &plaintext,
            aad: &entry,
        };
        let sealed = cipher
            .encrypt(Nonce::from_slice(&[0u8; 12]), payload)
            .unwrap();
        entry.extend_from_slice(&sealed);
        entry
    }

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
                let plaintext = NotePlaintext {
                    opening,
                    memo: (i % 2 == 0).then(|| Memo::new(vec![b'm'; i as usize + 1]).unwrap()),
                    asset: None,
                };
                seal_note(to, &plaintext, &mut rng).entry
            })
            .collect();
        entries.push(seal_v1(
            &mine,
            &Opening::random(KeyKind::Request(4), 9, Scalar::ONE, &mut rng),
            &Scalar::from(8u64),
        ));
        entries.push(b"zkn2 short".to_vec());
        let mut bad_point = entries[0].clone();
        bad_point[4..36].copy_from_slice(&[0xff; 32]);
        entries.insert(2, bad_point);
        let mut too_long = entries[0].clone();
        too_long.resize(NOTE_MAX_LEN + 1, 0);
        entries.push(too_long);
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let one_by_one: Vec<_> = refs.iter().map(|e| opener.open_note(e)).collect();
        assert_eq!(opener.open_batch(&refs), one_by_one);
        assert_eq!(one_by_one.iter().flatten().count(), 4);
        assert!(opener.open_batch(&[]).is_empty());
    }

    #[test]
    fn version_1_notes_still_open() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let e = Scalar::from(11u64);
        let opening = Opening::random(KeyKind::Address, 7, Scalar::from(2u64), &mut rng);
        let entry = seal_v1(&RistrettoPoint::mul_base(&e), &opening, &Scalar::from(5u64));
        assert_eq!(entry.len(), NOTE_V1_LEN);
        let note = NoteOpener::new(&e)
            .open_note(&entry)
            .expect("a v1 note opens");
        assert_eq!(note.plaintext, NotePlaintext::new(opening.clone()));
        // A v1 tag on a v2 plaintext (or the reverse) does not open.
        let mut retagged = entry.clone();
        retagged[3] = b'2';
        assert!(NoteOpener::new(&e).open_note(&retagged).is_none());
        retagged[3] = b'9';
        assert!(NoteOpener::new(&e).open_note(&retagged).is_none());
    }

    #[test]
    fn a_version_2_note_carries_a_memo_and_an_asset_name() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let e = Scalar::from(12u64);
        let issuer = RistrettoPoint::mul_base(&Scalar::from(99u64)).compress();
        let asset = AssetName::new(issuer, b"gold").unwrap();
        let opening = Opening::random(KeyKind::Address, 7, asset.flavor(), &mut rng);
        let plaintext = NotePlaintext {
            opening,
            memo: Some("invoice 42".parse().unwrap()),
            asset: Some(asset.clone()),
        };
        let sealed = seal_note(&RistrettoPoint::mul_base(&e), &plaintext, &mut rng);
        assert_eq!(sealed.entry.len(), NOTE_V2_MIN_LEN + 10 + 32 + 1 + 4);
        let note = NoteOpener::new(&e).open_note(&sealed.entry).unwrap();
        assert_eq!(note.plaintext, plaintext);
        assert_eq!(note.tweak, sealed.tweak);
        assert_eq!(asset.display(), "gold");
        assert_eq!(AssetName::new(issuer, &[0, 1]).unwrap().display(), "0001");
        assert!(AssetName::new(issuer, &[b'x'; MAX_ASSET_METADATA + 1]).is_none());
        // The sender opens it again with its secret and the recipient's key.
        let public = RistrettoPoint::mul_base(&e);
        let again = open_as_sender(&sealed.entry, sealed.secret.expose(), &public);
        assert_eq!(again, Some(note));
        assert!(open_as_sender(&sealed.entry, &Scalar::from(1u64), &public).is_none());
    }

    #[test]
    fn memos_hold_one_to_512_bytes() {
        assert!(Memo::new(vec![7u8; MAX_MEMO_LEN]).is_ok());
        assert_eq!(
            Memo::new(vec![7u8; MAX_MEMO_LEN + 1]),
            Err(WalletError::MemoLength {
                length: MAX_MEMO_LEN + 1,
                max: MAX_MEMO_LEN
            })
        );
        assert!(matches!(
            "".parse::<Memo>(),
            Err(WalletError::MemoLength { length: 0, .. })
        ));
        let message = Memo::new(vec![0u8; 600]).unwrap_err().to_string();
        assert!(
            message.contains("1 to 512 bytes") && message.contains("600"),
            "{message}"
        );
        let full = NotePlaintext {
            opening: Opening::random(
                KeyKind::Address,
                1,
                Scalar::ZERO,
                &mut rand::rngs::StdRng::seed_from_u64(5),
            ),
            memo: Some(Memo::new(vec![1u8; MAX_MEMO_LEN]).unwrap()),
            asset: None,
        };
        let mut bytes = Vec::new();
        full.encode(&mut bytes);
        assert_eq!(
            Reader::parse(&bytes, NotePlaintext::decode).as_ref(),
            Ok(&full)
        );
    }

    #[test]
    fn malformed_plaintexts_are_refused() {
        let opening = Opening::random(
            KeyKind::Address,
            1,
            Scalar::ZERO,
            &mut rand::rngs::StdRng::seed_from_u64(6),
        );
        let mut bytes = Vec::new();
        NotePlaintext::new(opening).encode(&mut bytes);
        let mut flag = bytes.clone();
        *flag.last_mut().unwrap() = 2;
        assert_eq!(
            Reader::parse(&flag, NotePlaintext::decode),
            Err(WalletError::Malformed { what: "asset flag" })
        );
        let mut long_memo = bytes[..OPENING_LEN].to_vec();
        long_memo.extend_from_slice(&513u16.to_le_bytes());
        long_memo.extend_from_slice(&[0u8; 514]);
        assert!(matches!(
            Reader::parse(&long_memo, NotePlaintext::decode),
            Err(WalletError::MemoLength { length: 513, .. })
        ));
        let mut trailing = bytes;
        trailing.push(0);
        assert!(Reader::parse(&trailing, NotePlaintext::decode).is_err());
    }
}
