//! One application's `<machineKey>`: `MachineKey.Protect`/`Unprotect` and `Encode`/`Decode`,
//! ViewState and EventValidation, forms tickets, resource URLs and OWIN cookies, each the
//! library's call with the GIL released.

use machinekey::config::{CompatibilityMode, DecryptionAlgorithm, ValidationAlgorithm};
use machinekey::crypto::encoding::{decode_value, to_upper_hex};
use machinekey::crypto::legacy::MachineKeyProtection;
use machinekey::formats::auth_cookie::AuthCookie;
use machinekey::formats::nrbf::gadgets;
use machinekey::formats::osf;
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::viewstate::ViewStateProtection;
use machinekey::time::{Duration, OffsetDateTime};
use machinekey::{
    AppIdentity, AppKeys, CookieProtection, FormsAuthenticationTicket, MachineKeyConfig, Page,
    TicketValidation,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use serde_json::Value;

use crate::audit::{generator_arg, read_source};
use crate::convert::{MAX_DOCUMENT, MAX_VALUE, bytes_arg, serialized, str_arg, to_python};
use crate::errors::{OrRaise, invalid};

/// One application's keys, as ASP.NET resolves them from a `<machineKey>` (IsolateApps
/// and the compatibility mode included). Immutable and safe to share between threads.
#[pyclass(frozen, module = "machinekey")]
pub(crate) struct MachineKey {
    keys: AppKeys,
}

fn parse_named<T: Copy>(
    all: &[T],
    name: &str,
    what: &str,
    as_str: fn(&T) -> &'static str,
) -> PyResult<T> {
    all.iter()
        .copied()
        .find(|v| as_str(v).eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            invalid(format!(
                "unknown {what} {name:?}: {}",
                all.iter().map(as_str).collect::<Vec<_>>().join(", ")
            ))
        })
}

fn cookie_protection(name: &str) -> PyResult<CookieProtection> {
    parse_named(CookieProtection::ALL, name, "protection", |p| p.as_str())
}

fn machine_key_protection(name: &str) -> PyResult<MachineKeyProtection> {
    parse_named(
        &[
            MachineKeyProtection::All,
            MachineKeyProtection::Encryption,
            MachineKeyProtection::Validation,
        ],
        name,
        "protection",
        |p| p.as_str(),
    )
}

fn resource_kind(name: &str) -> PyResult<ResourceKind> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "webresource" | "webresource.axd" => ResourceKind::WebResource,
        "scriptresource" | "scriptresource.axd" => ResourceKind::ScriptResource,
        "previouspage" | "__previouspage" => ResourceKind::PreviousPage,
        _ => {
            return Err(invalid(format!(
                "unknown resource kind {name:?}: WebResource, ScriptResource or PreviousPage"
            )));
        }
    })
}

/// The page a ViewState belongs to: its path (or URL) and application, or its generator.
fn page(
    path: Option<&str>,
    app_path: &str,
    generator: Option<&Bound<'_, PyAny>>,
    user_key: Option<&str>,
) -> PyResult<Page> {
    let page = match (path, generator_arg(generator)?) {
        (Some(p), _) => Page::from_path(p, app_path).or_raise()?,
        (None, Some(g)) => Page::from_generator(
            u32::from_str_radix(g.trim(), 16)
                .map_err(|_| invalid("a generator is 8 hex digits"))?,
        ),
        (None, None) => return Err(invalid("give the page's path (or URL), or its generator")),
    };
    Ok(match user_key {
        Some(k) => page.with_view_state_user_key(k),
        None => page,
    })
}

/// The raw bytes of a value given as text in any form (Base64, hex, ...) or as bytes.
fn readings(value: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    match crate::convert::text_arg(value, "value", MAX_VALUE)? {
        crate::convert::Text::Bytes(b) => Ok(vec![b]),
        crate::convert::Text::Str(s) => Ok(decode_value(&s)
            .or_raise()?
            .into_iter()
            .map(|r| r.bytes)
            .collect()),
    }
}

