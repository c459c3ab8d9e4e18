//! `zkvm-node demo`: a whole devnet inside one program, in a temporary directory.
//!
//! The genesis funds several wallets. A producer node serves its API on a loopback
//! port; a follower node syncs from that API and validates every block itself. Two
//! wallets issue an asset each (`gold`, `silver`) and pay parts of it to others;
//! then, round after round, the wallets pay each other's addresses (notes found by
//! scanning, change, fees), proving in parallel across wallets, and submit over the
//! producer's HTTP API. The demo validates every block itself too (as a wallet
//! application following the node would) and applies it to every wallet. At the
//! end both nodes must report the same tip and UTXO root.
//!
//! With `--validators N` the same demo runs over N CometBFT validators on loopback
//! ([`LocalNet`]): the wallets submit through the validators' APIs in turn, and
//! halfway through a further node joins by state sync and validates the rest. At
//! the end every node must report the same tip, UTXO root and app hash. The summary
//! adds each payment's time from submission to commit (p50, p99).

use crate::abci::app_state::GenesisSpec;
use crate::abci::localnet::{self, percentile, Agreement, LocalNet};
use crate::abci::testnet::TestnetSpec;
use crate::client::Remote;
use crate::clock::now_ms;
use crate::devnet::{self, DevnetConfig};
use crate::error::NodeError;
use crate::genesis::Consensus;
use crate::server::start_node;
use crate::wallets::{generators, LocalWallet, ACCOUNT, NETWORK};
use batch::Generators;
use blockchain::{Block, ChainState, ZkVm};
use clap::Args;
use curve25519_dalek::scalar::Scalar;
use indicatif::{ProgressBar, ProgressStyle};
use keytree::Xprv;
use rand_core::{OsRng, RngCore};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use wallet::{Address, SentTx, TxPlan, Wallet, WalletError};
use zkvm::{FeeRate, TxId};

/// `demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// How many wallets pay each other.
    #[arg(long, default_value_t = 6)]
    pub wallets: usize,
    /// How many payments in all (after the two issuances).
    #[arg(long, default_value_t = 720)]
    pub payments: usize,
    /// Over how many rounds of blocks the payments are spread.
    #[arg(long, default_value_t = 60)]
    pub blocks: usize,
    /// Milliseconds between the producer's blocks.
    #[arg(long, default_value_t = 250)]
    pub block_interval_ms: u64,
    /// No progress bar (for tests and logs).
    #[arg(long)]
    pub quiet: bool,
    /// Run over this many CometBFT validators on loopback instead of the
    /// single-producer devnet (needs `cometbft` 0.38 on PATH); a further node joins
    /// by state sync halfway through.
    #[arg(long, default_value_t = 0)]
    pub validators: usize,
    /// The validators' first port: node `i` listens on this plus `10·i` to `10·i + 3`;
    /// without it, the first free ports below the system's outgoing-connection range.
    #[arg(long)]
    pub base_port: Option<u16>,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            wallets: 6,
            payments: 720,
            blocks: 60,
            block_interval_ms: 250,
            quiet: false,
            validators: 0,
            base_port: None,
        }
    }
}

/// What the demo measured.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// The API the wallets read blocks from (the producer's, or validator 0's).
    pub api: SocketAddr,
    /// How blocks were agreed, for the table.
    pub consensus: String,
    /// Blocks at the end (the tip height).
    pub blocks: u64,
    /// Transactions mined.
    pub txs: u64,
    /// Payments mined (issuances excluded).
    pub payments: u64,
    /// Payments skipped because the payer had nothing free to spend yet.
    pub skipped: u64,
    /// Encoded bytes of all blocks.
    pub bytes: u64,
    /// Wall time of proving and signing, summed over transactions.
    pub prove: Duration,
    /// Transactions proved.
    pub proved: u64,
    /// Time the demo spent validating blocks.
    pub validate: Duration,
    /// Each mined transaction's time from submission to the demo seeing its block.
    pub latencies: Vec<Duration>,
    /// Each node's name, tip and UTXO root at the end.
    pub ends: Vec<NodeEnd>,
    /// The app hash each node holds at the last height (CometBFT only).
    pub app_hashes: Option<Agreement>,
    /// A fresh light wallet's sync from the genesis at the end: blocks, bytes, time.
    pub light: Option<LightRun>,
    /// The whole run.
    pub elapsed: Duration,
}

