//! The bridge in the application, driven in process without CometBFT or an L1: vote
//! extensions checked, the tally of a last commit deciding imports (two of four
//! reports import nothing, three of four import once), validators checking imports
//! against their own L1 view, tally entries with too few signatures refused, and
//! the bridge's state read back after a restart.

mod abci_support;

use abci_support::{finalize, init_chain, prepare, process, GENESIS_MS};
use alloy::primitives::Address;
use bridge::{Checkpoint, DepositReport, ValidatorKey, ValidatorSet, VoteExtension};
use keytree::Xprv;
use tendermint::abci::response::{ProcessProposal, VerifyVoteExtension};
use tendermint_proto::v0_38::abci as pb;
use tendermint_proto::v0_38::types::BlockIdFlag;
use zkvm_node::abci::app_state::{self, GenesisSpec};
use zkvm_node::abci::bridge::{BridgeGenesis, L1Link, TallyEntry};
use zkvm_node::abci::{AbciConfig, App};

const CHAIN_ID: u64 = 1337;
const CHECKPOINT_INTERVAL: u64 = 3;

/// A bridged chain of four validators (L1 power 1 each) and the app state JSON.
struct Bridged {
    dir: tempfile::TempDir,
    keys: Vec<ValidatorKey>,
    genesis: BridgeGenesis,
    json: Vec<u8>,
}

fn bridged() -> Bridged {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<ValidatorKey> = (0..4)
        .map(|_| ValidatorKey::generate(&mut rand_core::OsRng))
        .collect();
    let set = ValidatorSet::new(keys.iter().map(|k| (k.address(), 1))).unwrap();
    let genesis = BridgeGenesis::new(
        CHAIN_ID,
        Address::repeat_byte(0xb1),
        &set,
        CHECKPOINT_INTERVAL,
    );
    let spec = GenesisSpec {
        outputs: 2,
        timestamp_ms: Some(GENESIS_MS),
        bridge: Some(genesis.clone()),
        ..GenesisSpec::default()
    };
    let made = app_state::make(&dir.path().join("genesis"), &spec).unwrap();
    let json = std::fs::read(&made.app_state).unwrap();
    Bridged {
        dir,
        keys,
        genesis,
        json,
    }
}

impl Bridged {
    /// Validator `i`'s application on its own store, seeing `seen` on the L1 (its
    /// link is never polled here).
    fn validator(&self, i: usize, seen: &[DepositReport]) -> App {
        let file = self.dir.path().join(format!("l1-{i}.key"));
        if !file.exists() {
            self.keys[i].save(&file).unwrap();
        }
        let link = L1Link::new("http://127.0.0.1:9", ValidatorKey::load(&file).unwrap(), 1);
        link.observe(seen.to_vec());
        let app = self.open(i).with_l1(link);
        app.init_chain(init_chain(&self.json).try_into().unwrap())
            .unwrap();
        app
    }

    /// Validator `i`'s application on its store, without an L1 link.
    fn open(&self, i: usize) -> App {
        App::open(
            &self.dir.path().join(format!("app-{i}")),
            AbciConfig::default(),
        )
        .unwrap()
    }

    /// The extension of validator `i` reporting `deposits` and signing `checkpoint`.
    fn extension(
        &self,
        i: usize,
        deposits: &[DepositReport],
        checkpoint: Option<&Checkpoint>,
    ) -> Vec<u8> {
        let domain = self.genesis.domain().unwrap();
        VoteExtension::compose(&self.keys[i], &domain, deposits.to_vec(), &[], checkpoint)
            .unwrap()
            .to_bytes()
    }

    /// The extensions of the four validators when the first `n` report `deposits`.
    fn reports(&self, deposits: &[DepositReport], n: usize) -> Vec<Vec<u8>> {
        (0..4)
            .map(|i| match i < n {
                true => self.extension(i, deposits, None),
                false => Vec::new(),
            })
            .collect()
    }
}

