//! Many blobs at once: JSON lines in, one JSON line out per input line, in order.
//!
//! An input line names one value and what is known about it:
//!
//! ```json
//! {"id": "p1", "viewstate": "/wEPDw...", "generator": "EDD8C9AE", "url": "https://host/app/page.aspx", "user_keys": ["..."]}
//! {"eventvalidation": "..."} {"cookie": "..."} {"resource": "..."} {"protected": "...", "purposes": ["..."]}
//! {"data_protection": "CfDJ8...", "hint": "antiforgery"}
//! ```
//!
//! Values are accepted in every text form [`decode_value`] reads. A Data Protection value
//! (`CfDJ8…` in any text form, or a SystemWeb `09F0C9F0…` ticket), in `data_protection` or
//! in any other field, is audited against published Data Protection keys
//! ([`DataProtectionAuditor`]); its result carries the verdict in `data_protection`. Lines that
//! carry a `label` and no value (what `machinekey carve` writes for values it does not audit,
//! such as Telerik tokens) are echoed, not audited. A malformed line gets an error line of its
//! own and the run goes on.
//!
//! The MAC states each key needs are keyed on first use and kept by the [`Auditor`], so a
//! batch pays for them once, not per blob.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::data_protection::{DataProtectionAuditor, DataProtectionVerdict, looks_like_value};
use super::{Auditor, Blob, Finding};
use crate::crypto::encoding::decode_value;
pub use crate::error::{BatchError, BatchErrorCode};
use crate::formats::nrbf::gadgets::{Finding as GadgetFinding, in_unverified_field};

/// A batch line's `id`: any JSON value the caller chose, echoed in its result as given.
///
/// # Example
/// ```
/// use machinekey::audit::batch::ItemId;
/// let id = ItemId::from("p1");
/// assert_eq!(id.as_str(), Some("p1"));
/// assert_eq!(id.to_string(), "\"p1\""); // its JSON text
/// assert_eq!(ItemId::from(7_u64).to_string(), "7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(serde_json::Value);

impl ItemId {
    /// The id, if it is a JSON string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }

    /// The id, if it is a non-negative JSON integer.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }
}

impl From<&str> for ItemId {
    fn from(s: &str) -> Self {
        Self(serde_json::Value::String(s.to_owned()))
    }
}

impl From<String> for ItemId {
    fn from(s: String) -> Self {
        Self(serde_json::Value::String(s))
    }
}

impl From<u64> for ItemId {
    fn from(n: u64) -> Self {
        Self(serde_json::Value::from(n))
    }
}

impl fmt::Display for ItemId {
    /// The id's JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// One input line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BatchItem {
    /// Echoed in the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// A `__VIEWSTATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewstate: Option<String>,
    /// An `__EVENTVALIDATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eventvalidation: Option<String>,
    /// A forms-authentication cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
    /// A `WebResource.axd`/`ScriptResource.axd` `d=` value or `__PREVIOUSPAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `MachineKey.Protect` output (with `purposes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<String>,
    /// The purposes of a `protected` value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<String>,
    /// A Data Protection value (`CfDJ8…`, `09F0C9F0…`), in any text form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_protection: Option<String>,
    /// Where a Data Protection value was found, as `carve` names it (`antiforgery`,
    /// `cookie_authentication`, `session`, `temp_data`, `state`, `oidc_nonce`,
    /// `blazor_descriptor`, `blazor_state`, ...): its consumers are tried first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The page's `__VIEWSTATEGENERATOR` (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// The page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `ViewStateUserKey` candidates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_keys: Vec<String>,
    /// What a value that is not audited is (set by `carve`, e.g. `data_protection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Where the value was found (set by `carve`: file, HAR entry, field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Deserialization gadgets in a `viewstate` readable without keys (set by `carve`;
    /// unverified: the MAC is not checked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gadgets: Vec<GadgetFinding>,
}

