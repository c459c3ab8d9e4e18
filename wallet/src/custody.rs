//! Shared custody: spending a 2-of-2 account ([`crate::shared`]) with MuSig2, both
//! parties signing. An output paid to the shared address has predicate `X̃ + t·B`,
//! with `t` from its note.
//!
//! Spending takes two messages:
//!
//! 1. The proposer builds and proves the transaction and sends it (unsigned) with
//!    its public nonces, one per signing position it holds.
//! 2. The co-signer runs the transaction through the VM to learn its log and ID,
//!    checks that every input is a free shared output it knows, reserves them,
//!    draws its nonces, and returns them with its partial signatures.
//!
//! The proposer then signs, checks the co-signer's shares, sums them and adds
//! `Σ cᵢ·tᵢ` (each input's tweak times its challenge) to get the transaction
//! signature. Neither party ever holds the other's key.

use crate::errors::WalletError;
use crate::ledger::Owner;
use crate::send::{Built, SentTx, TxPlan};
use crate::shared::SharedAccount;
use crate::wallet::Wallet;
use batch::{BatchVerifier, Generators};
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use merlin::Transcript;
use musig::{
    Multimessage, MusigContext, PartialSignature, PublicNonce, SecretNonce, Session, Signature,
    TranscriptProtocol, VerificationKey,
};
use rand_core::{CryptoRng, RngCore};
use zkvm::{ContractId, Tx};

/// The MuSig2 context of a shared spend: both parties sign each input's pair
/// (predicate `X̃ + tᵢ·B`, contract ID) with their own keys; the tweaks are added
/// after aggregation.
#[derive(Clone, Debug)]
struct SharedContext {
    messages: Multimessage<[u8; 32]>,
    keys: [VerificationKey; 2],
    factors: [Scalar; 2],
    tweaks: Vec<Scalar>,
}

impl SharedContext {
    fn new(
        account: &SharedAccount,
        pairs: Vec<(VerificationKey, [u8; 32])>,
        tweaks: Vec<Scalar>,
    ) -> Result<Self, WalletError> {
        let keys = [account.multikey().keys()[0], account.multikey().keys()[1]];
        let factor = |i| account.multikey().factor(i).unwrap_or(Scalar::ONE);
        Ok(SharedContext {
            messages: Multimessage::new(pairs)?,
            keys,
            factors: [factor(0), factor(1)],
            tweaks,
        })
    }

    /// Positions of party `index`: `2·pair + index`.
    fn positions(&self, index: usize) -> impl Iterator<Item = usize> {
        (0..self.messages.len()).map(move |i| 2 * i + index)
    }

    /// Adds `Σ cᵢ·tᵢ` to an aggregated signature.
    fn complete(&self, transcript: &Transcript, sig: Signature) -> Signature {
        let mut t = transcript.clone();
        self.messages.commit(&mut t);
        t.commit_nonce(&sig.R);
        let c = self.messages.challenges(&mut t);
        let tweak: Scalar = c.iter().zip(&self.tweaks).map(|(c, t)| c * t).sum();
        Signature {
            R: sig.R,
            s: sig.s + tweak,
        }
    }
}

impl MusigContext for SharedContext {
    fn signers(&self) -> usize {
        2 * self.messages.len()
    }

    fn key(&self, index: usize) -> Option<&VerificationKey> {
        (index < self.signers()).then(|| &self.keys[index % 2])
    }

    fn commit(&self, transcript: &mut Transcript) {
        self.messages.commit(transcript);
    }

    fn challenges(&self, transcript: &mut Transcript) -> Vec<Scalar> {
        let per_pair = self.messages.challenges(transcript);
        (0..self.signers())
            .map(|k| per_pair[k / 2] * self.factors[k % 2])
            .collect()
    }
}

/// Message 1: the proposed transaction and the proposer's public nonces.
#[derive(Clone, Debug)]
pub struct CosignProposal {
    /// The transaction with an empty signature (its encoding).
    pub tx: Vec<u8>,
    /// The proposer's nonces, one per signing position it holds, in order.
    pub nonces: Vec<[u8; 64]>,
}

