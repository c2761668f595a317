//! Property tests (`tests/`) and criterion benchmarks (`benches/`) of `machinekey`.
//!
//! They live in their own workspace member so that the crate's examples, which Cargo builds
//! with every dev-dependency, do not compile proptest and criterion. Run them with
//! `cargo test --workspace --all-features` and `cargo bench -p machinekey-checks`.

pub mod oracle;
