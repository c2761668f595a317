//! What the page asks and what it is told: one request, one answer, over the library's own
//! calls. No key or value is logged or echoed back.

use serde::{Deserialize, Serialize};

use machinekey::audit::data_protection::{
    DataProtectionAuditor, DataProtectionKeyList, DataProtectionVerdict,
};
use machinekey::audit::{Auditor, Blob, KeyList};
use machinekey::compat::{Comparison, Node, matrix};
use machinekey::config::{MachineKeyAttribute, MachineKeyConfig};
use machinekey::crypto::encoding::{decode_value, to_upper_hex};
use machinekey::dataprotection::KeyRing;
use machinekey::formats::nrbf::gadgets::{self, Finding as GadgetFinding};
use machinekey::formats::osf;
use machinekey::{AppIdentity, AppKeys, CookieProtection, Page, TicketValidation};

/// What the user pasted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub(crate) enum Kind {
    /// Decide from the value's shape.
    #[default]
    Auto,
    /// A `__VIEWSTATE`.
    Viewstate,
    /// An `__EVENTVALIDATION`.
    Eventvalidation,
    /// A forms-authentication cookie (`.ASPXAUTH`).
    FormsCookie,
    /// A Data Protection value (`CfDJ8...`, a Core cookie).
    DataProtection,
    /// A saved page, raw HTTP response or HAR: every protected value in it.
    Page,
    /// One or two web.configs (findings, or the compare matrix).
    WebConfig,
}

/// One request from the page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub(crate) struct InspectRequest {
    /// The value (or the first web.config).
    pub value: String,
    /// What it is.
    pub kind: Kind,
    /// The application's web.config, for keys (or the second web.config to compare).
    pub web_config: Option<String>,
    /// `validationKey` (hex), when keys are typed rather than given as a web.config.
    pub validation_key: Option<String>,
    /// `decryptionKey` (hex).
    pub decryption_key: Option<String>,
    /// `validation` algorithm.
    pub validation: Option<String>,
    /// `decryption` algorithm.
    pub decryption: Option<String>,
    /// `compatibilityMode` (`Framework20SP1`, `Framework20SP2`, `Framework45`).
    pub mode: Option<String>,
    /// The page URL or path (for ViewState purposes and generators).
    pub url: Option<String>,
    /// The application's virtual path.
    pub app_path: Option<String>,
    /// The page's `__VIEWSTATEGENERATOR` (hex).
    pub generator: Option<String>,
    /// A Data Protection key ring: the XML of one key file.
    pub key_ring_xml: Option<String>,
    /// Search the built-in list of publicly known keys when no key is given or it fails.
    pub find_known_key: Option<bool>,
    /// Data Protection application discriminators to try (one a line, or comma-separated).
    pub app_names: Option<String>,
}

/// The verdict shown at the top of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Verdict {
    /// `verified`, `refused`, `unverified`, `known_key`, `info` or `error`.
    pub status: &'static str,
    /// One line for people.
    pub message: String,
}

/// A known key that protects the value: fingerprints and where it is listed, never the key.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KnownKeyView {
    /// Short fingerprints of the validation and decryption keys.
    pub fingerprints: String,
    /// Where the list names it.
    pub origin: String,
    /// The validation algorithm.
    pub validation: String,
    /// The cipher, when the value was encrypted.
    pub decryption: Option<String>,
    /// The compatibility mode.
    pub mode: String,
    /// The application path that matched.
    pub app_path: Option<String>,
}

/// The page's answer.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub(crate) struct InspectResponse {
    /// What the value was taken for.
    pub kind: Kind,
    /// The verdict.
    pub verdict: Verdict,
    /// The ObjectStateFormatter tree as text.
    pub tree_text: Option<String>,
    /// The tree itself.
    pub tree: Option<osf::Value>,
    /// Deserialization gadgets in the tree.
    pub gadgets: Vec<GadgetFinding>,
    /// The publicly known key that protects the value, if one does.
    pub known_key: Option<KnownKeyView>,
    /// A forms ticket's fields.
    pub ticket: Option<serde_json::Value>,
    /// The payload (hex) when it is not a tree.
    pub payload_hex: Option<String>,
    /// The compare matrix of two web.configs.
    pub compare: Option<Vec<Comparison>>,
    /// Configuration findings of one web.config.
    pub findings: Option<serde_json::Value>,
    /// What each Data Protection value (one pasted, or each of a page's) opened into.
    pub data_protection: Vec<DataProtectionView>,
    /// Every value carved from a pasted page, as `audit --batch` reports it.
    pub page: Option<Vec<serde_json::Value>>,
}

