//! Viewing keys: what lets someone see an account's payments without being able to
//! spend them.
//!
//! - An [`IncomingViewingKey`] holds the account's public control key `C`, its
//!   encryption secret `e` and the extended public key of its request node. With it a
//!   wallet finds and opens every payment to the account (notes open with `e`;
//!   payment keys are `C + t·B` or request keys derived from the request node),
//!   follows their spends by contract ID and computes the balance.
//! - An [`OutgoingViewingKey`] holds the secret the account's transactions encrypt
//!   their outgoing record to ([`crate::outgoing`]): with it a wallet sees what the
//!   account sent (recipients, amounts, flavors, memos).
//! - A [`FullViewingKey`] holds both and the account's public issuer key: a
//!   watch-only wallet made from it sees everything the spending wallet sees and can
//!   build and prove transactions for an offline signer ([`crate::offline`]).
//!
//! None of them holds a key that signs, and none holds the account's extended public
//! key: that key with any one of the account's leaf secrets (such as `e`) would give
//! the account's secret. This is why request keys come from a node of their own.
//!
//! Text (bech32m, see [`crate::text`]): the human-readable part is the network's
//! address prefix followed by `ivk`, `ovk` or `fvk` (`zkdivk`, `zktovk`, `zkfvk`); the
//! data is `version (1) || body`, with version 1:
//!
//! ```text
//! incoming: account (LE64) || C (32) || e (32) || request node xpub (64)       136 bytes
//! outgoing: account (LE64) || outgoing secret (32)                              40 bytes
//! full:     incoming body || outgoing secret (32) || issuer key (32)           200 bytes
//! ```

use crate::address::{Address, Network};
use crate::errors::WalletError;
use crate::secret::SecretScalar;
use crate::text;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use keytree::{Transcript, Xpub};
use musig::VerificationKey;
use zeroize::Zeroizing;

/// The version byte of every viewing key's text.
pub const VIEWING_KEY_VERSION: u8 = 1;
const INCOMING_LEN: usize = 8 + 32 + 32 + 64;
const OUTGOING_LEN: usize = 8 + 32;
const FULL_LEN: usize = INCOMING_LEN + 32 + 32;

/// Finds and opens the payments to one account; cannot spend them.
#[derive(Clone)]
pub struct IncomingViewingKey {
    account: u64,
    control: VerificationKey,
    encryption: SecretScalar,
    requests: Xpub,
}

/// Opens the outgoing records of one account's transactions.
#[derive(Clone)]
pub struct OutgoingViewingKey {
    account: u64,
    secret: Zeroizing<[u8; 32]>,
}

/// Both viewing keys of an account and its public issuer key.
#[derive(Clone)]
pub struct FullViewingKey {
    incoming: IncomingViewingKey,
    outgoing: OutgoingViewingKey,
    issuer: VerificationKey,
}

/// What a watch-only wallet is made from.
#[derive(Clone)]
pub enum ViewingKey {
    /// Sees the payments to the account.
    Incoming(Box<IncomingViewingKey>),
    /// Sees the payments to and from the account; can build transactions.
    Full(Box<FullViewingKey>),
}

/// The path of request key `i` below the account's request node.
pub(crate) fn request_path(i: u64) -> impl FnOnce(&mut Transcript) {
    move |t: &mut Transcript| t.append_u64(b"index", i)
}

impl IncomingViewingKey {
    /// The key of `account` from its parts.
    pub(crate) fn new(
        account: u64,
        control: VerificationKey,
        encryption: SecretScalar,
        requests: Xpub,
    ) -> Self {
        IncomingViewingKey {
            account,
            control,
            encryption,
            requests,
        }
    }

    /// The account's index.
    pub fn account(&self) -> u64 {
        self.account
    }

    /// The public control key `C`.
    pub fn control_key(&self) -> &VerificationKey {
        &self.control
    }

    /// The secret that opens the account's notes.
    pub fn encryption_secret(&self) -> &SecretScalar {
        &self.encryption
    }

    /// Public one-time key `i` (payment requests).
    pub fn request_key(&self, i: u64) -> VerificationKey {
        VerificationKey::from_point(self.requests.derive_key(request_path(i)))
    }

    /// The account's address on `network`.
    pub fn address(&self, network: Network) -> Address {
        Address::new(
            network,
            self.control,
            RistrettoPoint::mul_base(self.encryption.expose()),
        )
    }