/// What the light wallet's sync did (`wallet … --light`): every header checked on
/// its evidence (the producer's signature, or the validators' commit).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LightRun {
    /// The node it synced from.
    pub from: String,
    /// Blocks applied.
    pub blocks: u64,
    /// Bytes of compact blocks downloaded.
    pub bytes: usize,
    /// How long it took.
    pub took: Duration,
}

/// Where one node ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeEnd {
    /// Its role: `producer`, `follower`, `validator 2`, `node 4 (state sync)`.
    pub name: String,
    /// Its tip's block ID.
    pub tip: String,
    /// Its UTXO root.
    pub root: String,
}

impl DemoSummary {
    /// Whether every node reached the same tip and UTXO root (and app hash).
    pub fn agree(&self) -> bool {
        let same = |a: &NodeEnd, b: &NodeEnd| (&a.tip, &a.root) == (&b.tip, &b.root);
        !self.ends.is_empty()
            && self.ends.windows(2).all(|w| same(&w[0], &w[1]))
            && self.app_hashes.as_ref().is_none_or(Agreement::agree)
    }

    /// The summary table.
    pub fn table(&self) -> String {
        let per_tx = |d: Duration, n: u64| d.as_secs_f64() * 1e3 / n.max(1) as f64;
        let secs = |p: f64| format!("{:.2} s", percentile(&self.latencies, p).as_secs_f64());
        let mut rows = vec![
            ("consensus".to_string(), self.consensus.clone()),
            ("blocks".into(), self.blocks.to_string()),
            ("transactions".into(), self.txs.to_string()),
            ("payments mined".into(), self.payments.to_string()),
            ("payments skipped".into(), self.skipped.to_string()),
            ("block bytes".into(), self.bytes.to_string()),
            (
                "bytes per transaction".into(),
                (self.bytes / self.txs.max(1)).to_string(),
            ),
            (
                "prove per transaction".into(),
                format!("{:.1} ms", per_tx(self.prove, self.proved)),
            ),
            (
                "verify per transaction".into(),
                format!("{:.1} ms", per_tx(self.validate, self.txs)),
            ),
            (
                "block validation".into(),
                format!(
                    "{:.0} tx/s",
                    self.txs as f64 / self.validate.as_secs_f64().max(1e-9)
                ),
            ),
            ("submission to commit p50".into(), secs(50.0)),
            ("submission to commit p99".into(), secs(99.0)),
        ];
        for end in &self.ends {
            rows.push((
                format!("{} tip", end.name),
                format!("{} root {}", end.tip, end.root),
            ));
        }
        rows.push((
            "same tip and root".into(),
            if self.agree() { "yes" } else { "NO" }.to_string(),
        ));
        if let Some(a) = &self.app_hashes {
            rows.push((
                "same app hash".into(),
                format!(
                    "{} ({} nodes at height {})",
                    if a.agree() { "yes" } else { "NO" },
                    a.app_hashes.len(),
                    a.height
                ),
            ));
        }
        if let Some(l) = &self.light {
            rows.push((
                "light wallet sync".into(),
                format!(
                    "{} blocks, {} bytes in {:.2} s from {}, every header proven",
                    l.blocks,
                    l.bytes,
                    l.took.as_secs_f64(),
                    l.from
                ),
            ));
        }
        rows.push((
            "elapsed".into(),
            format!("{:.1} s", self.elapsed.as_secs_f64()),
        ));
        let mut out = String::new();
        for (k, v) in rows {
            out += &format!("  {k:<26} {v}\n");
        }
        out
    }
}

/// The demo's side of the chain: the state it validated, its wallets, what it counts.
struct Demo {
    chain: ChainState,
    consensus: Consensus,
    wallets: Vec<Wallet>,
    addresses: Vec<Address>,
    gens: &'static Generators,
    /// Where blocks are read.
    remote: Remote,
    /// Where transactions are submitted, payer by payer in turn.
    submit_to: Vec<Remote>,
    /// When each waiting transaction was submitted.
    sent_at: HashMap<TxId, Instant>,
    summary: DemoSummary,
    bar: ProgressBar,
}

impl Demo {
    /// Fetches new blocks, validates them, applies them to every wallet; returns the
    /// IDs of the transactions they mined.
    async fn catch_up(&mut self) -> Result<Vec<TxId>, NodeError> {
        let mut mined = Vec::new();
        loop {
            let (_, blocks) = self.remote.blocks_since(self.chain.tip().height).await?;
            if blocks.is_empty() {
                return Ok(mined);
            }
            for block in &blocks {
                mined.extend(self.apply(block)?);
            }
        }
    }

