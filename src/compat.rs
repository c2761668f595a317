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
//! use machinekey::compat::{ModeSource, Node, Outcome, Reason, StateKind, compare};
//! let keys = |target: &str| MachineKeyConfig::from_web_config(&format!(r#"<configuration><system.web>
//!   <httpRuntime targetFramework="{target}" />
//!   <machineKey validationKey="00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
//!     decryptionKey="0123456789ABCDEF0123456789ABCDEF" validation="HMACSHA256" decryption="AES" />
//! </system.web></configuration>"#));
//! let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT")?;
//! let a = Node::new("web1", keys("4.5")?, app.clone());
//! let b = Node::new("web2", keys("4.0")?, app);
//! let c = compare(&a, &b)?;
//! assert_eq!(c.outcome(StateKind::FormsTicket), Some(Outcome::Refused));
//! assert_eq!(c.outcome(StateKind::MachineKeyProtect), Some(Outcome::Read));
//! let viewstate = c.verdict(StateKind::ViewState).ok_or(machinekey::Error::Unprotect)?;
//! let [Reason::ModesDiffer { from, .. }] = &viewstate.reasons[..] else { panic!() };
//! assert_eq!(from.value.source, ModeSource::TargetFramework("4.5".parse()?));
//! # Ok::<(), machinekey::Error>(())
//! ```

#[cfg(feature = "diagnose")]
#[cfg_attr(docsrs, doc(cfg(feature = "diagnose")))]
pub mod diagnose;

use core::fmt;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::stack::{Origin, ResolvedConfig};
use crate::config::{
    CompatibilityMode, FrameworkVersion, KeyAttribute, KeySource, KeySpec, MachineKeyAttribute,
    MachineKeyConfig, Setting, TargetFramework,
};
use crate::dataprotection::systemweb::discriminator;
use crate::dataprotection::{KeyId, KeyRing};
use crate::error::Error;
use crate::formats::cookie::{CookieKind, CookieProtection};
use crate::formats::forms_ticket::FormsAuthenticationTicket;
use crate::formats::resource::ResourceKind;
use crate::formats::session::state_server_key_unkeyed;
use crate::formats::viewstate::ViewStateProtection;
use crate::formats::{AppKeys, Page};
use crate::keys::{AppIdentity, AutoGenKeys, fingerprint};
use crate::names::names;
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
    /// Every kind, in report order (a slice, so a new kind is no breaking change).
    pub const ALL: &'static [Self] = &[
        Self::ViewState,
        Self::EventValidation,
        Self::FormsTicket,
        Self::MachineKeyProtect,
        Self::ResourceUrl,
        Self::RoleCookie,
        Self::AnonymousIdCookie,
        Self::SessionLookupKey,
    ];

    /// Whether the compatibility mode picks this kind's stack (`MachineKey.Protect` is
    /// always Framework45; the session key is not protected data).
    const fn follows_mode(self) -> bool {
        !matches!(self, Self::MachineKeyProtect | Self::SessionLookupKey)
    }
}

names!(StateKind, "A short name.", {
    ViewState => "viewstate",
    EventValidation => "eventvalidation",
    FormsTicket => "forms ticket",
    MachineKeyProtect => "MachineKey.Protect",
    ResourceUrl => "resource URL",
    RoleCookie => "role cookie",
    AnonymousIdCookie => "anonymous cookie",
    SessionLookupKey => "session key",
});

/// One worker process's view of the keys.
#[derive(Debug, Clone)]
pub struct Node {
    name: String,
    config: MachineKeyConfig,
    origins: BTreeMap<Setting, Origin>,
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

    fn origin(&self, setting: impl Into<Setting>) -> Option<Origin> {
        let setting = setting.into();
        self.origins
            .iter()
            .find(|(k, _)| k.matches(&setting))
            .map(|(_, o)| o.clone())
    }

