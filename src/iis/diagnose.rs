//! The diagnosis of a server: per application pool where its AutoGenerate keys live and
//! whether its workers share them, per application its effective `<machineKey>` and
//! session mode, and findings with the fix in an operator's words.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::bundle::Server;
use super::identity::{PoolIdentity, SidSource};
use super::registry::StoredValue;
use super::sddl::{SecurityDescriptor, rights};
use super::server::{AppPool, Application, Origin, RuntimeVersion, ServerKind, Site};
use super::sid::Sid;
use crate::config::lint::{KnownKeys, LintCode, Summary, lint_resolved};
use crate::config::stack::{ConfigFile, ConfigStack, ResolvedConfig, SessionStateMode};
use crate::config::{KeySource, KeySpec};
use crate::keys::store::{AutoGenSource, FileTime, KeyStore, RegistryView};
use crate::keys::{AppIdentity, AutoGenKeys};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing: something was not collected, or is unusual.
    Notice,
    /// A trap: state is lost or exposed under some conditions.
    Warning,
    /// Broken now: state is lost between workers, or keys are public.
    Critical,
}

impl Severity {
    /// The name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// Stable finding ids (`Finding::id`).
pub mod ids {
    /// A web garden on AutoGenerate keys whose workers cannot share a key store.
    pub const WEB_GARDEN_PRIVATE_KEYS: &str = "web_garden_private_keys";
    /// A web garden on AutoGenerate keys whose key store could not be checked.
    pub const WEB_GARDEN_STORE_UNKNOWN: &str = "web_garden_store_unknown";
    /// A web garden with `InProc` session state.
    pub const WEB_GARDEN_INPROC_SESSION: &str = "web_garden_inproc_session";
    /// A single worker on private AutoGenerate keys: they change at every recycle.
    pub const PRIVATE_KEYS_LOST_ON_RECYCLE: &str = "private_keys_lost_on_recycle";
    /// A publicly known key in the configuration.
    pub const KNOWN_KEY: &str = "known_key";
    /// Applications that read each other's protected data through shared AutoGenerate keys.
    pub const APPS_SHARE_KEYS: &str = "apps_share_keys";
    /// `dataProtectorType` without a key repository.
    pub const DATA_PROTECTOR_WITHOUT_REPOSITORY: &str = "data_protector_without_repository";
    /// An application whose configuration ASP.NET would reject.
    pub const CONFIG_ERROR: &str = "config_error";
    /// A specific user whose SID was not supplied.
    pub const SID_UNKNOWN: &str = "sid_unknown";
    /// An application names a pool the configuration does not declare.
    pub const UNDECLARED_POOL: &str = "undeclared_pool";
    /// `<system.web>` in applicationHost.config, which ASP.NET does not read.
    pub const SYSTEM_WEB_IN_APPLICATION_HOST: &str = "system_web_in_application_host";
    /// A file the diagnosis needs was not collected.
    pub const NOT_COLLECTED: &str = "not_collected";
    /// IIS 6: one pool serves applications of two framework versions.
    pub const MIXED_FRAMEWORKS_IN_POOL: &str = "mixed_frameworks_in_pool";
    /// A stored key older than the framework's last install: it will be replaced.
    pub const STALE_STORED_KEY: &str = "stale_stored_key";
    /// A pool whose runtime the crate does not model.
    pub const RUNTIME_NOT_MODELLED: &str = "runtime_not_modelled";
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable id ([`ids`]).
    pub id: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// What it is about: `pool Shop`, `app Default Web Site/Shop`, `server`.
    pub subject: String,
    /// What is wrong and what it does, in an operator's words. Never key bytes.
    pub message: String,
    /// What to do, each a complete alternative.
    pub fixes: Vec<String>,
}

/// Which store a pool's AutoGenerate keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoreKind {
    /// The LSA secret (LocalSystem, administrators).
    LsaSecret,
    /// The account's HKCU (profile loaded).
    CurrentUser,
    /// `HKLM\...\AutoGenKeys\<SID>`.
    LocalMachine,
    /// No store: each worker process its own random keys.
    PerProcess,
    /// Could not be told from what was collected.
    Unknown,
    /// The pool does not run ASP.NET 2.0 to 4.x.
    NotApplicable,
}

/// What the ACL of `AutoGenKeys\<SID>` lets the pool identity do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AclVerdict {
    /// Whether the key exists (`None`: no registry export covers it).
    pub exists: Option<bool>,
    /// Where that was seen.
    pub exists_from: Option<String>,
    /// Where the ACL came from (`None`: not collected).
    pub acl_from: Option<String>,
    /// Whether the ACL is the one the key inherits from `AutoGenKeys` (its own was not
    /// collected).
    pub inherited_from_parent: bool,
    /// `KEY_READ` granted.
    pub read: Option<bool>,
    /// `KEY_WRITE` granted.
    pub write: Option<bool>,
    /// `KEY_CREATE_SUB_KEY` on `AutoGenKeys` (to create the key; `aspnet_regiis -ga`
    /// does that, not ASP.NET).
    pub create: Option<bool>,
    /// The access-denied entry that decided, if one did.
    pub decided_by: Option<String>,
}

/// Where a pool's AutoGenerate keys live, and whether its workers share them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyStoreVerdict {
    /// The store.
    pub store: StoreKind,
    /// Where (a registry path, or the LSA secret's name).
    pub location: String,
    /// What the key-store model says happens, or why it cannot tell.
    pub description: String,
    /// Whether the workers (and applications of the same identity) share the keys.
    pub shared_by_workers: Option<bool>,
    /// The ACL check, for the HKLM store.
    pub acl: Option<AclVerdict>,
    /// What a registry export shows is stored there, with its creation time.
    pub stored: Option<String>,
    /// Why the stored key will be replaced (it predates the framework's last install).
    pub stale: Option<String>,
}

/// One application pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolDiagnosis {
    /// The name.
    pub name: String,
    /// Where it is declared (`None`: not declared).
    pub declared: Option<Origin>,
    /// Who its workers run as.
    pub identity: PoolIdentity,
    /// `maxProcesses` (0: one per NUMA node).
    pub workers: u32,
    /// The runtime.
    pub runtime: RuntimeVersion,
    /// The key version (`4.0.30319.0`).
    pub key_version: Option<&'static str>,
    /// The registry view of its workers.
    pub view: RegistryView,
    /// `loadUserProfile` (`None` on IIS 6).
    pub load_user_profile: Option<bool>,
    /// Where its AutoGenerate keys live.
    pub key_store: KeyStoreVerdict,
    /// Its applications (`site/path`).
    pub applications: Vec<String>,
    /// Where each setting came from.
    pub origins: BTreeMap<String, Origin>,
}

