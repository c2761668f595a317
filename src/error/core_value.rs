//! The errors of decoding what ASP.NET Core's consumers put in their Data Protection
//! payloads (`formats::aspnetcore`).

use super::TicketError;

/// Why bytes are not the value a consumer writes, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}, at byte {offset}: {reason}")]
pub struct ValueError {
    what: &'static str,
    offset: usize,
    reason: &'static str,
}

impl ValueError {
    pub(crate) fn new(what: &'static str, offset: usize, reason: &'static str) -> Self {
        Self {
            what,
            offset,
            reason,
        }
    }

    /// What was being read (`antiforgery token`, `Identity token`, …).
    #[must_use]
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The byte offset at fault.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Why a consumer's plaintext could not be decoded
/// ([`CoreValue::decode`](crate::formats::aspnetcore::CoreValue::decode)); it converts into
/// [`Error::Ticket`](crate::Error::Ticket) or [`Error::CoreValue`](crate::Error::CoreValue).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not the ticket or properties layout.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// Not the consumer's layout.
    #[error(transparent)]
    Value(#[from] ValueError),
}
