//! Scenario files: the user's own farm as TOML, run through the same [`Simulation`] builder
//! API. A file names the applications, the servers (generation, registry view, application
//! pool size and identity, configuration levels), the balancer, the requests per step, and a
//! timeline of steps, each a list of events (framework install with or without the ACL bug,
//! `aspnet_regiis -ga`, recycle, crash, configuration change, key-store copy) followed by
//! measured traffic.
//!
//! Traffic visits the first application; every request carries each kind of state (a
//! State Service session, a forms login, a ViewState post-back and, on 4.x, a
//! `MachineKey.Protect` payload), checked with the real formats. With more than one
//! application, each step also compares the applications pairwise on the first worker of
//! every server ([`compat::compare`]): whether one application reads
//! what another protects (IsolateApps keeps them apart).
//!
//! ```toml
//! seed = 2026
//! requests = 3000            # measured per step (default 3000)
//! balancing = "random"       # or "round-robin"
//!
//! [[applications]]
//! path = "/Shop"             # id defaults to /LM/W3SVC/1/ROOT/Shop
//!
//! [[servers]]
//! name = "web1"
//! era = "4.8"                # or "2.0"
//! workers = 3
//! identity = { kind = "custom", sid = "S-1-5-21-1004336348-1177238915-682003330-1105", profile_loaded = false }
//! # config = { root_web_config = { file = "root.config" }, web_config = { xml = "<configuration>...</configuration>" } }
//!
//! [[steps]]
//! name = "after the installer"
//! events = [{ event = "install", server = "web1", acl_bug = true }]
//! ```
//!
//! Identity kinds: `custom`, `app-pool`, `network-service`, `local-service`, `system`.
//! Events: `install` (`server`, `acl_bug`), `grant` (`server`: `aspnet_regiis -ga`),
//! `recycle` (`server`), `crash` (`server`, `worker`), `config` (`server`, `config`),
//! `copy-key-store` (`from`, `to`). Configuration levels (`machine_config`,
//! `root_web_config`, `site_web_config`, `web_config`) are `{ file = "path" }` (relative to
//! the scenario file) or `{ xml = "..." }`, resolved for the first application with
//! [`ConfigStack`]. Mistakes are reported with their line
//! and column.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Balancing, Era, Report, Simulation, WorkerRef};
use crate::compat::{self, Comparison};
use crate::config::MachineKeyConfig;
use crate::config::stack::{ConfigFile, ConfigStack};
use crate::error::Error;
pub use crate::error::ScenarioError;
use crate::keys::AppIdentity;
use crate::keys::store::{ProcessIdentity, RegistryView};

pub use super::MAX_SCENARIO_FILE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    name: Option<String>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_requests")]
    requests: usize,
    #[serde(default = "default_warm_up")]
    warm_up: usize,
    #[serde(default)]
    balancing: BalancingName,
    applications: Vec<ApplicationSpec>,
    servers: Vec<Spanned<ServerSpec>>,
    steps: Vec<StepSpec>,
}

