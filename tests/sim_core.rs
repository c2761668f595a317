//! The Data Protection simulator against real ASP.NET Core 10: the four scenarios of
//! `data/aspnetcore_replicas.json` (two replicas, a login, a form token and a session made on
//! A and sent to B) simulated from their setup must fail exactly as real .NET failed, with the
//! same antiforgery cookie names and the same repository log lines; and the defaults learned
//! from real .NET (HOME unset or missing, per-process session caches, the ring re-read on a
//! missing key, rolling deploys).

#![cfg(feature = "sim")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::path::Path;

use machinekey::compat::diagnose::{Diagnoser, Verdict};
use machinekey::sim::data_protection::{DataProtectionScenario, Outcome, PairOutcome};
use serde_json::Value;

fn scenarios() -> Vec<Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/aspnetcore_replicas.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The scenario's setup as a simulator file.
fn toml_of(s: &Value) -> String {
    let node = |r: &str, name: &str| -> String {
        let args: Vec<String> = s["inputs"][r]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let env = &s["inputs"][r]["env"];
        let opt = |k: &str| {
            args.iter()
                .position(|a| a == k)
                .map(|i| args[i + 1].clone())
        };
        let mut environment = vec![
            "os = \"linux\"".to_owned(),
            "working_directory = \"/app\"".to_owned(),
        ];
        if let Some(dir) = opt("--keys") {
            environment.push(format!("configured_repository = {dir:?}"));
        }
        if let Some(home) = env["HOME"].as_str() {
            environment.push(format!("user_profile = {home:?}"));
        }
        if env["DOTNET_RUNNING_IN_CONTAINER"].as_str() == Some("true") {
            environment.push("in_container = true".to_owned());
        }
        format!(
            "[[nodes]]\nname = \"{name}\"\nkind = \"{}\"\nmachine = \"host\"\n{}environment = {{ {} }}\n",
            if env["DOTNET_RUNNING_IN_CONTAINER"].is_null() {
                "server"
            } else {
                "container"
            },
            opt("--app-name")
                .map(|n| format!("application_name = {n:?}\n"))
                .unwrap_or_default(),
            environment.join(", ")
        )
    };
    format!(
        "system = \"data-protection\"\nrequests = 200\nminutes = 1\napplication = {{ kind = \"core\", session_store = \"memory\" }}\n{}{}",
        node("replica_a", "A"),
        node("replica_b", "B")
    )
}

fn pair<'a>(pairs: &'a [PairOutcome], consumer: &str) -> &'a Outcome {
    &pairs
        .iter()
        .find(|p| p.from == "A" && p.to == "B" && p.consumer == consumer)
        .unwrap()
        .outcome
}

#[test]
fn the_simulator_fails_as_real_dotnet_did() {
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let report = DataProtectionScenario::from_toml(&toml_of(&s))
            .unwrap()
            .run()
            .unwrap();
        let step = &report.steps[0];
        let steps = s["inputs"]["steps"].as_array().unwrap();
        let log_b = s["inputs"]["replica_b"]["log"].as_str().unwrap();
        // What went wrong in B's ring, as B's log says it.
        let key_missing = log_b.contains("was not found in the key ring");
        let payload_invalid = log_b.contains("The payload was invalid");

        // The login cookie: B answered "anonymous" or the name.
        let login = pair(&step.pairs, "login cookie (Identity.Application)");
        assert_eq!(
            login.is_read(),
            steps[1]["body"] == "grace",
            "{id}: {login:?}"
        );
        // The antiforgery cookie: not present (another name), undecryptable, or valid.
        let af = pair(&step.pairs, "antiforgery token");
        let body = steps[3]["body"].as_str().unwrap();
        match af {
            Outcome::CookieNotPresent { expected, held } => {
                assert!(
                    body.contains(&format!("\\\"{expected}\\\" is not present")),
                    "{id}: {body}"
                );
                assert!(
                    steps[3]["sent_cookie"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("{held}=")),
                    "{id}"
                );
            }
            Outcome::KeyNotFound { .. } => assert!(
                body.contains("could not be decrypted") && key_missing,
                "{id}"
            ),
            Outcome::PayloadInvalid => assert!(
                body.contains("could not be decrypted") && payload_invalid,
                "{id}"
            ),
            o => assert!(o.is_read() && body.contains("valid"), "{id}: {o:?}"),
        }
        // The session: its cookie fails as B's log says, or reads with the data elsewhere.
        let cookie = pair(&step.pairs, "session cookie");
        let data = pair(&step.pairs, "session data");
        assert_eq!(steps[5]["body"], "(empty session)");
        if key_missing {
            assert!(
                matches!(cookie, Outcome::KeyNotFound { .. }),
                "{id}: {cookie:?}"
            );
        } else if payload_invalid {
            assert_eq!(cookie, &Outcome::PayloadInvalid, "{id}");
        } else {
            assert!(cookie.is_read(), "{id}: {cookie:?}");
            assert_eq!(data, &Outcome::SessionDataMissing, "{id}");
            assert!(log_b.contains("Accessing expired session"));
        }
        // The antiforgery cookie A set carries the name real .NET gave it.
        let set = steps[2]["set_cookie"][0].as_str().unwrap();
        let a = step.processes.iter().find(|p| p.name == "A").unwrap();
        assert!(
            set.starts_with(&format!("{}=", a.antiforgery_cookie)),
            "{id}: {set} vs {}",
            a.antiforgery_cookie
        );
        // The repository lines of a replica without key settings are real .NET's, word for word.
        for (r, name) in [("replica_a", "A"), ("replica_b", "B")] {
            let real = s["inputs"][r]["log"].as_str().unwrap();
            let p = step.processes.iter().find(|p| p.name == name).unwrap();
            for line in &p.log {
                if line.source.ends_with("[60]")
                    || line.message.starts_with("User profile is available")
                {
                    assert!(
                        real.contains(&line.message),
                        "{id} {name}: {}",
                        line.message
                    );
                }
            }
        }
    }
}