/// One output line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BatchResult {
    /// The input line number (1-based).
    pub line: usize,
    /// The input's `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// The input's `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Whether a key was found.
    pub found: bool,
    /// The finding.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
    /// The label of a value that was not audited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Why the line was not audited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<BatchError>,
    /// What auditing a Data Protection value found (`found` is true when it opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_protection: Option<DataProtectionVerdict>,
    /// Deserialization gadgets: in the verified payload when a key was found, else in the
    /// `viewstate` itself when it reads without keys (unsigned, or legacy signed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gadgets: Vec<GadgetFinding>,
}

impl BatchResult {
    fn error(line: usize, item: Option<&BatchItem>, code: BatchErrorCode, message: String) -> Self {
        Self {
            line,
            id: item.and_then(|i| i.id.clone()),
            source: item.and_then(|i| i.source.clone()),
            found: false,
            finding: None,
            label: None,
            error: Some(BatchError { code, message }),
            data_protection: None,
            gadgets: Vec::new(),
        }
    }
}

/// A line ready to audit: its readings decoded, its context parsed.
struct Prepared<'a> {
    line: usize,
    item: &'a BatchItem,
    kind: Kind,
    text: &'a str,
    generator: Option<u32>,
    purposes: Vec<&'a str>,
    readings: Vec<Vec<u8>>,
}

/// Parses `item`, or gives the line's result when it is not audited (an error, or a label
/// echoed).
fn prepare(line: usize, item: &BatchItem) -> Result<Prepared<'_>, Box<BatchResult>> {
    let values = [
        (Kind::ViewState, &item.viewstate),
        (Kind::EventValidation, &item.eventvalidation),
        (Kind::Cookie, &item.cookie),
        (Kind::Resource, &item.resource),
        (Kind::Protected, &item.protected),
        (Kind::DataProtection, &item.data_protection),
    ];
    let mut present = values.iter().filter_map(|(k, v)| Some((*k, v.as_deref()?)));
    let Some((kind, text)) = present.next() else {
        if let Some(label) = &item.label {
            return Err(Box::new(BatchResult {
                line,
                id: item.id.clone(),
                source: item.source.clone(),
                found: false,
                finding: None,
                label: Some(label.clone()),
                error: None,
                data_protection: None,
                gadgets: item.gadgets.clone(),
            }));
        }
        return Err(Box::new(BatchResult::error(
            line,
            Some(item),
            BatchErrorCode::NoValue,
            "the line names no value (viewstate, eventvalidation, cookie, resource, protected or data_protection)"
                .into(),
        )));
    };
    if present.next().is_some() {
        return Err(Box::new(BatchResult::error(
            line,
            Some(item),
            BatchErrorCode::MalformedLine,
            "one value per line".into(),
        )));
    }
    // A Data Protection value, wherever it is: audited on its key id, no readings needed.
    if kind == Kind::DataProtection || looks_like_value(text) {
        return Ok(Prepared {
            line,
            item,
            kind: Kind::DataProtection,
            text,
            generator: None,
            purposes: Vec::new(),
            readings: Vec::new(),
        });
    }
    let generator = match item
        .generator
        .as_deref()
        .map(|g| u32::from_str_radix(g.trim(), 16))
    {
        None => None,
        Some(Ok(g)) => Some(g),
        Some(Err(_)) => {
            return Err(Box::new(BatchResult::error(
                line,
                Some(item),
                BatchErrorCode::BadGenerator,
                "a generator is 8 hex digits".into(),
            )));
        }
    };
    let readings = decode_value(text)
        .map_err(|e| {
            Box::new(BatchResult::error(
                line,
                Some(item),
                BatchErrorCode::MalformedValue,
                e.to_string(),
            ))
        })?
        .into_iter()
        .map(|r| r.bytes)
        .collect();
    Ok(Prepared {
        line,
        item,
        kind,
        text,
        generator,
        purposes: item.purposes.iter().map(String::as_str).collect(),
        readings,
    })
}

