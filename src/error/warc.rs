//! A WARC record that could not be read.

use core::fmt;

use serde::Serialize;

/// A malformed or truncated WARC record, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WarcError {
    /// The file (or `-`) and, when known, the record's `WARC-Target-URI`.
    pub source: String,
    /// The byte offset in the (decompressed) stream where the record starts.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for WarcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, record at byte {}: {}",
            self.source, self.offset, self.message
        )
    }
}

impl std::error::Error for WarcError {}
