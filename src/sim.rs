//! A web-garden and web-farm simulator (webengine4.dll `GetAutogenKeys`, native, no public source; `OutOfProcSessionStateStore`, `SessionStateItemCollection`): servers with their key stores, an
//! application pool of worker processes that resolve their keys at start-up, a load
//! balancer, a shared State Service, and users whose requests are each served by one
//! worker and checked with the crate's real formats and crypto (no key comparison
//! shortcut). Events change the machines (framework installs, `aspnet_regiis -ga`,
//! recycles, crashes, config changes); [`Report`]s count what breaks and why.
//!
//! **Start here:** [`Simulation::web_garden`] and the named stories in [`scenarios`].
//!
//! Everything random (auto-generated keys, IVs, session ids, routing) comes from one
//! [`SeededRandom`], so a run is reproducible from its seed.
//!
//! # Example
//! ```
//! use machinekey::keys::store::ProcessIdentity;
//! use machinekey::sim::{Era, Simulation};
//! let identity = ProcessIdentity::custom("S-1-5-21-1-2-3-1001", false);
//! let mut sim = Simulation::web_garden(Era::Net48, 3, identity, 42)?;
//! assert_eq!(sim.run("before", 300)?.failures(), 0);
//! sim.install_framework(0, true)?; // a .NET update resets the key-store ACLs
//! let after = sim.run("after", 300)?;
//! assert!(after.kind("forms login").is_some_and(|k| k.failure_rate() > 0.5));
//! # Ok::<(), machinekey::Error>(())
//! ```

pub mod data_protection;
pub mod scenario;
pub mod scenarios;
mod seeded;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

pub use seeded::SeededRandom;

/// The largest scenario file read (1 MiB).
pub const MAX_SCENARIO_FILE: u64 = 1 << 20;

use crate::compat;
use crate::config::{FrameworkVersion, KeySource, MachineKeyConfig, RuntimeSettings};
use crate::error::{ArgumentError, Error};
use crate::formats::cookie::CookieProtection;
use crate::formats::forms_ticket::FormsAuthenticationTicket;
use crate::formats::session::{SessionData, SessionValue, state_server_key_unkeyed};
use crate::formats::viewstate::ViewStateProtection;
use crate::formats::{AppKeys, Page};
use crate::keys::store::{KeyStore, ProcessIdentity, RegistryView};
use crate::keys::{AppIdentity, AutoGenKeys};
use crate::names::names;

/// The ASP.NET generation a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Era {
    /// 2.0-era (`System.Web` 2.0): the State Service key is MACed with the validation key;
    /// no `MachineKey.Protect`.
    Net20,
    /// 4.8: unkeyed State Service key; `MachineKey.Protect` exists.
    Net48,
}

names!(Era, "The era, in words.", {
    Net20 => "2.0",
    Net48 => "4.8",
});

impl Era {
    fn framework(self) -> FrameworkVersion {
        match self {
            Self::Net20 => FrameworkVersion::V2_0,
            Self::Net48 => FrameworkVersion::V4,
        }
    }
}

/// How requests are spread over the workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Balancing {
    /// Each request to the next worker in turn (across all servers).
    RoundRobin,
    /// Each request to a worker drawn from the seeded source.
    Random,
}

names!(Balancing, "The name, as scenario files write it.", {
    RoundRobin => "round-robin",
    Random => "random",
});

/// The kinds of state a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StateKind {
    /// The State Service session (lost when the lookup key differs).
    Session,
    /// The `.ASPXAUTH` forms ticket.
    FormsLogin,
    /// The `__VIEWSTATE` of the page posted back.
    ViewState,
    /// A `MachineKey.Protect` payload (4.x only).
    Protect,
}

impl StateKind {
    /// Every kind (a slice, so a new kind is no breaking change).
    pub const ALL: &'static [Self] = &[
        Self::Session,
        Self::FormsLogin,
        Self::ViewState,
        Self::Protect,
    ];
}

names!(StateKind, "A readable name.", {
    Session => "session",
    FormsLogin => "forms login",
    ViewState => "viewstate",
    Protect => "machinekey.protect",
});

/// A worker process: `server` index and `worker` index in its pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct WorkerRef {
    /// The server.
    pub server: usize,
    /// The worker in that server's pool.
    pub worker: usize,
}