/// One application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppDiagnosis {
    /// `site/path` (`Default Web Site/`, `Default Web Site/Shop`).
    pub label: String,
    /// The site.
    pub site: String,
    /// The site's id.
    pub site_id: u64,
    /// The virtual path.
    pub path: String,
    /// `AppDomainAppId`.
    pub app_id: String,
    /// Its pool.
    pub pool: String,
    /// Where the pool was chosen.
    pub pool_origin: Origin,
    /// The physical path, expanded.
    pub physical_path: String,
    /// Its local copy, if mapped.
    pub local_path: Option<String>,
    /// The configuration files read, as `name (level)`.
    pub config_files: Vec<String>,
    /// What was not collected.
    pub missing: Vec<String>,
    /// The effective `<machineKey>` with origins and its lints.
    pub machine_key: Option<Summary>,
    /// IsolateApps / IsolateByAppId, in words.
    pub isolation: Option<String>,
    /// The session-state mode.
    pub session_state: Option<SessionStateMode>,
    /// Where the session mode was set (`None`: the default).
    pub session_state_origin: Option<String>,
    /// Why the configuration could not be resolved.
    pub error: Option<String>,
    #[serde(skip)]
    pub(crate) resolved: Option<ResolvedConfig>,
    #[serde(skip)]
    pub(crate) identity: Option<AppIdentity>,
}

/// The diagnosis of one server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The server's name.
    pub server: String,
    /// The IIS configuration file.
    pub file: String,
    /// IIS, IIS Express or IIS 6.
    pub kind: ServerKind,
    /// The schema defaults applied.
    pub schema: Option<super::server::SchemaVersion>,
    /// The pools.
    pub pools: Vec<PoolDiagnosis>,
    /// The applications.
    pub applications: Vec<AppDiagnosis>,
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub(crate) stored_keys: Vec<(String, Option<(AutoGenKeys, String)>)>,
}

impl Diagnosis {
    /// The findings with `id`.
    pub fn findings_with(&self, id: &str) -> impl Iterator<Item = &Finding> {
        let id = id.to_owned();
        self.findings.iter().filter(move |f| f.id == id)
    }

    /// The pool named `name`.
    #[must_use]
    pub fn pool(&self, name: &str) -> Option<&PoolDiagnosis> {
        self.pools
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The application `site/path` (the site by name or id; a trailing slash optional).
    #[must_use]
    pub fn application(&self, label: &str) -> Option<&AppDiagnosis> {
        let (site, path) = label.split_once('/').unwrap_or((label, ""));
        let path = super::server::normalize_vpath(path);
        self.applications.iter().find(|a| {
            (a.site.eq_ignore_ascii_case(site) || a.site_id.to_string() == site)
                && a.path.eq_ignore_ascii_case(&path)
        })
    }
}

fn filetime_text(t: FileTime) -> String {
    let seconds = i64::try_from(t.0 / 10_000_000).unwrap_or(i64::MAX) - 11_644_473_600;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("FILETIME {}", t.0))
}

/// The framework folder (`C:\Windows\Microsoft.NET\Framework64\v4.0.30319`) of a
/// runtime in a registry view (32-bit workers load `Framework`).
fn framework_dir(server: &Server, runtime: &RuntimeVersion, view: RegistryView) -> Option<String> {
    let folder = runtime.folder()?;
    let windir = server.env.get("windir").unwrap_or(r"C:\Windows");
    let bits64 = server.os_64bit && view == RegistryView::Bits64;
    Some(format!(
        "{windir}\\Microsoft.NET\\{}\\{folder}",
        if bits64 { "Framework64" } else { "Framework" }
    ))
}

fn hklm_path(version: &str, view: RegistryView, sid: &str) -> String {
    format!(
        "HKLM\\SOFTWARE\\{}Microsoft\\ASP.NET\\{version}\\AutoGenKeys\\{sid}",
        if view == RegistryView::Bits32 {
            "WOW6432Node\\"
        } else {
            ""
        }
    )
}

/// What a registry export shows is stored, and whether it predates the framework's last
/// install (then the next worker start replaces it).
fn stored_text(
    value: Option<&StoredValue>,
    at: &str,
    last_install: Option<&super::registry::LastInstall>,
) -> (String, Option<String>) {
    let Some(v) = value else {
        return (
            format!("the key exists without an AutoGenKeyV4 value ({at})"),
            None,
        );
    };
    let created = v.creation_time.map_or_else(
        || "creation time unknown".to_owned(),
        |t| format!("created {}", filetime_text(t)),
    );
    let stale = match (v.creation_time, last_install) {
        (Some(c), Some(i)) if c <= i.time => Some(format!(
            "the key was {created} ({at}), before the framework's last install on {} ({}): the next worker start replaces it with new keys, and what the old keys protected (forms tickets, ViewState, MachineKey.Protect data) stops being readable",
            filetime_text(i.time),
            i.at
        )),
        _ => None,
    };
    (
        format!(
            "{} bytes of AutoGenerate keys, {created} ({at})",
            v.keys.len()
        ),
        stale,
    )
}

