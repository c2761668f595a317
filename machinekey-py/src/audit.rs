//! The known-key audit: key lists loaded once and shared, one value or a batch audited with
//! the GIL released.

use std::collections::VecDeque;
use std::io::Read as _;
use std::sync::{Arc, OnceLock};

use machinekey::audit::batch::{BatchItem, BatchResult};
use machinekey::audit::data_protection::{DataProtectionAuditor, DataProtectionVerdict};
use machinekey::audit::{Auditor, KeyList as Keys, LoadReport};
use machinekey::formats::nrbf::gadgets::Finding as Gadget;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyIterator, PyString};

use crate::convert::{MAX_DOCUMENT, MAX_VALUE, serialized, str_arg, strings_arg, text_arg};
use crate::errors::{Kind, invalid, new};

/// The largest key list file read (1 GiB: the biggest public lists are a few hundred MB).
const MAX_LIST: u64 = 1 << 30;

/// A list of `<machineKey>` pairs, prepared for auditing: load it once and pass it to every
/// `audit` call. Immutable and safe to share between threads.
#[pyclass(frozen, module = "machinekey")]
pub(crate) struct KeyList {
    auditor: Arc<Auditor>,
    /// The pairs, for the web.config check's known-key lint.
    list: Arc<Keys>,
    report: LoadReport,
    name: String,
}

fn builtin() -> &'static Arc<Auditor> {
    static BUILTIN: OnceLock<Arc<Auditor>> = OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(Auditor::from_list(Keys::builtin())))
}

fn builtin_list() -> &'static Arc<Keys> {
    static BUILTIN: OnceLock<Arc<Keys>> = OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(Keys::builtin()))
}

impl KeyList {
    /// The pairs of a `keys=` argument (the built-in list when `None`).
    pub(crate) fn list_or_builtin(keys: Option<&Bound<'_, KeyList>>) -> Arc<Keys> {
        keys.map_or_else(|| Arc::clone(builtin_list()), |k| Arc::clone(&k.get().list))
    }

    fn prepared(keys: Keys, report: LoadReport, name: String) -> Self {
        let list = Arc::new(keys.clone());
        Self {
            auditor: Arc::new(Auditor::from_list(keys)),
            list,
            report,
            name,
        }
    }

    /// The list a `keys=` argument names (the built-in list when `None`).
    pub(crate) fn or_builtin(keys: Option<&Bound<'_, KeyList>>) -> Arc<Auditor> {
        keys.map_or_else(|| Arc::clone(builtin()), |k| Arc::clone(&k.get().auditor))
    }
}

