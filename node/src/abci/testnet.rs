//! A CometBFT network of this chain on one machine (or on the hosts of network
//! namespaces): the homes of its nodes, made by `cometbft testnet` and configured
//! here, and its processes — each node a `zkvm-node abci` process (the application,
//! with the HTTP API) beside a `cometbft start`. `zkvm-node abci testnet` and `abci
//! add-node`, the demo on validators, the throughput benchmark and the network tests
//! all use it.
//!
//! Port plan of node `i`: with [`Layout::loopback`], every node on 127.0.0.1 at
//! `BASE + 10·i` (p2p), `+1` (CometBFT RPC), `+2` (ABCI), `+3` (HTTP API); with
//! [`Layout::hosts`], node `i` on its own address, at `BASE` to `BASE + 3`.

use super::app_state::{self, GenesisSpec};
use crate::error::NodeError;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The command that installs CometBFT, for messages.
pub const INSTALL_COMETBFT: &str =
    "go install github.com/cometbft/cometbft/cmd/cometbft@v0.38.25 (Go 1.22 or later from https://go.dev/dl; it lands in ~/go/bin)";

/// Where a node listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// Its address.
    pub host: IpAddr,
    /// Peer-to-peer.
    pub p2p: u16,
    /// CometBFT's RPC.
    pub rpc: u16,
    /// The ABCI connection between CometBFT and the application.
    pub app: u16,
    /// The application's HTTP API and explorer.
    pub api: u16,
}

impl Ports {
    /// The RPC's URL.
    pub fn rpc_url(&self) -> String {
        format!("http://{}:{}", self.host, self.rpc)
    }

    /// The API's URL.
    pub fn api_url(&self) -> String {
        format!("http://{}:{}", self.host, self.api)
    }
}

/// Where the nodes of a network listen.
#[derive(Clone, Debug)]
pub struct Layout {
    base: u16,
    /// One address per node, or none for all on loopback.
    hosts: Vec<IpAddr>,
}

impl Layout {
    /// Every node on 127.0.0.1, node `i` at ports `base + 10·i` and on.
    pub fn loopback(base: u16) -> Layout {
        Layout {
            base,
            hosts: Vec::new(),
        }
    }

    /// Node `i` on `hosts[i]`, every node at ports `base` and on.
    pub fn hosts(base: u16, hosts: Vec<IpAddr>) -> Layout {
        Layout { base, hosts }
    }

    /// The ports of node `i`.
    pub fn ports(&self, i: usize) -> Ports {
        let (host, first) = match self.hosts.get(i) {
            Some(host) => (*host, self.base),
            None => (
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                self.base.saturating_add((10 * i) as u16),
            ),
        };
        Ports {
            host,
            p2p: first,
            rpc: first.saturating_add(1),
            app: first.saturating_add(2),
            api: first.saturating_add(3),
        }
    }
}

/// What a generated network holds.
#[derive(Clone, Debug)]
pub struct TestnetSpec {
    /// How many validators (equal voting power).
    pub validators: usize,
    /// The genesis: funding outputs, and a wallet it funds, stored in
    /// `OUT/genesis/wallets.redb`.
    pub genesis: GenesisSpec,
    /// CometBFT's `timeout_commit`: the pause after a block is committed.
    pub timeout_commit: Duration,
    /// CometBFT's log level (`info`, `error`, ...).
    pub log_level: String,
}

impl Default for TestnetSpec {
    fn default() -> Self {
        TestnetSpec {
            validators: 4,
            genesis: GenesisSpec::default(),
            timeout_commit: Duration::from_millis(500),
            log_level: "info".into(),
        }
    }
}

