//! Reading the IIS 6 metabase (`%windir%\System32\inetsrv\MetaBase.xml`, Windows Server
//! 2003): application pools, sites and applications, from Microsoft's IIS 6.0 metabase
//! property reference.
//!
//! The file holds one element per metabase key inside `<MBProperty>`, named by its
//! `KeyType` (`IIsWebService`, `IIsApplicationPools`, `IIsApplicationPool`,
//! `IIsWebServer`, `IIsWebVirtualDir`, `IIsWebDirectory`, ...), with its path in
//! `Location` and its properties as attributes. Properties marked `INHERIT` in the
//! reference flow down the path (`/LM/W3SVC` → `/LM/W3SVC/1` → `/LM/W3SVC/1/ROOT`; and
//! `/LM/W3SVC/AppPools` → `/LM/W3SVC/AppPools/<pool>`); the ones read here are:
//!
//! | property | where | meaning |
//! |---|---|---|
//! | `AppPoolIdentityType` | pools | 0 LocalSystem, 1 LocalService, 2 NetworkService (default), 3 `WAMUserName` |
//! | `WAMUserName` | pools | the specific user (`WAMUserPass` is never read) |
//! | `MaxProcesses` | pools | workers (default 1) |
//! | `Enable32BitAppOnWin64` | `/LM/W3SVC` | 32-bit workers (default false) |
//! | `ServerComment` | sites | the site's name |
//! | `AppRoot` | directories | marks an application; its value is `AppDomainAppId` |
//! | `AppPoolId` | directories | the application's pool (default `DefaultAppPool`) |
//! | `Path` | virtual directories | the physical path |
//! | `ScriptMaps` | directories | which `aspnet_isapi.dll` serves `.aspx`: the framework |
//!
//! IIS 6 has no `loadUserProfile`: a specific user's profile is taken as not loaded
//! (UNVERIFIED), the built-in service accounts' always is. No real MetaBase.xml was found in
//! public repositories, only fragments (the element and attribute syntax was checked
//! against those); the structure of a whole file is from Microsoft's documentation
//! (UNVERIFIED). An `IIsApplicationPool` property that is not in Microsoft's list of them
//! (the WMI `IIsApplicationPoolSetting` class) is an error, as it is to IIS.

use std::collections::BTreeMap;
use std::path::Path;

use roxmltree::Node;

use super::server::{
    AppPool, Application, IdentityType, LogonType, Origin, PipelineMode, RuntimeVersion,
    ServerConfig, ServerKind, Site, VirtualDirectory, normalize_vpath,
};
use super::xml::{self, Attrs, Xml};
use crate::error::IisError;

/// The largest MetaBase.xml read (32 MiB).
pub const MAX_METABASE: u64 = 32 << 20;

/// The properties of `IIsApplicationPool` and `IIsApplicationPools` (IIS 6.0 SDK,
/// `IIsApplicationPoolSetting`).
const POOL_PROPERTIES: &[&str] = &[
    "Location",
    "AdminACL",
    "AdminACLBin",
    "AppPoolAutoStart",
    "AppPoolCommand",
    "AppPoolIdentityType",
    "AppPoolQueueLength",
    "AppPoolRecycleConfigChange",
    "AppPoolRecycleIsapiUnhealthy",
    "AppPoolRecycleMemory",
    "AppPoolRecycleOnDemand",
    "AppPoolRecyclePrivateMemory",
    "AppPoolRecycleRequests",
    "AppPoolRecycleSchedule",
    "AppPoolRecycleTime",
    "AppPoolState",
    "AutoShutdownAppPoolExe",
    "AutoShutdownAppPoolParams",
    "CPUAction",
    "CPULimit",
    "CPUResetInterval",
    "DisallowOverlappingRotation",
    "DisallowRotationOnConfigChange",
    "IdleTimeout",
    "LoadBalancerCapabilities",
    "LogEventOnRecycle",
    "LogonMethod",
    "MaxProcesses",
    "OrphanActionExe",
    "OrphanActionParams",
    "OrphanWorkerProcess",
    "PeriodicRestartMemory",
    "PeriodicRestartPrivateMemory",
    "PeriodicRestartRequests",
    "PeriodicRestartSchedule",
    "PeriodicRestartTime",
    "PingingEnabled",
    "PingInterval",
    "PingResponseTime",
    "RapidFailProtection",
    "RapidFailProtectionInterval",
    "RapidFailProtectionMaxCrashes",
    "ShutdownTimeLimit",
    "SMPAffinitized",
    "SMPProcessorAffinityMask",
    "StartupTimeLimit",
    "WAMUserName",
    "WAMUserPass",
    "Win32Error",
];

