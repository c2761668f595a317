//! The errors of reading Blazor's protected values (`audit::blazor`).

/// What a Blazor value's plaintext is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlazorError {
    /// The plaintext is not JSON of the expected shape.
    #[error("not a Blazor {what}: {why}")]
    Shape {
        /// `component descriptor` or `persisted state`.
        what: &'static str,
        /// What is wrong.
        why: String,
    },
    /// A time-limited payload shorter than its 8-byte expiry.
    #[error("a time-limited payload shorter than its expiry")]
    NoExpiry,
}
