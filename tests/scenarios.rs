//! The shipped scenario files run, and their failure rates match the mechanisms; malformed
//! files are refused with a line and column.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use machinekey::compat::Reason;
use machinekey::sim::scenario::{Scenario, ScenarioReport};

fn run(name: &str) -> ScenarioReport {
    let path = format!("{}/examples/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    Scenario::read(Path::new(&path)).unwrap().run().unwrap()
}

fn rate(report: &ScenarioReport, step: usize, kind: &str) -> f64 {
    report.steps[step].report.kind(kind).unwrap().failure_rate()
}

#[test]
fn web_garden_loses_two_in_three_and_both_fixes_work() {
    let r = run("web-garden.toml");
    let names: Vec<&str> = r.steps.iter().map(|s| s.report.scenario.as_str()).collect();
    assert_eq!(names[1], "after the installer");
    for kind in ["forms login", "viewstate", "machinekey.protect"] {
        assert_eq!(rate(&r, 0, kind), 0.0, "{kind} before");
        assert!(
            (rate(&r, 1, kind) - 2.0 / 3.0).abs() < 0.04,
            "{kind} after: {}",
            rate(&r, 1, kind)
        );
        assert_eq!(rate(&r, 2, kind), 0.0, "{kind} after fix 2");
        assert!(
            (rate(&r, 3, kind) - 2.0 / 3.0).abs() < 0.04,
            "{kind} broken again"
        );
        assert_eq!(rate(&r, 4, kind), 0.0, "{kind} after fix 1");
    }
    // The reason is the per-process keys, with the fix.
    let why = &r.steps[1].reasons;
    assert!(
        matches!(why[0].example, Reason::AutoGenKeysDiffer { .. }),
        "{why:?}"
    );
    assert!(why[0].example.to_string().contains("aspnet_regiis -ga"));
    assert!(r.steps[0].reasons.is_empty() && r.steps[4].reasons.is_empty());
    assert!(r.table().contains("fix 1: explicit <machineKey>"));
}

#[test]
fn patched_farm_server_fails_every_cross_server_request() {
    let r = run("web-farm.toml");
    assert_eq!(r.steps[0].report.failures(), 0);
    let after = &r.steps[1].report;
    for kind in ["forms login", "viewstate", "machinekey.protect"] {
        let k = after.kind(kind).unwrap();
        // Two servers behind a random balancer: about half the requests cross.
        assert!(
            (k.failure_rate() - 0.5).abs() < 0.05,
            "{kind}: {}",
            k.failure_rate()
        );
        for reason in k.reasons.keys() {
            let (issued, served) = reason.split_once(", served by ").unwrap();
            let server = |s: &str| {
                s.trim_start_matches("issued by ")
                    .split('/')
                    .next()
                    .unwrap()
                    .to_owned()
            };
            assert_ne!(
                server(issued),
                server(served),
                "only cross-server requests fail: {reason}"
            );
        }
    }
    assert!(
        r.steps[1]
            .reasons
            .iter()
            .all(|c| matches!(c.example, Reason::KeysDiffer { .. }))
    );
}

#[test]
fn isolated_applications_never_read_each_other() {
    let r = run("isolate-apps.toml");
    let step = &r.steps[0];
    assert_eq!(
        step.report.failures(),
        0,
        "each application works on its own"
    );
    assert_eq!(step.cross_application.len(), 2);
    for c in &step.cross_application {
        assert!(
            c.verdicts
                .iter()
                .all(|v| v.outcome != machinekey::compat::Outcome::Read),
            "{c:?}"
        );
        let forms = c
            .verdict(machinekey::compat::StateKind::FormsTicket)
            .unwrap();
        assert!(
            matches!(forms.reasons[..], [Reason::IsolateApps { .. }]),
            "{forms:?}"
        );
    }
}

#[test]
fn malformed_files_give_line_and_column() {
    let base = "[[applications]]\npath = \"/\"\n[[servers]]\nname = \"web1\"\nera = \"4.8\"\nworkers = 2\nidentity = { kind = \"network-service\" }\n[[steps]]\nname = \"x\"\n";
    let cases = [
        (format!("{base}colour = \"blue\"\n"), 10, "colour"),
        (base.replace("era = \"4.8\"", "era = \"3.5\""), 5, "3.5"),
        (base.replace("workers = 2", "workers = 0"), 6, "at least 1"),
        (
            format!("{base}events = [{{ event = \"install\", server = \"web9\" }}]\n"),
            10,
            "web9",
        ),
        (
            format!("{base}events = [{{ event = \"reboot\", server = \"web1\" }}]\n"),
            10,
            "reboot",
        ),
        (
            base.replace("workers = 2", "workers = \"two\""),
            6,
            "expected usize",
        ),
        ("seed = 1\n[[applications]\n".to_owned(), 2, ""),
    ];
    for (text, line, words) in cases {
        let err = Scenario::from_toml(&text, None).unwrap_err();
        assert_eq!(err.location.map(|(l, _)| l), Some(line), "{err} in\n{text}");
        assert!(err.location.is_some_and(|(_, c)| c >= 1));
        assert!(err.to_string().contains(words), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("line {line}, column "))
        );
    }
    let err = Scenario::from_toml("seed = 1\n", None).unwrap_err();
    assert!(err.to_string().contains("applications"), "{err}");
}

