//! Will these workers and servers share state? For two nodes (what one worker process sees:
//! its effective configuration, application path and id, framework build, and AutoGenerate
//! key material), whether what one protects the other reads, for every kind of state, and
//! why not.
//!
//! Each verdict is **proved with the real formats**: the state is protected with the first
//! node's keys and opened with the second's. The reasons come from comparing the two
//! configurations, in words an operator acts on (keys by fingerprint and the file and line
//! that set them, never the keys). The simulator's diagnosis uses this same code.
//!
//! **Start here:** [`Node::from_resolved`] (or [`Node::new`]) for each worker, then
//! [`compare`] for a pair or [`matrix`] for every ordered pair.
//!
//! # Example
//! ```
//! use machinekey::{AppIdentity, MachineKeyConfig};
//! use machinekey::compat::{Node, Reason, StateKind, compare};
//! let keys = |target: &str| MachineKeyConfig::from_web_config(&format!(r#"<configuration><system.web>
//!   <httpRuntime targetFramework="{target}" />
//!   <machineKey validationKey="00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
//!     decryptionKey="0123456789ABCDEF0123456789ABCDEF" validation="HMACSHA256" decryption="AES" />
//! </system.web></configuration>"#));
//! let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT")?;
//! let a = Node::new("web1", keys("4.5")?, app.clone());
//! let b = Node::new("web2", keys("4.0")?, app);
//! let c = compare(&a, &b)?;
//! assert_eq!(c.verdict(StateKind::FormsTicket).and_then(|v| v.readable), Some(false));
//! assert_eq!(c.verdict(StateKind::MachineKeyProtect).and_then(|v| v.readable), Some(true));
//! let viewstate = c.verdict(StateKind::ViewState).ok_or(machinekey::Error::Unprotect)?;
//! assert!(matches!(viewstate.reasons[..], [Reason::ModesDiffer { .. }]));
//! # Ok::<(), machinekey::Error>(())
//! ```

#[cfg(feature = "diagnose")]
#[cfg_attr(docsrs, doc(cfg(feature = "diagnose")))]
pub mod diagnose;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::stack::{Origin, ResolvedConfig};
use crate::config::{FrameworkVersion, KeyAttribute, KeySource, KeySpec, MachineKeyConfig};
use crate::dataprotection::KeyRing;
use crate::dataprotection::systemweb::discriminator;
use crate::error::Error;
use crate::formats::cookie::{CookieKind, CookieProtection};
use crate::formats::forms_ticket::FormsAuthenticationTicket;
use crate::formats::resource::ResourceKind;
use crate::formats::session::state_server_key_unkeyed;
use crate::formats::{AppKeys, Page};
use crate::keys::{AppIdentity, AutoGenKeys, fingerprint};
use crate::random::OsRandom;

/// The kinds of state compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StateKind {
    /// `__VIEWSTATE` of a page of the application.
    ViewState,
    /// `__EVENTVALIDATION` of the same page.
    EventValidation,
    /// The `.ASPXAUTH` forms ticket.
    FormsTicket,
    /// `MachineKey.Protect` data (4.5 and later).
    MachineKeyProtect,
    /// `WebResource.axd` / `ScriptResource.axd` URLs.
    ResourceUrl,
    /// The role-manager cookie.
    RoleCookie,
    /// The anonymous-identification cookie.
    AnonymousIdCookie,
    /// The State Service session lookup key (keyed on 2.0-era builds, unkeyed on 4.8).
    SessionLookupKey,
}

