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

use crate::client::Remote;
use crate::devnet::{self, DevnetConfig};
use crate::error::NodeError;
use crate::server::start_node;
use crate::wallets::{generators, ACCOUNT, NETWORK};
use batch::Generators;
use blockchain::{Block, ChainState, ZkVm};
use clap::Args;
use curve25519_dalek::scalar::Scalar;
use indicatif::{ProgressBar, ProgressStyle};
use keytree::Xprv;
use rand_core::{OsRng, RngCore};
use rayon::prelude::*;
use std::collections::BTreeSet;
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
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            wallets: 6,
            payments: 720,
            blocks: 60,
            block_interval_ms: 250,
            quiet: false,
        }
    }
}

/// What the demo measured.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// The producer's API address.
    pub producer: SocketAddr,
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
    /// The producer's tip and UTXO root.
    pub producer_tip: (String, String),
    /// The follower's tip and UTXO root.
    pub follower_tip: (String, String),
    /// The whole run.
    pub elapsed: Duration,
}

impl DemoSummary {
    /// Whether both nodes reached the same tip and UTXO root.
    pub fn agree(&self) -> bool {
        self.producer_tip == self.follower_tip
    }

    /// The summary table.
    pub fn table(&self) -> String {
        let per_tx = |d: Duration, n: u64| d.as_secs_f64() * 1e3 / n.max(1) as f64;
        let rows = [
            ("blocks", self.blocks.to_string()),
            ("transactions", self.txs.to_string()),
            ("payments mined", self.payments.to_string()),
            ("payments skipped", self.skipped.to_string()),
            ("block bytes", self.bytes.to_string()),
            (
                "bytes per transaction",
                (self.bytes / self.txs.max(1)).to_string(),
            ),
            (
                "prove per transaction",
                format!("{:.1} ms", per_tx(self.prove, self.proved)),
            ),
            (
                "verify per transaction",
                format!("{:.1} ms", per_tx(self.validate, self.txs)),
            ),
            (
                "block validation",
                format!(
                    "{:.0} tx/s",
                    self.txs as f64 / self.validate.as_secs_f64().max(1e-9)
                ),
            ),
            (
                "producer tip",
                format!("{} root {}", self.producer_tip.0, self.producer_tip.1),
            ),
            (
                "follower tip",
                format!("{} root {}", self.follower_tip.0, self.follower_tip.1),
            ),
            (
                "same tip and root",
                if self.agree() { "yes" } else { "NO" }.to_string(),
            ),
            ("elapsed", format!("{:.1} s", self.elapsed.as_secs_f64())),
        ];
        let mut out = String::new();
        for (k, v) in rows {
            out += &format!("  {k:<24} {v}\n");
        }
        out
    }
}

