//! Support for the node's integration tests: devnets in temporary directories, node
//! processes on ephemeral loopback ports, an HTTP client, and payments built from
//! the funding outputs of a devnet's genesis.
#![allow(dead_code)]

pub mod light;

use blockchain::BlockTx;
use curve25519_dalek::scalar::Scalar;
use rayon::prelude::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use zkvm::{Generators, Predicate, SigningKey, TxBuilder};
use zkvm_node::devnet::{self, DevnetConfig, FUNDING_KEY_FILE};

/// The node binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_zkvm-node");

/// A devnet in a temporary directory, made through the library.
pub fn devnet(funding_outputs: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    devnet::init(
        dir.path(),
        &DevnetConfig {
            funding_outputs,
            funding_qty: 1_000_000,
        },
    )
    .unwrap();
    dir
}

/// A running `zkvm-node run` child process; killed when dropped.
pub struct NodeProcess {
    pub child: Child,
    pub url: String,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `zkvm-node run` with `args` after `run`, on an ephemeral port, and waits
/// for its address.
pub fn spawn(args: &[&str]) -> NodeProcess {
    spawn_logging(args, "127.0.0.1:0", "warn", Stdio::inherit())
}

/// Like [`spawn`], listening on `listen`, with `RUST_LOG=log` and its log (stderr)
/// written to `stderr`.
pub fn spawn_logging(args: &[&str], listen: &str, log: &str, stderr: Stdio) -> NodeProcess {
    let mut child = Command::new(BIN)
        .arg("run")
        .args(["--listen", listen])
        .args(args)
        .env("RUST_LOG", log)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    NodeProcess { child, url }
}

/// Starts a producer on `dir` making a block every `interval_ms`.
pub fn producer(dir: &Path, interval_ms: u64) -> NodeProcess {
    spawn(&[
        "--data-dir",
        dir.to_str().unwrap(),
        "--block-interval-ms",
        &interval_ms.to_string(),
    ])
}

/// An HTTP client of one node.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub url: String,
}

impl Client {
    pub fn new(url: &str) -> Client {
        Client {
            http: reqwest::Client::new(),
            url: url.to_string(),
        }
    }

    /// GET a path; the status and the JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// POST raw bytes to a path; the status and the JSON body.
    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// Submits an encoded transaction.
    pub async fn submit(&self, bytes: &[u8]) -> (u16, Value) {
        let body = serde_json::json!({ "hex": hex::encode(bytes) });
        self.post_raw("/v1/txs", serde_json::to_vec(&body).unwrap())
            .await
    }

    /// The tip height.
    pub async fn height(&self) -> u64 {
        self.get("/v1/status").await.1["height"].as_u64().unwrap()
    }

