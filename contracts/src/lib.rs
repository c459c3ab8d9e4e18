//! Contracts on ZkVM, written as Rust APIs over `zkvm`'s builders.
//!
//! Each module is one contract. It builds the contract's predicate (usually a Taproot
//! tree: a MuSig key for the happy path where every party agrees, and clauses for the
//! other paths) and, for every path, the [`zkvm::Spend`] or [`zkvm::TxBuilder`] steps
//! that take it. The clauses and paths are written out in the [specification].
//!
//! Amounts and flavors stay in commitments. Constants a clause needs (a price, an
//! amount due, a channel balance) are commitments whose blinding factors come from a
//! secret the parties share ([`Terms`]), so the chain sees points, and the parties can
//! still open them to prove.
//!
//! An escrow, deposited by the buyer and released to the seller:
//!
//! ```
//! use contracts::escrow::{Escrow, RELEASE};
//! use contracts::Terms;
//! use curve25519_dalek::scalar::Scalar;
//! use zkvm::{Anchor, ClearValue, Commitment, Contract, Generators, PortableItem, Predicate};
//! use zkvm::{SigningKey, TxBuilder, Value, Verifier};
//!
//! let party = |n: u64| Predicate::from_signing_key(SigningKey::new(Scalar::from(n)));
//! let (buyer, seller, arbiter) = (party(1), party(2), party(3));
//! let escrow = Escrow::new(&buyer, &seller, &arbiter, &Terms::new([7; 32]))?;
//!
//! let mut rng = rand_core::OsRng;
//! let value = Value {
//!     qty: Commitment::blinded(50u64, &mut rng),
//!     flv: Commitment::blinded(Scalar::ONE, &mut rng),
//! };
//! let coin = Contract { predicate: buyer, payload: vec![PortableItem::Value(value)], anchor: Anchor([0; 32]) };
//! let gens = Generators::new(256);
//! let fifty = ClearValue { qty: 50, flv: Scalar::ONE };
//! let deposit = escrow.deposit(TxBuilder::new().spend(coin), fifty).build(&gens, &mut rng)?;
//! let held = deposit.log.outputs().next().unwrap().clone();
//! Verifier::verify_tx(&deposit.sign(&mut rng)?, &gens)?;
//!
//! let release = TxBuilder::new().spend_with(escrow.resolve(held, RELEASE)?);
//! let tx = release.build(&gens, &mut rng)?.sign(&mut rng)?;
//! let verified = Verifier::verify_tx(&tx, &gens)?;
//! assert_eq!(verified.log.outputs().next().unwrap().predicate, seller);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

#[doc = include_str!("../../spec/contracts.md")]
pub mod specification {}

pub mod channel;
pub mod custody;
mod errors;
pub mod escrow;
pub mod loan;
pub mod offer;
mod terms;

pub use errors::ContractError;
pub use terms::{open_value, Terms};
