//! Reading `applicationHost.config` (IIS 7 to 10, and IIS Express's copies such as
//! `.vs\config\applicationhost.config`): application pools with their defaults resolved,
//! sites, applications and virtual directories.
//!
//! Defaults, as IIS resolves them: a pool's attribute (and its `<processModel>`'s) wins;
//! otherwise `<applicationPoolDefaults>` in the file; otherwise the schema's default (see
//! [`SchemaVersion`]). An application's pool is its `applicationPool`, else the
//! `<applicationDefaults>` of its site, else that of `<sites>`, else `DefaultAppPool`.
//! `<clear/>` and `<remove name>` in `<applicationPools>` apply in order. `configSource` on
//! `<applicationPools>` or `<sites>` is read relative to the file. Passwords
//! (`processModel password`, encrypted as `[enc:...:enc]`) are never read.

use std::path::{Path, PathBuf};

use roxmltree::Node;

use super::server::{
    AppPool, Application, IdentityType, LogonType, Origin, PipelineMode, RuntimeVersion,
    SchemaVersion, ServerConfig, ServerKind, Site, SystemWebLocation, VirtualDirectory,
    normalize_vpath,
};
use super::xml::{self, Attrs, Xml};
use crate::error::IisError;

/// The largest applicationHost.config (or `configSource` file) read (16 MiB).
pub const MAX_APPLICATION_HOST: u64 = 16 << 20;
/// The most pools, sites or applications read from one file.
pub const MAX_ITEMS: usize = 100_000;

/// How to read a server's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// The schema whose defaults apply (default IIS 10.0).
    pub schema: SchemaVersion,
    /// Whether the file is IIS Express's; `None` to tell from the file (IIS Express files
    /// use `%IIS_USER_HOME%`, `%IIS_SITES_HOME%` or `%IIS_BIN%`).
    pub express: Option<bool>,
}

/// Reads an applicationHost.config from disk; `configSource` files are read from its
/// folder.
///
/// # Errors
/// [`IisError::File`] if a file cannot be read, [`IisError::Invalid`] with the file and line
/// for malformed XML, a value the schema does not allow (an unknown `identityType`, a
/// `maxProcesses` that is not a number), a site without `id`, an application without a
/// physical path, an encrypted section.
///
/// # Example
/// ```no_run
/// use machinekey::iis::apphost::{ReadOptions, read_application_host};
/// let server = read_application_host(r"C:\Windows\System32\inetsrv\config\applicationHost.config".as_ref(), &ReadOptions::default())?;
/// for pool in &server.pools {
///     println!("{}: {:?}, {} worker(s)", pool.name, pool.identity_type, pool.max_processes);
/// }
/// # Ok::<(), machinekey::iis::IisError>(())
/// ```
pub fn read_application_host(path: &Path, options: &ReadOptions) -> Result<ServerConfig, IisError> {
    let name = path.display().to_string();
    let text = super::read_text(path, MAX_APPLICATION_HOST)?;
    Reader {
        dir: path.parent().map(Path::to_path_buf),
        options: *options,
    }
    .read(&name, &text)
}

/// Reads an applicationHost.config given as text (`file` names it in messages and
/// origins); a `configSource` cannot be followed and is an error.
///
/// # Errors
/// As [`read_application_host`].
///
/// # Example
/// ```
/// use machinekey::iis::apphost::{ReadOptions, parse_application_host};
/// use machinekey::iis::server::IdentityType;
/// let server = parse_application_host("applicationHost.config", r#"<configuration>
///   <system.applicationHost>
///     <applicationPools>
///       <add name="Shop" managedRuntimeVersion="v4.0">
///         <processModel identityType="SpecificUser" userName="CORP\svc_shop" password="[enc:IISWASOnlyCngProvider:...:enc]" maxProcesses="3" />
///       </add>
///       <applicationPoolDefaults><processModel loadUserProfile="true" /></applicationPoolDefaults>
///     </applicationPools>
///     <sites>
///       <site name="Shop" id="2">
///         <application path="/" applicationPool="Shop">
///           <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\shop" />
///         </application>
///       </site>
///     </sites>
///   </system.applicationHost>
/// </configuration>"#, &ReadOptions::default())?;
/// let pool = server.pool("shop").expect("declared");
/// assert_eq!(pool.identity_type, IdentityType::SpecificUser);
/// assert_eq!(pool.max_processes, 3);
/// assert_eq!(pool.load_user_profile, Some(true)); // from applicationPoolDefaults
/// assert_eq!(pool.origin("processModel.loadUserProfile").map(|o| o.line), Some(7));
/// assert_eq!(server.sites[0].applications[0].app_id, "/LM/W3SVC/2/ROOT");
/// assert!(!format!("{server:?}").contains("enc:"));
/// # Ok::<(), machinekey::iis::IisError>(())
/// ```
pub fn parse_application_host(
    file: &str,
    text: &str,
    options: &ReadOptions,
) -> Result<ServerConfig, IisError> {
    Reader {
        dir: None,
        options: *options,
    }
    .read(file, text)
}

