//! Point the crate at a real IIS server: its `applicationHost.config` (IIS 7 to 10 and IIS
//! Express) or IIS 6 `MetaBase.xml`, the web.config tree of its sites, each framework's
//! `machine.config` and root `web.config`, the ACLs of its key stores in SDDL and a
//! registry export of them; and learn, per application pool and application, whether the
//! worker processes (and farm partners) share keys, and what to change.
//!
//! **Start here:** [`Server::from_bundle`] (a folder `scripts/collect-iis.ps1` wrote; the
//! layout is in [`bundle`]) or [`Server::read`] (one configuration file), then
//! [`Server::diagnose`]. The [`Diagnosis`] prints as text ([`Diagnosis::to_text`]),
//! serializes as JSON, gives [`compat`](crate::compat) nodes named
//! `server/site/app` ([`Diagnosis::compat_nodes`]) and, with the `sim` feature, runs the
//! pool's web garden as found and after each fix (`simulate`, feature `sim`).
//!
//! ```text
//! applicationHost.config ─┐                     ┌─ pools: identity, SID, workers, runtime, view,
//! MetaBase.xml (IIS 6) ───┼─ ServerConfig ──┐   │   key store (keys::store model + SDDL check)
//! bundle: files/, acl/,  ─┘                 ├─ Server::diagnose ─┼─ apps: config::stack with origins,
//!   registry/, accounts ─── Server ─────────┘   │   isolation, session mode, lints
//!                                               └─ findings (stable ids, severity, fixes)
//! ```
//!
//! # How IIS and ASP.NET are read
//!
//! * **Pools** ([`apphost`]): a pool's attribute wins, else the file's
//!   `<applicationPoolDefaults>`, else the schema default of the IIS version
//!   ([`server::SchemaVersion`], from each version's `IIS_schema.xml`). Pool names compare
//!   case-insensitively. An application's pool is its own `applicationPool`, else its
//!   site's `<applicationDefaults>`, else `<sites>`'s, else `DefaultAppPool`.
//! * **Identities** ([`identity`]): `ApplicationPoolIdentity` is `IIS APPPOOL\<pool>`,
//!   whose SID is computed ([`sid::Sid::application_pool`]); a specific user's SID comes
//!   from the operator (`--sid`, or `accounts.txt`), and without it the HKLM store cannot
//!   be checked (the diagnosis says so). IIS Express workers run as the interactive user.
//! * **Key stores**: which store a worker uses is the existing model,
//!   [`keys::store::KeyStore`](crate::keys::store::KeyStore) (LSA secret for SYSTEM and
//!   administrators, HKCU when the profile is loaded, else
//!   `HKLM\SOFTWARE\[WOW6432Node\]Microsoft\ASP.NET\<version>\AutoGenKeys\<SID>` if it
//!   exists and grants the account, else per-process random keys), fed with what the
//!   registry export ([`registry`]) and the ACLs ([`sddl`], Windows' access check) show.
//!   When only the ACL of `AutoGenKeys` was collected, the `<SID>` key is taken to hold the
//!   ACL it inherits (what an installer's permission reset leaves).
//! * **Applications**: physical paths are expanded ([`paths::Environment`]) and mapped onto
//!   the copy ([`paths::PathMap`]); `machine.config` and the root `web.config` come from the
//!   pool's framework folder (`Framework64\v4.0.30319\Config`, `Framework` for 32-bit
//!   pools, `v2.0.50727` for CLR 2); the site's and applications' web.config files are
//!   resolved with [`config::stack`](crate::config::stack), origins kept. The application
//!   id is `/LM/W3SVC/<site id>/ROOT/<path>` with the site's real id (IIS 6: `AppRoot`).
//! * **`<system.web>` in applicationHost.config** (`<location path="Site/App">` blocks) is
//!   read and reported, but not applied: ASP.NET's configuration reads machine.config, the
//!   root web.config and the web.config files only (`WebConfigurationHost.GetStreamName`
//!   in `System.Web`'s reference source), so such settings have no effect.
//! * **Secrets**: encrypted attributes (`password="[enc:...:enc]"`, `WAMUserPass`) are
//!   never read, and nothing the diagnosis prints contains key bytes.
//!
//! # Example
//! ```
//! use machinekey::iis::{Server, apphost::{ReadOptions, parse_application_host}};
//! let config = parse_application_host("applicationHost.config", r#"<configuration><system.applicationHost>
//!   <applicationPools><add name="DefaultAppPool" managedRuntimeVersion="v4.0" /></applicationPools>
//!   <sites><site name="Default Web Site" id="1"><application path="/">
//!     <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" /></application></site></sites>
//! </system.applicationHost></configuration>"#, &ReadOptions::default())?;
//! let d = Server::new("web1", config).diagnose(None);
//! let pool = d.pool("DefaultAppPool").expect("a pool");
//! assert_eq!(pool.identity.account, "IIS APPPOOL\\DefaultAppPool");
//! assert!(d.to_text().contains("S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415"));
//! # Ok::<(), machinekey::iis::IisError>(())
//! ```

pub mod apphost;
pub mod bundle;
pub mod diagnose;
pub mod identity;
pub mod metabase;
pub mod paths;
pub mod registry;
pub mod sddl;
pub mod server;
pub mod sid;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub mod simulate;
mod xml;

use std::path::Path;

pub use crate::error::IisError;
pub use bundle::Server;
pub use diagnose::{Diagnosis, Finding, FindingId, Severity};
pub use server::ServerConfig;

/// Reads at most `limit` bytes of `path`; a larger file is an error naming the limit.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, IisError> {
    let name = path.display().to_string();
    Ok(crate::bounded::read_file(path, &name, limit)?)
}

/// Reads a text file of at most `limit` bytes: UTF-8 (with or without a BOM) or UTF-16
/// with a BOM, as servers hold them.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, IisError> {
    let name = path.display().to_string();
    let bytes = read_bounded(path, limit)?;
    crate::config::stack::decode_config_text(&bytes, &name).map_err(|e| IisError::Config {
        file: name,
        source: e,
    })
}
