//! Keys: accounts derived from a keytree root, and the keys inside an account.
//!
//! ```text
//! account n     = root.derive_intermediate_key(purpose "wallet.account", u64 n)
//! control key   = account.derive_key(role "control")       signs address payments
//! encryption    = account.derive_key(role "encryption")    opens notes
//! outgoing      = account.derive_key(role "outgoing")      encrypts outgoing records
//! request node  = account.derive_intermediate_key(role "requests")
//! request key i = request node.derive_key(u64 index i)     one-time keys
//! issuer key    = account.derive_key(role "issuer")        issues flavors
//! custody key   = account.derive_key(role "custody")       this party's 2-of-2 key
//! ```
//!
//! Everything follows from the root, so a wallet is recovered from it by rescanning.
//! The viewing keys ([`crate::viewing`]) are made of the public control key, the
//! encryption and outgoing secrets, the request node's extended public key and the
//! public issuer key: never the account node's extended public key, which with any
//! leaf secret would give the account's secret.

use crate::address::{Address, Network};
use crate::errors::WalletError;
use crate::viewing::{
    request_path, FullViewingKey, IncomingViewingKey, OutgoingViewingKey, ViewingKey,
};
use keytree::{Transcript, Xprv};
use musig::{SigningKey, VerificationKey};
use zeroize::{Zeroize, Zeroizing};

pub use crate::secret::{random_scalar, SecretScalar};

/// The keys of one account: its viewing keys always, its secret keys when the
/// wallet holds the root (a watch-only wallet has none).
#[derive(Clone)]
pub struct AccountKeys {
    incoming: IncomingViewingKey,
    outgoing: Option<OutgoingViewingKey>,
    issuer: Option<VerificationKey>,
    secrets: Option<AccountSecrets>,
}

/// What only the holder of the root has.
#[derive(Clone)]
struct AccountSecrets {
    xprv: Xprv,
    requests: Xprv,
    control: SigningKey,
}

impl core::fmt::Debug for AccountKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccountKeys")
            .field("index", &self.index())
            .field("watch_only", &self.is_watch_only())
            .finish_non_exhaustive()
    }
}

impl AccountKeys {
    /// Derives account `index` from the root key.
    pub fn derive(root: &Xprv, index: u64) -> Self {
        let xprv = root.derive_intermediate_key(|t| {
            t.append_message(b"purpose", b"wallet.account");
            t.append_u64(b"account", index);
        });
        let requests = xprv.derive_intermediate_key(role(b"requests"));
        let control = SigningKey::new(xprv.derive_key(role(b"control")));
        let encryption = SecretScalar::new(xprv.derive_key(role(b"encryption")));
        let mut outgoing = xprv.derive_key(role(b"outgoing"));
        let outgoing_secret = Zeroizing::new(outgoing.to_bytes());
        outgoing.zeroize();
        let issuer = SigningKey::new(xprv.derive_key(role(b"issuer"))).verification_key();
        let incoming = IncomingViewingKey::new(
            index,
            control.verification_key(),
            encryption,
            requests.to_xpub(),
        );
        AccountKeys {
            incoming,
            outgoing: Some(OutgoingViewingKey::new(index, outgoing_secret)),
            issuer: Some(issuer),
            secrets: Some(AccountSecrets {
                xprv,
                requests,
                control,
            }),
        }
    }

    /// The keys a viewing key gives: no secret key that signs.
    pub fn from_viewing_key(key: &ViewingKey) -> Self {
        let full = key.full();
        AccountKeys {
            incoming: key.incoming().clone(),
            outgoing: full.map(|k| k.outgoing().clone()),
            issuer: full.map(|k| *k.issuer_key()),
            secrets: None,
        }
    }

    /// The account's index.
    pub fn index(&self) -> u64 {
        self.incoming.account()
    }

    /// Whether the account's signing keys are missing (a wallet made from a viewing
    /// key).
    pub fn is_watch_only(&self) -> bool {
        self.secrets.is_none()
    }

    /// The public control key (it is in the address).
    pub fn control_public_key(&self) -> &VerificationKey {
        self.incoming.control_key()
    }

    /// The control key (signs, tweaked, for payments to the address).
    pub fn control_key(&self) -> Result<&SigningKey, WalletError> {
        Ok(&self.secrets("sign a payment")?.control)
    }

    /// The secret that opens notes sent to this account.
    pub fn encryption_secret(&self) -> &SecretScalar {
        self.incoming.encryption_secret()
    }

    /// The account's address on `network`.
    pub fn address(&self, network: Network) -> Address {
        self.incoming.address(network)
    }

    /// Public one-time key `i` of the account's sequence (payment requests).
    pub fn request_public_key(&self, i: u64) -> VerificationKey {
        self.incoming.request_key(i)
    }

    /// One-time key `i` of the account's sequence.
    pub fn request_key(&self, i: u64) -> Result<SigningKey, WalletError> {
        let secrets = self.secrets("use a payment request key")?;
        Ok(SigningKey::new(
            secrets.requests.derive_key(request_path(i)),
        ))
    }

    /// The public key that issues this account's flavors.
    pub fn issuer_public_key(&self) -> Result<VerificationKey, WalletError> {
        self.issuer.ok_or(WalletError::NeedsFullViewingKey {
            action: "name the account's issuer key",
        })
    }

