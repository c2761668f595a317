//! Why ASP.NET Core replicas or containers lose each other's logins, antiforgery tokens and
//! sessions, diagnosed from what their operator holds: the replicas' logs in whatever shape
//! they come (console, JSON, Serilog, `kubectl logs`, `docker logs`, text pasted into an
//! issue, ASP.NET Core 2.1 to 10), the key-ring directories, the settings the operator knows,
//! and values pasted along (a cookie, an antiforgery token).
//!
//! Each finding has a stable [`Verdict`] id, the evidence (which log line of which replica,
//! which key, which ring has or lacks it, which replica made a value) and the fix in an
//! operator's words. A pasted value is tied to its key (its header) and to the replica that
//! made that key; where a ring given holds the key, the value is opened with the real format
//! under each known discriminator, so the finding can say under which name it was made. Logs that say nothing about Data Protection get
//! [`Verdict::Healthy`] with [`Diagnosis::nothing_to_go_on`] set, never a guess.
//!
//! **Start here:** [`Diagnoser::read_log`] for each replica's log, [`Diagnoser::key_ring`] for
//! each ring, then [`Diagnoser::diagnose`].
//!
//! # Example
//! ```
//! use machinekey::compat::diagnose::{Diagnoser, Verdict};
//! let a = "info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[58]
//!       Creating key {76ad219b-a727-4658-ba2d-ef0bbb12da08} with creation date 2026-12-06 03:20:50Z, activation date 2026-12-06 03:20:50Z, and expiration date 2027-03-06 03:20:50Z.
//! info: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[39]
//!       Writing data to file '/keys-a/key-76ad219b-a727-4658-ba2d-ef0bbb12da08.xml'.
//! ";
//! let b = "warn: Microsoft.AspNetCore.Session.SessionMiddleware[7]
//!       Error unprotecting the session cookie.
//!       System.Security.Cryptography.CryptographicException: The key {76ad219b-a727-4658-ba2d-ef0bbb12da08} was not found in the key ring.
//! ";
//! let mut d = Diagnoser::new();
//! d.read_log("web-a", a.as_bytes())?.read_log("web-b", b.as_bytes())?;
//! let diagnosis = d.diagnose();
//! assert_eq!(diagnosis.verdicts(), [Verdict::RingsNotShared]);
//! let finding = &diagnosis.findings[0];
//! assert!(finding.evidence.iter().any(|e| e.replica.as_deref() == Some("web-a") && e.line == Some(2)));
//! # Ok::<(), machinekey::compat::diagnose::DiagnoseError>(())
//! ```

pub mod facts;
pub mod logs;
mod reason;
pub mod values;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use facts::{Consumer, Fact, FactKind};
pub use logs::{LogFacts, LogLimits};
pub use values::{Opened, PastedValue, read_values};

use crate::clock::{Clock, FixedClock, SystemClock};
use crate::dataprotection::KeyRing;
pub use crate::error::DiagnoseError;
use crate::error::FileError;
use crate::names::names;

/// What went wrong (or that nothing did). The kebab-case ids are stable: scripts match them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every key is expired or revoked and the replica cannot write a new one.
    NoUsableKey,
    /// A value's key was revoked.
    KeyRevoked,
    /// Keys kept in the container's writable layer: lost when the container goes, never
    /// shared with another container.
    KeysInContainer,
    /// Keys kept under the application's working directory (HOME missing, a relative path):
    /// each deployment or container has its own.
    KeysUnderWorkingDirectory,
    /// Keys in a user profile or the machine's registry: shared only on one host and
    /// account.
    KeysInUserProfile,
    /// The replicas keep different key rings.
    RingsNotShared,
    /// One ring, but the replicas' application discriminators differ.
    DiscriminatorMismatch,
    /// Data Protection agrees, but session data lives in each replica's memory.
    SessionStoreNotShared,
    /// Nothing wrong was found.
    Healthy,
}

