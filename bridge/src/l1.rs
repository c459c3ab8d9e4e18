//! The L1 client: deploys the contracts, makes deposits, watches deposit events
//! with a number of confirmations, submits withdrawals, validator handovers and
//! checkpoints with their signatures, and reads balances, payments and checkpoints.
//! It signs its transactions locally with one key and talks JSON-RPC over HTTP.

use crate::contracts::{Bridge, TestToken};
use crate::errors::BridgeError;
use crate::messages::{Checkpoint, DepositReport, Domain, Withdrawal};
use crate::signatures::{EthSignature, ValidatorSet};
use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, PendingTransactionBuilder, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use std::time::{Duration, Instant};

/// How long a sent transaction may take to be mined before the client gives up.
const MINING_TIMEOUT: Duration = Duration::from_secs(120);

/// What a mined L1 transaction left.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction hash.
    pub tx_hash: B256,
    /// The block it was mined in.
    pub block: u64,
    /// The gas it used.
    pub gas_used: u64,
}

/// A connection to an L1 node, sending transactions signed by one key.
#[derive(Clone, Debug)]
pub struct L1 {
    provider: DynProvider,
    sender: Address,
    chain_id: u64,
}

impl L1 {
    /// Connects to the node at `url` (for example `http://127.0.0.1:8545`); `signer`
    /// signs and pays for the transactions sent.
    pub async fn connect(url: &str, signer: PrivateKeySigner) -> Result<Self, BridgeError> {
        let url = url.parse().map_err(|e| {
            BridgeError::L1(format!(
                "{url} is not a URL ({e}); give the L1 node's HTTP RPC address"
            ))
        })?;
        let sender = signer.address();
        // The nonce is read from the node for every transaction: a cached nonce would
        // be used up by a call the node refuses, leaving a gap that stalls the next.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(EthereumWallet::from(signer))
            .connect_http(url)
            .erased();
        let chain_id = provider.get_chain_id().await.map_err(|e| {
            BridgeError::L1(format!("cannot reach the L1 node ({e}); is it running?"))
        })?;
        Ok(L1 {
            provider,
            sender,
            chain_id,
        })
    }

    /// The address that sends this client's transactions.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// The L1 chain ID.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The provider, for anything this client does not wrap.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Waits until `pending` is mined and returns its receipt, or why it failed. A
    /// node that cannot serve the receipt yet (not mined, or still indexing) is asked
    /// again.
    pub async fn mined(
        &self,
        pending: PendingTransactionBuilder<alloy::network::Ethereum>,
    ) -> Result<Receipt, BridgeError> {
        let receipt = self.receipt(pending).await?;
        Ok(Receipt {
            tx_hash: receipt.transaction_hash,
            block: receipt.block_number.unwrap_or_default(),
            gas_used: receipt.gas_used,
        })
    }