impl StateKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 8] = [
        Self::ViewState,
        Self::EventValidation,
        Self::FormsTicket,
        Self::MachineKeyProtect,
        Self::ResourceUrl,
        Self::RoleCookie,
        Self::AnonymousIdCookie,
        Self::SessionLookupKey,
    ];

    /// A short name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::ViewState => "viewstate",
            Self::EventValidation => "eventvalidation",
            Self::FormsTicket => "forms ticket",
            Self::MachineKeyProtect => "MachineKey.Protect",
            Self::ResourceUrl => "resource URL",
            Self::RoleCookie => "role cookie",
            Self::AnonymousIdCookie => "anonymous cookie",
            Self::SessionLookupKey => "session key",
        }
    }

    /// Whether the compatibility mode picks this kind's stack (`MachineKey.Protect` is
    /// always Framework45; the session key is not protected data).
    const fn follows_mode(self) -> bool {
        !matches!(self, Self::MachineKeyProtect | Self::SessionLookupKey)
    }
}

/// One worker process's view of the keys.
#[derive(Debug, Clone)]
pub struct Node {
    name: String,
    config: MachineKeyConfig,
    origins: BTreeMap<String, Origin>,
    app: AppIdentity,
    autogen: Option<(AutoGenKeys, String)>,
    key_ring: Option<(KeyRing, String)>,
}

impl Node {
    /// A node with `config` for the application `app`. Without [`with_autogen`](Self::with_autogen),
    /// AutoGenerate keys are the process's own random keys (what a worker gets when it
    /// cannot reach a key store).
    #[must_use]
    pub fn new(name: &str, config: MachineKeyConfig, app: AppIdentity) -> Self {
        Self {
            name: name.to_owned(),
            config,
            origins: BTreeMap::new(),
            app,
            autogen: None,
            key_ring: None,
        }
    }

    /// A node from a resolved configuration stack: reasons then name the file and line of
    /// each setting.
    #[must_use]
    pub fn from_resolved(name: &str, resolved: &ResolvedConfig, app: AppIdentity) -> Self {
        let mut node = Self::new(name, resolved.config.clone(), app);
        node.origins = resolved.origins().clone();
        node
    }

    /// The node's AutoGenerate key material (an `AutoGenKeyV4` export, or what a key store
    /// gave the worker), with a description of where it came from.
    #[must_use]
    pub fn with_autogen(mut self, keys: AutoGenKeys, source: &str) -> Self {
        self.autogen = Some((keys, source.to_owned()));
        self
    }

    /// The node's Data Protection key ring (for a `dataProtectorType` configuration), with
    /// a description of where it came from. Without one, such a node's processes each keep an
    /// in-memory ring, as when no repository is usable.
    #[must_use]
    pub fn with_key_ring(mut self, ring: KeyRing, source: &str) -> Self {
        self.key_ring = Some((ring, source.to_owned()));
        self
    }

