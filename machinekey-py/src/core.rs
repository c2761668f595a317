//! ASP.NET Core Data Protection: key rings, `IDataProtector` purposes, and the Core login
//! cookie.

use std::sync::Arc;

use machinekey::dataprotection::KeyRing as Ring;
use machinekey::formats::auth_cookie::AuthCookie;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::audit::read_source;
use crate::convert::{MAX_DOCUMENT, MAX_VALUE, bytes_arg, serialized, str_arg};
use crate::errors::{OrRaise, invalid};

/// An ASP.NET Core Data Protection key ring (`key-*.xml` files). Immutable and safe to share
/// between threads.
#[pyclass(frozen, module = "machinekey")]
pub(crate) struct KeyRing {
    ring: Arc<Ring>,
}

#[pymethods]
impl KeyRing {
    /// A ring from a key directory, a key file or a `.reg` export.
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let path = crate::convert::path_arg(path)?;
        if !path.exists() {
            return Err(crate::errors::new(
                py,
                crate::errors::Kind::FileError,
                format!("{}: no such file or directory", path.display()),
            ));
        }
        let ring = py.detach(|| Ring::load(&path)).or_raise()?;
        Ok(Self {
            ring: Arc::new(ring),
        })
    }

    /// A ring from the XML of one key file or a repository, named `name` in messages.
    #[staticmethod]
    #[pyo3(signature = (xml, name = "<xml>"))]
    fn from_xml(py: Python<'_>, xml: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        let xml = if xml.hasattr("read")? {
            let (bytes, _) = read_source(py, xml, MAX_DOCUMENT as u64)?;
            String::from_utf8(bytes).map_err(|_| invalid("the key ring is not UTF-8"))?
        } else {
            str_arg(xml, "xml", MAX_DOCUMENT)?
        };
        let ring = Ring::from_xml(&xml, name).or_raise()?;
        Ok(Self {
            ring: Arc::new(ring),
        })
    }

    /// `IDataProtector.Protect` under the purpose chain `purposes`: the payload bytes.
    #[pyo3(signature = (data, *purposes))]
    fn protect<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'_, PyAny>,
        purposes: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let data = bytes_arg(data, "data", MAX_DOCUMENT)?;
        let purposes: Vec<String> = purposes.extract()?;
        let out = py
            .detach(|| {
                self.ring
                    .protector(&purposes)
                    .and_then(|p| p.protect(&data))
            })
            .or_raise()?;
        Ok(PyBytes::new(py, &out))
    }

    /// `IDataProtector.Unprotect`: takes the payload as bytes or Base64url text (`CfDJ8…`).
    /// `KeyNotFound` when the ring lacks the key the payload names, `ValidationFailed` when
    /// it does not validate.
    #[pyo3(signature = (data, *purposes))]
    fn unprotect<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'_, PyAny>,
        purposes: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let purposes: Vec<String> = purposes.extract()?;
        let out = match crate::convert::text_arg(data, "data", MAX_VALUE)? {
            crate::convert::Text::Bytes(b) => {
                py.detach(|| self.ring.protector(&purposes).and_then(|p| p.unprotect(&b)))
            }
            crate::convert::Text::Str(s) => py.detach(|| {
                let bytes = machinekey::crypto::encoding::from_base64url(s.trim())?;
                self.ring
                    .protector(&purposes)
                    .and_then(|p| p.unprotect(&bytes))
            }),
        }
        .or_raise()?;
        Ok(PyBytes::new(py, &out))
    }

    /// Opens an ASP.NET Core login cookie (`.AspNetCore.Cookies`,
    /// `.AspNetCore.Identity.Application`; chunks joined first) of `scheme`, with the
    /// application discriminator when the site sets one: the ticket as a dict.
    #[pyo3(signature = (value, scheme = "Cookies", *, app_name = None))]
    fn decode_cookie<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'_, PyAny>,
        scheme: &str,
        app_name: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = str_arg(value, "value", MAX_VALUE)?;
        let cookie = AuthCookie::core(&self.ring, scheme, app_name).or_raise()?;
        let ticket = py.detach(|| cookie.unprotect(&value)).or_raise()?;
        serialized(py, &ticket)
    }

    /// The keys' ids, creation, activation and expiration dates (no key material).
    #[getter]
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ids: Vec<String> = self
            .ring
            .keys()
            .iter()
            .map(|k| k.id().to_string())
            .collect();
        serialized(py, &ids)
    }

    fn __len__(&self) -> usize {
        self.ring.keys().len()
    }

    fn __repr__(&self) -> String {
        format!("<KeyRing: {} keys>", self.ring.keys().len())
    }
}
