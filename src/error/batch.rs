//! A batch line that could not be audited.

use serde::Serialize;

use crate::names::names;

/// Why a batch line was not audited: a stable code for tools, and the details in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("line not audited ({code}): {message}")]
#[non_exhaustive]
pub struct BatchError {
    /// What kind of problem.
    pub code: BatchErrorCode,
    /// What is wrong.
    pub message: String,
}

/// The kinds of [`BatchError`] (`snake_case` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BatchErrorCode {
    /// The line is not a JSON object of the batch format, or names more than one value.
    MalformedLine,
    /// The line names no value to audit.
    NoValue,
    /// The value is in no text form a protected value is copied in.
    MalformedValue,
    /// The `generator` is not 8 hex digits.
    BadGenerator,
}

names!(BatchErrorCode, "The code as JSON writes it.", {
    MalformedLine => "malformed_line",
    NoValue => "no_value",
    MalformedValue => "malformed_value",
    BadGenerator => "bad_generator",
});
