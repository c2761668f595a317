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
//! `application_name`, `user_profile`, `autogenkeys_key_exists`, `home_missing`; the nodes
//! restart), `grant` (`machine`: creates `AutoGenKeys\{SID}`, as `aspnet_regiis -ga` or
//! `Provision-AutoGenKeys.ps1` do; its workers recycle), `restart` (`nodes`: containers are
//! recreated, IIS workers recycle; `together = true`: they all read the store before any of
//! them writes a key), `rolling-deploy` (`nodes`: replaced one by one, so old and new processes
//! serve side by side during the step). Nodes may set their own `application_name`;
//! `application.session_store` (`memory` or `shared`) measures session data as well as its
//! cookie; `minutes` spreads a step's requests over that time.
//!
//! ASP.NET Core behaviours it follows, each checked against real ASP.NET Core 10 (the
//! `aspnetcore_replicas` scenarios in this crate's tests): where keys go without
//! `PersistKeysTo…` (the profile's `.aspnet/DataProtection-Keys`, the account's home when
//! `HOME` is unset, the working directory when `HOME` names a missing directory, warning 60 in
//! a container); the antiforgery cookie's name, which hashes the discriminator (replicas with
//! two names do not even find each other's cookie); the session cache of
//! `AddDistributedMemoryCache`, one per process; and the ring re-read on a missing key in a
//! process's first two minutes (`KeyRingProvider.InAutoRefreshWindow`, 3.0 and later), which
//! is what lets replicas that started together find each other's keys. Each step also
//! reports what happens to values made before it (`carried_over`: a restart or deploy
//! logging users out) and, for small fleets, every pair's outcome at its first request.
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
use crate::dataprotection::consumers::{antiforgery_cookie_name, content_root_discriminator};
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
    /// How long each step's requests take, in minutes (they are spread evenly over it): the
    /// first two minutes after a process starts are its window for re-reading the ring on a
    /// missing key.
    #[serde(default = "default_minutes")]
    minutes: u32,
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

const fn default_minutes() -> u32 {
    60
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
    /// Where session data lives (`memory`: `AddDistributedMemoryCache`, each process its own;
    /// `shared`: Redis, SQL Server). Unset: session data is not measured, only its cookie.
    #[serde(default)]
    session_store: Option<SessionStore>,
}

/// Where session data lives (`AddDistributedMemoryCache`: each process its own).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum SessionStore {
    Memory,
    Shared,
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
    /// This node's `SetApplicationName`, when it differs from the application's.
    #[serde(default)]
    application_name: Option<String>,
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
        #[serde(default)]
        home_missing: Option<bool>,
    },
    Grant {
        machine: String,
    },
    Restart {
        #[serde(default)]
        nodes: Option<Vec<String>>,
        /// All start at once: each reads the store before any writes a key.
        #[serde(default)]
        together: bool,
    },
    /// Replaces the nodes' processes one at a time: during the step, old and new processes
    /// serve side by side.
    RollingDeploy {
        #[serde(default)]
        nodes: Option<Vec<String>>,
    },
}

const LOGIN: &str = "login cookie (Identity.Application)";
const ANTIFORGERY: &str = "antiforgery token";
const SESSION: &str = "session cookie";
const SESSION_DATA: &str = "session data";

/// What a value made by one process does on another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Outcome {
    /// Read.
    Read,
    /// Read after re-reading the ring (a missing key, in the reader's first two minutes).
    ReadAfterReread,
    /// "The key {…} was not found in the key ring."
    KeyNotFound {
        /// The key.
        key: String,
    },
    /// "The payload was invalid.": another purpose chain (discriminator).
    PayloadInvalid,
    /// The reader looks for another antiforgery cookie: its name hashes the discriminator.
    CookieNotPresent {
        /// The cookie the reader wants.
        expected: String,
        /// The cookie the browser holds.
        held: String,
    },
    /// The session cookie was read, but the data is in another process's memory.
    SessionDataMissing,
    /// Something else.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// Whether the value was read.
    #[must_use]
    pub fn is_read(&self) -> bool {
        matches!(self, Self::Read | Self::ReadAfterReread)
    }
}

