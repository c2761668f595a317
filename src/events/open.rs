//! The ViewStates of "Viewstate verification failed" events, opened as `audit` opens a
//! value: tried against every key of a list, with the page path the event logged (which
//! gives the generator and the Framework45 purposes of each application level), then read
//! as a tree, its gadgets named and any Windows executable in it found.

use serde::Serialize;
use serde_json::{Value, json};

use super::model::Event;
use super::pe::{self, Executable};
use crate::audit::batch::BatchItem;
use crate::audit::{Auditor, Finding, KeyList};
use crate::crypto::encoding::decode_value;
use crate::formats::nrbf::gadgets::{self, Finding as GadgetFinding};
use crate::formats::osf::{self, OsfErrorKind, mono, render};
use crate::formats::viewstate::compressed_payload;

/// Longest tree text kept.
const MAX_TREE: usize = 64 << 10;

/// What opening an event's `PersistedState` found.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Opened {
    /// Whether a key of the list verified it.
    pub verified: bool,
    /// The key and mode (the key itself is never serialized: fingerprints and origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
    /// What the payload is: `verified`, `unsigned` (no MAC: readable by anyone),
    /// `unverified` (legacy signed, MAC not checked), `compressed` (an unprotected GZip
    /// ViewState), `mono` (written by Mono's System.Web), or `unreadable` (encrypted, or
    /// signed under a key not in the list).
    pub state: &'static str,
    /// In words.
    pub note: String,
    /// The tree, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// Deserialization gadgets in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gadgets: Vec<GadgetFinding>,
    /// Windows executables in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub executables: Vec<Executable>,
    /// Whether the event log cut the value (ASP.NET ends a cut string with `...`).
    pub truncated_by_event_log: bool,
}

impl Opened {
    /// Whether the payload carries deserialization gadgets or a Windows executable.
    #[must_use]
    pub fn is_attack(&self) -> bool {
        !self.gadgets.is_empty() || !self.executables.is_empty()
    }

    /// Hands an attack payload to `analysis` ([`Analysis::add_attack`](super::Analysis::add_attack)).
    pub fn record(&self, event: &Event, analysis: &mut super::Analysis) {
        if !self.is_attack() {
            return;
        }
        let key = self.finding.as_ref().map(|f| {
            f.origin
                .as_ref()
                .map_or_else(|| format!("#{}", f.index), ToString::to_string)
        });
        let mut gadgets: Vec<String> = self.gadgets.iter().map(|g| g.gadget.to_string()).collect();
        gadgets.dedup();
        let exes: Vec<String> = self.executables.iter().map(|x| x.sha256.clone()).collect();
        analysis.add_attack(&event.origin.to_string(), key.as_deref(), &gadgets, &exes);
    }
}

/// Opens `PersistedState`s with a list of keys.
#[derive(Debug)]
pub struct Opener {
    auditor: Auditor,
}

impl Opener {
    /// An opener for `list` (each key's MAC states are keyed once and kept for every event).
    ///
    /// # Example
    /// ```
    /// use machinekey::audit::KeyList;
    /// use machinekey::events::Opener;
    /// let opener = Opener::new(KeyList::builtin());
    /// assert!(opener.keys() > 3000);
    /// ```
    #[must_use]
    pub fn new(list: KeyList) -> Self {
        Self {
            auditor: Auditor::from_list(list),
        }
    }

    /// How many key pairs it tries.
    #[must_use]
    pub fn keys(&self) -> usize {
        self.auditor.len()
    }

    /// Opens the event's `PersistedState`, or `None` when it logged none.
    #[must_use]
    pub fn open(&self, event: &Event) -> Option<Opened> {
        let state = event.persisted_state.as_deref()?;
        let truncated = event.persisted_state_truncated();
        let item = batch_item(event)?;
        let result = self.auditor.audit_item(1, &item);
        if let (true, Some(finding)) = (result.found, result.finding) {
            let payload = finding.payload.clone();
            let (tree, mono_tree) = tree_of(&payload);
            let gadgets = result.gadgets;
            let executables = pe::find(&payload);
            let key_at = finding
                .origin
                .as_ref()
                .map_or_else(|| format!("#{}", finding.index), ToString::to_string);
            let note = format!(
                "verified with the key pair at {key_at} (validationKey {}, decryptionKey {}): {:?}, {}{}{}",
                finding.fingerprints.validation_key,
                finding.fingerprints.decryption_key,
                finding.mode,
                finding.validation,
                finding
                    .decryption
                    .map(|d| format!(" + {d:?}"))
                    .unwrap_or_default(),
                finding
                    .app_path
                    .as_deref()
                    .map(|a| format!(", application {a}"))
                    .unwrap_or_default(),
            );
            return Some(Opened {
                verified: true,
                finding: Some(finding),
                state: if mono_tree { "mono" } else { "verified" },
                note,
                tree,
                gadgets,
                executables,
                truncated_by_event_log: truncated,
            });
        }
        Some(self.unverified(state, truncated))
    }