    /// The same node under another name.
    #[must_use]
    pub fn renamed(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &MachineKeyConfig {
        &self.config
    }

    /// The application.
    #[must_use]
    pub fn app(&self) -> &AppIdentity {
        &self.app
    }

    fn origin(&self, setting: &str) -> Option<String> {
        self.origins.get(setting).map(ToString::to_string)
    }

    /// The keys this node's process uses. AutoGenerate without material: fresh random keys,
    /// as each such process has.
    fn keys(&self) -> Result<AppKeys, Error> {
        let own;
        let autogen = match &self.autogen {
            Some((keys, _)) => Some(keys),
            None => {
                own = AutoGenKeys::generate(&OsRandom)?;
                Some(&own)
            }
        };
        let keys = AppKeys::resolve(&self.config, &self.app, autogen)?;
        if self.config.data_protector_type().is_none() {
            return Ok(keys);
        }
        let ring = match &self.key_ring {
            Some((ring, _)) => ring.clone(),
            None => {
                let mut own = KeyRing::new();
                own.generate_key(time::OffsetDateTime::now_utc(), &OsRandom)?;
                own
            }
        };
        Ok(keys.with_key_ring(ring, &self.app))
    }

    /// Whether `kind` goes through this node's Data Protection key ring.
    fn routed(&self, kind: StateKind) -> bool {
        self.config.data_protector_type().is_some()
            && (kind == StateKind::MachineKeyProtect
                || (kind.follows_mode()
                    && kind != StateKind::ResourceUrl
                    && self.config.compatibility_mode().is_framework45()))
    }

    fn framework(&self) -> FrameworkVersion {
        self.config.runtime().framework
    }

    fn page(&self) -> Result<Page, Error> {
        let base = self.app.virtual_path().trim_end_matches('/');
        Page::from_path(&format!("{base}/default.aspx"), self.app.virtual_path())
    }

    /// Why this node is in its compatibility mode.
    fn mode_because(&self) -> String {
        let runtime = self.config.runtime();
        if let Some(mode) = self.config.compatibility_mode_attribute() {
            return format!(
                "compatibilityMode=\"{mode}\"{}",
                at(self.origin("machineKey compatibilityMode"))
            );
        }
        match runtime.target_framework {
            Some(t) => format!(
                "<httpRuntime targetFramework=\"{t}\">{}",
                at(self.origin("httpRuntime targetFramework"))
            ),
            None => "the default (no targetFramework, no compatibilityMode)".to_owned(),
        }
    }
}

fn at(origin: Option<String>) -> String {
    origin.map(|o| format!(" at {o}")).unwrap_or_default()
}

/// Why state does not cross from one node to the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// A node uses AutoGenerate and has no shared key material: each of its processes makes
    /// up its own keys.
    OwnRandomKeys {
        /// The node.
        node: String,
    },
    /// Both use AutoGenerate, from different key material.
    AutoGenKeysDiffer {
        /// Where the first node's came from, and its fingerprint.
        from: String,
        /// Where the second node's came from, and its fingerprint.
        to: String,
    },
    /// The explicit keys differ.
    KeysDiffer {
        /// `validationKey` or `decryptionKey`.
        attribute: &'static str,
        /// Fingerprint of the first node's key, and where it is set.
        from: String,
        /// Fingerprint of the second node's key, and where it is set.
        to: String,
    },
    /// An algorithm differs.
    AlgorithmsDiffer {
        /// `validation` or `decryption`.
        attribute: &'static str,
        /// The first node's value.
        from: String,
        /// The second node's value.
        to: String,
    },
    /// The compatibility modes differ: one node uses the legacy stack, the other Framework45.
    ModesDiffer {
        /// The first node's mode and what set it.
        from: String,
        /// The second node's mode and what set it.
        to: String,
    },
    /// `IsolateApps` makes the keys depend on the application path, and the paths differ.
    IsolateApps {
        /// The first node's application path.
        from: String,
        /// The second node's.
        to: String,
    },
    /// `IsolateByAppId` makes the keys depend on the application id, and the ids differ.
    IsolateByAppId {
        /// The first node's application id.
        from: String,
        /// The second node's.
        to: String,
    },
    /// An `aspnet:*` setting that changes the format differs.
    AppSetting {
        /// The setting.
        key: &'static str,
        /// The first node's value.
        from: bool,
        /// The second node's.
        to: bool,
    },
    /// The State Service lookup key is MACed with the validation key on 2.0-era builds and
    /// an unkeyed SHA-256 on 4.8: the two builds look sessions up under different keys.
    SessionKeyEra {
        /// The first node's build.
        from: String,
        /// The second node's build.
        to: String,
    },
    /// The application ids differ, and the State Service lookup key includes the id.
    AppIdsDiffer {
        /// The first node's id.
        from: String,
        /// The second node's.
        to: String,
    },
    /// A node cannot use the stack this kind needs (for example MD5 validation for
    /// `MachineKey.Protect`).
    Unavailable {
        /// The node.
        node: String,
        /// Why.
        why: String,
    },
    /// One node routes this kind through Data Protection (`dataProtectorType`), the other
    /// through its `<machineKey>` keys.
    DataProtectorTypeDiffers {
        /// The node with `dataProtectorType`.
        node: String,
        /// The other node.
        other: String,
    },
    /// A `dataProtectorType` node has no key ring: each of its processes keeps its own
    /// in-memory ring.
    NoKeyRing {
        /// The node.
        node: String,
    },
    /// The key rings differ: the first node's default key is not in the second's ring.
    KeyRingsDiffer {
        /// The first node's default key and where its ring came from.
        from: String,
        /// Where the second node's ring came from.
        to: String,
    },
    /// The application discriminators (first purpose of every chain) differ.
    DiscriminatorsDiffer {
        /// The first node's discriminator.
        from: String,
        /// The second node's.
        to: String,
    },
    /// The formats disagree and no configuration difference explains it (please report it).
    Unexplained,
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OwnRandomKeys { node } => write!(
                f,
                "{node} uses AutoGenerate keys with no shared key store: each of its processes makes up its own keys (give every node the same explicit <machineKey>, or let them share a key store: aspnet_regiis -ga and a recycle)"
            ),
            Self::AutoGenKeysDiffer { from, to } => write!(
                f,
                "the AutoGenerate keys differ ({from}; {to}): give every node the same explicit <machineKey>, or make them share one key store (aspnet_regiis -ga and a recycle)"
            ),
            Self::KeysDiffer {
                attribute,
                from,
                to,
            } => {
                write!(f, "the {attribute}s differ: {from} vs {to}")
            }
            Self::AlgorithmsDiffer {
                attribute,
                from,
                to,
            } => {
                write!(f, "{attribute} differs: {from} vs {to}")
            }
            Self::ModesDiffer { from, to } => write!(
                f,
                "the compatibility modes differ ({from}; {to}): forms tickets, ViewState, resource URLs and cookies use different formats, while MachineKey.Protect still works"
            ),
            Self::IsolateApps { from, to } => write!(
                f,
                "IsolateApps makes the keys depend on the application path, and the paths differ ({from} vs {to})"
            ),
            Self::IsolateByAppId { from, to } => write!(
                f,
                "IsolateByAppId makes the keys depend on the application id, and the ids differ ({from} vs {to})"
            ),
            Self::AppSetting { key, from, to } => {
                write!(f, "{key} changes the format and differs ({from} vs {to})")
            }
            Self::SessionKeyEra { from, to } => write!(
                f,
                "the State Service lookup key is a validation-key MAC of the application id on 2.0-era builds and an unkeyed SHA-256 on 4.8 ({from} vs {to}): the nodes look sessions up under different keys"
            ),
            Self::AppIdsDiffer { from, to } => write!(
                f,
                "the State Service lookup key includes the application id, and the ids differ ({from} vs {to})"
            ),
            Self::Unavailable { node, why } => write!(f, "{node} cannot use this format: {why}"),
            Self::DataProtectorTypeDiffers { node, other } => write!(
                f,
                "{node} has <machineKey dataProtectorType> and protects this with its Data Protection key ring; {other} uses its <machineKey> keys"
            ),
            Self::NoKeyRing { node } => write!(
                f,
                "{node} has dataProtectorType but no shared key ring: each of its processes keeps an in-memory ring (configure a repository, or create AutoGenKeys\\{{SID}} with aspnet_regiis -ga)"
            ),
            Self::KeyRingsDiffer { from, to } => write!(
                f,
                "the Data Protection key rings differ: {from} is not in {to} (\"The key ... was not found in the key ring.\")"
            ),
            Self::DiscriminatorsDiffer { from, to } => write!(
                f,
                "the application discriminators differ ({from} vs {to}): set the same <machineKey applicationName> on every node"
            ),
            Self::Unexplained => {
                f.write_str("the formats disagree and no configuration difference explains it")
            }
        }
    }
}

