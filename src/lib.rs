#![doc = include_str!("../README.md")]
//!
//! # Rules of the API
//!
//! * **Time** is the [`time`] crate's, re-exported as `machinekey::time`: instants are
//!   `OffsetDateTime` (UTC), spans `time::Duration`. A call that happens once takes its
//!   `now`; a value that decides by the time later asks a [`Clock`]. .NET ticks and
//!   `FILETIME`s are conversions in [`clock`], nowhere else.
//! * **Errors** are one [`Error`] with a variant for each condition a caller acts on; the
//!   parse errors of every format convert into it; every unprotect failure is the one opaque
//!   [`Error::Unprotect`]. See the [`Error`] docs for why it is `Clone` and not `PartialEq`.
//! * **Enums.** The crate's own vocabularies (kinds, codes, reasons, errors, findings) are
//!   `#[non_exhaustive]`: they grow. Enums that mirror an enum or attribute of the .NET
//!   Framework, frozen since 4.8, are exhaustive, so a `match` over them needs no wildcard:
//!   [`ValidationAlgorithm`](config::ValidationAlgorithm),
//!   [`DecryptionAlgorithm`](config::DecryptionAlgorithm),
//!   [`SymmetricAlgorithm`](config::SymmetricAlgorithm),
//!   [`CompatibilityMode`](config::CompatibilityMode), [`KeyAttribute`](config::KeyAttribute),
//!   [`MachineKeyAttribute`](config::MachineKeyAttribute), [`CookieProtection`],
//!   [`CookieMode`](config::stack::CookieMode),
//!   [`TicketCompatibilityMode`](config::stack::TicketCompatibilityMode),
//!   [`ViewStateEncryptionMode`](config::stack::ViewStateEncryptionMode),
//!   [`MachineKeyProtection`](crypto::legacy::MachineKeyProtection),
//!   [`IvType`](crypto::legacy::IvType), [`DateTimeKind`](formats::osf::DateTimeKind), and
//!   the two-valued choices that replace `bool` arguments
//!   ([`ViewStateProtection`](formats::viewstate::ViewStateProtection),
//!   [`GeneratorHash`](formats::GeneratorHash),
//!   [`RevokedKeys`](dataprotection::RevokedKeys)). Lists of every value (`ALL`) are slices,
//!   so a new value is no breaking change. Every enum whose name users see has `as_str()`
//!   and `Display`, giving the same text.
//! * **Structs** the crate hands out (findings, reports, verdicts, origins, results) are
//!   `#[non_exhaustive]`; structs a caller builds to hand in (a forms ticket, a session's
//!   data, explicit keys, settings) are not.
//! * **Arguments.** Content comes before the name it is known by:
//!   `KeyRing::from_xml(xml, "ring.xml")`, `ConfigFile::from_text(text, "web.config")`,
//!   `KeyList::load(text, "keys.txt")`. A constructor returns `Result` exactly when it checks
//!   an argument the way ASP.NET would reject it (`AppIdentity::new`, `Page::from_path`,
//!   `AuthCookie::owin`); one that takes any value returns `Self` (`Page::new`,
//!   `Node::new`).
//! * **Secrets** are types: keys and key text are zeroized on drop, compared in constant
//!   time, and redacted in `Debug` (a known-key list's pairs too).
//! * **One `use`.** The everyday types are at the root and in [`prelude`].
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "audit")]
#[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
pub mod audit;
mod binary;
mod bounded;
pub mod clock;
pub mod compat;
pub mod config;
pub mod crypto;
pub mod dataprotection;
mod error;
pub mod events;
pub mod formats;
pub mod iis;
pub mod keys;
pub mod manual;
mod names;
pub mod prelude;
pub mod random;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub mod sim;
mod vocabulary;
mod xml_lines;

// The front door: what everyday use needs, from the crate root.
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::MachineKeyConfig;
pub use crypto::framework45::Purpose;
pub use error::{
    ArgumentError, ConfigError, ConfigErrorKind, Encoding, Error, FileError, FileProblem,
    UnusableKey,
};
pub use formats::cookie::CookieProtection;
pub use formats::forms_ticket::{FormsAuthenticationTicket, TicketValidation};
pub use formats::{AppKeys, Page};
pub use keys::{AppIdentity, AutoGenKeys};
/// The date and time types of the API (`OffsetDateTime`, `Duration`), re-exported so a
/// caller names the same `time` version as the crate (as `cookie` does).
pub use time;
