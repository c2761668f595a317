//! Web gardens and farms: the main example, whether two workers or servers share state, and
//! your own farm simulated.
//!
//! # The main example: a web garden after a .NET update
//!
//! ```sh
//! cargo run --example web_garden --features sim
//! ```
//!
//! The main example runs three worker processes of one application pool, under a custom
//! identity without a loaded profile and the default `AutoGenerate,IsolateApps`, on a 2.0-era
//! and a 4.x server. Every request is served by one worker and checked with the real formats.
//! After a .NET update resets the key-store permissions, each worker silently makes up its own
//! keys, and about two requests in three lose their state: the State Service session on the
//! 2.0-era server (its lookup key is MACed with the validation key; 4.8 hashes it unkeyed), the
//! forms login and ViewState on both, `MachineKey.Protect` data on 4.x:
//!
//! ```text
//! Web garden: 3 workers, custom identity without a loaded profile, AutoGenerate,IsolateApps
//! failures/requests per kind of state (3000 requests per scenario, seed 2026)
//!
//! server    scenario                                      session      forms login        viewstate MachineKey.Protect
//! 2.0-era   before the installer                     0/3000    0%     0/3000    0%     0/3000    0%              n/a
//! 2.0-era   after the installer                   1905/3000   64%  2031/3000   68%  2031/3000   68%              n/a
//! 2.0-era   fix 1: explicit <machineKey>             0/3000    0%     0/3000    0%     0/3000    0%              n/a
//! 2.0-era   fix 2: aspnet_regiis -ga + recycle       0/3000    0%     0/3000    0%     0/3000    0%              n/a
//! 4.x       before the installer                     0/3000    0%     0/3000    0%     0/3000    0%     0/3000    0%
//! 4.x       after the installer                      0/3000    0%  1998/3000   67%  1998/3000   67%  1998/3000   67%
//! 4.x       fix 1: explicit <machineKey>             0/3000    0%     0/3000    0%     0/3000    0%     0/3000    0%
//! 4.x       fix 2: aspnet_regiis -ga + recycle       0/3000    0%     0/3000    0%     0/3000    0%     0/3000    0%
//! ```
//!
//! `-- --json` prints the same numbers (requests, failures and reasons per scenario and kind of
//! state) for tools. In code the story is one call in [`sim::scenarios`]; why the keys are
//! lost is told in [`background`](super::background#autogenerate-and-isolation), and
//! `cargo run --example autogen_keys` tells the key-store half of it on its own.
//! `machinekey simulate web-garden --workers 3 --era 4.8` prints the table with the reasons.
//!
//! # Will these servers share state?
//!
//! [`compat::compare`] answers it for two nodes (what one worker process sees: its effective
//! configuration, application path and id, framework build, and AutoGenerate key material), for
//! every kind of state: ViewState, EventValidation, forms tickets, `MachineKey.Protect`,
//! resource URLs, role and anonymous-id cookies, and the State Service session lookup key. Each
//! verdict is **proved with the real formats** (protected with one node's keys, opened with the
//! other's), and each refusal says why, in words an operator acts on: which keys differ (by
//! fingerprint, with the file and line that set each), algorithms, compatibility modes and the
//! setting that made each (`targetFramework` 4.5 vs 4.0 breaks forms and ViewState while
//! `MachineKey.Protect` still works), IsolateApps / IsolateByAppId with different paths or ids,
//! AutoGenerate with per-process keys or different key stores, `aspnet:*` settings, and 2.0-era
//! vs 4.8 session lookup keys. The simulator's diagnosis is the same code.
//!
//! ```sh
//! machinekey compare web1/web.config web2/web.config          # exit 0: every pair reads every kind; 1: not; 2: bad input
//! machinekey compare 'web1/web.config,app=/Shop,reg=web1.reg' 'web2/web.config,app=/Shop,reg=web2.reg,root=web2/root.config'
//! ```
//!
//! A node is a web.config path with optional `name=`, `app=`, `id=`, `framework=2.0|4`,
//! `reg=` (a `.reg` export of `AutoGenKeyV4`; without it AutoGenerate keys are the process's
//! own), and `machine=`, `root=`, `site=` configuration levels (and `ring=` for a Data
//! Protection key ring: [`data_protection`](super::data_protection)). `--json` prints the
//! matrix for tools.
//!
//! # Your own farm, simulated
//!
//! `machinekey simulate --scenario FILE.toml` runs a farm described in a file ([`sim::scenario`]):
//! applications, servers (generation, registry view, application pool size and identity,
//! configuration levels), the balancer, and a timeline of steps whose events are framework
//! installs with or without the ACL bug, `aspnet_regiis -ga`, recycles, crashes, configuration
//! changes and key-store copies. Each step prints failures per kind of state and why the workers
//! disagree; `--json` gives the full report. Three `<machineKey>` scenarios ship in
//! `examples/scenarios/` (two more, for Data Protection, are in
//! [`data_protection`](super::data_protection)): `web-garden.toml` (the seed story: about 2/3
//! after the installer, 0 after each fix), `isolate-apps.toml` (two applications on one
//! identity never read each other's data) and `web-farm.toml`:
//!
//! ```text
//! Web farm: 2 servers, the key in each root web.config
//!
//! step                                              session      forms login        viewstate MachineKey.Protect
//! one key in both root web.config              0/3000    0%     0/3000    0%     0/3000    0%       0/3000    0%
//! web2 patched with a different root key       0/3000    0%  1480/3000   49%  1480/3000   49%    1480/3000   49%
//!     why (16 worker pairs, e.g.): the validationKeys differ: web1/w3wp#1 E557AD49 vs web2/w3wp#1 EF9CCF50
//! ```
//!
//! The simulator runs about 200,000 requests per second on a 2.0-era garden and 162,000 on a
//! 4.x one ([`performance`](super::performance)). What it counts as a lost session is in
//! [`exactness`](super::exactness#what-is-unverified).
//!
//! [`compat::compare`]: crate::compat::compare
//!
// Items behind a feature: linked in place when it is on (docs.rs builds every feature),
// to their docs.rs pages when it is off, so the links resolve either way.
#![cfg_attr(
    feature = "sim",
    doc = "
[`sim::scenarios`]: crate::sim::scenarios
[`sim::scenario`]: crate::sim::scenario"
)]
#![cfg_attr(
    not(feature = "sim"),
    doc = "
[`sim::scenarios`]: https://docs.rs/machinekey/latest/machinekey/sim/scenarios/index.html
[`sim::scenario`]: https://docs.rs/machinekey/latest/machinekey/sim/scenario/index.html"
)]