/// Whether one kind of state protected by the first node is read by the second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The kind.
    pub kind: StateKind,
    /// `Some(true)` read, `Some(false)` refused, `None` when the kind does not exist on a
    /// node (`MachineKey.Protect` on a 2.0-era build).
    pub readable: Option<bool>,
    /// Why not, when refused.
    pub reasons: Vec<Reason>,
}

/// The verdicts for one ordered pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The node that protects.
    pub from: String,
    /// The node that reads.
    pub to: String,
    /// One per [`StateKind`].
    pub verdicts: Vec<Verdict>,
}

impl Comparison {
    /// The verdict for `kind`.
    #[must_use]
    pub fn verdict(&self, kind: StateKind) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.kind == kind)
    }

    /// Whether every kind that exists on both nodes is read.
    #[must_use]
    pub fn all_readable(&self) -> bool {
        self.verdicts.iter().all(|v| v.readable != Some(false))
    }
}

/// Every ordered pair of `nodes` compared.
///
/// # Errors
/// As [`compare`].
///
/// # Example
/// See [`compare`].
pub fn matrix(nodes: &[Node]) -> Result<Vec<Comparison>, Error> {
    let mut out = Vec::new();
    for (i, a) in nodes.iter().enumerate() {
        for (j, b) in nodes.iter().enumerate() {
            if i != j {
                out.push(compare(a, b)?);
            }
        }
    }
    Ok(out)
}