/// The key store of `pool`'s workers.
fn key_store(
    server: &Server,
    pool: &AppPool,
    identity: &PoolIdentity,
    stored_keys: &mut Vec<(String, Option<(AutoGenKeys, String)>)>,
) -> KeyStoreVerdict {
    let Some(version) = pool.runtime.key_version() else {
        return KeyStoreVerdict {
            store: StoreKind::NotApplicable,
            location: String::new(),
            description: format!(
                "runtime {}: no ASP.NET 2.0 to 4.x key store",
                pool.runtime.label()
            ),
            shared_by_workers: None,
            acl: None,
            stored: None,
            stale: None,
        };
    };
    let view = if server.config.kind == ServerKind::Iis6 {
        if server.config.iis6_32bit {
            RegistryView::Bits32
        } else {
            RegistryView::Bits64
        }
    } else {
        pool.registry_view()
    };
    let process = identity.process_identity();
    let sid_text = identity.sid.as_ref().map(ToString::to_string);
    let proposed = |n: u8| AutoGenKeys::from_bytes(&[n; AutoGenKeys::LEN]);
    if process.can_open_lsa() {
        let name = if version.starts_with('4') {
            "L$ASP.NETAutoGenKeysV44.0.30319.0".to_owned()
        } else {
            format!("L$ASP.NETAutoGenKeys{version} (exact 2.0 name UNVERIFIED)")
        };
        stored_keys.push((pool.name.clone(), None));
        return KeyStoreVerdict {
            store: StoreKind::LsaSecret,
            location: format!("LSA secret {name}"),
            description:
                "the LSA secret, shared by every process of an administrator or SYSTEM account"
                    .to_owned(),
            shared_by_workers: Some(true),
            acl: None,
            stored: None,
            stale: None,
        };
    }
    if process.can_use_current_user_hive() {
        let location = match &sid_text {
            Some(s) => format!("HKEY_USERS\\{s}\\Software\\Microsoft\\ASP.NET\\{version}"),
            None => format!(
                "HKCU\\Software\\Microsoft\\ASP.NET\\{version} of {}",
                identity.account
            ),
        };
        let entry = identity
            .sid
            .as_ref()
            .and_then(|s| server.registry.current_user_key(version, s));
        let last_install = server.registry.last_install(version, view);
        stored_keys.push((
            pool.name.clone(),
            entry.and_then(|e| {
                e.value
                    .as_ref()
                    .map(|v| (v.keys.clone(), format!("{} ({})", location, e.at)))
            }),
        ));
        return KeyStoreVerdict {
            store: StoreKind::CurrentUser,
            location,
            description: "the account's HKCU (its profile is loaded), shared by its workers"
                .to_owned(),
            shared_by_workers: Some(true),
            acl: None,
            stored: entry.map(|e| stored_text(e.value.as_ref(), &e.at, last_install).0),
            stale: entry.and_then(|e| stored_text(e.value.as_ref(), &e.at, last_install).1),
        };
    }
    // HKLM AutoGenKeys\<SID>.
    let Some(sid) = identity.sid.as_ref() else {
        stored_keys.push((pool.name.clone(), None));
        return KeyStoreVerdict {
            store: StoreKind::Unknown,
            location: hklm_path(version, view, "<SID>"),
            description: format!(
                "no profile and no LSA access, so only HKLM AutoGenKeys\\<SID> is left; the SID of {} is not known, so its key and ACL cannot be checked (supply it: --sid \"{}=S-1-5-21-...\")",
                identity.account, identity.account
            ),
            shared_by_workers: None,
            acl: None,
            stored: None,
            stale: None,
        };
    };
    let location = hklm_path(version, view, &sid.to_string());
    let entry = server.registry.local_machine_key(version, view, sid);
    let mut exists = server.registry.local_machine_key_exists(version, view, sid);
    let mut exists_from = entry.map(|e| e.at.clone());
    // The last ACL given for a key wins (the command line's over a bundle's).
    let own_acl = server
        .acls
        .iter()
        .rev()
        .find(|a| a.sid.as_ref() == Some(sid) && a.applies(version, view));
    let parent_acl = server
        .acls
        .iter()
        .rev()
        .find(|a| a.sid.is_none() && a.applies(version, view));
    if own_acl.is_some() && exists.is_none() {
        exists = Some(true);
        exists_from = own_acl.map(|a| format!("{} (its ACL was read)", a.source));
    }
    if exists == Some(false) && exists_from.is_none() {
        exists_from = Some("not in the registry export".to_owned());
    }
    let token = super::sddl::AccessToken::new(sid.clone(), identity.groups.clone());
    let (descriptor, acl_from, inherited): (Option<SecurityDescriptor>, Option<String>, bool) =
        match (own_acl, parent_acl) {
            (Some(a), _) => (Some(a.descriptor.clone()), Some(a.source.clone()), false),
            (None, Some(p)) => (
                Some(p.descriptor.inherited_by_child_key()),
                Some(p.source.clone()),
                true,
            ),
            (None, None) => (None, None, false),
        };
    let usable = descriptor
        .as_ref()
        .map(|d| d.access_check(&token, rights::KEY_READ | rights::KEY_WRITE));
    let read = descriptor
        .as_ref()
        .map(|d| d.access_check(&token, rights::KEY_READ).allowed);
    let write = descriptor
        .as_ref()
        .map(|d| d.access_check(&token, rights::KEY_WRITE).allowed);
    let create = parent_acl.map(|p| {
        p.descriptor
            .access_check(&token, rights::KEY_CREATE_SUB_KEY)
            .allowed
    });
    let acl = AclVerdict {
        exists,
        exists_from,
        acl_from,
        inherited_from_parent: inherited,
        read,
        write,
        create,
        decided_by: usable.as_ref().and_then(|u| u.decided_by.clone()),
    };
    let granted = usable.as_ref().map(|u| u.allowed && !u.uncertain);
    let last_install = server.registry.last_install(version, view);
    let (stored, stale) = match entry.map(|e| stored_text(e.value.as_ref(), &e.at, last_install)) {
        Some((a, b)) => (Some(a), b),
        None => (None, None),
    };
    stored_keys.push((
        pool.name.clone(),
        entry.and_then(|e| {
            e.value
                .as_ref()
                .map(|v| (v.keys.clone(), format!("{location} ({})", e.at)))
        }),
    ));
    let certain = match (exists, granted) {
        (Some(false), _) => Some(false),
        (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    };
    let Some(usable_store) = certain else {
        let missing = match (exists, granted) {
            (None, None) => "neither the registry export nor the ACL of AutoGenKeys was collected",
            (None, _) => {
                "the registry export was not collected, so whether the key exists is unknown"
            }
            _ => "the ACL of AutoGenKeys was not collected",
        };
        return KeyStoreVerdict {
            store: StoreKind::Unknown,
            location,
            description: format!(
                "no profile and no LSA access: the workers share this key only if it exists and grants {} read and write; {missing}",
                identity.account
            ),
            shared_by_workers: None,
            acl: Some(acl),
            stored,
            stale,
        };
    };
    // The key-store model decides, from these facts.
    let mut store = KeyStore::new();
    // A key that is not known to be missing is modelled as present: when its ACL denies
    // the account, the model then says so rather than that the key is missing.
    if exists != Some(false) {
        store.set_local_machine_access(process.sid(), view, usable_store);
    }
    let resolved = proposed(1).and_then(|a| {
        let first = store.resolve(&process, view, a, FileTime(1))?;
        let second = store.resolve(&process, view, proposed(2)?, FileTime(2))?;
        Ok((first, second))
    });
    let (kind, description, shared) = match resolved {
        Ok((first, second)) => {
            let shared = first.keys == second.keys;
            match first.source {
                AutoGenSource::LocalMachine { .. } => (
                    StoreKind::LocalMachine,
                    "HKLM AutoGenKeys: the key exists and grants the account read and write; its workers share it".to_owned(),
                    shared,
                ),
                other => (StoreKind::PerProcess, other.to_string(), shared),
            }
        }
        Err(e) => (StoreKind::Unknown, e.to_string(), false),
    };
    KeyStoreVerdict {
        store: kind,
        location,
        description,
        shared_by_workers: Some(shared),
        acl: Some(acl),
        stored,
        stale,
    }
}

fn spec_text(spec: &KeySpec) -> String {
    let mut s = match spec.source {
        KeySource::AutoGenerate => "AutoGenerate".to_owned(),
        _ => "explicit".to_owned(),
    };
    if spec.isolate_apps {
        s.push_str(",IsolateApps");
    }
    if spec.isolate_by_app_id {
        s.push_str(",IsolateByAppId");
    }
    s
}

fn uses_autogen(summary: &Summary) -> bool {
    summary.validation_key.source == KeySource::AutoGenerate
        || summary.decryption_key.source == KeySource::AutoGenerate
}

fn isolation_text(summary: &Summary, app: &AppIdentity) -> String {
    if !uses_autogen(summary) {
        return "explicit keys: the same in every worker, and on every server with the same keys"
            .to_owned();
    }
    let v = summary.validation_key;
    let fx45 = summary.mode.is_framework45();
    let mut parts = Vec::new();
    if v.isolate_apps {
        parts.push(if fx45 {
            format!("IsolateApps: derived with the purpose \"IsolateApps: {}\" (MachineKeyDerivation)", app.virtual_path())
        } else {
            match app.virtual_path_hash() {
                Ok(h) => format!(
                    "IsolateApps: bytes 0-3 replaced by the hash of \"{}\" (0x{:08X})",
                    app.virtual_path(),
                    u32::from_ne_bytes(h.to_ne_bytes())
                ),
                Err(_) => format!("IsolateApps: bytes 0-3 replaced by the hash of \"{}\" (not computable offline)", app.virtual_path()),
            }
        });
    }
    if v.isolate_by_app_id {
        parts.push(if fx45 {
            format!(
                "IsolateByAppId: purpose \"IsolateByAppId: {}\"",
                app.app_id()
            )
        } else {
            format!(
                "IsolateByAppId: bytes 4-7 replaced by the hash of \"{}\"",
                app.app_id()
            )
        });
    }
    if parts.is_empty() {
        "AutoGenerate without isolation: every application of the same identity gets the same keys"
            .to_owned()
    } else {
        format!(
            "AutoGenerate from the pool identity's store; {}; applications with the same {} share keys",
            parts.join("; "),
            if v.isolate_by_app_id {
                "app id"
            } else {
                "virtual path"
            }
        )
    }
}

struct AppContext<'a> {
    server: &'a Server,
    site: &'a Site,
    app: &'a Application,
    pool: &'a AppPool,
}

