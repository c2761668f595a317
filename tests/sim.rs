//! Scenario outcomes of the simulator, with every request checked by the real formats.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::config::{DecryptionAlgorithm, MachineKeyConfig, ValidationAlgorithm};
use machinekey::formats::AppKeys;
use machinekey::keys::store::{KeyStore, ProcessIdentity, RegistryView};
use machinekey::keys::{AppIdentity, AutoGenKeys};
use machinekey::random::OsRandom;
use machinekey::sim::{Balancing, Era, Report, Simulation, StateKind, WorkerRef};

const N: usize = 3000;
const TOLERANCE: f64 = 0.05;

fn custom() -> ProcessIdentity {
    ProcessIdentity::custom("S-1-5-21-7-7-7-1001", false)
}

fn rate(r: &Report, kind: StateKind) -> f64 {
    r.kind(kind.as_str()).map_or(0.0, |k| k.failure_rate())
}

fn steady(sim: &mut Simulation, name: &str) -> Report {
    sim.run("warm-up", 100).unwrap();
    sim.run(name, N).unwrap()
}

fn explicit(era: Era) -> MachineKeyConfig {
    let v = if era == Era::Net20 {
        ValidationAlgorithm::Sha1
    } else {
        ValidationAlgorithm::HmacSha256
    };
    let g = machinekey::keys::generate(v, DecryptionAlgorithm::Aes, &OsRandom).unwrap();
    let mut rt = machinekey::config::RuntimeSettings::default();
    if era == Era::Net20 {
        rt.framework = machinekey::config::FrameworkVersion::V2_0;
    }
    MachineKeyConfig::from_machine_key_element(&g.to_machine_key_element(), rt).unwrap()
}

#[test]
fn installer_breaks_two_requests_in_three_and_both_fixes_mend_it() {
    for era in [Era::Net20, Era::Net48] {
        let mut sim = Simulation::web_garden(era, 3, custom(), 11).unwrap();
        assert_eq!(steady(&mut sim, "before").failures(), 0, "{era:?}");
        sim.install_framework(0, true).unwrap();
        let after = steady(&mut sim, "after");
        for kind in [StateKind::FormsLogin, StateKind::ViewState] {
            assert!(
                (rate(&after, kind) - 2.0 / 3.0).abs() < TOLERANCE,
                "{era:?} {kind}: {}",
                rate(&after, kind)
            );
        }
        match era {
            // The 2.0-era lookup key is MACed: sessions are lost too.
            Era::Net20 => assert!(
                (rate(&after, StateKind::Session) - 2.0 / 3.0).abs() < 0.08,
                "{}",
                rate(&after, StateKind::Session)
            ),
            // 4.8 hashes it without a key: sessions survive, Protect payloads do not.
            _ => {
                assert_eq!(rate(&after, StateKind::Session), 0.0);
                assert!((rate(&after, StateKind::Protect) - 2.0 / 3.0).abs() < TOLERANCE);
            }
        }
        // Every failure names the fallback.
        let forms = after.kind("forms login").unwrap();
        assert!(
            forms
                .reasons
                .keys()
                .all(|r| r.contains("per-process random keys"))
        );

        let mut fix1 = Simulation::web_garden(era, 3, custom(), 11).unwrap();
        fix1.install_framework(0, true).unwrap();
        fix1.set_config(0, explicit(era)).unwrap();
        assert_eq!(steady(&mut fix1, "fix 1").failures(), 0, "{era:?}");

        let mut fix2 = Simulation::web_garden(era, 3, custom(), 11).unwrap();
        fix2.install_framework(0, true).unwrap();
        fix2.grant_access(0).unwrap();
        fix2.recycle(0).unwrap();
        assert_eq!(steady(&mut fix2, "fix 2").failures(), 0, "{era:?}");
    }
}

#[test]
fn n_workers_fail_n_minus_one_in_n() {
    for n in [2usize, 4, 5] {
        let mut sim = Simulation::web_garden(Era::Net48, n, custom(), 5).unwrap();
        sim.install_framework(0, true).unwrap();
        let r = steady(&mut sim, "after");
        let want = (n as f64 - 1.0) / n as f64;
        assert!(
            (rate(&r, StateKind::FormsLogin) - want).abs() < TOLERANCE,
            "{n}: {}",
            rate(&r, StateKind::FormsLogin)
        );
    }
    // One worker cannot disagree with itself.
    let mut one = Simulation::web_garden(Era::Net48, 1, custom(), 5).unwrap();
    one.install_framework(0, true).unwrap();
    assert_eq!(steady(&mut one, "single").failures(), 0);
}

fn farm(configs: &[MachineKeyConfig]) -> Simulation {
    let mut sim = Simulation::new(
        AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap(),
        Balancing::Random,
        3,
    );
    for (i, cfg) in configs.iter().enumerate() {
        sim.add_server(
            &format!("web{}", i + 1),
            Era::Net48,
            RegistryView::Bits64,
            cfg.clone(),
            ProcessIdentity::network_service(),
            2,
        )
        .unwrap();
    }
    sim
}

