//! Named stories, scripted once for every caller (the `web_garden` example, the CLI's
//! `simulate web-garden`, tools of your own).
//!
//! [`web_garden`] is the crate's seed story: an IIS web garden under a custom identity
//! without a loaded profile, `<machineKey>` left at `AutoGenerate,IsolateApps`. A .NET
//! update resets the key-store permissions, each worker silently makes up its own keys, and
//! about `(workers - 1) / workers` of the requests lose their state. Then the two fixes: an
//! explicit `<machineKey>`, and `aspnet_regiis -ga` followed by a recycle.

use serde::Serialize;

use super::{Era, Report, SeededRandom, Simulation, StateKind, WorkerRef};
use crate::config::{
    DecryptionAlgorithm, FrameworkVersion, MachineKeyConfig, RuntimeSettings, ValidationAlgorithm,
};
use crate::error::{ArgumentError, Error};
use crate::keys::store::ProcessIdentity;

/// The SID of the story's custom application-pool identity.
pub const CUSTOM_IDENTITY_SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1105";

/// Requests served, and not counted, before each measured scenario: every user comes back
/// once (logging in again where needed), so the measurement starts from a steady state.
const WARM_UP: usize = 100;

/// What to run: the server generation, the pool size, the requests per scenario and the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WebGardenSettings {
    /// The server generation.
    pub era: Era,
    /// Worker processes in the pool (at least 1).
    pub workers: usize,
    /// Requests measured per scenario.
    pub requests: usize,
    /// The seed of every random choice (keys, IVs, routing).
    pub seed: u64,
}

impl Default for WebGardenSettings {
    /// The main example's figures: 3 workers, 3,000 requests, seed 2026, a 4.x server.
    fn default() -> Self {
        Self {
            era: Era::Net48,
            workers: 3,
            requests: 3000,
            seed: 2026,
        }
    }
}

/// The outcome of the web-garden story on one server generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebGardenStory {
    /// What was run.
    pub settings: WebGardenSettings,
    /// Before the installer, after it, fix 1 and fix 2, in that order.
    pub reports: Vec<Report>,
    /// Why the first two workers disagree after the installer (from
    /// [`Simulation::diagnose`]); empty with a single worker.
    pub diagnosis: String,
}

/// Runs the web-garden story.
///
/// # Errors
/// [`ArgumentError::NoWorkers`] for zero workers; otherwise a configuration error (none for
/// the story's own settings).
///
/// # Example
/// ```
/// use machinekey::sim::Era;
/// use machinekey::sim::scenarios::{WebGardenSettings, web_garden};
/// let story = web_garden(WebGardenSettings { era: Era::Net48, workers: 3, requests: 300, seed: 1 })?;
/// let after = &story.reports[1];
/// assert!(after.failures() > 0);
/// assert_eq!(story.reports[2].failures() + story.reports[3].failures(), 0); // both fixes
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn web_garden(settings: WebGardenSettings) -> Result<WebGardenStory, Error> {
    if settings.workers == 0 {
        return Err(ArgumentError::NoWorkers.into());
    }
    let garden = || {
        Simulation::web_garden(
            settings.era,
            settings.workers,
            ProcessIdentity::custom(CUSTOM_IDENTITY_SID, false),
            settings.seed,
        )
    };
    let measure = |sim: &mut Simulation, name: &str| -> Result<Report, Error> {
        sim.run("warm-up", WARM_UP)?;
        sim.run(name, settings.requests)
    };

    let mut reports = Vec::with_capacity(4);
    let mut sim = garden()?;
    reports.push(measure(&mut sim, "before the installer")?);
    sim.install_framework(0, true)?;
    reports.push(measure(&mut sim, "after the installer")?);
    let diagnosis = if settings.workers > 1 {
        let worker = |worker| WorkerRef { server: 0, worker };
        sim.diagnose(worker(0), worker(1))?.explanation
    } else {
        String::new()
    };

    let mut fix1 = garden()?;
    fix1.install_framework(0, true)?;
    fix1.set_config(0, explicit_config(settings.era, settings.seed)?)?;
    reports.push(measure(&mut fix1, "fix 1: explicit <machineKey>")?);

    let mut fix2 = garden()?;
    fix2.install_framework(0, true)?;
    fix2.grant_access(0)?;
    fix2.recycle(0)?;
    reports.push(measure(&mut fix2, "fix 2: aspnet_regiis -ga + recycle")?);
    Ok(WebGardenStory {
        settings,
        reports,
        diagnosis,
    })
}

