//! A scenario file that could not be read or run.

use core::fmt;

use super::{Error, FileError};

/// A scenario file that could not be read or run, with where in the file (1-based line and
/// column) when the mistake is in its text. When it comes from the crate's own error (a
/// configuration a server of the scenario cannot use, a file that cannot be read), that
/// error is its [`source`](std::error::Error::source).
#[derive(Debug, Clone)]
pub struct ScenarioError {
    /// What is wrong.
    pub message: String,
    /// Line and column, when known.
    pub location: Option<(usize, usize)>,
    cause: Option<Box<Error>>,
}

impl ScenarioError {
    /// A mistake, anywhere in the file.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            location: None,
            cause: None,
        }
    }

    /// A mistake at byte `offset` of `text`.
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            location: Some(line_column(text, offset)),
            cause: None,
        }
    }

    /// A mistake at byte `offset` of `text` when the offset is known.
    pub(crate) fn located(text: &str, offset: Option<usize>, message: impl Into<String>) -> Self {
        match offset {
            Some(offset) => Self::at(text, offset, message),
            None => Self::new(message),
        }
    }

    /// The crate's error that stopped the scenario, if that is what this is.
    #[must_use]
    pub fn cause(&self) -> Option<&Error> {
        self.cause.as_deref()
    }
}

/// The 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, column)
}

impl From<Error> for ScenarioError {
    fn from(e: Error) -> Self {
        Self {
            message: e.to_string(),
            location: None,
            cause: Some(Box::new(e)),
        }
    }
}

impl From<FileError> for ScenarioError {
    fn from(e: FileError) -> Self {
        Error::File(e).into()
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.location {
            write!(f, "line {line}, column {column}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
