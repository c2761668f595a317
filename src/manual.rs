//! The depth behind the front page: what the crate does and how, what its figures are and
//! how they were measured, what is verified against real ASP.NET output and what is not.
//! Documentation only: every chapter is a module with text and no items, and its Rust
//! examples are doctests.
//!
//! # Chapters
//!
//! Using the crate:
//!
//! * [`getting_started`]: the full example, where to start for each kind of input, and the
//!   crate layer by layer.
//! * [`background`]: why ASP.NET has two protection stacks, why every unprotect failure is
//!   one opaque error (MS10-070), the quirks reproduced on purpose, AutoGenerate and
//!   isolation.
//! * [`configuration`]: configuration as servers hold it: machine.config, the root
//!   web.config, sites, `<location>`, locks.
//! * [`farms`]: web gardens and farms: the main example, whether two workers or servers
//!   share state, your own farm simulated.
//! * [`data_protection`]: ASP.NET Core Data Protection, the same failure today.
//! * [`login_cookies`]: share a login (forms, OWIN, Core) with a Rust service.
//! * [`inside_viewstate`]: the bytes behind a ViewState's MAC, as a tree, with the attack
//!   gadgets named.
//! * [`known_keys`]: which publicly known key protects a value, for one field or a crawl.
//! * [`spark`]: the known-key audit on Apache Spark, and what a crawl costs.
//! * [`command_line`]: the `machinekey` command and its local decoder page.
//! * [`features`]: the crate's features, what each compiles, and the workspace around it.
//!
//! Evidence:
//!
//! * [`performance`]: timings of both stacks, Data Protection and the simulator, and the
//!   known-key audit set against its physical floor.
//! * [`exactness`]: what is checked against real ASP.NET output, and the list of what is
//!   UNVERIFIED.
//! * [`untrusted_input`]: security habits, bounded readers, fuzzing and mutation testing.

pub mod background;
pub mod command_line;
pub mod configuration;
pub mod data_protection;
pub mod exactness;
pub mod farms;
pub mod features;
pub mod getting_started;
pub mod inside_viewstate;
pub mod known_keys;
pub mod login_cookies;
pub mod performance;
pub mod spark;
pub mod untrusted_input;
