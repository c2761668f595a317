//! HMAC keyed once; each call clones the keyed state, so the inner and outer pad
//! computations are done once per key, not once per message.

// The audit's fast paths: pad states keyed once per key, messages laid out once per blob.
#[cfg(feature = "audit")]
mod padded;
#[cfg(feature = "audit")]
mod prepared;

#[cfg(feature = "audit")]
pub(crate) use padded::{Md32, PadStates, PaddedMessage, SHA1, SHA256};
#[cfg(feature = "audit")]
pub(crate) use prepared::{HmacState, PreparedMessage, hmac_state};

use hmac::{Hmac, KeyInit, Mac};

use crate::config::ValidationAlgorithm;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

/// The hash of an HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HmacHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HmacHash {
    /// The HMAC a `validation` value MACs with, in both stacks: `SHA1` and the legacy
    /// `AES`/`3DES` validation use HMAC-SHA1 (the one place this mapping is written);
    /// `None` for MD5, which is not an HMAC.
    pub(crate) const fn for_validation(validation: ValidationAlgorithm) -> Option<Self> {
        match validation {
            ValidationAlgorithm::Md5 => None,
            ValidationAlgorithm::Sha1
            | ValidationAlgorithm::Aes
            | ValidationAlgorithm::TripleDes => Some(Self::Sha1),
            ValidationAlgorithm::HmacSha256 => Some(Self::Sha256),
            ValidationAlgorithm::HmacSha384 => Some(Self::Sha384),
            ValidationAlgorithm::HmacSha512 => Some(Self::Sha512),
        }
    }
}

/// An HMAC key with its pad states computed (RFC 2104: keys longer than the block are
/// hashed first, as .NET's managed `HMAC` classes do).
#[derive(Clone)]
pub(crate) enum KeyedHmac {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

impl core::fmt::Debug for KeyedHmac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeyedHmac([redacted])")
    }
}

fn keyed<M: KeyInit>(key: &[u8]) -> Option<M> {
    <M as KeyInit>::new_from_slice(key).ok()
}

fn run<M: Mac + Clone>(m: &M, parts: &[&[u8]]) -> Vec<u8> {
    let mut m = m.clone();
    for part in parts {
        m.update(part);
    }
    m.finalize().into_bytes().to_vec()
}

fn check<M: Mac + Clone>(m: &M, parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut m = m.clone();
    for part in parts {
        m.update(part);
    }
    m.verify_slice(tag).is_ok()
}

impl KeyedHmac {
    /// Keys an HMAC. `None` only if the MAC rejects the key, which HMAC never does.
    pub(crate) fn new(hash: HmacHash, key: &[u8]) -> Option<Self> {
        Some(match hash {
            HmacHash::Sha1 => Self::Sha1(keyed(key)?),
            HmacHash::Sha256 => Self::Sha256(keyed(key)?),
            HmacHash::Sha384 => Self::Sha384(keyed(key)?),
            HmacHash::Sha512 => Self::Sha512(keyed(key)?),
        })
    }

    /// The tag length in bytes.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Sha1(_) => 20,
            Self::Sha256(_) => 32,
            Self::Sha384(_) => 48,
            Self::Sha512(_) => 64,
        }
    }

    /// HMAC over the concatenation of `parts`.
    pub(crate) fn compute(&self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Self::Sha1(m) => run(m, parts),
            Self::Sha256(m) => run(m, parts),
            Self::Sha384(m) => run(m, parts),
            Self::Sha512(m) => run(m, parts),
        }
    }

    /// Constant-time check of `tag` against the HMAC over `parts` (`Mac::verify_slice`).
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        match self {
            Self::Sha1(m) => check(m, parts, tag),
            Self::Sha256(m) => check(m, parts, tag),
            Self::Sha384(m) => check(m, parts, tag),
            Self::Sha512(m) => check(m, parts, tag),
        }
    }
}
