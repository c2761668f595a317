//! A Data Protection key ring that could not be read.

use core::fmt;

use super::FileError;
use crate::vocabulary::KeyId;

/// A key ring that could not be read: which file, registry value or text (its origin), and
/// what is wrong ([`kind`](Self::kind)). Never holds key bytes.
///
/// # Example
/// ```
/// use machinekey::dataprotection::{KeyRing, KeyRingErrorKind};
/// let err = KeyRing::from_xml("<key", "ring.xml").unwrap_err();
/// let machinekey::Error::KeyRing(e) = err else { panic!("{err}") };
/// assert_eq!(e.origin(), "ring.xml");
/// assert!(matches!(e.kind(), KeyRingErrorKind::Xml { .. }));
/// ```
#[derive(Debug, Clone)]
pub struct KeyRingError {
    origin: String,
    kind: KeyRingErrorKind,
}

/// What is wrong with a key ring ([`KeyRingError`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeyRingErrorKind {
    /// A file or directory could not be read; the I/O error is the
    /// [`source`](std::error::Error::source).
    File(FileError),
    /// A directory holds more key files than the crate reads.
    TooManyFiles {
        /// The limit.
        limit: usize,
    },
    /// The text is not well-formed XML.
    Xml {
        /// The parser's message.
        message: String,
    },
    /// The element read as one key is not a `<key>`.
    NotAKey,
    /// A `<key>` element read on its own cannot be used.
    InvalidKey {
        /// Why, in words.
        reason: String,
    },
    /// A `<revocation>` element cannot be read.
    InvalidRevocation {
        /// Why, in words.
        reason: String,
    },
    /// The text is not a registry export, or holds no usable value.
    RegistryExport {
        /// Why, in words.
        reason: String,
    },
    /// Two keys with one id ("The key {…} already exists in the keyring.").
    DuplicateKey(KeyId),
}

impl KeyRingError {
    pub(crate) fn new(origin: &str, kind: KeyRingErrorKind) -> Self {
        Self {
            origin: origin.to_owned(),
            kind,
        }
    }

    /// The file, registry value or text the error is in.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &KeyRingErrorKind {
        &self.kind
    }
}

impl fmt::Display for KeyRingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.kind)
    }
}

impl fmt::Display for KeyRingErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(e) => fmt::Display::fmt(e.problem(), f),
            Self::TooManyFiles { limit } => write!(f, "more than {limit} key files"),
            Self::Xml { message } => write!(f, "not well-formed XML: {message}"),
            Self::NotAKey => f.write_str("not a <key> element"),
            Self::InvalidKey { reason } => f.write_str(reason),
            Self::InvalidRevocation { reason } => write!(f, "revocation: {reason}"),
            Self::RegistryExport { reason } => f.write_str(reason),
            Self::DuplicateKey(id) => {
                write!(f, "the key {} already exists in the keyring", id.braced())
            }
        }
    }
}

impl std::error::Error for KeyRingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            KeyRingErrorKind::File(e) => Some(e),
            _ => None,
        }
    }
}
