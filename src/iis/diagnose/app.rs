//! One application's configuration, resolved from the copies of the server's files with
//! the configuration stack (origins kept), and its isolation in words.

use std::path::PathBuf;

use super::{AppDiagnosis, framework_dir};
use crate::config::lint::{KnownKeys, Summary, lint_resolved};
use crate::config::stack::{ConfigFile, ConfigStack};
use crate::config::{KeySource, KeySpec, Section, Setting};
use crate::iis::bundle::Server;
use crate::iis::server::{AppPool, Application, Site};
use crate::keys::AppIdentity;
use crate::keys::store::RegistryView;

pub(super) fn spec_text(spec: &KeySpec) -> String {
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

pub(super) fn uses_autogen(summary: &Summary) -> bool {
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

pub(super) struct AppContext<'a> {
    pub(super) server: &'a Server,
    pub(super) site: &'a Site,
    pub(super) app: &'a Application,
    pub(super) pool: &'a AppPool,
}

/// Resolves one application's configuration stack from the copies.
pub(super) fn diagnose_app(cx: &AppContext<'_>, known: Option<&dyn KnownKeys>) -> AppDiagnosis {
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
                .origin(Setting::new(Section::SessionState, "mode"))
                .map(ToString::to_string);
            out.resolved = Some(resolved);
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}
