//! A real L1 for the tests: `geth --dev` on loopback, on free ports, with a
//! temporary data directory, killed when dropped. Blocks are mined when transactions
//! arrive (`--dev.period 0`); the developer account it funds pays for the test keys.
#![allow(dead_code)]

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use bridge::l1::{BridgeClient, L1};
use bridge::{ValidatorKey, ValidatorSet};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bridge::Vote;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use wallet::note::NoteOpener;
use wallet::{Address as ZkAddress, Network};
use zkvm::{Commitment, Contract, PortableItem, Predicate, TxEntry, Value, VerifiedTx};

/// The geth release the tests are written against.
pub const GETH_VERSION: &str = "v1.17.10";

/// One ETH in wei.
pub fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// A running `geth --dev`.
pub struct Geth {
    child: Child,
    dir: tempfile::TempDir,
    /// Its HTTP JSON-RPC address.
    pub url: String,
    dev: Address,
    provider: DynProvider,
}

impl Drop for Geth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The geth binary: `$GETH`, `geth` on the PATH, or `~/go/bin/geth`.
fn geth_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("GETH") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let candidates = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("geth"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .chain([home.join("go/bin/geth")]);
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    panic!(
        "these tests need geth {GETH_VERSION} as the L1: install Go, then run \
         `go install github.com/ethereum/go-ethereum/cmd/geth@{GETH_VERSION}` \
         (it lands in ~/go/bin), or point GETH at the binary"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Geth {
    /// Starts geth and waits until it answers.
    pub async fn start() -> Geth {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (http, auth) = (free_port(), free_port());
        let log = std::fs::File::create(dir.path().join("geth.log")).expect("a log file");
        let child = Command::new(geth_binary())
            .args(["--dev", "--dev.period", "0", "--datadir"])
            .arg(dir.path().join("data"))
            // A devnet's data is a few MB: geth's guard (stop when less than its GC
            // cache is free, 1 GB) stopped it on a CI runner with 0.77 GB free.
            .args(["--datadir.minfreedisk", "0"])
            .args([
                "--http",
                "--http.addr",
                "127.0.0.1",
                "--http.api",
                "eth,net,web3",
            ])
            .args([
                "--http.port",
                &http.to_string(),
                "--authrpc.port",
                &auth.to_string(),
            ])
            .args([
                "--port",
                "0",
                "--nodiscover",
                "--maxpeers",
                "0",
                "--ipcdisable",
            ])
            .args(["--verbosity", "2"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("geth starts");
        let url = format!("http://127.0.0.1:{http}");
        let provider = ProviderBuilder::new()
            .connect_http(url.parse().expect("a URL"))
            .erased();
        let mut geth = Geth {
            child,
            dir,
            url,
            dev: Address::ZERO,
            provider,
        };
        geth.dev = geth.wait_for_dev_account().await;
        geth
    }

    async fn wait_for_dev_account(&mut self) -> Address {
        let start = Instant::now();
        loop {
            if let Ok(accounts) = self.provider.get_accounts().await {
                if let Some(a) = accounts.first() {
                    return *a;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("geth exited ({status}); see its log:\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "geth did not answer within 60 s; its log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// What geth logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("geth.log")).unwrap_or_default()
    }

    /// Sends `value` wei from the developer account to `to` and waits for the block.
    pub async fn send_eth(&self, to: Address, value: U256) {
        let tx = TransactionRequest::default()
            .with_from(self.dev)
            .with_to(to)
            .with_value(value);
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .expect("the developer account sends");
        // Sent through the provider without a wallet (geth signs): wait as the client does.
        let hash = *pending.tx_hash();
        let start = Instant::now();
        loop {
            if let Ok(Some(r)) = self.provider.get_transaction_receipt(hash).await {
                assert!(r.status(), "a transfer from the developer account reverted");
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "geth mined nothing in 120 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Mines `n` blocks (one empty transfer each).
    pub async fn mine(&self, n: u64) {
        for _ in 0..n {
            self.send_eth(self.dev, U256::ZERO).await;
        }
    }

    /// A fresh key holding `ether` ETH.
    pub async fn funded_key(&self, ether: u64) -> ValidatorKey {
        let key = ValidatorKey::generate(&mut rand_core::OsRng);
        self.send_eth(key.address(), eth(ether)).await;
        key
    }

    /// A client sending with `key`.
    pub async fn client(&self, key: &ValidatorKey) -> L1 {
        L1::connect(&self.url, key.signer().clone())
            .await
            .expect("connects")
    }
}

/// A bridge deployed with `n` validators of power 10 each, and their keys.
pub struct Deployed {
    pub geth: Geth,
    pub validators: Vec<ValidatorKey>,
    pub set: ValidatorSet,
    /// The deployer's client (it also relays).
    pub bridge: BridgeClient,
}

/// Starts geth and deploys a bridge with `n` validators.
pub async fn deploy(n: usize) -> Deployed {
    let geth = Geth::start().await;
    let validators: Vec<_> = (0..n)
        .map(|_| ValidatorKey::generate(&mut rand_core::OsRng))
        .collect();
    let set = ValidatorSet::new(validators.iter().map(|k| (k.address(), 10))).expect("a set");
    let deployer = geth.funded_key(100).await;
    let bridge = geth
        .client(&deployer)
        .await
        .deploy_bridge(&set)
        .await
        .expect("the bridge deploys");
    Deployed {
        geth,
        validators,
        set,
        bridge,
    }
}

/// A ZkVM address's 65 bytes (the L1 contract checks only length and version).
pub fn zkvm_address(seed: u8) -> [u8; 65] {
    let mut a = [seed; 65];
    a[0] = 1;
    a
}

/// A recipient: its address and the secrets to find and spend what it is paid.
pub struct Recipient {
    pub control: Scalar,
    pub encryption: Scalar,
    pub address: ZkAddress,
}

pub fn recipient(seed: u64) -> Recipient {
    let control = Scalar::from(1_000 + seed);
    let encryption = Scalar::from(2_000 + seed);
    let address = ZkAddress::new(
        Network::Devnet,
        zkvm::SigningKey::new(control).verification_key(),
        RistrettoPoint::mul_base(&encryption),
    );
    Recipient {
        control,
        encryption,
        address,
    }
}

/// The output an import paid to `to`, opened with the note, ready to spend.
pub fn received(verified: &VerifiedTx, to: &Recipient) -> (Contract, u64, Scalar) {
    let opener = NoteOpener::new(&to.encryption);
    let (opening, tweak) = verified
        .log
        .entries()
        .iter()
        .find_map(|e| match e {
            TxEntry::Data(d) => opener.open(d),
            _ => None,
        })
        .expect("the recipient finds its note");
    let key = zkvm::SigningKey::new(to.control + tweak);
    let paid = verified
        .log
        .outputs()
        .find(|c| c.predicate.to_point() == *key.verification_key().as_compressed())
        .expect("an output pays the tweaked control key");
    let contract = Contract {
        predicate: Predicate::from_signing_key(key),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded_with_factor(opening.qty, opening.qty_blinding),
            flv: Commitment::blinded_with_factor(opening.flavor, opening.flv_blinding),
        })],
        anchor: paid.anchor,
    };
    assert_eq!(contract.id(), paid.id(), "the opening matches the output");
    (contract, opening.qty, opening.flavor)
}

/// The votes of validators of power 10 each.
pub fn votes(extensions: &[Vec<u8>]) -> Vec<Vote<'_>> {
    extensions
        .iter()
        .map(|e| Vote {
            power: 10,
            extension: e,
        })
        .collect()
}

/// A deployed bridge, a user's client and a test token of `supply` it holds.
pub async fn with_token(supply: U256) -> (Deployed, L1, Address) {
    let d = deploy(4).await;
    let user = d.geth.funded_key(10).await;
    let l1 = d.geth.client(&user).await;
    let token = l1.deploy_test_token("Test", "TST", supply).await.unwrap();
    (d, l1, token)
}
