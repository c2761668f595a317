//! web.config files read to their effective settings (with the origin of each) and lint
//! findings, and configurations compared node to node.

use machinekey::AppIdentity;
use machinekey::compat::{Node, matrix};
use machinekey::config::FrameworkVersion;
use machinekey::config::lint::lint_resolved;
use machinekey::config::stack::{ConfigFile, ConfigStack, ResolvedConfig};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::audit::KeyList;
use crate::convert::serialized;
use crate::errors::{OrRaise, invalid};
use crate::keys::config_text;

fn framework(name: &str) -> PyResult<FrameworkVersion> {
    match name {
        "2.0" | "2" | "3.5" => Ok(FrameworkVersion::V2_0),
        "4" | "4.0" | "4.x" => Ok(FrameworkVersion::V4),
        other => Err(invalid(format!("framework {other:?}: \"2.0\" or \"4\""))),
    }
}

/// The levels of one application's configuration, read.
struct Levels {
    app: ConfigFile,
    machine: Option<ConfigFile>,
    root: Option<ConfigFile>,
    site: Option<ConfigFile>,
}

fn file(py: Python<'_>, source: &Bound<'_, PyAny>, default_name: &str) -> PyResult<ConfigFile> {
    let name = if source.cast::<pyo3::types::PyString>().is_ok()
        && source
            .extract::<String>()
            .is_ok_and(|s| s.trim_start().starts_with('<'))
    {
        default_name.to_owned()
    } else if source.hasattr("read")? {
        source
            .getattr("name")
            .ok()
            .and_then(|n| n.extract::<String>().ok())
            .unwrap_or_else(|| default_name.to_owned())
    } else {
        crate::convert::path_arg(source)?.display().to_string()
    };
    let text = config_text(py, source)?;
    Ok(ConfigFile::from_text(&text, &name))
}

fn resolve(
    py: Python<'_>,
    levels: Levels,
    app_path: &str,
    fw: FrameworkVersion,
) -> PyResult<ResolvedConfig> {
    py.detach(|| {
        let mut stack = ConfigStack::new().framework(fw);
        if let Some(f) = levels.machine {
            stack = stack.machine_config(f);
        }
        if let Some(f) = levels.root {
            stack = stack.root_web_config(f);
        }
        let at_root = app_path.trim_matches('/').is_empty();
        if let Some(f) = levels.site {
            stack = stack.site_web_config(f);
        }
        stack = if at_root {
            stack.site_web_config(levels.app)
        } else {
            stack.application_web_config(app_path, levels.app)
        };
        stack.resolve(app_path)
    })
    .or_raise()
}

#[allow(clippy::too_many_arguments)]
fn levels(
    py: Python<'_>,
    app: &Bound<'_, PyAny>,
    machine_config: Option<&Bound<'_, PyAny>>,
    root_web_config: Option<&Bound<'_, PyAny>>,
    site_web_config: Option<&Bound<'_, PyAny>>,
    app_path: &str,
) -> PyResult<Levels> {
    if site_web_config.is_some() && app_path.trim_matches('/').is_empty() {
        return Err(invalid(
            "the application is the site root (app_path \"/\"): its web.config is the site's; drop site_web_config",
        ));
    }
    Ok(Levels {
        app: file(py, app, "web.config")?,
        machine: machine_config
            .map(|f| file(py, f, "machine.config"))
            .transpose()?,
        root: root_web_config
            .map(|f| file(py, f, "root web.config"))
            .transpose()?,
        site: site_web_config
            .map(|f| file(py, f, "site web.config"))
            .transpose()?,
    })
}

/// Reads an application's web.config (text, a path or an open file), with the levels above
/// it when given, to its effective settings as ASP.NET resolves them: `mode`, `validation`,
/// `decryption`, each key's source, `origins` (where each setting came from), `lints`
/// (publicly known keys from `keys`, weak settings, ...), `forms` and `pages`. Key text is
/// never included.
#[pyfunction]
#[pyo3(signature = (app, *, app_path = "/", machine_config = None, root_web_config = None, site_web_config = None, framework = "4", keys = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_config<'py>(
    py: Python<'py>,
    app: &Bound<'_, PyAny>,
    app_path: &str,
    machine_config: Option<&Bound<'_, PyAny>>,
    root_web_config: Option<&Bound<'_, PyAny>>,
    site_web_config: Option<&Bound<'_, PyAny>>,
    framework: &str,
    keys: Option<&Bound<'_, KeyList>>,
) -> PyResult<Bound<'py, PyDict>> {
    let fw = self::framework(framework)?;
    let levels = levels(
        py,
        app,
        machine_config,
        root_web_config,
        site_web_config,
        app_path,
    )?;
    let resolved = resolve(py, levels, app_path, fw)?;
    let known = KeyList::list_or_builtin(keys);
    let summary = py
        .detach(|| lint_resolved(&resolved, Some(&*known)))
        .or_raise()?;
    let out = PyDict::new(py);
    if let Ok(d) = serialized(py, &summary)?.cast::<PyDict>() {
        out.update(d.as_mapping())?;
    }
    out.set_item("forms", serialized(py, &resolved.forms)?)?;
    out.set_item("pages", serialized(py, &resolved.pages)?)?;
    Ok(out)
}

/// Whether what each configuration protects the others read: `nodes` is a list of
/// web.configs (text, paths or open files), or of dicts `{"config": ..., "name": ...,
/// "app_path": "/", "app_id": ...}`. Returns one comparison per ordered pair (`from`, `to`,
/// and a verdict per kind of state: ViewState, forms ticket, ... with the reasons when it
/// fails).
#[pyfunction]
#[pyo3(signature = (*nodes, framework = "4"))]
pub(crate) fn compare<'py>(
    py: Python<'py>,
    nodes: &Bound<'_, pyo3::types::PyTuple>,
    framework: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let fw = self::framework(framework)?;
    if nodes.len() < 2 {
        return Err(invalid("compare takes at least two configurations"));
    }
    let mut built = Vec::new();
    for (i, spec) in nodes.iter().enumerate() {
        let (config, name, app_path, app_id) = if let Ok(d) = spec.cast::<PyDict>() {
            let get = |k: &str| d.get_item(k).ok().flatten().filter(|v| !v.is_none());
            let config = get("config").ok_or_else(|| invalid("a node dict needs \"config\""))?;
            let text = |k: &str| get(k).map(|v| v.extract::<String>()).transpose();
            (config, text("name")?, text("app_path")?, text("app_id")?)
        } else {
            (spec.clone(), None, None, None)
        };
        let app_path = app_path.unwrap_or_else(|| "/".to_owned());
        let f = file(py, &config, "web.config")?;
        let name = name.unwrap_or_else(|| format!("{}:{}", i + 1, f.name()));
        let resolved = resolve(
            py,
            Levels {
                app: f,
                machine: None,
                root: None,
                site: None,
            },
            &app_path,
            fw,
        )?;
        let app_id = app_id.unwrap_or_else(|| AppIdentity::default_site_app_id(&app_path));
        let app = AppIdentity::new(&app_path, &app_id).or_raise()?;
        built.push(Node::from_resolved(&name, &resolved, app));
    }
    let comparisons = py.detach(|| matrix(&built)).or_raise()?;
    serialized(py, &comparisons)
}
