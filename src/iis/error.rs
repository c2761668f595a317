//! The errors of reading a server's files: always the file, and the line (or the SDDL
//! offset) where the input has one. Attribute values that may be secret (passwords) never
//! appear in them.

use super::sddl::SddlError;
use crate::error::ConfigError;
use crate::keys::KeyImportError;

/// A server file that could not be read or understood.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IisError {
    /// The file could not be read (missing, unreadable, or over its size limit).
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
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

    pub(crate) fn io(file: &str, source: std::io::Error) -> Self {
        Self::Io {
            file: file.to_owned(),
            source,
        }
    }

    /// The file (or input) at fault.
    #[must_use]
    pub fn file(&self) -> &str {
        match self {
            Self::Io { file, .. }
            | Self::Invalid { file, .. }
            | Self::Sddl { file, .. }
            | Self::Registry { file, .. }
            | Self::Config { file, .. } => file,
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