struct Reader {
    dir: Option<PathBuf>,
    options: ReadOptions,
}

/// A pool's settings while defaults are applied.
#[derive(Clone)]
struct Settings(AppPool);

const PIPELINES: [(&str, PipelineMode); 2] = [
    ("Integrated", PipelineMode::Integrated),
    ("Classic", PipelineMode::Classic),
];

const LOGON_TYPES: [(&str, LogonType); 2] = [
    ("LogonBatch", LogonType::LogonBatch),
    ("LogonService", LogonType::LogonService),
];

impl Settings {
    fn schema(schema: SchemaVersion) -> Self {
        let origin = schema.origin();
        let origins = [
            "managedRuntimeVersion",
            "enable32BitAppOnWin64",
            "managedPipelineMode",
            "processModel.identityType",
            "processModel.loadUserProfile",
            "processModel.maxProcesses",
            "processModel.logonType",
            "processModel.manualGroupMembership",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), origin.clone()))
        .collect();
        Self(AppPool {
            name: String::new(),
            declared: None,
            runtime: schema.default_runtime(),
            enable_32bit: false,
            pipeline: PipelineMode::Integrated,
            identity_type: schema.default_identity(),
            user_name: None,
            load_user_profile: Some(false),
            max_processes: 1,
            logon_type: LogonType::LogonBatch,
            manual_group_membership: false,
            origins,
        })
    }

    /// Applies the attributes of `<add>` or `<applicationPoolDefaults>` and its
    /// `<processModel>`.
    fn apply(
        &mut self,
        file: &str,
        doc: &Xml<'_>,
        node: Node<'_, '_>,
        schema: SchemaVersion,
    ) -> Result<(), IisError> {
        let a = Attrs { file, doc, node };
        let here = Origin::at(file, a.line());
        let p = &mut self.0;
        let mut set = |key: &str, origin: &Origin| {
            p.origins.insert(key.to_owned(), origin.clone());
        };
        if let Some(v) = a.get("managedRuntimeVersion") {
            set("managedRuntimeVersion", &here);
            p.runtime = RuntimeVersion::parse(v);
        }
        if let Some(v) = a.bool("enable32BitAppOnWin64")? {
            set("enable32BitAppOnWin64", &here);
            p.enable_32bit = v;
        }
        if let Some(v) = a.enumeration("managedPipelineMode", &PIPELINES)? {
            set("managedPipelineMode", &here);
            p.pipeline = v;
        }
        if let Some(pm) = xml::child(node, "processModel") {
            let m = Attrs {
                file,
                doc,
                node: pm,
            };
            let at = Origin::at(file, m.line());
            if let Some(v) = m.enumeration("identityType", &IdentityType::VALUES)? {
                set("processModel.identityType", &at);
                p.identity_type = v;
            }
            if let Some(v) = m.get("userName") {
                set("processModel.userName", &at);
                p.user_name = Some(v.to_owned()).filter(|u| !u.trim().is_empty());
            }
            if let Some(v) = m.bool("loadUserProfile")? {
                set("processModel.loadUserProfile", &at);
                p.load_user_profile = Some(v);
            }
            if let Some(v) = m.u32("maxProcesses")? {
                let min = u32::from(schema < SchemaVersion::Iis8_0);
                if v < min || v > 2_147_483_647 {
                    return Err(m.error(format!(
                        "<processModel maxProcesses={v}> is outside the range IIS {} allows ({min} to 2147483647)",
                        schema.as_str()
                    )));
                }
                set("processModel.maxProcesses", &at);
                p.max_processes = v;
            }
            if let Some(v) = m.enumeration("logonType", &LOGON_TYPES)? {
                set("processModel.logonType", &at);
                p.logon_type = v;
            }
            if let Some(v) = m.bool("manualGroupMembership")? {
                set("processModel.manualGroupMembership", &at);
                p.manual_group_membership = v;
            }
        }
        Ok(())
    }
}

fn check_not_encrypted(file: &str, doc: &Xml<'_>, node: Node<'_, '_>) -> Result<(), IisError> {
    if let Some(provider) = node.attribute("configProtectionProvider") {
        return Err(IisError::invalid(
            file,
            xml::line(doc, node),
            format!(
                "<{}> is encrypted with {provider:?}: decrypt it on the server first (it is not read)",
                node.tag_name().name()
            ),
        ));
    }
    Ok(())
}

fn too_many(file: &str, line: usize, what: &str) -> IisError {
    IisError::invalid(file, line, format!("more than {MAX_ITEMS} {what}"))
}