/// Reads a file given as a path or an open binary/text file object.
pub(crate) fn read_source(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    limit: u64,
) -> PyResult<(Vec<u8>, String)> {
    if source.hasattr("read")? {
        let name = source
            .getattr("name")
            .ok()
            .and_then(|n| n.extract::<String>().ok())
            .unwrap_or_else(|| "<file>".to_owned());
        let data = source.call_method0("read").map_err(|e| {
            new(
                py,
                Kind::FileError,
                format!("{name}: cannot be read: {}", e.value(py)),
            )
        })?;
        let bytes = if let Ok(s) = data.cast::<PyString>() {
            s.to_cow()?.as_bytes().to_vec()
        } else {
            data.extract::<Vec<u8>>()?
        };
        if bytes.len() as u64 > limit {
            return Err(invalid(format!(
                "{name} is over the limit of {limit} bytes"
            )));
        }
        return Ok((bytes, name));
    }
    let path = crate::convert::path_arg(source)?;
    let name = path.display().to_string();
    let bytes = py.detach(|| -> std::io::Result<Vec<u8>> {
        let file = std::fs::File::open(&path)?;
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    let bytes = bytes.map_err(|e| new(py, Kind::FileError, format!("{name}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(invalid(format!(
            "{name} is over the limit of {limit} bytes"
        )));
    }
    Ok((bytes, name))
}

#[pymethods]
impl KeyList {
    /// The list shipped with the package (the Blacklist3r list: 3,600 pairs).
    #[staticmethod]
    fn builtin() -> Self {
        Self {
            auditor: Arc::clone(builtin()),
            list: Arc::clone(builtin_list()),
            report: LoadReport::default(),
            name: "built-in".to_owned(),
        }
    }

    /// Reads a list file (`validationKey,decryptionKey` lines; the formats the CLI's
    /// `--keys` reads) from a path or an open file. With `builtin=True` the built-in pairs
    /// come first.
    #[staticmethod]
    #[pyo3(signature = (source, *, builtin = false))]
    fn load(py: Python<'_>, source: &Bound<'_, PyAny>, builtin: bool) -> PyResult<Self> {
        let (bytes, name) = read_source(py, source, MAX_LIST)?;
        Ok(py.detach(|| {
            let mut keys = if builtin {
                Keys::builtin()
            } else {
                Keys::default()
            };
            let report = keys.load_bytes(&bytes, &name);
            Self::prepared(keys, report, name)
        }))
    }

    /// A list from text (one pair a line), named `name` in findings' `origin`.
    #[staticmethod]
    #[pyo3(signature = (text, name = "<text>", *, builtin = false))]
    fn from_text(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        name: &str,
        builtin: bool,
    ) -> PyResult<Self> {
        let text = str_arg(text, "text", MAX_DOCUMENT)?;
        let name = name.to_owned();
        Ok(py.detach(|| {
            let mut keys = if builtin {
                Keys::builtin()
            } else {
                Keys::default()
            };
            let report = keys.load(&text, &name);
            Self::prepared(keys, report, name)
        }))
    }

    /// How many pairs the list holds.
    fn __len__(&self) -> usize {
        self.auditor.len()
    }

    /// What reading the file added and skipped: `pairs`, `hashes`, `duplicates`,
    /// `skipped`, `first_skipped_line`.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialized(py, &self.report)
    }

    /// Where the list came from (its path, or `built-in`).
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    fn __repr__(&self) -> String {
        format!("<KeyList {:?}: {} pairs>", self.name, self.auditor.len())
    }
}

/// A verified match: which known key protects the value, with which algorithms, in which
/// mode, and the payload it opened to. For a Data Protection value, `data_protection` holds
/// the published key's verdict instead.
///
/// `repr()` names the keys by fingerprint only; the key text is in `validation_key` and
/// `decryption_key`, and in `to_dict(include_keys=True)`.
#[pyclass(frozen, module = "machinekey")]
pub(crate) struct Finding {
    finding: Option<machinekey::audit::Finding>,
    data_protection: Option<DataProtectionVerdict>,
    gadgets: Vec<Gadget>,
}

impl Finding {
    fn machine_key(&self) -> Option<&machinekey::audit::Finding> {
        self.finding.as_ref()
    }
}