#[derive(Debug)]
struct Worker {
    name: String,
    /// Shared so a request can hold the worker's keys without copying them.
    keys: Arc<AppKeys>,
    /// The AutoGenerate buffer the worker resolved, if its config needs one.
    autogen: Option<AutoGenKeys>,
    key_source: String,
}

#[derive(Debug)]
struct Server {
    name: String,
    era: Era,
    view: RegistryView,
    config: MachineKeyConfig,
    store: KeyStore,
    identity: ProcessIdentity,
    pool_size: usize,
    workers: Vec<Worker>,
}

#[derive(Debug, Default)]
struct User {
    session_id: String,
    /// The `visits` value the user's last request stored, if any.
    last_visits: Option<i32>,
    ticket: Option<(String, WorkerRef)>,
    viewstate: Option<(String, WorkerRef)>,
    protected: Option<(Vec<u8>, WorkerRef)>,
    last: Option<WorkerRef>,
}

/// What one kind of state went through in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct KindReport {
    /// The kind.
    pub kind: StateKind,
    /// Requests that carried this state back to a worker.
    pub requests: u64,
    /// Of those, how many the serving worker could not read.
    pub failures: u64,
    /// Why, with counts: which worker issued the state, which served it, and their keys.
    pub reasons: BTreeMap<String, u64>,
}

impl KindReport {
    /// `failures / requests` (0 without requests).
    #[must_use]
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failures, self.requests)
    }
}

/// `failures / requests`, 0 without requests.
pub(crate) fn ratio(failures: u64, requests: u64) -> f64 {
    if requests == 0 {
        0.0
    } else {
        failures as f64 / requests as f64
    }
}

/// The outcome of one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// Requests served.
    pub requests: u64,
    /// Per kind of state.
    pub kinds: Vec<KindReport>,
    /// Each worker and where its keys came from.
    pub workers: Vec<(String, String)>,
}

impl Report {
    /// The report for `name` (see [`StateKind::as_str`]).
    #[must_use]
    pub fn kind(&self, name: &str) -> Option<&KindReport> {
        self.kinds.iter().find(|k| k.kind.as_str() == name)
    }

    /// All failures of all kinds.
    #[must_use]
    pub fn failures(&self) -> u64 {
        self.kinds.iter().map(|k| k.failures).sum()
    }
}

/// Whether two workers can read each other's protected data, and why: the verdicts and
/// reasons of [`compat::compare`] for the two workers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnosis {
    /// For each kind of state, whether data issued by the first worker is accepted by the
    /// second (checked with the real formats).
    pub interchangeable: Vec<(StateKind, bool)>,
    /// The explanation, naming each worker's key source and the reasons.
    pub explanation: String,
    /// Why not, for every kind refused (empty when all are read).
    pub reasons: Vec<compat::Reason>,
}

impl Diagnosis {
    /// Whether every kind is interchangeable.
    #[must_use]
    pub fn all_interchangeable(&self) -> bool {
        self.interchangeable.iter().all(|(_, ok)| *ok)
    }
}

/// A farm of one or more servers serving one application.
#[derive(Debug)]
pub struct Simulation {
    app: AppIdentity,
    servers: Vec<Server>,
    balancing: Balancing,
    rng: Arc<SeededRandom>,
    clock: u64,
    next_worker: usize,
    users: Vec<User>,
    state_service: HashMap<String, Vec<u8>>,
}

/// The default `<machineKey>` for an era: `AutoGenerate,IsolateApps`, and on 4.8 an
/// application targeting 4.8 (so Framework45 mode).
fn default_config(era: Era) -> Result<MachineKeyConfig, Error> {
    let mut runtime = RuntimeSettings {
        framework: era.framework(),
        ..RuntimeSettings::default()
    };
    if era == Era::Net48 {
        runtime.target_framework = Some("4.8".parse()?);
    }
    Ok(MachineKeyConfig::builder().runtime(runtime).build()?)
}

const PURPOSES: [&str; 1] = ["Sessions"];
const USERS: usize = 25;
/// The 32 characters of ASP.NET session ids.
const SESSION_ID_CHARS: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz012345";

