//! Counting events as they stream past, and what the counts say: a summary, a timeline that
//! places installer runs and `aspnet_regiis -ga` against the failures, and a diagnosis.
//!
//! Memory is bounded whatever the log's size: tallies keep at most [`MAX_KEYS`] distinct
//! machines, workers or applications (the rest are counted under `(other)`), and failures
//! over time are kept in buckets that widen (1 ms, 2 ms, 4 ms, ...) when there would be more
//! than [`MAX_BUCKETS`] of them; the timeline's before/after counts are exact to one bucket.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use super::model::{Event, EventKind, ExceptionClass, SkipReason};
use super::when::EventTime;
use super::{Item, Skipped};
use crate::names::names;

/// Distinct machines, workers or applications tallied by name.
pub const MAX_KEYS: usize = 10_000;
/// Failure buckets kept before they widen.
pub const MAX_BUCKETS: usize = 100_000;
/// Marks (installer and `-ga` events) kept.
const MAX_MARKS: usize = 10_000;
/// Malformed records kept as examples.
const MAX_EXAMPLES: usize = 20;

/// A name and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Count {
    /// The machine, worker, application, kind, ...
    pub name: String,
    /// Events.
    pub events: u64,
    /// Of which failures.
    pub failures: u64,
}

#[derive(Debug, Default, Clone)]
struct Tally {
    events: u64,
    failures: u64,
    first_failure: Option<EventTime>,
    last_failure: Option<EventTime>,
}

/// Tallies by name, at most [`MAX_KEYS`] names.
#[derive(Debug, Default)]
struct Tallies(BTreeMap<String, Tally>);

impl Tallies {
    fn add(&mut self, name: &str, failure: bool, time: Option<EventTime>) {
        let key = if self.0.len() >= MAX_KEYS && !self.0.contains_key(name) {
            "(other)"
        } else {
            name
        };
        let t = self.0.entry(key.to_owned()).or_default();
        t.events += 1;
        if failure {
            t.failures += 1;
            if let Some(time) = time {
                t.first_failure = Some(t.first_failure.map_or(time, |f| f.min(time)));
                t.last_failure = Some(t.last_failure.map_or(time, |l| l.max(time)));
            }
        }
    }

    fn counts(&self) -> Vec<Count> {
        let mut out: Vec<Count> = self
            .0
            .iter()
            .map(|(name, t)| Count {
                name: name.clone(),
                events: t.events,
                failures: t.failures,
            })
            .collect();
        out.sort_by(|a, b| b.failures.cmp(&a.failures).then(b.events.cmp(&a.events)));
        out
    }
}

/// Counts per series over time, in buckets that widen to stay under [`MAX_BUCKETS`].
#[derive(Debug, Clone)]
struct Buckets {
    /// Bucket width in milliseconds.
    width: i64,
    map: BTreeMap<i64, BTreeMap<u32, u64>>,
    entries: usize,
}

impl Default for Buckets {
    fn default() -> Self {
        Self {
            width: 1,
            map: BTreeMap::new(),
            entries: 0,
        }
    }
}

fn millis(t: EventTime) -> i64 {
    i64::try_from(t.at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl Buckets {
    fn add(&mut self, time: EventTime, series: u32) {
        let key = millis(time).div_euclid(self.width) * self.width;
        let slot = self.map.entry(key).or_default();
        let fresh = !slot.contains_key(&series);
        *slot.entry(series).or_default() += 1;
        if fresh {
            self.entries += 1;
        }
        while self.entries > MAX_BUCKETS && self.width < i64::MAX / 4 {
            self.widen();
        }
    }

    fn widen(&mut self) {
        self.width *= 2;
        let old = core::mem::take(&mut self.map);
        self.entries = 0;
        for (key, series) in old {
            let k = key.div_euclid(self.width) * self.width;
            let slot = self.map.entry(k).or_default();
            for (s, n) in series {
                let e = slot.entry(s).or_default();
                if *e == 0 {
                    self.entries += 1;
                }
                *e += n;
            }
        }
    }

    /// Counts per series of the buckets starting in `[from, to)` (milliseconds).
    fn between(&self, from: Option<i64>, to: Option<i64>) -> BTreeMap<u32, u64> {
        let mut out = BTreeMap::new();
        let lo = from.unwrap_or(i64::MIN);
        let hi = to.unwrap_or(i64::MAX);
        if lo >= hi {
            return out;
        }
        for series in self.map.range(lo..hi).map(|(_, s)| s) {
            for (s, n) in series {
                *out.entry(*s).or_default() += n;
            }
        }
        out
    }
}

/// An installer run or an `aspnet_regiis -ga`, placed in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Mark {
    /// When.
    pub time: Option<EventTime>,
    /// Where.
    pub machine: Option<String>,
    /// `installer/start`, `installer/finish`, `grant_access/start`, `grant_access/finish`, ...
    pub what: String,
    /// The framework version registered, or the account granted.
    pub detail: Option<String>,
    /// Where the record was.
    pub origin: String,
}

impl Mark {
    fn is_installer(&self) -> bool {
        self.what.starts_with("installer/")
    }

    fn is_grant(&self) -> bool {
        self.what.starts_with("grant_access/")
    }
}

/// Failures between two marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Segment {
    /// The mark that opens it (`None`: the start of the log).
    pub after: Option<String>,
    /// From (inclusive).
    pub from: Option<EventTime>,
    /// To (exclusive; `None`: the end of the log).
    pub to: Option<EventTime>,
    /// Failures in it.
    pub failures: u64,
    /// Per worker process.
    pub by_worker: Vec<(String, u64)>,
}

