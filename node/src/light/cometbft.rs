//! The light client of a CometBFT network: what proves one of our blocks to a light
//! wallet, how a node serves it, and how the wallet checks it.
//!
//! Our block `h` is made by CometBFT's block `h − 1` ([`crate::abci::mapping`]), so
//! the header of CometBFT's height `h` carries our block `h`'s ID as its app hash,
//! and the commit of height `h` (the validators' precommit signatures over that
//! header's hash) signs it. The evidence of our block `h` is that signed header:
//!
//! ```text
//! evidence = 1 (version) || LE32 length || SignedHeader (CometBFT's protobuf)
//!            || 0, or 1 || bridge root (32)
//! ```
//!
//! A chain bridged to an L1 commits to the bridge's state too: its app hash is
//! [`bridged_app_hash`] of the block ID and the bridge state's root, and the
//! evidence carries that root.
//!
//! A wallet trusts a chain ID and a validator set ([`CometTrust`]), learned from the
//! node it first syncs light from (`GET /v1/compact/validators`), as a devnet wallet
//! learns the producer's key from the genesis it is given. [`CometBftVerifier`]
//! accepts a header when, in this order:
//!
//! 1. the evidence decodes, and its header and commit are of one height;
//! 2. the header is of the trusted chain and of the block's height;
//! 3. its app hash is the block's ID;
//! 4. its validator set and next validator set are the trusted set (our networks'
//!    validators are fixed by their genesis, so any other set is refused by name);
//! 5. the commit is for this header, and validators holding more than two thirds of
//!    the trusted voting power signed it (`tendermint-light-client-verifier`).
//!
//! There is no trusting period: with validators that never change or unbond, the
//! set the wallet trusts signs every height, so an old header is as good as a new
//! one.

use crate::error::NodeError;
use blockchain::{BlockHeader, BlockId};
use encoding::{Reader, Writer};
use merlin::Transcript;
use serde::{Deserialize, Serialize};
use tendermint::block::signed_header::SignedHeader;
use tendermint::{chain, validator, vote, Hash, PublicKey};
use tendermint_light_client_verifier::errors::VerificationErrorDetail;
use tendermint_light_client_verifier::operations::VotingPowerTally;
use tendermint_light_client_verifier::types::UntrustedBlockState;
use tendermint_light_client_verifier::{ProdVerifier, Verdict};
use tendermint_proto::v0_38::types::SignedHeader as RawSignedHeader;
use tendermint_proto::Protobuf;

/// The version byte of the evidence encoding.
const EVIDENCE_VERSION: u8 = 1;
/// The most validators a trusted set may hold (CometBFT's own limit is 10,000).
pub const MAX_VALIDATORS: usize = 10_000;

/// What a light wallet trusts of a CometBFT network: its chain ID and the validators
/// that sign its headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CometTrust {
    /// CometBFT's chain ID.
    pub chain_id: chain::Id,
    /// The validators, in CometBFT's order.
    pub validators: validator::Set,
}

/// The JSON of `GET /v1/compact/validators`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustJson {
    /// CometBFT's chain ID.
    pub chain_id: String,
    /// The validators: Ed25519 public keys (hex) and voting powers.
    pub validators: Vec<ValidatorJson>,
    /// The hash of the set, as CometBFT's headers carry it (hex, upper case).
    pub hash: String,
}

/// One validator in [`TrustJson`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorJson {
    /// The Ed25519 public key, hex.
    pub pub_key: String,
    /// The voting power.
    pub power: u64,
}

