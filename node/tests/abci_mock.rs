//! The ABCI application under a mock consensus: the `tendermint-abci` client sends
//! the requests of CometBFT 0.38 over the real socket. Startup sequences, payments
//! applied with the same app hash on two instances, a proposal with an invalid
//! transaction rejected by both, malformed requests, restarts, state sync, and the
//! socket server's order of answers behind `Flush`.

mod abci_support;
mod common;

use abci_support::*;
use blockchain::{BlockHeader, BlockTx};
use std::io::{Read, Write};
use std::net::TcpStream;
use tendermint_proto::v0_38::abci as pb;
use zkvm_node::abci::app_state::{self, AppState};
use zkvm_node::abci::ErrorCode;

const ACCEPT: i32 = pb::response_process_proposal::ProposalStatus::Accept as i32;
const REJECT: i32 = pb::response_process_proposal::ProposalStatus::Reject as i32;

/// A genesis of `outputs` funding outputs in a temporary directory: the app state
/// JSON and the funding key.
fn genesis(outputs: u64) -> (tempfile::TempDir, Vec<u8>, musig::SigningKey) {
    let dir = tempfile::tempdir().unwrap();
    let spec = app_state::GenesisSpec {
        outputs,
        timestamp_ms: Some(GENESIS_MS),
        ..Default::default()
    };
    let made = app_state::make(dir.path(), &spec).unwrap();
    let json = std::fs::read(&made.app_state).unwrap();
    let key = common::funding_key(dir.path());
    (dir, json, key)
}

/// An instance on a fresh store, initialised with `app_state`.
fn started(app_state: &[u8]) -> (tempfile::TempDir, Instance, Mock) {
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::start(dir.path());
    let mut client = instance.connect();
    client.init_chain(init_chain(app_state)).unwrap();
    (dir, instance, client)
}

fn tip(client: &mut Mock) -> BlockHeader {
    let r = client.query(query("/tip")).unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    BlockHeader::from_bytes(&r.value).unwrap()
}

#[test]
fn startup_info_then_init_chain_then_a_handshake_after_a_crash() {
    let (_g, json, _) = genesis(4);
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::start(dir.path());
    let mut client = instance.connect();
    // A new application: height 0 and no app hash, so CometBFT calls InitChain.
    let info = client.info(info_req()).unwrap();
    assert_eq!(
        (info.last_block_height, info.last_block_app_hash.len()),
        (0, 0)
    );
    let init = client.init_chain(init_chain(&json)).unwrap();
    assert_eq!(init.app_hash.len(), 32);
    let info = client.info(info_req()).unwrap();
    assert_eq!(info.last_block_height, 0);
    assert_eq!(info.last_block_app_hash, init.app_hash);
    assert_eq!(tip(&mut client).id().0.to_vec(), init.app_hash.to_vec());
    // Crash before the first block: the handshake calls InitChain again.
    drop(client);
    instance.stop();
    let instance = Instance::start(dir.path());
    let mut client = instance.connect();
    assert_eq!(client.info(info_req()).unwrap().last_block_height, 0);
    let again = client.init_chain(init_chain(&json)).unwrap();
    assert_eq!(again.app_hash, init.app_hash);
    // Another genesis on this store is refused (the connection closes) and the app
    // goes on serving new connections.
    let (_h, other, _) = genesis(2);
    assert!(client.init_chain(init_chain(&other)).is_err());
    let mut client = instance.connect();
    assert_eq!(
        client.info(info_req()).unwrap().last_block_app_hash,
        init.app_hash
    );
}

