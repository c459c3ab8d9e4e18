//! The bridge end to end: `geth --dev` as the L1 and four CometBFT validators on
//! loopback (`zkvm_node::abci::testnet`), each watching the L1 with its own key.
//! A wallet deposits ETH and a test ERC-20 (`wallet deposit`), sees them in its
//! balance, pays another wallet, withdraws to an L1 address (`wallet withdraw`),
//! and a relayer (`bridge relay`) has the withdrawal paid: the L1 balance rises by
//! exactly the amount. A checkpoint is posted too. Negatives: a deposit reported by
//! two of four validators is not imported; a deposit stays imported once though
//! every validator keeps seeing it; withdrawals with too few or forged signatures
//! and a replayed one are refused by the contract; a withdrawal above what is held
//! is refused. Prints the times from deposit to spendable and from withdrawal to L1
//! payment, and the L1 gas (the figures of `spec/bridge.md`).
//!
//! Needs `cometbft` (v0.38) and `geth` (v1.17.10) on PATH or in ~/go/bin; `.ci/run`
//! installs them. On failure the network's directory is kept and its path printed.

mod common;
#[path = "../../bridge/tests/common/mod.rs"]
mod l1;

use alloy::primitives::{Address, B256, U256};
use bridge::relay::Relayer;
use bridge::{BridgeError, EthSignature, ValidatorKey, Withdrawal};
use common::{confirmed, wallet, BIN, PASS};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;
use zkvm_node::abci::app_state::{GenesisSpec, GenesisWallet};
use zkvm_node::abci::bridge::{BridgeGenesis, SignedView};
use zkvm_node::abci::localnet;
use zkvm_node::abci::testnet::{self, Layout, Network, TestnetSpec};
use zkvm_node::cometbft::CometRpc;

const VALIDATORS: usize = 4;
/// The whole test must end well within this.
const BUDGET: Duration = Duration::from_secs(600);
/// Validators 0 and 1 report a deposit with one confirmation, 2 and 3 with this many.
const SLOW_CONFIRMATIONS: u64 = 4;
const CHECKPOINT_INTERVAL: u64 = 5;
const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The network, the L1, and the directory kept on failure.
struct Bridged {
    net: Network,
    deployed: l1::Deployed,
    runtime: tokio::runtime::Runtime,
    dir: Option<tempfile::TempDir>,
    started: Instant,
    /// The key that deposits and relays (it holds ETH and the test tokens).
    user: PathBuf,
    token: Address,
}

impl Drop for Bridged {
    fn drop(&mut self) {
        self.net.stop_all();
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                eprintln!(
                    "bridge test failed; logs kept in {}/node*/{{app,cometbft}}.log; geth's log:\n{}",
                    dir.keep().display(),
                    self.deployed.geth.log()
                );
            }
        }
    }
}

impl Bridged {
    fn out(&self) -> &Path {
        self.net.out()
    }

    fn rpc(&self, i: usize) -> CometRpc {
        CometRpc::new(&self.net.ports(i).rpc_url()).unwrap()
    }

    fn height(&self, i: usize) -> u64 {
        self.runtime
            .block_on(self.rpc(i).status())
            .map_or(0, |s| s.latest_height)
    }

