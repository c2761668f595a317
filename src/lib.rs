#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

pub mod audit;
mod binary;
pub mod config;
pub mod crypto;
mod error;
pub mod formats;
pub mod keys;
pub mod manual;
pub mod random;
pub mod sim;

pub use error::{ConfigError, ConfigErrorKind, Encoding, Error};