#[test]
fn web_farms() {
    let shared = explicit(Era::Net48);
    let mut same = farm(&[shared.clone(), shared.clone(), shared]);
    assert_eq!(steady(&mut same, "identical keys").failures(), 0);

    let mut different = farm(&[
        explicit(Era::Net48),
        explicit(Era::Net48),
        explicit(Era::Net48),
    ]);
    let r = steady(&mut different, "different keys");
    // Every request that crosses servers fails; within a server all is well.
    let forms = r.kind("forms login").unwrap();
    assert!(
        (forms.failure_rate() - 2.0 / 3.0).abs() < TOLERANCE,
        "{}",
        forms.failure_rate()
    );
    for reason in forms.reasons.keys() {
        let (issued, served) = reason.split_once(", served by ").unwrap();
        assert_ne!(
            issued["issued by ".len()..].split('/').next(),
            served.split('/').next(),
            "{reason}"
        );
    }
    for (a, b) in [(0, 1), (1, 2), (0, 2)] {
        let d = different
            .diagnose(
                WorkerRef {
                    server: a,
                    worker: 0,
                },
                WorkerRef {
                    server: b,
                    worker: 1,
                },
            )
            .unwrap();
        assert!(
            d.interchangeable
                .iter()
                .filter(|(k, _)| *k != StateKind::Session)
                .all(|(_, ok)| !ok),
            "{d:?}"
        );
        assert!(
            d.reasons.iter().any(|r| matches!(
                r,
                machinekey::compat::Reason::KeysDiffer {
                    attribute: machinekey::config::KeyAttribute::ValidationKey,
                    ..
                }
            )),
            "{d:?}"
        );
        assert!(d.explanation.contains("validationKeys differ"));
    }
    let d = different
        .diagnose(
            WorkerRef {
                server: 1,
                worker: 0,
            },
            WorkerRef {
                server: 1,
                worker: 1,
            },
        )
        .unwrap();
    assert!(d.all_interchangeable());
}

#[test]
fn isolate_apps_separates_applications_on_one_server() {
    // Two applications in pools of the same identity share the stored buffer; IsolateApps
    // gives each its own keys, consistent across that application's workers.
    let mut store = KeyStore::new();
    let identity = ProcessIdentity::network_service();
    let cfg = MachineKeyConfig::default();
    let apps = [
        AppIdentity::new("/App1", "/LM/W3SVC/1/ROOT/App1").unwrap(),
        AppIdentity::new("/App2", "/LM/W3SVC/1/ROOT/App2").unwrap(),
    ];
    let mut workers = Vec::new();
    for (t, app) in [(1, &apps[0]), (2, &apps[0]), (3, &apps[1]), (4, &apps[1])] {
        let got = store
            .resolve(
                &identity,
                RegistryView::Bits64,
                AutoGenKeys::generate(&OsRandom).unwrap(),
                time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(t),
            )
            .unwrap();
        workers.push(AppKeys::resolve(&cfg, app, Some(&got.keys)).unwrap());
    }
    let encode = |k: &AppKeys| {
        k.encode(b"x", machinekey::crypto::legacy::MachineKeyProtection::All)
            .unwrap()
    };
    let decode = |k: &AppKeys, t: &str| {
        k.decode(t, machinekey::crypto::legacy::MachineKeyProtection::All)
            .is_ok()
    };
    assert!(
        decode(&workers[1], &encode(&workers[0])),
        "app 1 is consistent"
    );
    assert!(
        decode(&workers[3], &encode(&workers[2])),
        "app 2 is consistent"
    );
    assert!(
        !decode(&workers[2], &encode(&workers[0])),
        "the applications are isolated"
    );
    let blob = workers[0].protect(b"x", &["p"]).unwrap();
    assert!(workers[1].unprotect(&blob, &["p"]).is_ok());
    assert!(workers[3].unprotect(&blob, &["p"]).is_err());
}

#[test]
fn deterministic_for_a_seed_and_json_ready() {
    let run = |seed| {
        let mut sim = Simulation::web_garden(Era::Net20, 3, custom(), seed).unwrap();
        sim.install_framework(0, true).unwrap();
        sim.run("after", 500).unwrap()
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
    let json = serde_json::to_value(run(9)).unwrap();
    assert_eq!(json["requests"], 500);
    assert!(
        json["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["requests"].is_u64() && k["failures"].is_u64() && k["reasons"].is_object())
    );
}

#[test]
fn thirty_two_bit_pools_see_another_registry_view() {
    // A 64-bit and a 32-bit server of the same identity, each granted: the views hold
    // different keys, so a farm mixing them disagrees.
    let mut sim = Simulation::new(
        AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap(),
        Balancing::RoundRobin,
        1,
    );
    let cfg = MachineKeyConfig::default();
    sim.add_server(
        "x64",
        Era::Net48,
        RegistryView::Bits64,
        cfg.clone(),
        custom(),
        1,
    )
    .unwrap();
    sim.add_server("x86", Era::Net48, RegistryView::Bits32, cfg, custom(), 1)
        .unwrap();
    for s in 0..2 {
        sim.grant_access(s).unwrap();
        sim.recycle(s).unwrap();
    }
    let d = sim
        .diagnose(
            WorkerRef {
                server: 0,
                worker: 0,
            },
            WorkerRef {
                server: 1,
                worker: 0,
            },
        )
        .unwrap();
    assert!(!d.all_interchangeable(), "{d:?}");
}

/// The simulator's default configuration carries the era's framework build: a 2.0-era
/// garden loses sessions after the installer (the State Service lookup key is keyed on
/// 2.0-era builds), a 4.8 one keeps them (unkeyed). A cargo-mutants survivor: the
/// `framework` field of the default configuration could be dropped unseen.
#[test]
fn default_configuration_follows_the_era() {
    use machinekey::sim::scenarios::{WebGardenSettings, web_garden};
    let story = |era| {
        web_garden(WebGardenSettings {
            era,
            workers: 3,
            requests: 1500,
            seed: 7,
        })
        .unwrap()
    };
    let old = story(Era::Net20);
    let new = story(Era::Net48);
    let after = |s: &machinekey::sim::scenarios::WebGardenStory| {
        s.reports
            .iter()
            .find(|r| r.scenario.contains("after the installer"))
            .map(|r| rate(r, StateKind::Session))
            .unwrap()
    };
    assert!(after(&old) > 0.5, "{}", after(&old));
    assert!(after(&new) < 0.01, "{}", after(&new));
}