#[test]
fn the_simulated_failures_diagnose_as_the_scenarios() {
    // The simulator's pairwise reasons, written as B would log them, diagnose to the verdict
    // real .NET's logs give.
    for s in scenarios() {
        let id = s["id"].as_str().unwrap();
        let report = DataProtectionScenario::from_toml(&toml_of(&s))
            .unwrap()
            .run()
            .unwrap();
        let step = &report.steps[0];
        let mut logs = std::collections::BTreeMap::<String, String>::new();
        for p in &step.processes {
            let text = logs.entry(p.name.clone()).or_default();
            for l in &p.log {
                let lvl = if l.level == "Warning" { "warn" } else { "info" };
                text.push_str(&format!(
                    "{lvl}: Microsoft.AspNetCore.DataProtection.{}\n      {}\n",
                    l.source, l.message
                ));
            }
            if let Some(k) = &p.default_key {
                text.push_str(&format!("dbug: Microsoft.AspNetCore.DataProtection.KeyManagement.KeyRingProvider[2]\n      Using key {{{k}}} as the default key.\n"));
            }
        }
        for pr in step
            .pairs
            .iter()
            .filter(|p| p.consumer == "session cookie" || p.consumer == "session data")
        {
            let line = match &pr.outcome {
                Outcome::KeyNotFound { key } => format!("warn: Microsoft.AspNetCore.Session.SessionMiddleware[7]\n      Error unprotecting the session cookie.\n      System.Security.Cryptography.CryptographicException: The key {{{key}}} was not found in the key ring.\n"),
                Outcome::PayloadInvalid => "warn: Microsoft.AspNetCore.Session.SessionMiddleware[7]\n      Error unprotecting the session cookie.\n      System.Security.Cryptography.CryptographicException: The payload was invalid.\n".to_owned(),
                Outcome::SessionDataMissing => "info: Microsoft.AspNetCore.Session.DistributedSession[2]\n      Accessing expired session, Key:0c2e4e4f-aaaa-bbbb-cccc-000000000001\n".to_owned(),
                _ => continue,
            };
            logs.get_mut(&pr.to).unwrap().push_str(&line);
            if pr.outcome == Outcome::SessionDataMissing {
                logs.get_mut(&pr.from).unwrap().push_str("info: Microsoft.AspNetCore.Session.DistributedSession[3]\n      Session started; Key:0c2e4e4f-aaaa-bbbb-cccc-000000000001, Id:1\n");
            }
        }
        let mut d = Diagnoser::new();
        for (name, text) in &logs {
            d.read_log(name, text.as_bytes()).unwrap();
        }
        let want: Verdict = s["expected"]["verdict"].as_str().unwrap().parse().unwrap();
        let diag = d.diagnose();
        assert_eq!(diag.primary(), want, "{id}\n{}\n{logs:#?}", diag.report());
    }
}

fn run(toml: &str) -> machinekey::sim::data_protection::DataProtectionReport {
    DataProtectionScenario::from_toml(toml)
        .unwrap()
        .run()
        .unwrap()
}