/// One Data Protection value's verdict, and where it was found.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DataProtectionView {
    /// Where it was found in a page (none for a value pasted alone).
    pub source: Option<String>,
    /// The verdict: key, where it was published, discriminator, consumer, impact, what the
    /// value holds (never the master key).
    pub verdict: DataProtectionVerdict,
}

impl InspectResponse {
    fn new(kind: Kind, status: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            verdict: Verdict {
                status,
                message: message.into(),
            },
            tree_text: None,
            tree: None,
            gadgets: Vec::new(),
            known_key: None,
            ticket: None,
            payload_hex: None,
            compare: None,
            findings: None,
            data_protection: Vec::new(),
            page: None,
        }
    }

    fn with_tree(mut self, payload: &[u8]) -> Self {
        match osf::read(payload) {
            Ok(doc) => {
                self.tree_text = Some(osf::render::text(&doc.root));
                self.gadgets = gadgets::in_state(&doc.root);
                self.tree = Some(doc.root);
            }
            Err(e) => {
                self.tree_text = Some(format!("not an ObjectStateFormatter graph: {e}"));
                self.payload_hex = Some(to_upper_hex(payload));
            }
        }
        self
    }
}

fn detect(req: &InspectRequest) -> Kind {
    if req.kind != Kind::Auto {
        return req.kind;
    }
    let v = req.value.trim();
    let page = v.starts_with("HTTP/")
        || v.starts_with("{")
        || v.contains("<!--Blazor")
        || v.get(..15).is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            h.starts_with("<!doctype html") || h.starts_with("<html")
        });
    if page {
        Kind::Page
    } else if v.starts_with('<') {
        Kind::WebConfig
    } else if machinekey::dataprotection::looks_like_payload(v) {
        Kind::DataProtection
    } else if v.len() >= 64 && v.len().is_multiple_of(2) && v.bytes().all(|b| b.is_ascii_hexdigit())
    {
        Kind::FormsCookie
    } else {
        Kind::Viewstate
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The configuration the request gives keys by, if any.
fn config(req: &InspectRequest) -> Result<Option<MachineKeyConfig>, String> {
    if let Some(xml) = non_empty(&req.web_config) {
        return MachineKeyConfig::from_web_config(xml)
            .map(Some)
            .map_err(|e| format!("web.config: {e}"));
    }
    let Some(vk) = non_empty(&req.validation_key) else {
        return Ok(None);
    };
    let mut b = MachineKeyConfig::builder().validation_key(vk);
    if let Some(dk) = non_empty(&req.decryption_key) {
        b = b.decryption_key(dk);
    }
    // As typed on the page: the builder checks the names as ASP.NET does.
    if let Some(v) = non_empty(&req.validation) {
        b = b.attribute(MachineKeyAttribute::Validation, v);
    }
    if let Some(d) = non_empty(&req.decryption) {
        b = b.attribute(MachineKeyAttribute::Decryption, d);
    }
    if let Some(m) = non_empty(&req.mode) {
        b = b.attribute(MachineKeyAttribute::CompatibilityMode, m);
    }
    b.build().map(Some).map_err(|e| format!("keys: {e}"))
}

fn app_path(req: &InspectRequest) -> String {
    non_empty(&req.app_path).unwrap_or("/").to_owned()
}

fn pages(req: &InspectRequest) -> Result<Vec<Page>, String> {
    if let Some(g) = non_empty(&req.generator) {
        let g = u32::from_str_radix(g, 16).map_err(|_| "a generator is 8 hex digits".to_owned())?;
        return Ok(vec![Page::from_generator(g)]);
    }
    let Some(url) = non_empty(&req.url) else {
        return Err("give the page URL (or its __VIEWSTATEGENERATOR) to verify page state".into());
    };
    let app = app_path(req);
    Page::paths_for_url(url)
        .iter()
        .map(|p| Page::from_path(p, &app))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

fn app_keys(req: &InspectRequest, cfg: &MachineKeyConfig) -> Result<AppKeys, String> {
    let app = app_path(req);
    let identity = AppIdentity::in_default_site(&app).map_err(|e| e.to_string())?;
    AppKeys::resolve(cfg, &identity, None).map_err(|e| e.to_string())
}

/// The built-in known-key list, read once for the life of the server.
fn builtin_list() -> &'static KeyList {
    static LIST: std::sync::OnceLock<KeyList> = std::sync::OnceLock::new();
    LIST.get_or_init(KeyList::builtin)
}

/// An auditor over [`builtin_list`], prepared once (its MAC states are keyed on first use
/// and kept across requests).
fn builtin_auditor() -> &'static Auditor {
    static AUDITOR: std::sync::OnceLock<Auditor> = std::sync::OnceLock::new();
    AUDITOR.get_or_init(|| Auditor::new(builtin_list()))
}

