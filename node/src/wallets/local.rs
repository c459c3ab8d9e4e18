//! A wallet beside a node: the wallet library's [`Wallet`], the key it was opened
//! with, the chain state it validated blocks up to, and its history as text.
//!
//! Its record (the plaintext a [`WalletStore`] keeps, sealed by the node's wallet
//! file) is
//!
//! ```text
//! key kind (1) || key || LE32 length || chain snapshot || LE32 count
//! || history entries (LE64 height, LE32 length, UTF-8 text) || wallet state
//! key kind 0: root (64)                      a spending wallet
//! key kind 1: LE32 length || viewing key     a watch-only wallet (the key's text)
//! ```
//!
//! with the wallet library's state ([`Wallet::state_bytes`]) last. The chain
//! snapshot (initial header, tip header, Utreexo forest, producer key, consensus,
//! and on a CometBFT network the validators light sync trusts) is the chain state
//! the wallet validated blocks up to: the wallet trusts the node for nothing but the
//! genesis (and, synced with `--light`, the signers of headers: [`super::sync`],
//! [`crate::light::cometbft`]).

use super::text::{describe_report, HistoryEntry};
use super::NETWORK;
use crate::error::NodeError;
use crate::genesis::Consensus;
use crate::light::cometbft::CometTrust;
use blockchain::{AppliedBlock, Block, BlockHeader, ChainState, ZkVm};
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, Reader, Writer};
use keytree::Xprv;
use musig::VerificationKey;
use rand_core::OsRng;
use std::collections::BTreeMap;
use utreexo::Forest;
use wallet::{Balance, BlockReport, Owner, SentTx, TxPlan, ViewingKey, Wallet, WalletStore};
use zeroize::Zeroizing;
use zkvm::{ContractId, Generators};

const ROOT: u8 = 0;
const VIEWING: u8 = 1;

/// What a record holds to open the wallet's state.
#[derive(Clone)]
enum RecordKey {
    Root(Box<Xprv>),
    /// A viewing key's text (what the user gave to `create --view-key`).
    Viewing(Zeroizing<String>),
}

/// A wallet with the chain state it has validated up to and its history.
pub struct LocalWallet {
    key: RecordKey,
    /// The wallet.
    pub wallet: Wallet,
    /// The chain state at the wallet's tip.
    pub chain: ChainState,
    /// How the chain agrees on blocks (what a block must carry to be applied).
    pub consensus: Consensus,
    /// On a CometBFT network, the validators whose commits prove headers to light
    /// sync, once the wallet learned them.
    pub trust: Option<CometTrust>,
    /// What happened to the wallet, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl core::fmt::Debug for LocalWallet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalWallet")
            .field("wallet", &self.wallet)
            .field("height", &self.chain.tip().height)
            .finish_non_exhaustive()
    }
}

impl LocalWallet {
    /// A new wallet of a fresh random root, started at `initial` with no outputs.
    pub fn new(initial: &ChainState, consensus: Consensus) -> LocalWallet {
        let root = Xprv::random(&mut OsRng);
        let mut wallet = Wallet::new(root.clone(), NETWORK);
        wallet.start(initial, Vec::new());
        LocalWallet::from_parts(root, wallet, initial.clone(), consensus)
    }

    /// A watch-only wallet of a viewing key's text, started at `initial`.
    pub fn watch_only(
        text: &str,
        initial: &ChainState,
        consensus: Consensus,
    ) -> Result<LocalWallet, NodeError> {
        let text = Zeroizing::new(text.trim().to_string());
        let mut wallet = Wallet::watch_only(ViewingKey::from_text(&text, NETWORK)?, NETWORK);
        wallet.start(initial, Vec::new());
        Ok(LocalWallet {
            key: RecordKey::Viewing(text),
            wallet,
            chain: initial.clone(),
            consensus,
            trust: None,
            history: Vec::new(),
        })
    }