    /// The key as text for `network` (it holds a secret: show it only to whom may
    /// see the account's payments).
    pub fn to_text(&self, network: Network) -> Zeroizing<String> {
        let mut body = Zeroizing::new(Vec::with_capacity(1 + INCOMING_LEN));
        body.write_u8(VIEWING_KEY_VERSION);
        self.encode(&mut body);
        to_text(network, "ivk", &body)
    }

    /// Reads the text of an incoming viewing key for `network`.
    pub fn from_text(text: &str, network: Network) -> Result<Self, WalletError> {
        let body = from_text(text, "ivk", "incoming viewing key", network)?;
        parse(&body, "incoming viewing key", IncomingViewingKey::decode)
    }

    /// The body of the key's text (it holds the secret).
    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut body = Zeroizing::new(Vec::with_capacity(INCOMING_LEN));
        self.encode(&mut body);
        body
    }

    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.account);
        w.write_bytes(self.control.as_bytes());
        w.write_scalar(self.encryption.expose());
        w.write_bytes(&self.requests.to_bytes());
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, WalletError> {
        let account = r.read_u64()?;
        let control = VerificationKey::from_bytes(r.read_bytes(32)?).map_err(|_| {
            WalletError::InvalidPoint {
                what: "viewing key's control key",
            }
        })?;
        let encryption = SecretScalar::new(read_secret(r)?);
        let requests =
            Xpub::from_bytes(r.read_bytes(64)?).map_err(|_| WalletError::InvalidPoint {
                what: "viewing key's request node",
            })?;
        Ok(IncomingViewingKey::new(
            account, control, encryption, requests,
        ))
    }
}

impl OutgoingViewingKey {
    /// The key of `account` from its secret.
    pub(crate) fn new(account: u64, secret: Zeroizing<[u8; 32]>) -> Self {
        OutgoingViewingKey { account, secret }
    }

    /// The account's index.
    pub fn account(&self) -> u64 {
        self.account
    }

    /// The secret outgoing records are encrypted with.
    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    /// The key as text for `network`.
    pub fn to_text(&self, network: Network) -> Zeroizing<String> {
        let mut body = Zeroizing::new(Vec::with_capacity(1 + OUTGOING_LEN));
        body.write_u8(VIEWING_KEY_VERSION);
        self.encode(&mut body);
        to_text(network, "ovk", &body)
    }

    /// Reads the text of an outgoing viewing key for `network`.
    pub fn from_text(text: &str, network: Network) -> Result<Self, WalletError> {
        let body = from_text(text, "ovk", "outgoing viewing key", network)?;
        parse(&body, "outgoing viewing key", OutgoingViewingKey::decode)
    }

    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.account);
        w.write_bytes(&self.secret[..]);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, WalletError> {
        let account = r.read_u64()?;
        let secret = Zeroizing::new(r.read_array::<32>()?);
        Ok(OutgoingViewingKey::new(account, secret))
    }
}

impl FullViewingKey {
    /// The key from its parts (of the same account).
    pub(crate) fn new(
        incoming: IncomingViewingKey,
        outgoing: OutgoingViewingKey,
        issuer: VerificationKey,
    ) -> Self {
        FullViewingKey {
            incoming,
            outgoing,
            issuer,
        }
    }

    /// The incoming half.
    pub fn incoming(&self) -> &IncomingViewingKey {
        &self.incoming
    }

    /// The outgoing half.
    pub fn outgoing(&self) -> &OutgoingViewingKey {
        &self.outgoing
    }

    /// The account's public issuer key (its flavors are `issue_flavor(issuer, metadata)`).
    pub fn issuer_key(&self) -> &VerificationKey {
        &self.issuer
    }

    /// The key as text for `network`.
    pub fn to_text(&self, network: Network) -> Zeroizing<String> {
        let mut body = Zeroizing::new(Vec::with_capacity(1 + FULL_LEN));
        body.write_u8(VIEWING_KEY_VERSION);
        self.incoming.encode(&mut body);
        body.write_bytes(&self.outgoing.secret[..]);
        body.write_bytes(self.issuer.as_bytes());
        to_text(network, "fvk", &body)
    }

    /// Reads the text of a full viewing key for `network`.
    pub fn from_text(text: &str, network: Network) -> Result<Self, WalletError> {
        let body = from_text(text, "fvk", "full viewing key", network)?;
        parse(&body, "full viewing key", |r| {
            let incoming = IncomingViewingKey::decode(r)?;
            let secret = Zeroizing::new(r.read_array::<32>()?);
            let outgoing = OutgoingViewingKey::new(incoming.account, secret);
            let issuer = VerificationKey::from_bytes(r.read_bytes(32)?).map_err(|_| {
                WalletError::InvalidPoint {
                    what: "viewing key's issuer key",
                }
            })?;
            Ok(FullViewingKey::new(incoming, outgoing, issuer))
        })
    }
}

