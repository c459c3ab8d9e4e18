//! What one validator puts in its vote extension: the deposits it saw with enough
//! confirmations, its signatures over the pending withdrawals, and its signature over
//! the current checkpoint.
//!
//! Encoding (version 1):
//! `version || LE32 n || n deposit reports (nonces strictly increasing) || LE32 m ||
//! m × (withdrawal ID (32) || signature (65)) (IDs strictly increasing) || u8 flag ||
//! [LE64 checkpoint height || signature (65)] when the flag is 1`.
//! An extension is at most [`MAX_VOTE_EXTENSION_BYTES`]; decoding checks the size
//! first, every count against the input, and the order, and never panics.

use crate::errors::BridgeError;
use crate::keys::ValidatorKey;
use crate::messages::{
    read_version, Checkpoint, DepositReport, Domain, Withdrawal, MESSAGE_VERSION,
};
use crate::signatures::EthSignature;
use alloy::primitives::B256;
use encoding::{Encodable, Reader, Writer};

/// The largest vote extension a validator may send or accept.
pub const MAX_VOTE_EXTENSION_BYTES: usize = 64 * 1024;
/// The most deposits one extension reports (the rest wait for the next height).
pub const MAX_DEPOSITS_PER_EXTENSION: usize = 128;
/// The most withdrawal signatures one extension carries.
pub const MAX_WITHDRAWALS_PER_EXTENSION: usize = 256;

/// A validator's signature over a withdrawal, named by its ID.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WithdrawalSignature {
    /// The withdrawal ID.
    pub id: B256,
    /// The signature over its digest.
    pub signature: EthSignature,
}

/// A validator's signature over the checkpoint of a height.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CheckpointSignature {
    /// The checkpoint's height.
    pub height: u64,
    /// The signature over its digest.
    pub signature: EthSignature,
}

/// One validator's bridge vote extension. Its lists are sorted and free of
/// duplicates by construction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoteExtension {
    deposits: Vec<DepositReport>,
    withdrawals: Vec<WithdrawalSignature>,
    checkpoint: Option<CheckpointSignature>,
}