fn known_key(req: &InspectRequest, kind: Kind) -> Option<machinekey::audit::Finding> {
    if req.find_known_key == Some(false) {
        return None;
    }
    let auditor = builtin_auditor();
    let generator = non_empty(&req.generator).and_then(|g| u32::from_str_radix(g, 16).ok());
    decode_value(req.value.trim()).ok()?.iter().find_map(|r| {
        let mut blob = match kind {
            Kind::Eventvalidation => Blob::event_validation(&r.bytes),
            Kind::FormsCookie => Blob::forms_cookie(&r.bytes),
            _ => Blob::viewstate(&r.bytes),
        };
        if let Some(g) = generator {
            blob = blob.with_generator(g);
        }
        if let Some(u) = non_empty(&req.url) {
            blob = blob.with_url(u);
        }
        auditor.audit(&blob)
    })
}

fn known_key_view(f: &machinekey::audit::Finding) -> KnownKeyView {
    KnownKeyView {
        fingerprints: format!(
            "validationKey {} / decryptionKey {}",
            f.fingerprints.validation_key, f.fingerprints.decryption_key
        ),
        origin: f
            .origin
            .as_ref()
            .map_or_else(|| format!("#{}", f.index), ToString::to_string),
        validation: f.validation.to_string(),
        decryption: f.decryption.map(|d| d.as_str().to_owned()),
        mode: format!("{:?}", f.mode),
        app_path: f.app_path.clone(),
    }
}

/// Answers one request.
///
/// # Example
/// ```
/// use machinekey::ui::inspect::{InspectRequest, inspect};
/// let req: InspectRequest = serde_json::from_str(r#"{"value": "/wEPDwUJODExMDE5NzY5ZGQ=", "find_known_key": false}"#)?;
/// let answer = inspect(&req);
/// assert_eq!(answer.verdict.status, "unverified");
/// assert!(answer.tree_text.unwrap().contains("page type hash: 811019769"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[must_use]
pub(crate) fn inspect(req: &InspectRequest) -> InspectResponse {
    let kind = detect(req);
    if req.value.trim().is_empty() {
        return InspectResponse::new(kind, "error", "paste a value first");
    }
    match kind {
        Kind::WebConfig => web_configs(req),
        Kind::DataProtection => data_protection(req),
        Kind::Page => page(req),
        Kind::FormsCookie => forms_cookie(req),
        _ => page_state(req, kind),
    }
}

fn page_state(req: &InspectRequest, kind: Kind) -> InspectResponse {
    let cfg = match config(req) {
        Ok(c) => c,
        Err(e) => return InspectResponse::new(kind, "error", e),
    };
    let field = req.value.trim();
    if let Some(cfg) = cfg {
        let keys = match app_keys(req, &cfg) {
            Ok(k) => k,
            Err(e) => return InspectResponse::new(kind, "error", e),
        };
        let pages = match pages(req) {
            Ok(p) => p,
            Err(e) => return InspectResponse::new(kind, "error", e),
        };
        let opened = pages.iter().find_map(|page| {
            let r = if kind == Kind::Eventvalidation {
                keys.decode_event_validation(field, page)
            } else {
                keys.decode_viewstate(field, page)
            };
            r.ok()
        });
        return match opened {
            Some(payload) => {
                InspectResponse::new(kind, "verified", "MAC verified with the keys given")
                    .with_tree(&payload)
            }
            None => InspectResponse::new(
                kind,
                "refused",
                "refused: unable to validate data (ASP.NET would reject this value with these keys and this page)",
            ),
        };
    }
    if let Some(f) = known_key(req, kind) {
        let mut r = InspectResponse::new(
            kind,
            "known_key",
            "MAC verified with a publicly known key: this site's keys are leaked",
        )
        .with_tree(&f.payload);
        r.known_key = Some(known_key_view(&f));
        return r;
    }
    let readable = decode_value(field)
        .unwrap_or_default()
        .into_iter()
        .find(|r| osf::read(&r.bytes).is_ok());
    match readable {
        Some(r) => {
            let trailer = osf::read(&r.bytes)
                .map(|d| d.trailer.len())
                .unwrap_or_default();
            let message = if trailer == 0 {
                "no MAC: sent with EnableViewStateMac=false, or forged".to_owned()
            } else {
                format!(
                    "MAC not verified ({trailer} bytes after the graph): give the keys to verify it"
                )
            };
            InspectResponse::new(kind, "unverified", message).with_tree(&r.bytes)
        }
        None => InspectResponse::new(
            kind,
            "info",
            "encrypted or Framework45 state, and no known key opens it: give the keys (a web.config, or the attributes) and the page URL",
        ),
    }
}

