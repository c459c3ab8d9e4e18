//! Light sync, birthdays and pending transactions.
//!
//! With `--light` a wallet follows the chain from the node's compact blocks
//! (`GET /v1/compact/blocks`) instead of validating every block in full: it checks
//! each header's evidence ([`ChainVerifier`]: the producer's signature on a
//! devnet, the validators' commit on a CometBFT network), replays the
//! block's spends and outputs on its copy of the forest, and counts an output only
//! once its proof holds against the header's UTXO root (the wallet library's
//! `light` module). What it sent in a block is listed from the full form of its own
//! transactions, fetched and verified one by one (`GET /v1/txs/{id}`; the node
//! learns which transactions are the wallet's).
//!
//! A new wallet starts at a birthday: the node's tip, whose header it checks and
//! whose forest it takes from the node (`GET /v1/forest?height=H`) only if the header
//! commits to it, or a given height, reached from the genesis by light blocks
//! without scanning them. After every sync, pending transactions are reconciled
//! with the node's mempool: one the node lost is submitted again, one that expired
//! or cannot be submitted again is released.

use super::basic::NameArgs;
use super::keys::read_root;
use super::local::LocalWallet;
use super::passphrase::Purpose;
use super::session::{Session, WalletDir};
use super::{generators, WalletOptions, ACCOUNT, NETWORK};
use crate::client::Remote;
use crate::error::NodeError;
use crate::genesis::Consensus;
use crate::light::cometbft::{CometBftVerifier, CometTrust};
use blockchain::BlockHeader;
use blockchain::{BlockTx, ChainState};
use clap::Args;
use std::collections::BTreeSet;
use std::path::PathBuf;
use wallet::{
    Checkpoint, DevnetVerifier, GapLimit, HeaderVerifier, LightBlock, MempoolView, Recovery,
    Vanished, Wallet,
};
use zkvm::{Generators, TxId, Verifier};

/// What a light sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LightSync {
    /// Blocks applied.
    pub blocks: u64,
    /// Bytes of pages downloaded.
    pub bytes: usize,
}

/// How many times a birthday at the tip is tried when the tip moves meanwhile.
const BIRTHDAY_TRIES: usize = 5;

/// The header verifier of a wallet's chain: the devnet's producer, or a CometBFT
/// network's validators ([`crate::light::cometbft`]).
#[derive(Clone, Debug)]
pub enum ChainVerifier {
    /// Blocks signed by the producer.
    Devnet(DevnetVerifier),
    /// Headers signed by the validators' commits.
    CometBft(CometBftVerifier),
}

impl ChainVerifier {
    /// The verifier of `chain`: its producer on a devnet; on a CometBFT network the
    /// validators `trust` names, or, when the wallet trusts none yet, those the node
    /// names.
    pub async fn of(
        remote: &Remote,
        chain: &ChainState,
        consensus: Consensus,
        trust: Option<&CometTrust>,
    ) -> Result<ChainVerifier, NodeError> {
        Ok(match consensus {
            Consensus::Devnet => ChainVerifier::Devnet(DevnetVerifier::new(*chain.producer())),
            Consensus::CometBft => ChainVerifier::CometBft(CometBftVerifier::new(match trust {
                Some(trust) => trust.clone(),
                None => remote.light_trust().await?,
            })),
        })
    }

    /// The validators trusted, on a CometBFT network.
    pub fn trust(&self) -> Option<&CometTrust> {
        match self {
            ChainVerifier::Devnet(_) => None,
            ChainVerifier::CometBft(v) => Some(v.trust()),
        }
    }
}

impl HeaderVerifier for ChainVerifier {
    type Update = ();
    type Error = NodeError;

    fn check(
        &self,
        previous: Option<&BlockHeader>,
        header: &BlockHeader,
        evidence: &[u8],
    ) -> Result<(), NodeError> {
        match self {
            ChainVerifier::Devnet(v) => Ok(v.check(previous, header, evidence)?),
            ChainVerifier::CometBft(v) => v.check(previous, header, evidence),
        }
    }

    fn advance(&mut self, _update: ()) {}
}

/// The chain state of `checkpoint` on the chain that `chain` started.
fn state_at(chain: &ChainState, checkpoint: &Checkpoint) -> Result<ChainState, NodeError> {
    Ok(ChainState::from_parts(
        chain.initial().clone(),
        checkpoint.header().clone(),
        checkpoint.forest().clone(),
        *chain.producer(),
    )?)
}