    /// This node's side of a difference: its name, `value`, and where `setting` is set.
    fn side<T>(&self, value: T, setting: impl Into<Setting>) -> Side<T> {
        Side {
            node: self.name.clone(),
            value,
            origin: self.origin(setting),
        }
    }

    /// This node's side of a difference that no setting decides.
    fn bare<T>(&self, value: T) -> Side<T> {
        Side {
            node: self.name.clone(),
            value,
            origin: None,
        }
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

    /// This node's compatibility mode, what set it and where.
    fn mode_side(&self) -> Side<ModeChoice> {
        let mode = self.config.compatibility_mode();
        if self.config.compatibility_mode_attribute().is_some() {
            let choice = ModeChoice {
                mode,
                source: ModeSource::CompatibilityMode,
            };
            return self.side(choice, MachineKeyAttribute::CompatibilityMode);
        }
        match self.config.runtime().target_framework {
            Some(t) => self.side(
                ModeChoice {
                    mode,
                    source: ModeSource::TargetFramework(t),
                },
                Setting::TARGET_FRAMEWORK,
            ),
            None => self.bare(ModeChoice {
                mode,
                source: ModeSource::Default,
            }),
        }
    }
}

/// One node's side of a difference: the node, what it has, and where in its configuration
/// that is set (the file and line, when the node was built from a resolved stack and the
/// value is a setting).
///
/// It displays as `NODE: VALUE at FILE:LINE (level)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Side<T> {
    /// The node.
    pub node: String,
    /// What it has.
    pub value: T,
    /// Where the setting is, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl<T: fmt::Display> fmt::Display for Side<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.node, self.value)?;
        if let Some(o) = &self.origin {
            write!(f, " at {o}")?;
        }
        Ok(())
    }
}

/// A key as a reason names it: by fingerprint, never by its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyValue {
    /// An explicit key, by its [`fingerprint`].
    Explicit {
        /// The fingerprint.
        fingerprint: String,
    },
    /// `AutoGenerate`.
    AutoGenerate,
}

impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit { fingerprint } => write!(f, "explicit key {fingerprint}"),
            Self::AutoGenerate => f.write_str("AutoGenerate"),
        }
    }
}

/// How a key attribute isolates its key (its `IsolateApps` / `IsolateByAppId` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Isolation {
    /// `IsolateApps`.
    pub isolate_apps: bool,
    /// `IsolateByAppId`.
    pub isolate_by_app_id: bool,
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.isolate_apps, self.isolate_by_app_id) {
            (true, true) => "isolates by application path and id",
            (true, false) => "isolates by application path (IsolateApps)",
            (false, true) => "isolates by application id (IsolateByAppId)",
            (false, false) => "does not isolate",
        })
    }
}

/// What set a node's compatibility mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModeSource {
    /// The `compatibilityMode` attribute.
    CompatibilityMode,
    /// `<httpRuntime targetFramework>` (4.5 or later makes Framework45 the default).
    TargetFramework(TargetFramework),
    /// Neither: the default.
    Default,
}

/// A node's compatibility mode and what set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ModeChoice {
    /// The effective mode.
    pub mode: CompatibilityMode,
    /// What set it.
    pub source: ModeSource,
}

impl fmt::Display for ModeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} by ", self.mode)?;
        match self.source {
            ModeSource::CompatibilityMode => write!(f, "compatibilityMode=\"{}\"", self.mode),
            ModeSource::TargetFramework(t) => write!(f, "<httpRuntime targetFramework=\"{t}\">"),
            ModeSource::Default => {
                f.write_str("the default (no targetFramework, no compatibilityMode)")
            }
        }
    }
}

/// AutoGenerate key material as a reason names it: where it came from and its
/// fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AutoGenMaterial {
    /// Where it came from (an export, a key store), as the node was given it.
    pub source: String,
    /// Its [`fingerprint`].
    pub fingerprint: String,
}

impl fmt::Display for AutoGenMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.source, self.fingerprint)
    }
}