#[test]
fn payments_apply_with_the_same_app_hash_on_two_instances() {
    let (_g, json, funding) = genesis(8);
    let (_da, a, mut ca) = started(&json);
    let (_db, b, mut cb) = started(&json);
    let payments = common::payments(&funding, 0..6);
    // Bare transactions to A: it attaches current proofs.
    for tx in &payments[..4] {
        let r = ca.check_tx(check(&tx.to_bytes())).unwrap();
        assert_eq!(r.code, 0, "{}", r.log);
    }
    let (txs, hash) = run_height(&mut [&mut ca, &mut cb], 1);
    assert_eq!(txs.len(), 4);
    assert_eq!(tip(&mut ca), tip(&mut cb));
    assert_eq!(tip(&mut ca).id().0.to_vec(), hash);
    // Every instance has every transaction and the proofs of their outputs.
    for c in [&mut ca, &mut cb] {
        for btx in &txs {
            let btx = BlockTx::from_bytes(btx).unwrap();
            let log = zkvm::Verifier::verify_tx(&btx.tx, &common::gens()).unwrap();
            let r = c.query(query(&format!("/tx/{}", log.id))).unwrap();
            assert_eq!(r.code, 0, "{}", r.log);
            for output in log.log.outputs() {
                let r = c.query(query(&format!("/utxo/{}", output.id()))).unwrap();
                assert_eq!(r.code, 0, "{}", r.log);
            }
        }
    }
    // A recheck of a mined transaction fails (its inputs are gone); of a waiting one
    // it passes. The next block is made on B from its own mempool, proofs brought
    // current across the block.
    let r = ca.check_tx(recheck(&payments[0].to_bytes())).unwrap();
    assert_eq!(r.code, ErrorCode::UnknownInput.value(), "{}", r.log);
    let r = cb.check_tx(check(&payments[4].to_bytes())).unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    // Submitted before the next block to B, committed after it: recheck keeps it.
    let r = cb.check_tx(check(&payments[5].to_bytes())).unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    let r = cb.check_tx(recheck(&payments[5].to_bytes())).unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    let (txs, _) = run_height(&mut [&mut cb, &mut ca], 2);
    assert_eq!(txs.len(), 2);
    assert_eq!(tip(&mut ca), tip(&mut cb));
    assert_eq!(tip(&mut ca).height, 3);
    drop((a, b));
}

#[test]
fn a_proposal_with_one_invalid_transaction_is_rejected_by_every_instance() {
    let (_g, json, funding) = genesis(4);
    let (_da, a, mut ca) = started(&json);
    let (_db, b, mut cb) = started(&json);
    let payments = common::payments(&funding, 0..3);
    for tx in &payments {
        assert_eq!(ca.check_tx(check(&tx.to_bytes())).unwrap().code, 0);
    }
    let good: Vec<Vec<u8>> = ca
        .prepare_proposal(prepare(1, Vec::new()))
        .unwrap()
        .txs
        .iter()
        .map(|t| t.to_vec())
        .collect();
    assert_eq!(good.len(), 3);
    // One transaction's proof altered: a byte flipped deep in its R1CS proof keeps
    // it decodable, so only verification can catch it.
    let mut bad = good.clone();
    let mut btx = BlockTx::from_bytes(&bad[1]).unwrap();
    let mut tx_bytes = btx.tx.to_bytes();
    let at = tx_bytes.len() - 40;
    tx_bytes[at] ^= 1;
    btx.tx = zkvm::Tx::from_bytes(&tx_bytes).unwrap_or_else(|_| {
        // A flip that breaks decoding still makes an invalid proposal.
        btx.tx.clone()
    });
    bad[1] = if btx.tx.to_bytes() == tx_bytes {
        btx.to_bytes()
    } else {
        vec![0xff; 10]
    };
    for c in [&mut ca, &mut cb] {
        assert_eq!(c.process_proposal(process(1, &bad)).unwrap().status, REJECT);
    }
    // The valid one is accepted by both.
    for c in [&mut ca, &mut cb] {
        assert_eq!(
            c.process_proposal(process(1, &good)).unwrap().status,
            ACCEPT
        );
    }
    // Decided anyway (a Byzantine majority): both apply the rest, report the bad one
    // with a code and agree on the app hash.
    let mut hashes = Vec::new();
    for c in [&mut ca, &mut cb] {
        let r = c.finalize_block(finalize(1, &bad)).unwrap();
        let codes: Vec<u32> = r.tx_results.iter().map(|t| t.code).collect();
        assert_eq!(codes[0], 0);
        assert_ne!(codes[1], 0);
        assert_eq!(codes[2], 0);
        hashes.push(r.app_hash);
        c.commit().unwrap();
    }
    assert_eq!(hashes[0], hashes[1]);
    drop((a, b));
}