impl ViewingKey {
    /// Reads the text of an incoming or a full viewing key for `network`.
    pub fn from_text(text: &str, network: Network) -> Result<Self, WalletError> {
        let full = text::decode(text.trim()).is_ok_and(|(hrp, _)| hrp.ends_with("fvk"));
        if full {
            FullViewingKey::from_text(text, network).map(|k| ViewingKey::Full(Box::new(k)))
        } else {
            IncomingViewingKey::from_text(text, network).map(|k| ViewingKey::Incoming(Box::new(k)))
        }
    }

    /// The incoming half (all a key of either kind has).
    pub fn incoming(&self) -> &IncomingViewingKey {
        match self {
            ViewingKey::Incoming(k) => k,
            ViewingKey::Full(k) => &k.incoming,
        }
    }

    /// The full key, if this is one.
    pub fn full(&self) -> Option<&FullViewingKey> {
        match self {
            ViewingKey::Incoming(_) => None,
            ViewingKey::Full(k) => Some(k),
        }
    }

    /// The account's index.
    pub fn account(&self) -> u64 {
        self.incoming().account
    }
}

impl From<IncomingViewingKey> for ViewingKey {
    fn from(key: IncomingViewingKey) -> Self {
        ViewingKey::Incoming(Box::new(key))
    }
}

impl From<FullViewingKey> for ViewingKey {
    fn from(key: FullViewingKey) -> Self {
        ViewingKey::Full(Box::new(key))
    }
}

/// Reads a 32-byte secret scalar, which must be canonical.
fn read_secret(r: &mut Reader<'_>) -> Result<Scalar, WalletError> {
    let bytes = Zeroizing::new(r.read_array::<32>()?);
    Option::from(Scalar::from_canonical_bytes(*bytes)).ok_or(WalletError::Malformed {
        what: "viewing key's encryption secret",
    })
}

fn to_text(network: Network, kind: &str, body: &[u8]) -> Zeroizing<String> {
    // Every hrp made by `text::hrp` is valid and every body is far below bech32m's
    // length limit, so encoding cannot fail.
    Zeroizing::new(text::encode(&text::hrp(network, kind), body).unwrap_or_default())
}

fn from_text(
    text: &str,
    kind: &str,
    what: &'static str,
    network: Network,
) -> Result<Zeroizing<Vec<u8>>, WalletError> {
    text::decode_kind(text, kind, what, network, VIEWING_KEY_VERSION).map(Zeroizing::new)
}

/// Decodes a key body that must be read exactly; a short or long body is
/// `Malformed { what }`.
fn parse<T>(
    body: &[u8],
    what: &'static str,
    decode: impl FnOnce(&mut Reader<'_>) -> Result<T, WalletError>,
) -> Result<T, WalletError> {
    let mut r = Reader::new(body);
    let key = decode(&mut r).map_err(|e| match e {
        WalletError::State(_) => WalletError::Malformed { what },
        other => other,
    })?;
    if r.remaining() != 0 {
        return Err(WalletError::Malformed { what });
    }
    Ok(key)
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl core::fmt::Debug for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}(account {}, <redacted>)", stringify!($t), self.account())
            }
        }
    )*};
}

redacted_debug!(IncomingViewingKey, OutgoingViewingKey, ViewingKey);

impl core::fmt::Debug for FullViewingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "FullViewingKey(account {}, <redacted>)",
            self.incoming.account
        )
    }
}

