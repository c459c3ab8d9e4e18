//! Outgoing records: what a transaction sent, encrypted to its sender's outgoing
//! viewing key, so that whoever holds that key (the sender's own wallet rebuilt from
//! its root, a watch-only wallet, an auditor) sees the account's payments.
//!
//! Every transaction a wallet builds writes one record as the last data entry of its
//! log:
//!
//! ```text
//! n random (32)
//! T = Transcript("ZkVM.wallet.outgoing"); T.append("ovk", outgoing secret); T.append("n", n)
//! k = T.challenge_bytes("key", 32)
//! entry = "zko1" || n || ChaCha20-Poly1305(k, nonce 0, aad "zko1" || n, plaintext)
//! plaintext = LE32 count || items
//! item = 0x00 || E (32) || r (32)             a payment to an address: the note with
//!                                             R = r·B opens with S = r·E
//!      | 0x01 || K (32) || opening (113)      a payment to request key K
//!      | 0x02 || qty (LE64) || flavor (32)    a retirement
//!      | 0x03 || qty (LE64) || flavor (32)    an issuance
//! ```
//!
//! Change is not listed: it is a payment to the account itself, found by its note.
//! A payment to an address costs 65 bytes here and no copy of its memo: the record
//! keeps the note's secret, which opens the note itself.

use crate::errors::WalletError;
use crate::keys::SecretScalar;
use crate::note::Opening;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// The tag of an outgoing record entry (version 1).
pub const OUTGOING_TAG: &[u8; 4] = b"zko1";
/// The smallest item: a kind byte and 40 bytes.
const MIN_ITEM_LEN: usize = 1 + 8 + 32;

/// One thing a transaction sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutgoingItem {
    /// A payment to an address: the recipient's encryption key and the note's secret.
    Address {
        /// The recipient's encryption key `E`.
        encryption: CompressedRistretto,
        /// The note's secret `r`.
        secret: SecretScalar,
    },
    /// A payment to a request's one-time key.
    Request {
        /// The one-time key.
        key: CompressedRistretto,
        /// The output's opening.
        opening: Opening,
    },
    /// A retirement.
    Retirement {
        /// The quantity.
        qty: u64,
        /// The flavor.
        flavor: Scalar,
    },
    /// An issuance.
    Issuance {
        /// The quantity.
        qty: u64,
        /// The flavor.
        flavor: Scalar,
    },
}

/// The record's key for the outgoing secret `ovk` and the entry's random `n`.
fn record_key(ovk: &[u8; 32], n: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut t = Transcript::new(b"ZkVM.wallet.outgoing");
    t.append_message(b"ovk", ovk);
    t.append_message(b"n", n);
    let mut key = Zeroizing::new([0u8; 32]);
    t.challenge_bytes(b"key", &mut key[..]);
    key
}

/// Encrypts `items` to the outgoing secret `ovk`: the log entry.
pub fn seal<R: RngCore + CryptoRng>(
    ovk: &[u8; 32],
    items: &[OutgoingItem],
    rng: &mut R,
) -> Vec<u8> {
    let mut n = [0u8; 32];
    rng.fill_bytes(&mut n);
    let mut plaintext = Zeroizing::new(Vec::new());
    plaintext.write_u32(items.len() as u32);
    for item in items {
        encode_item(&mut plaintext, item);
    }
    let mut entry = Vec::with_capacity(4 + 32 + plaintext.len() + 16);
    entry.extend_from_slice(OUTGOING_TAG);
    entry.extend_from_slice(&n);
    let key = record_key(ovk, &n);
    let payload = Payload {
        msg: &plaintext,
        aad: &entry,
    };
    let sealed = ChaCha20Poly1305::new(Key::from_slice(&key[..]))
        .encrypt(Nonce::from_slice(&[0u8; 12]), payload)
        .expect("ChaCha20-Poly1305 encrypts any record of this size");
    entry.extend_from_slice(&sealed);
    entry
}