impl Prepared<'_> {
    fn blob<'b>(&'b self, bytes: &'b [u8]) -> Blob<'b> {
        let mut blob = match self.kind {
            Kind::ViewState => Blob::viewstate(bytes),
            Kind::EventValidation => Blob::event_validation(bytes),
            Kind::Cookie => Blob::forms_cookie(bytes),
            Kind::Resource => Blob::resource(bytes),
            Kind::Protected | Kind::DataProtection => Blob::protected(bytes, &self.purposes),
        };
        if let Some(g) = self.generator {
            blob = blob.with_generator(g);
        }
        if let Some(u) = &self.item.url {
            blob = blob.with_url(u);
        }
        for k in &self.item.user_keys {
            blob = blob.with_user_key(k);
        }
        blob
    }

    fn result(self, finding: Option<Finding>) -> BatchResult {
        let gadgets = match (&finding, self.kind) {
            (Some(f), _) => f.gadgets(),
            (None, Kind::ViewState) => in_unverified_field(self.text),
            (None, _) => Vec::new(),
        };
        BatchResult {
            line: self.line,
            id: self.item.id.clone(),
            source: self.item.source.clone(),
            found: finding.is_some(),
            finding,
            label: self.item.label.clone(),
            error: None,
            data_protection: None,
            gadgets,
        }
    }

    /// The result of a Data Protection value.
    fn data_protection_result(self, auditor: &DataProtectionAuditor) -> BatchResult {
        let verdict = auditor.audit_hinted(self.text, self.item.hint.as_deref());
        if verdict == DataProtectionVerdict::NotDataProtection {
            return BatchResult::error(
                self.line,
                Some(self.item),
                BatchErrorCode::MalformedValue,
                "not a Data Protection value: no CfDJ8 or 09F0C9F0 header of format version 0"
                    .into(),
            );
        }
        BatchResult {
            line: self.line,
            id: self.item.id.clone(),
            source: self.item.source.clone(),
            found: verdict.opened().is_some(),
            finding: None,
            label: self.item.label.clone(),
            error: None,
            data_protection: Some(verdict),
            gadgets: Vec::new(),
        }
    }
}

/// How many lines [`Auditor::audit_lines`] audits in one pass over the keys.
pub const GROUP: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ViewState,
    EventValidation,
    Cookie,
    Resource,
    Protected,
    DataProtection,
}

