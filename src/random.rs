//! The randomness seam: random IVs, legacy IV prefixes and key generation all draw from a
//! [`RandomSource`], so tests can pin exact bytes and simulations can be deterministic.
//!
//! **Start here:** nothing to do by default ([`OsRandom`] is used); pass your own source to
//! `with_random` on [`AppKeys`](crate::AppKeys) or a protector to pin bytes.

use core::fmt;

use crate::error::Error;

/// A source of random bytes.
///
/// The default is [`OsRandom`]. Implement this trait to pin bytes in tests; the crate's own
/// vector tests do so to reproduce deterministic outputs.
///
/// # Example
/// ```
/// use machinekey::random::{OsRandom, RandomSource};
/// let mut iv = [0u8; 16];
/// OsRandom.fill(&mut iv)?;
/// # Ok::<(), machinekey::Error>(())
/// ```
pub trait RandomSource: Send + Sync + fmt::Debug {
    /// Fills `dest` with random bytes.
    ///
    /// # Errors
    /// [`Error::Random`] if no random bytes could be had.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error>;
}

/// The operating system's cryptographic random number generator (via `getrandom`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(dest).map_err(|_| Error::Random)
    }
}