/// The outcome of one consumer's value made by `from` and sent to `to`, at the step's first
/// request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairOutcome {
    /// The process that made the value.
    pub from: String,
    /// The process it was sent to.
    pub to: String,
    /// The consumer (`login cookie (Identity.Application)`, `antiforgery token`,
    /// `session cookie`, `session data`).
    pub consumer: String,
    /// What happened.
    pub outcome: Outcome,
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
    /// Its application discriminator (`SetApplicationName`, else the content root with one
    /// trailing separator).
    pub discriminator: Option<String>,
    /// The name of the antiforgery cookie it sets and reads (it hashes the discriminator).
    pub antiforgery_cookie: String,
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
    /// Per consumer, the values made before the step (by the processes of the step before)
    /// and brought back after it: what a restart or a deploy does to existing logins.
    pub carried_over: Vec<ConsumerReport>,
    /// Every ordered pair of processes at the step's first request, per consumer (fleets of
    /// up to 16 processes).
    pub pairs: Vec<PairOutcome>,
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
            for c in step.carried_over.iter().filter(|c| c.requests > 0) {
                let _ = writeln!(
                    out,
                    "    {:<44} {:>6}/{:<6} {:>3.0}%",
                    format!("{} made before the step", c.name),
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
    /// `SetApplicationName`, when set.
    app_name: Option<String>,
    /// Restarted with others at once (each reads the store before any writes).
    together: bool,
}

/// A running process: its ring as it last read it, and what it protects with.
#[derive(Clone)]
struct Running {
    report: ProcessReport,
    index: usize,
    node: usize,
    generation: u64,
    store: String,
    /// Started in this step: in its first two minutes it re-reads the ring on a missing key.
    fresh: bool,
    /// Counts the re-reads of its ring (outcomes are cached per version).
    version: u32,
    snapshot: KeyRing,
    now: OffsetDateTime,
    protectors: Vec<(String, DataProtector)>,
}

impl Running {
    /// The same process, serving beside its replacement during a rolling deploy.
    fn as_old(&self) -> Self {
        let mut old = self.clone();
        old.report.name = format!("{} (old)", old.report.name);
        old.fresh = false;
        old
    }
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
                    app_name: n
                        .application_name
                        .clone()
                        .or_else(|| self.file.application.name.clone()),
                    together: false,
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
        let mut steps = Vec::new();
        let fresh: Vec<bool> = vec![true; processes.len()];
        let mut running = self.start_all(&processes, &fresh, &mut stores, &rng, start)?;
        steps.push(self.measure("before any change", &mut running, &[], &[], &stores, &rng));
        for (i, step) in self.file.steps.iter().enumerate() {
            let now = start + time::Duration::days(i64::try_from(i).unwrap_or(0) + 1);
            let before: Vec<u64> = processes.iter().map(|p| p.generation).collect();
            let mut rolled = Vec::new();
            for p in &mut processes {
                p.together = false;
            }
            for ev in &step.events {
                rolled.extend(self.apply(ev, &mut processes)?);
            }
            let restarted: Vec<bool> = processes
                .iter()
                .zip(&before)
                .map(|(p, g)| p.generation != *g)
                .collect();
            let previous = running;
            running = self.start_all(&processes, &restarted, &mut stores, &rng, now)?;
            // During a rolling deploy the replaced processes still serve beside the new ones.
            let old: Vec<&Running> = previous
                .iter()
                .filter(|r| {
                    rolled.contains(&r.node) && restarted.get(r.index).copied().unwrap_or(false)
                })
                .collect();
            let old_fleet: Vec<Running> = old.into_iter().map(Running::as_old).collect();
            steps.push(self.measure(
                &step.name,
                &mut running,
                &old_fleet,
                &previous,
                &stores,
                &rng,
            ));
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

    /// Applies an event; returns the nodes it rolled (a rolling deploy).
    fn apply(
        &self,
        ev: &Spanned<EventSpec>,
        processes: &mut [Process],
    ) -> Result<Vec<usize>, ScenarioError> {
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
                home_missing,
            } => {
                let chosen = selected(nodes)?;
                for p in processes.iter_mut().filter(|p| chosen.contains(&p.node)) {
                    if let Some(n) = application_name {
                        p.app_name = Some(n.clone());
                    }
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
                    if let Some(h) = home_missing {
                        p.env.home_missing = *h;
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
            EventSpec::Restart { nodes, together } => {
                let chosen = selected(nodes)?;
                for p in processes.iter_mut().filter(|p| chosen.contains(&p.node)) {
                    p.generation += 1;
                    p.together = *together;
                }
            }
            EventSpec::RollingDeploy { nodes } => {
                let chosen = selected(nodes)?;
                for p in processes.iter_mut().filter(|p| chosen.contains(&p.node)) {
                    p.generation += 1;
                }
                return Ok(chosen);
            }
        }
        Ok(Vec::new())
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

    fn discriminator(&self, p: &Process) -> Option<String> {
        let node = self.file.nodes.get(p.node).map(Spanned::get_ref);
        let app = &self.file.application;
        let d = match &p.app_name {
            Some(n) => n.to_owned(),
            None => match app.kind {
                AppKind::Core => content_root_discriminator(
                    &node
                        .and_then(|n| n.content_root.clone())
                        .or_else(|| app.content_root.clone())
                        .or_else(|| p.env.working_directory.clone())
                        .unwrap_or_else(|| "/app/".to_owned()),
                ),
                AppKind::Systemweb => node
                    .and_then(|n| n.app_id.clone())
                    .or_else(|| app.app_id.clone())
                    .unwrap_or_else(|| "/LM/W3SVC/1/ROOT".to_owned()),
            },
        };
        // `SetApplicationName` keeps the name as given; the default discriminator is trimmed.
        if p.app_name.is_some() {
            return (!d.is_empty()).then_some(d);
        }
        let d = d.trim();
        (!d.is_empty()).then(|| d.to_owned())
    }

    fn consumers(&self) -> Vec<(String, Vec<String>)> {
        match self.file.application.kind {
            AppKind::Core => {
                let mut v = vec![
                    (
                        LOGIN.to_owned(),
                        consumers::cookie_authentication("Identity.Application"),
                    ),
                    (
                        ANTIFORGERY.to_owned(),
                        vec!["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1".to_owned()],
                    ),
                    (SESSION.to_owned(), vec!["SessionMiddleware".to_owned()]),
                ];
                if self.file.application.session_store.is_some() {
                    v.push((
                        SESSION_DATA.to_owned(),
                        vec!["SessionMiddleware".to_owned()],
                    ));
                }
                v
            }
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
        restarted: &[bool],
        stores: &mut BTreeMap<String, KeyRing>,
        rng: &SeededRandom,
        now: OffsetDateTime,
    ) -> Result<Vec<Running>, ScenarioError> {
        // Processes started together read the store before any of them writes a key.
        let mut early: BTreeMap<usize, KeyRing> = BTreeMap::new();
        for (i, p) in processes.iter().enumerate().filter(|(_, p)| p.together) {
            let choice = select_repository(&p.env);
            let store = Self::store_of(p, &choice.repository, choice.container_local);
            early.insert(i, stores.get(&store).cloned().unwrap_or_default());
        }
        let mut out = Vec::with_capacity(processes.len());
        for (i, p) in processes.iter().enumerate() {
            let choice = select_repository(&p.env);
            let store = Self::store_of(p, &choice.repository, choice.container_local);
            let writable = !matches!(choice.repository, Repository::ReadOnlyDirectory { .. });
            let snapshot = match early.remove(&i) {
                Some(mut seen) => {
                    if seen.default_key(now).is_none() && writable {
                        let id = seen.generate_key(now, rng).map_err(ScenarioError::from)?;
                        if let Some(k) = seen.key(id) {
                            let _ = stores.entry(store.clone()).or_default().add(k.clone());
                        }
                    }
                    seen
                }
                None => {
                    let ring = stores.entry(store.clone()).or_default();
                    if ring.default_key(now).is_none() && writable {
                        ring.generate_key(now, rng).map_err(ScenarioError::from)?;
                    }
                    ring.clone()
                }
            };
            let default_key = snapshot.default_key(now).map(|k| k.id().to_string());
            let discriminator = self.discriminator(p);
            let protectors = self.protectors(&snapshot, discriminator.as_deref(), now)?;
            let mut log = choice.log;
            if choice.under_working_directory {
                log.push(LogLine {
                    level: "Information",
                    source: "(working directory)",
                    message: "HOME names a directory that does not exist (or the key path is relative): the keys are under the working directory".to_owned(),
                });
            }
            out.push(Running {
                report: ProcessReport {
                    name: p.name.clone(),
                    repository: choice.repository,
                    store: store.clone(),
                    default_key,
                    log,
                    ephemeral_reason: ephemeral_reason(&p.env),
                    antiforgery_cookie: antiforgery_cookie_name(
                        discriminator.as_deref().unwrap_or(""),
                    ),
                    discriminator,
                },
                index: i,
                node: p.node,
                generation: p.generation,
                store,
                fresh: restarted.get(i).copied().unwrap_or(false),
                version: 0,
                snapshot,
                now,
                protectors,
            });
        }
        Ok(out)
    }

    fn protectors(
        &self,
        ring: &KeyRing,
        discriminator: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Vec<(String, DataProtector)>, ScenarioError> {
        self.consumers()
            .into_iter()
            .map(|(name, purposes)| {
                let chain: Vec<String> = discriminator
                    .map(str::to_owned)
                    .into_iter()
                    .chain(purposes)
                    .collect();
                ring.protector(&chain).map(|pr| (name, pr.at(now)))
            })
            .collect::<Result<Vec<_>, Error>>()
            .map_err(ScenarioError::from)
    }

    /// What a value `issuer` made for consumer `c` does on `reader`, with the reader's ring as
    /// it stands (a missing key in the reader's first two minutes re-reads the store first:
    /// `KeyRingProvider.InAutoRefreshWindow`, ASP.NET Core 3.0 and later).
    fn outcome(
        &self,
        issuer: &Running,
        reader: &mut Running,
        c: usize,
        value: Option<&Vec<u8>>,
        window: bool,
        stores: &BTreeMap<String, KeyRing>,
    ) -> Outcome {
        let name = self
            .consumers()
            .get(c)
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        let Some(value) = value else {
            return Outcome::Failed {
                reason: "the issuing process could not protect".to_owned(),
            };
        };
        if name == ANTIFORGERY
            && issuer.report.antiforgery_cookie != reader.report.antiforgery_cookie
        {
            return Outcome::CookieNotPresent {
                expected: reader.report.antiforgery_cookie.clone(),
                held: issuer.report.antiforgery_cookie.clone(),
            };
        }
        let mut reread = false;
        let result = loop {
            let r = reader.protectors.get(c).map(|(_, p)| p.unprotect(value));
            match r {
                Some(Err(Error::KeyNotFound(_))) if window && !reread => {
                    reread = true;
                    if let Some(ring) = stores.get(&reader.store) {
                        reader.version = reader.version.saturating_add(1);
                        reader.snapshot = ring.clone();
                        if let Ok(p) = self.protectors(
                            &reader.snapshot,
                            reader.report.discriminator.as_deref(),
                            reader.now,
                        ) {
                            reader.protectors = p;
                        }
                    }
                }
                other => break other,
            }
        };
        match result {
            Some(Ok(_)) => {
                if name == SESSION_DATA {
                    let same_process =
                        issuer.index == reader.index && issuer.generation == reader.generation;
                    if self.file.application.session_store == Some(SessionStore::Memory)
                        && !same_process
                    {
                        return Outcome::SessionDataMissing;
                    }
                }
                if reread {
                    Outcome::ReadAfterReread
                } else {
                    Outcome::Read
                }
            }
            Some(Err(Error::KeyNotFound(id))) => Outcome::KeyNotFound {
                key: id.to_string(),
            },
            Some(Err(Error::Unprotect)) => Outcome::PayloadInvalid,
            Some(Err(e)) => Outcome::Failed {
                reason: e.to_string(),
            },
            None => Outcome::Failed {
                reason: "no protector".to_owned(),
            },
        }
    }

    fn reason(&self, o: &Outcome, issuer: &Running, reader: &Running) -> Option<String> {
        Some(match o {
            Outcome::Read | Outcome::ReadAfterReread => return None,
            Outcome::KeyNotFound { key } => format!(
                "The key {{{key}}} was not found in the key ring: {} keeps its keys in {}, {} in {}{}",
                issuer.report.name,
                issuer.report.store,
                reader.report.name,
                reader.report.store,
                reader
                    .report
                    .ephemeral_reason
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            Outcome::PayloadInvalid => format!(
                "The payload was invalid: same key ring, different purpose chain (application discriminator of {} differs from {})",
                issuer.report.name, reader.report.name
            ),
            Outcome::CookieNotPresent { expected, held } => format!(
                "The required antiforgery cookie \"{expected}\" is not present: {} names it after its discriminator, the browser holds {held} from {}",
                reader.report.name, issuer.report.name
            ),
            Outcome::SessionDataMissing => format!(
                "The session cookie was read, but the session's data is in the memory of {}, not {}",
                issuer.report.name, reader.report.name
            ),
            Outcome::Failed { reason } => reason.clone(),
        })
    }

    fn measure(
        &self,
        name: &str,
        running: &mut [Running],
        old: &[Running],
        previous: &[Running],
        stores: &BTreeMap<String, KeyRing>,
        rng: &SeededRandom,
    ) -> DataProtectionStep {
        let consumer_names: Vec<String> = self.consumers().into_iter().map(|(c, _)| c).collect();
        let blank = |c: &String| ConsumerReport {
            name: c.clone(),
            requests: 0,
            failures: 0,
            reasons: BTreeMap::new(),
        };
        let mut reports: Vec<ConsumerReport> = consumer_names.iter().map(blank).collect();
        // The fleet: the running processes, and the replaced ones during a rolling deploy.
        let mut fleet: Vec<Running> = old.to_vec();
        fleet.extend(running.iter().cloned());
        let n = fleet.len();
        let issued: Vec<Vec<Option<Vec<u8>>>> = fleet
            .iter()
            .map(|r| {
                r.protectors
                    .iter()
                    .map(|(_, p)| p.protect(b"state").ok())
                    .collect()
            })
            .collect();
        // Every ordered pair at the first request (small fleets): the table of outcomes.
        let mut pairs = Vec::new();
        if n <= 16 {
            for from in 0..n {
                for to in 0..n {
                    if from == to {
                        continue;
                    }
                    for c in 0..consumer_names.len() {
                        let (Some(issuer), Some(reader)) = (fleet.get(from), fleet.get(to)) else {
                            continue;
                        };
                        let mut reader = reader.clone();
                        let value = issued
                            .get(from)
                            .and_then(|v| v.get(c))
                            .and_then(Option::as_ref);
                        let o = self.outcome(
                            issuer,
                            &mut reader,
                            c,
                            value,
                            fleet.get(to).is_some_and(|r| r.fresh),
                            stores,
                        );
                        pairs.push(PairOutcome {
                            from: issuer.report.name.clone(),
                            to: reader.report.name.clone(),
                            consumer: consumer_names.get(c).cloned().unwrap_or_default(),
                            outcome: o,
                        });
                    }
                }
            }
        }
        // Requests spread over the step's minutes; a process started in this step re-reads
        // its ring on a missing key in its first two minutes.
        let minutes = f64::from(self.file.minutes.max(1));
        let total = self.file.requests;
        // Outcomes are computed once per (issuer, reader, consumer, reader's ring version,
        // window) with the real formats.
        let mut cache: BTreeMap<(usize, usize, usize, u32, bool), Outcome> = BTreeMap::new();
        for k in 0..total {
            let from = rng.below(n);
            let to = rng.below(n);
            #[allow(clippy::cast_precision_loss)]
            let t = minutes * (k as f64) / (total as f64);
            for (c, report) in reports.iter_mut().enumerate() {
                let value = issued
                    .get(from)
                    .and_then(|v| v.get(c))
                    .and_then(Option::as_ref);
                let window = t < 2.0 && fleet.get(to).is_some_and(|r| r.fresh);
                let version = fleet.get(to).map_or(0, |r| r.version);
                let key = (from, to, c, version, window);
                let cached = cache.get(&key).cloned();
                let o = if let Some(o) = cached {
                    o
                } else if from == to {
                    // A process reads its own values.
                    match fleet.get_mut(to) {
                        Some(r) => {
                            let me = r.clone();
                            self.outcome(&me, r, c, value, window, stores)
                        }
                        None => continue,
                    }
                } else {
                    let (lo, hi) = (from.min(to), from.max(to));
                    let (a, b) = fleet.split_at_mut(hi);
                    let (Some(first), Some(second)) = (a.get_mut(lo), b.first_mut()) else {
                        continue;
                    };
                    if from < to {
                        self.outcome(first, second, c, value, window, stores)
                    } else {
                        self.outcome(second, first, c, value, window, stores)
                    }
                };
                // A re-read changes the reader's ring: cache under the version it had.
                if fleet.get(to).map_or(0, |r| r.version) == version {
                    cache.insert(key, o.clone());
                }
                report.requests += 1;
                if let (Some(i), Some(r)) = (fleet.get(from), fleet.get(to)) {
                    if let Some(reason) = self.reason(&o, i, r) {
                        report.failures += 1;
                        *report.reasons.entry(reason).or_default() += 1;
                    }
                }
            }
        }
        // Values issued before the step (by the processes of the previous step), carried back.
        let mut carried: Vec<ConsumerReport> = consumer_names.iter().map(blank).collect();
        if !previous.is_empty() {
            for issuer in previous {
                for reader in running.iter() {
                    for (c, report) in carried.iter_mut().enumerate() {
                        let value = issuer
                            .protectors
                            .get(c)
                            .and_then(|(_, p)| p.protect(b"state").ok());
                        let mut r = reader.clone();
                        let o = self.outcome(issuer, &mut r, c, value.as_ref(), false, stores);
                        report.requests += 1;
                        if let Some(reason) = self.reason(&o, issuer, reader) {
                            report.failures += 1;
                            *report.reasons.entry(reason).or_default() += 1;
                        }
                    }
                }
            }
        }
        DataProtectionStep {
            name: name.to_owned(),
            processes: fleet.iter().map(|r| r.report.clone()).collect(),
            consumers: reports,
            carried_over: carried,
            pairs,
        }
    }
}