/// The deposit `nonce` of `amount` wei to a new wallet's address.
fn deposit(nonce: u64, amount: u64) -> DepositReport {
    let wallet = wallet::Wallet::new(Xprv::random(&mut rand_core::OsRng), wallet::Network::Devnet);
    DepositReport {
        nonce,
        token: Address::ZERO,
        amount,
        recipient: wallet
            .address(wallet::Owner::Account(0))
            .unwrap()
            .to_bytes(),
        l1_tx: alloy::primitives::B256::repeat_byte(nonce as u8),
    }
}

/// A last commit of four votes of power 10 with these extensions.
fn commit(extensions: &[Vec<u8>]) -> pb::ExtendedCommitInfo {
    pb::ExtendedCommitInfo {
        round: 0,
        votes: extensions
            .iter()
            .enumerate()
            .map(|(i, e)| pb::ExtendedVoteInfo {
                validator: Some(pb::Validator {
                    address: vec![i as u8; 20].into(),
                    power: 10,
                }),
                vote_extension: e.clone().into(),
                extension_signature: vec![0; 64].into(),
                block_id_flag: BlockIdFlag::Commit as i32,
            })
            .collect(),
    }
}

/// The proposal of `app` at CometBFT `height` after a last commit of `extensions`.
fn propose(app: &App, height: i64, extensions: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut req = prepare(height, Vec::new());
    req.local_last_commit = Some(commit(extensions));
    let r = app.prepare_proposal(req.try_into().unwrap()).unwrap();
    r.txs.into_iter().map(|t| t.to_vec()).collect()
}

fn accepts(app: &App, height: i64, txs: &[Vec<u8>]) -> bool {
    app.process_proposal(process(height, txs).try_into().unwrap()) == ProcessProposal::Accept
}

/// Finalizes and commits `txs` at `height` on `app`; the app hash.
fn decide(app: &App, height: i64, txs: &[Vec<u8>]) -> Vec<u8> {
    let r = app
        .finalize_block(finalize(height, txs).try_into().unwrap())
        .unwrap();
    assert!(
        r.tx_results.iter().all(|t| t.code.is_ok()),
        "{:?}",
        r.tx_results
    );
    app.commit().unwrap();
    r.app_hash.as_bytes().to_vec()
}

fn imports(txs: &[Vec<u8>]) -> usize {
    txs.iter()
        .filter(|t| !t.starts_with(TallyEntry::MAGIC))
        .count()
}

#[test]
fn extensions_are_checked_and_two_thirds_of_reports_import_a_deposit_once() {
    let b = bridged();
    let d = deposit(0, 5_000);
    let seen = std::slice::from_ref(&d);
    let proposer = b.validator(0, seen);
    let other = b.validator(1, seen);
    let blind = b.validator(2, &[]);

    // VerifyVoteExtension: empty and well-formed extensions pass, junk does not.
    let verify = |ext: Vec<u8>| {
        let req = pb::RequestVerifyVoteExtension {
            hash: vec![0; 32].into(),
            validator_address: vec![1; 20].into(),
            height: 1,
            vote_extension: ext.into(),
        };
        proposer.verify_vote_extension(&req.try_into().unwrap())
    };
    assert_eq!(verify(Vec::new()), VerifyVoteExtension::Accept);
    assert_eq!(
        verify(b.extension(0, seen, None)),
        VerifyVoteExtension::Accept
    );
    assert_eq!(verify(vec![1, 2, 3]), VerifyVoteExtension::Reject);
    // A validator reports what its L1 link shows.
    let own = VoteExtension::decode(&proposer.extend_vote()).unwrap();
    assert_eq!(own.deposits(), seen);

    // Reported by two of four: no import.
    let two = b.reports(seen, 2);
    let txs = propose(&proposer, 1, &two);
    assert_eq!(imports(&txs), 0);
    for app in [&proposer, &other, &blind] {
        assert!(accepts(app, 1, &txs));
        decide(app, 1, &txs);
    }

    // Reported by three of four: the import. A validator whose L1 node does not
    // show the deposit rejects it; the others accept, and every node applies it.
    let three = b.reports(seen, 3);
    let txs = propose(&proposer, 2, &three);
    assert_eq!(imports(&txs), 1);
    assert!(accepts(&other, 2, &txs));
    assert!(!accepts(&blind, 2, &txs));
    let hashes: Vec<Vec<u8>> = [&proposer, &other, &blind]
        .iter()
        .map(|app| decide(app, 2, &txs))
        .collect();
    assert!(hashes.windows(2).all(|w| w[0] == w[1]));

    // Reported again by everyone: not imported twice; the import replayed is refused.
    let all = b.reports(seen, 4);
    let again = propose(&proposer, 3, &all);
    assert_eq!(imports(&again), 0);
    assert!(!accepts(&other, 3, &txs));
    assert!(accepts(&other, 3, &again));
    for app in [&proposer, &other, &blind] {
        decide(app, 3, &again);
    }
    // An extension no longer reports an imported deposit.
    let own = VoteExtension::decode(&proposer.extend_vote()).unwrap();
    assert!(own.deposits().is_empty());
}

