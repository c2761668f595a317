//! The errors of gathering what ASP.NET Core replicas hold (`compat::diagnose`).

use super::{Error, FileError};

/// A log or key ring that could not be read.
///
/// `Clone` (its I/O error is shared) but not `PartialEq` (see [`Error`](crate::Error)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnoseError {
    /// A log could not be opened or read; the [`FileError`] names it (its
    /// [`source`](std::error::Error::source) is the I/O error).
    #[error(transparent)]
    Log(#[from] FileError),
    /// A key ring could not be read.
    #[error("key ring {path}: {error}")]
    KeyRing {
        /// The ring's directory or file.
        path: String,
        /// Why ([`Error::KeyRing`], [`Error::File`], ...).
        #[source]
        error: Box<Error>,
    },
}