/// Installer and `-ga` marks in time order, and the failures between them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Timeline {
    /// The marks, in time order (untimed ones last).
    pub marks: Vec<Mark>,
    /// The failures before the first mark, between marks, and after the last.
    pub segments: Vec<Segment>,
    /// Failures without a time.
    pub untimed_failures: u64,
}

/// Failures of one worker process over time, for charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Series {
    /// The worker (`machine/pid name`).
    pub worker: String,
    /// Its machine.
    pub machine: String,
    /// `(bucket start, failures)`, bucket starts as Unix milliseconds.
    pub points: Vec<(i64, u64)>,
}

/// Counts of a whole input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// ASP.NET events read.
    pub events: u64,
    /// Failures among them ([`EventKind::is_failure`]).
    pub failures: u64,
    /// Records skipped, by reason (`not_aspnet`, `malformed`, `too_large`).
    pub skipped: BTreeMap<String, u64>,
    /// The first malformed or oversized records, with their reasons.
    pub skipped_examples: Vec<Skipped>,
    /// The earliest event time.
    pub first: Option<EventTime>,
    /// The latest event time.
    pub last: Option<EventTime>,
    /// Per kind label.
    pub by_kind: Vec<Count>,
    /// Per machine.
    pub by_machine: Vec<Count>,
    /// Per worker process.
    pub by_worker: Vec<Count>,
    /// Per application.
    pub by_application: Vec<Count>,
}

/// What a diagnosis names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosisCode {
    /// Worker processes of one application each made up their own keys (a web garden whose
    /// key store the installer made unusable).
    WebGarden,
    /// One server of a farm cannot read what the others protect: their keys differ.
    FarmKeysDiffer,
    /// A burst of padding errors: someone probing for a padding oracle.
    PaddingOracleProbe,
    /// Data Protection keys not found, or anti-forgery tokens that do not decrypt: the key
    /// ring is not shared.
    KeyRingNotShared,
    /// Cryptographic failures without a pattern that points further.
    KeyMismatch,
    /// State lost without any cryptographic failure: not keys (restarts of `InProc` state).
    NotKeys,
    /// Logged ViewStates carry deserialization gadgets or executables: an attack, made with
    /// keys the attacker holds when a key of the list verified them.
    Attack,
    /// Nothing in the log points at keys.
    Nothing,
}

names!(DiagnosisCode, "The code, as JSON gives it.", {
    WebGarden => "web_garden",
    FarmKeysDiffer => "farm_keys_differ",
    PaddingOracleProbe => "padding_oracle_probe",
    KeyRingNotShared => "key_ring_not_shared",
    KeyMismatch => "key_mismatch",
    NotKeys => "not_keys",
    Attack => "attack",
    Nothing => "nothing",
});

/// One conclusion, in an operator's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnosis {
    /// What it is.
    pub code: DiagnosisCode,
    /// One paragraph.
    pub summary: String,
    /// The counts and times it rests on.
    pub evidence: Vec<String>,
    /// What to do.
    pub fixes: Vec<String>,
}

