//! The errors of reading a list of published Data Protection keys
//! (`audit::data_protection`).

use super::FileError;

/// Why a list of published Data Protection keys could not be read.
///
/// `Clone` (its I/O error is shared) but not `PartialEq` (see [`Error`](crate::Error)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DataProtectionListError {
    /// The file could not be read, or is larger than the limit
    /// ([`MAX_LIST_FILE`](crate::audit::data_protection::MAX_LIST_FILE)); the
    /// [`FileError`]'s [`source`](std::error::Error::source) is the I/O error.
    #[error(transparent)]
    File(#[from] FileError),
    /// The text is not JSON of the list's shape (`{"keys": [...]}` or `[...]`).
    #[error("{name}:{line}:{column}: not a list of published Data Protection keys: {message}")]
    Json {
        /// The list's name (its path).
        name: String,
        /// The 1-based line of the mistake.
        line: usize,
        /// The 1-based column of the mistake.
        column: usize,
        /// The JSON reader's message.
        message: String,
    },
    /// More entries than a list may hold
    /// ([`MAX_ENTRIES`](crate::audit::data_protection::MAX_ENTRIES)).
    #[error("{name}: more than {limit} entries")]
    TooManyEntries {
        /// The list's name.
        name: String,
        /// The limit.
        limit: usize,
    },
}
