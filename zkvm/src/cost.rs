//! The cost model: a transaction's weight, counted while the VM runs, and the limits
//! on it (the specification's "Cost" section).
//!
//! The weight charges what verification costs: the transaction's bytes, the
//! multipliers and constraint terms the proof must cover, the points the final
//! multiscalar multiplication takes, the bytes hashed (contract IDs, signed messages,
//! the log) and the bytecode copied into nested programs. Every charge is made when
//! the work is done, so a transaction over a limit fails as soon as it crosses it,
//! never after the VM has finished.

use crate::errors::VmError;
use batch::Generators;
use r1cs::Metrics;
use std::sync::OnceLock;

/// The largest weight of one transaction.
pub const MAX_TX_WEIGHT: u64 = 1 << 19;

/// The most multipliers one transaction's constraint system may hold (both phases).
pub const MAX_MULTIPLIERS: usize = 1 << 13;

/// The capacity of the network's Bulletproofs generators: how many multipliers (of
/// each generator chain) every verifier, node and wallet builds generators for. A
/// consensus constant: it must cover [`MAX_MULTIPLIERS`], or transactions within
/// the limits could not be verified; it equals it, so no node builds more than a
/// transaction can use. Generators are derived from their labels, so the capacity is
/// the only thing nodes must agree on.
pub const GENERATOR_CAPACITY: usize = MAX_MULTIPLIERS;
const _: () = assert!(GENERATOR_CAPACITY >= MAX_MULTIPLIERS);

/// The network's Bulletproofs generators: [`GENERATOR_CAPACITY`] of each chain, built
/// on the first call (a few hundred milliseconds) and shared by every later caller in
/// the process. Every node, wallet and tool that proves or verifies the network's
/// transactions takes its generators from here.
pub fn network_generators() -> &'static Generators {
    static GENERATORS: OnceLock<Generators> = OnceLock::new();
    GENERATORS.get_or_init(|| Generators::new(GENERATOR_CAPACITY))
}

/// The most linear constraints one transaction's constraint system may hold.
pub const MAX_CONSTRAINTS: usize = 1 << 15;

/// Weight of one byte of the encoded transaction.
pub const WEIGHT_PER_BYTE: u64 = 1;

/// Weight of one multiplier: its share of the proof's generators and of the
/// multiscalar multiplication (two points, about a 2×2 payment's cost per multiplier).
pub const WEIGHT_PER_MULTIPLIER: u64 = 16;

/// Weight of one point added to the final check (a committed variable, an unblinded
/// commitment, an issued flavor, a Taproot call, a signature's key and nonce).
pub const WEIGHT_PER_POINT: u64 = 32;

/// Weight of one term of an expression written or rewritten (`expr`, `add`, `neg`,
/// a constant `mul`, an expression entering a constraint).
pub const WEIGHT_PER_TERM: u64 = 1;

/// Bytes hashed (or copied into a nested program) per unit of weight.
pub const BYTES_PER_WEIGHT: u64 = 16;

/// The weight of a run so far, with the limits it must stay within.
#[derive(Clone, Debug)]
pub(crate) struct Meter {
    /// Weight of the transaction's bytes.
    bytes: u64,
    /// Weight of points and terms.
    units: u64,
    /// Bytes hashed or copied.
    hashed: u64,
    /// Multipliers counted so far (first phase, plus those `verify` adds later).
    multipliers: usize,
    /// Multipliers and constraints of the second phase, known when `verify` runs.
    deferred: Metrics,
}

impl Meter {
    /// A meter for a transaction of `tx_len` encoded bytes.
    pub(crate) fn new(tx_len: usize) -> Result<Self, VmError> {
        let meter = Meter {
            bytes: (tx_len as u64).saturating_mul(WEIGHT_PER_BYTE),
            units: 0,
            hashed: 0,
            multipliers: 0,
            deferred: Metrics::default(),
        };
        meter.check()?;
        Ok(meter)
    }

    /// The weight so far.
    pub(crate) fn weight(&self) -> u64 {
        self.bytes
            .saturating_add(self.units)
            .saturating_add(self.hashed.div_ceil(BYTES_PER_WEIGHT))
            .saturating_add((self.multipliers as u64).saturating_mul(WEIGHT_PER_MULTIPLIER))
    }

    /// The weight so far beyond the transaction's bytes.
    pub(crate) fn run_weight(&self) -> u64 {
        self.weight() - self.bytes
    }

    /// Charges `n` points.
    pub(crate) fn points(&mut self, n: usize) -> Result<(), VmError> {
        self.units = self
            .units
            .saturating_add((n as u64).saturating_mul(WEIGHT_PER_POINT));
        self.check()
    }

    /// Charges `n` terms written.
    pub(crate) fn terms(&mut self, n: usize) -> Result<(), VmError> {
        self.units = self
            .units
            .saturating_add((n as u64).saturating_mul(WEIGHT_PER_TERM));
        self.check()
    }

