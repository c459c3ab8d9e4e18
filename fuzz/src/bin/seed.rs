//! Writes the seed corpora, `corpus/<target>/`, from the conformance vectors and a
//! few values built here (addresses, openings, requests, JSON bodies). Run from
//! `fuzz/`: `cargo run --release --bin seed`. Existing files are kept; a seed is
//! named by its position so rerunning overwrites the same files.

use blockchain::{Block, BlockTx, ChainState};
use curve25519_dalek::{RistrettoPoint, Scalar};
use encoding::Encodable;
use musig::{Signature, SigningKey};
use prost::Message;
use std::fs;
use std::path::{Path, PathBuf};
use tendermint_proto::v0_38::abci as pb;
use wallet::compact::{CompactBlock, CompactEntry, CompactTx, LightBlock, Spend};
use wallet::note::{KeyKind, NotePlaintext, Opening};
use wallet::{
    AccountKeys, Address, AssetBook, AssetName, Checkpoint, Ledger, Network, PaymentRequest,
};
use zkvm::{ContractId, Program};
use zkvm_node::api::json::{BlocksJson, GenesisJson, ProofJson, StatusJson, SubmitJson};

struct Corpus {
    dir: PathBuf,
    count: usize,
}

impl Corpus {
    fn new(root: &Path, target: &str) -> Self {
        let dir = root.join(target);
        fs::create_dir_all(&dir).expect("corpus folder");
        Corpus { dir, count: 0 }
    }

    fn add(&mut self, bytes: impl AsRef<[u8]>) {
        fs::write(self.dir.join(format!("seed-{:04}", self.count)), bytes).expect("write seed");
        self.count += 1;
    }

