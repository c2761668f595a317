//! The types and traits most programs need, in one `use`.
//!
//! ```
//! use machinekey::prelude::*;
//! let cfg = MachineKeyConfig::builder()
//!     .validation_key(&"AB".repeat(64))
//!     .decryption_key(&"CD".repeat(32))
//!     .validation(ValidationAlgorithm::HmacSha256)
//!     .build()?;
//! let keys = AppKeys::explicit(&cfg)?;
//! let page = Page::from_path("/shop/cart.aspx", "/shop")?;
//! let state = keys.encode_viewstate(b"\xff\x01\x64", &page, ViewStateProtection::Signed)?;
//! assert_eq!(keys.decode_viewstate(&state, &page)?, b"\xff\x01\x64");
//! # Ok::<(), Error>(())
//! ```
//!
//! Dates and spans are the `time` crate's; import them from
//! `machinekey::time` (the prelude leaves them out, so they do not clash with
//! `std::time::Duration`).

pub use crate::clock::{Clock, FixedClock, SystemClock};
pub use crate::config::stack::{ConfigFile, ConfigStack};
pub use crate::config::{
    CompatibilityMode, DecryptionAlgorithm, KeyAttribute, ValidationAlgorithm,
};
pub use crate::dataprotection::{DataProtector, KeyRing};
pub use crate::formats::auth_cookie::{AuthCookie, FormsCookie, LoginCookie, cookie_pairs};
pub use crate::formats::viewstate::ViewStateProtection;
pub use crate::formats::{AppKeys, GeneratorHash, Page};
pub use crate::random::{OsRandom, RandomSource};
pub use crate::{
    AppIdentity, AutoGenKeys, ConfigError, CookieProtection, Error, FormsAuthenticationTicket,
    MachineKeyConfig, Purpose, TicketValidation,
};