#[pymethods]
impl Finding {
    /// `"machine_key"` or `"data_protection"`.
    #[getter]
    fn kind(&self) -> &'static str {
        if self.finding.is_some() {
            "machine_key"
        } else {
            "data_protection"
        }
    }

    /// The `validationKey` as listed (upper-case hex, or the list's text).
    #[getter]
    fn validation_key(&self) -> Option<String> {
        self.machine_key().map(|f| f.key.validation_key.clone())
    }

    /// The `decryptionKey` as listed.
    #[getter]
    fn decryption_key(&self) -> Option<String> {
        self.machine_key().map(|f| f.key.decryption_key.clone())
    }

    /// Short fingerprints of both keys: `{"validation_key": ..., "decryption_key": ...}`.
    #[getter]
    fn fingerprints<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.machine_key()
            .map(|f| serialized(py, &f.fingerprints))
            .transpose()
    }

    /// Where the pair is listed (`FILE:LINE`, `built-in:LINE`).
    #[getter]
    fn origin(&self) -> Option<String> {
        self.machine_key()
            .and_then(|f| f.origin.as_ref())
            .map(ToString::to_string)
    }

    /// The pair's position in the list (from 0).
    #[getter]
    fn index(&self) -> Option<usize> {
        self.machine_key().map(|f| f.index)
    }

    /// The validation algorithm (`SHA1`, `HMACSHA256`, `MD5`, `AES`, `3DES`, ...).
    #[getter]
    fn validation(&self) -> Option<&'static str> {
        self.machine_key().map(|f| f.validation.as_str())
    }

    /// The cipher (`AES`, `3DES`, `DES`) when the value was encrypted.
    #[getter]
    fn decryption(&self) -> Option<&'static str> {
        self.machine_key()
            .and_then(|f| f.decryption)
            .map(|d| d.as_str())
    }

    /// `legacy_signed`, `legacy_encrypted`, `legacy_validation_wrap` or `framework45`.
    #[getter]
    fn mode(&self) -> Option<&'static str> {
        self.machine_key().map(|f| f.mode.as_str())
    }

    /// The application path that verified (a URL's level, or the IsolateApps application).
    #[getter]
    fn app_path(&self) -> Option<String> {
        self.machine_key().and_then(|f| f.app_path.clone())
    }

    /// Whether the key matched only after the IsolateApps change for `app_path`.
    #[getter]
    fn isolate_apps(&self) -> bool {
        self.machine_key().is_some_and(|f| f.isolate_apps)
    }

    /// The `ViewStateUserKey` that matched, if one was needed.
    #[getter]
    fn view_state_user_key(&self) -> Option<String> {
        self.machine_key()
            .and_then(|f| f.view_state_user_key.clone())
    }

    /// The verified (and decrypted) payload.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        if let Some(f) = self.machine_key() {
            return Some(PyBytes::new(py, &f.payload));
        }
        self.data_protection
            .as_ref()
            .and_then(DataProtectionVerdict::opened)
            .map(|m| PyBytes::new(py, &m.plaintext))
    }

    /// The type of the payload's first `ObjectStateFormatter` value (`Pair`, `Triplet`,
    /// ...), when it is one.
    #[getter]
    fn header(&self) -> Option<String> {
        self.machine_key()
            .and_then(|f| f.header)
            .map(|h| h.to_string())
    }

    /// Deserialization gadget types the payload carries (each a dict: `gadget`, `type_name`,
    /// `assembly`, `path`): an attack payload, not page state.
    #[getter]
    fn gadgets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialized(py, &self.gadgets)
    }

    /// For a forms-authentication cookie: the ticket it holds (`name`, `user_data`,
    /// `issue_date`, `expiration`, `is_persistent`, `cookie_path`, `version`); else `None`.
    #[getter]
    fn ticket<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(f) = self.machine_key() else {
            return Ok(None);
        };
        use machinekey::FormsAuthenticationTicket as Ticket;
        match Ticket::deserialize(&f.payload).or_else(|_| Ticket::deserialize_legacy(&f.payload)) {
            Ok(t) => serialized(py, &t).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The Data Protection verdict (published key, discriminator, consumer, what the value
    /// holds), for a `CfDJ8…` value; `None` for a `<machineKey>` finding.
    #[getter]
    fn data_protection<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.data_protection
            .as_ref()
            .map(|v| serialized(py, v))
            .transpose()
    }

    /// The finding as the CLI's JSON writes it (keys named by fingerprint), plus
    /// `validation_key` and `decryption_key` when `include_keys` is true.
    #[pyo3(signature = (*, include_keys = false))]
    fn to_dict<'py>(&self, py: Python<'py>, include_keys: bool) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("kind", self.kind())?;
        if let Some(f) = &self.finding {
            let value = serialized(py, f)?;
            if let Ok(d) = value.cast::<PyDict>() {
                dict.update(d.as_mapping())?;
            }
            if include_keys {
                dict.set_item("validation_key", &f.key.validation_key)?;
                dict.set_item("decryption_key", &f.key.decryption_key)?;
            }
        }
        if let Some(v) = &self.data_protection {
            dict.set_item("data_protection", serialized(py, v)?)?;
        }
        dict.set_item("gadgets", serialized(py, &self.gadgets)?)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        match &self.finding {
            Some(f) => format!(
                "<Finding validationKey {} / decryptionKey {} (fingerprints) at {}: {} {}{}>",
                f.fingerprints.validation_key,
                f.fingerprints.decryption_key,
                f.origin
                    .as_ref()
                    .map_or_else(|| format!("#{}", f.index), ToString::to_string),
                f.mode.as_str(),
                f.validation.as_str(),
                f.decryption
                    .map(|d| format!(" + {}", d.as_str()))
                    .unwrap_or_default()
            ),
            None => format!(
                "<Finding Data Protection key {}>",
                self.data_protection
                    .as_ref()
                    .and_then(DataProtectionVerdict::key_id)
                    .map(|k| k.to_string())
                    .unwrap_or_default()
            ),
        }
    }
}