impl PartialEq for IncomingViewingKey {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

impl PartialEq for OutgoingViewingKey {
    fn eq(&self, other: &Self) -> bool {
        self.account == other.account && self.secret == other.secret
    }
}

impl PartialEq for FullViewingKey {
    fn eq(&self, other: &Self) -> bool {
        self.incoming == other.incoming
            && self.outgoing == other.outgoing
            && self.issuer == other.issuer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::AccountKeys;
    use keytree::Xprv;

    fn account() -> AccountKeys {
        AccountKeys::derive(&Xprv::from_seed(b"viewing keys"), 3)
    }

    #[test]
    fn each_key_round_trips_through_its_text_per_network() {
        let keys = account();
        let full = keys.full_viewing_key().unwrap();
        for network in [Network::Mainnet, Network::Testnet, Network::Devnet] {
            let ivk = full.incoming().to_text(network);
            let ovk = full.outgoing().to_text(network);
            let fvk = full.to_text(network);
            for (text, kind) in [(&ivk, "ivk1"), (&ovk, "ovk1"), (&fvk, "fvk1")] {
                assert!(
                    text.starts_with(&format!("{}{kind}", network.hrp())),
                    "{}",
                    **text
                );
            }
            let back = IncomingViewingKey::from_text(&ivk, network).unwrap();
            assert_eq!(&back, full.incoming());
            assert_eq!(back.address(network), keys.address(network));
            assert_eq!(
                OutgoingViewingKey::from_text(&ovk, network).as_ref(),
                Ok(full.outgoing())
            );
            assert_eq!(FullViewingKey::from_text(&fvk, network).as_ref(), Ok(&full));
            assert!(matches!(
                ViewingKey::from_text(&fvk, network),
                Ok(ViewingKey::Full(k)) if *k == full
            ));
            assert!(matches!(
                ViewingKey::from_text(&ivk, network),
                Ok(ViewingKey::Incoming(k)) if &*k == full.incoming()
            ));
        }
    }

    #[test]
    fn a_viewing_key_derives_the_public_keys_and_holds_no_signing_key() {
        let keys = account();
        let full = keys.full_viewing_key().unwrap();
        let watch = AccountKeys::from_viewing_key(&full.clone().into());
        assert!(watch.is_watch_only());
        assert_eq!(watch.index(), 3);
        for i in [0, 1, 77] {
            assert_eq!(
                watch.request_public_key(i),
                keys.request_key(i).unwrap().verification_key()
            );
        }
        assert_eq!(watch.issuer_public_key(), keys.issuer_public_key());
        let refused = |action| WalletError::WatchOnly { action };
        assert_eq!(watch.control_key().unwrap_err(), refused("sign a payment"));
        assert_eq!(
            watch.request_key(0).unwrap_err(),
            refused("use a payment request key")
        );
        assert_eq!(watch.issuer_key().unwrap_err(), refused("sign an issuance"));
        assert_eq!(
            watch.custody_key().unwrap_err(),
            refused("use a custody key")
        );
        let incoming_only = AccountKeys::from_viewing_key(&full.incoming().clone().into());
        assert!(incoming_only.outgoing_viewing_key().is_none());
        assert!(matches!(
            incoming_only.full_viewing_key(),
            Err(WalletError::NeedsFullViewingKey { .. })
        ));
        assert!(!format!("{full:?} {watch:?}").contains(&hex::encode(
            full.incoming().encryption_secret().expose().as_bytes()
        )));
    }

    #[test]
    fn malformed_keys_are_precise_errors() {
        let full = account().full_viewing_key().unwrap();
        let text = full.incoming().to_text(Network::Devnet);
        assert!(matches!(
            IncomingViewingKey::from_text(&text, Network::Mainnet),
            Err(WalletError::WrongNetwork { .. })
        ));
        assert!(matches!(
            FullViewingKey::from_text(&text, Network::Devnet),
            Err(WalletError::TextSyntax { .. })
        ));
        let hrp = text::hrp(Network::Devnet, "ivk");
        let mut body = vec![VIEWING_KEY_VERSION];
        body.extend_from_slice(&full.incoming().to_bytes());
        let short = text::encode(&hrp, &body[..body.len() - 1]).unwrap();
        assert_eq!(
            IncomingViewingKey::from_text(&short, Network::Devnet),
            Err(WalletError::Malformed {
                what: "incoming viewing key"
            })
        );
        let mut long = body.clone();
        long.push(0);
        let long = text::encode(&hrp, &long).unwrap();
        assert_eq!(
            IncomingViewingKey::from_text(&long, Network::Devnet),
            Err(WalletError::Malformed {
                what: "incoming viewing key"
            })
        );
        let mut bad_secret = body.clone();
        bad_secret[1 + 8 + 32..1 + 8 + 64].copy_from_slice(&[0xff; 32]);
        let bad_secret = text::encode(&hrp, &bad_secret).unwrap();
        assert_eq!(
            IncomingViewingKey::from_text(&bad_secret, Network::Devnet),
            Err(WalletError::Malformed {
                what: "viewing key's encryption secret"
            })
        );
        let mut bad_point = body;
        bad_point[1 + 8..1 + 8 + 32].copy_from_slice(&[0xff; 32]);
        let bad_point = text::encode(&hrp, &bad_point).unwrap();
        assert!(matches!(
            IncomingViewingKey::from_text(&bad_point, Network::Devnet),
            Err(WalletError::InvalidPoint { .. })
        ));
    }
}