    fn prefixed(&mut self, pick: u8, bytes: impl AsRef<[u8]>) {
        let mut out = vec![pick];
        out.extend_from_slice(bytes.as_ref());
        self.add(out);
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    transactions(&root);
    blocks(&root);
    accumulators(&root);
    keys(&root);
    proofs(&root);
    wallet(&root);
    node(&root);
    abci(&root);
}

fn transactions(root: &Path) {
    let file = vectors::load("zkvm_txs.json");
    let (mut decode, mut verify) = (
        Corpus::new(root, "tx_decode"),
        Corpus::new(root, "tx_verify"),
    );
    let (mut program, mut asm) = (Corpus::new(root, "program"), Corpus::new(root, "asm"));
    let mut invalid = 0;
    for case in vectors::cases(&file) {
        let tx = vectors::bytes(&case["tx"]);
        decode.add(&tx);
        // Every valid transaction, and a sample of the invalid ones (one per kind of
        // mutation is plenty; the fuzzer mutates further).
        if case["valid"] == true || invalid < 40 {
            invalid += usize::from(case["valid"] != true);
            verify.add(&tx);
        }
        let Some(hex) = case["program"].as_str() else {
            continue;
        };
        let bytes = vectors::bytes(&serde_json::Value::from(hex));
        if let Ok(p) = Program::parse(&bytes) {
            asm.add(p.to_asm());
        }
        program.add(bytes);
    }
    let ids = vectors::load("zkvm_ids.json");
    for case in vectors::cases(&ids) {
        for p in case["programs"].as_array().into_iter().flatten() {
            if let Some(hex) = p.as_str() {
                program.add(vectors::bytes(&serde_json::Value::from(hex)));
            }
        }
    }
}

fn blocks(root: &Path) {
    let file = vectors::load("blockchain.json");
    let mut decode = Corpus::new(root, "block_decode");
    let mut apply = Corpus::new(root, "block_apply");
    let signature = Signature::from_bytes(&[0u8; 64]).expect("zero signature");
    for block in vectors::cases(&file)[0]["chain"].as_array().expect("chain") {
        let header = zkvm_fuzz::header_of(&block["header"]);
        decode.add(header.to_bytes());
        let mut txs = Vec::new();
        for tx in block["txs"].as_array().into_iter().flatten() {
            let bytes = vectors::bytes(&tx["block_tx"]);
            decode.add(&bytes);
            txs.push(BlockTx::from_bytes(&bytes).expect("vector block tx"));
        }
        let block = Block {
            header,
            signature,
            txs,
        };
        decode.add(block.to_bytes());
        apply.add(block.to_bytes());
    }
}

fn accumulators(root: &Path) {
    let mut utreexo = Corpus::new(root, "utreexo");
    let items: Vec<ContractId> = (0u8..13).map(|i| ContractId([i; 32])).collect();
    let key = SigningKey::new(Scalar::ONE).verification_key();
    let (state, proofs) = ChainState::start(0, &items, key).expect("start");
    utreexo.add(state.forest().encode_to_vec());
    for (i, proof) in proofs.iter().enumerate() {
        utreexo.prefixed(i as u8, proof.encode_to_vec());
    }
    let mut merkle = Corpus::new(root, "merkle_path");
    let file = vectors::load("merkle.json");
    for case in vectors::cases(&file) {
        for (i, path) in case["paths"].as_array().into_iter().flatten().enumerate() {
            if let Some(hex) = path.get("encoded").and_then(|v| v.as_str()) {
                merkle.prefixed(i as u8, vectors::bytes(&serde_json::Value::from(hex)));
            }
        }
    }
    merkle.prefixed(0, merkle::Path::default().encode_to_vec());
}

fn keys(root: &Path) {
    let mut keys = Corpus::new(root, "keys");
    for name in ["musig_single.json", "musig_multi.json"] {
        let file = vectors::load(name);
        for case in vectors::cases(&file)
            .iter()
            .filter(|c| c["what"] == "honest")
        {
            keys.add(vectors::bytes(&case["signature"]));
        }
    }
    let file = vectors::load("musig_keyagg.json");
    for case in vectors::cases(&file) {
        let mut all = Vec::new();
        for k in case["keys"].as_array().expect("keys") {
            all.extend(vectors::bytes(k));
        }
        keys.add(all);
    }
    let file = vectors::load("keytree.json");
    for case in vectors::cases(&file) {
        keys.add(vectors::bytes(&case["xprv"]));
        keys.add(vectors::bytes(&case["xpub"]));
    }
}

fn proofs(root: &Path) {
    let mut r1cs = Corpus::new(root, "r1cs_proof");
    let file = vectors::load("r1cs.json");
    // The target orders its statements as the vectors first name them.
    let mut statements: Vec<(String, serde_json::Value)> = Vec::new();
    for case in vectors::cases(&file) {
        let circuit = case["circuit"].as_str().expect("circuit");
        if !["mul", "range8", "shuffle3"].contains(&circuit) {
            continue;
        }
        let key = (circuit.to_string(), case["commitments"].clone());
        let index = match statements.iter().position(|s| *s == key) {
            Some(i) => i,
            None if case["valid"] == true => {
                statements.push(key);
                statements.len() - 1
            }
            None => 0,
        };
        r1cs.prefixed(index as u8, vectors::bytes(&case["proof"]));
    }
}

fn wallet(root: &Path) {
    let mut wallet = Corpus::new(root, "wallet");
    let control = SigningKey::new(Scalar::from(11u64)).verification_key();
    let encryption = RistrettoPoint::mul_base(&Scalar::from(12u64));
    for network in [Network::Mainnet, Network::Testnet, Network::Devnet] {
        let address = Address::new(network, control, encryption);
        wallet.prefixed(0, address.to_string());
    }
    for key in [KeyKind::Address, KeyKind::Request(3)] {
        let opening = Opening {
            key,
            qty: 1000,
            flavor: Scalar::from(5u64),
            qty_blinding: Scalar::from(6u64),
            flv_blinding: Scalar::from(7u64),
        };
        let mut bytes = Vec::new();
        opening.encode(&mut bytes);
        wallet.prefixed(1, bytes);
    }
    let request = PaymentRequest {
        network: Network::Devnet,
        index: 3,
        predicate: *control.as_compressed(),
        qty: 1000,
        flavor: Scalar::from(5u64),
        qty_blinding: Scalar::from(6u64),
        flv_blinding: Scalar::from(7u64),
        expiry_ms: 1_000_000,
        note: b"invoice 17".to_vec(),
    };
    wallet.prefixed(2, request.to_bytes());
    let mut ledger = Ledger::default();
    wallet.prefixed(3, ledger.to_bytes());
    let forest = utreexo::Forest::from_parts(2, 3, vec![merkle::Hash([7; 32]); 2]).expect("forest");
    let mut header = blockchain::BlockHeader::initial(5000, forest.root());
    header.height = 4;
    header.prev = blockchain::BlockId([9; 32]);
    let tip = Checkpoint::new(header.clone(), forest).expect("checkpoint");
    ledger.recent.push_back((4, tip.id()));
    ledger.tip = Some(tip);
    wallet.prefixed(3, ledger.to_bytes());
    let keys = AccountKeys::derive(&keytree::Xprv::from_seed(b"fuzz seed"), 2);
    let full = keys.full_viewing_key().expect("a root has every key");
    wallet.prefixed(4, full.to_text(Network::Devnet).to_string());
    wallet.prefixed(4, full.incoming().to_text(Network::Testnet).to_string());
    wallet.prefixed(4, full.outgoing().to_text(Network::Mainnet).to_string());
    let issuer = RistrettoPoint::mul_base(&Scalar::from(13u64)).compress();
    let name = AssetName::new(issuer, b"gold").expect("a short name");
    let plaintext = NotePlaintext {
        opening: Opening {
            key: KeyKind::Address,
            qty: 9,
            flavor: name.flavor(),
            qty_blinding: Scalar::from(6u64),
            flv_blinding: Scalar::from(7u64),
        },
        memo: Some("invoice 17".parse().expect("a short memo")),
        asset: Some(name.clone()),
    };
    let mut bytes = Vec::new();
    plaintext.encode(&mut bytes);
    wallet.prefixed(7, bytes);
    let mut book = AssetBook::default();
    book.learn(&name.flavor(), &name);
    let mut bytes = Vec::new();
    book.encode(&mut bytes);
    wallet.prefixed(8, bytes);
    let block = CompactBlock {
        header,
        txs: vec![CompactTx {
            id: zkvm::TxId([3; 32]),
            entries: vec![
                CompactEntry::Input {
                    id: ContractId([1; 32]),
                    spend: Spend::Transient,
                },
                CompactEntry::Input {
                    id: ContractId([2; 32]),
                    spend: Spend::Path {
                        position: 5,
                        hashes: vec![merkle::Hash([4; 32]); 2],
                    },
                },
                CompactEntry::Output {
                    id: ContractId([5; 32]),
                    anchor: None,
                },
                CompactEntry::Output {
                    id: ContractId([6; 32]),
                    anchor: Some(zkvm::Anchor([7; 32])),
                },
                CompactEntry::Note([&b"zkn1"[..], &[9; 161]].concat()),
                CompactEntry::Note([&b"zkn2"[..], &[8; 180]].concat()),
            ],
        }],
    };
    wallet.prefixed(9, block.to_bytes());
    let light = LightBlock {
        block,
        evidence: vec![8; 64],
    };
    wallet.prefixed(9, light.to_bytes());
}

fn node(root: &Path) {
    let mut api = Corpus::new(root, "node_api");
    let file = vectors::load("blockchain.json");
    let chain = vectors::cases(&file)[0]["chain"].as_array().expect("chain");
    let mut block_hexes = Vec::new();
    for block in chain {
        for tx in block["txs"].as_array().into_iter().flatten() {
            let hex = tx["block_tx"].as_str().expect("hex").to_string();
            api.add(serde_json::to_vec(&SubmitJson { hex }).expect("json"));
        }
        let header = zkvm_fuzz::header_of(&block["header"]);
        let block = Block {
            header,
            signature: Signature::from_bytes(&[0u8; 64]).expect("zero signature"),
            txs: Vec::new(),
        };
        block_hexes.push(hex::encode(block.to_bytes()));
    }
    let page = BlocksJson {
        tip_height: 3,
        blocks: block_hexes,
    };
    api.add(serde_json::to_vec(&page).expect("json"));
    let producer = SigningKey::new(Scalar::from(7u64));
    let genesis = zkvm_node::genesis::Genesis::new(1000, vec![ContractId([1; 32])], &producer)
        .expect("genesis");
    let json = GenesisJson {
        hex: hex::encode(genesis.to_bytes()),
        producer_key: producer.verification_key().to_string(),
        initial_block: "00".repeat(32),
        consensus: "devnet".to_string(),
    };
    api.add(serde_json::to_vec(&json).expect("json"));
    let proof = ProofJson {
        id: "01".repeat(32),
        height: 1,
        generation: 1,
        hex: "0100000000000000000000000000".to_string(),
        position: 0,
        neighbors: Vec::new(),
    };
    api.add(serde_json::to_vec(&proof).expect("json"));
    let status = StatusJson {
        height: 1,
        tip: "00".repeat(32),
        timestamp_ms: 1000,
        utxoroot: "00".repeat(32),
        utxos: 1,
        mempool_txs: 0,
        mempool_bytes: 0,
        producing: true,
        role: "producer".to_string(),
        error: None,
    };
    api.add(serde_json::to_vec(&status).expect("json"));
}

/// Requests as CometBFT encodes them, against the fixture of `zkvm_fuzz::abci`: the
/// vector chain's second block is a valid proposal after its genesis.
fn abci(root: &Path) {
    let mut abci = Corpus::new(root, "abci_request");
    let mut add =
        |value: pb::request::Value| abci.add(pb::Request { value: Some(value) }.encode_to_vec());
    add(pb::request::Value::Info(pb::RequestInfo {
        version: "0.38.25".into(),
        block_version: 11,
        p2p_version: 8,
        abci_version: "2.0.0".into(),
    }));
    add(pb::request::Value::Query(pb::RequestQuery {
        data: Default::default(),
        path: "/tip".into(),
        height: 0,
        prove: false,
    }));
    let txs: Vec<Vec<u8>> = zkvm_fuzz::vector_chain()
        .txs
        .iter()
        .map(BlockTx::to_bytes)
        .collect();
    add(pb::request::Value::CheckTx(pb::RequestCheckTx {
        tx: txs[0].clone().into(),
        r#type: pb::CheckTxType::New as i32,
    }));
    add(pb::request::Value::ProcessProposal(
        zkvm_fuzz::abci::process_proposal(&txs),
    ));
    add(pb::request::Value::FinalizeBlock(
        zkvm_fuzz::abci::finalize_block(&txs),
    ));
    add(pb::request::Value::InitChain(zkvm_fuzz::abci::init_chain()));
}
