//! Bytes that are not an OWIN or ASP.NET Core authentication ticket.

use core::fmt;

/// Why bytes are not a ticket, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TicketError {
    offset: usize,
    reason: &'static str,
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "authentication ticket, at byte {}: {}",
            self.offset, self.reason
        )
    }
}

impl TicketError {
    pub(crate) fn new(offset: usize, reason: &'static str) -> Self {
        Self { offset, reason }
    }

    /// The byte offset of the field at fault (in the decompressed bytes for Katana).
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