impl VoteExtension {
    /// What a validator reports: the first deposits by nonce (duplicates dropped),
    /// its signatures over the first pending withdrawals by ID, and over the current
    /// checkpoint if there is one, within the limits of this module.
    pub fn compose(
        key: &ValidatorKey,
        domain: &Domain,
        mut deposits: Vec<DepositReport>,
        pending: &[Withdrawal],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Self, BridgeError> {
        deposits.sort_by_key(|d| d.nonce);
        deposits.dedup_by_key(|d| d.nonce);
        deposits.truncate(MAX_DEPOSITS_PER_EXTENSION);
        let mut pending: Vec<&Withdrawal> = pending.iter().collect();
        pending.sort_by_key(|w| w.id());
        pending.dedup_by_key(|w| w.id());
        pending.truncate(MAX_WITHDRAWALS_PER_EXTENSION);
        let withdrawals = pending
            .into_iter()
            .map(|w| {
                Ok(WithdrawalSignature {
                    id: w.id(),
                    signature: key.sign_digest(&w.digest(domain))?,
                })
            })
            .collect::<Result<_, BridgeError>>()?;
        let checkpoint = checkpoint
            .map(|c| {
                Ok::<_, BridgeError>(CheckpointSignature {
                    height: c.height,
                    signature: key.sign_digest(&c.digest(domain))?,
                })
            })
            .transpose()?;
        Ok(VoteExtension {
            deposits,
            withdrawals,
            checkpoint,
        })
    }

    /// The deposits reported, by increasing nonce.
    pub fn deposits(&self) -> &[DepositReport] {
        &self.deposits
    }

    /// The withdrawal signatures, by increasing ID.
    pub fn withdrawals(&self) -> &[WithdrawalSignature] {
        &self.withdrawals
    }

    /// The checkpoint signature, if any.
    pub fn checkpoint(&self) -> Option<&CheckpointSignature> {
        self.checkpoint.as_ref()
    }

    /// The encoding (within the size limit by construction).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// Decodes and validates an extension from another validator: at most
    /// [`MAX_VOTE_EXTENSION_BYTES`], a known version, lists strictly increasing and
    /// within their limits, no trailing bytes. An empty input is an empty extension
    /// (a validator that reports nothing).
    pub fn decode(bytes: &[u8]) -> Result<Self, BridgeError> {
        if bytes.len() > MAX_VOTE_EXTENSION_BYTES {
            return Err(BridgeError::VoteExtensionTooLarge {
                size: bytes.len(),
                limit: MAX_VOTE_EXTENSION_BYTES,
            });
        }
        if bytes.is_empty() {
            return Ok(VoteExtension::default());
        }
        Reader::parse(bytes, |r| {
            read_version(r, "vote extension")?;
            let deposits = read_list(
                r,
                DepositReport::ENCODED_LEN,
                MAX_DEPOSITS_PER_EXTENSION,
                DepositReport::read,
            )?;
            increasing(deposits.iter().map(|d| d.nonce), "deposits")?;
            let withdrawals = read_list(
                r,
                32 + EthSignature::ENCODED_LEN,
                MAX_WITHDRAWALS_PER_EXTENSION,
                |r| {
                    Ok(WithdrawalSignature {
                        id: B256::from(r.read_array::<32>()?),
                        signature: EthSignature::read(r)?,
                    })
                },
            )?;
            increasing(withdrawals.iter().map(|w| w.id), "withdrawal signatures")?;
            let checkpoint = match r.read_u8()? {
                0 => None,
                1 => Some(CheckpointSignature {
                    height: r.read_u64()?,
                    signature: EthSignature::read(r)?,
                }),
                _ => {
                    return Err(BridgeError::Malformed {
                        what: "checkpoint flag",
                    })
                }
            };
            Ok(VoteExtension {
                deposits,
                withdrawals,
                checkpoint,
            })
        })
    }
}

impl Encodable for VoteExtension {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u8(MESSAGE_VERSION);
        w.write_u32(self.deposits.len() as u32);
        for d in &self.deposits {
            d.encode(w);
        }
        w.write_u32(self.withdrawals.len() as u32);
        for s in &self.withdrawals {
            w.write_bytes(s.id.as_slice());
            s.signature.write(w);
        }
        match &self.checkpoint {
            None => w.write_u8(0),
            Some(c) => {
                w.write_u8(1);
                w.write_u64(c.height);
                c.signature.write(w);
            }
        }
    }

    fn encoded_len(&self) -> usize {
        1 + 4
            + self.deposits.len() * DepositReport::ENCODED_LEN
            + 4
            + self.withdrawals.len() * (32 + EthSignature::ENCODED_LEN)
            + 1
            + self.checkpoint.map_or(0, |_| 8 + EthSignature::ENCODED_LEN)
    }
}

/// Reads a counted list of at most `limit` items of at least `item_size` bytes.
fn read_list<'a, T>(
    r: &mut Reader<'a>,
    item_size: usize,
    limit: usize,
    mut read: impl FnMut(&mut Reader<'a>) -> Result<T, BridgeError>,
) -> Result<Vec<T>, BridgeError> {
    let n = r.read_count(item_size)?;
    if n > limit {
        return Err(BridgeError::Malformed {
            what: "vote extension list longer than allowed",
        });
    }
    (0..n).map(|_| read(r)).collect()
}