impl Simulation {
    /// One server of `era` whose application pool runs `workers` processes as `identity`
    /// (already granted its `AutoGenKeys` key with `aspnet_regiis -ga`), with the default
    /// `<machineKey>`, random balancing, seeded with `seed`.
    ///
    /// # Errors
    /// A configuration error (none for these defaults).
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn web_garden(
        era: Era,
        workers: usize,
        identity: ProcessIdentity,
        seed: u64,
    ) -> Result<Self, Error> {
        let mut sim = Self::new(
            AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop")?,
            Balancing::Random,
            seed,
        );
        sim.add_server(
            "web1",
            era,
            RegistryView::Bits64,
            default_config(era)?,
            identity,
            workers,
        )?;
        sim.grant_access(0)?;
        sim.recycle(0)?; // the pool starts after the grant
        Ok(sim)
    }

    /// An empty farm for `app`.
    #[must_use]
    pub fn new(app: AppIdentity, balancing: Balancing, seed: u64) -> Self {
        Self {
            app,
            servers: Vec::new(),
            balancing,
            rng: Arc::new(SeededRandom::new(seed)),
            clock: 1,
            next_worker: 0,
            users: Vec::new(),
            state_service: HashMap::new(),
        }
    }

    /// Adds a server with its own key store and an application pool of `workers` processes
    /// running as `identity` in `view`, and starts them. Returns its index.
    ///
    /// # Errors
    /// The error a worker meets resolving its keys (for example a config the era rejects).
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::keys::AppIdentity;
    /// use machinekey::keys::store::{ProcessIdentity, RegistryView};
    /// use machinekey::sim::{Balancing, Era, Simulation};
    /// let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let mut farm = Simulation::new(AppIdentity::new("/", "/LM/W3SVC/1/ROOT")?, Balancing::RoundRobin, 1);
    /// for name in ["web1", "web2"] {
    ///     farm.add_server(name, Era::Net48, RegistryView::Bits64, cfg.clone(), ProcessIdentity::network_service(), 2)?;
    /// }
    /// assert_eq!(farm.run("farm", 100)?.failures(), 0);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn add_server(
        &mut self,
        name: &str,
        era: Era,
        view: RegistryView,
        config: MachineKeyConfig,
        identity: ProcessIdentity,
        workers: usize,
    ) -> Result<usize, Error> {
        self.servers.push(Server {
            name: name.to_owned(),
            era,
            view,
            config,
            store: KeyStore::new(),
            identity,
            pool_size: workers.max(1),
            workers: Vec::new(),
        });
        let index = self.servers.len() - 1;
        self.recycle(index)?;
        Ok(index)
    }

    fn server_mut(&mut self, server: usize) -> Result<&mut Server, Error> {
        self.servers.get_mut(server).ok_or(
            ArgumentError::NoSuch {
                what: "server",
                index: server,
            }
            .into(),
        )
    }

    fn tick(&mut self) -> time::OffsetDateTime {
        self.clock += 1;
        self.now()
    }

    /// The simulated time: one second per event after a fixed start, so a seed gives the
    /// same run.
    fn now(&self) -> time::OffsetDateTime {
        let start = time::macros::datetime!(2022-09-22 16:53:20 UTC);
        start.saturating_add(time::Duration::seconds(
            i64::try_from(self.clock).unwrap_or(i64::MAX),
        ))
    }

    /// Starts a worker: resolves its keys through the server's key store when the config
    /// uses AutoGenerate, then builds its protection stacks.
    fn start_worker(&mut self, server: usize, index: usize) -> Result<Worker, Error> {
        let now = self.tick();
        let rng = Arc::clone(&self.rng);
        let app = self.app.clone();
        let s = self.server_mut(server)?;
        let needs_store = needs_autogen(&s.config);
        let (autogen, key_source) = if needs_store {
            let proposed = AutoGenKeys::generate(rng.as_ref())?;
            let got = s.store.resolve(&s.identity, s.view, proposed, now)?;
            (Some(got.keys), got.source.to_string())
        } else {
            (None, "explicit <machineKey>".to_owned())
        };
        let keys = Arc::new(AppKeys::resolve(&s.config, &app, autogen.as_ref())?.with_random(rng));
        Ok(Worker {
            name: format!("{}/w3wp#{}", s.name, index + 1),
            keys,
            autogen,
            key_source,
        })
    }

    /// Restarts every worker of `server` (an application-pool recycle): each resolves its
    /// keys again.
    ///
    /// # Errors
    /// As [`add_server`](Self::add_server).
    ///
    /// # Example
    /// See [`grant_access`](Self::grant_access).
    pub fn recycle(&mut self, server: usize) -> Result<(), Error> {
        let size = self.server_mut(server)?.pool_size;
        let mut workers = Vec::with_capacity(size);
        for i in 0..size {
            workers.push(self.start_worker(server, i)?);
        }
        self.server_mut(server)?.workers = workers;
        Ok(())
    }

    /// One worker crashes and is restarted by WAS.
    ///
    /// # Errors
    /// [`ArgumentError::NoSuch`] for a worker that does not exist, or the start-up error.
    ///
    /// # Example
    /// ```
    /// # use machinekey::keys::store::ProcessIdentity;
    /// # use machinekey::sim::{Era, Simulation, WorkerRef};
    /// let mut sim = Simulation::web_garden(Era::Net48, 2, ProcessIdentity::network_service(), 1)?;
    /// sim.crash(WorkerRef { server: 0, worker: 1 })?;
    /// assert_eq!(sim.run("after a crash", 50)?.failures(), 0); // the stored key is reread
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn crash(&mut self, worker: WorkerRef) -> Result<(), Error> {
        if self
            .servers
            .get(worker.server)
            .and_then(|s| s.workers.get(worker.worker))
            .is_none()
        {
            return Err(ArgumentError::NoSuch {
                what: "worker",
                index: worker.worker,
            }
            .into());
        }
        let fresh = self.start_worker(worker.server, worker.worker)?;
        if let Some(slot) = self
            .server_mut(worker.server)?
            .workers
            .get_mut(worker.worker)
        {
            *slot = fresh;
        }
        Ok(())
    }

    /// A .NET Framework install or repair on `server` (with or without the installer's ACL
    /// bug), followed by the IIS restart it causes.
    ///
    /// # Errors
    /// As [`recycle`](Self::recycle).
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn install_framework(&mut self, server: usize, acl_bug: bool) -> Result<(), Error> {
        let now = self.tick();
        self.server_mut(server)?
            .store
            .install_framework(now, acl_bug);
        self.recycle(server)
    }

    /// `aspnet_regiis -ga <pool identity>` on `server`. Takes effect at the next recycle.
    ///
    /// # Errors
    /// [`ArgumentError::NoSuch`] for a server that does not exist.
    ///
    /// # Example
    /// ```
    /// # use machinekey::keys::store::ProcessIdentity;
    /// # use machinekey::sim::{Era, Simulation};
    /// let mut sim = Simulation::web_garden(Era::Net20, 3, ProcessIdentity::custom("S-1-5-21-9", false), 3)?;
    /// sim.install_framework(0, true)?;
    /// sim.grant_access(0)?;
    /// sim.recycle(0)?;
    /// assert_eq!(sim.run("fixed", 200)?.failures(), 0);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn grant_access(&mut self, server: usize) -> Result<(), Error> {
        let s = self.server_mut(server)?;
        let sid = s.identity.sid().to_owned();
        s.store.grant_access(&sid);
        Ok(())
    }

    /// Replaces the `<machineKey>` of `server` (a web.config edit), which restarts the
    /// application.
    ///
    /// # Errors
    /// As [`recycle`](Self::recycle).
    ///
    /// # Example
    /// ```
    /// # use machinekey::keys::store::ProcessIdentity;
    /// # use machinekey::sim::{Era, Simulation};
    /// let mut sim = Simulation::web_garden(Era::Net48, 3, ProcessIdentity::custom("S-1-5-21-9", false), 5)?;
    /// sim.install_framework(0, true)?;
    /// let explicit = machinekey::keys::generate(
    ///     machinekey::config::ValidationAlgorithm::HmacSha256,
    ///     machinekey::config::DecryptionAlgorithm::Aes,
    ///     &machinekey::random::OsRandom)?;
    /// sim.set_config(0, explicit)?;
    /// assert_eq!(sim.run("explicit keys", 200)?.failures(), 0);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn set_config(&mut self, server: usize, config: MachineKeyConfig) -> Result<(), Error> {
        self.server_mut(server)?.config = config;
        self.recycle(server)
    }

    /// An administrator copies server `from`'s key store (LSA secret, registry hives) to
    /// server `to`, as when a server is cloned from another's image; `to`'s pool recycles.
    ///
    /// # Errors
    /// [`ArgumentError::NoSuch`] for a server that does not exist.
    ///
    /// # Example
    /// ```
    /// # use machinekey::keys::store::ProcessIdentity;
    /// # use machinekey::sim::{Era, Simulation};
    /// let mut sim = Simulation::web_garden(Era::Net48, 1, ProcessIdentity::network_service(), 1)?;
    /// sim.copy_key_store(0, 0)?;
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn copy_key_store(&mut self, from: usize, to: usize) -> Result<(), Error> {
        let store = self
            .servers
            .get(from)
            .ok_or(ArgumentError::NoSuch {
                what: "server",
                index: from,
            })?
            .store
            .clone();
        self.server_mut(to)?.store = store;
        self.recycle(to)
    }

    /// How many servers.
    #[must_use]
    pub fn server_count(&self) -> usize {
        self.servers.len()
    }

    /// The generation of server `index`.
    #[must_use]
    pub fn era(&self, index: usize) -> Option<Era> {
        self.servers.get(index).map(|s| s.era)
    }

    /// The index of the server named `name`.
    #[must_use]
    pub fn server_index(&self, name: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.name == name)
    }

    /// The application the traffic visits.
    #[must_use]
    pub fn app(&self) -> &AppIdentity {
        &self.app
    }

    /// The page whose ViewState the traffic posts back: `cart.aspx` in the application.
    fn page(&self) -> Result<Page, Error> {
        let base = self.app.virtual_path().trim_end_matches('/');
        Page::from_path(&format!("{base}/cart.aspx"), self.app.virtual_path())
    }

    fn worker(&self, w: WorkerRef) -> Option<&Worker> {
        self.servers.get(w.server)?.workers.get(w.worker)
    }

    fn all_workers(&self) -> Vec<WorkerRef> {
        self.servers
            .iter()
            .enumerate()
            .flat_map(|(s, server)| {
                (0..server.workers.len()).map(move |w| WorkerRef {
                    server: s,
                    worker: w,
                })
            })
            .collect()
    }

    fn route(&mut self, workers: &[WorkerRef]) -> Option<WorkerRef> {
        let i = match self.balancing {
            Balancing::RoundRobin => {
                let i = self.next_worker % workers.len().max(1);
                self.next_worker = self.next_worker.wrapping_add(1);
                i
            }
            Balancing::Random => self.rng.below(workers.len()),
        };
        workers.get(i).copied()
    }

    fn session_key(&self, w: WorkerRef, session_id: &str) -> Result<String, Error> {
        let worker = self.worker(w).ok_or(ArgumentError::NoSuch {
            what: "worker",
            index: w.worker,
        })?;
        // The build the worker's configuration runs on (its server's era), as `compat`
        // decides it.
        match worker.keys.config().runtime().framework {
            FrameworkVersion::V2_0 => worker
                .keys
                .state_server_key_keyed(self.app.app_id(), session_id),
            _ => Ok(state_server_key_unkeyed(self.app.app_id(), session_id)),
        }
    }

    fn reason(&self, issuer: WorkerRef, server: WorkerRef) -> String {
        let describe = |w: WorkerRef| {
            self.worker(w)
                .map(|x| format!("{} ({})", x.name, x.key_source))
                .unwrap_or_default()
        };
        format!(
            "issued by {}, served by {}",
            describe(issuer),
            describe(server)
        )
    }

    /// Serves `requests` requests from a fixed set of users (sessions, forms logins,
    /// ViewState post-backs and `MachineKey.Protect` payloads), each on the worker the
    /// balancer picks, and reports what failed. State carried over from earlier runs is
    /// kept, so a run after an event shows its effect on existing users too.
    ///
    /// # Errors
    /// Only unexpected ones (a failing random source); unreadable state is counted, not
    /// returned.
    ///
    /// # Example
    /// See the [module documentation](self).
    pub fn run(&mut self, scenario: &str, requests: usize) -> Result<Report, Error> {
        let workers = self.all_workers();
        let mut kinds: BTreeMap<StateKind, KindReport> = StateKind::ALL
            .iter()
            .map(|k| {
                (
                    *k,
                    KindReport {
                        kind: *k,
                        requests: 0,
                        failures: 0,
                        reasons: BTreeMap::new(),
                    },
                )
            })
            .collect();
        while self.users.len() < USERS {
            let mut id = [0u8; 15];
            crate::random::RandomSource::fill(self.rng.as_ref(), &mut id)?;
            let session_id: String = id
                .iter()
                .map(|b| {
                    char::from(
                        SESSION_ID_CHARS
                            .get(usize::from(b % 32))
                            .copied()
                            .unwrap_or(b'a'),
                    )
                })
                .collect();
            self.users.push(User {
                session_id,
                ..User::default()
            });
        }
        let page = self.page()?;
        for n in 0..requests {
            let Some(w) = self.route(&workers) else { break };
            let user_index = n % USERS;
            let mut user = core::mem::take(self.users.get_mut(user_index).ok_or(
                ArgumentError::NoSuch {
                    what: "user",
                    index: user_index,
                },
            )?);
            let mut record = |kind: StateKind, ok: bool, issuer: WorkerRef, this: &Self| {
                if let Some(k) = kinds.get_mut(&kind) {
                    k.requests += 1;
                    if !ok {
                        k.failures += 1;
                        *k.reasons.entry(this.reason(issuer, w)).or_default() += 1;
                    }
                }
            };
            let era = self.servers.get(w.server).map_or(Era::Net48, |s| s.era);
            let keys = self
                .worker(w)
                .ok_or(ArgumentError::NoSuch {
                    what: "worker",
                    index: w.worker,
                })?
                .keys
                .clone(); // an Arc: no key material is copied

            // Session: look it up under this worker's key, then save it back there. It is
            // lost unless it holds what the user's last request stored: a stale copy left
            // under this worker's key by an earlier visit is a lost session too.
            let key = self.session_key(w, &user.session_id)?;
            let found = self
                .state_service
                .get(&key)
                .and_then(|bytes| SessionData::deserialize(bytes, false).ok());
            let read = match found.as_ref().and_then(|d| d.get("visits")) {
                Some(SessionValue::Int32(v)) => Some(*v),
                _ => None,
            };
            if let Some(expected) = user.last_visits {
                record(
                    StateKind::Session,
                    read == Some(expected),
                    user.last.unwrap_or(w),
                    self,
                );
            }
            let visits = read.unwrap_or(0).saturating_add(1);
            let mut data = found.unwrap_or_else(|| SessionData::new(time::Duration::minutes(20)));
            data.items.retain(|(k, _)| k != "visits");
            data.items
                .push(("visits".into(), SessionValue::Int32(visits)));
            self.state_service.insert(key, data.serialize(false)?);
            user.last_visits = Some(visits);

            // Forms login: kept until it fails (then the user logs in again on this worker).
            let ok = match &user.ticket {
                Some((cookie, issuer)) => {
                    let ok = keys
                        .decrypt_ticket_without_expiry_check(cookie, CookieProtection::All)
                        .is_ok();
                    record(StateKind::FormsLogin, ok, *issuer, self);
                    ok
                }
                None => false,
            };
            if !ok {
                let ticket = FormsAuthenticationTicket::new(
                    &format!("user{user_index}"),
                    self.now(),
                    time::Duration::minutes(30),
                );
                user.ticket = Some((keys.encrypt_ticket(&ticket, CookieProtection::All)?, w));
            }

            // ViewState: the page posted back was rendered by the previous worker.
            if let Some((field, issuer)) = &user.viewstate {
                record(
                    StateKind::ViewState,
                    keys.decode_viewstate(field, &page).is_ok(),
                    *issuer,
                    self,
                );
            }
            user.viewstate = Some((
                keys.encode_viewstate(
                    b"\xff\x01\x0f\x0f\x05\x01xdd",
                    &page,
                    ViewStateProtection::Signed,
                )?,
                w,
            ));

            // MachineKey.Protect (4.x only).
            if era == Era::Net48 {
                if let Some((blob, issuer)) = &user.protected {
                    record(
                        StateKind::Protect,
                        keys.unprotect(blob, &PURPOSES).is_ok(),
                        *issuer,
                        self,
                    );
                }
                user.protected = Some((keys.protect(b"remember-me", &PURPOSES)?, w));
            }
            user.last = Some(w);
            if let Some(slot) = self.users.get_mut(user_index) {
                *slot = user;
            }
        }
        Ok(Report {
            scenario: scenario.to_owned(),
            requests: u64::try_from(requests).unwrap_or(u64::MAX),
            kinds: kinds
                .into_values()
                .filter(|k| k.requests > 0 || k.kind != StateKind::Protect)
                .collect(),
            workers: self
                .all_workers()
                .into_iter()
                .filter_map(|w| {
                    self.worker(w)
                        .map(|x| (x.name.clone(), x.key_source.clone()))
                })
                .collect(),
        })
    }

    /// Whether state protected by worker `a` is accepted by worker `b`, checked with the
    /// real formats, and why.
    ///
    /// # Errors
    /// [`ArgumentError::NoSuch`] for a worker that does not exist.
    ///
    /// # Example
    /// ```
    /// # use machinekey::keys::store::ProcessIdentity;
    /// # use machinekey::sim::{Era, Simulation, WorkerRef};
    /// let mut sim = Simulation::web_garden(Era::Net48, 2, ProcessIdentity::custom("S-1-5-21-9", false), 9)?;
    /// sim.install_framework(0, true)?;
    /// let d = sim.diagnose(WorkerRef { server: 0, worker: 0 }, WorkerRef { server: 0, worker: 1 })?;
    /// assert!(!d.all_interchangeable());
    /// assert!(d.explanation.contains("per-process random keys"));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn diagnose(&self, a: WorkerRef, b: WorkerRef) -> Result<Diagnosis, Error> {
        let (na, nb) = (self.node(a, &self.app)?, self.node(b, &self.app)?);
        let comparison = compat::compare(&na, &nb)?;
        let interchangeable: Vec<(StateKind, bool)> = [
            (StateKind::Session, compat::StateKind::SessionLookupKey),
            (StateKind::FormsLogin, compat::StateKind::FormsTicket),
            (StateKind::ViewState, compat::StateKind::ViewState),
            (StateKind::Protect, compat::StateKind::MachineKeyProtect),
        ]
        .into_iter()
        .filter_map(|(ours, theirs)| match comparison.outcome(theirs)? {
            compat::Outcome::Read => Some((ours, true)),
            compat::Outcome::Refused => Some((ours, false)),
            _ => None,
        })
        .collect();
        let mut reasons: Vec<compat::Reason> = Vec::new();
        for v in &comparison.verdicts {
            for r in &v.reasons {
                if !reasons.contains(r) {
                    reasons.push(r.clone());
                }
            }
        }
        let describe = |w: WorkerRef| {
            self.worker(w)
                .map(|x| format!("{}: {}", x.name, x.key_source))
                .unwrap_or_default()
        };
        let explanation = if interchangeable.iter().all(|(_, ok)| *ok) {
            format!(
                "{}; {}; their keys agree: protected data is interchangeable",
                describe(a),
                describe(b)
            )
        } else {
            reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        Ok(Diagnosis {
            interchangeable,
            explanation,
            reasons,
        })
    }

    /// A worker as a [`compat::Node`] for `app`: its server's configuration and the
    /// AutoGenerate buffer its identity resolved (another application in a pool of the same
    /// identity on that server gets the same buffer).
    ///
    /// # Errors
    /// [`ArgumentError::NoSuch`] for a worker that does not exist.
    ///
    /// # Example
    /// ```
    /// # use machinekey::keys::store::ProcessIdentity;
    /// # use machinekey::sim::{Era, Simulation, WorkerRef};
    /// use machinekey::AppIdentity;
    /// let sim = Simulation::web_garden(Era::Net48, 1, ProcessIdentity::network_service(), 1)?;
    /// let w = WorkerRef { server: 0, worker: 0 };
    /// let other = AppIdentity::new("/Blog", "/LM/W3SVC/1/ROOT/Blog")?;
    /// let c = machinekey::compat::compare(&sim.node(w, sim.app())?, &sim.node(w, &other)?)?;
    /// assert!(!c.all_readable()); // AutoGenerate,IsolateApps
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn node(&self, w: WorkerRef, app: &AppIdentity) -> Result<compat::Node, Error> {
        let (Some(server), Some(worker)) = (self.servers.get(w.server), self.worker(w)) else {
            return Err(ArgumentError::NoSuch {
                what: "worker",
                index: w.worker,
            }
            .into());
        };
        let node = compat::Node::new(&worker.name, server.config.clone(), app.clone());
        Ok(match &worker.autogen {
            Some(keys) => node.with_autogen(keys.clone(), &worker.key_source),
            None => node,
        })
    }
}

/// Whether either stack of `config` takes a key from the auto-generated buffer.
fn needs_autogen(config: &MachineKeyConfig) -> bool {
    let auto =
        |specs: Result<(crate::config::KeySpec, crate::config::KeySpec), crate::ConfigError>| {
            specs.is_ok_and(|(v, d)| {
                v.source == KeySource::AutoGenerate || d.source == KeySource::AutoGenerate
            })
        };
    auto(config.legacy_key_specs()) || auto(config.framework45_key_specs())
}
