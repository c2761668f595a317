//! A server as collected for diagnosis ([`Server`]), and the bundle folder that
//! `scripts/collect-iis.ps1` writes.
//!
//! # The bundle folder (the contract)
//!
//! ```text
//! <bundle>/
//!   bundle.txt              optional facts, KEY=VALUE per line: name=WEB1, iis-version=10.0,
//!                           os-bits=64, and environment variables of the server
//!                           (SystemDrive=C:, windir=C:\Windows, IIS_SITES_HOME=...)
//!   applicationHost.config  IIS 7 to 10 or IIS Express (with any configSource files beside it)
//!   MetaBase.xml            or this, for IIS 6
//!   files/<drive letter>/   copies of server files at their server paths: files/C/ holds C:\
//!     Windows/Microsoft.NET/Framework64/v4.0.30319/Config/machine.config and web.config
//!     (Framework/ for 32-bit pools, v2.0.50727 for CLR 2 pools), and every application's
//!     web.config (and configSource files) under its physical path
//!   acl/AutoGenKeys-<version>-<32|64>.sddl
//!                           (Get-Acl HKLM:\SOFTWARE\[WOW6432Node\]Microsoft\ASP.NET\<version>\AutoGenKeys).Sddl
//!   acl/AutoGenKeys-<version>-<32|64>-<SID>.sddl
//!                           the same for an existing AutoGenKeys\<SID> key
//!   registry/*.reg          reg export of HKLM\SOFTWARE\Microsoft\ASP.NET (and the
//!                           WOW6432Node branch), and of HKU\<SID>\Software\Microsoft\ASP.NET
//!   accounts.txt            ACCOUNT=SID per specific user of a pool (and ACCOUNT groups=SID,SID)
//! ```
//!
//! `<version>` is the key version (`4.0.30319.0`, `2.0.50727.0`). Everything but the IIS
//! configuration is optional: what is missing is reported as not collected, never
//! guessed. The bundle holds key material (the registry exports): treat it as a secret.

use std::path::{Path, PathBuf};

use super::apphost::{self, ReadOptions};
use super::identity::Accounts;
use super::paths::{Environment, PathMap};
use super::registry::AspNetRegistry;
use super::sddl::SecurityDescriptor;
use super::server::{SchemaVersion, ServerConfig};
use super::sid::Sid;
use super::{metabase, read_text};
use crate::error::FileError;
use crate::error::IisError;
use crate::keys::store::RegistryView;

/// The largest SDDL, accounts or bundle.txt file read (1 MiB).
pub const MAX_SMALL_FILE: u64 = 1 << 20;

/// The ACL of an `AutoGenKeys` key (or of one `AutoGenKeys\<SID>` key).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyAcl {
    /// The key version it is for (`4.0.30319.0`); `None` for every version.
    pub version: Option<String>,
    /// The registry view; `None` for both.
    pub view: Option<RegistryView>,
    /// `None` for the `AutoGenKeys` key itself; the SID of its `AutoGenKeys\<SID>` subkey
    /// otherwise.
    pub sid: Option<Sid>,
    /// The security descriptor.
    pub descriptor: SecurityDescriptor,
    /// Where it came from (a file, or `--acl`).
    pub source: String,
}

impl KeyAcl {
    /// An ACL read from SDDL text, for the `AutoGenKeys` key of every version and view
    /// (what `--acl` gives).
    ///
    /// # Errors
    /// [`IisError::Sddl`] with the offset.
    pub fn parse(sddl: &str, source: &str) -> Result<Self, IisError> {
        Ok(Self {
            version: None,
            view: None,
            sid: None,
            descriptor: SecurityDescriptor::parse(sddl.trim()).map_err(|e| IisError::Sddl {
                file: source.to_owned(),
                source: e,
            })?,
            source: source.to_owned(),
        })
    }

    pub(crate) fn applies(&self, version: &str, view: RegistryView) -> bool {
        self.version
            .as_deref()
            .is_none_or(|v| v.eq_ignore_ascii_case(version))
            && self.view.is_none_or(|w| w == view)
    }
}