#[test]
fn home_unset_uses_the_account_home_and_home_missing_the_working_directory() {
    let r = run(r#"
system = "data-protection"
requests = 50
[[nodes]]
name = "unset"
kind = "container"
environment = { os = "linux", account_home = "/root", in_container = true }
[[nodes]]
name = "missing"
kind = "container"
environment = { os = "linux", user_profile = "/home/app", home_missing = true, in_container = true, working_directory = "/app" }
"#);
    let p = &r.steps[0].processes;
    assert_eq!(
        p[0].repository.location(),
        Some("/root/.aspnet/DataProtection-Keys")
    );
    assert_eq!(
        p[1].repository.location(),
        Some("/app/.aspnet/DataProtection-Keys")
    );
    assert!(
        p[1].log
            .iter()
            .any(|l| l.message.contains("working directory"))
    );
}

#[test]
fn memory_sessions_are_per_process_and_shared_ones_are_not() {
    let toml = |store: &str| {
        format!(
            r#"
system = "data-protection"
requests = 400
application = {{ kind = "core", name = "Shop", session_store = "{store}" }}
[[nodes]]
name = "web"
replicas = 2
kind = "container"
environment = {{ os = "linux", configured_repository = "/keys", mounts = ["/keys"], in_container = true }}
"#
        )
    };
    let memory = run(&toml("memory"));
    let data = memory.steps[0]
        .consumers
        .iter()
        .find(|c| c.name == "session data")
        .unwrap();
    // About half the requests land on the other replica.
    assert!(
        (0.3..0.7).contains(&data.failure_rate()),
        "{}",
        data.failure_rate()
    );
    let cookie = memory.steps[0]
        .consumers
        .iter()
        .find(|c| c.name == "session cookie")
        .unwrap();
    assert_eq!(cookie.failures, 0);
    let shared = run(&toml("shared"));
    assert_eq!(shared.steps[0].totals().0, 0);
}

#[test]
fn replicas_started_together_each_make_a_key_and_re_read_the_ring_on_a_miss() {
    // An empty shared ring and three replicas starting at once: each finds no key and makes
    // its own; a value under another replica's key is found by re-reading the ring in the
    // first two minutes (ASP.NET Core 3.0+), and fails after that.
    let toml = |requests: u32, minutes: u32| {
        format!(
            r#"
system = "data-protection"
requests = {requests}
minutes = {minutes}
application = {{ kind = "core", name = "Shop" }}
[[nodes]]
name = "web"
replicas = 3
kind = "container"
environment = {{ os = "linux", configured_repository = "/keys", mounts = ["/keys"], in_container = true }}
[[steps]]
name = "redeployed at once onto a new, empty volume"
events = [{{ event = "configure", configured_repository = "/keys2", mounts = ["/keys2"] }}, {{ event = "restart", together = true }}]
"#
        )
    };
    let short = run(&toml(600, 2));
    let keys: std::collections::BTreeSet<_> = short.steps[1]
        .processes
        .iter()
        .map(|p| p.default_key.clone())
        .collect();
    assert_eq!(keys.len(), 3, "each made its own key");
    assert_eq!(short.steps[1].totals().0, 0, "{}", short.table());
    assert!(
        short.steps[1]
            .pairs
            .iter()
            .any(|p| p.outcome == Outcome::ReadAfterReread)
    );
    // Requests that first come after the two minutes find no re-read: they fail until the
    // periodic refresh.
    let long = run(&toml(30, 600));
    assert!(long.steps[1].totals().0 > 0, "{}", long.table());
}

#[test]
fn a_rolling_deploy_of_containers_logs_users_out() {
    let r = run(r#"
system = "data-protection"
requests = 600
application = { kind = "core", content_root = "/app" }
[[nodes]]
name = "web"
replicas = 2
kind = "container"
environment = { os = "linux", user_profile = "/root", in_container = true }
[[steps]]
name = "rolling deploy"
events = [{ event = "rolling-deploy" }]
"#);
    let step = &r.steps[1];
    // Old and new containers serve side by side during the roll.
    assert_eq!(step.processes.len(), 4);
    assert!(step.processes.iter().any(|p| p.name.ends_with("(old)")));
    // Every login made before the deploy is refused after it.
    let carried = step
        .carried_over
        .iter()
        .find(|c| c.name.starts_with("login"))
        .unwrap();
    assert_eq!(carried.failures, carried.requests);
    assert!(
        carried
            .reasons
            .keys()
            .all(|k| k.contains("was not found in the key ring"))
    );
}

#[test]
fn the_shipped_core_scenario_tells_each_failure() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios/core-replicas.toml");
    let r = DataProtectionScenario::read(&path).unwrap().run().unwrap();
    let reasons = |i: usize, consumer: &str| -> Vec<String> {
        r.steps[i]
            .consumers
            .iter()
            .find(|c| c.name == consumer)
            .unwrap()
            .reasons
            .keys()
            .cloned()
            .collect()
    };
    assert!(
        reasons(0, "login cookie (Identity.Application)")
            .iter()
            .all(|k| k.contains("was not found"))
    );
    // The rolling deploy: old and new containers, and everyone's login lost.
    assert_eq!(r.steps[1].processes.len(), 4);
    let carried = &r.steps[1].carried_over[0];
    assert_eq!(carried.failures, carried.requests);
    assert!(
        reasons(2, "antiforgery token")
            .iter()
            .all(|k| k.contains("is not present"))
    );
    assert!(
        reasons(2, "session cookie")
            .iter()
            .all(|k| k.starts_with("The payload was invalid"))
    );
    for c in &r.steps[3].consumers {
        assert_eq!(
            c.failures > 0,
            c.name == "session data",
            "{}: {:?}",
            c.name,
            c.reasons
        );
    }
    // With a shared ring a rolling deploy keeps logins.
    let last = r.steps.last().unwrap();
    let login = last
        .carried_over
        .iter()
        .find(|c| c.name.starts_with("login"))
        .unwrap();
    assert_eq!(login.failures, 0, "{}", r.table());
}
