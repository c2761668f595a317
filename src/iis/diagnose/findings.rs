//! The findings: what is wrong or unknown, how much it matters, and the fix in an
//! operator's words.

use std::collections::BTreeMap;

use super::app::{spec_text, uses_autogen};
use super::{AppDiagnosis, Finding, FindingId, PoolDiagnosis, Severity, StoreKind, framework_dir};
use crate::config::lint::LintCode;
use crate::config::stack::SessionStateMode;
use crate::iis::bundle::Server;
use crate::iis::identity::SidSource;
use crate::iis::server::{RuntimeVersion, ServerKind};

fn fraction(workers: u32) -> String {
    if workers == 0 {
        "all but one in N (N the number of NUMA nodes)".to_owned()
    } else {
        format!("about {}/{}", workers - 1, workers)
    }
}

fn aspnet_regiis(server: &Server, pool: &PoolDiagnosis) -> String {
    let dir = framework_dir(server, &pool.runtime, pool.view).unwrap_or_default();
    format!("{dir}\\aspnet_regiis.exe -ga \"{}\"", pool.identity.account)
}

#[allow(clippy::too_many_lines)]
pub(super) fn findings(
    server: &Server,
    pools: &[PoolDiagnosis],
    apps: &[AppDiagnosis],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let cfg = &server.config;
    let apps_of = |pool: &str| -> Vec<&AppDiagnosis> {
        apps.iter()
            .filter(|a| a.pool.eq_ignore_ascii_case(pool))
            .collect()
    };
    for pool in pools {
        let subject = format!("pool {}", pool.name);
        if pool.declared.is_none() && cfg.kind != ServerKind::Iis6 {
            out.push(Finding {
                id: FindingId::UndeclaredPool,
                severity: Severity::Warning,
                subject: subject.clone(),
                message: format!(
                    "{} name the application pool {:?}, which {} does not declare: IIS cannot start them (HTTP 503); this diagnosis assumes the pool defaults",
                    pool.applications.join(", "),
                    pool.name,
                    cfg.file
                ),
                fixes: vec![format!("create the pool: appcmd add apppool /name:\"{}\", or point the applications at an existing pool", pool.name)],
            });
        }
        if matches!(
            pool.runtime,
            RuntimeVersion::V1_1 | RuntimeVersion::Other(_)
        ) && !pool.applications.is_empty()
        {
            out.push(Finding {
                id: FindingId::RuntimeNotModelled,
                severity: Severity::Notice,
                subject: subject.clone(),
                message: format!("runtime {}: the crate models ASP.NET 2.0 to 4.8 only; its applications are not diagnosed", pool.runtime.label()),
                fixes: Vec::new(),
            });
        }
        if pool.identity.sid_source == SidSource::Unknown
            && pool.key_store.store == StoreKind::Unknown
        {
            out.push(Finding {
                id: FindingId::SidUnknown,
                severity: Severity::Notice,
                subject: subject.clone(),
                message: format!(
                    "the SID of {} is not known, so its HKLM key store ({}) and that key's ACL cannot be checked",
                    pool.identity.account, pool.key_store.location
                ),
                fixes: vec![format!(
                    "supply it: --sid \"{}=S-1-5-21-...\" (on the server: (New-Object System.Security.Principal.NTAccount('{}')).Translate([System.Security.Principal.SecurityIdentifier]).Value), or add it to the bundle's accounts.txt",
                    pool.identity.account, pool.identity.account
                )],
            });
        }
        let autogen_apps: Vec<&AppDiagnosis> = apps_of(&pool.name)
            .into_iter()
            .filter(|a| a.machine_key.as_ref().is_some_and(uses_autogen))
            .collect();
        let names = |list: &[&AppDiagnosis]| {
            list.iter()
                .map(|a| a.label.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let garden = pool.workers != 1;
        let v20 = pool.runtime == RuntimeVersion::V2_0;
        if !autogen_apps.is_empty() && pool.key_store.store == StoreKind::PerProcess {
            let mut fixes = vec![
                format!(
                    "set an explicit <machineKey> (fixed validationKey and decryptionKey, no AutoGenerate) in the web.config of {} (or once in the root web.config, {}\\Config\\web.config); `machinekey generate` prints one. Every worker, and every server given the same keys, then shares them",
                    names(&autogen_apps),
                    framework_dir(server, &pool.runtime, pool.view).unwrap_or_default()
                ),
                format!(
                    "give the account its key store, then recycle the pool: {} and appcmd recycle apppool /apppool.name:\"{}\"",
                    aspnet_regiis(server, pool),
                    pool.name
                ),
            ];
            if cfg.kind != ServerKind::Iis6 {
                fixes.push(format!(
                    "load the account's profile, so the keys live in its HKCU: appcmd set apppool \"{}\" /processModel.loadUserProfile:true (IIS Manager: the pool's Advanced Settings, Load User Profile = True), then recycle",
                    pool.name
                ));
            }
            let reason = &pool.key_store.description;
            if garden {
                out.push(Finding {
                    id: FindingId::WebGardenPrivateKeys,
                    severity: Severity::Critical,
                    subject: subject.clone(),
                    message: format!(
                        "{} worker processes run as {} with AutoGenerate keys ({}), and none can reach a shared key store: {reason}. Each worker uses its own random keys, so {} of the requests that carry state another worker issued fail: forms logins (users are sent back to the login page), ViewState post-backs (\"Validation of viewstate MAC failed\"), MachineKey.Protect data{}. The keys also change at every recycle",
                        if pool.workers == 0 { "N (one per NUMA node)".to_owned() } else { pool.workers.to_string() },
                        pool.identity.account,
                        names(&autogen_apps),
                        fraction(pool.workers),
                        if v20 { ", and State Service sessions (2.0-era builds key the session lookup with the validation key)" } else { "" }
                    ),
                    fixes,
                });
            } else {
                out.push(Finding {
                    id: FindingId::PrivateKeysLostOnRecycle,
                    severity: Severity::Warning,
                    subject: subject.clone(),
                    message: format!(
                        "the worker runs as {} with AutoGenerate keys ({}) and no key store it can use: {reason}. Its keys are random per process, so every recycle (by default every 29 hours, and on idle timeout) logs users out and invalidates open pages' ViewState",
                        pool.identity.account,
                        names(&autogen_apps)
                    ),
                    fixes,
                });
            }
        } else if !autogen_apps.is_empty() && garden && pool.key_store.store == StoreKind::Unknown {
            out.push(Finding {
                id: FindingId::WebGardenStoreUnknown,
                severity: Severity::Warning,
                subject: subject.clone(),
                message: format!(
                    "{} workers run as {} with AutoGenerate keys ({}); whether they share them cannot be told: {}",
                    pool.workers, pool.identity.account, names(&autogen_apps), pool.key_store.description
                ),
                fixes: vec![
                    "collect the registry export and the ACL of AutoGenKeys (scripts/collect-iis.ps1), or pass --acl with (Get-Acl HKLM:\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys).Sddl".to_owned(),
                    "or remove the question: set an explicit <machineKey>".to_owned(),
                ],
            });
        }
        if garden {
            let inproc: Vec<&AppDiagnosis> = apps_of(&pool.name)
                .into_iter()
                .filter(|a| a.session_state.is_some_and(SessionStateMode::is_in_process))
                .collect();
            if !inproc.is_empty() {
                out.push(Finding {
                    id: FindingId::WebGardenInprocSession,
                    severity: Severity::Warning,
                    subject: subject.clone(),
                    message: format!(
                        "{} worker processes with InProc session state ({}): each worker keeps its own sessions in memory, so a request served by another worker does not find the session ({} of them), whatever the keys. This is the most common web-garden confusion",
                        if pool.workers == 0 { "N".to_owned() } else { pool.workers.to_string() },
                        names(&inproc),
                        fraction(pool.workers)
                    ),
                    fixes: vec![
                        format!("run one worker: appcmd set apppool \"{}\" /processModel.maxProcesses:1", pool.name),
                        "or move sessions out of the process: <sessionState mode=\"StateServer\" stateConnectionString=\"tcpip=127.0.0.1:42424\" /> (start the ASP.NET State Service) or mode=\"SQLServer\"".to_owned(),
                    ],
                });
            }
        }
        if let Some(stale) = &pool.key_store.stale {
            out.push(Finding {
                id: FindingId::StaleStoredKey,
                severity: Severity::Notice,
                subject: subject.clone(),
                message: format!("{}: {stale}", pool.key_store.location),
                fixes: Vec::new(),
            });
        }
        if cfg.kind == ServerKind::Iis6 {
            let mut runtimes: Vec<String> = apps_of(&pool.name)
                .into_iter()
                .filter_map(|a| {
                    cfg.applications()
                        .find(|(s, x)| s.name == a.site && x.path == a.path)
                        .and_then(|(_, x)| x.script_map_runtime.as_ref().map(|(r, _)| r.label()))
                })
                .collect();
            runtimes.sort();
            runtimes.dedup();
            if runtimes.len() > 1 {
                out.push(Finding {
                    id: FindingId::MixedFrameworksInPool,
                    severity: Severity::Critical,
                    subject: subject.clone(),
                    message: format!("the pool's applications map .aspx to different frameworks ({}): one worker process loads one CLR, so some of them fail to start", runtimes.join(", ")),
                    fixes: vec!["give each framework version its own application pool (AppPoolId)".to_owned()],
                });
            }
        }
    }
    // Per application: lints and errors.
    for app in apps {
        let subject = format!("app {}", app.label);
        if let Some(e) = &app.error {
            out.push(Finding {
                id: FindingId::ConfigError,
                severity: if e.contains("not ASP.NET 2.0 to 4.x") {
                    Severity::Notice
                } else {
                    Severity::Warning
                },
                subject: subject.clone(),
                message: e.clone(),
                fixes: Vec::new(),
            });
        }
        for lint in app.machine_key.iter().flat_map(|s| &s.lints) {
            let (id, severity) = match lint.code {
                LintCode::KnownKey | LintCode::KnownKeyInStack => {
                    (FindingId::KnownKey, Severity::Critical)
                }
                LintCode::DataProtectionRepository => {
                    (FindingId::DataProtectorWithoutRepository, Severity::Warning)
                }
                _ => continue,
            };
            out.push(Finding {
                id,
                severity,
                subject: subject.clone(),
                message: lint.message.clone(),
                fixes: Vec::new(),
            });
        }
    }
    // What was not collected: one finding per missing item, naming the applications.
    if server.map.is_empty()
        && server.machine_config.is_none()
        && apps.iter().any(|a| !a.missing.is_empty())
    {
        out.push(Finding {
            id: FindingId::NotCollected,
            severity: Severity::Notice,
            subject: "server".to_owned(),
            message: "no copy of the server's files was given: machine.config, the root web.config and the applications' web.config files are unknown, so ASP.NET's defaults are assumed (AutoGenerate,IsolateApps keys, InProc sessions)".to_owned(),
            fixes: vec!["collect a bundle with scripts/collect-iis.ps1, or map the server's paths onto a copy: --map \"C:\\inetpub=./copy/inetpub\"".to_owned()],
        });
    } else {
        let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for a in apps {
            for m in &a.missing {
                missing
                    .entry(m.as_str())
                    .or_default()
                    .push(a.label.as_str());
            }
        }
        for (item, labels) in missing {
            out.push(Finding {
                id: FindingId::NotCollected,
                severity: Severity::Notice,
                subject: format!("app{} {}", if labels.len() == 1 { "" } else { "s" }, labels.join(", ")),
                message: format!("not collected: {item}"),
                fixes: vec!["collect it (scripts/collect-iis.ps1 copies it into the bundle's files/ folder), or map its folder: --map \"FROM=TO\"".to_owned()],
            });
        }
    }
    // Applications that share AutoGenerate keys through one store.
    let mut groups: BTreeMap<String, Vec<&AppDiagnosis>> = BTreeMap::new();
    for app in apps {
        let (Some(summary), Some(pool)) = (
            app.machine_key.as_ref(),
            pools
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&app.pool)),
        ) else {
            continue;
        };
        if !uses_autogen(summary)
            || !matches!(
                pool.key_store.store,
                StoreKind::LsaSecret | StoreKind::CurrentUser | StoreKind::LocalMachine
            )
        {
            continue;
        }
        let fx45 = summary.mode.is_framework45();
        let norm = |s: &str| if fx45 { s.to_owned() } else { s.to_lowercase() };
        let v = summary.validation_key;
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            pool.key_store.location,
            fx45,
            spec_text(&v),
            spec_text(&summary.decryption_key),
            if v.isolate_apps {
                norm(&app.path)
            } else {
                String::new()
            },
            if v.isolate_by_app_id {
                norm(&app.app_id)
            } else {
                String::new()
            }
        );
        groups.entry(key).or_default().push(app);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let Some(first) = members.first() else {
            continue;
        };
        let isolated = first
            .machine_key
            .as_ref()
            .is_some_and(|s| s.validation_key.isolate_apps);
        let labels: Vec<String> = members.iter().map(|a| a.label.clone()).collect();
        out.push(Finding {
            id: FindingId::AppsShareKeys,
            severity: if isolated { Severity::Warning } else { Severity::Notice },
            subject: format!("apps {}", labels.join(", ")),
            message: if isolated {
                format!(
                    "these applications get the same AutoGenerate keys: IsolateApps isolates by virtual path, and theirs is the same ({}), under the same identity's store. A forms ticket, ViewState or MachineKey.Protect payload issued by one is accepted by the others",
                    first.path
                )
            } else {
                "these applications use AutoGenerate keys without IsolateApps from the same identity's store: each accepts what the others protect (forms tickets, ViewState, MachineKey.Protect)".to_owned()
            },
            fixes: vec![
                "add IsolateByAppId (4.5 and later): validationKey=\"AutoGenerate,IsolateApps,IsolateByAppId\" decryptionKey=\"AutoGenerate,IsolateApps,IsolateByAppId\"".to_owned(),
                "or give each application its own explicit keys, or its own application pool identity".to_owned(),
            ],
        });
    }
    for loc in &cfg.system_web_locations {
        out.push(Finding {
            id: FindingId::SystemWebInApplicationHost,
            severity: Severity::Notice,
            subject: if loc.path.is_empty() { "server".to_owned() } else { format!("location {}", loc.path) },
            message: format!(
                "{} holds <system.web> ({}), which ASP.NET does not read: its configuration comes from machine.config, the root web.config and web.config files (WebConfigurationHost). These settings have no effect",
                loc.origin,
                loc.sections.join(", ")
            ),
            fixes: vec![if loc.path.is_empty() {
                "move them to the root web.config of each framework".to_owned()
            } else {
                format!("move them to the web.config of {}, or to a <location path=\"{}\"> in the root web.config", loc.path, loc.path)
            }],
        });
    }
    out.sort_by_key(|f| core::cmp::Reverse(f.severity));
    out
}