/// Everything collected from one server: its IIS configuration, where its files are, and
/// what the operator supplied. [`diagnose`](Server::diagnose) reads the rest.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Server {
    /// The server's name (the bundle's `name=`, or its folder name).
    pub name: String,
    /// The IIS configuration.
    pub config: ServerConfig,
    /// Environment variables for physical paths.
    pub env: Environment,
    /// Server paths to local copies.
    pub map: PathMap,
    /// Account SIDs and groups.
    pub accounts: Accounts,
    /// The registry exports.
    pub registry: AspNetRegistry,
    /// The ACLs of the key stores; of several for the same key, the last wins (so `--acl`
    /// given after reading a bundle overrides the bundle's).
    pub acls: Vec<KeyAcl>,
    /// A `machine.config` to use for every framework instead of the copies.
    pub machine_config: Option<PathBuf>,
    /// A root `web.config` to use for every framework instead of the copies.
    pub root_web_config: Option<PathBuf>,
    /// Whether the operating system is 64-bit (default true).
    pub os_64bit: bool,
}

impl Server {
    /// A server with just its configuration, the Windows default environment and no
    /// files.
    #[must_use]
    pub fn new(name: &str, config: ServerConfig) -> Self {
        Self {
            name: name.to_owned(),
            config,
            env: Environment::windows_defaults(),
            map: PathMap::new(),
            accounts: Accounts::new(),
            registry: AspNetRegistry::new(),
            acls: Vec::new(),
            machine_config: None,
            root_web_config: None,
            os_64bit: true,
        }
    }

    /// Reads `path`: an applicationHost.config, a MetaBase.xml (told apart by content), or
    /// a bundle folder.
    ///
    /// # Errors
    /// As [`from_bundle`](Self::from_bundle) or the file's reader.
    pub fn read(path: &Path, options: &ReadOptions) -> Result<Self, IisError> {
        if path.is_dir() {
            return Self::from_bundle(path, options);
        }
        let config = read_config(path, options)?;
        let name = path
            .file_stem()
            .map_or_else(|| "server".to_owned(), |s| s.to_string_lossy().into_owned());
        Ok(Self::new(&name, config))
    }

    /// Reads a bundle folder (see the [module documentation](self)).
    ///
    /// # Errors
    /// [`IisError`]: no applicationHost.config or MetaBase.xml, or any file of the bundle
    /// that cannot be read (with its line, or its SDDL offset).
    ///
    /// # Example
    /// ```no_run
    /// use machinekey::iis::Server;
    /// use machinekey::iis::apphost::ReadOptions;
    /// let server = Server::from_bundle("bundles/web1".as_ref(), &ReadOptions::default())?;
    /// println!("{}", server.diagnose(None).to_text());
    /// # Ok::<(), machinekey::iis::IisError>(())
    /// ```
    pub fn from_bundle(dir: &Path, options: &ReadOptions) -> Result<Self, IisError> {
        let mut options = *options;
        let mut env = Environment::windows_defaults();
        let mut name = dir
            .file_name()
            .map_or_else(|| "server".to_owned(), |s| s.to_string_lossy().into_owned());
        let mut os_64bit = true;
        if let Some(info) = find(dir, "bundle.txt") {
            let file = info.display().to_string();
            let text = read_text(&info, MAX_SMALL_FILE)?;
            for (i, raw) in text.lines().enumerate() {
                let line = raw.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((k, v)) = line.split_once('=') else {
                    return Err(IisError::invalid(&file, i + 1, "expected KEY=VALUE"));
                };
                let (k, v) = (k.trim(), v.trim());
                match k.to_ascii_lowercase().as_str() {
                    "name" => v.clone_into(&mut name),
                    "iis-version" if v.starts_with('6') => {} // IIS 6: no schema defaults
                    "iis-version" => {
                        options.schema = SchemaVersion::parse(v).ok_or_else(|| {
                            IisError::invalid(
                                &file,
                                i + 1,
                                format!("iis-version={v:?} is not 7.0, 7.5, 8.0, 8.5 or 10.0"),
                            )
                        })?;
                    }
                    "os-bits" => {
                        os_64bit = match v {
                            "64" => true,
                            "32" => false,
                            _ => {
                                return Err(IisError::invalid(&file, i + 1, "os-bits is 32 or 64"));
                            }
                        };
                    }
                    _ => env.set(k, v),
                }
            }
        }
        let config_path = find(dir, "applicationHost.config")
            .or_else(|| find(dir, "MetaBase.xml"))
            .ok_or_else(|| {
                IisError::invalid(
                    &dir.display().to_string(),
                    0,
                    "a bundle holds applicationHost.config (IIS 7 and later) or MetaBase.xml (IIS 6)",
                )
            })?;
        let config = read_config(&config_path, &options)?;
        let mut server = Self::new(&name, config);
        server.env = env;
        server.os_64bit = os_64bit;
        let files = dir.join("files");
        if let Ok(entries) = std::fs::read_dir(&files) {
            for entry in entries.flatten() {
                let drive = entry.file_name().to_string_lossy().into_owned();
                if drive.len() == 1
                    && drive.bytes().all(|b| b.is_ascii_alphabetic())
                    && entry.path().is_dir()
                {
                    server
                        .map
                        .add(&format!("{}:\\", drive.to_ascii_uppercase()), entry.path());
                }
            }
        }
        if let Some(accounts) = find(dir, "accounts.txt") {
            let text = read_text(&accounts, MAX_SMALL_FILE)?;
            server.accounts = Accounts::from_text(&accounts.display().to_string(), &text)?;
        }
        for reg in sorted_files(&dir.join("registry"), "reg")? {
            server.registry.add_file(&reg)?;
        }
        for acl in sorted_files(&dir.join("acl"), "sddl")? {
            server.acls.push(read_acl_file(&acl)?);
        }
        Ok(server)
    }

