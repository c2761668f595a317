//! Where a key ring lives when the application configures no repository:
//! `XmlKeyManager.GetFallbackKeyRepositoryEncryptorPair`, `DefaultKeyStorageDirectories`,
//! `RegistryXmlRepository.DefaultRegistryKey`, the container checks, and the log lines
//! that say which branch was taken.

use crate::names::names;
use serde::{Deserialize, Serialize};

/// The operating system of the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostOs {
    /// Windows (DPAPI, the registry, `%LOCALAPPDATA%`).
    #[default]
    Windows,
    /// Linux or macOS (`$HOME/.aspnet`, keys in clear).
    Linux,
}

names!(HostOs, "The name, as JSON writes it.", {
    Windows => "windows",
    Linux => "linux",
});

/// What the key manager sees of its host and configuration when it starts.
///
/// # Example
/// See [`select_repository`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostEnvironment {
    /// The operating system.
    pub os: HostOs,
    /// A repository the application configured (`PersistKeysToFileSystem(path)`, a share,
    /// Redis, a database): the directory or a name for it.
    pub configured_repository: Option<String>,
    /// `ReadOnlyDataProtectionKeyDirectory` (set by Azure Container Apps' Data Protection
    /// feature).
    pub read_only_directory: Option<String>,
    /// On Azure App Service (`WEBSITE_INSTANCE_ID` set): the value of `%HOME%`.
    pub azure_app_service_home: Option<String>,
    /// The user's local application data directory when a profile is loaded
    /// (`%LOCALAPPDATA%` on Windows, `$HOME` elsewhere); `None` without a profile.
    pub user_profile: Option<String>,
    /// The SID of the process identity (for the IIS registry repository).
    pub identity_sid: Option<String>,
    /// Whether `HKLM\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\{SID}` exists and
    /// is writable for the identity (IIS creates it for application-pool identities;
    /// `aspnet_regiis -ga` or `Provision-AutoGenKeys.ps1` for custom ones).
    pub autogenkeys_key_exists: bool,
    /// Running in a container (`DOTNET_RUNNING_IN_CONTAINER=true`).
    pub in_container: bool,
    /// Mount points of volumes (Linux containers): a key directory below one survives the
    /// container and can be shared.
    pub mounts: Vec<String>,
    /// Linux, `HOME` unset or empty: the account's home directory from the password database,
    /// which .NET then uses as the profile (observed with .NET 10.0.12: `/root` for root).
    pub account_home: Option<String>,
    /// Linux: `HOME` ([`user_profile`](Self::user_profile)) names a directory that does not
    /// exist. .NET 10.0.12 then keeps the keys under the working directory
    /// (`<working directory>/.aspnet/DataProtection-Keys`), observed with the project's
    /// `dotnet-oracle`: each deployment and each container has its own.
    pub home_missing: bool,
    /// The process's working directory (default `/app`, the official images' `WORKDIR`).
    pub working_directory: Option<String>,
}

/// The working directory a process has when none is given: `/app`, the `WORKDIR` of .NET's
/// container images.
pub const DEFAULT_WORKING_DIRECTORY: &str = "/app";

/// The repository the key manager chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Repository {
    /// Configured by the application.
    Configured {
        /// Where.
        location: String,
    },
    /// `ReadOnlyDataProtectionKeyDirectory`: read, never written; no key generation.
    ReadOnlyDirectory {
        /// The directory.
        path: String,
    },
    /// Azure App Service: `%HOME%\ASP.NET\DataProtection-Keys`, shared by a slot's
    /// instances, keys in clear.
    AzureAppService {
        /// The directory.
        path: String,
    },
    /// The user profile's directory (DPAPI-protected on Windows, clear elsewhere).
    UserProfile {
        /// The directory.
        path: String,
        /// Keys encrypted at rest with DPAPI (Windows).
        dpapi: bool,
    },
    /// IIS without a profile: the `DataProtection` subkey of `AutoGenKeys\{SID}`, DPAPI
    /// machine-protected.
    Registry {
        /// The registry key.
        path: String,
    },
    /// An in-memory ring that dies with the process.
    Ephemeral,
}

impl Repository {
    /// Whether keys outlive the process.
    #[must_use]
    pub fn is_persistent(&self) -> bool {
        !matches!(self, Self::Ephemeral)
    }

    /// The directory or registry key, if the repository has one.
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        match self {
            Self::Configured { location } => Some(location),
            Self::ReadOnlyDirectory { path }
            | Self::AzureAppService { path }
            | Self::UserProfile { path, .. }
            | Self::Registry { path } => Some(path),
            Self::Ephemeral => None,
        }
    }
}

impl core::fmt::Display for Repository {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Configured { location } => write!(f, "configured repository {location}"),
            Self::ReadOnlyDirectory { path } => write!(f, "read-only directory {path}"),
            Self::AzureAppService { path } => write!(f, "Azure App Service share {path}"),
            Self::UserProfile { path, .. } => write!(f, "user profile {path}"),
            Self::Registry { path } => write!(f, "registry {path}"),
            Self::Ephemeral => f.write_str("ephemeral in-memory ring"),
        }
    }
}

