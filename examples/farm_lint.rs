//! A web-farm linter, as an outside crate would write it against `machinekey`: read each
//! server's configuration files (machine.config, the root web.config, the site's and the
//! application's web.config), resolve the application's settings as ASP.NET does, lint
//! each server (leaked and AutoGenerate keys, legacy algorithms, a farm key overridden), and
//! check every pair of servers for state they do not share, with the file and line that
//! makes them differ.
//!
//! ```text
//! cargo run --example farm_lint --features audit -- APP_PATH SERVER_DIR...
//! ```
//!
//! A server directory holds any of `machine.config`, `root.web.config`, `web.config` (the
//! site) and `APP/web.config` (the application at `/APP`). The linter exits with 1 when a
//! warning is found or two servers do not share state.

use std::path::Path;
use std::process::ExitCode;

use machinekey::audit::KeyList;
use machinekey::compat::{Node, Outcome, Reason, compare};
use machinekey::config::Setting;
use machinekey::config::lint::{Severity, lint_resolved};
use machinekey::config::stack::{ConfigFile, ConfigStack, Origin};
use machinekey::{AppIdentity, Error};

/// One finding of the farm.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    /// The server, or `a -> b` for a pair.
    subject: String,
    /// Whether the farm is broken or exposed by it.
    warning: bool,
    /// The setting at fault, when there is one.
    setting: Option<Setting>,
    /// Where it is set, when known.
    origin: Option<Origin>,
    /// What to tell the operator.
    message: String,
}

/// The configuration stack of one server directory.
fn stack(dir: &Path) -> Result<ConfigStack, Error> {
    let mut stack = ConfigStack::new();
    let read = |name: &str| -> Result<Option<ConfigFile>, Error> {
        let path = dir.join(name);
        Ok(if path.is_file() {
            Some(ConfigFile::read(&path)?)
        } else {
            None
        })
    };
    if let Some(f) = read("machine.config")? {
        stack = stack.machine_config(f);
    }
    if let Some(f) = read("root.web.config")? {
        stack = stack.root_web_config(f);
    }
    if let Some(f) = read("web.config")? {
        stack = stack.site_web_config(f);
    }
    Ok(stack)
}

