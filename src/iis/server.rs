//! What a server's IIS configuration says about application pools, sites and
//! applications, with the defaults resolved as IIS resolves them and where each value came
//! from. Read by [`apphost`](super::apphost) (IIS 7 to 10 and IIS Express) and
//! [`metabase`](super::metabase) (IIS 6).

use core::fmt;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::FrameworkVersion;
use crate::keys::store::RegistryView;
use crate::names::names;

/// Where a value came from: a file and line, or a schema default (line 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Origin {
    /// The file (or `IIS_schema.xml (IIS 10.0)` for a schema default).
    pub file: String,
    /// The 1-based line; 0 for a default that no file states.
    pub line: usize,
}

impl Origin {
    pub(crate) fn at(file: &str, line: usize) -> Self {
        Self {
            file: file.to_owned(),
            line,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// Which server software the file configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServerKind {
    /// IIS 7 to 10 (`%windir%\System32\inetsrv\config\applicationHost.config`).
    Iis,
    /// IIS Express: the same schema, but every worker runs as the user who started
    /// `iisexpress.exe`, with that user's profile loaded.
    IisExpress,
    /// IIS 6 (`%windir%\System32\inetsrv\MetaBase.xml`).
    Iis6,
}

names!(ServerKind, "The kind, as JSON gives it.", {
    Iis => "iis",
    IisExpress => "iis_express",
    Iis6 => "iis6",
});

/// The `IIS_schema.xml` whose defaults apply to attributes no file sets. Only what the
/// key model needs differs between them: 7.0 runs pools as `NetworkService` by default;
/// 7.0 and 7.5 load CLR 2.0 (`v2.0`) by default, 8.0 and later no managed code (`""`).
/// (Values from `lextm/iis_schema`, copies of each version's `IIS_schema.xml`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[non_exhaustive]
pub enum SchemaVersion {
    /// IIS 7.0 (Windows Server 2008).
    #[serde(rename = "7.0")]
    Iis7_0,
    /// IIS 7.5 (Windows Server 2008 R2).
    #[serde(rename = "7.5")]
    Iis7_5,
    /// IIS 8.0 (Windows Server 2012).
    #[serde(rename = "8.0")]
    Iis8_0,
    /// IIS 8.5 (Windows Server 2012 R2).
    #[serde(rename = "8.5")]
    Iis8_5,
    /// IIS 10.0 (Windows Server 2016 and later; the default).
    #[default]
    #[serde(rename = "10.0")]
    Iis10_0,
}

names!(SchemaVersion, "The IIS version, as JSON gives it (`10.0`).", {
    Iis7_0 => "7.0",
    Iis7_5 => "7.5",
    Iis8_0 => "8.0",
    Iis8_5 => "8.5",
    Iis10_0 => "10.0",
});

impl SchemaVersion {
    /// Parses `7.0`, `7.5`, `8.0`, `8.5`, `10.0` (or `7`, `8`, `10`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim() {
            "7" | "7.0" => Self::Iis7_0,
            "7.5" => Self::Iis7_5,
            "8" | "8.0" => Self::Iis8_0,
            "8.5" => Self::Iis8_5,
            "10" | "10.0" => Self::Iis10_0,
            _ => return None,
        })
    }

    pub(crate) fn origin(self) -> Origin {
        Origin::at(
            &format!("IIS_schema.xml (IIS {}) default", self.as_str()),
            0,
        )
    }

    pub(crate) const fn default_identity(self) -> IdentityType {
        match self {
            Self::Iis7_0 => IdentityType::NetworkService,
            _ => IdentityType::ApplicationPoolIdentity,
        }
    }

    pub(crate) const fn default_runtime(self) -> RuntimeVersion {
        match self {
            Self::Iis7_0 | Self::Iis7_5 => RuntimeVersion::V2_0,
            _ => RuntimeVersion::NoManagedCode,
        }
    }
}