/// Whether what `from` protects `to` reads, for every kind of state, proved by protecting
/// on one and opening on the other, with the reasons when not.
///
/// # Errors
/// A configuration error that stops a node from serving requests at all (its effective
/// stack cannot be built), or an application path whose hashes cannot be computed.
///
/// # Example
/// See the [module documentation](self).
pub fn compare(from: &Node, to: &Node) -> Result<Comparison, Error> {
    let (a, b) = (from.keys()?, to.keys()?);
    let mut verdicts = Vec::with_capacity(StateKind::ALL.len());
    for kind in StateKind::ALL {
        let readable = prove(kind, from, &a, to, &b)?;
        let reasons = if readable == Some(false) {
            explain(kind, from, to)
        } else {
            Vec::new()
        };
        verdicts.push(Verdict {
            kind,
            readable,
            reasons,
        });
    }
    Ok(Comparison {
        from: from.name.clone(),
        to: to.name.clone(),
        verdicts,
    })
}

/// A probe ticket (dates in range; expiry is not what is compared).
fn probe_ticket() -> FormsAuthenticationTicket {
    FormsAuthenticationTicket {
        version: 2,
        name: "compat-probe".into(),
        issue_date_ticks: 638_000_000_000_000_000,
        expiration_ticks: 638_000_018_000_000_000,
        is_persistent: false,
        user_data: String::new(),
        cookie_path: "/".into(),
    }
}

/// Protect on `a`, open on `b`. A protect that fails for configuration reasons on `a` is
/// `Some(false)` (the state cannot be shared); `None` only where the kind does not exist.
fn prove(
    kind: StateKind,
    na: &Node,
    a: &AppKeys,
    nb: &Node,
    b: &AppKeys,
) -> Result<Option<bool>, Error> {
    const PAYLOAD: &[u8] = b"\xff\x01\x05\x05probe";
    let both = |r: Result<bool, Error>| Ok(Some(r.unwrap_or(false)));
    match kind {
        StateKind::ViewState => {
            let (pa, pb) = (na.page()?, nb.page()?);
            both(
                a.encode_viewstate(PAYLOAD, &pa, false)
                    .map(|f| b.decode_viewstate(&f, &pb).is_ok()),
            )
        }
        StateKind::EventValidation => {
            let (pa, pb) = (na.page()?, nb.page()?);
            both(
                a.encode_event_validation(PAYLOAD, &pa, false)
                    .map(|f| b.decode_event_validation(&f, &pb).is_ok()),
            )
        }
        StateKind::FormsTicket => both(
            a.encrypt_ticket(&probe_ticket(), CookieProtection::All)
                .map(|c| {
                    b.decrypt_ticket_without_expiry_check(&c, CookieProtection::All)
                        .is_ok()
                }),
        ),
        StateKind::MachineKeyProtect => {
            if na.framework() == FrameworkVersion::V2_0 || nb.framework() == FrameworkVersion::V2_0
            {
                return Ok(None);
            }
            both(
                a.protect(PAYLOAD, &["compat"])
                    .map(|blob| b.unprotect(&blob, &["compat"]).is_ok()),
            )
        }
        StateKind::ResourceUrl => both(
            a.encrypt_resource_string("s|WebForms.js", ResourceKind::WebResource)
                .map(|t| {
                    b.decrypt_resource_string(&t, ResourceKind::WebResource)
                        .is_ok()
                }),
        ),
        StateKind::RoleCookie | StateKind::AnonymousIdCookie => {
            let cookie = if kind == StateKind::RoleCookie {
                CookieKind::Roles
            } else {
                CookieKind::AnonymousId
            };
            both(
                a.encode_cookie(PAYLOAD, cookie, CookieProtection::All)
                    .map(|c| b.decode_cookie(&c, cookie, CookieProtection::All).is_ok()),
            )
        }
        StateKind::SessionLookupKey => {
            let session = "compatprobecompatprobeab";
            let key = |node: &Node, keys: &AppKeys| match node.framework() {
                FrameworkVersion::V2_0 => keys.state_server_key_keyed(node.app.app_id(), session),
                _ => Ok(state_server_key_unkeyed(node.app.app_id(), session)),
            };
            both(key(na, a).and_then(|ka| Ok(ka == key(nb, b)?)))
        }
    }
}