/// Opens a log entry with the outgoing secret `ovk`: `None` unless it is a record
/// sealed to that secret.
pub fn open(ovk: &[u8; 32], entry: &[u8]) -> Option<Vec<OutgoingItem>> {
    if entry.len() < 4 + 32 + 4 + 16 || &entry[..4] != OUTGOING_TAG {
        return None;
    }
    let n: [u8; 32] = entry[4..36].try_into().ok()?;
    let key = record_key(ovk, &n);
    let payload = Payload {
        msg: &entry[36..],
        aad: &entry[..36],
    };
    let plaintext = Zeroizing::new(
        ChaCha20Poly1305::new(Key::from_slice(&key[..]))
            .decrypt(Nonce::from_slice(&[0u8; 12]), payload)
            .ok()?,
    );
    Reader::parse(&plaintext, |r| {
        let count = r.read_count(MIN_ITEM_LEN)?;
        (0..count).map(|_| decode_item(r)).collect()
    })
    .ok()
}

fn encode_item(w: &mut Vec<u8>, item: &OutgoingItem) {
    match item {
        OutgoingItem::Address { encryption, secret } => {
            w.write_u8(0);
            w.write_point(encryption);
            w.write_scalar(secret.expose());
        }
        OutgoingItem::Request { key, opening } => {
            w.write_u8(1);
            w.write_point(key);
            opening.encode(w);
        }
        OutgoingItem::Retirement { qty, flavor } => {
            w.write_u8(2);
            w.write_u64(*qty);
            w.write_scalar(flavor);
        }
        OutgoingItem::Issuance { qty, flavor } => {
            w.write_u8(3);
            w.write_u64(*qty);
            w.write_scalar(flavor);
        }
    }
}

fn decode_item(r: &mut Reader<'_>) -> Result<OutgoingItem, WalletError> {
    Ok(match r.read_u8()? {
        0 => OutgoingItem::Address {
            encryption: r.read_point()?,
            secret: SecretScalar::new(r.read_scalar()?),
        },
        1 => OutgoingItem::Request {
            key: r.read_point()?,
            opening: Opening::decode(r)?,
        },
        2 => OutgoingItem::Retirement {
            qty: r.read_u64()?,
            flavor: r.read_scalar()?,
        },
        3 => OutgoingItem::Issuance {
            qty: r.read_u64()?,
            flavor: r.read_scalar()?,
        },
        _ => {
            return Err(WalletError::Malformed {
                what: "outgoing record item",
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::KeyKind;
    use curve25519_dalek::ristretto::RistrettoPoint;
    use rand::SeedableRng;

    fn items(rng: &mut rand::rngs::StdRng) -> Vec<OutgoingItem> {
        vec![
            OutgoingItem::Address {
                encryption: RistrettoPoint::mul_base(&Scalar::from(4u64)).compress(),
                secret: SecretScalar::new(Scalar::from(5u64)),
            },
            OutgoingItem::Request {
                key: RistrettoPoint::mul_base(&Scalar::from(6u64)).compress(),
                opening: Opening::random(KeyKind::Request(3), 9, Scalar::ONE, rng),
            },
            OutgoingItem::Retirement {
                qty: 2,
                flavor: Scalar::ONE,
            },
            OutgoingItem::Issuance {
                qty: 8,
                flavor: Scalar::from(3u64),
            },
        ]
    }

    #[test]
    fn only_the_outgoing_secret_opens_a_record() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let items = items(&mut rng);
        let entry = seal(&[7u8; 32], &items, &mut rng);
        assert_eq!(open(&[7u8; 32], &entry), Some(items.clone()));
        assert_eq!(open(&[8u8; 32], &entry), None);
        let mut tampered = entry.clone();
        tampered[40] ^= 1;
        assert_eq!(open(&[7u8; 32], &tampered), None);
        assert_eq!(open(&[7u8; 32], &entry[..entry.len() - 1]), None);
        let empty = seal(&[7u8; 32], &[], &mut rng);
        assert_eq!(open(&[7u8; 32], &empty), Some(Vec::new()));
        assert_ne!(
            seal(&[7u8; 32], &items, &mut rng),
            entry,
            "a fresh key per record"
        );
    }
}