/// The framework build as the State Service lookup key depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionKeyBuild {
    /// 2.0-era builds: the lookup key is MACed with the validation key.
    Keyed,
    /// 4.x: an unkeyed SHA-256.
    Unkeyed,
}

names!(SessionKeyBuild, "The build, in words.", {
    Keyed => "2.0-era, keyed",
    Unkeyed => "4.x, unkeyed",
});

/// A Data Protection application discriminator as a reason names it (`None`: the node has
/// none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Discriminator(pub Option<String>);

impl fmt::Display for Discriminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(d) => write!(f, "{d:?}"),
            None => f.write_str("none"),
        }
    }
}

/// Why state does not cross from one node to the other. The values each side has (and,
/// for a node built from a resolved stack, the file and line that set them) are data in
/// [`Side`]s; [`Display`](fmt::Display) gives the sentence an operator acts on.
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
        /// The first node's material.
        from: Side<AutoGenMaterial>,
        /// The second node's.
        to: Side<AutoGenMaterial>,
    },
    /// The keys differ: two explicit keys, or an explicit key and `AutoGenerate`.
    KeysDiffer {
        /// `validationKey` or `decryptionKey`.
        attribute: KeyAttribute,
        /// The first node's key, and where it is set.
        from: Side<KeyValue>,
        /// The second node's.
        to: Side<KeyValue>,
    },
    /// One node isolates a key (`IsolateApps`, `IsolateByAppId`) and the other does not, or
    /// not the same way.
    IsolationDiffers {
        /// `validationKey` or `decryptionKey`.
        attribute: KeyAttribute,
        /// The first node's flags, and where the key is set.
        from: Side<Isolation>,
        /// The second node's.
        to: Side<Isolation>,
    },
    /// An algorithm differs.
    AlgorithmsDiffer {
        /// `validation` or `decryption`.
        attribute: MachineKeyAttribute,
        /// The first node's value (as the attribute spells it), and where it is set.
        from: Side<String>,
        /// The second node's.
        to: Side<String>,
    },
    /// The compatibility modes differ: one node uses the legacy stack, the other
    /// Framework45 (or Framework20SP1 against SP2).
    ModesDiffer {
        /// The first node's mode, what set it, and where.
        from: Side<ModeChoice>,
        /// The second node's.
        to: Side<ModeChoice>,
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
        /// The setting (`appSettings aspnet:...`).
        setting: Setting,
        /// The first node's value, and where it is set.
        from: Side<bool>,
        /// The second node's.
        to: Side<bool>,
    },
    /// The State Service lookup key is MACed with the validation key on 2.0-era builds and
    /// an unkeyed SHA-256 on 4.8: the two builds look sessions up under different keys.
    SessionKeyEra {
        /// The first node's build.
        from: Side<SessionKeyBuild>,
        /// The second node's.
        to: Side<SessionKeyBuild>,
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
        /// The node with `dataProtectorType`, and where it is set.
        node: Side<String>,
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
        /// The first node's default key, with where its ring came from.
        from: Side<KeyId>,
        /// Where the second node's ring came from.
        to: Side<String>,
        /// Where the first node's ring came from.
        from_ring: String,
    },
    /// The application discriminators (first purpose of every chain) differ.
    DiscriminatorsDiffer {
        /// The first node's discriminator, and where `applicationName` is set.
        from: Side<Discriminator>,
        /// The second node's.
        to: Side<Discriminator>,
    },
    /// The formats disagree and no configuration difference explains it (please report it).
    Unexplained,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            } => write!(f, "the {attribute}s differ: {from} vs {to}"),
            Self::IsolationDiffers {
                attribute,
                from,
                to,
            } => write!(
                f,
                "the {attribute}s are isolated differently: {from} vs {to}"
            ),
            Self::AlgorithmsDiffer {
                attribute,
                from,
                to,
            } => write!(f, "{attribute} differs: {from} vs {to}"),
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
            Self::AppSetting { setting, from, to } => write!(
                f,
                "{} changes the format and differs ({from} vs {to})",
                setting.name()
            ),
            Self::SessionKeyEra { from, to } => write!(
                f,
                "the State Service lookup key is a validation-key MAC of the application id on 2.0-era builds and an unkeyed SHA-256 on 4.8 ({from} vs {to}): the nodes look sessions up under different keys"
            ),
            Self::AppIdsDiffer { from, to } => write!(
                f,
                "the State Service lookup key includes the application id, and the ids differ ({from} vs {to})"
            ),
            Self::Unavailable { node, why } => write!(f, "{node} cannot use this format: {why}"),
            Self::DataProtectorTypeDiffers { node, other } => {
                write!(f, "{} has <machineKey dataProtectorType>", node.node)?;
                if let Some(o) = &node.origin {
                    write!(f, " (at {o})")?;
                }
                write!(
                    f,
                    " and protects this with its Data Protection key ring; {other} uses its <machineKey> keys"
                )
            }
            Self::NoKeyRing { node } => write!(
                f,
                "{node} has dataProtectorType but no shared key ring: each of its processes keeps an in-memory ring (configure a repository, or create AutoGenKeys\\{{SID}} with aspnet_regiis -ga)"
            ),
            Self::KeyRingsDiffer {
                from,
                to,
                from_ring,
            } => write!(
                f,
                "the Data Protection key rings differ: {}'s default key {} ({from_ring}) is not in {}'s ring ({}) (\"The key ... was not found in the key ring.\")",
                from.node, from.value, to.node, to.value
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

/// Whether state one node protects the other reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The second node reads it.
    Read,
    /// The second node refuses it (or the first cannot protect it).
    Refused,
    /// The kind does not exist on a node (`MachineKey.Protect` on a 2.0-era build).
    NotApplicable,
}