impl CosignProposal {
    /// Encoding: `LE32 length || tx || LE32 count || nonces (64 each)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.write_len_prefixed(&self.tx);
        write_arrays(&mut w, &self.nonces);
        w
    }

    /// Decodes a proposal that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<CosignProposal, WalletError> {
        Reader::parse(bytes, |r| {
            Ok::<_, WalletError>(CosignProposal {
                tx: r.read_len_prefixed()?.to_vec(),
                nonces: read_arrays(r)?,
            })
        })
    }

    /// Runs the proposed transaction through the VM and returns what it does (its
    /// ID and log), for the co-signer to inspect before signing. The proof and the
    /// (absent) signature are not checked here: the chain checks them.
    pub fn log(&self, gens: &Generators) -> Result<zkvm::VerifiedTx, WalletError> {
        let tx = Tx::from_bytes(&self.tx)?;
        let mut unchecked = BatchVerifier::new(gens, rand_core::OsRng);
        Ok(zkvm::Verifier::verify_tx_batched(&tx, &mut unchecked)?)
    }
}

/// Message 2: the co-signer's public nonces and partial signatures.
#[derive(Clone, Debug)]
pub struct CosignResponse {
    /// The co-signer's nonces, in position order.
    pub nonces: Vec<[u8; 64]>,
    /// The co-signer's partial signatures, in position order.
    pub shares: Vec<[u8; 32]>,
}

impl CosignResponse {
    /// Encoding: `LE32 count || nonces (64 each) || LE32 count || shares (32 each)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        write_arrays(&mut w, &self.nonces);
        write_arrays(&mut w, &self.shares);
        w
    }

    /// Decodes a response that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<CosignResponse, WalletError> {
        Reader::parse(bytes, |r| {
            Ok::<_, WalletError>(CosignResponse {
                nonces: read_arrays(r)?,
                shares: read_arrays(r)?,
            })
        })
    }
}

fn write_arrays<const N: usize>(w: &mut Vec<u8>, items: &[[u8; N]]) {
    w.write_u32(items.len() as u32);
    for item in items {
        w.write_bytes(item);
    }
}

fn read_arrays<const N: usize>(r: &mut Reader<'_>) -> Result<Vec<[u8; N]>, WalletError> {
    let n = r.read_count(N)?;
    (0..n).map(|_| Ok(r.read_array()?)).collect()
}

/// The proposer's state between the two messages (secret nonces: kept in memory,
/// never stored).
pub struct PendingCosign {
    built: Built,
    context: SharedContext,
    nonces: Vec<SecretNonce>,
    public: Vec<PublicNonce>,
}

impl core::fmt::Debug for PendingCosign {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingCosign")
            .field("tx", &self.built.unsigned.id)
            .finish_non_exhaustive()
    }
}

/// Merges the two parties' nonces into position order.
fn merge(mine: &[PublicNonce], theirs: &[PublicNonce], my_index: usize) -> Vec<PublicNonce> {
    mine.iter()
        .zip(theirs)
        .flat_map(|(m, t)| if my_index == 0 { [*m, *t] } else { [*t, *m] })
        .collect()
}

fn read_nonces(bytes: &[[u8; 64]], expected: usize) -> Result<Vec<PublicNonce>, WalletError> {
    if bytes.len() != expected {
        return Err(WalletError::Signing(format!(
            "expected {expected} nonces, got {}",
            bytes.len()
        )));
    }
    bytes
        .iter()
        .map(|b| PublicNonce::from_bytes(b).map_err(WalletError::from))
        .collect()
}

impl Wallet {
    /// The signing context of a shared spend of `inputs` (in log order).
    fn shared_context(&self, inputs: &[ContractId]) -> Result<SharedContext, WalletError> {
        let account = self.shared()?;
        let mut pairs = Vec::with_capacity(inputs.len());
        let mut tweaks = Vec::with_capacity(inputs.len());
        for id in inputs {
            let o = self
                .ledger
                .outputs
                .get(id)
                .filter(|o| o.owner == Owner::Shared)
                .ok_or_else(|| {
                    WalletError::CosignRefused(format!("{id} is not a shared output"))
                })?;
            let key = VerificationKey::from_compressed(o.predicate)?;
            pairs.push((key, id.0));
            tweaks.push(o.tweak);
        }
        SharedContext::new(account, pairs, tweaks)
    }