impl Auditor {
    /// Audits one parsed line.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, KeyList, batch::BatchItem};
    /// let auditor = Auditor::from_list(KeyList::builtin());
    /// let item: BatchItem = serde_json::from_str(r#"{"id": 1, "viewstate": "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", "generator": "EDD8C9AE"}"#)?;
    /// let result = auditor.audit_item(1, &item);
    /// assert!(result.found);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn audit_item(&self, line: usize, item: &BatchItem) -> BatchResult {
        self.audit_items(&[(line, item)]).pop().unwrap_or_else(|| {
            BatchResult::error(line, Some(item), BatchErrorCode::NoValue, String::new())
        })
    }

    /// Audits several parsed lines in one pass over the keys ([`Auditor::audit_many`]):
    /// each key's MAC states are keyed once for every reading of every line.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, KeyList, batch::BatchItem};
    /// let auditor = Auditor::from_list(KeyList::builtin());
    /// let a: BatchItem = serde_json::from_str(r#"{"viewstate": "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", "generator": "EDD8C9AE"}"#)?;
    /// let b: BatchItem = serde_json::from_str(r#"{"cookie": "00"}"#)?;
    /// let results = auditor.audit_items(&[(1, &a), (2, &b)]);
    /// assert!(results[0].found && !results[1].found);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn audit_items(&self, items: &[(usize, &BatchItem)]) -> Vec<BatchResult> {
        self.audit_items_counting(items, &std::sync::atomic::AtomicUsize::new(0))
    }

    fn audit_items_counting(
        &self,
        items: &[(usize, &BatchItem)],
        progress: &std::sync::atomic::AtomicUsize,
    ) -> Vec<BatchResult> {
        let prepared: Vec<Result<Prepared<'_>, Box<BatchResult>>> = items
            .iter()
            .map(|(line, item)| prepare(*line, item))
            .collect();
        // Every reading of every line, as one group of blobs.
        let mut blobs = Vec::new();
        let mut owner = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            let Ok(p) = p else { continue };
            if p.kind == Kind::DataProtection {
                continue;
            }
            for bytes in &p.readings {
                blobs.push(p.blob(bytes));
                owner.push(i);
            }
        }
        let findings = self.audit_group(&blobs, progress).into_iter().zip(owner);
        let mut firsts: Vec<Option<Finding>> = items.iter().map(|_| None).collect();
        // Readings in order: the first with a finding is the line's.
        for (finding, i) in findings {
            if let (Some(f), Some(slot)) = (finding, firsts.get_mut(i)) {
                if slot.is_none() {
                    *slot = Some(f);
                }
            }
        }
        let dp = &*self.data_protection;
        let finish =
            |(p, finding): (Result<Prepared<'_>, Box<BatchResult>>, Option<Finding>)| match p {
                Err(result) => *result,
                Ok(p) if p.kind == Kind::DataProtection => p.data_protection_result(dp),
                Ok(p) => p.result(finding),
            };
        // A Data Protection value under a published key costs a chain search: spread them.
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            prepared.into_par_iter().zip(firsts).map(finish).collect()
        }
        #[cfg(not(feature = "rayon"))]
        prepared.into_iter().zip(firsts).map(finish).collect()
    }

    /// Audits JSON lines: one result per non-blank line, in input order.
    ///
    /// Lines are read and audited in groups of up to [`GROUP`] non-blank lines, each group in
    /// one pass over the keys ([`Auditor::audit_items`]), so a key's MAC states serve every
    /// value of the group; a group's results come out once the whole group is audited.
    /// Malformed lines get an error result in their place and the run goes on.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, KeyList};
    /// let auditor = Auditor::from_list(KeyList::builtin());
    /// let input = "{\"viewstate\": \"/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==\", \"generator\": \"EDD8C9AE\"}\nnot json\n";
    /// let results: Vec<_> = auditor.audit_lines(input.lines()).collect();
    /// assert!(results[0].found);
    /// assert_eq!(results[1].error.as_ref().map(|e| e.code.as_str()), Some("malformed_line"));
    /// ```
    pub fn audit_lines<'a, I, S>(&'a self, lines: I) -> impl Iterator<Item = BatchResult> + 'a
    where
        I: IntoIterator<Item = S> + 'a,
        S: AsRef<str>,
    {
        self.audit_lines_counting(lines, None)
    }

    /// [`Auditor::audit_lines`], adding to `progress` the keys tried, for a progress display.
    #[doc(hidden)]
    pub fn audit_lines_counting<'a, I, S>(
        &'a self,
        lines: I,
        progress: Option<&'a std::sync::atomic::AtomicUsize>,
    ) -> impl Iterator<Item = BatchResult> + 'a
    where
        I: IntoIterator<Item = S> + 'a,
        S: AsRef<str>,
    {
        let mut lines = lines
            .into_iter()
            .enumerate()
            .filter(|(_, l)| !l.as_ref().trim().is_empty());
        let mut ready = std::collections::VecDeque::new();
        let local = std::sync::atomic::AtomicUsize::new(0);
        std::iter::from_fn(move || {
            if ready.is_empty() {
                let group: Vec<(usize, Result<BatchItem, String>)> = lines
                    .by_ref()
                    .take(GROUP)
                    .map(|(n, l)| {
                        let item = serde_json::from_str::<BatchItem>(l.as_ref());
                        (n + 1, item.map_err(|e| e.to_string()))
                    })
                    .collect();
                let items: Vec<(usize, &BatchItem)> = group
                    .iter()
                    .filter_map(|(n, item)| Some((*n, item.as_ref().ok()?)))
                    .collect();
                let mut audited = self
                    .audit_items_counting(&items, progress.unwrap_or(&local))
                    .into_iter();
                for (n, item) in &group {
                    ready.push_back(match item {
                        Ok(_) => audited.next().unwrap_or_else(|| {
                            BatchResult::error(
                                *n,
                                None,
                                BatchErrorCode::MalformedLine,
                                String::new(),
                            )
                        }),
                        Err(e) => {
                            BatchResult::error(*n, None, BatchErrorCode::MalformedLine, e.clone())
                        }
                    });
                }
            }
            ready.pop_front()
        })
    }
}