    /// The key that issues this account's flavors.
    pub fn issuer_key(&self) -> Result<SigningKey, WalletError> {
        let secrets = self.secrets("sign an issuance")?;
        Ok(SigningKey::new(secrets.xprv.derive_key(role(b"issuer"))))
    }

    /// This party's key in 2-of-2 accounts.
    pub fn custody_key(&self) -> Result<SigningKey, WalletError> {
        let secrets = self.secrets("use a custody key")?;
        Ok(SigningKey::new(secrets.xprv.derive_key(role(b"custody"))))
    }

    /// The public custody key, to give the other party of a 2-of-2 account.
    pub fn custody_public_key(&self) -> Result<VerificationKey, WalletError> {
        Ok(self.custody_key()?.verification_key())
    }

    /// The incoming viewing key.
    pub fn incoming_viewing_key(&self) -> &IncomingViewingKey {
        &self.incoming
    }

    /// The outgoing viewing key, if the wallet has it.
    pub fn outgoing_viewing_key(&self) -> Option<&OutgoingViewingKey> {
        self.outgoing.as_ref()
    }

    /// The full viewing key, if the wallet has it.
    pub fn full_viewing_key(&self) -> Result<FullViewingKey, WalletError> {
        match (&self.outgoing, self.issuer) {
            (Some(outgoing), Some(issuer)) => Ok(FullViewingKey::new(
                self.incoming.clone(),
                outgoing.clone(),
                issuer,
            )),
            _ => Err(WalletError::NeedsFullViewingKey {
                action: "export a full viewing key",
            }),
        }
    }

    fn secrets(&self, action: &'static str) -> Result<&AccountSecrets, WalletError> {
        self.secrets
            .as_ref()
            .ok_or(WalletError::WatchOnly { action })
    }
}

/// What a wallet holds: the root key (it signs) or a viewing key (it only watches).
#[derive(Clone)]
pub enum WalletKey {
    /// The keytree root: every account, every key.
    Root(Box<Xprv>),
    /// One account's viewing key: a watch-only wallet.
    Viewing(ViewingKey),
}

impl core::fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WalletKey::Root(_) => f.write_str("WalletKey::Root(<redacted>)"),
            WalletKey::Viewing(k) => write!(f, "WalletKey::Viewing({k:?})"),
        }
    }
}

impl WalletKey {
    /// The keys of account `index`. A viewing key has one account only.
    pub fn account(&self, index: u64) -> Result<AccountKeys, WalletError> {
        match self {
            WalletKey::Root(root) => Ok(AccountKeys::derive(root, index)),
            WalletKey::Viewing(key) if key.account() == index => {
                Ok(AccountKeys::from_viewing_key(key))
            }
            WalletKey::Viewing(_) => Err(WalletError::WatchOnly {
                action: "open an account other than its viewing key's",
            }),
        }
    }

    /// The account a new wallet opens: 0, or the viewing key's.
    pub fn first_account(&self) -> AccountKeys {
        match self {
            WalletKey::Root(root) => AccountKeys::derive(root, 0),
            WalletKey::Viewing(key) => AccountKeys::from_viewing_key(key),
        }
    }
}

impl From<Xprv> for WalletKey {
    fn from(root: Xprv) -> Self {
        WalletKey::Root(Box::new(root))
    }
}

impl From<ViewingKey> for WalletKey {
    fn from(key: ViewingKey) -> Self {
        WalletKey::Viewing(key)
    }
}

impl From<FullViewingKey> for WalletKey {
    fn from(key: FullViewingKey) -> Self {
        WalletKey::Viewing(key.into())
    }
}

impl From<IncomingViewingKey> for WalletKey {
    fn from(key: IncomingViewingKey) -> Self {
        WalletKey::Viewing(key.into())
    }
}

fn role(name: &'static [u8]) -> impl FnOnce(&mut Transcript) {
    move |t: &mut Transcript| t.append_message(b"role", name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::ristretto::RistrettoPoint;

    #[test]
    fn accounts_and_roles_give_distinct_keys_and_are_reproducible() {
        let root = Xprv::from_seed(b"keys test");
        let a0 = AccountKeys::derive(&root, 0);
        let a1 = AccountKeys::derive(&root, 1);
        assert_ne!(a0.control_public_key(), a1.control_public_key());
        let keys = [
            *a0.control_public_key(),
            a0.request_public_key(0),
            a0.request_public_key(1),
            a0.issuer_public_key().unwrap(),
            a0.custody_public_key().unwrap(),
            VerificationKey::from_point(RistrettoPoint::mul_base(a0.encryption_secret().expose())),
        ];
        assert_eq!(a0.control_key().unwrap().verification_key(), keys[0]);
        assert_eq!(a0.request_key(1).unwrap().verification_key(), keys[2]);
        assert_eq!(a0.issuer_key().unwrap().verification_key(), keys[3]);
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let again = AccountKeys::derive(&root, 0);
        assert_eq!(again.address(Network::Devnet), a0.address(Network::Devnet));
        assert!(format!("{:?}", a0.encryption_secret()).contains("redacted"));
    }
}