    /// Adds an ACL given as SDDL, or as `@FILE` (what `--acl` takes), for the
    /// `AutoGenKeys` key of every version and view.
    ///
    /// # Errors
    /// [`IisError::Sddl`] with the offset, or [`IisError::File`] for `@FILE`.
    pub fn add_acl_argument(&mut self, argument: &str) -> Result<(), IisError> {
        let acl = match argument.strip_prefix('@') {
            Some(file) => {
                let path = Path::new(file);
                let text = read_text(path, MAX_SMALL_FILE)?;
                KeyAcl::parse(&text, file)?
            }
            None => KeyAcl::parse(argument, "--acl")?,
        };
        self.acls.push(acl);
        Ok(())
    }
}

/// Reads an applicationHost.config or a MetaBase.xml, told apart by the first element
/// inside `<configuration>`.
fn read_config(path: &Path, options: &ReadOptions) -> Result<ServerConfig, IisError> {
    let name = path.display().to_string();
    let text = read_text(path, metabase::MAX_METABASE)?;
    if text.contains("<MBProperty") {
        metabase::parse_metabase(&name, &text)
    } else {
        drop(text);
        apphost::read_application_host(path, options)
    }
}

/// The entry of `dir` named `name`, compared case-insensitively (bundles made on Windows).
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
        .map(|e| e.path())
}

/// The files of `dir` ending in `.ext`, by name; none when `dir` does not exist.
fn sorted_files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, IisError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FileError::io(&dir.display().to_string(), e).into()),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case(ext))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads `acl/AutoGenKeys-<version>-<32|64>[-<SID>].sddl`.
fn read_acl_file(path: &Path) -> Result<KeyAcl, IisError> {
    let file = path.display().to_string();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = || {
        IisError::invalid(
            &file,
            0,
            "an ACL file is named AutoGenKeys-<version>-<32|64>[-<SID>].sddl, e.g. AutoGenKeys-4.0.30319.0-64.sddl",
        )
    };
    let rest = stem
        .get(..12)
        .filter(|p| p.eq_ignore_ascii_case("AutoGenKeys-"))
        .and_then(|_| stem.get(12..))
        .ok_or_else(bad)?;
    let (version, rest) = rest.split_once('-').ok_or_else(bad)?;
    let (bits, sid) = match rest.split_once('-') {
        Some((bits, sid)) => (bits, Some(sid)),
        None => (rest, None),
    };
    let view = match bits {
        "64" => RegistryView::Bits64,
        "32" => RegistryView::Bits32,
        _ => return Err(bad()),
    };
    let sid = sid
        .map(|s| {
            s.parse::<Sid>()
                .map_err(|e| IisError::invalid(&file, 0, format!("the SID in the file name: {e}")))
        })
        .transpose()?;
    let text = read_text(path, MAX_SMALL_FILE)?;
    let descriptor = SecurityDescriptor::parse(text.trim().trim_start_matches('\u{feff}'))
        .map_err(|e| IisError::Sddl {
            file: file.clone(),
            source: e,
        })?;
    Ok(KeyAcl {
        version: Some(version.to_owned()),
        view: Some(view),
        sid,
        descriptor,
        source: file,
    })
}
