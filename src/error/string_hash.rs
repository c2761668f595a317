//! A .NET string hash the crate cannot compute offline.

use core::fmt;

/// A string whose hash cannot be computed offline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct StringHashError {
    pub(crate) text: String,
    pub(crate) character: char,
    pub(crate) position: usize,
}

impl StringHashError {
    /// The string.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first character the crate cannot weigh.
    #[must_use]
    pub fn character(&self) -> char {
        self.character
    }

    /// Its position, in characters.
    #[must_use]
    pub fn position(&self) -> usize {
        self.position
    }
}

impl fmt::Display for StringHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot compute the .NET hash of {:?}: character {:?} (U+{:04X}) at position {} has no known sort weight; supply the 32-bit value instead, which PowerShell prints on Windows with [StringComparer]::InvariantCultureIgnoreCase.GetHashCode('{}')",
            self.text,
            self.character,
            u32::from(self.character),
            self.position,
            self.text.replace('\'', "''"),
        )
    }
}
