//! Data Protection scenarios: containers, IIS workers or servers that each resolve their key
//! ring at start-up through the repository model
//! ([`select_repository`]), then serve traffic whose cookies, antiforgery tokens, sessions
//! (ASP.NET Core) or tickets, ViewState and `MachineKey.Protect` values (ASP.NET 4.x with
//! the SystemWeb package) are protected by one process and read by another, with the real
//! formats.
//!
//! ```toml
//! system = "data-protection"     # selects this kind of scenario
//! name = "Three containers"
//! seed = 2026
//! requests = 3000
//! application = { kind = "core", content_root = "/app" }   # or kind = "systemweb", app_id = "/LM/W3SVC/1/ROOT/Shop"
//!
//! [[nodes]]
//! name = "web"
//! replicas = 3                   # web-1, web-2, web-3
//! kind = "container"             # or "iis-worker" (replicas share `machine`), "server"
//! environment = { os = "linux", user_profile = "/root", in_container = true }
//!
//! [[steps]]
//! name = "shared ring on a volume"
//! events = [{ event = "configure", configured_repository = "/keys", mounts = ["/keys"], application_name = "Shop" }]
//! ```
//!
//! Events: `configure` (`nodes`, and any of `configured_repository`, `mounts`,
//! `application_name`, `user_profile`, `autogenkeys_key_exists`; the nodes restart),
//! `grant` (`machine`: creates `AutoGenKeys\{SID}`, as `aspnet_regiis -ga` or
//! `Provision-AutoGenKeys.ps1` do; its workers recycle), `restart` (`nodes`: containers are
//! recreated, IIS workers recycle).
//!
//! Where keys are shared: an ephemeral ring belongs to one process; a container's own
//! directory to one container; a directory below a mount point to every node mounting that
//! path (one shared volume); the registry and profile directories to one machine; any other
//! configured repository (a UNC share, Redis, a database) to everyone who names it.
//! Processes start one after another, so the first one to find no key creates it and the
//! others read it (ASP.NET's two-minute refresh after start-up covers the race this hides).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toml::Spanned;

use super::{MAX_SCENARIO_FILE, SeededRandom};
use crate::dataprotection::repository::{
    HostEnvironment, LogLine, Repository, ephemeral_reason, select_repository, under_mount,
};
use crate::dataprotection::{DataProtector, KeyRing, consumers};
use crate::error::Error;
use crate::error::ScenarioError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    system: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_requests")]
    requests: usize,
    #[serde(default)]
    application: ApplicationSpec,
    nodes: Vec<Spanned<NodeSpec>>,
    #[serde(default)]
    steps: Vec<StepSpec>,
}

const fn default_seed() -> u64 {
    2026
}