    /// Charges `n` bytes hashed or copied.
    pub(crate) fn hashed(&mut self, n: usize) -> Result<(), VmError> {
        self.hashed = self.hashed.saturating_add(n as u64);
        self.check()
    }

    /// Reserves the second-phase multipliers and constraints of a `verify`.
    pub(crate) fn defer(&mut self, multipliers: usize, constraints: usize) {
        self.deferred.multipliers = self.deferred.multipliers.saturating_add(multipliers);
        self.deferred.constraints = self.deferred.constraints.saturating_add(constraints);
    }

    /// The second-phase multipliers and constraints reserved by `verify` so far.
    pub(crate) fn reserved(&self) -> Metrics {
        self.deferred
    }

    /// Takes the constraint system's counts after an instruction, adding what `verify`
    /// reserved for the second phase, and checks every limit.
    pub(crate) fn observe(&mut self, cs: Metrics) -> Result<(), VmError> {
        self.multipliers = cs.multipliers.saturating_add(self.deferred.multipliers);
        if self.multipliers > MAX_MULTIPLIERS {
            return Err(VmError::TooManyMultipliers {
                limit: MAX_MULTIPLIERS,
            });
        }
        if cs.constraints.saturating_add(self.deferred.constraints) > MAX_CONSTRAINTS {
            return Err(VmError::TooManyConstraints {
                limit: MAX_CONSTRAINTS,
            });
        }
        self.check()
    }

    /// Checks that `extra` more multipliers still fit, before an instruction adds them.
    pub(crate) fn expect_multipliers(&self, extra: usize) -> Result<(), VmError> {
        if self.multipliers.saturating_add(extra) > MAX_MULTIPLIERS {
            return Err(VmError::TooManyMultipliers {
                limit: MAX_MULTIPLIERS,
            });
        }
        Ok(())
    }

    fn check(&self) -> Result<(), VmError> {
        if self.weight() > MAX_TX_WEIGHT {
            return Err(VmError::TxWeightExceeded {
                limit: MAX_TX_WEIGHT,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_at_the_limit_pass_and_one_more_fails() {
        let limit = (MAX_TX_WEIGHT / WEIGHT_PER_BYTE) as usize;
        assert_eq!(Meter::new(limit).unwrap().weight(), MAX_TX_WEIGHT);
        assert_eq!(
            Meter::new(limit + 1).unwrap_err(),
            VmError::TxWeightExceeded {
                limit: MAX_TX_WEIGHT
            }
        );
    }

    #[test]
    fn every_charge_counts_toward_the_limit() {
        let mut m = Meter::new(100).unwrap();
        m.points(2).unwrap();
        m.terms(3).unwrap();
        m.hashed(17).unwrap();
        m.observe(Metrics {
            multipliers: 4,
            ..Metrics::default()
        })
        .unwrap();
        let expected = 100 + 2 * WEIGHT_PER_POINT + 3 * WEIGHT_PER_TERM + 2 + 4 * 16;
        assert_eq!(m.weight(), expected);
        let room = MAX_TX_WEIGHT - expected;
        m.terms(room as usize).unwrap();
        assert_eq!(m.weight(), MAX_TX_WEIGHT);
        assert!(matches!(m.terms(1), Err(VmError::TxWeightExceeded { .. })));
    }

    #[test]
    fn multipliers_and_constraints_are_capped() {
        let mut m = Meter::new(0).unwrap();
        let at = |multipliers, constraints| Metrics {
            multipliers,
            constraints,
            ..Metrics::default()
        };
        m.observe(at(MAX_MULTIPLIERS, MAX_CONSTRAINTS)).unwrap();
        assert!(m.expect_multipliers(0).is_ok());
        assert_eq!(
            m.expect_multipliers(1),
            Err(VmError::TooManyMultipliers {
                limit: MAX_MULTIPLIERS
            })
        );
        assert_eq!(
            m.observe(at(MAX_MULTIPLIERS + 1, 0)),
            Err(VmError::TooManyMultipliers {
                limit: MAX_MULTIPLIERS
            })
        );
        assert_eq!(
            m.observe(at(0, MAX_CONSTRAINTS + 1)),
            Err(VmError::TooManyConstraints {
                limit: MAX_CONSTRAINTS
            })
        );
        m.defer(1, 0);
        assert!(m.observe(at(MAX_MULTIPLIERS, 0)).is_err());
    }

    #[test]
    fn the_network_generators_cover_the_limit_and_are_built_once() {
        let gens = network_generators();
        assert_eq!(gens.capacity(), GENERATOR_CAPACITY);
        assert!(core::ptr::eq(gens, network_generators()));
        // The same prefix as generators built for a smaller circuit.
        assert_eq!(&gens.g()[..4], Generators::new(4).g());
    }
}