/// What an input says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Counts.
    pub summary: Summary,
    /// Marks and the failures between them.
    pub timeline: Timeline,
    /// Conclusions, most specific first.
    pub diagnosis: Vec<Diagnosis>,
    /// Failures per worker over time (for `plot::svg`, feature `plot`).
    #[serde(skip)]
    pub series: Vec<Series>,
}

/// Takes events one at a time; [`finish`](Self::finish) gives the [`Report`].
#[derive(Debug, Default)]
pub struct Analysis {
    summary: Summary,
    kinds: Tallies,
    machines: Tallies,
    workers: Tallies,
    apps: Tallies,
    /// Worker name → series index; series index → (worker, machine, application).
    series_index: HashMap<String, u32>,
    series: Vec<(String, String, String)>,
    failures: Buckets,
    padding: Buckets,
    padding_clients: BTreeMap<String, u64>,
    classes: BTreeMap<ExceptionClass, u64>,
    key_failures: u64,
    restarts: u64,
    marks: Vec<Mark>,
    untimed_failures: u64,
    attacks: Vec<Attack>,
    attack_count: u64,
}

/// One logged ViewState found to carry an attack payload.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attack {
    origin: String,
    key: Option<String>,
    gadgets: Vec<String>,
    executables: Vec<String>,
}

impl Analysis {
    /// Adds what opening an event's ViewState found when it carries an attack payload:
    /// where, the key that verified it (its list and line, or `None`), the gadget families
    /// and the SHA-256 of each executable inside.
    pub fn add_attack(
        &mut self,
        origin: &str,
        key: Option<&str>,
        gadgets: &[String],
        executables: &[String],
    ) {
        self.attack_count += 1;
        if self.attacks.len() < MAX_EXAMPLES {
            self.attacks.push(Attack {
                origin: origin.to_owned(),
                key: key.map(str::to_owned),
                gadgets: gadgets.to_vec(),
                executables: executables.to_vec(),
            });
        }
    }

    /// An empty analysis.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds what a reader handed on.
    pub fn add(&mut self, item: &Item) {
        match item {
            Item::Event(e) => self.add_event(e),
            Item::Skipped(s) => self.add_skipped(s),
        }
    }

    /// Adds a skipped record.
    pub fn add_skipped(&mut self, skipped: &Skipped) {
        let key = match skipped.reason {
            SkipReason::NotAspNet { .. } => "not_aspnet",
            SkipReason::Malformed { .. } => "malformed",
            SkipReason::TooLarge { .. } => "too_large",
        };
        *self.summary.skipped.entry(key.to_owned()).or_default() += 1;
        if key != "not_aspnet" && self.summary.skipped_examples.len() < MAX_EXAMPLES {
            self.summary.skipped_examples.push(skipped.clone());
        }
    }

    fn series_of(&mut self, worker: &str, machine: &str, app: &str) -> u32 {
        if let Some(i) = self.series_index.get(worker) {
            return *i;
        }
        let name = if self.series.len() >= MAX_KEYS {
            "(other)"
        } else {
            worker
        };
        if let Some(i) = self.series_index.get(name) {
            return *i;
        }
        let i = u32::try_from(self.series.len()).unwrap_or(u32::MAX);
        self.series
            .push((name.to_owned(), machine.to_owned(), app.to_owned()));
        self.series_index.insert(name.to_owned(), i);
        i
    }

    /// Adds an event.
    pub fn add_event(&mut self, e: &Event) {
        let s = &mut self.summary;
        s.events += 1;
        let failure = e.kind.is_failure();
        if let Some(t) = e.time {
            s.first = Some(s.first.map_or(t, |f| f.min(t)));
            s.last = Some(s.last.map_or(t, |l| l.max(t)));
        }
        let padding = matches!(
            e.kind,
            EventKind::Exception {
                class: ExceptionClass::Padding
            }
        );
        // Padding errors are counted apart: they say probe, not keys.
        let key_failure = failure && !padding;
        if failure {
            s.failures += 1;
        }
        let machine = e.machine.clone().unwrap_or_else(|| "(unknown)".into());
        let worker = e.worker();
        let app = e.application();
        self.kinds.add(&e.kind.label(), failure, e.time);
        self.machines.add(&machine, failure, e.time);
        if let Some(w) = &worker {
            self.workers.add(w, failure, e.time);
        }
        if let Some(a) = &app {
            self.apps.add(a, failure, e.time);
        }
        if let EventKind::Exception { class } = e.kind {
            *self.classes.entry(class).or_default() += 1;
        }
        if padding {
            if let Some(t) = e.time {
                self.padding.add(t, 0);
            }
            if let Some(c) = &e.client_address {
                if self.padding_clients.len() < MAX_KEYS || self.padding_clients.contains_key(c) {
                    *self.padding_clients.entry(c.clone()).or_default() += 1;
                }
            }
        }
        if key_failure {
            self.key_failures += 1;
            let name = worker.clone().unwrap_or_else(|| format!("{machine}/?"));
            let index = self.series_of(&name, &machine, app.as_deref().unwrap_or("?"));
            match e.time {
                Some(t) => self.failures.add(t, index),
                None => self.untimed_failures += 1,
            }
        }
        match &e.kind {
            EventKind::ApplicationLifetime { code: 1002 } => self.restarts += 1,
            EventKind::Installer { version, .. } => self.mark(e, version.clone()),
            EventKind::GrantAccess { account, .. } => self.mark(e, account.clone()),
            _ => {}
        }
    }