/// Fix 1's `<machineKey>`: freshly generated keys of the era's default algorithms.
fn explicit_config(era: Era, seed: u64) -> Result<MachineKeyConfig, Error> {
    let validation = match era {
        Era::Net20 => ValidationAlgorithm::Sha1,
        Era::Net48 => ValidationAlgorithm::HmacSha256,
    };
    let generated = crate::keys::generate(
        validation,
        DecryptionAlgorithm::Aes,
        &SeededRandom::new(seed),
    )?;
    let runtime = RuntimeSettings {
        framework: era.framework(),
        ..RuntimeSettings::default()
    };
    if runtime.framework == FrameworkVersion::V4 {
        return Ok(generated);
    }
    Ok(MachineKeyConfig::from_machine_key_element(
        &generated.to_machine_key_element(),
        runtime,
    )?)
}

impl Era {
    /// A short label: `2.0-era` or `4.x`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Net20 => "2.0-era",
            Self::Net48 => "4.x",
        }
    }
}

fn cell(report: &Report, kind: StateKind) -> String {
    match report.kind(kind.as_str()) {
        Some(k) if k.requests > 0 => format!(
            "{:>5}/{:<5} {:>3.0}%",
            k.failures,
            k.requests,
            100.0 * k.failure_rate()
        ),
        _ => format!("{:>16}", "n/a"),
    }
}

/// The main example's table ([`crate::manual::farms`]): failures per kind of state for every scenario of every story, then
/// the diagnosis after the installer with its reasons and the two fixes.
///
/// # Example
/// ```
/// use machinekey::sim::Era;
/// use machinekey::sim::scenarios::{WebGardenSettings, table, web_garden};
/// let story = web_garden(WebGardenSettings { era: Era::Net20, workers: 2, requests: 100, seed: 7 })?;
/// let text = table(&[story]);
/// assert!(text.contains("fix 2: aspnet_regiis -ga + recycle"));
/// # Ok::<(), machinekey::Error>(())
/// ```
#[must_use]
pub fn table(stories: &[WebGardenStory]) -> String {
    use core::fmt::Write as _;
    let mut out = String::new();
    if let Some(first) = stories.first() {
        let s = first.settings;
        let _ = writeln!(
            out,
            "Web garden: {} workers, custom identity without a loaded profile, AutoGenerate,IsolateApps",
            s.workers
        );
        let _ = writeln!(
            out,
            "failures/requests per kind of state ({} requests per scenario, seed {})\n",
            s.requests, s.seed
        );
    }
    let _ = writeln!(
        out,
        "{:<9} {:<36} {:>16} {:>16} {:>16} {:>16}",
        "server", "scenario", "session", "forms login", "viewstate", "MachineKey.Protect"
    );
    for story in stories {
        for r in &story.reports {
            let _ = writeln!(
                out,
                "{:<9} {:<36} {} {} {} {}",
                story.settings.era.label(),
                r.scenario,
                cell(r, StateKind::Session),
                cell(r, StateKind::FormsLogin),
                cell(r, StateKind::ViewState),
                cell(r, StateKind::Protect)
            );
        }
    }
    for story in stories.iter().filter(|s| !s.diagnosis.is_empty()) {
        let _ = write!(
            out,
            "\n{} after the installer: {}\n",
            story.settings.era.label(),
            story.diagnosis
        );
    }
    out
}