#[test]
fn checkpoints_need_two_thirds_of_the_l1_power_and_the_state_survives_a_restart() {
    let b = bridged();
    let apps: Vec<App> = (0..4).map(|i| b.validator(i, &[])).collect();
    // CometBFT heights 1 and 2 are our 2 and 3: a checkpoint is due after our 3,
    // signed in the extensions of CometBFT height 3.
    for height in 1..=2 {
        let txs = propose(&apps[0], height, &[]);
        for app in &apps {
            decide(app, height, &txs);
        }
    }
    let extensions: Vec<Vec<u8>> = apps.iter().map(App::extend_vote).collect();
    let signatures: Vec<_> = extensions
        .iter()
        .map(|e| {
            let c = *VoteExtension::decode(e)
                .unwrap()
                .checkpoint()
                .expect("a checkpoint is due");
            assert_eq!(c.height, CHECKPOINT_INTERVAL);
            c.signature
        })
        .collect();

    // Those extensions are the votes of CometBFT height 3: its block is decided, and
    // the proposal of height 4 tallies them.
    let txs = propose(&apps[0], 3, &[]);
    for app in &apps {
        decide(app, 3, &txs);
    }

    // Signed by two of four: an entry naming it is refused.
    let weak = TallyEntry {
        withdrawals: Vec::new(),
        checkpoint: Some((CHECKPOINT_INTERVAL, signatures[..2].to_vec())),
    };
    assert!(!accepts(&apps[1], 4, &[weak.to_bytes()]));

    // The proposer's tally of all four: accepted, stored, served.
    let txs = propose(&apps[0], 4, &extensions);
    assert_eq!(txs.len(), 1, "the tally entry alone");
    assert!(txs[0].starts_with(TallyEntry::MAGIC));
    let mut hash = Vec::new();
    for app in &apps[1..] {
        assert!(accepts(app, 4, &txs));
    }
    for app in &apps {
        hash = decide(app, 4, &txs);
    }
    let view = apps[1].signed_view().unwrap();
    assert_eq!(view.checkpoints.len(), 1);
    assert_eq!(view.checkpoints[0].signatures.len(), 4);
    let (checkpoint, _) = view.checkpoints[0].decode(Checkpoint::read).unwrap();
    assert_eq!(checkpoint.height, CHECKPOINT_INTERVAL);

    // Reopened, the application finds the same bridge state and app hash.
    drop(apps);
    let reopened = b.open(1);
    assert_eq!(reopened.signed_view(), Some(view));
    let info = reopened.info(tendermint::abci::request::Info {
        version: String::new(),
        block_version: 0,
        p2p_version: 0,
        abci_version: String::new(),
    });
    assert_eq!(info.last_block_app_hash.as_bytes(), hash.as_slice());
}