/// The `cometbft` program: `$COMETBFT`, else on `PATH`, else `~/go/bin/cometbft`;
/// an error saying how to install it when there is none.
pub fn find_cometbft() -> Result<PathBuf, NodeError> {
    if let Some(path) = std::env::var_os("COMETBFT") {
        return Ok(path.into());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("cometbft"))
            .find(|p| p.is_file())
    });
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join("go/bin/cometbft"));
    on_path
        .or(home.filter(|p| p.is_file()))
        .ok_or_else(|| NodeError::Invalid {
            what: "cometbft",
            reason: format!(
                "CometBFT 0.38 is not installed (not on PATH, not in ~/go/bin, $COMETBFT unset); install it with: {INSTALL_COMETBFT}"
            ),
        })
}

/// The home of node `i` in `out`.
pub fn home(out: &Path, i: usize) -> PathBuf {
    out.join(format!("node{i}"))
}

/// Makes the homes of `spec.validators` validators in `out/node*` (keys, genesis,
/// peers, ports of `layout`) and the genesis app state with its funding key in
/// `out/genesis`.
pub fn generate(
    cometbft: &Path,
    out: &Path,
    layout: &Layout,
    spec: &TestnetSpec,
) -> Result<(), NodeError> {
    if spec.validators == 0 {
        return Err(NodeError::Invalid {
            what: "--validators",
            reason: "a network needs at least one validator".into(),
        });
    }
    run(Command::new(cometbft)
        .args(["testnet", "--v", &spec.validators.to_string(), "--o"])
        .arg(out))?;
    let ids = (0..spec.validators)
        .map(|i| node_id(cometbft, &home(out, i)))
        .collect::<Result<Vec<_>, _>>()?;
    let peer = |i: usize| {
        let p = layout.ports(i);
        format!("{}@{}:{}", ids[i], p.host, p.p2p)
    };
    let mut genesis_files = Vec::new();
    for i in 0..spec.validators {
        let others: Vec<String> = (0..spec.validators).filter(|&j| j != i).map(peer).collect();
        configure(&home(out, i), layout, i, &others.join(","), spec)?;
        genesis_files.push(home(out, i).join("config/genesis.json"));
    }
    let made = app_state::make(&out.join("genesis"), &spec.genesis)?;
    for file in &genesis_files {
        app_state::write_into(file, &made.state)?;
    }
    let peers: Vec<String> = (0..spec.validators).map(peer).collect();
    write(&out.join("peers"), &peers.join(","))
}

/// Adds node `i` to the network in `out`, not a validator, joining by state sync:
/// it trusts block `trust_height` of hash `trust_hash` (from a node one trusts) and
/// verifies the snapshot it fetches against the app hash a light client checks
/// through the RPCs of nodes 0 and 1.
pub fn add_node(
    cometbft: &Path,
    out: &Path,
    layout: &Layout,
    i: usize,
    trust: (u64, &str),
    spec: &TestnetSpec,
) -> Result<(), NodeError> {
    let home = home(out, i);
    run(Command::new(cometbft).args(["init", "--home"]).arg(&home))?;
    let genesis = std::fs::read(self::home(out, 0).join("config/genesis.json"))
        .map_err(|e| NodeError::io(out.join("node0/config/genesis.json"), e))?;
    write_bytes(&home.join("config/genesis.json"), &genesis)?;
    let peers = std::fs::read_to_string(out.join("peers"))
        .map_err(|e| NodeError::io(out.join("peers"), e))?;
    configure(&home, layout, i, peers.trim(), spec)?;
    let rpc = |j: usize| {
        let p = layout.ports(j);
        format!("{}:{}", p.host, p.rpc)
    };
    edit_config(&home, |cfg| {
        set_toml(cfg, "statesync", "enable", "true")?;
        set_toml(
            cfg,
            "statesync",
            "rpc_servers",
            &format!("\"{},{}\"", rpc(0), rpc(1)),
        )?;
        set_toml(cfg, "statesync", "trust_height", &trust.0.to_string())?;
        set_toml(cfg, "statesync", "trust_hash", &format!("\"{}\"", trust.1))?;
        set_toml(cfg, "statesync", "trust_period", "\"168h0m0s\"")?;
        set_toml(cfg, "statesync", "discovery_time", "\"5s\"")
    })
}