/// One result of `audit_many`, in input order.
#[pyclass(frozen, module = "machinekey")]
pub(crate) struct BatchEntry {
    /// The input's position (from 0).
    #[pyo3(get)]
    index: usize,
    /// The input's `id` (dict inputs), or `None`.
    #[pyo3(get)]
    id: Py<PyAny>,
    /// The finding, or `None`.
    #[pyo3(get)]
    finding: Option<Py<Finding>>,
    /// Why the input was not audited (`malformed_value`, `bad_generator`, `no_value`,
    /// `malformed_item`), or `None`.
    #[pyo3(get)]
    error: Option<String>,
    /// The error's message.
    #[pyo3(get)]
    message: Option<String>,
    /// The label of a value that is not audited (dict inputs from `carve`).
    #[pyo3(get)]
    label: Option<String>,
    /// Where the value came from (dict inputs from `carve`).
    #[pyo3(get)]
    source: Option<String>,
    /// For a Data Protection value not opened: the verdict (`unknown_key`,
    /// `published_key_unverified`), else `None`.
    #[pyo3(get)]
    data_protection: Option<Py<PyAny>>,
    /// Gadgets found without keys (in an unsigned or legacy-signed ViewState), when no key
    /// was found.
    #[pyo3(get)]
    gadgets: Py<PyAny>,
}

#[pymethods]
impl BatchEntry {
    /// Whether a key was found.
    #[getter]
    fn found(&self) -> bool {
        self.finding.is_some()
    }

    fn __bool__(&self) -> bool {
        self.finding.is_some()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match (&self.finding, &self.error) {
            (Some(f), _) => format!("<BatchEntry {}: {}>", self.index, f.get().__repr__()),
            (None, Some(e)) => format!("<BatchEntry {}: error {e}>", self.index),
            (None, None) => {
                let _ = py;
                format!("<BatchEntry {}: not found>", self.index)
            }
        }
    }
}

/// What kind of value a bare `str`/`bytes` input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    ViewState,
    EventValidation,
    FormsCookie,
    Resource,
    Protected,
    DataProtection,
}

impl ValueKind {
    pub(crate) fn parse(kind: &str) -> PyResult<Self> {
        Ok(match kind {
            "viewstate" => Self::ViewState,
            "eventvalidation" | "event_validation" => Self::EventValidation,
            "cookie" | "forms_cookie" => Self::FormsCookie,
            "resource" => Self::Resource,
            "protected" => Self::Protected,
            "data_protection" => Self::DataProtection,
            other => {
                return Err(invalid(format!(
                    "unknown kind {other:?}: viewstate, eventvalidation, cookie, resource, protected or data_protection"
                )));
            }
        })
    }
}

/// The context every input of a call shares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    pub(crate) generator: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) user_keys: Vec<String>,
    pub(crate) purposes: Vec<String>,
}

/// A generator argument: 8 hex digits, or an int.
pub(crate) fn generator_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if value.cast::<PyInt>().is_ok() {
        let g: u32 = value
            .extract()
            .map_err(|_| invalid("a generator is a 32-bit unsigned number"))?;
        return Ok(Some(format!("{g:08X}")));
    }
    Ok(Some(str_arg(value, "generator", 64)?))
}

