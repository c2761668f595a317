//! A deterministic random source for simulations: ChaCha20 seeded from a `u64`.

use std::sync::{Mutex, PoisonError};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use crate::error::Error;
use crate::random::RandomSource;

/// ChaCha20 from a seed: the same seed gives the same keys, IVs, session ids and routing.
/// **Not for protecting real data.**
///
/// # Example
/// ```
/// use machinekey::random::RandomSource;
/// use machinekey::sim::SeededRandom;
/// let (a, b) = (SeededRandom::new(7), SeededRandom::new(7));
/// let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
/// a.fill(&mut x)?;
/// b.fill(&mut y)?;
/// assert_eq!(x, y);
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug)]
pub struct SeededRandom(Mutex<ChaCha20Rng>);

impl SeededRandom {
    /// A source seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(ChaCha20Rng::seed_from_u64(seed)))
    }

    /// A number below `bound` (`bound` > 0), for routing.
    pub(crate) fn below(&self, bound: usize) -> usize {
        let mut rng = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let bound = u64::try_from(bound.max(1)).unwrap_or(u64::MAX);
        usize::try_from(rng.next_u64() % bound).unwrap_or_default()
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fill_bytes(dest);
        Ok(())
    }
}