    fn apply(&mut self, block: &Block) -> Result<Vec<TxId>, NodeError> {
        let start = Instant::now();
        let applied = self
            .consensus
            .apply_block(&self.chain, block, self.gens, &ZkVm)?;
        self.summary.validate += start.elapsed();
        self.wallets
            .par_iter_mut()
            .try_for_each(|w| w.apply_block(&applied).map(|_| ()))?;
        self.chain = applied.state.clone();
        self.summary.txs += block.txs.len() as u64;
        self.summary.bytes += block.to_bytes().len() as u64;
        self.bar
            .set_message(format!("block {}", block.header.height));
        for tx in &applied.txs {
            if let Some(at) = self.sent_at.remove(&tx.id) {
                self.summary.latencies.push(at.elapsed());
            }
        }
        Ok(applied.txs.iter().map(|t| t.id).collect())
    }

    /// Submits `sent` over the API; the payer frees what a refused one reserved.
    /// Transactions go without their inputs' proofs: the node takes the proofs from
    /// its store at its own tip, so a block made while the wallets were proving does
    /// not make the wallets' proofs stale.
    async fn submit(&mut self, sent: Vec<(usize, SentTx)>) -> Result<BTreeSet<TxId>, NodeError> {
        let mut waiting = BTreeSet::new();
        for (payer, tx) in sent {
            let remote = &self.submit_to[payer % self.submit_to.len()];
            let at = Instant::now();
            match remote.submit(&tx.block_tx.to_bytes()).await {
                Ok(id) => {
                    self.sent_at.insert(id, at);
                    waiting.insert(id);
                }
                Err(e) => {
                    let line = format!("transaction {} refused: {e}", tx.id);
                    match self.bar.is_hidden() {
                        true => eprintln!("{line}"),
                        false => self.bar.println(line),
                    }
                    self.wallets[payer].release(&tx.id)?;
                    self.summary.skipped += 1;
                    self.bar.inc(1);
                }
            }
        }
        Ok(waiting)
    }

    /// Waits until every transaction of `waiting` is mined; returns how many were.
    async fn mine(&mut self, mut waiting: BTreeSet<TxId>) -> Result<u64, NodeError> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut mined = 0;
        while !waiting.is_empty() {
            for id in self.catch_up().await? {
                if waiting.remove(&id) {
                    mined += 1;
                }
            }
            if Instant::now() > deadline {
                return Err(NodeError::Task(format!(
                    "{} transactions not mined after two minutes",
                    waiting.len()
                )));
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        Ok(mined)
    }
}

/// One payment to make: payer, payee, flavor choice.
struct Payment {
    payer: usize,
    payee: usize,
    pick: u64,
}

/// A proved round: each transaction with its payer's index, the proving time, how
/// many payments were skipped.
type Round = (Vec<(usize, SentTx)>, Duration, u64);

/// Proves the payments of a round, wallets in parallel, each wallet's in order.
/// Payments whose payer has nothing free to spend are skipped.
fn prove_round(
    wallets: &mut [Wallet],
    addresses: &[Address],
    flavors: &[Scalar],
    round: &[Payment],
    gens: &Generators,
) -> Result<Round, NodeError> {
    let rate = FeeRate::new(1, 10);
    let results = wallets
        .par_iter_mut()
        .enumerate()
        .map(|(i, w)| {
            let mut sent = Vec::new();
            let mut time = Duration::ZERO;
            let mut skipped = 0;
            for p in round.iter().filter(|p| p.payer == i) {
                let held: Vec<(Scalar, u64)> = flavors
                    .iter()
                    .map(|f| (*f, w.balance(ACCOUNT, *f).confirmed))
                    .filter(|(_, confirmed)| *confirmed > 1)
                    .collect();
                if held.is_empty() {
                    skipped += 1;
                    continue;
                }
                let (flavor, confirmed) = held[(p.pick % held.len() as u64) as usize];
                let qty = 1 + (p.pick >> 8) % (confirmed / 8).clamp(1, 50_000);
                let plan = TxPlan::new(ACCOUNT)
                    .pay(addresses[p.payee], qty, flavor)
                    .fee_rate(rate);
                let start = Instant::now();
                match w.send(&plan, gens, &mut OsRng) {
                    Ok(tx) => {
                        time += start.elapsed();
                        sent.push((i, tx));
                    }
                    Err(WalletError::InsufficientFunds { .. } | WalletError::NoAnchor) => {
                        skipped += 1
                    }
                    Err(e) => return Err(NodeError::Wallet(e)),
                }
            }
            Ok((sent, time, skipped))
        })
        .collect::<Result<Vec<_>, NodeError>>()?;
    let mut all = Vec::new();
    let mut time = Duration::ZERO;
    let mut skipped = 0;
    for (sent, t, s) in results {
        all.extend(sent);
        time += t;
        skipped += s;
    }
    Ok((all, time, skipped))
}

/// Runs the demo; `on_start` is told the address of the API the demo reads.
pub fn run(args: &DemoArgs, on_start: impl FnOnce(SocketAddr)) -> Result<DemoSummary, NodeError> {
    if args.wallets < 2 || args.blocks == 0 {
        return Err(NodeError::Invalid {
            what: "demo options",
            reason: "at least 2 wallets and 1 block".into(),
        });
    }
    let started = Instant::now();
    let tmp = tempfile::tempdir().map_err(|e| NodeError::io("temporary directory", e))?;
    let per_round = args.payments.div_ceil(args.blocks);
    // Enough outputs that a wallet never waits for its change within a round.
    let per_wallet = (per_round.div_ceil(args.wallets) as u64 + 2) * 2;
    let mut wallets: Vec<Wallet> = (0..args.wallets)
        .map(|_| Wallet::new(Xprv::random(&mut OsRng), NETWORK))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| NodeError::io("tokio runtime", e))?;
    let result = runtime.block_on(async {
        let mut demo = if args.validators == 0 {
            Chain::devnet(tmp.path(), args, &mut wallets, per_wallet).await?
        } else {
            Chain::validators(tmp.path(), args, &mut wallets, per_wallet).await?
        };
        on_start(demo.api);
        let summary = demo.pay(args, wallets).await;
        demo.stop().await?;
        let mut summary = summary?;
        summary.elapsed = started.elapsed();
        Ok(summary)
    });
    if result.is_err() && args.validators > 0 {
        let kept = tmp.keep();
        eprintln!(
            "the network's logs are kept in {}/node*/{{app,cometbft}}.log",
            kept.display()
        );
    }
    result
}

