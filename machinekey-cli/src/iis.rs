//! `machinekey iis`, `simulate --iis` and IIS nodes of `compare`: read a server's
//! configuration (a file or a bundle folder) with what the options add, and hand it to the
//! library's diagnosis.

use std::path::Path;

use machinekey::compat::Node;
use machinekey::iis::apphost::ReadOptions;
use machinekey::iis::diagnose::Severity;
use machinekey::iis::server::SchemaVersion;
use machinekey::iis::{IisError, Server};

use crate::args::IisArgs;
use crate::input::known_lists;
use crate::output::{Failure, Output};

fn failure(e: &IisError) -> Failure {
    let code = match e {
        IisError::File(_) => "io",
        IisError::Sddl { .. } => "sddl",
        _ => "iis_input",
    };
    Failure {
        exit: 2,
        code,
        message: e.to_string(),
    }
}

/// Whether `path` names an IIS input: a folder, an applicationHost.config or a MetaBase.xml.
fn is_iis_input(path: &str) -> bool {
    let p = Path::new(path);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    p.is_dir() || name == "applicationhost.config" || name == "metabase.xml"
}

/// The server at `path` with the options' additions.
pub(crate) fn server(path: &str, args: &IisArgs) -> Result<Server, Failure> {
    let mut options = ReadOptions::default();
    if let Some(v) = &args.iis_version {
        options.schema = SchemaVersion::parse(v).ok_or_else(|| {
            Failure::usage(format!("--iis-version {v}: use 7.0, 7.5, 8.0, 8.5 or 10.0"))
        })?;
    }
    let mut server = Server::read(Path::new(path), &options).map_err(|e| failure(&e))?;
    for rule in &args.maps {
        server
            .map
            .add_rule(rule)
            .map_err(|e| Failure::usage(format!("--map: {e}")))?;
    }
    for rule in &args.sids {
        server
            .accounts
            .add_rule(rule, "--sid")
            .map_err(|e| Failure::usage(format!("--sid: {e}")))?;
    }
    for rule in &args.env {
        let (name, value) = rule
            .split_once('=')
            .filter(|(n, _)| !n.trim().is_empty())
            .ok_or_else(|| Failure::usage(format!("--env {rule:?}: use NAME=VALUE")))?;
        server.env.set(name.trim(), value.trim());
    }
    for acl in &args.acls {
        server.add_acl_argument(acl).map_err(|e| failure(&e))?;
    }
    for reg in &args.regs {
        server
            .registry
            .add_file(Path::new(reg))
            .map_err(|e| failure(&e))?;
    }
    if let Some(f) = &args.machine_config {
        server.machine_config = Some(f.into());
    }
    if let Some(f) = &args.root_web_config {
        server.root_web_config = Some(f.into());
    }
    Ok(server)
}

/// `machinekey iis`.
pub(crate) fn run(
    path: &str,
    args: &IisArgs,
    lists: &[String],
    strict: bool,
) -> Result<Output, Failure> {
    let server = server(path, args)?;
    let (known, _) = known_lists(lists)?;
    let diagnosis = server.diagnose(Some(&known));
    let mut out = Output::new(diagnosis.to_text().trim_end(), &diagnosis)?;
    if strict
        && diagnosis
            .findings
            .iter()
            .any(|f| f.severity >= Severity::Warning)
    {
        out.code = 1;
    }
    Ok(out)
}

/// `machinekey simulate --iis`.
pub(crate) fn simulate(
    path: &str,
    args: &IisArgs,
    pool: Option<&str>,
    requests: usize,
    seed: u64,
) -> Result<Output, Failure> {
    let diagnosis = server(path, args)?.diagnose(None);
    let run = diagnosis.simulate(pool, requests, seed)?;
    Output::new(run.table().trim_end(), &run)
}

/// The `compare` node of `spec` if it names an IIS server (`PATH,site=SITE,app=/VPATH[,name=NAME]`
/// with PATH a bundle folder, an applicationHost.config or a MetaBase.xml); `None` for a
/// web.config node.
pub(crate) fn node_spec(spec: &str) -> Option<Result<Node, Failure>> {
    let mut parts = spec.split(',');
    let path = parts.next().unwrap_or_default().trim();
    if path.is_empty() || !is_iis_input(path) {
        return None;
    }
    let options = parts
        .map(|option| {
            option
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim().to_owned()))
                .ok_or_else(|| Failure::usage(format!("{spec}: {option:?} is not key=value")))
        })
        .collect::<Result<Vec<_>, _>>();
    Some(options.and_then(|o| node(spec, path, &o)))
}

/// A `compare` node from an IIS server.
fn node(spec: &str, path: &str, options: &[(&str, String)]) -> Result<Node, Failure> {
    let mut site = None;
    let mut app = "/".to_owned();
    let mut name = None;
    for (key, value) in options {
        match *key {
            "site" => site = Some(value.clone()),
            "app" => app.clone_from(value),
            "name" => name = Some(value.clone()),
            other => {
                return Err(Failure::usage(format!(
                    "{spec}: unknown option {other:?} for an IIS node (site, app, name)"
                )));
            }
        }
    }
    let diagnosis = server(path, &IisArgs::default())?.diagnose(None);
    let site = match site {
        Some(s) => s,
        None => diagnosis
            .applications
            .first()
            .map(|a| a.site.clone())
            .ok_or_else(|| Failure::usage(format!("{spec}: the server has no application")))?,
    };
    let label = format!("{site}/{}", app.trim_start_matches('/'));
    let node = diagnosis.compat_node(&label).ok_or_else(|| {
        let known: Vec<&str> = diagnosis
            .applications
            .iter()
            .map(|a| a.label.as_str())
            .collect();
        Failure::usage(format!(
            "{spec}: no resolved application {label} (the server has: {})",
            known.join(", ")
        ))
    })?;
    Ok(match name {
        Some(n) => node.renamed(&n),
        None => node,
    })
}