/// Resolves one application's configuration stack from the copies.
fn diagnose_app(cx: &AppContext<'_>, known: Option<&dyn KnownKeys>) -> AppDiagnosis {
    let AppContext {
        server,
        site,
        app,
        pool,
    } = *cx;
    let label = format!("{}{}", site.name, app.path);
    let raw = app
        .physical_path()
        .map(|v| v.physical_path.clone())
        .unwrap_or_default();
    let mut missing = Vec::new();
    let physical = server.env.expand(&raw).unwrap_or_else(|var| {
        missing.push(format!(
            "the environment variable %{var}% of the physical path {raw} (set it in bundle.txt)"
        ));
        raw.clone()
    });
    let local_path = server.map.map(&physical).map(|p| p.display().to_string());
    let identity = AppIdentity::new(&app.path, &app.app_id).ok();
    let mut out = AppDiagnosis {
        label,
        site: site.name.clone(),
        site_id: site.id,
        path: app.path.clone(),
        app_id: app.app_id.clone(),
        pool: app.pool.clone(),
        pool_origin: app.pool_origin.clone(),
        physical_path: physical,
        local_path,
        config_files: Vec::new(),
        missing,
        machine_key: None,
        isolation: None,
        session_state: None,
        session_state_origin: None,
        error: None,
        resolved: None,
        identity: identity.clone(),
    };
    let Some(framework) = pool.runtime.framework() else {
        out.error = Some(format!(
            "pool {} runs {}: not ASP.NET 2.0 to 4.x",
            pool.name,
            pool.runtime.label()
        ));
        return out;
    };
    let mut stack = ConfigStack::new()
        .framework(framework)
        .site_name(&site.name);
    // machine.config and the root web.config of the pool's framework.
    let view = match &app.script_map_runtime {
        Some((_, true)) => RegistryView::Bits64,
        Some((_, false)) => RegistryView::Bits32,
        None => pool.registry_view(),
    };
    let dir = framework_dir(server, &pool.runtime, view);
    for (name, overridden, is_machine) in [
        ("machine.config", server.machine_config.as_ref(), true),
        ("web.config", server.root_web_config.as_ref(), false),
    ] {
        let server_path = dir.as_ref().map(|d| format!("{d}\\Config\\{name}"));
        let local: Option<PathBuf> = overridden
            .cloned()
            .or_else(|| server_path.as_deref().and_then(|p| server.map.map(p)));
        let shown = server_path.clone().unwrap_or_else(|| name.to_owned());
        match local.filter(|p| p.is_file()) {
            Some(path) => match ConfigFile::read_named(&path, &shown) {
                Ok(file) => {
                    out.config_files.push(format!(
                        "{shown} ({})",
                        if is_machine {
                            "machine.config"
                        } else {
                            "root web.config"
                        }
                    ));
                    stack = if is_machine {
                        stack.machine_config(file)
                    } else {
                        stack.root_web_config(file)
                    };
                }
                Err(e) => {
                    out.error = Some(format!("{shown}: {e}"));
                    return out;
                }
            },
            None => out
                .missing
                .push(format!("{shown} (the framework's defaults are assumed)")),
        }
    }
    // web.config files from the site's root down to the application.
    let mut ancestors = vec!["/".to_owned()];
    let mut acc = String::new();
    for seg in app.path.split('/').filter(|s| !s.is_empty()) {
        acc.push('/');
        acc.push_str(seg);
        ancestors.push(acc.clone());
    }
    for vpath in &ancestors {
        let Some(dir_raw) = site.physical_path_of(vpath) else {
            continue;
        };
        let Ok(dir) = server.env.expand(&dir_raw) else {
            continue;
        };
        let server_path = format!("{}\\web.config", dir.trim_end_matches('\\'));
        let is_app_root = site
            .applications
            .iter()
            .any(|a| a.path.eq_ignore_ascii_case(vpath));
        let local_dir = server.map.map(&dir);
        match local_dir {
            Some(d) if d.is_dir() => {
                let file = d.join("web.config");
                if !file.is_file() {
                    continue;
                }
                match ConfigFile::read_named(&file, &server_path) {
                    Ok(cf) => {
                        let level = if vpath == "/" {
                            "site"
                        } else if is_app_root {
                            "application"
                        } else {
                            "folder"
                        };
                        out.config_files.push(format!("{server_path} ({level})"));
                        stack = match level {
                            "site" => stack.site_web_config(cf),
                            "application" => stack.application_web_config(vpath, cf),
                            _ => stack.folder_web_config(vpath, cf),
                        };
                    }
                    Err(e) => {
                        out.error = Some(format!("{server_path}: {e}"));
                        return out;
                    }
                }
            }
            _ => {
                if vpath.eq_ignore_ascii_case(&app.path) || is_app_root {
                    out.missing
                        .push(format!("{dir} (the folder of {vpath}) is not in the copy"));
                }
            }
        }
    }
    match stack.resolve(&app.path) {
        Ok(resolved) => {
            match lint_resolved(&resolved, known) {
                Ok(summary) => {
                    if let Some(id) = &identity {
                        out.isolation = Some(isolation_text(&summary, id));
                    }
                    out.machine_key = Some(summary);
                }
                Err(e) => out.error = Some(e.to_string()),
            }
            out.session_state = Some(resolved.session_state.mode);
            out.session_state_origin = resolved
                .origin("sessionState mode")
                .map(ToString::to_string);
            out.resolved = Some(resolved);
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}

fn fraction(workers: u32) -> String {
    if workers == 0 {
        "all but one in N (N the number of NUMA nodes)".to_owned()
    } else {
        format!("about {}/{}", workers - 1, workers)
    }
}

impl Server {
    /// Diagnoses the server: every pool's identity, SID, workers, runtime, view and key
    /// store (with the ACL check), every application's effective configuration, and the
    /// findings. `known` is a list of publicly known keys (the audit's `KeyList`) for the
    /// known-key lint.
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::{Server, apphost::{ReadOptions, parse_application_host}};
    /// use machinekey::iis::diagnose::{StoreKind, ids};
    /// let config = parse_application_host("applicationHost.config", r#"<configuration><system.applicationHost>
    ///   <applicationPools>
    ///     <add name="Shop" managedRuntimeVersion="v4.0"><processModel identityType="SpecificUser" userName="CORP\svc_shop" maxProcesses="3" /></add>
    ///   </applicationPools>
    ///   <sites><site name="Shop" id="2"><application path="/" applicationPool="Shop">
    ///     <virtualDirectory path="/" physicalPath="C:\inetpub\shop" /></application></site></sites>
    /// </system.applicationHost></configuration>"#, &ReadOptions::default())?;
    /// let mut server = Server::new("web1", config);
    /// server.accounts.add_rule("CORP\\svc_shop=S-1-5-21-1-2-3-1105", "--sid").map_err(|e| machinekey::iis::IisError::Invalid { file: "--sid".into(), line: 0, message: e })?;
    /// server.add_acl_argument("O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)")?;
    /// let d = server.diagnose(None);
    /// assert_eq!(d.pools[0].key_store.store, StoreKind::PerProcess);
    /// assert!(d.findings_with(ids::WEB_GARDEN_PRIVATE_KEYS).next().is_some());
    /// # Ok::<(), machinekey::iis::IisError>(())
    /// ```
    #[must_use]
    pub fn diagnose(&self, known: Option<&dyn KnownKeys>) -> Diagnosis {
        let cfg = &self.config;
        let mut stored_keys = Vec::new();
        let mut pools: Vec<PoolDiagnosis> = cfg
            .pools
            .iter()
            .map(|pool| {
                let identity = PoolIdentity::of(pool, cfg.kind, &self.accounts);
                let key_store = key_store(self, pool, &identity, &mut stored_keys);
                PoolDiagnosis {
                    name: pool.name.clone(),
                    declared: pool.declared.clone(),
                    identity,
                    workers: pool.max_processes,
                    runtime: pool.runtime.clone(),
                    key_version: pool.runtime.key_version(),
                    view: if cfg.kind == ServerKind::Iis6 {
                        if cfg.iis6_32bit {
                            RegistryView::Bits32
                        } else {
                            RegistryView::Bits64
                        }
                    } else {
                        pool.registry_view()
                    },
                    load_user_profile: pool.load_user_profile,
                    key_store,
                    applications: Vec::new(),
                    origins: pool.origins.clone(),
                }
            })
            .collect();
        let mut applications = Vec::new();
        for (site, app) in cfg.applications() {
            let Some(pool) = cfg.pool(&app.pool) else {
                continue;
            };
            let d = diagnose_app(
                &AppContext {
                    server: self,
                    site,
                    app,
                    pool,
                },
                known,
            );
            if let Some(p) = pools
                .iter_mut()
                .find(|p| p.name.eq_ignore_ascii_case(&app.pool))
            {
                p.applications.push(d.label.clone());
            }
            applications.push(d);
        }
        let findings = findings(self, &pools, &applications);
        Diagnosis {
            server: self.name.clone(),
            file: cfg.file.clone(),
            kind: cfg.kind,
            schema: cfg.schema,
            pools,
            applications,
            findings,
            stored_keys,
        }
    }
}

fn aspnet_regiis(server: &Server, pool: &PoolDiagnosis) -> String {
    let dir = framework_dir(server, &pool.runtime, pool.view).unwrap_or_default();
    format!("{dir}\\aspnet_regiis.exe -ga \"{}\"", pool.identity.account)
}

#[allow(clippy::too_many_lines)]
fn findings(server: &Server, pools: &[PoolDiagnosis], apps: &[AppDiagnosis]) -> Vec<Finding> {
    let mut out = Vec::new();
    let cfg = &server.config;
    let apps_of = |pool: &str| -> Vec<&AppDiagnosis> {
        apps.iter()
            .filter(|a| a.pool.eq_ignore_ascii_case(pool))
            .collect()
    };
    for pool in pools {
        let subject = format!("pool {}", pool.name);
        if pool.declared.is_none() && cfg.kind != ServerKind::Iis6 {
            out.push(Finding {
                id: ids::UNDECLARED_POOL,
                severity: Severity::Warning,
                subject: subject.clone(),
                message: format!(
                    "{} name the application pool {:?}, which {} does not declare: IIS cannot start them (HTTP 503); this diagnosis assumes the pool defaults",
                    pool.applications.join(", "),
                    pool.name,
                    cfg.file
                ),
                fixes: vec![format!("create the pool: appcmd add apppool /name:\"{}\", or point the applications at an existing pool", pool.name)],
            });
        }
        if matches!(
            pool.runtime,
            RuntimeVersion::V1_1 | RuntimeVersion::Other(_)
        ) && !pool.applications.is_empty()
        {
            out.push(Finding {
                id: ids::RUNTIME_NOT_MODELLED,
                severity: Severity::Notice,
                subject: subject.clone(),
                message: format!("runtime {}: the crate models ASP.NET 2.0 to 4.8 only; its applications are not diagnosed", pool.runtime.label()),
                fixes: Vec::new(),
            });
        }
        if pool.identity.sid_source == SidSource::Unknown
            && pool.key_store.store == StoreKind::Unknown
        {
            out.push(Finding {
                id: ids::SID_UNKNOWN,
                severity: Severity::Notice,
                subject: subject.clone(),
                message: format!(
                    "the SID of {} is not known, so its HKLM key store ({}) and that key's ACL cannot be checked",
                    pool.identity.account, pool.key_store.location
                ),
                fixes: vec![format!(
                    "supply it: --sid \"{}=S-1-5-21-...\" (on the server: (New-Object System.Security.Principal.NTAccount('{}')).Translate([System.Security.Principal.SecurityIdentifier]).Value), or add it to the bundle's accounts.txt",
                    pool.identity.account, pool.identity.account
                )],
            });
        }
        let autogen_apps: Vec<&AppDiagnosis> = apps_of(&pool.name)
            .into_iter()
            .filter(|a| a.machine_key.as_ref().is_some_and(uses_autogen))
            .collect();
        let names = |list: &[&AppDiagnosis]| {
            list.iter()
                .map(|a| a.label.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let garden = pool.workers != 1;
        let v20 = pool.runtime == RuntimeVersion::V2_0;
        if !autogen_apps.is_empty() && pool.key_store.store == StoreKind::PerProcess {
            let mut fixes = vec![
                format!(
                    "set an explicit <machineKey> (fixed validationKey and decryptionKey, no AutoGenerate) in the web.config of {} (or once in the root web.config, {}\\Config\\web.config); `machinekey generate` prints one. Every worker, and every server given the same keys, then shares them",
                    names(&autogen_apps),
                    framework_dir(server, &pool.runtime, pool.view).unwrap_or_default()
                ),
                format!(
                    "give the account its key store, then recycle the pool: {} and appcmd recycle apppool /apppool.name:\"{}\"",
                    aspnet_regiis(server, pool),
                    pool.name
                ),
            ];
            if cfg.kind != ServerKind::Iis6 {
                fixes.push(format!(
                    "load the account's profile, so the keys live in its HKCU: appcmd set apppool \"{}\" /processModel.loadUserProfile:true (IIS Manager: the pool's Advanced Settings, Load User Profile = True), then recycle",
                    pool.name
                ));
            }
            let reason = &pool.key_store.description;
            if garden {
                out.push(Finding {
                    id: ids::WEB_GARDEN_PRIVATE_KEYS,
                    severity: Severity::Critical,
                    subject: subject.clone(),
                    message: format!(
                        "{} worker processes run as {} with AutoGenerate keys ({}), and none can reach a shared key store: {reason}. Each worker uses its own random keys, so {} of the requests that carry state another worker issued fail: forms logins (users are sent back to the login page), ViewState post-backs (\"Validation of viewstate MAC failed\"), MachineKey.Protect data{}. The keys also change at every recycle",
                        if pool.workers == 0 { "N (one per NUMA node)".to_owned() } else { pool.workers.to_string() },
                        pool.identity.account,
                        names(&autogen_apps),
                        fraction(pool.workers),
                        if v20 { ", and State Service sessions (2.0-era builds key the session lookup with the validation key)" } else { "" }
                    ),
                    fixes,
                });
            } else {
                out.push(Finding {
                    id: ids::PRIVATE_KEYS_LOST_ON_RECYCLE,
                    severity: Severity::Warning,
                    subject: subject.clone(),
                    message: format!(
                        "the worker runs as {} with AutoGenerate keys ({}) and no key store it can use: {reason}. Its keys are random per process, so every recycle (by default every 29 hours, and on idle timeout) logs users out and invalidates open pages' ViewState",
                        pool.identity.account,
                        names(&autogen_apps)
                    ),
                    fixes,
                });
            }
        } else if !autogen_apps.is_empty() && garden && pool.key_store.store == StoreKind::Unknown {
            out.push(Finding {
                id: ids::WEB_GARDEN_STORE_UNKNOWN,
                severity: Severity::Warning,
                subject: subject.clone(),
                message: format!(
                    "{} workers run as {} with AutoGenerate keys ({}); whether they share them cannot be told: {}",
                    pool.workers, pool.identity.account, names(&autogen_apps), pool.key_store.description
                ),
                fixes: vec![
                    "collect the registry export and the ACL of AutoGenKeys (scripts/collect-iis.ps1), or pass --acl with (Get-Acl HKLM:\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys).Sddl".to_owned(),
                    "or remove the question: set an explicit <machineKey>".to_owned(),
                ],
            });
        }
        if garden {
            let inproc: Vec<&AppDiagnosis> = apps_of(&pool.name)
                .into_iter()
                .filter(|a| a.session_state.is_some_and(SessionStateMode::is_in_process))
                .collect();
            if !inproc.is_empty() {
                out.push(Finding {
                    id: ids::WEB_GARDEN_INPROC_SESSION,
                    severity: Severity::Warning,
                    subject: subject.clone(),
                    message: format!(
                        "{} worker processes with InProc session state ({}): each worker keeps its own sessions in memory, so a request served by another worker does not find the session ({} of them), whatever the keys. This is the most common web-garden confusion",
                        if pool.workers == 0 { "N".to_owned() } else { pool.workers.to_string() },
                        names(&inproc),
                        fraction(pool.workers)
                    ),
                    fixes: vec![
                        format!("run one worker: appcmd set apppool \"{}\" /processModel.maxProcesses:1", pool.name),
                        "or move sessions out of the process: <sessionState mode=\"StateServer\" stateConnectionString=\"tcpip=127.0.0.1:42424\" /> (start the ASP.NET State Service) or mode=\"SQLServer\"".to_owned(),
                    ],
                });
            }
        }
        if let Some(stale) = &pool.key_store.stale {
            out.push(Finding {
                id: ids::STALE_STORED_KEY,
                severity: Severity::Notice,
                subject: subject.clone(),
                message: format!("{}: {stale}", pool.key_store.location),
                fixes: Vec::new(),
            });
        }
        if cfg.kind == ServerKind::Iis6 {
            let mut runtimes: Vec<String> = apps_of(&pool.name)
                .into_iter()
                .filter_map(|a| {
                    cfg.applications()
                        .find(|(s, x)| s.name == a.site && x.path == a.path)
                        .and_then(|(_, x)| x.script_map_runtime.as_ref().map(|(r, _)| r.label()))
                })
                .collect();
            runtimes.sort();
            runtimes.dedup();
            if runtimes.len() > 1 {
                out.push(Finding {
                    id: ids::MIXED_FRAMEWORKS_IN_POOL,
                    severity: Severity::Critical,
                    subject: subject.clone(),
                    message: format!("the pool's applications map .aspx to different frameworks ({}): one worker process loads one CLR, so some of them fail to start", runtimes.join(", ")),
                    fixes: vec!["give each framework version its own application pool (AppPoolId)".to_owned()],
                });
            }
        }
    }
    // Per application: lints and errors.
    for app in apps {
        let subject = format!("app {}", app.label);
        if let Some(e) = &app.error {
            out.push(Finding {
                id: ids::CONFIG_ERROR,
                severity: if e.contains("not ASP.NET 2.0 to 4.x") {
                    Severity::Notice
                } else {
                    Severity::Warning
                },
                subject: subject.clone(),
                message: e.clone(),
                fixes: Vec::new(),
            });
        }
        for lint in app.machine_key.iter().flat_map(|s| &s.lints) {
            let (id, severity) = match lint.code {
                LintCode::KnownKey | LintCode::KnownKeyInStack => {
                    (ids::KNOWN_KEY, Severity::Critical)
                }
                LintCode::DataProtectionRepository => {
                    (ids::DATA_PROTECTOR_WITHOUT_REPOSITORY, Severity::Warning)
                }
                _ => continue,
            };
            out.push(Finding {
                id,
                severity,
                subject: subject.clone(),
                message: lint.message.clone(),
                fixes: Vec::new(),
            });
        }
    }
    // What was not collected: one finding per missing item, naming the applications.
    if server.map.is_empty()
        && server.machine_config.is_none()
        && apps.iter().any(|a| !a.missing.is_empty())
    {
        out.push(Finding {
            id: ids::NOT_COLLECTED,
            severity: Severity::Notice,
            subject: "server".to_owned(),
            message: "no copy of the server's files was given: machine.config, the root web.config and the applications' web.config files are unknown, so ASP.NET's defaults are assumed (AutoGenerate,IsolateApps keys, InProc sessions)".to_owned(),
            fixes: vec!["collect a bundle with scripts/collect-iis.ps1, or map the server's paths onto a copy: --map \"C:\\inetpub=./copy/inetpub\"".to_owned()],
        });
    } else {
        let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for a in apps {
            for m in &a.missing {
                missing
                    .entry(m.as_str())
                    .or_default()
                    .push(a.label.as_str());
            }
        }
        for (item, labels) in missing {
            out.push(Finding {
                id: ids::NOT_COLLECTED,
                severity: Severity::Notice,
                subject: format!("app{} {}", if labels.len() == 1 { "" } else { "s" }, labels.join(", ")),
                message: format!("not collected: {item}"),
                fixes: vec!["collect it (scripts/collect-iis.ps1 copies it into the bundle's files/ folder), or map its folder: --map \"FROM=TO\"".to_owned()],
            });
        }
    }
    // Applications that share AutoGenerate keys through one store.
    let mut groups: BTreeMap<String, Vec<&AppDiagnosis>> = BTreeMap::new();
    for app in apps {
        let (Some(summary), Some(pool)) = (
            app.machine_key.as_ref(),
            pools
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&app.pool)),
        ) else {
            continue;
        };
        if !uses_autogen(summary)
            || !matches!(
                pool.key_store.store,
                StoreKind::LsaSecret | StoreKind::CurrentUser | StoreKind::LocalMachine
            )
        {
            continue;
        }
        let fx45 = summary.mode.is_framework45();
        let norm = |s: &str| if fx45 { s.to_owned() } else { s.to_lowercase() };
        let v = summary.validation_key;
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            pool.key_store.location,
            fx45,
            spec_text(&v),
            spec_text(&summary.decryption_key),
            if v.isolate_apps {
                norm(&app.path)
            } else {
                String::new()
            },
            if v.isolate_by_app_id {
                norm(&app.app_id)
            } else {
                String::new()
            }
        );
        groups.entry(key).or_default().push(app);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let Some(first) = members.first() else {
            continue;
        };
        let isolated = first
            .machine_key
            .as_ref()
            .is_some_and(|s| s.validation_key.isolate_apps);
        let labels: Vec<String> = members.iter().map(|a| a.label.clone()).collect();
        out.push(Finding {
            id: ids::APPS_SHARE_KEYS,
            severity: if isolated { Severity::Warning } else { Severity::Notice },
            subject: format!("apps {}", labels.join(", ")),
            message: if isolated {
                format!(
                    "these applications get the same AutoGenerate keys: IsolateApps isolates by virtual path, and theirs is the same ({}), under the same identity's store. A forms ticket, ViewState or MachineKey.Protect payload issued by one is accepted by the others",
                    first.path
                )
            } else {
                "these applications use AutoGenerate keys without IsolateApps from the same identity's store: each accepts what the others protect (forms tickets, ViewState, MachineKey.Protect)".to_owned()
            },
            fixes: vec![
                "add IsolateByAppId (4.5 and later): validationKey=\"AutoGenerate,IsolateApps,IsolateByAppId\" decryptionKey=\"AutoGenerate,IsolateApps,IsolateByAppId\"".to_owned(),
                "or give each application its own explicit keys, or its own application pool identity".to_owned(),
            ],
        });
    }
    for loc in &cfg.system_web_locations {
        out.push(Finding {
            id: ids::SYSTEM_WEB_IN_APPLICATION_HOST,
            severity: Severity::Notice,
            subject: if loc.path.is_empty() { "server".to_owned() } else { format!("location {}", loc.path) },
            message: format!(
                "{} holds <system.web> ({}), which ASP.NET does not read: its configuration comes from machine.config, the root web.config and web.config files (WebConfigurationHost). These settings have no effect",
                loc.origin,
                loc.sections.join(", ")
            ),
            fixes: vec![if loc.path.is_empty() {
                "move them to the root web.config of each framework".to_owned()
            } else {
                format!("move them to the web.config of {}, or to a <location path=\"{}\"> in the root web.config", loc.path, loc.path)
            }],
        });
    }
    out.sort_by_key(|f| core::cmp::Reverse(f.severity));
    out
}

impl Diagnosis {
    /// The diagnosis as text for an operator: pools, applications, then findings with
    /// their fixes. Never key bytes.
    #[must_use]
    #[allow(clippy::too_many_lines)]
    pub fn to_text(&self) -> String {
        use core::fmt::Write as _;
        let mut o = String::new();
        let kind = match self.kind {
            ServerKind::Iis => format!(
                "IIS, schema defaults of IIS {}",
                self.schema.map_or("?", |s| s.name())
            ),
            ServerKind::IisExpress => "IIS Express".to_owned(),
            ServerKind::Iis6 => "IIS 6 metabase".to_owned(),
        };
        let _ = writeln!(o, "server {} ({}: {kind})", self.server, self.file);
        for p in &self.pools {
            if p.applications.is_empty() {
                continue;
            }
            let sid = match (&p.identity.sid, &p.identity.sid_source) {
                (Some(s), SidSource::Supplied(src)) => format!("SID {s} ({src})"),
                (Some(s), SidSource::Computed) => format!("SID {s} (computed)"),
                (Some(s), _) => format!("SID {s}"),
                (None, _) => "SID unknown".to_owned(),
            };
            let _ = writeln!(
                o,
                "\npool {}: {} ({}), {sid}",
                p.name,
                p.identity.account,
                p.identity
                    .identity_type
                    .map_or("IIS Express user", |t| t.name())
            );
            let _ = writeln!(
                o,
                "  {} worker{}, runtime {}{}, {}-bit registry view, profile {}",
                if p.workers == 0 {
                    "one per NUMA node".to_owned()
                } else {
                    p.workers.to_string()
                },
                if p.workers == 1 { "" } else { "s" },
                p.runtime.label(),
                p.key_version.map(|v| format!(" ({v})")).unwrap_or_default(),
                if p.view == RegistryView::Bits32 {
                    32
                } else {
                    64
                },
                match (p.identity.profile_loaded, p.load_user_profile) {
                    (true, _) => "loaded".to_owned(),
                    (false, Some(false)) => format!(
                        "not loaded (loadUserProfile=false, {})",
                        p.origins
                            .get("processModel.loadUserProfile")
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                    (false, _) => "not loaded".to_owned(),
                }
            );
            let ks = &p.key_store;
            if ks.store != StoreKind::NotApplicable {
                let _ = writeln!(o, "  AutoGenerate keys: {}", ks.description);
                let _ = writeln!(o, "    store: {}", ks.location);
                if let Some(acl) = &ks.acl {
                    let yn = |b: Option<bool>| match b {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    };
                    let _ = writeln!(
                        o,
                        "    key exists: {}{}",
                        yn(acl.exists),
                        acl.exists_from
                            .as_ref()
                            .map(|f| format!(" ({f})"))
                            .unwrap_or_default()
                    );
                    match &acl.acl_from {
                        Some(from) => {
                            let _ = writeln!(
                                o,
                                "    ACL ({from}{}): read {}, write {}, create {}{}",
                                if acl.inherited_from_parent {
                                    ", as the key inherits it"
                                } else {
                                    ""
                                },
                                yn(acl.read),
                                yn(acl.write),
                                yn(acl.create),
                                acl.decided_by
                                    .as_ref()
                                    .map(|d| format!(", denied by {d}"))
                                    .unwrap_or_default()
                            );
                        }
                        None => {
                            let _ = writeln!(o, "    ACL: not collected");
                        }
                    }
                }
                if let Some(s) = &ks.stored {
                    let _ = writeln!(o, "    stored: {s}");
                }
            } else {
                let _ = writeln!(o, "  {}", ks.description);
            }
        }
        for a in &self.applications {
            let _ = writeln!(
                o,
                "\napp {} ({}, pool {}): {}{}",
                a.label,
                a.app_id,
                a.pool,
                a.physical_path,
                a.local_path
                    .as_ref()
                    .map(|l| format!(" -> {l}"))
                    .unwrap_or_default()
            );
            for f in &a.config_files {
                let _ = writeln!(o, "  read {f}");
            }
            if let Some(s) = &a.machine_key {
                let _ = writeln!(
                    o,
                    "  machineKey: validationKey {}, decryptionKey {}, validation {}, decryption {}, {}",
                    spec_text(&s.validation_key),
                    spec_text(&s.decryption_key),
                    s.validation,
                    s.decryption,
                    s.mode.name()
                );
                for (setting, origin) in &s.origins {
                    if setting.starts_with("machineKey") || setting.starts_with("httpRuntime") {
                        let _ = writeln!(o, "    {setting}: {origin}");
                    }
                }
            }
            if let Some(i) = &a.isolation {
                let _ = writeln!(o, "  isolation: {i}");
            }
            if let Some(m) = a.session_state {
                let _ = writeln!(
                    o,
                    "  session state: {}{}",
                    m.name(),
                    a.session_state_origin
                        .as_ref()
                        .map_or_else(|| " (default)".to_owned(), |x| format!(" ({x})"))
                );
            }
            if let Some(e) = &a.error {
                let _ = writeln!(o, "  not resolved: {e}");
            }
        }
        if self.findings.is_empty() {
            let _ = writeln!(o, "\nno findings");
        } else {
            let _ = writeln!(o, "\nfindings:");
            for f in &self.findings {
                let _ = writeln!(
                    o,
                    "[{}] {} ({}): {}",
                    f.severity.name(),
                    f.id,
                    f.subject,
                    f.message
                );
                for (i, fix) in f.fixes.iter().enumerate() {
                    let _ = writeln!(o, "    fix {}: {fix}", i + 1);
                }
            }
        }
        o
    }

    /// One [`compat::Node`](crate::compat::Node) per application, named
    /// `<server>/<site>/<path>` (`web1/Default Web Site/Shop`), from its resolved
    /// configuration, with the AutoGenerate keys the registry export holds for its pool's
    /// store (without them, AutoGenerate keys are the process's own, as
    /// [`Node::new`](crate::compat::Node::new) says). Applications whose configuration was
    /// not resolved are left out.
    #[must_use]
    pub fn compat_nodes(&self) -> Vec<crate::compat::Node> {
        self.applications
            .iter()
            .filter_map(|a| {
                let resolved = a.resolved.as_ref()?;
                let identity = a.identity.clone()?;
                let name = format!("{}/{}", self.server, node_label(a));
                let node = crate::compat::Node::from_resolved(&name, resolved, identity);
                let stored = self
                    .stored_keys
                    .iter()
                    .find(|(pool, _)| pool.eq_ignore_ascii_case(&a.pool))
                    .and_then(|(_, k)| k.as_ref());
                Some(match stored {
                    Some((keys, source)) => node.with_autogen(keys.clone(), source),
                    None => node,
                })
            })
            .collect()
    }

    /// The node of [`compat_nodes`](Self::compat_nodes) named `name`: `site/path` or
    /// `<server>/site/path`, the site by name or id, a trailing slash optional.
    #[must_use]
    pub fn compat_node(&self, name: &str) -> Option<crate::compat::Node> {
        let rest = name
            .strip_prefix(&format!("{}/", self.server))
            .unwrap_or(name);
        let app = self.application(rest)?;
        let wanted = format!("{}/{}", self.server, node_label(app));
        self.compat_nodes().into_iter().find(|n| n.name() == wanted)
    }
}

/// `site/path` without the leading slash of the path (`Default Web Site/Shop`,
/// `Default Web Site/` for a root).
fn node_label(a: &AppDiagnosis) -> String {
    format!("{}/{}", a.site, a.path.trim_start_matches('/'))
}

/// The SIDs of every pool identity in `d` that the ACL `sddl` grants read and write on
/// `AutoGenKeys\<SID>` (the key inheriting from it): a helper for reports and tests.
#[must_use]
pub fn granted_identities(d: &Diagnosis, sddl: &SecurityDescriptor) -> Vec<Sid> {
    let child = sddl.inherited_by_child_key();
    d.pools
        .iter()
        .filter_map(|p| {
            let sid = p.identity.sid.clone()?;
            let token = super::sddl::AccessToken::new(sid.clone(), p.identity.groups.clone());
            child
                .access_check(&token, rights::KEY_READ | rights::KEY_WRITE)
                .allowed
                .then_some(sid)
        })
        .collect()
}
