#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "audit")]
#[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
pub mod audit;
mod binary;
pub mod config;
pub mod crypto;
mod error;
pub mod formats;
pub mod keys;
pub mod manual;
pub mod random;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub mod sim;

pub use error::{ConfigError, ConfigErrorKind, Encoding, Error};
