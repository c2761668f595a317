//! The diagnosis as text for an operator, and as compat nodes named by server, site and
//! application.

use super::app::spec_text;
use super::{AppDiagnosis, Diagnosis, StoreKind};
use crate::config::Section;
use crate::iis::identity::SidSource;
use crate::iis::server::ServerKind;
use crate::keys::store::RegistryView;

impl Diagnosis {
    /// The diagnosis as text for an operator: pools, applications, then findings with
    /// their fixes. Never key bytes.
    #[must_use]
    #[allow(clippy::too_many_lines)]
    pub fn to_text(&self) -> String {
        use core::fmt::Write as _;
        let mut o = String::new();
        let kind = match self.kind {
            ServerKind::Iis => format!(
                "IIS, schema defaults of IIS {}",
                self.schema.map_or("?", |s| s.as_str())
            ),
            ServerKind::IisExpress => "IIS Express".to_owned(),
            ServerKind::Iis6 => "IIS 6 metabase".to_owned(),
        };
        let _ = writeln!(o, "server {} ({}: {kind})", self.server, self.file);
        for p in &self.pools {
            if p.applications.is_empty() {
                continue;
            }
            let sid = match (&p.identity.sid, &p.identity.sid_source) {
                (Some(s), SidSource::Supplied(src)) => format!("SID {s} ({src})"),
                (Some(s), SidSource::Computed) => format!("SID {s} (computed)"),
                (Some(s), _) => format!("SID {s}"),
                (None, _) => "SID unknown".to_owned(),
            };
            let _ = writeln!(
                o,
                "\npool {}: {} ({}), {sid}",
                p.name,
                p.identity.account,
                p.identity
                    .identity_type
                    .map_or("IIS Express user", |t| t.as_str())
            );
            let _ = writeln!(
                o,
                "  {} worker{}, runtime {}{}, {}-bit registry view, profile {}",
                if p.workers == 0 {
                    "one per NUMA node".to_owned()
                } else {
                    p.workers.to_string()
                },
                if p.workers == 1 { "" } else { "s" },
                p.runtime.label(),
                p.key_version.map(|v| format!(" ({v})")).unwrap_or_default(),
                if p.view == RegistryView::Bits32 {
                    32
                } else {
                    64
                },
                match (p.identity.profile_loaded, p.load_user_profile) {
                    (true, _) => "loaded".to_owned(),
                    (false, Some(false)) => format!(
                        "not loaded (loadUserProfile=false, {})",
                        p.origins
                            .get("processModel.loadUserProfile")
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                    (false, _) => "not loaded".to_owned(),
                }
            );
            let ks = &p.key_store;
            if ks.store != StoreKind::NotApplicable {
                let _ = writeln!(o, "  AutoGenerate keys: {}", ks.description);
                let _ = writeln!(o, "    store: {}", ks.location);
                if let Some(acl) = &ks.acl {
                    let yn = |b: Option<bool>| match b {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    };
                    let _ = writeln!(
                        o,
                        "    key exists: {}{}",
                        yn(acl.exists),
                        acl.exists_from
                            .as_ref()
                            .map(|f| format!(" ({f})"))
                            .unwrap_or_default()
                    );
                    match &acl.acl_from {
                        Some(from) => {
                            let _ = writeln!(
                                o,
                                "    ACL ({from}{}): read {}, write {}, create {}{}",
                                if acl.inherited_from_parent {
                                    ", as the key inherits it"
                                } else {
                                    ""
                                },
                                yn(acl.read),
                                yn(acl.write),
                                yn(acl.create),
                                acl.decided_by
                                    .as_ref()
                                    .map(|d| format!(", denied by {d}"))
                                    .unwrap_or_default()
                            );
                        }
                        None => {
                            let _ = writeln!(o, "    ACL: not collected");
                        }
                    }
                }
                if let Some(s) = &ks.stored {
                    let _ = writeln!(o, "    stored: {s}");
                }
            } else {
                let _ = writeln!(o, "  {}", ks.description);
            }
        }
        for a in &self.applications {
            let _ = writeln!(
                o,
                "\napp {} ({}, pool {}): {}{}",
                a.label,
                a.app_id,
                a.pool,
                a.physical_path,
                a.local_path
                    .as_ref()
                    .map(|l| format!(" -> {l}"))
                    .unwrap_or_default()
            );
            for f in &a.config_files {
                let _ = writeln!(o, "  read {f}");
            }
            if let Some(s) = &a.machine_key {
                let _ = writeln!(
                    o,
                    "  machineKey: validationKey {}, decryptionKey {}, validation {}, decryption {}, {}",
                    spec_text(&s.validation_key),
                    spec_text(&s.decryption_key),
                    s.validation,
                    s.decryption,
                    s.mode
                );
                for (setting, origin) in &s.origins {
                    if matches!(
                        setting.section(),
                        Section::MachineKey | Section::HttpRuntime
                    ) {
                        let _ = writeln!(o, "    {setting}: {origin}");
                    }
                }
            }
            if let Some(i) = &a.isolation {
                let _ = writeln!(o, "  isolation: {i}");
            }
            if let Some(m) = a.session_state {
                let _ = writeln!(
                    o,
                    "  session state: {}{}",
                    m,
                    a.session_state_origin
                        .as_ref()
                        .map_or_else(|| " (default)".to_owned(), |x| format!(" ({x})"))
                );
            }
            if let Some(e) = &a.error {
                let _ = writeln!(o, "  not resolved: {e}");
            }
        }
        if self.findings.is_empty() {
            let _ = writeln!(o, "\nno findings");
        } else {
            let _ = writeln!(o, "\nfindings:");
            for f in &self.findings {
                let _ = writeln!(
                    o,
                    "[{}] {} ({}): {}",
                    f.severity.as_str(),
                    f.id,
                    f.subject,
                    f.message
                );
                for (i, fix) in f.fixes.iter().enumerate() {
                    let _ = writeln!(o, "    fix {}: {fix}", i + 1);
                }
            }
        }
        o
    }

    /// One [`compat::Node`](crate::compat::Node) per application, named
    /// `<server>/<site>/<path>` (`web1/Default Web Site/Shop`), from its resolved
    /// configuration, with the AutoGenerate keys the registry export holds for its pool's
    /// store (without them, AutoGenerate keys are the process's own, as
    /// [`Node::new`](crate::compat::Node::new) says). Applications whose configuration was
    /// not resolved are left out.
    #[must_use]
    pub fn compat_nodes(&self) -> Vec<crate::compat::Node> {
        self.applications
            .iter()
            .filter_map(|a| {
                let resolved = a.resolved.as_ref()?;
                let identity = a.identity.clone()?;
                let name = format!("{}/{}", self.server, node_label(a));
                let node = crate::compat::Node::from_resolved(&name, resolved, identity);
                let stored = self
                    .stored_keys
                    .iter()
                    .find(|(pool, _)| pool.eq_ignore_ascii_case(&a.pool))
                    .and_then(|(_, k)| k.as_ref());
                Some(match stored {
                    Some((keys, source)) => node.with_autogen(keys.clone(), source),
                    None => node,
                })
            })
            .collect()
    }

    /// The node of [`compat_nodes`](Self::compat_nodes) named `name`: `site/path` or
    /// `<server>/site/path`, the site by name or id, a trailing slash optional.
    #[must_use]
    pub fn compat_node(&self, name: &str) -> Option<crate::compat::Node> {
        let rest = name
            .strip_prefix(&format!("{}/", self.server))
            .unwrap_or(name);
        let app = self.application(rest)?;
        let wanted = format!("{}/{}", self.server, node_label(app));
        self.compat_nodes().into_iter().find(|n| n.name() == wanted)
    }
}

/// `site/path` without the leading slash of the path (`Default Web Site/Shop`,
/// `Default Web Site/` for a root).
fn node_label(a: &AppDiagnosis) -> String {
    format!("{}/{}", a.site, a.path.trim_start_matches('/'))
}
