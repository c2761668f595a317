#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "audit")]
#[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
pub mod audit;
mod binary;
mod bounded;
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
pub mod random;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub mod sim;

// The front door: what everyday use needs, from the crate root.
pub use config::MachineKeyConfig;
pub use crypto::framework45::Purpose;
pub use error::{ConfigError, ConfigErrorKind, Encoding, Error};
pub use formats::cookie::CookieProtection;
pub use formats::forms_ticket::{Clock, FormsAuthenticationTicket, SystemClock, TicketValidation};
pub use formats::{AppKeys, Page};
pub use keys::{AppIdentity, AutoGenKeys};