/// Sets node `i`'s addresses, peers and the settings a local network needs in its
/// `config.toml`.
fn configure(
    home: &Path,
    layout: &Layout,
    i: usize,
    peers: &str,
    spec: &TestnetSpec,
) -> Result<(), NodeError> {
    let p = layout.ports(i);
    let commit_ms = spec.timeout_commit.as_millis();
    edit_config(home, |cfg| {
        set_toml(
            cfg,
            "",
            "proxy_app",
            &format!("\"tcp://127.0.0.1:{}\"", p.app),
        )?;
        set_toml(cfg, "", "moniker", &format!("\"node{i}\""))?;
        set_toml(cfg, "", "log_level", &format!("\"{}\"", spec.log_level))?;
        set_toml(
            cfg,
            "rpc",
            "laddr",
            &format!("\"tcp://{}:{}\"", p.host, p.rpc),
        )?;
        set_toml(cfg, "rpc", "pprof_laddr", "\"\"")?;
        set_toml(
            cfg,
            "p2p",
            "laddr",
            &format!("\"tcp://{}:{}\"", p.host, p.p2p),
        )?;
        set_toml(cfg, "p2p", "persistent_peers", &format!("\"{peers}\""))?;
        set_toml(cfg, "p2p", "addr_book_strict", "false")?;
        set_toml(cfg, "p2p", "allow_duplicate_ip", "true")?;
        // CometBFT 1.x's default (cometbft#2988): 0.38's 100 ms holds every
        // gossiped message that long; 10 ms cut p50 from 2.2 to 1.9 s at 320/s here.
        set_toml(cfg, "p2p", "flush_throttle_timeout", "\"10ms\"")?;
        set_toml(
            cfg,
            "consensus",
            "timeout_commit",
            &format!("\"{commit_ms}ms\""),
        )?;
        set_toml(cfg, "consensus", "timeout_propose", "\"2s\"")?;
        // 0.38's 100 ms: a consensus gossip routine with nothing to send sleeps that
        // long, so each step of a height (proposal and parts, prevotes, precommits)
        // waited up to 100 ms per hop. 10 ms (CometBFT's own test setting is 5):
        // 80–85 → 105–115 heights per benchmark run at 320/s here, p50 1.53 → 1.19 s.
        set_toml(cfg, "consensus", "peer_gossip_sleep_duration", "\"10ms\"")?;
        set_toml(cfg, "instrumentation", "prometheus", "false")
    })
}

fn edit_config(
    home: &Path,
    edit: impl FnOnce(&mut String) -> Result<(), NodeError>,
) -> Result<(), NodeError> {
    let path = home.join("config/config.toml");
    let mut text = std::fs::read_to_string(&path).map_err(|e| NodeError::io(&path, e))?;
    edit(&mut text)?;
    write(&path, &text)
}

/// Sets `key = value` (`value` as TOML, quotes included) in `[section]` of a
/// CometBFT `config.toml` (`""` for the top, before any section). The key must be
/// there already: CometBFT writes every key it reads.
pub fn set_toml(text: &mut String, section: &str, key: &str, value: &str) -> Result<(), NodeError> {
    let mut current = String::new();
    let mut done = false;
    let mut out = String::with_capacity(text.len() + value.len());
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            current = trimmed[1..trimmed.len() - 1].to_string();
        }
        if !done && current == section && line.starts_with(&format!("{key} = ")) {
            out.push_str(&format!("{key} = {value}\n"));
            done = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        return Err(NodeError::Invalid {
            what: "config.toml",
            reason: format!("no key {key} in [{section}]: is this CometBFT 0.38's config?"),
        });
    }
    *text = out;
    Ok(())
}

fn node_id(cometbft: &Path, home: &Path) -> Result<String, NodeError> {
    let out = run(Command::new(cometbft)
        .args(["show-node-id", "--home"])
        .arg(home))?;
    Ok(out.trim().to_string())
}