fn ticket_json(t: &machinekey::FormsAuthenticationTicket) -> serde_json::Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("issued_unix".into(), t.issue_date.unix_timestamp().into());
        map.insert("expires_unix".into(), t.expiration.unix_timestamp().into());
    }
    v
}

fn forms_cookie(req: &InspectRequest) -> InspectResponse {
    let kind = Kind::FormsCookie;
    let cookie = req.value.trim();
    let cfg = match config(req) {
        Ok(c) => c,
        Err(e) => return InspectResponse::new(kind, "error", e),
    };
    if let Some(cfg) = cfg {
        let keys = match app_keys(req, &cfg) {
            Ok(k) => k,
            Err(e) => return InspectResponse::new(kind, "error", e),
        };
        let policy = TicketValidation::default().ignoring_expiry();
        return match keys.decrypt_ticket(cookie, CookieProtection::All, &policy) {
            Ok(t) => {
                let mut r = InspectResponse::new(
                    kind,
                    "verified",
                    "ticket verified and decrypted with the keys given",
                );
                r.ticket = Some(ticket_json(&t));
                r
            }
            Err(_) => InspectResponse::new(kind, "refused", "refused: unable to validate data"),
        };
    }
    match known_key(req, kind) {
        Some(f) => {
            let mut r = InspectResponse::new(
                kind,
                "known_key",
                "ticket opened with a publicly known key: anyone can forge logins for this site",
            );
            r.ticket = machinekey::FormsAuthenticationTicket::deserialize(&f.payload)
                .or_else(|_| machinekey::FormsAuthenticationTicket::deserialize_legacy(&f.payload))
                .ok()
                .map(|t| ticket_json(&t));
            if r.ticket.is_none() {
                r.payload_hex = Some(to_upper_hex(&f.payload));
            }
            r.known_key = Some(known_key_view(&f));
            r
        }
        None => InspectResponse::new(
            kind,
            "info",
            "no known key opens this cookie: give the keys",
        ),
    }
}

/// The published Data Protection keys (unless the user turned the search off), the pasted
/// key file, and the application names given.
fn dp_auditor(req: &InspectRequest) -> Result<(DataProtectionAuditor, bool), String> {
    let mut list = if req.find_known_key == Some(false) {
        DataProtectionKeyList::default()
    } else {
        DataProtectionKeyList::builtin()
    };
    let mut ring_given = false;
    if let Some(xml) = non_empty(&req.key_ring_xml) {
        let key = machinekey::dataprotection::Key::from_xml(xml, "pasted key")
            .map_err(|e| format!("key ring: {e}"))?;
        let mut ring = KeyRing::new();
        ring.add(key).map_err(|e| format!("key ring: {e}"))?;
        list.add_key_ring(&ring, "the pasted key");
        ring_given = true;
    }
    let names: Vec<String> = non_empty(&req.app_names)
        .unwrap_or_default()
        .split(['\n', ','])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .chain(
            non_empty(&req.app_path)
                .filter(|a| *a != "/")
                .map(str::to_owned),
        )
        .collect();
    Ok((
        DataProtectionAuditor::new(list).with_app_names(names),
        ring_given,
    ))
}

