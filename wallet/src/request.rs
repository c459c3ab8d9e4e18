//! Payment requests: the interactive way to be paid.
//!
//! A request fixes the network, a one-time key of the recipient's sequence, the
//! quantity, flavor and both blinding factors, an expiry, and a note the recipient
//! sealed to itself (so that a wallet recovered from its root key finds the payment
//! by scanning). The sender pays exactly that output, writes the note to the log,
//! and replies with the transaction ID and the output's anchor: with them the
//! recipient rebuilds the contract and watches for its ID.
//!
//! The blinding factors come from the one-time key:
//! `T = Transcript("ZkVM.wallet.request"); T.append("key", secret); fq = T.challenge("qty");
//! ff = T.challenge("flv")`.
//!
//! Encoding: `network (1) || index (LE64) || predicate (32) || qty (LE64) ||
//! flavor (32) || fq (32) || ff (32) || expiry (LE64) || LE32 note length || note`;
//! a reply is `index (LE64) || transaction ID (32) || anchor (32)`.

use crate::address::Network;
use crate::errors::WalletError;
use crate::ledger::{contract, OpenRequest, Owner, Watched};
use crate::note::{seal, KeyKind, Opening};
use crate::wallet::Wallet;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use merlin::Transcript;
use musig::SigningKey;
use rand_core::{CryptoRng, RngCore};
use zkvm::{Anchor, ContractId, Predicate, TxId};

/// A request for a payment of an exact value to a one-time key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The network.
    pub network: Network,
    /// The one-time key's index in the recipient's sequence.
    pub index: u64,
    /// The one-time key.
    pub predicate: CompressedRistretto,
    /// The quantity.
    pub qty: u64,
    /// The flavor.
    pub flavor: Scalar,
    /// The quantity commitment's blinding factor.
    pub qty_blinding: Scalar,
    /// The flavor commitment's blinding factor.
    pub flv_blinding: Scalar,
    /// The latest time (ms) a transaction paying it may be included.
    pub expiry_ms: u64,
    /// The note the sender writes to the log.
    pub note: Vec<u8>,
}

/// The sender's answer: where the requested output is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentReply {
    /// The request's one-time key index.
    pub index: u64,
    /// The paying transaction.
    pub tx: TxId,
    /// The output's anchor.
    pub anchor: Anchor,
}

impl PaymentReply {
    /// Encoding: `index (LE64) || transaction ID (32) || anchor (32)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(72);
        w.write_u64(self.index);
        w.write_bytes(&self.tx.0);
        w.write_bytes(&self.anchor.0);
        w
    }

    /// Decodes a reply that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<PaymentReply, WalletError> {
        Reader::parse(bytes, |r| {
            Ok::<_, encoding::EncodingError>(PaymentReply {
                index: r.read_u64()?,
                tx: TxId(r.read_array()?),
                anchor: Anchor(r.read_array()?),
            })
        })
        .map_err(|_| WalletError::Malformed {
            what: "payment reply",
        })
    }
}

impl PaymentRequest {
    /// The opening the request asks for.
    pub fn opening(&self) -> Opening {
        Opening {
            key: KeyKind::Request(self.index),
            qty: self.qty,
            flavor: self.flavor,
            qty_blinding: self.qty_blinding,
            flv_blinding: self.flv_blinding,
        }
    }

    /// The explicit encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.write_u8(self.network.to_byte());
        w.write_u64(self.index);
        w.write_point(&self.predicate);
        w.write_u64(self.qty);
        w.write_scalar(&self.flavor);
        w.write_scalar(&self.qty_blinding);
        w.write_scalar(&self.flv_blinding);
        w.write_u64(self.expiry_ms);
        w.write_len_prefixed(&self.note);
        w
    }

    /// Decodes a request, which must be for `network`.
    pub fn from_bytes(bytes: &[u8], network: Network) -> Result<PaymentRequest, WalletError> {
        let request = Reader::parse(bytes, |r| {
            Ok::<_, WalletError>(PaymentRequest {
                network: Network::from_byte(r.read_u8()?)?,
                index: r.read_u64()?,
                predicate: r.read_point()?,
                qty: r.read_u64()?,
                flavor: r.read_scalar()?,
                qty_blinding: r.read_scalar()?,
                flv_blinding: r.read_scalar()?,
                expiry_ms: r.read_u64()?,
                note: r.read_len_prefixed()?.to_vec(),
            })
        })?;
        if request.network != network {
            return Err(WalletError::WrongNetwork {
                expected: network.to_string(),
                found: request.network.to_string(),
            });
        }
        if request.predicate.decompress().is_none() {
            return Err(WalletError::InvalidPoint {
                what: "request key",
            });
        }
        Ok(request)
    }
}