/// Runs a command to its end; its standard output, or an error with what it said.
fn run(command: &mut Command) -> Result<String, NodeError> {
    let what = format!("{command:?}");
    let out = command
        .output()
        .map_err(|e| NodeError::io(what.clone(), e))?;
    if !out.status.success() {
        return Err(NodeError::Invalid {
            what: "cometbft",
            reason: format!(
                "{what} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn write(path: &Path, text: &str) -> Result<(), NodeError> {
    write_bytes(path, text.as_bytes())
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    std::fs::write(path, bytes).map_err(|e| NodeError::io(path, e))
}

/// The processes of a network: per node, its application and its CometBFT. Every
/// process is killed when the network is dropped.
pub struct Network {
    out: PathBuf,
    layout: Layout,
    cometbft: PathBuf,
    zkvm_node: PathBuf,
    /// Prefixes every command of node `i` (e.g. `ip netns exec ns_i`).
    wrap: HashMap<usize, Vec<String>>,
    /// `RUST_LOG` of the applications.
    pub app_log: String,
    /// More arguments of node `i`'s application (such as its L1 link).
    pub app_args: HashMap<usize, Vec<String>>,
    /// Each application's verification threads (`--threads`); without it, one per
    /// core.
    pub app_threads: Option<usize>,
    apps: HashMap<usize, Child>,
    nodes: HashMap<usize, Child>,
}

impl core::fmt::Debug for Network {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Network")
            .field("out", &self.out)
            .field("apps", &self.apps.keys())
            .field("nodes", &self.nodes.keys())
            .finish_non_exhaustive()
    }
}

impl Network {
    /// The processes of the network generated in `out`, run with these programs.
    pub fn new(out: &Path, layout: Layout, cometbft: PathBuf, zkvm_node: PathBuf) -> Network {
        Network {
            out: out.to_path_buf(),
            layout,
            cometbft,
            zkvm_node,
            wrap: HashMap::new(),
            app_log: "info".into(),
            app_args: HashMap::new(),
            app_threads: None,
            apps: HashMap::new(),
            nodes: HashMap::new(),
        }
    }

    /// Runs every command of node `i` behind `prefix` (such as `ip netns exec ns0`).
    pub fn wrap(&mut self, i: usize, prefix: Vec<String>) {
        self.wrap.insert(i, prefix);
    }

    /// The directory of the network.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// The ports of node `i`.
    pub fn ports(&self, i: usize) -> Ports {
        self.layout.ports(i)
    }

    /// The home of node `i`.
    pub fn home(&self, i: usize) -> PathBuf {
        home(&self.out, i)
    }

    /// Starts node `i`'s application (with the HTTP API) and waits until it listens
    /// for CometBFT.
    pub fn start_app(&mut self, i: usize) -> Result<(), NodeError> {
        let p = self.ports(i);
        let home = self.home(i);
        let log = self.log(i, "app.log")?;
        let mut command = self.command(i, &self.zkvm_node.clone());
        command
            .arg("abci")
            .arg("--data-dir")
            .arg(home.join("app"))
            .args(["--listen", &format!("127.0.0.1:{}", p.app)])
            .args(["--api", &format!("{}:{}", p.host, p.api)])
            .args(["--cometbft-rpc", &p.rpc_url()])
            .args(self.app_args.get(&i).into_iter().flatten())
            .args(self.app_threads.map(|n| format!("--threads={n}")))
            .env("RUST_LOG", &self.app_log)
            .stdout(log.try_clone().map_err(|e| NodeError::io(&home, e))?)
            .stderr(log);
        let child = command
            .spawn()
            .map_err(|e| NodeError::io(&self.zkvm_node, e))?;
        self.apps.insert(i, child);
        // CometBFT gives up if the application is not there when it starts.
        self.wait_listening(i, p.host, p.api)
    }

    /// Starts node `i`'s CometBFT.
    pub fn start_cometbft(&mut self, i: usize) -> Result<(), NodeError> {
        let log = self.log(i, "cometbft.log")?;
        let home = self.home(i);
        let mut command = self.command(i, &self.cometbft.clone());
        command
            .args(["start", "--home"])
            .arg(&home)
            .stdout(log.try_clone().map_err(|e| NodeError::io(&home, e))?)
            .stderr(log);
        let child = command
            .spawn()
            .map_err(|e| NodeError::io(&self.cometbft, e))?;
        self.nodes.insert(i, child);
        Ok(())
    }

    /// Starts node `i`: the application, then CometBFT.
    pub fn start(&mut self, i: usize) -> Result<(), NodeError> {
        self.start_app(i)?;
        self.start_cometbft(i)
    }

    /// Kills node `i`'s application.
    pub fn kill_app(&mut self, i: usize) {
        if let Some(child) = self.apps.remove(&i) {
            stop(child);
        }
    }

    /// Kills node `i`'s CometBFT.
    pub fn kill_cometbft(&mut self, i: usize) {
        if let Some(child) = self.nodes.remove(&i) {
            stop(child);
        }
    }

    /// The process IDs of node `i`'s application and CometBFT, where they run.
    pub fn pids(&self, i: usize) -> (Option<u32>, Option<u32>) {
        (
            self.apps.get(&i).map(Child::id),
            self.nodes.get(&i).map(Child::id),
        )
    }

    /// Stops every node: each CometBFT first, then the applications (the order
    /// `deploy/cometbft/README.md` gives).
    pub fn stop_all(&mut self) {
        for (_, child) in self.nodes.drain() {
            stop(child);
        }
        for (_, child) in self.apps.drain() {
            stop(child);
        }
    }

    fn command(&self, i: usize, program: &Path) -> Command {
        match self.wrap.get(&i).and_then(|w| w.split_first()) {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    fn log(&self, i: usize, name: &str) -> Result<std::fs::File, NodeError> {
        let path = self.home(i).join(name);
        std::fs::File::options()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| NodeError::io(&path, e))
    }

    fn wait_listening(&mut self, i: usize, host: IpAddr, port: u16) -> Result<(), NodeError> {
        let start = Instant::now();
        while std::net::TcpStream::connect((host, port)).is_err() {
            if let Some(Ok(Some(status))) = self.apps.get_mut(&i).map(Child::try_wait) {
                return Err(NodeError::Invalid {
                    what: "application",
                    reason: format!(
                        "node {i}'s zkvm-node abci exited ({status}); see {}",
                        self.home(i).join("app.log").display()
                    ),
                });
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(NodeError::Invalid {
                    what: "application",
                    reason: format!("node {i}'s API does not listen on {host}:{port} after 30 s"),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Asks a process to stop (SIGTERM), then kills it if it has not within 5 s.
fn stop(mut child: Child) {
    let pid = child.id().to_string();
    let _ = Command::new("kill")
        .args(["-TERM", &pid])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_toml_replaces_one_key_of_one_section() {
        let mut text =
            "proxy_app = \"a\"\n[rpc]\nladdr = \"x\"\n[p2p]\nladdr = \"y\"\n".to_string();
        set_toml(&mut text, "p2p", "laddr", "\"z\"").unwrap();
        set_toml(&mut text, "", "proxy_app", "\"b\"").unwrap();
        assert_eq!(
            text,
            "proxy_app = \"b\"\n[rpc]\nladdr = \"x\"\n[p2p]\nladdr = \"z\"\n"
        );
        assert!(set_toml(&mut text, "rpc", "missing", "1").is_err());
        assert!(set_toml(&mut text, "nowhere", "laddr", "1").is_err());
    }

    #[test]
    fn ports_follow_the_plan() {
        let l = Layout::loopback(27_000);
        assert_eq!(l.ports(2).p2p, 27_020);
        assert_eq!(l.ports(2).api, 27_023);
        let h = Layout::hosts(26_656, vec!["10.0.0.2".parse().unwrap()]);
        assert_eq!(h.ports(0).rpc_url(), "http://10.0.0.2:26657");
        assert_eq!(h.ports(1).host, IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
}