/// A birthday on the chain `initial` starts: the checkpoint of the node's tip when
/// `height` is none, else of the block before `height` (so that blocks from
/// `height` on are scanned); with the validators the wallet now trusts on a
/// CometBFT network. A wallet of a node that serves no light sync (it kept no
/// bridge roots of its heights) starts at the genesis unless told.
pub async fn birthday(
    remote: &Remote,
    initial: &ChainState,
    consensus: Consensus,
    height: Option<u64>,
) -> Result<(Checkpoint, Option<CometTrust>), NodeError> {
    let genesis = Checkpoint::of_state(initial);
    // Blocks from height 2 on are scanned from the genesis.
    if height.is_some_and(|h| h <= genesis.height() + 1) {
        return Ok((genesis, None));
    }
    let mut verifier = match ChainVerifier::of(remote, initial, consensus, None).await {
        Err(NodeError::NoLightSync(_)) if height.is_none() => return Ok((genesis, None)),
        verifier => verifier?,
    };
    let checkpoint = match height {
        None => tip_checkpoint(remote, &genesis, &mut verifier).await?,
        Some(height) => reach(remote, genesis, height - 1, &mut verifier).await?,
    };
    Ok((checkpoint, verifier.trust().cloned()))
}

/// The checkpoint at `target`, reached from `checkpoint` by light blocks.
async fn reach(
    remote: &Remote,
    mut checkpoint: Checkpoint,
    target: u64,
    verifier: &mut ChainVerifier,
) -> Result<Checkpoint, NodeError> {
    while checkpoint.height() < target {
        let (tip, blocks, _) = remote.light_blocks(checkpoint.height() + 1).await?;
        if blocks.is_empty() {
            return Err(NodeError::Invalid {
                what: "--from-height",
                reason: format!(
                    "the node's chain ends at height {tip}; give a height up to {}",
                    tip + 1
                ),
            });
        }
        for light in blocks
            .iter()
            .take_while(|b| b.block.header.height <= target)
        {
            checkpoint = checkpoint.follow(light, verifier)?;
        }
    }
    Ok(checkpoint)
}