/// Lints the application at `app_path` on every server, then every pair of servers.
fn lint_farm(app_path: &str, servers: &[(String, ConfigStack)]) -> Result<Vec<Finding>, Error> {
    let known = KeyList::builtin();
    let app = AppIdentity::in_default_site(app_path)?;
    let mut findings = Vec::new();
    let mut nodes = Vec::new();
    for (name, stack) in servers {
        let resolved = stack.resolve(app_path)?;
        for lint in lint_resolved(&resolved, Some(&known))?.lints {
            findings.push(Finding {
                subject: name.clone(),
                warning: lint.severity == Severity::Warning,
                setting: Some(lint.setting.clone()),
                origin: lint.origin.clone(),
                message: lint.message.clone(),
            });
        }
        nodes.push(Node::from_resolved(name, &resolved, app.clone()));
    }
    for (i, a) in nodes.iter().enumerate() {
        for b in nodes.iter().skip(i + 1) {
            let comparison = compare(a, b)?;
            // Each reason once, with the kinds of state it stops.
            let mut reasons: Vec<(&Reason, Vec<&str>)> = Vec::new();
            for verdict in &comparison.verdicts {
                if verdict.outcome != Outcome::Refused {
                    continue;
                }
                for reason in &verdict.reasons {
                    match reasons.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, kinds)) => kinds.push(verdict.kind.as_str()),
                        None => reasons.push((reason, vec![verdict.kind.as_str()])),
                    }
                }
            }
            for (reason, kinds) in reasons {
                // A difference names the file and line on both sides; report the first
                // node's, where the operator looks first.
                let (setting, origin) = match reason {
                    Reason::KeysDiffer {
                        attribute, from, ..
                    } => (Some(Setting::from(*attribute)), from.origin.clone()),
                    Reason::AlgorithmsDiffer {
                        attribute, from, ..
                    } => (Some(Setting::from(*attribute)), from.origin.clone()),
                    Reason::ModesDiffer { from, .. } => (None, from.origin.clone()),
                    _ => (None, None),
                };
                findings.push(Finding {
                    subject: format!("{} -> {}", a.name(), b.name()),
                    warning: true,
                    setting,
                    origin,
                    message: format!("{}: {reason}", kinds.join(", ")),
                });
            }
        }
    }
    Ok(findings)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(app_path) = args.next() else {
        eprintln!("usage: farm_lint APP_PATH SERVER_DIR...");
        return ExitCode::from(2);
    };
    let mut servers = Vec::new();
    for dir in args {
        let path = Path::new(&dir);
        let stack = match stack(path) {
            Ok(stack) => stack,
            Err(e) => {
                eprintln!("{dir}: {e}");
                return ExitCode::from(2);
            }
        };
        // The application's own web.config, below the site's (none for the root application).
        let app_dir = app_path.trim_matches('/');
        let app_config = path.join(app_dir).join("web.config");
        let stack = if app_dir.is_empty() || !app_config.is_file() {
            stack
        } else {
            match ConfigFile::read(&app_config) {
                Ok(file) => stack.application_web_config(&app_path, file),
                Err(e) => {
                    eprintln!("{}: {e}", app_config.display());
                    return ExitCode::from(2);
                }
            }
        };
        servers.push((dir, stack));
    }
    match lint_farm(&app_path, &servers) {
        Ok(findings) => {
            for f in &findings {
                let at = f
                    .origin
                    .as_ref()
                    .map(|o| format!(" [{o}]"))
                    .unwrap_or_default();
                let level = if f.warning { "warning" } else { "notice" };
                println!("{}: {level}: {}{at}", f.subject, f.message);
            }
            if findings.iter().any(|f| f.warning) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use machinekey::config::KeyAttribute;
    use machinekey::config::lint::LintCode;

    /// Which key a finding is about, if it is about one.
    fn about_key(f: &Finding) -> Option<KeyAttribute> {
        f.setting.as_ref().and_then(Setting::key_attribute)
    }

    const K1: (&str, &str) = (
        "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
        "0123456789ABCDEF0123456789ABCDEF",
    );
    const K2: (&str, &str) = (
        "FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100",
        "FEDCBA9876543210FEDCBA9876543210",
    );

    fn web_config(keys: Option<(&str, &str)>) -> String {
        let machine_key = keys.map_or_else(String::new, |(v, d)| {
            format!(
                "\n    <machineKey validationKey=\"{v}\" decryptionKey=\"{d}\" validation=\"HMACSHA256\" decryption=\"AES\" />"
            )
        });
        format!(
            "<configuration>\n  <system.web>\n    <httpRuntime targetFramework=\"4.8\" />{machine_key}\n  </system.web>\n</configuration>"
        )
    }

    /// A server directory with its site web.config, read back from disk.
    fn server(root: &Path, name: &str, keys: Option<(&str, &str)>) -> (String, ConfigStack) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("web.config"), web_config(keys)).unwrap();
        (name.to_owned(), stack(&dir).unwrap())
    }

    #[test]
    fn names_the_server_the_setting_and_the_line() {
        let root = std::env::temp_dir().join(format!("farm-lint-{}", std::process::id()));
        let servers = [
            server(&root, "web1", Some(K1)),
            server(&root, "web2", Some(K1)),
            server(&root, "web3", Some(K2)),
        ];
        let findings = lint_farm("/", &servers).unwrap();
        // web1 and web2 agree; web3 differs from both, at line 4 of its web.config.
        assert!(
            !findings.iter().any(|f| f.subject == "web1 -> web2"),
            "{findings:#?}"
        );
        let differ = findings
            .iter()
            .find(|f| {
                f.subject == "web1 -> web3" && about_key(f) == Some(KeyAttribute::ValidationKey)
            })
            .expect("the validation keys differ");
        let origin = differ.origin.as_ref().unwrap();
        assert!(origin.file.ends_with("web.config"), "{origin}");
        assert_eq!(origin.line, 4);
        assert!(
            differ.message.contains("validationKeys differ"),
            "{differ:?}"
        );

        // A server left at AutoGenerate: a warning on its own, and with the others.
        let auto = [server(&root, "web4", None), server(&root, "web5", None)];
        let findings = lint_farm("/", &auto).unwrap();
        assert!(
            findings
                .iter()
                .any(|f| f.subject == "web4" && f.warning && f.message.contains("AutoGenerate"))
        );
        assert!(
            findings
                .iter()
                .any(|f| f.subject == "web4 -> web5" && f.message.contains("own keys")),
            "{findings:#?}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_leaked_key_is_a_warning_at_its_line() {
        let list = KeyList::builtin();
        let leaked = list
            .pairs()
            .iter()
            .find(|k| k.validation_key.len() == 128 && k.decryption_key.len() == 64)
            .unwrap();
        let root = std::env::temp_dir().join(format!("farm-lint-leak-{}", std::process::id()));
        let servers = [server(
            &root,
            "web1",
            Some((&leaked.validation_key, &leaked.decryption_key)),
        )];
        let findings = lint_farm("/", &servers).unwrap();
        let hit = findings
            .iter()
            .find(|f| f.message.contains("publicly known"))
            .expect("the leaked key is named");
        assert_eq!(about_key(hit), Some(KeyAttribute::ValidationKey));
        assert_eq!(hit.origin.as_ref().map(|o| o.line), Some(4));
        // The same finding, as the library's lint codes name it.
        let resolved = servers[0].1.resolve("/").unwrap();
        let summary = lint_resolved(&resolved, Some(&list)).unwrap();
        assert!(summary.lints.iter().any(|l| l.code == LintCode::KnownKey));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
