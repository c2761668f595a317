//! Conversions at the boundary: the library's serde shapes as Python objects, and the
//! arguments Python hands in (text or bytes, paths), each checked and bounded.

use std::path::PathBuf;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use serde::Serialize;
use serde_json::Value;

use crate::errors::invalid;

/// The longest value (a ViewState, a cookie, a token) accepted: 16 MiB, as the CLI's batch
/// lines. Longer input raises `InvalidInput` before any work.
pub(crate) const MAX_VALUE: usize = 16 << 20;

/// The longest document (a page, an HTTP response, a web.config) accepted: 64 MiB.
pub(crate) const MAX_DOCUMENT: usize = 64 << 20;

/// A JSON value as the Python object `json.loads` would give.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)?
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)?
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_python(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Anything the library serializes, as Python objects (dicts, lists, str, int, bool, None).
pub(crate) fn serialized<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| crate::errors::new(py, crate::errors::Kind::Error, e.to_string()))?;
    to_python(py, &json)
}

/// A protected value as Python gives it: text in any form the library reads (Base64,
/// Base64url, UrlToken, hex, percent-encoded), or the raw bytes.
#[derive(Debug)]
pub(crate) enum Text {
    /// Text, as given.
    Str(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
}

impl Text {
    /// The value as text: bytes are written as standard Base64, which every reader takes.
    pub(crate) fn into_text(self) -> String {
        match self {
            Self::Str(s) => s,
            Self::Bytes(b) => machinekey::crypto::encoding::to_base64(&b),
        }
    }
}

/// Reads a `str | bytes` argument of at most `limit` bytes.
pub(crate) fn text_arg(value: &Bound<'_, PyAny>, what: &str, limit: usize) -> PyResult<Text> {
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_cow()?;
        check_len(s.len(), what, limit)?;
        return Ok(Text::Str(s.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        let b = b.as_bytes();
        check_len(b.len(), what, limit)?;
        return Ok(Text::Bytes(b.to_vec()));
    }
    if let Ok(b) = value.extract::<Vec<u8>>() {
        check_len(b.len(), what, limit)?;
        return Ok(Text::Bytes(b));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        value.get_type().name()?
    )))
}

/// Reads a `str` argument of at most `limit` bytes (bytes are taken as UTF-8).
pub(crate) fn str_arg(value: &Bound<'_, PyAny>, what: &str, limit: usize) -> PyResult<String> {
    match text_arg(value, what, limit)? {
        Text::Str(s) => Ok(s),
        Text::Bytes(b) => String::from_utf8(b).map_err(|_| invalid(format!("{what} is not UTF-8"))),
    }
}

/// Reads a `bytes`-like argument (bytes, bytearray, memoryview; str as UTF-8).
pub(crate) fn bytes_arg(value: &Bound<'_, PyAny>, what: &str, limit: usize) -> PyResult<Vec<u8>> {
    match text_arg(value, what, limit)? {
        Text::Str(s) => Ok(s.into_bytes()),
        Text::Bytes(b) => Ok(b),
    }
}

fn check_len(len: usize, what: &str, limit: usize) -> PyResult<()> {
    if len > limit {
        return Err(invalid(format!(
            "{what} is {len} bytes, over the limit of {limit}"
        )));
    }
    Ok(())
}

/// A path argument: `str` or any `os.PathLike`.
pub(crate) fn path_arg(value: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    value.extract::<PathBuf>()
}

/// A list of strings from any iterable of `str` (a lone `str` is one item, not its
/// characters).
pub(crate) fn strings_arg(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if value.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        out.push(str_arg(&item, what, MAX_VALUE)?);
    }
    Ok(out)
}