/// The checkpoint of the node's tip: its header as its evidence proves it, and the
/// forest the node gives of that height if the header commits to it. On a CometBFT
/// network the tip is the last block CometBFT's headers prove yet.
async fn tip_checkpoint(
    remote: &Remote,
    genesis: &Checkpoint,
    verifier: &mut ChainVerifier,
) -> Result<Checkpoint, NodeError> {
    let mut height = remote.status().await?.height;
    for _ in 0..BIRTHDAY_TRIES {
        if height <= genesis.height() {
            return Ok(genesis.clone());
        }
        let (tip, blocks, _) = remote.light_blocks(height).await?;
        let Some(LightBlock { block, evidence }) = blocks.into_iter().next() else {
            // Not proven yet: start at the last block that is.
            height = tip.min(height - 1);
            continue;
        };
        let forest = remote.forest_at(height).await?;
        match Checkpoint::verified(block.header, forest, &evidence, verifier) {
            Ok(checkpoint) => return Ok(checkpoint),
            // The node's forest of that height was pruned meanwhile: try its tip.
            Err(wallet::WalletError::CheckpointMismatch { .. }) => {
                height = remote.status().await?.height
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(NodeError::Busy(format!(
        "the node's tip moved on each of {BIRTHDAY_TRIES} tries to read it with its forest; try again, or give --from-height"
    )))
}

impl LocalWallet {
    /// Starts the wallet afresh at `checkpoint`, on its chain.
    pub fn start_at(&mut self, checkpoint: Checkpoint) -> Result<(), NodeError> {
        self.chain = state_at(&self.chain, &checkpoint)?;
        self.wallet.start_at(checkpoint);
        Ok(())
    }

    /// The verifier of this wallet's headers; a CometBFT wallet that trusts no
    /// validators yet learns them from the node, and notes it.
    async fn header_verifier(&mut self, remote: &Remote) -> Result<ChainVerifier, NodeError> {
        let verifier =
            ChainVerifier::of(remote, &self.chain, self.consensus, self.trust.as_ref()).await?;
        if let (None, Some(trust)) = (&self.trust, verifier.trust()) {
            self.note(format!(
                "light sync trusts CometBFT chain {} and its {} validators (set {}), as {} names them",
                trust.chain_id,
                trust.validators.validators().len(),
                trust.hash(),
                remote.url()
            ));
            self.trust = Some(trust.clone());
        }
        Ok(verifier)
    }

    /// Follows the node's light blocks to its tip (see the [module](self) notes).
    pub async fn sync_light(
        &mut self,
        remote: &Remote,
        gens: &Generators,
    ) -> Result<LightSync, NodeError> {
        let mut verifier = self.header_verifier(remote).await?;
        let mut sync = LightSync::default();
        loop {
            let (_, blocks, bytes) = remote.light_blocks(self.height() + 1).await?;
            sync.bytes += bytes;
            if blocks.is_empty() {
                return Ok(sync);
            }
            for light in &blocks {
                self.apply_light(light, &mut verifier, remote, gens).await?;
                sync.blocks += 1;
            }
        }
    }

    /// Checks and applies one light block, listing what the wallet sent in it.
    async fn apply_light(
        &mut self,
        light: &LightBlock,
        verifier: &mut ChainVerifier,
        remote: &Remote,
        gens: &Generators,
    ) -> Result<(), NodeError> {
        let before = self.holdings();
        let mut report = self.wallet.apply_light(light, verifier)?;
        let mut sent = Vec::with_capacity(report.unlisted_sends.len());
        for id in &report.unlisted_sends {
            sent.push(verified_tx(remote, id, gens).await?);
        }
        report.history.sent = self.wallet.record_sent(&sent);
        let tip = self.wallet.tip().ok_or(wallet::WalletError::NotStarted)?;
        self.chain = state_at(&self.chain, tip)?;
        self.record_report(&report, &before);
        Ok(())
    }

    /// Reconciles the pending transactions with the node's mempool, once the wallet
    /// is at the node's tip or behind it only by blocks it cannot prove yet: a
    /// transaction the node lost (neither waiting nor mined) is submitted again; one
    /// that expired, or that the node refuses again, is released.
    pub async fn reconcile_pending(&mut self, remote: &Remote) -> Result<(), NodeError> {
        if self.wallet.pending().is_empty() {
            return Ok(());
        }
        let height = remote.status().await?.height;
        let mempool = remote.mempool().await?;
        // A block mined between the two reads could hold a transaction the mempool
        // no longer lists: then wait for the next sync.
        if remote.status().await?.height != height || height < self.height() {
            return Ok(());
        }
        let mut ids = mempool
            .txs
            .iter()
            .map(|t| crate::client::parse_txid(&t.id))
            .collect::<Result<BTreeSet<_>, _>>()?;
        // One mined in a block the wallet has not applied yet is not lost: a light
        // wallet on CometBFT is always a block behind the node (the newest block's
        // header is not committed yet), and a full one may lag too.
        if height > self.height() {
            let vanished: Vec<TxId> = (self.wallet.pending().iter())
                .map(|p| p.id)
                .filter(|id| !ids.contains(id))
                .collect();
            for id in vanished {
                if remote.tx(&id).await?.is_some() {
                    ids.insert(id);
                }
            }
        }
        let view = MempoolView {
            height: self.height(),
            ids,
        };
        let sync = self.wallet.reconcile_pending(&view, Vanished::Resubmit)?;
        for id in sync.released {
            self.note(format!(
                "transaction {id} released: it expired or the node no longer holds it; its coins are spendable again"
            ));
        }
        for (id, btx) in sync.resubmit {
            match remote.submit(&btx.to_bytes()).await {
                Ok(_) => self.note(format!(
                    "transaction {id} submitted again: the node had lost it"
                )),
                Err(e) => self.release(&id, &format!("the node refused it again: {e}"))?,
            }
        }
        Ok(())
    }
}

/// Transaction `id` in full from the node, verified, with the ID asked for.
async fn verified_tx(
    remote: &Remote,
    id: &TxId,
    gens: &Generators,
) -> Result<zkvm::VerifiedTx, NodeError> {
    let lie = |reason: String| {
        NodeError::Diverged(format!(
        "the node named transaction {id} in a compact block but {reason}; sync from another node"
    ))
    };
    let json = remote
        .tx(id)
        .await?
        .ok_or_else(|| lie("does not serve it".into()))?;
    let btx = BlockTx::from_bytes(&NodeError::decode_hex("transaction", &json.hex)?)?;
    let verified = Verifier::verify_tx(&btx.tx, gens)
        .map_err(|e| lie(format!("serves a transaction that does not verify ({e})")))?;
    if verified.id != *id {
        return Err(lie(format!("serves transaction {} for it", verified.id)));
    }
    Ok(verified)
}

impl LocalWallet {
    /// Syncs to the node's tip: from compact blocks when `light`, else in full.
    pub async fn catch_up(
        &mut self,
        remote: &Remote,
        gens: &Generators,
        light: bool,
    ) -> Result<(), NodeError> {
        match light {
            true => self.sync_light(remote, gens).await.map(|_| ()),
            false => self.sync(remote, gens).await.map(|_| ()),
        }
    }
}

/// `wallet recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The recovered wallet's name.
    pub name: String,
    /// The file holding the root key (hex, mode 0600, as `wallet new-root` writes it).
    #[arg(long)]
    pub root: PathBuf,
    /// The first height to scan (the wallet's birthday); 1 scans the whole chain.
    #[arg(long, default_value_t = 1)]
    pub from_height: u64,
    /// Data directory, node, passphrase, --light.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet abandon`.
#[derive(Debug, Args)]
pub struct AbandonArgs {
    /// The wallet's name.
    pub name: String,
    /// The pending transaction to give up (as `wallet pending` lists it).
    pub txid: String,
    /// Data directory, node, passphrase, --light.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet recover`: scans from the birthday with more accounts until the gap
/// limit finds no more; nothing is written unless it succeeds.
pub async fn recover(args: &RecoverArgs) -> Result<String, NodeError> {
    let options = &args.options;
    let existing = WalletDir::existing_if_any(&options.data_dir)?;
    if let Some(wallets) = &existing {
        if wallets.exists(&args.name)? {
            return Err(NodeError::WalletExists(args.name.clone()));
        }
    }
    let root = read_root(&args.root)?;
    let passphrase = options.passphrase.read(Purpose::Create)?;
    let remote = Remote::new(&options.node)?;
    let (genesis, consensus) = remote.chain().await?;
    let (initial, _, _) = genesis.start()?;
    let (birthday, trust) = birthday(&remote, &initial, consensus, Some(args.from_height)).await?;
    let gens = generators();
    let gap = GapLimit::default();
    let mut accounts = 1;
    let local = loop {
        let wallet = Wallet::recover(root.clone(), NETWORK, birthday.clone(), accounts)?;
        let chain = state_at(&initial, &birthday)?;
        let mut local = LocalWallet::from_parts(root.clone(), wallet, chain, consensus);
        local.trust = trust.clone();
        local.catch_up(&remote, gens, options.light).await?;
        match local.wallet.finish_recovery(gap) {
            Recovery::Complete => break local,
            Recovery::Rescan { accounts: more } => accounts = more,
        }
    };
    let wallets = match existing {
        Some(wallets) => wallets,
        None => WalletDir::open(&options.data_dir)?,
    };
    wallets.save(&args.name, &passphrase, &local)?;
    let outputs = local.wallet.ledger().outputs.len();
    Ok(format!(
        "recovered wallet {} from height {} to {}: {outputs} outputs held, accounts 0 to {} scanned\naddress {}\n",
        args.name,
        args.from_height,
        local.height(),
        accounts - 1,
        local.wallet.address(ACCOUNT)?
    ))
}

/// `wallet pending`.
pub async fn pending(args: &NameArgs) -> Result<String, NodeError> {
    let mut session = Session::open(&args.name, &args.options).await?;
    let wallet = &session.local.wallet;
    let now = session.local.chain.tip().timestamp_ms;
    let mut out = String::new();
    for p in wallet.pending() {
        let left = p.maxtime_ms.saturating_sub(now) / 1000;
        out += &format!(
            "transaction {} spends {} of the wallet's outputs; it expires {left} s after the tip's time unless mined (`wallet abandon {} {}` frees its coins now)\n",
            p.id,
            p.inputs.len(),
            args.name,
            p.id
        );
    }
    if out.is_empty() {
        out = format!("wallet {} has no pending transactions\n", args.name);
    }
    session.save()?;
    Ok(out)
}

/// `wallet abandon`.
pub async fn abandon(args: &AbandonArgs) -> Result<String, NodeError> {
    let id = crate::client::parse_txid(&args.txid)?;
    let mut session = Session::open(&args.name, &args.options).await?;
    let abandoned = session.local.wallet.abandon(&id)?;
    session.local.note(format!(
        "transaction {id} abandoned: its coins are spendable again"
    ));
    session.save()?;
    Ok(format!(
        "abandoned transaction {id}: the {} outputs it spent are spendable again (if the node still mines it, the wallet sees it then)\n",
        abandoned.inputs.len()
    ))
}