/// The nodes the demo runs.
enum Nodes {
    Devnet {
        producer: crate::server::NodeTask,
        follower: crate::server::NodeTask,
    },
    Validators(Box<LocalNet>),
}

/// The chain the demo pays on: its nodes, its genesis state, the APIs.
struct Chain {
    nodes: Nodes,
    initial: ChainState,
    consensus: Consensus,
    api: SocketAddr,
    /// APIs to submit to, in turn.
    submit_to: Vec<String>,
}

impl Chain {
    /// A producer and a follower, the wallets funded by the devnet's genesis.
    async fn devnet(
        dir: &std::path::Path,
        args: &DemoArgs,
        wallets: &mut [Wallet],
        per_wallet: u64,
    ) -> Result<Chain, NodeError> {
        let mut refs: Vec<&mut Wallet> = wallets.iter_mut().collect();
        let producer_dir = dir.join("producer");
        let (_, initial) =
            devnet::init_with_wallets(&producer_dir, &demo_funding(), &mut refs, per_wallet)?;
        let producer = start_node(producer_dir, None, args.block_interval_ms).await?;
        let url = format!("http://{}", producer.addr);
        let follower = start_node(
            dir.join("follower"),
            Some(url.clone()),
            args.block_interval_ms,
        )
        .await?;
        Ok(Chain {
            api: producer.addr,
            nodes: Nodes::Devnet { producer, follower },
            initial,
            consensus: Consensus::Devnet,
            submit_to: vec![url],
        })
    }

