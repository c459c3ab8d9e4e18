//! Keys: accounts derived from a keytree root, and the keys inside an account.
//!
//! ```text
//! account n    = root.derive_intermediate_key(purpose "wallet.account", u64 n)
//! control key  = account.derive_key(role "control")       signs address payments
//! encryption   = account.derive_key(role "encryption")    opens notes
//! request key i = account.derive_key(role "request", u64 i)   one-time keys
//! issuer key   = account.derive_key(role "issuer")         issues flavors
//! custody key  = account.derive_key(role "custody")        this party's 2-of-2 key
//! ```
//!
//! Everything follows from the root, so a wallet is recovered from it by rescanning.

use crate::address::{Address, Network};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use keytree::{Transcript, Xprv};
use musig::{SigningKey, VerificationKey};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret scalar: wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretScalar(Scalar);

impl SecretScalar {
    /// Wraps a secret.
    pub fn new(s: Scalar) -> Self {
        SecretScalar(s)
    }

    /// The scalar.
    pub fn expose(&self) -> &Scalar {
        &self.0
    }
}

impl core::fmt::Debug for SecretScalar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretScalar(<redacted>)")
    }
}

/// A uniform scalar from 64 bytes of `rng` (independent of the curve library's own
/// random functions, whose RNG traits change between versions).
pub fn random_scalar<R: RngCore + CryptoRng>(rng: &mut R) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    let s = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    s
}

/// The keys of one account.
#[derive(Clone, Debug)]
pub struct AccountKeys {
    index: u64,
    xprv: Xprv,
    control: SigningKey,
    encryption: SecretScalar,
}

impl AccountKeys {
    /// Derives account `index` from the root key.
    pub fn derive(root: &Xprv, index: u64) -> Self {
        let xprv = root.derive_intermediate_key(|t| {
            t.append_message(b"purpose", b"wallet.account");
            t.append_u64(b"account", index);
        });
        let control = SigningKey::new(xprv.derive_key(role(b"control")));
        let encryption = SecretScalar(xprv.derive_key(role(b"encryption")));
        AccountKeys {
            index,
            xprv,
            control,
            encryption,
        }
    }

    /// The account's index.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The control key (its public half is in the address).
    pub fn control_key(&self) -> &SigningKey {
        &self.control
    }

    /// The secret that opens notes sent to this account.
    pub fn encryption_secret(&self) -> &SecretScalar {
        &self.encryption
    }

    /// The account's address on `network`.
    pub fn address(&self, network: Network) -> Address {
        Address::new(
            network,
            self.control.verification_key(),
            RistrettoPoint::mul_base(self.encryption.expose()),
        )
    }

    /// One-time key `i` of the account's sequence (used by payment requests).
    pub fn request_key(&self, i: u64) -> SigningKey {
        SigningKey::new(self.xprv.derive_key(|t: &mut Transcript| {
            t.append_message(b"role", b"request");
            t.append_u64(b"index", i);
        }))
    }

    /// The key that issues this account's flavors.
    pub fn issuer_key(&self) -> SigningKey {
        SigningKey::new(self.xprv.derive_key(role(b"issuer")))
    }

    /// This party's key in 2-of-2 accounts.
    pub fn custody_key(&self) -> SigningKey {
        SigningKey::new(self.xprv.derive_key(role(b"custody")))
    }

    /// The public custody key, to give the other party of a 2-of-2 account.
    pub fn custody_public_key(&self) -> VerificationKey {
        self.custody_key().verification_key()
    }
}

fn role(name: &'static [u8]) -> impl FnOnce(&mut Transcript) {
    move |t: &mut Transcript| t.append_message(b"role", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_roles_give_distinct_keys_and_are_reproducible() {
        let root = Xprv::from_seed(b"keys test");
        let a0 = AccountKeys::derive(&root, 0);
        let a1 = AccountKeys::derive(&root, 1);
        assert_ne!(
            a0.control_key().verification_key(),
            a1.control_key().verification_key()
        );
        let keys = [
            a0.control_key().verification_key(),
            a0.request_key(0).verification_key(),
            a0.request_key(1).verification_key(),
            a0.issuer_key().verification_key(),
            a0.custody_key().verification_key(),
            VerificationKey::from_point(RistrettoPoint::mul_base(a0.encryption_secret().expose())),
        ];
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
