//! Many blobs at once: JSON lines in, one JSON line out per input line, in order.
//!
//! An input line names one value and what is known about it:
//!
//! ```json
//! {"id": "p1", "viewstate": "/wEPDw...", "generator": "EDD8C9AE", "url": "https://host/app/page.aspx", "user_keys": ["..."]}
//! {"eventvalidation": "..."} {"cookie": "..."} {"resource": "..."} {"protected": "...", "purposes": ["..."]}
//! ```
//!
//! Values are accepted in every text form [`decode_value`] reads. Lines that carry a `label`
//! and no value kind (what `machinekey carve` writes for values that are not ASP.NET
//! `<machineKey>` data, such as `CfDJ8` Data Protection values) are echoed, not audited. A
//! malformed line gets an error line of its own and the run goes on.
//!
//! The MAC states each key needs are keyed on first use and kept by the [`Auditor`], so a
//! batch pays for them once, not per blob.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Auditor, Blob, Finding};
use crate::crypto::encoding::decode_value;
use crate::formats::nrbf::gadgets::{Finding as GadgetFinding, in_unverified_field};

/// One input line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BatchItem {
    /// Echoed in the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
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

/// Why a line was not audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchError {
    /// `malformed_line`, `no_value`, `malformed_value` or `bad_generator`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// One output line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchResult {
    /// The input line number (1-based).
    pub line: usize,
    /// The input's `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
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
    /// Deserialization gadgets: in the verified payload when a key was found, else in the
    /// `viewstate` itself when it reads without keys (unsigned, or legacy signed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gadgets: Vec<GadgetFinding>,
}

impl BatchResult {
    fn error(line: usize, item: Option<&BatchItem>, code: &'static str, message: String) -> Self {
        Self {
            line,
            id: item.and_then(|i| i.id.clone()),
            source: item.and_then(|i| i.source.clone()),
            found: false,
            finding: None,
            label: None,
            error: Some(BatchError { code, message }),
            gadgets: Vec::new(),
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    ViewState,
    EventValidation,
    Cookie,
    Resource,
    Protected,
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
        let values = [
            (Kind::ViewState, &item.viewstate),
            (Kind::EventValidation, &item.eventvalidation),
            (Kind::Cookie, &item.cookie),
            (Kind::Resource, &item.resource),
            (Kind::Protected, &item.protected),
        ];
        let mut present = values.iter().filter_map(|(k, v)| Some((*k, v.as_deref()?)));
        let Some((kind, text)) = present.next() else {
            if let Some(label) = &item.label {
                return BatchResult {
                    line,
                    id: item.id.clone(),
                    source: item.source.clone(),
                    found: false,
                    finding: None,
                    label: Some(label.clone()),
                    error: None,
                    gadgets: item.gadgets.clone(),
                };
            }
            return BatchResult::error(line, Some(item), "no_value", "the line names no value (viewstate, eventvalidation, cookie, resource or protected)".into());
        };
        if present.next().is_some() {
            return BatchResult::error(
                line,
                Some(item),
                "malformed_line",
                "one value per line".into(),
            );
        }
        let generator = match item
            .generator
            .as_deref()
            .map(|g| u32::from_str_radix(g.trim(), 16))
        {
            None => None,
            Some(Ok(g)) => Some(g),
            Some(Err(_)) => {
                return BatchResult::error(
                    line,
                    Some(item),
                    "bad_generator",
                    "a generator is 8 hex digits".into(),
                );
            }
        };
        let readings = match decode_value(text) {
            Ok(r) => r,
            Err(e) => {
                return BatchResult::error(line, Some(item), "malformed_value", e.to_string());
            }
        };
        let purposes: Vec<&str> = item.purposes.iter().map(String::as_str).collect();
        let finding = readings.iter().find_map(|r| {
            let mut blob = match kind {
                Kind::ViewState => Blob::viewstate(&r.bytes),
                Kind::EventValidation => Blob::event_validation(&r.bytes),
                Kind::Cookie => Blob::forms_cookie(&r.bytes),
                Kind::Resource => Blob::resource(&r.bytes),
                Kind::Protected => Blob::protected(&r.bytes, &purposes),
            };
            if let Some(g) = generator {
                blob = blob.with_generator(g);
            }
            if let Some(u) = &item.url {
                blob = blob.with_url(u);
            }
            for k in &item.user_keys {
                blob = blob.with_user_key(k);
            }
            self.audit(&blob)
        });
        let gadgets = match (&finding, kind) {
            (Some(f), _) => f.gadgets(),
            (None, Kind::ViewState) => in_unverified_field(text),
            (None, _) => Vec::new(),
        };
        BatchResult {
            line,
            id: item.id.clone(),
            source: item.source.clone(),
            found: finding.is_some(),
            finding,
            label: item.label.clone(),
            error: None,
            gadgets,
        }
    }

    /// Audits JSON lines: one result per non-blank line, in input order, as each is done.
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::{Auditor, KeyList};
    /// let auditor = Auditor::from_list(KeyList::builtin());
    /// let input = "{\"viewstate\": \"/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==\", \"generator\": \"EDD8C9AE\"}\nnot json\n";
    /// let results: Vec<_> = auditor.audit_lines(input.lines()).collect();
    /// assert!(results[0].found);
    /// assert_eq!(results[1].error.as_ref().map(|e| e.code), Some("malformed_line"));
    /// ```
    pub fn audit_lines<'a, I, S>(&'a self, lines: I) -> impl Iterator<Item = BatchResult> + 'a
    where
        I: IntoIterator<Item = S> + 'a,
        S: AsRef<str>,
    {
        lines
            .into_iter()
            .enumerate()
            .filter(|(_, l)| !l.as_ref().trim().is_empty())
            .map(
                move |(n, l)| match serde_json::from_str::<BatchItem>(l.as_ref()) {
                    Ok(item) => self.audit_item(n + 1, &item),
                    Err(e) => BatchResult::error(n + 1, None, "malformed_line", e.to_string()),
                },
            )
    }
}