    /// `args.validators` CometBFT validators on loopback, the wallets funded by
    /// their genesis.
    async fn validators(
        dir: &std::path::Path,
        args: &DemoArgs,
        wallets: &mut [Wallet],
        per_wallet: u64,
    ) -> Result<Chain, NodeError> {
        let program = std::env::current_exe().map_err(|e| NodeError::io("zkvm-node", e))?;
        let spec = TestnetSpec {
            validators: args.validators,
            genesis: GenesisSpec {
                outputs: 1,
                ..GenesisSpec::default()
            },
            timeout_commit: Duration::from_millis(args.block_interval_ms),
            log_level: "error".into(),
        };
        let out = dir.join("network");
        let base = match args.base_port {
            Some(base) => base,
            None => localnet::free_base_port(args.validators + 1)?,
        };
        let mut net = tokio::task::block_in_place(|| LocalNet::create(&out, base, spec, program))?;
        let mut refs: Vec<&mut Wallet> = wallets.iter_mut().collect();
        let signer = musig::SigningKey::random(&mut OsRng);
        let funding = musig::SigningKey::random(&mut OsRng);
        let (genesis, initial) = devnet::fund_genesis(
            now_ms(),
            &signer,
            &funding,
            &demo_funding(),
            &mut refs,
            per_wallet,
            &[],
        )?;
        net.set_genesis(&genesis)?;
        tokio::task::block_in_place(|| net.start_validators())?;
        for i in 0..args.validators {
            net.wait_ready(i, Duration::from_secs(120)).await?;
        }
        let api = net
            .api_url(0)
            .trim_start_matches("http://")
            .parse()
            .map_err(|_| NodeError::Task("validator 0's API address".into()))?;
        Ok(Chain {
            submit_to: (0..args.validators).map(|i| net.api_url(i)).collect(),
            nodes: Nodes::Validators(Box::new(net)),
            initial,
            consensus: Consensus::CometBft,
            api,
        })
    }

