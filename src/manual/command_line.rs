//! The `machinekey` command and its local decoder page.
//!
//! The command is a thin shell over this library, in a crate of its own (`machinekey-cli`) so
//! a library build never compiles clap, axum or tokio:
//!
//! ```sh
//! cargo install machinekey-cli               # installs the `machinekey` command
//! cargo run -p machinekey-cli -- <command>   # the same, in a checkout of the workspace
//! ```
//!
//! Its reference (where keys come from, the text forms every value is accepted in, the limits
//! on what it reads, text and JSON output, exit codes, every command) is the `machinekey-cli`
//! crate's README: <https://crates.io/crates/machinekey-cli>, `machinekey-cli/README.md` in
//! the repository. In short: a protected value is accepted as users copy it (hex, Base64,
//! Base64url, `UrlToken`, percent-encoded, `-` for standard input, `@FILE`); `--json` prints
//! JSON, errors included; the exit code is 0 on success, 1 when a value does not validate, a
//! ticket has expired, no key is found or `config --strict` found a warning, and 2 on usage,
//! configuration and input errors.
//!
//! The commands of each task are shown with the task:
//!
//! | commands | chapter |
//! |---|---|
//! | `generate`, `config`, the configuration levels | [`configuration`](super::configuration) |
//! | `viewstate`, `eventvalidation`, `ticket`, `resource`, `protect`, `unprotect`, `encode`, `decode` | [`getting_started`](super::getting_started), the reference |
//! | `compare`, `simulate` | [`farms`](super::farms) |
//! | `dataprotection keys`, `protect`, `unprotect`; `--key-ring` | [`data_protection`](super::data_protection) |
//! | `ticket decode`, `audit --owin-cookie` | [`login_cookies`](super::login_cookies) |
//! | `viewstate decode --tree`, `viewstate inspect` | [`inside_viewstate`](super::inside_viewstate) |
//! | `audit`, `carve`, `audit --batch` | [`known_keys`](super::known_keys) |
//! | `spark/audit_job.py` over `carve` and `audit --batch` | [`spark`](super::spark) |
//! | `ui` | below |
//!
//! # The local decoder page
//!
//! `machinekey ui` serves a page on `127.0.0.1` (port 8421 unless `--port` says otherwise)
//! where you paste a ViewState, EventValidation, forms cookie, `CfDJ8` value, or one or two
//! web.configs, optionally with keys and the page URL, and see the tree, the MAC verdict, which
//! publicly known key (if any) protects the value, a ticket's fields, or the `compare` matrix.
//! Nothing leaves the machine: the server binds a loopback address only and answers only a
//! loopback `Host`, takes JSON only, and its Content-Security-Policy lets the page load nothing
//! but itself; nothing typed into the page is logged. `checks/browser/run.sh` (run by CI) tests
//! it in headless Chromium driven by Playwright: it pastes real ViewStates with their keys and
//! checks the tree and verdict on screen, a tampered value's refusal, the known-key search, a
//! ysoserial payload's gadget, the compare matrix, and that the page made no request outside
//! `127.0.0.1`. A screenshot, the tree of a verified Framework45 ViewState, is `docs/ui.png` in
//! the repository, shown in the `machinekey-cli` README.