/// The blinding factors of one-time key `key`'s request.
fn request_blindings(key: &SigningKey) -> (Scalar, Scalar) {
    let mut t = Transcript::new(b"ZkVM.wallet.request");
    t.append_message(b"key", key.as_scalar().as_bytes());
    let mut challenge = |label: &'static [u8]| {
        let mut wide = [0u8; 64];
        t.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    };
    let fq = challenge(b"qty");
    let ff = challenge(b"flv");
    (fq, ff)
}

impl Wallet {
    /// Asks for `qty` of `flavor` to account `account`, payable until `expiry_ms`.
    pub fn request_payment<R: RngCore + CryptoRng>(
        &mut self,
        account: u64,
        qty: u64,
        flavor: Scalar,
        expiry_ms: u64,
        rng: &mut R,
    ) -> Result<PaymentRequest, WalletError> {
        if qty == 0 {
            return Err(WalletError::ZeroAmount {
                what: "payment request",
            });
        }
        let keys = self.account(account)?;
        let index = self.ledger.next_request;
        let key = keys.request_key(index)?;
        let (qty_blinding, flv_blinding) = request_blindings(&key);
        let opening = Opening {
            key: KeyKind::Request(index),
            qty,
            flavor,
            qty_blinding,
            flv_blinding,
        };
        let e = RistrettoPoint::mul_base(keys.encryption_secret().expose());
        let (note, _) = seal(&e, &opening, rng);
        let request = PaymentRequest {
            network: self.network,
            index,
            predicate: *key.verification_key().as_compressed(),
            qty,
            flavor,
            qty_blinding,
            flv_blinding,
            expiry_ms,
            note,
        };
        self.ledger.next_request += 1;
        self.ledger.requests.insert(
            index,
            OpenRequest {
                account,
                qty,
                flavor,
                expiry_ms,
            },
        );
        Ok(request)
    }

    /// Takes a sender's reply: the output it names is watched for. Returns its ID.
    pub fn accept_reply(&mut self, reply: &PaymentReply) -> Result<ContractId, WalletError> {
        let open = self
            .ledger
            .requests
            .get(&reply.index)
            .ok_or(WalletError::UnknownRequest(reply.index))?;
        let owner = Owner::Account(open.account);
        let key = self.account(open.account)?.request_key(reply.index)?;
        let (qty_blinding, flv_blinding) = request_blindings(&key);
        let opening = Opening {
            key: KeyKind::Request(reply.index),
            qty: open.qty,
            flavor: open.flavor,
            qty_blinding,
            flv_blinding,
        };
        let predicate = *key.verification_key().as_compressed();
        let id = contract(Predicate::opaque(predicate), &opening, reply.anchor).id();
        self.ledger.watched.insert(
            id,
            Watched {
                owner,
                opening,
                predicate,
                anchor: reply.anchor,
            },
        );
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keytree::Xprv;
    use rand::SeedableRng;

    #[test]
    fn requests_round_trip_and_refuse_other_networks_and_bad_bytes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut w = Wallet::new(Xprv::from_seed(b"request test"), Network::Testnet);
        let req = w.request_payment(0, 5, Scalar::ONE, 99, &mut rng).unwrap();
        let next = w.request_payment(0, 5, Scalar::ONE, 99, &mut rng).unwrap();
        assert_ne!(req.predicate, next.predicate, "one-time keys");
        let bytes = req.to_bytes();
        assert_eq!(
            PaymentRequest::from_bytes(&bytes, Network::Testnet),
            Ok(req.clone())
        );
        assert_eq!(
            PaymentRequest::from_bytes(&bytes, Network::Mainnet),
            Err(WalletError::WrongNetwork {
                expected: "mainnet".into(),
                found: "testnet".into()
            })
        );
        assert!(PaymentRequest::from_bytes(&bytes[..bytes.len() - 1], Network::Testnet).is_err());
        let mut bad_point = bytes.clone();
        bad_point[9..41].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            PaymentRequest::from_bytes(&bad_point, Network::Testnet),
            Err(WalletError::InvalidPoint {
                what: "request key"
            })
        );
        let mut bad_network = bytes;
        bad_network[0] = 9;
        assert_eq!(
            PaymentRequest::from_bytes(&bad_network, Network::Testnet),
            Err(WalletError::Malformed { what: "network" })
        );
        assert_eq!(
            w.request_payment(3, 1, Scalar::ONE, 1, &mut rng),
            Err(WalletError::UnknownAccount(3))
        );
    }

    #[test]
    fn replies_round_trip_and_refuse_bad_lengths() {
        let reply = PaymentReply {
            index: 7,
            tx: TxId([1; 32]),
            anchor: Anchor([2; 32]),
        };
        let bytes = reply.to_bytes();
        assert_eq!(bytes.len(), 72);
        assert_eq!(PaymentReply::from_bytes(&bytes), Ok(reply));
        for bad in [&bytes[..71], &[bytes.as_slice(), &[0]].concat()[..]] {
            assert_eq!(
                PaymentReply::from_bytes(bad),
                Err(WalletError::Malformed {
                    what: "payment reply"
                })
            );
        }
    }
}