/// The account a pool's workers run as (`processModel identityType`; IIS 6
/// `AppPoolIdentityType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum IdentityType {
    /// `LocalSystem` (0).
    LocalSystem,
    /// `LocalService` (1).
    LocalService,
    /// `NetworkService` (2).
    NetworkService,
    /// `SpecificUser` (3): `userName`, or IIS 6's `WAMUserName`.
    SpecificUser,
    /// `ApplicationPoolIdentity` (4): the virtual account `IIS APPPOOL\<pool>`.
    ApplicationPoolIdentity,
}

names!(IdentityType, "The attribute value, as IIS spells it.", {
    LocalSystem => "LocalSystem",
    LocalService => "LocalService",
    NetworkService => "NetworkService",
    SpecificUser => "SpecificUser",
    ApplicationPoolIdentity => "ApplicationPoolIdentity",
});

impl IdentityType {
    /// The schema's names, in the order of their numeric values.
    pub(crate) const VALUES: [(&'static str, Self); 5] = [
        ("LocalSystem", Self::LocalSystem),
        ("LocalService", Self::LocalService),
        ("NetworkService", Self::NetworkService),
        ("SpecificUser", Self::SpecificUser),
        ("ApplicationPoolIdentity", Self::ApplicationPoolIdentity),
    ];
}

/// `managedRuntimeVersion`: which CLR, and so which ASP.NET, a pool loads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuntimeVersion {
    /// `""`: no managed code (ASP.NET is not loaded; ASP.NET Core under the ASP.NET Core
    /// Module uses Data Protection instead).
    NoManagedCode,
    /// `v1.1` (ASP.NET 1.1, not modelled).
    V1_1,
    /// `v2.0`: CLR 2.0, ASP.NET 2.0 to 3.5, keys under `2.0.50727.0`.
    V2_0,
    /// `v4.0`: CLR 4, ASP.NET 4.x, keys under `4.0.30319.0`.
    V4_0,
    /// Anything else, as written.
    Other(String),
}

impl RuntimeVersion {
    /// Reads a `managedRuntimeVersion` value.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "" => Self::NoManagedCode,
            _ if t.starts_with("v4.0") => Self::V4_0,
            _ if t.starts_with("v2.0") => Self::V2_0,
            _ if t.starts_with("v1.1") => Self::V1_1,
            _ => Self::Other(text.trim().to_owned()),
        }
    }

    /// The framework build whose rules apply, for the runtimes the crate models.
    #[must_use]
    pub fn framework(&self) -> Option<FrameworkVersion> {
        match self {
            Self::V2_0 => Some(FrameworkVersion::V2_0),
            Self::V4_0 => Some(FrameworkVersion::V4),
            _ => None,
        }
    }

    /// The version of the key-store registry keys (`4.0.30319.0`, `2.0.50727.0`).
    #[must_use]
    pub fn key_version(&self) -> Option<&'static str> {
        match self {
            Self::V2_0 => Some("2.0.50727.0"),
            Self::V4_0 => Some("4.0.30319.0"),
            _ => None,
        }
    }

    /// The framework folder under `Microsoft.NET\Framework[64]` (`v4.0.30319`).
    #[must_use]
    pub fn folder(&self) -> Option<&'static str> {
        match self {
            Self::V1_1 => Some("v1.1.4322"),
            Self::V2_0 => Some("v2.0.50727"),
            Self::V4_0 => Some("v4.0.30319"),
            _ => None,
        }
    }

    /// As written in applicationHost.config (`no managed code` for `""`); also its
    /// `Display`.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::NoManagedCode => "no managed code".to_owned(),
            Self::V1_1 => "v1.1".to_owned(),
            Self::V2_0 => "v2.0".to_owned(),
            Self::V4_0 => "v4.0".to_owned(),
            Self::Other(s) => s.clone(),
        }
    }
}

impl fmt::Display for RuntimeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// `managedPipelineMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PipelineMode {
    /// `Integrated` (0).
    Integrated,
    /// `Classic` (1).
    Classic,
}