    /// A wallet of `root` already started at `chain`.
    pub fn from_parts(
        root: Xprv,
        wallet: Wallet,
        chain: ChainState,
        consensus: Consensus,
    ) -> LocalWallet {
        LocalWallet {
            key: RecordKey::Root(Box::new(root)),
            wallet,
            chain,
            consensus,
            trust: None,
            history: Vec::new(),
        }
    }

    /// The root key, unless the wallet is watch-only.
    pub fn root(&self) -> Option<&Xprv> {
        match &self.key {
            RecordKey::Root(root) => Some(root),
            RecordKey::Viewing(_) => None,
        }
    }

    /// The tip height.
    pub fn height(&self) -> u64 {
        self.chain.tip().height
    }

    /// Validates `block` against the wallet's chain state (every rule and proof; the
    /// producer's signature on a devnet) and applies it.
    pub fn apply(&mut self, block: &Block, gens: &Generators) -> Result<AppliedBlock, NodeError> {
        let applied = self
            .consensus
            .apply_block(&self.chain, block, gens, &ZkVm)?;
        self.apply_validated(&applied)?;
        Ok(applied)
    }

    /// Applies a block validated by the caller, recording what it changed.
    pub fn apply_validated(&mut self, applied: &AppliedBlock) -> Result<(), NodeError> {
        let before = self.holdings();
        let report = self.wallet.apply_block(applied)?;
        self.chain = applied.state.clone();
        self.record_report(&report, &before);
        Ok(())
    }

    /// Quantity and flavor of each output held, to describe what a block spent.
    pub(super) fn holdings(&self) -> BTreeMap<ContractId, (u64, Scalar)> {
        let outputs = self.wallet.ledger().outputs.values();
        outputs
            .map(|o| (o.id, (o.opening.qty, o.opening.flavor)))
            .collect()
    }

    /// Adds what a block changed to the history, at the wallet's height.
    pub(super) fn record_report(
        &mut self,
        report: &BlockReport,
        before: &BTreeMap<ContractId, (u64, Scalar)>,
    ) {
        let height = self.height();
        for text in describe_report(&self.wallet, report, before) {
            self.history.push(HistoryEntry { height, text });
        }
    }

    /// Fetches, validates and applies the node's blocks above the wallet's tip until
    /// it reaches the node's tip; returns how many blocks were applied.
    pub async fn sync(
        &mut self,
        remote: &crate::client::Remote,
        gens: &Generators,
    ) -> Result<u64, NodeError> {
        let mut applied = 0;
        loop {
            let (_, blocks) = remote.blocks_since(self.height()).await?;
            if blocks.is_empty() {
                return Ok(applied);
            }
            for block in &blocks {
                self.apply(block, gens)?;
                applied += 1;
            }
        }
    }

    /// Balances of `owner` per flavor held or expected, in flavor order.
    pub fn balances_of(&self, owner: Owner) -> Vec<(Scalar, Balance)> {
        let ledger = self.wallet.ledger();
        let owned = ledger
            .outputs
            .values()
            .filter(|o| o.owner == owner)
            .map(|o| o.opening.flavor);
        let pending = ledger
            .pending
            .values()
            .flat_map(|p| p.incoming.iter())
            .filter(|i| i.0 == owner)
            .map(|i| i.2);
        let watched = ledger
            .watched
            .values()
            .filter(|w| w.owner == owner)
            .map(|w| w.opening.flavor);
        let mut flavors: Vec<Scalar> = owned.chain(pending).chain(watched).collect();
        flavors.sort_by_key(|f| f.to_bytes());
        flavors.dedup();
        flavors
            .into_iter()
            .map(|f| (f, self.wallet.balance(owner, f)))
            .collect()
    }

    /// Balances of account 0 per flavor held or expected.
    pub fn balances(&self) -> Vec<(Scalar, Balance)> {
        self.balances_of(super::ACCOUNT)
    }