fn run_dp(name: &str) -> machinekey::sim::data_protection::DataProtectionReport {
    use machinekey::sim::scenario::{AnyReport, AnyScenario};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/scenarios")
        .join(name);
    match AnyScenario::read(&path).unwrap().run().unwrap() {
        AnyReport::DataProtection(r) => r,
        AnyReport::MachineKey(_) => panic!("{name} is a Data Protection scenario"),
    }
}

fn dp_rate(step: &machinekey::sim::data_protection::DataProtectionStep) -> f64 {
    let (f, r) = step.totals();
    f as f64 / r as f64
}

#[test]
fn data_protection_containers_lose_two_in_three_until_the_ring_is_shared() {
    let r = run_dp("data-protection-containers.toml");
    assert_eq!(r.steps.len(), 4);
    for step in &r.steps[..2] {
        let rate = dp_rate(step);
        assert!((0.6..0.73).contains(&rate), "{}: {rate}", step.name);
        // Three containers, three stores, each in its own writable layer (warning 60).
        let stores: std::collections::BTreeSet<_> =
            step.processes.iter().map(|p| &p.store).collect();
        assert_eq!(stores.len(), 3);
        assert!(step.processes.iter().all(|p| {
            p.log
                .iter()
                .any(|l| l.source == "FileSystemXmlRepository[60]")
        }));
        for c in &step.consumers {
            assert!(
                c.reasons
                    .keys()
                    .all(|k| k.contains("was not found in the key ring")),
                "{:?}",
                c.reasons
            );
        }
    }
    // Each redeploy makes new keys: the rings before and after differ.
    assert_ne!(
        r.steps[0].processes[0].default_key,
        r.steps[1].processes[0].default_key
    );
    for step in &r.steps[2..] {
        assert_eq!(step.totals().0, 0, "{}", step.name);
        assert!(step.processes.iter().all(|p| p.store == "/keys (shared)"));
    }
    // The shared ring survives the redeploy: same default key.
    assert_eq!(
        r.steps[2].processes[0].default_key,
        r.steps[3].processes[0].default_key
    );
}

#[test]
fn data_protection_iis_without_autogenkeys_names_the_missing_key() {
    let r = run_dp("data-protection-iis-registry.toml");
    let sid_key = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\S-1-5-21-1004336348-1177238915-682003330-1105";
    for step in &r.steps[..2] {
        let rate = dp_rate(step);
        assert!((0.6..0.73).contains(&rate), "{}: {rate}", step.name);
        for c in &step.consumers {
            assert!(
                c.reasons
                    .keys()
                    .all(|k| k.contains(sid_key) && k.contains("was not found")),
                "{:?}",
                c.reasons
            );
        }
        assert!(
            step.processes
                .iter()
                .all(|p| p.log.iter().any(|l| l.source == "XmlKeyManager[59]"))
        );
    }
    let fixed = &r.steps[2];
    assert_eq!(fixed.totals().0, 0);
    assert!(
        fixed
            .processes
            .iter()
            .all(|p| p.store.starts_with(sid_key) && p.store.contains(r"\DataProtection"))
    );
    assert!(r.table().contains(sid_key));
}

#[test]
fn data_protection_shared_ring_with_different_content_roots_is_payload_invalid() {
    use machinekey::sim::data_protection::DataProtectionScenario;
    let s = DataProtectionScenario::from_toml(
        r#"
system = "data-protection"
requests = 600
application = { kind = "core" }
[[nodes]]
name = "a"
kind = "server"
content_root = "C:\\sites\\shop\\"
environment = { configured_repository = "\\\\fs\\keys" }
[[nodes]]
name = "b"
kind = "server"
content_root = "D:\\www\\shop\\"
environment = { configured_repository = "\\\\fs\\keys" }
[[steps]]
name = "SetApplicationName"
events = [{ event = "configure", application_name = "Shop" }]
"#,
    )
    .unwrap();
    let r = s.run().unwrap();
    let first = &r.steps[0];
    assert!((0.4..0.6).contains(&dp_rate(first)), "{}", dp_rate(first));
    // The key is found, the purpose chain differs; the antiforgery cookie is not even looked
    // for, its name hashing the discriminator (as real ASP.NET Core 10 does).
    assert!(first.consumers.iter().all(|c| {
        c.reasons.keys().all(|k| {
            if c.name == "antiforgery token" {
                k.starts_with("The required antiforgery cookie")
            } else {
                k.starts_with("The payload was invalid")
            }
        })
    }));
    assert_eq!(r.steps[1].totals().0, 0);
    // Mistakes are located.
    let err = DataProtectionScenario::from_toml(
        "system = \"data-protection\"\n[[nodes]]\nname = \"a\"\nkind = \"vm\"\n",
    )
    .unwrap_err();
    assert_eq!(err.location.map(|(l, _)| l), Some(4), "{err}");
    let err = DataProtectionScenario::from_toml("system = \"data-protection\"\n[[nodes]]\nname = \"a\"\nkind = \"server\"\n[[steps]]\nname = \"x\"\nevents = [{ event = \"restart\", nodes = [\"zz\"] }]\n").unwrap().run().unwrap_err();
    assert!(
        err.message.contains("zz") && err.location.is_some(),
        "{err}"
    );
}