    fn mark(&mut self, e: &Event, detail: Option<String>) {
        if self.marks.len() < MAX_MARKS {
            self.marks.push(Mark {
                time: e.time,
                machine: e.machine.clone(),
                what: e.kind.label(),
                detail,
                origin: e.origin.to_string(),
            });
        }
    }

    /// The report.
    #[must_use]
    pub fn finish(mut self) -> Report {
        self.summary.by_kind = self.kinds.counts();
        self.summary.by_machine = self.machines.counts();
        self.summary.by_worker = self.workers.counts();
        self.summary.by_application = self.apps.counts();
        self.marks
            .sort_by_key(|m| (m.time.is_none(), m.time.map(|t| t.at)));
        let timeline = self.timeline();
        let diagnosis = self.diagnose(&timeline);
        let series = self.chart_series();
        Report {
            summary: self.summary,
            timeline,
            diagnosis,
            series,
        }
    }

    fn worker_name(&self, index: u32) -> String {
        self.series
            .get(index as usize)
            .map_or_else(|| "?".to_owned(), |s| s.0.clone())
    }

    /// Marks one after another within ten minutes on one machine, of one kind, count as
    /// one boundary (an installer's start and finish).
    fn boundaries(&self) -> Vec<&Mark> {
        let mut out: Vec<&Mark> = Vec::new();
        for m in self.marks.iter().filter(|m| m.time.is_some()) {
            let same_run = out.last().is_some_and(|prev| {
                prev.machine == m.machine
                    && prev.what.split('/').next() == m.what.split('/').next()
                    && m.time
                        .zip(prev.time)
                        .is_some_and(|(a, b)| a.unix() - b.unix() <= 600)
            });
            if same_run {
                if let Some(last) = out.last_mut() {
                    *last = m;
                }
            } else {
                out.push(m);
            }
        }
        out
    }

    fn timeline(&self) -> Timeline {
        let bounds = self.boundaries();
        let mut segments = Vec::new();
        let mut from: Option<&Mark> = None;
        for next in bounds.iter().copied().map(Some).chain([None]) {
            let lo = from.and_then(|m| m.time).map(millis);
            let hi = next.and_then(|m| m.time).map(millis);
            let counts = self.failures.between(lo, hi);
            let mut by_worker: Vec<(String, u64)> = counts
                .iter()
                .map(|(s, n)| (self.worker_name(*s), *n))
                .collect();
            by_worker.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            segments.push(Segment {
                after: from.map(|m| m.what.clone()),
                from: from.and_then(|m| m.time),
                to: next.and_then(|m| m.time),
                failures: counts.values().sum(),
                by_worker,
            });
            from = next;
        }
        Timeline {
            marks: self.marks.clone(),
            segments,
            untimed_failures: self.untimed_failures,
        }
    }

    fn chart_series(&self) -> Vec<Series> {
        let mut out: Vec<Series> = self
            .series
            .iter()
            .map(|(w, m, _)| Series {
                worker: w.clone(),
                machine: m.clone(),
                points: Vec::new(),
            })
            .collect();
        for (t, per) in &self.failures.map {
            for (s, n) in per {
                if let Some(series) = out.get_mut(*s as usize) {
                    series.points.push((*t, *n));
                }
            }
        }
        out
    }

