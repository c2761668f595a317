//! Counts of the hash compressions and block-cipher blocks this crate performs, for the
//! benchmark that sets the known-key audit against its physical floor (the manual's
//! [performance](crate::manual::performance) chapter): the audit's cost per key is what these counters count, times
//! what one compression costs on the machine.
//!
//! The counters exist only in a build with `RUSTFLAGS="--cfg machinekey_work_count"` (for
//! benchmarks, never for production: every compression then adds to a shared atomic). It is
//! a cfg rather than a feature so that no dependent can switch it on for everyone. Without it, counting
//! compiles to nothing and `snapshot` is not available.
//!
//! What is counted is every compression the MAC and key-derivation paths of the audit and
//! the protection stacks run (HMAC pad states, message blocks, outer blocks, the 4.x keyed
//! MD5), and every block a CBC decryption or encryption processes.
//!
//! # Example
//! ```
//! # #[cfg(all(machinekey_work_count, feature = "audit"))] {
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
#[cfg_attr(not(machinekey_work_count), allow(dead_code))]
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

/// The counts since the last `reset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
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
    /// Of the compressions above, those that keyed HMAC pad states (the inner and outer
    /// pad blocks, and the hash of a key longer than the block), by hash: the work a batch
    /// shares between every blob and reading that uses a key.
    pub keying: Keying,
}

/// Compressions that keyed HMAC pad states, by hash (a part of [`Counts`]' own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Keying {
    /// MD5 compressions.
    pub md5: u64,
    /// SHA-1 compressions.
    pub sha1: u64,
    /// SHA-256 compressions.
    pub sha256: u64,
    /// SHA-384/SHA-512 compressions.
    pub sha512: u64,
}

impl Counts {
    /// Every compression, of any hash.
    #[must_use]
    pub fn compressions(&self) -> u64 {
        self.md5 + self.sha1 + self.sha256 + self.sha512
    }
}

#[cfg(machinekey_work_count)]
mod counters {
    use super::{Counts, Keying, Work};
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The six counters of [`Work`], then the keying compressions of the four hashes.
    static COUNTS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
    const KEYING: usize = 6;

    pub(crate) fn add(work: Work, n: u64) {
        if let Some(c) = COUNTS.get(work as usize) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn add_keying(work: Work, n: u64) {
        if let Some(c) = COUNTS.get(KEYING + work as usize) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The counts since the last `reset`, summed over every thread.
    #[must_use]
    pub fn snapshot() -> Counts {
        let at = |i: usize| COUNTS.get(i).map_or(0, |c| c.load(Ordering::Relaxed));
        let get = |w: Work| at(w as usize);
        Counts {
            md5: get(Work::Md5),
            sha1: get(Work::Sha1),
            sha256: get(Work::Sha256),
            sha512: get(Work::Sha512),
            aes_blocks: get(Work::AesBlock),
            des_blocks: get(Work::DesBlock),
            keying: Keying {
                md5: at(KEYING + Work::Md5 as usize),
                sha1: at(KEYING + Work::Sha1 as usize),
                sha256: at(KEYING + Work::Sha256 as usize),
                sha512: at(KEYING + Work::Sha512 as usize),
            },
        }
    }

    /// Sets every counter to zero.
    pub fn reset() {
        for c in &COUNTS {
            c.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(machinekey_work_count)]
pub use counters::{reset, snapshot};

/// Adds `n` to the counter of `work` (nothing without `--cfg machinekey_work_count`).
#[inline(always)]
pub(crate) fn add(work: Work, n: usize) {
    #[cfg(machinekey_work_count)]
    counters::add(work, n as u64);
    #[cfg(not(machinekey_work_count))]
    let _ = (work, n);
}

/// Adds `n` compressions of the hash `work` that key HMAC pad states: to that hash's count
/// and to its keying count.
#[inline(always)]
#[cfg_attr(not(feature = "audit"), allow(dead_code))]
pub(crate) fn add_keying(work: Work, n: usize) {
    add(work, n);
    #[cfg(machinekey_work_count)]
    counters::add_keying(work, n as u64);
}

/// Compressions a Merkle-Damgard hash with `block`-byte blocks and a `length`-byte length
/// field runs to finish `buffered` bytes (the final padding).
#[cfg_attr(not(machinekey_work_count), allow(dead_code))]
pub(crate) const fn final_blocks(buffered: usize, block: usize, length: usize) -> usize {
    (buffered + 1 + length).div_ceil(block)
}