/// The two nodes' modes and what set each.
fn modes_differ(a: &Node, b: &Node) -> Reason {
    let mode = |n: &Node| {
        format!(
            "{} is {} by {}",
            n.name,
            n.config.compatibility_mode(),
            n.mode_because()
        )
    };
    Reason::ModesDiffer {
        from: mode(a),
        to: mode(b),
    }
}

/// Which stack a node uses for `kind`.
fn uses_framework45(kind: StateKind, node: &Node) -> bool {
    kind == StateKind::MachineKeyProtect
        || (kind.follows_mode() && node.config.compatibility_mode().is_framework45())
}

fn key_specs(node: &Node, framework45: bool) -> Option<(KeySpec, KeySpec)> {
    if framework45 {
        node.config.framework45_key_specs().ok()
    } else {
        node.config.legacy_key_specs().ok()
    }
}

/// The configuration differences that explain why `kind` does not cross from `a` to `b`.
/// The one place that decides why two nodes disagree (the simulator's diagnosis uses it).
fn explain(kind: StateKind, a: &Node, b: &Node) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if kind == StateKind::SessionLookupKey {
        let keyed = |n: &Node| n.framework() == FrameworkVersion::V2_0;
        if keyed(a) != keyed(b) {
            let build = |n: &Node| {
                if keyed(n) {
                    format!("{}: 2.0-era, keyed", n.name)
                } else {
                    format!("{}: 4.x, unkeyed", n.name)
                }
            };
            return vec![Reason::SessionKeyEra {
                from: build(a),
                to: build(b),
            }];
        }
        if a.app.app_id() != b.app.app_id() {
            reasons.push(Reason::AppIdsDiffer {
                from: a.app.app_id().to_owned(),
                to: b.app.app_id().to_owned(),
            });
        }
        if !keyed(a) {
            return reasons;
        }
    }
    if a.routed(kind) || b.routed(kind) {
        return data_protection_reasons(kind, a, b);
    }
    let (fx_a, fx_b) = (uses_framework45(kind, a), uses_framework45(kind, b));
    if fx_a != fx_b {
        reasons.push(modes_differ(a, b));
        return reasons;
    }
    for (attribute, left, right) in [
        (
            "validation",
            a.config.validation().name(),
            b.config.validation().name(),
        ),
        (
            "decryption",
            a.config.decryption().name(),
            b.config.decryption().name(),
        ),
    ] {
        if left != right {
            reasons.push(Reason::AlgorithmsDiffer {
                attribute,
                from: format!(
                    "{}: {left}{}",
                    a.name,
                    at(a.origin(&format!("machineKey {attribute}")))
                ),
                to: format!(
                    "{}: {right}{}",
                    b.name,
                    at(b.origin(&format!("machineKey {attribute}")))
                ),
            });
        }
    }
    key_reasons(a, b, fx_a, &mut reasons);
    let settings: [(&'static str, RuntimeFlag, bool); 3] = [
        (
            "aspnet:UseLegacyEncryption",
            |r| r.use_legacy_encryption,
            !fx_a,
        ),
        (
            "aspnet:UseLegacyFormsAuthenticationTicketCompatibility",
            |r| r.use_legacy_forms_authentication_ticket_compatibility,
            kind == StateKind::FormsTicket,
        ),
        (
            "aspnet:UseRandomizedStringHashAlgorithm",
            |r| r.use_randomized_string_hash_algorithm,
            !fx_a && matches!(kind, StateKind::ViewState | StateKind::EventValidation),
        ),
    ];
    for (key, get, relevant) in settings {
        let (x, y) = (get(a.config.runtime()), get(b.config.runtime()));
        if relevant && x != y {
            reasons.push(Reason::AppSetting {
                key,
                from: x,
                to: y,
            });
        }
    }
    if !fx_a
        && a.config.compatibility_mode() != b.config.compatibility_mode()
        && kind.follows_mode()
    {
        // Framework20SP1 vs SP2: the create-prefix rule differs for some IV types.
        reasons.push(modes_differ(a, b));
    }
    if fx_a {
        for n in [a, b] {
            if !n.config.validation().allowed_in_framework45() {
                reasons.push(Reason::Unavailable {
                    node: n.name.clone(),
                    why: format!(
                        "validation {} does not exist in the Framework45 stack",
                        n.config.validation()
                    ),
                });
            }
        }
    }
    if reasons.is_empty() {
        reasons.push(Reason::Unexplained);
    }
    reasons
}