    /// Key failures per worker before `at` and from `at` on, for the workers of `app`.
    fn split_at(&self, app: &str, at: EventTime) -> (u64, BTreeMap<u32, u64>) {
        let cut = millis(at);
        let mine = |s: &u32| self.series.get(*s as usize).is_some_and(|x| x.2 == app);
        let before: u64 = self
            .failures
            .between(None, Some(cut))
            .iter()
            .filter(|(s, _)| mine(s))
            .map(|(_, n)| n)
            .sum();
        let after = self
            .failures
            .between(Some(cut), None)
            .into_iter()
            .filter(|(s, _)| mine(s))
            .collect();
        (before, after)
    }

    fn diagnose(&self, timeline: &Timeline) -> Vec<Diagnosis> {
        let mut out = Vec::new();
        if let Some(d) = self.attack() {
            out.push(d);
        }
        if let Some(d) = self.padding_probe() {
            out.push(d);
        }
        out.extend(self.web_garden(timeline));
        if let Some(d) = self.farm() {
            out.push(d);
        }
        let ring = self
            .classes
            .get(&ExceptionClass::KeyNotFound)
            .copied()
            .unwrap_or(0)
            + self
                .classes
                .get(&ExceptionClass::AntiForgery)
                .copied()
                .unwrap_or(0);
        if ring > 0 {
            out.push(Diagnosis {
                code: DiagnosisCode::KeyRingNotShared,
                summary: format!(
                    "{ring} requests carried tokens protected with keys this server does not have (\"The key {{...}} was not found in the key ring\", or anti-forgery tokens that could not be decrypted): the servers or processes do not share one key ring."
                ),
                evidence: self.class_lines(),
                fixes: vec![
                    "Persist the Data Protection key ring to one place every instance reads (PersistKeysToFileSystem on a share, a database, Redis, Azure Blob) and give every instance the same SetApplicationName.".into(),
                    "For MVC anti-forgery tokens on .NET Framework: set an explicit <machineKey> on every server.".into(),
                ],
            });
        }
        if out.is_empty() && self.key_failures > self.attack_count {
            out.push(Diagnosis {
                code: DiagnosisCode::KeyMismatch,
                summary: format!(
                    "{} requests carried state this application could not verify or decrypt, without a pattern of workers, servers or installer runs that explains it: the state was protected with other keys (another server or application, keys changed since, or a client sending forged values).",
                    self.key_failures
                ),
                evidence: self.class_lines(),
                fixes: vec![
                    "Compare the <machineKey> (and compatibilityMode / httpRuntime targetFramework) of every server and application that shares these pages or cookies.".into(),
                    "Open the logged ViewStates with the keys you have (`machinekey events --keys`, `--web-config`) to see which keys made them.".into(),
                ],
            });
        }
        if self.key_failures == 0 && self.restarts > 0 {
            out.push(Diagnosis {
                code: DiagnosisCode::NotKeys,
                summary: format!(
                    "No cryptographic failure was logged, but the application shut down {} times: sessions kept InProc live inside the worker process and are lost at every application restart or recycle. This is not a key problem.",
                    self.restarts
                ),
                evidence: vec![format!("{} application shutdowns (event code 1002)", self.restarts)],
                fixes: vec![
                    "Keep session state out of the process (sessionState mode=\"StateServer\" or \"SQLServer\"), or find why the application restarts (the shutdown reason in each 1305 event).".into(),
                ],
            });
        }
        if out.is_empty() {
            out.push(Diagnosis {
                code: DiagnosisCode::Nothing,
                summary: "No ASP.NET failure in this log points at keys.".into(),
                evidence: vec![format!("{} ASP.NET events read", self.summary.events)],
                fixes: Vec::new(),
            });
        }
        out
    }