/// The first reading `f` accepts; the last error when none does.
fn first_reading<T>(
    readings: &[Vec<u8>],
    f: impl Fn(&[u8]) -> Result<T, machinekey::Error>,
) -> Result<T, machinekey::Error> {
    let mut last = machinekey::Error::Unprotect;
    for r in readings {
        match f(r) {
            Ok(v) => return Ok(v),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[pymethods]
impl MachineKey {
    /// Keys from the `<machineKey>` attributes. `validation` and `decryption` take ASP.NET's
    /// names (`SHA1`, `HMACSHA256`, ..., `AES`, `3DES`, `DES`, `Auto`);
    /// `compatibility_mode` `Framework20SP1`, `Framework20SP2` or `Framework45` (the
    /// default follows `<httpRuntime targetFramework>`: 4.5 behaviour when `None` is given
    /// as `"4.5"`). A key may carry `,IsolateApps`; `app_path`/`app_id` are the
    /// application's.
    #[new]
    #[pyo3(signature = (validation_key, decryption_key, *, validation = "SHA1", decryption = "Auto", compatibility_mode = "Framework20SP1", app_path = "/", app_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        validation_key: &str,
        decryption_key: &str,
        validation: &str,
        decryption: &str,
        compatibility_mode: &str,
        app_path: &str,
        app_id: Option<&str>,
    ) -> PyResult<Self> {
        let cfg = MachineKeyConfig::builder()
            .validation_key(validation_key)
            .decryption_key(decryption_key)
            .validation(validation.parse::<ValidationAlgorithm>().or_raise()?)
            .decryption(decryption.parse::<DecryptionAlgorithm>().or_raise()?)
            .compatibility_mode(compatibility_mode.parse::<CompatibilityMode>().or_raise()?)
            .build()
            .or_raise()?;
        Self::resolve(&cfg, app_path, app_id)
    }

    /// Keys from a web.config (text, a path or an open file), read as ASP.NET 4.x reads it.
    #[staticmethod]
    #[pyo3(signature = (source, *, app_path = "/", app_id = None))]
    fn from_web_config(
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        app_path: &str,
        app_id: Option<&str>,
    ) -> PyResult<Self> {
        let text = config_text(py, source)?;
        let cfg = MachineKeyConfig::from_web_config(&text).or_raise()?;
        Self::resolve(&cfg, app_path, app_id)
    }

    /// `MachineKey.Protect(data, purposes)`.
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
            .detach(|| self.keys.protect(&data, &purposes))
            .or_raise()?;
        Ok(PyBytes::new(py, &out))
    }

    /// `MachineKey.Unprotect(data, purposes)`: the bytes, or `ValidationFailed`.
    #[pyo3(signature = (data, *purposes))]
    fn unprotect<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'_, PyAny>,
        purposes: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let data = readings(data)?;
        let purposes: Vec<String> = purposes.extract()?;
        let out = py
            .detach(|| first_reading(&data, |b| self.keys.unprotect(b, &purposes)))
            .or_raise()?;
        Ok(PyBytes::new(py, &out))
    }

    /// `MachineKey.Encode(data, protection)` (the obsolete API): upper-case hex.
    #[pyo3(signature = (data, protection = "All"))]
    fn encode(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        protection: &str,
    ) -> PyResult<String> {
        let data = bytes_arg(data, "data", MAX_DOCUMENT)?;
        let protection = machine_key_protection(protection)?;
        py.detach(|| self.keys.encode(&data, protection)).or_raise()
    }

    /// `MachineKey.Decode(text, protection)`.
    #[pyo3(signature = (text, protection = "All"))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'_, PyAny>,
        protection: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let data = readings(text)?;
        let protection = machine_key_protection(protection)?;
        let out = py
            .detach(|| first_reading(&data, |b| self.keys.decode(&to_upper_hex(b), protection)))
            .or_raise()?;
        Ok(PyBytes::new(py, &out))
    }

    /// Verifies (and decrypts) a `__VIEWSTATE` of the page at `path` (a path or URL) in
    /// application `app_path`, or of the page whose `__VIEWSTATEGENERATOR` is `generator`
    /// (legacy only): the payload, its tree and its gadgets.
    #[pyo3(signature = (value, path = None, app_path = "/", *, generator = None, user_key = None))]
    fn decode_viewstate(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        path: Option<&str>,
        app_path: &str,
        generator: Option<&Bound<'_, PyAny>>,
        user_key: Option<&str>,
    ) -> PyResult<ViewState> {
        let page = page(path, app_path, generator, user_key)?;
        let data = readings(value)?;
        let payload = py
            .detach(|| {
                first_reading(&data, |b| {
                    self.keys
                        .decode_viewstate(&machinekey::crypto::encoding::to_base64(b), &page)
                })
            })
            .or_raise()?;
        Ok(py.detach(|| ViewState::of(payload, true)))
    }

    /// Verifies (and decrypts) an `__EVENTVALIDATION` of a page, as `decode_viewstate`.
    #[pyo3(signature = (value, path = None, app_path = "/", *, generator = None, user_key = None))]
    fn decode_event_validation(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        path: Option<&str>,
        app_path: &str,
        generator: Option<&Bound<'_, PyAny>>,
        user_key: Option<&str>,
    ) -> PyResult<ViewState> {
        let page = page(path, app_path, generator, user_key)?;
        let data = readings(value)?;
        let payload = py
            .detach(|| {
                first_reading(&data, |b| {
                    self.keys
                        .decode_event_validation(&machinekey::crypto::encoding::to_base64(b), &page)
                })
            })
            .or_raise()?;
        Ok(py.detach(|| ViewState::of(payload, true)))
    }

    /// Signs (and with `encrypt=True` encrypts) an `ObjectStateFormatter` payload as the
    /// `__VIEWSTATE` of a page: Base64 text.
    #[pyo3(signature = (payload, path = None, app_path = "/", *, generator = None, user_key = None, encrypt = false))]
    #[allow(clippy::too_many_arguments)]
    fn encode_viewstate(
        &self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        path: Option<&str>,
        app_path: &str,
        generator: Option<&Bound<'_, PyAny>>,
        user_key: Option<&str>,
        encrypt: bool,
    ) -> PyResult<String> {
        let page = page(path, app_path, generator, user_key)?;
        let data = bytes_arg(payload, "payload", MAX_DOCUMENT)?;
        let protection = if encrypt {
            ViewStateProtection::Encrypted
        } else {
            ViewStateProtection::Signed
        };
        py.detach(|| self.keys.encode_viewstate(&data, &page, protection))
            .or_raise()
    }

    /// Opens a forms-authentication cookie (`.ASPXAUTH`): the ticket as a dict (`name`,
    /// `user_data`, `issue_date`, `expiration`, `is_persistent`, `cookie_path`, `version`).
    /// An expired ticket raises `Expired` when `check_expiry` is true.
    #[pyo3(signature = (cookie, *, protection = "All", check_expiry = false))]
    fn decrypt_forms_ticket<'py>(
        &self,
        py: Python<'py>,
        cookie: &Bound<'_, PyAny>,
        protection: &str,
        check_expiry: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let data = readings(cookie)?;
        let protection = cookie_protection(protection)?;
        let policy = if check_expiry {
            TicketValidation::default()
        } else {
            TicketValidation::default().ignoring_expiry()
        };
        let ticket = py
            .detach(|| {
                first_reading(&data, |b| {
                    self.keys
                        .decrypt_ticket(&to_upper_hex(b), protection, &policy)
                })
            })
            .or_raise()?;
        ticket_dict(py, &ticket)
    }

    /// Issues a forms-authentication cookie for `name`, valid `minutes` from now: the
    /// cookie value (hex), as `FormsAuthentication.Encrypt` writes it.
    #[pyo3(signature = (name, *, user_data = "", minutes = 30, persistent = false, cookie_path = "/", protection = "All"))]
    #[allow(clippy::too_many_arguments)]
    fn encrypt_forms_ticket(
        &self,
        py: Python<'_>,
        name: &str,
        user_data: &str,
        minutes: u32,
        persistent: bool,
        cookie_path: &str,
        protection: &str,
    ) -> PyResult<String> {
        let protection = cookie_protection(protection)?;
        let now = OffsetDateTime::now_utc();
        let mut t =
            FormsAuthenticationTicket::new(name, now, Duration::minutes(i64::from(minutes)));
        user_data.clone_into(&mut t.user_data);
        t.is_persistent = persistent;
        cookie_path.clone_into(&mut t.cookie_path);
        py.detach(|| self.keys.encrypt_ticket(&t, protection))
            .or_raise()
    }

    /// Decrypts a `WebResource.axd`/`ScriptResource.axd` `d=` value (or `__PREVIOUSPAGE`).
    #[pyo3(signature = (token, kind = "WebResource"))]
    fn decrypt_resource(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        kind: &str,
    ) -> PyResult<String> {
        let token = str_arg(token, "token", MAX_VALUE)?;
        let kind = resource_kind(kind)?;
        py.detach(|| self.keys.decrypt_resource_string(token.trim(), kind))
            .or_raise()
    }

    /// Encrypts `text` as a `WebResource.axd`/`ScriptResource.axd` `d=` value (UrlToken),
    /// as `Page.ClientScript` writes it.
    #[pyo3(signature = (text, kind = "WebResource"))]
    fn encrypt_resource(&self, py: Python<'_>, text: &str, kind: &str) -> PyResult<String> {
        let kind = resource_kind(kind)?;
        py.detach(|| self.keys.encrypt_resource_string(text, kind))
            .or_raise()
    }

    /// Opens an OWIN (Katana) login cookie (`.AspNet.ApplicationCookie`, `.AspNet.Cookies`)
    /// protected with this `<machineKey>`: the ticket's identities, claims and properties.
    #[pyo3(signature = (value, authentication_type = "ApplicationCookie"))]
    fn decode_owin_cookie<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'_, PyAny>,
        authentication_type: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = str_arg(value, "value", MAX_VALUE)?;
        let cookie = AuthCookie::owin(&self.keys, authentication_type).or_raise()?;
        let ticket = py.detach(|| cookie.unprotect(&value)).or_raise()?;
        serialized(py, &ticket)
    }

    /// The effective compatibility mode (`Framework20SP1`, `Framework20SP2`, `Framework45`).
    #[getter]
    fn compatibility_mode(&self) -> &'static str {
        self.keys.compatibility_mode().as_str()
    }

    fn __repr__(&self) -> String {
        let cfg = self.keys.config();
        format!(
            "<MachineKey {} {} {} (keys redacted)>",
            cfg.validation().as_str(),
            cfg.decryption().as_str(),
            self.keys.compatibility_mode().as_str()
        )
    }
}