    /// Waits until the tip reaches `height`.
    pub async fn wait_height(&self, height: u64, timeout: Duration) -> u64 {
        let start = Instant::now();
        loop {
            let h = self.height().await;
            if h >= height {
                return h;
            }
            assert!(
                start.elapsed() < timeout,
                "stuck at height {h}, waiting for {height}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The funding key of a devnet directory.
pub fn funding_key(dir: &Path) -> SigningKey {
    zkvm_node::keys::read_secret(dir, FUNDING_KEY_FILE)
        .unwrap()
        .unwrap()
}

/// Generators for proving payments (a prefix of the node's).
pub fn gens() -> Generators {
    Generators::new(256)
}

/// A bare, signed payment spending funding output `index` into a payment of 1000
/// to a fresh key and change back to the funding key, with a fee of 1.
pub fn payment(funding: &SigningKey, index: u64, gens: &Generators) -> zkvm::Tx {
    prove(paying(funding, index), gens)
}

/// Like [`payment`], with `data` bytes written to the log (a large transaction).
pub fn payment_with_data(
    funding: &SigningKey,
    index: u64,
    data: usize,
    gens: &Generators,
) -> zkvm::Tx {
    prove(paying(funding, index).data(vec![0x5a; data]), gens)
}

/// A signed transaction spending funding output `index` that issues 500 units of
/// the funding key's asset named `metadata`, all kept by the funding key, with a fee
/// of 1.
pub fn issuance(funding: &SigningKey, index: u64, metadata: &str, gens: &Generators) -> zkvm::Tx {
    let input = devnet::funding_contract(funding, index, 1_000_000);
    let issuer = Predicate::from_signing_key(funding.clone());
    let builder = TxBuilder::new()
        .spend(input)
        .issue(issuer.clone(), metadata.as_bytes(), 500)
        .change_to(issuer)
        .fee(1);
    prove(builder, gens)
}

/// The builder of [`payment`].
fn paying(funding: &SigningKey, index: u64) -> TxBuilder {
    let input = devnet::funding_contract(funding, index, 1_000_000);
    let recipient = SigningKey::random(&mut rand::thread_rng()).verification_key();
    TxBuilder::new()
        .spend(input)
        .pay(Predicate::from_key(&recipient), 1_000, Scalar::ZERO)
        .change_to(Predicate::from_signing_key(funding.clone()))
        .fee(1)
}

fn prove(builder: TxBuilder, gens: &Generators) -> zkvm::Tx {
    let mut rng = rand::thread_rng();
    builder
        .build(gens, &mut rng)
        .unwrap()
        .sign(&mut rng)
        .unwrap()
}

/// Mounts a tmpfs of `size` (as `mount -o size=…` reads it) on a fresh directory;
/// unmounted when dropped. Fails the test, saying why, where mounting is refused.
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("the `mount` command (util-linux) is needed");
        assert!(
            out.status.success(),
            "mounting a tmpfs was refused ({}): this test needs root (or CAP_SYS_ADMIN) to run `mount -t tmpfs`",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Tmpfs { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the file system is full; returns its path.
    pub fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0xffu8; 64 << 10];
        while file.write_all(&chunk).is_ok() {}
        // The last partial chunk: byte by byte until nothing fits.
        while file.write_all(&[0xff]).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Payments spending the funding outputs `indices`, proven in parallel.
pub fn payments(funding: &SigningKey, indices: std::ops::Range<u64>) -> Vec<zkvm::Tx> {
    let gens = gens();
    indices
        .into_par_iter()
        .map(|i| payment(funding, i, &gens))
        .collect()
}

/// A block transaction of `tx` with `proofs`.
pub fn block_tx(tx: zkvm::Tx, proofs: Vec<utreexo::Proof>) -> BlockTx {
    BlockTx { tx, proofs }
}

/// A block's JSON without `validation_ms`, which is each node's own measurement:
/// what two nodes holding the same block agree on.
pub fn consensus_fields(mut block: Value) -> Value {
    assert!(block.get("validation_ms").is_some(), "not a block: {block}");
    block["validation_ms"].take();
    block
}

/// The passphrase of the tests' wallets.
pub const PASS: &str = "correct horse battery";

pub fn zkvm(args: &[&str], passphrase: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("ZKVM_WALLET_PASSPHRASE", passphrase)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// Runs `wallet SUB NAME ... --data-dir D --node URL`; its stdout on success.
pub fn wallet(
    sub: &str,
    name: &str,
    extra: &[&str],
    dir: &Path,
    url: &str,
) -> Result<String, String> {
    let mut args = vec!["wallet", sub, name];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--data-dir", dir.to_str().unwrap(), "--node", url]);
    let out = zkvm(&args, PASS);
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8(out.stderr).unwrap())
    }
}

/// The confirmed balance of flavor `flavor` in `balance` output (0 if absent).
pub fn confirmed(balance: &str, flavor: &str) -> u64 {
    balance
        .lines()
        .find(|l| l.starts_with(flavor))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .unwrap_or(0)
}

pub fn wait_confirmed(name: &str, flavor: &str, qty: u64, dir: &Path, url: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let b = wallet("balance", name, &[], dir, url).unwrap();
        if confirmed(&b, flavor) == qty {
            return b;
        }
        assert!(Instant::now() < deadline, "{name} never held {qty}: {b}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs `zkvm-node ARGS` with the tests' passphrase; its stdout, or its stderr on
/// failure.
pub fn run(args: &[&str]) -> Result<String, String> {
    outcome(zkvm(args, PASS))
}

/// Stdout of a successful command, stderr of a failed one.
pub fn outcome(out: Output) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8(out.stderr).unwrap())
    }
}

/// Runs `zkvm-node ARGS` with `input` on its standard input and no passphrase in
/// the environment.
pub fn run_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("ZKVM_WALLET_PASSPHRASE")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `init` of a devnet in `dir` with a funded wallet "funding" of `outputs` outputs
/// of 1,000,000, and a producer on it.
pub fn devnet_with_wallet(dir: &Path, outputs: u64) -> NodeProcess {
    init_with_wallet(dir, outputs);
    producer(dir, 200)
}

/// `init` of a devnet in `dir` with a funded wallet "funding" of `outputs` outputs
/// of 1,000,000.
pub fn init_with_wallet(dir: &Path, outputs: u64) {
    let dir_text = dir.to_str().unwrap();
    let outputs = outputs.to_string();
    let init = [
        "init",
        "--data-dir",
        dir_text,
        "--funding-outputs",
        "2",
        "--wallet-outputs",
        &outputs,
    ];
    run(&init).unwrap();
}

/// Starts `zkvm-node wallet ARGS --data-dir D --node URL` with the tests'
/// passphrase, its output captured.
pub fn spawn_wallet(args: &[&str], dir: &Path, url: &str) -> Child {
    Command::new(BIN)
        .arg("wallet")
        .args(args)
        .args(["--data-dir", dir.to_str().unwrap(), "--node", url])
        .env("ZKVM_WALLET_PASSPHRASE", PASS)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The ID printed by a command that submitted a transaction.
pub fn submitted_id(out: &str) -> String {
    out.split("submitted transaction ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no transaction submitted: {out}"))
        .to_string()
}

/// The value after `label ` on the first line that starts with it.
pub fn line_value(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} in {out}"))
        .trim()
        .to_string()
}

/// Bech32m texts (BIP-350), to change one field of a disclosure and write it again
/// with a valid checksum.
pub mod bech32m {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    const GENERATOR: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    const CONSTANT: u32 = 0x2bc830a3;

    fn polymod(values: &[u8]) -> u32 {
        let mut chk = 1u32;
        for v in values {
            let top = chk >> 25;
            chk = (chk & 0x1ff_ffff) << 5 ^ u32::from(*v);
            for (i, g) in GENERATOR.iter().enumerate() {
                if (top >> i) & 1 == 1 {
                    chk ^= g;
                }
            }
        }
        chk
    }

    fn expand(hrp: &str) -> Vec<u8> {
        let mut v: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
        v.push(0);
        v.extend(hrp.bytes().map(|c| c & 31));
        v
    }

    fn regroup(data: &[u8], from: u32, to: u32, pad: bool) -> Vec<u8> {
        let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::new());
        for v in data {
            acc = acc << from | u32::from(*v);
            bits += from;
            while bits >= to {
                bits -= to;
                out.push((acc >> bits & ((1 << to) - 1)) as u8);
            }
        }
        if pad && bits > 0 {
            out.push((acc << (to - bits) & ((1 << to) - 1)) as u8);
        }
        out
    }

    /// The human-readable part and the bytes of a text.
    pub fn decode(text: &str) -> (String, Vec<u8>) {
        let (hrp, data) = text.rsplit_once('1').unwrap();
        let values: Vec<u8> = data
            .bytes()
            .map(|c| CHARSET.iter().position(|x| *x == c).unwrap() as u8)
            .collect();
        let mut all = expand(hrp);
        all.extend(&values);
        assert_eq!(polymod(&all), CONSTANT, "checksum of {text}");
        (
            hrp.to_string(),
            regroup(&values[..values.len() - 6], 5, 8, false),
        )
    }

    /// The text of `bytes` under `hrp`.
    pub fn encode(hrp: &str, bytes: &[u8]) -> String {
        let values = regroup(bytes, 8, 5, true);
        let mut all = expand(hrp);
        all.extend(&values);
        all.extend([0u8; 6]);
        let chk = polymod(&all) ^ CONSTANT;
        let mut text = format!("{hrp}1");
        for v in values
            .iter()
            .copied()
            .chain((0..6).map(|i| (chk >> (5 * (5 - i)) & 31) as u8))
        {
            text.push(CHARSET[v as usize] as char);
        }
        text
    }
}