    /// The full receipt of a successful transaction.
    async fn receipt(
        &self,
        pending: PendingTransactionBuilder<alloy::network::Ethereum>,
    ) -> Result<alloy::rpc::types::TransactionReceipt, BridgeError> {
        let hash = *pending.tx_hash();
        let start = Instant::now();
        let receipt = loop {
            if let Ok(Some(r)) = self.provider.get_transaction_receipt(hash).await {
                break r;
            }
            if start.elapsed() > MINING_TIMEOUT {
                return Err(BridgeError::L1(format!(
                    "transaction {hash} was not mined within {} s; is the L1 node producing blocks?",
                    MINING_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if !receipt.status() {
            return Err(BridgeError::L1(format!("transaction {hash} reverted")));
        }
        Ok(receipt)
    }

    /// Waits for a contract creation and returns the new contract's address.
    async fn deployed(
        &self,
        pending: PendingTransactionBuilder<alloy::network::Ethereum>,
    ) -> Result<Address, BridgeError> {
        self.receipt(pending)
            .await?
            .contract_address
            .ok_or_else(|| BridgeError::L1("the deployment created no contract".into()))
    }

    /// The number of the latest block.
    pub async fn block_number(&self) -> Result<u64, BridgeError> {
        self.provider
            .get_block_number()
            .await
            .map_err(BridgeError::l1)
    }

    /// The ETH balance of `owner`, in wei.
    pub async fn eth_balance(&self, owner: Address) -> Result<U256, BridgeError> {
        self.provider
            .get_balance(owner)
            .await
            .map_err(BridgeError::l1)
    }

    /// The balance of `owner` in `token`.
    pub async fn token_balance(&self, token: Address, owner: Address) -> Result<U256, BridgeError> {
        TestToken::new(token, &self.provider)
            .balanceOf(owner)
            .call()
            .await
            .map_err(BridgeError::l1)
    }

    /// Deploys the bridge with `validators`.
    pub async fn deploy_bridge(
        &self,
        validators: &ValidatorSet,
    ) -> Result<BridgeClient, BridgeError> {
        let (addresses, powers): (Vec<Address>, Vec<U256>) = validators
            .members()
            .map(|(a, p)| (a, U256::from(p)))
            .unzip();
        let deploy = Bridge::deploy_builder(self.provider.clone(), addresses, powers);
        let address = self.deployed(deploy.send().await.map_err(revert)?).await?;
        Ok(self.bridge(address))
    }

    /// Deploys a test ERC-20 whose whole `supply` belongs to the sender.
    pub async fn deploy_test_token(
        &self,
        name: &str,
        symbol: &str,
        supply: U256,
    ) -> Result<Address, BridgeError> {
        let deploy =
            TestToken::deploy_builder(self.provider.clone(), name.into(), symbol.into(), supply);
        self.deployed(deploy.send().await.map_err(revert)?).await
    }

    /// The bridge contract at `address`.
    pub fn bridge(&self, address: Address) -> BridgeClient {
        BridgeClient {
            l1: self.clone(),
            contract: Bridge::new(address, self.provider.clone()),
        }
    }
}

/// The bridge contract, seen through an [`L1`] client.
#[derive(Clone, Debug)]
pub struct BridgeClient {
    l1: L1,
    contract: Bridge::BridgeInstance<DynProvider>,
}

impl BridgeClient {
    /// The contract's address.
    pub fn address(&self) -> Address {
        *self.contract.address()
    }

    /// The domain its digests are made for.
    pub fn domain(&self) -> Domain {
        Domain {
            chain_id: self.l1.chain_id,
            bridge: self.address(),
        }
    }

    /// The client it talks through.
    pub fn l1(&self) -> &L1 {
        &self.l1
    }

    /// The binding, for calls this client does not wrap.
    pub fn contract(&self) -> &Bridge::BridgeInstance<DynProvider> {
        &self.contract
    }

    /// Deposits `amount` wei to the ZkVM address `recipient` (its 65 bytes).
    pub async fn deposit_eth(
        &self,
        recipient: &[u8; 65],
        amount: u64,
    ) -> Result<Receipt, BridgeError> {
        let call = self
            .contract
            .depositEth(Bytes::copy_from_slice(recipient))
            .value(U256::from(amount));
        self.l1.mined(call.send().await.map_err(revert)?).await
    }

    /// Approves the bridge for `amount` of `token`, then deposits it to `recipient`;
    /// the receipt is the deposit's.
    pub async fn deposit_erc20(
        &self,
        token: Address,
        recipient: &[u8; 65],
        amount: u64,
    ) -> Result<Receipt, BridgeError> {
        let erc20 = TestToken::new(token, self.l1.provider.clone());
        let approve = erc20.approve(self.address(), U256::from(amount));
        self.l1.mined(approve.send().await.map_err(revert)?).await?;
        let call = self.contract.depositErc20(
            token,
            U256::from(amount),
            Bytes::copy_from_slice(recipient),
        );
        self.l1.mined(call.send().await.map_err(revert)?).await
    }

    /// The deposits made in blocks `from_block` onwards that have at least
    /// `confirmations` confirmations (a deposit in the latest block has one), by
    /// nonce. Events that do not make a valid report are skipped.
    pub async fn deposits(
        &self,
        from_block: u64,
        confirmations: u64,
    ) -> Result<Vec<DepositReport>, BridgeError> {
        let head = self.l1.block_number().await?;
        let Some(last) = (head + 1).checked_sub(confirmations.max(1)) else {
            return Ok(Vec::new());
        };
        if last < from_block {
            return Ok(Vec::new());
        }
        let events = self
            .contract
            .Deposit_filter()
            .from_block(from_block)
            .to_block(last)
            .query()
            .await
            .map_err(BridgeError::l1)?;
        let mut reports: Vec<DepositReport> = events
            .into_iter()
            .filter_map(|(event, log)| {
                Some(DepositReport {
                    nonce: event.nonce,
                    token: event.token,
                    amount: u64::try_from(event.amount).ok()?,
                    recipient: event.zkvmAddress.as_ref().try_into().ok()?,
                    l1_tx: log.transaction_hash?,
                })
            })
            .collect();
        reports.sort_by_key(|d| d.nonce);
        Ok(reports)
    }

    /// Submits `withdrawal` with `signatures` (signers increasing) as they are.
    pub async fn withdraw(
        &self,
        withdrawal: &Withdrawal,
        signatures: &[EthSignature],
    ) -> Result<Receipt, BridgeError> {
        let p = &withdrawal.payload;
        let call = self.contract.withdraw(
            withdrawal.zkvm_tx,
            withdrawal.log_index,
            p.recipient,
            p.token,
            U256::from(p.amount),
            to_contract(signatures),
        );
        self.l1.mined(call.send().await.map_err(revert)?).await
    }

    /// Whether the withdrawal with ID `id` was paid.
    pub async fn is_paid(&self, id: B256) -> Result<bool, BridgeError> {
        self.contract.paid(id).call().await.map_err(BridgeError::l1)
    }

    /// Posts `checkpoint` with `signatures` (signers increasing) as they are.
    pub async fn post_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        signatures: &[EthSignature],
    ) -> Result<Receipt, BridgeError> {
        let c = checkpoint;
        let call = self.contract.postCheckpoint(
            c.height,
            c.block_id,
            c.utxo_root,
            c.app_hash,
            to_contract(signatures),
        );
        self.l1.mined(call.send().await.map_err(revert)?).await
    }

    /// The checkpoint of `height`, if one was posted.
    pub async fn checkpoint_at(&self, height: u64) -> Result<Option<Checkpoint>, BridgeError> {
        let c = self
            .contract
            .checkpointAt(height)
            .call()
            .await
            .map_err(BridgeError::l1)?;
        Ok((c.blockId != B256::ZERO).then_some(Checkpoint {
            height,
            block_id: c.blockId,
            utxo_root: c.utxoRoot,
            app_hash: c.appHash,
        }))
    }

    /// The validator set the contract holds.
    pub async fn validator_set(&self) -> Result<ValidatorSet, BridgeError> {
        let set = self
            .contract
            .validatorSet()
            .call()
            .await
            .map_err(BridgeError::l1)?;
        let members = set._0.into_iter().zip(set._1).map(|(a, p)| {
            let power = u64::try_from(p)
                .map_err(|_| BridgeError::InvalidValidatorSet("a power above 2^64"))?;
            Ok((a, power))
        });
        ValidatorSet::new(members.collect::<Result<Vec<_>, BridgeError>>()?)
    }

    /// How many times the validator set was handed over (the nonce the next
    /// handover's digest takes).
    pub async fn validators_nonce(&self) -> Result<u64, BridgeError> {
        self.contract
            .validatorsNonce()
            .call()
            .await
            .map_err(BridgeError::l1)
    }

    /// Hands the contract over to `validators`, with signatures of the current set.
    pub async fn update_validators(
        &self,
        validators: &[(Address, u64)],
        signatures: &[EthSignature],
    ) -> Result<Receipt, BridgeError> {
        let addresses = validators.iter().map(|(a, _)| *a).collect();
        let powers = validators.iter().map(|(_, p)| U256::from(*p)).collect();
        let call = self
            .contract
            .updateValidators(addresses, powers, to_contract(signatures));
        self.l1.mined(call.send().await.map_err(revert)?).await
    }
}

/// Signatures as the contract's `Signature[]`.
fn to_contract(signatures: &[EthSignature]) -> Vec<Bridge::Signature> {
    signatures
        .iter()
        .map(|s| Bridge::Signature {
            r: B256::from(s.r),
            s: B256::from(s.s),
            v: s.v,
        })
        .collect()
}

/// A refused call, naming the contract's error when it is one of the bridge's.
fn revert(e: alloy::contract::Error) -> BridgeError {
    match e.as_decoded_interface_error::<Bridge::BridgeErrors>() {
        Some(decoded) => BridgeError::L1(format!("the bridge contract refused: {decoded:?}")),
        None => BridgeError::L1(e.to_string()),
    }
}
