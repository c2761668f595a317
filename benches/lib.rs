//! The benchmark suite of `machinekey` (run `cargo bench` from the repository root; the
//! README's Performance section says what each figure measures and on what machine):
//!
//! - `protect`: the protection stacks per call (legacy MAC and encryption, Framework45
//!   protect/unprotect, SP800-108 derivations, Data Protection CBC and GCM, key-file reading);
//! - `audit`: the known-key audit end to end (key list reading and auditor preparation
//!   included) and its steady-state loop, single- and multi-threaded, and the batch;
//! - `sim`: the web-garden simulator, every request running the real formats.
//!
//! This library is empty: the benchmarks are its `benches`.