impl Reader {
    fn read(&self, file: &str, text: &str) -> Result<ServerConfig, IisError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let doc = xml::parse(file, text)?;
        let root = doc.root_element();
        if root.tag_name().name() != "configuration" {
            return Err(IisError::invalid(
                file,
                xml::line(&doc, root),
                format!(
                    "the root element is <{}>, not <configuration>",
                    root.tag_name().name()
                ),
            ));
        }
        let Some(host) = xml::child(root, "system.applicationHost") else {
            return Err(IisError::invalid(
                file,
                xml::line(&doc, root),
                "not an applicationHost.config: there is no <system.applicationHost>",
            ));
        };
        let express = self.options.express.unwrap_or_else(|| {
            ["%IIS_USER_HOME%", "%IIS_SITES_HOME%", "%IIS_BIN%"]
                .iter()
                .any(|v| text.contains(v))
        });
        let schema = self.options.schema;
        let mut pools = Vec::new();
        let mut defaults = Settings::schema(schema).0;
        if let Some(node) = xml::child(host, "applicationPools") {
            self.section(file, &doc, node, "applicationPools", |f, d, n| {
                (defaults, pools) = read_pools(f, d, n, schema)?;
                Ok(())
            })?;
        }
        let mut sites = Vec::new();
        if let Some(node) = xml::child(host, "sites") {
            self.section(file, &doc, node, "sites", |f, d, n| {
                sites = read_sites(f, d, n)?;
                Ok(())
            })?;
        }
        // Pools that applications name but the file does not declare: the defaults apply.
        for site in &sites {
            for app in &site.applications {
                if !pools
                    .iter()
                    .any(|p: &AppPool| p.name.eq_ignore_ascii_case(&app.pool))
                {
                    let mut p = defaults.clone();
                    p.name.clone_from(&app.pool);
                    p.declared = None;
                    pools.push(p);
                }
            }
        }
        let mut system_web_locations = Vec::new();
        let mut record = |path: &str, node: Node<'_, '_>| {
            if let Some(sw) = xml::child(node, "system.web") {
                system_web_locations.push(SystemWebLocation {
                    path: path.to_owned(),
                    sections: sw
                        .children()
                        .filter(Node::is_element)
                        .map(|n| n.tag_name().name().to_owned())
                        .collect(),
                    origin: Origin::at(file, xml::line(&doc, sw)),
                });
            }
        };
        record("", root);
        for location in xml::children(root, "location") {
            record(location.attribute("path").unwrap_or_default(), location);
        }
        Ok(ServerConfig {
            file: file.to_owned(),
            kind: if express {
                ServerKind::IisExpress
            } else {
                ServerKind::Iis
            },
            schema: Some(schema),
            pools,
            sites,
            system_web_locations,
            iis6_32bit: false,
        })
    }

    /// Calls `read` with the section's own node, or with the root of the file its
    /// `configSource` names.
    fn section(
        &self,
        file: &str,
        doc: &Xml<'_>,
        node: Node<'_, '_>,
        name: &str,
        read: impl FnOnce(&str, &Xml<'_>, Node<'_, '_>) -> Result<(), IisError>,
    ) -> Result<(), IisError> {
        check_not_encrypted(file, doc, node)?;
        let Some(source) = node.attribute("configSource") else {
            return read(file, doc, node);
        };
        let line = xml::line(doc, node);
        let Some(dir) = &self.dir else {
            return Err(IisError::invalid(
                file,
                line,
                format!(
                    "<{name} configSource={source:?}>: the file was given as text, so the folder of {source:?} is unknown"
                ),
            ));
        };
        let path = dir.join(source.replace('\\', "/"));
        let sub_name = path.display().to_string();
        let text = super::read_text(&path, MAX_APPLICATION_HOST)?;
        let sub = xml::parse(&sub_name, text.strip_prefix('\u{feff}').unwrap_or(&text))?;
        let root = sub.root_element();
        if root.tag_name().name() != name {
            return Err(IisError::invalid(
                &sub_name,
                xml::line(&sub, root),
                format!(
                    "a configSource for <{name}> (named at {file}:{line}) must hold one <{name}> element, not <{}>",
                    root.tag_name().name()
                ),
            ));
        }
        check_not_encrypted(&sub_name, &sub, root)?;
        read(&sub_name, &sub, root)
    }
}

