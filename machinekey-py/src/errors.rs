//! The exception hierarchy, and how the library's errors map onto it.
//!
//! `machinekey.Error` is the base of every exception the package raises on its own; a few
//! subclasses name what callers act on, each also deriving from the standard class code
//! already catches (`InvalidInput` is a `ValueError`, `KeyNotFound` a `LookupError`,
//! `FileError` an `OSError`). Messages are the library's, which never carry key bytes or
//! cookie values.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// The classes, made once when the module is imported.
struct Classes {
    error: Py<PyType>,
    invalid_input: Py<PyType>,
    validation_failed: Py<PyType>,
    key_not_found: Py<PyType>,
    expired: Py<PyType>,
    file_error: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// Which exception.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// `machinekey.Error`.
    Error,
    /// `machinekey.InvalidInput` (also a `ValueError`).
    InvalidInput,
    /// `machinekey.ValidationFailed`.
    ValidationFailed,
    /// `machinekey.KeyNotFound` (also a `LookupError`).
    KeyNotFound,
    /// `machinekey.Expired`.
    Expired,
    /// `machinekey.FileError` (also an `OSError`).
    FileError,
}

fn make<'py>(
    py: Python<'py>,
    name: &str,
    bases: Bound<'py, PyTuple>,
    doc: &str,
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("__module__", "machinekey")?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class.unbind())
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let builtins = PyModule::import(py, "builtins")?;
        let base = |name: &str| builtins.getattr(name);
        let error = make(
            py,
            "Error",
            PyTuple::new(py, [base("Exception")?])?,
            "Base class of every error machinekey raises (arguments of the wrong type raise TypeError).",
        )?;
        let sub = |name: &str, std: Option<&str>, doc: &str| -> PyResult<Py<PyType>> {
            let mut bases = vec![error.bind(py).clone().into_any()];
            if let Some(s) = std {
                bases.push(base(s)?);
            }
            make(py, name, PyTuple::new(py, bases)?, doc)
        };
        Ok(Classes {
            invalid_input: sub(
                "InvalidInput",
                Some("ValueError"),
                "The input cannot be read: malformed Base64, hex or XML, a bad generator, an argument ASP.NET would reject, a value over the size limit.",
            )?,
            validation_failed: sub(
                "ValidationFailed",
                None,
                "The value does not validate under these keys and purposes (one opaque error whatever went wrong: wrong key or purpose, tampered data, bad padding).",
            )?,
            key_not_found: sub(
                "KeyNotFound",
                Some("LookupError"),
                "The key a Data Protection value names is not in the key ring given.",
            )?,
            expired: sub(
                "Expired",
                None,
                "A ticket or time-limited payload validated but has expired.",
            )?,
            file_error: sub(
                "FileError",
                Some("OSError"),
                "A file could not be read.",
            )?,
            error,
        })
    })
}

/// Adds the classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let c = classes(m.py())?;
    m.add("Error", c.error.bind(m.py()))?;
    m.add("InvalidInput", c.invalid_input.bind(m.py()))?;
    m.add("ValidationFailed", c.validation_failed.bind(m.py()))?;
    m.add("KeyNotFound", c.key_not_found.bind(m.py()))?;
    m.add("Expired", c.expired.bind(m.py()))?;
    m.add("FileError", c.file_error.bind(m.py()))?;
    Ok(())
}

/// An exception of `kind` with `message`.
pub(crate) fn new(py: Python<'_>, kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    let Ok(c) = classes(py) else {
        return pyo3::exceptions::PyRuntimeError::new_err(message);
    };
    let class = match kind {
        Kind::Error => &c.error,
        Kind::InvalidInput => &c.invalid_input,
        Kind::ValidationFailed => &c.validation_failed,
        Kind::KeyNotFound => &c.key_not_found,
        Kind::Expired => &c.expired,
        Kind::FileError => &c.file_error,
    };
    PyErr::from_type(class.bind(py).clone(), (message,))
}

/// An `InvalidInput` with `message`.
pub(crate) fn invalid(message: impl Into<String>) -> PyErr {
    Python::attach(|py| new(py, Kind::InvalidInput, message))
}

/// The library's error as the exception a caller catches.
pub(crate) fn to_py(e: machinekey::Error) -> PyErr {
    use machinekey::Error as E;
    use machinekey::config::ConfigErrorKind;
    let kind = match &e {
        E::Unprotect => Kind::ValidationFailed,
        E::KeyNotFound(_) => Kind::KeyNotFound,
        E::TicketExpired | E::PayloadExpired { .. } => Kind::Expired,
        E::File(_) => Kind::FileError,
        E::Config(c) if matches!(c.kind(), ConfigErrorKind::File(_)) => Kind::FileError,
        E::Malformed(_)
        | E::InvalidArgument(_)
        | E::TooLong { .. }
        | E::Config(_)
        | E::Osf(_)
        | E::Nrbf(_)
        | E::Ticket(_)
        | E::CoreValue(_)
        | E::PayloadHeader(_)
        | E::KeyRing(_)
        | E::Batch(_)
        | E::DataProtectionList(_)
        | E::StringHash(_) => Kind::InvalidInput,
        _ => Kind::Error,
    };
    Python::attach(|py| new(py, kind, e.to_string()))
}

/// Shorthand for `map_err(to_py)`.
pub(crate) trait OrRaise<T> {
    /// The result with the library's error as a Python exception.
    fn or_raise(self) -> PyResult<T>;
}

impl<T, E: Into<machinekey::Error>> OrRaise<T> for Result<T, E> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(|e| to_py(e.into()))
    }
}