    fn attack(&self) -> Option<Diagnosis> {
        if self.attack_count == 0 {
            return None;
        }
        let keyed: Vec<&Attack> = self.attacks.iter().filter(|a| a.key.is_some()).collect();
        let mut gadgets: Vec<&str> = self
            .attacks
            .iter()
            .flat_map(|a| a.gadgets.iter().map(String::as_str))
            .collect();
        gadgets.sort_unstable();
        gadgets.dedup();
        let mut exes: Vec<&str> = self
            .attacks
            .iter()
            .flat_map(|a| a.executables.iter().map(String::as_str))
            .collect();
        exes.sort_unstable();
        exes.dedup();
        let mut summary = format!(
            "{} logged ViewStates are attack payloads (deserialization gadgets: {}{}), not a key mismatch.",
            self.attack_count,
            if gadgets.is_empty() {
                "none".to_owned()
            } else {
                gadgets.join(", ")
            },
            if exes.is_empty() {
                String::new()
            } else {
                format!("; {} Windows executables inside", exes.len())
            }
        );
        if !keyed.is_empty() {
            summary.push_str(" They verify under a key of the list: whoever sent them holds this application's <machineKey>, so the server may have run them; treat it as compromised.");
        }
        let mut evidence: Vec<String> = self
            .attacks
            .iter()
            .take(5)
            .map(|a| {
                format!(
                    "{}: {}{}{}",
                    a.origin,
                    a.key.as_deref().map_or_else(
                        || "no key of the list verifies it".to_owned(),
                        |k| format!("verified with the key at {k}")
                    ),
                    if a.gadgets.is_empty() {
                        String::new()
                    } else {
                        format!(", gadgets {}", a.gadgets.join(", "))
                    },
                    if a.executables.is_empty() {
                        String::new()
                    } else {
                        format!(", executables SHA-256 {}", a.executables.join(", "))
                    }
                )
            })
            .collect();
        if self.attack_count > 5 {
            evidence.push(format!("... and {} more", self.attack_count - 5));
        }
        Some(Diagnosis {
            code: DiagnosisCode::Attack,
            summary,
            evidence,
            fixes: vec![
                "Replace the machine keys now (a new explicit <machineKey> on every server; on SharePoint, rotate them with Set-SPMachineKey and Update-SPMachineKey), then restart IIS: stolen or published keys let anyone forge ViewState.".into(),
                "Investigate the server as compromised: look for the executables' hashes, new files under the web roots, and w3wp.exe child processes around the events' times.".into(),
            ],
        })
    }