/// Why a kind routed through Data Protection does not cross.
fn data_protection_reasons(kind: StateKind, a: &Node, b: &Node) -> Vec<Reason> {
    match (a.routed(kind), b.routed(kind)) {
        (true, false) => {
            return vec![Reason::DataProtectorTypeDiffers {
                node: a.name.clone(),
                other: b.name.clone(),
            }];
        }
        (false, true) => {
            return vec![Reason::DataProtectorTypeDiffers {
                node: b.name.clone(),
                other: a.name.clone(),
            }];
        }
        _ => {}
    }
    let mut reasons = Vec::new();
    for n in [a, b] {
        if n.key_ring.is_none() {
            reasons.push(Reason::NoKeyRing {
                node: n.name.clone(),
            });
        }
    }
    if let (Some((ra, sa)), Some((rb, sb))) = (&a.key_ring, &b.key_ring) {
        let now = time::OffsetDateTime::now_utc();
        match ra.default_key(now) {
            Some(k) if rb.key(k.id()).is_none() => reasons.push(Reason::KeyRingsDiffer {
                from: format!("{}'s default key {} ({sa})", a.name, k.id()),
                to: format!("{}'s ring ({sb})", b.name),
            }),
            None => reasons.push(Reason::Unavailable {
                node: a.name.clone(),
                why: "its key ring has no default key now".to_owned(),
            }),
            _ => {}
        }
    }
    let (da, db) = (
        discriminator(&a.config, a.app.app_id()),
        discriminator(&b.config, b.app.app_id()),
    );
    if da != db {
        let show = |n: &Node, d: Option<String>| {
            format!(
                "{}: {}",
                n.name,
                d.map_or_else(|| "none".to_owned(), |d| format!("{d:?}"))
            )
        };
        reasons.push(Reason::DiscriminatorsDiffer {
            from: show(a, da),
            to: show(b, db),
        });
    }
    if reasons.is_empty() {
        reasons.push(Reason::Unexplained);
    }
    reasons
}

/// Reads one `aspnet:*` flag.
type RuntimeFlag = fn(&crate::config::RuntimeSettings) -> bool;