impl Verdict {
    /// Every verdict, in the order findings are reported.
    pub const ALL: &'static [Self] = &[
        Self::NoUsableKey,
        Self::KeyRevoked,
        Self::KeysUnderWorkingDirectory,
        Self::KeysInContainer,
        Self::KeysInUserProfile,
        Self::RingsNotShared,
        Self::DiscriminatorMismatch,
        Self::SessionStoreNotShared,
        Self::Healthy,
    ];

    /// The stable id, e.g. `rings-not-shared` (also its `Display`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoUsableKey => "no-usable-key",
            Self::KeyRevoked => "key-revoked",
            Self::KeysInContainer => "keys-in-container",
            Self::KeysUnderWorkingDirectory => "keys-under-working-directory",
            Self::KeysInUserProfile => "keys-in-user-profile",
            Self::RingsNotShared => "rings-not-shared",
            Self::DiscriminatorMismatch => "discriminator-mismatch",
            Self::SessionStoreNotShared => "session-store-not-shared",
            Self::Healthy => "healthy",
        }
    }
}

impl core::fmt::Display for Verdict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| UnknownVerdict(s.to_owned()))
    }
}

/// A verdict id that is none of [`Verdict::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown verdict {0:?}")]
pub struct UnknownVerdict(pub String);

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// The inputs show it (a key made on one replica and missing on another, a session
    /// started on one and unknown to another).
    Shown,
    /// The most likely reading of what the inputs hold; the finding says what would settle it.
    Likely,
}

names!(Confidence, "The confidence, as JSON gives it.", {
    Shown => "shown",
    Likely => "likely",
});

/// Where keys are kept, as the operator configured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Persistence {
    /// One location every replica reads and writes (a shared volume, Redis, a database,
    /// Azure Blob Storage).
    Shared,
    /// A directory of each replica's own.
    PerReplica,
    /// No `PersistKeysTo…`: ASP.NET Core's default location.
    Default,
}

names!(Persistence, "The setting, as JSON and the command line give it.", {
    Shared => "shared",
    PerReplica => "per-replica",
    Default => "default",
});

/// Where session data is kept, as the operator configured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionStore {
    /// `AddDistributedMemoryCache` (each process its own).
    Memory,
    /// A shared `IDistributedCache` (Redis, SQL Server, …).
    Shared,
}

names!(SessionStore, "The setting, as JSON and the command line give it.", {
    Memory => "memory",
    Shared => "shared",
});

/// What the operator knows of the deployment. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The name given to `SetApplicationName`, if any.
    pub application_name: Option<String>,
    /// Where keys are persisted.
    pub persistence: Option<Persistence>,
    /// How many replicas serve the application.
    pub replicas: Option<u32>,
    /// Where session data lives.
    pub session_store: Option<SessionStore>,
}

/// One piece of evidence: a log line, a key, a ring, a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Evidence {
    /// What it shows, in a sentence.
    pub what: String,
    /// The replica concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
    /// The log it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The line in that log (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The key concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<crate::dataprotection::KeyId>,
    /// The key ring concerned (as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring: Option<String>,
    /// The log line itself, cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// One thing that went wrong, with its evidence and fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The verdict.
    pub verdict: Verdict,
    /// How sure.
    pub confidence: Confidence,
    /// Whether it explains failures the inputs show (else it is a risk: what will fail).
    pub explains_failures: bool,
    /// What happened, in a paragraph.
    pub summary: String,
    /// The evidence.
    pub evidence: Vec<Evidence>,
    /// What to do, in the operator's words.
    pub fix: String,
}

/// What one replica's logs showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplicaSummary {
    /// The replica.
    pub name: String,
    /// Facts read for it.
    pub facts: usize,
    /// Where its keys are, as its log says.
    pub repository: Option<String>,
    /// Keys it made.
    pub keys_made: Vec<crate::dataprotection::KeyId>,
    /// Keys it used or found.
    pub keys_used: Vec<crate::dataprotection::KeyId>,
    /// Its content root, when logged.
    pub content_root: Option<String>,
    /// The key ring given that matches it.
    pub ring: Option<String>,
}