names!(PipelineMode, "The attribute value, as IIS spells it.", {
    Integrated => "Integrated",
    Classic => "Classic",
});

/// `processModel logonType`: how WAS logs on a specific user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum LogonType {
    /// `LogonBatch` (0, the default): the token holds `NT AUTHORITY\BATCH`.
    LogonBatch,
    /// `LogonService` (1): the token holds `NT AUTHORITY\SERVICE`.
    LogonService,
}

names!(LogonType, "The attribute value, as IIS spells it.", {
    LogonBatch => "LogonBatch",
    LogonService => "LogonService",
});

/// An application pool with every setting the key model needs, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AppPool {
    /// The name.
    pub name: String,
    /// Where it is declared; `None` when applications name a pool the file does not
    /// declare (it then has the defaults, and IIS cannot start it).
    pub declared: Option<Origin>,
    /// `managedRuntimeVersion`.
    pub runtime: RuntimeVersion,
    /// `enable32BitAppOnWin64`: 32-bit workers, which see the `WOW6432Node` registry view.
    pub enable_32bit: bool,
    /// `managedPipelineMode`.
    pub pipeline: PipelineMode,
    /// `processModel identityType`.
    pub identity_type: IdentityType,
    /// `processModel userName` for `SpecificUser` (the password is never read).
    pub user_name: Option<String>,
    /// `processModel loadUserProfile`; `None` on IIS 6, which has no such setting.
    pub load_user_profile: Option<bool>,
    /// `processModel maxProcesses`: workers in the pool (more than 1 is a web garden; 0
    /// on IIS 8 and later is one per NUMA node).
    pub max_processes: u32,
    /// `processModel logonType`.
    pub logon_type: LogonType,
    /// `processModel manualGroupMembership`: when `false` (the default), WAS adds
    /// `IIS_IUSRS` to the worker's token.
    pub manual_group_membership: bool,
    /// Where each setting came from, by name (`processModel.identityType`, ...).
    pub origins: BTreeMap<String, Origin>,
}

impl AppPool {
    /// The registry view its workers see.
    #[must_use]
    pub fn registry_view(&self) -> RegistryView {
        if self.enable_32bit {
            RegistryView::Bits32
        } else {
            RegistryView::Bits64
        }
    }

    /// Where `setting` came from.
    #[must_use]
    pub fn origin(&self, setting: &str) -> Option<&Origin> {
        self.origins.get(setting)
    }
}

/// A virtual directory of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VirtualDirectory {
    /// Its path within the application (`/` for the application's root).
    pub path: String,
    /// The physical path as written (environment variables unexpanded).
    pub physical_path: String,
    /// Where.
    pub origin: Origin,
}

/// An application of a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Application {
    /// Its virtual path (`/`, `/Shop`), no trailing slash.
    pub path: String,
    /// Its application pool.
    pub pool: String,
    /// Where the pool was chosen: the application, the site's or the server's
    /// `applicationDefaults`, or IIS's built-in `DefaultAppPool`.
    pub pool_origin: Origin,
    /// `HttpRuntime.AppDomainAppId`: `/LM/W3SVC/<site id>/ROOT[/path]`.
    pub app_id: String,
    /// Its virtual directories.
    pub virtual_directories: Vec<VirtualDirectory>,
    /// Where it is declared.
    pub origin: Origin,
    /// IIS 6: the framework its script maps point `aspnet_isapi.dll` at, and whether from
    /// `Framework64`.
    pub script_map_runtime: Option<(RuntimeVersion, bool)>,
}

impl Application {
    /// The physical path of the application's root (its `/` virtual directory).
    #[must_use]
    pub fn physical_path(&self) -> Option<&VirtualDirectory> {
        self.virtual_directories.iter().find(|v| v.path == "/")
    }
}