    /// Issues the assets, makes the payments round by round, and compares the nodes.
    async fn pay(
        &mut self,
        args: &DemoArgs,
        wallets: Vec<Wallet>,
    ) -> Result<DemoSummary, NodeError> {
        let addresses = wallets
            .iter()
            .map(|w| w.address(ACCOUNT))
            .collect::<Result<Vec<_>, _>>()?;
        let bar = if args.quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(args.payments as u64)
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} payments, {msg} [{elapsed}]")
                .expect("a valid template"),
        );
        let mut demo = Demo {
            chain: self.initial.clone(),
            consensus: self.consensus,
            wallets,
            addresses,
            gens: generators(),
            remote: Remote::new(&self.submit_to[0])?,
            submit_to: self
                .submit_to
                .iter()
                .map(|url| Remote::new(url))
                .collect::<Result<_, _>>()?,
            sent_at: HashMap::new(),
            summary: DemoSummary {
                api: self.api,
                consensus: match &self.nodes {
                    Nodes::Devnet { .. } => "devnet: a producer and a follower".into(),
                    Nodes::Validators(_) => format!(
                        "CometBFT: {} validators, and a node joining by state sync",
                        args.validators
                    ),
                },
                blocks: 0,
                txs: 0,
                payments: 0,
                skipped: 0,
                bytes: 0,
                prove: Duration::ZERO,
                proved: 0,
                validate: Duration::ZERO,
                latencies: Vec::new(),
                ends: Vec::new(),
                app_hashes: None,
                light: None,
                elapsed: Duration::ZERO,
            },
            bar,
        };
        let flavors = issue_assets(&mut demo).await?;
        let per_round = args.payments.div_ceil(args.blocks);
        let mut left = args.payments;
        let mut joined = false;
        while left > 0 {
            let n = per_round.min(left);
            left -= n;
            play_round(&mut demo, &flavors, n, args.wallets).await?;
            if !joined && left <= args.payments / 2 {
                joined = true;
                self.join(&demo.bar).await?;
            }
        }
        demo.bar.finish_and_clear();
        self.compare(&mut demo.summary).await?;
        demo.summary.light = Some(self.light_sync().await?);
        Ok(demo.summary)
    }

    /// On validators: a further node joins by state sync.
    async fn join(&mut self, bar: &ProgressBar) -> Result<(), NodeError> {
        if let Nodes::Validators(net) = &mut self.nodes {
            let i = net.nodes();
            bar.set_message(format!("node {i} joins by state sync"));
            net.join_by_state_sync(i, Duration::from_secs(120)).await?;
        }
        Ok(())
    }

    /// Waits until every node holds the same tip (or a minute passes) and records
    /// where each ended, and on validators their app hashes.
    async fn compare(&self, summary: &mut DemoSummary) -> Result<(), NodeError> {
        let named: Vec<(String, String)> = match &self.nodes {
            Nodes::Devnet { producer, follower } => vec![
                ("producer".into(), format!("http://{}", producer.addr)),
                ("follower".into(), format!("http://{}", follower.addr)),
            ],
            Nodes::Validators(net) => (0..net.nodes())
                .map(|i| {
                    let name = if i < self.submit_to.len() {
                        format!("validator {i}")
                    } else {
                        format!("node {i} (state sync)")
                    };
                    (name, net.api_url(i))
                })
                .collect(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut ends = Vec::new();
            let mut height = 0;
            for (name, url) in &named {
                let s = Remote::new(url)?.status().await?;
                height = height.max(s.height);
                ends.push(NodeEnd {
                    name: name.clone(),
                    tip: s.tip,
                    root: s.utxoroot,
                });
            }
            summary.blocks = height;
            summary.ends = ends;
            if summary.agree() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Nodes::Validators(net) = &self.nodes {
            let all: Vec<usize> = (0..net.nodes()).collect();
            summary.app_hashes = Some(net.agreement(&all, Duration::from_secs(60)).await?);
        }
        Ok(())
    }

    /// A fresh light wallet syncs the whole chain from the last node's compact
    /// blocks (a validator's, or the follower's), checking every header.
    async fn light_sync(&self) -> Result<LightRun, NodeError> {
        let from = match &self.nodes {
            Nodes::Devnet { follower, .. } => format!("http://{}", follower.addr),
            Nodes::Validators(_) => self.submit_to[self.submit_to.len() - 1].clone(),
        };
        let remote = Remote::new(&from)?;
        let mut light = LocalWallet::new(&self.initial, self.consensus);
        let started = Instant::now();
        let sync = light.sync_light(&remote, generators()).await?;
        Ok(LightRun {
            from,
            blocks: sync.blocks,
            bytes: sync.bytes,
            took: started.elapsed(),
        })
    }

    async fn stop(self) -> Result<(), NodeError> {
        match self.nodes {
            Nodes::Devnet { producer, follower } => {
                follower.stop().await?;
                producer.stop().await
            }
            Nodes::Validators(net) => {
                tokio::task::block_in_place(|| drop(net));
                Ok(())
            }
        }
    }
}

/// The devnet's funding: one output for the funding key; the wallets get theirs.
fn demo_funding() -> DevnetConfig {
    DevnetConfig {
        funding_outputs: 1,
        funding_qty: 10_000_000,
    }
}

/// One round: random payments between the wallets, proved, submitted, mined.
async fn play_round(
    demo: &mut Demo,
    flavors: &[Scalar],
    n: usize,
    wallets: usize,
) -> Result<(), NodeError> {
    let round: Vec<Payment> = (0..n)
        .map(|_| {
            let payer = OsRng.next_u64() as usize % wallets;
            let offset = 1 + OsRng.next_u64() as usize % (wallets - 1);
            Payment {
                payer,
                payee: (payer + offset) % wallets,
                pick: OsRng.next_u64(),
            }
        })
        .collect();
    let (sent, time, skipped) = {
        let Demo {
            wallets,
            addresses,
            gens,
            ..
        } = demo;
        tokio::task::block_in_place(|| prove_round(wallets, addresses, flavors, &round, gens))?
    };
    demo.summary.prove += time;
    demo.summary.proved += sent.len() as u64;
    demo.summary.skipped += skipped;
    demo.bar.inc(skipped);
    let waiting = demo.submit(sent).await?;
    let mined = demo.mine(waiting).await?;
    demo.summary.payments += mined;
    demo.bar.inc(mined);
    Ok(())
}

/// Wallet 0 issues gold and wallet 1 silver, each paying part to the next wallet;
/// returns the flavors payments use.
async fn issue_assets(demo: &mut Demo) -> Result<Vec<Scalar>, NodeError> {
    let n = demo.wallets.len();
    let mut sent = Vec::new();
    let mut flavors = vec![Scalar::ZERO];
    for (i, metadata) in [(0, &b"gold"[..]), (1, &b"silver"[..])] {
        let flavor = demo.wallets[i].flavor(0, metadata)?;
        flavors.push(flavor);
        let plan = TxPlan::new(ACCOUNT)
            .issue(metadata.to_vec(), 1_000_000)
            .pay(demo.addresses[(i + 1) % n], 250_000, flavor)
            .fee_rate(FeeRate::new(1, 10));
        let start = Instant::now();
        let tx = demo.wallets[i].send(&plan, demo.gens, &mut OsRng)?;
        demo.summary.prove += start.elapsed();
        demo.summary.proved += 1;
        sent.push((i, tx));
    }
    // Without both assets the demo would show less than it says: a refusal ends it.
    let mut waiting = BTreeSet::new();
    for (_, tx) in sent {
        let at = Instant::now();
        let id = demo.remote.submit(&tx.block_tx.to_bytes()).await?;
        demo.sent_at.insert(id, at);
        waiting.insert(id);
    }
    demo.mine(waiting).await?;
    Ok(flavors)
}