/// One key ring given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RingSummary {
    /// The ring as given.
    pub label: String,
    /// Its keys.
    pub keys: Vec<crate::dataprotection::KeyId>,
    /// Of those, revoked.
    pub revoked: Vec<crate::dataprotection::KeyId>,
    /// Its default key at the diagnosis time, if one qualifies.
    pub default_key: Option<crate::dataprotection::KeyId>,
}

/// The diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnosis {
    /// The findings, those that explain failures first, then by [`Verdict::ALL`] order. At
    /// least one: [`Verdict::Healthy`] when nothing is wrong.
    pub findings: Vec<Finding>,
    /// No input said anything about Data Protection.
    pub nothing_to_go_on: bool,
    /// Failures the inputs show that no finding explains.
    pub unexplained: Vec<Evidence>,
    /// Per replica.
    pub replicas: Vec<ReplicaSummary>,
    /// Per key ring.
    pub rings: Vec<RingSummary>,
    /// The values pasted, read.
    pub values: Vec<PastedValue>,
    /// Per log: lines, records and the shapes recognised.
    pub logs: Vec<LogSummary>,
}

/// What reading one log gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LogSummary {
    /// The log.
    pub source: String,
    /// Lines read.
    pub lines: u64,
    /// Records read.
    pub records: u64,
    /// Facts found.
    pub facts: usize,
    /// Shapes recognised.
    pub shapes: Vec<&'static str>,
}

impl Diagnosis {
    /// The verdicts, in report order.
    #[must_use]
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.findings.iter().map(|f| f.verdict).collect()
    }

    /// The first verdict: the root cause when failures are shown.
    #[must_use]
    pub fn primary(&self) -> Verdict {
        self.findings
            .first()
            .map_or(Verdict::Healthy, |f| f.verdict)
    }

    /// A report for a terminal.
    #[must_use]
    pub fn report(&self) -> String {
        use core::fmt::Write as _;
        let mut out = String::new();
        for l in &self.logs {
            let _ = writeln!(
                out,
                "{}: {} lines, {} records, {} Data Protection facts ({})",
                l.source,
                l.lines,
                l.records,
                l.facts,
                if l.shapes.is_empty() {
                    "plain text".to_owned()
                } else {
                    l.shapes.join(", ")
                }
            );
        }
        for r in &self.rings {
            let _ = writeln!(
                out,
                "key ring {}: {} keys, {} revoked",
                r.label,
                r.keys.len(),
                r.revoked.len()
            );
        }
        if !out.is_empty() {
            out.push('\n');
        }
        if self.nothing_to_go_on {
            out.push_str("healthy: nothing to go on (no input mentions Data Protection)\n");
        }
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{}{} ({}): {}",
                f.verdict,
                if f.confidence == Confidence::Likely {
                    " [likely]"
                } else {
                    ""
                },
                if f.explains_failures {
                    "explains the failures"
                } else {
                    "risk"
                },
                f.summary
            );
            for e in &f.evidence {
                let mut at = Vec::new();
                if let Some(r) = &e.replica {
                    at.push(r.clone());
                }
                if let (Some(s), Some(l)) = (&e.source, e.line) {
                    at.push(format!("{s}:{l}"));
                }
                if let Some(r) = &e.ring {
                    at.push(format!("ring {r}"));
                }
                let _ = writeln!(
                    out,
                    "  - {}{}",
                    e.what,
                    if at.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", at.join(", "))
                    }
                );
            }
            let _ = writeln!(out, "  fix: {}\n", f.fix);
        }
        for e in &self.unexplained {
            let _ = writeln!(out, "unexplained: {}", e.what);
        }
        out
    }
}

/// A key ring given, with its label.
#[derive(Debug, Clone)]
pub(crate) struct RingInput {
    pub(crate) label: String,
    pub(crate) path: Option<PathBuf>,
    pub(crate) ring: KeyRing,
}