    /// Round one: builds and proves a spend of the shared account and reserves its
    /// inputs. Send the proposal to the other party; keep the pending state.
    pub fn propose_shared<R: RngCore + CryptoRng>(
        &mut self,
        plan: &TxPlan,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<(CosignProposal, PendingCosign), WalletError> {
        if plan.from() != Owner::Shared {
            return Err(WalletError::Signing(
                "the plan does not spend the shared account".into(),
            ));
        }
        let built = self.build_plan(plan, gens, rng)?;
        let context = self.shared_context(&built.inputs)?;
        let account = self.shared()?;
        let transcript = built.unsigned.signing_transcript();
        let (nonces, public): (Vec<_>, Vec<_>) = context
            .positions(account.position())
            .map(|_| SecretNonce::generate(&transcript, account.key(), rng))
            .unzip();
        let mut unsigned_tx = built.unsigned.clone();
        unsigned_tx.signing_instructions.clear();
        let tx = unsigned_tx.sign(rng)?;
        let proposal = CosignProposal {
            tx: tx.to_bytes(),
            nonces: public.iter().map(PublicNonce::to_bytes).collect(),
        };
        self.ledger.reserve(built.pending());
        Ok((
            proposal,
            PendingCosign {
                built,
                context,
                nonces,
                public,
            },
        ))
    }

    /// Round two, the co-signer: checks the proposal, reserves its inputs, signs.
    pub fn cosign<R: RngCore + CryptoRng>(
        &mut self,
        proposal: &CosignProposal,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<CosignResponse, WalletError> {
        let verified = proposal.log(gens)?;
        let inputs: Vec<ContractId> = verified.log.inputs().copied().collect();
        for id in &inputs {
            let free = self
                .ledger
                .outputs
                .get(id)
                .is_some_and(|o| o.reserved_by.is_none());
            if !free {
                return Err(WalletError::CosignRefused(format!(
                    "{id} is not a free shared output"
                )));
            }
        }
        let context = self.shared_context(&inputs)?;
        let account = self.shared()?;
        let theirs = read_nonces(&proposal.nonces, inputs.len())?;
        let transcript = zkvm::signing::signtx_transcript(&verified.id);
        let (secrets, mine): (Vec<_>, Vec<_>) = context
            .positions(account.position())
            .map(|_| SecretNonce::generate(&transcript, account.key(), rng))
            .unzip();
        let session = Session::new(
            &transcript,
            context.clone(),
            merge(&mine, &theirs, account.position()),
        )?;
        let shares = context
            .positions(account.position())
            .zip(secrets)
            .map(|(k, nonce)| session.sign(k, account.key(), nonce).map(|s| s.to_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let pending = crate::ledger::PendingTx {
            id: verified.id,
            inputs,
            maxtime_ms: verified.header.maxtime_ms,
            incoming: Vec::new(),
        };
        self.ledger.reserve(pending);
        Ok(CosignResponse {
            nonces: mine.iter().map(PublicNonce::to_bytes).collect(),
            shares,
        })
    }

    /// The proposer's last step: signs, checks the co-signer's shares and returns
    /// the signed transaction. On error the inputs stay reserved until released.
    pub fn complete_shared(
        &mut self,
        pending: PendingCosign,
        response: &CosignResponse,
    ) -> Result<SentTx, WalletError> {
        let account = self.shared()?;
        let n = pending.public.len();
        let theirs = read_nonces(&response.nonces, n)?;
        if response.shares.len() != n {
            return Err(WalletError::Signing("wrong number of shares".into()));
        }
        let transcript = pending.built.unsigned.signing_transcript();
        let my = account.position();
        let session = Session::new(
            &transcript,
            pending.context.clone(),
            merge(&pending.public, &theirs, my),
        )?;
        let mut shares = vec![PartialSignature::from(Scalar::ZERO); 2 * n];
        for ((k, nonce), other) in pending
            .context
            .positions(my)
            .zip(pending.nonces)
            .zip(&response.shares)
        {
            shares[k] = session.sign(k, account.key(), nonce)?;
            shares[k ^ 1] = PartialSignature::from_bytes(other)?;
        }
        let aggregated = session.aggregate(&shares)?;
        let signature = pending.context.complete(&transcript, aggregated);
        let tx = pending.built.unsigned.clone().attach_signature(signature)?;
        Ok(pending.built.into_sent(tx))
    }
}