struct Key<'a, 'i> {
    key_type: String,
    node: Node<'a, 'i>,
}

/// Reads a MetaBase.xml from disk.
///
/// # Errors
/// As [`parse_metabase`], and [`IisError::File`].
pub fn read_metabase(path: &Path) -> Result<ServerConfig, IisError> {
    let name = path.display().to_string();
    let text = super::read_text(path, MAX_METABASE)?;
    parse_metabase(&name, &text)
}

/// Reads a MetaBase.xml given as text (`file` names it in messages).
///
/// # Errors
/// [`IisError::Invalid`] with the line: malformed XML, no `<MBProperty>`, a key without
/// `Location`, an `AppPoolIdentityType` outside 0 to 3, a `MaxProcesses` that is not a
/// number, an unknown `IIsApplicationPool` property, an application without a `Path`.
///
/// # Example
/// ```
/// use machinekey::iis::metabase::parse_metabase;
/// use machinekey::iis::server::{IdentityType, RuntimeVersion};
/// let server = parse_metabase("MetaBase.xml", r#"<?xml version ="1.0"?>
/// <configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">
/// <MBProperty>
/// <IIsWebService Location ="/LM/W3SVC" AppPoolId="DefaultAppPool"
///     ScriptMaps=".aspx,C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG">
/// </IIsWebService>
/// <IIsApplicationPools Location ="/LM/W3SVC/AppPools" AppPoolIdentityType="2"></IIsApplicationPools>
/// <IIsApplicationPool Location ="/LM/W3SVC/AppPools/Shop" AppPoolIdentityType="3" WAMUserName="CORP\svc_shop" WAMUserPass="secret" MaxProcesses="3"></IIsApplicationPool>
/// <IIsWebServer Location ="/LM/W3SVC/1" ServerComment="Default Web Site"></IIsWebServer>
/// <IIsWebVirtualDir Location ="/LM/W3SVC/1/ROOT" AppRoot="/LM/W3SVC/1/ROOT" AppPoolId="Shop" Path="C:\Inetpub\wwwroot"></IIsWebVirtualDir>
/// </MBProperty>
/// </configuration>"#)?;
/// let pool = server.pool("Shop").expect("declared");
/// assert_eq!((pool.identity_type, pool.max_processes), (IdentityType::SpecificUser, 3));
/// assert_eq!(pool.runtime, RuntimeVersion::V2_0);
/// assert!(!format!("{server:?}").contains("secret"));
/// # Ok::<(), machinekey::iis::IisError>(())
/// ```
pub fn parse_metabase(file: &str, text: &str) -> Result<ServerConfig, IisError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc = xml::parse(file, text)?;
    let root = doc.root_element();
    let Some(mb) = xml::child(root, "MBProperty") else {
        return Err(IisError::invalid(
            file,
            xml::line(&doc, root),
            "not an IIS 6 metabase: there is no <MBProperty>",
        ));
    };
    let mut keys: BTreeMap<String, Key<'_, '_>> = BTreeMap::new();
    for node in mb.children().filter(Node::is_element) {
        let key_type = node.tag_name().name().to_owned();
        let Some(location) = node.attribute("Location") else {
            return Err(IisError::invalid(
                file,
                xml::line(&doc, node),
                format!("<{key_type}> has no Location"),
            ));
        };
        if keys.len() >= super::apphost::MAX_ITEMS {
            return Err(IisError::invalid(
                file,
                xml::line(&doc, node),
                "too many metabase keys",
            ));
        }
        keys.insert(location_key(location), Key { key_type, node });
    }
    // The first value of `property` on the key at `location` or its ancestors.
    let inherited = |location: &str, property: &str| -> Option<(Node<'_, '_>, String)> {
        let mut path = location_key(location);
        loop {
            if let Some(k) = keys.get(&path) {
                if let Some(v) = k.node.attribute(property) {
                    return Some((k.node, v.to_owned()));
                }
            }
            let cut = path.rfind('/')?;
            path.truncate(cut);
        }
    };
    let w3svc_32bit = match inherited("/LM/W3SVC/AppPools", "Enable32BitAppOnWin64") {
        Some((node, _)) => Attrs {
            file,
            doc: &doc,
            node,
        }
        .bool("Enable32BitAppOnWin64")?
        .unwrap_or(false),
        None => false,
    };

    let mut pools: Vec<AppPool> = Vec::new();
    for (path, key) in &keys {
        if key.key_type != "IIsApplicationPool" && key.key_type != "IIsApplicationPools" {
            continue;
        }
        for attr in key.node.attributes() {
            if attr.namespace().is_none() && !POOL_PROPERTIES.contains(&attr.name()) {
                return Err(IisError::invalid(
                    file,
                    xml::line(&doc, key.node),
                    format!(
                        "<{} Location={:?}>: {:?} is not an {} property in Microsoft's IIS 6.0 metabase reference",
                        key.key_type,
                        key.node.attribute("Location").unwrap_or_default(),
                        attr.name(),
                        key.key_type
                    ),
                ));
            }
        }
        if key.key_type != "IIsApplicationPool" {
            continue;
        }
        let location = key.node.attribute("Location").unwrap_or_default();
        let name = location
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        pools.push(pool(file, &doc, path, name, &inherited, w3svc_32bit)?);
    }

    let mut sites = Vec::new();
    for (path, key) in &keys {
        if key.key_type != "IIsWebServer" {
            continue;
        }
        let Some(id) = path
            .strip_prefix("/lm/w3svc/")
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        let name = key
            .node
            .attribute("ServerComment")
            .unwrap_or_default()
            .to_owned();
        let root = format!("{path}/root");
        let mut apps: Vec<Application> = Vec::new();
        let mut vdirs: Vec<(String, VirtualDirectory)> = Vec::new();
        let below = format!("{root}/");
        for (kpath, k) in keys
            .iter()
            .filter(|(p, _)| **p == root || p.starts_with(&below))
        {
            if k.key_type != "IIsWebVirtualDir" && k.key_type != "IIsWebDirectory" {
                continue;
            }
            let line = xml::line(&doc, k.node);
            let location = k.node.attribute("Location").unwrap_or_default();
            // The virtual path as written (after .../ROOT).
            let vpath = normalize_vpath(location.get(root.len()..).unwrap_or_default());
            let physical = match k.node.attribute("Path") {
                Some(p) => Some(p.to_owned()),
                None => physical_from_parent(&keys, kpath, &root),
            };
            if k.key_type == "IIsWebVirtualDir" {
                if let Some(p) = &physical {
                    vdirs.push((
                        vpath.clone(),
                        VirtualDirectory {
                            path: vpath.clone(),
                            physical_path: p.clone(),
                            origin: Origin::at(file, line),
                        },
                    ));
                }
            }
            let Some(app_root) = k.node.attribute("AppRoot").filter(|r| !r.trim().is_empty())
            else {
                continue;
            };
            let Some(physical) = physical else {
                return Err(IisError::invalid(
                    file,
                    line,
                    format!("the application {location} has no Path (physical path)"),
                ));
            };
            let (pool, pool_origin) = match inherited(location, "AppPoolId") {
                Some((node, p)) => (p, Origin::at(file, xml::line(&doc, node))),
                None => (
                    "DefaultAppPool".to_owned(),
                    Origin::at("IIS 6 default AppPoolId", 0),
                ),
            };
            let script_map_runtime =
                inherited(location, "ScriptMaps").and_then(|(_, maps)| aspnet_version(&maps));
            apps.push(Application {
                path: vpath.clone(),
                pool,
                pool_origin,
                app_id: app_root.trim().trim_end_matches('/').to_owned(),
                virtual_directories: vec![VirtualDirectory {
                    path: "/".to_owned(),
                    physical_path: physical,
                    origin: Origin::at(file, line),
                }],
                origin: Origin::at(file, line),
                script_map_runtime,
            });
        }
        // Virtual directories below an application belong to it.
        for (vpath, vdir) in vdirs {
            let owner = apps
                .iter_mut()
                .filter(|a| {
                    a.path == "/"
                        || vpath.eq_ignore_ascii_case(&a.path)
                        || vpath
                            .to_ascii_lowercase()
                            .starts_with(&format!("{}/", a.path.to_ascii_lowercase()))
                })
                .max_by_key(|a| a.path.len());
            if let Some(app) = owner {
                if !vpath.eq_ignore_ascii_case(&app.path) {
                    let rel = normalize_vpath(vpath.get(app.path.len()..).unwrap_or_default());
                    app.virtual_directories
                        .push(VirtualDirectory { path: rel, ..vdir });
                }
            }
        }
        sites.push(Site {
            name,
            id,
            applications: apps,
            origin: Origin::at(file, xml::line(&doc, key.node)),
        });
    }

    // Pools named by applications but not declared; and each pool's framework, from the
    // script maps of its applications.
    for (_, app) in sites
        .iter()
        .flat_map(|s: &Site| s.applications.iter().map(move |a| (s, a)))
    {
        if !pools.iter().any(|p| p.name.eq_ignore_ascii_case(&app.pool)) {
            let mut p = pool(
                file,
                &doc,
                "/lm/w3svc/apppools",
                app.pool.clone(),
                &inherited,
                w3svc_32bit,
            )?;
            p.declared = None;
            pools.push(p);
        }
    }
    for p in &mut pools {
        let runtime = sites
            .iter()
            .flat_map(|s| s.applications.iter())
            .filter(|a| a.pool.eq_ignore_ascii_case(&p.name))
            .find_map(|a| a.script_map_runtime.clone());
        if let Some((runtime, _)) = runtime {
            p.runtime = runtime;
            p.origins.insert(
                "managedRuntimeVersion".to_owned(),
                Origin::at(&format!("{file} (ScriptMaps)"), 0),
            );
        }
    }
    Ok(ServerConfig {
        file: file.to_owned(),
        kind: ServerKind::Iis6,
        schema: None,
        pools,
        sites,
        system_web_locations: Vec::new(),
        iis6_32bit: w3svc_32bit,
    })
}