fn default_seed() -> u64 {
    1
}
fn default_requests() -> usize {
    3000
}
fn default_warm_up() -> usize {
    100
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum BalancingName {
    #[default]
    Random,
    RoundRobin,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicationSpec {
    path: String,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSpec {
    name: String,
    era: EraName,
    #[serde(default)]
    view: ViewName,
    workers: Spanned<usize>,
    identity: IdentitySpec,
    #[serde(default)]
    config: Option<ConfigSpec>,
    /// Whether `aspnet_regiis -ga` was run for the identity before the pool started.
    #[serde(default = "yes")]
    granted: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
enum EraName {
    #[serde(rename = "2.0")]
    Net20,
    #[serde(rename = "4.8", alias = "4")]
    Net48,
}

#[derive(Debug, Default, Deserialize)]
enum ViewName {
    #[serde(rename = "32")]
    Bits32,
    #[default]
    #[serde(rename = "64")]
    Bits64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitySpec {
    kind: IdentityName,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    profile_loaded: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum IdentityName {
    Custom,
    AppPool,
    NetworkService,
    LocalService,
    System,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigSpec {
    #[serde(default)]
    machine_config: Option<Text>,
    #[serde(default)]
    root_web_config: Option<Text>,
    #[serde(default)]
    site_web_config: Option<Text>,
    #[serde(default)]
    web_config: Option<Text>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Text {
    File { file: String },
    Xml { xml: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: String,
    #[serde(default)]
    events: Vec<Spanned<EventSpec>>,
    #[serde(default)]
    requests: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case", deny_unknown_fields)]
enum EventSpec {
    Install {
        server: String,
        #[serde(default)]
        acl_bug: bool,
    },
    Grant {
        server: String,
    },
    Recycle {
        server: String,
    },
    Crash {
        server: String,
        worker: usize,
    },
    Config {
        server: String,
        config: ConfigSpec,
    },
    CopyKeyStore {
        from: String,
        to: String,
    },
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StepReport {
    /// The traffic's report.
    pub report: Report,
    /// Why workers disagree after the step: [`Simulation::diagnose`] over every ordered
    /// pair of workers, one example of each kind of reason with how many pairs gave that
    /// kind (empty when all agree).
    pub reasons: Vec<ReasonCount>,
    /// With several applications: each ordered pair compared on each server's first worker.
    pub cross_application: Vec<Comparison>,
}

/// A kind of reason, by its first example, and how many worker pairs gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReasonCount {
    /// The first pair's reason.
    pub example: compat::Reason,
    /// Ordered worker pairs that gave a reason of this kind.
    pub pairs: usize,
}

/// A scenario's outcome: one report per step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// The steps, in order.
    pub steps: Vec<StepReport>,
}

/// A scenario read from a file, ready to run.
#[derive(Debug)]
pub struct Scenario {
    file: File,
    text: String,
    base: Option<PathBuf>,
}

/// A scenario file's text: at most [`MAX_SCENARIO_FILE`] bytes.
pub(super) fn read_text(path: &Path) -> Result<String, ScenarioError> {
    Ok(crate::bounded::read_text(path, MAX_SCENARIO_FILE)?)
}

impl Scenario {
    /// Parses a scenario; `base` is the directory that `file = "..."` paths are relative to.
    ///
    /// # Errors
    /// A [`ScenarioError`] with the line and column of the mistake.
    ///
    /// # Example
    /// ```
    /// use machinekey::sim::scenario::Scenario;
    /// let err = Scenario::from_toml("seed = 1\nservers = 3\n", None).unwrap_err();
    /// assert_eq!(err.location.map(|(line, _)| line), Some(2));
    /// ```
    pub fn from_toml(text: &str, base: Option<&Path>) -> Result<Self, ScenarioError> {
        let file: File = toml::from_str(text)
            .map_err(|e| ScenarioError::located(text, e.span().map(|s| s.start), e.message()))?;
        let scenario = Self {
            file,
            text: text.to_owned(),
            base: base.map(Path::to_path_buf),
        };
        scenario.check()?;
        Ok(scenario)
    }

    /// Reads and parses a scenario file.
    ///
    /// # Errors
    /// A [`ScenarioError`]: the file cannot be read (over 1 MiB included), or as
    /// [`from_toml`](Self::from_toml).
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        Self::from_toml(&read_text(path)?, path.parent())
    }

    fn at(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(&self.text, span.start, message)
    }

    /// Checks what serde cannot: names that refer to servers, pool sizes, at least one
    /// application and server.
    fn check(&self) -> Result<(), ScenarioError> {
        let f = &self.file;
        let nowhere = ScenarioError::new;
        if f.applications.is_empty() {
            return Err(nowhere("a scenario needs at least one [[applications]]"));
        }
        if f.servers.is_empty() {
            return Err(nowhere("a scenario needs at least one [[servers]]"));
        }
        for s in &f.servers {
            if *s.get_ref().workers.get_ref() == 0 {
                return Err(self.at(s.get_ref().workers.span(), "workers must be at least 1"));
            }
        }
        let known = |name: &str| f.servers.iter().any(|s| s.get_ref().name == name);
        for step in &f.steps {
            for event in &step.events {
                let names: Vec<&str> = match event.get_ref() {
                    EventSpec::Install { server, .. }
                    | EventSpec::Grant { server }
                    | EventSpec::Recycle { server }
                    | EventSpec::Crash { server, .. }
                    | EventSpec::Config { server, .. } => vec![server],
                    EventSpec::CopyKeyStore { from, to } => vec![from, to],
                };
                if let Some(unknown) = names.into_iter().find(|n| !known(n)) {
                    return Err(self.at(event.span(), format!("no server is named {unknown:?}")));
                }
            }
        }
        Ok(())
    }

    fn text(&self, text: &Text, what: &str) -> Result<ConfigFile, ScenarioError> {
        match text {
            Text::Xml { xml } => Ok(ConfigFile::from_text(xml, what)),
            Text::File { file } => {
                let path = self.base.as_deref().unwrap_or(Path::new(".")).join(file);
                Ok(ConfigFile::read(&path).map_err(Error::from)?)
            }
        }
    }

    fn config(
        &self,
        spec: Option<&ConfigSpec>,
        era: Era,
        app: &AppIdentity,
    ) -> Result<MachineKeyConfig, ScenarioError> {
        let Some(spec) = spec else {
            return Ok(super::default_config(era)?);
        };
        let mut stack = ConfigStack::new().framework(era.framework());
        if let Some(t) = &spec.machine_config {
            stack = stack.machine_config(self.text(t, "machine.config")?);
        }
        if let Some(t) = &spec.root_web_config {
            stack = stack.root_web_config(self.text(t, "root web.config")?);
        }
        if let Some(t) = &spec.site_web_config {
            stack = stack.site_web_config(self.text(t, "site web.config")?);
        }
        if let Some(t) = &spec.web_config {
            let file = self.text(t, "web.config")?;
            stack = if app.virtual_path() == "/" {
                stack.site_web_config(file)
            } else {
                stack.application_web_config(app.virtual_path(), file)
            };
        }
        Ok(stack
            .resolve(app.virtual_path())
            .map_err(Error::from)?
            .config)
    }

    fn applications(&self) -> Result<Vec<AppIdentity>, ScenarioError> {
        self.file
            .applications
            .iter()
            .map(|a| {
                let id =
                    a.id.clone()
                        .unwrap_or_else(|| AppIdentity::default_site_app_id(&a.path));
                Ok(AppIdentity::new(&a.path, &id)?)
            })
            .collect()
    }

    /// Builds the farm and runs every step.
    ///
    /// # Errors
    /// A [`ScenarioError`] for a configuration file that cannot be read or resolved, or a
    /// simulator error.
    ///
    /// # Example
    /// ```
    /// use machinekey::sim::scenario::Scenario;
    /// let s = Scenario::from_toml(r#"
    /// requests = 300
    /// [[applications]]
    /// path = "/"
    /// [[servers]]
    /// name = "web1"
    /// era = "4.8"
    /// workers = 2
    /// identity = { kind = "custom", sid = "S-1-5-21-7", profile_loaded = false }
    /// [[steps]]
    /// name = "before"
    /// [[steps]]
    /// name = "after the installer"
    /// events = [{ event = "install", server = "web1", acl_bug = true }]
    /// "#, None)?;
    /// let report = s.run()?;
    /// assert_eq!(report.steps[0].report.failures(), 0);
    /// assert!(report.steps[1].report.failures() > 0);
    /// # Ok::<(), machinekey::sim::scenario::ScenarioError>(())
    /// ```
    pub fn run(&self) -> Result<ScenarioReport, ScenarioError> {
        let f = &self.file;
        let apps = self.applications()?;
        let Some(app) = apps.first() else {
            return Err(ScenarioError::new("no application"));
        };
        let balancing = match f.balancing {
            BalancingName::Random => Balancing::Random,
            BalancingName::RoundRobin => Balancing::RoundRobin,
        };
        let mut sim = Simulation::new(app.clone(), balancing, f.seed);
        for spec in &f.servers {
            let s = spec.get_ref();
            let era = match s.era {
                EraName::Net20 => Era::Net20,
                EraName::Net48 => Era::Net48,
            };
            let view = match s.view {
                ViewName::Bits32 => RegistryView::Bits32,
                ViewName::Bits64 => RegistryView::Bits64,
            };
            let sid = s.identity.sid.as_deref().unwrap_or("S-1-5-21-0-0-0-1000");
            let identity = match s.identity.kind {
                IdentityName::Custom => ProcessIdentity::custom(sid, s.identity.profile_loaded),
                IdentityName::AppPool => {
                    ProcessIdentity::application_pool_identity(sid, s.identity.profile_loaded)
                }
                IdentityName::NetworkService => ProcessIdentity::network_service(),
                IdentityName::LocalService => ProcessIdentity::local_service(),
                IdentityName::System => ProcessIdentity::local_system(),
            };
            let config = self.config(s.config.as_ref(), era, app)?;
            let index =
                sim.add_server(&s.name, era, view, config, identity, *s.workers.get_ref())?;
            if s.granted {
                sim.grant_access(index)?;
                sim.recycle(index)?;
            }
        }
        let server = |sim: &Simulation, name: &str| {
            sim.server_index(name)
                .ok_or_else(|| ScenarioError::new(format!("no server is named {name:?}")))
        };
        let mut steps = Vec::with_capacity(f.steps.len());
        for step in &f.steps {
            for event in &step.events {
                match event.get_ref() {
                    EventSpec::Install { server: s, acl_bug } => {
                        let i = server(&sim, s)?;
                        sim.install_framework(i, *acl_bug)?;
                    }
                    EventSpec::Grant { server: s } => {
                        let i = server(&sim, s)?;
                        sim.grant_access(i)?;
                    }
                    EventSpec::Recycle { server: s } => {
                        let i = server(&sim, s)?;
                        sim.recycle(i)?;
                    }
                    EventSpec::Crash { server: s, worker } => {
                        let i = server(&sim, s)?;
                        sim.crash(WorkerRef {
                            server: i,
                            worker: *worker,
                        })
                        .map_err(|e| self.at(event.span(), e.to_string()))?;
                    }
                    EventSpec::Config { server: s, config } => {
                        let i = server(&sim, s)?;
                        let era = sim.era(i).unwrap_or(Era::Net48);
                        let cfg = self.config(Some(config), era, app)?;
                        sim.set_config(i, cfg)?;
                    }
                    EventSpec::CopyKeyStore { from, to } => {
                        let (a, b) = (server(&sim, from)?, server(&sim, to)?);
                        sim.copy_key_store(a, b)?;
                    }
                }
            }
            sim.run("warm-up", f.warm_up)?;
            let report = sim.run(&step.name, step.requests.unwrap_or(f.requests))?;
            let mut cross_application = Vec::new();
            if apps.len() > 1 {
                for s in 0..sim.server_count() {
                    let w = WorkerRef {
                        server: s,
                        worker: 0,
                    };
                    for (i, x) in apps.iter().enumerate() {
                        for (j, y) in apps.iter().enumerate() {
                            if i != j {
                                let label = |n: compat::Node, app: &AppIdentity| {
                                    let name = format!("{} {}", n.name(), app.virtual_path());
                                    n.renamed(&name)
                                };
                                let a = label(sim.node(w, x)?, x);
                                let b = label(sim.node(w, y)?, y);
                                cross_application.push(compat::compare(&a, &b)?);
                            }
                        }
                    }
                }
            }
            let mut reasons: Vec<ReasonCount> = Vec::new();
            if report.failures() > 0 {
                let workers = sim.all_workers();
                for a in &workers {
                    for b in workers.iter().filter(|b| *b != a) {
                        for r in sim.diagnose(*a, *b)?.reasons {
                            let kind = core::mem::discriminant(&r);
                            match reasons
                                .iter_mut()
                                .find(|c| core::mem::discriminant(&c.example) == kind)
                            {
                                Some(c) => c.pairs += 1,
                                None => reasons.push(ReasonCount {
                                    example: r,
                                    pairs: 1,
                                }),
                            }
                        }
                    }
                }
            }
            steps.push(StepReport {
                report,
                reasons,
                cross_application,
            });
        }
        Ok(ScenarioReport {
            name: f.name.clone().unwrap_or_else(|| "scenario".to_owned()),
            steps,
        })
    }
}

impl ScenarioReport {
    /// Failures per step and kind of state, why the workers disagree, and the
    /// cross-application verdicts.
    ///
    /// # Example
    /// See [`Scenario::run`]; the CLI's `simulate --scenario` prints this.
    #[must_use]
    pub fn table(&self) -> String {
        use core::fmt::Write as _;
        let mut out = format!("{}\n\n", self.name);
        let _ = writeln!(
            out,
            "{:<40} {:>16} {:>16} {:>16} {:>18}",
            "step", "session", "forms login", "viewstate", "MachineKey.Protect"
        );
        for step in &self.steps {
            let r = &step.report;
            let cell = |name: &str| match r.kind(name) {
                Some(k) if k.requests > 0 => format!(
                    "{:>5}/{:<5} {:>3.0}%",
                    k.failures,
                    k.requests,
                    100.0 * k.failure_rate()
                ),
                _ => "n/a".to_owned(),
            };
            let _ = writeln!(
                out,
                "{:<40} {:>16} {:>16} {:>16} {:>18}",
                r.scenario,
                cell("session"),
                cell("forms login"),
                cell("viewstate"),
                cell("machinekey.protect")
            );
            for r in &step.reasons {
                let _ = writeln!(
                    out,
                    "    why ({} worker pair{}, e.g.): {}",
                    r.pairs,
                    if r.pairs == 1 { "" } else { "s" },
                    r.example
                );
            }
            for c in &step.cross_application {
                let read: Vec<&str> = c
                    .verdicts
                    .iter()
                    .filter(|v| v.outcome == compat::Outcome::Read)
                    .map(|v| v.kind.as_str())
                    .collect();
                let _ = writeln!(
                    out,
                    "    {} -> {}: {}",
                    c.from,
                    c.to,
                    if read.is_empty() {
                        "reads none of the other's state".to_owned()
                    } else {
                        format!("reads {}", read.join(", "))
                    }
                );
            }
        }
        out
    }
}

/// A scenario file of either kind: the `<machineKey>` farm model ([`Scenario`]) or, with
/// `system = "data-protection"`, the Data Protection model
/// ([`DataProtectionScenario`](super::data_protection::DataProtectionScenario)).
#[derive(Debug)]
pub enum AnyScenario {
    /// A `<machineKey>` scenario.
    MachineKey(Scenario),
    /// A Data Protection scenario.
    DataProtection(super::data_protection::DataProtectionScenario),
}

/// The report of either kind of scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AnyReport {
    /// A `<machineKey>` scenario's report.
    MachineKey(ScenarioReport),
    /// A Data Protection scenario's report.
    DataProtection(super::data_protection::DataProtectionReport),
}

impl AnyReport {
    /// The report as a table.
    #[must_use]
    pub fn table(&self) -> String {
        match self {
            Self::MachineKey(r) => r.table(),
            Self::DataProtection(r) => r.table(),
        }
    }
}

impl AnyScenario {
    /// Reads a scenario file of either kind (at most 1 MiB), choosing by its `system` key.
    ///
    /// # Errors
    /// A [`ScenarioError`] with the line and column of the mistake.
    ///
    /// # Example
    /// ```no_run
    /// use machinekey::sim::scenario::AnyScenario;
    /// let report = AnyScenario::read("examples/scenarios/data-protection-containers.toml".as_ref())?.run()?;
    /// println!("{}", report.table());
    /// # Ok::<(), machinekey::sim::scenario::ScenarioError>(())
    /// ```
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        Self::from_toml(&read_text(path)?, path.parent())
    }

    /// Parses a scenario of either kind.
    ///
    /// # Errors
    /// As [`Scenario::from_toml`].
    pub fn from_toml(text: &str, base: Option<&Path>) -> Result<Self, ScenarioError> {
        #[derive(Deserialize)]
        struct System {
            system: Option<String>,
        }
        let system = toml::from_str::<System>(text).ok().and_then(|s| s.system);
        if system.is_some() {
            super::data_protection::DataProtectionScenario::from_toml(text)
                .map(Self::DataProtection)
        } else {
            Scenario::from_toml(text, base).map(Self::MachineKey)
        }
    }

    /// Runs it.
    ///
    /// # Errors
    /// As the scenario's own `run`.
    pub fn run(&self) -> Result<AnyReport, ScenarioError> {
        Ok(match self {
            Self::MachineKey(s) => AnyReport::MachineKey(s.run()?),
            Self::DataProtection(s) => AnyReport::DataProtection(s.run()?),
        })
    }
}