/// Gathers logs, rings, settings and values, then diagnoses.
#[derive(Debug, Clone, Default)]
pub struct Diagnoser {
    logs: Vec<LogFacts>,
    rings: Vec<RingInput>,
    settings: Settings,
    values: Vec<PastedValue>,
    limits: LogLimits,
    clock: Option<Arc<dyn Clock>>,
}

impl Diagnoser {
    /// An empty diagnoser.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Bounds on reading each log (the defaults suit logs of any size).
    pub fn limits(&mut self, limits: LogLimits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// Reads a log, streaming: `name` is the replica of lines no prefix names (a pod, host or
    /// service named by `kubectl --prefix`, `docker compose` or the JSON fields wins). UTF-8,
    /// or UTF-16 with a byte-order mark.
    ///
    /// # Errors
    /// [`DiagnoseError::Log`] if reading fails.
    ///
    /// # Example
    /// See the [module](self).
    pub fn read_log<R: Read>(&mut self, name: &str, input: R) -> Result<&mut Self, DiagnoseError> {
        let facts = logs::read_log(name, input, self.limits).map_err(|e| FileError::io(name, e))?;
        self.logs.push(facts);
        Ok(self)
    }

    /// Reads a log file; its name without the extension names the replica.
    ///
    /// # Errors
    /// [`DiagnoseError::Log`] if it cannot be opened or read.
    pub fn read_log_file(&mut self, path: &Path) -> Result<&mut Self, DiagnoseError> {
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let file =
            std::fs::File::open(path).map_err(|e| FileError::io(&path.display().to_string(), e))?;
        self.read_log(&name, file)
    }

    /// Adds a key ring read elsewhere, with a label (its directory, or the replica it is from).
    pub fn key_ring(&mut self, label: &str, ring: KeyRing) -> &mut Self {
        self.rings.push(RingInput {
            label: label.to_owned(),
            path: None,
            ring,
        });
        self
    }

    /// Reads a key-ring directory (or a file, or a `.reg` export) with [`KeyRing::load`].
    ///
    /// # Errors
    /// [`DiagnoseError::KeyRing`] naming the path.
    pub fn key_ring_dir(&mut self, path: &Path) -> Result<&mut Self, DiagnoseError> {
        let ring = KeyRing::load(path).map_err(|error| DiagnoseError::KeyRing {
            path: path.display().to_string(),
            error: Box::new(error),
        })?;
        self.rings.push(RingInput {
            label: path.display().to_string(),
            path: Some(path.to_owned()),
            ring,
        });
        Ok(self)
    }

    /// What the operator knows of the deployment.
    pub fn settings(&mut self, settings: Settings) -> &mut Self {
        self.settings = settings;
        self
    }

    /// A value pasted along: a cookie, `name=value`, a `Cookie:` or `Set-Cookie:` header, an
    /// antiforgery token. Only its key id and cookie name are kept.
    pub fn value(&mut self, text: &str) -> &mut Self {
        self.values.extend(read_values(text));
        self
    }

    /// Asks `clock` for the time to judge key lifetimes at (default: the system clock).
    pub fn with_clock(&mut self, clock: Arc<dyn Clock>) -> &mut Self {
        self.clock = Some(clock);
        self
    }

    /// Judges key lifetimes at `now`: [`with_clock`](Self::with_clock) with a
    /// [`FixedClock`].
    pub fn at(&mut self, now: OffsetDateTime) -> &mut Self {
        self.with_clock(Arc::new(FixedClock(now)))
    }

    /// The facts read so far, per log.
    #[must_use]
    pub fn logs(&self) -> &[LogFacts] {
        &self.logs
    }

    /// Diagnoses what was gathered.
    #[must_use]
    pub fn diagnose(&self) -> Diagnosis {
        reason::diagnose(
            &self.logs,
            &self.rings,
            &self.settings,
            &self.values,
            self.clock
                .as_ref()
                .map_or_else(|| SystemClock.now(), |c| c.now()),
        )
    }
}
