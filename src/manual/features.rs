//! The crate's features, what each adds and compiles, and the workspace around the crate.
//!
//! ```toml
//! [dependencies]
//! machinekey = { version = "0.1", features = ["audit"] }   # or "rayon", "sim"
//! ```
//!
//! | feature | default | what it adds | what it compiles |
//! |---|---|---|---|
//! | (none) | | config, keys, both protection stacks, every format, the key-store model, Data Protection, a server's IIS files ([`iis`](crate::iis)), event logs as XML and text ([`events`](crate::events)) | RustCrypto primitives (`aes-gcm` included), `roxmltree`, `serde`, `flate2`, `time`, `uuid` |
//! | `audit` | off | [`audit`]: known-key search, the built-in key list, carving, batches | `memchr`, `const-hex`, `serde_json`, the 3,625-pair list |
//! | `rayon` | off | audits spread over every core (implies `audit`) | `rayon` |
//! | `sim` | off | [`sim`]: the web-garden / web-farm simulator, the Data Protection simulator and the named scenarios, the key store's JSON file | `toml`, `rand_chacha`, `serde_json` |
//! | `evtx` | off | Windows `.evtx` files for the `events` module (the XML, text and `-++-` readers are always built) | `evtx` |
//! | `plot` | off | SVG charts of event-log failures (`events::plot`) | `plotters` (SVG backend only) |
//! | `diagnose` | off | ASP.NET Core replicas diagnosed from their logs, key rings and values (`compat::diagnose`) | `aho-corasick`, `serde_json` |
//! | `temp-data` | off | TempData cookies read as the JSON they hold (`formats::aspnetcore::TempData`) | `serde_json` |
//! | `certificate` | off | key rings encrypted at rest to an X.509 certificate, opened with a PFX file (`dataprotection::Certificate`); needs Rust 1.87 | `p12-keystore`, `rsa` |
//!
//! The library needs Rust 1.85 (1.87 with `certificate`); `checks/msrv.py` proves it for each
//! feature against what Cargo's MSRV-aware resolver picks on that toolchain, and clippy's
//! `incompatible_msrv` lint holds the code to it.
//!
//! The `machinekey` command line and its local decoder page are the `machinekey-cli` crate
//! (`cargo install machinekey-cli`; [`command_line`](super::command_line)); the benchmark-only work counters ([`crypto::work`]) are a
//! `--cfg machinekey_work_count` build, not a feature a dependent could switch on for everyone.
//!
//! # The workspace, and a cold build
//!
//! A plain `machinekey = "0.1"` builds neither rayon, the key list, the simulator, axum, tokio nor clap
//! (`cargo tree -e normal --no-default-features` shows it; CI checks it). Property tests
//! (proptest) live in the `checks/` workspace member and the benchmark suite (criterion) in
//! `benches/` (its own member, `machinekey-benches`: `cargo bench` from the root runs it; each
//! bench says in its docs what it measures), so building an example never compiles them: a cold `cargo run --example web_garden --features sim` (fresh clone,
//! empty `target/`, crates already downloaded) took 78 s on the project's 2-core machine on
//! 2026-12-04, 86 s on 2026-12-02 (`rm -rf target && time cargo run --locked --example web_garden --features sim`),
//! against 3 min 17 s before the split: the example compiles the crate with `sim` only, none of
//! the workspace's other members or the `ui`/`cli` dependencies.
//!
//! A plain dependency, measured as a new user builds it (an application with
//! `machinekey = { path = … }` and nothing else, empty `target/`, crates downloaded,
//! `cargo build`, debug), twice each, alternating, on 2026-12-06 on the project's 2-core
//! machine while a fuzzing campaign ran on it: before the API rework (commit 363dfb5) 81 and
//! 84 s wall, 33.0 and 34.3 s user; now 89 and 88 s wall, 34.8 and 34.7 s user. The rework
//! took six crates out of the tree (66 → 60 in `cargo tree -e normal --no-default-features
//! -p machinekey`), but the crate's own code grew in the same weeks by the IIS, event-log and
//! ASP.NET Core modules, and compiling it is now 32 s of the build (`cargo build --timings`);
//! every other crate takes under 13 s.
//!
//! The `machinekey-tower` crate (the tower layer and axum extractor,
//! [`login_cookies`](super::login_cookies)) is a workspace member of its own for the same
//! reason: a plain dependency gains neither tower, axum nor hyper. On docs.rs every feature is
//! documented (`all-features`), each feature-gated item marked with the feature it needs.
//!
//! [`crypto::work`]: crate::crypto::work
//!
// Items behind a feature: linked in place when it is on (docs.rs builds every feature),
// to their docs.rs pages when it is off, so the links resolve either way.
#![cfg_attr(
    feature = "audit",
    doc = "
[`audit`]: crate::audit"
)]
#![cfg_attr(
    not(feature = "audit"),
    doc = "
[`audit`]: https://docs.rs/machinekey/latest/machinekey/audit/index.html"
)]
#![cfg_attr(
    feature = "sim",
    doc = "
[`sim`]: crate::sim"
)]
#![cfg_attr(
    not(feature = "sim"),
    doc = "
[`sim`]: https://docs.rs/machinekey/latest/machinekey/sim/index.html"
)]