pub(crate) fn item(kind: ValueKind, text: String, ctx: &Context) -> BatchItem {
    let mut item = BatchItem::default();
    match kind {
        ValueKind::ViewState => item.viewstate = Some(text),
        ValueKind::EventValidation => item.eventvalidation = Some(text),
        ValueKind::FormsCookie => item.cookie = Some(text),
        ValueKind::Resource => item.resource = Some(text),
        ValueKind::Protected => item.protected = Some(text),
        ValueKind::DataProtection => item.data_protection = Some(text),
    }
    item.generator.clone_from(&ctx.generator);
    item.url.clone_from(&ctx.url);
    item.user_keys.clone_from(&ctx.user_keys);
    item.purposes.clone_from(&ctx.purposes);
    item
}

/// A `BatchResult` as what a caller gets: `Ok(Some(finding))`, `Ok(None)`, or the error
/// code and message.
pub(crate) fn finding_of(result: BatchResult) -> Result<Option<Finding>, (String, String)> {
    if let Some(e) = result.error {
        return Err((e.code.as_str().to_owned(), e.message));
    }
    Ok(if let Some(f) = result.finding {
        Some(Finding {
            finding: Some(f),
            data_protection: None,
            gadgets: result.gadgets,
        })
    } else if result
        .data_protection
        .as_ref()
        .is_some_and(|v| v.opened().is_some())
    {
        Some(Finding {
            finding: None,
            data_protection: result.data_protection,
            gadgets: result.gadgets,
        })
    } else {
        None
    })
}

/// Audits one value against a key list (the built-in one by default): which known
/// `<machineKey>` protects it, or, for a Data Protection value (`CfDJ8…`), which published
/// ASP.NET Core key. Returns a `Finding`, or `None` when no key of the list protects it.
#[pyfunction]
#[pyo3(signature = (value, *, kind = "viewstate", generator = None, url = None, user_keys = None, purposes = None, keys = None, app_names = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    kind: &str,
    generator: Option<&Bound<'_, PyAny>>,
    url: Option<&str>,
    user_keys: Option<&Bound<'_, PyAny>>,
    purposes: Option<&Bound<'_, PyAny>>,
    keys: Option<&Bound<'_, KeyList>>,
    app_names: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Finding>> {
    let kind = ValueKind::parse(kind)?;
    let text = text_arg(value, "value", MAX_VALUE)?.into_text();
    let ctx = Context {
        generator: generator_arg(generator)?,
        url: url.map(str::to_owned),
        user_keys: strings_arg(user_keys, "user key")?,
        purposes: strings_arg(purposes, "purpose")?,
    };
    let app_names = strings_arg(app_names, "application name")?;
    if !app_names.is_empty() {
        let trimmed = text.trim().to_owned();
        if DataProtectionAuditor::key_id_of(&trimmed).is_some() {
            let verdict = py.detach(|| {
                DataProtectionAuditor::builtin()
                    .with_app_names(app_names)
                    .audit(&trimmed)
            });
            return Ok(verdict.opened().is_some().then(|| Finding {
                finding: None,
                data_protection: Some(verdict),
                gadgets: Vec::new(),
            }));
        }
    }
    let auditor = KeyList::or_builtin(keys);
    let item = item(kind, text, &ctx);
    let result = py.detach(|| auditor.audit_item(1, &item));
    finding_of(result).map_err(|(code, message)| invalid(format!("{code}: {message}")))
}

/// A batch input that cannot be audited: its error code, message and `id`.
type Refused = (String, String, Py<PyAny>);