impl MachineKey {
    fn resolve(cfg: &MachineKeyConfig, app_path: &str, app_id: Option<&str>) -> PyResult<Self> {
        let app_id =
            app_id.map_or_else(|| AppIdentity::default_site_app_id(app_path), str::to_owned);
        let app = AppIdentity::new(app_path, &app_id).or_raise()?;
        let keys = AppKeys::resolve(cfg, &app, None).or_raise()?;
        Ok(Self { keys })
    }
}

/// A web.config given as text, a path or an open file.
pub(crate) fn config_text(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = source.cast::<pyo3::types::PyString>() {
        let s = s.to_cow()?;
        if s.trim_start().starts_with('<') {
            if s.len() > MAX_DOCUMENT {
                return Err(invalid("the configuration is over the size limit"));
            }
            return Ok(s.into_owned());
        }
    }
    let (bytes, name) = read_source(py, source, MAX_DOCUMENT as u64)?;
    String::from_utf8(bytes).map_err(|_| invalid(format!("{name} is not UTF-8")))
}

fn ticket_dict<'py>(py: Python<'py>, t: &FormsAuthenticationTicket) -> PyResult<Bound<'py, PyAny>> {
    let value = serialized(py, t)?;
    if let Ok(d) = value.cast::<pyo3::types::PyDict>() {
        d.set_item("issued_unix", t.issue_date.unix_timestamp())?;
        d.set_item("expires_unix", t.expiration.unix_timestamp())?;
        d.set_item(
            "expired",
            t.is_expired(OffsetDateTime::now_utc(), &TicketValidation::default()),
        )?;
    }
    Ok(value)
}