fn location_key(location: &str) -> String {
    location.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// An `IIsWebDirectory`'s physical path: its nearest ancestor's `Path` and the segments
/// below it.
fn physical_from_parent(
    keys: &BTreeMap<String, Key<'_, '_>>,
    path: &str,
    root: &str,
) -> Option<String> {
    let mut ancestor = path.to_owned();
    while ancestor.len() > root.len() {
        let cut = ancestor.rfind('/')?;
        ancestor.truncate(cut);
        if let Some(p) = keys.get(&ancestor).and_then(|k| k.node.attribute("Path")) {
            let location = keys.get(path)?.node.attribute("Location")?;
            let tail = location.get(ancestor.len()..)?;
            let mut out = p.trim_end_matches('\\').to_owned();
            for s in tail.split('/').filter(|s| !s.is_empty()) {
                out.push('\\');
                out.push_str(s);
            }
            return Some(out);
        }
    }
    None
}

/// The framework of the `aspnet_isapi.dll` that the `.aspx` script map (or any) names,
/// and whether it is the 64-bit one.
fn aspnet_version(maps: &str) -> Option<(RuntimeVersion, bool)> {
    let lower = maps.to_ascii_lowercase();
    let at = lower
        .find(".aspx,")
        .and_then(|i| {
            lower
                .get(i..)
                .and_then(|r| r.find("aspnet_isapi.dll"))
                .map(|j| i + j)
        })
        .or_else(|| lower.find("aspnet_isapi.dll"))?;
    let before = lower.get(..at)?;
    let start = before.rfind(',').map_or(0, |i| i + 1);
    let dll_path = before.get(start..)?;
    let folder = dll_path.trim_end_matches('\\').rsplit('\\').next()?;
    let runtime = match folder {
        f if f.starts_with("v4.0") => RuntimeVersion::V4_0,
        f if f.starts_with("v2.0") => RuntimeVersion::V2_0,
        f if f.starts_with("v1.1") => RuntimeVersion::V1_1,
        f => RuntimeVersion::Other(f.to_owned()),
    };
    Some((runtime, dll_path.contains("\\framework64\\")))
}

type Inherited<'f, 'a, 'i> = dyn Fn(&str, &str) -> Option<(Node<'a, 'i>, String)> + 'f;

fn pool<'a, 'i>(
    file: &str,
    doc: &Xml<'i>,
    location: &str,
    name: String,
    inherited: &Inherited<'_, 'a, 'i>,
    enable_32bit: bool,
) -> Result<AppPool, IisError> {
    let mut origins = BTreeMap::new();
    let default = Origin::at("IIS 6.0 metabase default", 0);
    let mut identity_type = IdentityType::NetworkService;
    origins.insert("processModel.identityType".to_owned(), default.clone());
    if let Some((node, v)) = inherited(location, "AppPoolIdentityType") {
        let a = Attrs { file, doc, node };
        identity_type = match v.trim() {
            "0" => IdentityType::LocalSystem,
            "1" => IdentityType::LocalService,
            "2" => IdentityType::NetworkService,
            "3" => IdentityType::SpecificUser,
            other => {
                return Err(a.error(format!(
                    "AppPoolIdentityType={other:?} is not 0 (LocalSystem), 1 (LocalService), 2 (NetworkService) or 3 (WAMUserName)"
                )));
            }
        };
        origins.insert(
            "processModel.identityType".to_owned(),
            Origin::at(file, a.line()),
        );
    }
    let mut max_processes = 1;
    origins.insert("processModel.maxProcesses".to_owned(), default.clone());
    if let Some((node, _)) = inherited(location, "MaxProcesses") {
        let a = Attrs { file, doc, node };
        max_processes = a.u32("MaxProcesses")?.unwrap_or(1);
        origins.insert(
            "processModel.maxProcesses".to_owned(),
            Origin::at(file, a.line()),
        );
    }
    let user_name = inherited(location, "WAMUserName").and_then(|(node, v)| {
        origins.insert(
            "processModel.userName".to_owned(),
            Origin::at(file, xml::line(doc, node)),
        );
        Some(v).filter(|u| !u.trim().is_empty())
    });
    origins.insert("enable32BitAppOnWin64".to_owned(), default);
    let declared = inherited(location, "Location")
        .filter(|(node, _)| node.tag_name().name() == "IIsApplicationPool")
        .map(|(node, _)| Origin::at(file, xml::line(doc, node)));
    Ok(AppPool {
        name,
        declared,
        runtime: RuntimeVersion::V2_0,
        enable_32bit,
        pipeline: PipelineMode::Classic,
        identity_type,
        user_name,
        load_user_profile: None,
        max_processes,
        logon_type: LogonType::LogonBatch,
        manual_group_membership: false,
        origins,
    })
}
