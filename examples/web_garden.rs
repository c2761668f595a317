//! The classic failure, reproduced with real crypto: an IIS web garden of three worker
//! processes under a custom identity without a loaded profile, `<machineKey>` left at
//! `AutoGenerate,IsolateApps`. A .NET update resets the key-store permissions; each worker
//! silently makes up its own keys, and about two requests in three lose their state.
//! Two fixes: an explicit `<machineKey>`, or `aspnet_regiis -ga` and a recycle.
//!
//! Run with `cargo run --example web_garden` (add `-- --json` for machine-readable output).

use machinekey::config::{DecryptionAlgorithm, ValidationAlgorithm};
use machinekey::keys::store::ProcessIdentity;
use machinekey::sim::{Era, Report, Simulation, StateKind, WorkerRef};

const REQUESTS: usize = 3000;
const SEED: u64 = 2026;

fn garden(era: Era) -> Result<Simulation, machinekey::Error> {
    let identity = ProcessIdentity::custom("S-1-5-21-1004336348-1177238915-682003330-1105", false);
    Simulation::web_garden(era, 3, identity, SEED)
}

/// Serves a warm-up (every user comes back once, re-logging in where needed) and then
/// measures `REQUESTS` requests.
fn measure(sim: &mut Simulation, scenario: &str) -> Result<Report, machinekey::Error> {
    sim.run("warm-up", 100)?;
    sim.run(scenario, REQUESTS)
}

fn scenarios(era: Era) -> Result<(Vec<Report>, String), machinekey::Error> {
    let mut reports = Vec::new();
    let mut sim = garden(era)?;
    reports.push(measure(&mut sim, "before the installer")?);
    sim.install_framework(0, true)?;
    reports.push(measure(&mut sim, "after the installer")?);
    let diagnosis = sim
        .diagnose(
            WorkerRef {
                server: 0,
                worker: 0,
            },
            WorkerRef {
                server: 0,
                worker: 1,
            },
        )?
        .explanation;

    let mut fix1 = garden(era)?;
    fix1.install_framework(0, true)?;
    let framework = if era == Era::Net20 {
        ValidationAlgorithm::Sha1
    } else {
        ValidationAlgorithm::HmacSha256
    };
    let mut explicit = machinekey::keys::generate(
        framework,
        DecryptionAlgorithm::Aes,
        &machinekey::sim::SeededRandom::new(SEED),
    )?;
    if era == Era::Net20 {
        let mut runtime = machinekey::config::RuntimeSettings::default();
        runtime.framework = machinekey::config::FrameworkVersion::V2_0;
        explicit = machinekey::config::MachineKeyConfig::from_machine_key_element(
            &explicit.to_machine_key_element(),
            runtime,
        )?;
    }
    fix1.set_config(0, explicit)?;
    reports.push(measure(&mut fix1, "fix 1: explicit <machineKey>")?);

    let mut fix2 = garden(era)?;
    fix2.install_framework(0, true)?;
    fix2.grant_access(0)?;
    fix2.recycle(0)?;
    reports.push(measure(&mut fix2, "fix 2: aspnet_regiis -ga + recycle")?);
    Ok((reports, diagnosis))
}

fn cell(report: &Report, kind: StateKind) -> String {
    match report.kind(kind.name()) {
        Some(k) if k.requests > 0 => format!(
            "{:>5}/{:<5} {:>3.0}%",
            k.failures,
            k.requests,
            100.0 * k.failure_rate()
        ),
        _ => format!("{:>16}", "n/a"),
    }
}

fn main() -> Result<(), machinekey::Error> {
    let json = std::env::args().any(|a| a == "--json");
    let mut all = Vec::new();
    for (era, label) in [(Era::Net20, "2.0-era"), (Era::Net48, "4.x")] {
        let (reports, diagnosis) = scenarios(era)?;
        all.push((label, reports, diagnosis));
    }
    if json {
        let out: Vec<serde_json::Value> = all
            .iter()
            .flat_map(|(server, reports, _)| {
                reports
                    .iter()
                    .map(move |r| serde_json::json!({ "server": server, "report": r }))
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    println!(
        "Web garden: 3 workers, custom identity without a loaded profile, AutoGenerate,IsolateApps"
    );
    println!(
        "failures/requests per kind of state ({REQUESTS} requests per scenario, seed {SEED})\n"
    );
    println!(
        "{:<9} {:<36} {:>16} {:>16} {:>16} {:>16}",
        "server", "scenario", "session", "forms login", "viewstate", "MachineKey.Protect"
    );
    for (server, reports, _) in &all {
        for r in reports {
            println!(
                "{:<9} {:<36} {} {} {} {}",
                server,
                r.scenario,
                cell(r, StateKind::Session),
                cell(r, StateKind::FormsLogin),
                cell(r, StateKind::ViewState),
                cell(r, StateKind::Protect)
            );
        }
    }
    println!();
    for (server, _, diagnosis) in &all {
        println!("{server} after the installer: {diagnosis}");
    }
    Ok(())
}