    fn wait(&self, what: &str, mut done: impl FnMut(&Bridged) -> bool) {
        while !done(self) {
            assert!(
                self.started.elapsed() < BUDGET,
                "out of time waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until node 0 is `n` heights further.
    fn wait_heights(&self, n: u64) {
        let target = self.height(0) + n;
        self.wait(&format!("height {target}"), |b| b.height(0) >= target);
    }

    /// `wallet SUB NAME EXTRA` through node `i`'s API.
    fn wallet(&self, i: usize, sub: &str, name: &str, extra: &[&str]) -> Result<String, String> {
        let url = self.net.ports(i).api_url();
        wallet(sub, name, extra, &self.out().join("genesis"), &url)
    }

    fn balance(&self, name: &str, flavor: &str) -> u64 {
        confirmed(&self.wallet(0, "balance", name, &[]).unwrap(), flavor)
    }

    fn wait_balance(&self, name: &str, flavor: &str, qty: u64) {
        self.wait(&format!("{name} to hold {qty} of {flavor}"), |b| {
            b.balance(name, flavor) == qty
        });
    }

    fn l1_args(&self) -> [String; 4] {
        [
            "--l1-rpc".into(),
            self.deployed.geth.url.clone(),
            "--key".into(),
            self.user.display().to_string(),
        ]
    }

    /// `wallet deposit` of `amount` (of `token`, else ETH) to `name`; its L1 gas.
    fn deposit(&self, name: &str, amount: u64, token: Option<Address>) -> u64 {
        let mut extra: Vec<String> = vec![
            "--amount".into(),
            amount.to_string(),
            "--bridge".into(),
            self.deployed.bridge.address().to_string(),
        ];
        extra.extend(self.l1_args());
        if let Some(t) = token {
            extra.extend(["--token".into(), t.to_string()]);
        }
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let out = self.wallet(1, "deposit", name, &extra).unwrap();
        gas_in(&out)
    }

    /// What the chain shows signed, through node `i`.
    fn signed(&self, i: usize) -> SignedView {
        let bytes = self
            .runtime
            .block_on(self.rpc(i).abci_query("/bridge/signed"))
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// The same through node `i`'s HTTP API.
    fn signed_over_api(&self, i: usize) -> SignedView {
        let url = format!("{}/v1/bridge/signed", self.net.ports(i).api_url());
        self.runtime
            .block_on(async { reqwest::get(&url).await.unwrap().json().await.unwrap() })
    }

    fn wait_signed(&self, what: &str, done: impl Fn(&SignedView) -> bool) -> SignedView {
        self.wait(what, |b| done(&b.signed(2)));
        self.signed(2)
    }

    /// `bridge relay` through node 3; its output.
    fn relay(&self) -> String {
        let rpc = self.net.ports(3).rpc_url();
        let mut args = vec![
            "bridge".to_string(),
            "relay".into(),
            "--cometbft-rpc".into(),
            rpc,
        ];
        args.extend(self.l1_args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::run(&args).unwrap()
    }

    fn eth_balance(&self, a: Address) -> U256 {
        let l1 = self.deployed.bridge.l1();
        self.runtime.block_on(l1.eth_balance(a)).unwrap()
    }

    fn token_balance(&self, a: Address) -> U256 {
        let l1 = self.deployed.bridge.l1();
        self.runtime
            .block_on(l1.token_balance(self.token, a))
            .unwrap()
    }

    fn mine(&self, n: u64) {
        self.runtime.block_on(self.deployed.geth.mine(n));
    }
}

/// The gas a command reported (`(N gas)`).
fn gas_in(out: &str) -> u64 {
    out.split(" gas)")
        .next()
        .and_then(|s| s.rsplit([' ', '(']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no gas figure in {out:?}"))
}

fn flavor_hex(token: Address) -> String {
    hex::encode(bridge::flavor::flavor(1337, token).as_bytes())
}

/// The withdrawal of `view` paying `amount` to `to`, with its signatures.
fn withdrawal_to(view: &SignedView, to: Address) -> (Withdrawal, Vec<EthSignature>) {
    view.withdrawals
        .iter()
        .map(|item| item.decode(Withdrawal::read).unwrap())
        .find(|(w, _)| w.payload.recipient == to)
        .expect("the withdrawal is signed")
}

fn start() -> Bridged {
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let deployed = runtime.block_on(l1::deploy(VALIDATORS));
    let user = runtime.block_on(deployed.geth.funded_key(50));
    let token = runtime.block_on(async {
        deployed
            .geth
            .client(&user)
            .await
            .deploy_test_token("Test Token", "TST", U256::from(u64::MAX))
            .await
            .unwrap()
    });
    let chain_id = deployed.bridge.l1().chain_id();
    let dir = tempfile::Builder::new()
        .prefix("bridge-e2e")
        .tempdir()
        .unwrap();
    let user_file = dir.path().join("user.key");
    user.save(&user_file).unwrap();
    let cometbft = testnet::find_cometbft().unwrap_or_else(|e| panic!("{e}"));
    let base = localnet::free_base_port(VALIDATORS + 1).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::loopback(base);
    let spec = TestnetSpec {
        validators: VALIDATORS,
        genesis: GenesisSpec {
            outputs: 8,
            wallet: Some(GenesisWallet {
                name: "alice".into(),
                passphrase: Zeroizing::new(PASS.as_bytes().to_vec()),
                outputs: 4,
            }),
            bridge: Some(BridgeGenesis::new(
                chain_id,
                deployed.bridge.address(),
                &deployed.set,
                CHECKPOINT_INTERVAL,
            )),
            ..GenesisSpec::default()
        },
        ..TestnetSpec::default()
    };
    testnet::generate(&cometbft, dir.path(), &layout, &spec).unwrap();
    let mut net = Network::new(dir.path(), layout, cometbft, BIN.into());
    for (i, key) in deployed.validators.iter().enumerate() {
        let file = dir.path().join(format!("l1-{i}.key"));
        key.save(&file).unwrap();
        let confirmations = if i < 2 { 1 } else { SLOW_CONFIRMATIONS };
        net.app_args.insert(
            i,
            vec![
                "--l1-rpc".into(),
                deployed.geth.url.clone(),
                "--l1-key".into(),
                file.display().to_string(),
                "--l1-confirmations".into(),
                confirmations.to_string(),
            ],
        );
    }
    let b = Bridged {
        net,
        deployed,
        runtime,
        dir: Some(dir),
        started,
        user: user_file,
        token,
    };
    let mut b = b;
    for i in 0..VALIDATORS {
        b.net.start(i).unwrap();
    }
    b.wait("height 2 everywhere", |b| {
        (0..VALIDATORS).all(|i| b.height(i) >= 2)
    });
    eprintln!(
        "L1 and network up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    b
}

#[test]
fn deposits_payments_withdrawals_and_checkpoints_cross_the_bridge() {
    let mut b = start();
    let eth = flavor_hex(Address::ZERO);
    let tst = flavor_hex(b.token);
    let deposited: u64 = 3_000_000_000_000_000; // 0.003 ETH in wei

    // ETH: validators 0 and 1 report it at once, 2 and 3 only after more L1 blocks.
    // Reported by two of four, it is not imported, however long one waits.
    let eth_gas = b.deposit("alice", deposited, None);
    b.wait_heights(4);
    assert_eq!(
        b.balance("alice", &eth),
        0,
        "imported with two of four reports"
    );
    let seen = Instant::now();
    b.mine(SLOW_CONFIRMATIONS);
    b.wait_balance("alice", &eth, deposited);
    let eth_spendable = seen.elapsed();

    // The ERC-20 the same way (approve, then deposit).
    let started = Instant::now();
    let token_gas = b.deposit("alice", 700_000, Some(b.token));
    b.mine(SLOW_CONFIRMATIONS);
    b.wait_balance("alice", &tst, 700_000);
    let token_spendable = started.elapsed();
    // Every validator still sees both deposits on the L1: nothing is imported twice.
    b.wait_heights(3);
    assert_eq!(b.balance("alice", &eth), deposited);
    assert_eq!(b.balance("alice", &tst), 700_000);

    // Alice pays bob some of each.
    let created = b.wallet(2, "create", "bob", &[]).unwrap();
    let bob = common::line_value(&created, "address");
    b.wallet(
        0,
        "pay",
        "alice",
        &["--to", &bob, "--amount", "1000000", "--flavor", &eth],
    )
    .unwrap();
    b.wallet(
        1,
        "pay",
        "alice",
        &["--to", &bob, "--amount", "200", "--flavor", &tst],
    )
    .unwrap();
    b.wait_balance("bob", &eth, 1_000_000);
    b.wait_balance("bob", &tst, 200);

    // Light wallets check the bridged chain's headers: the app hash commits to the
    // block and the bridge root, which the evidence carries. Carol syncs every
    // block light from the genesis; Bob's light balance is his full one.
    let carol = b
        .wallet(3, "create", "carol", &["--light", "--from-height", "1"])
        .unwrap();
    assert!(carol.contains("created wallet carol"), "{carol}");
    let light = b.wallet(3, "balance", "bob", &["--light"]).unwrap();
    assert_eq!(confirmed(&light, &eth), 1_000_000, "{light}");
    assert_eq!(confirmed(&light, &tst), 200, "{light}");

    // Above what the chain holds: refused before anything is sent.
    let over = (deposited + 1).to_string();
    let refused = b
        .wallet(
            0,
            "withdraw",
            "alice",
            &[
                "--to",
                &Address::repeat_byte(7).to_string(),
                "--amount",
                &over,
            ],
        )
        .unwrap_err();
    assert!(refused.contains("insufficient funds"), "{refused}");

    // Alice withdraws ETH to a new L1 address; the relayer has it paid.
    let to = ValidatorKey::generate(&mut rand_core::OsRng).address();
    let amount: u64 = 1_000_000_000_000_000;
    let withdrew = Instant::now();
    b.wallet(
        3,
        "withdraw",
        "alice",
        &["--to", &to.to_string(), "--amount", &amount.to_string()],
    )
    .unwrap();
    b.wait_signed("the ETH withdrawal's signatures", |v| {
        v.withdrawals
            .iter()
            .any(|i| i.decode(Withdrawal::read).unwrap().0.payload.recipient == to)
    });
    // The API serves what the query does (a withdrawal's signatures never change).
    assert_eq!(
        withdrawal_to(&b.signed_over_api(1), to),
        withdrawal_to(&b.signed(1), to)
    );
    let relayed = b.relay();
    let mut relay_log = relayed.clone();
    let eth_paid = withdrew.elapsed();
    assert_eq!(b.eth_balance(to), U256::from(amount), "{relayed}");
    let eth_withdraw_gas = gas_in(
        relayed
            .lines()
            .find(|l| l.contains(&to.to_string()))
            .unwrap(),
    );

    // Replayed: the relayer sees it paid; the contract refuses it sent again.
    let again = b.relay();
    assert!(again.contains("paid already"), "{again}");
    relay_log += &again;
    let (w, sigs) = withdrawal_to(&b.signed(0), to);
    let resent = b.runtime.block_on(b.deployed.bridge.withdraw(&w, &sigs));
    assert!(
        matches!(resent, Err(BridgeError::L1(ref e)) if e.contains("AlreadyPaid")),
        "{resent:?}"
    );
    assert_eq!(b.eth_balance(to), U256::from(amount));

    // Bob withdraws tokens; too few and forged signatures are refused first.
    let token_to = ValidatorKey::generate(&mut rand_core::OsRng).address();
    b.wallet(0, "pay", "alice", &["--to", &bob, "--amount", "100000"])
        .unwrap();
    b.wait_balance("bob", ZERO, 100_000);
    let withdrew = Instant::now();
    b.wallet(
        1,
        "withdraw",
        "bob",
        &[
            "--to",
            &token_to.to_string(),
            "--amount",
            "150",
            "--token",
            &b.token.to_string(),
        ],
    )
    .unwrap();
    let view = b.wait_signed("the token withdrawal's signatures", |v| {
        v.withdrawals
            .iter()
            .any(|i| i.decode(Withdrawal::read).unwrap().0.payload.recipient == token_to)
    });
    let (w, sigs) = withdrawal_to(&view, token_to);
    let relayer = Relayer::new(b.deployed.bridge.clone());
    let few = b
        .runtime
        .block_on(relayer.relay_withdrawal(&w, sigs[..2].to_vec()));
    assert!(
        matches!(few, Err(BridgeError::NotEnoughPower { .. })),
        "{few:?}"
    );
    let strangers: Vec<ValidatorKey> = (0..3)
        .map(|_| ValidatorKey::generate(&mut rand_core::OsRng))
        .collect();
    let mut forged: Vec<(Address, EthSignature)> = strangers
        .iter()
        .map(|k| {
            (
                k.address(),
                k.sign_digest(&w.digest(&b.deployed.bridge.domain()))
                    .unwrap(),
            )
        })
        .collect();
    forged.sort_by_key(|(a, _)| *a);
    let forged: Vec<EthSignature> = forged.into_iter().map(|(_, s)| s).collect();
    let sent = b.runtime.block_on(b.deployed.bridge.withdraw(&w, &forged));
    assert!(
        matches!(sent, Err(BridgeError::L1(ref e)) if e.contains("NotAValidator")),
        "{sent:?}"
    );
    assert_eq!(b.token_balance(token_to), U256::ZERO);
    let relayed = b.relay();
    relay_log += &relayed;
    let token_paid = withdrew.elapsed();
    assert_eq!(b.token_balance(token_to), U256::from(150u64), "{relayed}");
    let token_withdraw_gas = gas_in(
        relayed
            .lines()
            .find(|l| l.contains(&token_to.to_string()))
            .unwrap(),
    );

    // A validator restarted reads the bridge's state of its tip and follows on (an
    // app hash of another bridge state would stop it at CometBFT's handshake).
    b.net.kill_cometbft(3);
    b.net.kill_app(3);
    b.wait_heights(2);
    b.net.start(3).unwrap();
    let target = b.height(0) + 2;
    b.wait("node 3 to follow again", |b| b.height(3) >= target);

    // A checkpoint: signed by the validators, posted by the relayer, read on the L1.
    let view = b.wait_signed("a signed checkpoint", |v| !v.checkpoints.is_empty());
    relay_log += &b.relay();
    let (c, _) = view.checkpoints[0]
        .decode(bridge::Checkpoint::read)
        .unwrap();
    let posted = b
        .runtime
        .block_on(b.deployed.bridge.checkpoint_at(c.height))
        .unwrap();
    assert_eq!(posted, Some(c));
    assert_ne!(c.block_id, B256::ZERO);
    let checkpoint_gas = relay_log
        .lines()
        .find(|l| l.starts_with("checkpoint"))
        .map(gas_in)
        .expect("the relayer posted a checkpoint");

    eprintln!(
        "figures: deposit ETH {eth_gas} gas, ERC-20 {token_gas} gas; withdraw ETH {eth_withdraw_gas} gas, ERC-20 {token_withdraw_gas} gas; checkpoint {checkpoint_gas} gas"
    );
    eprintln!(
        "times: ETH deposit to spendable {:.2} s after the last confirmation; ERC-20 deposit to spendable {:.2} s; withdrawal to L1 payment ETH {:.2} s, ERC-20 {:.2} s",
        eth_spendable.as_secs_f64(),
        token_spendable.as_secs_f64(),
        eth_paid.as_secs_f64(),
        token_paid.as_secs_f64()
    );
}