/// An input of a batch: a value, or a dict in the batch-line shape.
fn batch_input(
    input: &Bound<'_, PyAny>,
    kind: ValueKind,
    ctx: &Context,
) -> Result<(BatchItem, Py<PyAny>), Refused> {
    let py = input.py();
    let none = || py.None();
    if let Ok(d) = input.cast::<PyDict>() {
        let id = d
            .get_item("id")
            .ok()
            .flatten()
            .map_or_else(none, Bound::unbind);
        return dict_item(d, ctx)
            .map(|item| (item, id.clone_ref(py)))
            .map_err(|e| ("malformed_item".to_owned(), e.value(py).to_string(), id));
    }
    match text_arg(input, "value", MAX_VALUE) {
        Ok(t) => Ok((item(kind, t.into_text(), ctx), none())),
        Err(e) => Err(("malformed_item".to_owned(), e.value(py).to_string(), none())),
    }
}

const FIELDS: [&str; 15] = [
    "id",
    "viewstate",
    "eventvalidation",
    "cookie",
    "resource",
    "protected",
    "purposes",
    "data_protection",
    "hint",
    "generator",
    "url",
    "user_keys",
    "label",
    "source",
    "gadgets",
];

/// A dict in the batch-line shape (`{"viewstate": ..., "generator": ..., "url": ...}`, as
/// `carve` gives) as a batch item; `ctx` fills what it leaves out.
fn dict_item(d: &Bound<'_, PyDict>, ctx: &Context) -> PyResult<BatchItem> {
    let mut item = BatchItem::default();
    for (k, v) in d.iter() {
        let key = k.extract::<String>()?;
        if !FIELDS.contains(&key.as_str()) {
            return Err(invalid(format!("unknown field {key:?}")));
        }
        if v.is_none() {
            continue;
        }
        let text = |what: &str| str_arg(&v, what, MAX_VALUE).map(Some);
        match key.as_str() {
            "viewstate" => item.viewstate = text("viewstate")?,
            "eventvalidation" => item.eventvalidation = text("eventvalidation")?,
            "cookie" => item.cookie = text("cookie")?,
            "resource" => item.resource = text("resource")?,
            "protected" => item.protected = text("protected")?,
            "data_protection" => item.data_protection = text("data_protection")?,
            "hint" => item.hint = text("hint")?,
            "generator" => item.generator = generator_arg(Some(&v))?,
            "url" => item.url = text("url")?,
            "label" => item.label = text("label")?,
            "source" => item.source = text("source")?,
            "purposes" => item.purposes = strings_arg(Some(&v), "purpose")?,
            "user_keys" => item.user_keys = strings_arg(Some(&v), "user key")?,
            _ => {}
        }
    }
    if item.generator.is_none() {
        item.generator.clone_from(&ctx.generator);
    }
    if item.url.is_none() {
        item.url.clone_from(&ctx.url);
    }
    if item.user_keys.is_empty() {
        item.user_keys.clone_from(&ctx.user_keys);
    }
    if item.purposes.is_empty() {
        item.purposes.clone_from(&ctx.purposes);
    }
    Ok(item)
}

/// An audit in progress over an iterable: `next()` pulls a group of inputs, audits the
/// group in one pass over the keys with the GIL released, and hands its results out one at
/// a time. Memory stays that of one group, whatever the batch's length.
#[pyclass(module = "machinekey")]
pub(crate) struct BatchAudit {
    inputs: Option<Py<PyIterator>>,
    auditor: Arc<Auditor>,
    kind: ValueKind,
    ctx: Context,
    group: usize,
    next_index: usize,
    ready: VecDeque<BatchEntry>,
}

fn entry(py: Python<'_>, index: usize, id: Py<PyAny>, result: BatchResult) -> PyResult<BatchEntry> {
    let label = result.label.clone();
    let source = result.source.clone();
    let dp_unopened = result
        .data_protection
        .as_ref()
        .filter(|v| v.opened().is_none())
        .map(|v| serialized(py, v).map(Bound::unbind))
        .transpose()?;
    let gadgets_unverified = serialized(py, &result.gadgets)?.unbind();
    Ok(match finding_of(result) {
        Ok(Some(f)) => BatchEntry {
            index,
            id,
            finding: Some(Py::new(py, f)?),
            error: None,
            message: None,
            label,
            source,
            data_protection: None,
            gadgets: serialized(py, &Vec::<Gadget>::new())?.unbind(),
        },
        Ok(None) => BatchEntry {
            index,
            id,
            finding: None,
            error: None,
            message: None,
            label,
            source,
            data_protection: dp_unopened,
            gadgets: gadgets_unverified,
        },
        Err((code, message)) => BatchEntry {
            index,
            id,
            finding: None,
            error: Some(code),
            message: Some(message),
            label,
            source,
            data_protection: None,
            gadgets: gadgets_unverified,
        },
    })
}

