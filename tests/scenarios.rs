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
        assert!(c.verdicts.iter().all(|v| v.readable != Some(true)), "{c:?}");
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