impl CometTrust {
    /// The trust of `chain_id` and the validators given by Ed25519 key and power.
    pub fn new(chain_id: &str, validators: &[([u8; 32], u64)]) -> Result<CometTrust, NodeError> {
        let bad = |reason: String| NodeError::Invalid {
            what: "CometBFT validator set",
            reason,
        };
        if validators.is_empty() || validators.len() > MAX_VALIDATORS {
            return Err(bad(format!(
                "{} validators; a network has 1 to {MAX_VALIDATORS}",
                validators.len()
            )));
        }
        let chain_id = chain::Id::try_from(chain_id)
            .map_err(|e| bad(format!("chain ID {chain_id:?}: {e}")))?;
        let infos = validators
            .iter()
            .map(|(key, power)| {
                let key = PublicKey::from_raw_ed25519(key)
                    .ok_or_else(|| bad(format!("{} is not an Ed25519 key", hex::encode(key))))?;
                let power = vote::Power::try_from(*power)
                    .map_err(|e| bad(format!("voting power {power}: {e}")))?;
                Ok(validator::Info::new(key, power))
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        Ok(CometTrust {
            chain_id,
            validators: validator::Set::without_proposer(infos),
        })
    }

    /// The trust a node's `GET /v1/compact/validators` names.
    pub fn from_json(json: &TrustJson) -> Result<CometTrust, NodeError> {
        let validators = json
            .validators
            .iter()
            .map(|v| {
                let key = NodeError::decode_hex("validator key", &v.pub_key)?;
                let key: [u8; 32] = key.try_into().map_err(|_| NodeError::Invalid {
                    what: "validator key",
                    reason: "an Ed25519 key is 32 bytes".into(),
                })?;
                Ok((key, v.power))
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        CometTrust::new(&json.chain_id, &validators)
    }

    /// The trust in JSON.
    pub fn to_json(&self) -> TrustJson {
        TrustJson {
            chain_id: self.chain_id.to_string(),
            validators: self
                .keys()
                .into_iter()
                .map(|(key, power)| ValidatorJson {
                    pub_key: hex::encode(key),
                    power,
                })
                .collect(),
            hash: self.hash().to_string(),
        }
    }

    /// The hash of the validator set, as headers carry it.
    pub fn hash(&self) -> Hash {
        self.validators.hash()
    }

    /// The validators' Ed25519 keys and powers, in order (every key is Ed25519: the
    /// constructors admit no other).
    fn keys(&self) -> Vec<([u8; 32], u64)> {
        self.validators
            .validators()
            .iter()
            .filter_map(|v| {
                let key: [u8; 32] = v.pub_key.ed25519()?.as_bytes().try_into().ok()?;
                Some((key, v.power.value()))
            })
            .collect()
    }

    /// Writes `LE32 length || chain ID || LE32 n || n × (Ed25519 key || LE64 power)`.
    pub fn encode(&self, w: &mut Vec<u8>) {
        w.write_len_prefixed(self.chain_id.as_str().as_bytes());
        let keys = self.keys();
        // At most MAX_VALIDATORS.
        w.write_u32(keys.len() as u32);
        for (key, power) in keys {
            w.write_bytes(&key);
            w.write_u64(power);
        }
    }

    /// Reads what [`CometTrust::encode`] wrote.
    pub fn decode(r: &mut Reader<'_>) -> Result<CometTrust, NodeError> {
        let chain_id = r.read_len_prefixed()?;
        let chain_id = std::str::from_utf8(chain_id).map_err(|_| NodeError::Invalid {
            what: "CometBFT chain ID",
            reason: "not UTF-8".into(),
        })?;
        let count = r.read_count(40)?;
        let validators = (0..count)
            .map(|_| Ok((r.read_array::<32>()?, r.read_u64()?)))
            .collect::<Result<Vec<_>, encoding::EncodingError>>()?;
        CometTrust::new(chain_id, &validators)
    }
}

/// The app hash of a bridged chain after the block `block`: a transcript of the
/// block ID and the bridge state's root.
pub fn bridged_app_hash(block: &BlockId, bridge_root: &[u8; 32]) -> [u8; 32] {
    let mut t = Transcript::new(b"ZkVM.abci.bridged_app_hash");
    t.append_message(b"block", &block.0);
    t.append_message(b"bridge", bridge_root);
    let mut hash = [0u8; 32];
    t.challenge_bytes(b"hash", &mut hash);
    hash
}

/// What proves one of our blocks: CometBFT's signed header of its height, and on a
/// bridged chain the bridge root its app hash commits to.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// The header and its commit.
    pub signed: SignedHeader,
    /// The bridge state's root after the block, on a bridged chain.
    pub bridge_root: Option<[u8; 32]>,
}

impl Evidence {
    /// The encoding (see the [module](self) notes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let proto = Protobuf::<RawSignedHeader>::encode_vec(self.signed.clone());
        let mut w = Vec::with_capacity(38 + proto.len());
        w.write_u8(EVIDENCE_VERSION);
        w.write_len_prefixed(&proto);
        match &self.bridge_root {
            None => w.write_u8(0),
            Some(root) => {
                w.write_u8(1);
                w.write_bytes(root);
            }
        }
        w
    }

    /// Decodes evidence bytes.
    pub fn from_bytes(evidence: &[u8]) -> Result<Evidence, NodeError> {
        let refused = |reason: String| NodeError::HeaderEvidence(reason);
        if let Some(&version) = evidence.first().filter(|&&v| v != EVIDENCE_VERSION) {
            return Err(refused(format!(
                "evidence version {version}; this wallet reads version {EVIDENCE_VERSION}: update it"
            )));
        }
        let (proto, bridge_root) = Reader::parse(evidence, |r| {
            r.read_u8()?;
            let proto = r.read_len_prefixed()?;
            let root = match r.read_u8()? {
                0 => None,
                _ => Some(r.read_array::<32>()?),
            };
            Ok::<_, encoding::EncodingError>((proto, root))
        })
        .map_err(|e| refused(format!("the evidence is not a CometBFT signed header: {e}")))?;
        let signed = <SignedHeader as Protobuf<RawSignedHeader>>::decode_vec(proto)
            .map_err(|e| refused(format!("the evidence's signed header does not decode: {e}")))?;
        Ok(Evidence {
            signed,
            bridge_root,
        })
    }

    /// The app hash the header must carry for our block `header`.
    fn app_hash_of(&self, header: &BlockHeader) -> [u8; 32] {
        match &self.bridge_root {
            None => header.id().0,
            Some(root) => bridged_app_hash(&header.id(), root),
        }
    }
}

/// The header verifier of a CometBFT network (see the [module](self) notes).
#[derive(Clone, Debug)]
pub struct CometBftVerifier {
    trust: CometTrust,
    hash: Hash,
}

impl CometBftVerifier {
    /// The verifier of headers signed by the validators `trust` names.
    pub fn new(trust: CometTrust) -> CometBftVerifier {
        let hash = trust.hash();
        CometBftVerifier { trust, hash }
    }

    /// What the verifier trusts.
    pub fn trust(&self) -> &CometTrust {
        &self.trust
    }
}

impl wallet::HeaderVerifier for CometBftVerifier {
    type Update = ();
    type Error = NodeError;

    fn check(
        &self,
        _previous: Option<&BlockHeader>,
        header: &BlockHeader,
        evidence: &[u8],
    ) -> Result<(), NodeError> {
        let evidence = Evidence::from_bytes(evidence)?;
        let signed = &evidence.signed;
        let refused = |reason: String| Err(NodeError::HeaderEvidence(reason));
        let h = &signed.header;
        if h.chain_id != self.trust.chain_id {
            return refused(format!(
                "the header is of chain {}, not {}",
                h.chain_id, self.trust.chain_id
            ));
        }
        if h.height.value() != header.height {
            return refused(format!(
                "the header is of CometBFT height {}, not {}",
                h.height, header.height
            ));
        }
        if h.app_hash.as_bytes() != evidence.app_hash_of(header) {
            return refused(format!(
                "the header's app hash {} is not that of block {}{}",
                h.app_hash,
                header.id(),
                match evidence.bridge_root {
                    None => String::new(),
                    Some(root) => format!(" and bridge root {}", hex::encode(root)),
                }
            ));
        }
        if h.validators_hash != self.hash || h.next_validators_hash != self.hash {
            return refused(format!(
                "the header names validator set {} (next {}), not the network's {}; its \
                 validators are fixed by its genesis, so the header is not the chain's",
                h.validators_hash, h.next_validators_hash, self.hash
            ));
        }
        let untrusted = UntrustedBlockState {
            signed_header: signed,
            validators: &self.trust.validators,
            next_validators: Some(&self.trust.validators),
        };
        let verifier = ProdVerifier::default();
        verdict(verifier.verify_validator_sets(&untrusted))?;
        verdict(verifier.verify_commit(&untrusted))
    }

    fn advance(&mut self, _update: ()) {}
}

fn verdict(verdict: Verdict) -> Result<(), NodeError> {
    let too_few = |tally: VotingPowerTally| {
        Err(NodeError::HeaderEvidence(format!(
            "validators of only {} of the {} voting power signed the header; more than two \
             thirds must",
            tally.tallied, tally.total
        )))
    };
    match verdict {
        Verdict::Success => Ok(()),
        Verdict::NotEnoughTrust(tally) => too_few(tally),
        Verdict::Invalid(VerificationErrorDetail::InsufficientSignersOverlap(e)) => {
            too_few(e.tally)
        }
        Verdict::Invalid(detail) => Err(NodeError::HeaderEvidence(format!(
            "the commit does not sign the header: {detail}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tendermint::{AppHash, Time};
    use tendermint_testgen::{Commit, Generator, Header, Validator, Vote};
    use wallet::HeaderVerifier;

    const CHAIN: &str = "zkvm-light-test";

    fn validators(ids: &[&str]) -> Vec<Validator> {
        ids.iter()
            .map(|id| Validator::new(id).voting_power(10))
            .collect()
    }

    fn trust_of(chain: &str, vals: &[Validator]) -> CometTrust {
        let keys: Vec<([u8; 32], u64)> = vals
            .iter()
            .map(|v| {
                let key = v.get_public_key().unwrap();
                (key.as_bytes().try_into().unwrap(), 10)
            })
            .collect();
        CometTrust::new(chain, &keys).unwrap()
    }

    /// One of our headers at `height` (its ID is what CometBFT's app hash carries).
    fn ours(height: u64) -> BlockHeader {
        let mut header = BlockHeader::initial(7, utreexo::Forest::new().root());
        header.height = height;
        header
    }

    /// CometBFT's header of `chain` at `height` carrying `app_hash`, of validator set
    /// `vals`, signed by `signers`.
    fn signed(
        chain: &str,
        vals: &[Validator],
        signers: &[Validator],
        height: u64,
        app_hash: &[u8],
    ) -> SignedHeader {
        let header = Header::new(vals)
            .chain_id(chain)
            .height(height)
            .time(Time::from_unix_timestamp(1_700_000_000 + height as i64, 0).unwrap())
            .app_hash(AppHash::try_from(app_hash.to_vec()).unwrap());
        let votes = signers
            .iter()
            .map(|v| Vote::new(v.clone(), header.clone()))
            .collect();
        let commit = Commit::new_with_votes(header.clone(), 1, votes)
            .generate()
            .unwrap();
        SignedHeader::new(header.generate().unwrap(), commit).unwrap()
    }

    fn plain(signed: SignedHeader) -> Vec<u8> {
        Evidence {
            signed,
            bridge_root: None,
        }
        .to_bytes()
    }

    fn evidence_for(block: &BlockHeader, vals: &[Validator], signers: &[Validator]) -> Vec<u8> {
        plain(signed(CHAIN, vals, signers, block.height, &block.id().0))
    }

    /// Four validators of 10 each, the verifier trusting them, and our block 12.
    fn four_validators() -> (Vec<Validator>, CometBftVerifier, BlockHeader) {
        let vals = validators(&["a", "b", "c", "d"]);
        let v = CometBftVerifier::new(trust_of(CHAIN, &vals));
        (vals, v, ours(12))
    }

    fn refusal(v: &CometBftVerifier, block: &BlockHeader, evidence: &[u8]) -> String {
        v.check(None, block, evidence).unwrap_err().to_string()
    }

    #[test]
    fn a_header_signed_by_the_trusted_validators_proves_the_block() {
        let (vals, v, block) = four_validators();
        v.check(None, &block, &evidence_for(&block, &vals, &vals))
            .unwrap();
        // Three of four (30 of 40, more than two thirds) suffice.
        v.check(None, &block, &evidence_for(&block, &vals, &vals[..3]))
            .unwrap();
    }

    #[test]
    fn too_few_signers_are_refused() {
        let (vals, v, block) = four_validators();
        let message = refusal(&v, &block, &evidence_for(&block, &vals, &vals[..2]));
        assert!(message.contains("only 20 of the 40"), "{message}");
    }

    #[test]
    fn a_header_of_another_block_height_or_chain_is_refused() {
        let (vals, v, block) = four_validators();
        // The app hash of another block.
        let other = evidence_for(&ours(13), &vals, &vals);
        let message = refusal(&v, &block, &other);
        assert!(message.contains("height 13, not 12"), "{message}");
        let wrong_app = plain(signed(CHAIN, &vals, &vals, 12, &[9; 32]));
        let message = refusal(&v, &block, &wrong_app);
        assert!(message.contains("is not that of block"), "{message}");
        let foreign = plain(signed("elsewhere", &vals, &vals, 12, &block.id().0));
        let message = refusal(&v, &block, &foreign);
        assert!(message.contains("of chain elsewhere"), "{message}");
    }

    #[test]
    fn validators_the_wallet_does_not_trust_are_refused() {
        let (_, v, block) = four_validators();
        let strangers = validators(&["w", "x", "y", "z"]);
        let message = refusal(&v, &block, &evidence_for(&block, &strangers, &strangers));
        assert!(message.contains("names validator set"), "{message}");
    }

    #[test]
    fn a_forged_signature_or_a_swapped_commit_is_refused() {
        let (vals, v, block) = four_validators();
        let mut forged = signed(CHAIN, &vals, &vals, 12, &block.id().0);
        for sig in &mut forged.commit.signatures {
            if let tendermint::block::CommitSig::BlockIdFlagCommit {
                signature: Some(s), ..
            } = sig
            {
                let mut bytes = s.as_bytes().to_vec();
                bytes[5] ^= 1;
                *s = tendermint::Signature::try_from(bytes).unwrap();
            }
        }
        let message = refusal(&v, &block, &plain(forged));
        assert!(message.contains("does not sign the header"), "{message}");
        // The commit of another header of the same height.
        let mut swapped = signed(CHAIN, &vals, &vals, 12, &block.id().0);
        swapped.commit = signed(CHAIN, &vals, &vals, 12, &[1; 32]).commit;
        let message = refusal(&v, &block, &plain(swapped));
        assert!(message.contains("does not sign the header"), "{message}");
    }

    #[test]
    fn malformed_evidence_is_refused_by_name() {
        let (vals, v, block) = four_validators();
        let good = evidence_for(&block, &vals, &vals);
        let message = refusal(&v, &block, &good[..good.len() - 3]);
        assert!(
            message.contains("not a CometBFT signed header"),
            "{message}"
        );
        let mut other_version = good.clone();
        other_version[0] = 2;
        let message = refusal(&v, &block, &other_version);
        assert!(message.contains("evidence version 2"), "{message}");
        // A devnet signature (64 bytes) is no CometBFT evidence.
        assert!(v.check(None, &block, &[0; 64]).is_err());
    }

    #[test]
    fn a_bridged_chain_proves_its_blocks_with_the_bridge_root() {
        let (vals, v, block) = four_validators();
        let root = [7u8; 32];
        let app = bridged_app_hash(&block.id(), &root);
        let evidence = |bridge_root| {
            Evidence {
                signed: signed(CHAIN, &vals, &vals, 12, &app),
                bridge_root,
            }
            .to_bytes()
        };
        v.check(None, &block, &evidence(Some(root))).unwrap();
        let decoded = Evidence::from_bytes(&evidence(Some(root))).unwrap();
        assert_eq!(decoded.bridge_root, Some(root));
        // Another root, or none, does not give the signed app hash.
        let message = refusal(&v, &block, &evidence(Some([8; 32])));
        assert!(message.contains("and bridge root 0808"), "{message}");
        let message = refusal(&v, &block, &evidence(None));
        assert!(message.contains("is not that of block"), "{message}");
    }

    #[test]
    fn a_trust_round_trips_and_bad_trusts_are_refused() {
        let vals = validators(&["a", "b", "c"]);
        let trust = trust_of(CHAIN, &vals);
        let mut bytes = Vec::new();
        trust.encode(&mut bytes);
        let decoded = Reader::parse(&bytes, |r| CometTrust::decode(r)).unwrap();
        assert_eq!(decoded, trust);
        assert_eq!(decoded.hash(), trust.hash());
        assert_eq!(CometTrust::from_json(&trust.to_json()).unwrap(), trust);
        // A count larger than the bytes is refused before anything is allocated.
        let mut huge = Vec::new();
        huge.write_len_prefixed(CHAIN.as_bytes());
        huge.write_u32(u32::MAX);
        assert!(Reader::parse(&huge, |r| CometTrust::decode(r)).is_err());
        assert!(CometTrust::new(CHAIN, &[]).is_err());
        assert!(CometTrust::new("", &[([1; 32], 1)]).is_err());
    }
}