/// Fails unless `keys` strictly increase.
fn increasing<K: Ord>(
    keys: impl Iterator<Item = K>,
    what: &'static str,
) -> Result<(), BridgeError> {
    let mut last = None;
    for k in keys {
        if last.as_ref().is_some_and(|l| *l >= k) {
            return Err(BridgeError::NotStrictlyIncreasing { what });
        }
        last = Some(k);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::ExportPayload;
    use alloy::primitives::Address;

    fn domain() -> Domain {
        Domain {
            chain_id: 1337,
            bridge: Address::repeat_byte(7),
        }
    }

    fn report(nonce: u64) -> DepositReport {
        DepositReport {
            nonce,
            token: Address::ZERO,
            amount: 10,
            recipient: [1; 65],
            l1_tx: B256::repeat_byte(2),
        }
    }

    fn withdrawal(i: u32) -> Withdrawal {
        Withdrawal {
            zkvm_tx: B256::repeat_byte(5),
            log_index: i,
            payload: ExportPayload {
                recipient: Address::repeat_byte(1),
                token: Address::ZERO,
                amount: 3,
            },
        }
    }

    fn sample() -> VoteExtension {
        let key = ValidatorKey::generate(&mut rand_core::OsRng);
        let checkpoint = Checkpoint {
            height: 4,
            block_id: B256::repeat_byte(1),
            utxo_root: B256::repeat_byte(2),
            app_hash: B256::repeat_byte(3),
        };
        VoteExtension::compose(
            &key,
            &domain(),
            vec![report(3), report(1), report(3)],
            &[withdrawal(2), withdrawal(1)],
            Some(&checkpoint),
        )
        .unwrap()
    }

    #[test]
    fn a_composed_extension_is_sorted_deduplicated_and_round_trips() {
        let ext = sample();
        assert_eq!(
            ext.deposits().iter().map(|d| d.nonce).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(ext.withdrawals().len(), 2);
        let bytes = ext.to_bytes();
        assert_eq!(bytes.len(), ext.encoded_len());
        assert_eq!(VoteExtension::decode(&bytes).unwrap(), ext);
        assert_eq!(
            VoteExtension::decode(&[]).unwrap(),
            VoteExtension::default()
        );
    }

    #[test]
    fn a_deposit_reported_twice_is_refused() {
        let mut ext = sample();
        ext.deposits = vec![report(1), report(1)];
        assert!(matches!(
            VoteExtension::decode(&ext.to_bytes()),
            Err(BridgeError::NotStrictlyIncreasing { what: "deposits" })
        ));
        ext.deposits = vec![report(2), report(1)];
        assert!(VoteExtension::decode(&ext.to_bytes()).is_err());
    }

    #[test]
    fn oversized_truncated_and_malformed_extensions_are_refused() {
        let big = vec![1u8; MAX_VOTE_EXTENSION_BYTES + 1];
        assert!(matches!(
            VoteExtension::decode(&big),
            Err(BridgeError::VoteExtensionTooLarge { .. })
        ));
        let bytes = sample().to_bytes();
        assert!(VoteExtension::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut flag = bytes.clone();
        let at = flag.len() - 1 - 8 - EthSignature::ENCODED_LEN;
        flag[at] = 2;
        assert!(VoteExtension::decode(&flag).is_err());
        // A count far beyond the input is refused before any allocation.
        let mut huge = vec![MESSAGE_VERSION];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(VoteExtension::decode(&huge).is_err());
    }

    #[test]
    fn decoding_mutated_bytes_never_panics_and_accepts_only_canonical_encodings() {
        let bytes = sample().to_bytes();
        let mut accepted = 0;
        for i in 0..bytes.len() {
            for b in [0u8, 1, 0x7f, 0xff] {
                let mut m = bytes.clone();
                m[i] = b;
                // (An empty input is the empty extension, tested above.)
                for input in [&m[..], &m[..i]].into_iter().filter(|x| !x.is_empty()) {
                    if let Ok(ext) = VoteExtension::decode(input) {
                        assert_eq!(ext.to_bytes(), input);
                        accepted += 1;
                    }
                }
            }
        }
        // Changing a byte of a signature or a field keeps the encoding valid.
        assert!(accepted > 0);
    }

    #[test]
    fn composing_respects_the_limits() {
        let key = ValidatorKey::generate(&mut rand_core::OsRng);
        let many: Vec<_> = (0..(MAX_DEPOSITS_PER_EXTENSION as u64 + 10))
            .map(report)
            .collect();
        let ext = VoteExtension::compose(&key, &domain(), many, &[], None).unwrap();
        assert_eq!(ext.deposits().len(), MAX_DEPOSITS_PER_EXTENSION);
        let full: Vec<_> = (0..MAX_WITHDRAWALS_PER_EXTENSION as u32)
            .map(withdrawal)
            .collect();
        let ext = VoteExtension::compose(&key, &domain(), ext.deposits, &full, None).unwrap();
        assert!(ext.to_bytes().len() <= MAX_VOTE_EXTENSION_BYTES);
    }
}
