//! Bytes that are not a `BinaryFormatter` stream.

/// Why a stream could not be read to its end, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("BinaryFormatter data, at byte {offset}: {reason}")]
pub struct NrbfError {
    pub(crate) offset: usize,
    pub(crate) reason: &'static str,
}

impl NrbfError {
    /// The byte offset (from the stream header) of the record or field at fault.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong, in words.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}