#[test]
fn malformed_requests_get_error_codes_not_panics() {
    let (_g, json, funding) = genesis(4);
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::start(dir.path());
    let mut c = instance.connect();
    // Before InitChain.
    let r = c.check_tx(check(b"anything")).unwrap();
    assert_eq!(r.code, ErrorCode::Malformed.value());
    let pay = common::payments(&funding, 0..2);
    let r = c.check_tx(check(&pay[0].to_bytes())).unwrap();
    assert_eq!(r.code, ErrorCode::NotReady.value(), "{}", r.log);
    assert_eq!(
        c.query(query("/tip")).unwrap().code,
        ErrorCode::NotReady.value()
    );
    c.init_chain(init_chain(&json)).unwrap();
    // Garbage and empty transactions.
    for garbage in [&b""[..], b"\x00", &[0xffu8; 300]] {
        let r = c.check_tx(check(garbage)).unwrap();
        assert_eq!(r.code, ErrorCode::Malformed.value(), "{}", r.log);
    }
    // A double spend of a pending input.
    assert_eq!(c.check_tx(check(&pay[0].to_bytes())).unwrap().code, 0);
    let twin = common::payment(&funding, 0, &common::gens());
    let r = c.check_tx(check(&twin.to_bytes())).unwrap();
    assert_eq!(r.code, ErrorCode::DoubleSpend.value(), "{}", r.log);
    // The same one again.
    let r = c.check_tx(check(&pay[0].to_bytes())).unwrap();
    assert_eq!(r.code, ErrorCode::Mempool.value(), "{}", r.log);
    // An output that does not exist.
    let ghost = common::payment(
        &musig::SigningKey::random(&mut rand::thread_rng()),
        0,
        &common::gens(),
    );
    let r = c.check_tx(check(&ghost.to_bytes())).unwrap();
    assert_eq!(r.code, ErrorCode::UnknownInput.value(), "{}", r.log);
    // Queries.
    for (path, code) in [
        ("/nothing", ErrorCode::NotFound),
        ("", ErrorCode::NotFound),
        ("/tx/zz", ErrorCode::Malformed),
        ("/tx/00", ErrorCode::Malformed),
        (&*format!("/tx/{}", "00".repeat(32)), ErrorCode::NotFound),
        (&*format!("/utxo/{}", "11".repeat(32)), ErrorCode::NotFound),
    ] {
        assert_eq!(c.query(query(path)).unwrap().code, code.value(), "{path}");
    }
    let mut q = query("/tip");
    q.height = 9;
    assert_eq!(c.query(q).unwrap().code, ErrorCode::WrongHeight.value());
    // Proposals at a wrong height, with garbage, before 1970: rejected.
    assert_eq!(c.process_proposal(process(5, &[])).unwrap().status, REJECT);
    assert_eq!(
        c.process_proposal(process(1, &[vec![1, 2, 3]]))
            .unwrap()
            .status,
        REJECT
    );
    let mut early = process(1, &[]);
    early.time = Some(tendermint_proto::google::protobuf::Timestamp {
        seconds: -5,
        nanos: 0,
    });
    assert_eq!(c.process_proposal(early).unwrap().status, REJECT);
    // Commit with nothing finalized, FinalizeBlock at a wrong height: these have no
    // error code in ABCI, so the app answers with an error and the socket server
    // closes the connection; the app goes on.
    assert!(c.commit().is_err());
    let mut c = instance.connect();
    assert!(c.finalize_block(finalize(3, &[])).is_err());
    // A FinalizeBlock without decided_last_commit never reaches the app: it does not
    // convert into tendermint-rs's types, and the connection closes.
    let mut c = instance.connect();
    let mut missing = finalize(1, &[]);
    missing.decided_last_commit = None;
    assert!(c.finalize_block(missing).is_err());
    // The app is intact: a whole height still runs.
    let mut c = instance.connect();
    let (txs, _) = run_height(&mut [&mut c], 1);
    assert_eq!(txs.len(), 1);
    assert_eq!(tip(&mut c).height, 2);
}

