//! A network of validators on this machine, started for `zkvm-node demo
//! --validators N` and for the throughput benchmark: [`testnet::generate`] on
//! loopback ports, every node started, and the questions both ask of it — is every
//! API up, did a new node join by state sync, do all nodes hold the same app hash.
//! The processes stop when the [`LocalNet`] is dropped.

use super::app_state::{self, AppState};
use super::testnet::{self, find_cometbft, Layout, Network, TestnetSpec};
use crate::client::Remote;
use crate::cometbft::CometRpc;
use crate::error::NodeError;
use crate::genesis::Genesis;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Validators (and nodes added later) running on loopback.
pub struct LocalNet {
    net: Network,
    layout: Layout,
    cometbft: PathBuf,
    spec: TestnetSpec,
    nodes: usize,
}

impl core::fmt::Debug for LocalNet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalNet")
            .field("out", &self.net.out())
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}

/// The app hash every node reports at one height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// CometBFT's height compared.
    pub height: u64,
    /// Each node's app hash in that height's header, by node.
    pub app_hashes: Vec<String>,
}

impl Agreement {
    /// Whether every node holds the same app hash.
    pub fn agree(&self) -> bool {
        self.app_hashes.windows(2).all(|w| w[0] == w[1])
    }
}

impl LocalNet {
    /// Generates a network of `spec` in `out` on loopback ports from `base` (node
    /// `i` at `base + 10·i` and the three ports after it) and starts every
    /// validator; `zkvm_node` is the program run as each application. Refuses
    /// ports already in use, naming them.
    pub fn launch(
        out: &Path,
        base: u16,
        spec: TestnetSpec,
        zkvm_node: PathBuf,
    ) -> Result<LocalNet, NodeError> {
        let mut net = LocalNet::create(out, base, spec, zkvm_node)?;
        net.start_validators()?;
        Ok(net)
    }

    /// Generates the network as [`LocalNet::launch`] does, without starting it.
    pub fn create(
        out: &Path,
        base: u16,
        spec: TestnetSpec,
        zkvm_node: PathBuf,
    ) -> Result<LocalNet, NodeError> {
        let cometbft = find_cometbft()?;
        let layout = Layout::loopback(base);
        // One spare node's ports: a node may join by state sync later.
        check_ports_free(&layout, spec.validators + 1)?;
        testnet::generate(&cometbft, out, &layout, &spec)?;
        let mut net = Network::new(out, layout.clone(), cometbft.clone(), zkvm_node);
        // The applications log as this program was asked to (`RUST_LOG`).
        if let Ok(filter) = std::env::var("RUST_LOG") {
            net.app_log = filter;
        }
        net.app_threads = Some(threads_each(spec.validators));
        Ok(LocalNet {
            net,
            layout,
            cometbft,
            nodes: spec.validators,
            spec,
        })
    }

    /// Replaces the generated genesis with `genesis` in every validator's CometBFT
    /// genesis file (before they start): a demo funds its own wallets.
    pub fn set_genesis(&self, genesis: &Genesis) -> Result<(), NodeError> {
        for i in 0..self.spec.validators {
            let file = testnet::home(self.net.out(), i).join("config/genesis.json");
            app_state::write_into(&file, &AppState::new(genesis))?;
        }
        Ok(())
    }

    /// Starts every validator.
    pub fn start_validators(&mut self) -> Result<(), NodeError> {
        for i in 0..self.spec.validators {
            self.net.start(i)?;
        }
        Ok(())
    }

    /// How many nodes run (validators and those added).
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The network's directory (node homes in `node*`, logs beside them).
    pub fn out(&self) -> &Path {
        self.net.out()
    }

    /// Node `i`'s HTTP API.
    pub fn api_url(&self, i: usize) -> String {
        self.layout.ports(i).api_url()
    }

    /// A client of node `i`'s CometBFT RPC.
    pub fn rpc(&self, i: usize) -> Result<CometRpc, NodeError> {
        CometRpc::new(&self.layout.ports(i).rpc_url())
    }

    /// The process IDs of node `i`'s application and CometBFT.
    pub fn pids(&self, i: usize) -> (Option<u32>, Option<u32>) {
        self.net.pids(i)
    }