/// Key differences for the stack both nodes use.
fn key_reasons(a: &Node, b: &Node, framework45: bool, reasons: &mut Vec<Reason>) {
    let (Some(sa), Some(sb)) = (key_specs(a, framework45), key_specs(b, framework45)) else {
        return;
    };
    let mut autogen_reported = false;
    for (attribute, spec_a, spec_b) in [
        (KeyAttribute::ValidationKey, sa.0, sb.0),
        (KeyAttribute::DecryptionKey, sa.1, sb.1),
    ] {
        let name = attribute.name();
        let text = |n: &Node| {
            let t = match attribute {
                KeyAttribute::ValidationKey => n.config.validation_key_text(),
                KeyAttribute::DecryptionKey => n.config.decryption_key_text(),
            };
            t.expose_secret()
                .split(',')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase()
        };
        let auto = |s: KeySpec| s.source == KeySource::AutoGenerate;
        match (auto(spec_a), auto(spec_b)) {
            (false, false) => {
                let (ta, tb) = (text(a), text(b));
                if ta != tb {
                    let describe = |n: &Node, t: &str| {
                        format!(
                            "{} {}{}",
                            n.name,
                            fingerprint(t),
                            at(n.origin(&format!("machineKey {name}")))
                        )
                    };
                    reasons.push(Reason::KeysDiffer {
                        attribute: name,
                        from: describe(a, &ta),
                        to: describe(b, &tb),
                    });
                }
            }
            (true, true) if !autogen_reported => {
                autogen_reported = true;
                match (&a.autogen, &b.autogen) {
                    (None, _) => reasons.push(Reason::OwnRandomKeys {
                        node: a.name.clone(),
                    }),
                    (_, None) => reasons.push(Reason::OwnRandomKeys {
                        node: b.name.clone(),
                    }),
                    (Some((ka, la)), Some((kb, lb))) if ka != kb => {
                        let fp = |k: &AutoGenKeys| fingerprint(&k.to_upper_hex());
                        reasons.push(Reason::AutoGenKeysDiffer {
                            from: format!("{}: {la}, {}", a.name, fp(ka)),
                            to: format!("{}: {lb}, {}", b.name, fp(kb)),
                        });
                    }
                    _ => {}
                }
            }
            (true, true) => {}
            (x, _) => {
                let (explicit, auto_node) = if x { (b, a) } else { (a, b) };
                reasons.push(Reason::KeysDiffer {
                    attribute: name,
                    from: format!(
                        "{} has an explicit key{}",
                        explicit.name,
                        at(explicit.origin(&format!("machineKey {name}")))
                    ),
                    to: format!("{} uses AutoGenerate", auto_node.name),
                });
            }
        }
        let isolate_apps = Reason::IsolateApps {
            from: a.app.virtual_path().to_owned(),
            to: b.app.virtual_path().to_owned(),
        };
        if spec_a.isolate_apps
            && spec_b.isolate_apps
            && !a
                .app
                .virtual_path()
                .eq_ignore_ascii_case(b.app.virtual_path())
            && !reasons.contains(&isolate_apps)
        {
            reasons.push(isolate_apps);
        }
        let isolate_by_app_id = Reason::IsolateByAppId {
            from: a.app.app_id().to_owned(),
            to: b.app.app_id().to_owned(),
        };
        if spec_a.isolate_by_app_id
            && spec_b.isolate_by_app_id
            && a.app.app_id() != b.app.app_id()
            && !reasons.contains(&isolate_by_app_id)
        {
            reasons.push(isolate_by_app_id);
        }
        if spec_a.isolate_apps != spec_b.isolate_apps
            || spec_a.isolate_by_app_id != spec_b.isolate_by_app_id
        {
            reasons.push(Reason::KeysDiffer {
                attribute: name,
                from: format!("{} {}", a.name, flags(spec_a)),
                to: format!("{} {}", b.name, flags(spec_b)),
            });
        }
    }
}

fn flags(spec: KeySpec) -> &'static str {
    match (spec.isolate_apps, spec.isolate_by_app_id) {
        (true, true) => "isolates by application path and id",
        (true, false) => "isolates by application path (IsolateApps)",
        (false, true) => "isolates by application id (IsolateByAppId)",
        (false, false) => "does not isolate",
    }
}