    /// Proves and signs `plan`, recording it in the history.
    pub fn send(
        &mut self,
        plan: &TxPlan,
        what: &str,
        gens: &Generators,
    ) -> Result<SentTx, NodeError> {
        let sent = self.wallet.send(plan, gens, &mut OsRng)?;
        self.note_submitted(&sent.id, what, sent.fee);
        Ok(sent)
    }

    /// Records a transaction handed to the node.
    pub fn note_submitted(&mut self, id: &zkvm::TxId, what: &str, fee: u64) {
        self.note(format!("submitted transaction {id} ({what}), fee {fee}"));
    }

    /// Adds a line to the history at the current height.
    pub fn note(&mut self, text: String) {
        let height = self.height();
        self.history.push(HistoryEntry { height, text });
    }

    /// Frees what a transaction that will not be mined had reserved.
    pub fn release(&mut self, id: &zkvm::TxId, reason: &str) -> Result<(), NodeError> {
        self.wallet.release(id)?;
        self.note(format!("transaction {id} released: {reason}"));
        Ok(())
    }

    /// Opens the wallet kept in `store`, if there is one.
    pub fn load<S: WalletStore>(store: &S) -> Result<Option<LocalWallet>, NodeError> {
        match store.load()? {
            None => Ok(None),
            Some(plain) => LocalWallet::from_plaintext(&Zeroizing::new(plain)).map(Some),
        }
    }

    /// Replaces what `store` keeps with this wallet.
    pub fn save<S: WalletStore>(&self, store: &mut S) -> Result<(), NodeError> {
        let mut plain = self.to_plaintext();
        // The store takes the buffer and wipes it.
        store.store(std::mem::take(&mut *plain))?;
        Ok(())
    }

    /// The record's plaintext.
    fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Zeroizing::new(Vec::new());
        match &self.key {
            RecordKey::Root(root) => {
                w.write_u8(ROOT);
                w.write_bytes(&root.to_bytes()[..]);
            }
            RecordKey::Viewing(text) => {
                w.write_u8(VIEWING);
                w.write_len_prefixed(text.as_bytes());
            }
        }
        w.write_len_prefixed(&encode_chain(
            &self.chain,
            self.consensus,
            self.trust.as_ref(),
        ));
        w.write_u32(u32::try_from(self.history.len()).unwrap_or(u32::MAX));
        for e in self.history.iter().take(u32::MAX as usize) {
            w.write_u64(e.height);
            w.write_len_prefixed(e.text.as_bytes());
        }
        w.write_bytes(&self.wallet.state_bytes());
        w
    }

    fn from_plaintext(bytes: &[u8]) -> Result<LocalWallet, NodeError> {
        let mut r = Reader::new(bytes);
        let key = match r.read_u8()? {
            ROOT => RecordKey::Root(Box::new(
                Xprv::from_bytes(r.read_bytes(64)?).map_err(|e| corrupt(e.to_string()))?,
            )),
            VIEWING => RecordKey::Viewing(Zeroizing::new(
                String::from_utf8(r.read_len_prefixed()?.to_vec())
                    .map_err(|e| corrupt(e.to_string()))?,
            )),
            other => return Err(corrupt(format!("key kind {other}"))),
        };
        let (chain, consensus, trust) = decode_chain(r.read_len_prefixed()?)?;
        let count = r.read_count(12)?;
        let mut history = Vec::with_capacity(count);
        for _ in 0..count {
            let height = r.read_u64()?;
            let text = String::from_utf8(r.read_len_prefixed()?.to_vec())
                .map_err(|e| corrupt(e.to_string()))?;
            history.push(HistoryEntry { height, text });
        }
        let state = r.read_bytes(r.remaining())?;
        let wallet = match &key {
            RecordKey::Root(root) => Wallet::from_state_bytes(*root.clone(), state)?,
            RecordKey::Viewing(text) => {
                Wallet::from_state_bytes(ViewingKey::from_text(text, NETWORK)?, state)?
            }
        };
        Ok(LocalWallet {
            key,
            wallet,
            chain,
            consensus,
            trust,
            history,
        })
    }
}

