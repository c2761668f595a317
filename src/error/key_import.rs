//! Auto-generated key material that could not be imported.

/// A key-material file could not be read: where (1-based line; 0 for the file as a whole)
/// and why. Never contains key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct KeyImportError {
    line: usize,
    message: String,
}

impl KeyImportError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }

    /// The 1-based line at fault (0 when the file as a whole is at fault).
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}