/// A verified ViewState or EventValidation payload: the bytes, the `ObjectStateFormatter`
/// tree as dicts and lists (each value with its type name), the deserialization gadgets it
/// carries, and how many bytes follow the graph.
#[pyclass(frozen, module = "machinekey")]
pub(crate) struct ViewState {
    payload: Vec<u8>,
    tree: Option<Value>,
    gadgets: Value,
    trailer_len: usize,
    verified: bool,
}

impl ViewState {
    fn of(payload: Vec<u8>, verified: bool) -> Self {
        match osf::read(&payload) {
            Ok(doc) => {
                let found = gadgets::in_state(&doc.root);
                Self {
                    tree: serde_json::to_value(&doc.root).ok(),
                    gadgets: serde_json::to_value(found).unwrap_or(Value::Null),
                    trailer_len: doc.trailer.len(),
                    payload,
                    verified,
                }
            }
            Err(_) => Self {
                payload,
                tree: None,
                gadgets: Value::Array(Vec::new()),
                trailer_len: 0,
                verified,
            },
        }
    }
}

#[pymethods]
impl ViewState {
    /// The payload bytes (verified and decrypted).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.payload)
    }

    /// The `ObjectStateFormatter` tree, or `None` when the payload is not one.
    #[getter]
    fn tree<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.tree {
            Some(t) => to_python(py, t),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// Deserialization gadget types in the tree: an attack payload, not page state.
    #[getter]
    fn gadgets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.gadgets)
    }

    /// Bytes after the graph (a legacy MAC, when read without keys).
    #[getter]
    fn trailer_len(&self) -> usize {
        self.trailer_len
    }

    /// Whether a MAC was verified (`False` for `inspect_viewstate`).
    #[getter]
    fn verified(&self) -> bool {
        self.verified
    }

    fn __repr__(&self) -> String {
        format!(
            "<ViewState {} bytes{}{}>",
            self.payload.len(),
            if self.verified {
                ", verified"
            } else {
                ", not verified"
            },
            match &self.gadgets {
                Value::Array(a) if !a.is_empty() => ", GADGETS",
                _ => "",
            }
        )
    }
}

/// The `__VIEWSTATEGENERATOR` ASP.NET writes for the page at `path` in application
/// `app_path` (8 upper-case hex digits).
#[pyfunction]
#[pyo3(signature = (path, app_path = "/"))]
pub(crate) fn generator(path: &str, app_path: &str) -> PyResult<String> {
    let page = Page::from_path(path, app_path).or_raise()?;
    let g = page
        .generator(machinekey::formats::GeneratorHash::default())
        .or_raise()?;
    Ok(format!("{g:08X}"))
}

/// Reads a `__VIEWSTATE` without keys (sent without a MAC, or legacy signed: the MAC is
/// not checked): the tree and the gadgets it carries. `InvalidInput` when it is encrypted or
/// Framework45 (use `audit` or `MachineKey.decode_viewstate`).
#[pyfunction]
pub(crate) fn inspect_viewstate(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<ViewState> {
    let data = readings(value)?;
    py.detach(|| {
        data.into_iter()
            .find(|d| osf::read(d).is_ok())
            .map(|d| ViewState::of(d, false))
    })
    .ok_or_else(|| {
        invalid("not an ObjectStateFormatter graph: encrypted or Framework45; audit it, or decode it with its keys")
    })
}