    /// A value no key verified: read what can be read without one.
    fn unverified(&self, state: &str, truncated: bool) -> Opened {
        let none = |state: &'static str, note: String| Opened {
            verified: false,
            finding: None,
            state,
            note,
            tree: None,
            gadgets: Vec::new(),
            executables: Vec::new(),
            truncated_by_event_log: truncated,
        };
        if let Some(compressed) = compressed_payload(state) {
            return match compressed {
                Ok(payload) => {
                    let (tree, _) = tree_of(&payload);
                    Opened {
                        tree,
                        gadgets: gadgets_of(&payload),
                        executables: pe::find(&payload),
                        ..none(
                            "compressed",
                            "an unprotected GZip ViewState (no MAC, no key): read as it is".into(),
                        )
                    }
                }
                Err(e) => none("unreadable", e.to_string()),
            };
        }
        let readings = decode_value(state).unwrap_or_default();
        for r in &readings {
            match osf::read(&r.bytes) {
                Ok(doc) => {
                    let signed = !doc.trailer.is_empty();
                    return Opened {
                        tree: Some(clip(render::text(&doc.root))),
                        gadgets: gadgets::in_state(&doc.root),
                        executables: pe::find(&r.bytes),
                        ..none(
                            if signed { "unverified" } else { "unsigned" },
                            if signed {
                                format!(
                                    "signed ({} bytes of MAC) with a key that is not among the {} tried; read without verifying it",
                                    doc.trailer.len(),
                                    self.keys()
                                )
                            } else {
                                "no MAC: a ViewState anyone can write; read as it is".into()
                            },
                        )
                    };
                }
                Err(e) if *e.kind() == OsfErrorKind::Mono => {
                    let (tree, _) = tree_of(&r.bytes);
                    return Opened {
                        tree,
                        gadgets: gadgets_of(&r.bytes),
                        executables: pe::find(&r.bytes),
                        ..none(
                            "mono",
                            "written by Mono's System.Web (its own serializer): read as Mono's tree, MAC not verified".into(),
                        )
                    };
                }
                Err(_) => {}
            }
        }
        let executables = readings.iter().flat_map(|r| pe::find(&r.bytes)).collect();
        Opened {
            executables,
            ..none(
                "unreadable",
                if readings.is_empty() {
                    "not Base64: nothing to open".to_owned()
                } else {
                    format!(
                        "no key among the {} tried verifies it: encrypted, or signed, with a key that is not in the list",
                        self.keys()
                    )
                },
            )
        }
    }
}

fn clip(mut text: String) -> String {
    if text.len() > MAX_TREE {
        let mut cut = MAX_TREE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n...");
    }
    text
}

/// The tree of a payload (Microsoft's or Mono's), and whether it is Mono's.
fn tree_of(payload: &[u8]) -> (Option<String>, bool) {
    match osf::read(payload) {
        Ok(doc) => (Some(clip(render::text(&doc.root))), false),
        Err(e) if *e.kind() == OsfErrorKind::Mono => (
            mono::read(payload)
                .ok()
                .map(|s| clip(format!("Mono page state\n{}", mono::render(&s.root)))),
            true,
        ),
        Err(_) => (None, false),
    }
}

fn gadgets_of(payload: &[u8]) -> Vec<GadgetFinding> {
    if let Ok(doc) = osf::read(payload) {
        return gadgets::in_state(&doc.root);
    }
    mono::read(payload)
        .map(|s| {
            s.binary_payloads()
                .into_iter()
                .flat_map(|b| gadgets::triage(&crate::formats::nrbf::read_partial(b).0))
                .collect()
        })
        .unwrap_or_default()
}

/// The page the event names: its `Path` (`PATH_INFO`), else the request path or URL.
fn page(event: &Event) -> Option<&str> {
    event
        .page_path
        .as_deref()
        .or(event.request_path.as_deref())
        .or(event.url.as_deref())
}

fn batch_item(event: &Event) -> Option<BatchItem> {
    Some(BatchItem {
        viewstate: Some(event.persisted_state.clone()?),
        url: page(event).map(str::to_owned),
        source: Some(event.origin.to_string()),
        ..BatchItem::default()
    })
}

/// One JSON line for an event, in the shape `audit --batch` reads ([`BatchItem`]): the
/// event (and what opening it found) as the echoed `id`, its `PersistedState` as
/// `viewstate` with the page as `url`; an event without one is a `label`led line
/// (`aspnet_event`), echoed and not audited.
///
/// # Example
/// ```
/// use machinekey::audit::batch::BatchItem;
/// use machinekey::events::{Format, Item, Limits, batch_line, read};
/// let text = "1316 | Information | Event code: 4009-++-Viewstate verification failed. Reason: The viewstate supplied failed integrity check.-++-".to_owned()
///     + &"x-++-".repeat(26) + "/wEPDwUJODExMDE5NzY5ZGQ=-++--++-/shop/cart.aspx";
/// let mut lines = Vec::new();
/// read(text.as_bytes(), Format::DejaView, "dv.txt", &Limits::default(), |i| {
///     if let Item::Event(e) = i { lines.push(batch_line(&e, None)) }
/// })?;
/// let item: BatchItem = serde_json::from_value(lines[0].clone()).expect("a batch line");
/// assert_eq!(item.url.as_deref(), Some("/shop/cart.aspx"));
/// assert_eq!(lines[0]["id"]["kind"], "viewstate_failure");
/// # Ok::<(), machinekey::events::EventsError>(())
/// ```
#[must_use]
pub fn batch_line(event: &Event, opened: Option<&Opened>) -> Value {
    let mut id = serde_json::to_value(event).unwrap_or(Value::Null);
    if let (Some(o), Value::Object(map)) = (opened, &mut id) {
        map.insert(
            "opened".into(),
            serde_json::to_value(o).unwrap_or(Value::Null),
        );
    }
    match batch_item(event) {
        Some(item) => {
            let mut line = serde_json::to_value(&item).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut line {
                map.insert("id".into(), id);
            }
            line
        }
        None => json!({
            "id": id,
            "label": "aspnet_event",
            "source": event.origin.to_string(),
        }),
    }
}
