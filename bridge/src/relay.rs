//! The relayer: gathers the signatures of a withdrawal or a checkpoint (from vote
//! extensions, a block, or the validators directly), keeps those of the contract's
//! validators, and submits them once they hold more than two thirds of its power, in
//! the order the contract wants. Anyone may relay: the signatures, not the relayer,
//! authorise the payment; the relayer only pays the L1 gas.

use crate::errors::BridgeError;
use crate::l1::{BridgeClient, Receipt};
use crate::messages::{Checkpoint, Withdrawal};
use crate::signatures::{EthSignature, SignatureSet};

/// What relaying a withdrawal did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Relayed {
    /// It was submitted and paid.
    Paid(Receipt),
    /// It had been paid already: nothing was sent.
    AlreadyPaid,
}

/// Submits signed withdrawals and checkpoints to the bridge contract.
#[derive(Clone, Debug)]
pub struct Relayer {
    bridge: BridgeClient,
}

impl Relayer {
    /// A relayer sending through `bridge`'s client (whose key pays the gas).
    pub fn new(bridge: BridgeClient) -> Self {
        Relayer { bridge }
    }

    /// Has `withdrawal` paid with the validators' signatures among `signatures`;
    /// refuses without sending anything if they hold two thirds or less of the
    /// contract's validator power.
    pub async fn relay_withdrawal(
        &self,
        withdrawal: &Withdrawal,
        signatures: impl IntoIterator<Item = EthSignature>,
    ) -> Result<Relayed, BridgeError> {
        if self.bridge.is_paid(withdrawal.id()).await? {
            return Ok(Relayed::AlreadyPaid);
        }
        let digest = withdrawal.digest(&self.bridge.domain());
        let ordered = self.collect(digest, signatures).await?;
        Ok(Relayed::Paid(
            self.bridge.withdraw(withdrawal, &ordered).await?,
        ))
    }

    /// Posts `checkpoint` with the validators' signatures among `signatures`.
    pub async fn relay_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        signatures: impl IntoIterator<Item = EthSignature>,
    ) -> Result<Receipt, BridgeError> {
        let digest = checkpoint.digest(&self.bridge.domain());
        let ordered = self.collect(digest, signatures).await?;
        self.bridge.post_checkpoint(checkpoint, &ordered).await
    }

    async fn collect(
        &self,
        digest: alloy::primitives::B256,
        signatures: impl IntoIterator<Item = EthSignature>,
    ) -> Result<Vec<EthSignature>, BridgeError> {
        let validators = self.bridge.validator_set().await?;
        SignatureSet::collect(digest, signatures, &validators)
    }
}
