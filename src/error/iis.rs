//! The errors of reading an IIS server's files (`iis`): always the file, and the line (or
//! the SDDL or SID offset) where the input has one. Attribute values that may be secret
//! (passwords) never appear in them.

use super::{ConfigError, FileError, KeyImportError};

/// A server file that could not be read or understood.
///
/// `Clone` (its I/O error is shared) but not `PartialEq` (see [`Error`](crate::Error)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum IisError {
    /// The file could not be read (missing, unreadable, over its size limit, or not text);
    /// the [`FileError`]'s [`source`](std::error::Error::source) is the I/O error.
    #[error(transparent)]
    File(#[from] FileError),
    /// Malformed or unexpected content: XML errors, unknown enum values, missing
    /// attributes or physical paths, unknown metabase properties. `line` is 1-based (0 for
    /// the file as a whole).
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An SDDL string that could not be parsed, with its offset.
    #[error("{file}: {source}")]
    Sddl {
        /// Where the SDDL came from (a file, or `--acl`).
        file: String,
        /// The parse error, with its byte offset.
        #[source]
        source: SddlError,
    },
    /// A registry export whose key-store value could not be read.
    #[error("{file}: {source}")]
    Registry {
        /// The file.
        file: String,
        /// The error, with its line.
        #[source]
        source: KeyImportError,
    },
    /// A rule given on its own (a path mapping `FROM=TO`, an account mapping `ACCOUNT=SID`)
    /// that could not be read.
    #[error("{message}")]
    Rule {
        /// What is wrong, with the rule as given.
        message: String,
    },
    /// A configuration file of the ASP.NET stack that could not be read or resolved.
    #[error("{file}: {source}")]
    Config {
        /// The file (or application) concerned.
        file: String,
        /// The configuration error.
        #[source]
        source: ConfigError,
    },
}

impl IisError {
    pub(crate) fn invalid(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self::Invalid {
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }

    /// The file (or input, such as `--acl`) at fault; `None` for a rule given alone.
    #[must_use]
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::File(e) => Some(e.file()),
            Self::Invalid { file, .. }
            | Self::Sddl { file, .. }
            | Self::Registry { file, .. }
            | Self::Config { file, .. } => Some(file),
            Self::Rule { .. } => None,
        }
    }

    /// The 1-based line at fault, where the input has lines and one is known.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Invalid { line, .. } if *line > 0 => Some(*line),
            Self::Registry { source, .. } if source.line() > 0 => Some(source.line()),
            _ => None,
        }
    }
}

/// SDDL that could not be read: what, and at which byte of the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SDDL offset {offset}: {message}")]
pub struct SddlError {
    /// The byte offset in the SDDL string where the problem is.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// A SID string that could not be read: what, and at which byte of the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {message}")]
pub struct SidError {
    /// The byte offset in the string where the problem is.
    pub offset: usize,
    /// What is wrong.
    pub message: &'static str,
}