fn corrupt(reason: String) -> NodeError {
    NodeError::Corrupt(format!("wallet record: {reason}"))
}

/// `initial header || tip header || LE32 length || forest || producer key (32) ||
/// consensus (1: 0 devnet, 1 CometBFT; absent in records written before it, which
/// are devnet wallets) || trust (1 || [`CometTrust::encode`] once a CometBFT wallet
/// learned its validators; absent before)`.
fn encode_chain(state: &ChainState, consensus: Consensus, trust: Option<&CometTrust>) -> Vec<u8> {
    let mut w = Vec::new();
    state.initial().encode(&mut w);
    state.tip().encode(&mut w);
    w.write_len_prefixed(&state.forest().encode_to_vec());
    w.write_bytes(state.producer().as_bytes());
    w.write_u8(match consensus {
        Consensus::Devnet => 0,
        Consensus::CometBft => 1,
    });
    if let Some(trust) = trust {
        w.write_u8(1);
        trust.encode(&mut w);
    }
    w
}

type DecodedChain = (ChainState, Consensus, Option<CometTrust>);

fn decode_chain(bytes: &[u8]) -> Result<DecodedChain, NodeError> {
    let mut r = Reader::new(bytes);
    let initial = BlockHeader::decode(&mut r)?;
    let tip = BlockHeader::decode(&mut r)?;
    let forest = r.read_len_prefixed()?;
    let key = r.read_array::<32>()?;
    let consensus = match r.remaining() {
        0 => Consensus::Devnet,
        _ => match r.read_u8()? {
            0 => Consensus::Devnet,
            1 => Consensus::CometBft,
            other => return Err(corrupt(format!("consensus byte {other}"))),
        },
    };
    let trust = match r.remaining() {
        0 => None,
        _ => match r.read_u8()? {
            1 => Some(CometTrust::decode(&mut r)?),
            other => return Err(corrupt(format!("trust byte {other}"))),
        },
    };
    r.finish()?;
    let forest = Forest::from_bytes(forest).map_err(|e| corrupt(e.to_string()))?;
    let producer = VerificationKey::from_bytes(&key).map_err(|e| corrupt(e.to_string()))?;
    Ok((
        ChainState::from_parts(initial, tip, forest, producer)?,
        consensus,
        trust,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::{init_with_wallets, DevnetConfig};
    use crate::store::seal::tests_support::legacy_seal;
    use crate::store::WalletFile;
    use wallet::MemoryStore;

    fn funded() -> (tempfile::TempDir, LocalWallet) {
        let dir = tempfile::tempdir().unwrap();
        let root = Xprv::random(&mut OsRng);
        let mut wallet = Wallet::new(root.clone(), NETWORK);
        let config = DevnetConfig {
            funding_outputs: 1,
            funding_qty: 500,
        };
        let (_, initial) =
            init_with_wallets(&dir.path().join("n"), &config, &mut [&mut wallet], 2).unwrap();
        (
            dir,
            LocalWallet::from_parts(root, wallet, initial, Consensus::Devnet),
        )
    }

    #[test]
    fn a_record_round_trips_through_a_wallet_store() {
        let (_dir, mut local) = funded();
        local.note("genesis".into());
        let mut store = MemoryStore::default();
        assert!(LocalWallet::load(&store).unwrap().is_none());
        local.save(&mut store).unwrap();
        let back = LocalWallet::load(&store).unwrap().unwrap();
        assert_eq!(back.chain, local.chain);
        assert_eq!(back.history, local.history);
        assert_eq!(back.balances(), local.balances());
        assert_eq!(back.balances()[0].1.confirmed, 1_000);
        assert_eq!(
            back.root().unwrap().to_bytes(),
            local.root().unwrap().to_bytes()
        );
    }

    #[test]
    fn a_watch_only_record_keeps_its_key_text_and_the_same_balance() {
        let (_dir, local) = funded();
        let text = local
            .wallet
            .account(0)
            .unwrap()
            .full_viewing_key()
            .unwrap()
            .to_text(NETWORK);
        let mut watch = LocalWallet::watch_only(&text, &local.chain, Consensus::Devnet).unwrap();
        assert!(watch.root().is_none());
        assert!(watch.wallet.is_watch_only());
        watch.chain = local.chain.clone();
        let mut store = MemoryStore::default();
        watch.save(&mut store).unwrap();
        let plain = store.load().unwrap().unwrap();
        assert_eq!(plain[0], VIEWING);
        assert!(plain.windows(text.len()).any(|w| w == text.as_bytes()));
        let back = LocalWallet::load(&store).unwrap().unwrap();
        assert!(back.wallet.is_watch_only());
        assert!(matches!(
            LocalWallet::watch_only("zkdfvk1nothing", &local.chain, Consensus::Devnet),
            Err(NodeError::Wallet(_))
        ));
    }

    #[test]
    fn a_wallet_sealed_the_old_way_opens_and_is_sealed_again_on_save() {
        let (dir, local) = funded();
        let file = WalletFile::open_or_create(&dir.path().join("wallets.redb")).unwrap();
        // Records of before key kinds start with the root, under version 1 sealing.
        let plain = local.to_plaintext();
        file.put("old", &legacy_seal(b"pw", &plain[1..])).unwrap();
        let mut record = file.record("old", b"pw").unwrap();
        let back = LocalWallet::load(&record).unwrap().unwrap();
        assert_eq!(back.balances(), local.balances());
        assert_eq!(
            back.root().unwrap().to_bytes(),
            local.root().unwrap().to_bytes()
        );
        back.save(&mut record).unwrap();
        assert_eq!(
            file.get("old").unwrap().unwrap()[6],
            crate::store::seal::VERSION
        );
        let again = LocalWallet::load(&file.record("old", b"pw").unwrap()).unwrap();
        assert_eq!(again.unwrap().chain, local.chain);
    }

    #[test]
    fn a_cometbft_record_keeps_the_validators_it_trusts() {
        let (_dir, mut local) = funded();
        local.consensus = Consensus::CometBft;
        let encoded = encode_chain(&local.chain, local.consensus, None);
        let (_, consensus, trust) = decode_chain(&encoded).unwrap();
        assert_eq!((consensus, trust), (Consensus::CometBft, None));
        let key = curve25519_dalek::constants::ED25519_BASEPOINT_POINT.compress();
        local.trust = Some(CometTrust::new("zkvm-test", &[(key.to_bytes(), 10)]).unwrap());
        let mut store = MemoryStore::default();
        local.save(&mut store).unwrap();
        let back = LocalWallet::load(&store).unwrap().unwrap();
        assert_eq!(back.consensus, Consensus::CometBft);
        assert_eq!(back.trust, local.trust);
        // An unknown trust byte, or bytes after the trust, are a damaged record.
        let mut encoded = encode_chain(&local.chain, local.consensus, local.trust.as_ref());
        let mut extra = encoded.clone();
        extra.push(0);
        assert!(matches!(decode_chain(&extra), Err(NodeError::Encoding(_))));
        let at = encode_chain(&local.chain, local.consensus, None).len();
        encoded[at] = 2;
        assert!(matches!(decode_chain(&encoded), Err(NodeError::Corrupt(_))));
    }

    #[test]
    fn a_damaged_record_is_refused() {
        let (_dir, local) = funded();
        let mut plain = local.to_plaintext();
        plain[0] = 7;
        assert!(matches!(
            LocalWallet::from_plaintext(&plain),
            Err(NodeError::Corrupt(_))
        ));
        let plain = local.to_plaintext();
        assert!(LocalWallet::from_plaintext(&plain[..70]).is_err());
    }
}
