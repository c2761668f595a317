//! Counts of the hash compressions and block-cipher blocks this crate performs, for the
//! benchmark that sets the known-key audit against its physical floor (the README's
//! Performance section): the audit's cost per key is what these counters count, times
//! what one compression costs on the machine.
//!
//! The counters exist only with the `work-count` feature (for benchmarks, never for
//! production: every compression then adds to a shared atomic). Without it, counting
//! compiles to nothing and [`snapshot`] is not available.
//!
//! What is counted is every compression the MAC and key-derivation paths of the audit and
//! the protection stacks run (HMAC pad states, message blocks, outer blocks, the 4.x keyed
//! MD5), and every block a CBC decryption or encryption processes.
//!
//! # Example
//! ```
//! # #[cfg(all(feature = "work-count", feature = "audit"))] {
//! use machinekey::audit::{Auditor, Blob, KeyList};
//! use machinekey::crypto::{encoding::from_base64, work};
//! let auditor = Auditor::new(&KeyList::builtin());
//! let bytes = from_base64("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==").unwrap();
//! work::reset();
//! let _ = auditor.audit(&Blob::viewstate(&bytes).with_generator(0xEDD8_C9AE));
//! assert!(work::snapshot().sha1 > 0);
//! # }
//! ```

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "work-count"), allow(dead_code))]
pub(crate) enum Work {
    Md5,
    Sha1,
    Sha256,
    /// SHA-384 and SHA-512 share one compression function.
    Sha512,
    /// A 16-byte AES block.
    AesBlock,
    /// An 8-byte DES or 3DES block.
    DesBlock,
}

/// The counts since the last [`reset`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// MD5 compressions (64-byte blocks).
    pub md5: u64,
    /// SHA-1 compressions (64-byte blocks).
    pub sha1: u64,
    /// SHA-256 compressions (64-byte blocks).
    pub sha256: u64,
    /// SHA-384/SHA-512 compressions (128-byte blocks).
    pub sha512: u64,
    /// AES blocks (16 bytes) encrypted or decrypted.
    pub aes_blocks: u64,
    /// DES/3DES blocks (8 bytes) encrypted or decrypted.
    pub des_blocks: u64,
}

#[cfg(feature = "work-count")]
mod counters {
    use super::{Counts, Work};
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTS: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];

    pub(crate) fn add(work: Work, n: u64) {
        if let Some(c) = COUNTS.get(work as usize) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The counts since the last [`reset`], summed over every thread.
    #[must_use]
    pub fn snapshot() -> Counts {
        let get = |w: Work| {
            COUNTS
                .get(w as usize)
                .map_or(0, |c| c.load(Ordering::Relaxed))
        };
        Counts {
            md5: get(Work::Md5),
            sha1: get(Work::Sha1),
            sha256: get(Work::Sha256),
            sha512: get(Work::Sha512),
            aes_blocks: get(Work::AesBlock),
            des_blocks: get(Work::DesBlock),
        }
    }

    /// Sets every counter to zero.
    pub fn reset() {
        for c in &COUNTS {
            c.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(feature = "work-count")]
pub use counters::{reset, snapshot};

/// Adds `n` to the counter of `work` (nothing without the `work-count` feature).
#[inline(always)]
pub(crate) fn add(work: Work, n: usize) {
    #[cfg(feature = "work-count")]
    counters::add(work, n as u64);
    #[cfg(not(feature = "work-count"))]
    let _ = (work, n);
}

/// Compressions a Merkle-Damgard hash with `block`-byte blocks and a `length`-byte length
/// field runs to finish `buffered` bytes (the final padding).
#[cfg_attr(not(feature = "work-count"), allow(dead_code))]
pub(crate) const fn final_blocks(buffered: usize, block: usize, length: usize) -> usize {
    (buffered + 1 + length).div_ceil(block)
}
