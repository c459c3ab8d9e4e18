//! The CometBFT application on a full disk, under a mock consensus: an I/O error in
//! `Commit` fails the request (the connection closes, so CometBFT stops) and never
//! acknowledges the block; after a restart with space back, `Info` reports the height
//! before it, and the handshake's replay of the block commits it with the same app
//! hash. Needs root for `mount -t tmpfs`.

mod abci_support;
mod common;

use abci_support::*;
use tendermint_proto::v0_38::abci as pb;
use zkvm_node::abci::app_state;

const ACCEPT: i32 = pb::response_process_proposal::ProposalStatus::Accept as i32;

#[test]
fn a_commit_the_store_cannot_write_is_failed_and_replayed_after_a_restart() {
    let genesis_dir = tempfile::tempdir().unwrap();
    let spec = app_state::GenesisSpec {
        outputs: 4,
        timestamp_ms: Some(GENESIS_MS),
        ..Default::default()
    };
    let made = app_state::make(genesis_dir.path(), &spec).unwrap();
    let json = std::fs::read(&made.app_state).unwrap();
    let funding = common::funding_key(genesis_dir.path());
    let big = common::payment_with_data(&funding, 0, 300_000, &common::gens());

    let disk = common::Tmpfs::mount("24m");
    let dir = disk.path().join("app");
    let instance = Instance::start(&dir);
    let mut c = instance.connect();
    c.init_chain(init_chain(&json)).unwrap();
    let (_, first_hash) = run_height(&mut [&mut c], 1);
    let r = c.check_tx(check(&big.to_bytes())).unwrap();
    assert_eq!(r.code, 0, "{}", r.log);

    // Height 2 carries the large transaction; the disk fills before its Commit.
    let txs: Vec<Vec<u8>> = c
        .prepare_proposal(prepare(2, Vec::new()))
        .unwrap()
        .txs
        .into_iter()
        .map(|t| t.to_vec())
        .collect();
    assert_eq!(txs.len(), 1);
    assert_eq!(c.process_proposal(process(2, &txs)).unwrap().status, ACCEPT);
    let finalized = c.finalize_block(finalize(2, &txs)).unwrap();
    let filler = disk.fill();
    assert!(
        c.commit().is_err(),
        "a Commit the store could not write must fail, not be acknowledged"
    );
    instance.stop();

    // Space returns; CometBFT and the application restart.
    std::fs::remove_file(filler).unwrap();
    let instance = Instance::start(&dir);
    let mut c = instance.connect();
    let info = c.info(info_req()).unwrap();
    assert_eq!(info.last_block_height, 1, "block 2 was never acknowledged");
    assert_eq!(info.last_block_app_hash, first_hash);
    // The handshake replays block 2.
    let replayed = c.finalize_block(finalize(2, &txs)).unwrap();
    assert_eq!(replayed.app_hash, finalized.app_hash);
    assert_eq!(
        replayed.tx_results[0].code, 0,
        "{}",
        replayed.tx_results[0].log
    );
    c.commit().unwrap();
    let info = c.info(info_req()).unwrap();
    assert_eq!(
        (info.last_block_height, info.last_block_app_hash),
        (2, finalized.app_hash)
    );
}
