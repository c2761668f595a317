//! `machinekey diagnose` and `machinekey simulate core` on the four real scenarios of
//! `tests/data/aspnetcore_replicas.json` (two ASP.NET Core 10 replicas: logs, rings, the
//! values B received, and the verdict).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn scenarios() -> Vec<Value> {
    serde_json::from_str(include_str!("../../tests/data/aspnetcore_replicas.json")).unwrap()
}

/// The scenario's logs and rings written out as an operator holds them.
fn lay_out(s: &Value) -> (PathBuf, Vec<String>, Vec<String>) {
    let dir = std::env::temp_dir().join(format!(
        "mk-cli-diagnose-{}-{}",
        s["id"].as_str().unwrap(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut logs = Vec::new();
    for (r, name) in [
        ("replica_a", "replica-a.log"),
        ("replica_b", "replica-b.log"),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, s["inputs"][r]["log"].as_str().unwrap()).unwrap();
        logs.push(p.display().to_string());
    }
    let mut rings = Vec::new();
    for (label, files) in s["inputs"]["rings"].as_object().unwrap() {
        let ring = dir.join(format!("ring-{label}"));
        std::fs::create_dir_all(&ring).unwrap();
        for (name, xml) in files.as_object().unwrap() {
            std::fs::write(ring.join(name), xml.as_str().unwrap()).unwrap();
        }
        rings.push(ring.display().to_string());
    }
    (dir, logs, rings)
}

fn verdicts(o: &Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["verdict"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn diagnose_names_each_scenario_s_verdict() {
    for s in scenarios() {
        let want = s["expected"]["verdict"].as_str().unwrap();
        let (dir, logs, rings) = lay_out(&s);
        // Logs alone.
        let o = run(&["--json", "diagnose", "--log", &logs[0], "--log", &logs[1]]);
        assert_eq!(o.status.code(), Some(1), "{want}");
        assert_eq!(verdicts(&o)[0], want);
        // Logs, rings and the values B received.
        let mut args: Vec<String> = ["--json", "diagnose"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for l in &logs {
            args.extend(["--log".to_owned(), l.clone()]);
        }
        for r in &rings {
            args.extend(["--key-ring".to_owned(), r.clone()]);
        }
        for step in s["inputs"]["steps"].as_array().unwrap() {
            let sent = step["sent_cookie"].as_str().unwrap();
            if !sent.is_empty() {
                args.extend(["--value".to_owned(), sent.to_owned()]);
            }
        }
        let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(verdicts(&o)[0], want, "{}", stdout(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        // Values are tied to their key, never printed.
        assert_eq!(v["values"].as_array().unwrap().len(), 3);
        assert!(
            !stdout(&o).contains("CfDJ8J"),
            "no cookie value in the output"
        );
        // Text: the verdict, the evidence with file and line, the fix.
        let o = run(&["diagnose", "--log", &logs[0], "--log", &logs[1]]);
        let text = stdout(&o);
        assert!(text.starts_with("replica-a: "), "{text}");
        assert!(text.contains(&format!("\n{want}")), "{text}");
        assert!(
            text.contains("replica-b.log") || text.contains("replica-b:"),
            "{text}"
        );
        assert!(text.contains("fix: "), "{text}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn diagnose_takes_settings_stdin_and_says_when_there_is_nothing_to_go_on() {
    let o = run(&[
        "--json",
        "diagnose",
        "--replicas",
        "3",
        "--session-store",
        "memory",
        "--value",
        "x",
    ]);
    assert_eq!(verdicts(&o), ["session-store-not-shared"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(["--json", "diagnose", "--log", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"info: Microsoft.Hosting.Lifetime[0]\n      Application started.\n")
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["verdict"], "healthy");
    assert_eq!(v["nothing_to_go_on"], true);
    // Usage errors.
    let o = run(&["diagnose"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--json", "diagnose", "--log", "/nonexistent/web-1.log"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("\"io\""));
}

#[test]
fn diagnose_reads_the_issue_excerpts() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/corediag/issues"
    ));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("MANIFEST.json")).unwrap()).unwrap();
    for e in manifest["excerpts"].as_array().unwrap().iter().take(8) {
        let file = dir.join(e["file"].as_str().unwrap());
        let o = run(&["--json", "diagnose", "--log", file.to_str().unwrap()]);
        assert_eq!(verdicts(&o)[0], e["verdict"].as_str().unwrap(), "{file:?}");
    }
}

#[test]
fn simulate_core_fails_as_the_scenarios_did() {
    // Each replica its own ring: every cross value's key is missing.
    let o = run(&[
        "simulate",
        "core",
        "--persistence",
        "per-replica",
        "--app-name",
        "Shop",
        "--requests",
        "200",
    ]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("was not found in the key ring"),
        "{}",
        stdout(&o)
    );
    // One ring, two names: the antiforgery cookie is not even found.
    let o = run(&[
        "--json",
        "simulate",
        "core",
        "--persistence",
        "shared",
        "--app-name",
        "Shop",
        "--app-name",
        "Shop2",
        "--requests",
        "200",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let pairs = v["steps"][0]["pairs"].as_array().unwrap();
    let af = pairs
        .iter()
        .find(|p| {
            p["from"] == "web-1" && p["to"] == "web-2" && p["consumer"] == "antiforgery token"
        })
        .unwrap();
    assert_eq!(af["outcome"]["outcome"], "cookie-not-present");
    assert_eq!(
        af["outcome"]["expected"],
        ".AspNetCore.Antiforgery.yT1nNlh6Xv4"
    );
    assert_eq!(af["outcome"]["held"], ".AspNetCore.Antiforgery.0Aqua3-_d6Q");
    // One ring, one name: only the session's data is lost (memory cache per process).
    let o = run(&[
        "--json",
        "simulate",
        "core",
        "--persistence",
        "shared",
        "--app-name",
        "Shop",
        "--requests",
        "200",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    for c in v["steps"][0]["consumers"].as_array().unwrap() {
        let failed = c["failures"].as_u64().unwrap() > 0;
        assert_eq!(failed, c["name"] == "session data", "{c}");
    }
    // No key setting in containers: warning 60, and a redeploy logs everyone out.
    let o = run(&[
        "--json",
        "simulate",
        "core",
        "--rolling-deploy",
        "--requests",
        "200",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v["steps"][0]["processes"][0];
    assert!(
        p["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["source"] == "FileSystemXmlRepository[60]")
    );
    let carried = &v["steps"][1]["carried_over"][0];
    assert_eq!(carried["failures"], carried["requests"]);
    let o = run(&["simulate", "core", "--replicas", "0"]);
    assert_eq!(o.status.code(), Some(2));
}
