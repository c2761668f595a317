//! A file that could not be read or written: which, and why.

use core::fmt;
use std::io;
use std::sync::Arc;

/// A file that could not be read or written: which file, and the I/O error, the size limit
/// it is over, or why its bytes are not text. The I/O error is its
/// [`source`](std::error::Error::source), so `NotFound` and the other kinds can be matched:
///
/// ```
/// use machinekey::config::stack::ConfigFile;
/// use machinekey::config::ConfigErrorKind;
/// let err = ConfigFile::read("no/such/web.config".as_ref()).unwrap_err();
/// let ConfigErrorKind::File(file) = err.kind() else { panic!("{err}") };
/// assert_eq!(file.io_error().map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
/// assert_eq!(file.file(), "no/such/web.config");
/// ```
#[derive(Debug, Clone)]
pub struct FileError {
    file: String,
    problem: FileProblem,
}

/// What is wrong with a file ([`FileError`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FileProblem {
    /// The I/O error (shared, so the error stays `Clone`).
    Io(Arc<io::Error>),
    /// The file is larger than the crate reads of its kind.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The bytes are not text in an encoding the file may have (UTF-8, or UTF-16 with a
    /// byte-order mark).
    NotText {
        /// Why, in words.
        reason: &'static str,
    },
}

impl FileError {
    pub(crate) fn io(file: &str, error: io::Error) -> Self {
        Self {
            file: file.to_owned(),
            problem: FileProblem::Io(Arc::new(error)),
        }
    }

    pub(crate) fn too_large(file: &str, limit: u64) -> Self {
        Self {
            file: file.to_owned(),
            problem: FileProblem::TooLarge { limit },
        }
    }

    pub(crate) fn not_text(file: &str, reason: &'static str) -> Self {
        Self {
            file: file.to_owned(),
            problem: FileProblem::NotText { reason },
        }
    }

    /// The file: its path, or the name it was given.
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What is wrong.
    #[must_use]
    pub fn problem(&self) -> &FileProblem {
        &self.problem
    }

    /// The I/O error, when the problem is one.
    #[must_use]
    pub fn io_error(&self) -> Option<&io::Error> {
        match &self.problem {
            FileProblem::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => fmt::Display::fmt(e, f),
            Self::TooLarge { limit } if limit % (1 << 20) == 0 => {
                write!(f, "larger than the {} MiB limit", limit >> 20)
            }
            Self::TooLarge { limit } => write!(f, "larger than the {limit}-byte limit"),
            Self::NotText { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            FileProblem::Io(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