/// A site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Site {
    /// Its name.
    pub name: String,
    /// Its id (the number in `/LM/W3SVC/<id>`).
    pub id: u64,
    /// Its applications.
    pub applications: Vec<Application>,
    /// Where it is declared.
    pub origin: Origin,
}

impl Site {
    /// The application whose path is the longest prefix of `virtual_path`.
    #[must_use]
    pub fn application_of(&self, virtual_path: &str) -> Option<&Application> {
        let p = virtual_path.to_ascii_lowercase();
        self.applications
            .iter()
            .filter(|a| {
                let a = a.path.to_ascii_lowercase();
                a == "/" || p == a || p.starts_with(&format!("{a}/"))
            })
            .max_by_key(|a| a.path.len())
    }

    /// The physical path (as written) of `virtual_path`: through the application and the
    /// virtual directory with the longest matching prefixes, then the remaining segments.
    #[must_use]
    pub fn physical_path_of(&self, virtual_path: &str) -> Option<String> {
        let app = self.application_of(virtual_path)?;
        let rest_in_app = strip_vpath(virtual_path, &app.path)?;
        let vdir = app
            .virtual_directories
            .iter()
            .filter(|v| strip_vpath(&rest_in_app, &v.path).is_some())
            .max_by_key(|v| v.path.len())?;
        let rest = strip_vpath(&rest_in_app, &vdir.path)?;
        let mut out = vdir.physical_path.trim_end_matches(['\\', '/']).to_owned();
        for segment in rest.split('/').filter(|s| !s.is_empty()) {
            out.push('\\');
            out.push_str(segment);
        }
        Some(out)
    }
}

/// `path` below `prefix` (`/a/b` below `/a` is `/b`; below `/` it is itself), case-insensitive.
fn strip_vpath(path: &str, prefix: &str) -> Option<String> {
    if prefix == "/" {
        return Some(path.to_owned());
    }
    let lower = path.to_ascii_lowercase();
    let p = prefix.to_ascii_lowercase();
    if lower == p {
        return Some("/".to_owned());
    }
    lower
        .starts_with(&format!("{p}/"))
        .then(|| path.get(prefix.len()..).unwrap_or("/").to_owned())
}

/// A `<location path>` block of applicationHost.config that holds `<system.web>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SystemWebLocation {
    /// The `path` (`Default Web Site/Shop`; empty for every site).
    pub path: String,
    /// The `<system.web>` sections in it (`machineKey`, `sessionState`, ...).
    pub sections: Vec<String>,
    /// Where.
    pub origin: Origin,
}

/// A server's IIS configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The file read.
    pub file: String,
    /// IIS, IIS Express or IIS 6.
    pub kind: ServerKind,
    /// The schema whose defaults were applied (IIS 7 and later).
    pub schema: Option<SchemaVersion>,
    /// The application pools: declared ones in file order, then undeclared ones that
    /// applications name.
    pub pools: Vec<AppPool>,
    /// The sites.
    pub sites: Vec<Site>,
    /// `<location>` blocks holding `<system.web>` (which ASP.NET does not read from
    /// applicationHost.config: see the [module documentation](super)).
    pub system_web_locations: Vec<SystemWebLocation>,
    /// IIS 6: `Enable32BitAppOnWin64` of the web service.
    pub iis6_32bit: bool,
}

impl ServerConfig {
    /// The pool named `name` (case-insensitive, as IIS compares pool names).
    #[must_use]
    pub fn pool(&self, name: &str) -> Option<&AppPool> {
        self.pools
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The site named `name` (case-insensitive).
    #[must_use]
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Every application, with its site.
    pub fn applications(&self) -> impl Iterator<Item = (&Site, &Application)> {
        self.sites
            .iter()
            .flat_map(|s| s.applications.iter().map(move |a| (s, a)))
    }
}

/// `/a/b` from `a\b/`, `/A/b`...: one leading slash, no trailing one, `/` for the root.
pub(crate) fn normalize_vpath(path: &str) -> String {
    let parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}