fn data_protection(req: &InspectRequest) -> InspectResponse {
    let kind = Kind::DataProtection;
    let (auditor, ring_given) = match dp_auditor(req) {
        Ok(a) => a,
        Err(e) => return InspectResponse::new(kind, "error", e),
    };
    let verdict = auditor.audit(req.value.trim());
    let mut r = match &verdict {
        DataProtectionVerdict::Opened(m) => {
            let from_ring = &*m.key.list == "the pasted key";
            let mut r = if from_ring {
                InspectResponse::new(
                    kind,
                    "verified",
                    format!("opened with the key ring, as {} protects it", m.consumer),
                )
            } else {
                InspectResponse::new(
                    kind,
                    "known_key",
                    format!(
                        "opened with a publicly known Data Protection key ({}): {}",
                        m.key.published_at(),
                        m.impact
                    ),
                )
            };
            r.payload_hex = Some(to_upper_hex(&m.plaintext));
            if osf::read(&m.plaintext).is_ok() {
                r = r.with_tree(&m.plaintext);
            }
            r
        }
        DataProtectionVerdict::PublishedKeyUnverified {
            key_id,
            key,
            chains_tried,
        } => InspectResponse::new(
            kind,
            "refused",
            format!(
                "the value names key {} ({}), but none of the {chains_tried} known purpose chains opens it: give the application name (another discriminator), or it was tampered with",
                key_id.braced(),
                key.published_at()
            ),
        ),
        DataProtectionVerdict::UnknownKey { key_id } => InspectResponse::new(
            kind,
            if ring_given { "refused" } else { "info" },
            if ring_given {
                format!("the key {} was not found in the key ring", key_id.braced())
            } else {
                format!(
                    "the value needs key {}, which is not among the publicly known keys: paste the key ring (the XML of a key file) to open it",
                    key_id.braced()
                )
            },
        ),
        _ => InspectResponse::new(
            kind,
            "error",
            "not a Data Protection value: no CfDJ8 or 09F0C9F0 header",
        ),
    };
    r.data_protection.push(DataProtectionView {
        source: None,
        verdict,
    });
    r
}

/// A pasted page (HTML, a raw response or request, a HAR): every protected value carved
/// from it and audited, the Data Protection ones opened.
fn page(req: &InspectRequest) -> InspectResponse {
    use machinekey::audit::carve::{CarveOptions, carve};
    let kind = Kind::Page;
    let (dp, _) = match dp_auditor(req) {
        Ok(a) => a,
        Err(e) => return InspectResponse::new(kind, "error", e),
    };
    let items = carve(
        &req.value,
        "page",
        non_empty(&req.url),
        &CarveOptions::default(),
    );
    if items.is_empty() {
        return InspectResponse::new(kind, "info", "no protected value found in this page");
    }
    let list = if req.find_known_key == Some(false) {
        KeyList::default()
    } else {
        builtin_list().clone()
    };
    let auditor = Auditor::from_list(list).with_data_protection(dp);
    let numbered: Vec<(usize, &machinekey::audit::batch::BatchItem)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (i + 1, item))
        .collect();
    let results = auditor.audit_items(&numbered);
    let found = results.iter().filter(|r| r.found).count();
    let mut r = InspectResponse::new(
        kind,
        if found > 0 { "known_key" } else { "info" },
        format!(
            "{} protected value(s) in this page; {found} opened with a known key",
            results.len()
        ),
    );
    for result in &results {
        if let Some(v) = &result.data_protection {
            r.data_protection.push(DataProtectionView {
                source: result.source.clone(),
                verdict: v.clone(),
            });
        }
    }
    r.page = Some(
        results
            .iter()
            .filter_map(|x| serde_json::to_value(x).ok())
            .collect(),
    );
    r
}

fn web_configs(req: &InspectRequest) -> InspectResponse {
    let kind = Kind::WebConfig;
    let first = match MachineKeyConfig::from_web_config(req.value.trim()) {
        Ok(c) => c,
        Err(e) => return InspectResponse::new(kind, "error", format!("first web.config: {e}")),
    };
    let Some(second_xml) = non_empty(&req.web_config) else {
        return match machinekey::config::lint::lint(&first, Some(builtin_list())) {
            Ok(summary) => {
                let mut r = InspectResponse::new(
                    kind,
                    "info",
                    "findings for this web.config (paste a second one to compare)",
                );
                r.findings = serde_json::to_value(&summary).ok();
                r
            }
            Err(e) => InspectResponse::new(kind, "error", e.to_string()),
        };
    };
    let second = match MachineKeyConfig::from_web_config(second_xml) {
        Ok(c) => c,
        Err(e) => return InspectResponse::new(kind, "error", format!("second web.config: {e}")),
    };
    let app = app_path(req);
    let identity = match AppIdentity::in_default_site(&app) {
        Ok(i) => i,
        Err(e) => return InspectResponse::new(kind, "error", e.to_string()),
    };
    let nodes = [
        Node::new("first", first, identity.clone()),
        Node::new("second", second, identity),
    ];
    match matrix(&nodes) {
        Ok(m) => {
            let all = m.iter().all(Comparison::all_readable);
            let mut r = InspectResponse::new(
                kind,
                if all { "verified" } else { "refused" },
                if all {
                    "the two configurations read each other's state"
                } else {
                    "the two configurations do NOT read each other's state (see the matrix)"
                },
            );
            r.compare = Some(m);
            r
        }
        Err(e) => InspectResponse::new(kind, "error", e.to_string()),
    }
}