impl BatchAudit {
    fn fill(&mut self, py: Python<'_>) -> PyResult<()> {
        let Some(inputs) = &self.inputs else {
            return Ok(());
        };
        let mut items: Vec<(usize, BatchItem, Py<PyAny>)> = Vec::new();
        let mut failed: Vec<BatchEntry> = Vec::new();
        let iter = inputs.bind(py).clone();
        let mut exhausted = true;
        for input in iter {
            let input = input?;
            let index = self.next_index;
            self.next_index += 1;
            match batch_input(&input, self.kind, &self.ctx) {
                Ok((item, id)) => items.push((index, item, id)),
                Err((code, message, id)) => failed.push(BatchEntry {
                    index,
                    id,
                    finding: None,
                    error: Some(code),
                    message: Some(message),
                    label: None,
                    source: None,
                    data_protection: None,
                    gadgets: pyo3::types::PyList::empty(py).into_any().unbind(),
                }),
            }
            if items.len() + failed.len() >= self.group {
                exhausted = false;
                break;
            }
        }
        if exhausted {
            self.inputs = None;
        }
        let auditor = Arc::clone(&self.auditor);
        let refs: Vec<(usize, &BatchItem)> =
            items.iter().map(|(i, item, _)| (*i + 1, item)).collect();
        let results = py.detach(|| auditor.audit_items(&refs));
        let mut audited: Vec<BatchEntry> = Vec::with_capacity(results.len());
        for ((index, _, id), result) in items.into_iter().zip(results) {
            audited.push(entry(py, index, id, result)?);
        }
        audited.extend(failed);
        audited.sort_by_key(|e| e.index);
        self.ready.extend(audited);
        Ok(())
    }
}

#[pymethods]
impl BatchAudit {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<BatchEntry>> {
        if self.ready.is_empty() {
            self.fill(py)?;
        }
        Ok(self.ready.pop_front())
    }
}

/// Audits many values (`str`/`bytes` of `kind`, or dicts in the batch-line shape that
/// `carve` returns) lazily: an iterator of `BatchEntry`, one per input, in order. Inputs are
/// audited `group` at a time in one pass over the keys, with the GIL released.
#[pyfunction]
#[pyo3(signature = (values, *, kind = "viewstate", generator = None, url = None, user_keys = None, purposes = None, keys = None, group = 256))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_many(
    values: &Bound<'_, PyAny>,
    kind: &str,
    generator: Option<&Bound<'_, PyAny>>,
    url: Option<&str>,
    user_keys: Option<&Bound<'_, PyAny>>,
    purposes: Option<&Bound<'_, PyAny>>,
    keys: Option<&Bound<'_, KeyList>>,
    group: usize,
) -> PyResult<BatchAudit> {
    if values.cast::<PyString>().is_ok() || values.cast::<PyBytes>().is_ok() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "audit_many takes an iterable of values; use audit() for one value",
        ));
    }
    Ok(BatchAudit {
        inputs: Some(values.try_iter()?.unbind()),
        auditor: KeyList::or_builtin(keys),
        kind: ValueKind::parse(kind)?,
        ctx: Context {
            generator: generator_arg(generator)?,
            url: url.map(str::to_owned),
            user_keys: strings_arg(user_keys, "user key")?,
            purposes: strings_arg(purposes, "purpose")?,
        },
        group: group.clamp(1, 65_536),
        next_index: 0,
        ready: VecDeque::new(),
    })
}