    fn class_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .summary
            .by_kind
            .iter()
            .filter(|c| c.failures > 0)
            .map(|c| format!("{} x {}", c.failures, c.name))
            .collect();
        lines.truncate(10);
        lines
    }

    fn padding_probe(&self) -> Option<Diagnosis> {
        let total: u64 = self
            .classes
            .get(&ExceptionClass::Padding)
            .copied()
            .unwrap_or(0);
        // The largest number in any ten minutes (bucket starts within 600 s of each other).
        let times: Vec<(i64, u64)> = self
            .padding
            .map
            .iter()
            .map(|(t, s)| (*t, s.values().sum()))
            .collect();
        let mut best = 0u64;
        let mut window = 0u64;
        let mut lo = 0usize;
        for (hi, (t, n)) in times.iter().enumerate() {
            window += n;
            while let Some((t0, n0)) = times.get(lo) {
                if t - t0 >= 600_000 && lo < hi {
                    window -= n0;
                    lo += 1;
                } else {
                    break;
                }
            }
            best = best.max(window);
        }
        if total < 5 || (best < 5 && !times.is_empty()) {
            return None;
        }
        let mut clients: Vec<(&String, &u64)> = self.padding_clients.iter().collect();
        clients.sort_by(|a, b| b.1.cmp(a.1));
        let mut evidence = vec![format!(
            "{total} \"Padding is invalid and cannot be removed\" errors, up to {best} within ten minutes"
        )];
        if !clients.is_empty() {
            evidence.push(format!(
                "from {}",
                clients
                    .iter()
                    .take(5)
                    .map(|(c, n)| format!("{c} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Some(Diagnosis {
            code: DiagnosisCode::PaddingOracleProbe,
            summary: "A burst of padding errors is someone probing the site for a padding oracle (the MS10-070 attack: tampered ciphertexts sent to WebResource.axd, ScriptResource.axd or a ViewState to learn from the errors), not a key mismatch: a mismatch fails the MAC first and says \"Unable to validate data\" or \"Validation of viewstate MAC failed\".".into(),
            evidence,
            fixes: vec![
                "Make sure MS10-070 (and every later .NET Framework security update) is installed: it MACs before decrypting, so the probe learns nothing.".into(),
                "Keep customErrors on with one error page for every error (redirectMode=\"ResponseRewrite\"), and block the clients.".into(),
                "Treat the machine keys as possibly exposed if the server was unpatched: replace them with an explicit new <machineKey>.".into(),
            ],
        })
    }

    fn web_garden(&self, timeline: &Timeline) -> Option<Diagnosis> {
        // Applications whose failures come from two or more workers of one machine.
        let mut apps: BTreeMap<(&str, &str), BTreeSet<u32>> = BTreeMap::new();
        for (i, (_, machine, app)) in self.series.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            if self.failures.map.values().any(|s| s.contains_key(&i)) {
                apps.entry((app.as_str(), machine.as_str()))
                    .or_default()
                    .insert(i);
            }
        }
        let ((app, machine), workers) = apps.iter().max_by_key(|(_, w)| w.len())?;
        if workers.len() < 2 {
            return None;
        }
        let names: Vec<String> = workers.iter().map(|w| self.worker_name(*w)).collect();
        let installer = self.marks.iter().filter(|m| {
            m.is_installer()
                && m.time.is_some()
                && m.machine.as_deref().is_none_or(|x| x == *machine)
        });
        // The installer run after which the failures started: none before it, some after.
        let mut found = None;
        for m in installer {
            let Some(t) = m.time else { continue };
            let (before, after) = self.split_at(app, t);
            if before == 0 && after.len() >= 2 {
                found = Some((m, after));
                break;
            }
        }
        let mut evidence = vec![format!(
            "{} worker processes of {app} on {machine} failed to read state: {}",
            names.len(),
            names.join(", ")
        )];
        let mut summary = format!(
            "Worker processes of one application ({app} on {machine}) cannot read each other's ViewState, forms tickets and other protected state: each worker process has its own keys. This is the web-garden incident: the application pool runs several worker processes with <machineKey> left at AutoGenerate, and they no longer share the generated keys."
        );
        if let Some((m, after)) = &found {
            let when = m.time.map(|t| t.to_string()).unwrap_or_default();
            evidence.push(format!(
                "no failure before the ASP.NET installer ran ({} at {when}{}); {} after it, from {} workers",
                m.what,
                m.detail.as_deref().map(|v| format!(", version {v}")).unwrap_or_default(),
                after.values().sum::<u64>(),
                after.len()
            ));
            summary.push_str(&format!(
                " It started when the ASP.NET installer (a .NET Framework update or repair) ran at {when}: since then the pool identity cannot use the key store, so every worker process makes up keys of its own."
            ));
        }
        // What -ga did.
        let grants: Vec<&Mark> = timeline
            .marks
            .iter()
            .filter(|m| m.is_grant() && m.time.is_some())
            .collect();
        if let Some(g) = grants.last() {
            if let Some(t) = g.time {
                let (_, after) = self.split_at(app, t);
                let n: u64 = after.values().sum();
                evidence.push(format!(
                    "{n} failures after aspnet_regiis -ga ({}{}) at {t}",
                    g.what,
                    g.detail
                        .as_deref()
                        .map(|a| format!(" for {a}"))
                        .unwrap_or_default()
                ));
                if n == 0 {
                    summary.push_str(&format!(
                        " None failed after aspnet_regiis -ga at {t}: granting the pool identity the key store fixed it."
                    ));
                } else {
                    summary.push_str(" Failures went on after aspnet_regiis -ga: the grant only takes effect when the workers restart.");
                }
            }
        }
        Some(Diagnosis {
            code: DiagnosisCode::WebGarden,
            summary,
            evidence,
            fixes: vec![
                "Put an explicit <machineKey validationKey=\"...\" decryptionKey=\"...\"/> in the application's web.config (`machinekey generate` writes one), so every worker process uses the same keys whatever the key store holds.".into(),
                "Or run `aspnet_regiis -ga \"IIS APPPOOL\\<pool>\"` (the pool's identity) so it can read and write the AutoGenerate key store again, then recycle the application pool.".into(),
                "Or run the pool with one worker process (maxProcesses=\"1\") until the keys are shared.".into(),
            ],
        })
    }

    fn farm(&self) -> Option<Diagnosis> {
        let machines: Vec<&Count> = self
            .summary
            .by_machine
            .iter()
            .filter(|c| c.name != "(unknown)")
            .collect();
        if machines.len() < 2 || self.key_failures == 0 {
            return None;
        }
        let failing: Vec<&&Count> = machines.iter().filter(|c| c.failures > 0).collect();
        let quiet: Vec<&&Count> = machines.iter().filter(|c| c.failures == 0).collect();
        let (summary, evidence) = match (failing.as_slice(), quiet.is_empty()) {
            ([one], false) => (
                format!(
                    "Only {} fails to read the state the other servers of the farm ({}) protect: its keys differ from theirs (another <machineKey>, AutoGenerate keys of its own, or another compatibilityMode / targetFramework).",
                    one.name,
                    quiet
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                vec![format!(
                    "{} failures on {}; none on the {} other servers",
                    one.failures,
                    one.name,
                    quiet.len()
                )],
            ),
            (many, _) if many.len() >= 2 => (
                format!(
                    "Several servers ({}) fail to read state: the servers of this farm do not share one set of keys.",
                    many.iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                many.iter()
                    .map(|c| format!("{} failures on {}", c.failures, c.name))
                    .collect(),
            ),
            _ => return None,
        };
        Some(Diagnosis {
            code: DiagnosisCode::FarmKeysDiffer,
            summary,
            evidence,
            fixes: vec![
                "Give every server of the farm the same explicit <machineKey> (validationKey, decryptionKey, validation and decryption algorithms) and the same compatibilityMode / httpRuntime targetFramework.".into(),
                "Until then, make the load balancer keep each client on one server (sticky sessions).".into(),
            ],
        })
    }
}

fn time_text(t: Option<EventTime>) -> String {
    t.map_or_else(|| "?".to_owned(), |t| t.to_string())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        let skipped: u64 = s.skipped.values().sum();
        writeln!(f, "Summary")?;
        write!(f, "  {} ASP.NET events, {} failures", s.events, s.failures)?;
        if skipped > 0 {
            let parts: Vec<String> = s.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
            write!(f, "; {skipped} records skipped ({})", parts.join(", "))?;
        }
        writeln!(f)?;
        if s.first.is_some() {
            writeln!(f, "  from {} to {}", time_text(s.first), time_text(s.last))?;
        }
        let list = |f: &mut fmt::Formatter<'_>, title: &str, counts: &[Count]| -> fmt::Result {
            if counts.is_empty() {
                return Ok(());
            }
            writeln!(f, "  by {title}:")?;
            for c in counts.iter().take(20) {
                writeln!(
                    f,
                    "    {:<48} {:>7} events {:>7} failures",
                    c.name, c.events, c.failures
                )?;
            }
            if counts.len() > 20 {
                writeln!(f, "    ... and {} more", counts.len() - 20)?;
            }
            Ok(())
        };
        list(f, "kind", &s.by_kind)?;
        list(f, "machine", &s.by_machine)?;
        list(f, "worker process", &s.by_worker)?;
        list(f, "application", &s.by_application)?;
        for ex in s.skipped_examples.iter().take(5) {
            writeln!(f, "  skipped {}: {}", ex.origin, ex.reason)?;
        }
        writeln!(f, "Timeline")?;
        let mut segments = self.timeline.segments.iter();
        if let Some(first) = segments.next() {
            writeln!(
                f,
                "  {:>7} failures before {}",
                first.failures,
                if first.to.is_some() {
                    "the first mark"
                } else {
                    "any mark (none in the log)"
                }
            )?;
        }
        for (m, seg) in self.timeline.marks.iter().zip(
            self.timeline
                .segments
                .iter()
                .skip(1)
                .map(Some)
                .chain(core::iter::repeat(None)),
        ) {
            writeln!(
                f,
                "  {} {} {}{}",
                time_text(m.time),
                m.machine.as_deref().unwrap_or("?"),
                m.what,
                m.detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )?;
            let _ = seg;
        }
        for seg in self.timeline.segments.iter().skip(1) {
            let workers: Vec<String> = seg
                .by_worker
                .iter()
                .take(8)
                .map(|(w, n)| format!("{w}: {n}"))
                .collect();
            writeln!(
                f,
                "  {:>7} failures after {} at {}{}",
                seg.failures,
                seg.after.as_deref().unwrap_or("?"),
                time_text(seg.from),
                if workers.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", workers.join(", "))
                }
            )?;
        }
        if self.timeline.untimed_failures > 0 {
            writeln!(
                f,
                "  {:>7} failures without a time",
                self.timeline.untimed_failures
            )?;
        }
        writeln!(f, "Diagnosis")?;
        for d in &self.diagnosis {
            let code = d.code.as_str();
            writeln!(f, "  [{code}] {}", d.summary)?;
            for e in &d.evidence {
                writeln!(f, "    - {e}")?;
            }
            for x in &d.fixes {
                writeln!(f, "    fix: {x}")?;
            }
        }
        Ok(())
    }
}