names!(Outcome, "The outcome, as JSON writes it.", {
    Read => "read",
    Refused => "refused",
    NotApplicable => "not_applicable",
});

/// Whether one kind of state protected by the first node is read by the second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Verdict {
    /// The kind.
    pub kind: StateKind,
    /// Read, refused, or not applicable.
    pub outcome: Outcome,
    /// Why not, when refused.
    pub reasons: Vec<Reason>,
}

/// The verdicts for one ordered pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
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

    /// The outcome for `kind`.
    #[must_use]
    pub fn outcome(&self, kind: StateKind) -> Option<Outcome> {
        self.verdict(kind).map(|v| v.outcome)
    }

    /// Whether every kind that exists on both nodes is read.
    #[must_use]
    pub fn all_readable(&self) -> bool {
        self.verdicts.iter().all(|v| v.outcome != Outcome::Refused)
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
    for &kind in StateKind::ALL {
        let outcome = prove(kind, from, &a, to, &b)?;
        let reasons = if outcome == Outcome::Refused {
            explain(kind, from, to)
        } else {
            Vec::new()
        };
        verdicts.push(Verdict {
            kind,
            outcome,
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
    FormsAuthenticationTicket::new(
        "compat-probe",
        time::macros::datetime!(2022-09-22 16:53:20 UTC),
        time::Duration::minutes(30),
    )
}

/// Protect on `a`, open on `b`. A protect that fails for configuration reasons on `a` is
/// refused (the state cannot be shared); not applicable only where the kind does not exist.
fn prove(
    kind: StateKind,
    na: &Node,
    a: &AppKeys,
    nb: &Node,
    b: &AppKeys,
) -> Result<Outcome, Error> {
    const PAYLOAD: &[u8] = b"\xff\x01\x05\x05probe";
    let both = |r: Result<bool, Error>| {
        Ok(if r.unwrap_or(false) {
            Outcome::Read
        } else {
            Outcome::Refused
        })
    };
    match kind {
        StateKind::ViewState => {
            let (pa, pb) = (na.page()?, nb.page()?);
            both(
                a.encode_viewstate(PAYLOAD, &pa, ViewStateProtection::Signed)
                    .map(|f| b.decode_viewstate(&f, &pb).is_ok()),
            )
        }
        StateKind::EventValidation => {
            let (pa, pb) = (na.page()?, nb.page()?);
            both(
                a.encode_event_validation(PAYLOAD, &pa, ViewStateProtection::Signed)
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
                return Ok(Outcome::NotApplicable);
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
    Reason::ModesDiffer {
        from: a.mode_side(),
        to: b.mode_side(),
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
        let build = |n: &Node| {
            if n.framework() == FrameworkVersion::V2_0 {
                SessionKeyBuild::Keyed
            } else {
                SessionKeyBuild::Unkeyed
            }
        };
        if build(a) != build(b) {
            return vec![Reason::SessionKeyEra {
                from: a.bare(build(a)),
                to: b.bare(build(b)),
            }];
        }
        if a.app.app_id() != b.app.app_id() {
            reasons.push(Reason::AppIdsDiffer {
                from: a.app.app_id().to_owned(),
                to: b.app.app_id().to_owned(),
            });
        }
        if build(a) == SessionKeyBuild::Unkeyed {
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
            MachineKeyAttribute::Validation,
            a.config.validation().as_str(),
            b.config.validation().as_str(),
        ),
        (
            MachineKeyAttribute::Decryption,
            a.config.decryption().as_str(),
            b.config.decryption().as_str(),
        ),
    ] {
        if left != right {
            reasons.push(Reason::AlgorithmsDiffer {
                attribute,
                from: a.side(left.to_owned(), attribute),
                to: b.side(right.to_owned(), attribute),
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
            let setting = Setting::app_setting(key);
            reasons.push(Reason::AppSetting {
                from: a.side(x, setting.clone()),
                to: b.side(y, setting.clone()),
                setting,
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
    let differs = |node: &Node, other: &Node| {
        vec![Reason::DataProtectorTypeDiffers {
            node: node.side(
                node.config
                    .data_protector_type()
                    .unwrap_or_default()
                    .to_owned(),
                MachineKeyAttribute::DataProtectorType,
            ),
            other: other.name.clone(),
        }]
    };
    match (a.routed(kind), b.routed(kind)) {
        (true, false) => return differs(a, b),
        (false, true) => return differs(b, a),
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
                from: a.bare(k.id()),
                to: b.bare(sb.clone()),
                from_ring: sa.clone(),
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
        reasons.push(Reason::DiscriminatorsDiffer {
            from: a.side(Discriminator(da), MachineKeyAttribute::ApplicationName),
            to: b.side(Discriminator(db), MachineKeyAttribute::ApplicationName),
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
        let value = |n: &Node, s: KeySpec| {
            if auto(s) {
                KeyValue::AutoGenerate
            } else {
                KeyValue::Explicit {
                    fingerprint: fingerprint(&text(n)),
                }
            }
        };
        match (auto(spec_a), auto(spec_b)) {
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
                        let material = |k: &AutoGenKeys, source: &str| AutoGenMaterial {
                            source: source.to_owned(),
                            fingerprint: fingerprint(&k.to_upper_hex()),
                        };
                        reasons.push(Reason::AutoGenKeysDiffer {
                            from: a.bare(material(ka, la)),
                            to: b.bare(material(kb, lb)),
                        });
                    }
                    _ => {}
                }
            }
            (true, true) => {}
            _ => {
                let (va, vb) = (value(a, spec_a), value(b, spec_b));
                if va != vb {
                    reasons.push(Reason::KeysDiffer {
                        attribute,
                        from: a.side(va, attribute),
                        to: b.side(vb, attribute),
                    });
                }
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
        let isolation = |s: KeySpec| Isolation {
            isolate_apps: s.isolate_apps,
            isolate_by_app_id: s.isolate_by_app_id,
        };
        if isolation(spec_a) != isolation(spec_b) {
            reasons.push(Reason::IsolationDiffers {
                attribute,
                from: a.side(isolation(spec_a), attribute),
                to: b.side(isolation(spec_b), attribute),
            });
        }
    }
}