    /// Waits until node `i`'s API answers with a chain of at least one block and
    /// its CometBFT's RPC answers too.
    pub async fn wait_ready(&self, i: usize, timeout: Duration) -> Result<(), NodeError> {
        let remote = Remote::new(&self.api_url(i))?;
        let rpc = self.rpc(i)?;
        let start = Instant::now();
        loop {
            let last = match (remote.status().await, rpc.status().await) {
                (Ok(s), Ok(_)) if s.height >= 1 => return Ok(()),
                (Ok(s), Ok(_)) => format!("its chain is at height {}", s.height),
                (Err(e), _) | (_, Err(e)) => e.to_string(),
            };
            if start.elapsed() > timeout {
                return Err(self.stuck(i, &format!("not ready after {timeout:?}: {last}")));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Adds node `i` (not a validator) that joins by state sync, trusting node 0's
    /// block before its latest, and waits until its API serves the chain.
    pub async fn join_by_state_sync(
        &mut self,
        i: usize,
        timeout: Duration,
    ) -> Result<(), NodeError> {
        let rpc = self.rpc(0)?;
        let trust = rpc.status().await?.latest_height.saturating_sub(1).max(1);
        let header = rpc.header(trust).await?;
        testnet::add_node(
            &self.cometbft,
            self.net.out(),
            &self.layout,
            i,
            (trust, &header.hash),
            &self.spec,
        )?;
        tokio::task::block_in_place(|| self.net.start(i))?;
        self.nodes = self.nodes.max(i + 1);
        self.wait_ready(i, timeout).await
    }

    /// Waits until every node of `nodes` has committed the height node 0 is at
    /// now, then reads each one's app hash in the header of that height.
    pub async fn agreement(
        &self,
        nodes: &[usize],
        timeout: Duration,
    ) -> Result<Agreement, NodeError> {
        let height = self.rpc(0)?.status().await?.latest_height;
        let start = Instant::now();
        let mut app_hashes = Vec::new();
        for &i in nodes {
            let rpc = self.rpc(i)?;
            while rpc.status().await.map_or(0, |s| s.latest_height) < height {
                if start.elapsed() > timeout {
                    return Err(self.stuck(i, &format!("not at height {height} after {timeout:?}")));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            app_hashes.push(rpc.header(height).await?.app_hash);
        }
        Ok(Agreement { height, app_hashes })
    }

    fn stuck(&self, i: usize, what: &str) -> NodeError {
        NodeError::Task(format!(
            "node {i} is {what}; its logs are {}",
            self.net.home(i).join("{app,cometbft}.log").display()
        ))
    }
}

/// The verification threads of each of `validators` applications sharing this
/// machine: its cores shared out, at least one. More threads than cores only add
/// wake-ups and switches (a second rayon thread per validator on two cores cost
/// about 14 % of the applications' CPU per payment in the throughput benchmark).
pub fn threads_each(validators: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / validators.max(1)).max(1)
}

/// The lowest base [`free_base_port`] chooses: above the ports services commonly
/// hold (a CometBFT on its defaults, 26,656 and on, is passed by like any holder).
const LOWEST_BASE: u16 = 20_000;

/// A base port whose `nodes` nodes (at `base + 10·i` to `base + 10·i + 3`) are all
/// free now, for a network started on loopback without `--base-port`.
///
/// Every port lies below the range the system hands out for outgoing connections
/// (`/proc/sys/net/ipv4/ip_local_port_range`, 32,768 and on by default): a busy
/// machine's clients hold ports there at any moment, and a connection lingering in
/// `TIME_WAIT` keeps its port from being listened on for a minute. The search starts
/// at a place that differs between processes, so that programs choosing at once
/// rarely pick the same base.
pub fn free_base_port(nodes: usize) -> Result<u16, NodeError> {
    let span = u16::try_from(10 * nodes.max(1)).unwrap_or(u16::MAX);
    let ceiling = ephemeral_floor().max(LOWEST_BASE);
    let slots = (ceiling - LOWEST_BASE) / span;
    if slots == 0 {
        return Err(no_free_base(nodes, ceiling));
    }
    let first = (std::process::id() % u32::from(slots)) as u16;
    (0..slots)
        .map(|k| LOWEST_BASE + ((first + k) % slots) * span)
        .find(|&base| check_ports_free(&Layout::loopback(base), nodes).is_ok())
        .ok_or_else(|| no_free_base(nodes, ceiling))
}

fn no_free_base(nodes: usize, ceiling: u16) -> NodeError {
    NodeError::Invalid {
        what: "ports",
        reason: format!(
            "no {nodes} nodes' ports are free between {LOWEST_BASE} and {ceiling} on 127.0.0.1; stop the programs holding them or choose ports with --base-port"
        ),
    }
}

/// The first port the system gives outgoing connections; 32,768 when it cannot
/// be read (Linux's default, and the IANA range starts above it).
fn ephemeral_floor() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// Refuses ports of the first `nodes` nodes of `layout` that another program holds.
fn check_ports_free(layout: &Layout, nodes: usize) -> Result<(), NodeError> {
    for i in 0..nodes {
        let p = layout.ports(i);
        for port in [p.p2p, p.rpc, p.app, p.api] {
            if std::net::TcpListener::bind((p.host, port)).is_err() {
                return Err(NodeError::Invalid {
                    what: "ports",
                    reason: format!(
                        "port {port} on {} is in use by another program; stop it or choose other ports with --base-port",
                        p.host
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The `p`-th percentile (0 to 100) of `samples`, by the nearest rank; zero when
/// there are none.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        let samples = ms(&[5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(5));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(10));
        assert_eq!(percentile(&samples, 0.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn agreement_needs_every_hash_equal() {
        let a = |h: &[&str]| Agreement {
            height: 3,
            app_hashes: h.iter().map(|s| s.to_string()).collect(),
        };
        assert!(a(&["AB", "AB", "AB"]).agree());
        assert!(!a(&["AB", "AB", "AC"]).agree());
    }

    #[test]
    fn a_port_in_use_is_named() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let e = check_ports_free(&Layout::loopback(port), 1).unwrap_err();
        assert!(e.to_string().contains(&port.to_string()), "{e}");
    }

    #[test]
    fn validators_share_out_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(threads_each(1), cores);
        assert_eq!(threads_each(0), cores);
        assert_eq!(threads_each(cores * 4), 1);
        assert!(threads_each(2) * 2 <= cores.max(2));
    }

    #[test]
    fn a_free_base_is_free_and_below_the_ephemeral_ports() {
        let base = free_base_port(5).unwrap();
        assert!(base >= LOWEST_BASE);
        assert!(base + 50 <= ephemeral_floor().max(LOWEST_BASE), "{base}");
        check_ports_free(&Layout::loopback(base), 5).unwrap();
        // Holding one of its ports makes the search pass it by.
        let held = std::net::TcpListener::bind(("127.0.0.1", base + 2)).unwrap();
        let other = free_base_port(5).unwrap();
        assert_ne!(other, base);
        drop(held);
    }
}
