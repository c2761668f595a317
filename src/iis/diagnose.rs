//! The diagnosis of a server: per application pool where its AutoGenerate keys live and
//! whether its workers share them, per application its effective `<machineKey>` and
//! session mode, and findings with the fix in an operator's words.

mod app;
mod findings;
mod key_store;
mod report;

use std::collections::BTreeMap;

use serde::Serialize;

use super::bundle::Server;
use super::identity::PoolIdentity;
use super::server::{Origin, RuntimeVersion, ServerKind};
use crate::config::lint::{KnownKeys, Summary};
use crate::config::stack::{ResolvedConfig, SessionStateMode};
use crate::keys::store::RegistryView;
use crate::keys::{AppIdentity, AutoGenKeys};
use crate::names::names;

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

names!(Severity, "The name, as JSON gives it.", {
    Notice => "notice",
    Warning => "warning",
    Critical => "critical",
});

/// What a [`Finding`] is about: its stable id (`snake_case` in JSON and text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingId {
    /// A web garden on AutoGenerate keys whose workers cannot share a key store.
    WebGardenPrivateKeys,
    /// A web garden on AutoGenerate keys whose key store could not be checked.
    WebGardenStoreUnknown,
    /// A web garden with `InProc` session state.
    WebGardenInprocSession,
    /// A single worker on private AutoGenerate keys: they change at every recycle.
    PrivateKeysLostOnRecycle,
    /// A publicly known key in the configuration.
    KnownKey,
    /// Applications that read each other's protected data through shared AutoGenerate keys.
    AppsShareKeys,
    /// `dataProtectorType` without a key repository.
    DataProtectorWithoutRepository,
    /// An application whose configuration ASP.NET would reject.
    ConfigError,
    /// A specific user whose SID was not supplied.
    SidUnknown,
    /// An application names a pool the configuration does not declare.
    UndeclaredPool,
    /// `<system.web>` in applicationHost.config, which ASP.NET does not read.
    SystemWebInApplicationHost,
    /// A file the diagnosis needs was not collected.
    NotCollected,
    /// IIS 6: one pool serves applications of two framework versions.
    MixedFrameworksInPool,
    /// A stored key older than the framework's last install: it will be replaced.
    StaleStoredKey,
    /// A pool whose runtime the crate does not model.
    RuntimeNotModelled,
}

names!(FindingId, "The stable id, as JSON and the text report give it.", {
    WebGardenPrivateKeys => "web_garden_private_keys",
    WebGardenStoreUnknown => "web_garden_store_unknown",
    WebGardenInprocSession => "web_garden_inproc_session",
    PrivateKeysLostOnRecycle => "private_keys_lost_on_recycle",
    KnownKey => "known_key",
    AppsShareKeys => "apps_share_keys",
    DataProtectorWithoutRepository => "data_protector_without_repository",
    ConfigError => "config_error",
    SidUnknown => "sid_unknown",
    UndeclaredPool => "undeclared_pool",
    SystemWebInApplicationHost => "system_web_in_application_host",
    NotCollected => "not_collected",
    MixedFrameworksInPool => "mixed_frameworks_in_pool",
    StaleStoredKey => "stale_stored_key",
    RuntimeNotModelled => "runtime_not_modelled",
});

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Its stable id.
    pub id: FindingId,
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

names!(StoreKind, "The store, as JSON gives it.", {
    LsaSecret => "lsa_secret",
    CurrentUser => "current_user",
    LocalMachine => "local_machine",
    PerProcess => "per_process",
    Unknown => "unknown",
    NotApplicable => "not_applicable",
});

/// What the ACL of `AutoGenKeys\<SID>` lets the pool identity do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
    pub fn findings_with(&self, id: FindingId) -> impl Iterator<Item = &Finding> {
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

impl Server {
    /// Diagnoses the server: every pool's identity, SID, workers, runtime, view and key
    /// store (with the ACL check), every application's effective configuration, and the
    /// findings. `known` is a list of publicly known keys (the audit's `KeyList`) for the
    /// known-key lint.
    ///
    /// # Example
    /// ```
    /// use machinekey::iis::{Server, apphost::{ReadOptions, parse_application_host}};
    /// use machinekey::iis::diagnose::{FindingId, StoreKind};
    /// let config = parse_application_host("applicationHost.config", r#"<configuration><system.applicationHost>
    ///   <applicationPools>
    ///     <add name="Shop" managedRuntimeVersion="v4.0"><processModel identityType="SpecificUser" userName="CORP\svc_shop" maxProcesses="3" /></add>
    ///   </applicationPools>
    ///   <sites><site name="Shop" id="2"><application path="/" applicationPool="Shop">
    ///     <virtualDirectory path="/" physicalPath="C:\inetpub\shop" /></application></site></sites>
    /// </system.applicationHost></configuration>"#, &ReadOptions::default())?;
    /// let mut server = Server::new("web1", config);
    /// server.accounts.add_rule("CORP\\svc_shop=S-1-5-21-1-2-3-1105", "--sid")?;
    /// server.add_acl_argument("O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)")?;
    /// let d = server.diagnose(None);
    /// assert_eq!(d.pools[0].key_store.store, StoreKind::PerProcess);
    /// assert!(d.findings_with(FindingId::WebGardenPrivateKeys).next().is_some());
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
                let key_store = key_store::key_store(self, pool, &identity, &mut stored_keys);
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
            let d = app::diagnose_app(
                &app::AppContext {
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
        let findings = findings::findings(self, &pools, &applications);
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