fn read_pools(
    file: &str,
    doc: &Xml<'_>,
    node: Node<'_, '_>,
    schema: SchemaVersion,
) -> Result<(AppPool, Vec<AppPool>), IisError> {
    let mut defaults = Settings::schema(schema);
    if let Some(d) = xml::child(node, "applicationPoolDefaults") {
        defaults.apply(file, doc, d, schema)?;
    }
    let mut pools: Vec<AppPool> = Vec::new();
    for item in node.children().filter(Node::is_element) {
        let line = xml::line(doc, item);
        match item.tag_name().name() {
            "add" => {
                let Some(name) = item
                    .attribute("name")
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                else {
                    return Err(IisError::invalid(
                        file,
                        line,
                        "an application pool <add> has no name",
                    ));
                };
                if pools.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
                    return Err(IisError::invalid(
                        file,
                        line,
                        format!("the application pool {name:?} is declared twice"),
                    ));
                }
                if pools.len() == MAX_ITEMS {
                    return Err(too_many(file, line, "application pools"));
                }
                let mut s = defaults.clone();
                s.apply(file, doc, item, schema)?;
                s.0.name = name.to_owned();
                s.0.declared = Some(Origin::at(file, line));
                pools.push(s.0);
            }
            "remove" => {
                let name = item.attribute("name").unwrap_or_default();
                pools.retain(|p| !p.name.eq_ignore_ascii_case(name));
            }
            "clear" => pools.clear(),
            _ => {}
        }
    }
    Ok((defaults.0, pools))
}

fn read_sites(file: &str, doc: &Xml<'_>, node: Node<'_, '_>) -> Result<Vec<Site>, IisError> {
    let server_default = xml::child(node, "applicationDefaults").and_then(|d| {
        d.attribute("applicationPool")
            .map(|p| (p.to_owned(), Origin::at(file, xml::line(doc, d))))
    });
    let mut sites: Vec<Site> = Vec::new();
    let mut applications = 0usize;
    for site in xml::children(node, "site") {
        let a = Attrs {
            file,
            doc,
            node: site,
        };
        let line = a.line();
        let name = a.get("name").unwrap_or_default().to_owned();
        let id = match a.get("id").map(str::trim) {
            Some(v) => v.parse::<u64>().map_err(|_| {
                a.error(format!(
                    "<site name={name:?} id={v:?}>: the id is not a number"
                ))
            })?,
            None => return Err(a.error(format!("<site name={name:?}> has no id"))),
        };
        if sites.iter().any(|s| s.id == id) {
            return Err(a.error(format!("two sites have the id {id}")));
        }
        if sites.len() == MAX_ITEMS {
            return Err(too_many(file, line, "sites"));
        }
        let site_default = xml::child(site, "applicationDefaults").and_then(|d| {
            d.attribute("applicationPool")
                .map(|p| (p.to_owned(), Origin::at(file, xml::line(doc, d))))
        });
        let mut apps = Vec::new();
        for app in xml::children(site, "application") {
            applications += 1;
            let app_line = xml::line(doc, app);
            if applications > MAX_ITEMS {
                return Err(too_many(file, app_line, "applications"));
            }
            let path = normalize_vpath(app.attribute("path").unwrap_or("/"));
            let (pool, pool_origin) = match app.attribute("applicationPool") {
                Some(p) => (p.to_owned(), Origin::at(file, app_line)),
                None => site_default
                    .clone()
                    .or_else(|| server_default.clone())
                    .unwrap_or_else(|| {
                        (
                            "DefaultAppPool".to_owned(),
                            Origin::at("IIS built-in default application pool", 0),
                        )
                    }),
            };
            let mut vdirs = Vec::new();
            for v in xml::children(app, "virtualDirectory") {
                let vline = xml::line(doc, v);
                let vpath = normalize_vpath(v.attribute("path").unwrap_or("/"));
                let physical = v
                    .attribute("physicalPath")
                    .map(str::trim)
                    .unwrap_or_default();
                if physical.is_empty() {
                    return Err(IisError::invalid(
                        file,
                        vline,
                        format!(
                            "the virtual directory {vpath:?} of {name}{path} has no physicalPath"
                        ),
                    ));
                }
                vdirs.push(VirtualDirectory {
                    path: vpath,
                    physical_path: physical.to_owned(),
                    origin: Origin::at(file, vline),
                });
            }
            if !vdirs.iter().any(|v| v.path == "/") {
                return Err(IisError::invalid(
                    file,
                    app_line,
                    format!(
                        "the application {name}{path} has no root virtual directory (path=\"/\"), so no physical path"
                    ),
                ));
            }
            let app_id = if path == "/" {
                format!("/LM/W3SVC/{id}/ROOT")
            } else {
                format!("/LM/W3SVC/{id}/ROOT{path}")
            };
            apps.push(Application {
                path,
                pool,
                pool_origin,
                app_id,
                virtual_directories: vdirs,
                origin: Origin::at(file, app_line),
                script_map_runtime: None,
            });
        }
        sites.push(Site {
            name,
            id,
            applications: apps,
            origin: Origin::at(file, line),
        });
    }
    Ok(sites)
}