/// The demo's side of the chain: the state it validated, its wallets, what it counts.
struct Demo {
    chain: ChainState,
    wallets: Vec<Wallet>,
    addresses: Vec<Address>,
    gens: Generators,
    remote: Remote,
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
        let applied = self.chain.apply_block(block, &self.gens, &ZkVm)?;
        self.summary.validate += start.elapsed();
        self.wallets
            .par_iter_mut()
            .try_for_each(|w| w.apply_block(&applied).map(|_| ()))?;
        self.chain = applied.state.clone();
        self.summary.txs += block.txs.len() as u64;
        self.summary.bytes += block.to_bytes().len() as u64;
        self.bar
            .set_message(format!("block {}", block.header.height));
        Ok(applied.txs.iter().map(|t| t.id).collect())
    }

    /// Submits `sent` over the API; the payer frees what a refused one reserved.
    /// Transactions go without their inputs' proofs: the node takes the proofs from
    /// its store at its own tip, so a block made while the wallets were proving does
    /// not make the wallets' proofs stale.
    async fn submit(&mut self, sent: Vec<(usize, SentTx)>) -> Result<BTreeSet<TxId>, NodeError> {
        let mut waiting = BTreeSet::new();
        for (payer, tx) in sent {
            match self.remote.submit(&tx.block_tx.to_bytes()).await {
                Ok(id) => {
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

/// Runs the demo; `on_start` is told the producer's address.
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
    let mut refs: Vec<&mut Wallet> = wallets.iter_mut().collect();
    let producer_dir = tmp.path().join("producer");
    let (_, initial) = devnet::init_with_wallets(
        &producer_dir,
        &DevnetConfig {
            funding_outputs: 1,
            funding_qty: 10_000_000,
        },
        &mut refs,
        per_wallet,
    )?;
    let addresses = wallets
        .iter()
        .map(|w| w.address(ACCOUNT))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| NodeError::io("tokio runtime", e))?;
    runtime.block_on(async {
        let producer = start_node(producer_dir, None, args.block_interval_ms).await?;
        let url = format!("http://{}", producer.addr);
        on_start(producer.addr);
        let follower = start_node(
            tmp.path().join("follower"),
            Some(url.clone()),
            args.block_interval_ms,
        )
        .await?;
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
            chain: initial,
            wallets,
            addresses,
            gens: generators(),
            remote: Remote::new(&url)?,
            summary: DemoSummary {
                producer: producer.addr,
                blocks: 0,
                txs: 0,
                payments: 0,
                skipped: 0,
                bytes: 0,
                prove: Duration::ZERO,
                proved: 0,
                validate: Duration::ZERO,
                producer_tip: Default::default(),
                follower_tip: Default::default(),
                elapsed: Duration::ZERO,
            },
            bar,
        };
        let flavors = issue_assets(&mut demo).await?;
        let mut left = args.payments;
        while left > 0 {
            let n = per_round.min(left);
            left -= n;
            let round: Vec<Payment> = (0..n)
                .map(|_| {
                    let payer = OsRng.next_u64() as usize % args.wallets;
                    let offset = 1 + OsRng.next_u64() as usize % (args.wallets - 1);
                    Payment {
                        payer,
                        payee: (payer + offset) % args.wallets,
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
                } = &mut demo;
                tokio::task::block_in_place(|| {
                    prove_round(wallets, addresses, &flavors, &round, gens)
                })?
            };
            demo.summary.prove += time;
            demo.summary.proved += sent.len() as u64;
            demo.summary.skipped += skipped;
            demo.bar.inc(skipped);
            let waiting = demo.submit(sent).await?;
            let mined = demo.mine(waiting).await?;
            demo.summary.payments += mined;
            demo.bar.inc(mined);
        }
        demo.bar.finish_and_clear();
        let follower_remote = Remote::new(&format!("http://{}", follower.addr))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ours = producer_status(&demo.remote).await?;
            let theirs = producer_status(&follower_remote).await?;
            demo.summary.blocks = ours.2;
            demo.summary.producer_tip = (ours.0, ours.1);
            demo.summary.follower_tip = (theirs.0, theirs.1);
            if demo.summary.agree() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        follower.stop().await?;
        producer.stop().await?;
        demo.summary.elapsed = started.elapsed();
        Ok(demo.summary)
    })
}

/// Tip ID, UTXO root and height of a node.
async fn producer_status(remote: &Remote) -> Result<(String, String, u64), NodeError> {
    let s = remote.status().await?;
    Ok((s.tip, s.utxoroot, s.height))
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
        let tx = demo.wallets[i].send(&plan, &demo.gens, &mut OsRng)?;
        demo.summary.prove += start.elapsed();
        demo.summary.proved += 1;
        sent.push((i, tx));
    }
    // Without both assets the demo would show less than it says: a refusal ends it.
    let mut waiting = BTreeSet::new();
    for (_, tx) in sent {
        waiting.insert(demo.remote.submit(&tx.block_tx.to_bytes()).await?);
    }
    demo.mine(waiting).await?;
    Ok(flavors)
}