const fn default_requests() -> usize {
    3000
}

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum AppKind {
    /// ASP.NET Core.
    #[default]
    Core,
    /// ASP.NET 4.x with `<machineKey dataProtectorType>`.
    Systemweb,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct ApplicationSpec {
    #[serde(default)]
    kind: AppKind,
    /// `SetApplicationName` / `<machineKey applicationName>`.
    #[serde(default)]
    name: Option<String>,
    /// ASP.NET Core's discriminator without a name.
    #[serde(default)]
    content_root: Option<String>,
    /// ASP.NET 4.x's discriminator without a name (`HttpRuntime.AppDomainAppId`).
    #[serde(default)]
    app_id: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum NodeKind {
    Container,
    IisWorker,
    Server,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct NodeSpec {
    name: String,
    #[serde(default = "one")]
    replicas: usize,
    kind: NodeKind,
    /// The machine (IIS workers of one pool share it; default: the node's name).
    #[serde(default)]
    machine: Option<String>,
    #[serde(default)]
    environment: HostEnvironment,
    /// This node's content root or app id, when it differs from the application's.
    #[serde(default)]
    content_root: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
}

const fn one() -> usize {
    1
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: String,
    #[serde(default)]
    events: Vec<Spanned<EventSpec>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(tag = "event", rename_all = "kebab-case", deny_unknown_fields)]
enum EventSpec {
    Configure {
        #[serde(default)]
        nodes: Option<Vec<String>>,
        #[serde(default)]
        configured_repository: Option<String>,
        #[serde(default)]
        mounts: Option<Vec<String>>,
        #[serde(default)]
        application_name: Option<String>,
        #[serde(default)]
        user_profile: Option<String>,
        #[serde(default)]
        autogenkeys_key_exists: Option<bool>,
    },
    Grant {
        machine: String,
    },
    Restart {
        #[serde(default)]
        nodes: Option<Vec<String>>,
    },
}

/// One process's view: where its ring lives and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProcessReport {
    /// The process (`web-2`, `w3wp #1 on web1`).
    pub name: String,
    /// The repository it chose.
    pub repository: Repository,
    /// The key store it shares (processes with the same store share keys).
    pub store: String,
    /// Its default key when it started.
    pub default_key: Option<String>,
    /// What ASP.NET logs while choosing.
    pub log: Vec<LogLine>,
    /// Why its ring is ephemeral, naming the missing registry key where that is the reason.
    pub ephemeral_reason: Option<String>,
}

/// What one consumer (cookie, antiforgery token, …) went through in a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConsumerReport {
    /// The consumer.
    pub name: String,
    /// Values carried back to a process.
    pub requests: u64,
    /// Of those, how many the serving process could not read.
    pub failures: u64,
    /// Why, with counts.
    pub reasons: BTreeMap<String, u64>,
}

impl ConsumerReport {
    /// `failures / requests` (0 without requests).
    #[must_use]
    pub fn failure_rate(&self) -> f64 {
        super::ratio(self.failures, self.requests)
    }
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataProtectionStep {
    /// The step's name.
    pub name: String,
    /// The processes after the step's events.
    pub processes: Vec<ProcessReport>,
    /// Per consumer.
    pub consumers: Vec<ConsumerReport>,
}

impl DataProtectionStep {
    /// All failures over all consumers, and all requests.
    #[must_use]
    pub fn totals(&self) -> (u64, u64) {
        self.consumers
            .iter()
            .fold((0, 0), |(f, r), c| (f + c.failures, r + c.requests))
    }
}

/// A Data Protection scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataProtectionReport {
    /// The scenario's name.
    pub name: String,
    /// The steps, in order (the first is the state before any event).
    pub steps: Vec<DataProtectionStep>,
}

impl DataProtectionReport {
    /// Failures per step and consumer, where each process keeps its keys, and why values
    /// fail.
    #[must_use]
    pub fn table(&self) -> String {
        use core::fmt::Write as _;
        let mut out = format!("{}\n\n", self.name);
        for step in &self.steps {
            let (f, r) = step.totals();
            let _ = writeln!(
                out,
                "{:<48} {:>6}/{:<6} {:>3.0}% failed",
                step.name,
                f,
                r,
                100.0 * super::ratio(f, r)
            );
            for c in &step.consumers {
                let _ = writeln!(
                    out,
                    "    {:<44} {:>6}/{:<6} {:>3.0}%",
                    c.name,
                    c.failures,
                    c.requests,
                    100.0 * c.failure_rate()
                );
            }
            let mut stores: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for p in &step.processes {
                stores.entry(&p.store).or_default().push(&p.name);
            }
            for (store, names) in stores {
                let _ = writeln!(out, "    keys: {} <- {}", store, names.join(", "));
            }
            let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
            for c in &step.consumers {
                for (r, n) in &c.reasons {
                    *reasons.entry(r).or_default() += n;
                }
            }
            if let Some((r, _)) = reasons.iter().max_by_key(|(_, n)| **n) {
                let _ = writeln!(out, "    why (most common): {r}");
            }
            if let Some(p) = step
                .processes
                .iter()
                .find_map(|p| p.ephemeral_reason.as_ref())
            {
                let _ = writeln!(out, "    ephemeral: {p}");
            }
        }
        out
    }
}

/// A Data Protection scenario read from a file.
#[derive(Debug)]
pub struct DataProtectionScenario {
    file: File,
    text: String,
}

#[derive(Debug, Clone)]
struct Process {
    name: String,
    node: usize,
    instance: String,
    machine: String,
    env: HostEnvironment,
    generation: u64,
}

struct Running {
    report: ProcessReport,
    protectors: Vec<(String, DataProtector)>,
}

impl DataProtectionScenario {
    /// Parses a scenario (`system = "data-protection"`).
    ///
    /// # Errors
    /// A [`ScenarioError`] with the line and column of the mistake.
    ///
    /// # Example
    /// ```
    /// use machinekey::sim::data_protection::DataProtectionScenario;
    /// let s = DataProtectionScenario::from_toml(r#"
    /// system = "data-protection"
    /// requests = 300
    /// [[nodes]]
    /// name = "web"
    /// replicas = 3
    /// kind = "container"
    /// environment = { os = "linux", in_container = true }
    /// "#)?;
    /// let report = s.run()?;
    /// let (failures, requests) = report.steps[0].totals();
    /// assert!(failures * 2 > requests); // about 2 in 3: every container has its own ring
    /// # Ok::<(), machinekey::sim::scenario::ScenarioError>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, ScenarioError> {
        let file: File = toml::from_str(text)
            .map_err(|e| ScenarioError::located(text, e.span().map(|s| s.start), e.message()))?;
        let s = Self {
            file,
            text: text.to_owned(),
        };
        if s.file.system != "data-protection" {
            return Err(ScenarioError::new(format!(
                "system = {:?}: expected \"data-protection\"",
                s.file.system
            )));
        }
        if s.file.nodes.is_empty() {
            return Err(ScenarioError::new(
                "a scenario needs at least one [[nodes]]",
            ));
        }
        for n in &s.file.nodes {
            if n.get_ref().replicas == 0 || n.get_ref().replicas > 64 {
                return Err(s.at(n.span(), "replicas is 1 to 64"));
            }
        }
        if s.file.requests == 0 || s.file.requests > 1_000_000 {
            return Err(ScenarioError::new("requests is 1 to 1,000,000"));
        }
        Ok(s)
    }

    /// Reads and parses a scenario file (at most 1 MiB).
    ///
    /// # Errors
    /// A [`ScenarioError`].
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        Self::from_toml(&crate::bounded::read_text(path, MAX_SCENARIO_FILE)?)
    }

    fn at(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(&self.text, span.start, message)
    }

    fn processes(&self) -> Vec<Process> {
        let mut out = Vec::new();
        for (i, n) in self.file.nodes.iter().enumerate() {
            let n = n.get_ref();
            for r in 0..n.replicas {
                let name = if n.replicas == 1 {
                    n.name.clone()
                } else if n.kind == NodeKind::IisWorker {
                    format!("{} w3wp #{}", n.name, r + 1)
                } else {
                    format!("{}-{}", n.name, r + 1)
                };
                let machine = match (n.kind, &n.machine) {
                    (NodeKind::IisWorker, Some(m)) => m.clone(),
                    (NodeKind::IisWorker, None) => n.name.clone(),
                    (_, Some(m)) if n.replicas == 1 => m.clone(),
                    _ => name.clone(),
                };
                out.push(Process {
                    instance: name.clone(),
                    name,
                    node: i,
                    machine,
                    env: n.environment.clone(),
                    generation: 0,
                });
            }
        }
        out
    }

    /// Runs the scenario: a measured step before any event, then one per `[[steps]]`.
    ///
    /// # Errors
    /// A [`ScenarioError`] naming an event's unknown node or machine.
    ///
    /// # Example
    /// See [`from_toml`](Self::from_toml).
    pub fn run(&self) -> Result<DataProtectionReport, ScenarioError> {
        let rng = SeededRandom::new(self.file.seed);
        let mut processes = self.processes();
        let mut stores: BTreeMap<String, KeyRing> = BTreeMap::new();
        // Simulated time: one day per step, from a fixed start.
        let start = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let mut app_name = self.file.application.name.clone();
        let mut steps = Vec::new();
        let mut running =
            self.start_all(&processes, &mut stores, &rng, start, app_name.as_deref())?;
        steps.push(self.measure("before any change", &running, &rng));
        for (i, step) in self.file.steps.iter().enumerate() {
            let now = start + time::Duration::days(i64::try_from(i).unwrap_or(0) + 1);
            for ev in &step.events {
                self.apply(ev, &mut processes, &mut app_name)?;
            }
            // Every process restarts after a step's events only if it changed; simpler and
            // as observable: restart the ones whose generation moved.
            running = self.start_all(&processes, &mut stores, &rng, now, app_name.as_deref())?;
            steps.push(self.measure(&step.name, &running, &rng));
        }
        Ok(DataProtectionReport {
            name: self
                .file
                .name
                .clone()
                .unwrap_or_else(|| "Data Protection scenario".to_owned()),
            steps,
        })
    }

    fn apply(
        &self,
        ev: &Spanned<EventSpec>,
        processes: &mut [Process],
        app_name: &mut Option<String>,
    ) -> Result<(), ScenarioError> {
        let node_names: Vec<&str> = self
            .file
            .nodes
            .iter()
            .map(|n| n.get_ref().name.as_str())
            .collect();
        let selected = |nodes: &Option<Vec<String>>| -> Result<Vec<usize>, ScenarioError> {
            match nodes {
                None => Ok((0..node_names.len()).collect()),
                Some(list) => list
                    .iter()
                    .map(|n| {
                        node_names
                            .iter()
                            .position(|x| x == n)
                            .ok_or_else(|| self.at(ev.span(), format!("no node named {n:?}")))
                    })
                    .collect(),
            }
        };
        match ev.get_ref() {
            EventSpec::Configure {
                nodes,
                configured_repository,
                mounts,
                application_name,
                user_profile,
                autogenkeys_key_exists,
            } => {
                let chosen = selected(nodes)?;
                if let Some(n) = application_name {
                    *app_name = Some(n.clone());
                }
                for p in processes.iter_mut().filter(|p| chosen.contains(&p.node)) {
                    if let Some(r) = configured_repository {
                        p.env.configured_repository = Some(r.clone());
                    }
                    if let Some(m) = mounts {
                        p.env.mounts.clone_from(m);
                    }
                    if let Some(u) = user_profile {
                        p.env.user_profile = Some(u.clone());
                    }
                    if let Some(k) = autogenkeys_key_exists {
                        p.env.autogenkeys_key_exists = *k;
                    }
                    p.generation += 1;
                }
            }
            EventSpec::Grant { machine } => {
                let mut any = false;
                for p in processes.iter_mut().filter(|p| &p.machine == machine) {
                    p.env.autogenkeys_key_exists = true;
                    p.generation += 1;
                    any = true;
                }
                if !any {
                    return Err(
                        self.at(ev.span(), format!("no process runs on machine {machine:?}"))
                    );
                }
            }
            EventSpec::Restart { nodes } => {
                let chosen = selected(nodes)?;
                for p in processes.iter_mut().filter(|p| chosen.contains(&p.node)) {
                    p.generation += 1;
                }
            }
        }
        Ok(())
    }

    /// Where a process's keys live: the store id that decides sharing.
    fn store_of(p: &Process, repo: &Repository, container_local: bool) -> String {
        let env = &p.env;
        match repo {
            Repository::Ephemeral => format!("the memory of {} (start {})", p.name, p.generation),
            _ if container_local => format!(
                "{} inside container {} (deployment {})",
                repo.location().unwrap_or_default(),
                p.instance,
                p.generation
            ),
            Repository::Registry { path } => format!("{path} on {}", p.machine),
            Repository::UserProfile { path, .. } => format!("{path} on {}", p.machine),
            Repository::Configured { location }
            | Repository::ReadOnlyDirectory { path: location } => {
                let mounted = under_mount(env, location);
                let local_path =
                    location.starts_with('/') || location.get(1..3).is_some_and(|s| s == ":\\");
                if mounted || !local_path {
                    format!("{location} (shared)")
                } else {
                    format!("{location} on {}", p.machine)
                }
            }
            Repository::AzureAppService { path } => format!("{path} (App Service slot share)"),
        }
    }

    fn discriminator(&self, p: &Process, app_name: Option<&str>) -> Option<String> {
        let node = self.file.nodes.get(p.node).map(Spanned::get_ref);
        let app = &self.file.application;
        let d = match app_name {
            Some(n) => n.to_owned(),
            None => match app.kind {
                AppKind::Core => node
                    .and_then(|n| n.content_root.clone())
                    .or_else(|| app.content_root.clone())
                    .unwrap_or_else(|| "/app/".to_owned()),
                AppKind::Systemweb => node
                    .and_then(|n| n.app_id.clone())
                    .or_else(|| app.app_id.clone())
                    .unwrap_or_else(|| "/LM/W3SVC/1/ROOT".to_owned()),
            },
        };
        let d = d.trim();
        (!d.is_empty()).then(|| d.to_owned())
    }

    fn consumers(&self) -> Vec<(String, Vec<String>)> {
        match self.file.application.kind {
            AppKind::Core => vec![
                (
                    "login cookie (Identity.Application)".to_owned(),
                    consumers::cookie_authentication("Identity.Application"),
                ),
                (
                    "antiforgery token".to_owned(),
                    vec!["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1".to_owned()],
                ),
                (
                    "session cookie".to_owned(),
                    vec!["SessionMiddleware".to_owned()],
                ),
            ],
            AppKind::Systemweb => vec![
                (
                    "forms ticket".to_owned(),
                    vec!["FormsAuthentication.Ticket".to_owned()],
                ),
                (
                    "ViewState (/default.aspx)".to_owned(),
                    vec![
                        "WebForms.HiddenFieldPageStatePersister.ClientState".to_owned(),
                        "TemplateSourceDirectory: /".to_owned(),
                        "Type: DEFAULT_ASPX".to_owned(),
                    ],
                ),
                (
                    "MachineKey.Protect".to_owned(),
                    vec!["User.MachineKey.Protect".to_owned(), "Sessions".to_owned()],
                ),
            ],
        }
    }

    fn start_all(
        &self,
        processes: &[Process],
        stores: &mut BTreeMap<String, KeyRing>,
        rng: &SeededRandom,
        now: OffsetDateTime,
        app_name: Option<&str>,
    ) -> Result<Vec<Running>, ScenarioError> {
        let mut out = Vec::with_capacity(processes.len());
        for p in processes {
            let choice = select_repository(&p.env);
            let store = Self::store_of(p, &choice.repository, choice.container_local);
            let ring = stores.entry(store.clone()).or_default();
            if ring.default_key(now).is_none()
                && !matches!(choice.repository, Repository::ReadOnlyDirectory { .. })
            {
                ring.generate_key(now, rng).map_err(ScenarioError::from)?;
            }
            let snapshot = ring.clone();
            let default_key = snapshot.default_key(now).map(|k| k.id().to_string());
            let discriminator = self.discriminator(p, app_name);
            let protectors = self
                .consumers()
                .into_iter()
                .map(|(name, purposes)| {
                    let chain: Vec<String> =
                        discriminator.iter().cloned().chain(purposes).collect();
                    snapshot.protector(&chain).map(|pr| (name, pr.at(now)))
                })
                .collect::<Result<Vec<_>, Error>>()
                .map_err(ScenarioError::from)?;
            out.push(Running {
                report: ProcessReport {
                    name: p.name.clone(),
                    repository: choice.repository,
                    store,
                    default_key,
                    log: choice.log,
                    ephemeral_reason: ephemeral_reason(&p.env),
                },
                protectors,
            });
        }
        Ok(out)
    }

    fn measure(&self, name: &str, running: &[Running], rng: &SeededRandom) -> DataProtectionStep {
        let n = running.len();
        let consumer_names: Vec<String> = self.consumers().into_iter().map(|(c, _)| c).collect();
        let mut reports: Vec<ConsumerReport> = consumer_names
            .iter()
            .map(|c| ConsumerReport {
                name: c.clone(),
                requests: 0,
                failures: 0,
                reasons: BTreeMap::new(),
            })
            .collect();
        // Each (issuer, server, consumer) outcome is computed once with the real format.
        let mut outcome: BTreeMap<(usize, usize, usize), Option<String>> = BTreeMap::new();
        let mut issued: BTreeMap<(usize, usize), Option<Vec<u8>>> = BTreeMap::new();
        for _ in 0..self.file.requests {
            let from = rng.below(n);
            let to = rng.below(n);
            for (c, report) in reports.iter_mut().enumerate() {
                let result = outcome.entry((from, to, c)).or_insert_with(|| {
                    let value = issued
                        .entry((from, c))
                        .or_insert_with(|| {
                            running
                                .get(from)
                                .and_then(|r| r.protectors.get(c))
                                .and_then(|(_, p)| p.protect(b"state").ok())
                        })
                        .clone();
                    let (Some(value), Some(issuer), Some(server)) =
                        (value, running.get(from), running.get(to))
                    else {
                        return Some("the issuing process could not protect".to_owned());
                    };
                    let reader = server.protectors.get(c).map(|(_, p)| p);
                    match reader.map(|p| p.unprotect(&value)) {
                        Some(Ok(_)) => None,
                        Some(Err(Error::KeyNotFound(id))) => Some(format!(
                            "The key {} was not found in the key ring: {} keeps its keys in {}, {} in {}{}",
                            id.braced(),
                            issuer.report.name,
                            issuer.report.store,
                            server.report.name,
                            server.report.store,
                            server
                                .report
                                .ephemeral_reason
                                .as_ref()
                                .map(|r| format!(" ({r})"))
                                .unwrap_or_default()
                        )),
                        Some(Err(Error::Unprotect)) => Some(format!(
                            "The payload was invalid: same key ring, different purpose chain (application discriminator of {} differs from {})",
                            issuer.report.name, server.report.name
                        )),
                        Some(Err(e)) => Some(e.to_string()),
                        None => Some("no protector".to_owned()),
                    }
                });
                report.requests += 1;
                if let Some(reason) = result {
                    report.failures += 1;
                    *report.reasons.entry(reason.clone()).or_default() += 1;
                }
            }
        }
        DataProtectionStep {
            name: name.to_owned(),
            processes: running.iter().map(|r| r.report.clone()).collect(),
            consumers: reports,
        }
    }
}