#[test]
fn a_restart_reports_the_last_committed_height_and_replays_a_lost_height() {
    let (_g, json, funding) = genesis(4);
    let dir = tempfile::tempdir().unwrap();
    let instance = Instance::start(dir.path());
    let mut c = instance.connect();
    c.init_chain(init_chain(&json)).unwrap();
    let pay = common::payments(&funding, 0..2);
    assert_eq!(c.check_tx(check(&pay[0].to_bytes())).unwrap().code, 0);
    let (_, hash1) = run_height(&mut [&mut c], 1);
    assert_eq!(c.check_tx(check(&pay[1].to_bytes())).unwrap().code, 0);
    let txs2: Vec<Vec<u8>> = c
        .prepare_proposal(prepare(2, Vec::new()))
        .unwrap()
        .txs
        .iter()
        .map(|t| t.to_vec())
        .collect();
    // Killed after FinalizeBlock, before Commit.
    let finalized = c.finalize_block(finalize(2, &txs2)).unwrap();
    drop(c);
    instance.stop();
    let instance = Instance::start(dir.path());
    let mut c = instance.connect();
    let info = c.info(info_req()).unwrap();
    assert_eq!(info.last_block_height, 1);
    assert_eq!(info.last_block_app_hash.to_vec(), hash1);
    // CometBFT's handshake replays height 2: the same app hash.
    let replayed = c.finalize_block(finalize(2, &txs2)).unwrap();
    assert_eq!(replayed.app_hash, finalized.app_hash);
    assert_eq!(replayed.tx_results[0].code, 0);
    c.commit().unwrap();
    let info = c.info(info_req()).unwrap();
    assert_eq!(info.last_block_height, 2);
    assert_eq!(info.last_block_app_hash, finalized.app_hash);
}

