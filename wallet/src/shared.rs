//! The shared (2-of-2) account: this wallet's custody key, the partner's public key,
//! and what both derive from them.
//!
//! The control key is the MuSig aggregate `X̃ = a₀·X₀ + a₁·X₁` of the two custody keys,
//! sorted by encoding so both parties compute the same. The account's notes are read
//! with the view secret `v = Transcript("ZkVM.wallet.shared-view")(X₀, X₁, x₀·X₁)`:
//! each party computes the Diffie–Hellman point from its own secret and the other's
//! public key. Spending it is [`crate::custody`]'s business.

use crate::address::{Address, Network};
use crate::errors::WalletError;
use crate::keys::SecretScalar;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use musig::{Multikey, SigningKey, VerificationKey};
use zeroize::Zeroizing;

/// This wallet's side of a 2-of-2 account.
#[derive(Clone, Debug)]
pub struct SharedAccount {
    key: SigningKey,
    partner: VerificationKey,
    multikey: Multikey,
    index: usize,
    view: SecretScalar,
}

impl SharedAccount {
    /// The account of `mine` and `partner`.
    pub fn new(mine: SigningKey, partner: VerificationKey) -> Result<Self, WalletError> {
        let me = mine.verification_key();
        if me == partner {
            return Err(WalletError::Signing("the partner's key is our own".into()));
        }
        let mut keys = [me, partner];
        keys.sort_by_key(|k| k.to_bytes());
        let index = usize::from(keys[1] == me);
        let multikey = Multikey::new(keys.to_vec())?;
        let dh = mine.as_scalar() * partner.as_point();
        let mut t = Transcript::new(b"ZkVM.wallet.shared-view");
        t.append_message(b"X0", keys[0].as_bytes());
        t.append_message(b"X1", keys[1].as_bytes());
        t.append_message(b"dh", dh.compress().as_bytes());
        let mut wide = [0u8; 64];
        t.challenge_bytes(b"view", &mut wide);
        let view = SecretScalar::new(Scalar::from_bytes_mod_order_wide(&wide));
        Ok(SharedAccount {
            key: mine,
            partner,
            multikey,
            index,
            view,
        })
    }

    /// The aggregated control key `X̃`.
    pub fn control_key(&self) -> &VerificationKey {
        self.multikey.aggregated_key()
    }

    /// The other party's key.
    pub fn partner(&self) -> &VerificationKey {
        &self.partner
    }

    /// The secret both parties read the account's notes with.
    pub fn view_secret(&self) -> &SecretScalar {
        &self.view
    }

    /// The secret the account's outgoing records are sealed to (both parties hold it):
    /// `Transcript("ZkVM.wallet.shared-outgoing")` over the view secret.
    pub fn outgoing_secret(&self) -> Zeroizing<[u8; 32]> {
        let mut t = Transcript::new(b"ZkVM.wallet.shared-outgoing");
        t.append_message(b"view", self.view.expose().as_bytes());
        let mut secret = Zeroizing::new([0u8; 32]);
        t.challenge_bytes(b"ovk", &mut secret[..]);
        secret
    }

    /// The account's address.
    pub fn address(&self, network: Network) -> Address {
        Address::new(
            network,
            *self.control_key(),
            RistrettoPoint::mul_base(self.view.expose()),
        )
    }
}

impl SharedAccount {
    /// This party's custody key.
    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The aggregated key with both parties' keys and factors.
    pub(crate) fn multikey(&self) -> &Multikey {
        &self.multikey
    }

    /// This party's position among the two sorted keys (0 or 1).
    pub(crate) fn position(&self) -> usize {
        self.index
    }
}