/// A log line the key manager writes while choosing (level, category and event id as
/// ASP.NET logs them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LogLine {
    /// `Information` or `Warning`.
    pub level: &'static str,
    /// The logger category and event id, e.g. `XmlKeyManager[59]`.
    pub source: &'static str,
    /// The message.
    pub message: String,
}

/// The choice, its log lines, and the registry key looked for (for diagnosis).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RepositoryChoice {
    /// The repository.
    pub repository: Repository,
    /// What ASP.NET logs.
    pub log: Vec<LogLine>,
    /// Keys stored in a container's writable layer: lost when it is recreated, never shared.
    pub container_local: bool,
    /// Keys stored under the process's working directory (`HOME` missing): each deployment
    /// and each container has its own.
    pub under_working_directory: bool,
}

/// `HKLM\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\{sid}`: the key classic
/// `AutoGenerate` and Data Protection both depend on for identities without a profile.
#[must_use]
pub fn autogenkeys_key(sid: &str) -> String {
    format!(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\{sid}")
}

fn info(source: &'static str, message: String) -> LogLine {
    LogLine {
        level: "Information",
        source,
        message,
    }
}

fn warning(source: &'static str, message: String) -> LogLine {
    LogLine {
        level: "Warning",
        source,
        message,
    }
}

fn profile_dir(env: &HostEnvironment, base: &str) -> String {
    match env.os {
        HostOs::Windows => format!(
            r"{}\ASP.NET\DataProtection-Keys",
            base.trim_end_matches('\\')
        ),
        HostOs::Linux => format!("{}/.aspnet/DataProtection-Keys", base.trim_end_matches('/')),
    }
}

/// A relative directory (`keys`, `./keys`, `App_Data/keys`): .NET resolves it against the
/// working directory.
fn is_relative_path(location: &str) -> bool {
    let l = location.trim();
    l.starts_with("./")
        || l.starts_with("../")
        || l.starts_with(".\\")
        || ((l.contains('/') || l.contains('\\'))
            && !l.starts_with('/')
            && !l.starts_with('\\')
            && !l.contains(':'))
}

/// Whether `path` lies below one of the host's mount points (Linux containers only).
pub(crate) fn under_mount(env: &HostEnvironment, path: &str) -> bool {
    env.os == HostOs::Linux
        && env.mounts.iter().any(|m| {
            let m = m.trim_end_matches('/');
            !m.is_empty() && (path == m || path.starts_with(&format!("{m}/")))
        })
}

/// Chooses the repository as the key manager does at start-up, in order: a configured
/// repository, `ReadOnlyDataProtectionKeyDirectory`, Azure App Service, the user profile,
/// the IIS registry key (only if `AutoGenKeys\{SID}` already exists), else an ephemeral
/// in-memory ring (warning `XmlKeyManager[59]`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::repository::{HostEnvironment, HostOs, Repository, select_repository};
/// // A Linux container without a volume: its own ring, in the container's writable layer.
/// let env = HostEnvironment { os: HostOs::Linux, user_profile: Some("/root".into()), in_container: true, ..Default::default() };
/// let choice = select_repository(&env);
/// assert!(matches!(choice.repository, Repository::UserProfile { ref path, dpapi: false } if path == "/root/.aspnet/DataProtection-Keys"));
/// assert!(choice.container_local);
/// // IIS, custom identity, no profile, AutoGenKeys\{SID} never provisioned: ephemeral.
/// let iis = HostEnvironment { identity_sid: Some("S-1-5-21-1-2-3-1105".into()), ..Default::default() };
/// assert_eq!(select_repository(&iis).repository, Repository::Ephemeral);
/// // HOME names a directory that does not exist (.NET 10): keys under the working directory.
/// let lost = HostEnvironment { os: HostOs::Linux, user_profile: Some("/home/app".into()), home_missing: true, in_container: true, ..Default::default() };
/// let choice = select_repository(&lost);
/// assert_eq!(choice.repository.location(), Some("/app/.aspnet/DataProtection-Keys"));
/// assert!(choice.under_working_directory && choice.container_local);
/// // HOME unset: the account's home from the password database.
/// let unset = HostEnvironment { os: HostOs::Linux, account_home: Some("/root".into()), ..Default::default() };
/// assert_eq!(select_repository(&unset).repository.location(), Some("/root/.aspnet/DataProtection-Keys"));
/// ```
#[must_use]
pub fn select_repository(env: &HostEnvironment) -> RepositoryChoice {
    let mut log = Vec::new();
    let container_check = |path: &str, log: &mut Vec<LogLine>| {
        let local = env.in_container && !under_mount(env, path);
        if local {
            log.push(warning(
                "FileSystemXmlRepository[60]",
                format!("Storing keys in a directory '{path}' that may not be persisted outside of the container. Protected data will be unavailable when container is destroyed. For more information go to https://aka.ms/aspnet/dataprotectionwarning"),
            ));
        }
        local
    };
    if let Some(location) = &env.configured_repository {
        let local = location.starts_with('/') && container_check(location, &mut log);
        return RepositoryChoice {
            repository: Repository::Configured {
                location: location.clone(),
            },
            log,
            container_local: local,
            under_working_directory: is_relative_path(location),
        };
    }
    if let Some(path) = &env.read_only_directory {
        log.push(info(
            "KeyManagementOptions",
            format!(
                "Reading keys from the read-only directory '{path}'; key generation is disabled."
            ),
        ));
        return RepositoryChoice {
            repository: Repository::ReadOnlyDirectory { path: path.clone() },
            log,
            container_local: false,
            under_working_directory: false,
        };
    }
    if let Some(home) = &env.azure_app_service_home {
        let path = format!(
            r"{}\ASP.NET\DataProtection-Keys",
            home.trim_end_matches('\\')
        );
        log.push(info(
            "XmlKeyManager",
            format!("Azure Web Sites environment detected. Using '{path}' as key repository; keys will not be encrypted at rest."),
        ));
        return RepositoryChoice {
            repository: Repository::AzureAppService { path },
            log,
            container_local: false,
            under_working_directory: false,
        };
    }
    let linux = env.os == HostOs::Linux;
    let home = match (&env.user_profile, linux) {
        (Some(h), true) if h.trim().is_empty() => env.account_home.clone(),
        (None, true) => env.account_home.clone(),
        (h, _) => h.clone(),
    };
    if let Some(base) = &home {
        let wd_base = (linux
            && env.home_missing
            && env
                .user_profile
                .as_deref()
                .is_some_and(|h| !h.trim().is_empty()))
        .then(|| {
            env.working_directory
                .clone()
                .unwrap_or_else(|| DEFAULT_WORKING_DIRECTORY.to_owned())
        });
        let path = profile_dir(env, wd_base.as_deref().unwrap_or(base));
        let dpapi = env.os == HostOs::Windows;
        log.push(info(
            "XmlKeyManager",
            if dpapi {
                format!("User profile is available. Using '{path}' as key repository and Windows DPAPI to encrypt keys at rest.")
            } else {
                format!("User profile is available. Using '{path}' as key repository; keys will not be encrypted at rest.")
            },
        ));
        let local = container_check(&path, &mut log);
        return RepositoryChoice {
            repository: Repository::UserProfile { path, dpapi },
            log,
            container_local: local,
            under_working_directory: wd_base.is_some(),
        };
    }
    if env.os == HostOs::Windows {
        if let Some(sid) = env
            .identity_sid
            .as_deref()
            .filter(|_| env.autogenkeys_key_exists)
        {
            let path = format!(r"{}\DataProtection", autogenkeys_key(sid));
            log.push(info(
                "XmlKeyManager",
                format!("User profile not available. Using '{path}' as key repository and Windows DPAPI to encrypt keys at rest."),
            ));
            return RepositoryChoice {
                repository: Repository::Registry { path },
                log,
                container_local: false,
                under_working_directory: false,
            };
        }
    }
    log.push(warning(
        "XmlKeyManager[59]",
        "Neither user profile nor HKLM registry available. Using an ephemeral key repository. Protected data will be unavailable when application exits.".to_owned(),
    ));
    log.push(warning(
        "EphemeralXmlRepository[50]",
        "Using an in-memory repository. Keys will not be persisted to storage.".to_owned(),
    ));
    RepositoryChoice {
        repository: Repository::Ephemeral,
        log,
        container_local: false,
        under_working_directory: false,
    }
}

/// Why `env` ends up with an ephemeral ring, naming the missing registry key when that is
/// the reason (for reports).
///
/// # Example
/// ```
/// use machinekey::dataprotection::repository::{HostEnvironment, ephemeral_reason};
/// let env = HostEnvironment { identity_sid: Some("S-1-5-21-1-2-3-1105".into()), ..Default::default() };
/// assert!(ephemeral_reason(&env).unwrap().contains(r"AutoGenKeys\S-1-5-21-1-2-3-1105"));
/// ```
#[must_use]
pub fn ephemeral_reason(env: &HostEnvironment) -> Option<String> {
    if select_repository(env).repository != Repository::Ephemeral {
        return None;
    }
    Some(match (&env.identity_sid, env.os) {
        (Some(sid), HostOs::Windows) => format!(
            "no user profile, and {} does not exist (grant it with aspnet_regiis -ga or Provision-AutoGenKeys.ps1): each process keeps its own in-memory key ring",
            autogenkeys_key(sid)
        ),
        _ => "no configured repository and no user profile: each process keeps its own in-memory key ring".to_owned(),
    })
}