#[test]
fn a_new_instance_joins_by_state_sync_from_one_chunk() {
    let (_g, json, funding) = genesis(4);
    let (_da, a, mut ca) = started(&json);
    let pay = common::payments(&funding, 0..2);
    assert_eq!(ca.check_tx(check(&pay[0].to_bytes())).unwrap().code, 0);
    run_height(&mut [&mut ca], 1);
    let (_, hash) = run_height(&mut [&mut ca], 2);
    let snapshots = ca.list_snapshots().unwrap().snapshots;
    let latest = snapshots.last().unwrap().clone();
    assert_eq!(
        (latest.height, latest.chunks, latest.hash.to_vec()),
        (2, 1, hash.clone())
    );
    let chunk = ca
        .load_snapshot_chunk(pb::RequestLoadSnapshotChunk {
            height: 2,
            format: latest.format,
            chunk: 0,
        })
        .unwrap()
        .chunk;
    assert!(
        chunk.len() < 2_000,
        "one small chunk: {} bytes",
        chunk.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let joiner = Instance::start(dir.path());
    let mut cj = joiner.connect();
    let offer = |cj: &mut Mock, app_hash: Vec<u8>| {
        cj.offer_snapshot(pb::RequestOfferSnapshot {
            snapshot: Some(latest.clone()),
            app_hash: app_hash.into(),
        })
        .unwrap()
        .result
    };
    let apply = |cj: &mut Mock, chunk: Vec<u8>| {
        cj.apply_snapshot_chunk(pb::RequestApplySnapshotChunk {
            index: 0,
            chunk: chunk.into(),
            sender: "peer".into(),
        })
        .unwrap()
        .result
    };
    use pb::response_apply_snapshot_chunk::Result as Chunk;
    use pb::response_offer_snapshot::Result as Offer;
    // A snapshot whose hash is not the verified app hash is refused.
    assert_eq!(offer(&mut cj, vec![9; 32]), Offer::Reject as i32);
    assert_eq!(offer(&mut cj, hash.clone()), Offer::Accept as i32);
    // A chunk with another forest is refused.
    let mut tampered = chunk.to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(apply(&mut cj, tampered), Chunk::RejectSnapshot as i32);
    assert_eq!(apply(&mut cj, chunk.to_vec()), Chunk::Accept as i32);
    let info = cj.info(info_req()).unwrap();
    assert_eq!(
        (info.last_block_height, info.last_block_app_hash.to_vec()),
        (2, hash)
    );
    // Then it follows the chain with A, a payment with proofs sent along included.
    let r = ca.check_tx(check(&pay[1].to_bytes())).unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    let (txs, _) = run_height(&mut [&mut ca, &mut cj], 3);
    assert_eq!(txs.len(), 1);
    assert_eq!(tip(&mut ca), tip(&mut cj));
    // The genesis app state JSON round-trips.
    assert!(AppState::from_json(&json).is_ok());
    drop(a);
}

#[test]
fn snapshots_outlive_a_restart_and_only_the_recent_heights_are_kept() {
    let (_g, json, _) = genesis(4);
    let (dir, instance, mut c) = started(&json);
    let heights = zkvm_node::store::RECENT_FORESTS + 4;
    let last = heights as i64;
    for h in 1..=last {
        run_height(&mut [&mut c], h);
    }
    let before = c.list_snapshots().unwrap().snapshots;
    let newest = before.last().unwrap().clone();
    assert_eq!(newest.height, heights);
    assert!(
        before.len() <= zkvm_node::store::RECENT_FORESTS as usize,
        "{} snapshots",
        before.len()
    );
    let load = |c: &mut Mock, height: u64| {
        c.load_snapshot_chunk(pb::RequestLoadSnapshotChunk {
            height,
            format: newest.format,
            chunk: 0,
        })
        .unwrap()
        .chunk
    };
    let chunk = load(&mut c, heights);
    assert!(!chunk.is_empty());
    // A height older than the kept ones has no chunk.
    assert!(load(&mut c, 1).is_empty());
    drop(c);
    instance.stop();

    let instance = Instance::start(dir.path());
    let mut c = instance.connect();
    assert_eq!(c.list_snapshots().unwrap().snapshots, before);
    assert_eq!(load(&mut c, heights), chunk);
    drop(c);
    instance.stop();
}

/// Writes `requests` on `stream` in one write, as CometBFT's socket client does
/// when it sends a burst, and reads back as many responses.
fn exchange(stream: &mut TcpStream, requests: &[pb::request::Value]) -> Vec<pb::response::Value> {
    use prost::Message;
    let mut out = Vec::new();
    for value in requests {
        pb::Request {
            value: Some(value.clone()),
        }
        .encode_length_delimited(&mut out)
        .unwrap();
    }
    stream.write_all(&out).unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    requests
        .iter()
        .map(|_| read_response(&mut reader).unwrap())
        .collect()
}

#[test]
fn check_tx_behind_flushes_is_answered_in_order_and_admitted_in_few_batches() {
    let (_g, json, funding) = genesis(24);
    let (_d, instance, _c) = started(&json);
    let pay = common::payments(&funding, 0..24);
    // CometBFT's socket client sends a Flush nanoseconds after each request.
    let mut requests = Vec::new();
    for tx in &pay {
        requests.push(pb::request::Value::CheckTx(check(&tx.to_bytes())));
        requests.push(pb::request::Value::Flush(pb::RequestFlush {}));
    }
    let admissions = || {
        instance
            .app
            .engine_slot()
            .get()
            .unwrap()
            .status()
            .admissions
    };
    let before = admissions();
    let mut stream = TcpStream::connect(instance.addr).unwrap();
    let answers = exchange(&mut stream, &requests);
    let mut ids = std::collections::HashSet::new();
    for pair in answers.chunks(2) {
        match &pair[0] {
            pb::response::Value::CheckTx(r) => {
                assert_eq!(r.code, 0, "{}", r.log);
                assert_eq!(r.data.len(), 32, "a transaction ID");
                ids.insert(r.data.clone());
            }
            other => panic!("a CheckTx answer expected, got {other:?}"),
        }
        assert!(
            matches!(pair[1], pb::response::Value::Flush(_)),
            "{:?}",
            pair[1]
        );
    }
    assert_eq!(ids.len(), 24, "each answer names its own transaction");
    let after = admissions();
    assert_eq!(after.checked - before.checked, 24);
    // The first ones may be admitted before the others are read; the others wait
    // together (a server stopping at each Flush would admit them one by one: 24
    // batches). The bound leaves room for a loaded machine's scheduling.
    let batches = after.batches - before.batches;
    assert!(batches <= 8, "24 submissions in {batches} batches");
}

#[test]
fn a_request_that_does_not_decode_closes_only_its_connection() {
    let (_g, json, _funding) = genesis(1);
    let (_d, instance, mut c) = started(&json);
    let mut stream = TcpStream::connect(instance.addr).unwrap();
    // A length of 3, then bytes that are no protobuf message (field 0 is invalid).
    stream.write_all(&[3, 0, 0, 0]).unwrap();
    let mut rest = Vec::new();
    let read = stream.read_to_end(&mut rest);
    assert!(read.is_err() || rest.is_empty(), "closed without an answer");
    // The app and its other connections go on.
    assert_eq!(tip(&mut c).height, 1);
}
